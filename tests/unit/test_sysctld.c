// SPDX-License-Identifier: GPL-2.0-or-later
/* The sysctl.d reader, the drop-in and the text diff, without a namespace:
 * the rules one by one. tests/cli/appliers.bats proves the same rules against
 * the real appliers. */
#include "helpers.h"
#include "dropin.h"
#include "host.h"
#include "sysctld.h"
#include "textdiff.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static void test_normalize(void **state)
{
	static const char *const ok[][2] = {
		{ "net.ipv4.tcp_fin_timeout", "net/ipv4/tcp_fin_timeout" },
		{ "net/ipv4/tcp_fin_timeout", "net/ipv4/tcp_fin_timeout" },
		/* the first separator decides */
		{ "net/ipv4.conf/x", "net/ipv4.conf/x" },
		{ "net.ipv4/conf.x", "net/ipv4.conf/x" },
		{ "kernel", "kernel" },
		/* systemd simplifies the path: all of these reach the key */
		{ "/net/ipv4/tcp_fin_timeout", "net/ipv4/tcp_fin_timeout" },
		{ "net.ipv4..tcp_orphan_retries", "net/ipv4/tcp_orphan_retries" },
		{ "net//ipv4", "net/ipv4" },
		{ "net/ipv4/./tcp_syn_retries", "net/ipv4/tcp_syn_retries" },
		{ "net.ipv4.tcp_fin_timeout.", "net/ipv4/tcp_fin_timeout" },
	};
	/* ".." could leave /proc/sys */
	static const char *const bad[] = { "", "/", ".", "..", "net/../../etc", "a/..", "net/ipv4/..", "net/ipv4/../x" };

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(ok); i++) {
		char *n = sysctl_normalize_key(ok[i][0]);

		assert_non_null(n);
		assert_string_equal(n, ok[i][1]);
		free(n);
	}
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		char *n = sysctl_normalize_key(bad[i]);

		if (n)
			fail_msg("%s normalised to %s instead of being refused", bad[i], n);
	}
}

static const char *value_of(const struct sysctl_config *c, const char *key, const struct sysctl_probe *p)
{
	struct sysctl_setting s = sysctld_resolve(c, key, p);

	return s.entry ? s.entry->value : NULL;
}

static bool numbers_only(const char *path, const char *value, void *ctx)
{
	(void)path;
	(void)ctx;
	return value[0] >= '0' && value[0] <= '9';
}

static bool no_keepalive_intvl(const char *path, void *ctx)
{
	(void)ctx;
	return strcmp(path, "net/ipv4/tcp_keepalive_intvl") != 0;
}

static void test_parse_lines(void **state)
{
	const char *text = "# comment\n; another\n   \n  net.ipv4.a = 1  \r\n"
			   "not an assignment\n-net.ipv4.b = 2\n-net.ipv4.c\nnet/ipv4/d=3=4\n"
			   "net.ipv4.a = 5\nnet.ipv4.e = 6";
	struct sysctl_config c = { 0 };
	struct diags d;

	(void)state;
	diags_init(&d);
	assert_int_equal(sysctld_add_text(&c, "/etc/sysctl.d/t.conf", text, strlen(text), &d), 0);
	/* the last assignment wins; CRLF and a missing final newline are fine */
	assert_string_equal(value_of(&c, "net.ipv4.a", NULL), "5");
	assert_string_equal(value_of(&c, "net.ipv4.b", NULL), "2");
	assert_null(value_of(&c, "net.ipv4.c", NULL));
	assert_string_equal(value_of(&c, "net.ipv4.d", NULL), "3=4");
	assert_string_equal(value_of(&c, "net.ipv4.e", NULL), "6");
	assert_true(has_diag(&d, 5, 0, NULL, "line is not an assignment, ignoring"));
	assert_int_equal(d.errors, 0);
	{
		struct sysctl_setting s = sysctld_resolve(&c, "net/ipv4/a", NULL);

		assert_int_equal(s.entry->line, 9);
		assert_string_equal(s.entry->file->path, "/etc/sysctl.d/t.conf");
	}
	sysctld_free(&c);
	diags_free(&d);
}

