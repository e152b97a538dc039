# SPDX-License-Identifier: ISC
# tests/wan: kadwan, the WAN emulator for real daemons (docs/WAN.md).
#   kadwan    the emulator: one tun device per network namespace, every
#             packet between them delayed, dropped, rate-limited
#   wanperf   UDP/TCP traffic to measure it with (ping, blast, tcp-send...)
#   test_wan  unit test of the path model (wan.c) on a fake clock
# tests/wan/wan.sh starts them and kadmaster nodes in namespaces; the
# integration test is tests/integ/wan.sh, the benchmark `make bench-wan`
# (bench/bench.mk), the fuzzer fuzz_wan (tests/fuzz/fuzz.mk).
BINS		+= kadwan wanperf
kadwan_SRCS	:= tests/wan/kadwan.c tests/wan/wan.c
kadwan_PKGS	:=
wanperf_SRCS	:= tests/wan/wanperf.c
wanperf_PKGS	:=

TESTS		+= test_wan
test_wan_SRCS	:= tests/wan/test_wan.c tests/wan/wan.c
test_wan_PKGS	:=
