/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef FINTUNE_STATE_H
#define FINTUNE_STATE_H

#include "kernel.h"

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>

/*
 * What the last apply replaced, kept under /var/lib/fintune (below --root) so
 * rollback can restore it. It is written before anything changes (status
 * "applying") and completed afterwards ("applied"): a run killed in between
 * leaves a record a later apply keeps the original values of, and rollback
 * can always undo.
 */
#define STATE_DIR "/var/lib/fintune"
#define STATE_FILE "state.json"

enum state_status { STATE_APPLYING, STATE_APPLIED };

struct live_change {
	char key[64];			/* dotted */
	bool had_previous;		/* the key existed */
	char previous[KERNEL_VALUE_MAX];
	char written[KERNEL_VALUE_MAX];
};

struct state {
	enum state_status status;
	char profile[128];
	char applied_at[32];		/* UTC, ISO 8601 */
	char drop_in_path[PATH_MAX];	/* on the target */
	bool drop_in_written;		/* the apply replaced (or created) the file */
	char *previous_text;		/* the drop-in before, NULL when there was none */
	char *written_text;		/* what the apply wrote */
	struct live_change live[K_PLANNED];
	size_t n_live;
};

/* 0, -ENOENT when there is no state, or -errno / -EINVAL (unreadable). */
int state_load(const char *root, struct state *s);
int state_save(const char *root, const struct state *s);
int state_remove(const char *root);
void state_free(struct state *s);

/* The state file as on the target, for messages. */
#define STATE_PATH STATE_DIR "/" STATE_FILE

#endif
