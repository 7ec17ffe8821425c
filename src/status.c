// SPDX-License-Identifier: GPL-2.0-or-later
/* fintune status: what fintune applied, whether the drop-in and the live
 * values still match it (drift), and the pressure on the close path now. */
#include "atomic.h"
#include "host.h"
#include "plan.h"
#include "report.h"
#include "snapshot.h"
#include "common.h"
#include "dropin.h"
#include "kernel.h"
#include "output.h"
#include "state.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <unistd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The TcpExt counters that tell the close path is overflowing. */
static const char *const counters[] = {
	"TCPTimeWaitOverflow", "TCPAbortOnMemory", "TCPAbortOnTimeout", "TCPAbortOnClose",
	"TCPAbortOnData", "TCPAbortOnLinger", "TWRecycled", "TW",
};

/* A small file below ROOT/proc, never through a link. */
static FILE *open_proc_file(struct host *h, const char *path)
{
	/* /proc/net is a link to self/net: followed, inside the root */
	int fd = host_openat(h, path, O_PATH, 0, HOST_FOLLOW, NULL, 0);
	FILE *f;

	if (fd >= 0)
		fd = fd_reopen_regular(fd, O_RDONLY);
	if (fd < 0)
		return NULL;
	if (fd_check(fd, NULL) != FD_OK || !(f = fdopen(fd, "r"))) {
		close(fd);
		return NULL;
	}
	return f;
}

