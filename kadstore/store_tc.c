/* SPDX-License-Identifier: ISC */
/*
 * kadstore's chunk store on Tokyo Cabinet: the chunk operations and
 * the batches.  Opening, the index rebuild and verification are in
 * store_open.c, disk space and mapped memory in store_space.c; the three
 * share store_tc_local.h and are the only includers of Tokyo Cabinet's
 * headers in the project.
 *
 * Files (in the store directory, all opened by store_open):
 *   chunks.tch      TCHDB, HDBTLARGE, tuned bnum/xmsiz.  The source of
 *                   truth: one record per chunk,
 *                     key   = SHA-256(data), 32 bytes
 *                     value = tick (u64 BE) || pins (u32 BE) ||
 *                             copies (u32 BE) ||
 *                             [source (u64 BE)] ||
 *                             data (0..STORE_CHUNK_MAX bytes)
 *                   copies is the most any put of the chunk asked the
 *                   network to keep (migration acts on it); 0, in a
 *                   record written before they were kept, reads as
 *                   STORE_COPIES_DEFAULT.  In the record, not the index,
 *                   so that an index rebuild keeps it and it costs no
 *                   byte more.  The source (store_src.c) is there when
 *                   copies has HDR_F_SOURCE set: a chunk stored for a
 *                   peer, never 0; older records have no source and
 *                   read as our own.
 *                   plus one meta record under the 13-byte key
 *                   "kadstore:meta" (no chunk key has that length):
 *                   format version, batch generation, LRU clock and the
 *                   counters (chunks, bytes, pinned, pinned bytes, evicted).
 *   lru.tcb         TCBDB, the LRU index: one empty-valued record per
 *                   UNPINNED chunk under the 40-byte key tick (u64 BE) ||
 *                   chunk key, so the least recently used chunk is the
 *                   first record (cursor first, O(log n)).  Its own meta
 *                   record (key 8 x 0xff || "meta", which sorts after every
 *                   tick) holds the batch generation of the index.  An
 *                   unpinned chunk with a source has a second entry,
 *                   under SKEY_TAG || source || tick || key (store_src.c).
 *   *.wal           Tokyo Cabinet's rollback logs, one per file.
 *
 * Batches and crash safety.  Every change joins an open batch: a
 * transaction on each file, begun lazily, without HDBOTSYNC (TC's WAL
 * holds pre-images; committing only truncates it).  store_commit() writes
 * the counters and generation g+1 into both meta records, commits the
 * TCHDB, then the TCBDB.  A kill -9 at any moment leaves each file at its
 * last commit once TC has replayed its WAL at the next open, so the chunk
 * file and its counters always agree.  The two files agree as well unless
 * the kill landed between the two commits; then the generations differ
 * (or the index meta is missing or the index does not open) and
 * store_open() rebuilds the index from a scan of the chunk file (sorted
 * bulk load, recounting the counters on the way).  Power loss is covered
 * only up to the last store_sync() (tchdbsync/tcbdbsync: msync + fsync),
 * which the dispatcher runs from a timer.
 *
 * LRU clock.  A logical clock hands out one tick per LRU insertion.  A get
 * (or an unpinned put of a chunk already here) refreshes a chunk (new
 * tick, record rewritten, index entries moved) only when it is in the
 * eviction end: fewer than n/STORE_LRU_TAIL_DIV + 1 of the n unpinned
 * chunks can be older, judged from its tick's distance behind the clock.
 * A refresh is dear: it moves an entry out of a random leaf of each
 * index, and the commit rewrites every leaf so dirtied, with its WAL
 * pre-image (a microbenchmark of peer-stored chunks here: 4.5 us of CPU
 * for a get without one, 50-100 us with).  Refreshing whatever was older
 * than the youngest 1/8, as before, made a serving node rewrite 7/8 of
 * the chunks a fetch read from it.  This way a chunk read while it is
 * young keeps its place, one read in the oldest 1/8 moves it to the young
 * end, and a hot chunk costs one rewrite per 7n/8 insertions: the order
 * is insertion order with a second chance before eviction, the usual
 * approximation (CLOCK).  Pinned chunks keep their tick but have no
 * index entry; the last unpin gives them a fresh tick.
 */
