/* SPDX-License-Identifier: ISC */
/*
 * sim_run: the events and the clock.  Time moves in windows no longer
 * than the shortest one-way delay: within one, each partition runs its
 * own events in order (one thread each when there are two), and nothing
 * one partition does can reach the other before the window ends.  Then,
 * in one thread, the datagrams that cross are merged into their
 * partitions in a fixed order, the completion events go to the
 * scenario, and the scenario's own steps (sim_at) run at their times.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kadnet/dht.h"
#include "kadnet/krpc.h"
#include "kadnet/routing.h"
#include "tests/sim/sim.h"
#include "tests/sim/sim_local.h"

#define BUF_SZ		KRPC_MAX_MSG
#define BUF_CHUNK	1024		/* buffers per allocation */


static void	run_part(struct part *, uint64_t until);


/*
 * Waiting for the other thread: spin (a window takes well under a
 * millisecond), and give the processor away only after a long wait, so
 * that a busy machine is not kept from the other thread.
 */
#define SPIN_YIELD	(1 << 16)

static void
spin(unsigned *n)
{
	if (++*n < SPIN_YIELD) {
#if defined(__x86_64__) || defined(__i386__)
		__builtin_ia32_pause();
#elif defined(__aarch64__)
		__asm__ __volatile__("yield");
#endif
	} else
		sched_yield();
}

/* ---- a partition's buffers and events ---- */

uint8_t *
sim_buf(struct part *p, uint32_t b)
{
	return (p->bufs[b / BUF_CHUNK] + (size_t)(b % BUF_CHUNK) * BUF_SZ);
}

uint32_t
sim_buf_get(struct part *p)
{
	uint32_t	b, i, nx;
	uint8_t		**nb;

	if (p->buffree != NIL) {
		b = p->buffree;
		memcpy(&p->buffree, sim_buf(p, b), sizeof(p->buffree));
		return (b);
	}
	nb = reallocarray(p->bufs, p->nbufchunks + 1, sizeof(*p->bufs));
	if (nb == NULL)
		abort();
	p->bufs = nb;
	if ((p->bufs[p->nbufchunks] = malloc((size_t)BUF_CHUNK * BUF_SZ)) ==
	    NULL)
		abort();
	p->nbufchunks++;
	/* chain the new ones, keep the first */
	b = p->nbufs;
	for (i = 1; i < BUF_CHUNK; i++) {
		nx = i + 1 < BUF_CHUNK ? b + i + 1 : p->buffree;
		memcpy(sim_buf(p, b + i), &nx, sizeof(nx));
	}
	p->buffree = b + 1;
	p->nbufs += BUF_CHUNK;
	return (b);
}

static void
buf_put(struct part *p, uint32_t b)
{
	if (b == NIL)
		return;
	memcpy(sim_buf(p, b), &p->buffree, sizeof(p->buffree));
	p->buffree = b;
}

struct sev *
sim_ev_new(struct part *p, uint8_t kind, uint32_t node, uint32_t *idx)
{
	struct sev	*e;

	if (p->evfree != NIL) {
		*idx = p->evfree;
		p->evfree = p->ev[*idx].next;
	} else {
		if (p->nev == p->capev) {
			p->capev = p->capev ? p->capev * 2 : 65536;
			p->ev = reallocarray(p->ev, p->capev, sizeof(*p->ev));
			if (p->ev == NULL)
				abort();
		}
		*idx = (uint32_t)p->nev++;
	}
	e = &p->ev[*idx];
	memset(e, 0, sizeof(*e));
	e->kind = kind;
	e->node = node;
	e->buf = NIL;
	return (e);
}

static void
ev_free(struct part *p, uint32_t idx)
{
	buf_put(p, p->ev[idx].buf);
	p->ev[idx].next = p->evfree;
	p->evfree = idx;
}

