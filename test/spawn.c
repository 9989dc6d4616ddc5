// SPDX-License-Identifier: LGPL-2.1-or-later
/* timens_spawn() on the path the running kernel gets (vfork-style on 6.2+). */
#include "spawn-cases.h"

int main(int argc, char **argv)
{
	enum timens_path p;

	test_exec_hook(argc, argv);	/* before the library's probe */
	p = (timens_features() & TIMENS_FEATURE_EXEC_SWITCH) ? TIMENS_PATH_SPAWN_VFORK
							     : TIMENS_PATH_SPAWN_FORK;
	return spawn_cases(argc, argv, p);
}
