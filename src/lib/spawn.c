// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * timens_spawn(): start a program in a new time namespace.
 *
 * Where exec moves a task into its time_for_children (Linux 6.2+), one
 * vfork-style child does everything: it shares our memory (nothing is
 * copied), gives itself a new time namespace as time_for_children, sets
 * the offsets, applies the file actions and execs, landing in the new
 * namespace.  We sleep until it has exec'd or failed (CLONE_VFORK), and a
 * failure reaches us through the memory we share.  On a kernel with the
 * native clone3 timens_offset the kernel makes the namespace instead.
 *
 * Older kernels only move a task at fork, so there the child is made
 * with timens_clone3() (a copy of our memory) and CLONE_VFORK: we sleep
 * until it has exec'd or exited, and a failure reaches us in a page we
 * share with it (MAP_SHARED).  Not through a close-on-exec pipe, which
 * another thread's fork() can hold open: see docs/design.md,
 * "timens_spawn".
 *
 * The child code runs with our memory and TLS (vfork path): raw system
 * calls only, no errno, no allocation.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "internal.h"
#include "stubs.h"
#include "syscall.h"

#define CHILD_STACK_SIZE (256 * 1024)
#define DEFAULT_PATH "/bin:/usr/bin"
#define KNOWN_FLAGS (TIMENS_SPAWN_SEARCH_PATH | TIMENS_SPAWN_USERNS | \
		     TIMENS_SPAWN_USERNS_ROOT | TIMENS_SPAWN_SETSID | \
		     TIMENS_SPAWN_SETSIGMASK | TIMENS_SPAWN_SETSIGDEF)


struct spawn_ctx {
	const char *path;
	char *const *argv;
	char *const *envp;
	const char *search;		/* PATH, for TIMENS_SPAWN_SEARCH_PATH */
	struct timens_spawn_opts o;
	struct timens_offset offset;
	uint64_t unshare_flags;		/* what the child unshares itself */
	uint64_t mask;			/* the child's final signal mask */
	uid_t uid;
	gid_t gid;
	/*
	 * Where the child reports a failure, as -errno, before it exits:
	 * memory it shares with us (&err on the vfork path; a MAP_SHARED page
	 * on the fork path).  0 if it exec'd.
	 */
	volatile long *report;
	volatile long err;
	/*
	 * The child resets its signal handlers itself, as CLONE_CLEAR_SIGHAND
	 * would, which clone(2) cannot ask for (clone3 refused).
	 */
	bool clear_handlers;
};

/* ---- In the child: raw system calls only ---- */

/* The kernel's struct sigaction for rt_sigaction() (sa_restorer: x86-64, arm64). */
struct kernel_sigaction {
	void (*handler)(int);
	unsigned long flags;
	void (*restorer)(void);
	uint64_t mask;
};

static size_t str_len(const char *s)
{
	size_t n = 0;

	while (s[n])
		n++;
	return n;
}

static char *put(char *p, const char *s)
{
	while (*s)
		*p++ = *s++;
	return p;
}

__attribute__((no_sanitize_address))
static long write_file(const char *path, const char *buf, size_t len)
{
	long fd = raw_syscall(SYS_openat, AT_FDCWD, path, O_WRONLY | O_CLOEXEC);
	long r;

	if (fd < 0)
		return fd;
	r = raw_syscall(SYS_write, fd, buf, len);
	raw_syscall(SYS_close, fd);
	return r < 0 ? r : 0;
}

/* "INSIDE OUTSIDE 1" for one id. */
__attribute__((no_sanitize_address))
static long write_map(const char *path, unsigned long inside, unsigned long outside)
{
	char buf[64], *p = buf;

	p += timens__put_decimal(p, inside);
	*p++ = ' ';
	p += timens__put_decimal(p, outside);
	p = put(p, " 1\n");
	return write_file(path, buf, (size_t)(p - buf));
}

