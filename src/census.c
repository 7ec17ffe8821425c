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
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <netinet/in.h>
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

static int dests_grow(struct census *c)
{
	size_t cap = c->cap_dests ? c->cap_dests * 2 : 256;
	struct census_dest *n = calloc(cap, sizeof(*n)), *old = c->dests;

	if (!n)
		return -ENOMEM;
	for (size_t i = 0; i < c->cap_dests; i++) {
		size_t j;

		if (!old[i].time_wait)
			continue;
		j = hash_dest(old[i].family, old[i].src, old[i].dst, old[i].dport) & (cap - 1);
		while (n[j].time_wait)
			j = (j + 1) & (cap - 1);
		n[j] = old[i];
	}
	free(old);
	c->dests = n;
	c->cap_dests = cap;
	return 0;
}

static int dests_add(struct census *c, int family, const uint8_t *src, const uint8_t *dst, uint16_t port)
{
	size_t j;

	if ((c->n_dests + 1) * 10 > c->cap_dests * 7 && dests_grow(c) < 0)
		return -ENOMEM;
	j = hash_dest(family, src, dst, port) & (c->cap_dests - 1);
	for (; c->dests[j].time_wait; j = (j + 1) & (c->cap_dests - 1)) {
		struct census_dest *d = &c->dests[j];

		if (d->family == family && d->dport == port && !memcmp(d->src, src, 16) && !memcmp(d->dst, dst, 16)) {
			d->time_wait++;
			return 0;
		}
	}
	c->dests[j] = (struct census_dest){ .family = family, .dport = port, .time_wait = 1 };
	memcpy(c->dests[j].src, src, 16);
	memcpy(c->dests[j].dst, dst, 16);
	c->n_dests++;
	return 0;
}

static int count(struct census *c, const struct inet_diag_msg *m, long lo, long hi)
{
	int st = m->idiag_state;
	uint8_t src[16] = { 0 }, dst[16] = { 0 };
	size_t len = m->idiag_family == AF_INET ? 4 : 16;
	long sport = ntohs(m->id.idiag_sport);

	if (st <= 0 || st >= CENSUS_STATES)
		return 0;
	c->states[st]++;
	c->total++;
	/* no socket file: an orphan, or a small TIME_WAIT-type socket */
	if (m->idiag_inode == 0)
		c->orphaned[st]++;
	/* CLOSE_WAIT held by an application: who, is found later */
	if (st == 8 && m->idiag_inode) {
		if (c->n_cw == c->cap_cw) {
			size_t cap = c->cap_cw ? c->cap_cw * 2 : 64;
			uint64_t *n = realloc(c->cw_inodes, cap * sizeof(*n));

			if (!n)
				return -ENOMEM;
			c->cw_inodes = n;
			c->cap_cw = cap;
		}
		c->cw_inodes[c->n_cw++] = m->idiag_inode;
	}
	if (st != 6 || sport < lo || sport > hi)
		return 0;
	memcpy(src, m->id.idiag_src, len);
	memcpy(dst, m->id.idiag_dst, len);
	return dests_add(c, m->idiag_family, src, dst, ntohs(m->id.idiag_dport));
}

static int dump(struct census *c, int nl, int family, long lo, long hi)
{
	struct {
		struct nlmsghdr nlh;
		struct inet_diag_req_v2 r;
	} req;
	struct sockaddr_nl kernel = { .nl_family = AF_NETLINK };
	static union {
		char buf[65536];
		struct nlmsghdr align;
	} u;

	memset(&req, 0, sizeof(req));
	req.nlh.nlmsg_len = sizeof(req);
	req.nlh.nlmsg_type = SOCK_DIAG_BY_FAMILY;
	req.nlh.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	req.nlh.nlmsg_seq = (unsigned)family;
	req.r.sdiag_family = (uint8_t)family;
	req.r.sdiag_protocol = IPPROTO_TCP;
	/* every state; no extensions: only what is counted */
	req.r.idiag_states = (1u << CENSUS_STATES) - 1;
	if (sendto(nl, &req, sizeof(req), 0, (struct sockaddr *)&kernel, sizeof(kernel)) < 0)
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
			r = count(c, NLMSG_DATA(h), lo, hi);
			if (r < 0)
				return r;
		}
	}
}

int census_take(struct census *c, long port_lo, long port_hi)
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
	r = dump(c, nl, AF_INET, port_lo, port_hi);
	if (r == 0)
		r = dump(c, nl, AF_INET6, port_lo, port_hi);
	close(nl);
	if (r < 0)
		census_free(c);
	return r;
}

void census_free(struct census *c)
{
	free(c->dests);
	c->dests = NULL;
	c->n_dests = c->cap_dests = 0;
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
		if (sscanf(link, "socket:[%lu]", (unsigned long *)&ino) == 1 &&
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
	qsort(c->cw_inodes, c->n_cw, sizeof(c->cw_inodes[0]), cmp_inode);
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

	for (size_t i = 0; i < c->cap_dests; i++)
		if (c->dests[i].time_wait && (!best || c->dests[i].time_wait > best->time_wait))
			best = &c->dests[i];
	return best;
}

const char *census_dest_text(const struct census_dest *d, char *buf, size_t size)
{
	char a[INET6_ADDRSTRLEN] = "?";

	inet_ntop(d->family, d->dst, a, sizeof(a));
	snprintf(buf, size, d->family == AF_INET6 ? "[%s]:%u" : "%s:%u", a, d->dport);
	return buf;
}
