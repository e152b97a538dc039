/* SPDX-License-Identifier: ISC */
/*
 * dht_rpc: the bottom of kadnet's protocol state machine (dht_local.h):
 * requests in flight (sent, kept for a retransmission, timed out,
 * matched with their answer), sending, the rules for addresses, node
 * IDs and values, and requests to the store.  What a request was for is its
 * purpose's business: timeouts go to the handlers in d->rpc, store
 * answers to those in d->so.  Pure: no syscalls, no globals.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <bsd/sys/endian.h>
#include <bsd/sys/tree.h>

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "krpc.h"
#include "netdiv.h"
#include "node_id.h"
#include "ratelimit.h"
#include "routing.h"
#include "search.h"
#include "dht.h"
#include "dht_local.h"

static int
storeop_cmp(struct storeop *a, struct storeop *b)
{
	return (a->cookie < b->cookie ? -1 : a->cookie > b->cookie);
}

RB_GENERATE_STATIC(otree, storeop, entry, storeop_cmp)

/* ---- addresses ---- */

int
dht_is_loopback(const struct krpc_addr *a)
{
	static const uint8_t	lo6[16] = { [15] = 1 };

	if (a->family == KRPC_AF_INET)
		return (a->ip[0] == 127);
	return (memcmp(a->ip, lo6, 16) == 0);
}

/*
 * Why we never talk to an address (PROTOCOL.md section 6): DHT_DROP_MARTIAN
 * for one no peer can have, DHT_DROP_SCOPE for a private one when we are
 * not on a private network ourselves (so that nobody can point us at a
 * site's internal services); DHT_DROP_MAX if it is fine.
 */
int
dht_addr_drop(const struct dht *d, const struct krpc_addr *a)
{
	static const uint8_t	mapped[12] = { [10] = 0xff, [11] = 0xff };

	if (a->port == 0)
		return (DHT_DROP_MARTIAN);
	/* dual-stack sockets must set IPV6_V6ONLY; fe80::/10 needs a scope
	 * id that no contact carries */
	if (a->family == KRPC_AF_INET6 &&
	    (memcmp(a->ip, mapped, sizeof(mapped)) == 0 ||
	    (a->ip[0] == 0xfe && (a->ip[1] & 0xc0) == 0x80)))
		return (DHT_DROP_MARTIAN);
	switch (krpc_addr_scope(a)) {
	case KRPC_SCOPE_GLOBAL:
		return (DHT_DROP_MAX);
	case KRPC_SCOPE_LOOPBACK:
		return (d->allow_loopback ? DHT_DROP_MAX : DHT_DROP_MARTIAN);
	case KRPC_SCOPE_PRIVATE:
		return (d->allow_private ? DHT_DROP_MAX : DHT_DROP_SCOPE);
	}
	return (DHT_DROP_MARTIAN);
}

int
dht_martian(const struct dht *d, const struct krpc_addr *a)
{
	return (dht_addr_drop(d, a) != DHT_DROP_MAX);
}

uint8_t
dht_family_bit(uint8_t family)
{
	return (family == KRPC_AF_INET ? KRPC_WANT4 : KRPC_WANT6);
}

/* A contact from a peer's reply that we may use (c->id worked out). */
int
dht_contact_ok(const struct dht *d, const struct krpc_contact *c)
{
	/* our own key in another network is another ID, and still us */
	if (kad_id_eq(c->id, d->id) ||
	    memcmp(c->pub, d->cf.pub, KRPC_KEY_LEN) == 0)
		return (0);
	if ((dht_family_bit(c->addr.family) & d->cf.families) == 0)
		return (0);
	if (dht_martian(d, &c->addr))
		return (0);
	if (d->self_known && krpc_addr_eq(&c->addr, &d->self_addr))
		return (0);
	return (1);
}

/* ---- hashing: node IDs and values ---- */

static int
sha256(struct dht *d, const void *a, size_t alen, const void *b,
    size_t blen, uint8_t out[32])
{
	unsigned int	len = 0;

	if (EVP_DigestInit_ex2(d->mdctx, d->md, NULL) != 1 ||
	    EVP_DigestUpdate(d->mdctx, a, alen) != 1 ||
	    (blen != 0 && EVP_DigestUpdate(d->mdctx, b, blen) != 1) ||
	    EVP_DigestFinal_ex(d->mdctx, out, &len) != 1 || len != 32)
		return (-1);
	return (0);
}

