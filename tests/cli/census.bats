#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
# fintune status counts the sockets of its network namespace over
# NETLINK_SOCK_DIAG: in a private network namespace (unshare -n), on its
# loopback, with sockets of known states made by tests/lab/ftload.

bats_require_minimum_version 1.5.0
load helpers

setup() {
	if [ "$(id -u)" -ne 0 ] || ! unshare --net true 2>/dev/null; then
		skip "needs root for a private network namespace"
	fi
	[ -x "${FTLOAD:-}" ] || skip "FTLOAD (tests/lab/ftload) is not built"
	setup_tmp
	export FINTUNE FTLOAD TMP
}
teardown() { teardown_tmp; }

# in_netns SCRIPT: a new network namespace with lo up; ends with its processes
# (ready FILE waits, at most 5 s, for a listener's ready line in FILE)
in_netns() {
	unshare -n bash -c 'ip link set lo up
		ready() { for _ in $(seq 50); do grep -q "^ready," "$1" 2>/dev/null && return 0; sleep 0.1; done; return 1; }
		'"$1"
}

@test "status counts TIME_WAIT per destination and names the busiest, outside any profile" {
	run in_netns '
		# no reuse in this namespace (its default 2 lets loopback connects
		# take TIME_WAIT ports): every connection leaves its TIME_WAIT
		echo 0 >/proc/sys/net/ipv4/tcp_tw_reuse
		# the servers outlive the clients: each reads to EOF, then closes,
		# so the client always closes first and keeps the TIME_WAIT
		"$FTLOAD" server --listen 127.0.0.1:8080 --seconds 3 >"$TMP/a" &
		"$FTLOAD" server --listen 127.0.0.1:8081 --seconds 3 >"$TMP/b" &
		ready "$TMP/a" && ready "$TMP/b" || exit 1
		"$FTLOAD" client --to 127.0.0.1:8080 --max 40 --seconds 2 >"$TMP/ca"
		"$FTLOAD" client --to 127.0.0.1:8081 --max 15 --seconds 2 >"$TMP/cb"
		# a client socket is in FIN_WAIT2 until its server has closed too
		for _ in $(seq 30); do
			"$FINTUNE" status --format json >"$TMP/s.json"
			[ "$(jq -r .census.states.FIN_WAIT2 "$TMP/s.json")" = 0 ] && break
			sleep 0.1
		done
		# what ss (the same netlink interface) counts at the same moment
		ss -Htan state time-wait | wc -l >"$TMP/ss-tw"
		ss -Htan state time-wait dst 127.0.0.1:8080 | wc -l >"$TMP/ss-8080"
		"$FINTUNE" status
		wait'
	[ "$status" -eq 0 ]
	json=$(cat "$TMP/s.json")
	# the clients made 55 connections, 40 toward :8080; the kernel keeps
	# a TIME_WAIT for nearly all (now and then a few fewer: what ss sees
	# at the same moment is the reference)
	grep -q '^summary,40,' "$TMP/ca"
	grep -q '^summary,15,' "$TMP/cb"
	tw=$(cat "$TMP/ss-tw") tw8080=$(cat "$TMP/ss-8080")
	[ "$tw" -ge 45 ] && [ "$tw" -le 55 ] || { echo "ss: $tw TIME-WAIT"; false; }
	[ "$(jq -r '.census.states.TIME_WAIT' <<<"$json")" = "$tw" ]
	[ "$(jq -r '.census.busiest_destination | "\(.destination) \(.time_wait) \(.ports)"' <<<"$json")" = "127.0.0.1:8080 $tw8080 28232" ]
	[ "$(jq -r '.census.destinations' <<<"$json")" = 2 ]
	[ "$(jq -r '.census.tw_buckets_used' <<<"$json")" = "$tw" ]
	[ "$(jq -r '.applied' <<<"$json")" = false ]
	[[ "$output" == *"Busiest   127.0.0.1:8080: $tw8080 ephemeral ports in TIME_WAIT of 28232 (0%)"* ]]
	grep -Eq "^Limits    TIME_WAIT and orphaned FIN_WAIT2 +$tw of tcp_max_tw_buckets " <<<"$output"
}

@test "orphaned FIN_WAIT2 sockets are told apart from half-closed ones" {
	run in_netns '
		"$FTLOAD" hold --listen 127.0.0.1:9090 --seconds 6 >"$TMP/h" &
		ready "$TMP/h" || exit 1
		# one close()d (an orphan: FIN_WAIT2 as a small socket), one shutdown()
		(echo | "$FTLOAD" orphan --to 127.0.0.1:9090 --timeout 3 >/dev/null) &
		(echo | "$FTLOAD" orphan --to 127.0.0.1:9090 --shutdown --timeout 3 >/dev/null) &
		sleep 1
		"$FINTUNE" status --format json >"$TMP/s.json"
		wait'
	[ "$status" -eq 0 ]
	json=$(cat "$TMP/s.json")
	[ "$(jq -r '.census.states.FIN_WAIT2' <<<"$json")" = 2 ]
	[ "$(jq -r '.census.orphaned.FIN_WAIT2' <<<"$json")" = 1 ]
	# the holder's side of both: CLOSE_WAIT, held by its application
	[ "$(jq -r '.census.states.CLOSE_WAIT' <<<"$json")" = 2 ]
}

@test "no census under --root: the kernel counts only fintune's own namespace" {
	fake_proc "$TMP" 6.18.0
	run --separate-stderr ft status --root "$TMP" --format json
	[ "$status" -eq 0 ]
	[ "$(jq -r .census <<<"$output")" = null ]
	[[ "$(jq -r .census_note <<<"$output")" == "no census under --root"* ]]
	run --separate-stderr ft status --root "$TMP"
	if [[ "$output" == *"Sockets"* ]]; then false; fi
}

@test "CLOSE_WAIT sockets are named with the process that holds them" {
	run in_netns '
		# hold accepts and never closes: once each client has closed, the
		# accepted sockets sit in CLOSE_WAIT, held by hold
		"$FTLOAD" hold --listen 127.0.0.1:7070 --seconds 3 >"$TMP/h" &
		holder=$!
		ready "$TMP/h" || exit 1
		"$FTLOAD" client --to 127.0.0.1:7070 --max 3 --seconds 1 >/dev/null
		for _ in $(seq 30); do
			"$FINTUNE" status --format json >"$TMP/s.json"
			[ "$(jq -r .census.states.CLOSE_WAIT "$TMP/s.json")" = 3 ] && break
			sleep 0.1
		done
		echo "holder $holder"
		"$FINTUNE" status
		wait'
	[ "$status" -eq 0 ]
	json=$(cat "$TMP/s.json")
	holder=$(sed -n 's/^holder //p' <<<"$output")
	[ "$(jq -r .census.states.CLOSE_WAIT <<<"$json")" = 3 ]
	[ "$(jq -r '.census.close_wait_owners[0] | "\(.pid) \(.command) \(.sockets)"' <<<"$json")" = "$holder ftload 3" ]
	[[ "$(tr -s ' \n' ' ' <<<"$output")" == *"CLOSE_WAIT 3 held by ftload (pid $holder) 3: the application has not called close(); no close-path sysctl ends CLOSE_WAIT"* ]]
}
