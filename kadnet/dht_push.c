/* SPDX-License-Identifier: ISC */
/*
 * dht_push: chunks pushed to other nodes (dht_local.h).  A PUT is
 * forwarded, HAVE first and STORE second, to ever closer nodes until one
 * knows nobody closer; that node keeps the chunk and replicates it to
 * its nearest neighbours.  A forwarded PUT is not done when the next
 * hop says OK: the node that forwarded it asks the nodes closest to the
 * key for a proof that they hold it (a HAVE with a fresh nonce), and
 * counts the networks that prove it (PUSH_CONFIRM).  Migration scans
 * the local store and pushes far keys toward their nodes or
 * re-replicates near ones.
 */
#include <sys/types.h>
#include <sys/socket.h>

#include <bsd/sys/tree.h>

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "krpc.h"
#include "netdiv.h"
#include "ratelimit.h"
#include "routing.h"
#include "search.h"
#include "dht.h"
#include "dht_local.h"


static void	push_finish(struct dht *, struct push *, int, uint64_t);
static void	push_forwarded(struct dht *, struct push *, uint64_t);
static void	push_confirm_check(struct dht *, struct push *, uint64_t);
static void	push_target_failed(struct dht *, struct push *, uint16_t,
		    uint64_t);
static void	push_confirm_found(struct dht *, struct push *,
		    const struct krpc_contact *, size_t, uint64_t);
static void	push_scan_continue(struct dht *, uint64_t);
static int	push_placed(struct dht *, const struct push *);

static int
push_cmp(struct push *a, struct push *b)
{
	return (a->pid < b->pid ? -1 : a->pid > b->pid);
}

RB_GENERATE_STATIC(ptree, push, entry, push_cmp)

static int
push_key_cmp(struct push *a, struct push *b)
{
	int	c;

	if ((c = memcmp(a->key, b->key, KAD_ID_LEN)) != 0)
		return (c);
	return (a->pid < b->pid ? -1 : a->pid > b->pid);
}

RB_GENERATE_STATIC(pktree, push, kentry, push_key_cmp)

static struct push *
push_get(struct dht *d, uint32_t pid)
{
	struct push	key;

	key.pid = pid;
	return (RB_FIND(ptree, &d->pushes, &key));
}

/* Is a push of key under way? */
int
push_active(struct dht *d, const uint8_t key[KAD_ID_LEN])
{
	struct push	k, *x;

	memcpy(k.key, key, KAD_ID_LEN);
	k.pid = 0;
	x = RB_NFIND(pktree, &d->pushkeys, &k);
	return (x != NULL && memcmp(x->key, key, KAD_ID_LEN) == 0);
}

/*
 * How many contacts closer to key than we are show a sign of life: no
 * request to them unanswered since they last answered (fails 0) and
 * heard from within DHT_LIVE_MS.  A contact counts as bad only after
 * RT_MAX_FAILS timeouts, and after a mass loss nobody may have asked the
 * dead ones anything yet: counted, they made a live replica target take
 * itself for a far one and refuse the STORE that repairs a chunk, and a
 * holder push a chunk away instead of re-replicating it.  Counting a
 * live but quiet contact out costs less: one copy too many, which
 * migration moves on.
 */
size_t
push_closer_count(struct dht *d, const uint8_t key[KAD_ID_LEN], size_t max,
    uint64_t now)
{
	struct rt_entry	*out[DHT_MAX_REPLICAS * 2];
	size_t		 n, i, c = 0;

	n = routing_closest(d->rt, key, d->cf.families, 0, now, out,
	    DHT_MAX_REPLICAS * 2);
	for (i = 0; i < n && c < max; i++) {
		if (kad_id_cmpdist(out[i]->id, d->id, key) >= 0)
			break;
		if (out[i]->fails == 0 && now - out[i]->seen < DHT_LIVE_MS)
			c++;
	}
	return (c);
}

