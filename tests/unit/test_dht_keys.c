/* SPDX-License-Identifier: ISC */
/*
 * Tests for kadnet/dht.c (protocol version 2): keys and addresses (a
 * contact is its key, its address moves only where it proved itself, an
 * answer must come from the key asked, a handshake forgives a contact
 * gone bad) and lost datagrams (a few lost answers do not make a node
 * bad, silence does).  One node fed hand-made messages; the harness is
 * dht_cap.c.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>

#include <stdint.h>
#include <string.h>

#include "kadnet/dht.h"
#include "kadnet/krpc.h"
#include "kadnet/routing.h"
#include "tests/unit/dht_cap.h"
#include "tests/test.h"

static struct cap	 c;
static uint8_t		 txid[8], pb[32], idb[32];	/* B, in both steps */

/*
 * Keys and addresses (protocol version 2): a contact is its key, and
 * its address moves only where it proved itself (an answer or request
 * over proved keys, a completed handshake), never for a request inside
 * a handshake's first message, which forgives nothing either.  An
 * answer must come from the key asked.  A handshake brings a contact
 * that timed out to bad back at once.
 */

/* A, then B: where their addresses move; -1 if no node. */
static int
keys_moved(void)
{
	struct dht		*d;
	const struct dht_stats	*st;
	const struct rt_entry	*e;
	struct krpc_msg		 m;
	uint8_t			 buf[KRPC_MAX_MSG], t[32], pa[32], ida[32];
	ssize_t			 i;
	size_t			 len;
	uint64_t		 w0;

	now = 2000000;
	d = mknode(&c, 0x0a000001, DHT_MARTIAN_AUTO);
	if (d == NULL) {
		CHECK(0, "dht_new");
		return (-1);
	}
	st = dht_stats(d);
	mkkey(pa, ida, 0x0a000002);
	mkkey(pb, idb, 0x0a000006);
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
	return (0);
}

/* B alone, and silent: its requests time out, it is bad */
static void
keys_forgiven(void)
{
	struct dht		*d;
	const struct rt_entry	*e;
	struct krpc_msg		 m;
	uint8_t			 buf[KRPC_MAX_MSG], t[32];
	size_t			 len, j;

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

static void
test_keys(void)
{
	if (keys_moved() == 0)
		keys_forgiven();
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
	struct dht		*d;
	struct krpc_msg		 m;
	enum krpc_err		 why;
	uint8_t			 buf[KRPC_MAX_MSG], pp[32], pid[32], key[32];
	uint8_t			 txids[10][8];
	size_t			 len, i, n;
	int			 ok;

	now = 5000000;
	d = mknode(&c, 0x0a000001, DHT_MARTIAN_AUTO);
	mkkey(pp, pid, 0x0a000002);
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

int
main(void)
{
	test_keys();
	test_lost_datagrams();
	return (test_done());
}
