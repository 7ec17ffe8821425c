/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef FINTUNE_PLAN_H
#define FINTUNE_PLAN_H

#include "advise.h"
#include "atomic.h"
#include "common.h"
#include "kernel.h"
#include "profile.h"
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

struct plan {
	struct profile_loader *loader;
	struct profile *profile;
	struct kernel kernel;
	struct advice advice;
	/* fintune's drop-in, as on disk and as it would be written */
	char drop_in_name[128];
	char drop_in_path[PATH_MAX];	/* on the target: /etc/sysctl.d/60-fintune.conf */
	char *old_text, *new_text;
	size_t old_len, new_len;	/* a file on disk may hold a NUL: compare by length */
	enum existing existing;	/* what is at drop_in_path */
	bool old_foreign;	/* a file is there that fintune will not replace */
	struct sysctl_config now, next, next_procps;
	struct key_view view[K_PLANNED];
	/* what the configuration says about the plan: shadowing, procps, foreign files */
	char notes[ADVICE_NOTES][ADVICE_TEXT];
	size_t n_notes;
};

/* Loads the profile, reads the kernel and fintune's drop-in under c->root,
 * advises, and renders the new drop-in (drop_in: its file name in
 * /etc/sysctl.d, NULL for the default); with view, also reads the sysctl.d
 * configuration and what each key will be (plan and diff; apply needs
 * none of it). Problems (and the profile's and the configuration's
 * warnings) go to stderr. -1 on error. */
int plan_prepare(struct plan *pl, const struct common *c, const char *spec, const char *drop_in, bool view);
/* Whether applying would change anything: the drop-in's text or a live value. */
bool plan_pending(const struct plan *pl);
void plan_release(struct plan *pl);

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
