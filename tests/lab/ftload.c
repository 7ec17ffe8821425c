// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * ftload: the load generator, servers and socket prober of the fintune lab
 * and of the kernel-fact tests. IPv4 only. Every loop is bounded by a count
 * and by time, so it stops by itself; it is meant to run only inside network
 * namespaces made for a test.
 *
 *   ftload server --listen ADDR:PORT [--seconds S] [--close first|wait]
 *                 [--max N] [--every MS]
 *       Accepts connections. first: close() at once after accept (the
 *       server closes first: TIME_WAIT on the server). wait (default): read
 *       to EOF, then close (the client closes first). Stops after S seconds
 *       (default 10) or N connections (and, with wait, their EOFs).
 *   ftload client --to ADDR:PORT [--seconds S] [--max N] [--every MS]
 *                 [--bind ADDR] [--wait-eof] [--gap MS] [--keep]
 *       Blocking connect() + close() in a loop, at most N attempts and S
 *       seconds. --wait-eof: read to EOF (the server's FIN) before close(), for
 *       servers that close first. --gap: sleep MS (fractions allowed)
 *       between attempts. --bind: the source address (the port is still
 *       chosen by connect()). --keep: no close(); every connection stays
 *       open (ESTABLISHED, against a hold server) until S seconds have
 *       passed, then all are closed (the benchmark's long-lived sockets).
 *   ftload orphan --to ADDR:PORT [--shutdown] [--timeout S] [--send BYTES]
 *                 [--trace]
 *       Connects, prints ready,LOCALPORT, waits for a line on stdin (or EOF;
 *       at most S seconds), sends BYTES bytes if asked, then close()s (with
 *       --shutdown: shutdown(SHUT_WR), keeping the descriptor) and polls the
 *       socket every 10 ms by its 4-tuple (sock_diag) until it is gone or S
 *       seconds (default 30) pass. --trace prints a trace line at the close
 *       and whenever state, RTO, backoff or retransmission count change.
 *   ftload hold --listen ADDR:PORT [--seconds S] [--max N]
 *       Accepts and never reads or closes: its kernel ACKs a FIN but the
 *       application never sends its own, which leaves the other side an
 *       orphan in FIN_WAIT2 (or a half-closed socket there).
 *   ftload stream --listen ADDR:PORT [--seconds S] [--max N]
 *   ftload stream --to ADDR:PORT [--bytes N] [--for S] [--every MS]
 *                 [--timeout S]
 *       Half-close. The client sends its request (N bytes over S seconds,
 *       defaults 1048576 and 5) and shutdown(SHUT_WR)s; the server reads to
 *       EOF, sends a known pattern of N bytes paced over S seconds, then
 *       closes. The client checks every byte and reports its own socket's
 *       state while it reads (FIN-WAIT-2 for as long as the stream lasts).
 *
 * Output, one record a line, comma separated, stable:
 *   ready,PORT                          (server, hold, stream server: listening;
 *                                        orphan: connected, local port)
 *   sample,T_S,COUNT_IN_INTERVAL,TOTAL,ERRORS_IN_INTERVAL   (client, server)
 *   error,ERRNAME,COUNT                 (client, server; at the end)
 *   summary,TOTAL,SECONDS,RATE_PER_S    (client, server, hold, stream server)
 *   gone,SECONDS,LAST_STATE | alive,SECONDS,STATE            (orphan)
 *   trace,T_S,STATE,RTO_MS,BACKOFF,RETRANSMITS,TOTAL_RETRANS (orphan --trace;
 *       RETRANSMITS is the kernel's unrecovered RTO count, TOTAL_RETRANS
 *       every retransmitted segment, tail-loss probes included)
 *   sample,T_S,BYTES,STATE              (stream client)
 *   done,BYTES,SECONDS,intact|short|corrupt,STATE_AT_END     (stream client;
 *       the state of its socket once the stream ended, TIME-WAIT normally)
 * States are named as ss names them (ESTAB, FIN-WAIT-1, ...). SECONDS count
 * from the close() or shutdown() for orphan, from the start otherwise.
 * Exit status: 0 done, 1 usage or setup error, 3 stream not intact.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/sock_diag.h>

#define MAX_DEFAULT 10000000UL
#define POLL_MS 10

static const char *prog_cmd = "ftload";

static void die(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "ftload: %s: ", prog_cmd);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void sleep_s(double s)
{
	struct timespec ts;

	if (s <= 0)
		return;
	ts.tv_sec = (time_t)s;
	ts.tv_nsec = (long)((s - ts.tv_sec) * 1e9);
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

static int ms_until(double deadline)
{
	double left = deadline - now();

	if (left <= 0)
		return 0;
	/* poll()'s int: about 24 days; every loop comes back sooner anyway */
	if (left > 2000000)
		return 2000000000;
	return (int)(left * 1000) + 1;
}

static struct timeval timeval_of(double s)
{
	struct timeval tv;

	if (s < 0.001)
		s = 0.001;
	tv.tv_sec = (time_t)s;
	tv.tv_usec = (suseconds_t)((s - tv.tv_sec) * 1e6);
	return tv;
}

static const char *errname(int e)
{
	const char *n = strerrorname_np(e);

	return n ? n : "EUNKNOWN";
}

static const char *state_name(int st)
{
	static const char *const names[] = {
		[TCP_ESTABLISHED] = "ESTAB",
		[TCP_SYN_SENT] = "SYN-SENT",
		[TCP_SYN_RECV] = "SYN-RECV",
		[TCP_FIN_WAIT1] = "FIN-WAIT-1",
		[TCP_FIN_WAIT2] = "FIN-WAIT-2",
		[TCP_TIME_WAIT] = "TIME-WAIT",
		[TCP_CLOSE] = "UNCONN",
		[TCP_CLOSE_WAIT] = "CLOSE-WAIT",
		[TCP_LAST_ACK] = "LAST-ACK",
		[TCP_LISTEN] = "LISTEN",
		[TCP_CLOSING] = "CLOSING",
	};

	if (st >= 0 && st < (int)(sizeof(names) / sizeof(names[0])) && names[st])
		return names[st];
	return "UNKNOWN";
}

/* --- arguments ------------------------------------------------------------ */

static double parse_num(const char *opt, const char *s, double min, double max)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || *end || v != v || v < min || v > max)
		die("%s '%s': expected a number from %g to %g", opt, s, min, max);
	return v;
}

static unsigned long parse_count(const char *opt, const char *s, unsigned long min, unsigned long max)
{
	char *end;
	unsigned long v;

	errno = 0;
	if (*s == '-' || *s == '+')
		die("%s '%s': expected a count from %lu to %lu", opt, s, min, max);
	v = strtoul(s, &end, 10);
	if (errno || end == s || *end || v < min || v > max)
		die("%s '%s': expected a count from %lu to %lu", opt, s, min, max);
	return v;
}

/* ADDR:PORT, or ADDR alone when port_ok is 0 (the port is then 0). */
static struct sockaddr_in parse_addr(const char *opt, const char *s, int want_port)
{
	struct sockaddr_in sin = { .sin_family = AF_INET };
	char buf[64];
	const char *colon = strrchr(s, ':');
	size_t n = colon ? (size_t)(colon - s) : strlen(s);

	if ((want_port && !colon) || n >= sizeof(buf))
		die("%s '%s': expected %s", opt, s, want_port ? "ADDR:PORT" : "ADDR");
	memcpy(buf, s, n);
	buf[n] = '\0';
	if (inet_pton(AF_INET, buf, &sin.sin_addr) != 1)
		die("%s '%s': not an IPv4 address", opt, s);
	if (colon)
		sin.sin_port = htons((uint16_t)parse_count(opt, colon + 1, 0, 65535));
	return sin;
}

struct opts {
	struct sockaddr_in listen, to, bind;
	int have_listen, have_to, have_bind;
	double seconds, timeout, gap_ms, for_s;
	unsigned long max, bytes, every_ms, send;
	int close_first, shutdown, read_eof, trace, keep;
};

static void usage(FILE *f)
{
	fputs("usage:\n"
	      "  ftload server --listen ADDR:PORT [--seconds S] [--close first|wait] [--max N] [--every MS]\n"
	      "  ftload client --to ADDR:PORT [--seconds S] [--max N] [--every MS] [--bind ADDR] [--wait-eof] [--gap MS]\n"
	      "                [--keep]\n"
	      "  ftload orphan --to ADDR:PORT [--shutdown] [--timeout S] [--send BYTES] [--trace]\n"
	      "  ftload hold --listen ADDR:PORT [--seconds S] [--max N]\n"
	      "  ftload stream --listen ADDR:PORT [--seconds S] [--max N]\n"
	      "  ftload stream --to ADDR:PORT [--bytes N] [--for S] [--every MS] [--timeout S]\n"
	      "Prints comma-separated records (ready, sample, error, summary, gone, alive,\n"
	      "trace, done); see the header of tests/lab/ftload.c. IPv4 only; run it only\n"
	      "inside network namespaces made for a test.\n", f);
}

/* allowed: the options this subcommand takes, as a space-separated list */
static void parse_opts(int argc, char **argv, const char *allowed, struct opts *o)
{
	char want[64];

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;
		int flag = !strcmp(a, "--shutdown") || !strcmp(a, "--wait-eof") || !strcmp(a, "--trace") ||
			   !strcmp(a, "--keep");

		snprintf(want, sizeof(want), " %s ", a);
		if (strncmp(a, "--", 2) || !strstr(allowed, want))
			die("unknown option '%s'", a);
		if (!flag && !v)
			die("%s needs a value", a);
		if (!flag)
			i++;
		if (!strcmp(a, "--listen")) {
			o->listen = parse_addr(a, v, 1);
			o->have_listen = 1;
		} else if (!strcmp(a, "--to")) {
			o->to = parse_addr(a, v, 1);
			if (!o->to.sin_port)
				die("--to '%s': port 0", v);
			o->have_to = 1;
		} else if (!strcmp(a, "--bind")) {
			o->bind = parse_addr(a, v, 0);
			o->have_bind = 1;
		} else if (!strcmp(a, "--seconds")) {
			o->seconds = parse_num(a, v, 0.001, 86400);
		} else if (!strcmp(a, "--timeout")) {
			o->timeout = parse_num(a, v, 0.001, 86400);
		} else if (!strcmp(a, "--for")) {
			o->for_s = parse_num(a, v, 0, 3600);
		} else if (!strcmp(a, "--gap")) {
			o->gap_ms = parse_num(a, v, 0, 60000);
		} else if (!strcmp(a, "--max")) {
			o->max = parse_count(a, v, 1, MAX_DEFAULT);
		} else if (!strcmp(a, "--every")) {
			o->every_ms = parse_count(a, v, 1, 3600000);
		} else if (!strcmp(a, "--bytes")) {
			o->bytes = parse_count(a, v, 0, 1UL << 34);
		} else if (!strcmp(a, "--send")) {
			o->send = parse_count(a, v, 0, 1UL << 24);
		} else if (!strcmp(a, "--close")) {
			if (!strcmp(v, "first"))
				o->close_first = 1;
			else if (strcmp(v, "wait"))
				die("--close '%s': expected first or wait", v);
		} else if (!strcmp(a, "--shutdown")) {
			o->shutdown = 1;
		} else if (!strcmp(a, "--wait-eof")) {
			o->read_eof = 1;
		} else if (!strcmp(a, "--trace")) {
			o->trace = 1;
		} else if (!strcmp(a, "--keep")) {
			o->keep = 1;
		}
	}
}

