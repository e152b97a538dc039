/* SPDX-License-Identifier: ISC */
/*
 * Tests for kadnet/dht.c and kadnet/search.c (protocol version 2) on a
 * network of 1,000 nodes in the simulator of tests/sim (a deterministic
 * clock, RNG and latency, and a model of the session layer: nodes are
 * keys, ids their hashes), driven only through the dht_* entry points:
 * lookups must find the true k closest live nodes, GET and PUT must
 * place and find chunks, migration must repair replicas, and a restarted
 * node must rejoin from its saved routing table.
 *
 *   KAD_SIM_NODES=n	network size (default 1000; 250 under valgrind)
 *   KAD_SIM_SEED=n	another deterministic run
 */
#include <sys/types.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kadnet/dht.h"
#include "kadnet/krpc.h"
#include "kadnet/routing.h"
#include "tests/sim/sim.h"
#include "tests/test.h"

#define K		20

/*
 * 1,000 nodes of the real core in tests/sim's simulator: one joins every
 * 20 ms, bootstrapping off an older one, over paths of 10 to 100 ms with
 * no loss; completion events land in res[] by cookie.
 */
#define MAXRES		8192

struct result {
	int			 done;
	int			 status;
	int			 local;
	int			 node;
	unsigned		 hops, msgs;
	size_t			 nnodes, vlen;
	struct krpc_contact	 nodes[K];
	uint8_t			 value[KRPC_MAX_VALUE];
};

static struct result	 res[MAXRES];
static uint64_t		 next_cookie = 1;
static size_t		 nnodes;

static void
net_event(int node, const struct dht_event *ev)
{
	struct result	*r;

	if (ev->cookie == 0 || ev->cookie >= MAXRES)
		return;
	r = &res[ev->cookie];
	r->done = 1;
	r->node = node;
	r->status = ev->status;
	r->local = ev->local;
	r->hops = ev->hops;
	r->msgs = ev->msgs;
	r->nnodes = ev->nnodes > K ? K : ev->nnodes;
	if (ev->nodes != NULL)
		memcpy(r->nodes, ev->nodes, r->nnodes * sizeof(r->nodes[0]));
	r->vlen = ev->vlen;
	if (ev->value != NULL)
		memcpy(r->value, ev->value, ev->vlen);
}

static uint64_t
cookie_new(void)
{
	uint64_t	ck = next_cookie++;

	if (ck >= MAXRES)
		abort();
	memset(&res[ck], 0, sizeof(res[0]));
	return (ck);
}

/* A GET from node i, run until it ends (10 s at most); its cookie. */
static uint64_t
get_wait(int i, const uint8_t key[KAD_ID_LEN])
{
	uint64_t	 ck = cookie_new();
	unsigned	 j;

	(void)sim_get(i, key, ck);
	for (j = 0; j < 100 && !res[ck].done; j++)
		sim_run_for_ms(100);
	return (ck);
}

static int
ucmp(const void *a, const void *b)
{
	unsigned	x = *(const unsigned *)a, y = *(const unsigned *)b;

	return (x < y ? -1 : x > y);
}

static unsigned
median(unsigned *v, size_t n)
{
	qsort(v, n, sizeof(*v), ucmp);
	return (n ? v[n / 2] : 0);
}

