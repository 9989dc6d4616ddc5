// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Calls from signal handlers while a call is in progress.  A caller with
 * another thread, SIGCHLD at its default: the child path, which waits
 * for its child with the caller's mask back, so a signal may arrive and
 * its handler call timens_clone3() again.  A third thread sends SIGUSR1
 * and SIGUSR2 to the calling thread, fast; each handler makes a child
 * with offsets of its own, and SIGUSR2's may interrupt SIGUSR1's, three
 * calls deep.  Every call must succeed with its own offsets, vDSO and
 * raw syscall.  And handlers must run while a call's child is still
 * making its namespace (still in ours, its pid known by
 * CLONE_PARENT_SETTID), as they would right after the raw syscall: a
 * call that kept signals blocked until its child had reported would
 * show none.
 */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "child.h"

/* At least CALLS calls, and more (up to MAX_CALLS) until each case was seen. */
#define CALLS 400
#define MAX_CALLS (20 * CALLS)
#define DEPTHS 3

/* Shared: what each depth's child read (a child per depth at a time). */
static struct clock_sample *samples;
static pid_t caller_tid;
static uint64_t own_ino;
static atomic_bool stop;
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
	if (!one_call(d))
		atomic_fetch_add(&bad_calls, 1);
	errno = saved;
}

/* Until *WORD is WANT, or the test stops. */
static bool await_value(volatile sig_atomic_t *word, int want)
{
	const struct timespec tick = { 0, 1000 };

	while (*word != want)
		if (atomic_load(&stop) || nanosleep(&tick, NULL))
			return false;
	return true;
}

/*
 * As soon as main's call has made its child (the kernel wrote its pid),
 * SIGUSR1 to the calling thread; once that handler's call is under way,
 * SIGUSR2.  Polled with 1 us sleeps.
 */
static void *signaller(void *arg)
{
	const struct timespec tick = { 0, 1000 };
	int last = 0, c;

	(void)arg;
	prctl(PR_SET_TIMERSLACK, 1UL);
	while (!atomic_load(&stop)) {
		c = main_child;
		if (!c || c == last) {
			nanosleep(&tick, NULL);
			continue;
		}
		last = c;
		syscall(SYS_tgkill, getpid(), caller_tid, SIGUSR1);
		if (await_value(&inside, 2))
			syscall(SYS_tgkill, getpid(), caller_tid, SIGUSR2);
	}
	return NULL;
}

/* Each case seen once at least (a loaded machine may schedule the sender late). */
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
	sigset_t all, old;
	pthread_t sender;
	int i, failed = 0;

	/* The child path's wait: on a kernel with the series, emulate. */
	setenv("TIMENS_PATH", "emulate", 1);
	test_exec_hook(argc, argv);
	require_time_ns();
	require_root();
	tap_plan(11);

	samples = shared_alloc(sizeof(*samples) * DEPTHS);
	caller_tid = (pid_t)syscall(SYS_gettid);
	own_ino = ns_ino("/proc/self/ns/time");
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sa.sa_flags = SA_RESTART;
	sigaction(SIGUSR1, &sa, NULL);
	sigaction(SIGUSR2, &sa, NULL);
	/* The other threads take none of the signals. */
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	idle_thread_start(&idle);
	if (pthread_create(&sender, NULL, signaller, NULL))
		tap_bail("cannot start the signalling thread");
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	caller_state_get(&before);
	/* That state, with the sender's thread gone at the end. */
	before.threads--;

	for (i = 0; i < MAX_CALLS && (i < CALLS || !seen_all()); i++)
		if (!one_call(0))
			failed++;
	atomic_store(&stop, true);
	pthread_join(sender, NULL);

	tap_ok(failed == 0, "%d calls from a thread taking signals: all made children with "
	       "their offsets (%d did not)", i, failed);
	tap_ok(atomic_load(&bad_calls) == 0,
	       "%d calls from its handlers: all made children with their offsets (%d did not)",
	       atomic_load(&handler_calls), atomic_load(&bad_calls));
	tap_ok(atomic_load(&caught_early) >= 1,
	       "a handler ran while the call's child was still making its namespace "
	       "(%d of %d calls)", atomic_load(&caught_early), i);
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
