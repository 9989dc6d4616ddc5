// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * timens_unshare(): the calling thread's time_for_children becomes a new
 * namespace with the offsets, the thread itself stays, and an exec
 * (Linux 6.2+) lands in the new namespace; a failed call leaves a
 * single-threaded caller as it was; as nobody, with a user namespace.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/prctl.h>
#include <sys/wait.h>

#include "child.h"

struct result {
	int err, tfc_new, time_same, exec_ok, undo_ok, einval, userns_err, userns_exec_ok;
	int no_undo_fail, no_undo_err, no_undo_time_same;
	struct clock_sample s;
	struct clock_window w;
};

static int exec_and_sample(struct clock_sample *s)
{
	int p[2], st;
	pid_t pid;

	if (pipe2(p, O_CLOEXEC))
		return -1;
	pid = fork();
	if (pid == 0) {
		char *argv[] = { (char *)self_exe(), "--sample-clocks", "100", NULL };

		if (dup2(p[1], 100) < 0)
			_exit(126);
		execv(self_exe(), argv);
		_exit(127);
	}
	close(p[1]);
	st = read(p[0], s, sizeof(*s)) == (ssize_t)sizeof(*s) ? 0 : -1;
	close(p[0]);
	if (wait_status(pid) != 0)
		st = -1;
	return st;
}

int main(int argc, char **argv)
{
	struct timens_offset off = { 12 * 3600 * NSEC_PER_SEC + 12, 24 * 3600 * NSEC_PER_SEC + 24 };
	struct result *r;
	uint64_t time0, tfc0;
	pid_t pid;

	test_exec_hook(argc, argv);
	require_time_ns();
	require_root();
	r = shared_alloc(sizeof(*r));

	pid = fork();
	if (pid == 0) {
		struct timens_offset far = { 200LL * 365 * 86400 * NSEC_PER_SEC, 0 };

		time0 = ns_ino("/proc/self/ns/time");
		tfc0 = ns_ino("/proc/self/ns/time_for_children");
		r->einval = timens_unshare(&off, 1ULL << 40) == -1 && errno == EINVAL &&
			    ns_ino("/proc/self/ns/time_for_children") == tfc0;
		r->undo_ok = timens_unshare(&far, 0) == -1 && errno == ERANGE &&
			     ns_ino("/proc/self/ns/time_for_children") == tfc0;
		window_open(&r->w);
		r->err = timens_unshare(&off, 0) ? errno : 0;
		r->tfc_new = ns_ino("/proc/self/ns/time_for_children") != tfc0;
		r->time_same = ns_ino("/proc/self/ns/time") == time0;
		/* A child made after the call starts in the new namespace. */
		r->exec_ok = exec_and_sample(&r->s) == 0;
		window_close(&r->w);
		_exit(0);
	}
	wait_status(pid);
	tap_ok(r->einval, "unknown flag: EINVAL, nothing changed");
	tap_ok(r->undo_ok, "offsets the kernel refuses: ERANGE, time_for_children back as it was");
	tap_ok(r->err == 0, "timens_unshare succeeds (%s)", r->err ? strerror(r->err) : "ok");
	tap_ok(r->tfc_new && r->time_same, "time_for_children is new, the caller's own time ns is not");
	tap_ok(r->exec_ok, "a program started after it reports");
	check_sample(&r->s, &r->w, &off, "a child made after timens_unshare");

	/*
	 * TIMENS_UNSHARE_NO_UNDO: the same namespace and offsets; a refused
	 * offset is ERANGE and, as documented, not undone: time_for_children
	 * is then a namespace nobody entered.
	 */
	memset(r, 0, sizeof(*r));
	pid = fork();
	if (pid == 0) {
		struct timens_offset far = { 200LL * 365 * 86400 * NSEC_PER_SEC, 0 };
		uint64_t t0 = ns_ino("/proc/self/ns/time");

		tfc0 = ns_ino("/proc/self/ns/time_for_children");
		r->no_undo_fail = timens_unshare(&far, TIMENS_UNSHARE_NO_UNDO) == -1 &&
				  errno == ERANGE &&
				  ns_ino("/proc/self/ns/time_for_children") != tfc0;
		window_open(&r->w);
		r->no_undo_err = timens_unshare(&off, TIMENS_UNSHARE_NO_UNDO) ? errno : 0;
		r->no_undo_time_same = ns_ino("/proc/self/ns/time") == t0;
		r->exec_ok = exec_and_sample(&r->s) == 0;
		window_close(&r->w);
		_exit(0);
	}
	wait_status(pid);
	tap_ok(r->no_undo_fail, "NO_UNDO, offsets the kernel refuses: ERANGE, the new namespace left");
	tap_ok(r->no_undo_err == 0 && r->no_undo_time_same,
	       "NO_UNDO succeeds, the caller's own time ns unchanged (%s)",
	       r->no_undo_err ? strerror(r->no_undo_err) : "ok");
	tap_ok(r->exec_ok, "NO_UNDO: a program started after it reports");
	check_sample(&r->s, &r->w, &off, "a child made after timens_unshare(NO_UNDO)");

	/*
	 * Exec in place: the process itself moves in on Linux 6.2+; before,
	 * it stays in our namespace.
	 */
	{
		bool sw = timens_features() & TIMENS_FEATURE_EXEC_SWITCH;
		struct timens_offset mine = own_offsets();
		int p[2];

		memset(r, 0, sizeof(*r));
		if (pipe2(p, O_CLOEXEC))
			tap_bail("pipe2");
		window_open(&r->w);
		pid = fork();
		if (pid == 0) {
			char *args[] = { (char *)self_exe(), "--sample-clocks", "100", NULL };

			if (timens_unshare(&off, 0) || dup2(p[1], 100) < 0)
				_exit(1);
			execv(self_exe(), args);
			_exit(127);
		}
		close(p[1]);
		tap_ok(read(p[0], &r->s, sizeof(r->s)) == (ssize_t)sizeof(r->s) && wait_status(pid) == 0,
		       "exec in place after timens_unshare");
		close(p[0]);
		window_close(&r->w);
		check_sample(&r->s, &r->w, sw ? &off : &mine,
			     sw ? "the exec'd process itself (exec switch)"
				: "the exec'd process stays in ours (no exec switch)");
	}

	/* As nobody, with a user namespace; then exec in place. */
	memset(r, 0, sizeof(*r));
	pid = fork();
	if (pid == 0) {
		if (setresgid(65534, 65534, 65534) || setresuid(65534, 65534, 65534) ||
		    prctl(PR_SET_DUMPABLE, 1))
			_exit(1);
		r->userns_err = timens_unshare(&off, TIMENS_SPAWN_USERNS) ? errno : 0;
		if (!r->userns_err) {
			char *sh[] = { "sh", "-c", "read a b c < /proc/self/uid_map; "
				       "test \"$a $b\" = \"65534 65534\" && "
				       "read n s x < /proc/self/timens_offsets && test \"$s\" = 43200", NULL };

			execvp("sh", sh);
		}
		_exit(2);
	}
	{
		int st = wait_status(pid);

		tap_ok(r->userns_err == 0, "as nobody with TIMENS_SPAWN_USERNS (%s)",
		       r->userns_err ? strerror(r->userns_err) : "ok");
		tap_ok(WIFEXITED(st) && WEXITSTATUS(st) == 0,
		       "exec in place: the program has its uid mapped and the offsets");
	}
	return tap_done();
}
