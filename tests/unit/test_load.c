// SPDX-License-Identifier: GPL-2.0-or-later
/* The loader: YAML 1.2 core schema, marks, and the bounds on hostile input. */
#include "helpers.h"

#include <stdlib.h>

static const struct node *get(const struct doc *doc, const char *key)
{
	const struct node *n = node_get(doc->root, key);

	assert_non_null(n);
	return n;
}

static void test_core_schema_scalars(void **state)
{
	const char *text = "a: yes\nb: no\nc: on\nd: true\ne: FALSE\nf: ~\ng: null\nh:\n"
			   "i: 0o17\nj: 0x1F\nk: -12\nl: 1.0\nm: 1e3\nn: '12'\no: \"true\"\n"
			   "p: .5\nq: +7\nr: 1_000\ns: !!str 5\nt: !!float 3\n";
	struct diags d;
	struct doc *doc;

	(void)state;
	diags_init(&d);
	doc = load_str(text, &d);
	assert_non_null(doc);
	assert_int_equal(d.errors, 0);
	/* YAML 1.1 booleans are plain strings in 1.2, and remembered as plain */
	assert_int_equal(get(doc, "a")->type, NODE_STRING);
	assert_true(get(doc, "a")->plain);
	assert_int_equal(get(doc, "b")->type, NODE_STRING);
	assert_int_equal(get(doc, "c")->type, NODE_STRING);
	assert_int_equal(get(doc, "d")->type, NODE_BOOL);
	assert_true(get(doc, "d")->u.b);
	assert_int_equal(get(doc, "e")->type, NODE_BOOL);
	assert_false(get(doc, "e")->u.b);
	assert_int_equal(get(doc, "f")->type, NODE_NULL);
	assert_int_equal(get(doc, "g")->type, NODE_NULL);
	assert_int_equal(get(doc, "h")->type, NODE_NULL);
	assert_int_equal(get(doc, "i")->u.i, 15);
	assert_int_equal(get(doc, "j")->u.i, 31);
	assert_int_equal(get(doc, "k")->u.i, -12);
	/* 1.0 is a float that JSON Schema counts as an integer */
	assert_int_equal(get(doc, "l")->type, NODE_FLOAT);
	assert_true(node_is_integer(get(doc, "l")));
	assert_int_equal(get(doc, "m")->type, NODE_FLOAT);
	assert_true(get(doc, "m")->u.f == 1000.0);
	assert_int_equal(get(doc, "n")->type, NODE_STRING);
	assert_false(get(doc, "n")->plain);
	assert_int_equal(get(doc, "o")->type, NODE_STRING);
	assert_true(get(doc, "p")->u.f == 0.5);
	assert_int_equal(get(doc, "q")->u.i, 7);
	assert_int_equal(get(doc, "r")->type, NODE_STRING);
	assert_int_equal(get(doc, "s")->type, NODE_STRING);
	assert_int_equal(get(doc, "t")->type, NODE_FLOAT);
	doc_free(doc);
	diags_free(&d);
}

static void test_marks_are_one_based(void **state)
{
	struct diags d;
	struct doc *doc;
	const struct member *m;

	(void)state;
	diags_init(&d);
	doc = load_str("top:\n  inner: 42\n", &d);
	assert_non_null(doc);
	m = node_member(node_get(doc->root, "top"), "inner");
	assert_non_null(m);
	assert_int_equal(m->key_mark.line, 2);
	assert_int_equal(m->key_mark.col, 3);
	assert_int_equal(m->value->mark.line, 2);
	assert_int_equal(m->value->mark.col, 10);
	doc_free(doc);
	diags_free(&d);
}

static void test_duplicate_keys(void **state)
{
	struct diags d;
	struct doc *doc;

	(void)state;
	diags_init(&d);
	doc = load_str("a: 1\nb:\n  x: 1\n  x: 2\na: 3\n", &d);
	/* reported, the first value kept, and loading goes on for other problems */
	assert_non_null(doc);
	assert_int_equal(d.errors, 2);
	assert_true(has_diag(&d, 5, 1, "/a", "duplicate key \"a\" (first defined at line 1, column 1"));
	assert_true(has_diag(&d, 4, 3, "/b/x", "duplicate key \"x\""));
	assert_int_equal(node_get(doc->root, "a")->u.i, 1);
	doc_free(doc);
	diags_free(&d);
}

