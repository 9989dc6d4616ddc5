// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * timens_clone3(): validation, then one of the paths below (docs/design.md
 * has the table, and why each is taken).  The entry point itself is in
 * arch/ARCH/clone3-entry.S; see there for why.
 *
 *   native   the kernel takes timens_offset: the call goes straight to it.
 *   kernel   no offsets asked (timens_offset 0, or a size without the
 *            field): straight to the kernel too, whatever the flags.
 *   inplace  a single-threaded caller allowed to setns() into its own
 *            time namespace: unshare(CLONE_NEWTIME), write the offsets,
 *            clone3 (the child enters the new namespace as it starts),
 *            setns() back.
 *   child    anyone else: a plain clone3, whose child makes its own
 *            namespace and enters it before it returns to the caller's
 *            code, and reports to us first.
 *   helper   where the child path cannot serve (CLONE_PARENT, whose
 *            failed child we could not reap): a vfork-style helper
 *            thread, or process for CLONE_NEWUSER, makes the namespace
 *            and the child.
 *
 * For the whole of an emulated call every signal is blocked, so no
 * handler can fork while our time_for_children is not our own; the child
 * gets the caller's mask back before it returns.
 *
 * An emulated call keeps its state, and runs its C code, in the calling
 * thread's clone area (struct clone_area), so that it writes no page a
 * fork has just made copy-on-write (docs/design.md, "Copy-on-write").
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

#include <linux/futex.h>

#include "internal.h"
#include "plan.h"
#include "stubs.h"
#include "syscall.h"

#ifndef CLONE_DETACHED
#define CLONE_DETACHED 0x00400000
#endif
#define CSIGNAL_MASK 0xffULL
#define KERNEL_NSIG 64
/* The kernel's first real-time signal; libc's SIGRTMIN is above those it keeps for itself. */
#define KERNEL_SIGRTMIN 32
#define MAX_PID_NS_LEVEL 32
/* clone3's size limit: the kernel's PAGE_SIZE (copy_clone_args_from_user), 4 to 64 KiB. */
#define PAGE_LIMIT ((size_t)sysconf(_SC_PAGESIZE))

void timens__set_errno(int err)
{
	errno = err;
}

/*
 * Reads of the caller's arguments that fault say EFAULT, never SIGSEGV,
 * as the kernel's own copies do.  Each page the bytes lie on is first
 * read by the kernel: a private FUTEX_CMP_REQUEUE of nothing on its first
 * word reads that word (EFAULT if it cannot be read) and returns at once,
 * equal or not (a futex wait would sleep out its timeout when the word
 * matches).  It takes no lock of our memory map, where process_vm_readv()
 * waits for every fork in progress (a quarter more per call with eight
 * threads forking).  Then a plain copy: only another thread unmapping the
 * bytes at that moment could make it fault.
 */
static int user_readable(const void *src, size_t len)
{
	uintptr_t page = (uintptr_t)sysconf(_SC_PAGESIZE), at = (uintptr_t)src;
	uintptr_t last = at + len - 1;
	long r;

	if (last < at)
		return -EFAULT;
	/*
	 * A word of the bytes themselves on each page (valgrind rightly
	 * minds a read of bytes nobody wrote): the first, rounded down to
	 * the alignment futex() wants, then the start of each later page.
	 */
	at &= ~(uintptr_t)3;
	for (;;) {
		/* Wake none, requeue none, if the word equals 0. */
		r = raw_syscall(SYS_futex, at, FUTEX_CMP_REQUEUE | FUTEX_PRIVATE_FLAG, 0, 0, at, 0);
		if (r != 0 && r != -EAGAIN)
			return (int)r;	/* -EFAULT, or futex() refused */
		at = (at | (page - 1)) + 1;
		if (at == 0 || at > last)
			return 0;
	}
}

/*
 * Where a sandbox refuses futex() so (it would refuse much of libc):
 * write() into a pipe copies from SRC as the kernel copies any argument.
 * Two fds for a moment, so it can fail with EMFILE where clone3 itself
 * would not (timens_clone3(3)).
 */
static int copy_user_pipe(void *dst, const void *src, size_t len)
{
	int p[2], r = 0;
	ssize_t n;

	if (pipe2(p, O_CLOEXEC))
		return -errno;
	/* At most a page, into an empty pipe: never a short write or a wait. */
	n = write(p[1], src, len);
	if (n < 0)
		r = -errno;
	else if (n != (ssize_t)len || read(p[0], dst, len) != (ssize_t)len)
		r = -EFAULT;
	close(p[0]);
	close(p[1]);
	return r;
}

/* LEN (1 to a page) bytes from the caller's SRC: 0, -EFAULT, or another -errno. */
static int copy_user(void *dst, const void *src, size_t len)
{
	int r;

	if (!src)
		return -EFAULT;
	r = user_readable(src, len);
	if (r == 0) {
		memcpy(dst, src, len);
		return 0;
	}
	return r == -EFAULT ? r : copy_user_pipe(dst, src, len);
}

/*
 * setns() back into our own time namespace after an unshare(CLONE_NEWTIME),
 * for a caller that setns()ed into it through the same fd moments ago
 * (so it may, and is the only thread) and has made no task since that
 * shares its memory.  The kernel then has nothing left to refuse but an
 * allocation (ENOMEM for the new nsproxy); we insist through that.  If it
 * still fails, the caller's time_for_children is a namespace that is not
 * its own and no return value could undo that: the process aborts with a
 * message rather than go on with its later children's clocks shifted.
 */
