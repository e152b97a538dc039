/* SPDX-License-Identifier: ISC */
/*
 * Tests for kadnet/dht.c and kadnet/search.c (protocol version 2): first
 * the input rules of one node fed hand-made messages as its session
 * layer would hand them over, with the sender's key and whether its
 * address has proved itself (martians, malformed, our own key, replies
 * from the peer asked, rate limits, STOREs only over proved keys, which
 * contact moves where), then a network of 1,000 nodes in the simulator
 * of tests/sim (a deterministic clock, RNG and latency, and a model of
 * the session layer: nodes are keys, ids their hashes), driven only
 * through the dht_* entry points: lookups must find the true k closest
 * live nodes, GET and PUT must place and find chunks, migration must
 * repair replicas, and a restarted node must rejoin from its saved
 * routing table.
 *
 *   KAD_SIM_NODES=n	network size (default 1000; 250 under valgrind)
 *   KAD_SIM_SEED=n	another deterministic run
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

#include <openssl/evp.h>

#include "kadnet/dht.h"
#include "kadnet/krpc.h"
#include "kadnet/node_id.h"
#include "kadnet/routing.h"
#include "kadnet/search.h"
#include "tests/sim/sim.h"
#include "tests/test.h"

#define K		20

static uint64_t	prng_state = 0x2545f4914f6cdd1dULL;
static uint64_t	now;

static uint64_t
prng(void)
{
	prng_state ^= prng_state >> 12;
	prng_state ^= prng_state << 25;
	prng_state ^= prng_state >> 27;
	return (prng_state * 0x2545f4914f6cdd1dULL);
}

static void
rnd_bytes(void *arg, void *buf, size_t len)
{
	uint8_t	*p = buf;
	size_t	 i;

	(void)arg;
	for (i = 0; i < len; i++)
		p[i] = (uint8_t)(prng() >> 32);
}

static void
sha256(const void *p, size_t len, uint8_t out[32])
{
	unsigned int	n = 32;

	if (EVP_Digest(p, len, out, &n, EVP_sha256(), NULL) != 1)
		abort();
}

static void
mksin(struct sockaddr_in *sin, uint32_t ip, uint16_t port)
{
	memset(sin, 0, sizeof(*sin));
	sin->sin_family = AF_INET;
	sin->sin_addr.s_addr = htonl(ip);
	sin->sin_port = htons(port);
}

/* ---------------- part 1: one node, hand-made messages ---------------- */

#define NCAP	64

struct cap {
	uint8_t		 buf[NCAP][KRPC_MAX_MSG];
	size_t		 len[NCAP];
	struct sockaddr_in to[NCAP];
	uint8_t		 pub[NCAP][KRPC_KEY_LEN];
	int		 haspub[NCAP];	/* 0: sent to an address, no key */
	size_t		 room[NCAP];
	size_t		 n;
	size_t		 badroom;	/* reply_room not the request's */
	size_t		 badpub;	/* no key but not a PING, or ours */
	size_t		 puts, gets, haves;
	uint64_t	 cookie;	/* last store request */
	uint8_t		 self[KRPC_KEY_LEN];	/* the node's key */
	struct dht	*dht;
	struct dht	*reenter_dht;
	int		 reenter;	/* errno seen by a re-entrant call */
};

/*
 * Every message the node sends is checked here: its reply_room is what
 * the request can draw (0 for answers and for STORE, which waits for a
 * proved session), and only a PING may go to a bare address.
 */
static void
cap_send(void *arg, const uint8_t *pub, const void *buf, size_t len,
    const struct sockaddr *to, socklen_t tolen, size_t reply_room)
{
	struct cap	*c = arg;
	struct krpc_msg	 m;
	enum krpc_err	 why;
	size_t		 i, want = 0;

	if (krpc_decode(buf, len, &m, &why) == -1)
		c->badroom++;
	else {
		if (KRPC_IS_REQUEST(m.type) && m.type != KRPC_STORE)
			want = krpc_reply_max(m.type);
		if (reply_room != want)
			c->badroom++;
		if ((pub == NULL && m.type != KRPC_PING) || (pub != NULL &&
		    memcmp(pub, c->self, KRPC_KEY_LEN) == 0))
			c->badpub++;
	}
	if (tolen != sizeof(struct sockaddr_in) || len > KRPC_MAX_MSG)
		return;
	i = c->n < NCAP ? c->n++ : NCAP - 1;	/* the last one always kept */
	memcpy(c->buf[i], buf, len);
	c->len[i] = len;
	memcpy(&c->to[i], to, sizeof(c->to[0]));
	c->haspub[i] = pub != NULL;
	if (pub != NULL)
		memcpy(c->pub[i], pub, KRPC_KEY_LEN);
	else
		memset(c->pub[i], 0, KRPC_KEY_LEN);
	c->room[i] = reply_room;
}

static void
cap_store(void *arg, const struct dht_store_req *r)
{
	struct cap	*c = arg;

	c->cookie = r->cookie;
	if (r->op == DHT_STORE_PUT)
		c->puts++;
	else if (r->op == DHT_STORE_GET)
		c->gets++;
	else if (r->op == DHT_STORE_HAVE)
		c->haves++;
}

static void
cap_event(void *arg, const struct dht_event *ev)
{
	struct cap	*c = arg;
	uint8_t		 t[KAD_ID_LEN];

	(void)ev;
	memset(t, 1, sizeof(t));
	if (c->reenter_dht != NULL &&
	    dht_lookup(c->reenter_dht, t, 0, now) == -1)
		c->reenter = errno;
}

/* decode the last message the node sent */
static int
cap_last(struct cap *c, struct krpc_msg *m)
{
	enum krpc_err	why;

	if (c->n == 0)
		return (-1);
	return (krpc_decode(c->buf[c->n - 1], c->len[c->n - 1], m, &why));
}

/* The last message captured went to key pub at ip:port. */
static int
cap_last_to(const struct cap *c, const uint8_t *pub, uint32_t ip,
    uint16_t port)
{
	size_t	i;

	if (c->n == 0)
		return (0);
	i = c->n - 1;
	if (c->to[i].sin_addr.s_addr != htonl(ip) ||
	    ntohs(c->to[i].sin_port) != port)
		return (0);
	if (pub == NULL)
		return (!c->haspub[i]);
	return (c->haspub[i] && memcmp(c->pub[i], pub, KRPC_KEY_LEN) == 0);
}

/* A random key and its node ID. */
static void
mkkey(uint8_t pub[KRPC_KEY_LEN], uint8_t id[KAD_ID_LEN])
{
	rnd_bytes(NULL, pub, KRPC_KEY_LEN);
	if (kad_node_id(pub, id) == -1)
		abort();
}

/* A random key whose node ID is closer to (near) or farther from key. */
static void
mkkey_dist(uint8_t pub[KRPC_KEY_LEN], uint8_t id[KAD_ID_LEN],
    const uint8_t key[KAD_ID_LEN], const uint8_t ref[KAD_ID_LEN], int near)
{
	do
		mkkey(pub, id);
	while ((kad_id_cmpdist(id, ref, key) < 0) != near);
}

static size_t
mkmsg(uint8_t *buf, uint8_t type, const uint8_t txid[8],
    const uint8_t *target)
{
	struct krpc_msg	m;
	ssize_t		n;

	krpc_init(&m, type, txid);
	if (target != NULL)
		memcpy(m.target, target, KAD_ID_LEN);
	n = krpc_encode(&m, buf, KRPC_MAX_MSG);
	return (n < 0 ? 0 : (size_t)n);
}

/* A STORE of val under key. */
static size_t
mkstore(uint8_t *buf, const uint8_t txid[8], const uint8_t key[32],
    const uint8_t *val, size_t vlen, uint8_t flags)
{
	struct krpc_msg	m;
	ssize_t		n;

	krpc_init(&m, KRPC_STORE, txid);
	memcpy(m.target, key, KAD_ID_LEN);
	m.flags = flags;
	m.value = val;
	m.vlen = (uint16_t)vlen;
	n = krpc_encode(&m, buf, KRPC_MAX_MSG);
	return (n < 0 ? 0 : (size_t)n);
}

static struct dht *
mknode(struct cap *c, uint32_t ip, int martians)
{
	struct dht_config	cf;
	struct dht_io		io;
	struct sockaddr_in	sin;

	memset(c, 0, sizeof(*c));
	dht_config_defaults(&cf);
	rnd_bytes(NULL, cf.pub, KRPC_KEY_LEN);
	memcpy(c->self, cf.pub, KRPC_KEY_LEN);
	mksin(&sin, ip, 9999);
	memcpy(&cf.bind, &sin, sizeof(sin));
	cf.martians = martians;
	cf.rl.rate = 10;
	cf.rl.burst = 20;
	cf.rl.ban_strikes = 50;
	memset(&io, 0, sizeof(io));
	io.arg = c;
	io.send = cap_send;
	io.random = rnd_bytes;
	io.store = cap_store;
	io.event = cap_event;
	c->dht = dht_new(&cf, &io, now);
	return (c->dht);
}

static int
input(struct dht *d, const uint8_t *pub, int validated, const uint8_t *buf,
    size_t len, uint32_t ip, uint16_t port)
{
	struct sockaddr_in	sin;

	mksin(&sin, ip, port);
	return (dht_input(d, pub, validated, buf, len, (struct sockaddr *)&sin,
	    sizeof(sin), now));
}

static int
peer_up(struct dht *d, const uint8_t *pub, uint32_t ip, uint16_t port)
{
	struct sockaddr_in	sin;

	mksin(&sin, ip, port);
	return (dht_peer_up(d, pub, (struct sockaddr *)&sin, sizeof(sin),
	    now));
}

