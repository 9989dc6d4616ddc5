// SPDX-License-Identifier: LGPL-2.1-or-later
/* System call fault injection through seccomp user notification: fault.h. */
#include "fault.h"
#include "tap.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <stdio.h>
#include <poll.h>
#include <signal.h>
#include <sched.h>
#include <stddef.h>
#include <string.h>
#include <unistd.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#ifndef __NR_pidfd_open
#define __NR_pidfd_open 434		/* Linux 5.3 */
#endif
#ifndef __NR_pidfd_getfd
#define __NR_pidfd_getfd 438		/* Linux 5.6 */
#endif
#ifndef __NR_clone3
#define __NR_clone3 435			/* Linux 5.3 */
#endif
#ifndef SECCOMP_USER_NOTIF_FLAG_CONTINUE
#define SECCOMP_USER_NOTIF_FLAG_CONTINUE (1UL << 0)	/* Linux 5.5 */
#endif

/* The architecture the filter is for (seccomp_data.arch). */
#if defined(__x86_64__)
#define FAULT_AUDIT_ARCH AUDIT_ARCH_X86_64
#elif defined(__aarch64__)
#define FAULT_AUDIT_ARCH AUDIT_ARCH_AARCH64
#else
#error "no AUDIT_ARCH for this architecture"
#endif

/*
 * Everything the library's paths call, directly or through libc.  The
 * generic system call table (arm64) has none of the legacy open, pipe,
 * dup2, stat.
 */
static const int watched[] = {
	__NR_clone3, __NR_clone, __NR_unshare, __NR_setns, __NR_openat,
	__NR_read, __NR_write, __NR_close, __NR_rt_sigprocmask,
	__NR_rt_sigaction, __NR_waitid, __NR_wait4, __NR_process_vm_readv,
	__NR_mmap, __NR_munmap, __NR_pipe2, __NR_fcntl,
	__NR_dup3, __NR_execve, __NR_execveat, __NR_fstat, __NR_newfstatat,
	__NR_statx, __NR_setsid,
#ifdef __NR_open
	__NR_open, __NR_pipe, __NR_dup2, __NR_stat,
#endif
};
#define NWATCHED (int)(sizeof(watched) / sizeof(watched[0]))

const char *fault_name(int nr)
{
	switch (nr) {
	case __NR_clone3:		return "clone3";
	case __NR_clone:		return "clone";
	case __NR_unshare:		return "unshare";
	case __NR_setns:		return "setns";
	case __NR_openat:		return "openat";
#ifdef __NR_open
	case __NR_open:			return "open";
#endif
	case __NR_read:			return "read";
	case __NR_write:		return "write";
	case __NR_close:		return "close";
	case __NR_rt_sigprocmask:	return "rt_sigprocmask";
	case __NR_rt_sigaction:		return "rt_sigaction";
	case __NR_waitid:		return "waitid";
	case __NR_wait4:		return "wait4";
	case __NR_process_vm_readv:	return "process_vm_readv";
	case __NR_mmap:			return "mmap";
	case __NR_munmap:		return "munmap";
	case __NR_pipe2:		return "pipe2";
#ifdef __NR_pipe
	case __NR_pipe:			return "pipe";
#endif
	case __NR_fcntl:		return "fcntl";
#ifdef __NR_dup2
	case __NR_dup2:			return "dup2";
#endif
	case __NR_dup3:			return "dup3";
	case __NR_execve:		return "execve";
	case __NR_execveat:		return "execveat";
	case __NR_fstat:		return "fstat";
	case __NR_newfstatat:		return "newfstatat";
	case __NR_statx:		return "statx";
#ifdef __NR_stat
	case __NR_stat:			return "stat";
#endif
	case __NR_setsid:		return "setsid";
	}
	return "?";
}

int fault_errno(int nr)
{
	switch (nr) {
	case __NR_clone3:
	case __NR_clone:
		return EAGAIN;		/* RLIMIT_NPROC, pid_max */
	case __NR_unshare:
		return ENOSPC;		/* user.max_time_namespaces */
#ifdef __NR_open
	case __NR_open:
	case __NR_pipe:
#endif
	case __NR_openat:
	case __NR_pipe2:
	case __NR_fcntl:
		return EMFILE;		/* RLIMIT_NOFILE */
#ifdef __NR_dup2
	case __NR_dup2:
#endif
	case __NR_dup3:
		return EBUSY;		/* racing open */
	case __NR_read:
	case __NR_waitid:
	case __NR_wait4:
	case __NR_close:
		return EINTR;		/* a handler without SA_RESTART */
	case __NR_setsid:
		return EPERM;
	case __NR_rt_sigprocmask:
	case __NR_rt_sigaction:
		return EINVAL;
	}
	return ENOMEM;			/* anything that allocates */
}

