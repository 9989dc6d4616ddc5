// SPDX-License-Identifier: LGPL-2.1-or-later
/* Which path the calling thread's last call took, and the paths' names. */
#include "internal.h"

static __thread enum timens_path last_path;

/*
 * Only when it changes: after a fork our thread-local block is
 * write-protected like the rest, and a call that takes the same path as
 * the last one should not pay a fault to say so.
 */
void timens__set_last_path(enum timens_path path)
{
	if (last_path != path)
		last_path = path;
}

TIMENS_EXPORT enum timens_path timens_last_path(void)
{
	return last_path;
}

TIMENS_EXPORT const char *timens_path_name(enum timens_path path)
{
	switch (path) {
	case TIMENS_PATH_NONE:		 return "none";
	case TIMENS_PATH_KERNEL:	 return "kernel";
	case TIMENS_PATH_NATIVE:	 return "native";
	case TIMENS_PATH_INPLACE:	 return "inplace";
	case TIMENS_PATH_HELPER_THREAD:	 return "helper-thread";
	case TIMENS_PATH_HELPER_PROCESS: return "helper-process";
	case TIMENS_PATH_SPAWN_VFORK:	 return "spawn-vfork";
	case TIMENS_PATH_SPAWN_FORK:	 return "spawn-fork";
	case TIMENS_PATH_CHILD:		 return "child";
	}
	return "unknown";
}
