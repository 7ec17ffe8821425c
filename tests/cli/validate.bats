#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
# fintune validate: profiles, extends chains, local profiles, --schema mode.

bats_require_minimum_version 1.5.0
load helpers

setup() { setup_tmp; }
teardown() { teardown_tmp; }

@test "every built-in profile validates" {
	run --separate-stderr ft validate reverse-proxy outbound-client long-half-close
	[ "$status" -eq 0 ]
	[ -z "$stderr" ]
	[ "${lines[0]}" = "reverse-proxy: valid" ]
	[ "${lines[1]}" = "outbound-client: valid" ]
	[ "${lines[2]}" = "long-half-close: valid" ]
}

@test "the profile files in the tree are the built-ins, and validate by path" {
	for f in "$TOP"/profiles/*.yaml; do
		run --separate-stderr ft validate "$f"
		[ "$status" -eq 0 ]
	done
}

@test "every problem of a bad profile is reported as FILE:LINE:COL: /pointer: message" {
	cd "$TOP/tests/data"
	run --separate-stderr ft validate bad-profile.yaml
	[ "$status" -eq 1 ]
	[ -z "$output" ]
	diff -u bad-profile.expected <(printf '%s\n' "$stderr")
}

@test "-q prints only problems" {
	run --separate-stderr ft validate -q reverse-proxy
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	[ -z "$stderr" ]
}

@test "a site profile extends a built-in and overrides it" {
	cat >"$TMP/site.yaml" <<-'YAML'
	fintune: 1
	name: site
	extends: reverse-proxy
	workload:
	  inbound:
	    close_rate: 9000
	pin:
	  net.ipv4.tcp_fin_timeout: 30
	YAML
	run --separate-stderr ft validate "$TMP/site.yaml"
	[ "$status" -eq 0 ]
	[ "$output" = "$TMP/site.yaml: valid (extends <builtin>/reverse-proxy.yaml)" ]
}

@test "extends: a relative path is relative to the file that names it" {
	mkdir -p "$TMP/a/b"
	printf 'fintune: 1\nname: base\nworkload:\n  rtt_ms: 10\n' >"$TMP/a/base.yaml"
	printf 'fintune: 1\nname: leaf\nextends: ../base.yaml\n' >"$TMP/a/b/leaf.yaml"
	cd /
	run --separate-stderr ft validate "$TMP/a/b/leaf.yaml"
	[ "$status" -eq 0 ]
	[[ "$output" == *"(extends $TMP/a/b/../base.yaml)" ]]
}

@test "extends: a missing parent and a cycle are located errors" {
	printf 'fintune: 1\nname: x\nextends: reverse-prxy\n' >"$TMP/typo.yaml"
	run --separate-stderr ft validate "$TMP/typo.yaml"
	[ "$status" -eq 1 ]
	[ "$stderr" = "$TMP/typo.yaml:3:10: /extends: no profile named \"reverse-prxy\" (built-in: reverse-proxy outbound-client long-half-close); did you mean \"reverse-proxy\"?" ]
	printf 'fintune: 1\nname: a\nextends: b.yaml\n' >"$TMP/a.yaml"
	printf 'fintune: 1\nname: b\nextends: a.yaml\n' >"$TMP/b.yaml"
	run --separate-stderr ft validate "$TMP/a.yaml"
	[ "$status" -eq 1 ]
	[ "$stderr" = "$TMP/b.yaml:3:10: /extends: extends cycle: $TMP/a.yaml -> $TMP/b.yaml -> $TMP/a.yaml" ]
}

@test "local profiles live under --root and may shadow a built-in" {
	mkdir -p "$TMP/etc/fintune/profiles"
	printf 'fintune: 1\nname: web\nextends: reverse-proxy\n' >"$TMP/etc/fintune/profiles/web.yaml"
	run --separate-stderr ft validate --root "$TMP" web
	[ "$status" -eq 0 ]
	[ "$output" = "web: valid (extends <builtin>/reverse-proxy.yaml)" ]
	# without --root the host has no such profile
	run --separate-stderr ft validate web
	[ "$status" -eq 1 ]
	[[ "$stderr" == "fintune validate: no profile named \"web\""* ]]
	# a local profile with a built-in's name replaces it, and may build on it
	printf 'fintune: 1\nname: reverse-proxy\nextends: reverse-proxy\nworkload:\n  rtt_ms: 7\n' \
		>"$TMP/etc/fintune/profiles/reverse-proxy.yaml"
	run --separate-stderr ft validate -v --root "$TMP" reverse-proxy
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "reverse-proxy: valid (extends <builtin>/reverse-proxy.yaml)" ]
	[[ "$output" == *"rtt_ms                         7          $TMP/etc/fintune/profiles/reverse-proxy.yaml:5:11"* ]]
	[[ "$output" == *"inbound.close_rate             3000       <builtin>/reverse-proxy.yaml:"* ]]
}

@test "-v shows the merged workload with the origin of each value" {
	printf 'fintune: 1\nname: s\nextends: outbound-client\nworkload:\n  outbound:\n    destinations: 9\npin:\n  net.ipv4.tcp_fin_timeout: 30\n' >"$TMP/s.yaml"
	run --separate-stderr ft validate -v "$TMP/s.yaml"
	[ "$status" -eq 0 ]
	[[ "$output" == *"outbound.destinations          9          $TMP/s.yaml:6:19"* ]]
	[[ "$output" == *"outbound.connect_rate          2000       <builtin>/outbound-client.yaml:"* ]]
	[[ "$output" == *"half_close.seconds             0          (default)"* ]]
	[[ "$output" == *"pin net.ipv4.tcp_fin_timeout   30         $TMP/s.yaml:8:29"* ]]
}

@test "pin accepts only close-path keys, each within the kernel's range" {
	printf 'fintune: 1\nname: p\npin:\n  net.ipv4.tcp_tw_reuse: 3\n  net.ipv4.tcp_tw_reuse_delay: 0\n  net.core.somaxconn: 4096\n' >"$TMP/p.yaml"
	run --separate-stderr ft validate "$TMP/p.yaml"
	[ "$status" -eq 1 ]
	[ "${#stderr_lines[@]}" -eq 3 ]
	[[ "${stderr_lines[0]}" == "$TMP/p.yaml:4:26: /pin/net.ipv4.tcp_tw_reuse: found integer 3, expected one of: 0, 1, 2" ]]
	[[ "${stderr_lines[1]}" == "$TMP/p.yaml:5:32: /pin/net.ipv4.tcp_tw_reuse_delay: found 0, expected at least 1" ]]
	[[ "${stderr_lines[2]}" == "$TMP/p.yaml:6:3: /pin/net.core.somaxconn: unknown key \"net.core.somaxconn\""* ]]
}

@test "the checks the schema cannot make run after the merge" {
	printf 'fintune: 1\nname: p\nextends: reverse-proxy\npin:\n  net.ipv4.tcp_tw_reuse: 1\n  net.ipv4.tcp_timestamps: 0\n  net.ipv4.tcp_orphan_retries: 0\n' >"$TMP/p.yaml"
	run --separate-stderr ft validate "$TMP/p.yaml"
	[ "$status" -eq 1 ]
	[ "${stderr_lines[0]}" = "$TMP/p.yaml:5:26: /pin/net.ipv4.tcp_tw_reuse: tcp_tw_reuse 1 needs TCP timestamps, but tcp_timestamps is pinned to 0 at $TMP/p.yaml:6:28 (expected tcp_tw_reuse 0, or timestamps on)" ]
	[[ "${stderr_lines[1]}" == "$TMP/p.yaml:7:32: /pin/net.ipv4.tcp_orphan_retries: warning: tcp_orphan_retries 0 does not mean no retries"* ]]
}

@test "a pin plan refuses is refused by validate, at the pin: fin_timeout below the floor" {
	fake_proc "$TMP/root" 6.18.0
	printf 'fintune: 1\nname: p\npin:\n  net.ipv4.tcp_fin_timeout: 1\n' >"$TMP/p.yaml"
	run --separate-stderr ft validate --root "$TMP/root" "$TMP/p.yaml"
	[ "$status" -eq 1 ]
	[ -z "$output" ]
	[ "${#stderr_lines[@]}" -eq 1 ]
	[[ "$stderr" == "$TMP/p.yaml:4:29: /pin/net.ipv4.tcp_fin_timeout: net.ipv4.tcp_fin_timeout is pinned to 1, below the safe floor of 10 s for rtt_ms 50"* ]]
	# plan refuses it with the same words
	msg=${stderr#*/pin/net.ipv4.tcp_fin_timeout: }
	run --separate-stderr ft plan --root "$TMP/root" "$TMP/p.yaml"
	[ "$status" -eq 1 ]
	[ "$stderr" = "fintune: $msg" ]
	# and the JSON problem carries the same place
	run --separate-stderr ft validate --format json --root "$TMP/root" "$TMP/p.yaml"
	[ "$status" -eq 1 ]
	[ "$(jq -r '.results[0].problems[] | "\(.file):\(.line):\(.column) \(.pointer) \(.severity)"' <<<"$output")" = "$TMP/p.yaml:4:29 /pin/net.ipv4.tcp_fin_timeout error" ]
}

