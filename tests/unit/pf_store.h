/* SPDX-License-Identifier: ISC */
/*
 * The harness of the publish and fetch engine tests (test_publish_fetch,
 * test_fetch_tamper): a deterministic PRNG for sizes, orders and file
 * contents, an in-memory chunk store, publishing into it, and the fetch
 * driver that plays the network for the engine.  Only those tests
 * include it; pf_store.c holds the code, which checks nothing itself.
 */
#ifndef KAD_TESTS_PF_STORE_H
#define KAD_TESTS_PF_STORE_H

#include <stdint.h>

#include "kadcrypt/fetch.h"
#include "kadcrypt/link.h"
#include "kadcrypt/manifest.h"

#define MiB	(1024 * 1024)

struct entry {
	uint8_t		 key[32];
	uint8_t		*data;
	size_t		 len;
	int		 used;
	int		 kind;		/* CHUNK_*; foreign chunks CHUNK_DATA */
	int		 is_index;	/* an index level's: kind != DATA */
	int		 height;
	uint64_t	 stripe;	/* as emitted (chunk_info) */
	unsigned	 pos;		/* emitted before it in its stripe */
	int		 seen;
	int		 deleted;	/* answers "not found" */
	int		 missed;	/* misses the engine took (0 or 2) */
};

/* a stripe as the publisher described it */
struct sinfo {
	unsigned	 k, n;		/* from its last chunk */
	unsigned	 emitted;
	int		 height;
	int		 parity;	/* a parity stripe? (n > k) */
};

struct store {
	struct entry	*tab;
	size_t		 cap, count, ndata, nindex, nparity;
	size_t		 dups, dups_long, badlen, badinfo;
	uint8_t		(*order)[32];	/* emission order, stored keys */
	size_t		 norder, ordercap;
	uint64_t	 nemit;		/* emitted, duplicates included */
	uint8_t		 last[32];	/* last emitted key */
	int		 last_kind;
	struct sinfo	*stripes;
	size_t		 nstripes, stripecap;
	struct kad_code	 code;		/* do_publish_code's */
};

#define PEND_MAX	(4 * FETCH_MAX_OUT)

struct drive {
	int		 shuffle;	/* deliver in random order */
	size_t		 readsz;
	const uint8_t	*expect;
	int		 late;		/* answer some chunks twice */
	int		 patience;	/* times a miss is asked again */
	/* results */
	char		 err[FETCH_ERRLEN];
	uint64_t	 got;
	int		 mismatch;
	int		 overflow;	/* engine broke its own limits */
	int		 badrepair;	/* a repair not matching its key */
	size_t		 max_out, max_buffered;
	int		 height, meta_early;
	uint64_t	 msize;
	char		 name[KAD_NAME_MAX + 1];
	int		 done;
	size_t		 misses, retried, lates;
	struct fetch_stats fs;
	uint8_t		(*repairs)[32];	/* keys repaired, in order */
	size_t		 nrepairs, repaircap;
};

extern const char lorem[];	/* what fill_text writes */

uint64_t	 rnd(void);
void		 fill_binary(uint8_t *, size_t);
void		 fill_text(uint8_t *, size_t);
const char	*hexkey(const uint8_t *, char[65]);
struct entry	*store_find(struct store *, const uint8_t *);
struct entry	*store_get(struct store *, const uint8_t *);
struct entry	*store_put(struct store *, const uint8_t *, const uint8_t *,
		    size_t, int);
void		 store_free(struct store *);
int		 do_publish(struct store *, const char *, size_t,
		    const uint8_t *, size_t, size_t, char *, int *);
/* the same with a format version and stripe parameters */
int		 do_publish_code(struct store *, const char *, size_t,
		    const struct kad_code *, const uint8_t *, size_t, size_t,
		    char *, int *);
int		 drive_fetch(struct store *, const char *, struct drive *);
void		 drive_free(struct drive *);

#endif /* KAD_TESTS_PF_STORE_H */
