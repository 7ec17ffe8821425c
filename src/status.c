// SPDX-License-Identifier: GPL-2.0-or-later
/* fintune status: the close path now (the census of this namespace's
 * sockets, the counts against their limits, the counters, over an interval
 * too), what fintune applied and whether it still holds (drift), findings
 * with their remedies, and a profile of the measured traffic (--suggest). */
#include "census.h"
#include "findings.h"
#include "host.h"
#include "plan.h"
#include "pressure.h"
#include "report.h"
#include "snapshot.h"
#include "common.h"
#include "dropin.h"
#include "kernel.h"
#include "output.h"
#include "state.h"
#include "suggest.h"
#include "util.h"

#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define MAX_INTERVAL 3600

struct colors {
	const char *bold, *warn, *bad, *good, *off;
};

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Sleeps the interval out, whatever interrupts it; the time it really took. */
static double wait_interval(long seconds)
{
	double start = now_s();
	struct timespec left = { .tv_sec = seconds };

	while (clock_nanosleep(CLOCK_MONOTONIC, 0, &left, &left) == EINTR)
		;
	return now_s() - start;
}

static double share(uint64_t n, long limit)
{
	return limit > 0 ? 100.0 * (double)n / (double)limit : 0;
}

static void port_range(const struct kernel *k, long *lo, long *hi)
{
	*lo = 32768;
	*hi = 60999;
	if (k->running[K_PORT_RANGE].present)
		sscanf(k->running[K_PORT_RANGE].value, "%ld %ld", lo, hi);
}

/* The census as JSON: per state, orphans apart, the busiest destination,
 * who holds CLOSE_WAIT. */
static json_t *census_json(const struct census *cs, long lo, long hi)
{
	json_t *o = json_object(), *states = json_object(), *orph = json_object();
	const struct census_dest *busy = census_busiest(cs);

	for (int st = 1; st < CENSUS_STATES; st++) {
		json_object_set_new(states, census_state_name(st), json_integer((json_int_t)cs->states[st]));
		if (cs->orphaned[st])
			json_object_set_new(orph, census_state_name(st), json_integer((json_int_t)cs->orphaned[st]));
	}
	json_object_set_new(o, "states", states);
	json_object_set_new(o, "orphaned", orph);
	json_object_set_new(o, "total", json_integer((json_int_t)cs->total));
	/* TIME_WAIT and orphaned FIN_WAIT2 share tcp_max_tw_buckets */
	json_object_set_new(o, "tw_buckets_used", json_integer((json_int_t)cs->states[6] + (json_int_t)cs->orphaned[5]));
	json_object_set_new(o, "time_wait_inbound", json_integer((json_int_t)cs->time_wait_in));
	json_object_set_new(o, "time_wait_outbound", json_integer((json_int_t)cs->time_wait_out));
	json_object_set_new(o, "retrying_orphans", json_integer((json_int_t)cs->retrying_orphans));
	json_object_set_new(o, "backlog", json_integer((json_int_t)cs->backlog));
	if (busy) {
		char dest[INET6_ADDRSTRLEN + 16];
		json_t *b = json_object();

		json_object_set_new(b, "destination", json_string(census_dest_text(busy, dest, sizeof(dest))));
		json_object_set_new(b, "time_wait", json_integer((json_int_t)busy->count));
		json_object_set_new(b, "ports", json_integer(hi - lo + 1));
		json_object_set_new(o, "busiest_destination", b);
	}
	json_object_set_new(o, "destinations", json_integer((json_int_t)cs->tw_dests.n));
	if (cs->states[8]) {
		json_t *owners = json_array();

		for (size_t i = 0; i < cs->n_owners; i++) {
			json_t *w = json_object();
			char comm[160];

			json_object_set_new(w, "pid", json_integer(cs->owners[i].pid));
			/* a process names itself: escaped before anyone reads it */
			json_object_set_new(w, "command", json_string(printable(comm, sizeof(comm), cs->owners[i].comm)));
			json_object_set_new(w, "sockets", json_integer((json_int_t)cs->owners[i].sockets));
			json_array_append_new(owners, w);
		}
		json_object_set_new(o, "close_wait_owners", owners);
	}
	return o;
}

