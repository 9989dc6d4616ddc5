// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Saved clocks: `timens save PID FILE`, and the file side of
 * `timens run --save FILE` and `--continue FILE`.  The file format and its
 * atomic write are the library's (timens_save_clocks(3)).
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"

/* The cause of a failed load, in words; exits 125. */
static _Noreturn void load_failed(const char *file)
{
	switch (errno) {
	case EINVAL:
		cli_errx(EXIT_TIMENS, "%s: not a valid timens clocks file (damaged or not one); "
			 "see timens_save_clocks(3) for the format", file);
	case ENOTSUP:
		cli_errx(EXIT_TIMENS, "%s: written in another version of the format; "
			 "use the timens that wrote it", file);
	case EFBIG:
		cli_errx(EXIT_TIMENS, "%s: too large for a timens clocks file", file);
	default:
		cli_err(EXIT_TIMENS, "cannot read saved clocks from %s", file);
	}
}

void cli_load_clocks(const char *file, struct timens_clocks *clocks)
{
	struct timens_saved_clocks saved;

	if (timens_load_clocks(file, &saved) < 0)
		load_failed(file);
	/* Valid, and what a restart after a reboot needs: say it, go on. */
	if (saved.same_boot == 0)
		cli_warnx("%s: the clocks were saved before the machine last booted; continuing "
			  "from them", file);
	*clocks = saved.clocks;
}

void cli_save_clocks(const char *file, const struct timens_clocks *clocks)
{
	if (timens_save_clocks(file, clocks) < 0)
		cli_warn("cannot save the clocks to %s", file);
}

void cli_save_offset_clocks(const char *file, const struct timens_offset *off)
{
	struct timens_clocks now;

	if (timens_clocks_at_offset(off, &now) < 0) {
		cli_warn("cannot compute the clocks to save to %s", file);
		return;
	}
	cli_save_clocks(file, &now);
}

int cmd_save(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct timens_clocks clocks;
	pid_t pid;
	int c;

	while ((c = cli_getopt(argc, argv, "+:h", longopts)) != -1)
		cli_usage_error("internal error: option %d", c);
	if (argc - optind != 2)
		cli_usage_error("save needs a PID and a FILE");
	pid = cli_parse_pid(argv[optind]);
	if (timens_read_clocks(pid, &clocks) < 0) {
		if (errno == ESRCH)
			cli_errx(EXIT_TIMENS, "no process %d", pid);
		if (errno == EACCES || errno == EPERM)
			cli_errx(EXIT_TIMENS, "cannot read the time namespace of process %d: it "
				 "belongs to another user (run as root)", pid);
		if (errno == ENODATA)
			cli_errx(EXIT_TIMENS, "the offsets of process %d's time namespace cannot be "
				 "read (no process shows them in /proc)", pid);
		cli_err(EXIT_TIMENS, "cannot read the clocks of process %d", pid);
	}
	if (timens_save_clocks(argv[optind + 1], &clocks) < 0)
		cli_err(EXIT_TIMENS, "cannot save the clocks to %s", argv[optind + 1]);
	return 0;
}
