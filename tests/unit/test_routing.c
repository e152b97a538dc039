/* SPDX-License-Identifier: ISC */
/*
 * Unit tests for kadnet/routing.c (k-buckets: splitting, LRS order,
 * ping-before-evict, replacement cache, closest-node queries, refresh,
 * which address a contact keeps, save/load of keys) and
 * kadnet/ratelimit.c (token buckets, strikes, bans).  A contact's id is
 * the node ID of its key at its address's network (kad_node_id);
 * routing itself only checks that when it loads a blob (and drops the
 * keys that fail the puzzle), so where a test needs an id at a given
 * prefix length it makes one (id_at) and gives it an arbitrary key
 * (pubof).
 */
#include <bsd/sys/endian.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kadnet/krpc.h"
#include "kadnet/node_id.h"
#include "kadnet/ratelimit.h"
#include "kadnet/routing.h"
#include "tests/test.h"

#define MIN	(60 * 1000ULL)

static uint64_t	rng = 0x9e3779b97f4a7c15ULL;

static uint64_t
rnd64(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (rng);
}

static void
rndbytes(uint8_t *p, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++)
		p[i] = (uint8_t)rnd64();
}

/* An id sharing exactly cpl leading bits with base (cpl < 256). */
static void
id_at(const uint8_t base[KAD_ID_LEN], unsigned cpl, uint8_t id[KAD_ID_LEN])
{
	unsigned	i;
	uint8_t		bit;

	rndbytes(id, KAD_ID_LEN);
	for (i = 0; i <= cpl; i++) {
		bit = 0x80 >> (i % 8);
		id[i / 8] = (uint8_t)((id[i / 8] & ~bit) |
		    (base[i / 8] & bit));
	}
	id[cpl / 8] ^= 0x80 >> (cpl % 8);
}

static void
addr4(struct krpc_addr *a, uint32_t ip, uint16_t port)
{
	memset(a, 0, sizeof(*a));
	a->family = KRPC_AF_INET;
	a->ip[0] = ip >> 24;
	a->ip[1] = (ip >> 16) & 0xff;
	a->ip[2] = (ip >> 8) & 0xff;
	a->ip[3] = ip & 0xff;
	a->port = port;
}

/*
 * The next /24 (IPv4) or /48 (IPv6): a network of its own, for the
 * tests that are not about how many contacts of one network a table
 * takes (netdiv.h).
 */
static void
next_net(struct krpc_addr *a)
{
	int	at = a->family == KRPC_AF_INET ? 2 : 5;

	if (++a->ip[at] == 0)
		a->ip[at - 1]++;
}

static uint8_t	selfpub[KRPC_KEY_LEN], self[KAD_ID_LEN];
static struct krpc_addr selfaddr;	/* where our id is bound: 10.255.0.1 */

/* An arbitrary key for an id made by id_at (not its node ID). */
static const uint8_t *
pubof(const uint8_t id[KAD_ID_LEN])
{
	static uint8_t	pub[KRPC_KEY_LEN];
	size_t		i;

	for (i = 0; i < KRPC_KEY_LEN; i++)
		pub[i] = id[i] ^ 0xa5;
	return (pub);
}

static int
heard(struct routing *rt, const uint8_t id[KAD_ID_LEN],
    const struct krpc_addr *a, uint64_t now, struct rt_entry **ping)
{
	return (routing_heard(rt, id, pubof(id), a, now, ping));
}

static int
replied(struct routing *rt, const uint8_t id[KAD_ID_LEN],
    const struct krpc_addr *a, uint64_t now, uint32_t rtt,
    struct rt_entry **ping)
{
	return (routing_replied(rt, id, pubof(id), a, now, rtt, ping));
}

/* A random key and its node ID at a, the ID sharing cpl bits with ours. */
static void
keyed_at(int cpl, const struct krpc_addr *a, uint8_t pub[KRPC_KEY_LEN],
    uint8_t id[KAD_ID_LEN])
{
	do {
		rndbytes(pub, KRPC_KEY_LEN);
		if (kad_node_id(pub, a, id) == -1)
			abort();
	} while (cpl >= 0 && kad_id_cpl(id, self) != (unsigned)cpl);
}

static void
test_ids(void)
{
	uint8_t	a[KAD_ID_LEN], b[KAD_ID_LEN], t[KAD_ID_LEN];
	unsigned i;
	int	ok = 1;

	memset(a, 0, sizeof(a));
	memcpy(b, a, sizeof(b));
	CHECK(kad_id_cpl(a, b) == 256, "equal ids share 256 bits");
	b[0] = 0x80;
	CHECK(kad_id_cpl(a, b) == 0, "first bit differs: cpl 0");
	b[0] = 0;
	b[31] = 1;
	CHECK(kad_id_cpl(a, b) == 255, "last bit differs: cpl 255");
	for (i = 0; i < 256; i++) {
		id_at(self, i, b);
		if (kad_id_cpl(self, b) != i)
			ok = 0;
	}
	CHECK(ok, "id_at makes every prefix length");
	CHECK(kad_id_iszero(a) && !kad_id_iszero(b), "zero id");
	memset(t, 0, sizeof(t));
	memset(a, 0, sizeof(a));
	memset(b, 0, sizeof(b));
	a[0] = 0x01;
	b[1] = 0xff;
	CHECK(kad_id_cmpdist(a, b, t) > 0 && kad_id_cmpdist(b, a, t) < 0 &&
	    kad_id_cmpdist(a, a, t) == 0, "XOR distance order");
	t[0] = 0x01;
	CHECK(kad_id_cmpdist(a, b, t) < 0, "distance is relative to target");
}

/* every contact sits in the bucket its prefix length says */
static int
placement_ok(struct routing *rt)
{
	const struct rt_entry	*e;
	size_t			 n, j, total = 0;
	unsigned		 i, nb = routing_nbuckets(rt), cpl;

	for (i = 0; i < nb; i++) {
		e = routing_bucket(rt, i, &n, NULL);
		for (j = 0; j < n; j++) {
			cpl = kad_id_cpl(e[j].id, self);
			if (i < nb - 1 ? cpl != i : cpl < i)
				return (0);
			if (j > 0 && e[j - 1].seen > e[j].seen)
				return (0);	/* LRS order */
		}
		total += n;
	}
	return (total == routing_count(rt));
}

