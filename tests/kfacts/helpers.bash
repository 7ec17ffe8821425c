# SPDX-License-Identifier: GPL-2.0-or-later
# Shared by the kernel-fact tests (tests/kfacts/*.bats) and by
# tests/kfacts/orphan-lifetimes. Every network namespace is named
# ftlab-<pid>-<test>-<name>, recorded when it is made, and deleted by kf_cleanup
# (bats teardown, or an EXIT trap); every process started in one is recorded
# and killed by its PID there too. Nothing is written outside those
# namespaces and a temporary directory.

: "${FTLOAD:=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)/build/tests/ftload}"
: "${FINTUNE:=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)/build/fintune}"
KF_ID="$$-${BATS_TEST_NUMBER:-0}"

# kf_skip_reason: why the kernel facts cannot be proven here (empty: they can)
kf_skip_reason() {
	if [ "$(id -u)" -ne 0 ]; then
		echo "needs root: the kernel facts are proven in network namespaces made with ip netns"
	elif ! unshare -n true 2>/dev/null; then
		echo "network namespaces are not permitted here (unshare -n failed)"
	elif ! command -v ip >/dev/null; then
		echo "ip (iproute2) is not installed"
	elif [ ! -x "$FTLOAD" ]; then
		echo "$FTLOAD is not built (make \$(B)/tests/ftload)"
	fi
}

# kf_skip_unless_netns: a clear skip where namespaces cannot be made
kf_skip_unless_netns() {
	local why
	why=$(kf_skip_reason)
	if [ -n "$why" ]; then
		skip "$why"
	fi
}

kf_setup() {
	local ns pid
	# namespaces of an earlier run that was killed (SIGKILL leaves them):
	# ftlab-PID-..., whose PID no longer runs
	for ns in $(ip netns list 2>/dev/null | awk '{ print $1 }'); do
		case "$ns" in ftlab-[0-9]*-*) ;; *) continue ;; esac
		pid=${ns#ftlab-}
		pid=${pid%%-*}
		kill -0 "$pid" 2>/dev/null || ip netns del "$ns" 2>/dev/null || true
	done
	KF_TMP=$(mktemp -d "${TMPDIR:-/tmp}/ftlab-kf.XXXXXX")
	: >"$KF_TMP/netns"
	: >"$KF_TMP/pids"
}

kf_cleanup() {
	local pid ns
	[ -n "${KF_TMP:-}" ] && [ -d "$KF_TMP" ] || return 0
	while read -r pid; do
		kill "$pid" 2>/dev/null || true
	done <"$KF_TMP/pids"
	while read -r pid; do
		wait "$pid" 2>/dev/null || true
	done <"$KF_TMP/pids"
	while read -r ns; do
		ip netns del "$ns" 2>/dev/null || true
	done <"$KF_TMP/netns"
	rm -rf "$KF_TMP"
	KF_TMP=
}

# kf_ns NAME: a new namespace with lo up; prints its full name
kf_ns() {
	local ns="ftlab-$KF_ID-$1"
	ip netns add "$ns" || return 1
	echo "$ns" >>"$KF_TMP/netns"
	ip -n "$ns" link set lo up || return 1
	echo "$ns"
}

# kf_pair NAME: two namespaces NAME-c (198.18.0.1, veth0) and NAME-s
# (198.18.0.2, veth1) joined by a veth pair. Sets KF_C and KF_S.
kf_pair() {
	KF_C=$(kf_ns "$1-c") && KF_S=$(kf_ns "$1-s") || return 1
	ip -n "$KF_C" link add veth0 type veth peer name veth1 netns "$KF_S" || return 1
	ip -n "$KF_C" addr add 198.18.0.1/24 dev veth0 &&
		ip -n "$KF_S" addr add 198.18.0.2/24 dev veth1 &&
		ip -n "$KF_C" link set veth0 up &&
		ip -n "$KF_S" link set veth1 up
}

# kf_cut NS: the peer 198.18.0.2 disappears for NS (its frames go to a MAC
# nobody has; there is no netem or nft on this kernel)
kf_cut() {
	ip -n "$1" neigh replace 198.18.0.2 lladdr 02:00:00:00:00:99 dev veth0 nud permanent
}

# kf_in NS COMMAND...: runs COMMAND in NS
kf_in() {
	local ns=$1
	shift
	ip netns exec "$ns" "$@"
}

# kf_bg NS OUTFILE COMMAND...: runs COMMAND in NS in the background, its
# output to OUTFILE; the PID is recorded for kf_cleanup
kf_bg() {
	local ns=$1 out=$2
	shift 2
	ip netns exec "$ns" "$@" >"$out" 2>&1 &
	echo $! >>"$KF_TMP/pids"
}