static int
send_have(struct dht *d, struct push *x, uint16_t idx, uint64_t now)
{
	struct pending	*p;
	struct krpc_msg	 m;

	p = dht_rpc_new(d, KRPC_HAVE, P_PUSH_HAVE, x->t[idx].id,
	    x->t[idx].pub, &x->t[idx].addr, x->pid, idx, now);
	if (p == NULL)
		return (-1);
	krpc_init(&m, KRPC_HAVE, p->txid);
	memcpy(m.target, x->key, KAD_ID_LEN);
	/* fresh for every HAVE: an old proof says nothing of today */
	d->io.random(d->io.arg, x->t[idx].nonce, KRPC_NONCE_LEN);
	memcpy(m.nonce, x->t[idx].nonce, KRPC_NONCE_LEN);
	return (dht_rpc_send(d, p, &m));
}

/*
 * No hop count goes with it: the first hop would know, from a count of
 * 0, that its sender published the chunk.  Forwarding ends anyway,
 * since each hop is strictly closer to the key.
 */
static int
send_store(struct dht *d, struct push *x, uint16_t idx, uint64_t now)
{
	struct pending	*p;
	struct krpc_msg	 m;

	p = dht_rpc_new(d, KRPC_STORE, P_PUSH_STORE, x->t[idx].id,
	    x->t[idx].pub, &x->t[idx].addr, x->pid, idx, now);
	if (p == NULL)
		return (-1);
	krpc_init(&m, KRPC_STORE, p->txid);
	memcpy(m.target, x->key, KAD_ID_LEN);
	if (x->mode == PUSH_FORWARD)
		m.flags = KRPC_STORE_FORWARD;
	/* (a simulated replicas above the wire's bound sends the bound) */
	m.copies = x->copies > KRPC_MAX_COPIES ? KRPC_MAX_COPIES : x->copies;
	m.value = x->data;
	m.vlen = x->len;
	return (dht_rpc_send(d, p, &m));
}

/* ---- pushes (PUT, forwarding, replication, migration) ---- */

struct push *
push_new(struct dht *d, const uint8_t key[KAD_ID_LEN], const uint8_t *data,
    size_t len, uint8_t mode, uint8_t copies)
{
	struct push	*x;

	if (d->npushes >= d->cf.maxpushes || len == 0 ||
	    len > KRPC_MAX_VALUE) {
		d->st.drop[DHT_DROP_BUSY]++;
		return (NULL);
	}
	if ((x = calloc(1, sizeof(*x))) == NULL)
		return (NULL);
	x->pid = d->next_pid++;
	memcpy(x->key, key, KAD_ID_LEN);
	x->mode = mode;
	x->copies = dht_copies(d, copies);
	x->len = (uint16_t)len;
	memcpy(x->data, data, len);
	RB_INSERT(ptree, &d->pushes, x);
	RB_INSERT(pktree, &d->pushkeys, x);
	d->npushes++;
	d->st.pushes++;
	return (x);
}

static int
push_tried(const struct push *x, const uint8_t id[KAD_ID_LEN])
{
	uint8_t	i;

	for (i = 0; i < x->ntried; i++)
		if (memcmp(x->tried[i], id, KAD_ID_LEN) == 0)
			return (1);
	return (0);
}

/* Ask the next spare replica target; 1 if one is now open. */
static int
push_spare(struct dht *d, struct push *x, uint64_t now)
{
	uint16_t	i;

	for (i = 0; i < x->ntargets; i++) {
		if (x->t[i].state != PT_SPARE)
			continue;
		x->t[i].state = PT_HAVE;
		if (send_have(d, x, i, now) == 0) {
			x->nopen++;
			return (1);
		}
		x->t[i].state = PT_FAILED;
	}
	return (0);
}

/* May e be one more replica target of x (KAD_DIV_HOLDERS a network)? */
static int
push_diverse(const struct push *x, const struct rt_entry *e)
{
	uint64_t	key = kad_netkey(&e->addr);
	uint16_t	i;
	unsigned	same = 0;

	for (i = 0; i < x->ntargets; i++)
		if (kad_netkey(&x->t[i].addr) == key)
			same++;
	return (same < KAD_DIV_HOLDERS);
}

