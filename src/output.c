// SPDX-License-Identifier: GPL-2.0-or-later
#include "output.h"
#include "report.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

static json_t *json_str_or_null(const char *s)
{
	return s ? json_string(s) : json_null();
}

json_t *diags_to_json(const struct diags *d)
{
	json_t *a = json_array();

	for (size_t i = 0; a && i < d->n; i++) {
		const struct diag *g = &d->v[i];
		json_t *o = json_object();

		json_object_set_new(o, "file", json_str_or_null(g->file));
		json_object_set_new(o, "line", g->line ? json_integer(g->line) : json_null());
		json_object_set_new(o, "column", g->col ? json_integer(g->col) : json_null());
		json_object_set_new(o, "pointer", json_str_or_null(g->pointer));
		json_object_set_new(o, "severity", json_string(g->warning ? "warning" : "error"));
		json_object_set_new(o, "message", json_string(g->msg));
		json_array_append_new(a, o);
	}
	if (a && d->dropped) {
		json_t *o = json_object();

		json_object_set_new(o, "severity", json_string("error"));
		json_object_set_new(o, "message", json_sprintf("%zu more problems not shown", d->dropped));
		json_array_append_new(a, o);
	}
	return a;
}

int print_json(json_t *v)
{
	int r;

	if (!v) {
		report_error(ERR_NOMEM, NULL, 0, 0, "out of memory");
		return -1;
	}
	/* from here on stdout holds a document, whole or not: a second one
	 * (the error object) would only make it worse */
	report_json_printed();
	errno = 0;
	r = json_dumpf(v, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_ENSURE_ASCII);
	json_decref(v);
	if (r == 0)
		r = fputc('\n', stdout) == EOF || fflush(stdout) == EOF ? -1 : 0;
	if (r < 0)
		report_error(ERR_IO, NULL, 0, 0, "cannot write to standard output: %s",
			     errno ? strerror(errno) : "write error");
	return r;
}
