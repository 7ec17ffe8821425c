// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * JSON Schema validation.
 *
 * schema_compile() walks every schema position once: it records the base URI
 * of each subschema ($id), registers resources and anchors, checks keyword
 * values, compiles patterns with PCRE2 and resolves every $ref to a node. So
 * evaluation never parses a URI or a pattern, and a schema either compiles
 * completely or is refused with located errors.
 */
#define PCRE2_CODE_UNIT_WIDTH 8
#include "schema.h"
#include "uri.h"

#include <float.h>
#include <math.h>
#include <pcre2.h>
#include <stdlib.h>
#include <string.h>

/* Each nesting level of a value costs two evaluations ($ref and the
 * subschema): well above twice the loader's depth limit. */
#define EVAL_MAX_DEPTH 600
#define PCRE_MATCH_LIMIT 1000000

struct uri_node {
	const char *uri;
	const struct node *node;
};

struct base_entry {
	const struct node *node;
	const char *uri;
	const char *ptr;	/* where in the schema, for messages */
};

struct ref_entry {
	const struct node *ref;		/* the $ref string node */
	const struct node *target;
};

struct rx_entry {
	const char *pattern;		/* the pattern's bytes, owned by the schema doc */
	pcre2_code *code;
	pcre2_match_data *md;
};

struct schema {
	const struct doc *doc;
	const struct node *root;
	struct arena strings;
	struct uri_node *res, *anchors;
	size_t n_res, n_anchors, cap_res, cap_anchors;
	struct base_entry *bases;
	size_t n_bases, cap_bases;
	struct ref_entry *refs;
	size_t n_refs, cap_refs;
	struct rx_entry *rx;
	size_t n_rx, cap_rx;
	pcre2_match_context *mctx;
};

/* ---- growable tables ---------------------------------------------------- */

/* A set of pointers (open addressing), so that compiling a large schema stays
 * linear: which subschemas were walked, which refs and patterns are done. */
struct ptrset {
	const void **v;
	size_t cap, n;
};

static size_t ptr_slot(const void *p, size_t cap)
{
	uint64_t h = (uint64_t)(uintptr_t)p;

	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdULL;
	h ^= h >> 33;
	return (size_t)h & (cap - 1);
}

/* Adds p; true when it was not there yet. On allocation failure says "new"
 * (the caller only does redundant work then). */
static bool ptrset_add(struct ptrset *set, const void *p)
{
	size_t i;

	if (2 * (set->n + 1) > set->cap) {
		size_t cap = set->cap ? set->cap * 2 : 64;
		const void **v = calloc(cap, sizeof(*v));

		if (!v)
			return true;
		for (size_t k = 0; k < set->cap; k++)
			if (set->v[k]) {
				for (i = ptr_slot(set->v[k], cap); v[i]; i = (i + 1) & (cap - 1))
					;
				v[i] = set->v[k];
			}
		free(set->v);
		set->v = v;
		set->cap = cap;
	}
	for (i = ptr_slot(p, set->cap); set->v[i]; i = (i + 1) & (set->cap - 1))
		if (set->v[i] == p)
			return false;
	set->v[i] = p;
	set->n++;
	return true;
}

static bool ptrset_has(const struct ptrset *set, const void *p)
{
	if (!set->cap)
		return false;
	for (size_t i = ptr_slot(p, set->cap); set->v[i]; i = (i + 1) & (set->cap - 1))
		if (set->v[i] == p)
			return true;
	return false;
}

static bool grow(void **v, size_t *cap, size_t n, size_t size)
{
	size_t c;
	void *p;

	if (n < *cap)
		return true;
	c = *cap ? *cap * 2 : 16;
	p = realloc(*v, c * size);
	if (!p)
		return false;
	*v = p;
	*cap = c;
	return true;
}

static int ptr_cmp(const void *a, const void *b)
{
	const void *x = *(const void *const *)a, *y = *(const void *const *)b;

	return x < y ? -1 : x > y;
}

static const struct ref_entry *find_ref(const struct schema *s, const struct node *ref)
{
	struct ref_entry key = { .ref = ref };

	return bsearch(&key, s->refs, s->n_refs, sizeof(key), ptr_cmp);
}

static int rx_cmp(const void *a, const void *b)
{
	const char *x = ((const struct rx_entry *)a)->pattern, *y = ((const struct rx_entry *)b)->pattern;

	return x < y ? -1 : x > y;
}

static const struct rx_entry *find_rx(const struct schema *s, const char *pattern)
{
	struct rx_entry key = { .pattern = pattern };

	return bsearch(&key, s->rx, s->n_rx, sizeof(key), rx_cmp);
}

static const struct node *find_uri(const struct uri_node *v, size_t n, const char *uri)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(v[i].uri, uri) == 0)
			return v[i].node;
	return NULL;
}

/* ---- compiling ----------------------------------------------------------- */

struct compiler {
	struct schema *s;
	struct diags *d;
	struct strbuf ptr;
	bool failed;
	struct ptrset walked, refs_done, patterns;
};

__attribute__((format(printf, 3, 4)))
static void schema_error(struct compiler *c, const struct node *at, const char *fmt, ...)
{
	struct strbuf msg;
	va_list ap;

	sb_init(&msg);
	sb_adds(&msg, "invalid schema: ");
	va_start(ap, fmt);
	sb_vaddf(&msg, fmt, ap);
	va_end(ap);
	diag_add(c->d, c->s->doc->file, at->mark.line, at->mark.col, c->ptr.s ? c->ptr.s : "", "%s",
		 msg.s ? msg.s : "out of memory");
	sb_free(&msg);
	c->failed = true;
}

static const char *keep(struct schema *s, const char *str)
{
	return arena_strndup(&s->strings, str, strlen(str));
}

/* Keywords whose value is one subschema, a map of them, or an array of them. */
static const char *const kw_schema[] = { "additionalProperties", "propertyNames", "items", "contains",
					 "not", "if", "then", "else", "unevaluatedProperties" };
static const char *const kw_schema_map[] = { "properties", "patternProperties", "$defs",
					     "definitions", "dependentSchemas" };
static const char *const kw_schema_array[] = { "allOf", "anyOf", "oneOf", "prefixItems" };
static const char *const kw_unsupported[] = { "$dynamicRef", "$dynamicAnchor", "$recursiveRef",
					      "$recursiveAnchor", "unevaluatedItems", "additionalItems" };
static const char *const kw_count[] = { "minItems", "maxItems", "minLength", "maxLength",
					"minProperties", "maxProperties", "minContains", "maxContains" };
static const char *const kw_number[] = { "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum",
					 "multipleOf" };
static const char *const type_names[] = { "null", "boolean", "object", "array", "number", "string",
					  "integer" };

static bool in_list(const char *s, size_t n, const char *const *list, size_t count)
{
	for (size_t i = 0; i < count; i++)
		if (strlen(list[i]) == n && memcmp(list[i], s, n) == 0)
			return true;
	return false;
}

/*
 * ECMA-262 names Unicode general categories by their long names too
 * (\p{Letter}, \p{gc=Lowercase_Letter}); PCRE2 before 10.43 knows only the
 * short ones. Rewrites those escapes; everything else is copied unchanged.
 */
