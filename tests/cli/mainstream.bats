#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
# The profile schema is plain draft 2020-12: a mainstream validator (Python's
# jsonschema, Debian's python3-jsonschema) reaches the same verdict as
# fintune's own on the built-in profiles and on mutations of them that each
# break, or keep, one rule (tests/mainstream/cases.py).

bats_require_minimum_version 1.5.0
load helpers

setup() {
	python3 -c 'import jsonschema, yaml; jsonschema.Draft202012Validator' 2>/dev/null ||
		skip "python3-jsonschema (4.0 or later) and python3-yaml are not installed"
	setup_tmp
}
teardown() { teardown_tmp; }

@test "the schema is a valid draft 2020-12 schema for the mainstream validator, with the same verdicts" {
	run python3 "$TOP/tests/mainstream/cases.py" "$TOP/schema/profile.schema.json" "$TOP/profiles" "$TMP"
	[ "$status" -eq 0 ]
	verdicts=$output
	# enough cases, of both kinds
	[ "$(grep -c ' valid$' <<<"$verdicts")" -ge 12 ]
	[ "$(grep -c ' invalid$' <<<"$verdicts")" -ge 30 ]
	differ=""
	while read -r name want; do
		got=$(ft validate --schema "$TOP/schema/profile.schema.json" --format json "$TMP/$name.json" | jq -r .valid)
		[ "$got" = true ] && got=valid || got=invalid
		[ "$got" = "$want" ] || differ="$differ $name (jsonschema: $want, fintune: $got)"
	done <<<"$verdicts"
	[ -z "$differ" ] || { echo "verdicts differ:$differ"; false; }
}
