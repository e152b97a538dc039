/* SPDX-License-Identifier: ISC */
/*
 * The fetch engine's stripes: every level of the tree (data chunks,
 * index nodes of each height) is a coded sequence of stripes, K items
 * followed by their parity (docs/FORMAT.md, 3), and each is fetched as
 * a unit.  A stripe starts once its positions' keys are known and its
 * items fit in the level's slots; it asks for its k' data items and
 * ASK_PARITY parity items at once, more after losses (ask_extra), and
 * stops at the first k' that verify: the missing data items are rebuilt
 * (ec_decode) and checked against their keys, its other requests are
 * dropped, and a late answer for them is ignored.
 *
 * A first miss is dropped if the next parity item never asked for can
 * replace it, or if the other requests out are enough; otherwise it
 * stays outstanding and the caller asks again with its backoff (WAIT).
 * When the requests out, those waited for aside, can no longer
 * complete the stripe, the positions dropped are asked for once more,
 * and waited for in turn if they miss again.  Only a duplicate key can
 * make a stripe impossible to complete, and that is a hostile tree.
 *
 * Verified data items go straight to their slot and can be read at
 * once; parity blocks wait in the level's pool until the stripe is
 * decoded.  A stripe holds at most min(k', p(k')) of them, so the pool
 * (nsv * min(K, p(K)) blocks) is never short.
 */
#include <stdio.h>
#include <string.h>

#include <bsd/stdlib.h>
#include <bsd/sys/tree.h>

#ifndef __unused	/* libbsd leaves it out; RB_GENERATE_STATIC needs it */
#define __unused	__attribute__((__unused__))
#endif

#include "erasure.h"
#include "fetch_local.h"

static int
req_cmp(struct req *a, struct req *b)
{
	return (memcmp(a->key, b->key, KAD_KEY_LEN));
}

RB_GENERATE_STATIC(reqtree, req, entry, req_cmp)

/* NULL and *clash set if the key is outstanding already. */
struct req *
req_add(struct fetch *f, const uint8_t *key, int level, uint64_t pos,
    struct req **clash)
{
	struct req	*r;

	*clash = NULL;
	if ((r = f->freereq) == NULL) {
		/* callers check nout first */
		fetch_fail(f, "internal error: too many requests");
		return (NULL);
	}
	memcpy(r->key, key, KAD_KEY_LEN);
	r->level = level;
	r->pos = pos;
	if ((*clash = RB_INSERT(reqtree, &f->reqs, r)) != NULL)
		return (NULL);
	f->freereq = r->nextfree;
	f->nout++;
	return (r);
}

struct req *
req_find(struct fetch *f, const uint8_t *key)
{
	struct req	 find;

	memcpy(find.key, key, KAD_KEY_LEN);
	return (RB_FIND(reqtree, &f->reqs, &find));
}

void
req_free(struct fetch *f, struct req *r)
{
	RB_REMOVE(reqtree, &f->reqs, r);
	r->nextfree = f->freereq;
	f->freereq = r;
	f->nout--;
}

static uint64_t
ring_size(uint64_t items, uint64_t max)
{
	uint64_t	 c = 1;

	while (c < items && c < max)
		c <<= 1;
	return (c);
}

/* The lowest item whose slot is still in use. */
uint64_t
level_base(const struct level *l)
{
	const struct stripe	*s;

	if (l->slo == l->snext)
		return (l->cursor);
	s = &l->sv[l->slo % l->nsv];
	return (s->g.item0 < l->cursor ? s->g.item0 : l->cursor);
}

