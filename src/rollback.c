// SPDX-License-Identifier: GPL-2.0-or-later
/* fintune rollback: put back the drop-in (or its absence) and the live values
 * the last apply replaced, from its state under /var/lib/fintune. Safe to
 * run again after a failure or a kill: every step is idempotent. */
#include "apply.h"
#include "atomic.h"
#include "common.h"
#include "dropin.h"
#include "journal.h"
#include "kernel.h"
#include "output.h"
#include "state.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int rollback_main(int argc, char **argv)
{
	static const struct option longopts[] = { COMMON_LONGOPTS, { 0 } };
	struct common c;
	struct state st;
	struct audit audit = { "rollback", NULL, false, 0 };
	char dir[PATH_MAX], *now_text = NULL;
	const char *name;
	enum existing what;
	size_t len;
	int opt, e, lock, status = EXIT_ERROR, failures = 0;
	json_t *report = NULL, *keys;

	common_init(&c, "rollback", 1u << FORMAT_JSON);
	while ((opt = getopt_long(argc, argv, COMMON_SHORTOPTS, longopts, NULL)) != -1) {
		e = common_option(&c, opt, argv);
		if (e == 2)
			return EXIT_OK;
		if (e != 0)
			return EXIT_ERROR;
	}
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
			print_json(report);
		} else if (!c.quiet) {
			printf("Nothing to roll back: fintune has no applied state in %s.\n", STATE_PATH);
		}
		close(lock);
		return EXIT_OK;
	}
	if (e < 0) {
		fprintf(stderr, "fintune rollback: cannot read %s%s: %s\n", c.root, STATE_PATH,
			e == -EINVAL ? "not a state fintune wrote" : strerror(-e));
		close(lock);
		return EXIT_ERROR;
	}
	audit.profile = st.profile;
	report = json_object();
	keys = json_array();
	json_object_set_new(report, "profile", json_string(st.profile));
	json_object_set_new(report, "keys", keys);
	/* the drop-in: only fintune's own is replaced or removed */
	name = st.drop_in_path + strlen(DROPIN_DIR) + 1;
	snprintf(dir, sizeof(dir), "%s%s", c.root, DROPIN_DIR);
	e = atomic_read_existing(dir, name, 1u << 20, &what, &now_text, &len);
	if (st.drop_in_written) {
		if (e < 0 || (what != EXISTING_NONE && (what != EXISTING_FILE || !dropin_is_ours(now_text)))) {
			fprintf(stderr, "fintune rollback: %s is no longer fintune's: it is left alone\n", st.drop_in_path);
			failures++;
		} else if (st.previous_text) {
			e = atomic_write(dir, name, st.previous_text, strlen(st.previous_text), 0644);
			if (e < 0) {
				fprintf(stderr, "fintune rollback: cannot restore %s: %s\n", st.drop_in_path, strerror(-e));
				failures++;
			} else if (!c.quiet && c.format != FORMAT_JSON) {
				printf("restored %s\n", st.drop_in_path);
			}
		} else {
			e = atomic_remove(dir, name);
			if (e < 0) {
				fprintf(stderr, "fintune rollback: cannot remove %s: %s\n", st.drop_in_path, strerror(-e));
				failures++;
			} else if (!c.quiet && c.format != FORMAT_JSON) {
				printf("removed %s (there was none before)\n", st.drop_in_path);
			}
		}
	}
	/* the live values, each read back */
	for (size_t i = 0; i < st.n_live; i++) {
		const struct live_change *l = &st.live[i];
		int id = key_lookup(l->key);
		char now[KERNEL_VALUE_MAX] = "";

		if (!l->had_previous)
			continue;
		kernel_read_value(c.root, id, now, sizeof(now));
		e = kernel_write_value(c.root, id, l->previous);
		if (e < 0) {
			fprintf(stderr, "fintune rollback: %s: cannot set %s: %s\n", l->key, l->previous,
				e == -EIO ? "it reads back as something else" : strerror(-e));
			failures++;
			continue;
		}
		if (strcmp(now, l->previous) != 0) {
			json_t *o = json_object();

			audit_key(&audit, l->key, now[0] ? now : NULL, l->previous, "live");
			json_object_set_new(o, "key", json_string(l->key));
			json_object_set_new(o, "old", json_string(now));
			json_object_set_new(o, "new", json_string(l->previous));
			json_array_append_new(keys, o);
			if (!c.quiet && c.format != FORMAT_JSON)
				printf("%-30s %s -> %s\n", l->key, now, l->previous);
		}
	}
	if (failures) {
		fprintf(stderr, "fintune rollback: %d step%s failed; the state is kept: run rollback again when fixed\n",
			failures, failures == 1 ? "" : "s");
		goto out;
	}
	e = state_remove(c.root);
	if (e < 0)
		fprintf(stderr, "fintune rollback: warning: rolled back, but cannot remove %s%s: %s\n", c.root,
			STATE_PATH, strerror(-e));
	{
		char msg[PATH_MAX + 128];

		snprintf(msg, sizeof(msg), "%s %s and %zu live value%s",
			 !st.drop_in_written ? "left" : st.previous_text ? "restored" : "removed", st.drop_in_path,
			 json_array_size(keys), json_array_size(keys) == 1 ? "" : "s");
		audit_summary(&audit, st.drop_in_path, (unsigned)json_array_size(keys), msg);
		if (!c.quiet && c.format != FORMAT_JSON)
			printf("Rolled back %s: %s.\n", st.profile, msg);
	}
	json_object_set_new(report, "rolled_back", json_true());
	if (c.format == FORMAT_JSON)
		print_json(json_incref(report));
	status = EXIT_OK;
out:
	json_decref(report);
	free(now_text);
	state_free(&st);
	close(lock);
	return status;
}
