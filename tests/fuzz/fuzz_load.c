// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * libFuzzer target for the loader and the validator: each input is loaded as
 * YAML/JSON and validated against the profile schema; when it loads, it is
 * also compiled as a schema and the input validated against itself, which
 * drives the schema compiler and every keyword with arbitrary values.
 */
#include "builtin.h"
#include "load.h"
#include "schema.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct doc *profile_schema_doc;
static struct schema *profile_schema;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct diags d;
	struct doc *doc;

	diags_init(&d);
	if (!profile_schema) {
		profile_schema_doc = doc_load_string("schema", builtin_schema.data, strlen(builtin_schema.data),
						     NULL, &d);
		profile_schema = schema_compile(profile_schema_doc, &d);
		if (!profile_schema)
			abort();
	}
	doc = doc_load_string("fuzz.yaml", (const char *)data, size, NULL, &d);
	if (doc) {
		struct schema *self;

		schema_validate(profile_schema, doc, &d);
		self = schema_compile(doc, &d);
		if (self) {
			schema_validate(self, doc, &d);
			schema_free(self);
		}
		doc_free(doc);
	}
	diags_sort(&d);
	diags_free(&d);
	return 0;
}
