/* SPDX-License-Identifier: ISC */
/*
 * scn_fetch: one node fetches a whole file of --chunks chunks through
 * the real GET path, the way kadnet does for kadstore: up to --window
 * lookups at once (kadnet hands the dht as many as it takes), and a
 * chunk whose lookup failed is asked again, up to 3 lookups in all
 * (kadstore's rule).  The fetching node joins after the file was
 * published, so it holds no copy.  With --sweep the fetch is repeated on
 * fresh networks for round trips of 20 to 300 ms and loss of 0 to 5%.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kadnet/dht.h"
#include "tests/sim/kadsim.h"

#define FETCH_TRIES	3

static uint8_t	(*keys)[KAD_ID_LEN];
static uint8_t	 *tries, *done;
static size_t	  nchunks, ndone, nfailed, inflight;
static uint64_t	  f_base;
static size_t	 *queue;		/* chunks to (re)ask */
static size_t	  qhead, qtail;

static void
fetch_event(int node, const struct dht_event *ev)
{
	size_t	i;

	(void)node;
	if (ev->type != DHT_EV_GET || ev->cookie < f_base ||
	    ev->cookie - f_base >= nchunks)
		return;
	i = ev->cookie - f_base;
	if (done[i])
		return;
	inflight--;
	if (ev->status == 0) {
		done[i] = 1;
		ndone++;
	} else if (tries[i] >= FETCH_TRIES) {
		done[i] = 1;
		nfailed++;
	} else
		queue[qtail++ % nchunks] = i;
}

struct fetch_result {
	double		 secs;
	double		 mbs;
	double		 req_per_chunk;
	double		 dgrams_per_chunk;
	size_t		 failed;
};

static int
fetch_once(struct fetch_result *r, int quiet)
{
	const struct dht_stats *st;
	size_t		 i, spins = 0;
	uint64_t	 t0, dg0;
	int		 f;
	uint8_t		 id[KAD_ID_LEN];

	sim_init(&opt.sim, opt.nodes + 1);
	if (net_build(opt.nodes) == -1)
		return (-1);
	nchunks = opt.chunks;
	keys = calloc(nchunks, KAD_ID_LEN);
	tries = calloc(nchunks, 1);
	done = calloc(nchunks, 1);
	queue = calloc(nchunks, sizeof(*queue));
	if (keys == NULL || tries == NULL || done == NULL || queue == NULL)
		abort();
	i = net_publish(keys, nchunks, KRPC_MAX_VALUE);
	if (!quiet)
		out("put-success-pct", "%.2f",
		    100.0 * (double)i / (double)nchunks);
	/* the fetcher joins now: it holds nothing */
	sim_rand_id(id);
	f = sim_node_add(id, sim_addr_for(opt.nodes), 4000, SIM_HONEST);
	(void)sim_node_start(f, (int)sim_rand_below(opt.nodes));
	sim_run_for_ms(5000);
	ndone = nfailed = inflight = 0;
	f_base = 1ULL << 48;
	qhead = 0;
	for (qtail = 0; qtail < nchunks; qtail++)
		queue[qtail] = qtail;
	kadsim_done = fetch_event;
	t0 = sim_now_us();
	dg0 = sim_stats()->dgrams;
	while (ndone + nfailed < nchunks && spins++ < 10000000) {
		while (qhead < qtail && inflight < opt.window) {
			i = queue[qhead++ % nchunks];
			tries[i]++;
			if (sim_fetch(f, keys[i], f_base + i) == -1) {
				/* the dht's caps: try again in a moment */
				tries[i]--;
				qhead--;
				break;
			}
			inflight++;
		}
		sim_run_for_ms(1);
	}
	kadsim_done = NULL;
	st = dht_stats(sim_node_dht(f));
	r->secs = (double)(sim_now_us() - t0) / 1e6;
	r->mbs = (double)ndone * KRPC_MAX_VALUE / 1e6 / r->secs;
	r->req_per_chunk = (double)st->tx_type[KRPC_FIND_VALUE] /
	    (double)nchunks;
	r->dgrams_per_chunk = (double)(sim_stats()->dgrams - dg0) /
	    (double)nchunks;
	r->failed = nfailed;
	free(keys);
	free(tries);
	free(done);
	free(queue);
	return (0);
}

int
scn_fetch(void)
{
	static const double rtts[] = { 20, 50, 100, 200, 300 };
	static const double losses[] = { 0, 0.01, 0.05 };
	struct fetch_result	 r;
	size_t			 i, j;
	char			 key[64];

	out("chunks", "%u", opt.chunks);
	out("window", "%u", opt.window);
	if (!opt.sweep) {
		if (fetch_once(&r, 0) == -1)
			return (-1);
		out("fetch-sim-seconds", "%.2f", r.secs);
		out("fetch-mb-per-s", "%.2f", r.mbs);
		out("fetch-requests-per-chunk", "%.2f", r.req_per_chunk);
		out("fetch-datagrams-per-chunk", "%.2f", r.dgrams_per_chunk);
		out("fetch-chunks-failed", "%zu", r.failed);
		return (0);
	}
	csv_row("rtt-ms,loss-pct,seconds,mb-per-s,requests-per-chunk,failed");
	for (i = 0; i < sizeof(rtts) / sizeof(rtts[0]); i++) {
		for (j = 0; j < sizeof(losses) / sizeof(losses[0]); j++) {
			opt.sim.rtt_fixed_ms = rtts[i];
			opt.sim.loss = losses[j];
			if (fetch_once(&r, 1) == -1)
				return (-1);
			snprintf(key, sizeof(key), "fetch-rtt-%.0f-loss-%.0f",
			    rtts[i], losses[j] * 100);
			out(key, "%.2f MB/s, %.2f s, %.2f requests per chunk, "
			    "%zu failed", r.mbs, r.secs, r.req_per_chunk,
			    r.failed);
			csv_row("%.0f,%.0f,%.3f,%.3f,%.3f,%zu", rtts[i],
			    losses[j] * 100, r.secs, r.mbs, r.req_per_chunk,
			    r.failed);
			sim_free();
		}
	}
	return (0);
}
