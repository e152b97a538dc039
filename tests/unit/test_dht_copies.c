/* SPDX-License-Identifier: ISC */
/*
 * Each chunk's copies on a network of the real core (tests/sim's
 * simulator, 600 nodes of replicas 8): a chunk put with 2 copies ends on
 * its 2 closest live nodes and nowhere else, one put with 8 on its 8 as
 * before, and when the closest holder of a chunk of 2 copies dies,
 * migration puts the second copy back on the new second closest node
 * within one migration period, without adding copies.
 *
 *   KAD_SIM_NODES=n	network size (default 600)
 *   KAD_SIM_SEED=n	another deterministic run
 */
#include <sys/types.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kadnet/dht.h"
#include "kadnet/krpc.h"
#include "tests/sim/sim.h"
#include "tests/test.h"

#define N2		40	/* chunks of 2 copies */
#define N8		20	/* chunks of 8 copies */
#define NKILL		10	/* of the N2: their closest holder dies */
#define MIGRATE_MS	(10 * 60 * 1000)
#define MAXRES		256

static int		 put_done[MAXRES], put_status[MAXRES];
static uint8_t		 keys[N2 + N8][KAD_ID_LEN];
static size_t		 nnodes;

static void
net_event(int node, const struct dht_event *ev)
{
	(void)node;
	if (ev->type != DHT_EV_PUT || ev->cookie == 0 || ev->cookie >= MAXRES)
		return;
	put_done[ev->cookie] = 1;
	put_status[ev->cookie] = ev->status;
}

/* Holders of key in all; how many of its n closest live nodes hold it. */
static size_t
placed(const uint8_t key[KAD_ID_LEN], size_t n, size_t *all)
{
	int	idx[DHT_MAX_REPLICAS], h[64];
	size_t	i, nt, c = 0;

	nt = sim_truth(key, idx, n, -1, 0);
	for (i = 0; i < nt; i++)
		c += sim_store_has(idx[i], key);
	*all = sim_holders(key, h, 64);
	return (c);
}

static void
build(void)
{
	struct sim_config cf;
	const char	*env;
	uint8_t		 pub[KRPC_KEY_LEN];
	size_t		 i;

	nnodes = 600;
	if ((env = getenv("KAD_SIM_NODES")) != NULL && atoi(env) >= 50)
		nnodes = (size_t)atoi(env);
	sim_config_defaults(&cf);
	if ((env = getenv("KAD_SIM_SEED")) != NULL && atoi(env) > 0)
		cf.seed = (uint64_t)atoi(env);
	cf.rtt_median_ms = 40;
	cf.rtt_p95_ms = 70;
	cf.loss = 0;
	cf.replicas = 8;
	cf.migrate_ms = MIGRATE_MS;
	cf.rl_slots = 256;
	cf.on_event = net_event;
	sim_init(&cf, nnodes);
	for (i = 0; i < nnodes; i++) {
		sim_rand_id(pub);
		(void)sim_node_add(pub, sim_addr_for(i), 4000, SIM_HONEST);
	}
	for (i = 0; i < nnodes; i++) {
		(void)sim_node_start((int)i, i == 0 ? -1 :
		    (int)sim_rand_below(i));
		sim_run_for_ms(20);
	}
	sim_run_for_ms(30000);
}

