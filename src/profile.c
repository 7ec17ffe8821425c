// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Profiles: find one by name or path, follow its extends chain, validate each
 * file against the profile schema, and decode the workload (defaults from the
 * schema) and the pins, each value remembering the file:line:col it came from.
 */
#include "profile.h"
#include "builtin.h"
#include "host.h"
#include "load.h"
#include "trust.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#ifndef FINTUNE_SYSCONFDIR
#define FINTUNE_SYSCONFDIR "/etc"
#endif

enum ftype { F_RATE, F_COUNT, F_PERCENT, F_SECONDS, F_BOOL, F_CLOSER, F_HALF_SIDE };

/* How each workload field is found in a profile and in the schema. */
static const struct field {
	const char *name;	/* as written in messages and rationales */
	const char *group;	/* key under workload:, NULL for a direct field */
	const char *key;
	enum ftype type;
} fields[WF_COUNT] = {
	[WF_IN_CLOSE_RATE] = { "inbound.close_rate", "inbound", "close_rate", F_RATE },
	[WF_IN_CLOSES_FIRST] = { "inbound.closes_first", "inbound", "closes_first", F_CLOSER },
	[WF_IN_BEHIND_NAT] = { "inbound.clients_behind_nat", "inbound", "clients_behind_nat", F_BOOL },
	[WF_IN_UNRESPONSIVE] = { "inbound.unresponsive_percent", "inbound", "unresponsive_percent", F_PERCENT },
	[WF_IN_STAYS_OPEN] = { "inbound.stays_open_percent", "inbound", "stays_open_percent", F_PERCENT },
	[WF_IN_CLIENTS] = { "inbound.client_addresses", "inbound", "client_addresses", F_COUNT },
	[WF_OUT_CONNECT_RATE] = { "outbound.connect_rate", "outbound", "connect_rate", F_RATE },
	[WF_OUT_DESTINATIONS] = { "outbound.destinations", "outbound", "destinations", F_COUNT },
	[WF_OUT_SOURCES] = { "outbound.source_addresses", "outbound", "source_addresses", F_COUNT },
	[WF_OUT_CLOSES_FIRST] = { "outbound.closes_first", "outbound", "closes_first", F_CLOSER },
	[WF_OUT_LOOPBACK] = { "outbound.loopback", "outbound", "loopback", F_BOOL },
	[WF_OUT_UNRESPONSIVE] = { "outbound.unresponsive_percent", "outbound", "unresponsive_percent", F_PERCENT },
	[WF_OUT_STAYS_OPEN] = { "outbound.stays_open_percent", "outbound", "stays_open_percent", F_PERCENT },
	[WF_HALF_SIDE] = { "half_close.side", "half_close", "side", F_HALF_SIDE },
	[WF_HALF_SECONDS] = { "half_close.seconds", "half_close", "seconds", F_SECONDS },
	[WF_HALF_CONCURRENT] = { "half_close.concurrent", "half_close", "concurrent", F_COUNT },
	[WF_RTT_MS] = { "rtt_ms", NULL, "rtt_ms", F_SECONDS },
	[WF_MEMORY_BUDGET] = { "memory_budget_mib", NULL, "memory_budget_mib", F_COUNT },
};

const char *workload_field_name(enum workload_field f)
{
	return f < WF_COUNT ? fields[f].name : "?";
}

void workload_field_text(const struct workload *w, enum workload_field f, char *buf, size_t size)
{
	static const char *const closers[] = { "us", "peer", "either" };

	switch (f) {
	case WF_IN_CLOSE_RATE: snprintf(buf, size, "%llu", (unsigned long long)w->in.close_rate); break;
	case WF_IN_CLOSES_FIRST: snprintf(buf, size, "%s", closers[w->in.closes_first]); break;
	case WF_IN_BEHIND_NAT: snprintf(buf, size, "%s", w->in.behind_nat ? "true" : "false"); break;
	case WF_IN_UNRESPONSIVE: snprintf(buf, size, "%g", w->in.unresponsive_pct); break;
	case WF_IN_STAYS_OPEN: snprintf(buf, size, "%g", w->in.stays_open_pct); break;
	case WF_IN_CLIENTS: snprintf(buf, size, "%llu", (unsigned long long)w->in.client_addresses); break;
	case WF_OUT_CONNECT_RATE: snprintf(buf, size, "%llu", (unsigned long long)w->out.connect_rate); break;
	case WF_OUT_DESTINATIONS: snprintf(buf, size, "%llu", (unsigned long long)w->out.destinations); break;
	case WF_OUT_SOURCES: snprintf(buf, size, "%llu", (unsigned long long)w->out.source_addresses); break;
	case WF_OUT_CLOSES_FIRST: snprintf(buf, size, "%s", closers[w->out.closes_first]); break;
	case WF_OUT_LOOPBACK: snprintf(buf, size, "%s", w->out.loopback ? "true" : "false"); break;
	case WF_OUT_UNRESPONSIVE: snprintf(buf, size, "%g", w->out.unresponsive_pct); break;
	case WF_OUT_STAYS_OPEN: snprintf(buf, size, "%g", w->out.stays_open_pct); break;
	case WF_HALF_SIDE: snprintf(buf, size, "%s", w->half.side == HALF_US ? "us" : "peer"); break;
	case WF_HALF_SECONDS: snprintf(buf, size, "%g", w->half.seconds); break;
	case WF_HALF_CONCURRENT: snprintf(buf, size, "%llu", (unsigned long long)w->half.concurrent); break;
	case WF_RTT_MS: snprintf(buf, size, "%g", w->rtt_ms); break;
	case WF_MEMORY_BUDGET: snprintf(buf, size, "%llu", (unsigned long long)w->memory_budget_mib); break;
	default: snprintf(buf, size, "?"); break;
	}
}

