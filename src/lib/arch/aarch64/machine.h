/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * arm64 (AAPCS64): where the plan keeps the caller's registers (plan.h),
 * the raw system call (syscall.h), and clone(2)'s argument order.
 */
#ifndef TIMENS_MACHINE_H
#define TIMENS_MACHINE_H

/*
 * The caller's state in the plan, from offset 0: return address (x30,
 * signed as the entry's paciasp left it) and stack pointer after the
 * return (PLAN_RET, PLAN_SP: plan.h), then the callee-saved registers:
 * x19-x28, the frame pointer x29, and d8-d15 (the low halves of v8-v15,
 * all AAPCS64 keeps).  Pairs for ldp/stp; 8 bytes of padding keep the
 * common part 16-aligned.
 */
#define PLAN_X19		16
#define PLAN_X21		32
#define PLAN_X23		48
#define PLAN_X25		64
#define PLAN_X27		80
#define PLAN_X29		96
#define PLAN_D8			104
#define PLAN_D10		120
#define PLAN_D12		136
#define PLAN_D14		152
#define PLAN_SAVED_SIZE		176

#ifndef __ASSEMBLER__
#include <stdint.h>
#include <sys/auxv.h>

/*
 * A system call without libc, for code that runs in a vfork-style
 * helper sharing the caller's memory and TLS: it returns -errno and
 * never touches errno.  svc #0, number in x8, arguments in x0-x5, the
 * result in x0; the kernel preserves every other register.
 */
static inline long raw_syscall6(long nr, long a, long b, long c, long d,
				long e, long f)
{
	register long x8 __asm__("x8") = nr;
	register long x0 __asm__("x0") = a;
	register long x1 __asm__("x1") = b;
	register long x2 __asm__("x2") = c;
	register long x3 __asm__("x3") = d;
	register long x4 __asm__("x4") = e;
	register long x5 __asm__("x5") = f;

	__asm__ volatile("svc #0"
			 : "+r"(x0)
			 : "r"(x8), "r"(x1), "r"(x2), "r"(x3), "r"(x4), "r"(x5)
			 : "memory");
	return x0;
}

/*
 * The end of the user address space, which clone3 checks a stack's range
 * against (access_ok: 1 << VA_BITS, anything from 36 to 52 bits on
 * arm64, so no constant serves).  The initial stack is at its top
 * (within a few GiB of it, for any rlimit and randomisation), so its
 * highest bit says: AT_RANDOM's bytes lie on it.  With 52-bit VAs that
 * stack is below 1 << 48, and so is this: a stack range above it (only
 * where the caller asked mmap for such addresses) is one we cannot tell
 * about (ENOSYS on the clone(2) fallback).
 */
static inline uint64_t user_addr_end(void)
{
	uint64_t at = (uint64_t)getauxval(AT_RANDOM);

	return at ? 1ULL << (64 - __builtin_clzll(at)) : 1ULL << 39;
}
#define USER_ADDR_END_MIN	user_addr_end()

/*
 * clone(2)'s arguments as arm64's kernel takes them (CLONE_BACKWARDS:
 * flags, newsp, parent_tid, tls, child_tid), for a struct clone_call
 * (stubs.h).
 */
static inline void clone_legacy_args(uint64_t arg[5], uint64_t flags, uint64_t newsp,
				     uint64_t parent_tid, uint64_t child_tid, uint64_t tls)
{
	arg[0] = flags;
	arg[1] = newsp;
	arg[2] = parent_tid;
	arg[3] = tls;
	arg[4] = child_tid;
}
#endif

#endif
