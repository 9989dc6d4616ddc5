// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The per-thread clone area of the emulated paths (docs/design.md,
 * "Copy-on-write: the clone area"), seen from outside:
 *
 *   - the caller takes no more page faults per call than with a plain
 *     clone3 (+SLACK, below), on the inplace and the helper-thread path;
 *   - one area (a guard page, then 56 KiB of stack in whole pages and
 *     one page more, wipe-on-fork: 64 KiB in all with 4 KiB pages) per
 *     calling thread, made at the first emulated call; when the thread
 *     exits it is kept, with its child-path page, for the next thread
 *     (at most SPARE of them; the rest are unmapped);
 *   - a fork()ed child, and a child of timens_clone3 itself, can call
 *     again (their copy of the area is zeroes) and get the right offsets,
 *     and the parent's next call is unaffected.
 *
 * On a kernel without madvise() (tinyconfig) the area cannot be marked
 * wipe-on-fork: calls must work all the same, a forked child makes an
 * area of its own, no area is kept, and the fault count is what it was
 * before the area.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "child.h"

#define CALLS 200

/* Areas kept for later threads, at most (docs/design.md, "Copy-on-write"). */
#define SPARE 32
/* Threads alive at once in the last round: more than SPARE. */
#define CROWD (SPARE + 8)

/*
 * Faults per call allowed above a plain clone3's: the first, light frame
 * on the caller's stack may cross into a page of its own.  ASan writes
 * shadow memory for the call's frames, and its shadow pages are
 * copy-on-write after a fork like any others.
 */
#if defined(__SANITIZE_ADDRESS__)
#define SLACK 3.0
#else
#define SLACK 1.0
#endif

static const struct timens_offset off1 = { 86400 * NSEC_PER_SEC + 1, 2 * 86400 * NSEC_PER_SEC };
/* Its monotonic offset is fitted to the host's uptime in main(). */
static struct timens_offset off2 = { -(5 * NSEC_PER_SEC) - 3, 7 * 86400 * NSEC_PER_SEC };

static long minflt(void)
{
	struct rusage ru;

	getrusage(RUSAGE_THREAD, &ru);
	return ru.ru_minflt;
}

/* A child that exits at once: its pid, or -1. */
static __attribute__((noinline)) long one_child(bool timens)
{
	struct timens_clone_args a = { .exit_signal = SIGCHLD };
	long pid;

	if (timens) {
		a.flags = CLONE_NEWTIME;
		a.timens_offset = to_u64(&off1);
	}
	pid = timens ? timens_clone3(&a, sizeof(a))
		     : syscall(SYS_clone3, &a, TIMENS_CLONE_ARGS_SIZE_VER2);
	if (pid == 0)
		_exit(0);
	return pid;
}

static int cmp_long(const void *a, const void *b)
{
	long x = *(const long *)a, y = *(const long *)b;

	return (x > y) - (x < y);
}

/*
 * CALLS such children, each waited for: the caller's faults per call,
 * the median over the calls (a fault now and then that is not the
 * call's, a timer's or the sanitizer's, does not move it).
 */
static double faults_per_call(bool timens)
{
	static long n[CALLS];
	int i;

	for (i = 0; i < CALLS; i++) {
		long before = minflt(), pid = one_child(timens);

		if (pid < 0)
			return -1;
		wait_status((pid_t)pid);
		n[i] = minflt() - before;
	}
	qsort(n, CALLS, sizeof(n[0]), cmp_long);
	return (double)n[CALLS / 2];
}

/* Can this kernel mark memory wipe-on-fork (no madvise() in tinyconfig)? */
static bool wipe_on_fork(void)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	void *p = mmap(NULL, page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	bool ok = p != MAP_FAILED && madvise(p, page, MADV_WIPEONFORK) == 0;

	if (p != MAP_FAILED)
		munmap(p, page);
	return ok;
}

static void check_faults(const char *what, enum timens_path want)
{
	/* Without wipe-on-fork the area is copy-on-write like the rest: as before it. */
	double slack = wipe_on_fork() ? SLACK : SLACK + 3.0;
	double plain, lib;

	faults_per_call(false);		/* warm up both */
	faults_per_call(true);
	plain = faults_per_call(false);
	lib = faults_per_call(true);
	tap_ok(timens_last_path() == want, "%s: calls took %s", what,
	       timens_path_name(timens_last_path()));
	tap_ok(lib >= 0 && lib <= plain + slack,
	       "%s: caller's page faults per call %.2f, plain clone3 %.2f", what, lib, plain);
}