bool fault_saw(const struct fault_ctl *ctl, int nr)
{
	int i;

	for (i = 0; i < ctl->nseen && i < FAULT_MAX_SEEN; i++)
		if (ctl->seen[i] == nr)
			return true;
	return false;
}

bool fault_impossible(int nr)
{
	return nr == __NR_rt_sigprocmask || nr == __NR_munmap;
}

int fault_sites(const struct fault_ctl *run, int from, bool skip_impossible,
		struct fault_site *sites)
{
	int n = run->nseen < FAULT_MAX_SEEN ? run->nseen : FAULT_MAX_SEEN;
	int i, j, k = 0;

	for (i = from; i < n; i++) {
		/*
		 * close() releases the fd even when it reports an error; a
		 * close that fails and keeps the fd is not a thing Linux does,
		 * and a pipe kept open that way blocks its reader for ever.
		 */
		if (run->seen[i] == __NR_close)
			continue;
		if (skip_impossible && fault_impossible(run->seen[i]))
			continue;
		sites[k].nr = run->seen[i];
		sites[k].nth = 0;
		for (j = 0; j < i; j++)
			if (run->seen[j] == run->seen[i])
				sites[k].nth++;
		sites[k].err = fault_errno(run->seen[i]);
		k++;
	}
	return k;
}

/*
 * A seccomp filter for this process and all it makes: the calls NRS take
 * ACTION, the others (and other architectures' calls) go through.  What
 * seccomp() returned (a listener fd with SECCOMP_FILTER_FLAG_NEW_LISTENER).
 */
static long install_filter(const int *nrs, int n, unsigned int action, unsigned int flags)
{
	struct sock_filter f[NWATCHED + 6];
	struct sock_fprog prog = { .filter = f };
	int i, k = 0;

	if (n > NWATCHED)
		return -1;
	f[k++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
					      offsetof(struct seccomp_data, arch));
	f[k++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, FAULT_AUDIT_ARCH, 1, 0);
	f[k++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
	f[k++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
					      offsetof(struct seccomp_data, nr));
	/* Each match jumps over the remaining matches and the ALLOW. */
	for (i = 0; i < n; i++)
		f[k++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K,
						      (unsigned int)nrs[i], (unsigned char)(n - i), 0);
	f[k++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
	f[k++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, action);
	prog.len = (unsigned short)k;
	/* Unprivileged targets (nobody) may install a filter only this way. */
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0))
		return -1;
	return syscall(__NR_seccomp, SECCOMP_SET_MODE_FILTER, flags, &prog);
}

void fault_install(struct fault_ctl *ctl)
{
	sigset_t usr2;
	long fd;

	/*
	 * The caller's mask is not the empty set, the value a mask copied
	 * from memory that was never written most often has: a call that
	 * loses the mask it saved cannot pass the caller's state check.
	 */
	sigemptyset(&usr2);
	sigaddset(&usr2, SIGUSR2);
	if (pthread_sigmask(SIG_BLOCK, &usr2, NULL))
		tap_bail("pthread_sigmask");
	fd = install_filter(watched, NWATCHED, SECCOMP_RET_USER_NOTIF,
			    SECCOMP_FILTER_FLAG_NEW_LISTENER);
	if (fd < 0)
		_exit(91);
	ctl->listener = (int)fd;
	/* Not a watched call: it does not wait for the supervisor. */
	while (!ctl->got_listener)
		sched_yield();
	/* The supervisor has its copy; this close is its first notification. */
	close((int)fd);
}

void fault_arm(struct fault_ctl *ctl)
{
	ctl->caller = (int)syscall(SYS_gettid);
	ctl->child_in = 1;
	ctl->parent_in = 1;
}

void fault_parent_returned(struct fault_ctl *ctl, bool child_made)
{
	ctl->parent_in = 0;
	if (!child_made)
		ctl->child_in = 0;
}

void fault_child_returned(struct fault_ctl *ctl)
{
	ctl->child_in = 0;
	while (ctl->parent_in)
		sched_yield();
}

