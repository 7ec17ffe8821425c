// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * libFuzzer target for the drop-in allowlist: each input is checked as a
 * drop-in text (dropin_text_allowed, the one check every text passes before
 * fintune writes it: from a plan, a plan file or the state) and read for
 * its values (dropin_values); its first line is checked as a drop-in name
 * (dropin_name_valid, DROPIN_NAME_RULE) and as a path (dropin_name_of).
 * What the allowlist lets through is read again here, by both appliers'
 * rules, and must set nothing but the close-path keys; what the name rule
 * lets through must be what DROPIN_NAME_RULE says.
 */
#include "dropin.h"
#include "sysctld.h"
#include "util.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* What an allowed text must be, read by each applier as it reads files. */
static void check_allowed(const char *text, size_t len)
{
	if (len > DROPIN_TEXT_MAX || strlen(text) != len || !utf8_valid(text, len) || !dropin_is_ours(text))
		abort();
	for (int procps = 0; procps < 2; procps++) {
		struct sysctl_config c = { .procps = procps };
		struct diags d;

		diags_init(&d);
		if (sysctld_add_text(&c, "/etc/sysctl.d/60-fintune.conf", text, len, &d) < 0 || d.n)
			abort();
		for (size_t i = 0; i < c.n_entries; i++) {
			const struct sysctl_entry *e = &c.entries[i];
			int id = key_lookup(e->key);

			/* only plain assignments of the planned keys */
			if (id < 0 || id >= K_PLANNED || e->glob || e->ignore_failure || !e->value || !e->value[0] ||
			    strcmp(e->key, key_fact(id)->proc) != 0 || strlen(e->value) >= KERNEL_VALUE_MAX)
				abort();
		}
		sysctld_free(&c);
		diags_free(&d);
	}
}

/* DROPIN_NAME_RULE, in words: "letters, digits and . _ - + @ ending in .conf"
 * (and not hidden, and shorter than 128 bytes). */
static void check_name(const char *name, bool valid)
{
	size_t n = strlen(name);
	bool rule = n > 5 && n < 128 && name[0] != '.' && strcmp(name + n - 5, ".conf") == 0;

	for (size_t i = 0; i < n && rule; i++) {
		char c = name[i];

		rule = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
		       c == '_' || c == '-' || c == '+' || c == '@';
	}
	if (rule != valid)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char values[K_PLANNED][KERNEL_VALUE_MAX];
	char *text = malloc(size + 1), *nl;
	const char *name;
	size_t n;

	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	if (dropin_text_allowed(text, size))
		check_allowed(text, size);
	/* the text's own length as strlen sees it: what the state's texts are */
	n = strlen(text);
	if (n != size && dropin_text_allowed(text, n))
		check_allowed(text, n);
	dropin_values(text, "/etc/sysctl.d/60-fintune.conf", values);
	for (int id = 0; id < K_PLANNED; id++)
		if (strlen(values[id]) >= KERNEL_VALUE_MAX)
			abort();

	/* the first line as a name, and as a path */
	nl = strchr(text, '\n');
	if (nl)
		*nl = '\0';
	check_name(text, dropin_name_valid(text));
	name = dropin_name_of(text);
	if (name && (strncmp(text, DROPIN_DIR "/", strlen(DROPIN_DIR) + 1) != 0 ||
		     name != text + strlen(DROPIN_DIR) + 1 || !dropin_name_valid(name)))
		abort();
	free(text);
	return 0;
}
