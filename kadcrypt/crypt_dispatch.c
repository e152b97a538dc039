/* SPDX-License-Identifier: ISC */
/*
 * kadcrypt's transfers: the plaintext side of put, get and unpin.
 *
 * A put reads the file kadctl passed as an fd (crypt_fd.c), turns it
 * into sealed chunks (publish.c) and pipelines them to kadstore, at most
 * the transfer window ahead of what kadstore has committed; the client
 * hears the bytes stored (XFER_ACK).  A get drives the fetch engine
 * (fetch.c): chunk requests to kadstore within the engine's window,
 * verified plaintext into the fd kadctl passed (XFER_SINK).  No file byte
 * goes through kadmaster.  Nothing waits for a single round trip;
 * replies come back in order.
 *
 * kadcrypt is not an oracle for these: it only seals streams it chunks
 * itself and only opens chunks named by a link's verified tree.  Its one
 * oracle, the hashed DH of the node key that kadnet may ask for, is
 * crypt_oracle.c's, and checks every request.
 *
 * Gets, unpins and rms, and their retries: crypt_get.c.
 *
 * The file list (crypt_list.c) is read the first time a transfer needs
 * it: ls, find, unpin, rm and the end of a put wait for it
 * (wait_list) and go on in crypt_list_loaded.
 */
#include <sys/types.h>
#include <sys/time.h>

#include <bsd/sys/queue.h>
#include <bsd/stdlib.h>
#include <bsd/string.h>
#include <errno.h>
#include <event2/event.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "kadipc.h"
#include "kadipc_msg.h"
#include "log.h"
#include "worker.h"
#include "kadcrypt.h"
#include "publish.h"
#include "put_place.h"
#include "fetch.h"
#include "filelist.h"
#include "crypt_xfer.h"

#define MAX_XFERS	64
struct xfers		 xfers = TAILQ_HEAD_INITIALIZER(xfers);
static int		 nxfers;
uint32_t		 xfer_window = 8 * 1024 * 1024;
uint64_t		 stat_get_bytes, stat_retries, stat_repairs;
uint64_t		 stat_repairs_skipped, repairs_inflight;
static uint64_t		 stat_repairs_published, stat_repairs_failed;
static uint64_t		 stat_rebuilt, stat_stripes_parity;
static uint64_t		 stat_put_bytes, stat_chunks_out, stat_put_unplaced;
static uint64_t		 stat_stale_replies, stat_dedup;

struct kadipc_chan	*crypt_master, *crypt_store;

struct xfer *
xfer_find(uint32_t id)
{
	struct xfer	*x;

	TAILQ_FOREACH(x, &xfers, entry)
		if (x->id == id)
			return (x);
	return (NULL);
}

void
xfer_free(struct xfer *x)
{
	struct fetch_stats	 fs;

	TAILQ_REMOVE(&xfers, x, entry);
	nxfers--;
	fd_release(x);
	if (x->obuf != NULL)
		freezero(x->obuf, READ_CHUNK);
	if (x->pub != NULL)
		publish_free(x->pub);
	put_place_free(x->place);
	if (x->fetch != NULL) {
		fetch_stats(x->fetch, &fs);
		stat_rebuilt += fs.rebuilt;
		stat_stripes_parity += fs.stripes_parity;
		fetch_free(x->fetch);
	}
	crypt_sha256_free(x->plain);
	free(x->retries);
	free(x->covered);
	freezero(x, sizeof(*x));
}

struct xfer *
xfer_new(uint32_t id, enum xfer_kind kind)
{
	struct xfer	*x;

	if ((x = calloc(1, sizeof(*x))) == NULL)
		fatal("%s", __func__);
	x->id = id;
	x->kind = kind;
	x->fd = -1;
	x->wait_slot = -1;
	TAILQ_INSERT_TAIL(&xfers, x, entry);
	nxfers++;
	return (x);
}

uint64_t
mono_ms(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000);
}

void
to_master(uint32_t type, uint32_t id, const void *data, size_t len)
{
	if (kadipc_compose(crypt_master, type, id, -1, data, len) == -1)
		fatal("%s: %s", __func__, kadipc_type_name(type));
}

void
to_store(uint32_t type, uint32_t id, const struct iovec *iov, int n)
{
	if (kadipc_composev(crypt_store, type, id, -1, iov, n) == -1)
		fatal("%s: %s", __func__, kadipc_type_name(type));
}

