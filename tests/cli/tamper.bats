#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
# Files fintune reads back are input like any other: a reviewed plan edited
# after the review, a rollback state edited after the apply. An edit that
# keeps the file consistent (the proposed value and the drop-in's line
# changed together) must still be refused where the value is one fintune
# never writes; a drop-in or state text that would set another key, for
# any applier that reads it, must never reach the disk. Refusals exit 1,
# change nothing, and with --format json say so in one JSON object.

bats_require_minimum_version 1.5.0
load helpers

setup() {
	setup_tmp
	R=$TMP/root
	fake_proc "$R" 6.18.0
	mkdir -p "$R/etc/sysctl.d" "$R/run" "$R/var/lib"
	: >"$R/run/fintune.lock"
	P=$TMP/P.json
	S=$R/var/lib/fintune/state.json
}
teardown() { teardown_tmp; }

# fintune bounded in time
bounded() {
	timeout -k 2 20 "$FINTUNE" "$@"
}

# the reviewed plan, as `plan --output` saves it
make_plan() {
	ft plan --root "$R" reverse-proxy --output "$P" >/dev/null 2>&1
	[ -s "$P" ]
}

# jq: set KEY's proposed value to VALUE and the drop-in's line with it, so
# the plan stays consistent with itself and only the value is wrong
JQ_SETKEY='def setkey($k; $v):
	(.settings[] |= if .key == $k then .proposed = $v | .change = (.running != $v) else . end)
	| .drop_in.new |= sub("\n" + ($k | gsub("\\."; "\\.")) + " = [^\n]*\n"; "\n" + $k + " = " + $v + "\n");'

# refused PLAN: apply --plan PLAN exits 1 and leaves the root as it was
refused() {
	before=$(snapshot "$R")
	run --separate-stderr bounded apply --root "$R" --plan "$1"
	echo "exit $status: ${stderr:0:2000}"
	[ "$status" -eq 1 ]
	[ "$(snapshot "$R")" = "$before" ]
	[ ! -e "$R/etc/sysctl.d/60-fintune.conf" ]
}

# the plan as reviewed still applies: what was refused was the edit alone
untouched_plan_applies() {
	run --separate-stderr bounded apply --root "$R" --plan "$P"
	[ "$status" -eq 0 ]
}

# a text of N bytes of x, no newline, in $TMP
long_line() {
	head -c "$2" /dev/zero | tr '\0' x >"$1"
}

@test "an unedited plan applies" {
	make_plan
	run --separate-stderr bounded apply --root "$R" --plan "$P"
	[ "$status" -eq 0 ]
	[ "$(jq -j .drop_in.new "$P")" = "$(cat "$R/etc/sysctl.d/60-fintune.conf")" ]
	[ "$(cat "$R/proc/sys/net/ipv4/tcp_max_tw_buckets")" = 434176 ]
}

@test "plan edited: tcp_fin_timeout 90, in the trap 61..119" {
	make_plan
	jq "$JQ_SETKEY"' setkey("net.ipv4.tcp_fin_timeout"; "90")' "$P" >"$TMP/evil.json"
	# the edit took: the drop-in says 90 too
	grep -q 'net.ipv4.tcp_fin_timeout = 90\\n' "$TMP/evil.json"
	refused "$TMP/evil.json"
	untouched_plan_applies
}

@test "plan edited: tcp_orphan_retries 0, which the kernel reads as 8" {
	make_plan
	jq "$JQ_SETKEY"' setkey("net.ipv4.tcp_orphan_retries"; "0")' "$P" >"$TMP/evil.json"
	grep -q 'net.ipv4.tcp_orphan_retries = 0\\n' "$TMP/evil.json"
	refused "$TMP/evil.json"
	untouched_plan_applies
}

@test "plan edited: tcp_tw_reuse 1 with tcp_timestamps 0" {
	make_plan
	[ "$(jq -r '.settings[] | select(.key == "net.ipv4.tcp_tw_reuse") | .proposed' "$P")" = 1 ]
	jq "$JQ_SETKEY"' setkey("net.ipv4.tcp_timestamps"; "0")' "$P" >"$TMP/evil.json"
	grep -q 'net.ipv4.tcp_timestamps = 0\\n' "$TMP/evil.json"
	refused "$TMP/evil.json"
	untouched_plan_applies
}

@test "plan edited: tcp_max_tw_buckets -1" {
	make_plan
	jq "$JQ_SETKEY"' setkey("net.ipv4.tcp_max_tw_buckets"; "-1")' "$P" >"$TMP/evil.json"
	grep -q 'net.ipv4.tcp_max_tw_buckets = -1\\n' "$TMP/evil.json"
	refused "$TMP/evil.json"
	untouched_plan_applies
}

