#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
# The command line itself: dispatch, help, version, usage errors.

bats_require_minimum_version 1.5.0
load helpers

# the man page as make builds it from src/man/fintune.8.scd
: "${MANPAGE_DIR:=$TOP/build/man}"
MANPAGE=$MANPAGE_DIR/fintune.8

teardown() { teardown_tmp; }

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
	man=$(sed -n 's/^\.SS \([a-z]\+\)$/\1/p' "$MANPAGE" | sort | tr '\n' ' ')
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
			grep -qF -- "$opt" "$MANPAGE"
			grep -q -- "$opt" "$TOP/src/completion/fintune.bash-completion"
		done
	done
}

@test "the man page and the README name the columns plan and diff print" {
	setup_tmp
	fake_proc "$TMP" 6.18.0
	plan=$(ft plan --root "$TMP" reverse-proxy | grep '^KEY ')
	diff=$(ft diff --root "$TMP" reverse-proxy | grep '^KEY ' || true)
	# the README's example tables have the real headers
	grep -qxF -- "$plan" "$TOP/README.md" || { echo "README lacks: $plan"; false; }
	grep -qxF -- "$diff" "$TOP/README.md" || { echo "README lacks: $diff"; false; }
	# the man page's plan section names exactly plan's columns, in order
	cols=$(sed 's/   */\n/g' <<<"$plan" | sed 's/ *$//' | tr '\n' '|')
	man=$(sed -n '/^\.SS plan$/,/^\.SS /p' "$MANPAGE" | sed -n '/prints a table of/,/then the kernel facts/p' |
		sed -n 's/^\\fB\([A-Z][A-Z ]*\)\\fR.*/\1/p' | tr '\n' '|')
	[ "$man" = "$cols" ] || { echo "man: $man"; echo "plan: $cols"; false; }
	# and the diff section each of diff's
	while read -r col; do
		[ -n "$col" ] && [ "$col" != KEY ] || continue
		sed -n '/^\.SS diff$/,/^\.SS /p' "$MANPAGE" | grep -qF "\\fB$col\\fR" || { echo "man diff lacks $col"; false; }
	done < <(sed 's/   */\n/g' <<<"$diff" | sed 's/ *$//')
}

@test "-q means one thing everywhere: nothing on stdout in text, the exit status as the answer" {
	setup_tmp
	fake_proc "$TMP" 6.18.0
	mkdir -p "$TMP/etc/sysctl.d" "$TMP/run"
	for args in "validate reverse-proxy" "plan reverse-proxy" "profiles" "explain tcp_fin_timeout"; do
		# shellcheck disable=SC2086
		run --separate-stderr ft $args --root "$TMP" -q
		[ "$status" -eq 0 ] || { echo "$args: $status"; false; }
		[ -z "$output" ] || { echo "$args -q printed: $output"; false; }
	done
	run --separate-stderr ft diff --root "$TMP" -q reverse-proxy
	[ "$status" -eq 2 ]
	[ -z "$output" ]
	run --separate-stderr ft apply --check --root "$TMP" -q reverse-proxy
	[ "$status" -eq 2 ]
	[ -z "$output" ]
	run --separate-stderr ft apply --root "$TMP" -q reverse-proxy
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	echo 3 >"$TMP/proc/sys/net/ipv4/tcp_orphan_retries"
	run --separate-stderr ft status --root "$TMP" -q
	[ "$status" -eq 2 ]
	[ -z "$output" ]
	run --separate-stderr ft rollback --root "$TMP" -q
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	# errors still reach stderr, and JSON, asked for, is still printed
	run --separate-stderr ft plan --root "$TMP" -q nosuchprofile
	[ "$status" -eq 1 ]
	[[ "$stderr" == *"no profile named \"nosuchprofile\""* ]]
	run --separate-stderr ft plan --root "$TMP" -q --format json reverse-proxy
	[ "$(jq -r .profile <<<"$output")" = reverse-proxy ]
}

@test "--root must name an existing directory, for every command; --reload is not for --root" {
	setup_tmp
	for cmd in "validate reverse-proxy" "plan reverse-proxy" "diff reverse-proxy" "apply reverse-proxy" \
		"apply --check reverse-proxy" rollback status profiles "explain tcp_fin_timeout"; do
		# shellcheck disable=SC2086
		run --separate-stderr ft $cmd --root "$TMP/missing/root"
		[ "$status" -eq 1 ] || { echo "$cmd: $status"; false; }
		[[ "$stderr" == *"--root $TMP/missing/root: No such file or directory"* ]] || { echo "$cmd: $stderr"; false; }
	done
	[ ! -e "$TMP/missing" ]
	: >"$TMP/file"
	run --separate-stderr ft diff --root "$TMP/file" reverse-proxy
	[ "$status" -eq 1 ]
	[[ "$stderr" == *"not a directory"* ]]
	mkdir -p "$TMP/img"
	run --separate-stderr ft apply --root "$TMP/img" --reload reverse-proxy
	[ "$status" -eq 1 ]
	[[ "$stderr" == *"--reload restarts the host's systemd-sysctl.service: not with --root"* ]]
	[ -z "$(ls -A "$TMP/img")" ]
}
