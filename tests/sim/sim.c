/* SPDX-License-Identifier: ISC */
/*
 * sim: the nodes, their partitions, and the clock (see sim.h and
 * sim_local.h).  Time moves in windows no longer than the shortest
 * one-way delay: within one, each partition runs its own events in
 * order (one thread each when there are two), and nothing one partition
 * does can reach the other before the window ends.  Then, in one
 * thread, the datagrams that cross are merged into their partitions in
 * a fixed order, the completion events go to the scenario, and the
 * scenario's own steps (sim_at) run at their times.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kadnet/dht.h"
#include "kadnet/krpc.h"
#include "kadnet/routing.h"
#include "tests/sim/sim.h"
#include "tests/sim/sim_local.h"

#define BUF_SZ		KRPC_MAX_DGRAM
#define BUF_CHUNK	1024		/* buffers per allocation */

struct call {
	uint64_t	 t;
	uint64_t	 seq;
	void		(*fn)(void *, uint64_t);
	void		*arg;
	uint64_t	 x;
};

static struct {
	struct sim_config	 cf;
	struct sim_stats	 sum;		/* sim_stats(): the parts added */
	uint64_t		 now;		/* us, between windows */
	struct sim_rng		 rscn;		/* scenarios */
	struct part		 part[SIM_PARTS];
	struct call		*calls;		/* sim_at: a min-heap */
	size_t			 ncalls, capcalls;
	uint64_t		 callseq;
	struct sim_node		*nodes;
	size_t			 nnodes, maxnodes;
	size_t			 nup;
	uint32_t		*amap;		/* (ip, port) -> node */
	uint64_t		*akey;
	size_t			 acap;
	int			*attackers;	/* SIM_ECLIPSE nodes */
	size_t			 nattackers;
	uint64_t		 lookahead;
	/* the second thread */
	int			 threads;
	pthread_t		 worker;
	uint64_t		 go, gone;	/* window numbers (atomic) */
	uint64_t		 win_end;
	int			 quit;
} S;

static void	run_part(struct part *, uint64_t until);

/*
 * Waiting for the other thread: spin (a window takes well under a
 * millisecond), and give the processor away only after a long wait, so
 * that a busy machine is not kept from the other thread.
 */
#define SPIN_YIELD	(1 << 16)

static void
spin(unsigned *n)
{
	if (++*n < SPIN_YIELD)
		__builtin_ia32_pause();
	else
		sched_yield();
}

/* ---- small helpers ---- */

struct sim_node *
sim_node(int i)
{
	return (&S.nodes[i]);
}

struct part *
sim_part_of(int node)
{
	return (&S.part[node % SIM_PARTS]);
}

int
sim_node_index(const struct sim_node *n)
{
	return ((int)(n - S.nodes));
}

const struct sim_config *
sim_cfg(void)
{
	return (&S.cf);
}

struct sim_stats *
sim_stats(void)
{
	const struct sim_stats	*p;
	int			 i;

	memset(&S.sum, 0, sizeof(S.sum));
	for (i = 0; i < SIM_PARTS; i++) {
		p = &S.part[i].st;
		S.sum.events += p->events;
		S.sum.dgrams += p->dgrams;
		S.sum.dgram_bytes += p->dgram_bytes;
		S.sum.lost += p->lost;
		S.sum.queue_drops += p->queue_drops;
		S.sum.to_down += p->to_down;
		S.sum.unroutable += p->unroutable;
		S.sum.attacker_drops += p->attacker_drops;
		S.sum.peak_events += p->peak_events;
	}
	return (&S.sum);
}

uint64_t
sim_now_us(void)
{
	return (S.now);
}

uint64_t
sim_now_ms(void)
{
	return (S.now / 1000);
}

uint64_t
sim_rand(void)
{
	return (rng_next(&S.rscn));
}

uint64_t
sim_rand_below(uint64_t n)
{
	return (n == 0 ? 0 : rng_next(&S.rscn) % n);
}

double
sim_rand_unit(void)
{
	return (rng_unit(&S.rscn));
}

double
sim_rand_weibull(double shape, double scale)
{
	return (model_weibull(&S.rscn, shape, scale));
}

void
sim_rand_id(uint8_t id[KAD_ID_LEN])
{
	uint64_t	w;
	size_t		i;

	for (i = 0; i < KAD_ID_LEN; i += 8) {
		w = rng_next(&S.rscn);
		memcpy(id + i, &w, 8);
	}
}

