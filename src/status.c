// SPDX-License-Identifier: GPL-2.0-or-later
/* fintune status: what fintune applied, whether the drop-in and the live
 * values still match it (drift), and the pressure on the close path now. */
#include "atomic.h"
#include "common.h"
#include "dropin.h"
#include "kernel.h"
#include "output.h"
#include "state.h"
#include "util.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The TcpExt counters that tell the close path is overflowing. */
static const char *const counters[] = {
	"TCPTimeWaitOverflow", "TCPAbortOnMemory", "TCPAbortOnTimeout", "TCPAbortOnClose",
	"TCPAbortOnData", "TCPAbortOnLinger", "TWRecycled", "TW",
};

static void read_pressure(const char *root, json_t *out)
{
	char path[PATH_MAX], line[4096], names[4096];
	FILE *f;

	snprintf(path, sizeof(path), "%s/proc/net/sockstat", root);
	f = fopen(path, "re");
	if (f) {
		while (fgets(line, sizeof(line), f)) {
			unsigned long inuse, orphan, tw, alloc, mem;

			if (sscanf(line, "TCP: inuse %lu orphan %lu tw %lu alloc %lu mem %lu", &inuse, &orphan, &tw,
				   &alloc, &mem) == 5) {
				json_object_set_new(out, "tcp_inuse", json_integer((json_int_t)inuse));
				json_object_set_new(out, "orphans", json_integer((json_int_t)orphan));
				json_object_set_new(out, "time_wait", json_integer((json_int_t)tw));
			}
		}
		fclose(f);
	}
	snprintf(path, sizeof(path), "%s/proc/net/netstat", root);
	f = fopen(path, "re");
	if (!f)
		return;
	names[0] = '\0';
	while (fgets(line, sizeof(line), f)) {
		if (strncmp(line, "TcpExt:", 7) != 0)
			continue;
		if (!names[0]) {
			snprintf(names, sizeof(names), "%s", line);
			continue;
		}
		/* the second TcpExt: line holds the values, in the same order */
		{
			char *sn, *sv, *n = strtok_r(names + 7, " \n", &sn), *v = strtok_r(line + 7, " \n", &sv);

			for (; n && v; n = strtok_r(NULL, " \n", &sn), v = strtok_r(NULL, " \n", &sv))
				for (size_t i = 0; i < ARRAY_SIZE(counters); i++)
					if (strcmp(n, counters[i]) == 0)
						json_object_set_new(out, n, json_integer(strtoll(v, NULL, 10)));
		}
		break;
	}
	fclose(f);
}

