#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
# fintune diff: the dry run against --root trees. It never writes.

bats_require_minimum_version 1.5.0
load helpers

setup() {
	setup_tmp
	fake_proc "$TMP" 6.18.0
	mkdir -p "$TMP/etc/sysctl.d" "$TMP/usr/lib/sysctl.d"
}
teardown() { teardown_tmp; }

# sets the fake kernel's values to what a plan proposes, and puts its
# drop-in in place: the state after an apply
converge() {
	local json key value
	json=$(ft diff --root "$TMP" --format json "$@" || true)
	jq -j .drop_in.new <<<"$json" >"$TMP/etc/sysctl.d/60-fintune.conf"
	while read -r key value; do
		[ "$value" = null ] && continue
		printf '%s\n' "$value" >"$TMP/proc/sys/${key//.//}"
	done < <(jq -r '.settings[] | "\(.key) \(.proposed)"' <<<"$json")
}

@test "a first run shows the whole new drop-in and exits 2" {
	run --separate-stderr ft diff --root "$TMP" reverse-proxy
	[ "$status" -eq 2 ]
	[ "${lines[0]}" = "--- /dev/null" ]
	[ "${lines[1]}" = "+++ /etc/sysctl.d/60-fintune.conf (fintune)" ]
	[[ "${lines[2]}" == "@@ -0,0 +1,"*" @@" ]]
	[ "${lines[3]}" = "+# Written by fintune. Do not edit: fintune replaces this file." ]
	[[ "$output" == *"+net.ipv4.tcp_max_tw_buckets = 434176"* ]]
	[[ "$output" == *"Changes pending: \`fintune apply\` would make them (exit status 2)."* ]]
}

@test "in sync: the drop-in in place and the live values applied exit 0" {
	converge reverse-proxy
	run --separate-stderr ft diff --root "$TMP" reverse-proxy
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "/etc/sysctl.d/60-fintune.conf is up to date." ]
	[[ "$output" == *"In sync: nothing would change."* ]]
	run --separate-stderr ft diff --root "$TMP" --format json reverse-proxy
	[ "$status" -eq 0 ]
	[ "$(jq -r .pending <<<"$output")" = false ]
	[ "$(jq -r '[.settings[] | select(.change)] | length' <<<"$output")" = 0 ]
}

@test "a changed profile shows a small diff of the drop-in" {
	converge reverse-proxy
	printf 'fintune: 1\nname: reverse-proxy\nextends: reverse-proxy\npin:\n  net.ipv4.tcp_fin_timeout: 30\n' \
		>"$TMP/rp.yaml"
	mkdir -p "$TMP/etc/fintune/profiles"
	mv "$TMP/rp.yaml" "$TMP/etc/fintune/profiles/reverse-proxy.yaml"
	run --separate-stderr ft diff --root "$TMP" reverse-proxy
	[ "$status" -eq 2 ]
	[ "${lines[0]}" = "--- /etc/sysctl.d/60-fintune.conf" ]
	[[ "$output" == *"-net.ipv4.tcp_fin_timeout = 60"* ]]
	[[ "$output" == *"+net.ipv4.tcp_fin_timeout = 30"* ]]
	[[ "$output" != *"-net.ipv4.tcp_max_tw_buckets"* ]]
}

@test "diff writes nothing" {
	printf 'net.ipv4.tcp_fin_timeout = 30\n' >"$TMP/etc/sysctl.conf"
	ln -s ../sysctl.conf "$TMP/etc/sysctl.d/99-sysctl.conf"
	before=$(snapshot "$TMP")
	run ft diff --root "$TMP" reverse-proxy
	[ "$status" -eq 2 ]
	run ft diff --root "$TMP" --format json outbound-client
	[ "$(snapshot "$TMP")" = "$before" ]
}

