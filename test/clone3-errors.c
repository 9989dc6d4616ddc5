// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Every failure of timens_clone3() is the kernel's: the same errno as the
 * raw clone3 syscall for the same arguments, and the timens_offset errors
 * (EINVAL without CLONE_NEWTIME, EFAULT, ERANGE, EPERM) before any
 * process exists.  After each failure the caller is unchanged and no
 * child exists.  The table runs single-threaded and with a second thread
 * alive, so that each userspace path meets each failure.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <linux/capability.h>

#include "child.h"
#include "fault.h"

#define SEC NSEC_PER_SEC

/* The raw syscall; a child it should wrongly create exits at once. */
static int raw_clone3_errno(struct timens_clone_args *a, size_t size)
{
	long r = syscall(SYS_clone3, a, size);

	if (r == 0)
		_exit(0);
	if (r > 0) {
		wait_status((pid_t)r);
		return 0;
	}
	return errno;
}

static int lib_clone3_errno(struct timens_clone_args *a, size_t size)
{
	pid_t r = timens_clone3(a, size);

	if (r == 0)
		_exit(0);
	if (r > 0) {
		wait_status(r);
		return 0;
	}
	return errno;
}

struct bad {
	const char *name;
	struct timens_clone_args a;
	size_t size;
};

static uint64_t one_tid_zero = 0;

static void fill_cases(struct bad *c, int *n, pid_t self)
{
	static uint64_t existing;
	static uint64_t pidfd_slot;
	int i = 0;

	existing = (uint64_t)self;
#define CASE(nm, sz, ...) c[i++] = (struct bad){ nm, { __VA_ARGS__ }, sz }
	CASE("CLONE_THREAD without CLONE_SIGHAND", 88, .flags = CLONE_THREAD | CLONE_VM);
	CASE("CLONE_SIGHAND with CLONE_CLEAR_SIGHAND", 88,
	     .flags = CLONE_SIGHAND | CLONE_VM | CLONE_CLEAR_SIGHAND, .exit_signal = SIGCHLD);
	CASE("exit_signal 65", 88, .exit_signal = 65);
	CASE("stack without stack_size", 88, .stack = 4096, .exit_signal = SIGCHLD);
	CASE("stack_size without stack", 88, .stack_size = 4096, .exit_signal = SIGCHLD);
	CASE("set_tid_size without set_tid", 88, .set_tid_size = 1, .exit_signal = SIGCHLD);
	CASE("set_tid_size 33", 88, .set_tid = to_u64(&one_tid_zero), .set_tid_size = 33);
	CASE("cgroup beyond INT_MAX", 88, .flags = CLONE_INTO_CGROUP, .cgroup = 1ULL << 32,
	     .exit_signal = SIGCHLD);
	CASE("CLONE_INTO_CGROUP with a closed fd", 88, .flags = CLONE_INTO_CGROUP,
	     .cgroup = 999, .exit_signal = SIGCHLD);
	CASE("CLONE_PARENT with an exit signal", 88, .flags = CLONE_PARENT,
	     .exit_signal = SIGCHLD);
	CASE("unknown flag bit 40", 88, .flags = 1ULL << 40, .exit_signal = SIGCHLD);
	CASE("CLONE_DETACHED", 88, .flags = 0x00400000, .exit_signal = SIGCHLD);
	CASE("CLONE_PIDFD and PARENT_SETTID on one word", 88,
	     .flags = CLONE_PIDFD | CLONE_PARENT_SETTID, .pidfd = to_u64(&pidfd_slot),
	     .parent_tid = to_u64(&pidfd_slot), .exit_signal = SIGCHLD);
	CASE("CLONE_NEWUSER with CLONE_FS", 88, .flags = CLONE_NEWUSER | CLONE_FS,
	     .exit_signal = SIGCHLD);
	CASE("CLONE_NEWNS with CLONE_FS", 88, .flags = CLONE_NEWNS | CLONE_FS,
	     .exit_signal = SIGCHLD);
	CASE("set_tid naming a live pid", 88, .set_tid = to_u64(&existing), .set_tid_size = 1,
	     .exit_signal = SIGCHLD);
	CASE("bad set_tid pointer", 88, .set_tid = 8, .set_tid_size = 1, .exit_signal = SIGCHLD);
#undef CASE
	*n = i;
}

static bool state_same(const struct caller_state *a)
{
	struct caller_state b;

	caller_state_get(&b);
	return a->time_ino == b.time_ino && a->tfc_ino == b.tfc_ino &&
	       !memcmp(&a->mask, &b.mask, sizeof(sigset_t)) && a->nfds == b.nfds &&
	       no_children();
}

