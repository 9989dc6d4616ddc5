// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * timens probe [--json]: what this kernel offers, and what this user can
 * do with it here.
 *
 * The kernel features come from timens_features().  Whether a call works
 * for this user, and which path the library takes, cannot be read off
 * the features (privilege, sysctls, LSMs all decide), so we try each one
 * for real: a short-lived child per trial that exits at once, with
 * offsets of one second.  Nothing is left behind.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/utsname.h>
#include <sys/wait.h>

#include "cli.h"
#include "json.h"

#define CAP_SYS_ADMIN_BIT 21

static const struct feature {
	unsigned int bit;
	const char *key;	/* JSON */
	const char *what;	/* text */
	const char *since;
	bool asks_clone3;	/* unknown where clone3 is refused */
} features[] = {
	{ TIMENS_FEATURE_TIME_NS, "time_ns", "time namespaces", "Linux 5.6", false },
	{ TIMENS_FEATURE_SETNS_PIDFD, "setns_pidfd", "setns() through a pidfd", "Linux 5.9", false },
	{ TIMENS_FEATURE_EXEC_SWITCH, "exec_switch", "exec enters time_for_children",
	  "Linux 6.2", false },
	{ TIMENS_FEATURE_CLONE3_NEWTIME, "clone3_newtime", "clone3() takes CLONE_NEWTIME",
	  "Linux 6.3", true },
	{ TIMENS_FEATURE_NATIVE_OFFSET, "native_offset", "clone3() takes timens_offset",
	  "the timens kernel patch", true },
	/* Printed as its own line in text. */
	{ TIMENS_FEATURE_CLONE3_REFUSED, "clone3_refused", NULL, NULL, false },
};

/*
 * ENOSYS from clone3 on a kernel that has it (timens_features(3)): most
 * often a seccomp filter (a container's default profile), or valgrind,
 * or qemu-user.
 */
#define REFUSED_TEXT "clone3 refused (seccomp?)"
#define N_FEATURES (sizeof(features) / sizeof(features[0]))

/* One attempt at one way of making a namespace. */
struct trial {
	const char *key;	/* JSON */
	const char *what;	/* text */
	bool ok;
	const char *path;	/* how it went, when it worked */
	int err;		/* errno, when it did not */
};

enum {
	T_CLONE3,
	T_CLONE3_USER,
	T_SPAWN,
	T_SPAWN_USER,
	T_SPAWN_ROOT,
	T_RUN,
	T_RUN_USER,
	T_RUN_ROOT,
	N_TRIALS,
};

/* JSON key and text label of each trial, in the order they are reported. */
static const char *const trial_names[N_TRIALS][2] = {
	[T_CLONE3]	= { "clone3", "timens_clone3()" },
	[T_CLONE3_USER]	= { "clone3_user", "timens_clone3() + CLONE_NEWUSER" },
	[T_SPAWN]	= { "spawn", "timens_spawn()" },
	[T_SPAWN_USER]	= { "spawn_user", "timens_spawn() -U" },
	[T_SPAWN_ROOT]	= { "spawn_map_root", "timens_spawn() -r" },
	[T_RUN]		= { "run", "timens run" },
	[T_RUN_USER]	= { "run_user", "timens run -U" },
	[T_RUN_ROOT]	= { "run_map_root", "timens run -r" },
};

struct probe_report {
	struct utsname uts;
	unsigned int features;
	uid_t uid, euid;
	bool cap_sys_admin;
	long unpriv_userns_clone, max_user_ns, max_time_ns;	/* -1: absent */
	struct trial trials[N_TRIALS];
};

static const struct timens_offset trial_offset = {
	.monotonic_offset_ns = NSEC_PER_SEC,
	.boottime_offset_ns = NSEC_PER_SEC,
};

/* A number from a /proc/sys file, or -1 when it is absent or unreadable. */
static long read_sysctl(const char *path)
{
	char buf[32];
	ssize_t n;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	return strtol(buf, NULL, 10);
}

static bool has_cap_sys_admin(void)
{
	unsigned long long eff = 0;
	char line[256];
	bool found = false;
	FILE *f;

	f = fopen("/proc/self/status", "re");
	if (!f)
		return false;
	while (!found && fgets(line, sizeof(line), f))
		found = sscanf(line, "CapEff: %llx", &eff) == 1;
	fclose(f);
	return found && (eff >> CAP_SYS_ADMIN_BIT) & 1;
}

