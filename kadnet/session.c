/* SPDX-License-Identifier: ISC */
/*
 * session: the tables, sending, input and timers of the session layer
 * (session.h, sess_local.h).  Peers are found by key in a tree and kept
 * in least-recently-used order, so that a full table lets go of the
 * peer heard from longest ago; keys and our own handshakes are found by
 * the receiver index a datagram names, in an open-addressed table.
 */
#include <sys/types.h>

#include <bsd/sys/endian.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "node_id.h"
#include "session.h"
#include "sess_local.h"

const char *const sess_dropnames[SESS_DROP_MAX] = {
	[SESS_DROP_SHORT] = "short",
	[SESS_DROP_TYPE] = "bad type",
	[SESS_DROP_MAC1] = "bad mac1",
	[SESS_DROP_COOKIE] = "cookie required",
	[SESS_DROP_RATE] = "rate limited",
	[SESS_DROP_BUSY] = "busy",
	[SESS_DROP_DECRYPT] = "did not authenticate",
	[SESS_DROP_REPLAY] = "replay",
	[SESS_DROP_INDEX] = "unknown index",
	[SESS_DROP_ADDRESS] = "wrong address",
	[SESS_DROP_EXPIRED] = "expired keys",
	[SESS_DROP_INNER] = "bad inner length",
	[SESS_DROP_SELF] = "our own key",
	[SESS_DROP_DH] = "dh refused",
	[SESS_DROP_QUEUE] = "queue full",
	[SESS_DROP_CREDIT] = "no credit",
	[SESS_DROP_GAVEUP] = "handshake gave up",
	[SESS_DROP_SCOPE] = "private address",
	[SESS_DROP_PUZZLE] = "key puzzle",
};

static int
peer_cmp(struct sess_peer *a, struct sess_peer *b)
{
	return (memcmp(a->pub, b->pub, SESS_KEY_LEN));
}

static int
rhs_cmp(struct sess_rhs *a, struct sess_rhs *b)
{
	return (a->cookie < b->cookie ? -1 : a->cookie > b->cookie);
}

RB_GENERATE_STATIC(peertree, sess_peer, entry, peer_cmp)
RB_GENERATE(rhstree, sess_rhs, entry, rhs_cmp)

void
sess_config_defaults(struct sess_config *cf)
{
	memset(cf, 0, sizeof(*cf));
	cf->maxpeers = 4096;
	cf->maxpending = 256;
	cf->queue = 8;
	cf->hs_retry_ms = 1000;
	cf->hs_tries = 3;
	cf->rekey_ms = 10 * 60 * 1000;
	cf->rekey_msgs = 1ULL << 24;
	cf->reject_ms = 15 * 60 * 1000;
	cf->reject_msgs = (1ULL << 24) + (1ULL << 20);
	cf->stale_ms = 5000;
	cf->cookie_ms = 120 * 1000;
	cf->hs_rate = 1000;
	cf->hs_burst = 2000;
	cf->src_rate = 20;
	cf->src_burst = 40;
	cf->keyreq_rate = 200;
	/* the session knows no bind address: kadnet decides (kadnet.c) */
	cf->allow_private = 1;
	cf->puzzle_bits = KAD_PUZZLE_BITS;
}

/* ---- addresses ---- */

/* family, zero, port, 16 address bytes (what cookies are made of) */
void
sess_addr_bytes(const struct krpc_addr *a, uint8_t out[20])
{
	memset(out, 0, 20);
	out[0] = a->family;
	be16enc(out + 2, a->port);
	memcpy(out + 4, a->ip, a->family == KRPC_AF_INET ? 4 : 16);
}

int
sess_addr_ok(const struct sess *s, const struct krpc_addr *a)
{
	if (a->port == 0)
		return (0);
	switch (krpc_addr_scope(a)) {
	case KRPC_SCOPE_GLOBAL:
		return (1);
	case KRPC_SCOPE_LOOPBACK:
		return (s->cf.allow_loopback);
	case KRPC_SCOPE_PRIVATE:
		return (s->cf.allow_private);
	}
	return (0);
}

/* ---- receiver indexes ---- */

static size_t
slot_home(const struct sess *s, uint32_t idx)
{
	return ((size_t)((idx * 0x9e3779b1u) >> 7) & (s->capslots - 1));
}

