// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * fintune apply: make the plan real, never leaving the machine half-changed.
 *
 *   1. lock, then one snapshot and the plan on it (or a reviewed plan file,
 *      recomputed on the snapshot and compared);
 *   2. the verdict: refused (exit 1, the reason diff gives too), in sync (no
 *      write at all, exit 0), or pending;
 *   3. record what will be replaced (state, status "applying");
 *   4. the transaction (txn.h): the drop-in, then each live value read
 *      back; any failure undoes it all, and the record is dropped again;
 *   5. mark the state "applied"; one journal record per changed key.
 */
#include "apply.h"
#include "atomic.h"
#include "common.h"
#include "dropin.h"
#include "journal.h"
#include "kernel.h"
#include "output.h"
#include "plan.h"
#include "report.h"
#include "snapshot.h"
#include "state.h"
#include "trust.h"
#include "txn.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <systemd/sd-bus.h>
#include <systemd/sd-daemon.h>
#include <time.h>
#include <unistd.h>

/* A plan file is a few KiB; anything much larger was not written by plan --output. */
#define PLAN_FILE_MAX (1u << 20)

bool need_root(const char *root)
{
	/* the real system needs root; an image under --root needs only write access */
	if (*root || geteuid() == 0)
		return true;
	report_error(ERR_PRIVILEGE, NULL, 0, 0,
		     "must be run as root: it writes /etc/sysctl.d and /proc/sys (nothing was changed; `fintune diff` is the dry run)");
	return false;
}

void txn_report(const struct txn *t, const char *drop_in_path)
{
	char what[PATH_MAX + 128];
	const char *why = strerror(-t->err);

	if (t->failed == -1 && t->err == -EPERM)
		snprintf(what, sizeof(what), "%s: the text to write does not pass the drop-in allowlist", drop_in_path);
	else if (t->failed <= 0 && t->err == -ESTALE)
		snprintf(what, sizeof(what), "%s changed since it was read", drop_in_path);
	else if (t->failed <= 0)
		snprintf(what, sizeof(what), "cannot write %s: %s", drop_in_path,
			 t->err == -ELOOP ? "a symlink below the root: fintune never writes through one" : why);
	else if (t->bad_from) {
		char from[KERNEL_VALUE_MAX * 4];

		/* a live value anyone could have written: escaped */
		snprintf(what, sizeof(what),
			 "%s: its live value \"%s\" is not one this kernel takes, so it could not be put back "
			 "on rollback; write a valid value first", key_fact(t->live[t->failed - 1].id)->name,
			 printable(from, sizeof(from), t->live[t->failed - 1].from));
	} else if (t->err == -EINVAL)
		snprintf(what, sizeof(what), "%s: this kernel does not take %s", key_fact(t->live[t->failed - 1].id)->name,
			 t->live[t->failed - 1].to);
	else
		snprintf(what, sizeof(what), "%s: cannot set %s: %s", key_fact(t->live[t->failed - 1].id)->name,
			 t->live[t->failed - 1].to, t->err == -EIO ? "it reads back as something else" :
			 t->err == -EBADFD ? "not a plain file with one link" : why);
	if (t->undo_failed)
		report_error(ERR_IO, NULL, 0, 0, "%s; some changes could not be undone: run `fintune rollback`", what);
	else
		report_error(t->failed == -1 || t->err == -ESTALE ? ERR_REFUSED : ERR_IO, NULL, 0, 0,
			     "%s; nothing was changed", what);
}