/* Reaps PID; its exit status, or -1. */
static int reap(pid_t pid)
{
	int status;

	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR)
			return -1;
	}
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* A trial's child was made: note the library's path and reap it. */
static void trial_done(struct trial *t, pid_t pid)
{
	t->err = 0;
	t->path = timens_path_name(timens_last_path());
	t->ok = reap(pid) == 0;
	if (!t->ok)
		t->err = ECHILD;
}

static void try_clone3(struct trial *t, uint64_t extra_flags)
{
	struct timens_clone_args args = {
		.flags = CLONE_NEWTIME | extra_flags,
		.exit_signal = SIGCHLD,
		.timens_offset = (uint64_t)(uintptr_t)&trial_offset,
	};
	pid_t pid;

	pid = timens_clone3(&args, sizeof(args));
	if (pid == 0)
		_exit(0);
	if (pid < 0) {
		t->err = errno;
		return;
	}
	trial_done(t, pid);
}

/* Starts ourselves with --version, output discarded. */
static void try_spawn(struct trial *t, const char *self, uint64_t flags)
{
	static const struct timens_file_action to_null[] = {
		{ .type = TIMENS_FA_OPEN, .fd = 1, .path = "/dev/null", .oflag = O_WRONLY },
	};
	char *argv[] = { (char *)"timens", (char *)"--version", NULL };
	TIMENS_SPAWN_OPTS(opts, .flags = flags, .offset = &trial_offset,
			  .file_actions = to_null, .n_file_actions = 1);
	pid_t pid;

	if (!self) {
		t->err = ENOENT;
		return;
	}
	if (timens_spawn(&pid, self, argv, NULL, &opts) < 0) {
		t->err = errno;
		return;
	}
	trial_done(t, pid);
}

/* timens run's in-place preparation, in a child that then just exits. */
static void try_run(struct trial *t, unsigned int userns, bool in_place)
{
	pid_t pid;
	int r;

	if (!in_place) {
		/* Without the exec switch, run spawns: the spawn trials tell. */
		t->path = "spawn";
		return;
	}
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		t->err = errno;
		return;
	}
	if (pid == 0)
		_exit(timens_unshare(&trial_offset, userns) < 0 ? errno : 0);
	r = reap(pid);
	t->path = "exec";
	t->ok = r == 0;
	if (!t->ok)
		t->err = r > 0 ? r : ECHILD;
}

static void run_trials(struct probe_report *r)
{
	struct trial *t = r->trials;
	bool in_place = (r->features & TIMENS_FEATURE_EXEC_SWITCH) && !cli_fork_forced();
	char self[PATH_MAX];
	ssize_t n;
	int i;

	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n >= 0)
		self[n] = '\0';
	for (i = 0; i < N_TRIALS; i++) {
		t[i].key = trial_names[i][0];
		t[i].what = trial_names[i][1];
		t[i].err = EOPNOTSUPP;
	}
	if (!(r->features & TIMENS_FEATURE_TIME_NS))
		return;
	try_clone3(&t[T_CLONE3], 0);
	try_clone3(&t[T_CLONE3_USER], CLONE_NEWUSER);
	try_spawn(&t[T_SPAWN], n >= 0 ? self : NULL, 0);
	try_spawn(&t[T_SPAWN_USER], n >= 0 ? self : NULL, TIMENS_SPAWN_USERNS);
	try_spawn(&t[T_SPAWN_ROOT], n >= 0 ? self : NULL, TIMENS_SPAWN_USERNS_ROOT);
	try_run(&t[T_RUN], 0, in_place);
	try_run(&t[T_RUN_USER], TIMENS_SPAWN_USERNS, in_place);
	try_run(&t[T_RUN_ROOT], TIMENS_SPAWN_USERNS_ROOT, in_place);
	/* Spawning runs: its answer is the spawn trial's. */
	if (!in_place) {
		t[T_RUN].ok = t[T_SPAWN].ok, t[T_RUN].err = t[T_SPAWN].err;
		t[T_RUN_USER].ok = t[T_SPAWN_USER].ok, t[T_RUN_USER].err = t[T_SPAWN_USER].err;
		t[T_RUN_ROOT].ok = t[T_SPAWN_ROOT].ok, t[T_RUN_ROOT].err = t[T_SPAWN_ROOT].err;
	}
}

static void gather(struct probe_report *r)
{
	memset(r, 0, sizeof(*r));
	if (uname(&r->uts) < 0)
		cli_err(EXIT_TIMENS, "uname");
	r->features = timens_features();
	r->uid = getuid();
	r->euid = geteuid();
	r->cap_sys_admin = has_cap_sys_admin();
	/* Debian's switch for unprivileged user namespaces; absent upstream. */
	r->unpriv_userns_clone = read_sysctl("/proc/sys/kernel/unprivileged_userns_clone");
	r->max_user_ns = read_sysctl("/proc/sys/user/max_user_namespaces");
	r->max_time_ns = read_sysctl("/proc/sys/user/max_time_namespaces");
	run_trials(r);
}