static struct sess_slot *
slot_find(const struct sess *s, uint32_t idx)
{
	size_t	i;

	if (s->capslots == 0)
		return (NULL);
	for (i = slot_home(s, idx); s->slots[i].kind != 0;
	    i = (i + 1) & (s->capslots - 1))
		if (s->slots[i].idx == idx)
			return (&s->slots[i]);
	return (NULL);
}

static void
slot_put(struct sess *s, uint32_t idx, uint8_t kind, void *p)
{
	size_t	i;

	for (i = slot_home(s, idx); s->slots[i].kind != 0;
	    i = (i + 1) & (s->capslots - 1))
		;
	s->slots[i].idx = idx;
	s->slots[i].kind = kind;
	s->slots[i].p = p;
}

static int
slots_grow(struct sess *s)
{
	struct sess_slot	*old = s->slots;
	size_t			 oldcap = s->capslots, i;

	if ((s->nslots + 1) * 2 <= s->capslots)
		return (0);
	s->capslots = oldcap ? oldcap * 2 : 256;
	if ((s->slots = calloc(s->capslots, sizeof(*s->slots))) == NULL) {
		s->slots = old;
		s->capslots = oldcap;
		return (-1);
	}
	for (i = 0; i < oldcap; i++)
		if (old[i].kind != 0)
			slot_put(s, old[i].idx, old[i].kind, old[i].p);
	free(old);
	return (0);
}

/* A fresh random index, never 0 and not in use; 0 on failure. */
uint32_t
sess_idx_new(struct sess *s, uint8_t kind, void *p)
{
	uint32_t	idx = 0;
	int		tries;

	if (slots_grow(s) == -1)
		return (0);
	for (tries = 0; tries < 8; tries++) {
		s->io.random(s->io.arg, &idx, sizeof(idx));
		if (idx != 0 && slot_find(s, idx) == NULL)
			break;
		idx = 0;
	}
	if (idx == 0)
		return (0);
	slot_put(s, idx, kind, p);
	s->nslots++;
	return (idx);
}

void *
sess_idx_find(struct sess *s, uint32_t idx, uint8_t kind)
{
	struct sess_slot	*sl = slot_find(s, idx);

	return (sl != NULL && sl->kind == kind ? sl->p : NULL);
}

/* An index in use now names something else (a handshake its keys). */
int
sess_idx_set(struct sess *s, uint32_t idx, uint8_t kind, void *p)
{
	struct sess_slot	*sl = slot_find(s, idx);

	if (sl == NULL)
		return (-1);
	sl->kind = kind;
	sl->p = p;
	return (0);
}

void
sess_idx_del(struct sess *s, uint32_t idx)
{
	struct sess_slot	*sl;
	size_t			 i, j, home;

	if (idx == 0 || (sl = slot_find(s, idx)) == NULL)
		return;
	i = j = (size_t)(sl - s->slots);
	s->slots[i].kind = 0;
	s->nslots--;
	for (;;) {
		j = (j + 1) & (s->capslots - 1);
		if (s->slots[j].kind == 0)
			return;
		home = slot_home(s, s->slots[j].idx);
		if ((j > i && (home <= i || home > j)) ||
		    (j < i && (home <= i && home > j))) {
			s->slots[i] = s->slots[j];
			s->slots[j].kind = 0;
			i = j;
		}
	}
}

/* ---- peers ---- */

struct sess_peer *
sess_peer_find(struct sess *s, const uint8_t pub[SESS_KEY_LEN])
{
	struct sess_peer	key;

	memcpy(key.pub, pub, SESS_KEY_LEN);
	return (RB_FIND(peertree, &s->peers, &key));
}

void
sess_msgq_free(struct sess *s, struct sess_msgq *q, unsigned *n,
    int count_drop)
{
	struct sess_msg	*m;

	while ((m = TAILQ_FIRST(q)) != NULL) {
		TAILQ_REMOVE(q, m, entry);
		s->qbytes -= m->len;
		if (count_drop)
			s->st.drop[SESS_DROP_GAVEUP]++;
		free(m);
	}
	*n = 0;
}

