// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The child's parent is the calling thread, as with the raw syscall, on
 * the path each caller gets (inplace, the child path, native):
 *
 *   - getppid() in the child is the caller's process, and the calling
 *     thread finds the child with waitpid(__WNOTHREAD);
 *   - a child that asks for PR_SET_PDEATHSIG is not killed while the
 *     calling thread lives, and is killed when it exits;
 *   - one SIGCHLD per child and none from anything else (a SIGCHLD
 *     handler sees only our children's pids);
 *   - another thread blocked in waitpid(-1, __WALL) reaps our children
 *     and nothing else (no helper task of the library's);
 *   - CLONE_CHILD_SETTID and CLONE_CHILD_CLEARTID work on the caller's
 *     word (set at the child's start; the exit clears only the child's
 *     copy, as the kernel does for a child with memory of its own);
 *   - with SIGCHLD at its default, the exit of a child that returns and
 *     exits at once is dropped as the raw syscall's is (the calling
 *     thread does not block it): another thread waiting for SIGCHLD in
 *     sigtimedwait() never gets one; with a handler, the handler runs in
 *     the calling thread, never in the other one, which leaves SIGCHLD
 *     unblocked too (the kernel's behaviour checked first with the raw
 *     syscall, in both).
 *
 * Each mode runs in a caller process of its own (threads, credentials),
 * which reports counts in shared memory.
 */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "child.h"

#define CALLS 30
#define MAX_KIDS 128

struct mode {
	const char *name;
	bool thread;		/* an idle second thread */
	bool nobody;		/* uid 65534, CLONE_NEWUSER */
};

static const struct mode modes[] = {
	{ "1 thread", false, false },
	{ "2 threads", true, false },
	{ "1 thread, nobody, CLONE_NEWUSER", false, true },
	{ "2 threads, nobody, CLONE_NEWUSER", true, true },
};

/* Shared with the caller process and its children. */
struct report {
	int setup_failed;
	int path;			/* timens_last_path() of the first call */
	int calls_failed;
	int ppid_ok, wnothread_ok, exit_ok, settid_ok, cleartid_ok;
	int deathsig_fired;		/* the calling thread exited: SIGKILL */
	int reaped_by_other, reaped_foreign;
	int sigchld_seen, sigchld_foreign;
	pid_t kids[MAX_KIDS];
	int nkids;
	/* Written by the children. */
	volatile pid_t child_ppid[CALLS];
	volatile pid_t child_settid_seen[CALLS];
	volatile int child_tid_word[CALLS];
	volatile int ready;
};

static struct report *rep;
static struct timens_offset off = { -(2 * NSEC_PER_SEC) - 5, 3 * 86400 * NSEC_PER_SEC };
static uint64_t extra_flags;

static volatile pid_t sig_pids[4 * MAX_KIDS];
static volatile int nsig;

static void on_sigchld(int sig, siginfo_t *si, void *ctx)
{
	(void)sig;
	(void)ctx;
	if (nsig < (int)(sizeof(sig_pids) / sizeof(sig_pids[0])))
		sig_pids[nsig++] = si->si_pid;
}

static bool ours(pid_t pid)
{
	int i;

	for (i = 0; i < rep->nkids; i++)
		if (rep->kids[i] == pid)
			return true;
	return false;
}

static pid_t call(int slot, bool deathsig, int behaviour)
{
	struct timens_clone_args a = {
		.flags = CLONE_NEWTIME | extra_flags | CLONE_CHILD_SETTID | CLONE_CHILD_CLEARTID,
		.exit_signal = SIGCHLD,
		.timens_offset = to_u64(&off),
		.child_tid = (uint64_t)(uintptr_t)&rep->child_tid_word[slot],
	};
	pid_t pid;

	rep->child_tid_word[slot] = -1;
	pid = timens_clone3(&a, sizeof(a));
	if (pid == 0) {
		if (deathsig && prctl(PR_SET_PDEATHSIG, SIGKILL))
			_exit(20);
		rep->child_ppid[slot] = getppid();
		rep->child_settid_seen[slot] = rep->child_tid_word[slot] == (int)syscall(SYS_gettid);
		if (behaviour == 1) {
			/* Outlive a helper's exit: the raw syscall's child would. */
			struct timespec ts = { 0, 3 * 1000 * 1000 };

			nanosleep(&ts, NULL);
			_exit(0);
		}
		rep->ready = 1;
		for (;;)
			pause();
	}
	if (pid > 0 && rep->nkids < MAX_KIDS)
		rep->kids[rep->nkids++] = pid;
	return pid;
}

/* Calls from this thread, waited for with __WNOTHREAD. */
static void calls_here(void)
{
	int i, st;

	for (i = 0; i < CALLS; i++) {
		pid_t pid = call(i, true, 1);

		if (i == 0)
			rep->path = timens_last_path();
		if (pid < 0) {
			rep->calls_failed++;
			continue;
		}
		if (waitpid(pid, &st, __WNOTHREAD) == pid) {
			rep->wnothread_ok++;
			rep->exit_ok += WIFEXITED(st) && WEXITSTATUS(st) == 0;
		}
		rep->ppid_ok += rep->child_ppid[i] == getpid();
		rep->settid_ok += rep->child_settid_seen[i] == 1;
		/*
		 * The kernel clears the word at exit only for a child that
		 * shares its memory: this one's keeps its tid, as with the raw
		 * syscall (clone3-vfork-exec sees a CLONE_VM child clear it).
		 */
		rep->cleartid_ok += rep->child_tid_word[i] == pid;
	}
}

static void *calling_thread(void *arg)
{
	pid_t *pid = arg;

	*pid = call(0, true, 2);
	while (*pid > 0 && !rep->ready)
		sched_yield();
	return NULL;	/* the child's parent thread exits */
}

/* A thread makes a child and exits: the child's death signal fires. */
static void calling_thread_exits(void)
{
	pthread_t t;
	pid_t pid = -1;
	int st, i;

	rep->ready = 0;
	if (pthread_create(&t, NULL, calling_thread, &pid) || pthread_join(t, NULL) || pid < 0) {
		rep->calls_failed++;
		return;
	}
	/* Allow it 10 s to die; kill it then. */
	for (i = 0; i < 1000 && waitpid(pid, &st, WNOHANG) == 0; i++) {
		struct timespec ts = { 0, 10 * 1000 * 1000 };

		nanosleep(&ts, NULL);
	}
	if (i == 1000) {
		kill(pid, SIGKILL);
		waitpid(pid, &st, 0);
		return;
	}
	rep->deathsig_fired = WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL;
}

struct reaper {
	pthread_t t;
	volatile int stop;
	pid_t got[CALLS];
	volatile int n;
};

static void *reaper_main(void *arg)
{
	struct reaper *r = arg;

	while (!r->stop) {
		pid_t pid = waitpid(-1, NULL, __WALL | WNOHANG);

		if (pid > 0 && r->n < CALLS)
			r->got[r->n++] = pid;
		else if (pid <= 0)
			sched_yield();
	}
	return NULL;
}

/* Another thread reaps whatever it finds while we make children. */
static void other_thread_reaps(void)
{
	struct reaper r = { .stop = 0, .n = 0 };
	int i, made = 0;

	if (pthread_create(&r.t, NULL, reaper_main, &r)) {
		rep->calls_failed++;
		return;
	}
	for (i = 0; i < CALLS; i++)
		made += call(i, false, 1) > 0;
	for (i = 0; i < 1000 && r.n < made; i++) {
		struct timespec ts = { 0, 10 * 1000 * 1000 };

		nanosleep(&ts, NULL);
	}
	r.stop = 1;
	pthread_join(r.t, NULL);
	rep->reaped_by_other = r.n;
	for (i = 0; i < r.n; i++)
		rep->reaped_foreign += !ours(r.got[i]);
}

static void *idle(void *arg)
{
	(void)arg;
	for (;;)
		pause();
	return NULL;
}

static void caller(const struct mode *m)
{
	struct sigaction sa;
	pthread_t t;
	sigset_t all;
	int i;

	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_sigchld;
	sa.sa_flags = SA_SIGINFO | SA_RESTART;
	if (sigaction(SIGCHLD, &sa, NULL))
		_exit(80);
	if (m->nobody) {
		extra_flags = CLONE_NEWUSER;
		if (setresgid(65534, 65534, 65534) || setresuid(65534, 65534, 65534) ||
		    prctl(PR_SET_DUMPABLE, 1))
			_exit(81);
	}
	if (m->thread) {
		/* The idle thread takes no signal: SIGCHLD comes to us. */
		sigfillset(&all);
		pthread_sigmask(SIG_BLOCK, &all, NULL);
		if (pthread_create(&t, NULL, idle, NULL))
			_exit(82);
		pthread_sigmask(SIG_UNBLOCK, &all, NULL);
	}
	calls_here();
	calling_thread_exits();
	other_thread_reaps();
	rep->sigchld_seen = nsig;
	for (i = 0; i < nsig; i++)
		rep->sigchld_foreign += !ours(sig_pids[i]);
	_exit(0);
}

/*
 * A thread that waits for SIGCHLD, blocked in it (so that a SIGCHLD made
 * pending for the process goes to it), counts what it gets.
 */
struct sigwaiter {
	pthread_t t;
	volatile int stop, got, ready;
};

static void *sigwaiter_main(void *arg)
{
	struct sigwaiter *w = arg;
	struct timespec ts = { 0, 2 * 1000 * 1000 };
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	w->ready = 1;
	while (!w->stop)
		if (sigtimedwait(&set, NULL, &ts) == SIGCHLD)
			w->got++;
	return NULL;
}

static volatile pid_t calling_tid;
static volatile int handled_elsewhere;

static void on_sigchld_where(int sig)
{
	(void)sig;
	if ((pid_t)syscall(SYS_gettid) != calling_tid)
		handled_elsewhere++;
}

static void *unblocked_idle(void *arg)
{
	struct sigwaiter *w = arg;

	w->ready = 1;
	while (!w->stop)
		pause();
	return NULL;
}

static void wake_idle(int sig)
{
	(void)sig;
}

/*
 * In a process of its own: CALLS * 4 children that exit at once, made
 * with the raw syscall (RAW) or timens_clone3, from a thread that
 * leaves SIGCHLD unblocked: at its default while another thread waits
 * for it in sigtimedwait(), or (HANDLER) with a handler while another
 * thread leaves it unblocked too.  Exits with how many SIGCHLDs the
 * other thread got, or the handler ran in it (255: set-up failed).
 */
static void dropped_sigchld(bool raw, bool handler)
{
	struct timens_clone_args a = {
		.flags = raw ? 0 : CLONE_NEWTIME,
		.exit_signal = SIGCHLD,
		.timens_offset = raw ? 0 : to_u64(&off),
	};
	struct sigwaiter w = { .stop = 0, .got = 0, .ready = 0 };
	sigset_t set;
	int i;

	sigemptyset(&set);
	calling_tid = (pid_t)syscall(SYS_gettid);
	if (signal(SIGCHLD, handler ? on_sigchld_where : SIG_DFL) == SIG_ERR ||
	    signal(SIGUSR1, wake_idle) == SIG_ERR || sigprocmask(SIG_SETMASK, &set, NULL) ||
	    pthread_create(&w.t, NULL, handler ? unblocked_idle : sigwaiter_main, &w))
		_exit(255);
	while (!w.ready)
		sched_yield();
	for (i = 0; i < CALLS * 4; i++) {
		long pid = raw ? syscall(SYS_clone3, &a, TIMENS_CLONE_ARGS_SIZE_VER2)
			       : timens_clone3(&a, sizeof(a));

		/* Under test/noclone3.sh's filter: fork as clone(2) has it. */
		if (raw && pid < 0 && errno == ENOSYS)
			pid = syscall(SYS_clone, SIGCHLD, 0, 0, 0, 0);

		if (pid == 0)
			syscall(SYS_exit, 0);
		while (pid > 0 && waitpid((pid_t)pid, NULL, 0) < 0 && errno == EINTR)
			;
		if (pid < 0)
			_exit(255);
	}
	w.stop = 1;
	if (handler)
		pthread_kill(w.t, SIGUSR1);
	pthread_join(w.t, NULL);
	if (handler)
		w.got = handled_elsewhere;
	_exit(w.got > 254 ? 254 : w.got);
}

int main(int argc, char **argv)
{
	size_t i;

	test_exec_hook(argc, argv);
	require_time_ns();
	require_root();
	require_unpriv_userns();
	off.monotonic_offset_ns = fit_negative(CLOCK_MONOTONIC, off.monotonic_offset_ns);
	rep = shared_alloc(sizeof(*rep));
	tap_plan((int)(sizeof(modes) / sizeof(modes[0])) * 10 + 5);
	for (i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
		const struct mode *m = &modes[i];
		pid_t pid;
		int st;

		memset(rep, 0, sizeof(*rep));
		pid = fork();
		if (pid == 0)
			caller(m);
		st = wait_status(pid);
		tap_ok(WIFEXITED(st) && WEXITSTATUS(st) == 0 && !rep->calls_failed,
		       "%s: every call succeeded via %s (status %#x, %d failed)", m->name,
		       timens_path_name((enum timens_path)rep->path), st, rep->calls_failed);
		tap_is(rep->ppid_ok, CALLS, "getppid() in the child is the caller");
		tap_is(rep->wnothread_ok, CALLS, "waitpid(__WNOTHREAD) from the calling thread finds it");
		tap_is(rep->exit_ok, CALLS,
		       "a child with PR_SET_PDEATHSIG lives while the calling thread does");
		tap_ok(rep->deathsig_fired, "%s: it is killed when the calling thread exits", m->name);
		tap_is(rep->settid_ok, CALLS, "CLONE_CHILD_SETTID: the child's tid in the caller's word");
		tap_is(rep->cleartid_ok, CALLS, "CLONE_CHILD_CLEARTID: the word keeps the tid, as the kernel leaves it");
		tap_is(rep->reaped_by_other, CALLS, "another thread's waitpid(-1) reaps every child");
		tap_is(rep->reaped_foreign, 0, "and nothing that is not one of them");
		tap_ok(rep->sigchld_foreign == 0 && rep->sigchld_seen <= rep->nkids,
		       "%s: SIGCHLD only for our children (%d for %d children, %d foreign)",
		       m->name, rep->sigchld_seen, rep->nkids, rep->sigchld_foreign);
	}
	for (i = 0; i < 4; i++) {
		bool raw = !(i & 1), handler = i >= 2;
		pid_t pid = fork();
		int st;

		if (pid == 0)
			dropped_sigchld(raw, handler);
		st = wait_status(pid);
		tap_ok(WIFEXITED(st) && WEXITSTATUS(st) == 0,
		       "%s: %d children that exit at once, %s (%d%s)",
		       raw ? "raw clone3 (the kernel's way)" : "timens_clone3, 2 threads",
		       CALLS * 4,
		       handler ? "a SIGCHLD handler: it runs in the calling thread, never the other"
			       : "SIGCHLD at its default: another thread in sigtimedwait() gets none",
		       WIFEXITED(st) ? WEXITSTATUS(st) : -1,
		       WIFEXITED(st) && WEXITSTATUS(st) == 255 ? ": set-up failed" : "");
	}
	tap_ok(no_children(), "nothing left to reap");
	return tap_done();
}
