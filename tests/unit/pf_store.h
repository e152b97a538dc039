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
	int		 is_index;
	int		 seen;
	int		 deleted;	/* answers "not found" */
};

struct store {
	struct entry	*tab;
	size_t		 cap, count, ndata, nindex;
	size_t		 dups, badlen;
	uint8_t		(*order)[32];	/* emission order */
	size_t		 norder, ordercap;
	uint8_t		 last[32];	/* last emitted key */
	int		 last_index;
};

#define PEND_MAX	(FETCH_MAX_OUT + 1)

struct drive {
	int		 shuffle;	/* deliver in random order */
	size_t		 readsz;
	const uint8_t	*expect;
	/* results */
	char		 err[FETCH_ERRLEN];
	uint64_t	 got;
	int		 mismatch;
	int		 overflow;	/* engine broke its own limits */
	size_t		 max_out, max_buffered;
	int		 height, meta_early;
	uint64_t	 msize;
	char		 name[KAD_NAME_MAX + 1];
	int		 done;
};

extern const char lorem[];	/* what fill_text writes */

uint64_t	 rnd(void);
void		 fill_binary(uint8_t *, size_t);
void		 fill_text(uint8_t *, size_t);
const char	*hexkey(const uint8_t *, char[65]);
struct entry	*store_find(struct store *, const uint8_t *);
struct entry	*store_get(struct store *, const uint8_t *);
void		 store_put(struct store *, const uint8_t *, const uint8_t *,
		    size_t, int);
void		 store_free(struct store *);
int		 do_publish(struct store *, const char *, size_t,
		    const uint8_t *, size_t, size_t, char *, int *);
int		 drive_fetch(struct store *, const char *, struct drive *);

#endif /* KAD_TESTS_PF_STORE_H */
