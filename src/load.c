// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * YAML 1.2 / JSON loader over libyaml's event API.
 *
 * The event API (rather than yaml_parser_load) lets us keep every node's mark,
 * stop at a depth limit before libyaml builds anything deep, and treat an alias
 * as a shared node whose expanded size we count, so a billion-laughs document
 * is refused after a few hundred events instead of being walked.
 */
#include "load.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>
#include <nettle/sha2.h>
#include <yaml.h>

const struct load_limits load_default_limits = {
	.max_bytes = 4u << 20,
	.max_depth = 128,
	.max_weight = 1000000,
};

#define YAML_TAG_PREFIX "tag:yaml.org,2002:"

struct frame {
	struct node *node;
	char *anchor;
	size_t ptr_len;		/* length of the pointer to this collection */
	/* children collected so far */
	struct node **items;
	struct member *members;
	size_t n, cap;
	size_t weight;
	/* mapping: the key waiting for its value */
	bool have_key;
	struct member key;
};

struct anchor {
	char *name;
	struct node *node;
};

/* Where a surrogate pair was rewritten: columns after it on its line are 2
 * further right in the file than in the buffer libyaml reads. */
struct rewrite {
	unsigned line, col;	/* 1-based, in the rewritten buffer */
};

struct loader {
	const struct load_limits *lim;
	struct diags *d;
	const char *file;
	const char *buf;
	size_t len;
	struct doc *doc;
	struct frame *stack;
	size_t depth, stack_cap;
	struct anchor *anchors;
	size_t n_anchors, cap_anchors;
	struct strbuf ptr;
	bool fatal;
	struct rewrite *rewrites;
	size_t n_rewrites;
	bool marked;		/* the top level has fintune: 1 */
};

/* A position in the rewritten buffer, as a position in the file. */
static struct mark file_mark(const struct loader *ld, struct mark m)
{
	unsigned shift = 0;

	for (size_t i = 0; i < ld->n_rewrites; i++)
		if (ld->rewrites[i].line == m.line && ld->rewrites[i].col < m.col)
			shift += 2;
	m.col += shift;
	return m;
}

static struct mark mark_of_ld(const struct loader *ld, yaml_mark_t m)
{
	/* libyaml marks are 0-based */
	return file_mark(ld, (struct mark){ .line = (unsigned)m.line + 1, .col = (unsigned)m.column + 1 });
}

#define mark_of(m) mark_of_ld(ld, (m))

/* Pointer of the value being added to the innermost collection. */
static void child_pointer(struct loader *ld, struct strbuf *out)
{
	sb_reset(out);
	sb_addn(out, ld->ptr.s ? ld->ptr.s : "", ld->ptr.len);
	if (ld->depth) {
		struct frame *f = &ld->stack[ld->depth - 1];

		if (f->node->type == NODE_ARRAY)
			pointer_push_index(out, f->n);
		else if (f->have_key)
			pointer_push_key(out, f->key.key, f->key.key_len);
	}
}

__attribute__((format(printf, 3, 4)))
static void load_error(struct loader *ld, struct mark m, const char *fmt, ...)
{
	struct strbuf p;
	va_list ap;

	sb_init(&p);
	child_pointer(ld, &p);
	va_start(ap, fmt);
	diag_vadd(ld->d, false, ld->file, m.line, m.col, p.s ? p.s : "", fmt, ap);
	va_end(ap);
	sb_free(&p);
}

__attribute__((format(printf, 3, 4)))
static void load_fatal(struct loader *ld, struct mark m, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	diag_vadd(ld->d, false, ld->file, m.line, m.col, NULL, fmt, ap);
	va_end(ap);
	ld->fatal = true;
}

static struct node *new_node(struct loader *ld, enum node_type t, struct mark m)
{
	struct node *n = arena_alloc(&ld->doc->arena, sizeof(*n));

	if (!n) {
		load_fatal(ld, m, "out of memory");
		return NULL;
	}
	n->type = t;
	n->mark = m;
	n->weight = 1;
	return n;
}

static bool is_digits(const char *s, size_t n, const char *set)
{
	if (n == 0)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!strchr(set, s[i]) || s[i] == '\0')
			return false;
	return true;
}

