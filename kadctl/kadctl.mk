# SPDX-License-Identifier: ISC
# kadctl: the control client.  It reads kad.conf for the control
# socket's path with kadmaster's own parser, compiled in from
# kadmaster/ (as bgpctl reuses bgpd's sources).
BINS		+= kadctl
BIN_BINS	+= kadctl
kadctl_SRCS	:= kadctl/kadctl.c kadmaster/config.c
kadctl_PKGS	:= libcrypto
