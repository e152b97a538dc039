/* SPDX-License-Identifier: ISC */
/*
 * kadcrypt's gets, unpins and rms: the fetch engine (fetch.c) walks a
 * link's tree, chunk requests go to kadstore within the engine's window
 * and verified plaintext into the fd the client passed (crypt_fd.c); an
 * unpin or rm walks the index only and unpins or drops each key.
 *
 * A chunk the network does not have (kadstore's lookups found nobody
 * holding it) goes to the engine first: while its stripe has parity
 * left to ask for, the engine asks for that instead and forgets the
 * miss.  A chunk nothing can replace is asked for again, 1 s later,
 * then 2, 4 and 8 s, until the get's timeout: only then does the get
 * fail, naming the stripe short of chunks; meanwhile XFER_INFO tells
 * the user what it waits for.  Unpin and rm do not wait.
 *
 * Chunks the engine had to rebuild are taken from its repair queue as
 * the get goes (get_repairs), so that the queue never stops the get.
 */
#include <sys/types.h>

#include <bsd/stdlib.h>
#include <bsd/string.h>
#include <errno.h>
#include <event2/event.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kadipc.h"
#include "kadipc_msg.h"
#include "log.h"
#include "kadcrypt.h"
#include "fetch.h"
#include "filelist.h"
#include "manifest.h"
#include "crypt_xfer.h"

/* The last word of an unpin or rm, once every reply is in. */
static void
unpin_finish(struct xfer *x)
{
	struct fl_entry		 e;
	const struct fl_entry	*le;
	ssize_t			 i;
	const char		*name = "this link";

	if ((i = crypt_list_find_link(x->link)) >= 0) {
		le = crypt_list_entry((size_t)i);
		name = le->name;
	}
	if (x->kind == XFER_UNPIN) {
		if (x->unpin_missing > 0) {
			xfer_fail(x, "%" PRIu64 " chunks of %s are not stored "
			    "here", x->unpin_missing, name);
			return;
		}
		if (x->unpin_done == 0)
			xfer_info(x, "%s was not pinned here; nothing changed",
			    name);
		else
			xfer_info(x, "unpinned %s (%" PRIu64 " chunks)", name,
			    x->unpin_done);
		if (i >= 0) {
			e = *crypt_list_entry((size_t)i);
			if (e.flags & KADIPC_LIST_F_PINNED) {
				e.flags &= ~KADIPC_LIST_F_PINNED;
				crypt_list_update((size_t)i, &e);
			}
			explicit_bzero(&e, sizeof(e));
		}
	} else {
		xfer_info(x, "removed %s: %" PRIu64 " chunks dropped, %"
		    PRIu64 " not stored here, %" PRIu64 " kept for another "
		    "file", name, x->unpin_done, x->unpin_missing, x->rm_busy);
		if (i >= 0)
			crypt_list_remove((size_t)i);
	}
	to_master(KADIPC_XFER_DONE, x->id, NULL, 0);
	xfer_free(x);
}

/*
 * An rm whose tree cannot be walked (an index chunk gone from here and
 * from the network): the file still leaves the list, once the replies
 * due are in, and the user hears what could not be dropped.
 */
static void
rm_unwalked(struct xfer *x)
{
	ssize_t	 i;

	if (x->outstanding > 0)
		return;
	if ((i = crypt_list_find_link(x->link)) >= 0) {
		xfer_info(x, "removed %s from the list; %" PRIu64 " chunks "
		    "dropped, the others not found (%s)",
		    crypt_list_entry((size_t)i)->name, x->unpin_done,
		    fetch_error(x->fetch));
		crypt_list_remove((size_t)i);
	}
	to_master(KADIPC_XFER_DONE, x->id, NULL, 0);
	xfer_free(x);
}

/*
 * Chunks a get rebuilt, and parity it found missing, are ciphertext
 * that the network should hold again: each goes to kadstore unpinned
 * (a get must not pin another's file here) but pushed (F_PUSH), with r
 * copies, so the key's closest nodes hold it again: reading a damaged
 * file heals it.  Their answers come back under transfer id 0, which
 * the control socket never gives out.  At most REPAIRS_INFLIGHT wait
 * at once; beyond, a rebuilt chunk is counted and let go (migration
 * and the next reader still repair it).
 */
#define REPAIRS_INFLIGHT	4096

