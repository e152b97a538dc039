# The kadnet worker binary (the pure protocol modules are in module.mk).
# It links libcrypto for SHA-256 alone (tokens, checking fetched chunks).
BINS		+= kadnet
LIBEXEC_BINS	+= kadnet
kadnet_SRCS	= kadnet/kadnet.c $(KADNET_PURE)
kadnet_PKGS	:= libcrypto

# the state machine fed hostile datagrams
FUZZERS		+= fuzz_dht
fuzz_dht_SRCS	= tests/fuzz/fuzz_dht.c $(KADNET_PURE)
fuzz_dht_PKGS	:= libcrypto
