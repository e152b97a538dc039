# SPDX-License-Identifier: ISC
# kadcrypt: the only process holding keys and plaintext.  The format
# modules (CRYPT_FORMAT_SRCS) are pure and linked into the tests and
# fuzzers as well.
CRYPT_FORMAT_SRCS := kadcrypt/aead.c kadcrypt/link.c kadcrypt/manifest.c \
		     kadcrypt/publish.c kadcrypt/fetch.c \
		     kadcrypt/filelist.c

# The node key and the static-key oracle; node_id.c (with netdiv.c, the
# network of an address) is kadnet's, shared so that both derive the
# node ID and check the key puzzle the same way.
CRYPT_NODEKEY_SRCS := kadcrypt/nodekey.c kadcrypt/x25519.c kadnet/node_id.c \
		      kadnet/netdiv.c

BINS		+= kadcrypt
LIBEXEC_BINS	+= kadcrypt
kadcrypt_SRCS	:= kadcrypt/kadcrypt.c kadcrypt/crypt_dispatch.c \
		   kadcrypt/crypt_get.c kadcrypt/crypt_oracle.c \
		   kadcrypt/crypt_list.c $(CRYPT_FORMAT_SRCS) \
		   $(CRYPT_NODEKEY_SRCS)
kadcrypt_PKGS	:= libcrypto
