// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Kernel facts of the TCP close path: one table, and the reader of the
 * running kernel under --root. Every fact here comes from ../shared/KERNEL.md
 * (kernel sources, checked in a network namespace where marked there).
 * Adding a key: an enum entry in kernel.h, a row here, and its tests.
 */
#include "kernel.h"
#include "host.h"
#include "util.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#define LAB_ORPHAN_DEFAULT "106 s"

static const struct key_fact facts[K_COUNT] = {
	[K_FIN_TIMEOUT] = {
		.name = "net.ipv4.tcp_fin_timeout",
		.proc = "net/ipv4/tcp_fin_timeout",
		.unit = "seconds",
		.scope = SCOPE_NETNS,
		.netns_since = KV(4, 6),
		.values = 1,
		/* any int up to INT_MAX/HZ is accepted, even <= 0; 2147483 is the
		 * bound at HZ=1000, the smallest on any configuration */
		.eras = { { 0, INT_MIN, 2147483, "60", NULL } },
		.governs =
			"How long an orphaned socket (the application called close()) waits in "
			"FIN_WAIT2 for the peer's FIN. With a value of 60 or less the socket turns "
			"into a small TIME_WAIT-type socket at once (256 bytes) that occupies a "
			"tcp_max_tw_buckets slot and shows in sockstat's tw count; the effective "
			"timeout is at least 3.5 x RTO whatever the value says.",
		.not_governs =
			"It does not shorten TIME_WAIT, which lasts 60 s, fixed at compile time "
			"(TCP_TIMEWAIT_LEN). It does not bound a socket half-closed with "
			"shutdown(SHUT_WR): that one is not an orphan and can stay in FIN_WAIT2 "
			"for ever, until the application closes it.",
		.traps =
			"61..119 do not make the wait longer: the kernel first waits F-60 as a "
			"full socket, then F-60 again as a small one, 2(F-60) seconds in all "
			"(measured on " LAB_KERNEL ": 61 reaped an orphaned FIN_WAIT2 in 2.05 s, "
			"while 5 took 5.2 s). Keep it at 60 or less. Values of 0 or less are "
			"accepted and mean the short minimum of 3.5 x RTO (0 took 0.75 s at an "
			"RTO of 204 ms).",
	},
	[K_ORPHAN_RETRIES] = {
		.name = "net.ipv4.tcp_orphan_retries",
		.proc = "net/ipv4/tcp_orphan_retries",
		.unit = "retransmissions",
		.scope = SCOPE_NETNS,
		.netns_since = KV(4, 6),
		.values = 1,
		.eras = { { 0, 0, 255, "0", "read as 8", .no_sign = true } },
		.governs =
			"How many times an orphaned socket (after close()) retransmits its FIN in "
			"FIN_WAIT1, CLOSING or LAST_ACK, and its zero-window probes, before the "
			"kernel drops it silently, without a RST (TcpExt TCPAbortOnTimeout counts "
			"it). The limit is a time, counted from the first retransmission in steps "
			"of 200 ms: (2^(N+1)-1) x 0.2 s, checked at each retransmission timer, "
			"after a tail-loss probe; so N gives N or N+1 retransmissions. Measured "
			"on " LAB_KERNEL " (HZ 250, veth, the peer cut off; make kernel-facts, "
			"make lab): at an RTO of 204 ms N=1 1.7 s, N=2 3.3 s, N=3 and N=4 both "
			"6.8 s (the 3 s timer fires late enough that the limit has passed one "
			"timer early), 0 (=8) " LAB_ORPHAN_DEFAULT "; at 256 ms N=1 and N=2 both 2.2 s, "
			"N=3 4.5 s, N=4 8.7 s. fintune plan predicts each within 3% (lifetime_s).",
		.not_governs =
			"A socket half-closed with shutdown() is not an orphan: it retransmits its "
			"FIN under tcp_retries2 (15 by default, about 15 minutes). Popular guides "
			"say tcp_orphan_retries covers it too; the kernel does not.",
		.traps =
			"0, the default, does not mean no retries: the kernel reads 0 as 8 while "
			"the RTO is below its maximum, about 100 s. An explicit 8 stays 8. "
			"Values above 255 are refused (EINVAL).",
	},
	[K_MAX_ORPHANS] = {
		.name = "net.ipv4.tcp_max_orphans",
		.proc = "net/ipv4/tcp_max_orphans",
		.unit = "sockets",
		.scope = SCOPE_GLOBAL,
		.values = 1,
		.eras = { { 0, INT_MIN, INT_MAX, NULL, "ehash/2: 131072 with 23 GiB of RAM" } },
		.governs =
			"Host-wide limit on orphaned sockets (closed by the application, still "
			"sending their FIN or data). Past it a closing connection is reset and "
			"TcpExt TCPAbortOnMemory counts it; dmesg says \"TCP: too many orphaned "
			"sockets\". In the retransmission timer the limit is checked as max >> (0..2): "
			"shifted once for an orphan that has sent nothing for twice the largest RTO, "
			"again after an ICMP soft error, so such orphans are reset at a half or a "
			"quarter of it.",
		.not_governs =
			"It does not count TIME_WAIT sockets, nor orphaned FIN_WAIT2 sockets with "
			"tcp_fin_timeout <= 60: those are small sockets under tcp_max_tw_buckets.",
		.traps =
			"Host-global: it does not exist inside a container's network namespace "
			"and can only be set on the host. The kernel documentation says not to "
			"lower it. Each orphan can hold up to ~64 KiB of unsent data (the "
			"documentation's rule of thumb), plus a 2.3 KiB socket.",
	},
	[K_MAX_TW_BUCKETS] = {
		.name = "net.ipv4.tcp_max_tw_buckets",
		.proc = "net/ipv4/tcp_max_tw_buckets",
		.unit = "sockets",
		.scope = SCOPE_NETNS,
		.netns_since = KV(4, 11),
		.values = 1,
		.eras = { { 0, INT_MIN, INT_MAX, NULL, "ehash/2 of the namespace: 131072 with 23 GiB of RAM" } },
		.governs =
			"Limit on TIME_WAIT sockets of this network namespace, and on orphaned "
			"FIN_WAIT2 sockets when tcp_fin_timeout <= 60 (they share the table). A "
			"TIME_WAIT socket costs 256 bytes, plus a 64-byte bind bucket for an "
			"outbound connection: 131072 of them about 32 MiB.",
		.not_governs =
			"Raising it does not make sockets stay longer; it only lets more of them "
			"exist. It does not limit full sockets or orphans in FIN_WAIT1. TIME_WAIT "
			"toward few client addresses stays far below rate x 60: a client reusing "
			"a port takes over the TIME_WAIT of its 4-tuple (measured on " LAB_KERNEL ": "
			"14,115 from one client at 12,700/s, not 760,000).",
		.traps =
			"Past the limit a closing socket is destroyed without TIME_WAIT and "
			"without a RST; only TcpExt TCPTimeWaitOverflow counts it (modern kernels "
			"print nothing; measured on " LAB_KERNEL ", a limit of 1000 under a server closing "
			"13,800 connections a second counted 255,594 in 20 s, make lab). Old duplicate segments can then reach a new connection "
			"on the same address and ports. -1 is accepted: on current kernels (checked on "
			"6.18) it lifts the limit, as the count is compared unsigned; on old ones, "
			"which compared it signed, it meant no TIME_WAIT at all.",
	},
	[K_TW_REUSE] = {
		.name = "net.ipv4.tcp_tw_reuse",
		.proc = "net/ipv4/tcp_tw_reuse",
		.unit = "0 off, 1 on, 2 loopback only",
		.scope = SCOPE_NETNS,
		.netns_since = KV(4, 11),
		.values = 1,
		.eras = { { 0, 0, 1, "0", NULL }, { KV(4, 18), 0, 2, "2", "loopback only", .no_sign = true } },
		.governs =
			"Lets an outgoing connect() take the port of a TIME_WAIT socket to the "
			"same destination once it is older than tcp_tw_reuse_delay (1 s), when "
			"TCP timestamps were negotiated (PAWS then protects the new connection). "
			"TcpExt TWRecycled counts each reuse. Measured on " LAB_KERNEL " (make lab, "
			"docs/LAB.md: 20 s of connect()+close() to one destination over veth): "
			"with the default 2 the client fell from 14,000/s to about 250/s once half "
			"the port range sat in TIME_WAIT, 18,625 connections in all; with 1, "
			"284,525 (15x), 268,504 of them reuses. With 1,000 ports it held about "
			"1,000/s, ports / tcp_tw_reuse_delay.",
		.not_governs =
			"It does nothing for a server's accepted connections: their TIME_WAIT "
			"holds no port the server needs. It never reuses orphaned FIN_WAIT2 small "
			"sockets. It is not SO_REUSEADDR, which lets bind() take a local address "
			"that TIME_WAIT sockets still use (a restarting server).",
		.traps =
			"Needs tcp_timestamps on, at both ends: with them off at the server the "
			"lab saw no reuse at all (TWRecycled 0) and the same collapse. 2 means "
			"loopback only: 127/8, ::1 or sockets bound to lo (over veth: no reuse); "
			"a docker0 bridge is not loopback. Before 4.18 "
			"only 0 and 1 exist and 0 is the default. Not to be confused with the "
			"removed tcp_tw_recycle, which broke clients behind NAT.",
	},
	[K_TIMESTAMPS] = {
		.name = "net.ipv4.tcp_timestamps",
		.proc = "net/ipv4/tcp_timestamps",
		.unit = "0 off, 1 on with a random offset, 2 on",
		.scope = SCOPE_NETNS,
		.netns_since = KV(4, 13),
		.values = 1,
		.eras = { { 0, 0, 255, "1", "on, random offset per address pair", .no_sign = true } },
		.governs =
			"The TCP timestamp option (RFC 7323): 1 (default) sends timestamps with a "
			"random offset per source and destination address pair (since 4.10), 2 "
			"without it, 0 sends none. 3..255 act as 2.",
		.not_governs =
			"With 1 timestamps do not expose the host's uptime (the offset is random per "
			"address pair), and they do not break clients behind NAT: the removed "
			"tcp_tw_recycle did.",
		.traps =
			"0 disables tcp_tw_reuse and PAWS (protection against wrapped sequence "
			"numbers on fast links). Both ends must agree to use them.",
	},
	[K_TW_REUSE_DELAY] = {
		.name = "net.ipv4.tcp_tw_reuse_delay",
		.proc = "net/ipv4/tcp_tw_reuse_delay",
		.unit = "milliseconds",
		.scope = SCOPE_NETNS,
		.since = KV(6, 14),
		.netns_since = KV(6, 14),
		.values = 1,
		.eras = { { KV(6, 14), 1, 60000, "1000", NULL, .no_sign = true } },
		.governs =
			"How old a TIME_WAIT socket must be before tcp_tw_reuse may give its port "
			"to a new outgoing connection. Before 6.14 the key does not exist and the "
			"delay is a fixed 1 s.",
		.not_governs =
			"It does not change how long TIME_WAIT lasts (60 s), and does nothing "
			"while tcp_tw_reuse is off for the destination.",
		.traps =
			"Lower values let a new connection start sooner on a 4-tuple whose old "
			"segments may still be in flight; PAWS covers that only with timestamps. "
			"1..60000, else EINVAL.",
	},
	[K_PORT_RANGE] = {
		.name = "net.ipv4.ip_local_port_range",
		.proc = "net/ipv4/ip_local_port_range",
		.unit = "ports (low high)",
		.scope = SCOPE_NETNS,
		.netns_since = KV(3, 13),
		.values = 2,
		.eras = { { 0, 1, 65535, "32768 60999", NULL } },
		.governs =
			"The ephemeral ports connect() (and bind() to port 0) choose from. Every "
			"(source address, destination address:port) pair can use the whole "
			"range, so without tcp_tw_reuse a host that closes first can open about "
			"(high-low+1)/60 new connections per second per pair: 470/s by default. "
			"In a burst the limit shows sooner (measured on " LAB_KERNEL ", make lab): "
			"once about half the range is in TIME_WAIT connect() slows from 14,000/s "
			"to about 250/s without failing, as the port search walks used ports; a "
			"1,000-port range opened 1,000 connections, then only EADDRNOTAVAIL.",
		.not_governs =
			"It does not limit accepted connections: a server's port is fixed and "
			"each client brings its own.",
		.traps =
			"low <= high and low >= ip_unprivileged_port_start, else EINVAL. Ports "
			"below 32768 may collide with services that bind later: list those in "
			"ip_local_reserved_ports.",
	},
	[K_RETRIES2] = {
		.name = "net.ipv4.tcp_retries2",
		.proc = "net/ipv4/tcp_retries2",
		.unit = "retransmissions",
		.scope = SCOPE_NETNS,
		.netns_since = KV(4, 13),
		.values = 1,
		/* a u8 since "tcp: convert elligible sysctls to u8" (5.13) */
		.eras = { { 0, INT_MIN, INT_MAX, "15", NULL }, { KV(5, 13), 0, 255, "15", NULL, .no_sign = true } },
		.governs =
			"Retransmissions before a connection that is not orphaned is given up, "
			"including the FIN of a socket half-closed with shutdown(): 15, about "
			"924 s at the default RTO bounds. fintune reads it; it does not set it.",
		.not_governs = "Orphaned sockets use tcp_orphan_retries instead.",
		.traps = "Lowering it also cuts established connections that hit a long outage.",
	},
	[K_RTO_MIN_US] = {
		.name = "net.ipv4.tcp_rto_min_us",
		.proc = "net/ipv4/tcp_rto_min_us",
		.unit = "microseconds",
		.scope = SCOPE_NETNS,
		.since = KV(6, 11),
		.netns_since = KV(6, 11),
		.values = 1,
		.eras = { { KV(6, 11), 1, INT_MAX, "200000", NULL } },
		.governs = "The smallest retransmission timeout (200 ms). fintune reads it to size orphan lifetimes.",
		.not_governs = "The retry limits are still counted in steps of the compiled-in 200 ms.",
		.traps = "Absent before 6.11: the minimum is a fixed 200 ms.",
	},
	[K_RTO_MAX_MS] = {
		.name = "net.ipv4.tcp_rto_max_ms",
		.proc = "net/ipv4/tcp_rto_max_ms",
		.unit = "milliseconds",
		.scope = SCOPE_NETNS,
		.since = KV(6, 15),
		.netns_since = KV(6, 15),
		.values = 1,
		.eras = { { KV(6, 15), 1000, 120000, "120000", NULL } },
		.governs = "The largest retransmission timeout (120 s). fintune reads it to size orphan lifetimes.",
		.not_governs = "It does not change how many retransmissions are made.",
		.traps = "Absent before 6.15: the maximum is a fixed 120 s.",
	},
	[K_UNPRIV_PORT_START] = {
		.name = "net.ipv4.ip_unprivileged_port_start",
		.proc = "net/ipv4/ip_unprivileged_port_start",
		.unit = "port",
		.scope = SCOPE_NETNS,
		.since = KV(4, 11),
		.netns_since = KV(4, 11),
		.values = 1,
		.eras = { { KV(4, 11), 0, 65535, "1024", NULL } },
		.governs = "The first port an unprivileged process may bind; ip_local_port_range may not start below it.",
		.not_governs = "It does not reserve ports from the ephemeral range.",
		.traps = "Absent before 4.11: the boundary is a fixed 1024.",
	},
	[K_TCP_WMEM] = {
		.name = "net.ipv4.tcp_wmem",
		.proc = "net/ipv4/tcp_wmem",
		.unit = "bytes (min default max)",
		.scope = SCOPE_NETNS,
		.netns_since = KV(4, 15),
		.values = 3,
		.eras = { { 0, 1, INT_MAX, "4096 16384 4194304", NULL } },
		.governs = "Send buffer sizes; an orphan can keep up to the maximum of unsent data queued.",
		.not_governs = "fintune sizes orphans with the documentation's 64 KiB rule of thumb instead.",
		.traps = "A large maximum lets each orphan pin more memory than tcp_max_orphans suggests.",
	},
	[K_TW_RECYCLE] = {
		.name = "net.ipv4.tcp_tw_recycle",
		.proc = "net/ipv4/tcp_tw_recycle",
		.unit = "0 off, 1 on",
		.scope = SCOPE_NETNS,
		.removed = KV(4, 12),
		.values = 1,
		.eras = { { 0, 0, 1, "0", NULL } },
		.governs =
			"Removed in 4.12. It dropped SYNs whose timestamps went back in time "
			"for a peer address.",
		.not_governs = "fintune never sets it.",
		.traps =
			"It broke clients behind NAT, whose timestamps differ per host behind "
			"one address. If an old kernel still has it on, turn it off.",
	},
};