static void
test_split(void)
{
	struct routing	*rt;
	struct krpc_addr a;
	struct rt_entry	*ping;
	uint8_t		 id[KAD_ID_LEN];
	unsigned	 i, cpl;
	int		 r, ok = 1;
	size_t		 n;

	rt = routing_new(self, 4, 2, 256);
	CHECK(rt != NULL, "routing_new");
	addr4(&a, 0x0a000001, 1);
	/* 4 far contacts fill the only bucket, which holds our id */
	for (i = 0; i < 4; i++) {
		id_at(self, 0, id);
		next_net(&a);
		if (heard(rt, id, &a, 1000, &ping) != RT_ADDED)
			ok = 0;
	}
	CHECK(ok && routing_nbuckets(rt) == 1 && routing_count(rt) == 4,
	    "4 contacts fill one bucket");
	/* a closer one splits it: far ones stay in bucket 0 */
	id_at(self, 5, id);
	next_net(&a);
	r = heard(rt, id, &a, 1000, &ping);
	CHECK(r == RT_ADDED && routing_nbuckets(rt) == 2 &&
	    routing_count(rt) == 5, "closer contact splits the own bucket");
	(void)routing_bucket(rt, 0, &n, NULL);
	CHECK(n == 4, "bucket 0 keeps the 4 far contacts");
	/* bucket 0 is full and does not hold our id: no split, cached */
	id_at(self, 0, id);
	next_net(&a);
	r = heard(rt, id, &a, 1000, &ping);
	CHECK(r == RT_CACHED && routing_nbuckets(rt) == 2 &&
	    routing_count(rt) == 5, "full far bucket does not split");
	CHECK(ping == NULL, "fresh contacts are not pinged");
	(void)routing_bucket(rt, 0, &n, &n);
	CHECK(n == 1, "newcomer is in the replacement cache");

	/* many contacts at random depths: splits cascade correctly */
	for (i = 0; i < 400; i++) {
		cpl = (unsigned)(rnd64() % 12);
		id_at(self, cpl, id);
		next_net(&a);
		(void)heard(rt, id, &a, 2000, &ping);
	}
	CHECK(placement_ok(rt), "after 400 inserts every contact is placed "
	    "by prefix length, LRS ordered; %u buckets, %zu contacts",
	    routing_nbuckets(rt), routing_count(rt));
	CHECK(routing_nbuckets(rt) >= 12 && routing_count(rt) <= 4 *
	    routing_nbuckets(rt), "buckets split down to depth 12, k each");
	routing_free(rt);

	/* hard cap on buckets */
	rt = routing_new(self, 2, 0, 3);
	for (i = 0; i < 64; i++) {
		id_at(self, 10 + i % 20, id);
		next_net(&a);
		(void)heard(rt, id, &a, 1000, NULL);
	}
	CHECK(routing_nbuckets(rt) == 3 && routing_count(rt) <= 6,
	    "maxbuckets caps the table (%u buckets, %zu contacts)",
	    routing_nbuckets(rt), routing_count(rt));
	routing_free(rt);

	CHECK(routing_new(self, 0, 0, 10) == NULL && errno == EINVAL,
	    "k = 0 refused");
	CHECK(routing_new(self, 8, 0, 257) == NULL, "257 buckets refused");
}

