/*
 * dht_xfer: moving chunks between nodes (seed steps 3 to 5).  A PUT is
 * forwarded, HAVE first and STORE second, to ever closer nodes until one
 * knows nobody closer; that node keeps the chunk and replicates it to
 * its nearest neighbours.  Migration scans the local store and pushes
 * far keys toward their nodes or re-replicates near ones.  Part of the
 * pure state machine of dht.c (see dht.h).
 */
#include <sys/types.h>
#include <sys/socket.h>

#include <bsd/sys/tree.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "krpc.h"
#include "ratelimit.h"
#include "routing.h"
#include "search.h"
#include "dht.h"
#include "dht_local.h"

static void	xfer_finish(struct dht *, struct xfer *, int, uint64_t);

static int
xfer_cmp(struct xfer *a, struct xfer *b)
{
	return (a->xid < b->xid ? -1 : a->xid > b->xid);
}

RB_GENERATE_STATIC(xtree, xfer, entry, xfer_cmp)

static int
send_have(struct dht *d, struct xfer *x, uint16_t idx, uint64_t now)
{
	struct pending	*p;
	struct krpc_msg	 m;

	p = dht_rpc_new(d, KRPC_HAVE, P_XFER_HAVE, x->t[idx].id,
	    &x->t[idx].addr, x->xid, idx, now);
	if (p == NULL)
		return (-1);
	krpc_init(&m, KRPC_HAVE, p->txid, d->cf.id);
	memcpy(m.target, x->key, KAD_ID_LEN);
	return (dht_rpc_send(d, p, &m));
}

static int
send_store(struct dht *d, struct xfer *x, uint16_t idx,
    const uint8_t token[KRPC_TOKEN_LEN], uint64_t now)
{
	struct pending	*p;
	struct krpc_msg	 m;

	p = dht_rpc_new(d, KRPC_STORE, P_XFER_STORE, x->t[idx].id,
	    &x->t[idx].addr, x->xid, idx, now);
	if (p == NULL)
		return (-1);
	krpc_init(&m, KRPC_STORE, p->txid, d->cf.id);
	memcpy(m.token, token, KRPC_TOKEN_LEN);
	memcpy(m.target, x->key, KAD_ID_LEN);
	if (x->mode == XF_FORWARD) {
		m.flags = KRPC_STORE_FORWARD;
		m.hops = x->hops + 1;
	}
	m.value = x->data;
	m.vlen = x->len;
	return (dht_rpc_send(d, p, &m));
}

/* ---- chunk transfers (PUT, forwarding, replication, migration) ---- */

struct xfer *
xfer_new(struct dht *d, const uint8_t key[KAD_ID_LEN], const uint8_t *data,
    size_t len, uint8_t mode, uint8_t hops)
{
	struct xfer	*x;

	if (d->nxfers >= d->cf.maxxfers || len == 0 ||
	    len > KRPC_MAX_VALUE) {
		d->st.drop[DHT_DROP_BUSY]++;
		return (NULL);
	}
	if ((x = calloc(1, sizeof(*x))) == NULL)
		return (NULL);
	x->xid = d->next_xid++;
	memcpy(x->key, key, KAD_ID_LEN);
	x->mode = mode;
	x->hops = hops;
	x->len = (uint16_t)len;
	memcpy(x->data, data, len);
	RB_INSERT(xtree, &d->xfers, x);
	d->nxfers++;
	d->st.xfers++;
	return (x);
}

static int
xfer_tried(const struct xfer *x, const uint8_t id[KAD_ID_LEN])
{
	uint8_t	i;

	for (i = 0; i < x->ntried; i++)
		if (memcmp(x->tried[i], id, KAD_ID_LEN) == 0)
			return (1);
	return (0);
}

/* Ask the next spare replica target; 1 if one is now open. */
static int
xfer_spare(struct dht *d, struct xfer *x, uint64_t now)
{
	uint16_t	i;

	for (i = 0; i < x->ntargets; i++) {
		if (x->t[i].state != XT_SPARE)
			continue;
		x->t[i].state = XT_HAVE;
		if (send_have(d, x, i, now) == 0) {
			x->nopen++;
			return (1);
		}
		x->t[i].state = XT_FAILED;
	}
	return (0);
}

/*
 * We are the closest node we know: keep the chunk and make sure our
 * replicas-1 nearest neighbours have it.  A neighbour that does not
 * answer is replaced by the next one, so a dead node still in our table
 * does not cost a copy.
 */
void
xfer_become_closest(struct dht *d, struct xfer *x, uint64_t now)
{
	struct rt_entry	*out[DHT_MAX_REPLICAS];
	size_t		 n, i, want;

	if (!x->stored) {
		dht_store_request(d, DHT_STORE_PUT, 0, x->key, x->data,
		    x->len, 0);
		x->stored = 1;
		d->st.stores_accepted++;
	}
	x->mode = XF_REPLICATE;
	x->ntargets = x->nopen = x->nok = 0;
	want = d->cf.replicas - 1 + XF_SPARES;
	if (want > DHT_MAX_REPLICAS)
		want = DHT_MAX_REPLICAS;
	n = routing_closest(d->rt, x->key, d->cf.families, 0, now, out, want);
	for (i = 0; i < n; i++) {
		memcpy(x->t[i].id, out[i]->id, KAD_ID_LEN);
		x->t[i].addr = out[i]->addr;
		x->t[i].state = XT_SPARE;
		x->ntargets++;
	}
	for (i = 0; i + 1 < d->cf.replicas; i++)
		if (!xfer_spare(d, x, now))
			break;
	if (x->nopen == 0)
		xfer_finish(d, x, 0, now);
}

