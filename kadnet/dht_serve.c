/* SPDX-License-Identifier: ISC */
/*
 * dht_serve: what kadnet's protocol state machine does with a message
 * from a peer's session (dht_local.h): the input rules (addresses,
 * decoding, keys, rate limits; docs/PROTOCOL.md section 6), the answers
 * to requests, and the matching of answers to our own requests, whose
 * purpose then takes over.
 */
#include <sys/types.h>
#include <sys/socket.h>

#include <bsd/sys/tree.h>

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "krpc.h"
#include "netdiv.h"
#include "ratelimit.h"
#include "routing.h"
#include "search.h"
#include "dht.h"
#include "dht_local.h"

/*
 * The routing table changed for the peer with key pub and id: ping the
 * contact it wants checked, tell migration about a new neighbour.
 */
static void
after_routing(struct dht *d, int r, const uint8_t id[KAD_ID_LEN],
    struct rt_entry *pingme, uint64_t now)
{
	uint8_t			pid[KAD_ID_LEN], ppub[KRPC_KEY_LEN];
	struct krpc_addr	paddr;

	if (pingme != NULL) {
		memcpy(pid, pingme->id, KAD_ID_LEN);
		memcpy(ppub, pingme->pub, KRPC_KEY_LEN);
		paddr = pingme->addr;
		(void)dht_send_ping(d, pid, ppub, &paddr, P_PING_LIVE, now);
	}
	if (r == RT_ADDED)
		push_new_neighbour(d, id, now);
}

static void
reply_nodes(struct dht *d, const uint8_t txid[KRPC_TXID_LEN],
    const uint8_t target[KAD_ID_LEN], uint8_t want,
    const uint8_t pub[KRPC_KEY_LEN], const struct krpc_addr *to,
    uint64_t now)
{
	struct rt_entry	*out[DHT_MAX_K + DHT_MAX_K / 4];
	struct krpc_msg	 m;
	size_t		 n, i, bytes = 0, len;

	if (want == 0)
		want = dht_family_bit(to->family);
	krpc_init(&m, KRPC_NODES, txid);
	/*
	 * A quarter more than k, as far as they fit: contacts that died
	 * since we last heard from them would otherwise push the k-th live
	 * node out of every answer near the target.
	 */
	n = routing_closest(d->rt, target, want, 1, now, out,
	    d->cf.k + d->cf.k / 4);
	for (i = 0; i < n && m.ncontacts < KRPC_MAX_CONTACTS; i++) {
		len = krpc_contact_len(out[i]->addr.family);
		if (bytes + len > KRPC_MAX_MSG - KRPC_NODES_FIXED)
			break;
		bytes += len;
		memcpy(m.contacts[m.ncontacts].pub, out[i]->pub, KRPC_KEY_LEN);
		m.contacts[m.ncontacts].addr = out[i]->addr;
		m.ncontacts++;
	}
	dht_send_msg(d, &m, pub, to);
}

/*
 * A STORE needs an address that has proved itself (the session's keys
 * came from a completed handshake at it), so that a node that is
 * refused or struck is the one that sent it.
 */
