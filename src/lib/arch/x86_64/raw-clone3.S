/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The raw clone stubs of probe.c and spawn.c, x86-64 (declared in
 * src/lib/stubs.h).
 */
#include "asm.h"
#include "plan.h"

	.text

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
 * long timens__clone_run(const struct clone_call *call, void (*fn)(void *),
 *			  void *arg): FN in r9 (neither call reads it), ARG in
 * rbx (ours to save), both given to the child as they are.
 */
	.globl	timens__clone_run
	.hidden	timens__clone_run
	.type	timens__clone_run, @function
timens__clone_run:
	.cfi_startproc
	pushq	%rbx
	.cfi_adjust_cfa_offset 8
	.cfi_offset %rbx, -16
	movq	%rsi, %r9
	movq	%rdx, %rbx
	LOAD_CALL 0, %rdi
	syscall
	testq	%rax, %rax
	jz	1f
	popq	%rbx
	.cfi_adjust_cfa_offset -8
	.cfi_restore %rbx
	ret
1:
	/* The child, on its own stack: the outermost frame. */
	.cfi_undefined %rip
	xorl	%ebp, %ebp
	andq	$-16, %rsp
	movq	%rbx, %rdi
	call	*%r9
	movl	$SYS_exit, %eax
	movl	$127, %edi
	syscall
	ud2
	.cfi_endproc
	.size	timens__clone_run, .-timens__clone_run

	OBJECT_NOTES
