/* SPDX-License-Identifier: ISC */
/*
 * libFuzzer harness for kadnet's protocol state machine (dht*.c) as the
 * session layer drives it in protocol version 2.  Each input makes a
 * fresh node (small caps, so that they are reached) and is a series of
 * records: an inner message from a peer's key (a few fixed ones, our
 * own, or any 32 bytes) at an address (fixed, arbitrary, martian or
 * malformed), over validated keys or inside an INIT; an answer to a
 * request the node sent, with its txid; a completed handshake
 * (dht_peer_up); time passing; a lookup, get, put or bootstrap ping of
 * our own; and how the store answers.  Whatever the bytes, the node
 * never crashes or leaks and keeps the promises of dht.h and
 * docs/PROTOCOL.md that do not depend on the peers being honest:
 *
 *	- what it sends is one well-formed inner message, to a valid
 *	  address, never to our own key, to a key it was told (or, for a
 *	  bootstrap ping, to no key), with reply_room set as dht.h says;
 *	- an answer goes only to a request it received, to that key and
 *	  address, once, and is no longer than krpc_reply_max of it;
 *	- a STORE that did not come over validated keys is refused
 *	  (UNPROVED) and never reaches the store;
 *	- a lookup's nodes are at most k, nearest first, with the IDs of
 *	  their keys; a value it hands over passes value_ok.
 *
 * Amplification toward unproved addresses is the session layer's to
 * bound (PROTOCOL.md 2.4; fuzz_session checks it), not the DHT's.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <bsd/sys/endian.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "kadnet/dht.h"
#include "kadnet/node_id.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

#define NPEERS		6	/* fixed keys; keysel 6 is ours, 7 any */
#define NSENT		32	/* requests the node sent, newest kept */
#define NRECV		2048	/* requests it received */
#define NKNOWN		512	/* keys it was told */
#define NSTOREQ		128	/* store requests waiting for an answer */
#define NCHUNKS		16

struct sent {
	int			 haspub;
	uint8_t			 pub[KRPC_KEY_LEN];
	struct sockaddr_storage	 to;
	socklen_t		 tolen;
	uint8_t			 txid[KRPC_TXID_LEN];
	uint8_t			 type;
};

struct recv {
	uint8_t			 pub[KRPC_KEY_LEN];
	struct sockaddr_storage	 from;
	uint8_t			 txid[KRPC_TXID_LEN];
	uint8_t			 type;
	int			 validated;
	int			 answered;
};

struct storeq {
	int		 op;
	uint64_t	 cookie;
	uint8_t		 key[KAD_ID_LEN];
	unsigned	 max;
};

struct chunk {
	uint8_t		 key[KAD_ID_LEN];
	uint8_t		 data[KRPC_MAX_VALUE];
	size_t		 len;
	uint8_t		 copies;
};

struct cursor {
	const uint8_t	*p;
	size_t		 left;
};

static struct dht	*d;
static struct dht_config cf;
static uint64_t		 now;
static uint64_t		 rnd;
static uint8_t		 peers[NPEERS][KRPC_KEY_LEN];
static struct sent	 sent[NSENT];
static size_t		 nsent;
static struct recv	 recvd[NRECV];
static size_t		 nrecv;
static int		 recv_lost;
static uint8_t		 known[NKNOWN][KRPC_KEY_LEN];
static size_t		 nknown;
static int		 known_lost;
static struct storeq	 storeq[NSTOREQ];
static size_t		 nstoreq;
/* the store: 0 answers, 1 finds nothing, 2 fails, 3 holds its answers */
static int		 policy;
static struct chunk	 chunks[NCHUNKS];
static size_t		 nchunks, chunk_next;
static int		 unproved_input;	/* in dht_input(validated 0) */

static const uint8_t *
take(struct cursor *c, size_t n)
{
	const uint8_t	*p = c->p;

	if (c->left < n)
		return (NULL);
	c->p += n;
	c->left -= n;
	return (p);
}

/* The value check the node is given: a cheap stand-in for SHA-256. */
static int
value_rule(const uint8_t key[KAD_ID_LEN], const uint8_t *v, size_t len)
{
	return (v != NULL && len >= 8 && len <= KRPC_MAX_VALUE &&
	    memcmp(key, v, 8) == 0);
}

