/* SPDX-License-Identifier: ISC */
/*
 * kad fetch engine.
 *
 * The engine never follows a claim it has not derived itself: the root
 * gives size, chunk size, name length and stripe parameters, which fix
 * the one canonical tree (manifest_shape); every index node is then
 * fetched at a known (height, index), decrypted with that position as
 * nonce, and must have exactly the height and key count the shape
 * says.  No loops, no recursion, no size taken on trust.
 *
 * Walk: level h (0 = data chunks, H-1 = the root's children) learns
 * the keys of its coded sequence C_h, in order, from the nodes of
 * level h + 1 (the root for H - 1), and fetches it stripe by stripe
 * (fetch_stripe.c).  Verified items wait in the level's slots: data
 * for the reader, nodes to be parsed, in order, once the keys they
 * hold fit in the ring of the level below.  fetch_want serves the
 * lowest level that has something to ask for, so data comes first and
 * the index is fetched ahead while the data window is full.  Limits:
 *  - a data stripe starts only when its items fit in the FETCH_WINDOW
 *    slots ahead of the reader, so buffered ciphertext is at most
 *    FETCH_WINDOW chunks;
 *  - an index stripe starts only when its nodes fit in its level's
 *    slots, and a node is parsed only when its keys fit below, which
 *    bounds every ring;
 *  - at most FETCH_MAX_OUT requests are outstanding.
 * Outstanding requests live in a red-black tree keyed by chunk key,
 * from a pool allocated once; everything else is allocated when the
 * root is in, and nothing on the per-chunk path allocates.
 *
 * Data chunks are decrypted (AES-256-CTR is a stream, so in file
 * order) and hashed into the content key as the caller reads them.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <bsd/stdlib.h>
#include <bsd/string.h>

#include "erasure.h"
#include "fetch_local.h"

_Static_assert((FETCH_WINDOW & (FETCH_WINDOW - 1)) == 0, "window");
_Static_assert(FETCH_WINDOW >= 2 * KAD_STRIPE_K_MAX, "window below stripe");
_Static_assert(INDEX_KEYS >= KAD_STRIPE_N_MAX + KAD_FANOUT &&
    DATA_KEYS >= INDEX_KEYS, "key rings below a stripe");
_Static_assert(REPORT_MAX > KAD_FANOUT + KAD_NODE_PTLEN / KAD_KEY_LEN,
    "report queue");

/* The first error wins; everything after it is a consequence. */
void
fetch_fail(struct fetch *f, const char *fmt, ...)
{
	va_list	 ap;

	if (f->state == F_FAILED)
		return;
	f->state = F_FAILED;
	va_start(ap, fmt);
	(void)vsnprintf(f->err, sizeof(f->err), fmt, ap);
	va_end(ap);
}

const char *
fetch_hex(const uint8_t *key, char buf[2 * KAD_KEY_LEN + 1])
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

/* keys_only: a key for the caller to unpin or drop */
void
fetch_report(struct fetch *f, const uint8_t *key, int is_index)
{
	struct report	*e;

	/* parse_node and stripe_start wait for room: cannot overflow */
	if (f->rqcount == REPORT_MAX) {
		fetch_fail(f, "internal error: report queue full");
		return;
	}
	e = &f->rq[(f->rqhead + f->rqcount) % REPORT_MAX];
	memcpy(e->key, key, KAD_KEY_LEN);
	e->is_index = (uint8_t)is_index;
	f->rqcount++;
}

/*
 * The key of the next position of C_h.  keys_only: a data level key is
 * reported now; an index level's, when its stripe is complete (the
 * store may drop a chunk once it is reported, and these are read).
 */
static void
learn(struct fetch *f, int h, const uint8_t *key)
{
	struct level	*l = &f->lv[h];

	if (h < f->base) {
		fetch_report(f, key, 0);
		return;
	}
	/* parse_node keeps every known key inside its ring */
	if (l->khi - l->slo * f->shape.stride > l->kmask) {
		fetch_fail(f, "internal error: ring overflow at level %d", h);
		return;
	}
	memcpy(l->keys[l->khi & l->kmask], key, KAD_KEY_LEN);
	l->khi++;
}

