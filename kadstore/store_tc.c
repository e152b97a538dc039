/*
 * kadstore's chunk store on Tokyo Cabinet.  The only includer of tchdb.h
 * and tcbdb.h in the project.
 *
 * Files (in the store directory, all opened by store_open):
 *   chunks.tch      TCHDB, HDBTLARGE, tuned bnum/xmsiz.  The source of
 *                   truth: one record per chunk,
 *                     key   = SHA-256(data), 32 bytes
 *                     value = tick (u64 BE) || pins (u32 BE) || 0 (u32)
 *                             || data (0..STORE_CHUNK_MAX bytes)
 *                   plus one meta record under the 13-byte key
 *                   "kadstore:meta" (no chunk key has that length):
 *                   format version, batch generation, LRU clock and the
 *                   counters (chunks, bytes, pinned, pinned bytes, evicted).
 *   lru.tcb         TCBDB, the LRU index: one empty-valued record per
 *                   UNPINNED chunk under the 40-byte key tick (u64 BE) ||
 *                   chunk key, so the least recently used chunk is the
 *                   first record (cursor first, O(log n)).  Its own meta
 *                   record (key 8 x 0xff || "meta", which sorts after every
 *                   tick) holds the batch generation of the index.
 *   *.wal           Tokyo Cabinet's rollback logs, one per file.
 *
 * Batches and crash safety.  Every change joins an open batch: a
 * transaction on each file, begun lazily, without HDBOTSYNC (TC's WAL
 * holds pre-images; committing only truncates it).  store_commit() writes
 * the counters and generation g+1 into both meta records, commits the
 * TCHDB, then the TCBDB.  A kill -9 at any moment leaves each file at its
 * last commit once TC has replayed its WAL at the next open, so the chunk
 * file and its counters always agree.  The two files agree as well unless
 * the kill landed between the two commits; then the generations differ
 * (or the index meta is missing or the index does not open) and
 * store_open() rebuilds the index from a scan of the chunk file (sorted
 * bulk load, recounting the counters on the way).  Power loss is covered
 * only up to the last store_sync() (tchdbsync/tcbdbsync: msync + fsync),
 * which the dispatcher runs from a timer.
 *
 * LRU clock.  A logical clock hands out one tick per LRU insertion.  A get
 * refreshes a chunk (new tick, record rewritten, index entry moved) only
 * when its tick is more than 1/STORE_LRU_SLACK_DIV of the unpinned chunks
 * behind the clock: such a chunk may have that many younger entries
 * before it, so the order is exact LRU for everything older than the
 * youngest 1/8, and a hot chunk costs one rewrite per n/8 insertions
 * instead of one per get.  Pinned chunks keep their tick but have no
 * index entry; the last unpin gives them a fresh tick.
 *
 * Full disks and resident memory.  TC maps the first xmsiz bytes of a
 * file and reads and writes records beyond them with pread()/pwrite(),
 * where it mistakes a failed write for success (tchdbseekwrite: int
 * result >= size_t size): a full disk would lose committed chunks
 * silently and leave a file that no longer opens.  Inside the mapping it
 * grows the file with a checked ftruncate() and writes through the map
 * (a full disk then means EIO or SIGBUS; both roll back to the last
 * commit), but every page it touches there stays in our RSS.  Two modes:
 *   - reserved (Linux, on ext2/3/4, XFS and tmpfs, the default): TC maps
 *     only its header and bucket array (xmsiz 0), and the store keeps
 *     the disk blocks past each file's end allocated ahead of TC
 *     (fallocate, KEEP_SIZE) and within RLIMIT_FSIZE, so no write TC
 *     makes can fail for space; new chunks get ENOSPC when no more can be
 *     reserved.  Resident memory: the bucket array (8 bytes per bucket)
 *     and TC's caches.  These filesystems overwrite in place, so an
 *     allocated block stays writable; a copy-on-write one would not.
 *     At open, reflinked blocks are unshared (an in-place write to a
 *     shared block would need new space), and a filesystem that cannot
 *     fallocate (ext2/3 files without extents) means mapped mode.
 *   - mapped (elsewhere, or when the configuration sets xmsiz): xmsiz
 *     defaults to twice the limit (address space, not memory), new
 *     chunks get ENOSPC before a file nears its mapping, store_open()
 *     maps more when a file has outgrown the configured xmsiz, and the
 *     mapped pages are dropped from our RSS as we go (mapped()).
 *
 * Sandbox.  TC opens a .wal file lazily at the first tranbegin and keeps
 * it, so store_open() begins and commits a batch on both files before it
 * returns.  After that the steady state needs no open/unlink/rename, with
 * two exceptions in TC that this module avoids or documents:
 *   - tchdbtranabort() (and tchdbclose() with a transaction open) reopen
 *     the .wal to roll back: never called here.  After any TC error the
 *     store is "broken" (TC itself refuses further transactions) and the
 *     process must exit; the next open rolls back.
 *   - tchdbclose() unlinks the empty .wal, and crashes (NULL map write in
 *     tchdbsetecode) if unlink fails: the store worker's filter must allow
 *     unlink, or the worker must exit without store_close().
 */

#include <sys/types.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#ifdef __linux__
#include <sys/vfs.h>
#include <linux/magic.h>
#endif

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bsd/string.h>
#include <bsd/sys/endian.h>
#include <openssl/evp.h>
#include <tcutil.h>
#include <tchdb.h>
#include <tcbdb.h>

#include "log.h"
#include "store_tc.h"

#define HDR_LEN		16			/* tick, pins, reserved */
#define VAL_MAX		(HDR_LEN + STORE_CHUNK_MAX)
#define IKEY_LEN	(8 + STORE_KEY_LEN)	/* tick || key */

#define META_VERSION	1
#define META_HKEY	"kadstore:meta"
#define META_HKEY_LEN	(sizeof(META_HKEY) - 1)
#define META_HLEN	64
#define META_BLEN	16
#define META_BKEY_LEN	12

#define STORE_LRU_SLACK_DIV	8	/* see "LRU clock" above */
#define REBUILD_MAX_BAD		4096	/* damaged records dropped per open */

/* Tuning defaults (see LIMITS.md section 2). */
#define BNUM_MIN	131071		/* TC's default */
#define BNUM_MAX	(1LL << 27)	/* 1 GiB of 8-byte buckets */
#define BNUM_NOLIMIT	1048573
#define HDB_FPOW	12		/* 4096 free blocks: eviction churn */
#define IDX_LCNUM	4096
#define IDX_NCNUM	1024

/*
 * Mapped sizes in mapped mode (address space, not memory; see "Full
 * disks" above for why every file must stay inside its mapping).
 */
#define XMSIZ_MIN	(64LL << 20)
#define XMSIZ_MAX	(1LL << 40)
#define XMSIZ_NOLIMIT	(64LL << 30)
#define IDX_XMSIZ_MIN	(2LL << 20)
#define HDB_GUARD	(64LL << 10)	/* more than one put appends */
#define HDB_HEADSIZ	256		/* TC's file header, before the buckets */
#define IDX_PER_OP	256		/* index growth per op, at commit */
#define IDX_PER_ENT	128		/* index bytes per entry, generous */
#define IDX_SLACK	(512LL << 10)	/* reserved mode: index growth slack */
#define TRIM_CHECK	64		/* accesses between fault counts */
#define TRIM_FAULTS	256		/* minor faults between trims */
#define RESV_STEP	(8LL << 20)	/* space reserved ahead at a time */
#define RESV_LOW	(4LL << 20)	/* reserve again below this much */
#define FREE_MARGIN	(32LL << 20)	/* left free for the WAL files */

