// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Calls from signal handlers while a call is in progress.  A caller with
 * another thread, SIGCHLD at its default: the child path, which waits
 * for its child with the caller's mask back, so a signal may arrive and
 * its handler call timens_clone3() again.  A timer armed just before
 * each call sends SIGUSR1 a few microseconds into it (the other thread
 * blocks every signal); its handler arms a second timer for SIGUSR2 and
 * calls, and SIGUSR2's handler calls too, three calls deep.  Each call
 * gives its child offsets of its own.  Every call must succeed with its
 * offsets, vDSO and
 * raw syscall.  And handlers must run while a call's child is still
 * making its namespace (still in ours, its pid known by
 * CLONE_PARENT_SETTID), as they would right after the raw syscall: a
 * call that kept signals blocked until its child had reported would
 * show none.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "child.h"

/* At least CALLS calls, and more (up to MAX_CALLS) until each case was seen. */
#define CALLS 400
#define MAX_CALLS (20 * CALLS)
#define DEPTHS 3

/* Shared: what each depth's child read (a child per depth at a time). */
static struct clock_sample *samples;
static uint64_t own_ino;
static timer_t timers[2];	/* SIGUSR1's, SIGUSR2's */
/* Calls whose sample is in use: 0 outside, 1 in main's, ... */
static volatile sig_atomic_t depth;
/* Calls inside timens_clone3() now, and main's child once the kernel made it. */
static volatile sig_atomic_t inside;
static volatile sig_atomic_t main_child;	/* int, as the kernel writes it */
/* Handler calls by how many calls they interrupted; children caught early. */
static atomic_int interrupted[DEPTHS];
static atomic_int bad_calls, handler_calls, caught_early;

static struct timens_offset offset_of(int d)
{
	struct timens_offset off = { (100 + d) * NSEC_PER_SEC, (200 + 7 * d) * NSEC_PER_SEC };

	return off;
}

/* One call at depth D, checked: true when its child saw D's offsets. */
static bool one_call(int d)
{
	struct timens_offset off = offset_of(d);
	struct timens_clone_args a = {
		.flags = CLONE_NEWTIME,
		.exit_signal = SIGCHLD,
		.timens_offset = to_u64(&off),
	};
	struct clock_sample *s = &samples[d];
	struct clock_window w;
	bool good;
	pid_t pid;
	int st;

	if (d == 0) {
		main_child = 0;
		a.flags |= CLONE_PARENT_SETTID;
		a.parent_tid = (uint64_t)(uintptr_t)&main_child;
	}
	memset(s, 0, sizeof(*s));
	depth = d + 1;
	window_open(&w);
	inside++;
	pid = timens_clone3(&a, sizeof(a));
	if (pid == 0) {
		sample_clocks(s);
		_exit(0);
	}
	inside--;
	if (pid < 0) {
		depth = d;
		return false;
	}
	st = wait_status(pid);
	window_close(&w);
	good = WIFEXITED(st) && WEXITSTATUS(st) == 0 && !s->err &&
	       clocks_in_window(s->mono_raw, s->mono_vdso, s->boot_raw, s->boot_vdso, &w, &off);
	depth = d;
	return good;
}

/* TIMER fires once, US microseconds from now. */
static void arm(timer_t timer, long us)
{
	struct itimerspec its = { { 0, 0 }, { 0, us * 1000 } };

	if (timer_settime(timer, 0, &its, NULL))
		tap_bail("timer_settime: %s", strerror(errno));
}

static void on_signal(int sig)
{
	int saved = errno, d = depth, in = inside;
	char path[64];
	pid_t child;

	if (d >= DEPTHS)
		return;
	/* Inside main's call, its child made and still in our namespace? */
	child = main_child;
	if (sig == SIGUSR1 && in == 1 && d == 1 && child > 0) {
		snprintf(path, sizeof(path), "/proc/%d/ns/time", (int)child);
		if (ns_ino(path) == own_ino)
			atomic_fetch_add(&caught_early, 1);
	}
	atomic_fetch_add(&interrupted[in < DEPTHS ? in : DEPTHS - 1], 1);
	atomic_fetch_add(&handler_calls, 1);
	if (sig == SIGUSR1)
		arm(timers[1], 20);
	if (!one_call(d))
		atomic_fetch_add(&bad_calls, 1);
	errno = saved;
}

/* Each case seen once at least (a timer may fire before or after a call). */
static bool seen_all(void)
{
	return atomic_load(&caught_early) && atomic_load(&interrupted[1]) &&
	       atomic_load(&interrupted[2]);
}

int main(int argc, char **argv)
{
	struct caller_state before;
	struct idle_thread idle;
	struct sigaction sa;
	struct sigevent ev;
	sigset_t all, old;
	int i, t, failed = 0;
	/* SIGUSR1 that far into main's calls: in its set-up, or in its wait. */
	static const long delay_us[] = { 5, 20, 60 };

	/* The child path's wait: on a kernel with the series, emulate. */
	setenv("TIMENS_PATH", "emulate", 1);
	test_exec_hook(argc, argv);
	require_time_ns();
	require_root();
	tap_plan(11);

	samples = shared_alloc(sizeof(*samples) * DEPTHS);
	own_ino = ns_ino("/proc/self/ns/time");
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sa.sa_flags = SA_RESTART;
	sigaction(SIGUSR1, &sa, NULL);
	sigaction(SIGUSR2, &sa, NULL);
	for (t = 0; t < 2; t++) {
		memset(&ev, 0, sizeof(ev));
		ev.sigev_notify = SIGEV_SIGNAL;
		ev.sigev_signo = t ? SIGUSR2 : SIGUSR1;
		if (timer_create(CLOCK_MONOTONIC, &ev, &timers[t]))
			tap_bail("timer_create: %s", strerror(errno));
	}
	/* The other thread takes none of the signals. */
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	idle_thread_start(&idle);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	caller_state_get(&before);

	for (i = 0; i < MAX_CALLS && (i < CALLS || !seen_all()); i++) {
		arm(timers[0], delay_us[i % 3]);
		if (!one_call(0))
			failed++;
	}
	/* The last timers out of the way. */
	for (t = 0; t < 2; t++)
		timer_delete(timers[t]);

	tap_ok(failed == 0, "%d calls from a thread taking signals: all made children with "
	       "their offsets (%d did not)", i, failed);
	tap_ok(atomic_load(&bad_calls) == 0,
	       "%d calls from its handlers: all made children with their offsets (%d did not)",
	       atomic_load(&handler_calls), atomic_load(&bad_calls));
	tap_ok(atomic_load(&caught_early) >= 1,
	       "a handler ran while the call's child was still making its namespace "
	       "(%d of %d calls)", atomic_load(&caught_early), i);
	/* Coverage of the levels (a blocked wait shows these too, as its mask comes back). */
	tap_ok(atomic_load(&interrupted[1]) >= 1,
	       "handlers called while main's call was in progress (%d times)",
	       atomic_load(&interrupted[1]));
	tap_ok(atomic_load(&interrupted[2]) >= 1,
	       "... and while a handler's call was too, three calls deep (%d times)",
	       atomic_load(&interrupted[2]));
	caller_state_check(&before, "after the calls");
	tap_ok(no_children(), "nothing left to reap");
	idle_thread_stop(&idle);
	return tap_done();
}
