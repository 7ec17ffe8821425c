#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
# Trust, as doas has it (fintune(8), TRUST): run as root, fintune reads no
# profile, plan file, local profile directory or state that someone else
# could have changed: owned by root, not writable by group or others, and
# so every directory on the way (a sticky one owned by root, /tmp, aside).
# The files of the target (local profiles, state) are held to it whoever
# runs fintune, with the caller trusted as root is. And nothing of a file
# that is not a profile is ever shown: a file reached through extends: must
# look like a profile (its name, then `fintune: 1` at its top) first.

bats_require_minimum_version 1.5.0
load helpers

# In a fake shadow file, and never in any output.
# shellcheck disable=SC2016 # a password hash, not an expansion
MARK='$y$j9T$TRUSTMARKERc0ffee$0123456789abcdefSECRET'

setup() {
	setup_tmp
	fake_proc "$TMP" 6.18.0
	mkdir -p "$TMP/etc/sysctl.d" "$TMP/etc/fintune/profiles" "$TMP/run"
	: >"$TMP/run/fintune.lock"
}
teardown() { teardown_tmp; }

need_root() {
	[ "$(id -u)" -eq 0 ] || skip "needs root: the checks that matter are those of a run as root, and chown"
}

need_setpriv() {
	need_root
	command -v setpriv >/dev/null || skip "setpriv is not installed"
}

# As uid 65534 (nobody), with no groups.
as_nobody() {
	setpriv --reuid=65534 --regid=65534 --clear-groups "$FINTUNE" "$@"
}

site() {
	printf 'fintune: 1\nname: site\nextends: reverse-proxy\nworkload:\n  rtt_ms: 30\n' >"$1"
}

# The run wrote nothing and failed with exit 1.
refused_unchanged() {
	[ "$status" -eq 1 ]
	[ "$(snapshot "$TMP")" = "$before" ]
	[ ! -e "$TMP/etc/sysctl.d/60-fintune.conf" ] || [ -n "${applied:-}" ]
}

# Neither stdout nor stderr of the last run holds the marker, nor a line of
# the fake shadow.
no_secret() {
	[[ "$output" != *TRUSTMARKER* ]] || { echo "stdout shows the secret"; false; }
	[[ "$stderr" != *TRUSTMARKER* ]] || { echo "stderr shows the secret"; false; }
	[[ "$output$stderr" != *daemon:* ]] || { echo "a line of the shadow file is shown"; false; }
}

@test "trust: as root, a profile writable by group or others is refused, in text and JSON; nothing is written" {
	need_root
	site "$TMP/site.yaml"
	before=$(snapshot "$TMP")
	for mode in 0666 0664 0646; do
		chmod "$mode" "$TMP/site.yaml"
		for cmd in plan diff apply; do
			run --separate-stderr ft "$cmd" --root "$TMP" "$TMP/site.yaml"
			refused_unchanged
			[ "$stderr" = "fintune: $TMP/site.yaml: writable by others: refusing" ]
			[ -z "$output" ]
		done
		run --separate-stderr ft validate --root "$TMP" "$TMP/site.yaml"
		[ "$status" -eq 1 ]
		[ "$stderr" = "fintune validate: $TMP/site.yaml: writable by others: refusing" ]
		run --separate-stderr ft diff --format json --root "$TMP" "$TMP/site.yaml"
		refused_unchanged
		[ "$(jq -r '.error | "\(.code) \(.message) \(.file)"' <<<"$output")" = \
			"refused $TMP/site.yaml: writable by others: refusing null" ]
	done
	# the same file, 0644, is read
	chmod 0644 "$TMP/site.yaml"
	run --separate-stderr ft validate --root "$TMP" "$TMP/site.yaml"
	[ "$status" -eq 0 ]
}