static void
test_evict(void)
{
	struct routing	*rt;
	struct krpc_addr a, b;
	struct rt_entry	*ping, *e;
	const struct rt_entry *bk;
	uint8_t		 ids[4][KAD_ID_LEN], n1[KAD_ID_LEN], n2[KAD_ID_LEN];
	uint8_t		 n3[KAD_ID_LEN], n4[KAD_ID_LEN];
	uint64_t	 t = 10 * MIN;
	size_t		 n, nr;
	unsigned	 i;
	int		 r;

	/* maxbuckets 1: one bucket, never splits */
	rt = routing_new(self, 4, 2, 1);
	addr4(&a, 0x0a000001, 100);
	for (i = 0; i < 4; i++) {
		id_at(self, 0, ids[i]);
		a.ip[2] = (uint8_t)i;
		a.port = (uint16_t)(100 + i);
		(void)replied(rt, ids[i], &a, t + i, 20, NULL);
	}
	/* hearing from ids[0] again moves it to the tail */
	a.ip[2] = 0;
	a.port = 100;
	r = heard(rt, ids[0], &a, t + 10, NULL);
	bk = routing_bucket(rt, 0, &n, NULL);
	CHECK(r == RT_UPDATED && n == 4 &&
	    memcmp(bk[3].id, ids[0], KAD_ID_LEN) == 0 &&
	    memcmp(bk[0].id, ids[1], KAD_ID_LEN) == 0,
	    "a seen contact moves to the most-recent end");

	/* two minutes later a newcomer finds a full bucket */
	t += 2 * MIN;
	id_at(self, 0, n1);
	addr4(&b, 0x0c000001, 200);
	r = heard(rt, n1, &b, t, &ping);
	CHECK(r == RT_CACHED && ping != NULL &&
	    memcmp(ping->id, ids[1], KAD_ID_LEN) == 0,
	    "full bucket: newcomer cached, least recently seen is pinged");
	/* a second newcomer while that ping is out pings the next one */
	id_at(self, 0, n2);
	next_net(&b);
	b.port = 201;
	r = heard(rt, n2, &b, t + 1, &ping);
	CHECK(r == RT_CACHED && ping != NULL &&
	    memcmp(ping->id, ids[2], KAD_ID_LEN) == 0,
	    "second newcomer: next stale contact pinged, not the same twice");
	(void)routing_bucket(rt, 0, &n, &nr);
	CHECK(n == 4 && nr == 2, "replacement cache holds both newcomers");

	/* ids[1] answers: it stays, moves to the tail */
	a.ip[2] = 1;
	a.port = 101;
	r = replied(rt, ids[1], &a, t + 50, 30, NULL);
	bk = routing_bucket(rt, 0, &n, &nr);
	CHECK(r == RT_UPDATED && memcmp(bk[3].id, ids[1], KAD_ID_LEN) == 0 &&
	    nr == 2, "live contact kept; newcomers wait in the cache");
	/* ids[2] does not answer its liveness ping: evicted at once */
	r = routing_failed(rt, ids[2], t + 2000, 1);
	bk = routing_bucket(rt, 0, &n, &nr);
	CHECK(r == 1 && n == 4 && nr == 1 && routing_find(rt, ids[2]) ==
	    NULL && routing_find(rt, n2) != NULL,
	    "unanswered ping evicts; newest replacement promoted");
	CHECK(placement_ok(rt), "promoted contact keeps LRS order");

	/* a third and fourth newcomer overflow the cache (2): oldest goes */
	id_at(self, 0, n3);
	id_at(self, 0, n4);
	next_net(&b);
	(void)heard(rt, n3, &b, t + 3000, NULL);
	next_net(&b);
	(void)heard(rt, n4, &b, t + 3001, NULL);
	(void)routing_bucket(rt, 0, &n, &nr);
	CHECK(nr == 2, "replacement cache is bounded");
	/* evict twice: n4 then n3 come in; n1 was dropped */
	for (i = 0; i < 2; i++) {
		bk = routing_bucket(rt, 0, &n, &nr);
		memcpy(n2, bk[0].id, KAD_ID_LEN);
		(void)routing_failed(rt, n2, t + 4000, 1);
	}
	CHECK(routing_find(rt, n4) != NULL && routing_find(rt, n3) != NULL &&
	    routing_find(rt, n1) == NULL, "newest replacements first, "
	    "oldest was dropped");

	/* with an empty cache a stale contact stays; once bad, replaced */
	bk = routing_bucket(rt, 0, &n, &nr);
	CHECK(nr == 0, "cache now empty");
	memcpy(n2, bk[0].id, KAD_ID_LEN);
	for (i = 0; i < RT_MAX_FAILS; i++)
		r = routing_failed(rt, n2, t + 5000, 0);
	CHECK(r == 0 && routing_find(rt, n2) != NULL,
	    "no replacement: failing contact kept");
	e = routing_find(rt, n2);
	CHECK(e != NULL && !routing_good(e, t + 5000), "but it is not good");
	id_at(self, 0, n1);
	next_net(&b);
	r = heard(rt, n1, &b, t + 6000, NULL);
	CHECK(r == RT_ADDED && routing_find(rt, n2) == NULL &&
	    routing_find(rt, n1) != NULL, "a bad contact is replaced at once");

	/* heard from elsewhere, good or never confirmed: it stays put */
	memcpy(n2, ids[1], KAD_ID_LEN);
	b.port = 999;
	r = heard(rt, n2, &b, t + 7000, NULL);
	e = routing_find(rt, n2);
	CHECK(r == RT_IGNORED && e != NULL && e->addr.port == 101,
	    "good contact's address is not hijacked");
	r = heard(rt, n1, &b, t + 7000, NULL);
	e = routing_find(rt, n1);
	CHECK(r == RT_IGNORED && e != NULL && e->addr.port == 201,
	    "nor a never-confirmed one's");

	CHECK(heard(rt, self, &a, t, NULL) == RT_IGNORED,
	    "own id ignored");
	memset(n3, 0, sizeof(n3));
	CHECK(heard(rt, n3, &a, t, NULL) == RT_IGNORED,
	    "zero id ignored");
	routing_free(rt);
}

/*
 * Which address a contact keeps.  Only a proof of life (a reply, a
 * request over keys whose address proved itself, a handshake) moves a
 * contact, and it forgives the contact's failures; a request from an
 * address that has not proved itself (inside a handshake's first
 * message, anyone's to forge) never moves a known contact, whatever
 * its state, bad included, and forgives nothing.
 */
static void
test_addresses(void)
{
	static const char *const what[4] = {
		"good", "never confirmed", "bad", "silent for 15 minutes"
	};
	struct routing	*rt;
	struct krpc_addr a, c;
	struct rt_entry	*e, *out[8];
	uint8_t		 ids[4][KAD_ID_LEN];
	uint64_t	 t, seen;
	unsigned	 i, j;
	uint8_t		 fails;
	size_t		 n;
	int		 r, found;

	t = 60 * MIN;
	rt = routing_new(self, 8, 2, 1);
	for (i = 0; i < 4; i++) {
		id_at(self, 0, ids[i]);
		addr4(&a, 0x0a000001 + i + (i << 8), 100);
		if (i == 1)
			(void)heard(rt, ids[i], &a, t, NULL);
		else
			(void)replied(rt, ids[i], &a, i == 3 ? t - 16 * MIN :
			    t, 20, NULL);
	}
	for (j = 0; j < RT_MAX_FAILS; j++)
		(void)routing_failed(rt, ids[2], t, 0);
	CHECK(routing_closest(rt, ids[2], 0, 0, t, out, 8) == 3,
	    "one contact in each state: good, never confirmed, bad (left "
	    "out), silent");
	CHECK(routing_count(rt) == 4 && routing_live(rt) == 3,
	    "routing_live counts what routing_closest gives: all but the "
	    "bad contact (the table still holds it)");
	addr4(&c, 0x0b000001, 4000);
	for (i = 0; i < 4; i++) {
		e = routing_find(rt, ids[i]);
		seen = e->seen;
		fails = e->fails;
		r = heard(rt, ids[i], &c, t + 1000, NULL);
		e = routing_find(rt, ids[i]);
		CHECK(r == RT_IGNORED && e != NULL &&
		    e->addr.ip[3] == 1 + i && e->addr.port == 100 &&
		    e->seen == seen && e->fails == fails,
		    "%s contact: an unproved request from another address "
		    "moves nothing", what[i]);
	}
	/* from its own address, unproved: seen, but not forgiven */
	addr4(&a, 0x0a000203, 100);
	r = heard(rt, ids[2], &a, t + 2000, NULL);
	e = routing_find(rt, ids[2]);
	CHECK(r == RT_UPDATED && e->seen == t + 2000 &&
	    e->fails == RT_MAX_FAILS &&
	    routing_closest(rt, ids[2], 0, 0, t + 2000, out, 8) == 3,
	    "the bad contact's unproved request from its own address: "
	    "seen, still bad");
	for (i = 0; i < 4; i++) {
		c.ip[2] = (uint8_t)i;
		c.port = (uint16_t)(4000 + i);
		r = replied(rt, ids[i], &c, t + 3000, RT_RTT_NONE, NULL);
		e = routing_find(rt, ids[i]);
		CHECK(r == RT_UPDATED && e != NULL &&
		    e->addr.ip[3] == 1 && e->addr.port == 4000 + i &&
		    e->fails == 0 && e->replied == t + 3000 &&
		    routing_good(e, t + 3000) && (e->flags & RT_F_RTT) == 0,
		    "%s contact proved alive elsewhere: moved, failures "
		    "forgiven, the old path's RTT dropped", what[i]);
	}
	n = routing_closest(rt, ids[2], 0, 1, t + 3000, out, 8);
	for (i = 0, found = 0; i < n; i++)
		found += kad_id_eq(out[i]->id, ids[2]);
	CHECK(n == 4 && found == 1, "the contact that was bad is handed out "
	    "again");
	c.port = 5000;
	r = replied(rt, ids[0], &c, t + 4000, 250, NULL);
	e = routing_find(rt, ids[0]);
	CHECK(r == RT_UPDATED && e->addr.port == 5000 &&
	    (e->flags & RT_F_RTT) && e->srtt >> 3 == 250,
	    "a reply with an RTT from the new path: the only sample");
	routing_free(rt);
}

