// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Row 3: whole command executions, as a shell would run them (fork,
 * exec, wait): `timens run -b 1d -- /bin/true` against util-linux's
 * `unshare --time --boottime 86400 /bin/true` and against the same with
 * --fork, with a bare /bin/true for scale.  Each round runs a small
 * batch of each command in turn.
 *
 *   bench-cli --unshare PATH [--timens PATH] [--timens-static PATH]
 *             [--quick] [--rounds N] [--csv FILE]
 *
 * --timens-static names the same tool linked with -static (bench/run
 * links it from the tool's objects): it shows what the dynamic loader
 * costs a short-lived tool.  Without a usable binary a row is left out
 * (said on stderr) and the rest is still measured.
 */
#include <fcntl.h>
#include <unistd.h>
#include <sys/wait.h>

#include "bench.h"

enum cmd { TRUE, UNSHARE, UNSHARE_FORK, TIMENS, TIMENS_STATIC, NCMDS };

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
	char *unshare = NULL;
	char *cmds[NCMDS][8] = {
		{ "/bin/true", NULL },
		{ NULL, "--time", "--boottime", "86400", "/bin/true", NULL },
		{ NULL, "--fork", "--time", "--boottime", "86400", "/bin/true", NULL },
		{ NULL, "run", "-b", "1d", "--", "/bin/true", NULL },
		{ NULL, "run", "-b", "1d", "--", "/bin/true", NULL },
	};
	/* The measured commands, then the timens rows again against --fork. */
	struct series s[NCMDS + 2] = {
		{ "/bin/true", "exec", "us/run", TRUE, "", {0} },
		{ "unshare --time -b 86400 true", "util-linux", "us/run", TRUE, "", {0} },
		{ "unshare --fork --time -b 86400 true", "util-linux", "us/run", TRUE, "", {0} },
		{ "timens run -b 1d -- true", "timens", "us/run", UNSHARE, "<=0.90", {0} },
		{ "timens run (static build)", "timens-static", "us/run", UNSHARE, "", {0} },
		{ "timens run (vs unshare --fork)", "timens", "us/run", UNSHARE_FORK, "<=0.70", {0} },
		{ "timens run (static; vs --fork)", "timens-static", "us/run", UNSHARE_FORK, "", {0} },
	};
	static const int copy_of[NCMDS + 2] = { -1, -1, -1, -1, -1, TIMENS, TIMENS_STATIC };
	int present[NCMDS + 2] = { 1, 1, 1, 0, 0, 0, 0 }, newidx[NCMDS + 2];
	struct series out[NCMDS + 2];
	int iters = 10, n, r, i;
	struct bench_opts o;

	for (;;) {
		i = bench_args(argc, argv, &o, 31);
		if (!i)
			break;
		/* Take our own options out and let bench_args see the rest. */
		if (!strcmp(argv[i], "--timens") && i + 1 < argc)
			cmds[TIMENS][0] = argv[i + 1];
		else if (!strcmp(argv[i], "--timens-static") && i + 1 < argc)
			cmds[TIMENS_STATIC][0] = argv[i + 1];
		else if (!strcmp(argv[i], "--unshare") && i + 1 < argc)
			unshare = argv[i + 1];
		else
			die(argv[0], "usage: bench-cli --unshare PATH [--timens PATH] [--timens-static PATH] [--quick] [--rounds N] [--csv FILE]");
		memmove(&argv[i], &argv[i + 2], sizeof(char *) * (size_t)(argc - i - 1));
		argc -= 2;
	}
	if (!unshare)
		die(argv[0], "--unshare PATH is required");
	if (o.quick)
		iters = 5;
	cmds[UNSHARE][0] = unshare;
	cmds[UNSHARE_FORK][0] = unshare;

	/* Every command must work once, visibly, before it is timed. */
	for (i = 0; i < NCMDS; i++) {
		if (i >= TIMENS) {
			if (!cmds[i][0] || access(cmds[i][0], X_OK)) {
				fprintf(stderr, "bench-cli: no %s binary: its rows are left out\n",
					s[i].path);
				continue;
			}
			if (run_cmd(cmds[i], 0) != 0) {
				fprintf(stderr, "bench-cli: `%s run -b 1d -- /bin/true` fails: its rows are left out\n",
					cmds[i][0]);
				continue;
			}
			present[i] = 1;
			continue;
		}
		if (run_cmd(cmds[i], 0) != 0)
			die(argv[0], "%s %s ... fails here", cmds[i][0], cmds[i][1] ? cmds[i][1] : "");
	}

	for (r = 0; r < o.rounds; r++)
		for (i = 0; i < NCMDS; i++)
			if (present[i])
				s[i].v[r] = batch(cmds[i], iters);
	for (i = NCMDS; i < NCMDS + 2; i++) {
		present[i] = present[copy_of[i]];
		memcpy(s[i].v, s[copy_of[i]].v, sizeof(s[i].v));
	}
	/* Leave out what was not measured; bases are never left out. */
	for (i = 0, n = 0; i < NCMDS + 2; i++)
		newidx[i] = present[i] ? n++ : -1;
	for (i = 0; i < NCMDS + 2; i++) {
		if (!present[i])
			continue;
		out[newidx[i]] = s[i];
		out[newidx[i]].base = newidx[s[i].base];
	}
	bench_report("cli", out, n, o.rounds, &o);
	return 0;
}
