/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef FINTUNE_CENSUS_H
#define FINTUNE_CENSUS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * The census of TCP sockets in this network namespace, from the kernel over
 * NETLINK_SOCK_DIAG (what ss uses; not /proc/net/tcp), IPv4 and IPv6, no
 * extensions asked for: per state, orphans (no socket file) apart from
 * sockets an application still holds, and TIME_WAIT toward each
 * destination whose local port is an ephemeral one.
 */
enum { CENSUS_STATES = 13 };	/* TCP_ESTABLISHED (1) .. TCP_NEW_SYN_RECV (12) */

/* The sockets of one (source address, destination address:port); a table
 * keyed by fewer fields leaves the others zero. */
struct census_dest {
	int family;
	uint8_t src[16], dst[16];
	uint16_t dport;
	uint64_t count;
};

/* A process holding CLOSE_WAIT sockets. */
struct census_owner {
	int pid;
	char comm[32];		/* /proc/PID/comm, as the kernel has it (not escaped) */
	uint64_t sockets;
};

#define CENSUS_OWNERS 16

/* An open-addressing table of address keys with a count each. */
struct census_table {
	struct census_dest *v;
	size_t n, cap;
};

/* census_take's flags */
enum {
	/* also what --suggest measures: outbound sockets per destination,
	 * source and client addresses, and the RTT of established sockets
	 * (one more dump, of ESTABLISHED only, with tcp_info) */
	CENSUS_DETAIL = 1 << 0,
};

struct census {
	uint64_t states[CENSUS_STATES];
	/* of them, after close() and with no socket file: orphans, and the
	 * small TIME_WAIT-type sockets */
	uint64_t orphaned[CENSUS_STATES];
	/* with no socket file before close(): waiting to be accept()ed */
	uint64_t backlog;
	uint64_t total;
	/* a socket is inbound when its local port is one a socket listens on
	 * (the listeners are counted first), outbound otherwise */
	uint64_t time_wait_in, time_wait_out;
	/* orphans retransmitting to a peer that does not answer (FIN_WAIT1,
	 * LAST_ACK, CLOSING with retransmissions), and the most retries seen */
	uint64_t retrying_orphans;
	unsigned max_retries;
	/* TIME_WAIT with a local port in [port_lo, port_hi] and no listener
	 * on it, by (source, destination address:port) */
	struct census_table tw_dests;
	/* CENSUS_DETAIL: outbound sockets by destination address:port, their
	 * source addresses, the client addresses of inbound ones, and the
	 * smoothed RTT (microseconds) of each established socket */
	struct census_table out_dests, out_sources, in_clients;
	/* outbound TIME_WAIT of the last minute by destination address:port */
	struct census_table out_tw_dests;
	uint64_t outbound, inbound, out_loopback;
	/* TIME_WAIT sockets by age in whole seconds (from their timers: a
	 * TIME_WAIT lasts 60 s), inbound and outbound: the closes of the
	 * last minute, second by second */
	uint64_t tw_age_in[60], tw_age_out[60];
	uint32_t *rtt_us;
	size_t n_rtt, cap_rtt;
	uint8_t listening[65536 / 8];
	/* inodes of the CLOSE_WAIT sockets an application holds, sorted */
	uint64_t *cw_inodes;
	size_t n_cw, cap_cw;
	/* who holds them (census_owners), the most sockets first */
	struct census_owner owners[CENSUS_OWNERS];
	size_t n_owners;
};

/* The kernel's name of a state (as ss prints it, upper case), or NULL. */
const char *census_state_name(int state);

/* Takes the census of the calling process's network namespace. Ports in
 * [port_lo, port_hi] are ephemeral. flags: CENSUS_DETAIL. 0 or -errno. */
int census_take(struct census *c, long port_lo, long port_hi, unsigned flags);
void census_free(struct census *c);

/* Finds the processes that hold the CLOSE_WAIT sockets, through
 * /proc/PID/fd (socket:[INODE]); at most CENSUS_OWNERS, the most first.
 * Nothing is read when there are none. 0 or -errno. */
int census_owners(struct census *c);

/* The (source, destination) with the most TIME_WAIT sockets, or NULL. */
const struct census_dest *census_busiest(const struct census *c);
/* The median RTT of the established sockets in microseconds (CENSUS_DETAIL),
 * 0 when there are none. */
uint32_t census_median_rtt(struct census *c);
/* How many of the CLOSE_WAIT sockets held now were held, as CLOSE_WAIT, in
 * an earlier census too. */
uint64_t census_cw_held_since(const struct census *c, const struct census *earlier);
/* 127.0.0.0/8, ::1 or ::ffff:127.0.0.0/104 (16 bytes; IPv4 in the first 4) */
bool census_loopback(int family, const uint8_t *addr);
/* The most TIME_WAIT sockets made in one second of the last minute. */
uint64_t census_peak_tw(const uint64_t age[60]);
/* Up to n of a table's entries, the highest count first; returns how many. */
size_t census_top(const struct census_table *t, const struct census_dest **out, size_t n);
/* "198.51.100.7:443" or "[2001:db8::1]:443" */
const char *census_dest_text(const struct census_dest *d, char *buf, size_t size);

#endif
