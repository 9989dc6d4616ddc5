// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The child of timens_clone3() sees exactly the offsets it was given:
 * through the vDSO, the raw syscall and /proc/uptime, nanoseconds and
 * negative values included; /proc/CHILD/timens_offsets agrees; the child
 * is in a namespace of its own and the caller is left as it was.  Run
 * single-threaded (inplace path), with an idle thread alive
 * (helper-thread path), and with an idle thread and CLONE_FILES (also
 * the helper, with a shared fd table), unless the kernel does it
 * natively.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "child.h"

#define SEC NSEC_PER_SEC
#define DAY (86400 * SEC)

static struct {
	const char *name;
	struct timens_offset off;
} cases[] = {
	{ "zero offsets", { 0, 0 } },
	{ "+1 day both", { DAY, DAY } },
	{ "nanoseconds", { 123456789, 1 } },
	{ "+100 days monotonic, +3s boottime", { 100 * DAY, 3 * SEC } },
	{ "negative, nanoseconds", { -5 * SEC - 7, -1 } },
	{ "mixed signs", { 365 * DAY + 999999999, -2 * SEC - 999999999 } },
	{ "negative, just inside the host's uptime", { 0, 0 } },	/* set in main() */
};
#define NCASES (int)(sizeof(cases) / sizeof(cases[0]))

enum mode { SINGLE, THREADED, THREADED_FILES };
static const char *const mode_name[] = { "1 thread", "2 threads", "2 threads, CLONE_FILES" };

static enum timens_path expected(enum mode m)
{
	if (timens_features() & TIMENS_FEATURE_NATIVE_OFFSET)
		return TIMENS_PATH_NATIVE;
	return m == SINGLE ? TIMENS_PATH_INPLACE : TIMENS_PATH_CHILD;
}

/* A child that stops, so that the parent can read its /proc files. */
static void check_proc_view(const struct timens_offset *want, uint64_t flags, const char *what)
{
	struct timens_clone_args args = {
		.flags = CLONE_NEWTIME | flags,
		.exit_signal = SIGCHLD,
		.timens_offset = to_u64(want),
	};
	struct timens_offset got;
	char path[64];
	int pipefd[2];
	pid_t pid;
	char c;

	if (pipe2(pipefd, O_CLOEXEC))
		tap_bail("pipe2: %s", strerror(errno));
	pid = timens_clone3(&args, sizeof(args));
	if (pid == 0) {
		/* With CLONE_FILES the table is the caller's: leave it be. */
		if (!(flags & CLONE_FILES))
			close(pipefd[1]);
		if (read(pipefd[0], &c, 1) < 0)
			_exit(1);
		_exit(0);
	}
	/* Not yet with CLONE_FILES: the child reads from this very fd. */
	if (!(flags & CLONE_FILES))
		close(pipefd[0]);
	if (!tap_ok(pid > 0, "%s: child for /proc view (%s)", what,
		    pid < 0 ? strerror(errno) : "ok")) {
		close(pipefd[1]);
		if (flags & CLONE_FILES)
			close(pipefd[0]);
		return;
	}
	snprintf(path, sizeof(path), "/proc/%d/timens_offsets", pid);
	if (!read_offsets_file(path, &got))
		memset(&got, 0xff, sizeof(got));
	tap_ok(got.monotonic_offset_ns == want->monotonic_offset_ns &&
	       got.boottime_offset_ns == want->boottime_offset_ns,
	       "%s: /proc/%d/timens_offsets shows %lld and %lld ns", what, pid,
	       (long long)got.monotonic_offset_ns, (long long)got.boottime_offset_ns);
	snprintf(path, sizeof(path), "/proc/%d/ns/time", pid);
	tap_ok(ns_ino(path) != ns_ino("/proc/self/ns/time") && ns_ino(path) != 0,
	       "%s: child is in a time namespace of its own", what);
	close(pipefd[1]);
	wait_status(pid);
	if (flags & CLONE_FILES)
		close(pipefd[0]);
}

static void run_cases(enum mode m)
{
	uint64_t flags = m == THREADED_FILES ? CLONE_FILES : 0;
	struct caller_state before;
	char what[128];
	int i;

	caller_state_get(&before);
	for (i = 0; i < NCASES; i++) {
		struct child_report *r;

		snprintf(what, sizeof(what), "%s, %s", cases[i].name, mode_name[m]);
		r = clone_and_check(&cases[i].off, flags, what);
		tap_ok(timens_last_path() == expected(m), "%s: took path %s (want %s)",
		       what, timens_path_name(timens_last_path()),
		       timens_path_name(expected(m)));
		tap_ok(r && r->s.time_ino != before.time_ino && r->s.time_ino == r->s.tfc_ino,
		       "%s: child's time ns is new and is its time_for_children", what);
		tap_ok(r && memcmp(&r->mask, &before.mask, sizeof(sigset_t)) == 0,
		       "%s: child has the caller's signal mask", what);
		tap_ok(r && r->nfds == count_fds(), "%s: child has the caller's fds, no more (%d, %d)",
		       what, r ? r->nfds : -1, count_fds());
	}
	check_proc_view(&cases[5].off, flags, mode_name[m]);
	caller_state_check(&before, mode_name[m]);
}

int main(int argc, char **argv)
{
	struct idle_thread idle;
	sigset_t mask;

	test_exec_hook(argc, argv);
	require_time_ns();
	require_root();

	/* A caller with something in its mask, to see it carried over. */
	sigemptyset(&mask);
	sigaddset(&mask, SIGUSR2);
	pthread_sigmask(SIG_BLOCK, &mask, NULL);

	/* Negative offsets must fit a machine that booted a moment ago. */
	for (int i = 0; i < NCASES; i++) {
		if (cases[i].off.monotonic_offset_ns < 0)
			cases[i].off.monotonic_offset_ns =
				fit_negative(CLOCK_MONOTONIC, cases[i].off.monotonic_offset_ns);
		if (cases[i].off.boottime_offset_ns < 0)
			cases[i].off.boottime_offset_ns =
				fit_negative(CLOCK_BOOTTIME, cases[i].off.boottime_offset_ns);
	}
	/*
	 * Both clocks back to a few seconds plus 0.1% of the host's uptime
	 * (zero on a machine that booted seconds ago): the library judges
	 * such offsets without a look at its namespace (clone3.c,
	 * offsets_surely_in_range()), so a margin too thin there would show
	 * as the kernel's ERANGE here.
	 */
	{
		int64_t raw = clock_ns(CLOCK_MONOTONIC_RAW), edge = -(raw - raw / 1000 - 4 * SEC);

		if (edge > 0)
			edge = 0;
		cases[NCASES - 1].off.monotonic_offset_ns = edge;
		cases[NCASES - 1].off.boottime_offset_ns = edge;
	}
	tap_plan(3 * (NCASES * 7 + 3 + 5));
	run_cases(SINGLE);

	idle_thread_start(&idle);
	run_cases(THREADED);
	run_cases(THREADED_FILES);
	idle_thread_stop(&idle);
	return tap_done();
}