static void print_sysctl(const char *name, long v)
{
	if (v < 0)
		printf("  %-34s %s\n", name, "(absent)");
	else
		printf("  %-34s %ld\n", name, v);
}

static void probe_text(const struct probe_report *r)
{
	const struct trial *t;
	size_t i;

	printf("timens %s on %s %s\n\n", TIMENS_VERSION, r->uts.sysname, r->uts.release);
	printf("kernel:\n");
	for (i = 0; i < N_FEATURES; i++) {
		if (!features[i].what)
			continue;
		if (features[i].asks_clone3 && (r->features & TIMENS_FEATURE_CLONE3_REFUSED))
			printf("  %-34s %-4s (%s)\n", features[i].what, "?", REFUSED_TEXT);
		else
			printf("  %-34s %-4s (%s)\n", features[i].what,
			       r->features & features[i].bit ? "yes" : "no", features[i].since);
	}
	if (r->features & TIMENS_FEATURE_CLONE3_REFUSED)
		printf("  %-34s %-4s (%s: children are made with clone(2))\n", "clone3()", "no",
		       REFUSED_TEXT);
	printf("\nuser:\n");
	printf("  %-34s %u (effective %u)\n", "uid", (unsigned int)r->uid,
	       (unsigned int)r->euid);
	printf("  %-34s %s\n", "CAP_SYS_ADMIN", r->cap_sys_admin ? "yes" : "no");
	print_sysctl("kernel.unprivileged_userns_clone", r->unpriv_userns_clone);
	print_sysctl("user.max_user_namespaces", r->max_user_ns);
	print_sysctl("user.max_time_namespaces", r->max_time_ns);
	printf("\nwhat works here, and how:\n");
	for (i = 0; i < N_TRIALS; i++) {
		t = &r->trials[i];
		if (t->ok)
			printf("  %-34s yes  (%s)\n", t->what, t->path);
		else
			printf("  %-34s no   (%s)\n", t->what, strerror(t->err));
	}
}

static void probe_json(const struct probe_report *r)
{
	const struct trial *t;
	struct json j;
	size_t i;

	json_init(&j, stdout);
	json_object_begin(&j, NULL);
	json_string(&j, "version", TIMENS_VERSION);
	json_object_begin(&j, "kernel");
	json_string(&j, "release", r->uts.release);
	json_uint(&j, "features", r->features);
	for (i = 0; i < N_FEATURES; i++)
		json_bool(&j, features[i].key, r->features & features[i].bit);
	json_object_end(&j);
	json_object_begin(&j, "user");
	json_uint(&j, "uid", r->uid);
	json_uint(&j, "euid", r->euid);
	json_bool(&j, "cap_sys_admin", r->cap_sys_admin);
	json_object_end(&j);
	json_object_begin(&j, "sysctl");
	if (r->unpriv_userns_clone < 0)
		json_null(&j, "unprivileged_userns_clone");
	else
		json_int(&j, "unprivileged_userns_clone", r->unpriv_userns_clone);
	if (r->max_user_ns < 0)
		json_null(&j, "max_user_namespaces");
	else
		json_int(&j, "max_user_namespaces", r->max_user_ns);
	if (r->max_time_ns < 0)
		json_null(&j, "max_time_namespaces");
	else
		json_int(&j, "max_time_namespaces", r->max_time_ns);
	json_object_end(&j);
	json_object_begin(&j, "trials");
	for (i = 0; i < N_TRIALS; i++) {
		t = &r->trials[i];
		json_object_begin(&j, t->key);
		json_bool(&j, "ok", t->ok);
		json_string(&j, "path", t->ok ? t->path : NULL);
		json_string(&j, "error", t->ok ? NULL : strerror(t->err));
		json_object_end(&j);
	}
	json_object_end(&j);
	json_object_end(&j);
	json_finish(&j);
}

static const struct option probe_longopts[] = {
	{ "json", no_argument, NULL, 'J' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

int cmd_probe(int argc, char **argv)
{
	struct probe_report r;
	bool json = false;
	int c;

	while ((c = cli_getopt(argc, argv, "+:Jh", probe_longopts)) != -1) {
		if (c == 'J')
			json = true;
	}
	if (optind < argc)
		cli_usage_error("unexpected argument '%s'", argv[optind]);
	gather(&r);
	if (json)
		probe_json(&r);
	else
		probe_text(&r);
	return 0;
}
