// SPDX-License-Identifier: GPL-2.0-or-later
/* fintune plan: the recommended values for a profile on this kernel, each
 * with its reasons; as a table for people, JSON for tools, or the close-state
 * machine in Graphviz dot. */
#include "advise.h"
#include "atomic.h"
#include "common.h"
#include "dropin.h"
#include "kernel.h"
#include "output.h"
#include "plan.h"
#include "profile.h"
#include "report.h"
#include "state.h"
#include "sysctld.h"

#include <errno.h>
#include <sys/stat.h>

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define note(pl, ...) advice_say((pl)->notes, &(pl)->n_notes, __VA_ARGS__)

static void print_text(const struct plan *pl, const struct common *c)
{
	const struct kernel *k = &pl->kernel;
	const struct advice *a = &pl->advice;
	bool color = use_color(c, 1);
	const char *bold = color ? "\033[1m" : "", *yellow = color ? "\033[33m" : "", *off = color ? "\033[0m" : "";
	char mem[32], path[PATH_MAX], label[32], from[96];

	printf("Profile  %s (%s", pl->profile->name, printable(path, sizeof(path), pl->profile->files[0].display));
	for (size_t i = 1; i < pl->profile->n_files; i++)
		printf(", extends %s", printable(path, sizeof(path), pl->profile->files[i].display));
	printf(")\n");
	if (k->live)
		printf("Kernel   %s, %s network namespace\n\n", k->release[0] ? k->release : "release unknown",
		       k->child_netns ? "child" : "host");
	else
		printf("Kernel   no live values (offline image): facts of %s, from %s\n\n",
		       kernel_label(k, label, sizeof(label)), kernel_from_text(k, from, sizeof(from)));
	printf("%s%-30s %-13s %-13s %-6s  %-6s  %s%s\n", bold, "KEY", "RUNNING", "PROPOSED", "CHANGE", "SCOPE",
	       "CAN PIN", off);
	for (int id = 0; id < K_PLANNED; id++) {
		const struct recommendation *r = &a->rec[id];
		const struct key_fact *f = key_fact(id);
		printf("%-30s %-13s %-13s %s%-6s%s  %-6s  %s\n", f->name, plan_running_text(k, id),
		       plan_proposed_text(pl, id),
		       r->change ? yellow : "", r->change ? "yes" : "-", r->change ? off : "",
		       kernel_scope(k, id) == SCOPE_GLOBAL ? "global" : "netns", r->memory_bytes ? human_size(mem, sizeof(mem), (double)r->memory_bytes) : "-");
	}
	if (c->quiet)
		goto warnings;
	printf("\n%sKernel facts used%s\n", bold, off);
	{
		const struct key_era *reuse = kernel_era(k, K_TW_REUSE);
		char facts[640];

		snprintf(facts, sizeof(facts),
			 "TIME_WAIT 60 s (fixed). RTO at rtt_ms %g: %.3f s (tcp_rto_min %s, max %.0f s%s; timers in jiffies at HZ %u%s). "
			 "tcp_tw_reuse accepts 0..%ld%s. tcp_tw_reuse_delay %s. tcp_max_orphans %s.",
			 pl->profile->w.rtt_ms, a->fig.rto,
			 kernel_has(k, K_RTO_MIN_US) ? "from the kernel" : "200 ms, fixed before 6.11", a->fig.rto_max,
			 kernel_has(k, K_RTO_MAX_MS) ? ", tcp_rto_max_ms" : ", fixed before 6.15",
			 k->hz ? k->hz : 250, k->hz ? "" : ", assumed", reuse->max,
			 reuse->max < 2 ? " (no loopback-only 2 before 4.18)" : "",
			 kernel_has(k, K_TW_REUSE_DELAY) ? "exists (6.14+)" : "absent (before 6.14: a fixed 1 s)",
			 k->child_netns ? "absent: host-global, and this is a child network namespace" :
					  "host-global, present");
		print_wrapped(stdout, facts, 2, 79);
		if (pl->floors_from_state) {
			snprintf(facts, sizeof(facts),
				 "Floors (a running limit is never lowered) and \"the running\" in the reasons below are the values from before fintune first applied, kept in %s: fintune's own values never become the floor.",
				 STATE_PATH);
			print_wrapped(stdout, facts, 2, 79);
		}
	}
	if (c->verbose) {
		printf("\n%sWorkload%s\n", bold, off);
		profile_print_workload(stdout, pl->profile);
	}
	printf("\n%sWhy%s\n", bold, off);
	for (int id = 0; id < K_PLANNED; id++) {
		const struct recommendation *r = &a->rec[id];

		printf("  %s = %s%s\n", key_fact(id)->name, r->planned ? r->proposed : "(not written)",
		       r->pinned ? " (pinned)" : "");
		print_wrapped(stdout, r->rationale, 6, 79);
	}
warnings:
	if (a->n_warnings || pl->n_notes) {
		printf("\n%sWarnings%s\n", bold, off);
		for (size_t i = 0; i < a->n_warnings; i++)
			print_hanging(stdout, "  - ", a->warnings[i], 4, 79);
		for (size_t i = 0; i < pl->n_notes; i++)
			print_hanging(stdout, "  - ", pl->notes[i], 4, 79);
	}
}

