// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * timens_get_info(): the identities stat() shows and the offsets written
 * to /proc, for processes inside, beside and outside a namespace made
 * with unshare + /proc/self/timens_offsets (no libtimens involved), by
 * util-linux unshare, and by a thread that unshared alone; the errors a
 * caller sees; and no descriptor left open.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "nsholder.h"

#define S NSEC_PER_SEC

extern char **environ;

static const struct timens_offset off_a = { 86400 * S + 123, -S + 5 };
static const struct timens_offset off_b = { 2 * 3600 * S + 7, 100 * 86400 * S };

static bool id_is(const struct timens_ns_id *id, const char *path)
{
	struct stat st;

	if (stat(path, &st))
		return false;
	return id->dev == (uint64_t)st.st_dev && id->ino == (uint64_t)st.st_ino;
}

static bool id_of(const struct timens_ns_id *id, pid_t pid, const char *name)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/%d/ns/%s", (int)pid, name);
	return id_is(id, path);
}

static bool same_off(const struct timens_offset *a, const struct timens_offset *b)
{
	return a->monotonic_offset_ns == b->monotonic_offset_ns &&
	       a->boottime_offset_ns == b->boottime_offset_ns;
}

static void show_off(const char *what, const struct timens_offset *got,
		     const struct timens_offset *want)
{
	if (!same_off(got, want))
		tap_diag("%s: got monotonic %lld boottime %lld, want %lld %lld", what,
			 (long long)got->monotonic_offset_ns,
			 (long long)got->boottime_offset_ns,
			 (long long)want->monotonic_offset_ns,
			 (long long)want->boottime_offset_ns);
}

static int count_open_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *de;
	int n = 0;

	if (!d)
		tap_bail("opendir /proc/self/fd: %s", strerror(errno));
	while ((de = readdir(d)))
		n += de->d_name[0] != '.';
	closedir(d);
	return n - 1;	/* the directory's own fd */
}

static void test_self(void)
{
	struct timens_info info;
	struct timens_offset own = own_offsets();
	int r = timens_get_info(0, &info);

	tap_ok(r == 0, "pid 0: succeeds (%s)", r ? strerror(errno) : "ok");
	tap_ok(id_is(&info.ns, "/proc/thread-self/ns/time") &&
	       id_is(&info.ns_for_children, "/proc/thread-self/ns/time_for_children"),
	       "pid 0: identities are those stat() shows for the calling thread");
	show_off("pid 0", &info.offset, &own);
	tap_ok(info.offset_known && same_off(&info.offset, &own) &&
	       same_off(&info.offset_for_children, &own),
	       "pid 0: offsets are /proc/self/timens_offsets");
}

static void test_member_and_creator(const struct ns_holder *h)
{
	struct timens_info info, self;
	int r;

	r = timens_get_info(h->member, &info);
	tap_ok(r == 0, "member: succeeds (%s)", r ? strerror(errno) : "ok");
	tap_ok(id_of(&info.ns, h->member, "time") &&
	       id_of(&info.ns_for_children, h->member, "time_for_children") &&
	       info.ns.ino == info.ns_for_children.ino,
	       "member: ns and ns_for_children are the inode stat() shows, the same one");
	show_off("member", &info.offset, &off_a);
	tap_ok(info.offset_known && same_off(&info.offset, &off_a) &&
	       same_off(&info.offset_for_children, &off_a),
	       "member: offsets are those written to /proc (negative boottime too)");

	timens_get_info(0, &self);
	r = timens_get_info(h->creator, &info);
	tap_ok(r == 0, "creator: succeeds (%s)", r ? strerror(errno) : "ok");
	tap_ok(id_of(&info.ns, h->creator, "time") && info.ns.ino == self.ns.ino &&
	       id_of(&info.ns_for_children, h->member, "time"),
	       "creator: lives in our namespace, its time_for_children is the member's");
	show_off("creator for_children", &info.offset_for_children, &off_a);
	show_off("creator", &info.offset, &self.offset);
	tap_ok(info.offset_known && same_off(&info.offset_for_children, &off_a) &&
	       same_off(&info.offset, &self.offset),
	       "creator: own namespace's offsets found elsewhere, for_children's read directly");
}

