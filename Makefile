# kad: top-level GNU makefile.
#
# Each directory describes its programs in *.mk fragments (module.mk...):
#   BINS += prog          prog_SRCS := ...   prog_PKGS := pkg-config names
#   LIBEXEC_BINS / SBIN_BINS += prog        (where `make install` puts it)
#   TESTS += name         name_SRCS, name_PKGS     (tests/*/module.mk)
#   FUZZERS += name       name_SRCS, name_PKGS
#   BENCHES += name       name_SRCS, name_PKGS
# Every program also links libkadipc.a and the common packages.
#
# VARIANT=release (default, build/release), test (build/test: test hooks
# compiled in) or asan (build/asan: test hooks, ASan+UBSan).

PREFIX		?= /usr/local
SBINDIR		?= $(PREFIX)/sbin
LIBEXECDIR	?= $(PREFIX)/libexec/kad
MANDIR		?= $(PREFIX)/share/man
SYSCONFDIR	?= /etc
LOCALSTATEDIR	?= /var/lib
UNITDIR		?= /lib/systemd/system
DESTDIR		?=

VARIANT		?= release
B		?= build/$(VARIANT)

# Debian packages needed to build, test and fuzz.
DEBIAN_PKGS	:= gcc make pkg-config libevent-dev libssl-dev \
		   libtokyocabinet-dev libbsd-dev libseccomp-dev clang \
		   valgrind tokyocabinet-bin iproute2 util-linux procps \
		   libclang-rt-14-dev
COMMON_PKGS	:= libevent_core libbsd libseccomp
ALL_PKGS	:= $(COMMON_PKGS) libcrypto tokyocabinet

WARN		:= -Wall -Wextra -Werror -Wstrict-prototypes \
		   -Wmissing-prototypes -Wmissing-declarations -Wshadow \
		   -Wpointer-arith -Wcast-qual -Wsign-compare
DEFS		:= -D_GNU_SOURCE -DLIBEXECDIR='"$(LIBEXECDIR)"' \
		   -DLOCALSTATEDIR='"$(LOCALSTATEDIR)"' \
		   -DSYSCONFDIR='"$(SYSCONFDIR)"'
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
LIBEXEC_BINS	:=
SBIN_BINS	:=
TESTS		:=
FUZZERS		:=
BENCHES		:=
-include $(sort $(wildcard */*.mk tests/*/*.mk))

IPC_SRCS	:= $(sort $(wildcard libkadipc/*.c))
IPC_LIB		:= $(B)/libkadipc.a

.PHONY: all deps check check-valgrind tests fuzz bench bench-net run demo \
	install clean golden-update
.DEFAULT_GOAL := all

all: deps
	@$(MAKE) --no-print-directory build-all

build-all: $(addprefix $(B)/,$(BINS))

tests: $(addprefix $(B)/,$(BINS)) $(addprefix $(B)/tests/,$(TESTS))

# Install whatever Debian package is missing; quiet when all are there.
deps:
	@missing=""; for p in $(DEBIAN_PKGS); do \
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

$(IPC_LIB): $(patsubst %.c,$(B)/obj/%.o,$(IPC_SRCS))
	@mkdir -p $(@D)
	rm -f $@
	$(AR) rcs $@ $^

define PROG_template
$(2)/$(1): $$(patsubst %.c,$(B)/obj/%.o,$$($(1)_SRCS)) $(IPC_LIB)
	@mkdir -p $$(@D)
	$$(CC) $$(LDFLAGS_ALL) -o $$@ $$(patsubst %.c,$(B)/obj/%.o,$$($(1)_SRCS)) \
	    $(IPC_LIB) $$(call pkglibs,$$($(1)_PKGS) $(COMMON_PKGS))
endef
$(foreach p,$(BINS),$(eval $(call PROG_template,$(p),$(B))))
$(foreach p,$(TESTS),$(eval $(call PROG_template,$(p),$(B)/tests)))
$(foreach p,$(BENCHES),$(eval $(call PROG_template,$(p),$(B)/bench)))

-include $(shell find $(B)/obj -name '*.d' 2>/dev/null)

# The test suite: unit tests and integration scripts, in the test build
# and again under ASan+UBSan.  The last line is "N passed, N failed".
check: deps
	@$(MAKE) --no-print-directory VARIANT=test tests
	@$(MAKE) --no-print-directory VARIANT=asan tests
	@tests/run.sh build/test build/asan

# The unit tests under valgrind (memcheck, errors are failures).
check-valgrind: deps
	@$(MAKE) --no-print-directory VARIANT=test tests
	@KAD_VALGRIND=1 tests/run.sh --unit-only build/test

# libFuzzer harnesses: FUZZ_SECONDS each, corpus in tests/fuzz/corpus/NAME.
# FUZZ_RUNS (inputs per harness) with FUZZ_SEED makes a run repeatable.
FUZZ_SECONDS	?= 20
FUZZ_SEED	?= 0
FUZZ_RUNS	?= -1
FUZZ_FLAGS	:= -std=c11 -g -O1 -fsanitize=fuzzer,address,undefined \
		   -I. -Ilibkadipc $(DEFS)
define FUZZ_template
build/fuzz/$(1): $$($(1)_SRCS) $(IPC_SRCS)
	@mkdir -p $$(@D)
	clang $(FUZZ_FLAGS) $$(call pkgcflags,$(ALL_PKGS)) -o $$@ \
	    $$($(1)_SRCS) $(IPC_SRCS) \
	    $$(call pkglibs,$$($(1)_PKGS) $(COMMON_PKGS))
endef
$(foreach p,$(FUZZERS),$(eval $(call FUZZ_template,$(p))))

fuzz: deps
	@$(MAKE) --no-print-directory $(addprefix build/fuzz/,$(FUZZERS))
	@set -e; for f in $(FUZZERS); do \
		mkdir -p build/fuzz/corpus-$$f; \
		echo "fuzz: $$f for $(FUZZ_SECONDS)s"; \
		build/fuzz/$$f -max_total_time=$(FUZZ_SECONDS) \
		    -seed=$(FUZZ_SEED) -runs=$(FUZZ_RUNS) \
		    -print_final_stats=0 -artifact_prefix=build/fuzz/ \
		    build/fuzz/corpus-$$f \
		    tests/fuzz/corpus/$$f 2>build/fuzz/$$f.log || \
		    { tail -40 build/fuzz/$$f.log; exit 1; }; \
	done; echo "fuzz: all harnesses ran clean"

bench: all
	@$(MAKE) --no-print-directory $(addprefix $(B)/bench/,$(BENCHES))
	@bench/run.sh $(B)

clean:
	rm -rf build