void timens__setns_back(int fd)
{
	static const char msg[] = "libtimens: cannot return to the caller's time "
		"namespace (setns failed after unshare); aborting rather than "
		"leave its time_for_children changed\n";
	int i;

	for (i = 0; i < 1000; i++) {
		if (setns(fd, CLONE_NEWTIME) == 0)
			return;
		if (errno != ENOMEM && errno != EINTR)
			break;
		if (i > 10)
			sched_yield();
	}
	if (write(STDERR_FILENO, msg, sizeof(msg) - 1) < 0) {
		/* Nothing more to say it with. */
	}
	abort();
}

/*
 * The argument checks the kernel makes before it creates anything
 * (clone3_args_valid(), copy_clone_args_from_user(), the start of
 * copy_process()), so that an emulated call refuses what the kernel
 * would refuse before it touches a namespace.
 */
static bool kernel_would_refuse(const struct timens_clone_args *a)
{
	uint64_t f = a->flags;
	uint64_t known = 0xffffffffULL | CLONE_CLEAR_SIGHAND | CLONE_INTO_CGROUP;

	if (a->set_tid_size > MAX_PID_NS_LEVEL)
		return true;
	if (!a->set_tid != !a->set_tid_size)
		return true;
	if ((a->exit_signal & ~CSIGNAL_MASK) || a->exit_signal > KERNEL_NSIG)
		return true;
	if ((f & CLONE_INTO_CGROUP) && a->cgroup > INT_MAX)
		return true;
	if (f & ~known)
		return true;
	if (f & (CLONE_DETACHED | (CSIGNAL_MASK & ~(uint64_t)CLONE_NEWTIME)))
		return true;
	if ((f & CLONE_SIGHAND) && (f & CLONE_CLEAR_SIGHAND))
		return true;
	if ((f & (CLONE_THREAD | CLONE_PARENT)) && a->exit_signal)
		return true;
	if (!a->stack != !a->stack_size)
		return true;
	if ((f & CLONE_NEWNS) && (f & CLONE_FS))
		return true;
	if ((f & CLONE_NEWUSER) && (f & CLONE_FS))
		return true;
	if ((f & CLONE_THREAD) && !(f & CLONE_SIGHAND))
		return true;
	if ((f & CLONE_SIGHAND) && !(f & CLONE_VM))
		return true;
	if ((f & CLONE_THREAD) && (f & (CLONE_NEWUSER | CLONE_NEWPID)))
		return true;
	if ((f & CLONE_PIDFD) && (f & CLONE_PARENT_SETTID) && a->pidfd == a->parent_tid)
		return true;
	return false;
}

static bool same_inode(const struct stat *a, const struct stat *b)
{
	return a->st_ino == b->st_ino && a->st_dev == b->st_dev;
}

/*
 * The inplace path, up to the clone: 0 when the new namespace with our
 * offsets is our time_for_children; 1 when this caller cannot take the
 * path (nothing changed); -errno on a real error (nothing changed).
 */
