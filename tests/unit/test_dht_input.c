/* SPDX-License-Identifier: ISC */
/*
 * Tests for kadnet/dht.c (protocol version 2): the input rules of one
 * node fed hand-made messages as its session layer would hand them over,
 * with the sender's key and whether its address has proved itself
 * (martians, malformed, our own key, replies from the peer asked, rate
 * limits, STOREs only over proved keys, which contact moves where,
 * callbacks that may not re-enter, the loopback policy).  The harness is
 * dht_cap.c.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <bsd/sys/endian.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "kadnet/dht.h"
#include "kadnet/krpc.h"
#include "kadnet/node_id.h"
#include "kadnet/routing.h"
#include "tests/unit/dht_cap.h"
#include "tests/test.h"

/* One node, d, through the steps below, in this order. */
static struct cap		 c, c2;
static struct dht		*d;
static const struct dht_stats	*st;
static uint8_t			 buf[KRPC_MAX_MSG], txid[8], key[32];
static uint8_t			 pa[32], ida[32], pb[32], idb[32], val[100];
static size_t			 len;

/* PINGs over proved keys and inside a handshake's first message */
static void
rules_ping(void)
{
	const struct rt_entry	*e;
	struct krpc_msg		 m;

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
	mkkey(pb, idb, 0x7f000003);
	c.n = 0;
	input(d, pb, 0, buf, len, 0x7f000003, 4000);
	e = routing_find(dht_routing(d), idb);
	CHECK(c.n == 1 && cap_last(&c, &m) == 0 && m.type == KRPC_PONG &&
	    cap_last_to(&c, pb, 0x7f000003, 4000) && e == NULL &&
	    dht_nodes(d) == 1, "an unproved PING: answered, its sender not "
	    "added (the address may be forged, and the ID is bound to it)");
	CHECK(peer_up(d, pb, 0x7f000003, 4000) == 0 &&
	    (e = routing_find(dht_routing(d), idb)) != NULL &&
	    routing_good(e, now) && dht_nodes(d) == 2, "...its handshake, "
	    "once confirmed, adds it");
}

/* martian sources and bad sockaddrs */
static void
rules_martians(void)
{
	struct sockaddr_in	 sin;
	struct sockaddr_in6	 sin6;

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
}

/* malformed messages, and our own key */
static void
rules_malformed(void)
{
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
}

/* replies must answer a request of ours, from the peer asked */
static void
rules_replies(void)
{
	const struct rt_entry	*e;
	struct krpc_msg		 m;
	struct sockaddr_in	 sin;
	uint8_t			 px[32], idx[32];
	uint64_t		 before;

	mkkey(px, idx, 0x0a000005);
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
	    routing_find(dht_routing(d), idx) == NULL && c.pings == 0,
	    "a PONG inside a handshake's first message (anyone's to forge): "
	    "UNPROVED, nobody added");
	before = dht_nodes(d);
	input(d, px, 1, buf, len, 0x0a000005, 5000);
	e = routing_find(dht_routing(d), idx);
	CHECK(dht_nodes(d) == before + 1 && e != NULL &&
	    routing_good(e, now) && contact_at(d, idx, px, 0x0a000005, 5000),
	    "the right PONG adds the node, whatever key its handshake proved");
	CHECK(c.pings == 1 && c.ping.cookie == 0 &&
	    memcmp(c.ping.key, idx, 32) == 0 &&
	    c.ping.addr.family == KRPC_AF_INET &&
	    c.ping.addr.port == 5000 && c.ping.addr.ip[0] == 10 &&
	    c.ping.addr.ip[3] == 5, "and says so: DHT_EV_PING with the "
	    "address pinged and the node ID its key gives");
	input(d, px, 1, buf, len, 0x0a000005, 5000);
	CHECK(st->drop[DHT_DROP_UNSOLICITED] == 2 && c.pings == 1,
	    "a second copy is unsolicited");
}

/* per-source rate limit; no ban for what may be spoofed */
static void
rules_ratelimit(void)
{
	size_t	i, sent;

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
}

