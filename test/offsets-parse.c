// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * timens_parse_offset(): a table of texts users type, what each must
 * give (a value, EINVAL or ERANGE), and that nothing is written on error.
 * The table also checks the arbitrary-precision oracle that
 * offsets-parse-values and the fuzzer compare the library with: it must
 * give every row's answer too.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "offset-oracle.h"
#include "tap.h"

#define S NSEC_PER_SEC

struct good {
	const char *text;
	int64_t ns;
};

static const struct good goods[] = {
	/* util-linux: plain integers are seconds. */
	{ "0", 0 },
	{ "86400", 86400 * S },
	{ "-86400", -86400 * S },
	{ "+86400", 86400 * S },
	{ "-0", 0 },
	{ "007", 7 * S },
	/* Decimal seconds. */
	{ "1.5", 1500000000 },
	{ "-1.5", -1500000000 },
	{ "-0.000000001", -1 },
	{ "0.000000001", 1 },
	{ "1.000000001", S + 1 },
	{ "1.50000000000000000000000", 1500000000 },	/* trailing zeros */
	{ "1.0000000000000000000000000000000000000000", S },
	/* Units. */
	{ "123ns", 123 },
	{ "250ms", 250000000 },
	{ "7us", 7000 },
	{ "-1.5s", -1500000000 },
	{ "+100d", 100 * 86400 * S },
	{ "2w", 2 * 604800 * S },
	{ "1m", 60 * S },
	{ "1h", 3600 * S },
	{ "1d2h30m", (86400 + 2 * 3600 + 30 * 60) * S },
	{ "-1d2h30m", -(86400 + 2 * 3600 + 30 * 60) * S },
	{ "1w1d1h1m1s1ms1us1ns", 694861001001001LL },
	{ "1m500ms", 60500000000LL },
	/* Fractions on units: fine while they are whole nanoseconds. */
	{ "1.5h", 5400 * S },
	{ "0.5w", 302400 * S },
	{ "0.001us", 1 },
	{ "1.5us", 1500 },
	{ "0.00000000001w", 6048 },
	{ "2.5d1h", (2 * 86400 + 43200 + 3600) * S },
	/* The edges of int64 nanoseconds. */
	{ "9223372036854775807ns", INT64_MAX },
	{ "-9223372036854775808ns", INT64_MIN },
	{ "-9223372036854775807ns", -INT64_MAX },
	{ "9223372036.854775807", INT64_MAX },
	{ "-9223372036.854775808", INT64_MIN },
	{ "9223372036s854ms775us807ns", INT64_MAX },
	{ "15250w1d23h47m16s854ms775us807ns", INT64_MAX },
	{ "-15250w1d23h47m16s854ms775us808ns", INT64_MIN },
	{ "15250w1d23h47m16.854775807s", INT64_MAX },
	{ "20m34.5s", 1234500000000LL },
	{ "0000000000000000000000000000000000000001ns", 1 },
};

struct bad {
	const char *text;
	int err;
};

