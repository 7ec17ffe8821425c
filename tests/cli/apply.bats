#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
# fintune apply, rollback and status against --root trees with a fake
# /proc/sys: never the host's own files or values.

bats_require_minimum_version 1.5.0
load helpers

setup() {
	setup_tmp
	fake_proc "$TMP" 6.18.0
	# a root has /run, where the lock lives (made once, as by an earlier run)
	mkdir -p "$TMP/etc/sysctl.d" "$TMP/run"
	: >"$TMP/run/fintune.lock"
	R=$TMP/proc/sys/net/ipv4
}
teardown() { teardown_tmp; }

live() { cat "$R/$1"; }

@test "apply writes the drop-in, sets the changed live values, and says so" {
	run --separate-stderr ft apply --root "$TMP" reverse-proxy
	[ "$status" -eq 0 ]
	[[ "$output" == *"net.ipv4.tcp_max_tw_buckets    131072 -> 434176"* ]]
	[[ "$output" == *"Applied reverse-proxy: wrote /etc/sysctl.d/60-fintune.conf, 3 live values set."* ]]
	[ "$(live tcp_max_tw_buckets)" = 434176 ]
	[ "$(live tcp_orphan_retries)" = 4 ]
	[ "$(live tcp_tw_reuse)" = 1 ]
	# the drop-in is exactly what diff showed, mode 0644, and fintune's
	[ "$(stat -c %a "$TMP/etc/sysctl.d/60-fintune.conf")" = 644 ]
	[ "$(head -1 "$TMP/etc/sysctl.d/60-fintune.conf")" = "# Written by fintune. Do not edit: fintune replaces this file." ]
	run --separate-stderr ft diff --root "$TMP" reverse-proxy
	[ "$status" -eq 0 ]
	# no temporary file is left
	[ "$(ls -A "$TMP/etc/sysctl.d")" = 60-fintune.conf ]
}

@test "in sync: no write at all, exit 0" {
	ft apply --root "$TMP" reverse-proxy >/dev/null 2>&1
	before=$(snapshot "$TMP")
	sleep 1.1
	run --separate-stderr ft apply --root "$TMP" reverse-proxy
	[ "$status" -eq 0 ]
	[ "$output" = "In sync: /etc/sysctl.d/60-fintune.conf and the live values are as reverse-proxy wants them." ]
	[ -z "$stderr" ]
	[ "$(snapshot "$TMP")" = "$before" ]
}

@test "--check says what would change, exits 2, writes nothing, needs no root" {
	before=$(snapshot "$TMP")
	run --separate-stderr ft apply --check --root "$TMP" reverse-proxy
	[ "$status" -eq 2 ]
	[ "${lines[0]}" = "would write /etc/sysctl.d/60-fintune.conf" ]
	[[ "$output" == *"would set net.ipv4.tcp_max_tw_buckets: 131072 -> 434176"* ]]
	[ "$(snapshot "$TMP")" = "$before" ]
	ft apply --root "$TMP" reverse-proxy >/dev/null 2>&1
	run --separate-stderr ft apply --check --root "$TMP" reverse-proxy
	[ "$status" -eq 0 ]
	[ "$output" = "In sync: nothing would change." ]
	if command -v setpriv >/dev/null && [ "$(id -u)" -eq 0 ]; then
		chmod -R a+rX "$TMP"
		run --separate-stderr setpriv --reuid=65534 --regid=65534 --clear-groups "$FINTUNE" apply --check --root "$TMP" reverse-proxy
		[ "$status" -eq 0 ]
	fi
}

