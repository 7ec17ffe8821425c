/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef FINTUNE_PROFILE_H
#define FINTUNE_PROFILE_H

#include "diag.h"
#include "node.h"
#include "schema.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdint.h>

enum closer { CLOSER_US, CLOSER_PEER, CLOSER_EITHER };
enum half_side { HALF_US, HALF_PEER };

/* The decoded workload: every field set, from the profile chain or from the
 * schema's default. */
struct workload {
	struct {
		uint64_t close_rate;
		enum closer closes_first;
		bool behind_nat;
		double unresponsive_pct;
		double stays_open_pct;
		uint64_t client_addresses;
	} in;
	struct {
		uint64_t connect_rate;
		uint64_t destinations;
		uint64_t source_addresses;
		enum closer closes_first;
		bool loopback;
		double unresponsive_pct;
		double stays_open_pct;
	} out;
	struct {
		enum half_side side;
		double seconds;
		uint64_t concurrent;
	} half;
	double rtt_ms;
	uint64_t memory_budget_mib;
};

/* Where a value came from; file NULL means the schema's default. */
struct origin {
	const char *file;
	unsigned line, col;
};

enum workload_field {
	WF_IN_CLOSE_RATE,
	WF_IN_CLOSES_FIRST,
	WF_IN_BEHIND_NAT,
	WF_IN_UNRESPONSIVE,
	WF_IN_STAYS_OPEN,
	WF_IN_CLIENTS,
	WF_OUT_CONNECT_RATE,
	WF_OUT_DESTINATIONS,
	WF_OUT_SOURCES,
	WF_OUT_CLOSES_FIRST,
	WF_OUT_LOOPBACK,
	WF_OUT_UNRESPONSIVE,
	WF_OUT_STAYS_OPEN,
	WF_HALF_SIDE,
	WF_HALF_SECONDS,
	WF_HALF_CONCURRENT,
	WF_RTT_MS,
	WF_MEMORY_BUDGET,
	WF_COUNT
};

/* "inbound.close_rate": the field as a profile writes it. */
const char *workload_field_name(enum workload_field f);
/* The field's value as a profile would write it. */
void workload_field_text(const struct workload *w, enum workload_field f, char *buf, size_t size);
/* Fills w with the schema's defaults (the single source of them). */
int workload_defaults(const struct schema *s, struct workload *w);

#define PROFILE_MAX_CHAIN 8
#define PROFILE_MAX_PINS 16

struct pin {
	const char *key;	/* dotted, e.g. net.ipv4.tcp_fin_timeout */
	char value[32];		/* as written to /proc/sys: "30", "32768 60999" */
	struct origin origin;
};

struct profile_file {
	char *display;		/* as shown in messages */
	char *identity;		/* real path, or "builtin:NAME": for cycle detection */
	char *canonical;	/* the same however it was named, for the drop-in:
				 * <builtin>/NAME.yaml, /etc/fintune/profiles/NAME.yaml
				 * (without --root) for a local profile, else the real path */
	struct doc *doc;
};

struct profile {
	const char *name, *description;	/* of the profile asked for */
	/* files[0] is the profile asked for, files[n_files - 1] its oldest ancestor */
	struct profile_file files[PROFILE_MAX_CHAIN];
	size_t n_files;
	struct workload w;
	struct origin origin[WF_COUNT];
	struct pin pins[PROFILE_MAX_PINS];
	size_t n_pins;
};

/* Holds the compiled profile schema and where local profiles live. */
struct profile_loader;

struct profile_loader *profile_loader_new(const char *root, struct diags *d);
void profile_loader_free(struct profile_loader *l);
const struct schema *profile_loader_schema(const struct profile_loader *l);

/* Loads a profile by name (local, then built-in) or path, follows extends,
 * validates every file of the chain against the schema, decodes the workload
 * and pins, and runs the semantic checks. Every problem of every file goes to
 * d (warnings too). Returns NULL when there was an error. */
struct profile *profile_load(struct profile_loader *l, const char *spec, struct diags *d);
/* The built-in profile of that name, even where a local one overrides it. */
struct profile *profile_load_builtin(struct profile_loader *l, const char *name, struct diags *d);
/* The same for a profile given as its text (display names it in
 * messages), whose extends: names built-ins only: nothing is read from
 * disk (the fuzzer's way in). */
struct profile *profile_load_text(struct profile_loader *l, const char *display, const char *text, size_t len,
				  struct diags *d);
void profile_free(struct profile *p);

const struct pin *profile_pin(const struct profile *p, const char *key);

/* Names of the local profiles under ROOT/etc/fintune/profiles, sorted;
 * a NULL-terminated array to free with profile_names_free. */
char **profile_local_names(struct profile_loader *l);
/* Why the local profile directory is not used (trust.h), or NULL. */
const char *profile_local_refused(struct profile_loader *l);
void profile_names_free(char **names);
/* The file a local profile of that name would be read from. */
char *profile_local_path(const struct profile_loader *l, const char *name);

/* The merged workload, a line per field with the FILE:LINE:COL it comes
 * from (or "(default)"): what -v prints. */
void profile_print_workload(FILE *out, const struct profile *p);

#endif
