/* SPDX-License-Identifier: ISC */
/*
 * Unit tests of the stripes (kadcrypt/fetch_stripe.c, publish.c): files
 * of every size around a stripe's boundaries fetched with up to p(k')
 * chunks lost in every stripe of every level (data, parity, index), the
 * repair queue holding exactly what was rebuilt or reported missing,
 * p(k') + 1 losses failing after fetch_abandon with the one-line error,
 * the fetch_missing protocol, late and repeated answers, a publisher
 * lying with its parity (and its padding), the repair queue's bound,
 * the unpin walk with index chunks lost, version 1 trees, and the
 * storage ratio of the shape.  The chunk store and the fetch driver
 * are pf_store.c's.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bsd/string.h>

#include "kadcrypt/aead.h"
#include "kadcrypt/erasure.h"
#include "kadcrypt/fetch.h"
#include "kadcrypt/link.h"
#include "kadcrypt/manifest.h"
#include "kadcrypt/publish.h"
#include "tests/unit/pf_store.h"
#include "tests/test.h"

static struct kad_code	 dflt;

/* The stored entries of stripe s, by position; 0 if it has a repeat. */
static int
stripe_entries(struct store *st, uint64_t s, struct entry **by, unsigned n)
{
	size_t		 i;
	unsigned	 got = 0;

	memset(by, 0, n * sizeof(*by));
	for (i = 0; i < st->cap; i++) {
		struct entry	*e = &st->tab[i];

		if (!e->used || e->stripe != s || e->pos >= n)
			continue;
		by[e->pos] = e;
		got++;
	}
	return (got == n);
}

/* Lose `lose' chunks of stripe s (-1: any number up to its parity). */
static unsigned
lose(struct store *st, uint64_t s, int lose)
{
	struct entry	*by[KAD_STRIPE_N_MAX];
	struct sinfo	*si = &st->stripes[s];
	unsigned	 p = si->n - si->k, want, x, lost = 0;

	if (!stripe_entries(st, s, by, si->n))
		return (0);	/* tiny repeated blocks: leave it alone */
	want = lose < 0 ? (s % 2 == 0 ? p : (unsigned)(rnd() % (p + 1))) :
	    (unsigned)lose;
	while (lost < want && lost < si->n) {
		x = rnd() % si->n;
		if (by[x]->deleted)
			continue;
		by[x]->deleted = 1;
		lost++;
	}
	return (lost);
}

/*
 * What was lost and had to be rebuilt or was reported missing: every
 * lost data and index item, and the lost parity the engine asked for.
 * Each must be in the repair queue, once, and nothing else.
 */
static int
repairs_match(struct store *st, const struct drive *d, size_t *nwant)
{
	struct entry	*e;
	size_t		 i, want = 0;

	for (i = 0; i < st->cap; i++)
		st->tab[i].seen = 0;
	for (i = 0; i < d->nrepairs; i++) {
		if ((e = store_find(st, d->repairs[i])) == NULL || e->seen ||
		    !e->deleted)
			return (0);
		e->seen = 1;
	}
	for (i = 0; i < st->cap; i++) {
		e = &st->tab[i];
		if (!e->used || !e->deleted)
			continue;
		if (e->kind != CHUNK_PARITY || e->missed) {
			want++;
			if (!e->seen)
				return (0);
		}
	}
	*nwant = want;
	return (want == d->nrepairs);
}

/* Out of order: every lost item is repaired, and only the tree's chunks. */
static int
repairs_cover(struct store *st, const struct drive *d)
{
	struct entry	*e;
	size_t		 i;

	for (i = 0; i < st->cap; i++)
		st->tab[i].seen = 0;
	for (i = 0; i < d->nrepairs; i++) {
		if ((e = store_find(st, d->repairs[i])) == NULL || e->seen)
			return (0);
		e->seen = 1;
	}
	for (i = 0; i < st->cap; i++) {
		e = &st->tab[i];
		if (e->used && e->deleted && e->kind != CHUNK_PARITY &&
		    !e->seen)
			return (0);
	}
	return (1);
}

