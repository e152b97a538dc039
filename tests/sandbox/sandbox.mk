# SPDX-License-Identifier: ISC
# tests/sandbox: the privilege drop and the per-process sandboxes
# (libkadipc/privdrop.c, sandbox_linux.c).  pfc.sh compares
# docs/seccomp/*.pfc with the filters the code builds.
TESTS			+= test_sandbox
test_sandbox_SRCS	:= tests/sandbox/test_sandbox.c kadstore/tc_yield.c
test_sandbox_PKGS	:= tokyocabinet libcrypto