@test "the table: running, configured and its source, proposed, effective" {
	printf 'net.ipv4.tcp_fin_timeout = 45\n' >"$TMP/usr/lib/sysctl.d/50-vendor.conf"
	run --separate-stderr ft diff --root "$TMP" reverse-proxy
	[ "$status" -eq 2 ]
	line=$(printf '%s\n' "$output" | grep '^net.ipv4.tcp_fin_timeout ')
	[[ "$line" =~ ^net.ipv4.tcp_fin_timeout\ +60\ +45\ +60\ +60\ +/usr/lib/sysctl.d/50-vendor.conf:1$ ]]
}

@test "a later file shadows fintune's drop-in: a warning with file:line and the remedy" {
	printf '# old tuning\nnet.ipv4.tcp_fin_timeout = 30\n' >"$TMP/etc/sysctl.conf"
	ln -s ../sysctl.conf "$TMP/etc/sysctl.d/99-sysctl.conf"
	run --separate-stderr ft diff --root "$TMP" reverse-proxy
	[ "$status" -eq 2 ]
	[[ "$(flat)" == *"net.ipv4.tcp_fin_timeout: fintune's drop-in sets 60, but /etc/sysctl.d/99-sysctl.conf:2 (-> /etc/sysctl.conf) sets \"30\" after it, so 30 will be in force after boot: remove that line (fintune never edits files it does not own)"* ]]
	run --separate-stderr ft diff --root "$TMP" --format json reverse-proxy
	[ "$(jq -r '.settings[] | select(.key == "net.ipv4.tcp_fin_timeout") | "\(.effective) \(.source) \(.shadowed_by)"' <<<"$output")" = \
		"30 /etc/sysctl.d/99-sysctl.conf:2 /etc/sysctl.d/99-sysctl.conf:2" ]
	[ "$(jq -r '.settings[] | select(.key == "net.ipv4.tcp_tw_reuse") | "\(.effective) \(.source) \(.shadowed_by)"' <<<"$output")" = \
		"1 /etc/sysctl.d/60-fintune.conf:29 null" ]
	# a name that sorts after the shadowing file is the other remedy
	printf 'net.ipv4.tcp_fin_timeout = 30\n' >"$TMP/etc/sysctl.d/70-site.conf"
	run --separate-stderr ft diff --root "$TMP" reverse-proxy
	[[ "$(flat)" == *"/etc/sysctl.d/70-site.conf:1 sets \"30\" after it"*"or give the drop-in a name that sorts after it (--drop-in)"* ]]
}

@test "an earlier file setting the same value shadows nothing" {
	printf 'net.ipv4.tcp_fin_timeout = 60\nnet.ipv4.tcp_orphan_retries = 4\n' >"$TMP/usr/lib/sysctl.d/10-early.conf"
	run --separate-stderr ft diff --root "$TMP" --format json reverse-proxy
	[ "$status" -eq 2 ]
	[ "$(jq -r '[.settings[] | select(.shadowed_by != null)] | length' <<<"$output")" = 0 ]
	[[ "$(jq -r '.warnings[]' <<<"$output")" != *"after it"* ]]
	[ "$(jq -r '.settings[] | select(.key == "net.ipv4.tcp_orphan_retries") | .effective' <<<"$output")" = 4 ]
}

@test "an image without /etc/sysctl.d: the drop-in is still counted" {
	rmdir "$TMP/etc/sysctl.d"
	printf 'net.ipv4.tcp_fin_timeout = 30\nnet.ipv4.tcp_tw_reuse = 2\n' >"$TMP/usr/lib/sysctl.d/10-early.conf"
	run --separate-stderr ft diff --root "$TMP" --format json reverse-proxy
	[ "$(jq -r '.settings[] | select(.key == "net.ipv4.tcp_fin_timeout") | "\(.effective) \(.shadowed_by)"' <<<"$output")" = "60 null" ]
	[ "$(jq -r '.settings[] | select(.key == "net.ipv4.tcp_tw_reuse") | .effective' <<<"$output")" = 1 ]
}

