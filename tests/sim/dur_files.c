/* SPDX-License-Identifier: ISC */
/*
 * dur_files: the coded tree of a file as format version 2 lays it out
 * (docs/FORMAT.md), and its chunks put through the real PUT path.
 *
 * Level h items (h = 0 the data chunks, h >= 1 index nodes) are cut
 * into stripes of K; a stripe of k' items gets ceil(k' M / K) + E parity
 * items.  The next level has one index node per 31 coded items, until
 * the coded items of a level fit in the root (25 keys: a short name).  A
 * stripe is recoverable from any k' of its chunks; a file is whole when
 * its root and every stripe of every level are.  The simulator keeps
 * keys only, so a chunk is a random key (as a SHA-256 output is) with
 * the copy count its PUT will ask for.
 */
#include <err.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "kadnet/dht.h"
#include "tests/sim/sim.h"
#include "tests/sim/dur_local.h"

unsigned
dur_parity(const struct dur_ec *ec, unsigned items)
{
	if (items == 0)
		return (0);
	return ((unsigned)(((uint64_t)items * ec->m + ec->k - 1) / ec->k) +
	    ec->e);
}

/*
 * The levels of a file of n0 data chunks, into lv; returns how many
 * (the root holds the keys of the last one's coded items), 0 when the
 * tree does not close within max levels (parameters that add more than
 * they index).
 */
size_t
dur_shape(const struct dur_ec *ec, uint64_t n0, struct dur_level *lv,
    size_t max)
{
	uint64_t	n = n0;
	size_t		h;

	for (h = 0; h < max; h++) {
		lv[h].items = n;
		lv[h].full = n / ec->k;
		lv[h].last = (unsigned)(n % ec->k);
		lv[h].coded = n + lv[h].full * dur_parity(ec, ec->k) +
		    dur_parity(ec, lv[h].last);
		if (lv[h].coded <= DUR_ROOTKEYS)
			return (h + 1);
		n = (lv[h].coded + DUR_FANOUT - 1) / DUR_FANOUT;
	}
	return (0);
}

static void
add_chunk(struct dur_set *S, uint8_t kind, unsigned copies)
{
	struct dur_chunk	*c = &S->c[S->nc++];

	memset(c, 0, sizeof(*c));
	sim_rand_id(c->key);
	c->file = (uint32_t)S->nf;
	c->kind = kind;
	c->copies = (uint8_t)copies;
}

/* One file of n0 data chunks: its stripes level by level, then its root. */
void
dur_add_file(struct dur_set *S, const struct dur_ec *ec, uint32_t n0,
    unsigned copies, unsigned root_copies, int large)
{
	struct dur_level	 lv[DUR_MAXLEVEL];
	struct dur_file		*f;
	struct dur_stripe	*s;
	size_t			 nl, h, nch = 1, nst = 0, i;
	uint64_t		 j;

	if ((nl = dur_shape(ec, n0, lv, DUR_MAXLEVEL)) == 0)
		errx(2, "--ec %u,%u,%u: the tree of %u chunks does not close",
		    ec->k, ec->m, ec->e, n0);
	for (h = 0; h < nl; h++) {
		nst += lv[h].full + (lv[h].last > 0);
		nch += lv[h].coded;
	}
	if (S->nc + nch > UINT32_MAX / 2 || S->ns + nst > UINT32_MAX / 2)
		errx(2, "too many chunks");
	S->c = reallocarray(S->c, S->nc + nch, sizeof(*S->c));
	S->s = reallocarray(S->s, S->ns + nst, sizeof(*S->s));
	S->f = reallocarray(S->f, S->nf + 1, sizeof(*S->f));
	if (S->c == NULL || S->s == NULL || S->f == NULL)
		abort();
	f = &S->f[S->nf];
	f->stripe0 = (uint32_t)S->ns;
	f->nstripes = (uint32_t)nst;
	f->n0 = n0;
	f->large = (uint8_t)large;
	f->src = sim_random_up_honest();
	for (h = 0; h < nl; h++)
		for (j = 0; j < lv[h].full + (lv[h].last > 0); j++) {
			s = &S->s[S->ns++];
			s->first = (uint32_t)S->nc;
			s->k = (uint16_t)(j < lv[h].full ? ec->k : lv[h].last);
			s->p = (uint16_t)dur_parity(ec, s->k);
			for (i = 0; i < s->k; i++)
				add_chunk(S, h == 0 ? DUR_DATA : DUR_INDEX,
				    copies);
			for (i = 0; i < s->p; i++)
				add_chunk(S, DUR_PARITY, copies);
		}
	f->root = (uint32_t)S->nc;
	add_chunk(S, DUR_ROOT, root_copies);
	S->nf++;
	S->data += n0;
}

/* Recoverable: at least k of its k + p chunks have a live copy. */
int
dur_stripe_ok(const struct dur_set *S, const struct dur_stripe *s)
{
	unsigned	i, live = 0;

	for (i = 0; i < (unsigned)s->k + s->p; i++)
		live += S->c[s->first + i].live;
	return (live >= s->k);
}

int
dur_file_ok(const struct dur_set *S, const struct dur_file *f)
{
	uint32_t	i;

	if (!S->c[f->root].live)
		return (0);
	for (i = 0; i < f->nstripes; i++)
		if (!dur_stripe_ok(S, &S->s[f->stripe0 + i]))
			return (0);
	return (1);
}
