// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * timens_get_info(): a process's time namespaces and their offsets, read
 * from /proc.
 *
 * /proc/PID/timens_offsets shows the offsets of PID's time_for_children,
 * not of the namespace PID lives in.  The two are the same namespace
 * unless PID called unshare(CLONE_NEWTIME) since it last entered one; in
 * that case we look for any task whose time_for_children is PID's
 * namespace and read its file instead.  When no such task is visible
 * (its creators have all moved on, or they are hidden from our /proc)
 * the offsets are reported as unknown: there is no other interface that
 * shows them, and guessing zero would be wrong for a nested namespace.
 *
 * Every file of the target is opened relative to one descriptor of its
 * /proc directory: if the pid dies and is reused during the call, the
 * descriptor still names the old task and we get ESRCH instead of a
 * stranger's data.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "internal.h"
#include "syscall.h"

/* The kernel prints two lines of at most 32 bytes; anything longer is not it. */
#define OFFSETS_FILE_MAX 256
/* Re-reads when the target changes its namespaces under us. */
#define STABLE_TRIES 8

/* The /proc directories that describe one task. */
struct task_dirs {
	int ns_dir;	/* holds ns/time and ns/time_for_children */
	int off_dir;	/* holds timens_offsets (per-process directories only) */
};

static void close_dirs(struct task_dirs *d)
{
	if (d->off_dir >= 0 && d->off_dir != d->ns_dir)
		close(d->off_dir);
	if (d->ns_dir >= 0)
		close(d->ns_dir);
	d->ns_dir = d->off_dir = -1;
}

static int open_dir(const char *path)
{
	return open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
}

int timens__proc_missing_errno(void)
{
	if (access("/proc/thread-self/ns/time", F_OK) == 0)
		return ESRCH;
	return access("/proc/self", F_OK) == 0 ? ENOSYS : ENOENT;
}

/*
 * For PID 0, the calling thread: its own ns links are in
 * /proc/thread-self, but timens_offsets lives only in per-process
 * directories, and /proc/TID/ names thread TID there.
 */
static int open_task_dirs(pid_t pid, struct task_dirs *d)
{
	char path[TIMENS_PROC_DIR_MAX];
	long r;

	d->ns_dir = d->off_dir = -1;
	if (pid == 0) {
		d->ns_dir = open_dir("/proc/thread-self");
		if (d->ns_dir < 0)
			return -1;
		/* timens_offsets is in /proc/TID, not /proc/thread-self. */
		r = timens__proc_self_dir(path);
		if (r < 0) {
			close_dirs(d);
			errno = (int)-r;
			return -1;
		}
		d->off_dir = open_dir(path);
		if (d->off_dir < 0) {
			int err = errno;

			close_dirs(d);
			errno = err;
			return -1;
		}
		return 0;
	}
	snprintf(path, sizeof(path), "/proc/%d", (int)pid);
	d->ns_dir = d->off_dir = open_dir(path);
	if (d->ns_dir < 0) {
		if (errno == ENOENT)
			errno = timens__proc_missing_errno();
		return -1;
	}
	return 0;
}

static int stat_ns(int dir, const char *name, struct timens_ns_id *id)
{
	struct stat st;

	if (fstatat(dir, name, &st, 0) < 0) {
		if (errno == ENOENT)
			errno = timens__proc_missing_errno();
		return -1;
	}
	id->dev = (uint64_t)st.st_dev;
	id->ino = (uint64_t)st.st_ino;
	return 0;
}

static bool same_ns(const struct timens_ns_id *a, const struct timens_ns_id *b)
{
	return a->dev == b->dev && a->ino == b->ino;
}