/*
 * Clone areas in this process: a one-page PROT_NONE guard right below a
 * read-write anonymous mapping of 56 KiB rounded up to whole pages and
 * one page more (60 KiB with 4 KiB pages, 128 KiB with 64 KiB pages),
 * marked wipe-on-fork ("wf" in smaps) where the kernel can (a kernel
 * without smaps shows only the shape).
 */
static int areas(void)
{
	unsigned long page = (unsigned long)sysconf(_SC_PAGESIZE);
	unsigned long rw = (56 * 1024 + page - 1) / page * page + page;
	FILE *f = fopen("/proc/self/smaps", "r");
	bool need_wf = f && wipe_on_fork();
	unsigned long lo, hi, guard_hi = 0;
	char line[512], perms[8];
	bool candidate = false;
	int n = 0;

	if (!f)
		f = fopen("/proc/self/maps", "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%lx-%lx %7s", &lo, &hi, perms) == 3) {	/* a mapping */
			if (candidate && !need_wf)
				n++;
			candidate = lo == guard_hi && hi - lo == rw && !strcmp(perms, "rw-p");
			guard_hi = !strcmp(perms, "---p") && hi - lo == page ? hi : 0;
		} else if (candidate && need_wf && !strncmp(line, "VmFlags:", 8)) {
			if (strstr(line, " wf"))
				n++;
			candidate = false;
		}
	}
	if (candidate && !need_wf)
		n++;
	fclose(f);
	return n;
}

struct caller {
	pthread_t t;
	pthread_barrier_t *all_called;	/* NULL: alone */
	struct clock_sample *sample;	/* shared memory, the child's */
	int result, areas, pages;
};

/* The callers' children's samples: one mapping, not one page each. */
static struct clock_sample *samples;

/* A call from a thread of its own; the areas counted while all are alive. */
static void *thread_call(void *arg)
{
	struct caller *c = arg;

	c->result = clone_and_check_in(&off2, NULL, c->sample);
	if (c->all_called)
		pthread_barrier_wait(c->all_called);
	c->areas = areas();
	c->pages = child_path_pages();
	if (c->all_called)
		pthread_barrier_wait(c->all_called);
	return NULL;
}

/* N threads that call at once: how many calls failed; *AREAS: counted meanwhile. */
static int crowd_calls(int n, int *areas_meanwhile)
{
	static struct caller c[CROWD];
	pthread_barrier_t all;
	int i, failed = 0;

	pthread_barrier_init(&all, NULL, (unsigned)n);
	for (i = 0; i < n; i++) {
		c[i] = (struct caller){ .all_called = &all, .sample = &samples[i], .result = -1 };
		if (pthread_create(&c[i].t, NULL, thread_call, &c[i]))
			tap_bail("pthread_create: %s", strerror(errno));
	}
	for (i = 0; i < n; i++) {
		pthread_join(c[i].t, NULL);
		failed += c[i].result != 0;
	}
	pthread_barrier_destroy(&all);
	*areas_meanwhile = c[0].areas;
	return failed;
}

/* One thread's call, alone: its result; *AREAS, *PAGES: counted before it exits. */
static int lone_call(int *areas_meanwhile, int *pages_meanwhile)
{
	struct caller c = { .sample = samples, .result = -1 };

	if (pthread_create(&c.t, NULL, thread_call, &c) || pthread_join(c.t, NULL))
		tap_bail("pthread: %s", strerror(errno));
	*areas_meanwhile = c.areas;
	*pages_meanwhile = c.pages;
	return c.result;
}

/*
 * In a forked child: a thread's call takes an area its parent kept, and
 * must make a page of its own, as the kept one is still its parent's.
 * 0, or 1 if the call failed, 2 if it used a page it found.
 */
static int fork_child_thread_call(void)
{
	int before = child_path_pages(), n, pages;

	if (lone_call(&n, &pages))
		return 1;
	return pages == before + 1 ? 0 : 2;
}

