/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef FINTUNE_REPORT_H
#define FINTUNE_REPORT_H

#include "common.h"
#include "diag.h"

#include <stdbool.h>

/* Stable error codes of {"error": {"code", ...}} (fintune(8), JSON ERRORS). */
enum error_code {
	ERR_USAGE,
	ERR_PROFILE,
	ERR_IO,
	ERR_REFUSED,
	ERR_DRIFTED,
	ERR_STATE,
	ERR_PRIVILEGE,
	ERR_NOMEM,
	ERR_INTERNAL,
};

const char *error_code_name(enum error_code code);
void report_init(const char *cmd);
void report_set_format(enum format fmt);
/* Prints "fintune CMD: message" (or "FILE:LINE:COL: message") to stderr
 * and keeps the first error for the JSON error object. */
void report_error(enum error_code code, const char *file, unsigned line, unsigned col, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));
/* Prints the problems as diags_print does; keeps the first error. */
void report_diags(enum error_code code, const struct diags *d);
/* Keeps an error without printing it (already printed). */
void report_note(enum error_code code, const char *file, unsigned line, unsigned col, const char *msg);
/* print_json() sets it: a JSON document reached stdout. */
void report_json_printed(void);
/* From main(): after a failed command, the JSON error object, if the
 * format is json and nothing else was printed. */
void report_finish(int status);

#endif
