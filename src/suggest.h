/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef FINTUNE_SUGGEST_H
#define FINTUNE_SUGGEST_H

#include "census.h"
#include "pressure.h"
#include "util.h"

/* What `status --suggest` measured: the counters at both ends of the
 * interval and the census (CENSUS_DETAIL) at its end. */
struct measured {
	const struct pressure *before, *after;
	double interval_s;
	struct census *census;
	const char *host;	/* the host's name, for the profile's name and comments */
	const char *ended;	/* when the interval ended, ISO 8601 */
};

/* Writes a site profile (YAML, valid against the schema) whose workload is
 * what was measured, with comments saying how each figure was found. */
void suggest_profile(struct strbuf *out, const struct measured *m);

#endif
