// SPDX-License-Identifier: GPL-2.0-or-later
/* Findings: the close path's trouble in plain sentences, each with its
 * evidence and its remedy. Pure: evaluated from what status observed. */
#include "findings.h"
#include "util.h"

#include <arpa/inet.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static const char *const ids[FT_COUNT] = {
	[FT_TW_OVERFLOW] = "FT-TW-OVERFLOW", [FT_PORTS] = "FT-PORTS",
	[FT_CLOSE_WAIT] = "FT-CLOSE-WAIT", [FT_ORPHANS] = "FT-ORPHANS",
	[FT_UNRESPONSIVE] = "FT-UNRESPONSIVE", [FT_ABORT_MEMORY] = "FT-ABORT-MEMORY",
	[FT_MEMORY_PRESSURE] = "FT-MEMORY-PRESSURE", [FT_DRIFT] = "FT-DRIFT",
	[FT_SHADOWED] = "FT-SHADOWED",
};

/* Shares of a limit at which a finding fires. */
#define NEAR_PERCENT 80.0
/* connect() slows down some fiftyfold once about half of the port range
 * toward a destination is in TIME_WAIT (it tries one parity first; seen by
 * make lab on 6.18) */
#define PORTS_PERCENT 50.0
/* the retransmission timers reset orphans at a half or a quarter of
 * tcp_max_orphans (tcp_out_of_resources(): the limit shifted right) */
#define ORPHANS_PERCENT 25.0

const char *finding_id(enum finding f)
{
	return ids[f];
}

void finding_add(json_t *findings, enum finding f, const char *evidence, const char *fmt, ...)
{
	struct strbuf sb;
	va_list ap;
	json_t *o = json_object();

	sb_init(&sb);
	va_start(ap, fmt);
	sb_vaddf(&sb, fmt, ap);
	va_end(ap);
	/* a sentence */
	if (sb.len && sb.s[sb.len - 1] != '.')
		sb_addc(&sb, '.');
	json_object_set_new(o, "id", json_string(ids[f]));
	json_object_set_new(o, "message", json_string(sb.s ? sb.s : ""));
	json_object_set_new(o, "evidence", json_string(evidence ? evidence : ""));
	json_array_append_new(findings, o);
	sb_free(&sb);
}

/* How much a counter grew: over the interval, or since boot without one. */
static uint64_t grew(const struct observed *o, enum counter c)
{
	if (!o->now->have[c])
		return 0;
	if (!o->before)
		return o->now->value[c];
	if (!o->before->have[c] || o->now->value[c] < o->before->value[c])
		return 0;
	return o->now->value[c] - o->before->value[c];
}

/* "TCPTimeWaitOverflow +120 over 5 s (24.0/s), 3456 since boot" */
static void counter_evidence(struct strbuf *sb, const struct observed *o, enum counter c)
{
	if (sb->len)
		sb_adds(sb, "; ");
	if (o->before)
		sb_addf(sb, "%s +%llu over %.0f s (%.1f/s), %llu since boot", counter_name(c),
			(unsigned long long)grew(o, c), o->interval_s, (double)grew(o, c) / o->interval_s,
			(unsigned long long)o->now->value[c]);
	else
		sb_addf(sb, "%s %llu since boot", counter_name(c), (unsigned long long)o->now->value[c]);
}

static const char *when(const struct observed *o)
{
	return o->before ? "over the interval" : "since boot";
}

static double percent(uint64_t n, long limit)
{
	return limit > 0 ? 100.0 * (double)n / (double)limit : 0;
}

static void tw_overflow(json_t *out, const struct observed *o)
{
	long limit = -1;
	bool have_limit = kernel_value(o->k, K_MAX_TW_BUCKETS, &limit) && limit > 0;
	uint64_t n = grew(o, C_TW_OVERFLOW);
	bool full = have_limit && o->now->sockstat && percent(o->now->tw, limit) >= NEAR_PERCENT;
	struct strbuf sb;

	if (!n && !full)
		return;
	sb_init(&sb);
	if (o->now->have[C_TW_OVERFLOW])
		counter_evidence(&sb, o, C_TW_OVERFLOW);
	if (have_limit && o->now->sockstat)
		sb_addf(&sb, "%ssockstat tw %llu of tcp_max_tw_buckets %ld (%.0f%%)", sb.len ? "; " : "",
			(unsigned long long)o->now->tw, limit, percent(o->now->tw, limit));
	if (n)
		finding_add(out, FT_TW_OVERFLOW, sb.s,
			    "tcp_max_tw_buckets was full %s: %llu closing sockets were not kept in TIME_WAIT "
			    "(or FIN_WAIT2) but destroyed at once, so a late or retransmitted segment meets no socket. "
			    "Raise tcp_max_tw_buckets: a profile's memory_budget_mib sizes it "
			    "(fintune plan reverse-proxy)",
			    when(o), (unsigned long long)n);
	else
		finding_add(out, FT_TW_OVERFLOW, sb.s,
			    "TIME_WAIT and orphaned FIN_WAIT2 sockets fill %.0f%% of tcp_max_tw_buckets: past it, "
			    "closing sockets are destroyed at once (TCPTimeWaitOverflow). Raise tcp_max_tw_buckets: "
			    "a profile's memory_budget_mib sizes it (fintune plan reverse-proxy)",
			    percent(o->now->tw, limit));
	sb_free(&sb);
}

