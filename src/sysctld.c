// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The sysctl.d configuration as systemd-sysctl and procps read it. The rules
 * are in sysctld.h; every one of them is checked against the real appliers in
 * a namespace test (tests/ns/). Files are only read: fintune never edits a
 * file it does not own.
 */
#include "sysctld.h"
#include "host.h"
#include "util.h"
#include <fcntl.h>

#include <dirent.h>
#include <errno.h>
#include <fnmatch.h>
#include <glob.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* The sysctl.d directories, in precedence order (target paths). */
static const char *const sysctld_dirs[] = {
	"/etc/sysctl.d", "/run/sysctl.d", "/usr/local/lib/sysctl.d", "/usr/lib/sysctl.d",
};
static const size_t sysctld_n_dirs = ARRAY_SIZE(sysctld_dirs);

#define SYSCTL_CONF "/etc/sysctl.conf"
/* Larger files are ignored with a warning (the appliers read any size). */
#define FILE_MAX (16u << 20)
/* systemd's LONG_LINE_MAX: a longer line ends its reading of the file. */
#define SYSTEMD_LINE_MAX (1u << 20)

/* systemd's path_simplify, in place: no empty or "." components, no
 * trailing slash; ".." is kept. */
static void simplify(char *s)
{
	const char *r = s;
	char *w = s;
	bool absolute = *s == '/';

	if (absolute)
		*w++ = '/';
	while (*r) {
		const char *end;
		size_t n;

		while (*r == '/')
			r++;
		end = strchrnul(r, '/');
		n = (size_t)(end - r);
		if (n && !(n == 1 && r[0] == '.')) {
			if (w > s + absolute)
				*w++ = '/';
			memmove(w, r, n);
			w += n;
		}
		r = end;
	}
	*w = '\0';
}

static bool has_dotdot(const char *s)
{
	for (const char *p = s; (p = strstr(p, "..")); p += 2)
		if ((p == s || p[-1] == '/') && (p[2] == '\0' || p[2] == '/'))
			return true;
	return false;
}

/* A copy of the key with dots and slashes swapped when its first separator
 * is a dot, as both appliers do first. */
static char *swapped(const char *key)
{
	const char *sep = strpbrk(key, "./");
	char *out = strdup(key);

	if (out && sep && *sep == '.')
		for (char *p = out; *p; p++)
			*p = *p == '.' ? '/' : *p == '/' ? '.' : *p;
	return out;
}

/* A key to its /proc/sys path, as the applier does. systemd: dots and
 * slashes swap when the first separator is a dot, then the path is
 * simplified ("net.ipv4..x", "/net/ipv4/x", "net/ipv4/./x" and "x." all
 * work). procps swaps the same way and opens the path as it stands, so the
 * kernel's walk does the simplifying, except that a trailing slash or "."
 * needs a directory and the write fails. A ".." is refused for both: it
 * could leave /proc/sys. */
static char *normalize(const char *key, bool procps)
{
	char *out, *last;

	if (!*key)
		return NULL;
	out = swapped(key);
	if (!out)
		return NULL;
	last = strrchr(out, '/');
	if (procps && last && (!last[1] || !strcmp(last + 1, "."))) {
		free(out);
		return NULL;
	}
	simplify(out);
	if (out[0] == '/')
		memmove(out, out + 1, strlen(out));
	if (!out[0] || !strcmp(out, ".") || has_dotdot(out)) {
		free(out);
		return NULL;
	}
	return out;
}

char *sysctl_normalize_key(const char *key)
{
	return normalize(key, false);
}

static bool has_conf_suffix(const char *name)
{
	size_t n = strlen(name);

	return n >= 5 && strcmp(name + n - 5, ".conf") == 0;
}

/* The keys a reading is for, and their last components: whether a key may
 * be one of them is told before normalising it. */
struct keyset {
	const char *const *keys;	/* NULL: every key */
	const char *leaf[16];
	size_t leaf_len[16], n_leaves;
};

static void keyset_init(struct keyset *ks, const char *const *keys)
{
	memset(ks, 0, sizeof(*ks));
	ks->keys = keys;
	for (const char *const *k = keys; k && *k; k++) {
		const char *slash = strrchr(*k, '/');

		if (ks->n_leaves == ARRAY_SIZE(ks->leaf)) {
			ks->n_leaves = 0;	/* too many to test this way: every line is normalised */
			break;
		}
		ks->leaf[ks->n_leaves] = slash ? slash + 1 : *k;
		ks->leaf_len[ks->n_leaves] = strlen(ks->leaf[ks->n_leaves]);
		ks->n_leaves++;
	}
}

/* Whether a key may be one of interest, before normalising it: its last
 * word (the text after the last "." or "/", trailing ones skipped) must be
 * the last component of one of them, since normalising only swaps and drops
 * separators. A glob may match anything. */
static bool maybe_wanted(const struct keyset *ks, const char *raw)
{
	const char *end = raw + strlen(raw), *start;
	size_t n;

	if (!ks->keys || !ks->n_leaves || strpbrk(raw, "*?["))
		return true;
	while (end > raw && (end[-1] == '.' || end[-1] == '/'))
		end--;
	for (start = end; start > raw && start[-1] != '.' && start[-1] != '/'; start--)
		;
	n = (size_t)(end - start);
	for (size_t i = 0; i < ks->n_leaves; i++)
		if (ks->leaf_len[i] == n && memcmp(ks->leaf[i], start, n) == 0)
			return true;
	return false;
}

static bool wanted(const struct keyset *ks, const char *key)
{
	if (!ks->keys)
		return true;
	for (const char *const *k = ks->keys; *k; k++)
		if (strcmp(*k, key) == 0)
			return true;
	return false;
}

