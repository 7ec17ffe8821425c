// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The sysctl.d configuration as systemd-sysctl and procps read it. The rules
 * are in sysctld.h; every one of them is checked against the real appliers in
 * a namespace test (tests/ns/). Files are only read: fintune never edits a
 * file it does not own.
 */
#include "sysctld.h"
#include "util.h"

#include <dirent.h>
#include <errno.h>
#include <fnmatch.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

const char *const sysctld_dirs[] = {
	"/etc/sysctl.d", "/run/sysctl.d", "/usr/local/lib/sysctl.d", "/usr/lib/sysctl.d",
};
const size_t sysctld_n_dirs = ARRAY_SIZE(sysctld_dirs);

#define SYSCTL_CONF "/etc/sysctl.conf"
#define FILE_MAX (1u << 20)

char *sysctl_normalize_key(const char *key)
{
	const char *sep = strpbrk(key, "./");
	char *p, *out;

	if (!*key)
		return NULL;
	out = strdup(key);
	if (!out)
		return NULL;
	/* the first separator decides: after a dot, dots and slashes swap */
	if (sep && *sep == '.')
		for (p = out; *p; p++)
			*p = *p == '.' ? '/' : *p == '/' ? '.' : *p;
	/* a key that could leave /proc/sys is refused before anything reads it */
	if (out[0] == '/' || strstr(out, "//") || !strcmp(out, "..") || !strncmp(out, "../", 3) ||
	    strstr(out, "/../") || (strlen(out) >= 3 && !strcmp(out + strlen(out) - 3, "/.."))) {
		free(out);
		return NULL;
	}
	return out;
}

struct candidate {
	char *name;
	size_t dir;	/* index in the directory list; SIZE_MAX for /etc/sysctl.conf */
};

static int candidate_cmp(const void *a, const void *b)
{
	return strcmp(((const struct candidate *)a)->name, ((const struct candidate *)b)->name);
}

static bool has_conf_suffix(const char *name)
{
	size_t n = strlen(name);

	return n > 5 && strcmp(name + n - 5, ".conf") == 0;
}

/* Follows a symlink chain inside root; returns the host path to read, or
 * NULL for /dev/null (masked) and unresolvable links. *link is the first
 * target, as on the target system, for messages. */
static char *resolve_under_root(const char *root, const char *target_path, char **link, bool *masked)
{
	char cur[PATH_MAX], buf[PATH_MAX];

	*link = NULL;
	*masked = false;
	snprintf(cur, sizeof(cur), "%s", target_path);
	for (int hop = 0; hop < 8; hop++) {
		char host[PATH_MAX];
		struct stat st;
		ssize_t n;

		snprintf(host, sizeof(host), "%s%s", root, cur);
		if (lstat(host, &st) < 0)
			return NULL;
		if (!S_ISLNK(st.st_mode))
			return strdup(host);
		n = readlink(host, buf, sizeof(buf) - 1);
		if (n < 0)
			return NULL;
		buf[n] = '\0';
		if (strcmp(buf, "/dev/null") == 0) {
			*masked = true;
			if (!*link)
				*link = strdup(buf);
			return NULL;
		}
		if (buf[0] == '/') {
			snprintf(cur, sizeof(cur), "%s", buf);
		} else {
			char dir[PATH_MAX], *slash;

			snprintf(dir, sizeof(dir), "%s", cur);
			slash = strrchr(dir, '/');
			if (slash)
				*slash = '\0';
			if (snprintf(cur, sizeof(cur), "%s/%s", dir, buf) >= (int)sizeof(cur))
				return NULL;
		}
		if (!*link) {
			/* shown simplified: /etc/sysctl.d/../sysctl.conf as /etc/sysctl.conf */
			char *p;

			while ((p = strstr(cur, "/../"))) {
				char *prev = p;

				while (prev > cur && *--prev != '/')
					;
				memmove(prev, p + 3, strlen(p + 3) + 1);
			}
			*link = strdup(cur);
		}
	}
	return NULL;
}

