/* SPDX-License-Identifier: ISC */
/*
 * scn_eclipse: an attacker places Sybil nodes next to one chunk's key
 * and honest nodes try to fetch it: the chunk published before the
 * Sybils came (its holders are honest), and a chunk next to the same
 * key published after (the PUT meets the Sybils first).  The Sybils
 * come in steps (1, 2, 4, 8, 12, 16, ... up to --sybils), share
 * --sybil-addrs addresses, and behave as --sybil-behave says (by
 * default: keep nothing, pass nothing on, answer lookups with other
 * Sybils only).  For each step: the share of GETs that failed; then
 * how many Sybils, /24s and keys it took for 50% and 99% failure of
 * either chunk.
 *
 * What an id costs (docs/SECURITY.md) is modelled, not paid: the
 * simulator runs no X25519 and no puzzle (its keys are random bytes),
 * and counts instead.  A key the network takes passes the key puzzle,
 * about 2^KAD_PUZZLE_BITS key pairs each; its id is bound to the /24
 * it is used from, so every key tried gives one candidate id per /24
 * the attacker holds.  The attacker is the best one can be: each key
 * is tried on every /24 that still waits for a Sybil, and taken by the
 * first whose id shares --sybil-bits (16) with the key.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kadnet/dht.h"
#include "kadnet/node_id.h"
#include "tests/sim/kadsim.h"

static size_t	 g_done, g_ok;
static uint64_t	 g_base;
static size_t	 g_n;
static uint64_t	 g_keys, g_hashes;	/* what the Sybils cost so far */

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

/* 1 if id shares its first bits bits with key */
static int
shares(const uint8_t id[KAD_ID_LEN], const uint8_t key[KAD_ID_LEN],
    unsigned bits)
{
	unsigned	 n = bits / 8;
	uint8_t		 mask;

	if (memcmp(id, key, n) != 0)
		return (0);
	if (bits % 8 == 0)
		return (1);
	mask = (uint8_t)(0xff << (8 - bits % 8));
	return (((id[n] ^ key[n]) & mask) == 0);
}

/*
 * Keys for Sybils have..want-1, Sybil j on net_sybil_ip(j, addrs), each
 * with an id there sharing opt.sybil_bits with target.  A key is tried
 * on each /24 still waiting (one id hash each) and used once.
 */