const struct key_fact *key_fact(enum key_id id)
{
	return id < K_COUNT ? &facts[id] : NULL;
}

int key_lookup(const char *name)
{
	for (int i = 0; i < K_COUNT; i++) {
		const char *dot = strrchr(facts[i].name, '.');

		if (strcmp(name, facts[i].name) == 0 || strcmp(name, facts[i].proc) == 0 ||
		    (dot && strcmp(name, dot + 1) == 0))
			return i;
	}
	return -1;
}

const char *kernel_from_name(const struct kernel *k)
{
	switch (k->from) {
	case KERNEL_FROM_PROC: return "proc";
	case KERNEL_FROM_MODULES: return "modules";
	case KERNEL_FROM_OPTION: return "option";
	default: return "assumed";
	}
}

const char *kernel_from_text(const struct kernel *k, char *buf, size_t size)
{
	switch (k->from) {
	case KERNEL_FROM_PROC: snprintf(buf, size, "the running kernel"); break;
	case KERNEL_FROM_MODULES:
		if (k->n_modules > 1)
			snprintf(buf, size, "the newest of %u kernels in the image's /lib/modules", k->n_modules);
		else
			snprintf(buf, size, "the image's /lib/modules");
		break;
	case KERNEL_FROM_OPTION: snprintf(buf, size, "--kernel"); break;
	default: snprintf(buf, size, "no kernel found in the image (no /lib/modules; --kernel names one)"); break;
	}
	return buf;
}

