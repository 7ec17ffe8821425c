/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef FINTUNE_SCHEMA_H
#define FINTUNE_SCHEMA_H

#include "diag.h"
#include "node.h"

/*
 * A JSON Schema (draft 2020-12) validator over loaded documents.
 *
 * Implemented: type enum const properties required additionalProperties
 * patternProperties propertyNames dependentRequired dependentSchemas
 * minProperties maxProperties unevaluatedProperties items prefixItems
 * contains minContains maxContains minItems maxItems uniqueItems minimum
 * maximum exclusiveMinimum exclusiveMaximum multipleOf minLength maxLength
 * pattern allOf anyOf oneOf not if then else $ref $defs $id $anchor, and
 * boolean schemas. Annotations (title, description, default, examples,
 * $comment, format, ...) are ignored. A schema that uses a keyword of the
 * 2020-12 vocabulary we do not implement ($dynamicRef, unevaluatedItems, ...)
 * is refused with an error rather than half-checked, and so is a $ref that
 * leaves the document.
 */
struct schema;

/* Indexes $id/$anchor, resolves every $ref, compiles every pattern and checks
 * that each keyword has a value of the right kind. NULL with errors in d. */
struct schema *schema_compile(const struct doc *doc, struct diags *d);
/* The same, for a schema that is a part of a larger document. */
struct schema *schema_compile_node(const struct doc *doc, const struct node *root, struct diags *d);
void schema_free(struct schema *s);

/* Validates a whole document; every problem goes to d. True when valid. */
bool schema_validate(struct schema *s, const struct doc *inst, struct diags *d);
bool schema_validate_node(struct schema *s, const char *file, const struct node *inst, struct diags *d);

/* The root schema's (sub)schema at a JSON pointer, e.g. "/$defs/workload". */
const struct node *schema_at(const struct schema *s, const char *pointer);

#endif
