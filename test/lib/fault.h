/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * System call fault injection for tests, without touching the library:
 * a forked target installs a seccomp filter that hands the system calls
 * below to the test process (SECCOMP_RET_USER_NOTIF), which lets each one
 * through, except the one it was asked to fail.  Every task the target
 * creates inherits the filter, so the library's helpers and children are
 * seen too.
 *
 * Only calls made while the target says it is inside the library count:
 * it arms the injector right before the call and disarms on return, in
 * the parent and in the child.  The calling thread counts until it
 * returns, any other task (helper, child) until both have returned; a
 * task that has exec'd is no longer the library and does not count.
 *
 * A site is "the NTH (from 0) counted call of system call NR".  A dry run
 * lists the calls a path makes; failing each of them in turn is one run
 * per call.  A run that failed lists the calls of its error path, which
 * a second fault can then fail in turn (the cleanup of a cleanup).  Sites are named by call and occurrence rather than by
 * position, because a parent and its new child run in either order.
 */
#ifndef TIMENS_TEST_FAULT_H
#define TIMENS_TEST_FAULT_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include "timens.h"

#define FAULT_MAX_SEEN 256

/* Shared with the target (MAP_SHARED); the target writes the flags. */
struct fault_ctl {
	volatile int parent_in;		/* caller is inside the library call */
	volatile int child_in;		/* a child has not returned yet */
	volatile int caller;		/* tid of the calling thread */
	volatile int listener;		/* target's listener fd, -1 until made */
	volatile int got_listener;	/* the supervisor holds it */
	/* Filled by the supervisor. */
	int nseen;
	int seen[FAULT_MAX_SEEN];	/* counted calls, in order */
	int hit;			/* sites reached and failed */
	int hit_errno;			/* errno of the first site, if reached,
					   else of the first reached */
	int hit_at;			/* index in seen[] of the first reached */
	int hit_first;			/* the first site was reached */
	int unexpected;			/* notifications that were not understood */
	int orphans;			/* processes that outlived the target */
	char user[4096];		/* the target's own report */
};

struct fault_site {
	int nr;		/* system call number, -1: fail nothing (dry run) */
	int nth;	/* which occurrence of NR, from 0 */
	int err;	/* errno to fail it with */
	int times;	/* and the occurrences after it: 0 or 1 for one */
};

#define FAULT_MAX_SITES 2

/*
 * Forks a target that runs TARGET(CTL, ARG) and serves its notifications,
 * failing the NSITES SITES, until it exits.  TARGET calls fault_install() when its
 * setup is done (threads, credentials), then fault_arm() ... fault_*().
 * Returns the target's wait status, or -1.
 */
int fault_run(struct fault_ctl *ctl, const struct fault_site *sites, int nsites,
	      void (*target)(struct fault_ctl *, void *), void *arg);

/*
 * In the target: blocks SIGUSR2 (a caller's mask that is not empty),
 * installs the filter and hands its listener over.
 */
void fault_install(struct fault_ctl *ctl);

/* In the target, around the call under test. */
void fault_arm(struct fault_ctl *ctl);
/* In the parent, once the call returned; CHILD_MADE: it created a child. */
void fault_parent_returned(struct fault_ctl *ctl, bool child_made);
/*
 * In a child the call returned 0 to: stops counting the child and waits
 * (without a system call) until the parent has returned too, so that
 * nothing the child does next is mistaken for the library.
 */
void fault_child_returned(struct fault_ctl *ctl);

/* Whether the run so far counted a call of NR (the supervisor's list). */
bool fault_saw(const struct fault_ctl *ctl, int nr);

/* The errno a site of NR is failed with: one the kernel really returns. */
int fault_errno(int nr);
/*
 * True when Linux never fails NR as the library calls it (a valid
 * rt_sigprocmask, a whole-mapping munmap): a run failing it shows what an
 * impossible error would do, no more.  close() is counted but never
 * failed: Linux releases the fd even when close reports an error.
 */
bool fault_impossible(int nr);
const char *fault_name(int nr);

/*
 * The sites of a run from index FROM of its seen[] on, in order, without
 * close() and, if SKIP_IMPOSSIBLE, impossible ones: SITES must hold
 * FAULT_MAX_SEEN.
 */
int fault_sites(const struct fault_ctl *run, int from, bool skip_impossible,
		struct fault_site *sites);

/*
 * The start of fault_ctl.user, filled by a target that uses
 * fault_explore(); the rest of user is the target's own.
 */
struct fault_report {
	int ran;		/* the target got past the call */
	int err;		/* errno of the call, 0 if it succeeded */
	int path;		/* timens_last_path() after it */
	char wrong[120];	/* what the child or the caller got wrong, or "" */
	int mask_blocked;	/* the caller's mask was left all blocked */
};

struct caller_state;
/*
 * In the target, after the call: what of the caller's state (tap.h)
 * differs from BEFORE goes to R->wrong.  A signal mask left with every
 * signal blocked goes to R->mask_blocked instead (and the caller's mask is
 * put back so that the rest can be checked): it is exactly what a failed
 * restore of the mask leaves, since the library blocks every signal for
 * the call, and judge() excuses it only in a run that failed an
 * rt_sigprocmask.
 */
void fault_check_caller(struct fault_report *r, const struct caller_state *before);

struct fault_totals {
	int runs, calls, injected, impossible_bad;
};

/* A known, reported library bug at these sites: its description, or NULL. */
typedef const char *fault_known_fn(const char *mode, const struct fault_site *sites, int n);

/*
 * A dry run of TARGET, which must succeed via PATH; then one run per
 * site failing it, and for every run that failed, one run per site of
 * its error path failing that too.  One TAP line per run.
 */
void fault_explore(struct fault_ctl *ctl, const char *mode, enum timens_path path,
		   void (*target)(struct fault_ctl *, void *), void *arg,
		   fault_known_fn *known, struct fault_totals *t);

/*
 * Runs TARGET failing SITES (one of them for good, with times) where the
 * library must abort rather than go on: one TAP line, ok when the target
 * died of SIGABRT having said MESSAGE on its standard error.
 */
void fault_expect_abort(struct fault_ctl *ctl, const struct fault_site *sites, int nsites,
			void (*target)(struct fault_ctl *, void *), void *arg,
			const char *message, const char *what);

/*
 * Installs a seccomp filter in the calling process (for good: its
 * threads and children inherit it) that fails the N system calls NRS
 * with ERR, as sandboxes do; 0, or -1 with errno.
 */
int fault_deny(const int *nrs, int n, int err);

#endif
