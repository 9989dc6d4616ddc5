// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The shell tests' helper (test/cli-*.sh), for what sh and busybox cannot
 * do; one program on the host and in the kernel harness's guests, which
 * build it static (make test-static):
 *
 *   helper clocks
 *	prints CLOCK_MONOTONIC and CLOCK_BOOTTIME through the vDSO (libc's
 *	clock_gettime) and through the raw system call, in nanoseconds, on
 *	one line: "MONO_VDSO BOOT_VDSO MONO_RAW BOOT_RAW".
 *
 *   helper pending FILE SECONDS
 *	unshares CLONE_NEWTIME, gives the new namespace a boottime offset of
 *	SECONDS, creates FILE (the sign that it is done) and sleeps 60 s:
 *	a namespace that nobody has entered yet, held only as this
 *	process's time_for_children (it neither forks nor execs).
 *
 * Exit status 0, or 2 with a message on stderr when a call fails.
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/syscall.h>

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif

static void fail(const char *what)
{
	fprintf(stderr, "helper: %s: %s\n", what, strerror(errno));
	exit(2);
}

static long long ns_of(const struct timespec *ts)
{
	return (long long)ts->tv_sec * 1000000000LL + ts->tv_nsec;
}

static long long vdso(clockid_t id)
{
	struct timespec ts;

	if (clock_gettime(id, &ts))
		fail("clock_gettime");
	return ns_of(&ts);
}

static long long raw(clockid_t id)
{
	struct timespec ts;

	if (syscall(SYS_clock_gettime, id, &ts))
		fail("clock_gettime (system call)");
	return ns_of(&ts);
}

static int clocks(void)
{
	long long mv = vdso(CLOCK_MONOTONIC), bv = vdso(CLOCK_BOOTTIME);
	long long mr = raw(CLOCK_MONOTONIC), br = raw(CLOCK_BOOTTIME);

	printf("%lld %lld %lld %lld\n", mv, bv, mr, br);
	return fflush(stdout) ? 2 : 0;
}

static int pending(const char *file, const char *seconds)
{
	char line[64], *end;
	long long s;
	int fd, n;

	errno = 0;
	s = strtoll(seconds, &end, 10);
	if (errno || end == seconds || *end) {
		fprintf(stderr, "helper: bad SECONDS: %s\n", seconds);
		return 2;
	}
	if (unshare(CLONE_NEWTIME))
		fail("unshare(CLONE_NEWTIME)");
	/* The offsets can be written until a process enters the namespace. */
	n = snprintf(line, sizeof(line), "boottime %lld 0\n", s);
	fd = open("/proc/self/timens_offsets", O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		fail("/proc/self/timens_offsets");
	if (write(fd, line, (size_t)n) != n)
		fail("write /proc/self/timens_offsets");
	if (close(fd))
		fail("close /proc/self/timens_offsets");
	fd = open(file, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (fd < 0 || close(fd))
		fail(file);
	/* Killed by the test; a test that dies first leaves nothing for long. */
	sleep(60);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 2 && !strcmp(argv[1], "clocks"))
		return clocks();
	if (argc == 4 && !strcmp(argv[1], "pending"))
		return pending(argv[2], argv[3]);
	fprintf(stderr, "usage: helper clocks | helper pending FILE SECONDS\n");
	return 2;
}
