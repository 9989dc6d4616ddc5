/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * What each architecture's assembly (the .S files in arch/ARCH)
 * provides, and the C it calls: hidden, not part of the API.  An
 * architecture is supported when its folder implements all of this (docs/design.md, "The assembly
 * entry", says what each piece must do and why it cannot be C).
 */
#ifndef TIMENS_STUBS_H
#define TIMENS_STUBS_H

#include <stddef.h>
#include <stdint.h>

struct clone_plan;
struct child_share;
struct timens_clone_args;

/*
 * A process-making system call the assembly makes for C, which prepares
 * it: the number and the arguments in the registers the kernel reads
 * them from, in its order.  clone3 is (clone_args, size); clone(2)'s
 * order is each architecture's (machine.h, clone_legacy_args()).
 * Neither takes a sixth argument on any architecture we build for, so
 * an entry may keep a pointer in the sixth argument register across the
 * call.  Offsets for the assembly: plan.h (CALL_*).
 */
struct clone_call {
	uint64_t nr;
	uint64_t arg[5];
};

/*
 * arch/ARCH/clone3-entry.S: timens_clone3() itself (timens.h), and the helper's
 * last act: make the caller's child with the plan's call, hand its pid
 * (or -errno) to the caller in the plan's child_result, exit without
 * touching its stack again.
 */
_Noreturn void timens__helper_clone(struct clone_plan *p);

/*
 * The C the entry calls (clone3.c).  prepare fills CALL (on the entry's
 * frame) for a pass-through; a plan carries its own calls (plan.h).
 */
uintptr_t timens__clone_prepare(const struct timens_clone_args *uargs, size_t size,
				struct clone_call *call);
long timens__clone_setup(struct clone_plan *p);
long timens__clone_finish(struct clone_plan *p, long ret);
_Noreturn void timens__helper_main(struct clone_plan *p);
void timens__child_ns(struct child_share *s);
void timens__set_errno(int err);

/*
 * arch/ARCH/raw-clone3.S, clone3 (or clone(2)) with no C between the
 * call and the child's first instruction:
 *
 * timens__probe_clone3() returns the kernel's answer (pid or -errno) to
 * the feature probe (probe.c); a child, should one ever be made, exits 0
 * at once.
 *
 * timens__clone_run() is spawn's (spawn.c): makes CALL (clone3 or
 * clone, with a stack of the child's own); the child runs FN(ARG) on
 * that stack and exits 127 should FN return; the parent gets the
 * kernel's answer.
 */
long timens__probe_clone3(void *args, size_t size);
long timens__clone_run(const struct clone_call *call, void (*fn)(void *), void *arg);

#endif
