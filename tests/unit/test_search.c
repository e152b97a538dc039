/* SPDX-License-Identifier: ISC */
/*
 * Tests for kadnet/search.c on its own (the candidates of one lookup:
 * hop limit, alpha in flight, slow and failed requests, results nearest
 * first, widening, at most KAD_DIV_LOOKUP of one network) and for the lookup-time percentiles of kadnet/dht.c
 * that kadctl status reports.  The dht's input rules are in
 * test_dht_input, keys and lost datagrams in test_dht_keys, sending again
 * in test_dht_retry, the 1,000-node network in test_dht_net.
 */
#include <sys/types.h>

#include <stdint.h>
#include <string.h>

#include "kadnet/dht.h"
#include "kadnet/krpc.h"
#include "kadnet/netdiv.h"
#include "kadnet/search.h"
#include "tests/test.h"

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
		a.ip[2] = (uint8_t)i;	/* a network each (netdiv.h) */
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
		a.ip[2] = (uint8_t)i;
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

/*
 * At most KAD_DIV_LOOKUP candidates of one network (netdiv.h), the
 * closest: a closer one takes the place of the farthest of them unless
 * that one waits for an answer.
 */
static void
test_search_diverse(void)
{
	struct search		*s;
	struct search_cand	*c;
	struct krpc_addr	 x, y;
	uint8_t			 t[32], id[32], pub[32];
	int			 r1, r2, r3;

	memset(t, 0, sizeof(t));
	memset(pub, 0xa5, sizeof(pub));
	memset(&x, 0, sizeof(x));
	x.family = KRPC_AF_INET;
	x.ip[0] = 10;
	x.port = 1;
	y = x;
	y.ip[2] = 1;
	s = search_new(t, KRPC_FIND_NODE, 4, 2, 8, 3);
	memset(id, 0, 32);
	id[31] = 5;
	r1 = search_add(s, id, pub, &x, 1);
	id[31] = 6;
	x.ip[3] = 6;
	r2 = search_add(s, id, pub, &x, 1);
	id[31] = 7;
	x.ip[3] = 7;
	r3 = search_add(s, id, pub, &x, 1);
	CHECK(r1 == 1 && r2 == 1 && r3 == 0 && search_find(s, id) == NULL,
	    "a third candidate of 10.0.0.0/24, farther: refused");
	id[31] = 8;
	CHECK(search_add(s, id, pub, &y, 1) == 1, "10.0.1.0/24: taken");
	id[31] = 3;
	x.ip[3] = 3;
	r1 = search_add(s, id, pub, &x, 1);
	id[31] = 6;
	c = search_find(s, id);
	id[31] = 5;
	CHECK(r1 == 1 && c == NULL && search_find(s, id) != NULL,
	    "a closer third: in, the farthest of its network out");
	c = search_next(s);
	c = search_next(s);
	CHECK(c != NULL && c->id[31] == 5, "3 and 5 in flight");
	id[31] = 1;
	x.ip[3] = 1;
	CHECK(search_add(s, id, pub, &x, 1) == 0 && search_find(s, id) ==
	    NULL, "closer still, but both of its network are in flight: "
	    "refused");
	memset(&x, 0, sizeof(x));
	x.family = KRPC_AF_INET;
	x.ip[0] = 127;
	x.ip[3] = 1;
	x.port = 1;
	id[31] = 10;
	r1 = search_add(s, id, pub, &x, 1);
	id[31] = 11;
	x.port = 2;
	r2 = search_add(s, id, pub, &x, 1);
	id[31] = 12;
	x.port = 3;
	r3 = search_add(s, id, pub, &x, 1);
	id[31] = 13;
	x.ip[3] = 2;
	CHECK(r1 == 1 && r2 == 1 && r3 == 0 &&
	    search_add(s, id, pub, &x, 1) == 1, "127.0.0.1 on three ports: "
	    "the third refused; 127.0.0.2 taken");
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
	test_search_diverse();
	test_get_ms();
	return (test_done());
}