void *
sim_worker_main(void *arg)
{
	uint64_t	seen = 0;
	unsigned	spins;

	(void)arg;
	for (;;) {
		for (spins = 0; __atomic_load_n(&simw.go, __ATOMIC_ACQUIRE) ==
		    seen && !__atomic_load_n(&simw.quit, __ATOMIC_ACQUIRE);)
			spin(&spins);
		if (__atomic_load_n(&simw.quit, __ATOMIC_ACQUIRE))
			return (NULL);
		seen = __atomic_load_n(&simw.go, __ATOMIC_ACQUIRE);
		run_part(&simw.part[1], simw.win_end);
		__atomic_store_n(&simw.gone, seen, __ATOMIC_RELEASE);
	}
}

/* ---- running ---- */

void
sim_resched(int i)
{
	struct sim_node	*n = &simw.nodes[i];
	struct part	*p = sim_part_of(i);
	struct sev	*e;
	uint64_t	 t;
	uint32_t	 idx;

	if (n->state != SIM_UP)
		return;
	t = dht_next_timer(n->d);
	if (t == UINT64_MAX)
		return;
	t = t > UINT64_MAX / 1000 ? UINT64_MAX : t * 1000;
	if (t < p->now)
		t = p->now;
	/* an earlier wake-up is on its way: it will look again */
	if (n->timer_at != 0 && n->timer_at <= t)
		return;
	e = sim_ev_new(p, EV_TIMER, (uint32_t)i, &idx);
	e->gen = n->gen;
	n->timer_at = t;
	simq_push(&p->q, t, idx);
}

static void
deliver(struct part *p, struct sev *e, uint64_t t)
{
	struct sim_node		*n = &simw.nodes[e->node], *src;
	struct sockaddr_in	 sin;
	const uint8_t		*b;
	uint64_t		 ms = t / 1000;
	unsigned		 r;
	int			 valid, up;

	p->st.events++;
	switch (e->kind) {
	case EV_DGRAM:
		if (n->state != SIM_UP) {
			p->st.to_down++;
			return;
		}
		b = sim_buf(p, e->buf);
		src = &simw.nodes[e->from];
		sim_node_sin(src, &sin);
		if (e->len == 0) {	/* a keepalive: it confirms keys */
			if (sim_sess_recv(p, n, e->from, e->status, &up) !=
			    -1 && up)
				(void)dht_peer_up(n->d, src->pub,
				    (struct sockaddr *)&sin, sizeof(sin), ms);
			break;
		}
		if (n->behave == SIM_DROP && KRPC_IS_REQUEST(b[3]) &&
		    b[3] != KRPC_PING) {
			p->st.attacker_drops++;
			return;
		}
		if (n->behave == SIM_ECLIPSE && (b[3] == KRPC_FIND_NODE ||
		    b[3] == KRPC_FIND_VALUE) && e->len >= KRPC_HDR_LEN +
		    KAD_ID_LEN) {
			r = n->ringpos++ % SIM_TXRING;
			memcpy(n->ring[r].txid, b + KRPC_TXID_OFF,
			    KRPC_TXID_LEN);
			memcpy(n->ring[r].target, b + KRPC_HDR_LEN,
			    KAD_ID_LEN);
		}
		if ((valid = sim_sess_recv(p, n, e->from, e->status,
		    &up)) == -1)
			break;
		if (up)
			(void)dht_peer_up(n->d, src->pub,
			    (struct sockaddr *)&sin, sizeof(sin), ms);
		if (up && e->status == SIM_KIND_RESP)
			sim_keepalive(p, n, e->from);
		(void)dht_input(n->d, src->pub, valid, b, e->len,
		    (struct sockaddr *)&sin, sizeof(sin), ms);
		break;
	case EV_STORE:
		if (n->state != SIM_UP || n->gen != e->gen)
			return;
		(void)dht_store_reply(n->d, e->x, e->status,
		    e->buf != NIL ? sim_buf(p, e->buf) : NULL, e->len, ms);
		break;
	case EV_SCAN:
		if (n->state != SIM_UP || n->gen != e->gen)
			return;
		(void)dht_store_scan_reply(n->d, e->x,
		    (const uint8_t (*)[KAD_ID_LEN])sim_buf(p, e->buf),
		    sim_buf(p, e->buf) + (size_t)e->len * KAD_ID_LEN, e->len,
		    ms);
		break;
	case EV_TIMER:
		if (n->state != SIM_UP || n->gen != e->gen ||
		    n->timer_at != t)
			return;		/* superseded */
		n->timer_at = 0;
		(void)dht_timer(n->d, ms);
		break;
	}
	sim_resched((int)e->node);
}