/*
 * Contacts seen in the same millisecond keep the order they were seen
 * in: the least recently seen is the first one heard, whatever their
 * ids, for the liveness ping, for the bad contact that makes room, and
 * across a save and load.
 */
static void
test_same_ms(void)
{
	struct routing	*rt, *rt2;
	struct krpc_addr a;
	struct rt_entry	*ping;
	const struct rt_entry *bk;
	uint8_t		 ids[4][KAD_ID_LEN], pubs[4][KRPC_KEY_LEN];
	uint8_t		 nw[KAD_ID_LEN], *blob;
	uint64_t	 t = 10 * MIN, refused = 0;
	ssize_t		 len;
	size_t		 n, i;
	int		 inorder = 1;

	/*
	 * ids[0] > ids[1] > ...: id order is the reverse of arrival; the
	 * ids are their keys' at their addresses (a loaded blob works them
	 * out again), each drawn until its bits 1 and 2 are 3 - i.
	 */
	addr4(&a, 0x0a000001, 100);
	for (i = 0; i < 4; i++) {
		a.ip[2] = (uint8_t)i;
		do
			keyed_at(0, &a, pubs[i], ids[i]);
		while (((ids[i][0] >> 5) & 3) != 3 - i);
	}
	rt = routing_new(self, 4, 2, 1);
	for (i = 0; i < 4; i++) {
		a.ip[2] = (uint8_t)i;
		a.port = (uint16_t)(100 + i);
		(void)routing_replied(rt, ids[i], pubs[i], &a, t, 20, NULL);
	}
	bk = routing_bucket(rt, 0, &n, NULL);
	for (i = 0; i < n; i++)
		if (memcmp(bk[i].id, ids[i], KAD_ID_LEN) != 0)
			inorder = 0;
	CHECK(n == 4 && inorder, "seen in one millisecond: listed in the "
	    "order they were seen, not by id");

	blob = malloc(routing_save_size(rt));
	len = routing_save(rt, blob, routing_save_size(rt));
	rt2 = routing_new(self, 4, 2, 1);
	(void)routing_load(rt2, blob, len > 0 ? (size_t)len : 0, selfpub, 0,
	    t + 1, &refused);
	bk = routing_bucket(rt2, 0, &n, NULL);
	for (i = 0, inorder = n == 4; i < n; i++)
		if (memcmp(bk[i].id, ids[i], KAD_ID_LEN) != 0 ||
		    memcmp(bk[i].pub, pubs[i], KRPC_KEY_LEN) != 0)
			inorder = 0;
	CHECK(inorder, "saved and loaded: still in that order");
	routing_free(rt2);
	free(blob);

	id_at(self, 0, nw);
	a.ip[2] = 4;
	a.port = 200;
	(void)heard(rt, nw, &a, t + 2 * MIN, &ping);
	CHECK(ping != NULL && memcmp(ping->id, ids[0], KAD_ID_LEN) == 0,
	    "a full bucket pings the first seen of them");

	/*
	 * ids[1] is heard from again; then it and ids[3] go bad: ids[3],
	 * seen longer ago, makes room (not the first bad one in the array).
	 */
	routing_free(rt);
	rt = routing_new(self, 4, 2, 1);
	for (i = 0; i < 4; i++) {
		a.ip[2] = (uint8_t)i;
		a.port = (uint16_t)(100 + i);
		(void)routing_replied(rt, ids[i], pubs[i], &a, t, 20, NULL);
	}
	a.ip[2] = 1;
	a.port = 101;
	(void)heard(rt, ids[1], &a, t + 1, NULL);
	for (i = 0; i < RT_MAX_FAILS; i++) {
		(void)routing_failed(rt, ids[3], t + 3 * MIN, 0);
		(void)routing_failed(rt, ids[1], t + 3 * MIN, 0);
	}
	id_at(self, 0, nw);
	a.ip[2] = 5;
	a.port = 201;
	CHECK(heard(rt, nw, &a, t + 3 * MIN, NULL) == RT_ADDED &&
	    routing_find(rt, ids[3]) == NULL &&
	    routing_find(rt, ids[1]) != NULL, "of two bad contacts, the "
	    "least recently seen makes room");
	routing_free(rt);
}

