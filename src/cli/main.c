// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * timens: run commands in new time namespaces, inspect and join them.
 *
 * This file dispatches to the subcommands and holds what they share:
 * messages, exit statuses, argument parsing, executing COMMAND.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/auxv.h>

#include "cli.h"

#ifndef TIMENS_VERSION
#define TIMENS_VERSION "unknown"
#endif

static const char *prog = "timens";

static void vmessage(const char *fmt, va_list ap, int err)
{
	fflush(stdout);
	fprintf(stderr, "%s: ", prog);
	vfprintf(stderr, fmt, ap);
	if (err)
		fprintf(stderr, ": %s", strerror(err));
	fputc('\n', stderr);
}

void cli_err(int status, const char *fmt, ...)
{
	int err = errno;
	va_list ap;

	va_start(ap, fmt);
	vmessage(fmt, ap, err);
	va_end(ap);
	exit(status);
}

void cli_errx(int status, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmessage(fmt, ap, 0);
	va_end(ap);
	exit(status);
}

void cli_warn(const char *fmt, ...)
{
	int err = errno;
	va_list ap;

	va_start(ap, fmt);
	vmessage(fmt, ap, err);
	va_end(ap);
}

void cli_warnx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmessage(fmt, ap, 0);
	va_end(ap);
}

void cli_usage_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmessage(fmt, ap, 0);
	va_end(ap);
	fprintf(stderr, "Try '%s --help' for more information.\n", prog);
	exit(EXIT_TIMENS);
}

int cli_getopt(int argc, char **argv, const char *shortopts,
	       const struct option *longopts)
{
	int c;

	opterr = 0;
	c = getopt_long(argc, argv, shortopts, longopts, NULL);
	switch (c) {
	case 'h':
		cli_help(argv[0]);
		exit(0);
	case ':':
		cli_usage_error("option '%s' requires an argument", argv[optind - 1]);
	case '?':
		if (optopt && optopt < 128 && argv[optind - 1][1] != '-')
			cli_usage_error("invalid option -- '%c'", optopt);
		cli_usage_error("unrecognized option '%s'", argv[optind - 1]);
	}
	return c;
}

pid_t cli_parse_pid(const char *text)
{
	const char *p = text;
	long v = 0;

	if (!*p)
		cli_usage_error("invalid PID: ''");
	for (; *p; p++) {
		if (*p < '0' || *p > '9' || v > INT_MAX / 10)
			cli_usage_error("invalid PID: '%s'", text);
		v = v * 10 + (*p - '0');
	}
	if (v <= 0 || v > INT_MAX)
		cli_usage_error("invalid PID: '%s'", text);
	return (pid_t)v;
}

int64_t cli_parse_offset(const char *option, const char *text)
{
	int64_t ns;

	if (timens_parse_offset(text, &ns) == 0)
		return ns;
	if (errno == ERANGE)
		cli_usage_error("%s: '%s' is out of range (at most about 292 years)",
				option, text);
	cli_usage_error("%s: invalid value '%s' (seconds, or units as in 100d, 1h30m, 1.5s, 250ms)",
			option, text);
}

const char *cli_format_offset(int64_t ns, char *buf)
{
	if (timens_format_offset(ns, buf, TIMENS_OFFSET_STRLEN) < 0)
		snprintf(buf, TIMENS_OFFSET_STRLEN, "%lldns", (long long)ns);
	return buf;
}

void cli_exec_failed(const char *command, int err)
{
	switch (err) {
	case ENOENT:
		if (!strchr(command, '/'))
			cli_errx(EXIT_NOT_FOUND, "%s: command not found", command);
		/* fall through */
	case ENOTDIR:
	case ELOOP:
	case ENAMETOOLONG:
		errno = err;
		cli_err(EXIT_NOT_FOUND, "failed to execute %s", command);
	default:
		errno = err;
		cli_err(EXIT_CANNOT_RUN, "failed to execute %s", command);
	}
}

void cli_exec(char *const argv[])
{
	fflush(NULL);
	execvp(argv[0], argv);
	cli_exec_failed(argv[0], errno);
}

struct subcommand {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *synopsis;
	const char *help;
};

