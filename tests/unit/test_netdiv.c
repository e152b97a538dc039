/* SPDX-License-Identifier: ISC */
/*
 * Tests for kadnet/netdiv.c (an address's network: IPv4 /24, IPv6 /48,
 * IPv4-mapped as IPv4, loopback one per address) and for the limits it
 * sets: KAD_DIV_BUCKET contacts of one network in a bucket and
 * KAD_DIV_TABLE in a table (kadnet/routing.c), KAD_DIV_HOLDERS replica
 * targets of a chunk (kadnet/dht_push.c, through the one-node harness).
 * A lookup's candidates (KAD_DIV_LOOKUP) are in test_search.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <bsd/sys/tree.h>

#include <netinet/in.h>

#include <bsd/sys/endian.h>
#include <stdint.h>
#include <string.h>

#include "kadnet/krpc.h"
#include "kadnet/netdiv.h"
#include "kadnet/routing.h"
#include "kadnet/search.h"
#include "kadnet/dht.h"
#include "kadnet/dht_local.h"
#include "tests/unit/dht_cap.h"
#include "tests/test.h"

static void
v4(struct krpc_addr *a, uint32_t ip, uint16_t port)
{
	memset(a, 0, sizeof(*a));
	a->family = KRPC_AF_INET;
	a->ip[0] = ip >> 24;
	a->ip[1] = (ip >> 16) & 0xff;
	a->ip[2] = (ip >> 8) & 0xff;
	a->ip[3] = ip & 0xff;
	a->port = port;
}

/* IPv6 from its first six bytes' words and its last word */
static void
v6(struct krpc_addr *a, uint16_t w0, uint16_t w1, uint16_t w2, uint16_t w3,
    uint16_t w7, uint16_t port)
{
	memset(a, 0, sizeof(*a));
	a->family = KRPC_AF_INET6;
	a->ip[0] = w0 >> 8;
	a->ip[1] = w0 & 0xff;
	a->ip[2] = w1 >> 8;
	a->ip[3] = w1 & 0xff;
	a->ip[4] = w2 >> 8;
	a->ip[5] = w2 & 0xff;
	a->ip[6] = w3 >> 8;
	a->ip[7] = w3 & 0xff;
	a->ip[14] = w7 >> 8;
	a->ip[15] = w7 & 0xff;
	a->port = port;
}

/* ::ffff:ip */
static void
mapped(struct krpc_addr *a, uint32_t ip, uint16_t port)
{
	v4(a, ip, port);
	a->family = KRPC_AF_INET6;
	memmove(a->ip + 12, a->ip, 4);
	memset(a->ip, 0, 12);
	a->ip[10] = a->ip[11] = 0xff;
}

static int
same(const struct krpc_addr *a, const struct krpc_addr *b)
{
	return (kad_netkey(a) == kad_netkey(b));
}

