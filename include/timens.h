/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * timens.h - libtimens, the public interface.
 *
 * libtimens creates processes in new Linux time namespaces with chosen
 * CLOCK_MONOTONIC and CLOCK_BOOTTIME offsets, through the clone3()
 * extension proposed on LKML in 2020 (struct clone_args gains a
 * timens_offset pointer).  On a kernel that implements it the call goes
 * straight to the kernel; on older kernels (5.6 and later) the library
 * emulates it without disturbing the caller.
 *
 * Error convention, for every call in this header: a call that fails
 * returns -1 (or NULL for pointer results) and sets errno.  The library
 * never prints and never exits.
 */
#ifndef TIMENS_H
#define TIMENS_H

#include <stddef.h>
#include <stdint.h>
#include <signal.h>
#include <sys/types.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The version of this header; the Makefile and the .pc file read it here. */
#define TIMENS_VERSION_MAJOR 0
#define TIMENS_VERSION_MINOR 2
#define TIMENS_VERSION_PATCH 0

/*
 * The version of the library running, "MAJOR.MINOR.PATCH" (since 0.2):
 * the shared library may be newer than the header a program was built
 * with.  See timens_version(3).
 *
 * Which structs below may grow, and why the others are fixed for the life
 * of the SONAME: docs/design.md, "The ABI".
 */
const char *timens_version(void);

/* Flags the system headers may lack (values are the kernel's uapi). */
#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME		0x00000080	/* Linux 5.6 */
#endif
#ifndef CLONE_PIDFD
#define CLONE_PIDFD		0x00001000	/* Linux 5.2 */
#endif
#ifndef CLONE_CLEAR_SIGHAND
#define CLONE_CLEAR_SIGHAND	0x100000000ULL	/* Linux 5.5 */
#endif
#ifndef CLONE_INTO_CGROUP
#define CLONE_INTO_CGROUP	0x200000000ULL	/* Linux 5.7 */
#endif

/*
 * Offsets of a time namespace, in signed nanoseconds, absolute: relative
 * to the clocks of the initial time namespace, as
 * /proc/PID/timens_offsets shows them.
 */
struct timens_offset {
	int64_t monotonic_offset_ns;
	int64_t boottime_offset_ns;
};

/*
 * Byte for byte the kernel's struct clone_args (VER2) followed by the
 * proposed timens_offset field (VER3).  timens_offset holds a pointer to
 * a struct timens_offset, cast to uint64_t, or 0.
 */
struct timens_clone_args {
	uint64_t flags;
	uint64_t pidfd;
	uint64_t child_tid;
	uint64_t parent_tid;
	uint64_t exit_signal;
	uint64_t stack;
	uint64_t stack_size;
	uint64_t tls;
	uint64_t set_tid;
	uint64_t set_tid_size;
	uint64_t cgroup;
	uint64_t timens_offset;
} __attribute__((aligned(8)));

#define TIMENS_CLONE_ARGS_SIZE_VER0 64	/* Linux 5.3 */
#define TIMENS_CLONE_ARGS_SIZE_VER1 80	/* Linux 5.5: set_tid */
#define TIMENS_CLONE_ARGS_SIZE_VER2 88	/* Linux 5.7: cgroup */
#define TIMENS_CLONE_ARGS_SIZE_VER3 96	/* timens_offset */

/*
 * A drop-in for syscall(SYS_clone3, args, size): the pid of the child in
 * the parent, 0 in the child, -1 and errno on failure.  With
 * CLONE_NEWTIME and a non-zero timens_offset the child starts in a new
 * time namespace with exactly those offsets.  See timens_clone3(3).
 */
pid_t timens_clone3(struct timens_clone_args *args, size_t size)
	__attribute__((returns_twice));

/*
 * What the running kernel offers, detected once per process (thread
 * safe, creates no process).  See timens_features(3).
 */
#define TIMENS_FEATURE_TIME_NS		(1u << 0) /* time namespaces (5.6) */
#define TIMENS_FEATURE_SETNS_PIDFD	(1u << 1) /* setns(pidfd, CLONE_NEWTIME) (5.9) */
#define TIMENS_FEATURE_EXEC_SWITCH	(1u << 2) /* exec enters time_for_children (6.2) */
#define TIMENS_FEATURE_CLONE3_NEWTIME	(1u << 3) /* clone3 takes CLONE_NEWTIME (6.3) */
#define TIMENS_FEATURE_NATIVE_OFFSET	(1u << 4) /* clone3 takes timens_offset */
#define TIMENS_FEATURE_CLONE3_REFUSED	(1u << 5) /* clone3 is refused (ENOSYS) on a kernel
						     that has it: clone(2) is used */