static void
test_rtt(void)
{
	struct rt_entry	 e, *p;
	struct routing	*rt;
	struct krpc_addr a;
	uint8_t		 id[KAD_ID_LEN];
	unsigned	 i;

	memset(&e, 0, sizeof(e));
	CHECK(routing_rto(&e, 500, 50, 2000) == 500, "no sample: default");
	CHECK(routing_rto(NULL, 500, 50, 2000) == 500, "unknown: default");
	rt = routing_new(self, 8, 0, 8);
	addr4(&a, 0x0a000001, 1);
	id_at(self, 3, id);
	for (i = 0; i < 50; i++)
		(void)replied(rt, id, &a, 1000 + i, 100, NULL);
	p = routing_find(rt, id);
	CHECK(p != NULL && p->srtt >> 3 == 100 &&
	    routing_rto(p, 500, 50, 2000) >= 100 &&
	    routing_rto(p, 500, 50, 2000) <= 130,
	    "steady 100 ms: rto %u near 100", routing_rto(p, 500, 50, 2000));
	for (i = 0; i < 5; i++)
		(void)replied(rt, id, &a, 2000 + i,
		    i % 2 ? 10 : 400, NULL);
	CHECK(routing_rto(p, 500, 50, 2000) > 300,
	    "jitter raises the rto (%u)", routing_rto(p, 500, 50, 2000));
	for (i = 0; i < 5; i++)
		(void)replied(rt, id, &a, 3000 + i, 60000, NULL);
	CHECK(routing_rto(p, 500, 50, 2000) == 2000, "bounded above");
	for (i = 0; i < 200; i++)
		(void)replied(rt, id, &a, 4000 + i, 0, NULL);
	CHECK(routing_rto(p, 500, 50, 2000) == 50, "bounded below");
	routing_free(rt);
}

static int
cmp_target(const void *a, const void *b, const uint8_t *t)
{
	return (kad_id_cmpdist(a, b, t));
}

static uint8_t	sort_target[KAD_ID_LEN];

static int
qcmp(const void *a, const void *b)
{
	return (cmp_target(a, b, sort_target));
}

static void
test_closest(void)
{
	struct routing		*rt;
	struct krpc_addr	 a;
	struct rt_entry		*out[20], *p;
	const struct rt_entry	*bk;
	uint8_t			 (*all)[KAD_ID_LEN];
	uint8_t			 id[KAD_ID_LEN];
	size_t			 nall = 0, n, j, got, want;
	unsigned		 i, trial, good = 0;
	int			 ok = 1, famok = 1, goodok = 1;

	rt = routing_new(self, 8, 4, 256);
	for (i = 0; i < 2000; i++) {
		id_at(self, (unsigned)(rnd64() % 16), id);
		addr4(&a, 0x0a000001 | i << 8, (uint16_t)(1 + i));
		if (i % 3 == 0) {
			a.family = KRPC_AF_INET6;
			a.ip[15] = 1;
		}
		if (i % 5 == 0)
			(void)heard(rt, id, &a, 1000, NULL);
		else
			(void)replied(rt, id, &a, 1000, 10, NULL);
	}
	all = calloc(routing_count(rt), KAD_ID_LEN);
	for (i = 0; i < routing_nbuckets(rt); i++) {
		bk = routing_bucket(rt, i, &n, NULL);
		for (j = 0; j < n; j++)
			memcpy(all[nall++], bk[j].id, KAD_ID_LEN);
	}
	for (trial = 0; trial < 300; trial++) {
		if (trial % 3 == 0)
			rndbytes(sort_target, KAD_ID_LEN);
		else
			id_at(self, (unsigned)(rnd64() % 20), sort_target);
		qsort(all, nall, KAD_ID_LEN, qcmp);
		got = routing_closest(rt, sort_target, 0, 0, 1000, out, 20);
		want = nall < 20 ? nall : 20;
		if (got != want)
			ok = 0;
		for (j = 0; j < got && ok; j++)
			if (memcmp(out[j]->id, all[j], KAD_ID_LEN) != 0)
				ok = 0;
		got = routing_closest(rt, sort_target, KRPC_WANT6, 0, 1000,
		    out, 20);
		for (j = 0; j < got; j++)
			if (out[j]->addr.family != KRPC_AF_INET6)
				famok = 0;
		got = routing_closest(rt, sort_target, 0, 1, 1000, out, 20);
		for (j = 0; j < got; j++)
			if (!routing_good(out[j], 1000))
				goodok = 0;
		good += got == 20;
	}
	CHECK(ok, "closest 20 equal brute force for 300 targets (%zu "
	    "contacts, %u buckets)", nall, routing_nbuckets(rt));
	CHECK(famok, "family filter");
	CHECK(goodok && good == 300, "good-only filter still fills 20");
	p = out[0];
	CHECK(routing_closest(rt, p->id, 0, 0, 1000, out, 1) == 1 &&
	    out[0] == p, "a contact is closest to its own id");
	CHECK(routing_closest(rt, p->id, 0, 1, 1000 + RT_GOOD_AGE_MS, out,
	    20) == 0, "nothing is good after 15 minutes of silence");
	free(all);
	routing_free(rt);
}

static void
test_refresh(void)
{
	struct routing	*rt;
	struct krpc_addr a;
	uint8_t		 id[KAD_ID_LEN], rnd[KAD_ID_LEN], t[KAD_ID_LEN];
	unsigned	 i, seen[RT_MAX_BUCKETS];
	int		 ok = 1, all = 1;
	uint64_t	 iv = 15 * MIN;

	rt = routing_new(self, 4, 0, 256);
	addr4(&a, 0x0a000001, 1);
	for (i = 0; i < 60; i++) {
		id_at(self, i % 6, id);
		next_net(&a);
		(void)replied(rt, id, &a, 1000, 5, NULL);
	}
	memset(seen, 0, sizeof(seen));
	for (i = 0; i < routing_nbuckets(rt); i++) {
		rndbytes(rnd, sizeof(rnd));
		if (routing_refresh(rt, 1000 + iv, iv, rnd, t) != 1) {
			ok = 0;
			break;
		}
		seen[routing_bucket_of(rt, t)]++;
	}
	for (i = 0; i < routing_nbuckets(rt); i++)
		if (seen[i] != 1)
			all = 0;
	CHECK(ok && all, "each of %u idle buckets refreshed once, with a "
	    "target in its range", routing_nbuckets(rt));
	CHECK(routing_refresh(rt, 1000 + iv, iv, rnd, t) == 0,
	    "nothing more to refresh");
	CHECK(routing_next_refresh(rt, iv) == 1000 + 2 * iv,
	    "next refresh one interval later");
	routing_touch(rt, t, 1000 + 3 * iv);
	rndbytes(rnd, sizeof(rnd));
	CHECK(routing_refresh(rt, 1000 + 2 * iv, iv, rnd, t) == 1 &&
	    routing_refresh(rt, 1000 + 2 * iv, iv, rnd, t) == 1,
	    "due again one interval later");
	routing_free(rt);
}