/* Maps UID and GID (to root with ROOT) in the user namespace just made. */
__attribute__((no_sanitize_address))
static long setup_userns(bool root, uid_t uid, gid_t gid)
{
	long r;

	r = write_map("/proc/self/uid_map", root ? 0 : uid, uid);
	/* An unprivileged process may map its gid only with setgroups denied. */
	if (r == 0)
		r = write_file("/proc/self/setgroups", "deny\n", 5);
	if (r == 0)
		r = write_map("/proc/self/gid_map", root ? 0 : gid, gid);
	return r;
}

__attribute__((no_sanitize_address))
static long apply_file_actions(const struct spawn_ctx *c)
{
	const struct timens_file_action *fa = c->o.file_actions;
	size_t i;
	long r;

	for (i = 0; i < c->o.n_file_actions; i++, fa++) {
		switch (fa->type) {
		case TIMENS_FA_DUP2:
			if (fa->src_fd == fa->fd) {
				/* dup2 to itself: keep it across exec. */
				r = raw_syscall(SYS_fcntl, fa->fd, F_SETFD, 0);
			} else {
				r = raw_syscall(SYS_dup3, fa->src_fd, fa->fd, 0);
			}
			break;
		case TIMENS_FA_CLOSE:
			r = raw_syscall(SYS_close, fa->fd);
			break;
		case TIMENS_FA_OPEN:
			r = raw_syscall(SYS_openat, AT_FDCWD, fa->path, fa->oflag, fa->mode);
			if (r >= 0 && r != fa->fd) {
				long fd = r;

				r = raw_syscall(SYS_dup3, fd, fa->fd, 0);
				raw_syscall(SYS_close, fd);
			}
			break;
		default:
			r = -EINVAL;
		}
		if (r < 0)
			return r;
	}
	return 0;
}

/* execvp()'s rules: go on past ENOENT-like errors, remember EACCES. */
__attribute__((no_sanitize_address))
static long exec_search(const struct spawn_ctx *c)
{
	const char *p = c->search, *end;
	size_t flen = str_len(c->path);
	char buf[PATH_MAX];
	bool eacces = false;
	long r = -ENOENT;

	if (flen == 0)
		return -ENOENT;
	for (;; p = end + 1) {
		size_t dlen;

		for (end = p; *end && *end != ':'; end++)
			;
		dlen = (size_t)(end - p);
		if (dlen + 1 + flen + 1 <= sizeof(buf)) {
			char *q = buf;

			if (dlen == 0) {
				*q++ = '.';
			} else {
				__builtin_memcpy(q, p, dlen);
				q += dlen;
			}
			*q++ = '/';
			__builtin_memcpy(q, c->path, flen + 1);
			r = raw_syscall(SYS_execve, buf, c->argv, c->envp);
			switch (r) {
			case -EACCES:
				eacces = true;
				/* fall through */
			case -ENOENT:
			case -ENOTDIR:
			case -ESTALE:
			case -ENODEV:
			case -ETIMEDOUT:
				break;
			default:
				return r;
			}
		} else {
			r = -ENAMETOOLONG;
		}
		if (!*end)
			break;
	}
	return eacces ? -EACCES : r;
}

