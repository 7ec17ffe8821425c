// SPDX-License-Identifier: GPL-2.0-or-later
#include "node.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void doc_free(struct doc *doc)
{
	if (!doc)
		return;
	arena_free(&doc->arena);
	free(doc);
}

const char *node_type_name(enum node_type t)
{
	switch (t) {
	case NODE_NULL:
		return "null";
	case NODE_BOOL:
		return "boolean";
	case NODE_INT:
		return "integer";
	case NODE_FLOAT:
		return "number";
	case NODE_STRING:
		return "string";
	case NODE_ARRAY:
		return "array";
	case NODE_OBJECT:
		return "object";
	}
	return "?";
}

bool node_is_number(const struct node *n)
{
	return n->type == NODE_INT || n->type == NODE_FLOAT;
}

bool node_is_integer(const struct node *n)
{
	return n->type == NODE_INT || (n->type == NODE_FLOAT && n->u.f == floor(n->u.f));
}

long double node_number(const struct node *n)
{
	return n->type == NODE_INT ? (long double)n->u.i : (long double)n->u.f;
}

const struct member *node_member(const struct node *obj, const char *key)
{
	size_t len = strlen(key);

	if (!obj || obj->type != NODE_OBJECT)
		return NULL;
	for (size_t i = 0; i < obj->u.obj.n; i++) {
		const struct member *m = &obj->u.obj.v[i];

		if (m->key_len == len && memcmp(m->key, key, len) == 0)
			return m;
	}
	return NULL;
}

const struct node *node_get(const struct node *obj, const char *key)
{
	const struct member *m = node_member(obj, key);

	return m ? m->value : NULL;
}

const struct node *node_get_type(const struct node *obj, const char *key, enum node_type t)
{
	const struct node *n = node_get(obj, key);

	return n && n->type == t ? n : NULL;
}

static bool numbers_equal(const struct node *a, const struct node *b)
{
	if (a->type == NODE_INT && b->type == NODE_INT)
		return a->u.i == b->u.i;
	return node_number(a) == node_number(b);
}

bool node_equal(const struct node *a, const struct node *b)
{
	if (a == b)
		return true;
	if (node_is_number(a) && node_is_number(b))
		return numbers_equal(a, b);
	if (a->type != b->type)
		return false;
	switch (a->type) {
	case NODE_NULL:
		return true;
	case NODE_BOOL:
		return a->u.b == b->u.b;
	case NODE_STRING:
		return a->u.str.len == b->u.str.len &&
		       memcmp(a->u.str.s, b->u.str.s, a->u.str.len) == 0;
	case NODE_ARRAY:
		if (a->u.arr.n != b->u.arr.n)
			return false;
		for (size_t i = 0; i < a->u.arr.n; i++)
			if (!node_equal(a->u.arr.v[i], b->u.arr.v[i]))
				return false;
		return true;
	case NODE_OBJECT:
		if (a->u.obj.n != b->u.obj.n)
			return false;
		for (size_t i = 0; i < a->u.obj.n; i++) {
			const struct member *ma = &a->u.obj.v[i];
			bool found = false;

			for (size_t j = 0; j < b->u.obj.n && !found; j++) {
				const struct member *mb = &b->u.obj.v[j];

				if (ma->key_len == mb->key_len &&
				    memcmp(ma->key, mb->key, ma->key_len) == 0) {
					if (!node_equal(ma->value, mb->value))
						return false;
					found = true;
				}
			}
			if (!found)
				return false;
		}
		return true;
	default:
		return false;
	}
}

static uint64_t mix64(uint64_t x)
{
	x ^= x >> 30;
	x *= 0xbf58476d1ce4e5b9ULL;
	x ^= x >> 27;
	x *= 0x94d049bb133111ebULL;
	x ^= x >> 31;
	return x;
}

static uint64_t hash_bytes(const char *s, size_t n)
{
	uint64_t h = 0xcbf29ce484222325ULL;

	for (size_t i = 0; i < n; i++) {
		h ^= (unsigned char)s[i];
		h *= 0x100000001b3ULL;
	}
	return h;
}