@test "a port range below the running ip_unprivileged_port_start is refused, located" {
	fake_proc "$TMP/root" 6.18.0
	[ "$(cat "$TMP/root/proc/sys/net/ipv4/ip_unprivileged_port_start")" = 1024 ]
	printf 'fintune: 1\nname: p\npin:\n  net.ipv4.ip_local_port_range: [600, 60999]\n' >"$TMP/p.yaml"
	run --separate-stderr ft validate --root "$TMP/root" "$TMP/p.yaml"
	[ "$status" -eq 1 ]
	[ "${#stderr_lines[@]}" -eq 1 ]
	[[ "$stderr" == "$TMP/p.yaml:4:33: /pin/net.ipv4.ip_local_port_range: net.ipv4.ip_local_port_range is pinned to 600 60999 at $TMP/p.yaml:4:33, which this kernel (6.18.0) does not accept (expected LOW HIGH with 1024 <= LOW <= HIGH <= 65535: LOW may not be below the running ip_unprivileged_port_start)" ]]
	# the check is the running kernel's: where unprivileged ports start at
	# 500, the same profile is valid
	echo 500 >"$TMP/root/proc/sys/net/ipv4/ip_unprivileged_port_start"
	run --separate-stderr ft validate --root "$TMP/root" "$TMP/p.yaml"
	[ "$status" -eq 0 ]
	[ "$output" = "$TMP/p.yaml: valid" ]
}

