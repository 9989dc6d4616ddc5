// SPDX-License-Identifier: LGPL-2.1-or-later
/* timens_spawn() on the fork path that kernels before 6.2 take, forced. */
#include <stdlib.h>

#include "spawn-cases.h"

int main(int argc, char **argv)
{
	/* Read once, at the library's first call. */
	setenv("TIMENS_PATH", "fork", 1);
	return spawn_cases(argc, argv, TIMENS_PATH_SPAWN_FORK);
}
