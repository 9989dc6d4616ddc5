// SPDX-License-Identifier: GPL-2.0
/*
 * /init of the test guest: mount the pseudo file systems, run every program
 * listed in /plan, print one TAP stream for all of them on the console, and
 * power off.
 *
 * /plan has one program a line, fields separated by tabs:
 *
 *	NAME	FLAGS	ENV	PATH [ARGS...]
 *
 * FLAGS is a comma-separated list: "strict" makes a skipped subtest
 * (see show_line) a failure of the program; "-" for none. ENV is a
 * comma-separated list of VAR=VALUE added to the environment, or "-".
 * ARGS are separated by spaces. A program passes if it exits 0 (and, with
 * "strict", skipped nothing).
 *
 * Each program's output is shown indented by four spaces (a TAP subtest),
 * then "ok N - NAME" or "not ok N - NAME". The last line is
 * "# timens-guest: P passed, F failed" followed by TIMENS-GUEST-END.

 *
 * The programs start as soon as the guest is up: every test fits its
 * negative offsets to the clocks it finds (now + offset < 0 is ERANGE),
 * so a machine booted a second ago is as good as any.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_TESTS	256
#define MAX_ARGS	32
#define MAX_ENV		32
#define TEST_TIMEOUT_S	600

struct test {
	char *name;
	int strict;
	char *env[MAX_ENV];
	char *argv[MAX_ARGS];
};

static struct test tests[MAX_TESTS];
static int ntests;

static void out(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	fflush(stdout);
}

static void power_off(void)
{
	sync();
	reboot(RB_POWER_OFF);
	/* Without ACPI power-off, QEMU's -no-reboot ends on a reboot. */
	reboot(RB_AUTOBOOT);
	for (;;)
		pause();
}

static void mount_or_warn(const char *src, const char *dst, const char *type)
{
	mkdir(dst, 0755);
	if (mount(src, dst, type, 0, NULL) && errno != EBUSY)
		out("# mount %s on %s: %s\n", type, dst, strerror(errno));
}

static void split(char *s, const char *sep, char **v, int max)
{
	int n = 0;
	char *save = NULL, *tok;

	for (tok = strtok_r(s, sep, &save); tok && n < max - 1;
	     tok = strtok_r(NULL, sep, &save))
		v[n++] = tok;
	v[n] = NULL;
}