/*
 * We are the closest node we know: keep the chunk and make sure our
 * copies-1 nearest neighbours have it, at most KAD_DIV_HOLDERS of
 * them in one network, so that one /24 cannot take every copy.  A
 * neighbour that does not answer is replaced by the next one, so a dead
 * node still in our table does not cost a copy.
 */
static void
push_become_closest(struct dht *d, struct push *x, uint64_t now)
{
	struct rt_entry	*out[DHT_MAX_REPLICAS];
	size_t		 n, i, want;

	if (!x->stored) {
		dht_store_put(d, 0, x->key, x->data, x->len, x->copies,
		    x->source);
		x->stored = 1;
		d->st.stores_accepted++;
	}
	x->mode = PUSH_REPLICATE;
	x->ntargets = x->nopen = x->nok = 0;
	want = x->copies - 1 + PUSH_SPARES;
	if (want > DHT_MAX_REPLICAS)
		want = DHT_MAX_REPLICAS;
	/* the nearest DHT_MAX_REPLICAS, to have others where one is full */
	n = routing_closest(d->rt, x->key, d->cf.families, 0, now, out,
	    DHT_MAX_REPLICAS);
	for (i = 0; i < n && x->ntargets < want; i++) {
		if (!push_diverse(x, out[i]))
			continue;
		memcpy(x->t[x->ntargets].id, out[i]->id, KAD_ID_LEN);
		memcpy(x->t[x->ntargets].pub, out[i]->pub, KRPC_KEY_LEN);
		x->t[x->ntargets].addr = out[i]->addr;
		x->t[x->ntargets].state = PT_SPARE;
		x->ntargets++;
	}
	for (i = 0; i + 1 < x->copies; i++)
		if (!push_spare(d, x, now))
			break;
	if (x->nopen == 0)
		push_finish(d, x, push_placed(d, x) ? 0 : -1, now);
}

/* Forward x to the given node; 0 if the HAVE went out. */
static int
push_forward_to(struct dht *d, struct push *x, const uint8_t *id,
    const uint8_t *pub, const struct krpc_addr *addr, uint64_t now)
{
	memcpy(x->tried[x->ntried++], id, KAD_ID_LEN);
	memcpy(x->t[0].id, id, KAD_ID_LEN);
	memcpy(x->t[0].pub, pub, KRPC_KEY_LEN);
	x->t[0].addr = *addr;
	x->t[0].state = PT_HAVE;
	x->ntargets = 1;
	return (send_have(d, x, 0, now));
}

/*
 * Send the chunk one step closer to its key, or keep it here.  Knowing
 * nobody closer is not enough to keep it when our table may be blind
 * to the key's branch (routing_unexplored): a late joiner that had met
 * only the nodes around itself took itself for the closest of keys
 * anywhere.  Then a lookup of the key goes first, once per push.
 */
void
push_forward_next(struct dht *d, struct push *x, uint64_t now)
{
	struct rt_entry	*out[PUSH_MAXTRY + 1];
	size_t		 n, i;
	int		 closer = 0;

	if (x->ntried < PUSH_MAXTRY) {
		n = routing_closest(d->rt, x->key, d->cf.families, 0, now, out,
		    PUSH_MAXTRY + 1);
		for (i = 0; i < n; i++) {
			if (kad_id_cmpdist(out[i]->id, d->id, x->key) >= 0)
				break;	/* not closer than us */
			closer = 1;
			if (push_tried(x, out[i]->id))
				continue;
			if (push_forward_to(d, x, out[i]->id, out[i]->pub,
			    &out[i]->addr, now) == 0)
				return;
			break;
		}
	}
	if (!closer && !x->looked && routing_unexplored(d->rt, x->key)) {
		x->looked = 1;
		d->st.push_lookups++;
		if (d->push_lookup(d, x->key, x->pid, now) == 0)
			return;	/* push_lookup_done goes on (x may be gone) */
	}
	push_become_closest(d, x, now);
}

