/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * timens_clone3() entry, x86-64.
 *
 * Why assembly: a child made with CLONE_VM|CLONE_VFORK runs on the
 * caller's stack while the parent sleeps, and it returns from this call
 * and goes on to exec, overwriting every frame below the caller's.  So,
 * as vfork() does, the parent must need nothing from those frames once
 * the child has run.  The C side (timens__clone_prepare) does all the
 * work that comes before the clone and returns a per-thread plan; this
 * stub stores the caller's return address and callee-saved registers in
 * the plan, makes the clone with the stack pointer exactly where the
 * caller left it, and both parent and child come back to the caller from
 * the plan alone.  The caller's signal mask, blocked by the C side for
 * the whole call, is restored by the last system call before returning,
 * when nothing of the plan is needed any more, so that a signal handler
 * calling timens_clone3() again cannot overwrite a plan still in use.
 */
#include "plan.h"

#define SYS_close		3
#define SYS_rt_sigprocmask	14
#define SYS_exit		60
#define SYS_clone3		435
#define SIG_SETMASK		2

	.text

/* pid_t timens_clone3(struct timens_clone_args *args, size_t size) */
	.globl	timens_clone3
	.type	timens_clone3, @function
timens_clone3:
	.cfi_startproc
	endbr64
	subq	$8, %rsp
	.cfi_adjust_cfa_offset 8
	pushq	%rdi
	.cfi_adjust_cfa_offset 8
	pushq	%rsi
	.cfi_adjust_cfa_offset 8
	call	timens__clone_prepare
	popq	%rsi
	.cfi_adjust_cfa_offset -8
	popq	%rdi
	.cfi_adjust_cfa_offset -8
	addq	$8, %rsp
	.cfi_adjust_cfa_offset -8
	cmpq	$PREPARE_PASSTHROUGH, %rax
	je	.Lpassthrough
	cmpq	$PREPARE_FAILED, %rax
	je	.Lfailed

	/* A plan: signals are blocked until the final rt_sigprocmask. */
	movq	(%rsp), %rcx
	movq	%rcx, PLAN_RET(%rax)
	leaq	8(%rsp), %rcx
	movq	%rcx, PLAN_RSP(%rax)
	movq	%rbx, PLAN_RBX(%rax)
	movq	%rbp, PLAN_RBP(%rax)
	movq	%r12, PLAN_R12(%rax)
	movq	%r13, PLAN_R13(%rax)
	movq	%r14, PLAN_R14(%rax)
	movq	%r15, PLAN_R15(%rax)
	movq	%rax, %rbx

	cmpq	$PLAN_KIND_HELPER, PLAN_KIND(%rbx)
	je	.Lhelper

	leaq	PLAN_KARGS(%rbx), %rdi
	movq	PLAN_KSIZE(%rbx), %rsi
	movl	$SYS_clone3, %eax
	syscall
	testq	%rax, %rax
	jz	.Lchild
	jmp	.Lparent

.Lhelper:
	/*
	 * The helper's stack: below ours, with a gap.  We sleep until it
	 * exits (CLONE_VFORK), and it needs no stack after its last clone3.
	 */
	movq	%rsp, %rcx
	subq	$HELPER_STACK_GAP, %rcx
	andq	$-16, %rcx
	subq	$HELPER_STACK_SIZE, %rcx
	movq	%rcx, PLAN_HARGS+40(%rbx)		/* .stack */
	movq	$HELPER_STACK_SIZE, PLAN_HARGS+48(%rbx)	/* .stack_size */
	leaq	PLAN_HARGS(%rbx), %rdi
	movq	$88, %rsi
	movl	$SYS_clone3, %eax
	syscall
	testq	%rax, %rax
	jnz	.Lparent
	/* The helper, on its own stack; timens__helper_main never returns. */
	movq	%rbx, %rdi
	call	timens__helper_main
	ud2

.Lparent:
	/* rax: what clone3 returned; finish turns it into pid or -1/errno. */
	movq	%rbx, %rdi
	movq	%rax, %rsi
	subq	$8, %rsp
	call	timens__clone_finish
	movq	PLAN_RSP(%rbx), %rsp
	jmp	.Lreturn

.Lpassthrough:
	/*
	 * As vfork() does: the return address waits in a register, since
	 * a CLONE_VM child's calls overwrite its slot before we run again.
	 */
	popq	%r8
	.cfi_adjust_cfa_offset -8
	movl	$SYS_clone3, %eax
	syscall
	pushq	%r8
	.cfi_adjust_cfa_offset 8
	cmpq	$-4095, %rax
	jae	.Lsyscall_error
	ret