/* Whether normalize() may refuse a key, in either applier's way: it never
 * refuses one that is not empty, does not end in a separator or a ".",
 * and holds neither ".." nor "//" (which become ".." when the separators
 * swap). */
static bool maybe_invalid(const char *k)
{
	size_t n = strlen(k);

	return !n || k[n - 1] == '.' || k[n - 1] == '/' || strstr(k, "..") || strstr(k, "//");
}

/*
 * Reading one configuration: systemd keeps one entry per key (an ordered
 * map: the same value again keeps its place, another value replaces it and
 * moves it to the end), found through a hash of the keys so that a large
 * file costs linear time; a replaced entry is left dead (key NULL) until
 * compact(). procps writes every assignment: all are kept, in order; or,
 * when the view is built for one probe, only what sysctld_resolve() can
 * find with it: per key, the last assignment the kernel takes (another
 * hash), and one exclusion per spelling (a third).
 */
struct loader {
	struct sysctl_config *c;
	size_t cap;
	unsigned order;
	size_t *slot;		/* entry index + 1; 0 is empty */
	size_t *mark;		/* procps with a probe: exclusions by spelling, the same way */
	size_t n_slots, used, marks;
	struct diags *d;
	/* keys of interest (normalised), or NULL for all: what is never
	 * resolved is not kept */
	struct keyset ks;
	const struct sysctl_probe *probe;
	bool probed;		/* procps, built for probe */
	char *line;		/* one buffer for every line */
	size_t dead;		/* replaced entries not yet compacted */
	size_t line_cap;
	/* the file being read: made when it gives its first entry */
	struct {
		const char *name, *path, *link;
		bool masked, procps_only;
		struct sysctl_file *f;
	} cur;
};

static bool accepted(const struct sysctl_probe *probe, const char *path, const char *value)
{
	return !probe || !probe->accepts || probe->accepts(path, value, probe->ctx);
}

static void file_free(struct sysctl_file *f)
{
	free(f->name);
	free(f->path);
	free(f->link);
	free(f);
}

/* An entry lets go of its file; the last one frees it (unless it is the
 * file being read, which ends_file() looks at). */
static void file_put(struct loader *l, const struct sysctl_file *cf)
{
	struct sysctl_file *f = (struct sysctl_file *)cf;

	if (f && --f->refs == 0 && (!l || f != l->cur.f))
		file_free(f);
}

static void begin_file(struct loader *l, const char *name, const char *path, const char *link)
{
	memset(&l->cur, 0, sizeof(l->cur));
	l->cur.name = name;
	l->cur.path = path;
	l->cur.link = link;
}

static void end_file(struct loader *l)
{
	if (l->cur.f && l->cur.f->refs == 0)
		file_free(l->cur.f);
	memset(&l->cur, 0, sizeof(l->cur));
}

static struct sysctl_file *cur_file(struct loader *l)
{
	struct sysctl_file *f = l->cur.f;

	if (f)
		return f;
	f = calloc(1, sizeof(*f));
	if (!f)
		return NULL;
	f->name = strdup(l->cur.name);
	f->path = strdup(l->cur.path);
	f->link = l->cur.link ? strdup(l->cur.link) : NULL;
	f->masked = l->cur.masked;
	f->procps_only = l->cur.procps_only;
	if (!f->name || !f->path || (l->cur.link && !f->link)) {
		file_free(f);
		return NULL;
	}
	l->cur.f = f;
	return f;
}

static size_t key_hash(const char *s)
{
	size_t h = 14695981039346656037u;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211u;
	return h;
}

static const char *spelling(const struct sysctl_entry *e)
{
	return e->spelled ? e->spelled : e->key;
}

static size_t *find_slot(struct loader *l, const char *key)
{
	size_t i = key_hash(key) & (l->n_slots - 1);

	while (l->slot[i] && strcmp(l->c->entries[l->slot[i] - 1].key, key) != 0)
		i = (i + 1) & (l->n_slots - 1);
	return &l->slot[i];
}

static size_t *find_mark(struct loader *l, const char *spelled)
{
	size_t i = key_hash(spelled) & (l->n_slots - 1);

	while (l->mark[i] && strcmp(spelling(&l->c->entries[l->mark[i] - 1]), spelled) != 0)
		i = (i + 1) & (l->n_slots - 1);
	return &l->mark[i];
}

/* Which table a live entry is found through: the keys (systemd: every
 * entry; procps for a probe: the assignments), the spellings (procps for a
 * probe: the exclusions), or none (globs of procps, procps without a
 * probe). */
static size_t **table_of(struct loader *l, const struct sysctl_entry *e)
{
	if (!l->c->procps)
		return &l->slot;
	if (!l->probed || e->glob)
		return NULL;
	return e->value ? &l->slot : &l->mark;
}

static bool grow_slots(struct loader *l)
{
	size_t n = 64, live = 0;
	size_t *v, *m = NULL;

	/* sized for the live entries and the next one, at most half full:
	 * a rehash after compacting shrinks the table as well as it grows it */
	for (size_t i = 0; i < l->c->n_entries; i++)
		live += l->c->entries[i].key != NULL;
	while ((live + 2) * 2 > n)
		n *= 2;
	v = calloc(n, sizeof(*v));
	if (l->probed)
		m = calloc(n, sizeof(*m));
	if (!v || (l->probed && !m)) {
		free(v);
		free(m);
		return false;
	}
	free(l->slot);
	free(l->mark);
	l->slot = v;
	l->mark = m;
	l->n_slots = n;
	l->used = l->marks = 0;
	for (size_t i = 0; i < l->c->n_entries; i++) {
		const struct sysctl_entry *e = &l->c->entries[i];
		size_t **table;

		if (!e->key || !(table = table_of(l, e)))
			continue;
		if (*table == l->slot) {
			*find_slot(l, e->key) = i + 1;
			l->used++;
		} else {
			*find_mark(l, spelling(e)) = i + 1;
			l->marks++;
		}
	}
	return true;
}