/*
 * The node ID of a key seen at an address (node_id.h), once the key has
 * passed the puzzle, through a small cache of keys that passed: the
 * same peers come back message after message, and so do the contacts a
 * lookup's answers name.  -1 (errno EPERM): the key fails the puzzle.
 */
int
dht_node_id(struct dht *d, const uint8_t pub[KRPC_KEY_LEN],
    const struct krpc_addr *addr, uint8_t id[KAD_ID_LEN])
{
	uint64_t	net = kad_netkey(addr);
	size_t		i = (size_t)((be64dec(pub) ^ net) % DHT_IDCACHE);

	/* an empty slot's zeros are no key's (the zero key has an ID too) */
	if ((d->ic_full & (1ULL << i)) == 0 || d->ic_net[i] != net ||
	    memcmp(d->ic_pub[i], pub, KRPC_KEY_LEN) != 0) {
		d->ic_full &= ~(1ULL << i);
		if (!kad_puzzle_ok(pub, d->cf.puzzle_bits)) {
			errno = EPERM;
			return (-1);
		}
		if (kad_node_id_net(pub, net, d->ic_id[i]) == -1)
			return (-1);
		memcpy(d->ic_pub[i], pub, KRPC_KEY_LEN);
		d->ic_net[i] = net;
		d->ic_full |= 1ULL << i;
	}
	memcpy(id, d->ic_id[i], KAD_ID_LEN);
	return (0);
}

int
dht_value_ok(struct dht *d, const uint8_t key[KAD_ID_LEN], const uint8_t *v,
    size_t len)
{
	uint8_t	md[32];

	if (v == NULL || len == 0 || len > KRPC_MAX_VALUE)
		return (0);
	if (d->io.value_ok != NULL)
		return (d->io.value_ok(d->io.arg, key, v, len));
	if (sha256(d, v, len, NULL, 0, md) == -1)
		return (0);
	return (memcmp(md, key, KAD_ID_LEN) == 0);
}

/*
 * A HAVE's proof of the value: SHA-256(nonce || value).  The nonce is
 * fresh, so only a node holding the value's bytes can compute it, and
 * the asker, who holds them too, can check it.
 */
int
dht_proof(struct dht *d, const uint8_t nonce[KRPC_NONCE_LEN],
    const uint8_t *v, size_t len, uint8_t out[KRPC_PROOF_LEN])
{
	return (sha256(d, nonce, KRPC_NONCE_LEN, v, len, out));
}

/* ---- sending and requests in flight ---- */

static void
send_bytes(struct dht *d, const uint8_t *pub, const uint8_t *buf, size_t len,
    uint8_t type, const struct krpc_addr *to)
{
	struct sockaddr_storage	 ss;
	socklen_t		 sl;
	size_t			 room = 0;

	/* a STORE waits for a proved session: never inside a handshake */
	if (KRPC_IS_REQUEST(type) && type != KRPC_STORE)
		room = krpc_reply_max(type);
	sl = krpc_addr_to_sa(to, &ss);
	d->io.send(d->io.arg, pub, buf, len, (struct sockaddr *)&ss, sl,
	    room);
	d->st.tx++;
	d->st.tx_bytes += (uint64_t)len;
	d->st.tx_type[type]++;
}

void
dht_send_msg(struct dht *d, const struct krpc_msg *m,
    const uint8_t pub[KRPC_KEY_LEN], const struct krpc_addr *to)
{
	uint8_t		buf[KRPC_MAX_MSG];
	ssize_t		n;

	if ((n = krpc_encode(m, buf, sizeof(buf))) == -1)
		return;		/* our own message: cannot happen */
	send_bytes(d, pub, buf, (size_t)n, m->type, to);
}

/*
 * Send a request registered by dht_rpc_new.  Its bytes are kept so that
 * it can go out again when no answer comes in time: on a path that
 * loses 1% of datagrams, 2% of exchanges would otherwise fail, and a
 * contact that missed one answer stops being handed to others.
 */
