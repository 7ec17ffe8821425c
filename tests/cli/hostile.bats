#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
# Hostile input: each ends at once, in modest memory, with exit 1 and an
# error that says where and what. Outside the sanitizer build the run is
# held to 1 second and 64 MiB of address space, so a regression fails here.
# Under valgrind (make check-valgrind, FINTUNE_VALGRIND) neither holds:
# valgrind needs far more address space than fintune, and a run is some 30
# times slower; there the time limit only catches a hang.

bats_require_minimum_version 1.5.0
load helpers

setup() { setup_tmp; }
teardown() { teardown_tmp; }

# limit SECONDS: a time limit, or 600 under valgrind, where it only catches a hang
limit() {
	if [ -n "${FINTUNE_VALGRIND:-}" ]; then echo 600; else echo "$1"; fi
}

# Runs fintune validate on FILE against the profile schema (any schema would
# do: these fail in the loader) within the limits.
bounded() {
	if [ -n "${FINTUNE_SANITIZED:-}" ] || [ -n "${FINTUNE_VALGRIND:-}" ]; then
		run --separate-stderr timeout "$(limit 20)" "$FINTUNE" validate --schema "$TOP/schema/profile.schema.json" "$@"
	else
		run --separate-stderr bash -c 'ulimit -v 65536; exec timeout 1 "$0" "$@"' \
			"$FINTUNE" validate --schema "$TOP/schema/profile.schema.json" "$@"
	fi
}

@test "an alias bomb (billion laughs)" {
	{
		echo 'l0: &l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]'
		for i in 1 2 3 4 5 6 7 8 9; do
			p=$((i - 1))
			echo "l$i: &l$i [*l$p, *l$p, *l$p, *l$p, *l$p, *l$p, *l$p, *l$p, *l$p]"
		done
	} >"$TMP/bomb.yaml"
	bounded "$TMP/bomb.yaml"
	[ "$status" -eq 1 ]
	[[ "$stderr" =~ ^$TMP/bomb.yaml:[0-9]+:[0-9]+:\ document\ has\ more\ than\ 1000000\ values,\ counting\ each\ alias\ in\ full ]]
}

@test "100,000-deep nesting, flow and block" {
	{ head -c 100000 /dev/zero | tr '\0' '['; head -c 100000 /dev/zero | tr '\0' ']'; } >"$TMP/deep.json"
	bounded "$TMP/deep.json"
	[ "$status" -eq 1 ]
	[ "$stderr" = "$TMP/deep.json:1:129: nesting is deeper than 128 levels (expected a flatter document)" ]
	head -c 200000 /dev/zero | tr '\0' '-' | sed 's/-/- /g' >"$TMP/deep.yaml"
	bounded "$TMP/deep.yaml"
	[ "$status" -eq 1 ]
	[ "$stderr" = "$TMP/deep.yaml:1:257: nesting is deeper than 128 levels (expected a flatter document)" ]
}

@test "a 50 MB file" {
	head -c 50000000 /dev/zero | tr '\0' 'a' >"$TMP/big.yaml"
	bounded "$TMP/big.yaml"
	[ "$status" -eq 1 ]
	[ "$stderr" = "$TMP/big.yaml: file is larger than the 4194304 byte limit (expected a configuration document)" ]
}

@test "50 MB on a pipe" {
	bounded - < <(head -c 50000000 /dev/zero | tr '\0' 'a')
	[ "$status" -eq 1 ]
	[ "$stderr" = "<stdin>: file is larger than the 4194304 byte limit (expected a configuration document)" ]
}

@test "/dev/zero" {
	bounded /dev/zero
	[ "$status" -eq 1 ]
	[ "$stderr" = "/dev/zero: is not a regular file" ]
}

@test "a directory" {
	bounded "$TMP"
	[ "$status" -eq 1 ]
	[ "$stderr" = "$TMP: is a directory, expected a file" ]
}

@test "a FIFO does not hang" {
	mkfifo "$TMP/fifo"
	bounded "$TMP/fifo"
	[ "$status" -eq 1 ]
	[ "$stderr" = "$TMP/fifo: is not a regular file" ]
}

@test "binary garbage" {
	printf '\x7fELF\x02\x01\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x02\x00\x3e\x00' >"$TMP/garbage.bin"
	bounded "$TMP/garbage.bin"
	[ "$status" -eq 1 ]
	[ "$stderr" = "$TMP/garbage.bin:1:1: control characters are not allowed (byte 0x7f; expected printable UTF-8 text)" ]
	head -c 65536 /dev/urandom >"$TMP/random.bin"
	bounded "$TMP/random.bin"
	[ "$status" -eq 1 ]
	[[ "$stderr" =~ ^$TMP/random.bin:[0-9]+:[0-9]+:\  ]]
}