int main(int argc, char **argv)
{
	struct timens_clone_args a = {
		.flags = CLONE_NEWTIME,
		.exit_signal = SIGCHLD,
		.timens_offset = to_u64(&off1),
	};
	int n, pages, keep, areas0, shares0, failed, st;
	struct idle_thread idle;
	pid_t pid;

	/* The area is the emulated paths': on a native kernel, emulate. */
	setenv("TIMENS_PATH", "emulate", 1);
	test_exec_hook(argc, argv);
	require_time_ns();
	require_root();
	off2.monotonic_offset_ns = fit_negative(CLOCK_MONOTONIC, off2.monotonic_offset_ns);
	samples = shared_alloc(CROWD * sizeof(*samples));
	/* Only wipe-on-fork areas are kept. */
	keep = wipe_on_fork() ? SPARE : 0;
	tap_plan(21);

	tap_ok(areas() == 0, "no clone area before the first call (%d)", areas());
	check_faults("single-threaded", TIMENS_PATH_INPLACE);
	tap_ok(areas() == 1, "one clone area after calls from one thread (%d)",
	       areas());

	/* A second thread's call: an area of its own, kept when it exits... */
	tap_ok(lone_call(&n, &pages) == 0, "a second thread's call gives its child the offsets");
	tap_ok(n == 2, "that thread had an area of its own while it ran (%d)", n);
	tap_ok(areas() == (keep ? 2 : 1), "and its area is kept after it exits (%d)", areas());
	/* ... for the next thread, which makes none. */
	tap_ok(lone_call(&n, &pages) == 0 && n == 2 && areas() == (keep ? 2 : 1),
	       "a third thread's call takes the kept area (%d while it ran, %d after)", n, areas());

	/* Threads alive at once each have one; at most SPARE are kept. */
	areas0 = areas();
	shares0 = child_path_pages();
	failed = crowd_calls(CROWD, &n);
	tap_ok(failed == 0, "%d threads calling at once: %d calls failed", CROWD, failed);
	tap_ok(n == CROWD + 1, "an area for each of them while they ran (%d)", n);
	tap_ok(areas() == keep + 1, "%d kept after they exit, and ours (%d)", keep, areas());
	tap_ok(child_path_pages() - shares0 == areas() - areas0,
	       "each area not kept went with its child-path page (%d more pages, %d more areas)",
	       child_path_pages() - shares0, areas() - areas0);
	shares0 = child_path_pages();
	failed = crowd_calls(CROWD, &n);
	tap_ok(failed == 0 && n == CROWD + 1 && areas() == keep + 1 && child_path_pages() == shares0,
	       "%d more: %d failed, %d areas while they ran, %d after, %d pages more", CROWD, failed,
	       n, areas(), child_path_pages() - shares0);

	/* A fork()ed child of a caller with an area calls again, twice. */
	/* It takes over its wiped copy of the area, or (no madvise) makes its own; */
	/* then a thread of its own calls, from an area the parent kept. */
	pid = fork();
	if (pid == 0)
		_exit(clone_and_check_quiet(&off2, NULL) * 10 + clone_and_check_quiet(&off1, NULL) +
		      (areas() == (keep ? keep + 1 : 2) ? 0 : 100) + fork_child_thread_call() * 3);
	st = wait_status(pid);
	tap_ok(WIFEXITED(st) && WEXITSTATUS(st) == 0,
	       "a fork()ed child's calls give their children the offsets, its thread's too, "
	       "with a page of its own (status %#x)", st);

	/* A child of timens_clone3 calls it again, from inside its namespace. */
	pid = timens_clone3(&a, sizeof(a));
	if (pid == 0)
		_exit(clone_and_check_quiet(&off2, &off1));
	tap_ok(pid > 0, "timens_clone3 (%s)", pid < 0 ? strerror(errno) : "ok");
	st = wait_status(pid);
	tap_ok(WIFEXITED(st) && WEXITSTATUS(st) == 0,
	       "its child's own call gives the grandchild the offsets (status %#x)", st);
	tap_ok(clone_and_check_quiet(&off2, NULL) == 0, "the parent's next call is unaffected");

	/* The helper-thread path: one idle thread alive. */
	idle_thread_start(&idle);
	check_faults("with a second thread", TIMENS_PATH_CHILD);
	idle_thread_stop(&idle);
	tap_ok(areas() == keep + 1, "no clone area more (%d)", areas());
	tap_ok(no_children(), "no child left");
	return tap_done();
}
