/* SPDX-License-Identifier: ISC */
/*
 * Opening the chunk store: both files, the LRU index rebuilt from the
 * chunk file when it is not as new, the tuning derived from the limit;
 * store_verify() for the tests, and closing.
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
#include <sys/resource.h>

#include <bsd/sys/endian.h>
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "store_tc_local.h"

/* For store_open's index rebuild and store_verify. */
struct scan {
	struct store		*s;
	int			 verify;
	struct store_stats	 st;
	uint64_t		 maxtick;
	uint64_t		 unpinned;
	uint64_t		 sourced;	/* unpinned, with a source */
	uint64_t		 missing;	/* verify: no index entry */
	uint64_t		 nbadrec;
	uint8_t			(*ents)[IKEY_LEN];
	size_t			 nents, entcap;
	uint8_t			(*sents)[SKEY_LEN + SVAL_LEN];
	size_t			 nsents, sentcap;
	uint8_t			(*bad)[STORE_KEY_LEN];
	size_t			 nbad, badcap;
	int			 nomem;
};

/* Broken stores are never closed (see "Sandbox" above): kept reachable. */
static struct store	*abandoned;

/*
 * Room for one more than n entries of sz bytes in v: v or its larger
 * copy, or NULL (out of memory, v unchanged).
 */
static void *
grow(void *v, size_t n, size_t *cap, size_t sz, size_t first)
{
	void	*p;
	size_t	 ncap;

	if (n < *cap)
		return (v);
	ncap = *cap ? *cap * 2 : first;
	if ((p = reallocarray(v, ncap, sz)) != NULL)
		*cap = ncap;
	return (p);
}

/* A sourced chunk's entry, checked (verify) or kept for the rebuild. */
static bool
scan_src(struct scan *sc, const struct chunk_hdr *h, const uint8_t *key,
    size_t len)
{
	void	*p;
	uint8_t	 sk[SKEY_LEN];
	int	 n;

	sc->sourced++;
	sc->st.source_bytes += len;
	store_skey(sk, h->source, h->tick, key);
	if (sc->verify) {
		if (tcbdbget3(sc->s->bdb, sk, SKEY_LEN, &n) == NULL)
			sc->missing++;
		return (true);
	}
	if ((p = grow(sc->sents, sc->nsents, &sc->sentcap,
	    sizeof(*sc->sents), 1024)) == NULL) {
		sc->nomem = 1;
		return (false);
	}
	sc->sents = p;
	memcpy(sc->sents[sc->nsents], sk, SKEY_LEN);
	be16enc(sc->sents[sc->nsents] + SKEY_LEN, (uint16_t)len);
	sc->nsents++;
	return (true);
}

/* tchdbforeach callback for the index rebuild and store_verify. */
static bool
scan_rec(const void *kbuf, int ksiz, const void *vbuf, int vsiz, void *arg)
{
	struct scan		*sc = arg;
	struct chunk_hdr	 h;
	void			*p;
	uint8_t			 ik[IKEY_LEN];
	size_t			 len;
	int			 n;

	if (ksiz != STORE_KEY_LEN)
		return (true);		/* the meta record */
	if (store_hdr_parse(vbuf, vsiz, &h, &len) == -1) {
		sc->nbadrec++;
		if (sc->verify || sc->nbad == REBUILD_MAX_BAD)
			return (true);
		if ((p = grow(sc->bad, sc->nbad, &sc->badcap,
		    sizeof(*sc->bad), 16)) == NULL) {
			sc->nomem = 1;
			return (false);
		}
		sc->bad = p;
		memcpy(sc->bad[sc->nbad++], kbuf, STORE_KEY_LEN);
		return (true);
	}
	sc->st.chunks++;
	sc->st.bytes += len;
	if (h.tick > sc->maxtick)
		sc->maxtick = h.tick;
	if (h.pins > 0) {
		sc->st.pinned++;
		sc->st.pinned_bytes += len;
		return (true);
	}
	sc->unpinned++;
	store_ikey(ik, h.tick, kbuf);
	if (sc->verify) {
		if (tcbdbget3(sc->s->bdb, ik, IKEY_LEN, &n) == NULL)
			sc->missing++;
	} else {
		if ((p = grow(sc->ents, sc->nents, &sc->entcap,
		    sizeof(*sc->ents), 1024)) == NULL) {
			sc->nomem = 1;
			return (false);
		}
		sc->ents = p;
		memcpy(sc->ents[sc->nents++], ik, IKEY_LEN);
	}
	return (h.source == 0 ? true : scan_src(sc, &h, kbuf, len));
}

