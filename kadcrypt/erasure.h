/* SPDX-License-Identifier: ISC */
/*
 * The Reed-Solomon codec of kad's erasure-coded stripes (docs/FORMAT.md,
 * "Erasure coding"): systematic, over GF(2^8) with the polynomial 0x11d,
 * parity rows from the Cauchy matrix C[i][j] = 1 / ((k + i) ^ j).  Any k
 * of a stripe's k + m blocks give back all of them.  A pure module on
 * ISA-L (erasure.c is the only file that includes it): no system calls,
 * no allocation after ec_new.  It codes ciphertext, so it wipes nothing.
 */
#ifndef KAD_ERASURE_H
#define KAD_ERASURE_H

#include <stddef.h>
#include <stdint.h>

#define EC_MAX_N	255	/* k + m */

struct ec;
/* k >= 1, m >= 0, k + m <= EC_MAX_N; NULL (errno EINVAL/ENOMEM) otherwise */
struct ec	*ec_new(unsigned k, unsigned m);
void		 ec_free(struct ec *);
unsigned	 ec_k(const struct ec *);
unsigned	 ec_m(const struct ec *);
/* data[0..k-1] -> parity[0..m-1], len bytes each (len >= 1) */
void		 ec_encode(struct ec *, size_t len, const uint8_t *const data[],
		    uint8_t *const parity[]);
/*
 * Recover blocks from any k present ones.  idx[0..k-1]: distinct block
 * numbers in [0, k+m) (0..k-1 data, k.. parity) of the blocks in src[];
 * want[0..nwant-1]: block numbers to rebuild (data or parity) into out[].
 * 0, or -1 with errno EINVAL (bad or repeated indices).
 */
int		 ec_decode(struct ec *, size_t len, const unsigned idx[],
		    const uint8_t *const src[], unsigned nwant,
		    const unsigned want[], uint8_t *const out[]);

#endif /* KAD_ERASURE_H */
