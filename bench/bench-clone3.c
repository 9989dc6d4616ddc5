// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * timens_clone3() with offsets against plain clone3, child _exit()s at
 * once, parent waits.  Modes are interleaved in small batches, round
 * after round, so that the machine's drift hits them alike; each row
 * reports the median time of its batches and the median of its per-round
 * ratios to the baseline batch run next to it.
 *
 *   bench-clone3 [--quick] [--rounds N] [--iters N] [--csv FILE]
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "timens.h"
#include "internal.h"

#define MAXROUNDS 256

enum mode { PLAIN, TIMENS };

struct row {
	const char *name;
	int threads;		/* 1, or 2 with an idle thread alive */
	enum mode mode;
	enum timens_path force;	/* NONE: the library's choice */
	int baseline;		/* index of the row this one is compared with */
	double us[MAXROUNDS];
	const char *path;
};

static double now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

static double run(const struct row *r, int iters, const char **path)
{
	static const struct timens_offset off = { 86400LL * 1000000000, 86400LL * 1000000000 };
	struct timens_clone_args a = { .exit_signal = SIGCHLD };
	double t0;
	int i;

	if (r->mode == TIMENS) {
		a.flags = CLONE_NEWTIME;
		a.timens_offset = (uint64_t)(uintptr_t)&off;
	}
	timens__force_path(r->force);
	t0 = now_us();
	for (i = 0; i < iters; i++) {
		long pid = r->mode == PLAIN ? syscall(SYS_clone3, &a, 88)
					    : timens_clone3(&a, sizeof(a));

		if (pid == 0)
			_exit(0);
		if (pid < 0) {
			fprintf(stderr, "bench-clone3: %s: %s\n", r->name, strerror(errno));
			exit(1);
		}
		waitpid((pid_t)pid, NULL, 0);
	}
	if (r->mode == TIMENS)
		*path = timens_path_name(timens_last_path());
	return (now_us() - t0) / iters;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double median(const double *v, int n, double *lo, double *hi)
{
	double s[MAXROUNDS];

	memcpy(s, v, sizeof(double) * (size_t)n);
	qsort(s, (size_t)n, sizeof(double), cmp);
	*lo = s[0];
	*hi = s[n - 1];
	return n % 2 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
}

static void *idle(void *arg)
{
	int *fd = arg;
	char c;

	if (read(*fd, &c, 1) < 0)
		return NULL;
	return NULL;
}

int main(int argc, char **argv)
{
	struct row rows[] = {
		{ "clone3 + wait", 1, PLAIN, TIMENS_PATH_NONE, 0, {0}, "kernel" },
		{ "timens_clone3 +1d (auto)", 1, TIMENS, TIMENS_PATH_NONE, 0, {0}, NULL },
		{ "timens_clone3 +1d (emulated)", 1, TIMENS, TIMENS_PATH_KERNEL, 0, {0}, NULL },
		{ "timens_clone3 +1d (helper)", 1, TIMENS, TIMENS_PATH_HELPER_THREAD, 0, {0}, NULL },
		{ "clone3 + wait, 2 threads", 2, PLAIN, TIMENS_PATH_NONE, 4, {0}, "kernel" },
		{ "timens_clone3 +1d, 2 threads", 2, TIMENS, TIMENS_PATH_NONE, 4, {0}, NULL },
	};
	int nrows = sizeof(rows) / sizeof(rows[0]);
	int rounds = 31, iters = 20, r, i, pipefd[2];
	const char *csv = NULL;
	pthread_t t;
	FILE *out;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--quick")) {
			rounds = 5;
			iters = 10;
		} else if (!strcmp(argv[i], "--rounds") && i + 1 < argc) {
			rounds = atoi(argv[++i]);
		} else if (!strcmp(argv[i], "--iters") && i + 1 < argc) {
			iters = atoi(argv[++i]);
		} else if (!strcmp(argv[i], "--csv") && i + 1 < argc) {
			csv = argv[++i];
		} else {
			fprintf(stderr, "usage: bench-clone3 [--quick] [--rounds N] [--iters N] [--csv FILE]\n");
			return 2;
		}
	}
	if (rounds < 1 || rounds > MAXROUNDS || iters < 1)
		return 2;

	for (r = 0; r < rounds; r++) {
		for (i = 0; i < nrows; i++) {
			if (rows[i].threads != 1)
				continue;
			rows[i].us[r] = run(&rows[i], iters, &rows[i].path);
		}
	}
	if (pipe(pipefd) || pthread_create(&t, NULL, idle, &pipefd[0]))
		return 1;
	for (r = 0; r < rounds; r++)
		for (i = 0; i < nrows; i++)
			if (rows[i].threads == 2)
				rows[i].us[r] = run(&rows[i], iters, &rows[i].path);
	close(pipefd[1]);
	pthread_join(t, NULL);

	printf("# bench-clone3: %d rounds x %d calls, features %#x\n", rounds, iters,
	       timens_features());
	printf("%-32s %-15s %10s %10s %10s %7s\n", "case", "path", "median_us", "min_us",
	       "max_us", "ratio");
	out = csv ? fopen(csv, "w") : NULL;
	if (out)
		fprintf(out, "case,path,median_us,min_us,max_us,ratio\n");
	for (i = 0; i < nrows; i++) {
		double lo, hi, blo, bhi;
		double m = median(rows[i].us, rounds, &lo, &hi);
		double ratios[MAXROUNDS], b;

		for (r = 0; r < rounds; r++)
			ratios[r] = rows[i].us[r] / rows[rows[i].baseline].us[r];
		b = m / median(ratios, rounds, &blo, &bhi);

		printf("%-32s %-15s %10.1f %10.1f %10.1f %7.3f\n", rows[i].name, rows[i].path, m,
		       lo, hi, m / b);
		if (out)
			fprintf(out, "%s,%s,%.1f,%.1f,%.1f,%.3f\n", rows[i].name, rows[i].path, m,
				lo, hi, m / b);
	}
	if (out)
		fclose(out);
	return 0;
}
