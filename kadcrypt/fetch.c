/* SPDX-License-Identifier: ISC */
/*
 * kad fetch engine.
 *
 * The engine never follows a claim it has not derived itself: the root
 * gives size, chunk size and name length, which fix the one canonical
 * tree (manifest_shape); every index node is then fetched at a known
 * (height, index), decrypted with that position as nonce, and must have
 * exactly the height and key count the shape says.  No loops, no
 * recursion, no size taken on trust.
 *
 * Walk order: each level h (0 = data chunks, H-1 = the root's children)
 * keeps a ring of the keys known for its items [lo, lo + cap) and a
 * "next to request" index.  fetch_want picks, among the levels, the
 * next item whose first data chunk comes earliest in the file, so the
 * walk is depth-first in file order with look-ahead.  Limits:
 *  - a data chunk is requested only within FETCH_WINDOW chunks of the
 *    reader, so buffered ciphertext is at most FETCH_WINDOW chunks;
 *  - an index node is requested only when its children fit in the
 *    ring of the level below, which bounds every ring;
 *  - at most FETCH_MAX_OUT requests are outstanding.
 * Outstanding requests live in a red-black tree keyed by chunk key,
 * from a pool allocated once; nothing on the per-chunk path allocates.
 *
 * Data chunks are stored as they arrive and decrypted (AES-256-CTR is a
 * stream, so in file order) and hashed into the content key as the
 * caller reads them.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <bsd/stdlib.h>
#include <bsd/string.h>
#include <bsd/sys/tree.h>

#ifndef __unused	/* libbsd leaves it out; RB_GENERATE_STATIC needs it */
#define __unused	__attribute__((__unused__))
#endif

#include "aead.h"
#include "fetch.h"
#include "link.h"
#include "manifest.h"

#define DATA_RING	2048	/* known data keys ahead of the reader */
#define INDEX_RING	256	/* known index keys per level */
#define REPORT_MAX	4096	/* keys_only: keys not yet taken */

#define ROOT_LEVEL	(-1)

/* per-item state in the rings */
#define S_EMPTY		0
#define S_KNOWN		1
#define S_REQUESTED	2
#define S_ARRIVED	3	/* data: bytes buffered */
#define S_DONE		4	/* index: decoded */

/* engine state */
#define F_ROOT		0	/* root not yet requested */
#define F_ROOTWAIT	1
#define F_WALK		2
#define F_FAILED	3

_Static_assert((FETCH_WINDOW & (FETCH_WINDOW - 1)) == 0, "window");
_Static_assert(FETCH_WINDOW <= DATA_RING, "ring below window");
_Static_assert(INDEX_RING >= KAD_FANOUT, "index ring");

struct req {
	RB_ENTRY(req)	 entry;
	struct req	*nextfree;
	uint8_t		 key[KAD_KEY_LEN];
	int		 level;		/* ROOT_LEVEL, 0 data, >= 1 index */
	uint64_t	 index;
};
RB_HEAD(reqtree, req);

struct level {
	uint8_t		(*keys)[KAD_KEY_LEN];
	uint8_t		 *state;
	uint64_t	  mask;		/* ring size - 1 */
	uint64_t	  lo;		/* lowest item not finished */
	uint64_t	  next;		/* next item to request */
	uint64_t	  items;
	uint64_t	  span;		/* data chunks under one item, capped */
};

struct report {
	uint8_t		 key[KAD_KEY_LEN];
	uint8_t		 is_index;
};

struct fetch {
	int			 state;
	int			 keys_only;
	int			 content_ok;
	char			 err[FETCH_ERRLEN];
	struct kad_link		 link;
	struct crypt_gcm	*gcm;
	struct crypt_sha256	*sha;
	struct crypt_sha256	*content;
	struct crypt_ctr	*ctr;
	struct manifest		 m;
	struct kad_shape	 shape;
	int			 height;	/* 0 until the root is in */

	struct level		 lv[KAD_MAX_HEIGHT];
	uint8_t			*ringmem;