/* --- sockets -------------------------------------------------------------- */

static void raise_nofile(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
}

static int listen_on(const struct sockaddr_in *sin, int nonblock)
{
	struct sockaddr_in got;
	socklen_t len = sizeof(got);
	int one = 1;
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | (nonblock ? SOCK_NONBLOCK : 0), 0);

	if (fd < 0)
		die("socket: %s", strerror(errno));
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (const struct sockaddr *)sin, sizeof(*sin)) < 0)
		die("bind: %s", strerror(errno));
	if (listen(fd, 4096) < 0)
		die("listen: %s", strerror(errno));
	if (getsockname(fd, (struct sockaddr *)&got, &len) < 0)
		die("getsockname: %s", strerror(errno));
	printf("ready,%u\n", ntohs(got.sin_port));
	return fd;
}

/* errno counts, for the error,NAME,COUNT records */
struct errs {
	unsigned long count[256];
	unsigned long interval;
};

static void errs_add(struct errs *e, int err)
{
	e->count[err > 0 && err < 256 ? err : 0]++;
	e->interval++;
}

static void errs_print(const struct errs *e)
{
	for (int i = 0; i < 256; i++)
		if (e->count[i])
			printf("error,%s,%lu\n", i ? errname(i) : "EUNKNOWN", e->count[i]);
}

