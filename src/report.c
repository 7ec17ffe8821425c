// SPDX-License-Identifier: GPL-2.0-or-later
/* Errors of the top layer: printed once for people, the first remembered for
 * the JSON error object. The one module with state: main() runs one
 * command per process. */
#include "report.h"
#include "output.h"
#include "util.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char *const code_names[] = {
	[ERR_USAGE] = "usage",
	[ERR_PROFILE] = "invalid-profile",
	[ERR_IO] = "io",
	[ERR_REFUSED] = "refused",
	[ERR_DRIFTED] = "drifted",
	[ERR_STATE] = "invalid-state",
	[ERR_PRIVILEGE] = "not-root",
	[ERR_NOMEM] = "out-of-memory",
	[ERR_INTERNAL] = "internal",
};

static struct {
	const char *cmd;
	enum format format;
	enum color color;
	bool json_done;
	/* the first error */
	bool have;
	enum error_code code;
	char *message, *file;
	unsigned line, col;
} rep;

const char *error_code_name(enum error_code code)
{
	return (size_t)code < ARRAY_SIZE(code_names) ? code_names[code] : "internal";
}

void report_init(const char *cmd, enum format fmt)
{
	free(rep.message);
	free(rep.file);
	memset(&rep, 0, sizeof(rep));
	rep.cmd = cmd;
	rep.format = fmt;
}

void report_set_format(enum format fmt)
{
	rep.format = fmt;
}

void report_set_color(enum color color)
{
	rep.color = color;
}

static bool color_on(void)
{
	const char *term = secure_getenv("TERM");

	if (rep.color != COLOR_AUTO)
		return rep.color == COLOR_ALWAYS;
	return isatty(2) && term && strcmp(term, "dumb") != 0;
}

/* Keeps the first error; message is the caller's, taken. */
static void remember(enum error_code code, const char *file, unsigned line, unsigned col, char *message)
{
	if (rep.have) {
		free(message);
		return;
	}
	rep.have = true;
	rep.code = code;
	rep.message = message;	/* NULL after a failed allocation: reported as such */
	rep.file = file ? strdup(file) : NULL;
	rep.line = file ? line : 0;
	rep.col = file && line ? col : 0;
}

/* Prints one error on stderr (as CMD's, when no file is set) and
 * remembers it; msg is taken. */
static void say(const char *cmd, enum error_code code, const char *file, unsigned line, unsigned col, char *msg)
{
	struct strbuf out;

	sb_init(&out);
	if (file) {
		sb_add_printable(&out, file, strlen(file));
		if (line) {
			sb_addf(&out, ":%u", line);
			if (col)
				sb_addf(&out, ":%u", col);
		}
		sb_adds(&out, ": ");
	} else {
		sb_addf(&out, "fintune%s%s: ", cmd ? " " : "", cmd ? cmd : "");
	}
	/* messages quote arguments and file names: nothing of theirs may act
	 * on the terminal */
	if (msg)
		sb_add_printable(&out, msg, strlen(msg));
	else
		sb_adds(&out, "out of memory");
	fprintf(stderr, "%s\n", out.s ? out.s : "fintune: out of memory");
	sb_free(&out);
	remember(code, file, line, col, msg);
}

void report_error(enum error_code code, const char *file, unsigned line, unsigned col, const char *fmt, ...)
{
	struct strbuf msg;
	va_list ap;

	sb_init(&msg);
	va_start(ap, fmt);
	sb_vaddf(&msg, fmt, ap);
	va_end(ap);
	say(rep.cmd, code, file, line, col, sb_steal(&msg));
}

/* common.h: a usage error of cmd (NULL: before the command), with where
 * to read more. */
int usage_error(const char *cmd, const char *fmt, ...)
{
	struct strbuf msg;
	va_list ap;

	sb_init(&msg);
	va_start(ap, fmt);
	sb_vaddf(&msg, fmt, ap);
	va_end(ap);
	if (cmd)
		sb_addf(&msg, " (see 'fintune help %s')", cmd);
	else
		sb_adds(&msg, " (see 'fintune --help')");
	say(cmd, ERR_USAGE, NULL, 0, 0, sb_steal(&msg));
	return EXIT_ERROR;
}

static void remember_diags(enum error_code code, const struct diags *d)
{
	for (size_t i = 0; i < d->n; i++) {
		const struct diag *g = &d->v[i];
		struct strbuf msg;

		if (g->warning)
			continue;
		/* the message as it follows FILE:LINE:COL on stderr */
		sb_init(&msg);
		if (g->pointer)
			sb_addf(&msg, "%s%s: ", g->pointer[0] ? "" : "/", g->pointer);
		sb_adds(&msg, g->msg);
		remember(g->refused ? ERR_REFUSED : code, g->file, g->line, g->col, sb_steal(&msg));
		return;
	}
	/* errors past DIAGS_MAX were counted, not kept */
	if (d->errors)
		remember(code, NULL, 0, 0, strdup("problems not shown (too many)"));
}

void report_diags(enum error_code code, const struct diags *d)
{
	for (size_t i = 0; i < d->n; i++) {
		const struct diag *g = &d->v[i];
		char *line = NULL;

		diag_format_color(g, &line, color_on());
		if (!line)
			continue;
		/* a problem of no file reads as report_error's do */
		if (g->file)
			fprintf(stderr, "%s\n", line);
		else
			fprintf(stderr, "fintune%s%s: %s\n", rep.cmd ? " " : "", rep.cmd ? rep.cmd : "", line);
		free(line);
	}
	if (d->dropped)
		fprintf(stderr, "... and %zu more problems not shown\n", d->dropped);
	remember_diags(code, d);
}

void report_remember_diags(enum error_code code, const struct diags *d)
{
	remember_diags(code, d);
}

void report_json_printed(void)
{
	rep.json_done = true;
}

bool report_json_done(void)
{
	return rep.json_done;
}

/* jansson takes only UTF-8; a file name may be anything */
static json_t *json_text(const char *s)
{
	char buf[4096];

	if (utf8_valid(s, strlen(s)))
		return json_string(s);
	return json_string(printable(buf, sizeof(buf), s));
}

json_t *report_error_json(void)
{
	json_t *o = json_object();
	bool have = rep.have;

	if (!o)
		return NULL;
	json_object_set_new(o, "code", json_string(error_code_name(have ? rep.code : ERR_IO)));
	json_object_set_new(o, "message", json_text(!have ? "failed; see stderr" :
						    rep.message ? rep.message : "out of memory"));
	json_object_set_new(o, "file", have && rep.file ? json_text(rep.file) : json_null());
	json_object_set_new(o, "line", have && rep.line ? json_integer(rep.line) : json_null());
	json_object_set_new(o, "column", have && rep.col ? json_integer(rep.col) : json_null());
	return o;
}

int report_finish(int status)
{
	json_t *top;

	if (status != EXIT_ERROR || rep.format != FORMAT_JSON || rep.json_done)
		return status;
	top = json_object();
	if (top && json_object_set_new(top, "error", report_error_json()) < 0) {
		json_decref(top);
		top = NULL;
	}
	/* NULL: print_json says out of memory */
	print_json(top);
	return EXIT_ERROR;
}