	struct reqtree		 reqs;
	struct req		*pool;
	struct req		*freereq;
	size_t			 nout;

	uint8_t			*dbuf;		/* FETCH_WINDOW chunk slots */
	uint64_t		 cursor;	/* next data chunk to read */
	size_t			 coff;		/* bytes of it already read */
	size_t			 buffered;
	uint64_t		 delivered;

	struct report		*rq;		/* keys_only */
	size_t			 rqhead, rqcount;

	uint8_t			 pt[KAD_NODE_PTLEN];
};

static int
req_cmp(struct req *a, struct req *b)
{
	return (memcmp(a->key, b->key, KAD_KEY_LEN));
}

RB_GENERATE_STATIC(reqtree, req, entry, req_cmp)

static void	fail(struct fetch *, const char *, ...)
		    __attribute__((__format__(printf, 2, 3)));

/* The first error wins; everything after it is a consequence. */
static void
fail(struct fetch *f, const char *fmt, ...)
{
	va_list	 ap;

	if (f->state == F_FAILED)
		return;
	f->state = F_FAILED;
	va_start(ap, fmt);
	(void)vsnprintf(f->err, sizeof(f->err), fmt, ap);
	va_end(ap);
}

static const char *
hex(const uint8_t *key, char buf[2 * KAD_KEY_LEN + 1])
{
	static const char digits[] = "0123456789abcdef";
	int		 i;

	for (i = 0; i < KAD_KEY_LEN; i++) {
		buf[2 * i] = digits[key[i] >> 4];
		buf[2 * i + 1] = digits[key[i] & 0xf];
	}
	buf[2 * KAD_KEY_LEN] = '\0';
	return (buf);
}

struct fetch *
fetch_new(const char *link, int keys_only, char *err, size_t errlen)
{
	struct fetch	*f;
	const char	*why;
	size_t		 i;

	if ((f = calloc(1, sizeof(*f))) == NULL) {
		why = "out of memory";
		goto fail;
	}
	RB_INIT(&f->reqs);
	f->keys_only = keys_only != 0;
	if (crypt_link_parse(link, &f->link, &why) == -1)
		goto fail;
	if ((f->pool = calloc(FETCH_MAX_OUT, sizeof(*f->pool))) == NULL ||
	    (keys_only && (f->rq = calloc(REPORT_MAX,
	    sizeof(*f->rq))) == NULL)) {
		why = "out of memory";
		goto fail;
	}
	for (i = 0; i < FETCH_MAX_OUT; i++) {
		f->pool[i].nextfree = f->freereq;
		f->freereq = &f->pool[i];
	}
	if ((f->gcm = crypt_gcm_new(f->link.key)) == NULL ||
	    (f->sha = crypt_sha256_new()) == NULL ||
	    (f->content = crypt_sha256_new()) == NULL) {
		why = "cannot set up ciphers";
		goto fail;
	}
	return (f);
 fail:
	if (err != NULL && errlen > 0)
		(void)strlcpy(err, why, errlen);
	fetch_free(f);
	return (NULL);
}

static struct req *
req_add(struct fetch *f, const uint8_t *key, int level, uint64_t index)
{
	struct req	*r;
	char		 h[2 * KAD_KEY_LEN + 1];

	if ((r = f->freereq) == NULL) {
		/* callers check nout first */
		fail(f, "internal error: too many requests");
		return (NULL);
	}
	memcpy(r->key, key, KAD_KEY_LEN);
	r->level = level;
	r->index = index;
	/* A real tree never names one chunk twice at the same time. */
	if (RB_INSERT(reqtree, &f->reqs, r) != NULL) {
		fail(f, "hostile manifest: duplicate chunk key %s",
		    hex(key, h));
		return (NULL);
	}
	f->freereq = r->nextfree;
	f->nout++;
	return (r);
}

