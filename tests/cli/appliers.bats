#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
#
# fintune's reading of sysctl.d, proven against the real appliers: in a
# private mount and network namespace, with test-only trees over every place
# they read (tests/ns/with-trees), fintune predicts, then
# /lib/systemd/systemd-sysctl and procps `sysctl --system` run, and the
# values they leave must be the predicted ones. Over trees with masks,
# globs, shadowing, duplicates, "-" keys, refused values, CRLF files and
# /etc/sysctl.conf (tests/data/trees).

bats_require_minimum_version 1.5.0
load helpers

KEYS=(net.ipv4.tcp_fin_timeout net.ipv4.tcp_orphan_retries net.ipv4.tcp_tw_reuse net.ipv4.tcp_tw_reuse_delay
	net.ipv4.tcp_max_tw_buckets net.ipv4.tcp_timestamps net.ipv4.ip_local_port_range net.ipv4.tcp_syn_retries
	net.ipv4.tcp_synack_retries net.ipv4.tcp_retries2 net.ipv4.tcp_keepalive_time net.ipv4.tcp_keepalive_intvl
	net.ipv4.tcp_keepalive_probes)

setup() {
	if [ "$(id -u)" -ne 0 ] || ! unshare --mount --net true 2>/dev/null; then
		skip "needs root for a private mount and network namespace"
	fi
	[ -x /lib/systemd/systemd-sysctl ] || skip "systemd-sysctl is not installed"
	command -v sysctl >/dev/null || skip "procps sysctl is not installed"
	[ -n "${RESOLVE:-}" ] || skip "RESOLVE (build/tests/sysctld-resolve) is not set: run through make"
	setup_tmp
	export FINTUNE RESOLVE
}
teardown() { teardown_tmp; }

# tree NAME: a private copy of a test tree (the appliers' view of it)
tree() {
	cp -a "$TOP/tests/data/trees/$1" "$TMP/$1"
	echo "$TMP/$1"
}

# check_tree NAME [FUNCTION]: FUNCTION adds to each copy (files too big to
# keep in git)
check_tree() {
	local t
	for applier in systemd procps; do
		t=$(tree "$1")
		[ -z "${2:-}" ] || "$2" "$t"
		run "$TOP/tests/ns/with-trees" "$t" "$TOP/tests/ns/compare-reader" "$applier" "${KEYS[@]}"
		[ "$status" -eq 0 ] || { echo "$output"; return 1; }
		rm -rf "$t"
		t=$(tree "$1")
		[ -z "${2:-}" ] || "$2" "$t"
		run "$TOP/tests/ns/with-trees" "$t" "$TOP/tests/ns/compare-diff" reverse-proxy "$applier"
		[ "$status" -eq 0 ] || { echo "$output"; return 1; }
		rm -rf "$t"
	done
}

@test "the harness puts the test tree over the host's and leaves the host's namespace" {
	t=$(tree empty)
	run "$TOP/tests/ns/with-trees" "$t" sh -c 'test "$(stat -Lc %d:%i /etc/sysctl.d)" = "$(stat -Lc %d:%i "$0/etc/sysctl.d")" && test ! -e /proc/sys/net/ipv4/tcp_max_orphans' "$t"
	[ "$status" -eq 0 ]
}

@test "no configuration at all" { check_tree empty; }
@test "Debian's layout: 99-sysctl.conf -> ../sysctl.conf, all commented" { check_tree debian; }
@test "/etc/sysctl.conf shadows fintune's drop-in for both appliers" { check_tree shadow; }
@test "procps applies /etc/sysctl.conf last, systemd-sysctl does not" { check_tree procps-last; }
@test "masks: a symlink to /dev/null, /run over /usr/lib, /usr/local/lib" { check_tree masks; }
@test "globs, exclusions, explicit keys, comments, CRLF, no final newline" { check_tree globs; }
@test "refused values, \"-\" keys, an exclusion after an assignment" { check_tree refused; }
@test "a file fintune did not write in its drop-in's place" { check_tree foreign; }
@test "separators, duplicates, names that are not drop-ins" { check_tree names; }
@test "keys: a leading slash, doubled and trailing separators, \"- key\", case" { check_tree keys; }
@test "links: relative, chained, through a linked directory, 13 hops, \"..\" after a link" { check_tree links; }
@test "file names procps reads as patterns, and a file named .conf" { check_tree globnames; }

# a line over 1 MiB (systemd stops reading the file there, procps reads
# on), and a file over 1 MiB of short lines (both read it all)
big_files() {
	{
		echo 'net.ipv4.tcp_retries2 = 9'
		printf '# '
		head -c $((1024 * 1024 + 16)) /dev/zero | tr '\0' x
		printf '\nnet.ipv4.tcp_retries2 = 7\n'
	} >"$1/etc/sysctl.d/54-long.conf"
	{
		for i in $(seq 1 30000); do echo "# filler line $i of a large file, as generated configuration has"; done
		echo 'net.ipv4.tcp_keepalive_probes = 6'
	} >"$1/etc/sysctl.d/55-big.conf"
}
@test "CR and NUL line ends, CRLF, an empty file, a 1 MiB line, a 2 MiB file" { check_tree lines big_files; }
@test "integers as the kernel parses them: 010 is octal, 0x hex, 08 refused" { check_tree bases; }
@test "several globs on one key, keys spelled otherwise, a pattern name stopped by a dangling link" { check_tree globorder; }
