// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The advisor. Pure: workload + pins + kernel facts in, one recommendation
 * per key out, each with the inputs that drove it and the memory it lets the
 * close path pin. The rules, as fintune(8) documents them:
 *
 *  RTO        a connection's retransmission timeout: rtt + tcp_rto_min
 *             (200 ms), at most tcp_rto_max (120 s); the kernel's own
 *             rtt + max(rttvar, rto_min) at a steady RTT.
 *  TIME_WAIT  every close this host starts waits 60 s (fixed):
 *             tw_rate = inbound.close_rate x us(inbound.closes_first)
 *                     + outbound.connect_rate x us(outbound.closes_first),
 *             us() = 1 for "us" and "either" (the worst case), 0 for "peer";
 *             TIME_WAIT sockets = tw_rate x 60.
 *  stuck      closes whose peer stops answering, per second:
 *             inbound.close_rate x inbound.unresponsive_percent
 *             + outbound.connect_rate x outbound.unresponsive_percent.
 *  FIN_WAIT2  orphaned FIN_WAIT2 sockets wait tcp_fin_timeout (F) for a FIN
 *             that does not come: fw2_rate = the stuck closes this host
 *             started; they hold tcp_max_tw_buckets slots (F <= 60).
 *  orphans    unanswered FINs retransmit for orphan_lifetime(N):
 *             orphans = stuck x lifetime + all closes x rtt; ~64 KiB each.
 *  ports      per (source address, destination) pair, a host that closes
 *             first holds each port 60 s in TIME_WAIT (+ F for stuck ones).
 *  headroom   limits are sized at 1.5 x the declared peak, rounded up to
 *             256, never below what the running system has (a pin aside):
 *             overflowing them aborts connections.
 *  budget     TIME_WAIT and FIN_WAIT2 slots (320 B each, 1.5x) are paid
 *             first: their number follows from the rates alone. Orphans (64
 *             KiB each, 1.5x) get the rest, at least a quarter of
 *             memory_budget_mib, and tcp_orphan_retries is the most retries
 *             whose orphans fit it (never below 2). A limit is not raised
 *             past what the budget pays for, and the plan says so.
 */
#include "advise.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TIME_WAIT_SECONDS 60.0	/* TCP_TIMEWAIT_LEN, fixed at compile time */
#define TW_SOCKET_BYTES 320	/* 256 B tw_sock_TCP + 64 B bind bucket */
#define ORPHAN_BYTES 65536	/* the kernel documentation's per-orphan rule of thumb */
#define HALF_CLOSED_BYTES 2368	/* a full TCP socket, without its buffers */
#define HEADROOM 1.5
#define LIMIT_STEP 256		/* limits are rounded up to a multiple of this */
#define FIN_FLOOR_MIN 10.0
#define ORPHAN_RETRIES_MIN 2	/* a FIN sent at least three times */
#define ORPHAN_RETRIES_DEFAULT 8	/* what the kernel makes of 0 */
#define RTO_BASE 0.2		/* TCP_RTO_MIN: the unit of the retry limits */
#define LIMIT_MAX 2147483647.0

__attribute__((format(printf, 3, 4)))
static void add(char *buf, size_t size, const char *fmt, ...)
{
	size_t len = strlen(buf);
	va_list ap;

	if (len + 1 >= size)
		return;
	va_start(ap, fmt);
	vsnprintf(buf + len, size - len, fmt, ap);
	va_end(ap);
}

#define SAY(rec, ...) add((rec)->rationale, sizeof((rec)->rationale), __VA_ARGS__)

__attribute__((format(printf, 2, 3)))
static void warn(struct advice *a, const char *fmt, ...)
{
	va_list ap;

	if (a->n_warnings == ADVICE_NOTES)
		return;
	va_start(ap, fmt);
	vsnprintf(a->warnings[a->n_warnings++], ADVICE_TEXT, fmt, ap);
	va_end(ap);
}

__attribute__((format(printf, 2, 3)))
static void refuse(struct advice *a, const char *fmt, ...)
{
	va_list ap;

	if (a->n_errors == ADVICE_NOTES)
		return;
	va_start(ap, fmt);
	vsnprintf(a->errors[a->n_errors++], ADVICE_TEXT, fmt, ap);
	va_end(ap);
}

/* "166.6 MiB": memory for people. */
static const char *mib(char *buf, size_t size, double bytes)
{
	if (bytes >= 1024.0 * 1024 * 1024)
		snprintf(buf, size, "%.1f GiB", bytes / (1024.0 * 1024 * 1024));
	else if (bytes >= 1024.0 * 1024)
		snprintf(buf, size, "%.1f MiB", bytes / (1024.0 * 1024));
	else
		snprintf(buf, size, "%.0f KiB", ceil(bytes / 1024.0));
	return buf;
}