/* The lookup push_forward_next asked for found these nodes. */
void
push_lookup_done(struct dht *d, uint32_t pid, const struct krpc_contact *c,
    size_t n, uint64_t now)
{
	struct push	*x;
	size_t		 i;

	if ((x = push_get(d, pid)) == NULL)
		return;
	if (x->mode == PUSH_CONFIRM) {
		push_confirm_found(d, x, c, n, now);
		return;
	}
	for (i = 0; i < n && x->ntried < PUSH_MAXTRY; i++) {
		if (kad_id_cmpdist(c[i].id, d->id, x->key) >= 0)
			break;
		if (!push_tried(x, c[i].id) && push_forward_to(d, x, c[i].id,
		    c[i].pub, &c[i].addr, now) == 0)
			return;
	}
	push_become_closest(d, x, now);
}

/*
 * Did a replication place the chunk?  Our copy and at least half of
 * the copies-1 others it aims for (4 of 7 for 8 copies: a majority;
 * the one other for 2), or half of the targets we could find in a
 * network too small for its copies.  Targets that all refuse (BUSY:
 * each knows many nodes closer to the key) mean we are not where the
 * key belongs, and a PUT must not report a copy in the wrong place as
 * published.
 */
static int
push_placed(struct dht *d, const struct push *x)
{
	unsigned	want = x->copies - 1u;

	if (x->ntargets < want)
		want = x->ntargets;
	if (x->nok >= (want + 1) / 2)
		return (1);
	d->st.push_unplaced++;
	return (0);
}


/* ---- confirmation: the networks that prove a forwarded PUT ---- */

/* How many networks the targets that proved a copy are on. */
static unsigned
push_proved_nets(const struct push *x)
{
	uint64_t	nets[DHT_MAX_REPLICAS], k;
	unsigned	n = 0, j;
	uint16_t	i;

	for (i = 0; i < x->ntargets; i++) {
		if (x->t[i].state != PT_DONE)
			continue;
		k = kad_netkey(&x->t[i].addr);
		for (j = 0; j < n && nets[j] != k; j++)
			;
		if (j == n)
			nets[n++] = k;
	}
	return (n);
}

/*
 * Networks that must prove it, our own copy counted as one: cf.confirm,
 * or all of its copies if fewer; in a network of fewer networks than
 * that (our table's), all of them.
 */
static unsigned
push_confirm_need(struct dht *d, const struct push *x)
{
	size_t	need = d->cf.confirm, nets = routing_nets(d->rt) + 1;

	if (x->copies < need)
		need = x->copies;
	if (nets < need)
		need = nets;
	return ((unsigned)need);
}

/* Add c as a target to ask, unless known or over its network's share. */
static void
push_confirm_add(struct push *x, const uint8_t *id, const uint8_t *pub,
    const struct krpc_addr *addr)
{
	struct rt_entry	e;
	uint16_t	i;

	if (x->ntargets >= DHT_MAX_REPLICAS)
		return;
	for (i = 0; i < x->ntargets; i++)
		if (memcmp(x->t[i].id, id, KAD_ID_LEN) == 0)
			return;
	e.addr = *addr;
	if (!push_diverse(x, &e))
		return;
	memcpy(x->t[x->ntargets].id, id, KAD_ID_LEN);
	memcpy(x->t[x->ntargets].pub, pub, KRPC_KEY_LEN);
	x->t[x->ntargets].addr = *addr;
	x->t[x->ntargets].state = PT_SPARE;
	x->ntargets++;
}

/*
 * The next round waits for the holders to have stored it: the closest
 * node got it from the hop we gave it to, and its replicas from it.
 */
static void
push_confirm_wait(struct dht *d, struct push *x, uint64_t now)
{
	uint64_t	wait = (uint64_t)PUSH_CONFIRM_MS << x->round;

	if (d->grtt.flags & RT_F_RTT)
		wait += 2 * (d->grtt.srtt / 8);
	x->wake = now + wait;
	x->waiting = 1;
	TAILQ_INSERT_TAIL(&d->cwait[x->round], x, wentry);
}

