# kadmaster: the parent daemon and kadctl, its command-line client.
BINS		+= kadmaster kadctl
SBIN_BINS	+= kadmaster kadctl
kadmaster_SRCS	:= kadmaster/kadmaster.c kadmaster/config.c \
		   kadmaster/identity.c kadmaster/spawn.c kadmaster/control.c
kadmaster_PKGS	:=
kadctl_SRCS	:= kadmaster/kadctl.c kadmaster/config.c
kadctl_PKGS	:=
