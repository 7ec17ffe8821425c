/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef FINTUNE_OUTPUT_H
#define FINTUNE_OUTPUT_H

#include "diag.h"

#include <jansson.h>

/* [{"file", "line", "column", "pointer", "severity", "message"}, ...] */
json_t *diags_to_json(const struct diags *d);
/* Prints a JSON value on stdout, indented, with a final newline; steals it.
 * Tells report.c that a document went out; a failure is reported there. */
int print_json(json_t *v);

#endif
