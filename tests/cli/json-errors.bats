#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
# --format json on failure: exactly one JSON object on stdout, with
# {"error": {"code", "message", "file", "line", "column"}} (fintune(8), JSON
# ERRORS), whatever failed and wherever on the line --format was.

bats_require_minimum_version 1.5.0
load helpers

setup() { setup_tmp; }
teardown() { teardown_tmp; }

# The output is one JSON object, and its error has every field.
one_error_object() {
	[ "$(jq -s 'length' <<<"$output")" = 1 ]
	[ "$(jq -r 'type' <<<"$output")" = object ]
	[ "$(jq -r '.error | keys_unsorted | join(",")' <<<"$output")" = "code,message,file,line,column" ]
	[ -n "$(jq -r '.error.message' <<<"$output")" ]
}

@test "validate --format json on a bad profile: its one object has the results and the first error" {
	cd "$TOP/tests/data"
	run --separate-stderr ft validate --format json reverse-proxy bad-profile.yaml
	[ "$status" -eq 1 ]
	one_error_object
	# the problems are in the document, not on stderr
	[ -z "$stderr" ]
	[ "$(jq -r '[.valid, .results[0].valid, .results[1].valid] | map(tostring) | join(" ")' <<<"$output")" = "false true false" ]
	[ "$(jq -r '.results[1].problems | length' <<<"$output")" = 14 ]
	[ "$(jq -r '.error | "\(.code) \(.file):\(.line):\(.column)"' <<<"$output")" = "invalid-profile bad-profile.yaml:4:7" ]
	# the error is the first problem, its message as stderr would show it
	# after FILE:LINE:COL
	first=$(jq -r '.results[1].problems[0] | "\(.pointer): \(.message)"' <<<"$output")
	[ "$(jq -r '.error.message' <<<"$output")" = "$first" ]
	# a valid run has no error
	run --separate-stderr ft validate --format json reverse-proxy
	[ "$status" -eq 0 ]
	[ "$(jq -r 'has("error")' <<<"$output")" = false ]
}

@test "validate --format json: a pin plan would refuse is code refused, at the pin" {
	printf 'fintune: 1\nname: p\npin:\n  net.ipv4.tcp_fin_timeout: 1\n' >"$TMP/p.yaml"
	run --separate-stderr ft validate --root "$TMP" --format json "$TMP/p.yaml"
	[ "$status" -eq 1 ]
	one_error_object
	[ "$(jq -r '.error | "\(.code) \(.file):\(.line):\(.column)"' <<<"$output")" = "refused $TMP/p.yaml:4:29" ]
	[[ "$(jq -r '.error.message' <<<"$output")" == "/pin/net.ipv4.tcp_fin_timeout: net.ipv4.tcp_fin_timeout is pinned to 1, below the safe floor"* ]]
}

@test "validate --schema --format json with a broken schema: only the error object" {
	printf '{"type": "float"}\n' >"$TMP/s.json"
	printf '1\n' >"$TMP/d.yaml"
	run --separate-stderr ft validate --format json --schema "$TMP/s.json" "$TMP/d.yaml"
	[ "$status" -eq 1 ]
	one_error_object
	[ "$(jq -r 'keys | join(",")' <<<"$output")" = error ]
	[ "$(jq -r '.error | "\(.code) \(.file):\(.line):\(.column)"' <<<"$output")" = "invalid-profile $TMP/s.json:1:10" ]
	[[ "$stderr" == "$TMP/s.json:1:10: /type: invalid schema"* ]]
}

@test "plan --format json nosuchprofile: one error object, the reason on stderr" {
	run --separate-stderr ft plan --format json nosuchprofile
	[ "$status" -eq 1 ]
	one_error_object
	[ "$(jq -r 'keys | join(",")' <<<"$output")" = error ]
	[[ "$stderr" == *'no profile named "nosuchprofile"'* ]]
	# plan classifies its errors: the profile's, with its message
	[ "$(jq -r .error.code <<<"$output")" = invalid-profile ]
	[[ "$(jq -r .error.message <<<"$output")" == 'no profile named "nosuchprofile"'* ]]
}

@test "explain --format json nosuchkey: a usage error object" {
	run --separate-stderr ft explain --format json nosuchkey
	[ "$status" -eq 1 ]
	one_error_object
	[ "$(jq -r .error.code <<<"$output")" = usage ]
	[[ "$(jq -r .error.message <<<"$output")" == "nothing is called 'nosuchkey'"* ]]
	[ "$(jq -r '[.error.file, .error.line, .error.column] | map(tostring) | join(" ")' <<<"$output")" = "null null null" ]
	[ "$stderr" = "fintune explain: nothing is called 'nosuchkey' (fintune explain lists the keys, states and topics) (see 'fintune help explain')" ]
}

@test "an unknown option with --format json is a usage error object, before or after it" {
	for args in "--format json --frob reverse-proxy" "--frob --format json reverse-proxy" "--frob reverse-proxy --format=json"; do
		# shellcheck disable=SC2086
		run --separate-stderr ft validate $args
		[ "$status" -eq 1 ]
		one_error_object
		[ "$(jq -r .error.code <<<"$output")" = usage ]
		[ "$(jq -r .error.message <<<"$output")" = "unknown option --frob (see 'fintune help validate')" ]
		[ "$stderr" = "fintune validate: unknown option --frob (see 'fintune help validate')" ]
	done
	# before the command, and an unknown command
	run --separate-stderr ft frobnicate --format json
	[ "$status" -eq 1 ]
	one_error_object
	[ "$(jq -r .error.code <<<"$output")" = usage ]
	[ "$stderr" = "fintune: unknown command 'frobnicate' (see 'fintune --help')" ]
}

@test "without --format json, or with a later --format text, errors leave stdout empty" {
	run --separate-stderr ft validate --frob reverse-proxy
	[ "$status" -eq 1 ]
	[ -z "$output" ]
	run --separate-stderr ft validate --format json --format text --frob reverse-proxy
	[ "$status" -eq 1 ]
	[ -z "$output" ]
	run --separate-stderr ft plan nosuchprofile
	[ "$status" -eq 1 ]
	[ -z "$output" ]
}

@test "a JSON document already printed is not followed by an error object" {
	# validate's own document says it failed; nothing is added after it
	printf 'fintune: 1\n' >"$TMP/bad.yaml"
	run --separate-stderr ft validate --format json "$TMP/bad.yaml"
	[ "$status" -eq 1 ]
	[ "$(jq -s 'length' <<<"$output")" = 1 ]
	[ "$(jq -r '.error.code' <<<"$output")" = invalid-profile ]
	[ "$(jq -r 'has("results")' <<<"$output")" = true ]
}