/* YAML 1.2 core schema: [-+]? ( \. [0-9]+ | [0-9]+ ( \. [0-9]* )? ) ( [eE] [-+]? [0-9]+ )? */
static bool is_core_float(const char *s, size_t n)
{
	size_t i = 0, d1 = 0, d2 = 0;

	if (i < n && (s[i] == '-' || s[i] == '+'))
		i++;
	while (i < n && s[i] >= '0' && s[i] <= '9')
		i++, d1++;
	if (i < n && s[i] == '.') {
		i++;
		while (i < n && s[i] >= '0' && s[i] <= '9')
			i++, d2++;
		if (d1 == 0 && d2 == 0)
			return false;
	} else if (d1 == 0) {
		return false;
	}
	if (i < n && (s[i] == 'e' || s[i] == 'E')) {
		size_t d3 = 0;

		i++;
		if (i < n && (s[i] == '-' || s[i] == '+'))
			i++;
		while (i < n && s[i] >= '0' && s[i] <= '9')
			i++, d3++;
		if (d3 == 0)
			return false;
	}
	return i == n;
}

enum resolved { R_STR, R_NULL, R_BOOL, R_INT, R_FLOAT, R_INF_NAN };

static enum resolved resolve_plain(const char *s, size_t n)
{
	static const char *const nulls[] = { "", "~", "null", "Null", "NULL" };
	static const char *const bools[] = { "true", "True", "TRUE", "false", "False", "FALSE" };
	static const char *const infnan[] = { ".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF",
					      "-.inf", "-.Inf", "-.INF", ".nan", ".NaN", ".NAN" };
	size_t i;

	if (memchr(s, '\0', n))
		return R_STR;
	for (i = 0; i < ARRAY_SIZE(nulls); i++)
		if (strcmp(s, nulls[i]) == 0)
			return R_NULL;
	for (i = 0; i < ARRAY_SIZE(bools); i++)
		if (strcmp(s, bools[i]) == 0)
			return R_BOOL;
	for (i = 0; i < ARRAY_SIZE(infnan); i++)
		if (strcmp(s, infnan[i]) == 0)
			return R_INF_NAN;
	if (n > 2 && s[0] == '0' && s[1] == 'o' && is_digits(s + 2, n - 2, "01234567"))
		return R_INT;
	if (n > 2 && s[0] == '0' && s[1] == 'x' && is_digits(s + 2, n - 2, "0123456789abcdefABCDEF"))
		return R_INT;
	i = (s[0] == '-' || s[0] == '+') ? 1 : 0;
	if (is_digits(s + i, n - i, "0123456789"))
		return R_INT;
	if (is_core_float(s, n))
		return R_FLOAT;
	return R_STR;
}

static bool set_int(struct loader *ld, struct node *nd, const char *s, size_t n)
{
	char *end;
	int base = 10;
	const char *p = s;

	if (n > 2 && s[0] == '0' && (s[1] == 'o' || s[1] == 'x')) {
		base = s[1] == 'o' ? 8 : 16;
		p = s + 2;
	}
	errno = 0;
	if (base == 10) {
		long long v = strtoll(p, &end, 10);

		if (errno == ERANGE)
			goto overflow;
		nd->u.i = v;
	} else {
		unsigned long long v = strtoull(p, &end, base);

		if (errno == ERANGE || v > INT64_MAX)
			goto overflow;
		nd->u.i = (int64_t)v;
	}
	nd->type = NODE_INT;
	return true;
overflow:
	load_error(ld, nd->mark, "integer %s is out of range (expected -9223372036854775808..9223372036854775807)", s);
	/* keep a close value so validation can still report what else is wrong */
	nd->type = NODE_FLOAT;
	nd->u.f = strtod(s, NULL);
	if (!isfinite(nd->u.f))
		nd->u.f = s[0] == '-' ? -1.7976931348623157e308 : 1.7976931348623157e308;
	return false;
}

static bool set_float(struct loader *ld, struct node *nd, const char *s)
{
	errno = 0;
	nd->type = NODE_FLOAT;
	nd->u.f = strtod(s, NULL);
	if (!isfinite(nd->u.f)) {
		load_error(ld, nd->mark, "number %s is out of range (expected a finite double)", s);
		nd->u.f = s[0] == '-' ? -1.7976931348623157e308 : 1.7976931348623157e308;
		return false;
	}
	return true;
}

static const char *short_tag(const char *tag)
{
	size_t n = strlen(YAML_TAG_PREFIX);

	return strncmp(tag, YAML_TAG_PREFIX, n) == 0 ? tag + n : NULL;
}

