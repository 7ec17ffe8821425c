// SPDX-License-Identifier: GPL-2.0-or-later
/* fintune status: what fintune applied, whether the drop-in and the live
 * values still match it (drift), and the pressure on the close path now. */
#include "atomic.h"
#include "census.h"
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

#include <arpa/inet.h>
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

/* The running system's sockets, counted against the limits: only for the
 * real root, whose network namespace is this process's own (netlink cannot
 * count a tree under --root). NULL, and a reason, when there is none. */
static json_t *census_json(const struct common *c, const struct kernel *k, const char **why)
{
	struct census cs;
	long lo = 32768, hi = 60999;
	json_t *o, *states, *orph;
	const struct census_dest *busy;
	int r;

	if (*c->root || !k->live) {
		*why = "no census under --root: the kernel counts only the sockets of the namespace fintune runs in";
		return NULL;
	}
	if (k->running[K_PORT_RANGE].present)
		sscanf(k->running[K_PORT_RANGE].value, "%ld %ld", &lo, &hi);
	r = census_take(&cs, lo, hi);
	if (r < 0) {
		*why = r == -EPERM || r == -EACCES ? "no census: NETLINK_SOCK_DIAG was refused" : "no census: NETLINK_SOCK_DIAG failed";
		return NULL;
	}
	o = json_object();
	states = json_object();
	orph = json_object();
	for (int st = 1; st < CENSUS_STATES; st++) {
		json_object_set_new(states, census_state_name(st), json_integer((json_int_t)cs.states[st]));
		if (cs.orphaned[st])
			json_object_set_new(orph, census_state_name(st), json_integer((json_int_t)cs.orphaned[st]));
	}
	json_object_set_new(o, "states", states);
	json_object_set_new(o, "orphaned", orph);
	json_object_set_new(o, "total", json_integer((json_int_t)cs.total));
	/* TIME_WAIT and orphaned FIN_WAIT2 share tcp_max_tw_buckets */
	json_object_set_new(o, "tw_buckets_used", json_integer((json_int_t)(cs.states[6] + cs.orphaned[5])));
	busy = census_busiest(&cs);
	if (busy) {
		char dest[INET6_ADDRSTRLEN + 16];
		json_t *b = json_object();

		json_object_set_new(b, "destination", json_string(census_dest_text(busy, dest, sizeof(dest))));
		json_object_set_new(b, "time_wait", json_integer((json_int_t)busy->time_wait));
		json_object_set_new(b, "ports", json_integer(hi - lo + 1));
		json_object_set_new(o, "busiest_destination", b);
	}
	json_object_set_new(o, "destinations", json_integer((json_int_t)cs.n_dests));
	/* CLOSE_WAIT is the application's bug: who holds them */
	if (census_owners(&cs) == 0 && cs.states[8]) {
		json_t *owners = json_array();

		for (size_t i = 0; i < cs.n_owners; i++) {
			json_t *w = json_object();
			char comm[160];

			json_object_set_new(w, "pid", json_integer(cs.owners[i].pid));
			/* a process names itself: escaped before anyone reads it */
			json_object_set_new(w, "command", json_string(printable(comm, sizeof(comm), cs.owners[i].comm)));
			json_object_set_new(w, "sockets", json_integer((json_int_t)cs.owners[i].sockets));
			json_array_append_new(owners, w);
		}
		json_object_set_new(o, "close_wait_owners", owners);
	}
	census_free(&cs);
	return o;
}

static double share(uint64_t n, long limit)
{
	return limit > 0 ? 100.0 * (double)n / (double)limit : 0;
}

/* The census for people: states, the limits they fill, the upstream
 * nearest to running out of ports. */
static void census_print(const json_t *o, const struct kernel *k)
{
	const json_t *states = json_object_get(o, "states"), *orph = json_object_get(o, "orphaned");
	const json_t *busy = json_object_get(o, "busiest_destination"), *v;
	const char *name;
	long tw_limit = -1, orphan_limit = -1;
	uint64_t fw2 = (uint64_t)json_integer_value(json_object_get(states, "FIN_WAIT2"));
	uint64_t fw2_orph = (uint64_t)json_integer_value(json_object_get(orph, "FIN_WAIT2"));
	int col = 10;

	printf("Sockets  ");
	json_object_foreach((json_t *)states, name, v) {
		if (!json_integer_value(v))
			continue;
		if (col > 60) {
			printf("\n         ");
			col = 10;
		}
		col += printf(" %s %lld", name, (long long)json_integer_value(v));
	}
	printf("%s\n", json_integer_value(json_object_get(o, "total")) ? "" : " none");
	if (fw2)
		printf("          FIN_WAIT2: %llu orphaned (tcp_fin_timeout ends them), %llu half-closed by shutdown() (only the application does)\n",
		       (unsigned long long)fw2_orph, (unsigned long long)(fw2 - fw2_orph));
	if (kernel_value(k, K_MAX_TW_BUCKETS, &tw_limit)) {
		uint64_t used = (uint64_t)json_integer_value(json_object_get(o, "tw_buckets_used"));

		printf("Limits    TIME_WAIT and orphaned FIN_WAIT2 %llu of tcp_max_tw_buckets %ld (%.1f%%)\n",
		       (unsigned long long)used, tw_limit, share(used, tw_limit));
	}
	if (kernel_value(k, K_MAX_ORPHANS, &orphan_limit)) {
		uint64_t n = 0;

		json_object_foreach((json_t *)orph, name, v)
			if (strcmp(name, "TIME_WAIT") && strcmp(name, "FIN_WAIT2"))
				n += (uint64_t)json_integer_value(v);
		printf("          orphans %llu of tcp_max_orphans %ld (%.1f%%; host-wide, this namespace's shown)\n",
		       (unsigned long long)n, orphan_limit, share(n, orphan_limit));
	}
	if (json_array_size(json_object_get(o, "close_wait_owners"))) {
		size_t i;

		printf("CLOSE_WAIT %lld held by", (long long)json_integer_value(json_object_get(states, "CLOSE_WAIT")));
		json_array_foreach(json_object_get(o, "close_wait_owners"), i, v) {
			printf("%s %s (pid %lld) %lld", i ? "," : "", json_string_value(json_object_get(v, "command")) ?: "?",
			       (long long)json_integer_value(json_object_get(v, "pid")),
			       (long long)json_integer_value(json_object_get(v, "sockets")));
		}
		printf(": the application has not called close(); no close-path sysctl ends CLOSE_WAIT\n");
	}
	if (busy) {
		uint64_t tw = (uint64_t)json_integer_value(json_object_get(busy, "time_wait"));
		long ports = (long)json_integer_value(json_object_get(busy, "ports"));

		printf("Busiest   %s: %llu ephemeral ports in TIME_WAIT of %ld (%.0f%%)\n",
		       json_string_value(json_object_get(busy, "destination")), (unsigned long long)tw, ports,
		       share(tw, ports));
	}
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
	{
		const char *why = NULL;
		json_t *cs = census_json(&c, k, &why);

		json_object_set_new(out, "census", cs ? cs : json_null());
		json_object_set_new(out, "census_note", why ? json_string(why) : json_null());
		/* counts first, for people: the fastest look at the close path;
		 * under --root there is nothing to count (the JSON says why) */
		if (c.format != FORMAT_JSON && cs)
			census_print(cs, k);
	}
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
