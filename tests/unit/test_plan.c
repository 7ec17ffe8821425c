// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The plan as a pure function of a profile and a snapshot made in memory:
 * the verdict diff, apply --check and apply share; convergence (a plan
 * after apply equals the plan before; drift is put back, never written
 * into the drop-in); shadowing; the drop-in allowlist.
 */
#include "helpers.h"
#include "dropin.h"
#include "plan.h"
#include "profile.h"
#include "snapshot.h"
#include "../lib/boot-snapshot.h"

#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

static struct profile_loader *loader;

/* A 6.18.0 host namespace right after boot (tests/lib/boot-snapshot.h). */
static void boot(struct snapshot *s)
{
	snapshot_boot_6_18(s);
}

static struct profile *load(const char *name)
{
	struct diags d;
	struct profile *p;

	diags_init(&d);
	p = profile_load(loader, name, &d);
	if (!p)
		diags_print(&d, stderr);
	assert_non_null(p);
	diags_free(&d);
	return p;
}

static void plan_on(struct plan *pl, struct profile *p, const struct snapshot *s)
{
	int r = plan_compute(pl, p, s, NULL);

	if (r < 0)
		diags_print(&pl->diags, stderr);
	assert_int_equal(r, 0);
}

static void done(struct plan *pl)
{
	pl->profile = NULL;	/* the test's */
	plan_release(pl);
}

/* What apply leaves: the drop-in in the tree, the live values, the state's
 * baseline of what was there before. */
static void applied(struct snapshot *s, const struct plan *pl, const struct snapshot *before)
{
	static struct state_record rec;

	assert_int_equal(sysctld_tree_add(&s->tree, 0, DROPIN_DEFAULT, pl->new_text, pl->new_len), 0);
	for (int id = 0; id < K_PLANNED; id++)
		if (pl->advice.rec[id].planned)
			snprintf(s->kernel.running[id].value, KERNEL_VALUE_MAX, "%s", pl->advice.rec[id].proposed);
	memset(&rec, 0, sizeof(rec));
	rec.status = STATE_APPLIED;
	snprintf(rec.drop_in_path, sizeof(rec.drop_in_path), "%s/%s", DROPIN_DIR, DROPIN_DEFAULT);
	rec.drop_in_written = true;
	rec.written_text = pl->new_text;	/* borrowed: forget_state() drops it */
	s->state.rec = &rec;
	s->state.n = 1;
	s->state.has_baseline = true;
	for (int id = 0; id < K_PLANNED; id++) {
		s->state.baseline[id].known = s->state.baseline[id].present = true;
		snprintf(s->state.baseline[id].value, KERNEL_VALUE_MAX, "%s", before->kernel.running[id].value);
	}
	s->state_err = 0;
}

static void forget_state(struct snapshot *s)
{
	s->state.rec = NULL;
	s->state.n = 0;
	sysctld_tree_free(&s->tree);
}

static void test_verdicts(void **unused)
{
	struct profile *p = load("reverse-proxy");
	struct snapshot s, after;
	struct plan pl, again;
	static const char foreign[] = "net.ipv4.tcp_fin_timeout = 25\n";

	(void)unused;
	boot(&s);
	plan_on(&pl, p, &s);
	assert_int_equal(pl.verdict, VERDICT_PENDING);
	assert_int_equal(plan_exit_status(&pl), EXIT_PENDING);
	assert_true(pl.file_change);
	assert_true(pl.live_change[K_MAX_TW_BUCKETS]);
	/* applied: in sync */
	after = s;
	memset(&after.tree, 0, sizeof(after.tree));
	applied(&after, &pl, &s);
	plan_on(&again, p, &after);
	assert_int_equal(again.verdict, VERDICT_IN_SYNC);
	assert_int_equal(plan_exit_status(&again), EXIT_OK);
	done(&again);
	forget_state(&after);
	/* a file fintune did not write in its place: refused, one reason */
	assert_int_equal(sysctld_tree_add(&s.tree, 0, DROPIN_DEFAULT, foreign, strlen(foreign)), 0);
	plan_on(&again, p, &s);
	assert_int_equal(again.verdict, VERDICT_REFUSED);
	assert_int_equal(plan_exit_status(&again), EXIT_ERROR);
	assert_non_null(strstr(again.reason, "was not written by fintune"));
	done(&again);
	sysctld_tree_free(&s.tree);
	/* fintune's, edited to set another key: refused */
	{
		char *edited = malloc(pl.new_len + 64);

		sprintf(edited, "%skernel.core_pattern = |/bin/x\n", pl.new_text);
		assert_int_equal(sysctld_tree_add(&s.tree, 0, DROPIN_DEFAULT, edited, strlen(edited)), 0);
		free(edited);
	}
	plan_on(&again, p, &s);
	assert_int_equal(again.verdict, VERDICT_REFUSED);
	assert_non_null(strstr(again.reason, "was edited since fintune wrote it"));
	done(&again);
	sysctld_tree_free(&s.tree);
	/* a state that is not fintune's: refused before anything */
	s.state_err = -EINVAL;
	plan_on(&again, p, &s);
	assert_int_equal(again.verdict, VERDICT_REFUSED);
	assert_non_null(strstr(again.reason, "not a state fintune wrote"));
	done(&again);
	done(&pl);
	profile_free(p);
}

