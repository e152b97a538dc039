/* SPDX-License-Identifier: ISC */
/*
 * Per-source accounting (store_tc.h, "Sources"): what each peer network
 * holds here, so that eviction takes from the sources over their share
 * first and no single source can evict what the others placed.
 *
 * Every unpinned chunk with a source has, besides its LRU entry, an
 * entry SKEY_TAG || source || tick || key in the index file, its value
 * the chunk's length.  The entries of one source are contiguous and
 * ordered by tick, so its least recently used chunk is one cursor jump
 * away.  They are derived data like the LRU entries: the same batches,
 * rebuilt from the chunk records (which keep the source) with the rest
 * of the index.  The totals live in memory, two red-black trees over
 * the same nodes (by source, and by bytes for the largest), counted
 * from the entries at open: a pass over the index's per-source range,
 * one step per unpinned chunk of a peer.
 */
#include <sys/types.h>

#include <bsd/sys/endian.h>
#include <bsd/sys/tree.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "store_tc_local.h"

static int
src_kcmp(const struct store_src *a, const struct store_src *b)
{
	return (a->source < b->source ? -1 : a->source > b->source);
}

/* largest first; equal sizes by source, so that nodes are distinct */
static int
src_bcmp(const struct store_src *a, const struct store_src *b)
{
	if (a->bytes != b->bytes)
		return (a->bytes > b->bytes ? -1 : 1);
	return (src_kcmp(a, b));
}

/* libbsd's tree.h marks the generated functions __unused */
#ifndef __unused
#define __unused __attribute__((__unused__))
#endif
RB_GENERATE_STATIC(src_ktree, store_src, kentry, src_kcmp)
RB_GENERATE_STATIC(src_btree, store_src, bentry, src_bcmp)

/* limit x share / 100, without overflow */
uint64_t
store_share_bytes(uint64_t limit, unsigned share)
{
	if (share == 0 || share > 100)
		share = STORE_SHARE_DEFAULT;
	return (limit / 100 * share + limit % 100 * share / 100);
}

void
store_skey(uint8_t sk[SKEY_LEN], uint64_t source, uint64_t tick,
    const uint8_t *key)
{
	sk[0] = SKEY_TAG;
	be64enc(sk + 1, source);
	store_ikey(sk + SKEY_PFX, tick, key);
}

static struct store_src *
src_find(struct store *s, uint64_t source)
{
	struct store_src	 k;

	k.source = source;
	return (RB_FIND(src_ktree, &s->srcs, &k));
}

/* A source that holds nothing more, or whose count was wrong. */
static void
src_forget(struct store *s, struct store_src *n)
{
	s->st.source_bytes -= n->bytes;
	s->st.sources--;
	RB_REMOVE(src_btree, &s->srcs_big, n);
	RB_REMOVE(src_ktree, &s->srcs, n);
	free(n);
}

/* Count len bytes more (add) or fewer for a source; -1 ENOMEM. */
static int
src_count(struct store *s, uint64_t source, size_t len, int add)
{
	struct store_src	*n;

	if ((n = src_find(s, source)) == NULL) {
		if (!add)
			return (0);	/* counted already: only after damage */
		if ((n = calloc(1, sizeof(*n))) == NULL)
			return (store_seterr(s, ENOMEM, "out of memory"));
		n->source = source;
		RB_INSERT(src_ktree, &s->srcs, n);
		s->st.sources++;
	} else
		RB_REMOVE(src_btree, &s->srcs_big, n);
	if (add) {
		n->bytes += len;
		n->chunks++;
		s->st.source_bytes += len;
	} else {
		len = len < n->bytes ? len : n->bytes;
		n->bytes -= len;
		n->chunks = n->chunks > 0 ? n->chunks - 1 : 0;
		s->st.source_bytes -= len;
	}
	RB_INSERT(src_btree, &s->srcs_big, n);
	if (n->chunks == 0)
		src_forget(s, n);
	return (0);
}

/* An unpinned chunk with a source joins the LRU: its source entry. */
int
store_src_add(struct store *s, const struct chunk_hdr *h, const uint8_t *key,
    size_t len)
{
	uint8_t	 sk[SKEY_LEN], v[SVAL_LEN];

	if (h->source == 0)
		return (0);
	store_skey(sk, h->source, h->tick, key);
	be16enc(v, (uint16_t)len);
	s->nops++;
	if (!tcbdbput(s->bdb, sk, SKEY_LEN, v, SVAL_LEN))
		return (store_bdb_fail(s, "put"));
	return (src_count(s, h->source, len, 1));
}

/* ... and leaves it (pinned, moved, dropped or evicted). */
int
store_src_del(struct store *s, const struct chunk_hdr *h, const uint8_t *key,
    size_t len)
{
	uint8_t	 sk[SKEY_LEN];

	if (h->source == 0)
		return (0);
	store_skey(sk, h->source, h->tick, key);
	s->nops++;
	if (!tcbdbout(s->bdb, sk, SKEY_LEN)) {
		if (tcbdbecode(s->bdb) != TCENOREC)
			return (store_bdb_fail(s, "out"));
		return (0);	/* never counted: only after damage */
	}
	return (src_count(s, h->source, len, 0));
}