static void test_many_keys_duplicate_found_fast(void **state)
{
	struct strbuf sb;
	struct diags d;
	struct doc *doc;

	(void)state;
	sb_init(&sb);
	for (int i = 0; i < 50000; i++)
		sb_addf(&sb, "k%d: %d\n", i, i);
	sb_adds(&sb, "k123: again\n");
	diags_init(&d);
	doc = load_str(sb.s, &d);
	assert_non_null(doc);
	assert_int_equal(d.errors, 1);
	assert_true(has_diag(&d, 50001, 1, "/k123", "duplicate key"));
	doc_free(doc);
	diags_free(&d);
	sb_free(&sb);
}

static void test_one_document_only(void **state)
{
	struct diags d;

	(void)state;
	diags_init(&d);
	assert_null(load_str("a: 1\n---\nb: 2\n", &d));
	assert_true(has_diag(&d, 2, 1, NULL, "second document"));
	diags_free(&d);
	diags_init(&d);
	assert_null(load_str("# nothing\n", &d));
	assert_true(has_diag(&d, 0, 0, NULL, "no document"));
	diags_free(&d);
}

static void test_alias_shares_and_bomb_is_bounded(void **state)
{
	struct diags d;
	struct doc *doc;
	struct strbuf sb;

	(void)state;
	diags_init(&d);
	doc = load_str("a: &x {k: 1}\nb: *x\n", &d);
	assert_non_null(doc);
	/* the same value, shared; reported where the alias stands */
	assert_ptr_equal(node_get(doc->root, "a")->u.obj.v, node_get(doc->root, "b")->u.obj.v);
	assert_int_equal(node_get(doc->root, "b")->mark.line, 2);
	assert_int_equal(node_get(doc->root, "b")->mark.col, 4);
	doc_free(doc);
	diags_free(&d);

	/* nine levels of nine aliases: 9^9 values if expanded */
	sb_init(&sb);
	sb_adds(&sb, "l0: &l0 [x, x, x, x, x, x, x, x, x]\n");
	for (int i = 1; i < 9; i++)
		sb_addf(&sb, "l%d: &l%d [*l%d, *l%d, *l%d, *l%d, *l%d, *l%d, *l%d, *l%d, *l%d]\n", i, i,
			i - 1, i - 1, i - 1, i - 1, i - 1, i - 1, i - 1, i - 1, i - 1);
	diags_init(&d);
	assert_null(load_str(sb.s, &d));
	assert_true(has_diag(&d, 0, 0, NULL, "more than 1000000 values, counting each alias in full"));
	diags_free(&d);
	sb_free(&sb);

	diags_init(&d);
	assert_null(load_str("a: *nope\n", &d));
	assert_true(has_diag(&d, 1, 4, NULL, "alias *nope names no anchor"));
	diags_free(&d);
	/* an alias inside its own anchor cannot make a cycle */
	diags_init(&d);
	assert_null(load_str("a: &r [*r]\n", &d));
	diags_free(&d);
}

static void test_depth_is_bounded(void **state)
{
	struct strbuf sb;
	struct diags d;

	(void)state;
	sb_init(&sb);
	for (int i = 0; i < 100000; i++)
		sb_addc(&sb, '[');
	for (int i = 0; i < 100000; i++)
		sb_addc(&sb, ']');
	diags_init(&d);
	assert_null(load_str(sb.s, &d));
	assert_true(has_diag(&d, 1, 129, NULL, "nesting is deeper than 128 levels"));
	diags_free(&d);
	sb_free(&sb);
}

static void test_size_is_bounded(void **state)
{
	struct load_limits lim = load_default_limits;
	struct diags d;

	(void)state;
	lim.max_bytes = 8;
	diags_init(&d);
	assert_null(doc_load_string("t.yaml", "a: 123456789\n", 13, &lim, &d));
	assert_true(has_diag(&d, 0, 0, NULL, "larger than the 8 byte limit"));
	diags_free(&d);
}

static void test_bad_bytes(void **state)
{
	struct diags d;

	(void)state;
	diags_init(&d);
	assert_null(load_str("a: 1\nb: \"\xff\"\n", &d));
	assert_true(has_diag(&d, 2, 5, NULL, "invalid leading UTF-8 octet (byte 0xff"));
	diags_free(&d);
	diags_init(&d);
	assert_null(doc_load_string("t.yaml", "a: \0", 4, NULL, &d));
	assert_true(has_diag(&d, 1, 4, NULL, "control characters are not allowed"));
	diags_free(&d);
}

