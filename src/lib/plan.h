/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The plan of one timens_clone3() call, shared by clone3.c and the
 * assembly entry in clone3-x86_64.S.  The offsets below are the
 * assembly's view of the struct; clone3.c checks them at compile time.
 *
 * The plan lives in the calling thread's clone area (clone3.c), which a
 * forked child sees as zeroes: the child reads nothing of it, what it
 * needs travels in registers (LOAD_CHILD_STATE; docs/design.md,
 * "Copy-on-write" and "The assembly entry").
 */
#ifndef TIMENS_PLAN_H
#define TIMENS_PLAN_H

#define PLAN_RET		0	/* caller's return address */
#define PLAN_RSP		8	/* caller's stack pointer after return */
#define PLAN_RBX		16	/* caller's callee-saved registers */
#define PLAN_RBP		24
#define PLAN_R12		32
#define PLAN_R13		40
#define PLAN_R14		48
#define PLAN_R15		56
#define PLAN_KIND		64	/* PLAN_KIND_* */
#define PLAN_KSIZE		72	/* size of kargs for the kernel */
#define PLAN_CHILD_RESULT	80	/* written by the helper: pid or -errno */
#define PLAN_CHILD_RSP		88	/* the child's sp; 0: the kernel's (a stack was given) */
#define PLAN_OLDMASK		96	/* caller's signal mask (kernel sigset) */
#define PLAN_CHILD_CLOSE_FD	104	/* fd the child closes first, or -1 */
#define PLAN_KARGS		112	/* clone_args for the caller's child */
#define PLAN_HARGS		208	/* clone_args for the helper */
#define PLAN_STACK_TOP		304	/* top of the area's stack (16-aligned) */
#define PLAN_CHILD_SHARE	312	/* child path: its struct child_share, else 0 */

#define PLAN_KIND_CLONE		2	/* the caller's thread calls clone3 */
#define PLAN_KIND_HELPER	3	/* a vfork-style helper calls it */

/* prepare's answers that are not a plan. */
#define PREPARE_PASSTHROUGH	0	/* plain clone3 with the caller's args */
#define PREPARE_FAILED		1	/* errno is set; return -1 */

#endif