static void
test_netkey(void)
{
	struct krpc_addr	a, b;

	v4(&a, 0x0a010203, 1);
	v4(&b, 0x0a0102fe, 2);
	CHECK(same(&a, &b), "10.1.2.3 and 10.1.2.254: one /24");
	v4(&b, 0x0a010303, 1);
	CHECK(!same(&a, &b), "10.1.2.3 and 10.1.3.3: two");
	CHECK((kad_netkey(&a) & 0xff) == 0, "a netkey's low byte is zero");
	v4(&a, 0x7f000001, 1);
	v4(&b, 0x7f000001, 2);
	CHECK(same(&a, &b), "127.0.0.1 on two ports: one network");
	v4(&b, 0x7f000002, 1);
	CHECK(!same(&a, &b), "127.0.0.1 and 127.0.0.2: two (loopback "
	    "counts per address)");
	v4(&b, 0x7f000100, 1);
	v4(&a, 0x7f000101, 1);
	CHECK(!same(&a, &b), "127.0.1.0 and 127.0.1.1: two");
	v6(&a, 0x2001, 0xdb8, 1, 0, 1, 1);
	v6(&b, 0x2001, 0xdb8, 1, 0xffff, 2, 1);
	CHECK(same(&a, &b), "2001:db8:1::1 and 2001:db8:1:ffff::2: one /48");
	v6(&b, 0x2001, 0xdb8, 2, 0, 1, 1);
	CHECK(!same(&a, &b), "2001:db8:1::1 and 2001:db8:2::1: two");
	v6(&a, 0, 0, 0, 0, 1, 1);
	v6(&b, 0, 0, 0, 0, 1, 2);
	CHECK(same(&a, &b), "::1 on two ports: one network");
	v6(&b, 0, 0, 0, 0, 2, 1);
	CHECK(!same(&a, &b), "::1 and ::2: two (::2 is in ::/48)");
	mapped(&a, 0x0a010203, 1);
	v4(&b, 0x0a010209, 1);
	CHECK(same(&a, &b), "::ffff:10.1.2.3 is in 10.1.2.0/24");
	mapped(&a, 0x7f000001, 1);
	v4(&b, 0x7f000001, 2);
	CHECK(same(&a, &b), "::ffff:127.0.0.1 is 127.0.0.1");
	v4(&b, 0x7f000002, 2);
	CHECK(!same(&a, &b), "::ffff:127.0.0.1 is not 127.0.0.2");
	v4(&a, 0x0a000000, 1);
	v6(&b, 0x0a00, 0, 0, 0, 0, 1);
	CHECK(!same(&a, &b), "10.0.0.0/24 and a /48 of the same bytes: two");
}

/*
 * A key whose node ID at ip shares exactly cpl leading bits with self
 * (routing alone never checks an ID against an address: any ip will do
 * for the tests of a table).
 */
static void
key_at_ip(const uint8_t self[KAD_ID_LEN], unsigned cpl, uint32_t ip,
    uint8_t pub[KRPC_KEY_LEN], uint8_t id[KAD_ID_LEN])
{
	do
		mkkey(pub, id, ip);
	while (kad_id_cpl(id, self) != cpl);
}

static void
key_at(const uint8_t self[KAD_ID_LEN], unsigned cpl,
    uint8_t pub[KRPC_KEY_LEN], uint8_t id[KAD_ID_LEN])
{
	key_at_ip(self, cpl, 0x0a000001, pub, id);
}

static int
heard(struct routing *rt, const uint8_t self[KAD_ID_LEN], unsigned cpl,
    const struct krpc_addr *a)
{
	uint8_t	pub[KRPC_KEY_LEN], id[KAD_ID_LEN];

	key_at(self, cpl, pub, id);
	return (routing_replied(rt, id, pub, a, 1000, 10, NULL));
}

/* One bucket (maxbuckets 1) of k 8: the bucket limit alone. */
static void
test_bucket(const uint8_t self[KAD_ID_LEN])
{
	struct routing		*rt;
	struct krpc_addr	 a;
	int			 r1, r2, r3, r4;

	rt = routing_new(self, 8, 2, 1);
	v4(&a, 0x0a000001, 1);
	r1 = heard(rt, self, 0, &a);
	a.ip[3] = 2;
	r2 = heard(rt, self, 0, &a);
	a.ip[3] = 3;
	r3 = heard(rt, self, 0, &a);
	v4(&a, 0x0a000101, 1);
	r4 = heard(rt, self, 0, &a);
	CHECK(r1 == RT_ADDED && r2 == RT_ADDED && r3 == RT_REFUSED &&
	    r4 == RT_ADDED && routing_count(rt) == 3, "a bucket takes 2 "
	    "contacts of 10.0.0.0/24, refuses a third, takes 10.0.1.1");
	v4(&a, 0x7f000001, 1);
	r1 = heard(rt, self, 0, &a);
	a.port = 2;
	r2 = heard(rt, self, 0, &a);
	a.port = 3;
	r3 = heard(rt, self, 0, &a);
	a.ip[3] = 2;
	r4 = heard(rt, self, 0, &a);
	CHECK(r1 == RT_ADDED && r2 == RT_ADDED && r3 == RT_REFUSED &&
	    r4 == RT_ADDED, "127.0.0.1 on three ports: the third refused; "
	    "127.0.0.2 taken");
	routing_free(rt);

	rt = routing_new(self, 8, 2, 1);
	v6(&a, 0x2001, 0xdb8, 1, 0, 1, 1);
	r1 = heard(rt, self, 0, &a);
	v6(&a, 0x2001, 0xdb8, 1, 2, 1, 1);
	r2 = heard(rt, self, 0, &a);
	v6(&a, 0x2001, 0xdb8, 1, 3, 1, 1);
	r3 = heard(rt, self, 0, &a);
	v6(&a, 0x2001, 0xdb8, 2, 0, 1, 1);
	r4 = heard(rt, self, 0, &a);
	CHECK(r1 == RT_ADDED && r2 == RT_ADDED && r3 == RT_REFUSED &&
	    r4 == RT_ADDED, "IPv6: 2 of 2001:db8:1::/48, a third refused, "
	    "2001:db8:2:: taken");
	mapped(&a, 0x0a000001, 1);
	r1 = heard(rt, self, 0, &a);
	v4(&a, 0x0a000002, 1);
	r2 = heard(rt, self, 0, &a);
	mapped(&a, 0x0a000003, 1);
	r3 = heard(rt, self, 0, &a);
	CHECK(r1 == RT_ADDED && r2 == RT_ADDED && r3 == RT_REFUSED,
	    "::ffff:10.0.0.1, 10.0.0.2, ::ffff:10.0.0.3: one /24, the "
	    "third refused");
	routing_free(rt);
}

