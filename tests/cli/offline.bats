#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
# An offline image (a root without proc/sys) is planned with the facts of
# its own kernel: the newest release in its /lib/modules, or --kernel.

bats_require_minimum_version 1.5.0
load helpers

setup() {
	setup_tmp
	mkdir -p "$TMP/etc/sysctl.d" "$TMP/usr/lib/modules/6.1.0-18-amd64" "$TMP/usr/lib/modules/5.10.0-9-amd64"
	# merged /usr, as Debian has it: /lib is a link inside the image
	ln -s usr/lib "$TMP/lib"
}
teardown() { teardown_tmp; }

@test "the image's /lib/modules names the kernel, and plan says which was used" {
	run --separate-stderr ft plan --root "$TMP" outbound-client
	[ "$status" -eq 0 ]
	[ "${lines[1]}" = "Kernel   no live values (offline image): facts of 6.1.0-18-amd64, from the newest of 2 kernels in the image's /lib/modules" ]
	run --separate-stderr ft plan --root "$TMP" --format json outbound-client
	[ "$(jq -r '"\(.kernel) \(.kernel_from)"' <<<"$output")" = "6.1.0-18-amd64 modules" ]
	# 6.1 has no tcp_tw_reuse_delay (new in 6.14): not planned
	[ "$(jq -r '.settings[] | select(.key == "net.ipv4.tcp_tw_reuse_delay") | .proposed' <<<"$output")" = null ]
}

@test "a key the image's kernel lacks is never written" {
	run ft apply --root "$TMP" outbound-client
	[ "$status" -eq 0 ]
	grep -q '^net.ipv4.tcp_tw_reuse = 1$' "$TMP/etc/sysctl.d/60-fintune.conf"
	if grep -q tcp_tw_reuse_delay "$TMP/etc/sysctl.d/60-fintune.conf"; then false; fi
	# the same image with a 6.14 kernel installed: now it has the key
	mkdir "$TMP/usr/lib/modules/6.14.3-1-amd64"
	run ft diff --root "$TMP" outbound-client
	[ "$status" -eq 2 ]
	[[ "$output" == *"+net.ipv4.tcp_tw_reuse_delay = 1000"* ]]
}

@test "--kernel names the image's kernel; it is refused where there are live values" {
	rm -rf "$TMP/usr/lib/modules"
	run --separate-stderr ft plan --root "$TMP" --format json outbound-client
	[ "$(jq -r '"\(.kernel) \(.kernel_from)"' <<<"$output")" = "null assumed" ]
	run --separate-stderr ft plan --root "$TMP" --kernel 5.15.0-91-generic --format json outbound-client
	[ "$status" -eq 0 ]
	[ "$(jq -r '"\(.kernel) \(.kernel_from)"' <<<"$output")" = "5.15.0-91-generic option" ]
	run --separate-stderr ft plan --root "$TMP" --kernel 5.15.0-91-generic outbound-client
	[[ "$output" == *"facts of 5.15.0-91-generic, from --kernel"* ]]
	run --separate-stderr ft plan --root "$TMP" --kernel banana outbound-client
	[ "$status" -eq 1 ]
	[ "$stderr" = "fintune plan: --kernel banana: not a kernel release (expected MAJOR.MINOR, as uname -r prints it)" ]
	fake_proc "$TMP" 6.18.0
	run --separate-stderr ft plan --root "$TMP" --kernel 6.1 outbound-client
	[ "$status" -eq 1 ]
	[ "$stderr" = "fintune plan: --kernel 6.1: the root has live values, of 6.18.0; --kernel is for an offline image" ]
}

@test "the image's kernel config gives HZ, which times the orphan lifetime" {
	mkdir "$TMP/boot"
	printf 'CONFIG_SMP=y\nCONFIG_HZ_1000=y\nCONFIG_HZ=1000\n' >"$TMP/boot/config-6.1.0-18-amd64"
	run --separate-stderr ft plan --root "$TMP" outbound-client
	[[ "$(tr -s ' \n' '  ' <<<"$output")" == *"timers in jiffies at HZ 1000)"* ]]
	rm "$TMP/boot/config-6.1.0-18-amd64"
	run --separate-stderr ft plan --root "$TMP" outbound-client
	[[ "$(tr -s ' \n' '  ' <<<"$output")" == *"timers in jiffies at HZ 250, assumed)"* ]]
}

@test "a plan made with --kernel applies with the same --kernel, and says so without it" {
	rm -rf "$TMP/usr/lib/modules"
	run ft plan --root "$TMP" --kernel 6.1.0 -o "$TMP/p.json" outbound-client
	[ "$status" -eq 0 ]
	run --separate-stderr ft apply --root "$TMP" --plan "$TMP/p.json"
	[ "$status" -eq 1 ]
	[ "$stderr" = "fintune apply: drifted: the kernel is (unknown), the plan was made for 6.1.0 (--kernel): nothing was applied; give apply the same --kernel, or make a new plan" ]
	[ ! -e "$TMP/etc/sysctl.d/60-fintune.conf" ]
	run ft apply --root "$TMP" --kernel 6.1.0 --plan "$TMP/p.json"
	[ "$status" -eq 0 ]
	if grep -q tcp_tw_reuse_delay "$TMP/etc/sysctl.d/60-fintune.conf"; then false; fi
}

@test "--kernel takes that kernel's HZ from the image's /boot, even from a first line" {
	mkdir "$TMP/boot"
	printf 'CONFIG_HZ=100\n' >"$TMP/boot/config-6.1.0-18-amd64"
	printf '# a comment\nCONFIG_HZ=1000\n' >"$TMP/boot/config-5.10.0-9-amd64"
	run --separate-stderr ft plan --root "$TMP" outbound-client
	[[ "$(tr -s ' \n' '  ' <<<"$output")" == *"at HZ 100)"* ]]
	run --separate-stderr ft plan --root "$TMP" --kernel 5.10.0-9-amd64 outbound-client
	[[ "$(tr -s ' \n' '  ' <<<"$output")" == *"at HZ 1000)"* ]]
	# a release without a config: assumed, not the other kernel's
	run --separate-stderr ft plan --root "$TMP" --kernel 5.15.0 outbound-client
	[[ "$(tr -s ' \n' '  ' <<<"$output")" == *"at HZ 250, assumed)"* ]]
}

@test "a copied proc tree of another kernel does not take this machine's HZ" {
	fake_proc "$TMP" 6.1.0
	run --separate-stderr ft plan --root "$TMP" outbound-client
	[[ "$(tr -s ' \n' '  ' <<<"$output")" == *"at HZ 250, assumed)"* ]]
	# the machine's own release: its clock says its HZ
	fake_proc "$TMP" "$(uname -r)"
	run --separate-stderr ft plan --root "$TMP" outbound-client
	[[ "$(tr -s ' \n' '  ' <<<"$output")" != *"assumed)"* ]]
}