static void
restore(struct store *st)
{
	size_t	 i;

	for (i = 0; i < st->cap; i++)
		st->tab[i].deleted = st->tab[i].missed = 0;
}

/* Up to p(k') losses in every stripe of every level: the file comes back. */
static void
lossy(const char *what, size_t size, int shuffle)
{
	struct store	 st;
	struct drive	 d;
	uint8_t		*data;
	char		 link[KAD_LINK_SIZE];
	size_t		 s, lost = 0, nwant = 0, levels = 0;
	int		 h, ok, seenh[KAD_MAX_HEIGHT];

	memset(&st, 0, sizeof(st));
	memset(&d, 0, sizeof(d));
	memset(seenh, 0, sizeof(seenh));
	if ((data = malloc(size ? size : 1)) == NULL)
		abort();
	fill_binary(data, size);
	ok = do_publish(&st, "lossy", 0, data, size, 0, link, &h) == 0 &&
	    st.badinfo == 0;
	CHECK(ok, "%s: published, stripes described right", what);
	for (s = 0; ok && s + 1 < st.nstripes; s++) {
		lost += lose(&st, s, -1);
		if (!seenh[st.stripes[s].height]++)
			levels++;
	}
	d.shuffle = shuffle;
	d.late = shuffle;
	d.expect = data;
	ok = drive_fetch(&st, link, &d) == 0;
	CHECK(ok && d.got == size && !d.mismatch && !d.overflow &&
	    !d.badrepair, "%s: %zu chunks lost in %zu stripes of %zu levels, "
	    "fetched %s (%llu rebuilt, %llu stripes used parity)%s%s", what,
	    lost, st.nstripes - 1, levels, shuffle ? "out of order" :
	    "in order", (unsigned long long)d.fs.rebuilt,
	    (unsigned long long)d.fs.stripes_parity, d.err[0] ? ": " : "",
	    d.err);
	if (!shuffle)
		CHECK(repairs_match(&st, &d, &nwant), "%s: the repair queue "
		    "holds exactly the %zu lost chunks rebuilt or reported "
		    "missing (%zu)", what, nwant, d.nrepairs);
	else
		CHECK(repairs_cover(&st, &d) && d.nrepairs == d.fs.repairs &&
		    d.fs.repairs_dropped == 0, "%s: %zu repairs queued, every "
		    "lost item among them", what, d.nrepairs);
	/* everything back: nothing rebuilt in order, nothing missing */
	restore(&st);
	d.shuffle = 0;
	CHECK(drive_fetch(&st, link, &d) == 0 && d.nrepairs == 0 &&
	    d.fs.rebuilt == 0 && d.misses == 0, "%s: restored, nothing to "
	    "repair", what);
	drive_free(&d);
	store_free(&st);
	free(data);
}

static void
test_lossy(void)
{
	static const struct {
		const char	*what;
		size_t		 size;
	} t[] = {
		{ "0 bytes", 0 },
		{ "1 byte", 1 },
		{ "cs - 1", 1023 },
		{ "cs", 1024 },
		{ "K cs - 1", 64 * 1024 - 1 },
		{ "K cs", 64 * 1024 },
		{ "K cs + 1", 64 * 1024 + 1 },
		{ "5 MiB", 5 * MiB },
	};
	size_t	 i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		lossy(t[i].what, t[i].size, 0);
		lossy(t[i].what, t[i].size, 1);
	}
}

