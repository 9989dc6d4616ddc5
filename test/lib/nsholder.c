// SPDX-License-Identifier: LGPL-2.1-or-later
#include "nsholder.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/syscall.h>
#include <sys/wait.h>

struct holder_msg {
	int err;
	pid_t member, thread;
};

static void split(int64_t ns, long long *sec, long *nsec)
{
	*sec = ns / NSEC_PER_SEC;
	*nsec = (long)(ns % NSEC_PER_SEC);
	if (*nsec < 0) {
		*nsec += NSEC_PER_SEC;
		*sec -= 1;
	}
}

int write_offsets_file(const char *path, const struct timens_offset *off)
{
	char buf[128];
	long long ms, bs;
	long mn, bn;
	int fd, len, err;
	ssize_t n;

	split(off->monotonic_offset_ns, &ms, &mn);
	split(off->boottime_offset_ns, &bs, &bn);
	len = snprintf(buf, sizeof(buf), "monotonic %lld %ld\nboottime %lld %ld\n",
		       ms, mn, bs, bn);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	n = write(fd, buf, (size_t)len);
	err = errno;
	close(fd);
	if (n != len) {
		errno = n < 0 ? err : EIO;
		return -1;
	}
	return 0;
}

struct idle_arg {
	int release;
	int tid_pipe;
};

static void *idle_thread(void *p)
{
	struct idle_arg *a = p;
	pid_t tid = (pid_t)syscall(SYS_gettid);
	char c;

	if (write(a->tid_pipe, &tid, sizeof(tid)) != (ssize_t)sizeof(tid))
		return NULL;
	/* Returns when the release pipe closes. */
	while (read(a->release, &c, 1) < 0 && errno == EINTR)
		;
	return NULL;
}

static _Noreturn void member_main(int release, int report, unsigned int flags)
{
	struct holder_msg m = { 0, getpid(), 0 };
	struct idle_arg a = { release, -1 };
	int tp[2];
	pthread_t t;
	char c;

	if (flags & NS_HOLDER_THREAD) {
		if (pipe2(tp, O_CLOEXEC) < 0) {
			m.err = errno;
		} else {
			a.tid_pipe = tp[1];
			if (pthread_create(&t, NULL, idle_thread, &a))
				m.err = EAGAIN;
			else if (read(tp[0], &m.thread, sizeof(m.thread)) != sizeof(m.thread))
				m.err = EIO;
		}
	}
	if (write(report, &m, sizeof(m)) != (ssize_t)sizeof(m))
		_exit(1);
	close(report);
	while (read(release, &c, 1) < 0 && errno == EINTR)
		;
	_exit(0);
}

static _Noreturn void creator_main(const struct timens_offset *off, int release,
				   int report, unsigned int flags)
{
	struct holder_msg m = { 0, 0, 0 };
	pid_t member;
	int st;

	if (unshare(CLONE_NEWTIME) < 0 ||
	    write_offsets_file("/proc/self/timens_offsets", off) < 0) {
		m.err = errno;
		if (write(report, &m, sizeof(m)) < 0)
			_exit(1);
		_exit(0);
	}
	member = fork();
	if (member < 0) {
		m.err = errno;
		if (write(report, &m, sizeof(m)) < 0)
			_exit(1);
		_exit(0);
	}
	if (member == 0)
		member_main(release, report, flags);
	close(report);
	close(release);
	while (waitpid(member, &st, 0) < 0 && errno == EINTR)
		;
	_exit(WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : 1);
}

int ns_holder_start(struct ns_holder *h, const struct timens_offset *off,
		    unsigned int flags)
{
	struct holder_msg m;
	int release[2], report[2];
	ssize_t n;

	memset(h, 0, sizeof(*h));
	if (pipe2(release, O_CLOEXEC) < 0)
		return -1;
	if (pipe2(report, O_CLOEXEC) < 0) {
		close(release[0]);
		close(release[1]);
		return -1;
	}
	fflush(stdout);
	h->creator = fork();
	if (h->creator < 0)
		tap_bail("fork: %s", strerror(errno));
	if (h->creator == 0) {
		close(release[1]);
		close(report[0]);
		creator_main(off, release[0], report[1], flags);
	}
	close(release[0]);
	close(report[1]);
	h->release_fd = release[1];
	n = read(report[0], &m, sizeof(m));
	close(report[0]);
	if (n != (ssize_t)sizeof(m))
		m.err = EIO;
	if (m.err) {
		ns_holder_stop(h);
		errno = m.err;
		return -1;
	}
	h->member = m.member;
	h->member_thread = m.thread;
	return 0;
}

int ns_holder_stop(struct ns_holder *h)
{
	int st;

	if (h->release_fd > 0)
		close(h->release_fd);
	h->release_fd = -1;
	if (h->creator <= 0)
		return 0;
	st = wait_status(h->creator);
	h->creator = 0;
	return st >= 0 && WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : -1;
}
