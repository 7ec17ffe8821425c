// SPDX-License-Identifier: GPL-2.0-or-later
/* fintune explain: what each key and each close state does, what it does
 * not, and the traps, with the running kernel's defaults and values. The
 * key texts live with the kernel facts (kernel.c); the states and topics
 * here. */
#include "common.h"
#include "kernel.h"
#include "snapshot.h"
#include "output.h"
#include "plan.h"
#include "report.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct topic {
	const char *name;
	const char *kind;	/* "state" or "topic" */
	const char *what;
	const char *governed_by;
	const char *not_governed;
	const char *look;	/* how to see it on a live system */
};

static const struct topic topics[] = {
	{ "FIN_WAIT1", "state",
	  "This host sent its FIN (close() or shutdown(SHUT_WR)) and waits for the ACK. A "
	  "peer that vanished, or one whose receive window is closed, keeps the socket here "
	  "retransmitting.",
	  "An orphan (after close()): tcp_orphan_retries, then it is dropped silently "
	  "(TCPAbortOnTimeout); it counts against tcp_max_orphans. After shutdown(): "
	  "tcp_retries2, like any unacknowledged data.",
	  "tcp_fin_timeout does not apply here: it starts in FIN_WAIT2.",
	  "ss -tno state fin-wait-1; /proc/net/sockstat 'orphan'" },
	{ "FIN_WAIT2", "state",
	  "This host's FIN was acknowledged; it waits for the peer's FIN. The peer's "
	  "application has not closed yet (or is gone).",
	  "An orphan (after close()): tcp_fin_timeout. With a value of 60 or less it becomes a "
	  "small TIME_WAIT-type socket at once, shown in sockstat's 'tw' and holding a "
	  "tcp_max_tw_buckets slot.",
	  "A socket half-closed with shutdown(SHUT_WR) is not an orphan: nothing but the "
	  "application ends it; it can stay in FIN_WAIT2 for ever. tcp_tw_reuse never takes "
	  "these sockets' ports.",
	  "ss -tno state fin-wait-2" },
	{ "TIME_WAIT", "state",
	  "This host closed first and the close completed. The socket keeps the address and "
	  "ports reserved so that old duplicate segments die out and the last ACK can be "
	  "resent if the peer's FIN comes again. On Linux it lasts 60 s (TCP_TIMEWAIT_LEN, "
	  "fixed at compile time); each costs 256 bytes (+64 for an outbound bind bucket).",
	  "tcp_max_tw_buckets caps how many exist (past it: destroyed without TIME_WAIT, "
	  "TCPTimeWaitOverflow). tcp_tw_reuse lets outgoing connect() take a TIME_WAIT "
	  "port older than tcp_tw_reuse_delay, with timestamps.",
	  "No sysctl shortens it: not tcp_fin_timeout, not tcp_tw_reuse. The way to have fewer "
	  "is to let the peer close first, or to reuse connections (keep-alive, pools).",
	  "ss -tan state time-wait | wc -l; /proc/net/sockstat 'tw'; nstat TcpExtTW" },
	{ "CLOSE_WAIT", "state",
	  "The peer closed first; this host's application has not called close() yet. "
	  "The socket waits for the application, however long that takes.",
	  "The application: it must read to the end and close(). Underneath, TCP keepalive "
	  "(when the application enabled SO_KEEPALIVE) or tcp_retries2 (once it writes to a "
	  "peer that is gone) can end the connection, but the descriptor stays open until "
	  "the application closes it.",
	  "No close-path sysctl ends CLOSE_WAIT: not tcp_fin_timeout, not "
	  "tcp_orphan_retries. Many sockets here are an application bug (a leaked "
	  "connection) or a stalled worker.",
	  "ss -tanp state close-wait (shows the process)" },
	{ "LAST_ACK", "state",
	  "The peer closed first, then this host closed too, and waits for the ACK of its "
	  "FIN. No TIME_WAIT follows on this side.",
	  "As an orphan: tcp_orphan_retries, and tcp_max_orphans.",
	  "tcp_fin_timeout does not apply.",
	  "ss -tno state last-ack" },
	{ "CLOSING", "state",
	  "Both sides sent a FIN at the same time (simultaneous close) and this host waits "
	  "for the ACK of its own; then TIME_WAIT.",
	  "As an orphan: tcp_orphan_retries.",
	  "It is rare; many sockets here usually mean a peer that does not acknowledge.",
	  "ss -tno state closing" },
	{ "CLOSED", "state",
	  "No connection: the end of every path.",
	  "-", "-", "-" },
	{ "ESTABLISHED", "state",
	  "A connection in use. Closing starts here: close() or shutdown() sends a FIN "
	  "(FIN_WAIT1), a FIN from the peer leads to CLOSE_WAIT.",
	  "tcp_retries2 and keepalive settings, not the close-path keys.",
	  "-", "ss -tn state established" },
	{ "so_linger", "topic",
	  "SO_LINGER with {l_onoff=1, l_linger=0}: close() sends a RST instead of a FIN. "
	  "The socket skips FIN_WAIT and TIME_WAIT entirely, but unsent data is lost and "
	  "the peer sees \"connection reset\" (TcpExt TCPAbortOnData counts it). Unread "
	  "received data at close() also makes the kernel send a RST (TCPAbortOnClose).",
	  "The application.",
	  "It is not a tuning knob for TIME_WAIT: it trades it for lost data and errors at the peer.",
	  "nstat TcpExtTCPAbortOnData TcpExtTCPAbortOnClose" },
	{ "so_reuseaddr", "topic",
	  "SO_REUSEADDR lets a server bind() its listening address and port while old "
	  "connections on it are still in TIME_WAIT, so a restarted server starts at once. "
	  "tcp_tw_reuse is a different thing: it lets an outgoing connect() take the local "
	  "port of a TIME_WAIT socket to the same destination.",
	  "The application (setsockopt before bind()).",
	  "Neither shortens TIME_WAIT or removes sockets from it; SO_REUSEPORT is about "
	  "several listeners sharing a port.",
	  "-" },
	{ "orphan", "topic",
	  "An orphan is a socket the application has closed (close(), or exit) while the "
	  "kernel still has work on it: a FIN to deliver, data to send. tcp_orphan_retries, "
	  "tcp_fin_timeout and tcp_max_orphans govern orphans only.",
	  "tcp_orphan_retries (FIN_WAIT1, CLOSING, LAST_ACK), tcp_fin_timeout (FIN_WAIT2), "
	  "tcp_max_orphans (how many).",
	  "A socket half-closed with shutdown() still has its application, so it is no "
	  "orphan: tcp_retries2 and the application bound it.",
	  "/proc/net/sockstat 'orphan' (host-global)" },
	{ "half-close", "topic",
	  "shutdown(SHUT_WR) sends a FIN but keeps the socket open for reading: a half-close. "
	  "The socket sits in FIN_WAIT2 (this side) or CLOSE_WAIT (the peer's side) as long "
	  "as the application wants.",
	  "The application's own timeouts; an unacknowledged FIN is given up after "
	  "tcp_retries2 (15: about 15 minutes).",
	  "Neither tcp_fin_timeout nor tcp_orphan_retries: those are for orphans only, "
	  "whatever popular guides say.",
	  "ss -tnop state fin-wait-2" },
};

