// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Row 3: whole command executions, as a shell would run them (fork,
 * exec, wait): `timens run -b 1d -- /bin/true` against util-linux's
 * `unshare --time --boottime 86400 /bin/true` and against the same with
 * --fork, with a bare /bin/true for scale.  Each round runs a small
 * batch of each command in turn.
 *
 *   bench-cli --timens PATH --unshare PATH [--quick] [--rounds N] [--csv FILE]
 *
 * Without a usable timens binary the timens rows are left out (said on
 * stderr) and the rest is still measured.
 */
#include <fcntl.h>
#include <unistd.h>
#include <sys/wait.h>

#include "bench.h"

enum cmd { TRUE, UNSHARE, UNSHARE_FORK, TIMENS, NCMDS };

extern char **environ;

/* fork + exec + wait ARGV; the exit status, or -1 if it did not exit. */
static int run_cmd(char *const argv[], int quiet)
{
	pid_t pid = fork();
	int status;

	if (pid < 0)
		die("bench-cli", "fork: %s", strerror(errno));
	if (pid == 0) {
		if (quiet) {
			int fd = open("/dev/null", O_WRONLY);

			/* Keep the table readable; the check run shows errors. */
			if (fd < 0 || dup2(fd, 1) < 0 || dup2(fd, 2) < 0)
				_exit(126);
		}
		execve(argv[0], argv, environ);
		_exit(127);
	}
	if (waitpid(pid, &status, 0) != pid)
		die("bench-cli", "waitpid: %s", strerror(errno));
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static double batch(char *const argv[], int iters)
{
	double t0 = now_us();
	int i;

	for (i = 0; i < iters; i++)
		if (run_cmd(argv, 1) != 0)
			die("bench-cli", "%s: failed during the benchmark", argv[0]);
	return (now_us() - t0) / iters;
}

int main(int argc, char **argv)
{
	char *timens = NULL, *unshare = NULL;
	char *cmds[NCMDS][8] = {
		{ "/bin/true", NULL },
		{ NULL, "--time", "--boottime", "86400", "/bin/true", NULL },
		{ NULL, "--fork", "--time", "--boottime", "86400", "/bin/true", NULL },
		{ NULL, "run", "-b", "1d", "--", "/bin/true", NULL },
	};
	struct series s[NCMDS + 1] = {
		{ "/bin/true", "exec", "us/run", 0, "", {0} },
		{ "unshare --time -b 86400 true", "util-linux", "us/run", 0, "", {0} },
		{ "unshare --fork --time -b 86400 true", "util-linux", "us/run", 0, "", {0} },
		{ "timens run -b 1d -- true", "timens", "us/run", UNSHARE, "<=0.90", {0} },
		{ "timens run (vs unshare --fork)", "timens", "us/run", UNSHARE_FORK, "<=0.70", {0} },
	};
	int iters = 10, n = NCMDS, r, i;
	struct bench_opts o;

	for (;;) {
		i = bench_args(argc, argv, &o, 21);
		if (!i)
			break;
		/* Take our own options out and let bench_args see the rest. */
		if (!strcmp(argv[i], "--timens") && i + 1 < argc)
			timens = argv[i + 1];
		else if (!strcmp(argv[i], "--unshare") && i + 1 < argc)
			unshare = argv[i + 1];
		else
			die(argv[0], "usage: bench-cli --timens PATH --unshare PATH [--quick] [--rounds N] [--csv FILE]");
		memmove(&argv[i], &argv[i + 2], sizeof(char *) * (size_t)(argc - i - 1));
		argc -= 2;
	}
	if (!unshare)
		die(argv[0], "--unshare PATH is required");
	if (o.quick)
		iters = 5;
	cmds[UNSHARE][0] = unshare;
	cmds[UNSHARE_FORK][0] = unshare;
	cmds[TIMENS][0] = timens;

	/* Every command must work once, visibly, before it is timed. */
	for (i = 0; i < NCMDS; i++) {
		if (i == TIMENS && (!timens || access(timens, X_OK))) {
			fprintf(stderr, "bench-cli: no timens binary (%s): timens rows left out\n",
				timens ? timens : "none given");
			n = TIMENS;
			break;
		}
		if (run_cmd(cmds[i], 0) != 0) {
			if (i != TIMENS)
				die(argv[0], "%s %s ... fails here", cmds[i][0], cmds[i][1] ? cmds[i][1] : "");
			fprintf(stderr, "bench-cli: `%s run -b 1d -- /bin/true` fails: timens rows left out\n",
				timens);
			n = TIMENS;
		}
	}

	for (r = 0; r < o.rounds; r++)
		for (i = 0; i < n; i++)
			s[i].v[r] = batch(cmds[i], iters);
	if (n == NCMDS) {
		memcpy(s[NCMDS].v, s[TIMENS].v, sizeof(s[TIMENS].v));
		n = NCMDS + 1;
	}
	bench_report("cli", s, n, o.rounds, &o);
	return 0;
}
