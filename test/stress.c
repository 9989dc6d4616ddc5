// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Concurrency: 16 threads x 500 timens_clone3() calls, each with offsets
 * of its own (every tenth with CLONE_NEWUSER, so helper threads and
 * helper processes run side by side), while two other threads fork()
 * plain children, a timer interrupts everyone, and a handler makes
 * calls of its own in whatever thread it lands in.
 *
 * Each namespaced child reads its clocks through the raw syscall and the
 * vDSO, and they must carry exactly its offsets; each plain child must
 * be in the caller's namespaces; no handler may ever see its thread's
 * time_for_children changed; the caller ends as it began.
 *
 * TIMENS_STRESS_CALLS=N makes N calls a thread instead of 500 (for slow
 * guests); the default is what CI runs.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "child.h"

#define THREADS 16
#define FORKERS 2
#define DEFAULT_CALLS 500

/* What a namespaced child writes back; one per calling thread. */
struct slot {
	int64_t mono_raw, boot_raw, mono_vdso, boot_vdso;
	uint64_t time_ino;
	int done;
};

struct caller {
	pthread_t thread;
	int index;
	struct slot *slot;		/* shared memory */
	int calls, ok, failed, wrong;
	int userns_calls;
	int paths[TIMENS_PATH_CHILD + 1];
	char why[160];
};

static int calls_per_thread = DEFAULT_CALLS;
static uint64_t own_time, own_tfc;
static atomic_int callers_left;
static atomic_int plain_forks, plain_wrong;
static atomic_int alarms, handler_wrong;
static atomic_int handler_calls, handler_call_wrong;
static pthread_t caller_threads[THREADS];

static uint64_t ino_raw(const char *path)
{
	struct stat st;

	/* newfstatat: async-signal-safe, no errno games for the caller. */
	if (syscall(SYS_newfstatat, AT_FDCWD, path, &st, 0))
		return 0;
	return st.st_ino;
}

/*
 * SIGALRM: the thread it lands in must never have another
 * time_for_children, whatever the library is doing in other threads.
 */
static void on_alarm(int sig)
{
	int saved = errno;

	(void)sig;
	atomic_fetch_add(&alarms, 1);
	if (ino_raw("/proc/thread-self/ns/time_for_children") != own_tfc ||
	    ino_raw("/proc/thread-self/ns/time") != own_time)
		atomic_fetch_add(&handler_wrong, 1);
	errno = saved;
}

/* SIGUSR1: a call of our own from inside a handler, between calls. */
static void on_usr1(int sig)
{
	static const struct timens_offset off = { 77 * NSEC_PER_SEC, 88 * NSEC_PER_SEC };
	struct timens_clone_args a = {
		.flags = CLONE_NEWTIME,
		.exit_signal = SIGCHLD,
		.timens_offset = to_u64(&off),
	};
	int saved = errno, st;
	pid_t pid;

	(void)sig;
	pid = timens_clone3(&a, sizeof(a));
	/*
	 * A copy of a process whose other threads may hold any lock: raw
	 * system calls only, not even _exit() (under ASan its no-return hook
	 * allocates, and the allocator's lock may be copied held).
	 */
	if (pid == 0)
		syscall(SYS_exit_group, ino_raw("/proc/self/ns/time") == own_time ? 1 : 0);
	atomic_fetch_add(&handler_calls, 1);
	if (pid < 0) {
		atomic_fetch_add(&handler_call_wrong, 1);
	} else {
		while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
			;
		if (!WIFEXITED(st) || WEXITSTATUS(st))
			atomic_fetch_add(&handler_call_wrong, 1);
	}
	errno = saved;
}

static bool in_window(int64_t v, int64_t lo, int64_t hi, int64_t o)
{
	return v >= lo + o && v <= hi + o;
}

static void note(struct caller *c, int i, const char *what)
{
	c->wrong++;
	if (!c->why[0])
		snprintf(c->why, sizeof(c->why), "thread %d call %d: %s", c->index, i, what);
}

/* Out of the function that calls timens_clone3 (returns_twice). */
static void check_child(struct caller *c, int i, pid_t pid, const struct timens_offset *off,
			struct clock_window *w)
{
	const struct slot *s = c->slot;
	int st = wait_status(pid);

