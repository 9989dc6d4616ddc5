/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Raw system call wrappers, for calls libc does not wrap on every system
 * we build on.  Each returns what the kernel returns: -1 and errno.
 */
#ifndef TIMENS_SYSCALL_H
#define TIMENS_SYSCALL_H

#include <errno.h>
#include <unistd.h>
#include <sys/syscall.h>

#include "machine.h"

#ifndef __NR_clone3
#define __NR_clone3 435			/* Linux 5.3 */
#endif
#ifndef __NR_pidfd_open
#define __NR_pidfd_open 434		/* Linux 5.3 */
#endif

static inline int sys_pidfd_open(pid_t pid, unsigned int flags)
{
	return (int)syscall(__NR_pidfd_open, pid, flags);
}

static inline pid_t sys_gettid(void)
{
	return (pid_t)syscall(SYS_gettid);
}

/* raw_syscall6(): the same calls without libc (machine.h says when). */
#define raw_syscall(nr, ...) raw_syscall_n(nr, __VA_ARGS__, 0, 0, 0, 0, 0, 0)
#define raw_syscall_n(nr, a, b, c, d, e, f, ...)			\
	raw_syscall6((nr), (long)(a), (long)(b), (long)(c), (long)(d),	\
		     (long)(e), (long)(f))

#endif
