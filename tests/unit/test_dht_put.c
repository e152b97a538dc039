/* SPDX-License-Identifier: ISC */
/*
 * test_dht_put: the two PUT defects of issue 13, on one node with
 * hand-fed answers.  A replication every target refuses is a failed
 * PUT, not a published one; and a node whose table knows only its own
 * side of the keyspace looks the key up before it keeps the chunk.
 * And each chunk's copies: the count a PUT or a STORE names is what the
 * node replicates to (at most its replicas), stores and passes on, and
 * what decides whether it takes a replica; a STORE without a valid count
 * is malformed.  A forwarded PUT is placed when the nodes closest to
 * the key prove they hold it, and a wrong proof is a counted lie.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <stdint.h>
#include <string.h>

#include <bsd/sys/endian.h>

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
	CHECK(ok && dht_put(d, key, val, sizeof(val), 0, 7, now) == 0,
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
	    dht_put(d, key, val, sizeof(val), 0, 7, now) == 0 &&
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

#define CK	20	/* k of the copies tests; replicas 8 */
#define CFAR	12	/* contacts farther from the key than the node */

/* STOREs sent from `from` on; *bad: those not naming `copies`. */
static size_t
stores_sent(const struct cap *c, size_t from, uint8_t copies, size_t *bad)
{
	struct krpc_msg	m;
	enum krpc_err	why;
	size_t		i, n = 0;

	*bad = 0;
	for (i = from; i < c->n; i++)
		if (krpc_decode(c->buf[i], c->len[i], &m, &why) == 0 &&
		    m.type == KRPC_STORE) {
			n++;
			*bad += m.copies != copies;
		}
	return (n);
}

static size_t
sent_type(const struct cap *c, size_t from, uint8_t type)
{
	struct krpc_msg	m;
	size_t		n = 0;

	for (; from < c->n; from++) {
		enum krpc_err	why;

		if (krpc_decode(c->buf[from], c->len[from], &m, &why) == 0 &&
		    m.type == type)
			n++;
	}
	return (n);
}

/*
 * A node of replicas 8 with CFAR live contacts farther from key than
 * itself (each in its own /24) and nnear closer; *fpub: a farther one.
 */
static struct dht *
copies_node(struct cap *c, uint8_t *val, size_t vlen, uint8_t key[KAD_ID_LEN],
    unsigned nnear, uint8_t fpub[KRPC_KEY_LEN])
{
	struct dht	*d;
	uint8_t		 pub[KRPC_KEY_LEN], id[KAD_ID_LEN];
	unsigned	 i;

	now = 1000000;
	if ((d = mknode_k(c, 0x0a000001, DHT_MARTIAN_AUTO, CK, 8)) == NULL)
		return (NULL);
	do
		mkval(val, vlen, key);
	while (kad_id_cpl(key, dht_id(d)) < 1);	/* our half */
	for (i = 0; i < CFAR + nnear; i++) {
		if (i < CFAR)
			do
				mkkey_dist(pub, id, 0x0b000001 + (i << 8), key,
				    dht_id(d), 0);
			while (kad_id_cpl(id, dht_id(d)) != 0);
		else
			mkkey_dist(pub, id, 0x0b000001 + (i << 8), key,
			    dht_id(d), 1);
		if (join_contact(d, c, pub, 0x0b000001 + (i << 8), 5000) ==
		    -1) {
			dht_free(d);
			return (NULL);
		}
		if (i == 0)
			memcpy(fpub, pub, KRPC_KEY_LEN);
	}
	routing_touch(dht_routing(d), key, now);
	return (d);
}

/*
 * A forwarded STORE naming 20 copies reaches a node of replicas 8 that
 * is the closest: it keeps the chunk with 8 and replicates to 7, each
 * STORE naming 8.  A PUT of 2 copies replicates to 1 and is placed by
 * that one.
 */
