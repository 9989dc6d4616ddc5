/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A second reading of the offset grammar of timens_parse_offset(3), for
 * checking the library's value, not only its verdict.  It is written to
 * be obviously right rather than fast, and shares nothing with
 * src/lib/offsets.c:
 *
 *   - the text is cut into parts by character class (a run of digits,
 *     an optional "." and a run of digits, then the run of characters
 *     up to the next digit or ".", which must be one unit name), where
 *     the library matches unit names by longest prefix;
 *   - numbers are exact decimal integers of any length, one digit per
 *     byte, so nothing can overflow: "I.F" in a unit of U ns is the
 *     integer IF times U, which must end in len(F) zeros (whole
 *     nanoseconds), and dropping those zeros divides by 10^len(F);
 *   - the range is judged by comparing decimal digit strings with
 *     "9223372036854775807" and "9223372036854775808".
 *
 * Header only (static functions), so that test programs and the fuzzer
 * in fuzz/ (which builds one file) use the same code.
 */
#ifndef TIMENS_TEST_OFFSET_ORACLE_H
#define TIMENS_TEST_OFFSET_ORACLE_H

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* The units as the manual defines them, each from the one below. */
#define ORACLE_NS 1ULL
#define ORACLE_US (1000 * ORACLE_NS)
#define ORACLE_MS (1000 * ORACLE_US)
#define ORACLE_S (1000 * ORACLE_MS)
#define ORACLE_M (60 * ORACLE_S)
#define ORACLE_H (60 * ORACLE_M)
#define ORACLE_D (24 * ORACLE_H)
#define ORACLE_W (7 * ORACLE_D)

struct oracle_unit {
	const char *name;
	uint64_t ns;
};

/* Largest first: the order in which parts must appear. */
static const struct oracle_unit oracle_units[] = {
	{ "w", ORACLE_W }, { "d", ORACLE_D }, { "h", ORACLE_H },
	{ "m", ORACLE_M }, { "s", ORACLE_S }, { "ms", ORACLE_MS },
	{ "us", ORACLE_US }, { "ns", ORACLE_NS },
};
#define ORACLE_N_UNITS (sizeof(oracle_units) / sizeof(oracle_units[0]))

/* A non-negative integer: digits, least significant first; n == 0 is 0. */
struct oracle_big {
	unsigned char *d;
	size_t n, cap;
};

static void oracle_big_trim(struct oracle_big *b)
{
	while (b->n && b->d[b->n - 1] == 0)
		b->n--;
}

/* Digits S[0..len) (most significant first) into B. */
static void oracle_big_set(struct oracle_big *b, const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		b->d[i] = (unsigned char)(s[len - 1 - i] - '0');
	b->n = len;
	oracle_big_trim(b);
}

/* B *= M, M below 10^16 (so a digit times M plus the carry fits). */
static void oracle_big_mul_small(struct oracle_big *b, uint64_t m)
{
	uint64_t carry = 0;
	size_t i;

	for (i = 0; i < b->n; i++) {
		carry += b->d[i] * m;
		b->d[i] = (unsigned char)(carry % 10);
		carry /= 10;
	}
	for (; carry; carry /= 10)
		b->d[b->n++] = (unsigned char)(carry % 10);
	oracle_big_trim(b);
}

/* A += B. */
static void oracle_big_add(struct oracle_big *a, const struct oracle_big *b)
{
	unsigned int carry = 0;
	size_t i;

	for (i = 0; i < a->n || i < b->n || carry; i++) {
		if (i >= a->n)
			a->d[i] = 0;
		carry += a->d[i] + (i < b->n ? b->d[i] : 0u);
		a->d[i] = (unsigned char)(carry % 10);
		carry /= 10;
	}
	if (i > a->n)
		a->n = i;
}

