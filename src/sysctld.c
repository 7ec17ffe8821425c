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

/*
 * Reading one configuration: systemd keeps one entry per key (an ordered
 * map: the same value again keeps its place, another value replaces it and
 * moves it to the end), found through a hash of the keys so that a large
 * file costs linear time; a replaced entry is left dead (key NULL) until
 * compact(). procps writes every assignment: all are kept, in order.
 */
struct loader {
	struct sysctl_config *c;
	size_t cap;
	unsigned order;
	size_t *slot;		/* entry index + 1; 0 is empty */
	size_t n_slots, used;
	struct diags *d;
	/* keys of interest (normalised), or NULL for all: what is never
	 * resolved is not kept */
	const char *const *keys;
	const char *leaf[16];	/* their last components */
	size_t leaf_len[16], n_leaves;
	char *line;		/* one buffer for every line */
	size_t dead;		/* replaced entries not yet compacted */
	size_t line_cap;
};

/* Whether a key may be one of interest, before normalising it: its last
 * word (the text after the last "." or "/", trailing ones skipped) must be
 * the last component of one of them, since normalising only swaps and drops
 * separators. A glob may match anything. */
static bool maybe_wanted(const struct loader *l, const char *raw)
{
	const char *end = raw + strlen(raw), *start;
	size_t n;

	if (!l->keys || !l->n_leaves || strpbrk(raw, "*?["))
		return true;
	while (end > raw && (end[-1] == '.' || end[-1] == '/'))
		end--;
	for (start = end; start > raw && start[-1] != '.' && start[-1] != '/'; start--)
		;
	n = (size_t)(end - start);
	for (size_t i = 0; i < l->n_leaves; i++)
		if (l->leaf_len[i] == n && memcmp(l->leaf[i], start, n) == 0)
			return true;
	return false;
}

static bool wanted(const struct loader *l, const char *key)
{
	if (!l->keys)
		return true;
	for (const char *const *k = l->keys; *k; k++)
		if (strcmp(*k, key) == 0)
			return true;
	return false;
}

static size_t key_hash(const char *s)
{
	size_t h = 14695981039346656037u;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211u;
	return h;
}

static size_t *find_slot(struct loader *l, const char *key)
{
	size_t i = key_hash(key) & (l->n_slots - 1);

	while (l->slot[i] && strcmp(l->c->entries[l->slot[i] - 1].key, key) != 0)
		i = (i + 1) & (l->n_slots - 1);
	return &l->slot[i];
}

static bool grow_slots(struct loader *l)
{
	size_t n = 64, live = 0;
	size_t *v;

	/* sized for the live entries and the next one, at most half full:
	 * a rehash after compacting shrinks the table as well as it grows it */
	for (size_t i = 0; i < l->c->n_entries; i++)
		live += l->c->entries[i].key != NULL;
	while ((live + 2) * 2 > n)
		n *= 2;
	v = calloc(n, sizeof(*v));
	if (!v)
		return false;
	free(l->slot);
	l->slot = v;
	l->n_slots = n;
	l->used = 0;
	for (size_t i = 0; i < l->c->n_entries; i++) {
		if (!l->c->entries[i].key)
			continue;
		*find_slot(l, l->c->entries[i].key) = i + 1;
		l->used++;
	}
	return true;
}

static void loader_init(struct loader *l, struct sysctl_config *c, struct diags *d)
{
	memset(l, 0, sizeof(*l));
	l->c = c;
	l->d = d;
	l->cap = c->n_entries;
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
	compact(l);
	free(l->slot);
	l->slot = NULL;
	free(l->line);
	l->line = NULL;
	l->line_cap = 0;
}

