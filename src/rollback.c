// SPDX-License-Identifier: GPL-2.0-or-later
/* fintune rollback: undo the newest apply on the state stack under
 * /var/lib/fintune, putting back the drop-in (or its absence) and the live
 * values it replaced. Each run undoes one apply; run again for the one
 * before. It is apply's transaction run the other way (txn.h): all or
 * nothing, so a drop-in that cannot be put back means no live value
 * changes either, and the record stays for a later run. */
#include "apply.h"
#include "common.h"
#include "dropin.h"
#include "journal.h"
#include "kernel.h"
#include "output.h"
#include "report.h"
#include "snapshot.h"
#include "state.h"
#include "txn.h"
#include "util.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The transaction that undoes rec, from what the snapshot saw; -1 (said)
 * when the drop-in is not what the apply left. */
static int build_undo(const struct snapshot *snap, const struct state_record *rec, struct txn *t)
{
	const char *name = dropin_name_of(rec->drop_in_path);
	struct dropin_seen seen;

	memset(t, 0, sizeof(*t));
	t->name = name;
	snapshot_drop_in(snap, name, &seen);
	if (seen.dir_linked || (seen.existing != EXISTING_NONE &&
				(seen.existing != EXISTING_FILE || !dropin_is_ours(seen.text)))) {
		report_error(ERR_REFUSED, NULL, 0, 0,
			     "%s: no longer fintune's, it is left alone and nothing was changed (move it away and run rollback again)",
			     rec->drop_in_path);
		return -1;
	}
	if (rec->drop_in_written) {
		const char *prev = rec->previous_text;
		bool is_written = seen.text && rec->written_text &&
				  text_equal(seen.text, seen.len, rec->written_text, strlen(rec->written_text));
		bool is_prev = prev ? seen.text && text_equal(seen.text, seen.len, prev, strlen(prev)) :
				      seen.existing == EXISTING_NONE;

		if (is_written || (seen.existing == EXISTING_NONE && prev)) {
			/* what the apply wrote (or nothing, where someone
			 * removed it): the file as it was before */
			t->file = true;
			t->expect = seen.text;
			t->expect_len = seen.len;
			t->to = prev;
			t->to_len = prev ? strlen(prev) : 0;
		} else if (!is_prev) {
			/* after a rollback cut short, what it replaced is
			 * there already; anything else was edited since */
			report_error(ERR_REFUSED, NULL, 0, 0,
				     "%s: edited since the apply, it is left alone and nothing was changed (put back what fintune wrote, or move it away, and run rollback again)",
				     rec->drop_in_path);
			return -1;
		}
	}
	for (size_t i = 0; i < rec->n_live; i++) {
		const struct live_change *l = &rec->live[i];
		int id = key_lookup(l->key);
		struct txn_live *tl;

		if (!l->had_previous || !snap->kernel.running[id].exists ||
		    (snap->kernel.running[id].present && strcmp(snap->kernel.running[id].value, l->previous) == 0))
			continue;	/* nothing to put back, or back already */
		/* a value that cannot be read now (a run killed inside a write
		 * to an image's plain file) is put back all the same, with
		 * nothing to return to if that fails */
		tl = &t->live[t->n_live++];
		tl->id = (enum key_id)id;
		tl->had_from = snap->kernel.running[id].present;
		snprintf(tl->from, sizeof(tl->from), "%s", snap->kernel.running[id].value);
		snprintf(tl->to, sizeof(tl->to), "%s", l->previous);
	}
	return 0;
}

/* One journal record, one report entry and one line per key whose value
 * changed, live, in the drop-in, or both. */
static void report_keys(const struct common *c, const struct txn *t, struct audit *audit, json_t *keys)
{
	char file_before[K_PLANNED][KERNEL_VALUE_MAX], file_after[K_PLANNED][KERNEL_VALUE_MAX];
	const char *live_before[K_PLANNED] = { NULL }, *live_after[K_PLANNED] = { NULL };

	dropin_values(t->file ? t->expect : NULL, DROPIN_DIR "/x.conf", file_before);
	dropin_values(t->file ? t->to : NULL, DROPIN_DIR "/x.conf", file_after);
	for (size_t i = 0; i < t->n_live; i++) {
		live_before[t->live[i].id] = t->live[i].from;
		live_after[t->live[i].id] = t->live[i].to;
	}
	for (int id = 0; id < K_PLANNED; id++) {
		bool file = t->file && strcmp(file_before[id], file_after[id]) != 0, live = live_before[id] != NULL;
		const char *old = live ? live_before[id] : file_before[id], *new = live ? live_after[id] : file_after[id];
		json_t *o;

		if (!file && !live)
			continue;
		audit_key(audit, key_fact(id)->name, old[0] ? old : NULL, new[0] ? new : NULL,
			  live && file ? "live+file" : live ? "live" : "file");
		o = json_object();
		json_object_set_new(o, "key", json_string(key_fact(id)->name));
		json_object_set_new(o, "old", old[0] ? json_string(old) : json_null());
		json_object_set_new(o, "new", new[0] ? json_string(new) : json_null());
		json_object_set_new(o, "live", json_boolean(live));
		json_object_set_new(o, "file", json_boolean(file));
		json_array_append_new(keys, o);
		if (!c->quiet && c->format != FORMAT_JSON) {
			/* values read back from drop-ins on disk */
			char o1[KERNEL_VALUE_MAX * 4], n1[KERNEL_VALUE_MAX * 4];

			printf("%-30s %s -> %s%s\n", key_fact(id)->name, old[0] ? printable(o1, sizeof(o1), old) : "(unset)",
			       new[0] ? printable(n1, sizeof(n1), new) : "(unset)", live ? "" : " (in the drop-in)");
		}
	}
}

