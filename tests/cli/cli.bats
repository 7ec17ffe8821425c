#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
# The command line itself: dispatch, help, version, usage errors.

bats_require_minimum_version 1.5.0
load helpers

@test "--version prints the version" {
	run --separate-stderr ft --version
	[ "$status" -eq 0 ]
	[[ "$output" =~ ^fintune\ [0-9]+\.[0-9]+\.[0-9]+$ ]]
}

@test "--help lists the commands that work, and no others" {
	run --separate-stderr ft --help
	[ "$status" -eq 0 ]
	[[ "$output" == *"validate "* ]]
	[[ "$output" == *"profiles "* ]]
	[[ "$output" == *"help "* ]]
	# every command listed must dispatch
	for cmd in $(printf '%s\n' "$output" | sed -n 's/^  \([a-z]\+\)  .*/\1/p'); do
		run --separate-stderr ft help "$cmd"
		[ "$status" -eq 0 ]
	done
}

@test "no command: usage on stderr, exit 1" {
	run --separate-stderr ft
	[ "$status" -eq 1 ]
	[ -z "$output" ]
	[[ "$stderr" == Usage:* ]]
}

@test "an unknown command is one precise line on stderr, exit 1" {
	run --separate-stderr ft frobnicate
	[ "$status" -eq 1 ]
	[ -z "$output" ]
	[ "$stderr" = "fintune: unknown command 'frobnicate' (see 'fintune --help')" ]
}

@test "an unknown option is one precise line on stderr, exit 1" {
	run --separate-stderr ft validate --frob reverse-proxy
	[ "$status" -eq 1 ]
	[ "$stderr" = "fintune validate: unknown option --frob (see 'fintune help validate')" ]
	run --separate-stderr ft validate -x reverse-proxy
	[ "$status" -eq 1 ]
	[ "$stderr" = "fintune validate: unknown option -x (see 'fintune help validate')" ]
	run --separate-stderr ft --frob
	[ "$status" -eq 1 ]
	[ "$stderr" = "fintune: unknown option --frob before the command (see 'fintune --help')" ]
}

@test "an option without its value, or with a bad one, is refused" {
	run --separate-stderr ft validate reverse-proxy --root
	[ "$status" -eq 1 ]
	[ "$stderr" = "fintune validate: option --root needs a value (see 'fintune help validate')" ]
	run --separate-stderr ft validate --format yaml reverse-proxy
	[ "$status" -eq 1 ]
	[ "$stderr" = "fintune validate: --format yaml is not offered here (expected text or json) (see 'fintune help validate')" ]
}

@test "help COMMAND and COMMAND --help show the command's usage" {
	run --separate-stderr ft help validate
	[ "$status" -eq 0 ]
	[[ "${lines[0]}" == "Usage: fintune validate PROFILE... | --schema SCHEMA DOC..." ]]
	run --separate-stderr ft validate --help
	[ "$status" -eq 0 ]
	[[ "${lines[0]}" == "Usage: fintune validate"* ]]
	run --separate-stderr ft help nosuch
	[ "$status" -eq 1 ]
	[ "$stderr" = "fintune: unknown command 'nosuch' (see 'fintune --help')" ]
}

@test "the man page and the completion know exactly the commands of --help" {
	run --separate-stderr ft --help
	listed=$(printf '%s\n' "$output" | sed -n 's/^  \([a-z]\+\)  .*/\1/p' | sort | tr '\n' ' ')
	man=$(sed -n 's/^\.SS \([a-z]\+\)$/\1/p' "$TOP/src/man/fintune.8" | sort | tr '\n' ' ')
	completion=$(sed -n 's/^\tlocal commands="\(.*\)"$/\1/p' "$TOP/src/completion/fintune.bash-completion" |
		tr ' ' '\n' | sort | tr '\n' ' ')
	[ -n "$listed" ]
	[ "$man" = "$listed" ]
	[ "$completion" = "$listed" ]
}

@test "the man page and the completion know every option of each command's help" {
	for cmd in validate profiles; do
		run --separate-stderr ft help "$cmd"
		for opt in $(printf '%s\n' "$output" | grep -o -- '--[a-z]\+' | sort -u); do
			roff=$(printf '%s' "$opt" | sed 's/-/\\-/g')
			grep -qF -- "$roff" "$TOP/src/man/fintune.8"
			grep -q -- "$opt" "$TOP/src/completion/fintune.bash-completion"
		done
	done
}
