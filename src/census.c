// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The census of TCP sockets over NETLINK_SOCK_DIAG: one dump per address
 * family, every state, no extensions (the kernel then sends only the
 * inet_diag_msg of each socket: addresses, ports, state, inode). Cost is
 * linear in the sockets; TIME_WAIT per destination is an open-addressing
 * hash.
 */
#include "census.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <fcntl.h>
#include <errno.h>
#include <inttypes.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <linux/rtnetlink.h>
#include <linux/tcp.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

static const char *const state_names[CENSUS_STATES] = {
	[1] = "ESTABLISHED", [2] = "SYN_SENT", [3] = "SYN_RECV", [4] = "FIN_WAIT1",
	[5] = "FIN_WAIT2", [6] = "TIME_WAIT", [7] = "CLOSE", [8] = "CLOSE_WAIT",
	[9] = "LAST_ACK", [10] = "LISTEN", [11] = "CLOSING", [12] = "NEW_SYN_RECV",
};

const char *census_state_name(int state)
{
	return state > 0 && state < CENSUS_STATES ? state_names[state] : NULL;
}

static uint64_t hash_dest(int family, const uint8_t *src, const uint8_t *dst, uint16_t port)
{
	uint64_t h = 1469598103934665603ULL;

	h = (h ^ (uint64_t)family) * 1099511628211ULL;
	for (int i = 0; i < 16; i++)
		h = (h ^ src[i]) * 1099511628211ULL;
	for (int i = 0; i < 16; i++)
		h = (h ^ dst[i]) * 1099511628211ULL;
	return (h ^ port) * 1099511628211ULL;
}

static int table_grow(struct census_table *t)
{
	size_t cap = t->cap ? t->cap * 2 : 256;
	struct census_dest *n = calloc(cap, sizeof(*n)), *old = t->v;

	if (!n)
		return -ENOMEM;
	for (size_t i = 0; i < t->cap; i++) {
		size_t j;

		if (!old[i].count)
			continue;
		j = hash_dest(old[i].family, old[i].src, old[i].dst, old[i].dport) & (cap - 1);
		while (n[j].count)
			j = (j + 1) & (cap - 1);
		n[j] = old[i];
	}
	free(old);
	t->v = n;
	t->cap = cap;
	return 0;
}

/* Counts one more socket of the key (family, src, dst, port). */
static int table_add(struct census_table *t, int family, const uint8_t *src, const uint8_t *dst, uint16_t port)
{
	size_t j;

	if ((t->n + 1) * 10 > t->cap * 7 && table_grow(t) < 0)
		return -ENOMEM;
	j = hash_dest(family, src, dst, port) & (t->cap - 1);
	for (; t->v[j].count; j = (j + 1) & (t->cap - 1)) {
		struct census_dest *d = &t->v[j];

		if (d->family == family && d->dport == port && !memcmp(d->src, src, 16) && !memcmp(d->dst, dst, 16)) {
			d->count++;
			return 0;
		}
	}
	t->v[j] = (struct census_dest){ .family = family, .dport = port, .count = 1 };
	memcpy(t->v[j].src, src, 16);
	memcpy(t->v[j].dst, dst, 16);
	t->n++;
	return 0;
}

static void table_free(struct census_table *t)
{
	free(t->v);
	*t = (struct census_table){ 0 };
}

/* Doubles an array of *cap elements of size bytes (256 to begin with). */
static int grow(void **v, size_t *cap, size_t size)
{
	size_t n = *cap ? *cap * 2 : 256;
	void *p = reallocarray(*v, n, size);

	if (!p)
		return -ENOMEM;
	*v = p;
	*cap = n;
	return 0;
}

static bool listening(const struct census *c, unsigned port)
{
	return c->listening[port / 8] & (1u << (port % 8));
}

static bool is_mapped(const uint8_t *a)
{
	static const uint8_t mapped[12] = { [10] = 0xff, [11] = 0xff };

	return !memcmp(a, mapped, 12);
}

