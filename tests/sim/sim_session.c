/* SPDX-License-Identifier: ISC */
/*
 * sim_session: a model of kadnet's session layer (kadnet/session.c), so
 * that the core sees what it sees in the daemon: which peer sent a
 * message, whether its address has proved itself, and when a handshake
 * completed.  No cryptography runs; each node keeps, per peer it has
 * talked to, only the state of the handshake between them:
 *
 *	PENDING	we sent an INIT (it carries the first message)
 *	UNCONF	we answered an INIT: the peer has not proved its address
 *	UP	keys both ways, the address proved
 *
 * A message goes out as an INIT when there is no session (or, as in the
 * daemon, after 5 s of sending with nothing heard back), as a RESP
 * followed by DATA to a peer whose INIT we answered, and as DATA
 * otherwise.  Messages sent while our INIT waits, and STOREs (which
 * wait for a proved session), are queued: they arrive a round trip
 * later, after the handshake.  A request inside an INIT reaches the
 * core unvalidated; a completed handshake calls dht_peer_up.  DATA for
 * a session the receiver does not have (it restarted) is lost, as in
 * the daemon, until the sender's stale timer starts a new handshake.
 * Keys 10 minutes old are replaced by a new handshake when next used,
 * and 15 minutes old no longer open anything.  A table holds 4,096
 * peers at most: a newcomer evicts one of them (sess_evict).
 * The bytes on the wire are the session layer's: INIT 150 bytes and the
 * message, padded to the reply it may draw, RESP 92, DATA 32 more than
 * the message, and a key request (64 + 44) before an INIT to a bare
 * address.  Each node's table is an open-addressed hash of peer index
 * and state; it lives in the node's partition and only its thread
 * touches it.
 */
#include <sys/types.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "kadnet/session.h"
#include "tests/sim/sim.h"
#include "tests/sim/sim_local.h"

#define SESS_ST_SHIFT	30
#define SESS_PEER_MASK	((1U << SESS_ST_SHIFT) - 1)
#define SIM_STALE_MS	5000		/* session.c's stale_ms default */
#define SIM_MAX_PEERS	4096		/* session.c's peer cap */
#define SIM_REKEY_MS	(10 * 60 * 1000)	/* rekey_ms default */
#define SIM_REJECT_MS	(15 * 60 * 1000)	/* reject_ms: keys gone */

static uint32_t
slot_of(uint32_t peer, uint32_t cap)
{
	return ((peer * 0x9e3779b1U) & (cap - 1));
}

static struct sim_sess *
sess_find(struct sim_node *n, uint32_t peer)
{
	uint32_t	 i;

	if (n->capsess == 0)
		return (NULL);
	for (i = slot_of(peer, n->capsess);; i = (i + 1) & (n->capsess - 1)) {
		if (n->sess[i].peer == 0)
			return (NULL);
		if ((n->sess[i].peer & SESS_PEER_MASK) == peer + 1)
			return (&n->sess[i]);
	}
}

static void
sess_grow(struct sim_node *n)
{
	struct sim_sess	*old = n->sess;
	uint32_t	 oldcap = n->capsess, i, j;

	n->capsess = oldcap ? oldcap * 2 : 16;
	if ((n->sess = calloc(n->capsess, sizeof(*n->sess))) == NULL)
		abort();
	for (i = 0; i < oldcap; i++) {
		if (old[i].peer == 0)
			continue;
		j = slot_of((old[i].peer & SESS_PEER_MASK) - 1, n->capsess);
		while (n->sess[j].peer != 0)
			j = (j + 1) & (n->capsess - 1);
		n->sess[j] = old[i];
	}
	free(old);
}

/* Empty slot i, shifting back what probed past it (linear probing). */
static void
sess_del(struct sim_node *n, uint32_t i)
{
	uint32_t	mask = n->capsess - 1, j = i, home;

	for (;;) {
		j = (j + 1) & mask;
		if (n->sess[j].peer == 0)
			break;
		home = slot_of((n->sess[j].peer & SESS_PEER_MASK) - 1,
		    n->capsess);
		/* it stays if its home lies after the hole, up to j */
		if (i <= j ? (i < home && home <= j) : (i < home || home <= j))
			continue;
		n->sess[i] = n->sess[j];
		i = j;
	}
	memset(&n->sess[i], 0, sizeof(n->sess[i]));
	n->nsess--;
}

/*
 * A full table: session.c lets go of one of its 8 least recently used
 * peers, one that never proved its address if there is one.  The model
 * keeps no LRU order: it takes the least recently used of 32 peers (the
 * occupied slots from one that follows from the newcomer), an unproved
 * one first, which is close to it.
 */
#define SIM_EVICT_SAMPLE	32
static void
sess_evict(struct sim_node *n, uint32_t newcomer)
{
	uint32_t	mask = n->capsess - 1, i, seen = 0, best = UINT32_MAX;
	int		bup = 1, up;

	for (i = slot_of(newcomer * 7 + 3, n->capsess);
	    seen < SIM_EVICT_SAMPLE; i = (i + 1) & mask) {
		if (n->sess[i].peer == 0)
			continue;
		seen++;
		up = (n->sess[i].peer >> SESS_ST_SHIFT) == SIM_SESS_UP;
		if (best == UINT32_MAX || (bup && !up) || (up == bup &&
		    n->sess[i].used - n->sess[best].used >= (1U << 31))) {
			best = i;
			bup = up;
		}
	}
	sess_del(n, best);
}