/* Send the chunk one step closer to its key, or keep it here. */
void
xfer_forward_next(struct dht *d, struct xfer *x, uint64_t now)
{
	struct rt_entry	*out[XF_MAXTRY + 1];
	size_t		 n, i;

	if (x->hops < d->cf.hoplimit && x->ntried < XF_MAXTRY) {
		n = routing_closest(d->rt, x->key, d->cf.families, 0, now, out,
		    XF_MAXTRY + 1);
		for (i = 0; i < n; i++) {
			if (kad_id_cmpdist(out[i]->id, d->cf.id, x->key) >= 0)
				break;	/* not closer than us */
			if (xfer_tried(x, out[i]->id))
				continue;
			memcpy(x->tried[x->ntried++], out[i]->id, KAD_ID_LEN);
			memcpy(x->t[0].id, out[i]->id, KAD_ID_LEN);
			x->t[0].addr = out[i]->addr;
			x->t[0].state = XT_HAVE;
			x->ntargets = 1;
			if (send_have(d, x, 0, now) == 0)
				return;
			break;
		}
	}
	xfer_become_closest(d, x, now);
}

static void
xfer_finish(struct dht *d, struct xfer *x, int status, uint64_t now)
{
	struct dht_event	ev;
	int			origin = x->origin, migrate = x->migrate;

	memset(&ev, 0, sizeof(ev));
	ev.type = DHT_EV_PUT;
	ev.status = status;
	ev.cookie = x->cookie;
	memcpy(ev.key, x->key, KAD_ID_LEN);
	ev.hops = x->hops;
	ev.nnodes = x->nok;
	RB_REMOVE(xtree, &d->xfers, x);
	d->nxfers--;
	free(x);
	if (origin)
		d->io.event(d->io.arg, &ev);
	if (migrate && --d->mig_active == 0)
		xfer_scan_continue(d, now);
}

static void
xfer_replica_done(struct dht *d, struct xfer *x, uint16_t idx, int ok,
    uint64_t now)
{
	x->t[idx].state = ok ? XT_DONE : XT_FAILED;
	x->nopen--;
	if (ok)
		x->nok++;
	else
		(void)xfer_spare(d, x, now);
	if (x->nopen == 0)
		xfer_finish(d, x, 0, now);
}

void
xfer_have_reply(struct dht *d, struct xfer *x, uint16_t idx,
    const struct krpc_msg *m, uint64_t now)
{
	if (x->t[idx].state != XT_HAVE)
		return;
	if (m->have) {
		if (x->mode == XF_FORWARD) {
			/* a closer node has it already: done (3c-i) */
			x->nok = 1;
			xfer_finish(d, x, 0, now);
		} else
			xfer_replica_done(d, x, idx, 1, now);
		return;
	}
	x->t[idx].state = XT_STORE;
	if (send_store(d, x, idx, m->token, now) == 0)
		return;
	if (x->mode == XF_FORWARD) {
		x->t[idx].state = XT_FAILED;
		xfer_forward_next(d, x, now);
	} else
		xfer_replica_done(d, x, idx, 0, now);
}

void
xfer_store_reply(struct dht *d, struct xfer *x, uint16_t idx,
    uint8_t status, uint64_t now)
{
	int	ok = status == KRPC_ST_OK || status == KRPC_ST_HAVE;

	if (x->t[idx].state != XT_STORE)
		return;
	if (x->mode == XF_FORWARD) {
		if (ok) {
			x->nok = 1;
			xfer_finish(d, x, 0, now);
		} else {
			x->t[idx].state = XT_FAILED;
			xfer_forward_next(d, x, now);
		}
	} else
		xfer_replica_done(d, x, idx, ok, now);
}

void
xfer_target_failed(struct dht *d, struct xfer *x, uint16_t idx, uint64_t now)
{
	if (x->t[idx].state != XT_HAVE && x->t[idx].state != XT_STORE)
		return;
	if (x->mode == XF_FORWARD) {
		x->t[idx].state = XT_FAILED;
		xfer_forward_next(d, x, now);
	} else
		xfer_replica_done(d, x, idx, 0, now);
}

struct xfer *
xfer_get(struct dht *d, uint32_t xid)
{
	struct xfer	key;

	key.xid = xid;
	return (RB_FIND(xtree, &d->xfers, &key));
}

/* ---- migration (seed steps 4 and 5) ---- */

void
xfer_scan_issue(struct dht *d, uint64_t now)
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

void
xfer_scan_continue(struct dht *d, uint64_t now)
{
	if (!d->scanning)
		return;
	if (!d->scan_more) {
		d->scanning = 0;
		d->migrate_next = now + d->cf.migrate_ms;
		return;
	}
	xfer_scan_issue(d, now);
}

/*
 * A key we are not among the `replicas` closest known nodes to is pushed
 * toward them (step 4a); one we are a replica holder of is offered to
 * our nearest neighbours (4b).  Every holder checks, not only the
 * closest: a dead closest node lingers in our table for a while, and the
 * HAVE probes are what find it out.
 */
uint8_t
xfer_migrate_decide(struct dht *d, const uint8_t key[KAD_ID_LEN], uint64_t now)
{
	size_t	closer;

	if (routing_count(d->rt) == 0)
		return (0);
	closer = dht_closer_count(d, key, d->cf.replicas, now);
	return (closer >= d->cf.replicas ? XF_FORWARD : XF_REPLICATE);
}

void
xfer_free_all(struct dht *d)
{
	struct xfer	*x;

	while ((x = RB_MIN(xtree, &d->xfers)) != NULL) {
		RB_REMOVE(xtree, &d->xfers, x);
		free(x);
	}
	d->nxfers = 0;
}
