// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * timens_clone3() where clone3 is refused (a seccomp filter answering it
 * ENOSYS, installed here before the library's first call): what clone(2)
 * can express works, its tid words and pidfd written where clone3 would
 * write them; what it cannot express is ENOSYS with nothing created or
 * changed, with offsets or without; and clone3's own argument errors stay
 * what the kernel's clone3 answers (copy_clone_args_from_user(),
 * clone3_args_valid(), kernel_clone() in kernel/fork.c), since the raw
 * call cannot tell us here.  test/noclone3.sh runs the other contract
 * tests so.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "child.h"
#include "fault.h"

/*
 * A stack whose last page lies past the smallest user address space the
 * kernel may have: x86-64's 4-level paging ends at 2^47 - 4096; arm64's
 * is 36 to 52 bits, and the initial stack, whose top the library reads,
 * is below 2^48 on all of them (52-bit VAs are given only to those who
 * ask mmap for them).
 */
#if defined(__aarch64__)
#define PAST_USER_END		0xfffffffff000ULL
#define PAST_USER_END_WHAT	"a stack past the 48-bit address space"
#else
#define PAST_USER_END		0x7ffffffff000ULL
#define PAST_USER_END_WHAT	"a stack past the 47-bit address space"
#endif

static const struct timens_offset off = { 86400 * NSEC_PER_SEC, NSEC_PER_SEC };

struct shared {
	int ptid, ctid, pidfd;
	int child_tid;		/* gettid() in the child */
	int child_ctid;		/* the child's CLONE_CHILD_SETTID word, as it saw it */
	uint64_t child_time;	/* the child's time namespace */
};

/* A call clone(2) can make: the child, its tid words, its pidfd. */
static void expressible(struct shared *sh, uint64_t extra, const struct timens_offset *o,
			const char *what)
{
	struct timens_clone_args a = {
		.flags = CLONE_PARENT_SETTID | CLONE_CHILD_SETTID | extra | (o ? CLONE_NEWTIME : 0),
		.exit_signal = SIGCHLD,
		.parent_tid = to_u64(&sh->ptid),
		.child_tid = to_u64(&sh->ctid),
		.timens_offset = to_u64(o),
	};
	uint64_t own = ns_ino("/proc/self/ns/time");
	pid_t pid;
	int st;

	memset(sh, 0, sizeof(*sh));
	sh->pidfd = -1;
	if (extra & CLONE_PIDFD) {
		a.flags &= ~(uint64_t)CLONE_PARENT_SETTID;
		a.pidfd = to_u64(&sh->pidfd);
	}
	pid = timens_clone3(&a, sizeof(a));
	if (pid == 0) {
		sh->child_tid = (int)syscall(SYS_gettid);
		sh->child_ctid = sh->ctid;
		sh->child_time = ns_ino("/proc/self/ns/time");
		_exit(0);
	}
	if (!tap_ok(pid > 0, "%s: made (%s) via %s", what, pid > 0 ? "ok" : strerror(errno),
		    timens_path_name(timens_last_path())))
		return;
	tap_ok(timens_last_path() == (o ? TIMENS_PATH_INPLACE : TIMENS_PATH_KERNEL),
	       "%s: path %s", what, timens_path_name(timens_last_path()));
	st = wait_status(pid);
	tap_ok(WIFEXITED(st) && WEXITSTATUS(st) == 0 && sh->child_tid == pid,
	       "%s: the child ran, exited 0", what);
	tap_ok(sh->child_ctid == pid, "%s: CLONE_CHILD_SETTID wrote the child's tid in the child "
	       "(%d, want %d)", what, sh->child_ctid, pid);
	if (extra & CLONE_PIDFD) {
		tap_ok(sh->pidfd >= 0 && pidfd_pid(sh->pidfd) == -1 &&
		       (fcntl(sh->pidfd, F_GETFD) & FD_CLOEXEC),
		       "%s: the pidfd (%d) is the child's, reaped now, and close-on-exec",
		       what, sh->pidfd);
		if (sh->pidfd >= 0)
			close(sh->pidfd);
	} else {
		tap_ok(sh->ptid == pid, "%s: CLONE_PARENT_SETTID wrote the child's tid (%d, want %d)",
		       what, sh->ptid, pid);
	}
	tap_ok(o ? sh->child_time != own : sh->child_time == own,
	       "%s: the child's time namespace is %s", what, o ? "a new one" : "ours");
}