static bool add_entry(struct sysctl_config *c, struct sysctl_entry *e, size_t *cap, unsigned *order)
{
	/* systemd: a key assigned again with the same value keeps its place;
	 * another value replaces it and moves it to the end (its ordered map).
	 * procps writes every assignment: all are kept, in order. */
	for (size_t i = 0; !c->procps && i < c->n_entries; i++) {
		struct sysctl_entry *old = &c->entries[i];

		if (strcmp(old->key, e->key) != 0)
			continue;
		if ((!old->value && !e->value) || (old->value && e->value && !strcmp(old->value, e->value))) {
			old->ignore_failure |= e->ignore_failure;
			free(e->key);
			free(e->value);
			return true;
		}
		free(old->key);
		free(old->value);
		memmove(old, old + 1, (c->n_entries - i - 1) * sizeof(*old));
		c->n_entries--;
		break;
	}
	if (c->n_entries == *cap) {
		size_t n = *cap ? *cap * 2 : 32;
		struct sysctl_entry *v = realloc(c->entries, n * sizeof(*v));

		if (!v)
			return false;
		c->entries = v;
		*cap = n;
	}
	e->order = (*order)++;
	c->entries[c->n_entries++] = *e;
	return true;
}

static char *strip(char *s)
{
	char *e;

	while (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n')
		s++;
	e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r' || e[-1] == '\n'))
		*--e = '\0';
	return s;
}

static void parse_file(struct sysctl_config *c, const struct sysctl_file *f, const char *text, size_t len,
		       size_t *cap, unsigned *order, struct diags *d)
{
	unsigned lineno = 0;
	const char *p = text, *end = text + len;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
		char *line = strndup(p, n), *l, *eq;
		struct sysctl_entry e = { .file = f };

		lineno++;
		p = nl ? nl + 1 : end;
		if (!line)
			return;
		l = strip(line);
		if (!*l || *l == '#' || *l == ';') {
			free(line);
			continue;
		}
		eq = strchr(l, '=');
		if (!eq && *l != '-') {
			diag_warn(d, f->path, lineno, 0, NULL, "line is not an assignment, ignoring");
			free(line);
			continue;
		}
		if (eq) {
			*eq = '\0';
			e.value = strdup(strip(eq + 1));
		}
		l = strip(l);
		if (*l == '-') {
			e.ignore_failure = true;
			l = strip(l + 1);
		}
		e.key = sysctl_normalize_key(l);
		if (!e.key) {
			diag_warn(d, f->path, lineno, 0, NULL, "invalid key \"%s\", ignoring", l);
			free(e.value);
			free(line);
			continue;
		}
		e.glob = strpbrk(e.key, "*?[") != NULL;
		e.line = lineno;
		if (!add_entry(c, &e, cap, order)) {
			free(e.key);
			free(e.value);
		}
		free(line);
	}
}