static int
io_value_ok(void *arg, const uint8_t key[KAD_ID_LEN], const uint8_t *v,
    size_t len)
{
	(void)arg;
	return (value_rule(key, v, len));
}

static void
io_random(void *arg, void *buf, size_t len)
{
	uint8_t	*p = buf;
	size_t	 i;

	(void)arg;
	for (i = 0; i < len; i++) {
		rnd = rnd * 6364136223846793005ULL + 1442695040888963407ULL;
		p[i] = (uint8_t)(rnd >> 56);
	}
}

static void
know(const uint8_t pub[KRPC_KEY_LEN])
{
	size_t	i;

	for (i = 0; i < nknown; i++)
		if (memcmp(known[i], pub, KRPC_KEY_LEN) == 0)
			return;
	if (nknown == NKNOWN) {
		known_lost = 1;
		return;
	}
	memcpy(known[nknown++], pub, KRPC_KEY_LEN);
}

static int
is_known(const uint8_t pub[KRPC_KEY_LEN])
{
	size_t	i;

	for (i = 0; i < nknown; i++)
		if (memcmp(known[i], pub, KRPC_KEY_LEN) == 0)
			return (1);
	return (known_lost);
}

/* Same family, address and port (what the node keeps of an address). */
static int
sa_eq(const struct sockaddr *a, const struct sockaddr *b)
{
	const struct sockaddr_in	*a4, *b4;
	const struct sockaddr_in6	*a6, *b6;

	if (a->sa_family != b->sa_family)
		return (0);
	if (a->sa_family == AF_INET) {
		a4 = (const struct sockaddr_in *)a;
		b4 = (const struct sockaddr_in *)b;
		return (a4->sin_port == b4->sin_port &&
		    a4->sin_addr.s_addr == b4->sin_addr.s_addr);
	}
	a6 = (const struct sockaddr_in6 *)a;
	b6 = (const struct sockaddr_in6 *)b;
	return (a6->sin6_port == b6->sin6_port &&
	    memcmp(&a6->sin6_addr, &b6->sin6_addr, 16) == 0);
}

static int
answers(uint8_t req, uint8_t rep)
{
	if (req == KRPC_FIND_VALUE)
		return (rep == KRPC_VALUE || rep == KRPC_NODES);
	if (req == KRPC_FIND_NODE)
		return (rep == KRPC_NODES);
	return (KRPC_IS_REQUEST(req) && rep == req + 1);
}

/* An answer: to one request received from pub at to, not yet answered. */
static void
check_answer(const uint8_t *pub, const struct sockaddr *to,
    const struct krpc_msg *m, size_t len)
{
	struct recv	*r;
	size_t		 i;

	if (pub == NULL)
		abort();
	for (i = 0; i < nrecv; i++) {
		r = &recvd[i];
		if (r->answered || !answers(r->type, m->type) ||
		    memcmp(r->txid, m->txid, KRPC_TXID_LEN) != 0 ||
		    memcmp(r->pub, pub, KRPC_KEY_LEN) != 0 ||
		    !sa_eq((struct sockaddr *)&r->from, to))
			continue;
		if (len > krpc_reply_max(r->type))
			abort();
		if (!r->validated && m->type == KRPC_STORE_RES &&
		    m->status != KRPC_ST_UNPROVED)
			abort();
		r->answered = 1;
		return;
	}
	if (!recv_lost)
		abort();
}