static void
peer_free(struct sess *s, struct sess_peer *pr)
{
	RB_REMOVE(peertree, &s->peers, pr);
	TAILQ_REMOVE(&s->lru, pr, lru);
	s->npeers--;
	if (pr->hs != NULL)
		sess_hs_free(s, pr->hs);
	sess_keys_free(s, pr->cur);
	sess_keys_free(s, pr->prev);
	sess_keys_free(s, pr->next);
	sess_msgq_free(s, &pr->q, &pr->nq, 1);
	free(pr);
}

void
sess_peer_touch(struct sess *s, struct sess_peer *pr, uint64_t now)
{
	pr->used = now;
	if (TAILQ_FIRST(&s->lru) != pr) {
		TAILQ_REMOVE(&s->lru, pr, lru);
		TAILQ_INSERT_HEAD(&s->lru, pr, lru);
	}
}

/*
 * Who goes when the table is full: of the few used longest ago, one we
 * have no confirmed keys with (a flood of INITs from made-up keys makes
 * those), else the one used longest ago.
 */
#define EVICT_LOOK	8

static struct sess_peer *
evictee(struct sess *s)
{
	struct sess_peer	*pr, *last = TAILQ_LAST(&s->lru, sess_peerq);
	int			 i;

	for (pr = last, i = 0; pr != NULL && i < EVICT_LOOK;
	    pr = TAILQ_PREV(pr, sess_peerq, lru), i++)
		if (pr->cur == NULL || !pr->cur->confirmed)
			return (pr);
	return (last);
}

/* The peer with that key, made if need be (the table full: one goes). */
struct sess_peer *
sess_peer_get(struct sess *s, const uint8_t pub[SESS_KEY_LEN], uint64_t now)
{
	struct sess_peer	*pr;

	if ((pr = sess_peer_find(s, pub)) != NULL) {
		sess_peer_touch(s, pr, now);
		return (pr);
	}
	if (s->npeers >= s->cf.maxpeers) {
		peer_free(s, evictee(s));
		s->st.evicted++;
	}
	if ((pr = calloc(1, sizeof(*pr))) == NULL)
		return (NULL);
	memcpy(pr->pub, pub, SESS_KEY_LEN);
	TAILQ_INIT(&pr->q);
	pr->used = now;
	RB_INSERT(peertree, &s->peers, pr);
	TAILQ_INSERT_HEAD(&s->lru, pr, lru);
	s->npeers++;
	return (pr);
}

/* ---- life cycle ---- */

static int
config_ok(const struct sess_config *cf)
{
	return (cf->maxpeers > 1 && cf->maxpending > 0 && cf->queue > 0 &&
	    cf->hs_retry_ms > 0 && cf->hs_tries > 0 && cf->rekey_ms > 0 &&
	    cf->rekey_ms < cf->reject_ms && cf->rekey_msgs > 0 &&
	    cf->rekey_msgs < cf->reject_msgs &&
	    cf->reject_msgs <= (1ULL << 60) && cf->stale_ms > 0 &&
	    cf->cookie_ms > 0 && cf->hs_rate > 0 && cf->hs_burst > 0 &&
	    cf->src_rate > 0 && cf->src_burst > 0 && cf->keyreq_rate > 0);
}

struct sess *
sess_new(const struct sess_config *cf, const struct sess_io *io, uint64_t now)
{
	struct sess		*s;
	struct ratelimit_config	 rl;
	uint8_t			 key[16];

	if (!config_ok(cf) || io->send == NULL || io->deliver == NULL ||
	    io->static_dh == NULL || io->random == NULL ||
	    io->wallclock_ns == NULL) {
		errno = EINVAL;
		return (NULL);
	}
	if (sc_init() == -1 || (s = calloc(1, sizeof(*s))) == NULL)
		return (NULL);
	s->cf = *cf;
	s->io = *io;
	RB_INIT(&s->peers);
	TAILQ_INIT(&s->lru);
	RB_INIT(&s->rhs);
	TAILQ_INIT(&s->rhsage);
	TAILQ_INIT(&s->ihs);
	TAILQ_INIT(&s->kreq);
	if (sc_sha256("mac1", 4, cf->pub, SESS_KEY_LEN, s->mac1key) == -1 ||
	    sc_sha256("cookie", 6, cf->pub, SESS_KEY_LEN,
	    s->cookiekey) == -1) {
		free(s);
		return (NULL);
	}
	io->random(io->arg, s->secret, sizeof(s->secret));
	io->random(io->arg, s->oldsecret, sizeof(s->oldsecret));
	s->secret_next = now + cf->cookie_ms;
	s->sweep_next = now + SESS_SWEEP_MS;
	s->hs_tokens = (uint64_t)cf->hs_burst * 1000;
	s->kr_tokens = (uint64_t)cf->keyreq_rate * 1000;
	s->tokens_at = now;
	ratelimit_defaults(&rl);
	rl.rate = cf->src_rate;
	rl.burst = cf->src_burst;
	rl.grate = cf->hs_rate + cf->keyreq_rate;
	rl.gburst = cf->hs_burst + cf->keyreq_rate;
	rl.per_port = 0;
	io->random(io->arg, key, sizeof(key));
	if ((s->src = ratelimit_new(&rl, key)) == NULL) {
		free(s);
		return (NULL);
	}
	return (s);
}