static void test_converges(void **unused)
{
	struct profile *rp = load("reverse-proxy"), *oc = load("outbound-client");
	struct snapshot fresh, after;
	struct plan before, once, now;

	(void)unused;
	boot(&fresh);
	plan_on(&before, oc, &fresh);
	/* reverse-proxy applied: its own values must not become the floors
	 * of the next plan (the ratchet) */
	plan_on(&once, rp, &fresh);
	after = fresh;
	memset(&after.tree, 0, sizeof(after.tree));
	applied(&after, &once, &fresh);
	plan_on(&now, oc, &after);
	assert_true(now.floors_from_state);
	for (int id = 0; id < K_PLANNED; id++)
		assert_string_equal(now.advice.rec[id].proposed, before.advice.rec[id].proposed);
	done(&now);
	forget_state(&after);
	/* applied, then the live value drifts: the same drop-in, the planned
	 * value put back */
	after = fresh;
	memset(&after.tree, 0, sizeof(after.tree));
	applied(&after, &once, &fresh);
	snprintf(after.kernel.running[K_ORPHAN_RETRIES].value, KERNEL_VALUE_MAX, "3");
	plan_on(&now, rp, &after);
	assert_true(text_equal(now.new_text, now.new_len, once.new_text, once.new_len));
	assert_false(now.file_change);
	assert_true(now.live_change[K_ORPHAN_RETRIES]);
	assert_string_equal(now.advice.rec[K_ORPHAN_RETRIES].proposed, once.advice.rec[K_ORPHAN_RETRIES].proposed);
	assert_int_equal(now.verdict, VERDICT_PENDING);
	done(&now);
	forget_state(&after);
	/* a limit someone raised by hand after the apply stays the floor:
	 * a running limit is never lowered */
	after = fresh;
	memset(&after.tree, 0, sizeof(after.tree));
	applied(&after, &once, &fresh);
	snprintf(after.kernel.running[K_MAX_TW_BUCKETS].value, KERNEL_VALUE_MAX, "2000000");
	plan_on(&now, rp, &after);
	assert_string_equal(now.advice.rec[K_MAX_TW_BUCKETS].proposed, "2000000");
	done(&now);
	forget_state(&after);
	done(&before);
	done(&once);
	profile_free(rp);
	profile_free(oc);
}

static void test_shadowed(void **unused)
{
	struct profile *p = load("reverse-proxy");
	struct snapshot s;
	struct plan pl;
	static const char late[] = "net.ipv4.tcp_tw_reuse = 0\n";

	(void)unused;
	boot(&s);
	assert_int_equal(sysctld_tree_add(&s.tree, 3, "99-late.conf", late, strlen(late)), 0);
	plan_on(&pl, p, &s);
	assert_true(pl.shadowed);
	assert_true(pl.view[K_TW_REUSE].shadowed);
	assert_false(pl.view[K_FIN_TIMEOUT].shadowed);
	assert_string_equal(pl.view[K_TW_REUSE].effective, "0");
	/* still pending: apply makes the change and says it will not last */
	assert_int_equal(pl.verdict, VERDICT_PENDING);
	{
		char by[256];

		assert_false(plan_in_force(&pl.now, &pl.kernel, K_TW_REUSE, "/etc/sysctl.d/60-fintune.conf", "1", by,
					   sizeof(by)));
		assert_non_null(strstr(by, "/usr/lib/sysctl.d/99-late.conf:1"));
	}
	done(&pl);
	sysctld_tree_free(&s.tree);
	profile_free(p);
}

