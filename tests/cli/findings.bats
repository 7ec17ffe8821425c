#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
# fintune status's findings, each made to fire by creating its condition in
# a private network namespace (unshare -n; a second one, for a peer across a
# veth pair, is a bounded `unshare -n sleep` child of the first, so nothing
# is ever done in the host's namespace), and quiet on an idle one. The
# host-global conditions (tcp_max_orphans, TCP memory) on a fake proc tree.

bats_require_minimum_version 1.5.0
load helpers

setup() {
	setup_tmp
	export FINTUNE FTLOAD TMP
}
teardown() { teardown_tmp; }

need_netns() {
	if [ "$(id -u)" -ne 0 ] || ! unshare --net true 2>/dev/null; then
		skip "needs root for a private network namespace"
	fi
	[ -x "${FTLOAD:-}" ] || skip "FTLOAD (tests/lab/ftload) is not built"
}

# in_netns SCRIPT: runs SCRIPT in a new network namespace with lo up, where
# tcp_tw_reuse is 0 (its default 2 would let loopback connects take
# TIME_WAIT ports). Functions for SCRIPT:
#   ready FILE     waits (5 s at most) for a listener's ready line in FILE
#   peer           makes the peer namespace: 198.18.0.1 here (veth0),
#                  198.18.0.2 there (veth1); sets PEER to its holder's PID
#   at_peer CMD    runs CMD in the peer namespace
#   cut            the peer vanishes (a permanent neighbour entry to a MAC
#                  nobody has)
in_netns() {
	unshare -n bash -c 'set -u
		ip link set lo up
		echo 0 >/proc/sys/net/ipv4/tcp_tw_reuse
		ready() { for _ in $(seq 50); do grep -q "^ready," "$1" 2>/dev/null && return 0; sleep 0.1; done; return 1; }
		peer() {
			local self
			unshare -n sleep 30 &
			PEER=$!
			self=$(readlink /proc/self/ns/net)
			for _ in $(seq 50); do
				[ "$(readlink /proc/$PEER/ns/net 2>/dev/null)" != "$self" ] && break
				sleep 0.05
			done
			[ "$(readlink /proc/$PEER/ns/net)" != "$self" ] || return 1
			ip link add veth0 type veth peer name veth1 netns "$PEER" &&
				ip addr add 198.18.0.1/24 dev veth0 && ip link set veth0 up &&
				nsenter -t "$PEER" -n ip addr add 198.18.0.2/24 dev veth1 &&
				nsenter -t "$PEER" -n ip link set veth1 up &&
				nsenter -t "$PEER" -n ip link set lo up
		}
		at_peer() { nsenter -t "$PEER" -n "$@"; }
		cut() { ip neigh replace 198.18.0.2 lladdr 02:00:00:00:00:99 dev veth0 nud permanent; }
		'"$1"'
		[ -z "${PEER:-}" ] || kill "$PEER" 2>/dev/null
		wait'
}

ids() { jq -c '[.findings[].id]' "$1"; }

# The tests whose traffic starts 0.5 s after status --interval does, and must
# fall inside its interval: under valgrind (make check-valgrind) fintune's
# start-up alone takes longer than that, the traffic falls before the first
# sample, and the counts are off by design rather than by a bug.
no_valgrind_interval() {
	if [ -n "${FINTUNE_VALGRIND:-}" ]; then
		skip "under valgrind fintune starts too slowly for this timing: the traffic started 0.5 s after status --interval comes before its first sample"
	fi
}

@test "an idle namespace has no findings, in every format" {
	need_netns
	run in_netns '
		"$FINTUNE" status --format json >"$TMP/s.json" || exit 1
		"$FINTUNE" status --interval 1 --format json >"$TMP/i.json" || exit 1
		"$FINTUNE" status --format prometheus >"$TMP/s.prom" || exit 1
		"$FINTUNE" status'
	[ "$status" -eq 0 ]
	[ "$(ids "$TMP/s.json")" = "[]" ]
	[ "$(ids "$TMP/i.json")" = "[]" ]
	[[ "$output" == *"Findings  none"* ]]
	[ "$(grep -c '^fintune_finding{id="FT-[A-Z-]*"} 0$' "$TMP/s.prom")" = 9 ]
	if grep -q '^fintune_finding{.*} 1$' "$TMP/s.prom"; then false; fi
}

