// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Row 1: timens_clone3() with offsets against plain clone3, child
 * _exit()s at once, parent waits.  Single-threaded on the library's own
 * choice of path (inplace here) and on each forced emulated path, then
 * with one idle thread alive, which makes the library take the
 * helper-thread path.
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
};

static const struct timens_offset off = { 86400LL * 1000000000, 86400LL * 1000000000 };

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
	struct row rows[] = {
		{ 1, PLAIN, TIMENS_PATH_NONE },
		{ 1, TIMENS, TIMENS_PATH_NONE },
		{ 1, TIMENS, TIMENS_PATH_INPLACE },
		{ 1, TIMENS, TIMENS_PATH_HELPER_THREAD },
		{ 1, RAW_NEWTIME, TIMENS_PATH_NONE },
		{ 2, PLAIN, TIMENS_PATH_NONE },
		{ 2, TIMENS, TIMENS_PATH_NONE },
	};
	struct series s[] = {
		{ "clone3 + wait", "kernel", "us/child", 0, "", {0} },
		{ "timens_clone3 +1d + wait", "?", "us/child", 0, "<=1.10", {0} },
		{ "timens_clone3 +1d (inplace forced)", "?", "us/child", 0, "", {0} },
		{ "timens_clone3 +1d (helper forced)", "?", "us/child", 0, "", {0} },
		{ "clone3(CLONE_NEWTIME) + wait (floor)", "kernel", "us/child", 0, "", {0} },
		{ "clone3 + wait; 2 threads", "kernel", "us/child", 5, "", {0} },
		{ "timens_clone3 +1d + wait; 2 threads", "?", "us/child", 5, "<=1.10", {0} },
	};
	int n = sizeof(rows) / sizeof(rows[0]), iters = 20, r, i, pipefd[2];
	struct bench_opts o;
	pthread_t t;

	i = bench_args(argc, argv, &o, 41);
	if (i && !strcmp(argv[i], "--iters") && i + 1 < argc)
		iters = atoi(argv[i + 1]);
	else if (i)
		die(argv[0], "usage: bench-clone3 [--quick] [--rounds N] [--iters N] [--csv FILE]");
	if (o.quick)
		iters = 10;

	/* The floor row needs clone3 to take CLONE_NEWTIME (6.3+). */
	if (!(timens_features() & TIMENS_FEATURE_CLONE3_NEWTIME)) {
		fprintf(stderr, "bench-clone3: clone3 takes no CLONE_NEWTIME here: floor row left out\n");
		memmove(&s[4], &s[5], sizeof(s[0]) * 2);
		memmove(&rows[4], &rows[5], sizeof(rows[0]) * 2);
		s[4].base = s[5].base = 4;
		n--;
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
