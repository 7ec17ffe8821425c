// SPDX-License-Identifier: GPL-2.0-or-later
/* fintune profiles: the built-in and local profiles on offer. */
#include "builtin.h"
#include "common.h"
#include "output.h"
#include "profile.h"
#include "report.h"
#include "util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct entry {
	const char *name;
	char *source;		/* "built-in" or the local file */
	const char *state;	/* NULL, "overridden", "invalid" */
	char *description;
};

/* The first line's worth of a description, for the table. */
static void shorten(char *s, size_t max)
{
	size_t n = 0;

	for (char *p = s; *p; p++)
		if (*p == '\n' || *p == '\t')
			*p = ' ';
	n = strlen(s);
	if (n > max) {
		size_t cut = max - 3;

		while (cut > 0 && ((unsigned char)s[cut] & 0xc0) == 0x80)
			cut--;
		strcpy(s + cut, "...");
	}
}

static void describe(struct profile_loader *l, const char *spec, bool builtin, struct entry *e)
{
	struct diags d;
	struct profile *p;

	diags_init(&d);
	p = builtin ? profile_load_builtin(l, spec, &d) : profile_load(l, spec, &d);
	if (p) {
		e->description = strdup(p->description);
	} else {
		e->state = "invalid";
		e->description = strdup("(invalid: see fintune validate)");
	}
	profile_free(p);
	diags_free(&d);
}

int profiles_main(int argc, char **argv)
{
	struct entry *entries = NULL;
	size_t n = 0;
	struct profile_loader *l;
	struct common c;
	struct diags d;
	char **local = NULL;
	int r;

	common_init(&c, "profiles", 1u << FORMAT_JSON);
	if (!common_parse(&c, argc, argv, &r))
		return r;
	if (optind < argc)
		return usage_error("profiles", "takes no arguments");
	diags_init(&d);
	l = profile_loader_new(c.root, &d);
	if (!l) {
		/* the compiled-in schema did not compile, or no memory */
		report_diags(ERR_INTERNAL, &d);
		diags_free(&d);
		return EXIT_ERROR;
	}
	diags_free(&d);
	/* a local directory others may write: what it lists is no one's word */
	if (profile_local_refused(l)) {
		report_error(ERR_REFUSED, NULL, 0, 0, "%s", profile_local_refused(l));
		profile_loader_free(l);
		return EXIT_ERROR;
	}
	local = profile_local_names(l);
	for (size_t i = 0; local && local[i]; i++)
		n++;
	entries = calloc(n + builtin_profiles_count, sizeof(*entries));
	if (!entries || !local) {
		report_error(ERR_NOMEM, NULL, 0, 0, "out of memory");
		r = EXIT_ERROR;
		goto out;
	}
	n = 0;
	for (size_t i = 0; i < builtin_profiles_count; i++) {
		struct entry *e = &entries[n++];

		e->name = builtin_profiles[i].name;
		e->source = strdup("built-in");
		for (size_t k = 0; local[k]; k++)
			if (strcmp(local[k], e->name) == 0)
				e->state = "overridden";
		describe(l, e->name, true, e);
	}
	for (size_t k = 0; local[k]; k++) {
		struct entry *e = &entries[n++];

		e->name = local[k];
		e->source = profile_local_path(l, local[k]);
		describe(l, local[k], false, e);
	}
	if (c.format == FORMAT_JSON) {
		json_t *a = json_array();

		for (size_t i = 0; i < n; i++) {
			json_t *o = json_object();

			json_object_set_new(o, "name", json_string(entries[i].name));
			json_object_set_new(o, "source", json_string(entries[i].source));
			json_object_set_new(o, "builtin", json_boolean(i < builtin_profiles_count));
			json_object_set_new(o, "valid", json_boolean(!entries[i].state ||
								     strcmp(entries[i].state, "invalid") != 0));
			json_object_set_new(o, "overridden", json_boolean(entries[i].state &&
									  strcmp(entries[i].state, "overridden") == 0));
			json_object_set_new(o, "description", json_string(entries[i].description));
			json_array_append_new(a, o);
		}
		r = print_json(a) < 0 ? EXIT_ERROR : EXIT_OK;
		goto out;
	}
	{
		int w_name = 4, w_src = 6;

		for (size_t i = 0; i < n; i++) {
			const char *over = entries[i].state && !strcmp(entries[i].state, "overridden") ? " (overridden)" : "";
			char *src = NULL;

			if ((int)strlen(entries[i].name) > w_name)
				w_name = (int)strlen(entries[i].name);
			if (asprintf(&src, "%s%s", entries[i].source, over) > 0) {
				free(entries[i].source);
				entries[i].source = src;
			}
			if ((int)strlen(entries[i].source) > w_src)
				w_src = (int)strlen(entries[i].source);
		}
		printf("%-*s  %-*s  %s\n", w_name, "NAME", w_src, "SOURCE", "DESCRIPTION");
		for (size_t i = 0; i < n; i++) {
			char desc[512];

			shorten(entries[i].description, 72);
			printf("%-*s  %-*s  %s\n", w_name, entries[i].name, w_src, entries[i].source,
			       printable(desc, sizeof(desc), entries[i].description));
		}
	}
	r = EXIT_OK;
out:
	for (size_t i = 0; entries && i < n; i++) {
		free(entries[i].source);
		free(entries[i].description);
	}
	free(entries);
	profile_names_free(local);
	profile_loader_free(l);
	return r;
}