@test "a drop-in with a NUL byte and more after it is not up to date, and not replaced" {
	ft apply --root "$TMP" reverse-proxy >/dev/null 2>&1
	f=$TMP/etc/sysctl.d/60-fintune.conf
	cp "$f" "$TMP/clean"
	printf '\0\nnet.ipv4.tcp_fin_timeout = 5\n' >>"$f"
	run --separate-stderr ft status --root "$TMP"
	[ "$status" -eq 2 ]
	grep -qx "Drop-in   /etc/sysctl.d/60-fintune.conf: changed since" <<<"$output"
	run --separate-stderr ft diff --root "$TMP" reverse-proxy
	[[ "$output" != *"is up to date"* ]]
	[ "$status" -eq 1 ]
	[[ "$(tr '\n' ' ' <<<"$stderr" | tr -s ' ')" == *"/etc/sysctl.d/60-fintune.conf was edited since fintune wrote it"* ]]
	# the state could not keep it for rollback: apply leaves it alone
	cp "$f" "$TMP/tampered"
	run --separate-stderr ft apply --check --root "$TMP" reverse-proxy
	[ "$status" -eq 1 ]
	run --separate-stderr ft apply --root "$TMP" reverse-proxy
	[ "$status" -eq 1 ]
	[[ "$stderr" == *"/etc/sysctl.d/60-fintune.conf was edited since fintune wrote it (a key fintune never sets, or bytes it cannot keep): fintune will not replace it"* ]]
	cmp "$f" "$TMP/tampered"
	# a saved plan keeps the whole old text, and sees it change
	ft plan --root "$TMP" reverse-proxy --output "$TMP/reviewed.json" >/dev/null 2>&1
	[ "$(jq -r '.drop_in.old | endswith("\u0000\nnet.ipv4.tcp_fin_timeout = 5\n")' "$TMP/reviewed.json")" = true ]
	cp "$TMP/clean" "$f"
	run --separate-stderr ft apply --root "$TMP" --plan "$TMP/reviewed.json"
	[ "$status" -eq 1 ]
	[[ "$stderr" == *"drifted: /etc/sysctl.d/60-fintune.conf changed since the plan was made"* ]]
	# a plan whose new drop-in holds one is refused, not cut short
	jq '.drop_in.new += "\u0000\nnet.ipv4.tcp_fin_timeout = 5\n"' "$TMP/reviewed.json" >"$TMP/evil.json"
	run --separate-stderr ft apply --root "$TMP" --plan "$TMP/evil.json"
	[ "$status" -eq 1 ]
	[[ "$stderr" == *"the plan's drop-in is not what the profile gives"* ]]
	run --separate-stderr ft diff --root "$TMP" reverse-proxy
	[ "$status" -eq 0 ]
}

@test "a hand edit of fintune's drop-in that rollback could not put back: refused, the history kept" {
	ft apply --root "$TMP" outbound-client >/dev/null 2>&1
	f=$TMP/etc/sysctl.d/60-fintune.conf
	S=$TMP/var/lib/fintune/state.json
	for edit in 'net.ipv4.tcp_syn_retries = 5' $'# caf\xe9'; do
		cp "$f" "$TMP/clean"
		printf '%s\n' "$edit" >>"$f"
		state=$(cat "$S")
		run --separate-stderr ft apply --root "$TMP" reverse-proxy
		[ "$status" -eq 1 ]
		[[ "$stderr" == *"was edited since fintune wrote it"* ]]
		[ "$(cat "$S")" = "$state" ]
		cp "$TMP/clean" "$f"
	done
	# an edit of fintune's own keys is kept, and put back by rollback
	sed -i 's/^net.ipv4.tcp_fin_timeout = .*/net.ipv4.tcp_fin_timeout = 33/' "$f"
	cp "$f" "$TMP/edited"
	ft apply --root "$TMP" reverse-proxy >/dev/null 2>&1
	ft rollback --root "$TMP" >/dev/null 2>&1
	cmp "$f" "$TMP/edited"
}

@test "--no-live writes the drop-in only" {
	run --separate-stderr ft apply --no-live --root "$TMP" reverse-proxy
	[ "$status" -eq 0 ]
	[ -f "$TMP/etc/sysctl.d/60-fintune.conf" ]
	[ "$(live tcp_max_tw_buckets)" = 131072 ]
	[[ "$output" == *"net.ipv4.tcp_max_tw_buckets    (unset) -> 434176 (in the drop-in; --no-live)"* ]]
}

@test "--format json reports what changed" {
	run --separate-stderr ft apply --root "$TMP" --format json reverse-proxy
	[ "$status" -eq 0 ]
	[ "$(jq -r '"\(.profile) \(.changed) \(.drop_in_written) \(.drop_in)"' <<<"$output")" = \
		"reverse-proxy true true /etc/sysctl.d/60-fintune.conf" ]
	[ "$(jq -c '.keys[] | select(.key == "net.ipv4.tcp_tw_reuse") | [.old, .new, .live]' <<<"$output")" = '["2","1",true]' ]
	run --separate-stderr ft apply --root "$TMP" --format json reverse-proxy
	[ "$(jq -r .changed <<<"$output")" = false ]
	# check mode for a configuration-management hook: JSON, exit 2 if pending
	run --separate-stderr ft apply --check --root "$TMP" --format json outbound-client
	[ "$status" -eq 2 ]
	[ "$(jq -r '"\(.profile) \(.pending)"' <<<"$output")" = "outbound-client true" ]
	[ "$(jq '.drop_in_would_change' <<<"$output")" = true ]
}

