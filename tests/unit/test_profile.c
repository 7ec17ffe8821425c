// SPDX-License-Identifier: GPL-2.0-or-later
/* Profiles: built-ins, extends chains, local profiles under --root, pins and
 * the checks the schema cannot make. */
#include "helpers.h"
#include "builtin.h"
#include "profile.h"

#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

static char root[64];

static int make_root(void **state)
{
	char path[128];

	(void)state;
	strcpy(root, "/tmp/fintune-test-XXXXXX");
	if (!mkdtemp(root))
		return -1;
	snprintf(path, sizeof(path), "%s/etc", root);
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/etc/fintune", root);
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/etc/fintune/profiles", root);
	return mkdir(path, 0755);
}

static int remove_root(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	return system(cmd) == 0 ? 0 : -1;
}

static char *write_file(const char *rel, const char *text)
{
	char *path = NULL;
	FILE *f;

	assert_true(asprintf(&path, "%s/%s", root, rel) > 0);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	return path;
}

static struct profile *load(struct profile_loader *l, const char *spec, struct diags *d)
{
	struct profile *p = profile_load(l, spec, d);

	if (!p)
		diags_print(d, stderr);
	return p;
}

static void test_builtins_are_valid(void **state)
{
	struct diags d;
	struct profile_loader *l;

	(void)state;
	diags_init(&d);
	l = profile_loader_new(root, &d);
	assert_non_null(l);
	for (size_t i = 0; i < builtin_profiles_count; i++) {
		struct profile *p = load(l, builtin_profiles[i].name, &d);

		assert_non_null(p);
		assert_string_equal(p->name, builtin_profiles[i].name);
		assert_int_equal(p->n_files, 1);
		profile_free(p);
	}
	assert_int_equal(d.n, 0);
	profile_loader_free(l);
	diags_free(&d);
}

static void test_defaults_come_from_the_schema(void **state)
{
	struct diags d;
	struct profile_loader *l;
	struct workload w;
	struct profile *p;
	char *path;

	(void)state;
	diags_init(&d);
	l = profile_loader_new(root, &d);
	assert_non_null(l);
	assert_int_equal(workload_defaults(profile_loader_schema(l), &w), 0);
	assert_true(w.rtt_ms == 50);
	assert_int_equal(w.memory_budget_mib, 256);
	assert_int_equal(w.in.closes_first, CLOSER_PEER);
	assert_int_equal(w.out.closes_first, CLOSER_US);
	assert_int_equal(w.out.destinations, 1);
	path = write_file("minimal.yaml", "fintune: 1\nname: minimal\n");
	p = load(l, path, &d);
	assert_non_null(p);
	assert_memory_equal(&p->w, &w, sizeof(w));
	/* no origin file: the value is the schema's default */
	assert_null(p->origin[WF_RTT_MS].file);
	profile_free(p);
	profile_loader_free(l);
	diags_free(&d);
	free(path);
}

static void test_extends_overrides_and_remembers_origins(void **state)
{
	struct diags d;
	struct profile_loader *l;
	struct profile *p;
	char *path;

	(void)state;
	diags_init(&d);
	l = profile_loader_new(root, &d);
	path = write_file("site.yaml", "fintune: 1\nname: site\nextends: reverse-proxy\n"
				       "workload:\n  inbound:\n    close_rate: 9000\n"
				       "pin:\n  net.ipv4.ip_local_port_range: [1024, 65000]\n"
				       "  net.ipv4.tcp_fin_timeout: 20\n");
	p = load(l, path, &d);
	assert_non_null(p);
	assert_string_equal(p->name, "site");
	assert_int_equal(p->n_files, 2);
	assert_string_equal(p->files[1].display, "<builtin>/reverse-proxy.yaml");
	/* overridden here, inherited there */
	assert_int_equal(p->w.in.close_rate, 9000);
	assert_string_equal(p->origin[WF_IN_CLOSE_RATE].file, path);
	assert_int_equal(p->origin[WF_IN_CLOSE_RATE].line, 6);
	assert_int_equal(p->w.out.destinations, 4);
	assert_string_equal(p->origin[WF_OUT_DESTINATIONS].file, "<builtin>/reverse-proxy.yaml");
	assert_true(p->w.in.behind_nat);
	/* the description is inherited when the child has none */
	assert_non_null(strstr(p->description, "Reverse proxy"));
	/* pins in the form /proc/sys reads them */
	assert_string_equal(profile_pin(p, "net.ipv4.ip_local_port_range")->value, "1024 65000");
	assert_string_equal(profile_pin(p, "net.ipv4.tcp_fin_timeout")->value, "20");
	profile_free(p);
	profile_loader_free(l);
	diags_free(&d);
	free(path);
}