/* Ask the closest targets that have not proved it yet, once more. */
static void
push_confirm_round(struct dht *d, struct push *x, uint64_t now)
{
	unsigned	want = x->copies + PUSH_CONFIRM_EXTRA, asked = 0;
	uint16_t	i;

	d->st.confirm_rounds++;
	if (x->round < PUSH_CONFIRM_ROUNDS)
		x->round++;
	for (i = 0; i < x->ntargets && asked < want; i++) {
		if (x->t[i].state == PT_DONE) {
			asked++;
			continue;
		}
		if (x->t[i].state != PT_SPARE)
			continue;
		x->t[i].state = PT_HAVE;
		if (send_have(d, x, i, now) == 0) {
			x->nopen++;
			asked++;
		} else
			x->t[i].state = PT_FAILED;
	}
	if (x->nopen == 0)
		push_confirm_check(d, x, now);
}

/*
 * Enough?  Every copy proved (or every network we know of), or, after
 * a few rounds, what it needs: a node still storing it gets no more
 * time then, and our copy stays.  Otherwise another round; after the
 * last, a lookup of the key for closer nodes, and one round of those.
 */
static void
push_confirm_check(struct dht *d, struct push *x, uint64_t now)
{
	unsigned	nets = push_proved_nets(x), need = push_confirm_need(d, x);
	unsigned	full = x->copies;

	if (routing_nets(d->rt) < full)
		full = (unsigned)routing_nets(d->rt);
	if (nets >= full || (nets + 1 >= need && x->round >= 2)) {
		push_finish(d, x, nets + 1 >= need ? 0 : -1, now);
		return;
	}
	if (x->nopen > 0)
		return;
	if (x->round < PUSH_CONFIRM_ROUNDS) {
		push_confirm_wait(d, x, now);
		return;
	}
	if (!x->looked) {
		x->looked = 1;
		d->st.push_lookups++;
		if (d->push_lookup(d, x->key, x->pid, now) == 0)
			return;	/* push_confirm_found goes on */
	}
	push_finish(d, x, nets + 1 >= need ? 0 : -1, now);
}

/* The lookup of the key found these nodes: ask the new ones. */
static void
push_confirm_found(struct dht *d, struct push *x,
    const struct krpc_contact *c, size_t n, uint64_t now)
{
	size_t		i;
	uint16_t	j, keep = 0;

	/* those that proved it stay; the lookup's nodes replace the rest */
	for (j = 0; j < x->ntargets; j++)
		if (x->t[j].state == PT_DONE)
			x->t[keep++] = x->t[j];
	x->ntargets = keep;
	for (i = 0; i < n; i++)
		push_confirm_add(x, c[i].id, c[i].pub, &c[i].addr);
	push_confirm_round(d, x, now);
}

/*
 * The next hop took it, or proved it has it.  That is one node's word:
 * a PUT (ours, or one we forwarded: the holders cannot tell a
 * publisher's HAVE from a forwarder's) is done when the nodes closest
 * to the key prove it.  A migration's push is not confirmed: our copy
 * stays, and the next scan looks again.
 */
static void
push_forwarded(struct dht *d, struct push *x, uint64_t now)
{
	struct rt_entry	*out[DHT_MAX_REPLICAS];
	size_t		 n, i;

	if (x->migrate) {
		x->nok = 1;
		push_finish(d, x, 0, now);
		return;
	}
	d->st.confirms++;
	x->mode = PUSH_CONFIRM;
	x->round = 0;
	x->ntargets = x->nopen = x->nok = 0;
	n = routing_closest(d->rt, x->key, d->cf.families, 0, now, out,
	    DHT_MAX_REPLICAS / 2);
	for (i = 0; i < n; i++)
		push_confirm_add(x, out[i]->id, out[i]->pub, &out[i]->addr);
	push_confirm_wait(d, x, now);
}

