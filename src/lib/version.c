// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * timens_version(): the version this library was built as, from the
 * header it was built with (the Makefile names the shared object's file
 * from the same three numbers).
 */
#include "internal.h"

#define STR_(x) #x
#define STR(x) STR_(x)

TIMENS_EXPORT const char *timens_version(void)
{
	return STR(TIMENS_VERSION_MAJOR) "." STR(TIMENS_VERSION_MINOR) "."
		STR(TIMENS_VERSION_PATCH);
}