static void test_local_profiles_and_names(void **state)
{
	struct diags d;
	struct profile_loader *l;
	struct profile *p;
	char **names;
	char *a, *b;

	(void)state;
	a = write_file("etc/fintune/profiles/web.yaml",
		       "fintune: 1\nname: web\nextends: reverse-proxy\npin:\n  net.ipv4.ip_local_port_range: \"2000   3000\"\n");
	/* a local profile with a built-in's name is used instead of it */
	b = write_file("etc/fintune/profiles/outbound-client.yaml",
		       "fintune: 1\nname: outbound-client\ndescription: site copy\n");
	diags_init(&d);
	l = profile_loader_new(root, &d);
	p = load(l, "web", &d);
	assert_non_null(p);
	assert_string_equal(profile_pin(p, "net.ipv4.ip_local_port_range")->value, "2000 3000");
	profile_free(p);
	p = load(l, "outbound-client", &d);
	assert_non_null(p);
	assert_string_equal(p->description, "site copy");
	profile_free(p);
	p = profile_load_builtin(l, "outbound-client", &d);
	assert_non_null(p);
	assert_string_not_equal(p->description, "site copy");
	profile_free(p);
	names = profile_local_names(l);
	assert_string_equal(names[0], "outbound-client");
	assert_string_equal(names[1], "web");
	assert_null(names[2]);
	profile_names_free(names);
	/* a typo is answered with the names on offer */
	assert_null(profile_load(l, "wbe", &d));
	assert_true(has_diag(&d, 0, 0, NULL, "no profile named \"wbe\" (built-in: reverse-proxy outbound-client long-half-close; local: outbound-client web); did you mean \"web\"?"));
	profile_loader_free(l);
	diags_free(&d);
	unlink(a);
	unlink(b);
	free(a);
	free(b);
}

static void test_extends_errors(void **state)
{
	struct diags d;
	struct profile_loader *l;
	char *a, *b, *c;

	(void)state;
	a = write_file("a.yaml", "fintune: 1\nname: a\nextends: b.yaml\n");
	b = write_file("b.yaml", "fintune: 1\nname: b\nextends: ./a.yaml\n");
	c = write_file("c.yaml", "fintune: 1\nname: c\nextends: missing-parent\n");
	diags_init(&d);
	l = profile_loader_new(root, &d);
	assert_null(profile_load(l, a, &d));
	assert_true(has_diag(&d, 3, 10, "/extends", "extends cycle:"));
	assert_null(profile_load(l, c, &d));
	assert_true(has_diag(&d, 3, 10, "/extends", "no profile named \"missing-parent\""));
	assert_null(profile_load(l, "../../etc/passwd-ish", &d));
	profile_loader_free(l);
	diags_free(&d);
	free(a);
	free(b);
	free(c);
}