size_t
sim_peak_rss(void)
{
	FILE	*f;
	char	 line[256];
	size_t	 kb = 0;

	if ((f = fopen("/proc/self/status", "r")) == NULL)
		return (0);
	while (fgets(line, sizeof(line), f) != NULL)
		if (sscanf(line, "VmHWM: %zu kB", &kb) == 1)
			break;
	fclose(f);
	return (kb * 1024);
}

const int *
sim_attackers(size_t *n)
{
	*n = S.nattackers;
	return (S.attackers);
}

/* ---- values ---- */

void
sim_value(const uint8_t key[KAD_ID_LEN], size_t len, uint8_t *out)
{
	size_t	i;

	for (i = 0; i < len; i++)
		out[i] = key[i % KAD_ID_LEN] ^ (uint8_t)(i / KAD_ID_LEN);
}

int
sim_value_ok(const uint8_t key[KAD_ID_LEN], const uint8_t *v, size_t len)
{
	size_t	i;

	if (v == NULL || len == 0 || len > KRPC_MAX_VALUE)
		return (0);
	for (i = 0; i < len; i++)
		if (v[i] != (key[i % KAD_ID_LEN] ^ (uint8_t)(i / KAD_ID_LEN)))
			return (0);
	return (1);
}

/* ---- a partition's buffers and events ---- */

uint8_t *
sim_buf(struct part *p, uint32_t b)
{
	return (p->bufs[b / BUF_CHUNK] + (size_t)(b % BUF_CHUNK) * BUF_SZ);
}

uint32_t
sim_buf_get(struct part *p)
{
	uint32_t	b, i, nx;
	uint8_t		**nb;

	if (p->buffree != NIL) {
		b = p->buffree;
		memcpy(&p->buffree, sim_buf(p, b), sizeof(p->buffree));
		return (b);
	}
	nb = reallocarray(p->bufs, p->nbufchunks + 1, sizeof(*p->bufs));
	if (nb == NULL)
		abort();
	p->bufs = nb;
	if ((p->bufs[p->nbufchunks] = malloc((size_t)BUF_CHUNK * BUF_SZ)) ==
	    NULL)
		abort();
	p->nbufchunks++;
	/* chain the new ones, keep the first */
	b = p->nbufs;
	for (i = 1; i < BUF_CHUNK; i++) {
		nx = i + 1 < BUF_CHUNK ? b + i + 1 : p->buffree;
		memcpy(sim_buf(p, b + i), &nx, sizeof(nx));
	}
	p->buffree = b + 1;
	p->nbufs += BUF_CHUNK;
	return (b);
}

static void
buf_put(struct part *p, uint32_t b)
{
	if (b == NIL)
		return;
	memcpy(sim_buf(p, b), &p->buffree, sizeof(p->buffree));
	p->buffree = b;
}

struct sev *
sim_ev_new(struct part *p, uint8_t kind, uint32_t node, uint32_t *idx)
{
	struct sev	*e;

	if (p->evfree != NIL) {
		*idx = p->evfree;
		p->evfree = p->ev[*idx].next;
	} else {
		if (p->nev == p->capev) {
			p->capev = p->capev ? p->capev * 2 : 65536;
			p->ev = reallocarray(p->ev, p->capev, sizeof(*p->ev));
			if (p->ev == NULL)
				abort();
		}
		*idx = (uint32_t)p->nev++;
	}
	e = &p->ev[*idx];
	memset(e, 0, sizeof(*e));
	e->kind = kind;
	e->node = node;
	e->buf = NIL;
	return (e);
}

static void
ev_free(struct part *p, uint32_t idx)
{
	buf_put(p, p->ev[idx].buf);
	p->ev[idx].next = p->evfree;
	p->evfree = idx;
}

/* ---- addresses ---- */

static uint64_t
akey_of(uint32_t ip, uint16_t port)
{
	return (((uint64_t)ip << 16 | port) + 1);
}

static size_t
aslot(uint64_t k)
{
	return ((size_t)((k * 0x9e3779b97f4a7c15ULL) >> 24) & (S.acap - 1));
}

