// SPDX-License-Identifier: GPL-2.0-or-later
/* The kernel facts' parse of a value written to proc/sys: what the kernel
 * stores, or that it refuses. Each case was checked by writing it to a key in
 * a private network namespace (6.18); tests/cli/kernel.bats and
 * tests/cli/appliers.bats prove the same against the running kernel. */
#include "helpers.h"
#include "kernel.h"
#include "util.h"

#include <stdlib.h>

struct written {
	enum key_id id;
	const char *value;
	const char *stored;	/* NULL: the kernel refuses it (EINVAL) */
};

static void check_written(const struct kernel *k, const struct written *w, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		char out[KERNEL_VALUE_MAX];
		bool ok = kernel_parse_write(k, w[i].id, w[i].value, out, sizeof(out));
		const char *name = key_fact(w[i].id)->name;
		struct strbuf q;
		char msg[256];

		if (ok == !!w[i].stored && (!ok || strcmp(out, w[i].stored) == 0))
			continue;
		sb_init(&q);
		sb_add_quoted(&q, w[i].value, strlen(w[i].value));
		if (!w[i].stored)
			snprintf(msg, sizeof(msg), "%s = %s: predicted %s, the kernel refuses it", name, q.s, out);
		else if (!ok)
			snprintf(msg, sizeof(msg), "%s = %s: predicted a refusal, the kernel stores %s", name, q.s,
				 w[i].stored);
		else
			snprintf(msg, sizeof(msg), "%s = %s: predicted %s, the kernel stores %s", name, q.s, out,
				 w[i].stored);
		sb_free(&q);
		fail_msg("%s", msg);
	}
}

static void test_base_from_prefix(void **state)
{
	static const struct written w[] = {
		{ K_FIN_TIMEOUT, "010", "8" },
		{ K_FIN_TIMEOUT, "0x10", "16" },
		{ K_FIN_TIMEOUT, "0X10", "16" },
		{ K_FIN_TIMEOUT, "0xA", "10" },
		{ K_FIN_TIMEOUT, "00", "0" },
		{ K_FIN_TIMEOUT, "0x0", "0" },
		{ K_FIN_TIMEOUT, "-010", "-8" },
		{ K_FIN_TIMEOUT, "-0x10", "-16" },
		{ K_ORPHAN_RETRIES, "0x2", "2" },
		{ K_ORPHAN_RETRIES, "0377", "255" },
		{ K_ORPHAN_RETRIES, "0x100", NULL },	/* 256: out of range */
		{ K_MAX_TW_BUCKETS, "0x1000", "4096" },
		{ K_PORT_RANGE, "010000 0x9000", "4096 36864" },
		/* "08": octal 0, then '8' is no blank */
		{ K_FIN_TIMEOUT, "08", NULL },
		{ K_FIN_TIMEOUT, "09", NULL },
		/* "0x" without a hex digit is octal 0 followed by 'x' */
		{ K_FIN_TIMEOUT, "0x", NULL },
		{ K_FIN_TIMEOUT, "0x\n", NULL },
		{ K_FIN_TIMEOUT, "0xg", NULL },
		{ K_FIN_TIMEOUT, "0x1g", NULL },
		{ K_FIN_TIMEOUT, "0b1", NULL },
		{ K_FIN_TIMEOUT, "0o7", NULL },
		{ K_PORT_RANGE, "1024 0x", NULL },
	};
	struct kernel k;

	(void)state;
	memset(&k, 0, sizeof(k));
	check_written(&k, w, ARRAY_SIZE(w));
}

static void test_blanks_signs_and_length(void **state)
{
	static const struct written w[] = {
		{ K_FIN_TIMEOUT, "5", "5" },
		{ K_FIN_TIMEOUT, " 5", "5" },
		/* the kernel's isspace before a number: \v, \f, \r and NBSP too */
		{ K_FIN_TIMEOUT, "\v5", "5" },
		{ K_FIN_TIMEOUT, "\r5", "5" },
		{ K_FIN_TIMEOUT, "\xa0" "5", "5" },
		/* after one, only a blank or the end */
		{ K_FIN_TIMEOUT, "5\r", NULL },
		{ K_FIN_TIMEOUT, "5x", NULL },
		{ K_FIN_TIMEOUT, "5.", NULL },
		/* anything after the integers the key holds is ignored */
		{ K_FIN_TIMEOUT, "0 # off", "0" },
		{ K_FIN_TIMEOUT, "5\n", "5" },
		{ K_PORT_RANGE, "1024 \r 2000", "1024 2000" },
		{ K_FIN_TIMEOUT, "+5", NULL },
		{ K_FIN_TIMEOUT, "-", NULL },
		{ K_FIN_TIMEOUT, "--5", NULL },
		{ K_FIN_TIMEOUT, "", NULL },
		{ K_FIN_TIMEOUT, " ", NULL },
		/* 20 characters are read, 21 are refused: the kernel cannot tell
		 * where a longer number ends */
		{ K_FIN_TIMEOUT, "00000000000000000005", "5" },
		{ K_FIN_TIMEOUT, "000000000000000000005", NULL },
		{ K_FIN_TIMEOUT, "99999999999999999999999", NULL },
		{ K_FIN_TIMEOUT, "0xffffffffffffffffff", NULL },
	};
	struct kernel k;

	(void)state;
	memset(&k, 0, sizeof(k));
	check_written(&k, w, ARRAY_SIZE(w));
}

