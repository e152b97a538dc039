# `make bench-wan` (root): kad on an emulated WAN (bench/bench_wan.sh,
# tests/wan): kadwan's own packet rate, then 20 nodes at 50 ms round
# trip and 1 % loss, each in a network namespace, publish and fetch of
# 10 MiB and 100 MiB files, medians (min..max) of 3 runs: MB/s and
# datagrams per chunk.  BENCH_WAN_NODES, _RUNS, _MIB, _RTT, _LOSS,
# _JITTER, _KADWAN, _OPTS, _PPS=0 (skip the packet rate) change it.
.PHONY: bench-wan
bench-wan: all
	@bench/bench_wan.sh $(B)
