// SPDX-License-Identifier: LGPL-2.1-or-later
#include "spawn-cases.h"
#include "child.h"
#include "fault.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>

static enum timens_path want_path;

static void path_ok(const char *what)
{
	tap_ok(timens_last_path() == want_path, "%s: path %s (want %s)", what,
	       timens_path_name(timens_last_path()), timens_path_name(want_path));
}

/* Spawns ourselves as a clock sampler writing to fd 100; checks clocks. */
static void spawn_sampler(const struct timens_offset *off, uint64_t flags, const char *what)
{
	int p[2], st;
	struct clock_sample s;
	struct clock_window w;
	char *argv[] = { (char *)self_exe(), "--sample-clocks", "100", NULL };
	struct timens_file_action fa[1];
	pid_t pid = -1;
	int r;

	if (pipe2(p, O_CLOEXEC))
		tap_bail("pipe2");
	fa[0] = (struct timens_file_action){ .type = TIMENS_FA_DUP2, .src_fd = p[1], .fd = 100 };
	TIMENS_SPAWN_OPTS(o, .flags = flags, .offset = off, .file_actions = fa, .n_file_actions = 1);
	window_open(&w);
	r = timens_spawn(&pid, self_exe(), argv, NULL, &o);
	close(p[1]);
	if (!tap_ok(r == 0 && pid > 0, "%s: spawned (%s)", what, r ? strerror(errno) : "ok")) {
		close(p[0]);
		return;
	}
	path_ok(what);
	memset(&s, 0, sizeof(s));
	tap_ok(read(p[0], &s, sizeof(s)) == (ssize_t)sizeof(s), "%s: the program reported", what);
	close(p[0]);
	st = wait_status(pid);
	window_close(&w);
	tap_ok(WIFEXITED(st) && WEXITSTATUS(st) == 0, "%s: exited 0", what);
	check_sample(&s, &w, off, what);
	tap_ok(s.time_ino != ns_ino("/proc/self/ns/time") && s.time_ino == s.tfc_ino,
	       "%s: in a new time namespace", what);
}

static void failures(void)
{
	char *argv[] = { "x", NULL };
	struct caller_state st;
	pid_t pid = 12345;
	char tmp[] = "/tmp/timens-noexec-XXXXXX";
	int fd;

	caller_state_get(&st);
	{
		TIMENS_SPAWN_OPTS(o, .flags = TIMENS_SPAWN_SEARCH_PATH);
		tap_ok(timens_spawn(&pid, "timens-no-such-command", argv, NULL, &o) == -1 &&
		       errno == ENOENT && pid == 12345, "unknown command in PATH: ENOENT, no pid");
	}
	tap_ok(timens_spawn(&pid, "/nonexistent/prog", argv, NULL, NULL) == -1 && errno == ENOENT,
	       "missing file: ENOENT");
	fd = mkstemp(tmp);
	if (fd >= 0) {
		if (write(fd, "#!/bin/sh\n", 10) != 10)
			tap_diag("write failed");
		close(fd);
		chmod(tmp, 0644);
	}
	tap_ok(timens_spawn(&pid, tmp, argv, NULL, NULL) == -1 && errno == EACCES,
	       "not executable: EACCES");
	unlink(tmp);
	{
		struct {
			struct timens_spawn_opts o;
			uint64_t extra;
		} big = { { .sz = sizeof(big) }, 1 };

		tap_ok(timens_spawn(&pid, "/bin/true", argv, NULL, &big.o) == -1 && errno == E2BIG,
		       "options with unknown non-zero trailing bytes: E2BIG");
		big.extra = 0;
		tap_ok(timens_spawn(&pid, "/bin/true", argv, NULL, &big.o) == 0 &&
		       WIFEXITED(wait_status(pid)), "larger options with zero trailing bytes: accepted");
	}
	{
		TIMENS_SPAWN_OPTS(o, .flags = 1ULL << 40);
		tap_ok(timens_spawn(&pid, "/bin/true", argv, NULL, &o) == -1 && errno == EINVAL,
		       "unknown flag: EINVAL");
	}
	{
		struct timens_file_action fa = { .type = TIMENS_FA_DUP2, .src_fd = 987, .fd = 1 };
		TIMENS_SPAWN_OPTS(o, .file_actions = &fa, .n_file_actions = 1);

		tap_ok(timens_spawn(&pid, "/bin/true", argv, NULL, &o) == -1 && errno == EBADF,
		       "file action on a closed fd: EBADF from the child");
	}
	{
		int64_t boot = clock_ns(CLOCK_BOOTTIME);
		struct timens_offset neg = { 0, -(boot + 100 * NSEC_PER_SEC) };
		TIMENS_SPAWN_OPTS(o, .offset = &neg);

		tap_ok(timens_spawn(&pid, "/bin/true", argv, NULL, &o) == -1 && errno == ERANGE,
		       "boottime before boot: ERANGE");
	}
	caller_state_check(&st, "after failed spawns");
}

