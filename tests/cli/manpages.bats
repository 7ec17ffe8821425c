#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
# The man pages: fintune(8) and fintune-profile(5), built by make from the
# scdoc sources in src/man into MANPAGE_DIR ($(B)/man). They must render
# without a warning, and say what the binary, src/findings.c and the schema
# say: every command and option of `fintune help`, every finding, every
# schema property with its default, and an example that validates.

bats_require_minimum_version 1.5.0
load helpers

: "${MANPAGE_DIR:=$TOP/build/man}"
PAGE8=$MANPAGE_DIR/fintune.8
PAGE5=$MANPAGE_DIR/fintune-profile.5
SCHEMA=$TOP/schema/profile.schema.json

setup() {
	[ -f "$PAGE8" ] && [ -f "$PAGE5" ] ||
		{ echo "no built man pages in $MANPAGE_DIR (make man, or make test-cli)"; false; }
}

teardown() { teardown_tmp; }

# The page as man shows it, in lines wide enough that no word is broken.
render() {
	MANWIDTH=1000 man -l "$1" 2>/dev/null | col -bx
}

# One section of a rendered page: from its heading to the next one.
section() {
	awk -v s="$1" '$0 == s { on = 1; next } on && /^[^ ]/ { exit } on'
}

# The first literal block of the EXAMPLE section of a rendered page,
# without its indentation.
example_block() {
	awk '/^EXAMPLE$/ { sec = 1; next }
		sec && /^[^ ]/ { exit }
		!sec { next }
		{ match($0, /^ */); ind = ($0 ~ /^ *$/) ? -1 : RLENGTH }
		!blk && ind > 7 { blk = 1; base = ind }
		blk && ind >= 0 && ind < base { exit }
		blk { print substr($0, base + 1) }'
}

# Is $2 in $1 as a whole token (not part of a longer option or word)?
has_token() {
	grep -qE -- "(^|[^A-Za-z0-9_-])$(sed 's/[.[\*^$]/\\&/g' <<<"$2")([^A-Za-z0-9_-]|$)" <<<"$1"
}

commands() {
	ft --help | sed -n 's/^  \([a-z]\+\)  .*/\1/p'
}

