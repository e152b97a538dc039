# SPDX-License-Identifier: ISC
# The test suite: the layout and man page checks (tests/layout/), then unit
# tests and integration scripts in the test build and again under
# ASan+UBSan.  The last line is "N passed, N failed".  The
# programs are declared in tests/*/*.mk; `tests` (top Makefile) builds
# them for one VARIANT.
.PHONY: check check-valgrind check-durability

check: deps
	@$(MAKE) --no-print-directory VARIANT=test tests
	@$(MAKE) --no-print-directory VARIANT=asan tests
	@tests/run.sh build/test build/asan

# The unit tests under valgrind (memcheck, errors are failures).
check-valgrind: deps
	@$(MAKE) --no-print-directory VARIANT=test tests
	@KAD_VALGRIND=1 tests/run.sh --unit-only build/test

# Erasure-coded stripes on 30 real nodes (issue 13), about 3 minutes;
# not in check while its fetch after the kill is not reliable.
check-durability: deps
	@$(MAKE) --no-print-directory VARIANT=test build-all
	@KAD_BIN=$$PWD/build/test KAD_TOP=$$PWD sh tests/durability/ec30.sh
