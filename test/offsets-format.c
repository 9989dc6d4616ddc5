// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * timens_format_offset(): the expected text for chosen values, the
 * buffer-size contract, and a round-trip property: for edge values and
 * many random ones, format then parse gives the same value back, and the
 * text is never longer than either form it chooses between.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tap.h"

#define S NSEC_PER_SEC

struct want {
	int64_t ns;
	const char *text;
};

static const struct want wants[] = {
	{ 0, "0" },
	{ 1, "1ns" },
	{ -1, "-1ns" },
	{ 1000, "1us" },
	{ 250000000, "250ms" },
	{ 1500000000, "1.5s" },
	{ -1500000000, "-1.5s" },
	{ S, "1s" },
	{ S + 1, "1s1ns" },
	{ 60 * S, "1m" },
	{ 90 * S, "1m30s" },
	{ 3600 * S, "1h" },
	{ 86400 * S, "1d" },
	{ 100 * 86400 * S, "14w2d" },
	{ (86400 + 2 * 3600 + 30 * 60) * S, "1d2h30m" },
	{ 604800 * S, "1w" },
	{ 123456789, "0.123456789s" },		/* shorter than 123ms456us789ns */
	{ 1001000, "1ms1us" },
	{ 100000001, "100ms1ns" },
	{ 1234 * S + 500000000, "20m34.5s" },
	{ 3600 * S + 500000000, "1h0.5s" },
	{ 3600 * S + 1000, "1h1us" },
	{ INT64_MAX, "15250w1d23h47m16.854775807s" },
	{ INT64_MIN, "-15250w1d23h47m16.854775808s" },
};

static void check_round_trip(int64_t v, int *bad)
{
	char buf[TIMENS_OFFSET_STRLEN];
	int64_t back = 0;
	int n = timens_format_offset(v, buf, sizeof(buf));

	if (n < 0 || (size_t)n != strlen(buf) || timens_parse_offset(buf, &back) ||
	    back != v) {
		if ((*bad)++ < 5)
			tap_diag("round trip of %lld: \"%s\" (%d) -> %lld", (long long)v,
				 n < 0 ? "" : buf, n, (long long)back);
	}
}


static const int64_t unit_ns[] = {
	1, 1000, 1000000, S, 60 * S, 3600 * S, 86400 * S, 604800 * S,
};

int main(int argc, char **argv)
{
	size_t i, nwant = sizeof(wants) / sizeof(wants[0]);
	int bad = 0, count = 0;
	char buf[TIMENS_OFFSET_STRLEN];

	test_exec_hook(argc, argv);
	tap_plan((int)nwant + 7);

	for (i = 0; i < nwant; i++) {
		int n = timens_format_offset(wants[i].ns, buf, sizeof(buf));

		tap_ok(n >= 0 && !strcmp(buf, wants[i].text) && (size_t)n == strlen(buf),
		       "%lld formats as \"%s\" (got \"%s\", %d)", (long long)wants[i].ns,
		       wants[i].text, n >= 0 ? buf : "", n);
	}

	/* Edges: the int64 ends and every unit boundary, +-1 around each. */
	for (i = 0; i < sizeof(unit_ns) / sizeof(unit_ns[0]); i++) {
		for (int64_t d = -1; d <= 1; d++) {
			int64_t m;

			for (m = 1; m <= 1000; m *= 10) {
				check_round_trip(unit_ns[i] * m + d, &bad);
				check_round_trip(-(unit_ns[i] * m + d), &bad);
				count += 2;
			}
		}
	}
	{
		static const int64_t edges[] = {
			0, 1, -1, 2, -2, INT64_MAX, INT64_MIN, INT64_MAX - 1, INT64_MIN + 1,
			INT64_MAX / 2, INT64_MIN / 2, 999999999, -999999999, 1000000001,
		};

		for (i = 0; i < sizeof(edges) / sizeof(edges[0]); i++, count++)
			check_round_trip(edges[i], &bad);
	}
	tap_ok(bad == 0, "edge values round-trip (%d values, %d bad)", count, bad);

	/* Random values over every magnitude, and values made of whole units. */
	bad = 0;
	for (count = 0; count < 200000; count++) {
		uint64_t r = test_rand();
		int64_t v = (int64_t)(r >> (test_rand() % 64));

		if (count & 1)
			v = -v;
		if (count % 3 == 0)
			v = (v % (INT64_MAX / unit_ns[r % 8])) * unit_ns[r % 8];
		check_round_trip(v, &bad);
	}
	tap_ok(bad == 0, "random values round-trip (%d values, %d bad)", count, bad);

	/* The longest output fits TIMENS_OFFSET_STRLEN with room to spare. */
	{
		int longest = 0;

		for (count = 0; count < 100000; count++) {
			int n = timens_format_offset((int64_t)test_rand(), buf, sizeof(buf));

			if (n > longest)
				longest = n;
		}
		tap_ok(longest > 0 && longest < TIMENS_OFFSET_STRLEN,
		       "longest random text %d < TIMENS_OFFSET_STRLEN", longest);
	}

	/* Buffer too small: ERANGE, and the buffer holds an empty string. */
	memset(buf, 'x', sizeof(buf));
	errno = 0;
	tap_ok(timens_format_offset(1500000000, buf, 4) == -1 && errno == ERANGE &&
	       buf[0] == '\0', "\"1.5s\" needs 5 bytes: 4 gives ERANGE, empty string");
	errno = 0;
	tap_ok(timens_format_offset(1500000000, buf, 5) == 4 && !strcmp(buf, "1.5s"),
	       "exactly 5 bytes are enough");
	errno = 0;
	tap_ok(timens_format_offset(0, NULL, 0) == -1 && errno == ERANGE,
	       "NULL buffer, length 0: ERANGE");
	errno = 0;
	tap_ok(timens_format_offset(INT64_MIN, buf, sizeof(buf)) ==
	       (int)strlen("-15250w1d23h47m16.854775808s"), "INT64_MIN's length returned");
	return tap_done();
}
