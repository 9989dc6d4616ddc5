// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * timens_for_each_process(): every process we hold is visited once, with
 * the identities stat() shows for its /proc/PID/ns/time and
 * time_for_children (a creator that unshared, made without libtimens,
 * has them apart), threads are not visited as processes, FN's non-zero
 * value stops the walk and comes back as it is, and an unprivileged
 * caller is shown its own processes but not root's, while root is shown
 * the unprivileged one.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "nsholder.h"

struct visit {
	pid_t pid;
	struct timens_ns_id ns, tfc;
};

struct visits {
	struct visit v[65536];
	size_t n;
	bool overflow;
	int stop_at, stop_with, stop_errno;	/* stop_at > 0: return stop_with there */
};

static int record(pid_t pid, const struct timens_ns_id *ns,
		  const struct timens_ns_id *tfc, void *arg)
{
	struct visits *w = arg;

	if (w->n == sizeof(w->v) / sizeof(w->v[0])) {
		w->overflow = true;
		return 0;
	}
	w->v[w->n].pid = pid;
	w->v[w->n].ns = *ns;
	w->v[w->n].tfc = *tfc;
	w->n++;
	if (w->stop_at > 0 && (int)w->n == w->stop_at) {
		errno = w->stop_errno;
		return w->stop_with;
	}
	return 0;
}

/* How often PID was visited; its last visit into *V. */
static int visits_of(const struct visits *w, pid_t pid, struct visit *v)
{
	size_t i;
	int n = 0;

	for (i = 0; i < w->n; i++)
		if (w->v[i].pid == pid) {
			*v = w->v[i];
			n++;
		}
	return n;
}

static bool id_of(const struct timens_ns_id *id, pid_t pid, const char *name)
{
	char path[64];
	struct stat st;

	snprintf(path, sizeof(path), "/proc/%d/ns/%s", (int)pid, name);
	return stat(path, &st) == 0 && id->dev == (uint64_t)st.st_dev &&
	       id->ino == (uint64_t)st.st_ino;
}

static bool same_id(const struct timens_ns_id *a, const struct timens_ns_id *b)
{
	return a->dev == b->dev && a->ino == b->ino;
}

/* PID visited exactly once, with the ids /proc shows now. */
static void check_visit(const struct visits *w, pid_t pid, const char *what, struct visit *v)
{
	int n = visits_of(w, pid, v);

	tap_ok(n == 1 && id_of(&v->ns, pid, "time") && id_of(&v->tfc, pid, "time_for_children"),
	       "%s (%d) visited once (%d times) with its ns/time and time_for_children",
	       what, (int)pid, n);
}

/*
 * As user 65534, in a child: its own pid is visited, its parent's (root's)
 * is not.  The result goes to REPORT; the child exits when HOLD closes.
 */
static void unprivileged_walk(struct visits *w, int report, int hold)
{
	struct visit v;
	char c = 0;

	if (setgroups(0, NULL) < 0 || setresgid(65534, 65534, 65534) < 0 ||
	    setresuid(65534, 65534, 65534) < 0)
		c = 1;
	else if (timens_for_each_process(record, w) != 0)
		c = 2;
	else if (visits_of(w, getpid(), &v) != 1)
		c = 3;
	else if (visits_of(w, getppid(), &v) != 0)
		c = 4;
	if (write(report, &c, 1) != 1 || read(hold, &c, 1) < 0)
		_exit(1);
	_exit(0);
}

int main(int argc, char **argv)
{
	static struct visits w;
	static const struct timens_offset off = { 3600 * NSEC_PER_SEC + 1, 7 * NSEC_PER_SEC };
	struct ns_holder h;
	struct visit self, creator, member, v;
	struct caller_state before;
	char why[256] = "";
	int report[2], hold[2], r, st;
	pid_t pid;
	char c;

	test_exec_hook(argc, argv);
	require_time_ns();
	require_root();
	caller_state_get(&before);
	if (ns_holder_start(&h, &off, NS_HOLDER_THREAD) < 0)
		tap_skip_all("cannot make a time namespace: %s", strerror(errno));
	tap_plan(14);

	r = timens_for_each_process(record, &w);
	tap_ok(r == 0 && !w.overflow && w.n > 0, "the walk ends with 0 (%d) after %zu processes", r, w.n);
	check_visit(&w, getpid(), "the caller", &self);
	check_visit(&w, h.creator, "a creator that unshared", &creator);
	check_visit(&w, h.member, "the member of its namespace", &member);
	tap_ok(same_id(&creator.ns, &self.ns) && !same_id(&creator.tfc, &creator.ns) &&
	       same_id(&creator.tfc, &member.ns) && same_id(&member.tfc, &member.ns),
	       "the creator lives in ours, holds the member's for its children");
	tap_ok(visits_of(&w, h.member_thread, &v) == 0,
	       "the member's second thread (%d) is not visited as a process", (int)h.member_thread);

	memset(&w, 0, sizeof(w));
	w.stop_at = 1;
	w.stop_with = 42;
	r = timens_for_each_process(record, &w);
	tap_ok(r == 42 && w.n == 1, "FN's 42 at the first process stops the walk (%d after %zu)", r, w.n);
	memset(&w, 0, sizeof(w));
	w.stop_at = 3;
	w.stop_with = -1;
	w.stop_errno = EDOM;
	errno = 0;
	r = timens_for_each_process(record, &w);
	tap_ok(r == -1 && errno == EDOM && w.n == 3,
	       "FN's -1 with EDOM at the third comes back as it is (%d, %s, after %zu)", r,
	       strerror(errno), w.n);
	errno = 0;
	r = timens_for_each_process(NULL, NULL);
	tap_ok(r == -1 && errno == EINVAL, "no FN: EINVAL (%d, %s)", r, strerror(errno));

	if (pipe2(report, O_CLOEXEC) < 0 || pipe2(hold, O_CLOEXEC) < 0)
		tap_bail("pipe2: %s", strerror(errno));
	pid = fork();
	if (pid < 0)
		tap_bail("fork: %s", strerror(errno));
	if (pid == 0) {
		memset(&w, 0, sizeof(w));
		close(hold[1]);
		unprivileged_walk(&w, report[1], hold[0]);
	}
	close(hold[0]);
	if (read(report[0], &c, 1) != 1)
		c = -1;
	tap_ok(c == 0, "as user 65534: its own pid visited, root's (its parent) not "
	       "(%d: 1 setuid, 2 walk, 3 own pid, 4 parent)", c);
	memset(&w, 0, sizeof(w));
	r = timens_for_each_process(record, &w);
	tap_ok(r == 0 && visits_of(&w, pid, &v) == 1,
	       "root (CAP_SYS_PTRACE) is shown that process of user 65534");
	close(hold[1]);
	st = wait_status(pid);
	close(report[0]);
	close(report[1]);
	tap_ok(WIFEXITED(st) && WEXITSTATUS(st) == 0, "the unprivileged child exits cleanly");

	tap_ok(ns_holder_stop(&h) == 0, "the namespace holder ends cleanly");
	/* Every walk, whole or stopped, left no descriptor, thread or child. */
	tap_ok(caller_state_same(&before, why, sizeof(why)),
	       "the caller is as it was before the walks %s", why);
	return tap_done();
}
