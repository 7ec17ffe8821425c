/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef FINTUNE_STATE_H
#define FINTUNE_STATE_H

#include "kernel.h"

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>

/*
 * What each apply replaced, kept under /var/lib/fintune (below --root) so
 * rollback can restore it: a stack, one record per apply, the newest last.
 * rollback undoes the newest; run again, it undoes the one before, back to
 * how the system was before fintune (32 records; older ones merge). A record is written before anything
 * changes (status "applying") and completed afterwards ("applied"): a run
 * killed in between leaves a record that the next apply completes (keeping
 * its original values) and that rollback can always undo.
 */
/* LOCALSTATEDIR from the Makefile (/var); always below --root */
#ifndef FINTUNE_LOCALSTATEDIR
#define FINTUNE_LOCALSTATEDIR "/var"
#endif
#define STATE_DIR FINTUNE_LOCALSTATEDIR "/lib/fintune"
#define STATE_FILE "state.json"
#define STATE_PATH STATE_DIR "/" STATE_FILE
#define STATE_MAX_RECORDS 32

enum state_status { STATE_APPLYING, STATE_APPLIED };

struct live_change {
	char key[64];			/* dotted */
	bool had_previous;		/* the key had a value */
	char previous[KERNEL_VALUE_MAX];
	char written[KERNEL_VALUE_MAX];
};

struct state_record {
	enum state_status status;
	char profile[128];
	char applied_at[32];		/* UTC, ISO 8601 */
	char drop_in_path[PATH_MAX];	/* on the target: /etc/sysctl.d/NAME */
	bool drop_in_written;		/* the apply replaced (or created) the file */
	char *previous_text;		/* the drop-in before, NULL when there was none */
	char *written_text;		/* what the apply wrote */
	struct live_change live[K_PLANNED];
	size_t n_live;
};

/* Bounded: 32 records of two drop-ins (DROPIN_TEXT_MAX) each, and room. */
#define STATE_FILE_MAX (8u << 20)

struct state {
	struct state_record *rec;
	size_t n;
	/* the close-path values from before fintune first applied: the floors
	 * later plans start from, so that fintune's own values never become
	 * the "running" floor (a plan after apply equals the plan before) */
	bool has_baseline;
	struct {
		bool known;	/* recorded */
		bool present;	/* the key had a value */
		char value[KERNEL_VALUE_MAX];
	} baseline[K_PLANNED];
};

/* 0, -ENOENT when there is no state, -EINVAL when it is not one fintune
 * wrote (or names a file outside /etc/sysctl.d, or restores anything but
 * the close-path keys and fintune's own drop-in text), -EPERM when it or
 * its directory may be changed by someone fintune does not trust (trust.h;
 * refusal, of size bytes, says which and why), or -errno. */
struct host;
int state_load(struct host *h, struct state *s, char *refusal, size_t size);
/* The same for the text of a state file (len bytes; a NUL in it refuses
 * it): what state_load does once the file is read. */
int state_parse(const char *text, size_t len, struct state *s);
/* The text state_save writes (malloc'd; NULL when out of memory). */
char *state_format(const struct state *s);
/* Writes the stack atomically; an empty stack removes the file. */
int state_save(struct host *h, const struct state *s);
void state_free(struct state *s);
void state_record_free(struct state_record *r);
/* next takes over what old knew was there before it (the drop-in's
 * previous text, if old wrote it, and each live value's): old's changes
 * and next's become one, undone together. */
void state_inherit(struct state_record *next, struct state_record *old);
/* Pushes r (taking its texts). When the stack is full, the oldest two
 * adjacent records that wrote at most one drop-in between them merge, so no
 * "previous" is ever lost; -ENOSPC (r untouched) when no two can. */
int state_push(struct state *s, struct state_record *r);
/* Whether state_push would take a record that writes (or not) the drop-in
 * at path: the verdict knows before apply begins. */
bool state_can_push(const struct state *s, bool drop_in_written, const char *path);
/* A deep copy, to put back when an apply is undone. */
int state_clone(struct state *dst, const struct state *src);

#endif
