// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Limits: what a caller gets when the system says no, and that nothing
 * is left half-made.
 *
 *   user.max_time_namespaces  ENOSPC (unshare's errno), set in a fresh
 *                             user namespace (the limit is per user
 *                             namespace, so the host's is not touched)
 *   user.max_user_namespaces  ENOSPC, for CLONE_NEWUSER
 *   RLIMIT_NPROC              EAGAIN (clone3's), whether the helper or
 *                             the child is the process too many
 *   RLIMIT_NOFILE             EMFILE, or success when the fds left are
 *                             enough for the path taken
 *
 * After every refusal the caller's namespaces, mask and fds are as they
 * were and nothing is left to reap; a call after the limit is lifted
 * succeeds, so no namespace or process was leaked against the count.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "child.h"

/* A uid no one else on the machine runs as, so its process count is ours. */
#define LONE_UID 54321

static const struct timens_offset off = { 11 * NSEC_PER_SEC, 22 * NSEC_PER_SEC };

struct outcome {
	int err;		/* 0: success */
	int child_ok;		/* the child ran in a new namespace */
	int state_ok;
	char why[96];
};

/* Shared with the scenario processes. */
struct results {
	int setup_err;
	char setup_why[96];
	struct outcome o[16];
	/* scenario_left_wait's rounds: */
	int left_taken;		/* its page went with the thread */
	int left_free;		/* the signal came between calls: page kept */
	int left_odd;		/* pages counted otherwise */
	int next_wrong;		/* the next thread's call not refused as it must be */
};

static struct results *res;
/* A child of ours that holds a namespace on purpose, or 0. */
static pid_t holder_pid;
/*
 * Taking the caller's state needs an fd of its own: with PAD, one fd is
 * taken after the snapshot and given back before the comparison, so
 * that the call runs with exactly the fds the scenario left free.
 */
static bool pad;
static int pad_fd = -1;

static void pad_take(void)
{
	if (pad)
		pad_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
}

static void pad_give_back(void)
{
	if (pad_fd >= 0)
		close(pad_fd);
	pad_fd = -1;
}

/*
 * The caller's state as it was; the holder, alive, is the one child
 * allowed (and no zombie).
 */
static bool state_same(const struct caller_state *before, char *why, size_t len)
{
	siginfo_t si;

	if (caller_state_same(before, why, len))
		return true;
	if (!holder_pid || strcmp(why, "a child or zombie is left"))
		return false;
	memset(&si, 0, sizeof(si));
	if (waitid(P_ALL, 0, &si, WEXITED | WNOHANG | WNOWAIT) || si.si_pid)
		return false;
	return kill(holder_pid, 0) == 0;
}

/* timens_clone3 whose child reports whether it is in a new namespace. */
static void call_clone3(struct outcome *o, uint64_t flags)
{
	struct timens_clone_args a = {
		.flags = CLONE_NEWTIME | flags,
		.exit_signal = SIGCHLD,
		.timens_offset = to_u64(&off),
	};
	uint64_t own = ns_ino("/proc/self/ns/time");
	struct caller_state before;
	pid_t pid;
	int st;

	caller_state_get(&before);
	pad_take();
	pid = timens_clone3(&a, sizeof(a));
	if (pid == 0)
		_exit(ns_ino("/proc/self/ns/time") != own ? 0 : 1);
	o->err = pid < 0 ? errno : 0;
	pad_give_back();
	if (pid > 0) {
		st = wait_status(pid);
		o->child_ok = WIFEXITED(st) && WEXITSTATUS(st) == 0;
	}
	o->state_ok = state_same(&before, o->why, sizeof(o->why));
}

/* timens_spawn of /bin/true. */
static void call_spawn(struct outcome *o, uint64_t flags)
{
	char *argv[] = { "true", NULL };
	struct caller_state before;
	pid_t pid;
	int st;
	TIMENS_SPAWN_OPTS(opts, .offset = &off, .flags = flags | TIMENS_SPAWN_SEARCH_PATH);

	caller_state_get(&before);
	pad_take();
	if (timens_spawn(&pid, "true", argv, NULL, &opts)) {
		o->err = errno;
		pad_give_back();
	} else {
		pad_give_back();
		o->err = 0;
		st = wait_status(pid);
		o->child_ok = WIFEXITED(st) && WEXITSTATUS(st) == 0;
	}
	o->state_ok = state_same(&before, o->why, sizeof(o->why));
}

static int write_file(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = write(fd, s, strlen(s));
	close(fd);
	return n == (ssize_t)strlen(s) ? 0 : -1;
}

static _Noreturn void setup_failed(const char *what)
{
	res->setup_err = errno;
	snprintf(res->setup_why, sizeof(res->setup_why), "%s", what);
	_exit(1);
}

/* Root of a fresh user namespace, mapped to root outside. */
static void fresh_userns(void)
{
	if (unshare(CLONE_NEWUSER))
		setup_failed("unshare(CLONE_NEWUSER)");
	if (write_file("/proc/self/setgroups", "deny") ||
	    write_file("/proc/self/uid_map", "0 0 1") ||
	    write_file("/proc/self/gid_map", "0 0 1"))
		setup_failed("writing the id maps");
}

static void scenario_namespaces(void)
{
	struct idle_thread idle;
	int hold[2];
	pid_t holder;
	struct timens_clone_args a = {
		.flags = CLONE_NEWTIME,
		.exit_signal = SIGCHLD,
		.timens_offset = to_u64(&off),
	};
	char c;

	fresh_userns();
	if (write_file("/proc/sys/user/max_time_namespaces", "0"))
		setup_failed("max_time_namespaces = 0");
	call_clone3(&res->o[0], 0);
	call_spawn(&res->o[1], 0);
	/* From two threads (the child path): only the child meets the limit. */
	idle_thread_start(&idle);
	call_clone3(&res->o[6], 0);
	idle_thread_stop(&idle);
	/* One allowed: held by a child, the next is refused, then allowed. */
	if (write_file("/proc/sys/user/max_time_namespaces", "1"))
		setup_failed("max_time_namespaces = 1");
	if (pipe2(hold, O_CLOEXEC))
		setup_failed("pipe2");
	holder = timens_clone3(&a, sizeof(a));
	if (holder == 0) {
		close(hold[1]);
		_exit(read(hold[0], &c, 1) == 0 ? 0 : 1);
	}
	if (holder < 0)
		setup_failed("the first namespace under a limit of 1");
	close(hold[0]);
	holder_pid = holder;
	call_clone3(&res->o[2], 0);
	holder_pid = 0;
	close(hold[1]);
	wait_status(holder);
	call_clone3(&res->o[3], 0);
	/* A user namespace too many, for CLONE_NEWUSER. */
	if (write_file("/proc/sys/user/max_time_namespaces", "100") ||
	    write_file("/proc/sys/user/max_user_namespaces", "0"))
		setup_failed("max_user_namespaces = 0");
	call_clone3(&res->o[4], CLONE_NEWUSER);
	call_spawn(&res->o[5], TIMENS_SPAWN_USERNS);
	_exit(0);
}

/*
 * A thread that leaves a call by siglongjmp while the call waits for its
 * child, with the caller's mask back, and then exits.  Here every child
 * fails (ENOSPC), so the child is held on the call's page (docs/design.md,
 * "The child path") and may wait there 100 ms more.  The thread's area
 * is kept for the next thread, but without that page: the next thread's
 * child must not wait on the same word.  Per round: LEAVER calls until a
 * signal's handler jumps out, then another thread calls once and must be
 * refused like any other.
 */
#define LEFT_ROUNDS 40

static __thread sigjmp_buf *leave_to;
static pid_t leaver_tid;

static void leave(int sig)
{
	(void)sig;
	if (leave_to)
		siglongjmp(*leave_to, 1);
}

static long refused_call(void)
{
	struct timens_clone_args a = {
		.flags = CLONE_NEWTIME,
		.exit_signal = SIGCHLD,
		.timens_offset = to_u64(&off),
	};
	long pid = timens_clone3(&a, sizeof(a));

	if (pid == 0)
		_exit(0);
	if (pid > 0)
		wait_status((pid_t)pid);
	return pid < 0 ? errno : 0;
}

static void *leaver(void *arg)
{
	sigjmp_buf jb;

	(void)arg;
	leave_to = &jb;
	if (sigsetjmp(jb, 1) == 0) {
		refused_call();		/* its area and page made */
		__atomic_store_n(&leaver_tid, (pid_t)syscall(SYS_gettid), __ATOMIC_RELEASE);
		for (;;)
			refused_call();
	}
	leave_to = NULL;
	return NULL;
}

static void *next_caller(void *arg)
{
	*(long *)arg = refused_call();
	return NULL;
}

static void scenario_left_wait(void)
{
	struct idle_thread idle;
	struct sigaction sa;
	int round, pages, after;
	pthread_t t;
	long err;
	pid_t tid;

	/* On a kernel with the series, the emulation is what is tested. */
	setenv("TIMENS_PATH", "emulate", 1);
	fresh_userns();
	if (write_file("/proc/sys/user/max_time_namespaces", "0"))
		setup_failed("max_time_namespaces = 0");
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = leave;
	sigaction(SIGUSR1, &sa, NULL);
	idle_thread_start(&idle);
	for (round = 0; round < LEFT_ROUNDS; round++) {
		__atomic_store_n(&leaver_tid, 0, __ATOMIC_RELAXED);
		if (pthread_create(&t, NULL, leaver, NULL))
			setup_failed("pthread_create");
		while (!(tid = __atomic_load_n(&leaver_tid, __ATOMIC_ACQUIRE)))
			sched_yield();
		pages = child_path_pages();
		usleep(1000 + (useconds_t)(round % 8) * 250);
		syscall(SYS_tgkill, getpid(), tid, SIGUSR1);
		pthread_join(t, NULL);
		after = child_path_pages();
		if (after == pages - 1)
			res->left_taken++;
		else if (after == pages)
			res->left_free++;
		else
			res->left_odd++;
		if (pthread_create(&t, NULL, next_caller, &err))
			setup_failed("pthread_create");
		pthread_join(t, NULL);
		res->next_wrong += err != ENOSPC;
	}
	idle_thread_stop(&idle);
	/* The held children, each gone within 100 ms of its call. */
	while (wait(NULL) > 0)
		;
	_exit(0);
}

/* The soft limit only: an unprivileged process may raise it again. */
static void set_nproc(rlim_t n)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NPROC, &rl))
		setup_failed("getrlimit(RLIMIT_NPROC)");
	rl.rlim_cur = n < rl.rlim_max ? n : rl.rlim_max;
	if (setrlimit(RLIMIT_NPROC, &rl))
		setup_failed("setrlimit(RLIMIT_NPROC)");
}

