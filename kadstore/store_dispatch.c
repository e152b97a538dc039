/* SPDX-License-Identifier: ISC */
/*
 * kadstore's dispatchers.  Puts and unpins join the store's open batch;
 * their replies wait until the batch is committed at the end of the read
 * burst that carried them (kadipc's batch callback), so an acknowledged
 * chunk survives kill -9 and a burst of a thousand puts costs one commit.
 * A burst that only refreshed LRU positions (gets) or cached fetched
 * copies is committed within COMMIT_LAZY_MS instead, together with what
 * follows: a Tokyo Cabinet B+tree commit walks its whole leaf cache, so a
 * commit per small burst of a busy storage node cost more than the gets
 * it served.  Chunks from peers are committed at the end of their
 * burst, and kadnet answers their STORE (NET_STORE_PUT_RES) only after
 * that commit: once we answer OK or HAVE for one, its sender counts on
 * our copy.  A timer flushes to the device every sync-interval.
 *
 * Toward kadnet: a chunk kadcrypt publishes (pinned) is handed to kadnet
 * once committed, and kadcrypt hears CHUNK_PUT_RES only when kadnet has
 * pushed it toward its closest nodes (NET_PUBLISHED): kadcrypt answers
 * `kadctl put` once every stripe can be decoded from what the network
 * took, and its window bounds what is in flight.  A chunk kadcrypt asks for and we lack is fetched
 * through kadnet (NET_FETCH), cached here unpinned, then answered.
 */
#include <sys/types.h>

#include <bsd/stdlib.h>
#include <bsd/sys/tree.h>
#include <errno.h>
#include <event2/event.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kadipc.h"
#include "kadipc_msg.h"
#include "log.h"
#include "worker.h"
#include "kadstore.h"
#include "store_tc.h"

struct reply {
	uint32_t	 type;
	uint32_t	 peerid;
	uint8_t		 key[KADIPC_KEY_LEN];
	int32_t		 error;
	int		 publish;	/* hand to kadnet before answering */
};

/* a crypt request waiting on kadnet: a publish or a fetch */
struct waiting {
	RB_ENTRY(waiting)	 entry;
	uint64_t		 cookie;
	uint32_t		 peerid;
	uint8_t			 key[KADIPC_KEY_LEN];
	int			 tries;		/* fetches: lookups so far */
};

#define FETCH_TRIES	3	/* a lookup can lose to timeouts under load */

_Static_assert(STORE_COPIES_MAX == KADIPC_COPIES_MAX,
    "the store keeps every count a channel carries");
#define COMMIT_LAZY_MS	200	/* at most this long without a commit */

static int
waiting_cmp(struct waiting *a, struct waiting *b)
{
	return (a->cookie < b->cookie ? -1 : a->cookie > b->cookie);
}

RB_HEAD(waiting_tree, waiting);
#ifndef __unused
#define __unused __attribute__((__unused__))
#endif
RB_GENERATE_STATIC(waiting_tree, waiting, entry, waiting_cmp)

static struct waiting_tree publishing = RB_INITIALIZER(&publishing);
static struct waiting_tree fetching = RB_INITIALIZER(&fetching);
static uint64_t		 next_cookie = 1;
static uint64_t		 npublishing, nfetching;
static uint64_t		 stat_fetched, stat_fetch_fail, stat_net_puts;
static uint64_t		 stat_net_bad, stat_publish_fail, stat_fetch_retries;
static uint64_t		 stat_publish_let_go;
static int		 keep_published;
static int		 net_alone;	/* kadnet has no peers: keep it local */

static struct store	*st;
static struct event	*ev_sync, *ev_commit;
static struct reply	*replies;
static size_t		 nreplies, repliessz;
static int		 commit_now;	/* a peer's chunk in the batch */
static uint64_t		 limit;
static int		 configured;
static uint64_t		 stat_puts, stat_gets, stat_misses, stat_refused;
static uint64_t		 stat_dropped;