static int load_plan(const char *path)
{
	static char buf[65536];
	char *line, *save = NULL;
	ssize_t len;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	len = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (len < 0)
		return -1;
	buf[len] = '\0';

	for (line = strtok_r(buf, "\n", &save); line && ntests < MAX_TESTS;
	     line = strtok_r(NULL, "\n", &save)) {
		char *f[4], *fsave = NULL, *envs[MAX_ENV];
		struct test *t = &tests[ntests];
		int i, nenv = 0;

		if (line[0] == '#' || !line[0])
			continue;
		f[0] = strtok_r(line, "\t", &fsave);
		for (i = 1; i < 4; i++)
			f[i] = strtok_r(NULL, "\t", &fsave);
		if (!f[3])
			continue;
		t->name = f[0];
		t->strict = strstr(f[1], "strict") != NULL;
		t->env[nenv++] = "PATH=/bin:/sbin:/usr/bin:/usr/sbin";
		t->env[nenv++] = "HOME=/tmp";
		t->env[nenv++] = "TMPDIR=/tmp";
		if (strcmp(f[2], "-")) {
			split(f[2], ",", envs, MAX_ENV - 4);
			for (i = 0; envs[i]; i++)
				t->env[nenv++] = envs[i];
		}
		t->env[nenv] = NULL;
		split(f[3], " ", t->argv, MAX_ARGS);
		ntests++;
	}
	return 0;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/*
 * Show one line of a program's output; return 1 if it reports a skip: a
 * TAP "ok ... # SKIP" or a skipped plan ("1..0 # SKIP": nothing ran),
 * `go test -v`'s "--- SKIP: " (indented for a subtest), pytest -rs's
 * "SKIPPED [N] ...".
 */
static int show_line(const char *line)
{
	const char *go = line + strspn(line, " ");

	out("    %s\n", line);
	return (!strncmp(line, "ok ", 3) && strstr(line, "# SKIP") != NULL) ||
	       !strncmp(line, "1..0 # SKIP", 11) ||
	       !strncmp(go, "--- SKIP: ", 10) || !strncmp(line, "SKIPPED [", 9);
}

/* Run one program; return 0 if it passed. */
static int run(int n, struct test *t)
{
	char buf[4096], reason[128] = "";
	size_t used = 0;
	int pipefd[2], status = 0, skips = 0, timed_out = 0;
	double start = now_s();
	pid_t pid;

	out("# %s: %s\n", t->name, t->argv[0]);
	if (pipe2(pipefd, O_CLOEXEC)) {
		out("not ok %d - %s # pipe: %s\n", n, t->name, strerror(errno));
		return 1;
	}
	pid = fork();
	if (pid == 0) {
		char dir[256], *slash;

		setsid();
		dup2(pipefd[1], 1);
		dup2(pipefd[1], 2);
		snprintf(dir, sizeof(dir), "%s", t->argv[0]);
		slash = strrchr(dir, '/');
		if (slash && slash != dir) {
			*slash = '\0';
			if (chdir(dir))
				_exit(126);
		}
		execve(t->argv[0], t->argv, t->env);
		dprintf(2, "execve %s: %s\n", t->argv[0], strerror(errno));
		_exit(127);
	}
	close(pipefd[1]);
	if (pid < 0) {
		close(pipefd[0]);
		out("not ok %d - %s # fork: %s\n", n, t->name, strerror(errno));
		return 1;
	}

	for (;;) {
		struct pollfd p = { .fd = pipefd[0], .events = POLLIN };
		int left = (int)((start + TEST_TIMEOUT_S - now_s()) * 1000);
		ssize_t r;
		char *nl;

		if (left <= 0 || poll(&p, 1, left) == 0) {
			timed_out = 1;
			kill(-pid, SIGKILL);
			kill(pid, SIGKILL);
			break;
		}
		r = read(pipefd[0], buf + used, sizeof(buf) - 1 - used);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		used += r;
		buf[used] = '\0';
		while ((nl = strchr(buf, '\n'))) {
			*nl = '\0';
			skips += show_line(buf);
			used -= nl + 1 - buf;
			memmove(buf, nl + 1, used + 1);
		}
		if (used == sizeof(buf) - 1) {
			skips += show_line(buf);
			used = 0;
		}
	}
	if (used) {
		buf[used] = '\0';
		skips += show_line(buf);
	}
	close(pipefd[0]);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;

	if (timed_out)
		snprintf(reason, sizeof(reason), "timed out after %d s",
			 TEST_TIMEOUT_S);
	else if (WIFSIGNALED(status))
		snprintf(reason, sizeof(reason), "killed by signal %d",
			 WTERMSIG(status));
	else if (WEXITSTATUS(status))
		snprintf(reason, sizeof(reason), "exit status %d",
			 WEXITSTATUS(status));
	else if (t->strict && skips)
		snprintf(reason, sizeof(reason), "%d skipped, strict", skips);

	out("%sok %d - %s # %.2f s%s%s\n", reason[0] ? "not " : "", n, t->name,
	    now_s() - start, reason[0] ? ": " : "", reason);
	return reason[0] != '\0';
}

int main(void)
{
	int i, failed = 0;
	char kver[128] = "?";
	FILE *f;

	mount_or_warn("proc", "/proc", "proc");
	mount_or_warn("sysfs", "/sys", "sysfs");
	mount_or_warn("devtmpfs", "/dev", "devtmpfs");
	mount_or_warn("tmpfs", "/tmp", "tmpfs");
	chmod("/tmp", 01777);

	f = fopen("/proc/sys/kernel/osrelease", "re");
	if (f) {
		if (fgets(kver, sizeof(kver), f))
			kver[strcspn(kver, "\n")] = '\0';
		fclose(f);
	}

	if (load_plan("/plan")) {
		out("Bail out! cannot read /plan: %s\n", strerror(errno));
		power_off();
	}
	out("TAP version 13\n# guest kernel %s\n1..%d\n", kver, ntests);
	for (i = 0; i < ntests; i++)
		failed += run(i + 1, &tests[i]);
	out("# timens-guest: %d passed, %d failed\n", ntests - failed, failed);
	out("TIMENS-GUEST-END\n");
	power_off();
	return 0;
}