static void
io_send(void *arg, const uint8_t *pub, const void *buf, size_t len,
    const struct sockaddr *to, socklen_t tolen, size_t reply_room)
{
	const struct sockaddr_in	*sin;
	const struct sockaddr_in6	*sin6;
	struct krpc_msg			 m;
	enum krpc_err			 why;
	struct sent			*s;

	(void)arg;
	if (len > KRPC_MAX_MSG || krpc_decode(buf, len, &m, &why) == -1)
		abort();
	if (to->sa_family == AF_INET) {
		sin = (const struct sockaddr_in *)to;
		if (tolen != sizeof(*sin) || sin->sin_port == 0)
			abort();
	} else if (to->sa_family == AF_INET6) {
		sin6 = (const struct sockaddr_in6 *)to;
		if (tolen != sizeof(*sin6) || sin6->sin6_port == 0)
			abort();
	} else
		abort();
	if (pub != NULL && memcmp(pub, cf.pub, KRPC_KEY_LEN) == 0)
		abort();
	if (!KRPC_IS_REQUEST(m.type)) {
		if (reply_room != 0)
			abort();
		check_answer(pub, to, &m, len);
		return;
	}
	if (reply_room != (m.type == KRPC_STORE ? 0 :
	    krpc_reply_max(m.type)))
		abort();
	/* no key: only a bootstrap ping, to an address */
	if (pub == NULL ? m.type != KRPC_PING : !is_known(pub))
		abort();
	s = &sent[nsent++ % NSENT];
	s->haspub = pub != NULL;
	if (pub != NULL)
		memcpy(s->pub, pub, KRPC_KEY_LEN);
	memcpy(&s->to, to, tolen);
	s->tolen = tolen;
	memcpy(s->txid, m.txid, KRPC_TXID_LEN);
	s->type = m.type;
}

static void
io_store(void *arg, const struct dht_store_req *r)
{
	struct chunk	*c;

	(void)arg;
	if (r->op == DHT_STORE_PUT) {
		/* only a proved STORE (or our own work) may reach the store */
		if (unproved_input || !value_rule(r->key, r->data, r->len) ||
		    r->copies == 0 || r->copies > DHT_MAX_REPLICAS)
			abort();
		c = &chunks[chunk_next++ % NCHUNKS];
		memcpy(c->key, r->key, KAD_ID_LEN);
		memcpy(c->data, r->data, r->len);
		c->len = r->len;
		c->copies = (uint8_t)r->copies;
		if (nchunks < NCHUNKS)
			nchunks++;
		if (r->cookie == 0)
			return;
		/* a peer's STORE: its answer waits for ours (answer_store) */
	}
	if (nstoreq == NSTOREQ)
		return;		/* never answered: it expires */
	storeq[nstoreq].op = r->op;
	storeq[nstoreq].cookie = r->cookie;
	storeq[nstoreq].max = r->max;
	memcpy(storeq[nstoreq].key, r->key, KAD_ID_LEN);
	nstoreq++;
}

static int
id_cmp(const uint8_t *a, const uint8_t *b, const uint8_t *t)
{
	size_t	i;

	for (i = 0; i < KAD_ID_LEN; i++)
		if ((a[i] ^ t[i]) != (b[i] ^ t[i]))
			return ((a[i] ^ t[i]) < (b[i] ^ t[i]) ? -1 : 1);
	return (0);
}

static void
io_event(void *arg, const struct dht_event *e)
{
	static const uint8_t zero[KAD_ID_LEN];
	uint8_t	id[KAD_ID_LEN];
	size_t	i;

	(void)arg;
	switch (e->type) {
	case DHT_EV_LOOKUP:
		if (e->nnodes > cf.k || (e->nnodes > 0 && e->nodes == NULL))
			abort();
		for (i = 0; i < e->nnodes; i++) {
			if (kad_node_id(e->nodes[i].pub, &e->nodes[i].addr,
			    id) == -1 ||
			    memcmp(id, e->nodes[i].id, KAD_ID_LEN) != 0)
				abort();
			if (i > 0 && id_cmp(e->nodes[i - 1].id,
			    e->nodes[i].id, e->key) > 0)
				abort();
		}
		break;
	case DHT_EV_GET:
		if (e->status == 0 && !value_rule(e->key, e->value, e->vlen))
			abort();
		break;
	case DHT_EV_PUT:
		break;
	case DHT_EV_PING:
		/* only an answer from the address pinged, over proved keys */
		if (e->cookie != 0 || memcmp(e->key, zero, KAD_ID_LEN) == 0 ||
		    (e->addr.family != KRPC_AF_INET &&
		    e->addr.family != KRPC_AF_INET6))
			abort();
		break;
	default:
		abort();
	}
}

static const struct chunk *
chunk_find(const uint8_t key[KAD_ID_LEN])
{
	size_t	i;

	for (i = 0; i < nchunks; i++)
		if (memcmp(chunks[i].key, key, KAD_ID_LEN) == 0)
			return (&chunks[i]);
	return (NULL);
}

