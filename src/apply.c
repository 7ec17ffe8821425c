// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * fintune apply: make the plan real, never leaving the machine half-changed.
 *
 *   1. lock (flock), re-plan (or load a reviewed plan and check for drift);
 *   2. in sync: nothing is written at all;
 *   3. record what will be replaced (state, status "applying");
 *   4. write the drop-in atomically;
 *   5. set each changed live value and read it back;
 *   6. any failure: restore every live value and the file already changed,
 *      and the state as it was; exit 1 naming the key and the reason;
 *   7. mark the state "applied"; one journal record per changed key.
 */
#include "apply.h"
#include "atomic.h"
#include "common.h"
#include "dropin.h"
#include "journal.h"
#include "kernel.h"
#include "output.h"
#include "plan.h"
#include "state.h"
#include "sysctld.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <systemd/sd-bus.h>
#include <systemd/sd-daemon.h>
#include <time.h>
#include <unistd.h>

#define LOCK_FILE "/run/fintune.lock"

/* What fintune writes below --root stays in it: none of the places it
 * writes may be reached through a symlink (an image's /etc linked to the
 * host's would have the host's drop-in replaced). */
static bool root_confined(const char *root, const char *cmd)
{
	static const char *const places[] = { "/run", DROPIN_DIR, STATE_DIR, "/proc/sys/net/ipv4" };
	char where[PATH_MAX];

	for (size_t i = 0; *root && i < ARRAY_SIZE(places); i++) {
		int e = root_path_plain(root, places[i], where, sizeof(where));

		if (e == -ELOOP) {
			fprintf(stderr, "fintune %s: %s%s is a symlink: fintune never writes through one below --root (nothing was changed)\n",
				cmd, root, where);
			return false;
		}
		if (e < 0) {
			fprintf(stderr, "fintune %s: cannot check %s%s: %s (nothing was changed)\n", cmd, root, places[i],
				strerror(-e));
			return false;
		}
	}
	return true;
}

int take_lock(const char *root, const char *cmd)
{
	char path[PATH_MAX], dir[PATH_MAX];
	int fd;

	if (!root_confined(root, cmd))
		return -1;

	snprintf(dir, sizeof(dir), "%s/run", root);
	snprintf(path, sizeof(path), "%s%s", root, LOCK_FILE);
	if (*root && make_dirs(dir) < 0) {
		fprintf(stderr, "fintune %s: cannot create %s: %s\n", cmd, dir, strerror(errno));
		return -1;
	}
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0) {
		fprintf(stderr, "fintune %s: cannot open the lock %s: %s\n", cmd, path, strerror(errno));
		return -1;
	}
	if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		if (errno != EWOULDBLOCK) {
			fprintf(stderr, "fintune %s: cannot lock %s: %s\n", cmd, path, strerror(errno));
			close(fd);
			return -1;
		}
		fprintf(stderr, "fintune %s: waiting for another fintune to finish\n", cmd);
		while (flock(fd, LOCK_EX) < 0) {
			if (errno != EINTR) {
				fprintf(stderr, "fintune %s: cannot lock %s: %s\n", cmd, path, strerror(errno));
				close(fd);
				return -1;
			}
		}
	}
	return fd;
}

bool need_root(const char *root, const char *cmd)
{
	/* the real system needs root; an image under --root needs only write access */
	if (*root || geteuid() == 0)
		return true;
	fprintf(stderr, "fintune %s: must be run as root: it writes /etc/sysctl.d and /proc/sys (nothing was changed; `fintune diff` is the dry run)\n",
		cmd);
	return false;
}

/* What apply will make true: from a fresh plan, or from a reviewed one. */
struct target {
	char profile[128];
	char drop_in_name[128], drop_in_path[PATH_MAX];
	char *new_text;
	bool planned[K_PLANNED];
	char proposed[K_PLANNED][KERNEL_VALUE_MAX];
};