static void
serve_store(struct dht *d, const struct krpc_msg *m, const uint8_t *pub,
    const struct krpc_addr *from, int validated, uint64_t now)
{
	struct krpc_msg	 r;
	struct push	*x;
	struct storeop	*o;
	uint8_t		 copies = dht_copies(d, m->copies);

	krpc_init(&r, KRPC_STORE_RES, m->txid);
	if (!validated) {
		d->st.drop[DHT_DROP_UNPROVED]++;
		r.status = KRPC_ST_UNPROVED;
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
		if (kad_id_cmpdist(d->id, m->id, m->target) >= 0)
			r.status = KRPC_ST_BUSY;
		else if (push_active(d, m->target))
			r.status = KRPC_ST_OK;
		else {
			x = push_new(d, m->target, m->value, m->vlen,
			    PUSH_FORWARD, copies);
			r.status = x != NULL ? KRPC_ST_OK : KRPC_ST_BUSY;
			/* kept here if we are the closest: the sender's */
			if (x != NULL)
				x->source = kad_netkey(from);
		}
		dht_send_msg(d, &r, pub, from);
		if (x != NULL)
			push_forward_next(d, x, now);
		return;
	} else if (push_closer_count(d, m->target, copies * 2u, now) >=
	    copies * 2u) {
		/* a replica for a key far from us: not ours to keep */
		r.status = KRPC_ST_BUSY;
	} else if ((o = dht_storeop_new(d, SO_SERVE_STORE, m->target,
	    now)) == NULL) {
		r.status = KRPC_ST_BUSY;
	} else {
		/*
		 * OK only once the store has committed it: the sender counts
		 * our answer as a copy, which a crash must not take back.
		 */
		memcpy(o->txid, m->txid, KRPC_TXID_LEN);
		memcpy(o->pub, pub, KRPC_KEY_LEN);
		o->from = *from;
		dht_store_put(d, o->cookie, m->target, m->value, m->vlen,
		    copies, kad_netkey(from));
		return;
	}
	dht_send_msg(d, &r, pub, from);
}

/* The store's word on a peer's STORE: committed (OK), or not (BUSY). */
void
serve_store_done(struct dht *d, const struct storeop *o, int stored,
    const uint8_t *data, size_t len, uint64_t now)
{
	struct krpc_msg	r;

	(void)data;
	(void)len;
	(void)now;
	krpc_init(&r, KRPC_STORE_RES, o->txid);
	if (stored) {
		d->st.stores_accepted++;
		r.status = KRPC_ST_OK;
	} else {
		d->st.stores_failed++;
		r.status = KRPC_ST_BUSY;
	}
	dht_send_msg(d, &r, o->pub, &o->from);
}

/*
 * BUSY: not now, ask again after retry ms (or someone else).  Only to
 * a proved address, and 13 bytes: within the reply room of every
 * request it may answer (not a PING's 12: a PING is never answered
 * BUSY).
 */
void
send_busy(struct dht *d, const uint8_t txid[KRPC_TXID_LEN],
    const uint8_t *pub, const struct krpc_addr *to, uint32_t retry)
{
	struct krpc_msg	 r;

	krpc_init(&r, KRPC_BUSY, txid);
	retry = (retry + KRPC_BUSY_UNIT_MS - 1) / KRPC_BUSY_UNIT_MS;
	r.retry = retry > UINT8_MAX ? UINT8_MAX : retry < 1 ? 1 :
	    (uint8_t)retry;
	d->st.busy_sent++;
	dht_send_msg(d, &r, pub, to);
}

static void
serve(struct dht *d, const struct krpc_msg *m, const uint8_t *pub,
    const struct krpc_addr *from, int validated, uint64_t now)
{
	struct krpc_msg	 r;
	struct storeop	*o;

	switch (m->type) {
	case KRPC_PING:
		krpc_init(&r, KRPC_PONG, m->txid);
		dht_send_msg(d, &r, pub, from);
		break;
	case KRPC_FIND_NODE:
		reply_nodes(d, m->txid, m->target, m->want, pub, from, now);
		break;
	case KRPC_FIND_VALUE:
		o = dht_storeop_new(d, SO_SERVE_FV, m->target, now);
		if (o == NULL) {
			reply_nodes(d, m->txid, m->target, m->want, pub, from,
			    now);
			break;
		}
		memcpy(o->txid, m->txid, KRPC_TXID_LEN);
		memcpy(o->pub, pub, KRPC_KEY_LEN);
		o->from = *from;
		o->want = m->want;
		dht_store_request(d, DHT_STORE_GET, o->cookie, m->target,
		    NULL, 0, 0);
		break;
	case KRPC_HAVE:
		if ((o = dht_storeop_new(d, SO_SERVE_HAVE, m->target, now)) ==
		    NULL) {
			/* too many asked already: the asker tries later */
			if (validated)
				send_busy(d, m->txid, pub, from, DHT_BUSY_MS);
			break;
		}
		memcpy(o->txid, m->txid, KRPC_TXID_LEN);
		memcpy(o->nonce, m->nonce, KRPC_NONCE_LEN);
		memcpy(o->pub, pub, KRPC_KEY_LEN);
		o->from = *from;
		/* the bytes, not only their presence: the answer proves it */
		dht_store_request(d, DHT_STORE_GET, o->cookie, m->target,
		    NULL, 0, 0);
		break;
	case KRPC_STORE:
		serve_store(d, m, pub, from, validated, now);
		break;
	}
}

