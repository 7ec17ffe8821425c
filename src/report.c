// SPDX-License-Identifier: GPL-2.0-or-later
/* Errors, printed once for people and kept for machines (report.h). */
#include "report.h"
#include "util.h"

#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static struct {
	const char *cmd;
	enum format format;
	bool json_printed, have;
	enum error_code code;
	char *file, *message;
	unsigned line, col;
} rep;

static const char *const code_names[] = {
	[ERR_USAGE] = "usage",		[ERR_PROFILE] = "invalid-profile", [ERR_IO] = "io",
	[ERR_REFUSED] = "refused",	[ERR_DRIFTED] = "drifted",	    [ERR_STATE] = "invalid-state",
	[ERR_PRIVILEGE] = "not-root",	[ERR_NOMEM] = "out-of-memory",	    [ERR_INTERNAL] = "internal",
};

const char *error_code_name(enum error_code code)
{
	return code < ARRAY_SIZE(code_names) && code_names[code] ? code_names[code] : "internal";
}

void report_init(const char *cmd)
{
	rep.cmd = cmd;
}

void report_set_format(enum format fmt)
{
	rep.format = fmt;
}

void report_json_printed(void)
{
	rep.json_printed = true;
}

void report_note(enum error_code code, const char *file, unsigned line, unsigned col, const char *msg)
{
	if (rep.have)
		return;
	rep.have = true;
	rep.code = code;
	rep.file = file ? strdup(file) : NULL;
	rep.message = strdup(msg ? msg : "");
	rep.line = line;
	rep.col = col;
}

void report_error(enum error_code code, const char *file, unsigned line, unsigned col, const char *fmt, ...)
{
	struct strbuf sb;
	va_list ap;

	sb_init(&sb);
	va_start(ap, fmt);
	sb_vaddf(&sb, fmt, ap);
	va_end(ap);
	if (file)
		fprintf(stderr, "%s:%s%s\n", file, line ? "" : " ", sb.s ? sb.s : "out of memory");
	else
		fprintf(stderr, "fintune%s%s: %s\n", rep.cmd ? " " : "", rep.cmd ? rep.cmd : "",
			sb.s ? sb.s : "out of memory");
	report_note(code, file, line, col, sb.s);
	sb_free(&sb);
}

void report_diags(enum error_code code, const struct diags *d)
{
	diags_print(d, stderr);
	for (size_t i = 0; i < d->n; i++)
		if (!d->v[i].warning) {
			report_note(code, d->v[i].file, d->v[i].line, d->v[i].col, d->v[i].msg);
			break;
		}
}

void report_finish(int status)
{
	json_t *o, *e;

	if (status != EXIT_ERROR || rep.format != FORMAT_JSON || rep.json_printed)
		return;
	o = json_object();
	e = json_object();
	json_object_set_new(e, "code", json_string(error_code_name(rep.have ? rep.code : ERR_IO)));
	json_object_set_new(e, "message", json_string(rep.have && rep.message ? rep.message :
								    "failed; the reason is on standard error"));
	json_object_set_new(e, "file", rep.have && rep.file ? json_string(rep.file) : json_null());
	json_object_set_new(e, "line", rep.have && rep.line ? json_integer(rep.line) : json_null());
	json_object_set_new(e, "column", rep.have && rep.col ? json_integer(rep.col) : json_null());
	json_object_set_new(o, "error", e);
	json_dumpf(o, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_ENSURE_ASCII);
	fputc('\n', stdout);
	json_decref(o);
}
