/* SPDX-License-Identifier: ISC */
/*
 * put_place: a put's chunks in flight, by key, with their stripe; and
 * its stripes not yet answered for, with how many of their chunks the
 * network took and lost (put_place.h).  Both trees stay small: the
 * first holds what the put window lets out, the second the stripes
 * those fall in (and those that had a failure, until all answered).
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
	unsigned		 refs;		/* emitted more than once */
	int			 root;
};

struct pp_stripe {
	RB_ENTRY(pp_stripe)	 entry;
	uint64_t		 sid;
	unsigned		 k, n;		/* n: its chunks, k: to decode */
	unsigned		 added, ok, failed;
	int			 hit;		/* counted in put_place.hit */
};

RB_HEAD(ppc_tree, pp_chunk);
RB_HEAD(pps_tree, pp_stripe);

struct put_place {
	struct ppc_tree		 chunks;
	struct pps_tree		 stripes;
	uint64_t		 unplaced, hit;
	uint64_t		 emitted, answered;
	uint64_t		 undecodable;	/* stripes with fewer than k ok */
	int			 lost;		/* a stripe cannot be decoded */
	unsigned		 min_holders;	/* over placed chunks, root apart */
	unsigned		 root_holders;
	uint64_t		 confirmed;	/* chunks min_holders is over */
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

static struct pp_stripe *
stripe_find(struct put_place *p, uint64_t sid)
{
	struct pp_stripe	find;

	find.sid = sid;
	return (RB_FIND(pps_tree, &p->stripes, &find));
}

int
put_place_add(struct put_place *p, const uint8_t key[32],
    const struct chunk_info *ci)
{
	struct pp_chunk		*c, *old;
	struct pp_stripe	*s;
	uint64_t		 sid;

	/* a level's stripes, numbered apart from every other level's */
	sid = (uint64_t)(ci->height & 0xff) << 56 |
	    (ci->stripe & ((1ULL << 56) - 1));
	if ((s = stripe_find(p, sid)) == NULL) {
		if ((s = calloc(1, sizeof(*s))) == NULL)
			return (-1);
		s->sid = sid;
		/* the root has no parity, whatever its k and n say */
		s->k = ci->kind == CHUNK_ROOT || ci->k == 0 ? 1 : ci->k;
		s->n = ci->kind == CHUNK_ROOT || ci->n < s->k ? s->k : ci->n;
		RB_INSERT(pps_tree, &p->stripes, s);
		p->undecodable++;
	}
	if ((c = calloc(1, sizeof(*c))) == NULL)
		return (-1);
	memcpy(c->key, key, sizeof(c->key));
	c->sid = sid;
	c->refs = 1;
	c->root = ci->kind == CHUNK_ROOT;
	if ((old = RB_INSERT(ppc_tree, &p->chunks, c)) != NULL) {
		old->refs++;
		free(c);
	}
	s->added++;
	p->emitted++;
	return (0);
}

void
put_place_holders(struct put_place *p, const uint8_t key[32],
    unsigned holders)
{
	struct pp_chunk		 find, *c;

	memcpy(find.key, key, sizeof(find.key));
	if ((c = RB_FIND(ppc_tree, &p->chunks, &find)) == NULL)
		return;
	if (c->root) {
		p->root_holders = holders;
		return;
	}
	if (p->confirmed++ == 0 || holders < p->min_holders)
		p->min_holders = holders;
}

unsigned
put_place_min_holders(const struct put_place *p, uint64_t *chunks)
{
	*chunks = p->confirmed;
	return (p->min_holders);
}

unsigned
put_place_root_holders(const struct put_place *p)
{
	return (p->root_holders);
}

int
put_place_result(struct put_place *p, const uint8_t key[32], int ok)
{
	struct pp_chunk		 find, *c;
	struct pp_stripe	*s;

	memcpy(find.key, key, sizeof(find.key));
	if ((c = RB_FIND(ppc_tree, &p->chunks, &find)) == NULL) {
		errno = EINVAL;
		return (-1);
	}
	/*
	 * One key in two stripes (equal chunks) is answered for the first:
	 * the second then never looks decodable, and the put waits for
	 * all its answers, as without this accounting.
	 */
	s = stripe_find(p, c->sid);
	if (--c->refs == 0) {
		RB_REMOVE(ppc_tree, &p->chunks, c);
		free(c);
	}
	p->answered++;
	if (s == NULL) {
		if (!ok)
			p->unplaced++;
		return (lost(p));
	}
	if (ok) {
		if (++s->ok == s->k)
			p->undecodable--;
	} else {
		p->unplaced++;
		if (!s->hit) {
			s->hit = 1;
			p->hit++;
		}
		if (++s->failed > s->n - s->k)
			p->lost = 1;
	}
	/* every chunk of it emitted and answered: forget it */
	if (s->ok + s->failed == s->n) {
		if (s->ok < s->k)
			p->undecodable--;	/* lost, and counted so */
		RB_REMOVE(pps_tree, &p->stripes, s);
		free(s);
	}
	return (lost(p));
}

int
put_place_decodable(const struct put_place *p)
{
	return (!p->lost && p->undecodable == 0);
}

uint64_t
put_place_pending(const struct put_place *p)
{
	return (p->emitted - p->answered);
}

uint64_t
put_place_emitted(const struct put_place *p)
{
	return (p->emitted);
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