/* Tasks that have exec'd: what they run now is not the library. */
struct exec_set {
	pid_t pid[64];
	int n;
};

static bool exec_set_has(const struct exec_set *s, pid_t pid)
{
	int i;

	for (i = 0; i < s->n; i++)
		if (s->pid[i] == pid)
			return true;
	return false;
}

static void serve_one(int lfd, struct fault_ctl *ctl, const struct fault_site *sites,
		      int nsites, int *count, struct exec_set *execd)
{
	struct seccomp_notif req;
	struct seccomp_notif_resp resp;
	bool in;
	int nr, i;

	/* The kernel insists on a zeroed request. */
	memset(&req, 0, sizeof(req));
	if (ioctl(lfd, SECCOMP_IOCTL_NOTIF_RECV, &req)) {
		/* ENOENT: the task died (or was signalled) before we read it. */
		if (errno != EINTR && errno != ENOENT)
			ctl->unexpected++;
		return;
	}
	memset(&resp, 0, sizeof(resp));
	resp.id = req.id;
	resp.flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE;
	nr = req.data.nr;
	if (req.pid == (__u32)ctl->caller)
		in = ctl->parent_in;
	else
		in = (ctl->parent_in || ctl->child_in) && !exec_set_has(execd, (pid_t)req.pid);
	if (in && nr >= 0 && nr < 512) {
		for (i = 0; i < nsites; i++) {
			if (nr != sites[i].nr || count[nr] < sites[i].nth ||
			    count[nr] >= sites[i].nth + (sites[i].times ? sites[i].times : 1))
				continue;
			resp.flags = 0;
			resp.error = -sites[i].err;
			if (!ctl->hit++) {
				ctl->hit_errno = sites[i].err;
				ctl->hit_at = ctl->nseen;
			}
			/*
			 * The error the caller must see is the first site's,
			 * even when a task of the error path (another task)
			 * happened to reach the second site first.
			 */
			if (i == 0) {
				ctl->hit_first = 1;
				ctl->hit_errno = sites[i].err;
			}
		}
		if (ctl->nseen < FAULT_MAX_SEEN)
			ctl->seen[ctl->nseen] = nr;
		ctl->nseen++;
		count[nr]++;
	}
	if ((nr == __NR_execve || nr == __NR_execveat) && resp.flags &&
	    execd->n < (int)(sizeof(execd->pid) / sizeof(execd->pid[0])))
		execd->pid[execd->n++] = (pid_t)req.pid;
	/* ENOENT: the task went away meanwhile; nothing to answer. */
	if (ioctl(lfd, SECCOMP_IOCTL_NOTIF_SEND, &resp) && errno != ENOENT)
		ctl->unexpected++;
}

/* Kills the live ones first: the run is over, they have no business. */
static void kill_children(void)
{
	char path[64], buf[4096], *p, *end;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/self/task/%ld/children", (long)syscall(SYS_gettid));
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return;
	buf[n] = '\0';
	for (p = buf; *p; p = end) {
		long pid = strtol(p, &end, 10);

		if (end == p)
			break;
		if (pid > 0)
			kill((pid_t)pid, SIGKILL);
	}
}

/*
 * What a target left when it exited comes to us (we are a subreaper):
 * reaps it, and says how many there were.
 */
static int reap_orphans(void)
{
	int n = 0;
	pid_t r;

	for (;;) {
		r = waitpid(-1, NULL, WNOHANG | __WALL);
		if (r > 0) {
			n++;
			continue;
		}
		if (r == 0) {
			kill_children();
			if (waitpid(-1, NULL, __WALL) > 0)
				n++;
			continue;
		}
		if (errno == EINTR)
			continue;
		return n;
	}
}

