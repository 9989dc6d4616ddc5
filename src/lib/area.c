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

static __thread struct clone_area *tls_area;
static __thread struct child_share *tls_share;
/*
 * Areas for calls made while the thread's own is in use, newest first.
 * That takes a signal handler run inside a call, which only a call that
 * unblocked its child's exit signal allows (clone3.c, "early"), and then
 * only a handler another thread installed meanwhile; or a handler that
 * left a call by longjmp, whose area stays in use for good.  Each has
 * its own child-path page; the next call of the thread unmaps those no
 * call uses any more.
 */
static __thread struct clone_area *tls_nested;
static pthread_key_t area_key;
static pthread_once_t area_key_once = PTHREAD_ONCE_INIT;
static int area_key_err;

static struct child_share *share_map(void)
{
	void *m = mmap(NULL, sizeof(struct child_share), PROT_READ | PROT_WRITE,
		       MAP_SHARED | MAP_ANONYMOUS, -1, 0);

	return m == MAP_FAILED ? NULL : m;
}

/* A's child_share: the thread's, made at its first child-path call, or a nested area's own. */
struct child_share *timens__own_share(struct clone_area *a)
{
	if (a->nested)
		return a->share;
	if (!tls_share)
		tls_share = share_map();
	return tls_share;
}

/* The start of A's mapping: the area is its last page. */
static char *area_base(struct clone_area *a)
{
	size_t page = page_size();

	return (char *)a + page - area_size(page);
}

static void area_unmap(struct clone_area *a)
{
	if (a->nested && a->share)
		munmap(a->share, sizeof(*a->share));
	munmap(area_base(a), area_size(page_size()));
}

/* Unmaps the nested areas no call uses (ALL: every one, the thread exits). */
static void nested_reap(bool all)
{
	struct clone_area **pp = &tls_nested, *a;

	while ((a = *pp)) {
		if (all || !a->in_call) {
			*pp = a->next;
			area_unmap(a);
		} else {
			pp = &a->next;
		}
	}
}

static void area_free(void *area)
{
	struct clone_area *a = area;
	char *base = area_base(a);
	struct child_share *share = NULL;

	/*
	 * Forget it first: a signal handler, or another key's destructor,
	 * may still call us in this thread and must make a new one.
	 */
	if (tls_area == a) {
		share = tls_share;
		tls_area = NULL;
		tls_share = NULL;
	}
	atomic_signal_fence(memory_order_seq_cst);
	if (share)
		munmap(share, sizeof(*share));
	munmap(base, area_size(page_size()));
	nested_reap(true);
}

static void make_area_key(void)
{
	area_key_err = pthread_key_create(&area_key, area_free);
}

/* The fields of a new area, or of one a fork has wiped (signals blocked). */
static void area_init(struct clone_area *a, pid_t tid)
{
	a->threads_seen = false;
	a->in_call = false;
	a->nested = false;
	a->next = NULL;
	a->share = NULL;
	a->offsets_path[0] = '\0';
	a->plan.stack_base = (uint64_t)(uintptr_t)area_base(a) + (uint64_t)page_size();
	a->plan.stack_top = (uint64_t)(uintptr_t)a & ~(uint64_t)15;
	a->tid = tid;
}

/* A new area, initialised for TID: NULL with errno set if it cannot be made. */
static struct clone_area *area_map(pid_t tid)
{
	size_t page = page_size(), size = area_size(page);
	struct clone_area *a;
	char *base;
	int err;

	base = mmap(NULL, size, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
	if (base == MAP_FAILED)
		return NULL;
	a = (struct clone_area *)(base + size - page);
	if (mprotect(base, page, PROT_NONE)) {
		err = errno;
		munmap(base, size);
		errno = err;
		return NULL;
	}
	/*
	 * Only an optimisation: without it (a kernel built without
	 * madvise(), for one) fork() write-protects the area like the rest,
	 * and a forked child finds a copy with its parent's tid in it and
	 * makes an area of its own.
	 */
	(void)madvise(base, size, MADV_WIPEONFORK);
	area_init(a, tid);
	return a;
}

/*
 * An area for a call made while the thread's is in use (see
 * tls_nested), with a child-path page of its own: NULL, errno set, if
 * it cannot be made.
 */
static struct clone_area *nested_area(pid_t tid)
{
	struct clone_area *a = area_map(tid);

	if (!a)
		return NULL;
	a->nested = true;
	a->share = share_map();
	if (!a->share) {
		area_unmap(a);
		return NULL;
	}
	a->next = tls_nested;
	tls_nested = a;
	return a;
}

/*
 * The calling thread's clone area, made on first use: NULL with errno
 * set if it cannot be.  Called with every signal blocked, so that no
 * handler's call sees an area half made.  One made by another task is
 * not ours: after a fork it reads as zeroes (tid 0) and is taken over as
 * it is; a task that shares its parent's memory and thread-local block
 * (CLONE_VM without CLONE_SETTLS), or a forked child where the area
 * could not be marked wipe-on-fork, finds another tid there and makes
 * its own.
 */
struct clone_area *timens__own_area(pid_t tid)
{
	struct clone_area *a = tls_area;
	int err;

	if (a && a->tid == tid) {
		if (tls_nested)
			nested_reap(false);
		return a->in_call ? nested_area(tid) : a;
	}
	if (a && a->tid == 0) {
		/*
		 * A forked copy of us: the child-path page is still shared
		 * with the thread we are a copy of, so it is not ours; nested
		 * areas read as zeroes (no call in them, no next).
		 */
		if (tls_share)
			munmap(tls_share, sizeof(*tls_share));
		tls_share = NULL;
		nested_reap(true);
		area_init(a, tid);
		return a;
	}
	/* Whoever's page it is (a task sharing our memory may use it), not ours. */
	tls_share = NULL;
	err = pthread_once(&area_key_once, make_area_key);
	if (err || (err = area_key_err)) {
		errno = err;
		return NULL;
	}
	a = area_map(tid);
	if (!a)
		return NULL;
	err = pthread_setspecific(area_key, a);
	if (err) {
		area_unmap(a);
		errno = err;
		return NULL;
	}
	tls_area = a;
	return a;
}