/* Rings, slots, pool and stripes of level h, once the root is in. */
int
level_alloc(struct fetch *f, int h)
{
	const struct kad_shape	*sh = &f->shape;
	struct level		*l = &f->lv[h];
	unsigned		 K = sh->code.k, pk, held;
	uint64_t		 nslots, kcap;
	size_t			 i;

	pk = manifest_parity(&sh->code, K);
	held = K < pk ? K : pk;
	l->items = sh->items[h];
	l->coded = sh->coded[h];
	l->nstripes = sh->stripes[h];
	l->bsize = h == 0 ? sh->chunk_size : KAD_NODE_SIZE;
	kcap = ring_size(l->coded, h == 0 ? DATA_KEYS : INDEX_KEYS);
	nslots = ring_size(l->items, h == 0 ? FETCH_WINDOW :
	    ring_size(2 * K, 2 * K));
	l->kmask = kcap - 1;
	l->bmask = nslots - 1;
	/* the stripes that items [base, base + nslots) can touch */
	l->nsv = nslots / K + 2;
	if (l->nsv > l->nstripes)
		l->nsv = l->nstripes > 0 ? l->nstripes : 1;
	l->npool = l->nsv * held;
	if ((l->keys = calloc(kcap, KAD_KEY_LEN)) == NULL ||
	    (l->blocks = calloc(nslots, l->bsize)) == NULL ||
	    (l->bstate = calloc(nslots, 1)) == NULL ||
	    (h > 0 && (l->bkeys = calloc(nslots, KAD_KEY_LEN)) == NULL) ||
	    (l->sv = calloc(l->nsv, sizeof(*l->sv))) == NULL ||
	    (l->npool > 0 && ((l->pool = calloc(l->npool,
	    l->bsize)) == NULL ||
	    (l->freel = calloc(l->npool, sizeof(*l->freel))) == NULL)))
		return (-1);
	for (i = 0; i < l->nsv; i++)
		if ((l->sv[i].st = calloc(f->nmax, 1)) == NULL ||
		    (pk > 0 && (l->sv[i].pool = calloc(f->nmax,
		    sizeof(uint16_t))) == NULL))
			return (-1);
	for (i = 0; i < l->npool; i++)
		l->freel[i] = (uint16_t)i;
	l->nfree = l->npool;
	return (0);
}

void
level_free(struct level *l)
{
	size_t	 i;

	for (i = 0; l->sv != NULL && i < l->nsv; i++) {
		free(l->sv[i].st);
		free(l->sv[i].pool);
	}
	free(l->sv);
	free(l->keys);
	free(l->blocks);
	free(l->bstate);
	free(l->bkeys);
	free(l->pool);
	free(l->freel);
}

/* The stripe holding position pos of level h, and its offset in it. */
struct stripe *
stripe_of(struct fetch *f, int h, uint64_t pos, unsigned *x)
{
	struct level	*l = &f->lv[h];
	struct stripe	*s;
	uint64_t	 j = pos / f->shape.stride;

	s = &l->sv[j % l->nsv];
	if (!s->active || s->j != j)
		return (NULL);
	*x = (unsigned)(pos - s->g.pos0);
	return (s);
}

static struct ec *
code_of(struct fetch *f, unsigned k)
{
	unsigned	 p = manifest_parity(&f->shape.code, k);

	/* a one-item stripe leaves out the codec's first parity block */
	if (f->ec[k] == NULL)
		f->ec[k] = ec_new(k, k == 1 ? p + 1 : p);
	return (f->ec[k]);
}

/*
 * Parity to ask for beyond ASK_PARITY: 1.5 times the share of items
 * this fetch has found missing so far.  A stripe that needs its misses
 * reported before it asks for more waits for lookups that end in
 * nothing, and after a mass loss that is most of its time; asked for
 * up front, the parity races the data instead.
 */
static unsigned
ask_extra(const struct fetch *f, unsigned k)
{
	uint64_t	seen = f->arrived + f->missed;

	if (f->missed == 0)
		return (0);
	return ((unsigned)((3 * (uint64_t)k * f->missed + 2 * seen - 1) /
	    (2 * seen)));
}

/* Start the level's next stripe if it can be: 1 started, 0 not now. */
int
stripe_start(struct fetch *f, int h)
{
	struct level		*l = &f->lv[h];
	struct stripe		*s;
	struct kad_stripe	 g;
	uint64_t		 j = l->snext;
	unsigned		 i;

	if (j >= l->nstripes || j - l->slo >= l->nsv ||
	    manifest_stripe(&f->shape, h, j, &g) == -1)
		return (0);
	if (g.pos0 + g.n > l->khi ||
	    g.item0 + g.k > level_base(l) + l->bmask + 1)
		return (0);
	/* keys_only: room to report it when complete, and a node more */
	if (f->keys_only) {
		if (f->rqcount + f->rqres + g.n + KAD_FANOUT > REPORT_MAX)
			return (0);
		f->rqres += g.n;
	}
	s = &l->sv[j % l->nsv];
	s->g = g;
	s->j = j;
	s->active = 1;
	s->have = s->out = s->nwait = s->fresh = s->revive = 0;
	i = ASK_PARITY + ask_extra(f, g.k);
	s->quota = g.k + (g.n - g.k < i ? g.n - g.k : i);
	memset(s->st, P_FRESH, g.n);
	for (i = 0; i < g.k; i++)
		l->bstate[(g.item0 + i) & l->bmask] = B_EMPTY;
	l->snext++;
	return (1);
}

/*
 * Nothing new left to ask for, and the requests out (those waited for
 * aside) cannot complete the stripe: what was given up is asked again.
 */