static void file_actions(void)
{
	char tmp[] = "/tmp/timens-spawn-out-XXXXXX";
	char *argv[] = { "sh", "-c", "cat /proc/self/timens_offsets; echo err >&2", NULL };
	struct timens_offset off = { 77 * NSEC_PER_SEC, 88 * NSEC_PER_SEC + 5 };
	struct timens_file_action fa[3];
	char buf[512] = "";
	pid_t pid;
	int fd, st, r;
	ssize_t n;

	fd = mkstemp(tmp);
	if (fd < 0)
		tap_bail("mkstemp");
	close(fd);
	fa[0] = (struct timens_file_action){ .type = TIMENS_FA_OPEN, .fd = 1, .path = tmp,
					     .oflag = O_WRONLY | O_TRUNC, .mode = 0 };
	fa[1] = (struct timens_file_action){ .type = TIMENS_FA_DUP2, .src_fd = 1, .fd = 2 };
	fa[2] = (struct timens_file_action){ .type = TIMENS_FA_CLOSE, .fd = 0 };
	TIMENS_SPAWN_OPTS(o, .flags = TIMENS_SPAWN_SEARCH_PATH, .offset = &off,
			  .file_actions = fa, .n_file_actions = 3);
	r = timens_spawn(&pid, "sh", argv, NULL, &o);
	st = r == 0 ? wait_status(pid) : -1;
	fd = open(tmp, O_RDONLY | O_CLOEXEC);
	n = fd >= 0 ? read(fd, buf, sizeof(buf) - 1) : -1;
	if (fd >= 0)
		close(fd);
	unlink(tmp);
	buf[n > 0 ? n : 0] = '\0';
	tap_ok(r == 0 && WIFEXITED(st) && WEXITSTATUS(st) == 0, "PATH search finds sh, it exits 0");
	tap_ok(strstr(buf, "monotonic") && strstr(buf, "77") && strstr(buf, "88") &&
	       strstr(buf, "        5") && strstr(buf, "err\n"),
	       "stdout opened on a file, stderr dup'ed onto it, offsets in it");
}

/* An errno no process-creating call returns by itself: one the filter made. */
#define DENIED_CLONE ENOTRECOVERABLE
static const int process_calls[] = {
	SYS_clone, SYS_clone3,
#ifdef SYS_fork				/* not in the generic table (arm64) */
	SYS_fork, SYS_vfork,
#endif
};

#define FD_LIMIT 128		/* the RLIMIT_NOFILE the bounds are tested under */

struct fd_case {
	const char *what;
	struct timens_file_action fa;
};

static const struct fd_case bad_fds[] = {
	{ "DUP2 onto INT_MAX", { .type = TIMENS_FA_DUP2, .src_fd = 1, .fd = INT_MAX } },
	{ "DUP2 from INT_MAX", { .type = TIMENS_FA_DUP2, .src_fd = INT_MAX, .fd = 1 } },
	{ "DUP2 of INT_MAX onto itself",
	  { .type = TIMENS_FA_DUP2, .src_fd = INT_MAX, .fd = INT_MAX } },
	{ "CLOSE INT_MAX", { .type = TIMENS_FA_CLOSE, .fd = INT_MAX } },
	{ "OPEN onto INT_MAX",
	  { .type = TIMENS_FA_OPEN, .fd = INT_MAX, .path = "/dev/null", .oflag = O_RDONLY } },
	{ "DUP2 onto INT_MAX - 1", { .type = TIMENS_FA_DUP2, .src_fd = 1, .fd = INT_MAX - 1 } },
	{ "DUP2 onto RLIMIT_NOFILE", { .type = TIMENS_FA_DUP2, .src_fd = 1, .fd = FD_LIMIT } },
	{ "CLOSE RLIMIT_NOFILE", { .type = TIMENS_FA_CLOSE, .fd = FD_LIMIT } },
	{ "DUP2 onto -1", { .type = TIMENS_FA_DUP2, .src_fd = 1, .fd = -1 } },
	{ "DUP2 from INT_MIN", { .type = TIMENS_FA_DUP2, .src_fd = INT_MIN, .fd = 1 } },
	{ "CLOSE -1", { .type = TIMENS_FA_CLOSE, .fd = -1 } },
	{ "OPEN onto INT_MIN",
	  { .type = TIMENS_FA_OPEN, .fd = INT_MIN, .path = "/dev/null", .oflag = O_RDONLY } },
};
#define N_BAD_FDS (int)(sizeof(bad_fds) / sizeof(bad_fds[0]))