void
sess_free(struct sess *s)
{
	struct sess_rhs		*r;
	struct sess_kreq	*kr;

	if (s == NULL)
		return;
	while (!RB_EMPTY(&s->peers))
		peer_free(s, RB_MIN(peertree, &s->peers));
	while ((r = RB_MIN(rhstree, &s->rhs)) != NULL)
		sess_rhs_free(s, r);
	while ((kr = TAILQ_FIRST(&s->kreq)) != NULL)
		sess_kreq_free(s, kr);
	ratelimit_free(s->src);
	free(s->slots);
	explicit_bzero(s, sizeof(*s));
	free(s);
}

/* ---- out ---- */

void
sess_tx(struct sess *s, const void *buf, size_t len, uint8_t type,
    const struct krpc_addr *to)
{
	s->st.tx[type]++;
	s->st.tx_bytes += len;
	s->io.send(s->io.arg, buf, len, to);
}

/* The cookie a DH answer will name: filed, then asked for. */
uint64_t
sess_dh_cookie(struct sess *s)
{
	s->st.dh_asked++;
	return (++s->next_cookie);
}

/*
 * The keys a message of len bytes can go out on now: the newest usable,
 * within its credit while its address has not proved itself.
 */
static struct sess_keys *
pick_keys(struct sess *s, struct sess_peer *pr, size_t len, uint64_t now)
{
	struct sess_keys	*k;
	int			 i;

	for (i = 0; i < 2; i++) {
		k = i == 0 ? pr->next : pr->cur;
		if (k == NULL || !sess_keys_usable(s, k, now))
			continue;
		if (k->confirmed || k->credit >= SESS_DATA_OVERHEAD + len)
			return (k);
	}
	return (NULL);
}

/* Is a handshake of ours under way, or one of the peer's half done? */
static int
keys_coming(struct sess *s, struct sess_peer *pr, uint64_t now)
{
	if (pr->hs != NULL)
		return (1);
	return ((pr->next != NULL && sess_keys_usable(s, pr->next, now)) ||
	    (pr->cur != NULL && !pr->cur->confirmed &&
	    sess_keys_usable(s, pr->cur, now)));
}

/* What waited for keys goes out as far as they allow. */
void
sess_flush(struct sess *s, struct sess_peer *pr, uint64_t now)
{
	struct sess_msg		*m;
	struct sess_keys	*k;

	while ((m = TAILQ_FIRST(&pr->q)) != NULL) {
		if ((k = pick_keys(s, pr, m->len, now)) == NULL)
			return;
		TAILQ_REMOVE(&pr->q, m, entry);
		pr->nq--;
		s->qbytes -= m->len;
		(void)sess_data_send(s, k, m->buf, m->len, m->room > 0, now);
		free(m);
	}
}

static int
enqueue(struct sess *s, struct sess_msgq *q, unsigned *n, const void *buf,
    size_t len, size_t room)
{
	struct sess_msg	*m;

	if (*n >= s->cf.queue || (m = malloc(sizeof(*m) + len)) == NULL) {
		s->st.drop[SESS_DROP_QUEUE]++;
		errno = ENOBUFS;
		return (-1);
	}
	m->len = len;
	m->room = room;
	memcpy(m->buf, buf, len);
	TAILQ_INSERT_TAIL(q, m, entry);
	(*n)++;
	s->qbytes += len;
	return (0);
}