/*
 * BUSY: a proved peer over its rate hears it once (not once a request),
 * with when to come back; one whose address is not proved, or a PING,
 * never does (no amplifier).  A BUSY answer to our own request ends it
 * without a mark against the peer.
 */
static int
count_type(size_t from, uint8_t type, struct krpc_msg *last)
{
	struct krpc_msg	 m;
	enum krpc_err	 why;
	size_t		 i;
	int		 n = 0;

	for (i = from; i < c.n; i++)
		if (krpc_decode(c.buf[i], c.len[i], &m, &why) == 0 &&
		    m.type == type) {
			n++;
			if (last != NULL)
				*last = m;
		}
	return (n);
}

static void
rules_busy(void)
{
	struct krpc_msg	 m, b;
	enum krpc_err	 why;
	uint8_t		 pq[32], idq[32], t[32], bb[KRPC_MAX_MSG];
	uint64_t	 s0, r0, to0;
	size_t		 i, bl;
	ssize_t		 k;

	mkkey(pq, idq, 0x0a010e0e);
	memset(t, 0x5c, sizeof(t));
	c.n = 0;
	s0 = st->busy_sent;
	len = mkmsg(buf, KRPC_FIND_NODE, txid, t);
	for (i = 0; i < 30; i++)
		input(d, pq, 1, buf, len, 0x0a00000b, 11);
	CHECK(count_type(0, KRPC_NODES, NULL) == 20 &&
	    count_type(0, KRPC_BUSY, &b) == 1 && st->busy_sent == s0 + 1,
	    "a proved peer over its rate: 20 answers, then one BUSY for the "
	    "ten over (%d NODES, %d BUSY)", count_type(0, KRPC_NODES, NULL),
	    count_type(0, KRPC_BUSY, NULL));
	CHECK(memcmp(b.txid, txid, 8) == 0 && b.retry >= 1,
	    "the BUSY answers that request, retry after %u ms",
	    b.retry * KRPC_BUSY_UNIT_MS);
	c.n = 0;
	for (i = 0; i < 30; i++)
		input(d, pq, 0, buf, len, 0x0a00000c, 12);
	CHECK(count_type(0, KRPC_BUSY, NULL) == 0, "an unproved source over "
	    "its rate: no BUSY");
	c.n = 0;
	len = mkmsg(buf, KRPC_PING, txid, NULL);
	for (i = 0; i < 30; i++)
		input(d, pq, 1, buf, len, 0x0a00000d, 13);
	CHECK(count_type(0, KRPC_BUSY, NULL) == 0 &&
	    count_type(0, KRPC_PONG, NULL) == 20, "PINGs over the rate: "
	    "never BUSY");
	now += 2000;	/* the limits refill */

	/* our FIND_NODE answered BUSY: no mark against the peer */
	if (join_contact(d, &c, pq, 0x0a010e0e, 14) == -1) {
		CHECK(0, "a contact to ask");
		return;
	}
	r0 = st->busy_received;
	to0 = st->timeouts;
	i = c.n;
	(void)dht_lookup(d, idq, 99, now);	/* it is the closest */
	for (k = -1; i < c.n; i++)
		if (krpc_decode(c.buf[i], c.len[i], &m, &why) == 0 &&
		    m.type == KRPC_FIND_NODE &&
		    c.to[i].sin_addr.s_addr == htonl(0x0a010e0e)) {
			k = (ssize_t)i;
			break;
		}
	CHECK(k >= 0, "the lookup asks the contact");
	if (k < 0)
		return;
	krpc_init(&b, KRPC_BUSY, m.txid);
	b.retry = 5;
	bl = (size_t)krpc_encode(&b, bb, sizeof(bb));
	input(d, pq, 1, bb, bl, 0x0a010e0e, 14);
	CHECK(st->busy_received == r0 + 1 && st->timeouts == to0 &&
	    contact_at(d, idq, pq, 0x0a010e0e, 14),
	    "its BUSY is taken: counted, no timeout, still a good contact");
	input(d, pq, 1, bb, bl, 0x0a010e0e, 14);
	CHECK(st->busy_received == r0 + 1, "a second copy is unsolicited");
	len = mkmsg(buf, KRPC_PING, txid, NULL);
}