static bool add_entry(struct loader *l, struct sysctl_entry *e)
{
	struct sysctl_config *c = l->c;
	size_t *slot = NULL;

	if (!c->procps) {
		if ((l->used + 1) * 2 > l->n_slots && !grow_slots(l))
			return false;
		slot = find_slot(l, e->key);
		if (*slot) {
			struct sysctl_entry *old = &c->entries[*slot - 1];

			if ((!old->value && !e->value) || (old->value && e->value && !strcmp(old->value, e->value))) {
				old->ignore_failure |= e->ignore_failure;
				free(e->key);
				free(e->value);
				return true;
			}
			free(old->key);
			free(old->value);
			old->key = old->value = NULL;
			/* a key assigned over and over: the dead entries go
			 * before they outgrow the live ones */
			if (++l->dead > 1024 && l->dead > c->n_entries / 2) {
				compact(l);
				if (!grow_slots(l))
					return false;
				slot = find_slot(l, e->key);
				l->used++;	/* the key's entry is gone: a new slot */
			}
		} else {
			l->used++;
		}
	}
	if (c->n_entries == l->cap) {
		size_t n = l->cap ? l->cap * 2 : 32;
		struct sysctl_entry *v = realloc(c->entries, n * sizeof(*v));

		if (!v)
			return false;
		c->entries = v;
		l->cap = n;
	}
	e->order = l->order++;
	c->entries[c->n_entries++] = *e;
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
static void parse_line(struct loader *l, const struct sysctl_file *f, char *line, unsigned lineno)
{
	bool procps = l->c->procps;
	struct sysctl_entry e = { .file = f, .line = lineno };
	char *k = strip(line), *eq, *val = NULL;

	if (!*k || *k == '#' || *k == ';')
		return;
	eq = strchr(k, '=');
	if (!eq && *k != '-') {
		diag_warn(l->d, f->path, lineno, 0, NULL, "line is not an assignment, ignoring");
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
			diag_warn(l->d, f->path, lineno, 0, NULL,
				  "procps reads the key with the blank after \"-\", which sets nothing: write \"-%s\"", strip(k));
			return;
		}
		k = strip(k);
	}
	/* without diagnostics to give, a key of no interest is not even
	 * normalised */
	if (!l->d && !maybe_wanted(l, k))
		return;
	e.key = normalize(k, procps);
	if (!e.key) {
		diag_warn(l->d, f->path, lineno, 0, NULL, "invalid key \"%s\", ignoring", k);
		return;
	}
	e.glob = strpbrk(e.key, "*?[") != NULL;
	if (!e.glob && !wanted(l, e.key)) {
		free(e.key);
		return;
	}
	/* procps keeps a glob away only from a key spelled as the glob's
	 * match: "/net/ipv4/x" sets net/ipv4/x but does not shut out
	 * "net.ipv4.?" */
	if (procps && !e.glob)
		e.spelled = swapped(k);
	if (val)
		e.value = strdup(val);
	if ((val && !e.value) || !add_entry(l, &e)) {
		free(e.key);
		free(e.spelled);
		free(e.value);
	}
}

/* A file's lines. systemd ends a line at LF, CR, CRLF or NUL, and stops
 * reading the file at a line longer than SYSTEMD_LINE_MAX; procps ends a
 * line at LF only, and a NUL ends what it sees of the line. */
static void parse_file(struct loader *l, const struct sysctl_file *f, const char *text, size_t len)
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
			diag_warn(l->d, f->path, lineno, 0, NULL,
				  "line longer than 1 MiB: systemd-sysctl stops reading the file here");
			return;
		}
		if (n + 1 > l->line_cap) {
			char *nb = realloc(l->line, n + 1);

			if (!nb)
				return;
			l->line = nb;
			l->line_cap = n + 1;
		}
		line = l->line;
		memcpy(line, p, n);	/* a NUL in it ends it, as for procps */
		line[n] = '\0';
		parse_line(l, f, line, lineno);
		p = eol;
		if (p < end && !procps && *p == '\r' && p + 1 < end && p[1] == '\n')
			p++;
		if (p < end)
			p++;
	}
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
	free(t->path);
	free(t->link);
	if (!t->borrowed)
		free(t->text);
	memset(t, 0, sizeof(*t));
}

/* Reads one file, name in the directory dirfd (rdir on the target, every
 * link in it followed), once. Links lead where the appliers would go, and
 * never out of the root; the file is looked at (O_PATH) before it is
 * opened, so a device or a FIFO is never opened. */
static void read_text(struct host *h, struct sysctl_text *t, int dirfd, const char *rdir, bool optional,
		      struct diags *d)
{
	char resolved[PATH_MAX], plain[PATH_MAX];
	int fd;

