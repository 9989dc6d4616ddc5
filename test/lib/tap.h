/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A small TAP producer and the checks the libtimens tests share: clocks
 * sampled inside a child, and a snapshot of the caller's state (time
 * namespaces, signal mask, fds, children) to compare before and after.
 */
#ifndef TIMENS_TEST_TAP_H
#define TIMENS_TEST_TAP_H

#include <stdbool.h>
#include <stdint.h>
#include <pthread.h>
#include <signal.h>
#include <sys/types.h>
#include <time.h>
#include "timens.h"
#include "../../src/common/nsec.h"

void tap_plan(int n);
/* Skips the whole program; a failure when TIMENS_TEST_STRICT=1. */
_Noreturn void tap_skip_all(const char *fmt, ...)
	__attribute__((format(printf, 1, 2)));
bool tap_ok(bool cond, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void tap_skip(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/*
 * A known, reported bug: "not ok ... # TODO REASON" when COND is false,
 * which prove counts as expected; "ok ... # TODO" once it is fixed.
 */
bool tap_todo(bool cond, const char *reason, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void tap_diag(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
_Noreturn void tap_bail(const char *fmt, ...)
	__attribute__((format(printf, 1, 2)));
/* Prints the trailer; returns the exit status for main(). */
int tap_done(void);

#define tap_is(got, want, what)						\
	tap_ok((long long)(got) == (long long)(want),			\
	       "%s (got %lld, want %lld)", (what),			\
	       (long long)(got), (long long)(want))

/* Requirements: each calls tap_skip_all() with the reason when unmet. */
void require_root(void);
void require_time_ns(void);
void require_unpriv_userns(void);

/* Clock readings taken in one process. */
struct clock_sample {
	int64_t mono_vdso, boot_vdso;	/* clock_gettime() through libc */
	int64_t mono_raw, boot_raw;	/* the raw syscall */
	int64_t uptime_cs;		/* /proc/uptime, centiseconds */
	uint64_t time_ino, tfc_ino;	/* /proc/self/ns/time{,_for_children} */
	int err;			/* errno of a failed reading, or 0 */
};

int64_t clock_ns(clockid_t id);
int64_t raw_clock_ns(clockid_t id);
void sample_clocks(struct clock_sample *s);

/*
 * Host (initial namespace) readings around an event; the caller's own
 * namespace offsets are subtracted, so tests work inside a namespace too.
 */
struct clock_window {
	int64_t mono_lo, mono_hi, boot_lo, boot_hi;
};
void window_open(struct clock_window *w);
void window_close(struct clock_window *w);

/* Checks every reading of S against offsets OFF inside window W. */
bool check_sample(const struct clock_sample *s, const struct clock_window *w,
		  const struct timens_offset *off, const char *what);

/* The same check without TAP output: every reading inside W shifted by OFF. */
bool clocks_in_window(int64_t mono_raw, int64_t mono_vdso, int64_t boot_raw, int64_t boot_vdso,
		      const struct clock_window *w, const struct timens_offset *off);

/* Shared memory for a child to report in (MAP_SHARED, anonymous). */
void *shared_alloc(size_t size);

/*
 * Re-exec support: a test calls test_exec_hook() first thing in main();
 * when run as `PROG --sample-clocks FD` it samples and writes a
 * struct clock_sample to FD, then exits.  It also installs the clone3
 * filter of TIMENS_TEST_DENY_CLONE3=1 and runs `PROG --deny-clone3 CMD
 * ARG...` (tap.c).
 */
void test_exec_hook(int argc, char **argv);
/* Path of the running test program, for re-exec. */
const char *self_exe(void);

/*
 * The calling thread's signal mask as the kernel holds it.  Not
 * pthread_sigmask(): musl leaves its own internal signals (32 to 34) out
 * of the mask it reports, so a mask with every signal blocked would not
 * read as that.
 */
void kernel_sigmask(sigset_t *set);

/* The caller's state, to show a call left it exactly as it was. */
struct caller_state {
	uint64_t time_ino, tfc_ino;
	sigset_t mask;
	int nfds;
	int fds[256];
	int threads;
};
void caller_state_get(struct caller_state *st);
/* Compares and reports one TAP line per aspect. */
void caller_state_check(const struct caller_state *before, const char *what);
/* Compares without printing; WHY (if non-NULL) says what differs. */
bool caller_state_same(const struct caller_state *before, char *why, size_t len);
/* True when this process has no child left to reap (zombie or alive). */
bool no_children(void);

/* Waits for PID; returns its wait status, or -1. */
int wait_status(pid_t pid);

/*
 * A second thread that does nothing until stopped: a multi-threaded
 * caller, for the paths that serve those.
 */
struct idle_thread {
	pthread_t thread;
	int pipe[2];
};
void idle_thread_start(struct idle_thread *t);
void idle_thread_stop(struct idle_thread *t);

/* Thread count from /proc/self/status. */
int thread_count(void);
/* Both offsets from a /proc/PID/timens_offsets file; false if unreadable. */
bool read_offsets_file(const char *path, struct timens_offset *off);
/* Offsets of the caller's own namespace (time == time_for_children). */
struct timens_offset own_offsets(void);
uint64_t ns_ino(const char *path);
/*
 * WANT, a negative offset for CLOCK, or less negative on a machine up
 * too short a time for it (the kernel refuses a clock below zero).
 */
int64_t fit_negative(clockid_t clock, int64_t want);

/*
 * The symbolic name of errno value ERR ("EPERM"), on any libc (errname.c);
 * "errno N" for a value with none.  Never NULL.
 */
const char *errno_name(int err);

/* xorshift64* from a fixed seed: the same sequence every run, so a failure replays. */
uint64_t test_rand(void);

#endif
