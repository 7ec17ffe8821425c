// SPDX-License-Identifier: GPL-2.0-or-later
/* fintune validate: profiles against the profile schema, or any document
 * against any schema. */
#include "advise.h"
#include "common.h"
#include "kernel.h"
#include "snapshot.h"
#include "load.h"
#include "output.h"
#include "profile.h"
#include "report.h"
#include "schema.h"
#include "util.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct result {
	const char *input;
	bool valid;
	struct diags d;
	enum error_code code;	/* what its errors are: invalid-profile, or refused */
	json_t *files;	/* the files that were read, for JSON output */
};

static void report(const struct common *c, struct result *r, const char *note, json_t *out,
		   const struct profile *p)
{
	diags_sort(&r->d);
	if (c->format == FORMAT_JSON) {
		json_t *o = json_object();

		json_object_set_new(o, "input", json_string(r->input));
		json_object_set_new(o, "valid", json_boolean(r->valid));
		json_object_set_new(o, "files", r->files ? r->files : json_array());
		json_object_set_new(o, "problems", diags_to_json(&r->d));
		json_array_append_new(out, o);
		r->files = NULL;
		/* the problems are in the document: none on stderr */
		report_remember_diags(r->code, &r->d);
		return;
	}
	report_diags(r->code, &r->d);
	if (r->valid && !c->quiet) {
		char input[PATH_MAX], extends[PATH_MAX + 32];

		printf("%s: valid%s\n", printable(input, sizeof(input), r->input),
		       note ? printable(extends, sizeof(extends), note) : "");
	}
	if (r->valid && c->verbose && p) {
		char path[PATH_MAX], key[256];

		/* the merged workload, each value with where it comes from */
		profile_print_workload(stdout, p);
		for (size_t i = 0; i < p->n_pins; i++)
			printf("  pin %-26s %-10s %s:%u:%u\n", printable(key, sizeof(key), p->pins[i].key),
			       p->pins[i].value, printable(path, sizeof(path), p->pins[i].origin.file),
			       p->pins[i].origin.line, p->pins[i].origin.col);
	}
}

/* What plan would refuse on this kernel, located at the pins to blame. Only
 * for a profile that loaded: the advisor never sees a document the schema
 * or the semantic checks rejected. */
static bool refusals(const struct profile *p, const struct kernel *k, struct advice *a, struct diags *d)
{
	struct advisor_input in = { .w = &p->w, .pins = p->pins, .n_pins = p->n_pins, .k = k };

	if (advise(&in, a) == 0)
		return false;
	advice_locate_errors(a, p, d);
	return true;
}

static bool validate_profile(const struct common *c, struct profile_loader *l, const struct kernel *k,
			     struct advice *a, const char *spec, json_t *out)
{
	struct result r = { .input = spec };
	struct profile *p;
	char note[256] = "";

	diags_init(&r.d);
	p = profile_load(l, spec, &r.d);
	r.code = p ? ERR_REFUSED : ERR_PROFILE;
	r.valid = p != NULL && !refusals(p, k, a, &r.d);
	r.files = json_array();
	if (p) {
		for (size_t i = 0; i < p->n_files; i++)
			json_array_append_new(r.files, json_string(p->files[i].display));
		if (p->n_files > 1) {
			size_t len = 0;

			len += (size_t)snprintf(note + len, sizeof(note) - len, " (extends");
			for (size_t i = 1; i < p->n_files && len < sizeof(note); i++)
				len += (size_t)snprintf(note + len, sizeof(note) - len, " %s",
							p->files[i].display);
			if (len < sizeof(note))
				snprintf(note + len, sizeof(note) - len, ")");
		}
	}
	report(c, &r, note, out, p);
	profile_free(p);
	diags_free(&r.d);
	if (r.files)
		json_decref(r.files);
	return r.valid;
}

