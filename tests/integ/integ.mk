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