@test "rollback restores the drop-in's absence and the replaced live values" {
	ft apply --root "$TMP" reverse-proxy >/dev/null 2>&1
	run --separate-stderr ft rollback --root "$TMP"
	[ "$status" -eq 0 ]
	[[ "$output" == *"Rolled back: removed /etc/sysctl.d/60-fintune.conf, 8 keys changed back, undoing the apply of reverse-proxy at 20"* ]]
	[[ "$output" == *"net.ipv4.tcp_max_tw_buckets    434176 -> 131072"* ]]
	# a key only the drop-in set is named as such
	[[ "$output" == *"net.ipv4.tcp_fin_timeout       60 -> (unset) (in the drop-in)"* ]]
	[ ! -e "$TMP/etc/sysctl.d/60-fintune.conf" ]
	[ "$(live tcp_max_tw_buckets)" = 131072 ]
	[ "$(live tcp_orphan_retries)" = 0 ]
	[ "$(live tcp_tw_reuse)" = 2 ]
	[ ! -e "$TMP/var/lib/fintune/state.json" ]
	run --separate-stderr ft rollback --root "$TMP"
	[ "$status" -eq 0 ]
	[ "$output" = "Nothing to roll back: fintune has no applied state in /var/lib/fintune/state.json." ]
}

@test "rollback undoes one apply per run, newest first, back to the start" {
	printf '# Written by fintune. from an older version\n' >"$TMP/etc/sysctl.d/60-fintune.conf"
	cp "$TMP/etc/sysctl.d/60-fintune.conf" "$TMP/original"
	ft apply --root "$TMP" outbound-client >/dev/null 2>&1
	cp "$TMP/etc/sysctl.d/60-fintune.conf" "$TMP/first"
	first_live=$(cat "$R"/tcp_*)
	ft apply --root "$TMP" reverse-proxy >/dev/null 2>&1
	if cmp -s "$TMP/first" "$TMP/etc/sysctl.d/60-fintune.conf"; then false; fi
	run --separate-stderr ft status --root "$TMP" --format json
	[ "$(jq -r '"\(.profile) \(.rollbacks)"' <<<"$output")" = "reverse-proxy 2" ]
	run --separate-stderr ft rollback --root "$TMP" --format json
	[ "$status" -eq 0 ]
	[ "$(jq -r '"\(.rolled_back) \(.profile) \(.remaining)"' <<<"$output")" = "true reverse-proxy 1" ]
	cmp "$TMP/first" "$TMP/etc/sysctl.d/60-fintune.conf"
	[ "$(cat "$R"/tcp_*)" = "$first_live" ]
	run --separate-stderr ft status --root "$TMP"
	[ "$status" -eq 0 ]
	grep -q "^Profile   outbound-client, applied " <<<"$output"
	run --separate-stderr ft rollback --root "$TMP"
	[ "$status" -eq 0 ]
	[[ "$output" == *"Rolled back: restored /etc/sysctl.d/60-fintune.conf"* ]]
	cmp "$TMP/original" "$TMP/etc/sysctl.d/60-fintune.conf"
	[ "$(live tcp_max_tw_buckets)" = 131072 ]
	[ "$(live tcp_orphan_retries)" = 0 ]
	[ "$(live tcp_tw_reuse)" = 2 ]
	[ ! -e "$TMP/var/lib/fintune/state.json" ]
}

@test "--no-live, then apply: two rollbacks give back the live values and the file" {
	ft apply --no-live --root "$TMP" reverse-proxy >/dev/null 2>&1
	ft apply --root "$TMP" reverse-proxy >/dev/null 2>&1
	[ "$(live tcp_max_tw_buckets)" = 434176 ]
	ft rollback --root "$TMP" >/dev/null 2>&1
	[ "$(live tcp_max_tw_buckets)" = 131072 ]
	[ -e "$TMP/etc/sysctl.d/60-fintune.conf" ]
	ft rollback --root "$TMP" >/dev/null 2>&1
	[ ! -e "$TMP/etc/sysctl.d/60-fintune.conf" ]
	[ "$(live tcp_tw_reuse)" = 2 ]
}

