// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Row 1: timens_clone3() with offsets against plain clone3, child
 * _exit()s at once, parent waits.  Single-threaded on the library's own
 * choice of path (inplace here) and on each forced emulated path, then
 * with one idle thread alive, which makes the library take the
 * helper-thread path.  The "+ clock read" rows read CLOCK_MONOTONIC
 * after each wait, as most real callers do now and then: the inplace
 * path's setns() back makes the kernel unmap our vDSO data pages, and
 * that read maps them again, a cost the bare rows do not see.
 *
 *   bench-clone3 [--quick] [--rounds N] [--iters N] [--csv FILE]
 */
#include <pthread.h>
#include <unistd.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "timens.h"
#include "internal.h"
#include "bench.h"

/*
 * RAW_NEWTIME is the kernel's own clone3(CLONE_NEWTIME) (6.3+), which
 * copies the offsets of our time_for_children (zero): no user-space work
 * at all, so it is the floor for any way of making a child in a new time
 * namespace, the native timens_offset included.
 */
enum mode { PLAIN, TIMENS, RAW_NEWTIME };

struct row {
	int threads;		/* 1, or 2 with an idle thread alive */
	enum mode mode;
	enum timens_path force;	/* NONE: the library's choice */
	bool clock;		/* read CLOCK_MONOTONIC after each wait */
	int base;		/* the baseline row */
	const char *name, *target;
};

static const struct timens_offset off = { 86400 * NSEC_PER_SEC, 86400 * NSEC_PER_SEC };

/* Microseconds per clone + wait over ITERS children; *PATH: how. */
static double run(const struct row *r, int iters, const char **path)
{
	struct timens_clone_args a = { .exit_signal = SIGCHLD };
	double t0;
	int i;

	if (r->mode == TIMENS) {
		a.flags = CLONE_NEWTIME;
		a.timens_offset = (uint64_t)(uintptr_t)&off;
	} else if (r->mode == RAW_NEWTIME) {
		a.flags = CLONE_NEWTIME;
	}
	timens__force_path(r->force);
	t0 = now_us();
	for (i = 0; i < iters; i++) {
		long pid = r->mode != TIMENS ? syscall(SYS_clone3, &a, TIMENS_CLONE_ARGS_SIZE_VER2)
					     : timens_clone3(&a, sizeof(a));

		if (pid == 0)
			_exit(0);
		if (pid < 0)
			die("bench-clone3", "clone: %s", strerror(errno));
		if (waitpid((pid_t)pid, NULL, 0) != pid)
			die("bench-clone3", "waitpid: %s", strerror(errno));
		if (r->clock) {
			struct timespec ts;

			clock_gettime(CLOCK_MONOTONIC, &ts);
		}
	}
	if (r->mode == TIMENS)
		*path = timens_path_name(timens_last_path());
	return (now_us() - t0) / iters;
}

static void *idle(void *arg)
{
	int *fd = arg;
	char c;

	/* Just be there: returns when main closes the pipe. */
	if (read(*fd, &c, 1) < 0)
		return NULL;
	return NULL;
}

int main(int argc, char **argv)
{
	static const struct row all[] = {
		{ 1, PLAIN, TIMENS_PATH_NONE, false, 0, "clone3 + wait", "" },
		{ 1, TIMENS, TIMENS_PATH_NONE, false, 0, "timens_clone3 +1d + wait", "<=1.10" },
		{ 1, TIMENS, TIMENS_PATH_INPLACE, false, 0, "timens_clone3 +1d (inplace forced)", "" },
		{ 1, TIMENS, TIMENS_PATH_HELPER_THREAD, false, 0,
		  "timens_clone3 +1d (helper forced)", "" },
		{ 1, RAW_NEWTIME, TIMENS_PATH_NONE, false, 0, "clone3(CLONE_NEWTIME) + wait (floor)",
		  "" },
		{ 1, PLAIN, TIMENS_PATH_NONE, true, 5, "clone3 + wait + clock read", "" },
		{ 1, TIMENS, TIMENS_PATH_NONE, true, 5, "timens_clone3 +1d + wait + clock read", "" },
		{ 1, TIMENS, TIMENS_PATH_HELPER_THREAD, true, 5,
		  "timens_clone3 (helper forced) + clock read", "" },
		{ 2, PLAIN, TIMENS_PATH_NONE, false, 8, "clone3 + wait; 2 threads", "" },
		{ 2, TIMENS, TIMENS_PATH_NONE, false, 8, "timens_clone3 +1d + wait; 2 threads",
		  "<=1.10" },
	};
	enum { N = sizeof(all) / sizeof(all[0]) };
	struct row rows[N];
	static struct series s[N];
	int n = 0, iters = 20, r, i, pipefd[2], index[N];
	bool newtime = timens_features() & TIMENS_FEATURE_CLONE3_NEWTIME;
	struct bench_opts o;
	pthread_t t;

	i = bench_args(argc, argv, &o, 101);
	if (i && !strcmp(argv[i], "--iters") && i + 1 < argc)
		iters = atoi(argv[i + 1]);
	else if (i)
		die(argv[0], "usage: bench-clone3 [--quick] [--rounds N] [--iters N] [--csv FILE]");
	if (o.quick)
		iters = 10;

	/* The floor row needs clone3 to take CLONE_NEWTIME (6.3+). */
	if (!newtime)
		fprintf(stderr, "bench-clone3: clone3 takes no CLONE_NEWTIME here: floor row left out\n");
	for (i = 0; i < N; i++) {
		if (all[i].mode == RAW_NEWTIME && !newtime)
			continue;
		index[i] = n;
		rows[n] = all[i];
		rows[n].base = index[all[i].base];
		s[n].name = all[i].name;
		s[n].path = all[i].mode == TIMENS ? "?" : "kernel";
		s[n].unit = "us/child";
		s[n].base = rows[n].base;
		s[n].target = all[i].target;
		n++;
	}
	for (r = 0; r < o.rounds; r++)
		for (i = 0; i < n; i++)
			if (rows[i].threads == 1)
				s[i].v[r] = run(&rows[i], iters, &s[i].path);
	if (pipe(pipefd))
		die(argv[0], "pipe: %s", strerror(errno));
	errno = pthread_create(&t, NULL, idle, &pipefd[0]);
	if (errno)
		die(argv[0], "pthread_create: %s", strerror(errno));
	for (r = 0; r < o.rounds; r++)
		for (i = 0; i < n; i++)
			if (rows[i].threads == 2)
				s[i].v[r] = run(&rows[i], iters, &s[i].path);
	close(pipefd[1]);
	pthread_join(t, NULL);
	timens__force_path(TIMENS_PATH_NONE);

	bench_report("clone3", s, n, o.rounds, &o);
	return 0;
}