static void ecma_property_names(struct strbuf *out, const char *p, size_t n)
{
	static const char *const gc[][2] = {
		{ "Letter", "L" }, { "Cased_Letter", "L&" }, { "Uppercase_Letter", "Lu" },
		{ "Lowercase_Letter", "Ll" }, { "Titlecase_Letter", "Lt" }, { "Modifier_Letter", "Lm" },
		{ "Other_Letter", "Lo" }, { "Mark", "M" }, { "Combining_Mark", "M" },
		{ "Nonspacing_Mark", "Mn" }, { "Spacing_Mark", "Mc" }, { "Enclosing_Mark", "Me" },
		{ "Number", "N" }, { "Decimal_Number", "Nd" }, { "digit", "Nd" }, { "Letter_Number", "Nl" },
		{ "Other_Number", "No" }, { "Punctuation", "P" }, { "punct", "P" },
		{ "Connector_Punctuation", "Pc" }, { "Dash_Punctuation", "Pd" },
		{ "Open_Punctuation", "Ps" }, { "Close_Punctuation", "Pe" },
		{ "Initial_Punctuation", "Pi" }, { "Final_Punctuation", "Pf" },
		{ "Other_Punctuation", "Po" }, { "Symbol", "S" }, { "Math_Symbol", "Sm" },
		{ "Currency_Symbol", "Sc" }, { "Modifier_Symbol", "Sk" }, { "Other_Symbol", "So" },
		{ "Separator", "Z" }, { "Space_Separator", "Zs" }, { "Line_Separator", "Zl" },
		{ "Paragraph_Separator", "Zp" }, { "Other", "C" }, { "Control", "Cc" }, { "cntrl", "Cc" },
		{ "Format", "Cf" }, { "Surrogate", "Cs" }, { "Private_Use", "Co" }, { "Unassigned", "Cn" },
	};

	for (size_t i = 0; i < n; i++) {
		if (p[i] != '\\' || i + 1 >= n) {
			sb_addc(out, p[i]);
			continue;
		}
		if ((p[i + 1] == 'p' || p[i + 1] == 'P') && i + 2 < n && p[i + 2] == '{') {
			const char *name = p + i + 3, *end = memchr(name, '}', n - (size_t)(name - p));
			bool done = false;

			if (end) {
				size_t len = (size_t)(end - name);

				if (len > 3 && strncmp(name, "gc=", 3) == 0)
					name += 3, len -= 3;
				else if (len > 17 && strncmp(name, "General_Category=", 17) == 0)
					name += 17, len -= 17;
				for (size_t k = 0; k < ARRAY_SIZE(gc) && !done; k++) {
					if (strlen(gc[k][0]) == len && memcmp(gc[k][0], name, len) == 0) {
						sb_addf(out, "\\%c{%s}", p[i + 1], gc[k][1]);
						i = (size_t)(end - p);
						done = true;
					}
				}
			}
			if (done)
				continue;
		}
		sb_addc(out, p[i]);
		sb_addc(out, p[i + 1]);
		i++;
	}
}

static bool compile_pattern(struct compiler *c, const struct node *at, const char *pattern, size_t len)
{
	struct strbuf ecma;
	struct schema *s = c->s;
	struct rx_entry *e;
	int err;
	PCRE2_SIZE off;
	pcre2_code *code;

	if (!ptrset_add(&c->patterns, pattern))
		return true;
	/* ECMA-262 flavour: \u escapes, $ only at the very end, UTF-8 subjects. */
	sb_init(&ecma);
	ecma_property_names(&ecma, pattern, len);
	code = pcre2_compile((PCRE2_SPTR)(ecma.s ? ecma.s : ""), ecma.len,
			     PCRE2_UTF | PCRE2_ALT_BSUX | PCRE2_DOLLAR_ENDONLY, &err, &off, NULL);
	sb_free(&ecma);
	if (!code) {
		PCRE2_UCHAR msg[256];
		struct strbuf q;

		pcre2_get_error_message(err, msg, sizeof(msg));
		sb_init(&q);
		sb_add_quoted(&q, pattern, len);
		schema_error(c, at, "pattern %s does not compile at offset %zu: %s", q.s ? q.s : "",
			     (size_t)off, (const char *)msg);
		sb_free(&q);
		return false;
	}
	if (!grow((void **)&s->rx, &s->cap_rx, s->n_rx, sizeof(*s->rx))) {
		pcre2_code_free(code);
		return false;
	}
	e = &s->rx[s->n_rx++];
	e->pattern = pattern;
	e->code = code;
	e->md = pcre2_match_data_create_from_pattern(code, NULL);
	return e->md != NULL;
}

static bool add_uri(struct schema *s, struct uri_node **v, size_t *n, size_t *cap, const char *uri,
		    const struct node *node)
{
	const char *k = keep(s, uri);

	if (!k || !grow((void **)v, cap, *n, sizeof(**v)))
		return false;
	(*v)[(*n)++] = (struct uri_node){ k, node };
	return true;
}

static void walk_schema(struct compiler *c, const struct node *sch, const char *base);

static void check_keyword(struct compiler *c, const struct member *m, const char *base)
{
	const struct node *v = m->value;
	const char *k = m->key;
	size_t kn = m->key_len, len = c->ptr.len;

	pointer_push_key(&c->ptr, k, kn);
	if (in_list(k, kn, kw_schema, ARRAY_SIZE(kw_schema))) {
		walk_schema(c, v, base);
	} else if (in_list(k, kn, kw_schema_map, ARRAY_SIZE(kw_schema_map))) {
		if (v->type != NODE_OBJECT) {
			schema_error(c, v, "%s must be a mapping of schemas", k);
		} else {
			for (size_t i = 0; i < v->u.obj.n; i++) {
				const struct member *sub = &v->u.obj.v[i];
				size_t l2 = c->ptr.len;

				if (strcmp(k, "patternProperties") == 0)
					compile_pattern(c, v, sub->key, sub->key_len);
				pointer_push_key(&c->ptr, sub->key, sub->key_len);
				walk_schema(c, sub->value, base);
				sb_truncate(&c->ptr, l2);
			}
		}
	} else if (in_list(k, kn, kw_schema_array, ARRAY_SIZE(kw_schema_array))) {
		if (v->type != NODE_ARRAY || v->u.arr.n == 0) {
			schema_error(c, v, "%s must be a non-empty array of schemas", k);
		} else {
			for (size_t i = 0; i < v->u.arr.n; i++) {
				size_t l2 = c->ptr.len;

				pointer_push_index(&c->ptr, i);
				walk_schema(c, v->u.arr.v[i], base);
				sb_truncate(&c->ptr, l2);
			}
		}
	} else if (in_list(k, kn, kw_unsupported, ARRAY_SIZE(kw_unsupported))) {
		schema_error(c, v, "keyword %s is not supported by fintune's validator", k);
	} else if (in_list(k, kn, kw_count, ARRAY_SIZE(kw_count))) {
		if (!node_is_integer(v) || node_number(v) < 0)
			schema_error(c, v, "%s must be a non-negative integer", k);
	} else if (in_list(k, kn, kw_number, ARRAY_SIZE(kw_number))) {
		if (!node_is_number(v))
			schema_error(c, v, "%s must be a number", k);
		else if (strcmp(k, "multipleOf") == 0 && node_number(v) <= 0)
			schema_error(c, v, "multipleOf must be greater than 0");
	} else if (strcmp(k, "type") == 0) {
		bool ok = v->type == NODE_STRING && in_list(v->u.str.s, v->u.str.len, type_names,
							    ARRAY_SIZE(type_names));

		if (v->type == NODE_ARRAY) {
			ok = true;
			for (size_t i = 0; i < v->u.arr.n; i++) {
				const struct node *t = v->u.arr.v[i];

				if (t->type != NODE_STRING ||
				    !in_list(t->u.str.s, t->u.str.len, type_names, ARRAY_SIZE(type_names)))
					ok = false;
			}
		}
		if (!ok)
			schema_error(c, v, "type must be one of null, boolean, object, array, number, string, integer, or an array of them");
	} else if (strcmp(k, "enum") == 0) {
		if (v->type != NODE_ARRAY)
			schema_error(c, v, "enum must be an array");
	} else if (strcmp(k, "required") == 0) {
		bool ok = v->type == NODE_ARRAY;

		for (size_t i = 0; ok && i < v->u.arr.n; i++)
			ok = v->u.arr.v[i]->type == NODE_STRING;
		if (!ok)
			schema_error(c, v, "required must be an array of strings");
	} else if (strcmp(k, "dependentRequired") == 0) {
		bool ok = v->type == NODE_OBJECT;

		for (size_t i = 0; ok && i < v->u.obj.n; i++) {
			const struct node *a = v->u.obj.v[i].value;

			ok = a->type == NODE_ARRAY;
			for (size_t j = 0; ok && j < a->u.arr.n; j++)
				ok = a->u.arr.v[j]->type == NODE_STRING;
		}
		if (!ok)
			schema_error(c, v, "dependentRequired must map names to arrays of strings");
	} else if (strcmp(k, "pattern") == 0) {
		if (v->type != NODE_STRING)
			schema_error(c, v, "pattern must be a string");
		else
			compile_pattern(c, v, v->u.str.s, v->u.str.len);
	} else if (strcmp(k, "uniqueItems") == 0) {
		if (v->type != NODE_BOOL)
			schema_error(c, v, "uniqueItems must be true or false");
	} else if (strcmp(k, "$ref") == 0 || strcmp(k, "$anchor") == 0 || strcmp(k, "$id") == 0) {
		if (v->type != NODE_STRING)
			schema_error(c, v, "%s must be a string", k);
	}
	sb_truncate(&c->ptr, len);
}

