/* SPDX-License-Identifier: ISC */
/*
 * The harness of the publish and fetch engine tests (pf_store.h): the
 * PRNG, the in-memory chunk store (open addressing on the key), the
 * publisher that fills it and the fetch driver.  No CHECK here: the
 * tests check what these return.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bsd/string.h>
#include <bsd/sys/endian.h>

#include "kadcrypt/aead.h"
#include "kadcrypt/fetch.h"
#include "kadcrypt/link.h"
#include "kadcrypt/manifest.h"
#include "kadcrypt/publish.h"
#include "tests/unit/pf_store.h"

/* ---- deterministic PRNG for sizes, orders and file contents ---- */

static uint64_t	 rng_state = 0x9e3779b97f4a7c15ULL;

uint64_t
rnd(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return (rng_state * 0x2545f4914f6cdd1dULL);
}

void
fill_binary(uint8_t *p, size_t len)
{
	uint64_t	 v;
	size_t		 i;

	for (i = 0; i < len; i += 8) {
		v = rnd();
		memcpy(p + i, &v, len - i < 8 ? len - i : 8);
	}
}

const char lorem[] = "Lorem ipsum dolor sit amet, consectetur "
    "adipiscing elit, sed do eiusmod tempor incididunt ut labore et dolore "
    "magna aliqua.\n";

void
fill_text(uint8_t *p, size_t len)
{
	size_t	 i;

	for (i = 0; i < len; i++)
		p[i] = (uint8_t)lorem[i % (sizeof(lorem) - 1)];
}

const char *
hexkey(const uint8_t *k, char buf[65])
{
	int	 i;

	for (i = 0; i < 32; i++)
		snprintf(buf + 2 * i, 3, "%02x", k[i]);
	return (buf);
}

/* ---- in-memory chunk store: open addressing on the key ---- */

static size_t
slot_of(const uint8_t *key, size_t cap)
{
	uint64_t	 h;

	memcpy(&h, key, sizeof(h));
	return ((size_t)h & (cap - 1));
}

struct entry *
store_find(struct store *st, const uint8_t *key)
{
	size_t	 i;

	if (st->cap == 0)
		return (NULL);
	for (i = slot_of(key, st->cap); st->tab[i].used;
	    i = (i + 1) & (st->cap - 1))
		if (memcmp(st->tab[i].key, key, 32) == 0)
			return (&st->tab[i]);
	return (NULL);
}

struct entry *
store_get(struct store *st, const uint8_t *key)
{
	struct entry	*e;

	if ((e = store_find(st, key)) == NULL || e->deleted)
		return (NULL);
	return (e);
}

static void
store_grow(struct store *st)
{
	struct entry	*old = st->tab;
	size_t		 oldcap = st->cap, i, j;

	st->cap = oldcap == 0 ? 1024 : oldcap * 2;
	if ((st->tab = calloc(st->cap, sizeof(*st->tab))) == NULL)
		abort();
	for (i = 0; i < oldcap; i++) {
		if (!old[i].used)
			continue;
		for (j = slot_of(old[i].key, st->cap); st->tab[j].used;
		    j = (j + 1) & (st->cap - 1))
			;
		st->tab[j] = old[i];
	}
	free(old);
}

struct entry *
store_put(struct store *st, const uint8_t *key, const uint8_t *data,
    size_t len, int kind)
{
	struct entry	*e;
	size_t		 i;

	if ((e = store_find(st, key)) != NULL) {
		st->dups++;
		st->dups_long += len >= KAD_CHUNK_MIN;
		return (e);
	}
	if ((st->count + 1) * 2 > st->cap)
		store_grow(st);
	for (i = slot_of(key, st->cap); st->tab[i].used;
	    i = (i + 1) & (st->cap - 1))
		;
	e = &st->tab[i];
	memcpy(e->key, key, 32);
	if ((e->data = malloc(len > 0 ? len : 1)) == NULL)
		abort();
	memcpy(e->data, data, len);
	e->len = len;
	e->used = 1;
	e->kind = kind;
	e->is_index = kind == CHUNK_INDEX || kind == CHUNK_ROOT;
	e->stripe = UINT64_MAX;
	st->count++;
	if (kind == CHUNK_PARITY)
		st->nparity++;
	else if (e->is_index)
		st->nindex++;
	else
		st->ndata++;
	if (st->norder == st->ordercap) {
		st->ordercap = st->ordercap ? st->ordercap * 2 : 1024;
		st->order = reallocarray(st->order, st->ordercap, 32);
		if (st->order == NULL)
			abort();
	}
	memcpy(st->order[st->norder++], key, 32);
	return (e);
}

void
store_free(struct store *st)
{
	size_t	 i;

	for (i = 0; i < st->cap; i++)
		if (st->tab[i].used)
			free(st->tab[i].data);
	free(st->tab);
	free(st->order);
	free(st->stripes);
	memset(st, 0, sizeof(*st));
}