static void
mine_keys(const uint8_t target[KAD_ID_LEN], uint8_t (*pubs)[KRPC_KEY_LEN],
    size_t have, size_t want, unsigned addrs)
{
	uint8_t		 pub[KRPC_KEY_LEN], id[KAD_ID_LEN];
	size_t		*next, nact, a, j;

	nact = want - have < addrs ? want - have : addrs;
	if (nact == 0)
		return;
	/* next[a]: the next Sybil waiting on the a-th /24 still in use */
	if ((next = calloc(nact, sizeof(*next))) == NULL)
		abort();
	for (a = 0; a < nact; a++)
		next[a] = have + a;
	while (nact > 0) {
		sim_rand_id(pub);
		g_keys++;
		for (a = 0; a < nact; a++) {
			j = next[a];
			g_hashes++;
			if (sim_key_id(pub, net_sybil_ip(j, addrs), id) == -1)
				abort();
			if (!shares(id, target, opt.sybil_bits))
				continue;
			memcpy(pubs[j], pub, KRPC_KEY_LEN);
			if ((next[a] = j + addrs) >= want)
				next[a] = next[--nact];
			break;
		}
	}
	free(next);
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

/*
 * The Sybil counts at which failures first reached 50% and 99%, with
 * the keys tried and id hashes made until then.
 */
struct threshold {
	size_t		at[2];
	uint64_t	keys[2], hashes[2];
};

static void
note(struct threshold *t, double fail, size_t sybils)
{
	static const double	pct[2] = { 50, 99 };
	int			i;

	for (i = 0; i < 2; i++)
		if (t->at[i] == 0 && fail >= pct[i]) {
			t->at[i] = sybils;
			t->keys[i] = g_keys;
			t->hashes[i] = g_hashes;
		}
}

static void
report(const struct threshold *t, const char *what, size_t tried)
{
	char		 key[96];
	size_t		 i;
	const char	*pct[2] = { "50", "99" };
	unsigned	 nets;

	for (i = 0; i < 2; i++) {
		snprintf(key, sizeof(key), "%s-sybils-for-%spct-failure", what,
		    pct[i]);
		nets = t->at[i] < opt.sybil_addrs ? (unsigned)t->at[i] :
		    opt.sybil_addrs;
		if (t->at[i] != 0)
			out(key, "%zu (on %u /24%s; %llu keys passing the "
			    "%u-bit puzzle, %.3g key pairs; %llu id hashes; "
			    "ids sharing %u bits)", t->at[i], nets,
			    nets == 1 ? "" : "s",
			    (unsigned long long)t->keys[i], KAD_PUZZLE_BITS,
			    (double)t->keys[i] * (double)(1ULL <<
			    KAD_PUZZLE_BITS), (unsigned long long)t->hashes[i],
			    opt.sybil_bits);
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
	uint8_t		(*ids)[KRPC_KEY_LEN];
	size_t		 have = 0, want, gets = opt.gets;
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
	out("sybil-addresses", "%u (each its own /24)", opt.sybil_addrs);
	out("sybil-id-bits", "%u shared with the key: about %.0f keys "
	    "tried per Sybil and /24", opt.sybil_bits,
	    (double)(1ULL << opt.sybil_bits));
	out("key-puzzle-bits", "%u (modelled: about %llu key pairs a key)",
	    KAD_PUZZLE_BITS, 1ULL << KAD_PUZZLE_BITS);
	out("gets-per-step", "%zu", gets);
	if ((ids = calloc(opt.sybils_max + 1, KRPC_KEY_LEN)) == NULL)
		abort();
	memset(th, 0, sizeof(th));
	g_keys = g_hashes = 0;
	csv_row("sybils,addresses,keys,id-hashes,get-failure-pct-before,"
	    "get-failure-pct-after");
	kadsim_done = get_event;
	for (s = 0; s < sizeof(steps) / sizeof(steps[0]) &&
	    steps[s] <= opt.sybils_max; s++) {
		want = steps[s];
		/* keys ground until their ids sit next to the key */
		mine_keys(key, ids, have, want, opt.sybil_addrs);
		if (want > have) {
			net_join_more((const uint8_t (*)[KAD_ID_LEN])ids + have,
			    want - have, opt.sybil_behave, opt.sybil_addrs);
			have = want;
			sim_run_for_ms(30000);
		}
		fail = try_gets(key, gets);
		/* a chunk next to the key, published now */
		sim_rand_id(key2);
		memcpy(key2, key, (opt.sybil_bits + 7) / 8);
		src = sim_random_up_honest();
		if (src == -1 || sim_put(src, key2, KRPC_MAX_VALUE, 0,
		    1ULL << 50) == -1)
			return (-1);
		sim_run_for_ms(10000);
		fail2 = try_gets(key2, gets);
		snprintf(k, sizeof(k), "sybils-%zu", want);
		out(k, "get-failure %.1f%% (published before), %.1f%% "
		    "(published after)", fail, fail2);
		csv_row("%zu,%u,%llu,%llu,%.1f,%.1f", want, opt.sybil_addrs,
		    (unsigned long long)g_keys, (unsigned long long)g_hashes,
		    fail, fail2);
		note(&th[0], fail, want);
		note(&th[1], fail2, want);
		if (th[0].at[1] != 0 && th[1].at[1] != 0)
			break;
	}
	kadsim_done = NULL;
	report(&th[0], "published-before", have);
	report(&th[1], "published-after", have);
	free(ids);
	return (0);
}