static void scenario_nproc(void)
{
	if (setresgid(LONE_UID, LONE_UID, LONE_UID) || setresuid(LONE_UID, LONE_UID, LONE_UID))
		setup_failed("setresuid");
	if (prctl(PR_SET_DUMPABLE, 1))
		setup_failed("PR_SET_DUMPABLE");
	timens_features();
	/* We are the only process of this uid: 1 leaves no room at all. */
	set_nproc(1);
	call_clone3(&res->o[0], CLONE_NEWUSER);
	call_spawn(&res->o[1], TIMENS_SPAWN_USERNS);
	/* Room for the helper, not for the child. */
	set_nproc(2);
	call_clone3(&res->o[2], CLONE_NEWUSER);
	/* Lifted: everything works, so nothing was left counted. */
	set_nproc(64);
	call_clone3(&res->o[3], CLONE_NEWUSER);
	call_spawn(&res->o[4], TIMENS_SPAWN_USERNS);
	_exit(0);
}

/*
 * Fills every fd below a limit of 64 but FREE of them; returns the first
 * of the fds it made (they are closed again by close_from()).
 */
static int fill_fds(int free_fds, int *made)
{
	struct rlimit rl = { 64, 64 };
	int fds[64], n = 0, i;

	if (setrlimit(RLIMIT_NOFILE, &rl))
		setup_failed("setrlimit(RLIMIT_NOFILE)");
	for (;;) {
		int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);

		if (fd < 0)
			break;
		fds[n++] = fd;
	}
	/* One more for the snapshot's own use, taken back by pad_take(). */
	for (i = 0; i < free_fds + 1 && n > 0; i++)
		close(fds[--n]);
	memcpy(made, fds, sizeof(int) * (size_t)n);
	return n;
}

