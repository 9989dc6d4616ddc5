// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * timens run: COMMAND in a new time namespace.
 *
 * Two ways to get there:
 *
 * - In place (Linux 6.2+, where exec moves a task into its
 *   time_for_children): we make the new namespace our own
 *   time_for_children, set its offsets and exec COMMAND ourselves.
 *   Nothing stays behind to wait, so COMMAND's pid, signals and exit
 *   status are simply its own, as with exec(1).
 *
 * - Spawn and wait (older kernels, --fork, TIMENS_PATH=fork): the
 *   library starts COMMAND as our child; we forward the signals a user
 *   or a supervisor sends to stop or poke it, wait, and exit with its
 *   status (128+N when signal N killed it).
 *
 * The in-place preparation is the library's timens_unshare().
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/wait.h>

#include "cli.h"

/* The kernel's bound for a clock in a new namespace: KTIME_SEC_MAX / 2. */
#define CLOCK_LIMIT_SEC	((INT64_MAX / NSEC_PER_SEC) / 2)

struct run_opts {
	bool has_mono, has_boot, has_mono_value, has_uptime;
	int64_t mono, boot, mono_value, uptime;
	unsigned int userns;	/* 0, TIMENS_SPAWN_USERNS or TIMENS_SPAWN_USERNS_ROOT */
	bool fork;
	const char *save;	/* --save FILE */
	const char *cont;	/* --continue FILE */
	char **argv;		/* COMMAND [ARG]... */
	/*
	 * The host's clocks before we made anything, to explain an ERANGE
	 * (afterwards our own offsets are harder to find).
	 */
	bool host_known;
	struct timens_clocks host;
};

enum {
	OPT_UPTIME = 256,
	OPT_MONO_VALUE,
	OPT_SAVE,
	OPT_CONTINUE,
};

