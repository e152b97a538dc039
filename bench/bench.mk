# SPDX-License-Identifier: ISC
# Benchmarks (docs/PERFORMANCE.md).
#   make bench      builds $(B)/bench/NAME for each BENCHES entry, then
#                   bench/run.sh $(B): one node's put/get throughput as
#                   ratios to this machine's raw limits
#   make bench-net  a 10-node network on 127.0.0.1 (bench/bench_net.sh):
#                   publish and fetch of 10 MiB and 100 MiB files, MB/s
#                   and per-chunk lookup time, medians of BENCH_NET_RUNS
#                   (3) runs
.PHONY: bench bench-net

# bench_raw: this machine's raw limits for kad's stages (AES-256-CTR/GCM,
# SHA-256, Tokyo Cabinet puts of 1 KiB) and, with -x, a timer/peak-RSS
# wrapper for kadctl
BENCHES		+= bench_raw
bench_raw_SRCS	:= bench/bench_raw.c kadstore/tc_yield.c
bench_raw_PKGS	:= tokyocabinet libcrypto

# bench_ipc: the channel microbenchmark
BENCHES		+= bench_ipc
bench_ipc_SRCS	:= bench/bench_ipc.c
bench_ipc_PKGS	:=

bench: all
	@$(MAKE) --no-print-directory $(addprefix $(B)/bench/,$(BENCHES))
	@bench/run.sh $(B)

bench-net: all
	@bench/bench_net.sh $(B)
