/* SPDX-License-Identifier: ISC */
/*
 * dht_serve: what kadnet's protocol state machine does with a datagram
 * (dht_local.h): the input rules (addresses, decoding, ids, rate
 * limits; docs/PROTOCOL.md section 6), the answers to requests, and the
 * matching of answers to our own requests, whose purpose then takes
 * over.
 */
#include <sys/types.h>
#include <sys/socket.h>

#include <bsd/sys/tree.h>

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "krpc.h"
#include "ratelimit.h"
#include "routing.h"
#include "search.h"
#include "dht.h"
#include "dht_local.h"


static void
after_routing(struct dht *d, int r, const uint8_t id[KAD_ID_LEN],
    const struct krpc_addr *addr, struct rt_entry *pingme, int replied,
    uint64_t now)
{
	uint8_t			pid[KAD_ID_LEN];
	struct krpc_addr	paddr;

	if (pingme != NULL) {
		memcpy(pid, pingme->id, KAD_ID_LEN);
		paddr = pingme->addr;
		(void)dht_send_ping(d, pid, &paddr, P_PING_LIVE, now);
	}
	if (r != RT_ADDED)
		return;
	/* only replies prove a contact answers; check the others once */
	if (!replied)
		(void)dht_send_ping(d, id, addr, P_PING_CONFIRM, now);
	push_new_neighbour(d, id, now);
}

static void
reply_nodes(struct dht *d, const uint8_t txid[KRPC_TXID_LEN],
    const uint8_t target[KAD_ID_LEN], uint8_t want,
    const struct krpc_addr *to, uint64_t now)
{
	struct rt_entry	*out[DHT_MAX_K + DHT_MAX_K / 4];
	struct krpc_msg	 m;
	size_t		 n, i, bytes = 0, len;

	if (want == 0)
		want = dht_family_bit(to->family);
	krpc_init(&m, KRPC_NODES, txid, d->cf.id);
	if (dht_token_make(d, d->secret, to, m.token) == -1)
		return;
	/*
	 * A quarter more than k, as far as they fit: contacts that died
	 * since we last heard from them would otherwise push the k-th live
	 * node out of every answer near the target.
	 */
	n = routing_closest(d->rt, target, want, 1, now, out,
	    d->cf.k + d->cf.k / 4);
	for (i = 0; i < n && m.ncontacts < KRPC_MAX_CONTACTS; i++) {
		len = krpc_contact_len(out[i]->addr.family);
		if (bytes + len > KRPC_MAX_DGRAM - KRPC_NODES_FIXED)
			break;
		bytes += len;
		memcpy(m.contacts[m.ncontacts].id, out[i]->id, KAD_ID_LEN);
		m.contacts[m.ncontacts].addr = out[i]->addr;
		m.ncontacts++;
	}
	dht_send_msg(d, &m, to);
}

static void
serve_store(struct dht *d, const struct krpc_msg *m,
    const struct krpc_addr *from, uint64_t now)
{
	struct krpc_msg	 r;
	struct push	*x;

	krpc_init(&r, KRPC_STORE_RES, m->txid, d->cf.id);
	/*
	 * A bad token may come from anyone spoofing `from`: no strike.  A
	 * good one proves the sender gets our datagrams at that address, so
	 * a bad value behind it is held against the address.
	 */
	if (!dht_token_ok(d, m->token, from)) {
		d->st.drop[DHT_DROP_BADTOKEN]++;
		r.status = KRPC_ST_BADTOKEN;
	} else if (!dht_value_ok(d, m->target, m->value, m->vlen)) {
		d->st.drop[DHT_DROP_BADVALUE]++;
		ratelimit_strike(d->rl, from, now);
		r.status = KRPC_ST_BADVALUE;
	} else if (m->flags & KRPC_STORE_FORWARD) {
		/*
		 * Forwarding only ever moves toward the key.  A push of the
		 * key under way already takes it there (this may be our
		 * answer's datagram lost, and the STORE sent again).
		 */
		x = NULL;
		if (kad_id_cmpdist(d->cf.id, m->id, m->target) >= 0)
			r.status = KRPC_ST_BUSY;
		else if (push_active(d, m->target))
			r.status = KRPC_ST_OK;
		else {
			x = push_new(d, m->target, m->value, m->vlen,
			    PUSH_FORWARD, m->hops);
			r.status = x != NULL ? KRPC_ST_OK : KRPC_ST_BUSY;
		}
		dht_send_msg(d, &r, from);
		if (x != NULL)
			push_forward_next(d, x, now);
		return;
	} else if (push_closer_count(d, m->target, d->cf.replicas * 2, now) >=
	    d->cf.replicas * 2) {
		/* a replica for a key far from us: not ours to keep */
		r.status = KRPC_ST_BUSY;
	} else {
		dht_store_request(d, DHT_STORE_PUT, 0, m->target, m->value,
		    m->vlen, 0);
		d->st.stores_accepted++;
		r.status = KRPC_ST_OK;
	}
	dht_send_msg(d, &r, from);
}