void
xfer_fail(struct xfer *x, const char *fmt, ...)
{
	struct kadipc_text	 t;
	va_list			 ap;
	int			 r;

	va_start(ap, fmt);
	r = kadipc_vsend_error(crypt_master, KADIPC_XFER_ERROR, x->id, &t,
	    fmt, ap);
	va_end(ap);
	if (r == -1)
		fatal("%s: XFER_ERROR", __func__);
	log_debug("transfer %u: %s", x->id, t.text);
	xfer_free(x);
}

/* put */

static int
ring_push(struct xfer *x, uint64_t v)
{
	uint64_t	*n;
	size_t		 i, nsize;

	if (x->ring_len == x->ring_size) {
		nsize = x->ring_size ? x->ring_size * 2 : 1024;
		if ((n = reallocarray(NULL, nsize, sizeof(*n))) == NULL)
			return (-1);
		for (i = 0; i < x->ring_len; i++)
			n[i] = x->covered[(x->ring_head + i) % x->ring_size];
		free(x->covered);
		x->covered = n;
		x->ring_size = nsize;
		x->ring_head = 0;
	}
	x->covered[(x->ring_head + x->ring_len) % x->ring_size] = v;
	x->ring_len++;
	return (0);
}

/*
 * Every chunk goes to kadstore, pinned, with the copies the network
 * should keep of it (8 for the root, which has no parity; r for the
 * others), which kadstore hands to kadnet with it.
 */
static int
put_emit(const uint8_t key[32], const uint8_t *data, size_t len,
    const struct chunk_info *ci, void *arg)
{
	struct xfer		*x = arg;
	struct kadipc_chunk	 head;
	struct iovec		 iov[2];
	uint64_t		 covered;

	if (ci->kind == CHUNK_DATA)
		x->data_chunks++;
	/* plaintext stored once this chunk (and those before) are */
	covered = x->data_chunks * KADIPC_CHUNK_MAX;
	if (covered > x->bytes_in)
		covered = x->bytes_in;
	if (ring_push(x, covered) == -1 ||
	    put_place_add(x->place, key, ci) == -1)
		return (-1);
	memset(&head, 0, sizeof(head));
	memcpy(head.key, key, sizeof(head.key));
	head.flags = KADIPC_CHUNK_F_PIN;
	head.copies = ci->copies;
	iov[0].iov_base = &head;
	iov[0].iov_len = sizeof(head);
	iov[1].iov_base = (void *)(uintptr_t)data;
	iov[1].iov_len = len;
	to_store(KADIPC_CHUNK_PUT, x->id, iov, 2);
	stat_chunks_out++;
	return (0);
}

/* A put, and the fd of the plaintext it reads (now ours). */
static void
put_begin(uint32_t id, struct kadipc_msg *m)
{
	struct kadipc_xfer_begin xb;
	struct xfer		*x;
	const char		*errstr;
	int			 fd = m->fd;

	m->fd = -1;
	if (kadipc_recv_xfer_begin(m, &xb) == -1)
		fatalx("%s: bad XFER_PUT_BEGIN", __func__);
	x = xfer_new(id, XFER_PUT);
	if ((errstr = fd_take(x, fd, 0)) != NULL) {
		xfer_fail(x, "%s", errstr);
		return;
	}
	strlcpy(x->name, xb.name, sizeof(x->name));
	if ((x->plain = crypt_sha256_new()) == NULL ||
	    (x->place = put_place_new()) == NULL)
		fatalx("%s: out of memory", __func__);
	x->list_flags = xb.flags & KADIPC_XFER_F_DIR ? KADIPC_LIST_F_DIR : 0;
	if ((x->pub = publish_new(xb.name, 0, xb.flags & KADIPC_XFER_F_DIR,
	    &errstr)) == NULL) {
		xfer_fail(x, "cannot publish: %s", errstr);
		return;
	}
	src_pump(x);
}

/* Plaintext read from the client's fd; -1: x failed and is gone. */
int
put_feed(struct xfer *x, const uint8_t *data, size_t len)
{
	if (x->kind != XFER_PUT || x->ended)
		fatalx("%s: out of state", __func__);
	x->bytes_in += len;
	stat_put_bytes += len;
	if (crypt_sha256_update(x->plain, data, len) == -1)
		fatalx("%s: SHA-256", __func__);
	if (publish_update(x->pub, data, len, put_emit, x) == -1) {
		xfer_fail(x, "publishing failed");
		return (-1);
	}
	return (0);
}

