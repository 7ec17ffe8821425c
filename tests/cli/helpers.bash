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
	[ -n "${TMP:-}" ] && rm -rf "$TMP"
}

# Every file below a directory with its size and mtime, to prove nothing was written.
snapshot() {
	find "$1" -printf '%p %s %T@\n' | sort
}
