// SPDX-License-Identifier: GPL-2.0-or-later
#include "state.h"
#include "atomic.h"
#include "host.h"
#include "dropin.h"
#include "sysctld.h"
#include "trust.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <unistd.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static void copy(char *dst, size_t size, const char *src)
{
	snprintf(dst, size, "%s", src ? src : "");
}

/* A text the state may keep (NULL: no file): one rollback could write. */
static bool text_ok(const char *text)
{
	return !text || dropin_text_allowed(text, strlen(text));
}

/* A value rollback may write: digits, spaces and a minus sign. */
static bool value_ok(const char *v)
{
	if (!*v)
		return false;
	for (; *v; v++)
		if (!((*v >= '0' && *v <= '9') || *v == ' ' || *v == '-'))
			return false;
	return true;
}

/* A string that fits size, or none: a longer one is not cut, it is refused. */
static bool fits(json_t *v, size_t size)
{
	return !json_is_string(v) || json_string_length(v) < size;
}

static int record_from_json(json_t *o, struct state_record *r)
{
	json_t *d = json_object_get(o, "drop_in"), *live = json_object_get(o, "live"), *item;
	size_t i;

	memset(r, 0, sizeof(*r));
	{
		const char *status = json_string_value(json_object_get(o, "status"));

		if (!status || (strcmp(status, "applied") != 0 && strcmp(status, "applying") != 0))
			return -EINVAL;
		r->status = strcmp(status, "applied") == 0 ? STATE_APPLIED : STATE_APPLYING;
	}
	if (!fits(json_object_get(o, "profile"), sizeof(r->profile)) ||
	    !fits(json_object_get(o, "applied_at"), sizeof(r->applied_at)) ||
	    !fits(json_object_get(d, "path"), sizeof(r->drop_in_path)))
		return -EINVAL;
	copy(r->profile, sizeof(r->profile), json_string_value(json_object_get(o, "profile")));
	copy(r->applied_at, sizeof(r->applied_at), json_string_value(json_object_get(o, "applied_at")));
	copy(r->drop_in_path, sizeof(r->drop_in_path), json_string_value(json_object_get(d, "path")));
	r->drop_in_written = json_is_true(json_object_get(d, "written_by_apply"));
	if (json_is_string(json_object_get(d, "previous")))
		r->previous_text = strdup(json_string_value(json_object_get(d, "previous")));
	if (json_is_string(json_object_get(d, "written")))
		r->written_text = strdup(json_string_value(json_object_get(d, "written")));
	/* rollback writes what the state says: only what fintune could have
	 * recorded is believed */
	if (!dropin_name_of(r->drop_in_path) || !text_ok(r->previous_text) ||
	    !text_ok(r->written_text) || !json_is_array(live))
		return -EINVAL;
	json_array_foreach(live, i, item) {
		struct live_change *c;
		int id;

		if (r->n_live == K_PLANNED)
			return -EINVAL;
		c = &r->live[r->n_live++];
		if (!fits(json_object_get(item, "key"), sizeof(c->key)) ||
		    !fits(json_object_get(item, "previous"), sizeof(c->previous)) ||
		    !fits(json_object_get(item, "written"), sizeof(c->written)))
			return -EINVAL;
		copy(c->key, sizeof(c->key), json_string_value(json_object_get(item, "key")));
		c->had_previous = json_is_string(json_object_get(item, "previous"));
		copy(c->previous, sizeof(c->previous), json_string_value(json_object_get(item, "previous")));
		copy(c->written, sizeof(c->written), json_string_value(json_object_get(item, "written")));
		id = key_lookup(c->key);
		if (id < 0 || id >= K_PLANNED || strcmp(c->key, key_fact(id)->name) != 0 ||
		    (c->had_previous && !value_ok(c->previous)) || !value_ok(c->written))
			return -EINVAL;
	}
	return 0;
}

static int baseline_from_json(json_t *o, struct state *s)
{
	const char *key;
	json_t *v;

	if (!o)
		return 0;
	if (!json_is_object(o))
		return -EINVAL;
	json_object_foreach(o, key, v) {
		int id = key_lookup(key);

		if (id < 0 || id >= K_PLANNED || strcmp(key, key_fact(id)->name) != 0 ||
		    !(json_is_null(v) || (json_is_string(v) && value_ok(json_string_value(v)) &&
					  json_string_length(v) < KERNEL_VALUE_MAX)))
			return -EINVAL;
		s->baseline[id].known = true;
		s->baseline[id].present = json_is_string(v);
		copy(s->baseline[id].value, sizeof(s->baseline[id].value), json_string_value(v));
	}
	s->has_baseline = true;
	return 0;
}