static void
amap_put(uint32_t ip, uint16_t port, uint32_t node)
{
	uint64_t	k = akey_of(ip, port);
	size_t		i = aslot(k);

	while (S.akey[i] != 0 && S.akey[i] != k)
		i = (i + 1) & (S.acap - 1);
	S.akey[i] = k;
	S.amap[i] = node;
}

uint32_t
sim_addr_lookup(uint32_t ip, uint16_t port)
{
	uint64_t	k = akey_of(ip, port);
	size_t		i;
	uint32_t	n;

	/* most nodes sit where sim_addr_for put them: no table to read */
	if (ip >= 0x0b000001u && (ip & 0xff) == 1) {
		n = (ip - 0x0b000001u) >> 8;
		if (n < S.nnodes && S.nodes[n].ip == ip &&
		    S.nodes[n].port == port)
			return (n);
	}
	i = aslot(k);
	while (S.akey[i] != 0) {
		if (S.akey[i] == k)
			return (S.amap[i]);
		i = (i + 1) & (S.acap - 1);
	}
	return (NIL);
}

uint32_t
sim_addr_for(size_t i)
{
	/* 11.0.0.1, 11.0.1.1, ...: public unicast, one /24 each */
	return (0x0b000001u + (uint32_t)(i << 8));
}

void
sim_node_sin(const struct sim_node *n, struct sockaddr_in *sin)
{
	memset(sin, 0, sizeof(*sin));
	sin->sin_family = AF_INET;
	sin->sin_addr.s_addr = htonl(n->ip);
	sin->sin_port = htons(n->port);
}

/* ---- the stores, from the scenario ---- */

int
sim_store_has(int i, const uint8_t key[KAD_ID_LEN])
{
	uint32_t	pos;

	return (kv_pos(&S.nodes[i].kv, key, &pos));
}

void
sim_store_plant(int i, const uint8_t key[KAD_ID_LEN], size_t len)
{
	kv_put(i, key, len);
}

size_t
sim_store_count(int i)
{
	return (S.nodes[i].kv.n);
}

/* ---- set up ---- */

void
sim_config_defaults(struct sim_config *cf)
{
	memset(cf, 0, sizeof(*cf));
	cf->seed = 1;
	cf->rtt_median_ms = 100;
	cf->rtt_p95_ms = 300;
	cf->loss = 0.01;
	cf->up_queue_ms = 1000;
	cf->store_us = 100;
	cf->k = 20;
	cf->replicas = 8;
	cf->migrate_ms = 60 * 60 * 1000;
	cf->threads = 1;
}

static void *
worker_main(void *arg)
{
	uint64_t	seen = 0;
	unsigned	spins;

	(void)arg;
	for (;;) {
		for (spins = 0; __atomic_load_n(&S.go, __ATOMIC_ACQUIRE) ==
		    seen && !__atomic_load_n(&S.quit, __ATOMIC_ACQUIRE);)
			spin(&spins);
		if (__atomic_load_n(&S.quit, __ATOMIC_ACQUIRE))
			return (NULL);
		seen = __atomic_load_n(&S.go, __ATOMIC_ACQUIRE);
		run_part(&S.part[1], S.win_end);
		__atomic_store_n(&S.gone, seen, __ATOMIC_RELEASE);
	}
}

void
sim_init(const struct sim_config *cf, size_t maxnodes)
{
	int	i;

	memset(&S, 0, sizeof(S));
	S.cf = *cf;
	S.now = 1000000;	/* 1 s: no event at time zero */
	rng_seed(&S.rscn, cf->seed, 3);
	for (i = 0; i < SIM_PARTS; i++) {
		simq_init(&S.part[i].q);
		S.part[i].evfree = S.part[i].buffree = NIL;
		S.part[i].now = S.now;
		/* stream 1 and 2 for partition 0, as one queue had them */
		rng_seed(&S.part[i].rcore, cf->seed, 1 + 16 * (uint64_t)i);
		rng_seed(&S.part[i].rnet, cf->seed, 2 + 16 * (uint64_t)i);
	}
	model_init(cf->seed, cf->rtt_median_ms, cf->rtt_p95_ms,
	    cf->rtt_fixed_ms);
	S.lookahead = model_min_oneway_us();
	if (S.lookahead == 0)
		S.lookahead = 1;
	S.maxnodes = maxnodes;
	if ((S.nodes = calloc(maxnodes ? maxnodes : 1, sizeof(*S.nodes))) ==
	    NULL)
		abort();
	for (S.acap = 1024; S.acap < maxnodes * 2; S.acap *= 2)
		;
	if ((S.amap = calloc(S.acap, sizeof(*S.amap))) == NULL ||
	    (S.akey = calloc(S.acap, sizeof(*S.akey))) == NULL ||
	    (S.attackers = calloc(maxnodes ? maxnodes : 1,
	    sizeof(*S.attackers))) == NULL)
		abort();
	index_init(maxnodes);
	S.threads = cf->threads >= 2 ? 2 : 1;
	if (S.threads == 2 && pthread_create(&S.worker, NULL, worker_main,
	    NULL) != 0)
		S.threads = 1;
}