static void test_integer_overflow(void **state)
{
	struct diags d;
	struct doc *doc;

	(void)state;
	diags_init(&d);
	doc = load_str("n: 9223372036854775807\nm: 9223372036854775808\nh: 0xffffffffffffffff\n", &d);
	assert_non_null(doc);
	assert_int_equal(node_get(doc->root, "n")->u.i, INT64_MAX);
	assert_int_equal(d.errors, 2);
	assert_true(has_diag(&d, 2, 4, "/m", "integer 9223372036854775808 is out of range"));
	assert_true(has_diag(&d, 3, 4, "/h", "out of range"));
	doc_free(doc);
	diags_free(&d);
	diags_init(&d);
	doc = load_str("f: 1e999\ni: .inf\n", &d);
	assert_true(has_diag(&d, 1, 4, "/f", "out of range"));
	assert_true(has_diag(&d, 2, 4, "/i", ".inf has no JSON value"));
	doc_free(doc);
	diags_free(&d);
}

static void test_tags(void **state)
{
	struct diags d;
	struct doc *doc;

	(void)state;
	diags_init(&d);
	doc = load_str("a: !!int x\nb: !local 1\nc: !!map {k: 1}\nd: !!seq {k: 1}\n", &d);
	assert_non_null(doc);
	assert_true(has_diag(&d, 1, 4, "/a", "\"x\" is not a valid !!int"));
	assert_true(has_diag(&d, 2, 4, "/b", "unsupported tag !local"));
	assert_true(has_diag(&d, 4, 4, "/d", "unsupported tag !!seq (expected no tag, or !!map)"));
	assert_int_equal(d.errors, 3);
	doc_free(doc);
	diags_free(&d);
}

static void test_json_documents(void **state)
{
	struct diags d;
	struct doc *doc;
	const struct node *s;

	(void)state;
	diags_init(&d);
	/* surrogate pairs, \/ and compact "key":value all come from real JSON */
	doc = load_str("{\"a\":\"\\ud83d\\udca9x\",\"b\":[1,2.5,true,null],\"c\":\"x\\/y\"}", &d);
	assert_non_null(doc);
	assert_int_equal(d.errors, 0);
	s = node_get(doc->root, "a");
	assert_int_equal(s->u.str.len, 5);
	assert_memory_equal(s->u.str.s, "\xf0\x9f\x92\xa9x", 5);
	assert_int_equal(utf8_length(s->u.str.s, s->u.str.len), 2);
	assert_string_equal(node_get(doc->root, "c")->u.str.s, "x/y");
	doc_free(doc);
	diags_free(&d);
	/* a lone surrogate has no UTF-8 form */
	diags_init(&d);
	assert_null(load_str("[\"\\ud83d\"]", &d));
	assert_true(has_diag(&d, 1, 0, NULL, "escape"));
	diags_free(&d);
}

static void test_syntax_error_is_located(void **state)
{
	struct diags d;

	(void)state;
	diags_init(&d);
	assert_null(load_str("a: [1, 2\nb: 3\n", &d));
	assert_true(has_diag(&d, 2, 2, NULL, "syntax error"));
	diags_free(&d);
}

static void test_read_file_refuses_non_files(void **state)
{
	struct diags d;

	(void)state;
	diags_init(&d);
	assert_null(doc_load_file("/dev/zero", NULL, NULL, &d));
	assert_true(has_diag(&d, 0, 0, NULL, "not a regular file"));
	diags_free(&d);
	diags_init(&d);
	assert_null(doc_load_file("/", NULL, NULL, &d));
	assert_true(has_diag(&d, 0, 0, NULL, "is a directory"));
	diags_free(&d);
	diags_init(&d);
	assert_null(doc_load_file("/nonexistent/x.yaml", NULL, NULL, &d));
	assert_true(has_diag(&d, 0, 0, NULL, "No such file"));
	diags_free(&d);
}

