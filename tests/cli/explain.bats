#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
# fintune explain: keys, states and the questions admins ask, true to the
# kernel (../shared/KERNEL.md) and to the kernel under --root.

bats_require_minimum_version 1.5.0
load helpers

setup() { setup_tmp; }
teardown() { teardown_tmp; }

@test "without an argument: keys, states, topics and the common questions" {
	run --separate-stderr ft explain
	[ "$status" -eq 0 ]
	for k in tcp_fin_timeout tcp_orphan_retries tcp_max_orphans tcp_max_tw_buckets tcp_tw_reuse \
		tcp_timestamps tcp_tw_reuse_delay ip_local_port_range; do
		[[ "$output" == *"net.ipv4.$k "*"planned"* ]]
	done
	[[ "$output" == *"FIN_WAIT1 FIN_WAIT2 TIME_WAIT CLOSE_WAIT LAST_ACK CLOSING CLOSED"* ]]
	[[ "$(flat)" == *"Does tcp_fin_timeout shorten TIME_WAIT? No. TIME_WAIT lasts 60 s, fixed at compile time."* ]]
	[[ "$(flat)" == *"SO_REUSEADDR or tcp_tw_reuse?"* ]]
	[[ "$(flat)" == *"Does tcp_tw_reuse help a server? No. It acts only on outgoing connect()."* ]]
	[[ "$(flat)" == *"What does SO_LINGER with a zero timeout do? close() sends a RST"* ]]
	[[ "$(flat)" == *"Who ends up in CLOSE_WAIT, and which sysctl fixes it?"*"No close-path sysctl: the application must close()"* ]]
	[[ "$(flat)" == *"Does tcp_orphan_retries 0 mean no retries? No: the kernel reads 0 as 8"* ]]
}

@test "a key by dotted name, short name or path: the same text" {
	run --separate-stderr ft explain net.ipv4.tcp_tw_reuse
	[ "$status" -eq 0 ]
	a=$output
	run --separate-stderr ft explain tw_reuse
	[ "$output" = "$a" ]
	run --separate-stderr ft explain net/ipv4/tcp_tw_reuse
	[ "$output" = "$a" ]
	[[ "$(flat)" == *"It does nothing for a server's accepted connections"* ]]
	[[ "$(flat)" == *"It is not SO_REUSEADDR"* ]]
	[[ "$(flat)" == *"a docker0 bridge is not loopback"* ]]
}

@test "the traps of KERNEL.md are in the key texts" {
	run --separate-stderr ft explain tcp_fin_timeout
	[[ "$(flat)" == *"It does not shorten TIME_WAIT"* ]]
	[[ "$(flat)" == *"61..119 do not make the wait longer"*"2(F-60) seconds in all"* ]]
	[[ "$(flat)" == *"does not bound a socket half-closed with shutdown(SHUT_WR)"* ]]
	run --separate-stderr ft explain tcp_orphan_retries
	[[ "$(flat)" == *"the kernel reads 0 as 8"* ]]
	[[ "$(flat)" == *"A socket half-closed with shutdown() is not an orphan: it retransmits its FIN under tcp_retries2"* ]]
	run --separate-stderr ft explain tcp_max_tw_buckets
	[[ "$(flat)" == *"without a RST; only TcpExt TCPTimeWaitOverflow counts it"* ]]
	run --separate-stderr ft explain tcp_max_orphans
	[[ "$(flat)" == *"Host-global"* ]]
	[[ "$(flat)" == *"says not to lower it"* ]]
	run --separate-stderr ft explain tcp_timestamps
	[[ "$(flat)" == *"0 disables tcp_tw_reuse and PAWS"* ]]
}

@test "defaults and ranges are those of the kernel under --root" {
	fake_proc "$TMP" 4.9.0
	run --separate-stderr ft explain --root "$TMP" tcp_tw_reuse
	[ "$status" -eq 0 ]
	[[ "$output" == *"On this kernel (4.9.0)"* ]]
	[[ "$output" == *"  default   0"* ]]
	[[ "$output" == *"  accepts   0..1"* ]]
	run --separate-stderr ft explain --root "$TMP" tcp_tw_reuse_delay
	[[ "$output" == *"  absent (new in 6.14)"* ]]
	rm -rf "$TMP/proc"
	fake_proc "$TMP" 6.18.0
	run --separate-stderr ft explain --root "$TMP" tcp_tw_reuse
	[[ "$output" == *"  default   2"* ]]
	[[ "$output" == *"  accepts   0..2"* ]]
	[[ "$output" == *"  running   2"* ]]
	[[ "$output" == *"  scope     per network namespace (since 4.11)"* ]]
	# before it was namespaced, a key is host-global
	rm -rf "$TMP/proc"
	fake_proc "$TMP" 4.9.0
	run --separate-stderr ft explain --root "$TMP" tcp_tw_reuse
	[[ "$output" == *"  scope     host-global on this kernel (per network namespace since 4.11)"* ]]
}

