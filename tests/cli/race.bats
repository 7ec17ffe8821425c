#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
# --root must hold while the tree changes under fintune: a directory below
# the root exchanged, again and again, with a symlink to a tree outside it
# (the check-then-use race of a path resolved twice), a hard link to a file
# outside, a FIFO where a value should be, a root that does not exist.
# Nothing outside the root may be written, and no run may hang.
#
# Every file is made below $TMP; every run is bounded by timeout(1), the
# swapper by its own deadline and by teardown.

bats_require_minimum_version 1.5.0
load helpers

# the helper beside the binary under test (make test-cli sets it)
: "${SWAPPER:=$(dirname "$FINTUNE")/tests/swapper}"

# fintune runs, each at most this long: a run that takes longer hangs
RUN_LIMIT=10

setup() {
	setup_tmp
	SWAPPER_PID=
}

teardown() {
	if [ -n "${SWAPPER_PID:-}" ]; then
		kill "$SWAPPER_PID" 2>/dev/null || true
		wait "$SWAPPER_PID" 2>/dev/null || true
	fi
	teardown_tmp
}

# a --root tree as a system has it: fake 6.18 values, sysctl.d, /run, /var/lib
make_root() {
	fake_proc "$1" 6.18.0
	mkdir -p "$1/etc/sysctl.d" "$1/run" "$1/var/lib"
}

# Everything below a tree: names, sizes, mtimes, modes. Nothing excepted:
# outside the root even fintune's lock file must not appear.
listing() {
	find "$1" -printf '%p %s %T@ %m\n' | sort
}

# the fake live values of a tree, one line
values() {
	local f
	for f in "$1"/proc/sys/net/ipv4/*; do
		printf '%s=%s ' "${f##*/}" "$(tr '\t' ' ' <"$f")"
	done
}

# fintune bounded in time: exit 124 if it had to be stopped
bounded() {
	timeout -k 2 "$RUN_LIMIT" "$FINTUNE" "$@"
}

needs_swapper() {
	[ -x "$SWAPPER" ] || skip "SWAPPER ($SWAPPER) is not built: make B=... \$B/tests/swapper, or run through make test-cli"
	mkdir "$TMP/probe-a" "$TMP/probe-b"
	local s=0
	"$SWAPPER" "$TMP/probe-a" "$TMP/probe-b" 0 2>"$TMP/probe.err" || s=$?
	rmdir "$TMP/probe-a" "$TMP/probe-b"
	if [ "$s" -eq 77 ]; then
		skip "renameat2(RENAME_EXCHANGE) is not supported on the filesystem of $TMP: $(cat "$TMP/probe.err")"
	fi
	[ "$s" -eq 0 ]
}

