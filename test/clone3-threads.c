// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Eight threads call timens_clone3() at once, each with offsets of its
 * own; every child must see exactly its own, and the callers' namespaces
 * must not move.  Also: a call from a thread that is not the main one.
 */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/wait.h>

#include "child.h"

#define NTHREADS 8
#define CALLS 25

struct result {
	atomic_int ok, bad_clock, failed, bad_ns;
	char first_error[160];
};

static struct result res;

static bool in(int64_t v, int64_t lo, int64_t hi)
{
	return v >= lo && v <= hi;
}

static void *worker(void *arg)
{
	int id = (int)(intptr_t)arg;
	struct clock_sample *s = shared_alloc(sizeof(*s));
	uint64_t my_time = ns_ino("/proc/thread-self/ns/time");
	uint64_t my_tfc = ns_ino("/proc/thread-self/ns/time_for_children");
	int i;

	for (i = 0; i < CALLS; i++) {
		struct timens_offset off = {
			(int64_t)(id * 1000 + i) * NSEC_PER_SEC + id,
			(int64_t)(id * 1000 + i) * NSEC_PER_SEC * 2 + i,
		};
		struct timens_clone_args a = {
			.flags = CLONE_NEWTIME,
			.exit_signal = SIGCHLD,
			.timens_offset = to_u64(&off),
		};
		struct clock_window w;
		pid_t pid;
		int st;

		window_open(&w);
		pid = timens_clone3(&a, sizeof(a));
		if (pid == 0) {
			sample_clocks(s);
			_exit(0);
		}
		if (pid < 0) {
			if (atomic_fetch_add(&res.failed, 1) == 0)
				snprintf(res.first_error, sizeof(res.first_error),
					 "thread %d call %d: %s", id, i, strerror(errno));
			continue;
		}
		st = wait_status(pid);
		window_close(&w);
		if (!WIFEXITED(st) || WEXITSTATUS(st) ||
		    !in(s->mono_raw, w.mono_lo + off.monotonic_offset_ns,
			w.mono_hi + off.monotonic_offset_ns) ||
		    !in(s->boot_vdso, w.boot_lo + off.boottime_offset_ns,
			w.boot_hi + off.boottime_offset_ns) ||
		    !in(s->mono_vdso, w.mono_lo + off.monotonic_offset_ns,
			w.mono_hi + off.monotonic_offset_ns))
			atomic_fetch_add(&res.bad_clock, 1);
		else
			atomic_fetch_add(&res.ok, 1);
		if (ns_ino("/proc/thread-self/ns/time") != my_time ||
		    ns_ino("/proc/thread-self/ns/time_for_children") != my_tfc)
			atomic_fetch_add(&res.bad_ns, 1);
	}
	return NULL;
}

static void *one_call(void *arg)
{
	struct child_report **out = arg;
	struct timens_offset off = { 42 * NSEC_PER_SEC + 42, 4242 * NSEC_PER_SEC };

	*out = clone_and_check(&off, 0, "from a non-main thread");
	return NULL;
}

int main(int argc, char **argv)
{
	struct caller_state before;
	struct child_report *rep = NULL;
	pthread_t t[NTHREADS];
	int i;

	test_exec_hook(argc, argv);
	require_time_ns();
	require_root();

	caller_state_get(&before);
	for (i = 0; i < NTHREADS; i++)
		if (pthread_create(&t[i], NULL, worker, (void *)(intptr_t)i))
			tap_bail("pthread_create failed");
	for (i = 0; i < NTHREADS; i++)
		pthread_join(t[i], NULL);

	tap_ok(res.failed == 0, "%d threads x %d calls: no call failed (%d failed%s%s)",
	       NTHREADS, CALLS, res.failed, res.failed ? ": " : "", res.first_error);
	tap_ok(res.ok == NTHREADS * CALLS, "every child saw exactly its own offsets (%d of %d, %d wrong)",
	       res.ok, NTHREADS * CALLS, res.bad_clock);
	tap_ok(res.bad_ns == 0, "no calling thread's time namespaces moved (%d moved)", res.bad_ns);

	if (pthread_create(&t[0], NULL, one_call, &rep))
		tap_bail("pthread_create failed");
	pthread_join(t[0], NULL);
	tap_ok(timens_features() & TIMENS_FEATURE_NATIVE_OFFSET ? true : rep != NULL,
	       "the call from a non-main thread returned a child");
	/* Threads are gone: the helper threads with them. */
	for (i = 0; i < 100 && thread_count() != before.threads; i++)
		usleep(10000);
	caller_state_check(&before, "after concurrent calls");
	return tap_done();
}
