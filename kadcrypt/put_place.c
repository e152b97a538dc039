/* SPDX-License-Identifier: ISC */
/*
 * put_place: a put's chunks in flight, by key, with their stripe; and
 * the stripes that lost chunks, with how many (put_place.h).  Both
 * trees stay small: the first holds what the put window lets out, the
 * second only stripes that had a failure.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <bsd/stdlib.h>
#include <bsd/sys/tree.h>

#ifndef __unused	/* libbsd leaves it out; RB_GENERATE_STATIC needs it */
#define __unused	__attribute__((__unused__))
#endif

#include "put_place.h"

struct pp_chunk {
	RB_ENTRY(pp_chunk)	 entry;
	uint8_t			 key[32];
	uint64_t		 sid;		/* its stripe */
	unsigned		 spare;		/* the stripe's parity */
	unsigned		 refs;		/* emitted more than once */
};

struct pp_stripe {
	RB_ENTRY(pp_stripe)	 entry;
	uint64_t		 sid;
	unsigned		 failed;
};

RB_HEAD(ppc_tree, pp_chunk);
RB_HEAD(pps_tree, pp_stripe);

struct put_place {
	struct ppc_tree		 chunks;
	struct pps_tree		 stripes;
	uint64_t		 unplaced, hit;
	int			 lost;		/* a stripe cannot be decoded */
};

static int
ppc_cmp(struct pp_chunk *a, struct pp_chunk *b)
{
	return (memcmp(a->key, b->key, sizeof(a->key)));
}

static int
pps_cmp(struct pp_stripe *a, struct pp_stripe *b)
{
	return (a->sid < b->sid ? -1 : a->sid > b->sid);
}

RB_GENERATE_STATIC(ppc_tree, pp_chunk, entry, ppc_cmp)
RB_GENERATE_STATIC(pps_tree, pp_stripe, entry, pps_cmp)

static int
lost(const struct put_place *p)
{
	if (!p->lost)
		return (0);
	errno = EPIPE;
	return (-1);
}

struct put_place *
put_place_new(void)
{
	struct put_place	*p;

	if ((p = calloc(1, sizeof(*p))) == NULL)
		return (NULL);
	RB_INIT(&p->chunks);
	RB_INIT(&p->stripes);
	return (p);
}

void
put_place_free(struct put_place *p)
{
	struct pp_chunk		*c;
	struct pp_stripe	*s;

	if (p == NULL)
		return;
	while ((c = RB_MIN(ppc_tree, &p->chunks)) != NULL) {
		RB_REMOVE(ppc_tree, &p->chunks, c);
		free(c);
	}
	while ((s = RB_MIN(pps_tree, &p->stripes)) != NULL) {
		RB_REMOVE(pps_tree, &p->stripes, s);
		free(s);
	}
	free(p);
}

int
put_place_add(struct put_place *p, const uint8_t key[32],
    const struct chunk_info *ci)
{
	struct pp_chunk	*c, *old;

	if ((c = calloc(1, sizeof(*c))) == NULL)
		return (-1);
	memcpy(c->key, key, sizeof(c->key));
	/* a level's stripes, numbered apart from every other level's */
	c->sid = (uint64_t)(ci->height & 0xff) << 56 |
	    (ci->stripe & ((1ULL << 56) - 1));
	c->spare = ci->kind == CHUNK_ROOT || ci->n < ci->k ? 0 : ci->n - ci->k;
	c->refs = 1;
	if ((old = RB_INSERT(ppc_tree, &p->chunks, c)) != NULL) {
		old->refs++;
		free(c);
	}
	return (0);
}

int
put_place_result(struct put_place *p, const uint8_t key[32], int ok)
{
	struct pp_chunk		 find, *c;
	struct pp_stripe	 sfind, *s;
	uint64_t		 sid;
	unsigned		 spare;

	memcpy(find.key, key, sizeof(find.key));
	if ((c = RB_FIND(ppc_tree, &p->chunks, &find)) == NULL) {
		errno = EINVAL;
		return (-1);
	}
	sid = c->sid;
	spare = c->spare;
	if (--c->refs == 0) {
		RB_REMOVE(ppc_tree, &p->chunks, c);
		free(c);
	}
	if (ok)
		return (lost(p));
	p->unplaced++;
	sfind.sid = sid;
	if ((s = RB_FIND(pps_tree, &p->stripes, &sfind)) == NULL) {
		if ((s = calloc(1, sizeof(*s))) == NULL)
			return (-1);
		s->sid = sid;
		RB_INSERT(pps_tree, &p->stripes, s);
		p->hit++;
	}
	if (++s->failed > spare)
		p->lost = 1;
	return (lost(p));
}

uint64_t
put_place_unplaced(const struct put_place *p)
{
	return (p->unplaced);
}

uint64_t
put_place_stripes_hit(const struct put_place *p)
{
	return (p->hit);
}
