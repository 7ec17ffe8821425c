// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The advisor. Pure: workload + pins + kernel facts in, one recommendation
 * per key out, each with the inputs that drove it and the memory it lets the
 * close path pin. The rules, as fintune(8) documents them:
 *
 *  RTO        a connection's retransmission timeout: rtt + tcp_rto_min
 *             (200 ms), each rounded up to jiffies, at most tcp_rto_max
 *             (120 s); the kernel's own srtt + max(rttvar, rto_min) at a
 *             steady RTT (204 ms at HZ 250 on a LAN).
 *  closes     us() = 1 for closes_first "us" and "either" (the worst case),
 *             0 for "peer". Each close is counted once, as what it is: the
 *             peer has vanished (unresponsive_percent u: the FIN is never
 *             acknowledged, an orphan in FIN_WAIT1 or LAST_ACK under
 *             tcp_orphan_retries, whoever closed first); the peer
 *             acknowledges and stays open (stays_open_percent s, closes this
 *             host starts: an orphan in FIN_WAIT2, in a tcp_max_tw_buckets
 *             slot, until tcp_fin_timeout); or it completes, and a close this
 *             host started waits 60 s in TIME_WAIT (1 - u - s).
 *  TIME_WAIT  rate x 60, but bounded by ports: at most 65535 per client
 *             address (inbound.client_addresses), and the port range per
 *             (source, destination) pair outbound: a new connection on a
 *             port takes over the TIME_WAIT of its 4-tuple (KERNEL.md, 13).
 *  FIN_WAIT2  an orphan waits max(F, 3.5 x RTO) (tcp_fin_time()); up to 60 s
 *             as a small socket in the TIME_WAIT table, above 60 s first
 *             (L - 60) as a full orphan, then (L - 60) small.
 *  orphans    an unanswered FIN lives orphan_lifetime(N): the kernel's
 *             timers stepped one by one (tail-loss probe, doubling RTO,
 *             timer-wheel rounding) to the first expiry past
 *             tcp_model_timeout(N) from the first retransmission;
 *             orphans = stuck x lifetime + all closes x rtt
 *             (+ long FIN_WAIT2 full sockets); ~64 KiB each.
 *  ports      per (source address, destination) pair: TIME_WAIT holds each
 *             port 60 s (tcp_tw_reuse takes it back after tcp_tw_reuse_delay),
 *             an orphan for its whole life (nothing takes it back): FIN_WAIT2
 *             for the wait, FIN_WAIT1 for the lifetime at the pinned or
 *             default retries. Accepted connections hold no ephemeral port.
 *  headroom   limits are sized at 1.5 x the declared peak, rounded up to
 *             256, never below what the running system has (a pin aside):
 *             overflowing them aborts connections, and never below 1024. A
 *             negative running limit is not kept: no limit at all on
 *             current kernels (compared unsigned), no TIME_WAIT before 5.17.
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
#define PORT_FLOOR 1024L	/* a widened range never starts below this */
#define PORTS_MAX 65535.0	/* the 4-tuples one address pair can have per listening port */
#define TW_SOCKET_BYTES 320	/* 256 B tw_sock_TCP + 64 B bind bucket */
#define ORPHAN_BYTES 65536	/* the kernel documentation's per-orphan rule of thumb */
#define HALF_CLOSED_BYTES 2368	/* a full TCP socket, without its buffers */
#define HEADROOM 1.5
#define LIMIT_STEP 256		/* limits are rounded up to a multiple of this */
#define LIMIT_MIN 1024.0	/* and never proposed below this */
#define FIN_FLOOR_MIN 10.0
#define ORPHAN_RETRIES_MIN 2	/* a FIN sent at least three times */
#define ORPHAN_RETRIES_DEFAULT 8	/* what the kernel makes of 0 */
#define LIMIT_MAX 2147483647.0
#define PATH_MAX_TEXT 512

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
#define BASIS(rec, ...) snprintf((rec)->basis, sizeof((rec)->basis), __VA_ARGS__)

#define warn(a, ...) advice_say((a)->warnings, &(a)->n_warnings, __VA_ARGS__)

void advice_say(char list[][ADVICE_TEXT], size_t *n, const char *fmt, ...)
{
	va_list ap;

	if (*n == ADVICE_NOTES)
		return;
	va_start(ap, fmt);
	vsnprintf(list[(*n)++], ADVICE_TEXT, fmt, ap);
	va_end(ap);
}