#include <sys/types.h>

#include <bsd/string.h>
#include <bsd/sys/endian.h>
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "store_tc_local.h"

const uint8_t store_meta_bkey[META_BKEY_LEN] = {
	0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 'm', 'e', 't', 'a'
};

#ifdef KAD_TEST_HOOKS
int	store_test_exit_between_commits;
#endif

int
store_seterr(struct store *s, int error, const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	(void)vsnprintf(s->errstr, sizeof(s->errstr), fmt, ap);
	va_end(ap);
	errno = error;
	return (-1);
}

/*
 * A Tokyo Cabinet error.  TC marks the handle fatal for every error but
 * "no record" and "exists", so the store goes read-only.
 */
static int
tc_fail(struct store *s, const char *what, const char *file, int ecode)
{
	int	 saved = errno;

	switch (ecode) {
	case TCETRUNC:
	case TCESYNC:
	case TCESEEK:
	case TCEREAD:
	case TCEWRITE:
	case TCEMMAP:
	case TCEOPEN:
	case TCECLOSE:
		/* errno still comes from the failed system call */
		(void)snprintf(s->errstr, sizeof(s->errstr), "%s %s: %s: %s",
		    file, what, tcerrmsg(ecode), strerror(saved));
		break;
	default:
		(void)snprintf(s->errstr, sizeof(s->errstr), "%s %s: %s",
		    file, what, tcerrmsg(ecode));
		break;
	}
	if (!s->broken) {
		log_warnx("store: %s; no more writes", s->errstr);
		(void)strlcpy(s->whybroken, s->errstr, sizeof(s->whybroken));
	}
	s->broken = 1;
	errno = EIO;
	return (-1);
}

int
store_hdb_fail(struct store *s, const char *what)
{
	return (tc_fail(s, what, STORE_CHUNK_DB, tchdbecode(s->hdb)));
}

int
store_bdb_fail(struct store *s, const char *what)
{
	return (tc_fail(s, what, STORE_LRU_DB, tcbdbecode(s->bdb)));
}

int
store_broken(struct store *s)
{
	/* the error that broke the store, not whatever came after */
	(void)snprintf(s->errstr, sizeof(s->errstr), "store is broken: %s",
	    s->whybroken);
	errno = EIO;
	return (-1);
}

void
store_ikey(uint8_t ik[IKEY_LEN], uint64_t tick, const uint8_t *key)
{
	be64enc(ik, tick);
	memcpy(ik + 8, key, STORE_KEY_LEN);
}

static int
hash_check(struct store *s, const uint8_t *key, const void *data,
    size_t len)
{
	uint8_t		 md[EVP_MAX_MD_SIZE];
	unsigned int	 mdlen;

	if (data == NULL)
		data = "";
	if (EVP_DigestInit_ex(s->mdctx, s->sha256, NULL) != 1 ||
	    EVP_DigestUpdate(s->mdctx, data, len) != 1 ||
	    EVP_DigestFinal_ex(s->mdctx, md, &mdlen) != 1)
		return (store_seterr(s, ENOMEM, "SHA-256 failed"));
	if (mdlen != STORE_KEY_LEN || memcmp(md, key, STORE_KEY_LEN) != 0)
		return (store_seterr(s, EINVAL,
		    "key is not SHA-256 of the data"));
	return (0);
}

/* Open the batch (a transaction on each file) before the first write. */
int
store_tx_begin(struct store *s)
{
	if (s->broken)
		return (store_broken(s));
	if (s->intx)
		return (0);
	if (!tchdbtranbegin(s->hdb))
		return (store_hdb_fail(s, "tranbegin"));
	if (!tcbdbtranbegin(s->bdb))
		return (store_bdb_fail(s, "tranbegin"));
	s->intx = 1;
	return (0);
}