/* A process that joins the member's namespace, then unshares and writes off_b. */
static pid_t start_reunsharer(const struct ns_holder *h, int *release)
{
	char path[64], c = 0;
	int rel[2], rep[2], fd;
	pid_t pid;

	if (pipe2(rel, O_CLOEXEC) || pipe2(rep, O_CLOEXEC))
		tap_bail("pipe: %s", strerror(errno));
	fflush(stdout);
	pid = fork();
	if (pid < 0)
		tap_bail("fork: %s", strerror(errno));
	if (pid == 0) {
		close(rel[1]);
		close(rep[0]);
		snprintf(path, sizeof(path), "/proc/%d/ns/time", (int)h->member);
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0 || setns(fd, CLONE_NEWTIME) || unshare(CLONE_NEWTIME) ||
		    write_offsets_file("/proc/self/timens_offsets", &off_b))
			c = 1;
		if (write(rep[1], &c, 1) != 1)
			_exit(1);
		while (read(rel[0], &c, 1) < 0 && errno == EINTR)
			;
		_exit(0);
	}
	close(rel[0]);
	close(rep[1]);
	if (read(rep[0], &c, 1) != 1 || c)
		tap_bail("setns/unshare/write in a child failed");
	close(rep[0]);
	*release = rel[1];
	return pid;
}

static void test_ns_differs(const struct ns_holder *h)
{
	struct timens_info info;
	int release, r;
	pid_t pid = start_reunsharer(h, &release);

	r = timens_get_info(pid, &info);
	tap_ok(r == 0 && id_of(&info.ns, h->member, "time") &&
	       id_of(&info.ns_for_children, pid, "time_for_children") &&
	       info.ns.ino != info.ns_for_children.ino,
	       "after setns + unshare: ns is the member's, ns_for_children a new one");
	show_off("re-unsharer", &info.offset, &off_a);
	show_off("re-unsharer for_children", &info.offset_for_children, &off_b);
	tap_ok(r == 0 && info.offset_known && same_off(&info.offset, &off_a) &&
	       same_off(&info.offset_for_children, &off_b),
	       "after setns + unshare: offsets of both namespaces");
	close(release);
	tap_ok(wait_status(pid) == 0, "re-unsharer exited cleanly");
}

/*
 * A namespace nobody shows the offsets of: its creator went back to its
 * own namespace, and its only member unshared again.
 */
