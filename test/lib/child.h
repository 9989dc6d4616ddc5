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
/* The pid the pidfd FD names, from its fdinfo (pidfs or anon_inode:[pidfd]); -1 if none. */
int pidfd_pid(int fd);

/*
 * timens_clone3() with CLONE_NEWTIME | FLAGS and OFF; the child fills a
 * shared struct child_report and exits 0.  Reports, as TAP lines, that
 * the call succeeded, the child exited 0, and its clocks carry OFF.
 * Returns the child's report (shared memory, valid until the next call)
 * or NULL when the call failed.
 */
struct child_report *clone_and_check(const struct timens_offset *off,
				     uint64_t flags, const char *what);

/*
 * The same without TAP output, for callers in forked children: 0 when
 * the child's clocks carry OFF; 10 when the call failed (errno kept),
 * 11 when the child did not exit 0, 12 when its clocks are wrong.  HERE:
 * the offsets of the namespace the caller runs in as the test library's
 * clock window reads them (it keeps the first process's, which a child
 * of timens_clone3 inherits), or NULL for none.
 */
enum { CHILD_CALL_FAILED = 10, CHILD_EXIT_FAILED = 11, CHILD_CLOCKS_WRONG = 12 };
int clone_and_check_quiet(const struct timens_offset *off, const struct timens_offset *here);
/* The same with the child's sample in S (shared memory): for callers in several threads. */
int clone_and_check_in(const struct timens_offset *off, const struct timens_offset *here,
		       struct clock_sample *s);

/*
 * Shared anonymous mappings of one page in this process (the kernel names
 * them /dev/zero): the child path's pages, and shared_alloc()'s of a page.
 */
int child_path_pages(void);

#endif