static void	store_commit_cb(evutil_socket_t, short, void *);
static void	pinned_check(void);

void
store_dispatch_init(struct store *s, struct event_base *base, uint64_t lim)
{
	st = s;
	limit = lim;
	pinned_check();
	if ((ev_sync = evtimer_new(base, NULL, NULL)) == NULL ||
	    (ev_commit = evtimer_new(base, store_commit_cb, NULL)) == NULL)
		fatalx("%s: timer", __func__);
}

/*
 * Commit and flush, then exit without tchdbclose(): closing unlinks the
 * empty .wal, which the sandbox forbids (and TC crashes on the failure).
 * A synced store left open is what store_open() expects after a crash.
 */
__attribute__((__noreturn__)) void
store_exit(int status)
{
	if (st != NULL && store_sync(st) == -1) {
		log_warnx("store sync failed: %s", store_errstr(st));
		status = 1;
	}
	st = NULL;
	exit(status);
}

/* A Tokyo Cabinet error leaves the batch unusable: roll back by exiting. */
static void
store_check_broken(int error)
{
	if (error == EIO)
		fatalx("store error: %s; exiting so the next start rolls "
		    "back to the last commit", store_errstr(st));
}

/* kadnet's NET_STORE_PUT answers, sent once the batch is committed */
struct net_reply {
	uint64_t	 cookie;
	uint32_t	 status;
};
static struct net_reply	*netreplies;
static size_t		 nnetreplies, netrepliessz;

static void
defer_net_reply(uint64_t cookie, uint32_t status)
{
	struct net_reply	*r;
	size_t			 n;

	if (nnetreplies == netrepliessz) {
		n = netrepliessz ? netrepliessz * 2 : 256;
		if ((r = reallocarray(netreplies, n, sizeof(*r))) == NULL)
			fatal("%s", __func__);
		netreplies = r;
		netrepliessz = n;
	}
	netreplies[nnetreplies].cookie = cookie;
	netreplies[nnetreplies++].status = status;
}

static void
defer_reply(uint32_t type, uint32_t peerid, const uint8_t *key, int error,
    int publish)
{
	struct reply	*r;
	size_t		 n;

	if (nreplies == repliessz) {
		n = repliessz ? repliessz * 2 : 1024;
		if ((r = reallocarray(replies, n, sizeof(*r))) == NULL)
			fatal("%s", __func__);
		replies = r;
		repliessz = n;
	}
	r = &replies[nreplies++];
	r->type = type;
	r->peerid = peerid;
	memcpy(r->key, key, sizeof(r->key));
	r->error = error;
	r->publish = publish;
}

/* Publishes and fetches share one 64-bit cookie space, never 0. */
static struct waiting *
waiting_new(struct waiting_tree *t, uint32_t peerid, const uint8_t *key)
{
	struct waiting	*w;

	if ((w = calloc(1, sizeof(*w))) == NULL)
		fatal("%s", __func__);
	w->cookie = next_cookie++;
	w->peerid = peerid;
	memcpy(w->key, key, sizeof(w->key));
	RB_INSERT(waiting_tree, t, w);
	return (w);
}

static struct waiting *
waiting_take(struct waiting_tree *t, uint64_t cookie)
{
	struct waiting	 find, *w;

	find.cookie = cookie;
	if ((w = RB_FIND(waiting_tree, t, &find)) != NULL)
		RB_REMOVE(waiting_tree, t, w);
	return (w);
}

/* Hand a committed, published chunk to kadnet; it answers later. */
static int
publish_via_net(const struct reply *r)
{
	struct waiting		*w;
	uint8_t			 buf[KADIPC_CHUNK_MAX];
	size_t			 len;
	unsigned		 copies;

	/* the most copies any put of it asked for, this one's or not */
	if (store_get(st, r->key, buf, sizeof(buf), &len) == -1 ||
	    store_copies(st, r->key, &copies) == -1)
		return (-1);
	w = waiting_new(&publishing, r->peerid, r->key);
	npublishing++;
	if (kadipc_send_net_publish(store_net, w->cookie, r->key, copies, buf,
	    len) == -1)
		fatal("%s", __func__);
	return (0);
}