/* Run `count` lookups, `par` at a time; return how many were exact. */
static unsigned
lookups(unsigned count, unsigned par, unsigned *hops, unsigned *msgs,
    const char *what)
{
	static uint8_t	 keys[256][KAD_ID_LEN];
	uint64_t	 ck[256];
	int		 want[K], from[256];
	unsigned	 done = 0, exact = 0, started, j, b;
	size_t		 i, nt;
	int		 ok;

	while (done < count) {
		started = 0;
		for (j = 0; j < par && done + j < count; j++) {
			sim_rand_id(keys[started]);
			ck[started] = cookie_new();
			from[started] = sim_random_up();
			if (sim_lookup(from[started], keys[started],
			    ck[started]) == 0)
				started++;
		}
		for (b = 0; b < 600; b++) {
			sim_run_for_ms(100);
			for (j = 0; j < started; j++)
				if (!res[ck[j]].done)
					break;
			if (j == started)
				break;
		}
		for (j = 0; j < started; j++) {
			struct result *r = &res[ck[j]];

			nt = sim_truth(keys[j], want, K, from[j], 0);
			ok = r->done && r->status == 0 && r->nnodes == nt;
			for (i = 0; ok && i < nt; i++)
				if (memcmp(r->nodes[i].id, sim_node_id(want[i]),
				    KAD_ID_LEN) != 0)
					ok = 0;
			exact += ok;
			hops[done + j] = r->hops;
			msgs[done + j] = r->msgs;
		}
		done += started;
		if (started == 0)
			break;
	}
	printf("# %s: %u/%u lookups exact, median hops %u, median "
	    "messages %u\n", what, exact, count, median(hops, done),
	    median(msgs, done));
	return (exact);
}

/* How many of the n closest live nodes hold key. */
static size_t
copies(const uint8_t key[KAD_ID_LEN], size_t n, int *closest_has)
{
	int	idx[DHT_MAX_REPLICAS];
	size_t	i, cnt = 0, nt;

	nt = sim_truth(key, idx, n, -1, 0);
	*closest_has = nt > 0 && sim_store_has(idx[0], key);
	for (i = 0; i < nt; i++)
		cnt += sim_store_has(idx[i], key);
	return (cnt);
}

/* A random node that is up and does not hold key. */
static int
non_holder(const uint8_t key[KAD_ID_LEN])
{
	int	src;

	do
		src = sim_random_up();
	while (sim_store_has(src, key));
	return (src);
}

#define NCHUNK	60

static void
test_network_build(void)
{
	struct sim_config cf;
	const char	*env;
	uint8_t		 pub[KRPC_KEY_LEN];
	size_t		 i, tot;

	nnodes = 1000;
	if (getenv("KAD_VALGRIND") != NULL)
		nnodes = 250;
	if ((env = getenv("KAD_SIM_NODES")) != NULL && atoi(env) >= 50)
		nnodes = (size_t)atoi(env);
	sim_config_defaults(&cf);
	if ((env = getenv("KAD_SIM_SEED")) != NULL && atoi(env) > 0)
		cf.seed = (uint64_t)atoi(env);
	cf.rtt_median_ms = 40;
	cf.rtt_p95_ms = 70;
	cf.loss = 0;
	cf.migrate_ms = 10 * 60 * 1000;
	cf.rl_slots = 256;
	cf.on_event = net_event;
	sim_init(&cf, nnodes);
	for (i = 0; i < nnodes; i++) {
		sim_rand_id(pub);	/* any 32 bytes: the id is its hash */
		(void)sim_node_add(pub, sim_addr_for(i), 4000, SIM_HONEST);
	}
	/* one every 20 ms, each bootstrapping off an older one */
	for (i = 0; i < nnodes; i++) {
		(void)sim_node_start((int)i, i == 0 ? -1 :
		    (int)sim_rand_below(i));
		sim_run_for_ms(20);
	}
	sim_run_for_ms(30000);
	for (tot = 0, i = 0; i < nnodes; i++)
		tot += dht_nodes(sim_node_dht((int)i));
	printf("# %zu nodes joined, %zu routing entries per node on average, "
	    "%llu events\n", nnodes, tot / nnodes,
	    (unsigned long long)sim_stats()->events);
	CHECK(tot / nnodes >= K, "routing tables filled");
}

/* The chunks put, and the hops and messages of the last lookups. */
static uint8_t		 keys[NCHUNK][KAD_ID_LEN];
static size_t		 vlen[NCHUNK];
static unsigned		*hops, *msgs;

