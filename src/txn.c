// SPDX-License-Identifier: GPL-2.0-or-later
/* One transaction, either direction (txn.h). */
#include "txn.h"
#include "atomic.h"
#include "dropin.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Puts text (NULL: no file) in place of name in dfd. */
static int put_file(int dfd, const char *name, const char *text, size_t len, bool *replaced)
{
	atomic_cleanup_at(dfd, name);
	if (text)
		return atomic_write_at(dfd, name, text, len, 0644, replaced);
	*replaced = true;
	return atomic_remove_at(dfd, name);
}

int txn_check(const struct kernel *k, struct txn *t)
{
	t->err = 0;
	t->failed = -1;
	t->file_done = false;
	t->live_done = 0;
	t->undo_failed = false;
	t->bad_from = false;
	/* nothing is begun that could not be finished or undone */
	if (t->file && t->to && !dropin_text_allowed(t->to, t->to_len)) {
		t->err = -EPERM;
		return t->err;
	}
	for (size_t i = 0; i < t->n_live; i++) {
		if (!kernel_accepts(k, t->live[i].id, t->live[i].to) ||
		    (t->live[i].had_from && !kernel_accepts(k, t->live[i].id, t->live[i].from))) {
			t->bad_from = kernel_accepts(k, t->live[i].id, t->live[i].to);
			t->err = -EINVAL;
			t->failed = (int)(1 + i);
			return t->err;
		}
	}
	return 0;
}

int txn_run(struct host *h, const struct kernel *k, struct txn *t)
{
	int dfd = -1;

	/* 1. nothing is begun that could not be finished or undone */
	if (txn_check(k, t) < 0)
		return t->err;
	/* 2. the drop-in: what the plan saw, or nothing is done */
	if (t->file) {
		enum existing what;
		char *now = NULL;
		size_t len = 0;
		bool replaced = false;
		int e;

		t->failed = 0;
		dfd = host_mkdirs(h, DROPIN_DIR);
		if (dfd < 0) {
			t->err = dfd;
			return t->err;
		}
		e = atomic_read_existing_at(dfd, t->name, DROPIN_TEXT_MAX, &what, &now, &len);
		if (e == 0 && !(t->expect ? what == EXISTING_FILE && text_equal(now, len, t->expect, t->expect_len) :
					     what == EXISTING_NONE))
			e = -ESTALE;
		free(now);
		if (e == 0)
			e = put_file(dfd, t->name, t->to, t->to_len, &replaced);
		if (e < 0) {
			t->err = e == -EFBIG ? -ESTALE : e;
			/* a rename made before a failed fsync stands: put back */
			if (replaced && put_file(dfd, t->name, t->expect, t->expect_len, &replaced) < 0) {
				t->undo_failed = true;
				t->undo_step = 0;
				t->file_done = true;
			}
			close(dfd);
			return t->err;
		}
		t->file_done = true;
	}
	/* 3. the live values, each read back */
	for (size_t i = 0; i < t->n_live; i++) {
		int e = kernel_write_value(h, t->live[i].id, t->live[i].to);

		if (e < 0) {
			t->err = e;
			t->failed = (int)(1 + i);
			break;
		}
		t->live_done = i + 1;
	}
	if (t->err == 0) {
		if (dfd >= 0)
			close(dfd);
		return 0;
	}
	/* 4. undo, newest first; the value that failed may have half-taken
	 * (a vector), so it is put back too */
	for (size_t i = t->live_done + 1; i-- > 0;) {
		const struct txn_live *l = &t->live[i];
		int e;

		if (i >= t->n_live || !l->had_from)
			continue;
		e = kernel_write_value(h, l->id, l->from);
		if (e < 0 && (i < t->live_done || t->err == -EIO)) {
			t->undo_failed = true;
			t->undo_err = e;
			t->undo_step = (int)(1 + i);
		}
	}
	if (t->file_done) {
		bool replaced = false;
		int e = put_file(dfd, t->name, t->expect, t->expect_len, &replaced);

		if (e < 0) {
			t->undo_failed = true;
			t->undo_err = e;
			t->undo_step = 0;
		} else {
			t->file_done = false;
		}
	}
	if (dfd >= 0)
		close(dfd);
	return t->err;
}
