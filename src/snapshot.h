/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef FINTUNE_SNAPSHOT_H
#define FINTUNE_SNAPSHOT_H

#include "atomic.h"
#include "common.h"
#include "diag.h"
#include "host.h"
#include "kernel.h"
#include "state.h"
#include "sysctld.h"

/*
 * Everything a plan needs from the system, read once through the root
 * descriptor: the kernel (release, network namespace, every close-path
 * value), every sysctl.d file both appliers read (fintune's drop-in among
 * them), and the state. The plan is a pure function of a profile and a
 * snapshot (plan.h), so every command that plans sees the same system the
 * same way.
 */
struct snapshot {
	struct kernel kernel;
	struct sysctl_tree tree;
	struct state state;
	int state_err;		/* 0, -ENOENT (none), -EINVAL (not fintune's),
				 * -EPERM (not trusted: state_refusal), -errno */
	char state_refusal[PATH_MAX + 96];	/* "FILE: writable by others: refusing" */
	int kernel_err;		/* what kernel_read_host() said of --kernel: 0, -EEXIST, -EINVAL */
	/* the first place fintune writes (the drop-in's, the state's and the
	 * lock's directories, /proc/sys/net/ipv4) reached through a symlink
	 * below the root, or NULL: every command refuses then */
	const char *linked;
};

/* The refusal when snapshot.linked is set, with that place. */
#define SNAPSHOT_LINKED "%s is reached through a symlink below the root: fintune never writes through one (nothing was changed)"

/* Reads it all; problems are warnings in d. 0 or -ENOMEM. Of the sysctl.d
 * files, only the lines of the planned keys are kept, and the whole text
 * of fintune's drop-ins: those with its header, DROPIN_DEFAULT, drop_in
 * (NULL: none) and those the state names. */
int snapshot_take(struct snapshot *s, struct host *h, const char *release, const char *drop_in,
		  struct diags *d);
void snapshot_free(struct snapshot *s);
/* sha256 over everything in it that a plan depends on: a reviewed plan
 * records it, and apply --plan refuses when it changed. Computed only when
 * asked. Of each sysctl.d file it covers the lines the snapshot kept (those
 * a plan can depend on), not its comments or other keys. */
void snapshot_digest(const struct snapshot *s, unsigned char out[32]);

/* fintune's drop-in NAME in /etc/sysctl.d, as the snapshot found it: a
 * regular file not kept whole (see snapshot_take) is EXISTING_FILE without
 * its text, as one that is not fintune's. */
struct dropin_seen {
	enum existing existing;
	const char *text;	/* EXISTING_FILE: the snapshot's copy */
	size_t len;
	bool dir_linked;	/* /etc/sysctl.d is reached through a symlink */
	bool too_large;		/* larger than fintune ever writes */
};
void snapshot_drop_in(const struct snapshot *s, const char *name, struct dropin_seen *out);

/* What a command works on: the root opened once, the lock (apply and
 * rollback) taken before anything is read, and the snapshot. */
struct session {
	struct host host;
	struct snapshot snap;
	int lock;
};

/* Prints its own errors (the root, the lock) and the snapshot's warnings
 * (unless quiet); -1 on error. */
/* Reports what kernel_read_host() said of --kernel (r: -EEXIST, -EINVAL)
 * as a usage error. */
void session_kernel_error(const struct common *c, const struct kernel *k, int r);

int session_open(struct session *s, const struct common *c, bool lock);
/* The same, for a command given the drop-in's name (--drop-in; NULL: the
 * default), whose text the snapshot keeps whatever it holds. */
int session_open_drop_in(struct session *s, const struct common *c, bool lock, const char *drop_in);
void session_close(struct session *s);

#endif