static void expect(int got, int want, const struct caller_state *st, const char *suffix,
		   const char *name, const char *mode)
{
	char g[64], w[64];

	snprintf(g, sizeof(g), "%s", got ? strerror(got) : "success");
	snprintf(w, sizeof(w), "%s", want ? strerror(want) : "success");
	tap_ok(got == want && state_same(st), "%s%s [%s]: %s (want %s), nothing created or changed",
	       name, suffix, mode, g, w);
}

static void run_table(const char *mode)
{
	static struct timens_offset off = { 5 * SEC, 7 * SEC };
	struct caller_state st;
	struct bad cases[32];
	int n, i;

	fill_cases(cases, &n, getpid());
	caller_state_get(&st);
	for (i = 0; i < n; i++) {
		struct timens_clone_args a = cases[i].a;
		int want, got;

		/* No offsets: the library is the kernel, for every size. */
		want = raw_clone3_errno(&a, 88);
		got = lib_clone3_errno(&a, 88);
		expect(got, want, &st, ", size 88, no offsets", cases[i].name, mode);
		got = lib_clone3_errno(&a, 96);
		expect(got, want, &st, ", size 96, timens_offset 0", cases[i].name, mode);

		/* With offsets: what the kernel says of these flags with CLONE_NEWTIME. */
		a.flags |= CLONE_NEWTIME;
		want = raw_clone3_errno(&a, 88);
		a.timens_offset = to_u64(&off);
		got = lib_clone3_errno(&a, 96);
		expect(got, want, &st, ", with offsets", cases[i].name, mode);
	}
}

/*
 * The size argument alone: every other field valid (a call that succeeds
 * wherever the size lets it), so that each row tests size handling and
 * nothing else.  Below VER3 the library is the kernel; at VER3 and above
 * it implements timens_offset (an unpatched kernel would say E2BIG), and
 * bytes past VER3 must be zero, up to a page.
 */
static void run_sizes(void)
{
	/* The kernel's limit is its PAGE_SIZE (4, 16 or 64 KiB on arm64). */
	const size_t page = (size_t)sysconf(_SC_PAGESIZE);
	const size_t big_size = page + sizeof(struct timens_clone_args);
	unsigned char *big = malloc(big_size);
	struct timens_clone_args *a = (struct timens_clone_args *)big;
	struct caller_state st;
	struct timens_offset off = { SEC, SEC };
	const struct {
		size_t size;
		bool nonzero_tail;	/* a 1 in the last byte of SIZE */
	} rows[] = {
		{ 0, false }, { 8, false }, { 63, false }, { 64, false }, { 72, false },
		{ 80, false }, { 88, false }, { 89, false }, { 95, false }, { 96, false },
		{ 97, false }, { 104, false }, { page, false },
		{ 97, true }, { 104, true }, { page, true }, { page + 1, false },
	};
	size_t i;

	if (!big)
		tap_bail("malloc: %s", strerror(errno));
	caller_state_get(&st);
	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		size_t sz = rows[i].size;
		int want, got;
		char name[64];

		memset(big, 0, big_size);
		a->flags = CLONE_NEWTIME;
		a->exit_signal = SIGCHLD;
		a->timens_offset = to_u64(&off);
		if (rows[i].nonzero_tail)
			big[sz - 1] = 1;
		if (sz < TIMENS_CLONE_ARGS_SIZE_VER3)
			want = raw_clone3_errno(a, sz);	/* the kernel's call */
		else if (sz > page || rows[i].nonzero_tail)
			want = E2BIG;
		else
			want = 0;
		got = lib_clone3_errno(a, sz);
		snprintf(name, sizeof(name), "size %zu%s", sz,
			 rows[i].nonzero_tail ? ", non-zero last byte" : "");
		expect(got, want, &st, "", name, "sizes");
	}
	expect(lib_clone3_errno(NULL, 88), raw_clone3_errno(NULL, 88), &st, "",
	       "NULL args, size 88", "sizes");
	expect(lib_clone3_errno(NULL, 96), raw_clone3_errno(NULL, 96), &st, "",
	       "NULL args, size 96", "sizes");
	free(big);
}