/* Stores a (schema-valid) value into its field; false if it has the wrong
 * shape, which only a schema out of step with this table can cause. */
static bool set_field(struct workload *w, enum workload_field f, const struct node *v)
{
	double num = node_is_number(v) ? (double)node_number(v) : NAN;
	uint64_t u = node_is_integer(v) && num >= 0 ? (uint64_t)num : 0;
	const char *s = v->type == NODE_STRING ? v->u.str.s : "";

	switch (fields[f].type) {
	case F_RATE:
	case F_COUNT:
		if (!node_is_integer(v) || num < 0)
			return false;
		break;
	case F_PERCENT:
	case F_SECONDS:
		if (!node_is_number(v))
			return false;
		break;
	case F_BOOL:
		if (v->type != NODE_BOOL)
			return false;
		break;
	case F_CLOSER:
		if (strcmp(s, "us") && strcmp(s, "peer") && strcmp(s, "either"))
			return false;
		break;
	case F_HALF_SIDE:
		if (strcmp(s, "us") && strcmp(s, "peer"))
			return false;
		break;
	}
	switch (f) {
	case WF_IN_CLOSE_RATE: w->in.close_rate = u; break;
	case WF_IN_CLOSES_FIRST:
		w->in.closes_first = !strcmp(s, "us") ? CLOSER_US : !strcmp(s, "peer") ? CLOSER_PEER : CLOSER_EITHER;
		break;
	case WF_IN_BEHIND_NAT: w->in.behind_nat = v->u.b; break;
	case WF_IN_UNRESPONSIVE: w->in.unresponsive_pct = num; break;
	case WF_IN_STAYS_OPEN: w->in.stays_open_pct = num; break;
	case WF_IN_CLIENTS: w->in.client_addresses = u; break;
	case WF_OUT_CONNECT_RATE: w->out.connect_rate = u; break;
	case WF_OUT_DESTINATIONS: w->out.destinations = u; break;
	case WF_OUT_SOURCES: w->out.source_addresses = u; break;
	case WF_OUT_CLOSES_FIRST:
		w->out.closes_first = !strcmp(s, "us") ? CLOSER_US : !strcmp(s, "peer") ? CLOSER_PEER : CLOSER_EITHER;
		break;
	case WF_OUT_LOOPBACK: w->out.loopback = v->u.b; break;
	case WF_OUT_UNRESPONSIVE: w->out.unresponsive_pct = num; break;
	case WF_OUT_STAYS_OPEN: w->out.stays_open_pct = num; break;
	case WF_HALF_SIDE: w->half.side = !strcmp(s, "us") ? HALF_US : HALF_PEER; break;
	case WF_HALF_SECONDS: w->half.seconds = num; break;
	case WF_HALF_CONCURRENT: w->half.concurrent = u; break;
	case WF_RTT_MS: w->rtt_ms = num; break;
	case WF_MEMORY_BUDGET: w->memory_budget_mib = u; break;
	case WF_COUNT: return false;
	}
	return true;
}

static const struct node *field_default(const struct schema *s, enum workload_field f)
{
	char ptr[128];
	const struct node *prop;

	/* a group's fields are described by the $defs entry of the same name */
	snprintf(ptr, sizeof(ptr), "/$defs/%s/properties/%s", fields[f].group ? fields[f].group : "workload",
		 fields[f].key);
	prop = schema_at(s, ptr);
	return prop ? node_get(prop, "default") : NULL;
}

int workload_defaults(const struct schema *s, struct workload *w)
{
	memset(w, 0, sizeof(*w));
	for (int f = 0; f < WF_COUNT; f++) {
		const struct node *def = field_default(s, (enum workload_field)f);

		if (!def || !set_field(w, (enum workload_field)f, def))
			return -EINVAL;
	}
	return 0;
}

/* ---- loader -------------------------------------------------------------- */

