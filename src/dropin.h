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

/* The largest drop-in text fintune writes or puts back, and its longest line. */
#define DROPIN_TEXT_MAX (64u << 10)
#define DROPIN_LINE_MAX 200

/* The drop-in for a plan: a header (the profile's name and content digest,
 * its description), then each planned key with its reason as a comment. The
 * text depends on the merged profile's content and the advice alone (no
 * path, no version, no time), so equal input gives byte-identical text
 * wherever the profile was staged; no text from the profile can add a line
 * that sets anything. Returns malloc'd text. */
char *dropin_render(const struct profile *p, const struct advice *a);

/* sha256 over the content of every file of the profile's chain. */
void profile_digest(const struct profile *p, unsigned char out[32]);

/* The one allowlist every drop-in text passes before fintune writes it,
 * whatever it came from (a plan, a plan file, the state): fintune's own,
 * at most DROPIN_TEXT_MAX, no NUL, valid UTF-8, and read as systemd-sysctl
 * and as procps read it (lines of any length, "/" or "." separators, "."
 * and ".." components), both see nothing but plain assignments of the
 * close-path keys, the same ones, with no line either would warn about. */
bool dropin_text_allowed(const char *text, size_t len);

/* Whether text is a drop-in fintune wrote. */
bool dropin_is_ours(const char *text);

/* A drop-in name: NAME.conf, no slash, no leading dot. */
/* What dropin_name_valid() takes, for messages: "expected ...". */
#define DROPIN_NAME_RULE "expected a file name of letters, digits and . _ - + @ ending in .conf"
bool dropin_name_valid(const char *name);

/* The name in "/etc/sysctl.d/NAME" when NAME is a valid drop-in name, or
 * NULL: the only paths fintune writes. */
const char *dropin_name_of(const char *path);

/* The value each close-path key has in text ("" where it sets none). */
void dropin_values(const char *text, const char *path, char values[K_PLANNED][KERNEL_VALUE_MAX]);

#endif
