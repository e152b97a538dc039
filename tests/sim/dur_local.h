/* SPDX-License-Identifier: ISC */
/*
 * dur_local.h: the durability scenario's files.  scn_durability.c runs
 * it and publishes the chunks; dur_files.c lays out the coded tree of
 * each file (format version 2: Reed-Solomon stripes at every level,
 * docs/FORMAT.md); dur_shared.c gives a placed stripe's loss with the
 * holders it really has, dur_mc.c files whole over many drawn losses,
 * dur_odds.c what a loss does to larger files by the independent-chunk
 * model.  dur_files.c and dur_shared.c need only the simulator
 * (test_sim links them).
 */
#ifndef KAD_DUR_LOCAL_H
#define KAD_DUR_LOCAL_H

#include <stddef.h>
#include <stdint.h>

#include "kadnet/dht.h"

#define DUR_MAXH	64	/* holders of one chunk looked at */
#define DUR_FANOUT	31	/* keys in an index node */
#define DUR_ROOTKEYS	25	/* keys in a root with a short name */
#define DUR_MAXLEVEL	16
#define DUR_MAXSTRIPE	512	/* chunks in a stripe, parity included */

/* what a chunk is */
#define DUR_DATA	0
#define DUR_INDEX	1
#define DUR_PARITY	2
#define DUR_ROOT	3

/* stripe parameters: K, M, E (--ec none: 1, 0, 0, one chunk a stripe) */
struct dur_ec {
	unsigned	 k, m, e;
};

/* one level of a file's tree: `items` cut into stripes of k */
struct dur_level {
	uint64_t	 items;
	uint64_t	 full;		/* stripes of k items */
	unsigned	 last;		/* items in the short last stripe, or 0 */
	uint64_t	 coded;		/* items and all their parity */
};

struct dur_chunk {
	uint8_t		 key[KAD_ID_LEN];
	uint32_t	 file;
	uint8_t		 copies;	/* asked of the PUT */
	uint8_t		 kind;
	uint8_t		 held;		/* holders once published */
	uint8_t		 live;		/* a copy on a node still up */
};

struct dur_stripe {
	uint32_t	 first;		/* its chunks: first .. first+k+p-1 */
	uint16_t	 k, p;		/* items, parity */
};

struct dur_file {
	uint32_t	 stripe0, nstripes;
	uint32_t	 root;		/* chunk index */
	uint32_t	 n0;		/* data chunks */
	uint8_t		 large;		/* one of the --large-files */
	int		 src;		/* its publisher */
};

struct dur_set {
	struct dur_chunk	*c;
	size_t			 nc;
	struct dur_stripe	*s;
	size_t			 ns;
	struct dur_file		*f;
	size_t			 nf;
	size_t			 data;	/* data chunks of all files */
};

/* dur_files.c */
unsigned	 dur_parity(const struct dur_ec *, unsigned items);
size_t		 dur_shape(const struct dur_ec *, uint64_t n0,
		    struct dur_level *, size_t max);
void		 dur_add_file(struct dur_set *, const struct dur_ec *,
		    uint32_t n0, unsigned copies, unsigned root_copies,
		    int large);
int		 dur_stripe_ok(const struct dur_set *, const struct dur_stripe *);
int		 dur_file_ok(const struct dur_set *, const struct dur_file *);

/* many drawn losses against written-down holders (dur_mc.c) */
struct dur_mc {
	const struct dur_set	*S;
	int			*hold;	/* chunk i's: hold[off[i]..off[i+1]) */
	uint32_t		*off;
	uint8_t			*lost;
};

/* dur_mc.c */
void		 dur_mc_init(struct dur_mc *, const struct dur_set *,
		    int truth);
void		 dur_mc_free(struct dur_mc *);
void		 dur_mc_eval(struct dur_mc *, const uint8_t *dead,
		    size_t whole[2]);

/* dur_shared.c */
double		 dur_stripe_loss(const struct dur_set *,
		    const struct dur_stripe *, double f, int apart);

/* dur_odds.c */
double		 dur_lchoose(double n, double k);
double		 dur_chunk_loss(unsigned holders, double nodes, double dead);
void		 dur_extrapolate(const struct dur_set *, const struct dur_ec *,
		    double frac);

#endif /* KAD_DUR_LOCAL_H */
