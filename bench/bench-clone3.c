// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Row 1: timens_clone3() with offsets against plain clone3, child
 * _exit()s at once, parent waits.  Three blocks, each with its own
 * baseline: a single-threaded caller, a caller with one idle thread, and
 * eight threads calling at once (time per child over all of them).
 *
 * Each block has limit rows: the least user space can do for a design,
 * written out with no checks at all, so that "how far from what is
 * possible" is a ratio in the same run.
 *
 *   minimal inplace  unshare, write the offsets, clone3, setns() back
 *                    (the namespace fd opened once): the inplace path's
 *                    floor, single-threaded callers only (EUSERS else).
 *   minimal inplace + checks
 *                    the same with what the inplace path must check
 *                    before it unshares, for lack of any way back after
 *                    (docs/design.md, "Why the inplace path checks"):
 *                    our namespace's fd opened and time_for_children
 *                    compared with it, and the setns() probe.
 *   minimal child    clone3, whose child unshares, writes, enters
 *                    time_for_children and stores one word in shared
 *                    memory; the parent spins on it: the child path's
 *                    floor, for any caller.
 *   minimal child + its area
 *                    the same from threads that each hold what the
 *                    child path keeps per thread, taken as the library
 *                    takes it (its clone area and child-path page, made
 *                    by the first round's threads and kept for the next
 *                    when they exit): what those mappings cost each fork
 *                    that copies them.
 *   kernel floor     clone3(CLONE_NEWTIME) (6.3+), which copies the
 *                    offsets of our time_for_children: no user-space work.
 *
 * The "vs" rows at the end repeat a library row against a limit row of
 * the same round (the targets of issue 12 are ratios to those).
 *
 * The "+ clock read" rows read CLOCK_MONOTONIC after each wait, as most
 * callers do now and then: a setns() makes the kernel unmap the caller's
 * vDSO data pages, and that read maps them again, which the bare rows do
 * not see.
 *
 *   bench-clone3 [--quick] [--rounds N] [--iters N] [--csv FILE]
 */
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "timens.h"
#include "internal.h"
#include "plan.h"
#include "bench.h"

enum mode { PLAIN, TIMENS, RAW_NEWTIME, MIN_INPLACE, MIN_INPLACE_CHECKED, MIN_CHILD,
	    MIN_CHILD_AREA };

struct row {
	int threads;		/* 1; 2 with an idle thread; 8 calling at once */
	enum mode mode;
	enum timens_path force;	/* NONE: the library's choice */
	bool clock;		/* read CLOCK_MONOTONIC after each wait */
	int base;		/* the baseline row */
	const char *name, *target;
};

/* The spin-wait hint: pause on x86, yield on arm64. */
static inline void cpu_relax(void)
{
#if defined(__x86_64__)
	__builtin_ia32_pause();
#elif defined(__aarch64__)
	__asm__ volatile("yield" ::: "memory");
#endif
}

static const struct timens_offset off = { 86400 * NSEC_PER_SEC, 86400 * NSEC_PER_SEC };
static const char off_text[] = "monotonic 86400 0\nboottime 86400 0\n";

#define CALLERS 8

/* Per calling thread: what the limit rows need, made once. */
struct limit_state {
	int own_ns;			/* minimal inplace: our time namespace */
	char offsets_path[64];		/* /proc/TID/timens_offsets */
	volatile uint32_t *word;	/* minimal child: in shared_words */
};

/*
 * The minimal child's words, a cache line each, in one MAP_SHARED
 * mapping made once: a mapping per thread would make every thread take
 * the memory map's lock twice for writing, which each fork in progress
 * holds (docs/design.md, "Copy-on-write: the clone area").
 */
#define WORD_STRIDE (64 / sizeof(uint32_t))
static uint32_t *shared_words;
static unsigned words_used;

static void limit_init(struct limit_state *l)
{
	unsigned slot = __atomic_fetch_add(&words_used, 1, __ATOMIC_RELAXED) % (CALLERS + 1);

	l->own_ns = open("/proc/thread-self/ns/time", O_RDONLY | O_CLOEXEC);
	snprintf(l->offsets_path, sizeof(l->offsets_path), "/proc/%ld/timens_offsets",
		 (long)syscall(SYS_gettid));
	l->word = shared_words + slot * WORD_STRIDE;
	if (l->own_ns < 0)
		die("bench-clone3", "limit set-up: %s", strerror(errno));
}

