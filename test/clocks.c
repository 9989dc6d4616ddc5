// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * timens_read_clocks() and timens_offset_for_clocks(): the clocks of a
 * namespace with offsets read from outside fall inside the measured
 * window; offsets computed for target clocks give a new namespace
 * (timens_clone3) whose first readings are never below the targets,
 * also when the caller itself lives in a namespace with offsets; a chain
 * of save/continue cycles never runs backwards; and the kernel's limits
 * come back as ERANGE before anything is created.
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/wait.h>

#include "nsholder.h"

#define S NSEC_PER_SEC
#define CYCLES 200
#define KTIME_SEC_MAX (INT64_MAX / S)

static const struct timens_offset off_a = { 30 * 86400 * S + 17, 2 * 3600 * S + 3 };
static const struct timens_offset off_nest = { 5 * 86400 * S, 400 * 86400 * S + 1 };

struct first_reading {
	struct clock_sample s;	/* first thing the child does */
	struct timens_clocks last;	/* the last thing, for the next cycle */
	int done;
};

static struct first_reading *fr;

/*
 * A child in a new namespace with OFF made by timens_clone3(); it samples
 * its clocks first thing.  Returns its wait status, or -1 with errno.
 */
static int clone_sample(const struct timens_offset *off)
{
	struct timens_clone_args args = {
		.flags = CLONE_NEWTIME,
		.exit_signal = SIGCHLD,
		.timens_offset = (uint64_t)(uintptr_t)off,
	};
	pid_t pid;

	memset(fr, 0, sizeof(*fr));
	fflush(stdout);
	pid = timens_clone3(&args, sizeof(args));
	if (pid == 0) {
		sample_clocks(&fr->s);
		fr->last.monotonic_ns = raw_clock_ns(CLOCK_MONOTONIC);
		fr->last.boottime_ns = raw_clock_ns(CLOCK_BOOTTIME);
		fr->done = 1;
		_exit(0);
	}
	if (pid < 0)
		return -1;
	return wait_status(pid);
}

static bool at_least(const struct clock_sample *s, const struct timens_clocks *c)
{
	int64_t m = c->monotonic_ns, b = c->boottime_ns;

	return s->mono_vdso >= m && s->mono_raw >= m && s->boot_vdso >= b &&
	       s->boot_raw >= b && s->uptime_cs * 10000000LL >= b - 10000000LL;
}

/*
 * Nor far above: an offset taken relative to the caller's namespace
 * instead of the initial one would overshoot by the caller's offsets.
 */
#define SLACK (10 * S)
static bool not_far_above(const struct clock_sample *s, const struct timens_clocks *c)
{
	return s->mono_raw <= c->monotonic_ns + SLACK && s->boot_raw <= c->boottime_ns + SLACK;
}

static void test_read(const struct ns_holder *h)
{
	struct timens_offset own = own_offsets();
	struct timens_clocks c;
	struct clock_window w;
	int r;

	window_open(&w);
	r = timens_read_clocks(h->member, &c);
	window_close(&w);
	tap_ok(r == 0, "read_clocks(member) succeeds (%s)", r ? strerror(errno) : "ok");
	tap_ok(c.monotonic_ns >= w.mono_lo + off_a.monotonic_offset_ns &&
	       c.monotonic_ns <= w.mono_hi + off_a.monotonic_offset_ns &&
	       c.boottime_ns >= w.boot_lo + off_a.boottime_offset_ns &&
	       c.boottime_ns <= w.boot_hi + off_a.boottime_offset_ns,
	       "member's clocks = host clocks + its offsets, within the window");

	window_open(&w);
	r = timens_read_clocks(h->creator, &c);
	window_close(&w);
	tap_ok(r == 0 && c.monotonic_ns >= w.mono_lo + own.monotonic_offset_ns &&
	       c.monotonic_ns <= w.mono_hi + own.monotonic_offset_ns &&
	       c.boottime_ns >= w.boot_lo + own.boottime_offset_ns &&
	       c.boottime_ns <= w.boot_hi + own.boottime_offset_ns,
	       "creator (our namespace, another time_for_children): our clocks");

	{
		int64_t lo = clock_ns(CLOCK_MONOTONIC), hi;

		r = timens_read_clocks(0, &c);
		hi = clock_ns(CLOCK_MONOTONIC);
		tap_ok(r == 0 && c.monotonic_ns >= lo && c.monotonic_ns <= hi,
		       "pid 0: the caller's own CLOCK_MONOTONIC");
	}
}

