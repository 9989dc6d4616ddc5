// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * timens list [--json]: every time namespace on the system, as lsns -t
 * time finds them (the /proc/PID/ns/time of every process, through
 * timens_for_each_process(), grouped by identity), plus each one's
 * offsets.  A namespace that some process
 * holds as time_for_children but nobody has entered yet (unshare
 * without a fork) is listed too, with no processes: its offsets can
 * still change.  Processes whose /proc entries we may not read are left
 * out, as lsns leaves them out.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "json.h"

#define COMMAND_MAX 256

struct ns_entry {
	struct timens_ns_id id;
	unsigned int processes;	/* members; 0: only someone's time_for_children */
	pid_t pid;		/* lowest member, or lowest holder */
	bool offset_known;
	struct timens_offset offset;
	char command[COMMAND_MAX];
};

struct ns_table {
	struct ns_entry *v;
	size_t n, cap;
};

static struct ns_entry *find_or_add(struct ns_table *t, const struct timens_ns_id *id)
{
	struct ns_entry *e;
	size_t i;

	for (i = 0; i < t->n; i++) {
		if (t->v[i].id.dev == id->dev && t->v[i].id.ino == id->ino)
			return &t->v[i];
	}
	if (t->n == t->cap) {
		size_t cap = t->cap ? 2 * t->cap : 16;

		e = reallocarray(t->v, cap, sizeof(*e));
		if (!e)
			cli_err(EXIT_TIMENS, "out of memory");
		t->v = e;
		t->cap = cap;
	}
	e = &t->v[t->n++];
	memset(e, 0, sizeof(*e));
	e->id = *id;
	return e;
}

struct scan {
	struct ns_table *members, *held;
};

/* Counts PID in its namespace; remembers namespaces only held for children. */
static int add_process(pid_t pid, const struct timens_ns_id *ns,
		       const struct timens_ns_id *tfc, void *arg)
{
	struct scan *s = arg;
	struct ns_entry *e;

	e = find_or_add(s->members, ns);
	if (!e->processes++ || pid < e->pid)
		e->pid = pid;
	if (tfc->dev == ns->dev && tfc->ino == ns->ino)
		return 0;
	e = find_or_add(s->held, tfc);
	if (!e->pid || pid < e->pid)
		e->pid = pid;
	return 0;
}