static void test_surrogates_only_in_json_strings(void **state)
{
	struct diags d;
	struct doc *doc;

	(void)state;
	/* columns after a rewritten pair are the file's */
	diags_init(&d);
	doc = load_str("{\"a\": \"\\ud83d\\udca9\", \"a\": 1}", &d);
	assert_true(has_diag(&d, 1, 23, "/a", "duplicate key"));
	doc_free(doc);
	diags_free(&d);
	/* YAML, even in flow style, keeps its own rules: single quotes are literal */
	diags_init(&d);
	doc = load_str("{a: '\\ud83d\\udca9'}", &d);
	assert_non_null(doc);
	assert_string_equal(node_get(doc->root, "a")->u.str.s, "\\ud83d\\udca9");
	doc_free(doc);
	diags_free(&d);
}

static void test_keys_tags_and_aliases(void **state)
{
	struct diags d;
	struct doc *doc;

	(void)state;
	diags_init(&d);
	doc = load_str("!!binary a: 1\n!!str b: 2\n", &d);
	assert_non_null(doc);
	assert_int_equal(d.errors, 1);
	assert_true(has_diag(&d, 1, 1, NULL, "unsupported tag !!binary on a key"));
	doc_free(doc);
	diags_free(&d);
	/* a bad alias key does not shift the pairs after it */
	diags_init(&d);
	doc = load_str("a: &n 5\n*n : x\nb: [1]\n", &d);
	assert_non_null(doc);
	assert_int_equal(d.errors, 1);
	assert_true(has_diag(&d, 2, 1, NULL, "an alias used as a mapping key must name a string"));
	assert_int_equal(node_get(doc->root, "b")->type, NODE_ARRAY);
	doc_free(doc);
	diags_free(&d);
	/* a duplicate through an alias key is located at the alias */
	diags_init(&d);
	doc = load_str("&k a: 1\n*k : 2\n", &d);
	assert_true(has_diag(&d, 2, 1, "/a", "duplicate key \"a\" (first defined at line 1, column 1"));
	doc_free(doc);
	diags_free(&d);
}

/* A profile says so at its top, and that is seen even when the rest does
 * not parse: the only thing the profile loader learns of a file before it
 * may show any of its problems. */
static bool marked(const char *text)
{
	struct diags d;
	struct doc *doc;
	bool m = true;

	diags_init(&d);
	doc = doc_load_marked("t.yaml", text, strlen(text), NULL, &d, &m);
	doc_free(doc);
	diags_free(&d);
	return m;
}

static void test_profile_marker(void **state)
{
	(void)state;
	assert_true(marked("fintune: 1\nname: x\n"));
	assert_true(marked("name: x\nfintune: 1\n"));
	assert_true(marked("{\"fintune\": 1, \"name\": \"x\"}"));
	assert_true(marked("fintune: 1.0\n"));
	/* what follows does not parse, is too deep, or repeats a key */
	assert_true(marked("fintune: 1\nworkload: [\n"));
	assert_true(marked("fintune: 1\nname: \"x\n"));
	assert_true(marked("fintune: 1\nfintune: 1\n"));
	/* no profile */
	assert_false(marked(""));
	assert_false(marked("root:$y$secret:19000:0:99999:7:::\ndaemon:*:1:::\n"));
	assert_false(marked("fintune: \"1\"\n"));
	assert_false(marked("fintune: 2\n"));
	assert_false(marked("fintune: true\n"));
	assert_false(marked("- fintune: 1\n"));
	assert_false(marked("a:\n  fintune: 1\n"));
	assert_false(marked("[fintune, 1]\n"));
	assert_false(marked("# fintune: 1\nroot: x\n"));
	/* a parse error before it: not seen */
	assert_false(marked("root: \"x\nfintune: 1\n"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_core_schema_scalars),
		cmocka_unit_test(test_marks_are_one_based),
		cmocka_unit_test(test_duplicate_keys),
		cmocka_unit_test(test_many_keys_duplicate_found_fast),
		cmocka_unit_test(test_one_document_only),
		cmocka_unit_test(test_alias_shares_and_bomb_is_bounded),
		cmocka_unit_test(test_depth_is_bounded),
		cmocka_unit_test(test_size_is_bounded),
		cmocka_unit_test(test_bad_bytes),
		cmocka_unit_test(test_integer_overflow),
		cmocka_unit_test(test_tags),
		cmocka_unit_test(test_json_documents),
		cmocka_unit_test(test_syntax_error_is_located),
		cmocka_unit_test(test_read_file_refuses_non_files),
		cmocka_unit_test(test_surrogates_only_in_json_strings),
		cmocka_unit_test(test_keys_tags_and_aliases),
		cmocka_unit_test(test_profile_marker),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
