/* SPDX-License-Identifier: ISC */
/*
 * Tests for the simulator in tests/sim: its pieces against brute force
 * (the true closest nodes, the holder index, the latency model's
 * percentiles, the Weibull draws, events in time order), and that a run
 * is a function of its seed: the same seed gives the same events and
 * results, another seed others.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kadnet/dht.h"
#include "kadnet/routing.h"
#include "kadnet/session.h"
#include "tests/sim/sim.h"
#include "tests/sim/sim_local.h"
#include "tests/test.h"

#define NODES	300

static uint64_t	 order[16];
static size_t	 norder;

static void
at(void *arg, uint64_t x)
{
	(void)arg;
	if (norder < 16)
		order[norder++] = x * 1000000 + sim_now_us() % 1000000;
}

static void
test_events(void)
{
	struct sim_config	cf;
	uint64_t		t;

	sim_config_defaults(&cf);
	sim_init(&cf, 1);
	t = sim_now_us();
	norder = 0;
	sim_at(t + 300, at, NULL, 3);
	sim_at(t + 100, at, NULL, 1);
	sim_at(t + 200, at, NULL, 2);
	sim_at(t + 100, at, NULL, 4);	/* same time: in the order made */
	sim_run_until(t + 250);
	CHECK(norder == 3 && order[0] / 1000000 == 1 &&
	    order[1] / 1000000 == 4 && order[2] / 1000000 == 2,
	    "events run in time order, ties in the order they were made");
	CHECK(sim_now_us() == t + 250, "the clock ends where it was run to");
	sim_run_until(t + 1000);
	CHECK(norder == 4 && order[3] / 1000000 == 3, "the rest runs later");
	sim_free();
}

static int
dcmp(const void *a, const void *b)
{
	double	x = *(const double *)a, y = *(const double *)b;

	return (x < y ? -1 : x > y);
}

static void
test_model(void)
{
	struct sim_config	 cf;
	double			*v, med, p95, w[20001];
	uint8_t			 id[KAD_ID_LEN];
	size_t			 i, j, n = 0;

	sim_config_defaults(&cf);
	sim_init(&cf, 400);
	for (i = 0; i < 400; i++) {
		sim_rand_id(id);
		(void)sim_node_add(id, sim_addr_for(i), 4000, SIM_HONEST);
	}
	if ((v = calloc(400 * 399 / 2, sizeof(*v))) == NULL)
		abort();
	for (i = 0; i < 400; i++)
		for (j = i + 1; j < 400; j++)
			v[n++] = (double)sim_rtt_us((int)i, (int)j) / 1000;
	qsort(v, n, sizeof(*v), dcmp);
	med = v[n / 2];
	p95 = v[n * 95 / 100];
	CHECK(med > 90 && med < 110 && p95 > 270 && p95 < 330,
	    "round trips over 79,800 pairs: median %.0f ms (100), p95 %.0f "
	    "ms (300)", med, p95);
	CHECK(sim_rtt_us(3, 7) == sim_rtt_us(7, 3) &&
	    sim_rtt_us(3, 7) == sim_rtt_us(3, 7), "the same both ways, every "
	    "time");
	for (i = 0; i < 20001; i++)
		w[i] = sim_rand_weibull(0.5, 60 / pow(log(2.0), 2));
	qsort(w, 20001, sizeof(w[0]), dcmp);
	CHECK(w[10000] > 55 && w[10000] < 65 && w[19800] > 20 * w[10000],
	    "Weibull(0.5) sessions: median %.1f (60), p99 %.0f: a long tail",
	    w[10000], w[19800]);
	free(v);
	sim_free();
}

