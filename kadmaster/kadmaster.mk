# SPDX-License-Identifier: ISC
# kadmaster: the parent daemon.  kadctl compiles config.c as well
# (kadctl/kadctl.mk).
BINS		+= kadmaster
SBIN_BINS	+= kadmaster
kadmaster_SRCS	:= kadmaster/kadmaster.c kadmaster/config.c \
		   kadmaster/identity.c kadmaster/spawn.c kadmaster/control.c \
		   kadmaster/lock.c kadmaster/notify.c kadmaster/limit.c \
		   kadmaster/idaddr.c
kadmaster_PKGS	:=