@test "nothing outside --root is read, whatever the links in the image say" {
	mkdir -p "$TMP/outside"
	printf 'net.ipv4.tcp_fin_timeout = 11\n' >"$TMP/outside/x.conf"
	mkdir -p "$TMP/img/usr/lib" "$TMP/img/etc/sysctl.d" "$TMP/img/usr/local/lib"
	fake_proc "$TMP/img" 6.18.0
	# a linked directory, an absolute link, and a climb above the root
	ln -s "$TMP/outside" "$TMP/img/usr/lib/sysctl.d"
	ln -s "$TMP/outside/x.conf" "$TMP/img/etc/sysctl.d/80-abs.conf"
	ln -s "../../../../../../../../../../../..$TMP/outside/x.conf" "$TMP/img/etc/sysctl.d/81-climb.conf"
	run --separate-stderr ft diff --root "$TMP/img" --format json reverse-proxy
	[ "$(jq -r '.settings[] | select(.key == "net.ipv4.tcp_fin_timeout") | .effective' <<<"$output")" = 60 ]
	[[ "$stderr" != *"x.conf:"* ]]
	# inside the root, the same links are followed
	mkdir -p "$TMP/img$TMP/outside"
	cp "$TMP/outside/x.conf" "$TMP/img$TMP/outside/"
	run --separate-stderr ft diff --root "$TMP/img" --format json reverse-proxy
	[ "$(jq -r '.settings[] | select(.key == "net.ipv4.tcp_fin_timeout") | .effective' <<<"$output")" = 11 ]
}

@test "where procps sysctl --system ends differently, it says so" {
	printf 'net.ipv4.tcp_orphan_retries = 3\n' >"$TMP/etc/sysctl.conf"
	ln -s ../sysctl.conf "$TMP/etc/sysctl.d/99-sysctl.conf"
	printf 'net.ipv4.tcp_orphan_retries = 6\n' >"$TMP/etc/sysctl.d/99-zz-local.conf"
	run --separate-stderr ft diff --root "$TMP" --format json reverse-proxy
	[ "$(jq -r '.settings[] | select(.key == "net.ipv4.tcp_orphan_retries") | "\(.effective) \(.effective_procps)"' <<<"$output")" = "6 3" ]
	[[ "$(jq -r '.warnings[]' <<<"$output")" == *"net.ipv4.tcp_orphan_retries: procps \`sysctl --system\` ends with 3 from /etc/sysctl.conf:1, not 6 as systemd-sysctl does: it applies /etc/sysctl.conf again after every drop-in"* ]]
}

@test "malformed lines in other files are reported and ignored, never fatal" {
	printf 'net.ipv4.tcp_syn_retries = 3\nthis is not an assignment\nnet/../x = 1\n' >"$TMP/etc/sysctl.d/10-junk.conf"
	run --separate-stderr ft diff --root "$TMP" reverse-proxy
	[ "$status" -eq 2 ]
	[[ "$stderr" == *"/etc/sysctl.d/10-junk.conf:2: warning: line is not an assignment, ignoring"* ]]
	[[ "$stderr" == *"/etc/sysctl.d/10-junk.conf:3: warning: invalid key \"net/../x\", ignoring"* ]]
}

@test "a file fintune did not write in its place is never replaced" {
	printf 'net.ipv4.tcp_fin_timeout = 25\n' >"$TMP/etc/sysctl.d/60-fintune.conf"
	run --separate-stderr ft diff --root "$TMP" --format json reverse-proxy
	# the verdict apply reaches: refused, with its reason
	[ "$status" -eq 1 ]
	[ "$(jq -r .verdict <<<"$output")" = refused ]
	[ "$(jq -r .error.code <<<"$output")" = refused ]
	[[ "$(jq -r .error.message <<<"$output")" == *"exists and was not written by fintune"* ]]
	[ "$(jq -r .drop_in.foreign <<<"$output")" = true ]
	# its values stay what the configuration says
	[ "$(jq -r '.settings[] | select(.key == "net.ipv4.tcp_fin_timeout") | .effective' <<<"$output")" = 25 ]
	# another name works
	run --separate-stderr ft diff --root "$TMP" --drop-in 61-fintune.conf --format json reverse-proxy
	[ "$(jq -r .drop_in.path <<<"$output")" = /etc/sysctl.d/61-fintune.conf ]
	[ "$(jq -r .drop_in.foreign <<<"$output")" = false ]
}

