// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Clock continuity: a namespace's clocks are saved when its process ends
 * and a new namespace continues from them; over 1000 cycles no first
 * reading is ever below the saved value, which is never below the last
 * reading of the cycle before.  Also from inside a namespace with large
 * offsets (offsets are absolute), and the save file's atomicity.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <sys/xattr.h>

#include "child.h"

#define CYCLES 1000

struct cycle_result {
	int done, failures, backwards;
	int64_t gap[CYCLES];		/* first reading - saved, monotonic */
	int64_t worst_back;
	char why[128];
};

struct readings {
	int64_t first_mono, first_boot, last_mono, last_boot;
};

static int cmp64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return x < y ? -1 : x > y;
}

static void note(struct cycle_result *r, const char *what, int i)
{
	r->failures++;
	if (!r->why[0])
		snprintf(r->why, sizeof(r->why), "cycle %d: %s: %s", i, what, strerror(errno));
}

/* Runs CYCLES save/continue cycles through FILE; fills R. */
static void cycles(const char *file, int n, struct cycle_result *r)
{
	struct readings *rd = shared_alloc(sizeof(*rd));
	struct timens_saved_clocks saved;
	struct timens_clocks start = { 5 * NSEC_PER_SEC, 7 * NSEC_PER_SEC };
	int64_t prev_last_mono = 0, prev_last_boot = 0;
	int i;

	if (timens_save_clocks(file, &start) < 0) {
		note(r, "first save", 0);
		return;
	}
	for (i = 0; i < n; i++) {
		struct timens_offset off;
		struct timens_clone_args a = { .flags = CLONE_NEWTIME, .exit_signal = SIGCHLD };
		struct timens_clocks at_end;
		pid_t pid;

		if (timens_load_clocks(file, &saved) < 0) {
			note(r, "load", i);
			return;
		}
		if (saved.clocks.monotonic_ns < prev_last_mono || saved.clocks.boottime_ns < prev_last_boot)
			r->backwards++;
		if (timens_offset_for_clocks(&saved.clocks, &off) < 0) {
			note(r, "offset_for_clocks", i);
			return;
		}
		a.timens_offset = to_u64(&off);
		pid = timens_clone3(&a, sizeof(a));
		if (pid == 0) {
			rd->first_mono = clock_ns(CLOCK_MONOTONIC);
			rd->first_boot = clock_ns(CLOCK_BOOTTIME);
			rd->last_mono = clock_ns(CLOCK_MONOTONIC);
			rd->last_boot = clock_ns(CLOCK_BOOTTIME);
			_exit(0);
		}
		if (pid < 0) {
			note(r, "timens_clone3", i);
			return;
		}
		wait_status(pid);
		/* What `timens run --save` does when the command has ended. */
		if (timens_clocks_at_offset(&off, &at_end) < 0 || timens_save_clocks(file, &at_end) < 0) {
			note(r, "save", i);
			return;
		}
		r->gap[i] = rd->first_mono - saved.clocks.monotonic_ns;
		if (rd->first_mono < saved.clocks.monotonic_ns ||
		    rd->first_boot < saved.clocks.boottime_ns) {
			int64_t back = saved.clocks.monotonic_ns - rd->first_mono;

			r->backwards++;
			if (back > r->worst_back)
				r->worst_back = back;
		}
		prev_last_mono = rd->last_mono;
		prev_last_boot = rd->last_boot;
		r->done++;
	}
}

static void report(struct cycle_result *r, int n, const char *what)
{
	int64_t s[CYCLES];

	tap_ok(r->done == n && r->failures == 0, "%s: %d of %d cycles ran (%s)", what, r->done, n,
	       r->why[0] ? r->why : "no failure");
	tap_ok(r->backwards == 0, "%s: no clock ever read below the saved value (%d did, worst %lld ns)",
	       what, r->backwards, (long long)r->worst_back);
	if (r->done) {
		memcpy(s, r->gap, sizeof(int64_t) * (size_t)r->done);
		qsort(s, (size_t)r->done, sizeof(int64_t), cmp64);
		tap_diag("%s: gap (first reading - saved) over %d cycles: min %lld us, median %lld us, "
			 "p99 %lld us, max %lld us", what, r->done, (long long)s[0] / 1000,
			 (long long)s[r->done / 2] / 1000, (long long)s[r->done * 99 / 100] / 1000,
			 (long long)s[r->done - 1] / 1000);
	}
}

static char tmp_dir[] = "/tmp/timens-cont-XXXXXX";

static char *tmp_file(const char *name)
{
	static int made;
	char *p;

	if (!made && !mkdtemp(tmp_dir))
		tap_bail("mkdtemp");
	made = 1;
	if (asprintf(&p, "%s/%s", tmp_dir, name) < 0)
		tap_bail("asprintf");
	return p;
}