static const uint8_t meta_bkey[META_BKEY_LEN] = {
	0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 'm', 'e', 't', 'a'
};

struct chunk_hdr {
	uint64_t	tick;
	uint32_t	pins;
};

struct store {
	TCHDB			*hdb;
	TCBDB			*bdb;
	BDBCUR			*cur;		/* LRU cursor */
	EVP_MD			*sha256;	/* fetched once */
	EVP_MD_CTX		*mdctx;		/* reused */
	struct store_stats	 st;		/* counters, limit */
	uint64_t		 gen;		/* last committed batch */
	uint64_t		 clock;		/* last tick handed out */
	uint64_t		 xmsiz;		/* mapped size, chunk file */
	uint64_t		 idx_xmsiz;	/* mapped size, index */
	uint64_t		 nops;		/* index ops in the batch */
	uint64_t		 mapops;	/* accesses, for mapped() */
	int			 trim;		/* records are mapped: trim */
	int			 resv;		/* reserved mode, see room() */
	int			 resv_failed;	/* at open: use mapped mode */
	uint64_t		 hresv, iresv;	/* files' allocated ends */
	uint64_t		 hbase, ibase;	/* their blocks at open */
	uint64_t		 fsize_max;	/* RLIMIT_FSIZE */
	long			 minflt;	/* minor faults at the last trim */
	int64_t			 bnum;
	int			 intx;		/* a batch is open */
	int			 unsynced;	/* committed, not synced */
	int			 broken;	/* TC error: read-only */
	struct store		*next;		/* abandoned stores */
	char			 errstr[320];	/* room for whybroken */
	char			 whybroken[256];
	uint8_t			 vbuf[VAL_MAX + 1]; /* +1: detect oversize */
};

/* For store_open's index rebuild and store_verify. */
struct scan {
	struct store		*s;
	int			 verify;
	struct store_stats	 st;
	uint64_t		 maxtick;
	uint64_t		 unpinned;
	uint64_t		 missing;	/* verify: no index entry */
	uint64_t		 nbadrec;
	uint8_t			(*ents)[IKEY_LEN];
	size_t			 nents, entcap;
	uint8_t			(*bad)[STORE_KEY_LEN];
	size_t			 nbad, badcap;
	int			 nomem;
};

/* Broken stores are never closed (see above); keep them reachable. */
static struct store	*abandoned;

#ifdef KAD_TEST_HOOKS
int	store_test_exit_between_commits;
#endif

static int
seterr(struct store *s, int error, const char *fmt, ...)
    __attribute__((__format__(printf, 3, 4)));

static int
seterr(struct store *s, int error, const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	(void)vsnprintf(s->errstr, sizeof(s->errstr), fmt, ap);
	va_end(ap);
	errno = error;
	return (-1);
}

/*
 * A Tokyo Cabinet error.  TC marks the handle fatal for every error but
 * "no record" and "exists", so the store goes read-only.
 */
static int
tc_fail(struct store *s, const char *what, const char *file, int ecode)
{
	int	 saved = errno;

	switch (ecode) {
	case TCETRUNC:
	case TCESYNC:
	case TCESEEK:
	case TCEREAD:
	case TCEWRITE:
	case TCEMMAP:
	case TCEOPEN:
	case TCECLOSE:
		/* errno still comes from the failed system call */
		(void)snprintf(s->errstr, sizeof(s->errstr), "%s %s: %s: %s",
		    file, what, tcerrmsg(ecode), strerror(saved));
		break;
	default:
		(void)snprintf(s->errstr, sizeof(s->errstr), "%s %s: %s",
		    file, what, tcerrmsg(ecode));
		break;
	}
	if (!s->broken) {
		log_warnx("store: %s; no more writes", s->errstr);
		(void)strlcpy(s->whybroken, s->errstr, sizeof(s->whybroken));
	}
	s->broken = 1;
	errno = EIO;
	return (-1);
}

static int
hdb_fail(struct store *s, const char *what)
{
	return (tc_fail(s, what, STORE_CHUNK_DB, tchdbecode(s->hdb)));
}

static int
bdb_fail(struct store *s, const char *what)
{
	return (tc_fail(s, what, STORE_LRU_DB, tcbdbecode(s->bdb)));
}

static int
broken_err(struct store *s)
{
	/* the error that broke the store, not whatever came after */
	(void)snprintf(s->errstr, sizeof(s->errstr), "store is broken: %s",
	    s->whybroken);
	errno = EIO;
	return (-1);
}

static void
ikey_make(uint8_t ik[IKEY_LEN], uint64_t tick, const uint8_t *key)
{
	be64enc(ik, tick);
	memcpy(ik + 8, key, STORE_KEY_LEN);
}

static int
hash_check(struct store *s, const uint8_t *key, const void *data,
    size_t len)
{
	uint8_t		 md[EVP_MAX_MD_SIZE];
	unsigned int	 mdlen;

	if (data == NULL)
		data = "";
	if (EVP_DigestInit_ex(s->mdctx, s->sha256, NULL) != 1 ||
	    EVP_DigestUpdate(s->mdctx, data, len) != 1 ||
	    EVP_DigestFinal_ex(s->mdctx, md, &mdlen) != 1)
		return (seterr(s, ENOMEM, "SHA-256 failed"));
	if (mdlen != STORE_KEY_LEN || memcmp(md, key, STORE_KEY_LEN) != 0)
		return (seterr(s, EINVAL, "key is not SHA-256 of the data"));
	return (0);
}

/* Open the batch (a transaction on each file) before the first write. */
static int
batch_begin(struct store *s)
{
	if (s->broken)
		return (broken_err(s));
	if (s->intx)
		return (0);
	if (!tchdbtranbegin(s->hdb))
		return (hdb_fail(s, "tranbegin"));
	if (!tcbdbtranbegin(s->bdb))
		return (bdb_fail(s, "tranbegin"));
	s->intx = 1;
	return (0);
}

/* Whether hdb maps more than its header and bucket array. */
static int
maps_records(const TCHDB *hdb)
{
	long	 pg = sysconf(_SC_PAGESIZE);

	return (pg > 0 && hdb->xmsiz > (hdb->msiz + (uint64_t)pg - 1) /
	    (uint64_t)pg * (uint64_t)pg);
}

/*
 * Resident memory.  Every page TC touches through its (large) mapping
 * stays in this process's RSS: a 1 GiB put left 1.1 GiB of the chunk
 * file mapped in.  Those pages belong to the page cache, so dropping our
 * mappings of them loses nothing (dirty shared pages stay dirty in the
 * cache, also inside a transaction); the next access to one is a minor
 * fault.  How much an access maps varies (a read fault maps up to 16
 * cached neighbours, "fault-around"), so the trigger is the number of
 * minor faults since the last trim: TRIM_FAULTS of them map at most
 * 16 MiB.  Checked every TRIM_CHECK accesses (one getrusage).
 */
static void
trim_map(TCHDB *hdb)
{
	uint64_t	 start, end, maplen;
	long		 pg = sysconf(_SC_PAGESIZE);

	if (hdb->map == NULL || pg <= 0)
		return;
	/* the header and bucket array stay: touched by every access */
	start = (hdb->msiz + (uint64_t)pg - 1) / (uint64_t)pg * (uint64_t)pg;
	maplen = hdb->xmsiz > hdb->msiz ? hdb->xmsiz : hdb->msiz;
	end = hdb->fsiz > hdb->xfsiz ? hdb->fsiz : hdb->xfsiz;
	if (end > maplen)
		end = maplen;
	end = (end + (uint64_t)pg - 1) / (uint64_t)pg * (uint64_t)pg;
	if (end > start && madvise(hdb->map + start, (size_t)(end - start),
	    MADV_DONTNEED) == -1)
		log_warn("%s: madvise", __func__);
}