@test "a refused pin inherited through extends is located in the parent's file" {
	printf 'fintune: 1\nname: base\nworkload:\n  rtt_ms: 10\npin:\n  net.ipv4.tcp_fin_timeout: 2\n' >"$TMP/base.yaml"
	printf 'fintune: 1\nname: leaf\nextends: base.yaml\nworkload:\n  rtt_ms: 20\n' >"$TMP/leaf.yaml"
	# no proc under the root: the facts of the newest kernel, as plan uses
	run --separate-stderr ft validate --root "$TMP" "$TMP/leaf.yaml"
	[ "$status" -eq 1 ]
	[ "${#stderr_lines[@]}" -eq 1 ]
	[[ "$stderr" == "$TMP/base.yaml:6:29: /pin/net.ipv4.tcp_fin_timeout: net.ipv4.tcp_fin_timeout is pinned to 2, below the safe floor of 10 s for rtt_ms 20"* ]]
}

@test "a pin written as a string is one error, the type: the advisor does not run" {
	printf 'fintune: 1\nname: p\npin:\n  net.ipv4.tcp_fin_timeout: "30"\n' >"$TMP/p.yaml"
	run --separate-stderr ft validate "$TMP/p.yaml"
	[ "$status" -eq 1 ]
	[ "${#stderr_lines[@]}" -eq 1 ]
	[ "$stderr" = "$TMP/p.yaml:4:29: /pin/net.ipv4.tcp_fin_timeout: found string \"30\", expected integer; remove the quotes to write a number" ]
	run --separate-stderr ft validate --format json "$TMP/p.yaml"
	[ "$status" -eq 1 ]
	[ "$(jq -r '.results[0].problems | length' <<<"$output")" = 1 ]
}

