/* SPDX-License-Identifier: ISC */
/*
 * Tests for kadcrypt/put_place.c: a put survives chunks that did not
 * reach the network while each stripe lost no more than its parity,
 * fails once one lost more, and the root, with no parity, may lose
 * nothing.  Stripes of different levels with one number are apart.  A
 * put is decodable once every stripe has k' chunks placed, whatever is
 * still on its way.
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "kadcrypt/put_place.h"
#include "tests/test.h"

static void
key_of(uint8_t key[32], unsigned i)
{
	memset(key, 0, 32);
	key[0] = i & 0xff;
	key[1] = (i >> 8) & 0xff;
	key[31] = 0xa5;
}

static void
info(struct chunk_info *ci, int kind, int h, uint64_t stripe, unsigned k,
    unsigned n)
{
	memset(ci, 0, sizeof(*ci));
	ci->kind = kind;
	ci->height = h;
	ci->stripe = stripe;
	ci->k = k;
	ci->n = n;
	ci->copies = 2;
}

int
main(void)
{
	struct put_place	*p;
	struct chunk_info	 ci;
	uint8_t			 key[32];
	unsigned		 i;

	/* one stripe of 4 + 2 at height 0, one of 4 + 2 at height 1 */
	CHECK((p = put_place_new()) != NULL, "new");
	for (i = 0; i < 6; i++) {
		info(&ci, i < 4 ? CHUNK_DATA : CHUNK_PARITY, 0, 7, 4, 6);
		key_of(key, i);
		CHECK(put_place_add(p, key, &ci) == 0, "add %u", i);
	}
	for (i = 0; i < 6; i++) {
		info(&ci, i < 4 ? CHUNK_INDEX : CHUNK_PARITY, 1, 7, 4, 6);
		key_of(key, 100 + i);
		CHECK(put_place_add(p, key, &ci) == 0, "add index %u", i);
	}
	CHECK(!put_place_decodable(p) && put_place_pending(p) == 12 &&
	    put_place_emitted(p) == 12, "nothing answered: not decodable");
	key_of(key, 0);
	CHECK(put_place_result(p, key, 1) == 0, "a placed chunk");
	key_of(key, 1);
	CHECK(put_place_result(p, key, 0) == 0, "one lost of 2 parity");
	key_of(key, 100);
	CHECK(put_place_result(p, key, 0) == 0,
	    "one lost at height 1: another stripe, though numbered alike");
	key_of(key, 2);
	CHECK(put_place_result(p, key, 0) == 0, "two lost of 2 parity");
	CHECK(put_place_unplaced(p) == 3 && put_place_stripes_hit(p) == 2,
	    "3 unplaced in 2 stripes (%llu, %llu)",
	    (unsigned long long)put_place_unplaced(p),
	    (unsigned long long)put_place_stripes_hit(p));
	key_of(key, 0);
	errno = 0;
	CHECK(put_place_result(p, key, 1) == -1 && errno == EINVAL,
	    "an answer twice for one emission is refused");
	key_of(key, 3);
	CHECK(put_place_result(p, key, 0) == -1,
	    "a third loss: the stripe cannot be decoded");
	key_of(key, 4);
	CHECK(put_place_result(p, key, 1) == -1 && errno == EPIPE,
	    "and the put stays failed");
	put_place_free(p);

	/* decodable with k' of each stripe, parity still out */
	CHECK((p = put_place_new()) != NULL, "new");
	for (i = 0; i < 6; i++) {
		info(&ci, i < 4 ? CHUNK_DATA : CHUNK_PARITY, 0, 0, 4, 6);
		key_of(key, i);
		CHECK(put_place_add(p, key, &ci) == 0, "add %u", i);
	}
	info(&ci, CHUNK_ROOT, 1, 1, 1, 1);
	key_of(key, 50);
	CHECK(put_place_add(p, key, &ci) == 0, "add the root");
	for (i = 0; i < 3; i++) {
		key_of(key, i);
		(void)put_place_result(p, key, 1);
	}
	key_of(key, 4);
	(void)put_place_result(p, key, 0);
	key_of(key, 5);
	(void)put_place_result(p, key, 1);
	CHECK(!put_place_decodable(p), "4 of 6 answered, 3 ok + 1 parity ok "
	    "but the root not: not decodable");
	key_of(key, 50);
	CHECK(put_place_result(p, key, 1) == 0 && put_place_decodable(p),
	    "the root placed: decodable with 4 of the stripe's 6 ok");
	CHECK(put_place_pending(p) == 1, "one chunk still out (%llu)",
	    (unsigned long long)put_place_pending(p));
	key_of(key, 3);
	CHECK(put_place_result(p, key, 1) == 0 && put_place_decodable(p) &&
	    put_place_pending(p) == 0, "all answered");
	put_place_free(p);

	/* the root may lose nothing, even if its k and n said otherwise */
	CHECK((p = put_place_new()) != NULL, "new");
	info(&ci, CHUNK_ROOT, 2, 0, 1, 9);
	key_of(key, 9);
	CHECK(put_place_add(p, key, &ci) == 0, "add the root");
	CHECK(put_place_result(p, key, 0) == -1, "a lost root fails");
	put_place_free(p);

	/* a key emitted twice is answered twice */
	CHECK((p = put_place_new()) != NULL, "new");
	info(&ci, CHUNK_DATA, 0, 0, 1, 3);
	key_of(key, 5);
	CHECK(put_place_add(p, key, &ci) == 0 &&
	    put_place_add(p, key, &ci) == 0, "one key twice");
	CHECK(put_place_result(p, key, 1) == 0 &&
	    put_place_result(p, key, 1) == 0, "two answers");
	errno = 0;
	CHECK(put_place_result(p, key, 1) == -1 && errno == EINVAL,
	    "not a third");
	put_place_free(p);
	put_place_free(NULL);
	return (test_done());
}