static void
mapped(struct store *s)
{
	struct rusage	 ru;

	if (!s->trim || ++s->mapops % TRIM_CHECK != 0 ||
	    getrusage(RUSAGE_SELF, &ru) == -1 ||
	    ru.ru_minflt - s->minflt < TRIM_FAULTS)
		return;
	s->minflt = ru.ru_minflt;
	trim_map(s->hdb);
	trim_map(s->bdb->hdb);
}

/*
 * Look a chunk up; its record stays in s->vbuf.  1 found, 0 absent, -1
 * error (EBADMSG for a damaged record, which does not break the store).
 */
static int
chunk_lookup(struct store *s, const uint8_t *key, struct chunk_hdr *h,
    size_t *len)
{
	int	 n;

	mapped(s);
	n = tchdbget3(s->hdb, key, STORE_KEY_LEN, s->vbuf,
	    (int)sizeof(s->vbuf));
	if (n == -1) {
		if (tchdbecode(s->hdb) == TCENOREC)
			return (0);
		return (hdb_fail(s, "get"));
	}
	if (n < HDR_LEN || n > VAL_MAX)
		return (seterr(s, EBADMSG, "damaged chunk record (%d bytes)",
		    n));
	h->tick = be64dec(s->vbuf);
	h->pins = be32dec(s->vbuf + 8);
	*len = (size_t)n - HDR_LEN;
	return (1);
}

/* Store the record in s->vbuf with header *h. */
static int
chunk_write(struct store *s, const uint8_t *key, const struct chunk_hdr *h,
    size_t len)
{
	be64enc(s->vbuf, h->tick);
	be32enc(s->vbuf + 8, h->pins);
	be32enc(s->vbuf + 12, 0);
	mapped(s);
	if (!tchdbput(s->hdb, key, STORE_KEY_LEN, s->vbuf,
	    (int)(HDR_LEN + len)))
		return (hdb_fail(s, "put"));
	return (0);
}

static int
lru_add(struct store *s, uint64_t tick, const uint8_t *key)
{
	uint8_t	 ik[IKEY_LEN];

	ikey_make(ik, tick, key);
	s->nops++;
	if (!tcbdbput(s->bdb, ik, IKEY_LEN, "", 0))
		return (bdb_fail(s, "put"));
	return (0);
}

static int
lru_del(struct store *s, uint64_t tick, const uint8_t *key)
{
	uint8_t	 ik[IKEY_LEN];

	ikey_make(ik, tick, key);
	s->nops++;
	if (!tcbdbout(s->bdb, ik, IKEY_LEN)) {
		/* a missing entry is harmless here: it is going away */
		if (tcbdbecode(s->bdb) == TCENOREC)
			return (0);
		return (bdb_fail(s, "out"));
	}
	return (0);
}

/* Allocate [from, to) of fd without changing its size. */
static int
falloc(int fd, uint64_t from, uint64_t to)
{
#ifdef __linux__
	return (fallocate(fd, FALLOC_FL_KEEP_SIZE, (off_t)from,
	    (off_t)(to - from)));
#else
	(void)fd;
	(void)from;
	(void)to;
	errno = EOPNOTSUPP;
	return (-1);
#endif
}

/*
 * Bytes the filesystem under fd can still give us while keeping a margin
 * (1/16 of it, at most FREE_MARGIN) for Tokyo Cabinet's WAL files, which
 * it truncates at every transaction and so cannot be reserved.
 */
static uint64_t
spare(int fd)
{
#ifdef __linux__
	struct statfs	 sf;
	uint64_t	 avail, margin, bs;

	if (fstatfs(fd, &sf) == -1)
		return (0);
	if (sf.f_blocks == 0)
		return (UINT64_MAX / 4);	/* a tmpfs without a size */
	bs = sf.f_frsize != 0 ? (uint64_t)sf.f_frsize : (uint64_t)sf.f_bsize;
	avail = (uint64_t)sf.f_bavail * bs;
	margin = (uint64_t)sf.f_blocks * bs / 16;
	if (margin > FREE_MARGIN)
		margin = FREE_MARGIN;
	return (avail > margin ? avail - margin : 0);
#else
	(void)fd;
	return (0);
#endif
}

/*
 * Reserved mode: make sure the blocks of [0, need) of the file are
 * allocated (from 0 the first time, which also fills any hole TC left),
 * up to RESV_STEP ahead so this runs once per few MiB of growth, but
 * never more than a quarter of what is left, so the other file still
 * gets its share.  When not even `need` can be had, what is reserved
 * still serves; past it, -1 with errno ENOSPC (or EFBIG: RLIMIT_FSIZE).
 */
static int
reserve(struct store *s, int fd, uint64_t *end, uint64_t base0,
    uint64_t need)
{
	uint64_t	 to, base, room, add;

	if (need + RESV_LOW <= *end)
		return (0);
	/*
	 * What is allocated already costs nothing to reserve again: up to
	 * *end, or before any reservation the blocks the file had at open
	 * (a first reservation starts at 0 to fill any hole).
	 */
	base = *end > base0 ? *end : base0;
	room = spare(fd);
	add = need > base ? need - base : 0;
	if (need > s->fsize_max)
		errno = EFBIG;
	else if (add > room)
		errno = ENOSPC;
	else {
		to = need + ((room - add) / 4 < RESV_STEP ? (room - add) / 4 :
		    RESV_STEP);
		if (to > s->fsize_max)
			to = s->fsize_max;
		if (to <= *end)
			errno = ENOSPC;
		else if (falloc(fd, *end, to) == 0) {
			*end = to;
			return (0);
		}
	}
	return (need <= *end ? 0 : -1);
}

/*
 * Room for one more write operation on both files, or ENOSPC; see "Full
 * disks" above.  In mapped mode growth is refused before either file
 * nears its xmsiz; in reserved mode before the reserved space runs out.
 */
static int
room(struct store *s)
{
	uint64_t	 guard, hsiz = tchdbfsiz(s->hdb);
	uint64_t	 isiz = tcbdbfsiz(s->bdb);

	/* the index grows at commit, when the batch's leaves are written */
	guard = s->idx_xmsiz / 8 + s->nops * IDX_PER_OP;
	if (s->resv) {
		if (reserve(s, s->hdb->fd, &s->hresv, s->hbase,
		    hsiz + HDB_GUARD) == -1)
			return (seterr(s, ENOSPC, "%s: no room to grow: %s",
			    STORE_CHUNK_DB, strerror(errno)));
		guard = IDX_SLACK + s->nops * IDX_PER_OP;
		if (reserve(s, s->bdb->hdb->fd, &s->iresv, s->ibase,
		    isiz + guard) == -1)
			return (seterr(s, ENOSPC, "%s: no room to grow: %s",
			    STORE_LRU_DB, strerror(errno)));
		return (0);
	}
	if (hsiz + HDB_GUARD > s->xmsiz)
		return (seterr(s, ENOSPC, "%s reached its mapped size (%llu "
		    "bytes): raise xmsiz", STORE_CHUNK_DB,
		    (unsigned long long)s->xmsiz));
	if (isiz + guard > s->idx_xmsiz)
		return (seterr(s, ENOSPC, "%s reached its mapped size (%llu "
		    "bytes): raise xmsiz", STORE_LRU_DB,
		    (unsigned long long)s->idx_xmsiz));
	return (0);
}