uint64_t node_hash(const struct node *n)
{
	uint64_t h;

	switch (n->type) {
	case NODE_NULL:
		return 0x6e756c6cULL;
	case NODE_BOOL:
		return n->u.b ? 0x74727565ULL : 0x66616c73ULL;
	case NODE_INT:
		return mix64((uint64_t)n->u.i);
	case NODE_FLOAT:
		/* Equal numbers must hash alike: an integral double in int64 range
		 * hashes as that integer; -0.0 as 0. */
		if (n->u.f == floor(n->u.f) && n->u.f >= -9223372036854775808.0 && n->u.f < 9223372036854775808.0)
			return mix64((uint64_t)(int64_t)n->u.f);
		{
			double f = n->u.f;
			uint64_t bits;

			memcpy(&bits, &f, sizeof(bits));
			return mix64(bits);
		}
	case NODE_STRING:
		return hash_bytes(n->u.str.s, n->u.str.len);
	case NODE_ARRAY:
		h = 0x617272ULL + n->u.arr.n;
		for (size_t i = 0; i < n->u.arr.n; i++)
			h = mix64(h ^ node_hash(n->u.arr.v[i]));
		return h;
	case NODE_OBJECT:
		/* Order-independent: a sum of per-member hashes. */
		h = 0x6f626aULL + n->u.obj.n;
		for (size_t i = 0; i < n->u.obj.n; i++) {
			const struct member *m = &n->u.obj.v[i];

			h += mix64(hash_bytes(m->key, m->key_len) * 31 + node_hash(m->value));
		}
		return mix64(h);
	}
	return 0;
}

static void add_double(struct strbuf *sb, double f)
{
	char buf[40];

	/* The shortest of %.15g/%.17g that reads back as the same double. */
	snprintf(buf, sizeof(buf), "%.15g", f);
	if (strtod(buf, NULL) != f)
		snprintf(buf, sizeof(buf), "%.17g", f);
	sb_adds(sb, buf);
	if (!strpbrk(buf, ".eEn"))
		sb_adds(sb, ".0");
}

void node_to_json(struct strbuf *sb, const struct node *n)
{
	switch (n->type) {
	case NODE_NULL:
		sb_adds(sb, "null");
		break;
	case NODE_BOOL:
		sb_adds(sb, n->u.b ? "true" : "false");
		break;
	case NODE_INT:
		sb_addf(sb, "%lld", (long long)n->u.i);
		break;
	case NODE_FLOAT:
		add_double(sb, n->u.f);
		break;
	case NODE_STRING:
		sb_add_quoted(sb, n->u.str.s, n->u.str.len);
		break;
	case NODE_ARRAY:
		sb_addc(sb, '[');
		for (size_t i = 0; i < n->u.arr.n; i++) {
			if (i)
				sb_adds(sb, ", ");
			node_to_json(sb, n->u.arr.v[i]);
		}
		sb_addc(sb, ']');
		break;
	case NODE_OBJECT:
		sb_addc(sb, '{');
		for (size_t i = 0; i < n->u.obj.n; i++) {
			if (i)
				sb_adds(sb, ", ");
			sb_add_quoted(sb, n->u.obj.v[i].key, n->u.obj.v[i].key_len);
			sb_adds(sb, ": ");
			node_to_json(sb, n->u.obj.v[i].value);
		}
		sb_addc(sb, '}');
		break;
	}
}

void node_describe(struct strbuf *sb, const struct node *n)
{
	switch (n->type) {
	case NODE_NULL:
		sb_adds(sb, "null");
		break;
	case NODE_BOOL:
		sb_addf(sb, "boolean %s", n->u.b ? "true" : "false");
		break;
	case NODE_INT:
		sb_addf(sb, "integer %lld", (long long)n->u.i);
		break;
	case NODE_FLOAT:
		sb_adds(sb, "number ");
		add_double(sb, n->u.f);
		break;
	case NODE_STRING:
		sb_adds(sb, "string ");
		sb_add_quoted(sb, n->u.str.s, n->u.str.len);
		break;
	case NODE_ARRAY:
		sb_addf(sb, "an array of %zu item%s", n->u.arr.n, n->u.arr.n == 1 ? "" : "s");
		break;
	case NODE_OBJECT:
		sb_addf(sb, "a mapping of %zu key%s", n->u.obj.n, n->u.obj.n == 1 ? "" : "s");
		break;
	}
}

void pointer_push_key(struct strbuf *ptr, const char *key, size_t len)
{
	sb_addc(ptr, '/');
	for (size_t i = 0; i < len; i++) {
		if (key[i] == '~')
			sb_adds(ptr, "~0");
		else if (key[i] == '/')
			sb_adds(ptr, "~1");
		else
			sb_addc(ptr, key[i]);
	}
}

void pointer_push_index(struct strbuf *ptr, size_t i)
{
	sb_addf(ptr, "/%zu", i);
}
