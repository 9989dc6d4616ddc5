// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libFuzzer target: timens_parse_offset() on any text, and the round
 * trip through timens_format_offset().  Whatever the input:
 *   - parsing gives what the arbitrary-precision oracle of the tests
 *     (test/lib/offset-oracle.h) gives: the same value, or the same
 *     errno (EINVAL or ERANGE) with the result untouched;
 *   - what parses formats into the buffer the header promises is enough,
 *     and parses back to the same value;
 *   - a buffer one byte too small is refused with ERANGE, not overrun;
 *   - the first eight bytes, taken as any int64, round-trip too.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "timens.h"
#include "../test/lib/offset-oracle.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void round_trip(int64_t ns)
{
	char buf[TIMENS_OFFSET_STRLEN], *tight;
	int64_t back;
	int n;

	n = timens_format_offset(ns, buf, sizeof(buf));
	if (n < 0 || (size_t)n != strlen(buf))
		abort();
	if (timens_parse_offset(buf, &back) || back != ns)
		abort();
	/* Exactly the length plus the NUL fits; one byte less must not. */
	tight = malloc((size_t)n + 1);
	if (!tight)
		abort();
	if (timens_format_offset(ns, tight, (size_t)n + 1) != n || strcmp(tight, buf))
		abort();
	errno = 0;
	if (timens_format_offset(ns, tight, (size_t)n) != -1 || errno != ERANGE)
		abort();
	free(tight);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1);
	int64_t ns = 42, want = 0;
	int want_err;

	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	want_err = oracle_parse_offset(text, &want);
	if (want_err == ENOMEM) {
		free(text);
		return 0;
	}
	errno = 0;
	if (timens_parse_offset(text, &ns) == 0) {
		if (want_err || ns != want)
			abort();
		round_trip(ns);
	} else if (errno != want_err || ns != 42) {
		abort();
	}
	free(text);
	if (size >= sizeof(ns)) {
		memcpy(&ns, data, sizeof(ns));
		round_trip(ns);
	}
	return 0;
}