double fin_timeout_floor(double rto)
{
	/* The kernel waits at least 3.5 x RTO whatever F says; below 10 s, peers
	 * that take a moment to close get their late FIN answered by a RST. */
	double f = ceil(3.5 * rto);

	if (f < FIN_FLOOR_MIN)
		f = FIN_FLOOR_MIN;
	/* Above 60 is the 61..119 trap or a doubled wait, and pointless: the
	 * kernel itself waits 3.5 x RTO when that is longer than F. */
	return f > 60 ? 60 : f;
}

double orphan_lifetime(int retries, double rto, double rto_max)
{
	int n = retries == 0 ? ORPHAN_RETRIES_DEFAULT : retries;
	int boundary = (int)floor(log2(rto_max / RTO_BASE));
	double limit, t = 0, r = rto, stamp = -1;

	if (boundary < 0)
		boundary = 0;
	/* retransmits_timed_out(): a time, in steps of TCP_RTO_MIN, doubling up to
	 * the RTO cap and linear after it */
	if (n <= boundary)
		limit = (pow(2, n + 1) - 1) * RTO_BASE;
	else
		limit = (pow(2, boundary + 1) - 1) * RTO_BASE + (n - boundary) * rto_max;
	if (r > rto_max)
		r = rto_max;
	/* the retransmission timer: the socket is dropped at the first expiry
	 * that finds the limit passed, counted from the first retransmission */
	for (int i = 0; i < 1000; i++) {
		t += r;
		if (stamp < 0)
			stamp = t;
		else if (t - stamp >= limit)
			return t;
		r = fmin(2 * r, rto_max);
	}
	return t;
}

static double us_share(enum closer c)
{
	return c == CLOSER_PEER ? 0.0 : 1.0;
}

static const char *closer_name(enum closer c)
{
	return c == CLOSER_US ? "us" : c == CLOSER_PEER ? "peer" : "either";
}

static double round_up(double x, double step)
{
	return ceil(x / step) * step;
}

static double clamp_limit(double x)
{
	return x > LIMIT_MAX ? LIMIT_MAX : x < 0 ? 0 : x;
}

static const struct pin *find_pin(const struct advisor_input *in, enum key_id id)
{
	for (size_t i = 0; i < in->n_pins; i++)
		if (strcmp(in->pins[i].key, key_fact(id)->name) == 0)
			return &in->pins[i];
	return NULL;
}

static bool running_long(const struct kernel *k, enum key_id id, long *v)
{
	return kernel_value(k, id, v);
}

static void set_value(struct recommendation *r, long v)
{
	snprintf(r->proposed, sizeof(r->proposed), "%ld", v);
	r->planned = true;
}

/* Applies a pin; false when the key cannot take it here (already said). */
static bool apply_pin(const struct advisor_input *in, struct advice *a, enum key_id id)
{
	const struct pin *p = find_pin(in, id);
	struct recommendation *r = &a->rec[id];
	const char *name = key_fact(id)->name;

	if (!p)
		return false;
	if (!kernel_has(in->k, id)) {
		warn(a, "%s is pinned at %s:%u:%u, but this kernel has no such key: it is left out", name,
		     p->origin.file ? p->origin.file : "?", p->origin.line, p->origin.col);
		return false;
	}
	if (!kernel_writable(in->k, id)) {
		warn(a, "%s is pinned at %s:%u:%u, but it is host-global and this is a child network namespace: set it on the host",
		     name, p->origin.file ? p->origin.file : "?", p->origin.line, p->origin.col);
		return false;
	}
	if (!kernel_accepts(in->k, id, p->value)) {
		const struct key_era *era = kernel_era(in->k, id);

		refuse(a, "%s is pinned to %s at %s:%u:%u, which this kernel (%s) does not accept (expected %ld..%ld)",
		       name, p->value, p->origin.file ? p->origin.file : "?", p->origin.line, p->origin.col,
		       in->k->release[0] ? in->k->release : "unknown", era->min, era->max);
		return false;
	}
	snprintf(r->proposed, sizeof(r->proposed), "%s", p->value);
	r->planned = true;
	r->pinned = true;
	r->rationale[0] = '\0';
	SAY(r, "Pinned to %s at %s:%u:%u.", p->value, p->origin.file ? p->origin.file : "?", p->origin.line,
	    p->origin.col);
	return true;
}

/* Below the running value only when pinned: overflowing a limit aborts. */
static void warn_if_lowered(const struct advisor_input *in, struct advice *a, enum key_id id)
{
	long run, prop;

	if (!a->rec[id].pinned || !running_long(in->k, id, &run))
		return;
	prop = strtol(a->rec[id].proposed, NULL, 10);
	if (prop < run)
		warn(a, "%s is pinned to %ld, below the running %ld: %s", key_fact(id)->name, prop, run,
		     id == K_MAX_ORPHANS ? "orphans past it are reset at close (TCPAbortOnMemory); the kernel documentation says not to lower it" :
					   "sockets past it skip TIME_WAIT silently (TCPTimeWaitOverflow)");
}

