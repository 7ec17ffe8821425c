/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef FINTUNE_DROPIN_H
#define FINTUNE_DROPIN_H

#include "advise.h"
#include "kernel.h"
#include "profile.h"

#include <stdbool.h>

#define DROPIN_DEFAULT "60-fintune.conf"
#define DROPIN_DIR "/etc/sysctl.d"
/* The first line of every drop-in fintune writes: how it knows its own. */
#define DROPIN_MAGIC "# Written by fintune."

/* The drop-in for a plan: a header (tool, profile, each file's sha256, the
 * description), then each planned key with its reason as a comment. Equal
 * input gives byte-identical text; no text from the profile can add a line
 * that sets anything. Returns malloc'd text. */
char *dropin_render(const struct profile *p, const struct advice *a, const char *path);

/* Whether text is a drop-in fintune wrote. */
bool dropin_is_ours(const char *text);

/* A drop-in name: NAME.conf, no slash, no leading dot. */
bool dropin_name_valid(const char *name);

/* The name in "/etc/sysctl.d/NAME" when NAME is a valid drop-in name, or
 * NULL: the only paths fintune writes. */
const char *dropin_name_of(const char *path);

/* Whether text is fintune's and sets only close-path keys, plainly (no
 * glob, no "-"); with planned and proposed, only those keys, to exactly
 * those values. */
bool dropin_sets_only(const char *text, size_t len, const char *path, const bool *planned,
		      char (*proposed)[KERNEL_VALUE_MAX]);

/* The value each close-path key has in text ("" where it sets none). */
void dropin_values(const char *text, const char *path, char values[K_PLANNED][KERNEL_VALUE_MAX]);

#endif
