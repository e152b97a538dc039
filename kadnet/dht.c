/* SPDX-License-Identifier: ISC */
/*
 * dht: kadnet's protocol state machine (see dht.h): its timers, its API
 * and its life cycle, at the top of the files listed in dht_local.h.
 * Pure: no syscalls, no globals; SHA-256 comes from libcrypto with the
 * digest fetched once per dht.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <bsd/sys/tree.h>

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "krpc.h"
#include "node_id.h"
#include "ratelimit.h"
#include "routing.h"
#include "search.h"
#include "dht.h"
#include "dht_local.h"

const char *const dht_dropnames[DHT_DROP_MAX] = {
	[DHT_DROP_BADADDR] = "bad address",
	[DHT_DROP_MARTIAN] = "martian",
	[DHT_DROP_BANNED] = "banned",
	[DHT_DROP_MALFORMED] = "malformed",
	[DHT_DROP_SELFID] = "own key",
	[DHT_DROP_RATELIMIT] = "rate limited",
	[DHT_DROP_GLOBALLIMIT] = "global rate limited",
	[DHT_DROP_UNSOLICITED] = "unsolicited reply",
	[DHT_DROP_WRONGSRC] = "reply from wrong peer",
	[DHT_DROP_WRONGTYPE] = "wrong reply type",
	[DHT_DROP_BADCONTACT] = "bad contact",
	[DHT_DROP_UNPROVED] = "address not proved",
	[DHT_DROP_BADVALUE] = "bad value",
	[DHT_DROP_BUSY] = "busy",
	[DHT_DROP_SCOPE] = "private address",
	[DHT_DROP_PUZZLE] = "key puzzle",
};

/* ---- bootstrap ---- */

/*
 * A bootstrap node answered (over keys its address proved, from the
 * address we pinged: handle_reply checked): tell the application, and
 * look up our own id to join.
 */
static void
boot_replied(struct dht *d, const struct pending *p, const struct krpc_msg *m,
    const struct krpc_addr *from, int same, uint64_t now)
{
	struct dht_event	 ev;

	(void)p;
	(void)same;
	memset(&ev, 0, sizeof(ev));
	ev.type = DHT_EV_PING;
	memcpy(ev.key, m->id, KAD_ID_LEN);
	ev.addr = *from;
	d->io.event(d->io.arg, &ev);
	if (!d->booted) {
		d->booted = 1;
		(void)lookup_start(d, d->id, KRPC_FIND_NODE, S_INTERNAL, 0,
		    now);
	}
}

/*
 * Until one of our requests is answered, and again after five quiet
 * minutes, the bootstrap addresses are pinged again: the first ping or
 * its answer may have been lost, the bootstrap node may not have been
 * up yet, or we may have been cut off.  Only an answer to our own
 * request counts: anyone can forge a request from a made-up contact.
 * Each round waits for the last one's pings to have given up, then 2 s,
 * 4 s, ... up to a minute more.
 */
static int
boot_wanted(const struct dht *d, uint64_t now)
{
	return (d->nboot > 0 && (d->last_reply == 0 ||
	    now - d->last_reply >= DHT_BOOT_QUIET));
}

static uint64_t
boot_round(const struct dht *d)
{
	return (dht_rpc_lifetime(d, routing_rto(&d->grtt, d->cf.rto_default,
	    d->cf.rto_min, d->cf.rto_max)));
}

static void
boot_retry(struct dht *d, uint64_t now)
{
	unsigned	i;

	if (!boot_wanted(d, now)) {
		d->boot_wait = DHT_BOOT_WAIT_MIN;
		return;
	}
	if (now < d->boot_next)
		return;
	for (i = 0; i < d->nboot; i++)
		(void)dht_send_ping(d, NULL, NULL, &d->boot[i], P_PING_BOOT,
		    now);
	d->boot_next = now + boot_round(d) + d->boot_wait;
	d->boot_wait = d->boot_wait >= DHT_BOOT_WAIT_MAX / 2 ?
	    DHT_BOOT_WAIT_MAX : d->boot_wait * 2;
}