	window_close(w);
	if (!WIFEXITED(st) || WEXITSTATUS(st) || !s->done)
		note(c, i, "the child did not run to its end");
	else if (!s->time_ino || s->time_ino == own_time)
		note(c, i, "the child is in the caller's time namespace");
	else if (!in_window(s->mono_raw, w->mono_lo, w->mono_hi, off->monotonic_offset_ns) ||
		 !in_window(s->mono_vdso, w->mono_lo, w->mono_hi, off->monotonic_offset_ns) ||
		 !in_window(s->boot_raw, w->boot_lo, w->boot_hi, off->boottime_offset_ns) ||
		 !in_window(s->boot_vdso, w->boot_lo, w->boot_hi, off->boottime_offset_ns))
		note(c, i, "the child's clocks do not carry its offsets");
	else
		c->ok++;
}

static void *caller_main(void *arg)
{
	struct caller *c = arg;
	int i;

	for (i = 0; i < calls_per_thread; i++) {
		/* Distinct for every call of every thread. */
		int64_t k = (int64_t)c->index * 1000 + i + 1;
		struct timens_offset off = {
			k * 1000003LL,
			k * 7 * NSEC_PER_SEC + c->index,
		};
		bool userns = i % 10 == 9;
		struct timens_clone_args a = {
			.flags = CLONE_NEWTIME | (userns ? CLONE_NEWUSER : 0),
			.exit_signal = SIGCHLD,
			.timens_offset = to_u64(&off),
		};
		struct clock_window w;
		pid_t pid;

		memset(c->slot, 0, sizeof(*c->slot));
		window_open(&w);
		pid = timens_clone3(&a, sizeof(a));
		if (pid == 0) {
			struct slot *s = c->slot;

			s->mono_raw = raw_clock_ns(CLOCK_MONOTONIC);
			s->boot_raw = raw_clock_ns(CLOCK_BOOTTIME);
			s->mono_vdso = clock_ns(CLOCK_MONOTONIC);
			s->boot_vdso = clock_ns(CLOCK_BOOTTIME);
			s->time_ino = ino_raw("/proc/self/ns/time");
			s->done = 1;
			syscall(SYS_exit_group, 0);	/* not _exit: see on_usr1 */
		}
		c->calls++;
		c->userns_calls += userns;
		if (pid < 0) {
			c->failed++;
			if (!c->why[0])
				snprintf(c->why, sizeof(c->why), "thread %d call %d: %s",
					 c->index, i, strerror(errno));
			continue;
		}
		c->paths[timens_last_path()]++;
		check_child(c, i, pid, &off, &w);
	}
	atomic_fetch_sub(&callers_left, 1);
	return NULL;
}

/* Plain fork()s while the calls go on; now and then a SIGUSR1 to a caller. */
static void *forker_main(void *arg)
{
	unsigned int n = 0, seed = (unsigned int)(uintptr_t)arg;

	while (atomic_load(&callers_left) > 0) {
		pid_t pid = fork();
		int st;

		if (pid < 0) {
			atomic_fetch_add(&plain_wrong, 1);
			continue;
		}
		if (pid == 0)
			_exit(ino_raw("/proc/self/ns/time") == own_time &&
			      ino_raw("/proc/self/ns/time_for_children") == own_tfc ? 0 : 1);
		st = wait_status(pid);
		atomic_fetch_add(&plain_forks, 1);
		if (!WIFEXITED(st) || WEXITSTATUS(st))
			atomic_fetch_add(&plain_wrong, 1);
		if (++n % 4 == 0)
			pthread_kill(caller_threads[rand_r(&seed) % THREADS], SIGUSR1);
		/* Enough forks to interleave with every phase, not to starve callers. */
		usleep(500);
	}
	return NULL;
}

static void install(int sig, void (*fn)(int))
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = fn;
	/* No SA_RESTART: interrupted calls must cope with EINTR. */
	sigemptyset(&sa.sa_mask);
	if (sigaction(sig, &sa, NULL))
		tap_bail("sigaction: %s", strerror(errno));
}

