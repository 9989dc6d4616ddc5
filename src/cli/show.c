// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * timens show [--json] [PID]: one process's time namespaces, their
 * offsets, and the clocks as the process sees them.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/sysmacros.h>

#include "cli.h"
#include "json.h"

void cli_json_ns_id(struct json *j, const char *key, const struct timens_ns_id *id)
{
	json_object_begin(j, key);
	json_uint(j, "dev", id->dev);
	json_uint(j, "ino", id->ino);
	json_object_end(j);
}

void cli_json_offset(struct json *j, const char *key, const struct timens_offset *off)
{
	char buf[TIMENS_OFFSET_STRLEN];

	if (!off) {
		json_null(j, key);
		return;
	}
	json_object_begin(j, key);
	json_int(j, "monotonic_ns", off->monotonic_offset_ns);
	json_int(j, "boottime_ns", off->boottime_offset_ns);
	json_string(j, "monotonic", cli_format_offset(off->monotonic_offset_ns, buf));
	json_string(j, "boottime", cli_format_offset(off->boottime_offset_ns, buf));
	json_object_end(j);
}

void cli_info_failed(pid_t pid)
{
	switch (errno) {
	case ESRCH:
		cli_errx(EXIT_TIMENS, "no such process: %d", (int)pid);
	case EACCES:
	case EPERM:
		cli_err(EXIT_TIMENS, "cannot read the time namespace of process %d "
			"(only its owner or root may)", (int)pid);
	case ENOSYS:
		cli_errx(EXIT_TIMENS, "this kernel has no time namespaces "
			 "(they need Linux 5.6 with CONFIG_TIME_NS)");
	default:
		if (pid)
			cli_err(EXIT_TIMENS, "cannot read the time namespace of process %d", (int)pid);
		cli_err(EXIT_TIMENS, "cannot read timens's own time namespace");
	}
}

struct shown {
	pid_t pid;			/* as printed */
	struct timens_info info;
	struct timens_clocks clocks;
	bool clocks_known;
};

static bool same_ns(const struct timens_ns_id *a, const struct timens_ns_id *b)
{
	return a->dev == b->dev && a->ino == b->ino;
}

static void print_ns(const char *label, const struct timens_ns_id *id)
{
	printf("%-22s%" PRIu64 " (device %u:%u)\n", label, id->ino,
	       major((dev_t)id->dev), minor((dev_t)id->dev));
}

static void print_offset(const char *label, int64_t ns)
{
	char buf[TIMENS_OFFSET_STRLEN];

	printf("%-22s%s (%" PRId64 " ns)\n", label, cli_format_offset(ns, buf), ns);
}

static void print_clock(const char *label, int64_t ns)
{
	printf("%-22s%" PRId64 ".%09" PRId64 " s\n", label, (int64_t)(ns / NSEC_PER_SEC),
	       (int64_t)(ns % NSEC_PER_SEC));
}

static void show_text(const struct shown *s)
{
	const struct timens_info *i = &s->info;

	printf("%-22s%d\n", "pid:", (int)s->pid);
	print_ns("time namespace:", &i->ns);
	if (i->offset_known) {
		print_offset("monotonic offset:", i->offset.monotonic_offset_ns);
		print_offset("boottime offset:", i->offset.boottime_offset_ns);
	} else {
		printf("%-22s%s\n", "offsets:", "unknown (no process shows them any more)");
	}
	if (same_ns(&i->ns, &i->ns_for_children)) {
		printf("%-22s%s\n", "time_for_children:", "the same");
	} else {
		print_ns("time_for_children:", &i->ns_for_children);
		print_offset("  monotonic offset:", i->offset_for_children.monotonic_offset_ns);
		print_offset("  boottime offset:", i->offset_for_children.boottime_offset_ns);
	}
	if (s->clocks_known) {
		print_clock("monotonic clock:", s->clocks.monotonic_ns);
		print_clock("boottime clock:", s->clocks.boottime_ns);
	} else {
		printf("%-22s%s\n", "clocks:", "unknown (the offsets are unknown)");
	}
}

static void show_json(const struct shown *s)
{
	const struct timens_info *i = &s->info;
	struct json j;

	json_init(&j, stdout);
	json_object_begin(&j, NULL);
	json_int(&j, "pid", s->pid);
	cli_json_ns_id(&j, "time_ns", &i->ns);
	cli_json_offset(&j, "offsets", i->offset_known ? &i->offset : NULL);
	cli_json_ns_id(&j, "time_for_children_ns", &i->ns_for_children);
	cli_json_offset(&j, "offsets_for_children", &i->offset_for_children);
	if (s->clocks_known) {
		json_object_begin(&j, "clocks");
		json_int(&j, "monotonic_ns", s->clocks.monotonic_ns);
		json_int(&j, "boottime_ns", s->clocks.boottime_ns);
		json_object_end(&j);
	} else {
		json_null(&j, "clocks");
	}
	json_object_end(&j);
	json_finish(&j);
}

static const struct option show_longopts[] = {
	{ "json", no_argument, NULL, 'J' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

int cmd_show(int argc, char **argv)
{
	struct shown s;
	bool json = false;
	pid_t pid = 0;	/* the library's name for ourselves */
	int c;

	while ((c = cli_getopt(argc, argv, "+:Jh", show_longopts)) != -1) {
		if (c == 'J')
			json = true;
	}
	if (optind < argc)
		pid = cli_parse_pid(argv[optind++]);
	if (optind < argc)
		cli_usage_error("unexpected argument '%s'", argv[optind]);

	memset(&s, 0, sizeof(s));
	s.pid = pid ? pid : getpid();
	if (timens_get_info(pid, &s.info) < 0)
		cli_info_failed(pid);
	/* Without the namespace's offsets nobody can say what its clocks read. */
	if (timens_read_clocks(pid, &s.clocks) == 0)
		s.clocks_known = true;
	else if (errno == ESRCH)
		cli_info_failed(pid);
	if (json)
		show_json(&s);
	else
		show_text(&s);
	return 0;
}
