// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * timens._timens: the C half of the Python binding (python/timens/ is the
 * other).  Thin calls into libtimens, plus fork_exec(), which takes the
 * place of _posixsubprocess.fork_exec() for timens.Popen: the same
 * arguments and the same report to the parent through the error pipe,
 * but the child is made by timens_clone3() in a new time namespace.  Why
 * this shape: docs/design.md, "Python binding".
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <timens.h>

#define NSEC_PER_SEC 1000000000LL
/*
 * The kernel refuses offsets that would start a clock of the new
 * namespace below zero or past KTIME_SEC_MAX / 2 seconds
 * (proc_timens_set_offset()); timens run checks the same bound.
 */
#define CLOCK_SEC_LIMIT ((INT64_MAX / NSEC_PER_SEC) / 2)

#ifndef SYS_close_range
#define SYS_close_range 436		/* Linux 5.9 */
#endif

extern char **environ;

/* ---- errors ---- */

/*
 * OSError with the library's errno, whose constructor picks the subclass
 * (PermissionError for EPERM, ...), and, where timens knows more than
 * strerror() says, a note with the cause and the fix.
 */
static PyObject *raise_errno(int err, const char *note)
{
	PyObject *type, *value, *tb, *r;

	errno = err;
	PyErr_SetFromErrno(PyExc_OSError);
	if (!note)
		return NULL;
	PyErr_Fetch(&type, &value, &tb);
	PyErr_NormalizeException(&type, &value, &tb);
	r = value ? PyObject_CallMethod(value, "add_note", "s", note) : NULL;
	if (r)
		Py_DECREF(r);
	else
		PyErr_Clear();		/* before 3.11: no notes */
	PyErr_Restore(type, value, tb);
	return NULL;
}

/* The explanation timens run gives for a failure to make the namespaces. */
static const char *ns_error_note(int err, bool userns)
{
	switch (err) {
	case EPERM:
		return userns ? "timens: creating a user namespace was refused: this system may not "
			      "allow unprivileged user namespaces"
			    : "timens: creating a time namespace needs CAP_SYS_ADMIN; run as root "
			      "or pass userns=True";
	case EACCES:
		return userns ? "timens: cannot set up the new user namespace (is this process "
			      "dumpable? see prctl(2) PR_SET_DUMPABLE)" : NULL;
	case ENOSPC:
		return "timens: too many namespaces: the limit in /proc/sys/user/max_time_namespaces "
		       "or max_user_namespaces is reached";
	case EUSERS:
		return "timens: user namespaces are nested too deeply to create another";
	case ERANGE:
		return "timens: the kernel refused the offsets: a clock must start between 0 and "
		       "about 146 years";
	case EOPNOTSUPP:
		return "timens: this kernel cannot create time namespaces (they need Linux 5.6 "
		       "with CONFIG_TIME_NS)";
	}
	return NULL;
}

/* ---- offsets as text ---- */

static PyObject *py_parse_offset(PyObject *self, PyObject *arg)
{
	const char *text;
	Py_ssize_t len;
	int64_t ns;

	(void)self;
	if (!PyUnicode_Check(arg))
		return PyErr_Format(PyExc_TypeError, "parse_offset() takes a str, not %.100s",
				    Py_TYPE(arg)->tp_name);
	text = PyUnicode_AsUTF8AndSize(arg, &len);
	if (!text)
		return NULL;
	if ((size_t)len != strlen(text))
		return PyErr_Format(PyExc_ValueError, "invalid offset %R: embedded NUL", arg);
	if (timens_parse_offset(text, &ns) < 0) {
		if (errno == ERANGE)
			return PyErr_Format(PyExc_OverflowError,
					    "offset %R is beyond the range of int64 nanoseconds "
					    "(about 292 years either way)", arg);
		return PyErr_Format(PyExc_ValueError,
				    "invalid offset %R: seconds (\"86400\", \"-1.5\") or a number "
				    "with units ns us ms s m h d w (\"100d\", \"1h30m\", \"+250ms\")",
				    arg);
	}
	return PyLong_FromLongLong(ns);
}

static int as_int64(PyObject *o, int64_t *out)
{
	long long v;

	if (!PyLong_Check(o) || PyBool_Check(o)) {
		PyErr_Format(PyExc_TypeError, "an int of nanoseconds is required, not %.100s",
			     Py_TYPE(o)->tp_name);
		return -1;
	}
	v = PyLong_AsLongLong(o);
	if (v == -1 && PyErr_Occurred())
		return -1;
	*out = v;
	return 0;
}

static PyObject *py_format_offset(PyObject *self, PyObject *arg)
{
	char buf[TIMENS_OFFSET_STRLEN];
	int64_t ns;

	(void)self;
	if (as_int64(arg, &ns) < 0)
		return NULL;
	if (timens_format_offset(ns, buf, sizeof(buf)) < 0)
		return raise_errno(errno, NULL);
	return PyUnicode_FromString(buf);
}

