# Benchmarks: `make bench` builds $(B)/bench/NAME for each BENCHES entry,
# then runs bench/run.sh $(B) (docs/PERFORMANCE.md).
#   bench_raw   this machine's raw limits for kad's stages (AES-256-CTR/GCM,
#               SHA-256, Tokyo Cabinet puts of 1 KiB) and, with -x, a
#               timer/peak-RSS wrapper for kadctl
BENCHES		+= bench_raw
bench_raw_SRCS	:= bench/bench_raw.c kadstore/tc_yield.c
bench_raw_PKGS	:= tokyocabinet libcrypto
