/* SPDX-License-Identifier: ISC */
/*
 * scn_eclipse: an attacker places Sybil nodes next to one chunk's key
 * and honest nodes try to fetch it: the chunk published before the
 * Sybils came (its holders are honest), and a chunk next to the same
 * key published after (the PUT meets the Sybils first).  The Sybils
 * come in steps (1, 2, 4, 8, 12, 16, ... up to --sybils), share
 * --sybil-addrs addresses, and behave as --sybil-behave says (by
 * default: keep nothing, pass nothing on, answer lookups with other
 * Sybils only).  For each step: the share of GETs that failed; then how
 * many Sybils (and addresses, and mined ids) it took for 50% and 99%
 * failure of either chunk.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kadnet/dht.h"
#include "kadnet/node_id.h"
#include "tests/sim/kadsim.h"

/*
 * The Sybils' ids share 16 bits with the key: an id is the hash of a
 * key, so each costs an attacker about 65,536 tries (the simulator
 * hashes random bytes; a real attacker also makes an X25519 key each).
 */
#define PREFIX_BYTES	2

static size_t	 g_done, g_ok;
static uint64_t	 g_base;
static size_t	 g_n;

static void
get_event(int node, const struct dht_event *ev)
{
	(void)node;
	if (ev->type != DHT_EV_GET || ev->cookie < g_base ||
	    ev->cookie - g_base >= g_n)
		return;
	g_done++;
	g_ok += ev->status == 0;
}

/* A key whose id shares PREFIX_BYTES with target: ground, as Sybils do. */
static void
mine_key(const uint8_t target[KAD_ID_LEN], uint8_t pub[KRPC_KEY_LEN])
{
	uint8_t	id[KAD_ID_LEN];

	do {
		sim_rand_id(pub);
		if (kad_node_id(pub, id) == -1)
			abort();
	} while (memcmp(id, target, PREFIX_BYTES) != 0);
}

/* n GETs of key from honest nodes that do not hold it: the failed share */
static double
try_gets(const uint8_t key[KAD_ID_LEN], size_t n)
{
	static uint64_t	next = 1ULL << 46;
	size_t		i, spins = 0;
	int		src;

	g_done = g_ok = 0;
	g_base = next;
	g_n = n;
	next += n;
	for (i = 0; i < n; i++) {
		do
			src = sim_random_up_honest();
		while (src != -1 && sim_store_has(src, key));
		if (src == -1 || sim_get(src, key, g_base + i) == -1)
			g_done++;
		sim_run_for_ms(20);
	}
	while (g_done < n && spins++ < 3000)
		sim_run_for_ms(10);
	return (100.0 * (double)(n - g_ok) / (double)n);
}

/* The Sybil counts at which failures first reached 50% and 99%. */
struct threshold {
	size_t	at50, at99;
};

static void
note(struct threshold *t, double fail, size_t sybils)
{
	if (t->at50 == 0 && fail >= 50)
		t->at50 = sybils;
	if (t->at99 == 0 && fail >= 99)
		t->at99 = sybils;
}

static void
report(const struct threshold *t, const char *what, size_t tried)
{
	char	key[96];
	size_t	i;
	size_t	at[2] = { t->at50, t->at99 };
	const char *pct[2] = { "50", "99" };

	for (i = 0; i < 2; i++) {
		snprintf(key, sizeof(key), "%s-sybils-for-%spct-failure", what,
		    pct[i]);
		if (at[i] != 0)
			out(key, "%zu (on %u address%s, %zu keys ground to "
			    "%d bits)", at[i], opt.sybil_addrs,
			    opt.sybil_addrs == 1 ? "" : "es", at[i],
			    PREFIX_BYTES * 8);
		else
			out(key, "not reached with %zu", tried);
	}
}

int
scn_eclipse(void)
{
	static const unsigned steps[] = {
		0, 1, 2, 4, 8, 12, 16, 18, 20, 22, 24, 28, 32, 40, 48, 64,
		96, 128, 256, 512
	};
	uint8_t		 key[KAD_ID_LEN], key2[KAD_ID_LEN];
	uint8_t		(*ids)[KAD_ID_LEN];
	size_t		 i, have = 0, want, gets = opt.gets;
	struct threshold th[2];
	unsigned	 s;
	double		 fail, fail2;
	int		 h[64], src;
	char		 k[64];

	sim_init(&opt.sim, opt.nodes + opt.sybils_max);
	if (net_build(opt.nodes) == -1)
		return (-1);
	if (net_publish(&key, 1, KRPC_MAX_VALUE) != 1)
		return (-1);
	out("target-holders", "%zu", sim_holders(key, h, 64));
	out("sybil-behaviour", "%s", opt.sybil_behave == SIM_ECLIPSE ?
	    "eclipse" : opt.sybil_behave == SIM_DROP ? "drop" :
	    opt.sybil_behave == SIM_HAVELIAR ? "have-liar" : "discard");
	out("sybil-addresses", "%u", opt.sybil_addrs);
	out("gets-per-step", "%zu", gets);
	if ((ids = calloc(opt.sybils_max + 1, KAD_ID_LEN)) == NULL)
		abort();
	memset(th, 0, sizeof(th));
	csv_row("sybils,addresses,get-failure-pct-before,"
	    "get-failure-pct-after");
	kadsim_done = get_event;
	for (s = 0; s < sizeof(steps) / sizeof(steps[0]) &&
	    steps[s] <= opt.sybils_max; s++) {
		want = steps[s];
		/* keys ground until their ids sit next to the key */
		for (i = have; i < want; i++)
			mine_key(key, ids[i]);
		if (want > have) {
			net_join_more((const uint8_t (*)[KAD_ID_LEN])ids + have,
			    want - have, opt.sybil_behave, opt.sybil_addrs);
			have = want;
			sim_run_for_ms(30000);
		}
		fail = try_gets(key, gets);
		/* a chunk next to the key, published now */
		sim_rand_id(key2);
		memcpy(key2, key, PREFIX_BYTES);
		src = sim_random_up_honest();
		if (src == -1 || sim_put(src, key2, KRPC_MAX_VALUE, 0,
		    1ULL << 50) == -1)
			return (-1);
		sim_run_for_ms(10000);
		fail2 = try_gets(key2, gets);
		snprintf(k, sizeof(k), "sybils-%zu", want);
		out(k, "get-failure %.1f%% (published before), %.1f%% "
		    "(published after)", fail, fail2);
		csv_row("%zu,%u,%.1f,%.1f", want, opt.sybil_addrs, fail, fail2);
		note(&th[0], fail, want);
		note(&th[1], fail2, want);
		if (th[0].at99 != 0 && th[1].at99 != 0)
			break;
	}
	kadsim_done = NULL;
	report(&th[0], "published-before", have);
	report(&th[1], "published-after", have);
	free(ids);
	return (0);
}
