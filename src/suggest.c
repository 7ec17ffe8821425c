// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * status --suggest: a profile from measured traffic. The rates come from
 * the Tcp and TcpExt counters over the interval, who closes first from
 * where the TIME_WAIT sockets were made, the destinations and addresses
 * from the census at its end, the RTT from the sockets' own estimates.
 */
#include "suggest.h"

#include <arpa/inet.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

static uint64_t delta(const struct measured *m, enum counter c)
{
	if (!m->after->have[c] || !m->before->have[c] || m->after->value[c] < m->before->value[c])
		return 0;
	return m->after->value[c] - m->before->value[c];
}

/* A rate the schema takes: a whole number of connections per second,
 * rounded up (a peak is what the profile describes). */
/* the schema's most connections per second */
#define RATE_MAX 10000000

static long rate(uint64_t n, double seconds)
{
	double r = ceil((double)n / seconds);

	return r > RATE_MAX ? RATE_MAX : (long)r;
}

/* The busiest second's closes as a rate, when above the counters' one. */
static long peak_rate(uint64_t peak, long from_counters)
{
	if (peak <= (uint64_t)from_counters)
		return from_counters;
	return peak > RATE_MAX ? RATE_MAX : (long)peak;
}

static const char *closer(double share)
{
	return share >= 0.7 ? "us" : share <= 0.3 ? "peer" : "either";
}

/* A number for YAML: up to 3 significant digits, never an exponent. */
static void add_number(struct strbuf *sb, double v)
{
	char buf[64];

	if (v >= 100)
		snprintf(buf, sizeof(buf), "%.0f", v);
	else if (v >= 1)
		snprintf(buf, sizeof(buf), "%.3g", v);
	else
		snprintf(buf, sizeof(buf), "%.3f", v);
	/* "0.050" reads better as 0.05; never cut "100" or "0" */
	if (strchr(buf, '.')) {
		size_t n = strlen(buf);

		while (n > 1 && buf[n - 1] == '0')
			buf[--n] = '\0';
		if (buf[n - 1] == '.')
			buf[--n] = '\0';
	}
	sb_adds(sb, buf);
}

static size_t clamp(size_t n, size_t max)
{
	return n > max ? max : n;
}

/* The host's name as comments and the description may hold it: only
 * [A-Za-z0-9._-], the rest '?' (nothing a YAML reader could take for a
 * line break or a key). */