@test "--format json: the plan object with the drop-in's old and new text" {
	run --separate-stderr ft diff --root "$TMP" --format json reverse-proxy
	[ "$status" -eq 2 ]
	[ "$(jq -r 'keys | join(",")' <<<"$output")" = "drop_in,floors_from_state,kernel,kernel_from,netns,pending,profile,settings,verdict,warnings" ]
	[ "$(jq -r '.drop_in | keys | join(",")' <<<"$output")" = "foreign,new,old,path" ]
	[ "$(jq -r .drop_in.old <<<"$output")" = null ]
	[ "$(jq -r .drop_in.path <<<"$output")" = /etc/sysctl.d/60-fintune.conf ]
	[ "$(jq -r '.settings[0] | keys | join(",")' <<<"$output")" = \
		"change,configured,configured_source,effective,effective_procps,key,memory_bytes,pinned,proposed,rationale,running,scope,shadowed_by,source" ]
}

@test "the drop-in: no profile text can set a key" {
	mkdir -p "$TMP/etc/fintune/profiles"
	printf 'fintune: 1\nname: evil\nextends: reverse-proxy\ndescription: "line one\\nkernel.core_pattern = |/tmp/pwn\\rnet.ipv4.tcp_fin_timeout = 1 \\u0007"\n' \
		>"$TMP/etc/fintune/profiles/evil.yaml"
	run --separate-stderr ft diff --root "$TMP" --format json evil
	[ "$status" -eq 2 ]
	new=$(jq -r .drop_in.new <<<"$output")
	# every line is a comment, blank, or one of fintune's own assignments
	bad=$(printf '%s\n' "$new" | grep -v '^#' | grep -v '^$' | grep -v -E '^net\.ipv4\.[a-z_]+ = [0-9 ]+$' || true)
	[ -z "$bad" ]
	[[ "$new" == *"#   line one"* ]]
	[[ "$new" == *"#   kernel.core_pattern = |/tmp/pwn?net.ipv4.tcp_fin_timeout = 1 ?"* ]]
	# and the same input gives the same bytes
	run --separate-stderr ft diff --root "$TMP" --format json evil
	[ "$(jq -r .drop_in.new <<<"$output")" = "$new" ]
}

@test "the drop-in: a description's bidi controls and line separators reach no reviewer" {
	# U+202E reverses what follows, U+2066/U+2069 isolate, U+0085 (C1 NEL)
	# and U+2028 break lines in some readers: each becomes one "?"
	mkdir -p "$TMP/etc/fintune/profiles"
	printf 'fintune: 1\nname: bidi\nextends: reverse-proxy\ndescription: "safe \\u202e1 = tuoemit_nif_pct\\u2066x\\u2069 \\u0085y\\u2028z \\u00e9t\\u00e9"\n' \
		>"$TMP/etc/fintune/profiles/bidi.yaml"
	run --separate-stderr ft apply --root "$TMP" bidi
	[ "$status" -eq 0 ]
	f="$TMP/etc/sysctl.d/60-fintune.conf"
	grep -q '^#   safe ?1 = tuoemit_nif_pct?x? ?y?z été$' "$f" || { cat "$f"; false; }
	# none of the controls is in the file, as UTF-8 or otherwise
	for c in $'\u202e' $'\u2066' $'\u2069' $'\u0085' $'\u2028'; do
		if grep -qF "$c" "$f"; then echo "found $(printf %s "$c" | od -An -tx1)"; false; fi
	done
}