/* --kernel RELEASE for an offline image: -EEXIST where the root has live
 * values (their kernel decides), -EINVAL when it is no release. */
static int kernel_set_release(struct kernel *k, const char *release)
{
	unsigned v = kernel_parse_version(release);

	if (k->live)
		return -EEXIST;
	if (!v || strlen(release) >= sizeof(k->release))
		return -EINVAL;
	snprintf(k->release, sizeof(k->release), "%s", release);
	k->version = v;
	k->from = KERNEL_FROM_OPTION;
	k->n_modules = 0;
	k->hz = 0;
	return 0;
}

const char *kernel_label(const struct kernel *k, char *buf, size_t size)
{
	if (k->version)
		return k->release;
	snprintf(buf, size, "Linux %u.%u", KERNEL_NEWEST / 1000, KERNEL_NEWEST % 1000);
	return buf;
}

unsigned kernel_parse_version(const char *release)
{
	unsigned long major, minor;
	char *end;

	if (!release || release[0] < '0' || release[0] > '9')
		return 0;
	major = strtoul(release, &end, 10);
	if (*end != '.' || end[1] < '0' || end[1] > '9')
		return 0;
	minor = strtoul(end + 1, &end, 10);
	if (major > 1000 || minor > 999)
		return 0;
	return KV((unsigned)major, (unsigned)minor);
}

