// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The child of the Go tests: prints, on one line, CLOCK_MONOTONIC and
 * CLOCK_BOOTTIME through the vDSO (libc) and the raw system call, the
 * first field of /proc/uptime in centiseconds, the inodes of its
 * ns/time and ns/time_for_children, its pid, its session id and the
 * numbers of its open file descriptors (nothing of its parent's leaks).  With
 * the argument "wait" it then reads its standard input to the end, so
 * that the test can look at it while it lives.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/syscall.h>

static long long ns_of(const struct timespec *ts)
{
	return (long long)ts->tv_sec * 1000000000LL + ts->tv_nsec;
}

static long long vdso(clockid_t id)
{
	struct timespec ts;

	if (clock_gettime(id, &ts))
		exit(2);
	return ns_of(&ts);
}

static long long raw(clockid_t id)
{
	struct timespec ts;

	if (syscall(SYS_clock_gettime, id, &ts))
		exit(2);
	return ns_of(&ts);
}

static long long uptime_cs(void)
{
	FILE *f = fopen("/proc/uptime", "re");
	long long s, cs;

	if (!f || fscanf(f, "%lld.%2lld", &s, &cs) != 2)
		exit(2);
	fclose(f);
	return s * 100 + cs;
}

/* The numbers of the open fds, as "0,1,2" (not the directory's own). */
static void open_fds(char *buf, size_t len)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	size_t n = 0;

	if (!d)
		exit(2);
	buf[0] = '\0';
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.' || atoi(e->d_name) == dirfd(d))
			continue;
		n += (size_t)snprintf(buf + n, len - n, "%s%s", n ? "," : "", e->d_name);
		if (n >= len)
			exit(2);
	}
	closedir(d);
}

static unsigned long long ino(const char *path)
{
	struct stat st;

	if (stat(path, &st))
		exit(2);
	return (unsigned long long)st.st_ino;
}

int main(int argc, char **argv)
{
	long long mv = vdso(CLOCK_MONOTONIC), bv = vdso(CLOCK_BOOTTIME);
	long long mr = raw(CLOCK_MONOTONIC), br = raw(CLOCK_BOOTTIME);
	long long up = uptime_cs();
	char buf[256], fds[1024];

	open_fds(fds, sizeof(fds));
	printf("%lld %lld %lld %lld %lld %llu %llu %d %d %s\n", mv, bv, mr, br, up,
	       ino("/proc/self/ns/time"), ino("/proc/self/ns/time_for_children"),
	       (int)getpid(), (int)getsid(0), fds);
	if (fflush(stdout))
		return 2;
	if (argc > 1 && !strcmp(argv[1], "wait"))
		while (read(0, buf, sizeof(buf)) > 0)
			;
	return 0;
}