static void read_pressure(struct host *h, json_t *out)
{
	char line[4096], names[4096];
	FILE *f;

	f = open_proc_file(h, "/proc/net/sockstat");
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
	f = open_proc_file(h, "/proc/net/netstat");
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
	struct session ses;
	const struct state *st;
	const struct state_record *top;
	const struct kernel *k;
	struct dropin_seen seen;
	struct sysctl_config now = { 0 };
	char written[K_PLANNED][KERNEL_VALUE_MAX];
	int drift = 0, early, status = EXIT_ERROR;
	json_t *out = NULL, *keys, *pressure;
	const char *file_state;
	bool in_place;		/* the drop-in is what the apply wrote */

	common_init(&c, "status", 1u << FORMAT_JSON);
	if (!common_parse(&c, argc, argv, &early))
		return early;
	if (optind != argc)
		return usage_error("status", "takes no arguments");
	if (session_open(&ses, &c, false) < 0)
		goto out;
	st = &ses.snap.state;
	k = &ses.snap.kernel;
	out = json_object();
	pressure = json_object();
	read_pressure(&ses.host, pressure);
	if (ses.snap.state_err == -ENOENT) {
		json_object_set_new(out, "applied", json_false());
		json_object_set_new(out, "pressure", pressure);
		if (c.format == FORMAT_JSON)
			print_json(json_incref(out));
		else
			printf("fintune has applied nothing here (no %s).\n", STATE_PATH);
		status = EXIT_OK;
		goto out;
	}
	if (ses.snap.state_err < 0) {
		json_decref(pressure);
		report_error(ERR_STATE, NULL, 0, 0, "cannot read %s%s: %s", c.root, STATE_PATH,
			     ses.snap.state_err == -EINVAL ? "not a state fintune wrote" : strerror(-ses.snap.state_err));
		goto out;
	}
	top = &st->rec[st->n - 1];
	snapshot_drop_in(&ses.snap, dropin_name_of(top->drop_in_path), &seen);
	in_place = seen.existing == EXISTING_FILE && !seen.dir_linked && top->written_text &&
		   text_equal(seen.text, seen.len, top->written_text, strlen(top->written_text));
	if (seen.existing == EXISTING_NONE)
		file_state = top->written_text ? "missing" : "absent, as applied";
	else
		file_state = in_place ? "as applied" : "changed since";
	if (!in_place && !(seen.existing == EXISTING_NONE && !top->written_text))
		drift++;
	json_object_set_new(out, "applied", json_true());
	json_object_set_new(out, "profile", json_string(top->profile));
	json_object_set_new(out, "applied_at", json_string(top->applied_at));
	json_object_set_new(out, "complete", json_boolean(top->status == STATE_APPLIED));
	json_object_set_new(out, "drop_in", json_string(top->drop_in_path));
	json_object_set_new(out, "drop_in_state", json_string(file_state));
	json_object_set_new(out, "rollbacks", json_integer((json_int_t)st->n));
	if (c.format != FORMAT_JSON) {
		char profile[256], at[128], path[PATH_MAX];

		/* the state file is fintune's, but nothing read back from disk
		 * reaches the terminal raw */
		printf("Profile   %s, applied %s%s\n", printable(profile, sizeof(profile), top->profile),
		       printable(at, sizeof(at), top->applied_at),
		       top->status == STATE_APPLIED ? "" : " (interrupted: run apply or rollback again)");
		printf("Drop-in   %s: %s\n", printable(path, sizeof(path), top->drop_in_path), file_state);
		printf("Rollback  %zu appl%s can be undone, newest first\n", st->n, st->n == 1 ? "y" : "ies");
	}
	/* what the configuration leaves in force after boot, read once */
	if (sysctld_build(&now, &ses.snap.tree, false, NULL, NULL, planned_keys(), NULL) < 0) {
		report_error(ERR_NOMEM, NULL, 0, 0, "out of memory");
		goto out;
	}
	/* every key the applied drop-in sets: is its live value still that,
	 * and will it be after boot? */
	keys = json_array();
	dropin_values(top->written_text, top->drop_in_path, written);
	for (int id = 0; id < K_PLANNED; id++) {
		const char *w = written[id];
		char by[PATH_MAX + 160] = "";
		bool ok, boot;
		json_t *o;

		if (!w[0])
			continue;
		ok = !k->live || (k->running[id].present && strcmp(k->running[id].value, w) == 0);
		/* a drop-in not as applied is drift already */
		boot = !in_place ||
		       plan_in_force(&now, k, (enum key_id)id, top->drop_in_path, w, by, sizeof(by));
		drift += !ok + !boot;
		o = json_object();
		json_object_set_new(o, "key", json_string(key_fact(id)->name));
		json_object_set_new(o, "applied", json_string(w));
		json_object_set_new(o, "running", k->running[id].present ? json_string(k->running[id].value) : json_null());
		json_object_set_new(o, "drift", json_boolean(!ok));
		json_object_set_new(o, "in_force_after_boot", json_boolean(boot));
		json_object_set_new(o, "shadowed_by", boot ? json_null() : json_string(by));
		json_array_append_new(keys, o);
		if (c.format != FORMAT_JSON) {
			char value[KERNEL_VALUE_MAX * 4], shown[sizeof(by) * 4];

			printable(value, sizeof(value), w);
			if (!k->live)
				printf("  %-30s %-13s in the drop-in (no live values here)", key_fact(id)->name, value);
			else if (ok)
				printf("  %-30s %-13s live as applied", key_fact(id)->name, value);
			else
				printf("  %-30s %-13s DRIFT: live value is %s", key_fact(id)->name, value,
				       k->running[id].present ? k->running[id].value : "absent");
			if (!boot)
				printf("; NOT IN FORCE AFTER BOOT: %s", printable(shown, sizeof(shown), by));
			printf("\n");
		}
	}
	json_object_set_new(out, "keys", keys);
	json_object_set_new(out, "drift", json_boolean(drift > 0));
	json_object_set_new(out, "pressure", pressure);
	if (c.format == FORMAT_JSON) {
		print_json(json_incref(out));
	} else {
		json_t *v;
		const char *name;

		printf("Pressure ");
		json_object_foreach(pressure, name, v)
			printf(" %s %lld", name, (long long)json_integer_value(v));
		printf("%s\n", json_object_size(pressure) ? "" : " (no /proc/net here)");
		printf("%s\n", drift ? "Drift: the system no longer matches what fintune applied, now or after boot (exit status 2)." :
				       "In sync with what fintune applied.");
	}
	status = drift ? EXIT_PENDING : EXIT_OK;
out:
	json_decref(out);
	sysctld_free(&now);
	session_close(&ses);
	return status;
}