@test "trust: as root, a profile owned by another uid is refused" {
	need_root
	site "$TMP/site.yaml"
	chown 65534 "$TMP/site.yaml"
	before=$(snapshot "$TMP")
	run --separate-stderr ft apply --root "$TMP" "$TMP/site.yaml"
	refused_unchanged
	[ "$stderr" = "fintune: $TMP/site.yaml: owned by uid 65534, not root: refusing" ]
	run --separate-stderr ft validate --format json --root "$TMP" "$TMP/site.yaml"
	[ "$status" -eq 1 ]
	[ "$(jq -r '.error | "\(.code) \(.message)"' <<<"$output")" = \
		"refused $TMP/site.yaml: owned by uid 65534, not root: refusing" ]
	# reached through extends: just the same
	chown 0 "$TMP/site.yaml"
	printf 'fintune: 1\nname: base\n' >"$TMP/base.yaml"
	chown 65534 "$TMP/base.yaml"
	printf 'fintune: 1\nname: leaf\nextends: base.yaml\n' >"$TMP/leaf.yaml"
	run --separate-stderr ft plan --root "$TMP" "$TMP/leaf.yaml"
	[ "$status" -eq 1 ]
	[ "$stderr" = "fintune: $TMP/base.yaml: owned by uid 65534, not root: refusing" ]
}

@test "trust: as root, a directory on the way to a profile that others may write, or another uid owns, is refused" {
	need_root
	mkdir -p "$TMP/a/b"
	site "$TMP/a/b/site.yaml"
	before=$(snapshot "$TMP")
	chmod 0777 "$TMP/a"
	run --separate-stderr ft apply --root "$TMP" "$TMP/a/b/site.yaml"
	refused_unchanged
	[ "$stderr" = "fintune: $TMP/a: writable by others: refusing" ]
	chmod 0775 "$TMP/a"
	run --separate-stderr ft diff --root "$TMP" "$TMP/a/b/site.yaml"
	refused_unchanged
	[ "$stderr" = "fintune: $TMP/a: writable by others: refusing" ]
	chmod 0755 "$TMP/a"
	chown 65534 "$TMP/a/b"
	run --separate-stderr ft diff --root "$TMP" "$TMP/a/b/site.yaml"
	refused_unchanged
	[ "$stderr" = "fintune: $TMP/a/b: owned by uid 65534, not root: refusing" ]
	# a relative path, through a symlink: the directories checked are
	# those of the file itself
	chown 0 "$TMP/a/b"
	mkdir -m 0777 "$TMP/open"
	ln -s "$TMP/a/b/site.yaml" "$TMP/link.yaml"
	mv "$TMP/a/b/site.yaml" "$TMP/open/site.yaml"
	ln -s ../../open/site.yaml "$TMP/a/b/site.yaml"
	cd "$TMP"
	run --separate-stderr ft validate --root "$TMP" ./link.yaml
	[ "$status" -eq 1 ]
	[ "$stderr" = "fintune validate: $TMP/open: writable by others: refusing" ]
}

@test "trust: a sticky directory owned by root (as /tmp) may be on the way; one another uid owns may not" {
	need_root
	mkdir -m 1777 "$TMP/sticky"
	site "$TMP/sticky/site.yaml"
	run --separate-stderr ft validate --root "$TMP" "$TMP/sticky/site.yaml"
	[ "$status" -eq 0 ]
	[ "$output" = "$TMP/sticky/site.yaml: valid (extends <builtin>/reverse-proxy.yaml)" ]
	# the file in it is still checked itself
	chmod 0666 "$TMP/sticky/site.yaml"
	run --separate-stderr ft validate --root "$TMP" "$TMP/sticky/site.yaml"
	[ "$status" -eq 1 ]
	[ "$stderr" = "fintune validate: $TMP/sticky/site.yaml: writable by others: refusing" ]
	chmod 0644 "$TMP/sticky/site.yaml"
	chown 65534 "$TMP/sticky"
	run --separate-stderr ft validate --root "$TMP" "$TMP/sticky/site.yaml"
	[ "$status" -eq 1 ]
	[ "$stderr" = "fintune validate: $TMP/sticky: owned by uid 65534, not root: refusing" ]
}