/* Evict least recently used unpinned chunks until under the limit. */
static int
evict(struct store *s)
{
	struct chunk_hdr	 h;
	const uint8_t		*ik;
	uint8_t			 key[STORE_KEY_LEN];
	uint64_t		 tick;
	size_t			 len;
	int			 iksz, r;

	while (s->st.limit != 0 && s->st.bytes > s->st.limit) {
		if (!tcbdbcurfirst(s->cur)) {
			if (tcbdbecode(s->bdb) == TCENOREC)
				break;
			return (bdb_fail(s, "cursor"));
		}
		if ((ik = tcbdbcurkey3(s->cur, &iksz)) == NULL)
			return (bdb_fail(s, "cursor key"));
		if (iksz != IKEY_LEN)
			break;		/* the meta record: all pinned */
		tick = be64dec(ik);
		memcpy(key, ik + 8, sizeof(key));
		r = chunk_lookup(s, key, &h, &len);
		if (r == -1 && errno != EBADMSG)
			return (-1);
		if (r != 1 || h.pins != 0 || h.tick != tick) {
			/* stale entry: only after damage; drop, keep going */
			log_warnx("%s: dropping a stale LRU entry", __func__);
			if (!tcbdbcurout(s->cur))
				return (bdb_fail(s, "cursor out"));
			if (r == 1 && h.pins == 0 &&
			    lru_add(s, h.tick, key) == -1)
				return (-1);
			continue;
		}
		if (!tchdbout(s->hdb, key, STORE_KEY_LEN))
			return (hdb_fail(s, "out"));
		if (!tcbdbcurout(s->cur))
			return (bdb_fail(s, "cursor out"));
		s->st.chunks--;
		s->st.bytes -= len;
		s->st.evicted++;
	}
	return (0);
}

/* An access to an unpinned chunk whose record is in s->vbuf. */
static int
touch(struct store *s, const uint8_t *key, struct chunk_hdr *h, size_t len)
{
	uint64_t	 age, slack;

	if (h->pins != 0 || s->broken)
		return (0);
	age = h->tick <= s->clock ? s->clock - h->tick : UINT64_MAX;
	slack = (s->st.chunks - s->st.pinned) / STORE_LRU_SLACK_DIV;
	if (age <= slack)
		return (0);
	if (room(s) == -1)
		return (0);	/* the order is approximate anyway */
	if (batch_begin(s) == -1 || lru_del(s, h->tick, key) == -1)
		return (-1);
	h->tick = ++s->clock;
	if (lru_add(s, h->tick, key) == -1)
		return (-1);
	return (chunk_write(s, key, h, len));
}

int
store_put(struct store *s, const uint8_t key[STORE_KEY_LEN],
    const void *data, size_t len, int pin)
{
	struct chunk_hdr	 h;
	size_t			 olen;
	int			 r;

	if (s->broken)
		return (broken_err(s));
	if (len > STORE_CHUNK_MAX || (data == NULL && len > 0))
		return (seterr(s, EINVAL, "bad chunk length %zu", len));
	if (hash_check(s, key, data, len) == -1)
		return (-1);
	/*
	 * A published chunk is almost always new: add it without a lookup
	 * first (tchdbputkeep refuses an existing key, which then takes the
	 * general path below).  Pinned, so no LRU entry and no limit check.
	 */
	if (pin && room(s) == 0) {	/* full: the general path decides */
		if (batch_begin(s) == -1)
			return (-1);
		be64enc(s->vbuf, s->clock + 1);
		be32enc(s->vbuf + 8, 1);
		be32enc(s->vbuf + 12, 0);
		if (len > 0)
			memcpy(s->vbuf + HDR_LEN, data, len);
		mapped(s);
		if (tchdbputkeep(s->hdb, key, STORE_KEY_LEN, s->vbuf,
		    (int)(HDR_LEN + len))) {
			s->clock++;
			s->st.chunks++;
			s->st.bytes += len;
			s->st.pinned++;
			s->st.pinned_bytes += len;
			return (evict(s));
		}
		if (tchdbecode(s->hdb) != TCEKEEP)
			return (hdb_fail(s, "putkeep"));
	}
	if ((r = chunk_lookup(s, key, &h, &olen)) == -1)
		return (-1);
	if (r == 1 && !pin)
		return (touch(s, key, &h, olen));	/* already here */
	if (r == 1) {
		/* one more pin; the first one takes it out of the LRU */
		if (h.pins == UINT32_MAX)
			return (seterr(s, EOVERFLOW, "too many pins"));
		if (batch_begin(s) == -1)
			return (-1);
		if (h.pins == 0) {
			if (lru_del(s, h.tick, key) == -1)
				return (-1);
			s->st.pinned++;
			s->st.pinned_bytes += olen;
		}
		h.pins++;
		return (chunk_write(s, key, &h, olen));
	}

	if (!pin && s->st.limit != 0 &&
	    (len > s->st.limit || s->st.pinned_bytes > s->st.limit - len))
		return (seterr(s, ENOSPC, "%zu bytes do not fit next to "
		    "%llu pinned bytes (limit %llu)", len,
		    (unsigned long long)s->st.pinned_bytes,
		    (unsigned long long)s->st.limit));
	if (room(s) == -1 || batch_begin(s) == -1)
		return (-1);
	h.tick = ++s->clock;
	h.pins = pin ? 1 : 0;
	if (len > 0)
		memcpy(s->vbuf + HDR_LEN, data, len);
	if (chunk_write(s, key, &h, len) == -1)
		return (-1);
	if (!pin && lru_add(s, h.tick, key) == -1)
		return (-1);
	s->st.chunks++;
	s->st.bytes += len;
	if (pin) {
		s->st.pinned++;
		s->st.pinned_bytes += len;
	}
	return (evict(s));
}

int
store_get(struct store *s, const uint8_t key[STORE_KEY_LEN], void *buf,
    size_t bufsz, size_t *lenp)
{
	struct chunk_hdr	 h;
	size_t			 len;
	int			 r;

	if ((r = chunk_lookup(s, key, &h, &len)) == -1)
		return (-1);
	if (r == 0) {
		errno = ENOENT;
		return (-1);
	}
	if (len > bufsz)
		return (seterr(s, ERANGE, "chunk of %zu bytes, buffer %zu",
		    len, bufsz));
	if (len > 0)
		memcpy(buf, s->vbuf + HDR_LEN, len);
	*lenp = len;
	/* a failed refresh breaks the store; the next commit reports it */
	(void)touch(s, key, &h, len);
	return (0);
}

int
store_has(struct store *s, const uint8_t key[STORE_KEY_LEN])
{
	mapped(s);
	if (tchdbvsiz(s->hdb, key, STORE_KEY_LEN) >= 0)
		return (1);
	if (tchdbecode(s->hdb) == TCENOREC)
		return (0);
	return (hdb_fail(s, "vsiz"));
}

int
store_info(struct store *s, const uint8_t key[STORE_KEY_LEN], size_t *lenp,
    uint32_t *pins)
{
	struct chunk_hdr	 h;
	size_t			 len;
	int			 r;

	if ((r = chunk_lookup(s, key, &h, &len)) == -1)
		return (-1);
	if (r == 0) {
		errno = ENOENT;
		return (-1);
	}
	if (lenp != NULL)
		*lenp = len;
	if (pins != NULL)
		*pins = h.pins;
	return (0);
}