static struct req *
req_take(struct fetch *f, const uint8_t *key)
{
	struct req	 find, *r;

	memcpy(find.key, key, KAD_KEY_LEN);
	if ((r = RB_FIND(reqtree, &f->reqs, &find)) == NULL)
		return (NULL);
	RB_REMOVE(reqtree, &f->reqs, r);
	r->nextfree = f->freereq;
	f->freereq = r;
	f->nout--;
	return (r);
}

static void
report(struct fetch *f, const uint8_t *key, int is_index)
{
	struct report	*e;

	/* reserved by fetch_want, so this cannot overflow */
	if (f->rqcount == REPORT_MAX) {
		fail(f, "internal error: report queue full");
		return;
	}
	e = &f->rq[(f->rqhead + f->rqcount) % REPORT_MAX];
	memcpy(e->key, key, KAD_KEY_LEN);
	e->is_index = (uint8_t)is_index;
	f->rqcount++;
}

/* Record that item `index' at `level' has key `key'. */
static void
learn(struct fetch *f, int level, uint64_t index, const uint8_t *key)
{
	struct level	*l = &f->lv[level];
	uint64_t	 slot;

	if (level == 0 && f->keys_only) {
		report(f, key, 0);
		return;
	}
	slot = index & l->mask;
	/* the request rules keep every known item inside its ring */
	if (index < l->lo || index - l->lo > l->mask ||
	    l->state[slot] != S_EMPTY) {
		fail(f, "internal error: ring overflow at level %d", level);
		return;
	}
	memcpy(l->keys[slot], key, KAD_KEY_LEN);
	l->state[slot] = S_KNOWN;
}

static uint64_t
ring_size(uint64_t items, uint64_t max)
{
	uint64_t	 c = 1;

	while (c < items && c < max)
		c <<= 1;
	return (c);
}

static void
check_content(struct fetch *f)
{
	uint8_t	 md[CRYPT_HASH_LEN];

	if (f->content_ok || f->keys_only || f->state != F_WALK ||
	    f->cursor != f->shape.nchunks)
		return;
	if (crypt_sha256_final(f->content, md) == -1) {
		fail(f, "internal error: sha256");
		return;
	}
	if (!crypt_memeq(md, f->m.content_key, sizeof(md))) {
		fail(f, "hostile manifest: content key does not match the "
		    "data");
		return;
	}
	f->content_ok = 1;
}

static void
root_chunk(struct fetch *f, const uint8_t *data, size_t len)
{
	struct kad_shape	*s = &f->shape;
	const uint8_t		*keys;
	const char		*why;
	uint8_t			 nonce[CRYPT_GCM_NONCE_LEN], *p;
	uint64_t		 cap[KAD_MAX_HEIGHT], total = 0;
	size_t			 i, nslots;
	char			 msg[FETCH_ERRLEN];
	int			 h, base;

	if (len != KAD_NODE_SIZE) {
		fail(f, "not a kad root chunk (%zu bytes)", len);
		return;
	}
	manifest_nonce(KAD_NODE_ROOT, 0, 0, nonce);
	if (manifest_open(f->gcm, nonce, data, len, f->pt) == -1) {
		/* the bytes match the link's hash: only the key can be off */
		fail(f, "wrong key");
		return;
	}
	if (manifest_root_parse(f->pt, &f->m, &keys, msg, sizeof(msg)) == -1) {
		fail(f, "hostile manifest: %s", msg);
		return;
	}
	if (manifest_shape(f->m.size, f->m.chunk_size, f->m.namelen, s,
	    &why) == -1) {
		fail(f, "hostile manifest: %s", why);
		return;
	}
	f->height = s->height;

	/* One allocation for every ring; level 0 only when reading data. */
	base = f->keys_only ? 1 : 0;
	for (h = base; h < s->height; h++) {
		cap[h] = ring_size(s->items[h], h == 0 ? DATA_RING :
		    INDEX_RING);
		total += cap[h];
	}
	if (total > 0 && (f->ringmem = calloc(total,
	    KAD_KEY_LEN + 1)) == NULL) {
		fail(f, "out of memory");
		return;
	}
	p = f->ringmem;
	for (h = 0; h < s->height; h++) {
		f->lv[h].items = s->items[h];
		f->lv[h].span = h == 0 ? 1 :
		    (f->lv[h - 1].span > UINT64_MAX / KAD_FANOUT ?
		    UINT64_MAX : f->lv[h - 1].span * KAD_FANOUT);
		if (h < base)
			continue;
		f->lv[h].mask = cap[h] - 1;
		f->lv[h].keys = (uint8_t (*)[KAD_KEY_LEN])p;
		p += cap[h] * KAD_KEY_LEN;
		f->lv[h].state = p;
		p += cap[h];
	}
	if (!f->keys_only && s->nchunks > 0) {
		nslots = s->nchunks < FETCH_WINDOW ? s->nchunks : FETCH_WINDOW;
		if ((f->dbuf = calloc(nslots, f->m.chunk_size)) == NULL) {
			fail(f, "out of memory");
			return;
		}
		if ((f->ctr = crypt_ctr_new(f->m.data_key, f->m.iv)) == NULL) {
			fail(f, "cannot set up ciphers");
			return;
		}
	}
	f->state = F_WALK;
	if (f->keys_only)
		report(f, f->link.root, 1);
	for (i = 0; i < f->m.count; i++)
		learn(f, s->height - 1, i, keys + i * KAD_KEY_LEN);
	explicit_bzero(f->pt, sizeof(f->pt));
	check_content(f);	/* an empty file is complete now */
}

