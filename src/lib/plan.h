/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The plan of one timens_clone3() call, shared by clone3.c and the
 * assembly entry (arch/ARCH/clone3-entry.S).  The offsets below are the
 * assembly's view of struct clone_plan, checked against it at compile
 * time; where the caller's registers go is each architecture's
 * (arch/ARCH/machine.h), the rest is common.
 *
 * The plan lives in the calling thread's clone area (area.c), which a
 * forked child sees as zeroes: the child reads nothing of it, what it
 * needs travels in registers (docs/design.md, "Copy-on-write" and "The
 * assembly entry").
 */
#ifndef TIMENS_PLAN_H
#define TIMENS_PLAN_H

#include "machine.h"

#define PLAN_RET		0	/* caller's return address */
#define PLAN_SP			8	/* caller's stack pointer after return */
/* ... the caller's callee-saved registers, to PLAN_SAVED_SIZE. */
#define PLAN_KIND		(PLAN_SAVED_SIZE + 0)	/* PLAN_KIND_* */
#define PLAN_CHILD_RESULT	(PLAN_SAVED_SIZE + 8)	/* by the helper: pid or -errno */
#define PLAN_CHILD_SP		(PLAN_SAVED_SIZE + 16)	/* the child's sp; 0: the kernel's */
#define PLAN_OLDMASK		(PLAN_SAVED_SIZE + 24)	/* caller's signal mask (kernel sigset) */
#define PLAN_CHILD_CLOSE_FD	(PLAN_SAVED_SIZE + 32)	/* fd the child closes first, or -1 */
#define PLAN_CHILD_SHARE	(PLAN_SAVED_SIZE + 40)	/* child path: its struct child_share, else 0 */
#define PLAN_STACK_TOP		(PLAN_SAVED_SIZE + 48)	/* top of the area's stack (16-aligned) */
#define PLAN_CALL		(PLAN_SAVED_SIZE + 56)	/* the call that makes the caller's child */
#define PLAN_HCALL		(PLAN_SAVED_SIZE + 104)	/* the call that makes the helper */
#define PLAN_KARGS		(PLAN_SAVED_SIZE + 152)	/* clone_args for the caller's child */
#define PLAN_HARGS		(PLAN_SAVED_SIZE + 248)	/* clone_args for the helper */
#define PLAN_ACK		(PLAN_SAVED_SIZE + 344)	/* child path: the child's ack word, else 0 */
#define PLAN_ACK_SEQ		(PLAN_SAVED_SIZE + 352)	/* ... and the value to store there */
#define PLAN_WAIT		(PLAN_SAVED_SIZE + 360)	/* child path: the share to wait on, mask back */
#define AREA_TID		(PLAN_SAVED_SIZE + 416)	/* struct clone_area's tid, past the plan */

/* struct clone_call (stubs.h): the number, then the five arguments. */
#define CALL_NR			0
#define CALL_ARG0		8
#define CALL_ARG1		16
#define CALL_ARG2		24
#define CALL_ARG3		32
#define CALL_ARG4		40
#define CALL_SIZE		48

/*
 * The child path's struct child_share as the entry sees it, and the
 * states of its first word (clone3.c says who writes which).
 */
#define SHARE_STATE		0
#define SHARE_WAITING		4
#define SHARE_SI		72	/* a siginfo_t for the entry's waitid() */
#define SI_PID			16	/* si_pid in it, on every architecture */
#define CHILD_DIED		0	/* the kernel's, at the exit of a child sharing our memory */
#define CHILD_PENDING		1
#define CHILD_READY		2	/* in its namespace, back to the caller's code */
#define CHILD_FAILED		3	/* | errno << 8: it exits (once released, if held) */
#define CHILD_RELEASED		4	/* by us: a held failed child may exit */

/*
 * The child path's wait for the report, in C (clone3.c, child_wait) or
 * in the entry: yields first (for CHILD_SPIN_US in C, WAIT_YIELDS times
 * in the entry), then sleeps on the word of CHILD_NAP_NS each, looking
 * after each whether the child died without a word.
 */
#define WAIT_YIELDS		512
#define CHILD_NAP_NS		10000000

#ifdef __ASSEMBLER__
/* The C headers' values, the same on every architecture. */
#define EINTR			4
#define P_PID			1
#define WNOHANG			1
#define WEXITED			4
#define WNOWAIT			0x01000000
#define __WALL			0x40000000
#endif

#define PLAN_KIND_CLONE		2	/* the caller's thread calls clone3 */
#define PLAN_KIND_HELPER	3	/* a vfork-style helper calls it */

/* prepare's answers that are not a plan. */
#define PREPARE_PASSTHROUGH	0	/* plain clone3 with the caller's args */
#define PREPARE_FAILED		1	/* errno is set; return -1 */

#ifndef __ASSEMBLER__
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "internal.h"
#include "stubs.h"

struct clone_plan {
	uint64_t saved[PLAN_SAVED_SIZE / 8];	/* the caller's: PLAN_RET, PLAN_SP, ... */
	uint64_t kind;
	int64_t child_result;
	uint64_t child_sp;
	uint64_t oldmask;
	int64_t child_close_fd;
	uint64_t child_share;		/* child path: the child's struct child_share */
	uint64_t stack_top;
	struct clone_call call;		/* clone3 of kargs, or clone(2): clone3.c */
	struct clone_call hcall;	/* the same for the helper, of hargs */
	struct timens_clone_args kargs;
	struct timens_clone_args hargs;
	uint64_t ack;			/* child path: &child_share.ack, else 0 */
	uint64_t ack_seq;		/* the call's child_share.seq */
	uint64_t wait;			/* child path: &child_share, waited for unblocked */
	/* C only from here on. */
	uint64_t stack_base;		/* lowest byte of the area's stack */
	struct timens_offset offset;
	uint64_t unshare_flags;		/* what the helper unshares */
	int own_ns_fd;			/* inplace: to setns back */
	bool exit_signal_pending;	/* child path: before the clone */
	int caller_errno;		/* as the caller had it, for a success */
	enum timens_path path;
};

#define PLAN_CHECK(field, off) \
	_Static_assert(offsetof(struct clone_plan, field) == (off), "plan: " #field)
PLAN_CHECK(saved[PLAN_SP / 8], PLAN_SP);
PLAN_CHECK(kind, PLAN_KIND);
PLAN_CHECK(child_result, PLAN_CHILD_RESULT);
PLAN_CHECK(child_sp, PLAN_CHILD_SP);
PLAN_CHECK(oldmask, PLAN_OLDMASK);
PLAN_CHECK(child_close_fd, PLAN_CHILD_CLOSE_FD);
PLAN_CHECK(child_share, PLAN_CHILD_SHARE);
PLAN_CHECK(stack_top, PLAN_STACK_TOP);
PLAN_CHECK(call, PLAN_CALL);
PLAN_CHECK(hcall, PLAN_HCALL);
PLAN_CHECK(kargs, PLAN_KARGS);
PLAN_CHECK(hargs, PLAN_HARGS);
PLAN_CHECK(ack, PLAN_ACK);
PLAN_CHECK(ack_seq, PLAN_ACK_SEQ);
PLAN_CHECK(wait, PLAN_WAIT);
#undef PLAN_CHECK
_Static_assert(offsetof(struct clone_call, nr) == CALL_NR, "call: nr");
_Static_assert(offsetof(struct clone_call, arg[0]) == CALL_ARG0, "call: arg");
_Static_assert(offsetof(struct clone_call, arg[4]) == CALL_ARG4, "call: arg");
_Static_assert(sizeof(struct clone_call) == CALL_SIZE, "call: size");
_Static_assert(PLAN_SAVED_SIZE % 16 == 0, "the common part starts 16-aligned");
_Static_assert(offsetof(struct timens_clone_args, stack) == 40, "clone_args");
_Static_assert(offsetof(struct timens_clone_args, stack_size) == 48, "clone_args");
_Static_assert(sizeof(struct timens_clone_args) == TIMENS_CLONE_ARGS_SIZE_VER3, "VER3");

/*
 * A thread's clone area: one mapping (64 KiB with 4 KiB pages; area.c
 * has the sizes), made at the thread's first emulated call and unmapped
 * when the thread exits:
 *
 *   [guard page][stack, growing down ...........][struct clone_area]
 *
 * MADV_WIPEONFORK (a forked child that looks finds zeroes, so tid 0; see
 * docs/design.md).  The stack is the C stack of the call's setup and
 * finish and the helper's.
 */
struct clone_area {
	struct clone_plan plan;		/* first: a plan is its area */
	pid_t tid;			/* the owner; 0 in a forked child */
	int level;			/* AREA_LEVELS: for calls from handlers */
	bool threads_seen;		/* inplace refused: not the only thread */
	/* Our timens_offsets file, named as /proc numbers us (made once). */
	char offsets_path[TIMENS_PROC_DIR_MAX + 16];
	bool wipes;			/* marked MADV_WIPEONFORK: may be kept spare */
	struct child_share *share;	/* the child path's page, made at first use */
};

/*
 * The child path's meeting point with its child: one page of the calling
 * thread's, MAP_SHARED so that the child (a copy of us, or sharing our
 * memory) and we see the same bytes and a fork write-protects none of it.
 * We fill it before the clone; the child reads what it needs and reports
 * in STATE, which the kernel also clears (and wakes) should the child die
 * first: it is the child's clear_child_tid until it reports.
 */
struct child_share {
	uint32_t state;			/* CHILD_*, read and written atomically */
	uint32_t waiting;		/* we sleep on STATE (FUTEX_WAIT) */
	struct timens_offset offset;
	uint64_t user_child_tid;	/* the caller's child_tid ... */
	uint64_t user_tid_flags;	/* ... for its CLONE_CHILD_SETTID/CLEARTID */
	uint32_t enter;			/* setns() into it (a child with its own memory) */
	uint32_t thread;		/* CLONE_THREAD: /proc/self is not the child */
	uint32_t seq;			/* this call's number (ours, counted per thread) */
	uint32_t await_ack;		/* the child waits for ACK to reach SEQ ... */
	uint32_t ack;			/* ... which we store once our mask is back */
	uint32_t ack_sleeping;		/* the child sleeps on ACK: wake it (ACK + 4) */
	uint32_t hold;			/* the entry waits, our mask back; failed, the
					   child waits for CHILD_RELEASED */
	uint32_t unused;
	siginfo_t si;			/* the entry's look at a silent child */
};
_Static_assert(offsetof(struct child_share, ack_sleeping) ==
	       offsetof(struct child_share, ack) + 4, "the entry's view of the ack");
_Static_assert(offsetof(struct child_share, state) == SHARE_STATE, "share: state");
_Static_assert(offsetof(struct child_share, waiting) == SHARE_WAITING, "share: waiting");
_Static_assert(offsetof(struct child_share, si) == SHARE_SI, "share: si");
_Static_assert(offsetof(siginfo_t, si_pid) == SI_PID, "siginfo: si_pid");
_Static_assert(offsetof(struct clone_area, tid) == AREA_TID, "area: tid");


/*
 * A thread has up to AREA_LEVELS areas, each with its own child-path
 * page: a call made by a signal handler while another waits for its
 * child with the caller's mask back (PLAN_WAIT) takes the next level.
 * The last level never waits that way, so no handler can interrupt it.
 */
#define AREA_LEVELS 3

/* area.c: the calling thread's free clone area, and an area's child-path page. */
struct clone_area *timens__own_area(pid_t tid);
struct child_share *timens__own_share(struct clone_area *a);

#endif /* __ASSEMBLER__ */
#endif
