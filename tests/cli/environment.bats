#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
# The environment fintune ignores: a process started with gained privileges
# (setuid, file capabilities: the kernel's AT_SECURE) reads no variable of
# its caller, because every one is read with secure_getenv.

bats_require_minimum_version 1.5.0
load helpers

setup() { setup_tmp; }
teardown() { teardown_tmp; }

@test "environment: every variable fintune reads is read with secure_getenv" {
	run grep -nE '(^|[^_a-z])getenv\(' "$TOP"/src/*.c
	[ "$status" -eq 1 ] || { echo "plain getenv: $output"; false; }
	# and there are some, so the grep above looked at the right files
	grep -q 'secure_getenv("FINTUNE_NO_OPENAT2")' "$TOP/src/host.c"
}

@test "environment: with gained privileges FINTUNE_NO_OPENAT2 is ignored; without them it is honoured" {
	if [ "$(id -u)" -ne 0 ]; then skip "needs root to give a copy of fintune a file capability"; fi
	for t in setcap setpriv strace; do
		command -v "$t" >/dev/null || skip "needs $t"
	done
	if [ -n "${FINTUNE_SANITIZED:-}" ]; then
		skip "LeakSanitizer cannot run under strace (ptrace); the plain build runs this test"
	fi
	# a wrapper (check-valgrind's) is a script: file capabilities on it give nothing
	[ "$(head -c 4 "$FINTUNE" | od -An -c | tr -d ' ')" = 177ELF ] || skip "FINTUNE is not the binary itself"
	chmod 0755 "$TMP"
	cp "$FINTUNE" "$TMP/plain"
	cp "$FINTUNE" "$TMP/privileged"
	setcap cap_net_raw+ep "$TMP/privileged" 2>/dev/null || skip "this file system keeps no file capabilities"
	mkdir -p "$TMP/r/etc/sysctl.d"
	fake_proc "$TMP/r" 6.18.0
	# the same run as uid 65534, once from each copy; FINTUNE_NO_OPENAT2
	# makes fintune walk paths without openat2
	for b in plain privileged; do
		FINTUNE_NO_OPENAT2=1 strace -f -qq -e trace=openat2 -o "$TMP/$b.trace" \
			setpriv --reuid=65534 --regid=65534 --clear-groups "$TMP/$b" diff --root "$TMP/r" reverse-proxy \
			>"$TMP/$b.out" 2>&1 || [ $? -eq 2 ] || { cat "$TMP/$b.out"; false; }
	done
	# the caller's variable is honoured by the plain copy...
	[ "$(grep -c 'openat2(' "$TMP/plain.trace")" -eq 0 ]
	# ...and ignored by the privileged one, which uses openat2 as usual
	[ "$(grep -c 'openat2(' "$TMP/privileged.trace")" -gt 0 ]
	# both say the same
	diff "$TMP/plain.out" "$TMP/privileged.out"
}