/* A failed commit leaves the batch unusable: roll back by exiting. */
static void
commit_or_exit(void)
{
	if (store_commit(st) == -1)
		fatalx("store commit failed: %s; exiting so the next start "
		    "rolls back", store_errstr(st));
}

static void
store_commit_cb(evutil_socket_t fd, short ev, void *arg)
{
	(void)fd;
	(void)ev;
	(void)arg;
	commit_or_exit();
}

void
store_batch_end(struct kadipc_chan *ch, void *arg)
{
	struct timeval	 tv = { 0, COMMIT_LAZY_MS * 1000 };
	size_t		 i;

	(void)ch;
	(void)arg;
	if (nreplies == 0 && nnetreplies == 0 && !commit_now) {
		if (store_dirty(st) && !evtimer_pending(ev_commit, NULL))
			evtimer_add(ev_commit, &tv);
		return;
	}
	if (evtimer_pending(ev_commit, NULL))
		evtimer_del(ev_commit);
	commit_or_exit();
	commit_now = 0;
	for (i = 0; i < nnetreplies; i++)
		if (kadipc_send_net_res(store_net, KADIPC_NET_STORE_PUT_RES,
		    netreplies[i].cookie, netreplies[i].status, NULL, 0) == -1)
			fatal("%s: NET_STORE_PUT_RES", __func__);
	nnetreplies = 0;
	for (i = 0; i < nreplies; i++) {
		if (replies[i].publish && replies[i].error == 0 &&
		    !net_alone && publish_via_net(&replies[i]) == -1) {
			store_check_broken(errno);
			replies[i].error = errno;
		} else if (replies[i].publish && replies[i].error == 0 &&
		    !net_alone)
			continue;	/* answered on NET_PUBLISHED */
		if (kadipc_send_chunk_res(store_crypt, replies[i].type,
		    replies[i].peerid, replies[i].key, replies[i].error,
		    NULL, 0) == -1)
			fatal("%s: reply", __func__);
	}
	nreplies = 0;
}

static void
store_sync_cb(evutil_socket_t fd, short ev, void *arg)
{
	(void)fd;
	(void)ev;
	(void)arg;
	if (store_sync(st) == -1)
		fatalx("store sync failed: %s", store_errstr(st));
}

static void
store_stats_fill(struct kad_stats *s)
{
	struct store_stats	 ss;

	store_stats(st, &ss);
	kad_stats_add(s, "stored-chunks", ss.chunks);
	kad_stats_add(s, "stored-bytes", ss.bytes);
	kad_stats_add(s, "pinned-chunks", ss.pinned);
	kad_stats_add(s, "pinned-bytes", ss.pinned_bytes);
	kad_stats_add(s, "storage-limit", ss.limit);
	kad_stats_add(s, "evicted-chunks", ss.evicted);
	kad_stats_add(s, "evicted-over-share", ss.evicted_share);
	kad_stats_add(s, "store-sources", ss.sources);
	kad_stats_add(s, "source-bytes", ss.source_bytes);
	kad_stats_add(s, "source-max-bytes", ss.source_max);
	kad_stats_add(s, "source-share-bytes", ss.share);
	kad_stats_add(s, "chunk-puts", stat_puts);
	kad_stats_add(s, "chunk-gets", stat_gets);
	kad_stats_add(s, "chunk-misses", stat_misses);
	kad_stats_add(s, "chunks-refused", stat_refused);
	kad_stats_add(s, "chunks-dropped", stat_dropped);
	kad_stats_add(s, "publish-pending", npublishing);
	kad_stats_add(s, "publish-failures", stat_publish_fail);
	kad_stats_add(s, "published-let-go", stat_publish_let_go);
	kad_stats_add(s, "fetch-pending", nfetching);
	kad_stats_add(s, "chunks-fetched", stat_fetched);
	kad_stats_add(s, "fetch-failures", stat_fetch_fail);
	kad_stats_add(s, "fetch-retries", stat_fetch_retries);
	kad_stats_add(s, "chunks-from-peers", stat_net_puts);
	kad_stats_add(s, "chunks-from-peers-bad", stat_net_bad);
}

