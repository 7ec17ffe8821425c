// SPDX-License-Identifier: GPL-2.0-or-later
/* One read of the system (snapshot.h). */
#include "snapshot.h"
#include "dropin.h"
#include "plan.h"
#include "report.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <nettle/sha2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

/* RUNSTATEDIR from the Makefile (/run); always below --root */
#ifndef FINTUNE_RUNSTATEDIR
#define FINTUNE_RUNSTATEDIR "/run"
#endif
#define LOCK_DIR FINTUNE_RUNSTATEDIR

static const char *const write_places[] = { DROPIN_DIR, STATE_DIR, LOCK_DIR, "/proc/sys/net/ipv4" };
#define LOCK_NAME "fintune.lock"

static void hash_bytes(struct sha256_ctx *c, const void *p, size_t n)
{
	uint64_t len = n;

	/* length first: no two different inputs hash alike by moving a border */
	sha256_update(c, sizeof(len), (const uint8_t *)&len);
	if (n)
		sha256_update(c, n, p);
}

static void hash_str(struct sha256_ctx *c, const char *s)
{
	hash_bytes(c, s ? s : "", s ? strlen(s) + 1 : 0);
}

static void hash_text(struct sha256_ctx *c, const struct sysctl_text *t)
{
	int flags = t->masked | t->is_link << 1 | t->hidden << 2 | t->procps_dir << 3;

	hash_str(c, t->name);
	hash_str(c, t->link);
	hash_bytes(c, &t->dir, sizeof(t->dir));
	hash_bytes(c, &flags, sizeof(flags));
	hash_bytes(c, &t->err, sizeof(t->err));
	hash_bytes(c, t->text, t->text ? t->len : 0);
	for (size_t i = 0; i < t->n_matches; i++)
		hash_text(c, &t->matches[i]);
}

void snapshot_digest(const struct snapshot *s, unsigned char out[32])
{
	const struct kernel *k = &s->kernel;
	struct sha256_ctx c;

	sha256_init(&c);
	hash_str(&c, k->release);
	hash_bytes(&c, &k->live, sizeof(k->live));
	for (int id = 0; id < K_COUNT; id++) {
		hash_bytes(&c, &k->running[id].present, sizeof(k->running[id].present));
		hash_str(&c, k->running[id].present ? k->running[id].value : NULL);
	}
	for (size_t i = 0; i < s->tree.n; i++)
		if (s->tree.files[i].first)
			hash_text(&c, &s->tree.files[i]);
	hash_text(&c, &s->tree.conf);
	hash_bytes(&c, s->tree.dir_linked, sizeof(s->tree.dir_linked));
	hash_bytes(&c, &s->state_err, sizeof(s->state_err));
	for (int id = 0; s->state.has_baseline && id < K_PLANNED; id++)
		hash_str(&c, s->state.baseline[id].present ? s->state.baseline[id].value : NULL);
	sha256_digest(&c, 32, out);
}

/* The drop-ins whose whole text the snapshot keeps: fintune's (by its
 * header), the default name, the one the command was given, and every one
 * the state names. Of the other files only the lines the plan can use are
 * kept (sysctld_read). */
struct keep_names {
	const struct state *state;
	const char *drop_in;
};

static bool keep_text(const char *name, const char *text, size_t len, void *ctx)
{
	const struct keep_names *k = ctx;

	(void)len;
	if (dropin_is_ours(text) || strcmp(name, DROPIN_DEFAULT) == 0 || (k->drop_in && strcmp(name, k->drop_in) == 0))
		return true;
	for (size_t i = 0; i < k->state->n; i++) {
		const char *mine = dropin_name_of(k->state->rec[i].drop_in_path);

		if (mine && strcmp(name, mine) == 0)
			return true;
	}
	return false;
}

int snapshot_take(struct snapshot *s, struct host *h, const char *release, const char *drop_in, struct diags *d)
{
	struct keep_names keep = { &s->state, drop_in };
	int r;

	memset(s, 0, sizeof(*s));
	s->kernel_err = kernel_read_host(h, &s->kernel, release, d);
	/* the state first: it names the drop-ins whose text is kept */
	s->state_err = state_load(h, &s->state, s->state_refusal, sizeof(s->state_refusal));
	r = sysctld_read(&s->tree, h, planned_keys(), keep_text, &keep, d);
	if (r < 0)
		return r;
	/* every place fintune writes, in one check: none may be reached
	 * through a link (what does not exist yet is made as a directory) */
	for (size_t i = 0; i < ARRAY_SIZE(write_places) && !s->linked; i++) {
		int fd = host_openat(h, write_places[i], O_PATH | O_DIRECTORY, 0, HOST_NOLINKS, NULL, 0);

		if (fd == -ELOOP)
			s->linked = write_places[i];
		if (fd >= 0)
			close(fd);
	}
	return 0;
}

void snapshot_free(struct snapshot *s)
{
	sysctld_tree_free(&s->tree);
	state_free(&s->state);
}

void snapshot_drop_in(const struct snapshot *s, const char *name, struct dropin_seen *out)
{
	const struct sysctl_tree *t = &s->tree;
	size_t lo = 0, hi = t->n;

	memset(out, 0, sizeof(*out));
	out->dir_linked = t->dir_linked[0];
	/* the tree is sorted by name, then directory */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (strcmp(t->files[mid].name, name) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == t->n || strcmp(t->files[lo].name, name) != 0 || t->files[lo].dir != 0)
		return;
	{
		const struct sysctl_text *x = &t->files[lo];

		if (x->is_link || x->masked)
			out->existing = EXISTING_SYMLINK;
		else if (x->err < 0 || !x->text)
			out->existing = EXISTING_OTHER;
		else if (!x->whole)
			/* not kept: neither fintune's nor a name snapshot_take
			 * was given */
			out->existing = EXISTING_FILE;
		else if (x->whole->uid != 0 && x->whole->uid != geteuid())
			out->existing = EXISTING_FOREIGN_OWNER;
		else if (x->whole->nlink != 1)
			out->existing = EXISTING_LINKED;
		else {
			out->existing = EXISTING_FILE;
			out->text = x->whole->text;
			out->len = x->whole->len;
			out->too_large = x->whole->len > DROPIN_TEXT_MAX;
		}
	}
}

