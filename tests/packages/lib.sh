# shellcheck shell=bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Sourced by tests/packages/deb and tests/packages/rpm: a package's contents
# as "MODE OWNER GROUP PATH" lines, and as the layout of tests/install/files
# (files, and empty directories with a trailing /) with each distribution's
# known differences mapped back to make install's defaults.

# deb_entries DEB: every entry of the .deb's data archive
deb_entries() {
	dpkg-deb -c "$1" | awk '{
		split($2, o, "/"); p = $6; sub(/^\./, "", p); sub(/\/$/, "", p)
		if (p != "") print $1, o[1], o[2], p }' | sort -k4
}

# rpm_entries RPM: every file and directory the .rpm owns
rpm_entries() {
	rpm -qp --qf '[%{FILEMODES:perms} %{FILEUSERNAME} %{FILEGROUPNAME} %{FILENAMES}\n]' "$1" | sort -k4
}

# leaves < ENTRIES: the paths nothing else is below, directories with a /
leaves() {
	awk '{ type[$4] = substr($1, 1, 1); p = $4; sub(/\/[^\/]*$/, "", p); below[p] = 1 }
		END { for (k in type) if (!(k in below)) print (type[k] == "d" ? k "/" : k) }' | sort
}

# Each package's own additions, exactly these (a missing one is a failure
# too): Debian's copyright, changelog.Debian.gz, the README dh_installdocs
# puts in (compressed by dh_compress) and the lintian overrides; the RPM's
# %doc and %license, and the build-id link rpmbuild adds to the binary.
deb_extras='/usr/share/doc/fintune/README.md.gz
/usr/share/doc/fintune/changelog.Debian.gz
/usr/share/doc/fintune/copyright
/usr/share/lintian/overrides/fintune'
rpm_extras='/usr/lib/.build-id/*
/usr/share/doc/fintune/README.md
/usr/share/licenses/fintune/COPYING'

# upstream KIND < LEAVES: to make install's layout. Debian's zsh completion
# goes to vendor-completions (debian/rules), both compress man pages.
upstream() {
	case $1 in
	deb) sed -e 's|^/usr/share/zsh/vendor-completions/|/usr/share/zsh/site-functions/|' ;;
	rpm) cat ;;
	esac | sed -e 's|^\(/usr/share/man/man[^/]*/[^/]*\)\.gz$|\1|' | sort
}

# split_extras KIND LEAVES OUT_UPSTREAM OUT_EXTRAS: the leaves that are the
# package's own additions into OUT_EXTRAS, the rest into OUT_UPSTREAM
split_extras() {
	local kind=$1 in=$2 up=$3 ex=$4 pats p l matched
	pats=$([ "$kind" = deb ] && echo "$deb_extras" || echo "$rpm_extras")
	: >"$up"; : >"$ex"
	while IFS= read -r l; do
		matched=
		while IFS= read -r p; do
			# shellcheck disable=SC2254
			case $l in $p) matched=1; break ;; esac
		done <<<"$pats"
		if [ -n "$matched" ]; then echo "$l" >>"$ex"; else echo "$l" >>"$up"; fi
	done <"$in"
	# every expected addition is there
	while IFS= read -r p; do
		matched=
		while IFS= read -r l; do
			# shellcheck disable=SC2254
			case $l in $p) matched=1; break ;; esac
		done <"$ex"
		[ -n "$matched" ] || { echo "$kind package: no $p" >&2; return 1; }
	done <<<"$pats"
}

# check_modes KIND < ENTRIES: root-owned, the binary 0755, directories
# 0755, everything else 0644 (symlinks aside)
check_modes() {
	awk -v kind="$1" '
		$2 != "root" || $3 != "root" { print kind ": not root:root: " $0; bad = 1 }
		$1 ~ /^l/ { next }
		$4 == "/usr/sbin/fintune" { if ($1 != "-rwxr-xr-x") { print kind ": binary not 0755: " $0; bad = 1 }; next }
		$1 ~ /^d/ { if ($1 != "drwxr-xr-x") { print kind ": directory not 0755: " $0; bad = 1 }; next }
		$1 != "-rw-r--r--" { print kind ": not 0644: " $0; bad = 1 }
		END { exit bad }' >&2
}

# want TOP: tests/install/files without its comments
want() {
	grep -v '^#' "$1/tests/install/files" | sort
}