@test "trust: as root, a link to a trusted profile, made by another uid or in a directory others may write, is refused; extends: is beside the real file" {
	need_root
	mkdir -m 0755 "$TMP/trusted" "$TMP/home"
	site "$TMP/trusted/base.yaml"
	printf 'fintune: 1\nname: real\nextends: base.yaml\n' >"$TMP/trusted/real.yaml"
	# a second base.yaml that a user's directory would offer
	printf 'fintune: 1\nname: evil\nextends: reverse-proxy\npin:\n  net.ipv4.tcp_fin_timeout: 7\n' >"$TMP/evil.yaml"
	# a link root made, in root's directory: followed, and real.yaml's
	# extends: is base.yaml beside it, whatever the link's directory holds
	ln -s ../trusted/real.yaml "$TMP/home/link.yaml"
	ln -s ../evil.yaml "$TMP/home/base.yaml"
	run --separate-stderr ft plan --root "$TMP" "$TMP/home/link.yaml"
	[ "$status" -eq 0 ]
	[[ "${lines[0]}" == "Profile  real ($TMP/home/link.yaml, extends $TMP/trusted/base.yaml, extends <builtin>/reverse-proxy.yaml)" ]] ||
		{ echo "${lines[0]}"; false; }
	# the same link, the directory now another uid's
	chown 65534 "$TMP/home"
	before=$(snapshot "$TMP")
	run --separate-stderr ft apply --root "$TMP" "$TMP/home/link.yaml"
	refused_unchanged
	[ "$stderr" = "fintune: $TMP/home: owned by uid 65534, not root: refusing" ]
	# root's directory, but a link another uid made (as in /tmp)
	chown 0 "$TMP/home"
	chmod 1777 "$TMP/home"
	rm "$TMP/home/link.yaml"
	ln -s ../trusted/real.yaml "$TMP/home/link.yaml"
	chown -h 65534 "$TMP/home/link.yaml"
	before=$(snapshot "$TMP")
	run --separate-stderr ft apply --root "$TMP" "$TMP/home/link.yaml"
	refused_unchanged
	[ "$stderr" = "fintune: $TMP/home/link.yaml: owned by uid 65534, not root: refusing" ]
	chmod 0755 "$TMP/home"
}

@test "trust: a local reverse-proxy.yaml owned by uid 65534 does not shadow the built-in: it is refused" {
	need_root
	printf 'fintune: 1\nname: reverse-proxy\npin:\n  net.ipv4.tcp_fin_timeout: 5\n' \
		>"$TMP/etc/fintune/profiles/reverse-proxy.yaml"
	chown 65534 "$TMP/etc/fintune/profiles/reverse-proxy.yaml"
	before=$(snapshot "$TMP")
	for cmd in plan diff apply; do
		run --separate-stderr ft "$cmd" --root "$TMP" reverse-proxy
		refused_unchanged
		[ "$stderr" = "fintune: $TMP/etc/fintune/profiles/reverse-proxy.yaml: owned by uid 65534, not root: refusing" ]
	done
	# neither by extends: a name
	site "$TMP/site.yaml"
	before=$(snapshot "$TMP")
	run --separate-stderr ft diff --root "$TMP" "$TMP/site.yaml"
	refused_unchanged
	[ "$stderr" = "fintune: $TMP/etc/fintune/profiles/reverse-proxy.yaml: owned by uid 65534, not root: refusing" ]
	# profiles lists it as what it is: not usable
	run --separate-stderr ft profiles --root "$TMP" --format json
	[ "$status" -eq 0 ]
	[ "$(jq -r '.[] | select(.builtin == false) | "\(.name) \(.valid)"' <<<"$output")" = "reverse-proxy false" ]
	# writable by others: the same
	chown 0 "$TMP/etc/fintune/profiles/reverse-proxy.yaml"
	chmod 0666 "$TMP/etc/fintune/profiles/reverse-proxy.yaml"
	run --separate-stderr ft apply --root "$TMP" reverse-proxy
	refused_unchanged
	[ "$stderr" = "fintune: $TMP/etc/fintune/profiles/reverse-proxy.yaml: writable by others: refusing" ]
	# fixed, it is the profile again
	chmod 0644 "$TMP/etc/fintune/profiles/reverse-proxy.yaml"
	run --separate-stderr ft validate --root "$TMP" reverse-proxy
	[ "$status" -eq 1 ]
	[[ "$stderr" == *"/pin/net.ipv4.tcp_fin_timeout"* ]]
}