struct fd_report {
	int limit_set;			/* setrlimit and the filter worked */
	int top_err;			/* DUP2 onto FD_LIMIT - 1: errno or 0 */
	int top_sampled;		/* ... and the program wrote through it */
	int err[N_BAD_FDS];		/* errno of each bad case */
	pid_t pid[N_BAD_FDS];		/* *pid after it (untouched: 12345) */
	char state[64];			/* how the caller changed, or "" */
};

/*
 * File actions on fds that can never be valid (negative, or at or above
 * RLIMIT_NOFILE, up to INT_MAX): EBADF before any process exists, with
 * the caller unchanged; the highest fd below the limit works.  In a
 * child, which lowers its limit and then forbids creating processes.
 */
static void fd_bounds(void)
{
	struct fd_report *r = shared_alloc(sizeof(*r));
	pid_t child;
	int i, st;

	child = fork();
	if (child < 0)
		tap_bail("fork: %s", strerror(errno));
	if (child == 0) {
		struct rlimit rl;
		char top[16];
		char *argv[] = { (char *)self_exe(), "--sample-clocks", top, NULL };
		struct caller_state before;
		struct clock_sample s;
		int p[2];

		/* 3: fds this high already open would make the bounds wrong. */
		if (pipe2(p, O_CLOEXEC) || getrlimit(RLIMIT_NOFILE, &rl))
			_exit(1);
		if (p[1] >= FD_LIMIT - 1)
			_exit(3);
		rl.rlim_cur = FD_LIMIT;
		if (setrlimit(RLIMIT_NOFILE, &rl))
			_exit(1);
		snprintf(top, sizeof(top), "%d", FD_LIMIT - 1);
		{
			struct timens_file_action fa = { .type = TIMENS_FA_DUP2, .src_fd = p[1],
							 .fd = FD_LIMIT - 1 };
			TIMENS_SPAWN_OPTS(o, .file_actions = &fa, .n_file_actions = 1);
			pid_t pid;

			r->top_err = timens_spawn(&pid, self_exe(), argv, NULL, &o) ? errno : 0;
			close(p[1]);
			if (!r->top_err) {
				r->top_sampled = read(p[0], &s, sizeof(s)) == (ssize_t)sizeof(s);
				wait_status(pid);
			}
			close(p[0]);
		}
		caller_state_get(&before);
		if (fault_deny(process_calls, (int)(sizeof(process_calls) / sizeof(process_calls[0])), DENIED_CLONE))
			_exit(2);
		r->limit_set = 1;
		for (i = 0; i < N_BAD_FDS; i++) {
			char *targv[] = { "true", NULL };
			TIMENS_SPAWN_OPTS(o, .file_actions = &bad_fds[i].fa, .n_file_actions = 1);

			r->pid[i] = 12345;
			r->err[i] = timens_spawn(&r->pid[i], "/bin/true", targv, NULL, &o) ? errno : 0;
		}
		caller_state_same(&before, r->state, sizeof(r->state));
		_exit(0);
	}
	st = wait_status(child);
	if (!tap_ok(WIFEXITED(st) && WEXITSTATUS(st) == 0 && r->limit_set,
		    "fd bounds: the child set RLIMIT_NOFILE %d and its filter (status %#x)",
		    FD_LIMIT, st))
		return;
	tap_ok(r->top_err == 0 && r->top_sampled,
	       "fd bounds: DUP2 onto RLIMIT_NOFILE - 1 works (%s)",
	       r->top_err ? strerror(r->top_err) : "ok");
	for (i = 0; i < N_BAD_FDS; i++)
		tap_ok(r->err[i] == EBADF && r->pid[i] == 12345,
		       "fd bounds: %s: EBADF before any process exists (%s%s)", bad_fds[i].what,
		       r->err[i] ? strerror(r->err[i]) : "success",
		       r->err[i] == DENIED_CLONE ? ": it tried to create one" : "");
	tap_ok(!r->state[0], "fd bounds: the caller is unchanged (%s)",
	       r->state[0] ? r->state : "ok");
}

