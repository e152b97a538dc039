/* SPDX-License-Identifier: ISC */
/*
 * Tests for kadnet/bootwait.c, kadctl's bootstrap requests waiting for
 * their address: each request finishes exactly once (answered by its
 * address, or at its deadline), every request waiting for an address
 * is finished by its answer, the others keep their place and deadline;
 * request 0, a request already waiting and a seventeenth are refused.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "kadnet/krpc.h"
#include "kadnet/bootwait.h"
#include "tests/test.h"

static struct krpc_addr
addr(uint8_t last, uint16_t port)
{
	struct krpc_addr	 a;

	memset(&a, 0, sizeof(a));
	a.family = KRPC_AF_INET;
	a.ip[0] = 127;
	a.ip[3] = last;
	a.port = port;
	return (a);
}

int
main(void)
{
	struct bootwait		 b;
	struct krpc_addr	 a1 = addr(1, 4000), a2 = addr(1, 4001);
	uint32_t		 reqs[BOOTWAIT_MAX];
	size_t			 n;
	uint32_t		 i;

	memset(&b, 0, sizeof(b));
	CHECK(bootwait_next(&b) == UINT64_MAX, "empty: no deadline");
	CHECK(bootwait_add(&b, 0, &a1, 1000, 5000) == -1 && errno == EINVAL,
	    "request 0 refused");
	CHECK(bootwait_add(&b, 1, &a1, 1000, 5000) == 0 &&
	    bootwait_add(&b, 2, &a2, 2000, 5000) == 0 &&
	    bootwait_add(&b, 3, &a1, 3000, 5000) == 0, "three requests");
	CHECK(bootwait_add(&b, 2, &a1, 3000, 5000) == -1 && errno == EEXIST,
	    "a request already waiting refused");
	CHECK(bootwait_next(&b) == 6000, "the first deadline is next");
	n = bootwait_answered(&b, &a1, reqs);
	CHECK(n == 2 && reqs[0] == 1 && reqs[1] == 3 && b.n == 1,
	    "an answer finishes every request for its address, in order");
	CHECK(bootwait_answered(&b, &a1, reqs) == 0, "and only once");
	CHECK(bootwait_next(&b) == 7000, "the other keeps its deadline");
	CHECK(bootwait_expire(&b, 6999, reqs) == 0, "not expired before it");
	n = bootwait_expire(&b, 7000, reqs);
	CHECK(n == 1 && reqs[0] == 2 && b.n == 0 &&
	    bootwait_next(&b) == UINT64_MAX, "expired at its deadline");
	CHECK(bootwait_answered(&b, &a2, reqs) == 0, "a late answer finishes "
	    "nothing");

	for (i = 1; i <= BOOTWAIT_MAX; i++)
		if (bootwait_add(&b, i, &a2, 0, i) == -1)
			break;
	CHECK(i == BOOTWAIT_MAX + 1 &&
	    bootwait_add(&b, 99, &a1, 0, 1) == -1 && errno == EBUSY,
	    "%d wait at once, the next is refused", BOOTWAIT_MAX);
	n = bootwait_expire(&b, 8, reqs);
	CHECK(n == 8 && reqs[0] == 1 && reqs[7] == 8 && b.n == 8 &&
	    bootwait_next(&b) == 9, "expiry takes the due ones in order");
	CHECK(bootwait_add(&b, 99, &a1, 0, 1) == 0, "and makes room");
	return (test_done());
}