	fd = host_openat_in(h, dirfd, rdir, t->name, O_PATH, 0, HOST_FOLLOW, resolved, sizeof(resolved), &t->st);
	snprintf(plain, sizeof(plain), "%s/%s", strcmp(rdir, "/") ? rdir : "", t->name);
	if (fd >= 0 || fd == -ENODEV) {
		t->is_link = strcmp(resolved, plain) != 0;
		if (strcmp(resolved, t->path) != 0)
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
			diag_warn(d, t->path, 0, 0, NULL, "cannot read: %s, ignoring", strerror(-fd));
		return;
	}
	fd = fd_reopen_checked(fd, &t->st, O_RDONLY);
	if (fd < 0) {
		t->err = fd;
		if (fd == -EINVAL)
			diag_warn(d, t->path, 0, 0, NULL, "not a regular file, ignoring");
		else
			diag_warn(d, t->path, 0, 0, NULL, "cannot read: %s, ignoring", strerror(-fd));
		return;
	}
	t->err = fd_read_sized(fd, &t->st, FILE_MAX, &t->text, &t->len);
	if (t->err < 0)
		diag_warn(d, t->path, 0, 0, NULL, "cannot read: %s, ignoring",
			  t->err == -EFBIG ? "larger than 16 MiB" : strerror(-t->err));
	close(fd);
}

/* procps passes each file's path through glob(3) (with braces; a pattern
 * that matches nothing is taken as it is): a file named "50-[ab].conf" is
 * not read, "50-a.conf" is read in its place. The pattern is matched in the
 * directory already open, through its descriptor's /proc/self/fd name, so
 * the match cannot be led elsewhere. */
static void read_matches(struct host *h, struct sysctl_text *t, int dirfd, const char *dir, const char *rdir,
			 struct diags *d)
{
	char prefix[64], pattern[64 + NAME_MAX + 1];
	size_t plen;
	glob_t g;