static const struct subcommand subcommands[] = {
	{ "run", cmd_run,
	  "run [OPTIONS] [--] COMMAND [ARG]...",
	  "Run COMMAND in a new time namespace.\n"
	  "  -m, --monotonic OFFSET     CLOCK_MONOTONIC offset (absolute)\n"
	  "  -b, --boottime OFFSET      CLOCK_BOOTTIME offset (absolute)\n"
	  "      --monotonic-value VAL  CLOCK_MONOTONIC reads VAL at start\n"
	  "      --uptime VAL           CLOCK_BOOTTIME (/proc/uptime) reads VAL at start\n"
	  "  -U, --user                 unprivileged: new user namespace, same uid/gid\n"
	  "  -r, --map-root-user        new user namespace, mapped to root\n"
	  "  -f, --fork                 stay as parent: wait and pass the status on\n"
	  "      --save FILE            save the clocks to FILE when COMMAND ends or\n"
	  "                             timens is told to stop (implies --fork)\n"
	  "      --continue FILE        start the clocks where FILE left them\n" },
	{ "save", cmd_save,
	  "save PID FILE",
	  "Save the clocks of PID's time namespace to FILE.\n" },
	{ "show", cmd_show,
	  "show [-J|--json] [PID]",
	  "Show the time namespace of PID (default: timens itself).\n"
	  "  -J, --json                 JSON output\n" },
	{ "list", cmd_list,
	  "list [-J|--json]",
	  "List every time namespace with its offsets.\n"
	  "  -J, --json                 JSON output\n" },
	{ "enter", cmd_enter,
	  "enter PID [--] COMMAND [ARG]...",
	  "Run COMMAND in the time namespace of PID.\n" },
	{ "probe", cmd_probe,
	  "probe [-J|--json]",
	  "Report what the kernel supports and what this user may do.\n"
	  "  -J, --json                 JSON output\n" },
};
#define N_SUBCOMMANDS (sizeof(subcommands) / sizeof(subcommands[0]))

void cli_help(const char *subcommand)
{
	size_t i;

	if (!subcommand) {
		printf("Usage:\n");
		for (i = 0; i < N_SUBCOMMANDS; i++)
			printf("  %s %s\n", prog, subcommands[i].synopsis);
		printf("  %s --help | --version\n\n", prog);
	}
	for (i = 0; i < N_SUBCOMMANDS; i++) {
		if (subcommand && strcmp(subcommand, subcommands[i].name))
			continue;
		if (subcommand)
			printf("Usage: %s %s\n\n", prog, subcommands[i].synopsis);
		else
			printf("%s:\n", subcommands[i].name);
		printf("%s\n", subcommands[i].help);
	}
	printf("OFFSET and VAL are seconds (86400, -1.5) or take units ns us ms s m h d w\n"
	       "(100d, 1h30m, +250ms).  Offsets are relative to the host's clocks.\n"
	       "See timens(1).\n");
}

/* Reports write errors on stdout (a full disk, a closed pipe) as failures. */
static void close_stdout(void)
{
	if (fflush(stdout) != 0 || ferror(stdout)) {
		cli_warn("write error");
		_exit(EXIT_TIMENS);
	}
}

/*
 * timens must never be installed setuid, setgid or with file
 * capabilities: it would let every user create time namespaces with any
 * offsets, enter other users' namespaces and exec as root.  The kernel
 * marks such an exec AT_SECURE; refuse before reading any argument.
 * Unprivileged users have -U, which grants what a user namespace does.
 */
static void refuse_privileged_exec(void)
{
	if (!getauxval(AT_SECURE) && getuid() == geteuid() && getgid() == getegid())
		return;
	fprintf(stderr, "%s: refusing to run setuid, setgid or with file capabilities; "
		"run it as root, or unprivileged with -U (a user namespace)\n", prog);
	/* Leave at once: no exit handler runs with borrowed privileges. */
	_exit(EXIT_TIMENS);
}

int main(int argc, char **argv)
{
	size_t i;

	refuse_privileged_exec();
	atexit(close_stdout);
	if (argc < 2)
		cli_usage_error("no subcommand given");
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		cli_help(NULL);
		return 0;
	}
	if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "-V")) {
		printf("%s %s\n", prog, TIMENS_VERSION);
		return 0;
	}
	if (argv[1][0] == '-')
		cli_usage_error("unrecognized option '%s'", argv[1]);
	for (i = 0; i < N_SUBCOMMANDS; i++) {
		if (!strcmp(argv[1], subcommands[i].name)) {
			optind = 1;
			return subcommands[i].fn(argc - 1, argv + 1);
		}
	}
	cli_usage_error("unknown subcommand '%s'", argv[1]);
}
