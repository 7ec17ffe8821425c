// SPDX-License-Identifier: GPL-2.0-or-later
/* The validator: verdicts the official suite does not look at (messages,
 * locations, pointers) and fintune's own refusals. */
#include "helpers.h"
#include "uri.h"

#include <stdlib.h>

static void test_messages_name_found_and_expected(void **state)
{
	const char *schema = "{\"type\":\"object\",\"properties\":{"
			     "\"flag\":{\"type\":\"boolean\"},"
			     "\"n\":{\"type\":\"integer\",\"minimum\":1,\"maximum\":10},"
			     "\"q\":{\"type\":\"integer\"},"
			     "\"mode\":{\"enum\":[\"us\",\"peer\",\"either\"]}},"
			     "\"additionalProperties\":false,\"required\":[\"need\"]}";
	struct diags d;

	(void)state;
	diags_init(&d);
	assert_false(check(schema, "flag: yes\nn: 11\nq: \"5\"\nmode: peeer\nmood: 1\n", &d));
	assert_true(has_diag(&d, 1, 7, "/flag", "found string \"yes\", expected boolean; YAML 1.2 reads yes as a string: write true"));
	assert_true(has_diag(&d, 2, 4, "/n", "found 11, expected at most 10"));
	assert_true(has_diag(&d, 3, 4, "/q", "found string \"5\", expected integer; remove the quotes"));
	assert_true(has_diag(&d, 4, 7, "/mode", "expected one of: \"us\", \"peer\", \"either\" (did you mean \"peer\"?)"));
	assert_true(has_diag(&d, 5, 1, "/mood", "unknown key \"mood\" (expected one of: flag, n, q, mode); did you mean \"mode\"?"));
	assert_true(has_diag(&d, 1, 1, "", "missing required key \"need\""));
	/* every problem of the document, not just the first */
	assert_int_equal(d.errors, 6);
	diags_free(&d);
}

static void test_pointer_escaping_and_arrays(void **state)
{
	const char *schema = "{\"additionalProperties\":{\"type\":\"array\",\"items\":{\"type\":\"string\"}}}";
	struct diags d;

	(void)state;
	diags_init(&d);
	assert_false(check(schema, "\"a/b~c\": [x, 2]\n", &d));
	assert_true(has_diag(&d, 1, 14, "/a~1b~0c/1", "found integer 2, expected string"));
	diags_free(&d);
}

static void test_integers_are_numbers_with_no_fraction(void **state)
{
	struct diags d;

	(void)state;
	diags_init(&d);
	assert_true(check("{\"type\":\"integer\"}", "1.0", &d));
	assert_true(check("{\"type\":\"integer\"}", "1e3", &d));
	assert_false(check("{\"type\":\"integer\"}", "1.5", &d));
	assert_true(check("{\"const\":1}", "1.0", &d));
	assert_true(check("{\"enum\":[2.0]}", "2", &d));
	assert_true(check("{\"multipleOf\":0.01}", "0.29", &d));
	assert_false(check("{\"uniqueItems\":true}", "[1, 1.0]", &d));
	assert_true(has_diag(&d, 1, 5, "/1", "item 1 repeats item 0"));
	assert_true(check("{\"uniqueItems\":true}", "[{a: 1, b: 2}, {b: 2, a: 3}]", &d));
	diags_free(&d);
}

static void test_unique_items_scales(void **state)
{
	struct strbuf sb;
	struct diags d;

	(void)state;
	/* 100k distinct items would take minutes pairwise */
	sb_init(&sb);
	sb_addc(&sb, '[');
	for (int i = 0; i < 100000; i++)
		sb_addf(&sb, "%s%d", i ? "," : "", i);
	sb_adds(&sb, ",17]");
	diags_init(&d);
	assert_false(check("{\"uniqueItems\":true}", sb.s, &d));
	assert_true(has_diag(&d, 0, 0, "/100000", "repeats item 17"));
	diags_free(&d);
	sb_free(&sb);
}