static struct node *make_scalar(struct loader *ld, const yaml_event_t *ev)
{
	const char *s = (const char *)ev->data.scalar.value;
	size_t n = ev->data.scalar.length;
	const char *tag = (const char *)ev->data.scalar.tag;
	struct mark m = mark_of(ev->start_mark);
	struct node *nd = new_node(ld, NODE_STRING, m);
	enum resolved r;

	if (!nd)
		return NULL;
	nd->u.str.s = arena_strndup(&ld->doc->arena, s, n);
	nd->u.str.len = n;
	if (!nd->u.str.s) {
		load_fatal(ld, m, "out of memory");
		return NULL;
	}
	if (!tag || strcmp(tag, "!") == 0) {
		if (tag || ev->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
			return nd;
		r = resolve_plain(s, n);
		nd->plain = r == R_STR;
	} else {
		const char *t = short_tag(tag);

		if (!t || (strcmp(t, "str") && strcmp(t, "int") && strcmp(t, "float") &&
			   strcmp(t, "bool") && strcmp(t, "null"))) {
			load_error(ld, m, "unsupported tag %s%s (expected no tag, or one of !!str !!int !!float !!bool !!null)",
				   t ? "!!" : "", t ? t : tag);
			return nd;
		}
		if (strcmp(t, "str") == 0)
			return nd;
		r = resolve_plain(s, n);
		if ((strcmp(t, "int") == 0 && r != R_INT) ||
		    (strcmp(t, "float") == 0 && r != R_FLOAT && r != R_INT && r != R_INF_NAN) ||
		    (strcmp(t, "bool") == 0 && r != R_BOOL) ||
		    (strcmp(t, "null") == 0 && r != R_NULL)) {
			struct strbuf q;

			sb_init(&q);
			sb_add_quoted(&q, s, n);
			load_error(ld, m, "%s is not a valid !!%s", q.s ? q.s : "value", t);
			sb_free(&q);
			return nd;
		}
		if (strcmp(t, "float") == 0 && r == R_INT)
			r = R_FLOAT;
	}
	switch (r) {
	case R_STR:
		break;
	case R_NULL:
		nd->type = NODE_NULL;
		break;
	case R_BOOL:
		nd->type = NODE_BOOL;
		nd->u.b = s[0] == 't' || s[0] == 'T';
		break;
	case R_INT:
		set_int(ld, nd, s, n);
		break;
	case R_FLOAT:
		set_float(ld, nd, s);
		break;
	case R_INF_NAN:
		load_error(ld, m, "%s has no JSON value (expected a finite number)", s);
		break;
	}
	return nd;
}

static bool push_anchor(struct loader *ld, char *name, struct node *node)
{
	/* A later anchor of the same name wins for aliases that follow it. */
	for (size_t i = 0; i < ld->n_anchors; i++) {
		if (strcmp(ld->anchors[i].name, name) == 0) {
			free(ld->anchors[i].name);
			ld->anchors[i].name = name;
			ld->anchors[i].node = node;
			return true;
		}
	}
	if (ld->n_anchors == ld->cap_anchors) {
		size_t cap = ld->cap_anchors ? ld->cap_anchors * 2 : 8;
		struct anchor *v = realloc(ld->anchors, cap * sizeof(*v));

		if (!v)
			return false;
		ld->anchors = v;
		ld->cap_anchors = cap;
	}
	ld->anchors[ld->n_anchors++] = (struct anchor){ name, node };
	return true;
}

static int key_cmp(const void *pa, const void *pb)
{
	const struct member *a = *(const struct member *const *)pa;
	const struct member *b = *(const struct member *const *)pb;
	size_t n = a->key_len < b->key_len ? a->key_len : b->key_len;
	int c = memcmp(a->key, b->key, n);

	if (c)
		return c;
	if (a->key_len != b->key_len)
		return a->key_len < b->key_len ? -1 : 1;
	return a < b ? -1 : a > b;	/* earlier member first */
}

static void report_duplicate(struct loader *ld, const struct member *first, const struct member *dup)
{
	struct strbuf p, q;

	sb_init(&p);
	sb_init(&q);
	sb_addn(&p, ld->ptr.s ? ld->ptr.s : "", ld->ptr.len);
	pointer_push_key(&p, dup->key, dup->key_len);
	sb_add_quoted(&q, dup->key, dup->key_len);
	diag_add(ld->d, ld->file, dup->key_mark.line, dup->key_mark.col, p.s ? p.s : "",
		 "duplicate key %s (first defined at line %u, column %u; expected each key once)",
		 q.s ? q.s : "", first->key_mark.line, first->key_mark.col);
	sb_free(&p);
	sb_free(&q);
}

/* Drops repeated keys (keeping the first) after reporting each one. Sorting
 * keeps this O(n log n) for a mapping with many keys. */
static size_t remove_duplicates(struct loader *ld, struct member *v, size_t n)
{
	struct member **idx;
	bool *drop;
	size_t i, out = 0;

	if (n < 2)
		return n;
	idx = malloc(n * sizeof(*idx));
	drop = calloc(n, sizeof(*drop));
	if (!idx || !drop) {
		free(idx);
		free(drop);
		return n;
	}
	for (i = 0; i < n; i++)
		idx[i] = &v[i];
	qsort(idx, n, sizeof(*idx), key_cmp);
	for (i = 1; i < n; i++) {
		size_t j = i;

		while (j > 0 && idx[j - 1]->key_len == idx[i]->key_len &&
		       memcmp(idx[j - 1]->key, idx[i]->key, idx[i]->key_len) == 0)
			j--;
		if (j != i) {
			report_duplicate(ld, idx[j], idx[i]);
			drop[idx[i] - v] = true;
		}
	}
	for (i = 0; i < n; i++)
		if (!drop[i])
			v[out++] = v[i];
	free(idx);
	free(drop);
	return out;
}

static bool frame_push_child(struct loader *ld, struct frame *f, struct node *child)
{
	if (f->n == f->cap) {
		size_t cap = f->cap ? f->cap * 2 : 8;
		void *v = f->node->type == NODE_ARRAY ?
				  realloc(f->items, cap * sizeof(*f->items)) :
				  realloc(f->members, cap * sizeof(*f->members));

		if (!v) {
			load_fatal(ld, child->mark, "out of memory");
			return false;
		}
		if (f->node->type == NODE_ARRAY)
			f->items = v;
		else
			f->members = v;
		f->cap = cap;
	}
	if (f->node->type == NODE_ARRAY) {
		f->items[f->n++] = child;
	} else {
		f->key.value = child;
		f->members[f->n++] = f->key;
		f->have_key = false;
	}
	return true;
}

/* Adds a finished node to its parent (or makes it the root). */
static bool attach(struct loader *ld, struct node *nd, char *anchor)
{
	struct frame *f;

	if (anchor && !push_anchor(ld, anchor, nd)) {
		free(anchor);
		load_fatal(ld, nd->mark, "out of memory");
		return false;
	}
	if (ld->depth == 0) {
		ld->doc->root = nd;
		return true;
	}
	f = &ld->stack[ld->depth - 1];
	f->weight += nd->weight;
	if (f->weight > ld->lim->max_weight) {
		load_fatal(ld, nd->mark,
			   "document has more than %zu values, counting each alias in full (expected a configuration document)",
			   ld->lim->max_weight);
		return false;
	}
	if (f->node->type == NODE_OBJECT && !f->have_key) {
		if (nd->type != NODE_STRING && nd->type != NODE_NULL) {
			load_error(ld, nd->mark, "an alias used as a mapping key must name a string");
			/* keep key and value paired: the value still follows */
			f->have_key = true;
			f->key.key = "";
			f->key.key_len = 0;
			f->key.key_mark = nd->mark;
			return true;
		}
		f->have_key = true;
		f->key.key = nd->type == NODE_STRING ? nd->u.str.s : "";
		f->key.key_len = nd->type == NODE_STRING ? nd->u.str.len : 0;
		f->key.key_mark = nd->mark;
		return true;
	}
	/* a profile says what it is with a top-level "fintune: 1" (the
	 * first key by convention, anywhere at the top here); noted as it
	 * is read, so that it counts even when what follows does not parse */
	if (ld->depth == 1 && f->node->type == NODE_OBJECT && f->key.key_len == 7 &&
	    memcmp(f->key.key, "fintune", 7) == 0 && node_is_integer(nd) && node_number(nd) == 1)
		ld->marked = true;
	return frame_push_child(ld, f, nd);
}

static char *dup_anchor(struct loader *ld, const yaml_char_t *a, yaml_mark_t m)
{
	char *s;

	if (!a)
		return NULL;
	s = strdup((const char *)a);
	if (!s)
		load_fatal(ld, mark_of(m), "out of memory");
	return s;
}

static bool collection_tag_ok(struct loader *ld, const yaml_char_t *tag, const char *want, yaml_mark_t m)
{
	const char *t;

	if (!tag || strcmp((const char *)tag, "!") == 0)
		return true;
	t = short_tag((const char *)tag);
	if (t && strcmp(t, want) == 0)
		return true;
	if (t)
		load_error(ld, mark_of(m), "unsupported tag !!%s (expected no tag, or !!%s)", t, want);
	else
		load_error(ld, mark_of(m), "unsupported tag %s (expected no tag, or !!%s)", (const char *)tag, want);
	return false;
}

static bool start_collection(struct loader *ld, const yaml_event_t *ev, enum node_type t)
{
	struct mark m = mark_of(ev->start_mark);
	const yaml_char_t *anchor, *tag;
	struct frame *f;
	struct node *nd;

	if (ld->depth && ld->stack[ld->depth - 1].node->type == NODE_OBJECT &&
	    !ld->stack[ld->depth - 1].have_key) {
		load_fatal(ld, m, "a %s cannot be a mapping key (expected a string key)",
			   t == NODE_ARRAY ? "sequence" : "mapping");
		return false;
	}
	if (ld->depth >= ld->lim->max_depth) {
		load_fatal(ld, m, "nesting is deeper than %u levels (expected a flatter document)",
			   ld->lim->max_depth);
		return false;
	}
	if (t == NODE_ARRAY) {
		anchor = ev->data.sequence_start.anchor;
		tag = ev->data.sequence_start.tag;
		collection_tag_ok(ld, tag, "seq", ev->start_mark);
	} else {
		anchor = ev->data.mapping_start.anchor;
		tag = ev->data.mapping_start.tag;
		collection_tag_ok(ld, tag, "map", ev->start_mark);
	}
	if (ld->depth == ld->stack_cap) {
		size_t cap = ld->stack_cap ? ld->stack_cap * 2 : 16;
		struct frame *v = realloc(ld->stack, cap * sizeof(*v));

		if (!v) {
			load_fatal(ld, m, "out of memory");
			return false;
		}
		ld->stack = v;
		ld->stack_cap = cap;
	}
	nd = new_node(ld, t, m);
	if (!nd)
		return false;
	/* the pointer of this collection, as a child of its parent */
	if (ld->depth) {
		struct frame *p = &ld->stack[ld->depth - 1];

		if (p->node->type == NODE_ARRAY)
			pointer_push_index(&ld->ptr, p->n);
		else
			pointer_push_key(&ld->ptr, p->key.key, p->key.key_len);
	}
	f = &ld->stack[ld->depth];
	memset(f, 0, sizeof(*f));
	f->node = nd;
	f->weight = 1;
	f->anchor = dup_anchor(ld, anchor, ev->start_mark);
	if (anchor && !f->anchor)
		return false;
	ld->depth++;
	/* the collection's own pointer is everything up to here */
	f->ptr_len = ld->ptr.len;
	return true;
}

static void free_frame(struct frame *f)
{
	free(f->items);
	free(f->members);
	free(f->anchor);
}

static bool end_collection(struct loader *ld)
{
	struct frame *f = &ld->stack[ld->depth - 1];
	struct node *nd = f->node;
	char *anchor = f->anchor;
	size_t parent_len;

	f->anchor = NULL;
	if (nd->type == NODE_ARRAY) {
		nd->u.arr.v = arena_alloc(&ld->doc->arena, (f->n ? f->n : 1) * sizeof(*nd->u.arr.v));
		if (!nd->u.arr.v)
			goto oom;
		if (f->n)
			memcpy(nd->u.arr.v, f->items, f->n * sizeof(*f->items));
		nd->u.arr.n = f->n;
	} else {
		/* the pointer in messages about duplicate keys is this mapping's */
		sb_truncate(&ld->ptr, f->ptr_len);
		f->n = remove_duplicates(ld, f->members, f->n);
		nd->u.obj.v = arena_alloc(&ld->doc->arena, (f->n ? f->n : 1) * sizeof(*nd->u.obj.v));
		if (!nd->u.obj.v)
			goto oom;
		if (f->n)
			memcpy(nd->u.obj.v, f->members, f->n * sizeof(*f->members));
		nd->u.obj.n = f->n;
	}
	nd->weight = f->weight;
	free_frame(f);
	ld->depth--;
	/* back to the parent's pointer */
	parent_len = ld->depth ? ld->stack[ld->depth - 1].ptr_len : 0;
	sb_truncate(&ld->ptr, parent_len);
	return attach(ld, nd, anchor);
oom:
	free(anchor);
	load_fatal(ld, nd->mark, "out of memory");
	return false;
}

static struct node *find_anchor(struct loader *ld, const char *name)
{
	for (size_t i = ld->n_anchors; i-- > 0;)
		if (strcmp(ld->anchors[i].name, name) == 0)
			return ld->anchors[i].node;
	return NULL;
}

/* Byte offset to line:column, for reader errors that libyaml reports by offset. */
static struct mark mark_at_offset(const char *buf, size_t len, size_t off)
{
	struct mark m = { 1, 1 };