/*
 * Our own pinned data is never evicted and counts for no source: say
 * once when it alone is over the limit, since then every peer's chunk
 * is refused (ENOSPC).
 */
static void
pinned_check(void)
{
	static int		 warned;
	struct store_stats	 ss;

	store_stats(st, &ss);
	if (warned || ss.limit == 0 || ss.pinned_bytes <= ss.limit)
		return;
	warned = 1;
	log_warnx("pinned data (%llu bytes, this node's own files) is over "
	    "the storage-limit %llu: no room for other nodes' chunks",
	    (unsigned long long)ss.pinned_bytes,
	    (unsigned long long)ss.limit);
}

static void
store_shutdown(void)
{
	store_exit(0);
}

static const struct kad_worker_ops store_ops = {
	store_shutdown, store_stats_fill
};

void
store_dispatch_master(struct kadipc_chan *ch, struct kadipc_msg *m, void *arg)
{
	struct kadipc_store_config	 sc;
	struct timeval			 tv;

	(void)arg;
	if (kad_worker_master(ch, m, &store_ops))
		return;
	switch (m->hdr.type) {
	case KADIPC_STORE_CONFIG:
		if (configured || kadipc_recv_store_config(m, &sc) == -1 ||
		    sc.limit != limit || sc.sync_ms < 10)
			fatalx("%s: bad STORE_CONFIG", __func__);
		configured = 1;
		keep_published = (sc.flags & KADIPC_STORE_F_KEEP) != 0;
		tv.tv_sec = sc.sync_ms / 1000;
		tv.tv_usec = (sc.sync_ms % 1000) * 1000;
		event_assign(ev_sync, event_get_base(ev_sync), -1, EV_PERSIST,
		    store_sync_cb, NULL);
		evtimer_add(ev_sync, &tv);
		if (kadipc_compose(store_master, KADIPC_READY, 0, -1, NULL,
		    0) == -1)
			fatal("%s: READY", __func__);
		store_routes_load();
		return;
	}
	fatalx("%s: unexpected %s from kadmaster", __func__,
	    kadipc_type_name(m->hdr.type));
}

/* A chunk kadcrypt needs and we lack: ask kadnet to find it. */
static void
fetch_via_net(uint32_t peerid, const uint8_t *key)
{
	struct waiting	*w;

	w = waiting_new(&fetching, peerid, key);
	nfetching++;
	if (kadipc_send_net_req(store_net, KADIPC_NET_FETCH, w->cookie,
	    key) == -1)
		fatal("%s", __func__);
}