static json_t *limit_json(long limit, bool have)
{
	return have ? json_integer(limit) : json_null();
}

/* sockstat's counts against the limits they fill, applied or not. */
static json_t *counts_json(const struct pressure *p, const struct kernel *k)
{
	long tw_limit = -1, orphan_limit = -1;
	bool tw = kernel_value(k, K_MAX_TW_BUCKETS, &tw_limit), orph = kernel_value(k, K_MAX_ORPHANS, &orphan_limit);
	json_t *o;

	if (!p->sockstat)
		return json_null();
	o = json_object();
	json_object_set_new(o, "tcp_inuse", json_integer((json_int_t)p->inuse));
	json_object_set_new(o, "time_wait", json_integer((json_int_t)p->tw));
	json_object_set_new(o, "tcp_max_tw_buckets", limit_json(tw_limit, tw));
	json_object_set_new(o, "time_wait_percent", tw && tw_limit > 0 ? json_real(share(p->tw, tw_limit)) : json_null());
	json_object_set_new(o, "orphans", json_integer((json_int_t)p->orphans));
	json_object_set_new(o, "tcp_max_orphans", limit_json(orphan_limit, orph));
	json_object_set_new(o, "orphans_percent",
			    orph && orphan_limit > 0 ? json_real(share(p->orphans, orphan_limit)) : json_null());
	json_object_set_new(o, "tcp_alloc", json_integer((json_int_t)p->alloc));
	json_object_set_new(o, "tcp_mem_pages", json_integer((json_int_t)p->mem));
	return o;
}

/* Each counter since boot and, over an interval, its growth and rate. */
static json_t *counters_json(const struct pressure *now, const struct pressure *before, double seconds)
{
	json_t *o = json_object();

	for (int id = 0; id < C_COUNTERS; id++) {
		json_t *c;

		if (!now->have[id])
			continue;
		c = json_object();
		json_object_set_new(c, "since_boot", json_integer((json_int_t)now->value[id]));
		if (before && before->have[id] && now->value[id] >= before->value[id]) {
			uint64_t d = now->value[id] - before->value[id];

			json_object_set_new(c, "delta", json_integer((json_int_t)d));
			json_object_set_new(c, "per_second", json_real((double)d / seconds));
		} else {
			json_object_set_new(c, "delta", json_null());
			json_object_set_new(c, "per_second", json_null());
		}
		json_object_set_new(o, counter_name((enum counter)id), c);
	}
	return o;
}

static long long jint(const json_t *o, const char *key)
{
	return (long long)json_integer_value(json_object_get(o, key));
}

/* --- text -------------------------------------------------------------- */