static void dot_escape(FILE *f, const char *s)
{
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			fputc('\\', f);
		fputc(*s, f);
	}
}

/* The close-state machine with this plan's timers, retries and limits. */
static void print_dot(const struct plan *pl)
{
	const struct advice *a = &pl->advice;
	const struct figures *fg = &a->fig;
	const char *tw = a->rec[K_MAX_TW_BUCKETS].planned ? a->rec[K_MAX_TW_BUCKETS].proposed :
			 pl->kernel.running[K_MAX_TW_BUCKETS].value;
	const char *orph = a->rec[K_MAX_ORPHANS].planned ? a->rec[K_MAX_ORPHANS].proposed :
			   pl->kernel.running[K_MAX_ORPHANS].present ? pl->kernel.running[K_MAX_ORPHANS].value :
								       "set on the host";
	char label[512];

	printf("// fintune plan %s --format dot: the TCP close states with this plan's values\n", pl->profile->name);
	printf("digraph tcp_close {\n");
	printf("\tlabel=\"");
	dot_escape(stdout, pl->profile->name);
	printf(": TCP close path (fintune plan)\";\n\tlabelloc=t;\n\trankdir=TB;\n");
	printf("\tnode [shape=box, style=rounded, fontname=\"Helvetica\"];\n");
	printf("\tedge [fontname=\"Helvetica\", fontsize=10];\n");
	printf("\tESTABLISHED;\n");
	snprintf(label, sizeof(label), "FIN_WAIT1\\n~%.0f orphans at peak (with LAST_ACK, CLOSING)\\ntcp_max_orphans %s",
		 fg->orphans, orph);
	printf("\tFIN_WAIT1 [label=\"%s\"];\n", label);
	snprintf(label, sizeof(label), "FIN_WAIT2\\n~%.0f orphans at peak\\nshare tcp_max_tw_buckets %s", fg->fin_wait2,
		 tw ? tw : "?");
	printf("\tFIN_WAIT2 [label=\"%s\"];\n", label);
	snprintf(label, sizeof(label), "TIME_WAIT\\n60 s, fixed\\n~%.0f at peak, limit %s", fg->time_wait, tw ? tw : "?");
	printf("\tTIME_WAIT [label=\"%s\"];\n", label);
	printf("\tCLOSE_WAIT [label=\"CLOSE_WAIT\\nuntil the application calls close()\\nno close-path sysctl ends it\"];\n");
	printf("\tLAST_ACK;\n\tCLOSING;\n\tCLOSED [shape=doublecircle];\n");
	printf("\tESTABLISHED -> FIN_WAIT1 [label=\"close() or shutdown(SHUT_WR):\\nsend FIN\"];\n");
	printf("\tESTABLISHED -> CLOSE_WAIT [label=\"peer's FIN\"];\n");
	printf("\tFIN_WAIT1 -> FIN_WAIT2 [label=\"ACK of our FIN\"];\n");
	printf("\tFIN_WAIT1 -> CLOSING [label=\"peer's FIN\\n(simultaneous close)\"];\n");
	printf("\tFIN_WAIT1 -> TIME_WAIT [label=\"FIN+ACK\"];\n");
	printf("\tFIN_WAIT1 -> CLOSED [style=dashed, label=\"orphan unanswered: tcp_orphan_retries %d\\n(~%.1f s), dropped without RST\\nshutdown() socket: tcp_retries2 (~%.0f s)\"];\n",
	       fg->orphan_retries, fg->orphan_life, fg->retries2_life);
	printf("\tFIN_WAIT2 -> TIME_WAIT [label=\"peer's FIN\"];\n");
	printf("\tFIN_WAIT2 -> CLOSED [style=dashed, label=\"orphan: tcp_fin_timeout %.0f s\\nshutdown() socket: never\"];\n",
	       fg->fin_timeout);
	printf("\tCLOSING -> TIME_WAIT [label=\"ACK of our FIN\"];\n");
	printf("\tCLOSE_WAIT -> LAST_ACK [label=\"close(): send FIN\"];\n");
	printf("\tLAST_ACK -> CLOSED [label=\"ACK of our FIN\"];\n");
	printf("\tLAST_ACK -> CLOSED [style=dashed, label=\"unanswered: tcp_orphan_retries %d\"];\n",
	       fg->orphan_retries);
	if (a->rec[K_TW_REUSE].planned && strcmp(a->rec[K_TW_REUSE].proposed, "0") != 0)
		printf("\tTIME_WAIT -> CLOSED [label=\"60 s (TCP_TIMEWAIT_LEN)\\ntcp_tw_reuse=%s: connect() may take the port\\nafter tcp_tw_reuse_delay\"];\n",
		       a->rec[K_TW_REUSE].proposed);
	else
		printf("\tTIME_WAIT -> CLOSED [label=\"60 s (TCP_TIMEWAIT_LEN)\\ntcp_tw_reuse=0: the port stays taken\"];\n");
	printf("\tESTABLISHED -> CLOSED [style=dotted, label=\"SO_LINGER {1, 0}, unread data: RST\"];\n");
	printf("}\n");
}