void
store_dispatch_crypt(struct kadipc_chan *ch, struct kadipc_msg *m, void *arg)
{
	struct kadipc_chunk_msg	 c;
	uint8_t			 buf[KADIPC_CHUNK_MAX];
	size_t			 len;
	int			 error;

	(void)ch;
	(void)arg;
	if (!configured)
		fatalx("%s: %s before STORE_CONFIG", __func__,
		    kadipc_type_name(m->hdr.type));
	if (kadipc_recv_chunk(m, &c) == -1)
		fatalx("%s: bad %s", __func__, kadipc_type_name(m->hdr.type));
	switch (m->hdr.type) {
	case KADIPC_CHUNK_PUT:
		error = 0;
		if (store_put_copies(st, c.key, c.data, c.len,
		    c.flags & KADIPC_CHUNK_F_PIN, c.copies) == -1) {
			error = errno;
			store_check_broken(error);
			stat_refused++;
			log_debug("refused a chunk: %s", strerror(error));
		} else {
			stat_puts++;
			if (c.flags & KADIPC_CHUNK_F_PIN)
				pinned_check();
		}
		/* a pinned chunk, or a get's repair, goes to the network */
		defer_reply(KADIPC_CHUNK_PUT_RES, m->hdr.peerid, c.key, error,
		    (c.flags & (KADIPC_CHUNK_F_PIN | KADIPC_CHUNK_F_PUSH)) != 0);
		return;
	case KADIPC_CHUNK_GET:
		stat_gets++;
		if (store_get(st, c.key, buf, sizeof(buf), &len) == -1) {
			error = errno;
			store_check_broken(error);
			if (error == ENOENT) {
				stat_misses++;
				fetch_via_net(m->hdr.peerid, c.key);
				return;
			}
			len = 0;
		} else
			error = 0;
		if (kadipc_send_chunk_res(store_crypt, KADIPC_CHUNK_GET_RES,
		    m->hdr.peerid, c.key, error, buf, len) == -1)
			fatal("%s: reply", __func__);
		return;
	case KADIPC_CHUNK_UNPIN:
		error = 0;
		if (store_unpin(st, c.key) == -1) {
			error = errno;
			store_check_broken(error);
		}
		/* stored but not pinned is not "missing": a second unpin */
		defer_reply(KADIPC_CHUNK_UNPIN_RES, m->hdr.peerid, c.key,
		    error == EINVAL ? EALREADY : error, 0);
		return;
	case KADIPC_CHUNK_DROP:
		error = 0;
		if (store_drop(st, c.key, c.flags & KADIPC_CHUNK_F_PIN) == -1) {
			error = errno;
			store_check_broken(error);
		} else
			stat_dropped++;
		defer_reply(KADIPC_CHUNK_DROP_RES, m->hdr.peerid, c.key, error,
		    0);
		return;
	case KADIPC_REC_PUT:
		error = 0;
		if (store_rec_put(st, c.key, c.data, c.len) == -1) {
			error = errno;
			store_check_broken(error);
		}
		defer_reply(KADIPC_REC_PUT_RES, m->hdr.peerid, c.key, error, 0);
		return;
	case KADIPC_REC_GET:
		len = 0;
		error = 0;
		if (store_rec_get(st, c.key, buf, sizeof(buf), &len) == -1) {
			error = errno;
			store_check_broken(error);
			len = 0;
		}
		if (kadipc_send_chunk_res(store_crypt, KADIPC_REC_GET_RES,
		    m->hdr.peerid, c.key, error, buf, len) == -1)
			fatal("%s: reply", __func__);
		return;
	case KADIPC_REC_DEL:
		error = 0;
		if (store_rec_del(st, c.key) == -1) {
			error = errno;
			store_check_broken(error);
		}
		defer_reply(KADIPC_REC_DEL_RES, m->hdr.peerid, c.key, error, 0);
		return;
	}
	fatalx("%s: unexpected %s from kadcrypt", __func__,
	    kadipc_type_name(m->hdr.type));
}

static void
net_scan(struct kadipc_msg *m)
{
	struct kadipc_net_scan	 sc;
	uint8_t			 keys[KADIPC_MAX_SCAN][KADIPC_KEY_LEN];
	uint8_t			 copies[KADIPC_MAX_SCAN];
	static const uint8_t	 zero[KADIPC_KEY_LEN];
	uint32_t		 n = 0;
	unsigned		 c;
	int			 r = 0;

	if (kadipc_recv_net_scan(m, &sc) == -1)
		fatalx("%s: bad NET_STORE_SCAN", __func__);
	/* one scan at a time; a zero cursor starts it over */
	if (memcmp(sc.after, zero, sizeof(zero)) == 0 &&
	    store_iter_begin(st) == -1)
		store_check_broken(EIO);
	if (sc.max > KADIPC_MAX_SCAN)
		sc.max = KADIPC_MAX_SCAN;
	while (n < sc.max && (r = store_iter_next(st, keys[n])) == 1) {
		/* migration acts on each key's count; a damaged record
		 * (or one gone since) has the default */
		if (store_copies(st, keys[n], &c) == -1) {
			store_check_broken(errno);
			c = 0;
		}
		copies[n++] = (uint8_t)c;
	}
	if (r == -1)
		store_check_broken(EIO);
	if (kadipc_send_net_keys(store_net, sc.cookie,
	    (const uint8_t (*)[KADIPC_KEY_LEN])keys, copies, n) == -1)
		fatal("%s", __func__);
}

