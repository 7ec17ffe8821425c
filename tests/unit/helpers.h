/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Shared by the cmocka tests: load from a string, look for a diagnostic. */
#ifndef FINTUNE_TEST_HELPERS_H
#define FINTUNE_TEST_HELPERS_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "diag.h"
#include "kernel.h"
#include "load.h"
#include "schema.h"

/* Sets a running value of a kernel fixture. */
static inline void set_running(struct kernel *k, enum key_id id, const char *value)
{
	k->running[id].exists = true;
	k->running[id].present = true;
	snprintf(k->running[id].value, sizeof(k->running[id].value), "%s", value);
}

/* A live 6.18 kernel with its defaults; tcp_max_orphans as the machine's
 * memory makes it. */
static inline void kernel_6_18(struct kernel *k, const char *max_orphans)
{
	memset(k, 0, sizeof(*k));
	k->version = KV(6, 18);
	snprintf(k->release, sizeof(k->release), "6.18.0");
	k->live = true;
	set_running(k, K_FIN_TIMEOUT, "60");
	set_running(k, K_ORPHAN_RETRIES, "0");
	set_running(k, K_MAX_ORPHANS, max_orphans);
	set_running(k, K_MAX_TW_BUCKETS, "131072");
	set_running(k, K_TW_REUSE, "2");
	set_running(k, K_TIMESTAMPS, "1");
	set_running(k, K_TW_REUSE_DELAY, "1000");
	set_running(k, K_PORT_RANGE, "32768 60999");
}

static inline struct doc *load_str(const char *text, struct diags *d)
{
	return doc_load_string("t.yaml", text, strlen(text), NULL, d);
}

/* True when d has a problem at line:col (0 = any) whose pointer is ptr (NULL =
 * any) and whose message contains needle. Prints d when it has not. */
static inline bool has_diag(const struct diags *d, unsigned line, unsigned col, const char *ptr,
			    const char *needle)
{
	for (size_t i = 0; i < d->n; i++) {
		const struct diag *g = &d->v[i];

		if ((line == 0 || g->line == line) && (col == 0 || g->col == col) &&
		    (!ptr || (g->pointer && strcmp(g->pointer, ptr) == 0)) && strstr(g->msg, needle))
			return true;
	}
	fprintf(stderr, "no problem at %u:%u %s containing \"%s\"; have:\n", line, col, ptr ? ptr : "",
		needle);
	diags_print(d, stderr);
	return false;
}

/* Validates instance text against schema text; returns the verdict and leaves
 * the problems in d. */
static inline bool check(const char *schema_text, const char *inst_text, struct diags *d)
{
	struct diags sd;
	struct doc *sdoc, *idoc;
	struct schema *s;
	bool ok;

	diags_init(&sd);
	sdoc = doc_load_string("s.json", schema_text, strlen(schema_text), NULL, &sd);
	assert_non_null(sdoc);
	s = schema_compile(sdoc, &sd);
	if (!s)
		diags_print(&sd, stderr);
	assert_non_null(s);
	idoc = load_str(inst_text, d);
	assert_non_null(idoc);
	ok = schema_validate(s, idoc, d);
	doc_free(idoc);
	schema_free(s);
	doc_free(sdoc);
	diags_free(&sd);
	return ok;
}

#endif