static void test_any_of_explains_the_fitting_alternative(void **state)
{
	const char *schema = "{\"oneOf\":[{\"title\":\"[LOW, HIGH]\",\"type\":\"array\",\"maxItems\":2},"
			     "{\"title\":\"\\\"LOW HIGH\\\"\",\"type\":\"string\",\"pattern\":\"^[0-9]+ [0-9]+$\"}]}";
	struct diags d;

	(void)state;
	diags_init(&d);
	/* only the string alternative fits a string: its own message is given */
	assert_false(check(schema, "\"1 2 3\"", &d));
	assert_true(has_diag(&d, 1, 1, "", "expected a match for the pattern \"^[0-9]+ [0-9]+$\""));
	diags_free(&d);
	diags_init(&d);
	assert_false(check(schema, "5", &d));
	assert_true(has_diag(&d, 1, 1, "", "found integer 5, expected one of: \"[LOW, HIGH]\", \"\\\"LOW HIGH\\\"\""));
	diags_free(&d);
	diags_init(&d);
	assert_false(check("{\"oneOf\":[{\"type\":\"integer\"},{\"minimum\":0}]}", "3", &d));
	assert_true(has_diag(&d, 1, 1, "", "matches both alternative 1 (integer) and alternative 2"));
	diags_free(&d);
}

static void test_not_uses_its_description(void **state)
{
	struct diags d;

	(void)state;
	diags_init(&d);
	assert_false(check("{\"not\":{\"description\":\"61..119 is a trap\",\"minimum\":61,\"maximum\":119}}", "90", &d));
	assert_true(has_diag(&d, 1, 1, "", "found integer 90: 61..119 is a trap"));
	diags_free(&d);
}

static void test_property_names_talk_about_keys(void **state)
{
	struct diags d;

	(void)state;
	diags_init(&d);
	assert_false(check("{\"propertyNames\":{\"pattern\":\"^[a-z]+$\"}}", "ok: 1\nNot_Ok: 2\n", &d));
	assert_true(has_diag(&d, 2, 1, "/Not_Ok", "found key \"Not_Ok\", expected a match"));
	assert_int_equal(d.errors, 1);
	diags_free(&d);
}

static void test_refs_resolve_and_loops_stop(void **state)
{
	struct diags d;

	(void)state;
	diags_init(&d);
	assert_false(check("{\"$defs\":{\"port\":{\"type\":\"integer\",\"maximum\":65535}},"
			   "\"properties\":{\"p\":{\"$ref\":\"#/$defs/port\"}}}", "p: 70000", &d));
	assert_true(has_diag(&d, 1, 4, "/p", "expected at most 65535"));
	diags_free(&d);
	/* a $ref that evaluates itself on the same value never ends: refused */
	diags_init(&d);
	assert_false(check("{\"$defs\":{\"a\":{\"$ref\":\"#/$defs/b\"},\"b\":{\"$ref\":\"#/$defs/a\"}},\"$ref\":\"#/$defs/a\"}",
			   "1", &d));
	assert_true(has_diag(&d, 1, 1, "", "infinite $ref loop"));
	diags_free(&d);
	/* recursion that consumes the value is fine */
	diags_init(&d);
	assert_true(check("{\"type\":\"array\",\"items\":{\"$ref\":\"#\"}}", "[[[], [[]]]]", &d));
	diags_free(&d);
}

static void compile_fails(const char *schema_text, const char *needle)
{
	struct diags d;
	struct doc *doc;

	diags_init(&d);
	doc = doc_load_string("s.json", schema_text, strlen(schema_text), NULL, &d);
	assert_non_null(doc);
	assert_null(schema_compile(doc, &d));
	assert_true(has_diag(&d, 0, 0, NULL, needle));
	doc_free(doc);
	diags_free(&d);
}

static void test_schema_problems_are_refused(void **state)
{
	(void)state;
	compile_fails("{\"$ref\":\"https://example.com/other.json\"}", "it names another document");
	compile_fails("{\"$ref\":\"#/$defs/missing\"}", "points to nothing in this schema");
	compile_fails("{\"$dynamicRef\":\"#x\"}", "keyword $dynamicRef is not supported");
	compile_fails("{\"unevaluatedItems\":false}", "unevaluatedItems is not supported");
	compile_fails("{\"type\":\"float\"}", "type must be one of");
	compile_fails("{\"minLength\":-1}", "minLength must be a non-negative integer");
	compile_fails("{\"multipleOf\":0}", "multipleOf must be greater than 0");
	compile_fails("{\"pattern\":\"(\"}", "does not compile");
	compile_fails("{\"properties\":{\"a\":5}}", "where a schema (a mapping or true/false) was expected");
	compile_fails("{\"allOf\":[]}", "allOf must be a non-empty array of schemas");
}

