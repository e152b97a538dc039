/* SPDX-License-Identifier: ISC */
/*
 * sim_queue: one partition's events in time order, a calendar queue.
 * A wheel of 4,096 slots of 512 us holds the next two seconds; a slot's
 * events are sorted when it becomes the current one (and kept sorted
 * while it is), and everything later waits in a 4-ary heap until the
 * wheel reaches it.  The order is (time, then the order events were
 * made), the same as one heap over everything, at a fraction of the
 * memory traffic: most events land within a second.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tests/sim/sim.h"
#include "tests/sim/sim_local.h"

#define SLOT_SHIFT	9		/* 512 us a slot */
#define WHEEL		4096
#define WMASK		(WHEEL - 1)

static int
qless(const struct qent *a, const struct qent *b)
{
	return (a->t < b->t || (a->t == b->t &&
	    (int32_t)(a->seq - b->seq) < 0));
}

static int
qcmp(const void *a, const void *b)
{
	return (qless(a, b) ? -1 : qless(b, a) ? 1 : 0);
}

void
simq_init(struct simq *q)
{
	memset(q, 0, sizeof(*q));
	if ((q->slot = calloc(WHEEL, sizeof(*q->slot))) == NULL)
		abort();
}

void
simq_free(struct simq *q)
{
	size_t	i;

	if (q->slot != NULL)
		for (i = 0; i < WHEEL; i++)
			free(q->slot[i].v);
	free(q->slot);
	free(q->far);
	memset(q, 0, sizeof(*q));
}

static void
slot_append(struct simq_slot *s, const struct qent *x)
{
	if (s->n == s->cap) {
		s->cap = s->cap ? s->cap * 2 : 16;
		if ((s->v = reallocarray(s->v, s->cap, sizeof(*s->v))) == NULL)
			abort();
	}
	s->v[s->n++] = *x;
}

static void
far_push(struct simq *q, const struct qent *x)
{
	size_t	i, p;

	if (q->nfar == q->capfar) {
		q->capfar = q->capfar ? q->capfar * 2 : 4096;
		q->far = reallocarray(q->far, q->capfar, sizeof(*q->far));
		if (q->far == NULL)
			abort();
	}
	i = q->nfar++;
	while (i > 0) {
		p = (i - 1) / 4;
		if (!qless(x, &q->far[p]))
			break;
		q->far[i] = q->far[p];
		i = p;
	}
	q->far[i] = *x;
}

static struct qent
far_pop(struct simq *q)
{
	struct qent	 top = q->far[0], x;
	size_t		 i = 0, c, m, end;

	x = q->far[--q->nfar];
	for (;;) {
		c = 4 * i + 1;
		if (c >= q->nfar)
			break;
		m = c;
		end = c + 4 < q->nfar ? c + 4 : q->nfar;
		for (c = c + 1; c < end; c++)
			if (qless(&q->far[c], &q->far[m]))
				m = c;
		if (!qless(&q->far[m], &x))
			break;
		q->far[i] = q->far[m];
		i = m;
	}
	if (q->nfar > 0)
		q->far[i] = x;
	return (top);
}

void
simq_push(struct simq *q, uint64_t t, uint32_t ev)
{
	struct simq_slot	*s;
	struct qent		 x;
	uint64_t		 slot = t >> SLOT_SHIFT;
	uint32_t		 lo, hi, mid;

	x.t = t;
	x.seq = q->seq++;
	x.ev = ev;
	q->len++;
	if (slot < q->base)
		slot = q->base;		/* cannot happen: t >= now */
	if (slot >= q->base + WHEEL) {
		far_push(q, &x);
		return;
	}
	s = &q->slot[slot & WMASK];
	if (slot != q->base || !q->sorted) {
		slot_append(s, &x);
		return;
	}
	/* the current slot stays sorted: insert among what is left */
	lo = q->pos;
	hi = s->n;
	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (qless(&x, &s->v[mid]))
			hi = mid;
		else
			lo = mid + 1;
	}
	slot_append(s, &x);
	memmove(&s->v[lo + 1], &s->v[lo], (s->n - 1 - lo) * sizeof(*s->v));
	s->v[lo] = x;
}

/* Make slot q->base current: bring in what the heap holds for it. */
static void
make_current(struct simq *q)
{
	struct simq_slot	*s = &q->slot[q->base & WMASK];
	struct qent		 x;

	while (q->nfar > 0 && (q->far[0].t >> SLOT_SHIFT) < q->base + WHEEL) {
		x = far_pop(q);
		slot_append(&q->slot[(x.t >> SLOT_SHIFT) & WMASK], &x);
	}
	if (s->n > 1)
		qsort(s->v, s->n, sizeof(*s->v), qcmp);
	q->pos = 0;
	q->sorted = 1;
}

/* The earliest event at or before `until`, taken out; 0 if there is none. */
int
simq_pop_until(struct simq *q, uint64_t until, struct qent *out)
{
	struct simq_slot	*s;
	uint64_t		 last = until >> SLOT_SHIFT;

	for (;;) {
		s = &q->slot[q->base & WMASK];
		if (!q->sorted)
			make_current(q);
		if (q->pos < s->n) {
			if (s->v[q->pos].t > until)
				return (0);
			*out = s->v[q->pos++];
			q->len--;
			return (1);
		}
		/* the slot is used up: on to the next, never past `until` */
		if (q->base >= last)
			return (0);
		s->n = 0;
		q->pos = 0;
		q->sorted = 0;
		if (q->len == q->nfar) {
			/* the wheel is empty: jump to the heap's first event */
			q->base = q->nfar > 0 ?
			    q->far[0].t >> SLOT_SHIFT : last;
			if (q->base > last)
				q->base = last;
		} else
			q->base++;
	}
}

/* The time of the earliest event, UINT64_MAX if there is none. */
uint64_t
simq_next(struct simq *q)
{
	struct simq_slot	*s;
	uint64_t		 b, min;
	uint32_t		 i;

	if (q->len == 0)
		return (UINT64_MAX);
	s = &q->slot[q->base & WMASK];
	if (q->sorted && q->pos < s->n)
		return (s->v[q->pos].t);
	/* the first slot with something in it: its least time */
	for (b = q->base + (q->sorted ? 1 : 0); b < q->base + WHEEL; b++) {
		s = &q->slot[b & WMASK];
		if (b == q->base && q->pos >= s->n)
			continue;
		if (s->n == 0)
			continue;
		min = UINT64_MAX;
		for (i = b == q->base ? q->pos : 0; i < s->n; i++)
			if (s->v[i].t < min)
				min = s->v[i].t;
		return (min);
	}
	return (q->nfar > 0 ? q->far[0].t : UINT64_MAX);
}
