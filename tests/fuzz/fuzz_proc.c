// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * libFuzzer target for what fintune reads from proc (a fake proc tree under
 * --root is anyone's file): each input is parsed as /proc/net/sockstat and
 * as the TcpExt: and Tcp: tables of netstat and snmp (pressure.c); as a
 * /proc/sys value read back (kernel_fold_value), which then becomes every
 * key's running value; as a value written to each key on three kernels
 * (kernel_parse_ints, kernel_accepts, kernel_parse_write); as a release
 * (kernel_parse_version), a key name (key_lookup) and a kernel config
 * (kernel_config_hz). A value the kernel takes as it is must also be one
 * it stores, as itself.
 */
#include "kernel.h"
#include "pressure.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A 6.18 host right after boot, an old offline image, and a child network
 * namespace of an unknown kernel. */
static void kernels(struct kernel k[3])
{
	static const char *const boot[K_COUNT] = {
		[K_FIN_TIMEOUT] = "60",	      [K_ORPHAN_RETRIES] = "0",	    [K_MAX_ORPHANS] = "131072",
		[K_MAX_TW_BUCKETS] = "131072", [K_TW_REUSE] = "2",		    [K_TIMESTAMPS] = "1",
		[K_TW_REUSE_DELAY] = "1000",   [K_PORT_RANGE] = "32768 60999", [K_RETRIES2] = "15",
		[K_RTO_MIN_US] = "200000",     [K_RTO_MAX_MS] = "120000",	    [K_UNPRIV_PORT_START] = "1024",
		[K_TCP_WMEM] = "4096 16384 4194304",
	};

	memset(k, 0, 3 * sizeof(*k));
	snprintf(k[0].release, sizeof(k[0].release), "6.18.0");
	k[0].version = KV(6, 18);
	k[0].live = true;
	for (int id = 0; id < K_COUNT; id++)
		if (boot[id]) {
			k[0].running[id].exists = k[0].running[id].present = true;
			snprintf(k[0].running[id].value, KERNEL_VALUE_MAX, "%s", boot[id]);
		}
	snprintf(k[1].release, sizeof(k[1].release), "4.9.0");
	k[1].version = KV(4, 9);
	k[2].live = k[2].child_netns = true;
	for (int id = 0; id < K_COUNT; id++)
		k[2].running[id].exists = id != K_MAX_ORPHANS;
}

/* What kernel_fold_value promises of its output. */
static void check_folded(const char *out)
{
	size_t n = strlen(out);

	if (!n || out[0] == ' ' || out[n - 1] == ' ' || strstr(out, "  "))
		abort();
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)out[i] < 0x20 || (unsigned char)out[i] > 0x7e)
			abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pressure p;
	struct kernel k[3];
	char folded[KERNEL_VALUE_MAX], big[256], *text;
	bool have_folded;
	int r;

	/* the three files of pressure_read */
	memset(&p, 0, sizeof(p));
	pressure_parse_sockstat(&p, (const char *)data, size);
	pressure_parse_table(&p, (const char *)data, size, "TcpExt:");
	pressure_parse_table(&p, (const char *)data, size, "Tcp:");
	for (int i = 0; i < C_COUNTERS; i++)
		if (p.have[i] && p.value[i] > (uint64_t)INT64_MAX)
			abort();	/* no counter a signed 64-bit consumer cannot take */

	/* a /proc/sys file read back: read_proc reads at most 255 bytes */
	r = kernel_fold_value((const char *)data, size, size & 1, folded, sizeof(folded));
	have_folded = r == 0;
	if (r >= 0)
		check_folded(folded);
	if (kernel_fold_value((const char *)data, size < sizeof(big) - 1 ? size : sizeof(big) - 1, false, big,
			      sizeof(big)) >= 0)
		check_folded(big);

	text = malloc(size + 1);
	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	kernel_parse_version(text);
	kernel_config_hz(text);
	key_lookup(text);

	kernels(k);
	/* what no kernel shows stays no value: no key of any kernel takes it */
	if (r == 1)
		for (int i = 0; i < 3; i++)
			for (int id = 0; id < K_COUNT; id++)
				if (kernel_accepts(&k[i], (enum key_id)id, folded))
					abort();
	for (int id = 0; id < K_COUNT; id++) {
		long v[3];

		kernel_parse_ints(text, key_fact(id)->values, v);
		for (int i = 0; i < 3; i++) {
			char out[KERNEL_VALUE_MAX];
			bool accepted = kernel_accepts(&k[i], id, text);
			bool stored = kernel_parse_write(&k[i], id, text, out, sizeof(out));

			/* taken as it is, it is stored: as itself, canonically */
			if (accepted && !stored)
				abort();
			if (stored && !kernel_accepts(&k[i], id, out))
				abort();
		}
	}
	/* the input as every key's running value: what the advice and a
	 * write of fewer integers than the key holds start from */
	if (have_folded) {
		for (int id = 0; id < K_COUNT; id++) {
			char out[KERNEL_VALUE_MAX];
			long v;

			k[0].running[id].exists = k[0].running[id].present = true;
			memcpy(k[0].running[id].value, folded, sizeof(folded));
			kernel_value(&k[0], id, &v);
			kernel_parse_write(&k[0], id, "1024", out, sizeof(out));
			kernel_parse_write(&k[0], id, text, out, sizeof(out));
			kernel_accepts(&k[0], id, "1024 65535");
		}
	}
	free(text);
	return 0;
}