int status_main(int argc, char **argv)
{
	struct common c;
	struct state st;
	const struct state_record *top;
	struct kernel k;
	struct diags d;
	char written[K_PLANNED][KERNEL_VALUE_MAX];
	char dir[PATH_MAX], *text = NULL;
	enum existing what;
	size_t len;
	int e, drift = 0, early;
	json_t *out, *keys, *pressure;
	const char *file_state;

	common_init(&c, "status", 1u << FORMAT_JSON);
	if (!common_parse(&c, argc, argv, &early))
		return early;
	if (optind != argc)
		return usage_error("status", "takes no arguments");
	out = json_object();
	pressure = json_object();
	read_pressure(c.root, pressure);
	e = state_load(c.root, &st);
	if (e == -ENOENT) {
		json_object_set_new(out, "applied", json_false());
		json_object_set_new(out, "pressure", pressure);
		if (c.format == FORMAT_JSON)
			print_json(out);
		else {
			printf("fintune has applied nothing here (no %s).\n", STATE_PATH);
			json_decref(out);
		}
		return EXIT_OK;
	}
	if (e < 0) {
		fprintf(stderr, "fintune status: cannot read %s%s: %s\n", c.root, STATE_PATH,
			e == -EINVAL ? "not a state fintune wrote" : strerror(-e));
		json_decref(out);
		json_decref(pressure);
		return EXIT_ERROR;
	}
	top = &st.rec[st.n - 1];
	diags_init(&d);
	kernel_read(c.root, &k, &d);
	diags_free(&d);
	snprintf(dir, sizeof(dir), "%s%s", c.root, DROPIN_DIR);
	e = atomic_read_existing(dir, dropin_name_of(top->drop_in_path), 1u << 20, &what, &text, &len);
	if (e < 0) {
		fprintf(stderr, "fintune status: cannot read %s: %s\n", top->drop_in_path, strerror(-e));
		file_state = "unreadable";
	} else if (what == EXISTING_NONE)
		file_state = top->written_text ? "missing" : "absent, as applied";
	else if (what == EXISTING_FILE && top->written_text &&
		 text_equal(text, len, top->written_text, strlen(top->written_text)))
		file_state = "as applied";
	else
		file_state = "changed since";
	if (strcmp(file_state, "as applied") != 0 && strcmp(file_state, "absent, as applied") != 0)
		drift++;
	json_object_set_new(out, "applied", json_true());
	json_object_set_new(out, "profile", json_string(top->profile));
	json_object_set_new(out, "applied_at", json_string(top->applied_at));
	json_object_set_new(out, "complete", json_boolean(top->status == STATE_APPLIED));
	json_object_set_new(out, "drop_in", json_string(top->drop_in_path));
	json_object_set_new(out, "drop_in_state", json_string(file_state));
	json_object_set_new(out, "rollbacks", json_integer((json_int_t)st.n));
	if (c.format != FORMAT_JSON) {
		char profile[256], at[128], path[PATH_MAX];

		/* the state file is fintune's, but nothing read back from disk
		 * reaches the terminal raw */
		printf("Profile   %s, applied %s%s\n", printable(profile, sizeof(profile), top->profile),
		       printable(at, sizeof(at), top->applied_at),
		       top->status == STATE_APPLIED ? "" : " (interrupted: run apply or rollback again)");
		printf("Drop-in   %s: %s\n", printable(path, sizeof(path), top->drop_in_path), file_state);
		printf("Rollback  %zu appl%s can be undone, newest first\n", st.n, st.n == 1 ? "y" : "ies");
	}
	/* every key the applied drop-in sets: is its live value still that? */
	keys = json_array();
	dropin_values(top->written_text, top->drop_in_path, written);
	for (int id = 0; id < K_PLANNED; id++) {
		const char *w = written[id];
		json_t *o;
		bool ok;

		if (!w[0])
			continue;
		ok = k.running[id].present && strcmp(k.running[id].value, w) == 0;
		if (!k.live)
			ok = true;	/* an offline image has no live values to drift */
		drift += !ok;
		o = json_object();
		json_object_set_new(o, "key", json_string(key_fact(id)->name));
		json_object_set_new(o, "applied", json_string(w));
		json_object_set_new(o, "running", k.running[id].present ? json_string(k.running[id].value) : json_null());
		json_object_set_new(o, "drift", json_boolean(!ok));
		json_array_append_new(keys, o);
		if (c.format != FORMAT_JSON) {
			char value[KERNEL_VALUE_MAX * 4];

			printable(value, sizeof(value), w);
			if (!k.live)
				printf("  %-30s %-13s in the drop-in (no live values here)\n", key_fact(id)->name, value);
			else if (ok)
				printf("  %-30s %-13s live as applied\n", key_fact(id)->name, value);
			else
				printf("  %-30s %-13s DRIFT: live value is %s\n", key_fact(id)->name, value,
				       k.running[id].present ? k.running[id].value : "absent");
		}
	}
	json_object_set_new(out, "keys", keys);
	json_object_set_new(out, "drift", json_boolean(drift > 0));
	json_object_set_new(out, "pressure", pressure);
	if (c.format == FORMAT_JSON) {
		print_json(out);
	} else {
		json_t *v;
		const char *name;

		printf("Pressure ");
		json_object_foreach(pressure, name, v)
			printf(" %s %lld", name, (long long)json_integer_value(v));
		printf("%s\n", json_object_size(pressure) ? "" : " (no /proc/net here)");
		printf("%s\n", drift ? "Drift: the system no longer matches what fintune applied (exit status 2)." :
				       "In sync with what fintune applied.");
		json_decref(out);
	}
	free(text);
	state_free(&st);
	return drift ? EXIT_PENDING : EXIT_OK;
}