/* p(k') + 1 losses in one stripe: it cannot be decoded. */
static void
too_many(const char *what, size_t size, int height)
{
	struct store	 st;
	struct drive	 d;
	uint8_t		*data;
	char		 link[KAD_LINK_SIZE], want[FETCH_ERRLEN];
	size_t		 s;
	int		 h, ok;

	memset(&st, 0, sizeof(st));
	memset(&d, 0, sizeof(d));
	if ((data = malloc(size)) == NULL)
		abort();
	fill_binary(data, size);
	do_publish(&st, "short", 0, data, size, 0, link, &h);
	for (s = 0; s + 1 < st.nstripes; s++)
		if (st.stripes[s].height == height)
			break;
	lose(&st, s, (int)(st.stripes[s].n - st.stripes[s].k + 1));
	snprintf(want, sizeof(want), "a stripe at height %d has %u of the %u "
	    "chunks it needs", height, st.stripes[s].k - 1, st.stripes[s].k);
	d.patience = 3;
	ok = drive_fetch(&st, link, &d) == -1;
	CHECK(ok && strncmp(d.err, want, strlen(want)) == 0 &&
	    strchr(d.err, '\n') == NULL && d.retried > 0,
	    "%s: p(k') + 1 lost at height %d: \"%s\" after %zu retries", what,
	    height, d.err, d.retried);
	drive_free(&d);
	store_free(&st);
	free(data);
}

/* fetch_missing's answers, one stripe driven by hand. */
static void
test_missing(void)
{
	struct store	 st;
	struct fetch	*f;
	struct entry	*e, *by[KAD_STRIPE_N_MAX];
	uint8_t		*data, key[32], asked[8][32];
	char		 link[KAD_LINK_SIZE], err[FETCH_ERRLEN];
	size_t		 size = 3 * 1024, n, i;
	int		 h, r[8], ok = 1;

	memset(&st, 0, sizeof(st));
	if ((data = malloc(size)) == NULL)
		abort();
	fill_binary(data, size);
	/* 3 chunks, p(3) = 5: one stripe of 8 in the root */
	do_publish(&st, "m", 0, data, size, 0, link, &h);
	stripe_entries(&st, 0, by, 8);
	f = fetch_new(link, 0, err, sizeof(err));
	fetch_want(f, key);
	e = store_get(&st, key);
	fetch_chunk(f, key, e->data, e->len);
	for (n = 0; n < 8 && fetch_want(f, asked[n]) == 1; n++)
		;
	CHECK(n == 5 && memcmp(asked[0], by[0]->key, 32) == 0 &&
	    memcmp(asked[3], by[3]->key, 32) == 0,
	    "a stripe asks for its 3 data items and 2 parity at once (%zu)", n);
	/* four data and parity misses: four replacements, then none */
	for (i = 0; i < 4; i++)
		r[i] = fetch_missing(f, asked[i]);
	CHECK(r[0] == 0 && r[1] == 0 && r[2] == 0 && r[3] == 0 &&
	    !fetch_asked(f, asked[0]) && fetch_asked(f, asked[4]),
	    "a miss with parity left: replaced, no longer asked");
	for (n = 0; n < 8 && fetch_want(f, asked[n]) == 1; n++)
		;
	CHECK(n == 3 && memcmp(asked[2], by[7]->key, 32) == 0,
	    "the replacements are the stripe's next parity (%zu)", n);
	/* by[4], by[5], by[6], by[7] out: three will do */
	r[0] = fetch_missing(f, asked[0]);
	CHECK(r[0] == 0 && fetch_want(f, key) == 0,
	    "nothing left to ask, but enough out: not needed");
	r[1] = fetch_missing(f, asked[1]);
	CHECK(r[1] == 2 && fetch_asked(f, asked[1]) && fetch_error(f) == NULL,
	    "nothing left to ask, not enough out: still needed");
	/* by[4] and by[7] out, by[6] waited for: the others again */
	for (n = 0; n < 8 && fetch_want(f, key) == 1; n++)
		ok &= memcmp(key, by[0]->key, 32) == 0 ||
		    memcmp(key, by[1]->key, 32) == 0 ||
		    memcmp(key, by[2]->key, 32) == 0 ||
		    memcmp(key, by[3]->key, 32) == 0 ||
		    memcmp(key, by[5]->key, 32) == 0;
	CHECK(ok && n == 5, "a short stripe asks again for what it gave up "
	    "(%zu)", n);
	CHECK(fetch_missing(f, by[0]->key) == 2, "and a second miss waits");
	/* a retry finds one: k' = 3 of by[4], by[7] and it */
	CHECK(fetch_chunk(f, by[4]->key, by[4]->data, by[4]->len) == 0 &&
	    fetch_chunk(f, by[7]->key, by[7]->data, by[7]->len) == 0 &&
	    fetch_chunk(f, by[1]->key, by[1]->data, by[1]->len) == 0,
	    "three arrive: the stripe is complete");
	CHECK(fetch_asked(f, asked[0]) == 0 && fetch_asked(f, by[0]->key) == 0,
	    "its other requests are dropped");
	CHECK(fetch_chunk(f, by[0]->key, by[0]->data, by[0]->len) == 1 &&
	    fetch_missing(f, by[2]->key) == 1 &&
	    fetch_chunk(f, by[5]->key, by[5]->data, by[5]->len) == 1 &&
	    fetch_abandon(f, by[0]->key) == 1 && fetch_error(f) == NULL,
	    "late answers, misses and abandons for it: not needed, harmless");
	n = fetch_read(f, data, size);
	CHECK(fetch_done(f) && n == size, "and the file is read (%zu)", n);
	fetch_free(f);
	store_free(&st);
	free(data);
}

