// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Offsets as text: timens_parse_offset() and timens_format_offset().
 *
 * Grammar (no whitespace anywhere):
 *
 *	offset    := [sign] ( number | part+ )
 *	part      := number unit
 *	number    := digit+ [ "." digit+ ]
 *	unit      := "w" | "d" | "h" | "m" | "s" | "ms" | "us" | "ns"
 *
 * A number without a unit is seconds, and then it must be the whole
 * value (util-linux takes plain seconds; "1h30" is more likely a typo
 * than a request for 1h30s).  Units appear from largest to smallest,
 * each at most once, so a value has one spelling per set of units and
 * "5m30h" or "1s1s" are refused instead of guessed at.  A fraction is
 * fine on any unit as long as the part is a whole number of
 * nanoseconds ("1.5h", "0.001us"); otherwise the text names a value we
 * cannot hold and is refused rather than rounded.
 *
 * Magnitudes are uint64_t nanoseconds (2^63, the magnitude of INT64_MIN,
 * fits) and every multiplication and addition that can grow one is
 * checked; an overflow is sticky and the text is still read to its end,
 * so that a long number can never wrap into a plausible one and syntax
 * is judged before range: a malformed text is EINVAL even if it is huge.
 *
 * Formatting writes the units form ("1d2h30m", "1s1ns") unless writing
 * the part below a minute as decimal seconds ("1.5s", "20m34.5s",
 * "0.123456789s") is strictly shorter.  Both forms are exact and read
 * back by the parser; zero is "0".
 */
#include <errno.h>
#include <string.h>

#include "internal.h"

typedef unsigned __int128 u128;

struct unit {
	const char *name;
	uint64_t ns;
};

/* Largest first: the order parts must appear in, and the format order. */
static const struct unit units[] = {
	{ "w",  604800ULL * NSEC_PER_SEC },
	{ "d",  86400ULL * NSEC_PER_SEC },
	{ "h",  3600ULL * NSEC_PER_SEC },
	{ "m",  60ULL * NSEC_PER_SEC },
	{ "s",  NSEC_PER_SEC },
	{ "ms", 1000000ULL },
	{ "us", 1000ULL },
	{ "ns", 1ULL },
};
#define N_UNITS (sizeof(units) / sizeof(units[0]))
#define UNIT_SECONDS 4

/*
 * Every unit is below 10^15 and has at most 2^16 and 5^11 among its
 * factors, so a fraction with more than 16 significant digits (trailing
 * zeros dropped: not a multiple of 10) can never come out as whole
 * nanoseconds; 18 leaves a margin.  With at most 18 digits the fraction
 * is below 10^18, and its product with a unit below 10^33 < 2^128.
 */
#define MAX_FRAC_DIGITS 18
_Static_assert(604800ULL * NSEC_PER_SEC < 1000000000000000ULL, "a unit is below 10^15");

struct number {
	uint64_t whole;		/* valid unless whole_overflow */
	bool whole_overflow;	/* the integer part is 2^64 or more */
	uint64_t frac;		/* significant fraction digits, as an integer */
	unsigned int frac_digits;
	bool too_precise;	/* more than MAX_FRAC_DIGITS significant digits */
};

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* Reads digit+ ["." digit+] at *p.  False on bad syntax. */
static bool parse_number(const char **p, struct number *n)
{
	const char *s = *p, *frac_end;
	unsigned int k;

	memset(n, 0, sizeof(*n));
	if (!is_digit(*s))
		return false;
	for (; is_digit(*s); s++) {
		if (!n->whole_overflow &&
		    (__builtin_mul_overflow(n->whole, 10, &n->whole) ||
		     __builtin_add_overflow(n->whole, (unsigned int)(*s - '0'), &n->whole)))
			n->whole_overflow = true;
	}
	if (*s == '.') {
		s++;
		if (!is_digit(*s))
			return false;
		for (frac_end = s; is_digit(*frac_end); frac_end++)
			;
		/* Trailing zeros say nothing about the value. */
		while (frac_end > s && frac_end[-1] == '0')
			frac_end--;
		k = (unsigned int)(frac_end - s);
		if (k > MAX_FRAC_DIGITS) {
			n->too_precise = true;
		} else {
			n->frac_digits = k;
			for (; s < frac_end; s++)
				n->frac = n->frac * 10 + (uint64_t)(*s - '0');
		}
		while (is_digit(*s))
			s++;
	}
	*p = s;
	return true;
}

/* Index of the unit at *p (longest match), advancing *p; -1 if none. */
static int parse_unit(const char **p)
{
	const char *s = *p;
	size_t i, len;
	int best = -1;
	size_t best_len = 0;

	for (i = 0; i < N_UNITS; i++) {
		len = strlen(units[i].name);
		if (len > best_len && !strncmp(s, units[i].name, len)) {
			best = (int)i;
			best_len = len;
		}
	}
	*p = s + best_len;
	return best;
}

