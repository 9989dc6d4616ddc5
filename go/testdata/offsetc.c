// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The C library's answers for the Go tests: each input line "p TEXT"
 * gives "ok NS", "EINVAL" or "ERANGE" from timens_parse_offset(), each
 * "f NS" the text of timens_format_offset().  Built from
 * src/lib/offsets.c by the tests themselves.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "timens.h"

int main(void)
{
	char line[4096], out[TIMENS_OFFSET_STRLEN];
	int64_t ns;

	while (fgets(line, sizeof(line), stdin)) {
		size_t n = strlen(line);

		if (n && line[n - 1] == '\n')
			line[--n] = '\0';
		if (n < 2 || line[1] != ' ')
			return 2;
		if (line[0] == 'p') {
			if (timens_parse_offset(line + 2, &ns) == 0)
				printf("ok %lld\n", (long long)ns);
			else
				printf("%s\n", errno == EINVAL ? "EINVAL" :
					       errno == ERANGE ? "ERANGE" : "other");
		} else if (line[0] == 'f') {
			ns = (int64_t)strtoll(line + 2, NULL, 10);
			if (timens_format_offset(ns, out, sizeof(out)) < 0)
				return 2;
			printf("%s\n", out);
		} else {
			return 2;
		}
	}
	return fflush(stdout) ? 2 : 0;
}
