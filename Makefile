# SPDX-License-Identifier: ISC
# kad: top-level GNU makefile, the generic machinery.
#
# Each directory has one fragment, DIR/DIR.mk (tests/NAME/NAME.mk for the
# test directories), that declares only its own programs:
#   BINS += prog          prog_SRCS := ...   prog_PKGS := pkg-config names
#   BIN_BINS / SBIN_BINS / LIBEXEC_BINS += prog  (where `make install` puts it)
#   TESTS += name         name_SRCS, name_PKGS     (tests/*/*.mk)
#   FUZZERS += name       name_SRCS, name_PKGS     (tests/fuzz/fuzz.mk)
#   BENCHES += name       name_SRCS, name_PKGS     (bench/bench.mk)
# (name_LIBS: extra linker flags, such as -lm)
# Every program also links libkadipc.a and the common packages.  The
# fragments of the process directories are read first, so the test and
# bench fragments can reuse their source lists (KADNET_PURE, ...); any
# new tests/*/*.mk or bench/*.mk is picked up without editing this file.
# The check, fuzz and bench rules live in tests/tests.mk,
# tests/fuzz/fuzz.mk and bench/bench.mk.
#
# VARIANT=release (default, build/release), test (build/test: test hooks
# compiled in) or asan (build/asan: test hooks, ASan+UBSan).

# LIBEXECDIR, SYSCONFDIR, LOCALSTATEDIR and SYSUSERSDIR (named in the
# message about missing worker users) are compiled in: give
# `make install` the same PREFIX the build had.  The systemd files go
# under PREFIX, where systemd looks for them (/usr/local/lib/systemd/...
# as well as /usr/lib/systemd/...); UNITDIR=/etc/systemd/system, say,
# puts the unit elsewhere.
PREFIX		?= /usr/local
BINDIR		?= $(PREFIX)/bin
SBINDIR		?= $(PREFIX)/sbin
LIBEXECDIR	?= $(PREFIX)/libexec/kad
MANDIR		?= $(PREFIX)/share/man
SYSCONFDIR	?= /etc
LOCALSTATEDIR	?= /var/lib
UNITDIR		?= $(PREFIX)/lib/systemd/system
SYSUSERSDIR	?= $(PREFIX)/lib/sysusers.d
TMPFILESDIR	?= $(PREFIX)/lib/tmpfiles.d
DESTDIR		?=

VARIANT		?= release
B		?= build/$(VARIANT)

# Debian packages needed to build, test and fuzz.  Tests only:
# tokyocabinet-bin (tchmgr edits stores), groff-base (the man pages'
# check), python3 (the JSON of kadctl -j is parsed with its json
# module, in output.sh, files.sh and dirs.sh; kad itself never uses it),
# xxd (hex to bytes, in capture.sh and identity.sh).
# libisal-dev: kadcrypt's Reed-Solomon codec (kadcrypt/erasure.c).
DEBIAN_PKGS	:= gcc make pkg-config libevent-dev libssl-dev \
		   libtokyocabinet-dev libbsd-dev libseccomp-dev libisal-dev \
		   clang valgrind tokyocabinet-bin iproute2 util-linux procps \
		   libclang-rt-14-dev groff-base python3 xxd
COMMON_PKGS	:= libevent_core libbsd libseccomp
ALL_PKGS	:= $(COMMON_PKGS) libcrypto tokyocabinet libisal

WARN		:= -Wall -Wextra -Werror -Wstrict-prototypes \
		   -Wmissing-prototypes -Wmissing-declarations -Wshadow \
		   -Wpointer-arith -Wcast-qual -Wsign-compare
DEFS		:= -D_GNU_SOURCE -DLIBEXECDIR='"$(LIBEXECDIR)"' \
		   -DLOCALSTATEDIR='"$(LOCALSTATEDIR)"' \
		   -DSYSCONFDIR='"$(SYSCONFDIR)"' \
		   -DSYSUSERSDIR='"$(SYSUSERSDIR)"'
OPT		?= -O2 -g
HARDEN		:= -D_FORTIFY_SOURCE=2 -fstack-protector-strong -fPIE
LDHARDEN	:= -pie -Wl,-z,relro,-z,now

ifeq ($(VARIANT),test)
DEFS		+= -DKAD_TEST_HOOKS
endif
ifeq ($(VARIANT),asan)
DEFS		+= -DKAD_TEST_HOOKS
OPT		:= -O1 -g -fno-omit-frame-pointer
SANITIZE	:= -fsanitize=address,undefined -fno-sanitize-recover=all
HARDEN		:= -fstack-protector-strong -fPIE
endif

