# libkadipc: channel tests on real socketpairs, the framing fuzzer and
# the channel microbenchmark.

TESTS		+= test_ipc
test_ipc_SRCS	:= tests/ipc/test_ipc.c tests/ipc/ipc_util.c
test_ipc_PKGS	:=

TESTS		+= test_ipc_event
test_ipc_event_SRCS := tests/ipc/test_ipc_event.c tests/ipc/ipc_util.c
test_ipc_event_PKGS :=

FUZZERS		+= fuzz_ipc
fuzz_ipc_SRCS	:= tests/fuzz/fuzz_ipc.c
fuzz_ipc_PKGS	:=

BENCHES		+= bench_ipc
bench_ipc_SRCS	:= bench/bench_ipc.c
bench_ipc_PKGS	:=

TESTS		+= test_msg
test_msg_SRCS	:= tests/ipc/test_msg.c
test_msg_PKGS	:=

FUZZERS		+= fuzz_recv
fuzz_recv_SRCS	:= tests/fuzz/fuzz_recv.c
fuzz_recv_PKGS	:=
