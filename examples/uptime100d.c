// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Run a command in a new time namespace whose uptime is 100 days longer:
 *
 *   uptime100d cat /proc/uptime
 *
 * Build: cc uptime100d.c $(pkg-config --cflags --libs libtimens)
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <timens.h>

int main(int argc, char **argv)
{
	struct timens_offset off = {
		.monotonic_offset_ns = 100LL * 86400 * 1000000000,
		.boottime_offset_ns = 100LL * 86400 * 1000000000,
	};
	TIMENS_SPAWN_OPTS(opts, .offset = &off, .flags = TIMENS_SPAWN_SEARCH_PATH);
	pid_t pid;
	int status;

	if (argc < 2) {
		fprintf(stderr, "usage: %s COMMAND [ARG]...\n", argv[0]);
		return 2;
	}
	if (timens_spawn(&pid, argv[1], argv + 1, NULL, &opts)) {
		fprintf(stderr, "%s: %s: %s\n", argv[0], argv[1], strerror(errno));
		return 127;
	}
	if (waitpid(pid, &status, 0) < 0)
		return 1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}