#define LOCAL_DIR FINTUNE_SYSCONFDIR "/fintune/profiles"

struct profile_loader {
	char *root;		/* "" for / */
	char *local_dir;	/* ROOT/etc/fintune/profiles, for messages */
	struct doc *schema_doc;
	struct schema *schema;
	/* the local profile directory, opened (and checked) when a name is
	 * first looked up: its descriptor, or why there is none */
	bool local_opened;
	struct host host;
	int local_fd;		/* O_PATH */
	int local_err;		/* -ENOENT: there is none; 1: not trusted; -errno */
	char local_refusal[PATH_MAX + 96];
};

static char *join(const char *a, const char *b)
{
	struct strbuf sb;

	sb_init(&sb);
	sb_adds(&sb, a);
	if (sb.len && sb.s[sb.len - 1] == '/' && b[0] == '/')
		b++;
	else if (sb.len && sb.s[sb.len - 1] != '/' && b[0] != '/')
		sb_addc(&sb, '/');
	sb_adds(&sb, b);
	return sb_steal(&sb);
}

struct profile_loader *profile_loader_new(const char *root, struct diags *d)
{
	struct profile_loader *l = calloc(1, sizeof(*l));

	if (!l)
		goto oom;
	l->host.root_fd = -1;
	l->local_fd = -1;
	l->root = strdup(root ? root : "");
	l->local_dir = join(l->root, LOCAL_DIR);
	if (!l->root || !l->local_dir)
		goto oom;
	l->schema_doc = doc_load_string(builtin_schema.display, builtin_schema.data,
					strlen(builtin_schema.data), NULL, d);
	if (!l->schema_doc)
		goto fail;
	l->schema = schema_compile(l->schema_doc, d);
	if (!l->schema)
		goto fail;
	return l;
oom:
	diag_add(d, NULL, 0, 0, NULL, "out of memory");
fail:
	profile_loader_free(l);
	return NULL;
}

void profile_loader_free(struct profile_loader *l)
{
	if (!l)
		return;
	schema_free(l->schema);
	doc_free(l->schema_doc);
	if (l->local_fd >= 0)
		close(l->local_fd);
	host_close(&l->host);
	free(l->root);
	free(l->local_dir);
	free(l);
}

const struct schema *profile_loader_schema(const struct profile_loader *l)
{
	return l->schema;
}