@test "one profile, however its path is spelled, gives the same drop-in" {
	# with a pin: the drop-in says the value is pinned, not where
	printf 'fintune: 1\nname: site\nextends: reverse-proxy\npin:\n  net.ipv4.tcp_fin_timeout: 30\n' >"$TMP/site.yaml"
	mkdir -p "$TMP/sub"
	ln -s .. "$TMP/sub/up"
	(cd "$TMP" && converge ./site.yaml)
	for spec in "$TMP/site.yaml" "$TMP/sub/../site.yaml" "$TMP/sub/up/site.yaml" site.yaml; do
		run --separate-stderr bash -c 'cd "$1" && "$FINTUNE" diff --root "$1" "$2"' _ "$TMP" "$spec"
		[ "$status" -eq 0 ] || { echo "$spec: exit $status"; echo "$output"; false; }
	done
	# the drop-in names the profile by name and content, never by path;
	# messages keep it as typed
	grep -q "^# Profile: site sha256:" "$TMP/etc/sysctl.d/60-fintune.conf" ||
		grep -q "^# Profile: site$" "$TMP/etc/sysctl.d/60-fintune.conf"
	if grep -q "$TMP" "$TMP/etc/sysctl.d/60-fintune.conf"; then false; fi
	run --separate-stderr bash -c 'cd "$1" && "$FINTUNE" plan --root "$1" ./sub/up/site.yaml' _ "$TMP"
	[[ "$output" == *"(./sub/up/site.yaml"* ]]
	# a local profile by name is named by its place on the target, whatever --root is
	mkdir -p "$TMP/etc/fintune/profiles"
	cp "$TMP/site.yaml" "$TMP/etc/fintune/profiles/site.yaml"
	converge site
	grep -q "^# Profile: site" "$TMP/etc/sysctl.d/60-fintune.conf"
	grep -qx "# pinned by the profile" "$TMP/etc/sysctl.d/60-fintune.conf"
	run --separate-stderr bash -c 'cd "$1" && "$FINTUNE" diff --root "$2" site' _ "$TMP" "../$(basename "$TMP")/"
	[ "$status" -eq 0 ]
	# the same profile by path, and under another root: the same bytes
	cp "$TMP/site.yaml" "$BATS_TEST_TMPDIR/elsewhere.yaml"
	run --separate-stderr ft diff --root "$TMP" "$BATS_TEST_TMPDIR/elsewhere.yaml"
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	mkdir -p "$BATS_TEST_TMPDIR/other/etc/sysctl.d" "$BATS_TEST_TMPDIR/other/run"
	fake_proc "$BATS_TEST_TMPDIR/other" 6.18.0
	ft apply --root "$BATS_TEST_TMPDIR/other" "$BATS_TEST_TMPDIR/elsewhere.yaml" >/dev/null 2>&1
	cmp "$TMP/etc/sysctl.d/60-fintune.conf" "$BATS_TEST_TMPDIR/other/etc/sysctl.d/60-fintune.conf"
}

@test "text from files fintune does not own reaches the terminal escaped" {
	esc=$'\e]0;pwned\a\e[2J'
	printf 'net.ipv4.tcp_fin_timeout = 5%s\nnet/../%s = 1\n' "$esc" "$esc" >"$TMP/etc/sysctl.d/70-local.conf"
	printf 'net.ipv4.tcp_orphan_retries = 3\n' >"$TMP/etc/sysctl.d/80-$esc.conf"
	run --separate-stderr ft diff --root "$TMP" reverse-proxy
	[ "$status" -eq 2 ]
	for text in "$output" "$stderr"; do
		[[ "$text" != *$'\e'* && "$text" != *$'\a'* ]] || { echo "raw escape in: $text"; false; }
	done
	# the table, the notes and the warnings say what is there, escaped
	line=$(printf '%s\n' "$output" | grep '^net.ipv4.tcp_fin_timeout ')
	[[ "$line" == *' 5\x1b]0;pwned\x07\x1b[2J '* ]]
	[[ "$(flat)" == *'/etc/sysctl.d/70-local.conf:1 sets "5\x1b]0;pwned\x07\x1b[2J", which the kernel refuses'* ]]
	[[ "$(flat)" == *'/etc/sysctl.d/80-\x1b]0;pwned\x07\x1b[2J.conf:1 sets "3" after it'* ]]
	[[ "$stderr" == *'/etc/sysctl.d/70-local.conf:2: warning: invalid key "net/../\x1b]0;pwned\x07\x1b[2J", ignoring'* ]]
	# plan's notes too
	run --separate-stderr ft plan --root "$TMP" reverse-proxy
	[[ "$output$stderr" != *$'\e'* ]]
	# a drop-in of fintune's edited to hold them: the diff shows them escaped
	rm "$TMP/etc/sysctl.d/80-$esc.conf"
	converge reverse-proxy
	printf '# %s\n' "$esc" >>"$TMP/etc/sysctl.d/60-fintune.conf"
	run --separate-stderr ft diff --root "$TMP" reverse-proxy
	[ "$status" -eq 2 ]
	[[ "$output" == *'-# \x1b]0;pwned\x07\x1b[2J'* ]]
	[[ "$output$stderr" != *$'\e'* ]]
	# JSON is jansson's to escape: the value is there as it is
	run --separate-stderr ft diff --root "$TMP" --format json reverse-proxy
	[ "$(jq -r '.settings[] | select(.key == "net.ipv4.tcp_fin_timeout") | .configured' <<<"$output")" = "5$esc" ]
}