static void target_from_plan(struct target *t, const struct plan *pl)
{
	memset(t, 0, sizeof(*t));
	snprintf(t->profile, sizeof(t->profile), "%s", pl->profile->name);
	snprintf(t->drop_in_name, sizeof(t->drop_in_name), "%s", pl->drop_in_name);
	snprintf(t->drop_in_path, sizeof(t->drop_in_path), "%s", pl->drop_in_path);
	t->new_text = strdup(pl->new_text);
	for (int id = 0; id < K_PLANNED; id++) {
		t->planned[id] = pl->advice.rec[id].planned;
		snprintf(t->proposed[id], sizeof(t->proposed[id]), "%s", pl->advice.rec[id].proposed);
	}
}

/* A plan saved by `plan --output`, parsed once by the caller; lists what
 * drifted since it was made. */
static int target_from_json(struct target *t, json_t *o, const char *path, const char *name,
			    const struct kernel *k, const char *old_text, size_t old_len)
{
	json_t *settings, *s, *d = json_object_get(o, "drop_in");
	/* what a plan file says is quoted in messages: escaped for the terminal */
	char v1[256];
	size_t i;
	int drift = 0;

	memset(t, 0, sizeof(*t));
	if (!json_is_string(json_object_get(d, "new"))) {
		fprintf(stderr, "fintune apply: %s: the plan has no drop-in text\n", path);
		return -1;
	}
	if (strlen(json_string_value(json_object_get(d, "new"))) != json_string_length(json_object_get(d, "new"))) {
		fprintf(stderr, "fintune apply: %s: the plan's drop-in holds a NUL byte: fintune never writes one\n", path);
		return -1;
	}
	snprintf(t->profile, sizeof(t->profile), "%s", json_string_value(json_object_get(o, "profile")) ?: "?");
	snprintf(t->drop_in_name, sizeof(t->drop_in_name), "%s", name);
	snprintf(t->drop_in_path, sizeof(t->drop_in_path), "%s/%s", DROPIN_DIR, name);
	t->new_text = strdup(json_string_value(json_object_get(d, "new")));
	/* the kernel it was made for */
	if (strcmp(json_string_value(json_object_get(o, "kernel")) ?: "", k->release) != 0) {
		fprintf(stderr, "fintune apply: drifted: the kernel is %s, the plan was made on %s\n",
			k->release[0] ? k->release : "(unknown)",
			printable(v1, sizeof(v1), json_string_value(json_object_get(o, "kernel")) ?: "(unknown)"));
		drift++;
	}
	/* the drop-in as it was */
	{
		json_t *old = json_object_get(d, "old");

		if (json_is_null(old) ? old_text != NULL :
					!json_is_string(old) || !text_equal(old_text, old_len, json_string_value(old),
									   json_string_length(old))) {
			fprintf(stderr, "fintune apply: drifted: %s changed since the plan was made\n", t->drop_in_path);
			drift++;
		}
	}
	settings = json_object_get(o, "settings");
	json_array_foreach(settings, i, s) {
		const char *key = json_string_value(json_object_get(s, "key"));
		json_t *prop = json_object_get(s, "proposed"), *run = json_object_get(s, "running");
		int id = key ? key_lookup(key) : -1;

		if (id < 0 || id >= K_PLANNED) {
			fprintf(stderr, "fintune apply: %s: unknown key %s in the plan\n", path,
				printable(v1, sizeof(v1), key ? key : "(none)"));
			drift++;
			continue;
		}
		if (json_is_string(prop)) {
			if (!kernel_accepts(k, id, json_string_value(prop))) {
				fprintf(stderr, "fintune apply: %s: %s = %s is not accepted by this kernel\n", path, key,
					printable(v1, sizeof(v1), json_string_value(prop)));
				drift++;
				continue;
			}
			t->planned[id] = kernel_writable(k, id);
			snprintf(t->proposed[id], sizeof(t->proposed[id]), "%s", json_string_value(prop));
		}
		if (json_is_null(run) ? k->running[id].present :
					!k->running[id].present || strcmp(k->running[id].value, json_string_value(run) ?: "") != 0) {
			fprintf(stderr, "fintune apply: drifted: %s is %s now, the plan saw %s\n", key,
				k->running[id].present ? k->running[id].value : "(absent)",
				json_is_null(run) ? "(absent)" : printable(v1, sizeof(v1), json_string_value(run) ?: "?"));
			drift++;
		}
	}
	/* its drop-in may set only the keys the plan proposes, to those
	 * values: a plan file edited to add kernel.core_pattern is refused */
	if (!drift && !dropin_sets_only(t->new_text, strlen(t->new_text), t->drop_in_path, t->planned, t->proposed)) {
		fprintf(stderr, "fintune apply: %s: the plan's drop-in sets something other than the plan's values; refusing it\n",
			path);
		drift++;
	}
	if (drift) {
		fprintf(stderr, "fintune apply: the system or the plan changed since it was reviewed: nothing was applied; make a new plan\n");
		return -1;
	}
	return 0;
}