int fault_run(struct fault_ctl *ctl, const struct fault_site *sites, int nsites,
	      void (*target)(struct fault_ctl *, void *), void *arg)
{
	static int count[512];
	struct exec_set execd = { .n = 0 };
	int pidfd, lfd = -1, st;
	pid_t pid;

	/* Whatever a target leaves behind is ours to find and reap. */
	if (prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0))
		tap_bail("PR_SET_CHILD_SUBREAPER: %s", strerror(errno));
	memset(ctl, 0, sizeof(*ctl));
	memset(count, 0, sizeof(count));
	ctl->listener = -1;
	pid = fork();
	if (pid < 0)
		tap_bail("fork: %s", strerror(errno));
	if (pid == 0) {
		target(ctl, arg);
		_exit(0);
	}
	pidfd = (int)syscall(__NR_pidfd_open, pid, 0);
	if (pidfd < 0)
		tap_bail("pidfd_open: %s", strerror(errno));
	while (ctl->listener < 0) {
		struct pollfd p = { .fd = pidfd, .events = POLLIN };

		if (poll(&p, 1, 10) > 0)
			goto reap;	/* died in its setup; its status says why */
	}
	lfd = (int)syscall(__NR_pidfd_getfd, pidfd, ctl->listener, 0);
	if (lfd < 0) {
		kill(pid, SIGKILL);
		tap_bail("pidfd_getfd: %s", strerror(errno));
	}
	ctl->got_listener = 1;
	for (;;) {
		struct pollfd p[2] = {
			{ .fd = lfd, .events = POLLIN },
			{ .fd = pidfd, .events = POLLIN },
		};

		if (poll(p, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			tap_bail("poll: %s", strerror(errno));
		}
		if (p[0].revents & POLLIN) {
			serve_one(lfd, ctl, sites, nsites, count, &execd);
			continue;
		}
		/* No filtered task left, or the target is gone. */
		if (p[0].revents & (POLLHUP | POLLERR) || p[1].revents)
			break;
	}
	/* A task the target left behind gets ENOSYS from now on. */
	close(lfd);
reap:
	close(pidfd);
	if (waitpid(pid, &st, 0) < 0)
		return -1;
	ctl->orphans = reap_orphans();
	return st;
}

void fault_check_caller(struct fault_report *r, const struct caller_state *before)
{
	/* Every signal but SIGKILL and SIGSTOP, as the kernel keeps ~0. */
	const uint64_t all = ~0ULL & ~(1ULL << (SIGKILL - 1)) & ~(1ULL << (SIGSTOP - 1));
	struct caller_state now;
	uint64_t word;

	caller_state_get(&now);
	memcpy(&word, &now.mask, sizeof(word));
	if (word == all && memcmp(&now.mask, &before->mask, sizeof(sigset_t))) {
		r->mask_blocked = 1;
		pthread_sigmask(SIG_SETMASK, &before->mask, NULL);
	}
	caller_state_same(before, r->wrong, sizeof(r->wrong));
}

static void site_text(char *buf, size_t len, const struct fault_site *sites, int n)
{
	int i, used = 0;

	if (n == 0) {
		snprintf(buf, len, "no fault");
		return;
	}
	for (i = 0; i < n && used < (int)len; i++)
		used += snprintf(buf + used, len - (size_t)used, "%s%s[%d] fails with %s",
				 i ? ", then " : "", fault_name(sites[i].nr), sites[i].nth + 1,
				 errno_name(sites[i].err));
}

/* One run's verdict, as one TAP line; returns the run's report. */
static const struct fault_report *judge(struct fault_ctl *ctl, const char *mode,
					enum timens_path path, const struct fault_site *sites,
					int n, int st, fault_known_fn *known,
					struct fault_totals *t)
{
	const struct fault_report *r = (const struct fault_report *)ctl->user;
	char site[160], got[64], bad[160] = "";
	bool impossible = false, mask_failed = false;
	const char *todo;
	int i;

	site_text(site, sizeof(site), sites, n);
	t->runs++;
	t->calls += r->ran;
	t->injected += ctl->hit;
	if (r->err == 0)
		snprintf(got, sizeof(got), "success via %s",
			 timens_path_name((enum timens_path)r->path));
	else
		snprintf(got, sizeof(got), "%s", errno_name(r->err));

	if (!WIFEXITED(st) || WEXITSTATUS(st) || !r->ran)
		snprintf(bad, sizeof(bad), "the target died (status %#x)", st);
	else if (ctl->orphans)
		snprintf(bad, sizeof(bad), "%d processes outlived the target", ctl->orphans);
	else if (ctl->unexpected)
		snprintf(bad, sizeof(bad), "%d notifications went wrong", ctl->unexpected);
	else if (r->wrong[0])
		snprintf(bad, sizeof(bad), "%s", r->wrong);
	else if (r->err == 0 && n == 0 && r->path != (int)path)
		snprintf(bad, sizeof(bad), "took %s, not %s",
			 timens_path_name((enum timens_path)r->path), timens_path_name(path));
	else if (r->err && !ctl->hit)
		snprintf(bad, sizeof(bad), "failed without a fault");
	else if (r->err && r->err != ctl->hit_errno)
		snprintf(bad, sizeof(bad), "errno %s, not the injected %s",
			 errno_name(r->err), errno_name(ctl->hit_errno));