	if (off > len)
		off = len;
	for (size_t i = 0; i < off; i++) {
		if (buf[i] == '\n') {
			m.line++;
			m.col = 1;
		} else if (((unsigned char)buf[i] & 0xc0) != 0x80) {
			m.col++;
		}
	}
	return m;
}

static void report_parser_error(struct loader *ld, const yaml_parser_t *p)
{
	struct mark m;

	switch (p->error) {
	case YAML_MEMORY_ERROR:
		load_fatal(ld, (struct mark){ 0, 0 }, "out of memory while parsing");
		return;
	case YAML_READER_ERROR:
		m = file_mark(ld, mark_at_offset(ld->buf, ld->len, p->problem_offset));
		if (p->problem_value != -1)
			load_fatal(ld, m, "%s (byte 0x%02x; expected printable UTF-8 text)",
				   p->problem, (unsigned)p->problem_value);
		else
			load_fatal(ld, m, "%s (expected UTF-8 text)", p->problem);
		return;
	default:
		m = mark_of(p->problem_mark);
		if (p->context)
			load_fatal(ld, m, "syntax error: %s %s (started at line %zu, column %zu)",
				   p->problem ? p->problem : "invalid YAML", p->context,
				   p->context_mark.line + 1, p->context_mark.column + 1);
		else
			load_fatal(ld, m, "syntax error: %s", p->problem ? p->problem : "invalid YAML");
		return;
	}
}

static long hex4(const char *s)
{
	long v = 0;

	for (int i = 0; i < 4; i++) {
		int h = hex_digit(s[i]);

		if (h < 0)
			return -1;
		v = v * 16 + h;
	}
	return v;
}

/*
 * JSON writes characters outside the BMP as UTF-16 surrogate pairs
 * ("\ud83d\udca9"); YAML (and libyaml) refuse a surrogate escape. When the
 * text is JSON (jansson says so, so every backslash is inside a string),
 * each valid pair is rewritten as the equivalent \UXXXXXXXX escape, and the
 * place of each rewrite is kept so that columns are reported as in the file.
 * Returns the new buffer, or NULL when nothing needed rewriting.
 */
static char *json_join_surrogates(struct loader *ld, const char *buf, size_t len, size_t *out_len)
{
	struct strbuf sb;
	size_t i, copied = 0, cap = 0;
	unsigned line = 1, col = 1;
	json_error_t err;
	json_t *probe;
	bool any = false;

	for (i = 0; i + 1 < len; i++)
		if (buf[i] == '\\' && buf[i + 1] == 'u')
			break;
	if (i + 1 >= len)
		return NULL;
	probe = json_loadb(buf, len, JSON_DECODE_ANY | JSON_ALLOW_NUL, &err);
	if (!probe)
		return NULL;	/* not JSON: YAML's own rules apply */
	json_decref(probe);
	sb_init(&sb);
	for (i = 0; i < len; i++) {
		long hi, lo;

		if (buf[i] == '\n') {
			line++;
			col = 1;
			continue;
		}
		if (((unsigned char)buf[i] & 0xc0) != 0x80)
			col++;
		if (buf[i] != '\\')
			continue;
		if (i + 12 <= len && buf[i + 1] == 'u' && buf[i + 6] == '\\' && buf[i + 7] == 'u' &&
		    (hi = hex4(buf + i + 2)) >= 0xd800 && hi <= 0xdbff &&
		    (lo = hex4(buf + i + 8)) >= 0xdc00 && lo <= 0xdfff) {
			unsigned long cp = 0x10000 + (((unsigned long)hi - 0xd800) << 10) +
					   ((unsigned long)lo - 0xdc00);

			if (ld->n_rewrites == cap) {
				size_t c = cap ? cap * 2 : 16;
				struct rewrite *v = realloc(ld->rewrites, c * sizeof(*v));

				if (!v) {
					sb_free(&sb);
					return NULL;
				}
				ld->rewrites = v;
				cap = c;
			}
			/* col is one past the backslash, in the rewritten buffer:
			 * each earlier rewrite on this line took 2 columns */
			ld->rewrites[ld->n_rewrites].line = line;
			ld->rewrites[ld->n_rewrites].col = col - 1;
			for (size_t k = 0; k < ld->n_rewrites; k++)
				if (ld->rewrites[k].line == line)
					ld->rewrites[ld->n_rewrites].col -= 2;
			ld->n_rewrites++;
			sb_addn(&sb, buf + copied, i - copied);
			sb_addf(&sb, "\\U%08lX", cp);
			copied = i + 12;
			i += 11;
			col += 11;
			any = true;
		} else {
			i++;	/* the escaped character, which may be a backslash */
			col++;
		}
	}
	if (!any || sb.oom) {
		sb_free(&sb);
		return NULL;
	}
	sb_addn(&sb, buf + copied, len - copied);
	*out_len = sb.len;
	return sb_steal(&sb);
}

static void handle_scalar(struct loader *ld, const yaml_event_t *ev)
{
	struct frame *f = ld->depth ? &ld->stack[ld->depth - 1] : NULL;
	char *anchor = dup_anchor(ld, ev->data.scalar.anchor, ev->start_mark);
	struct node *nd;

	if (ev->data.scalar.anchor && !anchor)
		return;
	if (f && f->node->type == NODE_OBJECT && !f->have_key) {
		const char *tag = (const char *)ev->data.scalar.tag;
		const char *t = tag ? short_tag(tag) : NULL;

		/* A key: kept as written, whatever it would resolve to. */
		nd = new_node(ld, NODE_STRING, mark_of(ev->start_mark));
		if (nd) {
			nd->u.str.s = arena_strndup(&ld->doc->arena, (const char *)ev->data.scalar.value,
						    ev->data.scalar.length);
			nd->u.str.len = ev->data.scalar.length;
		}
		if (!nd || !nd->u.str.s) {
			free(anchor);
			load_fatal(ld, mark_of(ev->start_mark), "out of memory");
			return;
		}
		if (tag && strcmp(tag, "!") != 0 && !(t && strcmp(t, "str") == 0))
			load_error(ld, nd->mark, "unsupported tag %s%s on a key (expected no tag, or !!str)",
				   t ? "!!" : "", t ? t : tag);
	} else {
		nd = make_scalar(ld, ev);
	}
	if (!nd) {
		free(anchor);
		return;
	}
	attach(ld, nd, anchor);
}

static void handle_alias(struct loader *ld, const yaml_event_t *ev)
{
	struct node *target = find_anchor(ld, (const char *)ev->data.alias.anchor);
	struct node *copy;

	if (!target) {
		load_fatal(ld, mark_of(ev->start_mark), "alias *%s names no anchor defined before it (expected &%s earlier)",
			   (const char *)ev->data.alias.anchor, (const char *)ev->data.alias.anchor);
		return;
	}
	/* The same value, but problems with it are reported where the alias
	 * stands: a shallow copy shares the children. */
	copy = new_node(ld, target->type, mark_of(ev->start_mark));
	if (!copy)
		return;
	copy->plain = target->plain;
	copy->weight = target->weight;
	copy->u = target->u;
	attach(ld, copy, NULL);
}

/* Runs libyaml over buf; true when the whole stream was read. */
static bool parse(struct loader *ld, const char *buf, size_t len)
{
	yaml_parser_t parser;
	yaml_event_t ev;
	unsigned docs = 0;
	bool done = false;

	if (!yaml_parser_initialize(&parser)) {
		load_fatal(ld, (struct mark){ 0, 0 }, "out of memory");
		return false;
	}
	yaml_parser_set_input_string(&parser, (const unsigned char *)buf, len);
	while (!done && !ld->fatal) {
		if (!yaml_parser_parse(&parser, &ev)) {
			report_parser_error(ld, &parser);
			break;
		}
		switch (ev.type) {
		case YAML_STREAM_END_EVENT:
			done = true;
			break;
		case YAML_DOCUMENT_START_EVENT:
			if (++docs > 1)
				load_fatal(ld, mark_of(ev.start_mark),
					   "a second document starts here (expected exactly one document per file)");
			break;
		case YAML_SCALAR_EVENT:
			handle_scalar(ld, &ev);
			break;
		case YAML_ALIAS_EVENT:
			handle_alias(ld, &ev);
			break;
		case YAML_SEQUENCE_START_EVENT:
			start_collection(ld, &ev, NODE_ARRAY);
			break;
		case YAML_MAPPING_START_EVENT:
			start_collection(ld, &ev, NODE_OBJECT);
			break;
		case YAML_SEQUENCE_END_EVENT:
		case YAML_MAPPING_END_EVENT:
			end_collection(ld);
			break;
		default:
			break;
		}
		yaml_event_delete(&ev);
	}
	yaml_parser_delete(&parser);
	return done && !ld->fatal;
}

struct doc *doc_load_string(const char *display, const char *buf, size_t len,
			    const struct load_limits *lim, struct diags *d)
{
	return doc_load_marked(display, buf, len, lim, d, NULL);
}

struct doc *doc_load_marked(const char *display, const char *buf, size_t len, const struct load_limits *lim,
			    struct diags *d, bool *marked)
{
	struct loader l = { .lim = lim ? lim : &load_default_limits, .d = d, .file = display };
	struct loader *ld = &l;
	char *joined = NULL;
	size_t joined_len = 0;
	struct doc *doc;
	bool ok;