.Lsyscall_error:
	negl	%eax
	movl	%eax, %edi
	subq	$8, %rsp
	call	timens__set_errno
	addq	$8, %rsp
.Lfailed:
	movq	$-1, %rax
	ret
	.cfi_endproc
	.size	timens_clone3, .-timens_clone3

/*
 * The child, from the caller's clone3 or from the helper's: rbx holds
 * the plan (a copy of it, or the shared one with CLONE_VM, read only
 * here).  No C code runs in the child before it is back in the caller.
 */
	.type	timens__clone_child, @function
timens__clone_child:
.Lchild:
	movq	PLAN_CHILD_CLOSE_FD(%rbx), %rdi
	testq	%rdi, %rdi
	js	1f
	movl	$SYS_close, %eax
	syscall
1:
	cmpq	$0, PLAN_USER_STACK(%rbx)
	jne	2f
	movq	PLAN_RSP(%rbx), %rsp
	jmp	3f
2:
	/* The caller gave a stack: the child starts on it, as with clone3. */
3:
	xorl	%eax, %eax

/* rax: the value to return; rbx: the plan; rsp: the caller's. */
.Lreturn:
	movq	%rax, %r8
	movq	PLAN_RET(%rbx), %r9
	leaq	PLAN_OLDMASK(%rbx), %rsi
	movq	PLAN_RBP(%rbx), %rbp
	movq	PLAN_R12(%rbx), %r12
	movq	PLAN_R13(%rbx), %r13
	movq	PLAN_R14(%rbx), %r14
	movq	PLAN_R15(%rbx), %r15
	movq	PLAN_RBX(%rbx), %rbx
	movl	$SIG_SETMASK, %edi
	xorl	%edx, %edx
	movl	$8, %r10d
	movl	$SYS_rt_sigprocmask, %eax
	syscall
	movq	%r8, %rax
	jmp	*%r9
	.size	timens__clone_child, .-timens__clone_child

/*
 * void timens__helper_clone(struct plan *) - the helper's last act:
 * clone3 the caller's child, hand its pid (or -errno) to the caller
 * through the plan, exit.  After the clone3 it touches no stack, so a
 * CLONE_VM child may overwrite the helper's.
 */
	.globl	timens__helper_clone
	.hidden	timens__helper_clone
	.type	timens__helper_clone, @function
timens__helper_clone:
	movq	%rdi, %rbx
	leaq	PLAN_KARGS(%rbx), %rdi
	movq	PLAN_KSIZE(%rbx), %rsi
	movl	$SYS_clone3, %eax
	syscall
	testq	%rax, %rax
	jz	.Lchild
	movq	%rax, PLAN_CHILD_RESULT(%rbx)
	movl	$SYS_exit, %eax
	xorl	%edi, %edi
	syscall
	ud2
	.size	timens__helper_clone, .-timens__helper_clone

/*
 * long timens__probe_clone3(void *args, size_t size) - clone3 for the
 * feature probe: returns the raw result; a child, should one ever be
 * made, exits at once.
 */
	.globl	timens__probe_clone3
	.hidden	timens__probe_clone3
	.type	timens__probe_clone3, @function
timens__probe_clone3:
	movl	$SYS_clone3, %eax
	syscall
	testq	%rax, %rax
	jz	1f
	ret
1:
	movl	$SYS_exit, %eax
	xorl	%edi, %edi
	syscall
	ud2
	.size	timens__probe_clone3, .-timens__probe_clone3


/*
 * long timens__clone3_run(void *args, size_t size, void (*fn)(void *),
 *			   void *arg) - clone3 whose child runs FN(ARG) on
 * the stack given in ARGS and exits 127 should FN return.  The parent
 * gets what clone3 returned (pid or -errno).
 */
	.globl	timens__clone3_run
	.hidden	timens__clone3_run
	.type	timens__clone3_run, @function
timens__clone3_run:
	movq	%rdx, %r8
	movq	%rcx, %r9
	movl	$SYS_clone3, %eax
	syscall
	testq	%rax, %rax
	jz	1f
	ret
1:
	xorl	%ebp, %ebp
	andq	$-16, %rsp
	movq	%r9, %rdi
	call	*%r8
	movl	$SYS_exit, %eax
	movl	$127, %edi
	syscall
	ud2
	.size	timens__clone3_run, .-timens__clone3_run

	.section .note.GNU-stack,"",@progbits