static bool valid_name(const char *s)
{
	if (!*s || strlen(s) > 63 || !((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9')))
		return false;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '-'))
			return false;
	return true;
}

static bool looks_like_path(const char *spec)
{
	size_t n = strlen(spec);

	return strchr(spec, '/') || (n > 5 && strcmp(spec + n - 5, ".yaml") == 0) ||
	       (n > 4 && strcmp(spec + n - 4, ".yml") == 0) || (n > 5 && strcmp(spec + n - 5, ".json") == 0);
}

char *profile_local_path(const struct profile_loader *l, const char *name)
{
	struct strbuf sb;

	sb_init(&sb);
	sb_addf(&sb, "%s/%s.yaml", l->local_dir, name);
	return sb_steal(&sb);
}

static int str_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int local_dir(struct profile_loader *l);

const char *profile_local_refused(struct profile_loader *l)
{
	return local_dir(l) == -EPERM ? l->local_refusal : NULL;
}

char **profile_local_names(struct profile_loader *l)
{
	/* the directory as lookups have it: below the root, trusted */
	int dfd = local_dir(l), fd = dfd < 0 ? -1 : openat(dfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *dir = fd < 0 ? NULL : fdopendir(fd);
	char **v = NULL;
	size_t n = 0, cap = 0;
	struct dirent *de;

	if (fd >= 0 && !dir)
		close(fd);
	v = calloc(1, sizeof(*v));
	if (!v || !dir) {
		if (dir)
			closedir(dir);
		return v;
	}
	while ((de = readdir(dir))) {
		size_t len = strlen(de->d_name);
		char *name;

		if (len <= 5 || strcmp(de->d_name + len - 5, ".yaml") != 0)
			continue;
		name = strndup(de->d_name, len - 5);
		if (!name || !valid_name(name)) {
			free(name);
			continue;
		}
		if (n + 1 >= cap) {
			size_t c = cap ? cap * 2 : 8;
			char **nv = realloc(v, c * sizeof(*nv));

			if (!nv) {
				free(name);
				break;
			}
			v = nv;
			cap = c;
		}
		v[n++] = name;
		v[n] = NULL;
	}
	closedir(dir);
	qsort(v, n, sizeof(*v), str_cmp);
	return v;
}

void profile_names_free(char **names)
{
	if (!names)
		return;
	for (char **p = names; *p; p++)
		free(*p);
	free(names);
}

/* Lists the profile names on offer, for "no profile named X". */
static void add_known_names(struct profile_loader *l, struct strbuf *msg, const char *wanted)
{
	char **local = profile_local_names(l);
	const char *best = NULL;
	unsigned best_d = 3;

	sb_adds(msg, " (built-in:");
	for (size_t i = 0; i < builtin_profiles_count; i++) {
		unsigned dist = edit_distance(wanted, builtin_profiles[i].name, 2);

		sb_addf(msg, " %s", builtin_profiles[i].name);
		if (dist < best_d)
			best_d = dist, best = builtin_profiles[i].name;
	}
	if (local && local[0]) {
		sb_adds(msg, "; local:");
		for (char **p = local; *p; p++) {
			unsigned dist = edit_distance(wanted, *p, 2);

			sb_addf(msg, " %s", *p);
			if (dist < best_d)
				best_d = dist, best = *p;
		}
	}
	sb_addc(msg, ')');
	if (best)
		sb_addf(msg, "; did you mean \"%s\"?", best);
	profile_names_free(local);
}

/* Where a local profile lives on the target, without --root: the same file
 * under another root is the same profile. */
static char *local_target_path(const char *name)
{
	struct strbuf sb;

	sb_init(&sb);
	sb_addf(&sb, "%s/fintune/profiles/%s.yaml", FINTUNE_SYSCONFDIR, name);
	return sb_steal(&sb);
}

struct located {
	const char *file;	/* where the reference was written; NULL on the command line */
	struct mark mark;
};

__attribute__((format(printf, 3, 4)))
static void ref_error(struct diags *d, const struct located *at, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	if (at->file)
		diag_vadd(d, false, at->file, at->mark.line, at->mark.col, "/extends", fmt, ap);
	else
		diag_vadd(d, false, NULL, 0, 0, NULL, fmt, ap);
	va_end(ap);
}

/* The local profile directory: the loader's descriptor of it, -ENOENT when
 * there is none, -EPERM when it is not trusted (l->local_refusal says why), or
 * -errno. A directory others may write could hold a profile of any name, a
 * built-in's too: then no name is looked up at all, not even a built-in's,
 * rather than one being taken from there or silently passed over. */
static int local_dir(struct profile_loader *l)
{
	struct trust_problem tp;
	int fd, r;

	if (l->local_opened)
		return l->local_fd >= 0 ? l->local_fd : l->local_err;
	l->local_opened = true;
	r = host_open(&l->host, l->root);
	fd = r < 0 ? r : host_openat(&l->host, LOCAL_DIR, O_PATH | O_DIRECTORY, 0, HOST_FOLLOW, NULL, 0);
	/* as before trust checks: a directory this user cannot reach (or a
	 * link to /dev/null) is no directory */
	if (fd == -ENOENT || fd == -ENOTDIR || fd == -EACCES || fd == -ENODEV) {
		l->local_err = -ENOENT;
		return l->local_err;
	}
	if (fd < 0) {
		l->local_err = fd;
		return fd;
	}
	r = trust_dir(fd, &tp);
	if (r != 0) {
		close(fd);
		if (r > 0)
			trust_message(&tp, l->local_refusal, sizeof(l->local_refusal));
		else
			snprintf(l->local_refusal, sizeof(l->local_refusal), "%s: cannot tell who may change it (%s): refusing",
				 l->local_dir, strerror(-r));
		l->local_err = -EPERM;
		return l->local_err;
	}
	l->local_fd = fd;
	return fd;
}

static bool has_profile_extension(const char *spec)
{
	size_t n = strlen(spec);

	return (n > 5 && strcmp(spec + n - 5, ".yaml") == 0) || (n > 4 && strcmp(spec + n - 4, ".yml") == 0) ||
	       (n > 5 && strcmp(spec + n - 5, ".json") == 0);
}

/*
 * Reads the profile file fd holds (O_PATH; taken), shown as display: a
 * regular file, trusted (trust.h) when check says so, and nothing of it is
 * shown, not one problem, before it says it is a profile with `fintune: 1`
 * at its top: problems quote the text, and the text of a file that is no
 * profile (/etc/shadow named by an extends:) is nobody's business. The
 * loader's own problems about the file (too large, not regular) quote none
 * of it. *identity gets its real path.
 */
static struct doc *read_profile_fd(int fd, const char *display, bool check, char **identity, struct diags *d)
{
	char real[PATH_MAX], msg[PATH_MAX + 96];
	struct trust_problem tp;
	struct diags held;
	struct stat st;
	struct doc *doc = NULL;
	char *text = NULL;
	size_t len = 0;
	bool marked = false;
	int r;

	if (fstat(fd, &st) < 0) {
		diag_add(d, display, 0, 0, NULL, "cannot read: %s", strerror(errno));
		close(fd);
		return NULL;
	}
	if (!S_ISREG(st.st_mode)) {
		diag_add(d, display, 0, 0, NULL, S_ISDIR(st.st_mode) ? "is a directory, expected a file" : "is not a regular file");
		close(fd);
		return NULL;
	}
	if (check && (r = trust_file(fd, -1, display, &tp)) != 0) {
		if (r > 0)
			diag_refuse(d, "%s", trust_message(&tp, msg, sizeof(msg)));
		else
			diag_refuse(d, "%s: cannot tell who may change it (%s): refusing", display, strerror(-r));
		close(fd);
		return NULL;
	}
	*identity = strdup(fd_path(fd, real, sizeof(real)) == 0 ? real : display);
	/* the file checked, by its descriptor: never the name again */
	fd = fd_reopen_checked(fd, &st, O_RDONLY);
	r = fd < 0 ? fd : fd_read_sized(fd, &st, load_default_limits.max_bytes, &text, &len);
	if (fd >= 0)
		close(fd);
	if (!*identity)
		r = -ENOMEM;
	if (r == -EFBIG)
		diag_add(d, display, 0, 0, NULL, "file is larger than the %zu byte limit (expected a configuration document)",
			 load_default_limits.max_bytes);
	else if (r < 0)
		diag_add(d, display, 0, 0, NULL, "cannot read: %s", strerror(-r));
	if (r < 0)
		goto out;
	diags_init(&held);
	doc = doc_load_marked(display, text, len, NULL, &held, &marked);
	if (!marked) {
		diags_free(&held);
		doc_free(doc);
		doc = NULL;
		diag_refuse(d, "%s: not a fintune profile (no `fintune: 1` at its top): refusing", display);
		goto out;
	}
	diags_move(d, &held);
out:
	free(text);
	if (!doc) {
		free(*identity);
		*identity = NULL;
	}
	return doc;
}

/* Opens the profile a spec names. relative_dir is the directory of the file
 * whose extends: names it (NULL on the command line). *identity tells files
 * apart (cycles); *canonical names the file the same way however it was
 * reached, for fintune's drop-in: <builtin>/NAME.yaml, a local profile's
 * path on the target, or the real path of a file given by path. */
static struct doc *open_profile(struct profile_loader *l, const char *spec, const char *relative_dir,
				bool builtin_only, const struct located *at, char **identity, char **canonical,
				struct diags *d)
{
	struct doc *doc = NULL;
	char *path = NULL;
	int fd = -1;

	*identity = NULL;
	*canonical = NULL;
	if (looks_like_path(spec)) {
		/* what an extends: may name is a profile, by its looks too: a
		 * profile cannot have fintune open /etc/shadow at all */
		if (at->file && !has_profile_extension(spec)) {
			struct strbuf msg;

			sb_init(&msg);
			sb_add_quoted(&msg, spec, strlen(spec));
			ref_error(d, at, "%s is not a profile file (expected a profile name, or a path that ends in .yaml, .yml or .json)",
				  msg.s ? msg.s : "");
			sb_free(&msg);
			goto out;
		}
		path = spec[0] == '/' || !relative_dir || strcmp(relative_dir, ".") == 0 ?
			       strdup(spec) : join(relative_dir, spec);
		if (!path)
			goto oom;
		if (trust_paths()) {
			struct trust_problem tp;
			char msg[PATH_MAX + 96];
			int r = trust_named(path, &tp);

			if (r > 0) {
				diag_refuse(d, "%s", trust_message(&tp, msg, sizeof(msg)));
				goto out;
			}
			if (r < 0 && r != -ENOENT) {
				diag_refuse(d, "%s: cannot tell who may change it (%s): refusing", path, strerror(-r));
				goto out;
			}
		}
		fd = open(path, O_PATH | O_CLOEXEC);
		if (fd < 0) {
			ref_error(d, at, "cannot open profile %s: %s", path, strerror(errno));
			goto out;
		}
		/* named by whoever runs fintune, or by a profile: checked
		 * when that is root */
		doc = read_profile_fd(fd, path, trust_paths(), identity, d);
		if (doc && !(*canonical = strdup(*identity)))
			goto oom;
		goto out;
	}
	if (!valid_name(spec)) {
		struct strbuf msg;

		sb_init(&msg);
		sb_add_quoted(&msg, spec, strlen(spec));
		ref_error(d, at, "%s is not a profile name (expected lowercase letters, digits and dashes, or a path such as ./%s.yaml)",
			  msg.s ? msg.s : "", spec);
		sb_free(&msg);
		goto out;
	}
	path = profile_local_path(l, spec);
	if (!path)
		goto oom;
	if (!builtin_only) {
		int dfd = local_dir(l);

		if (dfd == -EPERM) {
			diag_refuse(d, "%s", l->local_refusal);
			goto out;
		}
		if (dfd < 0 && dfd != -ENOENT) {
			ref_error(d, at, "cannot open %s: %s", l->local_dir, strerror(-dfd));
			goto out;
		}
		if (dfd >= 0) {
			char name[NAME_MAX + 1];

			snprintf(name, sizeof(name), "%s.yaml", spec);
			fd = host_openat_in(&l->host, dfd, LOCAL_DIR, name, O_PATH, 0, HOST_FOLLOW, NULL, 0, NULL);
			if (fd == -ENODEV) {
				diag_add(d, path, 0, 0, NULL, "is not a regular file");
				goto out;
			}
			if (fd < 0 && fd != -ENOENT) {
				ref_error(d, at, "cannot open profile %s: %s", path, strerror(-fd));
				goto out;
			}
		}
	}
	if (fd >= 0) {
		/* the target's own: checked whoever runs fintune */
		*canonical = local_target_path(spec);
		if (!*canonical)
			goto oom;
		doc = read_profile_fd(fd, path, true, identity, d);
	} else {
		const struct builtin *b = builtin_profile(spec);
		struct strbuf id;

		if (!b) {
			struct strbuf msg;

			sb_init(&msg);
			sb_addf(&msg, "no profile named \"%s\"", spec);
			add_known_names(l, &msg, spec);
			ref_error(d, at, "%s", msg.s ? msg.s : "no such profile");
			sb_free(&msg);
			goto out;
		}
		sb_init(&id);
		sb_addf(&id, "builtin:%s", b->name);
		*identity = sb_steal(&id);
		*canonical = strdup(b->display);
		if (!*identity || !*canonical)
			goto oom;
		doc = doc_load_string(b->display, b->data, strlen(b->data), NULL, d);
	}
	goto out;
oom:
	diag_add(d, NULL, 0, 0, NULL, "out of memory");
	doc_free(doc);
	doc = NULL;
out:
	free(path);
	if (!doc) {
		free(*identity);
		*identity = NULL;
		free(*canonical);
		*canonical = NULL;
	}
	return doc;
}

static char *dir_of(const char *path)
{
	const char *slash = strrchr(path, '/');

	if (!slash)
		return strdup(".");
	if (slash == path)
		return strdup("/");
	return strndup(path, (size_t)(slash - path));
}

/* The value of a pin as the kernel's /proc/sys file reads it back. */
static bool pin_value(const struct node *v, char *out, size_t size)
{
	if (v->type == NODE_INT) {
		snprintf(out, size, "%lld", (long long)v->u.i);
		return true;
	}
	if (v->type == NODE_FLOAT && node_is_integer(v)) {
		snprintf(out, size, "%.0f", v->u.f);
		return true;
	}
	if (v->type == NODE_ARRAY && v->u.arr.n == 2 && node_is_integer(v->u.arr.v[0]) &&
	    node_is_integer(v->u.arr.v[1])) {
		snprintf(out, size, "%.0Lf %.0Lf", node_number(v->u.arr.v[0]), node_number(v->u.arr.v[1]));
		return true;
	}
	if (v->type == NODE_STRING) {
		long a, b;
		char extra;

		if (sscanf(v->u.str.s, "%ld %ld %c", &a, &b, &extra) == 2) {
			snprintf(out, size, "%ld %ld", a, b);
			return true;
		}
	}
	return false;
}

static void decode_file(struct profile *p, const struct doc *doc)
{
	const struct node *w = node_get_type(doc->root, "workload", NODE_OBJECT);
	const struct node *pins = node_get_type(doc->root, "pin", NODE_OBJECT);

	for (int f = 0; w && f < WF_COUNT; f++) {
		const struct node *group = fields[f].group ? node_get_type(w, fields[f].group, NODE_OBJECT) : w;
		const struct node *v = group ? node_get(group, fields[f].key) : NULL;

		if (v && set_field(&p->w, (enum workload_field)f, v))
			p->origin[f] = (struct origin){ doc->file, v->mark.line, v->mark.col };
	}
	for (size_t i = 0; pins && i < pins->u.obj.n; i++) {
		const struct member *m = &pins->u.obj.v[i];
		struct pin *pin = NULL;

		for (size_t k = 0; k < p->n_pins && !pin; k++)
			if (strcmp(p->pins[k].key, m->key) == 0)
				pin = &p->pins[k];
		if (!pin) {
			if (p->n_pins == PROFILE_MAX_PINS)
				continue;
			pin = &p->pins[p->n_pins++];
		}
		pin->key = m->key;
		if (!pin_value(m->value, pin->value, sizeof(pin->value)))
			snprintf(pin->value, sizeof(pin->value), "?");
		pin->origin = (struct origin){ doc->file, m->value->mark.line, m->value->mark.col };
	}
}

const struct pin *profile_pin(const struct profile *p, const char *key)
{
	for (size_t i = 0; i < p->n_pins; i++)
		if (strcmp(p->pins[i].key, key) == 0)
			return &p->pins[i];
	return NULL;
}

static long pin_long(const struct pin *pin)
{
	return pin ? strtol(pin->value, NULL, 10) : -1;
}

__attribute__((format(printf, 3, 4)))
static void pin_problem(struct diags *d, const struct pin *pin, const char *fmt, ...)
{
	char ptr[96];
	va_list ap;

	snprintf(ptr, sizeof(ptr), "/pin/%s", pin->key);
	va_start(ap, fmt);
	diag_vadd(d, false, pin->origin.file, pin->origin.line, pin->origin.col, ptr, fmt, ap);
	va_end(ap);
}

__attribute__((format(printf, 3, 4)))
static void pin_warning(struct diags *d, const struct pin *pin, const char *fmt, ...)
{
	char ptr[96];
	va_list ap;

	snprintf(ptr, sizeof(ptr), "/pin/%s", pin->key);
	va_start(ap, fmt);
	diag_vadd(d, true, pin->origin.file, pin->origin.line, pin->origin.col, ptr, fmt, ap);
	va_end(ap);
}

/* What the schema cannot say: relations between values, after the merge. */
static void semantic_checks(const struct profile *p, struct diags *d)
{
	const struct pin *range = profile_pin(p, "net.ipv4.ip_local_port_range");
	const struct pin *reuse = profile_pin(p, "net.ipv4.tcp_tw_reuse");
	const struct pin *ts = profile_pin(p, "net.ipv4.tcp_timestamps");
	const struct pin *retries = profile_pin(p, "net.ipv4.tcp_orphan_retries");

	if (range) {
		long lo, hi;

		if (sscanf(range->value, "%ld %ld", &lo, &hi) == 2 && lo > hi)
			pin_problem(d, range, "low port %ld is above high port %ld (expected LOW <= HIGH)", lo, hi);
	}
	if (reuse && ts && pin_long(reuse) != 0 && pin_long(ts) == 0)
		pin_problem(d, reuse,
			    "tcp_tw_reuse %ld needs TCP timestamps, but tcp_timestamps is pinned to 0 at %s:%u:%u (expected tcp_tw_reuse 0, or timestamps on)",
			    pin_long(reuse), ts->origin.file, ts->origin.line, ts->origin.col);
	if (retries && pin_long(retries) == 0)
		pin_warning(d, retries,
			    "tcp_orphan_retries 0 does not mean no retries: the kernel reads 0 as 8 (about 100 s or more); pin 1 to 3 for a short orphan lifetime");
	for (int out = 0; out < 2; out++) {
		double u = out ? p->w.out.unresponsive_pct : p->w.in.unresponsive_pct;
		double so = out ? p->w.out.stays_open_pct : p->w.in.stays_open_pct;
		enum workload_field f = out ? WF_OUT_STAYS_OPEN : WF_IN_STAYS_OPEN;
		const struct origin *o = &p->origin[f];

		/* one close is either: the peer vanished, or it stays open */
		if (u + so > 100)
			diag_add(d, o->file, o->line, o->col, out ? "/workload/outbound/stays_open_percent" : "/workload/inbound/stays_open_percent",
				 "%s %g plus %s %g is more than 100 (expected shares of the same closes that add up to at most 100)",
				 workload_field_name(f), so, workload_field_name(out ? WF_OUT_UNRESPONSIVE : WF_IN_UNRESPONSIVE), u);
	}
	if (p->w.half.concurrent > 0 && p->w.half.seconds == 0)
		diag_warn(d, p->origin[WF_HALF_CONCURRENT].file, p->origin[WF_HALF_CONCURRENT].line,
			  p->origin[WF_HALF_CONCURRENT].col, "/workload/half_close/concurrent",
			  "half-closed streams are counted but half_close.seconds is 0 (expected how long they last)");
}

/* text, when set, is the first file's (named spec in messages); what it
 * extends is then a built-in, and nothing is read from disk. */
static struct profile *load_chain(struct profile_loader *l, const char *spec, bool builtin_only, const char *text,
				  size_t text_len, struct diags *d)
{
	struct profile *p = calloc(1, sizeof(*p));
	struct located at = { 0 };
	char *relative_dir = NULL;
	const char *next = spec;
	size_t errors_before = d->errors;
	bool force_builtin = builtin_only;

	if (!p) {
		diag_add(d, NULL, 0, 0, NULL, "out of memory");
		return NULL;
	}
	while (next) {
		struct profile_file *pf;
		const struct node *ext;
		char *identity, *canonical;
		struct doc *doc;

		if (p->n_files == PROFILE_MAX_CHAIN) {
			ref_error(d, &at, "extends chain is longer than %d profiles", PROFILE_MAX_CHAIN);
			break;
		}
		if (text && p->n_files == 0) {
			doc = doc_load_string(spec, text, text_len, NULL, d);
			identity = doc ? strdup("text:") : NULL;
			canonical = doc ? strdup(spec) : NULL;
			if (doc && (!identity || !canonical)) {
				diag_add(d, NULL, 0, 0, NULL, "out of memory");
				free(identity);
				free(canonical);
				doc_free(doc);
				doc = NULL;
			}
		} else if (text && looks_like_path(next)) {
			ref_error(d, &at, "cannot open profile %s: a profile given as text extends built-ins only", next);
			doc = NULL;
		} else {
			doc = open_profile(l, next, relative_dir, force_builtin, &at, &identity, &canonical, d);
		}
		free(relative_dir);
		relative_dir = NULL;
		if (!doc)
			break;
		for (size_t i = 0; i < p->n_files; i++) {
			if (strcmp(p->files[i].identity, identity) == 0) {
				struct strbuf chain;

				sb_init(&chain);
				for (size_t k = 0; k < p->n_files; k++)
					sb_addf(&chain, "%s -> ", p->files[k].display);
				sb_adds(&chain, doc->file);
				ref_error(d, &at, "extends cycle: %s", chain.s ? chain.s : "");
				sb_free(&chain);
				free(identity);
				free(canonical);
				doc_free(doc);
				goto chain_done;
			}
		}
		pf = &p->files[p->n_files++];
		pf->doc = doc;
		pf->identity = identity;
		pf->canonical = canonical;
		pf->display = strdup(doc->file);
		{
			size_t before = d->errors;

			if (!schema_validate(l->schema, doc, d) && d->errors == before)
				diag_add(d, doc->file, 1, 1, "", "does not match the profile schema");
		}
		ext = node_get_type(doc->root, "extends", NODE_STRING);
		force_builtin = text != NULL;
		if (ext && valid_name(ext->u.str.s) && valid_name(next) && strcmp(ext->u.str.s, next) == 0 &&
		    strncmp(identity, "builtin:", 8) != 0)
			/* a local profile that overrides a built-in and extends the
			 * name it overrides builds on the built-in, not on itself */
			force_builtin = true;
		next = NULL;
		if (ext) {
			next = ext->u.str.s;
			at = (struct located){ doc->file, ext->mark };
			/* a path in extends is relative to the file that names it */
			/* a relative extends: is beside the file itself, not
			 * beside a link to it (whose directory may be anyone's) */
			relative_dir = strncmp(identity, "builtin:", 8) == 0 ? NULL : dir_of(identity);
		}
	}
chain_done:
	free(relative_dir);
	if (d->errors != errors_before || p->n_files == 0)
		goto fail;
	if (workload_defaults(l->schema, &p->w) < 0) {
		diag_add(d, NULL, 0, 0, NULL, "internal error: the schema lacks a default for a workload field");
		goto fail;
	}
	/* oldest ancestor first, so each file overrides the ones it extends */
	for (size_t i = p->n_files; i-- > 0;)
		decode_file(p, p->files[i].doc);
	p->name = node_get_type(p->files[0].doc->root, "name", NODE_STRING)->u.str.s;
	{
		const struct node *desc = NULL;

		for (size_t i = 0; i < p->n_files && !desc; i++)
			desc = node_get_type(p->files[i].doc->root, "description", NODE_STRING);
		p->description = desc ? desc->u.str.s : "";
	}
	semantic_checks(p, d);
	if (d->errors != errors_before)
		goto fail;
	return p;
fail:
	profile_free(p);
	return NULL;
}

struct profile *profile_load(struct profile_loader *l, const char *spec, struct diags *d)
{
	return load_chain(l, spec, false, NULL, 0, d);
}

struct profile *profile_load_builtin(struct profile_loader *l, const char *name, struct diags *d)
{
	return load_chain(l, name, true, NULL, 0, d);
}

struct profile *profile_load_text(struct profile_loader *l, const char *display, const char *text, size_t len,
				  struct diags *d)
{
	return load_chain(l, display, true, text, len, d);
}

void profile_free(struct profile *p)
{
	if (!p)
		return;
	for (size_t i = 0; i < p->n_files; i++) {
		free(p->files[i].display);
		free(p->files[i].identity);
		free(p->files[i].canonical);
		doc_free(p->files[i].doc);
	}
	free(p);
}

void profile_print_workload(FILE *out, const struct profile *p)
{
	char path[PATH_MAX], v[64];

	for (int f = 0; f < WF_COUNT; f++) {
		const struct origin *o = &p->origin[f];

		workload_field_text(&p->w, (enum workload_field)f, v, sizeof(v));
		fprintf(out, "  %-30s %-10s ", workload_field_name((enum workload_field)f), v);
		if (o->file)
			fprintf(out, "%s:%u:%u\n", printable(path, sizeof(path), o->file), o->line, o->col);
		else
			fprintf(out, "(default)\n");
	}
}
