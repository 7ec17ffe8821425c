/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef FINTUNE_PRESSURE_H
#define FINTUNE_PRESSURE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct host;

/*
 * Where pressure on the close path shows (KERNEL.md): /proc/net/sockstat's
 * TCP line, the TcpExt counters of /proc/net/netstat and the opens of
 * /proc/net/snmp, all of the reader's network namespace (sockstat's
 * orphan, alloc and mem are host-wide).
 */
enum counter {
	C_TW_OVERFLOW,		/* TCPTimeWaitOverflow */
	C_TW,			/* TW: TIME_WAIT sockets that ran their 60 s */
	C_TW_KILLED,
	C_TW_RECYCLED,		/* taken over by tcp_tw_reuse */
	C_ABORT_MEMORY,
	C_ABORT_TIMEOUT,
	C_ABORT_CLOSE,
	C_ABORT_DATA,
	C_ABORT_LINGER,
	C_ABORT_FAILED,
	C_MEMORY_PRESSURES,
	C_ACTIVE_OPENS,		/* Tcp: connect()s */
	C_PASSIVE_OPENS,	/* Tcp: accepted connections */
	C_COUNTERS
};

struct pressure {
	bool sockstat;		/* the TCP: line of sockstat was read */
	uint64_t inuse, orphans, tw, alloc, mem;
	bool have[C_COUNTERS];
	uint64_t value[C_COUNTERS];
};

/* The kernel's name of a counter ("TCPTimeWaitOverflow") and what it counts. */
const char *counter_name(enum counter id);
const char *counter_help(enum counter id);

/* Parses sockstat's text into p (sets p->sockstat when its TCP line is
 * whole). Malformed lines are skipped; any text is safe. */
void pressure_parse_sockstat(struct pressure *p, const char *text, size_t len);
/* Parses the header and value lines of one PREFIX ("TcpExt:" in netstat,
 * "Tcp:" in snmp) and keeps the counters fintune knows. */
void pressure_parse_table(struct pressure *p, const char *text, size_t len, const char *prefix);
/* Reads the three files below the host's root (ROOT/proc/net/...). What is
 * missing stays unset. */
void pressure_read(struct pressure *p, struct host *h);

#endif