/* Offsets for TARGET, a namespace made with them, its first readings. */
static bool continue_from(const struct timens_clocks *target, const char *what,
			  bool quiet)
{
	struct timens_offset off;
	int st;

	if (timens_offset_for_clocks(target, &off)) {
		if (!quiet)
			tap_ok(false, "%s: offset_for_clocks: %s", what, strerror(errno));
		return false;
	}
	st = clone_sample(&off);
	if (st < 0 || !WIFEXITED(st) || WEXITSTATUS(st) || !fr->done) {
		if (!quiet)
			tap_ok(false, "%s: child in the new namespace failed (%d, %s)", what,
			       st, st < 0 ? strerror(errno) : "");
		return false;
	}
	if (!at_least(&fr->s, target) || !not_far_above(&fr->s, target)) {
		tap_diag("%s: first readings mono %lld/%lld boot %lld/%lld, targets %lld %lld",
			 what, (long long)fr->s.mono_vdso, (long long)fr->s.mono_raw,
			 (long long)fr->s.boot_vdso, (long long)fr->s.boot_raw,
			 (long long)target->monotonic_ns, (long long)target->boottime_ns);
		return quiet ? false : tap_ok(false, "%s: first readings reach the targets, not far above", what);
	}
	if (!quiet)
		tap_ok(true, "%s: first readings (vDSO, raw, /proc/uptime) reach the targets, within 10s (gap %lld us)",
		       what, (long long)(fr->s.mono_raw - target->monotonic_ns) / 1000);
	return true;
}

static void test_for_clocks(const struct ns_holder *h)
{
	struct timens_clocks target = { 1000 * 86400 * S + 1, 5 * S };
	struct timens_clocks saved;
	struct timens_offset off;
	struct clock_window w;
	int r, i, gap_max = 0;

	window_open(&w);
	r = timens_offset_for_clocks(&target, &off);
	window_close(&w);
	/* offset = target - host now, the host read inside the call. */
	tap_ok(r == 0 &&
	       target.monotonic_ns - off.monotonic_offset_ns >= w.mono_lo &&
	       target.monotonic_ns - off.monotonic_offset_ns <= w.mono_hi &&
	       target.boottime_ns - off.boottime_offset_ns >= w.boot_lo &&
	       target.boottime_ns - off.boottime_offset_ns <= w.boot_hi,
	       "offset = target - host clock at the call (r=%d)", r);
	continue_from(&target, "monotonic 1000d, boottime 5s", false);

	/* The CRIU case: a running namespace's clocks, continued in a new one. */
	if (timens_read_clocks(h->member, &saved))
		tap_bail("read_clocks: %s", strerror(errno));
	continue_from(&saved, "continue the member's clocks", false);

	/* A chain: each child's last reading is where the next one starts. */
	saved = fr->last;
	for (i = 0; i < CYCLES; i++) {
		int64_t gap;

		if (!continue_from(&saved, "cycle", true))
			break;
		gap = fr->s.mono_raw - saved.monotonic_ns;
		if (gap / 1000 > gap_max)
			gap_max = (int)(gap / 1000);
		saved = fr->last;
	}
	tap_ok(i == CYCLES, "%d save/continue cycles never ran backwards (%d ok, worst gap %d us)",
	       CYCLES, i, gap_max);
}