void
push_confirm_timer(struct dht *d, uint64_t now)
{
	struct push	*x;
	unsigned	 r;

	for (r = 0; r < PUSH_CONFIRM_ROUNDS; r++)
		while ((x = TAILQ_FIRST(&d->cwait[r])) != NULL &&
		    x->wake <= now) {
			TAILQ_REMOVE(&d->cwait[r], x, wentry);
			x->waiting = 0;
			push_confirm_round(d, x, now);
		}
}

uint64_t
push_confirm_next(struct dht *d)
{
	struct push	*x;
	uint64_t	 t = UINT64_MAX;
	unsigned	 r;

	for (r = 0; r < PUSH_CONFIRM_ROUNDS; r++)
		if ((x = TAILQ_FIRST(&d->cwait[r])) != NULL && x->wake < t)
			t = x->wake;
	return (t);
}

static void
push_finish(struct dht *d, struct push *x, int status, uint64_t now)
{
	struct dht_event	ev;
	int			origin = x->origin, migrate = x->migrate;

	memset(&ev, 0, sizeof(ev));
	ev.type = DHT_EV_PUT;
	ev.status = status;
	ev.cookie = x->cookie;
	memcpy(ev.key, x->key, KAD_ID_LEN);
	/*
	 * Other networks proved every copy it should have, so ours is
	 * spare: had the closest node counted our copy as one of them,
	 * the networks that proved it would be one short.  (A forwarder's
	 * status goes nowhere: only a publisher keeps a copy.)
	 */
	if (x->mode != PUSH_FORWARD) {
		ev.nnodes = push_proved_nets(x);
		ev.elsewhere = x->mode == PUSH_CONFIRM && status == 0 &&
		    ev.nnodes >= x->copies;
	}
	if (x->mode == PUSH_CONFIRM) {
		if (status != 0)
			d->st.confirm_fail++;
	}
	if (x->waiting)
		TAILQ_REMOVE(&d->cwait[x->round], x, wentry);
	RB_REMOVE(ptree, &d->pushes, x);
	RB_REMOVE(pktree, &d->pushkeys, x);
	d->npushes--;
	free(x);
	if (origin)
		d->io.event(d->io.arg, &ev);
	if (migrate && --d->mig_active == 0)
		push_scan_continue(d, now);
}

static void
push_replica_done(struct dht *d, struct push *x, uint16_t idx, int ok,
    uint64_t now)
{
	x->t[idx].state = ok ? PT_DONE : PT_FAILED;
	x->nopen--;
	if (ok)
		x->nok++;
	else
		(void)push_spare(d, x, now);
	if (x->nopen == 0)
		push_finish(d, x, push_placed(d, x) ? 0 : -1, now);
}

/*
 * A "have" proves itself: SHA-256 of the nonce we sent and of the
 * bytes (dht_proof).  One that does not is a lie from a proved peer (a
 * node that stored nothing, or a copy it damaged): struck, and as good
 * as no answer.
 */
static int
push_proof_ok(struct dht *d, const struct push *x, uint16_t idx,
    const struct krpc_msg *m, const struct krpc_addr *from, uint64_t now)
{
	uint8_t	want[KRPC_PROOF_LEN];

	if (dht_proof(d, x->t[idx].nonce, x->data, x->len, want) == 0 &&
	    memcmp(want, m->proof, KRPC_PROOF_LEN) == 0)
		return (1);
	d->st.have_lies++;
	ratelimit_strike(d->rl, from, now);
	return (0);
}

static void
push_confirm_reply(struct dht *d, struct push *x, uint16_t idx, int have,
    uint64_t now)
{
	/* not yet: asked again next round, while there is one */
	x->t[idx].state = have > 0 ? PT_DONE : have == 0 ? PT_SPARE :
	    PT_FAILED;
	x->nopen--;
	push_confirm_check(d, x, now);
}