const struct key_era *kernel_era(const struct kernel *k, enum key_id id)
{
	const struct key_fact *f = &facts[id];
	unsigned v = k->version ? k->version : KERNEL_NEWEST;
	const struct key_era *best = &f->eras[0];

	for (size_t i = 1; i < ARRAY_SIZE(f->eras) && f->eras[i].since; i++)
		if (f->eras[i].since <= v)
			best = &f->eras[i];
	return best;
}

bool kernel_has(const struct kernel *k, enum key_id id)
{
	const struct key_fact *f = &facts[id];
	unsigned v;

	if (k->live)
		return k->running[id].exists;
	v = k->version ? k->version : KERNEL_NEWEST;
	return v >= f->since && (!f->removed || v < f->removed);
}

enum key_scope kernel_scope(const struct kernel *k, enum key_id id)
{
	const struct key_fact *f = &facts[id];

	if (f->scope == SCOPE_GLOBAL || (f->netns_since && k->version && k->version < f->netns_since))
		return SCOPE_GLOBAL;
	return SCOPE_NETNS;
}

bool kernel_writable(const struct kernel *k, enum key_id id)
{
	if (kernel_scope(k, id) == SCOPE_GLOBAL && k->child_netns)
		return false;
	return kernel_has(k, id);
}

bool kernel_value(const struct kernel *k, enum key_id id, long *out)
{
	char *end;
	long v;

	if (!k->running[id].present)
		return false;
	errno = 0;
	v = strtol(k->running[id].value, &end, 10);
	if (errno || end == k->running[id].value)
		return false;
	*out = v;
	return true;
}