static void advise_fin_timeout(const struct advisor_input *in, struct advice *a)
{
	const struct workload *w = in->w;
	struct figures *f = &a->fig;
	struct recommendation *r = &a->rec[K_FIN_TIMEOUT];
	double table = f->tw_rate * TIME_WAIT_SECONDS, best = 60, fw2_out;
	long run = -1;
	bool have_run = running_long(in->k, K_FIN_TIMEOUT, &run);

	/* Orphaned FIN_WAIT2 sockets are cheap (256 B) but each holds a
	 * tcp_max_tw_buckets slot and, outbound, its port, which tcp_tw_reuse
	 * cannot take. Keep them to a tenth of the TIME_WAIT table and of the
	 * port range; 60 s is the most that makes sense (61..119 is a trap). */
	if (f->fw2_rate > 0 && table > 0)
		best = fmin(best, 0.1 * table / f->fw2_rate);
	fw2_out = f->pairs > 0 ? w->out.connect_rate * us_share(w->out.closes_first) *
					 (w->out.unresponsive_pct / 100.0) / f->pairs : 0;
	if (fw2_out > 0 && f->port_range > 0 && f->ports_held > 0.5 * f->port_range)
		best = fmin(best, 0.1 * f->port_range / fw2_out);
	best = floor(best);
	if (best < f->fin_floor)
		best = f->fin_floor;
	if (apply_pin(in, a, K_FIN_TIMEOUT)) {
		long p = strtol(r->proposed, NULL, 10);

		if (p > 60 && p < 120)
			refuse(a, "net.ipv4.tcp_fin_timeout is pinned to %ld: 61..119 makes the kernel time out after 2(F-60) = %ld s; pin 60 or less",
			       p, 2 * (p - 60));
		else if (p < f->fin_floor)
			refuse(a, "net.ipv4.tcp_fin_timeout is pinned to %ld, below the safe floor of %.0f s for rtt_ms %g (the kernel waits at least 3.5 x RTO = %.1f s anyway; peers slower to close get a RST)",
			       p, f->fin_floor, w->rtt_ms, 3.5 * f->rto);
		f->fin_timeout = (double)p;
		SAY(r, " Orphaned FIN_WAIT2 sockets expected at peak: %.0f.", f->fw2_rate * f->fin_timeout);
		r->memory_bytes = (uint64_t)(f->fw2_rate * f->fin_timeout * 256);
		return;
	}
	if (have_run && run >= f->fin_floor && run <= best) {
		set_value(r, run);
		SAY(r, "Keeps the running %ld: within %.0f..%.0f s, the safe range for this workload.", run,
		    f->fin_floor, best);
	} else {
		set_value(r, (long)best);
		if (have_run && run > 60 && run < 120)
			SAY(r, "The running %ld is the 61..119 trap (the kernel times out after 2(F-60) = %ld s): %.0f instead.",
			    run, 2 * (run - 60), best);
		else if (have_run && run < f->fin_floor)
			SAY(r, "Raised from %ld to the safe floor %.0f s: below it, peers slower to close get a RST.", run,
			    f->fin_floor);
		else
			SAY(r, "%.0f s.", best);
	}
	f->fin_timeout = strtod(r->proposed, NULL);
	if (f->fw2_rate > 0)
		SAY(r, " Stuck closes this host starts (inbound.close_rate %llu x %g%%, outbound.connect_rate %llu x %g%%) leave %.1f/s orphaned in FIN_WAIT2: %.0f of them at peak, each a TIME_WAIT slot%s.",
		    (unsigned long long)w->in.close_rate * (us_share(w->in.closes_first) > 0),
		    w->in.unresponsive_pct,
		    (unsigned long long)w->out.connect_rate * (us_share(w->out.closes_first) > 0),
		    w->out.unresponsive_pct, f->fw2_rate, f->fw2_rate * f->fin_timeout,
		    fw2_out > 0 ? " and an ephemeral port" : "");
	else
		SAY(r, " This host does not start closes with unresponsive peers (closes_first, unresponsive_percent), so few orphans wait in FIN_WAIT2.");
	SAY(r, " Floor %.0f s from rtt_ms %g (RTO %.2f s). It does not shorten TIME_WAIT (60 s, fixed) and does not bound sockets half-closed with shutdown().",
	    f->fin_floor, w->rtt_ms, f->rto);
	r->memory_bytes = (uint64_t)(f->fw2_rate * f->fin_timeout * 256);
}

static double orphan_count(const struct figures *f, const struct workload *w, int retries)
{
	double all = (double)w->in.close_rate + (double)w->out.connect_rate;

	return f->stuck_rate * orphan_lifetime(retries, f->rto, f->rto_max) + all * (w->rtt_ms / 1000.0);
}

/* Memory a limit sized for this many sockets lets them pin. */
static double limit_bytes(double sockets, double unit)
{
	return round_up(HEADROOM * sockets, LIMIT_STEP) * unit;
}