static void
get_repairs(struct xfer *x)
{
	struct kadipc_chunk	 head;
	struct iovec		 iov[2];
	uint8_t			 buf[KADIPC_CHUNK_MAX];
	size_t			 len;

	memset(&head, 0, sizeof(head));
	head.flags = KADIPC_CHUNK_F_PUSH;
	head.copies = KAD_COPIES;
	iov[0].iov_base = &head;
	iov[0].iov_len = sizeof(head);
	iov[1].iov_base = buf;
	while (fetch_next_repair(x->fetch, head.key, buf, &len) == 1) {
		stat_repairs++;
		if (repairs_inflight >= REPAIRS_INFLIGHT) {
			stat_repairs_skipped++;
			continue;
		}
		iov[1].iov_len = len;
		to_store(KADIPC_CHUNK_PUT, 0, iov, 2);
		repairs_inflight++;
	}
}

void
get_pump(struct xfer *x)
{
	struct kadipc_xfer_meta	 meta;
	struct kadipc_key	 k;
	struct iovec		 iov;

	memset(&meta, 0, sizeof(meta));
	if (x->kind == XFER_GET && !x->meta_sent &&
	    fetch_meta(x->fetch, &meta.size, meta.name,
	    sizeof(meta.name)) == 1) {
		x->meta_sent = 1;
		meta.flags = fetch_is_dir(x->fetch) ? KADIPC_XFER_F_DIR : 0;
		if (x->skip > meta.size) {
			xfer_fail(x, "the partial file is longer than the "
			    "file (%" PRIu64 " bytes); get it again without "
			    "resuming", meta.size);
			return;
		}
		to_master(KADIPC_XFER_META, x->id, &meta, sizeof(meta));
	}
	/* the plaintext, into the client's fd (once it has sent it) */
	if (x->kind == XFER_GET && sink_pump(x) == -1)
		return;
	get_repairs(x);
	if (fetch_error(x->fetch) != NULL) {
		if (x->kind == XFER_RM && crypt_list_find_link(x->link) >= 0)
			rm_unwalked(x);
		else
			xfer_fail(x, "%s", fetch_error(x->fetch));
		return;
	}
	if (fetch_done(x->fetch)) {
		if (x->outstanding > 0)
			return;	/* stray replies still due; wait for them */
		if (x->kind == XFER_UNPIN || x->kind == XFER_RM) {
			unpin_finish(x);
			return;
		}
		/* the sink always comes, even for nothing left to write */
		if (!x->sink_seen || !sink_idle(x))
			return;
		/* the client's fd is closed before it hears the end */
		xfer_progress(x, x->written, 1);
		fd_release(x);
		to_master(KADIPC_XFER_DONE, x->id, NULL, 0);
		xfer_free(x);
		return;
	}
	memset(&k, 0, sizeof(k));
	while (fetch_want(x->fetch, k.key) == 1) {
		iov.iov_base = &k;
		iov.iov_len = sizeof(k);
		to_store(KADIPC_CHUNK_GET, x->id, &iov, 1);
		x->outstanding++;
	}
}

/* The walk of a get, an unpin or an rm, once the list allows. */
void
walk_start(struct xfer *x)
{
	const struct fl_entry	*e;
	char			 err[KADIPC_TEXT_MAX];
	ssize_t			 i;

	if (x->kind != XFER_GET) {
		if (!crypt_list_ready()) {
			x->wait_list = 1;
			return;
		}
		i = crypt_list_find_link(x->link);
		e = i >= 0 ? crypt_list_entry((size_t)i) : NULL;
		/* listed and unpinned: nothing to walk for */
		if (x->kind == XFER_UNPIN && e != NULL &&
		    !(e->flags & KADIPC_LIST_F_PINNED)) {
			xfer_info(x, "%s was not pinned here; nothing changed",
			    e->name);
			to_master(KADIPC_XFER_DONE, x->id, NULL, 0);
			xfer_free(x);
			return;
		}
		/* a file not listed may be pinned by an older kad */
		x->rm_pin = e == NULL || (e->flags & KADIPC_LIST_F_PINNED);
	}
	if ((x->fetch = fetch_new(x->link, x->kind != XFER_GET, err,
	    sizeof(err))) == NULL) {
		xfer_fail(x, "%s", err);
		return;
	}
	get_pump(x);
}