void
sim_free(void)
{
	size_t	i, j;

	if (S.threads == 2) {
		__atomic_store_n(&S.quit, 1, __ATOMIC_RELEASE);
		(void)pthread_join(S.worker, NULL);
	}
	for (i = 0; i < S.nnodes; i++) {
		dht_free(S.nodes[i].d);
		free(S.nodes[i].kv.key);
		free(S.nodes[i].kv.len);
		free(S.nodes[i].blob);
		free(S.nodes[i].ring);
	}
	for (i = 0; i < SIM_PARTS; i++) {
		for (j = 0; j < S.part[i].nbufchunks; j++)
			free(S.part[i].bufs[j]);
		free(S.part[i].bufs);
		free(S.part[i].ev);
		free(S.part[i].out);
		free(S.part[i].outb);
		free(S.part[i].done);
		simq_free(&S.part[i].q);
	}
	free(S.calls);
	free(S.nodes);
	free(S.amap);
	free(S.akey);
	free(S.attackers);
	index_free();
	model_free();
	memset(&S, 0, sizeof(S));
}

int
sim_node_add(const uint8_t id[KAD_ID_LEN], uint32_t ip, uint16_t port,
    int behave)
{
	struct sim_node	*n;
	int		 i;

	if (S.nnodes == S.maxnodes || behave < 0 || behave >= SIM_BEHAVE_MAX ||
	    sim_addr_lookup(ip, port) != NIL)
		abort();
	i = (int)S.nnodes++;
	n = &S.nodes[i];
	memcpy(n->id, id, KAD_ID_LEN);
	n->ip = ip;
	n->port = port;
	n->state = SIM_DEAD;
	n->behave = (uint8_t)behave;
	amap_put(ip, port, (uint32_t)i);
	index_add_node(i);
	if (behave == SIM_ECLIPSE) {
		if ((n->ring = calloc(SIM_TXRING, sizeof(*n->ring))) == NULL)
			abort();
		S.attackers[S.nattackers++] = i;
	}
	return (i);
}

size_t
sim_nnodes(void)
{
	return (S.nnodes);
}

/* ---- nodes ---- */

static struct dht *
node_dht(struct sim_node *n)
{
	struct dht_config	cf;
	struct dht_io		io;
	struct sockaddr_in	sin;

	dht_config_defaults(&cf);
	memcpy(cf.id, n->id, KAD_ID_LEN);
	sim_node_sin(n, &sin);
	memcpy(&cf.bind, &sin, sizeof(sin));
	cf.k = S.cf.k;
	cf.replicas = S.cf.replicas;
	cf.migrate_ms = S.cf.migrate_ms;
	if (S.cf.rl_slots != 0)
		cf.rl.slots = S.cf.rl_slots;
	sim_io_init(&io, n);
	return (dht_new(&cf, &io, sim_now_ms()));
}

/* The node's partition clock follows the serial clock between windows. */
static void
sync_part(int i)
{
	struct part	*p = sim_part_of(i);

	if (p->now < S.now)
		p->now = S.now;
}

int
sim_node_start(int i, int boot)
{
	struct sim_node		*n = &S.nodes[i];
	struct sockaddr_in	 sin;

	if (n->state == SIM_UP)
		return (0);
	sync_part(i);
	if ((n->d = node_dht(n)) == NULL)
		return (-1);
	n->state = SIM_UP;
	n->gen++;
	n->timer_at = 0;
	S.nup++;
	if (boot >= 0 && boot != i) {
		sim_node_sin(&S.nodes[boot], &sin);
		(void)dht_ping(n->d, (struct sockaddr *)&sin, sizeof(sin),
		    sim_now_ms());
	}
	sim_resched(i);
	return (0);
}

