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
/* The kernel's MAXSYMLINKS: more links in one path walk is ELOOP. */
#define MAX_HOPS 40

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

/*
 * Resolves an absolute path on the target below root, as the kernel would
 * with root as "/": each component looked at in turn, every symlink
 * followed (MAX_HOPS in all), ".." never above root. Nothing outside root
 * is looked at: each lstat is of a path whose directories are already
 * resolved. out: the path on the target, with no symlink in it. A link to
 * /dev/null resolves to "/dev/null" even in an image without one.
 */
static int chase(const char *root, const char *path, char *out, size_t size)
{
	char done[PATH_MAX] = "", todo[PATH_MAX], next[PATH_MAX], cand[PATH_MAX], host[2 * PATH_MAX], link[PATH_MAX];
	char *rest = todo;
	int hops = 0;

	if ((size_t)snprintf(todo, sizeof(todo), "%s", path) >= sizeof(todo))
		return -ENAMETOOLONG;
	for (;;) {
		struct stat st;
		const char *end;
		size_t n;
		ssize_t l;

		while (*rest == '/')
			rest++;
		if (!*rest)
			break;
		end = strchrnul(rest, '/');
		n = (size_t)(end - rest);
		if (n == 1 && rest[0] == '.') {
			rest += n;
			continue;
		}
		if (n == 2 && rest[0] == '.' && rest[1] == '.') {
			char *slash = strrchr(done, '/');

			if (slash)
				*slash = '\0';
			rest += n;
			continue;
		}
		if ((size_t)snprintf(cand, sizeof(cand), "%s/%.*s", done, (int)n, rest) >= sizeof(cand))
			return -ENAMETOOLONG;
		if (!*end && strcmp(cand, "/dev/null") == 0) {
			memcpy(done, cand, sizeof(done));
			break;
		}
		snprintf(host, sizeof(host), "%s%s", root, cand);
		if (lstat(host, &st) < 0)
			return -errno;
		if (S_ISLNK(st.st_mode)) {
			if (++hops > MAX_HOPS)
				return -ELOOP;
			l = readlink(host, link, sizeof(link) - 1);
			if (l < 0)
				return -errno;
			link[l] = '\0';
			if ((size_t)snprintf(next, sizeof(next), "%s%s", link, end) >= sizeof(next))
				return -ENAMETOOLONG;
			if (link[0] == '/')
				done[0] = '\0';
			memcpy(todo, next, sizeof(todo));
			rest = todo;
			continue;
		}
		if (*end && !S_ISDIR(st.st_mode))
			return -ENOTDIR;
		memcpy(done, cand, sizeof(done));
		rest = todo + (end - todo);
	}
	if ((size_t)snprintf(out, size, "%s", done[0] ? done : "/") >= size)
		return -ENAMETOOLONG;
	return 0;
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
};

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
	size_t n = l->n_slots ? l->n_slots * 2 : 64, live = 0;
	size_t *v;

	for (size_t i = 0; i < l->c->n_entries; i++)
		live += l->c->entries[i].key != NULL;
	while ((live + 1) * 2 > n)
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
static void loader_done(struct loader *l)
{
	size_t w = 0;

	for (size_t i = 0; i < l->c->n_entries; i++)
		if (l->c->entries[i].key)
			l->c->entries[w++] = l->c->entries[i];
	l->c->n_entries = w;
	free(l->slot);
	l->slot = NULL;
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
	char *k = strip(line), *eq;

	if (!*k || *k == '#' || *k == ';')
		return;
	eq = strchr(k, '=');
	if (!eq && *k != '-') {
		diag_warn(l->d, f->path, lineno, 0, NULL, "line is not an assignment, ignoring");
		return;
	}
	if (eq) {
		char *v = eq + 1;

		*eq = '\0';
		/* procps keeps a CR inside the value (and the kernel then
		 * refuses it) */
		e.value = strdup(strip(v));
		if (!e.value)
			return;
	}
	k = strip(k);
	if (*k == '-') {
		e.ignore_failure = true;
		k++;
		if (procps && (*k == ' ' || *k == '\t')) {
			/* procps keeps the blank in the key: that path does not exist */
			diag_warn(l->d, f->path, lineno, 0, NULL,
				  "procps reads the key with the blank after \"-\", which sets nothing: write \"-%s\"", strip(k));
			free(e.value);
			return;
		}
		k = strip(k);
	}
	e.key = normalize(k, procps);
	if (!e.key) {
		diag_warn(l->d, f->path, lineno, 0, NULL, "invalid key \"%s\", ignoring", k);
		free(e.value);
		return;
	}
	e.glob = strpbrk(e.key, "*?[") != NULL;
	/* procps keeps a glob away only from a key spelled as the glob's
	 * match: "/net/ipv4/x" sets net/ipv4/x but does not shut out
	 * "net.ipv4.?" */
	if (procps && !e.glob)
		e.spelled = swapped(k);
	if (!add_entry(l, &e)) {
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
		line = strndup(p, n);	/* a NUL in it ends it, as for procps */
		if (!line)
			return;
		parse_line(l, f, line, lineno);
		free(line);
		p = eol;
		if (p < end && !procps && *p == '\r' && p + 1 < end && p[1] == '\n')
			p++;
		if (p < end)
			p++;
	}
}