/* A SCAN: the stored keys after q->key, in order, at most q->max. */
static void
answer_scan(const struct storeq *q)
{
	uint8_t		 keys[NCHUNKS][KAD_ID_LEN], copies[NCHUNKS];
	const uint8_t	*after = q->key, *best;
	size_t		 n = 0, i, bi = 0;

	while (n < q->max && n < NCHUNKS) {
		best = NULL;
		for (i = 0; i < nchunks; i++)
			if (memcmp(chunks[i].key, after, KAD_ID_LEN) > 0 &&
			    (best == NULL ||
			    memcmp(chunks[i].key, best, KAD_ID_LEN) < 0)) {
				best = chunks[i].key;
				bi = i;
			}
		if (best == NULL)
			break;
		memcpy(keys[n], best, KAD_ID_LEN);
		/* any count, as a store could answer: the dht clamps it */
		copies[n] = (uint8_t)(chunks[bi].copies + bi * 7);
		after = keys[n++];
	}
	(void)dht_store_scan_reply(d, q->cookie, keys, copies, n, now);
}

/* The store answers what it was asked, as the policy says. */
static void
answer_store(void)
{
	struct storeq		 q[NSTOREQ];
	const struct chunk	*c;
	size_t			 i, n;

	if (policy == 3)
		return;
	/* answers may ask for more: take the list first */
	n = nstoreq;
	memcpy(q, storeq, n * sizeof(q[0]));
	nstoreq = 0;
	for (i = 0; i < n; i++) {
		if (q[i].op == DHT_STORE_SCAN) {
			answer_scan(&q[i]);
			continue;
		}
		c = chunk_find(q[i].key);
		if (policy == 2)
			(void)dht_store_reply(d, q[i].cookie, DHT_STORE_ERROR,
			    NULL, 0, now);
		else if (policy == 1 || c == NULL)
			(void)dht_store_reply(d, q[i].cookie,
			    DHT_STORE_NOTFOUND, NULL, 0, now);
		else
			(void)dht_store_reply(d, q[i].cookie, DHT_STORE_FOUND,
			    q[i].op == DHT_STORE_GET ? c->data : NULL,
			    q[i].op == DHT_STORE_GET ? c->len : 0, now);
	}
}

static void
sa4(struct sockaddr_storage *ss, socklen_t *sl, uint32_t ip, uint16_t port)
{
	struct sockaddr_in	*sin = (struct sockaddr_in *)ss;

	memset(ss, 0, sizeof(*ss));
	sin->sin_family = AF_INET;
	sin->sin_addr.s_addr = htonl(ip);
	sin->sin_port = htons(port);
	*sl = sizeof(*sin);
}

static void
sa6(struct sockaddr_storage *ss, socklen_t *sl, const uint8_t ip[16],
    uint16_t port)
{
	struct sockaddr_in6	*sin6 = (struct sockaddr_in6 *)ss;

	memset(ss, 0, sizeof(*ss));
	sin6->sin6_family = AF_INET6;
	memcpy(&sin6->sin6_addr, ip, 16);
	sin6->sin6_port = htons(port);
	*sl = sizeof(*sin6);
}

/* A source address: fixed ones, arbitrary ones, martians, malformed. */
static int
pick_addr(struct cursor *c, uint8_t sel, uint8_t keysel,
    struct sockaddr_storage *ss, socklen_t *sl)
{
	static const uint8_t	 lo6[16] = { [15] = 1 };
	static const uint8_t	 doc6[16] = { 0x20, 0x01, 0x0d, 0xb8,
				    [15] = 7 };
	const uint8_t		*p;