static void
test_copies_placed(void)
{
	static struct cap	 c;
	struct dht		*d;
	uint8_t			 fpub[KRPC_KEY_LEN], val[64], key[KAD_ID_LEN];
	uint8_t			 buf[KRPC_MAX_MSG], txid[8];
	size_t			 mark, len, bad, n;

	if ((d = copies_node(&c, val, sizeof(val), key, 0, fpub)) == NULL) {
		CHECK(0, "copies node");
		return;
	}
	memset(txid, 0x21, sizeof(txid));
	len = mkstore_copies(buf, txid, key, val, sizeof(val),
	    KRPC_STORE_FORWARD, KRPC_MAX_COPIES);
	mark = c.n;
	c.puts = 0;
	input(d, fpub, 1, buf, len, 0x0b000001, 5000);
	CHECK(c.puts == 1 && c.put_copies == 8 &&
	    sent_type(&c, mark, KRPC_HAVE) == 7, "a STORE naming 20 copies to "
	    "a node of replicas 8: kept with 8, HAVE to 7 (%zu PUT of %u, %zu "
	    "HAVE)", c.puts, c.put_copies, sent_type(&c, mark, KRPC_HAVE));
	answer(d, &c, mark, KRPC_HAVE, KRPC_HAVE_RES, 0);
	n = stores_sent(&c, mark, 8, &bad);
	CHECK(n == 7 && bad == 0, "the 7 replica STOREs each name 8 copies "
	    "(%zu, %zu not)", n, bad);
	dht_free(d);

	if ((d = copies_node(&c, val, sizeof(val), key, 0, fpub)) == NULL) {
		CHECK(0, "copies node");
		return;
	}
	mark = c.n;
	CHECK(dht_put(d, key, val, sizeof(val), 2, 9, now) == 0 &&
	    c.put_copies == 2 && sent_type(&c, mark, KRPC_HAVE) == 1,
	    "dht_put of 2 copies: kept with 2, HAVE to 1 other");
	answer(d, &c, mark, KRPC_HAVE, KRPC_HAVE_RES, 0);
	n = stores_sent(&c, mark, 2, &bad);
	CHECK(n == 1 && bad == 0, "one replica STORE, naming 2 copies");
	answer(d, &c, mark, KRPC_STORE, KRPC_STORE_RES, KRPC_ST_OK);
	CHECK(c.putev == 1 && c.put_status == 0 && c.put_nodes == 1,
	    "the one other copy confirmed: placed (status %d, %zu copies)",
	    c.put_status, c.put_nodes);
	dht_free(d);

	if ((d = copies_node(&c, val, sizeof(val), key, 0, fpub)) == NULL) {
		CHECK(0, "copies node");
		return;
	}
	mark = c.n;
	CHECK(dht_put(d, key, val, sizeof(val), 0, 9, now) == 0 &&
	    c.put_copies == 8 && sent_type(&c, mark, KRPC_HAVE) == 7,
	    "dht_put of 0 copies: replicas (8), HAVE to 7");
	mark = c.n;
	CHECK(dht_put(d, key, val, sizeof(val), 30, 10, now) == 0 &&
	    c.put_copies == 8 && sent_type(&c, mark, KRPC_HAVE) == 7,
	    "dht_put of 30 copies: no more than replicas (8)");
	dht_free(d);
}

/*
 * A replica (no FORWARD) is refused when the node knows 2 * copies live
 * nodes closer to the key: with 5 closer, a chunk of 2 copies is not its
 * to keep, one of 3 or 8 is.
 */