/* Where a record's data begins. */
size_t
store_hdr_len(const struct chunk_hdr *h)
{
	return (h->source != 0 ? HDR_LEN + SRC_LEN : HDR_LEN);
}

/*
 * A record's header, from its n bytes; *len its data's.  0, or -1 for
 * a damaged record.
 */
int
store_hdr_parse(const uint8_t *v, int n, struct chunk_hdr *h, size_t *len)
{
	if (n < HDR_LEN || n > VAL_MAX)
		return (-1);
	h->tick = be64dec(v);
	h->pins = be32dec(v + 8);
	h->copies = be32dec(v + 12);
	h->source = 0;
	if (h->copies & HDR_F_SOURCE) {
		h->copies &= ~HDR_F_SOURCE;
		if (n < HDR_LEN + SRC_LEN ||
		    (h->source = be64dec(v + HDR_LEN)) == 0)
			return (-1);
	} else if (n > HDR_LEN + STORE_CHUNK_MAX)
		return (-1);
	*len = (size_t)n - store_hdr_len(h);
	return (0);
}

/*
 * Look a chunk up; its record stays in s->vbuf, the data after
 * store_hdr_len(h) bytes.  1 found, 0 absent, -1 error (EBADMSG for a
 * damaged record, which does not break the store).
 */
int
store_chunk_lookup(struct store *s, const uint8_t *key, struct chunk_hdr *h,
    size_t *len)
{
	int	 n;

	store_mapped(s);
	n = tchdbget3(s->hdb, key, STORE_KEY_LEN, s->vbuf,
	    (int)sizeof(s->vbuf));
	if (n == -1) {
		if (tchdbecode(s->hdb) == TCENOREC)
			return (0);
		return (store_hdb_fail(s, "get"));
	}
	if (store_hdr_parse(s->vbuf, n, h, len) == -1)
		return (store_seterr(s, EBADMSG,
		    "damaged chunk record (%d bytes)", n));
	return (1);
}

/* The copies a header says, the old records' 0 read as the default. */
static unsigned
hdr_copies(const struct chunk_hdr *h)
{
	if (h->copies == 0)
		return (STORE_COPIES_DEFAULT);
	return (h->copies > STORE_COPIES_MAX ? STORE_COPIES_MAX : h->copies);
}

/* chunk_lookup for a chunk that must be there: 0, or -1 (ENOENT). */
static int
chunk_find(struct store *s, const uint8_t *key, struct chunk_hdr *h,
    size_t *len)
{
	int	 r;

	if ((r = store_chunk_lookup(s, key, h, len)) == 0)
		errno = ENOENT;
	return (r == 1 ? 0 : -1);
}

/* Store the record in s->vbuf, its data after store_hdr_len(h). */
static int
chunk_write(struct store *s, const uint8_t *key, const struct chunk_hdr *h,
    size_t len)
{
	be64enc(s->vbuf, h->tick);
	be32enc(s->vbuf + 8, h->pins);
	be32enc(s->vbuf + 12, h->copies | (h->source != 0 ? HDR_F_SOURCE : 0));
	if (h->source != 0)
		be64enc(s->vbuf + HDR_LEN, h->source);
	store_mapped(s);
	if (!tchdbput(s->hdb, key, STORE_KEY_LEN, s->vbuf,
	    (int)(store_hdr_len(h) + len)))
		return (store_hdb_fail(s, "put"));
	return (0);
}

static int
lru_add(struct store *s, uint64_t tick, const uint8_t *key)
{
	uint8_t	 ik[IKEY_LEN];

	store_ikey(ik, tick, key);
	s->nops++;
	if (!tcbdbput(s->bdb, ik, IKEY_LEN, "", 0))
		return (store_bdb_fail(s, "put"));
	return (0);
}

int
store_lru_del(struct store *s, uint64_t tick, const uint8_t *key)
{
	uint8_t	 ik[IKEY_LEN];

	store_ikey(ik, tick, key);
	s->nops++;
	if (!tcbdbout(s->bdb, ik, IKEY_LEN)) {
		/* a missing entry is harmless here: it is going away */
		if (tcbdbecode(s->bdb) == TCENOREC)
			return (0);
		return (store_bdb_fail(s, "out"));
	}
	return (0);
}