/* ---- what the kernel offers, and what a process sees ---- */

static PyObject *py_features(PyObject *self, PyObject *unused)
{
	(void)self;
	(void)unused;
	return PyLong_FromUnsignedLong(timens_features());
}

static PyObject *ns_id(const struct timens_ns_id *id)
{
	return Py_BuildValue("(KK)", (unsigned long long)id->dev, (unsigned long long)id->ino);
}

/*
 * (ns, ns_for_children, offsets or None, offsets_for_children, clocks or
 * None) for PID (0: the caller); each offsets/clocks a (monotonic,
 * boottime) pair of nanoseconds.
 */
static PyObject *py_get_info(PyObject *self, PyObject *arg)
{
	struct timens_info info;
	struct timens_clocks clocks;
	PyObject *off, *clk;
	long pid;
	int r;

	(void)self;
	pid = PyLong_AsLong(arg);
	if (pid == -1 && PyErr_Occurred())
		return NULL;
	if (pid < 0 || pid > INT_MAX)
		return PyErr_Format(PyExc_ValueError, "pid must be a process id, not %ld", pid);
	Py_BEGIN_ALLOW_THREADS
	r = timens_get_info((pid_t)pid, &info);
	Py_END_ALLOW_THREADS
	if (r < 0)
		return raise_errno(errno, NULL);
	Py_BEGIN_ALLOW_THREADS
	r = timens_read_clocks((pid_t)pid, &clocks);
	Py_END_ALLOW_THREADS
	if (r == 0)
		clk = Py_BuildValue("(LL)", (long long)clocks.monotonic_ns,
				    (long long)clocks.boottime_ns);
	else if (errno == ENODATA)
		clk = Py_NewRef(Py_None);
	else
		return raise_errno(errno, NULL);
	if (!clk)
		return NULL;
	if (info.offset_known)
		off = Py_BuildValue("(LL)", (long long)info.offset.monotonic_offset_ns,
				    (long long)info.offset.boottime_offset_ns);
	else
		off = Py_NewRef(Py_None);
	if (!off) {
		Py_DECREF(clk);
		return NULL;
	}
	return Py_BuildValue("(NNN(LL)N)", ns_id(&info.ns), ns_id(&info.ns_for_children), off,
			     (long long)info.offset_for_children.monotonic_offset_ns,
			     (long long)info.offset_for_children.boottime_offset_ns, clk);
}

/* ---- the offsets a child gets ---- */

/*
 * The offsets of our own namespace, as timens_get_info(0) gives them.
 * Reading /proc costs as much as 5% of starting /bin/true, so they are
 * kept, by namespace: a namespace's offsets never change once a process
 * is in it (the kernel says EACCES), and we are in it; only a setns()
 * moves us, and it changes the inode.  Called with the GIL held.
 */
struct own_ns {
	bool valid;
	dev_t dev;
	ino_t ino;
	struct timens_info info;
};
static struct own_ns own_cache;

static int own_info(struct timens_info *info)
{
	struct stat st;

	if (stat("/proc/thread-self/ns/time", &st) < 0)
		return -1;
	if (!own_cache.valid || own_cache.dev != st.st_dev || own_cache.ino != st.st_ino) {
		struct timens_info fresh;

		if (timens_get_info(0, &fresh) < 0)
			return -1;
		own_cache.valid = fresh.ns.dev == st.st_dev && fresh.ns.ino == st.st_ino &&
				  fresh.offset_known;
		own_cache.dev = st.st_dev;
		own_cache.ino = st.st_ino;
		own_cache.info = fresh;
	}
	*info = own_cache.info;
	return 0;
}

static int64_t clock_now(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (int64_t)ts.tv_sec * NSEC_PER_SEC + ts.tv_nsec;
}

static int check_start(const char *what, __int128 start)
{
	const char *clock = what[0] == 'm' ? "MONOTONIC" : "BOOTTIME";

	if (start < 0) {
		long long below = start < -(__int128)INT64_MAX ? INT64_MAX : (long long)-start;

		PyErr_Format(PyExc_ValueError,
			     "%s would start CLOCK_%s %lld.%09lld s below zero: too negative for a "
			     "machine up this short a time", what, clock,
			     below / NSEC_PER_SEC, below % NSEC_PER_SEC);
		return -1;
	}
	if (start / NSEC_PER_SEC > CLOCK_SEC_LIMIT) {
		PyErr_Format(PyExc_ValueError,
			     "%s would start CLOCK_%s past the kernel's limit of about 146 years",
			     what, clock);
		return -1;
	}
	return 0;
}

