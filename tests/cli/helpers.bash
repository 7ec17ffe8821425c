# SPDX-License-Identifier: GPL-2.0-or-later
# Shared by the bats tests. FINTUNE is the binary under test (make sets it).

: "${FINTUNE:=$BATS_TEST_DIRNAME/../../build/fintune}"
TOP=$(cd "$BATS_TEST_DIRNAME/../.." && pwd)

ft() {
	"$FINTUNE" "$@"
}

# A scratch directory per test, used as --root or for profile files.
setup_tmp() {
	TMP=$(mktemp -d "${BATS_TMPDIR:-/tmp}/fintune-bats.XXXXXX")
}

teardown_tmp() {
	if [ -n "${TMP:-}" ]; then rm -rf "$TMP"; fi
}

# Every file below a directory with its size and mtime, to prove nothing was
# written (fintune's own lock file, created once, aside).
snapshot() {
	find "$1" -path '*/run/fintune.lock' -prune -o -printf '%p %s %T@\n' | sort
}

# fake_proc ROOT RELEASE [child]: ROOT/proc/sys as a kernel of RELEASE shows
# it right after boot (its compiled-in defaults). "child" leaves out the
# host-global keys, as a container's network namespace does.
fake_proc() {
	local root=$1 release=$2 kind=${3:-host}
	local major=${release%%.*} rest=${release#*.}
	local minor=${rest%%.*}
	local v=$((major * 1000 + minor))
	local d=$root/proc/sys/net/ipv4
	mkdir -p "$d" "$root/proc/sys/kernel"
	echo "$release" >"$root/proc/sys/kernel/osrelease"
	echo 60 >"$d/tcp_fin_timeout"
	echo 0 >"$d/tcp_orphan_retries"
	[ "$kind" = child ] || echo 131072 >"$d/tcp_max_orphans"
	echo 131072 >"$d/tcp_max_tw_buckets"
	if [ "$v" -ge 4018 ]; then echo 2; else echo 0; fi >"$d/tcp_tw_reuse"
	echo 1 >"$d/tcp_timestamps"
	if [ "$v" -ge 6014 ]; then echo 1000 >"$d/tcp_tw_reuse_delay"; fi
	printf '32768\t60999\n' >"$d/ip_local_port_range"
	echo 15 >"$d/tcp_retries2"
	if [ "$v" -ge 6011 ]; then echo 200000 >"$d/tcp_rto_min_us"; fi
	if [ "$v" -ge 6015 ]; then echo 120000 >"$d/tcp_rto_max_ms"; fi
	if [ "$v" -ge 4011 ]; then echo 1024 >"$d/ip_unprivileged_port_start"; fi
	printf '4096\t16384\t4194304\n' >"$d/tcp_wmem"
	if [ "$v" -lt 4012 ]; then echo 0 >"$d/tcp_tw_recycle"; fi
}

# The value in a plan table row: row KEY COLUMN (2 running, 3 proposed, 4 change)
row() {
	printf '%s\n' "$output" | awk -v k="$1" -v c="$2" '$1 == k {
		# the port range takes two fields in the running and proposed columns
		if (k == "net.ipv4.ip_local_port_range") { if (c == 2) print $2 " " $3; else if (c == 3) print $4 " " $5; else print $6 }
		else print $c; exit }'
}

# The output with its lines joined, so wrapped text can be matched.
flat() {
	printf '%s\n' "$output" | tr '\n' ' ' | tr -s ' '
}