static const struct bad bads[] = {
	{ "", EINVAL },
	{ "+", EINVAL },
	{ "-", EINVAL },
	{ "s", EINVAL },
	{ "h1", EINVAL },
	{ "1h-", EINVAL },
	{ "1h-30m", EINVAL },
	{ "1h+30m", EINVAL },
	{ "--1", EINVAL },
	{ "+-1", EINVAL },
	{ " 1", EINVAL },
	{ "1 ", EINVAL },
	{ "1 s", EINVAL },
	{ "1d 2h", EINVAL },
	{ "\t1", EINVAL },
	{ "1.", EINVAL },
	{ ".5", EINVAL },
	{ "1..5", EINVAL },
	{ "1.5.", EINVAL },
	{ "1e3", EINVAL },
	{ "0x10", EINVAL },
	{ "1S", EINVAL },
	{ "1H", EINVAL },
	{ "1sec", EINVAL },
	{ "1y", EINVAL },
	{ "1h30", EINVAL },	/* a plain number only as the whole value */
	{ "30m1h", EINVAL },	/* units from largest to smallest */
	{ "1s1s", EINVAL },
	{ "1ms1s", EINVAL },
	{ "1.5ns", EINVAL },	/* not whole nanoseconds */
	{ "1.0000000001", EINVAL },
	{ "1.0000000001s", EINVAL },
	{ "0.0001us", EINVAL },
	{ "0.000000000001w", EINVAL },	/* 604.8ns */
	{ "0.0000000000000000001w", EINVAL },
	{ "1.1234567891234567891234567s", EINVAL },
	/* Beyond int64 nanoseconds: ERANGE, never a wrap. */
	{ "9223372036854775808ns", ERANGE },
	{ "-9223372036854775809ns", ERANGE },
	{ "9223372037", ERANGE },
	{ "-9223372037", ERANGE },
	{ "9223372036.854775808", ERANGE },
	{ "15251w", ERANGE },
	{ "18446744073709551616ns", ERANGE },	/* 2^64: wraps to 0 in 64 bits */
	{ "18446744073709551617ns", ERANGE },	/* wraps to 1 */
	{ "36893488147419103232", ERANGE },
	{ "99999999999999999999999999999999999999999999999999", ERANGE },
	{ "-99999999999999999999999999999999999999999999999999w", ERANGE },
	{ "15000w15000w", EINVAL },		/* syntax is judged first */
	{ "9223372036854775807ns1ns", EINVAL },
	{ "9223372036s854ms775us808ns", ERANGE },
	{ "106751d23h47m16s854ms775us808ns", ERANGE },
	{ "15250w1d23h47m16.854775808s", ERANGE },
};

int main(int argc, char **argv)
{
	size_t i, ngood = sizeof(goods) / sizeof(goods[0]);
	size_t nbad = sizeof(bads) / sizeof(bads[0]);

	test_exec_hook(argc, argv);
	tap_plan((int)(ngood + nbad + 3));

	for (i = 0; i < ngood; i++) {
		int64_t ns = 42;
		int r;

		errno = 0;
		r = timens_parse_offset(goods[i].text, &ns);
		tap_ok(r == 0 && ns == goods[i].ns, "\"%s\" = %lld (got r=%d %lld, %s)",
		       goods[i].text, (long long)goods[i].ns, r, (long long)ns,
		       r ? strerror(errno) : "ok");
	}
	for (i = 0; i < nbad; i++) {
		int64_t ns = 42;
		int r;

		errno = 0;
		r = timens_parse_offset(bads[i].text, &ns);
		tap_ok(r == -1 && errno == bads[i].err && ns == 42,
		       "\"%s\" refused with %s, result untouched (got r=%d %s, %lld)",
		       bads[i].text, strerror(bads[i].err), r, strerror(errno),
		       (long long)ns);
	}
	{
		unsigned int wrong = 0;

		for (i = 0; i < ngood; i++) {
			int64_t ns = 42;
			int err = oracle_parse_offset(goods[i].text, &ns);

			if ((err || ns != goods[i].ns) && wrong++ < 5)
				tap_diag("oracle: \"%s\" gives %s %lld", goods[i].text,
					 err ? strerror(err) : "ok", (long long)ns);
		}
		for (i = 0; i < nbad; i++) {
			int64_t ns = 42;
			int err = oracle_parse_offset(bads[i].text, &ns);

			if ((err != bads[i].err || ns != 42) && wrong++ < 5)
				tap_diag("oracle: \"%s\" gives %s %lld", bads[i].text,
					 err ? strerror(err) : "ok", (long long)ns);
		}
		tap_ok(!wrong, "the oracle gives every row's answer (%u do not)", wrong);
	}
	{
		int64_t ns = 0;

		errno = 0;
		tap_ok(timens_parse_offset(NULL, &ns) == -1 && errno == EINVAL,
		       "NULL text: EINVAL");
		errno = 0;
		tap_ok(timens_parse_offset("1s", NULL) == -1 && errno == EINVAL,
		       "NULL result: EINVAL");
	}
	return tap_done();
}