bool census_loopback(int family, const uint8_t *a)
{
	static const uint8_t v6_lo[16] = { [15] = 1 };

	if (family == AF_INET)
		return a[0] == 127;
	return !memcmp(a, v6_lo, 16) || (is_mapped(a) && a[12] == 127);
}

/* What CENSUS_DETAIL adds: where the outbound sockets go, from which
 * addresses, and where the inbound ones come from. */
static int count_detail(struct census *c, int family, const uint8_t *src, const uint8_t *dst, uint16_t dport,
			bool inbound)
{
	static const uint8_t none[16];

	if (inbound) {
		c->inbound++;
		return table_add(&c->in_clients, family, none, dst, 0);
	}
	c->outbound++;
	c->out_loopback += census_loopback(family, dst);
	if (table_add(&c->out_dests, family, none, dst, dport) < 0)
		return -ENOMEM;
	return table_add(&c->out_sources, family, src, none, 0);
}

static int count(struct census *c, const struct inet_diag_msg *m, long lo, long hi, unsigned flags)
{
	int st = m->idiag_state;
	uint8_t src[16] = { 0 }, dst[16] = { 0 };
	int family = m->idiag_family;
	size_t len = family == AF_INET ? 4 : 16;
	unsigned sport = ntohs(m->id.idiag_sport);
	bool inbound;

	if (st <= 0 || st >= CENSUS_STATES)
		return 0;
	c->states[st]++;
	c->total++;
	if (st == 10)
		return 0;
	memcpy(src, m->id.idiag_src, len);
	memcpy(dst, m->id.idiag_dst, len);
	/* an IPv4 peer of a dual-stack socket is an IPv4 address: the same
	 * destination, the same ports */
	if (family == AF_INET6 && is_mapped(dst)) {
		family = AF_INET;
		memmove(dst, dst + 12, 4);
		memset(dst + 4, 0, 12);
		memmove(src, src + 12, 4);
		memset(src + 4, 0, 12);
	}
	inbound = listening(c, sport);
	if (m->idiag_inode == 0) {
		/* no socket file: after close(), an orphan (or a small
		 * TIME_WAIT-type socket); before accept(), a connection
		 * waiting in a listener's queue */
		if (st == 4 || st == 5 || st == 6 || st == 9 || st == 11)
			c->orphaned[st]++;
		else
			c->backlog++;
		/* a FIN nobody acknowledges: retransmitted until the orphan
		 * retries give up (timer 1 is the retransmission timer; one
		 * retransmission is everyday loss, two are a silence) */
		if ((st == 4 || st == 9 || st == 11) && m->idiag_timer == 1 && m->idiag_retrans >= 2) {
			c->retrying_orphans++;
			if (m->idiag_retrans > c->max_retries)
				c->max_retries = m->idiag_retrans;
		}
	}
	/* CLOSE_WAIT held by an application: who, is found later */
	if (st == 8 && m->idiag_inode) {
		if (c->n_cw == c->cap_cw && grow((void **)&c->cw_inodes, &c->cap_cw, sizeof(c->cw_inodes[0])) < 0)
			return -ENOMEM;
		c->cw_inodes[c->n_cw++] = m->idiag_inode;
	}
	if ((flags & CENSUS_DETAIL) && count_detail(c, family, src, dst, ntohs(m->id.idiag_dport), inbound) < 0)
		return -ENOMEM;
	if (st != 6)
		return 0;
	/* a TIME_WAIT socket's timer says when it was made; one whose timer
	 * has run out waits for the timer wheel to reap it, and is older */
	if ((flags & CENSUS_DETAIL) && m->idiag_expires > 0 && m->idiag_expires <= 60000) {
		long age = (60000 - (long)m->idiag_expires) / 1000;
		static const uint8_t none[16];

		(inbound ? c->tw_age_in : c->tw_age_out)[age > 59 ? 59 : age]++;
		/* the closes of the last minute, by destination */
		if (!inbound && table_add(&c->out_tw_dests, family, none, dst, ntohs(m->id.idiag_dport)) < 0)
			return -ENOMEM;
	}
	if (inbound) {
		c->time_wait_in++;
		return 0;
	}
	c->time_wait_out++;
	if ((long)sport < lo || (long)sport > hi)
		return 0;
	return table_add(&c->tw_dests, family, src, dst, ntohs(m->id.idiag_dport));
}

