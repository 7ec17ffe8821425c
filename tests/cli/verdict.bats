#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
#
# One verdict: for every tree, diff, apply --check and apply reach the same
# outcome (0 nothing to do, 2 would change / changed, 1 refused) with the
# same reason, and status afterwards agrees. And convergence: the same
# profile staged anywhere gives the same drop-in, a plan after apply equals
# the plan before, and live drift is put back, never written into the
# drop-in. Against --root trees with a fake /proc/sys.

bats_require_minimum_version 1.5.0
load helpers

setup() { setup_tmp; }
teardown() { teardown_tmp; }

# root NAME: a --root tree with a fake proc (a test tree of the appliers'
# suite when NAME is one, else empty)
root() {
	local r=$TMP/$1
	mkdir -p "$r"
	if [ -d "$TOP/tests/data/trees/$1" ]; then cp -a "$TOP/tests/data/trees/$1/." "$r/"; fi
	mkdir -p "$r/etc/sysctl.d" "$r/run"
	# the lock, made once as by an earlier run: snapshot() compares the rest
	: >"$r/run/fintune.lock"
	fake_proc "$r" 6.18.0
	echo "$r"
}

# The reason a command gives: its last line on stderr, without the command's name.
reason() { printf '%s\n' "$1" | grep '^fintune [a-z]*: ' | tail -1 | sed 's/^fintune [a-z]*: //'; }

# verdict ROOT: diff, apply --check and apply on a copy agree; prints the exit status
verdict() {
	local r=$1 d c a rd rc ra copy=$1.copy
	run --separate-stderr ft diff --root "$r" reverse-proxy
	d=$status rd=$(reason "$stderr")
	run --separate-stderr ft apply --check --root "$r" reverse-proxy
	c=$status rc=$(reason "$stderr")
	rm -rf "$copy"; cp -a "$r" "$copy"
	before=$(snapshot "$copy")
	run --separate-stderr ft apply --root "$copy" reverse-proxy
	a=$status ra=$(reason "$stderr")
	[ "$d" = "$c" ] || { echo "$r: diff $d, apply --check $c"; return 1; }
	case $d in
	0 | 2) [ "$a" -eq 0 ] || { echo "$r: diff $d, apply $a: $stderr"; return 1; } ;;
	1)
		[ "$a" -eq 1 ] || { echo "$r: diff refused, apply $a"; return 1; }
		[ "$rd" = "$rc" ] && [ "$rc" = "$ra" ] || { printf '%s: reasons differ:\n%s\n%s\n%s\n' "$r" "$rd" "$rc" "$ra"; return 1; }
		[ -n "$rd" ] || { echo "$r: refused without a reason"; return 1; }
		[ "$(snapshot "$copy")" = "$before" ] || { echo "$r: apply refused, but wrote"; return 1; }
		;;
	*) echo "$r: diff exited $d"; return 1 ;;
	esac
	# after apply: nothing is pending, and status agrees (2 only when a later file wins at boot)
	if [ "$a" -eq 0 ]; then
		run --separate-stderr ft diff --root "$copy" reverse-proxy
		[ "$status" -eq 0 ] || { echo "$r: diff after apply: $status"; return 1; }
		run --separate-stderr ft apply --check --root "$copy" reverse-proxy
		[ "$status" -eq 0 ] || { echo "$r: apply --check after apply: $status"; return 1; }
		run --separate-stderr ft status --root "$copy"
		if [ "$status" -ne 0 ] && [[ "$output" != *"NOT IN FORCE AFTER BOOT"* ]]; then
			echo "$r: status after apply: $status: $output"; return 1
		fi
	fi
	echo "$d"
}