int
dht_rpc_send(struct dht *d, struct pending *p, const struct krpc_msg *m)
{
	uint8_t		buf[KRPC_MAX_MSG];
	ssize_t		n;

	if ((n = krpc_encode(m, buf, sizeof(buf))) == -1)
		return (-1);	/* our own message: cannot happen */
	p->tries = 1;
	if (d->cf.rpc_tries > 1 && (p->dgram = malloc((size_t)n)) != NULL) {
		memcpy(p->dgram, buf, (size_t)n);
		p->dlen = (uint16_t)n;
		d->pending_bytes += (size_t)n;
	}
	send_bytes(d, p->id_known ? p->pub : NULL, buf, (size_t)n, m->type,
	    &p->to);
	return (0);
}

static uint32_t
rto_for(struct dht *d, const uint8_t *id)
{
	struct rt_entry	*e = NULL;
	uint32_t	 def;

	def = routing_rto(&d->grtt, d->cf.rto_default, d->cf.rto_min,
	    d->cf.rto_max);
	if (id != NULL && (e = routing_find(d->rt, id)) != NULL &&
	    (e->flags & RT_F_RTT) != 0)
		return (routing_rto(e, def, d->cf.rto_min, d->cf.rto_max));
	return (def);
}

/*
 * Requests in flight, found by txid in an open-addressed table (a
 * lookup reads one or two slots, where a tree read one request per
 * level) and kept in deadline order in a binary heap; both keep what
 * they compare inline, so that neither reads a request to find one.
 */
#define PTAB_MIN	64

/* The txid without its try byte. */
static uint64_t
txid_word(const uint8_t txid[KRPC_TXID_LEN])
{
	uint8_t		t[KRPC_TXID_LEN];
	uint64_t	w;

	memcpy(t, txid, sizeof(t));
	t[DHT_TXID_TRY] = 0;
	memcpy(&w, t, sizeof(w));
	return (w);
}

static size_t
ptab_home(const struct dht *d, uint64_t w)
{
	return ((size_t)(w * 0x9e3779b97f4a7c15ULL >> 17) & (d->ptcap - 1));
}

static struct ptab_slot *
ptab_find(struct dht *d, const uint8_t txid[KRPC_TXID_LEN])
{
	uint64_t	w = txid_word(txid);
	size_t		i;

	if (d->ptcap == 0)
		return (NULL);
	for (i = ptab_home(d, w); d->ptab[i].p != NULL;
	    i = (i + 1) & (d->ptcap - 1))
		if (d->ptab[i].txid == w)
			return (&d->ptab[i]);
	return (NULL);
}

static void
ptab_put(struct dht *d, struct pending *p)
{
	uint64_t	w = txid_word(p->txid);
	size_t		i;

	for (i = ptab_home(d, w); d->ptab[i].p != NULL;
	    i = (i + 1) & (d->ptcap - 1))
		;
	d->ptab[i].txid = w;
	d->ptab[i].p = p;
}

/* Room for one more at half load at most, and in the heap. */
static int
ptab_grow(struct dht *d)
{
	struct ptab_slot	*old = d->ptab;
	struct pheap_slot	*nh;
	size_t			 oldcap = d->ptcap, i;

	if ((d->npending + 1) * 2 > d->ptcap) {
		d->ptcap = oldcap ? oldcap * 2 : PTAB_MIN;
		if ((d->ptab = calloc(d->ptcap, sizeof(*d->ptab))) == NULL) {
			d->ptab = old;
			d->ptcap = oldcap;
			return (-1);
		}
		for (i = 0; i < oldcap; i++)
			if (old[i].p != NULL)
				ptab_put(d, old[i].p);
		free(old);
	}
	if (d->npending + 1 > d->pheapcap) {
		i = d->pheapcap ? d->pheapcap * 2 : PTAB_MIN / 2;
		if ((nh = reallocarray(d->pheap, i, sizeof(*nh))) == NULL)
			return (-1);
		d->pheap = nh;
		d->pheapcap = i;
	}
	return (0);
}

/* Take out a slot, moving the later ones of its run back (no tombs). */
static void
ptab_del(struct dht *d, struct ptab_slot *slot)
{
	size_t	i = (size_t)(slot - d->ptab), j = i, home;

	d->ptab[i].p = NULL;
	for (;;) {
		j = (j + 1) & (d->ptcap - 1);
		if (d->ptab[j].p == NULL)
			return;
		home = ptab_home(d, d->ptab[j].txid);
		/* may j's entry move into the hole at i? */
		if ((j > i && (home <= i || home > j)) ||
		    (j < i && (home <= i && home > j))) {
			d->ptab[i] = d->ptab[j];
			d->ptab[j].p = NULL;
			i = j;
		}
	}
}

