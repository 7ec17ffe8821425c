// SPDX-License-Identifier: GPL-2.0-or-later
/* The planner: the plan as a pure function of a profile and a snapshot, the
 * verdict every command shares, and the plan's JSON (plan.h). The plan
 * command itself is plan.c. */
#include "advise.h"
#include "atomic.h"
#include "common.h"
#include "dropin.h"
#include "kernel.h"
#include "output.h"
#include "plan.h"
#include "profile.h"
#include "report.h"
#include "state.h"
#include "sysctld.h"

#include <errno.h>
#include <limits.h>
#include <sys/stat.h>

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define note(pl, ...) advice_say((pl)->notes, &(pl)->n_notes, __VA_ARGS__)

const char *const *planned_keys(void)
{
	static const char *keys[K_PLANNED + 1];

	if (!keys[0])
		for (int id = 0; id < K_PLANNED; id++)
			keys[id] = key_fact(id)->proc;
	return keys;
}

static bool key_exists(const char *path, void *ctx)
{
	const struct kernel *k = ctx;
	int id = key_lookup(path);

	return id >= 0 && kernel_has(k, id);
}

static bool key_accepts(const char *path, const char *value, void *ctx)
{
	const struct kernel *k = ctx;
	int id = key_lookup(path);
	char out[KERNEL_VALUE_MAX];

	return id >= 0 && kernel_parse_write(k, id, value, out, sizeof(out));
}

/* The value a configuration leaves in force for a key. */
static bool value_in_force(const struct plan *pl, enum key_id id, const struct sysctl_entry *e, char *out,
			   size_t size)
{
	const struct kernel *k = &pl->kernel;
	const struct key_era *era = kernel_era(k, id);

	if (e && kernel_parse_write(k, id, e->value, out, size))
		return true;
	/* nothing sets it, or the kernel refuses what is written: it stays */
	if (k->running[id].present) {
		snprintf(out, size, "%s", k->running[id].value);
		return true;
	}
	if (!k->live && era->def) {
		snprintf(out, size, "%s", era->def);
		return true;
	}
	return false;
}

bool plan_in_force(const struct sysctl_config *c, const struct kernel *k, enum key_id id, const char *drop_in_path,
		   const char *value, char *by, size_t size)
{
	const struct sysctl_probe probe = { key_exists, key_accepts, (void *)k };
	const struct sysctl_entry *e = sysctld_resolve(c, key_fact(id)->name, &probe).entry;
	char mine[KERNEL_VALUE_MAX], theirs[KERNEL_VALUE_MAX], where[PATH_MAX + 64];

	if (e && strcmp(e->file->path, drop_in_path) == 0)
		return true;
	/* another file setting the same value changes nothing */
	if (e && kernel_parse_write(k, id, value, mine, sizeof(mine)) &&
	    kernel_parse_write(k, id, e->value, theirs, sizeof(theirs)) && strcmp(mine, theirs) == 0)
		return true;
	if (e) {
		sysctld_describe(e, where, sizeof(where));
		snprintf(by, size, "%s sets \"%s\"", where, e->value);
	} else {
		snprintf(by, size, "no file sets it (the kernel refuses the drop-in's value)");
	}
	return false;
}