@test "FT-TW-OVERFLOW fires when a tiny tcp_max_tw_buckets overflows, over the interval too" {
	need_netns
	no_valgrind_interval
	run in_netns '
		echo 5 >/proc/sys/net/ipv4/tcp_max_tw_buckets
		"$FTLOAD" server --listen 127.0.0.1:8080 --seconds 8 >"$TMP/srv" &
		ready "$TMP/srv" || exit 1
		"$FTLOAD" client --to 127.0.0.1:8080 --max 20 --seconds 2 >/dev/null
		sleep 0.3
		"$FINTUNE" status --format json >"$TMP/boot.json" || exit 1
		# 20 more while status watches
		( sleep 0.5; "$FTLOAD" client --to 127.0.0.1:8080 --max 20 --seconds 2 >/dev/null ) &
		"$FINTUNE" status --interval 2 --format json >"$TMP/int.json" || exit 1
		"$FINTUNE" status --interval 1 >"$TMP/text" || exit 1
		kill %1 2>/dev/null'
	[ "$status" -eq 0 ]
	[ "$(ids "$TMP/boot.json")" = '["FT-TW-OVERFLOW"]' ]
	# 20 connections, 5 buckets: 15 not kept (the server never holds one)
	[ "$(jq -r .counters.TCPTimeWaitOverflow.since_boot "$TMP/boot.json")" = 15 ]
	[[ "$(jq -r '.findings[0].message' "$TMP/boot.json")" == "tcp_max_tw_buckets was full since boot: 15 closing sockets were not kept"* ]]
	[[ "$(jq -r '.findings[0].evidence' "$TMP/boot.json")" == "TCPTimeWaitOverflow 15 since boot; sockstat tw 5 of tcp_max_tw_buckets 5 (100%)" ]]
	[ "$(jq -r .counters.TCPTimeWaitOverflow.delta "$TMP/int.json")" = 20 ]
	[[ "$(jq -r '.findings[0].message' "$TMP/int.json")" == "tcp_max_tw_buckets was full over the interval: 20 closing"* ]]
	[[ "$(jq -r '.findings[0].evidence' "$TMP/int.json")" == "TCPTimeWaitOverflow +20 over 2 s (10.0/s), 35 since boot;"* ]]
	# nothing grew in the last second, but the buckets are full: it still fires
	grep -q '^  FT-TW-OVERFLOW     TIME_WAIT and orphaned FIN_WAIT2 sockets fill 100% of' "$TMP/text"
}

@test "FT-PORTS fires when a destination's TIME_WAIT takes a narrow port range, and not once reuse takes them back" {
	need_netns
	run in_netns '
		echo "40000 40019" >/proc/sys/net/ipv4/ip_local_port_range
		"$FTLOAD" server --listen 127.0.0.1:8080 --seconds 6 >"$TMP/srv" &
		ready "$TMP/srv" || exit 1
		"$FTLOAD" client --to 127.0.0.1:8080 --max 40 --seconds 2 >"$TMP/cli"
		sleep 0.3
		"$FINTUNE" status --format json >"$TMP/off.json" || exit 1
		"$FINTUNE" status >"$TMP/text" || exit 1
		echo 1 >/proc/sys/net/ipv4/tcp_tw_reuse
		"$FINTUNE" status --format json >"$TMP/on.json" || exit 1'
	[ "$status" -eq 0 ]
	# 20 ports: the client got 20 connections (now and then the kernel
	# hands one back: 21), and EADDRNOTAVAIL after them
	grep -Eq '^summary,2[01],' "$TMP/cli"
	grep -Eq '^error,EADDRNOTAVAIL,(19|20)$' "$TMP/cli"
	[ "$(ids "$TMP/off.json")" = '["FT-PORTS"]' ]
	tw=$(jq -r .census.busiest_destination.time_wait "$TMP/off.json")
	[ "$tw" -ge 19 ] && [ "$tw" -le 20 ] || { echo "busiest: $tw"; false; }
	[ "$(jq -r '.findings[0].evidence' "$TMP/off.json")" = "$tw TIME_WAIT sockets toward 127.0.0.1:8080 of the 20 ports in ip_local_port_range 40000-40019 ($((tw * 5))%); tcp_tw_reuse 0" ]
	grep -q '^  FT-PORTS           connections to 127.0.0.1:8080 are running out of' "$TMP/text"
	# tcp_tw_reuse 1 (with timestamps) takes TIME_WAIT ports back: no finding
	[ "$(ids "$TMP/on.json")" = "[]" ]
}

