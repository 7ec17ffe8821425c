// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * A small line diff for the drop-in: longest common subsequence by dynamic
 * programming, which is exact and plenty for files of a few dozen lines.
 * Past MAX_LINES on either side the whole file is shown as replaced, so a
 * huge foreign file cannot cost quadratic time or memory.
 */
#include "textdiff.h"

#include <stdlib.h>
#include <string.h>

#define MAX_LINES 1000
#define CONTEXT ((size_t)3)

struct lines {
	const char **s;
	size_t *len;
	size_t n;
	bool last_has_newline;
};

static bool split(const char *text, size_t n, struct lines *l)
{
	size_t cap = 16;
	const char *p = text, *end = text + n;

	memset(l, 0, sizeof(*l));
	l->last_has_newline = true;
	if (!text || !n)
		return true;
	l->s = malloc(cap * sizeof(*l->s));
	l->len = malloc(cap * sizeof(*l->len));
	if (!l->s || !l->len)
		return false;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));

		if (l->n == cap) {
			const char **s = realloc(l->s, 2 * cap * sizeof(*s));
			size_t *len = s ? realloc(l->len, 2 * cap * sizeof(*len)) : NULL;

			if (s)
				l->s = s;
			if (!s || !len)
				return false;
			l->len = len;
			cap *= 2;
		}
		l->s[l->n] = p;
		l->len[l->n] = nl ? (size_t)(nl - p) : (size_t)(end - p);
		l->n++;
		if (!nl) {
			l->last_has_newline = false;
			break;
		}
		p = nl + 1;
	}
	return true;
}

/* A last line without its newline differs from the same text with one. */
static bool unterminated(const struct lines *l, size_t i)
{
	return i + 1 == l->n && !l->last_has_newline;
}

static bool same(const struct lines *a, size_t i, const struct lines *b, size_t j)
{
	return a->len[i] == b->len[j] && memcmp(a->s[i], b->s[j], a->len[i]) == 0 &&
	       unterminated(a, i) == unterminated(b, j);
}

enum op { EQ, DEL, ADD };

struct edit {
	enum op op;
	size_t i, j;	/* line in old, line in new */
};

static void emit_line(struct strbuf *out, char sign, const struct lines *l, size_t i, bool color)
{
	const char *on = !color ? "" : sign == '-' ? "\033[31m" : sign == '+' ? "\033[32m" : "";

	sb_adds(out, on);
	sb_addc(out, sign);
	/* the file on disk may hold anything: nothing of it reaches the
	 * terminal as a control byte */
	sb_add_printable(out, l->s[i], l->len[i]);
	if (color && *on)
		sb_adds(out, "\033[0m");
	sb_addc(out, '\n');
	if (i + 1 == l->n && !l->last_has_newline)
		sb_adds(out, "\\ No newline at end of file\n");
}

void unified_diff(struct strbuf *out, const char *old_label, const char *old_text, size_t old_len,
		  const char *new_label, const char *new_text, size_t new_len, bool color)
{
	struct lines a, b;
	struct edit *ed = NULL;
	unsigned *lcs = NULL;
	size_t n_ed = 0, i, j;

	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));
	if (text_equal(old_text, old_len, new_text, new_len))
		return;
	if (!split(old_text, old_len, &a) || !split(new_text, new_len, &b))
		goto out;
	ed = malloc((a.n + b.n + 1) * sizeof(*ed));
	if (!ed)
		goto out;
	if (a.n <= MAX_LINES && b.n <= MAX_LINES)
		lcs = calloc((a.n + 1) * (b.n + 1), sizeof(*lcs));
	if (lcs) {
#define L(x, y) lcs[(x) * (b.n + 1) + (y)]
		for (i = a.n; i-- > 0;)
			for (j = b.n; j-- > 0;)
				L(i, j) = same(&a, i, &b, j) ? L(i + 1, j + 1) + 1 :
					  L(i + 1, j) > L(i, j + 1) ? L(i + 1, j) : L(i, j + 1);
		for (i = 0, j = 0; i < a.n || j < b.n;) {
			if (i < a.n && j < b.n && same(&a, i, &b, j))
				ed[n_ed++] = (struct edit){ EQ, i++, j++ };
			else if (j == b.n || (i < a.n && L(i + 1, j) >= L(i, j + 1)))
				ed[n_ed++] = (struct edit){ DEL, i++, j };
			else
				ed[n_ed++] = (struct edit){ ADD, i, j++ };
		}
#undef L
	} else {
		for (i = 0; i < a.n; i++)
			ed[n_ed++] = (struct edit){ DEL, i, 0 };
		for (j = 0; j < b.n; j++)
			ed[n_ed++] = (struct edit){ ADD, a.n, j };
	}
	sb_addf(out, "%s--- %s\n+++ %s%s\n", color ? "\033[1m" : "", old_text ? old_label : "/dev/null",
		new_text ? new_label : "/dev/null", color ? "\033[0m" : "");
	for (size_t k = 0; k < n_ed;) {
		size_t start, end, old_start, new_start, old_count = 0, new_count = 0;

		while (k < n_ed && ed[k].op == EQ)
			k++;
		if (k == n_ed)
			break;
		/* a hunk: changes joined while no more than 2 x CONTEXT lines apart */
		start = k > CONTEXT ? k - CONTEXT : 0;
		{
			size_t last = k;

			for (size_t t = k; t < n_ed; t++) {
				if (ed[t].op != EQ)
					last = t;
				else if (t - last > 2 * CONTEXT)
					break;
			}
			end = last + CONTEXT + 1 < n_ed ? last + CONTEXT + 1 : n_ed;
		}
		for (size_t t = start; t < end; t++) {
			old_count += ed[t].op != ADD;
			new_count += ed[t].op != DEL;
		}
		old_start = ed[start].i + (old_count ? 1 : 0);
		new_start = ed[start].j + (new_count ? 1 : 0);
		sb_addf(out, "%s@@ -%zu,%zu +%zu,%zu @@%s\n", color ? "\033[36m" : "", old_start, old_count,
			new_start, new_count, color ? "\033[0m" : "");
		for (size_t t = start; t < end; t++) {
			if (ed[t].op == EQ)
				emit_line(out, ' ', &a, ed[t].i, false);
			else if (ed[t].op == DEL)
				emit_line(out, '-', &a, ed[t].i, color);
			else
				emit_line(out, '+', &b, ed[t].j, color);
		}
		k = end;
	}
out:
	free(lcs);
	free(ed);
	free(a.s);
	free(a.len);
	free(b.s);
	free(b.len);
}
