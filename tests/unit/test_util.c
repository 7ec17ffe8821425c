// SPDX-License-Identifier: GPL-2.0-or-later
/* Text for the terminal: what a file fintune does not own may hold must not
 * act on it. */
#include "helpers.h"
#include "util.h"

static void test_printable_escapes_controls(void **state)
{
	static const char *const cases[][2] = {
		{ "60", "60" },
		{ "5\033]0;pwned\a\033[2J", "5\\x1b]0;pwned\\x07\\x1b[2J" },
		{ "a\tb\nc\rd", "a\\x09b\\x0ac\\x0dd" },
		{ "del\x7f", "del\\x7f" },
		/* C1 controls as UTF-8 (U+009B is CSI to some terminals) */
		{ "csi\xc2\x9b" "2J", "csi\\xc2\\x9b2J" },
		/* bytes that are not UTF-8: a lone CSI, a cut sequence, an overlong */
		{ "\x9b" "2J", "\\x9b2J" },
		{ "cut\xc3", "cut\\xc3" },
		{ "\xc0\xaf", "\\xc0\\xaf" },
		/* bidirectional controls: text that reads one way and is another
		 * (U+202E RLO, U+2066 LRI, U+2069 PDI, U+200F RLM), and the line
		 * separator U+2028 */
		{ "a\xe2\x80\xae" "b", "a\\xe2\\x80\\xaeb" },
		{ "\xe2\x81\xa6x\xe2\x81\xa9", "\\xe2\\x81\\xa6x\\xe2\\x81\\xa9" },
		{ "\xe2\x80\x8f", "\\xe2\\x80\\x8f" },
		{ "l\xe2\x80\xa8" "2", "l\\xe2\\x80\\xa82" },
		/* the rest of Unicode is text */
		{ "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80", "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80" },
		{ "back\\slash", "back\\slash" },
	};
	char buf[128];

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++)
		assert_string_equal(printable(buf, sizeof(buf), cases[i][0]), cases[i][1]);
}

static void test_printable_cuts_whole(void **state)
{
	char buf[8];
	struct strbuf sb;

	(void)state;
	/* an escape that does not fit is left out whole, not cut */
	assert_string_equal(printable(buf, sizeof(buf), "12345\033"), "12345");
	assert_string_equal(printable(buf, sizeof(buf), "123\033x"), "123\\x1b");
	/* and so is a character */
	assert_string_equal(printable(buf, sizeof(buf), "12345\xc3\xa9"), "12345\xc3\xa9");
	assert_string_equal(printable(buf, sizeof(buf), "123456\xc3\xa9"), "123456");
	/* a NUL byte inside a counted text is escaped too */
	sb_init(&sb);
	sb_add_printable(&sb, "a\0b", 3);
	assert_string_equal(sb.s, "a\\x00b");
	sb_free(&sb);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_printable_escapes_controls),
		cmocka_unit_test(test_printable_cuts_whole),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