static void
revive(struct stripe *s)
{
	unsigned	 x;

	if (s->fresh < s->g.n || s->have + s->out - s->nwait >= s->g.k)
		return;
	for (x = 0; x < s->g.n; x++)
		if ((s->st[x] & P_STATE) == P_GONE) {
			s->st[x] = P_REVIVE | P_MISSED;
			s->revive++;
		}
}

/* A position whose key another outstanding position of s has. */
static int
duplicate(struct fetch *f, struct stripe *s, unsigned x, const uint8_t *key)
{
	char		 hx[2 * KAD_KEY_LEN + 1];
	unsigned	 i, left = 0;

	s->st[x] = P_DUP | (s->st[x] & P_MISSED);
	if (s->quota < s->g.n)
		s->quota++;
	revive(s);
	/* one chunk under two positions counts once: enough left? */
	for (i = 0; i < s->g.n; i++)
		left += (s->st[i] & P_STATE) != P_DUP;
	if (left >= s->g.k)
		return (0);
	fetch_fail(f, "hostile manifest: duplicate chunk key %s",
	    fetch_hex(key, hx));
	return (-1);
}

/* Ask for position x: 1 and its key, 0 skipped (a duplicate), -1. */
static int
ask(struct fetch *f, int h, struct stripe *s, unsigned x,
    uint8_t key[KAD_KEY_LEN])
{
	struct level	*l = &f->lv[h];
	struct req	*r, *clash;
	const uint8_t	*k = l->keys[(s->g.pos0 + x) & l->kmask];
	char		 hx[2 * KAD_KEY_LEN + 1];

	if ((r = req_add(f, k, h, s->g.pos0 + x, &clash)) == NULL) {
		if (clash == NULL)
			return (-1);
		/* a real tree never names one chunk in two stripes */
		if (clash->level != h || clash->pos < s->g.pos0 ||
		    clash->pos >= s->g.pos0 + s->g.n) {
			fetch_fail(f, "hostile manifest: duplicate chunk key "
			    "%s", fetch_hex(k, hx));
			return (-1);
		}
		return (duplicate(f, s, x, k));
	}
	s->st[x] = P_ASKED | (s->st[x] & P_MISSED);
	s->out++;
	memcpy(key, k, KAD_KEY_LEN);
	return (1);
}

/* The level's next request: 1 and its key, 0 none, -1 failed. */
int
stripe_ask(struct fetch *f, int h, uint8_t key[KAD_KEY_LEN])
{
	struct level	*l = &f->lv[h];
	struct stripe	*s;
	uint64_t	 j;
	unsigned	 x;
	int		 rv;

	/* oldest stripe first; after a duplicate, its next position */
	for (j = l->slo; j < l->snext; ) {
		s = &l->sv[j % l->nsv];
		if (!s->active || (s->fresh >= s->quota && s->revive == 0)) {
			j++;
			continue;
		}
		if (s->revive > 0) {
			for (x = 0; (s->st[x] & P_STATE) != P_REVIVE; x++)
				;
			s->revive--;
		} else
			x = s->fresh++;
		if ((rv = ask(f, h, s, x, key)) != 0)
			return (rv);
	}
	return (0);
}

static void
repair(struct fetch *f, const uint8_t *key, const uint8_t *data, size_t len)
{
	struct repair	*e;

	if (f->keys_only)
		return;		/* an unpin or rm lets the file go */
	if (f->rp == NULL &&
	    (f->rp = calloc(FETCH_REPAIR_MAX, sizeof(*f->rp))) == NULL) {
		f->repairs_dropped++;
		return;
	}
	if (f->rpcount == FETCH_REPAIR_MAX) {
		f->repairs_dropped++;
		return;
	}
	e = &f->rp[(f->rphead + f->rpcount) % FETCH_REPAIR_MAX];
	memcpy(e->key, key, KAD_KEY_LEN);
	memcpy(e->data, data, len);
	e->len = len;
	f->rpcount++;
	f->repairs++;
}

/* The canonical length of the stripe's position x. */
static size_t
pos_len(struct fetch *f, int h, const struct stripe *s, unsigned x)
{
	if (x >= s->g.k)
		return (s->g.blocklen);
	if (h > 0)
		return (KAD_NODE_SIZE);
	return (s->g.item0 + x + 1 == f->shape.nchunks ? f->shape.last_len :
	    f->shape.chunk_size);
}