/* The contact with node ID id is at ip:port (and has key pub). */
static int
contact_at(struct dht *d, const uint8_t id[KAD_ID_LEN], const uint8_t *pub,
    uint32_t ip, uint16_t port)
{
	const struct rt_entry	*e;
	uint8_t			 a[4];

	if ((e = routing_find(dht_routing(d), id)) == NULL)
		return (0);
	a[0] = ip >> 24;
	a[1] = (ip >> 16) & 0xff;
	a[2] = (ip >> 8) & 0xff;
	a[3] = ip & 0xff;
	return (e->addr.family == KRPC_AF_INET && e->addr.port == port &&
	    memcmp(e->addr.ip, a, 4) == 0 &&
	    memcmp(e->pub, pub, KRPC_KEY_LEN) == 0);
}

/* The sends so far all had the right key and reply room. */
static void
check_sends(const struct cap *c, const char *what)
{
	CHECK(c->badroom == 0 && c->badpub == 0, "%s: every send had the "
	    "request's reply_room (0 for answers and STORE) and a key unless "
	    "a PING to an address (%zu, %zu wrong)", what, c->badroom,
	    c->badpub);
}

static void
test_input_rules(void)
{
	static struct cap	 c, c2;
	struct dht		*d, *d2;
	const struct dht_stats	*st;
	const struct rt_entry	*e;
	struct krpc_msg		 m;
	struct sockaddr_in	 sin;
	struct sockaddr_in6	 sin6;
	uint8_t			 buf[KRPC_MAX_MSG], txid[8], key[32];
	uint8_t			 pa[32], ida[32], pb[32], idb[32];
	uint8_t			 px[32], idx[32], val[100];
	size_t			 len, i, sent;
	uint64_t		 before, b0, u0;

	now = 1000000;
	d = mknode(&c, 0x7f000001, DHT_MARTIAN_AUTO);
	CHECK(d != NULL, "dht_new");
	if (d == NULL)
		return;
	st = dht_stats(d);
	mkkey(pa, ida);
	rnd_bytes(NULL, txid, sizeof(txid));
	len = mkmsg(buf, KRPC_PING, txid, NULL);

	/* a loopback peer is fine when we are bound to loopback */
	input(d, pa, 1, buf, len, 0x7f000002, 4000);
	CHECK(c.n == 1 && cap_last(&c, &m) == 0 && m.type == KRPC_PONG &&
	    memcmp(m.txid, txid, 8) == 0 &&
	    cap_last_to(&c, pa, 0x7f000002, 4000) && c.room[0] == 0,
	    "PING from 127.0.0.2 answered with PONG to its key, same txid, "
	    "no reply room");
	e = routing_find(dht_routing(d), ida);
	CHECK(dht_nodes(d) == 1 && e != NULL && routing_good(e, now) &&
	    contact_at(d, ida, pa, 0x7f000002, 4000),
	    "a request over proved keys: its sender is a good contact under "
	    "the node ID of its key, and no confirming PING goes out");
	/* the same inside a handshake's first message */
	mkkey(pb, idb);
	c.n = 0;
	input(d, pb, 0, buf, len, 0x7f000003, 4000);
	e = routing_find(dht_routing(d), idb);
	CHECK(c.n == 1 && cap_last(&c, &m) == 0 && m.type == KRPC_PONG &&
	    cap_last_to(&c, pb, 0x7f000003, 4000) && e != NULL &&
	    !routing_good(e, now) && dht_nodes(d) == 2,
	    "an unproved PING: answered, its sender added but not good");

	c.n = 0;
	input(d, pa, 1, buf, len, 0x00000001, 4000);
	input(d, pa, 1, buf, len, 0xe0000001, 4000);
	input(d, pa, 1, buf, len, 0xffffffff, 4000);
	input(d, pa, 1, buf, len, 0x0a000001, 0);
	CHECK(c.n == 0 && st->drop[DHT_DROP_MARTIAN] == 4,
	    "0/8, multicast, broadcast, port 0: dropped as martians");
	memset(&sin6, 0, sizeof(sin6));
	sin6.sin6_family = AF_INET6;
	sin6.sin6_port = htons(1);
	sin6.sin6_addr.s6_addr[0] = 0xfe;
	sin6.sin6_addr.s6_addr[1] = 0x80;
	dht_input(d, pa, 1, buf, len, (struct sockaddr *)&sin6, sizeof(sin6),
	    now);
	sin6.sin6_addr.s6_addr[0] = 0;
	sin6.sin6_addr.s6_addr[1] = 0;
	sin6.sin6_addr.s6_addr[10] = 0xff;
	sin6.sin6_addr.s6_addr[11] = 0xff;
	dht_input(d, pa, 1, buf, len, (struct sockaddr *)&sin6, sizeof(sin6),
	    now);
	CHECK(c.n == 0 && st->drop[DHT_DROP_MARTIAN] == 6,
	    "IPv6 link-local and v4-mapped: martians");
	CHECK(contact_at(d, ida, pa, 0x7f000002, 4000),
	    "and a martian source moves no contact");
	mksin(&sin, 0x0a000001, 1);
	dht_input(d, pa, 1, buf, len, (struct sockaddr *)&sin,
	    sizeof(sin) - 1, now);
	dht_input(d, pa, 1, buf, len, (struct sockaddr *)&sin6, sizeof(sin),
	    now);
	CHECK(c.n == 0 && st->drop[DHT_DROP_BADADDR] == 2,
	    "sockaddr length not matching its family: dropped");

	/* malformed messages are counted by reason */
	input(d, pa, 1, buf, len - 1, 0x0a000001, 1);
	buf[2] = 9;
	input(d, pa, 1, buf, len, 0x0a000001, 1);
	buf[2] = KRPC_VERSION;
	CHECK(c.n == 0 && st->drop[DHT_DROP_MALFORMED] == 2 &&
	    st->malformed[KRPC_E_SHORT] == 1 &&
	    st->malformed[KRPC_E_VERSION] == 1,
	    "short and bad-version messages counted by reason");
	CHECK(contact_at(d, ida, pa, 0x7f000002, 4000),
	    "and a malformed message moves no contact");
	/* a message from our own key */
	input(d, c.self, 1, buf, len, 0x0a000001, 1);
	input(d, c.self, 0, buf, len, 0x0a000001, 1);
	CHECK(c.n == 0 && st->drop[DHT_DROP_SELFID] == 2 &&
	    dht_nodes(d) == 2, "our own key, proved or not: dropped");
	CHECK(peer_up(d, c.self, 0x0a000001, 1) == -1 && errno == EINVAL &&
	    dht_nodes(d) == 2, "a handshake with our own key: refused");
	CHECK(peer_up(d, pa, 0x00000001, 1) == -1 && errno == EINVAL &&
	    contact_at(d, ida, pa, 0x7f000002, 4000),
	    "a handshake from a martian address: refused, nothing moved");

	/* replies must answer a request of ours, from the peer asked */
	mkkey(px, idx);
	len = mkmsg(buf, KRPC_PONG, txid, NULL);
	input(d, px, 1, buf, len, 0x0a000001, 1);
	CHECK(st->drop[DHT_DROP_UNSOLICITED] == 1, "unsolicited PONG dropped");
	mksin(&sin, 0x0a000005, 5000);
	CHECK(dht_ping(d, (struct sockaddr *)&sin, sizeof(sin), now) == 0 &&
	    c.n == 1 && cap_last(&c, &m) == 0 && m.type == KRPC_PING &&
	    cap_last_to(&c, NULL, 0x0a000005, 5000) &&
	    c.room[0] == krpc_reply_max(KRPC_PING),
	    "dht_ping sends a PING to a bare address (no key), with room "
	    "for a PONG");
	memcpy(txid, m.txid, 8);
	len = mkmsg(buf, KRPC_PONG, txid, NULL);
	input(d, px, 1, buf, len, 0x0a000006, 5000);
	CHECK(st->drop[DHT_DROP_WRONGSRC] == 1, "a bootstrap PING's PONG from "
	    "another address: WRONGSRC");
	len = mkmsg(buf, KRPC_HAVE_RES, txid, NULL);
	input(d, px, 1, buf, len, 0x0a000005, 5000);
	CHECK(st->drop[DHT_DROP_WRONGTYPE] == 1, "HAVE_RES to a PING dropped");
	len = mkmsg(buf, KRPC_PONG, txid, NULL);
	input(d, px, 0, buf, len, 0x0a000005, 5000);
	CHECK(st->drop[DHT_DROP_UNPROVED] == 1 &&
	    routing_find(dht_routing(d), idx) == NULL,
	    "a PONG inside a handshake's first message (anyone's to forge): "
	    "UNPROVED, nobody added");
	before = dht_nodes(d);
	input(d, px, 1, buf, len, 0x0a000005, 5000);
	e = routing_find(dht_routing(d), idx);
	CHECK(dht_nodes(d) == before + 1 && e != NULL &&
	    routing_good(e, now) && contact_at(d, idx, px, 0x0a000005, 5000),
	    "the right PONG adds the node, whatever key its handshake proved");
	input(d, px, 1, buf, len, 0x0a000005, 5000);
	CHECK(st->drop[DHT_DROP_UNSOLICITED] == 2, "a second copy is "
	    "unsolicited");

	/* per-source rate limit; no ban for what may be spoofed */
	c.n = 0;
	sent = 0;
	len = mkmsg(buf, KRPC_PING, txid, NULL);
	for (i = 0; i < 100; i++) {
		input(d, pb, 0, buf, len, 0x0a000007, 7);
		sent += c.n;
		c.n = 0;
	}
	CHECK(sent == 20 && st->drop[DHT_DROP_RATELIMIT] == 80 &&
	    st->drop[DHT_DROP_BANNED] == 0, "burst of 20 answered, then "
	    "limited, never banned (%zu, %llu, %llu)", sent,
	    (unsigned long long)st->drop[DHT_DROP_RATELIMIT],
	    (unsigned long long)st->drop[DHT_DROP_BANNED]);
	input(d, pb, 0, buf, len, 0x0a000008, 7);
	CHECK(c.n == 1, "another source is still answered");

	/* HAVE asks the store; STORE needs a proved address */
	for (i = 0; i < sizeof(val); i++)
		val[i] = (uint8_t)i;
	sha256(val, sizeof(val), key);
	mkkey(pb, idb);
	c.n = 0;
	len = mkmsg(buf, KRPC_HAVE, txid, key);
	input(d, pb, 1, buf, len, 0x0a000009, 9);
	CHECK(c.haves == 1 && c.n == 0, "HAVE asks the store first");
	CHECK(dht_store_reply(d, c.cookie, DHT_STORE_NOTFOUND, NULL, 0,
	    now) == 0 && cap_last(&c, &m) == 0 && m.type == KRPC_HAVE_RES &&
	    m.have == 0 && cap_last_to(&c, pb, 0x0a000009, 9),
	    "store says no: HAVE_RES have=0, to the asker's key");
	CHECK(dht_store_reply(d, c.cookie, DHT_STORE_NOTFOUND, NULL, 0,
	    now) == -1 && errno == ENOENT, "a cookie answers only once");
	input(d, pb, 1, buf, len, 0x0a000009, 9);
	CHECK(c.haves == 2 && dht_store_reply(d, c.cookie, DHT_STORE_FOUND,
	    NULL, 0, now) == 0 && cap_last(&c, &m) == 0 &&
	    m.type == KRPC_HAVE_RES && m.have == 1,
	    "store has it: HAVE_RES have=1");
	input(d, pb, 1, buf, len, 0x0a000009, 9);
	CHECK(c.haves == 3 && dht_store_reply(d, c.cookie, DHT_STORE_ERROR,
	    NULL, 0, now) == 0 && cap_last(&c, &m) == 0 &&
	    m.type == KRPC_HAVE_RES && m.have == 0,
	    "store error: HAVE_RES have=0");
	len = mkstore(buf, txid, key, val, sizeof(val), 0);
	u0 = st->drop[DHT_DROP_UNPROVED];
	input(d, pb, 0, buf, len, 0x0a000009, 9);
	CHECK(cap_last(&c, &m) == 0 && m.type == KRPC_STORE_RES &&
	    m.status == KRPC_ST_UNPROVED && c.puts == 0 &&
	    st->stores_accepted == 0 &&
	    st->drop[DHT_DROP_UNPROVED] == u0 + 1 &&
	    cap_last_to(&c, pb, 0x0a000009, 9),
	    "a STORE inside a handshake's first message: UNPROVED, nothing "
	    "stored");
	input(d, pb, 1, buf, len, 0x0a000009, 9);
	CHECK(cap_last(&c, &m) == 0 && m.status == KRPC_ST_OK &&
	    c.puts == 1 && st->stores_accepted == 1 &&
	    c.room[c.n - 1] == 0, "over proved keys: stored, STORE_RES OK");
	buf[len - 1] ^= 1;
	input(d, pb, 1, buf, len, 0x0a000009, 9);
	CHECK(cap_last(&c, &m) == 0 && m.status == KRPC_ST_BADVALUE &&
	    c.puts == 1 && st->drop[DHT_DROP_BADVALUE] == 1,
	    "value not matching its key: BADVALUE");

	/* strikes only for what a proved peer did (buf's value is bad) */
	mkkey(px, idx);
	b0 = st->drop[DHT_DROP_BANNED];
	u0 = st->drop[DHT_DROP_UNPROVED];
	for (i = 0; i < 70; i++) {
		now += 100;		/* within the rate limit */
		input(d, px, 0, buf, len, 0x0a00000c, 12);
	}
	CHECK(st->drop[DHT_DROP_UNPROVED] - u0 == 70 &&
	    st->drop[DHT_DROP_BANNED] == b0 && c.puts == 1, "70 bad STOREs "
	    "inside handshakes' first messages (a spoofer's): refused "
	    "UNPROVED, counted, no ban");
	for (i = 0; i < 70; i++) {
		now += 100;
		input(d, px, 1, buf, len, 0x0a00000b, 11);
	}
	CHECK(st->drop[DHT_DROP_BANNED] > b0, "bad values over proved keys: "
	    "the address is banned (%llu drops)",
	    (unsigned long long)(st->drop[DHT_DROP_BANNED] - b0));

	/* callbacks may not re-enter */
	c.reenter_dht = d;
	c.reenter = 0;
	CHECK(dht_get(d, key, 77, now) == 0 && c.gets >= 1,
	    "dht_get asks the local store first");
	dht_store_reply(d, c.cookie, DHT_STORE_FOUND, val, sizeof(val), now);
	CHECK(c.reenter == EDEADLK, "dht call from a callback: EDEADLK");
	c.reenter_dht = NULL;
	CHECK(dht_put(d, key, val, sizeof(val) - 1, 0, now) == -1 &&
	    errno == EINVAL, "dht_put of a value not matching its key: EINVAL");
	check_sends(&c, "input rules");
	dht_free(d);

	/* loopback policy */
	d = mknode(&c, 0x0a000001, DHT_MARTIAN_AUTO);
	d2 = mknode(&c2, 0x0a000001, DHT_MARTIAN_LOOPBACK);
	mkkey(pa, ida);
	len = mkmsg(buf, KRPC_PING, txid, NULL);
	input(d, pa, 1, buf, len, 0x7f000001, 4000);
	input(d2, pa, 1, buf, len, 0x7f000001, 4000);
	CHECK(c.n == 0 && dht_stats(d)->drop[DHT_DROP_MARTIAN] == 1 &&
	    c2.n >= 1, "loopback: refused when bound elsewhere, unless "
	    "configured");
	CHECK(peer_up(d, pa, 0x7f000001, 4000) == -1 && dht_nodes(d) == 0 &&
	    peer_up(d2, pa, 0x7f000001, 4001) == 0 &&
	    contact_at(d2, ida, pa, 0x7f000001, 4001),
	    "the same for a completed handshake");
	dht_free(d);
	dht_free(d2);
	d = mknode(&c, 0x7f000001, DHT_MARTIAN_STRICT);
	input(d, pa, 1, buf, len, 0x7f000001, 4000);
	CHECK(c.n == 0, "strict: loopback refused even when bound to it");
	dht_free(d);
}