@test "plan edited: a 50 MB comment line appended to the drop-in" {
	make_plan
	long_line "$TMP/big" 50000000
	jq --rawfile big "$TMP/big" '.drop_in.new += "# " + $big + "\n"' "$P" >"$TMP/evil.json"
	rm "$TMP/big"
	refused "$TMP/evil.json"
	untouched_plan_applies
}

@test "plan edited: the drop-in sets net/../kernel/core_pattern" {
	make_plan
	jq '.drop_in.new += "net/../kernel/core_pattern = |/bin/x\n"' "$P" >"$TMP/evil.json"
	refused "$TMP/evil.json"
	untouched_plan_applies
}

@test "plan edited: the drop-in sets a key after a line longer than 1 MiB" {
	make_plan
	long_line "$TMP/long" $((1024 * 1024 + 4096))
	jq --rawfile long "$TMP/long" '.drop_in.new += "# " + $long + "\nkernel.core_pattern = |/bin/x\n"' "$P" >"$TMP/evil.json"
	rm "$TMP/long"
	refused "$TMP/evil.json"
	untouched_plan_applies
}

# --- the state kept for rollback ----------------------------------------------

# a real apply, then the state replaced by the text in $TMP/state
applied_then_state() {
	ft apply --root "$R" reverse-proxy >/dev/null 2>&1
	[ -s "$S" ]
	cp "$S" "$TMP/good-state.json"
}

# fintune CMD... exits 1 with a message on stderr and changes nothing
refuses_state() {
	before=$(snapshot "$R")
	run --separate-stderr bounded "$@" --root "$R"
	echo "$1: exit $status: ${stderr:0:2000}"
	# 124: it hung; more than 128: it died of a signal
	[ "$status" -ne 124 ]
	[ "$status" -lt 128 ]
	[ "$status" -eq 1 ]
	[ -n "$stderr" ]
	[ "$(snapshot "$R")" = "$before" ]
}

@test "state edited: a current version with no records is refused, not a crash" {
	applied_then_state
	printf '{"fintune_state":2,"records":[]}\n' >"$S"
	refuses_state rollback
	refuses_state status
	refuses_state apply outbound-client
}

@test "state edited: the drop-in before the apply sets net/../kernel/core_pattern" {
	applied_then_state
	jq '.records[0].drop_in.previous = "# Written by fintune. Do not edit: fintune replaces this file.\nnet/../kernel/core_pattern = |/bin/x\n"' \
		"$TMP/good-state.json" >"$S"
	refuses_state rollback
	[ -e "$R/etc/sysctl.d/60-fintune.conf" ]
	run ! grep -rq core_pattern "$R/etc"
}

@test "state edited: the drop-in before the apply sets a key after a line longer than 1 MiB" {
	applied_then_state
	long_line "$TMP/long" $((1024 * 1024 + 4096))
	jq --rawfile long "$TMP/long" \
		'.records[0].drop_in.previous = "# Written by fintune. Do not edit: fintune replaces this file.\n# " + $long + "\nkernel.core_pattern = |/bin/x\n"' \
		"$TMP/good-state.json" >"$S"
	rm "$TMP/long"
	refuses_state rollback
	run ! grep -rq core_pattern "$R/etc"
}

@test "state edited: larger than 16 MiB (the same state, padded with blanks) is refused" {
	applied_then_state
	{ cat "$TMP/good-state.json"; head -c $((17 * 1024 * 1024)) /dev/zero | tr '\0' ' '; } >"$S"
	# still the same JSON: only its size is wrong
	[ "$(jq -c . "$S")" = "$(jq -c . "$TMP/good-state.json")" ]
	refuses_state rollback
	refuses_state status
}

# --- errors in JSON -----------------------------------------------------------

# fintune --format json CMD... fails: exit 1, one JSON object on stdout,
# with error.code and error.message
json_error() {
	run --separate-stderr bounded "$@"
	echo "$*: exit $status: stdout: ${output:0:500}; stderr: ${stderr:0:500}"
	[ "$status" -lt 128 ]
	[ "$status" -eq 1 ]
	[ "$(jq -s length <<<"$output")" = 1 ]
	jq -e 'type == "object" and (.error | type == "object")' <<<"$output"
	jq -e '.error.code and .error.message' <<<"$output"
}

@test "--format json: apply of a profile that does not exist prints one error object" {
	json_error apply --format json --root "$R" nosuchprofile
}

@test "--format json: plan of a profile that does not exist prints one error object" {
	json_error plan --format json --root "$R" nosuchprofile
}

@test "--format json: rollback of a state with no records prints one error object" {
	applied_then_state
	printf '{"fintune_state":2,"records":[]}\n' >"$S"
	json_error rollback --format json --root "$R"
}

@test "--format json: rollback of a state of another version prints one error object" {
	applied_then_state
	jq '.fintune_state = 1' "$TMP/good-state.json" >"$S"
	json_error rollback --format json --root "$R"
}