static void
index_chunk(struct fetch *f, const uint8_t *key, int h, uint64_t i,
    const uint8_t *data, size_t len)
{
	struct level	*l = &f->lv[h];
	const uint8_t	*keys;
	uint8_t		 nonce[CRYPT_GCM_NONCE_LEN];
	uint64_t	 expect;
	size_t		 count, k;
	char		 hx[2 * KAD_KEY_LEN + 1], msg[FETCH_ERRLEN];
	int		 ph;

	if (len != KAD_NODE_SIZE) {
		fail(f, "hostile manifest: index chunk %s is %zu bytes",
		    hex(key, hx), len);
		return;
	}
	manifest_nonce(KAD_NODE_INDEX, h, i, nonce);
	if (manifest_open(f->gcm, nonce, data, len, f->pt) == -1) {
		fail(f, "hostile manifest: index chunk %s does not decrypt "
		    "at height %d", hex(key, hx), h);
		return;
	}
	if (manifest_index_parse(f->pt, &ph, &count, &keys, msg,
	    sizeof(msg)) == -1) {
		fail(f, "hostile manifest: index chunk %s: %s", hex(key, hx),
		    msg);
		return;
	}
	if (ph != h) {
		fail(f, "hostile manifest: index chunk %s claims height %d, "
		    "expected %d", hex(key, hx), ph, h);
		return;
	}
	expect = manifest_node_count(&f->shape, h, i);
	if (count != expect) {
		fail(f, "hostile manifest: index chunk %s has %zu keys, "
		    "expected %llu", hex(key, hx), count,
		    (unsigned long long)expect);
		return;
	}
	for (k = 0; k < count && f->state == F_WALK; k++)
		learn(f, h - 1, i * KAD_FANOUT + k, keys + k * KAD_KEY_LEN);
	if (f->keys_only)
		report(f, key, 1);
	l->state[i & l->mask] = S_DONE;
	while (l->lo < l->next && l->state[l->lo & l->mask] == S_DONE) {
		l->state[l->lo & l->mask] = S_EMPTY;
		l->lo++;
	}
}

static void
data_chunk(struct fetch *f, const uint8_t *key, uint64_t j,
    const uint8_t *data, size_t len)
{
	struct level	*l = &f->lv[0];
	uint64_t	 expect;
	char		 hx[2 * KAD_KEY_LEN + 1];

	expect = j + 1 == f->shape.nchunks ? f->shape.last_len :
	    f->m.chunk_size;
	if (len != expect) {
		fail(f, "hostile manifest: data chunk %s is %zu bytes, "
		    "expected %llu", hex(key, hx), len,
		    (unsigned long long)expect);
		return;
	}
	memcpy(f->dbuf + (j & (FETCH_WINDOW - 1)) * f->m.chunk_size, data,
	    len);
	l->state[j & l->mask] = S_ARRIVED;
	f->buffered += len;
}

