// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * CLONE_PIDFD with offsets: the pidfd lands in the caller's fd table, is
 * close-on-exec, refers to the child, and reports its exit.  CLONE_PARENT_SETTID
 * and CLONE_CHILD_SETTID write the right tids.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "child.h"

int main(int argc, char **argv)
{
	struct timens_offset off = { 7 * NSEC_PER_SEC, 9 * NSEC_PER_SEC + 1 };
	int pidfd = -1, *child_tid = shared_alloc(sizeof(int));
	pid_t parent_tid = 0;
	struct timens_clone_args a = {
		.flags = CLONE_NEWTIME | CLONE_PIDFD | CLONE_PARENT_SETTID | CLONE_CHILD_SETTID,
		.pidfd = to_u64(&pidfd),
		.parent_tid = to_u64(&parent_tid),
		.child_tid = to_u64(child_tid),
		.exit_signal = SIGCHLD,
		.timens_offset = to_u64(&off),
	};
	int fds_before, gate[2], flags;
	struct pollfd p;
	pid_t pid;
	char c;

	test_exec_hook(argc, argv);
	require_time_ns();
	require_root();

	tap_plan(9);
	if (pipe2(gate, O_CLOEXEC))
		tap_bail("pipe2");
	fds_before = count_fds();
	pid = timens_clone3(&a, sizeof(a));
	if (pid == 0) {
		close(gate[1]);
		if (read(gate[0], &c, 1) < 0)
			_exit(2);
		_exit(*child_tid == getpid() ? 0 : 3);
	}
	tap_ok(pid > 0, "timens_clone3 with CLONE_PIDFD: pid %d (%s) via %s", pid,
	       pid < 0 ? strerror(errno) : "ok", timens_path_name(timens_last_path()));
	tap_ok(pidfd >= 0 && count_fds() == fds_before + 1,
	       "pidfd %d is the one new fd in the caller's table", pidfd);
	flags = fcntl(pidfd, F_GETFD);
	tap_ok(flags >= 0 && (flags & FD_CLOEXEC), "pidfd is close-on-exec");
	tap_is(pidfd_pid(pidfd), pid, "pidfd's fdinfo names the child");
	tap_is(parent_tid, pid, "CLONE_PARENT_SETTID wrote the child's tid");
	p = (struct pollfd){ .fd = pidfd, .events = POLLIN };
	tap_ok(poll(&p, 1, 0) == 0, "pidfd not readable while the child lives");
	close(gate[1]);
	p.revents = 0;
	tap_ok(poll(&p, 1, 5000) == 1 && (p.revents & POLLIN), "pidfd readable once the child exits");
	{
		siginfo_t si;

		memset(&si, 0, sizeof(si));
		tap_ok(waitid(P_PIDFD, (id_t)pidfd, &si, WEXITED) == 0 && si.si_pid == pid &&
		       si.si_status == 0,
		       "waitid(P_PIDFD) reaps it; it saw CLONE_CHILD_SETTID (status %d)",
		       si.si_status);
	}
	close(pidfd);
	close(gate[0]);
	tap_is(count_fds(), fds_before - 2, "no fd left behind");
	return tap_done();
}
