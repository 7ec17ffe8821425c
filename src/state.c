// SPDX-License-Identifier: GPL-2.0-or-later
#include "state.h"
#include "atomic.h"
#include "dropin.h"

#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void dir_of_state(const char *root, char *buf, size_t size)
{
	snprintf(buf, size, "%s%s", root, STATE_DIR);
}

static void copy(char *dst, size_t size, const char *src)
{
	snprintf(dst, size, "%s", src ? src : "");
}

int state_load(const char *root, struct state *s)
{
	char dir[PATH_MAX];
	enum existing what;
	char *text;
	size_t len;
	json_error_t err;
	json_t *o, *d, *live, *item;
	size_t i;
	int r;

	memset(s, 0, sizeof(*s));
	dir_of_state(root, dir, sizeof(dir));
	r = atomic_read_existing(dir, STATE_FILE, 16u << 20, &what, &text, &len);
	if (r < 0)
		return r;
	if (what == EXISTING_NONE)
		return -ENOENT;
	if (what != EXISTING_FILE)
		return -EINVAL;
	o = json_loadb(text, len, 0, &err);
	free(text);
	if (!o || json_integer_value(json_object_get(o, "fintune_state")) != 1) {
		json_decref(o);
		return -EINVAL;
	}
	s->status = strcmp(json_string_value(json_object_get(o, "status")) ?: "", "applied") == 0 ? STATE_APPLIED :
													STATE_APPLYING;
	copy(s->profile, sizeof(s->profile), json_string_value(json_object_get(o, "profile")));
	copy(s->applied_at, sizeof(s->applied_at), json_string_value(json_object_get(o, "applied_at")));
	d = json_object_get(o, "drop_in");
	copy(s->drop_in_path, sizeof(s->drop_in_path), json_string_value(json_object_get(d, "path")));
	s->drop_in_written = json_is_true(json_object_get(d, "written_by_apply"));
	if (json_is_string(json_object_get(d, "previous")))
		s->previous_text = strdup(json_string_value(json_object_get(d, "previous")));
	if (json_is_string(json_object_get(d, "written")))
		s->written_text = strdup(json_string_value(json_object_get(d, "written")));
	live = json_object_get(o, "live");
	json_array_foreach(live, i, item) {
		struct live_change *c;

		if (s->n_live == K_PLANNED)
			break;
		c = &s->live[s->n_live++];
		copy(c->key, sizeof(c->key), json_string_value(json_object_get(item, "key")));
		c->had_previous = json_is_string(json_object_get(item, "previous"));
		copy(c->previous, sizeof(c->previous), json_string_value(json_object_get(item, "previous")));
		copy(c->written, sizeof(c->written), json_string_value(json_object_get(item, "written")));
	}
	json_decref(o);
	/* rollback writes where the state says: only a drop-in name in
	 * /etc/sysctl.d is believed */
	if (strncmp(s->drop_in_path, DROPIN_DIR "/", strlen(DROPIN_DIR) + 1) != 0 ||
	    !dropin_name_valid(s->drop_in_path + strlen(DROPIN_DIR) + 1)) {
		state_free(s);
		return -EINVAL;
	}
	for (size_t k = 0; k < s->n_live; k++)
		if (key_lookup(s->live[k].key) < 0 || key_lookup(s->live[k].key) >= K_PLANNED) {
			/* only the close-path keys are ever restored */
			state_free(s);
			return -EINVAL;
		}
	return 0;
}

int state_save(const char *root, const struct state *s)
{
	char dir[PATH_MAX], *text;
	json_t *o = json_object(), *d = json_object(), *live = json_array();
	int r;

	json_object_set_new(o, "fintune_state", json_integer(1));
	json_object_set_new(o, "status", json_string(s->status == STATE_APPLIED ? "applied" : "applying"));
	json_object_set_new(o, "profile", json_string(s->profile));
	json_object_set_new(o, "applied_at", json_string(s->applied_at));
	json_object_set_new(d, "path", json_string(s->drop_in_path));
	json_object_set_new(d, "written_by_apply", json_boolean(s->drop_in_written));
	json_object_set_new(d, "previous", s->previous_text ? json_string(s->previous_text) : json_null());
	json_object_set_new(d, "written", s->written_text ? json_string(s->written_text) : json_null());
	json_object_set_new(o, "drop_in", d);
	for (size_t i = 0; i < s->n_live; i++) {
		json_t *item = json_object();

		json_object_set_new(item, "key", json_string(s->live[i].key));
		json_object_set_new(item, "previous", s->live[i].had_previous ? json_string(s->live[i].previous) : json_null());
		json_object_set_new(item, "written", json_string(s->live[i].written));
		json_array_append_new(live, item);
	}
	json_object_set_new(o, "live", live);
	text = json_dumps(o, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	json_decref(o);
	if (!text)
		return -ENOMEM;
	dir_of_state(root, dir, sizeof(dir));
	r = make_dirs(dir);
	if (r == 0)
		r = atomic_write(dir, STATE_FILE, text, strlen(text), 0644);
	free(text);
	return r;
}

int state_remove(const char *root)
{
	char dir[PATH_MAX];

	dir_of_state(root, dir, sizeof(dir));
	return atomic_remove(dir, STATE_FILE);
}

void state_free(struct state *s)
{
	free(s->previous_text);
	free(s->written_text);
	s->previous_text = s->written_text = NULL;
}