/* Which of two requests times out first (ties by txid: a fixed order). */
static int
pearlier(const struct pheap_slot *a, const struct pheap_slot *b)
{
	if (a->deadline != b->deadline)
		return (a->deadline < b->deadline);
	return (a->txid < b->txid);
}

static void
pheap_set(struct dht *d, size_t i, const struct pheap_slot *x)
{
	d->pheap[i] = *x;
	x->p->heap = (uint32_t)i;
}

static void
pheap_up(struct dht *d, size_t i)
{
	struct pheap_slot	x = d->pheap[i];
	size_t			up;

	while (i > 0) {
		up = (i - 1) / 2;
		if (!pearlier(&x, &d->pheap[up]))
			break;
		pheap_set(d, i, &d->pheap[up]);
		i = up;
	}
	pheap_set(d, i, &x);
}

static void
pheap_down(struct dht *d, size_t i)
{
	struct pheap_slot	x = d->pheap[i];
	size_t			n = d->npending, c;

	for (;;) {
		c = 2 * i + 1;
		if (c >= n)
			break;
		if (c + 1 < n && pearlier(&d->pheap[c + 1], &d->pheap[c]))
			c++;
		if (!pearlier(&d->pheap[c], &x))
			break;
		pheap_set(d, i, &d->pheap[c]);
		i = c;
	}
	pheap_set(d, i, &x);
}

/* p's deadline moved: back into its place in the heap. */
static void
pending_requeue(struct dht *d, struct pending *p)
{
	size_t	i = p->heap;

	d->pheap[i].deadline = p->deadline;
	pheap_up(d, i);
	if (d->pheap[i].p == p)
		pheap_down(d, i);
}

/* Register a request; the caller sends it with p->txid. */
struct pending *
dht_rpc_new(struct dht *d, uint8_t type, uint8_t purpose, const uint8_t *id,
    const uint8_t *pub, const struct krpc_addr *to, uint32_t owner,
    uint16_t idx, uint64_t now)
{
	struct pending	*p;
	int		 tries;

	if (d->npending >= d->cf.maxpending) {
		d->st.drop[DHT_DROP_BUSY]++;
		return (NULL);
	}
	if (ptab_grow(d) == -1 || (p = calloc(1, sizeof(*p))) == NULL)
		return (NULL);
	for (tries = 0; tries < 4; tries++) {
		d->io.random(d->io.arg, p->txid, KRPC_TXID_LEN);
		p->txid[DHT_TXID_TRY] = 0;	/* the first send */
		if (ptab_find(d, p->txid) == NULL)
			break;
	}
	if (tries == 4) {
		free(p);
		return (NULL);
	}
	p->type = type;
	p->purpose = purpose;
	if (id != NULL && pub != NULL) {
		p->id_known = 1;
		memcpy(p->id, id, KAD_ID_LEN);
		memcpy(p->pub, pub, KRPC_KEY_LEN);
	}
	p->to = *to;
	p->owner = owner;
	p->idx = idx;
	p->rto = rto_for(d, id);
	p->sent = now;
	p->deadline = now + p->rto;
	ptab_put(d, p);
	d->pheap[d->npending].deadline = p->deadline;
	d->pheap[d->npending].txid = txid_word(p->txid);
	d->pheap[d->npending].p = p;
	p->heap = d->npending;
	d->npending++;
	pheap_up(d, d->npending - 1);
	return (p);
}

void
dht_rpc_free(struct dht *d, struct pending *p)
{
	struct ptab_slot	*slot;
	struct pheap_slot	 last;
	size_t			 i = p->heap;

	if ((slot = ptab_find(d, p->txid)) != NULL)
		ptab_del(d, slot);
	last = d->pheap[--d->npending];
	if (i < d->npending) {
		pheap_set(d, i, &last);
		pending_requeue(d, last.p);
	}
	if (p->dgram != NULL) {
		d->pending_bytes -= p->dlen;
		free(p->dgram);
	}
	free(p);
}

