// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * timens_enter(): a forked single-threaded child that joins a namespace
 * made with unshare + /proc/self/timens_offsets sees its offsets (vDSO,
 * raw syscall, /proc/uptime, and again after exec); the same through a
 * thread id (no pidfd for those: the /proc path); pid 0 undoes an
 * unshare; the kernel's errors (EUSERS, EPERM, ESRCH) come back as they
 * are; and no path leaves a descriptor open.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/wait.h>

#include "child.h"
#include "nsholder.h"

#define S NSEC_PER_SEC

static const struct timens_offset off_a = { 7 * 86400 * S + 11, 3600 * S + 999999999 };

struct report {
	int r, err;
	int fds_before, fds_after;
	uint64_t time_before, tfc_before;
	struct clock_sample s;
};

static struct report *rep;

/* Runs FN(ARG) in a forked child that fills *rep; returns its wait status. */
static int in_child(void (*fn)(pid_t), pid_t arg)
{
	pid_t pid;

	memset(rep, 0, sizeof(*rep));
	fflush(stdout);
	pid = fork();
	if (pid < 0)
		tap_bail("fork: %s", strerror(errno));
	if (pid == 0) {
		fn(arg);
		_exit(0);
	}
	return wait_status(pid);
}

/* Enter, then sample at once: the caller brackets the child with its window. */
static void enter_and_sample(pid_t target)
{
	rep->time_before = ns_ino("/proc/self/ns/time");
	rep->fds_before = count_fds();
	errno = 0;
	rep->r = timens_enter(target);
	rep->err = errno;
	rep->fds_after = count_fds();
	sample_clocks(&rep->s);
}

static void check_entered(pid_t target, const char *what)
{
	struct clock_window w;
	char path[64];
	uint64_t ino;
	int st;

	snprintf(path, sizeof(path), "/proc/%d/ns/time", (int)target);
	ino = ns_ino(path);
	window_open(&w);
	st = in_child(enter_and_sample, target);
	window_close(&w);
	tap_ok(WIFEXITED(st) && rep->r == 0, "%s: timens_enter succeeds (%s)", what,
	       rep->r ? strerror(rep->err) : "ok");
	tap_ok(rep->s.time_ino == ino && rep->s.tfc_ino == ino && ino != rep->time_before,
	       "%s: time and time_for_children are the target's (%llu; now %llu, %llu)",
	       what, (unsigned long long)ino, (unsigned long long)rep->s.time_ino,
	       (unsigned long long)rep->s.tfc_ino);
	check_sample(&rep->s, &w, &off_a, what);
	tap_ok(rep->fds_before == rep->fds_after, "%s: no descriptor left open (%d, %d)",
	       what, rep->fds_before, rep->fds_after);
}

/* Enter, then exec ourselves to sample: the namespace survives exec. */
static void check_exec(pid_t target)
{
	struct clock_window w;
	struct clock_sample s;
	int p[2], st;
	pid_t pid;
	ssize_t n;

	if (pipe(p))
		tap_bail("pipe: %s", strerror(errno));
	window_open(&w);
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		char fd[16];

		close(p[0]);
		snprintf(fd, sizeof(fd), "%d", p[1]);
		if (timens_enter(target))
			_exit(1);
		execl(self_exe(), self_exe(), "--sample-clocks", fd, (char *)NULL);
		_exit(127);
	}
	close(p[1]);
	n = read(p[0], &s, sizeof(s));
	close(p[0]);
	st = wait_status(pid);
	window_close(&w);
	tap_ok(n == (ssize_t)sizeof(s) && WIFEXITED(st) && WEXITSTATUS(st) == 0,
	       "entered then exec'd: the program reports (exit %d)",
	       WIFEXITED(st) ? WEXITSTATUS(st) : -1);
	if (n == (ssize_t)sizeof(s))
		check_sample(&s, &w, &off_a, "after exec");
	else
		tap_ok(false, "after exec: no sample");
}