static void unfill_fds(const int *made, int n)
{
	while (n > 0)
		close(made[--n]);
}

/* setns() into our own time namespace: time_for_children back to it too. */
static bool back_to_own_ns(void)
{
	int fd = open("/proc/self/ns/time", O_RDONLY | O_CLOEXEC);
	bool ok = fd >= 0 && setns(fd, CLONE_NEWTIME) == 0;

	if (fd >= 0)
		close(fd);
	return ok;
}

/* timens_unshare: fails and leaves time_for_children, or succeeds. */
static void call_unshare(struct outcome *o)
{
	struct caller_state before;

	/* Each round from time == time_for_children, whatever the last left. */
	back_to_own_ns();
	caller_state_get(&before);
	pad_take();
	o->err = timens_unshare(&off, 0) ? errno : 0;
	pad_give_back();
	if (o->err) {
		o->state_ok = caller_state_same(&before, o->why, sizeof(o->why));
	} else {
		o->child_ok = ns_ino("/proc/thread-self/ns/time_for_children") != before.tfc_ino;
		o->state_ok = back_to_own_ns() &&
			      caller_state_same(&before, o->why, sizeof(o->why));
	}
}

/* One caller kind: 0 clone3, 1 spawn (vfork or fork path), 3 unshare. */
static void scenario_nofile(int kind)
{
	int made[64], n, free_fds;

	if (kind == 2 && setenv("TIMENS_PATH", "fork", 1))
		setup_failed("setenv");
	timens_features();
	pad = true;
	for (free_fds = 0; free_fds <= 4; free_fds++) {
		n = fill_fds(free_fds, made);
		if (kind == 0)
			call_clone3(&res->o[free_fds], 0);
		else if (kind == 3)
			call_unshare(&res->o[free_fds]);
		else
			call_spawn(&res->o[free_fds], 0);
		unfill_fds(made, n);
	}
	_exit(0);
}

