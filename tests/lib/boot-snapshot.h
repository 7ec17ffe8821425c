/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Shared by the unit tests and the fuzz targets: the snapshot of a 6.18.0
 * host network namespace right after boot, as fake_proc ROOT 6.18.0
 * (tests/lib/fake-proc.sh) makes it on disk. */
#ifndef FINTUNE_TEST_BOOT_SNAPSHOT_H
#define FINTUNE_TEST_BOOT_SNAPSHOT_H

#include "kernel.h"
#include "snapshot.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

static inline void snapshot_boot_6_18(struct snapshot *s)
{
	static const struct {
		enum key_id id;
		const char *v;
	} vals[] = {
		{ K_FIN_TIMEOUT, "60" },	 { K_ORPHAN_RETRIES, "0" },	   { K_MAX_ORPHANS, "131072" },
		{ K_MAX_TW_BUCKETS, "131072" }, { K_TW_REUSE, "2" },		   { K_TIMESTAMPS, "1" },
		{ K_TW_REUSE_DELAY, "1000" },	 { K_PORT_RANGE, "32768 60999" }, { K_RETRIES2, "15" },
		{ K_RTO_MIN_US, "200000" },	 { K_RTO_MAX_MS, "120000" },	   { K_UNPRIV_PORT_START, "1024" },
		{ K_TCP_WMEM, "4096 16384 4194304" },
	};

	memset(s, 0, sizeof(*s));
	snprintf(s->kernel.release, sizeof(s->kernel.release), "6.18.0");
	s->kernel.version = KV(6, 18);
	s->kernel.from = KERNEL_FROM_PROC;
	s->kernel.live = true;
	for (size_t i = 0; i < sizeof(vals) / sizeof(vals[0]); i++) {
		s->kernel.running[vals[i].id].exists = s->kernel.running[vals[i].id].present = true;
		snprintf(s->kernel.running[vals[i].id].value, KERNEL_VALUE_MAX, "%s", vals[i].v);
	}
	s->state_err = -ENOENT;
}

#endif