static void advise_orphan_retries(const struct advisor_input *in, struct advice *a, double share)
{
	const struct workload *w = in->w;
	struct figures *f = &a->fig;
	struct recommendation *r = &a->rec[K_ORPHAN_RETRIES];
	int n = ORPHAN_RETRIES_DEFAULT;
	long run = -1;
	bool have_run = running_long(in->k, K_ORPHAN_RETRIES, &run);
	char b1[32], b2[32];

	if (apply_pin(in, a, K_ORPHAN_RETRIES)) {
		long p = strtol(r->proposed, NULL, 10);

		if (p == 0) {
			/* the kernel reads 0 as 8: write what it means */
			set_value(r, ORPHAN_RETRIES_DEFAULT);
			warn(a, "net.ipv4.tcp_orphan_retries is pinned to 0, which the kernel reads as 8 retries (an unanswered orphan lives %.0f s): fintune writes 8; pin 1 to 3 for short-lived orphans",
			     orphan_lifetime(0, f->rto, f->rto_max));
			SAY(r, " 0 means 8 to the kernel, so 8 is written.");
		}
		f->orphan_retries = (int)strtol(r->proposed, NULL, 10);
	} else {
		/* The most retries whose orphans, with headroom, still fit their
		 * share of the budget, but never fewer than 2. */
		while (n > ORPHAN_RETRIES_MIN && limit_bytes(orphan_count(f, w, n), ORPHAN_BYTES) > share)
			n--;
		if (have_run && run != 0 && run >= ORPHAN_RETRIES_MIN && run <= n) {
			set_value(r, run);
			SAY(r, "Keeps the running %ld: ", run);
		} else {
			set_value(r, n);
			if (have_run && run == 0 && n == ORPHAN_RETRIES_DEFAULT)
				SAY(r, "8, what the kernel makes of the running 0, written explicitly: ");
			else if (have_run && run == 0)
				SAY(r, "%d instead of the running 0, which the kernel reads as 8 (%.0f s): ", n,
				    orphan_lifetime(0, f->rto, f->rto_max));
			else
				SAY(r, "%d: ", n);
		}
		f->orphan_retries = (int)strtol(r->proposed, NULL, 10);
		SAY(r, "an unanswered orphaned FIN lives %.1f s at an RTO of %.2f s (rtt_ms %g).",
		    orphan_lifetime(f->orphan_retries, f->rto, f->rto_max), f->rto, w->rtt_ms);
	}
	f->orphan_life = orphan_lifetime(f->orphan_retries, f->rto, f->rto_max);
	f->orphans = orphan_count(f, w, f->orphan_retries);
	r->memory_bytes = (uint64_t)(f->orphans * ORPHAN_BYTES);
	SAY(r, " Peers that stop answering (inbound.unresponsive_percent %g of %llu/s, outbound.unresponsive_percent %g of %llu/s: %.1f/s) keep %.0f orphans at peak, up to %s at 64 KiB each; memory_budget_mib leaves orphans %s after the TIME_WAIT slots.",
	    w->in.unresponsive_pct, (unsigned long long)w->in.close_rate, w->out.unresponsive_pct,
	    (unsigned long long)w->out.connect_rate, f->stuck_rate, f->orphans,
	    mib(b1, sizeof(b1), f->orphans * ORPHAN_BYTES), mib(b2, sizeof(b2), share));
	if (!r->pinned && f->orphan_retries == ORPHAN_RETRIES_MIN &&
	    limit_bytes(f->orphans, ORPHAN_BYTES) > share)
		warn(a, "orphans from unresponsive peers need %s even at tcp_orphan_retries 2 (1.5x headroom), more than memory_budget_mib leaves them (%s)",
		     mib(b1, sizeof(b1), limit_bytes(f->orphans, ORPHAN_BYTES)), mib(b2, sizeof(b2), share));
	SAY(r, " Sockets half-closed with shutdown() are not orphans and retransmit under tcp_retries2 instead.");
}

/* A limit: 1.5 x the need, rounded up, at least the running value, no more
 * than the budget pays for unless the running value already is. */
static void advise_limit(const struct advisor_input *in, struct advice *a, enum key_id id, double need,
			 double unit_bytes, double afford_bytes, const char *what)
{
	struct recommendation *r = &a->rec[id];
	double want = clamp_limit(round_up(HEADROOM * need, LIMIT_STEP));
	double afford = clamp_limit(floor(afford_bytes / unit_bytes / LIMIT_STEP) * LIMIT_STEP);
	double value = want;
	long run = -1;
	bool have_run = running_long(in->k, id, &run);
	char b1[32], b2[32];

	if (want < 1024)
		value = want = 1024;
	if (value > afford) {
		value = afford > 1024 ? afford : 1024;
		warn(a, "%s: the workload needs %.0f %s (%s), more than memory_budget_mib pays for (%.0f); raise the budget or expect %s",
		     key_fact(id)->name, want, what, mib(b1, sizeof(b1), want * unit_bytes), afford,
		     id == K_MAX_ORPHANS ? "resets at close (TCPAbortOnMemory)" :
					   "sockets to skip TIME_WAIT (TCPTimeWaitOverflow)");
	}
	if (have_run && run >= value) {
		set_value(r, run);
		SAY(r, "Keeps the running %ld, which covers the %.0f %s needed at 1.5x the declared peak (%.0f)",
		    run, want, what, need);
	} else {
		set_value(r, (long)value);
		if (have_run)
			SAY(r, "Raised from %ld to %.0f: 1.5x the declared peak of %.0f %s", run, value, need, what);
		else
			SAY(r, "%.0f: 1.5x the declared peak of %.0f %s", value, need, what);
	}
	r->memory_bytes = (uint64_t)(strtod(r->proposed, NULL) * unit_bytes);
	SAY(r, "; it lets them pin at most %s", mib(b1, sizeof(b1), (double)r->memory_bytes));
	if ((double)r->memory_bytes > afford_bytes)
		SAY(r, ", more than the %s memory_budget_mib leaves for them: fintune does not lower a running limit (pin one to enforce the budget).",
		    mib(b2, sizeof(b2), afford_bytes));
	else
		SAY(r, " (memory_budget_mib leaves %s for them).", mib(b2, sizeof(b2), afford_bytes));
}

