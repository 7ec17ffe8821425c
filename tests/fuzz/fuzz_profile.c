// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * libFuzzer target for a profile from its text to the drop-in: each input
 * is loaded as a profile (profile_load_text: YAML/JSON, the schema, extends
 * of built-ins, the workload and pins decoded, the semantic checks) and,
 * when it is one, planned on two snapshots made in memory (a 6.18.0 host
 * right after boot; a 5.10 child namespace with fintune's drop-in and a
 * later file that shadows it). What it plans must hold whatever the profile says:
 * the drop-in passes the allowlist and, read back, sets exactly the
 * proposed values; the plan file `plan --output` would save for it is
 * accepted by `apply --plan` against the same plan (plan_file_parse and
 * plan_file_check).
 */
#include "dropin.h"
#include "plan.h"
#include "profile.h"
#include "report.h"
#include "snapshot.h"
#include "../lib/boot-snapshot.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct snapshot snaps[2];
static struct profile_loader *loader;

/* A 6.18.0 host namespace right after boot (tests/lib/boot-snapshot.h). */
static void boot(struct snapshot *s)
{
	snapshot_boot_6_18(s);
	/* no /etc/sysctl.conf, as snapshot_take finds it (never freed) */
	s->tree.conf.name = (char *)"sysctl.conf";
	s->tree.conf.dir = SYSCTLD_DIRS;
	s->tree.conf.err = -ENOENT;
}

/* A 5.10 child network namespace (no host-global keys, none of the newer
 * ones) where fintune applied before, and a later file sets one key again:
 * the plan replaces fintune's own drop-in and finds a key shadowed. */
static void child(struct snapshot *s)
{
	static const char ours[] = DROPIN_MAGIC "\nnet.ipv4.tcp_fin_timeout = 30\nnet.ipv4.tcp_tw_reuse = 1\n";
	static const char site[] = "net.ipv4.tcp_fin_timeout = 15\nnet/ipv4/tcp_tw_* = 0\n";

	boot(s);
	snprintf(s->kernel.release, sizeof(s->kernel.release), "5.10.0");
	s->kernel.version = KV(5, 10);
	s->kernel.child_netns = true;
	s->kernel.running[K_MAX_ORPHANS].exists = s->kernel.running[K_MAX_ORPHANS].present = false;
	s->kernel.running[K_TW_REUSE_DELAY].exists = s->kernel.running[K_TW_REUSE_DELAY].present = false;
	s->kernel.running[K_RTO_MIN_US].exists = s->kernel.running[K_RTO_MIN_US].present = false;
	s->kernel.running[K_RTO_MAX_MS].exists = s->kernel.running[K_RTO_MAX_MS].present = false;
	snprintf(s->kernel.running[K_FIN_TIMEOUT].value, KERNEL_VALUE_MAX, "30");
	if (sysctld_tree_add(&s->tree, 0, DROPIN_DEFAULT, ours, strlen(ours)) < 0 ||
	    sysctld_tree_add(&s->tree, 0, "99-site.conf", site, strlen(site)) < 0)
		abort();
}

/* What is true of every plan, whatever the profile says. */
static void check_plan(const struct plan *pl)
{
	char values[K_PLANNED][KERNEL_VALUE_MAX], spec[4096], drop_in[128];
	json_t *o;
	char *text;

	if (!pl->new_text || strlen(pl->new_text) != pl->new_len)
		abort();
	if (!dropin_text_allowed(pl->new_text, pl->new_len))
		abort();	/* a profile made a drop-in fintune will not write */
	dropin_values(pl->new_text, pl->drop_in_path, values);
	for (int id = 0; id < K_PLANNED; id++)
		if (strcmp(values[id], pl->advice.rec[id].planned ? pl->advice.rec[id].proposed : "") != 0)
			abort();	/* the drop-in sets other than what the plan says */
	/* plan --output, then apply --plan on the same system */
	o = plan_full_json(pl);
	plan_file_stamp(o, pl);
	text = json_dumps(o, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	json_decref(o);
	if (!text)
		abort();
	o = plan_file_parse(text, strlen(text), "fuzz.plan", spec, sizeof(spec), drop_in, sizeof(drop_in));
	if (!o || strcmp(drop_in, pl->drop_in_name) != 0 || plan_file_check(o, "fuzz.plan", pl) != 0)
		abort();	/* apply --plan refuses the plan fintune saved */
	json_decref(o);
	free(text);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct diags d;
	struct profile *p;

	if (!loader) {
		diags_init(&d);
		boot(&snaps[0]);
		child(&snaps[1]);
		loader = profile_loader_new("", &d);
		if (!loader)
			abort();
		diags_free(&d);
	}
	report_init("plan", FORMAT_TEXT);
	diags_init(&d);
	p = profile_load_text(loader, "fuzz.yaml", (const char *)data, size, &d);
	for (size_t i = 0; p && i < sizeof(snaps) / sizeof(snaps[0]); i++) {
		struct plan pl;

		if (plan_compute(&pl, p, &snaps[i], NULL) == 0) {
			check_plan(&pl);
			plan_pending(&pl);
			plan_exit_status(&pl);
			json_decref(plan_json(&pl));
		}
		pl.profile = NULL;	/* planned again on the next snapshot */
		plan_release(&pl);
	}
	profile_free(p);
	diags_sort(&d);
	diags_free(&d);
	return 0;
}
