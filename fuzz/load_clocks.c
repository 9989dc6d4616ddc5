// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libFuzzer target: timens_load_clocks() on any file contents, given to
 * it through a memfd's /proc/self/fd path.  It either loads, with a
 * terminated boot id and same_boot -1, 0 or 1, or fails with the errno
 * its man page lists (EINVAL, EFBIG, ENOTSUP), leaving *saved untouched.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>

#include "timens.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int memfd = -1;
static char path[64];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct timens_saved_clocks saved, canary;

	if (memfd < 0) {
		memfd = memfd_create("timens-fuzz", MFD_CLOEXEC);
		if (memfd < 0)
			abort();
		snprintf(path, sizeof(path), "/proc/self/fd/%d", memfd);
	}
	if (ftruncate(memfd, 0) || (size && pwrite(memfd, data, size, 0) != (ssize_t)size))
		abort();
	memset(&saved, 0xa5, sizeof(saved));
	canary = saved;
	errno = 0;
	if (timens_load_clocks(path, &saved) == 0) {
		if (memchr(saved.boot_id, '\0', sizeof(saved.boot_id)) == NULL)
			abort();
		if (saved.same_boot < -1 || saved.same_boot > 1)
			abort();
	} else {
		if (errno != EINVAL && errno != EFBIG && errno != ENOTSUP)
			abort();
		if (memcmp(&saved, &canary, sizeof(saved)))
			abort();
	}
	return 0;
}
