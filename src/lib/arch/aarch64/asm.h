/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * What every arm64 .S file of the library shares: system call numbers
 * (the generic table), the branch-protection instructions, and the notes
 * each object ends with (OBJECT_NOTES).
 */
#ifndef TIMENS_ASM_H
#define TIMENS_ASM_H

#include "plan.h"

#define SYS_close		57
#define SYS_exit		93
#define SYS_rt_sigprocmask	135
#define SYS_futex		98
#define SYS_waitid		95
#define SYS_sched_yield		124
#define SYS_gettid		178
#define SYS_clone3		435
#define SIG_SETMASK		2

/*
 * Branch protection, as the compiler was asked for it for the C objects
 * (-mbranch-protection=standard defines both macros): BTI landing pads
 * at the entries and pointer authentication of the return address.  All
 * of them are in the hint space, so they are no-ops on a CPU without the
 * feature and need no -march.  The unwind information follows the
 * signing (DW_CFA_AARCH64_negate_ra_state): an unwinder told that an
 * address is signed authenticates or strips it, which would spoil an
 * address that is not, so RA_SIGNED/RA_PLAIN say it only when the
 * signing is really done.
 */
#if defined(__ARM_FEATURE_BTI_DEFAULT) && __ARM_FEATURE_BTI_DEFAULT
#define BTI_C		hint	34		/* bti c */
#define FEATURE_BTI	1
#else
#define BTI_C
#define FEATURE_BTI	0
#endif

#if defined(__ARM_FEATURE_PAC_DEFAULT) && (__ARM_FEATURE_PAC_DEFAULT & 1)
/* Key A (the default of pac-ret), modifier sp or x16. */
#define PACIASP		hint	25		/* paciasp: x30 signed with sp */
#define AUTIASP		hint	29		/* autiasp: x30 checked with sp */
#define AUTIA1716	hint	12		/* autia1716: x17 checked with x16 */
#define RA_STATE_TOGGLE	.cfi_negate_ra_state
#define FEATURE_PAC	2
#else
#define PACIASP
#define AUTIASP
#define AUTIA1716
#define RA_STATE_TOGGLE
#define FEATURE_PAC	0
#endif

/*
 * The call (struct clone_call, stubs.h) at [\base, #\off] into the
 * registers the kernel reads it from: the number in x8, the arguments in
 * x0-x4.  \base may be x0 (loaded last), not another of them.
 */
.macro LOAD_CALL base, off
	ldr	x8, [\base, #\off + CALL_NR]
	ldp	x2, x3, [\base, #\off + CALL_ARG2]
	ldr	x4, [\base, #\off + CALL_ARG4]
	ldp	x0, x1, [\base, #\off + CALL_ARG0]
.endm

/*
 * The GNU property note the compiler writes into C objects built with
 * -mbranch-protection (GNU_PROPERTY_AARCH64_FEATURE_1_AND: bit 0 BTI,
 * bit 1 PAC), without which the linker drops the marking of libtimens.so
 * and of every static program (and the kernel then maps them without
 * guarded pages).  BTI holds: each entry starts with bti c; the child's
 * way back to the caller's code is a ret, which BTI does not check.
 * Then the non-executable stack.
 */
.macro OBJECT_NOTES
#if FEATURE_BTI || FEATURE_PAC
	.pushsection .note.gnu.property, "a"
	.p2align 3
	.long	4			/* name size: "GNU" */
	.long	16			/* descriptor size */
	.long	5			/* NT_GNU_PROPERTY_TYPE_0 */
	.asciz	"GNU"
	.long	0xc0000000		/* GNU_PROPERTY_AARCH64_FEATURE_1_AND */
	.long	4			/* its data size */
	.long	(FEATURE_BTI | FEATURE_PAC)
	.p2align 3
	.popsection
#endif
	.pushsection .note.GNU-stack, "", %progbits
	.popsection
.endm

#endif