static void build_view(struct plan *pl)
{
	const struct kernel *k = &pl->kernel;
	char where[PATH_MAX + 64], other[PATH_MAX + 64];
	/* the resolution asks the kernel facts, never the live /proc/sys */
	const struct sysctl_probe probe = { key_exists, key_accepts, (void *)k };
	const struct sysctl_probe listed = { key_exists, NULL, (void *)k };

	for (int id = 0; id < K_PLANNED; id++) {
		struct key_view *v = &pl->view[id];
		const struct recommendation *r = &pl->advice.rec[id];
		const char *name = key_fact(id)->name;
		const struct sysctl_entry *last;

		v->configured = sysctld_resolve(&pl->now, name, &listed).entry;
		v->effective_by = sysctld_resolve(&pl->next, name, &probe).entry;
		v->procps_by = sysctld_resolve(&pl->next_procps, name, &probe).entry;
		if (!kernel_has(k, id))
			continue;
		v->has_effective = value_in_force(pl, id, v->effective_by, v->effective, sizeof(v->effective));
		v->has_procps = value_in_force(pl, id, v->procps_by, v->procps, sizeof(v->procps));
		/* the last write systemd-sysctl makes, even one the kernel refuses */
		last = sysctld_resolve(&pl->next, name, &listed).entry;
		if (last && !kernel_parse_write(k, id, last->value, where, sizeof(where))) {
			sysctld_describe(last, other, sizeof(other));
			note(pl, "%s: %s sets \"%s\", which the kernel refuses: the value stays %s", name, other,
			     last->value, v->has_effective ? v->effective : "as it is");
			if (r->planned && strcmp(last->file->path, pl->drop_in_path) != 0) {
				v->shadowed = true;
				v->effective_by = last;
			}
		}
		/* another file is in force: it shadows the drop-in when it leaves
		 * another value (one setting the same value earlier keeps its
		 * place in systemd's order, and changes nothing) */
		if (r->planned && v->effective_by && strcmp(v->effective_by->file->path, pl->drop_in_path) != 0 &&
		    !(v->has_effective && kernel_parse_write(k, id, r->proposed, other, sizeof(other)) &&
		      strcmp(other, v->effective) == 0)) {
			v->shadowed = true;
			sysctld_describe(v->effective_by, where, sizeof(where));
			note(pl, "%s: fintune's drop-in sets %s, but %s sets \"%s\" after it, so %s will be in force after boot: remove that line (fintune never edits files it does not own)%s",
			     name, r->proposed, where, v->effective_by->value, v->has_effective ? v->effective : "that",
			     v->effective_by->file->link && strstr(v->effective_by->file->link, "sysctl.conf") ?
				     "" :
				     ", or give the drop-in a name that sorts after it (--drop-in)");
		}
		if (v->has_effective && v->has_procps && strcmp(v->effective, v->procps) != 0) {
			if (v->procps_by)
				sysctld_describe(v->procps_by, other, sizeof(other));
			note(pl, "%s: procps `sysctl --system` ends with %s from %s, not %s as systemd-sysctl does: it applies /etc/sysctl.conf again after every drop-in",
			     name, v->procps, v->procps_by ? other : "the running value", v->effective);
		}
	}
}

/* The drop-in as the snapshot found it: why fintune may not replace it,
 * after its path (NULL: it may). */
static const char *classify_drop_in(struct plan *pl)
{
	static const char *const why[] = {
		[EXISTING_SYMLINK] = "is a symlink: fintune never writes through one",
		[EXISTING_OTHER] = "is not a regular file: fintune will not replace it",
		[EXISTING_FOREIGN_OWNER] = "belongs to another user: fintune will not replace it",
		[EXISTING_LINKED] = "has other hard links: fintune will not replace a file that has other names",
	};
	struct dropin_seen seen;

	snapshot_drop_in(pl->snap, pl->drop_in_name, &seen);
	pl->existing = seen.existing;
	if (seen.existing == EXISTING_FILE) {
		pl->old_text = seen.text;
		pl->old_len = seen.len;
	}
	if (seen.dir_linked)
		return "is reached through a symlink below the root: fintune never writes through one";
	if (seen.existing != EXISTING_FILE)
		return seen.existing == EXISTING_NONE ? NULL : why[seen.existing];
	if (!dropin_is_ours(seen.text))
		return "exists and was not written by fintune: fintune will not replace it (choose another name with --drop-in, or move it away)";
	if (seen.too_large || !dropin_text_allowed(seen.text, seen.len))
		return "was edited since fintune wrote it (a key fintune never sets, or bytes it cannot keep): fintune will not replace it, as rollback could not put it back (move it away, or remove the edit)";
	return NULL;
}