@test "trust: a local profile directory others may write (or above it) is refused for every name, a built-in's too" {
	need_root
	before=$(snapshot "$TMP")
	chmod 0777 "$TMP/etc/fintune/profiles"
	run --separate-stderr ft apply --root "$TMP" reverse-proxy
	refused_unchanged
	[ "$stderr" = "fintune: $TMP/etc/fintune/profiles: writable by others: refusing" ]
	run --separate-stderr ft validate --format json --root "$TMP" outbound-client
	[ "$status" -eq 1 ]
	[ "$(jq -r '.error | "\(.code) \(.message)"' <<<"$output")" = \
		"refused $TMP/etc/fintune/profiles: writable by others: refusing" ]
	# sticky too: a name of anyone's own in it would be the profile
	for mode in 1777 1775; do
		chmod "$mode" "$TMP/etc/fintune/profiles"
		run --separate-stderr ft apply --root "$TMP" reverse-proxy
		refused_unchanged
		[ "$stderr" = "fintune: $TMP/etc/fintune/profiles: writable by others: refusing" ]
	done
	chmod 0755 "$TMP/etc/fintune/profiles"
	chown 65534 "$TMP/etc/fintune"
	run --separate-stderr ft diff --root "$TMP" reverse-proxy
	refused_unchanged
	[ "$stderr" = "fintune: $TMP/etc/fintune: owned by uid 65534, not root: refusing" ]
	# a profile named by path does not look there
	chown 0 "$TMP/etc/fintune"
	chmod 0777 "$TMP/etc/fintune/profiles"
	printf 'fintune: 1\nname: alone\n' >"$TMP/alone.yaml"
	run --separate-stderr ft validate --root "$TMP" "$TMP/alone.yaml"
	[ "$status" -eq 0 ]
	# and with no local profile directory at all, built-ins are what they are
	rm -rf "$TMP/etc/fintune"
	run --separate-stderr ft validate --root "$TMP" reverse-proxy
	[ "$status" -eq 0 ]
}

@test "trust: extends: /etc/shadow is refused without reading it, and nothing of it is shown" {
	mkdir -p "$TMP/etc"
	printf 'root:%s:19000:0:99999:7:::\ndaemon:*:19000:0:99999:7:::\n' "$MARK" >"$TMP/etc/shadow"
	chmod 0640 "$TMP/etc/shadow"
	printf 'fintune: 1\nname: site\nextends: %s\n' "$TMP/etc/shadow" >"$TMP/site.yaml"
	before=$(snapshot "$TMP")
	run --separate-stderr ft validate --root "$TMP" "$TMP/site.yaml"
	[ "$status" -eq 1 ]
	no_secret
	[ "$stderr" = "$TMP/site.yaml:3:10: /extends: \"$TMP/etc/shadow\" is not a profile file (expected a profile name, or a path that ends in .yaml, .yml or .json)" ]
	run --separate-stderr ft validate --format json --root "$TMP" "$TMP/site.yaml"
	[ "$status" -eq 1 ]
	no_secret
	[ "$(jq -r '.error | "\(.code) \(.file):\(.line):\(.column)"' <<<"$output")" = "invalid-profile $TMP/site.yaml:3:10" ]
	for cmd in plan diff apply; do
		for fmt in text json; do
			run --separate-stderr ft "$cmd" --format "$fmt" --root "$TMP" "$TMP/site.yaml"
			refused_unchanged
			no_secret
		done
	done
	# named on the command line, it is no profile either: not a byte shown
	for fmt in text json; do
		run --separate-stderr ft validate --format "$fmt" --root "$TMP" "$TMP/etc/shadow"
		[ "$status" -eq 1 ]
		no_secret
	done
	[ "$stderr" = "" ]
	[ "$(jq -r '.error | "\(.code) \(.message)"' <<<"$output")" = \
		"refused $TMP/etc/shadow: not a fintune profile (no \`fintune: 1\` at its top): refusing" ]
}