static void test_line_ends(void **state)
{
	/* systemd ends a line at CR and at NUL too; procps at LF only, and a
	 * NUL ends what it sees of a line (a CR stays in the value, which the
	 * kernel refuses) */
	static const char text[] = "net.ipv4.a = 24\rnet.ipv4.b = 2\nnet.ipv4.c = 3\0net.ipv4.d = 4\n"
				   "net.ipv4.x = 1\r\nnet.ipv4.y = 2\n";
	struct sysctl_config sd = { 0 }, pp = { .procps = true };

	(void)state;
	sysctld_add_text(&sd, "/etc/sysctl.d/t.conf", text, sizeof(text) - 1, NULL);
	sysctld_add_text(&pp, "/etc/sysctl.d/t.conf", text, sizeof(text) - 1, NULL);
	assert_string_equal(value_of(&sd, "net.ipv4.a", NULL), "24");
	assert_string_equal(value_of(&sd, "net.ipv4.b", NULL), "2");
	assert_string_equal(value_of(&sd, "net.ipv4.d", NULL), "4");
	assert_string_equal(value_of(&pp, "net.ipv4.a", NULL), "24\rnet.ipv4.b = 2");
	assert_null(value_of(&pp, "net.ipv4.b", NULL));
	assert_string_equal(value_of(&pp, "net.ipv4.c", NULL), "3");
	assert_null(value_of(&pp, "net.ipv4.d", NULL));
	/* CRLF counts as one line end */
	assert_int_equal(sysctld_resolve(&sd, "net.ipv4.y", NULL).entry->line, 6);
	assert_int_equal(sysctld_resolve(&pp, "net.ipv4.y", NULL).entry->line, 4);
	sysctld_free(&sd);
	sysctld_free(&pp);
}

static void test_procps_quirks(void **state)
{
	const char *text = "- net.ipv4.r = 9\nnet.ipv4.t. = 33\nnet.ipv4..o = 3\n/net/ipv4/f = 21\n";
	struct sysctl_config sd = { 0 }, pp = { .procps = true };
	struct diags d;

	(void)state;
	diags_init(&d);
	sysctld_add_text(&sd, "/etc/sysctl.d/t.conf", text, strlen(text), NULL);
	sysctld_add_text(&pp, "/etc/sysctl.d/t.conf", text, strlen(text), &d);
	/* systemd strips the blank after "-"; procps keeps it in the key */
	assert_string_equal(value_of(&sd, "net.ipv4.r", NULL), "9");
	assert_null(value_of(&pp, "net.ipv4.r", NULL));
	assert_true(has_diag(&d, 1, 0, NULL,
			     "procps reads the key with the blank after \"-\", which sets nothing: write \"-net.ipv4.r\""));
	/* a trailing separator: systemd simplifies it away, procps opens a directory */
	assert_string_equal(value_of(&sd, "net.ipv4.t", NULL), "33");
	assert_null(value_of(&pp, "net.ipv4.t", NULL));
	/* the kernel's walk folds "//" and a leading "/" for procps */
	assert_string_equal(value_of(&pp, "net.ipv4.o", NULL), "3");
	assert_string_equal(value_of(&pp, "net.ipv4.f", NULL), "21");
	sysctld_free(&sd);
	sysctld_free(&pp);
	diags_free(&d);
}

