/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef FINTUNE_APPLY_H
#define FINTUNE_APPLY_H

#include "txn.h"

#include <stdbool.h>

/* The real system needs root; says so and returns false otherwise. */
bool need_root(const char *root);

/* Says on stderr (and for the JSON error) why a transaction stopped and
 * whether its undo worked. */
void txn_report(const struct txn *t, const char *drop_in_path);

#endif