/* The new file joins the list: its keyed hash finds it again. */
static int
put_list(struct xfer *x)
{
	struct fl_entry	 e;
	uint8_t		 sha[CRYPT_HASH_LEN];
	uint64_t	 size, nchunks;
	int		 height, rv = 0;

	memset(&e, 0, sizeof(e));
	if (crypt_sha256_final(x->plain, sha) == -1 ||
	    crypt_list_mac(sha, e.mac) == -1 ||
	    publish_info(x->pub, &size, &nchunks, &height) == -1)
		fatalx("%s: cannot describe the file", __func__);
	e.size = size;
	e.time = time(NULL);
	e.flags = KADIPC_LIST_F_PINNED | x->list_flags;
	e.holders = KADIPC_HOLDERS_UNKNOWN;
	strlcpy(e.name, x->name[0] != '\0' ? x->name : "stdin",
	    sizeof(e.name));
	strlcpy(e.link, x->link, sizeof(e.link));
	if ((x->wait_slot = crypt_list_add(&e)) == -1) {
		xfer_fail(x, "published, but the file list is full (%d "
		    "files); the link is not listed: %s", FL_MAX, x->link);
		rv = -1;
	}
	explicit_bzero(&e, sizeof(e));
	return (rv);
}

/*
 * A put is answered once every stripe can be decoded from what the
 * network took (kadstore answers a chunk once kadnet placed it); the
 * rest goes on in the background, counted in publish-background, and
 * the transfer is freed with its last answer.
 */
void
put_maybe_done(struct xfer *x)
{
	if (x->background) {
		if (x->ring_len == 0) {
			if (put_place_unplaced(x->place) > 0)
				log_warnx("a put finished in the background "
				    "with %llu chunks kept here for migration",
				    (unsigned long long)
				    put_place_unplaced(x->place));
			stat_put_unplaced += put_place_unplaced(x->place);
			xfer_free(x);
		}
		return;
	}
	if (!x->ended ||
	    (x->ring_len > 0 && !put_place_decodable(x->place)))
		return;
	if (!crypt_list_ready()) {
		x->wait_list = 1;
		return;
	}
	if (x->wait_slot >= 0)
		return;		/* its record is on its way */
	(void)put_list(x);
}

/* How many networks proved what the network took so far. */
static void
put_confirmed_info(struct xfer *x)
{
	uint64_t	n;
	unsigned	min = put_place_min_holders(x->place, &n);

	if (n == 0)
		xfer_info(x, "confirmed: the root on %u other networks",
		    put_place_root_holders(x->place));
	else
		xfer_info(x, "confirmed: the root on %u other networks, each "
		    "of the %llu other chunks placed so far on at least %u",
		    put_place_root_holders(x->place), (unsigned long long)n,
		    min);
}

/* A put's record is committed (or refused): now it has its answer. */
void
crypt_list_written(uint32_t slot, int error)
{
	struct kadipc_link	 l;
	struct xfer		*x;

	TAILQ_FOREACH(x, &xfers, entry)
		if (x->kind == XFER_PUT && x->wait_slot == (int64_t)slot)
			break;
	if (x == NULL)
		return;		/* a change, or the client went away */
	if (error != 0) {
		xfer_fail(x, "published, but the file list could not record it "
		    "(%s); the link is %s", strerror(error), x->link);
		return;
	}
	if (put_place_unplaced(x->place) > 0)
		xfer_info(x, "%llu chunks (in %llu stripes) are kept here "
		    "until migration pushes them; every stripe can be "
		    "decoded from the network already",
		    (unsigned long long)put_place_unplaced(x->place),
		    (unsigned long long)put_place_stripes_hit(x->place));
	put_confirmed_info(x);
	if (x->ring_len > 0)
		xfer_info(x, "every stripe can be decoded from the network; "
		    "%llu of %llu chunks are still being placed "
		    "(kadctl status: publish-background)",
		    (unsigned long long)put_place_pending(x->place),
		    (unsigned long long)put_place_emitted(x->place));
	xfer_progress(x, x->bytes_in, 1);
	memset(&l, 0, sizeof(l));
	strlcpy(l.link, x->link, sizeof(l.link));
	to_master(KADIPC_XFER_LINK, x->id, &l, sizeof(l));
	explicit_bzero(&l, sizeof(l));
	if (x->ring_len > 0) {
		/* the client has its answer: nothing more goes to it */
		x->background = 1;
		x->wait_slot = -1;
		fd_release(x);
		return;
	}
	stat_put_unplaced += put_place_unplaced(x->place);
	xfer_free(x);
}

