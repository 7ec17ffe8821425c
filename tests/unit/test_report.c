// SPDX-License-Identifier: GPL-2.0-or-later
/* report.c: the stable codes, the first error wins, and the JSON error
 * object built from it. */
#include "helpers.h"
#include "report.h"

#include <stdlib.h>

static const char *str(json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

static void test_codes_are_stable(void **state)
{
	static const char *const want[] = { "usage", "invalid-profile", "io", "refused", "drifted",
					    "invalid-state", "not-root", "out-of-memory", "internal" };

	(void)state;
	assert_int_equal(ERR_INTERNAL + 1, sizeof(want) / sizeof(want[0]));
	for (int c = ERR_USAGE; c <= ERR_INTERNAL; c++)
		assert_string_equal(error_code_name((enum error_code)c), want[c]);
}

static void test_first_error_wins(void **state)
{
	json_t *o;

	(void)state;
	report_init("validate", FORMAT_JSON);
	report_error(ERR_USAGE, NULL, 0, 0, "unknown option %s", "--frob");
	report_error(ERR_IO, "f.yaml", 1, 2, "later");
	o = report_error_json();
	assert_string_equal(str(o, "code"), "usage");
	assert_string_equal(str(o, "message"), "unknown option --frob");
	assert_true(json_is_null(json_object_get(o, "file")));
	assert_true(json_is_null(json_object_get(o, "line")));
	assert_true(json_is_null(json_object_get(o, "column")));
	json_decref(o);
}

static void test_diags_give_their_first_error(void **state)
{
	struct diags d;
	json_t *o;

	(void)state;
	report_init("validate", FORMAT_JSON);
	diags_init(&d);
	diag_warn(&d, "p.yaml", 2, 1, NULL, "only a warning");
	diag_add(&d, "p.yaml", 4, 29, "/pin/net.ipv4.tcp_fin_timeout", "found string \"30\", expected integer");
	diag_add(&d, "p.yaml", 5, 3, NULL, "second");
	/* a list of warnings only remembers nothing */
	{
		struct diags w;

		diags_init(&w);
		diag_warn(&w, "k", 0, 0, NULL, "cannot read");
		report_remember_diags(ERR_IO, &w);
		diags_free(&w);
	}
	report_remember_diags(ERR_PROFILE, &d);
	o = report_error_json();
	assert_string_equal(str(o, "code"), "invalid-profile");
	assert_string_equal(str(o, "message"), "/pin/net.ipv4.tcp_fin_timeout: found string \"30\", expected integer");
	assert_string_equal(str(o, "file"), "p.yaml");
	assert_int_equal(json_integer_value(json_object_get(o, "line")), 4);
	assert_int_equal(json_integer_value(json_object_get(o, "column")), 29);
	json_decref(o);
	diags_free(&d);
}

static void test_nothing_reported_is_the_generic_error(void **state)
{
	json_t *o;

	(void)state;
	report_init("plan", FORMAT_JSON);
	assert_false(report_json_done());
	o = report_error_json();
	assert_string_equal(str(o, "code"), "io");
	assert_string_equal(str(o, "message"), "failed; see stderr");
	assert_true(json_is_null(json_object_get(o, "file")));
	assert_int_equal(json_object_size(o), 5);
	json_decref(o);
	report_json_printed();
	assert_true(report_json_done());
	/* a new command forgets the old one's */
	report_init("plan", FORMAT_JSON);
	assert_false(report_json_done());
}

static void test_any_file_name_makes_a_json_string(void **state)
{
	json_t *o;

	(void)state;
	report_init("validate", FORMAT_JSON);
	report_error(ERR_PROFILE, "bad\xff.yaml", 3, 0, "cannot open");
	o = report_error_json();
	assert_string_equal(str(o, "file"), "bad\\xff.yaml");
	assert_int_equal(json_integer_value(json_object_get(o, "line")), 3);
	/* column 0: not known */
	assert_true(json_is_null(json_object_get(o, "column")));
	json_decref(o);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_codes_are_stable),
		cmocka_unit_test(test_first_error_wins),
		cmocka_unit_test(test_diags_give_their_first_error),
		cmocka_unit_test(test_nothing_reported_is_the_generic_error),
		cmocka_unit_test(test_any_file_name_makes_a_json_string),
	};

	/* what report_error prints is for people; the tests read the JSON */
	if (!freopen("/dev/null", "w", stderr))
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