void
get_begin(uint32_t id, struct kadipc_msg *m, enum xfer_kind kind)
{
	struct kadipc_xfer_get	 g;
	struct kadipc_link	 l;
	struct xfer		*x;

	memset(&g, 0, sizeof(g));
	if (kind == XFER_GET) {
		if (kadipc_recv_xfer_get(m, &g) == -1)
			fatalx("%s: bad XFER_GET_BEGIN", __func__);
	} else {
		if (kadipc_recv_link(m, &l) == -1)
			fatalx("%s: bad link message", __func__);
		memcpy(g.link, l.link, sizeof(g.link));
		explicit_bzero(&l, sizeof(l));
	}
	x = xfer_new(id, kind);
	strlcpy(x->link, g.link, sizeof(x->link));
	x->timeout = g.timeout;
	x->deadline = mono_ms() + (uint64_t)g.timeout * 1000;
	x->info_at = 0;	/* the first wait is told at once */
	explicit_bzero(&g.link, sizeof(g.link));
	if (g.offset > 0) {
		x->skip = g.offset;
		if ((x->plain = crypt_sha256_new()) == NULL)
			fatalx("%s: SHA-256", __func__);
	}
	walk_start(x);
}

/*
 * Unpin and rm: the engine walks the index tree (fetching index chunks
 * like a get), and each key it reports is unpinned (or dropped) in the
 * store.
 */
static void
unpin_keys(struct xfer *x)
{
	struct kadipc_chunk	 c;
	struct iovec		 iov;
	int			 is_index;

	memset(&c, 0, sizeof(c));
	while (fetch_next_key(x->fetch, c.key, &is_index) == 1) {
		iov.iov_base = &c;
		if (x->kind == XFER_RM) {
			c.flags = x->rm_pin ? KADIPC_CHUNK_F_PIN : 0;
			iov.iov_len = sizeof(c);
			to_store(KADIPC_CHUNK_DROP, x->id, &iov, 1);
		} else {
			iov.iov_len = sizeof(c.key);
			to_store(KADIPC_CHUNK_UNPIN, x->id, &iov, 1);
		}
		x->outstanding++;
	}
}

static struct event	*ev_retry;

void
crypt_dispatch_init(struct event_base *base)
{
	if ((ev_retry = evtimer_new(base, crypt_retry_tick, NULL)) == NULL)
		fatalx("%s: evtimer_new", __func__);
}

static void
retry_arm(void)
{
	struct timeval	 tv = { 0, RETRY_TICK_MS * 1000 };

	if (ev_retry != NULL && !evtimer_pending(ev_retry, NULL))
		evtimer_add(ev_retry, &tv);
}

/* Not found: wait and ask again; 1 if it is to be waited for. */
static int
retry_add(struct xfer *x, const uint8_t key[KADIPC_KEY_LEN], uint64_t now)
{
	struct retry	*r;
	size_t		 i;

	/* only a key the engine still needs: a store cannot add work */
	if (x->kind != XFER_GET || now >= x->deadline)
		return (0);
	for (i = 0; i < x->nretries; i++)
		if (memcmp(x->retries[i].key, key, KADIPC_KEY_LEN) == 0)
			break;
	if (i == x->nretries) {
		if (x->nretries == x->retriescap) {
			x->retriescap = x->retriescap ? x->retriescap * 2 : 16;
			if ((r = reallocarray(x->retries, x->retriescap,
			    sizeof(*r))) == NULL)
				fatal("%s", __func__);
			x->retries = r;
		}
		r = &x->retries[x->nretries++];
		memcpy(r->key, key, KADIPC_KEY_LEN);
		r->backoff = RETRY_FIRST_MS;
	} else {
		r = &x->retries[i];
		r->backoff = r->backoff * 2 > RETRY_MAX_MS ? RETRY_MAX_MS :
		    r->backoff * 2;
	}
	r->due = now + r->backoff;
	stat_retries++;
	retry_arm();
	return (1);
}

/* A chunk that came after all: no longer waited for. */
static void
retry_drop(struct xfer *x, const uint8_t key[KADIPC_KEY_LEN])
{
	size_t	 i;

	for (i = 0; i < x->nretries; i++)
		if (memcmp(x->retries[i].key, key, KADIPC_KEY_LEN) == 0) {
			x->retries[i] = x->retries[--x->nretries];
			return;
		}
}

/* The deadline has passed with key (and maybe more) not found: fail. */
static void
retry_give_up(struct xfer *x, const uint8_t key[KADIPC_KEY_LEN])
{
	const char	*why;

	/* the engine names the stripe short of chunks and counts them */
	(void)fetch_abandon(x->fetch, key);
	why = fetch_error(x->fetch) != NULL ? fetch_error(x->fetch) : "";
	if (fetch_meta(x->fetch, NULL, NULL, 0) == 1)
		xfer_fail(x, "not found on the network in %u s: %s",
		    x->timeout, why);
	else
		xfer_fail(x, "1 chunks not found on the network in %u s; %s",
		    x->timeout, why);
}

