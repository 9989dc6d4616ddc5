// SPDX-License-Identifier: LGPL-2.1-or-later
#include "child.h"

#include <dirent.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/wait.h>

int count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *de;
	int n = 0;

	if (!d)
		return -1;
	while ((de = readdir(d)))
		if (de->d_name[0] != '.')
			n++;
	closedir(d);
	return n - 1;	/* the directory's own fd */
}

int pidfd_pid(int fd)
{
	char path[64], line[128];
	int pid = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	f = fopen(path, "re");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "Pid: %d", &pid) == 1)
			break;
	fclose(f);
	return pid;
}

struct child_report *clone_and_check(const struct timens_offset *off,
				     uint64_t flags, const char *what)
{
	static __thread struct child_report *rep;
	struct timens_clone_args args = {
		.flags = CLONE_NEWTIME | flags,
		.exit_signal = SIGCHLD,
		.timens_offset = to_u64(off),
	};
	struct clock_window w;
	pid_t pid;
	int st;

	if (!rep)
		rep = shared_alloc(sizeof(*rep));
	memset(rep, 0, sizeof(*rep));
	window_open(&w);
	pid = timens_clone3(&args, sizeof(args));
	if (pid == 0) {
		sample_clocks(&rep->s);
		kernel_sigmask(&rep->mask);
		rep->nfds = count_fds();
		rep->user_ino = ns_ino("/proc/self/ns/user");
		rep->done = 1;
		_exit(0);
	}
	if (!tap_ok(pid > 0, "%s: timens_clone3 returns a pid (%d, %s) via %s", what,
		    pid, pid < 0 ? strerror(errno) : "ok",
		    timens_path_name(timens_last_path())))
		return NULL;
	st = wait_status(pid);
	window_close(&w);
	tap_ok(WIFEXITED(st) && WEXITSTATUS(st) == 0 && rep->done,
	       "%s: child ran and exited 0 (status %#x)", what, st);
	check_sample(&rep->s, &w, off, what);
	return rep;
}

int clone_and_check_quiet(const struct timens_offset *off, const struct timens_offset *here)
{
	static struct clock_sample *s;

	if (!s)
		s = shared_alloc(sizeof(*s));
	return clone_and_check_in(off, here, s);
}

int clone_and_check_in(const struct timens_offset *off, const struct timens_offset *here,
		       struct clock_sample *s)
{
	struct timens_offset rel = *off;
	struct timens_clone_args a = {
		.flags = CLONE_NEWTIME,
		.exit_signal = SIGCHLD,
		.timens_offset = to_u64(off),
	};
	struct clock_window w;
	pid_t pid;
	int st;

	if (here) {
		rel.monotonic_offset_ns -= here->monotonic_offset_ns;
		rel.boottime_offset_ns -= here->boottime_offset_ns;
	}
	memset(s, 0, sizeof(*s));
	window_open(&w);
	pid = timens_clone3(&a, sizeof(a));
	if (pid == 0) {
		sample_clocks(s);
		_exit(0);
	}
	if (pid < 0)
		return CHILD_CALL_FAILED;
	st = wait_status(pid);
	window_close(&w);
	if (!WIFEXITED(st) || WEXITSTATUS(st))
		return CHILD_EXIT_FAILED;
	if (!clocks_in_window(s->mono_raw, s->mono_vdso, s->boot_raw, s->boot_vdso, &w, &rel))
		return CHILD_CLOCKS_WRONG;
	return 0;
}

int child_path_pages(void)
{
	unsigned long page = (unsigned long)sysconf(_SC_PAGESIZE), lo, hi;
	FILE *f = fopen("/proc/self/maps", "r");
	char line[512], perms[8];
	int n = 0;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "%lx-%lx %7s", &lo, &hi, perms) == 3 && hi - lo == page &&
		    !strcmp(perms, "rw-s") && strstr(line, "/dev/zero"))
			n++;
	fclose(f);
	return n;
}