static void walk_schema(struct compiler *c, const struct node *sch, const char *base)
{
	struct schema *s = c->s;
	const struct node *id, *anchor;
	char *own_base = NULL;

	if (sch->type == NODE_BOOL)
		goto record;
	if (sch->type != NODE_OBJECT) {
		struct strbuf what;

		sb_init(&what);
		node_describe(&what, sch);
		schema_error(c, sch, "found %s where a schema (a mapping or true/false) was expected",
			     what.s ? what.s : "a value");
		sb_free(&what);
		return;
	}
	id = node_get_type(sch, "$id", NODE_STRING);
	if (id) {
		char *hash;

		own_base = uri_resolve(base, id->u.str.s);
		if (!own_base)
			return;
		hash = strchr(own_base, '#');
		if (hash)
			*hash = '\0';	/* "#" alone, or a fragment 2020-12 does not allow */
		base = own_base;
		add_uri(s, &s->res, &s->n_res, &s->cap_res, base, sch);
	}
	anchor = node_get_type(sch, "$anchor", NODE_STRING);
	if (anchor) {
		struct strbuf full;

		sb_init(&full);
		sb_adds(&full, base);
		sb_addc(&full, '#');
		sb_addn(&full, anchor->u.str.s, anchor->u.str.len);
		if (full.s)
			add_uri(s, &s->anchors, &s->n_anchors, &s->cap_anchors, full.s, sch);
		sb_free(&full);
	}
record:
	ptrset_add(&c->walked, sch);
	if (grow((void **)&s->bases, &s->cap_bases, s->n_bases, sizeof(*s->bases))) {
		const char *k = keep(s, base), *p = keep(s, c->ptr.s ? c->ptr.s : "");

		if (k && p)
			s->bases[s->n_bases++] = (struct base_entry){ sch, k, p };
	}
	if (sch->type == NODE_OBJECT)
		for (size_t i = 0; i < sch->u.obj.n; i++)
			check_keyword(c, &sch->u.obj.v[i], base);
	free(own_base);
}

/* Follows a JSON pointer (already percent-decoded) from node n. */
static const struct node *follow_pointer(const struct node *n, const char *p)
{
	while (n && *p) {
		struct strbuf tok;
		const char *end;

		if (*p != '/')
			return NULL;
		p++;
		end = strchr(p, '/');
		if (!end)
			end = p + strlen(p);
		sb_init(&tok);
		for (const char *q = p; q < end; q++) {
			if (*q == '~' && q + 1 < end && (q[1] == '0' || q[1] == '1')) {
				sb_addc(&tok, q[1] == '0' ? '~' : '/');
				q++;
			} else {
				sb_addc(&tok, *q);
			}
		}
		if (n->type == NODE_OBJECT) {
			const struct node *next = NULL;

			for (size_t i = 0; i < n->u.obj.n; i++) {
				const struct member *m = &n->u.obj.v[i];

				if (m->key_len == tok.len && (tok.len == 0 || memcmp(m->key, tok.s, tok.len) == 0)) {
					next = m->value;
					break;
				}
			}
			n = next;
		} else if (n->type == NODE_ARRAY) {
			long idx;

			if (!tok.s || (tok.len > 1 && tok.s[0] == '0') ||
			    parse_long(tok.s, 0, (long)n->u.arr.n - 1, &idx) < 0)
				n = NULL;
			else
				n = n->u.arr.v[idx];
		} else {
			n = NULL;
		}
		sb_free(&tok);
		p = end;
	}
	return n;
}

/* Resolves one $ref, relative to the base URI of the schema that holds it. */
static const struct node *resolve_ref(struct compiler *c, const char *base, const struct node *ref)
{
	struct schema *s = c->s;
	char *full = uri_resolve(base, ref->u.str.s), *hash, *frag = NULL;
	const struct node *res, *target = NULL;

	if (!full)
		return NULL;
	hash = strchr(full, '#');
	if (hash)
		*hash++ = '\0';
	res = find_uri(s->res, s->n_res, full);
	if (!res && full[0] == '\0')
		res = s->root;
	if (!res) {
		struct strbuf q;

		sb_init(&q);
		sb_add_quoted(&q, ref->u.str.s, ref->u.str.len);
		schema_error(c, ref, "cannot resolve $ref %s: it names another document (expected a reference within this schema, such as \"#/$defs/name\")",
			     q.s ? q.s : "");
		sb_free(&q);
		goto out;
	}
	frag = uri_unescape(hash ? hash : "");
	if (!frag) {
		schema_error(c, ref, "malformed percent-escape in $ref");
		goto out;
	}
	if (frag[0] == '\0') {
		target = res;
	} else if (frag[0] == '/') {
		target = follow_pointer(res, frag);
	} else {
		struct strbuf a;

		sb_init(&a);
		sb_adds(&a, full);
		sb_addc(&a, '#');
		sb_adds(&a, frag);
		target = a.s ? find_uri(s->anchors, s->n_anchors, a.s) : NULL;
		sb_free(&a);
	}
	if (!target) {
		struct strbuf q;

		sb_init(&q);
		sb_add_quoted(&q, ref->u.str.s, ref->u.str.len);
		schema_error(c, ref, "$ref %s points to nothing in this schema", q.s ? q.s : "");
		sb_free(&q);
	} else if (target->type != NODE_OBJECT && target->type != NODE_BOOL) {
		schema_error(c, ref, "$ref points to a value that is not a schema");
		target = NULL;
	}
out:
	free(frag);
	free(full);
	return target;
}

/* Resolves every $ref of every walked schema; a target that no walk reached
 * (inside an unknown keyword, say) is walked now with its resource's base. */
static void resolve_refs(struct compiler *c)
{
	struct schema *s = c->s;

	for (size_t i = 0; i < s->n_bases; i++) {
		const struct node *sch = s->bases[i].node;
		const struct node *ref = node_get_type(sch, "$ref", NODE_STRING);
		const struct node *target;
		char *base;

		if (!ref || !ptrset_add(&c->refs_done, ref))
			continue;
		base = strdup(s->bases[i].uri);
		if (!base)
			return;
		sb_reset(&c->ptr);
		sb_adds(&c->ptr, s->bases[i].ptr);
		sb_adds(&c->ptr, "/$ref");
		target = resolve_ref(c, base, ref);
		if (target && grow((void **)&s->refs, &s->cap_refs, s->n_refs, sizeof(*s->refs)))
			s->refs[s->n_refs++] = (struct ref_entry){ ref, target };
		if (target) {
			if (!ptrset_has(&c->walked, target)) {
				/* base: the resource the pointer started from */
				char *b = uri_resolve(base, ref->u.str.s), *h;

				if (b) {
					h = strchr(b, '#');
					if (h)
						*h = '\0';
					/* problems in it are shown at the $ref */
					walk_schema(c, target, b);
					free(b);
				}
			}
		}
		free(base);
	}
}