	switch (sel % 16) {
	case 0:
	case 1:
	case 2:
	case 3:
		sa4(ss, sl, INADDR_LOOPBACK, 5000 + sel % 16);
		break;
	case 4:
		sa6(ss, sl, lo6, 5000);
		break;
	case 5:
		sa4(ss, sl, 0xc0000207, 6000);	/* 192.0.2.7 */
		break;
	case 6:
		sa6(ss, sl, doc6, 6000);
		break;
	case 7:
		sa4(ss, sl, 0xe0000001, 5000);	/* multicast */
		break;
	case 8:
		sa4(ss, sl, INADDR_LOOPBACK, 0);
		break;
	case 9:
		sa4(ss, sl, INADDR_LOOPBACK, 5000);
		(*sl)--;
		break;
	case 10:
		memset(ss, 0, sizeof(*ss));
		ss->ss_family = AF_UNIX;
		*sl = sizeof(struct sockaddr_un);
		break;
	case 11:
		if ((p = take(c, 6)) == NULL)
			return (-1);
		sa4(ss, sl, be32dec(p), be16dec(p + 4));
		break;
	case 12:
		if ((p = take(c, 18)) == NULL)
			return (-1);
		sa6(ss, sl, p, be16dec(p + 16));
		break;
	default:
		/* the fixed peer's own address */
		sa4(ss, sl, INADDR_LOOPBACK, 5000 + keysel % 8);
		break;
	}
	return (0);
}

static const uint8_t *
pick_key(struct cursor *c, uint8_t sel)
{
	switch (sel % 8) {
	case NPEERS:
		return (cf.pub);
	case NPEERS + 1:
		return (take(c, KRPC_KEY_LEN));
	default:
		return (peers[sel % 8]);
	}
}

/* What dht_input is about to see: requests, and keys it is told. */
static void
note_input(const uint8_t *pub, int validated, const uint8_t *buf,
    size_t len, const struct sockaddr_storage *from, socklen_t fromlen)
{
	struct krpc_msg	 m;
	enum krpc_err	 why;
	struct recv	*r;
	size_t		 i;

	know(pub);
	if (krpc_decode(buf, len, &m, &why) == -1)
		return;
	if (m.type == KRPC_NODES)
		for (i = 0; i < m.ncontacts; i++)
			know(m.contacts[i].pub);
	if (!KRPC_IS_REQUEST(m.type))
		return;
	if (nrecv == NRECV) {
		recv_lost = 1;
		return;
	}
	r = &recvd[nrecv++];
	memcpy(r->pub, pub, KRPC_KEY_LEN);
	memset(&r->from, 0, sizeof(r->from));
	memcpy(&r->from, from, fromlen < sizeof(*from) ? fromlen :
	    sizeof(*from));
	memcpy(r->txid, m.txid, KRPC_TXID_LEN);
	r->type = m.type;
	r->validated = validated;
	r->answered = 0;
}

static void
input(const uint8_t *pub, int validated, const uint8_t *buf, size_t len,
    const struct sockaddr_storage *from, socklen_t fromlen)
{
	note_input(pub, validated, buf, len, from, fromlen);
	unproved_input = !validated;
	if (dht_input(d, pub, validated, buf, len,
	    (const struct sockaddr *)from, fromlen, now) != 0)
		abort();
	unproved_input = 0;
}

/* A lookup, get, put or bootstrap ping of our own. */
static int
api(struct cursor *c)
{
	struct sockaddr_storage	 ss;
	socklen_t		 sl;
	uint8_t			 key[KAD_ID_LEN], val[64];
	const uint8_t		*p, *q;
	size_t			 vlen;

	if ((p = take(c, 1)) == NULL)
		return (-1);
	switch (p[0] % 4) {
	case 0:
	case 1:
		if ((q = take(c, KAD_ID_LEN)) == NULL)
			return (-1);
		if (p[0] % 4 == 0)
			(void)dht_lookup(d, q, p[0], now);
		else
			(void)dht_get(d, q, p[0], now);
		break;
	case 2:
		if ((q = take(c, KAD_ID_LEN)) == NULL)
			return (-1);
		vlen = 8 + p[0] % (sizeof(val) - 8);
		memcpy(key, q, sizeof(key));
		memset(val, p[0], sizeof(val));
		memcpy(val, key, 8);
		(void)dht_put(d, key, val, vlen, p[0] % 12, p[0], now);
		break;
	default:
		if (pick_addr(c, p[0] >> 2, 0, &ss, &sl) == -1)
			return (-1);
		(void)dht_ping(d, (struct sockaddr *)&ss, sl, now);
		break;
	}
	return (0);
}

/* One record; -1 when the input ends inside it. */
static int
record(struct cursor *c)
{
	struct sockaddr_storage	 ss;
	socklen_t		 sl;
	const uint8_t		*p, *pub, *msg;
	uint8_t			 buf[KRPC_MAX_MSG + 64];
	const struct sent	*s;
	size_t			 len;
	int			 validated;

