/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef FINTUNE_JOURNAL_H
#define FINTUNE_JOURNAL_H

#include <stdbool.h>

/* journalctl MESSAGE_ID=... shows every apply and rollback. */
#define FINTUNE_MESSAGE_ID "8b2f5a0d6c3e4f1b9a7d2e5c0f4b8a16"

/*
 * Audit records through the journal (sd_journal_send): one per changed key
 * (FINTUNE_ACTION, FINTUNE_PROFILE, FINTUNE_KEY, FINTUNE_OLD, FINTUNE_NEW)
 * and one summary. Where no journal socket exists, that is said once on
 * stderr and the records go to stderr instead.
 */
struct audit {
	const char *action;	/* "apply" or "rollback" */
	const char *profile;
	bool no_journal;	/* said once */
	unsigned records;
};

void audit_key(struct audit *a, const char *key, const char *old_value, const char *new_value, const char *what);
void audit_summary(struct audit *a, const char *drop_in, unsigned changed, const char *message);

#endif
