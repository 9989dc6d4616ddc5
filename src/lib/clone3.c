// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * timens_clone3(): validation, then one of the paths below.  The entry
 * point itself is in clone3-x86_64.S; see there for why.
 *
 *   native   the kernel takes timens_offset: the call goes straight to it.
 *   kernel   no offsets asked (timens_offset 0, or a size without the
 *            field): straight to the kernel too, whatever the flags.
 *   inplace  a single-threaded caller allowed to setns() into its own
 *            time namespace: unshare(CLONE_NEWTIME), write the offsets,
 *            clone3 (the child enters the new namespace as it starts),
 *            setns() back.  The cheapest emulation.
 *   helper   anyone else: a vfork-style helper sharing our memory does
 *            the unshare and the write and makes the child; our own
 *            namespaces are never touched.  A thread of ours, or, when a
 *            new user namespace must own the time namespace, a process.
 *
 * For the whole of an emulated call every signal is blocked, so no
 * handler can fork while our time_for_children is not our own; the child
 * gets the caller's mask back before it returns.
 *
 * An emulated call keeps its state, and runs its C code, in the calling
 * thread's clone area (see struct clone_area): after a fork, each page
 * of ours that we write is a copy-on-write fault, which on a virtual
 * machine costs as much as a dozen system calls, and the area is the
 * one place fork() leaves writable.
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

#include "internal.h"
#include "plan.h"
#include "syscall.h"

#ifndef CLONE_DETACHED
#define CLONE_DETACHED 0x00400000
#endif
#define CSIGNAL_MASK 0xffULL
#define KERNEL_NSIG 64
#define MAX_PID_NS_LEVEL 32
#define PAGE_LIMIT 4096

struct clone_plan {
	uint64_t ret, rsp, rbx, rbp, r12, r13, r14, r15;
	uint64_t kind;
	uint64_t ksize;
	int64_t child_result;
	uint64_t child_rsp;
	uint64_t oldmask;
	int64_t child_close_fd;
	struct timens_clone_args kargs;
	struct timens_clone_args hargs;
	uint64_t stack_top;
	/* C only from here on. */
	uint64_t stack_base;		/* lowest byte of the area's stack */
	struct timens_offset offset;
	uint64_t unshare_flags;		/* what the helper unshares */
	int own_ns_fd;			/* inplace: to setns back */
	enum timens_path path;
};

_Static_assert(offsetof(struct clone_plan, kind) == PLAN_KIND, "plan");
_Static_assert(offsetof(struct clone_plan, ksize) == PLAN_KSIZE, "plan");
_Static_assert(offsetof(struct clone_plan, child_result) == PLAN_CHILD_RESULT, "plan");
_Static_assert(offsetof(struct clone_plan, child_rsp) == PLAN_CHILD_RSP, "plan");
_Static_assert(offsetof(struct clone_plan, oldmask) == PLAN_OLDMASK, "plan");
_Static_assert(offsetof(struct clone_plan, child_close_fd) == PLAN_CHILD_CLOSE_FD, "plan");
_Static_assert(offsetof(struct clone_plan, kargs) == PLAN_KARGS, "plan");
_Static_assert(offsetof(struct clone_plan, hargs) == PLAN_HARGS, "plan");
_Static_assert(offsetof(struct clone_plan, stack_top) == PLAN_STACK_TOP, "plan");
_Static_assert(offsetof(struct clone_plan, r15) == PLAN_R15, "plan");
_Static_assert(offsetof(struct timens_clone_args, stack) == 40, "clone_args");
_Static_assert(offsetof(struct timens_clone_args, stack_size) == 48, "clone_args");
_Static_assert(sizeof(struct timens_clone_args) == TIMENS_CLONE_ARGS_SIZE_VER3, "VER3");

/*
 * A thread's clone area: one mapping of AREA_SIZE bytes, made at the
 * thread's first emulated call and unmapped when the thread exits:
 *
 *   [guard page][stack, growing down ...........][struct clone_area]
 *
 * MADV_WIPEONFORK: fork() copies none of it (a child that looks finds
 * zeroes, so tid 0), hence write-protects none of it in the parent.  The
 * stack is the C stack of the call's setup and finish and the helper's.
 */
