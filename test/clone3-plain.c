// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Without offsets timens_clone3() is the raw syscall: every published
 * size creates an ordinary child in the caller's namespaces, and
 * CLONE_NEWTIME alone does what the kernel does with it (Linux 6.3+: a
 * new namespace with the offsets of the caller's time_for_children;
 * older kernels: EINVAL).
 */
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "child.h"

static void plain(size_t size)
{
	struct timens_clone_args a = { .exit_signal = SIGCHLD };
	uint64_t *ino = shared_alloc(sizeof(*ino));
	pid_t pid = timens_clone3(&a, size);
	int st;

	if (pid == 0) {
		*ino = ns_ino("/proc/self/ns/time");
		_exit(5);
	}
	st = pid > 0 ? wait_status(pid) : -1;
	tap_ok(pid > 0 && WIFEXITED(st) && WEXITSTATUS(st) == 5 &&
	       *ino == ns_ino("/proc/self/ns/time") && timens_last_path() == TIMENS_PATH_KERNEL,
	       "size %zu, no offsets: ordinary child in our namespace, exit status passed (%s)",
	       size, pid < 0 ? strerror(errno) : "ok");
}

int main(int argc, char **argv)
{
	struct timens_clone_args a = { .flags = CLONE_NEWTIME, .exit_signal = SIGCHLD };
	uint64_t *ino;
	long raw;
	pid_t pid;
	int raw_errno, lib_errno;

	test_exec_hook(argc, argv);
	require_time_ns();
	require_root();

	tap_plan(6);
	plain(TIMENS_CLONE_ARGS_SIZE_VER0);
	plain(TIMENS_CLONE_ARGS_SIZE_VER1);
	plain(TIMENS_CLONE_ARGS_SIZE_VER2);
	plain(TIMENS_CLONE_ARGS_SIZE_VER3);

	ino = shared_alloc(sizeof(*ino));
	raw = syscall(SYS_clone3, &a, 88);
	if (raw == 0)
		_exit(0);
	raw_errno = raw < 0 ? errno : 0;
	if (raw > 0)
		wait_status((pid_t)raw);
	pid = timens_clone3(&a, 96);
	if (pid == 0) {
		*ino = ns_ino("/proc/self/ns/time");
		_exit(0);
	}
	lib_errno = pid < 0 ? errno : 0;
	if (pid > 0)
		wait_status(pid);
	tap_ok(lib_errno == raw_errno, "CLONE_NEWTIME without offsets: as the kernel (%s)",
	       lib_errno ? strerror(lib_errno) : "success");
	if (timens_features() & TIMENS_FEATURE_CLONE3_REFUSED)
		tap_ok(pid < 0 && lib_errno == ENOSYS,
		       "clone3 refused: CLONE_NEWTIME without offsets, which clone(2) cannot say: "
		       "ENOSYS");
	else if (timens_features() & TIMENS_FEATURE_CLONE3_NEWTIME)
		tap_ok(pid > 0 && *ino != ns_ino("/proc/self/ns/time"),
		       "CLONE_NEWTIME without offsets: the child has a new namespace");
	else
		tap_ok(pid < 0 && lib_errno == EINVAL, "kernel without clone3 CLONE_NEWTIME: EINVAL");
	return tap_done();
}