/* The index of the last message of type captured from `from` on, or -1. */
static ssize_t
find_sent(const struct cap *c, size_t from, uint8_t type, struct krpc_msg *m)
{
	enum krpc_err	why;
	size_t		i;

	for (i = c->n; i-- > from; )
		if (krpc_decode(c->buf[i], c->len[i], m, &why) == 0 &&
		    m->type == type)
			return ((ssize_t)i);
	return (-1);
}

static void
run_timers(struct dht *d, unsigned n, uint64_t step)
{
	unsigned	i;

	for (i = 0; i < n; i++) {
		now += step;
		(void)dht_timer(d, now);
	}
}

/*
 * Keys and addresses (protocol version 2): a contact is its key, and
 * its address moves only where it proved itself (an answer or request
 * over proved keys, a completed handshake), never for a request inside
 * a handshake's first message, which forgives nothing either.  An
 * answer must come from the key asked.  A handshake brings a contact
 * that timed out to bad back at once.
 */
static void
test_keys(void)
{
	static struct cap	 c;
	struct dht		*d;
	const struct dht_stats	*st;
	const struct rt_entry	*e;
	struct krpc_msg		 m;
	uint8_t			 buf[KRPC_MAX_MSG], txid[8], t[32];
	uint8_t			 pa[32], ida[32], pb[32], idb[32];
	ssize_t			 i;
	size_t			 len, j;
	uint64_t		 w0;

	now = 2000000;
	d = mknode(&c, 0x0a000001, DHT_MARTIAN_AUTO);
	if (d == NULL) {
		CHECK(0, "dht_new");
		return;
	}
	st = dht_stats(d);
	mkkey(pa, ida);
	mkkey(pb, idb);
	rnd_bytes(NULL, txid, sizeof(txid));
	len = mkmsg(buf, KRPC_PING, txid, NULL);
	input(d, pa, 1, buf, len, 0x0a000002, 5000);
	CHECK(contact_at(d, ida, pa, 0x0a000002, 5000), "A at 10.0.0.2");

	/* an unproved request from A's key at a new address */
	now += 10;
	c.n = 0;
	input(d, pa, 0, buf, len, 0x0a000003, 5000);
	CHECK(c.n == 1 && cap_last_to(&c, pa, 0x0a000003, 5000) &&
	    contact_at(d, ida, pa, 0x0a000002, 5000) && dht_nodes(d) == 1,
	    "an unproved request from a known key at a new address: "
	    "answered there, the contact not moved");
	/* one over proved keys moves it */
	now += 10;
	input(d, pa, 1, buf, len, 0x0a000003, 5001);
	CHECK(contact_at(d, ida, pa, 0x0a000003, 5001),
	    "a request over proved keys moves it");

	/* a lookup asks A: the answer must come from A's key */
	now += 10;
	c.n = 0;
	rnd_bytes(NULL, t, sizeof(t));
	(void)dht_lookup(d, t, 1, now);
	i = find_sent(&c, 0, KRPC_FIND_NODE, &m);
	CHECK(i >= 0 && cap_last_to(&c, pa, 0x0a000003, 5001) &&
	    c.room[i] == krpc_reply_max(KRPC_FIND_NODE) &&
	    krpc_reply_max(KRPC_FIND_NODE) > 0,
	    "FIND_NODE to A's key and address, room for the longest NODES");
	now += 20;
	len = mkmsg(buf, KRPC_NODES, m.txid, NULL);
	w0 = st->drop[DHT_DROP_WRONGSRC];
	input(d, pb, 1, buf, len, 0x0a000003, 5001);
	CHECK(st->drop[DHT_DROP_WRONGSRC] == w0 + 1 &&
	    routing_find(dht_routing(d), idb) == NULL,
	    "NODES from another key at A's address: WRONGSRC, not added");
	input(d, pa, 0, buf, len, 0x0a000004, 5000);
	CHECK(st->drop[DHT_DROP_UNPROVED] == 1 &&
	    contact_at(d, ida, pa, 0x0a000003, 5001),
	    "A's NODES inside a handshake's first message: UNPROVED, A not "
	    "moved");
	input(d, pa, 1, buf, len, 0x0a000004, 5000);
	e = routing_find(dht_routing(d), ida);
	CHECK(contact_at(d, ida, pa, 0x0a000004, 5000) && e != NULL &&
	    (e->flags & RT_F_RTT) && st->drop[DHT_DROP_WRONGSRC] == w0 + 1,
	    "A's NODES over proved keys from a new address: taken (the key "
	    "is what was asked), A moved there, timed");

	/* a completed handshake moves it */
	now += 10;
	CHECK(peer_up(d, pa, 0x0a000005, 5000) == 0 &&
	    contact_at(d, ida, pa, 0x0a000005, 5000),
	    "dht_peer_up moves A to the handshake's address");
	CHECK(peer_up(d, pb, 0x0a000006, 5000) == 0 &&
	    contact_at(d, idb, pb, 0x0a000006, 5000) &&
	    routing_good(routing_find(dht_routing(d), idb), now),
	    "dht_peer_up of a new key: a good contact");

	check_sends(&c, "keys");
	dht_free(d);

	/* B alone, and silent: its requests time out, it is bad */
	d = mknode(&c, 0x0a000001, DHT_MARTIAN_AUTO);
	if (d == NULL) {
		CHECK(0, "dht_new");
		return;
	}
	CHECK(peer_up(d, pb, 0x0a000006, 5000) == 0, "B up");
	now += 10;
	for (j = 0; j < 3; j++) {
		rnd_bytes(NULL, t, sizeof(t));
		(void)dht_lookup(d, t, 10 + j, now);
		now += 10;
	}
	run_timers(d, 100, 100);
	e = routing_find(dht_routing(d), idb);
	CHECK(e != NULL && e->fails >= RT_MAX_FAILS, "B failed %u times: bad",
	    e != NULL ? e->fails : 0);
	c.n = 0;
	rnd_bytes(NULL, t, sizeof(t));
	(void)dht_lookup(d, t, 20, now);
	CHECK(c.n == 0, "a bad contact is not asked");
	/* an unproved request from B's key forgives nothing */
	len = mkmsg(buf, KRPC_PING, txid, NULL);
	input(d, pb, 0, buf, len, 0x0a000007, 5000);
	e = routing_find(dht_routing(d), idb);
	CHECK(c.n == 1 && cap_last_to(&c, pb, 0x0a000007, 5000) && e != NULL &&
	    e->fails >= RT_MAX_FAILS && contact_at(d, idb, pb, 0x0a000006,
	    5000), "an unproved request from B: answered, B still bad and "
	    "not moved");
	c.n = 0;
	rnd_bytes(NULL, t, sizeof(t));
	(void)dht_lookup(d, t, 21, now);
	CHECK(c.n == 0, "...and still not asked");
	/* a completed handshake does */
	now += 10;
	CHECK(peer_up(d, pb, 0x0a000008, 5000) == 0, "dht_peer_up of B");
	e = routing_find(dht_routing(d), idb);
	CHECK(e != NULL && e->fails == 0 && routing_good(e, now) &&
	    contact_at(d, idb, pb, 0x0a000008, 5000),
	    "a completed handshake forgives B at once and moves it");
	c.n = 0;
	rnd_bytes(NULL, t, sizeof(t));
	(void)dht_lookup(d, t, 22, now);
	CHECK(find_sent(&c, 0, KRPC_FIND_NODE, &m) == 0 &&
	    cap_last_to(&c, pb, 0x0a000008, 5000),
	    "B is asked again, at its new address");
	check_sends(&c, "a contact forgiven");
	dht_free(d);
}