	for (i = 0; i < n; i++) {
		impossible |= fault_impossible(sites[i].nr);
		mask_failed |= sites[i].nr == __NR_rt_sigprocmask;
	}
	if (!bad[0] && r->mask_blocked && !mask_failed)
		snprintf(bad, sizeof(bad), "signal mask left blocked");
	/*
	 * A failure Linux never reports is judged as strictly as any: the
	 * library must come through it as well as it can.  A failed restore
	 * of the mask can only leave the mask it failed to restore.
	 */
	if (impossible)
		t->impossible_bad += !!bad[0];
	todo = known && n ? known(mode, sites, n) : NULL;
	if (todo)
		tap_todo(!bad[0], todo, "%s, %s%s: %s%s%s%s", mode, site,
			 impossible ? " (never on Linux)" : "", got,
			 r->mask_blocked && !bad[0] ? ", mask left blocked" : "",
			 bad[0] ? ": " : "", bad);
	else
		tap_ok(!bad[0], "%s, %s%s: %s%s%s%s", mode, site,
		       impossible ? " (never on Linux)" : "", got,
		       r->mask_blocked && !bad[0] ? ", mask left blocked" : "",
		       bad[0] ? ": " : "", bad);
	return r;
}

void fault_explore(struct fault_ctl *ctl, const char *mode, enum timens_path path,
		   void (*target)(struct fault_ctl *, void *), void *arg,
		   fault_known_fn *known, struct fault_totals *t)
{
	static struct fault_site first[FAULT_MAX_SEEN], second[FAULT_MAX_SEEN];
	struct fault_site pair[2];
	int st, n, m, i, j;

	st = fault_run(ctl, NULL, 0, target, arg);
	judge(ctl, mode, path, NULL, 0, st, known, t);
	n = fault_sites(ctl, 0, false, first);
	tap_diag("%s: %d system calls in the library's tasks, %d of them to fail in turn",
		 mode, ctl->nseen, n);
	for (i = 0; i < n; i++) {
		const struct fault_report *r;
		int at;

		st = fault_run(ctl, &first[i], 1, target, arg);
		r = judge(ctl, mode, path, &first[i], 1, st, known, t);
		if (!r->err || !ctl->hit || fault_impossible(first[i].nr))
			continue;
		/* The error path: what ran after the fault, failed in turn. */
		at = ctl->hit_at;
		m = fault_sites(ctl, at + 1, true, second);
		for (j = 0; j < m; j++) {
			pair[0] = first[i];
			pair[1] = second[j];
			st = fault_run(ctl, pair, 2, target, arg);
			judge(ctl, mode, path, pair, 2, st, known, t);
		}
	}
}

void fault_expect_abort(struct fault_ctl *ctl, const struct fault_site *sites, int nsites,
			void (*target)(struct fault_ctl *, void *), void *arg,
			const char *message, const char *what)
{
	char path[] = "/tmp/timens-fault-stderr-XXXXXX", buf[512];
	int fd, saved, st;
	ssize_t n;

	fd = mkstemp(path);
	saved = dup(STDERR_FILENO);
	if (fd < 0 || saved < 0 || dup2(fd, STDERR_FILENO) < 0)
		tap_bail("redirecting stderr: %s", strerror(errno));
	st = fault_run(ctl, sites, nsites, target, arg);
	fflush(stderr);
	if (dup2(saved, STDERR_FILENO) < 0)
		tap_bail("restoring stderr: %s", strerror(errno));
	close(saved);
	n = pread(fd, buf, sizeof(buf) - 1, 0);
	buf[n > 0 ? n : 0] = '\0';
	close(fd);
	unlink(path);
	tap_ok(st != -1 && WIFSIGNALED(st) && WTERMSIG(st) == SIGABRT && strstr(buf, message),
	       "%s: the process aborts (status %#x), saying so (%s)", what, st,
	       strstr(buf, message) ? "message seen" : "no message");
}

int fault_deny(const int *nrs, int n, int err)
{
	return install_filter(nrs, n, SECCOMP_RET_ERRNO | ((unsigned int)err & SECCOMP_RET_DATA),
			      0) < 0 ? -1 : 0;
}
