/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A process kept in a new time namespace with chosen offsets, made the
 * way util-linux does it and without libtimens: a forked "creator"
 * unshares CLONE_NEWTIME, writes /proc/self/timens_offsets and forks the
 * "member", which waits until released.  The creator's own namespace
 * stays the caller's; its time_for_children is the new one.
 */
#ifndef TIMENS_TEST_NSHOLDER_H
#define TIMENS_TEST_NSHOLDER_H

#include "tap.h"

#define NS_HOLDER_THREAD	(1u << 0) /* the member runs a second thread */

struct ns_holder {
	pid_t creator;		/* a child of the caller */
	pid_t member;		/* the creator's child, in the new namespace */
	pid_t member_thread;	/* NS_HOLDER_THREAD: the tid of its second thread */
	int release_fd;		/* closing it lets member and creator exit */
};

/* 0, or -1 and errno (EPERM without privilege, ERANGE for bad offsets). */
int ns_holder_start(struct ns_holder *h, const struct timens_offset *off,
		    unsigned int flags);
/* Releases the member and reaps the creator; 0 if both ended cleanly. */
int ns_holder_stop(struct ns_holder *h);

/* The offsets record the kernel reads: "monotonic S N\nboottime S N\n". */
int write_offsets_file(const char *path, const struct timens_offset *off);

#endif
