// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * timens_parse_offset() against a second, arbitrary-precision reading of
 * its grammar (test/lib/offset-oracle.h): for every text the same verdict
 * (a value, EINVAL or ERANGE), the same value, and *ns untouched on
 * error.  The texts cover every unit and plain seconds, every sign, 1 to
 * 45 integer digits and 0 to 45 fraction digits, the int64 edges of
 * each unit (the largest text accepted and the smallest refused, whole
 * and with 1 to 20 fraction digits), combined units, and random strings
 * over the grammar's alphabet.  The edges also carry expectations of
 * their own, from plain uint64 division.
 *
 * With --read-stdin it prints, for each line of its input, the library's
 * answer and the oracle's ("VALUE" or "EINVAL"/"ERANGE", tab between),
 * for offsets-parse-python.sh to compare with a third reading.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "offset-oracle.h"
#include "tap.h"

#define SENTINEL INT64_C(0x5a5a5a5a5a5a5a5a)
#define TEXT_MAX 256

struct tally {
	unsigned long texts, accepted, einval, erange, wrong;
	unsigned long misplaced;	/* edges: on the wrong side of the limit */
};


static unsigned int rng_below(unsigned int n)
{
	return (unsigned int)(test_rand() % n);
}

/* The library's verdict on TEXT; returns the errno (0: accepted). */
static int library(const char *text, int64_t *ns)
{
	*ns = SENTINEL;
	errno = 0;
	if (timens_parse_offset(text, ns) == 0)
		return errno = 0, 0;
	return errno ? errno : -1;
}

/* The library and the oracle agree on TEXT; the oracle's verdict. */
static int check(struct tally *t, const char *text)
{
	int64_t want = 0, got;
	int want_err = oracle_parse_offset(text, &want);
	int got_err = library(text, &got);
	bool same;

	if (want_err == ENOMEM)
		tap_bail("the oracle ran out of memory");
	if (want_err)
		same = got_err == want_err && got == SENTINEL;
	else
		same = got_err == 0 && got == want;
	t->texts++;
	if (!want_err)
		t->accepted++;
	else if (want_err == EINVAL)
		t->einval++;
	else
		t->erange++;
	if (!same && t->wrong++ < 5) {
		char w[64], g[64];

		if (want_err)
			snprintf(w, sizeof(w), "%s", strerror(want_err));
		else
			snprintf(w, sizeof(w), "%" PRId64, want);
		if (got_err)
			snprintf(g, sizeof(g), "%s, *ns %s", strerror(got_err),
				 got == SENTINEL ? "untouched" : "written");
		else
			snprintf(g, sizeof(g), "%" PRId64, got);
		tap_diag("\"%s\": want %s, library gives %s", text, w, g);
	}
	return want_err;
}

static bool report(const struct tally *t, bool need_all_verdicts, const char *what)
{
	bool varied = !need_all_verdicts || (t->accepted && t->einval && t->erange);

	return tap_ok(!t->wrong && !t->misplaced && t->texts && varied,
		      "%s: %lu texts (%lu accepted, %lu EINVAL, %lu ERANGE), %lu differ from the oracle",
		      what, t->texts, t->accepted, t->einval, t->erange, t->wrong);
}

/* LEN digits of PATTERN at P: 0 nines, 1 a one then zeros, 2 and 3 random. */
static char *put_digits(char *p, size_t len, int pattern)
{
	size_t i;

	for (i = 0; i < len; i++) {
		switch (pattern) {
		case 0: p[i] = '9'; break;
		case 1: p[i] = i ? '0' : '1'; break;
		default: p[i] = (char)('0' + rng_below(10)); break;
		}
	}
	return p + len;
}

/* Unit names for a single part; "" is plain seconds. */
static const char *const single_units[] = { "", "ns", "us", "ms", "s", "m", "h", "d", "w" };
static const uint64_t single_unit_ns[] = {
	ORACLE_S, ORACLE_NS, ORACLE_US, ORACLE_MS, ORACLE_S,
	ORACLE_M, ORACLE_H, ORACLE_D, ORACLE_W,
};
#define N_SINGLE (sizeof(single_units) / sizeof(single_units[0]))
static const char *const signs[] = { "", "+", "-" };

/* [sign] I[.F]unit for 1..45 digits of I, 0..45 of F, four digit patterns. */
static void digit_counts(void)
{
	char text[TEXT_MAX];
	size_t u, s, il, fl;
	int pattern;

	for (u = 0; u < N_SINGLE; u++) {
		for (s = 0; s < 3; s++) {
			struct tally t = { 0 };
			char what[64];

			for (il = 1; il <= 45; il++)
				for (fl = 0; fl <= 45; fl++)
					for (pattern = 0; pattern < 4; pattern++) {
						char *p = text;

						p += sprintf(p, "%s", signs[s]);
						p = put_digits(p, il, pattern);
						if (fl) {
							*p++ = '.';
							p = put_digits(p, fl, pattern);
						}
						strcpy(p, single_units[u]);
						check(&t, text);
					}
			snprintf(what, sizeof(what), "\"%sI.F%s\", 1-45 and 0-45 digits",
				 signs[s], single_units[u]);
			report(&t, true, what);
		}
	}
}

