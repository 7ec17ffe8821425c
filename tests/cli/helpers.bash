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

# fake_proc ROOT RELEASE [child]: tests/lib/fake-proc.sh
# shellcheck source=../lib/fake-proc.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib/fake-proc.sh"

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
