// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * A reviewed plan: the file `plan --output` saves, read back by `apply
 * --plan` (apply.c reads the file; what is in it is parsed and checked
 * here, from its text, so the fuzzer reaches it without a file).
 */
#include "dropin.h"
#include "plan.h"
#include "report.h"
#include "util.h"

#include <jansson.h>
#include <stdio.h>
#include <string.h>

/* A reviewed plan is not trusted for a single value: the profile it names
 * is planned again on this snapshot, by the same rules as `plan`, and
 * applied only when that gives exactly what the file says and the system
 * is as it was when the plan was made. An edited plan or a changed system
 * is refused; nothing from the file is written. */
int plan_file_check(json_t *o, const char *path, const struct plan *pl)
{
	unsigned char digest[32];
	char h[65], v1[256];
	json_t *settings = json_object_get(o, "settings"), *drop = json_object_get(o, "drop_in"), *s;
	size_t i;
	int drift = 0, edited = 0;

	profile_digest(pl->profile, digest);
	hex_string(h, digest, sizeof(digest));
	if (strcmp(json_string_value(json_object_get(o, "profile_sha256")) ?: "", h) != 0) {
		report_error(ERR_DRIFTED, NULL, 0, 0, "drifted: the profile %s changed since the plan was made",
			     printable(v1, sizeof(v1), json_string_value(json_object_get(o, "profile_source")) ?: "?"));
		return -1;
	}
	/* what the plan saw, for the messages: the kernel and each value */
	if (strcmp(json_string_value(json_object_get(o, "kernel")) ?: "", pl->kernel.release) != 0) {
		/* another kernel's facts give other proposals: that is the cause,
		 * not an edit of the plan */
		const char *from = json_string_value(json_object_get(o, "kernel_from"));

		report_error(ERR_DRIFTED, NULL, 0, 0, "drifted: the kernel is %s, the plan was made for %s%s: nothing was applied; %s",
			     pl->kernel.release[0] ? pl->kernel.release : "(unknown)",
			     printable(v1, sizeof(v1), json_string_value(json_object_get(o, "kernel")) ?: "(unknown)"),
			     from && strcmp(from, "option") == 0 ? " (--kernel)" : "",
			     from && strcmp(from, "option") == 0 && !pl->kernel.live ? "give apply the same --kernel, or make a new plan" : "make a new plan");
		return -1;
	}
	json_array_foreach(settings, i, s) {
		const char *key = json_string_value(json_object_get(s, "key"));
		json_t *run = json_object_get(s, "running"), *prop = json_object_get(s, "proposed");
		int id = key ? key_lookup(key) : -1;
		const struct recommendation *r;

		if (id < 0 || id >= K_PLANNED || strcmp(key, key_fact(id)->name) != 0) {
			edited++;
			continue;
		}
		r = &pl->advice.rec[id];
		if (json_is_null(run) ? pl->kernel.running[id].present :
					!pl->kernel.running[id].present ||
						strcmp(pl->kernel.running[id].value, json_string_value(run) ?: "") != 0) {
			fprintf(stderr, "fintune apply: drifted: %s is %s now, the plan saw %s\n", key,
				pl->kernel.running[id].present ? pl->kernel.running[id].value : "(absent)",
				json_is_null(run) ? "(absent)" : printable(v1, sizeof(v1), json_string_value(run) ?: "?"));
			drift++;
		}
		if (json_is_null(prop) ? r->planned : !r->planned || strcmp(json_string_value(prop) ?: "", r->proposed) != 0) {
			fprintf(stderr, "fintune apply: %s: %s = %s is not what the profile gives (%s)\n", path, key,
				json_is_null(prop) ? "(none)" : printable(v1, sizeof(v1), json_string_value(prop) ?: "?"),
				r->planned ? r->proposed : "not written");
			edited++;
		}
	}
	if (json_array_size(settings) != K_PLANNED)
		edited++;
	{
		json_t *old = json_object_get(drop, "old"), *new = json_object_get(drop, "new");

		if (json_is_null(old) ? pl->old_text != NULL :
					!json_is_string(old) ||
						!text_equal(pl->old_text, pl->old_len, json_string_value(old), json_string_length(old))) {
			fprintf(stderr, "fintune apply: drifted: %s changed since the plan was made\n", pl->drop_in_path);
			drift++;
		}
		if (strcmp(json_string_value(json_object_get(drop, "path")) ?: "", pl->drop_in_path) != 0) {
			fprintf(stderr, "fintune apply: %s: the plan's drop-in is not %s\n", path, pl->drop_in_path);
			edited++;
		}
		if (!json_is_string(new) ||
		    !text_equal(json_string_value(new), json_string_length(new), pl->new_text, pl->new_len)) {
			fprintf(stderr, "fintune apply: %s: the plan's drop-in is not what the profile gives\n", path);
			edited++;
		}
	}
	snapshot_digest(pl->snap, digest);
	hex_string(h, digest, sizeof(digest));
	if (!drift && strcmp(json_string_value(json_object_get(o, "snapshot_sha256")) ?: "", h) != 0) {
		fprintf(stderr, "fintune apply: drifted: the sysctl.d configuration or the state changed since the plan was made\n");
		drift++;
	}
	if (edited) {
		report_error(ERR_REFUSED, NULL, 0, 0, "%s was edited since `fintune plan --output` wrote it: nothing was applied; make a new plan",
			     path);
		return -1;
	}
	if (drift) {
		report_error(ERR_DRIFTED, NULL, 0, 0, "the system changed since the plan was reviewed: nothing was applied; make a new plan");
		return -1;
	}
	return 0;
}

json_t *plan_file_parse(const char *text, size_t len, const char *path, char *spec, size_t spec_size, char *drop_in,
			size_t drop_in_size)
{
	const char *src, *name;
	json_error_t err;
	json_t *o;

	/* the old drop-in it saw may hold a NUL byte (json_stringn) */
	o = json_loadb(text, len, JSON_ALLOW_NUL | JSON_REJECT_DUPLICATES, &err);
	/* jansson's message quotes the text near the error: not of a file
	 * that may be no plan at all */
	if (!o) {
		/* nor where: a position tells a value's length */
		(void)err;
		report_error(ERR_REFUSED, NULL, 0, 0, "%s: not JSON: not a plan saved by this fintune's `plan --output`",
			     path);
		return NULL;
	}
	src = json_string_value(json_object_get(o, "profile_source"));
	name = json_string_value(json_object_get(o, "drop_in_name"));
	/* a source longer than spec holds would name another file, cut */
	if (json_integer_value(json_object_get(o, "fintune_plan")) != 2 || !src || !name || !dropin_name_valid(name) ||
	    strlen(src) >= spec_size || strlen(name) >= drop_in_size) {
		report_error(ERR_REFUSED, NULL, 0, 0, "%s: not a plan saved by this fintune's `plan --output`", path);
		json_decref(o);
		return NULL;
	}
	/* a built-in by its name; any other by its real path */
	snprintf(spec, spec_size, "%s", strncmp(src, "builtin:", 8) == 0 ? src + 8 : src);
	snprintf(drop_in, drop_in_size, "%s", name);
	return o;
}