/* How many of the messages captured from `from` on went to ip. */
static size_t
sent_to(const struct cap *c, size_t from, uint32_t ip, uint8_t type)
{
	struct krpc_msg	m;
	enum krpc_err	why;
	size_t		i, n = 0;

	for (i = from; i < c->n; i++)
		if (c->to[i].sin_addr.s_addr == htonl(ip) &&
		    krpc_decode(c->buf[i], c->len[i], &m, &why) == 0 &&
		    m.type == type)
			n++;
	return (n);
}

/* How many of those went to ip without key pub (NULL: with a key). */
static size_t
sent_to_other(const struct cap *c, size_t from, uint32_t ip,
    const uint8_t *pub)
{
	size_t	i, n = 0;

	for (i = from; i < c->n; i++)
		if (c->to[i].sin_addr.s_addr == htonl(ip) && (pub == NULL ?
		    c->haspub[i] : !c->haspub[i] ||
		    memcmp(c->pub[i], pub, KRPC_KEY_LEN) != 0))
			n++;
	return (n);
}

/*
 * Ping ip:port from d by address and answer over proved keys as pub: a
 * contact that has replied.
 */
static int
join_contact(struct dht *d, struct cap *c, const uint8_t pub[32],
    uint32_t ip, uint16_t port)
{
	struct sockaddr_in	sin;
	struct krpc_msg		m;
	uint8_t			buf[KRPC_MAX_MSG], id[32];
	size_t			len;

	mksin(&sin, ip, port);
	if (kad_node_id(pub, id) == -1 ||
	    dht_ping(d, (struct sockaddr *)&sin, sizeof(sin), now) != 0 ||
	    cap_last(c, &m) != 0 || m.type != KRPC_PING ||
	    !cap_last_to(c, NULL, ip, port))
		return (-1);
	now += 30;
	len = mkmsg(buf, KRPC_PONG, m.txid, NULL);
	input(d, pub, 1, buf, len, ip, port);
	return (contact_at(d, id, pub, ip, port) ? 0 : -1);
}

/*
 * Lost messages are not a dead node: of many requests out to one node
 * at once, a few lost ones time out after the others were answered.
 * Those timeouts must not add up to "failed 3 times in a row" and make
 * the node bad (on a lossy path a fresh node then lost its only
 * contact and every lookup failed).  A node that stops answering still
 * becomes bad.
 */
static void
test_lost_datagrams(void)
{
	static struct cap	 c;
	struct dht		*d;
	struct krpc_msg		 m;
	enum krpc_err		 why;
	uint8_t			 buf[KRPC_MAX_MSG], pp[32], pid[32], key[32];
	uint8_t			 txids[10][8];
	size_t			 len, i, n;
	int			 ok;

	now = 5000000;
	d = mknode(&c, 0x0a000001, DHT_MARTIAN_AUTO);
	mkkey(pp, pid);
	if (d == NULL || join_contact(d, &c, pp, 0x0a000002, 5000) != 0) {
		CHECK(0, "P joined");
		dht_free(d);
		return;
	}
	CHECK(dht_nodes(d) == 1, "one contact, P");

	/* ten lookups at once, all to P; P answers six, four are lost */
	c.n = 0;
	for (i = 0; i < 10; i++) {
		rnd_bytes(NULL, key, sizeof(key));
		(void)dht_fetch(d, key, 100 + i, now);
	}
	n = 0;
	for (i = 0; i < c.n; i++) {
		if (krpc_decode(c.buf[i], c.len[i], &m, &why) == 0 &&
		    m.type == KRPC_FIND_VALUE && n < 10)
			memcpy(txids[n++], m.txid, 8);
	}
	CHECK(n == 10 && sent_to_other(&c, 0, 0x0a000002, pp) == 0,
	    "ten FIND_VALUEs to P, each to P's key (%zu)", n);
	now += 20;
	for (i = 0; i < 6 && i < n; i++) {
		len = mkmsg(buf, KRPC_NODES, txids[i], NULL);
		input(d, pp, 1, buf, len, 0x0a000002, 5000);
	}
	run_timers(d, 100, 100);
	CHECK(dht_stats(d)->timeouts >= 4, "the four unanswered requests "
	    "timed out (%llu timeouts)",
	    (unsigned long long)dht_stats(d)->timeouts);
	c.n = 0;
	rnd_bytes(NULL, key, sizeof(key));
	ok = dht_fetch(d, key, 200, now) == 0 && c.n == 1 &&
	    cap_last(&c, &m) == 0 && m.type == KRPC_FIND_VALUE &&
	    cap_last_to(&c, pp, 0x0a000002, 5000);
	CHECK(ok, "P answered after those requests went out: still asked "
	    "(not bad after 4 lost messages)");

	/* P goes silent: what is sent from now on times out */
	for (i = 0; i < 4; i++) {
		now += 10;
		rnd_bytes(NULL, key, sizeof(key));
		(void)dht_fetch(d, key, 300 + i, now);
	}
	run_timers(d, 100, 100);
	c.n = 0;
	rnd_bytes(NULL, key, sizeof(key));
	(void)dht_fetch(d, key, 400, now);
	CHECK(c.n == 0, "P silent since its last answer: bad, not asked "
	    "(%zu messages)", c.n);
	check_sends(&c, "lost messages");
	dht_free(d);
}

