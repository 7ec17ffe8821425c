// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * libFuzzer target for the schema loader: each input is loaded as a schema
 * document (YAML or JSON) and compiled (schema_compile: $id/$anchor index,
 * every $ref resolved, every pattern compiled, every keyword's value
 * checked); what compiles validates a fixed set of instances: the built-in
 * profiles, the profile schema itself, and a few small documents of every
 * type. fuzz_load drives the same compiler from profile-shaped inputs; this
 * one starts from schemas.
 */
#include "builtin.h"
#include "load.h"
#include "schema.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_INSTANCES 32

static struct doc *instances[MAX_INSTANCES];
static size_t n_instances;

static void add_instance(const char *display, const char *text)
{
	struct diags d;
	struct doc *doc;

	diags_init(&d);
	doc = doc_load_string(display, text, strlen(text), NULL, &d);
	if (!doc || n_instances == MAX_INSTANCES)
		abort();
	instances[n_instances++] = doc;
	diags_free(&d);
}

static void setup(void)
{
	static const char *const small[] = {
		"null", "true", "0", "-1.5e300", "18446744073709551616", "\"\"", "\"\xc3\xa9t\xc3\xa9\"", "[]",
		"[1, \"1\", 1.0, [1], {\"a\": 1}, null]", "{}", "{\"a\": {\"b\": {\"c\": [true, false]}}, \"$ref\": \"#\"}",
		"name: x\nworkload:\n  rtt_ms: 1\npin:\n  net.ipv4.tcp_fin_timeout: 30\n",
	};

	add_instance(builtin_schema.display, builtin_schema.data);
	for (size_t i = 0; i < builtin_profiles_count; i++)
		add_instance(builtin_profiles[i].display, builtin_profiles[i].data);
	for (size_t i = 0; i < sizeof(small) / sizeof(small[0]); i++)
		add_instance("instance.yaml", small[i]);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct diags d;
	struct doc *doc;

	if (!n_instances)
		setup();
	diags_init(&d);
	doc = doc_load_string("fuzz.schema.json", (const char *)data, size, NULL, &d);
	if (doc) {
		struct schema *s = schema_compile(doc, &d);

		if (s) {
			for (size_t i = 0; i < n_instances; i++) {
				struct diags vd;

				diags_init(&vd);
				schema_validate(s, instances[i], &vd);
				diags_sort(&vd);
				diags_free(&vd);
			}
			/* a subschema, as profile.c looks up the workload defaults */
			schema_at(s, "/$defs/workload");
			schema_at(s, "/properties/workload/properties/rtt_ms");
			schema_free(s);
		}
		doc_free(doc);
	}
	diags_sort(&d);
	diags_free(&d);
	return 0;
}