	if ((p = take(c, 1)) == NULL)
		return (-1);
	validated = (p[0] >> 3) & 1;
	now += (p[0] >> 4) * 125;
	switch (p[0] & 7) {
	case 0:
	case 1:
	case 2:
		/* keysel, addrsel, length, key?, address?, message */
		if ((p = take(c, 4)) == NULL ||
		    (pub = pick_key(c, p[0])) == NULL ||
		    pick_addr(c, p[1], p[0], &ss, &sl) == -1)
			return (-1);
		len = be16dec(p + 2) % (KRPC_MAX_MSG + 64);
		if (len > c->left)
			len = c->left;
		msg = take(c, len);
		input(pub, validated, msg, len, &ss, sl);
		break;
	case 3:
		/* an answer to a request we sent: its txid, peer, address */
		if ((p = take(c, 3)) == NULL)
			return (-1);
		len = be16dec(p + 1) % (KRPC_MAX_MSG + 64);
		if (len > c->left)
			len = c->left;
		msg = take(c, len);
		memcpy(buf, msg, len);
		if (nsent == 0)
			break;
		s = &sent[(nsent - 1 - p[0] % (nsent < NSENT ? nsent : NSENT))
		    % NSENT];
		if (len >= KRPC_HDR_LEN)
			memcpy(buf + KRPC_TXID_OFF, s->txid, KRPC_TXID_LEN);
		memcpy(&ss, &s->to, sizeof(ss));
		input(s->haspub ? s->pub : peers[p[0] % NPEERS], validated,
		    buf, len, &ss, s->tolen);
		break;
	case 4:
		if ((p = take(c, 2)) == NULL ||
		    (pub = pick_key(c, p[0])) == NULL ||
		    pick_addr(c, p[1], p[0], &ss, &sl) == -1)
			return (-1);
		know(pub);
		(void)dht_peer_up(d, pub, (struct sockaddr *)&ss, sl, now);
		break;
	case 5:
		if ((p = take(c, 1)) == NULL)
			return (-1);
		now += (uint64_t)p[0] * 8000;
		break;
	case 6:
		if (api(c) == -1)
			return (-1);
		break;
	default:
		if ((p = take(c, 1)) == NULL)
			return (-1);
		policy = p[0] % 4;
		break;
	}
	answer_store();
	if (dht_next_timer(d) <= now && dht_timer(d, now) != 0)
		abort();
	return (0);
}

static void
setup(void)
{
	struct dht_io		 io;
	struct sockaddr_in	*sin;
	size_t			 i;

	rnd = 1;
	now = 1000000;
	nsent = nrecv = nknown = nstoreq = nchunks = chunk_next = 0;
	recv_lost = known_lost = 0;
	policy = 0;
	for (i = 0; i < NPEERS; i++)
		memset(peers[i], 0x11 * (i + 1), KRPC_KEY_LEN);

	dht_config_defaults(&cf);
	cf.puzzle_bits = 0;	/* the peers' keys are made up */
	memset(cf.pub, 0x42, sizeof(cf.pub));
	sin = (struct sockaddr_in *)&cf.bind;
	sin->sin_family = AF_INET;
	sin->sin_port = htons(4000);
	sin->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	cf.families = KRPC_WANT4 | KRPC_WANT6;
	/* small caps, so that a short input reaches them */
	cf.k = 4;
	cf.alpha = 2;
	cf.replicas = 3;
	cf.nrepl = 2;
	cf.maxsearches = 4;
	cf.maxpending = 16;
	cf.maxpushes = 4;
	cf.maxstoreops = 8;
	cf.rl.slots = 64;
	cf.rl.rate = 50;
	cf.rl.burst = 20;
	cf.rl.grate = 200;
	cf.rl.gburst = 60;
	cf.rl.ban_strikes = 4;

	memset(&io, 0, sizeof(io));
	io.send = io_send;
	io.random = io_random;
	io.store = io_store;
	io.event = io_event;
	io.value_ok = io_value_ok;
	if ((d = dht_new(&cf, &io, now)) == NULL)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cursor	c;

	setup();
	c.p = data;
	c.left = size;
	while (record(&c) == 0)
		;
	dht_free(d);
	d = NULL;
	return (0);
}