@test "a state that is not fintune's is refused, nothing is changed" {
	ft apply --root "$TMP" reverse-proxy >/dev/null 2>&1
	S=$TMP/var/lib/fintune/state.json
	cp "$S" "$TMP/good"
	for edit in '.records[0].drop_in.path = "/etc/cron.d/x"' \
		    '.records[0].drop_in.path = "/etc/sysctl.d/../cron.d/x.conf"' \
		    '.records[0].drop_in.previous = "# Written by fintune.\nkernel.core_pattern = |/x\n"' \
		    '.records[0].drop_in.previous = "kernel.core_pattern = |/x\n"' \
		    '.records[0].live[0].previous = "1; rm"' \
		    '.records[0].live[0].key = "kernel.core_pattern"' \
		    '.records[0].status = "done"' \
		    '.fintune_state = 1'; do
		jq "$edit" "$TMP/good" >"$S"
		before=$(snapshot "$TMP")
		run --separate-stderr ft rollback --root "$TMP"
		[ "$status" -eq 1 ]
		[ "$stderr" = "fintune rollback: cannot read $TMP/var/lib/fintune/state.json: not a state fintune wrote; nothing was changed" ]
		[ "$(snapshot "$TMP")" = "$before" ]
		run --separate-stderr ft apply --root "$TMP" outbound-client
		[ "$status" -eq 1 ]
		[[ "$stderr" == *"not a state fintune wrote; nothing was changed"* ]]
		[ "$(snapshot "$TMP")" = "$before" ]
	done
}

@test "a value the kernel would no longer take is not written back" {
	ft apply --root "$TMP" reverse-proxy >/dev/null 2>&1
	S=$TMP/var/lib/fintune/state.json
	jq '(.records[0].live[] | select(.key == "net.ipv4.tcp_tw_reuse") | .previous) = "7"' "$S" >"$TMP/edited"
	cp "$TMP/edited" "$S"
	run --separate-stderr ft rollback --root "$TMP"
	[ "$status" -eq 1 ]
	[[ "$stderr" == *"fintune rollback: net.ipv4.tcp_tw_reuse: this kernel does not take 7; nothing was changed"* ]]
	[[ "$stderr" == *"the record is kept: run rollback again when fixed"* ]]
	# all or nothing: the drop-in was not put back either
	[ -e "$TMP/etc/sysctl.d/60-fintune.conf" ]
	[ "$(live tcp_tw_reuse)" = 1 ]
	[ -e "$S" ]
}

@test "rollback leaves a drop-in alone that is no longer fintune's" {
	ft apply --root "$TMP" reverse-proxy >/dev/null 2>&1
	printf 'net.ipv4.tcp_fin_timeout = 25\n' >"$TMP/etc/sysctl.d/60-fintune.conf"
	run --separate-stderr ft rollback --root "$TMP"
	[ "$status" -eq 1 ]
	[[ "$stderr" == *"/etc/sysctl.d/60-fintune.conf: no longer fintune's, it is left alone and nothing was changed (move it away and run rollback again)"* ]]
	# nothing else either: the live values stay as applied
	[ "$(live tcp_tw_reuse)" = 1 ]
	[ "$(cat "$TMP/etc/sysctl.d/60-fintune.conf")" = "net.ipv4.tcp_fin_timeout = 25" ]
	rm "$TMP/etc/sysctl.d/60-fintune.conf"
	run --separate-stderr ft rollback --root "$TMP"
	[ "$status" -eq 0 ]
	[ ! -e "$TMP/var/lib/fintune/state.json" ]
}

@test "more applies than the stack holds: the oldest merge, the start is kept" {
	for i in $(seq 1 17); do
		ft apply --root "$TMP" outbound-client >/dev/null 2>&1
		ft apply --root "$TMP" reverse-proxy >/dev/null 2>&1
	done
	[ "$(jq '.records | length' "$TMP/var/lib/fintune/state.json")" = 32 ]
	for i in $(seq 1 32); do ft rollback --root "$TMP" >/dev/null 2>&1; done
	[ ! -e "$TMP/var/lib/fintune/state.json" ]
	[ ! -e "$TMP/etc/sysctl.d/60-fintune.conf" ]
	[ "$(live tcp_max_tw_buckets)" = 131072 ]
	[ "$(live tcp_tw_reuse)" = 2 ]
}

@test "rollback leaves a drop-in alone that was edited since the apply" {
	ft apply --root "$TMP" reverse-proxy >/dev/null 2>&1
	f=$TMP/etc/sysctl.d/60-fintune.conf
	cp "$f" "$TMP/written"
	sed -i 's/^net.ipv4.tcp_fin_timeout = .*/net.ipv4.tcp_fin_timeout = 7/' "$f"
	cp "$f" "$TMP/edited"
	run --separate-stderr ft rollback --root "$TMP"
	[ "$status" -eq 1 ]
	[[ "$stderr" == *"/etc/sysctl.d/60-fintune.conf: edited since the apply, it is left alone and nothing was changed (put back what fintune wrote, or move it away, and run rollback again)"* ]]
	cmp "$f" "$TMP/edited"
	[ -e "$TMP/var/lib/fintune/state.json" ]
	# nothing else was changed either
	[ "$(live tcp_tw_reuse)" = 1 ]
	cp "$TMP/written" "$f"
	run --separate-stderr ft rollback --root "$TMP" --format json
	[ "$status" -eq 0 ]
	[ ! -e "$f" ]
	# each key says whether the live value, the file, or both went back
	[ "$(jq -c '.keys[] | select(.key == "net.ipv4.tcp_tw_reuse") | [.live, .file]' <<<"$output")" = '[true,true]' ]
	[ "$(jq -c '.keys[] | select(.key == "net.ipv4.tcp_fin_timeout") | [.live, .file]' <<<"$output")" = '[false,true]' ]
}