@test "the applier trees: diff == apply --check == apply, status after" {
	for t in "$TOP"/tests/data/trees/*/; do
		name=$(basename "$t")
		run verdict "$(root "$name")"
		[ "$status" -eq 0 ] || { echo "$name: $output"; false; }
	done
}

@test "edited, linked and foreign drop-ins: refused by all three with one reason" {
	r=$(root edited)
	ft apply --root "$r" reverse-proxy >/dev/null 2>&1
	printf 'kernel.core_pattern = |/bin/x\n' >>"$r/etc/sysctl.d/60-fintune.conf"
	run verdict "$r"
	[ "$status" -eq 0 ]
	[ "${lines[-1]}" = 1 ]

	r=$(root foreign)
	printf 'net.ipv4.tcp_fin_timeout = 25\n' >"$r/etc/sysctl.d/60-fintune.conf"
	run verdict "$r"
	[ "$status" -eq 0 ]
	[ "${lines[-1]}" = 1 ]

	r=$(root symlinked)
	printf 'x\n' >"$TMP/target"
	ln -s "$TMP/target" "$r/etc/sysctl.d/60-fintune.conf"
	run verdict "$r"
	[ "$status" -eq 0 ]
	[ "${lines[-1]}" = 1 ]

	r=$(root hardlinked)
	ft apply --root "$r" reverse-proxy >/dev/null 2>&1
	ln "$r/etc/sysctl.d/60-fintune.conf" "$r/other-name"
	run verdict "$r"
	[ "$status" -eq 0 ]
	[ "${lines[-1]}" = 1 ]

	r=$(root dirlinked)
	mkdir -p "$TMP/outside"
	rmdir "$r/etc/sysctl.d"
	ln -s "$TMP/outside" "$r/etc/sysctl.d"
	run verdict "$r"
	[ "$status" -eq 0 ]
	[ "${lines[-1]}" = 1 ]
	[ -z "$(ls -A "$TMP/outside")" ]
}

@test "shadowed by a later file: apply says so, status exits 2 (not in force after boot)" {
	r=$(root later)
	printf 'net.ipv4.tcp_tw_reuse = 0\n' >"$r/etc/sysctl.conf"
	ln -s ../sysctl.conf "$r/etc/sysctl.d/99-sysctl.conf"
	run verdict "$r"
	[ "$status" -eq 0 ]
	[ "${lines[-1]}" = 2 ]
	run --separate-stderr ft apply --root "$r" reverse-proxy
	[ "$status" -eq 0 ]
	[[ "$(tr '\n' ' ' <<<"$stderr" | tr -s ' ')" == *"net.ipv4.tcp_tw_reuse: fintune's drop-in sets 1, but /etc/sysctl.d/99-sysctl.conf:1 (-> /etc/sysctl.conf) sets \"0\" after it"* ]]
	run --separate-stderr ft apply --root "$r" --format json reverse-proxy
	[ "$(jq -r .shadowed <<<"$output")" = true ]
	run --separate-stderr ft status --root "$r"
	[ "$status" -eq 2 ]
	[[ "$output" == *"net.ipv4.tcp_tw_reuse"*"NOT IN FORCE AFTER BOOT: /etc/sysctl.d/99-sysctl.conf:1 (-> /etc/sysctl.conf) sets \"0\""* ]]
	run --separate-stderr ft status --root "$r" --format json
	[ "$status" -eq 2 ]
	[ "$(jq -r '.keys[] | select(.key == "net.ipv4.tcp_tw_reuse") | .in_force_after_boot' <<<"$output")" = false ]
	[ "$(jq -r '.keys[] | select(.key == "net.ipv4.tcp_fin_timeout") | .in_force_after_boot' <<<"$output")" = true ]
}

@test "converges: the same profile staged in two places gives one drop-in, one apply" {
	r=$(root staged)
	mkdir -p "$TMP/t1" "$TMP/t2"
	printf 'fintune: 1\nname: site\nextends: reverse-proxy\nworkload:\n  rtt_ms: 40\n' >"$TMP/t1/site.yaml"
	cp "$TMP/t1/site.yaml" "$TMP/t2/site.yaml"
	run --separate-stderr ft apply --root "$r" "$TMP/t1/site.yaml"
	[ "$status" -eq 0 ]
	before=$(snapshot "$r")
	run --separate-stderr ft apply --root "$r" "$TMP/t2/site.yaml"
	[ "$status" -eq 0 ]
	[[ "$output" == "In sync:"* ]]
	[ "$(snapshot "$r")" = "$before" ]
	[ "$(jq '.records | length' "$r/var/lib/fintune/state.json")" = 1 ]
}

@test "converges: a plan after apply equals the plan before (no ratchet)" {
	r=$(root ratchet)
	run --separate-stderr ft plan --root "$r" --format json outbound-client
	fresh=$(jq -c '[.settings[] | {key, proposed}]' <<<"$output")
	ft apply --root "$r" reverse-proxy >/dev/null 2>&1
	run --separate-stderr ft plan --root "$r" --format json outbound-client
	[ "$(jq -c '[.settings[] | {key, proposed}]' <<<"$output")" = "$fresh" ]
	[ "$(jq -r .floors_from_state <<<"$output")" = true ]
	# and applying it gives what it gave on the fresh system
	ft apply --root "$r" outbound-client >/dev/null 2>&1
	run --separate-stderr ft plan --root "$r" --format json outbound-client
	[ "$(jq -c '[.settings[] | {key, proposed}]' <<<"$output")" = "$fresh" ]
	# rolled back to the start, the floors are the running values again
	ft rollback --root "$r" >/dev/null 2>&1
	ft rollback --root "$r" >/dev/null 2>&1
	[ ! -e "$r/var/lib/fintune/state.json" ]
	run --separate-stderr ft plan --root "$r" --format json outbound-client
	[ "$(jq -r .floors_from_state <<<"$output")" = false ]
}

@test "converges: live drift is reported and put back, never written into the drop-in" {
	r=$(root drift)
	ft apply --root "$r" reverse-proxy >/dev/null 2>&1
	cp "$r/etc/sysctl.d/60-fintune.conf" "$TMP/applied"
	echo 3 >"$r/proc/sys/net/ipv4/tcp_orphan_retries"
	run --separate-stderr ft status --root "$r"
	[ "$status" -eq 2 ]
	[[ "$output" == *"net.ipv4.tcp_orphan_retries    4             DRIFT: live value is 3"* ]]
	run --separate-stderr ft diff --root "$r" reverse-proxy
	[ "$status" -eq 2 ]
	[[ "$output" == *"/etc/sysctl.d/60-fintune.conf is up to date."* ]]
	run --separate-stderr ft apply --root "$r" reverse-proxy
	[ "$status" -eq 0 ]
	[[ "$output" == *"net.ipv4.tcp_orphan_retries    3 -> 4"* ]]
	cmp "$r/etc/sysctl.d/60-fintune.conf" "$TMP/applied"
	[ "$(cat "$r/proc/sys/net/ipv4/tcp_orphan_retries")" = 4 ]
	run --separate-stderr ft status --root "$r"
	[ "$status" -eq 0 ]
}

@test "more that apply refuses, diff refuses too: a linked /run, a file for /etc/sysctl.d, an unplain key" {
	r=$(root runlinked)
	mkdir -p "$TMP/outside-run"
	rm -rf "$r/run"
	ln -s "$TMP/outside-run" "$r/run"
	run verdict "$r"
	[ "$status" -eq 0 ]
	[ "${lines[-1]}" = 1 ]
	[ -z "$(ls -A "$TMP/outside-run")" ]

	r=$(root notadir)
	rmdir "$r/etc/sysctl.d"
	: >"$r/etc/sysctl.d"
	run verdict "$r"
	[ "$status" -eq 0 ]
	[ "${lines[-1]}" = 1 ]

	r=$(root fifokey)
	rm "$r/proc/sys/net/ipv4/tcp_max_tw_buckets"
	mkfifo "$r/proc/sys/net/ipv4/tcp_max_tw_buckets"
	run verdict "$r"
	[ "$status" -eq 0 ]
	[ "${lines[-1]}" = 1 ]
}

@test "a limit raised by hand after apply is not lowered by the next one" {
	r=$(root raised)
	ft apply --root "$r" reverse-proxy >/dev/null 2>&1
	echo 2000000 >"$r/proc/sys/net/ipv4/tcp_max_tw_buckets"
	run --separate-stderr ft plan --root "$r" --format json reverse-proxy
	[ "$(jq -r '.settings[] | select(.key == "net.ipv4.tcp_max_tw_buckets") | .proposed' <<<"$output")" = 2000000 ]
	# a lowered one is drift, and put back
	echo 1000 >"$r/proc/sys/net/ipv4/tcp_max_tw_buckets"
	run --separate-stderr ft plan --root "$r" --format json reverse-proxy
	[ "$(jq -r '.settings[] | select(.key == "net.ipv4.tcp_max_tw_buckets") | .proposed' <<<"$output")" = 434176 ]
}

@test "a device or FIFO in sysctl.d is looked at, never opened" {
	r=$(root fifoconf)
	mkfifo "$r/etc/sysctl.d/50-fifo.conf"
	# a writer that finishes only if someone opens the FIFO for reading
	timeout 5 sh -c 'echo x >"$1"' _ "$r/etc/sysctl.d/50-fifo.conf" &
	writer=$!
	run --separate-stderr timeout 10 "$FINTUNE" diff --root "$r" reverse-proxy
	[ "$status" -eq 2 ]
	[[ "$stderr" == *"/etc/sysctl.d/50-fifo.conf: warning: not a regular file, ignoring"* ]]
	set +e
	wait "$writer"
	w=$?
	set -e
	[ "$w" -eq 124 ]
}

@test "a file name whose braces expand past reason is not globbed: diff ends at once" {
	r=$(root braces)
	name=$(printf '{a,b}%.0s' $(seq 1 40)).conf
	: >"$r/etc/sysctl.d/$name"
	run --separate-stderr timeout 20 "$FINTUNE" diff --root "$r" reverse-proxy
	[ "$status" -eq 2 ]
	[[ "$stderr" == *"procps expands this name's braces to more names than fintune follows"* ]]
}