static void test_long_line_and_many_keys(void **state)
{
	/* systemd stops reading a file at a line over 1 MiB, keeping what came
	 * before; procps reads on */
	size_t n = (1u << 20) + 64, len;
	char *text = malloc(n + 64);
	struct sysctl_config sd = { 0 }, pp = { .procps = true };
	struct strbuf sb;
	struct diags d;

	(void)state;
	assert_non_null(text);
	len = (size_t)sprintf(text, "net.ipv4.a = 1\n# ");
	memset(text + len, 'x', n);
	len += n;
	len += (size_t)sprintf(text + len, "\nnet.ipv4.b = 2\n");
	diags_init(&d);
	sysctld_add_text(&sd, "/etc/sysctl.d/t.conf", text, len, &d);
	sysctld_add_text(&pp, "/etc/sysctl.d/t.conf", text, len, NULL);
	assert_string_equal(value_of(&sd, "net.ipv4.a", NULL), "1");
	assert_null(value_of(&sd, "net.ipv4.b", NULL));
	assert_true(has_diag(&d, 2, 0, NULL, "line longer than 1 MiB: systemd-sysctl stops reading the file here"));
	assert_string_equal(value_of(&pp, "net.ipv4.b", NULL), "2");
	sysctld_free(&sd);
	sysctld_free(&pp);
	diags_free(&d);
	free(text);
	/* 200,000 distinct keys, then each again with another value: every one
	 * moves to the end, once (a quadratic reader would take minutes) */
	sb_init(&sb);
	for (int i = 0; i < 200000; i++)
		sb_addf(&sb, "net.k%d = %d\n", i, i);
	for (int i = 0; i < 200000; i++)
		sb_addf(&sb, "net.k%d = x%d\n", i, i);
	sysctld_add_text(&sd, "/etc/sysctl.d/big.conf", sb.s, sb.len, NULL);
	assert_int_equal(sd.n_entries, 200000);
	assert_string_equal(sd.entries[0].key, "net/k0");
	assert_string_equal(sd.entries[0].value, "x0");
	assert_string_equal(value_of(&sd, "net.k199999", NULL), "x199999");
	sysctld_free(&sd);
	sb_free(&sb);
}

static void test_globs_and_exclusions(void **state)
{
	const char *early = "net.ipv4.tcp_keepalive_time = 10\nnet.ipv4.tcp_*_retries = 4\n";
	const char *late = "net.ipv4.tcp_keepalive_* = 77\n-net.ipv4.tcp_keepalive_probes\nnet.ipv4.tcp_syn* = 9\n";
	struct sysctl_config c = { 0 };
	struct sysctl_probe probe = { no_keepalive_intvl, NULL, NULL };

	(void)state;
	sysctld_add_text(&c, "/etc/sysctl.d/10-early.conf", early, strlen(early), NULL);
	sysctld_add_text(&c, "/etc/sysctl.d/20-late.conf", late, strlen(late), NULL);
	/* an explicit key beats a glob whatever the order */
	assert_string_equal(value_of(&c, "net.ipv4.tcp_keepalive_time", &probe), "10");
	/* "-key" keeps it out of globs */
	assert_null(value_of(&c, "net.ipv4.tcp_keepalive_probes", &probe));
	/* a glob only reaches keys that exist */
	assert_null(value_of(&c, "net.ipv4.tcp_keepalive_intvl", &probe));
	/* of two matching globs, the one written last wins */
	assert_string_equal(value_of(&c, "net.ipv4.tcp_syn_retries", &probe), "9");
	assert_string_equal(value_of(&c, "net.ipv4.tcp_orphan_retries", &probe), "4");
	/* a glob does not cross a separator */
	assert_null(value_of(&c, "net.ipv4.conf.all.tcp_x", &probe));
	sysctld_free(&c);
	/* as glob(3): a bracket holding a separator matches nothing */
	{
		const char *g = "net.ipv4.tcp_fin[._]timeout = 20\nnet.ipv4.tcp_orphan_retri[a-z]s = 2\n";

		sysctld_add_text(&c, "/etc/sysctl.d/g.conf", g, strlen(g), NULL);
		assert_null(value_of(&c, "net.ipv4.tcp_fin_timeout", &probe));
		assert_string_equal(value_of(&c, "net.ipv4.tcp_orphan_retries", &probe), "2");
		sysctld_free(&c);
	}
}