static const struct {
	const char *q, *a, *see;
} questions[] = {
	{ "Does tcp_fin_timeout shorten TIME_WAIT?",
	  "No. TIME_WAIT lasts 60 s, fixed at compile time. tcp_fin_timeout is how long an "
	  "orphaned socket waits in FIN_WAIT2 for the peer's FIN.",
	  "tcp_fin_timeout, TIME_WAIT" },
	{ "Why does TIME_WAIT last 60 s, and can I shorten it?",
	  "It keeps the 4-tuple until old segments have died out and the last ACK can be "
	  "resent. Linux fixes it at 60 s; no sysctl changes it. Have fewer by letting the "
	  "peer close first or by reusing connections.",
	  "TIME_WAIT" },
	{ "SO_REUSEADDR or tcp_tw_reuse?",
	  "SO_REUSEADDR lets a server bind() a port that TIME_WAIT sockets still use; "
	  "tcp_tw_reuse lets an outgoing connect() take a TIME_WAIT socket's port.",
	  "so_reuseaddr, tcp_tw_reuse" },
	{ "Does tcp_tw_reuse help a server?",
	  "No. It acts only on outgoing connect(). A server's TIME_WAIT costs memory and "
	  "tcp_max_tw_buckets slots, not ports.",
	  "tcp_tw_reuse" },
	{ "What does SO_LINGER with a zero timeout do?",
	  "close() sends a RST: no FIN_WAIT, no TIME_WAIT, but unsent data is lost and the "
	  "peer sees a reset.",
	  "so_linger" },
	{ "Who ends up in CLOSE_WAIT, and which sysctl fixes it?",
	  "The side whose peer closed first while its own application has not closed yet. "
	  "No close-path sysctl: the application must close(); ss -tanp state close-wait "
	  "shows which process. Keepalive or tcp_retries2 may end the connection "
	  "underneath, but the leaked descriptor remains.",
	  "CLOSE_WAIT" },
	{ "Does tcp_orphan_retries 0 mean no retries?",
	  "No: the kernel reads 0 as 8, about 100 s of retransmissions (measured on "
	  LAB_KERNEL " by make lab: 106 s at an RTO of 204 ms, 137 s at 256 ms). Use 1 to 3 "
	  "for short-lived orphans (1.7, 3.3 and 6.8 s there).",
	  "tcp_orphan_retries" },
	{ "Do tcp_fin_timeout and tcp_orphan_retries bound half-closed sockets?",
	  "No. A socket half-closed with shutdown() is not an orphan: the application and "
	  "tcp_retries2 bound it (measured on " LAB_KERNEL " by make lab, the peer cut off: 6.8 s "
	  "at tcp_retries2 3, 13.5 s at 5, whether tcp_orphan_retries was 1 or 8; with "
	  "tcp_fin_timeout 5 a half-closed stream ran 15 s intact).",
	  "half-close" },
};