int rollback_main(int argc, char **argv)
{
	struct common c;
	struct session s;
	struct state *st;
	const struct state_record *rec;
	struct txn t;
	struct audit audit;
	char msg[PATH_MAX + 320];
	int e, status = EXIT_ERROR;
	json_t *report = NULL, *keys;

	common_init(&c, "rollback", 1u << FORMAT_JSON);
	if (!common_parse(&c, argc, argv, &status))
		return status;
	status = EXIT_ERROR;
	if (optind != argc)
		return usage_error("rollback", "takes no arguments");
	if (!need_root(c.root))
		return EXIT_ERROR;
	if (session_open(&s, &c, true) < 0) {
		session_close(&s);
		return EXIT_ERROR;
	}
	st = &s.snap.state;
	if (s.snap.state_err == -ENOENT) {
		if (c.format == FORMAT_JSON) {
			report = json_object();
			json_object_set_new(report, "rolled_back", json_false());
			json_object_set_new(report, "remaining", json_integer(0));
			print_json(report);
			report = NULL;
		} else if (!c.quiet) {
			printf("Nothing to roll back: fintune has no applied state in %s.\n", STATE_PATH);
		}
		status = EXIT_OK;
		goto out;
	}
	if (s.snap.linked) {
		report_error(ERR_REFUSED, NULL, 0, 0, SNAPSHOT_LINKED, s.snap.linked);
		goto out;
	}
	if (s.snap.state_err == -EPERM) {
		report_error(ERR_REFUSED, NULL, 0, 0, "%s", s.snap.state_refusal);
		goto out;
	}
	if (s.snap.state_err < 0) {
		report_error(ERR_STATE, NULL, 0, 0, "cannot read %s%s: %s; nothing was changed", c.root, STATE_PATH,
			     s.snap.state_err == -EINVAL ? "not a state fintune wrote" : strerror(-s.snap.state_err));
		goto out;
	}
	rec = &st->rec[st->n - 1];
	if (build_undo(&s.snap, rec, &t) < 0)
		goto out;
	if (txn_run(&s.host, &s.snap.kernel, &t) < 0) {
		txn_report(&t, rec->drop_in_path);
		fprintf(stderr, "fintune rollback: the record is kept: run rollback again when fixed\n");
		goto out;
	}
	audit = (struct audit){ "rollback", rec->profile, false, 0 };
	report = json_object();
	keys = json_array();
	json_object_set_new(report, "profile", json_string(rec->profile));
	json_object_set_new(report, "applied_at", json_string(rec->applied_at));
	json_object_set_new(report, "drop_in", json_string(rec->drop_in_path));
	json_object_set_new(report, "keys", keys);
	report_keys(&c, &t, &audit, keys);
	snprintf(msg, sizeof(msg), "%s %s, %zu key%s changed back, undoing the apply of %s at %s",
		 !t.file ? "left" : rec->previous_text ? "restored" : "removed", rec->drop_in_path,
		 json_array_size(keys), json_array_size(keys) == 1 ? "" : "s", rec->profile, rec->applied_at);
	audit_summary(&audit, rec->drop_in_path, audit.records, msg);
	state_record_free(&st->rec[--st->n]);
	e = state_save(&s.host, st);
	if (e < 0)
		fprintf(stderr, "fintune rollback: warning: rolled back, but cannot update %s%s: %s\n", c.root,
			STATE_PATH, strerror(-e));
	if (!c.quiet && c.format != FORMAT_JSON) {
		char shown[sizeof(msg)];

		printf("Rolled back: %s.\n", printable(shown, sizeof(shown), msg));
		if (st->n)
			printf("%zu earlier appl%s can be rolled back (run rollback again).\n", st->n,
			       st->n == 1 ? "y" : "ies");
	}
	json_object_set_new(report, "rolled_back", json_true());
	json_object_set_new(report, "remaining", json_integer((json_int_t)st->n));
	if (c.format == FORMAT_JSON)
		print_json(json_incref(report));
	status = EXIT_OK;
out:
	json_decref(report);
	session_close(&s);
	return status;
}
