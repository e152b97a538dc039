# SPDX-License-Identifier: ISC
# kadcrypt: the only process holding keys and plaintext.  The format
# modules (CRYPT_FORMAT_SRCS) are pure and linked into the tests and
# fuzzers as well, with the packages they need (CRYPT_FORMAT_PKGS:
# OpenSSL, and ISA-L for the stripes' Reed-Solomon codec).

# The codec alone (tests/unit/test_erasure, bench/bench_raw).
CRYPT_EC_SRCS	:= kadcrypt/erasure.c
CRYPT_EC_PKGS	:= libisal
CRYPT_FORMAT_SRCS := kadcrypt/aead.c kadcrypt/link.c kadcrypt/manifest.c \
		     kadcrypt/publish.c kadcrypt/fetch.c \
		     kadcrypt/fetch_stripe.c kadcrypt/filelist.c \
		     $(CRYPT_EC_SRCS)
CRYPT_FORMAT_PKGS := libcrypto $(CRYPT_EC_PKGS)

# The node key and the static-key oracle; node_id.c (with netdiv.c, the
# network of an address) is kadnet's, shared so that both derive the
# node ID and check the key puzzle the same way.
CRYPT_NODEKEY_SRCS := kadcrypt/nodekey.c kadcrypt/x25519.c kadnet/node_id.c \
		      kadnet/netdiv.c

BINS		+= kadcrypt
LIBEXEC_BINS	+= kadcrypt
kadcrypt_SRCS	:= kadcrypt/kadcrypt.c kadcrypt/crypt_dispatch.c \
		   kadcrypt/crypt_get.c kadcrypt/crypt_fd.c \
		   kadcrypt/crypt_oracle.c kadcrypt/put_place.c \
		   kadcrypt/crypt_list.c $(CRYPT_FORMAT_SRCS) \
		   $(CRYPT_NODEKEY_SRCS)
kadcrypt_PKGS	:= $(CRYPT_FORMAT_PKGS)
