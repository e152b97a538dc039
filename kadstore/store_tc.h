/* SPDX-License-Identifier: ISC */
/*
 * kadstore's chunk store: content-addressed chunks (key = SHA-256 of the
 * bytes) in Tokyo Cabinet, with pinning, an LRU byte limit and batched,
 * crash-safe commits.  No IPC; its own system calls are few and named in
 * store_space.c (space reservation, dropping mapped pages).  See
 * store_tc.c for the on-disk design, store_open.c for opening and the
 * index rebuild.
 *
 * Batching contract for the dispatcher:
 *   - store_put/store_unpin (and store_get, which may refresh a chunk's
 *     LRU position) join the open batch; their effect is visible to later
 *     calls at once but is not crash-safe yet.
 *   - store_commit() makes the batch survive kill -9; acknowledge puts to
 *     the peer only after it returned 0.
 *   - store_sync() also flushes to the device (power loss); call it from
 *     a timer.
 *   - After any -1 with errno EIO (a Tokyo Cabinet error) the store is
 *     "broken": writes and commits fail from then on and the process must
 *     exit without committing.  The next store_open() rolls back to the
 *     last commit.  Never lose committed data; never try to repair in place
 *     (rolling back needs open(2), which the sandbox forbids).
 */
#ifndef KAD_STORE_TC_H
#define KAD_STORE_TC_H

#include <stddef.h>
#include <stdint.h>

#define STORE_KEY_LEN	32		/* SHA-256 of the chunk bytes */
#define STORE_CHUNK_MAX	1024		/* the wire format carries 1024 */

/* File names inside the store directory. */
#define STORE_CHUNK_DB	"chunks.tch"	/* TCHDB: the chunks, source of truth */
#define STORE_LRU_DB	"lru.tcb"	/* TCBDB: LRU index, derived data */

struct store;

struct store_conf {
	uint64_t	limit;	/* storage-limit in payload bytes, 0: none */
	int64_t		bnum;	/* hash buckets, <= 0: ~2x limit/1 KiB */
	/*
	 * The limit is kadmaster's default, not the operator's: tune as
	 * without one, so a default node keeps the bucket array (and
	 * resident memory) it had when the default was no limit.
	 */
	int		tune_nolimit;
	/*
	 * <= 0: reserved mode where the filesystem allows it (ext2/3/4,
	 * XFS, tmpfs on Linux): TC maps its bucket array only, disk space
	 * is reserved ahead of its writes.  Elsewhere, or > 0: mapped mode
	 * with this many mapped bytes of the chunk file (the index maps a
	 * quarter; <= 0: 2x limit, 64 GiB without a limit), address space,
	 * not memory; new chunks get ENOSPC when the file nears it.  See
	 * "Full disks" in store_space.c.
	 */
	int64_t		xmsiz;
	/*
	 * source-share: the percentage of the limit one source's unpinned
	 * chunks may hold before eviction takes from them first, 1..100;
	 * 0: STORE_SHARE_DEFAULT.
	 */
	unsigned	share;
};
#define STORE_SHARE_DEFAULT	5

struct store_stats {
	uint64_t	chunks;		/* stored chunks */
	uint64_t	bytes;		/* their payload bytes */
	uint64_t	pinned;		/* chunks with pin count > 0 */
	uint64_t	pinned_bytes;	/* their payload bytes */
	uint64_t	evicted;	/* chunks evicted, ever */
	uint64_t	limit;		/* storage-limit in force, 0: none */
	uint64_t	sources;	/* sources holding unpinned chunks */
	uint64_t	source_bytes;	/* what they hold */
	uint64_t	source_max;	/* the largest source's bytes */
	uint64_t	share;		/* a source's share of the limit */
	uint64_t	evicted_share;	/* of sources over it, since open */
};

/* NULL with errno set (and a log line) on failure. */
struct store	*store_open(const char *dir, const struct store_conf *);
/* Commits, syncs and closes; see the note above on broken stores. */
void		 store_close(struct store *);

/*
 * 0 when stored (new) or already present; -1 with errno EINVAL (bad
 * length or SHA-256(data) != key: nothing stored), ENOSPC (an unpinned
 * chunk that cannot fit next to the pinned data, a full disk or a file
 * near its mapped size; the store stays usable), EOVERFLOW (pin count), EIO
 * (Tokyo Cabinet error, store broken).  A put with pin != 0 adds one
 * pin, also to an existing chunk; an unpinned put of a stored chunk is
 * an access, like a get.  Evicts least recently used unpinned chunks
 * while the payload bytes exceed the limit.  Pinned chunks may exceed it.
 */
int	store_put(struct store *, const uint8_t key[STORE_KEY_LEN],
	    const void *data, size_t len, int pin);
