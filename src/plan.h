/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef FINTUNE_PLAN_H
#define FINTUNE_PLAN_H

#include "advise.h"
#include "atomic.h"
#include "common.h"
#include "dropin.h"
#include "kernel.h"
#include "profile.h"
#include "snapshot.h"
#include "sysctld.h"

#include <limits.h>

#include <jansson.h>
#include <stdio.h>

/* A profile, the kernel it is planned for, and the advice: what plan, diff
 * and apply share. */
/* One key as the sysctl.d configuration sets it, now and with fintune's new
 * drop-in in place. */
struct key_view {
	const struct sysctl_entry *configured;	/* now: the entry that wins, or NULL */
	const struct sysctl_entry *effective_by;	/* with the new drop-in (systemd-sysctl) */
	const struct sysctl_entry *procps_by;	/* with the new drop-in (sysctl --system) */
	bool has_effective, has_procps;
	char effective[KERNEL_VALUE_MAX];	/* what systemd-sysctl leaves in force */
	char procps[KERNEL_VALUE_MAX];		/* what sysctl --system leaves in force */
	bool shadowed;		/* fintune sets it, a later file wins */
};

/* One verdict for every command that plans: diff, apply --check and apply
 * reach the same outcome for the same system, with the same reason. */
enum verdict {
	VERDICT_IN_SYNC,	/* exit 0: nothing to do */
	VERDICT_PENDING,	/* exit 2 (diff, --check); apply makes it */
	VERDICT_REFUSED,	/* exit 1: apply will not; reason says why */
};

struct plan {
	struct profile_loader *loader;	/* owned (plan_prepare) */
	struct profile *profile;
	const struct snapshot *snap;
	struct kernel kernel;		/* live, as the snapshot read it */
	/* what the advisor saw: the live values, but for the close-path keys
	 * the values from before fintune first applied, where the state
	 * keeps them, so that the advice never ratchets on its own values */
	struct kernel floors;
	bool floors_from_state;
	struct advice advice;
	/* fintune's drop-in, as the snapshot found it and as it would be written */
	char drop_in_name[128];
	char drop_in_path[sizeof(DROPIN_DIR) + 128];	/* on the target: /etc/sysctl.d/60-fintune.conf */
	const char *old_text;		/* the snapshot's copy, NULL when absent */
	char *new_text;
	size_t old_len, new_len;	/* a file on disk may hold a NUL: compare by length */
	enum existing existing;
	bool old_foreign;		/* a file is there that fintune will not replace */
	const char *foreign_why;	/* why, after the path (static text) */
	bool file_change;
	bool live_change[K_PLANNED];	/* planned, and the live value differs */
	size_t n_live;
	struct sysctl_config now, next, next_procps;
	struct key_view view[K_PLANNED];
	bool shadowed;			/* some key will not be in force after boot */
	/* what the configuration says about the plan: shadowing, procps, foreign files */
	char notes[ADVICE_NOTES][ADVICE_TEXT];
	size_t n_notes;
	enum verdict verdict;
	int reason_code;		/* enum error_code, when refused */
	char reason[ADVICE_TEXT];
	struct diags diags;		/* the profile's and the configuration's problems */
};

/* The plan: a pure function of the profile and the snapshot (drop_in: the
 * drop-in's file name, NULL for the default). Prints nothing; problems go
 * to pl->diags. 0, or -EINVAL (the advisor refuses, an invalid name) or
 * -ENOMEM. */
int plan_compute(struct plan *pl, struct profile *p, const struct snapshot *s, const char *drop_in);

/* Loads the profile and computes the plan on the session's snapshot;
 * prints the problems once, on stderr. -1 on error. */
int plan_prepare(struct plan *pl, const struct common *c, const struct snapshot *s, const char *spec,
		 const char *drop_in);
/* Whether applying would change anything: the drop-in's text or a live value. */
bool plan_pending(const struct plan *pl);
/* The exit status the verdict means for diff and apply --check. */
int plan_exit_status(const struct plan *pl);
void plan_release(struct plan *pl);
/* Prints the plan's warnings and notes (apply: on stderr). */
void plan_print_warnings(const struct plan *pl, FILE *f, bool color);

/* Whether the key, set to value by fintune's drop-in at drop_in_path, is
 * in force after boot by the configuration c (systemd-sysctl's reading);
 * if not, by says which file wins and with what. */
bool plan_in_force(const struct sysctl_config *c, const struct kernel *k, enum key_id id, const char *drop_in_path,
		   const char *value, char *by, size_t size);
/* What plan --output adds to the plan's JSON: the profile's source and
 * digest, the snapshot's digest, the drop-in's name. */
void plan_file_stamp(json_t *o, const struct plan *pl);
/* A plan file's text (path for messages) as plan --output saved it: its
 * JSON, with the profile to plan again in spec (a built-in's name or a
 * path) and the drop-in's name in drop_in; NULL (said on stderr) when it
 * is no such plan. apply --plan reads the file, then this. */
json_t *plan_file_parse(const char *text, size_t len, const char *path, char *spec, size_t spec_size, char *drop_in,
			size_t drop_in_size);
/* Whether pl, the plan made again on this system from the file's profile,
 * is exactly the one the file's o says: 0, or -1 (said on stderr) when
 * the file was edited or the system drifted. Nothing from the file is
 * trusted for a value. */
int plan_file_check(json_t *o, const char *path, const struct plan *pl);
/* The planned keys as /proc/sys paths, NULL-terminated: the only ones a
 * plan resolves (sysctld_build). */
const char *const *planned_keys(void);
/* n bytes as 2n lowercase hex digits and a NUL. */
void hex_string(char *out, const unsigned char *d, size_t n);

json_t *plan_json(const struct plan *pl);
json_t *plan_settings_json(const struct plan *pl);
/* The plan with the sysctl.d view and the drop-in's old and new text: what
 * diff --format json prints and plan --output saves. */
json_t *plan_full_json(const struct plan *pl);

/* The table columns: the running value ("(absent)", "(offline)"), and
 * what fintune proposes ("(host)", "(default)", "(absent)" when nothing). */
const char *plan_running_text(const struct kernel *k, enum key_id id);
const char *plan_proposed_text(const struct plan *pl, enum key_id id);
void print_wrapped(FILE *f, const char *text, int indent, int width);
void print_hanging(FILE *f, const char *prefix, const char *text, int indent, int width);

#endif
