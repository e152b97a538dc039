/*
 * dht: kadnet's protocol state machine (see dht.h).  It validates every
 * datagram, answers requests, runs iterative lookups (search.c) over the
 * routing table (routing.c), and moves chunks: GET (local store, then
 * FIND_VALUE), PUT (HAVE then STORE toward the node closest to the key,
 * which keeps the chunk and replicates it to its nearest neighbours) and
 * periodic migration of stored keys; the chunk moving itself is in
 * dht_xfer.c.  Pure: no syscalls, no globals; SHA-256 comes from
 * libcrypto with the digest fetched once per dht.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <bsd/sys/tree.h>

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "krpc.h"
#include "ratelimit.h"
#include "routing.h"
#include "search.h"
#include "dht.h"
#include "dht_local.h"

const char *const dht_dropnames[DHT_DROP_MAX] = {
	[DHT_DROP_BADADDR] = "bad address",
	[DHT_DROP_MARTIAN] = "martian",
	[DHT_DROP_BANNED] = "banned",
	[DHT_DROP_MALFORMED] = "malformed",
	[DHT_DROP_ZEROID] = "zero id",
	[DHT_DROP_SELFID] = "own id",
	[DHT_DROP_RATELIMIT] = "rate limited",
	[DHT_DROP_GLOBALLIMIT] = "global rate limited",
	[DHT_DROP_UNSOLICITED] = "unsolicited reply",
	[DHT_DROP_WRONGSRC] = "reply from wrong address",
	[DHT_DROP_WRONGTYPE] = "wrong reply type",
	[DHT_DROP_BADCONTACT] = "bad contact",
	[DHT_DROP_BADTOKEN] = "bad token",
	[DHT_DROP_BADVALUE] = "bad value",
	[DHT_DROP_BUSY] = "busy",
};

/* txids are random bytes: any total order will do, a word's is cheap */
static int
txid_cmp(const uint8_t a[KRPC_TXID_LEN], const uint8_t b[KRPC_TXID_LEN])
{
	uint64_t	x, y;

	memcpy(&x, a, sizeof(x));
	memcpy(&y, b, sizeof(y));
	return (x < y ? -1 : x > y);
}

static int
ptxid_cmp(struct pending *a, struct pending *b)
{
	return (txid_cmp(a->txid, b->txid));
}

static int
ptime_cmp(struct pending *a, struct pending *b)
{
	if (a->deadline != b->deadline)
		return (a->deadline < b->deadline ? -1 : 1);
	return (txid_cmp(a->txid, b->txid));
}

static int
dsearch_cmp(struct dsearch *a, struct dsearch *b)
{
	return (a->sid < b->sid ? -1 : a->sid > b->sid);
}

static int
storeop_cmp(struct storeop *a, struct storeop *b)
{
	return (a->cookie < b->cookie ? -1 : a->cookie > b->cookie);
}

RB_GENERATE_STATIC(ptxid, pending, by_txid, ptxid_cmp)
RB_GENERATE_STATIC(ptime, pending, by_time, ptime_cmp)
RB_GENERATE_STATIC(stree, dsearch, entry, dsearch_cmp)
RB_GENERATE_STATIC(otree, storeop, entry, storeop_cmp)

#define ENTER(d) do {							\
	if ((d)->busy) {						\
		errno = EDEADLK;					\
		return (-1);						\
	}								\
	(d)->busy = 1;							\
} while (0)
#define LEAVE(d)	((d)->busy = 0)

static void	search_step(struct dht *, struct dsearch *, uint64_t);
static void	boot_retry(struct dht *, uint64_t);

/* ---- addresses ---- */

static int
sa_to_addr(const struct sockaddr *sa, socklen_t len, struct krpc_addr *a)
{
	struct sockaddr_in	sin;
	struct sockaddr_in6	sin6;

	memset(a, 0, sizeof(*a));
	if (sa == NULL)
		return (-1);
	if (sa->sa_family == AF_INET && len == sizeof(sin)) {
		memcpy(&sin, sa, sizeof(sin));
		a->family = KRPC_AF_INET;
		memcpy(a->ip, &sin.sin_addr, 4);
		a->port = ntohs(sin.sin_port);
		return (0);
	}
	if (sa->sa_family == AF_INET6 && len == sizeof(sin6)) {
		memcpy(&sin6, sa, sizeof(sin6));
		a->family = KRPC_AF_INET6;
		memcpy(a->ip, &sin6.sin6_addr, 16);
		a->port = ntohs(sin6.sin6_port);
		return (0);
	}
	return (-1);
}

static socklen_t
addr_to_sa(const struct krpc_addr *a, struct sockaddr_storage *ss)
{
	struct sockaddr_in	sin;
	struct sockaddr_in6	sin6;

	memset(ss, 0, sizeof(*ss));
	if (a->family == KRPC_AF_INET) {
		memset(&sin, 0, sizeof(sin));
		sin.sin_family = AF_INET;
		sin.sin_port = htons(a->port);
		memcpy(&sin.sin_addr, a->ip, 4);
		memcpy(ss, &sin, sizeof(sin));
		return (sizeof(sin));
	}
	memset(&sin6, 0, sizeof(sin6));
	sin6.sin6_family = AF_INET6;
	sin6.sin6_port = htons(a->port);
	memcpy(&sin6.sin6_addr, a->ip, 16);
	memcpy(ss, &sin6, sizeof(sin6));
	return (sizeof(sin6));
}

static int
addr_eq(const struct krpc_addr *a, const struct krpc_addr *b)
{
	return (a->family == b->family && a->port == b->port &&
	    memcmp(a->ip, b->ip, a->family == KRPC_AF_INET ? 4 : 16) == 0);
}

static int
is_loopback(const struct krpc_addr *a)
{
	static const uint8_t	lo6[16] = { [15] = 1 };

	if (a->family == KRPC_AF_INET)
		return (a->ip[0] == 127);
	return (memcmp(a->ip, lo6, 16) == 0);
}

