/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef FINTUNE_REPORT_H
#define FINTUNE_REPORT_H

#include "common.h"
#include "diag.h"

#include <stdbool.h>

#include <jansson.h>

/*
 * The top layer's errors: each is printed once on stderr, for people, and
 * the first one is remembered, so that with --format json a command that
 * failed without printing its JSON document still prints exactly one object
 * on stdout:
 *
 *   {"error": {"code", "message", "file", "line", "column"}}
 *
 * The codes are stable (fintune(8), JSON ERRORS); add new ones at the end.
 */
enum error_code {
	ERR_USAGE,	/* "usage": an unknown option or command, a missing or bad argument */
	ERR_PROFILE,	/* "invalid-profile": a profile (or validate's document or schema) is
			 * missing, unreadable or invalid */
	ERR_IO,		/* "io": a file, /proc/sys or the output could not be read or written */
	ERR_REFUSED,	/* "refused": fintune will not do it (a pin, a foreign drop-in) */
	ERR_DRIFTED,	/* "drifted": the system changed since the plan was made */
	ERR_STATE,	/* "invalid-state": fintune's state file is damaged or edited */
	ERR_PRIVILEGE,	/* "not-root": the command needs root */
	ERR_NOMEM,	/* "out-of-memory" */
	ERR_INTERNAL,	/* "internal": a bug in fintune (its compiled-in schema, say) */
};

/* The code's stable name: "invalid-profile". */
const char *error_code_name(enum error_code code);

/* Starts a command: its name for messages ("validate"; NULL before the
 * command is known) and the output format asked for so far. Forgets any
 * error remembered before. */
void report_init(const char *cmd, enum format fmt);
/* The format once --format is parsed (the last one given wins). */
void report_set_format(enum format fmt);
/* --color (and NO_COLOR): report_diags colours stderr as use_color() would. */
void report_set_color(enum color color);

/* Prints "fintune CMD: message", or "FILE:LINE:COL: message" when file is
 * set (line and col 0: not known, left out), on stderr, and remembers it if
 * it is the first error. */
void report_error(enum error_code code, const char *file, unsigned line, unsigned col, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));
/* Prints d on stderr as FILE:LINE:COL: /pointer: message lines (warnings
 * too) and remembers its first error, if it holds one and none came before. */
void report_diags(enum error_code code, const struct diags *d);
/* Remembers d's first error as report_diags does, printing nothing: for a
 * command whose JSON document carries the problems itself (validate). */
void report_remember_diags(enum error_code code, const struct diags *d);

/* print_json() calls it once a JSON document went to stdout. */
void report_json_printed(void);
bool report_json_done(void);

/* The remembered error as {"code", "message", "file", "line", "column"}
 * (file, line, column null when not known); when none was remembered,
 * {"code": "io", "message": "failed; see stderr"}: the command failed
 * without classifying why, and said it on stderr. A new reference. */
json_t *report_error_json(void);

/* main(), with the command's exit status: after EXIT_ERROR with --format
 * json and no JSON document on stdout, prints {"error": ...}. Returns the
 * status (EXIT_ERROR if even that cannot be printed). */
int report_finish(int status);

#endif
