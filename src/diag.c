// SPDX-License-Identifier: GPL-2.0-or-later
#include "diag.h"
#include "util.h"

#include <stdlib.h>
#include <string.h>

void diags_init(struct diags *d)
{
	memset(d, 0, sizeof(*d));
}

static void diag_clear(struct diag *g)
{
	free(g->file);
	free(g->pointer);
	free(g->msg);
}

void diags_free(struct diags *d)
{
	for (size_t i = 0; i < d->n; i++)
		diag_clear(&d->v[i]);
	free(d->v);
	diags_init(d);
}

/* Takes ownership of g's strings, also on failure. */
static void diag_push(struct diags *d, struct diag *g)
{
	if (d->n >= DIAGS_MAX)
		goto drop;
	if (d->n == d->cap) {
		size_t cap = d->cap ? d->cap * 2 : 8;
		struct diag *v = realloc(d->v, cap * sizeof(*v));

		if (!v)
			goto drop;
		d->v = v;
		d->cap = cap;
	}
	d->v[d->n++] = *g;
	return;
drop:
	diag_clear(g);
	d->dropped++;
}

void diag_vadd(struct diags *d, bool warning, const char *file, unsigned line, unsigned col,
	       const char *pointer, const char *fmt, va_list ap)
{
	struct strbuf sb;
	struct diag g = { .line = line, .col = col, .warning = warning };

	if (!d)
		return;	/* the caller does not want them */
	if (!warning)
		d->errors++;
	if (d->n >= DIAGS_MAX) {
		d->dropped++;
		return;
	}
	sb_init(&sb);
	sb_vaddf(&sb, fmt, ap);
	g.msg = sb_steal(&sb);
	g.file = file ? strdup(file) : NULL;
	g.pointer = pointer ? strdup(pointer) : NULL;
	if (!g.msg || (file && !g.file) || (pointer && !g.pointer)) {
		diag_clear(&g);
		d->dropped++;
		return;
	}
	diag_push(d, &g);
}

void diag_add(struct diags *d, const char *file, unsigned line, unsigned col, const char *pointer,
	      const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	diag_vadd(d, false, file, line, col, pointer, fmt, ap);
	va_end(ap);
}

void diag_warn(struct diags *d, const char *file, unsigned line, unsigned col, const char *pointer,
	       const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	diag_vadd(d, true, file, line, col, pointer, fmt, ap);
	va_end(ap);
}

void diag_refuse(struct diags *d, const char *fmt, ...)
{
	size_t n = d ? d->n : 0;
	va_list ap;

	va_start(ap, fmt);
	diag_vadd(d, false, NULL, 0, 0, NULL, fmt, ap);
	va_end(ap);
	if (d && d->n > n)
		d->v[n].refused = true;
}

void diags_move(struct diags *dst, struct diags *src)
{
	for (size_t i = 0; i < src->n; i++)
		diag_push(dst, &src->v[i]);
	dst->errors += src->errors;
	dst->dropped += src->dropped;
	free(src->v);
	diags_init(src);
}

void diags_sort(struct diags *d)
{
	/* Insertion sort keeps equal positions in the order they were found
	 * (d->n is bounded by DIAGS_MAX). */
	for (size_t i = 1; i < d->n; i++) {
		struct diag g = d->v[i];
		size_t j = i;

		while (j > 0) {
			struct diag *p = &d->v[j - 1];
			int c = strcmp(p->file ? p->file : "", g.file ? g.file : "");

			if (c < 0 || (c == 0 && (p->line < g.line ||
						 (p->line == g.line && p->col <= g.col))))
				break;
			d->v[j] = *p;
			j--;
		}
		d->v[j] = g;
	}
}

void diag_format(const struct diag *g, char **line)
{
	diag_format_color(g, line, false);
}

void diag_format_color(const struct diag *g, char **line, bool color)
{
	struct strbuf sb;

	sb_init(&sb);
	if (color)
		sb_adds(&sb, "\033[1m");
	/* file names, keys and quoted values come from files fintune does not
	 * own: no byte of theirs may act on the terminal, nor break the line */
	if (g->file) {
		sb_add_printable(&sb, g->file, strlen(g->file));
		if (g->line) {
			sb_addf(&sb, ":%u", g->line);
			if (g->col)
				sb_addf(&sb, ":%u", g->col);
		}
		sb_adds(&sb, ": ");
	}
	if (g->pointer) {
		sb_adds(&sb, g->pointer[0] ? "" : "/");
		sb_add_printable(&sb, g->pointer, strlen(g->pointer));
		sb_adds(&sb, ": ");
	}
	if (color)
		sb_adds(&sb, "\033[0m");
	if (g->warning)
		sb_adds(&sb, color ? "\033[33mwarning:\033[0m " : "warning: ");
	sb_add_printable(&sb, g->msg, strlen(g->msg));
	*line = sb_steal(&sb);
}

void diags_print(const struct diags *d, FILE *f)
{
	diags_print_color(d, f, false);
}

void diags_print_color(const struct diags *d, FILE *f, bool color)
{
	for (size_t i = 0; i < d->n; i++) {
		char *line = NULL;

		diag_format_color(&d->v[i], &line, color);
		if (line)
			fprintf(f, "%s\n", line);
		free(line);
	}
	if (d->dropped)
		fprintf(f, "... and %zu more problems not shown\n", d->dropped);
}