/* Addresses no peer can legitimately have (dht.c's rule, V9). */
static int
martian(const struct dht *d, const struct krpc_addr *a)
{
	static const uint8_t	zero[16];
	static const uint8_t	mapped[12] = { [10] = 0xff, [11] = 0xff };

	if (a->port == 0)
		return (1);
	if (a->family == KRPC_AF_INET) {
		if (a->ip[0] == 0 || a->ip[0] >= 224)	/* this, mcast, res */
			return (1);
		if (a->ip[0] == 127)
			return (!d->allow_loopback);
		return (0);
	}
	if (a->family != KRPC_AF_INET6)
		return (1);
	if (memcmp(a->ip, zero, 16) == 0 || a->ip[0] == 0xff ||
	    (a->ip[0] == 0xfe && (a->ip[1] & 0xc0) == 0x80) ||
	    memcmp(a->ip, mapped, sizeof(mapped)) == 0)
		return (1);	/* unspecified, mcast, link-local, mapped */
	if (is_loopback(a))
		return (!d->allow_loopback);
	return (0);
}

static uint8_t
family_bit(uint8_t family)
{
	return (family == KRPC_AF_INET ? KRPC_WANT4 : KRPC_WANT6);
}

/* A contact from a peer's reply that we may use. */
static int
contact_ok(const struct dht *d, const struct krpc_contact *c)
{
	if (kad_id_iszero(c->id) || kad_id_eq(c->id, d->cf.id))
		return (0);
	if ((family_bit(c->addr.family) & d->cf.families) == 0)
		return (0);
	if (martian(d, &c->addr))
		return (0);
	if (d->self_known && addr_eq(&c->addr, &d->self_addr))
		return (0);
	return (1);
}

