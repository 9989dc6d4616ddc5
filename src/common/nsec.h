/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Nanoseconds in a second, the unit of every offset and clock here.  The
 * one definition for the library, the tool, the tests and the benchmarks:
 * each includes this file by a path relative to its own header, so that
 * no program needs another include directory.
 */
#ifndef TIMENS_COMMON_NSEC_H
#define TIMENS_COMMON_NSEC_H

#define NSEC_PER_SEC 1000000000LL

#endif