/* Opens the lock file in dfd: an existing one looked at first (never a
 * device opened for real), a missing one created exclusively. */
static int open_lock(int dfd)
{
	int fd = openat(dfd, LOCK_NAME, O_PATH | O_NOFOLLOW | O_CLOEXEC);

	if (fd >= 0)
		return fd_reopen_regular(fd, O_RDWR);
	if (errno != ENOENT)
		return -errno;
	fd = openat(dfd, LOCK_NAME, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY, 0600);
	if (fd < 0)
		return errno == EEXIST ? -EAGAIN : -errno;
	return fd;
}

static int take_lock(struct session *s, const struct common *c)
{
	int dfd, fd = -1;

	dfd = host_mkdirs(&s->host, LOCK_DIR);
	if (dfd == -ELOOP) {
		/* the words of the verdict, which diff gives too */
		report_error(ERR_REFUSED, NULL, 0, 0, SNAPSHOT_LINKED, LOCK_DIR);
		return -1;
	}
	if (dfd < 0) {
		report_error(ERR_IO, NULL, 0, 0, "%s%s: %s (nothing was changed)", c->root, LOCK_DIR, strerror(-dfd));
		return -1;
	}
	for (int tries = 0; tries < 16; tries++) {
		struct stat held, named;
		bool said = false;

		fd = open_lock(dfd);
		if (fd == -EAGAIN)
			continue;	/* made by another run just now */
		if (fd < 0 || fd_check(fd, NULL) != FD_OK) {
			report_error(ERR_IO, NULL, 0, 0, "cannot use the lock %s%s/%s: %s", c->root, LOCK_DIR, LOCK_NAME,
				     fd < 0 ? strerror(-fd) : "not a plain file of root's with one link");
			goto fail;
		}
		while (flock(fd, LOCK_EX | (said ? 0 : LOCK_NB)) < 0) {
			if (errno == EWOULDBLOCK && !said) {
				if (!c->quiet)
					fprintf(stderr, "fintune %s: waiting for another fintune to finish\n", c->cmd);
				said = true;
				continue;
			}
			if (errno == EINTR)
				continue;
			report_error(ERR_IO, NULL, 0, 0, "cannot lock %s%s/%s: %s", c->root, LOCK_DIR, LOCK_NAME,
				     strerror(errno));
			goto fail;
		}
		/* the file locked must still be the one of that name: one
		 * unlinked or replaced meanwhile locks nobody out */
		if (fstat(fd, &held) == 0 && fstatat(dfd, LOCK_NAME, &named, AT_SYMLINK_NOFOLLOW) == 0 &&
		    held.st_dev == named.st_dev && held.st_ino == named.st_ino) {
			close(dfd);
			s->lock = fd;
			return 0;
		}
		close(fd);
		fd = -1;
	}
	report_error(ERR_IO, NULL, 0, 0, "cannot lock %s%s/%s: it keeps being replaced", c->root, LOCK_DIR, LOCK_NAME);
fail:
	if (fd >= 0)
		close(fd);
	close(dfd);
	return -1;
}

void session_kernel_error(const struct common *c, const struct kernel *k, int r)
{
	if (r == -EEXIST)
		report_error(ERR_USAGE, NULL, 0, 0, "--kernel %s: the root has live values, of %s; --kernel is for an offline image",
			     c->kernel, k->release[0] ? k->release : "an unknown kernel");
	else
		report_error(ERR_USAGE, NULL, 0, 0, "--kernel %s: not a kernel release (expected MAJOR.MINOR, as uname -r prints it)",
			     c->kernel);
}

int session_open(struct session *s, const struct common *c, bool lock)
{
	return session_open_drop_in(s, c, lock, NULL);
}

int session_open_drop_in(struct session *s, const struct common *c, bool lock, const char *drop_in)
{
	struct diags d;
	int r;

	memset(s, 0, sizeof(*s));
	s->lock = -1;
	s->host.root_fd = -1;
	r = host_open(&s->host, c->root);
	if (r < 0) {
		report_error(ERR_USAGE, NULL, 0, 0, "--root %s: %s", c->root,
			     r == -ENOTDIR ? "not a directory" : strerror(-r));
		return -1;
	}
	if (lock && take_lock(s, c) < 0)
		return -1;
	diags_init(&d);
	r = snapshot_take(&s->snap, &s->host, c->kernel, drop_in, &d);
	if (d.n && !c->quiet) {
		diags_sort(&d);
		diags_print(&d, stderr);
	}
	diags_free(&d);
	if (r < 0) {
		report_error(ERR_NOMEM, NULL, 0, 0, "out of memory reading the system");
		return -1;
	}
	if (s->snap.kernel_err < 0) {
		session_kernel_error(c, &s->snap.kernel, s->snap.kernel_err);
		return -1;
	}
	return 0;
}

void session_close(struct session *s)
{
	snapshot_free(&s->snap);
	if (s->lock >= 0)
		close(s->lock);
	s->lock = -1;
	host_close(&s->host);
}
