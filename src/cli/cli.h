/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The timens tool: what its subcommands share.
 *
 * Exit statuses are those of env(1) and chroot(1), the convention of a
 * command that runs another: 125 when the tool itself failed, 126 when
 * COMMAND was found but could not be executed, 127 when it was not
 * found, and otherwise COMMAND's own status.  (util-linux's unshare and
 * nsenter exit 1 for their own failures, which a script cannot tell from
 * the command's.)
 */
#ifndef TIMENS_CLI_H
#define TIMENS_CLI_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include "timens.h"
#include "../common/nsec.h"

#define EXIT_TIMENS	125	/* timens itself failed, or a usage error */
#define EXIT_CANNOT_RUN	126	/* COMMAND found but could not be executed */
#define EXIT_NOT_FOUND	127	/* COMMAND not found */

#define CLI_PRINTF(f, a) __attribute__((format(printf, f, a)))

/* "timens: MESSAGE: strerror(errno)" and exit STATUS. */
_Noreturn void cli_err(int status, const char *fmt, ...) CLI_PRINTF(2, 3);
/* "timens: MESSAGE" and exit STATUS. */
_Noreturn void cli_errx(int status, const char *fmt, ...) CLI_PRINTF(2, 3);
void cli_warn(const char *fmt, ...) CLI_PRINTF(1, 2);
void cli_warnx(const char *fmt, ...) CLI_PRINTF(1, 2);
/* One line, then "Try 'timens --help'", and exit 125. */
_Noreturn void cli_usage_error(const char *fmt, ...) CLI_PRINTF(1, 2);

struct option;
/*
 * getopt_long() that stops at the first non-option (COMMAND's own
 * options are not ours), answers -h/--help, and turns a bad option into
 * a one-line usage error.  SHORTOPTS must start with "+:".
 */
int cli_getopt(int argc, char **argv, const char *shortopts,
	       const struct option *longopts);

/* Strict decimal pid > 0, or a usage error naming WHAT. */
pid_t cli_parse_pid(const char *text);
/* An offset or clock value with units, or a usage error naming OPTION. */
int64_t cli_parse_offset(const char *option, const char *text);
/* timens_format_offset() into BUF (TIMENS_OFFSET_STRLEN bytes). */
const char *cli_format_offset(int64_t ns, char *buf);

/*
 * Executes ARGV[0] (PATH search when it has no slash) and, if that
 * fails, exits 127 or 126 with a message naming the command.
 */
_Noreturn void cli_exec(char *const argv[]);
/*
 * TIMENS_PATH=fork (a test switch, as for the library): run COMMAND the
 * way kernels before 6.2 need, spawn and wait, instead of exec'ing in place.
 */
bool cli_fork_forced(void);
/* The exit status and message for an exec of COMMAND that failed with ERR. */
_Noreturn void cli_exec_failed(const char *command, int err);

/* Saved clocks (save.c).  Loading exits 125 with the cause on a bad file. */
void cli_load_clocks(const char *file, struct timens_clocks *clocks);
/* Saving warns on failure and goes on: COMMAND's status matters more. */
void cli_save_clocks(const char *file, const struct timens_clocks *clocks);
void cli_save_offset_clocks(const char *file, const struct timens_offset *off);
int cmd_save(int argc, char **argv);

struct json;
/* {"dev": D, "ino": I} */
void cli_json_ns_id(struct json *j, const char *key, const struct timens_ns_id *id);
/* {"monotonic_ns", "boottime_ns", "monotonic", "boottime"}, or null for NULL. */
void cli_json_offset(struct json *j, const char *key, const struct timens_offset *off);
/* Exits 125 with the cause of a failed timens_get_info(PID) (0: ourselves). */
_Noreturn void cli_info_failed(pid_t pid);

/* Each subcommand: argv[0] is the subcommand's name. */
int cmd_run(int argc, char **argv);
int cmd_show(int argc, char **argv);
int cmd_list(int argc, char **argv);
int cmd_enter(int argc, char **argv);
int cmd_probe(int argc, char **argv);

/* Prints the help of one subcommand (NULL: all of them) to stdout. */
void cli_help(const char *subcommand);

#endif