# pkg-config is only asked once the packages exist (see `deps`).
pkgcflags	= $(shell pkg-config --cflags $(1) 2>/dev/null)
pkglibs		= $(shell pkg-config --libs $(1) 2>/dev/null)

CPPFLAGS_ALL	= -I. -Ilibkadipc $(DEFS) $(call pkgcflags,$(ALL_PKGS))
CFLAGS_ALL	= -std=c11 $(OPT) $(WARN) $(HARDEN) $(SANITIZE) $(CFLAGS)
LDFLAGS_ALL	= $(LDHARDEN) $(SANITIZE) $(LDFLAGS)

BINS		:=
BIN_BINS	:=
LIBEXEC_BINS	:=
SBIN_BINS	:=
TESTS		:=
FUZZERS		:=
BENCHES		:=
IPC_LIB		:= $(B)/libkadipc.a
-include $(sort $(wildcard kad*/*.mk libkadipc/*.mk))
-include $(sort $(wildcard tests/*.mk tests/*/*.mk bench/*.mk))

.PHONY: all deps bench-deps build-all tests run install clean
.DEFAULT_GOAL := all

all: deps
	@$(MAKE) --no-print-directory build-all

build-all: $(addprefix $(B)/,$(BINS))

tests: $(addprefix $(B)/,$(BINS)) $(addprefix $(B)/tests/,$(TESTS))

# Install whatever Debian package is missing; quiet when all are there.
# bench-deps: the same for BENCH_DEBIAN_PKGS (bench/bench.mk), which
# only the benchmarks use, so that CI's `make deps` does without them.
deps_PKGS	= $(DEBIAN_PKGS)
bench-deps_PKGS	= $(BENCH_DEBIAN_PKGS)
deps bench-deps:
	@missing=""; for p in $($@_PKGS); do \
		dpkg-query -W -f='$${Status}' $$p 2>/dev/null | \
		    grep -q 'ok installed' || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
		echo "kad: installing Debian packages:$$missing"; \
		sudo=""; [ "$$(id -u)" = 0 ] || sudo=sudo; \
		$$sudo apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $$sudo apt-get install -y -qq \
		    --no-install-recommends $$missing >/dev/null || exit 1; \
	fi

$(B)/obj/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS_ALL) $(CFLAGS_ALL) -MMD -MP -c -o $@ $<

define PROG_template
$(2)/$(1): $$(patsubst %.c,$(B)/obj/%.o,$$($(1)_SRCS)) $(IPC_LIB)
	@mkdir -p $$(@D)
	$$(CC) $$(LDFLAGS_ALL) -o $$@ $$(patsubst %.c,$(B)/obj/%.o,$$($(1)_SRCS)) \
	    $(IPC_LIB) $$(call pkglibs,$$($(1)_PKGS) $(COMMON_PKGS)) \
	    $$($(1)_LIBS)
endef
$(foreach p,$(BINS),$(eval $(call PROG_template,$(p),$(B))))
$(foreach p,$(TESTS),$(eval $(call PROG_template,$(p),$(B)/tests)))
$(foreach p,$(BENCHES),$(eval $(call PROG_template,$(p),$(B)/bench)))

# libFuzzer harnesses are built with clang from the sources directly,
# libkadipc included (FUZZ_FLAGS and the run rule: tests/fuzz/fuzz.mk).
define FUZZ_template
build/fuzz/$(1): $$($(1)_SRCS) $(IPC_SRCS)
	@mkdir -p $$(@D)
	clang $(FUZZ_FLAGS) $$(call pkgcflags,$(ALL_PKGS)) -o $$@ \
	    $$($(1)_SRCS) $(IPC_SRCS) \
	    $$(call pkglibs,$$($(1)_PKGS) $(COMMON_PKGS))
endef
$(foreach p,$(FUZZERS),$(eval $(call FUZZ_template,$(p))))

-include $(shell find $(B)/obj -name '*.d' 2>/dev/null)

# `make run`: one node on defaults, in the foreground, from the build
# tree (the workers are taken from $(B) rather than LIBEXECDIR).
run: all
	@echo "kad: starting a node in the foreground (Ctrl-C stops it)."
	@echo "kad: in another terminal: $(B)/kadctl status"
	@sh tests/mkusers.sh
	@exec $(B)/kadmaster -d -o libexec=$(CURDIR)/$(B) $(RUN_ARGS)

# `make install`: BIN_BINS (kadctl) in BINDIR, SBIN_BINS (kadmaster) in
# SBINDIR, LIBEXEC_BINS under LIBEXECDIR, the man pages, the systemd
# unit, the sysusers.d and tmpfiles.d files that create the users and
# the state directories, and kad.conf.sample (never kad.conf itself).
# Into the live system (DESTDIR empty) as root, it also creates the users
# and directories: with systemd-sysusers and systemd-tmpfiles where they
# exist, else with useradd and install.
INSTALL		?= install
SUBST		= sed -e 's|@SBINDIR@|$(SBINDIR)|g' \
		    -e 's|@LIBEXECDIR@|$(LIBEXECDIR)|g' \
		    -e 's|@LOCALSTATEDIR@|$(LOCALSTATEDIR)|g' \
		    -e 's|@SYSCONFDIR@|$(SYSCONFDIR)|g'

install: all
	$(INSTALL) -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(SBINDIR) \
	    $(DESTDIR)$(LIBEXECDIR) $(DESTDIR)$(MANDIR)/man5 \
	    $(DESTDIR)$(MANDIR)/man8 $(DESTDIR)$(UNITDIR) \
	    $(DESTDIR)$(SYSUSERSDIR) $(DESTDIR)$(TMPFILESDIR) \
	    $(DESTDIR)$(SYSCONFDIR)/kad
	$(INSTALL) -m 755 $(addprefix $(B)/,$(BIN_BINS)) $(DESTDIR)$(BINDIR)
	$(INSTALL) -m 755 $(addprefix $(B)/,$(SBIN_BINS)) $(DESTDIR)$(SBINDIR)
	$(INSTALL) -m 755 $(addprefix $(B)/,$(LIBEXEC_BINS)) \
	    $(DESTDIR)$(LIBEXECDIR)
	$(INSTALL) -m 644 docs/man/kadmaster.8 docs/man/kadctl.8 \
	    $(DESTDIR)$(MANDIR)/man8
	$(INSTALL) -m 644 docs/man/kad.conf.5 $(DESTDIR)$(MANDIR)/man5
	$(SUBST) docs/kad.service.in >$(DESTDIR)$(UNITDIR)/kad.service
	$(SUBST) docs/sysusers.conf >$(DESTDIR)$(SYSUSERSDIR)/kad.conf
	$(SUBST) docs/tmpfiles.conf.in >$(DESTDIR)$(TMPFILESDIR)/kad.conf
	$(SUBST) docs/kad.conf.sample.in \
	    >$(DESTDIR)$(SYSCONFDIR)/kad/kad.conf.sample
	chmod 644 $(DESTDIR)$(UNITDIR)/kad.service \
	    $(DESTDIR)$(SYSUSERSDIR)/kad.conf \
	    $(DESTDIR)$(TMPFILESDIR)/kad.conf \
	    $(DESTDIR)$(SYSCONFDIR)/kad/kad.conf.sample
	@if [ -n "$(DESTDIR)" ] || [ "$$(id -u)" != 0 ]; then \
		echo "kad: DESTDIR set or not root: the users _kadnet" \
		    "_kadstore _kadcrypt and $(LOCALSTATEDIR)/kad come from" \
		    "$(SYSUSERSDIR)/kad.conf and $(TMPFILESDIR)/kad.conf" \
		    "at package install time"; \
	elif command -v systemd-sysusers >/dev/null 2>&1 && \
	    command -v systemd-tmpfiles >/dev/null 2>&1; then \
		systemd-sysusers $(SYSUSERSDIR)/kad.conf && \
		systemd-tmpfiles --create $(TMPFILESDIR)/kad.conf && \
		echo "kad: users and $(LOCALSTATEDIR)/kad ready" \
		    "(systemd-sysusers, systemd-tmpfiles)"; \
	else \
		for u in _kadnet _kadstore _kadcrypt; do \
			id $$u >/dev/null 2>&1 || useradd --system \
			    --no-create-home --home-dir /nonexistent \
			    --shell /usr/sbin/nologin $$u || exit 1; \
		done; \
		$(INSTALL) -d -m 700 -o root -g root $(LOCALSTATEDIR)/kad; \
		$(INSTALL) -d -m 755 -o root -g root $(LOCALSTATEDIR)/kad/empty; \
		$(INSTALL) -d -m 755 -o root -g root $(LOCALSTATEDIR)/kad/store; \
		$(INSTALL) -d -m 700 -o _kadstore -g _kadstore \
		    $(LOCALSTATEDIR)/kad/store/db; \
		echo "kad: users and $(LOCALSTATEDIR)/kad ready"; \
	fi

clean:
	rm -rf build