/* -1, 0, 1 as B is below, equal to, above the decimal LIMIT. */
static int oracle_big_cmp(const struct oracle_big *b, const char *limit)
{
	size_t len = strlen(limit), i;

	if (b->n != len)
		return b->n < len ? -1 : 1;
	for (i = 0; i < len; i++) {
		int digit = b->d[len - 1 - i], want = limit[i] - '0';

		if (digit != want)
			return digit < want ? -1 : 1;
	}
	return 0;
}

static bool oracle_is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/*
 * The value of TEXT by the grammar of timens_parse_offset(3): 0 with
 * *NS set, or the errno the library must give (EINVAL: malformed or not
 * whole nanoseconds, judged before ERANGE: out of int64 range).  ENOMEM
 * if the oracle itself cannot get memory.
 */
static int oracle_parse_offset(const char *text, int64_t *ns)
{
	size_t len = strlen(text), pos = 0, i;
	/* Every number has at most LEN digits; a unit adds at most 15. */
	struct oracle_big total = { malloc(len + 32), 0, len + 32 };
	struct oracle_big part = { malloc(len + 32), 0, len + 32 };
	char *digits = malloc(len + 1);
	bool negative = false;
	int prev_unit = -1, err = 0, n_parts = 0;
	uint64_t mag = 0;

	if (!total.d || !part.d || !digits) {
		err = ENOMEM;
		goto out;
	}
	if (text[pos] == '+' || text[pos] == '-')
		negative = text[pos++] == '-';
	if (!text[pos])
		err = EINVAL;
	while (!err && text[pos]) {
		size_t int_start = pos, int_len, frac_start, frac_len = 0;
		size_t unit_start, unit_len, n_digits;
		int unit = -1;

		while (oracle_is_digit(text[pos]))
			pos++;
		int_len = pos - int_start;
		if (!int_len) {
			err = EINVAL;
			break;
		}
		frac_start = pos;
		if (text[pos] == '.') {
			frac_start = ++pos;
			while (oracle_is_digit(text[pos]))
				pos++;
			frac_len = pos - frac_start;
			if (!frac_len) {
				err = EINVAL;
				break;
			}
		}
		unit_start = pos;
		while (text[pos] && !oracle_is_digit(text[pos]) && text[pos] != '.')
			pos++;
		unit_len = pos - unit_start;
		if (unit_len == 0) {
			/* Plain seconds, only as the whole text. */
			if (n_parts > 0 || text[pos]) {
				err = EINVAL;
				break;
			}
			unit = 4;
		} else {
			for (i = 0; i < ORACLE_N_UNITS; i++)
				if (strlen(oracle_units[i].name) == unit_len &&
				    !memcmp(oracle_units[i].name, text + unit_start, unit_len))
					unit = (int)i;
			/* Unknown, out of order or repeated. */
			if (unit <= prev_unit) {
				err = EINVAL;
				break;
			}
		}
		prev_unit = unit;
		n_parts++;

		/* IF * U, which must end in len(F) zeros. */
		memcpy(digits, text + int_start, int_len);
		memcpy(digits + int_len, text + frac_start, frac_len);
		n_digits = int_len + frac_len;
		oracle_big_set(&part, digits, n_digits);
		oracle_big_mul_small(&part, oracle_units[unit].ns);
		if (part.n) {
			for (i = 0; i < frac_len; i++)
				if (i >= part.n || part.d[i]) {
					err = EINVAL;
					break;
				}
			if (err)
				break;
			memmove(part.d, part.d + frac_len, part.n - frac_len);
			part.n -= frac_len;
		}
		oracle_big_add(&total, &part);
	}
	if (err)
		goto out;
	if (oracle_big_cmp(&total, negative ? "9223372036854775808"
				     : "9223372036854775807") > 0) {
		err = ERANGE;
		goto out;
	}
	for (i = total.n; i-- > 0;)
		mag = mag * 10 + total.d[i];
	*ns = negative ? (int64_t)(0 - mag) : (int64_t)mag;
out:
	free(total.d);
	free(part.d);
	free(digits);
	return err;
}

#endif
