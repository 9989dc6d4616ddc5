// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Row 7: kernel memory per live time namespace.  Each round makes N
 * children that stay alive, each in its own time namespace
 * (timens_clone3 with +1d), reads the kernel's counters, lets them go,
 * then does the same with N plain children (clone3).  Per child and per
 * round: (after - before) / N; per namespace: namespaced minus plain in
 * the same round.
 *
 * Counters, and why:
 *  - our memory cgroup's kernel memory (v1 memory.kmem.usage_in_bytes,
 *    v2 memory.stat "kernel"): everything allocated with __GFP_ACCOUNT
 *    on our behalf, which is what a time namespace costs: the struct
 *    time_namespace and the page that backs its vDSO clock data (a whole
 *    page, from alloc_page(), counted in no /proc/meminfo field), plus
 *    the new nsproxy the child needs.  Charged in per-CPU batches, hence
 *    many children per round and the median of rounds.
 *  - /proc/meminfo Slab: the small objects only (system-wide, so other
 *    load shows up as noise);
 *  - /proc/meminfo KernelStack + PageTables: what any process costs,
 *    expected to be the same with and without a namespace.
 *
 *   bench-nsmem [--quick] [--rounds N] [--children N] [--csv FILE]
 */
#include <stdint.h>
#include <unistd.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "timens.h"
#include "bench.h"

#define MAXCHILDREN 2000
#define SETTLE_US 250000

static const struct timens_offset off = { 86400 * NSEC_PER_SEC, 86400 * NSEC_PER_SEC };

enum metric { CGROUP_KMEM, SLAB, STACK_PT, NMETRICS };

static const char *const metric_name[NMETRICS] = {
	"cgroup kmem",
	"meminfo Slab",
	"meminfo KernelStack+PageTables",
};

static char kmem_file[640];	/* empty: no cgroup memory accounting found */
static int kmem_v2;		/* memory.stat "kernel" rather than a counter */

/* Our memory cgroup's kernel-memory counter, v1 or v2, if it can be read. */
static void find_kmem(void)
{
	char line[512], path[640];
	FILE *f = fopen("/proc/self/cgroup", "r");

	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		char *p = strchr(line, ':'), *q;

		if (!p || !(q = strchr(p + 1, ':')))
			continue;
		q[strcspn(q, "\n")] = '\0';
		if (!strncmp(p, ":memory:", 8) || strstr(p, ",memory:")) {
			snprintf(path, sizeof(path), "/sys/fs/cgroup/memory%s/memory.kmem.usage_in_bytes",
				 q + 1);
			kmem_v2 = 0;
		} else if (!strncmp(p, "::", 2)) {
			snprintf(path, sizeof(path), "/sys/fs/cgroup%s/memory.stat", q + 1);
			kmem_v2 = 1;
		} else {
			continue;
		}
		if (access(path, R_OK) == 0) {
			snprintf(kmem_file, sizeof(kmem_file), "%s", path);
			/* v1 memory wins over a v2 hierarchy without it. */
			if (!kmem_v2)
				break;
		}
	}
	fclose(f);
}

static double read_kmem(void)
{
	char key[64];
	unsigned long long v = 0, x;
	FILE *f;

	if (!kmem_file[0])
		return 0;
	f = fopen(kmem_file, "r");
	if (!f)
		die("bench-nsmem", "%s: %s", kmem_file, strerror(errno));
	if (!kmem_v2) {
		if (fscanf(f, "%llu", &v) != 1)
			die("bench-nsmem", "%s: unreadable", kmem_file);
	} else {
		while (fscanf(f, "%63s %llu", key, &x) == 2)
			if (!strcmp(key, "kernel"))
				v = x;
	}
	fclose(f);
	return (double)v;
}

static void read_counters(double c[NMETRICS])
{
	char key[64];
	unsigned long long kb;
	FILE *f = fopen("/proc/meminfo", "r");

	if (!f)
		die("bench-nsmem", "/proc/meminfo: %s", strerror(errno));
	c[SLAB] = c[STACK_PT] = 0;
	while (fscanf(f, "%63s %llu kB\n", key, &kb) == 2) {
		if (!strcmp(key, "Slab:"))
			c[SLAB] = (double)kb * 1024;
		else if (!strcmp(key, "KernelStack:") || !strcmp(key, "PageTables:"))
			c[STACK_PT] += (double)kb * 1024;
	}
	fclose(f);
	c[CGROUP_KMEM] = read_kmem();
}

