// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Saved clocks: a small text file, versioned, written atomically.
 *
 *     timens-clocks 1
 *     # comment lines are allowed
 *     monotonic 86400.000000123
 *     boottime 90000.500000000
 *     realtime 1795945200.000000000
 *     boot_id 3e1c8a0e-6f1b-4d0e-9c1e-2b8a1f0d9e77
 *
 * Every key exactly once, any order; seconds with exactly nine digits of
 * nanoseconds; every line ends with a newline; nothing else.  The file is
 * at most 4 KiB.  Anything else is refused with EINVAL (EFBIG when too
 * large, ENOTSUP for another version) and nothing is returned.
 *
 * A file from another boot is valid: continuing clocks across a reboot is
 * what it is for.  The loader says whether the boot is the same, so that
 * a caller can report it.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/random.h>

#include "internal.h"

#define SAVE_MAGIC "timens-clocks"
#define SAVE_VERSION 1
#define SAVE_MAX 4096
#define BOOT_ID_PATH "/proc/sys/kernel/random/boot_id"

static int read_boot_id(char *buf)
{
	int fd = open(BOOT_ID_PATH, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	buf[0] = '\0';
	if (fd < 0)
		return -1;
	n = read(fd, buf, TIMENS_BOOT_ID_LEN);
	close(fd);
	if (n != TIMENS_BOOT_ID_LEN) {
		buf[0] = '\0';
		return -1;
	}
	buf[TIMENS_BOOT_ID_LEN] = '\0';
	return 0;
}

static bool valid_boot_id(const char *s)
{
	size_t i;

	if (strlen(s) != TIMENS_BOOT_ID_LEN)
		return false;
	for (i = 0; i < TIMENS_BOOT_ID_LEN; i++) {
		bool dash = i == 8 || i == 13 || i == 18 || i == 23;

		if (dash ? s[i] != '-' : !strchr("0123456789abcdef", s[i]))
			return false;
	}
	return true;
}

/*
 * Creates .NAME.XXXXXXXX beside PATH (so that rename() replaces PATH
 * atomically) and returns its fd, the name in *TMP.  The mode is 0666
 * as open(2) reduces it, by the umask or the folder's default ACL, as
 * for any program's output file: mkstemp() would make it 0600 whatever
 * the umask says, and a chmod after it cannot know the ACL or read the
 * umask without changing it (which another thread may be doing).
 * O_EXCL makes a name someone else holds EEXIST, and we draw another;
 * the names are random so that nobody can take them all in advance.
 */
static int create_temp(const char *path, const char *slash, char **tmp)
{
	static const char digits[] = "0123456789abcdefghijklmnopqrstuv";
	int attempt, fd = -1;
	size_t len, i;
	char *x;

	if (asprintf(tmp, "%.*s.%s.XXXXXXXX", slash ? (int)(slash - path + 1) : 0, path,
		     slash ? slash + 1 : path) < 0) {
		*tmp = NULL;
		return -1;
	}
	len = strlen(*tmp);
	x = *tmp + len - 8;
	for (attempt = 0; attempt < 100; attempt++) {
		uint64_t r;
		struct timespec ts;

		if (getrandom(&r, sizeof(r), GRND_NONBLOCK) != (ssize_t)sizeof(r)) {
			/* Early in boot: unpredictable enough for a retry loop. */
			clock_gettime(CLOCK_MONOTONIC, &ts);
			r = ((uint64_t)ts.tv_nsec * 0x9e3779b97f4a7c15ULL) ^
			    ((uint64_t)getpid() << 32) ^ (uint64_t)attempt;
		}
		for (i = 0; i < 8; i++, r >>= 5)
			x[i] = digits[r & 31];
		fd = open(*tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
		if (fd >= 0 || errno != EEXIST)
			break;
	}
	if (fd < 0) {
		int err = errno;

		free(*tmp);
		*tmp = NULL;
		errno = err;
	}
	return fd;
}

static int format_ns(char *buf, size_t len, int64_t ns)
{
	return snprintf(buf, len, "%lld.%09lld", (long long)(ns / NSEC_PER_SEC),
			(long long)(ns % NSEC_PER_SEC));
}

/* "S.NNNNNNNNN", S >= 0; into a non-negative int64 of nanoseconds. */
static int parse_ns(const char *s, int64_t *out)
{
	int64_t sec = 0, nsec = 0;
	int digits = 0;

	if (*s < '0' || *s > '9')
		return -1;
	for (; *s >= '0' && *s <= '9'; s++)
		if (__builtin_mul_overflow(sec, 10, &sec) ||
		    __builtin_add_overflow(sec, *s - '0', &sec))
			return -1;
	if (*s++ != '.')
		return -1;
	for (; *s >= '0' && *s <= '9'; s++, digits++) {
		/* Nine digits exactly: a tenth is refused before it can overflow. */
		if (digits == 9)
			return -1;
		nsec = nsec * 10 + (*s - '0');
	}
	if (*s || digits != 9)
		return -1;
	if (__builtin_mul_overflow(sec, NSEC_PER_SEC, &sec) ||
	    __builtin_add_overflow(sec, nsec, out))
		return -1;
	return 0;
}

TIMENS_EXPORT int timens_save_clocks(const char *path, const struct timens_clocks *clocks)
{
	char text[512], mono[32], boot[32], real[32], boot_id[TIMENS_BOOT_ID_LEN + 1];
	char *tmp = NULL, *slash;
	struct timespec rt;
	int fd = -1, dfd = -1, len, err;
	ssize_t n;

	if (!path || !*path || !clocks || clocks->monotonic_ns < 0 || clocks->boottime_ns < 0) {
		errno = EINVAL;
		return -1;
	}
	clock_gettime(CLOCK_REALTIME, &rt);
	if (read_boot_id(boot_id) < 0)
		strcpy(boot_id, "unknown");
	format_ns(mono, sizeof(mono), clocks->monotonic_ns);
	format_ns(boot, sizeof(boot), clocks->boottime_ns);
	format_ns(real, sizeof(real), (int64_t)rt.tv_sec * NSEC_PER_SEC + rt.tv_nsec);
	len = snprintf(text, sizeof(text),
		       "%s %d\n# CLOCK_MONOTONIC and CLOCK_BOOTTIME of a time namespace, "
		       "seconds.nanoseconds; see timens_save_clocks(3)\n"
		       "monotonic %s\nboottime %s\nrealtime %s\nboot_id %s\n",
		       SAVE_MAGIC, SAVE_VERSION, mono, boot, real, boot_id);

	slash = strrchr(path, '/');
	fd = create_temp(path, slash, &tmp);
	if (fd < 0)
		goto fail;
	n = write(fd, text, (size_t)len);
	if (n != len) {
		if (n >= 0)
			errno = EIO;
		goto fail;
	}
	if (fsync(fd) < 0)
		goto fail;
	if (close(fd) < 0) {
		fd = -1;
		goto fail;
	}
	fd = -1;
	if (rename(tmp, path) < 0)
		goto fail;
	free(tmp);
	/* Make the rename itself durable. */
	if (slash) {
		char *dir = strndup(path, slash == path ? 1 : (size_t)(slash - path));

		if (dir)
			dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		free(dir);
	} else {
		dfd = open(".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	}
	if (dfd >= 0) {
		fsync(dfd);
		close(dfd);
	}
	return 0;
fail:
	err = errno;
	if (fd >= 0)
		close(fd);
	if (tmp) {
		unlink(tmp);
		free(tmp);
	}
	errno = err;
	return -1;
}

static int fail_with(int err)
{
	errno = err;
	return -1;
}

static int parse_text(char *text, struct timens_saved_clocks *out)
{
	enum { MONO = 1, BOOT = 2, REAL = 4, BOOT_ID = 8, ALL = 15 };
	char *line = text, *nl, *val;
	unsigned int seen = 0, bit;
	int version;
	char tail;

	nl = strchr(line, '\n');
	if (!nl)
		return fail_with(EINVAL);
	*nl = '\0';
	if (strncmp(line, SAVE_MAGIC " ", sizeof(SAVE_MAGIC)) ||
	    sscanf(line + sizeof(SAVE_MAGIC), "%d%c", &version, &tail) != 1)
		return fail_with(EINVAL);
	if (version != SAVE_VERSION)
		return fail_with(ENOTSUP);
	for (line = nl + 1; *line; line = nl + 1) {
		nl = strchr(line, '\n');
		if (!nl)
			return fail_with(EINVAL);	/* a cut line */
		*nl = '\0';
		if (line[0] == '#')
			continue;
		val = strchr(line, ' ');
		if (!val)
			return fail_with(EINVAL);
		*val++ = '\0';
		if (!strcmp(line, "monotonic"))
			bit = parse_ns(val, &out->clocks.monotonic_ns) ? 0 : MONO;
		else if (!strcmp(line, "boottime"))
			bit = parse_ns(val, &out->clocks.boottime_ns) ? 0 : BOOT;
		else if (!strcmp(line, "realtime"))
			bit = parse_ns(val, &out->realtime_ns) ? 0 : REAL;
		else if (!strcmp(line, "boot_id") && (valid_boot_id(val) || !strcmp(val, "unknown")))
			bit = BOOT_ID, snprintf(out->boot_id, sizeof(out->boot_id), "%s", val);
		else
			bit = 0;
		if (!bit || (seen & bit))
			return fail_with(EINVAL);
		seen |= bit;
	}
	if (seen != ALL)
		return fail_with(EINVAL);
	return 0;
}

TIMENS_EXPORT int timens_load_clocks(const char *path, struct timens_saved_clocks *saved)
{
	struct timens_saved_clocks out;
	char text[SAVE_MAX + 2], now_id[TIMENS_BOOT_ID_LEN + 1];
	size_t len = 0;
	ssize_t n;
	int fd;

	if (!path || !saved)
		return fail_with(EINVAL);
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return -1;
	do {
		n = read(fd, text + len, sizeof(text) - 1 - len);
		if (n > 0)
			len += (size_t)n;
	} while ((n > 0 || (n < 0 && errno == EINTR)) && len < sizeof(text) - 1);
	if (n < 0) {
		int err = errno;

		close(fd);
		return fail_with(err);
	}
	close(fd);
	if (len > SAVE_MAX)
		return fail_with(EFBIG);
	if (memchr(text, '\0', len))
		return fail_with(EINVAL);
	text[len] = '\0';
	memset(&out, 0, sizeof(out));
	if (parse_text(text, &out) < 0)
		return -1;
	if (!strcmp(out.boot_id, "unknown") || read_boot_id(now_id) < 0)
		out.same_boot = -1;
	else
		out.same_boot = !strcmp(now_id, out.boot_id);
	*saved = out;
	return 0;
}