struct sampler {
	double start, next, every;
	unsigned long interval, total;
};

static void sampler_init(struct sampler *s, double start, unsigned long every_ms)
{
	s->start = start;
	s->every = every_ms / 1000.0;
	s->next = start + s->every;
	s->interval = s->total = 0;
}

/* Prints every interval boundary passed by t. */
static void sampler_tick(struct sampler *s, struct errs *e, double t)
{
	while (s->every > 0 && t >= s->next) {
		printf("sample,%.3f,%lu,%lu,%lu\n", s->next - s->start, s->interval, s->total, e->interval);
		s->interval = 0;
		e->interval = 0;
		s->next += s->every;
	}
}

static void summary(unsigned long total, double seconds)
{
	printf("summary,%lu,%.3f,%.1f\n", total, seconds, seconds > 0 ? total / seconds : 0.0);
}

/* --- sock_diag: one socket by its 4-tuple -------------------------------- */

struct diag {
	int state;
	int have_info;
	struct tcp_info info;
};

static int diag_open(void)
{
	int nl = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);
	/* the kernel answers at once; a second is a bound, not a wait */
	struct timeval tv = { .tv_sec = 1 };

	if (nl < 0)
		die("netlink sock_diag: %s", strerror(errno));
	if (setsockopt(nl, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) < 0)
		die("netlink sock_diag: SO_RCVTIMEO: %s", strerror(errno));
	return nl;
}

