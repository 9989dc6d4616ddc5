/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * x86-64: where the plan keeps the caller's registers (plan.h), the raw
 * system call (syscall.h), and clone(2)'s argument order.
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
#include <stdint.h>

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

/*
 * The end of the smallest user address space the kernel may have here
 * (TASK_SIZE_MAX with 4-level paging; 5-level has more).
 */
#define USER_ADDR_END_MIN	0x00007ffffffff000ULL

/*
 * clone(2)'s arguments as this architecture's kernel takes them (x86-64
 * has no CLONE_BACKWARDS*: flags, newsp, parent_tid, child_tid, tls),
 * for a struct clone_call (stubs.h).
 */
static inline void clone_legacy_args(uint64_t arg[5], uint64_t flags, uint64_t newsp,
				     uint64_t parent_tid, uint64_t child_tid, uint64_t tls)
{
	arg[0] = flags;
	arg[1] = newsp;
	arg[2] = parent_tid;
	arg[3] = child_tid;
	arg[4] = tls;
}
#endif

#endif
