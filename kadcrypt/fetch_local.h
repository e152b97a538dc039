/* SPDX-License-Identifier: ISC */
/*
 * The fetch engine's insides, shared by its files and no one else:
 * fetch.c (the API, the root, the walk: what to request, node parsing,
 * reading) on top of fetch_stripe.c (a stripe's life: its requests,
 * arrivals, misses, decoding and repairs).  fetch_stripe.c reaches
 * fetch.c only through fetch_fail and fetch_pump.
 */
#ifndef KAD_FETCH_LOCAL_H
#define KAD_FETCH_LOCAL_H

#include <bsd/sys/tree.h>

#include "aead.h"
#include "fetch.h"
#include "link.h"
#include "manifest.h"

#define DATA_KEYS	2048	/* keys of C_0 known ahead */
#define INDEX_KEYS	1024	/* keys of C_h, h >= 1, known ahead */
#define REPORT_MAX	4096	/* keys_only: keys not yet taken */
#define ASK_PARITY	2	/* parity asked for with a stripe's data */

#define ROOT_LEVEL	(-1)

/* item slots */
#define B_EMPTY		0
#define B_READY		1	/* verified: data to read, a node to parse */

/* a stripe's positions */
#define P_FRESH		0	/* never asked for */
#define P_ASKED		1	/* outstanding */
#define P_HAVE		2	/* verified bytes held */
#define P_GONE		3	/* missing; a replacement was asked for */
#define P_WAIT		4	/* missing, still outstanding: asked again */
#define P_DUP		5	/* another position of the stripe has its key */
#define P_REVIVE	6	/* gone, to be asked for again */
#define P_STATE		0x0f
#define P_MISSED	0x80	/* reported missing: repaired if rebuilt */

/* engine state */
#define F_ROOT		0	/* root not yet requested */
#define F_ROOTWAIT	1
#define F_WALK		2
#define F_FAILED	3

struct req {
	RB_ENTRY(req)	 entry;
	struct req	*nextfree;
	uint8_t		 key[KAD_KEY_LEN];
	int		 level;		/* ROOT_LEVEL, 0 data, >= 1 index */
	uint64_t	 pos;		/* position in C_level */
};
RB_HEAD(reqtree, req);

struct stripe {
	struct kad_stripe g;		/* items, positions, block length */
	uint64_t	 j;		/* its number in its level */
	int		 active;
	int		 queued;	/* in the level's ask queue */
	unsigned	 have;		/* positions verified */
	unsigned	 out;		/* ASKED and WAIT */
	unsigned	 nwait;		/* WAIT */
	unsigned	 fresh;		/* positions [fresh, n) never asked */
	unsigned	 quota;		/* ask for positions up to this one */
	unsigned	 revive;	/* REVIVE positions */
	uint8_t		*st;		/* n position states */
	uint16_t	*pool;		/* parity position - k -> pool block */
};

struct level {
	uint64_t	 items, coded, nstripes;
	size_t		 bsize;		/* a slot: cs for data, else 1024 */
	/* keys of C_h: positions [pos0 of stripe slo, khi) */
	uint8_t		(*keys)[KAD_KEY_LEN];
	uint64_t	 kmask, khi;
	/* verified items, by item index: [base, base + bmask + 1) */
	uint8_t		*blocks;
	uint8_t		*bstate;
	uint8_t		(*bkeys)[KAD_KEY_LEN];	/* index levels: for errors */
	uint64_t	 bmask;
	uint64_t	 cursor;	/* next item to read, or node to parse */
	/* parity blocks of the active stripes */
	uint8_t		*pool;
	uint16_t	*freel;
	size_t		 npool, nfree;
	/* active stripes: [slo, snext), in sv[j % nsv] */
	struct stripe	*sv;
	size_t		 nsv;
	uint64_t	 slo, snext;
};

struct report {
	uint8_t		 key[KAD_KEY_LEN];
	uint8_t		 is_index;
};

struct repair {
	uint8_t		 key[KAD_KEY_LEN];
	size_t		 len;
	uint8_t		 data[KAD_CHUNK_MAX];
};

struct fetch {
	int			 state;
	int			 keys_only;
	int			 content_ok;
	char			 err[FETCH_ERRLEN];
	struct kad_link		 link;
	struct crypt_gcm	*gcm;
	struct crypt_sha256	*sha;
	struct crypt_sha256	*content;
	struct crypt_ctr	*ctr;
	struct manifest		 m;
	struct kad_shape	 shape;
	int			 height;	/* 0 until the root is in */
	int			 base;		/* lowest level walked */
	unsigned		 nmax;		/* positions in a full stripe */
	int			 root_missed;

	struct level		 lv[KAD_MAX_HEIGHT];
	struct ec		*ec[KAD_STRIPE_K_MAX + 1];	/* by k' */

	struct reqtree		 reqs;
	struct req		*pool;
	struct req		*freereq;
	size_t			 nout;

	size_t			 coff;		/* bytes of it already read */
	size_t			 buffered;
	uint64_t		 delivered;

	struct report		*rq;		/* keys_only */
	size_t			 rqhead, rqcount;
	size_t			 rqres;		/* for the active index stripes */

	struct repair		*rp;		/* on the first repair */
	size_t			 rphead, rpcount;
	uint8_t			*scratch;	/* parity rebuilt to repair */

	uint64_t		 rebuilt, stripes_parity, repairs;
	uint64_t		 repairs_dropped, not_found;
	uint64_t		 arrived, missed;	/* of stripes' items */

	uint8_t			 pt[KAD_NODE_PTLEN];
};

/* fetch.c */
void		 fetch_fail(struct fetch *, const char *, ...)
		    __attribute__((__format__(printf, 2, 3)));
const char	*fetch_hex(const uint8_t *, char [2 * KAD_KEY_LEN + 1]);
void		 fetch_pump(struct fetch *);
void		 fetch_report(struct fetch *, const uint8_t *, int);

/* fetch_stripe.c */
struct req	*req_add(struct fetch *, const uint8_t *, int, uint64_t,
		    struct req **);
struct req	*req_find(struct fetch *, const uint8_t *);
void		 req_free(struct fetch *, struct req *);
struct stripe	*stripe_of(struct fetch *, int, uint64_t, unsigned *);
int		 stripe_start(struct fetch *, int);
int		 stripe_ask(struct fetch *, int, uint8_t [KAD_KEY_LEN]);
void		 stripe_arrive(struct fetch *, int, uint64_t, const uint8_t *,
		    const uint8_t *, size_t);
int		 stripe_missing(struct fetch *, struct req *);
void		 stripe_abandon(struct fetch *, struct req *);
uint64_t	 level_base(const struct level *);
int		 level_alloc(struct fetch *, int);
void		 level_free(struct level *);

#endif /* KAD_FETCH_LOCAL_H */
