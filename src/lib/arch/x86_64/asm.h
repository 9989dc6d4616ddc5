/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * What every x86-64 .S file of the library shares: system call numbers
 * and the notes each object ends with (OBJECT_NOTES).
 */
#ifndef TIMENS_ASM_H
#define TIMENS_ASM_H

#include "plan.h"

#define SYS_close		3
#define SYS_rt_sigprocmask	14
#define SYS_sched_yield		24
#define SYS_futex		202
#define SYS_gettid		186
#define SYS_waitid		247
#define SYS_exit		60
#define SYS_clone3		435
#define SIG_SETMASK		2

/*
 * The call (struct clone_call, stubs.h) at \off(\base) into the
 * registers the kernel reads it from: the number in rax, the arguments
 * in rdi, rsi, rdx, r10, r8.  \base may be rdi (loaded last), not
 * another of them.
 */
.macro LOAD_CALL off, base
	movq	\off+CALL_ARG1(\base), %rsi
	movq	\off+CALL_ARG2(\base), %rdx
	movq	\off+CALL_ARG3(\base), %r10
	movq	\off+CALL_ARG4(\base), %r8
	movq	\off+CALL_NR(\base), %rax
	movq	\off+CALL_ARG0(\base), %rdi
.endm

/*
 * The GNU property note the compiler writes into C objects built with
 * -fcf-protection (which defines __CET__: bit 0 IBT, bit 1 shadow stack),
 * without which the linker drops the marking of libtimens.so and of every
 * static program.  IBT holds: the one indirect entry, timens_clone3,
 * starts with endbr64, the other stubs are called directly, and the jumps
 * to the caller's return address land after a call to a returns_twice
 * function, where the compiler puts one.  Then the non-executable stack.
 */
.macro OBJECT_NOTES
#if defined(__CET__) && (__CET__ & 3)
	.pushsection .note.gnu.property, "a"
	.p2align 3
	.long	4			/* name size: "GNU" */
	.long	16			/* descriptor size */
	.long	5			/* NT_GNU_PROPERTY_TYPE_0 */
	.asciz	"GNU"
	.long	0xc0000002		/* GNU_PROPERTY_X86_FEATURE_1_AND */
	.long	4			/* its data size */
	.long	(__CET__ & 3)		/* IBT 1, SHSTK 2 */
	.p2align 3
	.popsection
#endif
	.pushsection .note.GNU-stack, "", @progbits
	.popsection
.endm

#endif