/* A peer asks for a chunk: answer with its bytes, or why not. */
static void
net_store_get(struct kadipc_msg *m)
{
	struct kadipc_chunk_msg	 c;
	uint8_t			 buf[KADIPC_CHUNK_MAX];
	size_t			 len = 0;
	int			 r;

	if (kadipc_recv_net_req(m, &c) == -1)
		fatalx("%s: bad NET_STORE_GET", __func__);
	if (store_get(st, c.key, buf, sizeof(buf), &len) == 0)
		r = KADIPC_NET_FOUND;
	else if (errno == ENOENT)
		r = KADIPC_NET_NOTFOUND;
	else {
		store_check_broken(errno);
		r = KADIPC_NET_ERROR;
	}
	if (kadipc_send_net_res(store_net, KADIPC_NET_STORE_RES, c.cookie, r,
	    buf, len) == -1)
		fatal("%s", __func__);
}

/* Whether we hold a chunk, before a peer sends it. */
static void
net_store_have(struct kadipc_msg *m)
{
	struct kadipc_chunk_msg	 c;
	int			 r;

	if (kadipc_recv_net_req(m, &c) == -1)
		fatalx("%s: bad NET_STORE_HAVE", __func__);
	if ((r = store_has(st, c.key)) == -1)
		store_check_broken(EIO);
	if (kadipc_send_net_res(store_net, KADIPC_NET_STORE_RES, c.cookie,
	    r == 1 ? KADIPC_NET_FOUND : r == 0 ? KADIPC_NET_NOTFOUND :
	    KADIPC_NET_ERROR, NULL, 0) == -1)
		fatal("%s", __func__);
}

/* A peer's chunk: the store re-checks its hash. */
static void
net_store_put(struct kadipc_msg *m)
{
	struct kadipc_chunk_msg	 c;
	int			 status = KADIPC_NET_ERROR;

	if (kadipc_recv_net_publish(m, &c) == -1)
		fatalx("%s: bad NET_STORE_PUT", __func__);
	if (store_put_src(st, c.key, c.data, c.len, 0, c.copies,
	    c.source) == -1) {
		store_check_broken(errno);
		stat_net_bad++;
	} else {
		status = KADIPC_NET_FOUND;
		stat_net_puts++;
		/*
		 * a peer asking HAVE next must not skip a copy that a crash
		 * could still take back
		 */
		commit_now = 1;
	}
	/* its sender counts our copy once we say so: after the commit */
	if (c.cookie != 0)
		defer_net_reply(c.cookie, status);
}

/* The network's answer to a fetch: retry, or cache it and answer kadcrypt. */
static void
net_fetch_res(struct kadipc_msg *m)
{
	struct kadipc_chunk_msg	 c;
	struct waiting		*w;
	int			 r;

	if (kadipc_recv_net_res(m, &c) == -1)
		fatalx("%s: bad NET_FETCH_RES", __func__);
	if ((w = waiting_take(&fetching, c.cookie)) == NULL)
		fatalx("%s: NET_FETCH_RES for no fetch", __func__);
	if (c.error != KADIPC_NET_FOUND && ++w->tries < FETCH_TRIES) {
		/* ask again under the same cookie */
		RB_INSERT(waiting_tree, &fetching, w);
		stat_fetch_retries++;
		if (kadipc_send_net_req(store_net, KADIPC_NET_FETCH, w->cookie,
		    w->key) == -1)
			fatal("%s", __func__);
		return;
	}
	nfetching--;
	r = ENOENT;
	if (c.error == KADIPC_NET_FOUND) {
		/*
		 * cache it: every node contributes what it fetched.  The
		 * chunk's count is its publisher's, which a fetch does not
		 * learn: 1 asks for no copy more than there are, and only
		 * lets migration forward it toward its key, whose holders
		 * keep the real count.
		 */
		if (store_put_copies(st, w->key, c.data, c.len, 0, 1) == 0) {
			r = 0;
			stat_fetched++;
		} else
			store_check_broken(errno);
	}
	if (r != 0)
		stat_fetch_fail++;
	if (kadipc_send_chunk_res(store_crypt, KADIPC_CHUNK_GET_RES, w->peerid,
	    w->key, r, c.data, r == 0 ? c.len : 0) == -1)
		fatal("%s", __func__);
	free(w);
}