/* 0 and d filled when the socket exists, -ENOENT when it is gone, else -errno */
static int diag_lookup(int nl, const struct sockaddr_in *local, const struct sockaddr_in *peer, struct diag *d)
{
	static uint32_t seq;
	struct {
		struct nlmsghdr nlh;
		struct inet_diag_req_v2 r;
	} req;
	struct sockaddr_nl kernel = { .nl_family = AF_NETLINK };
	union {
		char buf[8192];
		struct nlmsghdr align;
	} u;
	ssize_t n;

	memset(&req, 0, sizeof(req));
	req.nlh.nlmsg_len = sizeof(req);
	req.nlh.nlmsg_type = SOCK_DIAG_BY_FAMILY;
	req.nlh.nlmsg_flags = NLM_F_REQUEST;
	req.nlh.nlmsg_seq = ++seq;
	req.r.sdiag_family = AF_INET;
	req.r.sdiag_protocol = IPPROTO_TCP;
	req.r.idiag_ext = 1 << (INET_DIAG_INFO - 1);
	req.r.idiag_states = ~0U;
	req.r.id.idiag_sport = local->sin_port;
	req.r.id.idiag_dport = peer->sin_port;
	memcpy(req.r.id.idiag_src, &local->sin_addr, 4);
	memcpy(req.r.id.idiag_dst, &peer->sin_addr, 4);
	req.r.id.idiag_cookie[0] = INET_DIAG_NOCOOKIE;
	req.r.id.idiag_cookie[1] = INET_DIAG_NOCOOKIE;

	if (sendto(nl, &req, sizeof(req), 0, (struct sockaddr *)&kernel, sizeof(kernel)) < 0)
		return -errno;
	for (;;) {
		n = recv(nl, u.buf, sizeof(u.buf), 0);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		for (struct nlmsghdr *h = &u.align; NLMSG_OK(h, (size_t)n); h = NLMSG_NEXT(h, n)) {
			if (h->nlmsg_seq != seq)
				continue;
			if (h->nlmsg_type == NLMSG_ERROR) {
				const struct nlmsgerr *err = NLMSG_DATA(h);

				return err->error ? err->error : -ENOENT;
			}
			if (h->nlmsg_type == SOCK_DIAG_BY_FAMILY) {
				const struct inet_diag_msg *m = NLMSG_DATA(h);
				int len = h->nlmsg_len - NLMSG_LENGTH(sizeof(*m));

				memset(d, 0, sizeof(*d));
				d->state = m->idiag_state;
				for (struct rtattr *a = (struct rtattr *)(m + 1); RTA_OK(a, len); a = RTA_NEXT(a, len)) {
					if (a->rta_type == INET_DIAG_INFO) {
						size_t got = RTA_PAYLOAD(a);

						memcpy(&d->info, RTA_DATA(a), got < sizeof(d->info) ? got : sizeof(d->info));
						d->have_info = 1;
					}
				}
				return 0;
			}
		}
	}
}

/* --- client --------------------------------------------------------------- */