/* The smoothed RTT from an established socket's tcp_info. */
static int count_rtt(struct census *c, const struct nlmsghdr *h)
{
	const struct inet_diag_msg *m = NLMSG_DATA(h);
	int len = (int)h->nlmsg_len - (int)NLMSG_LENGTH(sizeof(*m));
	const struct rtattr *a = (const struct rtattr *)(m + 1);

	for (; RTA_OK(a, len); a = RTA_NEXT(a, len)) {
		struct tcp_info ti = { 0 };

		if (a->rta_type != INET_DIAG_INFO || m->idiag_state != 1)
			continue;
		/* an older kernel sends a shorter tcp_info: the rest stays 0 */
		memcpy(&ti, RTA_DATA(a), RTA_PAYLOAD(a) < sizeof(ti) ? RTA_PAYLOAD(a) : sizeof(ti));
		if (!ti.tcpi_rtt)
			return 0;
		if (c->n_rtt == c->cap_rtt && grow((void **)&c->rtt_us, &c->cap_rtt, sizeof(c->rtt_us[0])) < 0)
			return -ENOMEM;
		c->rtt_us[c->n_rtt++] = ti.tcpi_rtt;
		return 0;
	}
	return 0;
}

enum pass { PASS_LISTEN, PASS_ALL, PASS_RTT };

/* One dump of one family: the listeners (their ports only), every socket,
 * or the established ones with tcp_info. */
/* family AF_UNSPEC: both families in one dump, by the older TCPDIAG_GETSOCK
 * request (the kernel's compat path dumps every family). A dump of every
 * state walks the whole established hash, the host's table with every
 * namespace's sockets in it: one walk instead of two takes a third off a
 * busy census and half off an idle one (make bench). */
static int dump(struct census *c, int nl, int family, enum pass pass, long lo, long hi, unsigned flags)
{
	union {
		struct {
			struct nlmsghdr nlh;
			struct inet_diag_req_v2 r;
		} v2;
		struct {
			struct nlmsghdr nlh;
			struct inet_diag_req r;
		} compat;
	} req;
	/* only the states counted in this pass; no extensions but the
	 * tcp_info the RTT comes from */
	uint32_t states = pass == PASS_LISTEN ? 1u << 10 : pass == PASS_RTT ? 1u << 1 : (1u << CENSUS_STATES) - 1;
	uint8_t ext = pass == PASS_RTT ? 1u << (INET_DIAG_INFO - 1) : 0;
	size_t len;
	struct sockaddr_nl kernel = { .nl_family = AF_NETLINK };
	static union {
		char buf[65536];
		struct nlmsghdr align;
	} u;

	memset(&req, 0, sizeof(req));
	if (family == AF_UNSPEC) {
		len = sizeof(req.compat);
		req.compat.nlh.nlmsg_type = TCPDIAG_GETSOCK;
		req.compat.r.idiag_family = AF_INET;
		req.compat.r.idiag_states = states;
		req.compat.r.idiag_ext = ext;
	} else {
		len = sizeof(req.v2);
		req.v2.nlh.nlmsg_type = SOCK_DIAG_BY_FAMILY;
		req.v2.r.sdiag_family = (uint8_t)family;
		req.v2.r.sdiag_protocol = IPPROTO_TCP;
		req.v2.r.idiag_states = states;
		req.v2.r.idiag_ext = ext;
	}
	req.v2.nlh.nlmsg_len = (uint32_t)len;
	req.v2.nlh.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	req.v2.nlh.nlmsg_seq = (unsigned)family + 1;
	if (sendto(nl, &req, len, 0, (struct sockaddr *)&kernel, sizeof(kernel)) < 0)
		return -errno;
	for (;;) {
		ssize_t n = recv(nl, u.buf, sizeof(u.buf), 0);
		struct nlmsghdr *h;

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (n == 0)
			return -EPROTO;
		for (h = &u.align; NLMSG_OK(h, (unsigned)n); h = NLMSG_NEXT(h, n)) {
			int r;

			if (h->nlmsg_type == NLMSG_DONE)
				return 0;
			if (h->nlmsg_type == NLMSG_ERROR) {
				const struct nlmsgerr *e = NLMSG_DATA(h);

				/* no IPv6 in this kernel: nothing to count */
				return e->error == -ENOENT || e->error == -EAFNOSUPPORT ? 0 : e->error ? e->error : -EPROTO;
			}
			if (h->nlmsg_len < NLMSG_LENGTH(sizeof(struct inet_diag_msg)))
				continue;
			if (pass == PASS_LISTEN) {
				const struct inet_diag_msg *m = NLMSG_DATA(h);
				unsigned port = ntohs(m->id.idiag_sport);

				c->listening[port / 8] |= (uint8_t)(1u << (port % 8));
				continue;
			}
			r = pass == PASS_RTT ? count_rtt(c, h) : count(c, NLMSG_DATA(h), lo, hi, flags);
			if (r < 0)
				return r;
		}
	}
}