/* ---- a publisher lying with its parity ---- */

struct tree {
	struct kad_link		 l;
	struct crypt_gcm	*g;
	struct crypt_sha256	*sha;
	struct manifest		 m;
	struct kad_shape	 s;
	size_t			 keyoff;	/* of the root's keys */
};

static int
tree_open(struct store *st, const char *link, struct tree *t)
{
	struct entry	*e;
	const uint8_t	*keys;
	const char	*why;
	uint8_t		 pt[KAD_NODE_PTLEN], nonce[12];
	char		 err[256];

	memset(t, 0, sizeof(*t));
	if (crypt_link_parse(link, &t->l, &why) == -1 ||
	    (e = store_get(st, t->l.root)) == NULL)
		return (-1);
	t->g = crypt_gcm_new(t->l.key);
	t->sha = crypt_sha256_new();
	manifest_nonce(KAD_NODE_ROOT, 0, 0, nonce);
	if (manifest_open(t->g, nonce, e->data, e->len, pt) == -1 ||
	    manifest_root_parse(pt, &t->m, &keys, err, sizeof(err)) == -1 ||
	    manifest_shape(t->m.size, t->m.chunk_size, t->m.namelen,
	    &t->m.code, &t->s, &why) == -1)
		return (-1);
	t->keyoff = (size_t)(keys - pt);
	return (0);
}

static void
tree_close(struct tree *t)
{
	crypt_gcm_free(t->g);
	crypt_sha256_free(t->sha);
	explicit_bzero(t, sizeof(*t));
}

/* position of item i of level h in C_h */
static uint64_t
item_pos(const struct tree *t, uint64_t i)
{
	return (i / t->s.code.k * t->s.stride + i % t->s.code.k);
}

/* The node holding position pos of C_h, opened; NULL for the root. */
static int
parent(struct store *st, struct tree *t, int h, uint64_t pos, uint8_t *pt,
    uint8_t nkey[32]);

static int
key_at(struct store *st, struct tree *t, int h, uint64_t pos, uint8_t out[32])
{
	struct entry	*e;
	uint8_t		 pt[KAD_NODE_PTLEN], nonce[12], nk[32];

	if (h == t->s.height - 1) {
		e = store_get(st, t->l.root);
		manifest_nonce(KAD_NODE_ROOT, 0, 0, nonce);
		if (manifest_open(t->g, nonce, e->data, e->len, pt) == -1)
			return (-1);
		memcpy(out, pt + t->keyoff + pos * 32, 32);
		return (0);
	}
	if (parent(st, t, h, pos, pt, nk) == -1)
		return (-1);
	memcpy(out, pt + 8 + (pos % KAD_FANOUT) * 32, 32);
	return (0);
}

