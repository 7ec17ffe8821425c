/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef FINTUNE_COMMON_H
#define FINTUNE_COMMON_H

#include <getopt.h>
#include <stdbool.h>

/* Exit status, for scripts and configuration management (fintune(8)). */
enum {
	EXIT_OK = 0,		/* done, valid, in sync */
	EXIT_ERROR = 1,		/* error or invalid input */
	EXIT_PENDING = 2,	/* changes pending (diff, apply --check) */
};

enum format { FORMAT_TEXT, FORMAT_JSON, FORMAT_DOT, FORMAT_PROMETHEUS };
enum color { COLOR_AUTO, COLOR_ALWAYS, COLOR_NEVER };

/* Options every command takes. */
struct common {
	const char *cmd;	/* "validate": for messages */
	const char *root;	/* --root: every path below it; "" for the real root */
	enum format format;
	enum color color;
	bool quiet, verbose;
	const char *kernel;	/* --kernel: the release of an offline image's kernel */
	unsigned formats;	/* the formats this command offers: 1 << FORMAT_x */
};

/* ":" first: a missing value is reported as such; no "+": options may follow
 * the arguments, as in `fintune plan reverse-proxy --root /tmp/t`. */
#define COMMON_SHORTOPTS ":qvh"
#define COMMON_LONGOPTS                                             \
	{ "root", required_argument, NULL, 'R' },                   \
	{ "kernel", required_argument, NULL, 'K' },                 \
	{ "format", required_argument, NULL, 'F' },                 \
	{ "color", required_argument, NULL, 'C' },                  \
	{ "colour", required_argument, NULL, 'C' },                 \
	{ "quiet", no_argument, NULL, 'q' },                        \
	{ "verbose", no_argument, NULL, 'v' },                      \
	{ "help", no_argument, NULL, 'h' }

void common_init(struct common *c, const char *cmd, unsigned formats);
/* Handles a common option returned by getopt_long: 0 handled, 1 not a common
 * option, -1 error (already reported). 'h' prints the command's help and
 * returns 2: the caller exits 0. */
int common_option(struct common *c, int opt, char **argv);
/* After the options: -q silences standard output in text (common_parse
 * calls it; commands with their own loop call it themselves). */
void common_finish(struct common *c);
/* For a command with only the common options: parses them all. True: go
 * on, optind is the first argument. False: return *status now (0 after
 * --help, 1 after an error already reported). */
bool common_parse(struct common *c, int argc, char **argv, int *status);
/* The message for an option getopt_long did not know, then exit status 1. */
int usage_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Whether to colour output on this stream. */
bool use_color(const struct common *c, int fd);

int command_help(const char *cmd);

int validate_main(int argc, char **argv);
int profiles_main(int argc, char **argv);
int plan_main(int argc, char **argv);
int explain_main(int argc, char **argv);
int diff_main(int argc, char **argv);
int apply_main(int argc, char **argv);
int rollback_main(int argc, char **argv);
int status_main(int argc, char **argv);

#endif