static int cmd_client(int argc, char **argv)
{
	struct opts o = { .seconds = 10, .max = MAX_DEFAULT, .every_ms = 1000 };
	static struct errs e;
	struct sampler s;
	unsigned long attempts = 0;
	double start, end, t;
	int one = 1;
	char sink[4096];
	int *kept = NULL;
	size_t n_kept = 0, cap_kept = 0;

	parse_opts(argc, argv, " --to --seconds --max --every --bind --wait-eof --gap --keep ", &o);
	if (!o.have_to)
		die("--to ADDR:PORT is required");
	raise_nofile();
	start = now();
	end = start + o.seconds;
	sampler_init(&s, start, o.every_ms);
	for (;;) {
		int fd;
		struct timeval tv;

		t = now();
		sampler_tick(&s, &e, t);
		if (t >= end || attempts >= o.max)
			break;
		if (attempts && o.gap_ms > 0) {
			sleep_s(o.gap_ms / 1000 < end - t ? o.gap_ms / 1000 : end - t);
			t = now();
			sampler_tick(&s, &e, t);
			if (t >= end)
				break;
		}
		attempts++;
		fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (fd < 0) {
			errs_add(&e, errno);
			sleep_s(0.001);
			continue;
		}
		/* a blocking connect() or read() ends by the end of the run */
		tv = timeval_of(end - now());
		setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
		setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
		if (o.have_bind) {
			setsockopt(fd, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof(one));
			if (bind(fd, (struct sockaddr *)&o.bind, sizeof(o.bind)) < 0) {
				errs_add(&e, errno);
				close(fd);
				continue;
			}
		}
		if (connect(fd, (struct sockaddr *)&o.to, sizeof(o.to)) < 0) {
			errs_add(&e, errno);
			close(fd);
			continue;
		}
		if (o.read_eof) {
			ssize_t n;

			while ((n = read(fd, sink, sizeof(sink))) > 0)
				;
			if (n < 0) {
				errs_add(&e, errno);
				close(fd);
				continue;
			}
		}
		s.interval++;
		s.total++;
		if (!o.keep) {
			close(fd);
			continue;
		}
		if (n_kept == cap_kept) {
			size_t cap = cap_kept ? cap_kept * 2 : 256;
			int *n = realloc(kept, cap * sizeof(*n));

			if (!n)
				die("out of memory");
			kept = n;
			cap_kept = cap;
		}
		kept[n_kept++] = fd;
	}
	/* the kept connections stay open for the rest of the run */
	while (o.keep && (t = now()) < end) {
		sleep_s(end - t < 0.1 ? end - t : 0.1);
		sampler_tick(&s, &e, now());
	}
	for (size_t i = 0; i < n_kept; i++)
		close(kept[i]);
	free(kept);
	errs_print(&e);
	summary(s.total, now() - start);
	return 0;
}

/* --- server --------------------------------------------------------------- */

static int cmd_server(int argc, char **argv)
{
	struct opts o = { .seconds = 10, .max = MAX_DEFAULT };
	static struct errs e;
	struct sampler s;
	struct epoll_event ev, evs[256];
	unsigned long open_conns = 0;
	double start, end, t;
	int lfd, ep, accepting = 1;
	char sink[4096];

	parse_opts(argc, argv, " --listen --seconds --close --max --every ", &o);
	if (!o.have_listen)
		die("--listen ADDR:PORT is required");
	raise_nofile();
	lfd = listen_on(&o.listen, 1);
	ep = epoll_create1(EPOLL_CLOEXEC);
	if (ep < 0)
		die("epoll: %s", strerror(errno));
	ev.events = EPOLLIN;
	ev.data.fd = lfd;
	if (epoll_ctl(ep, EPOLL_CTL_ADD, lfd, &ev) < 0)
		die("epoll_ctl: %s", strerror(errno));
	start = now();
	end = start + o.seconds;
	sampler_init(&s, start, o.every_ms);
	while ((t = now()) < end && (accepting || open_conns)) {
		int timeout = ms_until(end);
		int n;

		if (s.every > 0 && s.next < end) {
			int to_sample = ms_until(s.next);

			if (to_sample < timeout)
				timeout = to_sample;
		}
		n = epoll_wait(ep, evs, 256, timeout);
		if (n < 0 && errno != EINTR)
			die("epoll_wait: %s", strerror(errno));
		for (int i = 0; i < n; i++) {
			int fd = evs[i].data.fd;

			if (fd == lfd) {
				/* a bounded batch, so reads are not starved */
				for (int k = 0; k < 64 && accepting; k++) {
					int c = accept4(lfd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);

					if (c < 0) {
						if (errno != EAGAIN && errno != EINTR && errno != ECONNABORTED)
							errs_add(&e, errno);
						break;
					}
					s.interval++;
					s.total++;
					if (s.total >= o.max) {
						accepting = 0;
						epoll_ctl(ep, EPOLL_CTL_DEL, lfd, NULL);
					}
					if (o.close_first) {
						close(c);
						continue;
					}
					ev.events = EPOLLIN | EPOLLRDHUP;
					ev.data.fd = c;
					if (epoll_ctl(ep, EPOLL_CTL_ADD, c, &ev) < 0) {
						errs_add(&e, errno);
						close(c);
						continue;
					}
					open_conns++;
				}
				continue;
			}
			for (int k = 0; k < 16; k++) {
				ssize_t r = read(fd, sink, sizeof(sink));

				if (r > 0)
					continue;
				if (r < 0 && (errno == EAGAIN || errno == EINTR))
					break;
				if (r < 0)
					errs_add(&e, errno);
				close(fd); /* also leaves the epoll set */
				open_conns--;
				break;
			}
		}
		sampler_tick(&s, &e, now());
	}
	errs_print(&e);
	summary(s.total, now() - start);
	return 0;
}

