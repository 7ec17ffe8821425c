# SPDX-License-Identifier: GPL-2.0-or-later
# Shared by the bats tests (tests/cli/helpers.bash) and the benches
# (tests/bench/lib.sh): a fake /proc/sys of a given kernel.

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
