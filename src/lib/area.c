// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The per-thread memory of timens_clone3(): the clone area, where an
 * emulated call keeps its plan and runs its C code, and the child path's
 * shared page (plan.h describes both; docs/design.md, "Copy-on-write",
 * says why they exist).
 */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <sys/mman.h>
#include <unistd.h>

#include "plan.h"

/*
 * The area's stack, in whole pages: with 4 KiB pages the area is 64 KiB
 * (guard page, this, the page struct clone_area starts).  The sizes
 * follow the page size at run time, as arm64 has 4, 16 and 64 KiB pages
 * (a 64 KiB area would be one page there, with no room for the guard).
 */
#define AREA_STACK (56 * 1024)

_Static_assert(sizeof(struct clone_area) <= 4096, "the area's last page holds it");

static size_t page_size(void)
{
	return (size_t)sysconf(_SC_PAGESIZE);
}

/* The whole mapping: guard page, stack, the page of struct clone_area. */
static size_t area_size(size_t page)
{
	return page + ((AREA_STACK + page - 1) & ~(page - 1)) + page;
}

/* Per level (AREA_LEVELS, plan.h); TLS survives a fork, the areas' contents do not. */
static __thread struct clone_area *tls_area[AREA_LEVELS];
static pthread_key_t area_key;
static pthread_once_t area_key_once = PTHREAD_ONCE_INIT;
static int area_key_err;

/*
 * Areas of threads that have exited, each with its page, kept for the
 * next threads (docs/design.md, "Copy-on-write: the clone area", says
 * what making and unmapping them per thread cost).  Taken and given back
 * with one atomic exchange per slot, so that a fork at any moment leaves
 * the child a consistent copy.  Only wipe-on-fork areas are kept: the
 * child sees the slots as they were and every area in them as zeroes,
 * its page forgotten.
 */
#define AREA_SPARE 32
static struct clone_area *spare[AREA_SPARE];

static struct clone_area *spare_take(void)
{
	struct clone_area *a;
	int i;

	for (i = 0; i < AREA_SPARE; i++) {
		if (!__atomic_load_n(&spare[i], __ATOMIC_RELAXED))
			continue;
		a = __atomic_exchange_n(&spare[i], NULL, __ATOMIC_ACQUIRE);
		if (a)
			return a;
	}
	return NULL;
}

static bool spare_keep(struct clone_area *a)
{
	struct clone_area *none;
	int i;

	if (!a->wipes)
		return false;
	for (i = 0; i < AREA_SPARE; i++) {
		none = NULL;
		if (__atomic_compare_exchange_n(&spare[i], &none, a, false, __ATOMIC_RELEASE,
						__ATOMIC_RELAXED))
			return true;
	}
	return false;
}

/* A's child_share, made at its first child-path call (signals blocked). */
struct child_share *timens__own_share(struct clone_area *a)
{
	void *m;