static void
serve(struct dht *d, const struct krpc_msg *m, const struct krpc_addr *from,
    uint64_t now)
{
	struct krpc_msg	 r;
	struct storeop	*o;

	switch (m->type) {
	case KRPC_PING:
		krpc_init(&r, KRPC_PONG, m->txid, d->cf.id);
		dht_send_msg(d, &r, from);
		break;
	case KRPC_FIND_NODE:
		reply_nodes(d, m->txid, m->target, m->want, from, now);
		break;
	case KRPC_FIND_VALUE:
		o = dht_storeop_new(d, SO_SERVE_FV, m->target, now);
		if (o == NULL) {
			reply_nodes(d, m->txid, m->target, m->want, from, now);
			break;
		}
		memcpy(o->txid, m->txid, KRPC_TXID_LEN);
		o->from = *from;
		o->want = m->want;
		dht_store_request(d, DHT_STORE_GET, o->cookie, m->target,
		    NULL, 0, 0);
		break;
	case KRPC_HAVE:
		if ((o = dht_storeop_new(d, SO_SERVE_HAVE, m->target, now)) ==
		    NULL)
			break;	/* the asker times out and tries another */
		memcpy(o->txid, m->txid, KRPC_TXID_LEN);
		o->from = *from;
		dht_store_request(d, DHT_STORE_HAVE, o->cookie, m->target,
		    NULL, 0, 0);
		break;
	case KRPC_STORE:
		serve_store(d, m, from, now);
		break;
	}
}

static int
reply_matches(uint8_t req, uint8_t rep)
{
	if (req == KRPC_FIND_VALUE)
		return (rep == KRPC_VALUE || rep == KRPC_NODES);
	if (req == KRPC_FIND_NODE)
		return (rep == KRPC_NODES);
	return (rep == req + 1);
}

static void
handle_reply(struct dht *d, const struct krpc_msg *m,
    const struct krpc_addr *from, uint64_t now)
{
	const struct rpc_handler *h;
	struct pending	*p, pc;
	struct rt_entry	*pingme;
	uint64_t	 sent;
	uint32_t	 rtt;
	int		 r, same;

	if ((p = dht_rpc_find(d, m->txid)) == NULL) {
		d->st.drop[DHT_DROP_UNSOLICITED]++;
		return;
	}
	if (!dht_addr_eq(&p->to, from)) {
		d->st.drop[DHT_DROP_WRONGSRC]++;
		return;
	}
	if (!reply_matches(p->type, m->type)) {
		d->st.drop[DHT_DROP_WRONGTYPE]++;
		ratelimit_strike(d->rl, from, now);
		return;
	}
	pc = *p;
	pc.dgram = NULL;
	dht_rpc_free(d, p);
	d->last_reply = now;
	/* the try byte says which send this answers: no ambiguity (Karn) */
	sent = dht_rpc_sent_at(&pc, m->txid[DHT_TXID_TRY]);
	rtt = now - sent >= RT_RTT_NONE ? RT_RTT_NONE - 1 :
	    (uint32_t)(now - sent);
	routing_rtt_sample(&d->grtt, rtt);
	same = !pc.id_known || kad_id_eq(pc.id, m->id);
	if (!same)
		(void)routing_failed(d->rt, pc.id, now, 0);
	r = routing_replied(d->rt, m->id, from, now, rtt, &pingme);
	after_routing(d, r, m->id, from, pingme, 1, now);

	/* what the request was for takes it from here */
	h = d->rpc[pc.purpose];
	if (h->reply != NULL)
		h->reply(d, &pc, m, from, same, now);
}

