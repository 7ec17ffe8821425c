// SPDX-License-Identifier: GPL-2.0-or-later
/* fintune rollback: undo the newest apply on the state stack under
 * /var/lib/fintune, putting back the drop-in (or its absence) and the live
 * values it replaced. Each run undoes one apply; run again for the one
 * before. A failed step keeps the record, so running it again when the
 * cause is fixed finishes the job: every step is idempotent. */
#include "apply.h"
#include "atomic.h"
#include "common.h"
#include "dropin.h"
#include "journal.h"
#include "kernel.h"
#include "output.h"
#include "state.h"
#include "util.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct undo {
	const struct common *c;
	const struct state_record *rec;
	struct audit audit;
	json_t *keys;
	int failures;
	bool refused;		/* the drop-in is not the one the apply left: nothing done */
	bool file_done;		/* the drop-in was put back or removed */
	char file_before[K_PLANNED][KERNEL_VALUE_MAX];	/* values in the drop-in now */
	char file_after[K_PLANNED][KERNEL_VALUE_MAX];	/* and after the rollback */
	bool live_done[K_PLANNED];
	char live_before[K_PLANNED][KERNEL_VALUE_MAX];
	const char *live_after[K_PLANNED];
};

static void fail(struct undo *u, const char *what, const char *why)
{
	fprintf(stderr, "fintune rollback: %s: %s\n", what, why);
	u->failures++;
}

/* The drop-in back as it was: only the file the apply wrote is replaced or
 * removed; one that someone has since edited or put there is left alone. */
static void undo_file(struct undo *u)
{
	const struct state_record *s = u->rec;
	const char *name = dropin_name_of(s->drop_in_path);
	char dir[PATH_MAX], *now = NULL;
	enum existing what;
	size_t len;
	int e;

	if (!s->drop_in_written)
		return;
	snprintf(dir, sizeof(dir), "%s%s", u->c->root, DROPIN_DIR);
	e = atomic_read_existing(dir, name, 1u << 20, &what, &now, &len);
	if (e < 0) {
		fail(u, s->drop_in_path, strerror(-e));
		return;
	}
	if (what != EXISTING_NONE && (what != EXISTING_FILE || !dropin_is_ours(now))) {
		fail(u, s->drop_in_path, "no longer fintune's, it is left alone (move it away and run rollback again)");
		u->refused = true;
		free(now);
		return;
	}
	/* what the apply wrote, or (after a rollback cut short) what it
	 * replaced: anything else was edited since, and is not lost silently */
	if (what == EXISTING_FILE && !text_equal(now, len, s->written_text, s->written_text ? strlen(s->written_text) : 0) &&
	    !(s->previous_text && text_equal(now, len, s->previous_text, strlen(s->previous_text)))) {
		fail(u, s->drop_in_path,
		     "edited since the apply, it is left alone (put back what fintune wrote, or move it away, and run rollback again)");
		u->refused = true;
		free(now);
		return;
	}
	atomic_cleanup(dir, name);
	dropin_values(now, s->drop_in_path, u->file_before);
	dropin_values(s->previous_text, s->drop_in_path, u->file_after);
	if (s->previous_text)
		e = atomic_write(dir, name, s->previous_text, strlen(s->previous_text), 0644, NULL);
	else
		e = atomic_remove(dir, name);
	if (e < 0)
		fail(u, s->drop_in_path, strerror(-e));
	else
		u->file_done = true;
	free(now);
}

/* The live values back, each checked first against what this kernel takes
 * and read back after. */
static void undo_live(struct undo *u, const struct kernel *k)
{
	const struct state_record *s = u->rec;

	for (size_t i = 0; i < s->n_live; i++) {
		const struct live_change *l = &s->live[i];
		int id = key_lookup(l->key), e;
		char msg[96 + KERNEL_VALUE_MAX];

		if (!l->had_previous)
			continue;	/* the key did not exist: nothing to put back */
		if (!kernel_accepts(k, id, l->previous)) {
			snprintf(msg, sizeof(msg), "this kernel does not take %s, the value before", l->previous);
			fail(u, l->key, msg);
			continue;
		}
		/* read under the lock just before: what is there now */
		snprintf(u->live_before[id], sizeof(u->live_before[id]), "%s", k->running[id].value);
		e = kernel_write_value(u->c->root, id, l->previous);
		if (e < 0) {
			snprintf(msg, sizeof(msg), "cannot set %s: %s", l->previous,
				 e == -EIO ? "it reads back as something else" : strerror(-e));
			fail(u, l->key, msg);
			continue;
		}
		u->live_done[id] = strcmp(u->live_before[id], l->previous) != 0;
		u->live_after[id] = l->previous;
	}
}

/* One journal record and one report entry per key whose value changed,
 * live, in the drop-in, or both. */
