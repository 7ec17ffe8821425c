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

#include <nettle/sha2.h>
#include <stdio.h>
#include <string.h>

#ifndef FINTUNE_VERSION
#define FINTUNE_VERSION "unknown"
#endif

#define WIDTH 78

/* Adds text as comment lines: every line starts with "# ", and a control
 * byte, a bidirectional control or a line separator becomes one "?" (see
 * utf8_next_shown), so a newline or "=" in a description stays inside a
 * comment and the comment reads as it is to whoever reviews the file. */
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
		/* a line cut where there is no blank: never inside a character */
		while (n > 1 && ((unsigned char)p[n] & 0xc0) == 0x80)
			n--;
		sb_adds(sb, "# ");
		sb_adds(sb, indent);
		for (size_t i = 0; i < n;) {
			bool escape;
			size_t len = utf8_next_shown(p + i, n - i, &escape);

			if (escape)
				sb_addc(sb, '?');
			else
				sb_addn(sb, p + i, len);
			i += len;
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

void profile_digest(const struct profile *p, unsigned char out[32])
{
	struct sha256_ctx ctx;

	/* the content of every file of the chain, in order: the same however
	 * and wherever the files were named */
	sha256_init(&ctx);
	for (size_t i = 0; i < p->n_files; i++)
		sha256_update(&ctx, sizeof(p->files[i].doc->sha256), p->files[i].doc->sha256);
	sha256_digest(&ctx, 32, out);
}

char *dropin_render(const struct profile *p, const struct advice *a)
{
	unsigned char digest[32];
	struct strbuf sb;

	sb_init(&sb);
	sb_adds(&sb, DROPIN_MAGIC " Do not edit: fintune replaces this file.\n");
	sb_adds(&sb, "# `fintune explain KEY` says what each key does; `fintune status`, whether\n"
		     "# it is in force.\n#\n");
	/* the profile by name and content, never by path or fintune's
	 * version: the same profile staged anywhere gives the same bytes */
	profile_digest(p, digest);
	{
		struct strbuf line;

		sb_init(&line);
		sb_addf(&line, "Profile: %s sha256:", p->name);
		add_hex(&line, digest, sizeof(digest));
		add_comment(&sb, "", line.s ? line.s : "");
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

/* A name every applier reads the same and every terminal shows as it is:
 * letters, digits and . _ - + @, ending in .conf, not hidden. */
bool dropin_name_valid(const char *name)
{
	size_t n = strlen(name);

	if (n <= 5 || n >= 128 || name[0] == '.' || strcmp(name + n - 5, ".conf") != 0)
		return false;
	return strspn(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-+@") == n;
}

const char *dropin_name_of(const char *path)
{
	size_t n = strlen(DROPIN_DIR);

	if (!path || strncmp(path, DROPIN_DIR "/", n + 1) != 0 || !dropin_name_valid(path + n + 1))
		return NULL;
	return path + n + 1;
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

/* Whether a view of text sets only close-path keys, plainly, and read
 * without a single problem. */
static bool view_plain(const char *text, size_t len, bool procps, char values[K_PLANNED][KERNEL_VALUE_MAX])
{
	struct sysctl_config c = { .procps = procps };
	struct diags d;
	bool ok;

	diags_init(&d);
	ok = sysctld_add_text(&c, DROPIN_DIR "/check.conf", text, len, &d) == 0 && d.n == 0 && !d.dropped;
	for (int id = 0; id < K_PLANNED; id++)
		values[id][0] = '\0';
	for (size_t i = 0; i < c.n_entries && ok; i++) {
		const struct sysctl_entry *e = &c.entries[i];
		int id = key_lookup(e->key);

		ok = !e->glob && !e->ignore_failure && e->value && e->value[0] && id >= 0 && id < K_PLANNED &&
		     strcmp(e->key, key_fact(id)->proc) == 0 && strlen(e->value) < KERNEL_VALUE_MAX &&
		     (!values[id][0] || strcmp(values[id], e->value) == 0);
		if (ok)
			snprintf(values[id], KERNEL_VALUE_MAX, "%s", e->value);
	}
	sysctld_free(&c);
	diags_free(&d);
	return ok;
}

bool dropin_text_allowed(const char *text, size_t len)
{
	char sd[K_PLANNED][KERNEL_VALUE_MAX], pp[K_PLANNED][KERNEL_VALUE_MAX];

	/* kept in JSON as a string: no NUL, valid UTF-8; a size fintune's
	 * own text never comes near */
	if (!text || len > DROPIN_TEXT_MAX || strlen(text) != len || !utf8_valid(text, len) || !dropin_is_ours(text))
		return false;
	/* fintune's lines are short; an applier that reads lines into a
	 * fixed buffer (older procps: 256 bytes) would take the tail of a
	 * longer one for a line of its own */
	for (const char *p = text, *end = text + len; p < end;) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = (size_t)((nl ? nl : end) - p);

		if (n > DROPIN_LINE_MAX)
			return false;
		p += n + 1;
	}
	/* both appliers read it, each its own way (line ends, long lines,
	 * separators, "." and ".." components): each must see only the
	 * close-path keys, the same ones to the same values */
	if (!view_plain(text, len, false, sd) || !view_plain(text, len, true, pp))
		return false;
	for (int id = 0; id < K_PLANNED; id++)
		if (strcmp(sd[id], pp[id]) != 0)
			return false;
	return true;
}