/* The pidfd of a live child names it: checked before it is reaped. */
static void pidfd_names_child(void)
{
	struct timens_clone_args a = { .flags = CLONE_PIDFD, .exit_signal = SIGCHLD };
	int fd = -1, p[2];
	pid_t pid;
	char c;

	a.pidfd = to_u64(&fd);
	if (pipe2(p, O_CLOEXEC))
		tap_bail("pipe2");
	pid = timens_clone3(&a, sizeof(a));
	if (pid == 0) {
		close(p[1]);
		if (read(p[0], &c, 1) < 0)
			_exit(2);
		_exit(0);
	}
	close(p[0]);
	tap_ok(pid > 0 && fd >= 0 && pidfd_pid(fd) == pid,
	       "CLONE_PIDFD without offsets: the pidfd names the live child (%d, want %d)",
	       fd >= 0 ? pidfd_pid(fd) : -1, pid);
	close(p[1]);
	if (pid > 0)
		wait_status(pid);
	if (fd >= 0)
		close(fd);
}

struct bad {
	const char *what;
	struct timens_clone_args a;
	size_t size;
	int want;		/* errno */
	bool offsets_too;	/* also with CLONE_NEWTIME and offsets */
};

static int tid_zero;
static char tail_args[128];

/* One refused call: WANT, no child, the caller unchanged. */
static void refused(const char *what, void *args, size_t size, int want)
{
	struct caller_state before;
	char why[160] = "";
	pid_t pid;
	int err;

	caller_state_get(&before);
	pid = timens_clone3(args, size);
	if (pid == 0)
		_exit(0);
	err = errno;
	if (pid > 0)
		wait_status(pid);
	caller_state_same(&before, why, sizeof(why));
	tap_ok(pid == -1 && err == want && no_children() && !why[0],
	       "%s: %s (want %s), nothing created or changed%s%s", what,
	       pid < 0 ? errno_name(err) : "a child", errno_name(want),
	       why[0] ? ": " : "", why);
}

