#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
# fintune profiles: what can be named on the command line.

bats_require_minimum_version 1.5.0
load helpers

setup() { setup_tmp; }
teardown() { teardown_tmp; }

@test "lists the three built-in profiles" {
	run --separate-stderr ft profiles --root "$TMP"
	[ "$status" -eq 0 ]
	[[ "${lines[0]}" == "NAME "*"SOURCE "*"DESCRIPTION" ]]
	[[ "${lines[1]}" == "reverse-proxy "*"built-in "*"Reverse proxy or load balancer"* ]]
	[[ "${lines[2]}" == "outbound-client "*"built-in "* ]]
	[[ "${lines[3]}" == "long-half-close "*"built-in "* ]]
	[ "${#lines[@]}" -eq 4 ]
}

@test "lists local profiles, marks overridden built-ins and invalid files" {
	d="$TMP/etc/fintune/profiles"
	mkdir -p "$d"
	printf 'fintune: 1\nname: web\nextends: reverse-proxy\ndescription: Our web tier.\n' >"$d/web.yaml"
	printf 'fintune: 1\nname: outbound-client\n' >"$d/outbound-client.yaml"
	printf 'fintune: 2\n' >"$d/broken.yaml"
	printf 'not a profile\n' >"$d/README"
	run --separate-stderr ft profiles --root "$TMP"
	[ "$status" -eq 0 ]
	[[ "${lines[2]}" == "outbound-client "*"built-in (overridden) "* ]]
	[[ "${lines[4]}" == "broken "*"$d/broken.yaml "*"(invalid: see fintune validate)" ]]
	[[ "${lines[6]}" == "web "*"$d/web.yaml "*"Our web tier." ]]
	[ "${#lines[@]}" -eq 7 ]
}

@test "--format json" {
	mkdir -p "$TMP/etc/fintune/profiles"
	printf 'fintune: 1\nname: web\nextends: reverse-proxy\n' >"$TMP/etc/fintune/profiles/web.yaml"
	run --separate-stderr ft profiles --root "$TMP" --format json
	[ "$status" -eq 0 ]
	[ "$(jq -r 'map(.name) | join(",")' <<<"$output")" = "reverse-proxy,outbound-client,long-half-close,web" ]
	[ "$(jq -r '.[3] | "\(.builtin) \(.valid) \(.source)"' <<<"$output")" = "false true $TMP/etc/fintune/profiles/web.yaml" ]
	# web inherits its description
	[[ "$(jq -r '.[3].description' <<<"$output")" == "Reverse proxy"* ]]
}

@test "takes no arguments" {
	run --separate-stderr ft profiles extra
	[ "$status" -eq 1 ]
	[ "$stderr" = "fintune profiles: takes no arguments (see 'fintune help profiles')" ]
}