struct schema *schema_compile_node(const struct doc *doc, const struct node *root, struct diags *d)
{
	struct compiler c = { .d = d };
	struct schema *s = calloc(1, sizeof(*s));

	if (!s) {
		diag_add(d, doc->file, 0, 0, NULL, "out of memory");
		return NULL;
	}
	s->doc = doc;
	s->root = root;
	arena_init(&s->strings);
	c.s = s;
	sb_init(&c.ptr);
	walk_schema(&c, root, "");
	/* The root is also the resource "" for refs that start with "#". */
	if (!find_uri(s->res, s->n_res, ""))
		add_uri(s, &s->res, &s->n_res, &s->cap_res, "", root);
	resolve_refs(&c);
	if (s->n_refs)
		qsort(s->refs, s->n_refs, sizeof(*s->refs), ptr_cmp);
	if (s->n_rx)
		qsort(s->rx, s->n_rx, sizeof(*s->rx), rx_cmp);
	sb_free(&c.ptr);
	free(c.walked.v);
	free(c.refs_done.v);
	free(c.patterns.v);
	s->mctx = pcre2_match_context_create(NULL);
	if (s->mctx) {
		pcre2_set_match_limit(s->mctx, PCRE_MATCH_LIMIT);
		pcre2_set_depth_limit(s->mctx, PCRE_MATCH_LIMIT / 10);
	}
	if (c.failed || !s->mctx) {
		schema_free(s);
		return NULL;
	}
	return s;
}

void schema_free(struct schema *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->n_rx; i++) {
		pcre2_match_data_free(s->rx[i].md);
		pcre2_code_free(s->rx[i].code);
	}
	pcre2_match_context_free(s->mctx);
	free(s->rx);
	free(s->res);
	free(s->anchors);
	free(s->bases);
	free(s->refs);
	arena_free(&s->strings);
	free(s);
}

const struct node *schema_at(const struct schema *s, const char *pointer)
{
	return follow_pointer(s->root, pointer);
}

/* ---- evaluation ---------------------------------------------------------- */

struct eval {
	struct schema *s;
	struct diags *d;	/* NULL: quiet, only the verdict counts */
	struct diags *top;	/* where an abort is reported, even from a quiet probe */
	const char *file;
	struct strbuf ptr;
	unsigned depth;
	const struct node *stack_sch[EVAL_MAX_DEPTH], *stack_inst[EVAL_MAX_DEPTH];
	unsigned n_stack;
	bool key_mode;		/* describing a mapping key (propertyNames) */
	bool aborted;		/* a loop or the depth limit: stop everything */
};

__attribute__((format(printf, 3, 4)))
static bool fail(struct eval *e, struct mark m, const char *fmt, ...)
{
	va_list ap;

	if (!e->d)
		return false;
	va_start(ap, fmt);
	diag_vadd(e->d, false, e->file, m.line, m.col, e->ptr.s ? e->ptr.s : "", fmt, ap);
	va_end(ap);
	return false;
}

/* Stops the whole validation: the verdict is "invalid", said once, even when
 * it happens inside not/anyOf/if, whose probes are otherwise silent. */
static void abort_eval(struct eval *e, const struct node *inst, const char *why)
{
	if (e->aborted)
		return;
	e->aborted = true;
	if (e->top)
		diag_add(e->top, e->file, inst->mark.line, inst->mark.col, e->ptr.s ? e->ptr.s : "", "%s", why);
}

static void describe(struct eval *e, struct strbuf *sb, const struct node *n)
{
	if (e->key_mode && n->type == NODE_STRING) {
		sb_adds(sb, "key ");
		sb_add_quoted(sb, n->u.str.s, n->u.str.len);
	} else {
		node_describe(sb, n);
	}
}

static bool eval(struct eval *e, const struct node *sch, const struct node *inst, bool *evaluated);

/* Runs a subschema quietly (for anyOf, oneOf, not, if): errors are not kept. */
static bool probe(struct eval *e, const struct node *sch, const struct node *inst, bool *evaluated)
{
	struct diags *saved = e->d;
	bool ok;

	e->d = NULL;
	ok = eval(e, sch, inst, evaluated);
	e->d = saved;
	return ok;
}

static bool type_matches(const char *t, size_t n, const struct node *inst)
{
#define IS(lit) (n == sizeof(lit) - 1 && memcmp(t, lit, n) == 0)
	if (IS("null"))
		return inst->type == NODE_NULL;
	if (IS("boolean"))
		return inst->type == NODE_BOOL;
	if (IS("object"))
		return inst->type == NODE_OBJECT;
	if (IS("array"))
		return inst->type == NODE_ARRAY;
	if (IS("string"))
		return inst->type == NODE_STRING;
	if (IS("number"))
		return node_is_number(inst);
	if (IS("integer"))
		return node_is_integer(inst);
#undef IS
	return false;
}

static bool types_accept(const struct node *type, const struct node *inst)
{
	if (type->type == NODE_STRING)
		return type_matches(type->u.str.s, type->u.str.len, inst);
	for (size_t i = 0; i < type->u.arr.n; i++)
		if (type_matches(type->u.arr.v[i]->u.str.s, type->u.arr.v[i]->u.str.len, inst))
			return true;
	return false;
}

static bool type_lists(const struct node *type, const char *name)
{
	if (type->type == NODE_STRING)
		return strcmp(type->u.str.s, name) == 0;
	for (size_t i = 0; i < type->u.arr.n; i++)
		if (strcmp(type->u.arr.v[i]->u.str.s, name) == 0)
			return true;
	return false;
}

/* Why a value of the wrong type was probably written that way. */
static void type_hint(struct strbuf *sb, const struct node *type, const struct node *inst)
{
	static const char *const yes[] = { "y", "Y", "yes", "Yes", "YES", "on", "On", "ON" };
	static const char *const no[] = { "n", "N", "no", "No", "NO", "off", "Off", "OFF" };
	const char *s;

	if (inst->type != NODE_STRING)
		return;
	s = inst->u.str.s;
	if (type_lists(type, "boolean") && inst->plain) {
		for (size_t i = 0; i < ARRAY_SIZE(yes); i++)
			if (strcmp(s, yes[i]) == 0)
				sb_addf(sb, "; YAML 1.2 reads %s as a string: write true", s);
		for (size_t i = 0; i < ARRAY_SIZE(no); i++)
			if (strcmp(s, no[i]) == 0)
				sb_addf(sb, "; YAML 1.2 reads %s as a string: write false", s);
	}
	if (type_lists(type, "integer") || type_lists(type, "number")) {
		char *end;

		strtod(s, &end);
		if (inst->u.str.len && end != s && *end == '\0' && !inst->plain)
			sb_adds(sb, "; remove the quotes to write a number");
		else if (inst->plain && strchr(s, '_') && s[0] >= '0' && s[0] <= '9')
			sb_adds(sb, "; YAML 1.2 has no digit separators: leave out the underscores");
	}
}

static void add_types(struct strbuf *sb, const struct node *type)
{
	if (type->type == NODE_STRING) {
		sb_adds(sb, type->u.str.s);
		return;
	}
	for (size_t i = 0; i < type->u.arr.n; i++) {
		if (i)
			sb_adds(sb, i + 1 == type->u.arr.n ? " or " : ", ");
		sb_adds(sb, type->u.arr.v[i]->u.str.s);
	}
}

