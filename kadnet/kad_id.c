/* SPDX-License-Identifier: ISC */
/*
 * kad_id: the XOR metric over node IDs and keys (declared in routing.h),
 * shared by routing.c, search.c and the dht files.
 */
#include <sys/types.h>

#include <bsd/sys/endian.h>
#include <stdint.h>
#include <string.h>

#include "krpc.h"
#include "routing.h"

/* Eight bytes at a time: the first word almost always decides. */
int
kad_id_cmpdist(const uint8_t a[KAD_ID_LEN], const uint8_t b[KAD_ID_LEN],
    const uint8_t target[KAD_ID_LEN])
{
	size_t		i;
	uint64_t	t, da, db;

	for (i = 0; i < KAD_ID_LEN; i += 8) {
		t = be64dec(target + i);
		da = be64dec(a + i) ^ t;
		db = be64dec(b + i) ^ t;
		if (da != db)
			return (da < db ? -1 : 1);
	}
	return (0);
}

int
kad_id_eq(const uint8_t a[KAD_ID_LEN], const uint8_t b[KAD_ID_LEN])
{
	uint64_t	x, y;

	/* ids are uniform: the first word tells almost every pair apart */
	memcpy(&x, a, sizeof(x));
	memcpy(&y, b, sizeof(y));
	return (x == y && memcmp(a, b, KAD_ID_LEN) == 0);
}

unsigned
kad_id_cpl(const uint8_t a[KAD_ID_LEN], const uint8_t b[KAD_ID_LEN])
{
	size_t		i;
	unsigned	x, n;

	for (i = 0; i < KAD_ID_LEN; i++) {
		x = a[i] ^ b[i];
		if (x != 0) {
			for (n = 0; (x & 0x80) == 0; n++)
				x <<= 1;
			return ((unsigned)i * 8 + n);
		}
	}
	return (KAD_ID_LEN * 8);
}

int
kad_id_iszero(const uint8_t id[KAD_ID_LEN])
{
	uint64_t	w[KAD_ID_LEN / 8];

	memcpy(w, id, sizeof(w));
	return ((w[0] | w[1] | w[2] | w[3]) == 0);
}