/*
 * N times UNIT in nanoseconds into *NS, or *OVERFLOW set if that is 2^64
 * or more.  False if it is not a whole number of nanoseconds.
 */
static bool number_times_unit(const struct number *n, uint64_t unit, uint64_t *ns,
			      bool *overflow)
{
	u128 frac_ns, scale = 1;
	unsigned int k;

	if (n->too_precise)
		return false;
	for (k = 0; k < n->frac_digits; k++)
		scale *= 10;
	frac_ns = (u128)n->frac * unit;		/* below 10^33: see MAX_FRAC_DIGITS */
	if (frac_ns % scale)
		return false;
	/* frac < scale, so frac_ns / scale < unit: it fits. */
	if (n->whole_overflow || __builtin_mul_overflow(n->whole, unit, ns) ||
	    __builtin_add_overflow(*ns, (uint64_t)(frac_ns / scale), ns))
		*overflow = true;
	return true;
}

TIMENS_EXPORT int timens_parse_offset(const char *text, int64_t *ns)
{
	const char *p = text;
	bool negative = false, overflow = false;
	int last_unit = -1, u;
	uint64_t total = 0, part = 0;
	struct number n;

	if (!text || !ns)
		goto invalid;
	if (*p == '+' || *p == '-')
		negative = *p++ == '-';
	do {
		if (!parse_number(&p, &n))
			goto invalid;
		u = parse_unit(&p);
		if (u < 0) {
			/* Plain seconds: only as the whole value. */
			if (last_unit >= 0 || *p)
				goto invalid;
			u = UNIT_SECONDS;
		} else if (u <= last_unit) {
			goto invalid;
		}
		last_unit = u;
		if (!number_times_unit(&n, units[u].ns, &part, &overflow))
			goto invalid;
		if (!overflow && __builtin_add_overflow(total, part, &total))
			overflow = true;
	} while (*p);

	/*
	 * Syntax first, range second: "1e99" is a typo, not an overflow.
	 * INT64_MIN's magnitude is one more than INT64_MAX.
	 */
	if (overflow || total > (uint64_t)INT64_MAX + negative) {
		errno = ERANGE;
		return -1;
	}
	*ns = negative ? (int64_t)(0 - total) : (int64_t)total;
	return 0;
invalid:
	errno = EINVAL;
	return -1;
}

static size_t put_str(char *p, const char *s)
{
	size_t n = strlen(s);

	memcpy(p, s, n);
	return n;
}

/* "1d2h30m": each non-zero unit from largest to smallest. */
static size_t format_units(char *p, uint64_t mag)
{
	size_t i, len = 0;

	for (i = 0; i < N_UNITS; i++) {
		if (mag < units[i].ns)
			continue;
		len += timens__put_decimal(p + len, mag / units[i].ns);
		len += put_str(p + len, units[i].name);
		mag %= units[i].ns;
	}
	return len;
}

/*
 * "20m34.5s": the units form down to minutes, then the seconds with as
 * many fraction digits as the value needs.
 */
static size_t format_decimal(char *p, uint64_t mag)
{
	uint64_t minute = units[UNIT_SECONDS - 1].ns;
	uint64_t secs = mag % minute, frac = secs % NSEC_PER_SEC;
	size_t len = format_units(p, mag - secs);
	int i;

	if (!secs)
		return len;
	len += timens__put_decimal(p + len, secs / NSEC_PER_SEC);
	if (frac) {
		p[len++] = '.';
		for (i = 8; i >= 0; i--) {
			p[len + (size_t)i] = (char)('0' + frac % 10);
			frac /= 10;
		}
		len += 9;
		while (p[len - 1] == '0')
			len--;
	}
	p[len++] = 's';
	return len;
}

TIMENS_EXPORT int timens_format_offset(int64_t ns, char *buf, size_t len)
{
	char units_form[TIMENS_OFFSET_STRLEN], dec_form[TIMENS_OFFSET_STRLEN];
	char out[TIMENS_OFFSET_STRLEN];
	uint64_t mag = ns < 0 ? 0 - (uint64_t)ns : (uint64_t)ns;
	size_t n = 0, nu, nd;

	if (ns < 0)
		out[n++] = '-';
	if (!mag) {
		out[n++] = '0';
	} else {
		/* The shorter of the two; a tie goes to the units form. */
		nu = format_units(units_form, mag);
		nd = format_decimal(dec_form, mag);
		if (nd < nu) {
			memcpy(out + n, dec_form, nd);
			n += nd;
		} else {
			memcpy(out + n, units_form, nu);
			n += nu;
		}
	}
	out[n] = '\0';
	if (!buf || len <= n) {
		if (buf && len)
			buf[0] = '\0';
		errno = ERANGE;
		return -1;
	}
	memcpy(buf, out, n + 1);
	return (int)n;
}
