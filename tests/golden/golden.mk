# SPDX-License-Identifier: ISC
# `make golden-update`: rewrite tests/golden/*.ok from what the release
# kadmaster prints for each tests/golden/*.in (`kadmaster -nv -f X.in`).
# Review the diff before committing: the .ok files are the expected
# output, not a record of whatever the parser does today.
golden-update:
	@$(MAKE) --no-print-directory VARIANT=release B=build/release \
	    build/release/kadmaster
	@KAD_BIN=$(CURDIR)/build/release KAD_TOP=$(CURDIR) \
	    sh tests/integ/golden.sh --update