static void limit_fini(struct limit_state *l)
{
	close(l->own_ns);
}

static void write_offsets(const char *path)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);

	if (fd < 0 || write(fd, off_text, sizeof(off_text) - 1) < 0)
		die("bench-clone3", "%s: %s", path, strerror(errno));
	close(fd);
}

/*
 * What the inplace path must know before it unshares: our namespace's fd
 * (opened per call), time_for_children the same namespace, and that the
 * setns() back will work (the probe: setns() into where we are).
 */
static int checked_own_ns(void)
{
	struct stat own, tfc;
	int fd = open("/proc/thread-self/ns/time", O_RDONLY | O_CLOEXEC);

	if (fd < 0 || fstat(fd, &own) || stat("/proc/thread-self/ns/time_for_children", &tfc) ||
	    own.st_ino != tfc.st_ino || setns(fd, CLONE_NEWTIME))
		die("bench-clone3", "checked inplace: %s", strerror(errno));
	return fd;
}

/* One child made and waited for the way MODE makes it. */
static void one(const struct row *r, struct limit_state *l)
{
	struct timens_clone_args a = { .exit_signal = SIGCHLD };
	long pid;
	int i;

	switch (r->mode) {
	case TIMENS:
		a.flags = CLONE_NEWTIME;
		a.timens_offset = (uint64_t)(uintptr_t)&off;
		pid = timens_clone3(&a, sizeof(a));
		break;
	case RAW_NEWTIME:
		a.flags = CLONE_NEWTIME;
		pid = syscall(SYS_clone3, &a, TIMENS_CLONE_ARGS_SIZE_VER2);
		break;
	case MIN_INPLACE:
	case MIN_INPLACE_CHECKED: {
		int fd = r->mode == MIN_INPLACE ? l->own_ns : checked_own_ns();

		if (unshare(CLONE_NEWTIME))
			die("bench-clone3", "unshare: %s", strerror(errno));
		write_offsets(l->offsets_path);
		pid = syscall(SYS_clone3, &a, TIMENS_CLONE_ARGS_SIZE_VER2);
		if (pid != 0 && setns(fd, CLONE_NEWTIME))
			die("bench-clone3", "setns: %s", strerror(errno));
		if (pid != 0 && fd != l->own_ns)
			close(fd);
		break;
	}
	case MIN_CHILD:
	case MIN_CHILD_AREA:
		*l->word = 0;
		pid = syscall(SYS_clone3, &a, TIMENS_CLONE_ARGS_SIZE_VER2);
		if (pid == 0) {
			int fd;

			if (syscall(SYS_unshare, CLONE_NEWTIME))
				_exit(1);
			write_offsets("/proc/self/timens_offsets");
			fd = open("/proc/self/ns/time_for_children", O_RDONLY | O_CLOEXEC);
			if (fd < 0 || setns(fd, CLONE_NEWTIME))
				_exit(1);
			close(fd);
			__atomic_store_n(l->word, 1, __ATOMIC_RELEASE);
			_exit(0);
		}
		for (i = 0; pid > 0 && !__atomic_load_n(l->word, __ATOMIC_ACQUIRE); i++) {
			if (i < 64)
				cpu_relax();
			else
				sched_yield();
		}
		break;
	default:
		pid = syscall(SYS_clone3, &a, TIMENS_CLONE_ARGS_SIZE_VER2);
		break;
	}
	if (pid == 0)
		_exit(0);
	if (pid < 0)
		die("bench-clone3", "clone: %s", strerror(errno));
	if (waitpid((pid_t)pid, NULL, __WALL) != pid)
		die("bench-clone3", "waitpid: %s", strerror(errno));
	if (r->clock) {
		struct timespec ts;

		clock_gettime(CLOCK_MONOTONIC, &ts);
	}
}

/* The calling thread's clone area and page, as its first child-path call makes them. */
static void own_area(void)
{
	sigset_t all, old;
	struct clone_area *a;

	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	a = timens__own_area((pid_t)syscall(SYS_gettid));
	if (!a || !timens__own_share(a))
		die("bench-clone3", "clone area: %s", strerror(errno));
	pthread_sigmask(SIG_SETMASK, &old, NULL);
}

