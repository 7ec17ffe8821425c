#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
# apply and rollback when things go wrong: a full disk, a read-only
# directory, a key that refuses the write, kill -9 at random moments, and
# applies racing each other. The machine is never left half-changed.

bats_require_minimum_version 1.5.0
load helpers

setup() {
	setup_tmp
	R=$TMP/proc/sys/net/ipv4
}
teardown() { teardown_tmp; }

# a --root tree: fake 6.18 values and the directories a system has
make_root() {
	fake_proc "$1" 6.18.0
	mkdir -p "$1/etc/sysctl.d" "$1/run"
	: >"$1/run/fintune.lock"
}

# the live values, one line
values() {
	for k in tcp_fin_timeout tcp_orphan_retries tcp_max_orphans tcp_max_tw_buckets tcp_tw_reuse tcp_timestamps \
		tcp_tw_reuse_delay ip_local_port_range; do
		printf '%s=%s ' "$k" "$(tr '\t' ' ' <"$1/proc/sys/net/ipv4/$k")"
	done
}

needs_mounts() {
	if [ "$(id -u)" -ne 0 ] || ! unshare --mount true 2>/dev/null; then
		skip "needs root for a private mount namespace"
	fi
}

@test "a live key that refuses the write: everything changed is restored, exit 1" {
	make_root "$TMP"
	original=$(values "$TMP")
	# tcp_tw_reuse is written after tcp_orphan_retries and tcp_max_tw_buckets
	rm "$R/tcp_tw_reuse"
	mkdir "$R/tcp_tw_reuse"
	run --separate-stderr ft apply --root "$TMP" reverse-proxy
	[ "$status" -eq 1 ]
	[[ "$stderr" == *"fintune apply: net.ipv4.tcp_tw_reuse: cannot set 1: Is a directory; restoring what was changed"* ]]
	# the two written before it are back, the drop-in is gone again
	[ "$(cat "$R/tcp_orphan_retries")" = 0 ]
	[ "$(cat "$R/tcp_max_tw_buckets")" = 131072 ]
	[ ! -e "$TMP/etc/sysctl.d/60-fintune.conf" ]
	[ ! -e "$TMP/var/lib/fintune/state.json" ]
	[ -z "$(ls -A "$TMP/etc/sysctl.d")" ]
}

@test "a key that reads back otherwise counts as a failure too" {
	make_root "$TMP"
	# a FIFO-free way to make a value not stick: a file the write cannot change
	chattr +i "$R/tcp_max_tw_buckets" 2>/dev/null || skip "chattr +i is not supported here"
	run --separate-stderr ft apply --root "$TMP" reverse-proxy
	chattr -i "$R/tcp_max_tw_buckets"
	[ "$status" -eq 1 ]
	[[ "$stderr" == *"net.ipv4.tcp_max_tw_buckets: cannot set 540160: Operation not permitted"* ]]
	[ "$(cat "$R/tcp_orphan_retries")" = 0 ]
}

@test "a full disk: nothing is written, nothing is changed, exit 1" {
	needs_mounts
	mkdir "$TMP/root"
	run unshare --mount --propagation private bash -c '
		set -e
		. "$0"
		mount -t tmpfs -o size=512k fintune-test-full "$1"
		make_root() { fake_proc "$1" 6.18.0; mkdir -p "$1/etc/sysctl.d" "$1/run"; : >"$1/run/fintune.lock"; }
		make_root "$1"
		before=$(cd "$1" && find . -type f | sort | xargs md5sum)
		# fill it
		dd if=/dev/zero of="$1/fill" bs=4k 2>/dev/null || true
		set +e
		"$2" apply --root "$1" reverse-proxy; status=$?
		rm "$1/fill"
		after=$(cd "$1" && find . -type f | sort | xargs md5sum)
		echo "status=$status"
		[ "$before" = "$after" ] && echo "unchanged"
		ls -A "$1/etc/sysctl.d" | wc -l
	' "$BATS_TEST_DIRNAME/helpers.bash" "$TMP/root" "$FINTUNE"
	[[ "$output" == *"No space left on device"* ]]
	[[ "$output" == *"(nothing was changed)"* ]]
	[[ "$output" == *"status=1"* ]]
	[[ "$output" == *"unchanged"* ]]
	[ "${lines[-1]}" = 0 ]
}

