/* SPDX-License-Identifier: ISC */
/*
 * sim: the nodes, their addresses and stores as the scenarios see them,
 * setting up and tearing down (see sim.h and sim_local.h; sim_run.c
 * moves the clock).
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
#include "kadnet/node_id.h"
#include "kadnet/routing.h"
#include "tests/sim/sim.h"
#include "tests/sim/sim_local.h"


struct sim_world	simw;

/* ---- small helpers ---- */

struct sim_node *
sim_node(int i)
{
	return (&simw.nodes[i]);
}

struct part *
sim_part_of(int node)
{
	return (&simw.part[node % SIM_PARTS]);
}

int
sim_node_index(const struct sim_node *n)
{
	return ((int)(n - simw.nodes));
}

const struct sim_config *
sim_cfg(void)
{
	return (&simw.cf);
}

struct sim_stats *
sim_stats(void)
{
	const struct sim_stats	*p;
	int			 i;

	memset(&simw.sum, 0, sizeof(simw.sum));
	for (i = 0; i < SIM_PARTS; i++) {
		p = &simw.part[i].st;
		simw.sum.events += p->events;
		simw.sum.dgrams += p->dgrams;
		simw.sum.dgram_bytes += p->dgram_bytes;
		simw.sum.lost += p->lost;
		simw.sum.queue_drops += p->queue_drops;
		simw.sum.to_down += p->to_down;
		simw.sum.unroutable += p->unroutable;
		simw.sum.attacker_drops += p->attacker_drops;
		simw.sum.peak_events += p->peak_events;
		simw.sum.wire_bytes += p->wire_bytes;
		simw.sum.handshakes += p->handshakes;
		simw.sum.sess_drops += p->sess_drops;
		simw.sum.sess_evicted += p->sess_evicted;
		simw.sum.wrong_key += p->wrong_key;
	}
	return (&simw.sum);
}

uint64_t
sim_now_us(void)
{
	return (simw.now);
}

uint64_t
sim_now_ms(void)
{
	return (simw.now / 1000);
}

uint64_t
sim_rand(void)
{
	return (rng_next(&simw.rscn));
}

uint64_t
sim_rand_below(uint64_t n)
{
	return (n == 0 ? 0 : rng_next(&simw.rscn) % n);
}

double
sim_rand_unit(void)
{
	return (rng_unit(&simw.rscn));
}

double
sim_rand_weibull(double shape, double scale)
{
	return (model_weibull(&simw.rscn, shape, scale));
}

