/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef FINTUNE_TXN_H
#define FINTUNE_TXN_H

#include "host.h"
#include "kernel.h"

#include <stdbool.h>
#include <stddef.h>

/*
 * The one executor: apply, apply's own undo and rollback are the same
 * transaction, run in either direction, all or nothing. A transaction
 * replaces fintune's drop-in (or removes it) and sets live values:
 *   1. every text and value is checked first (the drop-in allowlist, what
 *      the kernel accepts): a step that could not be undone is never begun;
 *   2. the drop-in is checked to be exactly what the plan saw, through the
 *      directory descriptor it is written through, then replaced atomically;
 *   3. each live value is written and read back;
 *   4. on any failure, what was done is undone in reverse order, and the
 *      result says whether that worked.
 * Nothing is printed: the caller reports from the result.
 */
struct txn_live {
	enum key_id id;
	bool had_from;			/* the key had a value to put back */
	char from[KERNEL_VALUE_MAX];
	char to[KERNEL_VALUE_MAX];
};

struct txn {
	const char *name;		/* the drop-in's file name in /etc/sysctl.d */
	bool file;			/* the drop-in is replaced */
	const char *expect;		/* what must be there now; NULL: nothing */
	size_t expect_len;
	const char *to;			/* what it becomes; NULL: removed */
	size_t to_len;
	struct txn_live live[K_PLANNED];
	size_t n_live;
	/* the result */
	int err;			/* 0, or why it stopped (-errno) */
	int failed;			/* -1: the checks; 0: the drop-in; 1 + i: live[i] */
	bool file_done;			/* the drop-in was replaced (and stays so) */
	size_t live_done;		/* live values set (and staying so) */
	bool undo_failed;		/* a failure left something changed */
	bool bad_from;			/* live[failed - 1]'s value now is one it could not be put back to */
	int undo_err;
	int undo_step;			/* as failed */
};

/* The checks before anything is begun: the drop-in's text passes the
 * allowlist, the kernel takes every new value and every old one it may be
 * put back to. 0, or t->err with t->failed (and t->bad_from) set. */
int txn_check(const struct kernel *k, struct txn *t);
/* Runs t forward (txn_check first); 0 when every step was made, else t->err
 * (and every step undone unless t->undo_failed). */
int txn_run(struct host *h, const struct kernel *k, struct txn *t);

#endif
