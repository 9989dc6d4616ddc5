/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The timens_spawn() cases, run once per spawn path (spawn.c, spawn-fork.c). */
#ifndef TIMENS_TEST_SPAWN_CASES_H
#define TIMENS_TEST_SPAWN_CASES_H

#include "tap.h"

/* Runs every case; EXPECT is the path spawns must take. */
int spawn_cases(int argc, char **argv, enum timens_path expect);

#endif