/* HAVE reads the bytes to prove them; STORE needs a proved address */
static void
rules_store(void)
{
	struct krpc_msg	m;
	size_t		i, n0;
	uint64_t	u0, g0;
	uint8_t		pre[KRPC_NONCE_LEN + sizeof(val)], proof[KRPC_PROOF_LEN];

	for (i = 0; i < sizeof(val); i++)
		val[i] = (uint8_t)i;
	sha256(val, sizeof(val), key);
	mkkey(pb, idb, 0x0a000009);
	c.n = 0;
	len = mkmsg(buf, KRPC_HAVE, txid, key);
	g0 = c.gets;
	input(d, pb, 1, buf, len, 0x0a000009, 9);
	CHECK(c.gets == g0 + 1 && c.n == 0, "HAVE asks the store for the "
	    "bytes first");
	CHECK(dht_store_reply(d, c.cookie, DHT_STORE_NOTFOUND, NULL, 0,
	    now) == 0 && cap_last(&c, &m) == 0 && m.type == KRPC_HAVE_RES &&
	    m.have == 0 && cap_last_to(&c, pb, 0x0a000009, 9),
	    "store says no: HAVE_RES have=0, to the asker's key");
	CHECK(dht_store_reply(d, c.cookie, DHT_STORE_NOTFOUND, NULL, 0,
	    now) == -1 && errno == ENOENT, "a cookie answers only once");
	/* the proof: SHA-256 of the HAVE's nonce (zeros here), the bytes */
	memset(pre, 0, KRPC_NONCE_LEN);
	memcpy(pre + KRPC_NONCE_LEN, val, sizeof(val));
	sha256(pre, KRPC_NONCE_LEN + sizeof(val), proof);
	input(d, pb, 1, buf, len, 0x0a000009, 9);
	CHECK(c.gets == g0 + 2 && dht_store_reply(d, c.cookie,
	    DHT_STORE_FOUND, val, sizeof(val), now) == 0 &&
	    cap_last(&c, &m) == 0 && m.type == KRPC_HAVE_RES && m.have == 1 &&
	    memcmp(m.proof, proof, KRPC_PROOF_LEN) == 0,
	    "store has it: HAVE_RES have=1, SHA-256(nonce || bytes)");
	val[0] ^= 1;
	input(d, pb, 1, buf, len, 0x0a000009, 9);
	CHECK(dht_store_reply(d, c.cookie, DHT_STORE_FOUND, val, sizeof(val),
	    now) == 0 && cap_last(&c, &m) == 0 && m.type == KRPC_HAVE_RES &&
	    m.have == 0, "a damaged copy (hash not its key): have=0");
	val[0] ^= 1;
	input(d, pb, 1, buf, len, 0x0a000009, 9);
	CHECK(c.gets == g0 + 4 && dht_store_reply(d, c.cookie,
	    DHT_STORE_ERROR, NULL, 0, now) == 0 && cap_last(&c, &m) == 0 &&
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
	n0 = c.n;
	input(d, pb, 1, buf, len, 0x0a000009, 9);
	CHECK(c.puts == 1 && c.n == n0 && st->stores_accepted == 0,
	    "over proved keys: to the store, and no answer before its commit");
	CHECK(dht_store_reply(d, c.cookie, DHT_STORE_FOUND, NULL, 0, now) ==
	    0 && cap_last(&c, &m) == 0 && m.type == KRPC_STORE_RES &&
	    m.status == KRPC_ST_OK && st->stores_accepted == 1 &&
	    cap_last_to(&c, pb, 0x0a000009, 9) && c.room[c.n - 1] == 0,
	    "committed: STORE_RES OK, to the sender");
	input(d, pb, 1, buf, len, 0x0a000009, 9);
	CHECK(c.puts == 2 && dht_store_reply(d, c.cookie, DHT_STORE_ERROR,
	    NULL, 0, now) == 0 && cap_last(&c, &m) == 0 &&
	    m.type == KRPC_STORE_RES && m.status == KRPC_ST_BUSY &&
	    st->stores_failed == 1 && st->stores_accepted == 1,
	    "not committed (a full disk): STORE_RES BUSY, counted");
	buf[len - 1] ^= 1;
	input(d, pb, 1, buf, len, 0x0a000009, 9);
	CHECK(cap_last(&c, &m) == 0 && m.status == KRPC_ST_BADVALUE &&
	    c.puts == 2 && st->drop[DHT_DROP_BADVALUE] == 1,
	    "value not matching its key: BADVALUE");
}

/* strikes only for what a proved peer did (buf's value is bad) */
static void
rules_strikes(void)
{
	uint8_t		px[32], idx[32];
	size_t		i;
	uint64_t	b0, u0;

	mkkey(px, idx, 0x0a00000c);
	b0 = st->drop[DHT_DROP_BANNED];
	u0 = st->drop[DHT_DROP_UNPROVED];
	for (i = 0; i < 70; i++) {
		now += 100;		/* within the rate limit */
		input(d, px, 0, buf, len, 0x0a00000c, 12);
	}
	CHECK(st->drop[DHT_DROP_UNPROVED] - u0 == 70 &&
	    st->drop[DHT_DROP_BANNED] == b0 && c.puts == 2, "70 bad STOREs "
	    "inside handshakes' first messages (a spoofer's): refused "
	    "UNPROVED, counted, no ban");
	for (i = 0; i < 70; i++) {
		now += 100;
		input(d, px, 1, buf, len, 0x0a00000b, 11);
	}
	CHECK(st->drop[DHT_DROP_BANNED] > b0, "bad values over proved keys: "
	    "the address is banned (%llu drops)",
	    (unsigned long long)(st->drop[DHT_DROP_BANNED] - b0));
}

/* callbacks may not re-enter */
static void
rules_reenter(void)
{
	c.reenter_dht = d;
	c.reenter = 0;
	CHECK(dht_get(d, key, 77, now) == 0 && c.gets >= 1,
	    "dht_get asks the local store first");
	dht_store_reply(d, c.cookie, DHT_STORE_FOUND, val, sizeof(val), now);
	CHECK(c.reenter == EDEADLK, "dht call from a callback: EDEADLK");
	c.reenter_dht = NULL;
	CHECK(dht_put(d, key, val, sizeof(val) - 1, 0, 0, now) == -1 &&
	    errno == EINVAL, "dht_put of a value not matching its key: EINVAL");
}

/* loopback policy */
static void
rules_loopback(void)
{
	struct dht	*d2;

	d = mknode(&c, 0x0a000001, DHT_MARTIAN_AUTO);
	d2 = mknode(&c2, 0x0a000001, DHT_MARTIAN_LOOPBACK);
	mkkey(pa, ida, 0x7f000001);
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

/* a contact in the last captured message has an address of this scope */
static int
last_has_scope(struct cap *cp, int scope)
{
	struct krpc_msg	mm;
	size_t		i;

	if (cap_last(cp, &mm) != 0)
		return (0);
	for (i = 0; i < mm.ncontacts; i++)
		if (krpc_addr_scope(&mm.contacts[i].addr) == scope)
			return (1);
	return (0);
}

/*
 * Address scope: bound to a global address or the wildcard, a node
 * neither hears from nor adds nor hands out private ones; bound to a
 * private one, it does all three.
 */
static void
rules_scope(void)
{
	uint8_t		 tx2[8];
	uint8_t		 fn[KRPC_MAX_MSG];
	size_t		 fnlen;
	struct dht	*d2;
	const uint32_t	 glob = 0x08080808, priv = 0xc0a80105;	/* .1.5 */

	d = mknode(&c, glob, DHT_MARTIAN_AUTO);
	d2 = mknode(&c2, 0x0a000001, DHT_MARTIAN_AUTO);
	mkkey(pa, ida, 0x09090909);
	mkkey(pb, idb, 0x09090910);
	rnd_bytes(NULL, tx2, sizeof(tx2));
	len = mkmsg(buf, KRPC_PING, txid, NULL);
	input(d, pa, 1, buf, len, priv, 4000);
	CHECK(c.n == 0 && dht_stats(d)->drop[DHT_DROP_SCOPE] == 1 &&
	    dht_nodes(d) == 0, "bound to a global address: a PING from "
	    "192.168.1.5 is dropped (scope), no contact");
	CHECK(peer_up(d, pa, 0x0a000007, 4000) == -1 &&
	    peer_up(d, pa, 0x64400001, 4000) == -1 &&
	    peer_up(d, pa, 0xa9fe0001, 4000) == -1 && dht_nodes(d) == 0,
	    "nor a handshake from 10/8, 100.64/10 or 169.254/16");
	input(d, pa, 1, buf, len, 0x09090909, 4000);
	CHECK(c.n == 1 && dht_nodes(d) == 1, "a global source is answered");
	fnlen = mkmsg(fn, KRPC_FIND_NODE, tx2, ida);
	input(d, pb, 1, fn, fnlen, 0x09090910, 4000);
	CHECK(c.n == 2 && !last_has_scope(&c, KRPC_SCOPE_PRIVATE),
	    "its FIND_NODE answer names no private contact");

	input(d2, pa, 1, buf, len, priv, 4000);
	CHECK(c2.n == 1 && dht_nodes(d2) == 1 &&
	    dht_stats(d2)->drop[DHT_DROP_SCOPE] == 0,
	    "bound to 10.0.0.1: 192.168.1.5 is a peer");
	input(d2, pb, 1, fn, fnlen, 0x0a000009, 4000);
	CHECK(c2.n == 2 && last_has_scope(&c2, KRPC_SCOPE_PRIVATE),
	    "and is handed out in a FIND_NODE answer");
	dht_free(d);
	dht_free(d2);

	d = mknode(&c, 0, DHT_MARTIAN_AUTO);
	input(d, pa, 1, buf, len, 0x0a000005, 4000);
	CHECK(c.n == 0 && dht_stats(d)->drop[DHT_DROP_SCOPE] == 1,
	    "bound to the wildcard 0.0.0.0: strict, 10.0.0.5 dropped");
	dht_free(d);
}

static void
test_input_rules(void)
{
	now = 1000000;
	d = mknode(&c, 0x7f000001, DHT_MARTIAN_AUTO);
	CHECK(d != NULL, "dht_new");
	if (d == NULL)
		return;
	st = dht_stats(d);
	mkkey(pa, ida, 0x7f000002);
	rnd_bytes(NULL, txid, sizeof(txid));
	len = mkmsg(buf, KRPC_PING, txid, NULL);
	rules_ping();
	rules_martians();
	rules_malformed();
	rules_replies();
	rules_ratelimit();
	rules_busy();
	rules_store();
	rules_strikes();
	rules_reenter();
	check_sends(&c, "input rules");
	dht_free(d);
	rules_loopback();
	rules_scope();
}

/* A random key, its ID at ip, that passes (pass) or fails bits' puzzle. */
static void
puzzle_key(uint8_t pub[32], uint8_t id[32], uint32_t ip, unsigned bits,
    int pass)
{
	do
		mkkey(pub, id, ip);
	while (kad_puzzle_ok(pub, bits) != pass);
}

/*
 * The key puzzle (4 bits here) in the core: a sender whose key fails it
 * is dropped (the session layer refuses it first in the daemon), a
 * contact a NODES answer names with such a key is never asked, and a
 * saved table's such keys are not loaded; each is counted.
 */
static void
test_puzzle(void)
{
	struct dht		*d0;
	struct cap		 c0;
	struct krpc_msg		 m, r;
	uint8_t			 pg[32], idg[32], pf[32], idf[32], t[32];
	uint8_t			 pp[32], idp[32], *blob;
	ssize_t			 n, bl;
	size_t			 mark;

	now = 2000000;
	cap_puzzle_bits = 4;
	d = mknode(&c, 0x0a000001, DHT_MARTIAN_AUTO);
	cap_puzzle_bits = 0;
	if (d == NULL) {
		CHECK(0, "dht_new");
		return;
	}
	st = dht_stats(d);
	puzzle_key(pf, idf, 0x0a000107, 4, 0);
	rnd_bytes(NULL, txid, sizeof(txid));
	len = mkmsg(buf, KRPC_PING, txid, NULL);
	c.n = 0;
	input(d, pf, 1, buf, len, 0x0a000107, 4000);
	CHECK(c.n == 0 && dht_nodes(d) == 0 &&
	    st->drop[DHT_DROP_PUZZLE] == 1, "a PING from a key that fails the "
	    "puzzle: dropped, counted, no contact");
	puzzle_key(pp, idp, 0x0a000202, 4, 1);
	CHECK(join_contact(d, &c, pp, 0x0a000202, 5000) == 0 &&
	    st->drop[DHT_DROP_PUZZLE] == 1, "a key that passes joins");

	/* P answers a lookup with F (fails) and G (passes) */
	puzzle_key(pg, idg, 0x0a000303, 4, 1);
	memset(t, 0x77, sizeof(t));
	mark = c.n;
	(void)dht_lookup(d, t, 5, now);
	if ((n = find_sent(&c, mark, KRPC_FIND_NODE, &m)) < 0) {
		CHECK(0, "the lookup asks P");
		dht_free(d);
		return;
	}
	krpc_init(&r, KRPC_NODES, m.txid);
	r.ncontacts = 2;
	memcpy(r.contacts[0].pub, pf, 32);
	memcpy(r.contacts[1].pub, pg, 32);
	r.contacts[0].addr.family = r.contacts[1].addr.family = KRPC_AF_INET;
	r.contacts[0].addr.port = r.contacts[1].addr.port = 6000;
	be32enc(r.contacts[0].addr.ip, 0x0a000107);
	be32enc(r.contacts[1].addr.ip, 0x0a000303);
	if ((bl = krpc_encode(&r, buf, sizeof(buf))) < 0)
		abort();
	mark = c.n;
	now += 20;
	input(d, pp, 1, buf, (size_t)bl, 0x0a000202, 5000);
	CHECK(st->drop[DHT_DROP_PUZZLE] == 2 &&
	    sent_to(&c, mark, 0x0a000107, KRPC_FIND_NODE) == 0 &&
	    sent_to(&c, mark, 0x0a000303, KRPC_FIND_NODE) == 1,
	    "a NODES answer: the contact whose key fails is counted and never "
	    "asked, the other is");

	/* a table saved without the puzzle, loaded with it */
	d0 = mknode(&c0, 0x0a000001, DHT_MARTIAN_AUTO);
	len = mkmsg(buf, KRPC_PING, txid, NULL);
	input(d0, pf, 1, buf, len, 0x0a000107, 4000);
	input(d0, pg, 1, buf, len, 0x0a000303, 4000);
	blob = malloc(dht_save_size(d0));
	if (d0 == NULL || blob == NULL || dht_nodes(d0) != 2 ||
	    (n = dht_save(d0, blob, dht_save_size(d0))) < 0)
		abort();
	dht_free(d);
	cap_puzzle_bits = 4;
	d = mknode(&c, 0x0a000001, DHT_MARTIAN_AUTO);
	cap_puzzle_bits = 0;
	st = dht_stats(d);
	CHECK(d != NULL && dht_load(d, blob, (size_t)n, now) == 1 &&
	    routing_find(dht_routing(d), idg) != NULL &&
	    routing_find(dht_routing(d), idf) == NULL &&
	    st->drop[DHT_DROP_PUZZLE] == 1, "a saved table: the key that "
	    "fails is left out and counted, the other loaded");
	free(blob);
	dht_free(d0);
	dht_free(d);
	d = NULL;
}

int
main(void)
{
	test_input_rules();
	test_puzzle();
	return (test_done());
}