static const struct option run_longopts[] = {
	{ "monotonic",		required_argument, NULL, 'm' },
	{ "boottime",		required_argument, NULL, 'b' },
	{ "uptime",		required_argument, NULL, OPT_UPTIME },
	{ "monotonic-value",	required_argument, NULL, OPT_MONO_VALUE },
	{ "user",		no_argument,	   NULL, 'U' },
	{ "map-root-user",	no_argument,	   NULL, 'r' },
	{ "fork",		no_argument,	   NULL, 'f' },
	{ "save",		required_argument, NULL, OPT_SAVE },
	{ "continue",		required_argument, NULL, OPT_CONTINUE },
	{ "help",		no_argument,	   NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

static void parse_run_args(int argc, char **argv, struct run_opts *o)
{
	int c;

	memset(o, 0, sizeof(*o));
	while ((c = cli_getopt(argc, argv, "+:m:b:Urfh", run_longopts)) != -1) {
		switch (c) {
		case 'm':
			o->mono = cli_parse_offset("--monotonic", optarg);
			o->has_mono = true;
			break;
		case 'b':
			o->boot = cli_parse_offset("--boottime", optarg);
			o->has_boot = true;
			break;
		case OPT_UPTIME:
			o->uptime = cli_parse_offset("--uptime", optarg);
			o->has_uptime = true;
			break;
		case OPT_MONO_VALUE:
			o->mono_value = cli_parse_offset("--monotonic-value", optarg);
			o->has_mono_value = true;
			break;
		case 'U':
			o->userns = TIMENS_SPAWN_USERNS;
			break;
		case 'r':
			o->userns = TIMENS_SPAWN_USERNS_ROOT;
			break;
		case 'f':
			o->fork = true;
			break;
		case OPT_SAVE:
			o->save = optarg;
			break;
		case OPT_CONTINUE:
			o->cont = optarg;
			break;
		default:
			cli_usage_error("internal error: option %d", c);
		}
	}
	if (o->has_boot && o->has_uptime)
		cli_usage_error("--boottime and --uptime both set CLOCK_BOOTTIME; give one");
	if (o->has_mono && o->has_mono_value)
		cli_usage_error("--monotonic and --monotonic-value both set CLOCK_MONOTONIC; give one");
	if (o->has_uptime && o->uptime < 0)
		cli_usage_error("--uptime: a clock cannot read a negative value");
	if (o->has_mono_value && o->mono_value < 0)
		cli_usage_error("--monotonic-value: a clock cannot read a negative value");
	if (o->cont && (o->has_mono || o->has_boot || o->has_uptime || o->has_mono_value) &&
	    !(o->save && !strcmp(o->save, o->cont)))
		cli_usage_error("--continue sets both clocks; it takes no --monotonic, --boottime, "
				"--uptime or --monotonic-value");
	if (optind >= argc)
		cli_usage_error("no command given");
	o->argv = argv + optind;
}

/*
 * --continue FILE: offsets that start the clocks at the saved values.
 * With --save naming the same FILE, a missing file is the first run of a
 * service: the other options (or our own clocks) apply.  True when OFF
 * is set.
 */
static bool continue_offsets(const struct run_opts *o, struct timens_offset *off)
{
	struct timens_clocks saved;

	if (o->save && !strcmp(o->save, o->cont) && access(o->cont, F_OK) < 0 && errno == ENOENT)
		return false;
	cli_load_clocks(o->cont, &saved);
	if (timens_offset_for_clocks(&saved, off) < 0) {
		if (errno == ERANGE)
			cli_errx(EXIT_TIMENS, "%s: the saved clocks are beyond the kernel's limit of "
				 "about 146 years", o->cont);
		cli_err(EXIT_TIMENS, "cannot compute offsets from %s", o->cont);
	}
	return true;
}

/*
 * The offsets COMMAND's namespace gets.  A clock the user leaves alone
 * keeps the offset of our own namespace, so it reads inside what it
 * reads here (the kernel does the same for unshare(CLONE_NEWTIME)).
 */
static void compute_offsets(struct run_opts *o, struct timens_offset *off)
{
	struct timens_clocks want, now;
	struct timens_offset at;
	struct timens_info own;

	if (timens_get_info(0, &own) < 0)
		cli_err(EXIT_TIMENS, "cannot read the offsets of timens's own time namespace");
	if (timens_read_clocks(0, &now) < 0)
		cli_err(EXIT_TIMENS, "cannot read the clocks");
	/* The host's clocks are ours minus our own namespace's offsets. */
	if (own.offset_known) {
		o->host.monotonic_ns = now.monotonic_ns - own.offset.monotonic_offset_ns;
		o->host.boottime_ns = now.boottime_ns - own.offset.boottime_offset_ns;
		o->host_known = true;
	}
	*off = own.offset_known ? own.offset : own.offset_for_children;
	if (o->cont && continue_offsets(o, off))
		return;
	if (o->has_mono)
		off->monotonic_offset_ns = o->mono;
	if (o->has_boot)
		off->boottime_offset_ns = o->boot;
	if (!o->has_mono_value && !o->has_uptime)
		return;

	want = now;
	if (o->has_mono_value)
		want.monotonic_ns = o->mono_value;
	if (o->has_uptime)
		want.boottime_ns = o->uptime;
	if (timens_offset_for_clocks(&want, &at) < 0) {
		if (errno == ERANGE)
			cli_errx(EXIT_TIMENS, "%s: a clock can start between 0 and about 146 years",
				 o->has_uptime ? "--uptime" : "--monotonic-value");
		if (errno == ENODATA)
			cli_errx(EXIT_TIMENS, "the offsets of timens's own time namespace are unknown "
				 "(its creator is gone), so --uptime and --monotonic-value cannot be "
				 "computed; give --boottime or --monotonic instead");
		cli_err(EXIT_TIMENS, "cannot compute offsets for the clock values");
	}
	if (o->has_mono_value)
		off->monotonic_offset_ns = at.monotonic_offset_ns;
	if (o->has_uptime)
		off->boottime_offset_ns = at.boottime_offset_ns;
}

/*
 * After ERANGE: say which clock, by how much, and what would fit.
 * HOST is the host's clock now; the kernel wants 0 <= HOST + OFF <= limit.
 * Returns false when this clock is fine.
 */
static bool explain_clock_range(const char *name, const char *option,
				int64_t host, int64_t off)
{
	__int128 start = (__int128)host + off;
	/* The kernel checks whole seconds: the last allowed second counts in full. */
	__int128 limit = (__int128)(CLOCK_LIMIT_SEC + 1) * NSEC_PER_SEC - 1;
	char a[TIMENS_OFFSET_STRLEN], b[TIMENS_OFFSET_STRLEN], c[TIMENS_OFFSET_STRLEN];

	if (start < 0) {
		cli_warnx("%s %s would start CLOCK_%s %s below zero; the offset must be at least %s",
			  option, cli_format_offset(off, a), name,
			  cli_format_offset((int64_t)-start, b), cli_format_offset(-host, c));
		return true;
	}
	if (start > limit) {
		cli_warnx("%s %s would start CLOCK_%s %s past the kernel's limit of about 146 years; "
			  "the offset must be at most %s",
			  option, cli_format_offset(off, a), name,
			  cli_format_offset((int64_t)(start - limit), b),
			  cli_format_offset((int64_t)(limit - host), c));
		return true;
	}
	return false;
}

static _Noreturn void explain_range(const struct run_opts *o, const struct timens_offset *off)
{
	bool said = false;

	if (o->host_known) {
		said |= explain_clock_range("MONOTONIC", "--monotonic",
					    o->host.monotonic_ns, off->monotonic_offset_ns);
		said |= explain_clock_range("BOOTTIME", "--boottime",
					    o->host.boottime_ns, off->boottime_offset_ns);
	}
	if (!said)
		cli_errx(EXIT_TIMENS, "the kernel refused the offsets as out of range: a clock "
			 "must start between 0 and about 146 years");
	exit(EXIT_TIMENS);
}

/* The cause and the fix for a failure to make the namespaces; exits 125. */
static _Noreturn void explain_ns_error(int err, const struct run_opts *o,
				       const struct timens_offset *off)
{
	errno = err;
	switch (err) {
	case EPERM:
		if (!o->userns)
			cli_errx(EXIT_TIMENS, "creating a time namespace needs CAP_SYS_ADMIN; "
				 "run as root or use -U");
		cli_errx(EXIT_TIMENS, "creating a user namespace was refused: this system may not "
			 "allow unprivileged user namespaces (see 'timens probe')");
	case ENOSPC:
		cli_errx(EXIT_TIMENS, "too many namespaces: the limit in "
			 "/proc/sys/user/max_time_namespaces or max_user_namespaces is reached");
	case EUSERS:
		cli_errx(EXIT_TIMENS, "user namespaces are nested too deeply to create another");
	case ERANGE:
		explain_range(o, off);
	case EINVAL:
	case EOPNOTSUPP:
		cli_errx(EXIT_TIMENS, "this kernel cannot create time namespaces "
			 "(they need Linux 5.6 with CONFIG_TIME_NS)");
	default:
		cli_err(EXIT_TIMENS, "cannot create the time namespace");
	}
}

static _Noreturn void run_in_place(const struct run_opts *o, const struct timens_offset *off)
{
	/* We exec or exit whatever happens: nothing to undo. */
	if (timens_unshare(off, o->userns | TIMENS_UNSHARE_NO_UNDO) < 0) {
		if (o->userns && (errno == EPERM || errno == EACCES))
			cli_err(EXIT_TIMENS, "cannot set up the new user namespace (is this process "
				"dumpable? see prctl(2) PR_SET_DUMPABLE)");
		explain_ns_error(errno, o, off);
	}
	cli_exec(o->argv);
}

/* ---- Spawn and wait ---- */

static const int forwarded[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2 };
#define N_FORWARDED (sizeof(forwarded) / sizeof(forwarded[0]))

static volatile pid_t child_pid;
static volatile sig_atomic_t stop_requested;

static void forward_signal(int sig)
{
	int saved = errno;

	if (sig == SIGINT || sig == SIGTERM || sig == SIGHUP || sig == SIGQUIT)
		stop_requested = 1;
	if (child_pid > 0)
		kill(child_pid, sig);
	errno = saved;
}

/*
 * Forwards the signals that are not ignored: a signal ignored when we
 * started (a background job's SIGINT) stays ignored in COMMAND too.
 */
static void install_forwarding(bool interrupt)
{
	struct sigaction sa, old;
	size_t i;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = forward_signal;
	/* With --save a stop request must wake the wait, to save at once. */
	sa.sa_flags = interrupt ? 0 : SA_RESTART;
	sigemptyset(&sa.sa_mask);
	for (i = 0; i < N_FORWARDED; i++) {
		if (sigaction(forwarded[i], NULL, &old) < 0)
			cli_err(EXIT_TIMENS, "sigaction");
		if (old.sa_handler == SIG_IGN)
			continue;
		if (sigaction(forwarded[i], &sa, NULL) < 0)
			cli_err(EXIT_TIMENS, "sigaction");
	}
}

/* The cause of a failed timens_spawn(): COMMAND itself (126/127) or the namespace. */
static _Noreturn void explain_spawn_error(int err, const struct run_opts *o,
					  const struct timens_offset *off)
{
	switch (err) {
	case ENOENT:
	case ENOTDIR:
	case ELOOP:
	case ENAMETOOLONG:
	case EACCES:
	case ENOEXEC:
	case ETXTBSY:
	case EISDIR:
	case ELIBBAD:
	case E2BIG:
		cli_exec_failed(o->argv[0], err);
	case EPERM:
	case ENOSPC:
	case EUSERS:
	case ERANGE:
	case EINVAL:
	case EOPNOTSUPP:
		explain_ns_error(err, o, off);
	default:
		errno = err;
		cli_err(EXIT_TIMENS, "cannot start %s", o->argv[0]);
	}
}

static int spawn_and_wait(const struct run_opts *o, const struct timens_offset *off)
{
	sigset_t block, old;
	pid_t pid;
	int status;
	size_t i;

	/*
	 * Signals that arrive before we know the child's pid wait, blocked,
	 * and are forwarded once it is known.  COMMAND starts with the mask
	 * we were given, not this one.
	 */
	sigemptyset(&block);
	for (i = 0; i < N_FORWARDED; i++)
		sigaddset(&block, forwarded[i]);
	if (sigprocmask(SIG_BLOCK, &block, &old) < 0)
		cli_err(EXIT_TIMENS, "sigprocmask");
	TIMENS_SPAWN_OPTS(sp,
		.flags = TIMENS_SPAWN_SEARCH_PATH | TIMENS_SPAWN_SETSIGMASK | o->userns,
		.offset = off,
		.sigmask = &old);
	fflush(NULL);
	if (timens_spawn(&pid, o->argv[0], o->argv, NULL, &sp) < 0)
		explain_spawn_error(errno, o, off);
	child_pid = pid;
	install_forwarding(o->save);
	if (sigprocmask(SIG_SETMASK, &old, NULL) < 0)
		cli_err(EXIT_TIMENS, "sigprocmask");

	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR)
			cli_err(EXIT_TIMENS, "waiting for %s", o->argv[0]);
		if (o->save && stop_requested) {
			/* Told to stop: save now, in case COMMAND never ends. */
			stop_requested = 0;
			cli_save_offset_clocks(o->save, off);
		}
	}
	/* COMMAND has ended: nothing in the namespace reads its clocks now. */
	if (o->save)
		cli_save_offset_clocks(o->save, off);
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return WEXITSTATUS(status);
}

bool cli_fork_forced(void)
{
	const char *force = secure_getenv("TIMENS_PATH");

	return force && !strcmp(force, "fork");
}

/* In place needs the exec switch. */
static bool can_run_in_place(const struct run_opts *o)
{
	if (o->fork || o->save || cli_fork_forced())
		return false;
	return timens_features() & TIMENS_FEATURE_EXEC_SWITCH;
}

int cmd_run(int argc, char **argv)
{
	struct timens_offset off;
	struct run_opts o;

	parse_run_args(argc, argv, &o);
	if (!(timens_features() & TIMENS_FEATURE_TIME_NS))
		cli_errx(EXIT_TIMENS, "this kernel has no time namespaces "
			 "(they need Linux 5.6 with CONFIG_TIME_NS)");
	compute_offsets(&o, &off);
	if (can_run_in_place(&o))
		run_in_place(&o, &off);
	return spawn_and_wait(&o, &off);
}