static void
node_stop(struct sim_node *n)
{
	dht_free(n->d);
	n->d = NULL;
	n->timer_at = 0;
	n->gen++;
	S.nup--;
}

void
sim_node_down(int i)
{
	struct sim_node	*n = &S.nodes[i];
	ssize_t		 len;

	if (n->state != SIM_UP)
		return;
	free(n->blob);
	n->bloblen = dht_save_size(n->d);
	if ((n->blob = malloc(n->bloblen)) == NULL)
		abort();
	if ((len = dht_save(n->d, n->blob, n->bloblen)) < 0)
		n->bloblen = 0;
	else
		n->bloblen = (size_t)len;
	node_stop(n);
	n->state = SIM_DOWN;
}

int
sim_node_up(int i)
{
	struct sim_node	*n = &S.nodes[i];

	if (n->state != SIM_DOWN)
		return (-1);
	sync_part(i);
	if ((n->d = node_dht(n)) == NULL)
		return (-1);
	n->state = SIM_UP;
	n->gen++;
	n->timer_at = 0;
	S.nup++;
	if (n->blob != NULL && n->bloblen > 0)
		(void)dht_load(n->d, n->blob, n->bloblen, sim_now_ms());
	free(n->blob);
	n->blob = NULL;
	n->bloblen = 0;
	sim_resched(i);
	return (0);
}

void
sim_node_kill(int i)
{
	struct sim_node	*n = &S.nodes[i];

	if (n->state == SIM_UP)
		node_stop(n);
	free(n->blob);
	n->blob = NULL;
	n->bloblen = 0;
	kv_drop(i);
	n->state = SIM_DEAD;
}

int
sim_node_state(int i)
{
	return (S.nodes[i].state);
}

int
sim_node_behave(int i)
{
	return (S.nodes[i].behave);
}

struct dht *
sim_node_dht(int i)
{
	return (S.nodes[i].d);
}

const uint8_t *
sim_node_id(int i)
{
	return (S.nodes[i].id);
}

void
sim_node_corrupt(int i, int on)
{
	S.nodes[i].corrupt = on != 0;
}

size_t
sim_node_mem(int i)
{
	return (S.nodes[i].d != NULL ? dht_mem(S.nodes[i].d) : 0);
}

size_t
sim_nup(void)
{
	return (S.nup);
}

int
sim_random_up(void)
{
	size_t	tries;
	int	i;

	if (S.nup == 0)
		return (-1);
	for (tries = 0; tries < 1000000; tries++) {
		i = (int)sim_rand_below(S.nnodes);
		if (S.nodes[i].state == SIM_UP)
			return (i);
	}
	return (-1);
}

int
sim_random_up_honest(void)
{
	size_t	tries;
	int	i;

	for (tries = 0; tries < 1000000; tries++) {
		i = (int)sim_rand_below(S.nnodes);
		if (S.nodes[i].state == SIM_UP &&
		    S.nodes[i].behave == SIM_HONEST)
			return (i);
	}
	return (-1);
}

uint64_t
sim_rtt_us(int a, int b)
{
	return (2 * model_oneway_us(a, b));
}

/* ---- running ---- */

void
sim_resched(int i)
{
	struct sim_node	*n = &S.nodes[i];
	struct part	*p = sim_part_of(i);
	struct sev	*e;
	uint64_t	 t;
	uint32_t	 idx;

	if (n->state != SIM_UP)
		return;
	t = dht_next_timer(n->d);
	if (t == UINT64_MAX)
		return;
	t = t > UINT64_MAX / 1000 ? UINT64_MAX : t * 1000;
	if (t < p->now)
		t = p->now;
	/* an earlier wake-up is on its way: it will look again */
	if (n->timer_at != 0 && n->timer_at <= t)
		return;
	e = sim_ev_new(p, EV_TIMER, (uint32_t)i, &idx);
	e->gen = n->gen;
	n->timer_at = t;
	simq_push(&p->q, t, idx);
}

