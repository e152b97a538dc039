/* SPDX-License-Identifier: ISC */
/*
 * sim_io: what the dhts' I/O callbacks do in the simulator.  A datagram
 * is dropped by the loss model or a full upload queue, or becomes an
 * event at its destination after the path's one-way delay (through the
 * outbox when the destination is in the other partition).  The stores
 * keep keys only; a value is made from its key when read.  Attackers
 * bend what their honest core does: they keep nothing, pass nothing on,
 * lie about what they have, and an eclipsing one rewrites its lookup
 * answers to name other attackers only.  Completion events are copied
 * aside and handed to the scenario, in a fixed order, when the window
 * ends.  Everything here runs in the thread of the node's partition and
 * touches only that partition.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "kadnet/dht.h"
#include "kadnet/krpc.h"
#include "kadnet/routing.h"
#include "kadnet/session.h"
#include "tests/sim/sim.h"
#include "tests/sim/sim_local.h"

/* ---- the stores ---- */

int
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

void
kv_put(int node, const uint8_t key[KAD_ID_LEN], size_t len, unsigned copies)
{
	struct sim_kv	*kv = &sim_node(node)->kv;
	uint32_t	 pos;

	if (copies > UINT8_MAX)
		copies = UINT8_MAX;
	if (kv_pos(kv, key, &pos)) {
		if (copies > kv->copies[pos])
			kv->copies[pos] = (uint8_t)copies;
		return;
	}
	if (kv->n == kv->cap) {
		kv->cap = kv->cap ? kv->cap * 2 : 8;
		kv->key = reallocarray(kv->key, kv->cap, KAD_ID_LEN);
		kv->len = reallocarray(kv->len, kv->cap, sizeof(*kv->len));
		kv->copies = reallocarray(kv->copies, kv->cap, 1);
		if (kv->key == NULL || kv->len == NULL || kv->copies == NULL)
			abort();
	}
	memmove(kv->key[pos + 1], kv->key[pos],
	    (size_t)(kv->n - pos) * KAD_ID_LEN);
	memmove(&kv->len[pos + 1], &kv->len[pos],
	    (size_t)(kv->n - pos) * sizeof(*kv->len));
	memmove(&kv->copies[pos + 1], &kv->copies[pos], kv->n - pos);
	memcpy(kv->key[pos], key, KAD_ID_LEN);
	kv->len[pos] = (uint16_t)len;
	kv->copies[pos] = (uint8_t)copies;
	kv->n++;
	holders_add(node % SIM_PARTS, key, node);
}

void
kv_drop(int node)
{
	struct sim_kv	*kv = &sim_node(node)->kv;
	uint32_t	 i;

	for (i = 0; i < kv->n; i++)
		holders_del(node % SIM_PARTS, kv->key[i], node);
	free(kv->key);
	free(kv->len);
	free(kv->copies);
	memset(kv, 0, sizeof(*kv));
}

/* ---- attackers ---- */

static size_t
closest_attackers(const uint8_t target[KAD_ID_LEN], int self,
    struct krpc_contact *out, size_t max)
{
	const int	*att;
	size_t		 i, j, cnt = 0, n;
	int		 a, idx[KRPC_MAX_CONTACTS];
	struct sim_node	*x;

	att = sim_attackers(&n);
	for (i = 0; i < n; i++) {
		a = att[i];
		if (a == self || sim_node(a)->state != SIM_UP)
			continue;
		if (cnt == max && kad_id_cmpdist(sim_node(a)->id,
		    sim_node(idx[max - 1])->id, target) >= 0)
			continue;
		j = cnt < max ? cnt++ : max - 1;
		while (j > 0 && kad_id_cmpdist(sim_node(a)->id,
		    sim_node(idx[j - 1])->id, target) < 0) {
			idx[j] = idx[j - 1];
			j--;
		}
		idx[j] = a;
	}
	for (i = 0; i < cnt; i++) {
		x = sim_node(idx[i]);
		memcpy(out[i].pub, x->pub, KRPC_KEY_LEN);
		memcpy(out[i].id, x->id, KAD_ID_LEN);
		memset(&out[i].addr, 0, sizeof(out[i].addr));
		out[i].addr.family = KRPC_AF_INET;
		out[i].addr.port = x->port;
		out[i].addr.ip[0] = x->ip >> 24;
		out[i].addr.ip[1] = (x->ip >> 16) & 0xff;
		out[i].addr.ip[2] = (x->ip >> 8) & 0xff;
		out[i].addr.ip[3] = x->ip & 0xff;
	}
	return (cnt);
}