static uint8_t *
pos_buf(struct level *l, const struct stripe *s, unsigned x)
{
	if (x < s->g.k)
		return (l->blocks + ((s->g.item0 + x) & l->bmask) * l->bsize);
	return (l->pool + (size_t)s->pool[x - s->g.k] * l->bsize);
}

/* A rebuilt block must be the chunk its key names, zero-padded. */
static int
check_rebuilt(struct fetch *f, const uint8_t *key, const uint8_t *b,
    size_t len, size_t blocklen)
{
	uint8_t	 md[CRYPT_HASH_LEN], acc = 0;
	size_t	 i;

	for (i = len; i < blocklen; i++)
		acc |= b[i];
	if (acc != 0 || crypt_sha256(f->sha, b, len, md) == -1 ||
	    !crypt_memeq(md, key, sizeof(md))) {
		fetch_fail(f, "hostile manifest: stripe parity does not "
		    "match");
		return (-1);
	}
	return (0);
}

/*
 * k' positions verified: rebuild the data items not in, and the parity
 * reported missing, from the first k' of them, and queue them all to
 * be published again.  A data item rebuilt because parity came first
 * may well be on the network still: publishing it again costs its
 * holders an answer, and heals it if its request was to fail.
 */
static int
decode(struct fetch *f, int h, struct stripe *s)
{
	struct level	*l = &f->lv[h];
	struct ec	*ec;
	const uint8_t	*src[KAD_STRIPE_N_MAX];
	uint8_t		*out[KAD_STRIPE_N_MAX];
	unsigned	 idx[KAD_STRIPE_N_MAX], want[KAD_STRIPE_N_MAX];
	unsigned	 k = s->g.k, skip = k == 1, x, nsrc = 0, nw = 0, nd;
	size_t		 len, np = 0;
	uint8_t		 st;

	for (x = 0; x < k; x++)
		if ((s->st[x] & P_STATE) != P_HAVE) {
			want[nw] = x;
			out[nw++] = pos_buf(l, s, x);
		}
	nd = nw;
	for (x = k; x < s->g.n && !f->keys_only; x++) {
		st = s->st[x];
		if (!(st & P_MISSED) || (st & P_STATE) == P_HAVE)
			continue;
		if (f->scratch == NULL && (f->scratch = calloc(f->nmax,
		    KAD_NODE_SIZE)) == NULL) {
			fetch_fail(f, "out of memory");
			return (-1);
		}
		want[nw] = x + skip;
		out[nw++] = f->scratch + np++ * KAD_NODE_SIZE;
	}
	if (nw == 0)
		return (0);
	for (x = 0; x < s->g.n && nsrc < k; x++)
		if ((s->st[x] & P_STATE) == P_HAVE) {
			idx[nsrc] = x < k ? x : x + skip;
			src[nsrc++] = pos_buf(l, s, x);
		}
	if ((ec = code_of(f, k)) == NULL ||
	    ec_decode(ec, s->g.blocklen, idx, src, nw, want, out) == -1) {
		fetch_fail(f, "internal error: cannot decode a stripe");
		return (-1);
	}
	for (x = 0; x < nw; x++) {
		want[x] -= want[x] >= k ? skip : 0;	/* a position again */
		len = pos_len(f, h, s, want[x]);
		if (check_rebuilt(f, l->keys[(s->g.pos0 + want[x]) & l->kmask],
		    out[x], len, s->g.blocklen) == -1)
			return (-1);
		/* every rebuilt item: a request still out may be a loss
		 * the network has not told yet */
		repair(f, l->keys[(s->g.pos0 + want[x]) & l->kmask], out[x],
		    len);
		if (x >= nd)
			continue;
		l->bstate[(s->g.item0 + want[x]) & l->bmask] = B_READY;
		if (l->bkeys != NULL)
			memcpy(l->bkeys[(s->g.item0 + want[x]) & l->bmask],
			    l->keys[(s->g.pos0 + want[x]) & l->kmask],
			    KAD_KEY_LEN);
		if (h == 0)
			f->buffered += len;
		f->rebuilt++;
	}
	if (nd > 0)
		f->stripes_parity++;
	return (0);
}