int main(int argc, char **argv)
{
	static const int clone3_nr = SYS_clone3;
	struct shared *sh;
	char what[160];
	int cg, i, n = 0, both;
	struct bad c[24];

	/* Before anything asks the library (the probe runs once). */
	if (fault_deny(&clone3_nr, 1, ENOSYS))
		tap_bail("seccomp filter: %s", strerror(errno));
	test_exec_hook(argc, argv);
	require_time_ns();
	require_root();
	cg = open("/sys/fs/cgroup", O_RDONLY | O_DIRECTORY | O_CLOEXEC);

#define CASE(w, sz, e, both, ...) \
	c[n++] = (struct bad){ .what = (w), .size = (sz), .want = (e), .offsets_too = (both), \
			       .a = { __VA_ARGS__ } }
	/* What clone(2) cannot express. */
	CASE("set_tid", 88, ENOSYS, true, .set_tid = to_u64(&tid_zero), .set_tid_size = 1,
	     .exit_signal = SIGCHLD);
	CASE("CLONE_INTO_CGROUP", 88, ENOSYS, true, .flags = CLONE_INTO_CGROUP,
	     .cgroup = (uint64_t)(cg < 0 ? 0 : cg), .exit_signal = SIGCHLD);
	CASE("CLONE_CLEAR_SIGHAND", 88, ENOSYS, true, .flags = CLONE_CLEAR_SIGHAND,
	     .exit_signal = SIGCHLD);
	CASE("CLONE_PIDFD and CLONE_PARENT_SETTID, two words", 88, ENOSYS, true,
	     .flags = CLONE_PIDFD | CLONE_PARENT_SETTID, .pidfd = to_u64(&c[0]),
	     .parent_tid = to_u64(&c[1]), .exit_signal = SIGCHLD);
	CASE(PAST_USER_END_WHAT, 88, ENOSYS, true,
	     .flags = CLONE_VM | CLONE_VFORK, .stack = PAST_USER_END, .stack_size = 8192,
	     .exit_signal = SIGCHLD);
	CASE("CLONE_NEWTIME without offsets", 88, ENOSYS, false, .flags = CLONE_NEWTIME,
	     .exit_signal = SIGCHLD);
	/* clone3's own errors, before anything (kernel/fork.c). */
	CASE("size below VER0", 63, EINVAL, false, .exit_signal = SIGCHLD);
	CASE("size above a page", 4097, E2BIG, false, .exit_signal = SIGCHLD);
	CASE("a CSIGNAL bit in flags", 88, EINVAL, true, .flags = 0x11);
	CASE("exit_signal 65", 88, EINVAL, true, .exit_signal = 65);
	CASE("CLONE_THREAD without CLONE_SIGHAND", 88, EINVAL, true, .flags = CLONE_THREAD | CLONE_VM);
	CASE("a stack that wraps", 88, EINVAL, true, .flags = CLONE_VM | CLONE_VFORK,
	     .stack = ~0ULL - 4095, .stack_size = 8192, .exit_signal = SIGCHLD);
	CASE("CLONE_PIDFD and CLONE_PARENT_SETTID, one word", 88, EINVAL, true,
	     .flags = CLONE_PIDFD | CLONE_PARENT_SETTID, .pidfd = to_u64(&c[0]),
	     .parent_tid = to_u64(&c[0]), .exit_signal = SIGCHLD);
	CASE("CLONE_INTO_CGROUP in a VER1 size", 80, EINVAL, false, .flags = CLONE_INTO_CGROUP,
	     .exit_signal = SIGCHLD);
#undef CASE

	for (i = 0, both = 0; i < n; i++)
		both += c[i].offsets_too;
	tap_plan(3 + 4 * 6 + 1 + n + both + 3 + 1);
	tap_ok(timens_features() & TIMENS_FEATURE_CLONE3_REFUSED,
	       "the probe sees clone3 refused (features %#x)", timens_features());
	tap_ok(!(timens_features() & (TIMENS_FEATURE_CLONE3_NEWTIME | TIMENS_FEATURE_NATIVE_OFFSET)),
	       "and claims nothing it asked clone3 about");
	{
		long r = syscall(SYS_clone3, NULL, 88);
		int e = errno;

		tap_ok(r == -1 && e == ENOSYS, "the raw clone3 is ENOSYS here (%s)",
		       r == -1 ? errno_name(e) : "no error");
	}

	sh = shared_alloc(sizeof(*sh));
	expressible(sh, 0, NULL, "tid words, no offsets");
	expressible(sh, 0, &off, "tid words, offsets");
	expressible(sh, CLONE_PIDFD, NULL, "CLONE_PIDFD, no offsets");
	expressible(sh, CLONE_PIDFD, &off, "CLONE_PIDFD, offsets");
	pidfd_names_child();

	for (i = 0; i < n; i++) {
		refused(c[i].what, &c[i].a, c[i].size, c[i].want);
		if (c[i].offsets_too) {
			struct timens_clone_args a = c[i].a;

			a.flags |= CLONE_NEWTIME;
			a.timens_offset = to_u64(&off);
			snprintf(what, sizeof(what), "%s, with offsets", c[i].what);
			refused(what, &a, sizeof(a), c[i].want);
		}
	}
	/* Bytes past what clone3 knows: zero is fine, any other E2BIG. */
	memset(tail_args, 0, sizeof(tail_args));
	((struct timens_clone_args *)tail_args)->exit_signal = SIGCHLD;
	tail_args[100] = 1;
	refused("a non-zero byte past VER3", tail_args, 104, E2BIG);
	refused("NULL arguments", NULL, 88, EFAULT);
	refused("arguments on an unmapped page", (void *)8, 88, EFAULT);
	tap_ok(no_children(), "no child left");
	if (cg >= 0)
		close(cg);
	return tap_done();
}