@test "trust: a .yaml reached through extends: that has no fintune: 1 is refused, and none of its text is shown, parsed or not" {
	# the shadow file under a profile's name; YAML that does not parse,
	# with the secret in the part libyaml would quote; JSON; binary
	printf 'root:%s:19000:0:99999:7:::\ndaemon:*:19000:0:99999:7:::\n' "$MARK" >"$TMP/shadow.yaml"
	printf 'root: "%s\ndaemon: [\n' "$MARK" >"$TMP/broken.yaml"
	printf 'root: %s\n  daemon: : x\n' "$MARK" >"$TMP/broken2.yaml"
	printf '{"root": "%s", "daemon": 1, "fintune": "1"}\n' "$MARK" >"$TMP/shadow.json"
	printf '\x7fELF%s\x01daemon:\n' "$MARK" >"$TMP/binary.yml"
	printf 'name: x\nroot: !!int %s\ndaemon: &a 1\nfintune: 2\n' "$MARK" >"$TMP/tagged.yaml"
	before=$(snapshot "$TMP")
	for f in shadow.yaml broken.yaml broken2.yaml shadow.json binary.yml tagged.yaml; do
		printf 'fintune: 1\nname: site\nextends: %s\n' "$f" >"$TMP/site.yaml"
		before=$(snapshot "$TMP")
		run --separate-stderr ft validate --root "$TMP" "$TMP/site.yaml"
		[ "$status" -eq 1 ]
		no_secret
		[ "$stderr" = "fintune validate: $TMP/$f: not a fintune profile (no \`fintune: 1\` at its top): refusing" ]
		run --separate-stderr ft validate --format json --root "$TMP" "$TMP/site.yaml"
		[ "$status" -eq 1 ]
		no_secret
		[ "$(jq -r '.error.code' <<<"$output")" = refused ]
		for cmd in plan diff apply; do
			run --separate-stderr ft "$cmd" --root "$TMP" "$TMP/site.yaml"
			refused_unchanged
			no_secret
			[ "$stderr" = "fintune: $TMP/$f: not a fintune profile (no \`fintune: 1\` at its top): refusing" ]
			run --separate-stderr ft "$cmd" --format json --root "$TMP" "$TMP/site.yaml"
			refused_unchanged
			no_secret
		done
	done
	# a local profile by name, the same
	cp "$TMP/shadow.yaml" "$TMP/etc/fintune/profiles/base.yaml"
	printf 'fintune: 1\nname: site\nextends: base\n' >"$TMP/site.yaml"
	run --separate-stderr ft validate --root "$TMP" "$TMP/site.yaml"
	[ "$status" -eq 1 ]
	no_secret
	[ "$stderr" = "fintune validate: $TMP/etc/fintune/profiles/base.yaml: not a fintune profile (no \`fintune: 1\` at its top): refusing" ]
}

@test "trust: a profile that says fintune: 1 still has every problem shown, even when the rest does not parse" {
	printf 'fintune: 1\nname: base\nworkload: [\n' >"$TMP/base.yaml"
	printf 'fintune: 1\nname: site\nextends: base.yaml\n' >"$TMP/site.yaml"
	run --separate-stderr ft validate --root "$TMP" "$TMP/site.yaml"
	[ "$status" -eq 1 ]
	[[ "$stderr" == "$TMP/base.yaml:4:1: syntax error: "* ]]
	printf '{"fintune": 1, "name": "base", "rtt": 5}\n' >"$TMP/base.json"
	printf 'fintune: 1\nname: site\nextends: base.json\n' >"$TMP/site.yaml"
	run --separate-stderr ft validate --root "$TMP" "$TMP/site.yaml"
	[ "$status" -eq 1 ]
	[[ "$stderr" == "$TMP/base.json:1:32: /rtt: unknown key \"rtt\""* ]]
}

