/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* libtimens internals shared between the library's files. */
#ifndef TIMENS_INTERNAL_H
#define TIMENS_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "timens.h"
#include "../common/nsec.h"

/* The kernel's largest time in seconds (include/linux/time64.h). */
#define KTIME_SEC_MAX (INT64_MAX / NSEC_PER_SEC)

#define TIMENS_EXPORT __attribute__((visibility("default")))

/* Kernel version as major << 16 | minor << 8 | patch (patch capped). */
#define KVER(a, b, c) (((a) << 16) | ((b) << 8) | ((c) > 255 ? 255 : (c)))

struct timens_probe {
	unsigned int features;		/* TIMENS_FEATURE_* */
	/* TIMENS_PATH: a test or benchmark may force a userspace path. */
	enum timens_path force;
};

/*
 * Benchmarks and tests linked with the static library may force a path:
 * TIMENS_PATH_KERNEL means "any emulated path" (no native), INPLACE or
 * HELPER_THREAD that path where it is possible, SPAWN_FORK the fork path
 * of timens_spawn().  Not thread-safe; call before starting threads.
 */
void timens__force_path(enum timens_path path);

/* Detected once per process; never fails (an unknown is "absent"). */
const struct timens_probe *timens__probe(void);

/* The path the calling thread's last call took. */
void timens__set_last_path(enum timens_path path);

/*
 * The decimal digits of V at P (no sign, no NUL); returns their count,
 * at most 20.  Async-signal-safe, no libc, no stack buffer: for the
 * vfork-style children as much as for timens_format_offset().
 */
size_t timens__put_decimal(char *p, uint64_t v);

/*
 * "monotonic S N\nboottime S N\n" for /proc/PID/timens_offsets, with
 * 0 <= N < 1e9 as the kernel wants it.  Async-signal-safe, no libc; BUF
 * must hold TIMENS_OFFSETS_RECORD_MAX bytes.  Returns the length.
 */
#define TIMENS_OFFSETS_RECORD_MAX 96
size_t timens__offsets_record(char *buf, const struct timens_offset *off);

/*
 * Writes OFF to the calling thread's /proc/TID/timens_offsets, TID as
 * /proc sees it, with raw system calls (safe in a vfork-style child).
 * 0 or -errno.
 */
long timens__write_own_offsets(const struct timens_offset *off);
/* The same into the timens_offsets file at PATH. */
long timens__write_offsets_path(const char *path, const struct timens_offset *off);

/*
 * "/proc/TID" for the calling thread, TID as /proc sees it (its pid
 * namespace may not be ours), into BUF; raw system calls.  Its length,
 * or -errno.
 */
#define TIMENS_PROC_DIR_MAX 32
long timens__proc_self_dir(char buf[TIMENS_PROC_DIR_MAX]);

/*
 * The errno for a /proc/PID entry (or its ns/time links) that gave
 * ENOENT, as our own /proc entries tell: ESRCH if we have ns/time, so
 * the task is gone (a zombie keeps its directory but has no namespace
 * links); ENOSYS if this kernel has no time namespaces; ENOENT if /proc
 * is not mounted.
 */
int timens__proc_missing_errno(void);

/*
 * The system call that makes a child of A (SIZE bytes of clone_args, as
 * clone3 takes them) for the assembly to make (struct clone_call,
 * stubs.h).  0.
 */
struct clone_call;
int timens__clone_call(struct clone_call *c, const struct timens_clone_args *a, size_t size);

/*
 * Undoes an unshare(CLONE_NEWTIME): setns() into the time namespace FD
 * names, which the caller entered through FD just before.  Never fails:
 * it aborts the process if it cannot (see clone3.c).
 */
void timens__setns_back(int fd);

#endif