struct worker {
	pthread_t t;
	const struct row *r;
	int iters;
	pthread_barrier_t *start;
	const char *path;
};

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	struct limit_state l;
	int i;

	limit_init(&l);
	if (w->r->mode == MIN_CHILD_AREA)
		own_area();
	pthread_barrier_wait(w->start);
	for (i = 0; i < w->iters; i++)
		one(w->r, &l);
	w->path = timens_path_name(timens_last_path());
	limit_fini(&l);
	return NULL;
}

/* Microseconds per clone + wait; *PATH: how the library went. */
static double run(const struct row *r, int iters, const char **path)
{
	struct worker w[CALLERS];
	pthread_barrier_t start;
	struct limit_state l;
	double t0;
	int i;

	timens__force_path(r->force);
	if (r->threads < CALLERS) {
		limit_init(&l);
		t0 = now_us();
		for (i = 0; i < iters; i++)
			one(r, &l);
		t0 = (now_us() - t0) / iters;
		limit_fini(&l);
		if (r->mode == TIMENS)
			*path = timens_path_name(timens_last_path());
		return t0;
	}
	pthread_barrier_init(&start, NULL, CALLERS + 1);
	for (i = 0; i < CALLERS; i++) {
		w[i] = (struct worker){ .r = r, .iters = iters, .start = &start };
		errno = pthread_create(&w[i].t, NULL, worker_main, &w[i]);
		if (errno)
			die("bench-clone3", "pthread_create: %s", strerror(errno));
	}
	pthread_barrier_wait(&start);
	t0 = now_us();
	for (i = 0; i < CALLERS; i++)
		pthread_join(w[i].t, NULL);
	t0 = (now_us() - t0) / (iters * CALLERS);
	pthread_barrier_destroy(&start);
	if (r->mode == TIMENS)
		*path = w[0].path;
	return t0;
}

static void *idle(void *arg)
{
	int *fd = arg;
	char c;

	/* Just be there: returns when main closes the pipe. */
	if (read(*fd, &c, 1) < 0)
		return NULL;
	return NULL;
}