	/* braces multiply: a 255-byte name could expand to 2^50 names */
	{
		double names = 1;

		for (const char *p = t->name; *p; p++) {
			if (*p != '{')
				continue;
			names *= 1 + (double)strcspn(p, "}") / 2;
		}
		if (names > 64) {
			diag_warn(d, t->path, 0, 0, NULL,
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
		snprintf(target, sizeof(target), "%s/%s", dir, match);
		m->name = strdup(match);
		m->path = strdup(target);
		m->dir = t->dir;
		if (!m->name || !m->path) {
			text_free(m);
			break;
		}
		t->n_matches++;
		if (strcmp(match, t->name) != 0)
			diag_warn(d, t->path, 0, 0, NULL, "procps reads the name as a pattern: it reads %s instead",
				  target);
		read_text(h, m, dirfd, rdir, true, NULL);
		/* procps gives up on the rest at the first it cannot open */
		if (m->err < 0)
			break;
	}
	globfree(&g);
}

int sysctld_read(struct sysctl_tree *t, struct host *h, struct diags *d)
{
	const char *dirs[SYSCTLD_DIRS];
	char rdir[SYSCTLD_DIRS][PATH_MAX];
	DIR *open_dirs[SYSCTLD_DIRS] = { NULL };
	size_t cap = 0, n_dirs = 0;
	struct stat usr_lib = { 0 };
	int r = 0;

	memset(t, 0, sizeof(*t));
	for (size_t i = 0; i < sysctld_n_dirs; i++)
		dirs[n_dirs++] = sysctld_dirs[i];
	/* procps also reads /lib/sysctl.d, which is /usr/lib/sysctl.d on a
	 * merged /usr and then adds nothing */
	dirs[n_dirs++] = "/lib/sysctl.d";
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
			x->dir = (unsigned)i;
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
	/* by name across the directories: sorted once, so that a name in an
	 * earlier directory masks the same name in later ones in linear time */
	if (t->n)
		qsort(t->files, t->n, sizeof(*t->files), text_cmp);
	for (size_t i = 0; i < t->n; i++) {
		struct sysctl_text *x = &t->files[i];
		size_t dl = strlen(dirs[x->dir]), nl = strlen(x->name);

		x->first = i == 0 || strcmp(t->files[i - 1].name, x->name) != 0;
		x->path = malloc(dl + nl + 2);
		if (!x->path) {
			r = -ENOMEM;
			goto out;
		}
		memcpy(x->path, dirs[x->dir], dl);
		x->path[dl] = '/';
		memcpy(x->path + dl + 1, x->name, nl + 1);
		if (!x->first)
			continue;	/* masked: no applier reads it */
		x->pattern = strpbrk(x->name, "*?[{\\") != NULL;
		/* hidden files and /lib/sysctl.d are procps's alone */
		read_text(h, x, dirfd(open_dirs[x->dir]), rdir[x->dir], false, d);
		if (x->pattern)
			read_matches(h, x, dirfd(open_dirs[x->dir]), dirs[x->dir], rdir[x->dir], d);
	}
	/* /etc/sysctl.conf, which procps applies last: usually the file
	 * 99-sysctl.conf links to, read already */
	t->conf.name = strdup("sysctl.conf");
	t->conf.path = strdup(SYSCTL_CONF);
	t->conf.dir = SYSCTLD_DIRS;
	if (!t->conf.name || !t->conf.path) {
		r = -ENOMEM;
		goto out;
	}
	{
		int fd = host_openat(h, "/etc", O_PATH | O_DIRECTORY, 0, HOST_FOLLOW, rdir[0], sizeof(rdir[0]));

		if (fd >= 0) {
			char resolved[PATH_MAX];
			struct stat st;
			int f = host_openat_in(h, fd, rdir[0], "sysctl.conf", O_PATH, 0, HOST_FOLLOW, resolved,
					       sizeof(resolved), &st);

			if (f >= 0) {
				for (size_t i = 0; i < t->n; i++) {
					const struct sysctl_text *x = &t->files[i];

					if (x->text && x->st.st_dev == st.st_dev && x->st.st_ino == st.st_ino) {
						t->conf.text = x->text;
						t->conf.len = x->len;
						t->conf.st = x->st;
						t->conf.borrowed = true;
						break;
					}
				}
			}
			if (f >= 0)
				close(f);
			if (!t->conf.borrowed)
				read_text(h, &t->conf, fd, rdir[0], true, d);
			close(fd);
		} else {
			t->conf.err = fd;
		}
	}
out:
	for (size_t i = 0; i < SYSCTLD_DIRS; i++)
		if (open_dirs[i])
			closedir(open_dirs[i]);
	return r;
}

void sysctld_tree_free(struct sysctl_tree *t)
{
	for (size_t i = 0; i < t->n; i++)
		text_free(&t->files[i]);
	free(t->files);
	text_free(&t->conf);
	memset(t, 0, sizeof(*t));
}

int sysctld_tree_add(struct sysctl_tree *t, unsigned dir, const char *name, const char *text, size_t len)
{
	struct sysctl_text *v = realloc(t->files, (t->n + 1) * sizeof(*v)), *x;
	size_t dl;

	if (!v || dir >= sysctld_n_dirs)
		return v ? -EINVAL : -ENOMEM;
	t->files = v;
	x = &t->files[t->n];
	memset(x, 0, sizeof(*x));
	dl = strlen(sysctld_dirs[dir]);
	x->name = strdup(name);
	x->path = malloc(dl + strlen(name) + 2);
	x->text = malloc(len + 1);
	if (!x->name || !x->path || !x->text) {
		text_free(x);
		return -ENOMEM;
	}
	sprintf(x->path, "%s/%s", sysctld_dirs[dir], name);
	memcpy(x->text, text, len);
	x->text[len] = '\0';
	x->len = len;
	x->dir = dir;
	x->hidden = name[0] == '.';
	x->st.st_mode = S_IFREG | 0644;
	x->st.st_uid = geteuid();
	x->st.st_nlink = 1;
	t->n++;
	qsort(t->files, t->n, sizeof(*t->files), text_cmp);
	for (size_t i = 0; i < t->n; i++)
		t->files[i].first = i == 0 || strcmp(t->files[i - 1].name, t->files[i].name) != 0;
	return 0;
}

/* A file of the configuration, as the appliers will name it. */
static struct sysctl_file *add_file(struct sysctl_config *c, const char *name, const char *path, const char *link)
{
	struct sysctl_file *f = &c->files[c->n_files++];

	f->name = strdup(name);
	f->path = strdup(path);
	f->link = link ? strdup(link) : NULL;
	return f;
}

int sysctld_build(struct sysctl_config *c, const struct sysctl_tree *t, bool procps, const char *override_name,
		  const char *override_text, const char *const *keys, struct diags *d)
{
	bool override_done = !override_name || !override_text;
	char override_path[PATH_MAX];
	struct loader l;
	struct sysctl_file *f;

	memset(c, 0, sizeof(*c));
	c->procps = procps;
	c->files = calloc(t->n + 2, sizeof(*c->files));
	if (!c->files)
		return -ENOMEM;
	loader_init(&l, c, d);
	l.keys = keys;
	for (const char *const *k = keys; k && *k; k++) {
		const char *slash = strrchr(*k, '/');

		if (l.n_leaves == ARRAY_SIZE(l.leaf)) {
			l.n_leaves = 0;	/* too many to test this way: every line is normalised */
			break;
		}
		l.leaf[l.n_leaves] = slash ? slash + 1 : *k;
		l.leaf_len[l.n_leaves] = strlen(l.leaf[l.n_leaves]);
		l.n_leaves++;
	}
	if (override_name)
		snprintf(override_path, sizeof(override_path), "%s/%s", sysctld_dirs[0], override_name);
	for (size_t i = 0; i <= t->n; i++) {
		const struct sysctl_text *x = i < t->n ? &t->files[i] : NULL;

		/* fintune's own drop-in, as it would be written: it takes its
		 * name's place, masking that name in every directory */
		if (!override_done && (!x || strcmp(override_name, x->name) <= 0)) {
			f = add_file(c, override_name, override_path, NULL);
			parse_file(&l, f, override_text, strlen(override_text));
			override_done = true;
			if (x && strcmp(override_name, x->name) == 0)
				continue;
		}
		if (!x)
			break;
		if (!x->first || (!procps && (x->hidden || x->procps_dir)) ||
		    (override_name && override_text && strcmp(override_name, x->name) == 0))
			continue;
		if (procps && x->pattern) {
			f = add_file(c, x->name, x->path, x->n_matches && x->matches[0].path &&
						     strcmp(x->matches[0].name, x->name) ? x->matches[0].path : x->link);
			for (size_t m = 0; m < x->n_matches; m++)
				if (x->matches[m].text)
					parse_file(&l, f, x->matches[m].text, x->matches[m].len);
			continue;
		}
		f = add_file(c, x->name, x->path, x->link);
		f->masked = x->masked;
		if (x->text)
			parse_file(&l, f, x->text, x->len);
	}
	if (procps) {
		f = add_file(c, "sysctl.conf", SYSCTL_CONF, NULL);
		f->procps_only = true;
		if (t->conf.text)
			parse_file(&l, f, t->conf.text, t->conf.len);
	}
	loader_done(&l);
	return 0;
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
	r = sysctld_read(&t, &h, d);
	if (r == 0)
		r = sysctld_build(c, &t, procps, override_name, override_text, NULL, d);
	sysctld_tree_free(&t);
	host_close(&h);
	return r;
}

int sysctld_add_text(struct sysctl_config *c, const char *path, const char *text, size_t len,
		     struct diags *d)
{
	size_t *idx = NULL;
	const char *slash = strrchr(path, '/');
	struct sysctl_file *files;
	struct loader l;

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
	for (size_t i = 0; i < c->n_entries; i++)
		c->entries[i].file = &c->files[idx[i]];
	free(idx);
	memset(&c->files[c->n_files], 0, sizeof(*c->files));
	c->files[c->n_files].path = strdup(path);
	c->files[c->n_files].name = strdup(slash ? slash + 1 : path);
	c->n_files++;
	if (!c->files[c->n_files - 1].path || !c->files[c->n_files - 1].name)
		return -ENOMEM;
	loader_init(&l, c, d);
	if (!c->procps && !grow_slots(&l))
		return -ENOMEM;
	parse_file(&l, &c->files[c->n_files - 1], text, len);
	loader_done(&l);
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
		free(c->entries[i].spelled);
		free(c->entries[i].value);
	}
	free(c->files);
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

static bool accepted(const struct sysctl_probe *probe, const char *path, const char *value)
{
	return !probe || !probe->accepts || probe->accepts(path, value, probe->ctx);
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
