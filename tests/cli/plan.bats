#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
# fintune plan: the advice, against this machine and against fake /proc/sys
# trees of other kernels and of a container.

bats_require_minimum_version 1.5.0
load helpers

setup() { setup_tmp; }
teardown() { teardown_tmp; }

@test "plan works for every built-in profile on this machine" {
	for p in reverse-proxy outbound-client long-half-close; do
		run --separate-stderr ft plan "$p"
		[ "$status" -eq 0 ]
		[[ "${lines[0]}" == "Profile  $p (<builtin>/$p.yaml)" ]]
		[ "$(printf '%s\n' "$output" | grep -c '^net\.ipv4\.')" -ge 8 ]
		[[ "$output" == *"Why"* ]]
	done
}

@test "reverse-proxy on a 6.18 kernel: the numbers follow from the workload" {
	fake_proc "$TMP" 6.18.0
	run --separate-stderr ft plan --root "$TMP" reverse-proxy
	[ "$status" -eq 0 ]
	[ "${lines[1]}" = "Kernel   6.18.0, host network namespace" ]
	# inbound: 3000/s x 97% complete x 60 s = 174600; outbound: 3000/s x
	# 99.9% x 60 s = 179820, but bounded by 4 pairs x 28232 ports = 112928;
	# + 1800 in FIN_WAIT2 (1% stay open, 60 s); x 1.5, rounded up to 256
	[ "$(row net.ipv4.tcp_max_tw_buckets 3)" = 434176 ]
	[[ "$(flat)" == *"bounded by ports rather than rate x 60 (354420)"* ]]
	[ "$(row net.ipv4.tcp_max_tw_buckets 4)" = yes ]
	# orphans of unanswered peers fit what the budget leaves at 4 retries
	[ "$(row net.ipv4.tcp_orphan_retries 3)" = 4 ]
	# 3000/s over 4 upstreams holds 45000 ports each: reuse
	[ "$(row net.ipv4.tcp_tw_reuse 3)" = 1 ]
	[ "$(row net.ipv4.tcp_max_orphans 3)" = 131072 ]
	[ "$(row net.ipv4.tcp_max_orphans 4)" = - ]
	[ "$(row net.ipv4.ip_local_port_range 2)" = "32768 60999" ]
	[[ "$(flat)" == *"outbound.connect_rate 3000/s over 4 (source, destination) pairs"* ]]
}

@test "a 4.9 kernel: no tcp_tw_reuse value 2, no tcp_tw_reuse_delay" {
	fake_proc "$TMP" 4.9.0
	run --separate-stderr ft plan --root "$TMP" outbound-client
	[ "$status" -eq 0 ]
	[ "$(row net.ipv4.tcp_tw_reuse 2)" = 0 ]
	[ "$(row net.ipv4.tcp_tw_reuse 3)" = 1 ]
	[ "$(row net.ipv4.tcp_tw_reuse_delay 2)" = "(absent)" ]
	[ "$(row net.ipv4.tcp_tw_reuse_delay 3)" = "(absent)" ]
	[[ "$(flat)" == *"tcp_tw_reuse accepts 0..1 (no loopback-only 2 before 4.18)"* ]]
	[[ "$(flat)" == *"has no tcp_tw_reuse_delay (new in 6.14)"* ]]
	# loopback destinations still need 1 here: there is no 2
	printf 'fintune: 1\nname: lo\nextends: outbound-client\nworkload:\n  outbound:\n    loopback: true\n' >"$TMP/lo.yaml"
	run --separate-stderr ft plan --root "$TMP" "$TMP/lo.yaml"
	[ "$(row net.ipv4.tcp_tw_reuse 3)" = 1 ]
	# and a pin of 2 is refused
	printf 'fintune: 1\nname: p\nextends: outbound-client\npin:\n  net.ipv4.tcp_tw_reuse: 2\n' >"$TMP/p.yaml"
	run --separate-stderr ft plan --root "$TMP" "$TMP/p.yaml"
	[ "$status" -eq 1 ]
	[ -z "$output" ]
	[ "$stderr" = "fintune: net.ipv4.tcp_tw_reuse is pinned to 2 at $TMP/p.yaml:5:26, which this kernel (4.9.0) does not accept (expected 0..1)" ]
}

@test "a kernel before 6.14 without tcp_tw_reuse_delay: reported, not planned" {
	fake_proc "$TMP" 6.6.30
	run --separate-stderr ft plan --root "$TMP" --format json reverse-proxy
	[ "$status" -eq 0 ]
	[ "$(jq -r '.kernel' <<<"$output")" = 6.6.30 ]
	[ "$(jq -c '.settings[] | select(.key == "net.ipv4.tcp_tw_reuse_delay") | [.proposed, .running, .change]' <<<"$output")" = '[null,null,false]' ]
	[ "$(jq -r '.settings[] | select(.key == "net.ipv4.tcp_tw_reuse") | .proposed' <<<"$output")" = 1 ]
}