struct pubctx {
	struct store	*st;
	size_t		 cs;
	uint64_t	 nemit;
};

/* What chunk_info says must add up (checked by the tests: badinfo). */
static void
note_stripe(struct store *st, struct entry *e, const struct chunk_info *ci)
{
	struct sinfo	*si;

	if (ci->stripe > st->nstripes || (ci->kind == CHUNK_ROOT) !=
	    (ci->last && ci->k == 1 && ci->n == 1 && ci->height > 0 &&
	    ci->stripe == st->nstripes && ci->copies == KAD_ROOT_COPIES)) {
		st->badinfo++;
		return;
	}
	if (ci->stripe == st->nstripes) {
		if (st->nstripes == st->stripecap) {
			st->stripecap = st->stripecap ? 2 * st->stripecap : 64;
			st->stripes = reallocarray(st->stripes, st->stripecap,
			    sizeof(*st->stripes));
			if (st->stripes == NULL)
				abort();
		}
		si = &st->stripes[st->nstripes++];
		memset(si, 0, sizeof(*si));
		si->height = ci->height;
	}
	si = &st->stripes[ci->stripe];
	if (si->n != 0 || si->height != ci->height ||
	    (ci->kind == CHUNK_PARITY && (ci->k == 0 || si->emitted < ci->k)) ||
	    (ci->kind != CHUNK_ROOT && ci->copies != st->code.copies))
		st->badinfo++;	/* a chunk after the last, or moved */
	if (e->stripe == UINT64_MAX) {
		e->stripe = ci->stripe;
		e->pos = si->emitted;
		e->height = ci->height;
	}
	si->emitted++;
	if (ci->last) {
		si->k = ci->k;
		si->n = ci->n;
		si->parity = ci->n > ci->k;
		if (si->emitted != ci->n)
			st->badinfo++;
	}
}

static int
emit_store(const uint8_t key[32], const uint8_t *data, size_t len,
    const struct chunk_info *ci, void *arg)
{
	struct pubctx	*pc = arg;
	struct store	*st = pc->st;
	struct entry	*e;
	int		 is_index = ci->kind == CHUNK_INDEX ||
			    ci->kind == CHUNK_ROOT;

	if (is_index && len != KAD_NODE_SIZE)
		st->badlen++;
	if (ci->kind == CHUNK_DATA && (len == 0 || len > pc->cs))
		st->badlen++;
	if (ci->kind == CHUNK_PARITY && (len == 0 || len > KAD_NODE_SIZE))
		st->badlen++;
	e = store_put(st, key, data, len, ci->kind);
	note_stripe(st, e, ci);
	memcpy(st->last, key, 32);
	st->last_kind = ci->kind;
	st->nemit++;
	pc->nemit++;
	return (0);
}

/*
 * Publish `data' in pieces: piece 0 = one call, otherwise random sizes
 * from 1 to `piece'.  0 or -1.
 */
int
do_publish(struct store *st, const char *name, size_t cs, const uint8_t *data,
    size_t size, size_t piece, char *link, int *height)
{
	struct kad_code	 c;

	manifest_code_default(&c);
	return (do_publish_code(st, name, cs, &c, data, size, piece, link,
	    height));
}

int
do_publish_code(struct store *st, const char *name, size_t cs,
    const struct kad_code *code, const uint8_t *data, size_t size,
    size_t piece, char *link, int *height)
{
	struct publish	*p;
	struct pubctx	 pc;
	const char	*why;
	uint64_t	 psize, nchunks;
	size_t		 off, n;
	int		 rv = -1;

	pc.st = st;
	pc.cs = cs ? cs : 1024;
	pc.nemit = 0;
	st->code = *code;
	if ((p = publish_new_code(name, cs, 0, code, &why)) == NULL) {
		printf("# publish_new: %s\n", why);
		return (-1);
	}
	for (off = 0; off < size; off += n) {
		n = piece == 0 ? size : 1 + rnd() % piece;
		if (n > size - off)
			n = size - off;
		if (publish_update(p, data + off, n, emit_store, &pc) == -1)
			goto done;
	}
	if (publish_final(p, emit_store, &pc, link, KAD_LINK_SIZE) == -1 ||
	    publish_info(p, &psize, &nchunks, height) == -1 || psize != size)
		goto done;
	rv = 0;
 done:
	publish_free(p);
	return (rv);
}

/* ---- the fetch driver: plays the network for the engine ---- */

static void
take_repairs(struct fetch *f, struct drive *d)
{
	static uint8_t		 buf[KAD_CHUNK_MAX];
	struct crypt_sha256	*h;
	uint8_t			 key[32], md[32];
	size_t			 len;

	if ((h = crypt_sha256_new()) == NULL)
		abort();
	while (fetch_next_repair(f, key, buf, &len) == 1) {
		if (crypt_sha256(h, buf, len, md) == -1 ||
		    memcmp(md, key, 32) != 0)
			d->badrepair = 1;
		if (d->nrepairs == d->repaircap) {
			d->repaircap = d->repaircap ? 2 * d->repaircap : 64;
			d->repairs = reallocarray(d->repairs, d->repaircap, 32);
			if (d->repairs == NULL)
				abort();
		}
		memcpy(d->repairs[d->nrepairs++], key, 32);
	}
	crypt_sha256_free(h);
}