static int
parent(struct store *st, struct tree *t, int h, uint64_t pos, uint8_t *pt,
    uint8_t nkey[32])
{
	struct entry	*e;
	uint8_t		 nonce[12];
	uint64_t	 i = pos / KAD_FANOUT;

	if (key_at(st, t, h + 1, item_pos(t, i), nkey) == -1 ||
	    (e = store_get(st, nkey)) == NULL)
		return (-1);
	manifest_nonce(KAD_NODE_INDEX, h + 1, i, nonce);
	return (manifest_open(t->g, nonce, e->data, e->len, pt));
}

/* Put key at position pos of C_h and seal the path to a new root. */
static int
key_set(struct store *st, struct tree *t, int h, uint64_t pos,
    const uint8_t key[32])
{
	struct entry	*e;
	uint8_t		 pt[KAD_NODE_PTLEN], node[KAD_NODE_SIZE], nonce[12];
	uint8_t		 nk[32];
	uint64_t	 i = pos / KAD_FANOUT;

	if (h == t->s.height - 1) {
		e = store_get(st, t->l.root);
		manifest_nonce(KAD_NODE_ROOT, 0, 0, nonce);
		if (manifest_open(t->g, nonce, e->data, e->len, pt) == -1)
			return (-1);
		memcpy(pt + t->keyoff + pos * 32, key, 32);
		manifest_seal(t->g, nonce, pt, node);
		crypt_sha256(t->sha, node, sizeof(node), t->l.root);
		store_put(st, t->l.root, node, sizeof(node), CHUNK_ROOT);
		return (0);
	}
	if (parent(st, t, h, pos, pt, nk) == -1)
		return (-1);
	memcpy(pt + 8 + (pos % KAD_FANOUT) * 32, key, 32);
	manifest_nonce(KAD_NODE_INDEX, h + 1, i, nonce);
	manifest_seal(t->g, nonce, pt, node);
	crypt_sha256(t->sha, node, sizeof(node), nk);
	store_put(st, nk, node, sizeof(node), CHUNK_INDEX);
	return (key_set(st, t, h + 1, item_pos(t, i), nk));
}

/* A chunk of the publisher's making at position pos of C_h. */
static int
plant(struct store *st, struct tree *t, int h, uint64_t pos,
    const uint8_t *b, size_t len)
{
	uint8_t	 key[32];

	crypt_sha256(t->sha, b, len, key);
	store_put(st, key, b, len, CHUNK_PARITY);
	return (key_set(st, t, h, pos, key));
}

/*
 * Data stripe 1 of a 4-stripe file: its first parity chunk flipped by
 * the publisher (hashed, named in the tree), one data chunk lost.
 */
static void
test_lying_parity(void)
{
	struct store	 st;
	struct tree	 t;
	struct entry	*e;
	struct drive	 d;
	uint8_t		*data, key[32], b[KAD_CHUNK_MAX];
	char		 link[KAD_LINK_SIZE], bad[KAD_LINK_SIZE];
	size_t		 size = 4 * 64 * 1024;
	int		 h, ok;

	memset(&st, 0, sizeof(st));
	memset(&d, 0, sizeof(d));
	if ((data = malloc(size)) == NULL)
		abort();
	fill_binary(data, size);
	do_publish(&st, "liar", 0, data, size, 0, link, &h);
	ok = tree_open(&st, link, &t) == 0 &&
	    key_at(&st, &t, 0, 88 + 64, key) == 0 &&
	    (e = store_get(&st, key)) != NULL && e->kind == CHUNK_PARITY;
	CHECK(ok, "the tree walks to stripe 1's first parity chunk");
	if (!ok)
		goto done;
	memcpy(b, e->data, e->len);
	b[100] ^= 0x01;
	plant(&st, &t, 0, 88 + 64, b, e->len);
	crypt_link_encode(&t.l, bad, sizeof(bad));
	key_at(&st, &t, 0, 88 + 10, key);
	store_get(&st, key)->deleted = 1;
	d.expect = data;
	ok = drive_fetch(&st, bad, &d) == -1;
	CHECK(ok && strcmp(d.err, "hostile manifest: stripe parity does not "
	    "match") == 0, "a lying parity chunk, used: \"%s\"", d.err);
	/* unused (nothing lost), the lie is never looked at */
	store_find(&st, key)->deleted = 0;
	CHECK(drive_fetch(&st, bad, &d) == 0 && !d.mismatch,
	    "a lying parity chunk, not needed: the file");
 done:
	tree_close(&t);
	drive_free(&d);
	store_free(&st);
	free(data);
}