static void census_print(const json_t *o, const struct colors *co)
{
	const json_t *states = json_object_get(o, "states"), *orph = json_object_get(o, "orphaned");
	const json_t *busy = json_object_get(o, "busiest_destination"), *v;
	const char *name;
	long long fw2 = jint(states, "FIN_WAIT2"), fw2_orph = jint(orph, "FIN_WAIT2");
	int col = 10;

	printf("%sSockets%s  ", co->bold, co->off);
	json_object_foreach((json_t *)states, name, v) {
		if (!json_integer_value(v))
			continue;
		if (col > 60) {
			printf("\n         ");
			col = 10;
		}
		col += printf(" %s %lld", name, (long long)json_integer_value(v));
	}
	printf("%s\n", jint(o, "total") ? "" : " none");
	if (fw2) {
		char *t = NULL;

		if (asprintf(&t, "FIN_WAIT2: %lld orphaned (tcp_fin_timeout ends them), %lld half-closed by shutdown() "
				 "(only the application ends them)", fw2_orph, fw2 - fw2_orph) >= 0)
			print_hanging(stdout, "          ", t, 10, 79);
		free(t);
	}
	if (busy) {
		long long tw = jint(busy, "time_wait"), ports = jint(busy, "ports");

		printf("%sBusiest%s   %s: %lld ephemeral ports in TIME_WAIT of %lld (%.0f%%)\n", co->bold, co->off,
		       json_string_value(json_object_get(busy, "destination")), tw, ports, share((uint64_t)tw, (long)ports));
	}
	if (json_array_size(json_object_get(o, "close_wait_owners"))) {
		struct strbuf sb;
		long long held = 0;
		char prefix[64];
		size_t i;

		sb_init(&sb);
		json_array_foreach(json_object_get(o, "close_wait_owners"), i, v)
			held += jint(v, "sockets");
		sb_addf(&sb, "%lld held by", held);
		json_array_foreach(json_object_get(o, "close_wait_owners"), i, v)
			sb_addf(&sb, "%s %s (pid %lld) %lld", i ? "," : "", json_string_value(json_object_get(v, "command")) ?: "?",
				jint(v, "pid"), jint(v, "sockets"));
		sb_adds(&sb, ": the application has not called close(); no close-path sysctl ends CLOSE_WAIT");
		/* the prefix is as wide as the indent: the first line wraps
		 * where the others do */
		snprintf(prefix, sizeof(prefix), "%sCLOSE_WAIT%s ", co->warn, co->off);
		print_hanging(stdout, prefix, sb.s ? sb.s : "", 11, 79);
		sb_free(&sb);
	}
}

static void counts_print(const json_t *o, const struct colors *co)
{
	const json_t *tw = json_object_get(o, "tcp_max_tw_buckets"), *orph = json_object_get(o, "tcp_max_orphans");

	if (!json_is_object(o))
		return;
	printf("%sLimits%s    %-34s %9lld", co->bold, co->off, "TIME_WAIT and orphaned FIN_WAIT2", jint(o, "time_wait"));
	if (json_is_integer(tw))
		printf(" of %-19s %9lld %5.1f%%\n", "tcp_max_tw_buckets", (long long)json_integer_value(tw),
		       json_real_value(json_object_get(o, "time_wait_percent")));
	else
		printf(" (no tcp_max_tw_buckets here)\n");
	printf("          %-34s %9lld", "orphans (host-wide)", jint(o, "orphans"));
	if (json_is_integer(orph))
		printf(" of %-19s %9lld %5.1f%%\n", "tcp_max_orphans", (long long)json_integer_value(orph),
		       json_real_value(json_object_get(o, "orphans_percent")));
	else
		printf(" (tcp_max_orphans is the host's, not visible here)\n");
}

static void counters_print(const json_t *o, double seconds, const struct colors *co)
{
	const char *name;
	json_t *v;
	int shown = 0;

	json_object_foreach((json_t *)o, name, v) {
		long long boot = jint(v, "since_boot");
		const json_t *d = json_object_get(v, "delta");

		if (!boot)
			continue;
		if (!shown++) {
			printf("%sCounters%s  %-27s %12s", co->bold, co->off, "", "since boot");
			if (seconds > 0)
				printf(" %13s %10s", "over interval", "per second");
			printf("\n");
		}
		printf("          %-27s %12lld", name, boot);
		if (seconds > 0 && json_is_integer(d)) {
			char grown[32];

			snprintf(grown, sizeof(grown), "+%lld", (long long)json_integer_value(d));
			printf(" %13s %10.1f", grown, json_real_value(json_object_get(v, "per_second")));
		}
		printf("\n");
	}
	if (!json_object_size(o))
		printf("%sCounters%s  none: no /proc/net here\n", co->bold, co->off);
	else if (!shown)
		printf("%sCounters%s  the close-path counters are all 0 since boot\n", co->bold, co->off);
}

