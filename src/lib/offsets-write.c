// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Writing /proc/PID/timens_offsets.  This runs inside vfork-style
 * helpers and children that share the caller's memory, so it uses no
 * libc: no errno, no locks, no allocation.
 */
#include <fcntl.h>

#include "internal.h"
#include "syscall.h"

static size_t put_str(char *p, const char *s)
{
	size_t n = 0;

	while (s[n]) {
		p[n] = s[n];
		n++;
	}
	return n;
}

/* Counts the digits first and writes them in place: no buffer on the stack. */
size_t timens__put_decimal(char *p, uint64_t v)
{
	uint64_t rest = v;
	size_t n = 1, i;

	while (rest >= 10) {
		rest /= 10;
		n++;
	}
	for (i = n; i-- > 0; v /= 10)
		p[i] = (char)('0' + v % 10);
	return n;
}

/* Seconds rounded down and nanoseconds in [0, 1e9), as the kernel reads them. */
static size_t put_clock(char *p, const char *name, int64_t ns)
{
	int64_t sec = ns / NSEC_PER_SEC, nsec = ns % NSEC_PER_SEC;
	size_t n;

	if (nsec < 0) {
		nsec += NSEC_PER_SEC;
		sec -= 1;
	}
	n = put_str(p, name);
	p[n++] = ' ';
	if (sec < 0)
		p[n++] = '-';
	n += timens__put_decimal(p + n, sec < 0 ? 0 - (uint64_t)sec : (uint64_t)sec);
	p[n++] = ' ';
	n += timens__put_decimal(p + n, (uint64_t)nsec);
	p[n++] = '\n';
	return n;
}

size_t timens__offsets_record(char *buf, const struct timens_offset *off)
{
	size_t n = put_clock(buf, "monotonic", off->monotonic_offset_ns);

	n += put_clock(buf + n, "boottime", off->boottime_offset_ns);
	buf[n] = '\0';
	return n;
}

long timens__write_offsets_path(const char *path, const struct timens_offset *off)
{
	char rec[TIMENS_OFFSETS_RECORD_MAX];
	size_t len = timens__offsets_record(rec, off);
	long fd, r;

	fd = raw_syscall(SYS_openat, AT_FDCWD, path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return fd;
	/* Both records in one write: the kernel applies all or none. */
	r = raw_syscall(SYS_write, fd, rec, len);
	raw_syscall(SYS_close, fd);
	if (r < 0)
		return r;
	return (size_t)r == len ? 0 : -EIO;
}

/*
 * The calling thread's id as the /proc mount sees it, from its
 * /proc/thread-self link ("PID/task/TID"): /proc may belong to another
 * pid namespace than ours (a CLONE_NEWPID child that did not remount
 * it), where gettid() names some other task.  -errno if unreadable.
 */
static long proc_tid(void)
{
	char link[64];
	long n = raw_syscall(SYS_readlinkat, AT_FDCWD, "/proc/thread-self", link,
			     sizeof(link) - 1);
	long tid = 0;
	char *p;

	if (n < 0)
		return n;
	link[n] = '\0';
	for (p = link; *p && *p != '/'; p++)
		;
	if (*p != '/' || p[1] != 't')	/* "/task/" */
		return -ENOENT;
	for (p += 6; *p >= '0' && *p <= '9'; p++)
		tid = tid * 10 + (*p - '0');
	return tid > 0 ? tid : -ENOENT;
}

long timens__proc_self_dir(char buf[TIMENS_PROC_DIR_MAX])
{
	long tid = proc_tid();
	size_t n;

	if (tid < 0)
		return tid;
	n = put_str(buf, "/proc/");
	n += timens__put_decimal(buf + n, (uint64_t)tid);
	buf[n] = '\0';
	return (long)n;
}

long timens__write_own_offsets(const struct timens_offset *off)
{
	char path[TIMENS_PROC_DIR_MAX + 16];
	long r = timens__proc_self_dir(path);
	size_t n;

	if (r < 0)
		return r;
	n = (size_t)r;
	n += put_str(path + n, "/timens_offsets");
	path[n] = '\0';
	return timens__write_offsets_path(path, off);
}