static void
boot_remember(struct dht *d, const struct krpc_addr *a, uint64_t now)
{
	unsigned	i;

	for (i = 0; i < d->nboot; i++)
		if (krpc_addr_eq(&d->boot[i], a))
			break;
	if (i == d->nboot) {
		if (d->nboot < DHT_MAX_BOOT)
			d->nboot++;
		else
			memmove(&d->boot[0], &d->boot[1],
			    (DHT_MAX_BOOT - 1) * sizeof(d->boot[0]));
		d->boot[d->nboot - 1] = *a;
	}
	d->boot_wait = DHT_BOOT_WAIT_MIN;
	d->boot_next = now + boot_round(d) + d->boot_wait;
}

/*
 * What each purpose of a request in flight, and each kind of store
 * request, hands its outcome to (dht_local.h).
 */
static const struct rpc_handler boot_rpc = { boot_replied, NULL, NULL, NULL };
static const struct rpc_handler routing_rpc = { NULL, NULL, NULL, NULL };

static const struct rpc_handler *const rpc_handlers[P_MAX] = {
	[0] = &routing_rpc,
	[P_PING_BOOT] = &boot_rpc,
	[P_PING_LIVE] = &routing_rpc,	/* routing_failed decides */
	[P_SEARCH] = &lookup_rpc,
	[P_PUSH_HAVE] = &push_rpc,
	[P_PUSH_STORE] = &push_rpc,
};

static const storeop_handler so_handlers[SO_MAX] = {
	[SO_SERVE_FV] = serve_fv_done,
	[SO_SERVE_HAVE] = serve_have_done,
	[SO_GET] = lookup_get_done,
	[SO_MIGRATE] = push_migrate_done,
	[SO_SCAN] = push_scan_done,
	[SO_SERVE_STORE] = serve_store_done,
};

/* ---- timers ---- */

int
dht_timer(struct dht *d, uint64_t now)
{
	uint8_t		 rnd[KAD_ID_LEN], target[KAD_ID_LEN];

	ENTER(d);
	dht_rpc_expire(d, now);
	boot_retry(d, now);
	while (routing_count(d->rt) > 0 && d->nrefresh < DHT_MAX_REFRESH &&
	    d->nsearches < d->cf.maxsearches) {
		d->io.random(d->io.arg, rnd, sizeof(rnd));
		if (!routing_refresh(d->rt, now, d->cf.refresh_ms, rnd, target))
			break;
		if (lookup_start(d, target, KRPC_FIND_NODE, S_INTERNAL, 0,
		    now) == -1)
			break;
	}
	if (d->cf.migrate_ms != 0 && !d->scanning && now >= d->migrate_next) {
		memset(d->scan_after, 0, KAD_ID_LEN);
		d->scan_more = 1;
		push_scan_issue(d, now);
	}
	dht_storeop_expire(d, now);
	push_confirm_timer(d, now);
	LEAVE(d);
	return (0);
}

uint64_t
dht_next_timer(struct dht *d)
{
	uint64_t	 t = dht_rpc_next_deadline(d), r;

	if (d->cf.migrate_ms != 0 && !d->scanning && d->migrate_next < t)
		t = d->migrate_next;
	if (routing_count(d->rt) > 0 && d->nrefresh < DHT_MAX_REFRESH &&
	    d->nsearches < d->cf.maxsearches) {
		r = routing_next_refresh(d->rt, d->cf.refresh_ms);
		if (r < t)
			t = r;
	}
	if ((r = dht_storeop_next_deadline(d)) < t)
		t = r;
	if ((r = push_confirm_next(d)) < t)
		t = r;
	if (d->nboot > 0) {
		r = d->boot_next;
		if (d->last_reply != 0 && d->last_reply + DHT_BOOT_QUIET > r)
			r = d->last_reply + DHT_BOOT_QUIET;
		if (r < t)
			t = r;
	}
	return (t);
}

/* ---- the application's calls ---- */

int
dht_ping(struct dht *d, const struct sockaddr *sa, socklen_t salen,
    uint64_t now)
{
	struct krpc_addr	a;
	int			r;

	ENTER(d);
	if (krpc_addr_from_sa(sa, salen, &a) == -1 || dht_martian(d, &a)) {
		LEAVE(d);
		errno = EINVAL;
		return (-1);
	}
	boot_remember(d, &a, now);
	r = dht_send_ping(d, NULL, NULL, &a, P_PING_BOOT, now);
	LEAVE(d);
	if (r == -1)
		errno = EBUSY;
	return (r);
}