/*
 * Copies: how many nodes of the network should keep the chunk
 * (1..STORE_COPIES_MAX; 0, and store_put: STORE_COPIES_DEFAULT).  The
 * chunk keeps the largest count any put of it named; a chunk stored
 * before counts were kept has STORE_COPIES_DEFAULT.  store_put_copies
 * is store_put otherwise, with EINVAL for a count over the maximum.
 */
#define STORE_COPIES_DEFAULT	8
#define STORE_COPIES_MAX	32
int	store_put_copies(struct store *, const uint8_t key[STORE_KEY_LEN],
	    const void *data, size_t len, int pin, unsigned copies);
/*
 * Sources.  A chunk stored for a peer is accounted to the peer's network
 * (kadnet's netkey, never 0), kept in its record, and a chunk first
 * stored by another keeps that one; 0 is our own (published or fetched
 * here), and so is a chunk stored before sources were kept.  Pinned
 * chunks count for nobody.  While the payload exceeds the limit,
 * eviction first takes the least recently used chunks of the largest
 * source over share x limit, then the least recently used chunks of
 * all: a source that floods evicts its own chunks.  store_put_copies
 * is store_put_src with source 0.
 */
int	store_put_src(struct store *, const uint8_t key[STORE_KEY_LEN],
	    const void *data, size_t len, int pin, unsigned copies,
	    uint64_t source);
/* The bytes and chunks of one source (0 and 0 if it holds none). */
void	store_source(struct store *, uint64_t source, uint64_t *bytes,
	    uint64_t *chunks);
/* The chunk's copies, not an access; -1 ENOENT, EBADMSG, EIO. */
int	store_copies(struct store *, const uint8_t key[STORE_KEY_LEN],
	    unsigned *copies);
/*
 * 0 and *len set; -1 with ENOENT, ERANGE (bufsz too small), EBADMSG (a
 * damaged record) or EIO.  May refresh the chunk's LRU position, which
 * joins the open batch; if that fails the store is broken and the next
 * store_commit() says so.
 */
int	store_get(struct store *, const uint8_t key[STORE_KEY_LEN],
	    void *buf, size_t bufsz, size_t *len);
/* 1 present, 0 absent, -1 EIO.  Not an access: the LRU is untouched. */
int	store_has(struct store *, const uint8_t key[STORE_KEY_LEN]);
/* Size and pin count of a chunk without touching the LRU; -1 ENOENT. */
int	store_info(struct store *, const uint8_t key[STORE_KEY_LEN],
	    size_t *len, uint32_t *pins);
/* Drops one pin; -1 with ENOENT if absent, EINVAL if not pinned. */
int	store_unpin(struct store *, const uint8_t key[STORE_KEY_LEN]);
/*
 * Deletes a chunk (unpin: after dropping one pin); -1 with ENOENT if
 * absent, EBUSY if it is (still) pinned, EIO.
 */
int	store_drop(struct store *, const uint8_t key[STORE_KEY_LEN], int unpin);

/*
 * Records: small opaque values (kadcrypt's sealed list) under a 32-byte
 * id, in the chunk file under "kadrec:" || id, so they share its
 * batches and crash safety and are never taken for chunks.  put: -1
 * EINVAL (length), ENOSPC, EIO; get: ENOENT, ERANGE, EIO; del: ENOENT,
 * EIO.  store_rec.c.
 */
#define STORE_REC_MAX	STORE_CHUNK_MAX
int	store_rec_put(struct store *, const uint8_t id[STORE_KEY_LEN],
	    const void *, size_t);
int	store_rec_get(struct store *, const uint8_t id[STORE_KEY_LEN],
	    void *, size_t, size_t *);
int	store_rec_del(struct store *, const uint8_t id[STORE_KEY_LEN]);
int	store_commit(struct store *);	/* end the open batch */
int	store_dirty(struct store *);	/* 1 if a batch is open */
/* 1 in reserved mode, 0 in mapped mode (store_space.c, "Full disks"). */
int	store_reserved(struct store *);
int	store_sync(struct store *);	/* commit + flush to the device */
void	store_stats(struct store *, struct store_stats *);
/* Text of the last error of this store ("" if none). */
const char *store_errstr(struct store *);

/*
 * Key iteration (for migration).  One iterator per store.  Keys stored or
 * evicted during an iteration may or may not be returned; a key evicted
 * and stored again may be returned twice.  next: 1 key, 0 end, -1 EIO.
 */
int	store_iter_begin(struct store *);
int	store_iter_next(struct store *, uint8_t key[STORE_KEY_LEN]);

/*
 * Full consistency check (O(n log n), for tests and a control command):
 * scans every chunk, checks each unpinned one has its LRU index entry and
 * compares the counters.  *scan receives what the scan counted.  0 if
 * consistent, -1 with errno EIO and store_errstr() saying what differs.
 */
int	store_verify(struct store *, struct store_stats *scan);

#ifdef KAD_TEST_HOOKS
/* Tests: store_commit() calls _exit(99) between its two TC commits. */
extern int	store_test_exit_between_commits;
#endif

#endif /* KAD_STORE_TC_H */