static bool check_type(struct eval *e, const struct node *type, const struct node *inst)
{
	struct strbuf msg;

	if (types_accept(type, inst))
		return true;
	if (!e->d)
		return false;
	sb_init(&msg);
	sb_adds(&msg, "found ");
	describe(e, &msg, inst);
	sb_adds(&msg, ", expected ");
	add_types(&msg, type);
	type_hint(&msg, type, inst);
	fail(e, inst->mark, "%s", msg.s ? msg.s : "wrong type");
	sb_free(&msg);
	return false;
}

/* The closest of a list of names, for "did you mean". */
static const char *closest(const char *s, const char *const *names, size_t n)
{
	const char *best = NULL;
	unsigned best_d = 3;

	for (size_t i = 0; i < n; i++) {
		unsigned dist = edit_distance(s, names[i], 2);

		if (dist < best_d) {
			best_d = dist;
			best = names[i];
		}
	}
	return best;
}

static bool check_enum(struct eval *e, const struct node *en, const struct node *inst)
{
	struct strbuf msg;
	const char *names[64];
	size_t n_names = 0;

	for (size_t i = 0; i < en->u.arr.n; i++)
		if (node_equal(en->u.arr.v[i], inst))
			return true;
	if (!e->d)
		return false;
	sb_init(&msg);
	sb_adds(&msg, "found ");
	describe(e, &msg, inst);
	sb_adds(&msg, en->u.arr.n == 1 ? ", expected " : ", expected one of: ");
	for (size_t i = 0; i < en->u.arr.n; i++) {
		const struct node *v = en->u.arr.v[i];

		if (i)
			sb_adds(&msg, ", ");
		node_to_json(&msg, v);
		if (v->type == NODE_STRING && n_names < ARRAY_SIZE(names))
			names[n_names++] = v->u.str.s;
	}
	if (inst->type == NODE_STRING) {
		const char *guess = closest(inst->u.str.s, names, n_names);

		if (guess)
			sb_addf(&msg, " (did you mean \"%s\"?)", guess);
	}
	fail(e, inst->mark, "%s", msg.s ? msg.s : "value not allowed");
	sb_free(&msg);
	return false;
}

static bool check_const(struct eval *e, const struct node *c, const struct node *inst)
{
	struct strbuf msg;

	if (node_equal(c, inst))
		return true;
	if (!e->d)
		return false;
	sb_init(&msg);
	sb_adds(&msg, "found ");
	describe(e, &msg, inst);
	sb_adds(&msg, ", expected ");
	node_to_json(&msg, c);
	fail(e, inst->mark, "%s", msg.s ? msg.s : "value not allowed");
	sb_free(&msg);
	return false;
}

static void add_number(struct strbuf *sb, const struct node *n)
{
	node_to_json(sb, n);
}

static bool is_multiple(const struct node *inst, const struct node *of)
{
	long double x, m, r, tol;
	double q;

	if (inst->type == NODE_INT && of->type == NODE_INT)
		return of->u.i == -1 || inst->u.i % of->u.i == 0;
	/* In double, as JSON numbers are: 1e308 / 0.123456789 overflows, and an
	 * infinite quotient is no multiple. */
	q = (double)node_number(inst) / (double)node_number(of);
	if (!isfinite(q))
		return false;
	/* The exact remainder of the two doubles, allowing for the rounding of
	 * decimal input (0.0075 is not exactly 75 x 0.0001 in binary): a few
	 * ulps of the value. 1e-10 is no multiple of 1; 3000000001.0 none of 2. */
	x = fabsl(node_number(inst));
	m = fabsl(node_number(of));
	r = fmodl(x, m);
	tol = 4 * x * DBL_EPSILON;
	return r <= tol || m - r <= tol;
}

static bool check_number(struct eval *e, const struct node *sch, const struct node *inst)
{
	static const struct {
		const char *kw, *expect;
		int sign;	/* inst compared to limit: violation when cmp has this sign */
		bool strict;
	} rules[] = {
		{ "minimum", "at least", -1, false },
		{ "maximum", "at most", 1, false },
		{ "exclusiveMinimum", "greater than", -1, true },
		{ "exclusiveMaximum", "less than", 1, true },
	};
	long double x = node_number(inst);
	bool ok = true;

	for (size_t i = 0; i < ARRAY_SIZE(rules); i++) {
		const struct node *lim = node_get(sch, rules[i].kw);
		long double l;
		bool bad;

		if (!lim || !node_is_number(lim))
			continue;
		l = node_number(lim);
		if (inst->type == NODE_INT && lim->type == NODE_INT)
			bad = rules[i].sign < 0 ? (rules[i].strict ? inst->u.i <= lim->u.i : inst->u.i < lim->u.i) :
						  (rules[i].strict ? inst->u.i >= lim->u.i : inst->u.i > lim->u.i);
		else
			bad = rules[i].sign < 0 ? (rules[i].strict ? x <= l : x < l) :
						  (rules[i].strict ? x >= l : x > l);
		if (bad) {
			struct strbuf msg;

			ok = false;
			if (!e->d)
				return false;
			sb_init(&msg);
			sb_adds(&msg, "found ");
			add_number(&msg, inst);
			sb_addf(&msg, ", expected %s ", rules[i].expect);
			add_number(&msg, lim);
			fail(e, inst->mark, "%s", msg.s ? msg.s : "number out of range");
			sb_free(&msg);
		}
	}
	{
		const struct node *of = node_get(sch, "multipleOf");

		if (of && node_is_number(of) && !is_multiple(inst, of)) {
			struct strbuf msg;

			ok = false;
			if (!e->d)
				return false;
			sb_init(&msg);
			sb_adds(&msg, "found ");
			add_number(&msg, inst);
			sb_adds(&msg, ", expected a multiple of ");
			add_number(&msg, of);
			fail(e, inst->mark, "%s", msg.s ? msg.s : "not a multiple");
			sb_free(&msg);
		}
	}
	return ok;
}

static bool count_limit(const struct node *sch, const char *kw, size_t *out)
{
	const struct node *v = node_get(sch, kw);
	long double x;

	if (!v || !node_is_integer(v))
		return false;
	x = node_number(v);
	*out = x < 0 ? 0 : x > (long double)SIZE_MAX ? SIZE_MAX : (size_t)x;
	return true;
}

/* minX/maxX over a count: one function for items, characters and keys. */
static bool check_counts(struct eval *e, const struct node *sch, const struct node *inst, size_t count,
			 const char *min_kw, const char *max_kw, const char *unit)
{
	size_t lim;
	bool ok = true;

	if (count_limit(sch, min_kw, &lim) && count < lim) {
		ok = fail(e, inst->mark, "found %zu %s%s, expected at least %zu", count, unit,
			  count == 1 ? "" : "s", lim);
		if (!e->d)
			return false;
	}
	if (count_limit(sch, max_kw, &lim) && count > lim)
		ok = fail(e, inst->mark, "found %zu %s%s, expected at most %zu", count, unit,
			  count == 1 ? "" : "s", lim);
	return ok;
}

static bool regex_match(struct eval *e, const char *pattern, const char *s, size_t n, const struct node *at)
{
	const struct rx_entry *rx = find_rx(e->s, pattern);
	int r;

	if (!rx)
		return false;
	r = pcre2_match(rx->code, (PCRE2_SPTR)s, n, 0, 0, rx->md, e->s->mctx);
	if (r >= 0)
		return true;
	if (r != PCRE2_ERROR_NOMATCH && e->d)
		diag_add(e->d, e->file, at->mark.line, at->mark.col, e->ptr.s ? e->ptr.s : "",
			 "pattern matching gave up (PCRE2 error %d): the pattern is too costly for this value", r);
	return false;
}

