/*
 * kadstore's dispatchers.  Puts and unpins join the store's open batch;
 * their replies wait until the batch is committed at the end of the read
 * burst that carried them (kadipc's batch callback), so an acknowledged
 * chunk survives kill -9 and a burst of a thousand puts costs one commit.
 * A timer flushes to the device every sync-interval.
 */
#include <sys/types.h>

#include <bsd/stdlib.h>
#include <errno.h>
#include <event2/event.h>
#include <stdlib.h>
#include <string.h>

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
};

static struct store	*st;
static struct event	*ev_sync;
static struct reply	*replies;
static size_t		 nreplies, repliessz;
static uint64_t		 limit;
static int		 configured;
static uint64_t		 stat_puts, stat_gets, stat_misses, stat_refused;

void
store_dispatch_init(struct store *s, struct event_base *base, uint64_t lim)
{
	st = s;
	limit = lim;
	if ((ev_sync = evtimer_new(base, NULL, NULL)) == NULL)
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

static void
defer_reply(uint32_t type, uint32_t peerid, const uint8_t *key, int error)
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
}

void
store_batch_end(struct kadipc_chan *ch, void *arg)
{
	size_t	 i;

	(void)ch;
	(void)arg;
	if (nreplies == 0)
		return;
	if (store_commit(st) == -1)
		fatalx("store commit failed: %s; exiting so the next start "
		    "rolls back", store_errstr(st));
	for (i = 0; i < nreplies; i++)
		if (kadipc_send_chunk_res(store_crypt, replies[i].type,
		    replies[i].peerid, replies[i].key, replies[i].error,
		    NULL, 0) == -1)
			fatal("%s: reply", __func__);
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
store_stats_send(void)
{
	struct store_stats	 ss;
	struct kad_stats	 s;

	store_stats(st, &ss);
	memset(&s, 0, sizeof(s));
	kad_stats_add(&s, "stored-chunks", ss.chunks);
	kad_stats_add(&s, "stored-bytes", ss.bytes);
	kad_stats_add(&s, "pinned-chunks", ss.pinned);
	kad_stats_add(&s, "storage-limit", ss.limit);
	kad_stats_add(&s, "evicted-chunks", ss.evicted);
	kad_stats_add(&s, "chunk-puts", stat_puts);
	kad_stats_add(&s, "chunk-gets", stat_gets);
	kad_stats_add(&s, "chunk-misses", stat_misses);
	kad_stats_add(&s, "chunks-refused", stat_refused);
	if (kad_stats_send(store_master, &s) == -1)
		fatal("%s", __func__);
}

void
store_dispatch_master(struct kadipc_chan *ch, struct kadipc_msg *m, void *arg)
{
	struct kadipc_store_config	 sc;
	struct timeval			 tv;

	(void)ch;
	(void)arg;
	if (kad_worker_common(m))
		return;
	switch (m->hdr.type) {
	case KADIPC_SHUTDOWN:
		log_debug("shutting down");
		store_exit(0);
	case KADIPC_STATS_REQ:
		store_stats_send();
		return;
	case KADIPC_STORE_CONFIG:
		if (configured || kadipc_msg_exact(m, &sc, sizeof(sc)) == -1 ||
		    sc.limit != limit || sc.sync_ms < 10 || sc.pad0 != 0)
			fatalx("%s: bad STORE_CONFIG", __func__);
		configured = 1;
		tv.tv_sec = sc.sync_ms / 1000;
		tv.tv_usec = (sc.sync_ms % 1000) * 1000;
		event_assign(ev_sync, event_get_base(ev_sync), -1, EV_PERSIST,
		    store_sync_cb, NULL);
		evtimer_add(ev_sync, &tv);
		if (kadipc_compose(store_master, KADIPC_READY, 0, -1, NULL,
		    0) == -1)
			fatal("%s: READY", __func__);
		return;
	}
	fatalx("%s: unexpected %s from kadmaster", __func__,
	    kadipc_type_name(m->hdr.type));
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
		if (store_put(st, c.key, c.data, c.len,
		    c.flags & KADIPC_CHUNK_F_PIN) == -1) {
			error = errno;
			store_check_broken(error);
			stat_refused++;
			log_debug("refused a chunk: %s", strerror(error));
		} else
			stat_puts++;
		defer_reply(KADIPC_CHUNK_PUT_RES, m->hdr.peerid, c.key, error);
		return;
	case KADIPC_CHUNK_GET:
		stat_gets++;
		if (store_get(st, c.key, buf, sizeof(buf), &len) == -1) {
			error = errno;
			store_check_broken(error);
			if (error == ENOENT)
				stat_misses++;
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
		defer_reply(KADIPC_CHUNK_UNPIN_RES, m->hdr.peerid, c.key,
		    error == EINVAL ? ENOENT : error);
		return;
	}
	fatalx("%s: unexpected %s from kadcrypt", __func__,
	    kadipc_type_name(m->hdr.type));
}

void
store_dispatch_net(struct kadipc_chan *ch, struct kadipc_msg *m, void *arg)
{
	(void)ch;
	(void)arg;
	fatalx("%s: unexpected %s from kadnet", __func__,
	    kadipc_type_name(m->hdr.type));
}
