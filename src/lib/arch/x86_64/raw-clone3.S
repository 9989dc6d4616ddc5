/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The raw clone3 stubs of probe.c and spawn.c, x86-64 (declared in
 * src/lib/stubs.h).
 */
#include "asm.h"

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

	OBJECT_NOTES