static void normalise(const char *in, char *out, size_t size)
{
	size_t i;

	for (i = 0; in[i] && i + 1 < size; i++)
		out[i] = in[i] == '-' ? '_' : (char)toupper((unsigned char)in[i]);
	out[i] = '\0';
}

static const struct topic *find_topic(const char *name)
{
	char want[64], have[64];

	normalise(name, want, sizeof(want));
	for (size_t i = 0; i < ARRAY_SIZE(topics); i++) {
		normalise(topics[i].name, have, sizeof(have));
		if (strcmp(want, have) == 0)
			return &topics[i];
	}
	return NULL;
}

static int find_key(const char *name)
{
	char buf[128];
	int id = key_lookup(name);

	if (id >= 0)
		return id;
	snprintf(buf, sizeof(buf), "tcp_%s", name);
	return key_lookup(buf);
}

static void range_text(const struct kernel *k, enum key_id id, char *buf, size_t size)
{
	const struct key_era *e = kernel_era(k, id);
	const struct key_fact *f = key_fact(id);

	if (id == K_FIN_TIMEOUT)
		snprintf(buf, size, "any integer up to INT_MAX/HZ (%ld at HZ=1000), even 0 or less", e->max);
	else if (e->min == INT_MIN && e->max == INT_MAX)
		snprintf(buf, size, "any integer");
	else if (f->values == 2)
		snprintf(buf, size, "two integers %ld..%ld, low <= high", e->min, e->max);
	else if (f->values == 3)
		snprintf(buf, size, "three integers");
	else
		snprintf(buf, size, "%ld..%ld", e->min, e->max);
}