@test "trust: state.json writable by others, or owned by another uid, is refused by plan, diff, apply, status and rollback; nothing is written" {
	need_root
	ft apply --root "$TMP" reverse-proxy >/dev/null
	st=$TMP/var/lib/fintune/state.json
	[ -f "$st" ]
	applied=1
	for how in "chmod 0666" "chmod 0664" "chown 65534"; do
		$how "$st"
		if [ "$how" = "chown 65534" ]; then why="owned by uid 65534, not root"; else why="writable by others"; fi
		before=$(snapshot "$TMP")
		for cmd in "plan reverse-proxy" "diff reverse-proxy" "apply reverse-proxy" "status" "rollback"; do
			# shellcheck disable=SC2086
			run --separate-stderr ft $cmd --root "$TMP"
			refused_unchanged
			[ "$stderr" = "fintune ${cmd%% *}: $st: $why: refusing" ]
		done
		run --separate-stderr ft rollback --format json --root "$TMP"
		refused_unchanged
		[ "$(jq -r '.error | "\(.code) \(.message)"' <<<"$output")" = "refused $st: $why: refusing" ]
		chmod 0644 "$st"
		chown 0 "$st"
	done
	run --separate-stderr ft rollback --root "$TMP"
	[ "$status" -eq 0 ]
}

@test "trust: the state's directory writable by others is refused, with a state in it or none" {
	need_root
	ft apply --root "$TMP" reverse-proxy >/dev/null
	applied=1
	d=$TMP/var/lib/fintune
	chmod 0777 "$d"
	before=$(snapshot "$TMP")
	for cmd in "diff reverse-proxy" "apply reverse-proxy" "status" "rollback"; do
		# shellcheck disable=SC2086
		run --separate-stderr ft $cmd --root "$TMP"
		refused_unchanged
		[ "$stderr" = "fintune ${cmd%% *}: $d: writable by others: refusing" ]
	done
	# an empty one: apply would put a state there
	chmod 0755 "$d"
	ft rollback --root "$TMP" >/dev/null
	[ ! -e "$d/state.json" ]
	chmod 0777 "$d"
	before=$(snapshot "$TMP")
	run --separate-stderr ft apply --root "$TMP" reverse-proxy
	refused_unchanged
	[ "$stderr" = "fintune apply: $d: writable by others: refusing" ]
	# above it too
	chmod 0755 "$d"
	chmod 0777 "$TMP/var/lib"
	run --separate-stderr ft apply --root "$TMP" reverse-proxy
	refused_unchanged
	[ "$stderr" = "fintune apply: $TMP/var/lib: writable by others: refusing" ]
	# sticky does not help a directory whose names are looked up: anyone
	# could put state.json there first
	chmod 0755 "$TMP/var/lib"
	for mode in 1777 1775; do
		chmod "$mode" "$d"
		run --separate-stderr ft apply --root "$TMP" reverse-proxy
		refused_unchanged
		[ "$stderr" = "fintune apply: $d: writable by others: refusing" ]
	done
	# none yet, below a directory others may write: the first apply does
	# not make one there
	rm -rf "$d"
	chmod 0777 "$TMP/var/lib"
	before=$(snapshot "$TMP")
	run --separate-stderr ft apply --root "$TMP" reverse-proxy
	refused_unchanged
	[ "$stderr" = "fintune apply: $TMP/var/lib: writable by others: refusing" ]
	[ ! -e "$d" ]
	chmod 0755 "$TMP/var/lib"
}

