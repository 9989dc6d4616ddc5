/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * bench.h - what the benchmark programs share: a clock, options, and the
 * report.
 *
 * Every program measures its cases interleaved, one small batch of each
 * per round, so that whatever else the machine does hits all cases
 * alike.  A row reports the median, min and max of its per-round values
 * and the median of its per-round ratios to the baseline row measured in
 * the same round.  Absolute values are only comparable within one run.
 *
 * Report lines, on stdout and appended to --csv FILE:
 *   bench,case,path,unit,median,min,max,baseline,ratio,target
 * ratio is value / baseline value, so below 1 is better for times.
 */
#ifndef TIMENS_BENCH_H
#define TIMENS_BENCH_H

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "../src/common/nsec.h"

#define MAXROUNDS 256

struct series {
	const char *name;
	const char *path;	/* how the call reached the kernel, or "-" */
	const char *unit;
	int base;		/* index of the baseline series; itself: none */
	const char *target;	/* "<=1.10" or "" */
	double v[MAXROUNDS];
};

struct bench_opts {
	int rounds;
	int quick;
	const char *csv;
};

static inline double now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

static inline __attribute__((noreturn, format(printf, 2, 3)))
void die(const char *prog, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

/*
 * --quick, --rounds N, --csv FILE; anything else is left for the
 * program (returns its index), 0 when all were taken.
 */
static inline int bench_args(int argc, char **argv, struct bench_opts *o, int rounds)
{
	int i;

	o->rounds = rounds;
	o->quick = 0;
	o->csv = NULL;
	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--quick")) {
			o->quick = 1;
			o->rounds = 5;
		} else if (!strcmp(argv[i], "--rounds") && i + 1 < argc) {
			o->rounds = atoi(argv[++i]);
		} else if (!strcmp(argv[i], "--csv") && i + 1 < argc) {
			o->csv = argv[++i];
		} else {
			return i;
		}
	}
	if (o->rounds < 1 || o->rounds > MAXROUNDS)
		die(argv[0], "--rounds must be 1..%d", MAXROUNDS);
	return 0;
}

static inline int bench_cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* Median of V[0..N-1]; *LO and *HI get the extremes. */
static inline double bench_median(const double *v, int n, double *lo, double *hi)
{
	double s[MAXROUNDS];

	memcpy(s, v, sizeof(double) * (size_t)n);
	qsort(s, (size_t)n, sizeof(double), bench_cmp);
	if (lo)
		*lo = s[0];
	if (hi)
		*hi = s[n - 1];
	return n % 2 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
}

/* The median of a series; its ratio to the baseline (0 without one). */
static inline double bench_ratio(const struct series *s, int i, int rounds)
{
	double r[MAXROUNDS];
	int k;

	if (s[i].base == i)
		return 0;
	for (k = 0; k < rounds; k++)
		r[k] = s[s[i].base].v[k] ? s[i].v[k] / s[s[i].base].v[k] : 0;
	return bench_median(r, rounds, NULL, NULL);
}

/*
 * Print the rows of one benchmark; append them to the CSV file if one
 * was named.  Names must not contain commas.
 */
static inline void bench_report(const char *bench, const struct series *s, int n,
				int rounds, const struct bench_opts *o)
{
	FILE *out = NULL;
	int i;

	if (o->csv) {
		out = fopen(o->csv, "a");
		if (!out)
			die(bench, "%s: %s", o->csv, strerror(errno));
	}
	printf("# %s: %d rounds\n", bench, rounds);
	printf("%-44s %-13s %-9s %11s %11s %11s %7s\n", "case", "path", "unit", "median",
	       "min", "max", "ratio");
	for (i = 0; i < n; i++) {
		double lo, hi, m = bench_median(s[i].v, rounds, &lo, &hi);
		double ratio = bench_ratio(s, i, rounds);
		char rs[16] = "-";

		if (s[i].base != i)
			snprintf(rs, sizeof(rs), "%.3f", ratio);
		printf("%-44s %-13s %-9s %11.2f %11.2f %11.2f %7s\n", s[i].name, s[i].path,
		       s[i].unit, m, lo, hi, rs);
		if (out)
			fprintf(out, "%s,%s,%s,%s,%.3f,%.3f,%.3f,%s,%s,%s\n", bench, s[i].name,
				s[i].path, s[i].unit, m, lo, hi,
				s[i].base != i ? s[s[i].base].name : "", s[i].base != i ? rs : "",
				s[i].target ? s[i].target : "");
	}
	fflush(stdout);
	if (out && fclose(out))
		die(bench, "%s: %s", o->csv, strerror(errno));
}

#endif