static void now_utc(char *buf, size_t size)
{
	time_t t = time(NULL);
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(buf, size, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static int do_reload(void)
{
	sd_bus *bus = NULL;
	sd_bus_error error = SD_BUS_ERROR_NULL;
	int r;

	r = sd_bus_open_system(&bus);
	if (r >= 0)
		r = sd_bus_call_method(bus, "org.freedesktop.systemd1", "/org/freedesktop/systemd1",
				       "org.freedesktop.systemd1.Manager", "RestartUnit", &error, NULL, "ss",
				       "systemd-sysctl.service", "replace");
	if (r < 0)
		report_error(ERR_IO, NULL, 0, 0, "applied, but could not restart systemd-sysctl.service: %s",
			     error.message ? error.message : strerror(-r));
	sd_bus_error_free(&error);
	sd_bus_unref(bus);
	return r;
}

/* ---- a reviewed plan (planfile.c) ------------------------------------------ */

/* Reads the plan file at path: a regular file, and when fintune runs as
 * root one nobody else may change (trust.h), checked on the descriptor it
 * is read from. 0, 1 when it is not trusted (said), or -errno (with *why
 * for a file that is not regular). */
static int read_plan_file(const char *path, char **text, size_t *len, const char **why)
{
	char msg[PATH_MAX + 96];
	struct trust_problem tp;
	struct stat st;
	int fd, r;

	*why = NULL;
	fd = open(path, O_PATH | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0) {
		r = -errno;
		close(fd);
		return r;
	}
	if (!S_ISREG(st.st_mode)) {
		*why = S_ISDIR(st.st_mode) ? "is a directory, expected a file" : "is not a regular file";
		close(fd);
		return -EINVAL;
	}
	if (trust_paths() && (r = trust_file(fd, -1, path, &tp)) != 0) {
		if (r > 0)
			report_error(ERR_REFUSED, NULL, 0, 0, "%s", trust_message(&tp, msg, sizeof(msg)));
		else
			report_error(ERR_REFUSED, NULL, 0, 0, "%s: cannot tell who may change it (%s): refusing", path,
				     strerror(-r));
		close(fd);
		return 1;
	}
	fd = fd_reopen_checked(fd, &st, O_RDONLY);
	if (fd < 0)
		return fd;
	r = fd_read_sized(fd, &st, PLAN_FILE_MAX, text, len);
	close(fd);
	return r;
}

static json_t *load_plan_file(const char *path, char *spec, size_t spec_size, char *drop_in, size_t drop_in_size)
{
	char *text = NULL;
	size_t len = 0;
	const char *why = NULL;
	json_t *o;
	int r;

	r = strcmp(path, "-") == 0 ? read_file_limited(path, PLAN_FILE_MAX, &text, &len, &why) :
				     read_plan_file(path, &text, &len, &why);
	if (r == 1)
		return NULL;	/* not trusted: said */
	if (r < 0) {
		report_error(r == -EFBIG ? ERR_REFUSED : ERR_IO, NULL, 0, 0, "%s: %s", path,
			     r == -EFBIG ? "larger than any plan fintune writes (1 MiB)" : why ? why : strerror(-r));
		return NULL;
	}
	o = plan_file_parse(text, len, path, spec, spec_size, drop_in, drop_in_size);
	free(text);
	return o;
}

/* ---- apply ---------------------------------------------------------------- */

struct run {
	const struct common *c;
	struct session *s;
	struct plan *pl;
	bool check, no_live, reload;
	json_t *report;
};

/* --check: what would change, as text or JSON; the verdict's exit status. */
static int report_check(struct run *r, const bool *live)
{
	const struct plan *pl = r->pl;
	bool pending = pl->file_change;

	for (int id = 0; id < K_PLANNED; id++)
		pending |= live[id];
	if (r->c->format == FORMAT_JSON) {
		json_t *keys = json_array();

		json_object_set_new(r->report, "pending", json_boolean(pending));
		json_object_set_new(r->report, "drop_in_would_change", json_boolean(pl->file_change));
		for (int id = 0; id < K_PLANNED; id++) {
			json_t *k;

			if (!live[id])
				continue;
			k = json_object();
			json_object_set_new(k, "key", json_string(key_fact(id)->name));
			json_object_set_new(k, "running", pl->kernel.running[id].present ?
								json_string(pl->kernel.running[id].value) : json_null());
			json_object_set_new(k, "proposed", json_string(pl->advice.rec[id].proposed));
			json_array_append_new(keys, k);
		}
		json_object_set_new(r->report, "live", keys);
		print_json(json_incref(r->report));
	} else {
		if (pl->file_change)
			printf("would write %s\n", pl->drop_in_path);
		for (int id = 0; id < K_PLANNED; id++)
			if (live[id])
				printf("would set %s: %s -> %s\n", key_fact(id)->name,
				       pl->kernel.running[id].present ? pl->kernel.running[id].value : "(absent)",
				       pl->advice.rec[id].proposed);
		if (!pending && !r->c->quiet)
			printf("In sync: nothing would change.\n");
	}
	return pending ? EXIT_PENDING : EXIT_OK;
}

/* Prints and records each key this run changed. */
static void report_applied(struct run *r, const bool *live, struct audit *audit)
{
	const struct plan *pl = r->pl;
	char old_file[K_PLANNED][KERNEL_VALUE_MAX], value[KERNEL_VALUE_MAX * 4];

	dropin_values(pl->old_text, pl->drop_in_path, old_file);
	for (int id = 0; id < K_PLANNED; id++) {
		const struct recommendation *rec = &pl->advice.rec[id];
		const char *before;
		json_t *o;

		if (live[id])
			before = pl->kernel.running[id].present ? pl->kernel.running[id].value : NULL;
		else if (pl->file_change && rec->planned && strcmp(old_file[id], rec->proposed) != 0)
			before = old_file[id][0] ? old_file[id] : NULL;
		else
			continue;
		audit_key(audit, key_fact(id)->name, before, rec->proposed,
			  live[id] && pl->file_change ? "live+file" : live[id] ? "live" : "file");
		o = json_object();
		json_object_set_new(o, "key", json_string(key_fact(id)->name));
		json_object_set_new(o, "old", before ? json_string(before) : json_null());
		json_object_set_new(o, "new", json_string(rec->proposed));
		json_object_set_new(o, "live", json_boolean(live[id]));
		json_array_append_new(json_object_get(r->report, "keys"), o);
		if (r->c->format != FORMAT_JSON && !r->c->quiet)
			printf("%-30s %s -> %s%s\n", key_fact(id)->name,
			       before ? printable(value, sizeof(value), before) : "(unset)", rec->proposed,
			       live[id] ? "" :
			       r->no_live ? " (in the drop-in; --no-live)" :
			       !pl->kernel.live ? " (in the drop-in; no live values here)" :
			       " (in the drop-in; the live value already is)");
	}
}

static int apply_run(struct run *r)
{
	struct plan *pl = r->pl;
	struct session *s = r->s;
	struct state *stack = &s->snap.state;
	struct state_record st = { 0 }, *top;
	struct state saved = { 0 };
	bool have_saved = false;
	struct txn t = { 0 };
	struct audit audit = { "apply", pl->profile->name, false, 0 };
	bool live[K_PLANNED] = { false }, interrupted, full;
	char profile[sizeof(st.profile) * 4], msg[PATH_MAX + 128];
	size_t n_live = 0;
	int e, status = EXIT_ERROR;

	for (int id = 0; id < K_PLANNED; id++) {
		live[id] = pl->live_change[id] && !r->no_live;
		n_live += live[id];
	}
	if (r->check)
		return report_check(r, live);
	top = stack->n ? &stack->rec[stack->n - 1] : NULL;
	interrupted = top && top->status == STATE_APPLYING;
	if (!pl->file_change && !n_live) {
		/* in sync: no write at all, unless an interrupted run left its
		 * record half done */
		if (interrupted) {
			top->status = STATE_APPLIED;
			now_utc(top->applied_at, sizeof(top->applied_at));
			e = state_save(&s->host, stack);
			if (e < 0)
				fprintf(stderr, "fintune apply: warning: cannot complete the state in %s%s: %s\n",
					r->c->root, STATE_PATH, strerror(-e));
		}
		if (!r->c->quiet && r->c->format != FORMAT_JSON)
			printf("In sync: %s and the live values are as %s wants them.\n", pl->drop_in_path,
			       printable(profile, sizeof(profile), pl->profile->name));
		json_object_set_new(r->report, "changed", json_false());
		return EXIT_OK;
	}
	if (r->reload && sd_booted() <= 0) {
		report_error(ERR_REFUSED, NULL, 0, 0,
			     "--reload: systemd is not PID 1 here, there is no systemd-sysctl.service to restart (nothing was changed)");
		return EXIT_ERROR;
	}
	/* 3. the intent, before anything changes: a new record, or the
	 * interrupted one completed (its record of what was there stays) */
	snprintf(st.profile, sizeof(st.profile), "%s", pl->profile->name);
	snprintf(st.drop_in_path, sizeof(st.drop_in_path), "%.*s", (int)sizeof(pl->drop_in_path), pl->drop_in_path);
	st.status = STATE_APPLYING;
	now_utc(st.applied_at, sizeof(st.applied_at));
	st.drop_in_written = pl->file_change;
	st.previous_text = pl->old_text ? strndup(pl->old_text, pl->old_len) : NULL;
	st.written_text = strdup(pl->new_text);
	for (int id = 0; id < K_PLANNED; id++) {
		struct live_change *c;

		if (!live[id])
			continue;
		c = &st.live[st.n_live++];
		snprintf(c->key, sizeof(c->key), "%s", key_fact(id)->name);
		c->had_previous = pl->kernel.running[id].present;
		snprintf(c->previous, sizeof(c->previous), "%s", pl->kernel.running[id].value);
		snprintf(c->written, sizeof(c->written), "%s", pl->advice.rec[id].proposed);
	}
	if (!stack->n) {
		/* the first apply: what was there before fintune, the floors
		 * every later plan starts from */
		stack->has_baseline = true;
		for (int id = 0; id < K_PLANNED; id++) {
			/* a value this kernel would not take ("abc", a tampered
			 * tree's ESC) is no floor: not known */
			stack->baseline[id].known = pl->kernel.running[id].exists &&
						    (!pl->kernel.running[id].present ||
						     kernel_accepts(&pl->kernel, (enum key_id)id, pl->kernel.running[id].value));
			stack->baseline[id].present = pl->kernel.running[id].present;
			snprintf(stack->baseline[id].value, sizeof(stack->baseline[id].value), "%s",
				 pl->kernel.running[id].value);
		}
	}
	/* the transaction, checked before anything is recorded: a value the
	 * kernel would not take, now or on the way back, writes nothing */
	t.name = pl->drop_in_name;
	t.file = pl->file_change;
	t.expect = pl->old_text;
	t.expect_len = pl->old_len;
	t.to = pl->new_text;
	t.to_len = pl->new_len;
	for (int id = 0; id < K_PLANNED; id++) {
		struct txn_live *l;

		if (!live[id])
			continue;
		l = &t.live[t.n_live++];
		l->id = (enum key_id)id;
		l->had_from = pl->kernel.running[id].present;
		snprintf(l->from, sizeof(l->from), "%s", pl->kernel.running[id].value);
		snprintf(l->to, sizeof(l->to), "%s", pl->advice.rec[id].proposed);
	}
	if (txn_check(&pl->kernel, &t) < 0) {
		txn_report(&t, pl->drop_in_path);
		goto out;
	}
	/* as it was, to put back if the transaction is undone: a push onto
	 * a full stack merges two older records, and an interrupted run's
	 * record, taken over below, must survive a failure (it alone knows
	 * what was there before it) */
	if (state_clone(&saved, stack) < 0) {
		report_error(ERR_NOMEM, NULL, 0, 0, "out of memory (nothing was changed)");
		goto out;
	}
	have_saved = true;
	if (interrupted) {
		state_inherit(&st, top);
		state_record_free(top);
		stack->n--;
	}
	/* the stack takes the texts (or gives them back when full) */
	e = state_push(stack, &st);
	full = e == -ENOSPC;
	if (e == 0)
		e = state_save(&s->host, stack);
	if (full) {
		report_error(ERR_REFUSED, NULL, 0, 0,
			     "the rollback history in %s%s is full: its %d records alternate between drop-ins and none can merge without losing one; roll back some first (nothing was changed)",
			     r->c->root, STATE_PATH, STATE_MAX_RECORDS);
		goto out;
	}
	if (e < 0) {
		report_error(ERR_IO, NULL, 0, 0, "cannot record the state in %s%s: %s (nothing was changed)", r->c->root,
			     STATE_PATH, e == -ELOOP ? "a symlink below the root" : strerror(-e));
		goto out;
	}
	/* 4. one transaction */
	if (txn_run(&s->host, &pl->kernel, &t) < 0) {
		txn_report(&t, pl->drop_in_path);
		/* undone: the record goes too (one taken over from an
		 * interrupted run is put back as it was: it still knows what
		 * was there, and rollback undoes it) */
		if (!t.undo_failed) {
			state_free(stack);
			*stack = saved;
			have_saved = false;
			state_save(&s->host, stack);
		}
		goto out;
	}
	/* 5. done */
	stack->rec[stack->n - 1].status = STATE_APPLIED;
	e = state_save(&s->host, stack);
	if (e < 0)
		fprintf(stderr, "fintune apply: warning: applied, but cannot complete the state in %s%s: %s\n", r->c->root,
			STATE_PATH, strerror(-e));
	report_applied(r, live, &audit);
	snprintf(msg, sizeof(msg), "%s%.*s, %zu live value%s set", pl->file_change ? "wrote " : "", (int)sizeof(pl->drop_in_path),
		 pl->file_change ? pl->drop_in_path : "drop-in unchanged", n_live, n_live == 1 ? "" : "s");
	audit_summary(&audit, pl->drop_in_path, audit.records, msg);
	if (r->c->format != FORMAT_JSON && !r->c->quiet)
		printf("Applied %s: %s.\n", printable(profile, sizeof(profile), pl->profile->name), msg);
	json_object_set_new(r->report, "changed", json_true());
	json_object_set_new(r->report, "drop_in_written", json_boolean(pl->file_change));
	json_object_set_new(r->report, "journal", json_boolean(!audit.no_journal));
	status = EXIT_OK;
	if (r->reload && do_reload() < 0) {
		json_object_set_new(r->report, "reloaded", json_false());
		status = EXIT_ERROR;
	}
out:
	if (have_saved)
		state_free(&saved);
	state_record_free(&st);
	return status;
}

int apply_main(int argc, char **argv)
{
	static const struct option longopts[] = {
		COMMON_LONGOPTS,
		{ "drop-in", required_argument, NULL, 'D' },
		{ "plan", required_argument, NULL, 'p' },
		{ "check", no_argument, NULL, 'c' },
		{ "no-live", no_argument, NULL, 'n' },
		{ "reload", no_argument, NULL, 'r' },
		{ 0 },
	};
	const char *drop_in = NULL, *plan_file = NULL, *spec;
	char file_spec[PATH_MAX], file_drop_in[128];
	struct common c;
	struct run r = { 0 };
	struct session s;
	struct plan pl = { 0 };
	bool have_session = false, have_plan = false;
	int opt, status = EXIT_ERROR, e;
	json_t *saved = NULL;

	common_init(&c, "apply", 1u << FORMAT_JSON);
	while ((opt = getopt_long(argc, argv, COMMON_SHORTOPTS, longopts, NULL)) != -1) {
		switch (opt) {
		case 'D': drop_in = optarg; continue;
		case 'p': plan_file = optarg; continue;
		case 'c': r.check = true; continue;
		case 'n': r.no_live = true; continue;
		case 'r': r.reload = true; continue;
		}
		e = common_option(&c, opt, argv);
		if (e == 2)
			return EXIT_OK;
		if (e != 0)
			return EXIT_ERROR;
	}
	common_finish(&c);
	if (plan_file ? optind != argc : optind + 1 != argc)
		return usage_error("apply", plan_file ? "takes no profile with --plan" :
					    optind == argc ? "expected a profile, or --plan FILE" : "expected one profile");
	if (plan_file && drop_in)
		return usage_error("apply", "--drop-in comes from the plan with --plan");
	/* before the lock: bad input writes nothing, not even /run/fintune.lock */
	if (drop_in && !dropin_name_valid(drop_in)) {
		char shown[512];

		return usage_error("apply", "--drop-in %s: " DROPIN_NAME_RULE, printable(shown, sizeof(shown), drop_in));
	}
	/* the systemd on the bus is the host's, whatever --root says */
	if (r.reload && *c.root)
		return usage_error("apply", "--reload restarts the host's systemd-sysctl.service: not with --root");
	r.c = &c;
	/* check mode needs no privilege and takes no lock: it only reads */
	if (!r.check && !need_root(c.root))
		return EXIT_ERROR;
	if (session_open_drop_in(&s, &c, !r.check, drop_in) < 0)
		goto out;
	have_session = true;
	spec = plan_file ? file_spec : argv[optind];
	if (plan_file) {
		saved = load_plan_file(plan_file, file_spec, sizeof(file_spec), file_drop_in, sizeof(file_drop_in));
		if (!saved)
			goto out;
		drop_in = file_drop_in;
	}
	have_plan = true;
	if (plan_prepare(&pl, &c, &s.snap, spec, drop_in) < 0)
		goto out;
	if (saved && plan_file_check(saved, plan_file, &pl) < 0)
		goto out;
	r.s = &s;
	r.pl = &pl;
	r.report = json_object();
	json_object_set_new(r.report, "profile", json_string(pl.profile->name));
	json_object_set_new(r.report, "drop_in", json_string(pl.drop_in_path));
	json_object_set_new(r.report, "keys", json_array());
	/* the plan's warnings, shadowing first among them, whatever happens next */
	if (!c.quiet && c.format != FORMAT_JSON)
		plan_print_warnings(&pl, stderr, use_color(&c, 2));
	{
		json_t *w = json_array();

		for (size_t i = 0; i < pl.advice.n_warnings; i++)
			json_array_append_new(w, json_string(pl.advice.warnings[i]));
		for (size_t i = 0; i < pl.n_notes; i++)
			json_array_append_new(w, json_string(pl.notes[i]));
		json_object_set_new(r.report, "warnings", w);
		json_object_set_new(r.report, "shadowed", json_boolean(pl.shadowed));
	}
	if (pl.verdict == VERDICT_REFUSED) {
		report_error(pl.reason_code, NULL, 0, 0, "%s", pl.reason);
		goto out;
	}
	status = apply_run(&r);
	if (c.format == FORMAT_JSON && !r.check && status == EXIT_OK)
		print_json(json_incref(r.report));
out:
	json_decref(saved);
	json_decref(r.report);
	if (have_plan)
		plan_release(&pl);
	if (have_session)
		session_close(&s);
	return status;
}