/* An unpinned chunk's index entries: the LRU's and its source's. */
static int
idx_add(struct store *s, const struct chunk_hdr *h, const uint8_t *key,
    size_t len)
{
	if (lru_add(s, h->tick, key) == -1)
		return (-1);
	return (store_src_add(s, h, key, len));
}

static int
idx_del(struct store *s, const struct chunk_hdr *h, const uint8_t *key,
    size_t len)
{
	if (store_lru_del(s, h->tick, key) == -1)
		return (-1);
	return (store_src_del(s, h, key, len));
}

/*
 * Evict unpinned chunks until under the limit: the least recently used
 * of the putting source (0: none) while it is over its share, so that
 * no source can take others' room beyond its own; then those of the
 * largest source over its share; then the least recently used of all.
 */
int
store_evict(struct store *s, uint64_t putter)
{
	struct chunk_hdr	 h;
	const uint8_t		*ik;
	uint8_t			 key[STORE_KEY_LEN];
	uint64_t		 tick;
	size_t			 len;
	int			 iksz, r;

	while (s->st.limit != 0 && s->st.bytes > s->st.limit) {
		if ((r = store_src_evict(s, putter)) == -1)
			return (-1);
		if (r == 1)
			continue;
		if (!tcbdbcurfirst(s->cur)) {
			if (tcbdbecode(s->bdb) == TCENOREC)
				break;
			return (store_bdb_fail(s, "cursor"));
		}
		if ((ik = tcbdbcurkey3(s->cur, &iksz)) == NULL)
			return (store_bdb_fail(s, "cursor key"));
		if (iksz != IKEY_LEN)
			break;		/* the meta record: all pinned */
		tick = be64dec(ik);
		memcpy(key, ik + 8, sizeof(key));
		r = store_chunk_lookup(s, key, &h, &len);
		if (r == -1 && errno != EBADMSG)
			return (-1);
		if (r != 1 || h.pins != 0 || h.tick != tick) {
			/* stale entry: only after damage; drop, keep going */
			log_warnx("%s: dropping a stale LRU entry", __func__);
			if (!tcbdbcurout(s->cur))
				return (store_bdb_fail(s, "cursor out"));
			if (r == 1 && h.pins == 0 &&
			    lru_add(s, h.tick, key) == -1)
				return (-1);
			continue;
		}
		if (!tchdbout(s->hdb, key, STORE_KEY_LEN))
			return (store_hdb_fail(s, "out"));
		/* the cursor first: the other entry's removal may move it */
		if (!tcbdbcurout(s->cur))
			return (store_bdb_fail(s, "cursor out"));
		if (store_src_del(s, &h, key, len) == -1)
			return (-1);
		s->st.chunks--;
		s->st.bytes -= len;
		s->st.evicted++;
	}
	return (0);
}

/* An access to an unpinned chunk whose record is in s->vbuf. */
static int
touch(struct store *s, const uint8_t *key, struct chunk_hdr *h, size_t len)
{
	uint64_t	 age, n, older;

	if (h->pins != 0 || s->broken)
		return (0);
	/* about as many chunks are younger as ticks went out since */
	age = h->tick <= s->clock ? s->clock - h->tick : UINT64_MAX;
	n = s->st.chunks - s->st.pinned;
	older = age < n ? n - 1 - age : 0;
	if (older > n / STORE_LRU_TAIL_DIV)
		return (0);	/* not near eviction: keep its place */
	if (store_room(s) == -1)
		return (0);	/* the order is approximate anyway */
	if (store_tx_begin(s) == -1 || idx_del(s, h, key, len) == -1)
		return (-1);
	h->tick = ++s->clock;
	if (idx_add(s, h, key, len) == -1)
		return (-1);
	return (chunk_write(s, key, h, len));
}

int
store_put(struct store *s, const uint8_t key[STORE_KEY_LEN],
    const void *data, size_t len, int pin)
{
	return (store_put_copies(s, key, data, len, pin, 0));
}

