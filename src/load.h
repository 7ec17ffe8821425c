/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef FINTUNE_LOAD_H
#define FINTUNE_LOAD_H

#include "diag.h"
#include "node.h"

/* Bounds that keep hostile input cheap: every one of them ends a load with a
 * located error long before time or memory matter. */
struct load_limits {
	size_t max_bytes;	/* file size */
	unsigned max_depth;	/* nested sequences and mappings */
	size_t max_weight;	/* nodes after expanding every alias */
};

extern const struct load_limits load_default_limits;

/* Loads exactly one YAML 1.2 (or JSON) document. Problems go to d as
 * "file:line:col: /pointer: message". Returns NULL when the file could not be
 * read or parsed; a document with problems that do not stop parsing
 * (duplicate keys, overflowing integers, unknown tags) is returned too, and
 * d->errors says so, so that validation can list every problem at once. */
struct doc *doc_load_file(const char *path, const char *display, const struct load_limits *lim,
			  struct diags *d);
struct doc *doc_load_string(const char *display, const char *buf, size_t len,
			    const struct load_limits *lim, struct diags *d);
/* The same, saying in *marked whether the document's top level is a
 * mapping with `fintune: 1`: noted while reading, so that it holds for a
 * document that did not parse to its end, or that is returned NULL. A
 * caller can then keep every problem of a file that is no profile to itself
 * (they quote its text). */
struct doc *doc_load_marked(const char *display, const char *buf, size_t len, const struct load_limits *lim,
			    struct diags *d, bool *marked);

#endif
