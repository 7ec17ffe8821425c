#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
# Kernel facts of KERNEL.md about FIN_WAIT2 (traps 3, 4, 5), each in network
# namespaces made for the test, on their loopback. `ftload hold` accepts and
# never closes: its kernel ACKs the client's FIN, so the client's socket
# waits in FIN_WAIT2 for a FIN that never comes.

bats_require_minimum_version 1.5.0
load helpers

setup() {
	kf_skip_unless_netns
	kf_setup
}
teardown() { kf_cleanup; }

# fin_wait2 NS FIN_TIMEOUT OUT [--shutdown]: one FIN_WAIT2 socket against hold,
# close()d (an orphan) or shutdown(); ftload's result line to OUT
fin_wait2() {
	local ns=$1 f=$2 out=$3 mode=${4:-} port
	kf_set "$ns" tcp_fin_timeout "$f" || return 1
	kf_bg "$ns" "$out.hold" "$FTLOAD" hold --listen 127.0.0.1:0 --seconds 15
	port=$(kf_listening "$out.hold") || return 1
	kf_in "$ns" "$FTLOAD" orphan --to "127.0.0.1:$port" --timeout "${KF_WATCH:-10}" $mode </dev/null >"$out"
}

@test "a socket half-closed with shutdown(SHUT_WR) outlives tcp_fin_timeout; the close()d one is reaped" {
	ns=$(kf_ns half)
	kf_set "$ns" tcp_fin_timeout 1
	kf_bg "$ns" "$KF_TMP/hold" "$FTLOAD" hold --listen 127.0.0.1:0 --seconds 10
	port=$(kf_listening "$KF_TMP/hold")
	kf_in "$ns" "$FTLOAD" orphan --to "127.0.0.1:$port" --timeout 4 --shutdown </dev/null >"$KF_TMP/half" &
	half=$!
	kf_in "$ns" "$FTLOAD" orphan --to "127.0.0.1:$port" --timeout 4 </dev/null >"$KF_TMP/closed"
	wait "$half"
	half=$(grep -E '^(gone|alive),' "$KF_TMP/half")
	closed=$(grep -E '^(gone|alive),' "$KF_TMP/closed")
	kf_note "tcp_fin_timeout 1: shutdown() $half; close() $closed"
	[ "$(kf_field "$half" 1)" = alive ]
	[ "$(kf_field "$half" 3)" = FIN-WAIT-2 ]
	kf_between "$(kf_field "$half" 2)" 4 5
	[ "$(kf_field "$closed" 1)" = gone ]
	[ "$(kf_field "$closed" 3)" = FIN-WAIT-2 ]
	kf_between "$(kf_field "$closed" 2)" 0.9 1.6
}

@test "tcp_fin_timeout 61 reaps an orphaned FIN_WAIT2 in about 2 s (2 x (F - 60)), 5 in about 5 s" {
	a=$(kf_ns f61)
	b=$(kf_ns f5)
	fin_wait2 "$a" 61 "$KF_TMP/f61" &
	p=$!
	fin_wait2 "$b" 5 "$KF_TMP/f5"
	wait "$p"
	r61=$(grep -E '^(gone|alive),' "$KF_TMP/f61")
	r5=$(grep -E '^(gone|alive),' "$KF_TMP/f5")
	kf_note "tcp_fin_timeout 61: $r61; 5: $r5"
	[ "$(kf_field "$r61" 1)" = gone ]
	[ "$(kf_field "$r61" 3)" = FIN-WAIT-2 ]
	[ "$(kf_field "$r5" 1)" = gone ]
	[ "$(kf_field "$r5" 3)" = FIN-WAIT-2 ]
	kf_between "$(kf_field "$r61" 2)" 1.8 2.6
	kf_between "$(kf_field "$r5" 2)" 4.8 5.6
}

@test "tcp_fin_timeout 0 still waits 3.5 x RTO (0.7 s at RTO 204 ms)" {
	ns=$(kf_ns f0)
	fin_wait2 "$ns" 0 "$KF_TMP/f0"
	r=$(grep -E '^(gone|alive),' "$KF_TMP/f0")
	kf_note "tcp_fin_timeout 0: $r"
	[ "$(kf_field "$r" 1)" = gone ]
	kf_between "$(kf_field "$r" 2)" 0.6 1.0
}

@test "an orphaned FIN_WAIT2 is a small TIME_WAIT-type socket: sockstat tw counts it, it takes a tcp_max_tw_buckets slot" {
	ns=$(kf_ns tw)
	kf_bg "$ns" "$KF_TMP/hold" "$FTLOAD" hold --listen 127.0.0.1:0 --seconds 10
	port=$(kf_listening "$KF_TMP/hold")
	tw0=$(kf_sockstat "$ns" tw)
	run kf_in "$ns" "$FTLOAD" client --to "127.0.0.1:$port" --max 5 --seconds 2 --every 100000
	echo "$output"
	[ "${lines[-1]%%,*}" = summary ]
	[ "$(kf_field "${lines[-1]}" 2)" = 5 ]
	sleep 0.1
	tw=$(kf_sockstat "$ns" tw)
	fw2=$(kf_in "$ns" ss -Htan state fin-wait-2 | wc -l)
	tws=$(kf_in "$ns" ss -Htan state time-wait | wc -l)
	kf_note "5 orphans in FIN_WAIT2: sockstat tw $tw0 -> $tw, ss: $fw2 FIN-WAIT-2, $tws TIME-WAIT"
	[ "$tw0" -eq 0 ]
	[ "$tw" -eq 5 ]
	[ "$fw2" -eq 5 ]
	[ "$tws" -eq 0 ]

	# with 3 slots, 2 of 5 orphans overflow (and are destroyed at once)
	ns=$(kf_ns tw3)
	kf_set "$ns" tcp_max_tw_buckets 3
	kf_bg "$ns" "$KF_TMP/hold3" "$FTLOAD" hold --listen 127.0.0.1:0 --seconds 10
	port=$(kf_listening "$KF_TMP/hold3")
	o0=$(kf_counter "$ns" TcpExt TCPTimeWaitOverflow)
	kf_in "$ns" "$FTLOAD" client --to "127.0.0.1:$port" --max 5 --seconds 2 --every 100000 >/dev/null
	sleep 0.1
	tw=$(kf_sockstat "$ns" tw)
	o=$(($(kf_counter "$ns" TcpExt TCPTimeWaitOverflow) - o0))
	kf_note "tcp_max_tw_buckets 3, 5 orphans in FIN_WAIT2: sockstat tw $tw, TCPTimeWaitOverflow +$o"
	[ "$tw" -eq 3 ]
	[ "$o" -eq 2 ]
}