int
fetch_chunk(struct fetch *f, const uint8_t key[32], const uint8_t *data,
    size_t len)
{
	struct req	*r;
	uint8_t		 md[CRYPT_HASH_LEN], k[KAD_KEY_LEN];
	uint64_t	 index;
	char		 hx[2 * KAD_KEY_LEN + 1];
	int		 level;

	if (f->state == F_FAILED)
		return (-1);
	if ((r = req_take(f, key)) == NULL)
		return (1);
	/* the request slot is free again: copy what we need first */
	memcpy(k, r->key, sizeof(k));
	level = r->level;
	index = r->index;
	if (crypt_sha256(f->sha, data, len, md) == -1) {
		fail(f, "internal error: sha256");
		return (-1);
	}
	if (!crypt_memeq(md, k, sizeof(md))) {
		fail(f, "chunk %s does not match its key", hex(k, hx));
		return (-1);
	}
	if (level == ROOT_LEVEL)
		root_chunk(f, data, len);
	else if (level > 0)
		index_chunk(f, k, level, index, data, len);
	else
		data_chunk(f, k, index, data, len);
	return (f->state == F_FAILED ? -1 : 0);
}

int
fetch_asked(struct fetch *f, const uint8_t key[32])
{
	struct req	 find;

	memcpy(find.key, key, KAD_KEY_LEN);
	return (RB_FIND(reqtree, &f->reqs, &find) != NULL);
}

int
fetch_missing(struct fetch *f, const uint8_t key[32])
{
	struct req	*r;
	char		 hx[2 * KAD_KEY_LEN + 1];

	if (f->state == F_FAILED)
		return (-1);
	if ((r = req_take(f, key)) == NULL)
		return (1);
	if (r->level == ROOT_LEVEL)
		fail(f, "root chunk %s not found", hex(r->key, hx));
	else
		fail(f, "%s chunk %s not found", r->level > 0 ? "index" :
		    "data", hex(r->key, hx));
	return (-1);
}

/* May node (h, i) be requested now, given the room below it? */
static int
room_below(struct fetch *f, int h, uint64_t i)
{
	struct level	*b;
	uint64_t	 first, end;

	if (f->keys_only &&
	    f->rqcount + (f->nout + 1) * (KAD_FANOUT + 1) > REPORT_MAX)
		return (0);
	if (f->keys_only && h == 1)
		return (1);
	b = &f->lv[h - 1];
	first = i * KAD_FANOUT;		/* < b->items: i is a valid index */
	end = b->items - first > KAD_FANOUT ? first + KAD_FANOUT : b->items;
	return (end - b->lo <= b->mask + 1);
}

int
fetch_want(struct fetch *f, uint8_t key[32])
{
	struct level	*l;
	struct req	*r;
	uint64_t	 i, first, best_first = UINT64_MAX;
	int		 h, best = -1, base;

	switch (f->state) {
	case F_FAILED:
		return (-1);
	case F_ROOT:
		if (req_add(f, f->link.root, ROOT_LEVEL, 0) == NULL)
			return (-1);
		f->state = F_ROOTWAIT;
		memcpy(key, f->link.root, KAD_KEY_LEN);
		return (1);
	case F_ROOTWAIT:
		return (0);
	}
	if (f->nout >= FETCH_MAX_OUT)
		return (0);
	base = f->keys_only ? 1 : 0;
	/* top-down, so an index node wins a tie with what lies under it */
	for (h = f->height - 1; h >= base; h--) {
		l = &f->lv[h];
		i = l->next;
		if (i >= l->items || l->state[i & l->mask] != S_KNOWN)
			continue;
		if (h == 0 ? i - f->cursor >= FETCH_WINDOW :
		    !room_below(f, h, i))
			continue;
		first = i > UINT64_MAX / l->span ? UINT64_MAX : i * l->span;
		if (best == -1 || first < best_first) {
			best = h;
			best_first = first;
		}
	}
	if (best == -1)
		return (0);
	l = &f->lv[best];
	i = l->next;
	if ((r = req_add(f, l->keys[i & l->mask], best, i)) == NULL)
		return (-1);
	l->state[i & l->mask] = S_REQUESTED;
	l->next++;
	memcpy(key, r->key, KAD_KEY_LEN);
	return (1);
}