/*
 * The last stripe: two chunks, the second 10 bytes.  The publisher
 * codes it with the padding not zero; the short chunk, lost, is
 * rebuilt with its 10 bytes right and its padding not zero.
 */
static void
test_lying_padding(void)
{
	struct store	 st;
	struct tree	 t;
	struct entry	*e0, *e1;
	struct drive	 d;
	struct ec	*ec;
	uint8_t		*data, k0[32], k1[32], blk[2][1024], par[8][1024];
	uint8_t		*pp[8];
	const uint8_t	*dp[2];
	char		 link[KAD_LINK_SIZE], bad[KAD_LINK_SIZE];
	size_t		 size = 65 * 1024 + 10;
	unsigned	 p, i;
	int		 h, ok;

	memset(&st, 0, sizeof(st));
	memset(&d, 0, sizeof(d));
	if ((data = malloc(size)) == NULL)
		abort();
	fill_binary(data, size);
	do_publish(&st, "pad", 0, data, size, 0, link, &h);
	ok = tree_open(&st, link, &t) == 0 &&
	    key_at(&st, &t, 0, 88, k0) == 0 && key_at(&st, &t, 0, 89, k1) == 0 &&
	    (e0 = store_get(&st, k0)) != NULL &&
	    (e1 = store_get(&st, k1)) != NULL && e1->len == 10;
	CHECK(ok, "the last stripe: a full chunk and 10 bytes");
	if (!ok)
		goto done;
	p = manifest_parity(&dflt, 2);
	memcpy(blk[0], e0->data, 1024);
	memset(blk[1], 0xee, 1024);
	memcpy(blk[1], e1->data, 10);
	dp[0] = blk[0];
	dp[1] = blk[1];
	for (i = 0; i < p; i++)
		pp[i] = par[i];
	ec = ec_new(2, p);
	ec_encode(ec, 1024, dp, pp);
	ec_free(ec);
	for (i = 0; i < p; i++)
		plant(&st, &t, 0, 90 + i, par[i], 1024);
	crypt_link_encode(&t.l, bad, sizeof(bad));
	e1->deleted = 1;
	d.expect = data;
	ok = drive_fetch(&st, bad, &d) == -1;
	CHECK(ok && strcmp(d.err, "hostile manifest: stripe parity does not "
	    "match") == 0, "parity over padding that is not zero: \"%s\"",
	    d.err);
	e1->deleted = 0;
	/* the honest tree, the same loss: rebuilt, padding zero */
	e1 = store_find(&st, k1);
	e1->deleted = 1;
	CHECK(drive_fetch(&st, link, &d) == 0 && !d.mismatch &&
	    d.nrepairs == 1 && memcmp(d.repairs[0], k1, 32) == 0,
	    "honest padding: the short chunk rebuilt and repaired");
	e1->deleted = 0;
 done:
	tree_close(&t);
	drive_free(&d);
	store_free(&st);
	free(data);
}

