/* SPDX-License-Identifier: ISC */
/*
 * Tests for the simulator in tests/sim: its pieces against brute force
 * (the true closest nodes, the holder index, the latency model's
 * percentiles, the Weibull draws, events in time order, the durability
 * scenario's coded trees and its loss odds with shared holders), and that a run
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
#include "tests/sim/dur_local.h"
#include "tests/test.h"

#define NODES	300
/* the four runs of test_determinism; under valgrind (about 6 minutes
 * at 300 nodes, most of check-valgrind) fewer: the same property */
static size_t	run_nodes = NODES;

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
	sim_init(&cf, run_nodes);
	for (i = 0; i < run_nodes; i++) {
		sim_rand_id(id);
		(void)sim_node_add(id, sim_addr_for(i), 4000, SIM_HONEST);
	}
	for (i = 0; i < run_nodes; i++) {
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

/* ---- the durability scenario's coded trees and stripe odds ---- */

static void
test_dur_shape(void)
{
	struct dur_ec		 ec = { 64, 20, 4 }, none = { 1, 0, 0 };
	struct dur_level	 lv[DUR_MAXLEVEL];
	struct dur_set		 S;
	struct sim_config	 cf;
	size_t			 n, i, c = 0;
	uint64_t		 tot = 0;

	CHECK(dur_parity(&ec, 64) == 24 && dur_parity(&ec, 48) == 19 &&
	    dur_parity(&ec, 3) == 5 && dur_parity(&ec, 0) == 0,
	    "parity of a stripe: ceil(k' M / K) + E");
	n = dur_shape(&ec, 25600, lv, DUR_MAXLEVEL);
	for (i = 0; i < n; i++)
		tot += lv[i].coded;
	CHECK(n == 4 && lv[0].coded == 35200 && lv[1].items == 1136 &&
	    lv[1].coded == 1563 && lv[2].coded == 71 && lv[3].coded == 8 &&
	    tot == 36842, "25 MiB, 64,20,4: 4 levels, 36,842 chunks and the "
	    "root (2 copies and 8 of the root: %.3fx)",
	    (double)(tot * 2 + 8) / 25600);
	n = dur_shape(&none, 25600, lv, DUR_MAXLEVEL);
	CHECK(n == 4 && lv[0].coded == 25600 && lv[1].coded == 826 &&
	    lv[2].coded == 27 && lv[3].coded == 1, "full copies: the "
	    "version 1 tree (31 keys a node, 25 in the root)");
	n = dur_shape(&ec, 256, lv, DUR_MAXLEVEL);
	CHECK(n == 2 && lv[0].coded == 352 && lv[1].items == 12 &&
	    lv[1].coded == 20, "256 chunks: 352 coded, a root of 20 keys");

	sim_config_defaults(&cf);
	sim_init(&cf, 1);
	(void)sim_node_add((const uint8_t *)"01234567890123456789012345678901",
	    sim_addr_for(0), 4000, SIM_HONEST);
	(void)sim_node_start(0, -1);
	memset(&S, 0, sizeof(S));
	dur_add_file(&S, &ec, 25600, 2, 8, 1);
	for (i = 0; i < S.ns; i++)
		c += S.s[i].k + S.s[i].p;
	CHECK(S.nf == 1 && S.nc == 36843 && c == 36842 && S.ns == 400 +
	    18 + 1 + 1 && S.c[S.f[0].root].kind == DUR_ROOT &&
	    S.c[S.f[0].root].copies == 8 && S.c[0].copies == 2,
	    "a laid out file: every stripe's chunks, then its root");
	for (i = 0; i < S.nc; i++)
		S.c[i].live = 1;
	CHECK(dur_file_ok(&S, &S.f[0]), "every chunk live: whole");
	for (i = 0; i < 24; i++)
		S.c[S.s[7].first + 3 * i].live = 0;
	CHECK(dur_file_ok(&S, &S.f[0]), "24 of a stripe's 88 lost: whole");
	S.c[S.s[7].first + 1].live = 0;
	CHECK(!dur_stripe_ok(&S, &S.s[7]) && !dur_file_ok(&S, &S.f[0]),
	    "25 lost: that stripe and the file are not");
	free(S.c);
	free(S.s);
	free(S.f);
	sim_free();
}

/*
 * A stripe of 6 chunks (3 + 3 parity) on 10 nodes, holders shared in
 * chains and a triple: its loss against every one of the 2^10 states.
 */
static void
test_dur_shared(void)
{
	static const int	 hold[6][3] = {
		{ 0, 1, -1 }, { 1, 2, -1 }, { 3, 4, -1 }, { 4, 5, 6 },
		{ 7, 8, -1 }, { 9, -1, -1 }
	};
	struct dur_chunk	 ch[6];
	struct dur_stripe	 st = { 0, 3, 3 };
	struct dur_set		 S;
	struct sim_config	 cf;
	uint8_t			 id[KAD_ID_LEN];
	double			 f = 0.3, want = 0, apart = 0, pr, a, b;
	unsigned		 mask, c, lost, j, d;
	int			 i;

	sim_config_defaults(&cf);
	sim_init(&cf, 10);
	for (i = 0; i < 10; i++) {
		sim_rand_id(id);
		(void)sim_node_add(id, sim_addr_for((size_t)i), 4000,
		    SIM_HONEST);
		(void)sim_node_start(i, -1);
	}
	memset(ch, 0, sizeof(ch));
	for (c = 0; c < 6; c++) {
		sim_rand_id(ch[c].key);
		for (j = 0; j < 3 && hold[c][j] >= 0; j++)
			sim_store_plant(hold[c][j], ch[c].key, 1024);
	}
	for (mask = 0; mask < 1024; mask++) {
		for (pr = 1, i = 0; i < 10; i++)
			pr *= mask & (1u << i) ? f : 1 - f;
		for (lost = 0, c = 0; c < 6; c++) {
			for (d = 1, j = 0; j < 3 && hold[c][j] >= 0; j++)
				d &= (mask >> hold[c][j]) & 1;
			lost += d;
		}
		want += lost > 3 ? pr : 0;
	}
	/* apart: each chunk lost with f^h, independently (Poisson-binomial) */
	{
		double	dist[7] = { 1 }, q;

		for (c = 0; c < 6; c++) {
			for (j = 0; j < 3 && hold[c][j] >= 0; j++)
				;
			q = pow(f, j);
			for (i = (int)c + 1; i > 0; i--)
				dist[i] = dist[i] * (1 - q) + dist[i - 1] * q;
			dist[0] *= 1 - q;
		}
		apart = dist[4] + dist[5] + dist[6];
	}
	memset(&S, 0, sizeof(S));
	S.c = ch;
	S.nc = 6;
	S.s = &st;
	S.ns = 1;
	a = dur_stripe_loss(&S, &st, f, 0);
	b = dur_stripe_loss(&S, &st, f, 1);
	CHECK(fabs(a - want) < 1e-12 && a > apart * 1.01, "stripe loss with "
	    "shared holders: %.6f, brute force %.6f (apart %.6f)", a, want,
	    apart);
	CHECK(fabs(b - apart) < 1e-12, "with holders apart: %.6f, the "
	    "Poisson-binomial %.6f", b, apart);
	sim_free();
}

int
main(void)
{
	test_events();
	test_model();
	test_index();
	test_session_model();
	if (getenv("KAD_VALGRIND") != NULL)
		run_nodes = 100;
	test_determinism();
	test_dur_shape();
	test_dur_shared();
	return (test_done());
}