static void test_allowlist(void **unused)
{
	struct profile *p = load("reverse-proxy");
	struct snapshot s;
	struct plan pl;
	struct strbuf sb;

	(void)unused;
	boot(&s);
	plan_on(&pl, p, &s);
	assert_true(dropin_text_allowed(pl.new_text, pl.new_len));
#define WITH(extra)                                                                  \
	do {                                                                         \
		sb_init(&sb);                                                        \
		sb_addn(&sb, pl.new_text, pl.new_len);                               \
		sb_adds(&sb, extra);                                                 \
		assert_false(dropin_text_allowed(sb.s, sb.len));                     \
		sb_free(&sb);                                                        \
	} while (0)
	WITH("kernel.core_pattern = |/bin/x\n");
	WITH("net/../kernel/core_pattern = |/bin/x\n");
	WITH("net/ipv4/./tcp_fin_timeout = 5\n");	/* procps: another path */
	WITH("-net.ipv4.tcp_fin_timeout = 5\n");
	WITH("net.ipv4.tcp_fin_* = 5\n");
	WITH("tcp_fin_timeout = 5\n");
	WITH("net.ipv4.tcp_fin_timeout = 5\rkernel.core_pattern = x\n");
	WITH("net.ipv4.tcp_fin_timeout =\n");	/* procps: invalid syntax */
	/* a line an applier with a fixed line buffer would split */
	sb_init(&sb);
	sb_addn(&sb, pl.new_text, pl.new_len);
	sb_adds(&sb, "# ");
	for (int i = 0; i < 254; i++)
		sb_addc(&sb, 'x');
	sb_adds(&sb, "kernel.core_pattern = |/bin/x\n");
	assert_false(dropin_text_allowed(sb.s, sb.len));
	sb_free(&sb);
	/* a key after a line systemd-sysctl stops at, and procps reads on */
	sb_init(&sb);
	sb_addn(&sb, pl.new_text, pl.new_len);
	sb_adds(&sb, "# ");
	for (int i = 0; i < (1 << 20) + 8; i++)
		sb_addc(&sb, 'x');
	sb_adds(&sb, "\nkernel.core_pattern = |/bin/x\n");
	assert_false(dropin_text_allowed(sb.s, sb.len));
	sb_free(&sb);
	/* not fintune's, or a NUL */
	assert_false(dropin_text_allowed("net.ipv4.tcp_fin_timeout = 30\n", 30));
	assert_false(dropin_text_allowed(pl.new_text, pl.new_len + 1));
	done(&pl);
	profile_free(p);
}

/* A description of characters of several bytes, wrapped into comments:
 * never cut inside one, so the drop-in stays valid UTF-8 and passes the
 * allowlist, and the verdict is not "pending" for a text apply refuses. */
static void test_wide_description(void **unused)
{
	struct snapshot s;
	struct plan pl;
	struct profile *p;
	struct strbuf sb;
	struct diags d;

	(void)unused;
	sb_init(&sb);
	sb_adds(&sb, "fintune: 1\nname: wide\nextends: reverse-proxy\ndescription: \"");
	for (int i = 0; i < 60; i++)
		sb_adds(&sb, "\xe2\x82\xac");	/* the euro sign, three bytes */
	sb_adds(&sb, "\"\n");
	{
		char path[] = "/tmp/fintune-wide-XXXXXX";
		int fd = mkstemp(path);
		char named[sizeof(path) + 8];

		assert_true(fd >= 0);
		assert_int_equal(write(fd, sb.s, sb.len), (ssize_t)sb.len);
		close(fd);
		snprintf(named, sizeof(named), "%s.yaml", path);
		assert_int_equal(rename(path, named), 0);
		diags_init(&d);
		p = profile_load(loader, named, &d);
		unlink(named);
		if (!p)
			diags_print(&d, stderr);
		assert_non_null(p);
		diags_free(&d);
	}
	sb_free(&sb);
	boot(&s);
	plan_on(&pl, p, &s);
	assert_true(utf8_valid(pl.new_text, pl.new_len));
	assert_true(dropin_text_allowed(pl.new_text, pl.new_len));
	assert_int_equal(pl.verdict, VERDICT_PENDING);
	done(&pl);
	profile_free(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_verdicts),
		cmocka_unit_test(test_converges),
		cmocka_unit_test(test_shadowed),
		cmocka_unit_test(test_allowlist),
		cmocka_unit_test(test_wide_description),
	};
	struct diags d;
	int r;

	diags_init(&d);
	loader = profile_loader_new("", &d);
	if (!loader) {
		diags_print(&d, stderr);
		return 1;
	}
	diags_free(&d);
	r = cmocka_run_group_tests(tests, NULL, NULL);
	profile_loader_free(loader);
	return r;
}