/* Ask again for what is due; give up at the deadline.  0: x is gone. */
static int
retry_run(struct xfer *x, uint64_t now)
{
	struct kadipc_key	 k;
	struct iovec		 iov;
	size_t			 i, waiting = 0;

	if (x->nretries == 0)
		return (1);
	/* a stripe complete without them: nothing more to wait for */
	for (i = 0; i < x->nretries; )
		if (x->retries[i].due != 0 &&
		    !fetch_asked(x->fetch, x->retries[i].key))
			x->retries[i] = x->retries[--x->nretries];
		else
			i++;
	if (x->nretries == 0)
		return (1);
	if (now >= x->deadline) {
		for (i = 0; i < x->nretries; i++)
			if (x->retries[i].due != 0)
				waiting++;
		if (waiting > 0) {
			retry_give_up(x, x->retries[0].key);
			return (0);
		}
	}
	for (i = 0; i < x->nretries; i++) {
		if (x->retries[i].due == 0 || x->retries[i].due > now)
			continue;
		x->retries[i].due = 0;
		memcpy(k.key, x->retries[i].key, sizeof(k.key));
		iov.iov_base = &k;
		iov.iov_len = sizeof(k);
		to_store(KADIPC_CHUNK_GET, x->id, &iov, 1);
		x->outstanding++;
	}
	if (now >= x->info_at + RETRY_INFO_MS) {
		x->info_at = now;
		xfer_info(x, "waiting for %zu chunks the network has not "
		    "given yet; giving up in %llu s", x->nretries,
		    (unsigned long long)((x->deadline - now + 999) / 1000));
	}
	return (1);
}

void
crypt_retry_tick(evutil_socket_t fd, short ev, void *arg)
{
	struct xfer	*x, *tmp;
	uint64_t	 now = mono_ms();
	int		 more = 0;

	(void)fd;
	(void)ev;
	(void)arg;
	TAILQ_FOREACH_SAFE(x, &xfers, entry, tmp)
		if (retry_run(x, now) && x->nretries > 0)
			more = 1;
	if (more)
		retry_arm();
}

void
get_chunk(struct xfer *x, const struct kadipc_chunk_msg *c)
{
	if (x->outstanding == 0)
		fatalx("%s: CHUNK_GET_RES with nothing pending", __func__);
	x->outstanding--;
	if (c->error == ENOENT) {
		/* 0: replaced by parity, 1: not needed; 2: only it will do */
		if (fetch_missing(x->fetch, c->key) != 2) {
			if (x->nretries > 0)
				retry_drop(x, c->key);
		} else if (!retry_add(x, c->key, mono_ms())) {
			if (x->kind == XFER_GET && x->timeout > 0) {
				retry_give_up(x, c->key);
				return;
			}
			(void)fetch_abandon(x->fetch, c->key);
		}
	} else if (c->error != 0) {
		xfer_fail(x, "the store could not read a chunk: %s",
		    strerror(c->error));
		return;
	} else {
		if (x->nretries > 0)
			retry_drop(x, c->key);
		fetch_chunk(x->fetch, c->key, c->data, c->len);
	}
	if (x->kind == XFER_UNPIN || x->kind == XFER_RM)
		unpin_keys(x);
	x->dirty = 1;	/* pumped once per burst: crypt_store_batch */
}

/* An unpin's or an rm's answer for one chunk. */
void
unpin_reply(struct xfer *x, uint32_t type, const struct kadipc_chunk_msg *c)
{
	if ((type == KADIPC_CHUNK_UNPIN_RES ? XFER_UNPIN : XFER_RM) !=
	    x->kind || x->outstanding == 0)
		fatalx("%s: unexpected %s", __func__, kadipc_type_name(type));
	x->outstanding--;
	switch (c->error) {
	case 0:
		x->unpin_done++;
		break;
	case ENOENT:
		x->unpin_missing++;
		break;
	case EALREADY:
		if (type != KADIPC_CHUNK_UNPIN_RES)
			goto bad;
		x->unpin_already++;
		break;
	case EBUSY:
		if (type != KADIPC_CHUNK_DROP_RES)
			goto bad;
		x->rm_busy++;
		break;
	default:
	bad:
		xfer_fail(x, "the store could not %s a chunk: %s",
		    x->kind == XFER_RM ? "drop" : "unpin", strerror(c->error));
		return;
	}
	x->dirty = 1;
}
