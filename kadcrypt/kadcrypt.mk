# The kadcrypt worker binary: the only one holding keys.
BINS		+= kadcrypt
LIBEXEC_BINS	+= kadcrypt
kadcrypt_SRCS	:= kadcrypt/kadcrypt.c kadcrypt/crypt_dispatch.c \
		   kadcrypt/aead.c kadcrypt/link.c kadcrypt/manifest.c \
		   kadcrypt/publish.c kadcrypt/fetch.c
kadcrypt_PKGS	:= libcrypto
