/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A small streaming JSON writer for the --json outputs.
 *
 * Keys come out in the order the caller writes them, so the order is
 * part of each subcommand's code and stays stable.  KEY is the member
 * name inside an object and must be NULL inside an array or at the top.
 * Strings are escaped and made valid UTF-8 (a byte that does not belong
 * to a UTF-8 sequence becomes U+FFFD): command names are arbitrary bytes.
 */
#ifndef TIMENS_CLI_JSON_H
#define TIMENS_CLI_JSON_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#define JSON_MAX_DEPTH 16

struct json {
	FILE *f;
	int depth;
	bool has_items[JSON_MAX_DEPTH];
};

void json_init(struct json *j, FILE *f);
void json_object_begin(struct json *j, const char *key);
void json_object_end(struct json *j);
void json_array_begin(struct json *j, const char *key);
void json_array_end(struct json *j);
/* S NULL writes null. */
void json_string(struct json *j, const char *key, const char *s);
void json_int(struct json *j, const char *key, int64_t v);
void json_uint(struct json *j, const char *key, uint64_t v);
void json_bool(struct json *j, const char *key, bool v);
void json_null(struct json *j, const char *key);
/* Ends the document with a newline. */
void json_finish(struct json *j);

#endif
