// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * What the running kernel offers, found once per process.
 *
 * Nothing here creates a process.  The two clone3 questions are asked
 * with argument sets that every kernel refuses before a task exists, and
 * the errno tells which check refused them (see probe_clone3()).
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/utsname.h>

#include "internal.h"
#include "stubs.h"
#include "syscall.h"


static struct timens_probe probe;
static pthread_once_t probe_once = PTHREAD_ONCE_INIT;

static unsigned int parse_kernel_version(void)
{
	struct utsname u;
	unsigned int a = 0, b = 0, c = 0;

	if (uname(&u) || sscanf(u.release, "%u.%u.%u", &a, &b, &c) < 2)
		return 0;
	return KVER(a, b, c);
}

/* A small stack for the child that must never run, and the tid it lacks. */
static char probe_stack[256] __attribute__((aligned(16)));

/*
 * Asks clone3 about FLAGS (and, with OFFSET, the timens_offset field).
 * The arguments name a thread (CLONE_THREAD|CLONE_SIGHAND|CLONE_VM) whose
 * set_tid is the caller's own tid: a kernel that accepts the flags gets as
 * far as allocating the pid and fails there with EEXIST (or EPERM without
 * CAP_CHECKPOINT_RESTORE or CAP_SYS_ADMIN); one that refuses the flags
 * says EINVAL first; one that does not know the size says E2BIG.
 */
static long probe_clone3(uint64_t flags, const struct timens_offset *offset)
{
	uint64_t tid = (uint64_t)sys_gettid();
	struct timens_clone_args args = {
		.flags = flags | CLONE_THREAD | CLONE_SIGHAND | CLONE_VM,
		.stack = (uint64_t)(uintptr_t)probe_stack,
		.stack_size = sizeof(probe_stack),
		.set_tid = (uint64_t)(uintptr_t)&tid,
		.set_tid_size = 1,
		.timens_offset = (uint64_t)(uintptr_t)offset,
	};

	return timens__probe_clone3(&args, offset ? TIMENS_CLONE_ARGS_SIZE_VER3
						  : TIMENS_CLONE_ARGS_SIZE_VER2);
}

static enum timens_path parse_force(void)
{
	const char *s = secure_getenv("TIMENS_PATH");

	if (!s || !*s || !strcmp(s, "auto"))
		return TIMENS_PATH_NONE;
	if (!strcmp(s, "emulate"))
		return TIMENS_PATH_KERNEL;
	if (!strcmp(s, "inplace"))
		return TIMENS_PATH_INPLACE;
	if (!strcmp(s, "helper"))
		return TIMENS_PATH_HELPER_THREAD;
	if (!strcmp(s, "fork"))
		return TIMENS_PATH_SPAWN_FORK;
	if (!strcmp(s, "child"))
		return TIMENS_PATH_CHILD;
	return TIMENS_PATH_NONE;
}

static void probe_run(void)
{
	static const struct timens_offset zero;
	struct stat st;
	unsigned int v = parse_kernel_version();
	unsigned int f = 0;
	long r;

	probe.force = parse_force();
	if (stat("/proc/self/ns/time", &st) == 0)
		f |= TIMENS_FEATURE_TIME_NS;
	if (v >= KVER(5, 9, 0))
		f |= TIMENS_FEATURE_SETNS_PIDFD;
	/*
	 * No way to ask the kernel without exec'ing something; Linux 6.2
	 * brought it ("fs/exec: switch timens when a task gets a new mm").
	 */
	if (v >= KVER(6, 2, 0))
		f |= TIMENS_FEATURE_EXEC_SWITCH;

	if (f & TIMENS_FEATURE_TIME_NS) {
		r = probe_clone3(CLONE_NEWTIME, NULL);
		if (r == -EEXIST || r == -EPERM)
			f |= TIMENS_FEATURE_CLONE3_NEWTIME;
		/*
		 * Time namespaces (5.6) came after clone3 (5.3), which no
		 * configuration leaves out: ENOSYS is not this kernel's answer
		 * but that of something between us and it (a seccomp filter,
		 * valgrind, qemu-user), which then answers every clone3 so.
		 * The library makes its children with clone(2) instead, and
		 * the native offset cannot be asked about.
		 */
		if (r == -ENOSYS)
			f |= TIMENS_FEATURE_CLONE3_REFUSED;
		/*
		 * Without CLONE_NEWTIME a patched kernel refuses a non-zero
		 * timens_offset with EINVAL while copying the arguments; an
		 * unpatched one sees unknown non-zero bytes: E2BIG.
		 */
		else if (probe_clone3(0, &zero) == -EINVAL)
			f |= TIMENS_FEATURE_NATIVE_OFFSET;
	}
	probe.features = f;
}

void timens__force_path(enum timens_path path)
{
	timens__probe();
	probe.force = path;
}

const struct timens_probe *timens__probe(void)
{
	pthread_once(&probe_once, probe_run);
	return &probe;
}

TIMENS_EXPORT unsigned int timens_features(void)
{
	return timens__probe()->features;
}