/* All of it again from inside a namespace with offsets: offsets are absolute. */
static void test_nested(void)
{
	struct ns_holder h;
	int *ok = shared_alloc(sizeof(int) * 2);
	pid_t pid;

	/*
	 * A child of ours enters the holder's namespace (raw setns, so this
	 * test does not depend on timens_enter) and runs the checks.
	 */
	if (ns_holder_start(&h, &off_nest, 0))
		tap_bail("holder: %s", strerror(errno));
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		struct timens_clocks target = { 3600 * S, 60 * S }, c;
		char path[64];
		int fd;

		snprintf(path, sizeof(path), "/proc/%d/ns/time", (int)h.member);
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0 || setns(fd, CLONE_NEWTIME))
			_exit(1);
		close(fd);
		ok[0] = continue_from(&target, "nested", true);
		/* Our own clocks read through the library match clock_gettime. */
		ok[1] = timens_read_clocks(0, &c) == 0 &&
			c.boottime_ns >= off_nest.boottime_offset_ns;
		_exit(0);
	}
	wait_status(pid);
	tap_ok(ok[0], "inside a namespace with offsets (+5d, +400d): a new namespace reaches the targets");
	tap_ok(ok[1], "inside it: read_clocks(0) shows the nested clocks");
	tap_ok(ns_holder_stop(&h) == 0, "nested holder exited cleanly");
}

static void test_errors(void)
{
	struct timens_offset off;
	struct timens_clocks c = { 0, 0 };
	int64_t limit = (KTIME_SEC_MAX / 2) * S;
	pid_t pid;

	c.monotonic_ns = -1;
	errno = 0;
	tap_ok(timens_offset_for_clocks(&c, &off) == -1 && errno == ERANGE,
	       "negative monotonic target: ERANGE");
	c.monotonic_ns = 0;
	c.boottime_ns = limit + S;
	errno = 0;
	tap_ok(timens_offset_for_clocks(&c, &off) == -1 && errno == ERANGE,
	       "boottime beyond KTIME_SEC_MAX / 2 seconds: ERANGE");
	c.boottime_ns = INT64_MAX;
	errno = 0;
	tap_ok(timens_offset_for_clocks(&c, &off) == -1 && errno == ERANGE,
	       "boottime INT64_MAX: ERANGE");
	c.boottime_ns = limit + S - 1;
	tap_ok(timens_offset_for_clocks(&c, &off) == 0, "the last reachable second is fine");
	c.monotonic_ns = 0;
	c.boottime_ns = 0;
	tap_ok(timens_offset_for_clocks(&c, &off) == 0 && continue_from(&c, "zero", true),
	       "targets zero: a namespace whose clocks start at (about) zero");
	errno = 0;
	tap_ok(timens_offset_for_clocks(NULL, &off) == -1 && errno == EINVAL &&
	       timens_offset_for_clocks(&c, NULL) == -1 && errno == EINVAL,
	       "NULL arguments: EINVAL");
	errno = 0;
	tap_ok(timens_read_clocks(-1, &c) == -1 && errno == EINVAL &&
	       timens_read_clocks(0, NULL) == -1 && errno == EINVAL,
	       "read_clocks: pid -1 or NULL: EINVAL");
	fflush(stdout);
	pid = fork();
	if (pid == 0)
		_exit(0);
	wait_status(pid);
	errno = 0;
	tap_ok(timens_read_clocks(pid, &c) == -1 && errno == ESRCH,
	       "read_clocks of a reaped pid: ESRCH");
}

int main(int argc, char **argv)
{
	struct ns_holder h;

	test_exec_hook(argc, argv);
	require_time_ns();
	require_root();
	tap_plan(21);
	fr = shared_alloc(sizeof(*fr));

	if (ns_holder_start(&h, &off_a, 0))
		tap_bail("making a namespace with unshare + timens_offsets: %s",
			 strerror(errno));
	test_read(&h);
	test_for_clocks(&h);
	tap_ok(ns_holder_stop(&h) == 0, "holder exited cleanly");
	test_nested();
	test_errors();
	tap_ok(no_children(), "no child left behind");
	return tap_done();
}