/*
 * Sending a request again: each send's txid carries its try in the last
 * byte, so an answer is timed from the send it answers (an answer to
 * the first send that comes after the second went out is not taken for
 * a fast one), and a try byte never sent is refused.  A request whose
 * lookup has finished is not sent again, and dropped without counting
 * against its contact.  A contact that only asked us is never pinged
 * to confirm it (version 2: its handshake does).  A STORE to forward
 * that comes again while its push is under way starts no second push;
 * the push's own STORE waits for a proved session (no reply room).
 */
static void
test_retransmission(void)
{
	static struct cap	 c;
	struct dht		*d;
	const struct dht_stats	*st;
	const struct rt_entry	*e;
	struct krpc_msg		 m, r;
	struct sockaddr_in	 sin;
	uint8_t			 buf[KRPC_MAX_MSG], pp[32], pid[32];
	uint8_t			 pq[32], qid[32], pf[32], fid[32], px[32];
	uint8_t			 xid[32], tx0[8], key[32], val[200], txid[8];
	enum krpc_err		 why;
	size_t			 len, i, n, mark;
	ssize_t			 sl, k;

	now = 7000000;
	d = mknode(&c, 0x0a000001, DHT_MARTIAN_AUTO);
	if (d == NULL) {
		CHECK(0, "dht_new");
		return;
	}
	st = dht_stats(d);
	mkkey(pp, pid);
	mksin(&sin, 0x0a000002, 5000);
	if (dht_ping(d, (struct sockaddr *)&sin, sizeof(sin), now) != 0 ||
	    cap_last(&c, &m) != 0) {
		CHECK(0, "dht_ping");
		dht_free(d);
		return;
	}
	memcpy(tx0, m.txid, 8);
	run_timers(d, 11, 100);
	CHECK(c.n == 2 && cap_last(&c, &m) == 0 && m.type == KRPC_PING &&
	    memcmp(m.txid, tx0, 7) == 0 && tx0[7] == 0 && m.txid[7] == 1 &&
	    cap_last_to(&c, NULL, 0x0a000002, 5000) &&
	    c.room[1] == krpc_reply_max(KRPC_PING),
	    "unanswered: sent again after its RTO, the same txid but for "
	    "the try byte (0, then 1), still to the bare address");
	/* a try byte that was never sent */
	memcpy(txid, tx0, 8);
	txid[7] = 2;
	len = mkmsg(buf, KRPC_PONG, txid, NULL);
	input(d, pp, 1, buf, len, 0x0a000002, 5000);
	CHECK(st->drop[DHT_DROP_UNSOLICITED] == 1 && dht_nodes(d) == 0,
	    "an answer to a send that never went out: unsolicited");
	/* the first send answered 200 ms after the second went out */
	now += 200;
	len = mkmsg(buf, KRPC_PONG, tx0, NULL);
	input(d, pp, 1, buf, len, 0x0a000002, 5000);
	e = routing_find(dht_routing(d), pid);
	CHECK(e != NULL && (e->flags & RT_F_RTT) && e->srtt >> 3 >= 1200 &&
	    e->srtt >> 3 <= 1400, "the answer to the first send is timed "
	    "from it (%u ms)", e != NULL ? e->srtt >> 3 : 0);

	/*
	 * A chunk asked of Q, the closest; Q is slow, the lookup asks P
	 * too, Q's request goes out again.  P has it: the lookup is over,
	 * and Q's request is neither sent a third time nor a failure.
	 */
	for (i = 0; i < sizeof(val); i++)
		val[i] = (uint8_t)(i * 7);
	sha256(val, sizeof(val), key);
	mkkey_dist(pq, qid, key, pid, 1);
	CHECK(join_contact(d, &c, pq, 0x0a000003, 5000) == 0, "Q joined");
	c.n = 0;
	(void)dht_fetch(d, key, 500, now);
	CHECK(sent_to(&c, 0, 0x0a000002, KRPC_FIND_VALUE) == 0 &&
	    sent_to(&c, 0, 0x0a000003, KRPC_FIND_VALUE) == 1 &&
	    cap_last_to(&c, pq, 0x0a000003, 5000),
	    "FIND_VALUE to Q's key, the closest");
	for (i = 0; i < 20 && sent_to(&c, 0, 0x0a000002,
	    KRPC_FIND_VALUE) == 0; i++) {
		now += 100;
		(void)dht_timer(d, now);
	}
	CHECK(sent_to(&c, 0, 0x0a000002, KRPC_FIND_VALUE) == 1 &&
	    sent_to(&c, 0, 0x0a000003, KRPC_FIND_VALUE) == 2 &&
	    sent_to_other(&c, 0, 0x0a000003, pq) == 0,
	    "Q slow: asked again (its key again), and P asked too");
	for (i = c.n; i-- > 0; )
		if (c.to[i].sin_addr.s_addr == htonl(0x0a000002) &&
		    krpc_decode(c.buf[i], c.len[i], &m, &why) == 0)
			break;
	now += 50;
	krpc_init(&r, KRPC_VALUE, m.txid);
	r.value = val;
	r.vlen = sizeof(val);
	sl = krpc_encode(&r, buf, sizeof(buf));
	/* from Q's key at P's address: not what was asked */
	input(d, pq, 1, buf, sl > 0 ? (size_t)sl : 0, 0x0a000002, 5000);
	CHECK(st->drop[DHT_DROP_WRONGSRC] == 1, "P's VALUE from Q's key: "
	    "WRONGSRC");
	input(d, pp, 1, buf, sl > 0 ? (size_t)sl : 0, 0x0a000002, 5000);
	mark = c.n;
	run_timers(d, 60, 100);
	CHECK(sent_to(&c, mark, 0x0a000003, KRPC_FIND_VALUE) == 0 &&
	    st->abandoned == 1, "the lookup over: Q's request not sent a "
	    "third time, dropped uncounted (%zu sent, %llu abandoned)",
	    sent_to(&c, mark, 0x0a000003, KRPC_FIND_VALUE),
	    (unsigned long long)st->abandoned);

	/* a contact that only asked inside a handshake: never pinged */
	mkkey(px, xid);
	rnd_bytes(NULL, txid, sizeof(txid));
	mark = c.n;
	len = mkmsg(buf, KRPC_PING, txid, NULL);
	input(d, px, 0, buf, len, 0x0a000004, 6000);
	run_timers(d, 100, 100);
	n = sent_to(&c, mark, 0x0a000004, KRPC_PING);
	CHECK(n == 0 && sent_to(&c, mark, 0x0a000004, KRPC_PONG) == 1 &&
	    routing_find(dht_routing(d), xid) != NULL,
	    "a new contact that only asked: added, answered, no confirming "
	    "PING in 10 s (%zu PINGs)", n);
	check_sends(&c, "retransmission");

	/*
	 * A STORE to forward from a node further from the key than we are,
	 * with P nearer the key: our push asks P.  The same STORE again
	 * (our answer lost) is answered OK and starts no second push.
	 */
	dht_free(d);
	now = 8000000;
	d = mknode(&c, 0x0a000001, DHT_MARTIAN_AUTO);
	if (d == NULL) {
		CHECK(0, "dht_new");
		return;
	}
	st = dht_stats(d);
	mkkey_dist(pp, pid, key, dht_id(d), 1);
	mkkey_dist(pf, fid, key, dht_id(d), 0);
	CHECK(join_contact(d, &c, pp, 0x0a000002, 5000) == 0, "P joined");
	len = mkstore(buf, txid, key, val, sizeof(val), KRPC_STORE_FORWARD);
	mark = c.n;
	input(d, pf, 0, buf, len, 0x0a000005, 7000);
	CHECK(st->pushes == 0 && cap_last(&c, &m) == 0 &&
	    m.type == KRPC_STORE_RES && m.status == KRPC_ST_UNPROVED &&
	    sent_to(&c, mark, 0x0a000002, KRPC_HAVE) == 0,
	    "STORE to forward inside a handshake's first message: UNPROVED, "
	    "not pushed");
	mark = c.n;
	input(d, pf, 1, buf, len, 0x0a000005, 7000);
	n = st->pushes;
	k = find_sent(&c, mark, KRPC_HAVE, &m);
	CHECK(n == 1 && sent_to(&c, mark, 0x0a000005, KRPC_STORE_RES) == 1 &&
	    sent_to(&c, mark, 0x0a000002, KRPC_HAVE) == 1 && k >= 0 &&
	    c.haspub[k] && memcmp(c.pub[k], pp, 32) == 0 &&
	    c.room[k] == krpc_reply_max(KRPC_HAVE),
	    "STORE to forward: accepted, pushed on to P's key (HAVE)");
	if (k < 0) {
		dht_free(d);
		return;
	}
	memcpy(tx0, m.txid, 8);
	now += 300;
	mark = c.n;
	input(d, pf, 1, buf, len, 0x0a000005, 7000);
	CHECK(st->pushes == n && cap_last(&c, &m) == 0 &&
	    m.type == KRPC_STORE_RES && m.status == KRPC_ST_OK &&
	    sent_to(&c, mark, 0x0a000002, KRPC_HAVE) == 0,
	    "the same STORE again: OK, no second push (%llu pushes)",
	    (unsigned long long)st->pushes);
	/* P has not got it: the push's STORE waits for a proved session */
	now += 20;
	mark = c.n;
	len = mkmsg(buf, KRPC_HAVE_RES, tx0, NULL);
	input(d, pp, 1, buf, len, 0x0a000002, 5000);
	k = find_sent(&c, mark, KRPC_STORE, &m);
	CHECK(k >= 0 && c.haspub[k] && memcmp(c.pub[k], pp, 32) == 0 &&
	    c.room[k] == 0 && m.vlen == sizeof(val) &&
	    (m.flags & KRPC_STORE_FORWARD),
	    "P lacks it: a STORE to forward to P's key, reply_room 0");
	check_sends(&c, "forwarding");
	dht_free(d);
}