static void findings_print(const json_t *f, const struct colors *co)
{
	size_t i;
	json_t *v;

	if (!json_array_size(f)) {
		printf("%sFindings%s  %snone%s\n", co->bold, co->off, co->good, co->off);
		return;
	}
	printf("%sFindings%s  %zu\n", co->bold, co->off, json_array_size(f));
	json_array_foreach(f, i, v) {
		const char *id = json_string_value(json_object_get(v, "id"));

		char prefix[64];

		snprintf(prefix, sizeof(prefix), "  %s%-18s%s ", co->warn, id, co->off);
		print_hanging(stdout, prefix, json_string_value(json_object_get(v, "message")), 21, 79);
		{
			char *ev = NULL;

			if (asprintf(&ev, "Evidence: %s", json_string_value(json_object_get(v, "evidence"))) >= 0)
				print_hanging(stdout, "                     ", ev, 21, 79);
			free(ev);
		}
	}
}

/* --- prometheus --------------------------------------------------------- */

/* A label value as the exposition format quotes it. */
static void prom_label(const char *s)
{
	for (; *s; s++) {
		if (*s == '\\' || *s == '"')
			printf("\\%c", *s);
		else if (*s == '\n')
			printf("\\n");
		else
			putchar(*s);
	}
}

static void prom_family(const char *name, const char *type, const char *help)
{
	printf("# HELP fintune_%s %s\n# TYPE fintune_%s %s\n", name, help, name, type);
}

static void print_prometheus(const json_t *out)
{
	const json_t *cs = json_object_get(out, "census"), *counts = json_object_get(out, "counts");
	const json_t *counters = json_object_get(out, "counters"), *v, *findings = json_object_get(out, "findings");
	const char *name;
	size_t i;

	prom_family("census", "gauge", "1 when the sockets of this network namespace were counted (0 under --root, or refused).");
	printf("fintune_census %d\n", json_is_object(cs));
	if (json_is_object(cs)) {
		const json_t *busy = json_object_get(cs, "busiest_destination");

		prom_family("sockets", "gauge", "TCP sockets of this network namespace by state (NETLINK_SOCK_DIAG).");
		json_object_foreach((json_t *)json_object_get(cs, "states"), name, v)
			printf("fintune_sockets{state=\"%s\"} %lld\n", name, (long long)json_integer_value(v));
		prom_family("orphaned_sockets", "gauge", "Sockets by state that no process holds (orphans).");
		for (int st = 1; st < CENSUS_STATES; st++)
			printf("fintune_orphaned_sockets{state=\"%s\"} %lld\n", census_state_name(st),
			       jint(json_object_get(cs, "orphaned"), census_state_name(st)));
		prom_family("retrying_orphans", "gauge", "Orphans retransmitting their FIN to a peer that does not answer.");
		printf("fintune_retrying_orphans %lld\n", jint(cs, "retrying_orphans"));
		if (busy) {
			prom_family("busiest_destination_time_wait", "gauge",
				    "TIME_WAIT sockets holding ephemeral ports toward the busiest destination.");
			printf("fintune_busiest_destination_time_wait{destination=\"");
			prom_label(json_string_value(json_object_get(busy, "destination")));
			printf("\"} %lld\n", jint(busy, "time_wait"));
			prom_family("local_ports", "gauge", "Ports in ip_local_port_range.");
			printf("fintune_local_ports %lld\n", jint(busy, "ports"));
		}
		if (json_array_size(json_object_get(cs, "close_wait_owners"))) {
			prom_family("close_wait_sockets", "gauge", "CLOSE_WAIT sockets by the process that holds them.");
			json_array_foreach(json_object_get(cs, "close_wait_owners"), i, v) {
				printf("fintune_close_wait_sockets{pid=\"%lld\",command=\"", jint(v, "pid"));
				prom_label(json_string_value(json_object_get(v, "command")));
				printf("\"} %lld\n", jint(v, "sockets"));
			}
		}
	}
	if (json_is_object(counts)) {
		prom_family("time_wait_buckets", "gauge", "TIME_WAIT and orphaned FIN_WAIT2 sockets (sockstat tw).");
		printf("fintune_time_wait_buckets %lld\n", jint(counts, "time_wait"));
		if (json_is_integer(json_object_get(counts, "tcp_max_tw_buckets"))) {
			prom_family("time_wait_buckets_limit", "gauge", "net.ipv4.tcp_max_tw_buckets.");
			printf("fintune_time_wait_buckets_limit %lld\n", jint(counts, "tcp_max_tw_buckets"));
		}
		prom_family("orphans", "gauge", "Orphaned TCP sockets, host-wide (sockstat orphan).");
		printf("fintune_orphans %lld\n", jint(counts, "orphans"));
		if (json_is_integer(json_object_get(counts, "tcp_max_orphans"))) {
			prom_family("orphans_limit", "gauge", "net.ipv4.tcp_max_orphans.");
			printf("fintune_orphans_limit %lld\n", jint(counts, "tcp_max_orphans"));
		}
	}
	if (json_object_size(counters)) {
		prom_family("tcp_counter_total", "counter", "The kernel's close-path counters since boot (TcpExt, Tcp).");
		json_object_foreach((json_t *)counters, name, v)
			printf("fintune_tcp_counter_total{counter=\"%s\"} %lld\n", name, jint(v, "since_boot"));
		if (json_is_number(json_object_get(out, "interval_s"))) {
			prom_family("tcp_counter_rate", "gauge", "The same counters per second over the interval.");
			json_object_foreach((json_t *)counters, name, v)
				if (json_is_number(json_object_get(v, "per_second")))
					printf("fintune_tcp_counter_rate{counter=\"%s\"} %.3f\n", name,
					       json_real_value(json_object_get(v, "per_second")));
		}
	}
	prom_family("applied", "gauge", "1 when fintune has applied a profile here.");
	printf("fintune_applied %d\n", json_is_true(json_object_get(out, "applied")));
	prom_family("drift", "gauge", "1 when the system no longer matches what fintune applied.");
	printf("fintune_drift %d\n", json_is_true(json_object_get(out, "drift")));
	prom_family("finding", "gauge", "1 when the finding fires (fintune(8) explains each identifier).");
	for (int f = 0; f < FT_COUNT; f++) {
		int on = 0;

		json_array_foreach(findings, i, v)
			on |= strcmp(json_string_value(json_object_get(v, "id")), finding_id((enum finding)f)) == 0;
		printf("fintune_finding{id=\"%s\"} %d\n", finding_id((enum finding)f), on);
	}
}

