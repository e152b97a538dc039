# SPDX-License-Identifier: ISC
# libkadipc: channels, the message catalogue, logging, privilege drop
# and sandboxes; every program links it (IPC_LIB), the fuzzers compile
# its sources directly (IPC_SRCS).
IPC_SRCS	:= $(sort $(wildcard libkadipc/*.c))

$(IPC_LIB): $(patsubst %.c,$(B)/obj/%.o,$(IPC_SRCS))
	@mkdir -p $(@D)
	rm -f $@
	$(AR) rcs $@ $^
