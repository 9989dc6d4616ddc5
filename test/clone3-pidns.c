// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * A caller whose pid namespace is not the one /proc shows (a CLONE_NEWPID
 * child that did not remount /proc, as `unshare --pid --fork` without
 * --mount-proc): its gettid() is 1, and /proc/1 is somebody else, so
 * the library must name its own /proc files through /proc/thread-self.
 * On every emulated path the call must work and leave the caller where
 * it was; timens_unshare and timens_get_info(0) must find their own
 * files too.
 */
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "child.h"

/* Its boottime offset is fitted to the host's uptime in main(). */
static struct timens_offset off = { 3 * 86400 * NSEC_PER_SEC + 7, -(2 * NSEC_PER_SEC) };

/* What the caller inside the pid namespace saw; shared memory. */
struct report {
	int gettid;
	int err[3];			/* errno of each call, or 0 */
	int path[2];			/* the clone3 paths taken */
	int result[2];			/* clone_and_check_quiet() */
	int moved[2];			/* the caller's time or tfc changed */
	int tfc_offsets_ok;		/* timens_unshare's offsets, read back */
	int info_ok;			/* timens_get_info(0) */
};

static void clone_case(struct report *r, int i)
{
	uint64_t time = ns_ino("/proc/thread-self/ns/time");
	uint64_t tfc = ns_ino("/proc/thread-self/ns/time_for_children");

	r->result[i] = clone_and_check_quiet(&off, NULL);
	r->err[i] = r->result[i] == CHILD_CALL_FAILED ? errno : 0;
	r->path[i] = timens_last_path();
	r->moved[i] = time != ns_ino("/proc/thread-self/ns/time") ||
		      tfc != ns_ino("/proc/thread-self/ns/time_for_children");
}

static void inside(struct report *r)
{
	struct timens_info info;
	struct idle_thread idle;

	r->gettid = (int)syscall(SYS_gettid);
	clone_case(r, 0);		/* single-threaded: inplace */
	idle_thread_start(&idle);
	clone_case(r, 1);		/* helper-thread */
	idle_thread_stop(&idle);
	r->info_ok = timens_get_info(0, &info) == 0 && info.offset_known;
	/* Last: it leaves time_for_children changed, as it should. */
	r->err[2] = timens_unshare(&off, 0) ? errno : 0;
	r->tfc_offsets_ok = timens_get_info(0, &info) == 0 &&
			    info.offset_for_children.monotonic_offset_ns == off.monotonic_offset_ns &&
			    info.offset_for_children.boottime_offset_ns == off.boottime_offset_ns;
}

int main(int argc, char **argv)
{
	struct report *r;
	pid_t pid;
	int st, i;

	/* The emulated paths are under test: on a native kernel, emulate. */
	setenv("TIMENS_PATH", "emulate", 1);
	test_exec_hook(argc, argv);
	require_time_ns();
	require_root();
	off.boottime_offset_ns = fit_negative(CLOCK_BOOTTIME, off.boottime_offset_ns);
	tap_plan(14);

	r = shared_alloc(sizeof(*r));
	pid = fork();
	if (pid == 0) {
		pid_t inner;

		if (unshare(CLONE_NEWPID))
			_exit(90);
		inner = fork();
		if (inner == 0) {
			inside(r);
			_exit(0);
		}
		_exit(inner > 0 && WIFEXITED(wait_status(inner)) ? 0 : 91);
	}
	st = wait_status(pid);
	tap_ok(WIFEXITED(st) && WEXITSTATUS(st) == 0, "the caller in a new pid namespace ran (%#x)",
	       st);
	tap_ok(r->gettid == 1, "its gettid() is %d, not what /proc calls it", r->gettid);
	for (i = 0; i < 2; i++) {
		const char *what = i ? "with a second thread" : "single-threaded";
		enum timens_path want = i ? TIMENS_PATH_CHILD : TIMENS_PATH_INPLACE;

		tap_ok(r->err[i] == 0, "%s: timens_clone3 succeeds (%s)", what, strerror(r->err[i]));
		tap_ok(r->path[i] == (int)want, "%s: via %s", what,
		       timens_path_name((enum timens_path)r->path[i]));
		tap_ok(r->result[i] == 0, "%s: the child exits 0 and its clocks carry the offsets (%d)",
		       what, r->result[i]);
		tap_ok(!r->moved[i], "%s: the caller's time namespaces did not move", what);
	}
	tap_ok(r->info_ok, "timens_get_info(0) finds its own offsets file");
	tap_ok(r->err[2] == 0, "timens_unshare succeeds (%s)", strerror(r->err[2]));
	tap_ok(r->tfc_offsets_ok, "and its time_for_children has the offsets");
	tap_ok(no_children(), "no child left");
	return tap_done();
}
