/* SPDX-License-Identifier: ISC */
/*
 * test_dht_put: the two PUT defects of issue 13, on one node with
 * hand-fed answers.  A replication every target refuses is a failed
 * PUT, not a published one; and a node whose table knows only its own
 * side of the keyspace looks the key up before it keeps the chunk.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <stdint.h>
#include <string.h>

#include "kadnet/dht.h"
#include "kadnet/krpc.h"
#include "kadnet/node_id.h"
#include "kadnet/routing.h"
#include "tests/unit/dht_cap.h"
#include "tests/test.h"

#define NC	4	/* k and replicas */

/* Answer each request of type sent from `from` on with `rtype`. */
static void
answer(struct dht *d, struct cap *c, size_t from, uint8_t type,
    uint8_t rtype, uint8_t status)
{
	struct krpc_msg	 m, r;
	enum krpc_err	 why;
	uint8_t		 buf[KRPC_MAX_MSG];
	uint8_t		 pub[KRPC_KEY_LEN];
	size_t		 i, end = c->n;
	ssize_t		 len;

	for (i = from; i < end; i++) {
		if (krpc_decode(c->buf[i], c->len[i], &m, &why) != 0 ||
		    m.type != type || !c->haspub[i])
			continue;
		memcpy(pub, c->pub[i], KRPC_KEY_LEN);
		krpc_init(&r, rtype, m.txid);
		r.status = status;
		if ((len = krpc_encode(&r, buf, sizeof(buf))) < 0)
			continue;
		now += 10;
		input(d, pub, 1, buf, (size_t)len,
		    ntohl(c->to[i].sin_addr.s_addr), ntohs(c->to[i].sin_port));
	}
}

/* A value and its key. */
static void
mkval(uint8_t *val, size_t len, uint8_t key[KAD_ID_LEN])
{
	rnd_bytes(NULL, val, len);
	sha256(val, len, key);
}

/*
 * We are the closest to the key and every replica target answers BUSY:
 * the PUT fails (before: status 0 with no copy but ours).  Then the same
 * with every target taking it: placed, 3 copies besides ours.
 */
static void
test_refused(int accept)
{
	static struct cap	 c;
	struct dht		*d;
	uint8_t			 pub[KRPC_KEY_LEN], id[KAD_ID_LEN];
	uint8_t			 val[64], key[KAD_ID_LEN];
	size_t			 mark, i;
	int			 ok = 1;

	now = 1000000;
	if ((d = mknode_k(&c, 0x0a000001, DHT_MARTIAN_AUTO, NC, NC)) == NULL) {
		CHECK(0, "dht_new");
		return;
	}
	do
		mkval(val, sizeof(val), key);
	while (kad_id_cpl(key, dht_id(d)) < 1);	/* our half */
	for (i = 0; i < NC; i++) {
		do
			mkkey_dist(pub, id, 0x0b000001 + (i << 8), key,
			    dht_id(d), 0);
		while (kad_id_cpl(id, dht_id(d)) != 0);
		if (join_contact(d, &c, pub, 0x0b000001 + (i << 8), 5000) == -1)
			ok = 0;
	}
	routing_touch(dht_routing(d), key, now);
	mark = c.n;
	CHECK(ok && dht_put(d, key, val, sizeof(val), 7, now) == 0,
	    "%zu contacts, all farther from the key: dht_put",
	    dht_nodes(d));
	/* a refusal opens a spare target: answer it too */
	for (i = 0; i < NC && c.putev == 0; i++) {
		answer(d, &c, mark, KRPC_HAVE, KRPC_HAVE_RES, 0);
		answer(d, &c, mark, KRPC_STORE, KRPC_STORE_RES,
		    accept ? KRPC_ST_OK : KRPC_ST_BUSY);
	}
	if (accept)
		CHECK(c.putev == 1 && c.put_status == 0 && c.put_nodes == NC - 1,
		    "every replica target took it: placed (%zu events, status "
		    "%d, %zu copies)", c.putev, c.put_status, c.put_nodes);
	else
		CHECK(c.putev == 1 && c.put_status == -1 && c.put_nodes == 0,
		    "every replica target answered BUSY: the PUT failed (%zu "
		    "events, status %d)", c.putev, c.put_status);
	dht_free(d);
}