/* The client's fd is read to its end: the rest of the tree, the root. */
void
put_end(struct xfer *x)
{
	if (x->kind != XFER_PUT || x->ended)
		fatalx("%s: out of state", __func__);
	x->ended = 1;
	if (publish_final(x->pub, put_emit, x, x->link,
	    sizeof(x->link)) == -1) {
		xfer_fail(x, "publishing failed");
		return;
	}
	put_maybe_done(x);
}

static void
put_stored(struct xfer *x, const struct kadipc_chunk_res *res)
{
	uint64_t		 covered;

	if (x->ring_len == 0)
		fatalx("%s: CHUNK_PUT_RES with nothing pending", __func__);
	covered = x->covered[x->ring_head];
	x->ring_head = (x->ring_head + 1) % x->ring_size;
	x->ring_len--;
	if (res->error == 0)
		put_place_holders(x->place, res->key, res->holders);
	if (put_place_result(x->place, res->key,
	    res->error != EHOSTUNREACH) == -1) {
		if (errno == EINVAL)
			fatalx("%s: CHUNK_PUT_RES for a chunk never put",
			    __func__);
		if (errno != EPIPE)
			fatal("%s", __func__);
		if (x->background) {
			/* cannot be: a decodable stripe has its k' */
			log_warnx("a put in the background lost a stripe");
			xfer_free(x);
			return;
		}
		xfer_fail(x, "stored here, but a stripe lost more chunks than "
		    "it has parity on their way to the network, or the root "
		    "was lost (%llu chunks not pushed or not proved by "
		    "enough networks: put-confirm); try again",
		    (unsigned long long)put_place_unplaced(x->place));
		return;
	}
	if (res->error != 0 && res->error != EHOSTUNREACH &&
	    x->background) {
		log_warnx("a put in the background: the store refused a "
		    "chunk: %s", strerror(res->error));
		xfer_free(x);
		return;
	}
	if (res->error != 0 && res->error != EHOSTUNREACH) {
		xfer_fail(x, "the store refused a chunk: %s",
		    strerror(res->error));
		return;
	}
	if (covered > x->acked)
		x->acked = covered;
	if (!x->background)
		xfer_progress(x, x->acked, x->ended && x->ring_len == 0);
	x->dirty = 1;	/* the window moved: crypt_store_batch reads on */
	put_maybe_done(x);
}

/* ls and find: answered from the list alone. */
void
list_answer(struct xfer *x)
{
	struct kadipc_list_entry	 le;
	struct kadipc_link		 l;
	const struct fl_entry		*e;
	uint8_t				 mac[CRYPT_HASH_LEN];
	ssize_t				 i;
	size_t				 j;

	if (!crypt_list_ready()) {
		x->wait_list = 1;
		return;
	}
	if (x->kind == XFER_LS) {
		for (j = 0; j < crypt_list_count(); j++) {
			e = crypt_list_entry(j);
			memset(&le, 0, sizeof(le));
			le.size = e->size;
			le.time = e->time;
			le.flags = e->flags;
			le.holders = e->holders;
			strlcpy(le.name, e->name, sizeof(le.name));
			strlcpy(le.link, e->link, sizeof(le.link));
			to_master(KADIPC_XFER_ENTRY, x->id, &le, sizeof(le));
		}
		explicit_bzero(&le, sizeof(le));
		to_master(KADIPC_XFER_DONE, x->id, NULL, 0);
		xfer_free(x);
		return;
	}
	if (crypt_list_mac(x->find, mac) == -1)
		fatalx("%s: HMAC", __func__);
	if ((i = crypt_list_find_mac(mac, x->name)) >= 0) {
		memset(&l, 0, sizeof(l));
		strlcpy(l.link, crypt_list_entry((size_t)i)->link,
		    sizeof(l.link));
		stat_dedup++;
		to_master(KADIPC_XFER_LINK, x->id, &l, sizeof(l));
		explicit_bzero(&l, sizeof(l));
	} else
		to_master(KADIPC_XFER_DONE, x->id, NULL, 0);
	xfer_free(x);
}

