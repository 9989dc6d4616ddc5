// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * timens_enter(): join another process's time namespace.
 *
 * setns() on a pidfd (Linux 5.9) names the process itself, so a pid
 * reused between our lookup and the call cannot send us elsewhere; the
 * /proc/PID/ns/time link is the fallback for older kernels and for
 * thread ids, which pidfd_open() refuses.  Either way the kernel does
 * every check (EUSERS for a multi-threaded caller, EPERM without
 * CAP_SYS_ADMIN over the target's owner) and we pass its errno on.
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <unistd.h>

#include "internal.h"
#include "syscall.h"

/* setns(FD, CLONE_NEWTIME), then close FD, keeping setns's errno. */
static int setns_close(int fd)
{
	int r = setns(fd, CLONE_NEWTIME), err = errno;

	close(fd);
	errno = err;
	return r;
}

/* 0 joined, -1 failed (errno), 1 this route cannot say: try the next. */
static int enter_pidfd(pid_t pid)
{
	int fd;

	if (!(timens__probe()->features & TIMENS_FEATURE_SETNS_PIDFD))
		return 1;
	fd = sys_pidfd_open(pid, 0);	/* always close-on-exec */
	if (fd < 0) {
		/*
		 * ENOSYS: no pidfd_open.  PID names a thread that does not
		 * lead its group: EINVAL, or ENOENT on recent kernels.
		 */
		if (errno == ENOSYS || errno == EINVAL || errno == ENOENT)
			return 1;
		return -1;
	}
	if (setns_close(fd) == 0)
		return 0;
	/* A kernel without pidfd setns says EINVAL: let /proc answer. */
	return errno == EINVAL ? 1 : -1;
}

static int enter_proc(pid_t pid)
{
	char path[48];
	int fd;

	if (pid == 0)
		snprintf(path, sizeof(path), "/proc/thread-self/ns/time");
	else
		snprintf(path, sizeof(path), "/proc/%d/ns/time", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		if (errno == ENOENT)
			errno = timens__proc_missing_errno();
		return -1;
	}
	return setns_close(fd);
}

TIMENS_EXPORT int timens_enter(pid_t pid)
{
	int r;

	if (pid < 0) {
		errno = EINVAL;
		return -1;
	}
	if (pid > 0) {
		r = enter_pidfd(pid);
		if (r <= 0)
			return r;
	}
	return enter_proc(pid);
}