/* The advisor's view of the kernel: the live one, with each close-path
 * key's value from before fintune first applied where the state has it. */
static bool is_limit(enum key_id id)
{
	return id == K_MAX_ORPHANS || id == K_MAX_TW_BUCKETS;
}

static void make_floors(struct plan *pl)
{
	const struct state *st = &pl->snap->state;
	char written[K_PLANNED][KERNEL_VALUE_MAX];

	pl->floors = pl->kernel;
	if (pl->snap->state_err != 0 || st->n == 0)
		return;
	/* what fintune itself wrote last */
	dropin_values(st->rec[st->n - 1].written_text, st->rec[st->n - 1].drop_in_path, written);
	for (int id = 0; id < K_PLANNED; id++) {
		bool known = st->baseline[id].known, present = st->baseline[id].present;
		const char *v = st->baseline[id].value;

		/* a state from before baselines: what the oldest record that
		 * changed the key found there */
		for (size_t i = 0; !known && i < st->n; i++)
			for (size_t j = 0; j < st->rec[i].n_live; j++)
				if (!known && key_lookup(st->rec[i].live[j].key) == id) {
					known = true;
					present = st->rec[i].live[j].had_previous;
					v = st->rec[i].live[j].previous;
				}
		if (!known || !pl->kernel.running[id].exists)
			continue;
		/* a limit someone else raised since fintune wrote it stays the
		 * floor: a running limit is never lowered; drift of anything
		 * else is put back */
		if (is_limit(id) && pl->kernel.running[id].present &&
		    strcmp(pl->kernel.running[id].value, written[id]) != 0) {
			long run, before;

			if (kernel_value(&pl->kernel, id, &run) &&
			    (!present || parse_long(v, LONG_MIN, LONG_MAX, &before) < 0 || run > before))
				continue;
		}
		pl->floors.running[id].present = present;
		snprintf(pl->floors.running[id].value, sizeof(pl->floors.running[id].value), "%s", present ? v : "");
		pl->floors_from_state = true;
	}
}

