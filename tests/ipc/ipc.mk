# SPDX-License-Identifier: ISC
# tests/ipc: libkadipc's channels on real socketpairs, and its recv
# helpers.

TESTS		+= test_ipc
test_ipc_SRCS	:= tests/ipc/test_ipc.c tests/ipc/ipc_util.c
test_ipc_PKGS	:=

TESTS		+= test_ipc_fd test_ipc_malformed
test_ipc_fd_SRCS := tests/ipc/test_ipc_fd.c tests/ipc/ipc_util.c
test_ipc_fd_PKGS :=
test_ipc_malformed_SRCS := tests/ipc/test_ipc_malformed.c tests/ipc/ipc_util.c
test_ipc_malformed_PKGS :=

TESTS		+= test_ipc_event
test_ipc_event_SRCS := tests/ipc/test_ipc_event.c tests/ipc/ipc_util.c
test_ipc_event_PKGS :=

TESTS		+= test_msg
test_msg_SRCS	:= tests/ipc/test_msg.c
test_msg_PKGS	:=