static void test_systemd_and_procps_differ(void **state)
{
	const char *a = "net.ipv4.x = 33\nnet.ipv4.y = 3\n";
	const char *b = "-net.ipv4.x = junk\n-net.ipv4.y\n";
	struct sysctl_config sd = { 0 }, pp = { .procps = true };
	struct sysctl_probe probe = { NULL, numbers_only, NULL };

	(void)state;
	sysctld_add_text(&sd, "/etc/sysctl.d/60-a.conf", a, strlen(a), NULL);
	sysctld_add_text(&sd, "/etc/sysctl.d/70-b.conf", b, strlen(b), NULL);
	sysctld_add_text(&pp, "/etc/sysctl.d/60-a.conf", a, strlen(a), NULL);
	sysctld_add_text(&pp, "/etc/sysctl.d/70-b.conf", b, strlen(b), NULL);
	/* systemd writes only the last assignment: refused, the value stays */
	assert_null(value_of(&sd, "net.ipv4.x", &probe));
	/* an exclusion after an assignment drops it */
	assert_null(value_of(&sd, "net.ipv4.y", &probe));
	/* procps wrote each in turn: the last that took stays */
	assert_string_equal(value_of(&pp, "net.ipv4.x", &probe), "33");
	assert_string_equal(value_of(&pp, "net.ipv4.y", &probe), "3");
	sysctld_free(&sd);
	sysctld_free(&pp);
}

static char root[64];