/* A reviewed plan: the plan as diff --format json shows it, and what apply
 * --plan needs to plan it again and know it is the same (plan_file_stamp). */
static int save_plan(const struct plan *pl, const char *path)
{
	json_t *o = plan_full_json(pl);
	char *text, *dir, *slash;
	int r = -ENOMEM;

	plan_file_stamp(o, pl);
	text = json_dumps(o, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	json_decref(o);
	dir = strdup(path);
	if (text && dir) {
		size_t n = strlen(text);

		slash = strrchr(dir, '/');
		if (slash)
			*slash = '\0';
		r = atomic_write(slash ? (*dir ? dir : "/") : ".", slash ? slash + 1 : path, text, n, 0644, NULL);
	}
	if (r < 0)
		report_error(ERR_IO, NULL, 0, 0, "cannot write %s: %s", path, strerror(-r));
	free(text);
	free(dir);
	return r;
}

int plan_main(int argc, char **argv)
{
	static const struct option longopts[] = {
		COMMON_LONGOPTS,
		{ "drop-in", required_argument, NULL, 'D' },
		{ "output", required_argument, NULL, 'o' },
		{ 0 },
	};
	const char *drop_in = NULL, *output = NULL;
	struct common c;
	struct plan pl = { 0 };
	struct session ses;
	int opt, r;

	common_init(&c, "plan", 1u << FORMAT_JSON | 1u << FORMAT_DOT);
	while ((opt = getopt_long(argc, argv, ":o:qvh", longopts, NULL)) != -1) {
		if (opt == 'D') {
			drop_in = optarg;
			continue;
		}
		if (opt == 'o') {
			output = optarg;
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
		return usage_error("plan", optind == argc ? "expected a profile" : "expected one profile");
	if (session_open_drop_in(&ses, &c, false, drop_in) < 0 || plan_prepare(&pl, &c, &ses.snap, argv[optind], drop_in) < 0) {
		plan_release(&pl);
		session_close(&ses);
		return EXIT_ERROR;
	}
	/* the floors come from the state: one others may change is no
	 * basis for advice either, as diff, apply and status refuse it */
	if (ses.snap.state_err == -EPERM) {
		report_error(ERR_REFUSED, NULL, 0, 0, "%s", ses.snap.state_refusal);
		plan_release(&pl);
		session_close(&ses);
		return EXIT_ERROR;
	}
	if (pl.verdict == VERDICT_REFUSED)
		note(&pl, "apply would refuse: %s", pl.reason);
	r = EXIT_OK;
	if (output && save_plan(&pl, output) < 0) {
		plan_release(&pl);
		session_close(&ses);
		return EXIT_ERROR;
	}
	if (c.format == FORMAT_JSON)
		r = print_json(plan_json(&pl)) < 0 ? EXIT_ERROR : EXIT_OK;
	else if (c.format == FORMAT_DOT)
		print_dot(&pl);
	else
		print_text(&pl, &c);
	if (fflush(stdout) != 0)
		r = EXIT_ERROR;
	plan_release(&pl);
	session_close(&ses);
	return r;
}
