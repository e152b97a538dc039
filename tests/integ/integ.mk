# SPDX-License-Identifier: ISC
# tests/integ: the scripts run real nodes; test_memscan is their helper
# that searches another process's memory (identity.sh), and checks its
# own method when run alone.
TESTS		+= test_memscan
test_memscan_SRCS := tests/integ/test_memscan.c
test_memscan_PKGS :=