static void put(const char *rel, const char *text)
{
	char path[256], cmd[300], *slash;
	FILE *f;

	snprintf(path, sizeof(path), "%s%s", root, rel);
	snprintf(cmd, sizeof(cmd), "mkdir -p '%s'", path);
	slash = strrchr(cmd, '/');
	strcpy(slash, "'");
	assert_int_equal(system(cmd), 0);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static void link_to(const char *rel, const char *target)
{
	char path[256], cmd[300];

	snprintf(path, sizeof(path), "%s%s", root, rel);
	snprintf(cmd, sizeof(cmd), "mkdir -p \"$(dirname '%s')\"", path);
	assert_int_equal(system(cmd), 0);
	assert_int_equal(symlink(target, path), 0);
}

static void test_files_across_directories(void **state)
{
	struct sysctl_config c;
	struct diags d;
	char cmd[512];

	(void)state;
	strcpy(root, "/tmp/fintune-sysctld-XXXXXX");
	assert_non_null(mkdtemp(root));
	put("/usr/lib/sysctl.d/50-a.conf", "net.ipv4.a = usr\n");
	put("/etc/sysctl.d/50-a.conf", "net.ipv4.a = etc\n");
	put("/usr/lib/sysctl.d/40-b.conf", "net.ipv4.b = usr-lib-40\nnet.ipv4.c = 40\n");
	put("/run/sysctl.d/45-c.conf", "net.ipv4.c = 45\n");
	put("/usr/lib/sysctl.d/70-masked.conf", "net.ipv4.m = 1\n");
	link_to("/etc/sysctl.d/70-masked.conf", "/dev/null");
	put("/etc/sysctl.conf", "net.ipv4.c = conf\n");
	/* an absolute link is followed inside the root, never to the host */
	link_to("/etc/sysctl.d/99-sysctl.conf", "/etc/sysctl.conf");
	put("/etc/sysctl.d/.hidden.conf", "net.ipv4.h = 1\n");
	put("/etc/sysctl.d/notes.txt", "net.ipv4.n = 1\n");
	diags_init(&d);
	assert_int_equal(sysctld_load(&c, root, false, NULL, NULL, &d), 0);
	/* a name in /etc masks it in /usr/lib */
	assert_string_equal(value_of(&c, "net.ipv4.a", NULL), "etc");
	/* ordered by name across directories: 99-sysctl.conf is read last */
	assert_string_equal(value_of(&c, "net.ipv4.c", NULL), "conf");
	{
		char where[256];

		sysctld_describe(sysctld_resolve(&c, "net.ipv4.c", NULL).entry, where, sizeof(where));
		assert_string_equal(where, "/etc/sysctl.d/99-sysctl.conf:1 (-> /etc/sysctl.conf)");
	}
	assert_null(value_of(&c, "net.ipv4.m", NULL));
	assert_null(value_of(&c, "net.ipv4.h", NULL));
	assert_null(value_of(&c, "net.ipv4.n", NULL));
	sysctld_free(&c);
	/* procps: hidden files too, and /etc/sysctl.conf once more at the end */
	put("/etc/sysctl.d/99-zz.conf", "net.ipv4.c = zz\n");
	assert_int_equal(sysctld_load(&c, root, true, NULL, NULL, &d), 0);
	assert_string_equal(value_of(&c, "net.ipv4.c", NULL), "conf");
	assert_string_equal(value_of(&c, "net.ipv4.h", NULL), "1");
	sysctld_free(&c);
	assert_int_equal(sysctld_load(&c, root, false, NULL, NULL, &d), 0);
	assert_string_equal(value_of(&c, "net.ipv4.c", NULL), "zz");
	sysctld_free(&c);
	/* nothing outside the root is read: not through an absolute link in a
	 * directory of the path, not by climbing with "..", not through a
	 * linked directory */
	{
		char outside[128], abs[160], climb[256];

		snprintf(outside, sizeof(outside), "%s-outside", root);
		snprintf(cmd, sizeof(cmd), "mkdir -p '%s' && echo 'net.ipv4.esc = host' >'%s/x.conf'", outside, outside);
		assert_int_equal(system(cmd), 0);
		snprintf(abs, sizeof(abs), "%s/x.conf", outside);
		snprintf(climb, sizeof(climb), "../../../../../../../../../..%s/x.conf", outside);
		link_to("/etc/sysctl.d/80-abs.conf", abs);
		link_to("/etc/sysctl.d/81-climb.conf", climb);
		link_to("/usr/local/lib/sysctl.d", outside);
		put("/usr/lib/sysctl.d/deep/a.txt", "net.ipv4.deep = usr\n");
		put("/etc/sysctl.d/a.txt", "net.ipv4.deep = etc\n");
		link_to("/etc/sysctl.d/sub", "/usr/lib/sysctl.d/deep");
		/* the kernel resolves sub first, then ".." from where it led */
		link_to("/etc/sysctl.d/82-dotdot.conf", "sub/../deep/a.txt");
		assert_int_equal(sysctld_load(&c, root, false, NULL, NULL, &d), 0);
		assert_null(value_of(&c, "net.ipv4.esc", NULL));
		assert_string_equal(value_of(&c, "net.ipv4.deep", NULL), "usr");
		sysctld_free(&c);
		snprintf(cmd, sizeof(cmd), "rm -rf '%s' '%s/etc/sysctl.d/8'* '%s/usr/local/lib/sysctl.d'", outside, root, root);
		assert_int_equal(system(cmd), 0);
		d.errors = 0;
	}
	/* fintune's drop-in as it would be written replaces the one on disk */
	put("/etc/sysctl.d/60-fintune.conf", "net.ipv4.f = old\n");
	assert_int_equal(sysctld_load(&c, root, false, "60-fintune.conf", "net.ipv4.f = new\n", &d), 0);
	assert_string_equal(value_of(&c, "net.ipv4.f", NULL), "new");
	sysctld_free(&c);
	assert_int_equal(d.errors, 0);
	diags_free(&d);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	assert_int_equal(system(cmd), 0);
}

/* Two views alike: the same entries, in order, from the same lines. */
static void assert_same_view(const struct sysctl_config *a, const struct sysctl_config *b)
{
	assert_int_equal(a->n_entries, b->n_entries);
	for (size_t i = 0; i < a->n_entries; i++) {
		const struct sysctl_entry *x = &a->entries[i], *y = &b->entries[i];

		assert_string_equal(x->key, y->key);
		assert_true((!x->value && !y->value) || (x->value && y->value && !strcmp(x->value, y->value)));
		assert_true((!x->spelled && !y->spelled) || (x->spelled && y->spelled && !strcmp(x->spelled, y->spelled)));
		assert_int_equal(x->line, y->line);
		assert_string_equal(x->file->path, y->file->path);
	}
}

static void assert_same_diags(const struct diags *a, const struct diags *b)
{
	assert_int_equal(a->n, b->n);
	for (size_t i = 0; i < a->n; i++) {
		assert_string_equal(a->v[i].file, b->v[i].file);
		assert_int_equal(a->v[i].line, b->v[i].line);
		assert_string_equal(a->v[i].msg, b->v[i].msg);
	}
}

/* A tree read for some keys keeps of each file only the lines that may be
 * of them (or warned about), and every view of those keys is what a tree
 * read whole gives; a procps view built for its probe resolves as the
 * full one does. */
static void test_reading_for_keys(void **state)
{
	static const char *const keys[] = { "net/ipv4/a", "net/ipv4/c", NULL };
	static const char *const asked[] = { "net.ipv4.a", "net.ipv4.c", "net.ipv4.other" };
	const struct sysctl_probe probe = { NULL, numbers_only, NULL };
	struct sysctl_tree all, some;
	struct host h;
	char cmd[300];

	(void)state;
	strcpy(root, "/tmp/fintune-sysctld-XXXXXX");
	assert_non_null(mkdtemp(root));
	put("/usr/lib/sysctl.d/10-many.conf", "# comment\nnet.ipv4.b = 1\nnet.ipv4.a = 1\n; other\nkernel.x = 2\n"
					       "net/ipv4/c = 3\nnet.ipv4.a = 1\n\nnet.ipv4.a = x\nnet.ipv4.b=9\n");
	put("/etc/sysctl.d/20-odd.conf", "not an assignment\n- net.ipv4.a = 4\n-net.ipv4.c\nnet..ipv4.a = 5\n"
					 "net.ipv4.. = 6\n = 7\nnet.ipv4.a. = 8\n/net/ipv4/c = 9\nnet.ipv4.? = 10\n"
					 "net.ipv4.zz = 11");
	put("/run/sysctl.d/30-cr.conf", "net.ipv4.b = 1\r\nnet.ipv4.a = 12\rnet.ipv4.c = 13\n");
	put("/etc/sysctl.conf", "# conf\nnet.ipv4.q = 1\nnet.ipv4.c = 14\n");
	link_to("/etc/sysctl.d/99-sysctl.conf", "/etc/sysctl.conf");
	assert_int_equal(host_open(&h, root), 0);
	assert_int_equal(sysctld_read(&all, &h, NULL, NULL, NULL, NULL), 0);
	assert_int_equal(sysctld_read(&some, &h, keys, NULL, NULL, NULL), 0);
	host_close(&h);
	/* a file of other keys keeps empty lines where they were */
	for (size_t i = 0; i < some.n; i++)
		if (!strcmp(some.files[i].name, "10-many.conf"))
			assert_string_equal(some.files[i].text, "\n\nnet.ipv4.a = 1\n\n\nnet/ipv4/c = 3\nnet.ipv4.a = 1\n\nnet.ipv4.a = x\n");
	for (int procps = 0; procps < 2; procps++) {
		struct sysctl_config a, b, p;
		struct diags da, db;

		diags_init(&da);
		diags_init(&db);
		assert_int_equal(sysctld_build(&a, &all, procps, NULL, NULL, keys, &da), 0);
		assert_int_equal(sysctld_build(&b, &some, procps, NULL, NULL, keys, &db), 0);
		assert_same_view(&a, &b);
		assert_same_diags(&da, &db);
		assert_true(da.n > 0);
		sysctld_free(&b);
		assert_int_equal(sysctld_build(&b, &some, procps, "20-odd.conf", "net.ipv4.a = 15\n", keys, NULL), 0);
		assert_int_equal(sysctld_build_probed(&p, &some, procps, "20-odd.conf", "net.ipv4.a = 15\n", keys, &probe,
						      NULL), 0);
		for (size_t i = 0; i < ARRAY_SIZE(asked); i++) {
			const struct sysctl_entry *x = sysctld_resolve(&b, asked[i], &probe).entry;
			const struct sysctl_entry *y = sysctld_resolve(&p, asked[i], &probe).entry;

			assert_true(x == y || (x && y && x->line == y->line && !strcmp(x->file->path, y->file->path) &&
					       !strcmp(x->value, y->value)));
		}
		sysctld_free(&a);
		sysctld_free(&b);
		sysctld_free(&p);
		diags_free(&da);
		diags_free(&db);
	}
	sysctld_tree_free(&all);
	sysctld_tree_free(&some);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	assert_int_equal(system(cmd), 0);
}

/* unified_diff of two C strings */
static void diff_str(struct strbuf *sb, const char *a, const char *b)
{
	unified_diff(sb, "a", a, a ? strlen(a) : 0, "b", b, b ? strlen(b) : 0, false);
}

static void test_textdiff(void **state)
{
	struct strbuf sb;

	(void)state;
	sb_init(&sb);
	diff_str(&sb, "x\ny\n", "x\ny\n");
	assert_int_equal(sb.len, 0);
	diff_str(&sb, NULL, "one\ntwo\n");
	assert_string_equal(sb.s, "--- /dev/null\n+++ b\n@@ -0,0 +1,2 @@\n+one\n+two\n");
	sb_reset(&sb);
	/* a NUL byte is text: what follows it is not equal to nothing */
	unified_diff(&sb, "a", "x\n\0\ny\n", 6, "b", "x\n", 2, false);
	assert_string_equal(sb.s, "--- a\n+++ b\n@@ -1,3 +1,1 @@\n x\n-\\x00\n-y\n");
	sb_reset(&sb);
	diff_str(&sb, "1\n2\n3\n4\n5\n6\n7\n8\n9\n", "1\n2\n3\n4\nfive\n6\n7\n8\n9");
	assert_string_equal(sb.s, "--- a\n+++ b\n@@ -2,8 +2,8 @@\n 2\n 3\n 4\n-5\n+five\n 6\n 7\n 8\n-9\n+9\n"
				  "\\ No newline at end of file\n");
	sb_free(&sb);
}

static void test_dropin_names(void **state)
{
	(void)state;
	assert_true(dropin_name_valid("60-fintune.conf"));
	assert_false(dropin_name_valid("../60-fintune.conf"));
	assert_false(dropin_name_valid(".conf"));
	assert_false(dropin_name_valid(".hidden.conf"));
	assert_false(dropin_name_valid("60-fintune"));
	assert_true(dropin_is_ours("# Written by fintune. Do not edit.\n"));
	assert_false(dropin_is_ours("# written by hand\n# Written by fintune.\n"));
	assert_false(dropin_is_ours(NULL));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_normalize),
		cmocka_unit_test(test_parse_lines),
		cmocka_unit_test(test_line_ends),
		cmocka_unit_test(test_procps_quirks),
		cmocka_unit_test(test_long_line_and_many_keys),
		cmocka_unit_test(test_globs_and_exclusions),
		cmocka_unit_test(test_systemd_and_procps_differ),
		cmocka_unit_test(test_files_across_directories),
		cmocka_unit_test(test_reading_for_keys),
		cmocka_unit_test(test_textdiff),
		cmocka_unit_test(test_dropin_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