static void
deliver(struct part *p, struct sev *e, uint64_t t)
{
	struct sim_node		*n = &S.nodes[e->node];
	struct sockaddr_in	 sin;
	const uint8_t		*b;
	uint64_t		 ms = t / 1000;
	unsigned		 r;

	p->st.events++;
	switch (e->kind) {
	case EV_DGRAM:
		if (n->state != SIM_UP) {
			p->st.to_down++;
			return;
		}
		b = sim_buf(p, e->buf);
		if (n->behave == SIM_DROP && KRPC_IS_REQUEST(b[3]) &&
		    b[3] != KRPC_PING) {
			p->st.attacker_drops++;
			return;
		}
		if (n->behave == SIM_ECLIPSE && (b[3] == KRPC_FIND_NODE ||
		    b[3] == KRPC_FIND_VALUE) && e->len >= KRPC_HDR_LEN +
		    KAD_ID_LEN) {
			r = n->ringpos++ % SIM_TXRING;
			memcpy(n->ring[r].txid, b + 4, KRPC_TXID_LEN);
			memcpy(n->ring[r].target, b + KRPC_HDR_LEN,
			    KAD_ID_LEN);
		}
		sim_node_sin(&S.nodes[e->from], &sin);
		(void)dht_input(n->d, b, e->len, (struct sockaddr *)&sin,
		    sizeof(sin), ms);
		break;
	case EV_STORE:
		if (n->state != SIM_UP || n->gen != e->gen)
			return;
		(void)dht_store_reply(n->d, e->x, e->status,
		    e->buf != NIL ? sim_buf(p, e->buf) : NULL, e->len, ms);
		break;
	case EV_SCAN:
		if (n->state != SIM_UP || n->gen != e->gen)
			return;
		(void)dht_store_scan_reply(n->d, e->x,
		    (const uint8_t (*)[KAD_ID_LEN])sim_buf(p, e->buf), e->len,
		    ms);
		break;
	case EV_TIMER:
		if (n->state != SIM_UP || n->gen != e->gen ||
		    n->timer_at != t)
			return;		/* superseded */
		n->timer_at = 0;
		(void)dht_timer(n->d, ms);
		break;
	}
	sim_resched((int)e->node);
}

/* One partition's events up to and including time `until`. */
static void
run_part(struct part *p, uint64_t until)
{
	struct qent	top;
	struct sev	e;

	while (simq_pop_until(&p->q, until, &top)) {
		p->now = top.t;
		/* a copy: what it sets off may grow (move) the event pool */
		e = p->ev[top.ev];
		deliver(p, &e, top.t);
		ev_free(p, top.ev);
	}
	if (p->q.len > p->st.peak_events)
		p->st.peak_events = p->q.len;
}

static struct call
call_pop(void)
{
	struct call	top = S.calls[0], x;
	size_t		i = 0, c;

	x = S.calls[--S.ncalls];
	for (;;) {
		c = 2 * i + 1;
		if (c >= S.ncalls)
			break;
		if (c + 1 < S.ncalls && (S.calls[c + 1].t < S.calls[c].t ||
		    (S.calls[c + 1].t == S.calls[c].t &&
		    S.calls[c + 1].seq < S.calls[c].seq)))
			c++;
		if (x.t < S.calls[c].t || (x.t == S.calls[c].t &&
		    x.seq < S.calls[c].seq))
			break;
		S.calls[i] = S.calls[c];
		i = c;
	}
	if (S.ncalls > 0)
		S.calls[i] = x;
	return (top);
}

void
sim_at(uint64_t t_us, void (*fn)(void *, uint64_t), void *arg, uint64_t x)
{
	struct call	c;
	size_t		i, p;

	if (S.ncalls == S.capcalls) {
		S.capcalls = S.capcalls ? S.capcalls * 2 : 1024;
		S.calls = reallocarray(S.calls, S.capcalls, sizeof(*S.calls));
		if (S.calls == NULL)
			abort();
	}
	c.t = t_us < S.now ? S.now : t_us;
	c.seq = S.callseq++;
	c.fn = fn;
	c.arg = arg;
	c.x = x;
	i = S.ncalls++;
	while (i > 0) {
		p = (i - 1) / 2;
		if (S.calls[p].t < c.t || (S.calls[p].t == c.t &&
		    S.calls[p].seq < c.seq))
			break;
		S.calls[i] = S.calls[p];
		i = p;
	}
	S.calls[i] = c;
}

