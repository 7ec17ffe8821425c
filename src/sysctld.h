/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef FINTUNE_SYSCTLD_H
#define FINTUNE_SYSCTLD_H

#include "diag.h"

#include <stdbool.h>
#include <stddef.h>
#include <sys/stat.h>

/*
 * The sysctl.d configuration, read the way systemd-sysctl (252) reads it, and
 * the way procps (4.0) `sysctl --system` does. Every rule is checked against
 * the real appliers in a namespace (tests/cli/appliers.bats).
 *
 * Files: every *.conf in /etc/sysctl.d, /run/sysctl.d, /usr/local/lib/sysctl.d
 * and /usr/lib/sysctl.d (under --root, never outside it: links and ".." are
 * resolved with the root as "/"), ordered by file name across the
 * directories; a name in an earlier directory masks the same name in later
 * ones; a symlink to /dev/null masks without being read. Lines: blank, or
 * starting with # or ; are skipped; "key = value" assigns ("-key = value"
 * ignores write errors), "-key" alone keeps a key out of globs. Keys use "."
 * or "/" (the first separator decides), and are simplified as a path; a key
 * with * ? [ is a glob, matched as glob(3) does, written to every matching
 * key that has no explicit assignment anywhere, each glob in turn (so when
 * the kernel refuses the last, an earlier one's value stays). The last
 * assignment of a key wins. Files over 16 MiB are ignored with a warning.
 *
 * procps differs: it applies /etc/sysctl.conf once more after every drop-in;
 * it reads hidden files (.name.conf) and one named ".conf"; it takes each
 * file name as a glob(3) pattern; it writes every assignment as it reads it,
 * so a later assignment the kernel refuses leaves the earlier one in force
 * (systemd-sysctl writes only the last, and then the value stays as it was),
 * and a later "-key" does not undo an assignment; it ends lines at LF only
 * (systemd also at CR and NUL, and stops reading a file at a line over
 * 1 MiB); it keeps the blank in "- key" (which then sets nothing); a key
 * ending in a separator names a directory for it, and sets nothing; only a
 * key spelled as a glob's match keeps the glob away ("/net/ipv4/x" does
 * not); a file name that is a glob stops at the first match it cannot open.
 */

struct sysctl_file {
	char *name;		/* 60-fintune.conf */
	char *path;		/* as on the target system: /etc/sysctl.d/60-fintune.conf */
	char *link;		/* where a symlink points (on the target), or NULL */
	bool masked;		/* a symlink to /dev/null: not read */
	bool procps_only;	/* /etc/sysctl.conf, applied last by procps alone */
	size_t refs;		/* the entries that name it: made for the first, freed with the last */
};

struct sysctl_entry {
	char *key;		/* normalised to the /proc/sys path: net/ipv4/tcp_fin_timeout */
	char *spelled;		/* procps: the key as written (separators swapped), which
				 * alone keeps globs away; NULL: key */
	char *value;		/* NULL: "-key", an exclusion from globs */
	bool glob;
	bool ignore_failure;
	const struct sysctl_file *file;
	unsigned line;
	unsigned order;		/* application order: the last (re)assignment counts */
};

/* A file of the configuration exists only while an entry names it: a view
 * of 100,000 files keeps the few that set its keys. */
struct sysctl_config {
	bool procps;		/* read as procps does (every assignment kept) */
	struct sysctl_entry *entries;
	size_t n_entries;
};

/* What a key ends up set to by the configuration. */
struct sysctl_setting {
	const struct sysctl_entry *entry;	/* NULL: no file sets it */
};

/* The directories: /etc, /run, /usr/local/lib, /usr/lib and (procps) /lib. */
#define SYSCTLD_DIRS 5

/* The whole text of a file the caller asked to keep (fintune's drop-in),
 * and what it needs to know of its owner. */
struct sysctl_whole {
	char *text;
	size_t len;
	uid_t uid;
	nlink_t nlink;
};

/* One file as it was read: the snapshot of the sysctl.d configuration,
 * from which every view (now, with fintune's drop-in, as procps reads it)
 * is built without reading again. Each file is parsed as it is read, and
 * only the lines a view of the tree's keys can use are kept: assignments
 * and exclusions that may be of those keys (or globs), and every line a
 * view would warn about; the others become empty lines, so that line
 * numbers and every view stay as they were. A file whose lines the two
 * appliers split differently (a CR, a NUL, a line over 1 MiB) is kept
 * whole. */
struct sysctl_text {
	char *name;		/* 60-x.conf */
	char *link;		/* where following its links led (on the target), or NULL */
	const char *text;	/* the lines kept (in the tree's arena), NULL when not read */
	size_t len;
	struct sysctl_whole *whole;	/* the file as read, when the reader was asked to keep it */
	struct sysctl_text *matches;	/* what procps reads for a pattern */
	size_t n_matches;
	int err;		/* 0, or why it was not read (-errno) */
	unsigned char dir;	/* index in the directory list (SYSCTLD_DIRS: /etc/sysctl.conf) */
	bool first : 1;		/* the first of its name; later ones are masked, and not read */
	bool hidden : 1;	/* ".x.conf": procps alone reads it */
	bool procps_dir : 1;	/* in /lib/sysctl.d, which procps alone reads */
	bool pattern : 1;	/* procps takes the name as a glob(3) pattern */
	bool masked : 1;	/* a link to /dev/null */
	bool is_link : 1;	/* the name itself is a symlink */
};