/* A published chunk is on the network, or could not be pushed there. */
static void
net_published(struct kadipc_msg *m)
{
	struct kadipc_chunk_msg	 c;
	struct waiting		*w;
	int			 failed;

	if (kadipc_recv_net_res(m, &c) == -1)
		fatalx("%s: bad NET_PUBLISHED", __func__);
	if ((w = waiting_take(&publishing, c.cookie)) == NULL)
		fatalx("%s: NET_PUBLISHED for no publish", __func__);
	npublishing--;
	failed = c.error != KADIPC_NET_FOUND && c.error != KADIPC_NET_ELSEWHERE;
	if (failed)
		stat_publish_fail++;
	/*
	 * Placed on other nodes only: unless keep-published, our pin goes
	 * and, no other file pinning it, the copy with it.  The network
	 * holds the file then, at its r copies, and this node no longer
	 * answers HAVE for every chunk of what it published.
	 */
	if (c.error == KADIPC_NET_ELSEWHERE && !keep_published) {
		if (store_drop(st, w->key, 1) == 0)
			stat_publish_let_go++;
		else if (errno != EBUSY && errno != ENOENT && errno != EINVAL)
			store_check_broken(errno);
	}
	/* stored here either way; the publisher hears it did not go */
	if (kadipc_send_chunk_put_res(store_crypt, w->peerid, w->key,
	    failed ? EHOSTUNREACH : 0, c.holders) == -1)
		fatal("%s", __func__);
	free(w);
}

void
store_dispatch_net(struct kadipc_chan *ch, struct kadipc_msg *m, void *arg)
{
	const uint8_t	*data;
	size_t		 len;

	(void)ch;
	(void)arg;
	/*
	 * kadnet says whether it has peers as soon as it runs, which may be
	 * before kadmaster's STORE_CONFIG reached us: a flag, taken any time.
	 */
	if (m->hdr.type == KADIPC_NET_ALONE) {
		if (kadipc_recv_net_alone(m, &net_alone) == -1)
			fatalx("%s: bad NET_ALONE", __func__);
		return;
	}
	if (!configured)
		fatalx("%s: %s before STORE_CONFIG", __func__,
		    kadipc_type_name(m->hdr.type));
	switch (m->hdr.type) {
	case KADIPC_NET_STORE_GET:
		net_store_get(m);
		return;
	case KADIPC_NET_STORE_HAVE:
		net_store_have(m);
		return;
	case KADIPC_NET_STORE_PUT:
		net_store_put(m);
		return;
	case KADIPC_NET_STORE_SCAN:
		net_scan(m);
		return;
	case KADIPC_NET_FETCH_RES:
		net_fetch_res(m);
		return;
	case KADIPC_NET_PUBLISHED:
		net_published(m);
		return;
	case KADIPC_NET_ROUTES:
		if (kadipc_recv_bytes(m, &data, &len) == -1)
			fatalx("%s: bad NET_ROUTES", __func__);
		store_routes_save(data, len);
		return;
	}
	fatalx("%s: unexpected %s from kadnet", __func__,
	    kadipc_type_name(m->hdr.type));
}
