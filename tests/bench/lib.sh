# SPDX-License-Identifier: GPL-2.0-or-later
# shellcheck shell=bash
#
# Sourced by tests/bench/sysctld-scale (make bench-scale) and tests/bench/bench
# (make bench): the temporary directory, the timed runs, the sysctl.d test
# trees and the number formats they share.
#
# The caller sets BENCH_PROG (its name, for messages) and TIMEOUT (seconds a
# run may take before its process group is killed), then calls bench_workdir
# and bench_runstat; every file goes below $work. A re-entered script (inside
# a namespace) sets work itself and sources this again.

BENCH_LIB_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

bench_die() {
	echo "$BENCH_PROG: $*" >&2
	exit 1
}

# bench_workdir: $work, a new temporary directory, removed on exit. Not under
# /run or /var/lib: the namespaces cover those with a tmpfs.
bench_workdir() {
	work=$(mktemp -d "${TMPDIR:-/tmp}/$BENCH_PROG.XXXXXX") || bench_die "mktemp failed"
	case $(realpath "$work") in
	/run/* | /var/lib/*)
		rm -rf "$work"
		echo "$BENCH_PROG: TMPDIR is under /run or /var/lib, which the namespaces hide" >&2
		exit 64
		;;
	esac
	trap 'rm -rf "$work"' EXIT
	trap 'exit 130' INT TERM
}

# bench_runstat: $work/runstat, the wait4() wrapper (tests/bench/runstat.c;
# microsecond wall time, user and sys time and peak RSS of the command and
# its waited-for children; GNU time prints 10 ms steps, which reads 0.00 for
# small runs). Without a C compiler, GNU time is used.
bench_runstat() {
	if command -v "${CC:-cc}" >/dev/null; then
		"${CC:-cc}" -O2 -o "$work/runstat" "$BENCH_LIB_DIR/runstat.c" || bench_die "cannot build runstat"
	elif ! /usr/bin/time -f '%e' true 2>/dev/null; then
		echo "$BENCH_PROG: needs a C compiler or GNU time (apt-get install time)" >&2
		exit 77
	else
		echo "$BENCH_PROG: no C compiler; GNU time measures in 10 ms steps" >&2
	fi
}

# --- measuring ----------------------------------------------------------------

# run_once RESULT CMD...: one run, stdout to RUN_STDOUT (/dev/null), stderr to
# RESULT.err; RESULT gets "wall user sys maxrss_kib status" (status "timeout"
# when killed).
run_once() {
	local res=$1
	shift
	if [ -x "$work/runstat" ]; then
		"$work/runstat" "$res" "$TIMEOUT" "$@" >"${RUN_STDOUT:-/dev/null}" 2>"$res.err" || true
	else
		local st=0
		timeout --kill-after=5 "$TIMEOUT" /usr/bin/time -f '%e %U %S %M' -o "$res.t" \
			"$@" >"${RUN_STDOUT:-/dev/null}" 2>"$res.err" || st=$?
		if [ "$st" -eq 124 ] || [ "$st" -eq 137 ]; then
			echo "0 0 0 0 timeout" >"$res"
		else
			echo "$(tail -n 1 "$res.t") $st" >"$res"
		fi
	fi
}

# sample NAME OK_STATUSES CMD...: one timed run of CMD, its "wall user+sys
# maxrss_kib" appended to $work/NAME.samples. A run killed by TIMEOUT, or one
# ending with a status not in OK_STATUSES, writes "timeout" or "error" to
# $work/NAME.failed and returns 1; once failed, NAME is not run again.
sample() {
	local name=$1 ok=$2
	shift 2
	local res=$work/$name.run w u s m st
	[ ! -e "$work/$name.failed" ] || return 1
	run_once "$res" "$@"
	read -r w u s m st <"$res"
	if [ "$st" = timeout ]; then
		echo timeout >"$work/$name.failed"
		return 1
	fi
	case " $ok " in
	*" $st "*) ;;
	*)
		echo "$BENCH_PROG: $name: exit status $st" >&2
		head -n 20 "$res.err" >&2
		echo error >"$work/$name.failed"
		return 1
		;;
	esac
	awk -v w="$w" -v u="$u" -v s="$s" -v m="$m" 'BEGIN { printf "%s %.6f %s\n", w, u + s, m }' \
		>>"$work/$name.samples"
}

# samples NAME OK_STATUSES RUNS CMD...: RUNS runs of CMD (fewer once one fails).
samples() {
	local name=$1 ok=$2 runs=$3 i
	shift 3
	for ((i = 0; i < runs; i++)); do
		sample "$name" "$ok" "$@" || return 1
	done
}

sample_reset() {
	local name
	for name in "$@"; do
		rm -f "$work/$name.samples" "$work/$name.failed"
	done
}

# summary_of NAME best|median: "wall user+sys maxrss_kib runs" over NAME's
# samples: the best wall and that run's CPU, or the median wall and the
# median CPU; the highest peak RSS of all runs either way. "timeout" or
# "error" when a run failed, "error" when there is no sample.
summary_of() {
	local name=$1 how=$2
	if [ -e "$work/$name.failed" ]; then
		cat "$work/$name.failed"
		return 0
	fi
	[ -s "$work/$name.samples" ] || { echo error; return 0; }
	awk -v how="$how" '
		function median(a, n,    i, j, t) {
			for (i = 2; i <= n; i++)
				for (j = i; j > 1 && a[j - 1] > a[j]; j--) { t = a[j]; a[j] = a[j - 1]; a[j - 1] = t }
			return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
		}
		{
			n++; w[n] = $1 + 0; c[n] = $2 + 0
			if ($3 + 0 > rss) rss = $3 + 0
			if (n == 1 || $1 + 0 < bw) { bw = $1 + 0; bc = $2 + 0 }
		}
		END {
			if (how == "best") printf "%.6f %.6f %d %d\n", bw, bc, rss, n
			else printf "%.6f %.6f %d %d\n", median(w, n), median(c, n), rss, n
		}' "$work/$name.samples"
}

# --- the trees ------------------------------------------------------------------

# shellcheck source=../lib/fake-proc.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib/fake-proc.sh"

# bench_proc ROOT RELEASE: fake_proc's tree plus the other keys the drop-ins
# set, at their defaults.
bench_proc() {
	local d=$1/proc/sys/net/ipv4
	fake_proc "$1" "$2"
	echo 7200 >"$d/tcp_keepalive_time"
	echo 75 >"$d/tcp_keepalive_intvl"
	echo 9 >"$d/tcp_keepalive_probes"
	echo 6 >"$d/tcp_syn_retries"
	echo 5 >"$d/tcp_synack_retries"
	echo 3 >"$d/tcp_retries1"
	echo 1 >"$d/tcp_sack"
	echo 1 >"$d/tcp_window_scaling"
	echo 0 >"$d/tcp_mtu_probing"
	echo 2048 >"$d/tcp_max_syn_backlog"
	echo 1 >"$d/tcp_syncookies"
	echo 1 >"$d/tcp_slow_start_after_idle"
}

# The keys of every test drop-in: all per network namespace (none of them
# host-global), so an applier run in a network namespace of its own over a
# test tree changes nothing outside it.
TREE_KEYS="net.ipv4.tcp_fin_timeout net.ipv4.tcp_keepalive_time net.ipv4.tcp_keepalive_intvl
net.ipv4.tcp_keepalive_probes net.ipv4.tcp_syn_retries net.ipv4.tcp_synack_retries net.ipv4.tcp_retries1
net.ipv4.tcp_retries2 net.ipv4.tcp_orphan_retries net.ipv4.tcp_max_tw_buckets net.ipv4.tcp_sack
net.ipv4.tcp_window_scaling net.ipv4.tcp_mtu_probing net.ipv4.tcp_max_syn_backlog net.ipv4.tcp_syncookies
net.ipv4.tcp_slow_start_after_idle"

# The 16 assignments of file number j, as awk: the keys of TREE_KEYS with
# valid values varied by j, or, when BENCH_TREE_VALUES is set in the
# environment, exactly its lines (make_tree's VALUES).
ASSIGN_AWK='
function assign(j, f) {
	if (ENVIRON["BENCH_TREE_VALUES"] != "") { printf "%s\n", ENVIRON["BENCH_TREE_VALUES"] >f; return }
	printf "net.ipv4.tcp_fin_timeout = %d\n", 10 + j % 50 >f
	printf "net.ipv4.tcp_keepalive_time = %d\n", 600 + j % 3600 >f
	printf "net.ipv4.tcp_keepalive_intvl = %d\n", 10 + j % 60 >f
	printf "net.ipv4.tcp_keepalive_probes = %d\n", 3 + j % 7 >f
	printf "net.ipv4.tcp_syn_retries = %d\n", 2 + j % 5 >f
	printf "net.ipv4.tcp_synack_retries = %d\n", 2 + j % 4 >f
	printf "net.ipv4.tcp_retries1 = %d\n", 3 >f
	printf "net.ipv4.tcp_retries2 = %d\n", 8 + j % 8 >f
	printf "net.ipv4.tcp_orphan_retries = %d\n", j % 8 >f
	printf "net.ipv4.tcp_max_tw_buckets = %d\n", 131072 + j >f
	printf "net.ipv4.tcp_sack = %d\n", 1 >f
	printf "net.ipv4.tcp_window_scaling = %d\n", 1 >f
	printf "net.ipv4.tcp_mtu_probing = %d\n", j % 2 >f
	printf "net.ipv4.tcp_max_syn_backlog = %d\n", 1024 + j % 4096 >f
	printf "net.ipv4.tcp_syncookies = %d\n", 1 >f
	printf "net.ipv4.tcp_slow_start_after_idle = %d\n", j % 2 >f
}'

# base_tree TREE: the four directories, sysctl.conf and its link, proc/sys.
base_tree() {
	local t=$1
	mkdir -p "$t/etc/sysctl.d" "$t/run/sysctl.d" "$t/usr/local/lib/sysctl.d" "$t/usr/lib/sysctl.d"
	awk "$ASSIGN_AWK"'
		BEGIN { f = ARGV[1]; ARGV[1] = ""; print "# sysctl.conf of the benchmark tree" >f; assign(0, f); close(f) }' \
		"$t/etc/sysctl.conf"
	ln -s ../sysctl.conf "$t/etc/sysctl.d/99-sysctl.conf"
	bench_proc "$t" 6.1.0
}

# make_tree TREE N [VALUES]: N drop-ins. 40% in /usr/lib/sysctl.d; 30% in
# /etc, of which 10% of /usr/lib's names (/etc masks them); 20% in
# /usr/local/lib, of which a tenth take /usr/lib names (masking them); 10% in
# /run, of which a tenth take /etc names (masked by /etc). Names are
# NN-bench-IIIIIII.conf with NN cycling over 10..89, so the directories
# interleave in the sorted order. TREE/../expected-files gets the number of
# distinct names systemd-sysctl reads. VALUES: a file of "key = value" lines
# that every drop-in (and sysctl.conf) holds instead of the varied values.
make_tree() {
	local t=$1 n=$2 values=${3:-}
	local fixed=""
	if [ -n "$values" ]; then
		fixed=$(cat "$values")
		[ -n "$fixed" ] || bench_die "make_tree: $values is empty"
	fi
	BENCH_TREE_VALUES=$fixed base_tree "$t"
	BENCH_TREE_VALUES=$fixed awk "$ASSIGN_AWK"'
		function name(i) { return sprintf("%02d-bench-%07d.conf", 10 + i % 80, i) }
		function put(dir, nm,    f) {
			f = dir "/" nm
			printf "# %s, benchmark drop-in %d\n", nm, files >f
			assign(files, f)
			close(f)
			files++
		}
		BEGIN {
			t = ARGV[1]; n = ARGV[2] + 0; ARGV[1] = ARGV[2] = ""
			nu = int(n * 4 / 10); ne = int(n * 3 / 10); nl = int(n * 2 / 10); nr = n - nu - ne - nl
			id = 0
			for (i = 0; i < nu; i++) { u[i] = name(id++); put(t "/usr/lib/sysctl.d", u[i]) }
			ce = int(nu / 10)
			for (i = 0; i < ne; i++) {
				e[i] = (i < ce) ? u[i * 10] : name(id++)
				put(t "/etc/sysctl.d", e[i])
			}
			cl = int(nl / 10)
			for (i = 0; i < nl; i++) put(t "/usr/local/lib/sysctl.d", (i < cl && i * 10 + 5 < nu) ? u[i * 10 + 5] : name(id++))
			cr = int(nr / 10)
			for (i = 0; i < nr; i++) put(t "/run/sysctl.d", (i < cr && ce + i * 3 < ne) ? e[ce + i * 3] : name(id++))
			# the distinct names systemd-sysctl reads (99-sysctl.conf too)
			print id + 1 > (t "/../expected-files")
		}' "$t" "$n"
}

# --- formats --------------------------------------------------------------------

# field RESULT FIELD: one field of a summary_of line, or its word (timeout,
# error).
field() {
	case $1 in
	timeout | error) echo "$1" ;;
	*) echo "$1" | awk -v f="$2" '{ print $f }' ;;
	esac
}

ratio() {
	case "$1$2" in
	*[!0-9.]*) echo - ;;
	*) awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.1f", a / b; else print "-" }' ;;
	esac
}

# ratio2: two decimals, for the ratios a target is read from
ratio2() {
	case "$1$2" in
	*[!0-9.]*) echo - ;;
	*) awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "-" }' ;;
	esac
}

secs() {
	case $1 in
	*[!0-9.]*) echo "$1" ;;
	*) awk -v s="$1" 'BEGIN { printf(s < 10 ? "%.4f" : "%.2f", s) }' ;;
	esac
}

msecs() {
	case $1 in
	*[!0-9.]*) echo "$1" ;;
	*) awk -v s="$1" 'BEGIN { ms = s * 1000; printf(ms < 10 ? "%.2f" : ms < 100 ? "%.1f" : "%.0f", ms) }' ;;
	esac
}

mib() {
	case $1 in
	*[!0-9]*) echo "$1" ;;
	*) awk -v k="$1" 'BEGIN { printf "%.1f", k / 1024 }' ;;
	esac
}