/* Is tcp_tw_reuse taking over TIME_WAIT ports toward this destination? Its
 * 2 takes a loopback destination or source (tcp_twsk_unique()). */
static bool reuse_in_effect(const struct kernel *k, const struct census_dest *d)
{
	long reuse = 2, ts = 1;
	bool loopback = census_loopback(d->family, d->dst) || census_loopback(d->family, d->src);

	kernel_value(k, K_TW_REUSE, &reuse);
	kernel_value(k, K_TIMESTAMPS, &ts);
	return ts != 0 && (reuse == 1 || (reuse == 2 && loopback));
}

static void ports(json_t *out, const struct observed *o)
{
	const struct census_dest *d = NULL;
	long range = o->port_hi - o->port_lo + 1, reuse = 2;
	char dest[INET6_ADDRSTRLEN + 16], ev[512];

	/* the busiest (source, destination) that reuse does not cover: a
	 * loopback one it covers must not hide an upstream it does not */
	if (o->census && range > 0)
		for (size_t i = 0; i < o->census->tw_dests.cap; i++) {
			const struct census_dest *t = &o->census->tw_dests.v[i];

			if (t->count && (!d || t->count > d->count) && !reuse_in_effect(o->k, t))
				d = t;
		}
	if (!d || percent(d->count, range) < PORTS_PERCENT)
		return;
	kernel_value(o->k, K_TW_REUSE, &reuse);
	census_dest_text(d, dest, sizeof(dest));
	snprintf(ev, sizeof(ev), "%llu TIME_WAIT sockets toward %s of the %ld ports in ip_local_port_range %ld-%ld (%.0f%%); "
		 "tcp_tw_reuse %ld",
		 (unsigned long long)d->count, dest, range, o->port_lo, o->port_hi, percent(d->count, range), reuse);
	finding_add(out, FT_PORTS, ev,
		    "connections to %s are running out of local ports: TIME_WAIT holds each for 60 s; past half "
		    "the range connect() slows down (some fiftyfold, measured by make lab), and once it is used up "
		    "it fails with EADDRNOTAVAIL. Turn on tcp_tw_reuse "
		    "with tcp_timestamps (fintune plan outbound-client), add source addresses, or widen "
		    "ip_local_port_range",
		    dest);
}

static void close_wait(json_t *out, const struct observed *o)
{
	const struct census *c = o->census;
	uint64_t held = c ? c->n_cw : 0, kept;
	struct strbuf ev, who;

	/* held by a process (not waiting in a listener's queue), and, over an
	 * interval, held all through it: a busy server has some for an instant */
	kept = o->census_before ? census_cw_held_since(c, o->census_before) : held;
	if (!held || !kept)
		return;
	sb_init(&ev);
	sb_init(&who);
	sb_addf(&ev, "%llu CLOSE_WAIT socket%s held", (unsigned long long)held, held == 1 ? "" : "s");
	if (o->census_before)
		sb_addf(&ev, ", %llu of them all through the %.0f s", (unsigned long long)kept, o->interval_s);
	for (size_t i = 0; i < c->n_owners; i++) {
		char comm[160];

		printable(comm, sizeof(comm), c->owners[i].comm);
		sb_addf(&ev, "%s %s (pid %d) %llu", i ? "," : ":", comm, c->owners[i].pid,
			(unsigned long long)c->owners[i].sockets);
		if (i < 3)
			sb_addf(&who, "%s%s (pid %d)", i ? ", " : "", comm, c->owners[i].pid);
	}
	finding_add(out, FT_CLOSE_WAIT, ev.s,
		    "peers have closed %llu connection%s that %s has not close()d: CLOSE_WAIT lasts until the "
		    "application closes the socket, and no sysctl ends it. Fix the application (a missing close() "
		    "on EOF, or a leak on an error path), unless it keeps writing to peers that half-closed on "
		    "purpose (fintune explain half-close)",
		    (unsigned long long)held, held == 1 ? "" : "s", who.len ? who.s : "the application");
	sb_free(&ev);
	sb_free(&who);
}

