/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The raw clone stubs of probe.c and spawn.c, arm64 (declared in
 * src/lib/stubs.h).  Leaf code: the return address stays in x30.
 */
#include "asm.h"
#include "plan.h"

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

/*
 * long timens__clone_run(const struct clone_call *call, void (*fn)(void *),
 *			  void *arg): FN in x9, ARG in x10 (neither call reads
 * them), both given to the child as they are.
 */
	.globl	timens__clone_run
	.hidden	timens__clone_run
	.type	timens__clone_run, %function
	.p2align 2
timens__clone_run:
	.cfi_startproc
	BTI_C
	mov	x9, x1
	mov	x10, x2
	LOAD_CALL x0, 0
	svc	#0
	cbz	x0, 1f
	ret
1:
	/* The child, on its own stack: the outermost frame. */
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
	.size	timens__clone_run, .-timens__clone_run

	OBJECT_NOTES