/* The list is read: whatever waited for it goes on. */
void
crypt_list_loaded(void)
{
	struct xfer	*x, *tmp;

	TAILQ_FOREACH_SAFE(x, &xfers, entry, tmp) {
		if (!x->wait_list)
			continue;
		x->wait_list = 0;
		switch (x->kind) {
		case XFER_PUT:
			put_maybe_done(x);
			break;
		case XFER_LS:
		case XFER_FIND:
			list_answer(x);
			break;
		default:
			walk_start(x);
			break;
		}
	}
}

/*
 * After a burst of chunk replies: move every transfer they fed, so the
 * plaintext leaves in large messages and each pump sees many chunks.
 */
void
crypt_store_batch(struct kadipc_chan *ch, void *arg)
{
	struct xfer	*x, *tmp;

	(void)ch;
	(void)arg;
	TAILQ_FOREACH_SAFE(x, &xfers, entry, tmp) {
		if (!x->dirty)
			continue;
		x->dirty = 0;
		if (x->kind == XFER_PUT)
			src_pump(x);
		else
			get_pump(x);
	}
}

/* dispatchers */

static void
crypt_shutdown(void)
{
	exit(0);
}

static void
crypt_stats(struct kad_stats *s)
{
	struct xfer	*x;
	uint64_t	 bg = 0, bgall = 0;

	TAILQ_FOREACH(x, &xfers, entry)
		if (x->kind == XFER_PUT && x->background) {
			bg += put_place_pending(x->place);
			bgall += put_place_emitted(x->place);
		}
	kad_stats_add(s, "transfers", nxfers);
	kad_stats_add(s, "publish-background", bg);
	kad_stats_add(s, "publish-bg-permille",
	    bgall == 0 ? 0 : bg * 1000 / bgall);
	kad_stats_add(s, "bytes-published", stat_put_bytes);
	kad_stats_add(s, "chunks-published", stat_chunks_out);
	kad_stats_add(s, "put-chunks-unplaced", stat_put_unplaced);
	kad_stats_add(s, "bytes-fetched", stat_get_bytes);
	kad_stats_add(s, "puts-deduplicated", stat_dedup);
	kad_stats_add(s, "chunk-retries", stat_retries);
	kad_stats_add(s, "chunks-rebuilt", stat_rebuilt);
	kad_stats_add(s, "stripes-with-parity", stat_stripes_parity);
	kad_stats_add(s, "repairs-queued", stat_repairs);
	kad_stats_add(s, "repairs-published", stat_repairs_published);
	kad_stats_add(s, "repairs-failed", stat_repairs_failed);
	kad_stats_add(s, "repairs-skipped", stat_repairs_skipped);
	crypt_list_stats(s);
	crypt_oracle_stats(s);
}

static const struct kad_worker_ops crypt_ops = {
	crypt_shutdown, crypt_stats
};

/* A new transfer of any kind; its id is free and there is room. */
static void
xfer_begin(struct kadipc_msg *m)
{
	struct kadipc_xfer_find	 f;
	struct xfer		*x;

	switch (m->hdr.type) {
	case KADIPC_XFER_PUT_BEGIN:
		put_begin(m->hdr.peerid, m);
		break;
	case KADIPC_XFER_GET_BEGIN:
		get_begin(m->hdr.peerid, m, XFER_GET);
		break;
	case KADIPC_XFER_UNPIN:
		get_begin(m->hdr.peerid, m, XFER_UNPIN);
		break;
	case KADIPC_XFER_RM:
		get_begin(m->hdr.peerid, m, XFER_RM);
		break;
	case KADIPC_XFER_LS:
		if (kadipc_recv_empty(m) == -1)
			fatalx("%s: bad XFER_LS", __func__);
		list_answer(xfer_new(m->hdr.peerid, XFER_LS));
		break;
	default:
		x = xfer_new(m->hdr.peerid, XFER_FIND);
		if (kadipc_recv_xfer_find(m, &f) == -1)
			fatalx("%s: bad XFER_FIND", __func__);
		memcpy(x->find, f.hash, sizeof(x->find));
		strlcpy(x->name, f.name, sizeof(x->name));
		list_answer(x);
		break;
	}
}