unsigned int timens_features(void);

/*
 * How a call reached the kernel.  timens_last_path() names the path the
 * calling thread's most recent timens_clone3() or timens_spawn() took.
 */
enum timens_path {
	TIMENS_PATH_NONE = 0,		/* no call yet, or it failed early */
	TIMENS_PATH_KERNEL,		/* no offsets asked: plain clone3 */
	TIMENS_PATH_NATIVE,		/* the kernel's own timens_offset */
	TIMENS_PATH_INPLACE,		/* unshare, write, clone3, setns back */
	TIMENS_PATH_HELPER_THREAD,	/* vfork-style helper thread */
	TIMENS_PATH_HELPER_PROCESS,	/* vfork-style helper process (userns) */
	TIMENS_PATH_SPAWN_VFORK,	/* spawn: one vfork-style child, exec */
	TIMENS_PATH_SPAWN_FORK,		/* spawn: forked child, exec */
	TIMENS_PATH_CHILD,		/* the child makes its own namespace */
};
enum timens_path timens_last_path(void);
const char *timens_path_name(enum timens_path path);

/* ---- Spawning a program in a new time namespace: timens_spawn(3) ---- */

enum timens_file_action_type {
	TIMENS_FA_DUP2 = 1,	/* dup2(src_fd, fd) */
	TIMENS_FA_CLOSE,	/* close(fd) */
	TIMENS_FA_OPEN,		/* fd = open(path, oflag, mode) */
};

/*
 * Fixed (an array element: the library steps through it by its size).
 * Every fd an action names is 0 <= fd < the caller's soft RLIMIT_NOFILE,
 * as for posix_spawn_file_actions_add*(): anything else, up to INT_MAX,
 * is EBADF before any process exists.  See timens_spawn(3).
 */
struct timens_file_action {
	int type;		/* enum timens_file_action_type */
	int fd;
	int src_fd;		/* TIMENS_FA_DUP2; not read for the others */
	int oflag;		/* TIMENS_FA_OPEN */
	mode_t mode;		/* TIMENS_FA_OPEN */
	const char *path;	/* TIMENS_FA_OPEN */
};

#define TIMENS_SPAWN_SEARCH_PATH  (1u << 0) /* look the file up in PATH */
#define TIMENS_SPAWN_USERNS	  (1u << 1) /* new user ns, caller's uid/gid mapped */
#define TIMENS_SPAWN_USERNS_ROOT  (1u << 2) /* new user ns, caller mapped to root */
#define TIMENS_SPAWN_SETSID	  (1u << 3) /* child starts a new session */
#define TIMENS_SPAWN_SETSIGMASK	  (1u << 4) /* child's mask is *sigmask */
#define TIMENS_SPAWN_SETSIGDEF	  (1u << 5) /* signals in *sigdefault to SIG_DFL */

/*
 * Options carry their own size first, and may grow at the end: declare
 * them with TIMENS_SPAWN_OPTS(name, .field = value, ...), which zeroes
 * the whole struct first, so that no byte the library reads is left over
 * from the stack.  A caller built against a newer header may pass a
 * larger struct; the library refuses unknown non-zero trailing bytes with
 * E2BIG.  Fields are added so that the struct has no padding.
 */
struct timens_spawn_opts {
	size_t sz;
	uint64_t flags;				/* TIMENS_SPAWN_* */
	const struct timens_offset *offset;	/* NULL: zero offsets */
	const struct timens_file_action *file_actions;
	size_t n_file_actions;
	const sigset_t *sigmask;		/* TIMENS_SPAWN_SETSIGMASK */
	const sigset_t *sigdefault;		/* TIMENS_SPAWN_SETSIGDEF */
	int *pidfd;				/* if set: receives a pidfd */
};

#define TIMENS_SPAWN_OPTS(name, ...)					\
	struct timens_spawn_opts name = __extension__ ({		\
		__builtin_memset(&name, 0, sizeof(struct timens_spawn_opts)); \
		(struct timens_spawn_opts) {				\
			.sz = sizeof(struct timens_spawn_opts),		\
			__VA_ARGS__					\
		};							\
	})

/*
 * Start PATH with ARGV and ENVP (NULL: the caller's environ) in a new time
 * namespace.  0 and *pid on success; -1 and errno on failure, including
 * the errno of a failed exec (no child is left in that case).
 */
int timens_spawn(pid_t *pid, const char *path, char *const argv[],
		 char *const envp[], const struct timens_spawn_opts *opts);