/* A caller that does not take repairs stops the fetch, then frees it. */
static void
test_repair_bound(void)
{
	static uint8_t	 buf[65536], rb[KAD_CHUNK_MAX];
	struct store	 st;
	struct fetch	*f;
	struct fetch_stats fs;
	struct entry	*by[KAD_STRIPE_N_MAX], *e;
	uint8_t		*data, key[32];
	char		 link[KAD_LINK_SIZE], err[FETCH_ERRLEN];
	size_t		 size = 200 * 64 * 1024, s, len, maxq = 0, got = 0, n;
	uint64_t	 taken = 0;
	int		 h, stalled = 0, iter;

	memset(&st, 0, sizeof(st));
	if ((data = malloc(size)) == NULL)
		abort();
	fill_binary(data, size);
	do_publish(&st, "many", 0, data, size, 0, link, &h);
	for (s = 0; s + 1 < st.nstripes; s++)
		if (st.stripes[s].height == 0 &&
		    stripe_entries(&st, s, by, st.stripes[s].n))
			by[3]->deleted = 1;
	f = fetch_new(link, 0, err, sizeof(err));
	for (iter = 0; iter < 100000 && !fetch_done(f) &&
	    fetch_error(f) == NULL; iter++) {
		n = 0;
		while (fetch_want(f, key) == 1) {
			n++;
			if ((e = store_get(&st, key)) != NULL)
				fetch_chunk(f, key, e->data, e->len);
			else
				fetch_missing(f, key);
		}
		while ((len = fetch_read(f, buf, sizeof(buf))) > 0)
			got += len;
		fetch_stats(f, &fs);
		if (fs.repairs - taken > maxq)
			maxq = fs.repairs - taken;
		if (n == 0 && fs.outstanding == 0 && !stalled) {
			/* nothing asked, nothing out: the queue is full */
			stalled = 1;
			continue;
		}
		if (stalled)
			while (fetch_next_repair(f, key, rb, &len) == 1)
				taken++;
	}
	fetch_stats(f, &fs);
	CHECK(stalled && maxq <= FETCH_REPAIR_MAX && fs.repairs_dropped == 0 &&
	    fetch_done(f) && got == size, "repairs not taken stop the "
	    "requests (at most %zu queued); taken, the fetch ends", maxq);
	fetch_free(f);
	store_free(&st);
	free(data);
}

/* The unpin walk with index chunks lost: every key, once. */
static void
test_keys_lossy(void)
{
	struct store	 st;
	struct fetch	*f;
	struct entry	*e;
	uint8_t		*data, key[32];
	char		 link[KAD_LINK_SIZE], err[FETCH_ERRLEN];
	size_t		 size = 3 * MiB, s, reported = 0, unseen = 0, i;
	int		 h, is_index, iter;

	memset(&st, 0, sizeof(st));
	if ((data = malloc(size)) == NULL)
		abort();
	fill_binary(data, size);
	do_publish(&st, "k", 0, data, size, 0, link, &h);
	for (s = 0; s + 1 < st.nstripes; s++)
		if (st.stripes[s].height > 0)
			lose(&st, s, (int)(st.stripes[s].n - st.stripes[s].k));
	f = fetch_new(link, 1, err, sizeof(err));
	for (iter = 0; iter < 100000 && !fetch_done(f) &&
	    fetch_error(f) == NULL; iter++) {
		while (fetch_want(f, key) == 1) {
			if ((e = store_get(&st, key)) != NULL)
				fetch_chunk(f, key, e->data, e->len);
			else
				fetch_missing(f, key);
		}
		while (fetch_next_key(f, key, &is_index) == 1) {
			reported++;
			if ((e = store_find(&st, key)) != NULL)
				e->seen = 1;
		}
	}
	for (i = 0; i < st.cap; i++)
		unseen += st.tab[i].used && !st.tab[i].seen;
	CHECK(fetch_done(f) && reported == st.nemit && unseen == 0,
	    "unpin walk, every index stripe short of its parity: %zu keys "
	    "reported, %zu missed (%s)", reported, unseen,
	    fetch_error(f) ? fetch_error(f) : "ok");
	fetch_free(f);
	store_free(&st);
	free(data);
}

