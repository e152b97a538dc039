/*
 * sim: the event queue, the nodes and their I/O (see sim.h).  Every
 * datagram, store answer, timer and scenario step is an event in one
 * 4-ary min-heap ordered by time and then by the order events were made,
 * so runs are repeatable.  Datagrams live in a pool of fixed buffers;
 * values are never kept, only keys (sim_value makes a value from its
 * key), so that a large file costs the simulated stores 34 bytes a copy.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kadnet/dht.h"
#include "kadnet/krpc.h"
#include "kadnet/routing.h"
#include "tests/sim/sim.h"
#include "tests/sim/sim_local.h"

#define NIL		UINT32_MAX

#define EV_DGRAM	1
#define EV_STORE	2
#define EV_SCAN		3
#define EV_TIMER	4
#define EV_CALL		5

#define BUF_SZ		KRPC_MAX_DGRAM
#define BUF_CHUNK	1024		/* buffers per allocation */
#define ADDR_NONE	UINT32_MAX

struct qent {
	uint64_t	 t;
	uint32_t	 seq;
	uint32_t	 ev;
};

struct sev {
	uint8_t		 kind;
	uint8_t		 status;
	uint16_t	 len;
	uint32_t	 node;
	uint32_t	 from;
	uint32_t	 gen;
	uint32_t	 buf;
	uint32_t	 next;		/* free list */
	uint64_t	 x;		/* store cookie, or the call's argument */
	void		(*fn)(void *, uint64_t);
	void		*arg;
};

static struct {
	struct sim_config	 cf;
	struct sim_stats	 st;
	uint64_t		 now;		/* us */
	uint32_t		 seq;
	struct sim_rng		 rcore;		/* the dhts' random bytes */
	struct sim_rng		 rnet;		/* loss */
	struct sim_rng		 rscn;		/* scenarios */
	struct qent		*q;
	size_t			 nq, capq;
	struct sev		*ev;
	size_t			 nev, capev;
	uint32_t		 evfree;
	uint8_t			**bufs;
	size_t			 nbufchunks;
	uint32_t		 buffree;
	uint32_t		 nbufs;
	struct sim_node		*nodes;
	size_t			 nnodes, maxnodes;
	size_t			 nup;
	uint32_t		*amap;		/* (ip, port) -> node, open addr */
	uint64_t		*akey;
	size_t			 acap;
	int			*attackers;	/* SIM_ECLIPSE nodes */
	size_t			 nattackers;
} S;

/* ---- small helpers ---- */

struct sim_node *
sim_node(int i)
{
	return (&S.nodes[i]);
}

const struct sim_config *
sim_cfg(void)
{
	return (&S.cf);
}