static void loader_init(struct loader *l, struct sysctl_config *c, struct diags *d)
{
	memset(l, 0, sizeof(*l));
	l->c = c;
	l->d = d;
	l->cap = c->n_entries;
	keyset_init(&l->ks, NULL);
	for (size_t i = 0; i < c->n_entries; i++)
		if (c->entries[i].order >= l->order)
			l->order = c->entries[i].order + 1;
}

/* Drops the dead entries, keeping the order. */
static void compact(struct loader *l)
{
	size_t w = 0;

	for (size_t i = 0; i < l->c->n_entries; i++)
		if (l->c->entries[i].key)
			l->c->entries[w++] = l->c->entries[i];
	l->c->n_entries = w;
	l->dead = 0;
}

static void loader_done(struct loader *l)
{
	end_file(l);
	compact(l);
	free(l->slot);
	l->slot = NULL;
	free(l->mark);
	l->mark = NULL;
	free(l->line);
	l->line = NULL;
	l->line_cap = 0;
}

static void entry_clear(struct sysctl_entry *e)
{
	free(e->key);
	free(e->spelled);
	free(e->value);
	e->key = e->spelled = e->value = NULL;
}

/* An entry replaced: left dead until compacted. The dead go before they
 * outgrow the live ones (a key assigned over and over); false when the
 * tables had to be rebuilt and could not be. */
static bool kill_entry(struct loader *l, struct sysctl_entry *old, bool *rehashed)
{
	file_put(l, old->file);
	entry_clear(old);
	old->file = NULL;
	*rehashed = false;
	if (++l->dead > 1024 && l->dead > l->c->n_entries / 2) {
		compact(l);
		*rehashed = true;
		return grow_slots(l);
	}
	return true;
}

/* Appends an entry of the file being read; false when out of memory (the
 * caller frees it). */
static bool append_entry(struct loader *l, struct sysctl_entry *e)
{
	struct sysctl_config *c = l->c;
	struct sysctl_file *f = cur_file(l);

	if (!f)
		return false;
	if (c->n_entries == l->cap) {
		size_t n = l->cap ? l->cap * 2 : 32;
		struct sysctl_entry *v = realloc(c->entries, n * sizeof(*v));

		if (!v)
			return false;
		c->entries = v;
		l->cap = n;
	}
	e->file = f;
	f->refs++;
	e->order = l->order++;
	c->entries[c->n_entries++] = *e;
	return true;
}

/* procps for a probe: an exclusion per spelling, and per key the last
 * assignment the kernel takes. */
static bool add_probed(struct loader *l, struct sysctl_entry *e)
{
	struct sysctl_config *c = l->c;
	size_t *slot;
	bool rehashed;

	if (e->glob)
		return append_entry(l, e);
	if ((l->used + l->marks + 2) * 2 > l->n_slots && !grow_slots(l))
		return false;
	slot = find_mark(l, spelling(e));
	if (!*slot) {
		struct sysctl_entry m = { .key = strdup(e->key), .spelled = e->spelled ? strdup(e->spelled) : NULL,
					  .ignore_failure = e->ignore_failure, .line = e->line };

		if (!m.key || (e->spelled && !m.spelled) || !append_entry(l, &m)) {
			free(m.key);
			free(m.spelled);
			return false;
		}
		*slot = c->n_entries;
		l->marks++;
	}
	if (!e->value || !accepted(l->probe, e->key, e->value)) {
		entry_clear(e);
		return true;
	}
	slot = find_slot(l, e->key);
	if (*slot) {
		if (!kill_entry(l, &c->entries[*slot - 1], &rehashed))
			return false;
		if (rehashed) {
			slot = find_slot(l, e->key);	/* the key's entry is gone: a new slot */
			l->used++;
		}
	} else {
		l->used++;
	}
	if (!append_entry(l, e))
		return false;
	*slot = c->n_entries;
	return true;
}