__attribute__((no_sanitize_address))
static void spawn_child(void *arg)
{
	struct spawn_ctx *c = arg;
	long r = 0;
	int sig;

	if (c->unshare_flags)
		r = raw_syscall(SYS_unshare, c->unshare_flags);
	if (r == 0 && (c->o.flags & (TIMENS_SPAWN_USERNS | TIMENS_SPAWN_USERNS_ROOT)))
		r = setup_userns(c->o.flags & TIMENS_SPAWN_USERNS_ROOT, c->uid, c->gid);
	if (r == 0 && c->unshare_flags)
		r = timens__write_own_offsets(&c->offset);
	if (r == 0)
		r = apply_file_actions(c);
	if (r == 0 && (c->o.flags & TIMENS_SPAWN_SETSID)) {
		/* The new session's id, or -errno (EPERM, or a seccomp filter's). */
		r = raw_syscall(SYS_setsid, 0);
		if (r > 0)
			r = 0;
	}
	if (r == 0 && ((c->o.flags & TIMENS_SPAWN_SETSIGDEF) || c->clear_handlers)) {
		struct kernel_sigaction dfl = { 0 }, cur;

		/*
		 * Every signal is blocked until the mask below, so no handler
		 * of the caller's runs here: a caught signal's handler
		 * becomes SIG_DFL (clear_handlers), as the kernel's
		 * CLONE_CLEAR_SIGHAND does, ignored ones stay ignored.
		 */
		for (sig = 1; sig < 65 && r == 0; sig++) {
			if (sig == SIGKILL || sig == SIGSTOP)
				continue;
			if ((c->o.flags & TIMENS_SPAWN_SETSIGDEF) &&
			    sigismember(c->o.sigdefault, sig) == 1) {
				r = raw_syscall(SYS_rt_sigaction, sig, &dfl, NULL, 8);
				continue;
			}
			if (!c->clear_handlers)
				continue;
			r = raw_syscall(SYS_rt_sigaction, sig, NULL, &cur, 8);
			if (r == 0 && cur.handler != SIG_DFL && cur.handler != SIG_IGN)
				r = raw_syscall(SYS_rt_sigaction, sig, &dfl, NULL, 8);
		}
	}
	if (r == 0) {
		raw_syscall(SYS_rt_sigprocmask, SIG_SETMASK, &c->mask, NULL, 8);
		if (c->o.flags & TIMENS_SPAWN_SEARCH_PATH && !__builtin_strchr(c->path, '/'))
			r = exec_search(c);
		else
			r = raw_syscall(SYS_execve, c->path, c->argv, c->envp);
	}
	/* Memory the caller has already touched: no system call to fail. */
	*c->report = r;
	raw_syscall(SYS_exit, 127);
}

/* ---- In the caller ---- */

/*
 * A child that failed before its exec (it has exited or is about to):
 * reaped, whatever interrupts us, and its pidfd closed, so that nothing
 * of it is left.
 */
static void discard_failed_child(pid_t pid, const int *pidfd)
{
	while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
		;
	if (pidfd)
		close(*pidfd);
}

/*
 * The fds a file action may name: 0 <= fd < RLIMIT_NOFILE's soft limit,
 * the rule of posix_spawn_file_actions_add*() (POSIX's {OPEN_MAX}).  The
 * kernel never gives the child a target fd at or above it (dup2() says
 * EBADF, open() EMFILE), so such an action can only fail, and it fails
 * here, with EBADF, before any process exists.  The limit is the
 * caller's, which the child inherits.
 */
static int fd_limit(int *limit)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl))
		return -errno;
	*limit = rl.rlim_cur == RLIM_INFINITY || rl.rlim_cur > INT_MAX ? INT_MAX : (int)rl.rlim_cur;
	return 0;
}