/*
 * A blob made by hand holds keys and addresses only: the ids are worked
 * out from both (whatever id a record's key might have been given
 * elsewhere); a key whose node ID there is ours is refused with the
 * whole blob; a key that fails the puzzle is left out and counted.
 */
static void
blob_rec(uint8_t *blob, size_t i, const uint8_t pub[KRPC_KEY_LEN],
    const struct krpc_addr *a)
{
	uint8_t	*p = blob + 44 + 52 * i;

	memset(p, 0, 52);
	memcpy(p, pub, KRPC_KEY_LEN);
	p[32] = a->family;
	be16enc(p + 34, a->port);
	memcpy(p + 36, a->ip, a->family == KRPC_AF_INET ? 4 : 16);
}

static void
test_blob_ids(const uint8_t *saved)
{
	struct routing		*rt;
	struct rt_entry		*e;
	struct krpc_addr	 a[3], b;
	uint8_t			 blob[44 + 3 * 52], pubs[3][KRPC_KEY_LEN];
	uint8_t			 ids[3][KAD_ID_LEN], id2[KAD_ID_LEN];
	uint64_t		 refused = 0;
	size_t			 i, pass;
	int			 r, ok = 1;

	memcpy(blob, saved, 44);
	be32enc(blob + 40, 3);
	for (i = 0; i < 3; i++) {
		addr4(&a[i], 0x0a000001 + (uint32_t)(i << 8) + (uint32_t)i,
		    (uint16_t)(7000 + i));
		keyed_at(-1, &a[i], pubs[i], ids[i]);
		blob_rec(blob, i, pubs[i], &a[i]);
	}
	rt = routing_new(self, 8, 2, 256);
	r = routing_load(rt, blob, sizeof(blob), selfpub, 0, 1000, &refused);
	for (i = 0; i < 3; i++) {
		e = routing_find(rt, ids[i]);
		if (e == NULL || memcmp(e->pub, pubs[i], KRPC_KEY_LEN) != 0 ||
		    e->addr.port != 7000 + i || e->addr.ip[3] != 1 + i)
			ok = 0;
	}
	CHECK(r == 3 && ok && refused == 0, "a blob of three keys: each "
	    "contact found under the node ID of its key at its address, with "
	    "its key and address");
	CHECK(routing_find(rt, pubs[0]) == NULL, "...and not under the key "
	    "itself");
	routing_free(rt);

	/* the binding: the same key in another /24 is another id */
	b = a[0];
	b.ip[2] = 99;
	blob_rec(blob, 0, pubs[0], &b);
	rt = routing_new(self, 8, 2, 256);
	r = routing_load(rt, blob, sizeof(blob), selfpub, 0, 1000, &refused);
	CHECK(kad_node_id(pubs[0], &b, id2) == 0 && r == 3 &&
	    routing_find(rt, ids[0]) == NULL &&
	    (e = routing_find(rt, id2)) != NULL && e->addr.ip[2] == 99,
	    "the same key listed in another /24: found under that network's "
	    "id, not its old one");
	routing_free(rt);
	b.ip[2] = 0;
	b.ip[3] = 200;
	blob_rec(blob, 0, pubs[0], &b);
	rt = routing_new(self, 8, 2, 256);
	r = routing_load(rt, blob, sizeof(blob), selfpub, 0, 1000, &refused);
	CHECK(r == 3 && (e = routing_find(rt, ids[0])) != NULL &&
	    e->addr.ip[3] == 200, "...and at another address of its /24: "
	    "the same id");
	routing_free(rt);

	/* the puzzle: of keys drawn at random, those that fail stay out */
	for (i = 0, pass = 0; i < 3; i++) {
		rndbytes(pubs[i], KRPC_KEY_LEN);
		blob_rec(blob, i, pubs[i], &a[i]);
		pass += kad_puzzle_ok(pubs[i], 2);
	}
	rt = routing_new(self, 8, 2, 256);
	refused = 0;
	r = routing_load(rt, blob, sizeof(blob), selfpub, 2, 1000, &refused);
	CHECK(r == (int)pass && refused == 3 - pass && routing_count(rt) ==
	    pass, "a 2-bit puzzle: %zu of 3 keys pass and are loaded, %llu "
	    "refused and counted", pass, (unsigned long long)refused);
	routing_free(rt);
	r = 0;
	for (i = 0; i < 64 && r == 0; i++) {
		rndbytes(pubs[0], KRPC_KEY_LEN);
		r = !kad_puzzle_ok(pubs[0], KAD_PUZZLE_BITS);
	}
	blob_rec(blob, 0, pubs[0], &a[0]);
	rt = routing_new(self, 8, 2, 256);
	refused = 0;
	r = routing_load(rt, blob, sizeof(blob), selfpub, KAD_PUZZLE_BITS, 1000,
	    &refused);
	CHECK(r >= 0 && refused >= 1 && (uint64_t)r + refused == 3 &&
	    routing_count(rt) == (size_t)r, "the protocol's puzzle: a key "
	    "that fails it is left out (%llu of 3 refused)",
	    (unsigned long long)refused);
	routing_free(rt);

	for (i = 0; i < 3; i++)
		blob_rec(blob, i, pubs[i], &a[i]);
	b = selfaddr;
	b.ip[3] = 9;
	blob_rec(blob, 1, selfpub, &b);
	rt = routing_new(self, 8, 2, 256);
	errno = 0;
	r = routing_load(rt, blob, sizeof(blob), selfpub, 0, 1000, &refused);
	CHECK(r == -1 && errno == EINVAL && routing_count(rt) == 0,
	    "a record with our own key in our /24 (its id is ours): the blob "
	    "is refused whole");
	routing_free(rt);
	b.ip[2] = 77;
	blob_rec(blob, 1, selfpub, &b);
	rt = routing_new(self, 8, 2, 256);
	errno = 0;
	r = routing_load(rt, blob, sizeof(blob), selfpub, 0, 1000, &refused);
	CHECK(r == -1 && errno == EINVAL && routing_count(rt) == 0,
	    "...and in another /24 (another id, still our key): refused too");
	routing_free(rt);
}