/*
 * k 2 and one contact of 10.9.9.0/24 at each prefix length 0..11, the
 * buckets split by contacts of networks of their own: the table takes
 * 8 of them, refuses the ninth, and still takes other networks.
 */
static void
test_table(const uint8_t self[KAD_ID_LEN])
{
	struct routing		*rt;
	struct krpc_addr	 a;
	unsigned		 cpl, added = 0, refused = 0;
	int			 r, ninth = 0;

	rt = routing_new(self, 2, 0, 256);
	for (cpl = 0; cpl < 12; cpl++) {
		v4(&a, 0x0a090901 + cpl, 1);
		r = heard(rt, self, cpl, &a);
		if (r == RT_ADDED)
			added++;
		else if (r == RT_REFUSED)
			refused++;
		if (added + refused == 9)
			ninth = r;
		/* a neighbour of its own network fills its bucket */
		v4(&a, 0x0b000001 + (cpl << 8), 1);
		(void)heard(rt, self, cpl, &a);
	}
	CHECK(added == 8 && refused == 4 && ninth == RT_REFUSED,
	    "one /24 at 12 depths: 8 in the table, the ninth refused (%u "
	    "added, %u refused)", added, refused);
	v4(&a, 0x0c000001, 1);
	r = heard(rt, self, 11, &a);
	CHECK(r == RT_ADDED || r == RT_CACHED, "another network still "
	    "comes in at depth 11 (%d)", r);
	routing_free(rt);
}

/*
 * A known contact that proves itself at an address in a network that
 * has its share of the bucket keeps its old address.
 */
static void
test_move(const uint8_t self[KAD_ID_LEN])
{
	struct routing		*rt;
	struct krpc_addr	 a;
	struct rt_entry		*e;
	uint8_t			 pub[KRPC_KEY_LEN], id[KAD_ID_LEN];
	int			 r;

	rt = routing_new(self, 8, 2, 1);
	v4(&a, 0x0a000001, 1);
	(void)heard(rt, self, 0, &a);
	a.ip[3] = 2;
	(void)heard(rt, self, 0, &a);
	key_at(self, 0, pub, id);
	v4(&a, 0x0a000101, 1);
	(void)routing_replied(rt, id, pub, &a, 1000, 10, NULL);
	v4(&a, 0x0a000003, 1);
	r = routing_replied(rt, id, pub, &a, 2000, 10, NULL);
	e = routing_find(rt, id);
	CHECK(r == RT_IGNORED && e != NULL && e->addr.ip[2] == 1,
	    "a contact proved at an address of a full network: not moved");
	v4(&a, 0x0a000201, 1);
	r = routing_replied(rt, id, pub, &a, 3000, 10, NULL);
	e = routing_find(rt, id);
	CHECK(r == RT_UPDATED && e != NULL && e->addr.ip[2] == 2,
	    "to another network: moved");
	routing_free(rt);
}