/* The window is over: what crossed arrives, the scenario hears. */
static void
window_end(void)
{
	struct part	*p;
	size_t		 i;
	int		 k;

	for (k = 0; k < SIM_PARTS; k++) {
		p = &S.part[k];
		for (i = 0; i < p->nout; i++)
			sim_send_cross(&S.part[p->out[i].dst % SIM_PARTS],
			    &p->out[i], p->outb + p->out[i].off);
		p->nout = 0;
		p->noutb = 0;
	}
	for (k = 0; k < SIM_PARTS; k++)
		sim_done_replay(&S.part[k]);
}

static void
run_window(uint64_t last)
{
	unsigned	spins;
	uint64_t	w;
	int		k;

	if (S.threads == 2) {
		S.win_end = last;
		w = __atomic_add_fetch(&S.go, 1, __ATOMIC_RELEASE);
		run_part(&S.part[0], last);
		for (spins = 0; __atomic_load_n(&S.gone, __ATOMIC_ACQUIRE) !=
		    w;)
			spin(&spins);
		for (k = 2; k < SIM_PARTS; k++)
			run_part(&S.part[k], last);
	} else
		for (k = 0; k < SIM_PARTS; k++)
			run_part(&S.part[k], last);
}

void
sim_run_until(uint64_t t_us)
{
	struct call	c;
	uint64_t	tn, tc, last, x;
	int		k;

	index_sort_now();	/* the windows only read the order */
	for (;;) {
		tn = UINT64_MAX;
		for (k = 0; k < SIM_PARTS; k++)
			if ((x = simq_next(&S.part[k].q)) < tn)
				tn = x;
		tc = S.ncalls > 0 ? S.calls[0].t : UINT64_MAX;
		if (tn > t_us && tc > t_us)
			break;
		if (tc <= tn) {
			/* a scenario step goes before the events of its time */
			c = call_pop();
			if (c.t > S.now)
				S.now = c.t;
			for (k = 0; k < SIM_PARTS; k++)
				if (S.part[k].now < S.now)
					S.part[k].now = S.now;
			c.fn(c.arg, c.x);
			index_sort_now();
			continue;
		}
		/* events before tn + lookahead cannot reach across */
		last = tn + S.lookahead - 1;
		if (tc != UINT64_MAX && tc - 1 < last)
			last = tc - 1;
		if (last > t_us)
			last = t_us;
		run_window(last);
		if (last > S.now)
			S.now = last;
		window_end();
	}
	if (t_us > S.now)
		S.now = t_us;
	for (k = 0; k < SIM_PARTS; k++)
		if (S.part[k].now < S.now)
			S.part[k].now = S.now;
}

void
sim_run_for_ms(uint64_t ms)
{
	sim_run_until(S.now + ms * 1000);
}

/* ---- calls into a node from outside an event ---- */

int
sim_lookup(int i, const uint8_t target[KAD_ID_LEN], uint64_t cookie)
{
	int	r;

	if (S.nodes[i].state != SIM_UP)
		return (-1);
	sync_part(i);
	r = dht_lookup(S.nodes[i].d, target, cookie, sim_now_ms());
	sim_resched(i);
	return (r);
}

int
sim_get(int i, const uint8_t key[KAD_ID_LEN], uint64_t cookie)
{
	int	r;

	if (S.nodes[i].state != SIM_UP)
		return (-1);
	sync_part(i);
	r = dht_get(S.nodes[i].d, key, cookie, sim_now_ms());
	sim_resched(i);
	return (r);
}

int
sim_fetch(int i, const uint8_t key[KAD_ID_LEN], uint64_t cookie)
{
	int	r;

	if (S.nodes[i].state != SIM_UP)
		return (-1);
	sync_part(i);
	r = dht_fetch(S.nodes[i].d, key, cookie, sim_now_ms());
	sim_resched(i);
	return (r);
}

int
sim_put(int i, const uint8_t key[KAD_ID_LEN], size_t len, uint64_t cookie)
{
	uint8_t	v[KRPC_MAX_VALUE];
	int	r;

	if (S.nodes[i].state != SIM_UP || len == 0 || len > sizeof(v))
		return (-1);
	sync_part(i);
	sim_value(key, len, v);
	r = dht_put(S.nodes[i].d, key, v, len, cookie, sim_now_ms());
	sim_resched(i);
	return (r);
}
