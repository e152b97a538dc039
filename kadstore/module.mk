# kadstore: the storage worker.  The chunk store module (store_tc.c) is
# pure and tested on its own; the lead appends the worker itself:
#   BINS += kadstore   kadstore_SRCS := ... kadstore/store_tc.c
#   kadstore_PKGS := tokyocabinet libcrypto
STORE_TC_SRCS	:= kadstore/store_tc.c kadstore/tc_yield.c

TESTS		+= test_store test_store_crash
test_store_SRCS		:= tests/unit/test_store.c $(STORE_TC_SRCS)
test_store_PKGS		:= tokyocabinet libcrypto
test_store_crash_SRCS	:= tests/unit/test_store_crash.c $(STORE_TC_SRCS)
test_store_crash_PKGS	:= tokyocabinet libcrypto