int
dht_send_ping(struct dht *d, const uint8_t *id, const uint8_t *pub,
    const struct krpc_addr *to, uint8_t purpose, uint64_t now)
{
	struct pending	*p;
	struct krpc_msg	 m;

	if ((p = dht_rpc_new(d, KRPC_PING, purpose, id, pub, to, 0, 0,
	    now)) == NULL)
		return (-1);
	krpc_init(&m, KRPC_PING, p->txid);
	return (dht_rpc_send(d, p, &m));
}

/* The request a txid belongs to, if that send of it went out. */
struct pending *
dht_rpc_find(struct dht *d, const uint8_t txid[KRPC_TXID_LEN])
{
	struct ptab_slot	*slot = ptab_find(d, txid);

	if (slot == NULL || txid[DHT_TXID_TRY] >= slot->p->tries)
		return (NULL);
	return (slot->p);
}

/* When send `try` (0: the first) of p went out. */
uint64_t
dht_rpc_sent_at(const struct pending *p, unsigned try)
{
	if (try == 0 || try >= p->tries)
		return (p->sent);
	return (p->sent + p->resent[try - 1]);
}

/* From the first send to the last deadline, with every try. */
uint64_t
dht_rpc_lifetime(const struct dht *d, uint32_t rto)
{
	if (d->cf.rpc_tries <= 1)
		return (rto);
	return ((uint64_t)rto * (d->cf.rpc_tries + 1));
}

/*
 * No answer by the deadline.  Sent again while tries are left; a lookup
 * gets a soft timeout first (its purpose's slow handler: it may ask
 * someone else meanwhile, and a late answer still counts); then it has
 * failed.
 */
static void
rpc_timeout(struct dht *d, struct pending *p, uint64_t now)
{
	const struct rpc_handler *h = d->rpc[p->purpose];
	struct pending	 pc;
	struct rt_entry	*e;
	int		 again;

	again = p->tries < d->cf.rpc_tries && p->dgram != NULL;
	if (again && h->wanted != NULL && !h->wanted(d, p)) {
		/* nobody waits for it: neither sent again nor held against */
		dht_rpc_free(d, p);
		d->st.abandoned++;
		return;
	}
	if (again || (h->slow != NULL && !p->soft)) {
		if (again) {
			/*
			 * The request or its answer may be lost: again, and
			 * after the last send wait twice as long (a first
			 * contact is timed by the estimate over all peers,
			 * and the far tail of round trips is beyond it).  An
			 * answer to any of the sends is taken, and timed
			 * from its own send: each has its own try byte.
			 */
			p->resent[p->tries - 1] = now - p->sent > UINT32_MAX ?
			    UINT32_MAX : (uint32_t)(now - p->sent);
			p->dgram[KRPC_TXID_OFF + DHT_TXID_TRY] = p->tries;
			p->tries++;
			p->deadline = now + (uint64_t)p->rto *
			    (p->tries == d->cf.rpc_tries ? 2 : 1);
			send_bytes(d, p->id_known ? p->pub : NULL, p->dgram,
			    p->dlen, p->type, &p->to);
			d->st.retransmits++;
		} else
			p->deadline = p->sent + 2 * (uint64_t)p->rto;
		pending_requeue(d, p);
		if (h->slow == NULL || p->soft)
			return;
		p->soft = 1;
		h->slow(d, p, now);
		return;
	}
	pc = *p;
	pc.dgram = NULL;
	dht_rpc_free(d, p);
	d->st.timeouts++;
	/*
	 * A contact that has answered anything since this request went out
	 * is alive: the datagram was lost.  Counting it would make a few
	 * losses among hundreds of parallel requests to one node look like
	 * consecutive failures (their timeouts all come after the replies)
	 * and mark a live node bad.
	 */
	if (pc.id_known && ((e = routing_find(d->rt, pc.id)) == NULL ||
	    e->replied < pc.sent))
		(void)routing_failed(d->rt, pc.id, now,
		    pc.purpose == P_PING_LIVE);
	if (h->failed != NULL)
		h->failed(d, &pc, now);
}

void
dht_rpc_expire(struct dht *d, uint64_t now)
{
	struct pending	*p;

	while (d->npending > 0 && d->pheap[0].deadline <= now) {
		p = d->pheap[0].p;
		rpc_timeout(d, p, now);
	}
}

