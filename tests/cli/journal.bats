#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
# The audit trail: every apply and rollback sends one journal record per
# changed key and a summary, through libsystemd's sd_journal_send. The
# journal is played by a datagram socket bound at its path in a private mount
# namespace (tests/suite/journal-listen.c), so the records are the real
# bytes sd_journal_send writes.

bats_require_minimum_version 1.5.0
load helpers

setup() {
	if [ "$(id -u)" -ne 0 ] || ! unshare --mount true 2>/dev/null; then
		skip "needs root for a private mount namespace"
	fi
	[ -n "${LISTEN:-}" ] || skip "LISTEN (build/tests/journal-listen) is not set: run through make"
	setup_tmp
	fake_proc "$TMP/root" 6.18.0
	mkdir -p "$TMP/root/etc/sysctl.d" "$TMP/root/run"
}
teardown() { teardown_tmp; }

# with_journal COUNT COMMAND...: runs COMMAND with a journal that takes COUNT
# records into $TMP/records
with_journal() {
	local count=$1
	shift
	unshare --mount --propagation private bash -c '
		mount -t tmpfs fintune-test-journal /run
		mkdir -p /run/systemd/journal
		"$0" /run/systemd/journal/socket "$1" "$2" "${JOURNAL_WAIT:-10}" & listener=$!
		for i in $(seq 100); do [ -e /run/systemd/journal/socket.ready ] && break; sleep 0.05; done
		shift 2
		"$@"; status=$?
		wait $listener; echo "listener=$?"
		exit $status
	' "$LISTEN" "$TMP/records" "$count" "$@"
}

# field N NAME: the value of a field in the Nth record (1-based)
field() {
	awk -v n="$1" -v f="$2=" 'BEGIN { r = 1 } /^--$/ { r++; next } r == n && index($0, f) == 1 { print substr($0, length(f) + 1) }' "$TMP/records"
}

@test "apply: a record per changed key and a summary, with MESSAGE_ID" {
	# reverse-proxy on fresh 6.18 values: 8 keys enter the drop-in (3 also live), then the summary
	run --separate-stderr with_journal 9 "$FINTUNE" apply --root "$TMP/root" reverse-proxy
	[ "$status" -eq 0 ]
	[[ "$output" == *"listener=0"* ]]
	# with a journal there, nothing goes to stderr
	[[ "$stderr" != *"no journal"* ]]
	[ "$(grep -c '^MESSAGE_ID=8b2f5a0d6c3e4f1b9a7d2e5c0f4b8a16$' "$TMP/records")" = 9 ]
	n=$(awk '/^--$/ { r++ } /^FINTUNE_KEY=net.ipv4.tcp_max_tw_buckets$/ { print r + 1 }' "$TMP/records")
	[ "$(field "$n" FINTUNE_ACTION)" = apply ]
	[ "$(field "$n" FINTUNE_PROFILE)" = reverse-proxy ]
	[ "$(field "$n" FINTUNE_OLD)" = 131072 ]
	[ "$(field "$n" FINTUNE_NEW)" = 434176 ]
	[ "$(field "$n" FINTUNE_TARGET)" = live+file ]
	[ "$(field "$n" SYSLOG_IDENTIFIER)" = fintune ]
	[ "$(field 9 FINTUNE_RECORD)" = summary ]
	# FINTUNE_CHANGED counts the key records: what changed, live or in the file
	[ "$(field 9 FINTUNE_CHANGED)" = 8 ]
	[ "$(field 9 MESSAGE)" = "fintune apply reverse-proxy: wrote /etc/sysctl.d/60-fintune.conf, 3 live values set" ]
}