/* Adds a candidate name unless an earlier directory has it. */
static int add_candidate(struct candidate **cand, size_t *n, size_t *cap, const char *name, size_t dir)
{
	for (size_t k = 0; k < *n; k++)
		if (strcmp((*cand)[k].name, name) == 0)
			return 0;	/* masked by the same name in an earlier directory */
	if (*n == *cap) {
		size_t nc = *cap ? *cap * 2 : 32;
		struct candidate *v = realloc(*cand, nc * sizeof(*v));

		if (!v)
			return -ENOMEM;
		*cand = v;
		*cap = nc;
	}
	(*cand)[*n].name = strdup(name);
	if (!(*cand)[*n].name)
		return -ENOMEM;
	(*cand)[*n].dir = dir;
	(*n)++;
	return 0;
}

/* Reads the file at target (a path on the target system) into f's entries;
 * false when it cannot be opened. */
static bool load_file(struct loader *l, struct sysctl_file *f, const char *root, const char *target, bool optional)
{
	char resolved[PATH_MAX], host[2 * PATH_MAX], *text = NULL;
	const char *why;
	size_t len = 0;
	int r;

	r = chase(root, target, resolved, sizeof(resolved));
	if (r == 0 && strcmp(resolved, target) != 0 && !f->link)
		f->link = strdup(resolved);
	if (r == 0 && strcmp(resolved, "/dev/null") == 0) {
		f->masked = true;
		return true;
	}
	if (r < 0) {
		if (!(optional && r == -ENOENT))
			diag_warn(l->d, target, 0, 0, NULL, "cannot resolve the file: %s, ignoring", strerror(-r));
		return false;
	}
	snprintf(host, sizeof(host), "%s%s", root, resolved);
	r = read_file_limited(host, FILE_MAX, &text, &len, &why);
	if (r < 0) {
		if (!(optional && r == -ENOENT))
			diag_warn(l->d, target, 0, 0, NULL, "cannot read: %s, ignoring",
				  r == -EFBIG ? "larger than 16 MiB" : why ? why : strerror(-r));
		return false;
	}
	parse_file(l, f, text, len);
	free(text);
	return true;
}

/* procps passes each file's path through glob(3) (with braces; a pattern
 * that matches nothing is taken as it is): a file named "50-[ab].conf" is
 * not read, "50-a.conf" is read in its place. */
static void procps_glob(struct loader *l, struct sysctl_file *f, const char *root, const char *resolved_dir,
			const char *dir, const char *name)
{
	char pattern[4 * PATH_MAX], *w = pattern, prefix[2 * PATH_MAX];
	size_t plen;
	glob_t g;

	/* the root and the directory are not patterns: escape them */
	snprintf(prefix, sizeof(prefix), "%s%s/", root, resolved_dir);
	plen = strlen(prefix);
	for (const char *p = prefix; *p && w < pattern + sizeof(pattern) - 2 * NAME_MAX - 4; p++) {
		if (strchr("*?[]{}\\", *p))
			*w++ = '\\';
		*w++ = *p;
	}
	snprintf(w, sizeof(pattern) - (size_t)(w - pattern), "%s", name);
	if (glob(pattern, GLOB_NOCHECK | GLOB_BRACE, NULL, &g) != 0)
		return;
	for (size_t i = 0; i < g.gl_pathc; i++) {
		char target[PATH_MAX];
		const char *match = g.gl_pathv[i];

		if (strcmp(match, pattern) == 0)
			match = name;	/* no match: the name as it is */
		else if (strncmp(match, prefix, plen) == 0 && !strchr(match + plen, '/'))
			match += plen;
		else
			continue;
		snprintf(target, sizeof(target), "%s/%s", dir, match);
		if (strcmp(match, name) != 0) {
			diag_warn(l->d, f->path, 0, 0, NULL,
				  "procps reads the name as a pattern: it reads %s instead", target);
			if (!f->link)
				f->link = strdup(target);
		}
		/* procps gives up on the rest at the first it cannot open */
		if (!load_file(l, f, root, target, true))
			break;
	}
	globfree(&g);
}