/*
 * src_fd is unused by CLOSE and OPEN: whatever it holds, the actions
 * work (the program writes its sample through a DUP2 onto fd 100).
 */
static void unused_src_fd(void)
{
	static const int garbage[] = { INT_MAX, INT_MIN, -1, 1 << 30 };
	char *argv[] = { (char *)self_exe(), "--sample-clocks", "100", NULL };
	struct timens_file_action fa[3];
	struct clock_sample s;
	size_t i;
	int p[2];

	for (i = 0; i < sizeof(garbage) / sizeof(garbage[0]); i++) {
		pid_t pid = 0;
		int r, st;

		if (pipe2(p, O_CLOEXEC))
			tap_bail("pipe2");
		fa[0] = (struct timens_file_action){ .type = TIMENS_FA_OPEN, .fd = 0,
						     .src_fd = garbage[i], .path = "/dev/null",
						     .oflag = O_RDONLY };
		fa[1] = (struct timens_file_action){ .type = TIMENS_FA_CLOSE, .fd = 2,
						     .src_fd = garbage[i] };
		fa[2] = (struct timens_file_action){ .type = TIMENS_FA_DUP2, .src_fd = p[1],
						     .fd = 100 };
		{
			TIMENS_SPAWN_OPTS(o, .file_actions = fa, .n_file_actions = 3);

			r = timens_spawn(&pid, self_exe(), argv, NULL, &o);
		}
		close(p[1]);
		st = r == 0 ? wait_status(pid) : -1;
		tap_ok(r == 0 && read(p[0], &s, sizeof(s)) == (ssize_t)sizeof(s) &&
		       WIFEXITED(st) && WEXITSTATUS(st) == 0,
		       "OPEN and CLOSE with %d in their unused src_fd work (%s)", garbage[i],
		       r ? strerror(errno) : "ok");
		close(p[0]);
	}
}

/*
 * TIMENS_SPAWN_SETSID: the program leads a session of its own; when
 * setsid() fails the call fails with its errno.  Linux's setsid() has
 * only EPERM, which a fresh child cannot get (it leads no process
 * group), so the failure comes from a seccomp filter, as a sandbox
 * would make it: ENOSYS.
 */
static void with_setsid(void)
{
	static const int setsid_call[] = { SYS_setsid };
	char *argv[] = { "sh", "-c", "test \"$(cut -d' ' -f6 /proc/$$/stat)\" = $$", NULL };
	struct { int err; pid_t pid; int left; char state[64]; } *r = shared_alloc(sizeof(*r));
	pid_t pid = 0, child;
	int st;

	{
		TIMENS_SPAWN_OPTS(o, .flags = TIMENS_SPAWN_SETSID);

		tap_ok(timens_spawn(&pid, "/bin/sh", argv, NULL, &o) == 0 &&
		       (st = wait_status(pid), WIFEXITED(st) && WEXITSTATUS(st) == 0),
		       "TIMENS_SPAWN_SETSID: the program leads its own session");
	}
	child = fork();
	if (child < 0)
		tap_bail("fork: %s", strerror(errno));
	if (child == 0) {
		struct caller_state before;
		TIMENS_SPAWN_OPTS(o, .flags = TIMENS_SPAWN_SETSID);

		caller_state_get(&before);
		if (fault_deny(setsid_call, 1, ENOSYS))
			_exit(2);
		r->pid = 12345;
		r->err = timens_spawn(&r->pid, "/bin/sh", argv, NULL, &o) ? errno : 0;
		caller_state_same(&before, r->state, sizeof(r->state));
		_exit(0);
	}
	st = wait_status(child);
	tap_ok(WIFEXITED(st) && WEXITSTATUS(st) == 0 && r->err == ENOSYS && r->pid == 12345,
	       "setsid() failing with ENOSYS: the call fails with ENOSYS, no pid (%s)",
	       r->err ? strerror(r->err) : "success");
	tap_ok(WIFEXITED(st) && !r->state[0], "... and the caller is unchanged (%s)",
	       r->state[0] ? r->state : "ok");
}

