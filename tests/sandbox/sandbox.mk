# SPDX-License-Identifier: ISC
# tests/sandbox: the privilege drop and the per-process sandboxes
# (libkadipc/privdrop.c, sandbox_linux.c).  pfc.sh compares
# docs/seccomp/*.pfc with the filters the code builds.
TESTS			+= test_sandbox test_sandbox_modes test_privdrop
test_sandbox_SRCS	:= tests/sandbox/test_sandbox.c \
			   tests/sandbox/sandbox_kid.c kadstore/tc_yield.c \
			   $(CRYPT_EC_SRCS)
test_sandbox_PKGS	:= tokyocabinet libcrypto $(CRYPT_EC_PKGS)
test_sandbox_modes_SRCS	:= tests/sandbox/test_sandbox_modes.c \
			   tests/sandbox/sandbox_kid.c
test_sandbox_modes_PKGS	:=
test_privdrop_SRCS	:= tests/sandbox/test_privdrop.c \
			   tests/sandbox/sandbox_kid.c
test_privdrop_PKGS	:=