static int cmp_inode(const void *a, const void *b);

int census_take(struct census *c, long port_lo, long port_hi, unsigned flags)
{
	/* the kernel answers at once; a bound, not a wait */
	struct timeval tv = { .tv_sec = 5 };
	int nl, r;

	memset(c, 0, sizeof(*c));
	nl = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);
	if (nl < 0)
		return -errno;
	if (setsockopt(nl, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) < 0) {
		r = -errno;
		close(nl);
		return r;
	}
	/* the listeners first, of both families (a dual-stack listener takes
	 * IPv4 connections): whether a socket is inbound is its local port.
	 * Each pass one dump of both families; where the kernel has no compat
	 * request, again from the start, one dump per family. */
	for (int per_family = 0; per_family < 2; per_family++) {
		r = 0;
		for (enum pass p = PASS_LISTEN; p <= PASS_RTT && r == 0; p++) {
			if (p == PASS_RTT && !(flags & CENSUS_DETAIL))
				break;
			r = dump(c, nl, per_family ? AF_INET : AF_UNSPEC, p, port_lo, port_hi, flags);
			if (r == 0 && per_family)
				r = dump(c, nl, AF_INET6, p, port_lo, port_hi, flags);
		}
		if (r != -EINVAL && r != -EOPNOTSUPP && r != -ENOENT)
			break;
		census_free(c);
		memset(c, 0, sizeof(*c));
	}
	close(nl);
	if (r < 0)
		census_free(c);
	else if (c->n_cw)
		qsort(c->cw_inodes, c->n_cw, sizeof(c->cw_inodes[0]), cmp_inode);
	return r;
}

uint64_t census_cw_held_since(const struct census *c, const struct census *earlier)
{
	uint64_t n = 0;
	size_t j = 0;

	/* both sorted: one merge */
	for (size_t i = 0; i < c->n_cw; i++) {
		while (j < earlier->n_cw && earlier->cw_inodes[j] < c->cw_inodes[i])
			j++;
		n += j < earlier->n_cw && earlier->cw_inodes[j] == c->cw_inodes[i];
	}
	return n;
}

void census_free(struct census *c)
{
	table_free(&c->tw_dests);
	table_free(&c->out_dests);
	table_free(&c->out_sources);
	table_free(&c->in_clients);
	table_free(&c->out_tw_dests);
	free(c->rtt_us);
	c->rtt_us = NULL;
	c->n_rtt = c->cap_rtt = 0;
	free(c->cw_inodes);
	c->cw_inodes = NULL;
	c->n_cw = c->cap_cw = 0;
}