/* Decoded: drop its other requests and its parity, free its slot. */
static void
complete(struct fetch *f, int h, struct stripe *s)
{
	struct level	*l = &f->lv[h];
	struct req	*r;
	unsigned	 x, st;

	if (decode(f, h, s) == -1)
		return;
	for (x = 0; x < s->g.n; x++) {
		st = s->st[x] & P_STATE;
		if ((st == P_ASKED || st == P_WAIT) &&
		    (r = req_find(f, l->keys[(s->g.pos0 + x) &
		    l->kmask])) != NULL && r->level == h &&
		    r->pos == s->g.pos0 + x)
			req_free(f, r);
		if (st == P_HAVE && x >= s->g.k)
			l->freel[l->nfree++] = s->pool[x - s->g.k];
	}
	/* keys_only: not needed any more, so the caller may let them go */
	if (f->keys_only) {
		f->rqres -= s->g.n;
		for (x = 0; x < s->g.n; x++)
			fetch_report(f, l->keys[(s->g.pos0 + x) & l->kmask],
			    1);
	}
	s->active = 0;
	while (l->slo < l->snext && !l->sv[l->slo % l->nsv].active)
		l->slo++;
}

/* A requested chunk of a stripe arrived and matches its key. */
void
stripe_arrive(struct fetch *f, int h, uint64_t pos, const uint8_t *key,
    const uint8_t *data, size_t len)
{
	struct level	*l = &f->lv[h];
	struct stripe	*s;
	uint8_t		*b;
	size_t		 want, slot;
	unsigned	 x;
	char		 hx[2 * KAD_KEY_LEN + 1];

	if ((s = stripe_of(f, h, pos, &x)) == NULL) {
		fetch_fail(f, "internal error: a chunk of no stripe");
		return;
	}
	want = pos_len(f, h, s, x);
	if (len != want) {
		if (x >= s->g.k)
			fetch_fail(f, "hostile manifest: parity chunk %s is %zu "
			    "bytes, expected %zu", fetch_hex(key, hx), len, want);
		else if (h > 0)
			fetch_fail(f, "hostile manifest: index chunk %s is %zu "
			    "bytes", fetch_hex(key, hx), len);
		else
			fetch_fail(f, "hostile manifest: data chunk %s is %zu "
			    "bytes, expected %zu", fetch_hex(key, hx), len, want);
		return;
	}
	if (x >= s->g.k) {
		if (l->nfree == 0) {
			fetch_fail(f, "internal error: parity pool empty");
			return;
		}
		s->pool[x - s->g.k] = l->freel[--l->nfree];
	}
	b = pos_buf(l, s, x);
	memcpy(b, data, len);
	/* the one short chunk, padded for the codec */
	memset(b + len, 0, s->g.blocklen - len);
	if (x < s->g.k) {
		slot = (s->g.item0 + x) & l->bmask;
		l->bstate[slot] = B_READY;
		if (l->bkeys != NULL)
			memcpy(l->bkeys[slot], key, KAD_KEY_LEN);
		if (h == 0)
			f->buffered += len;
	}
	if (s->st[x] & P_MISSED)
		f->not_found--;		/* asked again, and found */
	else
		f->arrived++;
	if ((s->st[x] & P_STATE) == P_WAIT)
		s->nwait--;
	s->st[x] = P_HAVE;
	s->out--;
	if (++s->have == s->g.k)
		complete(f, h, s);
	else
		revive(s);
}

/* The source has no chunk r: 0 replaced, 2 still needed. */
int
stripe_missing(struct fetch *f, struct req *r)
{
	struct stripe	*s;
	unsigned	 x;

	if ((s = stripe_of(f, r->level, r->pos, &x)) == NULL) {
		fetch_fail(f, "internal error: a chunk of no stripe");
		return (-1);
	}
	if (!(s->st[x] & P_MISSED))
		f->missed++;
	/* a first miss: a replacement to ask for, or enough others out */
	if (!(s->st[x] & P_MISSED) && (s->fresh < s->g.n ||
	    s->have + s->out - 1 >= s->g.k)) {
		f->not_found++;
		req_free(f, r);
		s->out--;
		s->st[x] = P_GONE | P_MISSED;
		if (s->quota < s->g.n)
			s->quota++;
		revive(s);
		return (0);
	}
	if (!(s->st[x] & P_MISSED))
		f->not_found++;
	if ((s->st[x] & P_STATE) != P_WAIT)
		s->nwait++;
	s->st[x] = P_WAIT | P_MISSED;
	revive(s);
	return (2);
}

/* The caller's deadline for r has passed. */
void
stripe_abandon(struct fetch *f, struct req *r)
{
	struct stripe	*s;
	unsigned	 x;

	if ((s = stripe_of(f, r->level, r->pos, &x)) == NULL) {
		fetch_fail(f, "internal error: a chunk of no stripe");
		return;
	}
	fetch_fail(f, "a stripe at height %d has %u of the %u chunks it "
	    "needs (%llu chunks not found)", r->level, s->have, s->g.k,
	    (unsigned long long)f->not_found);
}
