# The kadstore worker binary: the only one linking Tokyo Cabinet.  It
# links libcrypto for SHA-256 alone (re-checking each chunk's key).
BINS		+= kadstore
LIBEXEC_BINS	+= kadstore
kadstore_SRCS	:= kadstore/kadstore.c kadstore/store_dispatch.c \
		   kadstore/store_tc.c kadstore/tc_yield.c
kadstore_PKGS	:= tokyocabinet libcrypto