static bool check_string(struct eval *e, const struct node *sch, const struct node *inst)
{
	const struct node *pat = node_get_type(sch, "pattern", NODE_STRING);
	bool ok = check_counts(e, sch, inst, utf8_length(inst->u.str.s, inst->u.str.len), "minLength",
			       "maxLength", "character");

	if (!ok && !e->d)
		return false;
	if (pat && !regex_match(e, pat->u.str.s, inst->u.str.s, inst->u.str.len, inst)) {
		struct strbuf msg;

		ok = false;
		if (e->d) {
			sb_init(&msg);
			sb_adds(&msg, "found ");
			describe(e, &msg, inst);
			sb_adds(&msg, ", expected a match for the pattern ");
			sb_add_quoted(&msg, pat->u.str.s, pat->u.str.len);
			fail(e, inst->mark, "%s", msg.s ? msg.s : "no match");
			sb_free(&msg);
		}
	}
	return ok;
}

/* ---- arrays -------------------------------------------------------------- */

static bool eval_item(struct eval *e, const struct node *sch, const struct node *arr, size_t i)
{
	size_t len = e->ptr.len;
	bool ok;

	pointer_push_index(&e->ptr, i);
	ok = eval(e, sch, arr->u.arr.v[i], NULL);
	sb_truncate(&e->ptr, len);
	return ok;
}

struct hashed {
	uint64_t h;
	size_t i;
};

static int hashed_cmp(const void *pa, const void *pb)
{
	const struct hashed *a = pa, *b = pb;

	if (a->h != b->h)
		return a->h < b->h ? -1 : 1;
	return a->i < b->i ? -1 : a->i > b->i;
}

/* uniqueItems by hash then equality: O(n log n) on hostile input. */
static bool check_unique(struct eval *e, const struct node *inst)
{
	size_t n = inst->u.arr.n;
	struct hashed *h;
	bool ok = true;

	if (n < 2)
		return true;
	h = malloc(n * sizeof(*h));
	if (!h)
		return fail(e, inst->mark, "out of memory");
	for (size_t i = 0; i < n; i++)
		h[i] = (struct hashed){ node_hash(inst->u.arr.v[i]), i };
	qsort(h, n, sizeof(*h), hashed_cmp);
	for (size_t i = 1; i < n && (ok || e->d); i++) {
		for (size_t j = i; j-- > 0 && h[j].h == h[i].h;) {
			if (node_equal(inst->u.arr.v[h[j].i], inst->u.arr.v[h[i].i])) {
				size_t len = e->ptr.len;
				const struct node *dup = inst->u.arr.v[h[i].i];

				pointer_push_index(&e->ptr, h[i].i);
				ok = fail(e, dup->mark, "item %zu repeats item %zu (expected unique items)",
					  h[i].i, h[j].i);
				sb_truncate(&e->ptr, len);
				break;
			}
		}
	}
	free(h);
	return ok;
}

static bool check_array(struct eval *e, const struct node *sch, const struct node *inst)
{
	const struct node *prefix = node_get_type(sch, "prefixItems", NODE_ARRAY);
	const struct node *items = node_get(sch, "items");
	const struct node *contains = node_get(sch, "contains");
	const struct node *unique = node_get_type(sch, "uniqueItems", NODE_BOOL);
	size_t n = inst->u.arr.n, first = 0;
	bool ok = check_counts(e, sch, inst, n, "minItems", "maxItems", "item");

	if (!ok && !e->d)
		return false;
	if (prefix) {
		for (size_t i = 0; i < prefix->u.arr.n && i < n; i++)
			if (!eval_item(e, prefix->u.arr.v[i], inst, i)) {
				ok = false;
				if (!e->d)
					return false;
			}
		first = prefix->u.arr.n;
	}
	if (items && items->type == NODE_BOOL && !items->u.b && n > first) {
		/* the usual "no more than the prefix" idiom gets a plain message */
		size_t len = e->ptr.len;

		pointer_push_index(&e->ptr, first);
		ok = fail(e, inst->u.arr.v[first]->mark, "found %zu items, expected at most %zu", n, first);
		sb_truncate(&e->ptr, len);
		if (!e->d)
			return false;
	} else if (items) {
		for (size_t i = first; i < n; i++)
			if (!eval_item(e, items, inst, i)) {
				ok = false;
				if (!e->d)
					return false;
			}
	}
	if (contains) {
		size_t matches = 0, min = 1, max = SIZE_MAX;

		count_limit(sch, "minContains", &min);
		count_limit(sch, "maxContains", &max);
		for (size_t i = 0; i < n; i++)
			if (probe(e, contains, inst->u.arr.v[i], NULL))
				matches++;
		if (matches < min)
			ok = fail(e, inst->mark, "found %zu matching item%s, expected at least %zu to match \"contains\"",
				  matches, matches == 1 ? "" : "s", min);
		else if (matches > max)
			ok = fail(e, inst->mark, "found %zu matching items, expected at most %zu to match \"contains\"",
				  matches, max);
		if (!ok && !e->d)
			return false;
	}
	if (unique && unique->u.b && !check_unique(e, inst))
		ok = false;
	return ok;
}

/* ---- objects ------------------------------------------------------------- */

static bool eval_member(struct eval *e, const struct node *sch, const struct member *m)
{
	size_t len = e->ptr.len;
	bool ok;

	pointer_push_key(&e->ptr, m->key, m->key_len);
	ok = eval(e, sch, m->value, NULL);
	sb_truncate(&e->ptr, len);
	return ok;
}

static const struct node *property_schema(const struct node *props, const struct member *m)
{
	if (!props)
		return NULL;
	for (size_t i = 0; i < props->u.obj.n; i++) {
		const struct member *p = &props->u.obj.v[i];

		if (p->key_len == m->key_len && memcmp(p->key, m->key, m->key_len) == 0)
			return p->value;
	}
	return NULL;
}

static bool member_present(const struct node *inst, const char *key, size_t len)
{
	for (size_t i = 0; i < inst->u.obj.n; i++)
		if (inst->u.obj.v[i].key_len == len && memcmp(inst->u.obj.v[i].key, key, len) == 0)
			return true;
	return false;
}

static void unknown_key(struct eval *e, const struct node *props, const struct member *m)
{
	struct strbuf msg;
	const char *names[64];
	size_t n = 0, len = e->ptr.len;

	if (!e->d)
		return;
	sb_init(&msg);
	sb_adds(&msg, "unknown key ");
	sb_add_quoted(&msg, m->key, m->key_len);
	if (props && props->u.obj.n) {
		sb_adds(&msg, " (expected one of: ");
		for (size_t i = 0; i < props->u.obj.n; i++) {
			if (i)
				sb_adds(&msg, ", ");
			sb_adds(&msg, props->u.obj.v[i].key);
			if (n < ARRAY_SIZE(names))
				names[n++] = props->u.obj.v[i].key;
		}
		sb_addc(&msg, ')');
		{
			const char *guess = closest(m->key, names, n);

			if (guess)
				sb_addf(&msg, "; did you mean \"%s\"?", guess);
		}
	}
	pointer_push_key(&e->ptr, m->key, m->key_len);
	fail(e, m->key_mark, "%s", msg.s ? msg.s : "unknown key");
	sb_truncate(&e->ptr, len);
	sb_free(&msg);
}

