/* SPDX-License-Identifier: ISC */
/*
 * Tests for kadnet/dht.c (protocol version 2): sending again.  A
 * request's tries (the try byte in its txid, answers timed from the send
 * they answer), a finished lookup's requests abandoned uncounted, no
 * confirming PING for a contact that only asked, a STORE to forward
 * pushed once; then the bootstrap's rounds of pings, further and further
 * apart, until someone answers, and again after five minutes of silence.
 * One node fed hand-made messages; the harness is dht_cap.c.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <stdint.h>
#include <string.h>

#include "kadnet/dht.h"
#include "kadnet/krpc.h"
#include "kadnet/routing.h"
#include "tests/unit/dht_cap.h"
#include "tests/test.h"

/* The node of test_retransmission, through its steps in order. */
static struct cap		 c;
static struct dht		*d;
static const struct dht_stats	*st;
static uint8_t			 pp[32], pid[32], key[32], val[200], txid[8];

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

/* A PING's tries; -1 if there is no node. */
static int
retry_tries(void)
{
	const struct rt_entry	*e;
	struct krpc_msg		 m;
	struct sockaddr_in	 sin;
	uint8_t			 buf[KRPC_MAX_MSG], tx0[8];
	size_t			 len;

	now = 7000000;
	d = mknode(&c, 0x0a000001, DHT_MARTIAN_AUTO);
	if (d == NULL) {
		CHECK(0, "dht_new");
		return (-1);
	}
	st = dht_stats(d);
	mkkey(pp, pid, 0x0a000002);
	mksin(&sin, 0x0a000002, 5000);
	if (dht_ping(d, (struct sockaddr *)&sin, sizeof(sin), now) != 0 ||
	    cap_last(&c, &m) != 0) {
		CHECK(0, "dht_ping");
		dht_free(d);
		return (-1);
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
	return (0);
}

static void
retry_abandoned(void)
{
	struct krpc_msg		 m, r;
	enum krpc_err		 why;
	uint8_t			 buf[KRPC_MAX_MSG], pq[32], qid[32];
	size_t			 i, mark;
	ssize_t			 sl;

	/*
	 * A chunk asked of Q, the closest; Q is slow, the lookup asks P
	 * too, Q's request goes out again.  P has it: the lookup is over,
	 * and Q's request is neither sent a third time nor a failure.
	 */
	for (i = 0; i < sizeof(val); i++)
		val[i] = (uint8_t)(i * 7);
	sha256(val, sizeof(val), key);
	mkkey_dist(pq, qid, 0x0a000003, key, pid, 1);
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
}

/* a contact that only asked inside a handshake: not added, never pinged */
static void
retry_unconfirmed(void)
{
	uint8_t			 buf[KRPC_MAX_MSG], px[32], xid[32];
	size_t			 len, mark, n;

	mkkey(px, xid, 0x0a000104);
	rnd_bytes(NULL, txid, sizeof(txid));
	mark = c.n;
	len = mkmsg(buf, KRPC_PING, txid, NULL);
	input(d, px, 0, buf, len, 0x0a000104, 6000);
	run_timers(d, 100, 100);
	n = sent_to(&c, mark, 0x0a000104, KRPC_PING);
	CHECK(n == 0 && sent_to(&c, mark, 0x0a000104, KRPC_PONG) == 1 &&
	    routing_find(dht_routing(d), xid) == NULL,
	    "a new contact that only asked: answered, not added, no PING in "
	    "10 s (%zu PINGs)", n);
	check_sends(&c, "retransmission");
}

static void
retry_forward(void)
{
	struct krpc_msg		 m;
	uint8_t			 buf[KRPC_MAX_MSG], pf[32], fid[32], tx0[8];
	size_t			 len, n, mark;
	ssize_t			 k;

	/*
	 * A STORE to forward from a node further from the key than we are,
	 * with P nearer the key: our push asks P.  The same STORE again
	 * (our answer lost) is answered OK and starts no second push.
	 */
	now = 8000000;
	d = mknode(&c, 0x0a000001, DHT_MARTIAN_AUTO);
	if (d == NULL) {
		CHECK(0, "dht_new");
		return;
	}
	st = dht_stats(d);
	mkkey_dist(pp, pid, 0x0a000002, key, dht_id(d), 1);
	mkkey_dist(pf, fid, 0x0a000005, key, dht_id(d), 0);
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

static void
test_retransmission(void)
{
	if (retry_tries() == -1)
		return;
	retry_abandoned();
	retry_unconfirmed();
	dht_free(d);
	retry_forward();
}

/*
 * A bootstrap ping or its answer lost: until someone answers, the node
 * pings its bootstrap address again, each round once the last one's
 * ping has given up (4 RTOs), then 2 s, 4, 8, ... up to a minute more;
 * once someone answered, no more until five minutes pass without an
 * answer.  A request from a made-up contact does not stop it.
 */

/* Nobody answers the bootstrap; -1 if there is no node. */
static int
boot_unanswered(void)
{
	struct krpc_msg		 m;
	struct sockaddr_in	 sin;
	enum krpc_err		 why;
	uint8_t			 buf[KRPC_MAX_MSG];
	uint64_t		 first = 0, last = 0, gap = 0, maxgap = 0;
	uint8_t			 lasttx[8];
	size_t			 len, i, n, seen;
	int			 same = 1, growing = 1;

	now = 9000000;
	d = mknode(&c, 0x0a000001, DHT_MARTIAN_AUTO);
	if (d == NULL) {
		CHECK(0, "dht_new");
		return (-1);
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
			mkkey(pp, pid, 0x0a000009);
			rnd_bytes(NULL, lasttx, sizeof(lasttx));
			len = mkmsg(buf, KRPC_PING, lasttx, NULL);
			input(d, pp, 0, buf, len, 0x0a000009, 7000);
			CHECK(dht_nodes(d) == 0, "a made-up contact's ping "
			    "inside a handshake: not in the table");
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
	return (0);
}

/* the first ping lost, the second answered: joined, no more pings */
static void
boot_answered(void)
{
	struct krpc_msg		 m;
	struct sockaddr_in	 sin;
	enum krpc_err		 why;
	uint8_t			 buf[KRPC_MAX_MSG];
	size_t			 len, i, n;

	now = 9000000;
	d = mknode(&c, 0x0a000001, DHT_MARTIAN_AUTO);
	if (d == NULL) {
		CHECK(0, "dht_new");
		return;
	}
	mksin(&sin, 0x0a000003, 6000);
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
	mkkey(pp, pid, 0x0a000003);
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

static void
test_boot_retry(void)
{
	if (boot_unanswered() == 0)
		boot_answered();
}

int
main(void)
{
	test_retransmission();
	test_boot_retry();
	return (test_done());
}