/*
 * Per unit and sign: the largest whole count in range is LIMIT / U, and
 * one more is ERANGE.  With K fraction digits, LIMIT / U cut to K digits
 * is at most LIMIT (accepted, or EINVAL if not whole nanoseconds) and one
 * more in the last digit is above it (ERANGE, or EINVAL).  For the
 * decimal units the cut at log10(U) digits is LIMIT itself.
 */
static void edges(void)
{
	const uint64_t limits[2] = { (uint64_t)INT64_MAX, (uint64_t)INT64_MAX + 1 };
	char text[TEXT_MAX], frac[32];
	size_t u, side, k;

	for (u = 0; u < N_SINGLE; u++) {
		for (side = 0; side < 2; side++) {
			uint64_t p10 = 1;	/* 10^K while it fits */
			const char *sign = side ? "-" : "";
			uint64_t unit = single_unit_ns[u], limit = limits[side];
			uint64_t q = limit / unit, r = limit % unit;
			int64_t want = side ? (int64_t)(0 - q * unit) : (int64_t)(q * unit);
			struct tally t = { 0 };
			int64_t got;
			char what[96];
			int err;

			snprintf(text, sizeof(text), "%s%" PRIu64 "%s", sign, q, single_units[u]);
			check(&t, text);
			err = library(text, &got);
			tap_ok(!err && got == want, "\"%s\" = %" PRId64 " (library: %s %" PRId64 ")",
			       text, want, err ? strerror(err) : "ok", got);
			snprintf(text, sizeof(text), "%s%" PRIu64 "%s", sign, q + 1, single_units[u]);
			check(&t, text);
			err = library(text, &got);
			tap_ok(err == ERANGE && got == SENTINEL, "\"%s\" is ERANGE (library: %s)",
			       text, err ? strerror(err) : "accepted");

			/* Fraction digits of LIMIT / U, one at a time (R < U < 2^50). */
			for (k = 1; k <= 20; k++) {
				int carry = 1;
				char up[32];
				size_t j;

				r *= 10;
				frac[k - 1] = (char)('0' + r / unit);
				r %= unit;
				frac[k] = '\0';
				snprintf(text, sizeof(text), "%s%" PRIu64 ".%s%s", sign, q, frac,
					 single_units[u]);
				if (check(&t, text) == ERANGE && t.misplaced++ < 3)
					tap_diag("\"%s\" is at most the limit, yet ERANGE", text);
				p10 = k <= 19 ? p10 * 10 : 0;
				if (p10 == unit) {
					err = library(text, &got);
					tap_ok(!err && got == (side ? INT64_MIN : INT64_MAX),
					       "\"%s\" is the limit exactly (library: %s %" PRId64 ")", text,
					       err ? strerror(err) : "ok", got);
				}
				/* One more in the K-th fraction digit, carrying. */
				memcpy(up, frac, k + 1);
				for (j = k; j-- > 0 && carry;) {
					carry = up[j] == '9';
					up[j] = carry ? '0' : (char)(up[j] + 1);
				}
				snprintf(text, sizeof(text), "%s%" PRIu64 ".%s%s", sign, q + (uint64_t)carry,
					 up, single_units[u]);
				if (check(&t, text) == 0 && t.misplaced++ < 3)
					tap_diag("\"%s\" is above the limit, yet accepted", text);
			}
			snprintf(what, sizeof(what),
				 "edges of \"%sN%s\" with 0-20 fraction digits (%lu on the wrong side)",
				 sign, single_units[u], t.misplaced);
			report(&t, false, what);
		}
	}
}

/* B = ceil(B / D) for 0 < D < 2^50; the digits of B, most significant first, into TEXT. */
static void big_div_ceil(struct oracle_big *b, uint64_t d, char *text)
{
	uint64_t rem = 0;
	size_t i, n = 0;

	for (i = b->n; i-- > 0;) {
		rem = rem * 10 + b->d[i];
		b->d[i] = (unsigned char)(rem / d);
		rem %= d;
	}
	oracle_big_trim(b);
	if (rem) {
		struct oracle_big one = { (unsigned char[]){ 1 }, 1, 1 };

		oracle_big_add(b, &one);
	}
	for (i = b->n; i-- > 0;)
		text[n++] = (char)('0' + b->d[i]);
	text[n] = '\0';
}