struct sim_stats *
sim_stats(void)
{
	return (&S.st);
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

/* ---- buffers and events ---- */

static uint8_t *
buf_at(uint32_t b)
{
	return (S.bufs[b / BUF_CHUNK] + (size_t)(b % BUF_CHUNK) * BUF_SZ);
}

static uint32_t
buf_get(void)
{
	uint32_t	b, i;
	uint8_t		**nb;

	if (S.buffree != NIL) {
		b = S.buffree;
		memcpy(&S.buffree, buf_at(b), sizeof(S.buffree));
		return (b);
	}
	nb = reallocarray(S.bufs, S.nbufchunks + 1, sizeof(*S.bufs));
	if (nb == NULL)
		abort();
	S.bufs = nb;
	if ((S.bufs[S.nbufchunks] = malloc((size_t)BUF_CHUNK * BUF_SZ)) ==
	    NULL)
		abort();
	S.nbufchunks++;
	/* chain the new ones, keep the first */
	b = S.nbufs;
	for (i = 1; i < BUF_CHUNK; i++) {
		uint32_t nx = i + 1 < BUF_CHUNK ? b + i + 1 : S.buffree;

		memcpy(buf_at(b + i), &nx, sizeof(nx));
	}
	S.buffree = b + 1;
	S.nbufs += BUF_CHUNK;
	return (b);
}

static void
buf_put(uint32_t b)
{
	if (b == NIL)
		return;
	memcpy(buf_at(b), &S.buffree, sizeof(S.buffree));
	S.buffree = b;
}

static struct sev *
ev_new(uint8_t kind, uint32_t node, uint32_t *idx)
{
	struct sev	*e;

	if (S.evfree != NIL) {
		*idx = S.evfree;
		S.evfree = S.ev[*idx].next;
	} else {
		if (S.nev == S.capev) {
			S.capev = S.capev ? S.capev * 2 : 65536;
			S.ev = reallocarray(S.ev, S.capev, sizeof(*S.ev));
			if (S.ev == NULL)
				abort();
		}
		*idx = (uint32_t)S.nev++;
	}
	e = &S.ev[*idx];
	memset(e, 0, sizeof(*e));
	e->kind = kind;
	e->node = node;
	e->buf = NIL;
	return (e);
}

static int
qless(const struct qent *a, const struct qent *b)
{
	return (a->t < b->t || (a->t == b->t &&
	    (int32_t)(a->seq - b->seq) < 0));
}

static void
push(uint64_t t, uint32_t idx)
{
	struct qent	 x;
	size_t		 i, p;

	if (S.nq == S.capq) {
		S.capq = S.capq ? S.capq * 2 : 65536;
		if ((S.q = reallocarray(S.q, S.capq, sizeof(*S.q))) == NULL)
			abort();
	}
	x.t = t;
	x.seq = S.seq++;
	x.ev = idx;
	i = S.nq++;
	while (i > 0) {
		p = (i - 1) / 4;
		if (!qless(&x, &S.q[p]))
			break;
		S.q[i] = S.q[p];
		i = p;
	}
	S.q[i] = x;
	if (S.nq > S.st.peak_events)
		S.st.peak_events = S.nq;
}

static struct qent
pop(void)
{
	struct qent	 top = S.q[0], x;
	size_t		 i = 0, c, m, end;

	x = S.q[--S.nq];
	for (;;) {
		c = 4 * i + 1;
		if (c >= S.nq)
			break;
		m = c;
		end = c + 4 < S.nq ? c + 4 : S.nq;
		for (c = c + 1; c < end; c++)
			if (qless(&S.q[c], &S.q[m]))
				m = c;
		if (!qless(&S.q[m], &x))
			break;
		S.q[i] = S.q[m];
		i = m;
	}
	if (S.nq > 0)
		S.q[i] = x;
	return (top);
}

static void
ev_free(uint32_t idx)
{
	buf_put(S.ev[idx].buf);
	S.ev[idx].next = S.evfree;
	S.evfree = idx;
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

static uint32_t
amap_get(uint32_t ip, uint16_t port)
{
	uint64_t	k = akey_of(ip, port);
	size_t		i = aslot(k);

	while (S.akey[i] != 0) {
		if (S.akey[i] == k)
			return (S.amap[i]);
		i = (i + 1) & (S.acap - 1);
	}
	return (ADDR_NONE);
}

uint32_t
sim_addr_for(size_t i)
{
	/* 11.0.0.1, 11.0.1.1, ...: public unicast, one /24 each */
	return (0x0b000001u + (uint32_t)(i << 8));
}

static void
node_sin(const struct sim_node *n, struct sockaddr_in *sin)
{
	memset(sin, 0, sizeof(*sin));
	sin->sin_family = AF_INET;
	sin->sin_addr.s_addr = htonl(n->ip);
	sin->sin_port = htons(n->port);
}

/* ---- the stores ---- */

static int
kv_pos(const struct sim_kv *kv, const uint8_t key[KAD_ID_LEN], uint32_t *pos)
{
	uint32_t	lo = 0, hi = kv->n, mid;
	int		c;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		c = memcmp(kv->key[mid], key, KAD_ID_LEN);
		if (c == 0) {
			*pos = mid;
			return (1);
		}
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	*pos = lo;
	return (0);
}

static void
kv_put(int node, const uint8_t key[KAD_ID_LEN], size_t len)
{
	struct sim_kv	*kv = &S.nodes[node].kv;
	uint32_t	 pos;

	if (kv_pos(kv, key, &pos))
		return;
	if (kv->n == kv->cap) {
		kv->cap = kv->cap ? kv->cap * 2 : 8;
		kv->key = reallocarray(kv->key, kv->cap, KAD_ID_LEN);
		kv->len = reallocarray(kv->len, kv->cap, sizeof(*kv->len));
		if (kv->key == NULL || kv->len == NULL)
			abort();
	}
	memmove(kv->key[pos + 1], kv->key[pos],
	    (size_t)(kv->n - pos) * KAD_ID_LEN);
	memmove(&kv->len[pos + 1], &kv->len[pos],
	    (size_t)(kv->n - pos) * sizeof(*kv->len));
	memcpy(kv->key[pos], key, KAD_ID_LEN);
	kv->len[pos] = (uint16_t)len;
	kv->n++;
	holders_add(key, node);
}

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

static void
kv_drop(int node)
{
	struct sim_kv	*kv = &S.nodes[node].kv;
	uint32_t	 i;

	for (i = 0; i < kv->n; i++)
		holders_del(kv->key[i], node);
	free(kv->key);
	free(kv->len);
	memset(kv, 0, sizeof(*kv));
}

/* ---- the dht's I/O ---- */

static void	resched(int);

static int
node_index(const struct sim_node *n)
{
	return ((int)(n - S.nodes));
}

static size_t
closest_attackers(const uint8_t target[KAD_ID_LEN], int self,
    struct krpc_contact *out, size_t max)
{
	size_t		 i, j, cnt = 0;
	int		 a, idx[KRPC_MAX_CONTACTS];

	for (i = 0; i < S.nattackers; i++) {
		a = S.attackers[i];
		if (a == self || S.nodes[a].state != SIM_UP)
			continue;
		if (cnt == max && kad_id_cmpdist(S.nodes[a].id,
		    S.nodes[idx[max - 1]].id, target) >= 0)
			continue;
		j = cnt < max ? cnt++ : max - 1;
		while (j > 0 && kad_id_cmpdist(S.nodes[a].id,
		    S.nodes[idx[j - 1]].id, target) < 0) {
			idx[j] = idx[j - 1];
			j--;
		}
		idx[j] = a;
	}
	for (i = 0; i < cnt; i++) {
		memcpy(out[i].id, S.nodes[idx[i]].id, KAD_ID_LEN);
		memset(&out[i].addr, 0, sizeof(out[i].addr));
		out[i].addr.family = KRPC_AF_INET;
		out[i].addr.port = S.nodes[idx[i]].port;
		out[i].addr.ip[0] = S.nodes[idx[i]].ip >> 24;
		out[i].addr.ip[1] = (S.nodes[idx[i]].ip >> 16) & 0xff;
		out[i].addr.ip[2] = (S.nodes[idx[i]].ip >> 8) & 0xff;
		out[i].addr.ip[3] = S.nodes[idx[i]].ip & 0xff;
	}
	return (cnt);
}

/* An eclipsing attacker answers a lookup with the attackers nearest it. */
static size_t
eclipse_rewrite(struct sim_node *n, const uint8_t *buf, size_t len,
    uint8_t *out)
{
	static struct krpc_msg	 m;
	enum krpc_err		 why;
	unsigned		 i;
	ssize_t			 r;
	size_t			 max;

	if (krpc_decode(buf, len, &m, &why) == -1)
		return (0);
	for (i = 0; i < SIM_TXRING; i++)
		if (memcmp(n->ring[i].txid, m.txid, KRPC_TXID_LEN) == 0)
			break;
	if (i == SIM_TXRING)
		return (0);
	max = S.cf.k < KRPC_MAX_CONTACTS ? S.cf.k : KRPC_MAX_CONTACTS;
	m.ncontacts = (uint8_t)closest_attackers(n->ring[i].target,
	    node_index(n), m.contacts, max);
	if ((r = krpc_encode(&m, out, BUF_SZ)) <= 0)
		return (0);
	return ((size_t)r);
}

static void
io_send(void *arg, const void *buf, size_t len, const struct sockaddr *to,
    socklen_t tolen)
{
	struct sim_node		*n = arg;
	struct sockaddr_in	 sin;
	struct sev		*e;
	uint32_t		 dst, idx;
	uint64_t		 t, ser, start;
	uint8_t			*p;
	size_t			 l;

	if (tolen != sizeof(sin) || len > BUF_SZ || len < KRPC_HDR_LEN)
		return;
	memcpy(&sin, to, sizeof(sin));
	S.st.dgrams++;
	S.st.dgram_bytes += len;
	dst = amap_get(ntohl(sin.sin_addr.s_addr), ntohs(sin.sin_port));
	if (dst == ADDR_NONE) {
		S.st.unroutable++;
		return;
	}
	if (S.cf.loss > 0 && rng_unit(&S.rnet) < S.cf.loss) {
		S.st.lost++;
		return;
	}
	t = S.now;
	if (S.cf.up_bps > 0) {
		ser = (uint64_t)len * 1000000 / S.cf.up_bps;
		start = n->tx_free > S.now ? n->tx_free : S.now;
		if (start - S.now > (uint64_t)S.cf.up_queue_ms * 1000) {
			S.st.queue_drops++;
			return;
		}
		n->tx_free = start + ser;
		t = n->tx_free;
	}
	t += model_oneway_us(node_index(n), (int)dst);
	if (S.cf.jitter_ms > 0)
		t += (uint64_t)(rng_unit(&S.rnet) * S.cf.jitter_ms * 1000);
	/* an attacker that keeps nothing passes nothing on either */
	if ((n->behave == SIM_ECLIPSE || n->behave == SIM_DISCARD ||
	    n->behave == SIM_HAVELIAR) && (((const uint8_t *)buf)[3] ==
	    KRPC_HAVE || ((const uint8_t *)buf)[3] == KRPC_STORE)) {
		S.st.attacker_drops++;
		return;
	}
	e = ev_new(EV_DGRAM, dst, &idx);
	e->from = (uint32_t)node_index(n);
	e->buf = buf_get();
	p = buf_at(e->buf);
	l = 0;
	if (n->behave == SIM_ECLIPSE && ((const uint8_t *)buf)[3] == KRPC_NODES)
		l = eclipse_rewrite(n, buf, len, p);
	if (l == 0) {
		memcpy(p, buf, len);
		l = len;
		/* a lying holder's VALUE replies carry a damaged chunk */
		if (n->corrupt && p[3] == KRPC_VALUE)
			p[l - 1] ^= 0x55;
	}
	e->len = (uint16_t)l;
	push(t, idx);
}

static void
io_random(void *arg, void *buf, size_t len)
{
	uint8_t		*p = buf;
	uint64_t	 w;
	size_t		 n;

	(void)arg;
	while (len > 0) {
		w = rng_next(&S.rcore);
		n = len < 8 ? len : 8;
		memcpy(p, &w, n);
		p += n;
		len -= n;
	}
}

static void
io_store(void *arg, const struct dht_store_req *r)
{
	struct sim_node	*n = arg;
	struct sev	*e;
	uint32_t	 idx, pos, i, cnt;
	int		 honest = n->behave == SIM_HONEST ||
			    n->behave == SIM_DROP;
	uint8_t		*p;

	if (r->op == DHT_STORE_PUT) {
		if (honest && r->len > 0 && r->len <= KRPC_MAX_VALUE)
			kv_put(node_index(n), r->key, r->len);
		return;
	}
	e = ev_new(r->op == DHT_STORE_SCAN ? EV_SCAN : EV_STORE,
	    (uint32_t)node_index(n), &idx);
	e->gen = n->gen;
	e->x = r->cookie;
	e->status = DHT_STORE_NOTFOUND;
	switch (r->op) {
	case DHT_STORE_GET:
		if (honest && kv_pos(&n->kv, r->key, &pos)) {
			e->status = DHT_STORE_FOUND;
			e->buf = buf_get();
			e->len = n->kv.len[pos];
			sim_value(r->key, e->len, buf_at(e->buf));
		}
		break;
	case DHT_STORE_HAVE:
		if (n->behave == SIM_HAVELIAR ||
		    (honest && kv_pos(&n->kv, r->key, &pos)))
			e->status = DHT_STORE_FOUND;
		break;
	case DHT_STORE_SCAN:
		e->buf = buf_get();
		p = buf_at(e->buf);
		cnt = 0;
		if (honest) {
			i = kv_pos(&n->kv, r->key, &pos) ? pos + 1 : pos;
			for (; i < n->kv.n && cnt < r->max &&
			    (cnt + 1) * KAD_ID_LEN <= BUF_SZ; i++, cnt++)
				memcpy(p + (size_t)cnt * KAD_ID_LEN,
				    n->kv.key[i], KAD_ID_LEN);
		}
		e->len = (uint16_t)cnt;
		break;
	}
	push(S.now + S.cf.store_us, idx);
}

static void
io_event(void *arg, const struct dht_event *ev)
{
	struct sim_node	*n = arg;

	if (S.cf.on_event != NULL)
		S.cf.on_event(node_index(n), ev);
}

static int
io_value_ok(void *arg, const uint8_t key[KAD_ID_LEN], const uint8_t *v,
    size_t len)
{
	(void)arg;
	return (sim_value_ok(key, v, len));
}

/* ---- nodes ---- */

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
}

void
sim_init(const struct sim_config *cf, size_t maxnodes)
{
	memset(&S, 0, sizeof(S));
	S.cf = *cf;
	S.now = 1000000;	/* 1 s: no event at time zero */
	S.evfree = S.buffree = NIL;
	rng_seed(&S.rcore, cf->seed, 1);
	rng_seed(&S.rnet, cf->seed, 2);
	rng_seed(&S.rscn, cf->seed, 3);
	model_init(cf->seed, cf->rtt_median_ms, cf->rtt_p95_ms,
	    cf->rtt_fixed_ms);
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
}

void
sim_free(void)
{
	size_t	i;

	for (i = 0; i < S.nnodes; i++) {
		dht_free(S.nodes[i].d);
		free(S.nodes[i].kv.key);
		free(S.nodes[i].kv.len);
		free(S.nodes[i].blob);
		free(S.nodes[i].ring);
	}
	for (i = 0; i < S.nbufchunks; i++)
		free(S.bufs[i]);
	free(S.bufs);
	free(S.q);
	free(S.ev);
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
	    amap_get(ip, port) != ADDR_NONE)
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

static struct dht *
node_dht(struct sim_node *n)
{
	struct dht_config	cf;
	struct dht_io		io;
	struct sockaddr_in	sin;

	dht_config_defaults(&cf);
	memcpy(cf.id, n->id, KAD_ID_LEN);
	node_sin(n, &sin);
	memcpy(&cf.bind, &sin, sizeof(sin));
	cf.k = S.cf.k;
	cf.replicas = S.cf.replicas;
	cf.migrate_ms = S.cf.migrate_ms;
	if (S.cf.rl_slots != 0)
		cf.rl.slots = S.cf.rl_slots;
	memset(&io, 0, sizeof(io));
	io.arg = n;
	io.send = io_send;
	io.random = io_random;
	io.store = io_store;
	io.event = io_event;
	io.value_ok = io_value_ok;
	return (dht_new(&cf, &io, sim_now_ms()));
}

int
sim_node_start(int i, int boot)
{
	struct sim_node		*n = &S.nodes[i];
	struct sockaddr_in	 sin;

	if (n->state == SIM_UP)
		return (0);
	if ((n->d = node_dht(n)) == NULL)
		return (-1);
	n->state = SIM_UP;
	n->gen++;
	n->timer_at = 0;
	S.nup++;
	if (boot >= 0 && boot != i) {
		node_sin(&S.nodes[boot], &sin);
		(void)dht_ping(n->d, (struct sockaddr *)&sin, sizeof(sin),
		    sim_now_ms());
	}
	resched(i);
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
	n->blob = NULL;
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
	resched(i);
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

static void
resched(int i)
{
	struct sim_node	*n = &S.nodes[i];
	struct sev	*e;
	uint64_t	 t;
	uint32_t	 idx;

	if (n->state != SIM_UP)
		return;
	t = dht_next_timer(n->d);
	if (t == UINT64_MAX)
		return;
	t = t > UINT64_MAX / 1000 ? UINT64_MAX : t * 1000;
	if (t < S.now)
		t = S.now;
	/* an earlier wake-up is on its way: it will look again */
	if (n->timer_at != 0 && n->timer_at <= t)
		return;
	e = ev_new(EV_TIMER, (uint32_t)i, &idx);
	e->gen = n->gen;
	n->timer_at = t;
	push(t, idx);
}

static void
deliver(struct sev *e, uint64_t t)
{
	struct sim_node		*n = &S.nodes[e->node];
	struct sockaddr_in	 sin;
	const uint8_t		*p;
	unsigned		 r;

	S.st.events++;
	switch (e->kind) {
	case EV_CALL:
		e->fn(e->arg, e->x);
		return;
	case EV_DGRAM:
		if (n->state != SIM_UP) {
			S.st.to_down++;
			return;
		}
		p = buf_at(e->buf);
		if (n->behave == SIM_DROP && KRPC_IS_REQUEST(p[3]) &&
		    p[3] != KRPC_PING) {
			S.st.attacker_drops++;
			return;
		}
		if (n->behave == SIM_ECLIPSE && (p[3] == KRPC_FIND_NODE ||
		    p[3] == KRPC_FIND_VALUE) && e->len >= KRPC_HDR_LEN +
		    KAD_ID_LEN) {
			r = n->ringpos++ % SIM_TXRING;
			memcpy(n->ring[r].txid, p + 4, KRPC_TXID_LEN);
			memcpy(n->ring[r].target, p + KRPC_HDR_LEN,
			    KAD_ID_LEN);
		}
		node_sin(&S.nodes[e->from], &sin);
		(void)dht_input(n->d, p, e->len, (struct sockaddr *)&sin,
		    sizeof(sin), sim_now_ms());
		break;
	case EV_STORE:
		if (n->state != SIM_UP || n->gen != e->gen)
			return;
		(void)dht_store_reply(n->d, e->x, e->status,
		    e->buf != NIL ? buf_at(e->buf) : NULL, e->len,
		    sim_now_ms());
		break;
	case EV_SCAN:
		if (n->state != SIM_UP || n->gen != e->gen)
			return;
		(void)dht_store_scan_reply(n->d, e->x,
		    (const uint8_t (*)[KAD_ID_LEN])buf_at(e->buf), e->len,
		    sim_now_ms());
		break;
	case EV_TIMER:
		if (n->state != SIM_UP || n->gen != e->gen ||
		    n->timer_at != t)
			return;		/* superseded */
		n->timer_at = 0;
		(void)dht_timer(n->d, sim_now_ms());
		break;
	}
	resched((int)e->node);
}

void
sim_run_until(uint64_t t_us)
{
	struct qent	top;
	struct sev	e;

	while (S.nq > 0 && S.q[0].t <= t_us) {
		top = pop();
		S.now = top.t;
		/* a copy: what it sets off may grow (move) the event pool */
		e = S.ev[top.ev];
		deliver(&e, top.t);
		ev_free(top.ev);
	}
	if (t_us > S.now)
		S.now = t_us;
}

void
sim_run_for_ms(uint64_t ms)
{
	sim_run_until(S.now + ms * 1000);
}

void
sim_at(uint64_t t_us, void (*fn)(void *, uint64_t), void *arg, uint64_t x)
{
	struct sev	*e;
	uint32_t	 idx;

	e = ev_new(EV_CALL, 0, &idx);
	e->fn = fn;
	e->arg = arg;
	e->x = x;
	push(t_us < S.now ? S.now : t_us, idx);
}

/* ---- calls into a node from outside an event ---- */

int
sim_lookup(int i, const uint8_t target[KAD_ID_LEN], uint64_t cookie)
{
	int	r;

	if (S.nodes[i].state != SIM_UP)
		return (-1);
	r = dht_lookup(S.nodes[i].d, target, cookie, sim_now_ms());
	resched(i);
	return (r);
}

int
sim_get(int i, const uint8_t key[KAD_ID_LEN], uint64_t cookie)
{
	int	r;

	if (S.nodes[i].state != SIM_UP)
		return (-1);
	r = dht_get(S.nodes[i].d, key, cookie, sim_now_ms());
	resched(i);
	return (r);
}

int
sim_fetch(int i, const uint8_t key[KAD_ID_LEN], uint64_t cookie)
{
	int	r;

	if (S.nodes[i].state != SIM_UP)
		return (-1);
	r = dht_fetch(S.nodes[i].d, key, cookie, sim_now_ms());
	resched(i);
	return (r);
}

int
sim_put(int i, const uint8_t key[KAD_ID_LEN], size_t len, uint64_t cookie)
{
	uint8_t	v[KRPC_MAX_VALUE];
	int	r;

	if (S.nodes[i].state != SIM_UP || len == 0 || len > sizeof(v))
		return (-1);
	sim_value(key, len, v);
	r = dht_put(S.nodes[i].d, key, v, len, cookie, sim_now_ms());
	resched(i);
	return (r);
}