static void default_text(const struct kernel *k, enum key_id id, char *buf, size_t size)
{
	const struct key_era *e = kernel_era(k, id);

	if (e->def && e->def_note)
		snprintf(buf, size, "%s (%s)", e->def, e->def_note);
	else
		snprintf(buf, size, "%s", e->def ? e->def : e->def_note);
}

static const char *version_text(unsigned v, char *buf, size_t size)
{
	snprintf(buf, size, "%u.%u", v / 1000, v % 1000);
	return buf;
}

static void print_key(const struct kernel *k, enum key_id id)
{
	const struct key_fact *f = key_fact(id);
	char range[96], def[96], v1[16];

	printf("%s (%s)\n\n", f->name, f->unit);
	printf("What it does\n");
	print_wrapped(stdout, f->governs, 2, 79);
	printf("\nWhat it does not do\n");
	print_wrapped(stdout, f->not_governs, 2, 79);
	printf("\nTraps\n");
	print_wrapped(stdout, f->traps, 2, 79);
	printf("\nOn this kernel (%s)\n", k->release[0] ? k->release : k->live ? "release unknown" : "no live values");
	if (!kernel_has(k, id)) {
		if (kernel_scope(k, id) == SCOPE_GLOBAL && k->child_netns)
			printf("  absent: host-global on this kernel, and this is a child network namespace\n");
		else if (f->removed)
			printf("  absent: removed in %s\n", version_text(f->removed, v1, sizeof(v1)));
		else
			printf("  absent (new in %s)\n", version_text(f->since, v1, sizeof(v1)));
		return;
	}
	range_text(k, id, range, sizeof(range));
	default_text(k, id, def, sizeof(def));
	printf("  default   %s\n  accepts   %s\n", def, range);
	if (k->running[id].present)
		printf("  running   %s\n", k->running[id].value);
	if (kernel_scope(k, id) == SCOPE_NETNS)
		printf("  scope     per network namespace (since %s)", version_text(f->netns_since, v1, sizeof(v1)));
	else if (f->netns_since)
		printf("  scope     host-global on this kernel (per network namespace since %s)",
		       version_text(f->netns_since, v1, sizeof(v1)));
	else
		printf("  scope     host-global");
	printf("\n");
}

static void print_topic(const struct topic *t)
{
	printf("%s\n\n", t->name);
	print_wrapped(stdout, t->what, 2, 79);
	printf("\nGoverned by\n");
	print_wrapped(stdout, t->governed_by, 2, 79);
	printf("\nNot governed by\n");
	print_wrapped(stdout, t->not_governed, 2, 79);
	if (strcmp(t->look, "-") != 0) {
		printf("\nSee it\n");
		print_wrapped(stdout, t->look, 2, 79);
	}
}

static void print_overview(void)
{
	printf("Keys (fintune explain KEY):\n");
	for (int id = 0; id < K_COUNT; id++)
		printf("  %-36s %s\n", key_fact(id)->name, id < K_PLANNED ? "planned" : "read only");
	printf("\nClose states (fintune explain STATE):\n ");
	for (size_t i = 0; i < ARRAY_SIZE(topics); i++)
		if (strcmp(topics[i].kind, "state") == 0)
			printf(" %s", topics[i].name);
	printf("\n\nTopics:\n ");
	for (size_t i = 0; i < ARRAY_SIZE(topics); i++)
		if (strcmp(topics[i].kind, "topic") == 0)
			printf(" %s", topics[i].name);
	printf("\n\nQuestions admins ask\n");
	for (size_t i = 0; i < ARRAY_SIZE(questions); i++) {
		printf("\n  %s\n", questions[i].q);
		print_wrapped(stdout, questions[i].a, 4, 79);
		printf("    (fintune explain %s)\n", questions[i].see);
	}
}