@test "trust: as root, apply --plan refuses a plan file others may write or another uid owns, and never quotes a file that is no plan" {
	need_root
	ft plan --root "$TMP" reverse-proxy --output "$TMP/reviewed.json" >/dev/null
	before=$(snapshot "$TMP")
	chmod 0666 "$TMP/reviewed.json"
	run --separate-stderr ft apply --root "$TMP" --plan "$TMP/reviewed.json"
	refused_unchanged
	[ "$stderr" = "fintune apply: $TMP/reviewed.json: writable by others: refusing" ]
	run --separate-stderr ft apply --format json --root "$TMP" --plan "$TMP/reviewed.json"
	refused_unchanged
	[ "$(jq -r '.error | "\(.code) \(.message)"' <<<"$output")" = "refused $TMP/reviewed.json: writable by others: refusing" ]
	chmod 0644 "$TMP/reviewed.json"
	chown 65534 "$TMP/reviewed.json"
	run --separate-stderr ft apply --root "$TMP" --plan "$TMP/reviewed.json"
	refused_unchanged
	[ "$stderr" = "fintune apply: $TMP/reviewed.json: owned by uid 65534, not root: refusing" ]
	chown 0 "$TMP/reviewed.json"
	mkdir -m 0777 "$TMP/drop"
	cp "$TMP/reviewed.json" "$TMP/drop/reviewed.json"
	before=$(snapshot "$TMP")
	run --separate-stderr ft apply --root "$TMP" --plan "$TMP/drop/reviewed.json"
	refused_unchanged
	[ "$stderr" = "fintune apply: $TMP/drop: writable by others: refusing" ]
	# the shadow file as a plan: refused, and not a token of it shown
	printf 'root:%s:19000:0:99999:7:::\ndaemon:*:19000:0:99999:7:::\n' "$MARK" >"$TMP/shadow"
	before=$(snapshot "$TMP")
	for fmt in text json; do
		run --separate-stderr ft apply --format "$fmt" --root "$TMP" --plan "$TMP/shadow"
		refused_unchanged
		no_secret
	done
	# the reviewed plan, trusted, applies
	run --separate-stderr ft apply --root "$TMP" --plan "$TMP/reviewed.json"
	[ "$status" -eq 0 ]
}

@test "trust: not root, a user's own profile in their own directory is read, even group-writable" {
	need_setpriv
	chmod 0755 "$TMP"
	mkdir "$TMP/home"
	site "$TMP/home/site.yaml"
	chmod 0664 "$TMP/home/site.yaml"
	chmod 0775 "$TMP/home"
	chown -R 65534:65534 "$TMP/home"
	chmod -R a+rX "$TMP/etc" "$TMP/proc"
	run --separate-stderr as_nobody validate --root "$TMP" "$TMP/home/site.yaml"
	[ "$status" -eq 0 ] || { echo "$stderr"; false; }
	run --separate-stderr as_nobody diff --root "$TMP" "$TMP/home/site.yaml"
	[ "$status" -eq 2 ]
	# but nothing of a file that is no profile is shown to them either
	printf 'root:%s:19000:0:99999:7:::\n' "$MARK" >"$TMP/home/secret.yaml"
	chown 65534 "$TMP/home/secret.yaml"
	printf 'fintune: 1\nname: s\nextends: secret.yaml\n' >"$TMP/home/s.yaml"
	chown 65534 "$TMP/home/s.yaml"
	run --separate-stderr as_nobody validate --root "$TMP" "$TMP/home/s.yaml"
	[ "$status" -eq 1 ]
	no_secret
}

@test "trust: not root, the target's own files are checked with that user trusted as root is: a --root image of theirs" {
	need_setpriv
	ft apply --root "$TMP" reverse-proxy >/dev/null
	chmod 0755 "$TMP"
	chown -R 65534:65534 "$TMP"
	# the user's own image, with a root-owned local profile in it: read
	printf 'fintune: 1\nname: web\nextends: reverse-proxy\n' >"$TMP/etc/fintune/profiles/web.yaml"
	run --separate-stderr as_nobody validate --root "$TMP" web
	[ "$status" -eq 0 ] || { echo "$stderr"; false; }
	run --separate-stderr as_nobody status --root "$TMP"
	[ "$status" -eq 0 ] || { echo "$stderr"; false; }
	# another user's profile in it is not
	chown 1 "$TMP/etc/fintune/profiles/web.yaml"
	run --separate-stderr as_nobody validate --root "$TMP" web
	[ "$status" -eq 1 ]
	[ "$stderr" = "fintune validate: $TMP/etc/fintune/profiles/web.yaml: owned by uid 1, not root or uid 65534: refusing" ]
	# nor a state anyone may write
	chmod 0666 "$TMP/var/lib/fintune/state.json"
	before=$(snapshot "$TMP")
	applied=1
	for cmd in "status" "apply reverse-proxy" "rollback"; do
		# shellcheck disable=SC2086
		run --separate-stderr as_nobody $cmd --root "$TMP"
		refused_unchanged
		[ "$stderr" = "fintune ${cmd%% *}: $TMP/var/lib/fintune/state.json: writable by others: refusing" ]
	done
}