static void run_timens_errors(const char *mode)
{
	struct caller_state st;
	struct timens_clone_args a = { .exit_signal = SIGCHLD };
	struct timens_offset off = { SEC, SEC };
	int64_t mono = clock_ns(CLOCK_MONOTONIC), boot = clock_ns(CLOCK_BOOTTIME);
	struct timens_offset neg_mono = { -(mono + 1000 * SEC), 0 };
	struct timens_offset neg_boot = { 0, -(boot + 1000 * SEC) };
	struct timens_offset far = { 200LL * 365 * 86400 * SEC, 0 };
	void *unmapped;

	caller_state_get(&st);
	a.timens_offset = to_u64(&off);
	expect(lib_clone3_errno(&a, 96), EINVAL, &st, "", "timens_offset without CLONE_NEWTIME",
	       mode);
	a.flags = CLONE_NEWTIME;
	a.timens_offset = 1;
	expect(lib_clone3_errno(&a, 96), EFAULT, &st, "", "timens_offset = 1", mode);
	unmapped = mmap(NULL, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	a.timens_offset = to_u64(unmapped);
	expect(lib_clone3_errno(&a, 96), EFAULT, &st, "", "timens_offset on a PROT_NONE page",
	       mode);
	munmap(unmapped, 4096);
	a.timens_offset = to_u64(&neg_mono);
	expect(lib_clone3_errno(&a, 96), ERANGE, &st, "", "monotonic before boot", mode);
	a.timens_offset = to_u64(&neg_boot);
	expect(lib_clone3_errno(&a, 96), ERANGE, &st, "", "boottime before boot", mode);
	a.timens_offset = to_u64(&far);
	expect(lib_clone3_errno(&a, 96), ERANGE, &st, "", "monotonic 200 years ahead", mode);
}

/*
 * Under a filter that refuses system call NR with ERR, as sandboxes do:
 * bad pointers are EFAULT (the offsets, the args, a tail that runs into
 * an unmapped page), and good calls still work.
 */
static void run_denied(int nr, int err, const char *mode)
{
	struct timens_offset off = { 3 * SEC, 4 * SEC };
	struct timens_clone_args a = {
		.flags = CLONE_NEWTIME, .exit_signal = SIGCHLD, .timens_offset = to_u64(&off),
	};
	const size_t page = (size_t)sysconf(_SC_PAGESIZE);
	struct timens_clone_args *edge;
	struct caller_state st;
	char *pages;

	if (fault_deny(&nr, 1, err))
		tap_bail("seccomp: %s", strerror(errno));
	tap_ok(syscall(nr, 0, 0, 0, 0, 0, 0) == -1 && errno == err, "[%s] the filter is in place",
	       mode);
	caller_state_get(&st);
	expect(lib_clone3_errno(&a, 96), 0, &st, "", "good offsets", mode);
	run_timens_errors(mode);
	/* Arguments that end where an unmapped page begins. */
	pages = mmap(NULL, 2 * page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (pages == MAP_FAILED || mprotect(pages + page, page, PROT_NONE))
		tap_bail("mmap");
	edge = (struct timens_clone_args *)(pages + page - sizeof(*edge));
	*edge = a;
	expect(lib_clone3_errno(edge, 96), 0, &st, "", "args just below an unmapped page", mode);
	expect(lib_clone3_errno(edge, 104), raw_clone3_errno(edge, 104), &st, "",
	       "args whose tail is unmapped (size 104)", mode);
	expect(lib_clone3_errno((struct timens_clone_args *)(pages + page), 96), EFAULT, &st, "",
	       "args on an unmapped page", mode);
	munmap(pages, 2 * page);
}

/*
 * From inside a time namespace, with a second thread (the child path,
 * which cannot read the host's clocks there): offsets the kernel refuses
 * are still ERANGE, found and reported by the child, which is reaped;
 * good ones still work.  The caller's exit status says: 0 all well,
 * 1 the bad call's errno was not ERANGE, 2 something was left behind or
 * the good call failed.
 */
static int nested_range(void)
{
	struct timens_offset ahead = { 86400 * SEC, 86400 * SEC };
	struct timens_clone_args a = {
		.flags = CLONE_NEWTIME, .exit_signal = SIGCHLD, .timens_offset = to_u64(&ahead),
	};
	pid_t pid = timens_clone3(&a, sizeof(a));

	if (pid == 0) {
		int64_t boot = raw_clock_ns(CLOCK_BOOTTIME);
		struct timens_offset before_boot = { 0, -(boot + 1000 * SEC) };
		struct timens_offset good = { 5 * SEC, 5 * SEC };
		struct idle_thread idle;
		struct caller_state st;
		int err;

		idle_thread_start(&idle);
		caller_state_get(&st);
		a.timens_offset = to_u64(&before_boot);
		err = lib_clone3_errno(&a, 96);
		if (err != ERANGE)
			_exit(1);
		a.timens_offset = to_u64(&good);
		if (!state_same(&st) || lib_clone3_errno(&a, 96) != 0 || !state_same(&st))
			_exit(2);
		_exit(0);
	}
	return pid < 0 ? -1 : wait_status(pid);
}

/*
 * A child of the child path (we have two threads) that dies before it
 * reports: its CLONE_CHILD_SETTID word is unmapped, which the kernel
 * ignores but the child's own write of it does not (timens_clone3(3)).
 * A child with memory of its own wakes nobody as it dies, so the call
 * must notice: it returns the pid (within the alarm), and the child was
 * killed.
 */
static void child_dies_first(void)
{
	struct timens_offset off = { SEC, SEC };
	struct timens_clone_args a = {
		.flags = CLONE_NEWTIME | CLONE_CHILD_SETTID, .exit_signal = SIGCHLD,
		.timens_offset = to_u64(&off), .child_tid = 8,
	};
	pid_t pid;
	int st;

	alarm(30);
	pid = timens_clone3(&a, sizeof(a));
	if (pid == 0)
		_exit(0);
	alarm(0);
	st = pid > 0 ? wait_status(pid) : -1;
	/* Natively the kernel makes the child, and ignores the bad word. */
	if (timens_last_path() == TIMENS_PATH_NATIVE)
		tap_ok(pid > 0 && WIFEXITED(st) && WEXITSTATUS(st) == 0,
		       "2 threads, a bad CLONE_CHILD_SETTID word, natively: ignored (%#x)", st);
	else
		tap_ok(pid > 0 && WIFSIGNALED(st) && WTERMSIG(st) == SIGSEGV,
		       "2 threads, a child that dies before it reports: the call returns %d, the child was killed (%#x)",
		       pid, st);
}

/* In a child that drops privileges, so that the test process keeps them. */
static int errno_as(bool nobody, uint64_t flags)
{
	struct timens_offset off = { SEC, SEC };
	struct timens_clone_args a = {
		.flags = CLONE_NEWTIME | flags,
		.exit_signal = SIGCHLD,
		.timens_offset = to_u64(&off),
	};
	int *res = shared_alloc(sizeof(int));
	pid_t pid = fork();
	int r;

	if (pid == 0) {
		if (nobody) {
			if (setresgid(65534, 65534, 65534) || setresuid(65534, 65534, 65534))
				_exit(1);
		} else {
			/* Keep CAP_SYS_ADMIN, lose CAP_SYS_TIME. */
			struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };
			struct __user_cap_data_struct d[2];

			if (syscall(SYS_capget, &h, d))
				_exit(1);
			d[0].effective &= ~(1u << CAP_SYS_TIME);
			d[0].permitted &= ~(1u << CAP_SYS_TIME);
			if (syscall(SYS_capset, &h, d))
				_exit(1);
		}
		*res = lib_clone3_errno(&a, 96);
		_exit(no_children() ? 0 : 3);
	}
	r = wait_status(pid);
	if (!WIFEXITED(r) || WEXITSTATUS(r) != 0)
		*res = -1;
	r = *res;
	munmap(res, sizeof(int));
	return r;
}

int main(int argc, char **argv)
{
	struct caller_state st;
	struct idle_thread idle;
	int got;

	test_exec_hook(argc, argv);
	require_time_ns();
	require_root();

	caller_state_get(&st);
	run_table("1 thread");
	run_sizes();
	run_timens_errors("1 thread");

	got = errno_as(true, 0);
	tap_ok(got == EPERM, "unprivileged, no user namespace: EPERM (got %s)",
	       got > 0 ? strerror(got) : "child failed");
	got = errno_as(false, 0);
	tap_ok(got == EPERM, "root without CAP_SYS_TIME: EPERM (got %s)",
	       got > 0 ? strerror(got) : "child failed");

	got = nested_range();
	tap_ok(got >= 0 && WIFEXITED(got) && WEXITSTATUS(got) == 0,
	       "in a time namespace, 2 threads: ERANGE from the child, nothing left; good offsets work (%#x)",
	       got);

	idle_thread_start(&idle);
	run_table("2 threads");
	run_timens_errors("2 threads");
	child_dies_first();
	idle_thread_stop(&idle);
	caller_state_check(&st, "after every failure");

	/*
	 * Last, since a filter is for good: sandboxes that refuse
	 * process_vm_readv, and then futex() too (what the library reads the
	 * arguments with: it falls back to a pipe).  EFAULT stays EFAULT,
	 * never a SIGSEGV.
	 */
	run_denied(__NR_process_vm_readv, ENOSYS, "process_vm_readv ENOSYS");
	run_denied(__NR_futex, EPERM, "futex EPERM");
	caller_state_check(&st, "after the sandboxed calls");
	return tap_done();
}