@test "--drop-in must be a plain file name ending in .conf; terminal controls in it are refused and shown escaped" {
	run --separate-stderr ft diff --root "$TMP" --drop-in ../evil.conf reverse-proxy
	[ "$status" -eq 1 ]
	[ "$stderr" = "fintune: --drop-in ../evil.conf: expected a file name of letters, digits and . _ - + @ ending in .conf" ]
	run --separate-stderr ft diff --root "$TMP" --drop-in fintune reverse-proxy
	[ "$status" -eq 1 ]
	before=$(snapshot "$TMP")
	for cmd in diff plan "apply --check" apply; do
		run --separate-stderr ft $cmd --root "$TMP" --drop-in $'x\e]0;pwned\a\e[2J.conf' reverse-proxy
		[ "$status" -eq 1 ] || { echo "$cmd: exit $status"; false; }
		[[ "$output$stderr" != *$'\e'* ]] || { echo "$cmd: ESC reached the terminal"; false; }
		[[ "$stderr" == *'--drop-in x\x1b]0;pwned\x07\x1b[2J.conf: expected a file name'* ]]
	done
	# a bidi control in the name is no file name either
	run --separate-stderr ft apply --root "$TMP" --drop-in $'60-\u202efnoc.conf' reverse-proxy
	[ "$status" -eq 1 ]
	[ "$(snapshot "$TMP")" = "$before" ]
	# names the appliers all read: letters, digits, . _ - + @
	run --separate-stderr ft diff --root "$TMP" --drop-in 60-fin_tune+v2@site.conf reverse-proxy
	[ "$status" -eq 2 ]
}

@test "colour on a terminal only, and never with NO_COLOR" {
	run --separate-stderr ft diff --root "$TMP" reverse-proxy
	[[ "$output" != *$'\033['* ]]
	run --separate-stderr ft diff --root "$TMP" --color always reverse-proxy
	[[ "$output" == *$'\033[32m+net.ipv4.tcp_fin_timeout = 60'* ]]
	NO_COLOR=1 run --separate-stderr ft diff --root "$TMP" reverse-proxy
	[[ "$output" != *$'\033['* ]]
}

@test "a link to /dev/null masks, in an image that has no /dev" {
	[ ! -e "$TMP/dev" ]
	printf 'net.ipv4.tcp_fin_timeout = 30\n' >"$TMP/usr/lib/sysctl.d/50-vendor.conf"
	ln -s /dev/null "$TMP/etc/sysctl.d/50-vendor.conf"
	run --separate-stderr ft diff --root "$TMP" --format json reverse-proxy
	[ "$status" -eq 2 ]
	[ -z "$stderr" ]
	[ "$(jq -r '.settings[] | select(.key == "net.ipv4.tcp_fin_timeout") | .configured' <<<"$output")" = null ]
}