static int
ikey_cmp(const void *a, const void *b)
{
	return (memcmp(a, b, IKEY_LEN));
}

static int
skey_cmp(const void *a, const void *b)
{
	return (memcmp(a, b, SKEY_LEN));
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
			(void)store_seterr(s, ENOMEM, "out of memory");
		else
			(void)store_hdb_fail(s, "foreach");
		goto done;
	}
	if (sc.nbadrec > 0)
		log_warnx("%s: %llu damaged chunk records, dropping %zu",
		    __func__, (unsigned long long)sc.nbadrec, sc.nbad);
	if (sc.nbad > 0) {
		if (!tchdbtranbegin(s->hdb)) {
			(void)store_hdb_fail(s, "tranbegin");
			goto done;
		}
		for (i = 0; i < sc.nbad; i++)
			if (!tchdbout(s->hdb, sc.bad[i], STORE_KEY_LEN)) {
				(void)store_hdb_fail(s, "out");
				goto done;
			}
		if (!tchdbtrancommit(s->hdb)) {
			(void)store_hdb_fail(s, "trancommit");
			goto done;
		}
	}
	need = 2 * (uint64_t)(sc.nents + sc.nsents) * IDX_PER_ENT;
	if (!s->resv && need > s->idx_xmsiz)
		s->idx_xmsiz = need;
	if ((s->bdb = lru_open(s, bpath, BDBOTRUNC)) == NULL) {
		(void)store_seterr(s, errno, "%s: cannot create", STORE_LRU_DB);
		goto done;
	}
	if (s->resv && store_reserve(s, s->bdb->hdb->fd, &s->iresv, 0,
	    tcbdbfsiz(s->bdb) + need + IDX_SLACK) == -1) {
		/* a full disk fails the open; no fallocate: mapped mode */
		if (errno != ENOSPC && errno != EFBIG)
			s->resv_failed = 1;
		(void)store_seterr(s, errno, "%s: no room for the rebuild",
		    STORE_LRU_DB);
		goto done;
	}
	if (sc.nents > 1)
		qsort(sc.ents, sc.nents, sizeof(*sc.ents), ikey_cmp);
	for (i = 0; i < sc.nents; i++)
		if (!tcbdbput(s->bdb, sc.ents[i], IKEY_LEN, "", 0)) {
			(void)store_bdb_fail(s, "put");
			goto done;
		}
	/* after every tick entry, in key order as well */
	if (sc.nsents > 1)
		qsort(sc.sents, sc.nsents, sizeof(*sc.sents), skey_cmp);
	for (i = 0; i < sc.nsents; i++)
		if (!tcbdbput(s->bdb, sc.sents[i], SKEY_LEN,
		    sc.sents[i] + SKEY_LEN, SVAL_LEN)) {
			(void)store_bdb_fail(s, "put");
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
		log_info("store: LRU index rebuilt: %zu entries, %zu of "
		    "sources", sc.nents, sc.nsents);
	rv = 0;
 done:
	free(sc.ents);
	free(sc.sents);
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
		return (store_broken(s));
	if (!tchdbforeach(s->hdb, scan_rec, &sc))
		return (store_hdb_fail(s, "foreach"));
	sc.st.evicted = s->st.evicted;
	sc.st.limit = s->st.limit;
	if (out != NULL)
		*out = sc.st;
	nidx = tcbdbrnum(s->bdb);
	if (nidx > 0)
		nidx--;			/* the meta record */
	if (sc.nbadrec > 0)
		return (store_seterr(s, EIO, "%llu damaged chunk records",
		    (unsigned long long)sc.nbadrec));
	if (sc.st.chunks != s->st.chunks || sc.st.bytes != s->st.bytes ||
	    sc.st.pinned != s->st.pinned ||
	    sc.st.pinned_bytes != s->st.pinned_bytes)
		return (store_seterr(s, EIO,
		    "counters %llu/%llu/%llu/%llu, scan %llu/%llu/%llu/%llu",
		    (unsigned long long)s->st.chunks,
		    (unsigned long long)s->st.bytes,
		    (unsigned long long)s->st.pinned,
		    (unsigned long long)s->st.pinned_bytes,
		    (unsigned long long)sc.st.chunks,
		    (unsigned long long)sc.st.bytes,
		    (unsigned long long)sc.st.pinned,
		    (unsigned long long)sc.st.pinned_bytes));
	if (sc.missing > 0 || nidx != sc.unpinned + sc.sourced)
		return (store_seterr(s, EIO, "LRU index: %llu entries for %llu "
		    "unpinned chunks (%llu of sources), %llu missing",
		    (unsigned long long)nidx, (unsigned long long)sc.unpinned,
		    (unsigned long long)sc.sourced,
		    (unsigned long long)sc.missing));
	if (sc.st.source_bytes != s->st.source_bytes)
		return (store_seterr(s, EIO, "sources hold %llu bytes, scan "
		    "%llu", (unsigned long long)s->st.source_bytes,
		    (unsigned long long)sc.st.source_bytes));
	if (sc.maxtick > s->clock)
		return (store_seterr(s, EIO,
		    "tick %llu ahead of the clock %llu",
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
		    store_hdb_fail(s, "get meta"));
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

	if ((m = tcbdbget3(s->bdb, store_meta_bkey, sizeof(store_meta_bkey),
	    &n)) == NULL)
		return (tcbdbecode(s->bdb) == TCENOREC ? 0 :
		    store_bdb_fail(s, "get meta"));
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
 * must never write past its mapping (see store_room()).
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

	if (conf != NULL && conf->tune_nolimit)
		limit = 0;

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

/* Close what open_files() opened, as store_open's failure path does. */
static void
close_files(struct store *s)
{
	if (s->cur != NULL)
		tcbdbcurdel(s->cur);
	if (s->scur != NULL)
		tcbdbcurdel(s->scur);
	store_src_free(s);
	if (s->bdb != NULL) {
		(void)tcbdbclose(s->bdb);
		tcbdbdel(s->bdb);
	}
	if (s->hdb != NULL) {
		(void)tchdbclose(s->hdb);
		tchdbdel(s->hdb);
	}
	s->cur = NULL;
	s->scur = NULL;
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
	if (s->resv && store_resv_open(s, s->hdb, &s->hresv, &s->hbase,
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
	if (s->resv && store_resv_open(s, s->bdb->hdb, &s->iresv, &s->ibase,
	    tcbdbfsiz(s->bdb) + IDX_SLACK) == -1)
		return (-1);
	s->gen = hgen;
	/*
	 * Reserved mode maps the bucket arrays alone, unless a file has
	 * fewer buckets than configured: no page faults to count then.
	 */
	s->trim = store_maps_records(s->hdb) || store_maps_records(s->bdb->hdb);
	if ((s->cur = tcbdbcurnew(s->bdb)) == NULL ||
	    (s->scur = tcbdbcurnew(s->bdb)) == NULL) {
		errno = ENOMEM;
		return (-1);
	}
	if (store_src_load(s) == -1)
		goto tcfail;
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
	RB_INIT(&s->srcs);
	RB_INIT(&s->srcs_big);
	s->share = store_share_bytes(s->st.limit, conf != NULL ?
	    conf->share : 0);
	s->resv = store_resv_mode(dir, conf);
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
	if (store_tx_begin(s) == -1 || store_evict(s, 0) == -1 ||
	    store_commit(s) == -1) {
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
	tcbdbcurdel(s->scur);
	store_src_free(s);
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
