/* SPDX-License-Identifier: ISC */
/*
 * dht_lookup: the iterative lookups that drive search.c (dht_local.h):
 * FIND_NODE for dht_lookup, bootstrap and bucket refresh, FIND_VALUE for
 * dht_get.  A chunk's lookup asks the closest known node first and
 * widens to alpha when it must; replies feed the candidate list, soft
 * and hard timeouts take candidates out, and the lookup ends when the k
 * closest live candidates have answered, or with the value.
 */
#include <sys/types.h>
#include <sys/socket.h>

#include <bsd/sys/tree.h>

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "krpc.h"
#include "ratelimit.h"
#include "routing.h"
#include "search.h"
#include "dht.h"
#include "dht_local.h"


static int
dsearch_cmp(struct dsearch *a, struct dsearch *b)
{
	return (a->sid < b->sid ? -1 : a->sid > b->sid);
}

RB_GENERATE_STATIC(stree, dsearch, entry, dsearch_cmp)

static void	search_step(struct dht *, struct dsearch *, uint64_t);

static int
send_find(struct dht *d, struct dsearch *ds, struct search_cand *c,
    uint64_t now)
{
	struct pending	*p;
	struct krpc_msg	 m;
	uint8_t		 type = search_type(ds->s);

	p = dht_rpc_new(d, type, P_SEARCH, c->id, c->pub, &c->addr, ds->sid, 0,
	    now);
	if (p == NULL)
		return (-1);
	krpc_init(&m, type, p->txid);
	memcpy(m.target, search_target(ds->s), KAD_ID_LEN);
	m.want = d->cf.families;
	return (dht_rpc_send(d, p, &m));
}

static void
search_finish(struct dht *d, struct dsearch *ds, const uint8_t *value,
    size_t vlen, unsigned vhops, uint64_t now)
{
	const struct search_cand *res[DHT_MAX_K];
	struct krpc_contact	 nodes[DHT_MAX_K];
	struct dht_event	 ev;
	size_t			 n, i;
	uint8_t			 purpose = ds->purpose;

	memset(&ev, 0, sizeof(ev));
	ev.cookie = ds->cookie;
	memcpy(ev.key, search_target(ds->s), KAD_ID_LEN);
	ev.msgs = search_msgs(ds->s);
	ev.hops = value != NULL ? vhops : search_hops(ds->s);
	ev.ms = now >= ds->started ? now - ds->started : 0;
	if (purpose == S_GET && value != NULL)
		d->st.get_ms[ev.ms < DHT_GET_MS_MAX ? ev.ms : DHT_GET_MS_MAX]++;
	n = search_results(ds->s, res, d->cf.k);
	for (i = 0; i < n; i++) {
		memcpy(nodes[i].id, res[i]->id, KAD_ID_LEN);
		memcpy(nodes[i].pub, res[i]->pub, KRPC_KEY_LEN);
		nodes[i].addr = res[i]->addr;
	}
	routing_touch(d->rt, ev.key, now);
	if (purpose == S_INTERNAL)
		d->nrefresh--;
	RB_REMOVE(stree, &d->searches, ds);
	d->nsearches--;
	search_free(ds->s);
	free(ds);

	if (purpose == S_LOOKUP) {
		ev.type = DHT_EV_LOOKUP;
		ev.status = n > 0 ? 0 : -1;
		ev.nodes = nodes;
		ev.nnodes = n;
		d->io.event(d->io.arg, &ev);
	} else if (purpose == S_GET) {
		ev.type = DHT_EV_GET;
		ev.status = value != NULL ? 0 : -1;
		ev.value = value;
		ev.vlen = value != NULL ? vlen : 0;
		d->io.event(d->io.arg, &ev);
	} else if (purpose == S_PUSH)
		push_lookup_done(d, (uint32_t)ev.cookie, nodes, n, now);
}