@test "--format json reports each input with its problems" {
	cd "$TOP/tests/data"
	run --separate-stderr ft validate --format json reverse-proxy bad-profile.yaml
	[ "$status" -eq 1 ]
	[ "$(jq -r .valid <<<"$output")" = false ]
	[ "$(jq -r '.results[0].valid' <<<"$output")" = true ]
	[ "$(jq -r '.results[0].files[0]' <<<"$output")" = "<builtin>/reverse-proxy.yaml" ]
	[ "$(jq -r '.results[1].valid' <<<"$output")" = false ]
	[ "$(jq -r '.results[1].problems | length' <<<"$output")" = 14 ]
	[ "$(jq -r '.results[1].problems[0] | "\(.file):\(.line):\(.column) \(.pointer) \(.severity)"' <<<"$output")" = "bad-profile.yaml:4:7 /name error" ]
}

@test "--schema checks any YAML or JSON document against any schema" {
	cat >"$TMP/s.json" <<-'JSON'
	{"type": "object", "properties": {"port": {"type": "integer", "maximum": 65535}}, "required": ["port"]}
	JSON
	printf 'port: 80\n' >"$TMP/ok.yaml"
	printf '{"port": 70000}\n' >"$TMP/bad.json"
	run --separate-stderr ft validate --schema "$TMP/s.json" "$TMP/ok.yaml" "$TMP/bad.json"
	[ "$status" -eq 1 ]
	[ "$output" = "$TMP/ok.yaml: valid" ]
	[ "$stderr" = "$TMP/bad.json:1:10: /port: found 70000, expected at most 65535" ]
	run --separate-stderr ft validate --schema "$TMP/s.json" - <<<"port: 1"
	[ "$status" -eq 0 ]
	[ "$output" = "-: valid" ]
}

@test "--schema with the profile schema agrees with profile validation on schema faults" {
	cd "$TOP/tests/data"
	run --separate-stderr ft validate --schema "$TOP/schema/profile.schema.json" bad-profile.yaml
	[ "$status" -eq 1 ]
	diff -u <(grep -v 'duplicate key' bad-profile.expected) <(printf '%s\n' "$stderr" | grep -v 'duplicate key')
}

@test "a broken schema is refused with located errors" {
	printf '{"type": "float", "properties": {"a": {"$ref": "http://example.com/x.json"}}}\n' >"$TMP/s.json"
	printf '1\n' >"$TMP/d.yaml"
	run --separate-stderr ft validate --schema "$TMP/s.json" "$TMP/d.yaml"
	[ "$status" -eq 1 ]
	[[ "${stderr_lines[0]}" == "$TMP/s.json:1:10: /type: invalid schema: type must be one of"* ]]
	[[ "${stderr_lines[1]}" == "$TMP/s.json:1:48: /properties/a/\$ref: invalid schema: cannot resolve \$ref \"http://example.com/x.json\": it names another document"* ]]
}

@test "validate writes nothing" {
	mkdir -p "$TMP/etc/fintune/profiles"
	printf 'fintune: 1\nname: web\nextends: reverse-proxy\n' >"$TMP/etc/fintune/profiles/web.yaml"
	before=$(snapshot "$TMP")
	run ft validate --root "$TMP" web reverse-proxy
	[ "$status" -eq 0 ]
	[ "$(snapshot "$TMP")" = "$before" ]
}

@test "a close is either unresponsive or stays open: shares over 100 are refused where written" {
	cat >"$TMP/so.yaml" <<'YAML'
fintune: 1
name: so
workload:
  outbound:
    unresponsive_percent: 60
    stays_open_percent: 50
YAML
	run --separate-stderr ft validate "$TMP/so.yaml"
	teardown_tmp
	[ "$status" -eq 1 ]
	[ "$stderr" = "$TMP/so.yaml:6:25: /workload/outbound/stays_open_percent: outbound.stays_open_percent 50 plus outbound.unresponsive_percent 60 is more than 100 (expected shares of the same closes that add up to at most 100)" ]
}