/* --- hold ----------------------------------------------------------------- */

static int cmd_hold(int argc, char **argv)
{
	struct opts o = { .seconds = 10, .max = MAX_DEFAULT };
	unsigned long total = 0;
	double start, end;
	int lfd;

	parse_opts(argc, argv, " --listen --seconds --max ", &o);
	if (!o.have_listen)
		die("--listen ADDR:PORT is required");
	raise_nofile();
	lfd = listen_on(&o.listen, 1);
	start = now();
	end = start + o.seconds;
	while (now() < end) {
		struct pollfd p = { .fd = lfd, .events = POLLIN };
		int c = 0;

		if (total < o.max && poll(&p, 1, ms_until(end)) <= 0)
			continue;
		if (total >= o.max) {
			sleep_s(end - now() < 0.1 ? end - now() : 0.1);
			continue;
		}
		while (total < o.max && (c = accept4(lfd, NULL, NULL, SOCK_CLOEXEC)) >= 0)
			total++; /* kept open, never read: the descriptor leaks on purpose */
		/* out of descriptors: the listener stays readable, so wait rather
		 * than spin until the end */
		if (c < 0 && (errno == EMFILE || errno == ENFILE))
			sleep_s(end - now() < 0.1 ? end - now() : 0.1);
	}
	summary(total, now() - start);
	return 0;
}

/* --- orphan --------------------------------------------------------------- */

static void trace(double t, const struct diag *d)
{
	const struct tcp_info *i = &d->info;

	if (d->have_info)
		printf("trace,%.3f,%s,%.1f,%u,%u,%u\n", t, state_name(d->state), i->tcpi_rto / 1000.0,
		       i->tcpi_backoff, i->tcpi_retransmits, i->tcpi_total_retrans);
	else
		printf("trace,%.3f,%s,,,,\n", t, state_name(d->state));
}

static int same_trace(const struct diag *a, const struct diag *b)
{
	return a->state == b->state && a->have_info == b->have_info &&
	       (!a->have_info || (a->info.tcpi_rto == b->info.tcpi_rto &&
				  a->info.tcpi_backoff == b->info.tcpi_backoff &&
				  a->info.tcpi_retransmits == b->info.tcpi_retransmits &&
				  a->info.tcpi_total_retrans == b->info.tcpi_total_retrans));
}

