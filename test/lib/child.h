/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Creating a child with timens_clone3() and checking what it saw. */
#ifndef TIMENS_TEST_CHILD_H
#define TIMENS_TEST_CHILD_H

#include "tap.h"

struct child_report {
	struct clock_sample s;
	sigset_t mask;			/* the child's signal mask */
	int nfds;			/* open fds in the child */
	uint64_t user_ino;		/* /proc/self/ns/user */
	int done;
};

static inline uint64_t to_u64(const void *p)
{
	return (uint64_t)(uintptr_t)p;
}

/* Number of open fds, counted through /proc/self/fd. */
int count_fds(void);

/*
 * timens_clone3() with CLONE_NEWTIME | FLAGS and OFF; the child fills a
 * shared struct child_report and exits 0.  Reports, as TAP lines, that
 * the call succeeded, the child exited 0, and its clocks carry OFF.
 * Returns the child's report (shared memory, valid until the next call)
 * or NULL when the call failed.
 */
struct child_report *clone_and_check(const struct timens_offset *off,
				     uint64_t flags, const char *what);

#endif