@test "rollback: records for what it restores" {
	"$FINTUNE" apply --root "$TMP/root" reverse-proxy >/dev/null 2>&1
	# the 3 live values and the 5 keys only the removed drop-in set
	run --separate-stderr with_journal 9 "$FINTUNE" rollback --root "$TMP/root"
	[ "$status" -eq 0 ]
	[[ "$output" == *"listener=0"* ]]
	[ "$(field 1 FINTUNE_ACTION)" = rollback ]
	[ "$(grep -c '^FINTUNE_RECORD=key$' "$TMP/records")" = 8 ]
	n=$(awk '/^--$/ { r++ } /^FINTUNE_KEY=net.ipv4.tcp_tw_reuse$/ { print r + 1 }' "$TMP/records")
	[ "$(field "$n" FINTUNE_OLD)" = 1 ]
	[ "$(field "$n" FINTUNE_NEW)" = 2 ]
	[ "$(field "$n" FINTUNE_TARGET)" = live+file ]
	n=$(awk '/^--$/ { r++ } /^FINTUNE_KEY=net.ipv4.tcp_fin_timeout$/ { print r + 1 }' "$TMP/records")
	[ "$(field "$n" FINTUNE_OLD)" = 60 ]
	[ "$(field "$n" FINTUNE_NEW)" = "" ]
	[ "$(field "$n" FINTUNE_TARGET)" = file ]
	[ "$(field 9 FINTUNE_RECORD)" = summary ]
	[ "$(field 9 FINTUNE_CHANGED)" = 8 ]
}

@test "in sync: no records" {
	"$FINTUNE" apply --root "$TMP/root" reverse-proxy >/dev/null 2>&1
	JOURNAL_WAIT=2 run --separate-stderr with_journal 1 "$FINTUNE" apply --root "$TMP/root" reverse-proxy
	[ "$status" -eq 0 ]
	[[ "$output" == *"listener=3"* ]]
	[ ! -s "$TMP/records" ]
}

@test "no journal socket: said once on stderr, records there instead" {
	run --separate-stderr unshare --mount --propagation private bash -c '
		mount -t tmpfs fintune-test-nojournal /run
		"$0" apply --root "$1" reverse-proxy' "$FINTUNE" "$TMP/root"
	[ "$status" -eq 0 ]
	[ "$(grep -c 'no journal at /run/systemd/journal/socket' <<<"$stderr")" = 1 ]
	[[ "$stderr" == *"fintune: audit: apply reverse-proxy net.ipv4.tcp_max_tw_buckets: 131072 -> 434176 (live+file)"* ]]
}

@test "journalctl -x explains fintune's records with the catalog the packages install" {
	remote=/lib/systemd/systemd-journal-remote
	[ -x "$remote" ] || skip "systemd-journal-remote is not installed (it writes the journal file from the records)"
	[ -d /var/lib/systemd/catalog ] || skip "no /var/lib/systemd/catalog to bind the test catalog over"
	run --separate-stderr with_journal 9 "$FINTUNE" apply --root "$TMP/root" reverse-proxy
	[ "$status" -eq 0 ]
	# every MESSAGE_ID fintune sends has an entry in the catalog
	for id in $(sed -n 's/^MESSAGE_ID=//p' "$TMP/records" | sort -u); do
		grep -qx -- "-- $id" "$TOP/packaging/fintune.catalog" || { echo "no catalog entry for $id"; false; }
	done
	# the records as sd_journal_send sent them, into a real journal file
	# (export format: a timestamp each, a blank line between records)
	j=$TMP/j
	mkdir -p "$j/var/log/journal" "$j/usr/lib/systemd/catalog"
	awk 'BEGIN { t = 1764600000000000; fresh = 1 } /^--$/ { print ""; fresh = 1; next }
		fresh { printf "__REALTIME_TIMESTAMP=%d\n__MONOTONIC_TIMESTAMP=%d\n", t, t - 1764599000000000; t += 1000; fresh = 0 }
		{ print }' "$TMP/records" >"$TMP/export"
	"$remote" -o "$j/var/log/journal/fintune.journal" - <"$TMP/export" 2>"$TMP/remote.log" ||
		{ cat "$TMP/remote.log"; false; }
	cp "$TOP/packaging/fintune.catalog" "$j/usr/lib/systemd/catalog/"
	journalctl --root "$j" --update-catalog
	# journalctl -x reads the host's catalog database whatever --root says:
	# the test's own is bound over it, in a private mount namespace
	run unshare --mount --propagation private sh -c \
		'mount --bind "$1/var/lib/systemd/catalog" /var/lib/systemd/catalog && journalctl --root "$1" -x --no-pager' _ "$j"
	[ "$status" -eq 0 ]
	[ "$(grep -c '^.*fintune: fintune apply reverse-proxy' <<<"$output")" = 9 ]
	[ "$(grep -c 'Subject: fintune apply of reverse-proxy: a TCP close-path setting changed' <<<"$output")" = 9 ]
	grep -q 'Every apply can be undone with "fintune rollback"' <<<"$output"
}