static void advise_tw_buckets(const struct advisor_input *in, struct advice *a, double afford)
{
	const struct workload *w = in->w;
	struct figures *f = &a->fig;
	struct recommendation *r = &a->rec[K_MAX_TW_BUCKETS];

	if (apply_pin(in, a, K_MAX_TW_BUCKETS)) {
		r->memory_bytes = (uint64_t)(strtod(r->proposed, NULL) * TW_SOCKET_BYTES);
		SAY(r, " The workload puts %.0f sockets in TIME_WAIT and FIN_WAIT2 at peak.", f->time_wait + f->fin_wait2);
		warn_if_lowered(in, a, K_MAX_TW_BUCKETS);
		return;
	}
	SAY(r, "inbound.close_rate %llu/s (closes_first %s) and outbound.connect_rate %llu/s (closes_first %s) put %.0f sockets/s into TIME_WAIT for 60 s: %.0f; orphaned FIN_WAIT2 at tcp_fin_timeout %.0f add %.0f (they share the table). ",
	    (unsigned long long)w->in.close_rate, closer_name(w->in.closes_first),
	    (unsigned long long)w->out.connect_rate, closer_name(w->out.closes_first), f->tw_rate,
	    f->time_wait, f->fin_timeout, f->fin_wait2);
	advise_limit(in, a, K_MAX_TW_BUCKETS, f->time_wait + f->fin_wait2, TW_SOCKET_BYTES, afford,
		     "TIME_WAIT slots");
	SAY(r, " Past the limit sockets skip TIME_WAIT silently (TCPTimeWaitOverflow).");
}

static void advise_max_orphans(const struct advisor_input *in, struct advice *a, double afford)
{
	const struct workload *w = in->w;
	struct figures *f = &a->fig;
	struct recommendation *r = &a->rec[K_MAX_ORPHANS];
	double need = round_up(HEADROOM * f->orphans, LIMIT_STEP);

	if (in->k->child_netns) {
		r->planned = false;
		SAY(r, "Host-global: this is a child network namespace (a container), where the key does not exist; set it on the host, to at least %.0f for this workload (1.5x %.0f orphans at peak).",
		    need < 1024 ? 1024 : need, f->orphans);
		warn(a, "net.ipv4.tcp_max_orphans is host-global: fintune cannot set it in this network namespace; the host needs at least %.0f",
		     need < 1024 ? 1024 : need);
		return;
	}
	if (apply_pin(in, a, K_MAX_ORPHANS)) {
		r->memory_bytes = (uint64_t)(strtod(r->proposed, NULL) * ORPHAN_BYTES);
		SAY(r, " The workload keeps %.0f orphans at peak.", f->orphans);
		warn_if_lowered(in, a, K_MAX_ORPHANS);
		return;
	}
	SAY(r, "Unanswered closes (inbound.unresponsive_percent %g, outbound.unresponsive_percent %g) at tcp_orphan_retries %d (%.1f s each) keep %.0f orphans at peak. ",
	    w->in.unresponsive_pct, w->out.unresponsive_pct, f->orphan_retries, f->orphan_life, f->orphans);
	advise_limit(in, a, K_MAX_ORPHANS, f->orphans, ORPHAN_BYTES, afford, "orphans");
	SAY(r, " The kernel documentation says not to lower it: past it closing connections are reset (TCPAbortOnMemory). Host-global.");
}

static void advise_timestamps(const struct advisor_input *in, struct advice *a)
{
	struct recommendation *r = &a->rec[K_TIMESTAMPS];
	long run = -1;
	bool have_run = running_long(in->k, K_TIMESTAMPS, &run);

	if (apply_pin(in, a, K_TIMESTAMPS)) {
		if (strcmp(r->proposed, "0") == 0)
			SAY(r, " Off: no PAWS, and tcp_tw_reuse cannot work.");
		return;
	}
	if (have_run && run >= 1) {
		set_value(r, run);
		SAY(r, "Keeps the running %ld: timestamps are on%s.", run,
		    run == 1 ? " with a random offset per connection" : "");
	} else {
		set_value(r, 1);
		SAY(r, have_run ? "Turned on (1): the running 0 disables PAWS and tcp_tw_reuse." :
				  "On (1), with a random offset per connection.");
	}
	SAY(r, " tcp_tw_reuse and PAWS need them; with a random offset per connection they are safe for clients behind NAT (inbound.clients_behind_nat %s).",
	    in->w->in.behind_nat ? "true" : "false");
}