# race X: R/X is exchanged with R/X.swap, a symlink to O/X (the same
# layout outside the root), while apply and rollback run 200 times in turn.
race() {
	local x=$1 R=$TMP/root O=$TMP/outside i s hung=0 crashed=0 ran=0 applied=0 escaped=0 seen now start
	needs_swapper
	make_root "$R"
	make_root "$O"
	# the outside tree holds an apply of its own, so a rollback that
	# strays there has something to undo and a write something to replace
	"$FINTUNE" apply --root "$O" outbound-client >/dev/null 2>&1
	[ -e "$O/etc/sysctl.d/60-fintune.conf" ]
	[ -e "$O/var/lib/fintune/state.json" ]
	# but no lock: a lock file made there is a write outside the root too
	rm -f "$O/run/fintune.lock"
	[ -d "$R/$x" ]
	[ -d "$O/$x" ]
	ln -s "$O/$x" "$R/$x.swap"
	before=$(listing "$O")
	before_values=$(values "$O")
	seen=$before

	"$SWAPPER" "$R/$x" "$R/$x.swap" 30 2>"$TMP/swapper.err" &
	SWAPPER_PID=$!
	start=$SECONDS
	for i in $(seq 1 100); do
		# bounded: the first hang or crash is enough, and the swapper
		# stops after 30 s
		[ "$hung" -eq 0 ] && [ "$crashed" -eq 0 ] && [ $((SECONDS - start)) -lt 25 ] || break
		for cmd in apply rollback; do
			s=0
			if [ "$cmd" = apply ]; then
				bounded apply --root "$R" reverse-proxy >/dev/null 2>&1 || s=$?
			else
				bounded rollback --root "$R" >/dev/null 2>&1 || s=$?
			fi
			ran=$((ran + 1))
			if [ "$s" -eq 124 ] || [ "$s" -eq 137 ]; then
				hung=$((hung + 1))
				echo "# $cmd run $i hung: stopped after ${RUN_LIMIT}s" >&3
			elif [ "$s" -gt 128 ]; then
				crashed=$((crashed + 1))
				echo "# $cmd run $i died of signal $((s - 128))" >&3
			elif [ "$cmd" = apply ] && [ "$s" -eq 0 ]; then
				applied=$((applied + 1))
			fi
			# how many runs wrote outside, for the message
			now=$(listing "$O")
			if [ "$now" != "$seen" ]; then
				escaped=$((escaped + 1))
				seen=$now
			fi
		done
	done
	s=0
	kill "$SWAPPER_PID" 2>/dev/null || true
	wait "$SWAPPER_PID" || s=$?
	SWAPPER_PID=
	echo "# $x: $escaped of $ran runs wrote outside the root, $hung hung, $crashed crashed ($applied applies exited 0; $(cat "$TMP/swapper.err"))" >&3
	# the swapper raced all along (it was not killed early, it did not fail)
	[ "$s" -eq 0 ] || { cat "$TMP/swapper.err"; false; }
	# and left the tree as it found it
	[ -d "$R/$x" ]
	[ ! -L "$R/$x" ]
	[ -L "$R/$x.swap" ]

	after=$(listing "$O")
	after_values=$(values "$O")
	if [ "$after" != "$before" ]; then
		echo "changed outside the root, below $O:"
		diff <(printf '%s\n' "$before") <(printf '%s\n' "$after") || true
	fi
	[ "$after_values" = "$before_values" ]
	[ "$after" = "$before" ]
	[ "$hung" -eq 0 ]
	[ "$crashed" -eq 0 ]
}

@test "race: etc exchanged with a symlink out of the root, nothing is written outside" {
	race etc
}

@test "race: var/lib exchanged with a symlink out of the root, nothing is written outside" {
	race var/lib
}

@test "race: proc exchanged with a symlink out of the root, no value outside is set" {
	race proc
}

@test "race: run exchanged with a symlink out of the root, no lock is made outside" {
	race run
}

@test "a live key hard-linked to a file outside the root is not written" {
	R=$TMP/root O=$TMP/outside
	make_root "$R"
	mkdir -p "$O"
	echo 2 >"$O/victim"
	rm "$R/proc/sys/net/ipv4/tcp_tw_reuse"
	ln "$O/victim" "$R/proc/sys/net/ipv4/tcp_tw_reuse"
	before=$(listing "$O")
	sleep 0.05
	run --separate-stderr bounded apply --root "$R" reverse-proxy
	# refusing is fine; a hang or a crash is not
	[ "$status" -eq 0 ] || [ "$status" -eq 1 ]
	[ "$(cat "$O/victim")" = 2 ]
	[ "$(listing "$O")" = "$before" ]
}

# a root whose tcp_fin_timeout is a FIFO: opened for reading or for
# writing without a peer it blocks for ever
fifo_root() {
	R=$TMP/root
	make_root "$R"
	rm "$R/proc/sys/net/ipv4/tcp_fin_timeout"
	mkfifo "$R/proc/sys/net/ipv4/tcp_fin_timeout"
}

@test "a FIFO as a live value: apply finishes, it does not hang" {
	fifo_root
	run --separate-stderr bounded apply --root "$R" reverse-proxy
	echo "apply: exit $status: $stderr"
	# 124: stopped by timeout; 128 and more: killed by a signal
	[ "$status" -ne 124 ]
	[ "$status" -lt 128 ]
}

@test "a FIFO as a live value: diff finishes, it does not hang" {
	fifo_root
	run --separate-stderr bounded diff --root "$R" reverse-proxy
	echo "diff: exit $status: $stderr"
	[ "$status" -ne 124 ]
	[ "$status" -lt 128 ]
}

@test "--root that does not exist: apply exits 1 and creates nothing" {
	run --separate-stderr bounded apply --root "$TMP/missing/root" reverse-proxy
	echo "exit $status: $stderr"
	[ "$status" -eq 1 ]
	[ ! -e "$TMP/missing" ]
	run --separate-stderr bounded rollback --root "$TMP/missing/root"
	echo "exit $status: $stderr"
	[ "$status" -eq 1 ]
	[ ! -e "$TMP/missing" ]
}