@test "manpages: the scdoc sources build, and the pages render with no warning from man or groff" {
	setup_tmp
	n=0
	for src in "$TOP"/src/man/*.scd; do
		name=$(basename "$src" .scd)
		# scdoc itself: no error, no diagnostic
		run --separate-stderr scdoc <"$src"
		[ "$status" -eq 0 ] || { echo "scdoc $src: $stderr"; false; }
		[ -z "$stderr" ] || { echo "scdoc $src: $stderr"; false; }
		# the page make built from it
		[ -s "$MANPAGE_DIR/$name" ] || { echo "$MANPAGE_DIR/$name was not built"; false; }
		grep -q '^\.TH "[a-z-]*" "[0-9]" ' "$MANPAGE_DIR/$name"
		! grep -q '@VERSION@' "$MANPAGE_DIR/$name"
		run --separate-stderr env MANWIDTH=80 man -l --warnings "$MANPAGE_DIR/$name"
		[ "$status" -eq 0 ]
		[ -z "$stderr" ] || { echo "man -l --warnings $name: $stderr"; false; }
		[ "${#lines[@]}" -gt 50 ]
		run groff -man -ww -z "$MANPAGE_DIR/$name"
		[ "$status" -eq 0 ]
		[ -z "$output" ] || { echo "groff -ww $name: $output"; false; }
		n=$((n + 1))
	done
	[ "$n" -eq 2 ]
	# the version is the binary's
	version=$(ft --version | sed 's/^fintune //')
	grep -qF "\"fintune $version\"" "$PAGE8"
	grep -qF "\"fintune $version\"" "$PAGE5"
}

@test "manpages: fintune(8) has a section for every command and names every option of its help" {
	page=$(render "$PAGE8")
	mapfile -t cmds < <(commands)
	[ "${#cmds[@]}" -ge 9 ]
	missing=""
	for cmd in "${cmds[@]}"; do
		grep -qx "^\.SS $cmd" "$PAGE8" || missing="$missing section:$cmd"
		printf '%s\n' "$page" | section SYNOPSIS | grep -q "fintune $cmd\b" || missing="$missing synopsis:$cmd"
		help=$(ft help "$cmd")
		for opt in $(grep -oE -- '--[a-z][a-z-]*' <<<"$help" | sort -u) \
			$(grep -oE -- '(^|[[:space:],])-[a-zA-Z]([[:space:],/]|$)' <<<"$help" | tr -d ' ,/\t' | sort -u); do
			has_token "$page" "$opt" || missing="$missing $cmd:$opt"
		done
	done
	# the options of `fintune --help` too, and --help and --version themselves
	for opt in $(ft --help | grep -oE -- '--[a-z][a-z-]*' | sort -u) --help -h --version -V; do
		has_token "$page" "$opt" || missing="$missing fintune:$opt"
	done
	[ -z "$missing" ] || { echo "fintune(8) lacks:$missing"; false; }
}

@test "manpages: the options of each command are in its own section or COMMON OPTIONS" {
	page=$(render "$PAGE8")
	common=$(printf '%s\n' "$page" | section "COMMON OPTIONS")
	missing=""
	for cmd in $(commands); do
		[ "$cmd" != help ] || continue
		own=$(printf '%s\n' "$page" | section COMMANDS | awk -v c="   $cmd" '$0 == c { on = 1; next } on && /^   [^ ]/ { exit } on')
		[ -n "$own" ] || { missing="$missing section:$cmd"; continue; }
		# only the option lines of the help: "  --opt ..." or "  -q, --quiet"
		for opt in $(ft help "$cmd" | grep -E '^  +-' | grep -oE -- '--[a-z][a-z-]*' | sort -u); do
			has_token "$own" "$opt" || has_token "$common" "$opt" || missing="$missing $cmd:$opt"
		done
	done
	[ -z "$missing" ] || { echo "not in the command's section nor in COMMON OPTIONS:$missing"; false; }
}

@test "manpages: FINDINGS in fintune(8) names exactly the finding identifiers of src/findings.c" {
	code=$(grep -oE '"FT-[A-Z0-9-]+"' "$TOP/src/findings.c" | tr -d '"' | sort -u)
	[ "$(wc -l <<<"$code")" -ge 9 ]
	# each one is an entry of its own (the term at the left margin of the list)
	man=$(render "$PAGE8" | section FINDINGS | sed -n 's/^       \(FT-[A-Z0-9-]*\)$/\1/p' | sort -u)
	[ "$man" = "$code" ] || { diff <(echo "$code") <(echo "$man"); false; }
}

@test "manpages: JSON ERRORS names every error code, ENVIRONMENT every variable fintune reads" {
	page=$(render "$PAGE8")
	codes=$(sed -n '/code_names\[\] = {/,/^};/p' "$TOP/src/report.c" | grep -oE '"[a-z-]+"' | tr -d '"')
	[ "$(wc -l <<<"$codes")" -ge 9 ]
	man=$(printf '%s\n' "$page" | section "JSON ERRORS" | sed -n 's/^       \([a-z-]*\)$/\1/p')
	[ "$(sort <<<"$man")" = "$(sort <<<"$codes")" ] || { diff <(sort <<<"$codes") <(sort <<<"$man"); false; }
	vars=$(grep -ohE '(secure_)?getenv\("[A-Za-z_0-9]+"\)' "$TOP"/src/*.c | grep -oE '"[^"]+"' | tr -d '"' | sort -u)
	[ -n "$vars" ]
	env=$(printf '%s\n' "$page" | section ENVIRONMENT | sed -n 's/^       \([A-Z_0-9]*\)$/\1/p')
	for v in $vars; do
		grep -qx "$v" <<<"$env" || { echo "ENVIRONMENT lacks $v"; false; }
	done
}

@test "manpages: fintune-profile(5) has an entry for every property and \$defs of the schema, with its default" {
	page=$(render "$PAGE5")
	# every name under any "properties" (recursively, so in $defs too), and
	# the names of $defs themselves
	names=$(jq -r '[.. | objects | (.properties // {}), (.["$defs"] // {}) | keys[]] | unique[]' "$SCHEMA")
	[ "$(wc -l <<<"$names")" -ge 30 ]
	missing=""
	for n in $names; do
		# an entry: the name as the term at the start of a line of the list
		grep -qE -- "^       $(sed 's/\./\\./g' <<<"$n")( |\$)" <<<"$page" || missing="$missing $n"
	done
	[ -z "$missing" ] || { echo "fintune-profile(5) has no entry for:$missing"; false; }
	# every default of the schema, on the entry of its property
	wrong=""
	while IFS=$'\t' read -r name def; do
		grep -E -- "^       $name \(" <<<"$page" | grep -qF -- "default $def)" || wrong="$wrong $name=$def"
	done < <(jq -r '.. | objects | .properties // empty | to_entries[] | select(.value.default != null) |
		"\(.key)\t\(.value.default)"' "$SCHEMA")
	[ -z "$wrong" ] || { echo "fintune-profile(5) lacks the default of:$wrong"; false; }
	# and fintune(8) points to it
	render "$PAGE8" | section "SEE ALSO" | grep -q 'fintune-profile(5)'
}

@test "manpages: the annotated example of fintune-profile(5) extends reverse-proxy and validates" {
	setup_tmp
	fake_proc "$TMP" 6.18.0
	mkdir -p "$TMP/etc/fintune/profiles"
	render "$PAGE5" | example_block >"$TMP/etc/fintune/profiles/site-web.yaml"
	cat "$TMP/etc/fintune/profiles/site-web.yaml"
	grep -qx 'name: site-web *\(#.*\)\{0,1\}' "$TMP/etc/fintune/profiles/site-web.yaml"
	grep -q '^extends: reverse-proxy\b' "$TMP/etc/fintune/profiles/site-web.yaml"
	# annotated: most lines say what they mean
	[ "$(grep -c '#' "$TMP/etc/fintune/profiles/site-web.yaml")" -ge 10 ]
	# a local profile, found by name where the page says local ones live
	run --separate-stderr ft validate --root "$TMP" site-web
	[ "$status" -eq 0 ] || { echo "$stderr"; false; }
	[ "$output" = "site-web: valid (extends <builtin>/reverse-proxy.yaml)" ]
	[ -z "$stderr" ]
	run --separate-stderr ft plan --root "$TMP" site-web
	[ "$status" -eq 0 ] || { echo "$stderr"; false; }
	# and as a file, as the schema sees it
	run --separate-stderr ft validate --schema "$SCHEMA" "$TMP/etc/fintune/profiles/site-web.yaml"
	[ "$status" -eq 0 ] || { echo "$stderr"; false; }
}
