// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Runs the official JSON Schema test suite (draft 2020-12 files) through
 * fintune's own loader and validator.
 *
 *   run-suite SUITE_DIR SKIP_FILE
 *
 * SKIP_FILE lists, one per line, "FILE | GROUP DESCRIPTION | REASON": the
 * groups that need a remote reference. Every skip is printed with its reason.
 * A skip that matches no group, or a skipped group that now passes, is an
 * error too, so the list cannot rot. Exit 0 only when every other test passes.
 */
#include "load.h"
#include "schema.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct skip {
	char *file, *group, *reason;
	bool used;
};

static struct skip skips[64];
static size_t n_skips;

static char *trim(char *s)
{
	char *e;

	while (*s == ' ' || *s == '\t')
		s++;
	e = s + strlen(s);
	while (e > s && strchr(" \t\r\n", e[-1]))
		*--e = '\0';
	return s;
}

static int load_skips(const char *path)
{
	FILE *f = fopen(path, "re");
	char line[1024];
	unsigned lineno = 0;

	if (!f) {
		perror(path);
		return -1;
	}
	while (fgets(line, sizeof(line), f)) {
		char *a, *b, *c;

		lineno++;
		a = trim(line);
		if (!*a || *a == '#')
			continue;
		b = strchr(a, '|');
		c = b ? strchr(b + 1, '|') : NULL;
		if (!c || n_skips == sizeof(skips) / sizeof(skips[0])) {
			fprintf(stderr, "%s:%u: expected FILE | GROUP | REASON\n", path, lineno);
			fclose(f);
			return -1;
		}
		*b++ = '\0';
		*c++ = '\0';
		skips[n_skips].file = strdup(trim(a));
		skips[n_skips].group = strdup(trim(b));
		skips[n_skips].reason = strdup(trim(c));
		n_skips++;
	}
	fclose(f);
	return 0;
}

static struct skip *find_skip(const char *file, const char *group)
{
	for (size_t i = 0; i < n_skips; i++)
		if (strcmp(skips[i].file, file) == 0 && strcmp(skips[i].group, group) == 0)
			return &skips[i];
	return NULL;
}

static int filter_json(const struct dirent *d)
{
	size_t n = strlen(d->d_name);

	return n > 5 && strcmp(d->d_name + n - 5, ".json") == 0;
}

struct totals {
	unsigned passed, failed, skipped;
};

static void run_group(const char *file, const struct doc *doc, const struct node *g, struct totals *t)
{
	const struct node *desc = node_get_type(g, "description", NODE_STRING);
	const struct node *schema = node_get(g, "schema");
	const struct node *tests = node_get_type(g, "tests", NODE_ARRAY);
	struct skip *skip = desc ? find_skip(file, desc->u.str.s) : NULL;
	struct diags d;
	struct schema *s;
	unsigned group_failed = 0;

	if (!desc || !schema || !tests) {
		fprintf(stderr, "%s: malformed test group\n", file);
		t->failed++;
		return;
	}
	diags_init(&d);
	s = schema_compile_node(doc, schema, &d);
	for (size_t i = 0; i < tests->u.arr.n; i++) {
		const struct node *tc = tests->u.arr.v[i];
		const struct node *data = node_get(tc, "data");
		const struct node *valid = node_get_type(tc, "valid", NODE_BOOL);
		const struct node *tdesc = node_get_type(tc, "description", NODE_STRING);
		struct diags vd;
		bool got;

		if (!data || !valid) {
			group_failed++;
			continue;
		}
		if (!s) {
			group_failed++;
			if (!skip) {
				fprintf(stderr, "FAIL %s: %s: schema refused:\n", file, desc->u.str.s);
				diags_print(&d, stderr);
			}
			break;
		}
		diags_init(&vd);
		got = schema_validate_node(s, file, data, &vd);
		/* a verdict of "invalid" must come with at least one message */
		if (got != valid->u.b || (!got && vd.n == 0)) {
			group_failed++;
			if (!skip)
				fprintf(stderr, "FAIL %s: %s: %s: expected %s, got %s\n", file, desc->u.str.s,
					tdesc ? tdesc->u.str.s : "?", valid->u.b ? "valid" : "invalid",
					got ? "valid" : "invalid");
		}
		diags_free(&vd);
	}
	if (skip) {
		skip->used = true;
		if (group_failed == 0) {
			fprintf(stderr, "FAIL %s: %s: listed as skipped but passes: drop it from the skip list\n",
				file, desc->u.str.s);
			t->failed++;
		} else {
			printf("  skip %s: %s (%zu tests): %s\n", file, desc->u.str.s, tests->u.arr.n, skip->reason);
			t->skipped += (unsigned)tests->u.arr.n;
		}
	} else {
		t->failed += group_failed;
		t->passed += (unsigned)tests->u.arr.n - (group_failed > tests->u.arr.n ? 0 : group_failed);
	}
	schema_free(s);
	diags_free(&d);
}

int main(int argc, char **argv)
{
	struct dirent **names;
	struct totals t = { 0 };
	int n, status = 0;

	if (argc != 3) {
		fprintf(stderr, "usage: %s SUITE_DIR SKIP_FILE\n", argv[0]);
		return 2;
	}
	if (load_skips(argv[2]) < 0)
		return 2;
	n = scandir(argv[1], &names, filter_json, alphasort);
	if (n < 0) {
		perror(argv[1]);
		return 2;
	}
	for (int i = 0; i < n; i++) {
		char path[4096];
		struct diags d;
		struct doc *doc;

		snprintf(path, sizeof(path), "%s/%s", argv[1], names[i]->d_name);
		diags_init(&d);
		doc = doc_load_file(path, names[i]->d_name, NULL, &d);
		if (!doc || d.errors) {
			fprintf(stderr, "FAIL %s: the loader refused the file:\n", names[i]->d_name);
			diags_print(&d, stderr);
			t.failed++;
		} else if (doc->root->type == NODE_ARRAY) {
			for (size_t g = 0; g < doc->root->u.arr.n; g++)
				run_group(names[i]->d_name, doc, doc->root->u.arr.v[g], &t);
		}
		doc_free(doc);
		diags_free(&d);
		free(names[i]);
	}
	free(names);
	for (size_t i = 0; i < n_skips; i++) {
		if (!skips[i].used) {
			fprintf(stderr, "FAIL skip list: %s: %s matches no test group\n", skips[i].file, skips[i].group);
			t.failed++;
		}
		free(skips[i].file);
		free(skips[i].group);
		free(skips[i].reason);
	}
	printf("  SUITE   JSON Schema test suite: %u passed, %u failed, %u skipped (remote references)\n",
	       t.passed, t.failed, t.skipped);
	if (t.failed)
		status = 1;
	return status;
}