/* The kernel's isspace (lib/ctype.c): \t..\r, space, and Latin-1's no-break
 * space. It skips these before each integer of a write. */
static bool kernel_space(unsigned char c)
{
	return c == ' ' || (c >= '\t' && c <= '\r') || c == 0xa0;
}

/* The kernel's proc_get_long keeps at most this many characters of an
 * integer (TMPBUFLEN - 1) and refuses one that fills them: it cannot tell
 * where a longer one would end. */
#define PROC_NUMBER_MAX 21

/* One integer at *pp as proc_get_long reads it: an optional '-', then a
 * digit; the base from the prefix as the kernel's strtoul(..., 0) picks it
 * ("0x" or "0X" and a hex digit: 16; another leading 0: 8, so "08" stops
 * after the 0; else 10). *pp moves past it; what may follow is the caller's
 * rule. False where the kernel says EINVAL. */
static bool parse_proc_long(const char **pp, long *out)
{
	const char *s = *pp, *p = s;
	bool neg = false;
	unsigned base = 10;
	unsigned long v = 0;
	int d;

	if (*p == '-') {
		neg = true;
		p++;
	}
	if (*p < '0' || *p > '9')
		return false;
	if (p[0] == '0') {
		if ((p[1] == 'x' || p[1] == 'X') && hex_digit(p[2]) >= 0) {
			base = 16;
			p += 2;
		} else {
			base = 8;
		}
	}
	for (; (d = hex_digit(*p)) >= 0 && (unsigned)d < base; p++) {
		if (v > (ULONG_MAX - (unsigned)d) / base)
			return false;	/* overflow: the kernel refuses it */
		v = v * base + (unsigned)d;
	}
	if (p - s >= PROC_NUMBER_MAX || v > (unsigned long)LONG_MAX)
		return false;
	*out = neg ? -(long)v : (long)v;
	*pp = p;
	return true;
}