/* One partition's events up to and including time `until`. */
static void
run_part(struct part *p, uint64_t until)
{
	struct qent	top;
	struct sev	e;

	while (simq_pop_until(&p->q, until, &top)) {
		if (top.t < p->now)
			abort();	/* an event in the past: a bug */
		p->now = top.t;
		/* a copy: what it sets off may grow (move) the event pool */
		e = p->ev[top.ev];
		deliver(p, &e, top.t);
		ev_free(p, top.ev);
	}
	if (p->q.len > p->st.peak_events)
		p->st.peak_events = p->q.len;
}

/* The scenario's steps in time order, ties in the order they were set. */
static int
call_before(const struct call *a, const struct call *b)
{
	return (a->t < b->t || (a->t == b->t && a->seq < b->seq));
}

static struct call
call_pop(void)
{
	struct call	top = simw.calls[0], x;
	size_t		i = 0, c;

	x = simw.calls[--simw.ncalls];
	for (;;) {
		c = 2 * i + 1;
		if (c >= simw.ncalls)
			break;
		if (c + 1 < simw.ncalls && call_before(&simw.calls[c + 1],
		    &simw.calls[c]))
			c++;
		if (call_before(&x, &simw.calls[c]))
			break;
		simw.calls[i] = simw.calls[c];
		i = c;
	}
	if (simw.ncalls > 0)
		simw.calls[i] = x;
	return (top);
}

void
sim_at(uint64_t t_us, void (*fn)(void *, uint64_t), void *arg, uint64_t x)
{
	struct call	c;
	size_t		i, p;

	if (simw.ncalls == simw.capcalls) {
		simw.capcalls = simw.capcalls ? simw.capcalls * 2 : 1024;
		simw.calls = reallocarray(simw.calls, simw.capcalls,
		    sizeof(*simw.calls));
		if (simw.calls == NULL)
			abort();
	}
	c.t = t_us < simw.now ? simw.now : t_us;
	c.seq = simw.callseq++;
	c.fn = fn;
	c.arg = arg;
	c.x = x;
	i = simw.ncalls++;
	while (i > 0) {
		p = (i - 1) / 2;
		if (call_before(&simw.calls[p], &c))
			break;
		simw.calls[i] = simw.calls[p];
		i = p;
	}
	simw.calls[i] = c;
}

/* What crossed between the partitions arrives in its queue. */
static void
flush_out(void)
{
	struct part	*p;
	size_t		 i;
	int		 k;

	for (k = 0; k < SIM_PARTS; k++) {
		p = &simw.part[k];
		for (i = 0; i < p->nout; i++)
			sim_send_cross(&simw.part[p->out[i].dst % SIM_PARTS],
			    &p->out[i], p->outb + p->out[i].off);
		p->nout = 0;
		p->noutb = 0;
	}
}

/* The window is over: what crossed arrives, the scenario hears. */
static void
window_end(void)
{
	int	k;

	flush_out();
	for (k = 0; k < SIM_PARTS; k++)
		sim_done_replay(&simw.part[k]);
}

