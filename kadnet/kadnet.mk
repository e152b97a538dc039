# The kadnet worker binary (the pure protocol modules are in module.mk).
BINS		+= kadnet
LIBEXEC_BINS	+= kadnet
kadnet_SRCS	:= kadnet/kadnet.c
kadnet_PKGS	:=