int
lookup_start(struct dht *d, const uint8_t target[KAD_ID_LEN], uint8_t type,
    uint8_t purpose, uint64_t cookie, uint64_t now)
{
	struct rt_entry	*seed[DHT_MAX_K * 2];
	struct dsearch	*ds;
	size_t		 n, i;
	unsigned	 cap = d->cf.k * 2;

	if (d->nsearches >= d->cf.maxsearches) {
		errno = EBUSY;
		return (-1);
	}
	if ((ds = calloc(1, sizeof(*ds))) == NULL)
		return (-1);
	/*
	 * A chunk's lookup asks only the closest known node first: it
	 * almost always holds the chunk (it is one of the replicas), and
	 * a file's chunks are fetched many at a time anyway, so asking
	 * alpha nodes would triple the datagrams, the store reads and the
	 * copies sent for nothing.  The lookup widens to alpha as soon as
	 * that node answers without the value, fails or is slow.
	 */
	ds->s = search_new(target, type, d->cf.k,
	    purpose == S_GET ? DHT_GET_ALPHA0 : d->cf.alpha, cap,
	    d->cf.hoplimit);
	if (ds->s == NULL) {
		free(ds);
		return (-1);
	}
	ds->sid = d->next_sid++;
	ds->purpose = purpose;
	ds->cookie = cookie;
	ds->started = now;
	n = routing_closest(d->rt, target, d->cf.families, 0, now, seed, cap);
	for (i = 0; i < n; i++)
		(void)search_add(ds->s, seed[i]->id, seed[i]->pub,
		    &seed[i]->addr, 1);
	RB_INSERT(stree, &d->searches, ds);
	d->nsearches++;
	d->st.searches++;
	if (purpose == S_INTERNAL)
		d->nrefresh++;
	search_step(d, ds, now);	/* may finish (and free) it */
	return (0);
}

static void
search_step(struct dht *d, struct dsearch *ds, uint64_t now)
{
	struct search_cand	*c;

	while ((c = search_next(ds->s)) != NULL) {
		if (send_find(d, ds, c, now) == -1) {
			search_unsend(ds->s, c);
			/* nothing out and nothing can go out: give up */
			if (search_pending(ds->s) == 0) {
				search_finish(d, ds, NULL, 0, 0, now);
				return;
			}
			break;
		}
	}
	if (search_done(ds->s))
		search_finish(d, ds, NULL, 0, 0, now);
}

static struct dsearch *
search_get(struct dht *d, uint32_t sid)
{
	struct dsearch	key;

	key.sid = sid;
	return (RB_FIND(stree, &d->searches, &key));
}

/* An answer to one of a lookup's requests (same: we check the id). */
static void
lookup_reply(struct dht *d, const struct pending *p, const struct krpc_msg *m,
    const struct krpc_addr *from, int same, uint64_t now)
{
	struct dsearch		*ds;
	struct search_cand	*c;
	struct krpc_contact	 ct;
	struct rt_entry		*e;
	unsigned		 hop;
	uint8_t			 i;

	(void)same;
	if ((ds = search_get(d, p->owner)) == NULL)
		return;		/* finished meanwhile */
	if ((c = search_find(ds->s, p->id)) == NULL)
		return;		/* dropped from the list meanwhile */
	if (m->type != KRPC_VALUE)
		search_widen(ds->s, d->cf.alpha);
	if (!kad_id_eq(m->id, p->id)) {
		search_widen(ds->s, d->cf.alpha);
		search_failed(ds->s, c);	/* someone else lives there */
		search_step(d, ds, now);
		return;
	}
	if (m->type == KRPC_VALUE) {
		if (ds->purpose == S_GET && dht_value_ok(d,
		    search_target(ds->s), m->value, m->vlen)) {
			hop = c->hop;
			search_replied(ds->s, c);
			search_finish(d, ds, m->value, m->vlen, hop, now);
			return;
		}
		/* a value that is not what we asked for: next candidate */
		search_widen(ds->s, d->cf.alpha);
		d->st.drop[DHT_DROP_BADVALUE]++;
		ratelimit_strike(d->rl, from, now);
		search_failed(ds->s, c);
		search_step(d, ds, now);
		return;
	}
	hop = c->hop + 1u;
	search_replied(ds->s, c);	/* c may move below */
	for (i = 0; i < m->ncontacts; i++) {
		/* a contact's ID is worked out from its key and the
		 * address it is listed at, never taken on anyone's word */
		ct = m->contacts[i];
		if (dht_node_id(d, ct.pub, &ct.addr, ct.id) == -1) {
			d->st.drop[DHT_DROP_PUZZLE]++;
			continue;
		}
		if (!dht_contact_ok(d, &ct)) {
			d->st.drop[DHT_DROP_BADCONTACT]++;
			continue;
		}
		/*
		 * After a mass loss the others go on listing the dead for
		 * as long as they have not asked them anything: each would
		 * cost every lookup a timeout.  One that has failed us
		 * RT_MAX_FAILS times in a row and sent nothing since is
		 * left out for DHT_DEAD_SKIP_MS after its last failure; a
		 * datagram from it (a restart) lets it in at once.  Then a
		 * lookup asks it again: a live node that timed out under
		 * load, and that nobody else would make us ask, answers and
		 * is good again.
		 */
		if ((e = routing_find(d->rt, ct.id)) != NULL &&
		    e->fails >= RT_MAX_FAILS && e->seen <= e->failed &&
		    now - e->failed < DHT_DEAD_SKIP_MS) {
			d->st.lookup_dead++;
			continue;
		}
		(void)search_add(ds->s, ct.id, ct.pub, &ct.addr, hop);
	}
	search_step(d, ds, now);
}