static void report_keys(struct undo *u)
{
	for (int id = 0; id < K_PLANNED; id++) {
		bool file = u->file_done && strcmp(u->file_before[id], u->file_after[id]) != 0;
		const char *old, *new;
		json_t *o;

		if (!file && !u->live_done[id])
			continue;
		old = u->live_done[id] ? u->live_before[id] : u->file_before[id];
		new = u->live_done[id] ? u->live_after[id] : u->file_after[id];
		audit_key(&u->audit, key_fact(id)->name, old[0] ? old : NULL, new[0] ? new : NULL,
			  u->live_done[id] && file ? "live+file" : u->live_done[id] ? "live" : "file");
		o = json_object();
		json_object_set_new(o, "key", json_string(key_fact(id)->name));
		json_object_set_new(o, "old", old[0] ? json_string(old) : json_null());
		json_object_set_new(o, "new", new[0] ? json_string(new) : json_null());
		json_object_set_new(o, "live", json_boolean(u->live_done[id]));
		json_object_set_new(o, "file", json_boolean(file));
		json_array_append_new(u->keys, o);
		if (!u->c->quiet && u->c->format != FORMAT_JSON) {
			/* values read back from drop-ins on disk */
			char o1[KERNEL_VALUE_MAX * 4], n1[KERNEL_VALUE_MAX * 4];

			printf("%-30s %s -> %s%s\n", key_fact(id)->name, old[0] ? printable(o1, sizeof(o1), old) : "(unset)",
			       new[0] ? printable(n1, sizeof(n1), new) : "(unset)", u->live_done[id] ? "" : " (in the drop-in)");
		}
	}
}

int rollback_main(int argc, char **argv)
{
	struct common c;
	struct state st;
	struct kernel k;
	struct diags d;
	struct undo u = { 0 };
	char msg[PATH_MAX + 320];
	int e, lock, status = EXIT_ERROR;
	json_t *report;

	common_init(&c, "rollback", 1u << FORMAT_JSON);
	if (!common_parse(&c, argc, argv, &status))
		return status;
	if (optind != argc)
		return usage_error("rollback", "takes no arguments");
	if (!need_root(c.root, "rollback"))
		return EXIT_ERROR;
	lock = take_lock(c.root, "rollback");
	if (lock < 0)
		return EXIT_ERROR;
	e = state_load(c.root, &st);
	if (e == -ENOENT) {
		if (c.format == FORMAT_JSON) {
			report = json_object();
			json_object_set_new(report, "rolled_back", json_false());
			json_object_set_new(report, "remaining", json_integer(0));
			print_json(report);
		} else if (!c.quiet) {
			printf("Nothing to roll back: fintune has no applied state in %s.\n", STATE_PATH);
		}
		close(lock);
		return EXIT_OK;
	}
	if (e < 0) {
		fprintf(stderr, "fintune rollback: cannot read %s%s: %s; nothing was changed\n", c.root, STATE_PATH,
			e == -EINVAL ? "not a state fintune wrote" : strerror(-e));
		close(lock);
		return EXIT_ERROR;
	}
	diags_init(&d);
	kernel_read(c.root, &k, &d);
	diags_print(&d, stderr);
	diags_free(&d);
	u.c = &c;
	u.rec = &st.rec[st.n - 1];
	u.audit = (struct audit){ "rollback", u.rec->profile, false, 0 };
	u.keys = json_array();
	report = json_object();
	json_object_set_new(report, "profile", json_string(u.rec->profile));
	json_object_set_new(report, "applied_at", json_string(u.rec->applied_at));
	json_object_set_new(report, "drop_in", json_string(u.rec->drop_in_path));
	json_object_set_new(report, "keys", u.keys);
	/* the drop-in is checked first: if it is not what the apply left,
	 * nothing at all is changed */
	undo_file(&u);
	if (!u.refused)
		undo_live(&u, &k);
	report_keys(&u);
	if (u.failures) {
		fprintf(stderr, "fintune rollback: %d step%s failed; the record is kept: run rollback again when fixed\n",
			u.failures, u.failures == 1 ? "" : "s");
		goto out;
	}
	snprintf(msg, sizeof(msg), "%s %s, %zu key%s changed back, undoing the apply of %s at %s",
		 !u.rec->drop_in_written ? "left" : u.rec->previous_text ? "restored" : "removed",
		 u.rec->drop_in_path, json_array_size(u.keys), json_array_size(u.keys) == 1 ? "" : "s",
		 u.rec->profile, u.rec->applied_at);
	audit_summary(&u.audit, u.rec->drop_in_path, u.audit.records, msg);
	state_record_free(&st.rec[--st.n]);
	u.rec = NULL;
	e = state_save(c.root, &st);
	if (e < 0)
		fprintf(stderr, "fintune rollback: warning: rolled back, but cannot update %s%s: %s\n", c.root,
			STATE_PATH, strerror(-e));
	if (!c.quiet && c.format != FORMAT_JSON) {
		char shown[sizeof(msg)];

		printf("Rolled back: %s.\n", printable(shown, sizeof(shown), msg));
		if (st.n)
			printf("%zu earlier appl%s can be rolled back (run rollback again).\n", st.n,
			       st.n == 1 ? "y" : "ies");
	}
	json_object_set_new(report, "rolled_back", json_true());
	json_object_set_new(report, "remaining", json_integer((json_int_t)st.n));
	if (c.format == FORMAT_JSON)
		print_json(json_incref(report));
	status = EXIT_OK;
out:
	json_decref(report);
	state_free(&st);
	close(lock);
	return status;
}