static bool check_object(struct eval *e, const struct node *sch, const struct node *inst, bool *evaluated)
{
	const struct node *props = node_get_type(sch, "properties", NODE_OBJECT);
	const struct node *pprops = node_get_type(sch, "patternProperties", NODE_OBJECT);
	const struct node *addl = node_get(sch, "additionalProperties");
	const struct node *names = node_get(sch, "propertyNames");
	const struct node *req = node_get_type(sch, "required", NODE_ARRAY);
	const struct node *dreq = node_get_type(sch, "dependentRequired", NODE_OBJECT);
	size_t n = inst->u.obj.n;
	bool ok = check_counts(e, sch, inst, n, "minProperties", "maxProperties", "key");

	if (!ok && !e->d)
		return false;
	if (req) {
		for (size_t i = 0; i < req->u.arr.n; i++) {
			const struct node *k = req->u.arr.v[i];

			if (!member_present(inst, k->u.str.s, k->u.str.len)) {
				struct strbuf q;

				ok = false;
				if (!e->d)
					return false;
				sb_init(&q);
				sb_add_quoted(&q, k->u.str.s, k->u.str.len);
				fail(e, inst->mark, "missing required key %s", q.s ? q.s : "");
				sb_free(&q);
			}
		}
	}
	if (dreq) {
		for (size_t i = 0; i < dreq->u.obj.n; i++) {
			const struct member *dep = &dreq->u.obj.v[i];

			if (!member_present(inst, dep->key, dep->key_len))
				continue;
			for (size_t j = 0; j < dep->value->u.arr.n; j++) {
				const struct node *k = dep->value->u.arr.v[j];

				if (!member_present(inst, k->u.str.s, k->u.str.len)) {
					struct strbuf a, b;

					ok = false;
					if (!e->d)
						return false;
					sb_init(&a);
					sb_init(&b);
					sb_add_quoted(&a, dep->key, dep->key_len);
					sb_add_quoted(&b, k->u.str.s, k->u.str.len);
					fail(e, inst->mark, "key %s requires key %s, which is missing",
					     a.s ? a.s : "", b.s ? b.s : "");
					sb_free(&a);
					sb_free(&b);
				}
			}
		}
	}
	for (size_t i = 0; i < n; i++) {
		const struct member *m = &inst->u.obj.v[i];
		const struct node *ps = property_schema(props, m);
		bool matched = ps != NULL;

		if (names) {
			struct node key = { .type = NODE_STRING, .mark = m->key_mark, .weight = 1 };
			size_t len = e->ptr.len;
			bool saved = e->key_mode;

			key.u.str.s = m->key;
			key.u.str.len = m->key_len;
			pointer_push_key(&e->ptr, m->key, m->key_len);
			e->key_mode = true;
			if (!eval(e, names, &key, NULL))
				ok = false;
			e->key_mode = saved;
			sb_truncate(&e->ptr, len);
			if (!ok && !e->d)
				return false;
		}
		if (ps && !eval_member(e, ps, m)) {
			ok = false;
			if (!e->d)
				return false;
		}
		if (pprops) {
			for (size_t j = 0; j < pprops->u.obj.n; j++) {
				const struct member *pp = &pprops->u.obj.v[j];

				if (!regex_match(e, pp->key, m->key, m->key_len, inst))
					continue;
				matched = true;
				if (!eval_member(e, pp->value, m)) {
					ok = false;
					if (!e->d)
						return false;
				}
			}
		}
		if (!matched && addl) {
			if (addl->type == NODE_BOOL && !addl->u.b) {
				unknown_key(e, props, m);
				ok = false;
				if (!e->d)
					return false;
				continue;
			}
			matched = true;
			if (!eval_member(e, addl, m)) {
				ok = false;
				if (!e->d)
					return false;
			}
		}
		if (matched && evaluated)
			evaluated[i] = true;
	}
	return ok;
}

/* ---- combinators --------------------------------------------------------- */

static const struct node *ref_target(const struct schema *s, const struct node *sch)
{
	const struct node *ref = node_get_type(sch, "$ref", NODE_STRING);
	const struct ref_entry *r = ref ? find_ref(s, ref) : NULL;

	return r ? r->target : NULL;
}

/* Could this alternative apply to a value of this kind at all? Used to pick
 * the alternative whose errors explain a failed anyOf/oneOf. */
static bool branch_fits(const struct schema *s, const struct node *b, const struct node *inst, int hops)
{
	const struct node *t, *c, *target;

	if (b->type == NODE_BOOL)
		return b->u.b;
	t = node_get(b, "type");
	if (t && !types_accept(t, inst))
		return false;
	c = node_get(b, "const");
	if (c && c->type != inst->type && !(node_is_number(c) && node_is_number(inst)))
		return false;
	target = ref_target(s, b);
	if (target && hops < 8 && !branch_fits(s, target, inst, hops + 1))
		return false;
	return true;
}

static void branch_summary(const struct schema *s, struct strbuf *sb, const struct node *b, size_t i)
{
	const struct node *title, *t, *c, *target = b->type == NODE_OBJECT ? ref_target(s, b) : NULL;

	if (target && !node_get(b, "title"))
		b = target;
	title = node_get_type(b, "title", NODE_STRING);
	t = node_get(b, "type");
	c = node_get(b, "const");
	if (title)
		sb_add_quoted(sb, title->u.str.s, title->u.str.len);
	else if (c)
		node_to_json(sb, c);
	else if (t)
		add_types(sb, t);
	else
		sb_addf(sb, "alternative %zu", i + 1);
}

static bool check_any_one(struct eval *e, const struct node *list, const struct node *inst, bool one,
			  bool *evaluated)
{
	size_t n = list->u.arr.n, matches = 0, first = 0, second = 0, fits = 0, fit = 0;
	bool *sub = NULL;
	struct strbuf msg;

	if (evaluated && inst->type == NODE_OBJECT)
		sub = calloc(inst->u.obj.n ? inst->u.obj.n : 1, sizeof(*sub));
	for (size_t i = 0; i < n; i++) {
		if (sub)
			memset(sub, 0, inst->u.obj.n * sizeof(*sub));
		bool matched = probe(e, list->u.arr.v[i], inst, sub);

		/* when the failure will be reported, every alternative's keys count
		 * as seen, so that unevaluatedProperties does not blame them too */
		if (!matched && sub && e->d)
			for (size_t k = 0; k < inst->u.obj.n; k++)
				evaluated[k] |= sub[k];
		if (matched) {
			if (matches == 0)
				first = i;
			else if (matches == 1)
				second = i;
			matches++;
			if (sub)
				for (size_t k = 0; k < inst->u.obj.n; k++)
					evaluated[k] |= sub[k];
			/* anyOf must see every branch only when annotations are collected */
			if (!one && !sub)
				break;
			if (one && matches > 1 && !sub)
				break;
		}
		if (e->aborted)
			break;
	}
	free(sub);
	if (one ? matches == 1 : matches >= 1)
		return true;
	if (!e->d || e->aborted)
		return false;
	sb_init(&msg);
	if (matches > 1) {
		sb_adds(&msg, "found ");
		describe(e, &msg, inst);
		sb_addf(&msg, ", which matches both alternative %zu (", first + 1);
		branch_summary(e->s, &msg, list->u.arr.v[first], first);
		sb_addf(&msg, ") and alternative %zu (", second + 1);
		branch_summary(e->s, &msg, list->u.arr.v[second], second);
		sb_adds(&msg, "), expected exactly one");
		fail(e, inst->mark, "%s", msg.s ? msg.s : "ambiguous");
		sb_free(&msg);
		return false;
	}
	for (size_t i = 0; i < n; i++)
		if (branch_fits(e->s, list->u.arr.v[i], inst, 0))
			fits++, fit = i;
	if (fits == 1) {
		/* the one alternative meant for this kind of value says what is wrong */
		sb_free(&msg);
		eval(e, list->u.arr.v[fit], inst, NULL);
		return false;
	}
	sb_adds(&msg, "found ");
	describe(e, &msg, inst);
	sb_adds(&msg, ", expected ");
	if (n > 1)
		sb_adds(&msg, "one of: ");
	for (size_t i = 0; i < n; i++) {
		if (i)
			sb_adds(&msg, ", ");
		branch_summary(e->s, &msg, list->u.arr.v[i], i);
	}
	fail(e, inst->mark, "%s", msg.s ? msg.s : "no alternative matches");
	sb_free(&msg);
	return false;
}

