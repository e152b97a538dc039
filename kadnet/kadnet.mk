# SPDX-License-Identifier: ISC
# kadnet: the only process on the network.  The pure protocol modules
# (KADNET_PURE: krpc, netdiv, routing, kad_id, search, ratelimit, dht)
# take their I/O from the caller and are linked into the tests and
# fuzzers as well; node_id.c, the node ID of a public key, is kadcrypt's
# too.  It links libcrypto for SHA-256 alone (tokens, checking fetched
# chunks, node IDs).
KADNET_PURE	:= kadnet/krpc.c kadnet/netdiv.c kadnet/routing.c \
		   kadnet/kad_id.c kadnet/search.c kadnet/ratelimit.c \
		   kadnet/dht.c kadnet/dht_serve.c \
		   kadnet/dht_lookup.c kadnet/dht_push.c kadnet/dht_rpc.c \
		   kadnet/node_id.c

# the session layer: the handshake, keys, DATA (protocol version 2); it
# checks peers' keys against the puzzle, so it needs node_id.c (and
# netdiv.c), which KADNET_PURE has
KADNET_SESS	:= kadnet/session.c kadnet/sess_hs.c kadnet/sess_data.c \
		   kadnet/noise.c kadnet/sess_crypto.c

BINS		+= kadnet
LIBEXEC_BINS	+= kadnet
kadnet_SRCS	:= kadnet/kadnet.c kadnet/upload.c kadnet/bootwait.c \
		   $(KADNET_PURE) $(KADNET_SESS)
kadnet_PKGS	:= libcrypto