static void advise_tw_reuse(const struct advisor_input *in, struct advice *a)
{
	const struct workload *w = in->w;
	struct figures *f = &a->fig;
	struct recommendation *r = &a->rec[K_TW_REUSE];
	const struct key_era *era = kernel_era(in->k, K_TW_REUSE);
	bool ts_on = strcmp(a->rec[K_TIMESTAMPS].proposed, "0") != 0;
	double pressure = f->port_range > 0 ? f->ports_held / f->port_range : 0;
	long run = -1;
	bool have_run = running_long(in->k, K_TW_REUSE, &run);
	long want;
	const char *why;

	if (apply_pin(in, a, K_TW_REUSE)) {
		if (strcmp(r->proposed, "0") != 0 && !ts_on)
			refuse(a, "net.ipv4.tcp_tw_reuse is pinned to %s but tcp_timestamps is 0 in the same plan: reuse needs timestamps",
			       r->proposed);
		return;
	}
	if (!ts_on) {
		want = 0;
		why = "tcp_timestamps is 0 in this plan, and reuse cannot work without timestamps";
		if (pressure > 0.5 && us_share(w->out.closes_first) > 0)
			warn(a, "outbound TIME_WAIT needs %.0f ports per destination, more than half of the %.0f in ip_local_port_range, and tcp_tw_reuse cannot help because tcp_timestamps is pinned to 0: unpin it, add source addresses, or keep upstream connections alive",
			     f->ports_held, f->port_range);
	} else if (w->out.connect_rate == 0 || us_share(w->out.closes_first) == 0) {
		want = have_run ? run : strtol(era->def, NULL, 10);
		why = w->out.connect_rate == 0 ?
			      "no outbound connections (outbound.connect_rate 0): tcp_tw_reuse acts only on connect(), and does nothing for accepted connections" :
			      "outbound.closes_first is peer: the upstreams keep the TIME_WAIT, not this host";
	} else if (pressure <= 0.5) {
		want = have_run ? run : strtol(era->def, NULL, 10);
		why = "outbound TIME_WAIT holds at most half the port range";
	} else if (w->out.loopback && era->max >= 2) {
		want = have_run && run == 1 ? 1 : 2;
		why = "the destinations are on loopback (outbound.loopback), which 2 covers";
	} else {
		want = 1;
		why = "outbound TIME_WAIT would hold more than half of the port range";
	}
	set_value(r, want);
	if (have_run && run == want)
		SAY(r, "Keeps the running %ld: %s.", run, why);
	else
		SAY(r, "%ld: %s.", want, why);
	if (w->out.connect_rate == 0 && !strstr(why, "outbound.connect_rate"))
		SAY(r, " (outbound.connect_rate 0)");
	if (w->out.connect_rate > 0)
		SAY(r, " outbound.connect_rate %llu/s over %.0f (source, destination) pairs (outbound.destinations %llu x outbound.source_addresses %llu) holds %.0f ports per pair in TIME_WAIT (closes_first %s) of the %.0f in the range.",
		    (unsigned long long)w->out.connect_rate, f->pairs, (unsigned long long)w->out.destinations,
		    (unsigned long long)w->out.source_addresses, f->ports_held, closer_name(w->out.closes_first),
		    f->port_range);
	if (want == 1)
		SAY(r, " Reuse needs timestamps at both ends and takes only TIME_WAIT sockets older than tcp_tw_reuse_delay.");
	if (want == 2 && era->max < 2)
		SAY(r, " (This kernel has no 2.)");
}

static void advise_tw_reuse_delay(const struct advisor_input *in, struct advice *a)
{
	struct recommendation *r = &a->rec[K_TW_REUSE_DELAY];
	long run = -1;

	if (!kernel_has(in->k, K_TW_REUSE_DELAY)) {
		r->planned = false;
		SAY(r, "This kernel (%s) has no tcp_tw_reuse_delay (new in 6.14): the delay is a fixed 1 s.",
		    in->k->release[0] ? in->k->release : "unknown");
		return;
	}
	if (apply_pin(in, a, K_TW_REUSE_DELAY))
		return;
	if (running_long(in->k, K_TW_REUSE_DELAY, &run)) {
		set_value(r, run);
		SAY(r, "Keeps the running %ld ms.", run);
	} else {
		set_value(r, 1000);
		SAY(r, "1000 ms, the historic fixed delay.");
	}
	if (a->fig.pairs > 0 && in->w->out.connect_rate > 0)
		SAY(r, " With reuse each (source, destination) pair can take back its %.0f ports every %.1f s, far above the %.0f/s per pair this workload opens (outbound.connect_rate).",
		    a->fig.port_range, strtod(r->proposed, NULL) / 1000.0,
		    (double)in->w->out.connect_rate / a->fig.pairs);
	else
		SAY(r, " Only matters with tcp_tw_reuse on for outbound connections (outbound.connect_rate %llu).",
		    (unsigned long long)in->w->out.connect_rate);
}

