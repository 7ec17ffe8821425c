/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef FINTUNE_NODE_H
#define FINTUNE_NODE_H

#include "util.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The JSON data model, as YAML 1.2's core schema resolves it, with the place in
 * the source each value came from. Nodes are immutable once loaded; an alias
 * shares the node of its anchor. */
enum node_type {
	NODE_NULL,
	NODE_BOOL,
	NODE_INT,	/* fits int64_t */
	NODE_FLOAT,	/* finite double */
	NODE_STRING,
	NODE_ARRAY,
	NODE_OBJECT,
};

struct mark {
	unsigned line, col;	/* 1-based */
};

struct node;

struct member {
	const char *key;
	size_t key_len;
	struct mark key_mark;
	struct node *value;
};

struct node {
	enum node_type type;
	struct mark mark;
	/* A plain (unquoted) scalar that resolved to a string: the validator uses it
	 * to explain yes/no/on/off, which YAML 1.1 read as booleans. */
	bool plain;
	size_t weight;	/* nodes in the subtree, counting every alias in full */
	union {
		bool b;
		int64_t i;
		double f;
		struct {
			const char *s;
			size_t len;
		} str;
		struct {
			struct node **v;
			size_t n;
		} arr;
		struct {
			struct member *v;
			size_t n;
		} obj;
	} u;
};

struct doc {
	const char *file;	/* as shown in messages */
	struct node *root;
	struct arena arena;
	unsigned char sha256[32];	/* of the bytes the document was read from */
};

void doc_free(struct doc *doc);

const char *node_type_name(enum node_type t);
/* "integer" for a float with no fractional part is left to the caller. */
bool node_is_number(const struct node *n);
bool node_is_integer(const struct node *n);	/* 1.0 is an integer */
long double node_number(const struct node *n);

const struct member *node_member(const struct node *obj, const char *key);
const struct node *node_get(const struct node *obj, const char *key);
const struct node *node_get_type(const struct node *obj, const char *key, enum node_type t);

/* JSON equality: 1 == 1.0, members compared regardless of order. */
bool node_equal(const struct node *a, const struct node *b);
/* Hash consistent with node_equal. */
uint64_t node_hash(const struct node *n);

/* Appends a short rendering of a value for messages ("yes", 5, an object). */
void node_describe(struct strbuf *sb, const struct node *n);
/* Appends the value as compact JSON. */
void node_to_json(struct strbuf *sb, const struct node *n);

/* JSON pointer token escaping (~0, ~1). */
void pointer_push_key(struct strbuf *ptr, const char *key, size_t len);
void pointer_push_index(struct strbuf *ptr, size_t i);

#endif