static void refuse(struct plan *pl, int code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void refuse(struct plan *pl, int code, const char *fmt, ...)
{
	va_list ap;

	if (pl->verdict == VERDICT_REFUSED)
		return;
	pl->verdict = VERDICT_REFUSED;
	pl->reason_code = code;
	va_start(ap, fmt);
	vsnprintf(pl->reason, sizeof(pl->reason), fmt, ap);
	va_end(ap);
}

static void decide(struct plan *pl)
{
	const struct snapshot *s = pl->snap;
	const struct state *st = &s->state;

	pl->file_change = !pl->old_foreign && !text_equal(pl->old_text, pl->old_len, pl->new_text, pl->new_len);
	for (int id = 0; id < K_PLANNED; id++) {
		const struct recommendation *r = &pl->advice.rec[id];

		/* against the live value: drift is put back */
		pl->live_change[id] = r->planned && pl->kernel.live &&
				      (!pl->kernel.running[id].present || strcmp(pl->kernel.running[id].value, r->proposed) != 0);
		pl->advice.rec[id].change = pl->live_change[id];
		pl->n_live += pl->live_change[id];
	}
	for (int id = 0; id < K_PLANNED; id++)
		pl->shadowed |= pl->view[id].shadowed;
	pl->verdict = pl->file_change || pl->n_live ? VERDICT_PENDING : VERDICT_IN_SYNC;
	if (s->linked) {
		refuse(pl, ERR_REFUSED, SNAPSHOT_LINKED, s->linked);
		return;
	}
	if (s->state_err == -EPERM) {
		refuse(pl, ERR_REFUSED, "%s", s->state_refusal);
		return;
	}
	if (s->state_err != 0 && s->state_err != -ENOENT) {
		refuse(pl, ERR_STATE, "cannot use %s: %s; nothing was changed (move it away to start afresh)", STATE_PATH,
		       s->state_err == -EINVAL ? "not a state fintune wrote" : strerror(-s->state_err));
		return;
	}
	if (s->tree.dir_not_dir) {
		refuse(pl, ERR_REFUSED, "%s is not a directory: fintune will not replace it (nothing was changed)", DROPIN_DIR);
		return;
	}
	for (int id = 0; id < K_PLANNED; id++) {
		const struct recommendation *r = &pl->advice.rec[id];

		if (r->planned && pl->kernel.live && pl->kernel.running[id].not_plain) {
			refuse(pl, ERR_REFUSED,
			       "/proc/sys/%s is not a plain file with one link: fintune will not write it (nothing was changed)",
			       key_fact(id)->proc);
			return;
		}
	}
	if (!dropin_text_allowed(pl->new_text, pl->new_len)) {
		refuse(pl, ERR_INTERNAL, "the drop-in fintune would write does not pass its own allowlist: please report this (nothing was changed)");
		return;
	}
	if (pl->old_foreign) {
		refuse(pl, ERR_REFUSED, "%s %s", pl->snap->tree.dir_linked[0] ? DROPIN_DIR : pl->drop_in_path,
		       pl->foreign_why);
		return;
	}
	if (pl->verdict == VERDICT_PENDING && !state_can_push(st, pl->file_change, pl->drop_in_path)) {
		refuse(pl, ERR_REFUSED,
		       "the rollback history in %s is full: its %d records alternate between drop-ins and none can merge without losing one; roll back some first (nothing was changed)",
		       STATE_PATH, STATE_MAX_RECORDS);
		return;
	}
	if (st->n && st->rec[st->n - 1].status == STATE_APPLYING &&
	    strcmp(st->rec[st->n - 1].drop_in_path, pl->drop_in_path) != 0)
		refuse(pl, ERR_REFUSED,
		       "an interrupted apply of %s is pending; run `fintune rollback` or apply with --drop-in %s first (nothing was changed)",
		       st->rec[st->n - 1].drop_in_path, dropin_name_of(st->rec[st->n - 1].drop_in_path));
}

int plan_compute(struct plan *pl, struct profile *p, const struct snapshot *s, const char *drop_in)
{
	const struct sysctl_probe procps_probe = { key_exists, key_accepts, (void *)&pl->kernel };
	struct advisor_input in;
	int r;

	memset(pl, 0, sizeof(*pl));
	diags_init(&pl->diags);
	pl->profile = p;
	pl->snap = s;
	pl->kernel = s->kernel;
	snprintf(pl->drop_in_name, sizeof(pl->drop_in_name), "%s", drop_in ? drop_in : DROPIN_DEFAULT);
	snprintf(pl->drop_in_path, sizeof(pl->drop_in_path), "%s/%s", DROPIN_DIR, pl->drop_in_name);
	if (!dropin_name_valid(pl->drop_in_name)) {
		char shown[4 * sizeof(pl->drop_in_name)];

		/* the name as typed may hold terminal controls: shown escaped */
		diag_add(&pl->diags, NULL, 0, 0, NULL,
			 "--drop-in %s: " DROPIN_NAME_RULE,
			 printable(shown, sizeof(shown), drop_in ? drop_in : DROPIN_DEFAULT));
		return -EINVAL;
	}
	make_floors(pl);
	in = (struct advisor_input){ .w = &p->w, .pins = p->pins, .n_pins = p->n_pins, .k = &pl->floors };
	advise(&in, &pl->advice);
	for (size_t i = 0; i < pl->advice.n_errors; i++)
		diag_add(&pl->diags, NULL, 0, 0, NULL, "%s", pl->advice.errors[i]);
	if (pl->advice.n_errors)
		return -EINVAL;
	pl->new_text = dropin_render(p, &pl->advice);
	if (!pl->new_text)
		return -ENOMEM;
	pl->new_len = strlen(pl->new_text);
	pl->foreign_why = classify_drop_in(pl);
	pl->old_foreign = pl->foreign_why != NULL;
	/* the configuration now, then with the new drop-in in place, as each
	 * applier reads it: built from the one read, never read again */
	r = sysctld_build(&pl->now, &s->tree, false, NULL, NULL, planned_keys(), &pl->diags);
	if (r == 0)
		r = sysctld_build(&pl->next, &s->tree, false, pl->old_foreign ? NULL : pl->drop_in_name,
				  pl->old_foreign ? NULL : pl->new_text, planned_keys(), NULL);
	/* procps writes every assignment: its view keeps only what the one
	 * probe build_view() resolves it with can find */
	if (r == 0)
		r = sysctld_build_probed(&pl->next_procps, &s->tree, true, pl->old_foreign ? NULL : pl->drop_in_name,
					 pl->old_foreign ? NULL : pl->new_text, planned_keys(), &procps_probe, NULL);
	if (r < 0)
		return r;
	build_view(pl);
	decide(pl);
	return 0;
}

int plan_prepare(struct plan *pl, const struct common *c, const struct snapshot *s, const char *spec,
		 const char *drop_in)
{
	struct profile_loader *loader;
	struct profile *p = NULL;
	struct diags d;
	int r = -1;

	diags_init(&d);
	loader = profile_loader_new(c->root, &d);
	if (loader)
		p = profile_load(loader, spec, &d);
	if (!p) {
		memset(pl, 0, sizeof(*pl));
		diags_init(&pl->diags);
	} else {
		r = plan_compute(pl, p, s, drop_in) < 0 ? -1 : 0;
	}
	pl->loader = loader;
	pl->profile = p;
	diags_move(&pl->diags, &d);
	diags_free(&d);
	/* the profile's warnings (and any error) go to stderr, once, in source order */
	diags_sort(&pl->diags);
	for (size_t i = 0; i < pl->diags.n && !(c->quiet && pl->diags.errors == 0); i++) {
		const struct diag *g = &pl->diags.v[i];
		char *line = NULL;

		diag_format(g, &line);
		if (line)
			fprintf(stderr, "%s%s\n", g->file ? "" : "fintune: ", line);
		free(line);
	}
	/* for the JSON error: a refusal where its pin was written */
	if (p && pl->advice.n_errors) {
		struct diags located;

		diags_init(&located);
		advice_locate_errors(&pl->advice, p, &located);
		report_remember_diags(ERR_REFUSED, &located);
		diags_free(&located);
	} else {
		report_remember_diags(ERR_PROFILE, &pl->diags);
	}
	return r;
}

bool plan_pending(const struct plan *pl)
{
	return pl->file_change || pl->n_live;
}

int plan_exit_status(const struct plan *pl)
{
	return pl->verdict == VERDICT_REFUSED ? EXIT_ERROR : pl->verdict == VERDICT_PENDING ? EXIT_PENDING : EXIT_OK;
}

void plan_release(struct plan *pl)
{
	profile_free(pl->profile);
	profile_loader_free(pl->loader);
	free(pl->new_text);
	sysctld_free(&pl->now);
	sysctld_free(&pl->next);
	sysctld_free(&pl->next_procps);
	diags_free(&pl->diags);
	memset(pl, 0, sizeof(*pl));
}

void plan_print_warnings(const struct plan *pl, FILE *f, bool color)
{
	if (!pl->advice.n_warnings && !pl->n_notes)
		return;
	fprintf(f, "\n%sWarnings%s\n", color ? "\033[1m" : "", color ? "\033[0m" : "");
	for (size_t i = 0; i < pl->advice.n_warnings; i++)
		print_hanging(f, "  - ", pl->advice.warnings[i], 4, 79);
	for (size_t i = 0; i < pl->n_notes; i++)
		print_hanging(f, "  - ", pl->notes[i], 4, 79);
}


/* Prints text wrapped at width, every line indented; a first line that
 * follows a prefix already printed (hanging) is not indented again. */
static void wrap(FILE *f, const char *text, int indent, int width, bool hanging)
{
	const char *p = text;

	while (*p) {
		int avail = width - indent, n = 0, last_space = -1;

		while (*p == ' ')
			p++;
		if (!*p)
			break;
		while (n < avail && p[n]) {
			if (p[n] == ' ')
				last_space = n;
			n++;
		}
		if (p[n] && last_space > 0)
			n = last_space;
		fprintf(f, "%*s%.*s\n", hanging ? 0 : indent, "", n, p);
		hanging = false;
		p += n;
	}
}

/* Notes and warnings quote values and file names from files fintune does
 * not own: escaped before they reach the terminal. */
static void wrap_printable(FILE *f, const char *text, int indent, int width, bool hanging)
{
	struct strbuf sb;

	sb_init(&sb);
	sb_add_printable(&sb, text, strlen(text));
	wrap(f, sb.oom ? "(out of memory)" : sb.s ? sb.s : "", indent, width, hanging);
	sb_free(&sb);
}

void print_wrapped(FILE *f, const char *text, int indent, int width)
{
	wrap_printable(f, text, indent, width, false);
}

void print_hanging(FILE *f, const char *prefix, const char *text, int indent, int width)
{
	fputs(prefix, f);
	wrap_printable(f, text, indent, width, true);
}

const char *plan_proposed_text(const struct plan *pl, enum key_id id)
{
	const struct kernel *k = &pl->kernel;

	if (pl->advice.rec[id].planned)
		return pl->advice.rec[id].proposed;
	if (kernel_scope(k, id) == SCOPE_GLOBAL && k->child_netns)
		return "(host)";
	return kernel_has(k, id) ? "(default)" : "(absent)";
}

const char *plan_running_text(const struct kernel *k, enum key_id id)
{
	if (k->running[id].present)
		return k->running[id].value;
	return k->live ? "(absent)" : "(offline)";
}

json_t *plan_settings_json(const struct plan *pl)
{
	const struct kernel *k = &pl->kernel;
	json_t *arr = json_array();

	for (int id = 0; id < K_PLANNED; id++) {
		const struct recommendation *r = &pl->advice.rec[id];
		json_t *o = json_object();

		const struct key_view *v = &pl->view[id];
		char src[PATH_MAX + 64];

		json_object_set_new(o, "key", json_string(key_fact(id)->name));
		json_object_set_new(o, "proposed", r->planned ? json_string(r->proposed) : json_null());
		json_object_set_new(o, "running", k->running[id].present ? json_string(k->running[id].value) : json_null());
		json_object_set_new(o, "effective", v->has_effective ? json_string(v->effective) : json_null());
		if (v->effective_by)
			snprintf(src, sizeof(src), "%s:%u", v->effective_by->file->path, v->effective_by->line);
		json_object_set_new(o, "source", v->effective_by ? json_string(src) : json_null());
		json_object_set_new(o, "shadowed_by", v->shadowed ? json_string(src) : json_null());
		json_object_set_new(o, "scope", json_string(kernel_scope(k, id) == SCOPE_GLOBAL ? "global" : "netns"));
		json_object_set_new(o, "pinned", json_boolean(r->pinned));
		json_object_set_new(o, "change", json_boolean(r->change));
		json_object_set_new(o, "rationale", json_string(r->rationale));
		json_object_set_new(o, "memory_bytes", json_integer((json_int_t)r->memory_bytes));
		/* the predicted life of an unanswered orphan at the proposed retries */
		if (id == K_ORPHAN_RETRIES) {
			const struct lifetime *l = &pl->advice.fig.orphan_life_range;

			json_object_set_new(o, "lifetime_s", r->planned ? json_real(round(l->typical * 100) / 100) : json_null());
			/* the shortest and longest, as the close falls against the
			 * kernel's timer buckets */
			json_object_set_new(o, "lifetime_min_s", r->planned ? json_real(round(l->min * 100) / 100) : json_null());
			json_object_set_new(o, "lifetime_max_s", r->planned ? json_real(round(l->max * 100) / 100) : json_null());
		}
		json_array_append_new(arr, o);
	}
	return arr;
}

json_t *plan_json(const struct plan *pl)
{
	json_t *o = json_object(), *w = json_array();

	json_object_set_new(o, "profile", json_string(pl->profile->name));
	json_object_set_new(o, "kernel", pl->kernel.release[0] ? json_string(pl->kernel.release) : json_null());
	/* where that release comes from: proc, modules (an image's), option (--kernel), assumed */
	json_object_set_new(o, "kernel_from", json_string(kernel_from_name(&pl->kernel)));
	/* an offline image has no network namespace to speak of */
	json_object_set_new(o, "netns", !pl->kernel.live ? json_null() :
					json_string(pl->kernel.child_netns ? "child" : "host"));
	json_object_set_new(o, "settings", plan_settings_json(pl));
	/* the advisor's floors are the values from before fintune first applied */
	json_object_set_new(o, "floors_from_state", json_boolean(pl->floors_from_state));
	for (size_t i = 0; i < pl->advice.n_warnings; i++)
		json_array_append_new(w, json_string(pl->advice.warnings[i]));
	for (size_t i = 0; i < pl->n_notes; i++)
		json_array_append_new(w, json_string(pl->notes[i]));
	json_object_set_new(o, "warnings", w);
	return o;
}

json_t *plan_full_json(const struct plan *pl)
{
	json_t *o = plan_json(pl), *drop = json_object(), *settings = json_object_get(o, "settings");
	size_t i;
	json_t *s;

	/* what configures each key now, before fintune's drop-in changes */
	json_array_foreach(settings, i, s) {
		const struct key_view *v = &pl->view[i];
		char src[PATH_MAX + 64];

		if (v->configured)
			snprintf(src, sizeof(src), "%s:%u", v->configured->file->path, v->configured->line);
		json_object_set_new(s, "configured", v->configured ? json_string(v->configured->value) : json_null());
		json_object_set_new(s, "configured_source", v->configured ? json_string(src) : json_null());
		/* where procps `sysctl --system` would end (it applies /etc/sysctl.conf last) */
		json_object_set_new(s, "effective_procps", v->has_procps ? json_string(v->procps) : json_null());
	}
	json_object_set_new(drop, "path", json_string(pl->drop_in_path));
	json_object_set_new(drop, "old", pl->old_text ? json_stringn(pl->old_text, pl->old_len) : json_null());
	json_object_set_new(drop, "new", json_string(pl->new_text));
	json_object_set_new(drop, "foreign", json_boolean(pl->old_foreign));
	json_object_set_new(o, "drop_in", drop);
	json_object_set_new(o, "pending", json_boolean(plan_pending(pl)));
	return o;
}

void hex_string(char *out, const unsigned char *d, size_t n)
{
	for (size_t i = 0; i < n; i++)
		sprintf(out + 2 * i, "%02x", d[i]);
}

/* What plan --output saves besides the plan itself: enough to recompute it
 * and to know it is the same. */
void plan_file_stamp(json_t *o, const struct plan *pl)
{
	unsigned char digest[32];
	char h[65];

	json_object_set_new(o, "fintune_plan", json_integer(2));
	json_object_set_new(o, "profile_source", json_string(pl->profile->files[0].identity));
	profile_digest(pl->profile, digest);
	hex_string(h, digest, sizeof(digest));
	json_object_set_new(o, "profile_sha256", json_string(h));
	snapshot_digest(pl->snap, digest);
	hex_string(h, digest, sizeof(digest));
	json_object_set_new(o, "snapshot_sha256", json_string(h));
	json_object_set_new(o, "drop_in_name", json_string(pl->drop_in_name));
}