static json_t *key_json(const struct kernel *k, enum key_id id)
{
	const struct key_fact *f = key_fact(id);
	const struct key_era *e = kernel_era(k, id);
	json_t *o = json_object();
	char def[96];

	default_text(k, id, def, sizeof(def));
	json_object_set_new(o, "name", json_string(f->name));
	json_object_set_new(o, "kind", json_string("key"));
	json_object_set_new(o, "planned", json_boolean(id < K_PLANNED));
	json_object_set_new(o, "unit", json_string(f->unit));
	json_object_set_new(o, "scope", json_string(kernel_scope(k, id) == SCOPE_GLOBAL ? "global" : "netns"));
	json_object_set_new(o, "present", json_boolean(kernel_has(k, id)));
	json_object_set_new(o, "default", e->def ? json_string(e->def) : json_null());
	json_object_set_new(o, "default_text", json_string(def));
	json_object_set_new(o, "min", json_integer(e->min));
	json_object_set_new(o, "max", json_integer(e->max));
	json_object_set_new(o, "running", k->running[id].present ? json_string(k->running[id].value) : json_null());
	json_object_set_new(o, "governs", json_string(f->governs));
	json_object_set_new(o, "does_not_govern", json_string(f->not_governs));
	json_object_set_new(o, "traps", json_string(f->traps));
	return o;
}

static json_t *topic_json(const struct topic *t)
{
	json_t *o = json_object();

	json_object_set_new(o, "name", json_string(t->name));
	json_object_set_new(o, "kind", json_string(t->kind));
	json_object_set_new(o, "what", json_string(t->what));
	json_object_set_new(o, "governed_by", json_string(t->governed_by));
	json_object_set_new(o, "not_governed_by", json_string(t->not_governed));
	json_object_set_new(o, "see", json_string(t->look));
	return o;
}

static json_t *overview_json(const struct kernel *k)
{
	json_t *o = json_object(), *keys = json_array(), *ts = json_array(), *qs = json_array();

	for (int id = 0; id < K_COUNT; id++)
		json_array_append_new(keys, key_json(k, id));
	for (size_t i = 0; i < ARRAY_SIZE(topics); i++)
		json_array_append_new(ts, topic_json(&topics[i]));
	for (size_t i = 0; i < ARRAY_SIZE(questions); i++) {
		json_t *q = json_object();

		json_object_set_new(q, "question", json_string(questions[i].q));
		json_object_set_new(q, "answer", json_string(questions[i].a));
		json_object_set_new(q, "see", json_string(questions[i].see));
		json_array_append_new(qs, q);
	}
	json_object_set_new(o, "keys", keys);
	json_object_set_new(o, "topics", ts);
	json_object_set_new(o, "questions", qs);
	return o;
}

int explain_main(int argc, char **argv)
{
	struct common c;
	struct kernel k;
	struct diags d;
	const struct topic *t = NULL;
	int r, id = -1;

	common_init(&c, "explain", 1u << FORMAT_JSON);
	if (!common_parse(&c, argc, argv, &r))
		return r;
	if (argc - optind > 1)
		return usage_error("explain", "expected at most one key, state or topic");
	if (optind < argc) {
		id = find_key(argv[optind]);
		if (id < 0)
			t = find_topic(argv[optind]);
		if (id < 0 && !t)
			return usage_error("explain", "nothing is called '%s' (fintune explain lists the keys, states and topics)",
					   argv[optind]);
	}
	diags_init(&d);
	r = kernel_read(c.root, c.kernel, &k, &d);
	/* warnings only: a key that cannot be read is shown as absent */
	report_diags(ERR_IO, &d);
	diags_free(&d);
	if (r == -EEXIST || r == -EINVAL) {
		session_kernel_error(&c, &k, r);
		return EXIT_ERROR;
	}
	if (c.format == FORMAT_JSON)
		return print_json(id >= 0 ? key_json(&k, id) : t ? topic_json(t) : overview_json(&k)) < 0 ?
			       EXIT_ERROR : EXIT_OK;
	if (id >= 0)
		print_key(&k, id);
	else if (t)
		print_topic(t);
	else
		print_overview();
	if (fflush(stdout) != 0) {
		report_error(ERR_IO, NULL, 0, 0, "cannot write to standard output: %s", strerror(errno));
		return EXIT_ERROR;
	}
	return EXIT_OK;
}