/*
 * A chunk already here, its record in s->vbuf, is put again: it keeps
 * the larger count (rewritten in place, the same size), and an
 * unpinned put is an access.
 */
static int
put_again_unpinned(struct store *s, const uint8_t *key, struct chunk_hdr *h,
    size_t len, unsigned copies)
{
	if (copies <= hdr_copies(h))
		return (touch(s, key, h, len));
	h->copies = copies;
	if (store_tx_begin(s) == -1 || touch(s, key, h, len) == -1)
		return (-1);
	return (chunk_write(s, key, h, len));
}

int
store_put_copies(struct store *s, const uint8_t key[STORE_KEY_LEN],
    const void *data, size_t len, int pin, unsigned copies)
{
	return (store_put_src(s, key, data, len, pin, copies, 0));
}

int
store_put_src(struct store *s, const uint8_t key[STORE_KEY_LEN],
    const void *data, size_t len, int pin, unsigned copies, uint64_t source)
{
	struct chunk_hdr	 h;
	size_t			 olen;
	int			 r;

	if (s->broken)
		return (store_broken(s));
	if (len > STORE_CHUNK_MAX || (data == NULL && len > 0))
		return (store_seterr(s, EINVAL, "bad chunk length %zu", len));
	if (copies > STORE_COPIES_MAX)
		return (store_seterr(s, EINVAL, "bad copies %u", copies));
	if (copies == 0)
		copies = STORE_COPIES_DEFAULT;
	if (hash_check(s, key, data, len) == -1)
		return (-1);
	/*
	 * A published chunk is almost always new: add it without a lookup
	 * first (tchdbputkeep refuses an existing key, which then takes the
	 * general path below).  Pinned, so no LRU entry and no limit check;
	 * our own, so no source.
	 */
	/* full: the general path decides */
	if (pin && source == 0 && store_room(s) == 0) {
		if (store_tx_begin(s) == -1)
			return (-1);
		be64enc(s->vbuf, s->clock + 1);
		be32enc(s->vbuf + 8, 1);
		be32enc(s->vbuf + 12, copies);
		if (len > 0)
			memcpy(s->vbuf + HDR_LEN, data, len);
		store_mapped(s);
		if (tchdbputkeep(s->hdb, key, STORE_KEY_LEN, s->vbuf,
		    (int)(HDR_LEN + len))) {
			s->clock++;
			s->st.chunks++;
			s->st.bytes += len;
			s->st.pinned++;
			s->st.pinned_bytes += len;
			return (store_evict(s, 0));
		}
		if (tchdbecode(s->hdb) != TCEKEEP)
			return (store_hdb_fail(s, "putkeep"));
	}
	if ((r = store_chunk_lookup(s, key, &h, &olen)) == -1)
		return (-1);
	if (r == 1 && !pin)
		return (put_again_unpinned(s, key, &h, olen, copies));
	if (r == 1) {
		/* one more pin; the first one takes it out of the LRU */
		if (h.pins == UINT32_MAX)
			return (store_seterr(s, EOVERFLOW, "too many pins"));
		if (store_tx_begin(s) == -1)
			return (-1);
		if (h.pins == 0) {
			if (idx_del(s, &h, key, olen) == -1)
				return (-1);
			s->st.pinned++;
			s->st.pinned_bytes += olen;
		}
		h.pins++;
		if (copies > hdr_copies(&h))
			h.copies = copies;
		return (chunk_write(s, key, &h, olen));
	}

	if (!pin && s->st.limit != 0 &&
	    (len > s->st.limit || s->st.pinned_bytes > s->st.limit - len))
		return (store_seterr(s, ENOSPC, "%zu bytes do not fit next to "
		    "%llu pinned bytes (limit %llu)", len,
		    (unsigned long long)s->st.pinned_bytes,
		    (unsigned long long)s->st.limit));
	if (store_room(s) == -1 || store_tx_begin(s) == -1)
		return (-1);
	h.tick = ++s->clock;
	h.pins = pin ? 1 : 0;
	h.copies = copies;
	h.source = source;
	if (len > 0)
		memcpy(s->vbuf + store_hdr_len(&h), data, len);
	if (chunk_write(s, key, &h, len) == -1)
		return (-1);
	if (!pin && idx_add(s, &h, key, len) == -1)
		return (-1);
	s->st.chunks++;
	s->st.bytes += len;
	if (pin) {
		s->st.pinned++;
		s->st.pinned_bytes += len;
	}
	return (store_evict(s, pin ? 0 : source));
}