static void test_unknown(void)
{
	char c = 0;
	int rel[2], rep[2], back, st;
	pid_t creator, member = 0;
	struct timens_info info;
	int r;

	if (pipe2(rel, O_CLOEXEC) || pipe2(rep, O_CLOEXEC))
		tap_bail("pipe: %s", strerror(errno));
	fflush(stdout);
	creator = fork();
	if (creator < 0)
		tap_bail("fork: %s", strerror(errno));
	if (creator == 0) {
		close(rel[1]);
		close(rep[0]);
		back = open("/proc/self/ns/time", O_RDONLY | O_CLOEXEC);
		if (back < 0 || unshare(CLONE_NEWTIME) ||
		    write_offsets_file("/proc/self/timens_offsets", &off_a))
			_exit(1);
		member = fork();
		if (member < 0)
			_exit(1);
		if (member == 0) {
			if (unshare(CLONE_NEWTIME))
				c = 1;
			member = getpid();
			if (write(rep[1], &member, sizeof(member)) != sizeof(member) ||
			    write(rep[1], &c, 1) != 1)
				_exit(1);
			while (read(rel[0], &c, 1) < 0 && errno == EINTR)
				;
			_exit(0);
		}
		/* Back home: time_for_children is ours again. */
		if (setns(back, CLONE_NEWTIME))
			_exit(1);
		close(rep[1]);
		waitpid(member, &st, 0);
		_exit(0);
	}
	close(rel[0]);
	close(rep[1]);
	if (read(rep[0], &member, sizeof(member)) != sizeof(member) ||
	    read(rep[0], &c, 1) != 1 || c)
		tap_bail("unknown-offsets setup failed");
	close(rep[0]);
	/* The creator's setns may still be on its way. */
	for (int i = 0; i < 1000; i++) {
		struct stat a, b;
		char p1[64], p2[64];

		snprintf(p1, sizeof(p1), "/proc/%d/ns/time", (int)creator);
		snprintf(p2, sizeof(p2), "/proc/%d/ns/time_for_children", (int)creator);
		if (!stat(p1, &a) && !stat(p2, &b) && a.st_ino == b.st_ino)
			break;
		usleep(1000);
	}
	r = timens_get_info(member, &info);
	tap_ok(r == 0 && id_of(&info.ns, member, "time") && !info.offset_known &&
	       same_off(&info.offset, &(struct timens_offset){ 0, 0 }),
	       "no task shows the namespace's offsets: offset_known 0, offset zero (r=%d, known=%d)",
	       r, info.offset_known);
	show_off("unknown for_children", &info.offset_for_children, &off_a);
	tap_ok(r == 0 && same_off(&info.offset_for_children, &off_a),
	       "its for_children namespace was copied from it on unshare: offsets still read");
	close(rel[1]);
	tap_ok(wait_status(creator) == 0, "creator of the hidden namespace exited cleanly");
}

static void *thread_unshare(void *arg)
{
	struct timens_info *info = arg;

	char path[64];

	/* Only per-process directories have the file; /proc/TID/ names the thread. */
	snprintf(path, sizeof(path), "/proc/%d/timens_offsets", (int)gettid());
	if (unshare(CLONE_NEWTIME) || write_offsets_file(path, &off_b))
		return (void *)1;
	if (timens_get_info(0, info))
		return (void *)2;
	if (!id_is(&info->ns_for_children, "/proc/thread-self/ns/time_for_children"))
		return (void *)3;
	return NULL;
}

static void test_thread(void)
{
	struct timens_info info, main_info;
	struct timens_offset own = own_offsets();
	pthread_t t;
	void *ret = (void *)-1;
	pid_t child;

	/* In a child: the thread's unshare must not change the test process. */
	fflush(stdout);
	child = fork();
	if (child < 0)
		tap_bail("fork: %s", strerror(errno));
	if (child == 0) {
		if (pthread_create(&t, NULL, thread_unshare, &info) ||
		    pthread_join(t, &ret))
			_exit(10);
		if (ret)
			_exit(10 + (int)(intptr_t)ret);
		if (timens_get_info(0, &main_info))
			_exit(20);
		if (!same_off(&info.offset_for_children, &off_b))
			_exit(21);
		if (!info.offset_known || !same_off(&info.offset, &own))
			_exit(22);
		if (info.ns_for_children.ino == main_info.ns_for_children.ino)
			_exit(23);
		if (!same_off(&main_info.offset_for_children, &own))
			_exit(24);
		_exit(0);
	}
	{
		int st = wait_status(child);

		tap_ok(st >= 0 && WIFEXITED(st) && WEXITSTATUS(st) == 0,
		       "pid 0 in a thread that unshared alone: its own time_for_children and offsets, not the leader's (exit %d)",
		       WIFEXITED(st) ? WEXITSTATUS(st) : -1);
	}
}

