#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
# Kernel facts of KERNEL.md about TIME_WAIT (traps 6, 8, 9), each in network
# namespaces made for the test: a client with a 10-port range
# (ip_local_port_range 40000 40009) makes 100 connections, one every 5 ms,
# to `ftload server` (which reads to EOF and closes, so the client holds the
# TIME_WAIT). Without reuse it gets 10 and then EADDRNOTAVAIL.

bats_require_minimum_version 1.5.0
load helpers

setup() {
	kf_skip_unless_netns
	kf_setup
}
teardown() { kf_cleanup; }

# reuse_run WHERE REUSE TS_CLIENT TS_SERVER [SERVER]: WHERE is veth (two
# namespaces) or lo (one, 127.0.0.1); SERVER is server (default) or hold.
# Prints "CONNECTIONS TWRECYCLED EADDRNOTAVAIL".
reuse_run() {
	local where=$1 reuse=$2 tsc=$3 tss=$4 srv=${5:-server} c s addr port r0 out
	if [ "$where" = lo ]; then
		c=$(kf_ns "lo$reuse$tsc$tss") && s=$c && addr=127.0.0.1 || return 1
	else
		kf_pair "v$reuse$tsc$tss" && c=$KF_C && s=$KF_S && addr=198.18.0.2 || return 1
	fi
	kf_set "$c" tcp_tw_reuse "$reuse" && kf_set "$c" tcp_timestamps "$tsc" &&
		kf_set "$s" tcp_timestamps "$tss" &&
		kf_set "$c" ip_local_port_range "40000 40009" &&
		kf_set "$c" tcp_tw_reuse_delay "${KF_DELAY:-1}" || return 1
	# a fixed port: in lo's one namespace port 0 would take one of the 10
	kf_bg "$s" "$KF_TMP/srv.$c" "$FTLOAD" "$srv" --listen "$addr:5000" --seconds 10
	kf_listening "$KF_TMP/srv.$c" >/dev/null || return 1
	r0=$(kf_counter "$c" TcpExt TWRecycled)
	out=$(kf_in "$c" "$FTLOAD" client --to "$addr:5000" --max 100 --seconds "${KF_SECONDS:-3}" --gap 5 --every 100000)
	echo "$(printf '%s\n' "$out" | sed -n 's/^summary,\([0-9]*\),.*/\1/p')" \
		"$(($(kf_counter "$c" TcpExt TWRecycled) - r0))" \
		"$(printf '%s\n' "$out" | sed -n 's/^error,EADDRNOTAVAIL,//p' | grep . || echo 0)"
}

@test "tcp_max_tw_buckets overflow: no TIME_WAIT for the socket, only TCPTimeWaitOverflow counts it" {
	ns=$(kf_ns ovf)
	kf_set "$ns" tcp_max_tw_buckets 10
	kf_bg "$ns" "$KF_TMP/srv" "$FTLOAD" server --listen 127.0.0.1:0 --seconds 10
	port=$(kf_listening "$KF_TMP/srv")
	o0=$(kf_counter "$ns" TcpExt TCPTimeWaitOverflow)
	run kf_in "$ns" "$FTLOAD" client --to "127.0.0.1:$port" --max 50 --seconds 3 --every 100000
	[ "$(kf_field "${lines[-1]}" 2)" = 50 ]
	sleep 0.1
	o=$(($(kf_counter "$ns" TcpExt TCPTimeWaitOverflow) - o0))
	tw=$(kf_sockstat "$ns" tw)
	tws=$(kf_in "$ns" ss -Htan state time-wait | wc -l)
	kf_note "tcp_max_tw_buckets 10, 50 client-closed connections: TCPTimeWaitOverflow +$o, sockstat tw $tw, ss TIME-WAIT $tws"
	[ "$o" -eq 40 ]
	[ "$tw" -eq 10 ]
	[ "$tws" -eq 10 ]

	# the control: the default limit, no overflow
	ns=$(kf_ns ok)
	kf_bg "$ns" "$KF_TMP/srv2" "$FTLOAD" server --listen 127.0.0.1:0 --seconds 10
	port=$(kf_listening "$KF_TMP/srv2")
	kf_in "$ns" "$FTLOAD" client --to "127.0.0.1:$port" --max 50 --seconds 3 --every 100000 >/dev/null
	sleep 0.1
	[ "$(kf_counter "$ns" TcpExt TCPTimeWaitOverflow)" -eq 0 ]
	[ "$(kf_sockstat "$ns" tw)" -eq 50 ]
}

