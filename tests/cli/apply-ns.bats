#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
# End to end in a private mount and network namespace with test-only trees:
# apply a built-in profile to the namespace's real /proc/sys (no --root),
# check the live values, let the real systemd-sysctl re-read the trees, and
# roll back to the namespace's defaults (tests/ns/apply-cycle).

bats_require_minimum_version 1.5.0
load helpers

setup() {
	if [ "$(id -u)" -ne 0 ] || ! unshare --mount --net true 2>/dev/null; then
		skip "needs root for a private mount and network namespace"
	fi
	[ -x /lib/systemd/systemd-sysctl ] || skip "systemd-sysctl is not installed"
	setup_tmp
	export FINTUNE
}
teardown() { teardown_tmp; }

cycle() {
	cp -a "$TOP/tests/data/trees/$2" "$TMP/tree"
	run "$TOP/tests/ns/with-trees" "$TMP/tree" "$TOP/tests/ns/apply-cycle" "$1"
	[ "$status" -eq 0 ] || { echo "$output"; return 1; }
	[[ "$output" == *"apply-cycle: ok"* ]]
}

@test "reverse-proxy: apply, systemd-sysctl agrees, rollback to the defaults" { cycle reverse-proxy empty; }
@test "outbound-client on Debian's layout" { cycle outbound-client debian; }
@test "long-half-close with vendor files and masks" { cycle long-half-close masks; }

@test "shadowed: what diff warned about is what systemd-sysctl does" {
	cp -a "$TOP/tests/data/trees/shadow" "$TMP/tree"
	run "$TOP/tests/ns/with-trees" "$TMP/tree" bash -c '
		"$FINTUNE" apply reverse-proxy >/dev/null 2>&1 || exit 1
		echo "applied $(cat /proc/sys/net/ipv4/tcp_fin_timeout)"
		/lib/systemd/systemd-sysctl >/dev/null 2>&1
		echo "after boot $(cat /proc/sys/net/ipv4/tcp_fin_timeout)"'
	[ "$status" -eq 0 ]
	[[ "$output" == *"applied 60"* ]]
	# /etc/sysctl.conf (as 99-sysctl.conf) wins over the drop-in, as diff said
	[[ "$output" == *"after boot 30"* ]]
}