static void test_util_linux(void)
{
	char *argv[] = { "unshare", "--fork", "--time", "--monotonic", "86400",
			 "--boottime", "3600", "sleep", "30", NULL };
	struct timens_offset want = { 86400 * S, 3600 * S };
	struct timens_info info;
	pid_t pid, sleeper = 0;
	char path[64], buf[64];
	int i, r;

	if (posix_spawnp(&pid, "unshare", NULL, NULL, argv, environ)) {
		tap_skip("util-linux unshare not available");
		return;
	}
	snprintf(path, sizeof(path), "/proc/%d/task/%d/children", (int)pid, (int)pid);
	for (i = 0; i < 2000 && !sleeper; i++) {
		FILE *f = fopen(path, "re");

		if (f && fgets(buf, sizeof(buf), f))
			sleeper = atoi(buf);
		if (f)
			fclose(f);
		if (!sleeper)
			usleep(1000);
	}
	if (!sleeper) {
		kill(pid, SIGKILL);
		wait_status(pid);
		tap_skip("unshare --time --monotonic did not start a child (old util-linux?)");
		return;
	}
	r = timens_get_info(sleeper, &info);
	show_off("unshare --monotonic 86400 --boottime 3600", &info.offset, &want);
	tap_ok(r == 0 && info.offset_known && same_off(&info.offset, &want) &&
	       id_of(&info.ns, sleeper, "time"),
	       "a process started by util-linux unshare --monotonic 86400 --boottime 3600");
	kill(sleeper, SIGTERM);
	wait_status(pid);
}

static void test_errors(void)
{
	struct timens_info info;
	pid_t pid;
	int st, r;

	errno = 0;
	tap_ok(timens_get_info(-1, &info) == -1 && errno == EINVAL, "pid -1: EINVAL");
	errno = 0;
	tap_ok(timens_get_info(0, NULL) == -1 && errno == EINVAL, "NULL info: EINVAL");

	fflush(stdout);
	pid = fork();
	if (pid == 0)
		_exit(0);
	/* A zombie has no namespaces any more. */
	for (int i = 0; i < 1000; i++) {
		siginfo_t si = { 0 };

		if (waitid(P_PID, (id_t)pid, &si, WEXITED | WNOWAIT) == 0)
			break;
	}
	errno = 0;
	r = timens_get_info(pid, &info);
	tap_ok(r == -1 && errno == ESRCH, "zombie: ESRCH (got %d, %s)", r, strerror(errno));
	wait_status(pid);
	errno = 0;
	r = timens_get_info(pid, &info);
	tap_ok(r == -1 && errno == ESRCH, "reaped pid: ESRCH (got %d, %s)", r, strerror(errno));

	/* Another user's process: the kernel's ptrace check, errno kept. */
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		if (setgid(65534) || setuid(65534))
			_exit(100);
		errno = 0;
		r = timens_get_info(1, &info);
		_exit(r == 0 ? 101 : errno);
	}
	st = wait_status(pid);
	tap_ok(WIFEXITED(st) && (WEXITSTATUS(st) == EACCES || WEXITSTATUS(st) == EPERM),
	       "as nobody, pid 1: EACCES or EPERM from /proc (got exit %d)",
	       WIFEXITED(st) ? WEXITSTATUS(st) : -1);
}

int main(int argc, char **argv)
{
	struct ns_holder h;
	int before, after, i;

	test_exec_hook(argc, argv);
	require_time_ns();
	require_root();
	tap_plan(25);

	before = count_open_fds();
	test_self();
	if (ns_holder_start(&h, &off_a, 0))
		tap_bail("making a namespace with unshare + timens_offsets: %s",
			 strerror(errno));
	test_member_and_creator(&h);
	test_ns_differs(&h);
	tap_ok(ns_holder_stop(&h) == 0, "holder exited cleanly");
	test_unknown();
	test_thread();
	test_util_linux();
	test_errors();
	for (i = 0; i < 50; i++) {
		struct timens_info info;

		timens_get_info(0, &info);
		timens_get_info(1, &info);
		timens_get_info(999999999, &info);
	}
	after = count_open_fds();
	tap_ok(before == after, "no descriptor left open (%d before, %d after)", before, after);
	tap_ok(no_children(), "no child left behind");
	return tap_done();
}