/*
 * Counts N of a unit of U ns whose N * U is just above a multiple of
 * 2^64 or 2^128: N = ceil(J * 2^W / U).  A product or sum kept in W bits
 * wraps to below U, in range; the value is far beyond it.  (The report
 * that started this test was such a count of weeks, for W = 128.)
 */
static void wraps(void)
{
	static const unsigned int widths[] = { 64, 128 };
	unsigned char digits[64];
	char count[64], text[TEXT_MAX];
	size_t u, w;
	unsigned int i, j;

	for (u = 0; u < N_SINGLE; u++) {
		struct tally t = { 0 };
		char what[64];

		for (w = 0; w < 2; w++) {
			for (j = 1; j <= 300; j++) {
				struct oracle_big b = { digits, 1, sizeof(digits) };

				digits[0] = 1;
				for (i = 0; i < widths[w]; i++)
					oracle_big_mul_small(&b, 2);
				oracle_big_mul_small(&b, j);
				big_div_ceil(&b, single_unit_ns[u], count);
				snprintf(text, sizeof(text), "%s%s%s", j % 2 ? "" : "-", count,
					 single_units[u]);
				check(&t, text);
			}
		}
		snprintf(what, sizeof(what), "counts of \"%s\" that wrap 64 or 128 bits",
			 single_units[u]);
		report(&t, false, what);
	}
}

/* Random parts in order: each unit present with probability 1/2. */
static void combined(void)
{
	static const char *const order[] = { "w", "d", "h", "m", "s", "ms", "us", "ns" };
	char text[TEXT_MAX];
	struct tally t = { 0 };
	int i;
	size_t u;

	for (i = 0; i < 60000; i++) {
		char *p = text;
		int parts = 0;

		p += sprintf(p, "%s", signs[rng_below(3)]);
		for (u = 0; u < 8; u++) {
			unsigned int il, fl;

			if (rng_below(2) && !(u == 7 && !parts))
				continue;
			/* Mostly short numbers, sometimes long ones. */
			il = 1 + (rng_below(4) ? rng_below(6) : rng_below(24));
			fl = rng_below(3) ? 0 : 1 + rng_below(rng_below(4) ? 4 : 20);
			p = put_digits(p, il, 2 + (int)rng_below(2));
			if (fl) {
				*p++ = '.';
				p = put_digits(p, fl, 2);
			}
			p += sprintf(p, "%s", order[u]);
			parts++;
		}
		check(&t, text);
	}
	report(&t, true, "combined units, largest first");
}

/* Random strings over the grammar's alphabet: the same verdicts. */
static void random_texts(void)
{
	static const char alphabet[] = "0123456789..+-wdhmsun";
	char text[TEXT_MAX];
	struct tally t = { 0 };
	int i;
	unsigned int len, j;

	for (i = 0; i < 200000; i++) {
		len = rng_below(20);
		for (j = 0; j < len; j++) {
			/* Digits half the time, so that some texts are offsets. */
			text[j] = rng_below(2) ? (char)('0' + rng_below(10))
					       : alphabet[rng_below(sizeof(alphabet) - 1)];
		}
		text[len] = '\0';
		check(&t, text);
	}
	report(&t, true, "random texts over \"0-9.+-wdhmsun\"");
}

/* The answer for TEXT as a word: the value, or the errno's name. */
static void print_answer(int err, int64_t ns)
{
	if (!err)
		printf("%" PRId64, ns);
	else
		printf("%s", err == EINVAL ? "EINVAL" : err == ERANGE ? "ERANGE" : "other");
}

static int read_stdin(void)
{
	char line[4096];
	int64_t ns;
	int err;

	while (fgets(line, sizeof(line), stdin)) {
		line[strcspn(line, "\n")] = '\0';
		err = library(line, &ns);
		print_answer(err, ns);
		putchar('\t');
		err = oracle_parse_offset(line, &ns);
		print_answer(err, ns);
		putchar('\n');
	}
	return ferror(stdin) || fflush(stdout) ? 1 : 0;
}

int main(int argc, char **argv)
{
	int64_t got;
	int err;

	test_exec_hook(argc, argv);
	if (argc == 2 && !strcmp(argv[1], "--read-stdin"))
		return read_stdin();
	/*
	 * The report, 27 digit-count groups, 18 edge groups of 3 lines and
	 * 8 exact limits, 9 wrap groups, combined, random.
	 */
	tap_plan(1 + 27 + 18 * 3 + 8 + 9 + 2);

	/* The report that started this test: a wrap to 235274240 ns. */
	err = library("1046973112184729705123790819478w", &got);
	tap_ok(err == ERANGE && got == SENTINEL,
	       "\"1046973112184729705123790819478w\" is ERANGE (library: %s, *ns %s)",
	       err ? strerror(err) : "accepted", got == SENTINEL ? "untouched" : "written");

	digit_counts();
	edges();
	wraps();
	combined();
	random_texts();
	return tap_done();
}