/*
 * Answer one request.  A miss the engine cannot replace is asked for
 * again, at most d->patience times (it never reappears here), then
 * given up (fetch_abandon).
 */
static int
answer(struct store *st, struct fetch *f, struct drive *d,
    const uint8_t *key, uint8_t (*retry)[32], size_t *nretry)
{
	struct entry	*e;
	int		 rv;

	if ((e = store_get(st, key)) != NULL) {
		rv = fetch_chunk(f, key, e->data, e->len);
		if (rv == 1)
			d->lates++;
		return (rv == -1 ? -1 : 0);
	}
	d->misses++;
	rv = fetch_missing(f, key);
	e = store_find(st, key);
	if ((rv == 0 || rv == 2) && e != NULL)
		e->missed++;
	if (rv != 2)
		return (rv == -1 ? -1 : 0);
	if (e == NULL || e->missed > d->patience) {
		fetch_abandon(f, key);
		return (-1);
	}
	memcpy(retry[(*nretry)++], key, 32);
	return (0);
}

int
drive_fetch(struct store *st, const char *link, struct drive *d)
{
	static uint8_t		 pend[PEND_MAX][32], retry[PEND_MAX][32];
	static uint8_t		 buf[256 * 1024];
	struct fetch		*f;
	struct fetch_stats	 fs;
	uint8_t			 key[32];
	size_t			 np = 0, nr = 0, nd, k, n, idx, readsz;
	int			 w = 0, rv, progress;

	d->err[0] = '\0';
	d->got = 0;
	d->mismatch = d->overflow = d->done = d->badrepair = 0;
	d->max_out = d->max_buffered = 0;
	d->misses = d->retried = d->lates = d->nrepairs = 0;
	readsz = d->readsz ? d->readsz : sizeof(buf);
	if (readsz > sizeof(buf))
		readsz = sizeof(buf);
	if ((f = fetch_new(link, 0, d->err, sizeof(d->err))) == NULL)
		return (-1);
	d->meta_early = fetch_meta(f, NULL, NULL, 0);
	for (;;) {
		progress = 0;
		/* what was missing is asked for again, once a round */
		for (k = 0; k < nr && np < PEND_MAX; k++) {
			memcpy(pend[np++], retry[k], 32);
			d->retried++;
		}
		nr = 0;
		while (np < PEND_MAX && (w = fetch_want(f, key)) == 1) {
			memcpy(pend[np++], key, 32);
			progress = 1;
		}
		if (w == -1)
			break;
		fetch_stats(f, &fs);
		if (fs.outstanding > d->max_out)
			d->max_out = fs.outstanding;
		if (fs.outstanding > FETCH_MAX_OUT)
			d->overflow = 1;
		nd = d->shuffle ? (np + 1) / 2 : np;
		for (k = 0, rv = 0; k < nd && rv != -1 && np > 0; k++) {
			idx = d->shuffle ? rnd() % np : k;
			rv = answer(st, f, d, pend[idx], retry, &nr);
			/* a second answer, later: must be harmless */
			if (d->late && rnd() % 4 == 0 && d->shuffle)
				continue;
			if (d->shuffle)
				memcpy(pend[idx], pend[--np], 32);
			progress = 1;
		}
		if (!d->shuffle)
			np = 0;
		fetch_stats(f, &fs);
		if (fs.buffered > d->max_buffered)
			d->max_buffered = fs.buffered;
		while ((n = fetch_read(f, buf, readsz)) > 0) {
			if (d->expect != NULL &&
			    memcmp(buf, d->expect + d->got, n) != 0)
				d->mismatch = 1;
			d->got += n;
			progress = 1;
		}
		take_repairs(f, d);
		if (fetch_error(f) != NULL || fetch_done(f))
			break;
		if (!progress && nr == 0) {
			snprintf(d->err, sizeof(d->err), "stalled");
			break;
		}
	}
	if (fetch_error(f) != NULL)
		strlcpy(d->err, fetch_error(f), sizeof(d->err));
	fetch_stats(f, &d->fs);
	d->height = d->fs.height;
	d->name[0] = '\0';
	if (fetch_meta(f, &d->msize, d->name, sizeof(d->name)) != 1)
		d->msize = UINT64_MAX;
	d->done = fetch_done(f);
	fetch_free(f);
	return (d->done && d->err[0] == '\0' ? 0 : -1);
}

void
drive_free(struct drive *d)
{
	free(d->repairs);
	d->repairs = NULL;
	d->nrepairs = d->repaircap = 0;
}