/* A key whose node ID shares cpl bits with ref and the next n bits too. */
static void
key_near(const uint8_t ref[KAD_ID_LEN], unsigned cpl, unsigned n,
    uint32_t ip, uint8_t pub[KRPC_KEY_LEN], uint8_t id[KAD_ID_LEN])
{
	uint8_t	flip[KAD_ID_LEN];

	memcpy(flip, ref, KAD_ID_LEN);
	flip[cpl / 8] ^= 0x80 >> (cpl % 8);
	do
		key_at_ip(ref, cpl, ip, pub, id);
	while (kad_id_cpl(id, flip) < cpl + 1 + n);
}

static int
is_x(const struct krpc_addr *a)
{
	return (a->ip[0] == 10 && a->ip[1] == 9 && a->ip[2] == 9);
}

/*
 * k 4, replicas 4: a chunk's replica targets are the 11 nearest
 * (replicas - 1 + PUSH_SPARES).  Buckets 1..4 each hold one contact of
 * 10.9.9.0/24 (X) and three of their own; the X of bucket 2 is its
 * nearest to the key, so three X are among the 11 nearest, and the
 * push takes two.
 */
static void
test_holders(void)
{
	static struct cap	 c;
	struct dht		*d;
	struct push		*x;
	struct rt_entry		*out[12];
	uint8_t			 pub[KRPC_KEY_LEN], id[KAD_ID_LEN];
	uint8_t			 val[64], key[KAD_ID_LEN];
	unsigned		 cpl, i, nx = 0, h = 0, ok = 1;
	size_t			 n;

	now = 1000000;
	if ((d = mknode_k(&c, 0x0a000001, DHT_MARTIAN_AUTO, 4, 4)) == NULL) {
		CHECK(0, "dht_new");
		return;
	}
	/* a chunk whose key shares 12 bits with our id: nobody is closer */
	memset(val, 0, sizeof(val));
	do {
		be64enc(val, be64dec(val) + 1);
		sha256(val, sizeof(val), key);
	} while (kad_id_cpl(key, dht_id(d)) < 12);
	for (cpl = 0; cpl < 5; cpl++)
		for (i = 0; i < 4; i++) {
			if (cpl > 0 && i == 0) {
				/* X, the nearest in its bucket */
				key_near(key, cpl, cpl == 2 ? 10 : 0,
				    0x0a090901 + cpl, pub, id);
				if (join_contact(d, &c, pub, 0x0a090901 + cpl,
				    5000) == -1)
					ok = 0;
				continue;
			}
			key_at_ip(key, cpl, 0x0b000001 + (h << 8), pub, id);
			if (join_contact(d, &c, pub, 0x0b000001 + (h++ << 8),
			    5000) == -1)
				ok = 0;
		}
	n = routing_closest(dht_routing(d), key, 0, 0, now, out, 11);
	for (i = 0; i < n; i++)
		nx += is_x(&out[i]->addr);
	CHECK(ok && dht_nodes(d) == 20 && n == 11 && nx == 3,
	    "20 contacts, 3 of one /24 among the 11 nearest the key (%zu, "
	    "%u)", dht_nodes(d), nx);
	/* the key's bucket explored: no lookup before replicating */
	routing_touch(dht_routing(d), key, now);
	CHECK(dht_put(d, key, val, sizeof(val), 0, 1, now) == 0, "dht_put");
	x = RB_ROOT(&d->pushes);
	for (i = 0, nx = 0; x != NULL && i < x->ntargets; i++)
		nx += is_x(&x->t[i].addr);
	CHECK(x != NULL && x->mode == PUSH_REPLICATE && x->ntargets == 11 &&
	    nx == KAD_DIV_HOLDERS, "we are the closest: 11 replica targets, "
	    "%u of them in 10.9.9.0/24", nx);
	dht_free(d);
}

int
main(void)
{
	uint8_t	pub[KRPC_KEY_LEN], self[KAD_ID_LEN];

	test_netkey();
	mkkey(pub, self, 0x0a000001);
	test_bucket(self);
	test_table(self);
	test_move(self);
	test_holders();
	return (test_done());
}