/* The whole of a small file, read to EOF; its length or -1. */
static ssize_t read_file(int dir, const char *name, char *buf, size_t size)
{
	size_t len = 0;
	ssize_t n;
	int fd, err;

	fd = openat(dir, name, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0) {
		if (errno == ENOENT)
			errno = timens__proc_missing_errno();
		return -1;
	}
	for (;;) {
		if (len == size) {
			err = EIO;	/* longer than the kernel ever writes */
			goto fail;
		}
		n = read(fd, buf + len, size - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			err = errno;
			goto fail;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	close(fd);
	return (ssize_t)len;
fail:
	close(fd);
	errno = err;
	return -1;
}

/* A decimal integer, optionally signed, after optional blanks. */
static bool parse_ll(const char **p, long long *v)
{
	const char *s = *p;
	char *end;

	while (*s == ' ' || *s == '\t')
		s++;
	if (!(*s == '-' || (*s >= '0' && *s <= '9')))
		return false;
	errno = 0;
	*v = strtoll(s, &end, 10);
	if (errno || end == s)
		return false;
	*p = end;
	return true;
}

/*
 * One "NAME SECS NSECS" line, as the kernel prints it ("%-10s %10lld
 * %9ld"); the clock may also be given by id, as the kernel accepts it.
 */
static int parse_line(const char *line, struct timens_offset *off, unsigned int *seen)
{
	const char *p = line;
	long long sec, nsec;
	int64_t ns;
	size_t name_len = strcspn(p, " \t");

	p += name_len;
	if (!parse_ll(&p, &sec) || !parse_ll(&p, &nsec))
		return -1;
	if (nsec < 0 || nsec >= NSEC_PER_SEC ||
	    __builtin_mul_overflow(sec, NSEC_PER_SEC, &ns) ||
	    __builtin_add_overflow(ns, nsec, &ns))
		return -1;
	if ((name_len == 9 && !strncmp(line, "monotonic", 9)) ||
	    (name_len == 1 && line[0] == '1')) {
		off->monotonic_offset_ns = ns;
		*seen |= 1;
	} else if ((name_len == 8 && !strncmp(line, "boottime", 8)) ||
		   (name_len == 1 && line[0] == '7')) {
		off->boottime_offset_ns = ns;
		*seen |= 2;
	}
	return 0;
}

/* The offsets of the time_for_children of the task whose directory is DIR. */
static int read_offsets(int dir, struct timens_offset *off)
{
	char buf[OFFSETS_FILE_MAX + 1], *line, *save = NULL;
	unsigned int seen = 0;
	ssize_t n = read_file(dir, "timens_offsets", buf, OFFSETS_FILE_MAX);

	if (n < 0)
		return -1;
	if (n == 0) {
		/* The kernel prints nothing once the task has dropped its namespaces. */
		errno = ESRCH;
		return -1;
	}
	buf[n] = '\0';
	memset(off, 0, sizeof(*off));
	for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		if (parse_line(line, off, &seen) < 0) {
			errno = EIO;
			return -1;
		}
	}
	if (seen != 3) {
		errno = EIO;
		return -1;
	}
	return 0;
}

/*
 * Both identities and the offsets of time_for_children, as one
 * consistent snapshot: the task may unshare while we read, so we accept
 * the offsets only if time_for_children is the same before and after.
 */
static int read_task(const struct task_dirs *d, struct timens_info *info)
{
	struct timens_ns_id again = { 0, 0 };
	int i;

	for (i = 0; i < STABLE_TRIES; i++) {
		if (stat_ns(d->ns_dir, "ns/time", &info->ns) < 0 ||
		    stat_ns(d->ns_dir, "ns/time_for_children", &info->ns_for_children) < 0 ||
		    read_offsets(d->off_dir, &info->offset_for_children) < 0 ||
		    stat_ns(d->ns_dir, "ns/time_for_children", &again) < 0)
			return -1;
		if (same_ns(&again, &info->ns_for_children))
			return 0;
	}
	errno = EAGAIN;
	return -1;
}

/*
 * If the task in DIR (a /proc/N directory) has NS as time_for_children,
 * its offsets into OFF and true.  Any error means "not this one".
 */
static bool offsets_from_task(int dir, const struct timens_ns_id *ns,
			      struct timens_offset *off)
{
	struct timens_ns_id before, after;
	struct stat st;

	if (fstatat(dir, "ns/time_for_children", &st, 0) < 0)
		return false;
	before.dev = (uint64_t)st.st_dev;
	before.ino = (uint64_t)st.st_ino;
	if (!same_ns(&before, ns) || read_offsets(dir, off) < 0)
		return false;
	if (fstatat(dir, "ns/time_for_children", &st, 0) < 0)
		return false;
	after.dev = (uint64_t)st.st_dev;
	after.ino = (uint64_t)st.st_ino;
	return same_ns(&after, ns);
}

/* PROC_DIR's task/ directory; closes PROC_DIR. */
static int open_task_list(int proc_dir)
{
	int fd = openat(proc_dir, "task", O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	close(proc_dir);
	return fd;
}

/* The number a /proc entry is named by, or 0 if it is not a pid. */
static pid_t pid_of_name(const char *s)
{
	long v = 0;

	if (!*s)
		return 0;
	for (; *s; s++) {
		if (*s < '0' || *s > '9' || v > INT32_MAX / 10)
			return 0;
		v = v * 10 + (*s - '0');
	}
	return v <= INT32_MAX ? (pid_t)v : 0;
}

/*
 * The one walk over /proc: VISIT(DIR, ID, ARG) for the /proc/N directory
 * of every thread-group leader or, with THREADS, of every other thread,
 * reached as /proc/TID (only per-process directories have
 * timens_offsets), until VISIT returns non-zero, which is returned.
 * DIR is closed after VISIT, and the errno VISIT left is kept with its
 * value.  Entries that vanish or that we may not open are skipped.  -1
 * and errno if /proc cannot be read.
 */
static int walk_proc(bool threads, int (*visit)(int dir, pid_t id, void *arg), void *arg)
{
	struct dirent *de, *te;
	DIR *proc, *tasks;
	int dir, pfd, r = 0, err = 0;
	pid_t pid, tid;

	proc = opendir("/proc");
	if (!proc)
		return -1;
	pfd = dirfd(proc);
	while (!r && (errno = 0, de = readdir(proc))) {
		pid = pid_of_name(de->d_name);
		if (!pid)
			continue;
		dir = openat(pfd, de->d_name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (dir < 0)
			continue;	/* gone since readdir, or hidden from us */
		if (!threads) {
			r = visit(dir, pid, arg);
			err = errno;
			close(dir);
			continue;
		}
		dir = open_task_list(dir);
		tasks = dir < 0 ? NULL : fdopendir(dir);
		if (!tasks) {
			if (dir >= 0)
				close(dir);
			continue;
		}
		while (!r && (te = readdir(tasks))) {
			tid = pid_of_name(te->d_name);
			if (!tid || tid == pid)
				continue;
			dir = openat(pfd, te->d_name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
			if (dir < 0)
				continue;
			r = visit(dir, tid, arg);
			err = errno;
			close(dir);
		}
		closedir(tasks);
	}
	/* VISIT's errno goes back with its value; else readdir's, if it failed. */
	if (!r)
		err = errno;
	closedir(proc);
	if (r || err)
		errno = err;
	return r ? r : err ? -1 : 0;
}

struct ns_offsets_search {
	const struct timens_ns_id *ns;
	struct timens_offset *off;
};

static int visit_ns_offsets(int dir, pid_t id, void *arg)
{
	struct ns_offsets_search *s = arg;

	(void)id;
	return offsets_from_task(dir, s->ns, s->off);
}

/*
 * Looks through the thread-group leaders or, with THREADS, the other
 * threads for one whose time_for_children is NS.
 */
static bool scan_proc(const struct timens_ns_id *ns, struct timens_offset *off,
		      bool threads)
{
	struct ns_offsets_search s = { ns, off };

	return walk_proc(threads, visit_ns_offsets, &s) > 0;
}

struct process_walk {
	int (*fn)(pid_t pid, const struct timens_ns_id *ns,
		  const struct timens_ns_id *ns_for_children, void *arg);
	void *arg;
};

static int visit_process(int dir, pid_t pid, void *arg)
{
	struct process_walk *w = arg;
	struct timens_ns_id ns, tfc;

	/* Not ours to read (another user's, without CAP_SYS_PTRACE), or gone. */
	if (stat_ns(dir, "ns/time", &ns) < 0 ||
	    stat_ns(dir, "ns/time_for_children", &tfc) < 0)
		return 0;
	return w->fn(pid, &ns, &tfc, w->arg);
}

TIMENS_EXPORT int timens_for_each_process(int (*fn)(pid_t pid, const struct timens_ns_id *ns,
						    const struct timens_ns_id *ns_for_children,
						    void *arg),
					  void *arg)
{
	struct process_walk w = { fn, arg };

	if (!fn) {
		errno = EINVAL;
		return -1;
	}
	if (!(timens__probe()->features & TIMENS_FEATURE_TIME_NS)) {
		errno = ENOSYS;
		return -1;
	}
	return walk_proc(false, visit_process, &w);
}

/* The offsets of namespace NS, from any task that has it as time_for_children. */
static bool find_ns_offsets(const struct timens_ns_id *ns, struct timens_offset *off)
{
	struct task_dirs self;
	bool found = false;

	/* The caller first: it is often the one that made the namespace. */
	if (open_task_dirs(0, &self) == 0) {
		found = offsets_from_task(self.off_dir, ns, off);
		close_dirs(&self);
	}
	return found || scan_proc(ns, off, false) || scan_proc(ns, off, true);
}

TIMENS_EXPORT int timens_get_info(pid_t pid, struct timens_info *info)
{
	struct timens_info out;
	struct task_dirs d;
	int err;

	if (pid < 0 || !info) {
		errno = EINVAL;
		return -1;
	}
	memset(&out, 0, sizeof(out));
	if (open_task_dirs(pid, &d) < 0)
		return -1;
	if (read_task(&d, &out) < 0) {
		err = errno;
		close_dirs(&d);
		errno = err;
		return -1;
	}
	close_dirs(&d);

	if (same_ns(&out.ns, &out.ns_for_children)) {
		out.offset = out.offset_for_children;
		out.offset_known = 1;
	} else {
		out.offset_known = find_ns_offsets(&out.ns, &out.offset);
		if (!out.offset_known)
			memset(&out.offset, 0, sizeof(out.offset));
	}
	*info = out;
	return 0;
}
