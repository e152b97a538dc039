/* SPDX-License-Identifier: ISC */
/*
 * search: candidate list of one iterative lookup, kept sorted by XOR
 * distance to the target.  See search.h.
 */
#include <sys/types.h>

#include <bsd/sys/endian.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "krpc.h"
#include "netdiv.h"
#include "routing.h"
#include "search.h"

struct search {
	uint8_t			 target[KAD_ID_LEN];
	uint64_t		 target0;	/* its first word */
	uint8_t			 type;
	uint8_t			 hoplimit;
	uint16_t		 k, alpha, cap, n;
	uint16_t		 inflight;	/* SC_INFLIGHT */
	uint16_t		 slow;		/* SC_SLOW */
	uint32_t		 msgs;
	/* [cap]: the first word of c[i]'s distance, what a search reads */
	uint64_t		*d0;
	struct search_cand	 c[];
};

struct search *
search_new(const uint8_t target[KAD_ID_LEN], uint8_t type, unsigned k,
    unsigned alpha, unsigned cap, unsigned hoplimit)
{
	struct search	*s;
	size_t		 off;

	if ((type != KRPC_FIND_NODE && type != KRPC_FIND_VALUE) || k == 0 ||
	    alpha == 0 || cap < k || cap > 1024 || alpha > cap ||
	    hoplimit == 0 || hoplimit > 255) {
		errno = EINVAL;
		return (NULL);
	}
	/* one allocation: the head, the candidates, then (aligned) d0 */
	off = (sizeof(*s) + (size_t)cap * sizeof(s->c[0]) + 7) & ~(size_t)7;
	s = calloc(1, off + (size_t)cap * sizeof(*s->d0));
	if (s == NULL)
		return (NULL);
	s->d0 = (uint64_t *)(void *)((char *)s + off);
	memcpy(s->target, target, KAD_ID_LEN);
	s->target0 = be64dec(target);
	s->type = type;
	s->k = (uint16_t)k;
	s->alpha = (uint16_t)alpha;
	s->cap = (uint16_t)cap;
	s->hoplimit = (uint8_t)hoplimit;
	return (s);
}

void
search_free(struct search *s)
{
	free(s);
}

const uint8_t *
search_target(const struct search *s)
{
	return (s->target);
}

uint8_t
search_type(const struct search *s)
{
	return (s->type);
}

static int	search_pos(const struct search *, const uint8_t [KAD_ID_LEN],
		    uint64_t, uint16_t *);

struct search_cand *
search_find(struct search *s, const uint8_t id[KAD_ID_LEN])
{
	uint16_t	pos;

	return (search_pos(s, id, be64dec(id) ^ s->target0, &pos) ?
	    &s->c[pos] : NULL);
}

static void
leave_state(struct search *s, struct search_cand *c)
{
	if (c->state == SC_INFLIGHT)
		s->inflight--;
	else if (c->state == SC_SLOW)
		s->slow--;
}

/*
 * The slot of id in the list (ordered by distance, and distance is
 * unique per id): *pos is where it is or would go.
 */
