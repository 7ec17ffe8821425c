// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * libFuzzer target for the plan-file loader of `apply --plan`: each input is
 * read as the text of a plan file (plan_file_parse), and what it accepts is
 * checked against the plan each built-in profile gives on a fixed snapshot
 * made in memory (plan_file_check: the profile's and the snapshot's digests,
 * every setting, the drop-in's old and new text). The snapshot is the one
 * tests/lib/fake-proc.sh makes for 6.18.0 with nothing in sysctl.d and no
 * state, so `fintune plan --root R --output` of such a root makes seeds
 * that pass every check, and mutations of them reach each one.
 */
#include "apply.h"
#include "builtin.h"
#include "plan.h"
#include "profile.h"
#include "report.h"
#include "snapshot.h"
#include "../lib/boot-snapshot.h"

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_PLANS 8

static struct snapshot snap;
static struct profile_loader *loader;
static struct plan plans[MAX_PLANS];
static size_t n_plans;

/* A 6.18.0 host namespace right after boot (tests/lib/boot-snapshot.h). */
static void boot(struct snapshot *s)
{
	snapshot_boot_6_18(s);
	/* no /etc/sysctl.conf, as snapshot_take finds it (never freed) */
	s->tree.conf.name = (char *)"sysctl.conf";
	s->tree.conf.dir = SYSCTLD_DIRS;
	s->tree.conf.err = -ENOENT;
}

static void setup(void)
{
	struct diags d;

	diags_init(&d);
	boot(&snap);
	/* root "": profile_load_builtin never looks at local profiles */
	loader = profile_loader_new("", &d);
	if (!loader)
		abort();
	for (size_t i = 0; i < builtin_profiles_count && n_plans < MAX_PLANS; i++) {
		struct profile *p = profile_load_builtin(loader, builtin_profiles[i].name, &d);

		if (!p || plan_compute(&plans[n_plans], p, &snap, NULL) < 0)
			abort();
		n_plans++;
	}
	diags_free(&d);
	/* the plans, their loader and the snapshot live as long as the process */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char spec[4096], drop_in[128];
	json_t *o;

	if (!n_plans)
		setup();
	report_init("apply", FORMAT_TEXT);
	o = plan_file_parse((const char *)data, size, "fuzz.plan", spec, sizeof(spec), drop_in, sizeof(drop_in));
	if (!o)
		return 0;
	if (!dropin_name_valid(drop_in))
		abort();	/* plan_file_parse let an invalid name through */
	{
		/* the plan of the profile it names, as apply makes it again, for
		 * the drop-in it names; for a profile by path (which apply would
		 * read from disk) the first built-in's: the checks run all the same */
		struct plan *pl = &plans[0], other;
		bool own = false;

		for (size_t i = 0; i < n_plans; i++)
			if (strcmp(spec, plans[i].profile->name) == 0)
				pl = &plans[i];
		if (strcmp(drop_in, pl->drop_in_name) != 0) {
			if (plan_compute(&other, pl->profile, &snap, drop_in) < 0)
				abort();	/* a name plan_file_parse took, and the plan refuses */
			pl = &other;
			own = true;
		}
		plan_file_check(o, "fuzz.plan", pl);
		if (own) {
			other.profile = NULL;	/* plans[i]'s */
			plan_release(&other);
		}
	}
	json_decref(o);
	return 0;
}