static int copy_opts(struct timens_spawn_opts *dst, const struct timens_spawn_opts *src)
{
	size_t sz, i;
	int limit = 0, r;

	memset(dst, 0, sizeof(*dst));
	if (!src)
		return 0;
	sz = src->sz;
	if (sz < sizeof(src->sz))
		return -EINVAL;
	if (sz > sizeof(*dst)) {
		for (i = sizeof(*dst); i < sz; i++)
			if (((const char *)src)[i])
				return -E2BIG;
		sz = sizeof(*dst);
	}
	memcpy(dst, src, sz);
	if (dst->flags & ~(uint64_t)KNOWN_FLAGS)
		return -EINVAL;
	if ((dst->flags & TIMENS_SPAWN_USERNS) && (dst->flags & TIMENS_SPAWN_USERNS_ROOT))
		return -EINVAL;
	if ((dst->flags & TIMENS_SPAWN_SETSIGMASK) && !dst->sigmask)
		return -EINVAL;
	if ((dst->flags & TIMENS_SPAWN_SETSIGDEF) && !dst->sigdefault)
		return -EINVAL;
	if (dst->n_file_actions && !dst->file_actions)
		return -EINVAL;
	if (dst->n_file_actions && (r = fd_limit(&limit)) < 0)
		return r;
	for (i = 0; i < dst->n_file_actions; i++) {
		const struct timens_file_action *fa = &dst->file_actions[i];

		if (fa->type < TIMENS_FA_DUP2 || fa->type > TIMENS_FA_OPEN)
			return -EINVAL;
		/* src_fd only for DUP2: CLOSE and OPEN leave it unused. */
		if (fa->fd < 0 || fa->fd >= limit ||
		    (fa->type == TIMENS_FA_DUP2 && (fa->src_fd < 0 || fa->src_fd >= limit)))
			return -EBADF;
		if (fa->type == TIMENS_FA_OPEN && !fa->path)
			return -EINVAL;
	}
	return 0;
}

static uint64_t sigset_word(const sigset_t *set)
{
	uint64_t w = 0;
	int sig;

	for (sig = 1; sig < 65; sig++)
		if (sigismember(set, sig) == 1)
			w |= 1ULL << (sig - 1);
	return w;
}

static long spawn_vfork(struct spawn_ctx *c, int *pidfd, bool native)
{
	struct timens_clone_args a = {
		.flags = CLONE_VM | CLONE_VFORK | CLONE_CLEAR_SIGHAND,
		.exit_signal = SIGCHLD,
		.stack_size = CHILD_STACK_SIZE,
	};
	size_t size = TIMENS_CLONE_ARGS_SIZE_VER2;
	struct clone_call call;
	uint64_t all = ~0ULL, old;
	void *stack;
	long r;

	stack = mmap(NULL, CHILD_STACK_SIZE, PROT_READ | PROT_WRITE,
		     MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK | MAP_NORESERVE, -1, 0);
	if (stack == MAP_FAILED)
		return -errno;
	a.stack = (uint64_t)(uintptr_t)stack;
	if (pidfd) {
		a.flags |= CLONE_PIDFD;
		a.pidfd = (uint64_t)(uintptr_t)pidfd;
	}
	if (native) {
		/* The kernel makes the namespace (and the user namespace). */
		a.flags |= CLONE_NEWTIME | (c->unshare_flags & CLONE_NEWUSER);
		a.timens_offset = (uint64_t)(uintptr_t)&c->offset;
		size = TIMENS_CLONE_ARGS_SIZE_VER3;
		c->unshare_flags = 0;
	}
	if (timens__probe()->features & TIMENS_FEATURE_CLONE3_REFUSED) {
		/* clone(2): the child resets its handlers itself. */
		a.flags &= ~CLONE_CLEAR_SIGHAND;
		c->clear_handlers = true;
	}
	c->err = 0;
	c->report = &c->err;
	/* The child starts with every signal blocked and sets its own mask. */
	r = raw_syscall(SYS_rt_sigprocmask, SIG_SETMASK, &all, &old, 8);
	if (r < 0) {
		/* Never on Linux (a valid set and size); nothing is made. */
		munmap(stack, CHILD_STACK_SIZE);
		return r;
	}
	if (!(c->o.flags & TIMENS_SPAWN_SETSIGMASK))
		c->mask = old;
	r = timens__clone_call(&call, &a, size);
	if (r == 0)
		r = timens__clone_run(&call, spawn_child, c);
	raw_syscall(SYS_rt_sigprocmask, SIG_SETMASK, &old, NULL, 8);
	munmap(stack, CHILD_STACK_SIZE);
	if (r > 0 && c->err) {
		discard_failed_child((pid_t)r, pidfd);
		return c->err;
	}
	return r;
}

/*
 * timens_clone3() with CLONE_VFORK returns once the child has exec'd or
 * exited: the kernel's word about this child alone, whatever other
 * threads fork meanwhile.  Then *report is the child's last word.
 */
