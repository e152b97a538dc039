# SPDX-License-Identifier: ISC
# `make demo`: build (installing missing Debian packages through `all`,
# which runs `deps`), then a network of 8 nodes on 127.0.0.1: a sample
# file published on the first and fetched on the last, compared, and
# every node stopped.  DEMO_NODES (8), DEMO_MIB (2), DEMO_PAUSE=1 keeps the
# nodes up until Enter is pressed (to try kadctl against them).
demo: all
	@tests/demo/demo.sh $(B)
