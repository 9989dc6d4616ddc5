// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The ABI a program sees: timens_version() is the version of the shared
 * object it runs with (its file name, as the Makefile named it) and that
 * of the header; each call sits in the version node of the release that
 * brought it; TIMENS_SPAWN_OPTS leaves no byte of the options but the
 * ones set non-zero, whatever the stack held, and the options struct has
 * no padding for a compiler to leave unset.
 */
#include <dlfcn.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tap.h"

/* The dynamic section: absent (NULL) in a statically linked program. */
extern const char _DYNAMIC[] __attribute__((weak));

/*
 * Symbol versions are glibc's loader's: musl's binds every reference to
 * the one definition of its name, ignores the version nodes and has no
 * dlvsym() to ask them with.
 */
#ifdef __GLIBC__
#define VERSIONED_LOOKUP 1
#else
#define VERSIONED_LOOKUP 0
#endif

/* Leaves a dirty stack behind for the next call to find. */

__attribute__((noinline)) static void dirty_stack(void)
{
	volatile unsigned char junk[8192];

	for (size_t i = 0; i < sizeof(junk); i++)
		junk[i] = 0xa5;
}

__attribute__((noinline)) static void declare_opts(unsigned char *out)
{
	TIMENS_SPAWN_OPTS(opts, .flags = TIMENS_SPAWN_SETSID);

	memcpy(out, &opts, sizeof(opts));
	__asm__ volatile("" : : "r"(&opts) : "memory");
}

int main(void)
{
	char want[64], so[PATH_MAX];
	const char *v = timens_version();
	Dl_info info;
	struct timens_spawn_opts ref;
	unsigned char got[sizeof(struct timens_spawn_opts)];
	size_t i, bad;

	/* Linked statically (the kernel harness's guests), there is no .so to ask. */
	tap_plan(4 + (_DYNAMIC ? 1 : 0) + (_DYNAMIC && VERSIONED_LOOKUP ? 2 : 0));
	snprintf(want, sizeof(want), "%d.%d.%d", TIMENS_VERSION_MAJOR,
		 TIMENS_VERSION_MINOR, TIMENS_VERSION_PATCH);
	tap_ok(v && !strcmp(v, want), "timens_version() is the header's %s (got %s)", want, v ? v : "NULL");

	if (!_DYNAMIC)
		tap_diag("linked statically: the shared object's name and version nodes are not here");
	else if (dladdr((void *)timens_version, &info) && info.dli_fname && realpath(info.dli_fname, so)) {
		const char *base = strrchr(so, '/') ? strrchr(so, '/') + 1 : so;
		char name[80];

		snprintf(name, sizeof(name), "libtimens.so.%s", v);
		tap_ok(!strcmp(base, name), "it is the version of the shared object running (%s)", base);
	} else {
		tap_ok(false, "dladdr finds the shared object of timens_version");
	}

	if (_DYNAMIC && !VERSIONED_LOOKUP)
		tap_diag("this libc's loader binds no symbol by version: the version nodes are not asked");
#if VERSIONED_LOOKUP
	if (_DYNAMIC) {
		tap_ok(dlvsym(RTLD_DEFAULT, "timens_version", "LIBTIMENS_0.2") ==
			       (void *)timens_version,
		       "timens_version is in version node LIBTIMENS_0.2");
		tap_ok(dlvsym(RTLD_DEFAULT, "timens_clone3", "LIBTIMENS_0.1") != NULL &&
			       dlvsym(RTLD_DEFAULT, "timens_version", "LIBTIMENS_0.1") == NULL,
		       "timens_clone3 in LIBTIMENS_0.1, and timens_version not");
	}
#endif

	dirty_stack();
	declare_opts(got);
	memset(&ref, 0, sizeof(ref));
	ref.sz = sizeof(ref);
	ref.flags = TIMENS_SPAWN_SETSID;
	for (i = 0, bad = 0; i < sizeof(got); i++)
		bad += got[i] != ((unsigned char *)&ref)[i];
	tap_ok(bad == 0, "TIMENS_SPAWN_OPTS on a dirty stack: sz, flags and zeroes (%zu bytes differ)", bad);

	/* Each field starts where the one before it ends, the last at the end. */
#define FIELD_END(f) (offsetof(struct timens_spawn_opts, f) + sizeof(((struct timens_spawn_opts *)0)->f))
	size_t ends[] = { 0, FIELD_END(sz), FIELD_END(flags), FIELD_END(offset),
			  FIELD_END(file_actions), FIELD_END(n_file_actions),
			  FIELD_END(sigmask), FIELD_END(sigdefault), FIELD_END(pidfd) };
	size_t starts[] = { offsetof(struct timens_spawn_opts, sz),
			    offsetof(struct timens_spawn_opts, flags),
			    offsetof(struct timens_spawn_opts, offset),
			    offsetof(struct timens_spawn_opts, file_actions),
			    offsetof(struct timens_spawn_opts, n_file_actions),
			    offsetof(struct timens_spawn_opts, sigmask),
			    offsetof(struct timens_spawn_opts, sigdefault),
			    offsetof(struct timens_spawn_opts, pidfd),
			    sizeof(struct timens_spawn_opts) };
	for (i = 0, bad = 0; i < sizeof(starts) / sizeof(starts[0]); i++)
		bad += starts[i] != ends[i];
	tap_ok(bad == 0, "struct timens_spawn_opts has no padding (%zu gaps)", bad);

	/* What a newer caller passes: a larger struct, zero past our end. */
	{
		struct { struct timens_spawn_opts o; uint64_t newer; } big;
		pid_t pid;
		char *argv[] = { "true", NULL };

		memset(&big, 0, sizeof(big));
		big.o.sz = sizeof(big);
		big.newer = 1;
		int r = timens_spawn(&pid, "/bin/true", argv, NULL, &big.o), err = errno;

		tap_ok(r == -1 && err == E2BIG,
		       "a larger options struct with a non-zero field unknown here: E2BIG (errno %d)", err);
	}
	return tap_done();
}