@test "a read-only sysctl.d: nothing is changed, the state is put back, exit 1" {
	needs_mounts
	make_root "$TMP"
	original=$(values "$TMP")
	run unshare --mount --propagation private bash -c '
		mount --bind "$1/etc/sysctl.d" "$1/etc/sysctl.d"
		mount -o remount,bind,ro "$1/etc/sysctl.d"
		"$2" apply --root "$1" reverse-proxy
	' _ "$TMP" "$FINTUNE"
	[ "$status" -eq 1 ]
	[[ "$output" == *"cannot write /etc/sysctl.d/60-fintune.conf: Read-only file system (nothing was changed)"* ]]
	[ "$(values "$TMP")" = "$original" ]
	[ ! -e "$TMP/var/lib/fintune/state.json" ]
}

@test "kill -9 at random moments: the drop-in is old or new, never torn; the next run repairs" {
	make_root "$TMP/ref"
	ft apply --root "$TMP/ref" reverse-proxy >/dev/null 2>&1
	new=$TMP/ref/etc/sysctl.d/60-fintune.conf
	want=$(values "$TMP/ref")
	torn=0 killed_midway=0
	# strace slows every write, fsync and rename by 4 ms so that the kill
	# lands inside the apply (at a random moment of about 130 ms)
	slow=()
	if command -v strace >/dev/null; then
		slow=(strace -f -qq -o /dev/null -e trace=write,fsync,renameat,rename
			-e inject=write,fsync,renameat,rename:delay_exit=4000)
	fi
	for i in $(seq 1 60); do
		rm -rf "$TMP/r"
		make_root "$TMP/r"
		original=$(values "$TMP/r")
		"${slow[@]}" "$FINTUNE" apply --root "$TMP/r" reverse-proxy >/dev/null 2>&1 &
		pid=$!
		sleep "0.$(printf '%03d' $((RANDOM % 140)))"
		# the apply itself, not strace (which would let it run on)
		victim=$pid
		if [ ${#slow[@]} -gt 0 ]; then victim=$(pgrep -P "$pid" || echo "$pid"); fi
		kill -9 "$victim" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
		f=$TMP/r/etc/sysctl.d/60-fintune.conf
		# never a torn file, never a temporary file an applier would read
		if [ -e "$f" ] && ! cmp -s "$f" "$new"; then torn=$((torn + 1)); fi
		[ -z "$(ls -A "$TMP/r/etc/sysctl.d" | grep -v '^60-fintune.conf$' | grep '\.conf$' || true)" ]
		now=$(values "$TMP/r")
		[ "$now" != "$original" ] && [ "$now" != "$want" ] && killed_midway=$((killed_midway + 1))
		# every other iteration: rollback repairs to the original ...
		if [ $((i % 2)) -eq 0 ]; then
			ft rollback --root "$TMP/r" >/dev/null 2>&1
			[ "$(values "$TMP/r")" = "$original" ]
			[ ! -e "$f" ]
		else
			# ... or apply finishes the job, and then rollback still restores it
			ft apply --root "$TMP/r" reverse-proxy >/dev/null 2>&1
			[ "$(values "$TMP/r")" = "$want" ]
			cmp "$f" "$new"
			ft rollback --root "$TMP/r" >/dev/null 2>&1
			[ "$(values "$TMP/r")" = "$original" ]
		fi
	done
	[ "$torn" -eq 0 ]
	echo "# killed between live writes: $killed_midway of 60" >&3
}

@test "concurrent applies are serialised by the lock; the final state is consistent" {
	make_root "$TMP"
	pids=()
	for p in reverse-proxy outbound-client reverse-proxy outbound-client long-half-close reverse-proxy; do
		"$FINTUNE" apply --root "$TMP" "$p" >"$TMP/out.$p.$RANDOM" 2>&1 &
		pids+=($!)
	done
	for pid in "${pids[@]}"; do wait "$pid"; done
	# whichever ran last: its drop-in, its values, in sync, one state
	last=$(sed -n 's/^# Profile: //p' "$TMP/etc/sysctl.d/60-fintune.conf")
	run --separate-stderr ft diff --root "$TMP" "$last"
	[ "$status" -eq 0 ]
	run --separate-stderr ft status --root "$TMP"
	[ "$status" -eq 0 ]
	[[ "${lines[0]}" == "Profile   $last, applied"* ]]
	[ -z "$(ls -A "$TMP/etc/sysctl.d" | grep -v '^60-fintune.conf$' || true)" ]
	# rollback undoes the last one only, consistently
	run ft rollback --root "$TMP"
	[ "$status" -eq 0 ]
}