/* The true closest against sorting everyone, and the holder index. */
static void
test_index(void)
{
	struct sim_config	 cf;
	uint8_t			 id[KAD_ID_LEN], key[KAD_ID_LEN];
	int			 out[20], all[NODES], h[8];
	size_t			 i, j, n, bad = 0;
	int			 x;

	sim_config_defaults(&cf);
	sim_init(&cf, NODES);
	for (i = 0; i < NODES; i++) {
		sim_rand_id(id);
		(void)sim_node_add(id, sim_addr_for(i), 4000, SIM_HONEST);
		(void)sim_node_start((int)i, -1);
	}
	for (i = 0; i < 30; i++)
		sim_node_kill((int)sim_rand_below(NODES));
	for (i = 0; i < 200; i++) {
		sim_rand_id(key);
		n = sim_truth(key, out, 20, 5, 0);
		/* brute force: every up node but 5, by distance */
		for (x = 0, j = 0; x < NODES; x++)
			if (x != 5 && sim_node_state(x) == SIM_UP)
				all[j++] = x;
		for (x = 0; x < (int)j; x++) {
			int	y, m = x;

			for (y = x + 1; y < (int)j; y++)
				if (kad_id_cmpdist(sim_node_id(all[y]),
				    sim_node_id(all[m]), key) < 0)
					m = y;
			y = all[x];
			all[x] = all[m];
			all[m] = y;
			if (x == 19)
				break;
		}
		if (n != 20 || memcmp(out, all, sizeof(out)) != 0)
			bad++;
	}
	CHECK(bad == 0, "sim_truth agrees with brute force on 200 keys "
	    "(%zu differ)", bad);
	sim_rand_id(key);
	sim_store_plant(3, key, 100);
	sim_store_plant(9, key, 100);
	sim_store_plant(3, key, 100);
	n = sim_holders(key, h, 8);
	CHECK(n == 2 && ((h[0] == 3 && h[1] == 9) || (h[0] == 9 &&
	    h[1] == 3)), "holder index: each holder once");
	sim_node_kill(9);
	CHECK(sim_holders(key, h, 8) == 1 && h[0] == 3 &&
	    !sim_store_has(9, key), "a killed node's store is gone");
	sim_free();
}

/* ---- a run is a function of its seed ---- */

static uint64_t	 digest;
static size_t	 nevents;

static void
fold(int node, const struct dht_event *ev)
{
	uint64_t	x = (uint64_t)node * 1000003 + ev->type * 31 +
			    ev->hops * 7 + ev->msgs + ev->ms * 131 +
			    ev->nnodes;

	digest = (digest ^ x) * 0x100000001b3ULL;
	nevents++;
}

static uint64_t
run(uint64_t seed, int threads, uint64_t *events)
{
	struct sim_config	cf;
	uint8_t			id[KAD_ID_LEN];
	size_t			i;

	digest = 0xcbf29ce484222325ULL;
	nevents = 0;
	sim_config_defaults(&cf);
	cf.seed = seed;
	cf.threads = threads;
	cf.on_event = fold;
	sim_init(&cf, NODES);
	for (i = 0; i < NODES; i++) {
		sim_rand_id(id);
		(void)sim_node_add(id, sim_addr_for(i), 4000, SIM_HONEST);
	}
	for (i = 0; i < NODES; i++) {
		(void)sim_node_start((int)i, i ? (int)sim_rand_below(i) : -1);
		sim_run_for_ms(10);
	}
	sim_run_for_ms(20000);
	for (i = 0; i < 50; i++) {
		sim_rand_id(id);
		(void)sim_lookup(sim_random_up(), id, i + 1);
		(void)sim_put(sim_random_up(), id, 1 + i * 20, 0, i + 100);
		sim_run_for_ms(200);
	}
	sim_run_for_ms(20000);
	*events = sim_stats()->events;
	digest ^= sim_stats()->dgrams * 0x9e3779b97f4a7c15ULL;
	sim_free();
	return (digest);
}

/*
 * The session model (sim_session.c) on two bare nodes: an INIT, its
 * RESP, the confirming DATA, a restart that loses the keys, the stale
 * timer, a STORE that waits for a proved session, and a full table.
 */
