// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * timens_spawn()'s fork path (forced) while another thread forks in a
 * loop, as a multi-threaded program may: children that never exec and
 * live until the end of the test.  No spawn may wait for one of them (a
 * hang, caught by a generous watchdog), and every spawn reports exactly:
 * success for a program, ENOENT for a missing one, EBADF for a file
 * action on a closed fd.  Nothing is left behind.
 */
#include <errno.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/prctl.h>
#include <sys/wait.h>

#include "tap.h"

#define SPAWNS 300
#define MAX_SLEEPERS 300
/* Far more than the spawns take on any machine: only a hang gets here. */
#define WATCHDOG_S 120

static pid_t sleepers[MAX_SLEEPERS];
static atomic_int nsleepers, overlaps;
static atomic_bool stop, in_spawn;

static void *forker(void *arg)
{
	pid_t parent = getpid();
	struct timespec pause_ts = { 0, 500 * 1000 };

	(void)arg;
	while (!atomic_load(&stop) && atomic_load(&nsleepers) < MAX_SLEEPERS) {
		bool during = atomic_load(&in_spawn);
		pid_t pid = fork();

		if (pid == 0) {
			/*
			 * Dies with this thread (PR_SET_PDEATHSIG is about the
			 * parent thread), which lives until the spawns are over,
			 * or with the test, should it die first.
			 */
			if (prctl(PR_SET_PDEATHSIG, SIGKILL) || getppid() != parent)
				_exit(0);
			for (;;)
				pause();
		}
		if (pid < 0)
			break;
		sleepers[atomic_fetch_add(&nsleepers, 1)] = pid;
		if (during && atomic_load(&in_spawn))
			atomic_fetch_add(&overlaps, 1);
		nanosleep(&pause_ts, NULL);
	}
	/* Alive until the end: the sleepers die with this thread. */
	while (!atomic_load(&stop))
		nanosleep(&pause_ts, NULL);
	return NULL;
}

static void watchdog(int sig)
{
	static const char msg[] =
		"Bail out! the spawns did not finish in 120 s: a spawn waits for another "
		"thread's child\n";

	(void)sig;
	if (write(1, msg, sizeof(msg) - 1) < 0)
		_exit(2);
	_exit(1);
}

int main(int argc, char **argv)
{
	char *targv[] = { "true", NULL };
	struct timens_offset off = { 3 * NSEC_PER_SEC, 5 * NSEC_PER_SEC };
	struct timens_file_action closed = { .type = TIMENS_FA_DUP2, .src_fd = 987, .fd = 1 };
	struct caller_state st;
	int wrong = 0, i, n;
	char first[160] = "";
	pthread_t t;

	test_exec_hook(argc, argv);
	/* Read once, at the library's first call. */
	setenv("TIMENS_PATH", "fork", 1);
	require_time_ns();
	require_root();
	caller_state_get(&st);

	signal(SIGALRM, watchdog);
	alarm(WATCHDOG_S);
	if (pthread_create(&t, NULL, forker, NULL))
		tap_bail("pthread_create");
	for (i = 0; i < SPAWNS; i++) {
		int kind = i % 3, r, err, status = 0;
		pid_t pid = 0;
		TIMENS_SPAWN_OPTS(o, .offset = &off, .file_actions = &closed,
				  .n_file_actions = kind == 2);

		atomic_store(&in_spawn, true);
		r = timens_spawn(&pid, kind == 1 ? "/nonexistent/prog" : "/bin/true", targv, NULL,
				 &o);
		err = errno;
		atomic_store(&in_spawn, false);
		if (r == 0)
			status = wait_status(pid);
		if (kind == 0 ? r != 0 || !WIFEXITED(status) || WEXITSTATUS(status) ||
				timens_last_path() != TIMENS_PATH_SPAWN_FORK
			      : r != -1 || err != (kind == 1 ? ENOENT : EBADF)) {
			if (!wrong++)
				snprintf(first, sizeof(first), "spawn %d: %s (status %#x, path %s)",
					 i, r ? strerror(err) : "success", status,
					 timens_path_name(timens_last_path()));
		}
	}
	atomic_store(&stop, true);
	pthread_join(t, NULL);
	alarm(0);

	n = atomic_load(&nsleepers);
	for (i = 0; i < n; i++)
		kill(sleepers[i], SIGKILL);
	for (i = 0; i < n; i++)
		wait_status(sleepers[i]);
	/* Getting here is the test that no spawn hung: the watchdog bails out. */
	tap_diag("%d spawns through the fork path finished while %d children were forked",
		 SPAWNS, n);
	tap_ok(atomic_load(&overlaps) > 0, "%d of those forks happened during a spawn",
	       atomic_load(&overlaps));
	tap_ok(!wrong, "every spawn reported exactly (%d wrong%s%s)", wrong, wrong ? "; first: " : "",
	       first);
	caller_state_check(&st, "after the spawns");
	return tap_done();
}