int
store_get(struct store *s, const uint8_t key[STORE_KEY_LEN], void *buf,
    size_t bufsz, size_t *lenp)
{
	struct chunk_hdr	 h;
	size_t			 len;

	if (chunk_find(s, key, &h, &len) == -1)
		return (-1);
	if (len > bufsz)
		return (store_seterr(s, ERANGE,
		    "chunk of %zu bytes, buffer %zu", len, bufsz));
	if (len > 0)
		memcpy(buf, s->vbuf + store_hdr_len(&h), len);
	*lenp = len;
	/* a failed refresh breaks the store; the next commit reports it */
	(void)touch(s, key, &h, len);
	return (0);
}

int
store_has(struct store *s, const uint8_t key[STORE_KEY_LEN])
{
	store_mapped(s);
	if (tchdbvsiz(s->hdb, key, STORE_KEY_LEN) >= 0)
		return (1);
	if (tchdbecode(s->hdb) == TCENOREC)
		return (0);
	return (store_hdb_fail(s, "vsiz"));
}

int
store_info(struct store *s, const uint8_t key[STORE_KEY_LEN], size_t *lenp,
    uint32_t *pins)
{
	struct chunk_hdr	 h;
	size_t			 len;

	if (chunk_find(s, key, &h, &len) == -1)
		return (-1);
	if (lenp != NULL)
		*lenp = len;
	if (pins != NULL)
		*pins = h.pins;
	return (0);
}

int
store_copies(struct store *s, const uint8_t key[STORE_KEY_LEN],
    unsigned *copies)
{
	struct chunk_hdr	 h;
	size_t			 len;

	if (chunk_find(s, key, &h, &len) == -1)
		return (-1);
	*copies = hdr_copies(&h);
	return (0);
}

int
store_unpin(struct store *s, const uint8_t key[STORE_KEY_LEN])
{
	struct chunk_hdr	 h;
	size_t			 len;

	if (s->broken)
		return (store_broken(s));
	if (chunk_find(s, key, &h, &len) == -1)
		return (-1);
	if (h.pins == 0)
		return (store_seterr(s, EINVAL, "chunk is not pinned"));
	if (store_tx_begin(s) == -1)
		return (-1);
	if (--h.pins > 0)
		return (chunk_write(s, key, &h, len));
	/* back in the LRU as its youngest entry: the index grows */
	if (store_room(s) == -1)
		return (-1);
	h.tick = ++s->clock;
	if (chunk_write(s, key, &h, len) == -1 ||
	    idx_add(s, &h, key, len) == -1)
		return (-1);
	s->st.pinned--;
	s->st.pinned_bytes -= len;
	return (store_evict(s, 0));
}

/*
 * Drop this node's copy of a chunk (kadctl rm): the record and its LRU
 * entry.  With unpin, one pin goes first (a chunk that was not pinned
 * is fine).  A chunk that other files still pin stays: EBUSY.
 */
