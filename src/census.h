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

/* TIME_WAIT sockets of one (source address, destination address:port). */
struct census_dest {
	int family;
	uint8_t src[16], dst[16];
	uint16_t dport;
	uint64_t time_wait;
};

/* A process holding CLOSE_WAIT sockets. */
struct census_owner {
	int pid;
	char comm[32];		/* /proc/PID/comm, as the kernel has it (not escaped) */
	uint64_t sockets;
};

#define CENSUS_OWNERS 16

struct census {
	uint64_t states[CENSUS_STATES];
	uint64_t orphaned[CENSUS_STATES];	/* of them, with no socket file (orphans, small sockets) */
	uint64_t total;
	/* TIME_WAIT with a local port in [port_lo, port_hi], by destination */
	struct census_dest *dests;
	size_t n_dests, cap_dests;
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
 * [port_lo, port_hi] are ephemeral. 0 or -errno. */
int census_take(struct census *c, long port_lo, long port_hi);
void census_free(struct census *c);

/* Finds the processes that hold the CLOSE_WAIT sockets, through
 * /proc/PID/fd (socket:[INODE]); at most CENSUS_OWNERS, the most first.
 * Nothing is read when there are none. 0 or -errno. */
int census_owners(struct census *c);

/* The destination with the most TIME_WAIT sockets, or NULL. */
const struct census_dest *census_busiest(const struct census *c);
/* "198.51.100.7:443" or "[2001:db8::1]:443" */
const char *census_dest_text(const struct census_dest *d, char *buf, size_t size);

#endif