@test "a full history merges records of one drop-in, keeps another drop-in's start" {
	ft apply --root "$TMP" --drop-in 70-x.conf long-half-close >/dev/null 2>&1
	for i in $(seq 1 17); do
		ft apply --root "$TMP" outbound-client >/dev/null 2>&1
		ft apply --root "$TMP" reverse-proxy >/dev/null 2>&1
	done
	[ "$(jq '.records | length' "$TMP/var/lib/fintune/state.json")" = 32 ]
	for i in $(seq 1 32); do ft rollback --root "$TMP" >/dev/null 2>&1; done
	[ ! -e "$TMP/var/lib/fintune/state.json" ]
	[ -z "$(ls -A "$TMP/etc/sysctl.d")" ]
	[ "$(live tcp_max_tw_buckets)" = 131072 ]
	[ "$(live tcp_tw_reuse)" = 2 ]
}

@test "a history where nothing can merge: the next apply is refused, nothing changed" {
	for i in $(seq 1 8); do
		for p in reverse-proxy outbound-client; do
			ft apply --root "$TMP" --drop-in 60-a.conf "$p" >/dev/null 2>&1
			ft apply --root "$TMP" --drop-in 61-b.conf "$p" >/dev/null 2>&1
		done
	done
	[ "$(jq '.records | length' "$TMP/var/lib/fintune/state.json")" = 32 ]
	before=$(snapshot "$TMP")
	run --separate-stderr ft apply --root "$TMP" --drop-in 60-a.conf reverse-proxy
	[ "$status" -eq 1 ]
	[[ "$stderr" == *"the rollback history in /var/lib/fintune/state.json is full"*"roll back some first (nothing was changed)"* ]]
	[ "$(snapshot "$TMP")" = "$before" ]
	for i in $(seq 1 32); do ft rollback --root "$TMP" >/dev/null 2>&1; done
	[ -z "$(ls -A "$TMP/etc/sysctl.d")" ]
}

@test "status: the counts against their limits, the profile, drift of the file and of live values" {
	mkdir -p "$TMP/proc/net"
	printf 'sockets: used 5\nTCP: inuse 3 orphan 1 tw 7 alloc 4 mem 1\n' >"$TMP/proc/net/sockstat"
	printf 'TcpExt: TW TWRecycled TCPTimeWaitOverflow TCPAbortOnMemory\nTcpExt: 7 2 0 1\n' >"$TMP/proc/net/netstat"
	run --separate-stderr ft status --root "$TMP"
	[ "$status" -eq 0 ]
	# counted whether or not anything was applied
	[ "${lines[0]}" = "Limits    TIME_WAIT and orphaned FIN_WAIT2           7 of tcp_max_tw_buckets     131072   0.0%" ]
	[ "${lines[1]}" = "          orphans (host-wide)                        1 of tcp_max_orphans        131072   0.0%" ]
	[ "${lines[2]}" = "Counters                                since boot" ]
	[ "${lines[3]}" = "          TW                                     7" ]
	[ "${lines[4]}" = "          TWRecycled                             2" ]
	[ "${lines[5]}" = "          TCPAbortOnMemory                       1" ]
	[ "${lines[6]}" = "Profile   fintune has applied nothing here (no /var/lib/fintune/state.json)" ]
	# an abort for want of memory since boot is a finding
	[ "${lines[7]}" = "Findings  1" ]
	[[ "${lines[8]}" == "  FT-ABORT-MEMORY    connections were reset at close for want of memory"* ]]
	ft apply --root "$TMP" reverse-proxy >/dev/null 2>&1
	run --separate-stderr ft status --root "$TMP"
	[ "$status" -eq 0 ]
	grep -q "^Profile   reverse-proxy, applied 20.*Z$" <<<"$output"
	grep -qx "Drop-in   /etc/sysctl.d/60-fintune.conf: as applied" <<<"$output"
	run --separate-stderr ft status --root "$TMP" --format json
	[ "$(jq -c '[.counts.time_wait, .counts.orphans, .counts.tcp_inuse, .counters.TW.since_boot, .counters.TWRecycled.since_boot, .counters.TCPAbortOnMemory.since_boot, .counters.TCPAbortOnMemory.delta, .interval_s]' <<<"$output")" = '[7,1,3,7,2,1,null,null]' ]
	[ "$(jq -c '[.findings[].id]' <<<"$output")" = '["FT-ABORT-MEMORY"]' ]
	echo 3 >"$R/tcp_orphan_retries"
	run --separate-stderr ft status --root "$TMP"
	[ "$status" -eq 2 ]
	[[ "$output" == *"net.ipv4.tcp_orphan_retries    4             DRIFT: live value is 3"* ]]
	echo '# edited' >>"$TMP/etc/sysctl.d/60-fintune.conf"
	run --separate-stderr ft status --root "$TMP" --format json
	[ "$status" -eq 2 ]
	[ "$(jq -r '"\(.drift) \(.drop_in_state)"' <<<"$output")" = "true changed since" ]
	# apply repairs it
	run ft apply --root "$TMP" reverse-proxy
	[ "$status" -eq 0 ]
	run ft status --root "$TMP"
	[ "$status" -eq 0 ]
}