int
store_unpin(struct store *s, const uint8_t key[STORE_KEY_LEN])
{
	struct chunk_hdr	 h;
	size_t			 len;
	int			 r;

	if (s->broken)
		return (broken_err(s));
	if ((r = chunk_lookup(s, key, &h, &len)) == -1)
		return (-1);
	if (r == 0) {
		errno = ENOENT;
		return (-1);
	}
	if (h.pins == 0)
		return (seterr(s, EINVAL, "chunk is not pinned"));
	if (batch_begin(s) == -1)
		return (-1);
	if (--h.pins > 0)
		return (chunk_write(s, key, &h, len));
	/* back in the LRU as its youngest entry: the index grows */
	if (room(s) == -1)
		return (-1);
	h.tick = ++s->clock;
	if (chunk_write(s, key, &h, len) == -1 ||
	    lru_add(s, h.tick, key) == -1)
		return (-1);
	s->st.pinned--;
	s->st.pinned_bytes -= len;
	return (evict(s));
}

static int
meta_write(struct store *s, uint64_t gen)
{
	uint8_t	 hm[META_HLEN], bm[META_BLEN];

	memset(hm, 0, sizeof(hm));
	be32enc(hm, META_VERSION);
	be64enc(hm + 8, gen);
	be64enc(hm + 16, s->clock);
	be64enc(hm + 24, s->st.chunks);
	be64enc(hm + 32, s->st.bytes);
	be64enc(hm + 40, s->st.pinned);
	be64enc(hm + 48, s->st.pinned_bytes);
	be64enc(hm + 56, s->st.evicted);
	if (!tchdbput(s->hdb, META_HKEY, META_HKEY_LEN, hm, sizeof(hm)))
		return (hdb_fail(s, "put meta"));
	memset(bm, 0, sizeof(bm));
	be32enc(bm, META_VERSION);
	be64enc(bm + 8, gen);
	if (!tcbdbput(s->bdb, meta_bkey, sizeof(meta_bkey), bm, sizeof(bm)))
		return (bdb_fail(s, "put meta"));
	return (0);
}

int
store_commit(struct store *s)
{
	if (s->broken)
		return (broken_err(s));
	if (!s->intx)
		return (0);
	if (meta_write(s, s->gen + 1) == -1)
		return (-1);
	if (!tchdbtrancommit(s->hdb))
		return (hdb_fail(s, "trancommit"));
	/*
	 * The batch is safe now.  A kill -9 right here leaves the index one
	 * generation behind: store_open() sees that and rebuilds it.
	 */
#ifdef KAD_TEST_HOOKS
	if (store_test_exit_between_commits)
		_exit(99);
#endif
	if (!tcbdbtrancommit(s->bdb))
		return (bdb_fail(s, "trancommit"));
	s->gen++;
	s->intx = 0;
	s->nops = 0;
	s->unsynced = 1;
	return (0);
}

int
store_dirty(struct store *s)
{
	return (s->intx);
}

int
store_reserved(struct store *s)
{
	return (s->resv);
}

int
store_sync(struct store *s)
{
	if (store_commit(s) == -1)
		return (-1);
	if (!s->unsynced)
		return (0);
	if (!tchdbsync(s->hdb))
		return (hdb_fail(s, "sync"));
	if (!tcbdbsync(s->bdb))
		return (bdb_fail(s, "sync"));
	s->unsynced = 0;
	return (0);
}

void
store_stats(struct store *s, struct store_stats *st)
{
	*st = s->st;
}

const char *
store_errstr(struct store *s)
{
	return (s->errstr);
}

int
store_iter_begin(struct store *s)
{
	if (!tchdbiterinit(s->hdb))
		return (hdb_fail(s, "iterinit"));
	return (0);
}

int
store_iter_next(struct store *s, uint8_t key[STORE_KEY_LEN])
{
	void	*k;
	int	 ksz;

	for (;;) {
		if ((k = tchdbiternext(s->hdb, &ksz)) == NULL) {
			if (tchdbecode(s->hdb) == TCENOREC)
				return (0);
			return (hdb_fail(s, "iternext"));
		}
		if (ksz == STORE_KEY_LEN) {
			memcpy(key, k, STORE_KEY_LEN);
			free(k);
			return (1);
		}
		free(k);	/* the meta record */
	}
}

/* tchdbforeach callback for the index rebuild and store_verify. */
static bool
scan_rec(const void *kbuf, int ksiz, const void *vbuf, int vsiz, void *arg)
{
	struct scan	*sc = arg;
	const uint8_t	*v = vbuf;
	void		*p;
	uint8_t		 ik[IKEY_LEN];
	uint64_t	 tick;
	uint32_t	 pins;
	size_t		 len, ncap;
	int		 n;

	if (ksiz != STORE_KEY_LEN)
		return (true);		/* the meta record */
	if (vsiz < HDR_LEN || vsiz > VAL_MAX) {
		sc->nbadrec++;
		if (sc->verify || sc->nbad == REBUILD_MAX_BAD)
			return (true);
		if (sc->nbad == sc->badcap) {
			ncap = sc->badcap ? sc->badcap * 2 : 16;
			if ((p = reallocarray(sc->bad, ncap,
			    sizeof(*sc->bad))) == NULL) {
				sc->nomem = 1;
				return (false);
			}
			sc->bad = p;
			sc->badcap = ncap;
		}
		memcpy(sc->bad[sc->nbad++], kbuf, STORE_KEY_LEN);
		return (true);
	}
	tick = be64dec(v);
	pins = be32dec(v + 8);
	len = (size_t)vsiz - HDR_LEN;
	sc->st.chunks++;
	sc->st.bytes += len;
	if (tick > sc->maxtick)
		sc->maxtick = tick;
	if (pins > 0) {
		sc->st.pinned++;
		sc->st.pinned_bytes += len;
		return (true);
	}
	sc->unpinned++;
	ikey_make(ik, tick, kbuf);
	if (sc->verify) {
		if (tcbdbget3(sc->s->bdb, ik, IKEY_LEN, &n) == NULL)
			sc->missing++;
		return (true);
	}
	if (sc->nents == sc->entcap) {
		ncap = sc->entcap ? sc->entcap * 2 : 1024;
		if ((p = reallocarray(sc->ents, ncap, sizeof(*sc->ents))) ==
		    NULL) {
			sc->nomem = 1;
			return (false);
		}
		sc->ents = p;
		sc->entcap = ncap;
	}
	memcpy(sc->ents[sc->nents++], ik, IKEY_LEN);
	return (true);
}

static int
ikey_cmp(const void *a, const void *b)
{
	return (memcmp(a, b, IKEY_LEN));
}

/* 40-byte keys, empty values: about 1 index page per 100 chunks */
static int64_t
idx_bnum(const struct store *s)
{
	return (s->bnum / 64 > 32749 ? s->bnum / 64 : 32749);
}

static TCBDB	*lru_open(struct store *, const char *, int);

/*
 * Rebuild the LRU index and the counters from the chunk file, into a
 * truncated index mapped large enough for it.  Sorted, so the B+ tree is
 * loaded in key order.  No transaction on the index: until the meta
 * record is written by the closing commit the index counts as absent, so
 * a crash here only means another rebuild.
 */
