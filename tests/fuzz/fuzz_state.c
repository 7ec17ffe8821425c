// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * libFuzzer target for the state loader: each input is read as the text of
 * /var/lib/fintune/state.json (state_parse, what state_load does once the
 * file is read). A state it accepts must survive what apply and rollback do
 * with one: written (state_format) and read back, it is accepted again and
 * written the same, byte for byte; cloned, pushed onto (merging when full),
 * and inherited from.
 */
#include "dropin.h"
#include "state.h"

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* What the next apply would push: one record that writes the default drop-in. */
static void next_record(struct state_record *r)
{
	memset(r, 0, sizeof(*r));
	r->status = STATE_APPLYING;
	snprintf(r->profile, sizeof(r->profile), "fuzz");
	snprintf(r->drop_in_path, sizeof(r->drop_in_path), "%s/%s", DROPIN_DIR, DROPIN_DEFAULT);
	r->drop_in_written = true;
	r->written_text = strdup(DROPIN_MAGIC "\nnet.ipv4.tcp_fin_timeout = 30\n");
	r->live[0] = (struct live_change){ "net.ipv4.tcp_fin_timeout", true, "60", "30" };
	r->n_live = 1;
	if (!dropin_text_allowed(r->written_text, strlen(r->written_text)))
		abort();	/* the fuzzer's own record must be one a state keeps */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct state s, again, copy;
	struct state_record r;
	char *text, *text2;
	bool can;
	int e;

	if (state_parse((const char *)data, size, &s) < 0)
		return 0;
	if (s.n == 0 || s.n > STATE_MAX_RECORDS)
		abort();	/* an empty or an overfull stack was accepted */
	/* what state_save writes, read back: the same state */
	text = state_format(&s);
	if (!text)
		abort();
	if (state_parse(text, strlen(text), &again) < 0)
		abort();	/* fintune would refuse a state it wrote itself */
	text2 = state_format(&again);
	if (!text2 || strcmp(text, text2) != 0)
		abort();	/* not the same state once written and read back */
	free(text2);
	free(text);
	state_free(&again);

	/* what apply does with it (apply_run): a copy to put back; an
	 * interrupted record on top taken over; the next record pushed, which
	 * the verdict said it would be (state_can_push) unless the stack is
	 * full of records that cannot merge; and what it then writes is a
	 * state the next run reads */
	if (state_clone(&copy, &s) < 0)
		abort();
	can = state_can_push(&copy, true, DROPIN_DIR "/" DROPIN_DEFAULT);
	next_record(&r);
	if (copy.rec[copy.n - 1].status == STATE_APPLYING) {
		state_inherit(&r, &copy.rec[copy.n - 1]);
		state_record_free(&copy.rec[--copy.n]);
	}
	e = state_push(&copy, &r);
	if (e == -ENOSPC ? can : e < 0)
		abort();	/* state_can_push said it would take it */
	state_record_free(&r);
	text = state_format(&copy);
	if (!text || (copy.n && state_parse(text, strlen(text), &again) < 0))
		abort();	/* apply would write a state the next run refuses */
	if (copy.n)
		state_free(&again);
	free(text);
	state_free(&copy);
	state_free(&s);
	return 0;
}