static void run(void (*fn)(void))
{
	pid_t pid;

	memset(res, 0, sizeof(*res));
	pid = fork();
	if (pid < 0)
		tap_bail("fork: %s", strerror(errno));
	if (pid == 0)
		fn();
	if (wait_status(pid) != 0 || res->setup_err)
		tap_bail("scenario setup: %s: %s", res->setup_why, strerror(res->setup_err));
}

static void nofile_clone3(void) { scenario_nofile(0); }
static void nofile_spawn(void) { scenario_nofile(1); }
static void nofile_spawn_fork(void) { scenario_nofile(2); }
static void nofile_unshare(void) { scenario_nofile(3); }

/* Refused with WANT, nothing changed. */
static void expect_err(const struct outcome *o, int want, const char *what)
{
	tap_ok(o->err == want && o->state_ok, "%s: %s (want %s)%s%s", what,
	       o->err ? errno_name(o->err) : "success", errno_name(want),
	       o->state_ok ? "" : ", but ", o->state_ok ? "" : o->why);
}

static void expect_ok(const struct outcome *o, const char *what)
{
	tap_ok(!o->err && o->child_ok && o->state_ok, "%s: %s%s%s", what,
	       o->err ? errno_name(o->err) : "success",
	       o->state_ok ? "" : ", but ", o->state_ok ? "" : o->why);
}

