// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Every system call timens_unshare() makes fails in turn, then each of
 * its error path (test/lib/fault.h), for a single-threaded caller whose
 * namespaces are equal, the case where the call promises to undo itself:
 * it either succeeds, and then only time_for_children changed and it
 * carries exactly the offsets asked for, or fails with the injected
 * errno and the caller is as it was.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/syscall.h>

#include "child.h"
#include "fault.h"

static const struct timens_offset off = { 5 * NSEC_PER_SEC + 1, 6 * 86400 * NSEC_PER_SEC + 2 };

static void target(struct fault_ctl *ctl, void *arg)
{
	struct fault_report *r = (struct fault_report *)ctl->user;
	struct caller_state before, after;
	struct timens_offset got;
	int ret, err;

	(void)arg;
	timens_features();
	timens_last_path();
	fault_install(ctl);
	caller_state_get(&before);

	fault_arm(ctl);
	ret = timens_unshare(&off, 0);
	err = errno;
	fault_parent_returned(ctl, false);
	r->err = ret ? err : 0;
	r->path = TIMENS_PATH_NONE;
	if (ret) {
		fault_check_caller(r, &before);
	} else {
		/* Only time_for_children may have changed, to the offsets asked. */
		caller_state_get(&after);
		got = own_offsets();
		after.tfc_ino = before.tfc_ino;
		if (ns_ino("/proc/thread-self/ns/time_for_children") == before.tfc_ino)
			snprintf(r->wrong, sizeof(r->wrong), "time_for_children did not change");
		else if (got.monotonic_offset_ns != off.monotonic_offset_ns ||
			 got.boottime_offset_ns != off.boottime_offset_ns)
			snprintf(r->wrong, sizeof(r->wrong), "time_for_children has other offsets");
		else if (after.time_ino != before.time_ino || after.nfds != before.nfds ||
			 memcmp(after.fds, before.fds, sizeof(int) * (size_t)after.nfds) ||
			 memcmp(&after.mask, &before.mask, sizeof(sigset_t)) || !no_children())
			snprintf(r->wrong, sizeof(r->wrong), "more than time_for_children changed");
	}
	r->ran = 1;
}

int main(int argc, char **argv)
{
	struct fault_totals t = { 0, 0, 0, 0 };
	struct fault_ctl *ctl;

	test_exec_hook(argc, argv);
	require_time_ns();
	require_root();
	ctl = shared_alloc(sizeof(*ctl));
	fault_explore(ctl, "timens_unshare", TIMENS_PATH_NONE, target, NULL, NULL, &t);
	tap_diag("%d runs, %d calls made, %d faults injected, %d impossible faults misbehaved",
		 t.runs, t.calls, t.injected, t.impossible_bad);
	{
		/* The offsets write fails, then the undo for good: abort. */
		const struct fault_site undo[] = {
			{ __NR_write, 0, ERANGE, 0 }, { __NR_setns, 1, ENOMEM, 1 << 20 },
		};

		fault_expect_abort(ctl, undo, 2, target, NULL,
				   "libtimens: cannot return to the caller's time namespace",
				   "timens_unshare, write fails, then every setns back");
	}
	tap_ok(no_children(), "no target left behind");
	return tap_done();
}