static void write_text(const char *path, const char *text, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

	if (fd < 0 || write(fd, text, len) != (ssize_t)len)
		tap_bail("write %s", path);
	close(fd);
}

static void bad_files(void)
{
	static const char good_tail[] =
		"monotonic 1.000000000\nboottime 2.000000000\nrealtime 3.000000000\n"
		"boot_id 3e1c8a0e-6f1b-4d0e-9c1e-2b8a1f0d9e77\n";
	static const struct {
		const char *name, *text;
		int err;
	} bad[] = {
		{ "empty", "", EINVAL },
		{ "no newline", "timens-clocks 1", EINVAL },
		{ "wrong magic", "timens-clock 1\n", EINVAL },
		{ "version 2", "timens-clocks 2\nmonotonic 1.000000000\n", ENOTSUP },
		{ "version garbage", "timens-clocks 1x\n", EINVAL },
		{ "missing boottime", "timens-clocks 1\nmonotonic 1.000000000\nrealtime 3.000000000\n"
				      "boot_id unknown\n", EINVAL },
		{ "duplicate key", "timens-clocks 1\nmonotonic 1.000000000\nmonotonic 1.000000000\n"
				   "boottime 2.000000000\nrealtime 3.000000000\nboot_id unknown\n", EINVAL },
		{ "unknown key", "timens-clocks 1\nmonotonic 1.000000000\nboottime 2.000000000\n"
				 "realtime 3.000000000\nboot_id unknown\nfoo 1\n", EINVAL },
		{ "negative", "timens-clocks 1\nmonotonic -1.000000000\nboottime 2.000000000\n"
			      "realtime 3.000000000\nboot_id unknown\n", EINVAL },
		{ "8 ns digits", "timens-clocks 1\nmonotonic 1.00000000\nboottime 2.000000000\n"
				 "realtime 3.000000000\nboot_id unknown\n", EINVAL },
		{ "overflow", "timens-clocks 1\nmonotonic 99999999999.000000000\nboottime 2.000000000\n"
			      "realtime 3.000000000\nboot_id unknown\n", EINVAL },
		{ "truncated mid-line", "timens-clocks 1\nmonotonic 1.000000000\nboottime 2.0000", EINVAL },
		{ "bad boot_id", "timens-clocks 1\nmonotonic 1.000000000\nboottime 2.000000000\n"
				 "realtime 3.000000000\nboot_id ../../etc/passwd\n", EINVAL },
		{ "space before value", "timens-clocks 1\nmonotonic  1.000000000\nboottime 2.000000000\n"
					"realtime 3.000000000\nboot_id unknown\n", EINVAL },
	};
	struct timens_saved_clocks s;
	char *path = tmp_file("bad"), big[5000], good[512];

	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		write_text(path, bad[i].text, strlen(bad[i].text));
		memset(&s, 0x5a, sizeof(s));
		errno = 0;
		tap_ok(timens_load_clocks(path, &s) == -1 && errno == bad[i].err &&
		       ((unsigned char *)&s)[0] == 0x5a,
		       "bad file (%s): %s, nothing returned", bad[i].name, strerror(bad[i].err));
	}
	write_text(path, "timens-clocks 1\n\0monotonic", 26);
	tap_ok(timens_load_clocks(path, &s) == -1 && errno == EINVAL, "NUL byte: EINVAL");
	memset(big, '#', sizeof(big));
	memcpy(big, "timens-clocks 1\n", 16);
	big[sizeof(big) - 1] = '\n';
	write_text(path, big, sizeof(big));
	tap_ok(timens_load_clocks(path, &s) == -1 && errno == EFBIG, "5000-byte file: EFBIG");
	snprintf(good, sizeof(good), "timens-clocks 1\n# hand-written\n%s", good_tail);
	write_text(path, good, strlen(good));
	tap_ok(timens_load_clocks(path, &s) == 0 && s.clocks.monotonic_ns == NSEC_PER_SEC &&
	       s.clocks.boottime_ns == 2 * NSEC_PER_SEC && s.same_boot == 0,
	       "a hand-written file with a comment and another boot's id loads (same_boot %d)",
	       s.same_boot);
	tap_ok(timens_load_clocks("/nonexistent/x", &s) == -1 && errno == ENOENT, "missing file: ENOENT");
	{
		struct timens_clocks c = { 1, 1 };

		tap_ok(timens_save_clocks("/nonexistent/dir/x", &c) == -1 && errno == ENOENT,
		       "save into a missing folder: ENOENT");
		c.monotonic_ns = -1;
		tap_ok(timens_save_clocks(path, &c) == -1 && errno == EINVAL,
		       "save of a negative clock: EINVAL");
	}
	unlink(path);
	free(path);
}

/* Entries of DIR other than . and .. */
static int dir_entries(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;

	if (!d)
		tap_bail("opendir %s", dir);
	while ((e = readdir(d)))
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
			n++;
	closedir(d);
	return n;
}