static int cmp_inode(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* How many of pid's descriptors are CLOSE_WAIT sockets of the census. */
static uint64_t held_by(const struct census *c, int procfd, const char *pid)
{
	char path[300], link[64];
	uint64_t n = 0;
	int fd;
	DIR *d;
	struct dirent *e;

	snprintf(path, sizeof(path), "%s/fd", pid);
	fd = openat(procfd, path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0 || !(d = fdopendir(fd))) {
		if (fd >= 0)
			close(fd);
		return 0;
	}
	while ((e = readdir(d))) {
		ssize_t len = readlinkat(dirfd(d), e->d_name, link, sizeof(link) - 1);
		uint64_t ino;

		if (len <= 0)
			continue;
		link[len] = '\0';
		if (sscanf(link, "socket:[%" SCNu64 "]", &ino) == 1 &&
		    bsearch(&ino, c->cw_inodes, c->n_cw, sizeof(ino), cmp_inode))
			n++;
	}
	closedir(d);
	return n;
}

int census_owners(struct census *c)
{
	int procfd;
	DIR *d;
	struct dirent *e;

	c->n_owners = 0;
	if (!c->n_cw)
		return 0;
	procfd = open("/proc", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (procfd < 0)
		return -errno;
	d = fdopendir(dup(procfd));
	if (!d) {
		close(procfd);
		return -ENOMEM;
	}
	while ((e = readdir(d))) {
		struct census_owner o = { 0 };
		char path[300];
		size_t i;
		ssize_t len;
		int fd;

		if (e->d_name[0] < '1' || e->d_name[0] > '9')
			continue;
		o.sockets = held_by(c, procfd, e->d_name);
		if (!o.sockets)
			continue;
		o.pid = atoi(e->d_name);
		snprintf(path, sizeof(path), "%s/comm", e->d_name);
		fd = openat(procfd, path, O_RDONLY | O_CLOEXEC);
		len = fd >= 0 ? read(fd, o.comm, sizeof(o.comm) - 1) : -1;
		if (fd >= 0)
			close(fd);
		o.comm[len > 0 ? len : 0] = '\0';
		o.comm[strcspn(o.comm, "\n")] = '\0';
		/* keep the ones holding most, in order */
		for (i = c->n_owners; i > 0 && c->owners[i - 1].sockets < o.sockets; i--)
			if (i < CENSUS_OWNERS)
				c->owners[i] = c->owners[i - 1];
		if (i < CENSUS_OWNERS) {
			c->owners[i] = o;
			if (c->n_owners < CENSUS_OWNERS)
				c->n_owners++;
		}
	}
	closedir(d);
	close(procfd);
	return 0;
}

const struct census_dest *census_busiest(const struct census *c)
{
	const struct census_dest *best = NULL;

	census_top(&c->tw_dests, &best, 1);
	return best;
}

size_t census_top(const struct census_table *t, const struct census_dest **out, size_t n)
{
	size_t k = 0;

	/* a partial insertion sort: n is small */
	for (size_t i = 0; i < t->cap; i++) {
		const struct census_dest *d = &t->v[i];
		size_t j;

		if (!d->count)
			continue;
		for (j = k; j > 0 && out[j - 1]->count < d->count; j--)
			if (j < n)
				out[j] = out[j - 1];
		if (j < n) {
			out[j] = d;
			if (k < n)
				k++;
		}
	}
	return k;
}

uint64_t census_peak_tw(const uint64_t age[60])
{
	uint64_t peak = 0;

	for (int i = 0; i < 60; i++)
		if (age[i] > peak)
			peak = age[i];
	return peak;
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

uint32_t census_median_rtt(struct census *c)
{
	if (!c->n_rtt)
		return 0;
	qsort(c->rtt_us, c->n_rtt, sizeof(c->rtt_us[0]), cmp_u32);
	return c->rtt_us[c->n_rtt / 2];
}

const char *census_dest_text(const struct census_dest *d, char *buf, size_t size)
{
	char a[INET6_ADDRSTRLEN] = "?";

	inet_ntop(d->family, d->dst, a, sizeof(a));
	snprintf(buf, size, d->family == AF_INET6 ? "[%s]:%u" : "%s:%u", a, d->dport);
	return buf;
}