/* Past its soft timeout: let the lookup ask someone else meanwhile. */
static void
lookup_slow(struct dht *d, const struct pending *p, uint64_t now)
{
	struct dsearch		*ds;
	struct search_cand	*c;

	if ((ds = search_get(d, p->owner)) != NULL &&
	    (c = search_find(ds->s, p->id)) != NULL) {
		search_widen(ds->s, d->cf.alpha);
		search_slow(ds->s, c);
		search_step(d, ds, now);
	}
}

static void
lookup_failed(struct dht *d, const struct pending *p, uint64_t now)
{
	struct dsearch		*ds;
	struct search_cand	*c;

	if ((ds = search_get(d, p->owner)) == NULL)
		return;
	search_widen(ds->s, d->cf.alpha);
	if ((c = search_find(ds->s, p->id)) != NULL)
		search_failed(ds->s, c);
	search_step(d, ds, now);
}

/* Still waited for: the lookup goes on and still has the candidate. */
static int
lookup_wanted(struct dht *d, const struct pending *p)
{
	struct dsearch	*ds;

	return ((ds = search_get(d, p->owner)) != NULL &&
	    search_find(ds->s, p->id) != NULL);
}

const struct rpc_handler lookup_rpc = {
	lookup_reply, lookup_slow, lookup_failed, lookup_wanted
};

/* dht_get's local step answered: the value, or a lookup for it. */
void
lookup_get_done(struct dht *d, const struct storeop *o, int found,
    const uint8_t *data, size_t len, uint64_t now)
{
	struct dht_event	ev;

	if (found && dht_value_ok(d, o->key, data, len)) {
		memset(&ev, 0, sizeof(ev));
		ev.type = DHT_EV_GET;
		ev.cookie = o->ucookie;
		memcpy(ev.key, o->key, KAD_ID_LEN);
		ev.value = data;
		ev.vlen = len;
		ev.local = 1;
		d->io.event(d->io.arg, &ev);
		return;
	}
	if (lookup_start(d, o->key, KRPC_FIND_VALUE, S_GET, o->ucookie,
	    now) == -1) {
		memset(&ev, 0, sizeof(ev));
		ev.type = DHT_EV_GET;
		ev.status = -1;
		ev.cookie = o->ucookie;
		memcpy(ev.key, o->key, KAD_ID_LEN);
		d->io.event(d->io.arg, &ev);
	}
}

/* A push asks where its key's closest nodes are (d->push_lookup). */
int
lookup_push(struct dht *d, const uint8_t key[KAD_ID_LEN], uint32_t pid,
    uint64_t now)
{
	return (lookup_start(d, key, KRPC_FIND_NODE, S_PUSH, pid, now));
}

void
lookup_free_all(struct dht *d)
{
	struct dsearch	*ds;

	while ((ds = RB_MIN(stree, &d->searches)) != NULL) {
		RB_REMOVE(stree, &d->searches, ds);
		search_free(ds->s);
		free(ds);
	}
}

size_t
lookup_mem(struct dht *d)
{
	struct dsearch	*ds;
	size_t		 n = 0;

	RB_FOREACH(ds, stree, &d->searches)
		n += sizeof(*ds) + search_mem(ds->s);
	return (n);
}
