// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Row 2: timens_spawn() of /bin/true with offsets against posix_spawn()
 * of /bin/true, each followed by waitpid().
 *
 * Row 5: the same from a caller that holds 1 MiB and one that holds
 * 1 GiB of touched memory.  Each size lives in its own worker process
 * (forked before anything is allocated) and the two take turns, batch
 * by batch, so that both are measured in the same minutes.  A spawn that
 * copies the caller (fork + exec, timens_spawn's fork path) pays for the
 * page tables; one that shares it (posix_spawn, timens_spawn's vfork
 * path) should not see the size at all.
 *
 *   bench-spawn [--quick] [--rounds N] [--csv FILE]
 */
#include <spawn.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/wait.h>

#include "timens.h"
#include "internal.h"
#include "bench.h"

enum method { POSIX_SPAWN, TIMENS_SPAWN, TIMENS_SPAWN_FORK, FORK_EXEC, NMETHODS };

static const char *const method_name[NMETHODS] = {
	"posix_spawn true",
	"timens_spawn +1d true",
	"timens_spawn +1d true (fork path)",
	"fork + exec true",
};

static const struct timens_offset off = { 86400 * NSEC_PER_SEC, 86400 * NSEC_PER_SEC };
static char *const true_argv[] = { "/bin/true", NULL };
extern char **environ;

struct result {
	double us;
	int path;		/* enum timens_path, or -1 */
};

/* One spawn + wait of /bin/true by method M; returns the pid reaped. */
static void spawn_once(enum method m)
{
	TIMENS_SPAWN_OPTS(so, .offset = &off);
	pid_t pid = -1;
	int status, err = 0;

	switch (m) {
	case POSIX_SPAWN:
		err = posix_spawn(&pid, "/bin/true", NULL, NULL, true_argv, environ);
		break;
	case TIMENS_SPAWN:
	case TIMENS_SPAWN_FORK:
		if (timens_spawn(&pid, "/bin/true", true_argv, NULL, &so))
			err = errno;
		break;
	case FORK_EXEC:
		pid = fork();
		if (pid == 0) {
			execve("/bin/true", true_argv, environ);
			_exit(127);
		}
		if (pid < 0)
			err = errno;
		break;
	default:
		err = EINVAL;
	}
	if (err)
		die("bench-spawn", "%s: %s", method_name[m], strerror(err));
	if (waitpid(pid, &status, 0) != pid)
		die("bench-spawn", "waitpid: %s", strerror(errno));
	if (!WIFEXITED(status) || WEXITSTATUS(status))
		die("bench-spawn", "%s: /bin/true failed (status %#x)", method_name[m], status);
}

static struct result batch(enum method m, int iters)
{
	struct result res = { 0, -1 };
	double t0;
	int i;

	timens__force_path(m == TIMENS_SPAWN_FORK ? TIMENS_PATH_SPAWN_FORK : TIMENS_PATH_NONE);
	t0 = now_us();
	for (i = 0; i < iters; i++)
		spawn_once(m);
	res.us = (now_us() - t0) / iters;
	if (m == TIMENS_SPAWN || m == TIMENS_SPAWN_FORK)
		res.path = timens_last_path();
	timens__force_path(TIMENS_PATH_NONE);
	return res;
}

/* A caller of a given size, waiting for orders on a pipe. */
struct worker {
	pid_t pid;
	int cmd;		/* we write a method, or -1 to stop */
	int res;		/* it writes a struct result */
};

static void worker_loop(size_t bytes, int cmd, int res, int iters)
{
	struct result r;
	char *mem;
	int m;

	/* Touched, so that every page is mapped and has a page-table entry. */
	mem = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (mem == MAP_FAILED)
		die("bench-spawn", "mmap %zu bytes: %s", bytes, strerror(errno));
	memset(mem, 1, bytes);
	while (read(cmd, &m, sizeof(m)) == sizeof(m) && m >= 0) {
		r = batch((enum method)m, iters);
		if (write(res, &r, sizeof(r)) != sizeof(r))
			_exit(1);
	}
	_exit(0);
}

static void worker_start(struct worker *w, size_t bytes, int iters)
{
	int c[2], r[2];

	if (pipe(c) || pipe(r))
		die("bench-spawn", "pipe: %s", strerror(errno));
	w->pid = fork();
	if (w->pid < 0)
		die("bench-spawn", "fork: %s", strerror(errno));
	if (w->pid == 0) {
		close(c[1]);
		close(r[0]);
		worker_loop(bytes, c[0], r[1], iters);
	}
	close(c[0]);
	close(r[1]);
	w->cmd = c[1];
	w->res = r[0];
}

static struct result worker_batch(struct worker *w, int m)
{
	struct result r;

	if (write(w->cmd, &m, sizeof(m)) != sizeof(m) ||
	    read(w->res, &r, sizeof(r)) != sizeof(r))
		die("bench-spawn", "worker %d died", (int)w->pid);
	return r;
}

static void worker_stop(struct worker *w)
{
	int m = -1, status;

	if (write(w->cmd, &m, sizeof(m)) != sizeof(m) ||
	    waitpid(w->pid, &status, 0) != w->pid || status)
		die("bench-spawn", "worker %d did not stop cleanly", (int)w->pid);
	close(w->cmd);
	close(w->res);
}

static const char *path_of(int p)
{
	return p < 0 ? "libc" : timens_path_name((enum timens_path)p);
}

int main(int argc, char **argv)
{
	/* Row 2: methods in this (small) process; baseline posix_spawn. */
	struct series s2[NMETHODS];
	/* Row 5: [method * 2 + big]. */
	struct series s5[NMETHODS * 2];
	static char names[NMETHODS * 2][64];
	struct worker w[2];
	struct bench_opts o;
	int iters = 20, big_iters = 5, r, m, k;

	if (bench_args(argc, argv, &o, 31))
		die(argv[0], "usage: bench-spawn [--quick] [--rounds N] [--csv FILE]");
	if (o.quick)
		iters = 10;

	memset(s2, 0, sizeof(s2));
	memset(s5, 0, sizeof(s5));
	for (m = 0; m < NMETHODS; m++) {
		s2[m] = (struct series){ method_name[m], "libc", "us/spawn", POSIX_SPAWN,
					 m == TIMENS_SPAWN ? "<=1.05" : "", {0} };
		for (k = 0; k < 2; k++) {
			struct series *x = &s5[m * 2 + k];

			snprintf(names[m * 2 + k], sizeof(names[0]), "%s; %s caller",
				 method_name[m], k ? "1 GiB" : "1 MiB");
			*x = (struct series){ names[m * 2 + k], "libc", "us/spawn",
					      k ? m * 2 : POSIX_SPAWN * 2,
					      /* posix_spawn's growth is the reference */
					      k && m == TIMENS_SPAWN ? "<=1.10" : "", {0} };
		}
	}

	/* Workers first, while we are small: they are forks of us. */
	worker_start(&w[0], 1UL << 20, big_iters);
	worker_start(&w[1], 1UL << 30, big_iters);

	for (r = 0; r < o.rounds; r++) {
		for (m = 0; m < NMETHODS; m++) {
			struct result res = batch((enum method)m, iters);

			s2[m].v[r] = res.us;
			s2[m].path = path_of(res.path);
			for (k = 0; k < 2; k++) {
				res = worker_batch(&w[k], m);
				s5[m * 2 + k].v[r] = res.us;
				s5[m * 2 + k].path = path_of(res.path);
			}
		}
	}
	worker_stop(&w[0]);
	worker_stop(&w[1]);

	bench_report("spawn", s2, NMETHODS, o.rounds, &o);
	bench_report("caller-size", s5, NMETHODS * 2, o.rounds, &o);
	return 0;
}