/*
 * A saved file is created as open(2) creates any output file, 0666 less
 * the umask, both new and replacing one of another mode, and leaves no
 * temporary file behind.  (The folder is ours and gets no default ACL,
 * which would decide the mode instead of the umask.)
 */
static void save_modes(void)
{
	static const mode_t masks[] = { 022, 077, 002 };
	struct timens_clocks c = { 5 * NSEC_PER_SEC, 6 * NSEC_PER_SEC };
	char *path = tmp_file("mode");
	mode_t old = umask(0);
	struct stat st;
	size_t i;
	int k;

	umask(old);
	if (removexattr(tmp_dir, "system.posix_acl_default") < 0 && errno != ENODATA &&
	    errno != ENOTSUP)
		tap_bail("removexattr %s: %s", tmp_dir, strerror(errno));
	for (i = 0; i < sizeof(masks) / sizeof(masks[0]); i++) {
		mode_t want = 0666 & ~masks[i];

		for (k = 0; k < 2; k++) {
			/* k = 0: a new file; k = 1: replacing one of mode 0640. */
			unlink(path);
			if (k)
				write_text(path, "x\n", 2);
			if (k && chmod(path, 0640) < 0)
				tap_bail("chmod %s", path);
			umask(masks[i]);
			errno = 0;
			if (timens_save_clocks(path, &c) < 0 || stat(path, &st) < 0)
				st.st_mode = 0;
			umask(old);
			tap_ok((st.st_mode & 07777) == want && dir_entries(tmp_dir) == 1,
			       "umask %03o, %s: mode %04o (want %04o), no temporary file left (%d entries) %s",
			       (unsigned int)masks[i], k ? "replacing a 0640 file" : "a new file",
			       (unsigned int)(st.st_mode & 07777), (unsigned int)want,
			       dir_entries(tmp_dir), errno ? strerror(errno) : "");
		}
	}
	unlink(path);
	free(path);
}

/* SIGKILL a saver at random moments: the file is always whole. */
static void crash_during_save(void)
{
	char *path = tmp_file("crash");
	struct timens_clocks a = { 111 * NSEC_PER_SEC, 222 * NSEC_PER_SEC };
	struct timens_clocks b = { 333 * NSEC_PER_SEC + 1, 444 * NSEC_PER_SEC + 2 };
	struct timens_saved_clocks s;
	int i, bad = 0, kills = 0;

	if (timens_save_clocks(path, &a) < 0)
		tap_bail("save");
	srand(42);
	for (i = 0; i < 200; i++) {
		pid_t pid = fork();

		if (pid == 0) {
			for (;;) {
				timens_save_clocks(path, &b);
				timens_save_clocks(path, &a);
			}
		}
		usleep((useconds_t)(rand() % 3000));
		kill(pid, SIGKILL);
		kills++;
		wait_status(pid);
		if (timens_load_clocks(path, &s) < 0 ||
		    !((s.clocks.monotonic_ns == a.monotonic_ns && s.clocks.boottime_ns == a.boottime_ns) ||
		      (s.clocks.monotonic_ns == b.monotonic_ns && s.clocks.boottime_ns == b.boottime_ns)))
			bad++;
	}
	tap_ok(bad == 0, "%d saves killed at random moments: the file was always one whole save (%d not)",
	       kills, bad);
	unlink(path);
	free(path);
}

int main(int argc, char **argv)
{
	struct cycle_result *r;
	char *file;
	pid_t pid;
	int st;

	test_exec_hook(argc, argv);
	require_time_ns();
	require_root();

	r = shared_alloc(sizeof(*r));
	file = tmp_file("clocks");
	cycles(file, CYCLES, r);
	unlink(file);
	free(file);
	report(r, CYCLES, "host");

	/* The same from inside a namespace 50 days ahead and up to 3 days behind. */
	memset(r, 0, sizeof(*r));
	{
		struct timens_offset off = { 50 * 86400 * NSEC_PER_SEC, -3 * 86400 * NSEC_PER_SEC };
		struct timens_clone_args a = {
			.flags = CLONE_NEWTIME, .exit_signal = SIGCHLD, .timens_offset = to_u64(&off),
		};

		off.boottime_offset_ns = fit_negative(CLOCK_BOOTTIME, off.boottime_offset_ns);
		pid = timens_clone3(&a, sizeof(a));
		if (pid == 0) {
			file = tmp_file("nested");
			cycles(file, 200, r);
			unlink(file);
			free(file);
			_exit(0);
		}
		st = wait_status(pid);
		tap_ok(pid > 0 && WIFEXITED(st) && WEXITSTATUS(st) == 0, "nested: ran in an offset namespace");
	}
	report(r, 200, "nested");
	bad_files();
	save_modes();
	crash_during_save();
	rmdir(tmp_dir);
	return tap_done();
}
