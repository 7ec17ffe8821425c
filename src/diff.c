// SPDX-License-Identifier: GPL-2.0-or-later
/* fintune diff: the dry run. What apply would write, what it would change
 * live, and whether it would stick after boot. Writes nothing. */
#include "common.h"
#include "kernel.h"
#include "output.h"
#include "plan.h"
#include "report.h"
#include "snapshot.h"
#include "textdiff.h"
#include "util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void print_table(const struct plan *pl, bool color)
{
	const struct kernel *k = &pl->kernel;
	const char *bold = color ? "\033[1m" : "", *off = color ? "\033[0m" : "";

	printf("%s%-30s %-13s %-13s %-13s %-13s %s%s\n", bold, "KEY", "RUNNING", "CONFIGURED", "PROPOSED",
	       "EFFECTIVE", "CONFIGURED BY", off);
	for (int id = 0; id < K_PLANNED; id++) {
		const struct key_view *v = &pl->view[id];
		const struct key_fact *f = key_fact(id);
		char by[PATH_MAX + 64] = "-", conf[KERNEL_VALUE_MAX] = "-";

		/* a value and a file name from files fintune does not own */
		if (v->configured) {
			char text[PATH_MAX + 64];

			sysctld_describe(v->configured, text, sizeof(text));
			printable(by, sizeof(by), text);
			printable(conf, sizeof(conf), v->configured->value);
		}
		printf("%-30s %-13s %-13s %-13s %-13s %s\n", f->name, plan_running_text(k, id), conf,
		       plan_proposed_text(pl, id), v->has_effective ? v->effective : "-", by);
	}
}

int diff_main(int argc, char **argv)
{
	static const struct option longopts[] = {
		COMMON_LONGOPTS,
		{ "drop-in", required_argument, NULL, 'D' },
		{ 0 },
	};
	const char *drop_in = NULL;
	struct common c;
	struct plan pl = { 0 };
	struct session ses;
	int opt, r;

	common_init(&c, "diff", 1u << FORMAT_JSON);
	while ((opt = getopt_long(argc, argv, COMMON_SHORTOPTS, longopts, NULL)) != -1) {
		if (opt == 'D') {
			drop_in = optarg;
			continue;
		}
		r = common_option(&c, opt, argv);
		if (r == 2)
			return EXIT_OK;
		if (r != 0)
			return EXIT_ERROR;
	}
	common_finish(&c);
	if (optind + 1 != argc)
		return usage_error("diff", optind == argc ? "expected a profile" : "expected one profile");
	if (session_open_drop_in(&ses, &c, false, drop_in) < 0 || plan_prepare(&pl, &c, &ses.snap, argv[optind], drop_in) < 0) {
		plan_release(&pl);
		session_close(&ses);
		return EXIT_ERROR;
	}
	/* the verdict apply --check and apply reach on the same system, with
	 * their reason (said once, and kept for the JSON error) */
	r = plan_exit_status(&pl);
	if (pl.verdict == VERDICT_REFUSED) {
		fflush(stdout);
		report_error(pl.reason_code, NULL, 0, 0, "%s", pl.reason);
	}
	if (c.format == FORMAT_JSON) {
		json_t *o = plan_full_json(&pl);

		json_object_set_new(o, "verdict", json_string(pl.verdict == VERDICT_REFUSED ? "refused" :
							       pl.verdict == VERDICT_PENDING ? "pending" : "in-sync"));
		if (pl.verdict == VERDICT_REFUSED)
			json_object_set_new(o, "error", report_error_json());
		if (print_json(o) < 0)
			r = EXIT_ERROR;
	} else {
		bool color = use_color(&c, 1);
		struct strbuf sb;
		char label_old[PATH_MAX + 16], label_new[PATH_MAX + 16];

		sb_init(&sb);
		snprintf(label_old, sizeof(label_old), "%s", pl.drop_in_path);
		snprintf(label_new, sizeof(label_new), "%s (fintune)", pl.drop_in_path);
		if (!pl.old_foreign)
			unified_diff(&sb, label_old, pl.old_text, pl.old_len, label_new, pl.new_text, pl.new_len,
				     color);
		if (sb.len)
			fwrite(sb.s, 1, sb.len, stdout);
		else if (!pl.old_foreign && !c.quiet)
			printf("%s is up to date.\n", pl.drop_in_path);
		sb_free(&sb);
		printf("\n");
		print_table(&pl, color);
		if (c.verbose) {
			printf("\n%sWorkload%s\n", color ? "\033[1m" : "", color ? "\033[0m" : "");
			profile_print_workload(stdout, pl.profile);
		}
		if (!c.quiet) {
			plan_print_warnings(&pl, stdout, color);
			printf("\n%s\n", r == EXIT_PENDING ? "Changes pending: `fintune apply` would make them (exit status 2)." :
					  r == EXIT_ERROR ? "Refused: `fintune apply` would change nothing (exit status 1)." :
							    "In sync: nothing would change.");
		}
	}
	if (fflush(stdout) != 0)
		r = EXIT_ERROR;
	plan_release(&pl);
	session_close(&ses);
	return r;
}