int
store_drop(struct store *s, const uint8_t key[STORE_KEY_LEN], int unpin)
{
	struct chunk_hdr	 h;
	size_t			 len;

	if (s->broken)
		return (store_broken(s));
	if (chunk_find(s, key, &h, &len) == -1)
		return (-1);
	if (h.pins > (unpin ? 1U : 0U)) {
		/* our pin goes all the same; the others' keep it */
		if (unpin) {
			if (store_tx_begin(s) == -1)
				return (-1);
			h.pins--;
			if (chunk_write(s, key, &h, len) == -1)
				return (-1);
		}
		return (store_seterr(s, EBUSY, "chunk is pinned by another "
		    "file"));
	}
	if (store_tx_begin(s) == -1)
		return (-1);
	if (h.pins == 0 && idx_del(s, &h, key, len) == -1)
		return (-1);
	store_mapped(s);
	if (!tchdbout(s->hdb, key, STORE_KEY_LEN))
		return (store_hdb_fail(s, "out"));
	if (h.pins > 0) {
		s->st.pinned--;
		s->st.pinned_bytes -= len;
	}
	s->st.chunks--;
	s->st.bytes -= len;
	return (0);
}

static int
meta_write(struct store *s, uint64_t gen)
{
	uint8_t	 hm[META_HLEN], bm[META_BLEN];

	memset(hm, 0, sizeof(hm));
	be32enc(hm, META_VERSION);
	be64enc(hm + 8, gen);
	be64enc(hm + 16, s->clock);
	be64enc(hm + 24, s->st.chunks);
	be64enc(hm + 32, s->st.bytes);
	be64enc(hm + 40, s->st.pinned);
	be64enc(hm + 48, s->st.pinned_bytes);
	be64enc(hm + 56, s->st.evicted);
	if (!tchdbput(s->hdb, META_HKEY, META_HKEY_LEN, hm, sizeof(hm)))
		return (store_hdb_fail(s, "put meta"));
	memset(bm, 0, sizeof(bm));
	be32enc(bm, META_VERSION);
	be64enc(bm + 8, gen);
	if (!tcbdbput(s->bdb, store_meta_bkey, sizeof(store_meta_bkey), bm,
	    sizeof(bm)))
		return (store_bdb_fail(s, "put meta"));
	return (0);
}

int
store_commit(struct store *s)
{
	if (s->broken)
		return (store_broken(s));
	if (!s->intx)
		return (0);
	if (meta_write(s, s->gen + 1) == -1)
		return (-1);
	if (!tchdbtrancommit(s->hdb))
		return (store_hdb_fail(s, "trancommit"));
	/*
	 * The batch is safe now.  A kill -9 right here leaves the index one
	 * generation behind: store_open() sees that and rebuilds it.
	 */
#ifdef KAD_TEST_HOOKS
	if (store_test_exit_between_commits)
		_exit(99);
#endif
	if (!tcbdbtrancommit(s->bdb))
		return (store_bdb_fail(s, "trancommit"));
	s->gen++;
	s->intx = 0;
	s->nops = 0;
	s->unsynced = 1;
	return (0);
}

int
store_dirty(struct store *s)
{
	return (s->intx);
}

int
store_reserved(struct store *s)
{
	return (s->resv);
}

int
store_sync(struct store *s)
{
	if (store_commit(s) == -1)
		return (-1);
	if (!s->unsynced)
		return (0);
	if (!tchdbsync(s->hdb))
		return (store_hdb_fail(s, "sync"));
	if (!tcbdbsync(s->bdb))
		return (store_bdb_fail(s, "sync"));
	s->unsynced = 0;
	return (0);
}

void
store_stats(struct store *s, struct store_stats *st)
{
	*st = s->st;
	store_src_stats(s, st);
}

const char *
store_errstr(struct store *s)
{
	return (s->errstr);
}

int
store_iter_begin(struct store *s)
{
	if (!tchdbiterinit(s->hdb))
		return (store_hdb_fail(s, "iterinit"));
	return (0);
}

int
store_iter_next(struct store *s, uint8_t key[STORE_KEY_LEN])
{
	void	*k;
	int	 ksz;

	for (;;) {
		if ((k = tchdbiternext(s->hdb, &ksz)) == NULL) {
			if (tchdbecode(s->hdb) == TCENOREC)
				return (0);
			return (store_hdb_fail(s, "iternext"));
		}
		if (ksz == STORE_KEY_LEN) {
			memcpy(key, k, STORE_KEY_LEN);
			free(k);
			return (1);
		}
		free(k);	/* the meta record */
	}
}