static void advise_port_range(const struct advisor_input *in, struct advice *a)
{
	const struct workload *w = in->w;
	struct figures *f = &a->fig;
	struct recommendation *r = &a->rec[K_PORT_RANGE];
	bool reuse = strcmp(a->rec[K_TW_REUSE].proposed, "0") != 0 &&
		     (strcmp(a->rec[K_TW_REUSE].proposed, "1") == 0 || w->out.loopback);
	long unpriv = 1024, lo = 32768, hi = 60999;

	if (kernel_has(in->k, K_UNPRIV_PORT_START))
		kernel_value(in->k, K_UNPRIV_PORT_START, &unpriv);
	if (in->k->running[K_PORT_RANGE].present)
		sscanf(in->k->running[K_PORT_RANGE].value, "%ld %ld", &lo, &hi);
	if (apply_pin(in, a, K_PORT_RANGE)) {
		sscanf(r->proposed, "%ld %ld", &lo, &hi);
		f->port_range = (double)(hi - lo + 1);
		SAY(r, " %.0f ports; outbound TIME_WAIT (outbound.connect_rate %llu/s) holds %.0f per (source, destination) pair at peak.",
		    f->port_range, (unsigned long long)w->out.connect_rate, f->ports_held);
		return;
	}
	snprintf(r->proposed, sizeof(r->proposed), "%ld %ld", lo, hi);
	r->planned = true;
	if (f->ports_held <= f->port_range * 0.9 || reuse) {
		SAY(r, "Keeps %ld %ld (%.0f ports): ", lo, hi, f->port_range);
		if (w->out.connect_rate == 0)
			SAY(r, "no outbound connections (outbound.connect_rate 0).");
		else if (f->ports_held <= f->port_range * 0.9)
			SAY(r, "outbound.connect_rate %llu/s over %.0f pairs holds %.0f ports per pair at peak.",
			    (unsigned long long)w->out.connect_rate, f->pairs, f->ports_held);
		else
			SAY(r, "outbound.connect_rate %llu/s would hold %.0f ports per pair in TIME_WAIT, but tcp_tw_reuse takes them back.",
			    (unsigned long long)w->out.connect_rate, f->ports_held);
		return;
	}
	{
		/* widen only as far as needed, towards 65535 first */
		double need = ceil(f->ports_held / 0.9);
		long new_hi = 65535, new_lo = (long)(new_hi - need + 1);

		if (new_lo > lo)
			new_lo = lo;
		if (new_lo < unpriv)
			new_lo = unpriv;
		if (new_lo < 1)
			new_lo = 1;
		snprintf(r->proposed, sizeof(r->proposed), "%ld %ld", new_lo, new_hi);
		f->port_range = (double)(new_hi - new_lo + 1);
		SAY(r, "Widened from %ld %ld to %ld %ld: outbound.connect_rate %llu/s over %.0f pairs holds %.0f ports per pair in TIME_WAIT and tcp_tw_reuse cannot take them back.",
		    lo, hi, new_lo, new_hi, (unsigned long long)w->out.connect_rate, f->pairs, f->ports_held);
		if (new_lo < 32768)
			warn(a, "ip_local_port_range now starts at %ld: services that bind a port in it later may fail to start; list their ports in net.ipv4.ip_local_reserved_ports",
			     new_lo);
		if (f->ports_held > f->port_range)
			warn(a, "even %ld..%ld cannot hold the %.0f ports per (source, destination) pair this workload keeps in TIME_WAIT: keep upstream connections alive, or add outbound.source_addresses",
			     new_lo, new_hi, f->ports_held);
	}
}