static int
rebuild(struct store *s, const char *bpath)
{
	struct scan	 sc;
	uint64_t	 need;
	size_t		 i;
	int		 rv = -1;

	memset(&sc, 0, sizeof(sc));
	sc.s = s;
	if (!tchdbforeach(s->hdb, scan_rec, &sc)) {
		if (sc.nomem)
			(void)seterr(s, ENOMEM, "out of memory");
		else
			(void)hdb_fail(s, "foreach");
		goto done;
	}
	if (sc.nbadrec > 0)
		log_warnx("%s: %llu damaged chunk records, dropping %zu",
		    __func__, (unsigned long long)sc.nbadrec, sc.nbad);
	if (sc.nbad > 0) {
		if (!tchdbtranbegin(s->hdb)) {
			(void)hdb_fail(s, "tranbegin");
			goto done;
		}
		for (i = 0; i < sc.nbad; i++)
			if (!tchdbout(s->hdb, sc.bad[i], STORE_KEY_LEN)) {
				(void)hdb_fail(s, "out");
				goto done;
			}
		if (!tchdbtrancommit(s->hdb)) {
			(void)hdb_fail(s, "trancommit");
			goto done;
		}
	}
	need = 2 * (uint64_t)sc.nents * IDX_PER_ENT;
	if (!s->resv && need > s->idx_xmsiz)
		s->idx_xmsiz = need;
	if ((s->bdb = lru_open(s, bpath, BDBOTRUNC)) == NULL) {
		(void)seterr(s, errno, "%s: cannot create", STORE_LRU_DB);
		goto done;
	}
	if (s->resv && reserve(s, s->bdb->hdb->fd, &s->iresv, 0,
	    tcbdbfsiz(s->bdb) + need + IDX_SLACK) == -1) {
		/* a full disk fails the open; no fallocate: mapped mode */
		if (errno != ENOSPC && errno != EFBIG)
			s->resv_failed = 1;
		(void)seterr(s, errno, "%s: no room for the rebuild",
		    STORE_LRU_DB);
		goto done;
	}
	if (sc.nents > 1)
		qsort(sc.ents, sc.nents, sizeof(*sc.ents), ikey_cmp);
	for (i = 0; i < sc.nents; i++)
		if (!tcbdbput(s->bdb, sc.ents[i], IKEY_LEN, "", 0)) {
			(void)bdb_fail(s, "put");
			goto done;
		}
	if (sc.st.chunks != s->st.chunks || sc.st.bytes != s->st.bytes ||
	    sc.st.pinned != s->st.pinned ||
	    sc.st.pinned_bytes != s->st.pinned_bytes)
		log_warnx("%s: counters corrected to %llu chunks, %llu bytes",
		    __func__, (unsigned long long)sc.st.chunks,
		    (unsigned long long)sc.st.bytes);
	s->st.chunks = sc.st.chunks;
	s->st.bytes = sc.st.bytes;
	s->st.pinned = sc.st.pinned;
	s->st.pinned_bytes = sc.st.pinned_bytes;
	if (sc.maxtick > s->clock)
		s->clock = sc.maxtick;
	if (sc.st.chunks > 0)
		log_info("store: LRU index rebuilt: %zu entries", sc.nents);
	rv = 0;
 done:
	free(sc.ents);
	free(sc.bad);
	return (rv);
}

int
store_verify(struct store *s, struct store_stats *out)
{
	struct scan	 sc;
	uint64_t	 nidx;

	memset(&sc, 0, sizeof(sc));
	sc.s = s;
	sc.verify = 1;
	if (s->broken)
		return (broken_err(s));
	if (!tchdbforeach(s->hdb, scan_rec, &sc))
		return (hdb_fail(s, "foreach"));
	sc.st.evicted = s->st.evicted;
	sc.st.limit = s->st.limit;
	if (out != NULL)
		*out = sc.st;
	nidx = tcbdbrnum(s->bdb);
	if (nidx > 0)
		nidx--;			/* the meta record */
	if (sc.nbadrec > 0)
		return (seterr(s, EIO, "%llu damaged chunk records",
		    (unsigned long long)sc.nbadrec));
	if (sc.st.chunks != s->st.chunks || sc.st.bytes != s->st.bytes ||
	    sc.st.pinned != s->st.pinned ||
	    sc.st.pinned_bytes != s->st.pinned_bytes)
		return (seterr(s, EIO, "counters %llu/%llu/%llu/%llu, scan "
		    "%llu/%llu/%llu/%llu", (unsigned long long)s->st.chunks,
		    (unsigned long long)s->st.bytes,
		    (unsigned long long)s->st.pinned,
		    (unsigned long long)s->st.pinned_bytes,
		    (unsigned long long)sc.st.chunks,
		    (unsigned long long)sc.st.bytes,
		    (unsigned long long)sc.st.pinned,
		    (unsigned long long)sc.st.pinned_bytes));
	if (sc.missing > 0 || nidx != sc.unpinned)
		return (seterr(s, EIO, "LRU index: %llu entries for %llu "
		    "unpinned chunks, %llu missing", (unsigned long long)nidx,
		    (unsigned long long)sc.unpinned,
		    (unsigned long long)sc.missing));
	if (sc.maxtick > s->clock)
		return (seterr(s, EIO, "tick %llu ahead of the clock %llu",
		    (unsigned long long)sc.maxtick,
		    (unsigned long long)s->clock));
	return (0);
}

/* 1 and the fields set, 0 absent or unusable, -1 TC error. */
static int
meta_load(struct store *s, uint64_t *gen)
{
	uint8_t	 m[META_HLEN + 1];
	int	 n;

	n = tchdbget3(s->hdb, META_HKEY, META_HKEY_LEN, m, sizeof(m));
	if (n == -1)
		return (tchdbecode(s->hdb) == TCENOREC ? 0 :
		    hdb_fail(s, "get meta"));
	if (n != META_HLEN || be32dec(m) != META_VERSION) {
		log_warnx("%s: unknown meta record, rebuilding", __func__);
		return (0);
	}
	*gen = be64dec(m + 8);
	s->clock = be64dec(m + 16);
	s->st.chunks = be64dec(m + 24);
	s->st.bytes = be64dec(m + 32);
	s->st.pinned = be64dec(m + 40);
	s->st.pinned_bytes = be64dec(m + 48);
	s->st.evicted = be64dec(m + 56);
	return (1);
}

static int
bmeta_load(struct store *s, uint64_t *gen)
{
	const uint8_t	*m;
	int		 n;

	if ((m = tcbdbget3(s->bdb, meta_bkey, sizeof(meta_bkey), &n)) == NULL)
		return (tcbdbecode(s->bdb) == TCENOREC ? 0 :
		    bdb_fail(s, "get meta"));
	if (n != META_BLEN || be32dec(m) != META_VERSION)
		return (0);
	*gen = be64dec(m + 8);
	return (1);
}

/* errno for a failed tchdbopen/tcbdbopen. */
static int
open_errno(int ecode)
{
	switch (ecode) {
	case TCENOFILE:
		return (ENOENT);
	case TCENOPERM:
		return (EACCES);
	case TCELOCK:
		return (EWOULDBLOCK);	/* another process has it open */
	case TCEMETA:
	case TCERHEAD:
		return (EINVAL);	/* not a store file, or damaged */
	default:
		return (EIO);
	}
}

/*
 * Open the chunk file.  If it has outgrown the mapping asked for (a
 * smaller xmsiz in the configuration), reopen it with a larger one: TC
 * must never write past its mapping (see room()).
 */