@test "without reuse a 10-port client gets 10 connections, then EADDRNOTAVAIL" {
	read -r n rec err < <(reuse_run veth 0 1 1)
	kf_note "tcp_tw_reuse 0: $n connections, TWRecycled $rec, EADDRNOTAVAIL $err"
	# one port per connection, none taken back: 10, or now and then 11
	# (seen in one run of many: a connection that leaves no TIME_WAIT on
	# the client gives its port back), the rest refused
	[ "$n" -ge 10 ] && [ "$n" -le 11 ]
	[ "$rec" -eq 0 ]
	[ "$err" -eq $((100 - n)) ]
}

@test "tcp_tw_reuse 1 reuses TIME_WAIT ports (TWRecycled) with timestamps at both ends" {
	read -r n rec err < <(reuse_run veth 1 1 1)
	kf_note "tcp_tw_reuse 1, timestamps 1/1, veth: $n connections, TWRecycled $rec, EADDRNOTAVAIL $err"
	[ "$n" -ge 60 ]
	[ "$rec" -ge 50 ]
	[ "$rec" -ge $((n - 10)) ]
}

@test "tcp_tw_reuse 1 does nothing when the server has timestamps off" {
	read -r n rec err < <(reuse_run veth 1 1 0)
	kf_note "tcp_tw_reuse 1, timestamps client 1 server 0: $n connections, TWRecycled $rec"
	[ "$n" -eq 10 ]
	[ "$rec" -eq 0 ]
	[ "$err" -eq 90 ]
}

@test "tcp_tw_reuse 1 does nothing when the client has timestamps off" {
	read -r n rec err < <(reuse_run veth 1 0 1)
	kf_note "tcp_tw_reuse 1, timestamps client 0 server 1: $n connections, TWRecycled $rec"
	[ "$n" -eq 10 ]
	[ "$rec" -eq 0 ]
	[ "$err" -eq 90 ]
}

@test "tcp_tw_reuse 2 is loopback only: nothing over veth" {
	read -r n rec err < <(reuse_run veth 2 1 1)
	kf_note "tcp_tw_reuse 2, veth: $n connections, TWRecycled $rec"
	[ "$n" -eq 10 ]
	[ "$rec" -eq 0 ]
	[ "$err" -eq 90 ]
}

@test "tcp_tw_reuse 2 reuses on loopback (127.0.0.1)" {
	read -r n rec err < <(reuse_run lo 2 1 1)
	kf_note "tcp_tw_reuse 2, loopback: $n connections, TWRecycled $rec"
	[ "$n" -ge 60 ]
	[ "$rec" -ge 50 ]
}

@test "tcp_tw_reuse never reuses an orphan's FIN_WAIT2 (the server never closes)" {
	read -r n rec err < <(reuse_run veth 1 1 1 hold)
	kf_note "tcp_tw_reuse 1 against hold (client sockets stay FIN-WAIT-2): $n connections, TWRecycled $rec"
	[ "$n" -eq 10 ]
	[ "$rec" -eq 0 ]
	[ "$err" -eq 90 ]
}

@test "tcp_tw_reuse_delay 1000 holds reuse back for a second" {
	[ -e /proc/sys/net/ipv4/tcp_tw_reuse_delay ] || skip "no tcp_tw_reuse_delay before 6.14"
	read -r n rec err < <(KF_DELAY=1000 KF_SECONDS=0.8 reuse_run veth 1 1 1)
	kf_note "tcp_tw_reuse 1, tcp_tw_reuse_delay 1000, 0.8 s: $n connections, TWRecycled $rec"
	[ "$n" -eq 10 ]
	[ "$rec" -eq 0 ]
}

@test "TcpExt TW counts sockets as they enter TIME_WAIT, not as they leave it (what status --suggest reads)" {
	ns=$(kf_ns twc)
	kf_set "$ns" tcp_tw_reuse 0
	kf_bg "$ns" "$KF_TMP/srv" "$FTLOAD" server --listen 127.0.0.1:0 --seconds 10
	port=$(kf_listening "$KF_TMP/srv")
	t0=$(kf_counter "$ns" TcpExt TW)
	a0=$(kf_counter "$ns" Tcp ActiveOpens)
	run kf_in "$ns" "$FTLOAD" client --to "127.0.0.1:$port" --max 30 --seconds 3 --every 100000
	[ "$(kf_field "${lines[-1]}" 2)" = 30 ]
	sleep 0.2
	t=$(($(kf_counter "$ns" TcpExt TW) - t0))
	a=$(($(kf_counter "$ns" Tcp ActiveOpens) - a0))
	tws=$(kf_in "$ns" ss -Htan state time-wait | wc -l)
	kf_note "30 client-closed connections, a moment later: TW +$t, ActiveOpens +$a, ss TIME-WAIT $tws (none can have left it: 60 s)"
	[ "$a" -eq 30 ]
	[ "$tws" -eq 30 ]
	[ "$t" -eq 30 ]
}