int
sess_send(struct sess *s, const uint8_t *pub, const struct krpc_addr *to,
    const void *buf, size_t len, size_t reply_room, uint64_t now)
{
	struct sess_peer	*pr;
	struct sess_keys	*k;

	if (len > SESS_MAX_INNER) {
		errno = EMSGSIZE;
		return (-1);
	}
	if (!sess_addr_ok(s, to) || (pub != NULL &&
	    memcmp(pub, s->cf.pub, SESS_KEY_LEN) == 0)) {
		errno = EINVAL;
		return (-1);
	}
	if (pub == NULL)
		return (sess_kreq_send(s, to, buf, len, reply_room, now));
	if ((pr = sess_peer_get(s, pub, now)) == NULL) {
		errno = ENOBUFS;
		return (-1);
	}
	if ((k = pick_keys(s, pr, len, now)) != NULL) {
		/*
		 * Sending for a while and nothing back: the peer may have
		 * restarted and lost its keys; old keys age out.  Either
		 * way a new handshake, while this goes out on the old keys.
		 */
		if (pr->hs == NULL && k->confirmed) {
			if (pr->tx_since != 0 &&
			    now - pr->tx_since >= s->cf.stale_ms) {
				pr->tx_since = 0;	/* one per silence */
				(void)sess_hs_start(s, pr, to, now);
			} else if (sess_keys_due(s, k, now)) {
				s->st.rekeys++;
				(void)sess_hs_start(s, pr, to, now);
			}
		}
		return (sess_data_send(s, k, buf, len, reply_room > 0, now));
	}
	if (enqueue(s, &pr->q, &pr->nq, buf, len, reply_room) == -1)
		return (-1);
	if (!keys_coming(s, pr, now) && sess_hs_start(s, pr, to, now) == -1) {
		sess_msgq_free(s, &pr->q, &pr->nq, 1);
		errno = ENOBUFS;
		return (-1);
	}
	return (0);
}

/* ---- in ---- */

void
sess_input(struct sess *s, const void *buf, size_t len,
    const struct krpc_addr *from, uint64_t now)
{
	const uint8_t	*p = buf;

	s->st.rx_bytes += len;
	if (len < 4 || len > SESS_MAX_DGRAM) {
		s->st.drop[SESS_DROP_SHORT]++;
		return;
	}
	if (!sess_addr_ok(s, from) && from->port != 0 &&
	    krpc_addr_scope(from) == KRPC_SCOPE_PRIVATE) {
		s->st.drop[SESS_DROP_SCOPE]++;
		return;
	}
	if (p[0] == 0 || p[0] > SESS_TYPE_MAX || p[1] != 0 || p[2] != 0 ||
	    p[3] != 0 || !sess_addr_ok(s, from)) {
		s->st.drop[SESS_DROP_TYPE]++;
		return;
	}
	s->st.rx[p[0]]++;
	switch (p[0]) {
	case SESS_DATA:
		sess_in_data(s, p, len, from, now);
		break;
	case SESS_INIT:
		sess_in_init(s, p, len, from, now);
		break;
	case SESS_RESP:
		sess_in_resp(s, p, len, from, now);
		break;
	case SESS_COOKIE:
		sess_in_cookie(s, p, len, from, now);
		break;
	case SESS_KEYREQ:
		sess_in_keyreq(s, p, len, from, now);
		break;
	case SESS_KEYRES:
		sess_in_keyres(s, p, len, from, now);
		break;
	}
}

int
sess_static_dh_reply(struct sess *s, uint64_t cookie, int status,
    const uint8_t shared[SESS_KEY_LEN], uint64_t now)
{
	struct sess_rhs	 key, *r;
	struct sess_ihs	*h;

	key.cookie = cookie;
	if ((r = RB_FIND(rhstree, &s->rhs, &key)) != NULL) {
		sess_rhs_dh(s, r, status, shared, now);
		return (0);
	}
	TAILQ_FOREACH(h, &s->ihs, entry)
		if (h->cookie_dh == cookie &&
		    (h->stage == IHS_SS || h->stage == IHS_SE)) {
			sess_ihs_dh(s, h, status, shared, now);
			return (0);
		}
	errno = ENOENT;
	return (-1);
}