static long spawn_fork(struct spawn_ctx *c, int *pidfd)
{
	struct timens_clone_args a = {
		.flags = CLONE_NEWTIME | CLONE_VFORK | CLONE_CLEAR_SIGHAND |
			 (c->unshare_flags & CLONE_NEWUSER),
		.exit_signal = SIGCHLD,
		.timens_offset = (uint64_t)(uintptr_t)&c->offset,
	};
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	volatile long *report;
	long err;
	pid_t pid;
	sigset_t cur;
	uint64_t all = ~0ULL, old;
	long r;

	if (pidfd) {
		a.flags |= CLONE_PIDFD;
		a.pidfd = (uint64_t)(uintptr_t)pidfd;
	}
	report = mmap(NULL, page, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (report == MAP_FAILED)
		return -errno;
	/* Touched here: the child's write finds the page and allocates none. */
	*report = 0;
	if (!(c->o.flags & TIMENS_SPAWN_SETSIGMASK)) {
		pthread_sigmask(SIG_SETMASK, NULL, &cur);
		c->mask = sigset_word(&cur);
	}
	c->report = report;
	c->unshare_flags = 0;		/* timens_clone3 does it */
	if (timens__probe()->features & TIMENS_FEATURE_CLONE3_REFUSED) {
		/*
		 * clone(2) underneath: the child resets its handlers itself,
		 * before any signal is let through (it gets this mask, all
		 * blocked, and sets its own just before the exec).
		 */
		a.flags &= ~CLONE_CLEAR_SIGHAND;
		c->clear_handlers = true;
		r = raw_syscall(SYS_rt_sigprocmask, SIG_SETMASK, &all, &old, 8);
		if (r < 0) {
			/* Never on Linux (a valid set and size); nothing is made. */
			munmap((void *)report, page);
			return r;
		}
	}
	pid = timens_clone3(&a, sizeof(a));
	if (pid == 0)
		spawn_child(c);
	err = pid < 0 ? -errno : *report;
	if (c->clear_handlers)
		raw_syscall(SYS_rt_sigprocmask, SIG_SETMASK, &old, NULL, 8);
	munmap((void *)report, page);
	if (pid > 0 && err)
		discard_failed_child(pid, pidfd);
	return err ? err : pid;
}

TIMENS_EXPORT int timens_spawn(pid_t *pid, const char *path, char *const argv[],
			       char *const envp[], const struct timens_spawn_opts *opts)
{
	const struct timens_probe *probe = timens__probe();
	extern char **environ;
	struct spawn_ctx c;
	int pidfd = -1, *want_pidfd;
	long r;
	bool userns;

	timens__set_last_path(TIMENS_PATH_NONE);
	memset(&c, 0, sizeof(c));
	r = copy_opts(&c.o, opts);
	if (r == 0 && (!path || !argv))
		r = -EINVAL;
	if (r == 0 && !(probe->features & TIMENS_FEATURE_TIME_NS))
		r = -EOPNOTSUPP;
	if (r < 0) {
		errno = (int)-r;
		return -1;
	}
	userns = c.o.flags & (TIMENS_SPAWN_USERNS | TIMENS_SPAWN_USERNS_ROOT);
	c.path = path;
	c.argv = argv;
	c.envp = envp ? envp : environ;
	c.search = getenv("PATH");
	if (!c.search)
		c.search = DEFAULT_PATH;
	if (c.o.offset)
		c.offset = *c.o.offset;
	if (c.o.flags & TIMENS_SPAWN_SETSIGMASK)
		c.mask = sigset_word(c.o.sigmask);
	c.uid = geteuid();
	c.gid = getegid();
	c.unshare_flags = CLONE_NEWTIME | (userns ? CLONE_NEWUSER : 0);
	want_pidfd = c.o.pidfd ? &pidfd : NULL;

	if ((probe->features & TIMENS_FEATURE_EXEC_SWITCH) &&
	    probe->force != TIMENS_PATH_SPAWN_FORK) {
		r = spawn_vfork(&c, want_pidfd,
				(probe->features & TIMENS_FEATURE_NATIVE_OFFSET) &&
				probe->force == TIMENS_PATH_NONE);
		timens__set_last_path(r > 0 ? TIMENS_PATH_SPAWN_VFORK : TIMENS_PATH_NONE);
	} else {
		r = spawn_fork(&c, want_pidfd);
		timens__set_last_path(r > 0 ? TIMENS_PATH_SPAWN_FORK : TIMENS_PATH_NONE);
	}
	if (r < 0) {
		errno = (int)-r;
		return -1;
	}
	if (pid)
		*pid = (pid_t)r;
	if (c.o.pidfd)
		*c.o.pidfd = pidfd;
	return 0;
}

/*
 * The first half of a spawn, for a process that execs by itself: the
 * calling thread's time_for_children becomes a new namespace with the
 * offsets.  Without a user namespace a failure after the unshare is
 * undone where setns() allows it (a single-threaded caller whose
 * namespaces were equal); a user namespace cannot be left again.  With
 * TIMENS_UNSHARE_NO_UNDO (a child about to exec, the tool) nothing is
 * undone, so nothing is looked up to make an undo possible: in a new
 * process each /proc lookup is dear (docs/design.md, "The child path").
 */
TIMENS_EXPORT int timens_unshare(const struct timens_offset *offset, uint64_t flags)
{
	static const struct timens_offset zero;
	const uint64_t userns_flags = TIMENS_SPAWN_USERNS | TIMENS_SPAWN_USERNS_ROOT;
	const uint64_t userns = flags & userns_flags;
	struct stat own_st, tfc_st;
	int own = -1, err = 0;
	uid_t uid = 0;
	gid_t gid = 0;
	long r;

	if ((flags & ~(userns_flags | TIMENS_UNSHARE_NO_UNDO)) || userns == userns_flags) {
		errno = EINVAL;
		return -1;
	}
	if (!(timens__probe()->features & TIMENS_FEATURE_TIME_NS)) {
		errno = EOPNOTSUPP;
		return -1;
	}
	if (userns) {
		/* Mapped in the new user namespace: who we are before it. */
		uid = geteuid();
		gid = getegid();
	} else if (!(flags & TIMENS_UNSHARE_NO_UNDO)) {
		/*
		 * The fd to undo with, opened before anything changes: no fd
		 * to spare means no way back, so nothing is done.
		 */
		own = open("/proc/thread-self/ns/time", O_RDONLY | O_CLOEXEC);
		if (own < 0)
			return -1;
		/*
		 * Undone only where the undo cannot fail: equal time and
		 * time_for_children (setns() resets both), and the very setns()
		 * the undo makes, into where we already are, succeeds (the only
		 * thread, allowed to).  Elsewhere a failure leaves a namespace
		 * nobody entered as time_for_children, as the man page says.
		 */
		if (fstat(own, &own_st) || stat("/proc/thread-self/ns/time_for_children", &tfc_st) ||
		    own_st.st_ino != tfc_st.st_ino || own_st.st_dev != tfc_st.st_dev ||
		    setns(own, CLONE_NEWTIME)) {
			close(own);
			own = -1;
		}
	}
	if (unshare(CLONE_NEWTIME | (userns ? CLONE_NEWUSER : 0)) < 0) {
		err = errno;
		goto out;
	}
	r = userns ? setup_userns(userns & TIMENS_SPAWN_USERNS_ROOT, uid, gid) : 0;
	if (r == 0)
		r = timens__write_own_offsets(offset ? offset : &zero);
	if (r < 0) {
		err = (int)-r;
		if (own >= 0)
			timens__setns_back(own);
	}
out:
	if (own >= 0)
		close(own);
	if (err) {
		errno = err;
		return -1;
	}
	return 0;
}