void
crypt_dispatch_master(struct kadipc_chan *ch, struct kadipc_msg *m,
    void *arg)
{
	struct kadipc_crypt_config	 cc;
	struct xfer			*x;
	int				 fd;
	static int			 configured, identified;

	(void)arg;
	if (kad_worker_master(ch, m, &crypt_ops))
		return;
	switch (m->hdr.type) {
	case KADIPC_CRYPT_CONFIG:
		if (configured || kadipc_recv_crypt_config(m, &cc) == -1 ||
		    cc.window < 65536)
			fatalx("%s: bad CRYPT_CONFIG", __func__);
		configured = 1;
		xfer_window = cc.window;
		return;
	case KADIPC_CRYPT_IDENTITY:
		/* the node key next; ready once it is good */
		if (!configured)
			fatalx("%s: CRYPT_IDENTITY before CRYPT_CONFIG",
			    __func__);
		if (crypt_identity(m)) {
			identified = 1;
			to_master(KADIPC_READY, 0, NULL, 0);
		}
		return;
	}
	if (!identified)
		fatalx("%s: %s before the node key", __func__,
		    kadipc_type_name(m->hdr.type));
	x = xfer_find(m->hdr.peerid);
	switch (m->hdr.type) {
	case KADIPC_XFER_PUT_BEGIN:
	case KADIPC_XFER_GET_BEGIN:
	case KADIPC_XFER_UNPIN:
	case KADIPC_XFER_RM:
	case KADIPC_XFER_LS:
	case KADIPC_XFER_FIND:
		if (x != NULL)
			fatalx("%s: transfer %u exists", __func__,
			    m->hdr.peerid);
		if (nxfers >= MAX_XFERS) {
			if (kadipc_send_error(crypt_master, KADIPC_XFER_ERROR,
			    m->hdr.peerid, NULL,
			    "too many transfers; try again later") == -1)
				fatal("%s: XFER_ERROR", __func__);
			return;
		}
		xfer_begin(m);
		return;
	case KADIPC_XFER_ABORT:
		if (x != NULL)
			xfer_free(x);
		return;
	}
	/* the rest belong to a live transfer; a failed one is gone */
	if (x == NULL)
		return;
	switch (m->hdr.type) {
	case KADIPC_XFER_SINK:
		if (kadipc_recv_empty(m) == -1)
			fatalx("%s: bad XFER_SINK", __func__);
		fd = m->fd;
		m->fd = -1;
		sink_begin(x, fd);
		return;
	}
	fatalx("%s: unexpected %s from kadmaster", __func__,
	    kadipc_type_name(m->hdr.type));
}

void
crypt_dispatch_store(struct kadipc_chan *ch, struct kadipc_msg *m,
    void *arg)
{
	struct kadipc_chunk_msg	 c;
	struct kadipc_chunk_res	 res;
	struct xfer		*x;

	(void)ch;
	(void)arg;
	if (kadipc_recv_chunk_res(m, &c) == -1)
		fatalx("%s: bad %s", __func__, kadipc_type_name(m->hdr.type));
	switch (m->hdr.type) {
	case KADIPC_REC_PUT_RES:
	case KADIPC_REC_GET_RES:
	case KADIPC_REC_DEL_RES:
		crypt_list_reply(m->hdr.type, &c);
		return;
	}
	if (m->hdr.type == KADIPC_CHUNK_PUT_RES && m->hdr.peerid == 0) {
		/* a get's repair (get_repairs): on the network, or not */
		if (repairs_inflight == 0)
			fatalx("%s: CHUNK_PUT_RES for no repair", __func__);
		repairs_inflight--;
		if (c.error == 0)
			stat_repairs_published++;
		else
			stat_repairs_failed++;
		return;
	}
	if ((x = xfer_find(m->hdr.peerid)) == NULL) {
		/* a transfer that failed or was aborted: its replies drain */
		stat_stale_replies++;
		return;
	}
	switch (m->hdr.type) {
	case KADIPC_CHUNK_PUT_RES:
		if (x->kind != XFER_PUT)
			fatalx("%s: CHUNK_PUT_RES for a get", __func__);
		memcpy(res.key, c.key, sizeof(res.key));
		res.error = c.error;
		res.holders = c.holders;
		put_stored(x, &res);
		return;
	case KADIPC_CHUNK_GET_RES:
		if (x->kind == XFER_PUT)
			fatalx("%s: CHUNK_GET_RES for a put", __func__);
		get_chunk(x, &c);
		return;
	case KADIPC_CHUNK_UNPIN_RES:
	case KADIPC_CHUNK_DROP_RES:
		unpin_reply(x, m->hdr.type, &c);
		return;
	}
	fatalx("%s: unexpected %s from kadstore", __func__,
	    kadipc_type_name(m->hdr.type));
}