/* Runs an in-place subschema; its annotations count only when it passes. */
static bool eval_inplace(struct eval *e, const struct node *sch, const struct node *inst, bool *evaluated,
			 bool quiet)
{
	bool *sub = NULL, ok;

	if (evaluated && inst->type == NODE_OBJECT)
		sub = calloc(inst->u.obj.n ? inst->u.obj.n : 1, sizeof(*sub));
	ok = quiet ? probe(e, sch, inst, sub) : eval(e, sch, inst, sub);
	/* A failed subschema's annotations do not count, but when its failure
	 * is being reported, unevaluatedProperties must not blame its keys too. */
	if ((ok || (!quiet && e->d)) && sub)
		for (size_t k = 0; k < inst->u.obj.n; k++)
			evaluated[k] |= sub[k];
	free(sub);
	return ok;
}

static bool eval_ref(struct eval *e, const struct node *sch, const struct node *inst, bool *evaluated)
{
	const struct node *target = ref_target(e->s, sch);
	bool ok;

	if (!target)
		return true;	/* compile refused unresolved refs */
	for (unsigned i = 0; i < e->n_stack; i++) {
		if (e->stack_sch[i] == target && e->stack_inst[i] == inst) {
			abort_eval(e, inst, "the schema refers to itself without consuming any of the value (an infinite $ref loop)");
			return false;
		}
	}
	if (e->n_stack >= EVAL_MAX_DEPTH) {
		abort_eval(e, inst, "schema references nest deeper than the validator follows");
		return false;
	}
	e->stack_sch[e->n_stack] = target;
	e->stack_inst[e->n_stack] = inst;
	e->n_stack++;
	ok = eval_inplace(e, target, inst, evaluated, false);
	e->n_stack--;
	return ok;
}

static bool eval(struct eval *e, const struct node *sch, const struct node *inst, bool *evaluated)
{
	const struct node *v;
	bool ok = true, *mine = NULL;
	const struct node *uneval;

	if (e->aborted)
		return false;
	if (sch->type == NODE_BOOL) {
		if (sch->u.b)
			return true;
		if (e->d) {
			struct strbuf what;

			sb_init(&what);
			describe(e, &what, inst);
			fail(e, inst->mark, "found %s where no value is allowed", what.s ? what.s : "a value");
			sb_free(&what);
		}
		return false;
	}
	if (sch->type != NODE_OBJECT)
		return true;
	if (++e->depth > EVAL_MAX_DEPTH) {
		e->depth--;
		abort_eval(e, inst, "value and schema nest deeper than the validator follows");
		return false;
	}
	uneval = inst->type == NODE_OBJECT ? node_get(sch, "unevaluatedProperties") : NULL;
	if (inst->type == NODE_OBJECT && (evaluated || uneval)) {
		mine = calloc(inst->u.obj.n ? inst->u.obj.n : 1, sizeof(*mine));
		if (!mine) {
			e->depth--;
			return fail(e, inst->mark, "out of memory");
		}
	}

#define STEP(expr)                                                                                 \
	do {                                                                                       \
		if (!(expr)) {                                                                     \
			ok = false;                                                                \
			if (!e->d || e->aborted)                                                   \
				goto out;                                                          \
		}                                                                                  \
	} while (0)

	if ((v = node_get(sch, "type")))
		STEP(check_type(e, v, inst));
	if ((v = node_get_type(sch, "enum", NODE_ARRAY)))
		STEP(check_enum(e, v, inst));
	if ((v = node_get(sch, "const")))
		STEP(check_const(e, v, inst));
	if (node_is_number(inst))
		STEP(check_number(e, sch, inst));
	else if (inst->type == NODE_STRING)
		STEP(check_string(e, sch, inst));
	else if (inst->type == NODE_ARRAY)
		STEP(check_array(e, sch, inst));
	else if (inst->type == NODE_OBJECT)
		STEP(check_object(e, sch, inst, mine));

	if (node_get_type(sch, "$ref", NODE_STRING))
		STEP(eval_ref(e, sch, inst, mine));
	if ((v = node_get_type(sch, "allOf", NODE_ARRAY)))
		for (size_t i = 0; i < v->u.arr.n; i++)
			STEP(eval_inplace(e, v->u.arr.v[i], inst, mine, false));
	if ((v = node_get_type(sch, "anyOf", NODE_ARRAY)))
		STEP(check_any_one(e, v, inst, false, mine));
	if ((v = node_get_type(sch, "oneOf", NODE_ARRAY)))
		STEP(check_any_one(e, v, inst, true, mine));
	if ((v = node_get(sch, "not"))) {
		bool matched = probe(e, v, inst, NULL);

		if (e->aborted)
			STEP(false);
		if (matched) {
			struct strbuf msg;

			if (e->aborted)
				goto out;
			sb_init(&msg);
			sb_adds(&msg, "found ");
			describe(e, &msg, inst);
			{
				const struct node *why = node_get_type(v, "description", NODE_STRING);

				if (why)
					sb_addf(&msg, ": %s", why->u.str.s);
				else
					sb_adds(&msg, ", which is excluded here (\"not\")");
			}
			fail(e, inst->mark, "%s", msg.s ? msg.s : "excluded value");
			sb_free(&msg);
			STEP(false);
		}
	}
	if ((v = node_get(sch, "if"))) {
		const struct node *then = node_get(sch, "then"), *els = node_get(sch, "else");

		bool matched = eval_inplace(e, v, inst, mine, true);

		if (e->aborted)
			STEP(false);
		if (matched) {
			if (then)
				STEP(eval_inplace(e, then, inst, mine, false));
		} else if (els) {
			STEP(eval_inplace(e, els, inst, mine, false));
		}
	}
	if (inst->type == NODE_OBJECT && (v = node_get_type(sch, "dependentSchemas", NODE_OBJECT))) {
		for (size_t i = 0; i < v->u.obj.n; i++)
			if (member_present(inst, v->u.obj.v[i].key, v->u.obj.v[i].key_len))
				STEP(eval_inplace(e, v->u.obj.v[i].value, inst, mine, false));
	}
	if (uneval) {
		for (size_t i = 0; i < inst->u.obj.n; i++) {
			const struct member *m = &inst->u.obj.v[i];

			if (mine[i])
				continue;
			if (uneval->type == NODE_BOOL && !uneval->u.b) {
				if (e->d) {
					struct strbuf q;
					size_t len = e->ptr.len;

					sb_init(&q);
					sb_add_quoted(&q, m->key, m->key_len);
					pointer_push_key(&e->ptr, m->key, m->key_len);
					fail(e, m->key_mark, "unknown key %s (no keyword of the schema accepts it)",
					     q.s ? q.s : "");
					sb_truncate(&e->ptr, len);
					sb_free(&q);
				}
				STEP(false);
				continue;
			}
			STEP(eval_member(e, uneval, m));
			mine[i] = true;
		}
	}
#undef STEP
out:
	if ((ok || e->d) && evaluated && mine)
		for (size_t i = 0; i < inst->u.obj.n; i++)
			evaluated[i] |= mine[i];
	free(mine);
	e->depth--;
	return ok;
}

struct schema *schema_compile(const struct doc *doc, struct diags *d)
{
	return schema_compile_node(doc, doc->root, d);
}

bool schema_validate_node(struct schema *s, const char *file, const struct node *inst, struct diags *d)
{
	struct eval e = { .s = s, .d = d, .top = d, .file = file };
	bool ok;

	sb_init(&e.ptr);
	sb_adds(&e.ptr, "");
	ok = eval(&e, s->root, inst, NULL);
	sb_free(&e.ptr);
	return ok;
}

bool schema_validate(struct schema *s, const struct doc *inst, struct diags *d)
{
	return schema_validate_node(s, inst->file, inst->root, d);
}
