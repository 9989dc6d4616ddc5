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

/*
 * The same calls without libc, for code that runs in a vfork-style
 * helper sharing the caller's memory and TLS: they return -errno and
 * never touch errno.
 */
static inline long raw_syscall6(long nr, long a, long b, long c, long d,
				long e, long f)
{
	long ret;
	register long r10 __asm__("r10") = d;
	register long r8 __asm__("r8") = e;
	register long r9 __asm__("r9") = f;

	__asm__ volatile("syscall"
			 : "=a"(ret)
			 : "0"(nr), "D"(a), "S"(b), "d"(c), "r"(r10), "r"(r8), "r"(r9)
			 : "rcx", "r11", "memory");
	return ret;
}

#define raw_syscall(nr, ...) raw_syscall_n(nr, __VA_ARGS__, 0, 0, 0, 0, 0, 0)
#define raw_syscall_n(nr, a, b, c, d, e, f, ...)			\
	raw_syscall6((nr), (long)(a), (long)(b), (long)(c), (long)(d),	\
		     (long)(e), (long)(f))

#endif