int
dht_lookup(struct dht *d, const uint8_t target[KAD_ID_LEN], uint64_t cookie,
    uint64_t now)
{
	int	r;

	ENTER(d);
	r = lookup_start(d, target, KRPC_FIND_NODE, S_LOOKUP, cookie, now);
	LEAVE(d);
	return (r);
}

int
dht_get(struct dht *d, const uint8_t key[KAD_ID_LEN], uint64_t cookie,
    uint64_t now)
{
	struct storeop	*o;
	int		 r = 0;

	ENTER(d);
	if ((o = dht_storeop_new(d, SO_GET, key, now)) == NULL)
		r = lookup_start(d, key, KRPC_FIND_VALUE, S_GET, cookie, now);
	else {
		o->ucookie = cookie;
		dht_store_request(d, DHT_STORE_GET, o->cookie, key, NULL, 0, 0);
	}
	LEAVE(d);
	return (r);
}

/* dht_get for a key the caller's store has just been found to lack. */
int
dht_fetch(struct dht *d, const uint8_t key[KAD_ID_LEN], uint64_t cookie,
    uint64_t now)
{
	int	 r;

	ENTER(d);
	r = lookup_start(d, key, KRPC_FIND_VALUE, S_GET, cookie, now);
	LEAVE(d);
	return (r);
}

int
dht_put(struct dht *d, const uint8_t key[KAD_ID_LEN], const void *data,
    size_t len, unsigned copies, uint64_t cookie, uint64_t now)
{
	struct push	*x;

	ENTER(d);
	if (len == 0 || len > KRPC_MAX_VALUE ||
	    !dht_value_ok(d, key, data, len)) {
		LEAVE(d);
		errno = EINVAL;
		return (-1);
	}
	if ((x = push_new(d, key, data, len, PUSH_FORWARD,
	    dht_copies(d, copies))) == NULL) {
		LEAVE(d);
		errno = EBUSY;
		return (-1);
	}
	x->origin = 1;
	x->cookie = cookie;
	push_forward_next(d, x, now);
	LEAVE(d);
	return (0);
}

int
dht_store_reply(struct dht *d, uint64_t cookie, int status,
    const void *data, size_t len, uint64_t now)
{
	struct storeop	*o;

	ENTER(d);
	if ((o = dht_storeop_find(d, cookie)) == NULL) {
		LEAVE(d);
		errno = ENOENT;
		return (-1);
	}
	/* HAVE answers carry no data; the others are checked by value_ok */
	if (status != DHT_STORE_FOUND && status != DHT_STORE_NOTFOUND)
		status = DHT_STORE_ERROR;
	if (status != DHT_STORE_FOUND || len > KRPC_MAX_VALUE ||
	    (data == NULL && len != 0)) {
		if (status == DHT_STORE_FOUND)
			status = DHT_STORE_ERROR;
		data = NULL;
		len = 0;
	}
	dht_storeop_done(d, o, status, data, len, now);
	LEAVE(d);
	return (0);
}

int
dht_store_scan_reply(struct dht *d, uint64_t cookie,
    const uint8_t (*keys)[KAD_ID_LEN], const uint8_t *copies, size_t n,
    uint64_t now)
{
	struct storeop	*o;

	ENTER(d);
	if ((o = dht_storeop_find(d, cookie)) == NULL ||
	    o->kind != SO_SCAN || n > DHT_SCAN_BATCH ||
	    (n > 0 && keys == NULL)) {
		LEAVE(d);
		errno = o == NULL ? ENOENT : EINVAL;
		return (-1);
	}
	dht_storeop_free(d, o);
	push_scan_keys(d, keys, copies, n, now);
	LEAVE(d);
	return (0);
}

ssize_t
dht_save(struct dht *d, void *buf, size_t len)
{
	return (routing_save(d->rt, buf, len));
}

size_t
dht_save_size(struct dht *d)
{
	return (routing_save_size(d->rt));
}

int
dht_load(struct dht *d, const void *buf, size_t len, uint64_t now)
{
	int	n;

	ENTER(d);
	n = routing_load(d->rt, buf, len, d->cf.pub, d->cf.puzzle_bits, now,
	    &d->st.drop[DHT_DROP_PUZZLE]);
	/* rejoin: a lookup of our own id confirms the loaded contacts */
	if (n > 0) {
		d->booted = 1;
		(void)lookup_start(d, d->id, KRPC_FIND_NODE, S_INTERNAL, 0,
		    now);
	}
	LEAVE(d);
	return (n);
}