static void unshare_then_enter_self(pid_t unused)
{
	(void)unused;
	if (unshare(CLONE_NEWTIME)) {
		rep->r = -2;
		return;
	}
	rep->time_before = ns_ino("/proc/self/ns/time");
	rep->tfc_before = ns_ino("/proc/self/ns/time_for_children");
	rep->fds_before = count_fds();
	rep->r = timens_enter(0);
	rep->err = errno;
	rep->fds_after = count_fds();
	sample_clocks(&rep->s);
}

static void *idle(void *arg)
{
	int fd = *(int *)arg;
	char c;

	while (read(fd, &c, 1) < 0 && errno == EINTR)
		;
	return NULL;
}

static void enter_multithreaded(pid_t target)
{
	pthread_t t;
	int p[2];

	if (pipe2(p, O_CLOEXEC) || pthread_create(&t, NULL, idle, &p[0])) {
		rep->r = -2;
		return;
	}
	enter_and_sample(target);
	close(p[1]);
	pthread_join(t, NULL);
}

static void enter_as_nobody(pid_t target)
{
	if (setgid(65534) || setuid(65534)) {
		rep->r = -2;
		return;
	}
	enter_and_sample(target);
}

static void check_error(int st, int want, const char *what)
{
	tap_ok(WIFEXITED(st) && rep->r == -1 && rep->err == want &&
	       rep->s.time_ino == rep->time_before,
	       "%s: %s, namespace unchanged (got %d, %s)", what, strerror(want), rep->r,
	       strerror(rep->err));
	tap_ok(rep->fds_before == rep->fds_after, "%s: no descriptor left open (%d, %d)",
	       what, rep->fds_before, rep->fds_after);
}

int main(int argc, char **argv)
{
	struct ns_holder h;
	pid_t gone;
	int st;

	test_exec_hook(argc, argv);
	require_time_ns();
	require_root();
	tap_plan(23);
	rep = shared_alloc(sizeof(*rep));

	if (ns_holder_start(&h, &off_a, NS_HOLDER_THREAD))
		tap_bail("making a namespace with unshare + timens_offsets: %s",
			 strerror(errno));
	tap_diag("pidfd path %s on this kernel",
		 timens_features() & TIMENS_FEATURE_SETNS_PIDFD ? "available" : "absent");

	check_entered(h.member, "by pid");
	check_entered(h.member_thread, "by thread id (/proc path)");
	check_exec(h.member);

	st = in_child(unshare_then_enter_self, 0);
	tap_ok(WIFEXITED(st) && rep->r == 0 && rep->time_before != rep->tfc_before &&
	       rep->s.tfc_ino == rep->time_before && rep->s.time_ino == rep->time_before,
	       "pid 0 after unshare: time_for_children is the caller's own again (r=%d %s)",
	       rep->r, rep->r ? strerror(rep->err) : "");
	tap_ok(rep->fds_before == rep->fds_after, "pid 0: no descriptor left open");

	st = in_child(enter_multithreaded, h.member);
	check_error(st, EUSERS, "multi-threaded caller");
	st = in_child(enter_as_nobody, h.member);
	check_error(st, EPERM, "as nobody");

	fflush(stdout);
	gone = fork();
	if (gone == 0)
		_exit(0);
	for (;;) {
		siginfo_t si = { 0 };

		if (waitid(P_PID, (id_t)gone, &si, WEXITED | WNOWAIT) == 0 || errno != EINTR)
			break;
	}
	st = in_child(enter_and_sample, gone);
	check_error(st, ESRCH, "zombie");
	wait_status(gone);
	st = in_child(enter_and_sample, gone);
	check_error(st, ESRCH, "reaped pid");
	st = in_child(enter_and_sample, -1);
	check_error(st, EINVAL, "pid -1");

	tap_ok(ns_holder_stop(&h) == 0, "holder exited cleanly");
	return tap_done();
}
