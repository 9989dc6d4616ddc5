/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * timens_clone3() entry, x86-64 (the contract every architecture
 * implements is in src/lib/stubs.h).
 *
 * Why assembly: a child made with CLONE_VM|CLONE_VFORK runs on the
 * caller's stack while the parent sleeps, and it returns from this call
 * and goes on to exec, overwriting every frame below the caller's.  So,
 * as vfork() does, the parent must need nothing from those frames once
 * the child has run.  The C side (timens__clone_prepare) decides, on the
 * caller's stack and with a small frame, whether the call is the
 * kernel's own; if not it returns a per-thread plan in the thread's
 * clone area (plan.h) with every signal blocked.  This stub stores the
 * caller's return address and callee-saved registers in the plan and
 * moves to the area's stack for the rest of the C work
 * (timens__clone_setup, timens__clone_finish), so that the library
 * writes no page of the caller's after a fork (docs/design.md,
 * "Copy-on-write").  The system call that makes the child, clone3 or
 * clone(2) where clone3 is refused, is C's choice: the plan carries its
 * number and arguments (PLAN_CALL, struct clone_call), which take rax,
 * rdi, rsi, rdx, r10 and r8, so r9, which neither call reads, keeps
 * pointing at the plan across it.  The child gets what it needs to come
 * back to the caller in registers the call leaves alone, loaded just
 * before it:
 *
 *   xmm1 return address       xmm2 stack pointer (0: the kernel's)
 *   xmm3 caller's signal mask xmm4 fd to close first, or -1
 *   xmm0 the child path's struct child_share, or 0
 *   rbx rbp r12-r15           the caller's
 *
 * (The kernel copies the parent's vector registers into the child.)
 * The caller's signal mask is restored by the last system call before
 * returning, when nothing of the plan is needed any more, so that a
 * signal handler calling timens_clone3() again cannot overwrite a plan
 * still in use.  The one exception is the child path's wait with the
 * caller's mask (.Lwait; docs/design.md, "The child path"), which keeps
 * what it needs in registers and marks its plan taken (PLAN_WAIT), so
 * that a handler's call takes another level's.
 */
#include "asm.h"
#include "plan.h"

/*
 * Everything the child needs, from the plan at r9, then the call
 * (PLAN_CALL).  With cfi=1 (in timens_clone3, where rbx pointed at the
 * plan) the unwind rules move from rbx to r9 as rbx becomes the
 * caller's again: a parent asleep in a CLONE_VFORK clone unwinds
 * through them.
 */
.macro LOAD_CHILD_STATE cfi=0
.if \cfi
	.cfi_remember_state
	/* CFA = *(r9 + PLAN_SP), pc = *(r9 + PLAN_RET), rbx = *(r9 + PLAN_RBX). */
	.cfi_escape 0x0f, 3, 0x79, PLAN_SP, 0x06
	.cfi_escape 0x10, 16, 2, 0x79, PLAN_RET
	.cfi_escape 0x10, 3, 2, 0x79, PLAN_RBX
.endif
	movq	PLAN_RET(%r9), %xmm1
	movq	PLAN_CHILD_SP(%r9), %xmm2
	movq	PLAN_OLDMASK(%r9), %xmm3
	movq	PLAN_CHILD_CLOSE_FD(%r9), %xmm4
	movq	PLAN_CHILD_SHARE(%r9), %xmm0
	LOAD_CALL PLAN_CALL, %r9
	movq	PLAN_RBX(%r9), %rbx
.if \cfi
	.cfi_same_value %rbx
.endif
	movq	PLAN_RBP(%r9), %rbp
	movq	PLAN_R12(%r9), %r12
	movq	PLAN_R13(%r9), %r13
	movq	PLAN_R14(%r9), %r14
	movq	PLAN_R15(%r9), %r15
.endm

/*
 * Back to the caller at return address \ra, with rsp at the caller's
 * stack pointer after the return: by a ret from the slot the caller's
 * call filled, so that a shadow stack (CET) stays balanced.  The slot is
 * written only when it no longer holds the address: after a fork every
 * page we write is a copy-on-write fault, and only a child sharing our
 * memory (CLONE_VM), or our own child code in its copy, changes it.
 */
.macro RETURN_TO ra, cfi=0
	cmpq	\ra, -8(%rsp)
	je	9f
	movq	\ra, -8(%rsp)
9:
	subq	$8, %rsp
.if \cfi
	.cfi_adjust_cfa_offset 8
	.cfi_offset %rip, -8
.endif
	ret
.endm

	.text

/* pid_t timens_clone3(struct timens_clone_args *args, size_t size) */
	.globl	timens_clone3
	.type	timens_clone3, @function
timens_clone3:
	.cfi_startproc
	endbr64
	/*
	 * A struct clone_call for prepare to fill for a pass-through, on
	 * our frame; 56 bytes keep the stack 16-aligned for the call.
	 */
	subq	$56, %rsp
	.cfi_adjust_cfa_offset 56
	movq	%rsp, %rdx
	call	timens__clone_prepare
	cmpq	$PREPARE_PASSTHROUGH, %rax
	je	.Lpassthrough
	cmpq	$PREPARE_FAILED, %rax
	je	.Lfailed
	addq	$56, %rsp
	.cfi_adjust_cfa_offset -56

	/* A plan: signals are blocked until the final rt_sigprocmask. */
	movq	(%rsp), %rcx
	movq	%rcx, PLAN_RET(%rax)
	leaq	8(%rsp), %rcx
	movq	%rcx, PLAN_SP(%rax)
	movq	%rbx, PLAN_RBX(%rax)
	movq	%rbp, PLAN_RBP(%rax)
	movq	%r12, PLAN_R12(%rax)
	movq	%r13, PLAN_R13(%rax)
	movq	%r14, PLAN_R14(%rax)
	movq	%r15, PLAN_R15(%rax)
	movq	%rax, %rbx
	/*
	 * For unwinders, until the return: the caller's sp, pc and rbx are
	 * in the plan, which rbx points to (CFA = *(rbx + PLAN_SP), pc =
	 * *(rbx + PLAN_RET), rbx = *(rbx + PLAN_RBX), as DWARF expressions).
	 * Then on the area's stack.
	 */
	.cfi_escape 0x0f, 3, 0x73, PLAN_SP, 0x06
	.cfi_escape 0x10, 16, 2, 0x73, PLAN_RET
	.cfi_escape 0x10, 3, 2, 0x73, PLAN_RBX
	movq	PLAN_STACK_TOP(%rbx), %rsp
	movq	%rbx, %rdi
	call	timens__clone_setup		/* 0, or -errno */
	testq	%rax, %rax
	jnz	.Lparent
	cmpq	$PLAN_KIND_HELPER, PLAN_KIND(%rbx)
	je	.Lhelper

	movq	%rbx, %r9
	LOAD_CHILD_STATE 1
	syscall
	testq	%rax, %rax
	jz	.Lchild
	movq	%r9, %rbx
	.cfi_restore_state
	jmp	.Lparent

.Lhelper:
	/*
	 * The helper runs on the area's stack: we are at its top with
	 * nothing on it, and we sleep until the helper exits (CLONE_VFORK).
	 * timens__clone_setup put the stack in its call (PLAN_HCALL); rbx
	 * keeps the plan, in the helper too.
	 */
	LOAD_CALL PLAN_HCALL, %rbx
	syscall
	testq	%rax, %rax
	jnz	.Lparent
	/* The helper; timens__helper_main never returns. */
	movq	%rbx, %rdi
	call	timens__helper_main
	ud2

.Lparent:
	/* rax: clone3's result or setup's -errno; finish makes it pid or -1. */
	movq	%rbx, %rdi
	movq	%rax, %rsi
	call	timens__clone_finish
.Lfinished:
	/*
	 * rax: the value to return; rbx: the plan.  xmm5/xmm6 (the caller
	 * keeps no vector register across a call) carry the child path's
	 * ack past the plan's last read, xmm7/xmm8 the share to wait on
	 * (PLAN_WAIT) and the plan.
	 */
	movq	%rax, %r8
	movq	PLAN_RET(%rbx), %r9
	movq	PLAN_ACK(%rbx), %xmm5
	movq	PLAN_ACK_SEQ(%rbx), %xmm6
	movq	PLAN_WAIT(%rbx), %xmm7
	movq	%rbx, %xmm8
	leaq	PLAN_OLDMASK(%rbx), %rsi
	movq	PLAN_RBP(%rbx), %rbp
	movq	PLAN_R12(%rbx), %r12
	movq	PLAN_R13(%rbx), %r13
	movq	PLAN_R14(%rbx), %r14
	movq	PLAN_R15(%rbx), %r15
	movq	PLAN_SP(%rbx), %rsp
	movq	PLAN_RBX(%rbx), %rbx
	.cfi_def_cfa %rsp, 0
	.cfi_register %rip, %r9
	.cfi_same_value %rbx
	movl	$SIG_SETMASK, %edi
	xorl	%edx, %edx
	movl	$8, %r10d
	movl	$SYS_rt_sigprocmask, %eax
	syscall
	/*
	 * Our mask is back: a waiting child-path child may go on.  The ack,
	 * a full fence, then its sleeping flag (it sets that, fenced, and
	 * looks at the ack again before it sleeps), and a wake-up if set.
	 */
	movq	%xmm5, %rcx
	testq	%rcx, %rcx
	jz	1f
	movq	%xmm6, %rdx
	movl	%edx, (%rcx)
	mfence
	cmpl	$0, 4(%rcx)
	je	1f
	movq	%rcx, %rdi
	movl	$1, %esi			/* FUTEX_WAKE */
	movl	$0x7fffffff, %edx
	movl	$SYS_futex, %eax
	syscall
1:
	movq	%xmm7, %rdi
	testq	%rdi, %rdi
	jnz	.Lwait
	movq	%r8, %rax
	.cfi_remember_state
	RETURN_TO %r9, 1
	.cfi_restore_state

.Lwait:
	/*
	 * The child path, where its child's exit must meet the caller's own
	 * mask (clone3.c, child_awaits_ack): we wait for its report here,
	 * mask back, on the caller's stack, in registers that a handler
	 * (and its calls, on another level's plan) gives back as they were:
	 * r8 the pid, r9 the return address, xmm7 the share, xmm8 the plan.
	 * The caller's callee-saved registers are theirs again already.
	 * Yield first, then sleep on the word, looking every 10 ms whether
	 * the child died before it could say (the kernel does not clear a
	 * word of a child with memory of its own).
	 */
	movl	$WAIT_YIELDS, %esi
2:
	movq	%xmm7, %rdi
	cmpl	$CHILD_PENDING, SHARE_STATE(%rdi)
	jne	.Lsaid
	decl	%esi
	jz	3f
	movl	$SYS_sched_yield, %eax
	syscall
	jmp	2b
3:
	movl	$1, SHARE_WAITING(%rdi)
	mfence
4:
	movq	%xmm7, %rdi
	cmpl	$CHILD_PENDING, SHARE_STATE(%rdi)
	jne	.Lsaid
	xorl	%esi, %esi			/* FUTEX_WAIT */
	movl	$CHILD_PENDING, %edx
	leaq	.Lnap(%rip), %r10
	movl	$SYS_futex, %eax
	syscall
	movq	%xmm7, %rdi
	cmpl	$CHILD_PENDING, SHARE_STATE(%rdi)
	jne	.Lsaid
	movq	%r8, %xmm9
	movq	%r8, %rsi
	leaq	SHARE_SI(%rdi), %rdx
	movl	$P_PID, %edi
	movl	$(WEXITED | WNOHANG | WNOWAIT | __WALL), %r10d
	xorl	%r8d, %r8d
	movl	$SYS_waitid, %eax
	syscall
	movq	%xmm9, %r8
	movq	%xmm7, %rdi
	cmpq	$-EINTR, %rax
	je	4b
	testq	%rax, %rax
	jnz	.Lsaid				/* reaped by a handler: dead */
	cmpl	%r8d, SHARE_SI+SI_PID(%rdi)
	jne	4b
.Lsaid:
	/* Ready, or dead without a word: the pid. */
	movl	SHARE_STATE(%rdi), %eax
	cmpb	$CHILD_FAILED, %al
	je	.Lwait_failed
	movq	%xmm8, %rdi
	movq	$0, PLAN_WAIT(%rdi)		/* the plan is free from here on */
	movq	%r8, %rax
	.cfi_remember_state
	RETURN_TO %r9, 1
	.cfi_restore_state

.Lwait_failed:
	/*
	 * It failed and waits, held, for us to reap it: every signal
	 * blocked again, back on the area's stack, finish again (it sees
	 * PLAN_WAIT set).  Only if the plan still waits on this share and
	 * the area is this thread's: a forked copy of us, made by a handler
	 * as we waited, finds zeroes there (or, where the area could not be
	 * marked wipe-on-fork, its parent's tid), or a plan a handler's
	 * call has made since; the child is not its own: just its errno.
	 * esi keeps the state.
	 */
	movl	%eax, %esi
	movl	$SYS_gettid, %eax
	syscall
	movq	%xmm8, %rdi
	movq	%xmm7, %rdx
	cmpq	%rdx, PLAN_WAIT(%rdi)
	jne	.Lwait_copy
	cmpl	%eax, AREA_TID(%rdi)
	jne	.Lwait_copy
	movl	$SIG_SETMASK, %edi
	leaq	.Lall(%rip), %rsi
	xorl	%edx, %edx
	movl	$8, %r10d
	movl	$SYS_rt_sigprocmask, %eax
	syscall
	movq	%xmm8, %rbx
	.cfi_escape 0x10, 3, 2, 0x73, PLAN_RBX
	movq	PLAN_STACK_TOP(%rbx), %rsp
	.cfi_escape 0x0f, 3, 0x73, PLAN_SP, 0x06
	.cfi_escape 0x10, 16, 2, 0x73, PLAN_RET
	movq	%rbx, %rdi
	movq	%r8, %rsi
	call	timens__clone_finish
	jmp	.Lfinished

.Lwait_copy:
	.cfi_def_cfa %rsp, 0
	.cfi_register %rip, %r9
	.cfi_same_value %rbx
	movl	%esi, %eax
	shrl	$8, %eax
	negl	%eax
	movq	%r9, -8(%rsp)
	subq	$8, %rsp
	.cfi_adjust_cfa_offset 8
	.cfi_offset %rip, -8
	jmp	.Lsyscall_error

.Lfailed:
	.cfi_def_cfa %rsp, 64
	.cfi_offset %rip, -8
	.cfi_same_value %rbx
	addq	$56, %rsp
	.cfi_adjust_cfa_offset -56
	movq	$-1, %rax
	ret

.Lpassthrough:
	/*
	 * The call prepare filled in, then, as vfork() does, the return
	 * address waits in a register (r9, which neither call reads), since
	 * a CLONE_VM child's calls overwrite its slot before we run again.
	 */
	.cfi_def_cfa %rsp, 64
	.cfi_offset %rip, -8
	.cfi_same_value %rbx
	LOAD_CALL 0, %rsp
	addq	$56, %rsp
	.cfi_adjust_cfa_offset -56
	popq	%r9
	.cfi_adjust_cfa_offset -8
	.cfi_register %rip, %r9
	syscall
	/* Only a CLONE_VM child can have changed the slot (see RETURN_TO). */
	cmpq	%r9, -8(%rsp)
	je	1f
	movq	%r9, -8(%rsp)
1:
	subq	$8, %rsp
	.cfi_adjust_cfa_offset 8
	.cfi_offset %rip, -8
	cmpq	$-4095, %rax
	jae	.Lsyscall_error
	ret

.Lsyscall_error:
	negl	%eax
	movl	%eax, %edi
	subq	$8, %rsp
	.cfi_adjust_cfa_offset 8
	call	timens__set_errno
	addq	$8, %rsp
	.cfi_adjust_cfa_offset -8
	movq	$-1, %rax
	ret
	.cfi_endproc
	.size	timens_clone3, .-timens_clone3

/*
 * The child, from the caller's call or from the helper's, with the
 * registers LOAD_CHILD_STATE loaded (rax 0).  It reads no memory of the
 * plan: in a child without CLONE_VM the clone area is zeroes.  Its state
 * first into the registers the rest uses: r8 return address, r9 stack
 * pointer, r10 signal mask, rdx fd to close.
 */
	.type	timens__clone_child, @function
timens__clone_child:
.Lchild:
	movq	%xmm1, %r8
	movq	%xmm2, %r9
	movq	%xmm3, %r10
	movq	%xmm4, %rdx
	testq	%r9, %r9
	jz	1f
	movq	%r9, %rsp
1:
	testq	%rdx, %rdx
	js	2f
	movq	%rdx, %rdi
	movl	$SYS_close, %eax
	syscall
2:
	/*
	 * The child path: make and enter the namespace first, in C on the
	 * stack we return on (below the caller's frame, or the child's own
	 * stack), keeping what the return needs.  It returns only on success.
	 */
	movq	%xmm0, %rdi
	testq	%rdi, %rdi
	jz	3f
	movq	%rsp, %rcx
	andq	$-16, %rsp
	pushq	%rcx
	pushq	%r8
	pushq	%r9
	pushq	%r10
	call	timens__child_ns
	popq	%r10
	popq	%r9
	popq	%r8
	popq	%rsp
3:
	pushq	%r10
	movq	%rsp, %rsi
	movl	$SIG_SETMASK, %edi
	xorl	%edx, %edx
	movl	$8, %r10d
	movl	$SYS_rt_sigprocmask, %eax
	syscall
	addq	$8, %rsp
	xorl	%eax, %eax
	/*
	 * On the caller's stack (a copy of it, or shared while the parent
	 * sleeps in vfork): back with a ret, as the raw system call's
	 * wrapper returns.  On a stack of its own, where the caller's frame
	 * is not, the child goes to the return address as the raw system
	 * call's child would find itself there, by a jump.
	 */
	testq	%r9, %r9
	jz	4f
	RETURN_TO %r8
4:
	jmp	*%r8
	.size	timens__clone_child, .-timens__clone_child

/*
 * void timens__helper_clone(struct plan *) - the helper's last act:
 * make the caller's child (PLAN_CALL), hand its pid (or -errno) to the
 * caller through the plan, exit.  After the call it touches no stack, so
 * a CLONE_VM child may overwrite the helper's.
 */
	.globl	timens__helper_clone
	.hidden	timens__helper_clone
	.type	timens__helper_clone, @function
timens__helper_clone:
	movq	%rdi, %r9
	LOAD_CHILD_STATE
	syscall
	testq	%rax, %rax
	jz	.Lchild
	movq	%rax, PLAN_CHILD_RESULT(%r9)
	movl	$SYS_exit, %eax
	xorl	%edi, %edi
	syscall
	ud2
	.size	timens__helper_clone, .-timens__helper_clone

	.section .rodata
	.p2align 3
.Lnap:	.quad	0, CHILD_NAP_NS
.Lall:	.quad	-1

	OBJECT_NOTES
