# SPDX-License-Identifier: ISC
# tests/integ: the scripts run real nodes; test_memscan is their helper
# that searches another process's memory (identity.sh), and checks its
# own method when run alone.
TESTS		+= test_memscan
test_memscan_SRCS := tests/integ/test_memscan.c
test_memscan_PKGS :=

# test_spoof: forged datagrams from 127.0.0.0/8 through a raw socket,
# what a node reflects to them, and captures on lo (spoof.sh,
# capture.sh); alone, it checks its own methods.
TESTS		+= test_spoof
test_spoof_SRCS := tests/integ/test_spoof.c kadnet/sess_crypto.c
test_spoof_PKGS := libcrypto

# test_defaults: the protocol's limits from the code's defaults, written
# as docs/PROTOCOL.md writes them (defaults.sh compares); alone, the
# limits' own arithmetic.
TESTS		+= test_defaults
test_defaults_SRCS := tests/integ/test_defaults.c $(KADNET_PURE) \
		   $(KADNET_SESS) kadnet/upload.c
test_defaults_PKGS := libcrypto

# test_notify: a service manager's end of kadmaster's readiness
# notification (notify.sh); alone, it tests kadmaster/notify.c itself.
TESTS		+= test_notify
test_notify_SRCS := tests/integ/test_notify.c kadmaster/notify.c
test_notify_PKGS :=
