// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Row 6: clock reads inside a time namespace against outside.  Two
 * worker processes, one made by timens_clone3() with +1d offsets and one
 * made plainly, take turns reading CLOCK_MONOTONIC and CLOCK_BOOTTIME
 * through the vDSO in a tight loop.  Inside a namespace the vDSO finds a
 * namespace page where the clock data would be and must follow it to the
 * real data and add the offset, so some cost is expected.  The raw
 * system call is measured too, to show that the vDSO rows are not
 * system calls.
 *
 *   bench-clock [--quick] [--rounds N] [--csv FILE]
 */
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "timens.h"
#include "bench.h"

static const struct timens_offset off = { 86400 * NSEC_PER_SEC, 86400 * NSEC_PER_SEC };

enum op { VDSO_MONO, VDSO_BOOT, SYS_MONO, NOPS };

static const char *const op_name[NOPS] = {
	"vDSO CLOCK_MONOTONIC",
	"vDSO CLOCK_BOOTTIME",
	"syscall CLOCK_MONOTONIC",
};

/* Nanoseconds per read, over N reads. */
static double reads(enum op op, long n)
{
	struct timespec ts;
	double t0;
	long i;

	t0 = now_us();
	for (i = 0; i < n; i++) {
		int r;

		switch (op) {
		case VDSO_MONO:
			r = clock_gettime(CLOCK_MONOTONIC, &ts);
			break;
		case VDSO_BOOT:
			r = clock_gettime(CLOCK_BOOTTIME, &ts);
			break;
		default:
			r = (int)syscall(SYS_clock_gettime, CLOCK_MONOTONIC, &ts);
		}
		if (r)
			die("bench-clock", "clock_gettime: %s", strerror(errno));
	}
	/* Differences of one clock: the namespace's offset cancels out. */
	return (now_us() - t0) * 1e3 / (double)n;
}

struct worker {
	pid_t pid;
	int cmd, res;
};

static void worker_loop(int cmd, int res, long n, long n_sys)
{
	double ns;
	int op;

	while (read(cmd, &op, sizeof(op)) == sizeof(op) && op >= 0) {
		ns = reads((enum op)op, op == SYS_MONO ? n_sys : n);
		if (write(res, &ns, sizeof(ns)) != sizeof(ns))
			_exit(1);
	}
	_exit(0);
}

static void worker_start(struct worker *w, int in_ns, long n, long n_sys)
{
	struct timens_clone_args a = { .exit_signal = SIGCHLD };
	int c[2], r[2];

	if (in_ns) {
		a.flags = CLONE_NEWTIME;
		a.timens_offset = (uint64_t)(uintptr_t)&off;
	}
	if (pipe(c) || pipe(r))
		die("bench-clock", "pipe: %s", strerror(errno));
	w->pid = timens_clone3(&a, sizeof(a));
	if (w->pid < 0)
		die("bench-clock", "timens_clone3: %s", strerror(errno));
	if (w->pid == 0) {
		close(c[1]);
		close(r[0]);
		worker_loop(c[0], r[1], n, n_sys);
	}
	close(c[0]);
	close(r[1]);
	w->cmd = c[1];
	w->res = r[0];
}

static double worker_batch(struct worker *w, int op)
{
	double ns;

	if (write(w->cmd, &op, sizeof(op)) != sizeof(op) ||
	    read(w->res, &ns, sizeof(ns)) != sizeof(ns))
		die("bench-clock", "worker %d died", (int)w->pid);
	return ns;
}

static void worker_stop(struct worker *w)
{
	int op = -1, status;

	if (write(w->cmd, &op, sizeof(op)) != sizeof(op) ||
	    waitpid(w->pid, &status, 0) != w->pid || status)
		die("bench-clock", "worker %d did not stop cleanly", (int)w->pid);
}

static ino_t time_ns_of(pid_t pid)
{
	char p[64];
	struct stat st;

	snprintf(p, sizeof(p), "/proc/%d/ns/time", (int)pid);
	if (stat(p, &st))
		die("bench-clock", "%s: %s", p, strerror(errno));
	return st.st_ino;
}

int main(int argc, char **argv)
{
	static char names[NOPS * 2][48];
	struct series s[NOPS * 2];
	struct worker w[2];
	struct bench_opts o;
	long n = 200000, n_sys = 20000;
	int r, i, k;

	if (bench_args(argc, argv, &o, 21))
		die(argv[0], "usage: bench-clock [--quick] [--rounds N] [--csv FILE]");
	if (o.quick) {
		n /= 4;
		n_sys /= 4;
	}
	for (i = 0; i < NOPS; i++)
		for (k = 0; k < 2; k++) {
			snprintf(names[i * 2 + k], sizeof(names[0]), "%s; %s", op_name[i],
				 k ? "in +1d namespace" : "outside");
			s[i * 2 + k] = (struct series){ names[i * 2 + k], k ? "timens" : "host",
							"ns/read", i * 2, "", {0} };
		}

	worker_start(&w[0], 0, n, n_sys);
	worker_start(&w[1], 1, n, n_sys);
	/* The point of the row: the second one really is elsewhere. */
	if (time_ns_of(w[1].pid) == time_ns_of(getpid()) ||
	    time_ns_of(w[0].pid) != time_ns_of(getpid()))
		die(argv[0], "the workers are not in the time namespaces intended");

	for (r = 0; r < o.rounds; r++)
		for (i = 0; i < NOPS; i++)
			for (k = 0; k < 2; k++)
				s[i * 2 + k].v[r] = worker_batch(&w[k], i);
	worker_stop(&w[0]);
	worker_stop(&w[1]);
	bench_report("clocks", s, NOPS * 2, o.rounds, &o);
	return 0;
}
