/* SPDX-License-Identifier: ISC */
/*
 * scn_lookup: random-key FIND_NODE lookups and chunk GETs on a static
 * network: rounds, messages, simulated latency, whether the lookup
 * found the true k closest live nodes, and whether the GET found the
 * chunk.
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "kadnet/dht.h"
#include "kadnet/routing.h"
#include "tests/sim/kadsim.h"

struct lk {
	uint8_t		 target[KAD_ID_LEN];
	int		 src;
	uint8_t		 done, ok, exact;
	uint32_t	 hops, msgs;
	uint64_t	 ms;
};

static struct lk	*lk;
static uint64_t		 lk_base;
static size_t		 lk_n, lk_done;

static void
lk_event(int node, const struct dht_event *ev)
{
	struct lk	*l;
	int		 want[DHT_MAX_REPLICAS * 2 + 64];
	size_t		 n, i;

	(void)node;
	if (ev->cookie < lk_base || ev->cookie - lk_base >= lk_n)
		return;
	l = &lk[ev->cookie - lk_base];
	if (l->done || (ev->type != DHT_EV_LOOKUP && ev->type != DHT_EV_GET))
		return;
	l->done = 1;
	lk_done++;
	l->ok = ev->status == 0;
	l->hops = ev->hops;
	l->msgs = ev->msgs;
	l->ms = ev->ms;
	if (ev->type != DHT_EV_LOOKUP || !l->ok)
		return;
	/* exact: the k closest nodes that are up, in order */
	n = sim_truth(l->target, want, sim_cfg()->k, l->src, 0);
	l->exact = ev->nnodes == n;
	for (i = 0; l->exact && i < n; i++)
		if (memcmp(ev->nodes[i].id, sim_node_id(want[i]),
		    KAD_ID_LEN) != 0)
			l->exact = 0;
}

/* Run n lookups (get: chunk GETs of keys[]), opt.parallel at a time. */
static void
run(size_t n, int get, uint8_t (*keys)[KAD_ID_LEN])
{
	static uint64_t	 next = 1;
	size_t		 started = 0, i, spins = 0;
	int		 src, r;

	lk = calloc(n ? n : 1, sizeof(*lk));
	if (lk == NULL)
		abort();
	lk_base = next;
	lk_n = n;
	lk_done = 0;
	while (lk_done < n && spins < 1000000) {
		while (started < n && started - lk_done < opt.parallel) {
			i = started++;
			if (get) {
				memcpy(lk[i].target, keys[i], KAD_ID_LEN);
				/* from a node that does not hold the chunk */
				do
					src = sim_random_up_honest();
				while (src != -1 &&
				    sim_store_has(src, keys[i]));
			} else {
				sim_rand_id(lk[i].target);
				src = sim_random_up_honest();
			}
			lk[i].src = src;
			r = src == -1 ? -1 : get ?
			    sim_get(src, lk[i].target, lk_base + i) :
			    sim_lookup(src, lk[i].target, lk_base + i);
			if (r == -1) {
				lk[i].done = 1;
				lk_done++;
			}
		}
		sim_run_for_ms(10);
		spins++;
	}
	next += n;
}

static void
report(const char *what, size_t n, int get)
{
	uint64_t	*hops, *msgs, *ms;
	size_t		 i, ok = 0, exact = 0, m = 0;
	char		 key[64];

	hops = calloc(n + 1, sizeof(*hops));
	msgs = calloc(n + 1, sizeof(*msgs));
	ms = calloc(n + 1, sizeof(*ms));
	if (hops == NULL || msgs == NULL || ms == NULL)
		abort();
	for (i = 0; i < n; i++) {
		if (!lk[i].ok)
			continue;
		ok++;
		exact += lk[i].exact;
		hops[m] = lk[i].hops;
		msgs[m] = lk[i].msgs;
		ms[m] = lk[i].ms;
		m++;
		csv_row("%s,%zu,%d,%u,%u,%llu,%d", what, i, 1, lk[i].hops,
		    lk[i].msgs, (unsigned long long)lk[i].ms, lk[i].exact);
	}
	for (i = 0; i < n; i++)
		if (!lk[i].ok)
			csv_row("%s,%zu,0,,,,", what, i);
	snprintf(key, sizeof(key), "%s-count", what);
	out(key, "%zu", n);
	snprintf(key, sizeof(key), "%s-success-pct", what);
	out(key, "%.2f", n ? 100.0 * (double)ok / (double)n : 0);
	if (!get) {
		snprintf(key, sizeof(key), "%s-exact-pct", what);
		out(key, "%.2f", n ? 100.0 * (double)exact / (double)n : 0);
	}
	snprintf(key, sizeof(key), "%s-rounds-median", what);
	out(key, "%.0f", pct_u64(hops, m, 50));
	snprintf(key, sizeof(key), "%s-rounds-p90", what);
	out(key, "%.0f", pct_u64(hops, m, 90));
	snprintf(key, sizeof(key), "%s-rounds-p99", what);
	out(key, "%.0f", pct_u64(hops, m, 99));
	snprintf(key, sizeof(key), "%s-messages-median", what);
	out(key, "%.0f", pct_u64(msgs, m, 50));
	snprintf(key, sizeof(key), "%s-messages-p99", what);
	out(key, "%.0f", pct_u64(msgs, m, 99));
	snprintf(key, sizeof(key), "%s-latency-ms-median", what);
	out(key, "%.0f", pct_u64(ms, m, 50));
	snprintf(key, sizeof(key), "%s-latency-ms-p99", what);
	out(key, "%.0f", pct_u64(ms, m, 99));
	free(hops);
	free(msgs);
	free(ms);
	free(lk);
	lk = NULL;
}

int
scn_lookup(void)
{
	uint8_t		(*keys)[KAD_ID_LEN];
	size_t		 i, dead, put;
	int		 x;

	sim_init(&opt.sim, opt.nodes);
	if (net_build(opt.nodes) == -1)
		return (-1);
	net_report_memory();
	out("anchor-log2-n-over-k", "%.1f",
	    log2((double)opt.nodes / (double)opt.sim.k));
	for (dead = 0; dead < (size_t)(opt.dead_frac * opt.nodes); dead++)
		if ((x = sim_random_up()) != -1)
			sim_node_kill(x);
	if (dead > 0)
		out("dead-nodes", "%zu", dead);
	csv_row("kind,index,success,rounds,messages,ms,exact");
	kadsim_done = lk_event;
	run(opt.lookups, 0, NULL);
	report("lookup", opt.lookups, 0);

	if ((keys = calloc(opt.gets + 1, KAD_ID_LEN)) == NULL)
		abort();
	put = net_publish(keys, opt.gets, KRPC_MAX_VALUE);
	out("put-success-pct", "%.2f",
	    opt.gets ? 100.0 * (double)put / opt.gets : 0);
	for (i = 0, put = 0; i < opt.gets; i++)
		put += net_copies(keys[i], opt.sim.replicas);
	out("put-copies-mean", "%.2f", opt.gets ? (double)put / opt.gets : 0);
	kadsim_done = lk_event;
	run(opt.gets, 1, keys);
	report("get", opt.gets, 1);
	free(keys);
	return (0);
}
