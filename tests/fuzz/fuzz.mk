# SPDX-License-Identifier: ISC
# tests/fuzz: libFuzzer harnesses.  `make fuzz` builds build/fuzz/NAME
# for each FUZZERS entry (the build rule is in the top Makefile) and runs
# each for FUZZ_SECONDS on build/fuzz/corpus-NAME plus the committed
# corpus in tests/fuzz/corpus/NAME; anything it finds goes to
# build/fuzz/ (-artifact_prefix), never into the tree.  FUZZ_RUNS
# (inputs per harness) with FUZZ_SEED makes a run repeatable.
.PHONY: fuzz fuzz-seeds

FUZZERS		+= fuzz_link fuzz_manifest
fuzz_link_SRCS	:= tests/fuzz/fuzz_link.c kadcrypt/aead.c kadcrypt/link.c
fuzz_link_PKGS	:= libcrypto
fuzz_manifest_SRCS := tests/fuzz/fuzz_manifest.c $(CRYPT_FORMAT_SRCS)
fuzz_manifest_PKGS := $(CRYPT_FORMAT_PKGS)

# the file list's records, as kadstore hands them back to kadcrypt
FUZZERS		+= fuzz_filelist
fuzz_filelist_SRCS := tests/fuzz/fuzz_filelist.c $(CRYPT_FORMAT_SRCS)
fuzz_filelist_PKGS := $(CRYPT_FORMAT_PKGS)

# directory listings, as a get of a hostile link hands them to kadctl
FUZZERS		+= fuzz_dirlist
fuzz_dirlist_SRCS := tests/fuzz/fuzz_dirlist.c kadctl/dirlist.c \
		     kadcrypt/aead.c kadcrypt/link.c kadcrypt/manifest.c
fuzz_dirlist_PKGS := libcrypto

# the state machine fed hostile datagrams
FUZZERS		+= fuzz_dht
fuzz_dht_SRCS	:= tests/fuzz/fuzz_dht.c $(KADNET_PURE)
fuzz_dht_PKGS	:= libcrypto

# the session layer fed hostile datagrams, with mac1 made right at will
FUZZERS		+= fuzz_session
fuzz_session_SRCS := tests/fuzz/fuzz_session.c kadnet/ratelimit.c \
		   kadnet/krpc.c kadnet/netdiv.c kadnet/node_id.c $(KADNET_SESS)
fuzz_session_PKGS := libcrypto

FUZZERS		+= fuzz_krpc
fuzz_krpc_SRCS	:= tests/fuzz/fuzz_krpc.c kadnet/krpc.c
fuzz_krpc_PKGS	:=

# kadwan's path model fed arbitrary packets
FUZZERS		+= fuzz_wan
fuzz_wan_SRCS	:= tests/fuzz/fuzz_wan.c tests/wan/wan.c
fuzz_wan_PKGS	:=

# libkadipc's framing, and its recv helpers
FUZZERS		+= fuzz_ipc fuzz_recv
fuzz_ipc_SRCS	:= tests/fuzz/fuzz_ipc.c
fuzz_ipc_PKGS	:=
fuzz_recv_SRCS	:= tests/fuzz/fuzz_recv.c
fuzz_recv_PKGS	:=

FUZZ_SECONDS	?= 20
FUZZ_SEED	?= 0
FUZZ_RUNS	?= -1
FUZZ_FLAGS	:= -std=c11 -g -O1 -fsanitize=fuzzer,address,undefined \
		   -I. -Ilibkadipc $(DEFS)

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

# Seeds made with krpc's encoder (tests/fuzz/mkseeds.c), merged into the
# committed corpus: libFuzzer keeps those that add coverage.
SEEDED		:= fuzz_krpc fuzz_dht

build/fuzz/mkseeds: tests/fuzz/mkseeds.c kadnet/krpc.c
	@mkdir -p $(@D)
	clang -std=c11 -g -I. -Ilibkadipc $(DEFS) -o $@ \
	    tests/fuzz/mkseeds.c kadnet/krpc.c

fuzz-seeds: deps
	@$(MAKE) --no-print-directory build/fuzz/mkseeds \
	    $(addprefix build/fuzz/,$(SEEDED))
	@set -e; for f in $(SEEDED); do \
		rm -rf build/fuzz/seeds-$$f; \
		mkdir -p build/fuzz/seeds-$$f tests/fuzz/corpus/$$f; \
		build/fuzz/mkseeds $${f#fuzz_} build/fuzz/seeds-$$f; \
		build/fuzz/$$f -merge=1 tests/fuzz/corpus/$$f \
		    build/fuzz/seeds-$$f 2>build/fuzz/seeds-$$f.log || \
		    { tail -20 build/fuzz/seeds-$$f.log; exit 1; }; \
		echo "fuzz-seeds: $$f: `ls tests/fuzz/corpus/$$f | wc -l` inputs"; \
	done