/* What may follow an integer in a write: a blank or the end. */
static bool proc_number_end(char c)
{
	return c == '\0' || c == ' ' || c == '\t' || c == '\n';
}

const char *kernel_parse_ints(const char *value, unsigned n, long v[])
{
	const char *p = value;

	for (unsigned i = 0; i < n; i++) {
		while (kernel_space((unsigned char)*p))
			p++;
		if (!parse_proc_long(&p, &v[i]) || !proc_number_end(*p))
			return NULL;
	}
	return p;
}

bool kernel_accepts(const struct kernel *k, enum key_id id, const char *value)
{
	const struct key_era *era = kernel_era(k, id);
	const char *p;
	long v[3] = { 0 };
	unsigned n = facts[id].values;

	if (!kernel_has(k, id))
		return false;
	/* exactly the key's integers, nothing after them */
	p = kernel_parse_ints(value, n, v);
	if (!p || (era->no_sign && strchr(value, '-')))
		return false;
	while (kernel_space((unsigned char)*p))
		p++;
	if (*p)
		return false;
	for (unsigned i = 0; i < n; i++)
		if (v[i] < era->min || v[i] > era->max)
			return false;
	if (id == K_PORT_RANGE) {
		long unpriv = 1024;

		if (kernel_has(k, K_UNPRIV_PORT_START))
			kernel_value(k, K_UNPRIV_PORT_START, &unpriv);
		if (v[0] > v[1] || v[0] < unpriv)
			return false;
	}
	return true;
}

bool kernel_parse_write(const struct kernel *k, enum key_id id, const char *value, char *out, size_t size)
{
	const struct key_era *era = kernel_era(k, id);
	unsigned n = facts[id].values, got = 0;
	const char *p = value;
	long v[3];
	size_t len = 0;

	/* the integers there are, up to the key's count; anything after them
	 * is ignored, as the kernel does */
	while (got < n) {
		const char *q = p;

		while (kernel_space((unsigned char)*q))
			q++;
		if (!*q && got > 0)
			break;
		if (era->no_sign && *q == '-')
			return false;
		p = kernel_parse_ints(p, 1, &v[got]);
		if (!p)
			return false;
		got++;
	}
	if (got < n) {
		/* the rest keep what the key holds */
		long keep[3];
		const char *now = k->running[id].present ? k->running[id].value : era->def;

		if (!now || !kernel_parse_ints(now, n, keep))
			return false;
		for (unsigned i = got; i < n; i++)
			v[i] = keep[i];
	}
	for (unsigned i = 0; i < n; i++) {
		int r = snprintf(out + len, size - len, "%s%ld", i ? " " : "", v[i]);

		if (r < 0 || (size_t)r >= size - len)
			return false;
		len += (size_t)r;
	}
	return kernel_accepts(k, id, out);
}

/* Folds a proc value's whitespace runs into one space. 0, or -EINVAL when
 * it holds nothing; 1 when it is no value a kernel shows: a byte that is
 * not printable ASCII (written as \xNN), or more than out holds (cut, with
 * "..." at the end). Either way out is printable and never parses as a
 * value, so it can be shown, and is refused where a value is needed. */
int kernel_fold_value(const char *buf, size_t n, bool more, char *out, size_t size)
{
	size_t o = 0;
	int r = 0;

	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)buf[i];

		if (c == ' ' || c == '\t' || c == '\n') {
			if (o > 0 && out[o - 1] != ' ' && o + 1 < size)
				out[o++] = ' ';
			continue;
		}
		if (c < 0x20 || c > 0x7e || c == '\\') {
			r = 1;
			if (o + 5 < size)
				o += (size_t)snprintf(out + o, size - o, "\\x%02x", c);
			else
				more = true;
		} else if (o + 1 < size) {
			out[o++] = (char)c;
		} else {
			more = true;
		}
	}
	while (o > 0 && out[o - 1] == ' ')
		o--;
	if (more) {
		r = 1;
		if (o + 4 > size)
			o = size - 4;
		memcpy(out + o, "...", 3);
		o += 3;
	}
	out[o] = '\0';
	return o ? r : -EINVAL;
}

/* Opens a file below ROOT/proc/sys, never through a link, and only when it
 * is a regular file with one name (a hard link in a test tree could lead
 * anywhere; a FIFO would hang the run: O_NONBLOCK, then refused). */
