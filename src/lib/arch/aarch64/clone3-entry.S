/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * timens_clone3() entry, arm64 (the contract every architecture
 * implements is in src/lib/stubs.h; docs/design.md, "The assembly
 * entry", says why it is assembly, and the x86-64 stub is the same
 * design).  timens__clone_prepare decides, on the caller's stack, whether
 * the call is the kernel's own; else it returns the thread's plan with
 * every signal blocked.  This stub stores the caller's return address,
 * stack pointer and callee-saved registers there, runs the rest of the C
 * (timens__clone_setup, timens__clone_finish) on the clone area's stack,
 * and returns to the caller from the plan.  The system call that makes
 * the child, clone3 or clone(2) where clone3 is refused, is C's choice:
 * the plan carries its number and arguments (PLAN_CALL, struct
 * clone_call: x8 and x0-x4).  The kernel gives a child every register of
 * its parent but x0 (and sp, for a child with a stack of its own), so
 * what the child needs to come back to the caller travels in caller-saved
 * registers neither call reads, loaded just before it:
 *
 *   x9  return address        x10 stack pointer (0: the kernel's)
 *   x11 caller's signal mask  x12 fd to close first, or -1
 *   x13 the child path's struct child_share, or 0
 *   x19-x29, d8-d15           the caller's
 *   x14                       the plan, for the parent only
 *
 * The caller's signal mask is restored by the last system call before
 * returning, when nothing of the plan is needed any more, but for the
 * child path's wait with the caller's mask (.Lwait), which keeps what it
 * needs in registers and marks its plan taken (PLAN_WAIT).
 *
 * Pointer authentication (with -mbranch-protection=pac-ret): the entry
 * signs x30 with the caller's sp (paciasp), which is also the sp the
 * caller has after the return, and the plan keeps it signed.  It is
 * checked, with that same sp as modifier, before anyone returns with it:
 * on the pass-through path before the call, and on the emulated paths
 * by LOAD_CHILD_STATE (autia1716, x16 the caller's sp from the plan)
 * before the call and by the parent once its sp is the caller's again.
 * So the child never authenticates: it starts with a checked, plain
 * return address in a register, whatever its sp (a child with a stack of
 * its own has another one, and a check there would fail), and nothing
 * depends on keys a child might not share.  A signed address is never on
 * memory a child can overwrite before the parent reads it: the caller's
 * stack holds it only while prepare runs, before any clone.
 *
 * BTI: timens_clone3 starts with bti c (paciasp would be a landing pad
 * too, but only where pac-ret is on).  Every way back to the caller's
 * code is a ret, which BTI does not check.
 */
#include "asm.h"
#include "plan.h"

/* DWARF: DW_OP_breg<n> (0x70 + n), DW_CFA_def_cfa_expression, DW_CFA_expression. */
#define BREG(n)		(0x70 + (n))
#define DEF_CFA_EXPR	0x0f
#define REG_EXPR	0x10
#define DEREF		0x06

/*
 * Unwind rules while register \r points at the plan: the caller's sp
 * (the CFA) is at PLAN_SP, its return address at PLAN_RET, its x19 at
 * PLAN_X19 (all the other callee-saved registers are the caller's: no
 * code here changes them, C preserves them).
 */
.macro CFI_PLAN r
	.cfi_escape DEF_CFA_EXPR, 3, BREG(\r), PLAN_SP, DEREF
	.cfi_escape REG_EXPR, 30, 2, BREG(\r), PLAN_RET
	.cfi_escape REG_EXPR, 19, 2, BREG(\r), PLAN_X19
.endm

/*
 * Everything the child needs, from the plan at x14, then the call
 * (PLAN_CALL: x8, x0-x4).  x14 keeps the plan across the system call.
 * With cfi=1 (in timens_clone3, where x19 pointed at the plan) the
 * unwind rules move from x19 to x14 as x19 becomes the caller's again.
 */
.macro LOAD_CHILD_STATE cfi=0
	ldr	x17, [x14, #PLAN_RET]
	ldr	x16, [x14, #PLAN_SP]
	AUTIA1716
	mov	x9, x17
	ldr	x10, [x14, #PLAN_CHILD_SP]
	ldr	x11, [x14, #PLAN_OLDMASK]
	ldr	x12, [x14, #PLAN_CHILD_CLOSE_FD]
	ldr	x13, [x14, #PLAN_CHILD_SHARE]
	LOAD_CALL x14, PLAN_CALL
.if \cfi
	.cfi_remember_state
	CFI_PLAN 14
.endif
	ldp	x19, x20, [x14, #PLAN_X19]
.if \cfi
	.cfi_same_value x19
.endif
	ldp	x21, x22, [x14, #PLAN_X21]
	ldp	x23, x24, [x14, #PLAN_X23]
	ldp	x25, x26, [x14, #PLAN_X25]
	ldp	x27, x28, [x14, #PLAN_X27]
	ldr	x29, [x14, #PLAN_X29]
	ldp	d8, d9, [x14, #PLAN_D8]
	ldp	d10, d11, [x14, #PLAN_D10]
	ldp	d12, d13, [x14, #PLAN_D12]
	ldp	d14, d15, [x14, #PLAN_D14]
.endm

/*
 * The emulated paths' return to the caller with the value in x9, sp the
 * caller's and x30 signed; the code after it goes on with x30 signed.
 */
.macro RETURN_PID
	mov	x0, x9
	.cfi_remember_state
	AUTIASP
	RA_STATE_TOGGLE				/* plain */
	ret
	.cfi_restore_state
.endm

	.text

/* pid_t timens_clone3(struct timens_clone_args *args, size_t size) */
	.globl	timens_clone3
	.type	timens_clone3, %function
	.p2align 2
timens_clone3:
	.cfi_startproc
	BTI_C
	PACIASP
	RA_STATE_TOGGLE				/* signed */
	/* A frame record and a struct clone_call for prepare to fill for a pass-through. */
	stp	x29, x30, [sp, #-(16 + CALL_SIZE)]!
	.cfi_def_cfa_offset 16 + CALL_SIZE
	.cfi_offset x29, -(16 + CALL_SIZE)
	.cfi_offset x30, -(8 + CALL_SIZE)
	mov	x29, sp
	add	x2, sp, #16
	bl	timens__clone_prepare
	cmp	x0, #PREPARE_FAILED
	b.hi	.Lplan_pop
	b.eq	.Lfailed_pop

	/*
	 * Pass-through: the call prepare filled in.  As vfork() does, the
	 * return address waits in a register (x30 here, where the kernel
	 * keeps it for the child too), checked already: a child with a stack
	 * of its own could not check it.
	 */
	LOAD_CALL sp, 16
	ldp	x29, x30, [sp], #(16 + CALL_SIZE)
	.cfi_def_cfa_offset 0
	.cfi_restore x29
	.cfi_restore x30
	AUTIASP					/* sp is the signing sp again */
	RA_STATE_TOGGLE				/* plain */
	svc	#0
	cmn	x0, #4095
	b.hs	.Lsyscall_error
	ret

.Lsyscall_error:
	PACIASP
	RA_STATE_TOGGLE				/* signed */
	stp	x29, x30, [sp, #-16]!
	.cfi_def_cfa_offset 16
	.cfi_offset x29, -16
	.cfi_offset x30, -8
	mov	x29, sp
	neg	w0, w0
	bl	timens__set_errno
	ldp	x29, x30, [sp], #16
	.cfi_def_cfa_offset 0
	.cfi_restore x29
	.cfi_restore x30
	AUTIASP
	RA_STATE_TOGGLE				/* plain */
.Lfailed:
	mov	x0, #-1
	ret

/* From prepare, with our frame still there and x30 signed. */
.macro POP_FRAME
	.cfi_def_cfa_offset 16 + CALL_SIZE
	.cfi_offset x29, -(16 + CALL_SIZE)
	.cfi_offset x30, -(8 + CALL_SIZE)
	RA_STATE_TOGGLE				/* signed */
	ldp	x29, x30, [sp], #(16 + CALL_SIZE)
	.cfi_def_cfa_offset 0
	.cfi_restore x29
	.cfi_restore x30
.endm

.Lfailed_pop:
	POP_FRAME
	AUTIASP
	RA_STATE_TOGGLE				/* plain */
	b	.Lfailed

.Lplan_pop:
	POP_FRAME
	mov	x2, x0
	/* A plan (x2): signals are blocked until the final rt_sigprocmask. */
	mov	x16, sp
	stp	x30, x16, [x2, #PLAN_RET]
	stp	x19, x20, [x2, #PLAN_X19]
	stp	x21, x22, [x2, #PLAN_X21]
	stp	x23, x24, [x2, #PLAN_X23]
	stp	x25, x26, [x2, #PLAN_X25]
	stp	x27, x28, [x2, #PLAN_X27]
	str	x29, [x2, #PLAN_X29]
	stp	d8, d9, [x2, #PLAN_D8]
	stp	d10, d11, [x2, #PLAN_D10]
	stp	d12, d13, [x2, #PLAN_D12]
	stp	d14, d15, [x2, #PLAN_D14]
	mov	x19, x2
	/* For unwinders, until the return: the caller's frame is in the plan. */
	CFI_PLAN 19
	ldr	x16, [x19, #PLAN_STACK_TOP]
	mov	sp, x16
	mov	x0, x19
	bl	timens__clone_setup		/* 0, or -errno */
	cbnz	x0, .Lparent
	ldr	x16, [x19, #PLAN_KIND]
	cmp	x16, #PLAN_KIND_HELPER
	b.eq	.Lhelper

	mov	x14, x19
	LOAD_CHILD_STATE 1
	svc	#0
	cbz	x0, .Lchild
	mov	x19, x14
	.cfi_restore_state
	b	.Lparent

.Lhelper:
	/*
	 * The helper runs on the area's stack: we are at its top with
	 * nothing on it, and we sleep until the helper exits (CLONE_VFORK).
	 * timens__clone_setup put the stack in its call (PLAN_HCALL).  The
	 * helper starts with our registers, x19 the plan.
	 */
	LOAD_CALL x19, PLAN_HCALL
	svc	#0
	cbnz	x0, .Lparent
	/* The helper; timens__helper_main never returns. */
	mov	x0, x19
	bl	timens__helper_main
	brk	#0

.Lparent:
	/* x0: the call's result or setup's -errno; finish makes it pid or -1. */
	mov	x1, x0
	mov	x0, x19
	bl	timens__clone_finish
.Lfinished:
	/*
	 * x0: the value to return; x19: the plan.  d8-d15 are the caller's
	 * still: only C ran here, which keeps them.
	 */
	mov	x9, x0
	add	x1, x19, #PLAN_OLDMASK
	/*
	 * The child path's ack, for after the mask, and the share to wait
	 * on (PLAN_WAIT) with the plan (x10-x13: system calls keep them).
	 */
	ldr	x10, [x19, #PLAN_ACK]
	ldr	x11, [x19, #PLAN_ACK_SEQ]
	ldr	x12, [x19, #PLAN_WAIT]
	mov	x13, x19
	ldr	x30, [x19, #PLAN_RET]
	ldp	x20, x21, [x19, #PLAN_X19 + 8]
	ldp	x22, x23, [x19, #PLAN_X21 + 8]
	ldp	x24, x25, [x19, #PLAN_X23 + 8]
	ldp	x26, x27, [x19, #PLAN_X25 + 8]
	ldp	x28, x29, [x19, #PLAN_X27 + 8]
	ldr	x16, [x19, #PLAN_SP]
	mov	sp, x16
	ldr	x19, [x19, #PLAN_X19]
	.cfi_def_cfa sp, 0
	.cfi_same_value x30			/* still signed */
	.cfi_same_value x19
	mov	x0, #SIG_SETMASK
	mov	x2, #0
	mov	x3, #8
	mov	x8, #SYS_rt_sigprocmask
	svc	#0
	/*
	 * Our mask is back: a waiting child-path child may go on.  The ack,
	 * a full barrier, then its sleeping flag (it sets that, fenced, and
	 * looks at the ack again before it sleeps), and a wake-up if set.
	 */
	cbz	x10, 1f
	stlr	w11, [x10]
	dmb	ish
	ldr	w15, [x10, #4]
	cbz	w15, 1f
	mov	x0, x10
	mov	x1, #1				/* FUTEX_WAKE */
	mov	x2, #0x7fffffff
	mov	x8, #SYS_futex
	svc	#0
1:
	cbnz	x12, .Lwait
	RETURN_PID

.Lwait:
	/*
	 * The child path, where its child's exit must meet the caller's own
	 * mask (clone3.c, child_awaits_ack): we wait for its report here,
	 * mask back, on the caller's stack, in registers that a handler
	 * (and its calls, on another level's plan) gives back as they were:
	 * x9 the pid, x12 the share, x13 the plan, x30 the return address
	 * (signed).  The caller's callee-saved registers are theirs again
	 * already.  Yield first, then sleep on the word, looking every 10 ms
	 * whether the child died before it could say (the kernel does not
	 * clear a word of a child with memory of its own).
	 */
	mov	w14, #WAIT_YIELDS
2:
	ldar	w15, [x12]
	cmp	w15, #CHILD_PENDING
	b.ne	.Lsaid
	subs	w14, w14, #1
	b.eq	3f
	mov	x8, #SYS_sched_yield
	svc	#0
	b	2b
3:
	mov	w15, #1
	str	w15, [x12, #SHARE_WAITING]
	dmb	ish
4:
	ldar	w15, [x12]
	cmp	w15, #CHILD_PENDING
	b.ne	.Lsaid
	mov	x0, x12
	mov	x1, #0				/* FUTEX_WAIT */
	mov	x2, #CHILD_PENDING
	adrp	x3, .Lnap
	add	x3, x3, :lo12:.Lnap
	mov	x8, #SYS_futex
	svc	#0
	ldar	w15, [x12]
	cmp	w15, #CHILD_PENDING
	b.ne	.Lsaid
	mov	x0, #P_PID
	mov	x1, x9
	add	x2, x12, #SHARE_SI
	mov	x3, #(WEXITED | WNOHANG)
	movk	x3, #((WNOWAIT | __WALL) >> 16), lsl #16
	mov	x4, #0
	mov	x8, #SYS_waitid
	svc	#0
	cmn	x0, #EINTR
	b.eq	4b
	cbnz	x0, .Lsaid			/* reaped by a handler: dead */
	ldr	w15, [x12, #SHARE_SI + SI_PID]
	cmp	w15, w9
	b.ne	4b
.Lsaid:
	/* Ready, or dead without a word: the pid.  w17 keeps the state. */
	ldr	w17, [x12]
	and	w15, w17, #0xff
	cmp	w15, #CHILD_FAILED
	b.eq	.Lwait_failed
	str	xzr, [x13, #PLAN_WAIT]		/* the plan is free from here on */
	RETURN_PID

.Lwait_failed:
	/*
	 * It failed and waits, held, for us to reap it: every signal
	 * blocked again, back on the area's stack, finish again (it sees
	 * PLAN_WAIT set).  Only if the plan still waits on this share and
	 * the area is this thread's: a forked copy of us, made by a handler
	 * as we waited, finds zeroes there (or, where the area could not be
	 * marked wipe-on-fork, its parent's tid), or a plan a handler's
	 * call has made since; the child is not its own: just its errno.
	 */
	mov	x8, #SYS_gettid
	svc	#0
	ldr	x16, [x13, #PLAN_WAIT]
	cmp	x16, x12
	b.ne	.Lwait_copy
	ldr	w16, [x13, #AREA_TID]
	cmp	w16, w0
	b.ne	.Lwait_copy
	ldr	x16, [x13, #PLAN_STACK_TOP]
	mov	x0, #SIG_SETMASK
	adrp	x1, .Lall
	add	x1, x1, :lo12:.Lall
	mov	x2, #0
	mov	x3, #8
	mov	x8, #SYS_rt_sigprocmask
	svc	#0
	mov	x19, x13
	.cfi_escape REG_EXPR, 19, 2, BREG(19), PLAN_X19
	mov	sp, x16
	CFI_PLAN 19
	mov	x0, x19
	mov	x1, x9
	bl	timens__clone_finish
	b	.Lfinished

.Lwait_copy:
	.cfi_def_cfa sp, 0
	.cfi_same_value x30			/* still signed */
	.cfi_same_value x19
	lsr	w0, w17, #8
	neg	w0, w0
	AUTIASP
	RA_STATE_TOGGLE				/* plain */
	b	.Lsyscall_error
	.cfi_endproc
	.size	timens_clone3, .-timens_clone3

/*
 * The child, from the caller's call or from the helper's, with the
 * registers LOAD_CHILD_STATE loaded (x0 0).  It reads no memory of the
 * plan: in a child without CLONE_VM the clone area is zeroes.  For
 * unwinders it is at the caller's return address (x9), the CFA being its
 * sp once it has the caller's (or its own stack's).
 */
	.type	timens__clone_child, %function
	.p2align 2
timens__clone_child:
	.cfi_startproc
	.cfi_register x30, x9
.Lchild:
	cbz	x10, 1f
	mov	sp, x10
1:
	tbnz	x12, #63, 2f
	mov	x0, x12
	mov	x8, #SYS_close
	svc	#0
2:
	/*
	 * A frame on the stack we return on (below the caller's frame, or
	 * on the child's own stack, which need not be 16-aligned): the
	 * return address, the mask for rt_sigprocmask to read, the sp to
	 * return with.
	 */
	mov	x15, sp
	and	x16, x15, #-16
	sub	sp, x16, #32
	stp	x9, x11, [sp]
	str	x15, [sp, #16]
	/* CFA = *(sp + 16), return address at sp + 0. */
	.cfi_escape DEF_CFA_EXPR, 3, BREG(31), 16, DEREF
	.cfi_escape REG_EXPR, 30, 2, BREG(31), 0
	/*
	 * The child path: make and enter the namespace first, in C, keeping
	 * what the return needs (the frame, and x19-x29 and d8-d15, which
	 * C keeps).  It returns only on success.
	 */
	cbz	x13, 3f
	mov	x0, x13
	bl	timens__child_ns
	ldp	x9, x11, [sp]
	ldr	x15, [sp, #16]
3:
	mov	x0, #SIG_SETMASK
	add	x1, sp, #8
	mov	x2, #0
	mov	x3, #8
	mov	x8, #SYS_rt_sigprocmask
	svc	#0
	mov	sp, x15
	.cfi_def_cfa sp, 0
	.cfi_register x30, x9
	mov	x0, #0
	/* A ret, not a br: BTI checks no landing pad at a return address. */
	ret	x9
	.cfi_endproc
	.size	timens__clone_child, .-timens__clone_child

/*
 * void timens__helper_clone(struct plan *) - the helper's last act:
 * make the caller's child (PLAN_CALL), hand its pid (or -errno) to the
 * caller through the plan, exit.  After the call it touches no stack, so
 * a CLONE_VM child may overwrite the helper's.
 */
	.globl	timens__helper_clone
	.hidden	timens__helper_clone
	.type	timens__helper_clone, %function
	.p2align 2
timens__helper_clone:
	.cfi_startproc
	BTI_C
	mov	x14, x0
	LOAD_CHILD_STATE
	svc	#0
	cbz	x0, .Lchild
	str	x0, [x14, #PLAN_CHILD_RESULT]
	mov	x0, #0
	mov	x8, #SYS_exit
	svc	#0
	brk	#0
	.cfi_endproc
	.size	timens__helper_clone, .-timens__helper_clone

	.section .rodata
	.p2align 3
.Lnap:	.quad	0, CHILD_NAP_NS
.Lall:	.quad	-1

	OBJECT_NOTES