static void
push_have_reply(struct dht *d, struct push *x, uint16_t idx,
    const struct krpc_msg *m, const struct krpc_addr *from, uint64_t now)
{
	if (x->t[idx].state != PT_HAVE)
		return;
	if (m->have && !push_proof_ok(d, x, idx, m, from, now)) {
		push_target_failed(d, x, idx, now);
		return;
	}
	if (x->mode == PUSH_CONFIRM) {
		push_confirm_reply(d, x, idx, m->have, now);
		return;
	}
	if (m->have) {
		if (x->mode == PUSH_FORWARD)
			/* a closer node has it already (3c-i): confirm */
			push_forwarded(d, x, now);
		else
			push_replica_done(d, x, idx, 1, now);
		return;
	}
	x->t[idx].state = PT_STORE;
	if (send_store(d, x, idx, now) == 0)
		return;
	if (x->mode == PUSH_FORWARD) {
		x->t[idx].state = PT_FAILED;
		push_forward_next(d, x, now);
	} else
		push_replica_done(d, x, idx, 0, now);
}

static void
push_store_reply(struct dht *d, struct push *x, uint16_t idx,
    uint8_t status, uint64_t now)
{
	int	ok = status == KRPC_ST_OK || status == KRPC_ST_HAVE;

	if (x->t[idx].state != PT_STORE)
		return;
	if (x->mode == PUSH_FORWARD) {
		if (ok)
			push_forwarded(d, x, now);
		else {
			x->t[idx].state = PT_FAILED;
			push_forward_next(d, x, now);
		}
	} else
		push_replica_done(d, x, idx, ok, now);
}

static void
push_target_failed(struct dht *d, struct push *x, uint16_t idx, uint64_t now)
{
	if (x->t[idx].state != PT_HAVE && x->t[idx].state != PT_STORE)
		return;
	if (x->mode == PUSH_CONFIRM)
		push_confirm_reply(d, x, idx, -1, now);
	else if (x->mode == PUSH_FORWARD) {
		x->t[idx].state = PT_FAILED;
		push_forward_next(d, x, now);
	} else
		push_replica_done(d, x, idx, 0, now);
}

/* An answer to one of a push's requests. */
static void
push_reply(struct dht *d, const struct pending *p, const struct krpc_msg *m,
    const struct krpc_addr *from, int same, uint64_t now)
{
	struct push	*x;

	if ((x = push_get(d, p->owner)) == NULL || p->idx >= x->ntargets)
		return;
	if (!same)
		push_target_failed(d, x, p->idx, now);
	else if (p->purpose == P_PUSH_HAVE)
		push_have_reply(d, x, p->idx, m, from, now);
	else
		push_store_reply(d, x, p->idx, m->status, now);
}

static void
push_failed(struct dht *d, const struct pending *p, uint64_t now)
{
	struct push	*x;

	if ((x = push_get(d, p->owner)) != NULL && p->idx < x->ntargets)
		push_target_failed(d, x, p->idx, now);
}

/* Still waited for: the push goes on and this target is still asked. */
static int
push_wanted(struct dht *d, const struct pending *p)
{
	struct push	*x;
	uint8_t		 want;

	if ((x = push_get(d, p->owner)) == NULL || p->idx >= x->ntargets)
		return (0);
	want = p->purpose == P_PUSH_HAVE ? PT_HAVE : PT_STORE;
	return (x->t[p->idx].state == want);
}

const struct rpc_handler push_rpc = {
	push_reply, NULL, push_failed, push_wanted
};

/* ---- migration ---- */

void
push_scan_issue(struct dht *d, uint64_t now)
{
	struct storeop	*o;

	if ((o = dht_storeop_new(d, SO_SCAN, d->scan_after, now)) == NULL) {
		d->scanning = 0;
		d->migrate_next = now + DHT_MIGRATE_SOON;
		return;
	}
	d->scanning = 1;
	dht_store_request(d, DHT_STORE_SCAN, o->cookie, d->scan_after, NULL, 0,
	    DHT_SCAN_BATCH);
}

static void
push_scan_continue(struct dht *d, uint64_t now)
{
	if (!d->scanning)
		return;
	if (!d->scan_more) {
		d->scanning = 0;
		d->migrate_next = now + d->cf.migrate_ms;
		return;
	}
	push_scan_issue(d, now);
}