@test "a child network namespace: tcp_max_orphans is reported, not planned" {
	fake_proc "$TMP" 6.18.0 child
	run --separate-stderr ft plan --root "$TMP" reverse-proxy
	[ "$status" -eq 0 ]
	[ "${lines[1]}" = "Kernel   6.18.0, child network namespace" ]
	[ "$(row net.ipv4.tcp_max_orphans 2)" = "(absent)" ]
	[ "$(row net.ipv4.tcp_max_orphans 3)" = "(host)" ]
	[[ "$(flat)" == *"tcp_max_orphans is host-global: fintune cannot set it in this network namespace; the host needs at least"* ]]
	run --separate-stderr ft plan --root "$TMP" --format json reverse-proxy
	[ "$(jq -r .netns <<<"$output")" = child ]
	[ "$(jq -c '.settings[] | select(.key == "net.ipv4.tcp_max_orphans") | [.proposed, .scope, .change]' <<<"$output")" = '[null,"global",false]' ]
}

@test "a root without proc/sys is an offline image: no running values" {
	mkdir -p "$TMP/etc"
	run --separate-stderr ft plan --root "$TMP" --format json outbound-client
	[ "$status" -eq 0 ]
	[ "$(jq -r .kernel <<<"$output")" = null ]
	[ "$(jq -r '[.settings[].running] | unique | .[0]' <<<"$output")" = null ]
	[ "$(jq -r '[.settings[] | select(.proposed != null)] | length' <<<"$output")" = 6 ]
	[[ "$(jq -r '.warnings[]' <<<"$output")" == *"no live values under the root: planning for an offline image"* ]]
	# the limits' boot defaults depend on the memory of the machine: not written
	[ "$(jq -r '.settings[] | select(.key == "net.ipv4.tcp_max_tw_buckets") | .proposed' <<<"$output")" = null ]
	[[ "$(jq -r '.settings[] | select(.key == "net.ipv4.tcp_max_tw_buckets") | .rationale' <<<"$output")" == *"Not written for an offline image"* ]]
}

@test "--format json: one object as DESIGN.md section 2 has it" {
	fake_proc "$TMP" 6.18.0
	run --separate-stderr ft plan --root "$TMP" --format json reverse-proxy
	[ "$status" -eq 0 ]
	[ "$(jq -r 'keys | join(",")' <<<"$output")" = "floors_from_state,kernel,kernel_from,netns,profile,settings,warnings" ]
	[ "$(jq -r .profile <<<"$output")" = reverse-proxy ]
	[ "$(jq -r '.settings | length' <<<"$output")" = 8 ]
	[ "$(jq -r '.settings[0] | keys | join(",")' <<<"$output")" = "change,effective,key,memory_bytes,pinned,proposed,rationale,running,scope,shadowed_by,source" ]
	# values are strings as written to /proc/sys
	[ "$(jq -r '.settings[] | select(.key == "net.ipv4.ip_local_port_range") | .running' <<<"$output")" = "32768 60999" ]
	[ "$(jq -r '.settings[] | select(.key == "net.ipv4.tcp_max_tw_buckets") | "\(.proposed) \(.memory_bytes) \(.change) \(.scope)"' <<<"$output")" = "434176 138936320 true netns" ]
	# the predicted life of an unanswered orphan at the proposed retries,
	# quoted in the text too
	life=$(jq -r '.settings[] | select(.key == "net.ipv4.tcp_orphan_retries") | .lifetime_s' <<<"$output")
	[[ "$life" =~ ^[0-9]+(\.[0-9]+)?$ ]]
	[[ "$(jq -r '.settings[] | select(.key == "net.ipv4.tcp_orphan_retries") | .rationale' <<<"$output")" == *"lives $(printf '%.1f' "$life") s at an RTO of"* ]]
	[ "$(jq -r '[.settings[] | select(has("lifetime_s"))] | length' <<<"$output")" = 1 ]
}

@test "pins are planned as pinned, with their origin" {
	fake_proc "$TMP" 6.18.0
	printf 'fintune: 1\nname: p\nextends: reverse-proxy\npin:\n  net.ipv4.tcp_fin_timeout: 25\n  net.ipv4.tcp_orphan_retries: 0\n' >"$TMP/p.yaml"
	run --separate-stderr ft plan --root "$TMP" --format json "$TMP/p.yaml"
	[ "$status" -eq 0 ]
	[ "$(jq -r '.settings[] | select(.key == "net.ipv4.tcp_fin_timeout") | "\(.proposed) \(.pinned)"' <<<"$output")" = "25 true" ]
	[[ "$(jq -r '.settings[] | select(.key == "net.ipv4.tcp_fin_timeout") | .rationale' <<<"$output")" == "Pinned to 25 at $TMP/p.yaml:5:29."* ]]
	# 0 means 8 to the kernel: 8 is written, with a warning
	[ "$(jq -r '.settings[] | select(.key == "net.ipv4.tcp_orphan_retries") | .proposed' <<<"$output")" = 8 ]
	[[ "$(jq -r '.warnings[]' <<<"$output")" == *"pinned to 0, which the kernel reads as 8 retries"* ]]
}

