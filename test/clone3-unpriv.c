// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * An unprivileged caller (uid nobody) gets its child into a new user
 * namespace and a time namespace with the offsets it asked for, through
 * CLONE_NEWUSER|CLONE_NEWTIME.  Without CLONE_NEWUSER it gets EPERM.
 * Its own namespaces stay as they were, and nothing is left to reap.
 */
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/prctl.h>
#include <sys/wait.h>

#include "child.h"

struct report {
	int uid_ok, call_errno, status, eperm_errno, left_alone, reaped, path;
	uint64_t caller_user, child_user, caller_time, child_time;
	struct clock_sample s;
	struct clock_window w;
};

static struct timens_offset off = { 10 * 86400 * NSEC_PER_SEC + 11, -(20 * NSEC_PER_SEC) - 3 };

static void as_nobody(struct report *r)
{
	struct timens_clone_args a = {
		.flags = CLONE_NEWUSER | CLONE_NEWTIME,
		.exit_signal = SIGCHLD,
		.timens_offset = to_u64(&off),
	};
	uint64_t tfc;
	pid_t pid;

	if (setresgid(65534, 65534, 65534) || setresuid(65534, 65534, 65534))
		_exit(1);
	/*
	 * Dropping root made us non-dumpable, which gives our /proc files
	 * to root; a user's ordinary process is dumpable.
	 */
	if (prctl(PR_SET_DUMPABLE, 1))
		_exit(1);
	r->uid_ok = geteuid() == 65534;
	r->caller_user = ns_ino("/proc/self/ns/user");
	r->caller_time = ns_ino("/proc/self/ns/time");
	tfc = ns_ino("/proc/self/ns/time_for_children");
	window_open(&r->w);
	pid = timens_clone3(&a, sizeof(a));
	if (pid == 0) {
		sample_clocks(&r->s);
		r->child_user = ns_ino("/proc/self/ns/user");
		r->child_time = ns_ino("/proc/self/ns/time");
		_exit(0);
	}
	r->path = timens_last_path();
	r->call_errno = pid < 0 ? errno : 0;
	if (pid > 0) {
		r->status = wait_status(pid);
		window_close(&r->w);
	}
	r->reaped = no_children();
	r->left_alone = ns_ino("/proc/self/ns/time") == r->caller_time &&
			ns_ino("/proc/self/ns/time_for_children") == tfc &&
			ns_ino("/proc/self/ns/user") == r->caller_user;
	a.flags = CLONE_NEWTIME;
	pid = timens_clone3(&a, sizeof(a));
	if (pid == 0)
		_exit(0);
	r->eperm_errno = pid < 0 ? errno : 0;
	if (pid > 0)
		wait_status(pid);
	_exit(0);
}

int main(int argc, char **argv)
{
	struct report *r;
	pid_t pid;
	int st;

	test_exec_hook(argc, argv);
	require_time_ns();
	require_root();		/* to become nobody */
	require_unpriv_userns();

	off.boottime_offset_ns = fit_negative(CLOCK_BOOTTIME, off.boottime_offset_ns);
	r = shared_alloc(sizeof(*r));
	pid = fork();
	if (pid == 0)
		as_nobody(r);
	st = wait_status(pid);
	tap_plan(9);
	tap_ok(WIFEXITED(st) && WEXITSTATUS(st) == 0 && r->uid_ok, "the caller runs as nobody");
	tap_ok(r->call_errno == 0, "CLONE_NEWUSER|CLONE_NEWTIME as nobody succeeds (%s) via %s",
	       r->call_errno ? strerror(r->call_errno) : "ok",
	       timens_path_name((enum timens_path)r->path));
	tap_ok(WIFEXITED(r->status) && WEXITSTATUS(r->status) == 0, "the child ran");
	tap_ok(r->child_user && r->child_user != r->caller_user, "the child is in a new user namespace");
	tap_ok(r->child_time && r->child_time != r->caller_time, "and in a new time namespace");
	check_sample(&r->s, &r->w, &off, "as nobody");
	tap_ok(r->left_alone, "the caller's user and time namespaces are unchanged");
	tap_ok(r->reaped, "no helper or zombie left in the caller");
	tap_ok(r->eperm_errno == EPERM, "without CLONE_NEWUSER: EPERM (got %s)",
	       r->eperm_errno ? strerror(r->eperm_errno) : "success");
	return tap_done();
}