static bool validate_document(const struct common *c, struct schema *s, const char *path, json_t *out)
{
	struct result r = { .input = path, .code = ERR_PROFILE };
	struct doc *doc;

	diags_init(&r.d);
	r.files = json_array();
	json_array_append_new(r.files, json_string(strcmp(path, "-") == 0 ? "<stdin>" : path));
	doc = doc_load_file(path, NULL, NULL, &r.d);
	r.valid = doc && schema_validate(s, doc, &r.d) && r.d.errors == 0;
	report(c, &r, NULL, out, NULL);
	doc_free(doc);
	diags_free(&r.d);
	if (r.files)
		json_decref(r.files);
	return r.valid;
}

int validate_main(int argc, char **argv)
{
	static const struct option longopts[] = {
		COMMON_LONGOPTS,
		{ "schema", required_argument, NULL, 's' },
		{ 0 },
	};
	struct common c;
	const char *schema_path = NULL;
	struct profile_loader *loader = NULL;
	struct doc *schema_doc = NULL;
	struct schema *schema = NULL;
	struct kernel kernel;
	struct advice *advice = NULL;
	json_t *results = NULL, *top;
	bool all_valid = true;
	int opt, r;

	common_init(&c, "validate", 1u << FORMAT_JSON);
	while ((opt = getopt_long(argc, argv, COMMON_SHORTOPTS, longopts, NULL)) != -1) {
		if (opt == 's') {
			schema_path = optarg;
			continue;
		}
		r = common_option(&c, opt, argv);
		if (r == 2)
			return EXIT_OK;
		if (r != 0)
			return EXIT_ERROR;
	}
	common_finish(&c);
	if (optind >= argc)
		return usage_error("validate", schema_path ? "expected one or more documents to check" :
							     "expected one or more profiles to check");
	if (c.format == FORMAT_JSON)
		results = json_array();

	if (schema_path) {
		struct diags d;

		diags_init(&d);
		schema_doc = doc_load_file(schema_path, NULL, NULL, &d);
		if (schema_doc)
			schema = schema_compile(schema_doc, &d);
		if (!schema) {
			diags_sort(&d);
			report_diags(ERR_PROFILE, &d);
			diags_free(&d);
			r = EXIT_ERROR;
			goto out;
		}
		diags_free(&d);
		for (int i = optind; i < argc; i++)
			all_valid &= validate_document(&c, schema, argv[i], results);
	} else {
		struct diags d;

		diags_init(&d);
		loader = profile_loader_new(c.root, &d);
		if (!loader) {
			/* the compiled-in schema did not compile, or no memory */
			report_diags(ERR_INTERNAL, &d);
			diags_free(&d);
			r = EXIT_ERROR;
			goto out;
		}
		/* the kernel plan would advise for: ROOT/proc/sys, or the facts
		 * of the newest kernel where there are no live values */
		int kr = kernel_read(c.root, c.kernel, &kernel, &d);

		if (!c.quiet) {
			/* warnings only: a key that cannot be read is absent */
			diags_sort(&d);
			report_diags(ERR_IO, &d);
		}
		diags_free(&d);
		if (kr == -EEXIST || kr == -EINVAL) {
			session_kernel_error(&c, &kernel, kr);
			r = EXIT_ERROR;
			goto out;
		}
		advice = malloc(sizeof(*advice));
		if (!advice) {
			report_error(ERR_NOMEM, NULL, 0, 0, "out of memory");
			r = EXIT_ERROR;
			goto out;
		}
		for (int i = optind; i < argc; i++)
			all_valid &= validate_profile(&c, loader, &kernel, advice, argv[i], results);
	}
	r = all_valid ? EXIT_OK : EXIT_ERROR;
	if (c.format == FORMAT_JSON) {
		top = json_object();
		json_object_set_new(top, "valid", json_boolean(all_valid));
		/* the first problem, as every command's JSON has it on failure */
		if (!all_valid)
			json_object_set_new(top, "error", report_error_json());
		json_object_set_new(top, "results", results);
		results = NULL;
		if (print_json(top) < 0)
			r = EXIT_ERROR;
	}
out:
	json_decref(results);
	free(advice);
	schema_free(schema);
	doc_free(schema_doc);
	profile_loader_free(loader);
	return r;
}