static void
net_lookups(void)
{
	unsigned	exact;
	unsigned	i;

	/* all 200 at once: a file fetch runs hundreds in parallel */
	exact = lookups(200, 200, hops, msgs, "all alive, 200 in parallel");
	CHECK(exact >= 190, "lookups find the true %d closest for >= 95%% "
	    "of random keys (%u/200)", K, exact);
	CHECK(median(hops, 200) >= 1 && median(hops, 200) <= 6,
	    "median hops within 1..6 (%u)", median(hops, 200));
	CHECK(median(msgs, 200) >= K && median(msgs, 200) <= 100,
	    "median messages within %d..100 (%u)", K, median(msgs, 200));

	/* 5% of the nodes vanish without a word */
	for (i = 0; i < nnodes / 20; i++)
		sim_node_kill(sim_random_up());
	exact = lookups(100, 20, hops, msgs, "5% dead");
	CHECK(exact >= 95, "with 5%% dead nodes still >= 95%% exact "
	    "(%u/100)", exact);
	CHECK(median(msgs, 100) <= 150, "and messages stay bounded (%u)",
	    median(msgs, 100));
	sim_run_for_ms(30000);
}

static void
net_put(void)
{
	unsigned	i, good, full, got;
	size_t		c;
	int		has;

	/* PUT: each chunk forwarded to its closest node and replicated */
	for (got = 0, i = 0; i < NCHUNK; i++) {
		vlen[i] = 100 + sim_rand_below(KRPC_MAX_VALUE - 99);
		sim_rand_id(keys[i]);
		got += sim_put(sim_random_up(), keys[i], vlen[i], 0,
		    cookie_new()) == 0;
	}
	CHECK(got == NCHUNK, "dht_put accepted %u chunks", got);
	sim_run_for_ms(20000);
	for (good = 0, full = 0, i = 0; i < NCHUNK; i++) {
		c = copies(keys[i], 8, &has);
		good += has;
		full += c >= 7;
	}
	printf("# PUT: closest live node holds %u/%d chunks, >= 7 of the 8 "
	    "closest hold %u/%d\n", good, NCHUNK, full, NCHUNK);
	CHECK(good >= NCHUNK * 95 / 100, "PUT reaches the closest node");
	CHECK(full >= NCHUNK * 90 / 100, "PUT replicates to the nearest "
	    "neighbours");
}

static void
net_get(void)
{
	unsigned	i, j, got;
	uint64_t	ck;
	size_t		tot;
	uint8_t		val[KRPC_MAX_VALUE];

	/* GET from nodes that do not hold the chunk */
	for (got = 0, i = 0; i < NCHUNK; i++) {
		ck = get_wait(non_holder(keys[i]), keys[i]);
		sim_value(keys[i], vlen[i], val);
		if (res[ck].done && res[ck].status == 0 && !res[ck].local &&
		    res[ck].vlen == vlen[i] &&
		    memcmp(res[ck].value, val, vlen[i]) == 0) {
			got++;
			hops[i] = res[ck].hops;
			msgs[i] = res[ck].msgs;
		} else
			hops[i] = msgs[i] = 0;
	}
	printf("# GET: %u/%d found over the network, median hops %u, median "
	    "messages %u\n", got, NCHUNK, median(hops, NCHUNK),
	    median(msgs, NCHUNK));
	CHECK(got >= NCHUNK * 95 / 100, "GET finds chunks over the network");
	for (tot = 0, i = 0; i < nnodes; i++) {
		if (sim_node_dht((int)i) == NULL)
			continue;
		for (j = 0; j <= DHT_GET_MS_MAX; j++)
			tot += dht_stats(sim_node_dht((int)i))->get_ms[j];
	}
	CHECK(tot >= got, "every lookup that found its chunk was timed "
	    "(%zu >= %u)", tot, got);
}

