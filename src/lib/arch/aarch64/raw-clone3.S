/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The raw clone3 stubs of probe.c and spawn.c, arm64 (declared in
 * src/lib/stubs.h).  Leaf code: the return address stays in x30.
 */
#include "asm.h"

	.text

	.globl	timens__probe_clone3
	.hidden	timens__probe_clone3
	.type	timens__probe_clone3, %function
	.p2align 2
timens__probe_clone3:
	.cfi_startproc
	BTI_C
	mov	x8, #SYS_clone3
	svc	#0
	cbz	x0, 1f
	ret
1:
	.cfi_undefined x30			/* a child: no caller */
	mov	x0, #0
	mov	x8, #SYS_exit
	svc	#0
	brk	#0
	.cfi_endproc
	.size	timens__probe_clone3, .-timens__probe_clone3

	.globl	timens__clone3_run
	.hidden	timens__clone3_run
	.type	timens__clone3_run, %function
	.p2align 2
timens__clone3_run:
	.cfi_startproc
	BTI_C
	mov	x9, x2
	mov	x10, x3
	mov	x8, #SYS_clone3
	svc	#0
	cbz	x0, 1f
	ret
1:
	/* The child, on the stack ARGS gave it: the outermost frame. */
	.cfi_undefined x30
	mov	x29, #0
	mov	x30, #0
	mov	x16, sp
	and	x16, x16, #-16
	mov	sp, x16
	mov	x0, x10
	blr	x9
	mov	x0, #127
	mov	x8, #SYS_exit
	svc	#0
	brk	#0
	.cfi_endproc
	.size	timens__clone3_run, .-timens__clone3_run

	OBJECT_NOTES