static void
run_window(uint64_t last)
{
	unsigned	spins;
	uint64_t	w;
	int		k;

	if (simw.threads == 2) {
		simw.win_end = last;
		w = __atomic_add_fetch(&simw.go, 1, __ATOMIC_RELEASE);
		run_part(&simw.part[0], last);
		for (spins = 0; __atomic_load_n(&simw.gone, __ATOMIC_ACQUIRE) !=
		    w;)
			spin(&spins);
		for (k = 2; k < SIM_PARTS; k++)
			run_part(&simw.part[k], last);
	} else
		for (k = 0; k < SIM_PARTS; k++)
			run_part(&simw.part[k], last);
}

void
sim_run_until(uint64_t t_us)
{
	struct call	c;
	uint64_t	tn, tc, last, x;
	int		k;

	index_sort_now();	/* the windows only read the order */
	for (;;) {
		/*
		 * What a scenario step, or a call between two runs, sent
		 * across must be in its queue before the next window is
		 * chosen, or a datagram due early in it would arrive late.
		 */
		flush_out();
		tn = UINT64_MAX;
		for (k = 0; k < SIM_PARTS; k++)
			if ((x = simq_next(&simw.part[k].q)) < tn)
				tn = x;
		tc = simw.ncalls > 0 ? simw.calls[0].t : UINT64_MAX;
		if (tn > t_us && tc > t_us)
			break;
		if (tc <= tn) {
			/* a scenario step goes before the events of its time */
			c = call_pop();
			if (c.t > simw.now)
				simw.now = c.t;
			for (k = 0; k < SIM_PARTS; k++)
				if (simw.part[k].now < simw.now)
					simw.part[k].now = simw.now;
			c.fn(c.arg, c.x);
			index_sort_now();
			continue;
		}
		/* events before tn + lookahead cannot reach across */
		last = tn + simw.lookahead - 1;
		if (tc != UINT64_MAX && tc - 1 < last)
			last = tc - 1;
		if (last > t_us)
			last = t_us;
		run_window(last);
		if (last > simw.now)
			simw.now = last;
		window_end();
	}
	if (t_us > simw.now)
		simw.now = t_us;
	for (k = 0; k < SIM_PARTS; k++)
		if (simw.part[k].now < simw.now)
			simw.part[k].now = simw.now;
}

void
sim_run_for_ms(uint64_t ms)
{
	sim_run_until(simw.now + ms * 1000);
}

/* ---- calls into a node from outside an event ---- */

int
sim_lookup(int i, const uint8_t target[KAD_ID_LEN], uint64_t cookie)
{
	int	r;

	if (simw.nodes[i].state != SIM_UP)
		return (-1);
	sim_sync_part(i);
	r = dht_lookup(simw.nodes[i].d, target, cookie, sim_now_ms());
	sim_resched(i);
	return (r);
}

int
sim_get(int i, const uint8_t key[KAD_ID_LEN], uint64_t cookie)
{
	int	r;

	if (simw.nodes[i].state != SIM_UP)
		return (-1);
	sim_sync_part(i);
	r = dht_get(simw.nodes[i].d, key, cookie, sim_now_ms());
	sim_resched(i);
	return (r);
}

int
sim_fetch(int i, const uint8_t key[KAD_ID_LEN], uint64_t cookie)
{
	int	r;

	if (simw.nodes[i].state != SIM_UP)
		return (-1);
	sim_sync_part(i);
	r = dht_fetch(simw.nodes[i].d, key, cookie, sim_now_ms());
	sim_resched(i);
	return (r);
}

int
sim_put(int i, const uint8_t key[KAD_ID_LEN], size_t len, unsigned copies,
    uint64_t cookie)
{
	uint8_t	v[KRPC_MAX_VALUE];
	int	r;

	if (simw.nodes[i].state != SIM_UP || len == 0 || len > sizeof(v))
		return (-1);
	sim_sync_part(i);
	sim_value(key, len, v);
	r = dht_put(simw.nodes[i].d, key, v, len, copies, cookie,
	    sim_now_ms());
	sim_resched(i);
	return (r);
}