/* --- what fintune applied ---------------------------------------------- */

/* Adds to out what the state says fintune applied and whether it holds;
 * prints it for people. The number of drifts, or -1 on error (reported). */
static int applied_json(json_t *out, json_t *findings, struct session *ses, const struct common *c,
			const struct colors *co)
{
	const struct state *st = &ses->snap.state;
	const struct state_record *top = &st->rec[st->n - 1];
	const struct kernel *k = &ses->snap.kernel;
	struct dropin_seen seen;
	struct sysctl_config now = { 0 };
	char written[K_PLANNED][KERNEL_VALUE_MAX];
	const char *file_state;
	bool in_place;		/* the drop-in is what the apply wrote */
	int drift = 0;
	json_t *keys;
	struct strbuf live, boot;

	snapshot_drop_in(&ses->snap, dropin_name_of(top->drop_in_path), &seen);
	in_place = seen.existing == EXISTING_FILE && !seen.dir_linked && top->written_text &&
		   text_equal(seen.text, seen.len, top->written_text, strlen(top->written_text));
	if (seen.existing == EXISTING_NONE)
		file_state = top->written_text ? "missing" : "absent, as applied";
	else
		file_state = in_place ? "as applied" : "changed since";
	if (!in_place && !(seen.existing == EXISTING_NONE && !top->written_text))
		drift++;
	json_object_set_new(out, "profile", json_string(top->profile));
	json_object_set_new(out, "applied_at", json_string(top->applied_at));
	json_object_set_new(out, "complete", json_boolean(top->status == STATE_APPLIED));
	json_object_set_new(out, "drop_in", json_string(top->drop_in_path));
	json_object_set_new(out, "drop_in_state", json_string(file_state));
	json_object_set_new(out, "rollbacks", json_integer((json_int_t)st->n));
	if (c->format == FORMAT_TEXT) {
		char profile[256], at[128], path[PATH_MAX];

		/* the state file is fintune's, but nothing read back from disk
		 * reaches the terminal raw */
		printf("%sProfile%s   %s, applied %s%s\n", co->bold, co->off, printable(profile, sizeof(profile), top->profile),
		       printable(at, sizeof(at), top->applied_at),
		       top->status == STATE_APPLIED ? "" : " (interrupted: run apply or rollback again)");
		printf("%sDrop-in%s   %s: %s\n", co->bold, co->off, printable(path, sizeof(path), top->drop_in_path), file_state);
		printf("%sRollback%s  %zu appl%s can be undone, newest first\n", co->bold, co->off, st->n, st->n == 1 ? "y" : "ies");
	}
	/* what the configuration leaves in force after boot, read once */
	if (sysctld_build(&now, &ses->snap.tree, false, NULL, NULL, planned_keys(), NULL) < 0) {
		report_error(ERR_NOMEM, NULL, 0, 0, "out of memory");
		return -1;
	}
	sb_init(&live);
	sb_init(&boot);
	if (!in_place && drift)
		sb_addf(&live, "the drop-in %s is %s", top->drop_in_path, file_state);
	/* every key the applied drop-in sets: is its live value still that,
	 * and will it be after boot? */
	keys = json_array();
	dropin_values(top->written_text, top->drop_in_path, written);
	for (int id = 0; id < K_PLANNED; id++) {
		const char *w = written[id];
		char by[PATH_MAX + 160] = "";
		bool ok, in_force;
		json_t *o;

		if (!w[0])
			continue;
		ok = !k->live || (k->running[id].present && strcmp(k->running[id].value, w) == 0);
		/* a drop-in not as applied is drift already */
		in_force = !in_place || plan_in_force(&now, k, (enum key_id)id, top->drop_in_path, w, by, sizeof(by));
		drift += !ok + !in_force;
		if (!ok)
			sb_addf(&live, "%s%s applied %s, live %s", live.len ? "; " : "", key_fact(id)->name, w,
				k->running[id].present ? k->running[id].value : "absent");
		if (!in_force)
			sb_addf(&boot, "%s%s: %s", boot.len ? "; " : "", key_fact(id)->name, by);
		o = json_object();
		json_object_set_new(o, "key", json_string(key_fact(id)->name));
		json_object_set_new(o, "applied", json_string(w));
		json_object_set_new(o, "running", k->running[id].present ? json_string(k->running[id].value) : json_null());
		json_object_set_new(o, "drift", json_boolean(!ok));
		json_object_set_new(o, "in_force_after_boot", json_boolean(in_force));
		json_object_set_new(o, "shadowed_by", in_force ? json_null() : json_string(by));
		json_array_append_new(keys, o);
		if (c->format == FORMAT_TEXT) {
			char value[KERNEL_VALUE_MAX * 4], shown[sizeof(by) * 4];

			printable(value, sizeof(value), w);
			if (!k->live)
				printf("  %-30s %-13s in the drop-in (no live values here)", key_fact(id)->name, value);
			else if (ok)
				printf("  %-30s %-13s live as applied", key_fact(id)->name, value);
			else
				printf("  %-30s %-13s %sDRIFT%s: live value is %s", key_fact(id)->name, value, co->bad, co->off,
				       k->running[id].present ? k->running[id].value : "absent");
			if (!in_force)
				printf("; %sNOT IN FORCE AFTER BOOT%s: %s", co->bad, co->off, printable(shown, sizeof(shown), by));
			printf("\n");
		}
	}
	sysctld_free(&now);
	json_object_set_new(out, "keys", keys);
	if (live.len) {
		char profile[256];

		finding_add(findings, FT_DRIFT, live.s,
			    "the system no longer matches the %s profile fintune applied: `fintune diff %s` shows what "
			    "differs, `fintune apply %s` puts it back",
			    printable(profile, sizeof(profile), top->profile), profile, profile);
	}
	if (boot.len)
		finding_add(findings, FT_SHADOWED, boot.s,
			    "a sysctl.d file read after fintune's drop-in sets the same key, so at boot the applied value "
			    "is lost: remove that line, or give fintune's drop-in a later name (apply --drop-in)");
	sb_free(&live);
	sb_free(&boot);
	return drift;
}