static void
test_copies_busy(void)
{
	static struct cap	 c;
	struct dht		*d;
	struct krpc_msg		 m;
	uint8_t			 fpub[KRPC_KEY_LEN], val[64], key[KAD_ID_LEN];
	uint8_t			 buf[KRPC_MAX_MSG], txid[8];
	static const uint8_t	 cs[] = { 2, 3, 8, 20 };
	static const int	 take[] = { 0, 1, 1, 1 };
	size_t			 len, i;
	uint64_t		 busy0;

	if ((d = copies_node(&c, val, sizeof(val), key, 5, fpub)) == NULL) {
		CHECK(0, "copies node");
		return;
	}
	for (i = 0; i < sizeof(cs); i++) {
		memset(txid, 0x30 + (int)i, sizeof(txid));
		len = mkstore_copies(buf, txid, key, val, sizeof(val), 0, cs[i]);
		c.puts = 0;
		busy0 = dht_stats(d)->drop[DHT_DROP_BUSY];
		now += 10;
		input(d, fpub, 1, buf, len, 0x0b000001, 5000);
		if (!take[i])
			CHECK(c.puts == 0 && cap_last(&c, &m) == 0 &&
			    m.type == KRPC_STORE_RES &&
			    m.status == KRPC_ST_BUSY, "5 live nodes closer: a "
			    "replica of %u copies refused (BUSY)", cs[i]);
		else
			CHECK(c.puts == 1 && c.put_copies ==
			    (cs[i] > 8 ? 8u : cs[i]) &&
			    dht_stats(d)->drop[DHT_DROP_BUSY] == busy0,
			    "5 live nodes closer: a replica of %u copies "
			    "stored with %u", cs[i], c.put_copies);
		if (take[i])	/* the store's commit answers it */
			(void)dht_store_reply(d, c.cookie, DHT_STORE_FOUND,
			    NULL, 0, now);
	}
	dht_free(d);
}

/* A STORE with copies 0, or in version 2's layout: malformed, counted. */
static void
test_copies_malformed(void)
{
	static struct cap	 c;
	struct dht		*d;
	const struct dht_stats	*st;
	uint8_t			 fpub[KRPC_KEY_LEN], val[64], key[KAD_ID_LEN];
	uint8_t			 buf[KRPC_MAX_MSG], txid[8];
	size_t			 len;

	if ((d = copies_node(&c, val, sizeof(val), key, 0, fpub)) == NULL) {
		CHECK(0, "copies node");
		return;
	}
	st = dht_stats(d);
	memset(txid, 0x41, sizeof(txid));
	len = mkstore_copies(buf, txid, key, val, sizeof(val), 0, 8);
	buf[45] = 0;
	c.puts = 0;
	input(d, fpub, 1, buf, len, 0x0b000001, 5000);
	CHECK(c.puts == 0 && st->malformed[KRPC_E_FIELD] == 1 &&
	    st->drop[DHT_DROP_MALFORMED] == 1, "a STORE naming 0 copies: "
	    "malformed (bad field), nothing stored");
	buf[45] = KRPC_MAX_COPIES + 1;
	input(d, fpub, 1, buf, len, 0x0b000001, 5000);
	CHECK(c.puts == 0 && st->malformed[KRPC_E_FIELD] == 2,
	    "a STORE naming 21 copies: malformed");
	/* version 2: header, key, flags, length, value; no copies */
	buf[2] = 2;
	buf[44] = 0;
	be16enc(buf + 45, sizeof(val));
	memcpy(buf + 47, val, sizeof(val));
	input(d, fpub, 1, buf, 47 + sizeof(val), 0x0b000001, 5000);
	CHECK(c.puts == 0 && st->malformed[KRPC_E_VERSION] == 1 &&
	    st->drop[DHT_DROP_MALFORMED] == 3, "a version 2 STORE: malformed "
	    "(bad version), nothing stored");
	dht_free(d);
}


/*
 * Answer each HAVE sent from `from` on: have=1 with the proof of val
 * (SHA-256 of the HAVE's nonce and the bytes), or with a wrong one
 * (lie), or have=0 (none).  Returns how many were answered.
 */