/*
 * A key we are not among the `copies` closest known nodes to (the count
 * it was stored with) is pushed toward them (step 4a); one we are a
 * holder of is offered to our nearest neighbours (4b).  Every holder
 * checks, not only the closest: a dead closest node lingers in our
 * table for a while, and the HAVE probes are what find it out.
 */
static uint8_t
push_migrate_decide(struct dht *d, const uint8_t key[KAD_ID_LEN],
    uint8_t copies, uint64_t now)
{
	size_t	closer;

	if (routing_count(d->rt) == 0)
		return (0);
	closer = push_closer_count(d, key, copies, now);
	return (closer >= copies ? PUSH_FORWARD : PUSH_REPLICATE);
}

/* A batch of the store's keys: push each that is misplaced. */
void
push_scan_keys(struct dht *d, const uint8_t (*keys)[KAD_ID_LEN],
    const uint8_t *copies, size_t n, uint64_t now)
{
	struct storeop	*g;
	size_t		 i;
	uint8_t		 mode, c;

	d->scan_more = n == DHT_SCAN_BATCH;
	if (n > 0)
		memcpy(d->scan_after, keys[n - 1], KAD_ID_LEN);
	/* count first so that no push ends the batch early */
	d->mig_active++;
	for (i = 0; i < n; i++) {
		c = dht_copies(d, copies != NULL ? copies[i] : 0);
		if ((mode = push_migrate_decide(d, keys[i], c, now)) == 0)
			continue;
		if (d->npushes + d->mig_active >= d->cf.maxpushes / 2)
			break;	/* migration takes at most half; next scan */
		if ((g = dht_storeop_new(d, SO_MIGRATE, keys[i], now)) == NULL)
			break;
		g->mode = mode;
		g->copies = c;
		d->mig_active++;
		dht_store_request(d, DHT_STORE_GET, g->cookie, keys[i], NULL, 0,
		    0);
	}
	if (--d->mig_active == 0)
		push_scan_continue(d, now);
}

/* The value of a key a scan found misplaced: push it. */
void
push_migrate_done(struct dht *d, const struct storeop *o, int found,
    const uint8_t *data, size_t len, uint64_t now)
{
	struct push	*x = NULL;

	if (found && dht_value_ok(d, o->key, data, len))
		x = push_new(d, o->key, data, len, o->mode, o->copies);
	if (x == NULL) {
		if (--d->mig_active == 0)
			push_scan_continue(d, now);
		return;
	}
	x->migrate = 1;
	x->stored = 1;
	if (o->mode == PUSH_FORWARD)
		push_forward_next(d, x, now);
	else
		push_become_closest(d, x, now);
}

/* A scan the store answered with an error (or not at all) ends. */
void
push_scan_done(struct dht *d, const struct storeop *o, int found,
    const uint8_t *data, size_t len, uint64_t now)
{
	(void)o;
	(void)found;
	(void)data;
	(void)len;
	d->scan_more = 0;
	push_scan_continue(d, now);
}

/* A new close neighbour may now be closer to some of our keys. */
void
push_new_neighbour(struct dht *d, const uint8_t id[KAD_ID_LEN], uint64_t now)
{
	uint64_t	soon;

	if (d->cf.migrate_ms != 0 && !d->scanning &&
	    routing_bucket_of(d->rt, id) == routing_nbuckets(d->rt) - 1) {
		soon = now + DHT_MIGRATE_SOON;
		if (soon < d->migrate_next)
			d->migrate_next = soon;
	}
}

void
push_free_all(struct dht *d)
{
	struct push	*x;
	unsigned	 r;

	while ((x = RB_MIN(ptree, &d->pushes)) != NULL) {
		RB_REMOVE(ptree, &d->pushes, x);
		RB_REMOVE(pktree, &d->pushkeys, x);
		free(x);
	}
	d->npushes = 0;
	for (r = 0; r < PUSH_CONFIRM_ROUNDS; r++)
		TAILQ_INIT(&d->cwait[r]);
}