static void
net_closest_first(void)
{
	unsigned	i, got;
	uint64_t	ck;
	size_t		c;
	int		src;

	/*
	 * A chunk's lookup asks only the closest known node first; if that
	 * one holds the chunk, one request is all it takes.  If it is dead,
	 * the lookup widens after its soft timeout and still finds it.
	 */
	for (c = 0, got = 0; c < 200 && got == 0; c++) {
		struct rt_entry	*first;
		int		 h;

		i = (unsigned)sim_rand_below(NCHUNK);
		src = non_holder(keys[i]);
		if (routing_closest(dht_routing(sim_node_dht(src)), keys[i],
		    KRPC_WANT4, 0, sim_now_ms(), &first, 1) != 1)
			continue;
		h = sim_node_by_id(first->id);
		if (h < 0 || sim_node_state(h) != SIM_UP ||
		    !sim_store_has(h, keys[i]))
			continue;
		got = 1;
		ck = get_wait(src, keys[i]);
		CHECK(res[ck].done && res[ck].status == 0 &&
		    res[ck].msgs == 1, "GET whose closest known node holds "
		    "the chunk: 1 request (%u)", res[ck].msgs);
		sim_node_kill(h);
		ck = get_wait(src, keys[i]);
		CHECK(res[ck].done && res[ck].status == 0 &&
		    res[ck].msgs >= 2 && res[ck].vlen == vlen[i],
		    "...and with that node dead, the lookup widens and finds "
		    "it elsewhere (%u requests)", res[ck].msgs);
	}
	CHECK(got == 1, "found a GET whose closest known node is a holder");
}

static void
net_local(void)
{
	uint64_t	ck;
	int		src;
	uint8_t		missing[KAD_ID_LEN];

	/* a local chunk is served by the local store */
	for (src = 0; (size_t)src < nnodes; src++)
		if (sim_node_state(src) == SIM_UP &&
		    sim_store_has(src, keys[0]))
			break;
	ck = cookie_new();
	if ((size_t)src < nnodes)
		(void)sim_get(src, keys[0], ck);
	sim_run_for_ms(50);
	CHECK(res[ck].done && res[ck].local && res[ck].status == 0 &&
	    res[ck].vlen == vlen[0], "GET at a holder is answered locally");

	/* GET of a key nobody has fails after the lookup */
	sim_rand_id(missing);
	ck = get_wait(sim_random_up(), missing);
	CHECK(res[ck].done && res[ck].status == -1, "GET of a missing key "
	    "ends with not found");
}

/* holders that send damaged values: the lookup goes past them */
static void
net_liars(void)
{
	unsigned	i, j, got, bad;
	uint64_t	ck;
	size_t		c;
	int		idx[DHT_MAX_REPLICAS], src, nt;
	uint8_t		val[KRPC_MAX_VALUE];

	nt = (int)sim_truth(keys[1], idx, 8, -1, 0);
	for (j = 0; j < (unsigned)nt; j++)
		if (sim_store_has(idx[j], keys[1]))
			break;	/* the closest holder stays honest */
	for (i = 0; i < nnodes; i++)
		if (sim_store_has((int)i, keys[1]) &&
		    (j == (unsigned)nt || (int)i != idx[j]))
			sim_node_corrupt((int)i, 1);
	/* up to 10 GETs from non-holders, until one met a liar */
	for (got = 0, bad = 0, c = 0; c < 10 && bad == 0; c++) {
		uint64_t	b0;

		src = non_holder(keys[1]);
		b0 = dht_stats(sim_node_dht(src))->drop[DHT_DROP_BADVALUE];
		ck = get_wait(src, keys[1]);
		sim_value(keys[1], vlen[1], val);
		got += res[ck].done && res[ck].status == 0 &&
		    res[ck].vlen == vlen[1] &&
		    memcmp(res[ck].value, val, vlen[1]) == 0;
		bad = (unsigned)(dht_stats(sim_node_dht(src))->
		    drop[DHT_DROP_BADVALUE] - b0);
	}
	CHECK(got == c, "GET with lying holders still finds the real value "
	    "(%u/%zu)", got, c);
	CHECK(bad > 0, "bad values were received, rejected and counted "
	    "(%u in GET %zu)", bad, c);
	for (i = 0; i < nnodes; i++)
		sim_node_corrupt((int)i, 0);
}

