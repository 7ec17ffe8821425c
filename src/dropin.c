// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * fintune's own drop-in. Its text depends only on the profile and the advice
 * (never on the time, the host or the running values), so an applied plan
 * renders the same bytes again and apply can tell that nothing changed.
 */
#include "dropin.h"
#include "kernel.h"
#include "sysctld.h"
#include "util.h"

#include <stdio.h>
#include <string.h>

#ifndef FINTUNE_VERSION
#define FINTUNE_VERSION "unknown"
#endif

#define WIDTH 78

/* Adds text as comment lines: every line starts with "# ", control bytes
 * become "?", so a newline or "=" in a description stays inside a comment. */
static void add_comment(struct strbuf *sb, const char *indent, const char *text)
{
	const char *p = text;

	while (*p) {
		size_t avail = WIDTH - 2 - strlen(indent), n = 0, cut = 0;
		const char *nl;

		while (*p == ' ')
			p++;
		if (!*p)
			break;
		nl = strchr(p, '\n');
		while (p[n] && p[n] != '\n' && n < avail) {
			if (p[n] == ' ')
				cut = n;
			n++;
		}
		if (p[n] && p[n] != '\n' && cut > 0)
			n = cut;
		sb_adds(sb, "# ");
		sb_adds(sb, indent);
		for (size_t i = 0; i < n; i++) {
			unsigned char ch = (unsigned char)p[i];

			sb_addc(sb, ch < 0x20 || ch == 0x7f ? '?' : (char)ch);
		}
		sb_addc(sb, '\n');
		p += n;
		if (nl && p == nl)
			p++;
	}
}

static void add_hex(struct strbuf *sb, const unsigned char *d, size_t n)
{
	for (size_t i = 0; i < n; i++)
		sb_addf(sb, "%02x", d[i]);
}

char *dropin_render(const struct profile *p, const struct advice *a, const char *path)
{
	struct strbuf sb;

	sb_init(&sb);
	sb_adds(&sb, DROPIN_MAGIC " Do not edit: fintune replaces this file.\n");
	add_comment(&sb, "", path);
	sb_addf(&sb, "# fintune %s; `fintune explain KEY` says what each key does.\n", FINTUNE_VERSION);
	sb_adds(&sb, "#\n");
	sb_addf(&sb, "# Profile: %s\n", p->name);
	for (size_t i = 0; i < p->n_files; i++) {
		struct strbuf line;

		sb_init(&line);
		/* not the path as typed: ./x.yaml and /abs/x.yaml are one
		 * profile, and must give the same bytes */
		sb_adds(&line, p->files[i].canonical);
		sb_adds(&line, " sha256:");
		add_hex(&line, p->files[i].doc->sha256, sizeof(p->files[i].doc->sha256));
		add_comment(&sb, "  ", line.s ? line.s : "");
		sb_free(&line);
	}
	if (p->description[0]) {
		sb_adds(&sb, "# Description:\n");
		add_comment(&sb, "  ", p->description);
	}
	for (int id = 0; id < K_PLANNED; id++) {
		const struct recommendation *r = &a->rec[id];

		if (!r->planned)
			continue;
		sb_adds(&sb, "\n");
		add_comment(&sb, "", r->basis);
		/* values are fintune's own: digits and one space */
		sb_addf(&sb, "%s = %s\n", key_fact(id)->name, r->proposed);
	}
	return sb_steal(&sb);
}

bool dropin_is_ours(const char *text)
{
	return text && strncmp(text, DROPIN_MAGIC, strlen(DROPIN_MAGIC)) == 0;
}

bool dropin_name_valid(const char *name)
{
	size_t n = strlen(name);

	return n > 5 && n < 128 && name[0] != '.' && !strchr(name, '/') && strcmp(name + n - 5, ".conf") == 0;
}

const char *dropin_name_of(const char *path)
{
	size_t n = strlen(DROPIN_DIR);

	if (!path || strncmp(path, DROPIN_DIR "/", n + 1) != 0 || !dropin_name_valid(path + n + 1))
		return NULL;
	return path + n + 1;
}

bool dropin_sets_only(const char *text, size_t len, const char *path, const bool *planned,
		      char (*proposed)[KERNEL_VALUE_MAX])
{
	struct sysctl_config c = { 0 };
	bool ok = true;

	if (!dropin_is_ours(text) || sysctld_add_text(&c, path, text, len, NULL) < 0)
		return false;
	for (size_t i = 0; i < c.n_entries && ok; i++) {
		const struct sysctl_entry *e = &c.entries[i];
		int id = key_lookup(e->key);

		ok = !e->glob && !e->ignore_failure && e->value && id >= 0 && id < K_PLANNED &&
		     (!planned || (planned[id] && strcmp(e->value, proposed[id]) == 0));
	}
	sysctld_free(&c);
	return ok;
}

/* The value each close-path key has in a drop-in text ("" where unset). */
void dropin_values(const char *text, const char *path, char values[K_PLANNED][KERNEL_VALUE_MAX])
{
	struct sysctl_config c = { 0 };

	for (int id = 0; id < K_PLANNED; id++)
		values[id][0] = '\0';
	if (!text || sysctld_add_text(&c, path, text, strlen(text), NULL) < 0)
		return;
	for (size_t i = 0; i < c.n_entries; i++) {
		int id = key_lookup(c.entries[i].key);

		if (id >= 0 && id < K_PLANNED && c.entries[i].value)
			snprintf(values[id], KERNEL_VALUE_MAX, "%s", c.entries[i].value);
	}
	sysctld_free(&c);
}
