# SPDX-License-Identifier: GPL-2.0-or-later
#
# Sourced by run-lab and the scenario scripts of make lab.
#
# Every network namespace is named ftlab-ID-TAG-c (client) or -s (server),
# ID the PID of run-lab (FTLAB_ID), and each pair is joined by one veth pair
# made inside the namespaces (never in the host's), addresses
# 198.18.IDX.1 and .2 from 198.18.0.0/15 (RFC 2544, benchmarking). Live
# values are written only inside those namespaces; files only below LAB_TMP
# (mktemp -d). A script that sources this and calls lab_init deletes what it
# made on exit, on failure and on Ctrl-C; run-lab sweeps again at the end.

set -uo pipefail

LAB_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
BOGUS_MAC=02:00:00:00:00:99
if [ -z "${FTLAB_ID:-}" ]; then
	export FTLAB_ID=$$
	LAB_TOP=1
else
	LAB_TOP=0
fi
LAB_NS=()
LAB_PIDS=()
LAB_FIFOS=()

lab_die() { echo "lab: $*" >&2; exit 1; }
lab_log() { [ -z "${LAB_QUIET:-}" ] && echo "lab: $*" >&2; return 0; }

lab_init() {
	[ "$(id -u)" -eq 0 ] || lab_die "needs root (network namespaces)"
	command -v ip >/dev/null || lab_die "needs ip (iproute2)"
	: "${FINTUNE:?FINTUNE must name the fintune binary}"
	: "${FTLOAD:?FTLOAD must name the ftload binary}"
	[ -x "$FINTUNE" ] || lab_die "$FINTUNE is not executable"
	[ -x "$FTLOAD" ] || lab_die "$FTLOAD is not executable"
	if [ "$LAB_TOP" = 1 ]; then
		# ip netns add makes /run/netns if it is missing: note it, to remove it
		if [ -d /run/netns ]; then LAB_RUN_NETNS_WAS=1; else LAB_RUN_NETNS_WAS=0; fi
		export LAB_RUN_NETNS_WAS
	fi
	LAB_TMP=$(mktemp -d "${TMPDIR:-/tmp}/ftlab.XXXXXX") || lab_die "mktemp failed"
	case "$(realpath "$LAB_TMP")" in
	/run/* | /var/lib/* | /etc/*) rm -rf "$LAB_TMP"; lab_die "TMPDIR must not be below /run, /var/lib or /etc (in-root covers those)" ;;
	esac
	LAB_MAINPID=$BASHPID
	trap lab_cleanup EXIT
	trap 'exit 130' INT
	trap 'exit 143' TERM HUP
}

# lab_sub: first thing in a ( ... ) & of a scenario. Its namespaces and
# processes are its own to clean up (a subshell does not inherit traps);
# LAB_TMP stays the script's.
lab_sub() {
	LAB_NS=() LAB_PIDS=() LAB_FIFOS=()
	trap lab_cleanup EXIT
	trap 'exit 130' INT
	trap 'exit 143' TERM HUP
}

lab_ns_del() {
	local ns=$1 pids i
	ip netns list 2>/dev/null | awk '{print $1}' | grep -qx "$ns" || return 0
	# processes we started inside it: by their PIDs, TERM, then KILL
	for i in 1 2 3 4 5 6 7 8 9 10; do
		pids=$(ip netns pids "$ns" 2>/dev/null)
		[ -z "$pids" ] && break
		if [ "$i" -lt 8 ]; then kill $pids 2>/dev/null; else kill -9 $pids 2>/dev/null; fi
		sleep 0.2
	done
	# another cleanup (a subshell's, the sweep) may have deleted it meanwhile
	ip netns del "$ns" 2>/dev/null ||
		! ip netns list 2>/dev/null | awk '{print $1}' | grep -qx "$ns" ||
		echo "lab: could not delete namespace $ns" >&2
}

lab_cleanup() {
	local rc=$? p ns
	trap - EXIT INT TERM HUP
	for p in "${LAB_PIDS[@]}"; do kill "$p" 2>/dev/null; done
	for p in "${LAB_FIFOS[@]}"; do exec {p}>&- 2>/dev/null; done
	for ns in "${LAB_NS[@]}"; do lab_ns_del "$ns"; done
	if [ "$BASHPID" != "$LAB_MAINPID" ]; then
		exit $rc
	fi
	# namespaces of this script's subshells, if one was killed before its trap
	if [ -n "${LAB_SWEEP:-}" ]; then
		for ns in $(ip netns list 2>/dev/null | awk '{print $1}' | grep "^ftlab-$FTLAB_ID-$LAB_SWEEP-"); do
			lab_ns_del "$ns"
		done
	fi
	if [ "$LAB_TOP" = 1 ]; then
		# a scenario killed hard leaves its namespaces: they carry our ID
		for ns in $(ip netns list 2>/dev/null | awk '{print $1}' | grep "^ftlab-$FTLAB_ID-"); do
			lab_ns_del "$ns"
		done
		if [ "${LAB_RUN_NETNS_WAS:-1}" = 0 ] && [ -d /run/netns ] &&
			[ -z "$(ls -A /run/netns 2>/dev/null)" ]; then
			umount /run/netns 2>/dev/null
			rmdir /run/netns 2>/dev/null
		fi
	fi
	[ -n "${LAB_TMP:-}" ] && rm -rf "$LAB_TMP"
	exit $rc
}

# lab_pair TAG IDX: namespaces PAIR_C and PAIR_S, addresses PAIR_CA, PAIR_SA
lab_pair() {
	local tag=$1 idx=$2
	[ "$idx" -ge 1 ] && [ "$idx" -le 254 ] || lab_die "pair index $idx out of 1..254"
	PAIR_C=ftlab-$FTLAB_ID-$tag-c
	PAIR_S=ftlab-$FTLAB_ID-$tag-s
	PAIR_CA=198.18.$idx.1
	PAIR_SA=198.18.$idx.2
	ip netns add "$PAIR_C" || lab_die "ip netns add $PAIR_C failed"
	LAB_NS+=("$PAIR_C")
	ip netns add "$PAIR_S" || lab_die "ip netns add $PAIR_S failed"
	LAB_NS+=("$PAIR_S")
	ip -n "$PAIR_C" link add veth0 type veth peer name veth1 netns "$PAIR_S" ||
		lab_die "veth pair $tag failed"
	ip -n "$PAIR_C" addr add "$PAIR_CA/24" dev veth0 &&
		ip -n "$PAIR_S" addr add "$PAIR_SA/24" dev veth1 &&
		ip -n "$PAIR_C" link set lo up && ip -n "$PAIR_S" link set lo up &&
		ip -n "$PAIR_C" link set veth0 up && ip -n "$PAIR_S" link set veth1 up ||
		lab_die "addresses of pair $tag failed"
}

# lab_cut NS PEER: the peer's frames go to a MAC nobody has, for good
lab_cut() {
	ip -n "$1" neigh replace "$2" lladdr "$BOGUS_MAC" dev veth0 nud permanent
}

# The namespace's own /proc/sys, never the host's: refuse where the
# host-global tcp_max_orphans is visible (the initial namespace).
ns_guard() {
	ip netns exec "$1" test ! -e /proc/sys/net/ipv4/tcp_max_orphans ||
		lab_die "$1 looks like the host's network namespace; refusing"
}

# ns_set NS KEY VALUE (KEY dotted, net.* only; tcp_max_orphans never)
ns_set() {
	local ns=$1 key=$2 val=$3
	case "$key" in
	net.ipv4.tcp_max_orphans) lab_die "tcp_max_orphans is host-global: never written" ;;
	net.*) ;;
	*) lab_die "refusing to write $key: only per-namespace net.* keys" ;;
	esac
	ip netns exec "$ns" sh -c '[ ! -e /proc/sys/net/ipv4/tcp_max_orphans ] || exit 3
		printf "%s\n" "$2" >"/proc/sys/$1"' sh "$(tr . / <<<"$key")" "$val" ||
		lab_die "$ns: setting $key=$val failed"
}

ns_get() {
	ip netns exec "$1" cat "/proc/sys/$(tr . / <<<"$2")" | tr -s '\t ' '  '
}

# ns_fintune NS ROOT ARGS...: fintune --root ROOT ARGS in namespace NS, with
# ROOT/proc the namespace's own /proc (tests/lab/in-root). ROOT from lab_root.
lab_root() {
	local r
	r=$(mktemp -d "$LAB_TMP/root.XXXXXX") || lab_die "mktemp failed"
	mkdir -p "$r/proc" "$r/etc/sysctl.d" "$r/run" "$r/var/lib" || lab_die "root tree failed"
	: >"$r/run/fintune.lock"
	printf '%s\n' "$r"
}
ns_fintune() {
	local ns=$1 root=$2
	shift 2
	ns_guard "$ns"
	ip netns exec "$ns" unshare --mount --propagation private \
		"$LAB_DIR/in-root" "$root" "$FINTUNE" "$@"
}

# ns_apply NS PROFILE LOGPREFIX: plan (JSON, to LOGPREFIX.plan.json) and
# apply PROFILE in NS; LOGPREFIX.apply.txt gets what apply said.
ns_apply() {
	local ns=$1 profile=$2 log=$3 root
	root=$(lab_root)
	ns_fintune "$ns" "$root" plan --root "$root" --format json "$profile" >"$log.plan.json" 2>"$log.plan.err" ||
		lab_die "$ns: fintune plan $profile failed: $(cat "$log.plan.err")"
	ns_fintune "$ns" "$root" apply --root "$root" "$profile" >"$log.apply.txt" 2>&1 ||
		lab_die "$ns: fintune apply $profile failed: $(cat "$log.apply.txt")"
	[ -s "$root/etc/sysctl.d/60-fintune.conf" ] ||
		lab_die "$ns: apply left no drop-in below its root"
}

# plan_changes PLANJSON: "key running -> proposed" of each change, joined by "; "
plan_changes() {
	jq -r '[.settings[] | select(.change) | "\(.key | sub("^net\\.ipv4\\."; "")) \(.running) -> \(.proposed)"] | join("; ")' "$1"
}

# ns_wait_listen NS PORT: until something listens (at most 5 s)
ns_wait_listen() {
	local i
	for i in $(seq 1 50); do
		[ -n "$(ip netns exec "$1" ss -Htln "sport = :$2" 2>/dev/null)" ] && return 0
		sleep 0.1
	done
	lab_die "$1: nothing listens on port $2 after 5 s"
}

# bg NS CMD...: run CMD in NS in the background, its PID in BG_PID
bg() {
	local ns=$1
	shift
	ip netns exec "$ns" "$@" &
	BG_PID=$!
	LAB_PIDS+=("$BG_PID")
}

# fg_run CMD...: CMD in the background, waited for, so that a signal to this
# script runs its trap (and the cleanup) at once, not after CMD ends
fg_run() {
	"$@" &
	local p=$!
	LAB_PIDS+=("$p")
	wait "$p"
}

# wait_pid PID SECONDS: wait for PID (a child) at most SECONDS, then kill
# it; its exit status
wait_pid() {
	local pid=$1 max=$2 i
	for i in $(seq 1 $((max * 10))); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	if kill -0 "$pid" 2>/dev/null; then
		echo "lab: pid $pid still running after ${max}s; killed" >&2
		kill "$pid" 2>/dev/null
	fi
	wait "$pid" 2>/dev/null
}

# ratio A B: B/A to 2 decimals, n/a when A is 0 or either is not a number
ratio() {
	awk -v a="$1" -v b="$2" 'BEGIN {
		if (a !~ /^-?[0-9.]+$/ || b !~ /^-?[0-9.]+$/ || a + 0 == 0) { print "n/a"; exit }
		printf "%.2f\n", b / a }'
}

# Orphan probes (ftload orphan): start several, wait until each is
# connected, cut the peer off (or not), let them all close at once, collect.
PROBE_PID=()
PROBE_FD=()
PROBE_OUT=()
# probe_start NS ADDR:PORT TIMEOUT OUTFILE [ftload orphan options...]
probe_start() {
	local ns=$1 to=$2 timeout=$3 file=$4 fifo fd
	shift 4
	fifo=$(mktemp -u "$LAB_TMP/probe.XXXXXX")
	mkfifo "$fifo" || lab_die "mkfifo failed"
	# read-write: opening does not block, and the probe sees no EOF early
	exec {fd}<>"$fifo"
	ip netns exec "$ns" "$FTLOAD" orphan --to "$to" --timeout "$timeout" --trace "$@" \
		<"$fifo" >"$file" 2>"$file.err" &
	PROBE_PID+=($!)
	LAB_PIDS+=($!)
	PROBE_FD+=("$fd")
	LAB_FIFOS+=("$fd")
	PROBE_OUT+=("$file")
}
probe_ready() {
	local f i
	for f in "${PROBE_OUT[@]}"; do
		for i in $(seq 1 100); do
			grep -q '^ready,' "$f" 2>/dev/null && continue 2
			sleep 0.05
		done
		lab_die "probe $f not connected after 5 s: $(cat "$f.err" 2>/dev/null)"
	done
}
probe_go() {
	local fd
	for fd in "${PROBE_FD[@]}"; do echo go >&"$fd"; done
}
# probe_wait SECONDS: every probe has ended (killed past SECONDS)
probe_wait() {
	local p fd
	for p in "${PROBE_PID[@]}"; do wait_pid "$p" "$1"; done
	for fd in "${PROBE_FD[@]}"; do exec {fd}>&-; done
	PROBE_PID=() PROBE_FD=() PROBE_OUT=()
}
# probe_result FILE: "SECONDS,STATE,RETRANSMITS" (gone) or "alive>SECONDS,STATE,..."
probe_result() {
	awk -F, '$1 == "trace" { rt = $7 } $1 == "gone" { r = $2 "," $3 } $1 == "alive" { r = ">" $2 "," $3 }
		END { if (r == "") r = "n/a,n/a"; print r "," (rt == "" ? "n/a" : rt) }' "$1"
}

# Cells of a background scenario say when their setup is over (sockets
# closed, only timers left): cell_ready NAME, then all_ready OUT COUNT FILE
# makes FILE once COUNT cells did (at most 60 s); run-lab waits for FILE
# before it starts the load scenarios, whose rates the setup would disturb.
cell_ready() { : >"$LAB_TMP/ready.$1"; }
all_ready() {
	local i
	for i in $(seq 1 600); do
		[ "$(find "$LAB_TMP" -maxdepth 1 -name 'ready.*' | wc -l)" -ge "$1" ] && break
		sleep 0.1
	done
	: >"$2"
}