static int open_proc(struct host *h, const char *rel, int flags)
{
	char path[PATH_MAX];
	int fd;

	snprintf(path, sizeof(path), "/proc/sys/%s", rel);
	fd = host_openat(h, path, O_PATH, 0, HOST_NOLINKS, NULL, 0);
	if (fd >= 0)
		fd = fd_reopen_regular(fd, flags);
	if (fd == -EINVAL)
		return -EBADFD;
	if (fd < 0)
		return fd;
	if (fd_check(fd, NULL) != FD_OK) {
		close(fd);
		return -EBADFD;
	}
	return fd;
}

/* 0, -errno, or 1 with out as fold_value leaves it: no value a kernel
 * shows. */
static int read_proc(struct host *h, const char *rel, char *out, size_t size)
{
	char buf[256], c;
	bool more;
	ssize_t n;
	int fd = open_proc(h, rel, O_RDONLY);

	if (fd < 0)
		return fd;
	n = pread(fd, buf, sizeof(buf) - 1, 0);
	/* a file longer than any value: what follows must not be dropped
	 * unseen (a fake tree's "60", 300 blanks and "abc" is not 60) */
	more = n == (ssize_t)sizeof(buf) - 1 && pread(fd, &c, 1, n) == 1;
	close(fd);
	if (n < 0)
		return -errno;
	return kernel_fold_value(buf, (size_t)n, more, out, size);
}

int kernel_read_value(struct host *h, enum key_id id, char *out, size_t size)
{
	return read_proc(h, facts[id].proc, out, size);
}

int kernel_write_value(struct host *h, enum key_id id, const char *value)
{
	char line[KERNEL_VALUE_MAX + 2], back[256], got[KERNEL_VALUE_MAX];
	struct stat st;
	ssize_t n;
	int fd, len, r = 0;

	/* one descriptor: what is written is what is read back */
	fd = open_proc(h, facts[id].proc, O_RDWR);
	if (fd < 0)
		return fd;
	/* a plain file in a test tree is replaced whole; /proc/sys files are
	 * empty to stat and need nothing */
	if (fstat(fd, &st) == 0 && st.st_size > 0 && ftruncate(fd, 0) < 0)
		r = -errno;
	len = snprintf(line, sizeof(line), "%s\n", value);
	errno = 0;
	if (r == 0 && pwrite(fd, line, (size_t)len, 0) != len)
		r = errno ? -errno : -EIO;
	/* what the kernel kept is what counts: it must read back as written */
	if (r == 0) {
		n = pread(fd, back, sizeof(back) - 1, 0);
		r = n < 0 ? -errno : kernel_fold_value(back, (size_t)n, false, got, sizeof(got)) != 0 || strcmp(got, value) ? -EIO : 0;
	}
	if (close(fd) < 0 && r == 0)
		r = -errno;
	return r;
}

/* An offline image's kernel: the newest release in its /lib/modules (or
 * /usr/lib/modules), links followed inside the image. */
static void read_modules(struct host *h, struct kernel *k)
{
	static const char *const dirs[] = { "/lib/modules", "/usr/lib/modules" };

	for (size_t i = 0; i < ARRAY_SIZE(dirs) && !k->n_modules; i++) {
		int fd = host_openat(h, dirs[i], O_RDONLY | O_DIRECTORY, 0, HOST_FOLLOW, NULL, 0);
		DIR *dir = fd >= 0 ? fdopendir(fd) : NULL;
		struct dirent *e;

		if (!dir) {
			if (fd >= 0)
				close(fd);
			continue;
		}
		while ((e = readdir(dir))) {
			unsigned v = kernel_parse_version(e->d_name);

			if (!v || strlen(e->d_name) >= sizeof(k->release) || (e->d_type != DT_DIR && e->d_type != DT_UNKNOWN))
				continue;
			k->n_modules++;
			/* the newest; among equals the last by name, as a boot menu sorts */
			if (v > k->version || (v == k->version && strcmp(e->d_name, k->release) > 0)) {
				k->version = v;
				snprintf(k->release, sizeof(k->release), "%s", e->d_name);
			}
		}
		closedir(dir);
	}
	if (k->n_modules)
		k->from = KERNEL_FROM_MODULES;
}

unsigned kernel_config_hz(const char *text)
{
	/* CONFIG_HZ=N at the start of a line, the first line too */
	for (const char *p = text; p; p = strchr(p, '\n')) {
		unsigned long hz;

		p += *p == '\n';
		if (strncmp(p, "CONFIG_HZ=", 10) != 0)
			continue;
		hz = strtoul(p + 10, NULL, 10);
		/* what Kconfig offers: 100, 250, 300, 1000; a few others exist */
		return hz >= 24 && hz <= 10000 ? (unsigned)hz : 0;
	}
	return 0;
}

