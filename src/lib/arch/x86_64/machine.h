/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * x86-64: where the plan keeps the caller's registers (plan.h), and the
 * raw system call (syscall.h).
 */
#ifndef TIMENS_MACHINE_H
#define TIMENS_MACHINE_H

/*
 * The caller's state in the plan, from offset 0: return address and
 * stack pointer after the return (PLAN_RET, PLAN_RSP: plan.h), then the
 * callee-saved registers.
 */
#define PLAN_RBX		16
#define PLAN_RBP		24
#define PLAN_R12		32
#define PLAN_R13		40
#define PLAN_R14		48
#define PLAN_R15		56
#define PLAN_SAVED_SIZE		64

#ifndef __ASSEMBLER__
/*
 * A system call without libc, for code that runs in a vfork-style
 * helper sharing the caller's memory and TLS: it returns -errno and
 * never touches errno.
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
#endif

#endif