struct sysctl_chunk;
struct sysctl_tree {
	struct sysctl_text *files;	/* by name, then directory */
	size_t n;
	struct sysctl_text conf;	/* /etc/sysctl.conf */
	bool dir_linked[SYSCTLD_DIRS];	/* the directory is reached through a symlink */
	bool dir_not_dir;		/* /etc/sysctl.d is there, but no directory */
	struct sysctl_chunk *arena;	/* the kept lines of every file */
};

/* The path of a file of the tree on the target: /etc/sysctl.d/60-x.conf. */
void sysctld_text_path(const struct sysctl_text *x, char *buf, size_t size);

/* Whether the reader keeps the whole text of a file of /etc/sysctl.d. */
typedef bool sysctld_keep_fn(const char *name, const char *text, size_t len, void *ctx);

struct host;
/* Reads every file both appliers would read, each once, through the root
 * descriptor: directories listed once and sorted once by name. keys
 * (NULL-terminated, normalised), when set, are the only ones the views of
 * the tree can resolve: each file keeps only the lines that may be of them
 * (NULL: every line). keep, when set, is asked about each file of
 * /etc/sysctl.d as it is read: the whole text of those it takes is kept
 * (sysctl_text.whole). Problems are warnings "file: ..., ignoring". 0 or
 * -ENOMEM. */
int sysctld_read(struct sysctl_tree *t, struct host *h, const char *const *keys, sysctld_keep_fn *keep,
		 void *keep_ctx, struct diags *d);
void sysctld_tree_free(struct sysctl_tree *t);
/* Adds a file to a tree as if read from directory dir (0 /etc/sysctl.d ..
 * 3 /usr/lib/sysctl.d), owned by the caller: a snapshot made in memory,
 * for tests: the whole text is kept. */
int sysctld_tree_add(struct sysctl_tree *t, unsigned dir, const char *name, const char *text, size_t len);

/*
 * One view of a tree: as systemd-sysctl reads it, or (procps) as sysctl
 * --system does, /etc/sysctl.conf last. When override_name and
 * override_text are set, /etc/sysctl.d/override_name is taken to hold
 * override_text instead of what is on disk: how fintune predicts the effect
 * of its own drop-in. keys (NULL-terminated, normalised: net/ipv4/x), when
 * set, are the only ones that will be resolved: assignments of others are
 * not kept. They must be among the keys the tree was read for (or the
 * tree read for all). Malformed lines become warnings "file:line: ..., ignoring" in d
 * (which may be NULL: then lines of no interest are not even normalised).
 */
int sysctld_build(struct sysctl_config *c, const struct sysctl_tree *t, bool procps, const char *override_name,
		  const char *override_text, const char *const *keys, struct diags *d);
struct sysctl_probe;
/* The same, for a view that will be resolved with probe alone (which may
 * be NULL: no filtering). procps then keeps of each key only its last
 * assignment the kernel takes (the one sysctld_resolve would find) and one
 * exclusion per spelling, not every write: a view of 100,000 files costs
 * no more than one of ten. */
int sysctld_build_probed(struct sysctl_config *c, const struct sysctl_tree *t, bool procps, const char *override_name,
			 const char *override_text, const char *const *keys, const struct sysctl_probe *probe,
			 struct diags *d);
/* sysctld_read and sysctld_build in one, for a root given by name. */
int sysctld_load(struct sysctl_config *c, const char *root, bool procps, const char *override_name,
		 const char *override_text, struct diags *d);
void sysctld_free(struct sysctl_config *c);

/* Adds one file's text to a configuration, as if read from path (for tests
 * and the fuzzer: no file system involved). */
int sysctld_add_text(struct sysctl_config *c, const char *path, const char *text, size_t len,
		     struct diags *d);

/* How the resolution asks about the system: whether a /proc/sys path
 * exists (globs match only those), and whether the kernel takes a value
 * (procps falls back to the last write that worked). Either may be NULL. */
struct sysctl_probe {
	bool (*exists)(const char *path, void *ctx);
	bool (*accepts)(const char *path, const char *value, void *ctx);
	void *ctx;
};

/* The entry whose write is left in force for a key (given as "net.ipv4.x"
 * or "net/ipv4/x"), by the rules above. NULL entry: nothing is written, or
 * (systemd) the last write is refused; the value stays as it was. */
struct sysctl_setting sysctld_resolve(const struct sysctl_config *c, const char *key,
				      const struct sysctl_probe *probe);

/* "net.ipv4.tcp_fin_timeout" or "net/ipv4/tcp_fin_timeout" to the path form,
 * by the first separator, simplified as systemd does; NULL when the key is
 * empty or has a ".." component. */
char *sysctl_normalize_key(const char *key);

/* Where a file lives on the target (its symlink followed for display):
 * "/etc/sysctl.d/99-sysctl.conf:12 (-> /etc/sysctl.conf)". */
void sysctld_describe(const struct sysctl_entry *e, char *buf, size_t size);


#endif