/*
 * A bootstrap ping or its answer lost: until someone answers, the node
 * pings its bootstrap address again, each round once the last one's
 * ping has given up (4 RTOs), then 2 s, 4, 8, ... up to a minute more;
 * once someone answered, no more until five minutes pass without an
 * answer.  A request from a made-up contact does not stop it.
 */
static void
test_boot_retry(void)
{
	static struct cap	 c;
	struct dht		*d;
	struct krpc_msg		 m;
	struct sockaddr_in	 sin;
	enum krpc_err		 why;
	uint8_t			 buf[KRPC_MAX_MSG], pp[32], pid[32];
	uint64_t		 first = 0, last = 0, gap = 0, maxgap = 0;
	uint8_t			 lasttx[8];
	size_t			 len, i, n, seen;
	int			 same = 1, growing = 1;

	now = 9000000;
	d = mknode(&c, 0x0a000001, DHT_MARTIAN_AUTO);
	if (d == NULL) {
		CHECK(0, "dht_new");
		return;
	}
	mksin(&sin, 0x0a000003, 6000);
	(void)dht_ping(d, (struct sockaddr *)&sin, sizeof(sin), now);
	/*
	 * Nobody answers for five minutes.  A ping that goes unanswered is
	 * sent again (same txid but for its try byte, the last) before it
	 * counts as lost; new txids are the bootstrap's own rounds.
	 */
	n = 0;
	memset(lasttx, 0, sizeof(lasttx));
	for (i = 0, seen = 0; i < 3000; i++) {
		if (i == 100) {
			/* a request from a made-up contact: it is not joined */
			mkkey(pp, pid);
			rnd_bytes(NULL, lasttx, sizeof(lasttx));
			len = mkmsg(buf, KRPC_PING, lasttx, NULL);
			input(d, pp, 0, buf, len, 0x0a000009, 7000);
			CHECK(dht_nodes(d) == 1, "a made-up contact's ping: "
			    "in the table");
		}
		for (; seen < c.n; seen++) {
			/* its answer, and lookups that ask it */
			if (c.to[seen].sin_addr.s_addr == htonl(0x0a000009))
				continue;
			if (c.to[seen].sin_addr.s_addr != htonl(0x0a000003) ||
			    c.haspub[seen])
				same = 0;
			if (krpc_decode(c.buf[seen], c.len[seen], &m,
			    &why) != 0 || memcmp(m.txid, lasttx, 7) == 0)
				continue;
			memcpy(lasttx, m.txid, 8);
			if (n == 0)
				first = now;
			else {
				gap = now - last;
				if (gap + 1000 < maxgap)
					growing = 0;
				if (gap > maxgap)
					maxgap = gap;
			}
			last = now;
			n++;
		}
		if (c.n >= 60)
			c.n = seen = 0;
		now += 100;
		(void)dht_timer(d, now);
	}
	CHECK(n >= 7 && same, "unanswered bootstrap: pinged again and again, "
	    "to the same bare address (%zu rounds in 5 minutes)", n);
	CHECK(growing && maxgap >= 34000 && maxgap <= 64100, "...further "
	    "and further apart, up to a minute after the last gave up "
	    "(longest gap %llu ms, first at %llu)", (unsigned long long)maxgap,
	    (unsigned long long)(first - 9000000));
	check_sends(&c, "bootstrap rounds");
	dht_free(d);

	/* the first ping lost, the second answered: joined, no more pings */
	now = 9000000;
	d = mknode(&c, 0x0a000001, DHT_MARTIAN_AUTO);
	if (d == NULL) {
		CHECK(0, "dht_new");
		return;
	}
	(void)dht_ping(d, (struct sockaddr *)&sin, sizeof(sin), now);
	for (i = 0; i < 100 && c.n < 2; i++) {
		now += 100;
		(void)dht_timer(d, now);
	}
	if (cap_last(&c, &m) != 0 || c.n != 2 || m.type != KRPC_PING) {
		CHECK(0, "a second bootstrap ping (%zu messages)", c.n);
		dht_free(d);
		return;
	}
	mkkey(pp, pid);
	now += 50;
	len = mkmsg(buf, KRPC_PONG, m.txid, NULL);
	input(d, pp, 1, buf, len, 0x0a000003, 6000);
	CHECK(dht_nodes(d) == 1 && contact_at(d, pid, pp, 0x0a000003, 6000),
	    "the second ping's answer: one contact, the key that answered");
	c.n = 0;
	run_timers(d, 600, 100);
	n = 0;
	for (i = 0; i < c.n; i++) {
		if (krpc_decode(c.buf[i], c.len[i], &m, &why) == 0 &&
		    m.type == KRPC_PING)
			n++;
	}
	CHECK(n == 0, "no bootstrap ping once it knows someone (%zu)", n);
	/* five minutes without an answer to anything: cut off, again */
	for (i = 0; i < 2500 && sent_to(&c, 0, 0x0a000003, KRPC_PING) == 0;
	    i++) {
		now += 100;
		(void)dht_timer(d, now);
	}
	CHECK(sent_to(&c, 0, 0x0a000003, KRPC_PING) >= 1 && i >= 2300,
	    "no answer for five minutes: the bootstrap pinged again "
	    "(after %zu s)", (i + 600) / 10);
	check_sends(&c, "bootstrap after a silence");
	dht_free(d);
}

/* ---------------- part 2: a simulated network ---------------- */

/*
 * 1,000 nodes of the real core in tests/sim's simulator: one joins every
 * 20 ms, bootstrapping off an older one, over paths of 10 to 100 ms with
 * no loss; completion events land in res[] by cookie.
 */
#define MAXRES		8192

struct result {
	int			 done;
	int			 status;
	int			 local;
	int			 node;
	unsigned		 hops, msgs;
	size_t			 nnodes, vlen;
	struct krpc_contact	 nodes[K];
	uint8_t			 value[KRPC_MAX_VALUE];
};

static struct result	 res[MAXRES];
static uint64_t		 next_cookie = 1;
static size_t		 nnodes;

static void
net_event(int node, const struct dht_event *ev)
{
	struct result	*r;

	if (ev->cookie == 0 || ev->cookie >= MAXRES)
		return;
	r = &res[ev->cookie];
	r->done = 1;
	r->node = node;
	r->status = ev->status;
	r->local = ev->local;
	r->hops = ev->hops;
	r->msgs = ev->msgs;
	r->nnodes = ev->nnodes > K ? K : ev->nnodes;
	if (ev->nodes != NULL)
		memcpy(r->nodes, ev->nodes, r->nnodes * sizeof(r->nodes[0]));
	r->vlen = ev->vlen;
	if (ev->value != NULL)
		memcpy(r->value, ev->value, ev->vlen);
}

static uint64_t
cookie_new(void)
{
	uint64_t	ck = next_cookie++;

	if (ck >= MAXRES)
		abort();
	memset(&res[ck], 0, sizeof(res[0]));
	return (ck);
}

/* A GET from node i, run until it ends (10 s at most); its cookie. */
static uint64_t
get_wait(int i, const uint8_t key[KAD_ID_LEN])
{
	uint64_t	 ck = cookie_new();
	unsigned	 j;

	(void)sim_get(i, key, ck);
	for (j = 0; j < 100 && !res[ck].done; j++)
		sim_run_for_ms(100);
	return (ck);
}

static int
ucmp(const void *a, const void *b)
{
	unsigned	x = *(const unsigned *)a, y = *(const unsigned *)b;

	return (x < y ? -1 : x > y);
}

static unsigned
median(unsigned *v, size_t n)
{
	qsort(v, n, sizeof(*v), ucmp);
	return (n ? v[n / 2] : 0);
}

/* Run `count` lookups, `par` at a time; return how many were exact. */
static unsigned
lookups(unsigned count, unsigned par, unsigned *hops, unsigned *msgs,
    const char *what)
{
	static uint8_t	 keys[256][KAD_ID_LEN];
	uint64_t	 ck[256];
	int		 want[K], from[256];
	unsigned	 done = 0, exact = 0, started, j, b;
	size_t		 i, nt;
	int		 ok;

	while (done < count) {
		started = 0;
		for (j = 0; j < par && done + j < count; j++) {
			sim_rand_id(keys[started]);
			ck[started] = cookie_new();
			from[started] = sim_random_up();
			if (sim_lookup(from[started], keys[started],
			    ck[started]) == 0)
				started++;
		}
		for (b = 0; b < 600; b++) {
			sim_run_for_ms(100);
			for (j = 0; j < started; j++)
				if (!res[ck[j]].done)
					break;
			if (j == started)
				break;
		}
		for (j = 0; j < started; j++) {
			struct result *r = &res[ck[j]];

			nt = sim_truth(keys[j], want, K, from[j], 0);
			ok = r->done && r->status == 0 && r->nnodes == nt;
			for (i = 0; ok && i < nt; i++)
				if (memcmp(r->nodes[i].id, sim_node_id(want[i]),
				    KAD_ID_LEN) != 0)
					ok = 0;
			exact += ok;
			hops[done + j] = r->hops;
			msgs[done + j] = r->msgs;
		}
		done += started;
		if (started == 0)
			break;
	}
	printf("# %s: %u/%u lookups exact, median hops %u, median "
	    "messages %u\n", what, exact, count, median(hops, done),
	    median(msgs, done));
	return (exact);
}

