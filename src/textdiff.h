/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef FINTUNE_TEXTDIFF_H
#define FINTUNE_TEXTDIFF_H

#include "util.h"

#include <stdbool.h>

/* Appends the unified diff (3 lines of context) from old to new text, with
 * ---/+++ labels; nothing when they are equal. A NULL text is an absent file
 * (/dev/null). Colour adds ANSI escapes for a terminal. */
void unified_diff(struct strbuf *out, const char *old_label, const char *old_text, const char *new_label,
		  const char *new_text, bool color);

#endif