uint64_t
dht_rpc_next_deadline(struct dht *d)
{
	return (d->npending > 0 ? d->pheap[0].deadline : UINT64_MAX);
}

void
dht_rpc_free_all(struct dht *d)
{
	while (d->npending > 0)
		dht_rpc_free(d, d->pheap[d->npending - 1].p);
	free(d->ptab);
	free(d->pheap);
	d->ptab = NULL;
	d->pheap = NULL;
	d->ptcap = d->pheapcap = 0;
}

/* ---- the store ---- */

struct storeop *
dht_storeop_new(struct dht *d, uint8_t kind, const uint8_t key[KAD_ID_LEN],
    uint64_t now)
{
	struct storeop	*o;

	if (d->nstoreops >= d->cf.maxstoreops) {
		d->st.drop[DHT_DROP_BUSY]++;
		return (NULL);
	}
	if ((o = calloc(1, sizeof(*o))) == NULL)
		return (NULL);
	o->cookie = d->next_cookie++;
	o->kind = kind;
	memcpy(o->key, key, KAD_ID_LEN);
	o->created = now;
	RB_INSERT(otree, &d->storeops, o);
	d->nstoreops++;
	return (o);
}
void
dht_storeop_free(struct dht *d, struct storeop *o)
{
	RB_REMOVE(otree, &d->storeops, o);
	d->nstoreops--;
	free(o);
}
struct storeop *
dht_storeop_find(struct dht *d, uint64_t cookie)
{
	struct storeop	key;

	key.cookie = cookie;
	return (RB_FIND(otree, &d->storeops, &key));
}

/* The store answered o: off the books, then to its kind's handler. */
void
dht_storeop_done(struct dht *d, struct storeop *o, int status,
    const uint8_t *data, size_t len, uint64_t now)
{
	struct storeop	oc = *o;

	dht_storeop_free(d, o);
	d->so[oc.kind](d, &oc, status == DHT_STORE_FOUND, data, len, now);
}

/* The store never answered: forget the request. */
void
dht_storeop_expire(struct dht *d, uint64_t now)
{
	struct storeop	*o;

	while ((o = RB_MIN(otree, &d->storeops)) != NULL &&
	    o->created + d->cf.storeop_ms <= now)
		dht_storeop_done(d, o, DHT_STORE_ERROR, NULL, 0, now);
}

uint64_t
dht_storeop_next_deadline(struct dht *d)
{
	struct storeop	*o;

	return ((o = RB_MIN(otree, &d->storeops)) != NULL ?
	    o->created + d->cf.storeop_ms : UINT64_MAX);
}

void
dht_storeop_free_all(struct dht *d)
{
	struct storeop	*o;

	while ((o = RB_MIN(otree, &d->storeops)) != NULL)
		dht_storeop_free(d, o);
}

void
dht_store_request(struct dht *d, int op, uint64_t cookie,
    const uint8_t key[KAD_ID_LEN], const uint8_t *data, size_t len,
    unsigned max)
{
	struct dht_store_req	req;

	memset(&req, 0, sizeof(req));
	req.op = op;
	req.cookie = cookie;
	memcpy(req.key, key, KAD_ID_LEN);
	req.data = data;
	req.len = len;
	req.max = max;
	d->io.store(d->io.arg, &req);
}

/*
 * A PUT to the store, with the copies the chunk should have and the
 * network it came from (0: our own), to which the store accounts it.
 */
void
dht_store_put(struct dht *d, uint64_t cookie, const uint8_t key[KAD_ID_LEN],
    const uint8_t *data, size_t len, unsigned copies, uint64_t source)
{
	struct dht_store_req	req;

	memset(&req, 0, sizeof(req));
	req.op = DHT_STORE_PUT;
	req.cookie = cookie;
	memcpy(req.key, key, KAD_ID_LEN);
	req.data = data;
	req.len = len;
	req.copies = dht_copies(d, copies);
	req.source = source;
	d->io.store(d->io.arg, &req);
}

/*
 * The copies we act on for a chunk: 0 (not said) means replicas, and
 * more than replicas is replicas, so that nobody can make us send more
 * copies of a chunk than our own setting would.
 */
uint8_t
dht_copies(const struct dht *d, unsigned copies)
{
	if (copies == 0 || copies > d->cf.replicas)
		copies = d->cf.replicas;
	return ((uint8_t)copies);
}