/* EMFILE, or success when the fds left sufficed; never anything else. */
static void expect_nofile(const struct outcome *o, int free_fds, const char *what)
{
	bool good = o->state_ok && (o->err == EMFILE || (!o->err && o->child_ok));

	/* With four fds free every path has what it needs. */
	if (free_fds == 4)
		good = good && !o->err;
	tap_ok(good, "%s, %d fds free: %s%s%s", what, free_fds,
	       o->err ? errno_name(o->err) : "success",
	       o->state_ok ? "" : ", but ", o->state_ok ? "" : o->why);
}

int main(int argc, char **argv)
{
	const char *names[] = { "timens_clone3", "timens_spawn (vfork path)",
				"timens_spawn (fork path)" };
	void (*nofile[])(void) = { nofile_clone3, nofile_spawn, nofile_spawn_fork };
	int k, i;

	test_exec_hook(argc, argv);
	/* No library call here: a scenario may choose its path first. */
	if (access("/proc/self/ns/time", F_OK))
		tap_skip_all("kernel without time namespaces (CONFIG_TIME_NS, 5.6+)");
	require_root();
	require_unpriv_userns();
	res = shared_alloc(sizeof(*res));
	tap_plan(35);

	run(scenario_namespaces);
	expect_err(&res->o[0], ENOSPC, "max_time_namespaces 0, timens_clone3");
	expect_err(&res->o[1], ENOSPC, "max_time_namespaces 0, timens_spawn");
	expect_err(&res->o[6], ENOSPC,
		   "max_time_namespaces 0, timens_clone3 from 2 threads (the child finds it)");
	expect_err(&res->o[2], ENOSPC, "max_time_namespaces 1 and one held, timens_clone3");
	expect_ok(&res->o[3], "max_time_namespaces 1 once released, timens_clone3");
	expect_err(&res->o[4], ENOSPC, "max_user_namespaces 0, CLONE_NEWUSER");
	expect_err(&res->o[5], ENOSPC, "max_user_namespaces 0, timens_spawn with a user ns");

	run(scenario_left_wait);
	tap_ok(res->left_taken > 0 && !res->left_odd,
	       "a thread that left a waiting call by siglongjmp and exited: its page not kept "
	       "(%d of %d rounds; %d left between calls, %d counted otherwise)",
	       res->left_taken, LEFT_ROUNDS, res->left_free, res->left_odd);
	tap_ok(!res->next_wrong, "the next thread's call, from its kept area: ENOSPC each time "
	       "(%d otherwise)", res->next_wrong);

	run(scenario_nproc);
	expect_err(&res->o[0], EAGAIN, "RLIMIT_NPROC reached, CLONE_NEWUSER (no helper)");
	expect_err(&res->o[1], EAGAIN, "RLIMIT_NPROC reached, timens_spawn with a user ns");
	/* CLONE_NEWUSER makes one process, natively or on the child path. */
	expect_ok(&res->o[2], "RLIMIT_NPROC one short, CLONE_NEWUSER (one process: the child)");
	expect_ok(&res->o[3], "RLIMIT_NPROC lifted, CLONE_NEWUSER");
	expect_ok(&res->o[4], "RLIMIT_NPROC lifted, timens_spawn with a user ns");

	for (k = 0; k < 3; k++) {
		run(nofile[k]);
		for (i = 0; i <= 4; i++)
			expect_nofile(&res->o[i], i, names[k]);
	}
	/* Reported: at 0 fds free the call fails but keeps the new namespace. */
	run(nofile_unshare);
	for (i = 0; i <= 4; i++) {
		const struct outcome *o = &res->o[i];

		bool good = o->state_ok && (o->err == EMFILE || (!o->err && o->child_ok)) &&
			    (i < 4 || !o->err);

		tap_ok(good, "timens_unshare, %d fds free: %s%s%s", i,
		       o->err ? errno_name(o->err) : "success",
		       o->state_ok ? "" : ", but ", o->state_ok ? "" : o->why);
	}
	tap_ok(no_children(), "no scenario left anything behind");
	return tap_done();
}