@test "status of an offline image says there are no live values, not that they match" {
	rm -rf "$TMP/proc"
	ft apply --root "$TMP" reverse-proxy >/dev/null 2>&1
	run --separate-stderr ft status --root "$TMP"
	[ "$status" -eq 0 ]
	[[ "$output" == *"net.ipv4.tcp_tw_reuse          1             in the drop-in (no live values here)"* ]]
	[[ "$output" != *"live as applied"* ]]
}

@test "a file fintune did not write, or a symlink, is never replaced" {
	printf 'net.ipv4.tcp_fin_timeout = 25\n' >"$TMP/etc/sysctl.d/60-fintune.conf"
	before=$(snapshot "$TMP")
	run --separate-stderr ft apply --root "$TMP" reverse-proxy
	[ "$status" -eq 1 ]
	[[ "$stderr" == *"/etc/sysctl.d/60-fintune.conf exists and was not written by fintune: fintune will not replace it"* ]]
	[ "$(snapshot "$TMP")" = "$before" ]
	rm "$TMP/etc/sysctl.d/60-fintune.conf"
	ln -s /tmp/elsewhere "$TMP/etc/sysctl.d/60-fintune.conf"
	run --separate-stderr ft apply --root "$TMP" reverse-proxy
	[ "$status" -eq 1 ]
	[[ "$stderr" == *"/etc/sysctl.d/60-fintune.conf is a symlink: fintune never writes through one"* ]]
	[ ! -e /tmp/elsewhere ]
}

@test "nothing is written outside --root through a linked directory" {
	mkdir -p "$TMP/elsewhere/sysctl.d"
	for place in etc etc/sysctl.d var proc; do
		rm -rf "$TMP/img"
		mkdir -p "$TMP/img/run" "$TMP/img/etc/sysctl.d"
		fake_proc "$TMP/img" 6.18.0
		rm -rf "${TMP:?}/img/$place"
		ln -s "$TMP/elsewhere" "$TMP/img/$place"
		before=$(snapshot "$TMP/elsewhere")
		run --separate-stderr ft apply --root "$TMP/img" reverse-proxy
		[ "$status" -eq 1 ]
		[[ "$stderr" == *"is reached through a symlink below the root: fintune never writes through one"* ]]
		[ "$(snapshot "$TMP/elsewhere")" = "$before" ]
		# rollback has nothing of its own here, and writes nothing there either
		run --separate-stderr ft rollback --root "$TMP/img"
		[ "$status" -ne 2 ]
		[ "$(snapshot "$TMP/elsewhere")" = "$before" ]
	done
	# the dry run says it will not write there
	rm -rf "$TMP/img"; mkdir -p "$TMP/img/etc"; fake_proc "$TMP/img" 6.18.0
	ln -s "$TMP/elsewhere/sysctl.d" "$TMP/img/etc/sysctl.d"
	run --separate-stderr ft diff --root "$TMP/img" reverse-proxy
	[ "$status" -eq 1 ]
	[[ "$(tr '\n' ' ' <<<"$output$stderr" | tr -s ' ')" == *"/etc/sysctl.d is reached through a symlink below the root: fintune never writes through one"* ]]
}

