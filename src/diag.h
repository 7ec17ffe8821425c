/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef FINTUNE_DIAG_H
#define FINTUNE_DIAG_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/* One problem found in an input file, printed as
 *   FILE:LINE:COL: /json/pointer: message
 * Lines and columns are 1-based; 0 means "not known" and is left out. */
struct diag {
	char *file;
	unsigned line, col;
	char *pointer;	/* NULL when the problem is not about one value */
	char *msg;
	bool warning;
	bool refused;	/* fintune will not read the file (trust.h): JSON code "refused" */
};

struct diags {
	struct diag *v;
	size_t n, cap;
	size_t dropped;	/* past DIAGS_MAX: counted, not kept */
	size_t errors;
};

/* A hostile file can produce a problem per byte; nobody reads past this. */
#define DIAGS_MAX 200

void diags_init(struct diags *d);
/* diag_add and friends accept a NULL d: the problem is then dropped. */
void diags_free(struct diags *d);
void diag_add(struct diags *d, const char *file, unsigned line, unsigned col, const char *pointer,
	      const char *fmt, ...) __attribute__((format(printf, 6, 7)));
void diag_vadd(struct diags *d, bool warning, const char *file, unsigned line, unsigned col,
	       const char *pointer, const char *fmt, va_list ap) __attribute__((format(printf, 7, 0)));
void diag_warn(struct diags *d, const char *file, unsigned line, unsigned col, const char *pointer,
	       const char *fmt, ...) __attribute__((format(printf, 6, 7)));
/* An error that is a refusal to read a file at all (it is not trusted, or
 * it is no profile): of no file and no place, as its message names the file. */
void diag_refuse(struct diags *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Moves every entry of src to the end of dst. */
void diags_move(struct diags *dst, struct diags *src);
/* Stable order by file, line, column, so output follows the source. */
void diags_sort(struct diags *d);
void diags_print(const struct diags *d, FILE *f);
void diags_print_color(const struct diags *d, FILE *f, bool color);
void diag_format(const struct diag *g, char **line);
void diag_format_color(const struct diag *g, char **line, bool color);

#endif
