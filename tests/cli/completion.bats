#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
# The bash completion, run in a real bash with bash-completion loaded.

bats_require_minimum_version 1.5.0
load helpers

# complete WORDS...: what <TAB> offers after the words (the last may be partial)
complete_words() {
	bash -c '
		source /usr/share/bash-completion/bash_completion
		source "$0"
		COMP_WORDS=("$@")
		COMP_CWORD=$(( ${#COMP_WORDS[@]} - 1 ))
		COMP_LINE="${COMP_WORDS[*]}"
		COMP_POINT=${#COMP_LINE}
		_fintune
		printf "%s\n" "${COMPREPLY[@]}" | sort' \
		"$TOP/src/completion/fintune.bash-completion" "$@" 2>/dev/null
}

setup() {
	[ -r /usr/share/bash-completion/bash_completion ] || skip "bash-completion is not installed"
	# the completion runs fintune itself for profile and topic names
	PATH="$(dirname "$FINTUNE"):$PATH"
	export PATH
}

@test "commands" {
	run complete_words fintune ""
	[ "$(printf '%s\n' "$output" | tr '\n' ' ')" = "--help --version apply diff explain help plan profiles rollback status validate " ]
}

@test "profile names for validate and plan" {
	run complete_words fintune plan rev
	[ "$output" = reverse-proxy ]
	run complete_words fintune validate out
	[ "$output" = outbound-client ]
}

@test "formats per command" {
	run complete_words fintune plan reverse-proxy --format ""
	[ "$(printf '%s\n' "$output" | tr '\n' ' ')" = "dot json text " ]
	run complete_words fintune validate --format ""
	[ "$(printf '%s\n' "$output" | tr '\n' ' ')" = "json text " ]
}

@test "explain offers keys, states and topics" {
	run complete_words fintune explain TIME
	[ "$output" = TIME_WAIT ]
	run complete_words fintune explain net.ipv4.tcp_tw_re
	[ "$(printf '%s\n' "$output" | tr '\n' ' ')" = "net.ipv4.tcp_tw_recycle net.ipv4.tcp_tw_reuse net.ipv4.tcp_tw_reuse_delay " ]
}

@test "apply's options" {
	run complete_words fintune apply reverse-proxy --
	[[ "$output" == *"--check"* ]]
	[[ "$output" == *"--plan"* ]]
	[[ "$output" == *"--no-live"* ]]
	[[ "$output" == *"--reload"* ]]
}

@test "status's options and formats" {
	run complete_words fintune status --
	[[ "$output" == *"--interval"* ]]
	[[ "$output" == *"--suggest"* ]]
	run complete_words fintune status --format ""
	[ "$(printf '%s\n' "$output" | tr '\n' ' ')" = "json prometheus text " ]
}