/* A refusal, and the key whose pin it is about (K_COUNT: none). */
__attribute__((format(printf, 3, 4)))
static void refuse(struct advice *a, enum key_id id, const char *fmt, ...)
{
	va_list ap;

	if (a->n_errors == ADVICE_NOTES)
		return;
	a->error_key[a->n_errors] = id;
	va_start(ap, fmt);
	vsnprintf(a->errors[a->n_errors++], ADVICE_TEXT, fmt, ap);
	va_end(ap);
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

static unsigned hz_of(const struct rto_model *m)
{
	return m->hz ? m->hz : 250;
}

/* usecs_to_jiffies(): rounded up */
static uint64_t us_to_jiffies(double us, unsigned hz)
{
	uint64_t u = us > 0 ? (uint64_t)llround(us) : 0;

	return (u * hz + 999999) / 1000000;
}

/* The RTO in jiffies at a steady RTT: __tcp_set_rto() is srtt + rttvar,
 * rttvar at least tcp_rto_min, itself kept in jiffies, all rounded up. */
static uint64_t rto_jiffies(const struct rto_model *m)
{
	unsigned hz = hz_of(m);
	uint64_t min_j = us_to_jiffies(m->rto_min * 1e6, hz), max_j = us_to_jiffies(m->rto_max * 1e6, hz);
	uint64_t j = us_to_jiffies(m->rtt * 1e6 + (double)min_j * 1e6 / hz, hz);

	return j < max_j ? j : max_j;
}

double model_rto(const struct rto_model *m)
{
	return (double)rto_jiffies(m) / hz_of(m);
}

/* When a timer armed at jiffy now for d jiffies fires: the timer wheel
 * (kernel/time/timer.c) files it at the level of d, 64 buckets a level,
 * each level 8 times coarser (levels start at 63, 504, 4032... jiffies),
 * and calc_index() rounds the expiry up past the next bucket boundary of
 * that level: one jiffy late at level 0, up to 64 jiffies (256 ms at HZ
 * 250) for a 3 s timer. That decides whether the last retry still fits. */
static uint64_t wheel_fire(uint64_t now, uint64_t d, unsigned *shift_out)
{
	unsigned shift = 0;
	uint64_t end = 63;

	while (d >= end && shift < 24) {
		shift += 3;
		end <<= 3;
	}
	if (shift_out)
		*shift_out = shift;
	return (((now + d) >> shift) + 1) << shift;
}

/* tcp_model_timeout(): the time the retries may take, in ms, counted from
 * the first retransmission, in units of TCP_RTO_MIN (200 ms), doubling up
 * to the RTO cap and linear after it. */
static double model_timeout_ms(int retries, uint64_t max_j, unsigned hz)
{
	double base = hz / 5.0, max = (double)max_j;
	int thresh = max > base ? (int)floor(log2(max / base)) : 0;
	double j = retries <= thresh ? (pow(2, retries + 1) - 1) * base :
				     (pow(2, thresh + 1) - 1) * base + (retries - thresh) * max;

	return j * 1000.0 / hz;
}

/* What one run needs, worked out once for all the offsets. */
struct timers {
	unsigned hz;
	uint64_t max_j, rto_j, probe_j;
	double ms;		/* per jiffy */
	double limit_ms;	/* tcp_model_timeout() of the retries */
	double limit_capped_ms;	/* the same once the RTO is at its cap */
};

static void timers_init(struct timers *t, int retries, bool zero_is_eight, const struct rto_model *m)
{
	uint64_t probe;

	t->hz = hz_of(m);
	t->ms = 1000.0 / t->hz;
	t->max_j = us_to_jiffies(m->rto_max * 1e6, t->hz);
	t->rto_j = rto_jiffies(m);
	/* the tail-loss probe, with only the FIN out: 2 x RTT + tcp_rto_min,
	 * but no later than the RTO (with data still unacknowledged it comes
	 * after 2 x RTT + 2 ms instead, and the life is that much shorter) */
	probe = us_to_jiffies(2 * m->rtt * 1e6, t->hz) + us_to_jiffies(m->rto_min * 1e6, t->hz);
	t->probe_j = probe < t->rto_j ? probe : t->rto_j;
	/* an orphan's 0 is 8 while the RTO is below its cap, 0 once it is
	 * there (tcp_orphan_retries()'s "alive") */
	t->limit_ms = model_timeout_ms(zero_is_eight && retries == 0 ? ORPHAN_RETRIES_DEFAULT : retries, t->max_j, t->hz);
	t->limit_capped_ms = zero_is_eight && retries == 0 ? model_timeout_ms(0, t->max_j, t->hz) : t->limit_ms;
}

/* One run: the close at jiffy t0; the life in jiffies. */
static uint64_t one_life(uint64_t t0, const struct timers *t)
{
	uint64_t r = t->rto_j, f, stamp;
	unsigned shift;

	f = wheel_fire(t0, t->probe_j, NULL);
	/* the first retransmission, an RTO after the probe: retrans_stamp */
	f = wheel_fire(f, r, NULL);
	stamp = f;
	/* each later expiry asks retransmits_timed_out() first, then
	 * retransmits and doubles the RTO */
	for (int i = 0; i < 64; i++) {
		double limit;

		r = 2 * r < t->max_j ? 2 * r : t->max_j;
		f = wheel_fire(f, r, &shift);
		limit = r < t->max_j ? t->limit_ms : t->limit_capped_ms;
		if ((double)(f - stamp) * t->ms >= limit)
			return f - t0;
		if (r == t->max_j) {
			/* at the cap each expiry lands the same step later: the
			 * rest is arithmetic (f is on a bucket boundary now) */
			uint64_t step = ((t->max_j >> shift) + 1) << shift;
			double left = limit - (double)(f - stamp) * t->ms;

			return f - t0 + (uint64_t)ceil(left / ((double)step * t->ms)) * step;
		}
	}
	return f - t0;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

#define LIFE_SAMPLES 32

/* The life over where the close falls against the wheel's buckets: 32
 * offsets spread by the golden ratio over the coarsest granularity the
 * timers reach. At HZ 250 on a LAN they all agree; elsewhere a limit that
 * passes within a bucket of an expiry gives two lifetimes. */
static void lifetime_of(int retries, bool zero_is_eight, const struct rto_model *m, struct lifetime *out)
{
	struct timers t;
	uint64_t life[LIFE_SAMPLES], span;
	unsigned shift;

	timers_init(&t, retries, zero_is_eight, m);
	wheel_fire(0, t.max_j, &shift);
	span = (uint64_t)1 << shift;
	for (int k = 0; k < LIFE_SAMPLES; k++) {
		double frac = fmod(k * 0.6180339887498949, 1.0);

		life[k] = one_life((uint64_t)(frac * (double)span) + span, &t);
	}
	qsort(life, LIFE_SAMPLES, sizeof(life[0]), cmp_u64);
	/* NOLINTNEXTLINE(bugprone-integer-division): the median's index, an integer by design */
	out->typical = (double)life[LIFE_SAMPLES / 2] / t.hz;
	out->min = (double)life[0] / t.hz;
	out->max = (double)life[LIFE_SAMPLES - 1] / t.hz;
}

void retrans_lifetime_range(int retries, const struct rto_model *m, struct lifetime *out)
{
	lifetime_of(retries, false, m, out);
}

void orphan_lifetime_range(int retries, const struct rto_model *m, struct lifetime *out)
{
	lifetime_of(retries, true, m, out);
}

double retrans_lifetime(int retries, const struct rto_model *m)
{
	struct lifetime l;

	lifetime_of(retries, false, m, &l);
	return l.typical;
}

double orphan_lifetime(int retries, const struct rto_model *m)
{
	struct lifetime l;

	lifetime_of(retries, true, m, &l);
	return l.typical;
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

static void set_value(struct recommendation *r, long v)
{
	snprintf(r->proposed, sizeof(r->proposed), "%ld", v);
	r->planned = true;
}

static const char *origin_text(const struct pin *p, char *buf, size_t size)
{
	snprintf(buf, size, "%s:%u:%u", p->origin.file ? p->origin.file : "?", p->origin.line, p->origin.col);
	return buf;
}

/* Applies a pin; false when the key cannot take it here (already said). */
static bool apply_pin(const struct advisor_input *in, struct advice *a, enum key_id id)
{
	const struct pin *p = find_pin(in, id);
	struct recommendation *r = &a->rec[id];
	const char *name = key_fact(id)->name;
	char at[PATH_MAX_TEXT];

	if (!p)
		return false;
	origin_text(p, at, sizeof(at));
	if (!kernel_has(in->k, id) && !(kernel_scope(in->k, id) == SCOPE_GLOBAL && in->k->child_netns)) {
		warn(a, "%s is pinned at %s, but this kernel has no such key: it is left out", name, at);
		return false;
	}
	if (!kernel_writable(in->k, id)) {
		warn(a, "%s is pinned at %s, but it is host-global here and this is a child network namespace: set it on the host",
		     name, at);
		return false;
	}
	if (!kernel_accepts(in->k, id, p->value)) {
		const struct key_era *era = kernel_era(in->k, id);
		char expected[160];

		snprintf(expected, sizeof(expected), "%ld..%ld", era->min, era->max);
		if (id == K_PORT_RANGE) {
			/* the range's own rule, not its ends': 600 is in 1..65535 */
			long unpriv = 1024;
			bool running = kernel_has(in->k, K_UNPRIV_PORT_START) &&
				       kernel_value(in->k, K_UNPRIV_PORT_START, &unpriv);

			snprintf(expected, sizeof(expected), "LOW HIGH with %ld <= LOW <= HIGH <= %ld: LOW may not be below %s ip_unprivileged_port_start",
				 unpriv > era->min ? unpriv : era->min, era->max, running ? "the running" : "the default");
		}
		refuse(a, id, "%s is pinned to %s at %s, which this kernel (%s) does not accept (expected %s)", name,
		       p->value, at, in->k->release[0] ? in->k->release : "unknown", expected);
		return false;
	}
	snprintf(r->proposed, sizeof(r->proposed), "%s", p->value);
	r->planned = true;
	r->pinned = true;
	r->rationale[0] = '\0';
	SAY(r, "Pinned to %s at %s.", p->value, at);
	/* the drop-in says so without the file's path: the same profile gives
	 * the same drop-in wherever it lies (and under whichever --root) */
	BASIS(r, "pinned by the profile");
	return true;
}

/* Whether a negative running tcp_max_tw_buckets means "no limit": since the
 * count became the unsigned tw_refcount (5.17) it does; before, the signed
 * comparison made it "no TIME_WAIT at all". */
static bool negative_is_unlimited(const struct kernel *k, enum key_id id)
{
	return id == K_MAX_TW_BUCKETS && (!k->version || k->version >= KV(5, 17));
}

/* Below the running value only when pinned: overflowing a limit aborts. */
static void warn_if_lowered(const struct advisor_input *in, struct advice *a, enum key_id id)
{
	long run, prop;

	if (!a->rec[id].pinned || !kernel_value(in->k, id, &run))
		return;
	prop = strtol(a->rec[id].proposed, NULL, 10);
	if (negative_is_unlimited(in->k, id) && run < 0 && (prop >= 0 || prop < run))
		warn(a, "%s is pinned to %ld; the running %ld is no limit on this kernel: sockets past the pin skip TIME_WAIT silently (TCPTimeWaitOverflow)",
		     key_fact(id)->name, prop, run);
	else if (prop < run)
		warn(a, "%s is pinned to %ld, below the running %ld: %s", key_fact(id)->name, prop, run,
		     id == K_MAX_ORPHANS ? "orphans past it are reset at close (TCPAbortOnMemory); the kernel documentation advises against lowering it" :
					   "sockets past it skip TIME_WAIT silently (TCPTimeWaitOverflow)");
}

/* How an orphaned FIN_WAIT2 spends its wait at tcp_fin_timeout F: the kernel
 * waits L = max(F, 3.5 x RTO); up to 60 s as a small socket, above it first
 * L - 60 as a full socket, then L - 60 small (tcp_close(), the keepalive
 * timer). */
static void fw2_phases(double F, double rto, double *small, double *full)
{
	double life = fmax(F, 3.5 * rto);

	if (life <= TIME_WAIT_SECONDS) {
		*small = life;
		*full = 0;
	} else {
		*small = life - TIME_WAIT_SECONDS;
		*full = life - TIME_WAIT_SECONDS;
	}
}

/* Sets F's consequences in the figures. */
static void set_fin_timeout(struct figures *f, double F)
{
	f->fin_timeout = F;
	fw2_phases(F, f->rto, &f->fw2_small, &f->fw2_full);
	f->fin_wait2 = f->fw2_rate * f->fw2_small;
}

/* The ports outbound connections hold per pair, once F and the retries are
 * chosen: TIME_WAIT, and what nothing takes back: open connections the
 * upstream closes, an upstream that stays open holding its FIN_WAIT2 for
 * the whole wait, and a vanished one holding its FIN_WAIT1 orphan for the
 * orphan's longest life. */
static void set_ports(struct figures *f, const struct workload *w)
{
	double out_us = us_share(w->out.closes_first), so = w->out.stays_open_pct / 100.0;
	double uo = w->out.unresponsive_pct / 100.0;

	f->ports_fixed = f->pair_rate * ((1 - out_us) * (w->rtt_ms / 1000.0) + out_us * so * (f->fw2_small + f->fw2_full) +
					 uo * f->orphan_life_range.max);
	f->ports_held = f->ports_tw + f->ports_fixed;
}

static void range_text(char *buf, size_t size, double lo, double hi)
{
	if (lo >= hi)
		snprintf(buf, size, "%.0f s", hi);
	else
		snprintf(buf, size, "%.0f..%.0f s", lo, hi);
}

/* What orphaned FIN_WAIT2 sockets pin: the small ones (256 bytes each),
 * and the full sockets they are while F > 60. */
static uint64_t fin_wait2_bytes(const struct figures *f)
{
	return (uint64_t)(f->fin_wait2 * 256 + f->fw2_rate * f->fw2_full * ORPHAN_BYTES);
}

static void advise_fin_timeout(const struct advisor_input *in, struct advice *a)
{
	const struct workload *w = in->w;
	struct figures *f = &a->fig;
	struct recommendation *r = &a->rec[K_FIN_TIMEOUT];
	double best = TIME_WAIT_SECONDS, fw2_out;
	char range[48];
	long run = -1;
	bool have_run = kernel_value(in->k, K_FIN_TIMEOUT, &run);

	/* Orphaned FIN_WAIT2 sockets are cheap (256 B) but each holds a
	 * tcp_max_tw_buckets slot and, outbound, its port, which tcp_tw_reuse
	 * cannot take. Keep them to a tenth of the TIME_WAIT sockets (slots and
	 * ports alike); 60 s is the most that makes sense (61..119 is a trap).
	 * Only the workload decides it, not the port range, which the plan may
	 * change: so an applied plan proposes the same again. */
	if (f->fw2_rate > 0 && f->tw_ceiling > 0)
		best = fmin(best, 0.1 * f->tw_ceiling / f->fw2_rate);
	fw2_out = f->pair_rate * us_share(w->out.closes_first) * (w->out.stays_open_pct / 100.0);
	best = floor(best);
	if (best < f->fin_floor)
		best = f->fin_floor;
	range_text(range, sizeof(range), f->fin_floor, best);
	if (apply_pin(in, a, K_FIN_TIMEOUT)) {
		long p = strtol(r->proposed, NULL, 10);

		if (p > 60 && p < 120)
			refuse(a, K_FIN_TIMEOUT, "net.ipv4.tcp_fin_timeout is pinned to %ld: 61..119 makes the kernel time out after 2(F-60) = %ld s; pin 60 or less",
			       p, 2 * (p - 60));
		else if (p < f->fin_floor)
			refuse(a, K_FIN_TIMEOUT, "net.ipv4.tcp_fin_timeout is pinned to %ld, below the safe floor of %.0f s for rtt_ms %g (the kernel waits at least 3.5 x RTO = %.1f s anyway; peers slower to close get a RST)",
			       p, f->fin_floor, w->rtt_ms, 3.5 * f->rto);
		else if (p > 60)
			warn(a, "net.ipv4.tcp_fin_timeout is pinned to %ld: above 60 the kernel keeps an orphaned FIN_WAIT2 %ld s, the first %ld s as a full socket counted against tcp_max_orphans",
			     p, 2 * (p - 60), p - 60);
		set_fin_timeout(f, (double)p);
		SAY(r, " Orphaned FIN_WAIT2 sockets expected at peak: %.0f small, %.0f full.", f->fin_wait2,
		    f->fw2_rate * f->fw2_full);
		r->memory_bytes = fin_wait2_bytes(f);
		return;
	}
	if (have_run && run >= f->fin_floor && run <= best) {
		set_value(r, run);
		SAY(r, "Keeps the running %ld: within %s, the safe range for this workload.", run, range);
	} else {
		set_value(r, (long)best);
		if (have_run && run > 60 && run < 120)
			SAY(r, "The running %ld is the 61..119 trap (the kernel times out after 2(F-60) = %ld s): %.0f instead.",
			    run, 2 * (run - 60), best);
		else if (have_run && run < f->fin_floor)
			SAY(r, "Raised from %ld to %.0f s, the most within %s for this workload: below %.0f s, peers slower to close get a RST.",
			    run, best, range, f->fin_floor);
		else if (have_run)
			SAY(r, "%.0f s instead of the running %ld, the most within %s for this workload.", best, run, range);
		else
			SAY(r, "%.0f s.", best);
	}
	set_fin_timeout(f, strtod(r->proposed, NULL));
	if (f->fw2_rate > 0)
		SAY(r, " Closes this host starts whose peer acknowledges but stays open (inbound.close_rate %llu x stays_open_percent %g%%, outbound.connect_rate %llu x %g%%, where closes_first is us or either) leave %.1f/s orphaned in FIN_WAIT2: %.0f at peak, each a TIME_WAIT slot%s.",
		    (unsigned long long)w->in.close_rate, w->in.stays_open_pct,
		    (unsigned long long)w->out.connect_rate, w->out.stays_open_pct, f->fw2_rate, f->fin_wait2,
		    fw2_out > 0 ? (f->fw2_rate > fw2_out ? "; the outbound ones also hold an ephemeral port" : " and an ephemeral port") : "");
	else
		SAY(r, " No closes this host starts have a peer that stays open (closes_first, stays_open_percent), so few orphans wait in FIN_WAIT2; a vanished peer never acknowledges the FIN and stays in FIN_WAIT1, under tcp_orphan_retries.");
	SAY(r, " Floor %.0f s from rtt_ms %g (RTO %.2f s). It does not shorten TIME_WAIT (60 s, fixed) and does not bound sockets half-closed with shutdown().",
	    f->fin_floor, w->rtt_ms, f->rto);
	BASIS(r, "orphaned FIN_WAIT2 sockets wait at most this long; %s suits this workload", range);
	r->memory_bytes = fin_wait2_bytes(f);
}

static double orphan_count(const struct figures *f, const struct workload *w, int retries)
{
	double all = (double)w->in.close_rate + (double)w->out.connect_rate;

	struct lifetime life;

	/* sized for the longest life the timers can give */
	orphan_lifetime_range(retries, &f->timing, &life);
	return f->stuck_rate * life.max + all * (w->rtt_ms / 1000.0) +
	       f->fw2_rate * f->fw2_full;
}

/* Memory a limit sized for this many sockets lets them pin. */
static double limit_bytes(double sockets, double unit)
{
	return round_up(HEADROOM * sockets, LIMIT_STEP) * unit;
}

/* The life of an unanswered orphan at the chosen retries. */
static void set_orphan_life(struct figures *f)
{
	orphan_lifetime_range(f->orphan_retries, &f->timing, &f->orphan_life_range);
	f->orphan_life = f->orphan_life_range.typical;
}

/* "6.7 s", or "6.7 s (6.6..13.2 s, as the close falls against the
 * kernel's timer buckets)" when the timers can give two lives. */
static const char *life_text(const struct figures *f, char *buf, size_t size)
{
	const struct lifetime *l = &f->orphan_life_range;

	if (l->max > 1.15 * l->min)
		snprintf(buf, size, "%.1f s (%.1f..%.1f s, as the close falls against the kernel's timer buckets)",
			 l->typical, l->min, l->max);
	else
		snprintf(buf, size, "%.1f s", l->typical);
	return buf;
}

static void advise_orphan_retries(const struct advisor_input *in, struct advice *a, double share)
{
	const struct workload *w = in->w;
	struct figures *f = &a->fig;
	struct recommendation *r = &a->rec[K_ORPHAN_RETRIES];
	int n = ORPHAN_RETRIES_DEFAULT;
	long run = -1;
	bool have_run = kernel_value(in->k, K_ORPHAN_RETRIES, &run);
	char b1[32], b2[32], lt[128];

	if (apply_pin(in, a, K_ORPHAN_RETRIES)) {
		long p = strtol(r->proposed, NULL, 10);

		if (p == 0) {
			/* the kernel reads 0 as 8: write what it means */
			set_value(r, ORPHAN_RETRIES_DEFAULT);
			warn(a, "net.ipv4.tcp_orphan_retries is pinned to 0, which the kernel reads as 8 retries (an unanswered orphan lives %.0f s): fintune writes 8; pin 1 to 3 for short-lived orphans",
			     orphan_lifetime(0, &f->timing));
			SAY(r, " 0 means 8 to the kernel, so 8 is written.");
		}
		f->orphan_retries = (int)strtol(r->proposed, NULL, 10);
		set_orphan_life(f);
		SAY(r, " An unanswered orphaned FIN lives %s at an RTO of %.3f s (rtt_ms %g).", life_text(f, lt, sizeof(lt)),
		    f->rto, w->rtt_ms);
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
				    orphan_lifetime(0, &f->timing));
			else if (have_run)
				SAY(r, "%d instead of the running %ld: ", n, run);
			else
				SAY(r, "%d: ", n);
		}
		f->orphan_retries = (int)strtol(r->proposed, NULL, 10);
		set_orphan_life(f);
		SAY(r, "an unanswered orphaned FIN lives %s at an RTO of %.3f s (rtt_ms %g).", life_text(f, lt, sizeof(lt)),
		    f->rto, w->rtt_ms);
		BASIS(r, "an unanswered orphan is dropped after %.1f s; at most %d retries fit memory_budget_mib",
		      f->orphan_life, n);
	}
	f->orphans = orphan_count(f, w, f->orphan_retries);
	r->memory_bytes = (uint64_t)(f->orphans * ORPHAN_BYTES);
	SAY(r, " Peers that have vanished (inbound.unresponsive_percent %g of %llu/s, outbound.unresponsive_percent %g of %llu/s: %.1f/s) keep %.0f orphans at peak, up to %s at 64 KiB each; memory_budget_mib leaves orphans %s after the TIME_WAIT slots.",
	    w->in.unresponsive_pct, (unsigned long long)w->in.close_rate, w->out.unresponsive_pct,
	    (unsigned long long)w->out.connect_rate, f->stuck_rate, f->orphans,
	    human_size(b1, sizeof(b1), f->orphans * ORPHAN_BYTES), human_size(b2, sizeof(b2), share));
	if (!r->pinned && f->orphan_retries == ORPHAN_RETRIES_MIN &&
	    limit_bytes(f->orphans, ORPHAN_BYTES) > share)
		warn(a, "orphans from unresponsive peers need %s even at tcp_orphan_retries 2 (1.5x headroom), more than memory_budget_mib leaves them (%s)",
		     human_size(b1, sizeof(b1), limit_bytes(f->orphans, ORPHAN_BYTES)), human_size(b2, sizeof(b2), share));
	SAY(r, " Sockets half-closed with shutdown() are not orphans and retransmit under tcp_retries2 instead.");
}


/* A limit: 1.5 x the need, rounded up, at least the running value, no more
 * than the budget pays for unless the running value already is. */
static void advise_limit(const struct advisor_input *in, struct advice *a, enum key_id id, double need,
			 double unit_bytes, double afford_bytes, const char *what)
{
	struct recommendation *r = &a->rec[id];
	double raw = clamp_limit(round_up(HEADROOM * need, LIMIT_STEP));
	double want = fmax(raw, LIMIT_MIN);
	double afford = clamp_limit(floor(afford_bytes / unit_bytes / LIMIT_STEP) * LIMIT_STEP);
	double value;
	long run = -1;
	bool have_run = kernel_value(in->k, id, &run);
	char b1[32], b2[32], needs[160];

	/* what the workload needs, said the same way everywhere */
	if (raw < LIMIT_MIN)
		snprintf(needs, sizeof(needs), "the least fintune proposes, %.0f %s (1.5x the %.0f expected at peak is less)",
			 want, what, need);
	else
		snprintf(needs, sizeof(needs), "the %.0f %s needed at 1.5x the %.0f expected at peak", want, what, need);
	value = want;
	if (value > afford) {
		value = fmax(afford, LIMIT_MIN);
		/* what will be in force: the budget's value, or a running limit
		 * above it, which is never lowered */
		if (value < want) {
			double kept = have_run && run > value ? (double)run : value;

			if (kept < want)
				warn(a, "%s: the workload needs %.0f %s (%s), more than memory_budget_mib pays for (%.0f %s)%s; raise the budget or expect %s past %.0f",
				     key_fact(id)->name, want, what, human_size(b1, sizeof(b1), want * unit_bytes), value, what,
				     kept > value ? ", and the running limit is kept" : "",
				     id == K_MAX_ORPHANS ? "resets at close (TCPAbortOnMemory)" :
							   "sockets to skip TIME_WAIT (TCPTimeWaitOverflow)", kept);
		}
	}
	BASIS(r, "at least 1.5x the %.0f %s expected at peak; never lowered below the running value", need, what);
	if (!in->k->live) {
		/* an offline image: the boot default (ehash/2, sized by the RAM) is
		 * unknown, and writing a limit could lower it */
		r->planned = false;
		SAY(r, "Not written for an offline image: the kernel's default (ehash/2, sized by the memory of the machine that boots it) is unknown here, and a written limit could be lower than it. The workload needs %s: pin it if that is more than the target's default.",
		    needs);
		r->memory_bytes = (uint64_t)(want * unit_bytes);
		return;
	}
	if (have_run && run < 0) {
		/* -1 and the like: on current kernels no limit at all (the count is
		 * compared unsigned), before 5.17 no TIME_WAIT at all; neither is a
		 * limit to keep */
		set_value(r, (long)value);
		SAY(r, "%.0f instead of the running %ld, which is %s: %s", value, run,
		    id == K_MAX_ORPHANS ? "below any count of orphans, so every orphaned close is reset (TCPAbortOnMemory)" :
		    negative_is_unlimited(in->k, id) ? "no limit at all on this kernel (compared unsigned), so nothing bounds the memory TIME_WAIT may pin" :
						       "no TIME_WAIT at all on this kernel (compared signed)",
		    needs);
	} else if (have_run && run >= want) {
		set_value(r, run);
		SAY(r, "Keeps the running %ld, which covers %s", run, needs);
	} else if (have_run && run >= value) {
		set_value(r, run);
		SAY(r, "Keeps the running %ld, short of %s: the budget pays for less, and a running limit is not lowered",
		    run, needs);
	} else {
		set_value(r, (long)value);
		if (have_run)
			SAY(r, "Raised from %ld to %.0f: %s%s", run, value,
			    value < want ? "as far as the budget pays for, short of " : "", needs);
		else
			SAY(r, "%.0f: %s%s", value, value < want ? "as far as the budget pays for, short of " : "", needs);
	}
	r->memory_bytes = (uint64_t)(strtod(r->proposed, NULL) * unit_bytes);
	SAY(r, "; it lets them pin at most %s", human_size(b1, sizeof(b1), (double)r->memory_bytes));
	if ((double)r->memory_bytes > afford_bytes && strtod(r->proposed, NULL) > LIMIT_MIN)
		SAY(r, ", more than the %s memory_budget_mib leaves for them: the budget bounds the expected use, not this ceiling, because a running limit is never lowered (overflowing it aborts connections).",
		    human_size(b2, sizeof(b2), afford_bytes));
	else if ((double)r->memory_bytes > afford_bytes)
		SAY(r, ", more than the %s memory_budget_mib leaves for them: fintune does not propose a limit below %.0f.",
		    human_size(b2, sizeof(b2), afford_bytes), LIMIT_MIN);
	else
		SAY(r, " (memory_budget_mib leaves %s for them).", human_size(b2, sizeof(b2), afford_bytes));
}

static void advise_tw_buckets(const struct advisor_input *in, struct advice *a, double afford)
{
	const struct workload *w = in->w;
	struct figures *f = &a->fig;
	struct recommendation *r = &a->rec[K_MAX_TW_BUCKETS];

	if (apply_pin(in, a, K_MAX_TW_BUCKETS)) {
		r->memory_bytes = (uint64_t)(fmax(0, strtod(r->proposed, NULL)) * TW_SOCKET_BYTES);
		SAY(r, " The workload puts %.0f sockets in TIME_WAIT and FIN_WAIT2 at peak.", f->time_wait + f->fin_wait2);
		warn_if_lowered(in, a, K_MAX_TW_BUCKETS);
		return;
	}
	SAY(r, "inbound.close_rate %llu/s (closes_first %s) and outbound.connect_rate %llu/s (closes_first %s) complete %.0f closes/s started here, each 60 s in TIME_WAIT: %.0f",
	    (unsigned long long)w->in.close_rate, closer_name(w->in.closes_first),
	    (unsigned long long)w->out.connect_rate, closer_name(w->out.closes_first), f->tw_rate, f->time_wait);
	if (f->tw_in_bounded || f->tw_out_bounded) {
		SAY(r, ", bounded by ports rather than rate x 60 (%.0f): a new connection on a port takes over the TIME_WAIT of its address pair, so there are at most", f->tw_rate * TIME_WAIT_SECONDS);
		if (f->tw_in_bounded)
			SAY(r, " 65535 per client address (inbound.client_addresses %llu)", (unsigned long long)w->in.client_addresses);
		if (f->tw_in_bounded && f->tw_out_bounded)
			SAY(r, " and");
		if (f->tw_out_bounded)
			SAY(r, " the %.0f ports of the range per (source, destination) pair (%.0f pairs)", f->port_range, f->pairs);
	}
	SAY(r, "; orphans in FIN_WAIT2 whose peer stays open add %.0f (they share the table). ", f->fin_wait2);
	advise_limit(in, a, K_MAX_TW_BUCKETS, f->time_wait + f->fin_wait2, TW_SOCKET_BYTES, afford,
		     "TIME_WAIT slots");
	SAY(r, " Past the limit sockets skip TIME_WAIT silently (TCPTimeWaitOverflow).");
}

static void advise_max_orphans(const struct advisor_input *in, struct advice *a, double afford)
{
	const struct workload *w = in->w;
	struct figures *f = &a->fig;
	struct recommendation *r = &a->rec[K_MAX_ORPHANS];
	double raw = round_up(HEADROOM * f->orphans, LIMIT_STEP), need = fmax(LIMIT_MIN, raw);

	if (!kernel_writable(in->k, K_MAX_ORPHANS)) {
		r->planned = false;
		SAY(r, "Host-global: this is a child network namespace (a container), where the key does not exist; set it on the host, to at least %.0f for this workload (%s %.0f orphans expected at peak, inbound.unresponsive_percent %g, outbound.unresponsive_percent %g).",
		    need, raw < LIMIT_MIN ? "the least fintune proposes; 1.5x the" : "1.5x the", f->orphans,
		    w->in.unresponsive_pct, w->out.unresponsive_pct);
		warn(a, "net.ipv4.tcp_max_orphans is host-global: fintune cannot set it in this network namespace; the host needs at least %.0f",
		     need);
		return;
	}
	if (apply_pin(in, a, K_MAX_ORPHANS)) {
		r->memory_bytes = (uint64_t)(fmax(0, strtod(r->proposed, NULL)) * ORPHAN_BYTES);
		SAY(r, " The workload keeps %.0f orphans at peak.", f->orphans);
		warn_if_lowered(in, a, K_MAX_ORPHANS);
		return;
	}
	SAY(r, "Unanswered closes (inbound.unresponsive_percent %g, outbound.unresponsive_percent %g) at tcp_orphan_retries %d (%.1f s each) keep %.0f orphans at peak. ",
	    w->in.unresponsive_pct, w->out.unresponsive_pct, f->orphan_retries, f->orphan_life, f->orphans);
	advise_limit(in, a, K_MAX_ORPHANS, f->orphans, ORPHAN_BYTES, afford, "orphans");
	SAY(r, " Past it closing connections are reset (TCPAbortOnMemory); the kernel documentation advises against lowering it. Host-global.");
}

/* The timestamps value the plan leaves in force. */
static bool timestamps_on(const struct advisor_input *in, const struct advice *a)
{
	long v;

	if (a->rec[K_TIMESTAMPS].planned)
		return strcmp(a->rec[K_TIMESTAMPS].proposed, "0") != 0;
	return !kernel_value(in->k, K_TIMESTAMPS, &v) || v != 0;
}

static void advise_timestamps(const struct advisor_input *in, struct advice *a)
{
	struct recommendation *r = &a->rec[K_TIMESTAMPS];
	long run = -1;
	bool have_run = kernel_value(in->k, K_TIMESTAMPS, &run);

	if (apply_pin(in, a, K_TIMESTAMPS)) {
		if (strcmp(r->proposed, "0") == 0)
			SAY(r, " Off: no PAWS, and tcp_tw_reuse cannot work.");
		return;
	}
	if (have_run && run >= 1) {
		set_value(r, run);
		SAY(r, "Keeps the running %ld: timestamps are on%s.", run,
		    run == 1 ? ", with a random offset per address pair" : "");
	} else {
		set_value(r, 1);
		SAY(r, have_run ? "Turned on (1): the running 0 disables PAWS and tcp_tw_reuse." :
				  "On (1), with a random offset per address pair.");
	}
	SAY(r, " tcp_tw_reuse and PAWS need them. They do not break clients behind NAT (inbound.clients_behind_nat %s): the removed tcp_tw_recycle did.",
	    in->w->in.behind_nat ? "true" : "false");
	BASIS(r, "on: tcp_tw_reuse and PAWS need timestamps");
}

static void advise_tw_reuse(const struct advisor_input *in, struct advice *a)
{
	const struct workload *w = in->w;
	struct figures *f = &a->fig;
	struct recommendation *r = &a->rec[K_TW_REUSE];
	const struct key_era *era = kernel_era(in->k, K_TW_REUSE);
	bool ts_on = timestamps_on(in, a);
	double pressure = f->port_range > 0 ? f->ports_tw / f->port_range : 0;
	long run = -1;
	bool have_run = kernel_value(in->k, K_TW_REUSE, &run);
	long want;
	const char *why;

	if (apply_pin(in, a, K_TW_REUSE)) {
		if (strcmp(r->proposed, "0") != 0 && !ts_on)
			refuse(a, K_TW_REUSE, "net.ipv4.tcp_tw_reuse is pinned to %s but tcp_timestamps is 0 in the same plan: reuse needs timestamps",
			       r->proposed);
		return;
	}
	if (!ts_on) {
		want = 0;
		why = "tcp_timestamps is 0 in this plan, and reuse cannot work without timestamps";
		if (pressure > 0.5)
			warn(a, "outbound TIME_WAIT needs %.0f ports per destination, more than half of the %.0f in ip_local_port_range, and tcp_tw_reuse cannot help because tcp_timestamps is off: turn them on, add source addresses, or keep upstream connections alive",
			     f->ports_tw, f->port_range);
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
	BASIS(r, "%s", why);
	if (have_run && run == want)
		SAY(r, "Keeps the running %ld: %s.", run, why);
	else
		SAY(r, "%ld: %s.", want, why);
	if (w->out.connect_rate == 0 && !strstr(why, "outbound.connect_rate"))
		SAY(r, " (outbound.connect_rate 0)");
	if (w->out.connect_rate > 0)
		SAY(r, " outbound.connect_rate %llu/s over %.0f (source, destination) pairs (outbound.destinations %llu x outbound.source_addresses %llu) holds %.0f ports per pair in TIME_WAIT (closes_first %s) of the %.0f in the range.",
		    (unsigned long long)w->out.connect_rate, f->pairs, (unsigned long long)w->out.destinations,
		    (unsigned long long)w->out.source_addresses, f->ports_tw, closer_name(w->out.closes_first),
		    f->port_range);
	if (want == 1)
		SAY(r, " Reuse needs timestamps at both ends and takes only TIME_WAIT sockets older than tcp_tw_reuse_delay, never orphaned FIN_WAIT2 ones.");
}

/* A pin that leaves reuse off under outbound pressure: the slowdown to
 * expect, against the range the plan leaves in force (KERNEL.md, trap 12). */
static void warn_reuse_off(const struct advisor_input *in, struct advice *a)
{
	const struct workload *w = in->w;
	const struct figures *f = &a->fig;
	const char *v = a->rec[K_TW_REUSE].proposed;

	if (!a->rec[K_TW_REUSE].pinned || f->port_range <= 0 || f->ports_tw <= 0.5 * f->port_range)
		return;
	if (strcmp(v, "0") != 0 && !(strcmp(v, "2") == 0 && !w->out.loopback))
		return;
	warn(a, "net.ipv4.tcp_tw_reuse is pinned to %s%s, but outbound.connect_rate %llu/s is %.0f/s per (source, destination) pair, which keeps %.0f ports in TIME_WAIT, more than half of the %.0f in the range (without reuse it sustains %.0f/s): once about half is in TIME_WAIT, expect connect() to slow down some fiftyfold rather than fail (measured on " LAB_KERNEL " by make lab: from 14,000/s to about 250/s, 15x fewer connections in 20 s than with reuse), and a small range to fail with EADDRNOTAVAIL",
	     v, strcmp(v, "2") == 0 ? " (loopback only, and outbound.loopback is false)" : "",
	     (unsigned long long)w->out.connect_rate, f->pair_rate, f->ports_tw, f->port_range,
	     f->port_range / TIME_WAIT_SECONDS);
}

static bool reuse_on(const struct advisor_input *in, const struct advice *a)
{
	const char *v = a->rec[K_TW_REUSE].proposed;

	return strcmp(v, "1") == 0 || (strcmp(v, "2") == 0 && in->w->out.loopback);
}

static void advise_tw_reuse_delay(const struct advisor_input *in, struct advice *a)
{
	struct recommendation *r = &a->rec[K_TW_REUSE_DELAY];
	struct figures *f = &a->fig;
	long run = -1;

	if (!kernel_has(in->k, K_TW_REUSE_DELAY)) {
		r->planned = false;
		SAY(r, "This kernel (%s) has no tcp_tw_reuse_delay (new in 6.14): the delay is a fixed 1 s (outbound.connect_rate %llu).",
		    in->k->release[0] ? in->k->release : "unknown", (unsigned long long)in->w->out.connect_rate);
		return;
	}
	if (!apply_pin(in, a, K_TW_REUSE_DELAY)) {
		BASIS(r, "how old a TIME_WAIT socket must be before tcp_tw_reuse takes its port");
		if (kernel_value(in->k, K_TW_REUSE_DELAY, &run)) {
			set_value(r, run);
			SAY(r, "Keeps the running %ld ms.", run);
		} else {
			set_value(r, 1000);
			SAY(r, "1000 ms, the historic fixed delay.");
		}
	}
	if (!reuse_on(in, a) || in->w->out.connect_rate == 0) {
		SAY(r, " Only matters with tcp_tw_reuse on for outbound connections (outbound.connect_rate %llu).",
		    (unsigned long long)in->w->out.connect_rate);
		return;
	}
	/* with reuse, a pair holds the ports younger than the delay, plus the
	 * ones nothing takes back */
	if (f->pair_rate * f->reuse_delay + f->ports_fixed <= f->port_range) {
		SAY(r, " With reuse each (source, destination) pair holds about %.0f ports younger than it, plus %.0f that nothing takes back, of the %.0f in the range (outbound.connect_rate %llu/s, %.0f/s per pair).",
		    f->pair_rate * f->reuse_delay, f->ports_fixed, f->port_range,
		    (unsigned long long)in->w->out.connect_rate, f->pair_rate);
	} else {
		SAY(r, " Even with reuse each (source, destination) pair needs about %.0f ports younger than it plus %.0f that nothing takes back, more than the %.0f in the range (outbound.connect_rate %llu/s, %.0f/s per pair).",
		    f->pair_rate * f->reuse_delay, f->ports_fixed, f->port_range,
		    (unsigned long long)in->w->out.connect_rate, f->pair_rate);
		warn(a, "even with tcp_tw_reuse, %.0f new connections per second per (source, destination) pair need more ports than the range holds within tcp_tw_reuse_delay (%.0f ms): add outbound.source_addresses or destinations, or keep upstream connections alive",
		     f->pair_rate, f->reuse_delay * 1000);
	}
}

static void advise_port_range(const struct advisor_input *in, struct advice *a)
{
	const struct workload *w = in->w;
	struct figures *f = &a->fig;
	struct recommendation *r = &a->rec[K_PORT_RANGE];
	bool reuse = reuse_on(in, a);
	long unpriv = 1024, lo = f->port_lo, hi = f->port_hi;
	double need;

	if (kernel_has(in->k, K_UNPRIV_PORT_START))
		kernel_value(in->k, K_UNPRIV_PORT_START, &unpriv);
	/* what the range must hold: with reuse, TIME_WAIT ports come back after
	 * the delay; orphans' and open connections' ports never do */
	need = reuse ? f->ports_fixed + f->pair_rate * us_share(w->out.closes_first) * f->reuse_delay : f->ports_held;
	if (apply_pin(in, a, K_PORT_RANGE)) {
		/* derive_figures took the pin's range already */
		SAY(r, " %.0f ports; outbound connections (outbound.connect_rate %llu/s) hold %.0f per (source, destination) pair at peak%s.",
		    f->port_range, (unsigned long long)w->out.connect_rate, need, reuse ? " with tcp_tw_reuse" : "");
		if (need > f->port_range)
			warn(a, "ip_local_port_range is pinned to %s, fewer ports than the %.0f per (source, destination) pair this workload holds at peak",
			     r->proposed, need);
		return;
	}
	snprintf(r->proposed, sizeof(r->proposed), "%ld %ld", lo, hi);
	r->planned = true;
	BASIS(r, "outbound connections hold %.0f ports per (source, destination) pair at peak%s", need,
	      reuse ? " with tcp_tw_reuse" : "");
	if (reuse && need > f->port_range * 0.9) {
		/* with reuse on the range is left alone (widening it would change the
		 * very pressure reuse was chosen for): what overflows is what reuse
		 * cannot take back */
		SAY(r, "Keeps %ld %ld (%.0f ports): even with tcp_tw_reuse, outbound.connect_rate %llu/s holds %.0f ports per pair at peak, %.0f of them held by orphans or open connections.",
		    lo, hi, f->port_range, (unsigned long long)w->out.connect_rate, need, f->ports_fixed);
		warn(a, "ip_local_port_range: even with tcp_tw_reuse, %.0f ports per (source, destination) pair are held at peak, more than 90%% of the %.0f in the range; those held by orphans or open connections are never taken back: add outbound.source_addresses, keep upstream connections alive, or widen the range by a pin",
		     need, f->port_range);
		return;
	}
	if (need <= f->port_range * 0.9) {
		SAY(r, "Keeps %ld %ld (%.0f ports): ", lo, hi, f->port_range);
		if (w->out.connect_rate == 0)
			SAY(r, "no outbound connections (outbound.connect_rate 0).");
		else if (reuse && f->ports_held > f->port_range * 0.9)
			SAY(r, "outbound.connect_rate %llu/s would hold %.0f ports per pair, but tcp_tw_reuse takes the TIME_WAIT ones back: %.0f at peak, %.0f of them held by orphans or open connections.",
			    (unsigned long long)w->out.connect_rate, f->ports_held, need, f->ports_fixed);
		else
			SAY(r, "outbound.connect_rate %llu/s over %.0f pairs holds %.0f ports per pair at peak.",
			    (unsigned long long)w->out.connect_rate, f->pairs, need);
		return;
	}
	{
		/* widen only as far as needed, towards 65535 first */
		long new_hi = 65535, new_lo = (long)(new_hi - ceil(need / 0.9) + 1);

		/* never into the privileged ports, even where a container lets
		 * anyone bind them (ip_unprivileged_port_start 0): connect()
		 * would take 22 or 443 as a source port */
		long floor_lo = unpriv > PORT_FLOOR ? unpriv : PORT_FLOOR;

		if (new_lo > lo)
			new_lo = lo;
		if (new_lo < floor_lo)
			new_lo = floor_lo;
		/* the kernel prefers the two ends of different parity (it logs
		 * "prefer different parity" otherwise): 65535 is odd */
		if (new_lo % 2 != 0)
			new_lo = new_lo - 1 >= floor_lo ? new_lo - 1 : new_lo + 1;
		snprintf(r->proposed, sizeof(r->proposed), "%ld %ld", new_lo, new_hi);
		f->port_range = (double)(new_hi - new_lo + 1);
		SAY(r, "Widened from %ld %ld to %ld %ld: outbound.connect_rate %llu/s over %.0f pairs holds %.0f ports per pair at peak, and tcp_tw_reuse is off.",
		    lo, hi, new_lo, new_hi, (unsigned long long)w->out.connect_rate, f->pairs, need);
		if (new_lo < 32768)
			warn(a, "ip_local_port_range now starts at %ld: services that bind a port in it later may fail to start; list their ports in net.ipv4.ip_local_reserved_ports",
			     new_lo);
		if (need > f->port_range)
			warn(a, "even %ld..%ld cannot hold the %.0f ports per (source, destination) pair this workload keeps: keep upstream connections alive, or add outbound.source_addresses",
			     new_lo, new_hi, need);
	}
}

static void derive_figures(const struct advisor_input *in, struct advice *a)
{
	const struct workload *w = in->w;
	const struct kernel *k = in->k;
	struct figures *f = &a->fig;
	double rto_min = 0.2, in_us = us_share(w->in.closes_first), out_us = us_share(w->out.closes_first);
	double ui = w->in.unresponsive_pct / 100.0, uo = w->out.unresponsive_pct / 100.0;
	double si = w->in.stays_open_pct / 100.0, so = w->out.stays_open_pct / 100.0;
	long v, lo = 32768, hi = 60999, retries2 = 15;

	if (kernel_value(k, K_RTO_MIN_US, &v) && v > 0)
		rto_min = v / 1e6;
	f->rto_max = 120;
	if (kernel_value(k, K_RTO_MAX_MS, &v) && v > 0)
		f->rto_max = v / 1000.0;
	f->timing = (struct rto_model){ .rtt = w->rtt_ms / 1000.0, .rto_min = rto_min, .rto_max = f->rto_max, .hz = k->hz };
	f->rto = model_rto(&f->timing);
	f->fin_floor = fin_timeout_floor(f->rto);
	/* Each close this host starts is one of three: it completes and waits
	 * 60 s in TIME_WAIT; the peer has vanished and never acknowledges the
	 * FIN (an orphan in FIN_WAIT1, counted under stuck_rate with the peer's
	 * closes, whoever started them); or the peer acknowledges and stays
	 * open (an orphan in FIN_WAIT2). */
	f->tw_in_rate = (double)w->in.close_rate * in_us * fmax(0, 1 - ui - si);
	f->tw_out_rate = (double)w->out.connect_rate * out_us * fmax(0, 1 - uo - so);
	f->tw_rate = f->tw_in_rate + f->tw_out_rate;
	f->stuck_rate = (double)w->in.close_rate * ui + (double)w->out.connect_rate * uo;
	f->fw2_rate = (double)w->in.close_rate * in_us * si + (double)w->out.connect_rate * out_us * so;
	f->pairs = (double)w->out.destinations * (double)w->out.source_addresses;
	f->pair_rate = f->pairs > 0 ? (double)w->out.connect_rate / f->pairs : 0;
	/* TIME_WAIT toward a client address is bounded by its ports, not by
	 * rate x 60: a client reusing a port takes over the TIME_WAIT of that
	 * address pair (KERNEL.md, trap 13) */
	f->tw_in = fmin(f->tw_in_rate * TIME_WAIT_SECONDS, (double)w->in.client_addresses * PORTS_MAX);
	f->tw_in_bounded = f->tw_in < f->tw_in_rate * TIME_WAIT_SECONDS;
	/* the most TIME_WAIT this workload can hold, whatever the port range:
	 * F is chosen against it, so that a plan that widens the range proposes
	 * the same F again */
	f->tw_ceiling = f->tw_in + fmin(f->tw_out_rate * TIME_WAIT_SECONDS, f->pairs * PORTS_MAX);
	/* the range that will be in force: a pin, else the running one */
	{
		const struct pin *p = find_pin(in, K_PORT_RANGE);

		if (p && kernel_accepts(k, K_PORT_RANGE, p->value))
			sscanf(p->value, "%ld %ld", &lo, &hi);
		else if (k->running[K_PORT_RANGE].present)
			sscanf(k->running[K_PORT_RANGE].value, "%ld %ld", &lo, &hi);
	}
	f->port_lo = lo;
	f->port_hi = hi;
	f->port_range = hi >= lo ? (double)(hi - lo + 1) : 0;
	/* what outbound TIME_WAIT would hold per pair, unbounded: the pressure
	 * on the range that tcp_tw_reuse is chosen for */
	f->ports_tw = f->pair_rate * out_us * fmax(0, 1 - uo - so) * TIME_WAIT_SECONDS;
	f->reuse_delay = 1.0;
	{
		const struct pin *p = find_pin(in, K_TW_REUSE_DELAY);

		if (p && kernel_accepts(k, K_TW_REUSE_DELAY, p->value))
			f->reuse_delay = strtod(p->value, NULL) / 1000.0;
		else if (kernel_value(k, K_TW_REUSE_DELAY, &v) && v > 0)
			f->reuse_delay = v / 1000.0;
	}
	/* until F is decided, count FIN_WAIT2 at the kernel's default 60 s */
	set_fin_timeout(f, TIME_WAIT_SECONDS);
	if (kernel_value(k, K_RETRIES2, &v) && v >= 0)
		retries2 = v;
	/* a half-closed socket's FIN: tcp_retries2, by the same rule (0 is 0) */
	f->retries2_life = retrans_lifetime((int)fmin(retries2, 255), &f->timing);
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
		     human_size(b1, sizeof(b1), (double)w->half.concurrent * HALF_CLOSED_BYTES), a->fig.retries2_life);
	else
		warn(a, "half_close: %llu streams the peer half-closed keep this host's sockets in CLOSE_WAIT for %g s: no close-path sysctl ends CLOSE_WAIT; the application must close() them",
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
	advise_fin_timeout(in, a);
	/* TIME_WAIT slots are paid first: the rates alone fix their number.
	 * Counted at the most the workload can hold whatever the port range,
	 * so that the retries do not depend on a range the plan may widen. */
	tw_bytes = limit_bytes(a->fig.tw_ceiling + a->fig.fin_wait2, TW_SOCKET_BYTES);
	orphan_share = fmax(0.25 * budget, budget - tw_bytes);
	advise_orphan_retries(in, a, orphan_share);
	/* a vanished upstream holds its port for the orphan's life at the
	 * retries now chosen */
	set_ports(&a->fig, w);
	advise_port_range(in, a);
	warn_reuse_off(in, a);
	/* outbound TIME_WAIT per pair is bounded by the range now in force */
	{
		struct figures *f = &a->fig;
		double out_max = f->pairs * f->port_range;

		/* toward a client address, the orphans in FIN_WAIT2 whose peer
		 * stays open use 4-tuples of the same 65535 (the client keeps its
		 * port open): TIME_WAIT has the rest */
		double in_cap = (double)w->in.client_addresses * PORTS_MAX;
		double fw2_in = (double)w->in.close_rate * us_share(w->in.closes_first) * (w->in.stays_open_pct / 100.0) * f->fw2_small;

		if (f->tw_in + fw2_in > in_cap) {
			f->tw_in = fmax(0, in_cap - fmin(fw2_in, in_cap));
			f->tw_in_bounded = true;
		}
		f->tw_out_bounded = f->tw_out_rate * TIME_WAIT_SECONDS > out_max;
		f->time_wait = f->tw_in + fmin(f->tw_out_rate * TIME_WAIT_SECONDS, out_max);
	}
	advise_tw_buckets(in, a, fmax(0.25 * budget, budget - limit_bytes(a->fig.orphans, ORPHAN_BYTES)));
	advise_max_orphans(in, a, orphan_share);
	advise_tw_reuse_delay(in, a);
	half_close_notes(in, a);

	if (kernel_value(k, K_TW_RECYCLE, &v) && v != 0)
		warn(a, "net.ipv4.tcp_tw_recycle is %ld on this kernel: it drops connections from clients behind NAT; turn it off (it was removed in 4.12)",
		     v);
	if (!k->live)
	{
		char label[32], from[96];

		warn(a, "no live values under the root: planning for an offline image with the kernel facts of %s (%s)",
		     kernel_label(k, label, sizeof(label)), kernel_from_text(k, from, sizeof(from)));
	}

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
			refuse(a, K_COUNT, "internal error: the advice %s = %s is outside what this kernel accepts",
			       key_fact(id)->name, r->proposed);
	}
	return a->n_errors;
}

/* Not the advisor: what validate uses to say where a refusal comes from. */
void advice_locate_errors(const struct advice *a, const struct profile *p, struct diags *d)
{
	for (size_t i = 0; i < a->n_errors; i++) {
		enum key_id id = a->error_key[i];
		const struct pin *pin = id < K_COUNT ? profile_pin(p, key_fact(id)->name) : NULL;
		char ptr[96];

		if (pin && pin->origin.file) {
			snprintf(ptr, sizeof(ptr), "/pin/%s", pin->key);
			diag_add(d, pin->origin.file, pin->origin.line, pin->origin.col, ptr, "%s", a->errors[i]);
		} else {
			diag_add(d, p->n_files ? p->files[0].display : NULL, 1, 1, NULL, "%s", a->errors[i]);
		}
	}
}