static void with_pidfd(void)
{
	struct timens_offset off = { 5 * NSEC_PER_SEC, 5 * NSEC_PER_SEC };
	char *argv[] = { "true", NULL };
	int pidfd = -1;
	struct pollfd p;
	pid_t pid = 0;
	TIMENS_SPAWN_OPTS(o, .offset = &off, .pidfd = &pidfd);

	tap_ok(timens_spawn(&pid, "/bin/true", argv, NULL, &o) == 0 && pidfd >= 0,
	       "pidfd requested: got fd %d", pidfd);
	p = (struct pollfd){ .fd = pidfd, .events = POLLIN };
	tap_ok(poll(&p, 1, 5000) == 1, "pidfd reports the exit");
	tap_ok(fcntl(pidfd, F_GETFD) & FD_CLOEXEC, "pidfd is close-on-exec");
	close(pidfd);
	wait_status(pid);
}

static void unprivileged(void)
{
	struct timens_offset off = { 3 * 86400 * NSEC_PER_SEC + 9, 4 * 86400 * NSEC_PER_SEC };
	int *res = shared_alloc(sizeof(int) * 4);
	pid_t pid = fork();
	int st;

	if (pid == 0) {
		char *argv[] = { "sh", "-c",
				 "read a b c < /proc/self/uid_map; test \"$a $b $c\" = \"65534 65534 1\" && "
				 "read n s x < /proc/self/timens_offsets && test \"$s\" = 259200", NULL };
		char *argv_root[] = { "sh", "-c", "test $(id -u) = 0", NULL };
		pid_t c;

		if (setresgid(65534, 65534, 65534) || setresuid(65534, 65534, 65534) ||
		    prctl(PR_SET_DUMPABLE, 1))
			_exit(1);
		{
			TIMENS_SPAWN_OPTS(o, .flags = TIMENS_SPAWN_USERNS | TIMENS_SPAWN_SEARCH_PATH,
					  .offset = &off);
			res[0] = timens_spawn(&c, "sh", argv, NULL, &o) ? errno : 0;
			res[1] = res[0] ? -1 : wait_status(c);
		}
		{
			TIMENS_SPAWN_OPTS(o, .flags = TIMENS_SPAWN_USERNS_ROOT | TIMENS_SPAWN_SEARCH_PATH,
					  .offset = &off);
			res[2] = timens_spawn(&c, "sh", argv_root, NULL, &o) ? errno : 0;
			res[3] = res[2] ? -1 : wait_status(c);
		}
		_exit(0);
	}
	st = wait_status(pid);
	tap_ok(WIFEXITED(st) && WEXITSTATUS(st) == 0 && res[0] == 0,
	       "as nobody with TIMENS_SPAWN_USERNS: spawned (%s)", res[0] ? strerror(res[0]) : "ok");
	tap_ok(WIFEXITED(res[1]) && WEXITSTATUS(res[1]) == 0,
	       "the program sees its uid mapped to itself and the offsets");
	tap_ok(res[2] == 0 && WIFEXITED(res[3]) && WEXITSTATUS(res[3]) == 0,
	       "with TIMENS_SPAWN_USERNS_ROOT the program is root inside (%s)",
	       res[2] ? strerror(res[2]) : "ok");
}

int spawn_cases(int argc, char **argv, enum timens_path expect)
{
	static struct timens_offset offs[] = {
		{ 0, 0 },
		{ 100 * 86400 * NSEC_PER_SEC, 100 * 86400 * NSEC_PER_SEC + 123 },
		{ -7 * NSEC_PER_SEC - 1, 1 },
	};
	struct caller_state st;

	test_exec_hook(argc, argv);
	require_time_ns();
	require_root();
	want_path = expect;
	offs[2].monotonic_offset_ns = fit_negative(CLOCK_MONOTONIC, offs[2].monotonic_offset_ns);
	if ((timens_features() & TIMENS_FEATURE_NATIVE_OFFSET) && expect == TIMENS_PATH_SPAWN_VFORK)
		tap_diag("native kernel: the vfork path passes offsets to clone3");

	caller_state_get(&st);
	spawn_sampler(&offs[0], 0, "zero offsets");
	spawn_sampler(&offs[1], 0, "+100 days and ns");
	spawn_sampler(&offs[2], 0, "negative");
	caller_state_check(&st, "after successful spawns");
	file_actions();
	with_pidfd();
	failures();
	fd_bounds();
	unused_src_fd();
	with_setsid();
	unprivileged();
	return tap_done();
}
