// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * libFuzzer target for the sysctl.d parser and the text diff: each input is
 * read as a sysctl.d file, as systemd-sysctl and as procps read it, and a
 * few keys (globs included) are resolved; its two halves are then diffed.
 */
#include "sysctld.h"
#include "textdiff.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool yes(const char *path, void *ctx)
{
	(void)ctx;
	return path[0] != 'x';
}

static bool digits(const char *path, const char *value, void *ctx)
{
	(void)path;
	(void)ctx;
	return value[0] >= '0' && value[0] <= '9';
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const keys[] = { "net.ipv4.tcp_fin_timeout", "net/ipv4/tcp_tw_reuse", "kernel.x",
					     "a", "net.ipv4.conf.all.rp_filter" };
	const struct sysctl_probe probe = { yes, digits, NULL };
	char *text = malloc(size + 1);
	struct strbuf sb;

	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	for (int procps = 0; procps < 2; procps++) {
		struct sysctl_config c = { .procps = procps };
		struct diags d;

		diags_init(&d);
		sysctld_add_text(&c, "/etc/sysctl.d/fuzz.conf", text, size, &d);
		sysctld_add_text(&c, "/etc/sysctl.d/again.conf", text, size / 2, &d);
		for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
			struct sysctl_setting s = sysctld_resolve(&c, keys[i], &probe);
			char where[512];

			if (s.entry)
				sysctld_describe(s.entry, where, sizeof(where));
		}
		sysctld_free(&c);
		diags_free(&d);
	}
	/* the diff of the two halves, NUL bytes and all */
	sb_init(&sb);
	unified_diff(&sb, "old", text, size / 2, "new", text + size / 2, size - size / 2, size & 1);
	sb_free(&sb);
	free(text);
	return 0;
}
