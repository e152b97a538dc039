# SPDX-License-Identifier: ISC
# Benchmarks (docs/PERFORMANCE.md).
#   make bench      builds $(B)/bench/NAME for each BENCHES entry, then
#                   bench/run.sh $(B): one node's put/get throughput as
#                   ratios to this machine's raw limits
#   make bench-net  a 10-node network on 127.0.0.1 (bench/bench_net.sh):
#                   publish and fetch of 10 MiB and 100 MiB files, MB/s
#                   and per-chunk lookup time, medians of BENCH_NET_RUNS
#                   (3) runs
#   make bench-wan  (root) kad on an emulated WAN (bench/bench_wan.sh,
#                   tests/wan): kadwan's own packet rate, then 20 nodes at
#                   50 ms round trip and 1 % loss, each in a network
#                   namespace, publish and fetch of 10 MiB and 100 MiB
#                   files, medians (min..max) of 3 runs: MB/s and
#                   datagrams per chunk.  BENCH_WAN_NODES, _RUNS, _MIB,
#                   _RTT, _LOSS, _JITTER, _KADWAN, _OPTS, _PPS=0 (skip the
#                   packet rate) change it.
#   Both compare kad's fetch with libtorrent's (bench/libtorrent_ref.py)
#   on the same file in the same run; `make bench-deps` installs
#   BENCH_DEBIAN_PKGS for it (without them they say libtorrent was not
#   measured).
.PHONY: bench bench-net bench-wan

# Debian packages only the benchmarks use (not in CI's `make deps`):
# Debian's libtorrent 2.0 for Debian's python3, the reference
BENCH_DEBIAN_PKGS := python3-libtorrent

# bench_raw: this machine's raw limits for kad's stages (AES-256-CTR/GCM,
# SHA-256, Tokyo Cabinet puts of 1 KiB, Reed-Solomon of a 64+24 stripe)
# and, with -x, a timer/peak-RSS wrapper for kadctl
BENCHES		+= bench_raw
bench_raw_SRCS	:= bench/bench_raw.c kadstore/tc_yield.c $(CRYPT_EC_SRCS)
bench_raw_PKGS	:= tokyocabinet libcrypto $(CRYPT_EC_PKGS)

# bench_ipc: the channel microbenchmark
BENCHES		+= bench_ipc
bench_ipc_SRCS	:= bench/bench_ipc.c
bench_ipc_PKGS	:=

# bench_session: handshakes and DATA of protocol version 2 on one core,
# beside raw X25519 and AES-256-GCM
BENCHES		+= bench_session
bench_session_SRCS := bench/bench_session.c $(KADNET_SESS) kadnet/ratelimit.c \
		   kadnet/krpc.c kadnet/netdiv.c kadnet/node_id.c
bench_session_PKGS := libcrypto

# bench_puzzle: the key puzzle's cost (key pairs a second through
# kadcrypt's nodekey_create, and a first start's time for each puzzle
# size), the figures of docs/SECURITY.md
BENCHES		+= bench_puzzle
bench_puzzle_SRCS := bench/bench_puzzle.c kadcrypt/aead.c $(CRYPT_NODEKEY_SRCS)
bench_puzzle_PKGS := libcrypto libbsd

bench: all
	@$(MAKE) --no-print-directory $(addprefix $(B)/bench/,$(BENCHES))
	@bench/run.sh $(B)

# bench-deps after all, not beside it: one apt-get at a time under -j
bench-net: all
	@$(MAKE) --no-print-directory bench-deps || \
	    echo "bench-net: bench-deps failed; going on without libtorrent"
	@bench/bench_net.sh $(B)

bench-wan: all
	@$(MAKE) --no-print-directory bench-deps || \
	    echo "bench-wan: bench-deps failed; going on without libtorrent"
	@bench/bench_wan.sh $(B)