/*
 * A late joiner whose one bucket is full of contacts on its own side
 * (all sharing our first bit) knows nobody in the other half, and takes
 * itself for the closest to a key there.  It must look the key up
 * first, and hand the chunk to the closer node the lookup finds.
 */
static void
test_unexplored(void)
{
	static struct cap	 c;
	struct dht		*d;
	struct krpc_msg		 m, r;
	enum krpc_err		 why;
	uint8_t			 pub[KRPC_KEY_LEN], id[KAD_ID_LEN];
	uint8_t			 npub[KRPC_KEY_LEN], nid[KAD_ID_LEN];
	uint8_t			 val[64], key[KAD_ID_LEN], buf[KRPC_MAX_MSG];
	size_t			 mark, i, end;
	ssize_t			 len;
	uint32_t		 ip;
	int			 ok = 1;

	now = 1000000;
	if ((d = mknode_k(&c, 0x0a000001, DHT_MARTIAN_AUTO, NC, NC)) == NULL) {
		CHECK(0, "dht_new");
		return;
	}
	do
		mkval(val, sizeof(val), key);
	while (kad_id_cpl(key, dht_id(d)) != 0);	/* the other half */
	for (i = 0; i < NC; i++) {
		do
			mkkey_dist(pub, id, 0x0b000001 + (i << 8), key,
			    dht_id(d), 0);
		while (kad_id_cpl(id, dht_id(d)) < 1);
		if (join_contact(d, &c, pub, 0x0b000001 + (i << 8), 5000) == -1)
			ok = 0;
	}
	/* its bucket looked into (the joiner's own lookup), never split */
	routing_touch(dht_routing(d), key, now);
	do
		mkkey(npub, nid, 0x0c000001);	/* N at 12.0.0.1 */
	while (kad_id_cpl(nid, key) < 2);		/* N: near the key */
	mark = c.n;
	CHECK(ok && routing_nbuckets(dht_routing(d)) == 1 &&
	    dht_put(d, key, val, sizeof(val), 7, now) == 0 &&
	    find_sent(&c, mark, KRPC_FIND_NODE, &m) >= 0 &&
	    find_sent(&c, mark, KRPC_HAVE, &m) < 0,
	    "nobody known in the key's half, the bucket full of our side: "
	    "a lookup of the key, not a replication");
	/* each contact names N; N names nobody */
	end = c.n;
	for (i = mark; i < end; i++) {
		if (krpc_decode(c.buf[i], c.len[i], &m, &why) != 0 ||
		    m.type != KRPC_FIND_NODE)
			continue;
		memcpy(pub, c.pub[i], KRPC_KEY_LEN);
		ip = ntohl(c.to[i].sin_addr.s_addr);
		krpc_init(&r, KRPC_NODES, m.txid);
		ip_id(pub, ip, r.id);
		r.ncontacts = 1;
		memcpy(r.contacts[0].id, nid, KAD_ID_LEN);
		memcpy(r.contacts[0].pub, npub, KRPC_KEY_LEN);
		r.contacts[0].addr.family = KRPC_AF_INET;
		r.contacts[0].addr.port = 6000;
		r.contacts[0].addr.ip[0] = 12;
		r.contacts[0].addr.ip[3] = 1;
		if ((len = krpc_encode(&r, buf, sizeof(buf))) < 0)
			continue;
		now += 10;
		input(d, pub, 1, buf, (size_t)len, ip, 5000);
	}
	mark = end;
	answer(d, &c, mark, KRPC_FIND_NODE, KRPC_NODES, 0);
	CHECK(sent_to(&c, mark, 0x0c000001, KRPC_HAVE) == 1,
	    "the lookup found N, closer to the key: the chunk goes to N");
	dht_free(d);
}

int
main(void)
{
	test_refused(0);
	test_refused(1);
	test_unexplored();
	return (test_done());
}