static void derive_figures(const struct advisor_input *in, struct advice *a)
{
	const struct workload *w = in->w;
	const struct kernel *k = in->k;
	struct figures *f = &a->fig;
	double rto_min = 0.2, in_us = us_share(w->in.closes_first), out_us = us_share(w->out.closes_first);
	long v, lo = 32768, hi = 60999, retries2 = 15;

	if (kernel_value(k, K_RTO_MIN_US, &v) && v > 0)
		rto_min = v / 1e6;
	f->rto_max = 120;
	if (kernel_value(k, K_RTO_MAX_MS, &v) && v > 0)
		f->rto_max = v / 1000.0;
	f->rto = fmin(w->rtt_ms / 1000.0 + rto_min, f->rto_max);
	f->fin_floor = fin_timeout_floor(f->rto);
	f->tw_rate = (double)w->in.close_rate * in_us + (double)w->out.connect_rate * out_us;
	f->time_wait = f->tw_rate * TIME_WAIT_SECONDS;
	f->stuck_rate = (double)w->in.close_rate * w->in.unresponsive_pct / 100.0 +
			(double)w->out.connect_rate * w->out.unresponsive_pct / 100.0;
	f->fw2_rate = (double)w->in.close_rate * in_us * w->in.unresponsive_pct / 100.0 +
		      (double)w->out.connect_rate * out_us * w->out.unresponsive_pct / 100.0;
	f->pairs = (double)w->out.destinations * (double)w->out.source_addresses;
	if (k->running[K_PORT_RANGE].present)
		sscanf(k->running[K_PORT_RANGE].value, "%ld %ld", &lo, &hi);
	f->port_range = hi >= lo ? (double)(hi - lo + 1) : 0;
	/* ports a pair holds: TIME_WAIT for the closes it starts, the round trip
	 * for the others; stuck FIN_WAIT2 is added once F is known */
	f->ports_held = f->pairs > 0 ? (double)w->out.connect_rate / f->pairs *
						(TIME_WAIT_SECONDS * out_us + (1 - out_us) * (w->rtt_ms / 1000.0)) :
				       0;
	if (kernel_value(k, K_RETRIES2, &v) && v >= 0)
		retries2 = v;
	/* tcp_retries2 is counted like the orphan limit, from the first retransmission */
	f->retries2_life = orphan_lifetime(retries2 ? (int)fmin(retries2, 255) : 1, f->rto, f->rto_max);
}

static void half_close_notes(const struct advisor_input *in, struct advice *a)
{
	const struct workload *w = in->w;
	char b1[32];

	if (w->half.concurrent == 0 && w->half.seconds == 0)
		return;
	if (w->half.side == HALF_US)
		warn(a, "half_close: %llu sockets half-closed with shutdown(SHUT_WR) for %g s (%s without buffers) sit in FIN_WAIT2 but are not orphans: neither tcp_fin_timeout nor tcp_orphan_retries bounds them. The application's own timeout does, and an unacknowledged FIN is given up only after tcp_retries2 (about %.0f s at this RTO)",
		     (unsigned long long)w->half.concurrent, w->half.seconds,
		     mib(b1, sizeof(b1), (double)w->half.concurrent * HALF_CLOSED_BYTES), a->fig.retries2_life);
	else
		warn(a, "half_close: %llu streams the peer half-closed keep this host's sockets in CLOSE_WAIT for %g s: no sysctl ends CLOSE_WAIT; the application must close() them",
		     (unsigned long long)w->half.concurrent, w->half.seconds);
}

size_t advise(const struct advisor_input *in, struct advice *a)
{
	const struct workload *w = in->w;
	const struct kernel *k = in->k;
	double budget = (double)w->memory_budget_mib * 1024 * 1024, tw_bytes, orphan_share;
	long v;

	memset(a, 0, sizeof(*a));
	derive_figures(in, a);

	/* order matters: each key uses the ones decided before it */
	advise_timestamps(in, a);
	advise_tw_reuse(in, a);
	advise_port_range(in, a);
	/* stuck outbound FIN_WAIT2 holds ports for F; counted once F is known */
	advise_fin_timeout(in, a);
	if (a->fig.pairs > 0)
		a->fig.ports_held += (double)w->out.connect_rate * us_share(w->out.closes_first) *
				     (w->out.unresponsive_pct / 100.0) / a->fig.pairs * a->fig.fin_timeout;
	a->fig.fin_wait2 = a->fig.fw2_rate * a->fig.fin_timeout;
	/* TIME_WAIT slots are paid first: the rates alone fix their number */
	tw_bytes = limit_bytes(a->fig.time_wait + a->fig.fin_wait2, TW_SOCKET_BYTES);
	orphan_share = fmax(0.25 * budget, budget - tw_bytes);
	advise_orphan_retries(in, a, orphan_share);
	advise_tw_buckets(in, a, fmax(0.25 * budget, budget - limit_bytes(a->fig.orphans, ORPHAN_BYTES)));
	advise_max_orphans(in, a, orphan_share);
	advise_tw_reuse_delay(in, a);
	half_close_notes(in, a);

	if (kernel_value(k, K_TW_RECYCLE, &v) && v != 0)
		warn(a, "net.ipv4.tcp_tw_recycle is %ld on this kernel: it drops connections from clients behind NAT; turn it off (it was removed in 4.12)",
		     v);
	if (!k->live)
		warn(a, "no live values under the root: planning for an offline image with the kernel facts of %s",
		     k->version ? k->release : "Linux 6.18");

	for (int id = 0; id < K_PLANNED; id++) {
		struct recommendation *r = &a->rec[id];

		if (!r->planned)
			continue;
		if (!kernel_writable(k, id)) {
			/* absent here: report, do not plan */
			r->planned = false;
			r->proposed[0] = '\0';
			continue;
		}
		r->change = !k->running[id].present || strcmp(k->running[id].value, r->proposed) != 0;
		if (!r->pinned && !kernel_accepts(k, id, r->proposed))
			refuse(a, "internal error: the advice %s = %s is outside what this kernel accepts",
			       key_fact(id)->name, r->proposed);
	}
	return a->n_errors;
}