static void
check_content(struct fetch *f)
{
	uint8_t	 md[CRYPT_HASH_LEN];

	if (f->content_ok || f->keys_only || f->state != F_WALK ||
	    f->lv[0].cursor != f->shape.nchunks)
		return;
	if (crypt_sha256_final(f->content, md) == -1) {
		fetch_fail(f, "internal error: sha256");
		return;
	}
	if (!crypt_memeq(md, f->m.content_key, sizeof(md))) {
		fetch_fail(f, "hostile manifest: content key does not match "
		    "the data");
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
	uint8_t			 nonce[CRYPT_GCM_NONCE_LEN];
	size_t			 i;
	char			 msg[FETCH_ERRLEN];
	int			 h;

	if (len != KAD_NODE_SIZE) {
		fetch_fail(f, "not a kad root chunk (%zu bytes)", len);
		return;
	}
	manifest_nonce(KAD_NODE_ROOT, 0, 0, nonce);
	if (manifest_open(f->gcm, nonce, data, len, f->pt) == -1) {
		/* the bytes match the link's hash: only the key can be off */
		fetch_fail(f, "wrong key");
		return;
	}
	if (manifest_root_parse(f->pt, &f->m, &keys, msg, sizeof(msg)) == -1) {
		fetch_fail(f, "hostile manifest: %s", msg);
		return;
	}
	if (manifest_shape(f->m.size, f->m.chunk_size, f->m.namelen,
	    &f->m.code, s, &why) == -1) {
		fetch_fail(f, "hostile manifest: %s", why);
		return;
	}
	f->height = s->height;
	f->nmax = s->stride;
	/* level 0 is walked only to read data */
	f->base = f->keys_only ? 1 : 0;
	for (h = f->base; h < s->height; h++)
		if (level_alloc(f, h) == -1) {
			fetch_fail(f, "out of memory");
			return;
		}
	if (!f->keys_only && s->nchunks > 0 &&
	    (f->ctr = crypt_ctr_new(f->m.data_key, f->m.iv)) == NULL) {
		fetch_fail(f, "cannot set up ciphers");
		return;
	}
	f->state = F_WALK;
	if (f->keys_only)
		fetch_report(f, f->link.root, 1);
	for (i = 0; i < f->m.count; i++)
		learn(f, s->height - 1, keys + i * KAD_KEY_LEN);
	explicit_bzero(f->pt, sizeof(f->pt));
	check_content(f);	/* an empty file is complete now */
}

/* Parse level h's next node if it is in and its keys fit: 1 if done. */
static int
parse_node(struct fetch *f, int h)
{
	struct level	*l = &f->lv[h], *b = &f->lv[h - 1];
	const uint8_t	*keys, *key;
	uint8_t		 nonce[CRYPT_GCM_NONCE_LEN];
	uint64_t	 i = l->cursor, slot = i & l->bmask, expect;
	size_t		 count, k;
	char		 hx[2 * KAD_KEY_LEN + 1], msg[FETCH_ERRLEN];
	int		 ph;

	if (i >= l->items || l->bstate[slot] != B_READY)
		return (0);
	expect = manifest_node_count(&f->shape, h, i);
	if (h - 1 < f->base &&
	    f->rqcount + f->rqres + expect > REPORT_MAX)
		return (0);
	if (h - 1 >= f->base &&
	    b->khi + expect > b->slo * f->shape.stride + b->kmask + 1)
		return (0);
	key = l->bkeys[slot];
	manifest_nonce(KAD_NODE_INDEX, h, i, nonce);
	if (manifest_open(f->gcm, nonce, l->blocks + slot * l->bsize,
	    KAD_NODE_SIZE, f->pt) == -1) {
		fetch_fail(f, "hostile manifest: index chunk %s does not "
		    "decrypt at height %d", fetch_hex(key, hx), h);
		return (0);
	}
	if (manifest_index_parse(f->pt, f->m.code.version, &ph, &count, &keys,
	    msg, sizeof(msg)) == -1) {
		fetch_fail(f, "hostile manifest: index chunk %s: %s",
		    fetch_hex(key, hx), msg);
		return (0);
	}
	if (ph != h) {
		fetch_fail(f, "hostile manifest: index chunk %s claims height "
		    "%d, expected %d", fetch_hex(key, hx), ph, h);
		return (0);
	}
	if (count != expect) {
		fetch_fail(f, "hostile manifest: index chunk %s has %zu keys, "
		    "expected %llu", fetch_hex(key, hx), count,
		    (unsigned long long)expect);
		return (0);
	}
	for (k = 0; k < count && f->state == F_WALK; k++)
		learn(f, h - 1, keys + k * KAD_KEY_LEN);
	l->bstate[slot] = B_EMPTY;
	l->cursor++;
	return (f->state == F_WALK);
}

/* Parse what can be parsed: arrivals and reports taken make room. */
void
fetch_pump(struct fetch *f)
{
	int	 h;

	for (h = 1; h < f->height && f->state == F_WALK; h++)
		while (parse_node(f, h))
			;
}

int
fetch_chunk(struct fetch *f, const uint8_t key[32], const uint8_t *data,
    size_t len)
{
	struct req	*r;
	uint8_t		 md[CRYPT_HASH_LEN], k[KAD_KEY_LEN];
	uint64_t	 pos;
	char		 hx[2 * KAD_KEY_LEN + 1];
	int		 level;

	if (f->state == F_FAILED)
		return (-1);
	if ((r = req_find(f, key)) == NULL)
		return (1);
	memcpy(k, r->key, sizeof(k));
	level = r->level;
	pos = r->pos;
	req_free(f, r);
	if (crypt_sha256(f->sha, data, len, md) == -1) {
		fetch_fail(f, "internal error: sha256");
		return (-1);
	}
	if (!crypt_memeq(md, k, sizeof(md))) {
		fetch_fail(f, "chunk %s does not match its key", fetch_hex(k, hx));
		return (-1);
	}
	if (level == ROOT_LEVEL) {
		f->not_found -= f->root_missed;
		root_chunk(f, data, len);
	}
	else
		stripe_arrive(f, level, pos, k, data, len);
	fetch_pump(f);
	return (f->state == F_FAILED ? -1 : 0);
}

int
fetch_asked(struct fetch *f, const uint8_t key[32])
{
	return (req_find(f, key) != NULL);
}

int
fetch_missing(struct fetch *f, const uint8_t key[32])
{
	struct req	*r;

	if (f->state == F_FAILED)
		return (-1);
	if ((r = req_find(f, key)) == NULL)
		return (1);
	if (r->level != ROOT_LEVEL)
		return (stripe_missing(f, r));
	/* the root has no parity: wait for it */
	if (!f->root_missed)
		f->not_found++;
	f->root_missed = 1;
	return (2);
}

int
fetch_abandon(struct fetch *f, const uint8_t key[32])
{
	struct req	*r;
	char		 hx[2 * KAD_KEY_LEN + 1];

	if (f->state == F_FAILED)
		return (-1);
	if ((r = req_find(f, key)) == NULL)
		return (1);
	if (r->level == ROOT_LEVEL)
		fetch_fail(f, "root chunk %s not found", fetch_hex(r->key, hx));
	else
		stripe_abandon(f, r);
	return (-1);
}

int
fetch_want(struct fetch *f, uint8_t key[32])
{
	struct req	*clash;
	int		 h, rv;

	switch (f->state) {
	case F_FAILED:
		return (-1);
	case F_ROOT:
		if (req_add(f, f->link.root, ROOT_LEVEL, 0, &clash) == NULL)
			return (-1);
		f->state = F_ROOTWAIT;
		memcpy(key, f->link.root, KAD_KEY_LEN);
		return (1);
	case F_ROOTWAIT:
		return (0);
	}
	/* room for one more stripe's repairs, or wait for the caller */
	if (f->nout >= FETCH_MAX_OUT ||
	    f->rpcount + f->nmax > FETCH_REPAIR_MAX)
		return (0);
	for (h = f->base; h < f->height; h++)
		do {
			if ((rv = stripe_ask(f, h, key)) != 0)
				return (rv);
		} while (stripe_start(f, h));
	return (0);
}

size_t
fetch_read(struct fetch *f, uint8_t *buf, size_t max)
{
	struct level	*l = &f->lv[0];
	const uint8_t	*ct;
	size_t		 clen, take, total = 0;
	uint64_t	 slot;

	if (f->state != F_WALK || f->keys_only)
		return (0);
	while (max > 0 && l->cursor < f->shape.nchunks &&
	    l->bstate[(slot = l->cursor & l->bmask)] == B_READY) {
		clen = l->cursor + 1 == f->shape.nchunks ?
		    f->shape.last_len : f->m.chunk_size;
		take = clen - f->coff < max ? clen - f->coff : max;
		ct = l->blocks + slot * l->bsize + f->coff;
		if (crypt_sha256_update(f->content, ct, take) == -1 ||
		    crypt_ctr_xor(f->ctr, ct, buf, take) == -1) {
			fetch_fail(f, "internal error: cipher");
			return (0);
		}
		buf += take;
		max -= take;
		total += take;
		f->coff += take;
		f->buffered -= take;
		if (f->coff == clen) {
			l->bstate[slot] = B_EMPTY;
			l->cursor++;
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
	if (f->state == F_WALK)
		fetch_pump(f);
	return (1);
}

int
fetch_next_repair(struct fetch *f, uint8_t key[32], uint8_t *buf,
    size_t *len)
{
	struct repair	*e;

	if (f->rpcount == 0)
		return (0);
	e = &f->rp[f->rphead];
	memcpy(key, e->key, KAD_KEY_LEN);
	memcpy(buf, e->data, e->len);
	*len = e->len;
	f->rphead = (f->rphead + 1) % FETCH_REPAIR_MAX;
	f->rpcount--;
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
		if (f->lv[h].cursor != f->lv[h].items)
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
	st->rebuilt = f->rebuilt;
	st->stripes_parity = f->stripes_parity;
	st->repairs = f->repairs;
	st->repairs_dropped = f->repairs_dropped;
	st->not_found = f->not_found;
}

void
fetch_free(struct fetch *f)
{
	int	 h;

	if (f == NULL)
		return;
	crypt_gcm_free(f->gcm);
	crypt_sha256_free(f->sha);
	crypt_sha256_free(f->content);
	crypt_ctr_free(f->ctr);
	for (h = 0; h < KAD_MAX_HEIGHT; h++)
		level_free(&f->lv[h]);
	for (h = 0; h <= KAD_STRIPE_K_MAX; h++)
		ec_free(f->ec[h]);
	free(f->pool);
	free(f->rq);
	/* ciphertext only: the plaintext went straight to the caller */
	free(f->rp);
	free(f->scratch);
	freezero(f, sizeof(*f));	/* link key, data key, name */
}