static int cmd_orphan(int argc, char **argv)
{
	struct opts o = { .timeout = 30 };
	struct sockaddr_in local;
	socklen_t len = sizeof(local);
	struct diag d, last;
	struct timeval tv;
	double start, next, t;
	int fd, nl, r;
	char line[256];

	parse_opts(argc, argv, " --to --shutdown --timeout --send --trace ", &o);
	if (!o.have_to)
		die("--to ADDR:PORT is required");
	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		die("socket: %s", strerror(errno));
	tv = timeval_of(o.timeout);
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	if (connect(fd, (struct sockaddr *)&o.to, sizeof(o.to)) < 0)
		die("connect: %s", strerror(errno));
	if (getsockname(fd, (struct sockaddr *)&local, &len) < 0)
		die("getsockname: %s", strerror(errno));
	nl = diag_open();
	printf("ready,%u\n", ntohs(local.sin_port));
	fflush(stdout);

	/* the caller cuts the peer off meanwhile; EOF goes on as well */
	{
		struct pollfd p = { .fd = 0, .events = POLLIN };

		if (poll(&p, 1, ms_until(now() + o.timeout)) <= 0)
			die("no line on stdin within %g s", o.timeout);
		if (!fgets(line, sizeof(line), stdin) && ferror(stdin))
			die("stdin: %s", strerror(errno));
	}
	if (o.send) {
		static char buf[1 << 16];
		unsigned long left = o.send;

		memset(buf, 'x', sizeof(buf));
		while (left) {
			ssize_t n = write(fd, buf, left < sizeof(buf) ? left : sizeof(buf));

			if (n <= 0)
				die("send: %s", n < 0 ? strerror(errno) : "short write");
			left -= (unsigned long)n;
		}
	}
	r = diag_lookup(nl, &local, &o.to, &last);
	if (r < 0)
		die("sock_diag: %s", strerror(-r));
	start = now();
	if (o.shutdown) {
		if (shutdown(fd, SHUT_WR) < 0)
			die("shutdown: %s", strerror(errno));
	} else {
		close(fd);
	}
	if (o.trace)
		trace(0, &last);
	next = start;
	for (;;) {
		t = now();
		r = diag_lookup(nl, &local, &o.to, &d);
		if (r == -ENOENT) {
			printf("gone,%.3f,%s\n", t - start, state_name(last.state));
			break;
		}
		if (r < 0)
			die("sock_diag: %s", strerror(-r));
		if (o.trace && !same_trace(&d, &last))
			trace(t - start, &d);
		last = d;
		if (t - start >= o.timeout) {
			printf("alive,%.3f,%s\n", t - start, state_name(d.state));
			break;
		}
		next += POLL_MS / 1000.0;
		sleep_s(next - now());
	}
	return 0;
}

/* --- stream --------------------------------------------------------------- */

static unsigned char pattern(uint64_t i)
{
	return (unsigned char)((i * 2654435761u) >> 13 ^ (i >> 8));
}

static void fill_pattern(unsigned char *buf, size_t n, uint64_t off)
{
	for (size_t i = 0; i < n; i++)
		buf[i] = pattern(off + i);
}