/* CONFIG_HZ from the image's /boot/config-RELEASE, when it has one. */
static void read_config_hz(struct host *h, struct kernel *k)
{
	char path[192], *text = NULL;
	size_t len;
	int fd;

	snprintf(path, sizeof(path), "/boot/config-%s", k->release);
	fd = host_openat(h, path, O_PATH, 0, HOST_FOLLOW, NULL, 0);
	if (fd < 0)
		return;
	fd = fd_reopen_regular(fd, O_RDONLY);
	if (fd < 0)
		return;
	if (fd_read_all(fd, 4 << 20, &text, &len) == 0)
		k->hz = kernel_config_hz(text);
	free(text);
	close(fd);
}

int kernel_read_host(struct host *h, struct kernel *k, const char *release, struct diags *d)
{
	int fd;

	memset(k, 0, sizeof(*k));
	if (read_proc(h, "kernel/osrelease", k->release, sizeof(k->release)) == 0) {
		k->version = kernel_parse_version(k->release);
		k->from = KERNEL_FROM_PROC;
	} else {
		k->release[0] = '\0';
	}
	fd = host_openat(h, "/proc/sys/net/ipv4", O_PATH | O_DIRECTORY, 0, HOST_NOLINKS, NULL, 0);
	if (fd < 0) {
		/* a link there is the verdict's to refuse (snapshot.c) */
		if (fd != -ENOENT && fd != -ELOOP)
			diag_warn(d, "/proc/sys/net/ipv4", 0, 0, NULL, "cannot open: %s; planning without live values",
				  strerror(-fd));
		/* an offline image: the facts of the kernel it boots, or of the
		 * one --kernel names */
		if (release) {
			int r = kernel_set_release(k, release);

			if (r < 0)
				return r;
		} else if (k->from != KERNEL_FROM_PROC) {
			read_modules(h, k);
		}
		if (k->version)
			read_config_hz(h, k);
		return 0;
	}
	close(fd);
	k->live = true;
	/* the coarse clock ticks once a jiffy: its resolution is 1/HZ of the
	 * kernel fintune runs on, which is the one these live values are of
	 * only when the root says the same release (a copied proc tree of
	 * another machine does not) */
	{
		struct timespec res;
		struct utsname u;

		if (uname(&u) == 0 && strcmp(u.release, k->release) == 0 &&
		    clock_getres(CLOCK_MONOTONIC_COARSE, &res) == 0 && res.tv_sec == 0 && res.tv_nsec > 0)
			k->hz = (unsigned)((1000000000L + res.tv_nsec / 2) / res.tv_nsec);
	}
	for (int i = 0; i < K_COUNT; i++) {
		int r = read_proc(h, facts[i].proc, k->running[i].value, sizeof(k->running[i].value));

		/* a value no kernel shows (a tampered tree's ESC, "abc") is kept,
		 * escaped: it is what is there, and no step may take it for a
		 * value it could put back */
		k->running[i].present = r >= 0;
		/* a key that is there but cannot be read is still there: writing it
		 * is what will tell */
		k->running[i].exists = r != -ENOENT;
		k->running[i].not_plain = r == -EBADFD;
		if (r == 1)
			diag_warn(d, "/proc/sys", 0, 0, NULL, "%s: \"%s\" is not a sysctl value", facts[i].proc,
				  k->running[i].value);
		if (r < 0 && r != -ENOENT)
			diag_warn(d, "/proc/sys", 0, 0, NULL, "%s: cannot read: %s; treated as absent",
				  facts[i].proc, r == -EBADFD ? "not a plain file with one link" :
						 r == -EINVAL ? "not a sysctl value" : strerror(-r));
	}
	/* tcp_max_orphans exists in every kernel's initial namespace and in no
	 * child's: its absence is the kernel's own word that this is a child. */
	k->child_netns = !k->running[K_MAX_ORPHANS].exists;
	/* live values: their kernel decides, not --kernel */
	if (release)
		return kernel_set_release(k, release);
	return 0;
}

int kernel_read(const char *root, const char *release, struct kernel *k, struct diags *d)
{
	struct host h;
	int r = host_open(&h, root);

	if (r < 0) {
		memset(k, 0, sizeof(*k));
		diag_add(d, root, 0, 0, NULL, "cannot open the root: %s", strerror(-r));
		return r;
	}
	r = kernel_read_host(&h, k, release, d);
	host_close(&h);
	return r;
}