static TCHDB *
hdb_open(struct store *s, const char *path)
{
	TCHDB		*hdb;
	uint64_t	 fsiz;
	int		 try, ecode;

	for (try = 0; try < 2; try++) {
		if ((hdb = tchdbnew()) == NULL ||
		    !tchdbtune(hdb, s->bnum, -1, HDB_FPOW, HDBTLARGE) ||
		    !tchdbsetxmsiz(hdb, (int64_t)s->xmsiz)) {
			if (hdb != NULL)
				tchdbdel(hdb);
			errno = ENOMEM;
			return (NULL);
		}
		if (!tchdbopen(hdb, path, HDBOWRITER | HDBOCREAT |
		    HDBOLCKNB)) {
			ecode = tchdbecode(hdb);
			log_warnx("%s: %s: %s", __func__, path,
			    tcerrmsg(ecode));
			tchdbdel(hdb);
			errno = open_errno(ecode);
			return (NULL);
		}
		fsiz = tchdbfsiz(hdb);
		if (s->resv)
			return (hdb);
		if (fsiz + HDB_GUARD <= tchdbxmsiz(hdb)) {
			s->xmsiz = tchdbxmsiz(hdb);
			return (hdb);
		}
		log_warnx("%s: %s has %llu bytes, too many for xmsiz %llu: "
		    "mapping more", __func__, path, (unsigned long long)fsiz,
		    (unsigned long long)s->xmsiz);
		s->xmsiz = 2 * fsiz + XMSIZ_MIN;
		(void)tchdbclose(hdb);
		tchdbdel(hdb);
	}
	errno = ENOMEM;
	return (NULL);
}

/* Open (flags: 0 or BDBOTRUNC) the index, likewise. */
static TCBDB *
lru_open(struct store *s, const char *path, int flags)
{
	TCBDB		*bdb;
	uint64_t	 fsiz;
	int64_t		 ibnum;
	int		 try, ecode;

	ibnum = idx_bnum(s);
	for (try = 0; try < 2; try++) {
		if ((bdb = tcbdbnew()) == NULL ||
		    !tcbdbtune(bdb, 0, 0, ibnum, -1, -1, BDBTLARGE) ||
		    !tcbdbsetcache(bdb, IDX_LCNUM, IDX_NCNUM) ||
		    !tcbdbsetxmsiz(bdb, (int64_t)s->idx_xmsiz)) {
			if (bdb != NULL)
				tcbdbdel(bdb);
			errno = ENOMEM;
			return (NULL);
		}
		if (!tcbdbopen(bdb, path, BDBOWRITER | BDBOCREAT |
		    BDBOLCKNB | flags)) {
			ecode = tcbdbecode(bdb);
			log_warnx("%s: %s: %s", __func__, path,
			    tcerrmsg(ecode));
			tcbdbdel(bdb);
			errno = open_errno(ecode);
			return (NULL);
		}
		fsiz = tcbdbfsiz(bdb);
		if (s->resv || fsiz + s->idx_xmsiz / 8 <= s->idx_xmsiz)
			return (bdb);
		log_warnx("%s: %s has %llu bytes, too many for xmsiz %llu: "
		    "mapping more", __func__, path, (unsigned long long)fsiz,
		    (unsigned long long)s->idx_xmsiz);
		s->idx_xmsiz = 2 * fsiz + IDX_XMSIZ_MIN;
		(void)tcbdbclose(bdb);
		tcbdbdel(bdb);
	}
	errno = ENOMEM;
	return (NULL);
}

/*
 * Defaults sized from the limit: bnum ~ 2x the expected 1 KiB chunks;
 * in mapped mode the mappings cover twice the limit (address space is
 * cheap, and a file must never outgrow its mapping), the index a quarter
 * of that; in reserved mode only the header and bucket arrays.
 */
static void
tuning(struct store *s, const struct store_conf *conf)
{
	uint64_t	 limit = s->st.limit;
	uint64_t	 x;

	if (conf != NULL && conf->bnum > 0)
		s->bnum = conf->bnum;
	else if (limit == 0)
		s->bnum = BNUM_NOLIMIT;
	else if (limit / 512 < BNUM_MIN)
		s->bnum = BNUM_MIN;
	else if (limit / 512 > BNUM_MAX)
		s->bnum = BNUM_MAX;
	else
		s->bnum = (int64_t)(limit / 512);

	if (conf != NULL && conf->xmsiz > 0)
		x = (uint64_t)conf->xmsiz;
	else if (limit == 0)
		x = XMSIZ_NOLIMIT;
	else if (limit > (uint64_t)XMSIZ_MAX / 2)
		x = XMSIZ_MAX;
	else
		x = 2 * limit + 8 * (uint64_t)s->bnum + XMSIZ_MIN;
	if (x > (uint64_t)XMSIZ_MAX)
		x = XMSIZ_MAX;
	s->xmsiz = x;
	s->idx_xmsiz = x / 4 > (uint64_t)IDX_XMSIZ_MIN ? x / 4 :
	    (uint64_t)IDX_XMSIZ_MIN;
	if (s->resv) {
		/*
		 * Header and bucket array only: TC reaches those through the
		 * map (also for the pre-images its WAL logs), records through
		 * pread/pwrite.
		 */
		s->xmsiz = HDB_HEADSIZ + 8 * (uint64_t)s->bnum;
		s->idx_xmsiz = HDB_HEADSIZ + 8 * (uint64_t)idx_bnum(s);
	}
}

/*
 * Reserved mode where the filesystem overwrites in place and supports
 * fallocate, unless the configuration asks for a mapping (see "Full
 * disks" above).
 */
static int
resv_mode(const char *dir, const struct store_conf *conf)
{
#ifdef __linux__
	struct statfs	 sf;

	if (conf != NULL && conf->xmsiz > 0)
		return (0);
	if (statfs(dir, &sf) == -1)
		return (0);
	switch (sf.f_type) {
	case EXT4_SUPER_MAGIC:		/* also ext2 and ext3 */
	case XFS_SUPER_MAGIC:
	case TMPFS_MAGIC:
		return (1);
	}
	log_info("store: %s: filesystem type %#lx: mapping the store",
	    dir, (unsigned long)sf.f_type);
#else
	(void)dir;
	(void)conf;
#endif
	return (0);
}

/*
 * Reserved mode at open: copies made with reflinks share blocks, which
 * an in-place write would have to allocate anew (XFS; others say
 * EOPNOTSUPP, nothing to do), so unshare them; then reserve ahead of
 * the file.  A full disk (ENOSPC, EFBIG) is no reason to leave reserved
 * mode: new chunks get ENOSPC until there is room.  Anything else sets
 * resv_failed and returns -1: this filesystem cannot give the guarantee
 * (ext2/3 files without extents: EOPNOTSUPP), so the store reopens in
 * mapped mode.
 */
static int
resv_open(struct store *s, TCHDB *hdb, uint64_t *end, uint64_t *base,
    uint64_t need)
{
	struct stat	 sb;

	if (fstat(hdb->fd, &sb) == -1) {
		log_warn("store: %s", hdb->path);
		return (-1);
	}
	*base = (uint64_t)sb.st_blocks * 512;
#if defined(__linux__) && defined(FALLOC_FL_UNSHARE_RANGE)
	if (hdb->fsiz > 0 && fallocate(hdb->fd, FALLOC_FL_UNSHARE_RANGE, 0,
	    (off_t)hdb->fsiz) == -1 && errno != EOPNOTSUPP &&
	    errno != EINVAL) {
		log_warn("store: %s: unsharing its blocks", hdb->path);
		s->resv_failed = 1;
		return (-1);
	}
#endif
	if (reserve(s, hdb->fd, end, *base, need) == 0)
		return (0);
	if (errno == ENOSPC || errno == EFBIG) {
		log_warnx("store: %s: no room to grow (%s): new chunks are "
		    "refused until there is", hdb->path, strerror(errno));
		return (0);
	}
	log_info("store: %s: cannot reserve space ahead (%s): mapped mode",
	    hdb->path, strerror(errno));
	s->resv_failed = 1;
	return (-1);
}