static int suggest(struct census *cs, const struct pressure *before, const struct pressure *after, double seconds)
{
	struct measured m = { .before = before, .after = after, .interval_s = seconds, .census = cs };
	char host[256] = "", ended[64];
	time_t t = time(NULL);
	struct strbuf sb;

	gethostname(host, sizeof(host) - 1);
	strftime(ended, sizeof(ended), "%Y-%m-%dT%H:%M:%SZ", gmtime(&t));
	m.host = host;
	m.ended = ended;
	sb_init(&sb);
	suggest_profile(&sb, &m);
	if (sb.oom) {
		sb_free(&sb);
		report_error(ERR_NOMEM, NULL, 0, 0, "out of memory");
		return EXIT_ERROR;
	}
	fputs(sb.s, stdout);
	sb_free(&sb);
	return EXIT_OK;
}

int status_main(int argc, char **argv)
{
	static const struct option longopts[] = {
		COMMON_LONGOPTS,
		{ "interval", required_argument, NULL, 'i' },
		{ "suggest", no_argument, NULL, 's' },
		{ 0 },
	};
	struct common c;
	struct session ses;
	struct pressure before, now;
	struct census cs, cs_before;
	struct colors co = { "", "", "", "", "" };
	struct observed ob = { 0 };
	const struct kernel *k;
	long interval = 0, lo, hi;
	double seconds = 0;
	bool want_suggest = false, have_census = false, have_before = false, have_session = false;
	int opt, e, drift = 0, status = EXIT_ERROR;
	json_t *out = NULL, *findings;
	const char *why = NULL;

	common_init(&c, "status", 1u << FORMAT_JSON | 1u << FORMAT_PROMETHEUS);
	while ((opt = getopt_long(argc, argv, COMMON_SHORTOPTS, longopts, NULL)) != -1) {
		switch (opt) {
		case 'i':
			if (parse_long(optarg, 1, MAX_INTERVAL, &interval) < 0)
				return usage_error("status", "--interval %s: expected whole seconds, 1 to %d", optarg,
						   MAX_INTERVAL);
			continue;
		case 's':
			want_suggest = true;
			continue;
		}
		e = common_option(&c, opt, argv);
		if (e == 2)
			return EXIT_OK;
		if (e != 0)
			return EXIT_ERROR;
	}
	common_finish(&c);
	if (optind != argc)
		return usage_error("status", "takes no arguments");
	if (want_suggest && !interval)
		return usage_error("status", "--suggest needs --interval SECONDS: the rates are measured over it");
	if (want_suggest && c.format != FORMAT_TEXT)
		return usage_error("status", "--suggest prints a profile (YAML); --format is not taken with it");
	if (want_suggest && *c.root)
		return usage_error("status", "--suggest measures the traffic of this network namespace; not under --root");
	if (use_color(&c, 1) && c.format == FORMAT_TEXT)
		co = (struct colors){ "\033[1m", "\033[1;33m", "\033[1;31m", "\033[32m", "\033[0m" };
	if (session_open(&ses, &c, false) < 0)
		goto out;
	have_session = true;
	k = &ses.snap.kernel;
	port_range(k, &lo, &hi);
	if (interval) {
		pressure_read(&before, &ses.host);
		/* which CLOSE_WAIT sockets are held at the start, to tell those
		 * held all through from a busy server's passing ones */
		if (!*c.root && k->live && census_take(&cs_before, lo, hi, 0) == 0)
			have_before = true;
		seconds = wait_interval(interval);
	}
	pressure_read(&now, &ses.host);
	/* the census: only of the real root, whose network namespace is this
	 * process's own (netlink cannot count a tree under --root) */
	if (*c.root || !k->live) {
		why = "no census under --root: the kernel counts only the sockets of the namespace fintune runs in";
	} else if ((e = census_take(&cs, lo, hi, want_suggest ? CENSUS_DETAIL : 0)) < 0) {
		why = e == -EPERM || e == -EACCES ? "no census: NETLINK_SOCK_DIAG was refused" :
						    "no census: NETLINK_SOCK_DIAG failed";
	} else {
		have_census = true;
		/* CLOSE_WAIT is the application's bug: who holds them */
		census_owners(&cs);
	}
	if (want_suggest) {
		if (!have_census) {
			report_error(ERR_IO, NULL, 0, 0, "%s", why);
			goto out;
		}
		status = suggest(&cs, &before, &now, seconds);
		goto out;
	}
	if (ses.snap.state_err == -EPERM) {
		report_error(ERR_REFUSED, NULL, 0, 0, "%s", ses.snap.state_refusal);
		goto out;
	}
	if (ses.snap.state_err < 0 && ses.snap.state_err != -ENOENT) {
		report_error(ERR_STATE, NULL, 0, 0, "cannot read %s%s: %s", c.root, STATE_PATH,
			     ses.snap.state_err == -EINVAL ? "not a state fintune wrote" : strerror(-ses.snap.state_err));
		goto out;
	}
	out = json_object();
	findings = json_array();
	json_object_set_new(out, "census", have_census ? census_json(&cs, lo, hi) : json_null());
	json_object_set_new(out, "census_note", why ? json_string(why) : json_null());
	json_object_set_new(out, "counts", counts_json(&now, k));
	json_object_set_new(out, "counters", counters_json(&now, interval ? &before : NULL, seconds));
	json_object_set_new(out, "interval_s", interval ? json_real(seconds) : json_null());
	ob = (struct observed){ .now = &now, .before = interval ? &before : NULL, .interval_s = seconds,
				.census = have_census ? &cs : NULL, .census_before = have_before ? &cs_before : NULL,
				.k = k, .port_lo = lo, .port_hi = hi };
	findings_eval(findings, &ob);
	/* counts first, for people: the fastest look at the close path;
	 * under --root there is nothing to count (the JSON says why) */
	if (c.format == FORMAT_TEXT) {
		if (have_census)
			census_print(json_object_get(out, "census"), &co);
		else if (!*c.root && k->live)
			printf("%sSockets%s   (%s)\n", co.bold, co.off, why);
		counts_print(json_object_get(out, "counts"), &co);
		counters_print(json_object_get(out, "counters"), seconds, &co);
	}
	json_object_set_new(out, "applied", json_boolean(ses.snap.state_err == 0));
	if (ses.snap.state_err == 0) {
		drift = applied_json(out, findings, &ses, &c, &co);
		if (drift < 0) {
			json_decref(findings);
			goto out;
		}
	} else if (c.format == FORMAT_TEXT) {
		printf("%sProfile%s   fintune has applied nothing here (no %s)\n", co.bold, co.off, STATE_PATH);
	}
	json_object_set_new(out, "drift", json_boolean(drift > 0));
	json_object_set_new(out, "findings", findings);
	if (c.format == FORMAT_JSON) {
		print_json(json_incref(out));
	} else if (c.format == FORMAT_PROMETHEUS) {
		print_prometheus(out);
	} else {
		findings_print(findings, &co);
		if (ses.snap.state_err == 0)
			printf("%s\n", drift ? "Drift: the system no longer matches what fintune applied, now or after boot (exit status 2)." :
					       "In sync with what fintune applied.");
	}
	status = drift ? EXIT_PENDING : EXIT_OK;
out:
	if (have_census)
		census_free(&cs);
	if (have_before)
		census_free(&cs_before);
	json_decref(out);
	if (have_session)
		session_close(&ses);
	return status;
}
