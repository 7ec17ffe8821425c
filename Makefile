# SPDX-License-Identifier: GPL-2.0-or-later
#
# make            build build/fintune
# make run        install missing Debian packages, build, run the main job
# make check      install test packages too, build, run every test
# make fuzz       run the libFuzzer targets (FUZZ_SECONDS each)
# make check-valgrind  the bats tests, every fintune run under valgrind memcheck
# make lint       cppcheck, clang-tidy and scan-build over src/ (docs/LINT.md); CI runs it
# make kernel-facts  prove the kernel facts fintune's advice rests on, in
#                 network namespaces it makes and deletes (root; a clear skip
#                 otherwise; about 30 s; part of make check)
# make bench      fintune status's census against ss and /proc/net/tcp over
#                 10,000-200,000 sockets, fintune diff against systemd-sysctl
#                 and sysctl --system over 10-100,000 drop-ins, in namespaces
#                 it makes (root; about 5 minutes; not part of make check;
#                 BENCH_DOC=docs/BENCHMARKS.md writes the results there)
# make bench-scale  fintune diff against cat and systemd-sysctl on large
#                 sysctl.d trees (root; BENCH_N, default 1000 10000 100000)
# make lab        the namespace lab: each profile measured before and after
#                 apply in network namespaces it makes (root; under 5 minutes;
#                 LAB_DIR raw results, docs/LAB.md and docs/lab/*.png)
# make install    PREFIX, DESTDIR and the directories below as usual

PKG_CONFIG ?= pkg-config
PREFIX ?= /usr
DESTDIR ?=
SBINDIR ?= $(PREFIX)/sbin
DATADIR ?= $(PREFIX)/share
MANDIR ?= $(DATADIR)/man
BASHCOMPDIR ?= $(DATADIR)/bash-completion/completions
ZSHCOMPDIR ?= $(DATADIR)/zsh/site-functions
CATALOGDIR ?= $(PREFIX)/lib/systemd/catalog
SYSCONFDIR ?= /etc
LOCALSTATEDIR ?= /var
RUNSTATEDIR ?= /run

VERSION := 0.1.0
B ?= build
FUZZ_SECONDS ?= 20

PKGS := yaml-0.1 libsystemd jansson libpcre2-8 nettle

# CFLAGS is yours (make CFLAGS=...); what fintune needs is added with override.
CFLAGS ?= -O2 -g
override CFLAGS += -std=gnu11 -D_GNU_SOURCE
override CFLAGS += -Wall -Wextra -Wshadow -Wformat=2 -Wstrict-prototypes -Wmissing-prototypes
override CFLAGS += -MMD -MP
override CFLAGS += -DFINTUNE_VERSION='"$(VERSION)"'
override CFLAGS += -DFINTUNE_DATADIR='"$(DATADIR)/fintune"'
override CFLAGS += -DFINTUNE_SYSCONFDIR='"$(SYSCONFDIR)"'
override CFLAGS += -DFINTUNE_LOCALSTATEDIR='"$(LOCALSTATEDIR)"'
override CFLAGS += -DFINTUNE_RUNSTATEDIR='"$(RUNSTATEDIR)"'
override CFLAGS += $(shell $(PKG_CONFIG) --cflags $(PKGS) 2>/dev/null)
override LDLIBS += $(shell $(PKG_CONFIG) --libs $(PKGS) 2>/dev/null) -lm

ifneq ($(V),1)
Q := @
quiet = @printf '  %-7s %s\n' $(1) $(2);
else
Q :=
quiet =
endif