int sysctld_load(struct sysctl_config *c, const char *root, bool procps, const char *override_name,
		 const char *override_text, struct diags *d)
{
	struct candidate *cand = NULL;
	size_t n_cand = 0, cap_cand = 0, cap_entries = 0;
	unsigned order = 0;
	const char *dirs[6];
	size_t n_dirs = 0;
	int r = 0;

	memset(c, 0, sizeof(*c));
	c->procps = procps;
	for (size_t i = 0; i < sysctld_n_dirs; i++)
		dirs[n_dirs++] = sysctld_dirs[i];
	if (procps) {
		/* procps also reads /lib/sysctl.d, which is /usr/lib/sysctl.d on a
		 * merged /usr and then adds nothing */
		char a[PATH_MAX], b[PATH_MAX];
		struct stat sa, sb;

		snprintf(a, sizeof(a), "%s/lib/sysctl.d", root);
		snprintf(b, sizeof(b), "%s/usr/lib/sysctl.d", root);
		if (stat(a, &sa) == 0 && (stat(b, &sb) < 0 || sa.st_ino != sb.st_ino || sa.st_dev != sb.st_dev))
			dirs[n_dirs++] = "/lib/sysctl.d";
	}
	for (size_t i = 0; i < n_dirs; i++) {
		char path[PATH_MAX];
		struct dirent *de;
		DIR *dir;

		snprintf(path, sizeof(path), "%s%s", root, dirs[i]);
		dir = opendir(path);
		if (!dir) {
			if (errno != ENOENT && errno != ENOTDIR)
				diag_warn(d, dirs[i], 0, 0, NULL, "cannot read the directory: %s, ignoring", strerror(errno));
			continue;
		}
		while ((de = readdir(dir))) {
			bool seen = false;

			/* systemd skips hidden files; procps reads them too */
			if ((!procps && de->d_name[0] == '.') || !strcmp(de->d_name, ".conf") ||
			    !has_conf_suffix(de->d_name))
				continue;
			if (i == 0 && override_name && strcmp(de->d_name, override_name) == 0)
				continue;	/* added below with the override text */
			for (size_t k = 0; k < n_cand && !seen; k++)
				seen = strcmp(cand[k].name, de->d_name) == 0;
			if (seen)
				continue;	/* masked by the same name in an earlier directory */
			if (n_cand == cap_cand) {
				size_t nc = cap_cand ? cap_cand * 2 : 32;
				struct candidate *v = realloc(cand, nc * sizeof(*v));

				if (!v)
					break;
				cand = v;
				cap_cand = nc;
			}
			cand[n_cand].name = strdup(de->d_name);
			cand[n_cand].dir = i;
			if (cand[n_cand].name)
				n_cand++;
		}
		closedir(dir);
		if (i == 0 && override_name && override_text) {
			/* fintune's own drop-in, as it would be written */
			for (size_t k = 0; k < n_cand; k++)
				if (strcmp(cand[k].name, override_name) == 0) {
					free(cand[k].name);
					cand[k] = cand[--n_cand];
				}
			if (n_cand == cap_cand) {
				size_t nc = cap_cand ? cap_cand * 2 : 32;
				struct candidate *v = realloc(cand, nc * sizeof(*v));

				if (!v) {
					r = -ENOMEM;
					goto out;
				}
				cand = v;
				cap_cand = nc;
			}
			cand[n_cand].name = strdup(override_name);
			cand[n_cand].dir = 0;
			if (cand[n_cand].name)
				n_cand++;
		}
	}
	if (n_cand)
		qsort(cand, n_cand, sizeof(*cand), candidate_cmp);
	c->files = calloc(n_cand + 1, sizeof(*c->files));
	if (!c->files) {
		r = -ENOMEM;
		goto out;
	}
	for (size_t k = 0; k <= n_cand; k++) {
		struct sysctl_file *f = &c->files[c->n_files];
		char target[PATH_MAX], *host = NULL, *text = NULL;
		size_t len = 0;
		const char *why;
		bool is_override;

		if (k == n_cand) {
			if (!procps)
				break;
			snprintf(target, sizeof(target), "%s", SYSCTL_CONF);
			f->procps_only = true;
			f->name = strdup("sysctl.conf");
		} else {
			snprintf(target, sizeof(target), "%s/%s", dirs[cand[k].dir], cand[k].name);
			f->name = strdup(cand[k].name);
		}
		f->path = strdup(target);
		c->n_files++;
		is_override = k < n_cand && cand[k].dir == 0 && override_name && !strcmp(cand[k].name, override_name);
		if (is_override) {
			parse_file(c, f, override_text, strlen(override_text), &cap_entries, &order, d);
			continue;
		}
		host = resolve_under_root(root, target, &f->link, &f->masked);
		if (!host) {
			if (!f->masked && k < n_cand)
				diag_warn(d, target, 0, 0, NULL, "cannot resolve the file, ignoring");
			continue;
		}
		r = read_file_limited(host, FILE_MAX, &text, &len, &why);
		free(host);
		if (r < 0) {
			if (!(k == n_cand && r == -ENOENT))
				diag_warn(d, target, 0, 0, NULL, "cannot read: %s, ignoring", why ? why : strerror(-r));
			r = 0;
			continue;
		}
		parse_file(c, f, text, len, &cap_entries, &order, d);
		free(text);
	}
out:
	for (size_t k = 0; k < n_cand; k++)
		free(cand[k].name);
	free(cand);
	return r;
}