static void
test_saveload(void)
{
	struct routing	*rt, *rt2;
	struct krpc_addr a;
	struct rt_entry	*e;
	uint8_t		 id[KAD_ID_LEN], pub[KRPC_KEY_LEN], *blob, *bad;
	uint64_t	 refused = 0;
	ssize_t		 len;
	size_t		 i, n;
	int		 r, same;
	const struct rt_entry *bk;
	unsigned	 b;

	rt = routing_new(self, 8, 2, 256);
	for (i = 0; i < 100; i++) {
		addr4(&a, 0x0a000001 | (uint32_t)i << 8,
		    (uint16_t)(1000 + i));
		if (i % 4 == 0) {
			a.family = KRPC_AF_INET6;
			memset(a.ip, 0x20, 16);
			a.ip[5] = (uint8_t)i;
		}
		keyed_at(-1, &a, pub, id);
		(void)routing_replied(rt, id, pub, &a, 1000, 5, NULL);
	}
	blob = malloc(routing_save_size(rt));
	CHECK(routing_save(rt, blob, routing_save_size(rt) - 1) == -1 &&
	    errno == EMSGSIZE, "save into a short buffer: EMSGSIZE");
	len = routing_save(rt, blob, routing_save_size(rt));
	CHECK(len == (ssize_t)(44 + routing_count(rt) * 52),
	    "blob is 44 + 52 bytes per contact (%zu)", routing_count(rt));
	CHECK(memcmp(blob, "KDRT", 4) == 0 && blob[4] == 2 &&
	    memcmp(blob + 8, self, KAD_ID_LEN) == 0 &&
	    be32dec(blob + 40) == routing_count(rt), "header: KDRT, version "
	    "2, our id, the count");
	/* records hold keys: each record's first 32 bytes are a key, its
	 * address after them */
	for (i = 0, same = 1; i < routing_count(rt); i++) {
		memcpy(pub, blob + 44 + 52 * i, KRPC_KEY_LEN);
		memset(&a, 0, sizeof(a));
		a.family = blob[44 + 52 * i + 32];
		memcpy(a.ip, blob + 44 + 52 * i + 36, 16);
		if (kad_node_id(pub, &a, id) == -1 ||
		    (e = routing_find(rt, id)) == NULL ||
		    memcmp(e->pub, pub, KRPC_KEY_LEN) != 0)
			same = 0;
	}
	CHECK(same, "every record is a contact's key (its id not stored)");
	rt2 = routing_new(self, 8, 2, 256);
	r = routing_load(rt2, blob, (size_t)len, selfpub, 0, 5000, &refused);
	CHECK(r == (int)routing_count(rt) &&
	    routing_count(rt2) == routing_count(rt), "load restores %d", r);
	for (b = 0, same = 1; b < routing_nbuckets(rt); b++) {
		bk = routing_bucket(rt, b, &n, NULL);
		for (i = 0; i < n; i++) {
			e = routing_find(rt2, bk[i].id);
			if (e == NULL || memcmp(&e->addr, &bk[i].addr,
			    sizeof(e->addr)) != 0 || e->replied != 0 ||
			    memcmp(e->pub, bk[i].pub, KRPC_KEY_LEN) != 0)
				same = 0;
		}
	}
	CHECK(same, "same keys, ids and addresses, loaded as unconfirmed");
	routing_free(rt2);
	test_blob_ids(blob);

	bad = malloc((size_t)len + 1);
#define TRYBAD(what, mut) do {						\
	size_t blen = (size_t)len;					\
	memcpy(bad, blob, (size_t)len);					\
	mut;								\
	rt2 = routing_new(self, 8, 2, 256);				\
	r = routing_load(rt2, bad, blen, selfpub, 0, 5000, &refused);	\
	CHECK(r == -1 && errno == EINVAL && routing_count(rt2) == 0,	\
	    "malformed blob refused whole: %s", what);			\
	routing_free(rt2);						\
} while (0)
	TRYBAD("truncated", blen -= 1);
	TRYBAD("one byte long", bad[blen] = 0; blen += 1);
	TRYBAD("header only", blen = 43);
	TRYBAD("bad magic", bad[0] = 'X');
	TRYBAD("version 1", bad[4] = 1);
	TRYBAD("version 3", bad[4] = 3);
	TRYBAD("nonzero padding", bad[6] = 1);
	TRYBAD("count too high", bad[43] += 1);
	TRYBAD("bad family", bad[44 + 52 * 3 + 32] = 5);
	TRYBAD("port 0", bad[44 + 52 * 2 + 34] = 0; bad[44 + 52 * 2 + 35] = 0);
	TRYBAD("our own key in our /24 (its node ID is ours)",
	    memcpy(bad + 44 + 52 * 5, selfpub, 32);
	    bad[44 + 52 * 5 + 32] = KRPC_AF_INET;
	    memset(bad + 44 + 52 * 5 + 36, 0, 16);
	    memcpy(bad + 44 + 52 * 5 + 36, selfaddr.ip, 3));
	TRYBAD("nonzero pad byte", bad[44 + 52 * 4 + 33] = 1);
	TRYBAD("IPv4 trailing bytes", bad[44 + 52 * 1 + 36 + 4] = 1;
	    bad[44 + 52 * 1 + 32] = KRPC_AF_INET);
	free(bad);
	free(blob);
	routing_free(rt);
}