/* An eclipsing attacker answers a lookup with the attackers nearest it. */
static size_t
eclipse_rewrite(struct sim_node *n, const uint8_t *buf, size_t len,
    uint8_t *out)
{
	struct krpc_msg	 m;
	enum krpc_err	 why;
	unsigned	 i;
	ssize_t		 r;
	size_t		 max;

	if (krpc_decode(buf, len, &m, &why) == -1)
		return (0);
	for (i = 0; i < SIM_TXRING; i++)
		if (memcmp(n->ring[i].txid, m.txid, KRPC_TXID_LEN) == 0)
			break;
	if (i == SIM_TXRING)
		return (0);
	max = sim_cfg()->k < KRPC_MAX_CONTACTS ? sim_cfg()->k :
	    KRPC_MAX_CONTACTS;
	m.ncontacts = (uint8_t)closest_attackers(n->ring[i].target,
	    sim_node_index(n), m.contacts, max);
	if ((r = krpc_encode(&m, out, KRPC_MAX_MSG)) <= 0)
		return (0);
	return ((size_t)r);
}

static int
keeps_nothing(const struct sim_node *n)
{
	return (n->behave == SIM_ECLIPSE || n->behave == SIM_DISCARD ||
	    n->behave == SIM_HAVELIAR);
}

/* ---- the network ---- */

static void
push_dgram(struct part *p, uint64_t t, uint32_t dst, uint32_t from,
    int kind, const uint8_t *buf, size_t len)
{
	struct sev	*e;
	uint32_t	 idx;

	e = sim_ev_new(p, EV_DGRAM, dst, &idx);
	e->from = from;
	e->status = (uint8_t)kind;
	e->buf = sim_buf_get(p);
	if (len > 0)
		memcpy(sim_buf(p, e->buf), buf, len);
	e->len = (uint16_t)len;
	simq_push(&p->q, t, idx);
}

static void
outbox_add(struct part *p, uint64_t t, uint32_t dst, uint32_t from,
    int kind, const uint8_t *buf, size_t len)
{
	struct xmsg	*x;

	if (p->nout == p->capout) {
		p->capout = p->capout ? p->capout * 2 : 4096;
		if ((p->out = reallocarray(p->out, p->capout,
		    sizeof(*p->out))) == NULL)
			abort();
	}
	if (p->noutb + len > p->capoutb) {
		while (p->noutb + len > p->capoutb)
			p->capoutb = p->capoutb ? p->capoutb * 2 : 1 << 20;
		if ((p->outb = realloc(p->outb, p->capoutb)) == NULL)
			abort();
	}
	x = &p->out[p->nout++];
	x->t = t;
	x->dst = dst;
	x->from = from;
	x->off = (uint32_t)p->noutb;
	x->len = (uint16_t)len;
	x->kind = (uint8_t)kind;
	if (len > 0)
		memcpy(p->outb + p->noutb, buf, len);
	p->noutb += len;
}

/* At the end of a window: a datagram from the other partition arrives. */
void
sim_send_cross(struct part *p, const struct xmsg *x, const uint8_t *bytes)
{
	push_dgram(p, x->t, x->dst, x->from, x->kind, bytes, x->len);
}

