// SPDX-License-Identifier: GPL-2.0-or-later
/* The close path's counters: sockstat, TcpExt and Tcp, parsed without
 * trusting the text (a fake proc tree under --root is anyone's file). */
#include "pressure.h"
#include "host.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const struct {
	const char *name, *help;
} counters[C_COUNTERS] = {
	[C_TW_OVERFLOW] = { "TCPTimeWaitOverflow", "TIME_WAIT or FIN_WAIT2 sockets not kept: tcp_max_tw_buckets was full" },
	[C_TW] = { "TW", "sockets that entered TIME_WAIT (on 6.18; older kernels may count those leaving it)" },
	[C_TW_KILLED] = { "TWKilled", "TIME_WAIT sockets ended early" },
	[C_TW_RECYCLED] = { "TWRecycled", "TIME_WAIT sockets whose port tcp_tw_reuse gave to a new connection" },
	[C_ABORT_MEMORY] = { "TCPAbortOnMemory", "connections reset at close: too many orphans or tcp_mem exceeded" },
	[C_ABORT_TIMEOUT] = { "TCPAbortOnTimeout", "connections dropped after their retries (a peer that does not answer)" },
	[C_ABORT_CLOSE] = { "TCPAbortOnClose", "connections reset at close() with unread data" },
	[C_ABORT_DATA] = { "TCPAbortOnData", "connections reset on data after close()" },
	[C_ABORT_LINGER] = { "TCPAbortOnLinger", "connections reset after SO_LINGER or tcp_fin_timeout ran out" },
	[C_ABORT_FAILED] = { "TCPAbortFailed", "resets that could not be sent" },
	[C_MEMORY_PRESSURES] = { "TCPMemoryPressures", "times TCP entered memory pressure (tcp_mem)" },
	[C_ACTIVE_OPENS] = { "ActiveOpens", "outbound connections opened (connect())" },
	[C_PASSIVE_OPENS] = { "PassiveOpens", "inbound connections accepted" },
};

const char *counter_name(enum counter id)
{
	return counters[id].name;
}

const char *counter_help(enum counter id)
{
	return counters[id].help;
}

/* The next line of text: [*pos, end of line), or false at the end. */
static bool next_line(const char *text, size_t len, size_t *pos, const char **line, size_t *n)
{
	const char *nl;

	if (*pos >= len)
		return false;
	*line = text + *pos;
	nl = memchr(*line, '\n', len - *pos);
	*n = nl ? (size_t)(nl - *line) : len - *pos;
	*pos += *n + 1;
	return true;
}

/* The next space-separated word of [*s, end), or false. */
static bool next_word(const char **s, const char *end, const char **w, size_t *n)
{
	while (*s < end && **s == ' ')
		(*s)++;
	if (*s >= end)
		return false;
	*w = *s;
	while (*s < end && **s != ' ')
		(*s)++;
	*n = (size_t)(*s - *w);
	return true;
}

/* A decimal that fits in 63 bits (JSON and Prometheus take signed 64-bit
 * integers; no real counter comes near); a negative one (Tcp's MaxConn is
 * -1) is no counter. */
static bool parse_u64(const char *w, size_t n, uint64_t *out)
{
	uint64_t v = 0;

	if (!n)
		return false;
	/* leading zeros are no digits: "00000000000000000042" is 42 */
	while (n > 1 && *w == '0')
		w++, n--;
	if (n > 19)
		return false;
	for (size_t i = 0; i < n; i++) {
		unsigned d = (unsigned)(w[i] - '0');

		if (d > 9 || v > ((uint64_t)INT64_MAX - d) / 10)
			return false;
		v = v * 10 + d;
	}
	*out = v;
	return true;
}

void pressure_parse_sockstat(struct pressure *p, const char *text, size_t len)
{
	static const char *const keys[] = { "inuse", "orphan", "tw", "alloc", "mem" };
	const char *line;
	size_t pos = 0, n;

	while (next_line(text, len, &pos, &line, &n)) {
		const char *s, *end = line + n, *w;
		uint64_t v[5];
		size_t wn;
		int got = 0;

		if (n < 4 || memcmp(line, "TCP:", 4) != 0)
			continue;
		s = line + 4;
		/* "TCP: inuse N orphan N tw N alloc N mem N", in this order */
		for (int i = 0; i < 5; i++) {
			if (!next_word(&s, end, &w, &wn) || wn != strlen(keys[i]) || memcmp(w, keys[i], wn) ||
			    !next_word(&s, end, &w, &wn) || !parse_u64(w, wn, &v[i]))
				break;
			got++;
		}
		if (got != 5)
			continue;
		p->inuse = v[0];
		p->orphans = v[1];
		p->tw = v[2];
		p->alloc = v[3];
		p->mem = v[4];
		p->sockstat = true;
	}
}

void pressure_parse_table(struct pressure *p, const char *text, size_t len, const char *prefix)
{
	size_t plen = strlen(prefix), pos = 0, n, hn = 0;
	const char *line, *header = NULL;

	while (next_line(text, len, &pos, &line, &n)) {
		const char *hs, *he, *vs, *ve, *name, *val;
		size_t nn, vn;

		if (n < plen || memcmp(line, prefix, plen) != 0 || (n > plen && line[plen] != ' '))
			continue;
		if (!header) {
			header = line;
			hn = n;
			continue;
		}
		/* the second line holds the values, in the header's order */
		hs = header + plen, he = header + hn, vs = line + plen, ve = line + n;
		while (next_word(&hs, he, &name, &nn) && next_word(&vs, ve, &val, &vn))
			for (int id = 0; id < C_COUNTERS; id++)
				if (strlen(counters[id].name) == nn && !memcmp(counters[id].name, name, nn) &&
				    parse_u64(val, vn, &p->value[id]))
					p->have[id] = true;
		return;
	}
}

/* A small file below ROOT/proc, never through a link but /proc/net's own. */
static void parse_file(struct pressure *p, struct host *h, const char *path, const char *prefix)
{
	/* /proc/net is a link to self/net: followed, inside the root */
	int fd = host_openat(h, path, O_PATH, 0, HOST_FOLLOW, NULL, 0);
	char *text = NULL;
	size_t len = 0;

	if (fd >= 0)
		fd = fd_reopen_regular(fd, O_RDONLY);
	if (fd < 0)
		return;
	if (fd_check(fd, NULL) == FD_OK && fd_read_all(fd, 1 << 20, &text, &len) == 0) {
		if (prefix)
			pressure_parse_table(p, text, len, prefix);
		else
			pressure_parse_sockstat(p, text, len);
	}
	free(text);
	close(fd);
}

void pressure_read(struct pressure *p, struct host *h)
{
	memset(p, 0, sizeof(*p));
	parse_file(p, h, "/proc/net/sockstat", NULL);
	parse_file(p, h, "/proc/net/netstat", "TcpExt:");
	parse_file(p, h, "/proc/net/snmp", "Tcp:");
}
