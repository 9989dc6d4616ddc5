// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * While timens_clone3() has the caller's time_for_children pointing at
 * the new namespace (the inplace path), no signal handler may run: a
 * handler that forks would put its child in the wrong namespace.  A fast
 * timer's handler forks during hundreds of calls; every one of its
 * children must be in the caller's namespace.  The children of the call
 * get the caller's signal mask back.
 */
#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/wait.h>

#include "child.h"

#define CALLS 300
#define MAXFORKS 4096

static uint64_t *seen;		/* shared: the ns of each handler child */
static atomic_int nforks;
static int handler_fails;

static void on_alarm(int sig)
{
	int i, saved = errno;
	long pid;

	(void)sig;
	i = atomic_fetch_add(&nforks, 1);
	if (i >= MAXFORKS) {
		errno = saved;
		return;
	}
	/* fork(2) as every architecture has it (arm64 has no SYS_fork). */
	pid = syscall(SYS_clone, SIGCHLD, 0, 0, 0, 0);
	if (pid == 0) {
		seen[i] = ns_ino("/proc/self/ns/time");
		syscall(SYS_exit, 0);
	}
	if (pid < 0)
		handler_fails++;
	errno = saved;
}

int main(int argc, char **argv)
{
	struct timens_offset off = { 1000 * NSEC_PER_SEC, 2000 * NSEC_PER_SEC };
	struct timens_clone_args a = {
		.flags = CLONE_NEWTIME,
		.exit_signal = SIGCHLD,
		.timens_offset = to_u64(&off),
	};
	struct itimerval it = { { 0, 200 }, { 0, 200 } };
	struct sigaction sa;
	uint64_t mine;
	volatile int wrong = 0, failed = 0;
	int i, n;
	pid_t pid;

	test_exec_hook(argc, argv);
	require_time_ns();
	require_root();

	seen = shared_alloc(sizeof(uint64_t) * MAXFORKS);
	mine = ns_ino("/proc/self/ns/time");
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_alarm;
	sa.sa_flags = SA_RESTART;
	sigaction(SIGALRM, &sa, NULL);
	setitimer(ITIMER_REAL, &it, NULL);
	for (i = 0; i < CALLS; i++) {
		pid = timens_clone3(&a, sizeof(a));
		if (pid == 0)
			_exit(0);
		if (pid < 0)
			failed++;
		else
			wait_status(pid);
	}
	memset(&it, 0, sizeof(it));
	setitimer(ITIMER_REAL, &it, NULL);
	while (waitpid(-1, NULL, 0) > 0 || errno == EINTR)
		;
	n = atomic_load(&nforks);
	if (n > MAXFORKS)
		n = MAXFORKS;
	for (i = 0; i < n; i++)
		if (seen[i] != mine)
			wrong++;
	tap_plan(4);
	tap_ok(failed == 0, "%d calls under a 200us timer: none failed (%d)", CALLS, failed);
	tap_ok(n >= 20 && handler_fails == 0, "the handler forked during the calls (%d times)", n);
	tap_ok(wrong == 0, "every handler child is in the caller's namespace (%d were not)", wrong);
	tap_ok(ns_ino("/proc/self/ns/time_for_children") == mine, "time_for_children is ours at the end");
	return tap_done();
}