@test "host-global keys in a container's namespace" {
	fake_proc "$TMP" 6.18.0 child
	run --separate-stderr ft explain --root "$TMP" tcp_max_orphans
	[ "$status" -eq 0 ]
	[[ "$output" == *"  absent: host-global on this kernel, and this is a child network namespace"* ]]
}

@test "close states and topics" {
	run --separate-stderr ft explain time-wait
	[ "$status" -eq 0 ]
	[[ "${lines[0]}" == "TIME_WAIT" ]]
	[[ "$(flat)" == *"No sysctl shortens it"* ]]
	run --separate-stderr ft explain CLOSE_WAIT
	[[ "$(flat)" == *"No close-path sysctl ends CLOSE_WAIT"* ]]
	[[ "$(flat)" == *"TCP keepalive (when the application enabled SO_KEEPALIVE) or tcp_retries2"* ]]
	run --separate-stderr ft explain fin_wait2
	[[ "$(flat)" == *"can stay in FIN_WAIT2 for ever"* ]]
	run --separate-stderr ft explain so_linger
	[[ "$(flat)" == *"skips FIN_WAIT and TIME_WAIT entirely"* ]]
	run --separate-stderr ft explain so_reuseaddr
	[[ "$(flat)" == *"lets a server bind() its listening address"* ]]
}

@test "--format json" {
	run --separate-stderr ft explain --format json tcp_fin_timeout
	[ "$status" -eq 0 ]
	[ "$(jq -r '"\(.name) \(.kind) \(.planned) \(.scope)"' <<<"$output")" = "net.ipv4.tcp_fin_timeout key true netns" ]
	run --separate-stderr ft explain --format json
	[ "$(jq -r '.keys | length' <<<"$output")" -ge 8 ]
	[ "$(jq -r '.questions | length' <<<"$output")" -ge 6 ]
}

@test "an unknown name is one line and exit 1" {
	run --separate-stderr ft explain tcp_nonsense
	[ "$status" -eq 1 ]
	[ "$stderr" = "fintune explain: nothing is called 'tcp_nonsense' (fintune explain lists the keys, states and topics) (see 'fintune help explain')" ]
}

@test "where explain states a measured number, it names the kernel it was measured on, the one docs/LAB.md records" {
	lab_kernel=$(sed -n 's/^| kernel | \([0-9]*\.[0-9]*\.[0-9]*\).*/\1/p' "$TOP/docs/LAB.md")
	[ -n "$lab_kernel" ]
	for key in tcp_fin_timeout tcp_orphan_retries tcp_max_tw_buckets tcp_tw_reuse ip_local_port_range; do
		run ft explain --format json "$key"
		[ "$status" -eq 0 ]
		text=$(jq -r '[.governs, .does_not_govern, .traps] | join(" ")' <<<"$output")
		[[ "$text" == *"easured on $lab_kernel"* ]] || { echo "$key: no figure of $lab_kernel: $text"; false; }
	done
	# the figures are the lab's: each number quoted is in docs/LAB.md
	run ft explain --format json tcp_orphan_retries
	grep -q '| 200000 | 204 | 0 | 0 | 10[5-8]\.' "$TOP/docs/LAB.md"
	[[ "$(jq -r .governs <<<"$output")" == *"0 (=8) 106 s"* ]]
	run ft explain --format json tcp_tw_reuse
	for n in 18,625 284,525 268,504; do
		grep -q "| $n |" "$TOP/docs/LAB.md" || grep -q " $n " "$TOP/docs/LAB.md"
		[[ "$(jq -r .governs <<<"$output")" == *"$n"* ]]
	done
	run ft explain --format json tcp_max_tw_buckets
	for n in 255,594 14,115; do
		grep -q "$n" "$TOP/docs/LAB.md"
		[[ "$(jq -r '[.does_not_govern, .traps] | join(" ")' <<<"$output")" == *"$n"* ]]
	done
	run ft explain --format json ip_local_port_range
	grep -q "| connections in the run | 1,000 |" "$TOP/docs/LAB.md"
	[[ "$(jq -r .governs <<<"$output")" == *"1,000 connections"* ]]
}