	if (a->share)
		return a->share;
	m = mmap(NULL, sizeof(struct child_share), PROT_READ | PROT_WRITE,
		 MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (m == MAP_FAILED)
		return NULL;
	a->share = m;
	return m;
}

/* The start of A's mapping: the area is its last page. */
static char *area_base(struct clone_area *a)
{
	size_t page = page_size();

	return (char *)a + page - area_size(page);
}

/* A, no longer anyone's, kept spare or unmapped with its page. */
static void area_release(struct clone_area *a)
{
	/*
	 * A level left while its call waited (a handler's siglongjmp, or
	 * pthread_exit) may have a failed child held on its page for up to
	 * 100 ms more: the next thread's child must not share that word.
	 */
	if (a->plan.wait && a->share) {
		munmap(a->share, sizeof(*a->share));
		a->share = NULL;
	}
	if (spare_keep(a))
		return;
	if (a->share)
		munmap(a->share, sizeof(*a->share));
	munmap(area_base(a), area_size(page_size()));
}

/* Level L's area released, forgotten first. */
static void level_free(int l)
{
	struct clone_area *a = tls_area[l];

	/*
	 * Forget it first: a signal handler, or another key's destructor,
	 * may still call us in this thread and must find or make another.
	 */
	tls_area[l] = NULL;
	atomic_signal_fence(memory_order_seq_cst);
	if (a)
		area_release(a);
}

/* The thread's exit: the key holds the first level, and stands for all. */
static void area_free(void *area)
{
	int l;

	if (tls_area[0] != area) {
		area_release(area);
		return;
	}
	for (l = 0; l < AREA_LEVELS; l++)
		level_free(l);
}

static void make_area_key(void)
{
	area_key_err = pthread_key_create(&area_key, area_free);
}

/* The fields of a new or spare area, or of one a fork has wiped (signals blocked). */
static void area_init(struct clone_area *a, pid_t tid, int level)
{
	a->threads_seen = false;
	a->offsets_path[0] = '\0';
	a->plan.stack_base = (uint64_t)(uintptr_t)area_base(a) + (uint64_t)page_size();
	a->plan.stack_top = (uint64_t)(uintptr_t)a & ~(uint64_t)15;
	a->plan.wait = 0;
	a->level = level;
	a->tid = tid;
}

static struct clone_area *level_area(pid_t tid, int level);

/*
 * The calling thread's clone area, made on first use: NULL with errno
 * set if it cannot be.  Called with every signal blocked, so that no
 * handler's call sees an area half made.  The first level whose plan no
 * call waits on (a handler's call interrupting one that does takes the
 * next: plan.h).
 */
struct clone_area *timens__own_area(pid_t tid)
{
	struct clone_area *a;
	int l;

	for (l = 0;; l++) {
		a = level_area(tid, l);
		if (!a || l == AREA_LEVELS - 1 || !a->plan.wait)
			return a;
	}
}

/*
 * Level L's area.  One made by another task is not ours: after a fork
 * it reads as zeroes (tid 0) and is taken over as it is; a task that
 * shares its parent's memory and thread-local block (CLONE_VM without
 * CLONE_SETTLS), or a forked child where the area could not be marked
 * wipe-on-fork, finds another tid there and makes its own.
 */
static struct clone_area *level_area(pid_t tid, int l)
{
	struct clone_area *a = tls_area[l];
	size_t page, size;
	char *base;
	int err;

	if (a && a->tid == tid)
		return a;
	if (a && a->tid == 0) {
		/*
		 * A forked copy of us, wiped: its page, still shared with the
		 * thread we are a copy of, is forgotten with the rest but stays
		 * mapped, as a copy made by a handler while we waited on it
		 * goes on reading it when the handler returns.
		 */
		area_init(a, tid, l);
		a->wipes = true;
		return a;
	}
	/* Whoever's area it is (a task sharing our memory may use it), not ours. */
	err = pthread_once(&area_key_once, make_area_key);
	if (err || (err = area_key_err)) {
		errno = err;
		return NULL;
	}
	a = spare_take();
	if (a) {
		/* Only wipe-on-fork ones are kept, and a fork keeps the mark: in a
		 * forked child the area (and this flag) reads as zeroes. */
		a->wipes = true;
		err = l ? 0 : pthread_setspecific(area_key, a);
		if (err) {
			area_release(a);
			errno = err;
			return NULL;
		}
		area_init(a, tid, l);
		tls_area[l] = a;
		return a;
	}
	page = page_size();
	size = area_size(page);
	base = mmap(NULL, size, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
	if (base == MAP_FAILED)
		return NULL;
	a = (struct clone_area *)(base + size - page);
	if (mprotect(base, page, PROT_NONE))
		goto undo;
	/*
	 * Only an optimisation: without it (a kernel built without
	 * madvise(), for one) fork() write-protects the area like the rest,
	 * and a forked child finds a copy with its parent's tid in it and
	 * makes an area of its own; nor is such an area kept spare.
	 */
	a->wipes = madvise(base, size, MADV_WIPEONFORK) == 0;
	err = l ? 0 : pthread_setspecific(area_key, a);
	if (err) {
		errno = err;
		goto undo;
	}
	area_init(a, tid, l);
	tls_area[l] = a;
	return a;
undo:
	err = errno;
	munmap(base, size);
	errno = err;
	return NULL;
}