/* Whether the state's directory, or the state in it, may be changed by
 * someone fintune does not trust (trust.h): rollback writes what the state
 * says. 0, or -EPERM with the refusal in refusal. */
static int state_trusted(struct host *h, int dfd, int fd, char *refusal, size_t size)
{
	struct trust_problem tp;
	char display[PATH_MAX];
	int r;

	snprintf(display, sizeof(display), "%s%s", h->root, fd >= 0 ? STATE_PATH : STATE_DIR);
	r = fd >= 0 ? trust_file(fd, dfd, display, &tp) : trust_dir(dfd, &tp);
	if (r == 0)
		return 0;
	if (r > 0)
		trust_message(&tp, refusal, size);
	else
		snprintf(refusal, size, "%s: cannot tell who may change it (%s): refusing", display, strerror(-r));
	return -EPERM;
}

int state_load(struct host *h, struct state *s, char *refusal, size_t size)
{
	enum existing what;
	char *text;
	size_t len;
	struct stat st = { 0 };
	int r, dfd, fd;

	memset(s, 0, sizeof(*s));
	refusal[0] = '\0';
	dfd = host_openat(h, STATE_DIR, O_PATH | O_DIRECTORY, 0, HOST_NOLINKS, NULL, 0);
	if (dfd == -ENOENT) {
		/* none yet: apply makes it in the nearest directory there is,
		 * which others must not be able to write either (they could
		 * make it first, or swap it later) */
		char up[sizeof(STATE_DIR)];
		char *slash;

		snprintf(up, sizeof(up), "%s", STATE_DIR);
		while (dfd == -ENOENT && (slash = strrchr(up, '/'))) {
			slash[slash == up] = '\0';
			dfd = host_openat(h, up, O_PATH | O_DIRECTORY, 0, HOST_NOLINKS, NULL, 0);
			if (slash == up && dfd == -ENOENT)
				break;
		}
		if (dfd < 0)
			return dfd == -ENOENT ? -ENOENT : dfd;
		r = state_trusted(h, dfd, -1, refusal, size);
		close(dfd);
		return r < 0 ? r : -ENOENT;
	}
	if (dfd < 0)
		return dfd;
	/* a directory others may write is refused with or without a state
	 * in it: apply would write one there */
	r = state_trusted(h, dfd, -1, refusal, size);
	fd = r < 0 ? -1 : openat(dfd, STATE_FILE, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	if (r == 0 && fd < 0)
		r = errno == ENOENT ? -ENOENT : -errno;
	if (r == 0 && fstat(fd, &st) < 0)
		r = -errno;
	/* the file checked is the file read: its descriptor */
	if (r == 0 && S_ISREG(st.st_mode))
		r = state_trusted(h, dfd, fd, refusal, size);
	close(dfd);
	if (r < 0) {
		if (fd >= 0)
			close(fd);
		return r;
	}
	/* a link, a directory, a FIFO: not a state fintune wrote */
	if (S_ISLNK(st.st_mode)) {
		close(fd);
		return -EINVAL;
	}
	r = atomic_read_opened(fd, STATE_FILE_MAX, &what, &text, &len);
	if (r < 0)
		return r == -EFBIG ? -EINVAL : r;
	if (what == EXISTING_NONE)
		return -ENOENT;
	if (what != EXISTING_FILE)
		return -EINVAL;
	r = state_parse(text, len, s);
	free(text);
	return r;
}

int state_parse(const char *text, size_t len, struct state *s)
{
	size_t i;
	json_error_t err;
	json_t *o, *records, *item;
	int r, version;

	memset(s, 0, sizeof(*s));
	/* a state holds no NUL: text_ok refuses one in any text */
	o = json_loadb(text, len, JSON_REJECT_DUPLICATES, &err);
	records = json_object_get(o, "records");
	version = (int)json_integer_value(json_object_get(o, "fintune_state"));
	/* an empty stack is no file at all: an empty one was not written by fintune */
	if (!o || (version != 2 && version != 3) || !json_is_array(records) || json_array_size(records) == 0 ||
	    json_array_size(records) > STATE_MAX_RECORDS) {
		json_decref(o);
		return -EINVAL;
	}
	s->rec = calloc(json_array_size(records) + 1, sizeof(*s->rec));
	if (!s->rec) {
		json_decref(o);
		return -ENOMEM;
	}
	r = baseline_from_json(json_object_get(o, "baseline"), s);
	json_array_foreach(records, i, item) {
		if (r < 0)
			break;
		r = record_from_json(item, &s->rec[s->n]);
		s->n++;
	}
	json_decref(o);
	if (r < 0)
		state_free(s);
	return r;
}

static json_t *record_to_json(const struct state_record *r)
{
	json_t *o = json_object(), *d = json_object(), *live = json_array();

	json_object_set_new(o, "status", json_string(r->status == STATE_APPLIED ? "applied" : "applying"));
	json_object_set_new(o, "profile", json_string(r->profile));
	json_object_set_new(o, "applied_at", json_string(r->applied_at));
	json_object_set_new(d, "path", json_string(r->drop_in_path));
	json_object_set_new(d, "written_by_apply", json_boolean(r->drop_in_written));
	json_object_set_new(d, "previous", r->previous_text ? json_string(r->previous_text) : json_null());
	json_object_set_new(d, "written", r->written_text ? json_string(r->written_text) : json_null());
	json_object_set_new(o, "drop_in", d);
	for (size_t i = 0; i < r->n_live; i++) {
		json_t *item = json_object();

		json_object_set_new(item, "key", json_string(r->live[i].key));
		json_object_set_new(item, "previous", r->live[i].had_previous ? json_string(r->live[i].previous) : json_null());
		json_object_set_new(item, "written", json_string(r->live[i].written));
		json_array_append_new(live, item);
	}
	json_object_set_new(o, "live", live);
	return o;
}

char *state_format(const struct state *s)
{
	char *text;
	json_t *o, *records;

	o = json_object();
	records = json_array();
	json_object_set_new(o, "fintune_state", json_integer(3));
	if (s->has_baseline) {
		json_t *b = json_object();

		/* only what state_parse takes back: a value no kernel shows is
		 * not known, rather than a state fintune itself refuses later */
		for (int id = 0; id < K_PLANNED; id++)
			if (s->baseline[id].known && (!s->baseline[id].present || value_ok(s->baseline[id].value)))
				json_object_set_new(b, key_fact(id)->name, s->baseline[id].present ?
									   json_string(s->baseline[id].value) : json_null());
		json_object_set_new(o, "baseline", b);
	}
	for (size_t i = 0; i < s->n; i++)
		json_array_append_new(records, record_to_json(&s->rec[i]));
	json_object_set_new(o, "records", records);
	text = json_dumps(o, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	json_decref(o);
	return text;
}

int state_save(struct host *h, const struct state *s)
{
	char *text;
	int r, dfd;

	/* never a record state_load would refuse */
	for (size_t i = 0; i < s->n; i++)
		if (!text_ok(s->rec[i].previous_text) ||
		    !text_ok(s->rec[i].written_text))
			return -EINVAL;
	if (s->n == 0) {
		dfd = host_openat(h, STATE_DIR, O_RDONLY | O_DIRECTORY, 0, HOST_NOLINKS, NULL, 0);
		if (dfd == -ENOENT)
			return 0;
		if (dfd < 0)
			return dfd;
		atomic_cleanup_at(dfd, STATE_FILE);
		r = atomic_remove_at(dfd, STATE_FILE);
		close(dfd);
		return r;
	}
	text = state_format(s);
	if (!text)
		return -ENOMEM;
	dfd = host_mkdirs(h, STATE_DIR);
	if (dfd < 0) {
		free(text);
		return dfd;
	}
	/* temporary files a killed run left */
	atomic_cleanup_at(dfd, STATE_FILE);
	r = strlen(text) > STATE_FILE_MAX ? -EFBIG : atomic_write_at(dfd, STATE_FILE, text, strlen(text), 0644, NULL);
	close(dfd);
	free(text);
	return r;
}

void state_record_free(struct state_record *r)
{
	free(r->previous_text);
	free(r->written_text);
	r->previous_text = r->written_text = NULL;
}

void state_free(struct state *s)
{
	for (size_t i = 0; i < s->n; i++)
		state_record_free(&s->rec[i]);
	free(s->rec);
	s->rec = NULL;
	s->n = 0;
}

/* Whether two adjacent records can be one: at most one drop-in written
 * between them. */
static bool mergeable(const struct state_record *a, const struct state_record *b)
{
	return !a->drop_in_written || !b->drop_in_written || strcmp(a->drop_in_path, b->drop_in_path) == 0;
}

void state_inherit(struct state_record *next, struct state_record *old)
{
	if (old->drop_in_written) {
		free(next->previous_text);
		next->previous_text = old->previous_text;
		old->previous_text = NULL;
		next->drop_in_written = true;
	}
	for (size_t k = 0; k < old->n_live; k++) {
		bool listed = false;

		for (size_t j = 0; j < next->n_live; j++) {
			if (strcmp(next->live[j].key, old->live[k].key) == 0) {
				/* the older record knows the value from before */
				next->live[j].had_previous = old->live[k].had_previous;
				memcpy(next->live[j].previous, old->live[k].previous, sizeof(next->live[j].previous));
				listed = true;
			}
		}
		if (!listed && next->n_live < K_PLANNED)
			next->live[next->n_live++] = old->live[k];
	}
}

/* Records i and i + 1 as one, in i's place: what was there before the
 * older, what the newer left. Only adjacent records merge: the live values
 * in between would otherwise come back out of order. */
static void merge_at(struct state *s, size_t i)
{
	struct state_record *old = &s->rec[i], *next = &s->rec[i + 1];

	if (old->drop_in_written && !next->drop_in_written) {
		/* the merged record holds the older one's drop-in */
		memcpy(next->drop_in_path, old->drop_in_path, sizeof(next->drop_in_path));
		free(next->written_text);
		next->written_text = old->written_text;
		old->written_text = NULL;
	}
	state_inherit(next, old);
	state_record_free(old);
	memmove(&s->rec[i], &s->rec[i + 1], (s->n - i - 1) * sizeof(*s->rec));
	s->n--;
}

bool state_can_push(const struct state *s, bool drop_in_written, const char *path)
{
	struct state_record next = { .drop_in_written = drop_in_written };

	if (s->n < STATE_MAX_RECORDS)
		return true;
	snprintf(next.drop_in_path, sizeof(next.drop_in_path), "%s", path);
	/* an interrupted record on top is taken over, not pushed onto */
	if (s->rec[s->n - 1].status == STATE_APPLYING)
		return true;
	for (size_t i = 0; i + 1 < s->n; i++)
		if (mergeable(&s->rec[i], &s->rec[i + 1]))
			return true;
	return mergeable(&s->rec[s->n - 1], &next);
}

int state_clone(struct state *dst, const struct state *src)
{
	*dst = *src;
	dst->rec = calloc(src->n + 1, sizeof(*dst->rec));
	if (!dst->rec) {
		dst->n = 0;
		return -ENOMEM;
	}
	for (size_t i = 0; i < src->n; i++) {
		dst->rec[i] = src->rec[i];
		dst->rec[i].previous_text = src->rec[i].previous_text ? strdup(src->rec[i].previous_text) : NULL;
		dst->rec[i].written_text = src->rec[i].written_text ? strdup(src->rec[i].written_text) : NULL;
		if ((src->rec[i].previous_text && !dst->rec[i].previous_text) ||
		    (src->rec[i].written_text && !dst->rec[i].written_text)) {
			dst->n = i + 1;
			state_free(dst);
			return -ENOMEM;
		}
	}
	return 0;
}

int state_push(struct state *s, struct state_record *r)
{
	struct state_record *v = realloc(s->rec, (s->n + 1) * sizeof(*v));

	if (!v)
		return -ENOMEM;
	s->rec = v;
	s->rec[s->n++] = *r;
	r->previous_text = r->written_text = NULL;
	while (s->n > STATE_MAX_RECORDS) {
		size_t i = 0;

		while (i + 1 < s->n && !mergeable(&s->rec[i], &s->rec[i + 1]))
			i++;
		if (i + 1 == s->n) {
			/* every neighbour wrote another drop-in: nothing merges
			 * without losing one; the new record is not taken */
			*r = s->rec[--s->n];
			return -ENOSPC;
		}
		merge_at(s, i);
	}
	return 0;
}
