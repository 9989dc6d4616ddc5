// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Row 4: 1, 2, 4 and 8 threads creating children at the same time, each
 * thread cloning and reaping its own children in a loop; timens_clone3()
 * with offsets against plain clone3 with the same number of threads.
 * The value is wall time over all children made (microseconds per
 * child), so throughput is 1e6 / value; the ratio is timens over plain
 * at the same thread count, measured in the same round.
 *
 * Even with one worker thread the process has two threads (main waits
 * for the workers), so every timens row takes the library's
 * multi-threaded path; the single-threaded fast path is row 1.
 *
 *   bench-scale [--quick] [--rounds N] [--csv FILE]
 */
#include <pthread.h>
#include <unistd.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "timens.h"
#include "bench.h"

#define MAXTHREADS 8

static const struct timens_offset off = { 86400 * NSEC_PER_SEC, 86400 * NSEC_PER_SEC };

struct job {
	pthread_barrier_t *start;
	int timens;
	int iters;
	enum timens_path path;
};

static void *worker(void *arg)
{
	struct job *j = arg;
	struct timens_clone_args a = { .exit_signal = SIGCHLD };
	int i;

	if (j->timens) {
		a.flags = CLONE_NEWTIME;
		a.timens_offset = (uint64_t)(uintptr_t)&off;
	}
	pthread_barrier_wait(j->start);
	for (i = 0; i < j->iters; i++) {
		long pid = j->timens ? timens_clone3(&a, sizeof(a))
				     : syscall(SYS_clone3, &a, TIMENS_CLONE_ARGS_SIZE_VER2);

		if (pid == 0)
			_exit(0);
		if (pid < 0)
			die("bench-scale", "clone: %s", strerror(errno));
		/* Any thread of ours may reap it; this one does, at once. */
		if (waitpid((pid_t)pid, NULL, 0) != pid)
			die("bench-scale", "waitpid: %s", strerror(errno));
	}
	j->path = timens_last_path();
	return NULL;
}

/* Microseconds of wall time per child, NTHREADS threads each making ITERS. */
static double batch(int nthreads, int timens, int iters, enum timens_path *path)
{
	struct job jobs[MAXTHREADS];
	pthread_t t[MAXTHREADS];
	pthread_barrier_t start;
	double t0;
	int i;

	if ((errno = pthread_barrier_init(&start, NULL, (unsigned)nthreads + 1)))
		die("bench-scale", "pthread_barrier_init: %s", strerror(errno));
	for (i = 0; i < nthreads; i++) {
		jobs[i] = (struct job){ &start, timens, iters, TIMENS_PATH_NONE };
		if ((errno = pthread_create(&t[i], NULL, worker, &jobs[i])))
			die("bench-scale", "pthread_create: %s", strerror(errno));
	}
	/* The clock starts when every thread is ready: creation is not timed. */
	pthread_barrier_wait(&start);
	t0 = now_us();
	for (i = 0; i < nthreads; i++)
		pthread_join(t[i], NULL);
	t0 = now_us() - t0;
	pthread_barrier_destroy(&start);
	*path = jobs[0].path;
	return t0 / (nthreads * iters);
}

int main(int argc, char **argv)
{
	static const int threads[] = { 1, 2, 4, 8 };
	enum { NT = sizeof(threads) / sizeof(threads[0]) };
	static char names[NT * 2][48];
	struct series s[NT * 2];
	struct bench_opts o;
	int iters = 12, r, i, k;

	if (bench_args(argc, argv, &o, 21))
		die(argv[0], "usage: bench-scale [--quick] [--rounds N] [--csv FILE]");
	if (o.quick)
		iters = 6;
	for (i = 0; i < NT; i++) {
		for (k = 0; k < 2; k++) {
			snprintf(names[i * 2 + k], sizeof(names[0]), "%s; %d thread%s",
				 k ? "timens_clone3 +1d + wait" : "clone3 + wait", threads[i],
				 threads[i] > 1 ? "s" : "");
			s[i * 2 + k] = (struct series){ names[i * 2 + k], "kernel", "us/child",
							i * 2, "", {0} };
		}
	}
	for (r = 0; r < o.rounds; r++) {
		for (i = 0; i < NT; i++) {
			for (k = 0; k < 2; k++) {
				enum timens_path p;

				s[i * 2 + k].v[r] = batch(threads[i], k, iters, &p);
				if (k)
					s[i * 2 + k].path = timens_path_name(p);
			}
		}
	}
	bench_report("scaling", s, NT * 2, o.rounds, &o);
	return 0;
}