void
sim_rand_id(uint8_t id[KAD_ID_LEN])
{
	uint64_t	w;
	size_t		i;

	for (i = 0; i < KAD_ID_LEN; i += 8) {
		w = rng_next(&simw.rscn);
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
	*n = simw.nattackers;
	return (simw.attackers);
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

/* ---- addresses ---- */

static uint64_t
akey_of(uint32_t ip, uint16_t port)
{
	return (((uint64_t)ip << 16 | port) + 1);
}

static size_t
aslot(uint64_t k)
{
	return ((size_t)((k * 0x9e3779b97f4a7c15ULL) >> 24) & (simw.acap - 1));
}

static void
amap_put(uint32_t ip, uint16_t port, uint32_t node)
{
	uint64_t	k = akey_of(ip, port);
	size_t		i = aslot(k);

	while (simw.akey[i] != 0 && simw.akey[i] != k)
		i = (i + 1) & (simw.acap - 1);
	simw.akey[i] = k;
	simw.amap[i] = node;
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
		if (n < simw.nnodes && simw.nodes[n].ip == ip &&
		    simw.nodes[n].port == port)
			return (n);
	}
	i = aslot(k);
	while (simw.akey[i] != 0) {
		if (simw.akey[i] == k)
			return (simw.amap[i]);
		i = (i + 1) & (simw.acap - 1);
	}
	return (NIL);
}

uint32_t
sim_addr_for(size_t i)
{
	/* 11.0.0.1, 11.0.1.1, ...: public unicast, one /24 each */
	return (0x0b000001u + (uint32_t)(i << 8));
}

int
sim_key_id(const uint8_t pub[KRPC_KEY_LEN], uint32_t ip,
    uint8_t id[KAD_ID_LEN])
{
	struct krpc_addr	a;

	memset(&a, 0, sizeof(a));
	a.family = KRPC_AF_INET;
	a.ip[0] = (uint8_t)(ip >> 24);
	a.ip[1] = (uint8_t)(ip >> 16);
	a.ip[2] = (uint8_t)(ip >> 8);
	a.ip[3] = (uint8_t)ip;
	return (kad_node_id(pub, &a, id));
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

	return (kv_pos(&simw.nodes[i].kv, key, &pos));
}

void
sim_store_plant(int i, const uint8_t key[KAD_ID_LEN], size_t len)
{
	kv_put(i, key, len, 0);
}

size_t
sim_store_count(int i)
{
	return (simw.nodes[i].kv.n);
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

void
sim_init(const struct sim_config *cf, size_t maxnodes)
{
	int	i;

	memset(&simw, 0, sizeof(simw));
	simw.cf = *cf;
	if (kad_node_id_init() == -1)	/* before the second thread */
		abort();
	simw.now = 1000000;	/* 1 s: no event at time zero */
	rng_seed(&simw.rscn, cf->seed, 3);
	for (i = 0; i < SIM_PARTS; i++) {
		simq_init(&simw.part[i].q);
		simw.part[i].evfree = simw.part[i].buffree = NIL;
		simw.part[i].now = simw.now;
		/* stream 1 and 2 for partition 0, as one queue had them */
		rng_seed(&simw.part[i].rcore, cf->seed, 1 + 16 * (uint64_t)i);
		rng_seed(&simw.part[i].rnet, cf->seed, 2 + 16 * (uint64_t)i);
	}
	model_init(cf->seed, cf->rtt_median_ms, cf->rtt_p95_ms,
	    cf->rtt_fixed_ms);
	simw.lookahead = model_min_oneway_us();
	if (simw.lookahead == 0)
		simw.lookahead = 1;
	simw.maxnodes = maxnodes;
	if ((simw.nodes = calloc(maxnodes ? maxnodes : 1,
	    sizeof(*simw.nodes))) == NULL)
		abort();
	for (simw.acap = 1024; simw.acap < maxnodes * 2; simw.acap *= 2)
		;
	if ((simw.amap = calloc(simw.acap, sizeof(*simw.amap))) == NULL ||
	    (simw.akey = calloc(simw.acap, sizeof(*simw.akey))) == NULL ||
	    (simw.attackers = calloc(maxnodes ? maxnodes : 1,
	    sizeof(*simw.attackers))) == NULL)
		abort();
	index_init(maxnodes);
	simw.threads = cf->threads >= 2 ? 2 : 1;
	if (simw.threads == 2 && pthread_create(&simw.worker, NULL,
	    sim_worker_main, NULL) != 0)
		simw.threads = 1;
}

void
sim_free(void)
{
	size_t	i, j;

	if (simw.threads == 2) {
		__atomic_store_n(&simw.quit, 1, __ATOMIC_RELEASE);
		(void)pthread_join(simw.worker, NULL);
	}
	for (i = 0; i < simw.nnodes; i++) {
		dht_free(simw.nodes[i].d);
		free(simw.nodes[i].kv.key);
		free(simw.nodes[i].kv.len);
		free(simw.nodes[i].kv.copies);
		free(simw.nodes[i].blob);
		free(simw.nodes[i].ring);
		free(simw.nodes[i].sess);
	}
	for (i = 0; i < SIM_PARTS; i++) {
		for (j = 0; j < simw.part[i].nbufchunks; j++)
			free(simw.part[i].bufs[j]);
		free(simw.part[i].bufs);
		free(simw.part[i].ev);
		free(simw.part[i].out);
		free(simw.part[i].outb);
		free(simw.part[i].done);
		simq_free(&simw.part[i].q);
	}
	free(simw.calls);
	free(simw.nodes);
	free(simw.amap);
	free(simw.akey);
	free(simw.attackers);
	index_free();
	model_free();
	memset(&simw, 0, sizeof(simw));
}

int
sim_node_add(const uint8_t pub[KRPC_KEY_LEN], uint32_t ip, uint16_t port,
    int behave)
{
	struct sim_node	*n;
	int		 i;

	if (simw.nnodes == simw.maxnodes || behave < 0 ||
	    behave >= SIM_BEHAVE_MAX || sim_addr_lookup(ip, port) != NIL)
		abort();
	i = (int)simw.nnodes++;
	n = &simw.nodes[i];
	memcpy(n->pub, pub, KRPC_KEY_LEN);
	if (sim_key_id(pub, ip, n->id) == -1)
		abort();
	n->ip = ip;
	n->port = port;
	n->state = SIM_DEAD;
	n->behave = (uint8_t)behave;
	amap_put(ip, port, (uint32_t)i);
	index_add_node(i);
	if (behave == SIM_ECLIPSE) {
		if ((n->ring = calloc(SIM_TXRING, sizeof(*n->ring))) == NULL)
			abort();
		simw.attackers[simw.nattackers++] = i;
	}
	return (i);
}

size_t
sim_nnodes(void)
{
	return (simw.nnodes);
}

/* ---- nodes ---- */

static struct dht *
node_dht(struct sim_node *n)
{
	struct dht_config	cf;
	struct dht_io		io;
	struct sockaddr_in	sin;

	dht_config_defaults(&cf);
	/* keys are any 32 bytes here: the puzzle's cost is modelled by the
	 * scenarios that count it (scn_eclipse), not paid */
	cf.puzzle_bits = 0;
	memcpy(cf.pub, n->pub, KRPC_KEY_LEN);
	sim_node_sin(n, &sin);
	memcpy(&cf.bind, &sin, sizeof(sin));
	cf.k = simw.cf.k;
	cf.replicas = simw.cf.replicas;
	cf.migrate_ms = simw.cf.migrate_ms;
	if (simw.cf.rl_slots != 0)
		cf.rl.slots = simw.cf.rl_slots;
	sim_io_init(&io, n);
	return (dht_new(&cf, &io, sim_now_ms()));
}

/* The node's partition clock follows the serial clock between windows. */
void
sim_sync_part(int i)
{
	struct part	*p = sim_part_of(i);

	if (p->now < simw.now)
		p->now = simw.now;
}

int
sim_node_start(int i, int boot)
{
	struct sim_node		*n = &simw.nodes[i];
	struct sockaddr_in	 sin;

	if (n->state == SIM_UP)
		return (0);
	sim_sync_part(i);
	if ((n->d = node_dht(n)) == NULL)
		return (-1);
	n->state = SIM_UP;
	n->gen++;
	n->timer_at = 0;
	simw.nup++;
	if (boot >= 0 && boot != i) {
		sim_node_sin(&simw.nodes[boot], &sin);
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
	sim_sess_clear(n);	/* the session layer's keys go too */
	n->timer_at = 0;
	n->gen++;
	simw.nup--;
}

void
sim_node_down(int i)
{
	struct sim_node	*n = &simw.nodes[i];
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
	struct sim_node	*n = &simw.nodes[i];

	if (n->state != SIM_DOWN)
		return (-1);
	sim_sync_part(i);
	if ((n->d = node_dht(n)) == NULL)
		return (-1);
	n->state = SIM_UP;
	n->gen++;
	n->timer_at = 0;
	simw.nup++;
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
	struct sim_node	*n = &simw.nodes[i];

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
	return (simw.nodes[i].state);
}

int
sim_node_behave(int i)
{
	return (simw.nodes[i].behave);
}

struct dht *
sim_node_dht(int i)
{
	return (simw.nodes[i].d);
}

const uint8_t *
sim_node_id(int i)
{
	return (simw.nodes[i].id);
}

const uint8_t *
sim_node_pub(int i)
{
	return (simw.nodes[i].pub);
}

void
sim_node_corrupt(int i, int on)
{
	simw.nodes[i].corrupt = on != 0;
}

size_t
sim_node_mem(int i)
{
	return (simw.nodes[i].d != NULL ? dht_mem(simw.nodes[i].d) : 0);
}

size_t
sim_nup(void)
{
	return (simw.nup);
}

int
sim_random_up(void)
{
	size_t	tries;
	int	i;

	if (simw.nup == 0)
		return (-1);
	for (tries = 0; tries < 1000000; tries++) {
		i = (int)sim_rand_below(simw.nnodes);
		if (simw.nodes[i].state == SIM_UP)
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
		i = (int)sim_rand_below(simw.nnodes);
		if (simw.nodes[i].state == SIM_UP &&
		    simw.nodes[i].behave == SIM_HONEST)
			return (i);
	}
	return (-1);
}

uint64_t
sim_rtt_us(int a, int b)
{
	return (2 * model_oneway_us(a, b));
}