static void
io_send(void *arg, const uint8_t *pub, const void *buf, size_t len,
    const struct sockaddr *to, socklen_t tolen, size_t reply_room)
{
	struct sim_node		*n = arg;
	const struct sim_config	*cf = sim_cfg();
	struct part		*p = sim_part_of(sim_node_index(n));
	struct sockaddr_in	 sin;
	uint32_t		 dst, from = (uint32_t)sim_node_index(n);
	uint64_t		 t, ser, start, oneway, extra;
	uint8_t			 b[KRPC_MAX_MSG];
	const uint8_t		*d = buf;
	size_t			 l, wire;
	int			 kind;

	if (tolen != sizeof(sin) || len > KRPC_MAX_MSG ||
	    len < KRPC_HDR_LEN)
		return;
	memcpy(&sin, to, sizeof(sin));
	p->st.dgrams++;
	p->st.dgram_bytes += len;
	dst = sim_addr_lookup(ntohl(sin.sin_addr.s_addr), ntohs(sin.sin_port));
	if (dst == NIL) {
		p->st.unroutable++;
		return;
	}
	/* an INIT sealed to another key: the node there cannot open it */
	if (pub != NULL && memcmp(pub, sim_node(dst)->pub, KRPC_KEY_LEN)) {
		p->st.wrong_key++;
		return;
	}
	/* an attacker that keeps nothing passes nothing on either */
	if (keeps_nothing(n) && (d[3] == KRPC_HAVE || d[3] == KRPC_STORE)) {
		p->st.attacker_drops++;
		return;
	}
	oneway = model_oneway_us((int)from, (int)dst);
	kind = sim_sess_send(p, n, dst, pub != NULL, len, reply_room,
	    KRPC_IS_REQUEST(d[3]) && reply_room == 0, &wire, &extra, oneway);
	p->st.wire_bytes += wire;
	if (cf->loss > 0 && rng_unit(&p->rnet) < cf->loss) {
		p->st.lost++;
		return;
	}
	t = p->now;
	if (cf->up_bps > 0) {
		ser = (uint64_t)wire * 1000000 / cf->up_bps;
		start = n->tx_free > p->now ? n->tx_free : p->now;
		if (start - p->now > (uint64_t)cf->up_queue_ms * 1000) {
			p->st.queue_drops++;
			return;
		}
		n->tx_free = start + ser;
		t = n->tx_free;
	}
	t += oneway + extra;
	if (cf->jitter_ms > 0)
		t += (uint64_t)(rng_unit(&p->rnet) * cf->jitter_ms * 1000);
	l = 0;
	if (n->behave == SIM_ECLIPSE && d[3] == KRPC_NODES)
		l = eclipse_rewrite(n, d, len, b);
	if (l == 0) {
		memcpy(b, d, len);
		l = len;
		/* a lying holder's VALUE replies carry a damaged chunk */
		if (n->corrupt && b[3] == KRPC_VALUE)
			b[l - 1] ^= 0x55;
	}
	if (dst % SIM_PARTS == from % SIM_PARTS)
		push_dgram(p, t, dst, from, kind, b, l);
	else
		outbox_add(p, t, dst, from, kind, b, l);
}

/*
 * The initiator's keys are up: with nothing queued for the peer, it
 * sends an empty DATA so that the peer knows it has them (sess_hs.c).
 */
void
sim_keepalive(struct part *p, struct sim_node *n, uint32_t dst)
{
	const struct sim_config	*cf = sim_cfg();
	uint32_t		 from = (uint32_t)sim_node_index(n);
	uint64_t		 t;

	p->st.wire_bytes += SESS_DATA_OVERHEAD;
	if (cf->loss > 0 && rng_unit(&p->rnet) < cf->loss) {
		p->st.lost++;
		return;
	}
	t = p->now + model_oneway_us((int)from, (int)dst);
	if (dst % SIM_PARTS == from % SIM_PARTS)
		push_dgram(p, t, dst, from, SIM_KIND_DATA, NULL, 0);
	else
		outbox_add(p, t, dst, from, SIM_KIND_DATA, NULL, 0);
}

static void
io_random(void *arg, void *buf, size_t len)
{
	struct part	*p = sim_part_of(sim_node_index(arg));
	uint8_t		*o = buf;
	uint64_t	 w;
	size_t		 n;

	while (len > 0) {
		w = rng_next(&p->rcore);
		n = len < 8 ? len : 8;
		memcpy(o, &w, n);
		o += n;
		len -= n;
	}
}