static struct sim_sess *
sess_add(struct part *p, struct sim_node *n, uint32_t peer)
{
	struct sim_sess	*s;
	uint32_t	 i;

	if ((s = sess_find(n, peer)) != NULL)
		return (s);
	if (n->nsess >= SIM_MAX_PEERS) {
		sess_evict(n, peer);
		p->st.sess_evicted++;
	}
	if ((n->nsess + 1) * 2 > n->capsess)
		sess_grow(n);
	i = slot_of(peer, n->capsess);
	while (n->sess[i].peer != 0)
		i = (i + 1) & (n->capsess - 1);
	n->sess[i].peer = peer + 1;
	n->sess[i].tx_since = 0;
	n->sess[i].used = (uint32_t)(p->now / 1000);
	n->nsess++;
	return (&n->sess[i]);
}

static unsigned
sess_state(const struct sim_sess *s)
{
	return (s->peer >> SESS_ST_SHIFT);
}

static void
sess_set(struct sim_sess *s, unsigned st)
{
	s->peer = (s->peer & SESS_PEER_MASK) | (uint32_t)st << SESS_ST_SHIFT;
}

void
sim_sess_clear(struct sim_node *n)
{
	free(n->sess);
	n->sess = NULL;
	n->nsess = n->capsess = 0;
}

/*
 * Node n sends a message of len bytes (a request drawing at most
 * reply_room, or a STORE when must_prove) to node dst; keyed: the core
 * named the peer's key (not a bare bootstrap address).  Returns how the
 * message travels; *wire gets the bytes on the wire, *extra_us the time
 * the handshake adds before it arrives.
 */
int
sim_sess_send(struct part *p, struct sim_node *n, uint32_t dst, int keyed,
    size_t len, size_t reply_room, int must_prove, size_t *wire,
    uint64_t *extra_us, uint64_t oneway_us)
{
	struct sim_sess	*s;
	uint32_t	 ms = (uint32_t)(p->now / 1000) | 1;
	size_t		 init;
	int		 kind;

	*extra_us = 0;
	s = sess_find(n, dst);
	if (s != NULL && sess_state(s) != SIM_SESS_NONE &&
	    ((sess_state(s) == SIM_SESS_UP && s->tx_since != 0 &&
	    ms - s->tx_since >= SIM_STALE_MS) ||
	    ms - s->born >= SIM_REKEY_MS)) {
		/* nothing heard for a while, or old keys: start over */
		sess_set(s, SIM_SESS_NONE);
		s->tx_since = 0;
	}
	if (s == NULL || sess_state(s) == SIM_SESS_NONE) {
		s = sess_add(p, n, dst);
		sess_set(s, SIM_SESS_PENDING);
		s->born = ms;
		p->st.handshakes++;
		init = SESS_INIT_MIN + len;
		if (init < SESS_RESP_LEN + SESS_DATA_OVERHEAD + reply_room)
			init = SESS_RESP_LEN + SESS_DATA_OVERHEAD + reply_room;
		if (init > SESS_MAX_DGRAM)
			init = SESS_MAX_DGRAM;
		*wire = init;
		if (!keyed) {
			*wire += SESS_KEYREQ_LEN + SESS_KEYRES_LEN;
			*extra_us = 2 * oneway_us;
		}
		if (must_prove) {
			/* an empty INIT, its RESP, then the STORE as DATA */
			*wire = SESS_INIT_MIN + SESS_RESP_LEN +
			    SESS_DATA_OVERHEAD + len;
			*extra_us += 2 * oneway_us;
			kind = SIM_KIND_QUEUED;
		} else
			kind = SIM_KIND_INIT;
	} else if (sess_state(s) == SIM_SESS_PENDING) {
		*wire = SESS_DATA_OVERHEAD + len;
		*extra_us = 2 * oneway_us;	/* waits for the RESP */
		kind = SIM_KIND_QUEUED;
	} else if (sess_state(s) == SIM_SESS_UNCONF) {
		*wire = SESS_RESP_LEN + SESS_DATA_OVERHEAD + len;
		kind = SIM_KIND_RESP;
	} else {
		*wire = SESS_DATA_OVERHEAD + len;
		kind = SIM_KIND_DATA;
	}
	if (s->tx_since == 0)
		s->tx_since = ms;
	s->used = ms;
	return (kind);
}

/*
 * Node n receives a message that travelled as kind from node from.
 * Returns -1 if the session layer drops it, else whether it is
 * validated; *up is set when a handshake completed with it.
 */
int
sim_sess_recv(struct part *p, struct sim_node *n, uint32_t from, int kind,
    int *up)
{
	struct sim_sess	*s;
	uint32_t	 ms = (uint32_t)(p->now / 1000) | 1;

	*up = 0;
	if (kind == SIM_KIND_INIT) {
		s = sess_add(p, n, from);
		sess_set(s, SIM_SESS_UNCONF);
		s->tx_since = 0;
		s->born = ms;
		return (0);
	}
	if ((s = sess_find(n, from)) == NULL ||
	    sess_state(s) == SIM_SESS_NONE ||
	    (kind != SIM_KIND_QUEUED && ms - s->born >= SIM_REJECT_MS)) {
		if (kind != SIM_KIND_QUEUED) {
			p->st.sess_drops++;	/* no keys for it */
			return (-1);
		}
		/* its empty INIT came first and made a session */
		s = sess_add(p, n, from);
		sess_set(s, SIM_SESS_UNCONF);
		s->born = ms;
	}
	s->tx_since = 0;
	s->used = ms;
	/* a RESP for our INIT, or the peer's DATA proving its address */
	if (sess_state(s) != SIM_SESS_UP) {
		sess_set(s, SIM_SESS_UP);
		*up = 1;
	}
	return (1);
}

size_t
sim_sess_count(int i)
{
	return (sim_node(i)->nsess);
}