size_t
fetch_read(struct fetch *f, uint8_t *buf, size_t max)
{
	struct level	*l = &f->lv[0];
	const uint8_t	*ct;
	size_t		 clen, take, total = 0;

	if (f->state != F_WALK || f->keys_only)
		return (0);
	while (max > 0 && f->cursor < f->shape.nchunks &&
	    l->state[f->cursor & l->mask] == S_ARRIVED) {
		clen = f->cursor + 1 == f->shape.nchunks ?
		    f->shape.last_len : f->m.chunk_size;
		take = clen - f->coff < max ? clen - f->coff : max;
		ct = f->dbuf + (f->cursor & (FETCH_WINDOW - 1)) *
		    f->m.chunk_size + f->coff;
		if (crypt_sha256_update(f->content, ct, take) == -1 ||
		    crypt_ctr_xor(f->ctr, ct, buf, take) == -1) {
			fail(f, "internal error: cipher");
			return (0);
		}
		buf += take;
		max -= take;
		total += take;
		f->coff += take;
		f->buffered -= take;
		if (f->coff == clen) {
			l->state[f->cursor & l->mask] = S_EMPTY;
			f->cursor++;
			l->lo = f->cursor;
			f->coff = 0;
		}
	}
	f->delivered += total;
	check_content(f);
	return (total);
}

int
fetch_meta(struct fetch *f, uint64_t *size, char *name, size_t namesz)
{
	if (f->height == 0)
		return (0);
	if (size != NULL)
		*size = f->m.size;
	if (name != NULL) {
		if (namesz <= f->m.namelen)
			return (-1);
		memcpy(name, f->m.name, f->m.namelen + 1);
	}
	return (1);
}

int
fetch_is_dir(struct fetch *f)
{
	return (f->height != 0 && f->m.dir);
}

int
fetch_next_key(struct fetch *f, uint8_t key[32], int *is_index)
{
	struct report	*e;

	if (!f->keys_only || f->rqcount == 0)
		return (0);
	e = &f->rq[f->rqhead];
	memcpy(key, e->key, KAD_KEY_LEN);
	*is_index = e->is_index;
	f->rqhead = (f->rqhead + 1) % REPORT_MAX;
	f->rqcount--;
	return (1);
}

int
fetch_done(struct fetch *f)
{
	int	 h;

	if (f->state != F_WALK)
		return (0);
	if (!f->keys_only)
		return (f->content_ok);
	for (h = 1; h < f->height; h++)
		if (f->lv[h].lo != f->lv[h].items)
			return (0);
	return (f->rqcount == 0);
}

const char *
fetch_error(struct fetch *f)
{
	return (f->state == F_FAILED ? f->err : NULL);
}

void
fetch_stats(struct fetch *f, struct fetch_stats *st)
{
	memset(st, 0, sizeof(*st));
	st->outstanding = f->nout;
	st->buffered = f->buffered;
	st->delivered = f->delivered;
	st->nchunks = f->shape.nchunks;
	st->height = f->height;
}

void
fetch_free(struct fetch *f)
{
	if (f == NULL)
		return;
	crypt_gcm_free(f->gcm);
	crypt_sha256_free(f->sha);
	crypt_sha256_free(f->content);
	crypt_ctr_free(f->ctr);
	free(f->pool);
	free(f->rq);
	free(f->ringmem);
	/* ciphertext only: the plaintext went straight to the caller */
	free(f->dbuf);
	freezero(f, sizeof(*f));	/* link key, data key, name */
}
