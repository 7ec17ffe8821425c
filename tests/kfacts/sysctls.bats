#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
# Kernel facts of KERNEL.md about the sysctl files themselves, in a network
# namespace made for the test (the host's values are only read, never
# written): out-of-range writes fail with EINVAL and leave the value,
# tcp_max_orphans is host-global, tcp_tw_recycle is gone.

bats_require_minimum_version 1.5.0
load helpers

setup() {
	kf_skip_unless_netns
	kf_setup
	NS=$(kf_ns sys)
}
teardown() { kf_cleanup; }

# try_write KEY VALUE: prints "ok" or the error of the write, then the value after
try_write() {
	case "$1" in tcp_orphan_retries | tcp_tw_reuse | tcp_tw_reuse_delay) ;; *) echo "try_write: not $1"; return 1 ;; esac
	kf_in "$NS" bash -c '[ ! -e /proc/sys/net/ipv4/tcp_max_orphans ] || exit 3
		f=/proc/sys/net/ipv4/$1
		if err=$( (echo "$2" >"$f") 2>&1); then echo ok; else echo "${err##*: }"; fi
		cat "$f"' sh "$1" "$2"
}

@test "out-of-range writes fail with EINVAL and leave the value unchanged" {
	local cases=("tcp_orphan_retries 256" "tcp_orphan_retries -1" "tcp_tw_reuse 3" "tcp_tw_reuse -1")
	[ -e /proc/sys/net/ipv4/tcp_tw_reuse_delay ] && cases+=("tcp_tw_reuse_delay 0" "tcp_tw_reuse_delay 60001")
	for c in "${cases[@]}"; do
		set -- $c
		before=$(kf_get "$NS" "$1")
		run try_write "$1" "$2"
		echo "$1 <- $2: $output"
		[ "${lines[0]}" = "Invalid argument" ]
		[ "${lines[1]}" = "$before" ]
	done
}

@test "the edges of those ranges are accepted (the EINVAL test can tell)" {
	local cases=("tcp_orphan_retries 255" "tcp_orphan_retries 0" "tcp_tw_reuse 2" "tcp_tw_reuse 0")
	[ -e /proc/sys/net/ipv4/tcp_tw_reuse_delay ] && cases+=("tcp_tw_reuse_delay 1" "tcp_tw_reuse_delay 60000")
	for c in "${cases[@]}"; do
		set -- $c
		run try_write "$1" "$2"
		echo "$1 <- $2: $output"
		[ "${lines[0]}" = ok ]
		[ "${lines[1]}" = "$2" ]
	done
}

@test "tcp_max_orphans is host-global: absent in a child network namespace" {
	if [ ! -e /proc/sys/net/ipv4/tcp_max_orphans ]; then
		skip "this test already runs in a child network namespace (no tcp_max_orphans here either)"
	fi
	run kf_in "$NS" test -e /proc/sys/net/ipv4/tcp_max_orphans
	[ "$status" -ne 0 ]
	# a per-namespace key next to it is there, so the path is right
	kf_in "$NS" test -e /proc/sys/net/ipv4/tcp_max_tw_buckets
}

@test "tcp_tw_recycle is absent (removed in 4.12), in the host's namespace and a child's" {
	[ ! -e /proc/sys/net/ipv4/tcp_tw_recycle ]
	run kf_in "$NS" test -e /proc/sys/net/ipv4/tcp_tw_recycle
	[ "$status" -ne 0 ]
	kf_in "$NS" test -e /proc/sys/net/ipv4/tcp_tw_reuse
}
