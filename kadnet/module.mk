# kadnet: the only process on the network.  The pure protocol modules
# (krpc, routing, search, ratelimit, dht) are tested without sockets.
# The kadnet binary itself is added here later:
#   BINS += kadnet; LIBEXEC_BINS += kadnet; kadnet_SRCS := ...

KADNET_PURE	:= kadnet/krpc.c kadnet/routing.c kadnet/search.c \
		   kadnet/ratelimit.c kadnet/dht.c kadnet/dht_xfer.c

TESTS		+= test_krpc
test_krpc_SRCS	:= tests/unit/test_krpc.c kadnet/krpc.c
test_krpc_PKGS	:=

TESTS		+= test_routing
test_routing_SRCS := tests/unit/test_routing.c kadnet/krpc.c \
		   kadnet/routing.c kadnet/ratelimit.c
test_routing_PKGS :=

TESTS		+= test_search
test_search_SRCS := tests/unit/test_search.c $(KADNET_PURE) \
		   tests/sim/sim.c tests/sim/sim_model.c tests/sim/sim_index.c
test_search_PKGS := libcrypto
test_search_LIBS := -lm

FUZZERS		+= fuzz_krpc
fuzz_krpc_SRCS	:= tests/fuzz/fuzz_krpc.c kadnet/krpc.c
fuzz_krpc_PKGS	:=