static void
test_session_model(void)
{
	static struct sim_node	 a, b;
	struct part		*p;
	size_t			 wire;
	uint64_t		 extra;
	int			 kind, up, v, old, young;
	uint32_t		 i;

	p = calloc(1, sizeof(*p));
	if (p == NULL)
		abort();
	p->now = 1000000;	/* us */
	/* node indexes: a is 0, b is 1 */
	kind = sim_sess_send(p, &a, 1, 1, 60, 1000, 0, &wire, &extra, 50000);
	CHECK(kind == SIM_KIND_INIT && wire == SESS_RESP_LEN +
	    SESS_DATA_OVERHEAD + 1000 && extra == 0 && p->st.handshakes == 1,
	    "no session: an INIT, padded to the answer it may draw (%zu)",
	    wire);
	v = sim_sess_recv(p, &b, 0, kind, &up);
	CHECK(v == 0 && !up, "a request in an INIT: not validated, no peer_up");
	kind = sim_sess_send(p, &b, 0, 1, 900, 0, 0, &wire, &extra, 50000);
	CHECK(kind == SIM_KIND_RESP && wire == SESS_RESP_LEN +
	    SESS_DATA_OVERHEAD + 900, "the answer: RESP and DATA");
	v = sim_sess_recv(p, &a, 1, kind, &up);
	CHECK(v == 1 && up, "the RESP: validated, peer_up at the initiator");
	kind = sim_sess_send(p, &a, 1, 1, 60, 1000, 0, &wire, &extra, 50000);
	v = sim_sess_recv(p, &b, 0, kind, &up);
	CHECK(kind == SIM_KIND_DATA && wire == SESS_DATA_OVERHEAD + 60 &&
	    v == 1 && up, "the next message: DATA, which proves the "
	    "initiator's address (peer_up at the responder)");
	v = sim_sess_recv(p, &b, 0, SIM_KIND_DATA, &up);
	CHECK(v == 1 && !up, "then DATA as usual, no second peer_up");

	/* b restarts: a's DATA is lost until its stale timer fires */
	sim_sess_clear(&b);
	kind = sim_sess_send(p, &a, 1, 1, 60, 1000, 0, &wire, &extra, 50000);
	CHECK(kind == SIM_KIND_DATA && sim_sess_recv(p, &b, 0, kind, &up) ==
	    -1 && p->st.sess_drops == 1, "after a restart: DATA dropped");
	p->now += 5000 * 1000;
	kind = sim_sess_send(p, &a, 1, 1, 60, 1000, 0, &wire, &extra, 50000);
	CHECK(kind == SIM_KIND_INIT && p->st.handshakes == 2,
	    "5 s sending with nothing heard: a new handshake");

	/* a STORE waits for a proved session */
	sim_sess_clear(&a);
	sim_sess_clear(&b);
	kind = sim_sess_send(p, &a, 1, 1, 1100, 0, 1, &wire, &extra, 50000);
	CHECK(kind == SIM_KIND_QUEUED && extra == 100000 &&
	    sim_sess_recv(p, &b, 0, kind, &up) == 1 && up,
	    "a STORE without a session: after a handshake, validated");
	/* a bare address: the key request first */
	kind = sim_sess_send(p, &b, 7, 0, 60, 500, 0, &wire, &extra, 50000);
	CHECK(kind == SIM_KIND_INIT && extra == 100000 && wire >=
	    SESS_KEYREQ_LEN + SESS_KEYRES_LEN, "to a bare address: KEYREQ, "
	    "KEYRES, then the INIT");

	/* a full table lets one go for each newcomer */
	sim_sess_clear(&a);
	for (i = 0; i < 5000; i++) {
		p->now += 1000;
		(void)sim_sess_send(p, &a, 100 + i, 1, 60, 0, 0, &wire,
		    &extra, 50000);
	}
	CHECK(a.nsess == 4096 && p->st.sess_evicted == 5000 - 4096,
	    "a table at 4,096 peers: %llu evicted for as many newcomers",
	    (unsigned long long)p->st.sess_evicted);
	kind = sim_sess_send(p, &a, 100 + 4999, 1, 60, 0, 0, &wire, &extra,
	    50000);
	CHECK(kind == SIM_KIND_QUEUED, "the last newcomer is still there");
	/* probing with DATA adds nothing: -1 means let go of */
	for (i = 0, old = 0, young = 0; i < 900; i++) {
		old += sim_sess_recv(p, &a, 100 + i, SIM_KIND_DATA, &up) == -1;
		young += sim_sess_recv(p, &a, 100 + 4000 + i, SIM_KIND_DATA,
		    &up) == -1;
	}
	CHECK(old > 4 * young, "the least recently used go first: %d of "
	    "the oldest 900, %d of the newest 900", old, young);
	sim_sess_clear(&a);
	sim_sess_clear(&b);
	free(p);
}

static void
test_determinism(void)
{
	uint64_t	a, b, c, d, ea, eb, ec, ed;

	a = run(7, 1, &ea);
	b = run(7, 1, &eb);
	c = run(8, 1, &ec);
	d = run(7, 2, &ed);
	CHECK(a == b && ea == eb && nevents >= 90, "the same seed: the same "
	    "%llu events and %zu results", (unsigned long long)ea, nevents);
	CHECK(a != c, "another seed: another run (%llu events)",
	    (unsigned long long)ec);
	CHECK(a == d && ea == ed, "two threads: the same run as one");
}

int
main(void)
{
	test_events();
	test_model();
	test_index();
	test_session_model();
	test_determinism();
	return (test_done());
}