#define AREA_SIZE (64 * 1024)

struct clone_area {
	struct clone_plan plan;		/* first: a plan is its area */
	pid_t tid;			/* the owner; 0 in a forked child */
	pid_t pid;			/* the owner's process */
	bool threads_seen;		/* inplace refused: not the only thread */
};

/* Called from the assembly entry; hidden, not part of the API. */
uintptr_t timens__clone_prepare(const struct timens_clone_args *uargs, size_t size);
long timens__clone_setup(struct clone_plan *p);
long timens__clone_finish(struct clone_plan *p, long ret);
_Noreturn void timens__helper_main(struct clone_plan *p);
_Noreturn void timens__helper_clone(struct clone_plan *p);
void timens__set_errno(int err);

static __thread struct clone_area *tls_area;
static __thread enum timens_path last_path;
static pthread_key_t area_key;
static pthread_once_t area_key_once = PTHREAD_ONCE_INIT;
static int area_key_err;

/*
 * Only when it changes: after a fork our thread-local block is
 * write-protected like the rest, and a call that takes the same path as
 * the last one should not pay a fault to say so.
 */
void timens__set_last_path(enum timens_path path)
{
	if (last_path != path)
		last_path = path;
}

TIMENS_EXPORT enum timens_path timens_last_path(void)
{
	return last_path;
}

TIMENS_EXPORT const char *timens_path_name(enum timens_path path)
{
	switch (path) {
	case TIMENS_PATH_NONE:		 return "none";
	case TIMENS_PATH_KERNEL:	 return "kernel";
	case TIMENS_PATH_NATIVE:	 return "native";
	case TIMENS_PATH_INPLACE:	 return "inplace";
	case TIMENS_PATH_HELPER_THREAD:	 return "helper-thread";
	case TIMENS_PATH_HELPER_PROCESS: return "helper-process";
	case TIMENS_PATH_SPAWN_VFORK:	 return "spawn-vfork";
	case TIMENS_PATH_SPAWN_FORK:	 return "spawn-fork";
	}
	return "unknown";
}

void timens__set_errno(int err)
{
	errno = err;
}

/*
 * Cross-memory attach refused us once (a seccomp filter or LSM that
 * denies process_vm_readv, as some sandboxes do): not asked again.
 */
static atomic_int cma_refused;

/*
 * The same read through a pipe: write() copies from SRC as the kernel
 * copies any argument, and says EFAULT for memory we may not read.  Two
 * fds for a moment, so it can fail with EMFILE where clone3 itself would
 * not: the one difference from the kernel's own checks (timens_clone3(3)).
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

/*
 * Reads LEN bytes (at most a page) at user address SRC of our process
 * PID without faulting: 0, -EFAULT, or another -errno.
 */
