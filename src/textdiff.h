/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef FINTUNE_TEXTDIFF_H
#define FINTUNE_TEXTDIFF_H

#include "util.h"

#include <stdbool.h>

/* Appends the unified diff (3 lines of context) from old to new text (each
 * of its length: a NUL byte is text too), with ---/+++ labels; nothing when
 * they are equal. A NULL text is an absent file (/dev/null). Colour adds ANSI
 * escapes for a terminal. */
void unified_diff(struct strbuf *out, const char *old_label, const char *old_text, size_t old_len,
		  const char *new_label, const char *new_text, size_t new_len, bool color);

#endif
