#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
# fintune's kernel facts against the running kernel, in a private network
# namespace (the host's values are never touched): the defaults a new
# namespace starts with, the ranges writes are accepted in, and the
# host-global keys a namespace does not have.

bats_require_minimum_version 1.5.0
load helpers

setup() {
	if ! unshare -n true 2>/dev/null; then
		skip "unshare -n is not permitted here (needs root or user namespaces)"
	fi
}
teardown() { teardown_tmp; }

# fact KEY FIELD: the facts table's value, through explain --format json
fact() {
	"$FINTUNE" explain --format json "$1" | jq -r ".$2"
}

# in_netns SCRIPT: runs a shell script in a new network namespace
in_netns() {
	unshare -n bash -c "$1"
}

@test "a new namespace starts from the defaults the facts table says" {
	for k in tcp_fin_timeout tcp_orphan_retries tcp_tw_reuse tcp_timestamps tcp_tw_reuse_delay \
		ip_local_port_range tcp_retries2; do
		[ -e "/proc/sys/net/ipv4/$k" ] || continue
		want=$(fact "$k" default)
		got=$(in_netns "cat /proc/sys/net/ipv4/$k" | tr '\t' ' ')
		[ "$got" = "$want" ] || { echo "$k: kernel $got, facts $want"; false; }
	done
}

@test "writes inside the facts table's range are accepted, outside refused" {
	for k in tcp_orphan_retries tcp_tw_reuse tcp_tw_reuse_delay; do
		[ -e "/proc/sys/net/ipv4/$k" ] || continue
		min=$(fact "$k" min)
		max=$(fact "$k" max)
		run in_netns "f=/proc/sys/net/ipv4/$k; echo $min >\$f && echo $max >\$f && cat \$f"
		[ "$status" -eq 0 ] || { echo "$k: $min..$max refused"; false; }
		[ "$output" = "$max" ]
		run in_netns "echo $((max + 1)) >/proc/sys/net/ipv4/$k"
		[ "$status" -ne 0 ] || { echo "$k: $((max + 1)) accepted"; false; }
		[[ "$output" == *"Invalid argument"* ]]
		run in_netns "echo $((min - 1)) >/proc/sys/net/ipv4/$k"
		[ "$status" -ne 0 ] || { echo "$k: $((min - 1)) accepted"; false; }
	done
}

@test "ip_local_port_range: low <= high, low >= ip_unprivileged_port_start" {
	run in_netns 'f=/proc/sys/net/ipv4/ip_local_port_range; echo "1024 65535" >$f && cat $f'
	[ "$status" -eq 0 ]
	[ "$output" = "$(printf '1024\t65535')" ]
	run in_netns 'echo "40000 30000" >/proc/sys/net/ipv4/ip_local_port_range'
	[ "$status" -ne 0 ]
	run in_netns 'echo 2000 >/proc/sys/net/ipv4/ip_unprivileged_port_start; echo "1500 60000" >/proc/sys/net/ipv4/ip_local_port_range'
	[ "$status" -ne 0 ]
}

@test "tcp_max_orphans is host-global: absent in a namespace, as fintune assumes" {
	[ -e /proc/sys/net/ipv4/tcp_max_orphans ] || skip "this test already runs in a child namespace"
	run in_netns 'test -e /proc/sys/net/ipv4/tcp_max_orphans'
	[ "$status" -ne 0 ]
	[ "$(fact tcp_max_orphans scope)" = global ]
	# and fintune sees the same from inside
	run unshare -n "$FINTUNE" explain --format json tcp_max_orphans
	[ "$(jq -r .present <<<"$output")" = false ]
}

@test "tcp_tw_recycle is gone, as the facts table says for this kernel" {
	run in_netns 'test -e /proc/sys/net/ipv4/tcp_tw_recycle'
	[ "$status" -ne 0 ]
	[ "$(fact tcp_tw_recycle present)" = false ]
}

@test "a value in a drop-in is predicted as the kernel parses it: 010 is 8, 0x10 is 16, 08 refused" {
	setup_tmp
	fake_proc "$TMP" 6.18.0
	mkdir -p "$TMP/etc/sysctl.d"
	for v in 010 0x10 0X10 08 0x 0x1g " 017" 00000000000000000005 000000000000000000005; do
		printf 'net.ipv4.tcp_fin_timeout = %s\n' "$v" >"$TMP/etc/sysctl.d/70-local.conf"
		run --separate-stderr ft diff --root "$TMP" --format json reverse-proxy
		[ "$status" -eq 2 ]
		predicted=$(jq -r '.settings[] | select(.key == "net.ipv4.tcp_fin_timeout") | .effective' <<<"$output")
		# the kernel's own answer, in a namespace that starts from 60 as the fake tree does
		stored=$(in_netns "printf '%s\n' '$v' >/proc/sys/net/ipv4/tcp_fin_timeout 2>/dev/null; cat /proc/sys/net/ipv4/tcp_fin_timeout")
		[ "$predicted" = "$stored" ] || { echo "\"$v\": fintune predicted $predicted, the kernel stored $stored"; false; }
	done
}

@test "status reads the real /proc/net (a link to self/net) for the counts and counters" {
	# status only reads; the namespace is fresh, so every count is 0
	run --separate-stderr unshare -n "$FINTUNE" status --format json
	[ "$status" -ne 1 ]
	[ "$(jq -r '(.counts | has("time_wait") and has("orphans")) and (.counters | has("TW") and has("ActiveOpens"))' <<<"$output")" = true ]
	[ "$(jq -r '"\(.counts.time_wait) \(.counters.TW.since_boot) \(.counters.TCPTimeWaitOverflow.since_boot)"' <<<"$output")" = "0 0 0" ]
}