static bool add_entry(struct loader *l, struct sysctl_entry *e)
{
	struct sysctl_config *c = l->c;
	size_t *slot = NULL;
	bool rehashed;

	if (l->probed)
		return add_probed(l, e);
	if (!c->procps) {
		if ((l->used + 1) * 2 > l->n_slots && !grow_slots(l))
			return false;
		slot = find_slot(l, e->key);
		if (*slot) {
			struct sysctl_entry *old = &c->entries[*slot - 1];

			if ((!old->value && !e->value) || (old->value && e->value && !strcmp(old->value, e->value))) {
				old->ignore_failure |= e->ignore_failure;
				entry_clear(e);
				return true;
			}
			if (!kill_entry(l, old, &rehashed))
				return false;
			if (rehashed) {
				slot = find_slot(l, e->key);
				l->used++;	/* the key's entry is gone: a new slot */
			}
		} else {
			l->used++;
		}
	}
	if (!append_entry(l, e))
		return false;
	if (slot)
		*slot = c->n_entries;
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

/* One line, as the applier reads it. */
static void parse_line(struct loader *l, char *line, unsigned lineno)
{
	bool procps = l->c->procps;
	const char *path = l->cur.path;
	struct sysctl_entry e = { .line = lineno };
	char *k = strip(line), *eq, *val = NULL;

	if (!*k || *k == '#' || *k == ';')
		return;
	eq = strchr(k, '=');
	if (!eq && *k != '-') {
		diag_warn(l->d, path, lineno, 0, NULL, "line is not an assignment, ignoring");
		return;
	}
	if (eq) {
		*eq = '\0';
		/* procps keeps a CR inside the value (and the kernel then
		 * refuses it) */
		val = strip(eq + 1);
	}
	k = strip(k);
	if (*k == '-') {
		e.ignore_failure = true;
		k++;
		if (procps && (*k == ' ' || *k == '\t')) {
			/* procps keeps the blank in the key: that path does not exist */
			diag_warn(l->d, path, lineno, 0, NULL,
				  "procps reads the key with the blank after \"-\", which sets nothing: write \"-%s\"", strip(k));
			return;
		}
		k = strip(k);
	}
	/* without diagnostics to give, a key of no interest is not even
	 * normalised */
	if (!l->d && !maybe_wanted(&l->ks, k))
		return;
	e.key = normalize(k, procps);
	if (!e.key) {
		diag_warn(l->d, path, lineno, 0, NULL, "invalid key \"%s\", ignoring", k);
		return;
	}
	e.glob = strpbrk(e.key, "*?[") != NULL;
	if (!e.glob && !wanted(&l->ks, e.key)) {
		free(e.key);
		return;
	}
	/* procps keeps a glob away only from a key spelled as the glob's
	 * match: "/net/ipv4/x" sets net/ipv4/x but does not shut out
	 * "net.ipv4.?" (the same spelling as the key is left NULL) */
	if (procps && !e.glob) {
		e.spelled = swapped(k);
		if (e.spelled && strcmp(e.spelled, e.key) == 0) {
			free(e.spelled);
			e.spelled = NULL;
		}
	}
	if (val)
		e.value = strdup(val);
	if ((val && !e.value) || !add_entry(l, &e)) {
		free(e.key);
		free(e.spelled);
		free(e.value);
	}
}

/* Whether a line can matter to a view of the keys ks: to its entries, or
 * to its warnings in either applier's reading (parse_line's tests, to the
 * point where it would drop the line as of no interest). line is
 * scratch. */
static bool line_matters(const struct keyset *ks, char *line)
{
	char *k = strip(line), *eq;

	if (!*k || *k == '#' || *k == ';')
		return false;
	eq = strchr(k, '=');
	if (!eq)
		return true;	/* "-key", or not an assignment (a warning) */
	*eq = '\0';
	k = strip(k);
	if (*k == '-') {
		k++;
		if (*k == ' ' || *k == '\t')
			return true;	/* procps warns */
		k = strip(k);
	}
	return maybe_wanted(ks, k) || maybe_invalid(k);
}

/* A file's lines. systemd ends a line at LF, CR, CRLF or NUL, and stops
 * reading the file at a line longer than SYSTEMD_LINE_MAX; procps ends a
 * line at LF only, and a NUL ends what it sees of the line. */
static void parse_file(struct loader *l, const char *text, size_t len)
{
	const char *p = text, *end = text + len;
	bool procps = l->c->procps;
	unsigned lineno = 0;

	while (p < end) {
		const char *eol = p;
		size_t n;
		char *line;

		if (procps) {
			eol = memchr(p, '\n', (size_t)(end - p));
			if (!eol)
				eol = end;
		} else {
			while (eol < end && *eol != '\n' && *eol != '\r' && *eol != '\0')
				eol++;
		}
		n = (size_t)(eol - p);
		lineno++;
		if (!procps && n > SYSTEMD_LINE_MAX) {
			diag_warn(l->d, l->cur.path, lineno, 0, NULL,
				  "line longer than 1 MiB: systemd-sysctl stops reading the file here");
			return;
		}
		if (!l->line || n + 1 > l->line_cap) {
			char *nb = realloc(l->line, n + 1);

			if (!nb)
				return;
			l->line = nb;
			l->line_cap = n + 1;
		}
		line = l->line;
		memcpy(line, p, n);	/* a NUL in it ends it, as for procps */
		line[n] = '\0';
		parse_line(l, line, lineno);
		p = eol;
		if (p < end && !procps && *p == '\r' && p + 1 < end && p[1] == '\n')
			p++;
		if (p < end)
			p++;
	}
}

/* The tree's arena: the kept lines of every file, in chunks freed at once
 * (a file's few lines would cost as much again in malloc's headers). */
#define CHUNK_SIZE (256u << 10)

struct sysctl_chunk {
	struct sysctl_chunk *next;
	size_t used, cap;
	char data[];
};

static char *arena_copy(struct sysctl_tree *t, const char *s, size_t n)
{
	struct sysctl_chunk *c = t->arena;
	char *out;

	if (!c || c->cap - c->used < n + 1) {
		size_t cap = n + 1 > CHUNK_SIZE / 4 ? n + 1 : CHUNK_SIZE - sizeof(*c);

		c = malloc(sizeof(*c) + cap);
		if (!c)
			return NULL;
		c->used = 0;
		c->cap = cap;
		if (cap != CHUNK_SIZE - sizeof(*c) && t->arena) {
			/* a large text gets a chunk of its own, behind the one
			 * being filled */
			c->next = t->arena->next;
			t->arena->next = c;
		} else {
			c->next = t->arena;
			t->arena = c;
		}
	}
	out = c->data + c->used;
	memcpy(out, s, n);
	out[n] = '\0';
	c->used += n + 1;
	return out;
}

/* What the reading is for, and its buffers. */
struct reader {
	struct sysctl_tree *t;
	struct keyset ks;
	sysctld_keep_fn *keep;
	void *keep_ctx;
	char *line, *out;
	size_t line_cap, out_cap;
	/* /etc/sysctl.conf, usually the file 99-sysctl.conf links to: the
	 * first file read that is it lends it its lines */
	bool conf_known;
	struct stat conf_st;
	struct sysctl_text *conf_src;
};

static bool reserve(char **buf, size_t *cap, size_t n)
{
	char *nb;

	if (n <= *cap)
		return true;
	nb = realloc(*buf, n);
	if (!nb)
		return false;
	*buf = nb;
	*cap = n;
	return true;
}

/* A file's text to the lines kept of it (struct sysctl_text), in the
 * tree's arena: the lines of no interest become empty lines, and those
 * after the last kept one go. A text the appliers split differently, or
 * read for every key, is kept as it is. */
static const char *reduce(struct reader *r, const char *text, size_t len, size_t *out_len)
{
	const char *p = text, *end = text + len;
	size_t o = 0, kept = 0;

	if (!r->ks.keys || memchr(text, '\r', len) || memchr(text, '\0', len))
		goto whole;
	if (!reserve(&r->out, &r->out_cap, len + 1))
		return NULL;
	while (p < end) {
		const char *eol = memchr(p, '\n', (size_t)(end - p));
		size_t n;

		if (!eol)
			eol = end;
		n = (size_t)(eol - p);
		if (n > SYSTEMD_LINE_MAX)
			goto whole;
		if (!reserve(&r->line, &r->line_cap, n + 1))
			return NULL;
		memcpy(r->line, p, n);
		r->line[n] = '\0';
		if (line_matters(&r->ks, r->line)) {
			memcpy(r->out + o, p, n);
			o += n;
			r->out[o++] = '\n';
			kept = o;
		} else {
			r->out[o++] = '\n';
		}
		p = eol + (eol < end);
	}
	*out_len = kept;
	return arena_copy(r->t, r->out, kept);
whole:
	*out_len = len;
	return arena_copy(r->t, text, len);
}

static int text_cmp(const void *a, const void *b)
{
	const struct sysctl_text *x = a, *y = b;
	int c = strcmp(x->name, y->name);

	return c ? c : (x->dir > y->dir) - (x->dir < y->dir);
}

static void text_free(struct sysctl_text *t)
{
	for (size_t i = 0; i < t->n_matches; i++)
		text_free(&t->matches[i]);
	free(t->matches);
	free(t->name);
	free(t->link);
	if (t->whole)
		free(t->whole->text);
	free(t->whole);
	memset(t, 0, sizeof(*t));
}

/* The sysctl.d directories both appliers read, by index (struct
 * sysctl_text.dir), /lib/sysctl.d last. */
static const char *const read_dirs[SYSCTLD_DIRS] = {
	"/etc/sysctl.d", "/run/sysctl.d", "/usr/local/lib/sysctl.d", "/usr/lib/sysctl.d", "/lib/sysctl.d",
};

static void path_of(unsigned dir, const char *name, char *buf, size_t size)
{
	if (dir >= SYSCTLD_DIRS)
		snprintf(buf, size, "%s", SYSCTL_CONF);
	else
		snprintf(buf, size, "%s/%s", read_dirs[dir], name);
}

void sysctld_text_path(const struct sysctl_text *x, char *buf, size_t size)
{
	path_of(x->dir, x->name, buf, size);
}

/* Reads one file, name in the directory dirfd (rdir on the target, every
 * link in it followed), once. Links lead where the appliers would go, and
 * never out of the root; the file is looked at (O_PATH) before it is
 * opened, so a device or a FIFO is never opened. Its lines are parsed as
 * it is read, and only those of interest kept (reduce()); its whole text
 * only when keep says so. */
static void read_text(struct reader *rd, struct host *h, struct sysctl_text *t, int dirfd, const char *rdir,
		      bool optional, bool top, struct diags *d)
{
	char resolved[PATH_MAX], plain[PATH_MAX], path[PATH_MAX];
	struct stat st;
	char *text = NULL;
	size_t len = 0;
	int fd;

	path_of(t->dir, t->name, path, sizeof(path));
	fd = host_openat_in(h, dirfd, rdir, t->name, O_PATH, 0, HOST_FOLLOW, resolved, sizeof(resolved), &st);
	snprintf(plain, sizeof(plain), "%s/%s", strcmp(rdir, "/") ? rdir : "", t->name);
	if (fd >= 0 || fd == -ENODEV) {
		t->is_link = strcmp(resolved, plain) != 0;
		if (strcmp(resolved, path) != 0)
			t->link = strdup(resolved);
	}
	if (fd == -ENODEV) {
		t->masked = true;
		return;
	}
	if (fd < 0) {
		t->err = fd;
		t->is_link = host_is_link(dirfd, t->name);
		if (!(optional && fd == -ENOENT))
			diag_warn(d, path, 0, 0, NULL, "cannot read: %s, ignoring", strerror(-fd));
		return;
	}
	fd = fd_reopen_checked(fd, &st, O_RDONLY);
	if (fd < 0) {
		t->err = fd;
		if (fd == -EINVAL)
			diag_warn(d, path, 0, 0, NULL, "not a regular file, ignoring");
		else
			diag_warn(d, path, 0, 0, NULL, "cannot read: %s, ignoring", strerror(-fd));
		return;
	}
	t->err = fd_read_sized(fd, &st, FILE_MAX, &text, &len);
	close(fd);
	if (t->err < 0) {
		diag_warn(d, path, 0, 0, NULL, "cannot read: %s, ignoring",
			  t->err == -EFBIG ? "larger than 16 MiB" : strerror(-t->err));
		return;
	}
	t->text = reduce(rd, text, len, &t->len);
	if (!t->text) {
		t->err = -ENOMEM;
		diag_warn(d, path, 0, 0, NULL, "cannot read: %s, ignoring", strerror(ENOMEM));
		free(text);
		return;
	}
	if (top && rd->conf_known && !rd->conf_src && st.st_dev == rd->conf_st.st_dev && st.st_ino == rd->conf_st.st_ino)
		rd->conf_src = t;
	if (top && t->dir == 0 && rd->keep && rd->keep(t->name, text, len, rd->keep_ctx)) {
		t->whole = malloc(sizeof(*t->whole));
		if (t->whole) {
			*t->whole = (struct sysctl_whole){ text, len, st.st_uid, st.st_nlink };
			return;
		}
		t->err = -ENOMEM;
		diag_warn(d, path, 0, 0, NULL, "cannot read: %s, ignoring", strerror(ENOMEM));
	}
	free(text);
}

/* procps passes each file's path through glob(3) (with braces; a pattern
 * that matches nothing is taken as it is): a file named "50-[ab].conf" is
 * not read, "50-a.conf" is read in its place. The pattern is matched in the
 * directory already open, through its descriptor's /proc/self/fd name, so
 * the match cannot be led elsewhere. */
static void read_matches(struct reader *rd, struct host *h, struct sysctl_text *t, int dirfd, const char *rdir,
			 struct diags *d)
{
	char prefix[64], pattern[64 + NAME_MAX + 1], path[PATH_MAX];
	size_t plen;
	glob_t g;

	path_of(t->dir, t->name, path, sizeof(path));
	/* braces multiply: a 255-byte name could expand to 2^50 names */
	{
		double names = 1;

		for (const char *p = t->name; *p; p++) {
			if (*p != '{')
				continue;
			names *= 1 + (double)strcspn(p, "}") / 2;
		}
		if (names > 64) {
			diag_warn(d, path, 0, 0, NULL,
				  "procps expands this name's braces to more names than fintune follows (64): what procps reads for it is not predicted");
			return;
		}
	}
	plen = (size_t)snprintf(prefix, sizeof(prefix), "/proc/self/fd/%d/", dirfd);
	snprintf(pattern, sizeof(pattern), "%s%s", prefix, t->name);
	if (glob(pattern, GLOB_NOCHECK | GLOB_BRACE, NULL, &g) != 0)
		return;
	t->matches = calloc(g.gl_pathc ? g.gl_pathc : 1, sizeof(*t->matches));
	for (size_t i = 0; t->matches && i < g.gl_pathc; i++) {
		struct sysctl_text *m = &t->matches[t->n_matches];
		const char *match = g.gl_pathv[i];
		char target[PATH_MAX];

		if (strcmp(match, pattern) == 0)
			match = t->name;	/* no match: the name as it is */
		else if (strncmp(match, prefix, plen) == 0 && !strchr(match + plen, '/'))
			match += plen;
		else
			continue;
		m->name = strdup(match);
		m->dir = t->dir;
		if (!m->name) {
			text_free(m);
			break;
		}
		t->n_matches++;
		path_of(m->dir, m->name, target, sizeof(target));
		if (strcmp(match, t->name) != 0)
			diag_warn(d, path, 0, 0, NULL, "procps reads the name as a pattern: it reads %s instead", target);
		read_text(rd, h, m, dirfd, rdir, true, false, NULL);
		/* procps gives up on the rest at the first it cannot open */
		if (m->err < 0)
			break;
	}
	globfree(&g);
}

int sysctld_read(struct sysctl_tree *t, struct host *h, const char *const *keys, sysctld_keep_fn *keep,
		 void *keep_ctx, struct diags *d)
{
	const char *const *dirs = read_dirs;
	char rdir[SYSCTLD_DIRS][PATH_MAX], etc[PATH_MAX];
	DIR *open_dirs[SYSCTLD_DIRS] = { NULL };
	size_t cap = 0, n_dirs = SYSCTLD_DIRS;
	struct stat usr_lib = { 0 };
	struct reader rd = { .t = t, .keep = keep, .keep_ctx = keep_ctx };
	int etc_fd, r = 0;

	memset(t, 0, sizeof(*t));
	keyset_init(&rd.ks, keys);
	/* procps also reads /lib/sysctl.d (the last), which is
	 * /usr/lib/sysctl.d on a merged /usr and then adds nothing */
	for (size_t i = 0; i < n_dirs && r == 0; i++) {
		int fd = host_openat(h, dirs[i], O_RDONLY | O_DIRECTORY, 0, HOST_FOLLOW, rdir[i], sizeof(rdir[i]));
		struct stat st;
		struct dirent *de;

		if (fd < 0) {
			if (fd != -ENOENT && fd != -ENOTDIR)
				diag_warn(d, dirs[i], 0, 0, NULL, "cannot read the directory: %s, ignoring", strerror(-fd));
			/* where fintune writes: a link that leads nowhere yet is
			 * still a link it would have to write through */
			if (i == 0) {
				int plain = host_openat(h, dirs[i], O_PATH | O_DIRECTORY, 0, HOST_NOLINKS, NULL, 0);

				t->dir_linked[i] = plain == -ELOOP;
				t->dir_not_dir = fd == -ENOTDIR;
				if (plain >= 0)
					close(plain);
			}
			continue;
		}
		if (fstat(fd, &st) == 0 && i == 3)
			usr_lib = st;
		if (i == n_dirs - 1 && usr_lib.st_ino && st.st_dev == usr_lib.st_dev && st.st_ino == usr_lib.st_ino) {
			close(fd);
			continue;
		}
		t->dir_linked[i] = strcmp(rdir[i], dirs[i]) != 0;
		open_dirs[i] = fdopendir(fd);
		if (!open_dirs[i]) {
			close(fd);
			continue;
		}
		while ((de = readdir(open_dirs[i]))) {
			struct sysctl_text *x;

			if (!has_conf_suffix(de->d_name))
				continue;
			if (t->n == cap) {
				size_t nc = cap ? cap * 2 : 64;
				struct sysctl_text *v = realloc(t->files, nc * sizeof(*v));

				if (!v) {
					r = -ENOMEM;
					break;
				}
				t->files = v;
				cap = nc;
			}
			x = &t->files[t->n];
			memset(x, 0, sizeof(*x));
			x->name = strdup(de->d_name);
			x->dir = (unsigned char)i;
			x->hidden = de->d_name[0] == '.';
			x->procps_dir = i == sysctld_n_dirs;
			if (!x->name) {
				r = -ENOMEM;
				break;
			}
			t->n++;
		}
	}
	if (r < 0)
		goto out;
	/* /etc/sysctl.conf, which procps applies last: usually the file
	 * 99-sysctl.conf links to, whose lines it then shares */
	etc_fd = host_openat(h, "/etc", O_PATH | O_DIRECTORY, 0, HOST_FOLLOW, etc, sizeof(etc));
	if (etc_fd >= 0) {
		char resolved[PATH_MAX];
		int f = host_openat_in(h, etc_fd, etc, "sysctl.conf", O_PATH, 0, HOST_FOLLOW, resolved, sizeof(resolved),
				       &rd.conf_st);

		rd.conf_known = f >= 0;
		if (f >= 0)
			close(f);
	}
	/* by name across the directories: sorted once, so that a name in an
	 * earlier directory masks the same name in later ones in linear time */
	if (t->n)
		qsort(t->files, t->n, sizeof(*t->files), text_cmp);
	for (size_t i = 0; i < t->n; i++) {
		struct sysctl_text *x = &t->files[i];

		x->first = i == 0 || strcmp(t->files[i - 1].name, x->name) != 0;
		if (!x->first)
			continue;	/* masked: no applier reads it */
		x->pattern = strpbrk(x->name, "*?[{\\") != NULL;
		/* hidden files and /lib/sysctl.d are procps's alone */
		read_text(&rd, h, x, dirfd(open_dirs[x->dir]), rdir[x->dir], false, true, d);
		if (x->pattern)
			read_matches(&rd, h, x, dirfd(open_dirs[x->dir]), rdir[x->dir], d);
	}
	t->conf.name = strdup("sysctl.conf");
	t->conf.dir = SYSCTLD_DIRS;
	if (!t->conf.name) {
		r = -ENOMEM;
	} else if (etc_fd < 0) {
		t->conf.err = etc_fd;
	} else if (rd.conf_src) {
		t->conf.text = rd.conf_src->text;	/* in the arena: shared */
		t->conf.len = rd.conf_src->len;
	} else {
		read_text(&rd, h, &t->conf, etc_fd, etc, true, false, d);
	}
	if (etc_fd >= 0)
		close(etc_fd);
out:
	for (size_t i = 0; i < SYSCTLD_DIRS; i++)
		if (open_dirs[i])
			closedir(open_dirs[i]);
	free(rd.line);
	free(rd.out);
	return r;
}

void sysctld_tree_free(struct sysctl_tree *t)
{
	for (size_t i = 0; i < t->n; i++)
		text_free(&t->files[i]);
	free(t->files);
	text_free(&t->conf);
	while (t->arena) {
		struct sysctl_chunk *next = t->arena->next;

		free(t->arena);
		t->arena = next;
	}
	memset(t, 0, sizeof(*t));
}

int sysctld_tree_add(struct sysctl_tree *t, unsigned dir, const char *name, const char *text, size_t len)
{
	struct sysctl_text *v, *x;

	if (dir >= sysctld_n_dirs)
		return -EINVAL;
	v = realloc(t->files, (t->n + 1) * sizeof(*v));
	if (!v)
		return -ENOMEM;
	t->files = v;
	x = &t->files[t->n];
	memset(x, 0, sizeof(*x));
	x->name = strdup(name);
	x->text = arena_copy(t, text, len);
	x->whole = malloc(sizeof(*x->whole));
	if (x->whole)
		*x->whole = (struct sysctl_whole){ malloc(len + 1), len, geteuid(), 1 };
	if (!x->name || !x->text || !x->whole || !x->whole->text) {
		text_free(x);
		return -ENOMEM;
	}
	memcpy(x->whole->text, text, len);
	x->whole->text[len] = '\0';
	x->len = len;
	x->dir = (unsigned char)dir;
	x->hidden = name[0] == '.';
	t->n++;
	qsort(t->files, t->n, sizeof(*t->files), text_cmp);
	for (size_t i = 0; i < t->n; i++)
		t->files[i].first = i == 0 || strcmp(t->files[i - 1].name, t->files[i].name) != 0;
	return 0;
}

int sysctld_build_probed(struct sysctl_config *c, const struct sysctl_tree *t, bool procps, const char *override_name,
			 const char *override_text, const char *const *keys, const struct sysctl_probe *probe,
			 struct diags *d)
{
	bool override_done = !override_name || !override_text;
	char override_path[PATH_MAX], path[PATH_MAX], link[PATH_MAX];
	struct loader l;

	memset(c, 0, sizeof(*c));
	c->procps = procps;
	loader_init(&l, c, d);
	keyset_init(&l.ks, keys);
	l.probe = probe;
	l.probed = procps && probe;
	if (l.probed && !grow_slots(&l))
		return -ENOMEM;
	if (override_name)
		snprintf(override_path, sizeof(override_path), "%s/%s", sysctld_dirs[0], override_name);
	for (size_t i = 0; i <= t->n; i++) {
		const struct sysctl_text *x = i < t->n ? &t->files[i] : NULL;

		/* fintune's own drop-in, as it would be written: it takes its
		 * name's place, masking that name in every directory */
		if (!override_done && (!x || strcmp(override_name, x->name) <= 0)) {
			begin_file(&l, override_name, override_path, NULL);
			parse_file(&l, override_text, strlen(override_text));
			end_file(&l);
			override_done = true;
			if (x && strcmp(override_name, x->name) == 0)
				continue;
		}
		if (!x)
			break;
		if (!x->first || (!procps && (x->hidden || x->procps_dir)) ||
		    (override_name && override_text && strcmp(override_name, x->name) == 0))
			continue;
		sysctld_text_path(x, path, sizeof(path));
		if (procps && x->pattern) {
			const char *shown = x->link;

			if (x->n_matches && strcmp(x->matches[0].name, x->name)) {
				sysctld_text_path(&x->matches[0], link, sizeof(link));
				shown = link;
			}
			begin_file(&l, x->name, path, shown);
			for (size_t m = 0; m < x->n_matches; m++)
				if (x->matches[m].text)
					parse_file(&l, x->matches[m].text, x->matches[m].len);
			end_file(&l);
			continue;
		}
		begin_file(&l, x->name, path, x->link);
		l.cur.masked = x->masked;
		if (x->text)
			parse_file(&l, x->text, x->len);
		end_file(&l);
	}
	if (procps) {
		begin_file(&l, "sysctl.conf", SYSCTL_CONF, NULL);
		l.cur.procps_only = true;
		if (t->conf.text)
			parse_file(&l, t->conf.text, t->conf.len);
		end_file(&l);
	}
	loader_done(&l);
	return 0;
}

int sysctld_build(struct sysctl_config *c, const struct sysctl_tree *t, bool procps, const char *override_name,
		  const char *override_text, const char *const *keys, struct diags *d)
{
	return sysctld_build_probed(c, t, procps, override_name, override_text, keys, NULL, d);
}

int sysctld_load(struct sysctl_config *c, const char *root, bool procps, const char *override_name,
		 const char *override_text, struct diags *d)
{
	struct sysctl_tree t;
	struct host h;
	int r;

	memset(c, 0, sizeof(*c));
	r = host_open(&h, root);
	if (r < 0)
		return r;
	r = sysctld_read(&t, &h, NULL, NULL, NULL, d);
	if (r == 0)
		r = sysctld_build(c, &t, procps, override_name, override_text, NULL, d);
	sysctld_tree_free(&t);
	host_close(&h);
	return r;
}

int sysctld_add_text(struct sysctl_config *c, const char *path, const char *text, size_t len,
		     struct diags *d)
{
	const char *slash = strrchr(path, '/');
	struct loader l;

	loader_init(&l, c, d);
	if (!c->procps && !grow_slots(&l))
		return -ENOMEM;
	begin_file(&l, slash ? slash + 1 : path, path, NULL);
	parse_file(&l, text, len);
	loader_done(&l);
	return 0;
}

void sysctld_free(struct sysctl_config *c)
{
	for (size_t i = 0; i < c->n_entries; i++) {
		entry_clear(&c->entries[i]);
		file_put(NULL, c->entries[i].file);
	}
	free(c->entries);
	memset(c, 0, sizeof(*c));
}

/* A glob key against a /proc/sys path, as glob(3) matches it: component by
 * component, so a bracket cannot hold a "/" (after normalisation, a "." in
 * "tcp_fin[._]timeout" is one) and then matches nothing. */
static bool glob_match(const char *pattern, const char *path)
{
	char pc[NAME_MAX + 1], tc[NAME_MAX + 1];

	for (;;) {
		size_t pn = strcspn(pattern, "/"), tn = strcspn(path, "/");

		if (pn > NAME_MAX || tn > NAME_MAX)
			return false;
		memcpy(pc, pattern, pn);
		pc[pn] = '\0';
		memcpy(tc, path, tn);
		tc[tn] = '\0';
		if (fnmatch(pc, tc, FNM_PERIOD) != 0)
			return false;
		pattern += pn;
		path += tn;
		if (!*pattern || !*path)
			return !*pattern && !*path;
		pattern++;
		path++;
	}
}

struct sysctl_setting sysctld_resolve(const struct sysctl_config *c, const char *key,
				      const struct sysctl_probe *probe)
{
	struct sysctl_setting s = { NULL };
	char *path = sysctl_normalize_key(key);
	bool excluded = false, exists;

	if (!path)
		return s;
	/* a key assigned, or excluded with "-key", anywhere keeps every glob
	 * away from it (both appliers look at all files first) */
	for (size_t i = 0; i < c->n_entries && !excluded; i++) {
		const struct sysctl_entry *e = &c->entries[i];

		excluded = !e->glob && strcmp(e->spelled ? e->spelled : e->key, path) == 0;
	}
	exists = !probe || !probe->exists || probe->exists(path, probe->ctx);
	if (!c->procps) {
		/* systemd keeps one entry per key, the last; if the kernel
		 * refuses it, the value stays as it was */
		if (excluded) {
			for (size_t i = 0; i < c->n_entries; i++) {
				const struct sysctl_entry *e = &c->entries[i];

				if (!e->glob && strcmp(e->key, path) == 0)
					s.entry = e->value && accepted(probe, path, e->value) ? e : NULL;
			}
			free(path);
			return s;
		}
	}
	/* every write in order (systemd: each glob pattern; procps: each
	 * line): the last one the kernel takes stays */
	for (size_t i = 0; i < c->n_entries; i++) {
		const struct sysctl_entry *e = &c->entries[i];

		if (!e->value)
			continue;
		if (e->glob ? excluded || !exists || !glob_match(e->key, path) : strcmp(e->key, path) != 0)
			continue;
		if (accepted(probe, path, e->value))
			s.entry = e;
	}
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