static void
io_store(void *arg, const struct dht_store_req *r)
{
	struct sim_node	*n = arg;
	struct part	*p = sim_part_of(sim_node_index(n));
	struct sev	*e;
	uint32_t	 idx, pos, i, cnt;
	int		 honest = n->behave == SIM_HONEST ||
			    n->behave == SIM_DROP;
	uint8_t		*b;

	if (r->op == DHT_STORE_PUT) {
		if (honest && r->len > 0 && r->len <= KRPC_MAX_VALUE)
			kv_put(sim_node_index(n), r->key, r->len, r->copies);
		if (r->cookie == 0)
			return;
	}
	e = sim_ev_new(p, r->op == DHT_STORE_SCAN ? EV_SCAN : EV_STORE,
	    (uint32_t)sim_node_index(n), &idx);
	e->gen = n->gen;
	e->x = r->cookie;
	e->status = DHT_STORE_NOTFOUND;
	switch (r->op) {
	case DHT_STORE_PUT:
		/* committed, says every node: a liar's OK is part of its lie */
		e->status = DHT_STORE_FOUND;
		break;
	case DHT_STORE_GET:
		if (honest && kv_pos(&n->kv, r->key, &pos)) {
			e->status = DHT_STORE_FOUND;
			e->buf = sim_buf_get(p);
			e->len = n->kv.len[pos];
			sim_value(r->key, e->len, sim_buf(p, e->buf));
		}
		break;
	case DHT_STORE_HAVE:
		if (n->behave == SIM_HAVELIAR ||
		    (honest && kv_pos(&n->kv, r->key, &pos)))
			e->status = DHT_STORE_FOUND;
		break;
	case DHT_STORE_SCAN:
		e->buf = sim_buf_get(p);
		b = sim_buf(p, e->buf);
		cnt = 0;
		if (honest) {
			i = kv_pos(&n->kv, r->key, &pos) ? pos + 1 : pos;
			for (; i < n->kv.n && cnt < r->max &&
			    (cnt + 1) * (KAD_ID_LEN + 1) <= KRPC_MAX_MSG;
			    i++, cnt++)
				memcpy(b + (size_t)cnt * KAD_ID_LEN,
				    n->kv.key[i], KAD_ID_LEN);
			/* the keys' copies after the keys (sim_run.c) */
			for (i -= cnt, pos = 0; pos < cnt; pos++)
				b[(size_t)cnt * KAD_ID_LEN + pos] =
				    n->kv.copies[i + pos];
		}
		e->len = (uint16_t)cnt;
		break;
	}
	simq_push(&p->q, p->now + sim_cfg()->store_us, idx);
}

/*
 * A completion event, copied aside with what its pointers point at: the
 * scenario sees it when the window ends, not from inside the dht.
 */
struct done_hdr {
	int			 node;
	struct dht_event	 ev;
};

static void
io_event(void *arg, const struct dht_event *ev)
{
	struct part	*p = sim_part_of(sim_node_index(arg));
	struct done_hdr	 h;
	size_t		 need, nb, vb;

	/* the scenarios follow their own requests: a bootstrap answer is
	 * kadnet's business, and leaves the runs as they were */
	if (sim_cfg()->on_event == NULL || ev->type == DHT_EV_PING)
		return;
	nb = ev->nodes != NULL ? ev->nnodes * sizeof(*ev->nodes) : 0;
	vb = ev->value != NULL ? ev->vlen : 0;
	need = (sizeof(h) + nb + vb + 7) & ~(size_t)7;	/* aligned */
	if (p->ndone + need > p->capdone) {
		while (p->ndone + need > p->capdone)
			p->capdone = p->capdone ? p->capdone * 2 : 1 << 16;
		if ((p->done = realloc(p->done, p->capdone)) == NULL)
			abort();
	}
	h.node = sim_node_index(arg);
	h.ev = *ev;
	memcpy(p->done + p->ndone, &h, sizeof(h));
	if (nb > 0)
		memcpy(p->done + p->ndone + sizeof(h), ev->nodes, nb);
	if (vb > 0)
		memcpy(p->done + p->ndone + sizeof(h) + nb, ev->value, vb);
	p->ndone += need;
}

/* Hand a partition's completion events to the scenario, in order. */
void
sim_done_replay(struct part *p)
{
	struct done_hdr	 h;
	size_t		 off = 0, nb, vb;
	uint8_t		*base;

	while (off < p->ndone) {
		memcpy(&h, p->done + off, sizeof(h));
		base = p->done + off + sizeof(h);
		nb = h.ev.nodes != NULL ? h.ev.nnodes * sizeof(*h.ev.nodes) : 0;
		vb = h.ev.value != NULL ? h.ev.vlen : 0;
		h.ev.nodes = nb > 0 ?
		    (const struct krpc_contact *)(void *)base : NULL;
		h.ev.value = vb > 0 ? base + nb : NULL;
		off += (sizeof(h) + nb + vb + 7) & ~(size_t)7;
		sim_cfg()->on_event(h.node, &h.ev);
	}
	p->ndone = 0;
}

static int
io_value_ok(void *arg, const uint8_t key[KAD_ID_LEN], const uint8_t *v,
    size_t len)
{
	(void)arg;
	return (sim_value_ok(key, v, len));
}

void
sim_io_init(struct dht_io *io, struct sim_node *n)
{
	memset(io, 0, sizeof(*io));
	io->arg = n;
	io->send = io_send;
	io->random = io_random;
	io->store = io_store;
	io->event = io_event;
	io->value_ok = io_value_ok;
}