static int copy_user_pid(pid_t pid, void *dst, const void *src, size_t len)
{
	struct iovec local = { .iov_base = dst, .iov_len = len };
	struct iovec remote = { .iov_base = (void *)src, .iov_len = len };
	ssize_t n;

	if (!src)
		return -EFAULT;
	if (atomic_load_explicit(&cma_refused, memory_order_relaxed))
		return copy_user_pipe(dst, src, len);
	n = process_vm_readv(pid, &local, 1, &remote, 1, 0);
	if (n == (ssize_t)len)
		return 0;
	if (n >= 0)
		return -EFAULT;		/* part of the range is not mapped */
	if (errno == ENOSYS || errno == EPERM) {
		atomic_store_explicit(&cma_refused, 1, memory_order_relaxed);
		return copy_user_pipe(dst, src, len);
	}
	return -errno;			/* EFAULT, or e.g. ENOMEM */
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
	r = timens__write_own_offsets(&p->offset);
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

static uintptr_t fail(int err)
{
	timens__set_last_path(TIMENS_PATH_NONE);
	errno = err;
	return PREPARE_FAILED;
}

/* The start of A's mapping: the area is its last page. */
static char *area_base(struct clone_area *a)
{
	return (char *)a + sysconf(_SC_PAGESIZE) - AREA_SIZE;
}

static void area_free(void *area)
{
	struct clone_area *a = area;
	char *base = area_base(a);

	/*
	 * Forget it first: a signal handler, or another key's destructor,
	 * may still call us in this thread and must make a new one.
	 */
	if (tls_area == a)
		tls_area = NULL;
	atomic_signal_fence(memory_order_seq_cst);
	munmap(base, AREA_SIZE);
}

static void make_area_key(void)
{
	area_key_err = pthread_key_create(&area_key, area_free);
}

/* The fields of a new area, or of one a fork has wiped (signals blocked). */
static void area_init(struct clone_area *a, pid_t tid)
{
	a->pid = getpid();
	a->threads_seen = false;
	a->plan.stack_base = (uint64_t)(uintptr_t)area_base(a) + (uint64_t)sysconf(_SC_PAGESIZE);
	a->plan.stack_top = (uint64_t)(uintptr_t)a & ~(uint64_t)15;
	a->tid = tid;
}

/*
 * The calling thread's clone area, made on first use: NULL with errno
 * set if it cannot be.  Called with every signal blocked, so that no
 * handler's call sees an area half made.  One made by another task is
 * not ours: after a fork it reads as zeroes (tid 0) and is taken over as
 * it is; a task that shares its parent's memory and thread-local block
 * (CLONE_VM without CLONE_SETTLS), or a forked child where the area
 * could not be marked wipe-on-fork, finds another tid there and makes
 * its own.
 */
static struct clone_area *own_area(pid_t tid)
{
	struct clone_area *a = tls_area;
	size_t page;
	char *base;
	int err;

	if (a && a->tid == tid)
		return a;
	if (a && a->tid == 0) {
		area_init(a, tid);
		return a;
	}
	err = pthread_once(&area_key_once, make_area_key);
	if (err || (err = area_key_err)) {
		errno = err;
		return NULL;
	}
	page = (size_t)sysconf(_SC_PAGESIZE);
	base = mmap(NULL, AREA_SIZE, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
	if (base == MAP_FAILED)
		return NULL;
	a = (struct clone_area *)(base + AREA_SIZE - page);
	if (mprotect(base, page, PROT_NONE))
		goto undo;
	/*
	 * Only an optimisation: without it (a kernel built without
	 * madvise(), for one) fork() write-protects the area like the rest,
	 * and a forked child finds a copy with its parent's tid in it and
	 * makes an area of its own.
	 */
	(void)madvise(base, AREA_SIZE, MADV_WIPEONFORK);
	err = pthread_setspecific(area_key, a);
	if (err) {
		errno = err;
		goto undo;
	}
	area_init(a, tid);
	tls_area = a;
	return a;
undo:
	err = errno;
	munmap(base, AREA_SIZE);
	errno = err;
	return NULL;
}

/*
 * Bytes past VER3 must be zero for us to know the call: read in chunks on
 * our small frame.  0 if they are, -EFAULT (the kernel's business, as a
 * non-zero tail is) or another -errno.
 */
static int tail_is_zero(pid_t pid, const struct timens_clone_args *uargs, size_t size)
{
	const char *src = (const char *)uargs + sizeof(*uargs);
	size_t left = size - sizeof(*uargs);
	unsigned char chunk[128];

	while (left) {
		size_t i, n = left < sizeof(chunk) ? left : sizeof(chunk);
		int r = copy_user_pid(pid, chunk, src, n);

		if (r < 0)
			return r;
		for (i = 0; i < n; i++)
			if (chunk[i])
				return -EFAULT;
		src += n;
		left -= n;
	}
	return 0;
}

/*
 * The first half of a call, on the caller's stack with a small frame:
 * is it the kernel's own (PREPARE_PASSTHROUGH), or bad (PREPARE_FAILED,
 * errno set; what the kernel would refuse is refused here, before any
 * namespace exists)?  Else the plan in this thread's clone area, with
 * every signal blocked.
 */
uintptr_t timens__clone_prepare(const struct timens_clone_args *uargs, size_t size)
{
	const struct timens_probe *probe;
	struct timens_clone_args args;
	struct timens_offset off;
	struct clone_area *a;
	struct clone_plan *p;
	uint64_t all = ~0ULL, old;
	pid_t pid, tid;
	int r;

	/*
	 * Anything that is not a well-formed VER3 call with a non-zero
	 * timens_offset goes to the kernel untouched: it checks sizes,
	 * faults and trailing bytes itself, and a zero timens_offset reads
	 * to an unpatched kernel as VER2 with zero trailing bytes.
	 */
	if (size < TIMENS_CLONE_ARGS_SIZE_VER3 || size > PAGE_LIMIT)
		goto kernel;
	/* A thread with an area of its own has our pid there. */
	a = tls_area;
	tid = a ? sys_gettid() : 0;
	pid = a && a->tid == tid ? a->pid : getpid();
	r = copy_user_pid(pid, &args, uargs, sizeof(args));
	if (r == -EFAULT)
		goto kernel;			/* the kernel says EFAULT itself */
	if (r < 0)
		return fail(-r);
	if (!args.timens_offset)
		goto kernel;
	if (size > sizeof(args)) {
		r = tail_is_zero(pid, uargs, size);
		if (r == -EFAULT)
			goto kernel;
		if (r < 0)
			return fail(-r);
	}
	probe = timens__probe();
	if ((probe->features & TIMENS_FEATURE_NATIVE_OFFSET) && probe->force == TIMENS_PATH_NONE) {
		timens__set_last_path(TIMENS_PATH_NATIVE);
		return PREPARE_PASSTHROUGH;
	}

	if (!(args.flags & CLONE_NEWTIME))
		return fail(EINVAL);
	r = copy_user_pid(pid, &off, (const void *)(uintptr_t)args.timens_offset, sizeof(off));
	if (r < 0)
		return fail(-r);
	if (kernel_would_refuse(&args))
		return fail(EINVAL);
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
	if (!tid)
		tid = sys_gettid();
	a = own_area(tid);
	if (!a) {
		r = errno;
		raw_syscall(SYS_rt_sigprocmask, SIG_SETMASK, &old, NULL, 8);
		return fail(r);
	}
	p = &a->plan;
	p->oldmask = old;
	p->kargs = args;
	p->offset = off;
	return (uintptr_t)p;
kernel:
	timens__set_last_path(TIMENS_PATH_KERNEL);
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
	p->ksize = TIMENS_CLONE_ARGS_SIZE_VER2;
	/* With a stack of its own the child starts where the kernel puts it. */
	p->child_rsp = p->kargs.stack ? 0 : p->rsp;

	/* Cheapest first: inplace where the caller allows it, else the helper. */
	/*
	 * A CLONE_VM child that we do not wait for (no CLONE_VFORK) still
	 * shares our memory when we setns() back, which the kernel then
	 * refuses (EUSERS): such a call cannot go inplace.
	 */
	r = 1;
	if (!userns && probe->force != TIMENS_PATH_HELPER_THREAD &&
	    (!(flags & CLONE_VM) || (flags & CLONE_VFORK)))
		r = inplace_begin((struct clone_area *)p);
	if (r < 0)
		return r;
	if (r == 0) {
		p->path = TIMENS_PATH_INPLACE;
		if (!(flags & CLONE_FILES))
			p->child_close_fd = p->own_ns_fd;
	} else {
		plan_helper(p, userns);
	}
	/* Before the clone: a child shares what we write after it. */
	timens__set_last_path(p->path);
	return 0;
}

long timens__clone_finish(struct clone_plan *p, long ret)
{
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
	}
	if (ret < 0) {
		timens__set_last_path(TIMENS_PATH_NONE);
		errno = (int)-ret;
		return -1;
	}
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