int main(int argc, char **argv)
{
	static const struct row all[] = {
		/* 0 */ { 1, PLAIN, TIMENS_PATH_NONE, false, 0, "clone3 + wait", "" },
		{ 1, TIMENS, TIMENS_PATH_NONE, false, 0, "timens_clone3 +1d + wait", "" },
		{ 1, TIMENS, TIMENS_PATH_INPLACE, false, 0, "timens_clone3 (inplace forced)", "" },
		{ 1, TIMENS, TIMENS_PATH_CHILD, false, 0, "timens_clone3 (child forced)", "" },
		{ 1, TIMENS, TIMENS_PATH_HELPER_THREAD, false, 0, "timens_clone3 (helper forced)", "" },
		/* 5 */ { 1, MIN_INPLACE, TIMENS_PATH_NONE, false, 0, "minimal inplace (limit)", "" },
		{ 1, MIN_INPLACE_CHECKED, TIMENS_PATH_NONE, false, 0,
		  "minimal inplace + checks (limit)", "" },
		{ 1, MIN_CHILD, TIMENS_PATH_NONE, false, 0, "minimal child (limit)", "" },
		{ 1, RAW_NEWTIME, TIMENS_PATH_NONE, false, 0, "clone3(CLONE_NEWTIME) (kernel floor)",
		  "" },
		/* 9 */ { 1, PLAIN, TIMENS_PATH_NONE, true, 9, "clone3 + wait + clock read", "" },
		{ 1, TIMENS, TIMENS_PATH_NONE, true, 9, "timens_clone3 + clock read", "" },
		{ 1, TIMENS, TIMENS_PATH_CHILD, true, 9, "timens_clone3 (child forced) + clock read",
		  "" },
		/* 12 */ { 1, MIN_INPLACE, TIMENS_PATH_NONE, true, 9,
		  "minimal inplace + clock read (limit)", "" },
		{ 1, MIN_CHILD, TIMENS_PATH_NONE, true, 9, "minimal child + clock read (limit)", "" },
		/* 14 */ { 2, PLAIN, TIMENS_PATH_NONE, false, 14, "clone3 + wait; 2 threads", "" },
		{ 2, TIMENS, TIMENS_PATH_NONE, false, 14, "timens_clone3; 2 threads", "<=1.30" },
		/* 16 */ { 2, MIN_CHILD, TIMENS_PATH_NONE, false, 14, "minimal child; 2 threads (limit)",
		  "" },
		{ 2, TIMENS, TIMENS_PATH_HELPER_THREAD, false, 14,
		  "timens_clone3 (helper forced); 2 threads", "" },
		/* 18 */ { CALLERS, PLAIN, TIMENS_PATH_NONE, false, 18,
		  "clone3 + wait; 8 threads calling", "" },
		{ CALLERS, TIMENS, TIMENS_PATH_NONE, false, 18, "timens_clone3; 8 threads calling",
		  "<=1.30" },
		/* 20 */ { CALLERS, MIN_CHILD, TIMENS_PATH_NONE, false, 18,
		  "minimal child; 8 threads calling (limit)", "" },
		{ CALLERS, MIN_CHILD_AREA, TIMENS_PATH_NONE, false, 18,
		  "minimal child + its area; 8 threads (limit)", "" },
	};
	/* Library rows again, against their limit rows: { row, limit row }. */
	static const struct { int row, base; const char *name, *target; } vs[] = {
		{ 1, 5, "timens_clone3 vs minimal inplace", "<=1.05" },
		{ 1, 6, "timens_clone3 vs minimal inplace + checks", "" },
		{ 10, 12, "timens_clone3 + clock read vs its minimal", "<=1.05" },
		{ 15, 16, "timens_clone3; 2 threads vs minimal child", "<=1.05" },
		{ 19, 20, "timens_clone3; 8 threads vs minimal child", "<=1.05" },
		{ 19, 21, "timens_clone3; 8 threads vs minimal child + area", "" },
	};
	enum { NVS = sizeof(vs) / sizeof(vs[0]) };
	enum { N = sizeof(all) / sizeof(all[0]) };
	struct row rows[N];
	static struct series s[N + NVS];
	int n = 0, iters = 20, r, i, pipefd[2], index[N];
	bool newtime = timens_features() & TIMENS_FEATURE_CLONE3_NEWTIME;
	struct bench_opts o;
	pthread_t t;

	i = bench_args(argc, argv, &o, 101);
	if (i && !strcmp(argv[i], "--iters") && i + 1 < argc)
		iters = atoi(argv[i + 1]);
	else if (i)
		die(argv[0], "usage: bench-clone3 [--quick] [--rounds N] [--iters N] [--csv FILE]");
	if (o.quick)
		iters = 10;
	shared_words = mmap(NULL, (CALLERS + 1) * WORD_STRIDE * sizeof(uint32_t),
			    PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (shared_words == MAP_FAILED)
		die("bench-clone3", "mmap: %s", strerror(errno));

	/* The floor row needs clone3 to take CLONE_NEWTIME (6.3+). */
	if (!newtime)
		fprintf(stderr, "bench-clone3: clone3 takes no CLONE_NEWTIME here: floor row left out\n");
	for (i = 0; i < N; i++) {
		if (all[i].mode == RAW_NEWTIME && !newtime)
			continue;
		index[i] = n;
		rows[n] = all[i];
		rows[n].base = index[all[i].base];
		s[n].name = all[i].name;
		s[n].path = all[i].mode == TIMENS ? "?" : "-";
		s[n].unit = "us/child";
		s[n].base = rows[n].base;
		s[n].target = all[i].target;
		n++;
	}
	/* Interleaved: each round measures every row of a block once. */
	for (r = 0; r < o.rounds; r++)
		for (i = 0; i < n; i++)
			if (rows[i].threads == 1)
				s[i].v[r] = run(&rows[i], iters, &s[i].path);
	for (r = 0; r < o.rounds; r++)
		for (i = 0; i < n; i++)
			if (rows[i].threads == CALLERS)
				s[i].v[r] = run(&rows[i], iters, &s[i].path);
	if (pipe(pipefd))
		die(argv[0], "pipe: %s", strerror(errno));
	errno = pthread_create(&t, NULL, idle, &pipefd[0]);
	if (errno)
		die(argv[0], "pthread_create: %s", strerror(errno));
	for (r = 0; r < o.rounds; r++)
		for (i = 0; i < n; i++)
			if (rows[i].threads == 2)
				s[i].v[r] = run(&rows[i], iters, &s[i].path);
	close(pipefd[1]);
	pthread_join(t, NULL);
	timens__force_path(TIMENS_PATH_NONE);

	for (i = 0; i < NVS; i++) {
		s[n] = s[index[vs[i].row]];
		s[n].name = vs[i].name;
		s[n].base = index[vs[i].base];
		s[n].target = vs[i].target;
		n++;
	}
	bench_report("clone3", s, n, o.rounds, &o);
	return 0;
}