/* How many of the n closest live nodes hold key. */
static size_t
copies(const uint8_t key[KAD_ID_LEN], size_t n, int *closest_has)
{
	int	idx[DHT_MAX_REPLICAS];
	size_t	i, cnt = 0, nt;

	nt = sim_truth(key, idx, n, -1, 0);
	*closest_has = nt > 0 && sim_store_has(idx[0], key);
	for (i = 0; i < nt; i++)
		cnt += sim_store_has(idx[i], key);
	return (cnt);
}

/* A random node that is up and does not hold key. */
static int
non_holder(const uint8_t key[KAD_ID_LEN])
{
	int	src;

	do
		src = sim_random_up();
	while (sim_store_has(src, key));
	return (src);
}

#define NCHUNK	60

static void
test_network_build(void)
{
	struct sim_config cf;
	const char	*env;
	uint8_t		 pub[KRPC_KEY_LEN];
	size_t		 i, tot;

	nnodes = 1000;
	if (getenv("KAD_VALGRIND") != NULL)
		nnodes = 250;
	if ((env = getenv("KAD_SIM_NODES")) != NULL && atoi(env) >= 50)
		nnodes = (size_t)atoi(env);
	sim_config_defaults(&cf);
	if ((env = getenv("KAD_SIM_SEED")) != NULL && atoi(env) > 0)
		cf.seed = (uint64_t)atoi(env);
	cf.rtt_median_ms = 40;
	cf.rtt_p95_ms = 70;
	cf.loss = 0;
	cf.migrate_ms = 10 * 60 * 1000;
	cf.rl_slots = 256;
	cf.on_event = net_event;
	sim_init(&cf, nnodes);
	for (i = 0; i < nnodes; i++) {
		sim_rand_id(pub);	/* any 32 bytes: the id is its hash */
		(void)sim_node_add(pub, sim_addr_for(i), 4000, SIM_HONEST);
	}
	/* one every 20 ms, each bootstrapping off an older one */
	for (i = 0; i < nnodes; i++) {
		(void)sim_node_start((int)i, i == 0 ? -1 :
		    (int)sim_rand_below(i));
		sim_run_for_ms(20);
	}
	sim_run_for_ms(30000);
	for (tot = 0, i = 0; i < nnodes; i++)
		tot += dht_nodes(sim_node_dht((int)i));
	printf("# %zu nodes joined, %zu routing entries per node on average, "
	    "%llu events\n", nnodes, tot / nnodes,
	    (unsigned long long)sim_stats()->events);
	CHECK(tot / nnodes >= K, "routing tables filled");
}

static void
test_network(void)
{
	static uint8_t	 keys[NCHUNK][KAD_ID_LEN];
	size_t		 vlen[NCHUNK];
	unsigned	*hops, *msgs, exact, i, j, good, full, got, bad;
	uint64_t	 ck, t0;
	size_t		 c, tot;
	int		 has, idx[DHT_MAX_REPLICAS], src, nt, x;
	uint8_t		 val[KRPC_MAX_VALUE], *blob, missing[KAD_ID_LEN];
	ssize_t		 blen;

	hops = calloc(1000, sizeof(*hops));
	msgs = calloc(1000, sizeof(*msgs));
	if (hops == NULL || msgs == NULL)
		abort();
	test_network_build();

	/* all 200 at once: a file fetch runs hundreds in parallel */
	exact = lookups(200, 200, hops, msgs, "all alive, 200 in parallel");
	CHECK(exact >= 190, "lookups find the true %d closest for >= 95%% "
	    "of random keys (%u/200)", K, exact);
	CHECK(median(hops, 200) >= 1 && median(hops, 200) <= 6,
	    "median hops within 1..6 (%u)", median(hops, 200));
	CHECK(median(msgs, 200) >= K && median(msgs, 200) <= 100,
	    "median messages within %d..100 (%u)", K, median(msgs, 200));

	/* 5% of the nodes vanish without a word */
	for (i = 0; i < nnodes / 20; i++)
		sim_node_kill(sim_random_up());
	exact = lookups(100, 20, hops, msgs, "5% dead");
	CHECK(exact >= 95, "with 5%% dead nodes still >= 95%% exact "
	    "(%u/100)", exact);
	CHECK(median(msgs, 100) <= 150, "and messages stay bounded (%u)",
	    median(msgs, 100));
	sim_run_for_ms(30000);

	/* PUT: each chunk forwarded to its closest node and replicated */
	for (got = 0, i = 0; i < NCHUNK; i++) {
		vlen[i] = 100 + sim_rand_below(KRPC_MAX_VALUE - 99);
		sim_rand_id(keys[i]);
		got += sim_put(sim_random_up(), keys[i], vlen[i],
		    cookie_new()) == 0;
	}
	CHECK(got == NCHUNK, "dht_put accepted %u chunks", got);
	sim_run_for_ms(20000);
	for (good = 0, full = 0, i = 0; i < NCHUNK; i++) {
		c = copies(keys[i], 8, &has);
		good += has;
		full += c >= 7;
	}
	printf("# PUT: closest live node holds %u/%d chunks, >= 7 of the 8 "
	    "closest hold %u/%d\n", good, NCHUNK, full, NCHUNK);
	CHECK(good >= NCHUNK * 95 / 100, "PUT reaches the closest node");
	CHECK(full >= NCHUNK * 90 / 100, "PUT replicates to the nearest "
	    "neighbours");

	/* GET from nodes that do not hold the chunk */
	for (got = 0, i = 0; i < NCHUNK; i++) {
		ck = get_wait(non_holder(keys[i]), keys[i]);
		sim_value(keys[i], vlen[i], val);
		if (res[ck].done && res[ck].status == 0 && !res[ck].local &&
		    res[ck].vlen == vlen[i] &&
		    memcmp(res[ck].value, val, vlen[i]) == 0) {
			got++;
			hops[i] = res[ck].hops;
			msgs[i] = res[ck].msgs;
		} else
			hops[i] = msgs[i] = 0;
	}
	printf("# GET: %u/%d found over the network, median hops %u, median "
	    "messages %u\n", got, NCHUNK, median(hops, NCHUNK),
	    median(msgs, NCHUNK));
	CHECK(got >= NCHUNK * 95 / 100, "GET finds chunks over the network");
	for (tot = 0, i = 0; i < nnodes; i++) {
		if (sim_node_dht((int)i) == NULL)
			continue;
		for (j = 0; j <= DHT_GET_MS_MAX; j++)
			tot += dht_stats(sim_node_dht((int)i))->get_ms[j];
	}
	CHECK(tot >= got, "every lookup that found its chunk was timed "
	    "(%zu >= %u)", tot, got);

	/*
	 * A chunk's lookup asks only the closest known node first; if that
	 * one holds the chunk, one request is all it takes.  If it is dead,
	 * the lookup widens after its soft timeout and still finds it.
	 */
	for (c = 0, got = 0; c < 200 && got == 0; c++) {
		struct rt_entry	*first;
		int		 h;

		i = (unsigned)sim_rand_below(NCHUNK);
		src = non_holder(keys[i]);
		if (routing_closest(dht_routing(sim_node_dht(src)), keys[i],
		    KRPC_WANT4, 0, sim_now_ms(), &first, 1) != 1)
			continue;
		h = sim_node_by_id(first->id);
		if (h < 0 || sim_node_state(h) != SIM_UP ||
		    !sim_store_has(h, keys[i]))
			continue;
		got = 1;
		ck = get_wait(src, keys[i]);
		CHECK(res[ck].done && res[ck].status == 0 &&
		    res[ck].msgs == 1, "GET whose closest known node holds "
		    "the chunk: 1 request (%u)", res[ck].msgs);
		sim_node_kill(h);
		ck = get_wait(src, keys[i]);
		CHECK(res[ck].done && res[ck].status == 0 &&
		    res[ck].msgs >= 2 && res[ck].vlen == vlen[i],
		    "...and with that node dead, the lookup widens and finds "
		    "it elsewhere (%u requests)", res[ck].msgs);
	}
	CHECK(got == 1, "found a GET whose closest known node is a holder");

	/* a local chunk is served by the local store */
	for (src = 0; (size_t)src < nnodes; src++)
		if (sim_node_state(src) == SIM_UP &&
		    sim_store_has(src, keys[0]))
			break;
	ck = cookie_new();
	if ((size_t)src < nnodes)
		(void)sim_get(src, keys[0], ck);
	sim_run_for_ms(50);
	CHECK(res[ck].done && res[ck].local && res[ck].status == 0 &&
	    res[ck].vlen == vlen[0], "GET at a holder is answered locally");

	/* GET of a key nobody has fails after the lookup */
	sim_rand_id(missing);
	ck = get_wait(sim_random_up(), missing);
	CHECK(res[ck].done && res[ck].status == -1, "GET of a missing key "
	    "ends with not found");

	/* holders that send damaged values: the lookup goes past them */
	nt = (int)sim_truth(keys[1], idx, 8, -1, 0);
	for (j = 0; j < (unsigned)nt; j++)
		if (sim_store_has(idx[j], keys[1]))
			break;	/* the closest holder stays honest */
	for (i = 0; i < nnodes; i++)
		if (sim_store_has((int)i, keys[1]) &&
		    (j == (unsigned)nt || (int)i != idx[j]))
			sim_node_corrupt((int)i, 1);
	/* up to 10 GETs from non-holders, until one met a liar */
	for (got = 0, bad = 0, c = 0; c < 10 && bad == 0; c++) {
		uint64_t	b0;

		src = non_holder(keys[1]);
		b0 = dht_stats(sim_node_dht(src))->drop[DHT_DROP_BADVALUE];
		ck = get_wait(src, keys[1]);
		sim_value(keys[1], vlen[1], val);
		got += res[ck].done && res[ck].status == 0 &&
		    res[ck].vlen == vlen[1] &&
		    memcmp(res[ck].value, val, vlen[1]) == 0;
		bad = (unsigned)(dht_stats(sim_node_dht(src))->
		    drop[DHT_DROP_BADVALUE] - b0);
	}
	CHECK(got == c, "GET with lying holders still finds the real value "
	    "(%u/%zu)", got, c);
	CHECK(bad > 0, "bad values were received, rejected and counted "
	    "(%u in GET %zu)", bad, c);
	for (i = 0; i < nnodes; i++)
		sim_node_corrupt((int)i, 0);

	/*
	 * Migration: the closest holder of each of 10 chunks dies; a scan
	 * later the new closest node holds it and has re-replicated.  And a
	 * chunk planted on a far node gets pushed toward its key.
	 */
	for (i = 0; i < 10; i++) {
		(void)sim_truth(keys[i], idx, 1, -1, 0);
		sim_node_kill(idx[0]);
	}
	sim_rand_id(keys[NCHUNK - 1]);
	nt = (int)sim_truth(keys[NCHUNK - 1], idx, 8, -1, 0);
	do {
		src = sim_random_up();
		for (j = 0; j < (unsigned)nt && idx[j] != src; j++)
			;
	} while (j < (unsigned)nt);
	sim_store_plant(src, keys[NCHUNK - 1], 500);
	c = copies(keys[NCHUNK - 1], 8, &has);
	CHECK(c <= 1 && !has, "planted chunk is on one far node only");
	t0 = sim_now_ms();
	sim_run_for_ms(12 * 60 * 1000);
	for (good = 0, full = 0, i = 0; i < 10; i++) {
		c = copies(keys[i], 8, &has);
		good += has;
		full += c >= 7;
	}
	printf("# migration after closest holders died: %u/10 closest, "
	    "%u/10 with >= 7 of 8 copies (%llu s)\n", good, full,
	    (unsigned long long)(sim_now_ms() - t0) / 1000);
	CHECK(good >= 9 && full >= 9, "migration repairs replicas");
	c = copies(keys[NCHUNK - 1], 8, &has);
	CHECK(has && c >= 7, "migration pushes a far key to its closest "
	    "nodes (%zu copies)", c);

	/* a restarted node rejoins from its saved table, no bootstrap */
	src = sim_random_up();
	blen = (ssize_t)dht_save_size(sim_node_dht(src));
	blob = malloc((size_t)blen);
	CHECK(blob != NULL && dht_save(sim_node_dht(src), blob,
	    (size_t)blen) == blen, "routing table saved (%zd bytes)", blen);
	free(blob);
	sim_node_down(src);
	CHECK(sim_node_up(src) == 0 && dht_nodes(sim_node_dht(src)) > 0,
	    "and loaded into the restarted node (%zu contacts)",
	    dht_nodes(sim_node_dht(src)));
	sim_run_for_ms(5000);
	for (exact = 0, i = 0; i < 20; i++) {
		int	want[K];
		size_t	n2;

		ck = cookie_new();
		sim_rand_id(missing);
		(void)sim_lookup(src, missing, ck);
		for (j = 0; j < 100 && !res[ck].done; j++)
			sim_run_for_ms(100);
		n2 = sim_truth(missing, want, K, src, 0);
		if (res[ck].done && res[ck].nnodes == n2 && n2 > 0 &&
		    memcmp(res[ck].nodes[0].id, sim_node_id(want[0]),
		    KAD_ID_LEN) == 0 && memcmp(res[ck].nodes[n2 - 1].id,
		    sim_node_id(want[n2 - 1]), KAD_ID_LEN) == 0)
			exact++;
	}
	CHECK(exact >= 19, "restarted node's lookups are exact (%u/20)",
	    exact);

	for (tot = 0, x = 0; (size_t)x < nnodes; x++)
		if (sim_node_dht(x) != NULL)
			tot += dht_stats(sim_node_dht(x))->
			    drop[DHT_DROP_MALFORMED];
	CHECK(tot == 0, "no node saw a malformed datagram");
	printf("# %llu events simulated\n",
	    (unsigned long long)sim_stats()->events);
	sim_free();
	free(hops);
	free(msgs);
}