/* Bytes per child of each counter, N live children made one way. */
static const char *batch(int timens, int n, double per_child[NMETRICS])
{
	struct timens_clone_args a = { .exit_signal = SIGCHLD };
	static pid_t pids[MAXCHILDREN];
	double before[NMETRICS], after[NMETRICS];
	int hold[2], i;
	char c;

	if (timens) {
		a.flags = CLONE_NEWTIME;
		a.timens_offset = (uint64_t)(uintptr_t)&off;
	}
	if (pipe(hold))
		die("bench-nsmem", "pipe: %s", strerror(errno));
	/*
	 * The previous batch's tasks and stacks are freed after an RCU grace
	 * period and from work queues, not at waitpid(): let that finish,
	 * or it lands in this batch's figures.
	 */
	usleep(SETTLE_US);
	read_counters(before);
	for (i = 0; i < n; i++) {
		long pid = timens ? timens_clone3(&a, sizeof(a))
				  : syscall(SYS_clone3, &a, TIMENS_CLONE_ARGS_SIZE_VER2);

		if (pid == 0) {
			/* Stay alive, namespace and all, until the pipe closes. */
			close(hold[1]);
			if (read(hold[0], &c, 1) < 0)
				_exit(1);
			_exit(0);
		}
		if (pid < 0)
			die("bench-nsmem", "clone: %s", strerror(errno));
		pids[i] = (pid_t)pid;
	}
	read_counters(after);
	close(hold[1]);
	close(hold[0]);
	for (i = 0; i < n; i++)
		if (waitpid(pids[i], NULL, 0) != pids[i])
			die("bench-nsmem", "waitpid: %s", strerror(errno));
	for (i = 0; i < NMETRICS; i++)
		per_child[i] = (after[i] - before[i]) / n;
	return timens ? timens_path_name(timens_last_path()) : "kernel";
}

int main(int argc, char **argv)
{
	static char names[NMETRICS * 3][64];
	struct series s[NMETRICS * 3];
	double pc[2][NMETRICS];
	struct bench_opts o;
	int n = 400, r, i, k, m, nm;

	i = bench_args(argc, argv, &o, 9);
	if (i && !strcmp(argv[i], "--children") && i + 1 < argc)
		n = atoi(argv[i + 1]);
	else if (i)
		die(argv[0], "usage: bench-nsmem [--quick] [--rounds N] [--children N] [--csv FILE]");
	if (o.quick)
		n = 100;
	if (n < 1 || n > MAXCHILDREN)
		die(argv[0], "--children must be 1..%d", MAXCHILDREN);

	find_kmem();
	if (!kmem_file[0])
		fprintf(stderr, "bench-nsmem: no readable memory cgroup counter: cgroup rows left out\n");
	for (m = 0; m < NMETRICS; m++) {
		static const char *const what[3] = { "plain child", "child in own timens",
						      "per time namespace" };

		for (k = 0; k < 3; k++) {
			snprintf(names[m * 3 + k], sizeof(names[0]), "%s; %s", metric_name[m], what[k]);
			s[m * 3 + k] = (struct series){ names[m * 3 + k], k == 1 ? "?" : "kernel",
							k == 2 ? "B/ns" : "B/child",
							k == 1 ? m * 3 : m * 3 + k, "", {0} };
			if (k == 2)
				s[m * 3 + k].path = "-";
		}
	}
	for (r = 0; r < o.rounds; r++) {
		/* Alternate which goes first, so neither always meets a warm cache. */
		for (k = 0; k < 2; k++) {
			int timens = (r + k) % 2;
			const char *p = batch(timens, n, pc[timens]);

			if (timens)
				for (m = 0; m < NMETRICS; m++)
					s[m * 3 + 1].path = p;
		}
		for (m = 0; m < NMETRICS; m++) {
			s[m * 3].v[r] = pc[0][m];
			s[m * 3 + 1].v[r] = pc[1][m];
			s[m * 3 + 2].v[r] = pc[1][m] - pc[0][m];
		}
	}
	nm = kmem_file[0] ? 0 : 1;
	printf("# nsmem: %d children a batch; cgroup counter: %s\n", n,
	       kmem_file[0] ? (kmem_v2 ? "v2 memory.stat kernel" : "v1 memory.kmem.usage_in_bytes")
			    : "none");
	/* Row indices are relative to the first one reported. */
	for (i = nm * 3; i < NMETRICS * 3; i++)
		s[i].base -= nm * 3;
	bench_report("nsmem", s + nm * 3, (NMETRICS - nm) * 3, o.rounds, &o);
	return 0;
}
