# SPDX-License-Identifier: ISC
# tests/unit: one program per pure module, linking the real sources.

TESTS		+= test_aead test_link test_manifest test_publish_fetch \
		   test_fetch_tamper test_filelist
test_filelist_SRCS := tests/unit/test_filelist.c kadcrypt/aead.c \
		     kadcrypt/link.c kadcrypt/manifest.c kadcrypt/filelist.c
test_filelist_PKGS := libcrypto libbsd
TESTS		+= test_dirlist
test_dirlist_SRCS := tests/unit/test_dirlist.c kadctl/dirlist.c \
		     kadcrypt/aead.c kadcrypt/link.c kadcrypt/manifest.c
test_dirlist_PKGS := libcrypto libbsd
test_aead_SRCS	:= tests/unit/test_aead.c kadcrypt/aead.c
test_aead_PKGS	:= libcrypto
test_link_SRCS	:= tests/unit/test_link.c kadcrypt/aead.c kadcrypt/link.c
test_link_PKGS	:= libcrypto
test_manifest_SRCS := tests/unit/test_manifest.c kadcrypt/aead.c \
		     kadcrypt/manifest.c
test_manifest_PKGS := libcrypto
test_publish_fetch_SRCS := tests/unit/test_publish_fetch.c \
		     tests/unit/pf_store.c $(CRYPT_FORMAT_SRCS)
test_publish_fetch_PKGS := $(CRYPT_FORMAT_PKGS)
test_fetch_tamper_SRCS := tests/unit/test_fetch_tamper.c \
		     tests/unit/pf_store.c $(CRYPT_FORMAT_SRCS)
test_fetch_tamper_PKGS := $(CRYPT_FORMAT_PKGS)
TESTS		+= test_fetch_stripe
test_fetch_stripe_SRCS := tests/unit/test_fetch_stripe.c \
		     tests/unit/pf_store.c $(CRYPT_FORMAT_SRCS)
test_fetch_stripe_PKGS := $(CRYPT_FORMAT_PKGS)

TESTS		+= test_krpc
test_krpc_SRCS	:= tests/unit/test_krpc.c kadnet/krpc.c
test_krpc_PKGS	:=

TESTS		+= test_bootwait
test_bootwait_SRCS := tests/unit/test_bootwait.c kadnet/bootwait.c \
		   kadnet/krpc.c
test_bootwait_PKGS :=

TESTS		+= test_routing
test_routing_SRCS := tests/unit/test_routing.c kadnet/krpc.c \
		   kadnet/netdiv.c kadnet/routing.c kadnet/kad_id.c \
		   kadnet/ratelimit.c kadnet/node_id.c
test_routing_PKGS := libcrypto

TESTS		+= test_search test_dht_input test_dht_keys test_dht_retry \
		   test_dht_net test_netdiv test_dht_put test_dht_copies
test_search_SRCS := tests/unit/test_search.c $(KADNET_PURE)
test_search_PKGS := libcrypto
DHT_CAP_SRCS	:= tests/unit/dht_cap.c $(KADNET_PURE)
test_dht_input_SRCS := tests/unit/test_dht_input.c $(DHT_CAP_SRCS)
test_dht_input_PKGS := libcrypto
test_dht_keys_SRCS := tests/unit/test_dht_keys.c $(DHT_CAP_SRCS)
test_dht_keys_PKGS := libcrypto
test_dht_retry_SRCS := tests/unit/test_dht_retry.c $(DHT_CAP_SRCS)
test_dht_retry_PKGS := libcrypto
test_dht_put_SRCS := tests/unit/test_dht_put.c $(DHT_CAP_SRCS)
test_dht_put_PKGS := libcrypto
test_netdiv_SRCS := tests/unit/test_netdiv.c $(DHT_CAP_SRCS)
test_netdiv_PKGS := libcrypto
test_dht_net_SRCS := tests/unit/test_dht_net.c $(KADNET_PURE) $(SIM_CORE)
test_dht_net_PKGS := libcrypto
test_dht_net_LIBS := -lm -lpthread
test_dht_copies_SRCS := tests/unit/test_dht_copies.c $(KADNET_PURE) \
		   $(SIM_CORE)
test_dht_copies_PKGS := libcrypto
test_dht_copies_LIBS := -lm -lpthread

TESTS		+= test_store test_store_crash
test_store_SRCS		:= tests/unit/test_store.c $(STORE_TC_SRCS)
test_store_PKGS		:= tokyocabinet libcrypto
test_store_crash_SRCS	:= tests/unit/test_store_crash.c $(STORE_TC_SRCS)
test_store_crash_PKGS	:= tokyocabinet libcrypto

TESTS		+= test_session
test_session_SRCS := tests/unit/test_session.c kadnet/ratelimit.c \
		   kadnet/krpc.c kadnet/netdiv.c kadnet/node_id.c $(KADNET_SESS)
test_session_PKGS := libcrypto

TESTS		+= test_nodekey
test_nodekey_SRCS := tests/unit/test_nodekey.c kadcrypt/aead.c \
		   $(CRYPT_NODEKEY_SRCS)
test_nodekey_PKGS := libcrypto

TESTS		+= test_upload
test_upload_SRCS := tests/unit/test_upload.c kadnet/upload.c
test_upload_PKGS :=

TESTS		+= test_output
test_output_SRCS := tests/unit/test_output.c $(KADCTL_OUTPUT)
test_output_PKGS :=

TESTS		+= test_erasure
test_erasure_SRCS := tests/unit/test_erasure.c $(CRYPT_EC_SRCS)
test_erasure_PKGS := $(CRYPT_EC_PKGS)

TESTS		+= test_put_place
test_put_place_SRCS := tests/unit/test_put_place.c kadcrypt/put_place.c
test_put_place_PKGS :=