/* Close what open_files() opened, as store_open's failure path does. */
static void
close_files(struct store *s)
{
	if (s->cur != NULL)
		tcbdbcurdel(s->cur);
	if (s->bdb != NULL) {
		(void)tcbdbclose(s->bdb);
		tcbdbdel(s->bdb);
	}
	if (s->hdb != NULL) {
		(void)tchdbclose(s->hdb);
		tchdbdel(s->hdb);
	}
	s->cur = NULL;
	s->bdb = NULL;
	s->hdb = NULL;
	s->hresv = s->iresv = s->hbase = s->ibase = 0;
}

/*
 * Open both files, the index rebuilt if it is not as new as the chunk
 * file.  0, or -1 with errno (EIO: see s->errstr), resv_failed set when
 * a reservation is what failed.
 */
static int
open_files(struct store *s, const char *dir, const char *hpath,
    const char *bpath)
{
	uint64_t	 hgen = 0, bgen = 0;
	int		 hmeta, bmeta = 0;

	if ((s->hdb = hdb_open(s, hpath)) == NULL)
		return (-1);
	if (!(tchdbopts(s->hdb) & HDBTLARGE))
		log_warnx("%s: %s was created without HDBTLARGE: limited to "
		    "2 GiB", __func__, hpath);
	if (s->resv && resv_open(s, s->hdb, &s->hresv, &s->hbase,
	    tchdbfsiz(s->hdb) + HDB_GUARD) == -1)
		return (-1);
	if ((hmeta = meta_load(s, &hgen)) == -1)
		goto tcfail;

	/* the index: reuse it if it is as new as the chunk file */
	if ((s->bdb = lru_open(s, bpath, 0)) != NULL) {
		if ((bmeta = bmeta_load(s, &bgen)) == -1)
			goto tcfail;
	} else if (errno == EWOULDBLOCK)
		return (-1);
	if (hmeta != 1 || bmeta != 1 || hgen != bgen) {
		if (hmeta == 0 && tchdbrnum(s->hdb) == 0)
			log_debug("store: %s: new store", dir);
		else
			log_warnx("%s: LRU index out of date (generation "
			    "%llu/%llu), rebuilding", __func__,
			    (unsigned long long)hgen, (unsigned long long)bgen);
		if (s->bdb != NULL) {
			if (!tcbdbclose(s->bdb))
				log_warnx("%s: %s: close: %s", __func__, bpath,
				    tcerrmsg(tcbdbecode(s->bdb)));
			tcbdbdel(s->bdb);
			s->bdb = NULL;
		}
		if (rebuild(s, bpath) == -1)
			goto tcfail;
	}
	if (s->resv && resv_open(s, s->bdb->hdb, &s->iresv, &s->ibase,
	    tcbdbfsiz(s->bdb) + IDX_SLACK) == -1)
		return (-1);
	s->gen = hgen;
	/*
	 * Reserved mode maps the bucket arrays alone, unless a file has
	 * fewer buckets than configured: no page faults to count then.
	 */
	s->trim = maps_records(s->hdb) || maps_records(s->bdb->hdb);
	if ((s->cur = tcbdbcurnew(s->bdb)) == NULL) {
		errno = ENOMEM;
		return (-1);
	}
	return (0);

 tcfail:
	if (!s->resv_failed)
		log_warnx("%s: %s", __func__, s->errstr);
	errno = EIO;
	return (-1);
}

struct store *
store_open(const char *dir, const struct store_conf *conf)
{
	struct store	*s;
	char		 hpath[PATH_MAX], bpath[PATH_MAX];
	struct rlimit	 rl;
	int		 r, saved;

	r = snprintf(hpath, sizeof(hpath), "%s/%s", dir, STORE_CHUNK_DB);
	if (r < 0 || (size_t)r >= sizeof(hpath) ||
	    (r = snprintf(bpath, sizeof(bpath), "%s/%s", dir,
	    STORE_LRU_DB)) < 0 || (size_t)r >= sizeof(bpath)) {
		log_warnx("%s: %s: path too long", __func__, dir);
		errno = ENAMETOOLONG;
		return (NULL);
	}
	if ((s = calloc(1, sizeof(*s))) == NULL) {
		log_warn("%s", __func__);
		return (NULL);
	}
	s->st.limit = conf != NULL ? conf->limit : 0;
	s->resv = resv_mode(dir, conf);
	tuning(s, conf);
	if (getrlimit(RLIMIT_FSIZE, &rl) == -1 || rl.rlim_cur == RLIM_INFINITY)
		s->fsize_max = INT64_MAX;
	else
		s->fsize_max = (uint64_t)rl.rlim_cur;

	/* OpenSSL reads its config here, before any sandbox */
	if ((s->sha256 = EVP_MD_fetch(NULL, "SHA256", NULL)) == NULL ||
	    (s->mdctx = EVP_MD_CTX_new()) == NULL) {
		log_warnx("%s: cannot set up SHA-256", __func__);
		errno = ENOMEM;
		goto fail;
	}
	if (open_files(s, dir, hpath, bpath) == -1) {
		if (!s->resv_failed)
			goto fail;
		/* this filesystem cannot give reserved mode's guarantee */
		close_files(s);
		s->resv = s->resv_failed = 0;
		memset(&s->st, 0, sizeof(s->st));
		s->st.limit = conf != NULL ? conf->limit : 0;
		tuning(s, conf);
		if (open_files(s, dir, hpath, bpath) == -1)
			goto fail;
	}

	/*
	 * Begin and commit a batch now: TC opens each .wal file at the
	 * first tranbegin and keeps it, so after this no file is opened.
	 * The limit may have shrunk since the last run: evict in it.
	 */
	if (batch_begin(s) == -1 || evict(s) == -1 || store_commit(s) == -1) {
		log_warnx("%s: %s", __func__, s->errstr);
		errno = EIO;
		goto fail;
	}
	log_debug("store: %s: %llu chunks, %llu bytes, %llu pinned, limit "
	    "%llu, %s, xmsiz %llu/%llu", dir, (unsigned long long)s->st.chunks,
	    (unsigned long long)s->st.bytes,
	    (unsigned long long)s->st.pinned,
	    (unsigned long long)s->st.limit, s->resv ? "reserved" : "mapped",
	    (unsigned long long)s->xmsiz,
	    (unsigned long long)s->idx_xmsiz);
	return (s);

 fail:
	saved = errno;
	/* before any sandbox: closing (and rolling back) is allowed here */
	close_files(s);
	EVP_MD_CTX_free(s->mdctx);
	EVP_MD_free(s->sha256);
	free(s);
	errno = saved;
	return (NULL);
}

void
store_close(struct store *s)
{
	if (s == NULL)
		return;
	if (!s->broken && store_sync(s) == -1)
		log_warnx("%s: %s", __func__, s->errstr);
	if (s->broken) {
		/*
		 * Closing would roll the open batch back through open(2) of
		 * the .wal, which the sandbox forbids, and then mark the
		 * file clean: leave both files as a crash would, for the
		 * next store_open() to roll back.
		 */
		s->next = abandoned;
		abandoned = s;
		return;
	}
	tcbdbcurdel(s->cur);
	if (!tcbdbclose(s->bdb))
		log_warnx("%s: %s: %s", __func__, STORE_LRU_DB,
		    tcerrmsg(tcbdbecode(s->bdb)));
	tcbdbdel(s->bdb);
	if (!tchdbclose(s->hdb))
		log_warnx("%s: %s: %s", __func__, STORE_CHUNK_DB,
		    tcerrmsg(tchdbecode(s->hdb)));
	tchdbdel(s->hdb);
	EVP_MD_CTX_free(s->mdctx);
	EVP_MD_free(s->sha256);
	free(s);
}