/* The directory at dir on the target, opened below root. */
static DIR *open_dir(const char *root, const char *dir, char *resolved, size_t size, struct diags *d)
{
	char host[2 * PATH_MAX];
	DIR *h;
	int r = chase(root, dir, resolved, size);

	if (r < 0) {
		if (r != -ENOENT && r != -ENOTDIR)
			diag_warn(d, dir, 0, 0, NULL, "cannot read the directory: %s, ignoring", strerror(-r));
		return NULL;
	}
	snprintf(host, sizeof(host), "%s%s", root, resolved);
	h = opendir(host);
	if (!h && errno != ENOENT && errno != ENOTDIR)
		diag_warn(d, dir, 0, 0, NULL, "cannot read the directory: %s, ignoring", strerror(errno));
	return h;
}

int sysctld_load(struct sysctl_config *c, const char *root, bool procps, const char *override_name,
		 const char *override_text, struct diags *d)
{
	struct candidate *cand = NULL;
	size_t n_cand = 0, cap_cand = 0;
	const char *dirs[6];
	char resolved[6][PATH_MAX];
	size_t n_dirs = 0;
	struct loader l;
	int r = 0;

	memset(c, 0, sizeof(*c));
	c->procps = procps;
	loader_init(&l, c, d);
	for (size_t i = 0; i < sysctld_n_dirs; i++)
		dirs[n_dirs++] = sysctld_dirs[i];
	if (procps) {
		/* procps also reads /lib/sysctl.d, which is /usr/lib/sysctl.d on a
		 * merged /usr and then adds nothing */
		char a[PATH_MAX], b[PATH_MAX];

		if (chase(root, "/lib/sysctl.d", a, sizeof(a)) == 0 &&
		    (chase(root, "/usr/lib/sysctl.d", b, sizeof(b)) < 0 || strcmp(a, b) != 0))
			dirs[n_dirs++] = "/lib/sysctl.d";
	}
	/* fintune's own drop-in, as it would be written, first: it masks the
	 * file of that name on disk and in the later directories */
	if (override_name && override_text)
		r = add_candidate(&cand, &n_cand, &cap_cand, override_name, 0);
	for (size_t i = 0; i < n_dirs && r == 0; i++) {
		struct dirent *de;
		DIR *dir = open_dir(root, dirs[i], resolved[i], sizeof(resolved[i]), d);

		if (!dir)
			continue;
		while (r == 0 && (de = readdir(dir))) {
			/* systemd skips hidden files; procps reads them too, and a
			 * file named just ".conf" */
			if ((!procps && de->d_name[0] == '.') || !has_conf_suffix(de->d_name))
				continue;
			if (i == 0 && override_name && !override_text && strcmp(de->d_name, override_name) == 0)
				continue;	/* as if absent */
			r = add_candidate(&cand, &n_cand, &cap_cand, de->d_name, i);
		}
		closedir(dir);
	}
	if (r < 0)
		goto out;
	if (n_cand)
		qsort(cand, n_cand, sizeof(*cand), candidate_cmp);
	c->files = calloc(n_cand + 1, sizeof(*c->files));
	if (!c->files) {
		r = -ENOMEM;
		goto out;
	}
	for (size_t k = 0; k <= n_cand; k++) {
		struct sysctl_file *f = &c->files[c->n_files];
		char target[PATH_MAX];

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
		if (k < n_cand && cand[k].dir == 0 && override_name && override_text &&
		    !strcmp(cand[k].name, override_name))
			parse_file(&l, f, override_text, strlen(override_text));
		else if (procps && k < n_cand && strpbrk(cand[k].name, "*?[{\\"))
			procps_glob(&l, f, root, resolved[cand[k].dir], dirs[cand[k].dir], cand[k].name);
		else
			load_file(&l, f, root, target, k == n_cand);
	}
out:
	loader_done(&l);
	for (size_t k = 0; k < n_cand; k++)
		free(cand[k].name);
	free(cand);
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