/*
 * Evict the least recently used chunk of the putting source if it
 * holds more than its share, else of the largest source if that one
 * does: 1 one went (or a stale entry), 0 no such source, -1 error.
 */
int
store_src_evict(struct store *s, uint64_t putter)
{
	struct store_src	*big;
	struct chunk_hdr	 h;
	const uint8_t		*sk, *v;
	uint8_t			 pfx[SKEY_PFX], key[STORE_KEY_LEN];
	uint64_t		 tick, source;
	size_t			 len, slen;
	int			 sksz, vsz, r;

	if (putter == 0 || (big = src_find(s, putter)) == NULL ||
	    big->bytes <= s->share)
		big = RB_MIN(src_btree, &s->srcs_big);
	if (big == NULL || big->bytes <= s->share)
		return (0);
	source = big->source;
	pfx[0] = SKEY_TAG;
	be64enc(pfx + 1, source);
	if (!tcbdbcurjump(s->scur, pfx, sizeof(pfx))) {
		if (tcbdbecode(s->bdb) != TCENOREC)
			return (store_bdb_fail(s, "cursor"));
		sk = NULL;
	} else if ((sk = tcbdbcurkey3(s->scur, &sksz)) == NULL)
		return (store_bdb_fail(s, "cursor key"));
	if (sk == NULL || sksz != SKEY_LEN || memcmp(sk, pfx, SKEY_PFX) != 0) {
		/* counted, but no entry: only after damage */
		log_warnx("%s: source %016llx has no index entries", __func__,
		    (unsigned long long)source);
		src_forget(s, big);
		return (1);
	}
	tick = be64dec(sk + SKEY_PFX);
	memcpy(key, sk + SKEY_PFX + 8, sizeof(key));
	if ((v = tcbdbcurval3(s->scur, &vsz)) == NULL)
		return (store_bdb_fail(s, "cursor value"));
	slen = vsz == SVAL_LEN ? be16dec(v) : 0;
	r = store_chunk_lookup(s, key, &h, &len);
	if (r == -1 && errno != EBADMSG)
		return (-1);
	if (!tcbdbcurout(s->scur))
		return (store_bdb_fail(s, "cursor out"));
	if (r != 1 || h.pins != 0 || h.tick != tick || h.source != source) {
		log_warnx("%s: dropping a stale source entry", __func__);
		return (src_count(s, source, slen, 0) == -1 ? -1 : 1);
	}
	if (!tchdbout(s->hdb, key, STORE_KEY_LEN))
		return (store_hdb_fail(s, "out"));
	if (store_lru_del(s, tick, key) == -1 ||
	    src_count(s, source, len, 0) == -1)
		return (-1);
	s->st.chunks--;
	s->st.bytes -= len;
	s->st.evicted++;
	s->st.evicted_share++;
	return (1);
}

/* Count every source's entries: at open, the index being up to date. */
int
store_src_load(struct store *s)
{
	uint8_t		 pfx = SKEY_TAG;
	const uint8_t	*sk, *v;
	int		 sksz, vsz;

	store_src_free(s);
	if (!tcbdbcurjump(s->scur, &pfx, 1)) {
		if (tcbdbecode(s->bdb) == TCENOREC)
			return (0);
		return (store_bdb_fail(s, "cursor"));
	}
	for (;;) {
		if ((sk = tcbdbcurkey3(s->scur, &sksz)) == NULL)
			return (store_bdb_fail(s, "cursor key"));
		if (sksz != SKEY_LEN || sk[0] != SKEY_TAG)
			return (0);		/* the meta record */
		if ((v = tcbdbcurval3(s->scur, &vsz)) == NULL)
			return (store_bdb_fail(s, "cursor value"));
		/* a damaged entry counts for nothing; eviction drops it */
		if (vsz == SVAL_LEN && be16dec(v) <= STORE_CHUNK_MAX &&
		    src_count(s, be64dec(sk + 1), be16dec(v), 1) == -1)
			return (-1);
		if (!tcbdbcurnext(s->scur)) {
			if (tcbdbecode(s->bdb) == TCENOREC)
				return (0);
			return (store_bdb_fail(s, "cursor next"));
		}
	}
}

void
store_src_free(struct store *s)
{
	struct store_src	*n;

	while ((n = RB_ROOT(&s->srcs)) != NULL) {
		RB_REMOVE(src_ktree, &s->srcs, n);
		free(n);
	}
	RB_INIT(&s->srcs_big);
	s->st.sources = s->st.source_bytes = 0;
}

void
store_src_stats(struct store *s, struct store_stats *st)
{
	struct store_src	*big;

	big = RB_MIN(src_btree, &s->srcs_big);
	st->source_max = big != NULL ? big->bytes : 0;
	st->share = s->share;
}

void
store_source(struct store *s, uint64_t source, uint64_t *bytes,
    uint64_t *chunks)
{
	struct store_src	*n;

	n = src_find(s, source);
	*bytes = n != NULL ? n->bytes : 0;
	*chunks = n != NULL ? n->chunks : 0;
}
