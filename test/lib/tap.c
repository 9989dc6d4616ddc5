// SPDX-License-Identifier: LGPL-2.1-or-later
#include "tap.h"
#include "fault.h"

#include <dirent.h>
#include <pthread.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>

static int tap_n, tap_failed, tap_planned;

static bool strict(void)
{
	const char *s = getenv("TIMENS_TEST_STRICT");

	return s && *s && strcmp(s, "0") != 0;
}

void tap_plan(int n)
{
	tap_planned = n;
	printf("1..%d\n", n);
	fflush(stdout);
}

void tap_skip_all(const char *fmt, ...)
{
	va_list ap;

	if (strict()) {
		printf("1..1\nnot ok 1 - required but unavailable (TIMENS_TEST_STRICT): ");
		va_start(ap, fmt);
		vprintf(fmt, ap);
		va_end(ap);
		printf("\n");
		fflush(stdout);
		exit(1);
	}
	printf("1..0 # SKIP ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
	exit(0);
}

bool tap_ok(bool cond, const char *fmt, ...)
{
	va_list ap;

	tap_n++;
	if (!cond)
		tap_failed++;
	printf("%sok %d - ", cond ? "" : "not ", tap_n);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
	return cond;
}

bool tap_todo(bool cond, const char *reason, const char *fmt, ...)
{
	va_list ap;

	tap_n++;
	printf("%sok %d - ", cond ? "" : "not ", tap_n);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf(" # TODO %s\n", reason);
	fflush(stdout);
	return cond;
}

void tap_skip(const char *fmt, ...)
{
	va_list ap;

	tap_n++;
	if (strict()) {
		tap_failed++;
		printf("not ok %d - required but skipped (TIMENS_TEST_STRICT): ", tap_n);
	} else {
		printf("ok %d # SKIP ", tap_n);
	}
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
}

void tap_diag(const char *fmt, ...)
{
	va_list ap;

	printf("# ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
}

void tap_bail(const char *fmt, ...)
{
	va_list ap;

	printf("Bail out! ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
	exit(255);
}

int tap_done(void)
{
	if (!tap_planned)
		printf("1..%d\n", tap_n);
	else if (tap_planned != tap_n)
		printf("# planned %d tests, ran %d\n", tap_planned, tap_n);
	if (tap_failed)
		printf("# %d of %d failed\n", tap_failed, tap_n);
	fflush(stdout);
	return tap_failed || (tap_planned && tap_planned != tap_n) ? 1 : 0;
}

void require_root(void)
{
	if (geteuid() != 0)
		tap_skip_all("needs root");
}

void require_time_ns(void)
{
	if (access("/proc/self/ns/time", F_OK) != 0)
		tap_skip_all("kernel without time namespaces (CONFIG_TIME_NS, 5.6+)");
	if (!(timens_features() & TIMENS_FEATURE_TIME_NS))
		tap_bail("timens_features() denies time namespaces that /proc shows");
}

static long read_long(const char *path)
{
	char buf[32];
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	return strtol(buf, NULL, 10);
}

void require_unpriv_userns(void)
{
	if (read_long("/proc/sys/kernel/unprivileged_userns_clone") == 0)
		tap_skip_all("unprivileged user namespaces disabled (kernel.unprivileged_userns_clone=0)");
	if (read_long("/proc/sys/user/max_user_namespaces") == 0)
		tap_skip_all("user namespaces disabled (user.max_user_namespaces=0)");
}

static int64_t ts_ns(const struct timespec *ts)
{
	return (int64_t)ts->tv_sec * NSEC_PER_SEC + ts->tv_nsec;
}

int64_t clock_ns(clockid_t id)
{
	struct timespec ts;

	if (clock_gettime(id, &ts))
		return -1;
	return ts_ns(&ts);
}

int64_t raw_clock_ns(clockid_t id)
{
	struct timespec ts;

	if (syscall(SYS_clock_gettime, id, &ts))
		return -1;
	return ts_ns(&ts);
}

uint64_t ns_ino(const char *path)
{
	struct stat st;

	if (stat(path, &st))
		return 0;
	return st.st_ino;
}

void sample_clocks(struct clock_sample *s)
{
	char buf[64];
	int fd;
	ssize_t n;

	memset(s, 0, sizeof(*s));
	s->mono_vdso = clock_ns(CLOCK_MONOTONIC);
	s->boot_vdso = clock_ns(CLOCK_BOOTTIME);
	s->mono_raw = raw_clock_ns(CLOCK_MONOTONIC);
	s->boot_raw = raw_clock_ns(CLOCK_BOOTTIME);
	s->time_ino = ns_ino("/proc/self/ns/time");
	s->tfc_ino = ns_ino("/proc/self/ns/time_for_children");
	fd = open("/proc/uptime", O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		s->err = errno;
		return;
	}
	n = read(fd, buf, sizeof(buf) - 1);
	if (n <= 0) {
		s->err = n < 0 ? errno : EIO;
		close(fd);
		return;
	}
	close(fd);
	buf[n] = '\0';
	{
		long long sec = 0;
		int cs = 0;

		if (sscanf(buf, "%lld.%2d", &sec, &cs) != 2)
			s->err = EINVAL;
		s->uptime_cs = sec * 100 + cs;
	}
}

static bool within(int64_t v, int64_t lo, int64_t hi, int64_t slack_lo)
{
	return v >= lo - slack_lo && v <= hi;
}

bool read_offsets_file(const char *path, struct timens_offset *off)
{
	char buf[256], *line, *save = NULL;
	int fd = open(path, O_RDONLY | O_CLOEXEC), seen = 0;
	ssize_t n;

	if (fd < 0)
		return false;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return false;
	buf[n] = '\0';
	for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char name[32];
		long long sec;
		long nsec;

		if (sscanf(line, "%31s %lld %ld", name, &sec, &nsec) != 3)
			continue;
		if (!strcmp(name, "monotonic")) {
			off->monotonic_offset_ns = sec * NSEC_PER_SEC + nsec;
			seen |= 1;
		} else if (!strcmp(name, "boottime")) {
			off->boottime_offset_ns = sec * NSEC_PER_SEC + nsec;
			seen |= 2;
		}
	}
	return seen == 3;
}

struct timens_offset own_offsets(void)
{
	struct timens_offset off = { 0, 0 };

	if (!read_offsets_file("/proc/self/timens_offsets", &off))
		off = (struct timens_offset){ 0, 0 };
	return off;
}

bool clocks_in_window(int64_t mono_raw, int64_t mono_vdso, int64_t boot_raw, int64_t boot_vdso,
		      const struct clock_window *w, const struct timens_offset *off)
{
	int64_t mo = off->monotonic_offset_ns, bo = off->boottime_offset_ns;

	return within(mono_raw, w->mono_lo + mo, w->mono_hi + mo, 0) &&
	       within(mono_vdso, w->mono_lo + mo, w->mono_hi + mo, 0) &&
	       within(boot_raw, w->boot_lo + bo, w->boot_hi + bo, 0) &&
	       within(boot_vdso, w->boot_lo + bo, w->boot_hi + bo, 0);
}

/* The caller's own namespace offsets; tests run with time == time_for_children. */
static struct timens_offset base_offsets(void)
{
	static struct timens_offset base;
	static int done;

	if (!done) {
		base = own_offsets();
		done = 1;
	}
	return base;
}

void window_open(struct clock_window *w)
{
	struct timens_offset b = base_offsets();

	w->mono_lo = clock_ns(CLOCK_MONOTONIC) - b.monotonic_offset_ns;
	w->boot_lo = clock_ns(CLOCK_BOOTTIME) - b.boottime_offset_ns;
}

void window_close(struct clock_window *w)
{
	struct timens_offset b = base_offsets();

	w->mono_hi = clock_ns(CLOCK_MONOTONIC) - b.monotonic_offset_ns;
	w->boot_hi = clock_ns(CLOCK_BOOTTIME) - b.boottime_offset_ns;
}

bool check_sample(const struct clock_sample *s, const struct clock_window *w,
		  const struct timens_offset *off, const char *what)
{
	int64_t mlo = w->mono_lo + off->monotonic_offset_ns;
	int64_t mhi = w->mono_hi + off->monotonic_offset_ns;
	int64_t blo = w->boot_lo + off->boottime_offset_ns;
	int64_t bhi = w->boot_hi + off->boottime_offset_ns;
	bool good = true;

	if (s->err) {
		tap_diag("%s: a clock reading failed: %s", what, strerror(s->err));
		good = false;
	}
	if (!within(s->mono_vdso, mlo, mhi, 0) || !within(s->mono_raw, mlo, mhi, 0)) {
		tap_diag("%s: CLOCK_MONOTONIC vdso %lld raw %lld, want [%lld, %lld]",
			 what, (long long)s->mono_vdso, (long long)s->mono_raw,
			 (long long)mlo, (long long)mhi);
		good = false;
	}
	if (!within(s->boot_vdso, blo, bhi, 0) || !within(s->boot_raw, blo, bhi, 0)) {
		tap_diag("%s: CLOCK_BOOTTIME vdso %lld raw %lld, want [%lld, %lld]",
			 what, (long long)s->boot_vdso, (long long)s->boot_raw,
			 (long long)blo, (long long)bhi);
		good = false;
	}
	/* /proc/uptime is boottime truncated to centiseconds. */
	if (!within(s->uptime_cs * 10000000LL, blo, bhi, 10000000LL)) {
		tap_diag("%s: /proc/uptime %lld cs, want [%lld, %lld] ns", what,
			 (long long)s->uptime_cs, (long long)blo, (long long)bhi);
		good = false;
	}
	return tap_ok(good, "%s: clocks (vDSO, raw syscall, /proc/uptime) carry the offsets", what);
}

void *shared_alloc(size_t size)
{
	void *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		tap_bail("mmap: %s", strerror(errno));
	return p;
}

static char exe_path[4096];

const char *self_exe(void)
{
	return exe_path;
}

static void deny_clone3(void)
{
	static const int nr = SYS_clone3;
	static bool done;

	if (done)
		return;
	done = true;
	if (fault_deny(&nr, 1, ENOSYS)) {
		fprintf(stderr, "seccomp filter for clone3: %s\n", strerror(errno));
		_exit(126);
	}
}

void test_exec_hook(int argc, char **argv)
{
	ssize_t n = readlink("/proc/self/exe", exe_path, sizeof(exe_path) - 1);

	if (n > 0)
		exe_path[n] = '\0';
	/*
	 * Without clone3, as container runtimes' seccomp profiles have it:
	 * TIMENS_TEST_DENY_CLONE3=1 runs the whole test (and whatever it
	 * execs: filters are inherited and kept) under a filter answering
	 * clone3 with ENOSYS, installed before the library's first call;
	 * `PROG --deny-clone3 CMD [ARG...]` runs CMD so (test/noclone3.sh).
	 */
	if (argc >= 3 && !strcmp(argv[1], "--deny-clone3")) {
		deny_clone3();
		execvp(argv[2], argv + 2);
		fprintf(stderr, "%s: %s\n", argv[2], strerror(errno));
		_exit(127);
	}
	if (getenv("TIMENS_TEST_DENY_CLONE3") && !strcmp(getenv("TIMENS_TEST_DENY_CLONE3"), "1"))
		deny_clone3();
	if (argc == 3 && !strcmp(argv[1], "--sample-clocks")) {
		struct clock_sample s;
		int fd = atoi(argv[2]);

		sample_clocks(&s);
		if (write(fd, &s, sizeof(s)) != (ssize_t)sizeof(s))
			_exit(2);
		_exit(0);
	}
}

int thread_count(void)
{
	char buf[4096];
	int fd = open("/proc/self/status", O_RDONLY | O_CLOEXEC);
	ssize_t n;
	char *p;

	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	p = strstr(buf, "\nThreads:");
	return p ? atoi(p + 9) : -1;
}

void kernel_sigmask(sigset_t *set)
{
	memset(set, 0, sizeof(*set));
	if (syscall(SYS_rt_sigprocmask, SIG_BLOCK, NULL, set, 8))
		tap_bail("rt_sigprocmask: %s", strerror(errno));
}

void caller_state_get(struct caller_state *st)
{
	DIR *d;
	struct dirent *de;
	int dfd;

	memset(st, 0, sizeof(*st));
	st->time_ino = ns_ino("/proc/thread-self/ns/time");
	st->tfc_ino = ns_ino("/proc/thread-self/ns/time_for_children");
	kernel_sigmask(&st->mask);
	st->threads = thread_count();
	d = opendir("/proc/self/fd");
	if (!d)
		tap_bail("opendir /proc/self/fd: %s", strerror(errno));
	dfd = dirfd(d);
	while ((de = readdir(d))) {
		int fd;

		if (de->d_name[0] == '.')
			continue;
		fd = atoi(de->d_name);
		if (fd == dfd)
			continue;
		if (st->nfds < (int)(sizeof(st->fds) / sizeof(st->fds[0])))
			st->fds[st->nfds++] = fd;
	}
	closedir(d);
}

void caller_state_check(const struct caller_state *before, const char *what)
{
	struct caller_state now;
	bool same_fds;

	caller_state_get(&now);
	tap_ok(now.time_ino == before->time_ino && now.tfc_ino == before->tfc_ino,
	       "%s: caller's time ns %llu and time_for_children %llu unchanged (now %llu, %llu)",
	       what, (unsigned long long)before->time_ino,
	       (unsigned long long)before->tfc_ino,
	       (unsigned long long)now.time_ino, (unsigned long long)now.tfc_ino);
	tap_ok(memcmp(&now.mask, &before->mask, sizeof(sigset_t)) == 0,
	       "%s: caller's signal mask unchanged", what);
	same_fds = now.nfds == before->nfds &&
		   memcmp(now.fds, before->fds, sizeof(int) * (size_t)now.nfds) == 0;
	tap_ok(same_fds, "%s: caller's fds unchanged (%d before, %d after)", what,
	       before->nfds, now.nfds);
	tap_ok(no_children(), "%s: no child or zombie left behind", what);
	tap_ok(now.threads == before->threads, "%s: thread count unchanged (%d)", what,
	       now.threads);
}

bool caller_state_same(const struct caller_state *before, char *why, size_t len)
{
	struct caller_state now;
	const char *what = NULL;

	caller_state_get(&now);
	if (now.time_ino != before->time_ino)
		what = "time namespace changed";
	else if (now.tfc_ino != before->tfc_ino)
		what = "time_for_children changed";
	else if (memcmp(&now.mask, &before->mask, sizeof(sigset_t)))
		what = "signal mask changed";
	else if (now.nfds != before->nfds ||
		 memcmp(now.fds, before->fds, sizeof(int) * (size_t)now.nfds))
		what = "open fds changed";
	else if (now.threads != before->threads)
		what = "thread count changed";
	else if (!no_children())
		what = "a child or zombie is left";
	if (what && why)
		snprintf(why, len, "%s", what);
	return !what;
}

bool no_children(void)
{
	siginfo_t si;

	memset(&si, 0, sizeof(si));
	return waitid(P_ALL, 0, &si, WEXITED | WNOHANG | WNOWAIT | __WALL) == -1 &&
	       errno == ECHILD;
}

int wait_status(pid_t pid)
{
	int st;

	while (waitpid(pid, &st, __WALL) < 0) {
		if (errno != EINTR)
			return -1;
	}
	return st;
}

int64_t fit_negative(clockid_t clock, int64_t want)
{
	int64_t half = clock_ns(clock) / 2;

	return want < -half ? -half : want;
}

static void *idle_main(void *arg)
{
	struct idle_thread *t = arg;
	char c;

	/* Until the write end closes. */
	if (read(t->pipe[0], &c, 1) < 0)
		return NULL;
	return NULL;
}

void idle_thread_start(struct idle_thread *t)
{
	if (pipe2(t->pipe, O_CLOEXEC) || pthread_create(&t->thread, NULL, idle_main, t))
		tap_bail("cannot start the idle thread");
}

void idle_thread_stop(struct idle_thread *t)
{
	close(t->pipe[1]);
	pthread_join(t->thread, NULL);
	close(t->pipe[0]);
}

uint64_t test_rand(void)
{
	static uint64_t state = 0x9e3779b97f4a7c15ULL;

	state ^= state >> 12;
	state ^= state << 25;
	state ^= state >> 27;
	return state * 0x2545f4914f6cdd1dULL;
}