/* Serves one stream: read the request to EOF, then send the pattern. */
static void stream_serve(int c, double end)
{
	static unsigned char buf[1 << 16];
	char req[128];
	size_t got = 0;
	unsigned long long bytes, ms;
	uint64_t sent = 0;
	double t0, tv_s;
	struct timeval tv;
	ssize_t n;

	tv_s = end - now();
	tv = timeval_of(tv_s);
	setsockopt(c, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	while ((n = read(c, req + got, sizeof(req) - 1 - got)) > 0) {
		got += (size_t)n;
		if (got == sizeof(req) - 1)
			break;
	}
	req[got] = '\0';
	if (sscanf(req, "ftload-stream %llu %llu", &bytes, &ms) != 2)
		return;
	t0 = now();
	while (sent < bytes && now() < end) {
		/* on schedule: the share of the bytes due by now */
		double el = now() - t0;
		uint64_t due = ms ? (uint64_t)(bytes * (el * 1000 / ms)) : bytes;
		size_t chunk;

		if (due > bytes)
			due = bytes;
		if (due <= sent) {
			sleep_s(POLL_MS / 1000.0);
			continue;
		}
		chunk = due - sent < sizeof(buf) ? (size_t)(due - sent) : sizeof(buf);
		fill_pattern(buf, chunk, sent);
		n = write(c, buf, chunk);
		if (n <= 0)
			return;
		sent += (uint64_t)n;
	}
}

static int stream_server(struct opts *o)
{
	unsigned long total = 0;
	double start = now(), end = start + o->seconds;
	int lfd = listen_on(&o->listen, 1);

	if (o->max == MAX_DEFAULT)
		o->max = 1;
	while (total < o->max && now() < end) {
		struct pollfd p = { .fd = lfd, .events = POLLIN };
		int c;

		if (poll(&p, 1, ms_until(end)) <= 0)
			continue;
		c = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
		if (c < 0)
			continue;
		total++;
		stream_serve(c, end);
		close(c);
	}
	summary(total, now() - start);
	return 0;
}

static int stream_client(struct opts *o)
{
	static unsigned char buf[1 << 16], want[1 << 16];
	struct sockaddr_in local;
	socklen_t len = sizeof(local);
	struct timeval tv;
	uint64_t got = 0;
	double start, end, next;
	const char *verdict = "intact";
	char req[128];
	int fd, nl, n;

	if (o->timeout == 0)
		o->timeout = o->for_s + 10;
	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		die("socket: %s", strerror(errno));
	tv = timeval_of(o->timeout);
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	/* read() wakes up for every sample and by the timeout */
	tv = timeval_of(o->every_ms / 1000.0 < o->timeout ? o->every_ms / 1000.0 : o->timeout);
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	if (connect(fd, (struct sockaddr *)&o->to, sizeof(o->to)) < 0)
		die("connect: %s", strerror(errno));
	if (getsockname(fd, (struct sockaddr *)&local, &len) < 0)
		die("getsockname: %s", strerror(errno));
	nl = diag_open();
	n = snprintf(req, sizeof(req), "ftload-stream %lu %.0f\n", o->bytes, o->for_s * 1000);
	if (write(fd, req, (size_t)n) != n)
		die("write: %s", strerror(errno));
	if (shutdown(fd, SHUT_WR) < 0)
		die("shutdown: %s", strerror(errno));
	start = now();
	end = start + o->timeout;
	next = start + o->every_ms / 1000.0;
	for (;;) {
		ssize_t r;
		double t = now();

		if (t >= next) {
			struct diag d;

			if (diag_lookup(nl, &local, &o->to, &d) == 0)
				printf("sample,%.3f,%llu,%s\n", t - start, (unsigned long long)got, state_name(d.state));
			else
				printf("sample,%.3f,%llu,gone\n", t - start, (unsigned long long)got);
			while (next <= t)
				next += o->every_ms / 1000.0;
		}
		if (t >= end) {
			verdict = "short";
			break;
		}
		r = read(fd, buf, sizeof(buf));
		if (r == 0)
			break;
		if (r < 0) {
			if (errno == EAGAIN || errno == EINTR)
				continue;
			verdict = "short";
			break;
		}
		fill_pattern(want, (size_t)r, got);
		if (memcmp(buf, want, (size_t)r)) {
			verdict = "corrupt";
			break;
		}
		got += (uint64_t)r;
	}
	if (!strcmp(verdict, "intact") && got != o->bytes)
		verdict = got < o->bytes ? "short" : "corrupt";
	{
		struct diag d;
		const char *st = diag_lookup(nl, &local, &o->to, &d) == 0 ? state_name(d.state) : "gone";

		printf("done,%llu,%.3f,%s,%s\n", (unsigned long long)got, now() - start, verdict, st);
	}
	close(fd);
	return strcmp(verdict, "intact") ? 3 : 0;
}

static int cmd_stream(int argc, char **argv)
{
	struct opts o = { .seconds = 30, .max = MAX_DEFAULT, .every_ms = 1000, .bytes = 1048576, .for_s = 5 };

	parse_opts(argc, argv, " --listen --to --seconds --max --bytes --for --every --timeout ", &o);
	if (o.have_listen == o.have_to)
		die("give one of --listen ADDR:PORT (server) or --to ADDR:PORT (client)");
	return o.have_listen ? stream_server(&o) : stream_client(&o);
}

/* --- main ----------------------------------------------------------------- */

static const struct {
	const char *name;
	int (*fn)(int, char **);
} cmds[] = {
	{ "server", cmd_server },
	{ "client", cmd_client },
	{ "orphan", cmd_orphan },
	{ "hold", cmd_hold },
	{ "stream", cmd_stream },
};

int main(int argc, char **argv)
{
	if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		usage(argc < 2 ? stderr : stdout);
		return argc < 2;
	}
	signal(SIGPIPE, SIG_IGN);
	setvbuf(stdout, NULL, _IOLBF, 0);
	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		if (!strcmp(argv[1], cmds[i].name)) {
			prog_cmd = cmds[i].name;
			return cmds[i].fn(argc - 1, argv + 1);
		}
	}
	fprintf(stderr, "ftload: unknown command '%s'\n", argv[1]);
	usage(stderr);
	return 1;
}