const struct dht_stats *
dht_stats(struct dht *d)
{
	return (&d->st);
}

unsigned
dht_get_ms_pct(const struct dht_stats *st, unsigned pct)
{
	uint64_t	 n = 0, want, seen = 0;
	unsigned	 i;

	for (i = 0; i <= DHT_GET_MS_MAX; i++)
		n += st->get_ms[i];
	if (n == 0)
		return (0);
	if (pct > 100)
		pct = 100;
	/* the smallest duration with at least pct% of lookups at or below */
	want = (n * pct + 99) / 100;
	if (want == 0)
		want = 1;
	for (i = 0; i < DHT_GET_MS_MAX; i++) {
		seen += st->get_ms[i];
		if (seen >= want)
			return (i);
	}
	return (DHT_GET_MS_MAX);
}

size_t
dht_nodes(struct dht *d)
{
	return (routing_count(d->rt));
}

size_t
dht_mem(struct dht *d)
{
	size_t	n;

	n = sizeof(*d) + routing_mem(d->rt) + ratelimit_mem(d->rl);
	n += (size_t)d->npending * sizeof(struct pending) + d->pending_bytes;
	n += d->ptcap * sizeof(*d->ptab) + d->pheapcap * sizeof(*d->pheap);
	n += (size_t)d->npushes * sizeof(struct push);
	n += (size_t)d->nstoreops * sizeof(struct storeop);
	n += lookup_mem(d);
	return (n);
}

struct routing *
dht_routing(struct dht *d)
{
	return (d->rt);
}

const uint8_t *
dht_id(struct dht *d)
{
	return (d->id);
}

/* ---- life cycle ---- */

void
dht_config_defaults(struct dht_config *cf)
{
	memset(cf, 0, sizeof(*cf));
	cf->martians = DHT_MARTIAN_AUTO;
	cf->puzzle_bits = KAD_PUZZLE_BITS;
	cf->k = 20;
	cf->alpha = 3;
	cf->replicas = 8;
	cf->hoplimit = 16;
	cf->nrepl = 8;
	cf->maxbuckets = 160;
	cf->maxsearches = 2048;
	cf->maxpending = 8192;
	cf->maxpushes = 512;
	cf->confirm = 3;
	cf->maxstoreops = 4096;
	cf->rto_default = 1000;
	cf->rto_min = 400;
	cf->rto_max = 4000;
	cf->rpc_tries = 3;
	cf->refresh_ms = 15 * 60 * 1000;
	cf->migrate_ms = 60 * 60 * 1000;
	cf->storeop_ms = 10 * 1000;
	ratelimit_defaults(&cf->rl);
}

static int
config_ok(const struct dht_config *cf, const struct dht_io *io)
{
	if (cf->k == 0 || cf->k > DHT_MAX_K ||
	    cf->alpha == 0 || cf->alpha > cf->k || cf->replicas == 0 ||
	    cf->replicas > DHT_MAX_REPLICAS || cf->hoplimit == 0 ||
	    cf->hoplimit > 255 || cf->maxbuckets == 0 ||
	    cf->maxbuckets > RT_MAX_BUCKETS || cf->maxsearches == 0 ||
	    cf->maxpending == 0 || cf->maxpushes == 0 || cf->confirm == 0 ||
	    cf->confirm > DHT_MAX_REPLICAS || cf->maxstoreops == 0 ||
	    cf->rto_min == 0 ||
	    cf->rto_min > cf->rto_default || cf->rto_default > cf->rto_max ||
	    cf->rpc_tries == 0 || cf->rpc_tries > 4 ||
	    cf->refresh_ms == 0 ||
	    cf->storeop_ms == 0 || (cf->families & ~KRPC_WANT_MASK) != 0 ||
	    cf->martians < DHT_MARTIAN_AUTO ||
	    cf->martians > DHT_MARTIAN_STRICT)
		return (0);
	if (io->send == NULL || io->random == NULL || io->store == NULL ||
	    io->event == NULL)
		return (0);
	return (1);
}

