# kadcrypt: the key-holding worker.  The pure modules below are linked
# into the tests and fuzzers; the kadcrypt binary itself is declared by
# appending BINS += kadcrypt / kadcrypt_SRCS := ... to this file.
CRYPT_FORMAT_SRCS := kadcrypt/aead.c kadcrypt/link.c kadcrypt/manifest.c \
		     kadcrypt/publish.c kadcrypt/fetch.c

TESTS		+= test_aead test_link test_manifest test_publish_fetch
test_aead_SRCS	:= tests/unit/test_aead.c kadcrypt/aead.c
test_aead_PKGS	:= libcrypto
test_link_SRCS	:= tests/unit/test_link.c kadcrypt/aead.c kadcrypt/link.c
test_link_PKGS	:= libcrypto
test_manifest_SRCS := tests/unit/test_manifest.c kadcrypt/aead.c \
		     kadcrypt/manifest.c
test_manifest_PKGS := libcrypto
test_publish_fetch_SRCS := tests/unit/test_publish_fetch.c \
		     $(CRYPT_FORMAT_SRCS)
test_publish_fetch_PKGS := libcrypto

FUZZERS		+= fuzz_link fuzz_manifest
fuzz_link_SRCS	:= tests/fuzz/fuzz_link.c kadcrypt/aead.c kadcrypt/link.c
fuzz_link_PKGS	:= libcrypto
fuzz_manifest_SRCS := tests/fuzz/fuzz_manifest.c $(CRYPT_FORMAT_SRCS)
fuzz_manifest_PKGS := libcrypto