# Everything but main() goes into a static library the tests and fuzzers link.
MAIN_SRC := src/fintune.c
LIB_SRC := $(filter-out $(MAIN_SRC),$(sort $(wildcard src/*.c)))
LIB_OBJ := $(LIB_SRC:src/%.c=$(B)/obj/%.o) $(B)/obj/embed.o
MAIN_OBJ := $(B)/obj/fintune.o

# The schema and the built-in profiles are compiled in: the binary validates
# with exactly the schema it was built and tested with, and runs from the tree.
BUILTIN_FILES := schema/profile.schema.json $(sort $(wildcard profiles/*.yaml))

# The man pages are scdoc sources (src/man/NAME.SECTION.scd), built into
# $(B)/man at build time and installed from there.
SCDOC ?= scdoc
MAN_SRC := $(sort $(wildcard src/man/*.scd))
MAN_OUT := $(MAN_SRC:src/man/%.scd=$(B)/man/%)

UNIT_SRC := $(sort $(wildcard tests/unit/test_*.c))
UNIT_BIN := $(UNIT_SRC:tests/unit/%.c=$(B)/tests/%)

.PHONY: all man run check lab deps deps-test deps-lab deps-bench test test-unit test-suite test-cli test-san fuzz \
	kernel-facts bench bench-scale install uninstall test-install clean

all: $(B)/fintune man

man: $(MAN_OUT)

# @VERSION@ is the version; .nh after .TH, because an.tmac's .TH turns back on
# the hyphenation scdoc turns off (keys and options must not break at a hyphen).
$(B)/man/%: src/man/%.scd Makefile
	@mkdir -p $(@D)
	$(call quiet,SCDOC,$@)sed 's/@VERSION@/$(VERSION)/g' $< >$@.scd && $(SCDOC) <$@.scd >$@.tmp && \
		sed -i '/^\.TH /a .nh' $@.tmp && rm -f $@.scd && mv $@.tmp $@

$(B)/obj/%.o: src/%.c
	@mkdir -p $(@D)
	$(call quiet,CC,$@)$(CC) $(CPPFLAGS) $(CFLAGS) -Isrc -c -o $@ $<

$(B)/obj/embed.o: src/embed.S $(BUILTIN_FILES)
	@mkdir -p $(@D)
	$(call quiet,AS,$@)$(CC) $(CPPFLAGS) $(filter-out -MMD -MP,$(CFLAGS)) -I. -c -o $@ $<

$(B)/libfintune.a: $(LIB_OBJ)
	$(call quiet,AR,$@)rm -f $@ && $(AR) rcs $@ $^

$(B)/fintune: $(MAIN_OBJ) $(B)/libfintune.a
	$(call quiet,LD,$@)$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(B)/tests/%: tests/unit/%.c $(B)/libfintune.a
	@mkdir -p $(@D)
	$(call quiet,CC,$@)$(CC) $(CPPFLAGS) $(CFLAGS) -Isrc -o $@ $< $(B)/libfintune.a \
		$(LDFLAGS) $(LDLIBS) $(shell $(PKG_CONFIG) --libs cmocka 2>/dev/null)

$(B)/tests/sysctld-resolve: tests/suite/sysctld-resolve.c $(B)/libfintune.a
	@mkdir -p $(@D)
	$(call quiet,CC,$@)$(CC) $(CPPFLAGS) $(CFLAGS) -Isrc -o $@ $< $(B)/libfintune.a $(LDFLAGS) $(LDLIBS)

$(B)/tests/journal-listen: tests/suite/journal-listen.c
	@mkdir -p $(@D)
	$(call quiet,CC,$@)$(CC) $(CPPFLAGS) $(CFLAGS) -o $@ $< $(LDFLAGS)

$(B)/tests/swapper: tests/suite/swapper.c
	@mkdir -p $(@D)
	$(call quiet,CC,$@)$(CC) $(CPPFLAGS) $(CFLAGS) -o $@ $< $(LDFLAGS)

# The lab's load generator, servers and orphan prober (libc only).
$(B)/tests/ftload: tests/lab/ftload.c
	@mkdir -p $(@D)
	$(call quiet,CC,$@)$(CC) $(CPPFLAGS) $(CFLAGS) -o $@ $< $(LDFLAGS)

$(B)/tests/run-suite: tests/suite/run-suite.c $(B)/libfintune.a
	@mkdir -p $(@D)
	$(call quiet,CC,$@)$(CC) $(CPPFLAGS) $(CFLAGS) -Isrc -o $@ $< $(B)/libfintune.a $(LDFLAGS) $(LDLIBS)

# --- the two commands of the README ------------------------------------------

deps:
	$(Q)packaging/install-deps build

deps-test:
	$(Q)packaging/install-deps build test

# The main job: the dry run of the reverse-proxy profile against this machine
# (no root needed; nothing is written). Exit 2 from diff means "changes
# pending", which is what a dry run is for.
run: deps
	$(Q)$(MAKE) --no-print-directory all
	$(Q)$(B)/fintune diff reverse-proxy; s=$$?; [ $$s -eq 0 ] || [ $$s -eq 2 ]

check: deps-test
	$(Q)$(MAKE) --no-print-directory test
	$(Q)$(MAKE) --no-print-directory kernel-facts
	$(Q)$(MAKE) --no-print-directory test-san
	$(Q)$(MAKE) --no-print-directory fuzz FUZZ_SECONDS=$(FUZZ_CHECK_SECONDS)
	$(Q)$(MAKE) --no-print-directory check-packages
	$(Q)$(MAKE) --no-print-directory check-ansible
	@echo "make check: all tests passed"

# --- tests -------------------------------------------------------------------

SUITE_DIR ?= ../shared/json-schema-test-suite

test: test-unit test-suite test-cli test-install

test-unit: $(UNIT_BIN)
	@set -e; for t in $(UNIT_BIN); do echo "  UNIT    $$t"; $$t; done

test-suite: $(B)/tests/run-suite
	$(Q)if [ -d "$(SUITE_DIR)" ]; then \
		$(B)/tests/run-suite $(SUITE_DIR) tests/suite/skip.txt; \
	else \
		echo "  SUITE   skipped: $(SUITE_DIR) is absent (set SUITE_DIR to the official JSON Schema test suite)"; \
	fi

test-cli: $(B)/fintune $(MAN_OUT) $(B)/tests/sysctld-resolve $(B)/tests/journal-listen $(B)/tests/swapper $(B)/tests/ftload
	$(Q)FINTUNE=$(abspath $(B)/fintune) RESOLVE=$(abspath $(B)/tests/sysctld-resolve) \
		LISTEN=$(abspath $(B)/tests/journal-listen) SWAPPER=$(abspath $(B)/tests/swapper) \
		FTLOAD=$(abspath $(B)/tests/ftload) MANPAGE_DIR=$(abspath $(B)/man) \
		bats --print-output-on-failure tests/cli

# KERNEL.md's traps that show in seconds, proven on the running kernel in
# network namespaces the tests make (and delete, also on failure). Not part
# of test, so that test-san does not run it a second time.
kernel-facts: $(B)/fintune $(B)/tests/ftload
	$(Q)FINTUNE=$(abspath $(B)/fintune) FTLOAD=$(abspath $(B)/tests/ftload) tests/kfacts/run

# The namespace lab (tests/lab/run-lab): outbound client, reverse proxy,
# orphan lifetimes and long half-close, each under a fresh namespace's
# defaults and after fintune apply of its profile there. Raw CSVs go to
# LAB_DIR; docs/LAB.md and docs/lab/*.png are generated from them.
# FINTUNE_PREDICT: another fintune for the predicted orphan lifetimes.
LAB_DIR ?= $(B)/lab
LAB_DOCS ?= docs
FINTUNE_PREDICT ?=
deps-lab:
	$(Q)packaging/install-deps build lab

lab: deps-lab
	$(Q)$(MAKE) --no-print-directory $(B)/fintune $(B)/tests/ftload
	$(Q)FINTUNE_PREDICT="$(FINTUNE_PREDICT)" tests/lab/run-lab $(B)/fintune $(B)/tests/ftload $(LAB_DIR) $(LAB_DOCS)

# The same tests again, built with AddressSanitizer and UBSan.
SAN_FLAGS := -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=all
test-san:
	$(Q)ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 UBSAN_OPTIONS=print_stacktrace=1 FINTUNE_SANITIZED=1 \
		$(MAKE) --no-print-directory B=build/san CFLAGS="$(SAN_FLAGS)" LDFLAGS="$(SAN_FLAGS)" test

FUZZ_CC ?= clang
FUZZ_FLAGS := -O1 -g -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=all
FUZZ_TARGETS := $(patsubst tests/fuzz/%.c,build/fuzz/%,$(wildcard tests/fuzz/fuzz_*.c))
# FUZZ_ONLY="plan state": those targets alone (the names after fuzz_);
# FUZZ_ARGS: more libFuzzer options for the timed run (-dict=..., -seed=1).
FUZZ_ONLY ?=
FUZZ_ARGS ?=
FUZZ_RUN := $(if $(strip $(FUZZ_ONLY)),$(addprefix build/fuzz/fuzz_,$(FUZZ_ONLY)),$(FUZZ_TARGETS))
# The longest input: 4 KiB, but for the plan files, states and the profile
# schema fintune itself writes and ships, which are 5 to 15 KiB.
FUZZ_MAX_LEN := 4096
FUZZ_MAX_LEN_plan := 16384
FUZZ_MAX_LEN_state := 16384
FUZZ_MAX_LEN_schema := 16384
FUZZ_OPTS = -timeout=5 -rss_limit_mb=1024 -close_fd_mask=3
# FUZZ_SECONDS=0: the regression inputs and the corpus once, no fuzzing
# (libFuzzer's -max_total_time=0 would mean no end)
# What a failed run says: its log from the sanitizer's or libFuzzer's report on.
FUZZ_REPORT = awk '/ERROR: |runtime error|deadly signal|ALARM|out-of-memory|==[0-9]+== *WARNING/ { on = 1 } on && n++ < 40; on && /^SUMMARY/ { exit }' $$log
FUZZ_TIME = $(if $(filter 0,$(FUZZ_SECONDS)),-runs=0,-max_total_time=$(FUZZ_SECONDS))
# make check's brief run: every target over its regression inputs and
# corpus, then FUZZ_CHECK_SECONDS of fuzzing each, one target at a time:
# each fuzzer is a busy process of its own, and on 2 cores two at once
# would only halve what each does. 8 targets x 6 s, with the regression
# and seed runs and the exits, is about 65 s; a long run: FUZZ_SECONDS=N.
FUZZ_CHECK_SECONDS ?= 6

# The library once (a sub-make of its own objects, with the fuzz flags),
# before any target links it, also under make -j; then always relink.
.PHONY: fuzz-lib
fuzz-lib:
	$(Q)$(MAKE) --no-print-directory B=build/fuzz CC=$(FUZZ_CC) CFLAGS="$(FUZZ_FLAGS)" build/fuzz/libfintune.a

build/fuzz/fuzz_%: tests/fuzz/fuzz_%.c fuzz-lib
	$(call quiet,CC,$@)$(FUZZ_CC) $(FUZZ_FLAGS) -fsanitize=fuzzer -Isrc -o $@ $< build/fuzz/libfintune.a $(LDLIBS)

# Each target NAME (tests/fuzz/fuzz_NAME.c): first every crash ever found,
# tests/fuzz/regress/NAME-*, each run once (any failure fails); then
# FUZZ_SECONDS of fuzzing over build/fuzz/corpus-NAME, a writable corpus
# that keeps what earlier runs found (libFuzzer adds new inputs to the
# first directory only), and the seeds in tests/fuzz/corpus-NAME, which it
# reads but never writes. A crash, leak, UB report or timeout stops it with
# the report and the input (build/fuzz/NAME-crash-*, -leak-, -timeout-,
# -oom-), to add to tests/fuzz/regress/ as NAME-WHAT with the fix.
fuzz: $(FUZZ_RUN)
	@set -e; for f in $(FUZZ_RUN); do \
		t=$$(basename $$f); n=$${t#fuzz_}; log=build/fuzz/$$n.log; \
		case $$n in $(foreach v,$(filter FUZZ_MAX_LEN_%,$(.VARIABLES)),($(v:FUZZ_MAX_LEN_%=%)) m=$($(v));;) \
			*) m=$(FUZZ_MAX_LEN);; esac; \
		mkdir -p build/fuzz/corpus-$$n; \
		set -- $$(ls -d tests/fuzz/regress/$$n-* 2>/dev/null); \
		if [ $$# -gt 0 ]; then \
			$$f $(FUZZ_OPTS) "$$@" >$$log 2>&1 || \
				{ $(FUZZ_REPORT); echo "  FUZZ    $$t: a regression input of tests/fuzz/regress fails (log: $$log)"; exit 1; }; \
		fi; \
		start=$$(date +%s); \
		$$f $(FUZZ_OPTS) -max_len=$$m $(FUZZ_TIME) -print_final_stats=1 \
			-artifact_prefix=build/fuzz/$$n- $(FUZZ_ARGS) build/fuzz/corpus-$$n tests/fuzz/corpus-$$n \
			>>$$log 2>&1 || \
			{ $(FUZZ_REPORT); echo "  FUZZ    $$t failed (log: $$log; the input:" \
				"$$(sed -n 's/.*Test unit written to //p' $$log | tail -1))"; exit 1; }; \
		runs=$$(sed -n 's/^stat::number_of_executed_units: *//p' $$log | tail -1); \
		cov=$$(grep -E '^#[0-9]+.*DONE' $$log | tail -1 | sed -n 's/.* cov: \([0-9]*\) .* corp: \([0-9]*\).*/cov \1, corpus \2/p'); \
		printf '  FUZZ    %-13s %s regression inputs, %s runs in %s s (%s)\n' $$t $$# "$$runs" \
			$$(( $$(date +%s) - start )) "$$cov"; \
	done

# --- benchmarks --------------------------------------------------------------

# make bench (tests/bench/bench): the census of fintune status against ss -tan,
# ss -s and a read of /proc/net/tcp over BENCH_SOCKETS sockets made by ftload
# in a network namespace of their own; fintune diff against systemd-sysctl
# --cat-config and sysctl --system --dry-run (which writes every key) over
# BENCH_FILES drop-ins, the appliers confined by tests/ns/with-trees. Medians
# of BENCH_RUNS runs, peak RSS, and whether each target is met; BENCH_DOC:
# the file whose generated part gets the machine and the tables.
BENCH_DOC ?=
deps-bench:
	$(Q)packaging/install-deps build bench

bench: deps-bench
	$(Q)$(MAKE) --no-print-directory $(B)/fintune $(B)/tests/ftload
	$(Q)BENCH_DOC="$(BENCH_DOC)" tests/bench/bench $(B)/fintune $(B)/tests/ftload

# fintune diff against `cat` and `systemd-sysctl --cat-config` over sysctl.d
# trees of BENCH_N files, and one 15 MiB drop-in: wall, CPU, peak RSS, system
# calls. Needs root (namespaces); writes only below a temporary directory.
BENCH_N ?=
bench-scale: $(B)/fintune
	$(Q)tests/bench/sysctld-scale $(B)/fintune $(BENCH_N)

# --- install -----------------------------------------------------------------

# Every file make install lays out, as tests/install/files lists them (the
# Debian and RPM packages are checked against that list too). Local profiles
# go in $(SYSCONFDIR)/fintune/profiles, which install makes and uninstall
# leaves when an admin has put profiles there.
install: $(B)/fintune $(MAN_OUT)
	install -d $(DESTDIR)$(SBINDIR) $(DESTDIR)$(DATADIR)/fintune/profiles \
		$(DESTDIR)$(DATADIR)/fintune/schema $(DESTDIR)$(MANDIR)/man5 $(DESTDIR)$(MANDIR)/man8 \
		$(DESTDIR)$(BASHCOMPDIR) $(DESTDIR)$(ZSHCOMPDIR) $(DESTDIR)$(CATALOGDIR) \
		$(DESTDIR)$(SYSCONFDIR)/fintune/profiles
	install -m 0755 $(B)/fintune $(DESTDIR)$(SBINDIR)/fintune
	install -m 0644 profiles/*.yaml $(DESTDIR)$(DATADIR)/fintune/profiles/
	install -m 0644 schema/profile.schema.json $(DESTDIR)$(DATADIR)/fintune/schema/
	install -m 0644 $(B)/man/fintune.8 $(DESTDIR)$(MANDIR)/man8/fintune.8
	install -m 0644 $(B)/man/fintune-profile.5 $(DESTDIR)$(MANDIR)/man5/fintune-profile.5
	install -m 0644 src/completion/fintune.bash-completion $(DESTDIR)$(BASHCOMPDIR)/fintune
	install -m 0644 src/completion/_fintune $(DESTDIR)$(ZSHCOMPDIR)/_fintune
	install -m 0644 packaging/fintune.catalog $(DESTDIR)$(CATALOGDIR)/fintune.catalog

uninstall:
	rm -f $(DESTDIR)$(SBINDIR)/fintune $(DESTDIR)$(MANDIR)/man8/fintune.8 \
		$(DESTDIR)$(MANDIR)/man5/fintune-profile.5 $(DESTDIR)$(BASHCOMPDIR)/fintune \
		$(DESTDIR)$(ZSHCOMPDIR)/_fintune $(DESTDIR)$(CATALOGDIR)/fintune.catalog
	rm -rf $(DESTDIR)$(DATADIR)/fintune
	-rmdir $(DESTDIR)$(SYSCONFDIR)/fintune/profiles $(DESTDIR)$(SYSCONFDIR)/fintune 2>/dev/null

# make install DESTDIR=... lays out exactly tests/install/files, and make
# uninstall takes all of it away again (an admin's local profile stays).
test-install: $(B)/fintune
	$(Q)tests/install/check $(CURDIR) $(B)

clean:
	rm -rf build

FORCE:

-include $(wildcard $(B)/obj/*.d $(B)/tests/*.d)

# --- packages ----------------------------------------------------------------

# make deb          the Debian package (packaging/debian), built with
#                   dpkg-buildpackage -us -uc -b and checked with lintian
# make rpm          the RPM (packaging/rpm/fintune.spec), rpmbuild -bb
# make check-packages  both built, the .deb installed, run and purged (over
#                   overlays in a mount namespace), both file lists compared
#                   with tests/install/files (root; a clear skip otherwise;
#                   part of make check)
# Both are built from a copy of the tree in a temporary directory: what git
# tracks and new files it does not ignore (so uncommitted work is packaged,
# build output is not); outside git, the whole tree but build/ and .git.
# The packages, the .changes and the build logs go to PKG_DIR.
PKG_DIR ?= $(B)/packages

.PHONY: deps-package deb rpm check-packages

deps-package:
	$(Q)packaging/install-deps build package

# The package builds run make again in their copy of the tree: none of this
# make's command-line variables (B=..., CFLAGS=...) may reach it, through
# MAKEFLAGS or the environment make puts them in, nor B from the caller's
# environment, or it builds into and packages this make's B.
pkg_clean_env = -u MAKEFLAGS -u MFLAGS -u MAKELEVEL -u MAKEOVERRIDES -u MAKE_TERMOUT -u MAKE_TERMERR -u B \
	$(strip $(foreach v,$(.VARIABLES),$(if $(filter command line override,$(origin $(v))),-u $(v))))

# $(call pkg_export,DIR): the source tree as described above, into DIR
pkg_export = if git -C $(CURDIR) rev-parse --is-inside-work-tree >/dev/null 2>&1; then \
		git -C $(CURDIR) ls-files -z --cached --others --exclude-standard | \
		(cd $(CURDIR) && xargs -0 sh -c 'for f; do [ -e "$$f" ] && printf "%s\0" "$$f"; done; :' sh) | \
		tar -C $(CURDIR) --null -T - -cf - | tar -C $(1) -xf -; \
	else \
		tar -C $(CURDIR) --exclude=./build --exclude=./.git -cf - . | tar -C $(1) -xf -; \
	fi

# dpkg-buildpackage wants debian/ at the top of the tree it builds and writes
# its results next to it; lintian then checks the .changes and with it the
# .deb and the .buildinfo (errors and warnings fail; the warnings kept are
# overridden with their reason, packaging/debian/README.source).
deb: deps-package
	$(Q)set -e; \
	v=$$(dpkg-parsechangelog -l packaging/debian/changelog -S Version); \
	[ "$${v%-*}" = "$(VERSION)" ] || { echo "make deb: packaging/debian/changelog is at $$v, the Makefile at $(VERSION)" >&2; exit 1; }; \
	tmp=$$(mktemp -d "$${TMPDIR:-/tmp}/fintune-deb.XXXXXX"); trap 'rm -rf "$$tmp"' EXIT; \
	src=$$tmp/fintune-$(VERSION); mkdir "$$src"; \
	$(call pkg_export,"$$src"); \
	rm -rf "$$src/debian"; cp -a packaging/debian "$$src/debian"; \
	echo "  DEB     dpkg-buildpackage -us -uc -b in $$src"; \
	(cd "$$src" && env $(pkg_clean_env) dpkg-buildpackage -us -uc -b) >"$$tmp/deb-build.log" 2>&1 || { tail -60 "$$tmp/deb-build.log"; exit 1; }; \
	mkdir -p $(PKG_DIR); rm -f $(PKG_DIR)/fintune*_*.deb $(PKG_DIR)/fintune_*.changes $(PKG_DIR)/fintune_*.buildinfo; \
	cp "$$tmp"/*.deb "$$tmp"/*.changes "$$tmp"/*.buildinfo "$$tmp/deb-build.log" $(PKG_DIR)/; \
	ls $(PKG_DIR)/*.deb | sed 's/^/  DEB     /'; \
	echo "  LINTIAN $$(ls $(PKG_DIR)/fintune_*.changes)"; \
	lintian --display-info --pedantic --fail-on error,warning $(PKG_DIR)/fintune_*.changes

# rpmbuild from a tarball of the tree (fintune-VERSION/ at its top), in a
# temporary _topdir. --nodeps: the BuildRequires are Fedora's names, checked
# against an rpm database that is empty on Debian; install-deps installs
# their Debian counterparts.
rpm: deps-package
	$(Q)set -e; \
	v=$$(rpmspec -q --srpm --qf '%{version}\n' packaging/rpm/fintune.spec); \
	[ "$$v" = "$(VERSION)" ] || { echo "make rpm: packaging/rpm/fintune.spec is at $$v, the Makefile at $(VERSION)" >&2; exit 1; }; \
	tmp=$$(mktemp -d "$${TMPDIR:-/tmp}/fintune-rpm.XXXXXX"); trap 'rm -rf "$$tmp"' EXIT; \
	mkdir -p "$$tmp/SOURCES" "$$tmp/src/fintune-$(VERSION)"; \
	$(call pkg_export,"$$tmp/src/fintune-$(VERSION)"); \
	tar -C "$$tmp/src" --owner=0 --group=0 -czf "$$tmp/SOURCES/fintune-$(VERSION).tar.gz" fintune-$(VERSION); \
	echo "  RPM     rpmbuild -bb packaging/rpm/fintune.spec in $$tmp"; \
	env $(pkg_clean_env) rpmbuild --define "_topdir $$tmp" --nodeps -bb packaging/rpm/fintune.spec \
		>"$$tmp/rpm-build.log" 2>&1 || { tail -60 "$$tmp/rpm-build.log"; exit 1; }; \
	mkdir -p $(PKG_DIR); rm -f $(PKG_DIR)/fintune-*.rpm; \
	cp "$$tmp"/RPMS/*/*.rpm "$$tmp/rpm-build.log" $(PKG_DIR)/; \
	ls $(PKG_DIR)/*.rpm | sed 's/^/  RPM     /'

# Both packages built, their file lists compared with tests/install/files
# (tests/packages/rpm, read-only), then the .deb installed with dpkg -i, run
# and purged, nothing of it left (tests/packages/deb). Root: the install is
# real, but over overlays of /usr, /etc and /var in a mount namespace whose
# upper layers are a tmpfs: nothing reaches this machine's own files.
check-packages:
	$(Q)if [ "$$(id -u)" -ne 0 ]; then \
		echo "  PKG     skipped: make check-packages installs the .deb in a mount namespace, which needs root"; exit 0; fi; \
	set -e; $(MAKE) --no-print-directory deb rpm; \
	deb=$$(ls $(PKG_DIR)/fintune_$(VERSION)-*_*.deb); rpm=$$(ls $(PKG_DIR)/fintune-$(VERSION)-*.rpm); \
	tests/packages/rpm $(CURDIR) "$$rpm" "$$deb"; \
	tests/packages/deb $(CURDIR) "$$deb"; \
	echo "make check-packages: the .deb and the .rpm build, lay out tests/install/files; the .deb installs, runs and purges cleanly"

# --- Ansible role (packaging/ansible; issue 11, point 7) ---------------------
# make check-ansible (tests/ansible/run-fleet): the fintune role with Debian's
# ansible-core on a fleet of 20 local hosts, each confined to its own --root
# tree in a temporary directory: first run 19 changed and 1 failed with
# fintune's located error, second run 0 changed, check mode writes nothing,
# diff mode shows fintune's drop-in, the fleet report of fintune status names
# the host made to drift. Part of make check. Skipped, saying so, when
# ansible-core cannot be installed.
.PHONY: deps-ansible check-ansible
deps-ansible:
	$(Q)packaging/install-deps build ansible || echo "check-ansible: ansible-core could not be installed (packaging/install-deps ansible)"

check-ansible: deps-ansible
	$(Q)$(MAKE) --no-print-directory $(B)/fintune
	$(Q)tests/ansible/run-fleet $(B)/fintune

# --- static analysis (make lint) ---------------------------------------------
# make lint       cppcheck, clang-tidy and scan-build over src/ (what ships),
#                 each with the build's own -D and -I flags; any finding
#                 fails. The checks, why these, and every finding silenced
#                 with its reason: docs/LINT.md. LINT_JOBS at a time
#                 (default 2); about 3 minutes of CPU, under 2 on 2 idle cores.
# make lint-cppcheck, lint-tidy, lint-scan  one of the three.
.PHONY: deps-lint lint lint-cppcheck lint-tidy lint-scan

LINT_JOBS ?= 2
LINT_CC ?= clang
LINT_SRC := $(sort $(wildcard src/*.c))
# The flags the objects are compiled with, less the dependency files.
LINT_CFLAGS = $(filter-out -MMD -MP,$(CPPFLAGS) $(CFLAGS)) -Isrc
LINT_SCAN_B := $(B)/scan

deps-lint:
	$(Q)packaging/install-deps build lint

# All three run even when one finds something, so one run shows everything.
lint: deps-lint
	$(Q)s=0; \
	$(MAKE) --no-print-directory lint-cppcheck || s=1; \
	$(MAKE) --no-print-directory lint-tidy || s=1; \
	$(MAKE) --no-print-directory lint-scan || s=1; \
	if [ $$s -ne 0 ]; then echo "make lint: findings above" >&2; exit 1; fi; \
	echo "make lint: cppcheck, clang-tidy and scan-build found nothing"

# cppcheck sees our -D flags and src/, not the system headers (slow, not
# ours; hence missingIncludeSystem); libc through its posix and gnu library
# files, jansson's macros through tests/lint/jansson.cfg. Off everywhere:
# variableScope (a taste: this code declares at the top of a function, for
# the single exit of STYLE.md), readdirCalled (readdir_r is the deprecated
# one) and gmtimeCalled (fintune has one thread). Anything else is silenced
# on its line with // cppcheck-suppress ID and the reason.
CPPCHECK_FLAGS := --std=c11 --enable=warning,style,performance,portability --error-exitcode=1 \
	--inline-suppr --template=gcc --library=posix --library=gnu --library=tests/lint/jansson.cfg \
	--suppress=missingIncludeSystem --suppress=variableScope --suppress=readdirCalled --suppress=gmtimeCalled

lint-cppcheck:
	$(call quiet,CPPCHECK,src/)cppcheck -q -j$(LINT_JOBS) $(CPPCHECK_FLAGS) \
		$(filter -D% -U%,$(LINT_CFLAGS)) -Isrc $(LINT_SRC)

# clang-tidy with the checks of .clang-tidy (each with its reason there),
# one file per run, LINT_JOBS runs at a time. -w: the compiler's own
# warnings are the build's business, not lint's; nor is the count of
# warnings in system headers it prints for each file.
lint-tidy:
	$(call quiet,TIDY,src/)printf '%s\n' $(LINT_SRC) | xargs -P$(LINT_JOBS) -I{} sh -c \
		'f=$$1; shift; out=$$(clang-tidy --quiet "$$f" -- "$$@" 2>&1); s=$$?; \
		[ -z "$$out" ] || printf "%s\n" "$$out" | grep -v "^[0-9]* warnings\{0,1\} generated\." || :; exit $$s' \
		sh {} $(LINT_CFLAGS) -w

# scan-build over the real build of fintune with clang, into its own
# $(LINT_SCAN_B), made afresh so that every file is analysed (the report
# stays there, for scan-view). The default checkers and valist (the
# printf-like helpers). sh -c: CC must be scan-build's own, whatever CC
# this make was given. -w, as for clang-tidy: clang's own warnings are not
# the analyzer's, which it still prints.
lint-scan:
	$(Q)rm -rf $(LINT_SCAN_B)
	$(call quiet,SCAN,$(LINT_SCAN_B)/fintune)scan-build --status-bugs --use-cc=$(LINT_CC) \
		-o $(LINT_SCAN_B)/report -enable-checker valist \
		sh -c '$(MAKE) --no-print-directory $(if $(filter -j%,$(MAKEFLAGS)),,-j$(LINT_JOBS)) \
			B=$(LINT_SCAN_B) CC="$$CC" CFLAGS="-O0 -w" $(LINT_SCAN_B)/fintune'

# --- valgrind (make check-valgrind) ---
# make check-valgrind: the bats tests of tests/cli again, with $FINTUNE the
# wrapper tests/valgrind/fintune, which runs each fintune under valgrind
# memcheck (full leak check, definite, indirect and possible leaks counted as
# errors, one log per process in VG_LOGS, none on stderr). fintune is built
# as usual (CFLAGS, -O2 -g by default) into build/valgrind. Then
# tests/valgrind/scan-logs reads every log and fails on any memory error,
# leak or unfinished log, whatever bats said: a test that expects fintune to
# fail would pass on the wrapper's exit status 99 too. FINTUNE_VALGRIND=1
# lets the few tests that cannot hold under valgrind (hard timing, ulimit -v)
# adapt or skip, saying why. Serial (2 cores): about 30 minutes; not part of
# make check.
VG_B := build/valgrind
VG_LOGS := $(VG_B)/valgrind-logs

.PHONY: deps-valgrind check-valgrind
deps-valgrind:
	$(Q)packaging/install-deps build test valgrind

check-valgrind: deps-valgrind
	$(Q)$(MAKE) --no-print-directory B=$(VG_B) all $(VG_B)/tests/sysctld-resolve $(VG_B)/tests/journal-listen \
		$(VG_B)/tests/swapper $(VG_B)/tests/ftload
	$(Q)rm -rf $(VG_LOGS) && mkdir -p $(VG_LOGS) && chmod 1777 $(VG_LOGS)
	@echo "  VALGRIND bats tests/cli, each fintune run under valgrind memcheck (logs in $(VG_LOGS))"
	$(Q)start=$$(date +%s); s=0; \
	FINTUNE=$(abspath tests/valgrind/fintune) FINTUNE_VALGRIND=1 \
		FINTUNE_VALGRIND_BIN=$(abspath $(VG_B)/fintune) FINTUNE_VALGRIND_LOGS=$(abspath $(VG_LOGS)) \
		RESOLVE=$(abspath $(VG_B)/tests/sysctld-resolve) LISTEN=$(abspath $(VG_B)/tests/journal-listen) \
		SWAPPER=$(abspath $(VG_B)/tests/swapper) FTLOAD=$(abspath $(VG_B)/tests/ftload) \
		MANPAGE_DIR=$(abspath $(VG_B)/man) \
		bats --print-output-on-failure tests/cli || s=$$?; \
	tests/valgrind/scan-logs $(VG_LOGS) || s=1; \
	echo "  VALGRIND the bats tests took $$(( $$(date +%s) - start )) s under valgrind"; \
	[ $$s -eq 0 ] || { echo "make check-valgrind: failed" >&2; exit 1; }; \
	echo "make check-valgrind: the bats tests pass, every fintune run without a memory error or leak"