/*
 * resolve(monotonic, boottime, uptime) -> (monotonic, boottime): the
 * absolute offsets of the new namespace, each argument an int of
 * nanoseconds or None.  As timens run computes them (src/cli/run.c): a
 * clock left alone keeps the offset of our own namespace, so it reads the
 * same inside; uptime is the value CLOCK_BOOTTIME (and /proc/uptime)
 * starts at.  The host's clocks are ours minus our offsets (the
 * arithmetic of the library's clocks.c, here on the kept offsets).
 * Offsets the kernel would refuse now are a ValueError, before any
 * process exists; where our own offsets are unknown the kernel alone
 * can say.
 */
static PyObject *py_resolve(PyObject *self, PyObject *const *args, Py_ssize_t nargs)
{
	struct timens_info own;
	struct timens_offset off;
	int64_t mono = 0, boot = 0, uptime = 0;
	__int128 host_mono, host_boot;
	bool has_mono, has_boot, has_uptime;

	(void)self;
	if (nargs != 3)
		return PyErr_Format(PyExc_TypeError, "resolve() takes 3 arguments");
	has_mono = args[0] != Py_None;
	has_boot = args[1] != Py_None;
	has_uptime = args[2] != Py_None;
	if ((has_mono && as_int64(args[0], &mono) < 0) ||
	    (has_boot && as_int64(args[1], &boot) < 0) ||
	    (has_uptime && as_int64(args[2], &uptime) < 0))
		return NULL;
	if (has_boot && has_uptime)
		return PyErr_Format(PyExc_ValueError,
				    "boottime and uptime both set CLOCK_BOOTTIME; give one");
	if (has_uptime && uptime < 0)
		return PyErr_Format(PyExc_ValueError,
				    "uptime: a clock cannot read a negative value");
	if (own_info(&own) < 0)
		return raise_errno(errno, NULL);
	off = own.offset_known ? own.offset : own.offset_for_children;
	if (has_mono)
		off.monotonic_offset_ns = mono;
	if (has_boot)
		off.boottime_offset_ns = boot;
	if (!own.offset_known) {
		if (has_uptime)
			return raise_errno(ENODATA,
				"timens: the offsets of this process's own time namespace are "
				"unknown (its creator is gone), so uptime cannot be computed; "
				"give boottime instead");
		goto out;
	}
	host_mono = (__int128)clock_now(CLOCK_MONOTONIC) - own.offset.monotonic_offset_ns;
	host_boot = (__int128)clock_now(CLOCK_BOOTTIME) - own.offset.boottime_offset_ns;
	if (has_uptime) {
		/*
		 * uptime - the host's boottime now: the namespace is made
		 * later, so the clock starts at or just above the value.
		 */
		if (uptime / NSEC_PER_SEC > CLOCK_SEC_LIMIT)
			return PyErr_Format(PyExc_ValueError,
					    "uptime: a clock can start between 0 and about 146 years");
		off.boottime_offset_ns = (int64_t)((__int128)uptime - host_boot);
	}
	if (check_start("monotonic", host_mono + off.monotonic_offset_ns) < 0 ||
	    check_start(has_uptime ? "uptime" : "boottime", host_boot + off.boottime_offset_ns) < 0)
		return NULL;
out:
	return Py_BuildValue("(LL)", (long long)off.monotonic_offset_ns,
			     (long long)off.boottime_offset_ns);
}

/* ---- fork_exec ---- */

/*
 * Everything the child needs, made in the parent: the child may share our
 * memory (CLONE_VM) and must not allocate, lock or touch Python objects
 * (except to call preexec_fn, and only in a copy of our memory).
 */
struct exec_ctx {
	char **argv;
	char **envp;
	char **exe;			/* executable_list, NULL-terminated */
	const char *cwd;
	int *keep;			/* fds_to_keep, sorted */
	Py_ssize_t n_keep;
	bool close_fds, restore_signals, setsid, userns;
	/*
	 * Sharing our memory (6.2+): the child makes the namespace itself,
	 * timens_unshare(), and reports a failure in ns_err.
	 */
	bool unshare_in_child;
	struct timens_offset offset;
	volatile int ns_err;
	int p2cread, p2cwrite, c2pread, c2pwrite, errread, errwrite;
	int errpipe_read, errpipe_write;
	pid_t pgid;			/* -1: leave */
	bool set_gid, set_uid, set_groups;
	gid_t gid;
	uid_t uid;
	gid_t *groups;
	Py_ssize_t n_groups;
	int umask;			/* -1: leave */
	uid_t map_uid;			/* userns=True: mapped to themselves */
	gid_t map_gid;
	PyObject *preexec_fn;		/* NULL: none */
	sigset_t mask;			/* the child's signal mask */
};

/* In the child: async-signal-safe calls only, errno is its own or unused. */