int sysctld_add_text(struct sysctl_config *c, const char *path, const char *text, size_t len,
		     struct diags *d)
{
	size_t cap = c->n_entries, *idx = NULL;
	unsigned order = 0;
	const char *slash = strrchr(path, '/');
	struct sysctl_file *files;

	/* entries point at their file: remember which, the array may move */
	if (c->n_entries) {
		idx = malloc(c->n_entries * sizeof(*idx));
		if (!idx)
			return -ENOMEM;
		for (size_t i = 0; i < c->n_entries; i++)
			idx[i] = (size_t)(c->entries[i].file - c->files);
	}
	files = realloc(c->files, (c->n_files + 1) * sizeof(*files));
	if (!files) {
		free(idx);
		return -ENOMEM;
	}
	c->files = files;
	for (size_t i = 0; i < c->n_entries; i++) {
		c->entries[i].file = &c->files[idx[i]];
		if (c->entries[i].order >= order)
			order = c->entries[i].order + 1;
	}
	free(idx);
	memset(&c->files[c->n_files], 0, sizeof(*c->files));
	c->files[c->n_files].path = strdup(path);
	c->files[c->n_files].name = strdup(slash ? slash + 1 : path);
	c->n_files++;
	if (!c->files[c->n_files - 1].path || !c->files[c->n_files - 1].name)
		return -ENOMEM;
	parse_file(c, &c->files[c->n_files - 1], text, len, &cap, &order, d);
	return 0;
}

void sysctld_free(struct sysctl_config *c)
{
	for (size_t i = 0; i < c->n_files; i++) {
		free(c->files[i].name);
		free(c->files[i].path);
		free(c->files[i].link);
	}
	for (size_t i = 0; i < c->n_entries; i++) {
		free(c->entries[i].key);
		free(c->entries[i].value);
	}
	free(c->files);
	free(c->entries);
	memset(c, 0, sizeof(*c));
}

static bool accepted(const struct sysctl_probe *probe, const char *path, const char *value)
{
	return !probe || !probe->accepts || probe->accepts(path, value, probe->ctx);
}

struct sysctl_setting sysctld_resolve(const struct sysctl_config *c, const char *key,
				      const struct sysctl_probe *probe)
{
	struct sysctl_setting s = { NULL };
	char *path = sysctl_normalize_key(key);
	bool explicit = false;

	if (!path)
		return s;
	/* an explicit assignment, or an exclusion, anywhere keeps every glob
	 * away (both appliers look at all files first) */
	for (size_t i = 0; i < c->n_entries; i++) {
		const struct sysctl_entry *e = &c->entries[i];

		if (e->glob || strcmp(e->key, path) != 0)
			continue;
		explicit = true;
		if (!c->procps) {
			/* systemd keeps one entry per key: the last; if the kernel
			 * refuses it, the value stays as it was */
			s.entry = e->value && accepted(probe, path, e->value) ? e : NULL;
			break;
		}
		/* procps writes each in turn: the last that the kernel takes stays */
		if (e->value && accepted(probe, path, e->value))
			s.entry = e;
	}
	if (explicit || (probe && probe->exists && !probe->exists(path, probe->ctx))) {
		free(path);
		return s;
	}
	for (size_t i = 0; i < c->n_entries; i++) {
		const struct sysctl_entry *e = &c->entries[i];

		/* globs are written in order: the last one that takes wins (with
		 * systemd, a refused last glob leaves the value as it was) */
		if (!e->glob || !e->value || fnmatch(e->key, path, FNM_PATHNAME) != 0)
			continue;
		if (!c->procps || accepted(probe, path, e->value))
			s.entry = e;
	}
	if (s.entry && !c->procps && !accepted(probe, path, s.entry->value))
		s.entry = NULL;
	free(path);
	return s;
}

void sysctld_describe(const struct sysctl_entry *e, char *buf, size_t size)
{
	if (e->file->link)
		snprintf(buf, size, "%s:%u (-> %s)", e->file->path, e->line, e->file->link);
	else
		snprintf(buf, size, "%s:%u", e->file->path, e->line);
}