struct run {
	const struct common *c;
	const char *root;
	struct target t;
	struct kernel k;
	char *old_text;		/* the drop-in on disk now */
	size_t old_len;		/* it may hold a NUL: compared and restored by length */
	enum existing existing;
	bool check, no_live, reload;
	/* what this run changed, to restore on failure */
	bool file_written;
	enum key_id done[K_PLANNED];	/* written, in order; k.running has what was there */
	size_t n_done;
	json_t *report;
};

static void now_utc(char *buf, size_t size)
{
	time_t t = time(NULL);
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(buf, size, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static const char *drop_in_dir(const char *root, char *buf, size_t size)
{
	snprintf(buf, size, "%s%s", root, DROPIN_DIR);
	return buf;
}

/* Puts back what this run changed. Best effort: every restore is tried;
 * returns how many failed (then the caller keeps the record for rollback). */
static int restore(struct run *r)
{
	char dir[PATH_MAX];
	int failed = 0;

	for (size_t i = r->n_done; i-- > 0;) {
		enum key_id id = r->done[i];
		int e;

		if (!r->k.running[id].present)
			continue;
		e = kernel_write_value(r->root, id, r->k.running[id].value);
		if (e < 0) {
			fprintf(stderr, "fintune apply: could not restore %s to %s: %s\n", key_fact(id)->name,
				r->k.running[id].value, e == -EIO ? "it reads back as something else" : strerror(-e));
			failed++;
		}
	}
	if (r->file_written) {
		int e;

		drop_in_dir(r->root, dir, sizeof(dir));
		e = r->old_text ? atomic_write(dir, r->t.drop_in_name, r->old_text, r->old_len, 0644, NULL) :
				  atomic_remove(dir, r->t.drop_in_name);
		if (e < 0) {
			fprintf(stderr, "fintune apply: could not restore %s: %s\n", r->t.drop_in_path, strerror(-e));
			failed++;
		}
	}
	return failed;
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
		fprintf(stderr, "fintune apply: applied, but could not restart systemd-sysctl.service: %s\n",
			error.message ? error.message : strerror(-r));
	sd_bus_error_free(&error);
	sd_bus_unref(bus);
	return r;
}

/* --check: what would change, as text or JSON; exit 2 when anything would. */
static int report_check(struct run *r, bool file_change, const enum key_id *live, size_t n_live)
{
	if (r->c->format == FORMAT_JSON) {
		json_t *o = json_object(), *keys = json_array();

		json_object_set_new(o, "profile", json_string(r->t.profile));
		json_object_set_new(o, "pending", json_boolean(file_change || n_live));
		json_object_set_new(o, "drop_in", json_string(r->t.drop_in_path));
		json_object_set_new(o, "drop_in_would_change", json_boolean(file_change));
		for (size_t i = 0; i < n_live; i++) {
			json_t *k = json_object();

			json_object_set_new(k, "key", json_string(key_fact(live[i])->name));
			json_object_set_new(k, "running", r->k.running[live[i]].present ?
								json_string(r->k.running[live[i]].value) : json_null());
			json_object_set_new(k, "proposed", json_string(r->t.proposed[live[i]]));
			json_array_append_new(keys, k);
		}
		json_object_set_new(o, "live", keys);
		print_json(o);
	} else {
		if (file_change)
			printf("would write %s\n", r->t.drop_in_path);
		for (size_t i = 0; i < n_live; i++)
			printf("would set %s: %s -> %s\n", key_fact(live[i])->name,
			       r->k.running[live[i]].present ? r->k.running[live[i]].value : "(absent)",
			       r->t.proposed[live[i]]);
		if (!file_change && !n_live && !r->c->quiet)
			printf("In sync: nothing would change.\n");
	}
	return file_change || n_live ? EXIT_PENDING : EXIT_OK;
}

static int apply_run(struct run *r)
{
	struct state stack = { 0 };
	bool full = false;
	struct state_record st = { 0 }, *top = NULL;
	bool file_change, interrupted;
	char dir[PATH_MAX], old_file[K_PLANNED][KERNEL_VALUE_MAX];
	/* the old drop-in's values and a plan file's profile, for the terminal */
	char value[KERNEL_VALUE_MAX * 4], profile[sizeof(r->t.profile) * 4];
	size_t n_live = 0;
	enum key_id live[K_PLANNED];
	struct audit audit = { "apply", r->t.profile, false, 0 };
	int e, status = EXIT_ERROR;

	switch (r->existing) {
	case EXISTING_SYMLINK:
		fprintf(stderr, "fintune apply: %s is a symlink: fintune never writes through one\n", r->t.drop_in_path);
		return EXIT_ERROR;
	case EXISTING_OTHER:
		fprintf(stderr, "fintune apply: %s is not a regular file\n", r->t.drop_in_path);
		return EXIT_ERROR;
	case EXISTING_FOREIGN_OWNER:
		fprintf(stderr, "fintune apply: %s belongs to another user: fintune did not write it\n", r->t.drop_in_path);
		return EXIT_ERROR;
	case EXISTING_FILE:
		if (!dropin_is_ours(r->old_text)) {
			fprintf(stderr, "fintune apply: %s exists and was not written by fintune: refusing to replace it (choose another name with --drop-in, or move it away)\n",
				r->t.drop_in_path);
			return EXIT_ERROR;
		}
		if (!state_text_ok(r->old_text, r->old_len, r->t.drop_in_path)) {
			fprintf(stderr, "fintune apply: %s was edited since fintune wrote it (a key fintune never sets, or bytes it cannot keep): refusing to replace what rollback could not put back (move it away, or remove the edit)\n",
				r->t.drop_in_path);
			return EXIT_ERROR;
		}
		break;
	case EXISTING_NONE:
		break;
	}
	file_change = !text_equal(r->old_text, r->old_len, r->t.new_text, strlen(r->t.new_text));
	for (int id = 0; id < K_PLANNED && !r->no_live && r->k.live; id++)
		if (r->t.planned[id] && (!r->k.running[id].present || strcmp(r->k.running[id].value, r->t.proposed[id]) != 0))
			live[n_live++] = (enum key_id)id;
	if (r->k.child_netns && !r->c->quiet)
		fprintf(stderr, "fintune apply: net.ipv4.tcp_max_orphans is host-global: skipped in this network namespace\n");
	if (r->check)
		return report_check(r, file_change, live, n_live);
	e = state_load(r->root, &stack);
	if (e < 0 && e != -ENOENT) {
		fprintf(stderr, "fintune apply: cannot use %s%s: %s; nothing was changed (move it away to start afresh)\n",
			r->root, STATE_PATH, e == -EINVAL ? "not a state fintune wrote" : strerror(-e));
		return EXIT_ERROR;
	}
	top = stack.n ? &stack.rec[stack.n - 1] : NULL;
	interrupted = top && top->status == STATE_APPLYING;
	if (interrupted && strcmp(top->drop_in_path, r->t.drop_in_path) != 0) {
		fprintf(stderr, "fintune apply: an interrupted apply of %s is pending; run `fintune rollback` or apply with --drop-in %s first (nothing was changed)\n",
			top->drop_in_path, dropin_name_of(top->drop_in_path));
		goto out;
	}
	if (!file_change && !n_live) {
		/* in sync: no write at all, unless an interrupted run left its
		 * record half done */
		if (interrupted) {
			top->status = STATE_APPLIED;
			now_utc(top->applied_at, sizeof(top->applied_at));
			e = state_save(r->root, &stack);
			if (e < 0)
				fprintf(stderr, "fintune apply: warning: cannot complete the state in %s%s: %s\n", r->root,
					STATE_PATH, strerror(-e));
		}
		if (!r->c->quiet && r->c->format != FORMAT_JSON)
			printf("In sync: %s and the live values are as %s wants them.\n", r->t.drop_in_path,
			       printable(profile, sizeof(profile), r->t.profile));
		json_object_set_new(r->report, "changed", json_false());
		status = EXIT_OK;
		goto out;
	}
	if (r->reload && sd_booted() <= 0) {
		fprintf(stderr, "fintune apply: --reload: systemd is not PID 1 here, there is no systemd-sysctl.service to restart (nothing was changed)\n");
		goto out;
	}
	/* 3. the intent, before anything changes: a new record, or the
	 * interrupted one completed (its record of what was there stays) */
	snprintf(st.profile, sizeof(st.profile), "%s", r->t.profile);
	snprintf(st.drop_in_path, sizeof(st.drop_in_path), "%s", r->t.drop_in_path);
	st.status = STATE_APPLYING;
	now_utc(st.applied_at, sizeof(st.applied_at));
	st.drop_in_written = file_change;
	st.previous_text = r->old_text ? strdup(r->old_text) : NULL;
	st.written_text = strdup(r->t.new_text);
	for (size_t i = 0; i < n_live; i++) {
		struct live_change *c = &st.live[st.n_live++];

		snprintf(c->key, sizeof(c->key), "%s", key_fact(live[i])->name);
		c->had_previous = r->k.running[live[i]].present;
		snprintf(c->previous, sizeof(c->previous), "%s", r->k.running[live[i]].value);
		snprintf(c->written, sizeof(c->written), "%s", r->t.proposed[live[i]]);
	}
	if (interrupted) {
		state_inherit(&st, top);
		state_record_free(top);
		stack.n--;
	}
	/* the stack takes the texts (or gives them back when full) */
	e = state_push(&stack, &st);
	full = e == -ENOSPC;
	if (e == 0)
		e = state_save(r->root, &stack);
	if (full) {
		fprintf(stderr, "fintune apply: the rollback history in %s%s is full: its %d records alternate between drop-ins and none can merge without losing one; roll back some first (nothing was changed)\n",
			r->root, STATE_PATH, STATE_MAX_RECORDS);
		goto out;
	}
	if (e < 0) {
		fprintf(stderr, "fintune apply: cannot record the state in %s%s: %s (nothing was changed)\n", r->root,
			STATE_PATH, strerror(-e));
		goto out;
	}
	dropin_values(r->old_text, r->t.drop_in_path, old_file);
	/* 4. the drop-in */
	if (file_change) {
		bool replaced = false;

		drop_in_dir(r->root, dir, sizeof(dir));
		e = make_dirs(dir);
		atomic_cleanup(dir, r->t.drop_in_name);
		if (e == 0)
			e = atomic_write(dir, r->t.drop_in_name, r->t.new_text, strlen(r->t.new_text), 0644, &replaced);
		r->file_written = replaced;
		if (e < 0) {
			fprintf(stderr, "fintune apply: cannot write %s: %s; restoring what was changed\n",
				r->t.drop_in_path, strerror(-e));
			goto fail;
		}
	}
	/* 5. the live values, each read back */
	for (size_t i = 0; i < n_live; i++) {
		r->done[r->n_done++] = live[i];
		e = kernel_write_value(r->root, live[i], r->t.proposed[live[i]]);
		if (e < 0) {
			fprintf(stderr, "fintune apply: %s: cannot set %s: %s; restoring what was changed\n",
				key_fact(live[i])->name, r->t.proposed[live[i]],
				e == -EIO ? "it reads back as something else" : strerror(-e));
			goto fail;
		}
	}
	/* 7. done */
	stack.rec[stack.n - 1].status = STATE_APPLIED;
	e = state_save(r->root, &stack);
	if (e < 0)
		fprintf(stderr, "fintune apply: warning: applied, but cannot complete the state in %s%s: %s\n", r->root,
			STATE_PATH, strerror(-e));
	for (int id = 0; id < K_PLANNED; id++) {
		bool set_live = false;
		const char *before = NULL;

		for (size_t i = 0; i < n_live; i++)
			if (live[i] == (enum key_id)id)
				set_live = true;
		if (set_live)
			before = r->k.running[id].present ? r->k.running[id].value : NULL;
		else if (file_change && r->t.planned[id] && strcmp(old_file[id], r->t.proposed[id]) != 0)
			before = old_file[id][0] ? old_file[id] : NULL;
		else
			continue;
		audit_key(&audit, key_fact(id)->name, before, r->t.proposed[id],
			  set_live && file_change ? "live+file" : set_live ? "live" : "file");
		{
			json_t *o = json_object();

			json_object_set_new(o, "key", json_string(key_fact(id)->name));
			json_object_set_new(o, "old", before ? json_string(before) : json_null());
			json_object_set_new(o, "new", json_string(r->t.proposed[id]));
			json_object_set_new(o, "live", json_boolean(set_live));
			json_array_append_new(json_object_get(r->report, "keys"), o);
		}
		if (r->c->format != FORMAT_JSON && !r->c->quiet)
			printf("%-30s %s -> %s%s\n", key_fact(id)->name,
			       before ? printable(value, sizeof(value), before) : "(unset)", r->t.proposed[id],
			       set_live ? "" :
			       r->no_live ? " (in the drop-in; --no-live)" :
			       !r->k.live ? " (in the drop-in; no live values here)" :
			       " (in the drop-in; the live value already is)");
	}
	{
		char msg[PATH_MAX + 128];

		snprintf(msg, sizeof(msg), "%s%s, %zu live value%s set", file_change ? "wrote " : "",
			 file_change ? r->t.drop_in_path : "drop-in unchanged", n_live, n_live == 1 ? "" : "s");
		audit_summary(&audit, r->t.drop_in_path, audit.records, msg);
		if (r->c->format != FORMAT_JSON && !r->c->quiet)
			printf("Applied %s: %s.\n", printable(profile, sizeof(profile), r->t.profile), msg);
	}
	json_object_set_new(r->report, "changed", json_true());
	json_object_set_new(r->report, "drop_in_written", json_boolean(file_change));
	json_object_set_new(r->report, "journal", json_boolean(!audit.no_journal));
	status = EXIT_OK;
	if (r->reload && do_reload() < 0) {
		json_object_set_new(r->report, "reloaded", json_false());
		status = EXIT_ERROR;
	}
	goto out;
fail:
	/* 6. put back what this run changed; if that fails too, the record of
	 * what was there stays for `fintune rollback` */
	if (restore(r) == 0) {
		/* a record this run took over from an interrupted one stays:
		 * it still knows what was there before that run */
		if (!interrupted) {
			state_record_free(&stack.rec[stack.n - 1]);
			stack.n--;
			state_save(r->root, &stack);
		}
		fprintf(stderr, "fintune apply: nothing this run changed was left changed\n");
	} else {
		fprintf(stderr, "fintune apply: some changes could not be undone: run `fintune rollback`\n");
	}
out:
	state_record_free(&st);
	state_free(&stack);
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
	const char *drop_in = NULL, *plan_file = NULL;
	struct common c;
	struct run r = { 0 };
	struct plan pl = { 0 };
	bool have_plan = false;
	int opt, lock = -1, status = EXIT_ERROR, e;
	char dir[PATH_MAX];
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
	if (plan_file ? optind != argc : optind + 1 != argc)
		return usage_error("apply", plan_file ? "takes no profile with --plan" :
					    optind == argc ? "expected a profile, or --plan FILE" : "expected one profile");
	if (plan_file && drop_in)
		return usage_error("apply", "--drop-in comes from the plan with --plan");
	r.c = &c;
	r.root = c.root;
	/* check mode needs no privilege and takes no lock: it only reads */
	if (!r.check) {
		if (!need_root(c.root, "apply"))
			return EXIT_ERROR;
		lock = take_lock(c.root, "apply");
		if (lock < 0)
			return EXIT_ERROR;
	}
	drop_in_dir(c.root, dir, sizeof(dir));
	if (plan_file) {
		/* parsed once: the drop-in it names is the one checked and written */
		json_error_t err;
		struct diags d;
		const char *name;

		/* the old drop-in it saw may hold a NUL byte (json_stringn) */
		saved = json_load_file(plan_file, JSON_ALLOW_NUL, &err);
		if (!saved) {
			fprintf(stderr, "fintune apply: %s:%d:%d: %s\n", plan_file, err.line, err.column, err.text);
			goto out;
		}
		if (json_integer_value(json_object_get(saved, "fintune_plan")) != 1) {
			fprintf(stderr, "fintune apply: %s: not a plan saved by `fintune plan --output`\n", plan_file);
			goto out;
		}
		name = dropin_name_of(json_string_value(json_object_get(json_object_get(saved, "drop_in"), "path")));
		if (!name) {
			fprintf(stderr, "fintune apply: %s: the plan's drop-in is not in %s\n", plan_file, DROPIN_DIR);
			goto out;
		}
		diags_init(&d);
		kernel_read(c.root, &r.k, &d);
		diags_print(&d, stderr);
		diags_free(&d);
		e = atomic_read_existing(dir, name, 1u << 20, &r.existing, &r.old_text, &r.old_len);
		if (e < 0) {
			fprintf(stderr, "fintune apply: cannot read %s/%s: %s\n", DROPIN_DIR, name, strerror(-e));
			goto out;
		}
		if (target_from_json(&r.t, saved, plan_file, name, &r.k, r.old_text, r.old_len) < 0)
			goto out;
	} else {
		/* the plan has read the drop-in, under the lock: apply takes it */
		if (plan_prepare(&pl, &c, argv[optind], drop_in, false) < 0)
			goto out;
		have_plan = true;
		r.k = pl.kernel;
		target_from_plan(&r.t, &pl);
		r.existing = pl.existing;
		r.old_text = pl.old_text;
		r.old_len = pl.old_len;
		pl.old_text = NULL;
	}
	r.report = json_object();
	json_object_set_new(r.report, "profile", json_string(r.t.profile));
	json_object_set_new(r.report, "drop_in", json_string(r.t.drop_in_path));
	json_object_set_new(r.report, "keys", json_array());
	status = apply_run(&r);
	if (c.format == FORMAT_JSON && !r.check && json_object_get(r.report, "changed"))
		print_json(json_incref(r.report));
out:
	json_decref(saved);
	json_decref(r.report);
	free(r.old_text);
	free(r.t.new_text);
	if (have_plan)
		plan_release(&pl);
	if (lock >= 0)
		close(lock);
	return status;
}