int
dht_input(struct dht *d, const void *buf, size_t len,
    const struct sockaddr *from, socklen_t fromlen, uint64_t now)
{
	struct krpc_msg		 m;
	struct krpc_addr	 a;
	struct rt_entry		*pingme;
	enum krpc_err		 why;
	int			 r;

	ENTER(d);
	d->st.rx++;
	d->st.rx_bytes += len;
	if (dht_sa_to_addr(from, fromlen, &a) == -1) {
		d->st.drop[DHT_DROP_BADADDR]++;
		goto out;
	}
	if (dht_martian(d, &a)) {
		d->st.drop[DHT_DROP_MARTIAN]++;
		goto out;
	}
	/*
	 * Strikes (and so bans) only for what a verified source did: a
	 * reply to our own request, or a STORE with a good token.  Whatever
	 * arrives before that may carry a spoofed source address; it is
	 * dropped and counted, and the per-source rate bounds it.
	 */
	if (krpc_decode(buf, len, &m, &why) == -1) {
		d->st.drop[DHT_DROP_MALFORMED]++;
		d->st.malformed[why]++;
		goto out;
	}
	d->st.rx_type[m.type]++;
	if (kad_id_iszero(m.id)) {
		d->st.drop[DHT_DROP_ZEROID]++;
		goto out;
	}
	if (kad_id_eq(m.id, d->cf.id)) {
		d->st.drop[DHT_DROP_SELFID]++;
		goto out;
	}
	if (!KRPC_IS_REQUEST(m.type)) {
		/* (a request's ban is ratelimit_check's first answer) */
		if (ratelimit_banned(d->rl, &a, now))
			d->st.drop[DHT_DROP_BANNED]++;
		else
			handle_reply(d, &m, &a, now);
		goto out;
	}
	switch (ratelimit_check(d->rl, &a, now)) {
	case RL_OK:
		break;
	case RL_GLOBAL:
		d->st.drop[DHT_DROP_GLOBALLIMIT]++;
		goto out;
	case RL_BANNED:
		d->st.drop[DHT_DROP_BANNED]++;
		goto out;
	default:
		d->st.drop[DHT_DROP_RATELIMIT]++;
		goto out;
	}
	r = routing_heard(d->rt, m.id, &a, now, &pingme);
	after_routing(d, r, m.id, &a, pingme, 0, now);
	serve(d, &m, &a, now);
 out:
	LEAVE(d);
	return (0);
}

/* A FIND_VALUE's store answer: the value, or the closest nodes. */
void
serve_fv_done(struct dht *d, const struct storeop *o, int found,
    const uint8_t *data, size_t len, uint64_t now)
{
	struct krpc_msg	r;

	if (found && dht_value_ok(d, o->key, data, len)) {
		krpc_init(&r, KRPC_VALUE, o->txid, d->cf.id);
		if (dht_token_make(d, d->secret, &o->from, r.token) == -1)
			return;
		r.value = data;
		r.vlen = (uint16_t)len;
		dht_send_msg(d, &r, &o->from);
	} else
		reply_nodes(d, o->txid, o->key, o->want, &o->from, now);
}

/* A HAVE's store answer. */
void
serve_have_done(struct dht *d, const struct storeop *o, int found,
    const uint8_t *data, size_t len, uint64_t now)
{
	struct krpc_msg	r;

	(void)data;
	(void)len;
	(void)now;
	krpc_init(&r, KRPC_HAVE_RES, o->txid, d->cf.id);
	if (dht_token_make(d, d->secret, &o->from, r.token) == -1)
		return;
	r.have = found ? 1 : 0;
	dht_send_msg(d, &r, &o->from);
}