# kf_set NS KEY VALUE: writes net.ipv4.KEY in NS, one of ours; never a
# host-global key (those would change the host even from a namespace)
kf_set() {
	case "$1" in ftlab-*) ;; *) echo "kf_set: '$1' is not a test namespace" >&2; return 1 ;; esac
	case "$2" in tcp_max_orphans | tcp_mem) echo "kf_set: $2 is host-global" >&2; return 1 ;; esac
	case "$2" in */* | *..* | "") echo "kf_set: '$2' is not a key of net/ipv4" >&2; return 1 ;; esac
	# inside a child namespace, where the host-global keys are absent
	ip netns exec "$1" sh -c '[ ! -e /proc/sys/net/ipv4/tcp_max_orphans ] || exit 3
		echo "$2" >"/proc/sys/net/ipv4/$1"' sh "$2" "$3"
}

kf_get() {
	ip netns exec "$1" cat "/proc/sys/net/ipv4/$2"
}

# kf_wait_line FILE REGEX SECONDS: waits until a line of FILE matches
kf_wait_line() {
	local i n=$(($3 * 100))
	for ((i = 0; i < n; i++)); do
		grep -qE "$2" "$1" 2>/dev/null && return 0
		sleep 0.01
	done
	echo "no line matching '$2' in $1 within $3 s:" >&2
	cat "$1" >&2
	return 1
}

# kf_listening FILE: the port of the ready,PORT record of a listener's output
kf_listening() {
	kf_wait_line "$1" '^ready,' 5 && sed -n 's/^ready,//p' "$1" | head -1
}

# kf_counter NS GROUP NAME: a counter of /proc/net/netstat (TcpExt, IpExt)
# or /proc/net/snmp (Tcp, Ip) in NS
kf_counter() {
	ip netns exec "$1" cat /proc/net/netstat /proc/net/snmp | awk -v g="$2:" -v k="$3" '
		$1 == g && !have { for (i = 2; i <= NF; i++) idx[$i] = i; have = 1; next }
		$1 == g && have { print $idx[k] + 0; exit }'
}

# kf_sockstat NS FIELD: a TCP field of /proc/net/sockstat in NS (inuse, tw, ...)
kf_sockstat() {
	ip netns exec "$1" awk -v f="$2" '$1 == "TCP:" { for (i = 2; i < NF; i += 2) if ($i == f) print $(i + 1) }' /proc/net/sockstat
}

# kf_field LINE N: the Nth comma-separated field
kf_field() {
	printf '%s\n' "$1" | cut -d, -f"$2"
}

# kf_between X LO HI: LO <= X <= HI (decimals)
kf_between() {
	awk -v x="$1" -v lo="$2" -v hi="$3" 'BEGIN { exit !(x >= lo && x <= hi) }'
}

# kf_unanswered_fin C S DIR [--shutdown]: in the pair C/S (kf_pair), a client
# connects to `ftload hold` in S, the peer is cut off, and the client
# close()s (or shutdown()s): its FIN is never answered. Leaves in DIR:
# orphan (ftload's output, with --trace), ss (ss -tin before the cut) and
# counters (RetransSegs TCPLossProbes TCPAbortOnTimeout OutRsts deltas of C).
# KF_TIMEOUT (default 30) bounds the wait.
kf_unanswered_fin() {
	local c=$1 s=$2 d=$3 mode=${4:-} port rs0 lp0 ab0 or0 t=${KF_TIMEOUT:-30}

	kf_bg "$s" "$d/hold" "$FTLOAD" hold --listen 198.18.0.2:0 --seconds "$((t + 5))"
	port=$(kf_listening "$d/hold") || return 1
	rs0=$(kf_counter "$c" Tcp RetransSegs)
	lp0=$(kf_counter "$c" TcpExt TCPLossProbes)
	ab0=$(kf_counter "$c" TcpExt TCPAbortOnTimeout)
	or0=$(kf_counter "$c" Tcp OutRsts)
	{
		kf_wait_line "$d/orphan" '^ready,' 5 || exit 1
		kf_in "$c" ss -tin dst 198.18.0.2 >"$d/ss"
		kf_cut "$c"
		echo go
	} | kf_in "$c" "$FTLOAD" orphan --to "198.18.0.2:$port" --timeout "$t" --trace $mode >"$d/orphan"
	echo "$(($(kf_counter "$c" Tcp RetransSegs) - rs0))" \
		"$(($(kf_counter "$c" TcpExt TCPLossProbes) - lp0))" \
		"$(($(kf_counter "$c" TcpExt TCPAbortOnTimeout) - ab0))" \
		"$(($(kf_counter "$c" Tcp OutRsts) - or0))" >"$d/counters"
	grep -qE '^(gone|alive),' "$d/orphan"
}

# kf_note TEXT: a measured figure, shown in the TAP output under the test
kf_note() {
	echo "# $*" >&3
}