int main(int argc, char **argv)
{
	static struct caller callers[THREADS];
	pthread_t forkers[FORKERS];
	struct caller_state before;
	struct itimerspec its = { { 0, 2000000 }, { 0, 2000000 } };
	struct sigevent sev;
	timer_t timer;
	const char *env;
	int i, total = 0, ok = 0, failed = 0, wrong = 0, userns = 0;
	int paths[TIMENS_PATH_CHILD + 1] = { 0 };
	struct slot *slots;
	char why[160] = "";

	test_exec_hook(argc, argv);
	require_time_ns();
	require_root();
	env = getenv("TIMENS_STRESS_CALLS");
	if (env && atoi(env) > 0)
		calls_per_thread = atoi(env);
	tap_plan(8);

	own_time = ns_ino("/proc/self/ns/time");
	own_tfc = ns_ino("/proc/self/ns/time_for_children");
	caller_state_get(&before);
	slots = shared_alloc(sizeof(*slots) * THREADS);
	install(SIGALRM, on_alarm);
	install(SIGUSR1, on_usr1);

	memset(&sev, 0, sizeof(sev));
	sev.sigev_notify = SIGEV_SIGNAL;
	sev.sigev_signo = SIGALRM;
	if (timer_create(CLOCK_MONOTONIC, &sev, &timer) || timer_settime(timer, 0, &its, NULL))
		tap_bail("timer: %s", strerror(errno));

	atomic_store(&callers_left, THREADS);
	for (i = 0; i < THREADS; i++) {
		callers[i].index = i;
		callers[i].slot = &slots[i];
		if (pthread_create(&callers[i].thread, NULL, caller_main, &callers[i]))
			tap_bail("pthread_create");
		caller_threads[i] = callers[i].thread;
	}
	for (i = 0; i < FORKERS; i++)
		if (pthread_create(&forkers[i], NULL, forker_main, (void *)(uintptr_t)(i + 1)))
			tap_bail("pthread_create");
	/*
	 * Forkers first: they signal callers until the last one is done, and
	 * a thread may be signalled once it has exited, not once it is joined.
	 */
	for (i = 0; i < FORKERS; i++)
		pthread_join(forkers[i], NULL);
	for (i = 0; i < THREADS; i++)
		pthread_join(callers[i].thread, NULL);

	its.it_value.tv_nsec = 0;
	its.it_interval.tv_nsec = 0;
	timer_settime(timer, 0, &its, NULL);
	timer_delete(timer);
	signal(SIGALRM, SIG_DFL);
	signal(SIGUSR1, SIG_DFL);

	for (i = 0; i < THREADS; i++) {
		int p;

		total += callers[i].calls;
		ok += callers[i].ok;
		failed += callers[i].failed;
		wrong += callers[i].wrong;
		userns += callers[i].userns_calls;
		for (p = 0; p <= TIMENS_PATH_SPAWN_FORK; p++)
			paths[p] += callers[i].paths[p];
		if (!why[0] && callers[i].why[0])
			snprintf(why, sizeof(why), "%s", callers[i].why);
	}
	for (i = 0; i <= TIMENS_PATH_SPAWN_FORK; i++)
		if (paths[i])
			tap_diag("%d calls via %s", paths[i], timens_path_name((enum timens_path)i));
	if (why[0])
		tap_diag("first problem: %s", why);
	tap_is(total, THREADS * calls_per_thread, "every thread made its calls");
	tap_ok(failed == 0, "%d of %d calls (%d with CLONE_NEWUSER) succeeded", total - failed,
	       total, userns);
	tap_ok(wrong == 0 && ok == total - failed,
	       "%d namespaced children saw exactly their offsets (raw syscall and vDSO)", ok);
	tap_ok(plain_wrong == 0, "%d plain fork()s from other threads, none in a new namespace",
	       atomic_load(&plain_forks));
	tap_ok(handler_wrong == 0, "%d SIGALRMs handled, never with time_for_children changed",
	       atomic_load(&alarms));
	tap_ok(handler_call_wrong == 0, "%d calls from a SIGUSR1 handler, children namespaced",
	       atomic_load(&handler_calls));
	tap_ok(atomic_load(&alarms) > 0, "signals did arrive during the run");
	why[0] = '\0';
	tap_ok(caller_state_same(&before, why, sizeof(why)),
	       "the process ends as it began (namespaces, mask, fds, threads, no child)%s%s",
	       why[0] ? ": " : "", why);
	return tap_done();
}