/* ---------------- part 3: search.c on its own ---------------- */

static void
test_search_unit(void)
{
	struct search		*s;
	struct search_cand	*c, *c2;
	const struct search_cand *out[8];
	struct krpc_addr	 a;
	uint8_t			 t[32], id[32], pub[32];
	unsigned		 i, n;

	memset(t, 0, sizeof(t));
	memset(pub, 0xa5, sizeof(pub));	/* search never looks at keys */
	memset(&a, 0, sizeof(a));
	a.family = KRPC_AF_INET;
	a.port = 1;
	CHECK(search_new(t, KRPC_PING, 4, 2, 8, 5) == NULL, "bad type");
	s = search_new(t, KRPC_FIND_NODE, 4, 2, 8, 3);
	/* ids 1..10 at distance i from target 0 */
	for (i = 10; i >= 1; i--) {
		memset(id, 0, 32);
		id[31] = (uint8_t)i;
		(void)search_add(s, id, pub, &a, i == 1 ? 5 : 1);
	}
	c = search_next(s);
	CHECK(c != NULL && c->id[31] == 2, "id 1 is past the hop limit; "
	    "closest eligible asked first");
	c2 = search_next(s);
	CHECK(c2 != NULL && c2->id[31] == 3 && search_next(s) == NULL,
	    "alpha = 2 in flight");
	search_slow(s, c);
	c = search_next(s);
	CHECK(c != NULL && c->id[31] == 4 && search_pending(s) == 3,
	    "a slow request frees a slot but is still pending");
	memset(id, 0, 32);
	id[31] = 2;
	search_replied(s, search_find(s, id));
	search_replied(s, c2);
	search_replied(s, c);
	CHECK(!search_done(s), "not done: 5 of the 4 closest live unasked");
	c = search_next(s);
	CHECK(c != NULL && c->id[31] == 5, "next: 5");
	search_failed(s, c);
	c = search_next(s);
	CHECK(c != NULL && c->id[31] == 6, "a failure brings in the 5th "
	    "closest");
	search_replied(s, c);
	CHECK(search_done(s), "done: the 4 closest live all replied");
	n = (unsigned)search_results(s, out, 8);
	CHECK(n == 4 && out[0]->id[31] == 2 && out[3]->id[31] == 6,
	    "results: replied ones, nearest first");
	CHECK(search_msgs(s) == 5, "5 requests counted");
	search_free(s);

	/* a chunk lookup: one request first, alpha once widened */
	s = search_new(t, KRPC_FIND_VALUE, 4, 1, 8, 3);
	for (i = 1; i <= 6; i++) {
		memset(id, 0, 32);
		id[31] = (uint8_t)i;
		(void)search_add(s, id, pub, &a, 1);
	}
	c = search_next(s);
	CHECK(c != NULL && c->id[31] == 1 && search_next(s) == NULL,
	    "alpha 1: the closest alone");
	search_widen(s, 3);
	c = search_next(s);
	c2 = search_next(s);
	CHECK(c != NULL && c2 != NULL && c->id[31] == 2 && c2->id[31] == 3 &&
	    search_next(s) == NULL, "widened to 3: two more, no fourth");
	search_widen(s, 1);
	search_replied(s, c);
	CHECK(search_next(s) != NULL, "widening never narrows");
	search_free(s);
}

/* The lookup-time percentiles kadctl status reports. */
static void
test_get_ms(void)
{
	static struct dht_stats	 st;

	memset(&st, 0, sizeof(st));
	CHECK(dht_get_ms_pct(&st, 50) == 0, "no lookups: 0 ms");
	st.get_ms[3] = 5;
	st.get_ms[10] = 4;
	st.get_ms[DHT_GET_MS_MAX] = 1;
	CHECK(dht_get_ms_pct(&st, 50) == 3 && dht_get_ms_pct(&st, 51) == 10,
	    "median: the 5th of 10 lookups took 3 ms, the 6th 10 ms");
	CHECK(dht_get_ms_pct(&st, 90) == 10 &&
	    dht_get_ms_pct(&st, 91) == DHT_GET_MS_MAX &&
	    dht_get_ms_pct(&st, 100) == DHT_GET_MS_MAX &&
	    dht_get_ms_pct(&st, 0) == 3, "p90, p91, max and min");
}

int
main(void)
{
	test_search_unit();
	test_get_ms();
	test_input_rules();
	test_keys();
	test_lost_datagrams();
	test_retransmission();
	test_boot_retry();
	test_network();
	return (test_done());
}