/*
 * Our node ID: of our key at the address it is bound to (id_addr, else
 * bind; neither known: the network of no address, which no peer sees).
 */
static int
self_id(const struct dht_config *cf, uint8_t id[KAD_ID_LEN])
{
	const struct sockaddr_storage	*ss;
	struct krpc_addr		 a;
	socklen_t			 len;

	ss = cf->id_addr.ss_family != 0 ? &cf->id_addr : &cf->bind;
	len = ss->ss_family == AF_INET ? sizeof(struct sockaddr_in) :
	    sizeof(struct sockaddr_in6);
	if (krpc_addr_from_sa((const struct sockaddr *)ss, len, &a) == -1)
		memset(&a, 0, sizeof(a));
	return (kad_node_id(cf->pub, &a, id));
}

struct dht *
dht_new(const struct dht_config *cf, const struct dht_io *io, uint64_t now)
{
	struct dht	*d;
	uint8_t		 rlkey[16];
	unsigned	 i;
	socklen_t	 blen;

	if (!config_ok(cf, io)) {
		errno = EINVAL;
		return (NULL);
	}
	if ((d = calloc(1, sizeof(*d))) == NULL)
		return (NULL);
	d->cf = *cf;
	d->io = *io;
	if (!kad_puzzle_ok(cf->pub, cf->puzzle_bits) || self_id(cf, d->id) ==
	    -1 || kad_id_iszero(d->id)) {
		free(d);
		errno = EINVAL;
		return (NULL);
	}
	d->rpc = rpc_handlers;
	d->so = so_handlers;
	RB_INIT(&d->searches);
	d->push_lookup = lookup_push;
	RB_INIT(&d->pushes);
	for (i = 0; i < PUSH_CONFIRM_ROUNDS; i++)
		TAILQ_INIT(&d->cwait[i]);
	RB_INIT(&d->pushkeys);
	RB_INIT(&d->storeops);
	d->next_sid = d->next_pid = 1;
	d->next_cookie = 1;

	blen = cf->bind.ss_family == AF_INET ? sizeof(struct sockaddr_in) :
	    sizeof(struct sockaddr_in6);
	if (krpc_addr_from_sa((const struct sockaddr *)&cf->bind, blen,
	    &d->self_addr) == 0) {
		d->self_known = d->self_addr.port != 0;
		if (d->cf.families == 0)
			d->cf.families = dht_family_bit(d->self_addr.family);
		d->allow_loopback = dht_is_loopback(&d->self_addr);
		/* bound to a private or loopback address: a private network's
		 * peers are ours; bound to a global one or the wildcard (which
		 * may be a server's global address): strict */
		d->allow_private = krpc_addr_scope(&d->self_addr) ==
		    KRPC_SCOPE_LOOPBACK || krpc_addr_scope(&d->self_addr) ==
		    KRPC_SCOPE_PRIVATE;
	} else if (d->cf.families == 0)
		d->cf.families = KRPC_WANT4 | KRPC_WANT6;
	if (cf->martians == DHT_MARTIAN_LOOPBACK)
		d->allow_loopback = 1;
	else if (cf->martians == DHT_MARTIAN_STRICT)
		d->allow_loopback = 0;

	io->random(io->arg, rlkey, sizeof(rlkey));
	d->rt = routing_new(d->id, cf->k, cf->nrepl, cf->maxbuckets);
	d->rl = ratelimit_new(&cf->rl, rlkey);
	explicit_bzero(rlkey, sizeof(rlkey));
	d->md = EVP_MD_fetch(NULL, "SHA256", NULL);
	d->mdctx = EVP_MD_CTX_new();
	if (d->rt == NULL || d->rl == NULL || d->md == NULL ||
	    d->mdctx == NULL) {
		dht_free(d);
		errno = ENOMEM;
		return (NULL);
	}
	d->migrate_next = now + cf->migrate_ms;
	d->boot_wait = DHT_BOOT_WAIT_MIN;
	return (d);
}

void
dht_free(struct dht *d)
{
	if (d == NULL)
		return;
	dht_rpc_free_all(d);
	lookup_free_all(d);
	push_free_all(d);
	dht_storeop_free_all(d);
	routing_free(d->rt);
	ratelimit_free(d->rl);
	EVP_MD_CTX_free(d->mdctx);
	EVP_MD_free(d->md);
	free(d);
}
