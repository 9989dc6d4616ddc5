// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Clock values across namespaces: timens_read_clocks(),
 * timens_offset_for_clocks() and timens_clocks_at_offset().
 *
 * Offsets are absolute, relative to the initial time namespace (the
 * "host").  We cannot read the host clocks directly from inside a
 * namespace, but our own clocks are host + our own offsets, so
 * host = own clock - own offsets, and any namespace's clock is
 * host + its offsets.
 */
#include <errno.h>
#include <string.h>
#include <time.h>

#include "internal.h"

/*
 * The kernel refuses offsets that put a clock of the new namespace
 * below zero or above KTIME_SEC_MAX / 2 seconds at the moment they are
 * written (kernel/time/namespace.c, proc_timens_set_offset()).
 */
#define CLOCK_SEC_LIMIT		(KTIME_SEC_MAX / 2)

static int read_own(struct timens_clocks *c)
{
	struct timespec mono, boot;

	if (clock_gettime(CLOCK_MONOTONIC, &mono) < 0 ||
	    clock_gettime(CLOCK_BOOTTIME, &boot) < 0)
		return -1;
	c->monotonic_ns = (int64_t)mono.tv_sec * NSEC_PER_SEC + mono.tv_nsec;
	c->boottime_ns = (int64_t)boot.tv_sec * NSEC_PER_SEC + boot.tv_nsec;
	return 0;
}

/* The offsets of the caller's own namespace; ENODATA if nobody shows them. */
static int own_offsets(struct timens_info *own)
{
	if (timens_get_info(0, own) < 0)
		return -1;
	if (!own->offset_known) {
		errno = ENODATA;
		return -1;
	}
	return 0;
}

/* V - FROM + TO, or ERANGE. */
static int shift(int64_t v, int64_t from, int64_t to, int64_t *out)
{
	if (__builtin_sub_overflow(v, from, &v) || __builtin_add_overflow(v, to, out)) {
		errno = ERANGE;
		return -1;
	}
	return 0;
}

TIMENS_EXPORT int timens_read_clocks(pid_t pid, struct timens_clocks *clocks)
{
	struct timens_info own, target;
	struct timens_clocks now, out;

	if (pid < 0 || !clocks) {
		errno = EINVAL;
		return -1;
	}
	if (pid == 0)
		return read_own(clocks);
	if (timens_get_info(pid, &target) < 0 || timens_get_info(0, &own) < 0)
		return -1;
	/* Our own namespace: our clocks, no offsets needed. */
	if (target.ns.dev == own.ns.dev && target.ns.ino == own.ns.ino)
		return read_own(clocks);
	if (!own.offset_known || !target.offset_known) {
		errno = ENODATA;
		return -1;
	}
	if (read_own(&now) < 0 ||
	    shift(now.monotonic_ns, own.offset.monotonic_offset_ns,
		  target.offset.monotonic_offset_ns, &out.monotonic_ns) < 0 ||
	    shift(now.boottime_ns, own.offset.boottime_offset_ns,
		  target.offset.boottime_offset_ns, &out.boottime_ns) < 0)
		return -1;
	*clocks = out;
	return 0;
}

static bool reachable(int64_t target_ns)
{
	return target_ns >= 0 && target_ns / NSEC_PER_SEC <= CLOCK_SEC_LIMIT;
}

TIMENS_EXPORT int timens_offset_for_clocks(const struct timens_clocks *clocks,
					   struct timens_offset *offset)
{
	struct timens_info own;
	struct timens_clocks now;
	struct timens_offset out;

	if (!clocks || !offset) {
		errno = EINVAL;
		return -1;
	}
	if (!reachable(clocks->monotonic_ns) || !reachable(clocks->boottime_ns)) {
		errno = ERANGE;
		return -1;
	}
	if (own_offsets(&own) < 0 || read_own(&now) < 0)
		return -1;
	/*
	 * target - host now.  The namespace is made later, when the host
	 * clocks read more, so its clocks start at or above the targets.
	 */
	if (shift(clocks->monotonic_ns, now.monotonic_ns - own.offset.monotonic_offset_ns,
		  0, &out.monotonic_offset_ns) < 0 ||
	    shift(clocks->boottime_ns, now.boottime_ns - own.offset.boottime_offset_ns,
		  0, &out.boottime_offset_ns) < 0)
		return -1;
	*offset = out;
	return 0;
}

TIMENS_EXPORT int timens_clocks_at_offset(const struct timens_offset *offset,
					  struct timens_clocks *clocks)
{
	static const struct timens_clocks origin = { 0, 0 };
	struct timens_offset minus_host;
	struct timens_clocks now;

	if (!offset || !clocks) {
		errno = EINVAL;
		return -1;
	}
	/*
	 * The offsets that would make clocks read 0 now are minus the host
	 * clocks; a namespace at OFFSET reads host + OFFSET.
	 */
	if (timens_offset_for_clocks(&origin, &minus_host) < 0)
		return -1;
	if (__builtin_sub_overflow(offset->monotonic_offset_ns, minus_host.monotonic_offset_ns,
				   &now.monotonic_ns) ||
	    __builtin_sub_overflow(offset->boottime_offset_ns, minus_host.boottime_offset_ns,
				   &now.boottime_ns)) {
		errno = ERANGE;
		return -1;
	}
	*clocks = now;
	return 0;
}