static void
test_ratelimit(void)
{
	struct ratelimit_config	 cf;
	struct ratelimit	*rl;
	struct krpc_addr	 a, b, c;
	uint8_t			 key[16];
	unsigned		 i, ok;
	int			 r;

	rndbytes(key, sizeof(key));
	ratelimit_defaults(&cf);
	cf.rate = 10;
	cf.burst = 20;
	cf.ban_strikes = 5;
	cf.strike_decay_ms = 1000;
	cf.ban_ms = 60000;
	rl = ratelimit_new(&cf, key);
	addr4(&a, 0x0a000001, 1000);
	for (ok = 0, i = 0; i < 20; i++)
		ok += ratelimit_check(rl, &a, 1000) == RL_OK;
	CHECK(ok == 20, "a burst of 20 passes");
	CHECK(ratelimit_check(rl, &a, 1000) == RL_LIMITED, "the 21st is "
	    "limited");
	CHECK(ratelimit_check(rl, &a, 1100) == RL_OK &&
	    ratelimit_check(rl, &a, 1100) == RL_LIMITED,
	    "100 ms at 10/s refills one token");
	addr4(&b, 0x0a000001, 2000);
	CHECK(ratelimit_check(rl, &b, 1100) == RL_LIMITED,
	    "same IPv4 address, other port: same bucket");
	addr4(&c, 0x7f000001, 1);
	addr4(&b, 0x7f000001, 2);
	for (i = 0; i < 20; i++)
		(void)ratelimit_check(rl, &c, 1100);
	CHECK(ratelimit_check(rl, &c, 1100) == RL_LIMITED &&
	    ratelimit_check(rl, &b, 1100) == RL_OK,
	    "loopback sources are told apart by port");
	/* over the rate is only dropped: a flood's source may be spoofed */
	for (i = 0; i < 100; i++)
		(void)ratelimit_check(rl, &a, 1100);
	CHECK(ratelimit_check(rl, &a, 1100) == RL_LIMITED &&
	    !ratelimit_banned(rl, &a, 1100), "a flood is limited, not banned");
	/* 5 strikes inside the decay window ban */
	for (i = 0; i < 5; i++)
		ratelimit_strike(rl, &a, 1100);
	r = ratelimit_check(rl, &a, 1100);
	CHECK(r == RL_BANNED && ratelimit_banned(rl, &a, 1100),
	    "repeat offender banned");
	CHECK(ratelimit_check(rl, &a, 1100 + 59999) == RL_BANNED,
	    "still banned before ban_ms");
	CHECK(ratelimit_check(rl, &a, 1100 + 60000) == RL_OK &&
	    !ratelimit_banned(rl, &a, 1100 + 60000), "ban expires");
	/* strikes decay: 4 strikes spaced by the decay never ban */
	addr4(&b, 0x0a000009, 1);
	for (i = 0; i < 40; i++)
		ratelimit_strike(rl, &b, 100000 + i * 1000);
	CHECK(!ratelimit_banned(rl, &b, 140000), "spaced strikes decay");
	for (i = 0; i < 5; i++)
		ratelimit_strike(rl, &b, 200000);
	CHECK(ratelimit_banned(rl, &b, 200000), "5 quick strikes ban");
	ratelimit_free(rl);

	/* IPv6: one /64 is one source */
	cf.per_port = 0;
	rl = ratelimit_new(&cf, key);
	memset(&a, 0, sizeof(a));
	a.family = KRPC_AF_INET6;
	a.ip[0] = 0x20;
	a.ip[1] = 0x01;
	b = a;
	b.ip[15] = 7;
	for (i = 0; i < 20; i++)
		(void)ratelimit_check(rl, &a, 0);
	CHECK(ratelimit_check(rl, &b, 0) == RL_LIMITED,
	    "IPv6 addresses in one /64 share a bucket");
	b.ip[7] = 1;
	CHECK(ratelimit_check(rl, &b, 0) == RL_OK, "another /64 does not");
	ratelimit_free(rl);

	/* global bucket */
	ratelimit_defaults(&cf);
	cf.grate = 5;
	cf.gburst = 10;
	rl = ratelimit_new(&cf, key);
	for (ok = 0, i = 0; i < 30; i++) {
		addr4(&a, 0x0b000000 + i, 1);
		ok += ratelimit_check(rl, &a, 0) == RL_OK;
	}
	CHECK(ok == 10, "global burst of 10 across 30 sources");
	addr4(&a, 0x0c000000, 1);
	CHECK(ratelimit_check(rl, &a, 0) == RL_GLOBAL &&
	    ratelimit_check(rl, &a, 200) == RL_OK, "global refills");
	ratelimit_free(rl);

	/* table bounded: many sources do not grow it, bans survive floods */
	ratelimit_defaults(&cf);
	cf.slots = 64;
	cf.ban_strikes = 1;
	rl = ratelimit_new(&cf, key);
	addr4(&c, 0x0d000001, 1);
	ratelimit_strike(rl, &c, 0);
	for (i = 0; i < 100000; i++) {
		addr4(&a, 0x0e000000 + i, 1);
		(void)ratelimit_check(rl, &a, 1 + i);
	}
	CHECK(ratelimit_banned(rl, &c, 200000),
	    "a ban survives 100000 new sources in a 64-slot table");
	ratelimit_free(rl);
	cf.rate = 0;
	CHECK(ratelimit_new(&cf, key) == NULL && errno == EINVAL,
	    "rate 0 refused");
}

int
main(void)
{
	rndbytes(selfpub, sizeof(selfpub));
	addr4(&selfaddr, 0x0aff0001, 4242);
	if (kad_node_id(selfpub, &selfaddr, self) == -1)
		abort();
	test_ids();
	test_split();
	test_evict();
	test_addresses();
	test_same_ms();
	test_rtt();
	test_closest();
	test_refresh();
	test_saveload();
	test_ratelimit();
	return (test_done());
}
