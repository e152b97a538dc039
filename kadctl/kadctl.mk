# SPDX-License-Identifier: ISC
# kadctl: the control client.  It reads kad.conf for the control
# socket's path with kadmaster's own parser, compiled in from
# kadmaster/ (as bgpctl reuses bgpd's sources).
# kadcrypt/manifest.c and link.c check the names and links of a
# directory listing (dirlist.c) by the rules kadcrypt keeps.
BINS		+= kadctl
BIN_BINS	+= kadctl
kadctl_SRCS	:= kadctl/kadctl.c kadctl/put.c kadctl/get.c kadctl/files.c \
		   kadctl/relay.c \
		   kadctl/dirlist.c kadcrypt/manifest.c kadcrypt/aead.c \
		   kadcrypt/link.c \
		   kadctl/output.c kadctl/show.c \
		   kadctl/stats.c kadmaster/config.c
# the pure part, for tests/unit/test_output.c
KADCTL_OUTPUT	:= kadctl/output.c kadctl/show.c kadctl/stats.c
kadctl_PKGS	:= libcrypto