static int inplace_begin(struct clone_area *a)
{
	struct clone_plan *p = &a->plan;
	struct stat own, tfc;
	long r;
	int fd;

	/*
	 * unshare(CLONE_VM) changes nothing and fails unless we are the only
	 * thread.  The setns() below checks that too, so this is only worth
	 * its system call when this thread saw other threads last time.
	 */
	if (a->threads_seen && unshare(CLONE_VM))
		return 1;
	fd = open("/proc/thread-self/ns/time", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 1;
	/* setns() resets both; a caller with time != time_for_children
	 * would lose its time_for_children. */
	if (fstat(fd, &own) || stat("/proc/thread-self/ns/time_for_children", &tfc) ||
	    !same_inode(&own, &tfc))
		goto cannot;
	/*
	 * setns() into where we already are: it succeeds exactly when the
	 * setns() back will (single-threaded, CAP_SYS_ADMIN over the owner
	 * of our time namespace and in our user namespace, no seccomp filter
	 * in the way).
	 */
	r = setns(fd, CLONE_NEWTIME);
	a->threads_seen = r && errno == EUSERS;
	if (r)
		goto cannot;
	if (unshare(CLONE_NEWTIME)) {
		r = -errno;
		close(fd);
		return (int)r;
	}
	if (!a->offsets_path[0]) {
		r = timens__proc_self_dir(a->offsets_path);
		if (r >= 0)
			memcpy(a->offsets_path + r, "/timens_offsets", sizeof("/timens_offsets"));
		else
			a->offsets_path[0] = '\0';
	}
	r = a->offsets_path[0] ? timens__write_offsets_path(a->offsets_path, &p->offset)
			       : timens__write_own_offsets(&p->offset);
	if (r < 0) {
		timens__setns_back(fd);
		close(fd);
		return (int)r;
	}
	p->own_ns_fd = fd;
	return 0;
cannot:
	close(fd);
	return 1;
}

/* The initial time namespace's inode (PROC_TIME_INIT_INO). */
#define TIME_NS_INIT_INO 0xEFFFFFFAU
#define CAP_SYS_ADMIN_BIT 21
#define CAP_SYS_TIME_BIT 25

/* The kernel's range check of a timens_offsets write (host clocks). */
static bool offset_in_range(clockid_t clock, int64_t off)
{
	struct timespec now;
	int64_t sec = off / NSEC_PER_SEC, nsec = off % NSEC_PER_SEC;

	if (nsec < 0) {
		nsec += NSEC_PER_SEC;
		sec -= 1;
	}
	if (clock_gettime(clock, &now))
		return false;
	sec += now.tv_sec + (now.tv_nsec + nsec >= NSEC_PER_SEC);
	return sec >= 0 && sec <= KTIME_SEC_MAX / 2;
}

/*
 * Offsets the kernel takes whatever our namespace, with a margin, judged
 * without a lookup of it: on CLOCK_MONOTONIC_RAW, which no namespace
 * shifts and from which the host's CLOCK_MONOTONIC departs by NTP's slew
 * alone (at most 500 ppm: we allow 0.1% and two seconds); the host's
 * CLOCK_BOOTTIME is at least its CLOCK_MONOTONIC and taken to be under a
 * quarter of the kernel's limit (73 years).  Anything else is judged
 * exactly, by offset_in_range().  A wrong "yes" would cost no
 * correctness (the child meets the kernel's ERANGE and reports it), only
 * the promise that the error comes before any process exists.
 */
static bool offsets_surely_in_range(const struct timens_offset *o)
{
	const int64_t limit = KTIME_SEC_MAX / 2, boot_max = KTIME_SEC_MAX / 4;
	int64_t mono = o->monotonic_offset_ns / NSEC_PER_SEC;
	int64_t boot = o->boottime_offset_ns / NSEC_PER_SEC;
	int64_t low, high;
	struct timespec raw;

	if (clock_gettime(CLOCK_MONOTONIC_RAW, &raw))
		return false;
	/* The host's monotonic clock lies in [low, high] seconds. */
	low = raw.tv_sec - raw.tv_sec / 1000 - 2;
	high = raw.tv_sec + raw.tv_sec / 1000 + 2;
	/* One second more each way for the offsets' fractions. */
	return low + mono - 1 >= 0 && high + mono + 1 <= limit &&
	       low + boot - 1 >= 0 && boot_max + boot + 1 <= limit;
}

/*
 * Whether the child path can serve FLAGS, checked so that what its child
 * will do fails, if at all, only for what nobody can foresee (a
 * namespace limit reached, no memory): 0 yes, 1 not this path (nothing
 * changed), -errno the call's error (EPERM, ERANGE, EMFILE; nothing
 * made).  The exact range check needs the host's clocks, which only a
 * caller in the initial time namespace reads directly; for any other the
 * child finds an ERANGE and reports it.
 */
static int child_path_check(const struct clone_plan *p, uint64_t flags)
{
	struct { uint32_t version; int pid; } hdr = { 0x20080522, 0 };
	struct { uint32_t effective, permitted, inheritable; } caps[2];
	struct stat st;
	int fd;

	/* A failed child of CLONE_PARENT would be our parent's to reap. */
	if (flags & CLONE_PARENT)
		return 1;
	/*
	 * The child's one fd at a time: the slot proved free here, by the
	 * cheapest open there is (an nsfs one costs five times as much).
	 */
	fd = open("/", O_PATH | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	close(fd);
	/* A new user namespace's child has every capability in it. */
	if (!(flags & CLONE_NEWUSER) &&
	    (raw_syscall(SYS_capget, &hdr, caps) < 0 ||
	     !(caps[0].effective & (1u << CAP_SYS_ADMIN_BIT)) ||
	     !(caps[0].effective & (1u << CAP_SYS_TIME_BIT))))
		return -EPERM;
	if (offsets_surely_in_range(&p->offset))
		return 0;
	if (stat("/proc/thread-self/ns/time", &st))
		return -errno;
	if (st.st_ino == TIME_NS_INIT_INO &&
	    (!offset_in_range(CLOCK_MONOTONIC, p->offset.monotonic_offset_ns) ||
	     !offset_in_range(CLOCK_BOOTTIME, p->offset.boottime_offset_ns)))
		return -ERANGE;
	return 0;
}

/*
 * Whether the child's exit must meet the caller's own mask: the raw
 * syscall's exit signal does, and the kernel drops it at once for a
 * thread that leaves it unblocked and ignored (SIGCHLD's default), or
 * runs that thread's handler.  Made pending while we block every signal,
 * it is another thread's to wake up for (its epoll_wait() says EINTR),
 * to find in sigwaitinfo() or a signalfd, or to run the handler in.  A
 * child that exits at once (a failed exec, a `true`) did that in about
 * half of all calls with one other thread.  So where this is true the
 * entry waits for the report with our mask back (child_share.hold), and
 * the child, once it has reported, waits for the ack the entry stores
 * once our mask is back (docs/design.md, "The child path").  It matters
 * only where the caller leaves the signal unblocked (blocked, the raw
 * syscall's is pending too) and has other threads (alone, we drop an
 * ignored signal as our mask comes back, before any code of the
 * caller's can look), and SIGCHLD is not SIG_IGN (the kernel then sends
 * none).  Not a child sharing our memory (it could see the page
 * unmapped as it waits) nor one that holds us in a vfork (it would wait
 * in vain).
 */
static bool child_awaits_ack(const struct clone_plan *p)
{
	const struct timens_clone_args *k = &p->kargs;
	int sig = (int)k->exit_signal;
	uint64_t act[8] = { 0 };

	if (!sig || (k->flags & (CLONE_VM | CLONE_VFORK)) || (p->oldmask & (1ULL << (sig - 1))))
		return false;
	/* unshare(CLONE_VM) fails, changing nothing, unless we are alone. */
	if (!((const struct clone_area *)p)->threads_seen && !unshare(CLONE_VM))
		return false;
	/* The handler is the first word of struct sigaction on every architecture. */
	return sig != SIGCHLD || raw_syscall(SYS_rt_sigaction, sig, NULL, act, 8) < 0 ||
	       act[0] != (uint64_t)(uintptr_t)SIG_IGN;
}

/* The child path, up to the clone: the share filled, the child's args. */
static int child_path_begin(struct clone_plan *p)
{
	struct timens_clone_args *k = &p->kargs;
	struct clone_area *area = (struct clone_area *)p;
	struct child_share *s = timens__own_share(area);
	const uint64_t tid_flags = CLONE_CHILD_SETTID | CLONE_CHILD_CLEARTID;
	sigset_t pending;

	if (!s)
		return -errno;
	p->exit_signal_pending = sigpending(&pending) == 0 && k->exit_signal &&
				 sigismember(&pending, (int)k->exit_signal) == 1;
	s->offset = p->offset;
	s->user_child_tid = k->child_tid;
	s->user_tid_flags = k->flags & tid_flags;
	/* A child sharing our memory keeps our namespace until it execs. */
	s->enter = !(k->flags & CLONE_VM);
	s->thread = !!(k->flags & CLONE_THREAD);
	s->waiting = 0;
	s->seq++;
	s->ack_sleeping = 0;
	s->await_ack = child_awaits_ack(p);
	/*
	 * Where the child waits for our mask, we wait for it with our mask
	 * back (the entry, on the caller's stack), unless a handler's call
	 * could then find no free area (plan.h).  A failed child is then
	 * held until we have blocked signals again to reap it.
	 */
	s->hold = s->await_ack && area->level < AREA_LEVELS - 1;
	__atomic_store_n(&s->state, CHILD_PENDING, __ATOMIC_RELEASE);
	/* STATE is its clear_child_tid until it reports: its death says so. */
	k->flags = (k->flags & ~tid_flags) | CLONE_CHILD_CLEARTID;
	k->child_tid = (uint64_t)(uintptr_t)&s->state;
	p->child_share = (uint64_t)(uintptr_t)s;
	p->kind = PLAN_KIND_CLONE;
	p->path = TIMENS_PATH_CHILD;
	return 0;
}

/*
 * The child path's wait for the child's report.  The report comes within
 * tens of microseconds, about what a sleep and a wake-up cost on a
 * virtual machine: spin first, yielding (the child may be waiting for
 * our CPU; a pause loop is dearer there, as it exits to the hypervisor),
 * then sleep on the futex.
 */
#define CHILD_SPIN_US 200

static uint32_t child_state(struct child_share *s)
{
	return __atomic_load_n(&s->state, __ATOMIC_SEQ_CST);
}

/*
 * The kernel clears (and wakes) a dead child's clear_child_tid only if
 * the child shared its memory with someone: a child with memory of its
 * own that dies before it reports says nothing.  So the sleep has a
 * timeout, and after each a look (without reaping) whether CHILD, ours,
 * is dead.  A CLONE_THREAD child is not ours to look at, but it shares
 * our memory, and the kernel clears the word.  (CHILD_NAP_NS: plan.h.)
 */

static bool child_dead(pid_t child)
{
	siginfo_t si;

	memset(&si, 0, sizeof(si));
	return waitid(P_PID, (id_t)child, &si, WEXITED | WNOHANG | WNOWAIT | __WALL) == 0 &&
	       si.si_pid == child;
}

static uint32_t child_wait(struct child_share *s, pid_t child, uint64_t flags)
{
	const struct timespec nap = { 0, CHILD_NAP_NS };
	struct timespec t0, t;
	uint32_t st;

	/* After a CLONE_VFORK clone3 the child has exec'd or exited. */
	if ((flags & CLONE_VFORK) && !(flags & CLONE_VM))
		return child_state(s);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		st = child_state(s);
		if (st != CHILD_PENDING)
			return st;
		clock_gettime(CLOCK_MONOTONIC, &t);
		if ((t.tv_sec - t0.tv_sec) * 1000000 + (t.tv_nsec - t0.tv_nsec) / 1000 > CHILD_SPIN_US)
			break;
		sched_yield();
	}
	__atomic_store_n(&s->waiting, 1, __ATOMIC_SEQ_CST);
	while ((st = child_state(s)) == CHILD_PENDING) {
		raw_syscall(SYS_futex, &s->state, FUTEX_WAIT, CHILD_PENDING, &nap, NULL, 0);
		if (!(flags & CLONE_THREAD) && child_state(s) == CHILD_PENDING && child_dead(child))
			return child_state(s) == CHILD_PENDING ? CHILD_DIED : child_state(s);
	}
	return st;
}

/*
 * A failed child's exit signal, taken back if it was not pending before
 * the call (then it is ours, or ours and another's coalesced).  What we
 * take that is not ours, or ours while another child is still there to
 * be waited for, is raised again for the process (as SI_USER, the one
 * loss).  A real-time exit signal is left: it queues one per child.
 */
static void take_back_exit_signal(const struct clone_plan *p, pid_t child)
{
	int sig = (int)p->kargs.exit_signal;
	struct timespec zero = { 0, 0 };
	siginfo_t si;
	sigset_t one;
	pid_t taken;

	if (!sig || sig >= KERNEL_SIGRTMIN || p->exit_signal_pending)
		return;
	sigemptyset(&one);
	sigaddset(&one, sig);
	memset(&si, 0, sizeof(si));
	if (sigtimedwait(&one, &si, &zero) != sig)
		return;
	taken = si.si_pid;
	memset(&si, 0, sizeof(si));
	if (taken != child ||
	    (waitid(P_ALL, 0, &si, WEXITED | WNOHANG | WNOWAIT | __WALL) == 0 && si.si_pid))
		kill(getpid(), sig);
}

/*
 * After the child path's clone3: the pid, or -errno with the child
 * reaped.  Where the entry is to wait (S->hold), at once, with
 * PLAN_WAIT set; the entry comes back (signals blocked again, P->wait
 * still set) only for a child that failed, which it holds for us.
 */
static long child_path_finish(struct clone_plan *p, long ret)
{
	struct child_share *s = (struct child_share *)(uintptr_t)p->child_share;
	uint64_t flags = p->kargs.flags;
	uint32_t st;
	siginfo_t si;

	if (p->wait) {
		s = (struct child_share *)(uintptr_t)p->wait;
		p->wait = 0;
		st = child_state(s);
		if ((st & 0xff) != CHILD_FAILED)
			return ret;
		__atomic_store_n(&s->state, CHILD_RELEASED, __ATOMIC_SEQ_CST);
		raw_syscall(SYS_futex, &s->state, FUTEX_WAKE, 1, NULL, NULL, 0);
		goto failed;
	}
	p->child_share = 0;
	if (ret <= 0)
		return ret;
	/* The entry stores the ack once our mask is back. */
	if (s->await_ack) {
		p->ack = (uint64_t)(uintptr_t)&s->ack;
		p->ack_seq = s->seq;
	}
	if (s->hold) {
		p->wait = (uint64_t)(uintptr_t)s;
		return ret;
	}
	st = child_wait(s, (pid_t)ret, flags);
	/* Ready, or killed before it could say (the caller will see that). */
	if ((st & 0xff) != CHILD_FAILED)
		return ret;
failed:
	/* It exits: reap it, as if it had never been. */
	if (!(flags & CLONE_THREAD)) {
		while (waitid(P_PID, (id_t)ret, &si, WEXITED | __WALL) < 0 && errno == EINTR)
			;
		take_back_exit_signal(p, (pid_t)ret);
	}
	if (flags & CLONE_PIDFD)
		close(*(int *)(uintptr_t)p->kargs.pidfd);
	return -(long)(st >> 8);
}

/*
 * A waiting child (child_awaits_ack) yields for up to 20 us (we are a
 * few instructions from its ack, or need its CPU for them), then sleeps
 * on the word, saying so in ack_sleeping for the entry to wake it, and
 * gives up after 100 ms: a handler that runs as our mask comes back and
 * never returns would hold it for good, a stopped caller that long.
 * Numbers only grow (wrapping): a later call's ack answers an earlier
 * child too.
 */
#define ACK_SPIN_NS (20 * 1000)
#define ACK_LIMIT_NS (100 * 1000 * 1000)

/* ACK answers call SEQ (numbers wrap). */
static bool acked(uint32_t ack, uint32_t seq)
{
	return (int32_t)(ack - seq) >= 0;
}

static uint32_t ack_now(const struct child_share *s)
{
	return __atomic_load_n(&s->ack, __ATOMIC_SEQ_CST);
}

/* Until *WORD is no longer WAS, for about ACK_LIMIT_NS (a few more on spurious wake-ups). */
static void child_await_change(uint32_t *word, uint32_t was)
{
	const struct timespec limit = { ACK_LIMIT_NS / NSEC_PER_SEC, ACK_LIMIT_NS % NSEC_PER_SEC };
	int tries = 0;
	long r;

	do
		r = raw_syscall(SYS_futex, word, FUTEX_WAIT, was, &limit, NULL, 0);
	while (r != -ETIMEDOUT && __atomic_load_n(word, __ATOMIC_SEQ_CST) == was && ++tries < 8);
}

static void child_await_ack(struct child_share *s, uint32_t seq)
{
	const struct timespec limit = { ACK_LIMIT_NS / NSEC_PER_SEC, ACK_LIMIT_NS % NSEC_PER_SEC };
	struct timespec t0, t;
	uint32_t cur;
	long r;

	if (acked(ack_now(s), seq) || raw_syscall(SYS_clock_gettime, CLOCK_MONOTONIC, &t0))
		return;
	do {
		raw_syscall(SYS_sched_yield, 0);
		if (acked(ack_now(s), seq) || raw_syscall(SYS_clock_gettime, CLOCK_MONOTONIC, &t))
			return;
	} while ((t.tv_sec - t0.tv_sec) * NSEC_PER_SEC + (t.tv_nsec - t0.tv_nsec) < ACK_SPIN_NS);
	/* Then we wake it: we look at this after our store (both fenced). */
	__atomic_store_n(&s->ack_sleeping, 1, __ATOMIC_SEQ_CST);
	for (;;) {
		cur = ack_now(s);
		if (acked(cur, seq))
			return;
		r = raw_syscall(SYS_futex, &s->ack, FUTEX_WAIT, cur, &limit, NULL, 0);
		if (r == -ETIMEDOUT || (r < 0 && r != -EINTR && r != -EAGAIN))
			return;
	}
}

/*
 * In the child path's child, before it returns to the caller's code, on
 * the stack it will return on (a copy of the caller's, or its own):
 * make the namespace, set the offsets, enter it (or, sharing our memory,
 * keep it as time_for_children, as the kernel does), report.  Our TLS
 * still names the caller's thread: raw system calls only.  Returns only
 * on success; on failure it reports and exits.
 */
__attribute__((no_sanitize_address))
void timens__child_ns(struct child_share *s)
{
	int *user_tid = (int *)(uintptr_t)s->user_child_tid;
	bool clear_tid = s->user_tid_flags & CLONE_CHILD_CLEARTID;
	/* Read before the report: the page is ours to read until then. */
	uint32_t seq = s->seq, await_ack = s->await_ack, hold = s->hold;
	bool own_page = s->enter;	/* a copy of the mapping: ours to read on */
	uint32_t said;
	long r, fd;

	if (s->user_tid_flags & CLONE_CHILD_SETTID)
		*user_tid = (int)raw_syscall(SYS_gettid, 0);
	/*
	 * A new process's /proc entries are made at its first look, which
	 * costs: as few as possible, through /proc/self (which is us, in
	 * the numbering of the /proc we see) unless we are a thread.
	 */
	r = raw_syscall(SYS_unshare, CLONE_NEWTIME);
	if (r == 0)
		r = s->thread ? timens__write_own_offsets(&s->offset)
			      : timens__write_offsets_path("/proc/self/timens_offsets", &s->offset);
	if (r == 0 && s->enter) {
		fd = raw_syscall(SYS_openat, AT_FDCWD, "/proc/self/ns/time_for_children",
				 O_RDONLY | O_CLOEXEC);
		r = fd < 0 ? fd : raw_syscall(SYS_setns, fd, CLONE_NEWTIME);
		if (fd >= 0)
			raw_syscall(SYS_close, fd);
	}
	/*
	 * The report is our last write to the page: once we say, the caller
	 * returns, and its next call (or its thread's exit) may reuse or
	 * unmap the page while we still run (only a child with a copy of
	 * the mapping reads on, for the ack).  So first the caller's
	 * clear_child_tid back (or none, not to overwrite a failure report),
	 * then the word, then a wake-up by address alone (on a page gone by
	 * then it is EFAULT, harmless).  With a copy of the page of our own
	 * we wake the caller only if it sleeps (it says so, fenced, before
	 * its last look; we look after our store): the first futex call on
	 * a shared page costs a new process a lookup of it.
	 */
	raw_syscall(SYS_set_tid_address, r < 0 || !clear_tid ? NULL : user_tid);
	said = r < 0 ? CHILD_FAILED | (uint32_t)-r << 8 : CHILD_READY;
	__atomic_store_n(&s->state, said, __ATOMIC_SEQ_CST);
	if (!own_page || __atomic_load_n(&s->waiting, __ATOMIC_SEQ_CST))
		raw_syscall(SYS_futex, &s->state, FUTEX_WAKE, 1, NULL, NULL, 0);
	if (r < 0) {
		/* Held (our own copy of the page): until released, or 100 ms. */
		if (hold)
			child_await_change(&s->state, said);
		raw_syscall(SYS_exit, 127);
	}
	/* Our own copy of the page (await_ack), mapped whatever the caller does. */
	if (await_ack)
		child_await_ack(s, seq);
}

static void plan_helper(struct clone_plan *p, bool userns)
{
	const struct timens_clone_args *u = &p->kargs;

	memset(&p->hargs, 0, sizeof(p->hargs));
	p->hargs.flags = CLONE_VM | CLONE_VFORK | CLONE_FILES;
	/* The area's stack: we sleep at its top, empty, while it runs. */
	p->hargs.stack = p->stack_base;
	p->hargs.stack_size = p->stack_top - p->stack_base;
	if (userns) {
		/*
		 * unshare(CLONE_NEWUSER) wants a task of its own with its own
		 * fs; the child then gets us as parent through CLONE_PARENT,
		 * and with it the helper's exit signal.
		 */
		p->hargs.exit_signal = u->exit_signal;
		p->kargs.flags |= CLONE_PARENT;
		p->kargs.exit_signal = 0;
		p->kargs.flags &= ~(uint64_t)CLONE_NEWUSER;
		p->unshare_flags = CLONE_NEWUSER | CLONE_NEWTIME;
		p->path = TIMENS_PATH_HELPER_PROCESS;
	} else {
		/*
		 * A thread: nothing to reap, no exit signal.  Its child is
		 * ours once it exits (a child whose parent thread exits goes
		 * to another thread of the same process).
		 */
		p->hargs.flags |= CLONE_THREAD | CLONE_SIGHAND | CLONE_FS | CLONE_SYSVSEM;
		p->unshare_flags = CLONE_NEWTIME;
		p->path = TIMENS_PATH_HELPER_THREAD;
	}
	p->kind = PLAN_KIND_HELPER;
}

/*
 * clone(2) where clone3 is refused (docs/design.md, "Without clone3"):
 * the call that makes the child clone3 would make of A, or -ENOSYS for
 * one clone(2) cannot express.  A passed the kernel's clone3 checks
 * (kernel_would_refuse()), but for the stack's range, checked here.
 * clone(2) reads the lower 32 bits of its flags, their low byte as the
 * exit signal (where clone3 has CLONE_NEWTIME), takes no set_tid and no
 * cgroup, writes a pidfd where it writes the parent's tid, and wants the
 * stack's top.
 */
static int legacy_call(struct clone_call *c, const struct timens_clone_args *a)
{
	uint64_t f = a->flags, parent_tid = a->parent_tid, sp = 0;

	if ((f >> 32) || (f & CSIGNAL_MASK) || a->set_tid_size)
		return -ENOSYS;
	if (f & CLONE_PIDFD) {
		if (f & CLONE_PARENT_SETTID)
			return -ENOSYS;		/* two words, one argument */
		parent_tid = a->pidfd;
	}
	if (a->stack) {
		/*
		 * clone3 checks the range as access_ok() does, clone(2) does
		 * not: a wrapped range is EINVAL on any kernel, one past the
		 * smallest user address space may be valid (5-level paging),
		 * and we cannot tell.
		 */
		sp = a->stack + a->stack_size;
		if (sp < a->stack)
			return -EINVAL;
		if (sp > USER_ADDR_END_MIN)
			return -ENOSYS;
	}
	c->nr = __NR_clone;
	clone_legacy_args(c->arg, f | a->exit_signal, sp, parent_tid, a->child_tid, a->tls);
	return 0;
}

/*
 * The call that makes a child of A (SIZE bytes of it) for the assembly
 * (struct clone_call, stubs.h): clone3, or clone(2) where clone3 is
 * refused.  0, or -ENOSYS (-EINVAL) where clone(2) cannot (legacy_call()).
 */
int timens__clone_call(struct clone_call *c, const struct timens_clone_args *a, size_t size)
{
	if (timens__probe()->features & TIMENS_FEATURE_CLONE3_REFUSED)
		return legacy_call(c, a);
	c->nr = __NR_clone3;
	c->arg[0] = (uint64_t)(uintptr_t)a;
	c->arg[1] = size;
	c->arg[2] = c->arg[3] = c->arg[4] = 0;
	return 0;
}

static uintptr_t fail(int err)
{
	timens__set_last_path(TIMENS_PATH_NONE);
	errno = err;
	return PREPARE_FAILED;
}

/*
 * The bytes of the caller's SIZE-byte arguments from FROM on, read in
 * chunks on our small frame: 0 if they are zero, 1 if one is not,
 * -EFAULT or another -errno.
 */
static int tail_is_zero(const struct timens_clone_args *uargs, size_t from, size_t size)
{
	const char *src = (const char *)uargs + from;
	size_t left = size - from;
	unsigned char chunk[128];

	while (left) {
		size_t i, n = left < sizeof(chunk) ? left : sizeof(chunk);
		int r = copy_user(chunk, src, n);

		if (r < 0)
			return r;
		for (i = 0; i < n; i++)
			if (chunk[i])
				return 1;
		src += n;
		left -= n;
	}
	return 0;
}

/*
 * A call without offsets where clone3 is refused: clone3's own checks
 * (copy_clone_args_from_user(), clone3_args_valid()), so that it fails
 * as it would with clone3, then clone(2), or ENOSYS for what clone(2)
 * cannot express.
 */
static uintptr_t prepare_legacy(const struct timens_clone_args *uargs, size_t size,
				struct clone_call *call)
{
	struct timens_clone_args a;
	int r;

	if (size > PAGE_LIMIT)
		return fail(E2BIG);
	if (size < TIMENS_CLONE_ARGS_SIZE_VER0)
		return fail(EINVAL);
	memset(&a, 0, sizeof(a));
	r = copy_user(&a, uargs, size < TIMENS_CLONE_ARGS_SIZE_VER2 ? size
								: TIMENS_CLONE_ARGS_SIZE_VER2);
	if (r < 0)
		return fail(-r);
	if (size > TIMENS_CLONE_ARGS_SIZE_VER2) {
		r = tail_is_zero(uargs, TIMENS_CLONE_ARGS_SIZE_VER2, size);
		if (r)
			return fail(r > 0 ? E2BIG : -r);
	}
	if ((a.flags & CLONE_INTO_CGROUP) && size < TIMENS_CLONE_ARGS_SIZE_VER2)
		return fail(EINVAL);
	if (kernel_would_refuse(&a))
		return fail(EINVAL);
	r = legacy_call(call, &a);
	if (r < 0)
		return fail(-r);
	timens__set_last_path(TIMENS_PATH_KERNEL);
	return PREPARE_PASSTHROUGH;
}

/*
 * The first half of a call, on the caller's stack with a small frame:
 * is it the kernel's own (PREPARE_PASSTHROUGH), or bad (PREPARE_FAILED,
 * errno set; what the kernel would refuse is refused here, before any
 * namespace exists)?  Else the plan in this thread's clone area, with
 * every signal blocked.
 */
uintptr_t timens__clone_prepare(const struct timens_clone_args *uargs, size_t size,
				struct clone_call *call)
{
	const struct timens_probe *probe;
	struct timens_clone_args args;
	struct timens_offset off;
	struct clone_area *a;
	struct clone_plan *p;
	uint64_t all = ~0ULL, old;
	int r;

	/*
	 * Anything that is not a well-formed VER3 call with a non-zero
	 * timens_offset goes to the kernel untouched: it checks sizes,
	 * faults and trailing bytes itself, and a zero timens_offset reads
	 * to an unpatched kernel as VER2 with zero trailing bytes.
	 */
	if (size < TIMENS_CLONE_ARGS_SIZE_VER3 || size > PAGE_LIMIT)
		goto kernel;
	r = copy_user(&args, uargs, sizeof(args));
	if (r == -EFAULT)
		goto kernel;			/* the kernel says EFAULT itself */
	if (r < 0)
		return fail(-r);
	if (!args.timens_offset)
		goto kernel;
	if (size > sizeof(args)) {
		r = tail_is_zero(uargs, sizeof(args), size);
		if (r == -EFAULT || r == 1)
			goto kernel;		/* the kernel's EFAULT or E2BIG */
		if (r < 0)
			return fail(-r);
	}
	probe = timens__probe();
	if ((probe->features & TIMENS_FEATURE_NATIVE_OFFSET) && probe->force == TIMENS_PATH_NONE) {
		timens__set_last_path(TIMENS_PATH_NATIVE);
		timens__clone_call(call, uargs, size);
		return PREPARE_PASSTHROUGH;
	}

	if (!(args.flags & CLONE_NEWTIME))
		return fail(EINVAL);
	r = copy_user(&off, (const void *)(uintptr_t)args.timens_offset, sizeof(off));
	if (r < 0)
		return fail(-r);
	if (kernel_would_refuse(&args))
		return fail(EINVAL);
	/*
	 * Where clone3 is refused the child comes from clone(2), which must
	 * be able to make it (the paths change only CLONE_NEWTIME, which
	 * never reaches the kernel, and what clone(2) takes: tid words,
	 * CLONE_PARENT, the exit signal).
	 */
	if (probe->features & TIMENS_FEATURE_CLONE3_REFUSED) {
		struct timens_clone_args k = args;
		struct clone_call c;

		k.flags &= ~(uint64_t)CLONE_NEWTIME;
		r = legacy_call(&c, &k);
		if (r < 0)
			return fail(-r);
	}
	/*
	 * A CLONE_VM child keeps our namespace and enters the new one only
	 * at exec, which kernels before 6.2 do not do.
	 */
	if ((args.flags & CLONE_VM) && !(probe->features & TIMENS_FEATURE_EXEC_SWITCH))
		return fail(EINVAL);
	/* With CLONE_NEWUSER our helper needs CLONE_PARENT for itself. */
	if ((args.flags & CLONE_NEWUSER) && (args.flags & CLONE_PARENT))
		return fail(EINVAL);

	r = (int)raw_syscall(SYS_rt_sigprocmask, SIG_SETMASK, &all, &old, 8);
	if (r < 0)
		return fail(-r);	/* never on Linux: valid set and size */
	a = timens__own_area(sys_gettid());
	if (!a) {
		r = errno;
		raw_syscall(SYS_rt_sigprocmask, SIG_SETMASK, &old, NULL, 8);
		return fail(r);
	}
	p = &a->plan;
	p->caller_errno = errno;
	p->oldmask = old;
	p->kargs = args;
	p->offset = off;
	return (uintptr_t)p;
kernel:
	if (timens__probe()->features & TIMENS_FEATURE_CLONE3_REFUSED)
		return prepare_legacy(uargs, size, call);
	timens__set_last_path(TIMENS_PATH_KERNEL);
	timens__clone_call(call, uargs, size);
	return PREPARE_PASSTHROUGH;
}

/*
 * The second half, on the area's stack (no page of the caller's is
 * written from here on): make our time_for_children the new namespace
 * (inplace) or plan the helper that will.  0, or -errno with nothing
 * changed.
 */
long timens__clone_setup(struct clone_plan *p)
{
	const struct timens_probe *probe = timens__probe();
	uint64_t flags = p->kargs.flags;
	bool userns = flags & CLONE_NEWUSER;
	int r;

	p->kind = PLAN_KIND_CLONE;
	p->own_ns_fd = -1;
	p->child_close_fd = -1;
	p->child_result = -ECHILD;
	p->kargs.flags &= ~(uint64_t)CLONE_NEWTIME;
	p->kargs.timens_offset = 0;
	/* With a stack of its own the child starts where the kernel puts it. */
	p->child_sp = p->kargs.stack ? 0 : p->saved[PLAN_SP / 8];

	p->child_share = 0;
	p->ack = 0;
	p->wait = 0;

	/*
	 * Inplace for a single-threaded caller allowed to setns() back;
	 * else the child path, whose child is the calling thread's own;
	 * the helper only where neither can serve (BENCHMARKS.md and
	 * docs/design.md have why, in that order).  A CLONE_VM child shares
	 * our memory when we would setns() back, which the kernel then
	 * refuses (EUSERS), even with CLONE_VFORK: the vfork completion
	 * wakes us a moment before the child has left our memory.  So no
	 * CLONE_VM call goes inplace.
	 */
	r = 1;
	if (!userns && (probe->force == TIMENS_PATH_NONE || probe->force == TIMENS_PATH_KERNEL ||
			probe->force == TIMENS_PATH_INPLACE) &&
	    !(flags & CLONE_VM))
		r = inplace_begin((struct clone_area *)p);
	if (r < 0)
		return r;
	if (r == 0) {
		p->path = TIMENS_PATH_INPLACE;
		if (!(flags & CLONE_FILES))
			p->child_close_fd = p->own_ns_fd;
	}
	if (r == 1 && probe->force != TIMENS_PATH_HELPER_THREAD) {
		r = child_path_check(p, flags);
		if (r == 0)
			r = child_path_begin(p);
		if (r < 0)
			return r;
	}
	if (r == 1)
		plan_helper(p, userns);
	/*
	 * Never fails: prepare refused what clone(2) cannot make, and the
	 * paths change only what it can.  Should it, finish undoes the rest.
	 */
	r = timens__clone_call(&p->call, &p->kargs, TIMENS_CLONE_ARGS_SIZE_VER2);
	if (r == 0 && p->kind == PLAN_KIND_HELPER)
		r = timens__clone_call(&p->hcall, &p->hargs, TIMENS_CLONE_ARGS_SIZE_VER2);
	if (r < 0)
		return r;
	/* Before the clone: a child shares what we write after it. */
	timens__set_last_path(p->path);
	return 0;
}

long timens__clone_finish(struct clone_plan *p, long ret)
{
	if (p->child_share || p->wait)
		ret = child_path_finish(p, ret);
	if (p->kind == PLAN_KIND_HELPER && ret > 0) {
		if (p->path == TIMENS_PATH_HELPER_PROCESS) {
			siginfo_t si;

			while (waitid(P_PID, (id_t)ret, &si, WEXITED | __WALL) < 0 &&
			       errno == EINTR)
				;
		}
		ret = p->child_result;
	}
	if (p->own_ns_fd >= 0) {
		timens__setns_back(p->own_ns_fd);
		close(p->own_ns_fd);
		p->own_ns_fd = -1;
	}
	if (ret < 0) {
		timens__set_last_path(TIMENS_PATH_NONE);
		errno = (int)-ret;
		return -1;
	}
	/*
	 * As the raw system call, a success leaves errno alone; written only
	 * if it changed (after a fork each page we write is a copy-on-write
	 * fault, errno's too).
	 */
	if (errno != p->caller_errno)
		errno = p->caller_errno;
	return ret;
}

/*
 * The helper: shares our memory and TLS, runs on its own stack below
 * ours while we sleep in vfork.  It must not touch errno or anything
 * libc keeps per thread, hence raw system calls only.
 */
__attribute__((no_sanitize_address))
void timens__helper_main(struct clone_plan *p)
{
	long r;

	r = raw_syscall(SYS_unshare, p->unshare_flags);
	if (r == 0)
		r = timens__write_own_offsets(&p->offset);
	if (r < 0) {
		p->child_result = r;
		raw_syscall(SYS_exit, 0);
		__builtin_unreachable();
	}
	timens__helper_clone(p);
}