static size_t
answer_have(struct dht *d, struct cap *c, size_t from, const uint8_t *val,
    size_t vlen, int how)
{
	struct krpc_msg	 m, r;
	enum krpc_err	 why;
	uint8_t		 buf[KRPC_MAX_MSG], pre[KRPC_NONCE_LEN + 1024];
	uint8_t		 pub[KRPC_KEY_LEN];
	size_t		 i, end = c->n, n = 0;
	ssize_t		 len;

	for (i = from; i < end; i++) {
		if (krpc_decode(c->buf[i], c->len[i], &m, &why) != 0 ||
		    m.type != KRPC_HAVE || !c->haspub[i])
			continue;
		memcpy(pub, c->pub[i], KRPC_KEY_LEN);
		krpc_init(&r, KRPC_HAVE_RES, m.txid);
		if (how != 0) {
			r.have = 1;
			memcpy(pre, m.nonce, KRPC_NONCE_LEN);
			memcpy(pre + KRPC_NONCE_LEN, val, vlen);
			sha256(pre, KRPC_NONCE_LEN + vlen, r.proof);
			if (how < 0)
				r.proof[0] ^= 1;
		}
		if ((len = krpc_encode(&r, buf, sizeof(buf))) < 0)
			continue;
		now += 1;
		input(d, pub, 1, buf, (size_t)len,
		    ntohl(c->to[i].sin_addr.s_addr), ntohs(c->to[i].sin_port));
		n++;
	}
	return (n);
}

/*
 * A forwarded PUT is not done at the next hop's OK: the nodes closest
 * to the key must prove they hold it, on enough networks.  Proofs that
 * do not check are lies: counted, and nothing is placed; good proofs
 * from 2 networks place a chunk of 2 copies, elsewhere.
 */
static void
test_confirm(int lie)
{
	static struct cap	 c;
	struct dht		*d;
	uint8_t			 pub[KRPC_KEY_LEN], id[KAD_ID_LEN];
	uint8_t			 val[64], key[KAD_ID_LEN];
	size_t			 mark, i, n, lies0;
	int			 ok = 1;

	now = 1000000;
	if ((d = mknode_k(&c, 0x0a000001, DHT_MARTIAN_AUTO, NC, NC)) == NULL) {
		CHECK(0, "dht_new");
		return;
	}
	mkval(val, sizeof(val), key);
	/* NC contacts closer to the key than we are, each its own /24 */
	for (i = 0; i < NC; i++) {
		mkkey_dist(pub, id, 0x0b000001 + (i << 8), key, dht_id(d), 1);
		if (join_contact(d, &c, pub, 0x0b000001 + (i << 8), 5000) == -1)
			ok = 0;
	}
	routing_touch(dht_routing(d), key, now);
	mark = c.n;
	CHECK(ok && dht_put(d, key, val, sizeof(val), 2, 9, now) == 0,
	    "a PUT of 2 copies, %zu contacts closer to the key", dht_nodes(d));
	answer(d, &c, mark, KRPC_HAVE, KRPC_HAVE_RES, 0);
	answer(d, &c, mark, KRPC_STORE, KRPC_STORE_RES, KRPC_ST_OK);
	CHECK(c.putev == 0, "the next hop said OK: not done yet (%zu events)",
	    c.putev);
	mark = c.n;
	now += 200;
	(void)dht_timer(d, now);
	lies0 = dht_stats(d)->have_lies;
	n = answer_have(d, &c, mark, val, sizeof(val), lie ? -1 : 1);
	if (lie) {
		CHECK(n >= 2 && c.putev == 0 &&
		    dht_stats(d)->have_lies == lies0 + n,
		    "%zu HAVEs answered \"have\" with a wrong proof: %llu lies "
		    "counted, nothing placed", n, (unsigned long long)
		    (dht_stats(d)->have_lies - lies0));
	} else
		CHECK(n >= 2 && c.putev == 1 && c.put_status == 0 &&
		    c.put_nodes >= 2 && dht_stats(d)->have_lies == lies0,
		    "%zu HAVEs answered with good proofs: placed, %zu networks "
		    "proved it", n, c.put_nodes);
	dht_free(d);
}

int
main(void)
{
	test_refused(0);
	test_refused(1);
	test_unexplored();
	test_confirm(1);
	test_confirm(0);
	test_copies_placed();
	test_copies_busy();
	test_copies_malformed();
	return (test_done());
}