static void test_accepts_parses_as_the_kernel(void **state)
{
	struct kernel k;

	(void)state;
	memset(&k, 0, sizeof(k));
	assert_true(kernel_accepts(&k, K_FIN_TIMEOUT, "30"));
	assert_true(kernel_accepts(&k, K_FIN_TIMEOUT, "010"));
	assert_true(kernel_accepts(&k, K_ORPHAN_RETRIES, "0377"));
	assert_true(kernel_accepts(&k, K_PORT_RANGE, "32768\t60999"));
	assert_false(kernel_accepts(&k, K_ORPHAN_RETRIES, "0x100"));
	assert_false(kernel_accepts(&k, K_FIN_TIMEOUT, "08"));
	assert_false(kernel_accepts(&k, K_FIN_TIMEOUT, "+5"));
	/* exactly the key's integers */
	assert_false(kernel_accepts(&k, K_FIN_TIMEOUT, "5 6"));
	assert_false(kernel_accepts(&k, K_FIN_TIMEOUT, "5 # five"));
	assert_false(kernel_accepts(&k, K_PORT_RANGE, "32768"));
	assert_false(kernel_accepts(&k, K_PORT_RANGE, "0x9000 0x8000"));
}

static void test_unsigned_keys_and_short_vectors(void **state)
{
	static const struct written w[] = {
		/* u8 and uint handlers refuse any sign, even "-0"; int ones take it */
		{ K_TW_REUSE, "-0", NULL },
		{ K_ORPHAN_RETRIES, "-0", NULL },
		{ K_TIMESTAMPS, "-0", NULL },
		{ K_TW_REUSE_DELAY, "-0", NULL },
		{ K_RETRIES2, "-0", NULL },
		{ K_RETRIES2, "256", NULL },
		{ K_RETRIES2, "255", "255" },
		{ K_FIN_TIMEOUT, "-0", "0" },
		{ K_MAX_TW_BUCKETS, "-0", "0" },
		/* fewer integers than the key holds: the rest are kept */
		{ K_PORT_RANGE, "1024", "1024 60999" },
		{ K_PORT_RANGE, " 40000 ", "40000 60999" },
		{ K_PORT_RANGE, "70000", NULL },
		{ K_PORT_RANGE, "1024 # low", NULL },
		{ K_TCP_WMEM, "256", "256 16384 4194304" },
		{ K_TCP_WMEM, "256 512", "256 512 4194304" },
		{ K_PORT_RANGE, "", NULL },
		{ K_PORT_RANGE, "  ", NULL },
	};
	struct kernel k;

	(void)state;
	memset(&k, 0, sizeof(k));
	k.version = KV(6, 18);
	check_written(&k, w, ARRAY_SIZE(w));
	/* the rest come from the running value where there is one */
	k.live = true;
	for (int id = 0; id < K_COUNT; id++)
		k.running[id].exists = true;
	k.running[K_PORT_RANGE].present = true;
	snprintf(k.running[K_PORT_RANGE].value, KERNEL_VALUE_MAX, "20000 30000");
	k.running[K_UNPRIV_PORT_START].present = true;
	snprintf(k.running[K_UNPRIV_PORT_START].value, KERNEL_VALUE_MAX, "1024");
	{
		static const struct written live[] = {
			{ K_PORT_RANGE, "1024", "1024 30000" },
			{ K_PORT_RANGE, "40000", NULL },
		};

		check_written(&k, live, ARRAY_SIZE(live));
	}
	/* before 5.13, tcp_retries2 was a plain int */
	k.live = false;
	k.version = KV(5, 10);
	{
		static const struct written old[] = { { K_RETRIES2, "256", "256" } };

		check_written(&k, old, ARRAY_SIZE(old));
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_base_from_prefix),
		cmocka_unit_test(test_blanks_signs_and_length),
		cmocka_unit_test(test_accepts_parses_as_the_kernel),
		cmocka_unit_test(test_unsigned_keys_and_short_vectors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
