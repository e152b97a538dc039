# `make bench-net`: a 10-node network on 127.0.0.1 (bench/bench_net.sh):
# publish and fetch of 10 MiB and 100 MiB files, MB/s and per-chunk
# lookup time, medians of BENCH_NET_RUNS (3) runs.
bench-net: all
	@bench/bench_net.sh $(B)
