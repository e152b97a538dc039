# SPDX-License-Identifier: ISC
# kadstore: the only process writing to disk and the only one linking
# Tokyo Cabinet.  The chunk store (STORE_TC_SRCS) makes no IPC and is
# linked into the tests as well.  It links libcrypto for SHA-256 alone
# (re-checking each chunk's key).
STORE_TC_SRCS	:= kadstore/store_tc.c kadstore/store_open.c kadstore/store_src.c \
		   kadstore/store_space.c kadstore/store_rec.c kadstore/tc_yield.c

BINS		+= kadstore
LIBEXEC_BINS	+= kadstore
kadstore_SRCS	:= kadstore/kadstore.c kadstore/store_dispatch.c \
		   kadstore/store_routes.c \
		   $(STORE_TC_SRCS)
kadstore_PKGS	:= tokyocabinet libcrypto
