/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef FINTUNE_APPLY_H
#define FINTUNE_APPLY_H

#include <stdbool.h>

/* The one lock that serialises apply and rollback (ROOT/run/fintune.lock);
 * waits for another run. The fd, or -1 (said on stderr). */
int take_lock(const char *root, const char *cmd);
/* The real system needs root; says so and returns false otherwise. */
bool need_root(const char *root, const char *cmd);

#endif