/* ---- hashing: tokens and values ---- */

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
 * token = SHA-256(secret || family || 0 || port || 16-byte address),
 * first 8 bytes: proves the requester receives datagrams at that
 * address and port (BEP 5's idea).
 */
static int
token_make(struct dht *d, const uint8_t secret[KAD_ID_LEN],
    const struct krpc_addr *a, uint8_t out[KRPC_TOKEN_LEN])
{
	uint8_t	in[20], md[32];
	int	r;

	memset(in, 0, sizeof(in));
	in[0] = a->family;
	in[2] = a->port >> 8;
	in[3] = a->port & 0xff;
	memcpy(in + 4, a->ip, a->family == KRPC_AF_INET ? 4 : 16);
	r = sha256(d, secret, KAD_ID_LEN, in, sizeof(in), md);
	if (r == 0)
		memcpy(out, md, KRPC_TOKEN_LEN);
	explicit_bzero(md, sizeof(md));
	return (r);
}

static int
token_ok(struct dht *d, const uint8_t tok[KRPC_TOKEN_LEN],
    const struct krpc_addr *a)
{
	uint8_t	t[KRPC_TOKEN_LEN];
	int	ok = 0;

	if (token_make(d, d->secret, a, t) == 0 &&
	    CRYPTO_memcmp(t, tok, KRPC_TOKEN_LEN) == 0)
		ok = 1;
	else if (token_make(d, d->oldsecret, a, t) == 0 &&
	    CRYPTO_memcmp(t, tok, KRPC_TOKEN_LEN) == 0)
		ok = 1;
	explicit_bzero(t, sizeof(t));
	return (ok);
}

static int
value_ok(struct dht *d, const uint8_t key[KAD_ID_LEN], const uint8_t *v,
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

/* ---- sending ---- */

static void
send_bytes(struct dht *d, const uint8_t *buf, size_t len, uint8_t type,
    const struct krpc_addr *to)
{
	struct sockaddr_storage	 ss;
	socklen_t		 sl;

	sl = addr_to_sa(to, &ss);
	d->io.send(d->io.arg, buf, len, (struct sockaddr *)&ss, sl);
	d->st.tx++;
	d->st.tx_bytes += (uint64_t)len;
	d->st.tx_type[type]++;
}

void
dht_send_msg(struct dht *d, const struct krpc_msg *m,
    const struct krpc_addr *to)
{
	uint8_t		buf[KRPC_MAX_DGRAM];
	ssize_t		n;

	if ((n = krpc_encode(m, buf, sizeof(buf))) == -1)
		return;		/* our own message: cannot happen */
	send_bytes(d, buf, (size_t)n, m->type, to);
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
	uint8_t		buf[KRPC_MAX_DGRAM];
	ssize_t		n;

	if ((n = krpc_encode(m, buf, sizeof(buf))) == -1)
		return (-1);	/* our own message: cannot happen */
	p->tries = 1;
	if (d->cf.rpc_tries > 1 && (p->dgram = malloc((size_t)n)) != NULL) {
		memcpy(p->dgram, buf, (size_t)n);
		p->dlen = (uint16_t)n;
		d->pending_bytes += (size_t)n;
	}
	send_bytes(d, buf, (size_t)n, m->type, &p->to);
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

static void
pending_insert_time(struct dht *d, struct pending *p)
{
	RB_INSERT(ptime, &d->ptime, p);
}

/* Register a request; the caller sends it with p->txid. */
struct pending *
dht_rpc_new(struct dht *d, uint8_t type, uint8_t purpose, const uint8_t *id,
    const struct krpc_addr *to, uint32_t owner, uint16_t idx, uint64_t now)
{
	struct pending	*p;
	int		 tries;

	if (d->npending >= d->cf.maxpending) {
		d->st.drop[DHT_DROP_BUSY]++;
		return (NULL);
	}
	if ((p = calloc(1, sizeof(*p))) == NULL)
		return (NULL);
	for (tries = 0; tries < 4; tries++) {
		d->io.random(d->io.arg, p->txid, KRPC_TXID_LEN);
		if (RB_FIND(ptxid, &d->ptxid, p) == NULL)
			break;
	}
	if (tries == 4) {
		free(p);
		return (NULL);
	}
	p->type = type;
	p->purpose = purpose;
	if (id != NULL) {
		p->id_known = 1;
		memcpy(p->id, id, KAD_ID_LEN);
	}
	p->to = *to;
	p->owner = owner;
	p->idx = idx;
	p->rto = rto_for(d, id);
	p->sent = now;
	p->deadline = now + p->rto;
	RB_INSERT(ptxid, &d->ptxid, p);
	pending_insert_time(d, p);
	d->npending++;
	return (p);
}

static void
pending_free(struct dht *d, struct pending *p)
{
	RB_REMOVE(ptxid, &d->ptxid, p);
	RB_REMOVE(ptime, &d->ptime, p);
	d->npending--;
	if (p->dgram != NULL) {
		d->pending_bytes -= p->dlen;
		free(p->dgram);
	}
	free(p);
}

static int
send_ping(struct dht *d, const uint8_t *id, const struct krpc_addr *to,
    uint8_t purpose, uint64_t now)
{
	struct pending	*p;
	struct krpc_msg	 m;

	if ((p = dht_rpc_new(d, KRPC_PING, purpose, id, to, 0, 0, now)) == NULL)
		return (-1);
	krpc_init(&m, KRPC_PING, p->txid, d->cf.id);
	return (dht_rpc_send(d, p, &m));
}

static int
send_find(struct dht *d, struct dsearch *ds, struct search_cand *c,
    uint64_t now)
{
	struct pending	*p;
	struct krpc_msg	 m;
	uint8_t		 type = search_type(ds->s);

	p = dht_rpc_new(d, type, P_SEARCH, c->id, &c->addr, ds->sid, 0, now);
	if (p == NULL)
		return (-1);
	krpc_init(&m, type, p->txid, d->cf.id);
	memcpy(m.target, search_target(ds->s), KAD_ID_LEN);
	m.want = d->cf.families;
	return (dht_rpc_send(d, p, &m));
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

static void
storeop_free(struct dht *d, struct storeop *o)
{
	RB_REMOVE(otree, &d->storeops, o);
	d->nstoreops--;
	free(o);
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

/* ---- routing table upkeep ---- */

static void
after_routing(struct dht *d, int r, const uint8_t id[KAD_ID_LEN],
    const struct krpc_addr *addr, struct rt_entry *pingme, int replied,
    uint64_t now)
{
	uint8_t			pid[KAD_ID_LEN];
	struct krpc_addr	paddr;
	uint64_t		soon;

	if (pingme != NULL) {
		memcpy(pid, pingme->id, KAD_ID_LEN);
		paddr = pingme->addr;
		(void)send_ping(d, pid, &paddr, P_PING_LIVE, now);
	}
	if (r != RT_ADDED)
		return;
	/* only replies prove a contact answers; check the others once */
	if (!replied)
		(void)send_ping(d, id, addr, P_PING_CONFIRM, now);
	/* a new close neighbour may now be closer to some of our keys */
	if (d->cf.migrate_ms != 0 && !d->scanning &&
	    routing_bucket_of(d->rt, id) == routing_nbuckets(d->rt) - 1) {
		soon = now + DHT_MIGRATE_SOON;
		if (soon < d->migrate_next)
			d->migrate_next = soon;
	}
}

/* How many known, not bad, contacts are closer to key than we are. */
size_t
dht_closer_count(struct dht *d, const uint8_t key[KAD_ID_LEN], size_t max,
    uint64_t now)
{
	struct rt_entry	*out[DHT_MAX_REPLICAS * 2];
	size_t		 n, i;

	if (max > DHT_MAX_REPLICAS * 2)
		max = DHT_MAX_REPLICAS * 2;
	n = routing_closest(d->rt, key, d->cf.families, 0, now, out, max);
	for (i = 0; i < n; i++)
		if (kad_id_cmpdist(out[i]->id, d->cf.id, key) >= 0)
			break;
	return (i);
}

/* ---- lookups ---- */

static void
search_finish(struct dht *d, struct dsearch *ds, const uint8_t *value,
    size_t vlen, unsigned vhops, uint64_t now)
{
	const struct search_cand *res[DHT_MAX_K];
	struct krpc_contact	 nodes[DHT_MAX_K];
	struct dht_event	 ev;
	size_t			 n, i;
	uint8_t			 purpose = ds->purpose;

	memset(&ev, 0, sizeof(ev));
	ev.cookie = ds->cookie;
	memcpy(ev.key, search_target(ds->s), KAD_ID_LEN);
	ev.msgs = search_msgs(ds->s);
	ev.hops = value != NULL ? vhops : search_hops(ds->s);
	ev.ms = now >= ds->started ? now - ds->started : 0;
	if (purpose == S_GET && value != NULL)
		d->st.get_ms[ev.ms < DHT_GET_MS_MAX ? ev.ms : DHT_GET_MS_MAX]++;
	n = search_results(ds->s, res, d->cf.k);
	for (i = 0; i < n; i++) {
		memcpy(nodes[i].id, res[i]->id, KAD_ID_LEN);
		nodes[i].addr = res[i]->addr;
	}
	routing_touch(d->rt, ev.key, now);
	if (purpose == S_INTERNAL)
		d->nrefresh--;
	RB_REMOVE(stree, &d->searches, ds);
	d->nsearches--;
	search_free(ds->s);
	free(ds);

	if (purpose == S_LOOKUP) {
		ev.type = DHT_EV_LOOKUP;
		ev.status = n > 0 ? 0 : -1;
		ev.nodes = nodes;
		ev.nnodes = n;
		d->io.event(d->io.arg, &ev);
	} else if (purpose == S_GET) {
		ev.type = DHT_EV_GET;
		ev.status = value != NULL ? 0 : -1;
		ev.value = value;
		ev.vlen = value != NULL ? vlen : 0;
		d->io.event(d->io.arg, &ev);
	}
}

static int
search_start(struct dht *d, const uint8_t target[KAD_ID_LEN], uint8_t type,
    uint8_t purpose, uint64_t cookie, uint64_t now)
{
	struct rt_entry	*seed[DHT_MAX_K * 2];
	struct dsearch	*ds;
	size_t		 n, i;
	unsigned	 cap = d->cf.k * 2;

	if (d->nsearches >= d->cf.maxsearches) {
		errno = EBUSY;
		return (-1);
	}
	if ((ds = calloc(1, sizeof(*ds))) == NULL)
		return (-1);
	/*
	 * A chunk's lookup asks only the closest known node first: it
	 * almost always holds the chunk (it is one of the replicas), and
	 * a file's chunks are fetched many at a time anyway, so asking
	 * alpha nodes would triple the datagrams, the store reads and the
	 * copies sent for nothing.  The lookup widens to alpha as soon as
	 * that node answers without the value, fails or is slow.
	 */
	ds->s = search_new(target, type, d->cf.k,
	    purpose == S_GET ? DHT_GET_ALPHA0 : d->cf.alpha, cap,
	    d->cf.hoplimit);
	if (ds->s == NULL) {
		free(ds);
		return (-1);
	}
	ds->sid = d->next_sid++;
	ds->purpose = purpose;
	ds->cookie = cookie;
	ds->started = now;
	n = routing_closest(d->rt, target, d->cf.families, 0, now, seed, cap);
	for (i = 0; i < n; i++)
		(void)search_add(ds->s, seed[i]->id, &seed[i]->addr, 1);
	RB_INSERT(stree, &d->searches, ds);
	d->nsearches++;
	d->st.searches++;
	if (purpose == S_INTERNAL)
		d->nrefresh++;
	search_step(d, ds, now);	/* may finish (and free) it */
	return (0);
}

static void
search_step(struct dht *d, struct dsearch *ds, uint64_t now)
{
	struct search_cand	*c;

	while ((c = search_next(ds->s)) != NULL) {
		if (send_find(d, ds, c, now) == -1) {
			search_unsend(ds->s, c);
			/* nothing out and nothing can go out: give up */
			if (search_pending(ds->s) == 0) {
				search_finish(d, ds, NULL, 0, 0, now);
				return;
			}
			break;
		}
	}
	if (search_done(ds->s))
		search_finish(d, ds, NULL, 0, 0, now);
}

static struct dsearch *
search_get(struct dht *d, uint32_t sid)
{
	struct dsearch	key;

	key.sid = sid;
	return (RB_FIND(stree, &d->searches, &key));
}

static void
search_reply(struct dht *d, const struct pending *p, const struct krpc_msg *m,
    const struct krpc_addr *from, uint64_t now)
{
	struct dsearch		*ds;
	struct search_cand	*c;
	unsigned		 hop;
	uint8_t			 i;

	if ((ds = search_get(d, p->owner)) == NULL)
		return;		/* finished meanwhile */
	if ((c = search_find(ds->s, p->id)) == NULL)
		return;		/* dropped from the list meanwhile */
	if (m->type != KRPC_VALUE)
		search_widen(ds->s, d->cf.alpha);
	if (!kad_id_eq(m->id, p->id)) {
		search_widen(ds->s, d->cf.alpha);
		search_failed(ds->s, c);	/* someone else lives there */
		search_step(d, ds, now);
		return;
	}
	if (m->type == KRPC_VALUE) {
		if (ds->purpose == S_GET && value_ok(d, search_target(ds->s),
		    m->value, m->vlen)) {
			hop = c->hop;
			search_replied(ds->s, c, m->token);
			search_finish(d, ds, m->value, m->vlen, hop, now);
			return;
		}
		/* a value that is not what we asked for: next candidate */
		search_widen(ds->s, d->cf.alpha);
		d->st.drop[DHT_DROP_BADVALUE]++;
		ratelimit_strike(d->rl, from, now);
		search_failed(ds->s, c);
		search_step(d, ds, now);
		return;
	}
	hop = c->hop + 1u;
	search_replied(ds->s, c, m->token);	/* c may move below */
	for (i = 0; i < m->ncontacts; i++) {
		if (!contact_ok(d, &m->contacts[i])) {
			d->st.drop[DHT_DROP_BADCONTACT]++;
			continue;
		}
		(void)search_add(ds->s, m->contacts[i].id,
		    &m->contacts[i].addr, hop);
	}
	search_step(d, ds, now);
}

/* ---- input ---- */

static void
reply_nodes(struct dht *d, const uint8_t txid[KRPC_TXID_LEN],
    const uint8_t target[KAD_ID_LEN], uint8_t want,
    const struct krpc_addr *to, uint64_t now)
{
	struct rt_entry	*out[DHT_MAX_K + DHT_MAX_K / 4];
	struct krpc_msg	 m;
	size_t		 n, i, bytes = 0, len;

	if (want == 0)
		want = family_bit(to->family);
	krpc_init(&m, KRPC_NODES, txid, d->cf.id);
	if (token_make(d, d->secret, to, m.token) == -1)
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
	struct xfer	*x;

	krpc_init(&r, KRPC_STORE_RES, m->txid, d->cf.id);
	/*
	 * A bad token may come from anyone spoofing `from`: no strike.  A
	 * good one proves the sender gets our datagrams at that address, so
	 * a bad value behind it is held against the address.
	 */
	if (!token_ok(d, m->token, from)) {
		d->st.drop[DHT_DROP_BADTOKEN]++;
		r.status = KRPC_ST_BADTOKEN;
	} else if (!value_ok(d, m->target, m->value, m->vlen)) {
		d->st.drop[DHT_DROP_BADVALUE]++;
		ratelimit_strike(d->rl, from, now);
		r.status = KRPC_ST_BADVALUE;
	} else if (m->flags & KRPC_STORE_FORWARD) {
		/* forwarding only ever moves toward the key */
		x = NULL;
		if (kad_id_cmpdist(d->cf.id, m->id, m->target) < 0)
			x = xfer_new(d, m->target, m->value, m->vlen,
			    XF_FORWARD, m->hops);
		r.status = x != NULL ? KRPC_ST_OK : KRPC_ST_BUSY;
		dht_send_msg(d, &r, from);
		if (x != NULL)
			xfer_forward_next(d, x, now);
		return;
	} else if (dht_closer_count(d, m->target, d->cf.replicas * 2, now) >=
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
	struct pending	 key, *p, pc;
	struct rt_entry	*pingme;
	struct xfer	*x;
	uint32_t	 rtt;
	int		 r, same;

	memcpy(key.txid, m->txid, KRPC_TXID_LEN);
	if ((p = RB_FIND(ptxid, &d->ptxid, &key)) == NULL) {
		d->st.drop[DHT_DROP_UNSOLICITED]++;
		return;
	}
	if (!addr_eq(&p->to, from)) {
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
	pending_free(d, p);
	rtt = now - pc.sent >= RT_RTT_NONE ? RT_RTT_NONE - 1 :
	    (uint32_t)(now - pc.sent);
	/* an answer to a request sent twice times neither send (Karn) */
	if (pc.tries > 1)
		rtt = RT_RTT_NONE;
	else
		routing_rtt_sample(&d->grtt, rtt);
	same = !pc.id_known || kad_id_eq(pc.id, m->id);
	if (!same)
		(void)routing_failed(d->rt, pc.id, now, 0);
	r = routing_replied(d->rt, m->id, from, now, rtt, &pingme);
	after_routing(d, r, m->id, from, pingme, 1, now);

	switch (pc.purpose) {
	case P_PING_BOOT:
		if (!d->booted) {
			d->booted = 1;
			(void)search_start(d, d->cf.id, KRPC_FIND_NODE,
			    S_INTERNAL, 0, now);
		}
		break;
	case P_SEARCH:
		search_reply(d, &pc, m, from, now);
		break;
	case P_XFER_HAVE:
	case P_XFER_STORE:
		if ((x = xfer_get(d, pc.owner)) == NULL ||
		    pc.idx >= x->ntargets)
			break;
		if (!same)
			xfer_target_failed(d, x, pc.idx, now);
		else if (pc.purpose == P_XFER_HAVE)
			xfer_have_reply(d, x, pc.idx, m, now);
		else
			xfer_store_reply(d, x, pc.idx, m->status, now);
		break;
	}
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
	if (sa_to_addr(from, fromlen, &a) == -1) {
		d->st.drop[DHT_DROP_BADADDR]++;
		goto out;
	}
	if (martian(d, &a)) {
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

/* ---- store answers ---- */

static void
storeop_done(struct dht *d, struct storeop *o, int status,
    const uint8_t *data, size_t len, uint64_t now)
{
	struct storeop	 oc = *o;
	struct krpc_msg	 r;
	struct dht_event ev;
	struct xfer	*x;
	int		 found;

	storeop_free(d, o);
	found = status == DHT_STORE_FOUND;
	switch (oc.kind) {
	case SO_SERVE_FV:
		if (found && value_ok(d, oc.key, data, len)) {
			krpc_init(&r, KRPC_VALUE, oc.txid, d->cf.id);
			if (token_make(d, d->secret, &oc.from, r.token) == -1)
				break;
			r.value = data;
			r.vlen = (uint16_t)len;
			dht_send_msg(d, &r, &oc.from);
		} else
			reply_nodes(d, oc.txid, oc.key, oc.want, &oc.from, now);
		break;
	case SO_SERVE_HAVE:
		krpc_init(&r, KRPC_HAVE_RES, oc.txid, d->cf.id);
		if (token_make(d, d->secret, &oc.from, r.token) == -1)
			break;
		r.have = found ? 1 : 0;
		dht_send_msg(d, &r, &oc.from);
		break;
	case SO_GET:
		if (found && value_ok(d, oc.key, data, len)) {
			memset(&ev, 0, sizeof(ev));
			ev.type = DHT_EV_GET;
			ev.cookie = oc.ucookie;
			memcpy(ev.key, oc.key, KAD_ID_LEN);
			ev.value = data;
			ev.vlen = len;
			ev.local = 1;
			d->io.event(d->io.arg, &ev);
			break;
		}
		if (search_start(d, oc.key, KRPC_FIND_VALUE, S_GET,
		    oc.ucookie, now) == -1) {
			memset(&ev, 0, sizeof(ev));
			ev.type = DHT_EV_GET;
			ev.status = -1;
			ev.cookie = oc.ucookie;
			memcpy(ev.key, oc.key, KAD_ID_LEN);
			d->io.event(d->io.arg, &ev);
		}
		break;
	case SO_MIGRATE:
		x = NULL;
		if (found && value_ok(d, oc.key, data, len))
			x = xfer_new(d, oc.key, data, len, oc.mode, 0);
		if (x == NULL) {
			if (--d->mig_active == 0)
				xfer_scan_continue(d, now);
			break;
		}
		x->migrate = 1;
		x->stored = 1;
		if (oc.mode == XF_FORWARD)
			xfer_forward_next(d, x, now);
		else
			xfer_become_closest(d, x, now);
		break;
	case SO_SCAN:
		/* an error answer ends this scan */
		d->scan_more = 0;
		xfer_scan_continue(d, now);
		break;
	}
}

int
dht_store_reply(struct dht *d, uint64_t cookie, int status,
    const void *data, size_t len, uint64_t now)
{
	struct storeop	key, *o;

	ENTER(d);
	key.cookie = cookie;
	if ((o = RB_FIND(otree, &d->storeops, &key)) == NULL) {
		LEAVE(d);
		errno = ENOENT;
		return (-1);
	}
	/* HAVE answers carry no data; the others are checked by value_ok */
	if (status != DHT_STORE_FOUND && status != DHT_STORE_NOTFOUND)
		status = DHT_STORE_ERROR;
	if (status != DHT_STORE_FOUND || len > KRPC_MAX_VALUE ||
	    (data == NULL && len != 0)) {
		if (status == DHT_STORE_FOUND)
			status = DHT_STORE_ERROR;
		data = NULL;
		len = 0;
	}
	storeop_done(d, o, status, data, len, now);
	LEAVE(d);
	return (0);
}

int
dht_store_scan_reply(struct dht *d, uint64_t cookie,
    const uint8_t (*keys)[KAD_ID_LEN], size_t n, uint64_t now)
{
	struct storeop	 key, *o, *g;
	size_t		 i;
	uint8_t		 mode;

	ENTER(d);
	key.cookie = cookie;
	if ((o = RB_FIND(otree, &d->storeops, &key)) == NULL ||
	    o->kind != SO_SCAN || n > DHT_SCAN_BATCH ||
	    (n > 0 && keys == NULL)) {
		LEAVE(d);
		errno = o == NULL ? ENOENT : EINVAL;
		return (-1);
	}
	storeop_free(d, o);
	d->scan_more = n == DHT_SCAN_BATCH;
	if (n > 0)
		memcpy(d->scan_after, keys[n - 1], KAD_ID_LEN);
	/* count first so that no transfer ends the batch early */
	d->mig_active++;
	for (i = 0; i < n; i++) {
		if ((mode = xfer_migrate_decide(d, keys[i], now)) == 0)
			continue;
		if (d->nxfers + d->mig_active >= d->cf.maxxfers / 2)
			break;	/* migration takes at most half; next scan */
		if ((g = dht_storeop_new(d, SO_MIGRATE, keys[i], now)) == NULL)
			break;
		g->mode = mode;
		d->mig_active++;
		dht_store_request(d, DHT_STORE_GET, g->cookie, keys[i], NULL, 0,
		    0);
	}
	if (--d->mig_active == 0)
		xfer_scan_continue(d, now);
	LEAVE(d);
	return (0);
}

/* ---- timers ---- */

static void
pending_timeout(struct dht *d, struct pending *p, uint64_t now)
{
	struct pending	 pc;
	struct dsearch	*ds;
	struct search_cand *c;
	struct xfer	*x;
	struct rt_entry	*e;
	int		 again;

	again = p->tries < d->cf.rpc_tries && p->dgram != NULL;
	if (again || (p->purpose == P_SEARCH && !p->soft)) {
		RB_REMOVE(ptime, &d->ptime, p);
		if (again) {
			/*
			 * The request or its answer may be lost: again, and
			 * after the last send wait twice as long (a first
			 * contact is timed by the estimate over all peers,
			 * and the far tail of round trips is beyond it).  An
			 * answer to any of the sends is taken.
			 */
			p->tries++;
			p->deadline = now + (uint64_t)p->rto *
			    (p->tries == d->cf.rpc_tries ? 2 : 1);
			send_bytes(d, p->dgram, p->dlen, p->type, &p->to);
			d->st.retransmits++;
		} else
			p->deadline = p->sent + 2 * (uint64_t)p->rto;
		pending_insert_time(d, p);
		if (p->purpose != P_SEARCH || p->soft)
			return;
		/* soft timeout: let the lookup ask someone else meanwhile */
		p->soft = 1;
		if ((ds = search_get(d, p->owner)) != NULL &&
		    (c = search_find(ds->s, p->id)) != NULL) {
			search_widen(ds->s, d->cf.alpha);
			search_slow(ds->s, c);
			search_step(d, ds, now);
		}
		return;
	}
	pc = *p;
	pc.dgram = NULL;
	pending_free(d, p);
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
	switch (pc.purpose) {
	case P_SEARCH:
		if ((ds = search_get(d, pc.owner)) == NULL)
			break;
		search_widen(ds->s, d->cf.alpha);
		if ((c = search_find(ds->s, pc.id)) != NULL)
			search_failed(ds->s, c);
		search_step(d, ds, now);
		break;
	case P_XFER_HAVE:
	case P_XFER_STORE:
		if ((x = xfer_get(d, pc.owner)) != NULL && pc.idx < x->ntargets)
			xfer_target_failed(d, x, pc.idx, now);
		break;
	}
}

int
dht_timer(struct dht *d, uint64_t now)
{
	struct pending	*p;
	struct storeop	*o;
	uint8_t		 rnd[KAD_ID_LEN], target[KAD_ID_LEN];

	ENTER(d);
	while ((p = RB_MIN(ptime, &d->ptime)) != NULL && p->deadline <= now)
		pending_timeout(d, p, now);
	boot_retry(d, now);
	if (now >= d->token_next) {
		memcpy(d->oldsecret, d->secret, KAD_ID_LEN);
		d->io.random(d->io.arg, d->secret, KAD_ID_LEN);
		d->token_next = now + d->cf.token_ms;
	}
	while (routing_count(d->rt) > 0 && d->nrefresh < DHT_MAX_REFRESH &&
	    d->nsearches < d->cf.maxsearches) {
		d->io.random(d->io.arg, rnd, sizeof(rnd));
		if (!routing_refresh(d->rt, now, d->cf.refresh_ms, rnd, target))
			break;
		if (search_start(d, target, KRPC_FIND_NODE, S_INTERNAL, 0,
		    now) == -1)
			break;
	}
	if (d->cf.migrate_ms != 0 && !d->scanning && now >= d->migrate_next) {
		memset(d->scan_after, 0, KAD_ID_LEN);
		d->scan_more = 1;
		xfer_scan_issue(d, now);
	}
	/* the store never answered: forget the request */
	while ((o = RB_MIN(otree, &d->storeops)) != NULL &&
	    o->created + d->cf.storeop_ms <= now)
		storeop_done(d, o, DHT_STORE_ERROR, NULL, 0, now);
	LEAVE(d);
	return (0);
}

uint64_t
dht_next_timer(struct dht *d)
{
	struct pending	*p;
	struct storeop	*o;
	uint64_t	 t = d->token_next, r;

	if ((p = RB_MIN(ptime, &d->ptime)) != NULL && p->deadline < t)
		t = p->deadline;
	if (d->cf.migrate_ms != 0 && !d->scanning && d->migrate_next < t)
		t = d->migrate_next;
	if (routing_count(d->rt) > 0 && d->nrefresh < DHT_MAX_REFRESH &&
	    d->nsearches < d->cf.maxsearches) {
		r = routing_next_refresh(d->rt, d->cf.refresh_ms);
		if (r < t)
			t = r;
	}
	if ((o = RB_MIN(otree, &d->storeops)) != NULL &&
	    o->created + d->cf.storeop_ms < t)
		t = o->created + d->cf.storeop_ms;
	if (d->nboot > 0 && routing_count(d->rt) == 0 && d->boot_next < t)
		t = d->boot_next;
	return (t);
}

/*
 * A node that knows nobody pings its bootstrap addresses again, at 2 s,
 * 4 s, ... up to a minute apart: the first ping or its answer may have
 * been lost, or the bootstrap node may not have been up yet.
 */
static void
boot_retry(struct dht *d, uint64_t now)
{
	unsigned	i;

	if (routing_count(d->rt) > 0) {
		d->boot_wait = DHT_BOOT_WAIT_MIN;
		return;
	}
	if (d->nboot == 0 || now < d->boot_next)
		return;
	for (i = 0; i < d->nboot; i++)
		(void)send_ping(d, NULL, &d->boot[i], P_PING_BOOT, now);
	d->boot_next = now + d->boot_wait;
	d->boot_wait = d->boot_wait >= DHT_BOOT_WAIT_MAX / 2 ?
	    DHT_BOOT_WAIT_MAX : d->boot_wait * 2;
}

static void
boot_remember(struct dht *d, const struct krpc_addr *a, uint64_t now)
{
	unsigned	i;

	for (i = 0; i < d->nboot; i++)
		if (addr_eq(&d->boot[i], a))
			break;
	if (i == d->nboot) {
		if (d->nboot < DHT_MAX_BOOT)
			d->nboot++;
		else
			memmove(&d->boot[0], &d->boot[1],
			    (DHT_MAX_BOOT - 1) * sizeof(d->boot[0]));
		d->boot[d->nboot - 1] = *a;
	}
	d->boot_wait = DHT_BOOT_WAIT_MIN;
	d->boot_next = now + d->boot_wait;
}

/* ---- the application's calls ---- */

int
dht_ping(struct dht *d, const struct sockaddr *sa, socklen_t salen,
    uint64_t now)
{
	struct krpc_addr	a;
	int			r;

	ENTER(d);
	if (sa_to_addr(sa, salen, &a) == -1 || martian(d, &a)) {
		LEAVE(d);
		errno = EINVAL;
		return (-1);
	}
	boot_remember(d, &a, now);
	r = send_ping(d, NULL, &a, P_PING_BOOT, now);
	LEAVE(d);
	if (r == -1)
		errno = EBUSY;
	return (r);
}

int
dht_lookup(struct dht *d, const uint8_t target[KAD_ID_LEN], uint64_t cookie,
    uint64_t now)
{
	int	r;

	ENTER(d);
	r = search_start(d, target, KRPC_FIND_NODE, S_LOOKUP, cookie, now);
	LEAVE(d);
	return (r);
}

int
dht_get(struct dht *d, const uint8_t key[KAD_ID_LEN], uint64_t cookie,
    uint64_t now)
{
	struct storeop	*o;
	int		 r = 0;

	ENTER(d);
	if ((o = dht_storeop_new(d, SO_GET, key, now)) == NULL)
		r = search_start(d, key, KRPC_FIND_VALUE, S_GET, cookie, now);
	else {
		o->ucookie = cookie;
		dht_store_request(d, DHT_STORE_GET, o->cookie, key, NULL, 0, 0);
	}
	LEAVE(d);
	return (r);
}

/* dht_get for a key the caller's store has just been found to lack. */
int
dht_fetch(struct dht *d, const uint8_t key[KAD_ID_LEN], uint64_t cookie,
    uint64_t now)
{
	int	 r;

	ENTER(d);
	r = search_start(d, key, KRPC_FIND_VALUE, S_GET, cookie, now);
	LEAVE(d);
	return (r);
}

int
dht_put(struct dht *d, const uint8_t key[KAD_ID_LEN], const void *data,
    size_t len, uint64_t cookie, uint64_t now)
{
	struct xfer	*x;

	ENTER(d);
	if (len == 0 || len > KRPC_MAX_VALUE || !value_ok(d, key, data, len)) {
		LEAVE(d);
		errno = EINVAL;
		return (-1);
	}
	if ((x = xfer_new(d, key, data, len, XF_FORWARD, 0)) == NULL) {
		LEAVE(d);
		errno = EBUSY;
		return (-1);
	}
	x->origin = 1;
	x->cookie = cookie;
	xfer_forward_next(d, x, now);
	LEAVE(d);
	return (0);
}

ssize_t
dht_save(struct dht *d, void *buf, size_t len)
{
	return (routing_save(d->rt, buf, len));
}

size_t
dht_save_size(struct dht *d)
{
	return (routing_save_size(d->rt));
}

int
dht_load(struct dht *d, const void *buf, size_t len, uint64_t now)
{
	int	n;

	ENTER(d);
	n = routing_load(d->rt, buf, len, now);
	/* rejoin: a lookup of our own id confirms the loaded contacts */
	if (n > 0) {
		d->booted = 1;
		(void)search_start(d, d->cf.id, KRPC_FIND_NODE, S_INTERNAL, 0,
		    now);
	}
	LEAVE(d);
	return (n);
}

const struct dht_stats *
dht_stats(struct dht *d)
{
	return (&d->st);
}

unsigned
dht_get_ms_pct(const struct dht_stats *st, unsigned pct)
{
	uint64_t	 n = 0, want, seen = 0;
	unsigned	 i;

	for (i = 0; i <= DHT_GET_MS_MAX; i++)
		n += st->get_ms[i];
	if (n == 0)
		return (0);
	if (pct > 100)
		pct = 100;
	/* the smallest duration with at least pct% of lookups at or below */
	want = (n * pct + 99) / 100;
	if (want == 0)
		want = 1;
	for (i = 0; i < DHT_GET_MS_MAX; i++) {
		seen += st->get_ms[i];
		if (seen >= want)
			return (i);
	}
	return (DHT_GET_MS_MAX);
}

size_t
dht_nodes(struct dht *d)
{
	return (routing_count(d->rt));
}

size_t
dht_mem(struct dht *d)
{
	struct dsearch	*ds;
	size_t		 n;

	n = sizeof(*d) + routing_mem(d->rt) + ratelimit_mem(d->rl);
	n += (size_t)d->npending * sizeof(struct pending) + d->pending_bytes;
	n += (size_t)d->nxfers * sizeof(struct xfer);
	n += (size_t)d->nstoreops * sizeof(struct storeop);
	RB_FOREACH(ds, stree, &d->searches)
		n += sizeof(*ds) + search_mem(ds->s);
	return (n);
}

struct routing *
dht_routing(struct dht *d)
{
	return (d->rt);
}

const uint8_t *
dht_id(struct dht *d)
{
	return (d->cf.id);
}

/* ---- life cycle ---- */

void
dht_config_defaults(struct dht_config *cf)
{
	memset(cf, 0, sizeof(*cf));
	cf->martians = DHT_MARTIAN_AUTO;
	cf->k = 20;
	cf->alpha = 3;
	cf->replicas = 8;
	cf->hoplimit = 16;
	cf->nrepl = 8;
	cf->maxbuckets = 160;
	cf->maxsearches = 2048;
	cf->maxpending = 8192;
	cf->maxxfers = 512;
	cf->maxstoreops = 4096;
	cf->rto_default = 1000;
	cf->rto_min = 400;
	cf->rto_max = 4000;
	cf->rpc_tries = 3;
	cf->refresh_ms = 15 * 60 * 1000;
	cf->token_ms = 5 * 60 * 1000;
	cf->migrate_ms = 60 * 60 * 1000;
	cf->storeop_ms = 10 * 1000;
	ratelimit_defaults(&cf->rl);
}

static int
config_ok(const struct dht_config *cf, const struct dht_io *io)
{
	if (kad_id_iszero(cf->id) || cf->k == 0 || cf->k > DHT_MAX_K ||
	    cf->alpha == 0 || cf->alpha > cf->k || cf->replicas == 0 ||
	    cf->replicas > DHT_MAX_REPLICAS || cf->hoplimit == 0 ||
	    cf->hoplimit > 255 || cf->maxbuckets == 0 ||
	    cf->maxbuckets > RT_MAX_BUCKETS || cf->maxsearches == 0 ||
	    cf->maxpending == 0 || cf->maxxfers == 0 ||
	    cf->maxstoreops == 0 || cf->rto_min == 0 ||
	    cf->rto_min > cf->rto_default || cf->rto_default > cf->rto_max ||
	    cf->rpc_tries == 0 || cf->rpc_tries > 4 ||
	    cf->refresh_ms == 0 || cf->token_ms == 0 ||
	    cf->storeop_ms == 0 || (cf->families & ~KRPC_WANT_MASK) != 0 ||
	    cf->martians < DHT_MARTIAN_AUTO ||
	    cf->martians > DHT_MARTIAN_STRICT)
		return (0);
	if (io->send == NULL || io->random == NULL || io->store == NULL ||
	    io->event == NULL)
		return (0);
	return (1);
}

struct dht *
dht_new(const struct dht_config *cf, const struct dht_io *io, uint64_t now)
{
	struct dht	*d;
	uint8_t		 rlkey[16];
	socklen_t	 blen;

	if (!config_ok(cf, io)) {
		errno = EINVAL;
		return (NULL);
	}
	if ((d = calloc(1, sizeof(*d))) == NULL)
		return (NULL);
	d->cf = *cf;
	d->io = *io;
	RB_INIT(&d->ptxid);
	RB_INIT(&d->ptime);
	RB_INIT(&d->searches);
	RB_INIT(&d->xfers);
	RB_INIT(&d->storeops);
	d->next_sid = d->next_xid = 1;
	d->next_cookie = 1;

	blen = cf->bind.ss_family == AF_INET ? sizeof(struct sockaddr_in) :
	    sizeof(struct sockaddr_in6);
	if (sa_to_addr((const struct sockaddr *)&cf->bind, blen,
	    &d->self_addr) == 0) {
		d->self_known = d->self_addr.port != 0;
		if (d->cf.families == 0)
			d->cf.families = family_bit(d->self_addr.family);
		d->allow_loopback = is_loopback(&d->self_addr);
	} else if (d->cf.families == 0)
		d->cf.families = KRPC_WANT4 | KRPC_WANT6;
	if (cf->martians == DHT_MARTIAN_LOOPBACK)
		d->allow_loopback = 1;
	else if (cf->martians == DHT_MARTIAN_STRICT)
		d->allow_loopback = 0;

	io->random(io->arg, rlkey, sizeof(rlkey));
	d->rt = routing_new(cf->id, cf->k, cf->nrepl, cf->maxbuckets);
	d->rl = ratelimit_new(&cf->rl, rlkey);
	explicit_bzero(rlkey, sizeof(rlkey));
	d->md = EVP_MD_fetch(NULL, "SHA256", NULL);
	d->mdctx = EVP_MD_CTX_new();
	if (d->rt == NULL || d->rl == NULL || d->md == NULL ||
	    d->mdctx == NULL) {
		dht_free(d);
		errno = ENOMEM;
		return (NULL);
	}
	io->random(io->arg, d->secret, KAD_ID_LEN);
	io->random(io->arg, d->oldsecret, KAD_ID_LEN);
	d->token_next = now + cf->token_ms;
	d->migrate_next = now + cf->migrate_ms;
	d->boot_wait = DHT_BOOT_WAIT_MIN;
	return (d);
}

void
dht_free(struct dht *d)
{
	struct pending	*p;
	struct dsearch	*ds;
	struct storeop	*o;

	if (d == NULL)
		return;
	while ((p = RB_MIN(ptxid, &d->ptxid)) != NULL)
		pending_free(d, p);
	while ((ds = RB_MIN(stree, &d->searches)) != NULL) {
		RB_REMOVE(stree, &d->searches, ds);
		search_free(ds->s);
		free(ds);
	}
	xfer_free_all(d);
	while ((o = RB_MIN(otree, &d->storeops)) != NULL)
		storeop_free(d, o);
	routing_free(d->rt);
	ratelimit_free(d->rl);
	EVP_MD_CTX_free(d->mdctx);
	EVP_MD_free(d->md);
	explicit_bzero(d->secret, sizeof(d->secret));
	explicit_bzero(d->oldsecret, sizeof(d->oldsecret));
	free(d);
}