/* Version 1 trees: no parity, still read. */
static void
test_v1(void)
{
	struct store	 st;
	struct drive	 d;
	struct tree	 t;
	struct kad_code	 c;
	uint8_t		*data;
	char		 link[KAD_LINK_SIZE];
	size_t		 size = MiB + 7;
	int		 h, ok;

	memset(&st, 0, sizeof(st));
	memset(&d, 0, sizeof(d));
	if ((data = malloc(size)) == NULL)
		abort();
	fill_binary(data, size);
	c = dflt;
	c.version = KAD_FORMAT_V1;
	c.m = c.e = 0;
	c.copies = KAD_ROOT_COPIES;
	ok = do_publish_code(&st, "v1", 0, &c, data, size, 0, link, &h) == 0;
	/* 1025 data chunks, 34 + 2 index nodes and the root: version 1 */
	CHECK(ok && h == 3 && st.ndata == 1025 && st.nparity == 0 &&
	    st.nindex == 34 + 2 + 1, "a version 1 tree: %zu data, %zu index "
	    "chunks, height %d", st.ndata, st.nindex, h);
	ok = tree_open(&st, link, &t) == 0 && t.m.code.version == 1 &&
	    t.keyoff == 97 + 2;
	CHECK(ok, "its root is a version 1 root: the keys at %zu", t.keyoff);
	tree_close(&t);
	d.expect = data;
	d.shuffle = 1;
	CHECK(drive_fetch(&st, link, &d) == 0 && !d.mismatch && d.got == size,
	    "a version 1 tree fetches");
	drive_free(&d);
	store_free(&st);
	free(data);
}

/* Stored chunks per data chunk, copies not counted: from the shape. */
static void
test_ratio(void)
{
	static const struct {
		const char	*what;
		uint64_t	 size;
	} t[] = {
		{ "1 KiB", 1024 },
		{ "1 MiB", MiB },
		{ "25 MiB", 25ULL * MiB },
		{ "1 GiB", 1024ULL * MiB },
	};
	struct kad_shape	 s;
	const char		*why;
	uint64_t		 stored, index;
	size_t			 i;
	int			 h;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		manifest_shape(t[i].size, 1024, 0, &dflt, &s, &why);
		stored = 1;
		index = 1;
		for (h = 0; h < s.height; h++) {
			stored += s.coded[h];
			if (h > 0)
				index += s.items[h];
		}
		printf("# storage ratio, %s: %llu chunks stored for %llu data "
		    "(%llu index, %llu parity): %.4f; with r = %d and the "
		    "root's %d copies %.3fx\n", t[i].what,
		    (unsigned long long)stored,
		    (unsigned long long)s.nchunks, (unsigned long long)index,
		    (unsigned long long)(stored - s.nchunks - index),
		    (double)stored / s.nchunks, KAD_COPIES, KAD_ROOT_COPIES,
		    (double)((stored - 1) * KAD_COPIES + KAD_ROOT_COPIES) /
		    s.nchunks);
	}
	manifest_shape(25ULL * MiB, 1024, 0, &dflt, &s, &why);
	CHECK(s.coded[0] == 35200 && s.height == 4,
	    "25 MiB: 25600 data chunks and 9600 parity");
}

int
main(void)
{
	manifest_code_default(&dflt);
	test_lossy();
	too_many("5 MiB", 5 * MiB, 0);
	too_many("5 MiB", 5 * MiB, 1);
	too_many("5 MiB", 5 * MiB, 2);
	test_missing();
	test_lying_parity();
	test_lying_padding();
	test_repair_bound();
	test_keys_lossy();
	test_v1();
	test_ratio();
	crypt_aead_cleanup();
	return (test_done());
}
