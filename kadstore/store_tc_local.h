/* SPDX-License-Identifier: ISC */
/*
 * store_tc_local.h: what the chunk store's three files share.  Not an
 * API: only store_tc.c (chunk operations and batches), store_open.c
 * (open, index rebuild, verify, close), store_space.c (disk space
 * and mapped memory), store_src.c (per-source accounting) and
 * store_rec.c include it, and with it Tokyo Cabinet's headers.
 */
#ifndef KAD_STORE_TC_LOCAL_H
#define KAD_STORE_TC_LOCAL_H

#include <sys/types.h>
#include <bsd/sys/tree.h>

#include <stdbool.h>
#include <stdint.h>

#include <openssl/evp.h>
#include <tcutil.h>
#include <tchdb.h>
#include <tcbdb.h>

#include "store_tc.h"

#define HDR_LEN		16			/* tick, pins, copies */
#define SRC_LEN		8			/* source, when flagged */
#define HDR_F_SOURCE	0x80000000U		/* in copies: SRC_LEN follow */
#define VAL_MAX		(HDR_LEN + SRC_LEN + STORE_CHUNK_MAX)
#define IKEY_LEN	(8 + STORE_KEY_LEN)	/* tick || key */
/*
 * The per-source index entry: SKEY_TAG || source || tick || key, value
 * the payload length (u16 BE).  Ticks never reach 2^56 (one per LRU
 * insertion), so every tick entry sorts before SKEY_TAG and the meta
 * record's 0xff after every source entry.
 */
#define SKEY_TAG	0xfe
#define SKEY_PFX	(1 + SRC_LEN)
#define SKEY_LEN	(SKEY_PFX + IKEY_LEN)
#define SVAL_LEN	2

#define META_VERSION	1
#define META_HKEY	"kadstore:meta"
#define META_HKEY_LEN	(sizeof(META_HKEY) - 1)
#define META_HLEN	64
#define META_BLEN	16
#define META_BKEY_LEN	12

#define STORE_LRU_TAIL_DIV	8	/* see "LRU clock" in store_tc.c */
#define REBUILD_MAX_BAD		4096	/* damaged records dropped per open */

/* Tuning defaults, measured with bench_raw's Tokyo Cabinet stage. */
#define BNUM_MIN	131071		/* TC's default */
#define BNUM_MAX	(1LL << 27)	/* 1 GiB of 8-byte buckets */
#define BNUM_NOLIMIT	1048573
#define HDB_FPOW	12		/* 4096 free blocks: eviction churn */
#define IDX_LCNUM	4096
#define IDX_NCNUM	1024

/*
 * Mapped sizes in mapped mode (address space, not memory; see "Full
 * disks and resident memory" in store_space.c for why every file must
 * stay inside its mapping).
 */
#define XMSIZ_MIN	(64LL << 20)
#define XMSIZ_MAX	(1LL << 40)
#define XMSIZ_NOLIMIT	(64LL << 30)
#define IDX_XMSIZ_MIN	(2LL << 20)
#define HDB_GUARD	(64LL << 10)	/* more than one put appends */
#define HDB_HEADSIZ	256		/* TC's header, before the buckets */
#define IDX_PER_OP	256		/* index growth per op, at commit */
#define IDX_PER_ENT	128		/* index bytes per entry, generous */
#define IDX_SLACK	(512LL << 10)	/* reserved mode: index growth slack */
#define TRIM_CHECK	64		/* accesses between fault counts */
#define TRIM_FAULTS	256		/* minor faults between trims */
#define RESV_STEP	(8LL << 20)	/* space reserved ahead at a time */
#define RESV_LOW	(4LL << 20)	/* reserve again below this much */
#define FREE_MARGIN	(32LL << 20)	/* left free for the WAL files */

struct chunk_hdr {
	uint64_t	tick;
	uint32_t	pins;
	uint32_t	copies;		/* as stored: 0 before they were kept */
	uint64_t	source;		/* a peer's network; 0: our own */
};