@test "a host-global key in a child namespace is skipped with a notice" {
	rm -rf "$TMP/proc"
	fake_proc "$TMP" 6.18.0 child
	run --separate-stderr ft apply --root "$TMP" reverse-proxy
	[ "$status" -eq 0 ]
	# said once, by the plan's warning, which apply prints
	[[ "$(tr '\n' ' ' <<<"$stderr" | tr -s ' ')" == *"net.ipv4.tcp_max_orphans is host-global: fintune cannot set it in this network namespace"* ]]
	[ "$(grep -c "host-global" <<<"$stderr")" -eq 1 ]
	! grep -q tcp_max_orphans "$TMP/etc/sysctl.d/60-fintune.conf"
}

@test "a reviewed plan is applied exactly, or refused when the system drifted" {
	ft plan --root "$TMP" reverse-proxy --output "$TMP/reviewed.json" >/dev/null 2>&1
	# drift of a live value and of the drop-in: refused, each named
	echo 5 >"$R/tcp_orphan_retries"
	printf '# Written by fintune. old\n' >"$TMP/etc/sysctl.d/60-fintune.conf"
	before=$(snapshot "$TMP")
	run --separate-stderr ft apply --root "$TMP" --plan "$TMP/reviewed.json"
	[ "$status" -eq 1 ]
	[[ "$stderr" == *"drifted: /etc/sysctl.d/60-fintune.conf changed since the plan was made"* ]]
	[[ "$stderr" == *"drifted: net.ipv4.tcp_orphan_retries is 5 now, the plan saw 0"* ]]
	[ "$(snapshot "$TMP")" = "$before" ]
	# as it was: applied exactly
	echo 0 >"$R/tcp_orphan_retries"
	rm "$TMP/etc/sysctl.d/60-fintune.conf"
	run --separate-stderr ft apply --root "$TMP" --plan "$TMP/reviewed.json"
	[ "$status" -eq 0 ]
	[ "$(jq -j .drop_in.new "$TMP/reviewed.json")" = "$(cat "$TMP/etc/sysctl.d/60-fintune.conf")" ]
	[ "$(live tcp_max_tw_buckets)" = 434176 ]
}

@test "a plan file edited to set other keys is refused" {
	ft plan --root "$TMP" reverse-proxy --output "$TMP/reviewed.json" >/dev/null 2>&1
	jq '.drop_in.new += "kernel.core_pattern = |/tmp/pwn\n"' "$TMP/reviewed.json" >"$TMP/evil.json"
	run --separate-stderr ft apply --root "$TMP" --plan "$TMP/evil.json"
	[ "$status" -eq 1 ]
	[[ "$stderr" == *"the plan's drop-in is not what the profile gives"* ]]
	[[ "$stderr" == *"was edited since \`fintune plan --output\` wrote it: nothing was applied"* ]]
	[ ! -e "$TMP/etc/sysctl.d/60-fintune.conf" ]
	jq '.drop_in.path = "/etc/cron.d/pwn"' "$TMP/reviewed.json" >"$TMP/evil.json"
	run --separate-stderr ft apply --root "$TMP" --plan "$TMP/evil.json"
	[ "$status" -eq 1 ]
	[[ "$stderr" == *"the plan's drop-in is not /etc/sysctl.d/60-fintune.conf"* ]]
	jq '.drop_in.path = "/etc/sysctl.d/../cron.d/pwn.conf"' "$TMP/reviewed.json" >"$TMP/evil.json"
	run --separate-stderr ft apply --root "$TMP" --plan "$TMP/evil.json"
	[ "$status" -eq 1 ]
	[[ "$stderr" == *"the plan's drop-in is not /etc/sysctl.d/60-fintune.conf"* ]]
	[ ! -e "$TMP/etc/cron.d" ]
}

@test "not root: apply and rollback say so before touching anything" {
	command -v setpriv >/dev/null || skip "setpriv is not installed"
	[ "$(id -u)" -eq 0 ] || skip "needs root to drop to another user"
	run --separate-stderr setpriv --reuid=65534 --regid=65534 --clear-groups "$FINTUNE" apply reverse-proxy
	[ "$status" -eq 1 ]
	[[ "$stderr" == "fintune apply: must be run as root"* ]]
	run --separate-stderr setpriv --reuid=65534 --regid=65534 --clear-groups "$FINTUNE" rollback
	[ "$status" -eq 1 ]
	[[ "$stderr" == "fintune rollback: must be run as root"* ]]
}

@test "usage errors" {
	run --separate-stderr ft apply --root "$TMP"
	[ "$status" -eq 1 ]
	[ "$stderr" = "fintune apply: expected a profile, or --plan FILE (see 'fintune help apply')" ]
	run --separate-stderr ft apply --root "$TMP" --plan x.json reverse-proxy
	[ "$status" -eq 1 ]
	run --separate-stderr ft rollback extra
	[ "$status" -eq 1 ]
}

