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

# zcomplete WORDS...: what the zsh completion offers after WORDS (the last
# may be partial): _fintune run with the completion system's builders
# stubbed to print what they were given (_describe: the names of its
# arrays; _arguments: its specs, with the state actions run)
zcomplete() {
	zsh -f -c '
		fpath=("$1" $fpath)
		autoload -Uz _fintune
		_describe() {
			local a
			shift 3
			for a in "$@"; do [[ $a == -- ]] || print -rl -- ${(P)a}; done
		}
		_arguments() {
			local s
			for s in "$@"; do
				case $s in
				-s) ;;
				*:\{*\}) eval "${${s#*:\{}%\}}" ;;
				*:_fintune_*) eval "${s##*:}" ;;
				*) print -r -- "${${s%%\[*}#\(*\)}" ;;
				esac
			done
		}
		_files() { :; }
		shift
		words=("$@")
		CURRENT=$#words
		_fintune | sed "s/:.*//" | sort -u' \
		_ "$TOP/src/completion" "$@" 2>&1
}

@test "zsh: the completion registers itself with compinit" {
	command -v zsh >/dev/null || skip "zsh is not installed"
	d=$(mktemp -d)
	run zsh -f -c 'fpath=("$1" $fpath); autoload -Uz compinit; compinit -u -d "$2/zcompdump"; print -r -- $_comps[fintune]' _ "$TOP/src/completion" "$d"
	rm -rf "$d"
	[ "$output" = _fintune ]
	run zsh -n "$TOP/src/completion/_fintune"
	[ "$status" -eq 0 ]
}

@test "zsh: commands, options, profiles, and explain's keys with their short names" {
	command -v zsh >/dev/null || skip "zsh is not installed"
	run zcomplete fintune ""
	for c in validate plan diff apply rollback status explain profiles help; do
		grep -qx "$c" <<<"$output" || { echo "no command $c in: $output"; false; }
	done
	run zcomplete fintune plan ""
	grep -qx reverse-proxy <<<"$output"
	grep -qx outbound-client <<<"$output"
	grep -qx -- --output <<<"$output"
	run zcomplete fintune apply re
	grep -qx -- --check <<<"$output"
	grep -qx -- --plan <<<"$output"
	run zcomplete fintune status ""
	grep -qx -- --interval <<<"$output"
	grep -qx -- --suggest <<<"$output"
	run zcomplete fintune explain tw
	grep -qx net.ipv4.tcp_tw_reuse <<<"$output"
	grep -qx tw_reuse <<<"$output"
	grep -qx tcp_tw_reuse <<<"$output"
	grep -qx ip_local_port_range <<<"$output"
	grep -qx TIME_WAIT <<<"$output"
	grep -qx half-close <<<"$output"
}

@test "bash: explain offers the short names of the keys too" {
	run complete_words fintune explain tw_re
	[ "$(printf '%s\n' "$output" | tr '\n' ' ')" = "tw_recycle tw_reuse tw_reuse_delay " ]
	run complete_words fintune explain ip_loc
	[ "$output" = ip_local_port_range ]
}

@test "bash and zsh offer the same options for each command as its help names" {
	command -v zsh >/dev/null || skip "zsh is not installed"
	for cmd in validate plan diff apply rollback status explain profiles; do
		want=$("$FINTUNE" help "$cmd" | grep -oE '^ +(-[a-z], )?--[a-z][a-z-]+' | grep -oE -- '--[a-z-]+' | sort -u)
		zsh_has=$(zcomplete fintune "$cmd" "" | grep -- '^--' | sort -u)
		bash_has=$(complete_words fintune "$cmd" -- | sort -u)
		for o in $want; do
			grep -qx -- "$o" <<<"$zsh_has" || { echo "zsh: $cmd lacks $o"; false; }
			grep -qx -- "$o" <<<"$bash_has" || { echo "bash: $cmd lacks $o"; false; }
		done
	done
}