/* The command line of PID, spaces for NULs; "[comm]" for kernel threads. */
static void read_command(pid_t pid, char *buf, size_t size)
{
	char path[64];
	ssize_t n;
	size_t i;
	int fd;

	buf[0] = '\0';
	snprintf(path, sizeof(path), "/proc/%d/cmdline", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	n = read(fd, buf, size - 1);
	close(fd);
	if (n < 0)
		n = 0;
	buf[n] = '\0';
	while (n > 0 && buf[n - 1] == '\0')
		n--;
	for (i = 0; i < (size_t)n; i++) {
		if (buf[i] == '\0')
			buf[i] = ' ';
	}
	if (n > 0)
		return;
	snprintf(path, sizeof(path), "/proc/%d/comm", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	buf[0] = '[';
	n = read(fd, buf + 1, size - 3);
	close(fd);
	if (n <= 0) {
		buf[0] = '\0';
		return;
	}
	if (buf[n] == '\n')
		n--;
	buf[n + 1] = ']';
	buf[n + 2] = '\0';
}

/* Offsets and command of each entry; the library finds the offsets. */
static void describe(struct ns_entry *e)
{
	struct timens_info info;

	if (timens_get_info(e->pid, &info) == 0) {
		if (e->processes && info.ns.ino == e->id.ino && info.ns.dev == e->id.dev &&
		    info.offset_known) {
			e->offset = info.offset;
			e->offset_known = true;
		} else if (!e->processes && info.ns_for_children.ino == e->id.ino &&
			   info.ns_for_children.dev == e->id.dev) {
			e->offset = info.offset_for_children;
			e->offset_known = true;
		}
	}
	read_command(e->pid, e->command, sizeof(e->command));
}

static int by_ino(const void *a, const void *b)
{
	const struct ns_entry *x = a, *y = b;

	if (x->id.ino != y->id.ino)
		return x->id.ino < y->id.ino ? -1 : 1;
	if (x->id.dev != y->id.dev)
		return x->id.dev < y->id.dev ? -1 : 1;
	return 0;
}

/* Members first, then the held namespaces nobody has entered. */
static void merge(struct ns_table *members, struct ns_table *held)
{
	struct ns_entry *e;
	size_t i, j;

	for (i = 0; i < held->n; i++) {
		for (j = 0; j < members->n; j++) {
			if (members->v[j].id.ino == held->v[i].id.ino &&
			    members->v[j].id.dev == held->v[i].id.dev)
				break;
		}
		if (j < members->n)
			continue;
		e = find_or_add(members, &held->v[i].id);
		e->pid = held->v[i].pid;
	}
	if (members->n)
		qsort(members->v, members->n, sizeof(*members->v), by_ino);
}

static void list_text(const struct ns_table *t)
{
	char mono[TIMENS_OFFSET_STRLEN], boot[TIMENS_OFFSET_STRLEN];
	const struct ns_entry *e;
	size_t i;

	printf("%12s %6s %8s %14s %14s  %s\n", "NS", "PROCS", "PID", "MONOTONIC",
	       "BOOTTIME", "COMMAND");
	for (i = 0; i < t->n; i++) {
		e = &t->v[i];
		if (e->offset_known) {
			cli_format_offset(e->offset.monotonic_offset_ns, mono);
			cli_format_offset(e->offset.boottime_offset_ns, boot);
		} else {
			strcpy(mono, "?");
			strcpy(boot, "?");
		}
		printf("%12" PRIu64 " %6u %8d %14s %14s  %s\n", e->id.ino, e->processes,
		       (int)e->pid, mono, boot, e->command);
	}
}

static void list_json(const struct ns_table *t)
{
	const struct ns_entry *e;
	struct json j;
	size_t i;

	json_init(&j, stdout);
	json_object_begin(&j, NULL);
	json_array_begin(&j, "namespaces");
	for (i = 0; i < t->n; i++) {
		e = &t->v[i];
		json_object_begin(&j, NULL);
		cli_json_ns_id(&j, "ns", &e->id);
		json_uint(&j, "processes", e->processes);
		json_int(&j, "pid", e->pid);
		json_string(&j, "command", e->command);
		cli_json_offset(&j, "offsets", e->offset_known ? &e->offset : NULL);
		json_object_end(&j);
	}
	json_array_end(&j);
	json_object_end(&j);
	json_finish(&j);
}

static const struct option list_longopts[] = {
	{ "json", no_argument, NULL, 'J' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

int cmd_list(int argc, char **argv)
{
	struct ns_table members = { 0 }, held = { 0 };
	bool json = false;
	size_t i;
	int c;

	while ((c = cli_getopt(argc, argv, "+:Jh", list_longopts)) != -1) {
		if (c == 'J')
			json = true;
	}
	if (optind < argc)
		cli_usage_error("unexpected argument '%s'", argv[optind]);
	if (!(timens_features() & TIMENS_FEATURE_TIME_NS))
		cli_errx(EXIT_TIMENS, "this kernel has no time namespaces "
			 "(they need Linux 5.6 with CONFIG_TIME_NS)");

	if (timens_for_each_process(add_process, &(struct scan){ &members, &held }) < 0)
		cli_err(EXIT_TIMENS, "cannot read /proc");
	merge(&members, &held);
	for (i = 0; i < members.n; i++)
		describe(&members.v[i]);
	if (json)
		list_json(&members);
	else
		list_text(&members);
	free(members.v);
	free(held.v);
	return 0;
}
