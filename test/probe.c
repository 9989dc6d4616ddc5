// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * timens_features() tells the truth about the running kernel: each bit
 * is checked against the behavior it names.  TIMENS_EXPECT_PATH=NAME (set
 * by the kernel harness) also requires that an offset call takes that
 * path.
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "child.h"

/* Does exec move a task into its time_for_children? Ask the kernel. */
static int exec_switches(void)
{
	int p[2], st;
	struct clock_sample s;
	uint64_t fresh = 0;
	pid_t pid;

	if (pipe(p))
		return -1;
	pid = fork();
	if (pid == 0) {
		char fd[16];
		char *argv[] = { (char *)self_exe(), "--sample-clocks", fd, NULL };

		if (unshare(CLONE_NEWTIME))
			_exit(1);
		fresh = ns_ino("/proc/self/ns/time_for_children");
		if (write(p[1], &fresh, sizeof(fresh)) != sizeof(fresh))
			_exit(1);
		snprintf(fd, sizeof(fd), "%d", p[1]);
		execv(self_exe(), argv);
		_exit(127);
	}
	close(p[1]);
	if (read(p[0], &fresh, sizeof(fresh)) != sizeof(fresh) ||
	    read(p[0], &s, sizeof(s)) != sizeof(s))
		s.time_ino = 0;
	close(p[0]);
	st = wait_status(pid);
	if (!WIFEXITED(st) || WEXITSTATUS(st))
		return -1;
	return s.time_ino == fresh;
}

int main(int argc, char **argv)
{
	unsigned int f;
	struct timens_clone_args a = { .flags = CLONE_NEWTIME, .exit_signal = SIGCHLD };
	struct timens_offset off = { NSEC_PER_SEC, NSEC_PER_SEC };
	const char *expect = getenv("TIMENS_EXPECT_PATH");
	long r;
	int sw;
	pid_t pid;

	test_exec_hook(argc, argv);
	f = timens_features();
	tap_plan(7);
	tap_diag("features %#x", f);
	tap_ok(!!(f & TIMENS_FEATURE_TIME_NS) == (access("/proc/self/ns/time", F_OK) == 0),
	       "TIME_NS matches /proc/self/ns/time");
	if (!(f & TIMENS_FEATURE_TIME_NS))
		tap_skip_all("no time namespaces");
	require_root();

	r = syscall(SYS_clone3, &a, 88);
	if (r == 0)
		_exit(0);
	if (r > 0)
		wait_status((pid_t)r);
	tap_ok(!!(f & TIMENS_FEATURE_CLONE3_NEWTIME) == (r > 0),
	       "CLONE3_NEWTIME matches what clone3(CLONE_NEWTIME) does (%s)",
	       r > 0 ? "accepted" : strerror(errno));

	a.timens_offset = to_u64(&off);
	r = syscall(SYS_clone3, &a, 96);
	if (r == 0)
		_exit(0);
	if (r > 0)
		wait_status((pid_t)r);
	tap_ok(!!(f & TIMENS_FEATURE_NATIVE_OFFSET) == (r > 0),
	       "NATIVE_OFFSET matches what a raw VER3 clone3 does (%s)",
	       r > 0 ? "accepted" : strerror(errno));

	sw = exec_switches();
	tap_ok(sw >= 0 && !!(f & TIMENS_FEATURE_EXEC_SWITCH) == sw,
	       "EXEC_SWITCH matches what exec does (%s)", sw < 0 ? "test failed" : sw ? "switches" : "stays");
	tap_ok(timens_features() == f, "the answer is stable");

	pid = timens_clone3(&a, sizeof(a));
	if (pid == 0)
		_exit(0);
	if (pid > 0)
		wait_status(pid);
	tap_ok(pid > 0, "an offset call succeeds via %s", timens_path_name(timens_last_path()));
	if (expect && *expect)
		tap_ok(!strcmp(expect, timens_path_name(timens_last_path())),
		       "TIMENS_EXPECT_PATH=%s is the path taken (%s)", expect,
		       timens_path_name(timens_last_path()));
	else
		tap_ok(timens_last_path() == ((f & TIMENS_FEATURE_NATIVE_OFFSET) ? TIMENS_PATH_NATIVE
										 : TIMENS_PATH_INPLACE),
		       "a single-threaded root caller takes %s",
		       timens_path_name(timens_last_path()));
	return tap_done();
}