@test "invalid UTF-8 inside a profile" {
	printf 'fintune: 1\nname: "caf\xe9"\n' >"$TMP/latin1.yaml"
	bounded "$TMP/latin1.yaml"
	[ "$status" -eq 1 ]
	[ "$stderr" = "$TMP/latin1.yaml:2:12: invalid trailing UTF-8 octet (byte 0x22; expected printable UTF-8 text)" ]
}

@test "more than one document" {
	printf 'fintune: 1\nname: a\n---\nfintune: 1\nname: b\n' >"$TMP/two.yaml"
	bounded "$TMP/two.yaml"
	[ "$status" -eq 1 ]
	[ "$stderr" = "$TMP/two.yaml:3:1: a second document starts here (expected exactly one document per file)" ]
}

@test "integer overflow" {
	printf 'fintune: 1\nname: a\nworkload:\n  memory_budget_mib: 99999999999999999999\n' >"$TMP/ovf.yaml"
	bounded "$TMP/ovf.yaml"
	[ "$status" -eq 1 ]
	[ "${stderr_lines[0]}" = "$TMP/ovf.yaml:4:22: /workload/memory_budget_mib: integer 99999999999999999999 is out of range (expected -9223372036854775808..9223372036854775807)" ]
}

@test "duplicate keys" {
	printf 'fintune: 1\nname: a\nname: b\n' >"$TMP/dup.yaml"
	bounded "$TMP/dup.yaml"
	[ "$status" -eq 1 ]
	[ "$stderr" = "$TMP/dup.yaml:3:1: /name: duplicate key \"name\" (first defined at line 2, column 1; expected each key once)" ]
}

@test "an empty file and a file of comments" {
	: >"$TMP/empty.yaml"
	bounded "$TMP/empty.yaml"
	[ "$status" -eq 1 ]
	[ "$stderr" = "$TMP/empty.yaml:1:1: no document in the file (expected a YAML or JSON document)" ]
	printf '# fintune: 1\n\n   # name: x\n' >"$TMP/comments.yaml"
	bounded "$TMP/comments.yaml"
	[ "$status" -eq 1 ]
	[ "$stderr" = "$TMP/comments.yaml:1:1: no document in the file (expected a YAML or JSON document)" ]
}

@test "large inputs stay linear: 100,000 keys, unique items, refs and patterns" {
	awk 'BEGIN { for (i = 0; i < 100000; i++) printf "k%d: %d\n", i, i; print "k5: again" }' >"$TMP/keys.yaml"
	printf '{}' >"$TMP/any.json"
	TL=$(limit 2)
	export TL
	run --separate-stderr bash -c '[ -n "$FINTUNE_SANITIZED$FINTUNE_VALGRIND" ] || ulimit -v 131072; exec timeout "$TL" "$0" "$@"' \
		"$FINTUNE" validate --schema "$TMP/any.json" "$TMP/keys.yaml"
	[ "$status" -eq 1 ]
	[ "$stderr" = "$TMP/keys.yaml:100001:1: /k5: duplicate key \"k5\" (first defined at line 6, column 1; expected each key once)" ]
	printf '{"uniqueItems": true}' >"$TMP/unique.json"
	awk 'BEGIN { printf "["; for (i = 0; i < 200000; i++) printf "%d,", i; print "17]" }' >"$TMP/items.json"
	run --separate-stderr bash -c '[ -n "$FINTUNE_SANITIZED$FINTUNE_VALGRIND" ] || ulimit -v 131072; exec timeout "$TL" "$0" "$@"' \
		"$FINTUNE" validate --schema "$TMP/unique.json" "$TMP/items.json"
	[ "$status" -eq 1 ]
	[ "$stderr" = "$TMP/items.json:1:1288892: /200000: item 200000 repeats item 17 (expected unique items)" ]
	awk 'BEGIN { printf "{\"$defs\":{\"a\":{\"type\":\"integer\"}},\"allOf\":["; for (i = 0; i < 100000; i++) printf "{\"$ref\":\"#/$defs/a\",\"pattern\":\"^x%d$\"},", i; print "true]}" }' >"$TMP/refs.json"
	printf '5\n' >"$TMP/five.json"
	run --separate-stderr timeout "$(limit 5)" "$FINTUNE" validate --schema "$TMP/refs.json" "$TMP/five.json"
	[ "$status" -eq 0 ]
}

@test "a hostile profile given as a profile, not --schema" {
	{ printf 'fintune: 1\nname: x\nworkload: '; head -c 100000 /dev/zero | tr '\0' '['; } >"$TMP/deep.yaml"
	run --separate-stderr timeout "$(limit 20)" "$FINTUNE" validate "$TMP/deep.yaml"
	[ "$status" -eq 1 ]
	[ "$stderr" = "$TMP/deep.yaml:3:138: nesting is deeper than 128 levels (expected a flatter document)" ]
}