	if (marked)
		*marked = false;
	if (len > ld->lim->max_bytes) {
		diag_add(d, display, 0, 0, NULL, "file is %zu bytes, larger than the %zu byte limit",
			 len, ld->lim->max_bytes);
		return NULL;
	}
	doc = calloc(1, sizeof(*doc));
	if (!doc) {
		diag_add(d, display, 0, 0, NULL, "out of memory");
		return NULL;
	}
	arena_init(&doc->arena);
	doc->file = arena_strndup(&doc->arena, display, strlen(display));
	{
		struct sha256_ctx h;

		sha256_init(&h);
		sha256_update(&h, len, (const uint8_t *)buf);
		sha256_digest(&h, sizeof(doc->sha256), doc->sha256);
	}
	ld->doc = doc;
	sb_init(&ld->ptr);
	joined = json_join_surrogates(ld, buf, len, &joined_len);
	/* reader errors come as byte offsets into what libyaml reads */
	ld->buf = joined ? joined : buf;
	ld->len = joined ? joined_len : len;
	ok = parse(ld, ld->buf, ld->len);
	free(joined);
	while (ld->depth)
		free_frame(&ld->stack[--ld->depth]);
	free(ld->stack);
	for (size_t i = 0; i < ld->n_anchors; i++)
		free(ld->anchors[i].name);
	free(ld->anchors);
	free(ld->rewrites);
	sb_free(&ld->ptr);
	if (marked)
		*marked = ld->marked;
	if (ok && !doc->root) {
		diag_add(d, display, 1, 1, NULL, "no document in the file (expected a YAML or JSON document)");
		ok = false;
	}
	if (!ok) {
		doc_free(doc);
		return NULL;
	}
	return doc;
}

struct doc *doc_load_file(const char *path, const char *display, const struct load_limits *lim,
			  struct diags *d)
{
	const struct load_limits *l = lim ? lim : &load_default_limits;
	const char *why = NULL;
	struct doc *doc;
	char *buf = NULL;
	size_t len = 0;
	int r;

	if (!display)
		display = strcmp(path, "-") == 0 ? "<stdin>" : path;
	r = read_file_limited(path, l->max_bytes, &buf, &len, &why);
	if (r < 0) {
		if (r == -EFBIG)
			diag_add(d, display, 0, 0, NULL, "file is larger than the %zu byte limit (expected a configuration document)",
				 l->max_bytes);
		else if (why)
			diag_add(d, display, 0, 0, NULL, "%s", why);
		else
			diag_add(d, display, 0, 0, NULL, "cannot read: %s", strerror(-r));
		return NULL;
	}
	doc = doc_load_string(display, buf, len, l, d);
	free(buf);
	return doc;
}