static void test_semantic_checks(void **state)
{
	struct diags d;
	struct profile_loader *l;
	struct profile *p;
	char *a, *b, *c;

	(void)state;
	a = write_file("range.yaml", "fintune: 1\nname: r\npin:\n  net.ipv4.ip_local_port_range: [40000, 30000]\n");
	b = write_file("reuse.yaml", "fintune: 1\nname: r\nextends: reverse-proxy\npin:\n  net.ipv4.tcp_tw_reuse: 1\n  net.ipv4.tcp_timestamps: 0\n");
	c = write_file("retries.yaml", "fintune: 1\nname: r\npin:\n  net.ipv4.tcp_orphan_retries: 0\n");
	diags_init(&d);
	l = profile_loader_new(root, &d);
	assert_null(profile_load(l, a, &d));
	assert_true(has_diag(&d, 4, 33, "/pin/net.ipv4.ip_local_port_range", "low port 40000 is above high port 30000"));
	assert_null(profile_load(l, b, &d));
	assert_true(has_diag(&d, 5, 26, "/pin/net.ipv4.tcp_tw_reuse", "needs TCP timestamps"));
	diags_free(&d);
	/* 0 is valid but means 8 retries: a warning, not an error */
	diags_init(&d);
	p = profile_load(l, c, &d);
	assert_non_null(p);
	assert_int_equal(d.errors, 0);
	assert_true(has_diag(&d, 4, 32, NULL, "the kernel reads 0 as 8"));
	assert_true(d.v[0].warning);
	profile_free(p);
	profile_loader_free(l);
	diags_free(&d);
	free(a);
	free(b);
	free(c);
}

/* A pin written as a string is one problem, the type: the rule against
 * 61..119 is about numbers and must not also fire on "30". */
static void test_string_pin_is_only_a_type_error(void **state)
{
	struct diags d;
	struct profile_loader *l;
	char *a;

	(void)state;
	a = write_file("quoted.yaml", "fintune: 1\nname: q\npin:\n  net.ipv4.tcp_fin_timeout: \"30\"\n");
	diags_init(&d);
	l = profile_loader_new(root, &d);
	assert_non_null(l);
	assert_null(profile_load(l, a, &d));
	assert_int_equal(d.errors, 1);
	assert_int_equal(d.n, 1);
	assert_true(has_diag(&d, 4, 29, "/pin/net.ipv4.tcp_fin_timeout", "found string \"30\", expected integer"));
	profile_loader_free(l);
	diags_free(&d);
	free(a);
}

/* The compiled-in copies are the files of the tree (make runs the tests
 * from the top of it). */
static void test_builtins_are_the_tree_files(void **state)
{
	(void)state;
	for (size_t i = 0; i <= builtin_profiles_count; i++) {
		const struct builtin *b = i < builtin_profiles_count ? &builtin_profiles[i] : &builtin_schema;
		char path[128], *text = NULL;
		size_t len = 0;
		const char *why;

		snprintf(path, sizeof(path), i < builtin_profiles_count ? "profiles/%s.yaml" : "schema/%s", b->name);
		assert_int_equal(read_file_limited(path, 1 << 20, &text, &len, &why), 0);
		assert_int_equal(len, strlen(b->data));
		assert_memory_equal(text, b->data, len);
		free(text);
	}
}

static void test_local_override_extends_the_builtin(void **state)
{
	struct diags d;
	struct profile_loader *l;
	struct profile *p;
	char *a;

	(void)state;
	a = write_file("etc/fintune/profiles/reverse-proxy.yaml",
		       "fintune: 1\nname: reverse-proxy\nextends: reverse-proxy\nworkload:\n  rtt_ms: 7\n");
	diags_init(&d);
	l = profile_loader_new(root, &d);
	p = load(l, "reverse-proxy", &d);
	assert_non_null(p);
	assert_int_equal(p->n_files, 2);
	assert_string_equal(p->files[1].display, "<builtin>/reverse-proxy.yaml");
	assert_true(p->w.rtt_ms == 7);
	assert_int_equal(p->w.in.close_rate, 3000);
	profile_free(p);
	profile_loader_free(l);
	diags_free(&d);
	unlink(a);
	free(a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_builtins_are_valid),
		cmocka_unit_test(test_defaults_come_from_the_schema),
		cmocka_unit_test(test_extends_overrides_and_remembers_origins),
		cmocka_unit_test(test_local_profiles_and_names),
		cmocka_unit_test(test_extends_errors),
		cmocka_unit_test(test_semantic_checks),
		cmocka_unit_test(test_string_pin_is_only_a_type_error),
		cmocka_unit_test(test_builtins_are_the_tree_files),
		cmocka_unit_test(test_local_override_extends_the_builtin),
	};

	return cmocka_run_group_tests(tests, make_root, remove_root);
}
