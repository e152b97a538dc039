/* SPDX-License-Identifier: ISC */
/*
 * Records in the chunk file (store_tc.h): opaque values that kadcrypt
 * seals, under REC_PREFIX || id.  The key length (39) is neither a
 * chunk's (32) nor the meta record's (13), so the scans and the
 * migration iterator pass over them, and a record joins the open batch
 * like a chunk: committed with it, rolled back with it.
 */
#include <sys/types.h>

#include <errno.h>
#include <string.h>

#include "store_tc_local.h"

#define REC_PREFIX	"kadrec:"
#define REC_PREFIX_LEN	7
#define REC_KEY_LEN	(REC_PREFIX_LEN + STORE_KEY_LEN)

_Static_assert(REC_KEY_LEN != STORE_KEY_LEN && REC_KEY_LEN != META_HKEY_LEN,
    "a record key is no other key");

static void
rec_key(uint8_t k[REC_KEY_LEN], const uint8_t id[STORE_KEY_LEN])
{
	memcpy(k, REC_PREFIX, REC_PREFIX_LEN);
	memcpy(k + REC_PREFIX_LEN, id, STORE_KEY_LEN);
}

int
store_rec_put(struct store *s, const uint8_t id[STORE_KEY_LEN],
    const void *data, size_t len)
{
	uint8_t	 k[REC_KEY_LEN];

	if (s->broken)
		return (store_broken(s));
	if (len == 0 || len > STORE_REC_MAX)
		return (store_seterr(s, EINVAL, "bad record length %zu", len));
	if (store_room(s) == -1 || store_tx_begin(s) == -1)
		return (-1);
	rec_key(k, id);
	store_mapped(s);
	if (!tchdbput(s->hdb, k, sizeof(k), data, (int)len))
		return (store_hdb_fail(s, "put record"));
	return (0);
}

int
store_rec_get(struct store *s, const uint8_t id[STORE_KEY_LEN], void *buf,
    size_t bufsz, size_t *lenp)
{
	uint8_t	 k[REC_KEY_LEN];
	int	 n;

	rec_key(k, id);
	store_mapped(s);
	n = tchdbget3(s->hdb, k, sizeof(k), s->vbuf, (int)sizeof(s->vbuf));
	if (n == -1) {
		if (tchdbecode(s->hdb) == TCENOREC) {
			errno = ENOENT;
			return (-1);
		}
		return (store_hdb_fail(s, "get record"));
	}
	if (n <= 0 || (size_t)n > STORE_REC_MAX || (size_t)n > bufsz)
		return (store_seterr(s, ERANGE, "record of %d bytes", n));
	memcpy(buf, s->vbuf, (size_t)n);
	*lenp = (size_t)n;
	return (0);
}

int
store_rec_del(struct store *s, const uint8_t id[STORE_KEY_LEN])
{
	uint8_t	 k[REC_KEY_LEN];

	if (s->broken)
		return (store_broken(s));
	if (store_tx_begin(s) == -1)
		return (-1);
	rec_key(k, id);
	store_mapped(s);
	if (!tchdbout(s->hdb, k, sizeof(k))) {
		if (tchdbecode(s->hdb) == TCENOREC) {
			errno = ENOENT;
			return (-1);
		}
		return (store_hdb_fail(s, "out record"));
	}
	return (0);
}