/*
 * Make a new time namespace with OFFSET (NULL: zero offsets) the calling
 * thread's time_for_children: its children from now on, and the process
 * itself at its next execve() (Linux 6.2+), run in it.  FLAGS: 0, or
 * TIMENS_SPAWN_USERNS / TIMENS_SPAWN_USERNS_ROOT to make it in a new user
 * namespace, which the calling process enters at once; and
 * TIMENS_UNSHARE_NO_UNDO for a process that execs or exits whatever
 * happens, which needs no way back from a failure.  For a process about
 * to exec; see timens_unshare(3).
 */
#define TIMENS_UNSHARE_NO_UNDO	  (1u << 8) /* no undo of a failure: skip its checks */

int timens_unshare(const struct timens_offset *offset, uint64_t flags);

/* ---- Inspecting and entering namespaces: timens_get_info(3) ---- */

struct timens_ns_id {
	uint64_t dev;
	uint64_t ino;
};

/* Fixed (filled in by the library; see docs/design.md, "The ABI"). */
struct timens_info {
	struct timens_ns_id ns;			/* /proc/PID/ns/time */
	struct timens_ns_id ns_for_children;	/* /proc/PID/ns/time_for_children */
	struct timens_offset offset;		/* offsets of ns */
	struct timens_offset offset_for_children; /* of ns_for_children */
	int offset_known;	/* 0 if ns's offsets could not be found */
};

/* PID 0 means the calling process. */
int timens_get_info(pid_t pid, struct timens_info *info);

/*
 * Calls FN for every process (thread-group leader) in /proc whose
 * namespace links the caller may read, with the identities of its time
 * namespace and time_for_children, until FN returns non-zero; returns
 * that value, or 0 after the last process.  See timens_for_each_process(3).
 */
int timens_for_each_process(int (*fn)(pid_t pid, const struct timens_ns_id *ns,
				      const struct timens_ns_id *ns_for_children,
				      void *arg),
			    void *arg);

/* Move the calling process into PID's time namespace (setns). */
int timens_enter(pid_t pid);

/* ---- Offsets as text: timens_parse_offset(3) ---- */

/*
 * Plain numbers are seconds ("86400", "-1.5"); units ns us ms s m h d w
 * may be combined ("1d2h30m", "+250ms"); a leading sign applies to the
 * whole value.  -1 and EINVAL on bad syntax, ERANGE beyond int64 ns.
 */
int timens_parse_offset(const char *text, int64_t *ns);

/* Longest text timens_format_offset() writes, with its NUL. */
#define TIMENS_OFFSET_STRLEN 48

/*
 * Write the shortest exact form of NS that timens_parse_offset() reads
 * back to the same value.  Returns the length, or -1 and ERANGE if LEN is
 * too small.
 */
int timens_format_offset(int64_t ns, char *buf, size_t len);

/* ---- Clock continuity: timens_read_clocks(3) ---- */

/* CLOCK_MONOTONIC and CLOCK_BOOTTIME as seen inside a namespace. */
struct timens_clocks {
	int64_t monotonic_ns;
	int64_t boottime_ns;
};

/* The clocks of PID's time namespace now (PID 0: the caller's). */
int timens_read_clocks(pid_t pid, struct timens_clocks *clocks);

/*
 * Offsets for a namespace created after this call whose clocks read at
 * least CLOCKS at creation and continue from there.
 */
int timens_offset_for_clocks(const struct timens_clocks *clocks,
			     struct timens_offset *offset);

/*
 * The clocks, now, of a namespace with offsets OFFSET (it need not exist).
 * See timens_save_clocks(3).
 */
int timens_clocks_at_offset(const struct timens_offset *offset,
			    struct timens_clocks *clocks);

/* ---- Saved clocks: timens_save_clocks(3) ---- */

#define TIMENS_BOOT_ID_LEN 36

/* Fixed (filled in by the library; see docs/design.md, "The ABI"). */
struct timens_saved_clocks {
	struct timens_clocks clocks;	/* the namespace's clocks when saved */
	int64_t realtime_ns;		/* CLOCK_REALTIME when saved */
	char boot_id[TIMENS_BOOT_ID_LEN + 1]; /* the boot they were saved in */
	int same_boot;			/* load: 1 this boot, 0 another, -1 unknown */
};

/*
 * Write CLOCKS to PATH atomically (a temporary file in the same folder,
 * fsync, rename): PATH holds the old contents or the new, never a part.
 */
int timens_save_clocks(const char *path, const struct timens_clocks *clocks);

/* Read and check a file written by timens_save_clocks(). */
int timens_load_clocks(const char *path, struct timens_saved_clocks *saved);

#ifdef __cplusplus
}
#endif

#endif /* TIMENS_H */