static void orphans(json_t *out, const struct observed *o)
{
	long limit = -1;
	char ev[256];

	if (!o->now->sockstat || !kernel_value(o->k, K_MAX_ORPHANS, &limit) || limit <= 0 ||
	    percent(o->now->orphans, limit) < ORPHANS_PERCENT)
		return;
	snprintf(ev, sizeof(ev), "sockstat orphan %llu of tcp_max_orphans %ld (%.0f%%, host-wide)",
		 (unsigned long long)o->now->orphans, limit, percent(o->now->orphans, limit));
	finding_add(out, FT_ORPHANS, ev,
		    "orphaned sockets are filling tcp_max_orphans: past it every close() that would leave an orphan "
		    "resets the connection instead, and the retransmission timers already reset orphans at half "
		    "of it (those that met an error) or a quarter (those idle for minutes) (TCPAbortOnMemory, "
		    "\"too many orphaned sockets\"). Raise "
		    "tcp_max_orphans, or shorten the orphans' life with tcp_orphan_retries and tcp_fin_timeout "
		    "(a profile's unresponsive_percent and memory_budget_mib)");
}

static void unresponsive(json_t *out, const struct observed *o)
{
	const struct census *c = o->census;
	long retries = 0;
	struct strbuf ev;

	if (!c || !c->retrying_orphans)
		return;
	kernel_value(o->k, K_ORPHAN_RETRIES, &retries);
	sb_init(&ev);
	sb_addf(&ev, "%llu orphan%s retransmitting (FIN_WAIT1 %llu, LAST_ACK %llu, CLOSING %llu orphaned), up to %u retransmissions; "
		     "tcp_orphan_retries %ld%s",
		(unsigned long long)c->retrying_orphans, c->retrying_orphans == 1 ? "" : "s", (unsigned long long)c->orphaned[4],
		(unsigned long long)c->orphaned[9], (unsigned long long)c->orphaned[11], c->max_retries, retries,
		retries == 0 ? " (0 means 8)" : "");
	if (o->now->have[C_ABORT_TIMEOUT])
		counter_evidence(&ev, o, C_ABORT_TIMEOUT);
	finding_add(out, FT_UNRESPONSIVE, ev.s,
		    "closed connections are retransmitting their FIN to peers that do not answer: each such orphan "
		    "holds its memory (and an outbound one its port) until tcp_orphan_retries gives up. If peers "
		    "vanish often, say so in a profile's unresponsive_percent: fintune sizes tcp_orphan_retries "
		    "(fintune explain orphan_retries)");
	sb_free(&ev);
}

static void counter_finding(json_t *out, const struct observed *o, enum finding f, enum counter c, const char *msg)
{
	struct strbuf ev;

	if (!grew(o, c))
		return;
	sb_init(&ev);
	counter_evidence(&ev, o, c);
	if (o->now->sockstat)
		sb_addf(&ev, "; sockstat orphan %llu, mem %llu pages", (unsigned long long)o->now->orphans,
			(unsigned long long)o->now->mem);
	finding_add(out, f, ev.s, "%s", msg);
	sb_free(&ev);
}

void findings_eval(json_t *out, const struct observed *o)
{
	tw_overflow(out, o);
	ports(out, o);
	close_wait(out, o);
	orphans(out, o);
	unresponsive(out, o);
	counter_finding(out, o, FT_ABORT_MEMORY, C_ABORT_MEMORY,
			"connections were reset at close for want of memory: more orphans than tcp_max_orphans, or "
			"TCP over its tcp_mem limit (dmesg says \"too many orphaned sockets\" or \"out of memory\"). "
			"Raise tcp_max_orphans (a profile's memory_budget_mib), shorten the orphans' life, or look "
			"at tcp_mem");
	counter_finding(out, o, FT_MEMORY_PRESSURE, C_MEMORY_PRESSURES,
			"TCP entered memory pressure (net.ipv4.tcp_mem): buffers shrink, and under it orphans are "
			"reset sooner. tcp_mem is not a close-path key fintune sets; fewer and shorter-lived orphans "
			"(tcp_orphan_retries, tcp_fin_timeout) relieve it");
}