static void
net_migration(void)
{
	unsigned	i, j, good, full;
	uint64_t	t0;
	size_t		c;
	int		has, idx[DHT_MAX_REPLICAS], src, nt;

	/*
	 * Migration: the closest holder of each of 10 chunks dies; a scan
	 * later the new closest node holds it and has re-replicated.  And a
	 * chunk planted on a far node gets pushed toward its key.
	 */
	for (i = 0; i < 10; i++) {
		(void)sim_truth(keys[i], idx, 1, -1, 0);
		sim_node_kill(idx[0]);
	}
	sim_rand_id(keys[NCHUNK - 1]);
	nt = (int)sim_truth(keys[NCHUNK - 1], idx, 8, -1, 0);
	do {
		src = sim_random_up();
		for (j = 0; j < (unsigned)nt && idx[j] != src; j++)
			;
	} while (j < (unsigned)nt);
	sim_store_plant(src, keys[NCHUNK - 1], 500);
	c = copies(keys[NCHUNK - 1], 8, &has);
	CHECK(c <= 1 && !has, "planted chunk is on one far node only");
	t0 = sim_now_ms();
	sim_run_for_ms(12 * 60 * 1000);
	for (good = 0, full = 0, i = 0; i < 10; i++) {
		c = copies(keys[i], 8, &has);
		good += has;
		full += c >= 7;
	}
	printf("# migration after closest holders died: %u/10 closest, "
	    "%u/10 with >= 7 of 8 copies (%llu s)\n", good, full,
	    (unsigned long long)(sim_now_ms() - t0) / 1000);
	CHECK(good >= 9 && full >= 9, "migration repairs replicas");
	c = copies(keys[NCHUNK - 1], 8, &has);
	CHECK(has && c >= 7, "migration pushes a far key to its closest "
	    "nodes (%zu copies)", c);
}

/* a restarted node rejoins from its saved table, no bootstrap */
static void
net_restart(void)
{
	unsigned	exact, i, j;
	uint64_t	ck;
	int		src;
	uint8_t		*blob, missing[KAD_ID_LEN];
	ssize_t		blen;

	src = sim_random_up();
	blen = (ssize_t)dht_save_size(sim_node_dht(src));
	blob = malloc((size_t)blen);
	CHECK(blob != NULL && dht_save(sim_node_dht(src), blob,
	    (size_t)blen) == blen, "routing table saved (%zd bytes)", blen);
	free(blob);
	sim_node_down(src);
	CHECK(sim_node_up(src) == 0 && dht_nodes(sim_node_dht(src)) > 0,
	    "and loaded into the restarted node (%zu contacts)",
	    dht_nodes(sim_node_dht(src)));
	sim_run_for_ms(5000);
	for (exact = 0, i = 0; i < 20; i++) {
		int	want[K];
		size_t	n2;

		ck = cookie_new();
		sim_rand_id(missing);
		(void)sim_lookup(src, missing, ck);
		for (j = 0; j < 100 && !res[ck].done; j++)
			sim_run_for_ms(100);
		n2 = sim_truth(missing, want, K, src, 0);
		if (res[ck].done && res[ck].nnodes == n2 && n2 > 0 &&
		    memcmp(res[ck].nodes[0].id, sim_node_id(want[0]),
		    KAD_ID_LEN) == 0 && memcmp(res[ck].nodes[n2 - 1].id,
		    sim_node_id(want[n2 - 1]), KAD_ID_LEN) == 0)
			exact++;
	}
	CHECK(exact >= 19, "restarted node's lookups are exact (%u/20)",
	    exact);
}

static void
net_malformed(void)
{
	size_t	tot;
	int	x;

	for (tot = 0, x = 0; (size_t)x < nnodes; x++)
		if (sim_node_dht(x) != NULL)
			tot += dht_stats(sim_node_dht(x))->
			    drop[DHT_DROP_MALFORMED];
	CHECK(tot == 0, "no node saw a malformed datagram");
}

static void
test_network(void)
{
	hops = calloc(1000, sizeof(*hops));
	msgs = calloc(1000, sizeof(*msgs));
	if (hops == NULL || msgs == NULL)
		abort();
	test_network_build();
	net_lookups();
	net_put();
	net_get();
	net_closest_first();
	net_local();
	net_liars();
	net_migration();
	net_restart();
	net_malformed();
	printf("# %llu events simulated\n",
	    (unsigned long long)sim_stats()->events);
	sim_free();
	free(hops);
	free(msgs);
}

int
main(void)
{
	test_network();
	return (test_done());
}