static void test_ecmascript_patterns(void **state)
{
	struct diags d;

	(void)state;
	diags_init(&d);
	assert_true(check("{\"pattern\":\"^\\\\p{Letter}+$\"}", "\"π\"", &d));
	assert_false(check("{\"pattern\":\"^\\\\p{Letter}+$\"}", "\"123\"", &d));
	/* $ matches only at the very end, as in ECMA-262 */
	assert_false(check("{\"pattern\":\"^abc$\"}", "\"abc\\n\"", &d));
	/* \d is ASCII only */
	assert_false(check("{\"pattern\":\"^\\\\d$\"}", "\"\\u0660\"", &d));
	diags_free(&d);
}

static void test_unevaluated_properties(void **state)
{
	const char *schema = "{\"allOf\":[{\"properties\":{\"a\":true}}],\"properties\":{\"b\":true},"
			     "\"unevaluatedProperties\":false}";
	struct diags d;

	(void)state;
	diags_init(&d);
	assert_true(check(schema, "a: 1\nb: 2\n", &d));
	assert_false(check(schema, "a: 1\nc: 2\n", &d));
	assert_true(has_diag(&d, 2, 1, "/c", "unknown key \"c\""));
	diags_free(&d);
}

static void test_uri_resolution(void **state)
{
	static const char *const cases[][3] = {
		/* RFC 3986 5.4 */
		{ "http://a/b/c/d;p?q", "g", "http://a/b/c/g" },
		{ "http://a/b/c/d;p?q", "../g", "http://a/b/g" },
		{ "http://a/b/c/d;p?q", "../../../g", "http://a/g" },
		{ "http://a/b/c/d;p?q", "#s", "http://a/b/c/d;p?q#s" },
		{ "http://a/b/c/d;p?q", "//g", "http://g" },
		{ "http://a/b/c/d;p?q", "g/./h", "http://a/b/c/g/h" },
		{ "urn:uuid:dead-beef", "#/$defs/x", "urn:uuid:dead-beef#/$defs/x" },
		{ "", "#/a", "#/a" },
		{ "http://example.com/ref/absref.json", "/absref/foobar.json",
		  "http://example.com/absref/foobar.json" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *r = uri_resolve(cases[i][0], cases[i][1]);

		assert_non_null(r);
		assert_string_equal(r, cases[i][2]);
		free(r);
	}
}

static void test_loops_inside_probes_are_invalid(void **state)
{
	struct diags d;

	(void)state;
	/* a loop found while not/anyOf/if probe quietly still fails, and says so */
	diags_init(&d);
	assert_false(check("{\"not\":{\"$ref\":\"#\"}}", "1", &d));
	assert_true(has_diag(&d, 1, 1, "", "infinite $ref loop"));
	diags_free(&d);
	diags_init(&d);
	assert_false(check("{\"anyOf\":[{\"$ref\":\"#\"}]}", "1", &d));
	assert_true(has_diag(&d, 1, 1, "", "infinite $ref loop"));
	diags_free(&d);
	diags_init(&d);
	assert_false(check("{\"if\":{\"$ref\":\"#\"},\"then\":true}", "1", &d));
	assert_true(has_diag(&d, 1, 1, "", "infinite $ref loop"));
	diags_free(&d);
}

static void test_deep_values_within_the_loader_limit(void **state)
{
	struct strbuf sb;
	struct diags d;

	(void)state;
	sb_init(&sb);
	for (int i = 0; i < 120; i++)
		sb_addc(&sb, '[');
	for (int i = 0; i < 120; i++)
		sb_addc(&sb, ']');
	diags_init(&d);
	assert_true(check("{\"items\":{\"$ref\":\"#\"}}", sb.s, &d));
	diags_free(&d);
	sb_free(&sb);
}

static void test_multiple_of_is_exact_enough(void **state)
{
	struct diags d;

	(void)state;
	diags_init(&d);
	assert_true(check("{\"multipleOf\":0.0001}", "0.0075", &d));
	assert_false(check("{\"multipleOf\":0.0001}", "0.00751", &d));
	assert_false(check("{\"multipleOf\":1}", "1e-10", &d));
	assert_false(check("{\"multipleOf\":2}", "3000000001.0", &d));
	assert_false(check("{\"multipleOf\":1}", "5000000000001.5", &d));
	assert_false(check("{\"multipleOf\":0.01}", "12345678.901", &d));
	assert_true(check("{\"multipleOf\":0.01}", "12345678.9", &d));
	/* the 64-bit edge: equal numbers are equal, however written */
	assert_false(check("{\"uniqueItems\":true}", "[9200000000000000000, 9.2e18]", &d));
	diags_free(&d);
}

static void test_failed_subschemas_do_not_cascade(void **state)
{
	struct diags d;

	(void)state;
	/* one problem, not also "unknown key a" */
	diags_init(&d);
	assert_false(check("{\"allOf\":[{\"properties\":{\"a\":{\"type\":\"integer\"}}}],\"unevaluatedProperties\":false}",
			   "a: x", &d));
	assert_int_equal(d.errors, 1);
	assert_true(has_diag(&d, 1, 4, "/a", "expected integer"));
	diags_free(&d);
	diags_init(&d);
	assert_false(check("{\"$defs\":{\"o\":{\"properties\":{\"a\":true},\"required\":[\"b\"]}},\"$ref\":\"#/$defs/o\",\"unevaluatedProperties\":false}",
			   "a: 1", &d));
	assert_int_equal(d.errors, 1);
	assert_true(has_diag(&d, 1, 1, "", "missing required key \"b\""));
	diags_free(&d);
}

static void test_other_keywords(void **state)
{
	struct diags d;

	(void)state;
	diags_init(&d);
	/* dependentSchemas applies only when its key is there */
	assert_true(check("{\"dependentSchemas\":{\"a\":{\"required\":[\"b\"]}}}", "c: 1", &d));
	assert_false(check("{\"dependentSchemas\":{\"a\":{\"required\":[\"b\"]}}}", "a: 1", &d));
	assert_true(has_diag(&d, 1, 1, "", "missing required key \"b\""));
	diags_free(&d);
	diags_init(&d);
	assert_true(check("{\"contains\":{\"const\":2}}", "[1, 2]", &d));
	assert_false(check("{\"contains\":{\"const\":2}}", "[1, 3]", &d));
	assert_true(has_diag(&d, 1, 1, "", "found 0 matching items, expected at least 1"));
	assert_false(check("{\"contains\":{\"const\":2},\"maxContains\":1}", "[2, 2]", &d));
	assert_true(check("{\"contains\":{\"const\":2},\"minContains\":0}", "[]", &d));
	diags_free(&d);
	diags_init(&d);
	/* $id bases and $anchor, within one document */
	assert_false(check("{\"$id\":\"http://x.test/root.json\",\"$defs\":{\"p\":{\"$id\":\"port.json\",\"$anchor\":\"port\",\"maximum\":9}},"
			   "\"properties\":{\"a\":{\"$ref\":\"port.json\"},\"b\":{\"$ref\":\"#/$defs/p\"},\"c\":{\"$ref\":\"port.json#port\"}}}",
			   "a: 10\nb: 11\nc: 12\n", &d));
	assert_int_equal(d.errors, 3);
	assert_true(has_diag(&d, 3, 4, "/c", "expected at most 9"));
	diags_free(&d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_messages_name_found_and_expected),
		cmocka_unit_test(test_pointer_escaping_and_arrays),
		cmocka_unit_test(test_integers_are_numbers_with_no_fraction),
		cmocka_unit_test(test_unique_items_scales),
		cmocka_unit_test(test_any_of_explains_the_fitting_alternative),
		cmocka_unit_test(test_not_uses_its_description),
		cmocka_unit_test(test_property_names_talk_about_keys),
		cmocka_unit_test(test_refs_resolve_and_loops_stop),
		cmocka_unit_test(test_schema_problems_are_refused),
		cmocka_unit_test(test_ecmascript_patterns),
		cmocka_unit_test(test_unevaluated_properties),
		cmocka_unit_test(test_uri_resolution),
		cmocka_unit_test(test_loops_inside_probes_are_invalid),
		cmocka_unit_test(test_deep_values_within_the_loader_limit),
		cmocka_unit_test(test_multiple_of_is_exact_enough),
		cmocka_unit_test(test_failed_subschemas_do_not_cascade),
		cmocka_unit_test(test_other_keywords),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
