/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef FINTUNE_PLAN_H
#define FINTUNE_PLAN_H

#include "advise.h"
#include "common.h"
#include "kernel.h"
#include "profile.h"

#include <jansson.h>
#include <stdio.h>

/* A profile, the kernel it is planned for, and the advice: what plan, diff
 * and apply share. */
struct plan {
	struct profile_loader *loader;
	struct profile *profile;
	struct kernel kernel;
	struct advice advice;
};

/* Loads the profile, reads the kernel under c->root and advises. Problems
 * (and the profile's warnings) go to stderr. -1 on error. */
int plan_prepare(struct plan *pl, const struct common *c, const char *spec);
void plan_release(struct plan *pl);

json_t *plan_json(const struct plan *pl);
json_t *plan_settings_json(const struct plan *pl);

const char *human_bytes(char *buf, size_t size, uint64_t bytes);
void print_wrapped(FILE *f, const char *text, int indent, int width);
void print_hanging(FILE *f, const char *prefix, const char *text, int indent, int width);

#endif