static int
search_pos(const struct search *s, const uint8_t id[KAD_ID_LEN],
    uint64_t d0, uint16_t *pos)
{
	uint16_t	lo = 0, hi = s->n, mid;
	int		c;

	while (lo < hi) {
		mid = (uint16_t)((lo + hi) / 2);
		if (s->d0[mid] != d0)
			c = s->d0[mid] < d0 ? -1 : 1;
		else
			c = kad_id_cmpdist(s->c[mid].id, id, s->target);
		if (c == 0) {
			*pos = mid;
			return (1);
		}
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	*pos = lo;
	return (0);
}

static void
remove_slot(struct search *s, uint16_t i)
{
	memmove(&s->c[i], &s->c[i + 1], (s->n - i - 1) * sizeof(s->c[0]));
	memmove(&s->d0[i], &s->d0[i + 1], (s->n - i - 1) * sizeof(s->d0[0]));
	s->n--;
}

/*
 * At most KAD_DIV_LOOKUP candidates per network, the closest ones: a
 * newcomer for slot pos whose network has its share takes the place of
 * the farthest of them if it is closer and that one is not waiting for
 * an answer.  0: it may not come in.
 */
static int
diverse(struct search *s, const struct krpc_addr *addr, uint16_t pos)
{
	uint64_t	key = kad_netkey(addr);
	uint16_t	i, same = 0, far = 0;

	for (i = 0; i < s->n; i++)
		if (kad_netkey(&s->c[i].addr) == key) {
			same++;
			far = i;
		}
	if (same < KAD_DIV_LOOKUP)
		return (1);
	if (far < pos || s->c[far].state == SC_INFLIGHT ||
	    s->c[far].state == SC_SLOW)
		return (0);
	remove_slot(s, far);
	return (1);
}

int
search_add(struct search *s, const uint8_t id[KAD_ID_LEN],
    const uint8_t pub[KRPC_KEY_LEN], const struct krpc_addr *addr,
    unsigned hop)
{
	struct search_cand	*c;
	uint16_t		 pos, victim;
	uint64_t		 d0 = be64dec(id) ^ s->target0;

	if (hop > 255)
		hop = 255;
	/* full, and farther than every slot: most of a reply's contacts */
	if (s->n == s->cap && (d0 > s->d0[s->n - 1] ||
	    (d0 == s->d0[s->n - 1] &&
	    kad_id_cmpdist(id, s->c[s->n - 1].id, s->target) > 0)))
		return (0);
	if (search_pos(s, id, d0, &pos)) {
		c = &s->c[pos];
		if (hop < c->hop)
			c->hop = (uint8_t)hop;
		return (0);
	}
	if (!diverse(s, addr, pos))
		return (0);
	if (s->n == s->cap) {
		/* full: drop the farthest slot not waiting for an answer */
		for (victim = s->n; victim > 0; victim--)
			if (s->c[victim - 1].state != SC_INFLIGHT &&
			    s->c[victim - 1].state != SC_SLOW)
				break;
		if (victim == 0 || victim - 1 < pos)
			return (0);
		remove_slot(s, victim - 1);
	}
	memmove(&s->c[pos + 1], &s->c[pos], (s->n - pos) * sizeof(s->c[0]));
	memmove(&s->d0[pos + 1], &s->d0[pos], (s->n - pos) * sizeof(s->d0[0]));
	s->d0[pos] = d0;
	c = &s->c[pos];
	memset(c, 0, sizeof(*c));
	memcpy(c->id, id, KAD_ID_LEN);
	memcpy(c->pub, pub, KRPC_KEY_LEN);
	c->addr = *addr;
	c->hop = (uint8_t)hop;
	c->state = SC_NEW;
	s->n++;
	return (1);
}

struct search_cand *
search_next(struct search *s)
{
	struct search_cand	*c;
	uint16_t		 i, live = 0;

	if (s->inflight >= s->alpha)
		return (NULL);
	for (i = 0; i < s->n && live < s->k; i++) {
		c = &s->c[i];
		if (c->state == SC_FAILED)
			continue;
		if (c->state == SC_NEW && c->hop > s->hoplimit) {
			c->state = SC_FAILED;	/* too far down the chain */
			continue;
		}
		live++;
		if (c->state == SC_NEW) {
			c->state = SC_INFLIGHT;
			s->inflight++;
			s->msgs++;
			return (c);
		}
	}
	return (NULL);
}

void
search_widen(struct search *s, unsigned alpha)
{
	if (alpha > s->cap)
		alpha = s->cap;
	if (alpha > s->alpha)
		s->alpha = (uint16_t)alpha;
}

void
search_unsend(struct search *s, struct search_cand *c)
{
	if (c->state != SC_INFLIGHT)
		return;
	s->inflight--;
	s->msgs--;
	c->state = SC_NEW;
}

void
search_replied(struct search *s, struct search_cand *c)
{
	leave_state(s, c);
	c->state = SC_REPLIED;
}

void
search_slow(struct search *s, struct search_cand *c)
{
	if (c->state != SC_INFLIGHT)
		return;
	s->inflight--;
	s->slow++;
	c->state = SC_SLOW;
}

void
search_failed(struct search *s, struct search_cand *c)
{
	leave_state(s, c);
	c->state = SC_FAILED;
}

int
search_done(const struct search *s)
{
	const struct search_cand *c;
	uint16_t		 i, live = 0;

	for (i = 0; i < s->n && live < s->k; i++) {
		c = &s->c[i];
		if (c->state == SC_FAILED ||
		    (c->state == SC_NEW && c->hop > s->hoplimit))
			continue;
		if (c->state != SC_REPLIED)
			return (0);
		live++;
	}
	return (1);
}

unsigned
search_pending(const struct search *s)
{
	return ((unsigned)s->inflight + s->slow);
}

size_t
search_results(const struct search *s, const struct search_cand **out,
    size_t n)
{
	uint16_t	i;
	size_t		cnt = 0;

	for (i = 0; i < s->n && cnt < n; i++)
		if (s->c[i].state == SC_REPLIED)
			out[cnt++] = &s->c[i];
	return (cnt);
}

unsigned
search_hops(const struct search *s)
{
	uint16_t	i;

	for (i = 0; i < s->n; i++)
		if (s->c[i].state == SC_REPLIED)
			return (s->c[i].hop);
	return (0);
}

unsigned
search_msgs(const struct search *s)
{
	return (s->msgs);
}

size_t
search_mem(const struct search *s)
{
	return ((size_t)((const char *)&s->d0[s->cap] - (const char *)s));
}