@test "rollback puts back a live value that cannot be read (a run killed inside a write)" {
	ft apply --root "$TMP" reverse-proxy >/dev/null 2>&1
	# an image's plain file, emptied by a kill between truncate and write
	: >"$R/tcp_max_tw_buckets"
	run --separate-stderr ft rollback --root "$TMP"
	[ "$status" -eq 0 ]
	[ "$(live tcp_max_tw_buckets)" = 131072 ]
	[ "$(live tcp_orphan_retries)" = 0 ]
	[ ! -e "$TMP/var/lib/fintune/state.json" ]
}

@test "a live value the kernel would not take back (abc, 10^23, ESC, past 255 bytes) is never recorded as previous: apply refuses, saying which" {
	# a terminal escape is shown escaped; "60" with more after the first
	# 255 bytes is not 60
	for bad in abc 99999999999999999999999 - $'1\e[2J' "60$(printf '%300s' '')abc"; do
		fake_proc "$TMP" 6.18.0
		printf '%s\n' "$bad" >"$R/tcp_fin_timeout"
		before=$(snapshot "$TMP")
		run --separate-stderr ft apply --root "$TMP" reverse-proxy
		[ "$status" -eq 1 ] || { echo "$bad: exit $status"; false; }
		[[ "$stderr" == *"net.ipv4.tcp_fin_timeout: its live value \""*"\" is not one this kernel takes, so it could not be put back on rollback; write a valid value first; nothing was changed"* ]]
		[[ "$stderr" != *$'\e'* ]]
		[ "$(snapshot "$TMP")" = "$before" ]
		[ ! -e "$TMP/var/lib/fintune/state.json" ]
		# nothing was recorded: every later command goes on as before
		run --separate-stderr ft status --root "$TMP"
		[ "$status" -eq 0 ]
		run --separate-stderr ft rollback --root "$TMP"
		[ "$status" -eq 0 ]
		[[ "$output" == *"Nothing to roll back"* ]]
	done
}

@test "--no-live over a live value the kernel would not take: the state stays one fintune reads, rollback works" {
	for bad in abc $'1\e[2J'; do
		rm -rf "$TMP/proc" "$TMP/etc" "$TMP/var"
		fake_proc "$TMP" 6.18.0
		mkdir -p "$TMP/etc/sysctl.d"
		printf '%s\n' "$bad" >"$TMP/proc/sys/net/ipv4/tcp_fin_timeout"
		run --separate-stderr ft apply --no-live --root "$TMP" reverse-proxy
		[ "$status" -eq 0 ]
		# the value is no floor: not recorded as what was there
		[ "$(jq -r '.baseline | has("net.ipv4.tcp_fin_timeout")' "$TMP/var/lib/fintune/state.json")" = false ]
		run --separate-stderr ft status --root "$TMP"
		[[ "$stderr" != *"not a state fintune wrote"* ]]
		run --separate-stderr ft rollback --root "$TMP"
		[ "$status" -eq 0 ]
		[ ! -e "$TMP/etc/sysctl.d/60-fintune.conf" ]
	done
}

@test "closed standard descriptors: apply still writes only what it should, and says nothing to a file" {
	run bash -c '"$1" apply --root "$2" reverse-proxy >&- 2>&-; echo "rc $?"' _ "$FINTUNE" "$TMP"
	[ "$output" = "rc 0" ]
	grep -q '^net.ipv4.tcp_tw_reuse = 1$' "$TMP/etc/sysctl.d/60-fintune.conf"
	# nothing fintune says landed in a file it opened
	if grep -q 'Applied\|audit' "$TMP/etc/sysctl.d/60-fintune.conf" "$TMP/var/lib/fintune/state.json"; then false; fi
}

@test "the drop-in and the state are 0644 whatever the caller's umask" {
	for mask in 000 077 0777; do
		rm -rf "$TMP/etc" "$TMP/var"
		mkdir -p "$TMP/etc/sysctl.d"
		run bash -c 'umask "$3"; "$1" apply --root "$2" reverse-proxy' _ "$FINTUNE" "$TMP" "$mask"
		[ "$status" -eq 0 ]
		[ "$(stat -c %a "$TMP/etc/sysctl.d/60-fintune.conf")" = 644 ]
		[ "$(stat -c %a "$TMP/var/lib/fintune/state.json")" = 644 ]
		[ "$(stat -c %a "$TMP/var/lib/fintune")" = 755 ]
	done
}
