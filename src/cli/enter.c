// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * timens enter PID [--] COMMAND [ARG]...: join PID's time namespace,
 * then become COMMAND (as nsenter -T does, without the other namespaces).
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

static const struct option enter_longopts[] = {
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

static _Noreturn void explain_enter_error(pid_t pid)
{
	switch (errno) {
	case ESRCH:
		cli_errx(EXIT_TIMENS, "no such process: %d", (int)pid);
	case EPERM:
		cli_errx(EXIT_TIMENS, "joining the time namespace of process %d needs "
			 "CAP_SYS_ADMIN over the user namespace that owns it%s",
			 (int)pid, geteuid() ? "; run as root" : "");
	case EACCES:
		cli_err(EXIT_TIMENS, "cannot open the time namespace of process %d "
			"(only its owner or root may)", (int)pid);
	case ENOSYS:
		cli_errx(EXIT_TIMENS, "this kernel has no time namespaces "
			 "(they need Linux 5.6 with CONFIG_TIME_NS)");
	default:
		cli_err(EXIT_TIMENS, "cannot join the time namespace of process %d", (int)pid);
	}
}

int cmd_enter(int argc, char **argv)
{
	pid_t pid;

	while (cli_getopt(argc, argv, "+:h", enter_longopts) != -1)
		;
	if (optind >= argc)
		cli_usage_error("no PID given");
	pid = cli_parse_pid(argv[optind++]);
	if (optind < argc && !strcmp(argv[optind], "--"))
		optind++;
	if (optind >= argc)
		cli_usage_error("no command given");
	if (timens_enter(pid) < 0)
		explain_enter_error(pid);
	cli_exec(argv + optind);
}