/* ---- timers ---- */

static void
sweep(struct sess *s, uint64_t now)
{
	struct sess_peer	*pr, *nx;

	RB_FOREACH_SAFE(pr, peertree, &s->peers, nx) {
		if (pr->prev != NULL && !sess_keys_usable(s, pr->prev, now)) {
			sess_keys_free(s, pr->prev);
			pr->prev = NULL;
		}
		if (pr->next != NULL && !sess_keys_usable(s, pr->next, now)) {
			sess_keys_free(s, pr->next);
			pr->next = NULL;
		}
		if (pr->cur != NULL && !sess_keys_usable(s, pr->cur, now)) {
			sess_keys_free(s, pr->cur);
			pr->cur = pr->prev;
			pr->prev = NULL;
		}
		if (pr->cur == NULL && pr->next == NULL && pr->hs == NULL &&
		    pr->nq == 0 && now - pr->used >= s->cf.reject_ms)
			peer_free(s, pr);
	}
}

void
sess_timer(struct sess *s, uint64_t now)
{
	struct sess_ihs		*h, *hn;
	struct sess_rhs		*r;
	struct sess_kreq	*kr, *kn;

	if (now >= s->secret_next) {
		memcpy(s->oldsecret, s->secret, sizeof(s->secret));
		s->io.random(s->io.arg, s->secret, sizeof(s->secret));
		s->secret_next = now + s->cf.cookie_ms;
	}
	TAILQ_FOREACH_SAFE(h, &s->ihs, entry, hn)
		if (h->next <= now)
			sess_hs_timer(s, h, now);
	while ((r = TAILQ_FIRST(&s->rhsage)) != NULL &&
	    r->created + SESS_RHS_MS <= now) {
		s->st.drop[SESS_DROP_DH]++;
		sess_rhs_free(s, r);
	}
	TAILQ_FOREACH_SAFE(kr, &s->kreq, entry, kn)
		if (kr->next <= now)
			sess_kreq_timer(s, kr, now);
	if (now >= s->sweep_next) {
		sweep(s, now);
		s->sweep_next = now + SESS_SWEEP_MS;
	}
}

uint64_t
sess_next_timer(struct sess *s)
{
	struct sess_ihs		*h;
	struct sess_rhs		*r;
	struct sess_kreq	*kr;
	uint64_t		 t = s->secret_next;

	if (s->sweep_next < t)
		t = s->sweep_next;
	TAILQ_FOREACH(h, &s->ihs, entry)
		if (h->next < t)
			t = h->next;
	if ((r = TAILQ_FIRST(&s->rhsage)) != NULL &&
	    r->created + SESS_RHS_MS < t)
		t = r->created + SESS_RHS_MS;
	TAILQ_FOREACH(kr, &s->kreq, entry)
		if (kr->next < t)
			t = kr->next;
	return (t);
}

/* ---- what it holds ---- */

const struct sess_stats *
sess_stats(const struct sess *s)
{
	return (&s->st);
}

size_t
sess_peers(const struct sess *s)
{
	return (s->npeers);
}

int
sess_established(struct sess *s, const uint8_t pub[SESS_KEY_LEN])
{
	struct sess_peer	*pr = sess_peer_find(s, pub);

	return (pr != NULL && pr->cur != NULL && pr->cur->confirmed);
}

/* OpenSSL's GCM context with its key schedule, about, per direction */
#define GCM_CTX_BYTES	1200

size_t
sess_mem(const struct sess *s)
{
	struct sess_peer	*pr;
	size_t			 n, keys = 0;

	RB_FOREACH(pr, peertree, (struct peertree *)(uintptr_t)&s->peers)
		keys += (pr->cur != NULL) + (pr->prev != NULL) +
		    (pr->next != NULL);
	n = sizeof(*s) + s->capslots * sizeof(struct sess_slot);
	n += (size_t)s->npeers * sizeof(struct sess_peer);
	n += keys * (sizeof(struct sess_keys) + 2 * GCM_CTX_BYTES);
	n += (size_t)s->nihs * sizeof(struct sess_ihs);
	n += (size_t)s->nrhs * sizeof(struct sess_rhs);
	n += s->qbytes + ratelimit_mem(s->src);
	return (n);
}
