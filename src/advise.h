/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef FINTUNE_ADVISE_H
#define FINTUNE_ADVISE_H

#include "kernel.h"
#include "profile.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * The advisor: a pure function from the decoded workload, its pins and the
 * kernel facts to one recommendation per planned key. No I/O, no globals, no
 * allocation: everything it says is in struct advice.
 */
struct advisor_input {
	const struct workload *w;
	const struct pin *pins;
	size_t n_pins;
	const struct kernel *k;
};

#define ADVICE_TEXT 1536
#define ADVICE_NOTES 24

struct recommendation {
	bool planned;		/* a value is proposed; false: reported only */
	bool pinned;
	bool change;		/* planned and different from the running value */
	char proposed[KERNEL_VALUE_MAX];	/* as written to /proc/sys; "" if not planned */
	uint64_t memory_bytes;	/* what the value lets the close path pin, at most */
	char rationale[ADVICE_TEXT];
	/* one line that does not depend on the running values: the drop-in's
	 * comment, so that the file stays the same once applied */
	char basis[640];
};

/* The figures behind the rationales, for explain and the state diagram. */
/* What times an unanswered segment's retransmissions: the inputs of the
 * lifetime model. */
struct rto_model {
	double rtt;		/* s */
	double rto_min;		/* s: tcp_rto_min_us (200 ms before 6.11) */
	double rto_max;		/* s: tcp_rto_max_ms (120 s before 6.15) */
	unsigned hz;		/* CONFIG_HZ: TCP's timers run in jiffies; 0 reads as 250 */
};

/* A lifetime over where the close falls against the timer wheel's
 * buckets: the typical life (the median), the shortest and the longest. At
 * HZ 250 on a LAN they agree; at other HZ or RTTs a limit that passes
 * within a bucket of an expiry gives two lifetimes, one retransmission
 * apart. */
struct lifetime {
	double typical, min, max;	/* s */
};

struct figures {
	struct rto_model timing;
	struct lifetime orphan_life_range;	/* at the proposed retries */
	double rto;		/* s: a connection's retransmission timeout at rtt_ms */
	double rto_max;		/* s */
	double fin_floor;	/* s: tcp_fin_timeout is not proposed below it */
	double orphan_life;	/* s: an unanswered orphan's life at the proposed retries (typical) */
	int orphan_retries;	/* the retries that life is for (0 read as 8) */
	double fin_timeout;	/* s, proposed (or running when not planned) */
	double fw2_small;	/* s an orphaned FIN_WAIT2 spends as a small socket */
	double fw2_full;	/* s it spends as a full socket first (F, or 3.5 x RTO, above 60) */
	double tw_rate;		/* sockets entering TIME_WAIT per second */
	double tw_in_rate, tw_out_rate;	/* of them, accepted and outbound ones */
	double tw_in;		/* accepted TIME_WAIT at peak, bounded by the clients' ports */
	bool tw_in_bounded;	/* the bound, not the rate, decides tw_in */
	double tw_ceiling;	/* TIME_WAIT at peak whatever the port range (for F) */
	bool tw_out_bounded;	/* the port range, not the rate, bounds outbound TIME_WAIT */
	double fw2_rate;	/* closes this host started whose peer acknowledges and stays open, per second */
	double stuck_rate;	/* closes per second whose peer has vanished (FIN never acknowledged) */
	double time_wait;	/* TIME_WAIT sockets at peak, bounded by ports */
	double fin_wait2;	/* orphaned FIN_WAIT2 small sockets at peak */
	double orphans;		/* orphans (FIN_WAIT1, LAST_ACK, CLOSING, long FIN_WAIT2) at peak */
	double pairs;		/* (source address, destination) pairs */
	double pair_rate;	/* new outbound connections per second per pair */
	double ports_tw;	/* ports per pair held in TIME_WAIT (tcp_tw_reuse can take them) */
	double ports_fixed;	/* ports per pair held otherwise (FIN_WAIT2, open) */
	double ports_held;	/* both: what the range must hold without reuse */
	long port_lo, port_hi;	/* the range that will be in force: a pin, else the running one */
	double port_range;	/* ports in it */
	double reuse_delay;	/* s a TIME_WAIT port waits before tcp_tw_reuse takes it */
	double retries2_life;	/* s: how long tcp_retries2 lets a half-closed FIN go unanswered */
};

struct advice {
	struct recommendation rec[K_PLANNED];
	struct figures fig;
	char warnings[ADVICE_NOTES][ADVICE_TEXT];
	size_t n_warnings;
	/* refusals: a pin or a combination fintune will not plan; error_key[i]
	 * is the key whose pin errors[i] is about (for a combination, the pin
	 * that caused it), K_COUNT when no pin is to blame */
	char errors[ADVICE_NOTES][ADVICE_TEXT];
	enum key_id error_key[ADVICE_NOTES];
	size_t n_errors;
};

/* Fills a; returns the number of errors (refusals). */
size_t advise(const struct advisor_input *in, struct advice *a);

/* The RTO the kernel gives a connection at a steady RTT, in seconds: the
 * RTT plus tcp_rto_min, each rounded up to jiffies, at most rto_max. */
double model_rto(const struct rto_model *m);

/* How long a socket whose FIN (or last segment) is never answered lives
 * after it was sent, stepping the kernel's own timers: a tail-loss probe,
 * retransmissions at a doubling RTO, each timer late by the timer wheel's
 * rounding (on average), and the socket dropped at the first expiry that
 * finds retransmits_timed_out() (tcp_model_timeout(), from the first
 * retransmission) passed. retries is used as it is (tcp_retries2);
 * orphan_lifetime() reads 0 as 8, as the kernel does for orphans. */
double retrans_lifetime(int retries, const struct rto_model *m);
double orphan_lifetime(int retries, const struct rto_model *m);

void retrans_lifetime_range(int retries, const struct rto_model *m, struct lifetime *out);
void orphan_lifetime_range(int retries, const struct rto_model *m, struct lifetime *out);

/* The floor below which fintune does not propose tcp_fin_timeout:
 * max(10, 3.5 x RTO), at most 60. */
double fin_timeout_floor(double rto);

/* Each refusal of a as a problem in d, located where the profile wrote the
 * pin it is about (FILE:LINE:COL of the pin's value, pointer /pin/KEY), or
 * at the first line of the profile's file when no pin is to blame. Not part
 * of the pure advisor: it only formats what advise() said. */
void advice_locate_errors(const struct advice *a, const struct profile *p, struct diags *d);

/* Adds a message to a fixed list (warnings, errors, notes): dropped when
 * the list is full. */
void advice_say(char list[][ADVICE_TEXT], size_t *n, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

#endif