static void yaml_safe(char *out, size_t size, const char *s)
{
	size_t n = 0;

	for (; *s && n + 1 < size && n < 253; s++)
		out[n++] = (*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') ||
				   *s == '.' || *s == '-' || *s == '_' ? *s : '?';
	out[n] = '\0';
}

/* The host's name as it may appear in a profile name: [a-z0-9-]. */
static void profile_name(char *out, size_t size, const char *host)
{
	size_t n = snprintf(out, size, "measured");

	if (!host || !*host)
		return;
	if (n + 1 < size)
		out[n++] = '-';
	for (const char *p = host; *p && *p != '.' && n + 1 < size && n < 63; p++) {
		char c = *p >= 'A' && *p <= 'Z' ? (char)(*p - 'A' + 'a') : *p;

		out[n++] = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ? c : '-';
	}
	while (n > 0 && out[n - 1] == '-')
		n--;
	out[n] = '\0';
}

/* Who closes first, when the rate is the last minute's: so is the answer.
 * TIME_WAIT made here in that minute means this host closed first. */
static void closer_of_last_minute(struct strbuf *sb, const uint64_t age[60], const char *direction, const char *peers)
{
	uint64_t recent = 0;

	for (int i = 0; i < 60; i++)
		recent += age[i];
	sb_addf(sb, "    # %llu %s TIME_WAIT sockets made in the last minute: %s close%s first\n", (unsigned long long)recent,
		direction, recent ? "this host" : peers, recent ? "s" : "");
	sb_addf(sb, "    closes_first: %s\n", recent ? "us" : "peer");
}

/* The unresponsive share, the same for both directions: the counter does
 * not tell them apart. */
static void add_unresponsive(struct strbuf *sb, uint64_t timeouts, uint64_t closes, double percent)
{
	sb_addf(sb, "    # TCPAbortOnTimeout +%llu over %llu closes (both directions)\n    unresponsive_percent: ",
		(unsigned long long)timeouts, (unsigned long long)closes);
	add_number(sb, percent);
	sb_adds(sb, "\n");
}

static void add_dest(struct strbuf *sb, const struct census_dest *d)
{
	char a[INET6_ADDRSTRLEN] = "?";

	inet_ntop(d->family, d->dst, a, sizeof(a));
	sb_addf(sb, d->family == AF_INET6 ? "[%s]:%u" : "%s:%u", a, d->dport);
}

void suggest_profile(struct strbuf *sb, const struct measured *m)
{
	const struct census *c = m->census;
	double s = m->interval_s;
	uint64_t active = delta(m, C_ACTIVE_OPENS), passive = delta(m, C_PASSIVE_OPENS);
	uint64_t closes = active + passive, timeouts = delta(m, C_ABORT_TIMEOUT);
	/* TW counts the sockets that enter TIME_WAIT (seen on 6.18; an older kernel
	 * may count those leaving it: the same in a steady state) */
	uint64_t tw_made = delta(m, C_TW);
	uint64_t tw_now = c->time_wait_in + c->time_wait_out;
	/* which side the new TIME_WAIT sockets are on: as the census finds
	 * them now (reuse takes only outbound ones) */
	double out_share = tw_now ? (double)c->time_wait_out / (double)tw_now : delta(m, C_TW_RECYCLED) ? 1 : 0.5;
	double unresp = closes ? 100.0 * (double)timeouts / (double)closes : 0;
	uint32_t rtt = census_median_rtt(m->census);
	/* the shares of the destinations: of the last minute's closes, which
	 * is what the connects are; pooled connections do not count */
	const struct census_table *by_dest = c->out_tw_dests.n ? &c->out_tw_dests : &c->out_dests;
	uint64_t by_dest_total = 0;
	const struct census_dest *top[5];
	size_t n_top = census_top(by_dest, top, 5);
	char name[80], host[256];
	uint64_t peak_in = census_peak_tw(c->tw_age_in), peak_out = census_peak_tw(c->tw_age_out);
	long in_rate = peak_rate(peak_in, rate(passive, s));
	long out_rate = peak_rate(peak_out, rate(active, s));

	for (size_t i = 0; i < by_dest->cap; i++)
		by_dest_total += by_dest->v[i].count;
	if (unresp > 100)
		unresp = 100;
	yaml_safe(host, sizeof(host), m->host && *m->host ? m->host : "this host");
	profile_name(name, sizeof(name), m->host);
	sb_adds(sb, "# yaml-language-server: $schema=" FINTUNE_DATADIR "/schema/profile.schema.json\n#\n");
	sb_addf(sb, "# Measured by `fintune status --interval %.0f --suggest` on %s,\n# over %.0f s ending %s. Review it, then: fintune plan FILE\n",
		s, host, s, m->ended);
	sb_adds(sb, "fintune: 1\n");
	sb_addf(sb, "name: %s\n", name);
	sb_addf(sb, "description: >-\n  Measured on %s over %.0f s: %ld connects/s at peak to %zu destination%s,\n  %ld accepted connections/s.\n",
		host, s, out_rate, c->out_dests.n, c->out_dests.n == 1 ? "" : "s", in_rate);
	/* an empty mapping when nothing was measured: a bare key is null */
	sb_adds(sb, passive || c->inbound || active || c->outbound || rtt ? "workload:\n" : "workload: {}\n");
	if (passive || c->inbound) {
		double first = passive ? (double)tw_made * (1 - out_share) / (double)passive : 0;

		sb_adds(sb, "  inbound:\n");
		sb_addf(sb, "    # %llu connections accepted over %.0f s (Tcp PassiveOpens): %ld/s\n",
			(unsigned long long)passive, s, rate(passive, s));
		if (in_rate > rate(passive, s))
			sb_addf(sb, "    # the busiest second of the last minute closed %llu (the ages of the inbound\n"
				    "    # TIME_WAIT sockets): the peak is what the profile describes\n",
				(unsigned long long)peak_in);
		sb_addf(sb, "    close_rate: %ld\n", in_rate);
		if (passive && in_rate <= rate(passive, s)) {
			sb_addf(sb, "    # about %.0f%% of them left a TIME_WAIT here: this host closed first on those\n",
				100 * (first > 1 ? 1 : first));
			sb_addf(sb, "    closes_first: %s\n", closer(first));
		} else {
			closer_of_last_minute(sb, c->tw_age_in, "inbound", "the clients");
		}
		sb_addf(sb, "    # distinct client addresses of the %llu inbound sockets now\n", (unsigned long long)c->inbound);
		sb_addf(sb, "    client_addresses: %zu\n", c->in_clients.n ? clamp(c->in_clients.n, 100000000) : 1);
		add_unresponsive(sb, timeouts, closes, unresp);
	} else {
		sb_addf(sb, "  # inbound: no connection was accepted over the %.0f s, and none is open\n", s);
	}
	if (active || c->outbound) {
		double first = active ? (double)tw_made * out_share / (double)active : 0;
		/* the plan spreads the rate evenly: sized for the busiest */
		size_t dests = by_dest->n ? clamp(by_dest->n, 1000000) : 1;
		double busiest = n_top && by_dest_total ? (double)top[0]->count / (double)by_dest_total : 1;
		size_t even = busiest > 0 ? (size_t)floor(1 / busiest + 1e-9) : dests;

		if (even < 1)
			even = 1;
		sb_adds(sb, "  outbound:\n");
		sb_addf(sb, "    # %llu connect()s over %.0f s (Tcp ActiveOpens): %ld/s\n", (unsigned long long)active, s,
			rate(active, s));
		if (out_rate > rate(active, s))
			sb_addf(sb, "    # the busiest second of the last minute closed %llu outbound connections (the\n"
				    "    # ages of the TIME_WAIT sockets): the peak is what the profile describes\n",
				(unsigned long long)peak_out);
		sb_addf(sb, "    connect_rate: %ld\n", out_rate);
		sb_addf(sb, "    # %zu destination(s) among the %llu %s; the busiest, with\n"
			    "    # their share and the connect rate that share stands for:\n",
			by_dest->n, (unsigned long long)by_dest_total,
			by_dest == &c->out_tw_dests ? "outbound TIME_WAIT sockets of the last minute" : "outbound sockets now");
		for (size_t i = 0; i < n_top; i++) {
			double share = by_dest_total ? (double)top[i]->count / (double)by_dest_total : 0;

			sb_adds(sb, "    #   ");
			add_dest(sb, top[i]);
			sb_addf(sb, " %.0f%%, about %.0f/s\n", 100 * share, share * (double)out_rate);
		}
		if (even < dests)
			sb_addf(sb, "    # sized for the busiest: the plan spreads the rate evenly, so %zu, not %zu\n", even, dests);
		sb_addf(sb, "    destinations: %zu\n", even < dests ? even : dests);
		sb_addf(sb, "    source_addresses: %zu\n", c->out_sources.n ? clamp(c->out_sources.n, 65536) : 1);
		if (active && out_rate <= rate(active, s)) {
			sb_addf(sb, "    # TIME_WAIT entered over the interval: %llu (TcpExt TW), %.0f%% of those now\n"
				    "    # outbound: this host closed first on %.0f%% of the connect()s\n",
				(unsigned long long)tw_made, 100 * out_share, 100 * (first > 1 ? 1 : first));
			sb_addf(sb, "    closes_first: %s\n", closer(first));
		} else {
			closer_of_last_minute(sb, c->tw_age_out, "outbound", "the upstreams");
		}
		sb_addf(sb, "    loopback: %s\n", c->outbound && c->out_loopback == c->outbound ? "true" : "false");
		add_unresponsive(sb, timeouts, closes, unresp);
	} else {
		sb_addf(sb, "  # outbound: no connect() over the %.0f s, and no outbound socket is open\n", s);
	}
	if (rtt) {
		sb_addf(sb, "  # the median smoothed RTT of the %zu established sockets (tcp_info)\n  rtt_ms: ", c->n_rtt);
		add_number(sb, rtt / 1000.0 < 0.001 ? 0.001 : rtt / 1000.0 > 60000 ? 60000 : rtt / 1000.0);
		sb_adds(sb, "\n");
	} else {
		sb_adds(sb, "  # rtt_ms: no established socket to take it from; the default (50 ms) stands\n");
	}
	sb_adds(sb, "  # memory_budget_mib is the site's choice, not measured (the default is 256)\n");
}
