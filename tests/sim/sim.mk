# SPDX-License-Identifier: ISC
# kadsim (tests/sim): kadnet's unmodified protocol core, many nodes in
# one process, under a model of the wide area network (docs/SCALE.md).
#   make sim          the standard set of scenarios, with a table
SIM_CORE	:= tests/sim/sim.c tests/sim/sim_run.c tests/sim/sim_io.c \
		   tests/sim/sim_queue.c tests/sim/sim_model.c \
		   tests/sim/sim_index.c tests/sim/sim_session.c

BINS		+= kadsim
kadsim_SRCS	= tests/sim/kadsim.c tests/sim/scn_lookup.c \
		  tests/sim/scn_churn.c tests/sim/scn_durability.c \
		  tests/sim/dur_files.c tests/sim/dur_shared.c \
		  tests/sim/dur_mc.c tests/sim/dur_odds.c \
		  tests/sim/scn_eclipse.c tests/sim/scn_fetch.c \
		  $(SIM_CORE) $(KADNET_PURE)
kadsim_PKGS	:= libcrypto
kadsim_LIBS	:= -lm -lpthread

# the simulator's own unit test
TESTS		+= test_sim
test_sim_SRCS	= tests/unit/test_sim.c tests/sim/dur_files.c \
		  tests/sim/dur_shared.c $(SIM_CORE) $(KADNET_PURE)
test_sim_PKGS	:= libcrypto
test_sim_LIBS	:= -lm -lpthread

.PHONY: sim
sim: all
	@tests/sim/run.sh $(B)