/* What one source's unpinned chunks hold (store_src.c). */
struct store_src {
	RB_ENTRY(store_src)	 kentry;	/* by source */
	RB_ENTRY(store_src)	 bentry;	/* by bytes, largest first */
	uint64_t		 source;
	uint64_t		 bytes;
	uint64_t		 chunks;
};
RB_HEAD(src_ktree, store_src);
RB_HEAD(src_btree, store_src);

struct store {
	TCHDB			*hdb;
	TCBDB			*bdb;
	BDBCUR			*cur;		/* LRU cursor */
	BDBCUR			*scur;		/* per-source cursor */
	struct src_ktree	 srcs;		/* sources by key */
	struct src_btree	 srcs_big;	/* the same by size */
	uint64_t		 share;		/* a source's bytes, at most */
	EVP_MD			*sha256;	/* fetched once */
	EVP_MD_CTX		*mdctx;		/* reused */
	struct store_stats	 st;		/* counters, limit */
	uint64_t		 gen;		/* last committed batch */
	uint64_t		 clock;		/* last tick handed out */
	uint64_t		 xmsiz;		/* mapped size, chunk file */
	uint64_t		 idx_xmsiz;	/* mapped size, index */
	uint64_t		 nops;		/* index ops in the batch */
	uint64_t		 mapops;	/* accesses: store_mapped() */
	int			 trim;		/* records are mapped: trim */
	int			 resv;		/* reserved mode */
	int			 resv_failed;	/* at open: use mapped mode */
	uint64_t		 hresv, iresv;	/* files' allocated ends */
	uint64_t		 hbase, ibase;	/* their blocks at open */
	uint64_t		 fsize_max;	/* RLIMIT_FSIZE */
	long			 minflt;	/* minor faults at last trim */
	int64_t			 bnum;
	int			 intx;		/* a batch is open */
	int			 unsynced;	/* committed, not synced */
	int			 broken;	/* TC error: read-only */
	struct store		*next;		/* abandoned stores */
	char			 errstr[320];	/* room for whybroken */
	char			 whybroken[256];
	uint8_t			 vbuf[VAL_MAX + 1]; /* +1: detect oversize */
};

/* the index's meta record key: 8 x 0xff || "meta" */
extern const uint8_t	 store_meta_bkey[META_BKEY_LEN];

/* store_tc.c */
int	store_seterr(struct store *, int error, const char *fmt, ...)
	    __attribute__((__format__(printf, 3, 4)));
int	store_hdb_fail(struct store *, const char *);
int	store_bdb_fail(struct store *, const char *);
int	store_broken(struct store *);
void	store_ikey(uint8_t [IKEY_LEN], uint64_t tick, const uint8_t *key);
int	store_tx_begin(struct store *);
int	store_evict(struct store *, uint64_t putter);
int	store_chunk_lookup(struct store *, const uint8_t *key,
	    struct chunk_hdr *, size_t *len);
size_t	store_hdr_len(const struct chunk_hdr *);
int	store_hdr_parse(const uint8_t *, int, struct chunk_hdr *, size_t *);
int	store_lru_del(struct store *, uint64_t tick, const uint8_t *key);

/* store_src.c */
uint64_t store_share_bytes(uint64_t limit, unsigned share);
void	store_skey(uint8_t [SKEY_LEN], uint64_t source, uint64_t tick,
	    const uint8_t *key);
int	store_src_add(struct store *, const struct chunk_hdr *,
	    const uint8_t *key, size_t len);
int	store_src_del(struct store *, const struct chunk_hdr *,
	    const uint8_t *key, size_t len);
int	store_src_evict(struct store *, uint64_t putter);
int	store_src_load(struct store *);
void	store_src_free(struct store *);
void	store_src_stats(struct store *, struct store_stats *);

/* store_space.c */
int	store_maps_records(const TCHDB *);
void	store_mapped(struct store *);
int	store_reserve(struct store *, int fd, uint64_t *end, uint64_t base0,
	    uint64_t need);
int	store_room(struct store *);
int	store_resv_mode(const char *dir, const struct store_conf *);
int	store_resv_open(struct store *, TCHDB *, uint64_t *end,
	    uint64_t *base, uint64_t need);

#endif /* KAD_STORE_TC_LOCAL_H */