@test "FT-PORTS: a loopback destination reuse covers does not hide an upstream it does not; IPv4-mapped is IPv4" {
	need_netns
	[ -x /usr/bin/python3 ] || skip "needs python3 for IPv6 sockets"
	run in_netns '
		echo 2 >/proc/sys/net/ipv4/tcp_tw_reuse
		echo "40000 40019" >/proc/sys/net/ipv4/ip_local_port_range
		ip addr add 198.18.0.9/32 dev lo
		"$FTLOAD" server --listen 0.0.0.0:8080 --seconds 6 >"$TMP/srv" &
		ready "$TMP/srv" || exit 1
		# loopback: tcp_tw_reuse 2 takes its ports back, whatever the count
		"$FTLOAD" client --to 127.0.0.1:8080 --max 30 --seconds 2 >/dev/null
		# not loopback: 8 connections from IPv6 sockets to the IPv4-mapped
		# address, 8 from IPv4 ones; the same destination, the same ports
		/usr/bin/python3 -c "
import socket
for _ in range(8):
    s = socket.create_connection((\"::ffff:198.18.0.9\", 8080))
    s.close()
"
		"$FTLOAD" client --to 198.18.0.9:8080 --max 8 --seconds 2 >/dev/null
		sleep 0.3
		# ss names the peer 198.18.0.9:8080 or [::ffff:198.18.0.9]:8080
		ss -Htan state time-wait | awk '"'"'$NF ~ /198\.18\.0\.9\]?:8080$/'"'"' | wc -l >"$TMP/ss-up"
		"$FINTUNE" status --format json >"$TMP/s.json" || exit 1'
	[ "$status" -eq 0 ]
	up=$(cat "$TMP/ss-up")
	[ "$up" -ge 14 ] || { echo "ss: $up TIME-WAIT toward 198.18.0.9"; false; }
	[ "$(ids "$TMP/s.json")" = '["FT-PORTS"]' ]
	ev=$(jq -r '.findings[0].evidence' "$TMP/s.json")
	[[ "$ev" == "$up TIME_WAIT sockets toward 198.18.0.9:8080 of the 20 ports"* ]] || { echo "$ev; ss: $up"; false; }
}

@test "CLOSE_WAIT in a listener's queue is not an application's and not an orphan" {
	need_netns
	[ -x /usr/bin/python3 ] || skip "needs python3"
	run in_netns '
		# a listener that never accepts: 3 clients connect and close
		/usr/bin/python3 -c "
import socket, time
l = socket.socket(); l.bind((\"127.0.0.1\", 7071)); l.listen(16)
cs = [socket.create_connection((\"127.0.0.1\", 7071)) for _ in range(3)]
for c in cs: c.close()
time.sleep(0.3)
open(\"$TMP/ready\", \"w\").close()
time.sleep(3)
" &
		for _ in $(seq 50); do [ -e "$TMP/ready" ] && break; sleep 0.1; done
		"$FINTUNE" status --format json >"$TMP/s.json" || exit 1
		"$FINTUNE" status --format prometheus >"$TMP/s.prom" || exit 1
		wait'
	[ "$status" -eq 0 ]
	[ "$(jq -r '.census.states.CLOSE_WAIT' "$TMP/s.json")" = 3 ]
	[ "$(jq -r '.census.backlog' "$TMP/s.json")" = 3 ]
	[ "$(jq -c '.census.orphaned' "$TMP/s.json")" = '{"FIN_WAIT2":3}' ]
	[ "$(ids "$TMP/s.json")" = "[]" ]
	grep -qx 'fintune_orphaned_sockets{state="CLOSE_WAIT"} 0' "$TMP/s.prom"
}

@test "FT-CLOSE-WAIT names the process of a server that never closes" {
	need_netns
	run in_netns '
		"$FTLOAD" hold --listen 127.0.0.1:7070 --seconds 4 >"$TMP/h" &
		echo "holder $!"
		ready "$TMP/h" || exit 1
		"$FTLOAD" client --to 127.0.0.1:7070 --max 4 --seconds 1 >/dev/null
		for _ in $(seq 30); do
			"$FINTUNE" status --format json >"$TMP/s.json"
			[ "$(jq -r .census.states.CLOSE_WAIT "$TMP/s.json")" = 4 ] && break
			sleep 0.1
		done'
	[ "$status" -eq 0 ]
	holder=$(sed -n 's/^holder //p' <<<"$output")
	# the clients went away first: their side is an orphaned FIN_WAIT2
	# (not a finding; tcp_fin_timeout ends it)
	[ "$(ids "$TMP/s.json")" = '["FT-CLOSE-WAIT"]' ]
	[ "$(jq -r '.findings[0].evidence' "$TMP/s.json")" = "4 CLOSE_WAIT sockets held: ftload (pid $holder) 4" ]
	[[ "$(jq -r '.findings[0].message' "$TMP/s.json")" == "peers have closed 4 connections that ftload (pid $holder) has not close()d:"*"no sysctl ends it."* ]]
}

@test "FT-UNRESPONSIVE fires for an orphan retransmitting its FIN to a peer that vanished" {
	need_netns
	run in_netns '
		peer || exit 1
		at_peer "$FTLOAD" hold --listen 198.18.0.2:9090 --seconds 10 >"$TMP/h" &
		ready "$TMP/h" || exit 1
		mkfifo "$TMP/go"
		"$FTLOAD" orphan --to 198.18.0.2:9090 --timeout 8 <"$TMP/go" >"$TMP/o" &
		exec 3>"$TMP/go"
		ready "$TMP/o" || exit 1
		"$FINTUNE" status --format json >"$TMP/before.json" || exit 1
		# the peer vanishes, then the client closes: its FIN is never ACKed
		cut
		echo >&3
		exec 3>&-
		for _ in $(seq 40); do
			"$FINTUNE" status --format json >"$TMP/s.json"
			[ "$(jq -r .census.retrying_orphans "$TMP/s.json")" -ge 1 ] && break
			sleep 0.1
		done
		"$FINTUNE" status >"$TMP/text"'
	[ "$status" -eq 0 ]
	[ "$(ids "$TMP/before.json")" = "[]" ]
	[ "$(ids "$TMP/s.json")" = '["FT-UNRESPONSIVE"]' ]
	[ "$(jq -r .census.orphaned.FIN_WAIT1 "$TMP/s.json")" = 1 ]
	[[ "$(jq -r '.findings[0].evidence' "$TMP/s.json")" == "1 orphan retransmitting (FIN_WAIT1 1, LAST_ACK 0, CLOSING 0 orphaned), up to "*" retransmissions; tcp_orphan_retries 0 (0 means 8); TCPAbortOnTimeout 0 since boot" ]]
	grep -q '^  FT-UNRESPONSIVE    closed connections are retransmitting their FIN to' "$TMP/text"
}

# proc_tree ORPHANS LIMIT [TcpExt NAME VALUE...]: a fake proc tree whose
# sockstat counts ORPHANS against tcp_max_orphans LIMIT
proc_tree() {
	fake_proc "$TMP" 6.18.0
	mkdir -p "$TMP/proc/net"
	printf 'TCP: inuse 10 orphan %s tw 0 alloc 12 mem 3\n' "$1" >"$TMP/proc/net/sockstat"
	echo "$2" >"$TMP/proc/sys/net/ipv4/tcp_max_orphans"
	shift 2
	local names="TcpExt: TCPTimeWaitOverflow" values="TcpExt: 0"
	while [ $# -ge 2 ]; do
		names="$names $1" values="$values $2"
		shift 2
	done
	printf '%s\n%s\n' "$names" "$values" >"$TMP/proc/net/netstat"
}

@test "FT-ORPHANS fires from a quarter of tcp_max_orphans, where the timers reset them (a host-global key: a fake proc tree)" {
	proc_tree 850 1000
	run --separate-stderr ft status --root "$TMP" --format json
	[ "$status" -eq 0 ]
	[ "$(jq -c '[.findings[].id]' <<<"$output")" = '["FT-ORPHANS"]' ]
	[ "$(jq -r '.findings[0].evidence' <<<"$output")" = "sockstat orphan 850 of tcp_max_orphans 1000 (85%, host-wide)" ]
	[ "$(jq -r '.counts.orphans_percent' <<<"$output")" = 85 ]
	proc_tree 249 1000
	run --separate-stderr ft status --root "$TMP" --format json
	[ "$(jq -c '[.findings[].id]' <<<"$output")" = "[]" ]
}

@test "FT-ABORT-MEMORY and FT-MEMORY-PRESSURE fire on their counters, quiet at 0" {
	proc_tree 10 1000 TCPAbortOnMemory 3 TCPMemoryPressures 2
	run --separate-stderr ft status --root "$TMP" --format json
	[ "$status" -eq 0 ]
	[ "$(jq -c '[.findings[].id]' <<<"$output")" = '["FT-ABORT-MEMORY","FT-MEMORY-PRESSURE"]' ]
	[ "$(jq -r '.findings[0].evidence' <<<"$output")" = "TCPAbortOnMemory 3 since boot; sockstat orphan 10, mem 3 pages" ]
	[ "$(jq -r '.findings[1].evidence' <<<"$output")" = "TCPMemoryPressures 2 since boot; sockstat orphan 10, mem 3 pages" ]
	# the longest identifier still has a space after it
	run --separate-stderr ft status --root "$TMP"
	grep -q '^  FT-MEMORY-PRESSURE TCP entered memory pressure' <<<"$output"
	proc_tree 10 1000 TCPAbortOnMemory 0 TCPMemoryPressures 0
	run --separate-stderr ft status --root "$TMP" --format json
	[ "$(jq -c '[.findings[].id]' <<<"$output")" = "[]" ]
}

@test "FT-DRIFT fires when a live value changes after apply, FT-SHADOWED when a later file wins" {
	fake_proc "$TMP" 6.18.0
	mkdir -p "$TMP/etc/sysctl.d" "$TMP/run"
	ft apply --root "$TMP" reverse-proxy >/dev/null 2>&1
	run --separate-stderr ft status --root "$TMP" --format json
	[ "$status" -eq 0 ]
	[ "$(jq -c '[.findings[].id]' <<<"$output")" = "[]" ]
	echo 7 >"$TMP/proc/sys/net/ipv4/tcp_orphan_retries"
	printf 'net.ipv4.tcp_tw_reuse = 0\n' >"$TMP/etc/sysctl.d/99-late.conf"
	run --separate-stderr ft status --root "$TMP" --format json
	[ "$status" -eq 2 ]
	[ "$(jq -c '[.findings[].id]' <<<"$output")" = '["FT-DRIFT","FT-SHADOWED"]' ]
	[ "$(jq -r '.findings[0].evidence' <<<"$output")" = "net.ipv4.tcp_orphan_retries applied 4, live 7" ]
	[[ "$(jq -r '.findings[0].message' <<<"$output")" == "the system no longer matches the reverse-proxy profile fintune applied: \`fintune diff reverse-proxy\`"* ]]
	[[ "$(jq -r '.findings[1].evidence' <<<"$output")" == "net.ipv4.tcp_tw_reuse: /etc/sysctl.d/99-late.conf:1"* ]]
	run --separate-stderr ft status --root "$TMP" --format prometheus
	[ "$status" -eq 2 ]
	grep -qx 'fintune_drift 1' <<<"$output"
	grep -qx 'fintune_finding{id="FT-DRIFT"} 1' <<<"$output"
	grep -qx 'fintune_finding{id="FT-SHADOWED"} 1' <<<"$output"
	grep -qx 'fintune_finding{id="FT-PORTS"} 0' <<<"$output"
}

# prom_check FILE: Debian's python3-prometheus-client parses FILE; prints
# one "name{labels} value" line per sample, sorted
prom_check() {
	/usr/bin/python3 - "$1" <<'EOF'
import sys
from prometheus_client.parser import text_string_to_metric_families
text = open(sys.argv[1]).read()
out = []
for fam in text_string_to_metric_families(text):
    assert fam.documentation, fam.name + ": no HELP"
    assert fam.type in ("gauge", "counter"), fam.name + ": type " + fam.type
    assert fam.name.startswith("fintune_"), fam.name
    for s in fam.samples:
        labels = ",".join('%s="%s"' % kv for kv in sorted(s.labels.items()))
        out.append("%s{%s} %g" % (s.name, labels, s.value))
print("\n".join(sorted(out)))
EOF
}

@test "--format prometheus parses with the Prometheus client's own parser and agrees with the JSON" {
	need_netns
	/usr/bin/python3 -c 'import prometheus_client.parser' 2>/dev/null ||
		skip "python3-prometheus-client is not installed"
	# the servers outlive both runs of status, which under valgrind take
	# seconds each to start: their exit would change the states counted
	LIFE=5
	[ -z "${FINTUNE_VALGRIND:-}" ] || LIFE=20
	export LIFE
	run in_netns '
		echo "40000 40009" >/proc/sys/net/ipv4/ip_local_port_range
		"$FTLOAD" server --listen 127.0.0.1:8080 --seconds "$LIFE" >"$TMP/srv" &
		ready "$TMP/srv" || exit 1
		"$FTLOAD" hold --listen 127.0.0.1:7070 --seconds "$LIFE" >"$TMP/h" &
		ready "$TMP/h" || exit 1
		"$FTLOAD" client --to 127.0.0.1:8080 --max 10 --seconds 2 >/dev/null
		"$FTLOAD" client --to 127.0.0.1:7070 --max 2 --seconds 1 >/dev/null 2>&1
		sleep 0.5
		"$FINTUNE" status --interval 1 --format prometheus >"$TMP/s.prom" || exit 1
		"$FINTUNE" status --format json >"$TMP/s.json" || exit 1'
	[ "$status" -eq 0 ]
	run prom_check "$TMP/s.prom"
	[ "$status" -eq 0 ]
	samples=$output
	tw=$(jq -r .census.states.TIME_WAIT "$TMP/s.json")
	grep -qx "fintune_sockets{state=\"TIME_WAIT\"} $tw" <<<"$samples"
	grep -qx 'fintune_sockets{state="CLOSE_WAIT"} 2' <<<"$samples"
	grep -qx 'fintune_finding{id="FT-PORTS"} 1' <<<"$samples"
	grep -qx 'fintune_finding{id="FT-CLOSE-WAIT"} 1' <<<"$samples"
	grep -qx 'fintune_finding{id="FT-DRIFT"} 0' <<<"$samples"
	grep -qx 'fintune_busiest_destination_time_wait{destination="127.0.0.1:8080"} 10' <<<"$samples"
	grep -qx 'fintune_local_ports{} 10' <<<"$samples"
	grep -Eq '^fintune_close_wait_sockets\{command="ftload",pid="[0-9]+"\} 2$' <<<"$samples"
	grep -qx "fintune_tcp_counter_total{counter=\"ActiveOpens\"} $(jq -r .counters.ActiveOpens.since_boot "$TMP/s.json")" <<<"$samples"
	grep -qx 'fintune_tcp_counter_rate{counter="ActiveOpens"} 0' <<<"$samples"
	grep -qx 'fintune_applied{} 0' <<<"$samples"
	# every family has its HELP and TYPE lines
	[ "$(grep -c '^# HELP fintune_' "$TMP/s.prom")" = "$(grep -c '^# TYPE fintune_' "$TMP/s.prom")" ]
}

@test "--interval gives each counter's growth and rate over the interval" {
	need_netns
	no_valgrind_interval
	run in_netns '
		"$FTLOAD" server --listen 127.0.0.1:8080 --seconds 8 >"$TMP/srv" &
		ready "$TMP/srv" || exit 1
		"$FTLOAD" client --to 127.0.0.1:8080 --max 5 --seconds 1 >/dev/null
		( sleep 0.5; "$FTLOAD" client --to 127.0.0.1:8080 --max 30 --seconds 2 >/dev/null ) &
		"$FINTUNE" status --interval 2 --format json >"$TMP/s.json" || exit 1
		"$FINTUNE" status --interval 1 >"$TMP/text" || exit 1'
	[ "$status" -eq 0 ]
	[ "$(jq -r '"\(.counters.ActiveOpens.since_boot) \(.counters.ActiveOpens.delta) \(.counters.PassiveOpens.delta)"' "$TMP/s.json")" = "35 30 30" ]
	[ "$(jq -r '.counters.ActiveOpens.per_second | . * 10 | round' "$TMP/s.json")" = 150 ]
	[ "$(jq -r '.interval_s | round' "$TMP/s.json")" = 2 ]
	grep -Eq '^Counters +since boot over interval per second$' "$TMP/text"
	grep -Eq '^          ActiveOpens +35 +\+0 +0\.0$' "$TMP/text"
}

@test "status --suggest on the lab's outbound traffic yields a profile whose plan turns tcp_tw_reuse on" {
	need_netns
	run in_netns '
		peer || exit 1
		at_peer "$FTLOAD" server --listen 198.18.0.2:8080 --seconds 10 >"$TMP/srv" &
		ready "$TMP/srv" || exit 1
		# the lab'"'"'s outbound client: connect() and close() as fast as it can
		"$FTLOAD" client --to 198.18.0.2:8080 --seconds 6 >"$TMP/cli" &
		sleep 1
		"$FINTUNE" status --interval 3 --suggest >"$TMP/site.yaml" || exit 1
		wait %2'
	[ "$status" -eq 0 ]
	cat "$TMP/site.yaml"
	run --separate-stderr ft validate "$TMP/site.yaml"
	[ "$status" -eq 0 ]
	grep -q '^# Measured by `fintune status --interval 3 --suggest` on ' "$TMP/site.yaml"
	grep -qx '    destinations: 1' "$TMP/site.yaml"
	grep -qx '    source_addresses: 1' "$TMP/site.yaml"
	grep -qx '    closes_first: us' "$TMP/site.yaml"
	grep -qx '    loopback: false' "$TMP/site.yaml"
	grep -qx '    #   198.18.0.2:8080 100%, about [0-9]*/s' "$TMP/site.yaml"
	# port-bound from its first seconds on: the rate must be at least what
	# half the range holds over 60 s (14116 / 60), where reuse is due
	rate=$(sed -n 's/^    connect_rate: //p' "$TMP/site.yaml")
	[ "$rate" -ge 300 ]
	run --separate-stderr ft plan "$TMP/site.yaml" --format json
	[ "$status" -eq 0 ]
	[ "$(jq -r '.settings[] | select(.key == "net.ipv4.tcp_tw_reuse") | .proposed' <<<"$output")" = 1 ]
	[ "$(jq -r '.settings[] | select(.key == "net.ipv4.tcp_timestamps") | .proposed' <<<"$output")" = 1 ]
}

@test "status --suggest: an idle namespace gives a valid profile with no traffic in it" {
	need_netns
	run in_netns '"$FINTUNE" status --interval 1 --suggest >"$TMP/idle.yaml"'
	[ "$status" -eq 0 ]
	run --separate-stderr ft validate "$TMP/idle.yaml"
	[ "$status" -eq 0 ]
	grep -q '^  # inbound: no connection was accepted over the 1 s, and none is open$' "$TMP/idle.yaml"
	grep -q '^  # outbound: no connect() over the 1 s, and no outbound socket is open$' "$TMP/idle.yaml"
	run --separate-stderr ft plan "$TMP/idle.yaml" --format json
	[ "$status" -eq 0 ]
}

@test "status --suggest needs --interval, the live namespace and text; --interval takes whole seconds" {
	fake_proc "$TMP" 6.18.0
	run --separate-stderr ft status --suggest
	[ "$status" -eq 1 ]
	[[ "$stderr" == *"--suggest needs --interval SECONDS: the rates are measured over it"* ]]
	run --separate-stderr ft status --suggest --interval 1 --root "$TMP"
	[ "$status" -eq 1 ]
	[[ "$stderr" == *"not under --root"* ]]
	run --separate-stderr ft status --suggest --interval 1 --format json
	[ "$status" -eq 1 ]
	for bad in 0 -1 1.5 3601 x ""; do
		run --separate-stderr ft status --interval "$bad" --root "$TMP"
		[ "$status" -eq 1 ] || { echo "--interval '$bad': exit $status"; false; }
		[[ "$stderr" == *"expected whole seconds, 1 to 3600"* ]]
	done
	run --separate-stderr ft status --format dot --root "$TMP"
	[ "$status" -eq 1 ]
	[[ "$stderr" == *"expected text, json or prometheus"* ]]
}