static int write_all(int fd, const char *buf, size_t len)
{
	while (len) {
		ssize_t n = write(fd, buf, len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

static int write_proc(const char *path, const char *buf, size_t len)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC), r;

	if (fd < 0)
		return -1;
	r = write_all(fd, buf, len);
	if (r < 0) {
		int err = errno;

		close(fd);
		errno = err;
		return -1;
	}
	return close(fd);
}

static size_t put_uint(char *p, unsigned long v)
{
	char tmp[24];
	size_t n = 0, i;

	do {
		tmp[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	for (i = 0; i < n; i++)
		p[i] = tmp[n - 1 - i];
	return n;
}

/* "ID ID 1\n": map one id to itself. */
static int write_map(const char *path, unsigned long id)
{
	char buf[64];
	size_t n = put_uint(buf, id);

	buf[n++] = ' ';
	n += put_uint(buf + n, id);
	memcpy(buf + n, " 1\n", 3);
	return write_proc(path, buf, n + 3);
}

/* FD as TARGET: dup2, or keep it across exec if it is there already. */
static int dup_to(int fd, int target)
{
	int flags;

	if (fd < 0)
		return 0;
	if (fd != target)
		return dup2(fd, target) < 0 ? -1 : 0;
	flags = fcntl(fd, F_GETFD);
	if (flags < 0)
		return -1;
	return flags & FD_CLOEXEC ? fcntl(fd, F_SETFD, flags & ~FD_CLOEXEC) : 0;
}

/* An fd 0..2 that a later dup2 would overwrite, moved out of the way. */
static int out_of_low(int *fd, int lowest_free)
{
	if (*fd >= 0 && *fd < lowest_free) {
		int moved = fcntl(*fd, F_DUPFD_CLOEXEC, 3);

		if (moved < 0)
			return -1;
		*fd = moved;
	}
	return 0;
}

static bool kept(const struct exec_ctx *c, int fd)
{
	Py_ssize_t i;

	for (i = 0; i < c->n_keep; i++)
		if (c->keep[i] == fd)
			return true;
	return false;
}

/* Without close_range (before 5.9): each open fd, from /proc/self/fd. */
static int close_listed(const struct exec_ctx *c)
{
	char buf[4096];
	int dir = open("/proc/self/fd", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	long n;

	if (dir < 0)
		return -1;
	while ((n = syscall(SYS_getdents64, dir, buf, sizeof(buf))) > 0) {
		long off = 0;

		while (off < n) {
			const char *name = buf + off + 19;	/* d_name in linux_dirent64 */
			unsigned short reclen;
			int fd = 0;

			memcpy(&reclen, buf + off + 16, sizeof(reclen));
			off += reclen;
			if (name[0] < '0' || name[0] > '9')
				continue;
			for (; *name >= '0' && *name <= '9'; name++)
				fd = fd * 10 + (*name - '0');
			if (fd >= 3 && fd != dir && !kept(c, fd))
				close(fd);
		}
	}
	close(dir);
	return n < 0 ? -1 : 0;
}

static int close_others(const struct exec_ctx *c)
{
	unsigned int lo = 3;
	Py_ssize_t i;

	for (i = 0; i <= c->n_keep; i++) {
		unsigned int hi = i < c->n_keep ? (unsigned int)c->keep[i] : ~0U;

		if (i < c->n_keep && c->keep[i] < 3)
			continue;
		if (hi > lo && syscall(SYS_close_range, lo, hi - 1, 0) < 0)
			return errno == ENOSYS ? close_listed(c) : -1;
		lo = hi + 1;
	}
	return 0;
}

static void report(int fd, int err, bool noexec, const char *what)
{
	char buf[64] = "OSError:";
	size_t n = 8;
	char hex[16];
	int k = 0;

	if (what) {
		write_all(fd, what, strlen(what));
		return;
	}
	do {
		hex[k++] = "0123456789abcdef"[err & 15];
		err >>= 4;
	} while (err && k < (int)sizeof(hex));
	while (k)
		buf[n++] = hex[--k];
	buf[n++] = ':';
	if (noexec) {
		memcpy(buf + n, "noexec", 6);
		n += 6;
	}
	write_all(fd, buf, n);
}

/*
 * The child: what _posixsubprocess's child does, in its order, then exec,
 * or report the errno on the error pipe the parent is reading ("OSError:
 * HEX:noexec" for a failure before exec, as subprocess parses it).
 */
static _Noreturn void child_exec(struct exec_ctx *c)
{
	bool reached_preexec = false;
	int c2pwrite = c->c2pwrite, errwrite = c->errwrite, saved = 0, i;
	Py_ssize_t k;

	pthread_sigmask(SIG_SETMASK, &c->mask, NULL);
	if (c->unshare_in_child) {
		/* Our memory is the parent's: errno is not ours to keep. */
		if (timens_unshare(&c->offset, TIMENS_UNSHARE_NO_UNDO |
				   (c->userns ? TIMENS_SPAWN_USERNS : 0)) < 0) {
			c->ns_err = errno ? errno : EINVAL;
			_exit(255);
		}
	} else if (c->userns) {
		if (write_map("/proc/self/uid_map", c->map_uid) < 0 ||
		    write_proc("/proc/self/setgroups", "deny\n", 5) < 0 ||
		    write_map("/proc/self/gid_map", c->map_gid) < 0)
			goto fail;
	}
	for (k = 0; k < c->n_keep; k++)
		if (c->keep[k] != c->errpipe_write && dup_to(c->keep[k], c->keep[k]) < 0)
			goto fail;
	if ((c->p2cwrite >= 0 && close(c->p2cwrite) < 0) ||
	    (c->c2pread >= 0 && close(c->c2pread) < 0) ||
	    (c->errread >= 0 && close(c->errread) < 0) || close(c->errpipe_read) < 0)
		goto fail;
	/* dup2(p2cread, 0) must not overwrite the stdout or stderr to come. */
	if (out_of_low(&c2pwrite, 1) < 0 || out_of_low(&errwrite, 2) < 0)
		goto fail;
	if (dup_to(c->p2cread, 0) < 0 || dup_to(c2pwrite, 1) < 0 || dup_to(errwrite, 2) < 0)
		goto fail;
	if (c->cwd && chdir(c->cwd) < 0)
		goto fail;
	if (c->umask >= 0)
		umask((mode_t)c->umask);
	if (c->restore_signals) {
		/* What Python ignores at start-up, to the default for the program. */
		signal(SIGPIPE, SIG_DFL);
		signal(SIGXFSZ, SIG_DFL);
	}
	if (c->setsid && setsid() < 0)
		goto fail;
	if (c->pgid >= 0 && setpgid(0, c->pgid) < 0)
		goto fail;
	/*
	 * The raw calls: libc's set*id() would also change every other
	 * thread it believes we have, which in a child made by clone3 are the
	 * parent's.
	 */
	if (c->set_groups && syscall(SYS_setgroups, (long)c->n_groups, c->groups) < 0)
		goto fail;
	if (c->set_gid && syscall(SYS_setregid, c->gid, c->gid) < 0)
		goto fail;
	if (c->set_uid && syscall(SYS_setreuid, c->uid, c->uid) < 0)
		goto fail;
	reached_preexec = true;
	if (c->preexec_fn) {
		PyObject *r = PyObject_CallNoArgs(c->preexec_fn);

		if (!r) {
			report(c->errpipe_write, 0, false,
			       "SubprocessError:0:Exception occurred in preexec_fn.");
			_exit(255);
		}
	}
	if (c->close_fds && close_others(c) < 0)
		goto fail;
	for (i = 0; c->exe[i]; i++) {
		execve(c->exe[i], c->argv, c->envp);
		/* As execvp(): report the first error that is not "not here". */
		if (errno != ENOENT && errno != ENOTDIR && !saved)
			saved = errno;
	}
	if (saved)
		errno = saved;
fail:
	report(c->errpipe_write, errno, !reached_preexec, NULL);
	_exit(255);
}

/* In the parent. */

/*
 * The clone, in a frame of its own: a CLONE_VM child runs on in it, on
 * our stack, until it execs (as after vfork()), and writes nothing the
 * caller's frame keeps.  No handler runs in the child before it has its
 * own (CLONE_CLEAR_SIGHAND) or, with preexec_fn, before Python's state is
 * the child's; it gets our mask back first thing.
 */
__attribute__((noinline))
static pid_t clone_child(struct exec_ctx *c, struct timens_clone_args *ca, int *err)
{
	sigset_t every;
	pid_t pid;

	sigfillset(&every);
	pthread_sigmask(SIG_SETMASK, &every, &c->mask);
	/* Without offsets the VER2 size goes straight to the kernel. */
	pid = timens_clone3(ca, ca->timens_offset ? TIMENS_CLONE_ARGS_SIZE_VER3
						  : TIMENS_CLONE_ARGS_SIZE_VER2);
	if (pid == 0) {
		if (c->preexec_fn)
			PyOS_AfterFork_Child();
		child_exec(c);
	}
	*err = errno;
	pthread_sigmask(SIG_SETMASK, &c->mask, NULL);
	return pid;
}

struct holder {
	PyObject *list;			/* the bytes objects the pointers point into */
};

static char *fs_bytes(struct holder *h, PyObject *o)
{
	PyObject *b = NULL;

	if (!PyUnicode_FSConverter(o, &b))
		return NULL;
	if (PyList_Append(h->list, b) < 0) {
		Py_DECREF(b);
		return NULL;
	}
	Py_DECREF(b);
	return PyBytes_AS_STRING(b);
}

/* A NULL-terminated array of the items of SEQ, fs-encoded; PyMem. */
static char **string_array(struct holder *h, PyObject *seq, const char *what)
{
	PyObject *fast = PySequence_Fast(seq, what);
	Py_ssize_t n, i;
	char **a;

	if (!fast)
		return NULL;
	n = PySequence_Fast_GET_SIZE(fast);
	a = PyMem_Calloc((size_t)n + 1, sizeof(*a));
	if (!a) {
		Py_DECREF(fast);
		PyErr_NoMemory();
		return NULL;
	}
	for (i = 0; i < n; i++) {
		a[i] = fs_bytes(h, PySequence_Fast_GET_ITEM(fast, i));
		if (!a[i]) {
			PyMem_Free(a);
			Py_DECREF(fast);
			return NULL;
		}
	}
	Py_DECREF(fast);
	return a;
}

static int get_fd(PyObject *o, int *fd)
{
	long v = PyLong_AsLong(o);

	if (v == -1 && PyErr_Occurred())
		return -1;
	if (v < -1 || v > INT_MAX) {
		PyErr_SetString(PyExc_ValueError, "bad file descriptor");
		return -1;
	}
	*fd = (int)v;
	return 0;
}

static int get_id(PyObject *o, bool *set, unsigned int *id)
{
	unsigned long v;

	*set = o != Py_None;
	if (!*set)
		return 0;
	v = PyLong_AsUnsignedLong(o);
	if (v == (unsigned long)-1 && PyErr_Occurred())
		return -1;
	if (v >= UINT_MAX) {
		PyErr_SetString(PyExc_OverflowError, "user or group id out of range");
		return -1;
	}
	*id = (unsigned int)v;
	return 0;
}

/*
 * fork_exec(monotonic, boottime, userns, *ARGS): ARGS are those subprocess
 * passes _posixsubprocess.fork_exec (CPython 3.11: 22, or 23 with
 * allow_vfork as Debian's and later releases have it); the child's pid.
 */
enum {
	A_ARGS, A_EXE, A_CLOSE_FDS, A_KEEP, A_CWD, A_ENV, A_P2CREAD, A_P2CWRITE,
	A_C2PREAD, A_C2PWRITE, A_ERRREAD, A_ERRWRITE, A_ERRPIPE_READ, A_ERRPIPE_WRITE,
	A_RESTORE_SIGNALS, A_SETSID, A_PGID, A_GID, A_GROUPS, A_UID, A_UMASK, A_PREEXEC,
	A_ALLOW_VFORK, A_MAX
};

static PyObject *py_fork_exec(PyObject *self, PyObject *const *all, Py_ssize_t nall)
{
	PyObject *const *a = all + 3;
	Py_ssize_t n = nall - 3, i;
	struct holder h = { NULL };
	struct exec_ctx c;
	struct timens_offset off;
	struct timens_clone_args ca;
	PyObject *ret = NULL, *keep = NULL;
	const char *force;
	bool vfork_ok, gc_was_enabled = false;
	int fd_args[8], err = 0, user;
	pid_t pid;

	(void)self;
	memset(&c, 0, sizeof(c));
	if (n != A_MAX && n != A_MAX - 1)
		return PyErr_Format(PyExc_TypeError,
				    "timens: this Python's subprocess passes %zd arguments to "
				    "fork_exec; timens knows the 22 or 23 of CPython 3.11", n);
	if (as_int64(all[0], &off.monotonic_offset_ns) < 0 ||
	    as_int64(all[1], &off.boottime_offset_ns) < 0)
		return NULL;
	user = PyObject_IsTrue(all[2]);
	if (user < 0)
		return NULL;
	c.userns = user;
	h.list = PyList_New(0);
	if (!h.list)
		return NULL;

	c.argv = string_array(&h, a[A_ARGS], "args must be a sequence");
	if (!c.argv)
		goto out;
	c.exe = string_array(&h, a[A_EXE], "executable_list must be a sequence");
	if (!c.exe)
		goto out;
	if (a[A_ENV] != Py_None) {
		c.envp = string_array(&h, a[A_ENV], "env must be a sequence");
		if (!c.envp)
			goto out;
	} else {
		/*
		 * Our environment, as it is now: the clone runs without the
		 * GIL, and another thread's os.putenv() may move environ's
		 * array (libc never frees the strings).
		 */
		size_t k, ne = 0;

		while (environ && environ[ne])
			ne++;
		c.envp = PyMem_Calloc(ne + 1, sizeof(char *));
		if (!c.envp) {
			PyErr_NoMemory();
			goto out;
		}
		for (k = 0; k < ne; k++)
			c.envp[k] = environ[k];
	}
	if (a[A_CWD] != Py_None && !(c.cwd = fs_bytes(&h, a[A_CWD])))
		goto out;
	c.close_fds = PyObject_IsTrue(a[A_CLOSE_FDS]) == 1;
	c.restore_signals = PyObject_IsTrue(a[A_RESTORE_SIGNALS]) == 1;
	c.setsid = PyObject_IsTrue(a[A_SETSID]) == 1;

	keep = PySequence_Fast(a[A_KEEP], "fds_to_keep must be a sequence");
	if (!keep)
		goto out;
	c.n_keep = PySequence_Fast_GET_SIZE(keep);
	c.keep = PyMem_Calloc((size_t)c.n_keep + 1, sizeof(int));
	if (!c.keep) {
		PyErr_NoMemory();
		goto out;
	}
	for (i = 0; i < c.n_keep; i++) {
		if (get_fd(PySequence_Fast_GET_ITEM(keep, i), &c.keep[i]) < 0)
			goto out;
		if (c.keep[i] < 0 || (i && c.keep[i] <= c.keep[i - 1])) {
			PyErr_SetString(PyExc_ValueError, "bad value(s) in fds_to_keep");
			goto out;
		}
	}
	for (i = 0; i < 8; i++)
		if (get_fd(a[A_P2CREAD + i], &fd_args[i]) < 0)
			goto out;
	c.p2cread = fd_args[0];
	c.p2cwrite = fd_args[1];
	c.c2pread = fd_args[2];
	c.c2pwrite = fd_args[3];
	c.errread = fd_args[4];
	c.errwrite = fd_args[5];
	c.errpipe_read = fd_args[6];
	c.errpipe_write = fd_args[7];
	if (c.errpipe_write < 3 || c.errpipe_read < 0) {
		PyErr_SetString(PyExc_ValueError, "errpipe_write must be >= 3");
		goto out;
	}
	{
		long v = PyLong_AsLong(a[A_PGID]);

		if (v == -1 && PyErr_Occurred())
			goto out;
		c.pgid = v < 0 ? -1 : (pid_t)v;
		v = PyLong_AsLong(a[A_UMASK]);
		if (v == -1 && PyErr_Occurred())
			goto out;
		c.umask = v < 0 ? -1 : (int)(v & 07777);
	}
	if (get_id(a[A_GID], &c.set_gid, &c.gid) < 0 || get_id(a[A_UID], &c.set_uid, &c.uid) < 0)
		goto out;
	if (a[A_GROUPS] != Py_None) {
		PyObject *g = PySequence_Fast(a[A_GROUPS], "extra_groups must be a sequence");

		if (!g)
			goto out;
		c.set_groups = true;
		c.n_groups = PySequence_Fast_GET_SIZE(g);
		c.groups = PyMem_Calloc((size_t)c.n_groups + 1, sizeof(gid_t));
		if (!c.groups) {
			Py_DECREF(g);
			PyErr_NoMemory();
			goto out;
		}
		for (i = 0; i < c.n_groups; i++) {
			bool set;

			if (get_id(PySequence_Fast_GET_ITEM(g, i), &set, &c.groups[i]) < 0) {
				Py_DECREF(g);
				goto out;
			}
		}
		Py_DECREF(g);
	}
	c.preexec_fn = a[A_PREEXEC] == Py_None ? NULL : a[A_PREEXEC];
	c.map_uid = geteuid();
	c.map_gid = getegid();

	/*
	 * Sharing our memory (CLONE_VM|CLONE_VFORK, as subprocess does with
	 * vfork) needs a kernel whose exec moves the child into the new
	 * namespace (6.2), no Python code in the child and no credential
	 * change; else the child is a copy, made in the namespace.
	 * TIMENS_PATH=fork asks for the copy (the library's test switch).
	 */
	force = secure_getenv("TIMENS_PATH");
	vfork_ok = (n < A_MAX || PyObject_IsTrue(a[A_ALLOW_VFORK]) == 1) && !c.preexec_fn &&
		   !c.set_uid && !c.set_gid && !c.set_groups &&
		   (timens_features() & TIMENS_FEATURE_EXEC_SWITCH) &&
		   !(force && !strcmp(force, "fork"));
	memset(&ca, 0, sizeof(ca));
	ca.exit_signal = SIGCHLD;
	/* A child that runs no Python starts with no handler of ours. */
	if (!c.preexec_fn)
		ca.flags |= CLONE_CLEAR_SIGHAND;
	if (vfork_ok) {
		/*
		 * The child makes the namespace its time_for_children
		 * (timens_unshare(), for a process about to exec) and its
		 * exec moves it there, as timens_spawn() does on 6.2+: our
		 * namespaces are not touched even for a moment, and a
		 * multi-threaded caller pays no helper (1.12x against 1.4x
		 * for timens_clone3 with an idle thread, on the bench
		 * machine).  The clone itself is the kernel's.
		 */
		ca.flags |= CLONE_VM | CLONE_VFORK;
		c.unshare_in_child = true;
		c.offset = off;
	} else {
		/* A copy of us, made in the namespace by the library. */
		ca.flags |= CLONE_NEWTIME | (c.userns ? CLONE_NEWUSER : 0);
		ca.timens_offset = (uint64_t)(uintptr_t)&off;
	}

	if (c.preexec_fn) {
		gc_was_enabled = PyGC_Disable();
		PyOS_BeforeFork();
		pid = clone_child(&c, &ca, &err);
		PyOS_AfterFork_Parent();
		if (gc_was_enabled)
			PyGC_Enable();
	} else {
		Py_BEGIN_ALLOW_THREADS
		pid = clone_child(&c, &ca, &err);
		Py_END_ALLOW_THREADS
	}
	if (pid > 0 && c.ns_err) {
		/* The child failed to make the namespace and exited: reap it. */
		err = c.ns_err;
		while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
			;
		pid = -1;
	}
	if (pid < 0) {
		raise_errno(err, ns_error_note(err, c.userns));
		goto out;
	}
	ret = PyLong_FromLong(pid);
out:
	Py_XDECREF(keep);
	PyMem_Free(c.argv);
	PyMem_Free(c.exe);
	PyMem_Free(c.envp);
	PyMem_Free(c.keep);
	PyMem_Free(c.groups);
	Py_DECREF(h.list);
	return ret;
}

/* ---- the module ---- */

static PyMethodDef methods[] = {
	{ "parse_offset", py_parse_offset, METH_O,
	  "parse_offset(text, /) -> int\n--\n\n"
	  "Nanoseconds from an offset written as timens run takes it: seconds\n"
	  "(\"86400\", \"-1.5\") or units ns us ms s m h d w (\"100d\", \"1h30m\").\n"
	  "ValueError on bad syntax, OverflowError beyond int64 nanoseconds." },
	{ "format_offset", py_format_offset, METH_O,
	  "format_offset(ns, /) -> str\n--\n\n"
	  "The shortest exact text for NS nanoseconds that parse_offset() reads\n"
	  "back to the same value." },
	{ "features", py_features, METH_NOARGS,
	  "features() -> int\n--\n\nThe library's TIMENS_FEATURE_* bits for the running kernel." },
	{ "get_info", py_get_info, METH_O,
	  "get_info(pid, /) -> tuple\n--\n\ntimens_get_info() and timens_read_clocks() of PID (0: us)." },
	{ "resolve", (PyCFunction)(void (*)(void))py_resolve, METH_FASTCALL,
	  "resolve(monotonic, boottime, uptime, /) -> (int, int)\n--\n\n"
	  "The absolute offsets a new namespace gets, as timens run computes them." },
	{ "fork_exec", (PyCFunction)(void (*)(void))py_fork_exec, METH_FASTCALL,
	  "fork_exec(monotonic, boottime, userns, *args) -> int\n--\n\n"
	  "_posixsubprocess.fork_exec(*args), the child in a new time namespace." },
	{ NULL, NULL, 0, NULL },
};

static struct PyModuleDef module = {
	PyModuleDef_HEAD_INIT,
	.m_name = "timens._timens",
	.m_doc = "libtimens for Python: the C half of the timens package.",
	.m_size = 0,
	.m_methods = methods,
};

PyMODINIT_FUNC PyInit__timens(void);

PyMODINIT_FUNC PyInit__timens(void)
{
	PyObject *m = PyModule_Create(&module);

	if (!m)
		return NULL;
	if (PyModule_AddIntConstant(m, "FEATURE_TIME_NS", TIMENS_FEATURE_TIME_NS) < 0 ||
	    PyModule_AddIntConstant(m, "FEATURE_SETNS_PIDFD", TIMENS_FEATURE_SETNS_PIDFD) < 0 ||
	    PyModule_AddIntConstant(m, "FEATURE_EXEC_SWITCH", TIMENS_FEATURE_EXEC_SWITCH) < 0 ||
	    PyModule_AddIntConstant(m, "FEATURE_CLONE3_NEWTIME", TIMENS_FEATURE_CLONE3_NEWTIME) < 0 ||
	    PyModule_AddIntConstant(m, "FEATURE_NATIVE_OFFSET", TIMENS_FEATURE_NATIVE_OFFSET) < 0 ||
	    PyModule_AddIntConstant(m, "FEATURE_CLONE3_REFUSED", TIMENS_FEATURE_CLONE3_REFUSED) < 0 ||
	    PyModule_AddIntConstant(m, "CLOCK_SEC_LIMIT", CLOCK_SEC_LIMIT) < 0) {
		Py_DECREF(m);
		return NULL;
	}
	return m;
}
