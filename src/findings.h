/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef FINTUNE_FINDINGS_H
#define FINTUNE_FINDINGS_H

#include "census.h"
#include "kernel.h"
#include "pressure.h"

#include <jansson.h>

/*
 * Findings: what status concludes from the counts, the counters and the
 * census, as plain sentences with the evidence and the remedy. Each has a
 * stable identifier, documented in fintune(8).
 */
enum finding {
	FT_TW_OVERFLOW,		/* TCPTimeWaitOverflow grows, or the buckets are nearly full */
	FT_PORTS,		/* a destination's TIME_WAIT nears the port range, reuse not in effect */
	FT_CLOSE_WAIT,		/* an application holds CLOSE_WAIT sockets */
	FT_ORPHANS,		/* orphans near tcp_max_orphans */
	FT_UNRESPONSIVE,	/* orphans retransmitting their FIN to peers that do not answer */
	FT_ABORT_MEMORY,	/* TCPAbortOnMemory grows */
	FT_MEMORY_PRESSURE,	/* TCPMemoryPressures grows */
	FT_DRIFT,		/* live values or the drop-in no longer what fintune applied */
	FT_SHADOWED,		/* a later sysctl.d file wins at boot */
	FT_COUNT
};

/* "FT-TW-OVERFLOW" */
const char *finding_id(enum finding f);

/* What status observed; before is NULL without --interval, census NULL
 * when there is none (under --root). */
struct observed {
	const struct pressure *now, *before;
	double interval_s;
	const struct census *census;
	/* with --interval: the census at its start (CLOSE_WAIT held across it) */
	const struct census *census_before;
	const struct kernel *k;
	long port_lo, port_hi;
};

/* Appends to findings (a JSON array) the findings the observation shows:
 * {"id", "message", "evidence"}. */
void findings_eval(json_t *findings, const struct observed *o);

/* Appends one finding; message and evidence are printf formats. */
void finding_add(json_t *findings, enum finding f, const char *evidence, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

#endif