static void
put_all(void)
{
	size_t		 i, all, c, exact2 = 0, extra2 = 0, full8 = 0;
	unsigned	 ok = 0;

	for (i = 0; i < N2 + N8; i++) {
		sim_rand_id(keys[i]);
		CHECK(sim_put(sim_random_up(), keys[i], 100 + i,
		    i < N2 ? 2 : 8, i + 1) == 0, "put chunk %zu of %u copies",
		    i, i < N2 ? 2 : 8);
	}
	sim_run_for_ms(20000);
	for (i = 0; i < N2 + N8; i++)
		ok += put_done[i + 1] && put_status[i + 1] == 0;
	CHECK(ok == N2 + N8, "every PUT reported placed (%u/%d)", ok,
	    N2 + N8);
	for (i = 0; i < N2; i++) {
		c = placed(keys[i], 2, &all);
		exact2 += c == 2 && all == 2;
		extra2 += all > 2;
	}
	for (i = N2; i < N2 + N8; i++) {
		c = placed(keys[i], 8, &all);
		full8 += c >= 7;
	}
	printf("# 2 copies: %zu/%d on exactly their 2 closest live nodes, "
	    "%zu on more; 8 copies: %zu/%d on >= 7 of their 8 closest\n",
	    exact2, N2, extra2, full8, N8);
	CHECK(exact2 >= N2 * 95 / 100, "a chunk of 2 copies is on its 2 "
	    "closest live nodes and no other (%zu/%d)", exact2, N2);
	CHECK(extra2 == 0, "no chunk of 2 copies on a third node, let alone "
	    "8 (%zu)", extra2);
	CHECK(full8 >= N8 * 90 / 100, "a chunk of 8 copies on >= 7 of its 8 "
	    "closest, as before (%zu/%d)", full8, N8);
}

/*
 * NKILL chunks of 2 copies on exactly their 2 closest, no two sharing a
 * holder (a killed node must not be a survivor's only other copy): their
 * closest holder dies.
 */
static size_t
pick_and_kill(size_t *pick)
{
	int	 hold[NKILL][2];
	size_t	 i, j, n = 0, all;

	for (i = 0; i < N2 && n < NKILL; i++) {
		if (placed(keys[i], 2, &all) != 2 || all != 2)
			continue;
		(void)sim_truth(keys[i], hold[n], 2, -1, 0);
		for (j = 0; j < n; j++)
			if (hold[j][0] == hold[n][0] || hold[j][0] == hold[n][1] ||
			    hold[j][1] == hold[n][0] || hold[j][1] == hold[n][1])
				break;
		if (j == n)
			pick[n++] = i;
	}
	for (i = 0; i < n; i++)
		sim_node_kill(hold[i][0]);
	return (n);
}

static void
repair(void)
{
	size_t		 pick[NKILL];
	size_t		 i, n, all, c, good = 0, extra = 0;
	uint64_t	 t0, t;

	n = pick_and_kill(pick);
	for (i = 0, c = 0; i < n; i++)
		c += placed(keys[pick[i]], 2, &all) == 1 && all == 1;
	CHECK(n == NKILL && c == n, "the closest holder of %zu chunks of 2 "
	    "copies killed: one copy left of each (%zu)", n, c);
	t0 = sim_now_ms();
	for (t = 0; t < MIGRATE_MS + 60 * 1000 && good < n; t += 10000) {
		sim_run_for_ms(10000);
		for (good = 0, i = 0; i < n; i++)
			good += placed(keys[pick[i]], 2, &all) == 2;
	}
	for (extra = 0, i = 0; i < n; i++) {
		(void)placed(keys[pick[i]], 2, &all);
		extra += all > 2;
	}
	printf("# repair: %zu/%zu chunks of 2 copies back on their 2 closest "
	    "live nodes after %llu s (migration every %d s), %zu on more\n",
	    good, n, (unsigned long long)(sim_now_ms() - t0) / 1000,
	    MIGRATE_MS / 1000, extra);
	CHECK(good == n && sim_now_ms() - t0 <= MIGRATE_MS + 30 * 1000,
	    "migration restores the 2 copies within one migration period "
	    "(%zu/%zu)", good, n);
	CHECK(extra == 0, "and adds none beyond them (%zu)", extra);
}

int
main(void)
{
	build();
	put_all();
	repair();
	printf("# %zu nodes, %llu events simulated\n", nnodes,
	    (unsigned long long)sim_stats()->events);
	sim_free();
	return (test_done());
}