static int
reply_matches(uint8_t req, uint8_t rep)
{
	if (rep == KRPC_BUSY)
		return (req != KRPC_PING);	/* never sent for a PING */
	if (req == KRPC_FIND_VALUE)
		return (rep == KRPC_VALUE || rep == KRPC_NODES);
	if (req == KRPC_FIND_NODE)
		return (rep == KRPC_NODES);
	return (rep == req + 1);
}

/*
 * An answer: to a request of ours (txid), from the peer we asked (its
 * key; a bootstrap address's, whatever key its handshake proved), over
 * keys whose address has proved itself (an answer inside an INIT is
 * anyone's to forge).
 */
static void
handle_reply(struct dht *d, const struct krpc_msg *m, const uint8_t *pub,
    const struct krpc_addr *from, int validated, uint64_t now)
{
	const struct rpc_handler *h;
	struct pending	*p, pc;
	struct rt_entry	*pingme;
	uint64_t	 sent;
	uint32_t	 rtt;
	int		 r;

	if ((p = dht_rpc_find(d, m->txid)) == NULL) {
		d->st.drop[DHT_DROP_UNSOLICITED]++;
		return;
	}
	if (!validated) {
		d->st.drop[DHT_DROP_UNPROVED]++;
		return;
	}
	if (p->id_known ? memcmp(p->pub, pub, KRPC_KEY_LEN) != 0 :
	    !krpc_addr_eq(&p->to, from)) {
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
	r = routing_replied(d->rt, m->id, pub, from, now, rtt, &pingme);
	after_routing(d, r, m->id, pingme, now);

	/* what the request was for takes it from here */
	h = d->rpc[pc.purpose];
	if (m->type == KRPC_BUSY) {
		/*
		 * Alive, answering, and not able to now: the request ends
		 * as a failure of the request, not of the peer (no strike,
		 * no fail count); lookups and pushes go to others, and
		 * kadstore and kadcrypt ask again later.
		 */
		d->st.busy_received++;
		if (h->failed != NULL)
			h->failed(d, &pc, now);
		return;
	}
	if (h->reply != NULL)
		h->reply(d, &pc, m, from, 1, now);
}

int
dht_input(struct dht *d, const uint8_t pub[KRPC_KEY_LEN], int validated,
    const void *buf, size_t len, const struct sockaddr *from,
    socklen_t fromlen, uint64_t now)
{
	struct krpc_msg		 m;
	struct krpc_addr	 a;
	struct rt_entry		*pingme;
	enum krpc_err		 why;
	uint32_t		 retry;
	int			 r, drop;

	ENTER(d);
	d->st.rx++;
	d->st.rx_bytes += len;
	if (krpc_addr_from_sa(from, fromlen, &a) == -1) {
		d->st.drop[DHT_DROP_BADADDR]++;
		goto out;
	}
	if ((drop = dht_addr_drop(d, &a)) != DHT_DROP_MAX) {
		d->st.drop[drop]++;
		goto out;
	}
	/*
	 * Strikes (and so bans) only for what a proved peer did: a reply
	 * to our own request, or a STORE over proved keys.  A request
	 * inside a handshake's first message may come from anywhere; it is
	 * dropped and counted, and the per-source rate bounds it.
	 */
	if (krpc_decode(buf, len, &m, &why) == -1) {
		d->st.drop[DHT_DROP_MALFORMED]++;
		d->st.malformed[why]++;
		goto out;
	}
	d->st.rx_type[m.type]++;
	if (memcmp(pub, d->cf.pub, KRPC_KEY_LEN) == 0) {
		d->st.drop[DHT_DROP_SELFID]++;
		goto out;
	}
	/* the sender's ID: of its key where we see it */
	if (dht_node_id(d, pub, &a, m.id) == -1) {
		d->st.drop[DHT_DROP_PUZZLE]++;
		goto out;
	}
	if (!KRPC_IS_REQUEST(m.type)) {
		/* (a request's ban is ratelimit_check's first answer) */
		if (ratelimit_banned(d->rl, &a, now))
			d->st.drop[DHT_DROP_BANNED]++;
		else
			handle_reply(d, &m, pub, &a, validated, now);
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
		/* a proved peer hears why, once a second: no amplifier */
		if (validated && m.type != KRPC_PING &&
		    ratelimit_busy(d->rl, &a, now, &retry))
			send_busy(d, m.txid, pub, &a, retry);
		goto out;
	}
	/*
	 * A request over proved keys is as good as an answer: it lives.
	 * One inside an INIT may come from a forged address, and the ID is
	 * bound to the address: it adds no contact (its handshake, once
	 * confirmed, will: dht_peer_up), and a known one is only heard.
	 */
	pingme = NULL;
	if (validated)
		r = routing_replied(d->rt, m.id, pub, &a, now, RT_RTT_NONE,
		    &pingme);
	else if (routing_find(d->rt, m.id) != NULL)
		r = routing_heard(d->rt, m.id, pub, &a, now, &pingme);
	else
		r = RT_IGNORED;
	after_routing(d, r, m.id, pingme, now);
	serve(d, &m, pub, &a, validated, now);
 out:
	LEAVE(d);
	return (0);
}

int
dht_peer_up(struct dht *d, const uint8_t pub[KRPC_KEY_LEN],
    const struct sockaddr *from, socklen_t fromlen, uint64_t now)
{
	struct krpc_addr	 a;
	struct rt_entry		*pingme;
	uint8_t			 id[KAD_ID_LEN];
	int			 r;

	ENTER(d);
	if (krpc_addr_from_sa(from, fromlen, &a) == -1 || dht_martian(d, &a) ||
	    memcmp(pub, d->cf.pub, KRPC_KEY_LEN) == 0 ||
	    dht_node_id(d, pub, &a, id) == -1) {
		LEAVE(d);
		errno = EINVAL;
		return (-1);
	}
	r = routing_replied(d->rt, id, pub, &a, now, RT_RTT_NONE, &pingme);
	after_routing(d, r, id, pingme, now);
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
		krpc_init(&r, KRPC_VALUE, o->txid);
		r.value = data;
		r.vlen = (uint16_t)len;
		dht_send_msg(d, &r, o->pub, &o->from);
	} else
		reply_nodes(d, o->txid, o->key, o->want, o->pub, &o->from,
		    now);
}

/*
 * A HAVE's store answer: "have" with the proof of the value's bytes
 * (dht_proof over the asker's nonce), or "have not", also for a copy
 * our store holds damaged.
 */
void
serve_have_done(struct dht *d, const struct storeop *o, int found,
    const uint8_t *data, size_t len, uint64_t now)
{
	struct krpc_msg	r;

	(void)now;
	krpc_init(&r, KRPC_HAVE_RES, o->txid);
	if (found && dht_value_ok(d, o->key, data, len) &&
	    dht_proof(d, o->nonce, data, len, r.proof) == 0)
		r.have = 1;
	dht_send_msg(d, &r, o->pub, &o->from);
}
