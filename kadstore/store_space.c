/* SPDX-License-Identifier: ISC */
/*
 * The chunk store's disk space and mapped memory.
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
 *     mapped pages are dropped from our RSS as we go (store_mapped()).
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
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "store_tc_local.h"

/* Whether hdb maps more than its header and bucket array. */
int
store_maps_records(const TCHDB *hdb)
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

void
store_mapped(struct store *s)
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
int
store_reserve(struct store *s, int fd, uint64_t *end, uint64_t base0,
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
 * disks and resident memory" above.  In mapped mode growth is refused
 * before either file nears its xmsiz; in reserved mode before the
 * reserved space runs out.
 */
int
store_room(struct store *s)
{
	uint64_t	 guard, hsiz = tchdbfsiz(s->hdb);
	uint64_t	 isiz = tcbdbfsiz(s->bdb);

	/* the index grows at commit, when the batch's leaves are written */
	guard = s->idx_xmsiz / 8 + s->nops * IDX_PER_OP;
	if (s->resv) {
		if (store_reserve(s, s->hdb->fd, &s->hresv, s->hbase,
		    hsiz + HDB_GUARD) == -1)
			return (store_seterr(s, ENOSPC,
			    "%s: no room to grow: %s", STORE_CHUNK_DB,
			    strerror(errno)));
		guard = IDX_SLACK + s->nops * IDX_PER_OP;
		if (store_reserve(s, s->bdb->hdb->fd, &s->iresv, s->ibase,
		    isiz + guard) == -1)
			return (store_seterr(s, ENOSPC,
			    "%s: no room to grow: %s", STORE_LRU_DB,
			    strerror(errno)));
		return (0);
	}
	if (hsiz + HDB_GUARD > s->xmsiz)
		return (store_seterr(s, ENOSPC,
		    "%s reached its mapped size (%llu bytes): raise xmsiz",
		    STORE_CHUNK_DB, (unsigned long long)s->xmsiz));
	if (isiz + guard > s->idx_xmsiz)
		return (store_seterr(s, ENOSPC,
		    "%s reached its mapped size (%llu bytes): raise xmsiz",
		    STORE_LRU_DB, (unsigned long long)s->idx_xmsiz));
	return (0);
}

/*
 * Reserved mode where the filesystem overwrites in place and supports
 * fallocate, unless the configuration asks for a mapping (see "Full
 * disks" above).
 */
int
store_resv_mode(const char *dir, const struct store_conf *conf)
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
int
store_resv_open(struct store *s, TCHDB *hdb, uint64_t *end, uint64_t *base,
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
	if (store_reserve(s, hdb->fd, end, *base, need) == 0)
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