@test "a running tcp_fin_timeout in the 61..119 trap is replaced" {
	fake_proc "$TMP" 6.18.0
	echo 90 >"$TMP/proc/sys/net/ipv4/tcp_fin_timeout"
	run --separate-stderr ft plan --root "$TMP" reverse-proxy
	[ "$status" -eq 0 ]
	[ "$(row net.ipv4.tcp_fin_timeout 3)" = 60 ]
	[[ "$(flat)" == *"The running 90 is the 61..119 trap (the kernel times out after 2(F-60) = 60 s)"* ]]
}

@test "long-half-close warns that half-closed sockets escape both timers" {
	fake_proc "$TMP" 6.18.0
	run --separate-stderr ft plan --root "$TMP" long-half-close
	[ "$status" -eq 0 ]
	[[ "$(flat)" == *"half_close: 5000 sockets half-closed with shutdown(SHUT_WR) for 600 s"* ]]
	[[ "$(flat)" == *"neither tcp_fin_timeout nor tcp_orphan_retries bounds them"* ]]
}

@test "--format dot draws every close state, and Graphviz reads it" {
	fake_proc "$TMP" 6.18.0
	run --separate-stderr ft plan --root "$TMP" --format dot reverse-proxy
	[ "$status" -eq 0 ]
	for s in ESTABLISHED FIN_WAIT1 FIN_WAIT2 TIME_WAIT CLOSE_WAIT LAST_ACK CLOSING CLOSED; do
		grep -q "^	$s[ ;]" <<<"$output"
	done
	[[ "$output" == *"tcp_orphan_retries 4"* ]]
	[[ "$output" == *"limit 434176"* ]]
	printf '%s\n' "$output" | dot -Tsvg -o "$TMP/plan.svg"
	grep -q '<svg' "$TMP/plan.svg"
}

@test "plan writes nothing" {
	fake_proc "$TMP" 6.18.0
	before=$(snapshot "$TMP")
	run ft plan --root "$TMP" reverse-proxy
	[ "$status" -eq 0 ]
	[ "$(snapshot "$TMP")" = "$before" ]
}

@test "in a real private network namespace, tcp_max_orphans is host-global" {
	if ! unshare -n true 2>/dev/null; then
		skip "unshare -n is not permitted here (needs root or user namespaces)"
	fi
	run --separate-stderr unshare -n "$FINTUNE" plan --format json reverse-proxy
	[ "$status" -eq 0 ]
	[ "$(jq -r .netns <<<"$output")" = child ]
	[ "$(jq -r '.settings[] | select(.key == "net.ipv4.tcp_max_orphans") | .proposed' <<<"$output")" = null ]
	# a new namespace starts from the compiled-in defaults
	[ "$(jq -r '.settings[] | select(.key == "net.ipv4.tcp_fin_timeout") | .running' <<<"$output")" = 60 ]
}

@test "usage errors" {
	run --separate-stderr ft plan
	[ "$status" -eq 1 ]
	[ "$stderr" = "fintune plan: expected a profile (see 'fintune help plan')" ]
	run --separate-stderr ft plan a b
	[ "$status" -eq 1 ]
	run --separate-stderr ft plan --format yaml reverse-proxy
	[ "$status" -eq 1 ]
	[ "$stderr" = "fintune plan: --format yaml is not offered here (expected text, json or dot) (see 'fintune help plan')" ]
}

@test "no plan of a built-in profile contradicts itself, on a host or in a container" {
	for kind in host child; do
		rm -rf "$TMP/proc"
		fake_proc "$TMP" 6.18.0 "$kind"
		# and a site profile past its budget, so that the budget warning
		# is there to check
		printf 'fintune: 1\nname: tight\nextends: reverse-proxy\nworkload: { memory_budget_mib: 8 }\n' >"$TMP/tight.yaml"
		for p in reverse-proxy outbound-client long-half-close "$TMP/tight.yaml"; do
			run --separate-stderr ft plan --root "$TMP" --format json "$p"
			[ "$status" -eq 0 ]
			# a budget warning needs more than the budget pays for
			if [ "$p" = "$TMP/tight.yaml" ]; then
				jq -e '[.warnings[] | select(test("the workload needs"))] | length > 0' <<<"$output"
			fi
			jq -e '[.warnings[] | select(test("the workload needs")) |
				(capture("the workload needs (?<a>[0-9]+).*pays for \\((?<b>[0-9]+)") | (.a | tonumber) > (.b | tonumber))] | all' <<<"$output"
			# the floor of 1024 is never said to be what the workload needs
			jq -e '[.settings[].rationale | capture("needed at 1.5x the (?<n>[0-9]+) expected") | .n | tonumber * 1.5 < 768] | any | not' <<<"$output"
			# the orphans the retries expect are the orphans the limit is sized for
			n=$(jq -r '.settings[] | select(.key == "net.ipv4.tcp_orphan_retries") | .rationale' <<<"$output" | sed -n 's/.* keep \([0-9]*\) orphans at peak.*/\1/p')
			[ -n "$n" ]
			[[ "$(jq -r '.settings[] | select(.key == "net.ipv4.tcp_max_orphans") | .rationale' <<<"$output")" == *" $n orphans "* ]]
		done
	done
}
