/* SPDX-License-Identifier: ISC */
/*
 * Reed-Solomon over GF(2^8) for kad's stripes, on Intel ISA-L.  Pure: no
 * system calls, no logging; every buffer is allocated by ec_new, so a
 * call never fails for want of memory.  docs/FORMAT.md, "Erasure
 * coding", is the normative description of the code; keep the two in
 * step.
 *
 * The generator is [I; C] with (k + m) rows of k columns: block b < k is
 * data block b, block k + i is parity P_i = row i of C times the data.
 * ISA-L's gf_gen_cauchy1_matrix lays out exactly this (the unit test
 * checks it against a reference of its own), and ISA-L picks its SIMD
 * code by cpuid, which is an instruction, not a system call, so the
 * codec needs nothing from kadcrypt's seccomp allowlist.
 *
 * Decoding: the k present blocks are taken in increasing block order,
 * their k rows of the generator form S, and D = S^-1 * present; a lost
 * data row is a row of S^-1, a lost parity row is C's row times S^-1.
 * Only lost blocks go through the tables (at most m of them: k of the
 * k + m are present); a wanted block that is present is copied.  The
 * tables of the last decode are kept, keyed by the present set and the
 * lost blocks wanted, since the order of idx[] and want[] does not
 * change them.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <isa-l/erasure_code.h>

#include "erasure.h"

/* ISA-L takes int lengths; larger blocks are coded in slices of this. */
#define EC_SLICE	(1 << 30)
/* bytes of ISA-L tables per coefficient */
#define EC_TBL		32

struct ec {
	unsigned	 k;
	unsigned	 m;
	unsigned char	*gen;		/* (k + m) x k: [I; C] */
	unsigned char	*etbl;		/* encode tables of C, 32 x k x m */
	unsigned char	*sub;		/* k x k: the present rows, S */
	unsigned char	*inv;		/* k x k: S^-1 */
	unsigned char	*dmat;		/* up to m x k: the lost rows wanted */
	unsigned char	*dtbl;		/* their tables, 32 x k x m */
	/* the cache key of dtbl: present and wanted lost blocks (0/1) */
	int		 cached;
	unsigned	 nlost;		/* rows in dmat and dtbl */
	uint8_t		 c_have[EC_MAX_N];
	uint8_t		 c_lost[EC_MAX_N];
	/* per call */
	uint8_t		 have[EC_MAX_N];
	uint8_t		 lost[EC_MAX_N];
	unsigned	 pos[EC_MAX_N];	/* block -> its index in src[] */
	unsigned	 wpos[EC_MAX_N]; /* block -> its index in want[] */
	unsigned char	*sp[EC_MAX_N];	/* ISA-L's source pointers */
	unsigned char	*dp[EC_MAX_N];	/* and destination pointers */
};

/*
 * ISA-L's prototypes take unsigned char ** for sources it only reads;
 * the const goes away here, through an integer, and nowhere else.
 */
static unsigned char *
unconst(const uint8_t *p)
{
	return ((unsigned char *)(uintptr_t)p);
}

struct ec *
ec_new(unsigned k, unsigned m)
{
	struct ec	*ec;
	size_t		 km;

	if (k < 1 || k > EC_MAX_N || m > EC_MAX_N - k) {
		errno = EINVAL;
		return (NULL);
	}
	if ((ec = calloc(1, sizeof(*ec))) == NULL)
		return (NULL);
	ec->k = k;
	ec->m = m;
	km = (size_t)k * (m > 0 ? m : 1);
	if ((ec->gen = calloc(k + m, k)) == NULL ||
	    (ec->etbl = calloc(km, EC_TBL)) == NULL ||
	    (ec->sub = calloc(k, k)) == NULL ||
	    (ec->inv = calloc(k, k)) == NULL ||
	    (ec->dmat = calloc(km, 1)) == NULL ||
	    (ec->dtbl = calloc(km, EC_TBL)) == NULL) {
		ec_free(ec);
		errno = ENOMEM;
		return (NULL);
	}
	gf_gen_cauchy1_matrix(ec->gen, k + m, k);
	if (m > 0)
		ec_init_tables(k, m, ec->gen + (size_t)k * k, ec->etbl);
	return (ec);
}

void
ec_free(struct ec *ec)
{
	if (ec == NULL)
		return;
	free(ec->gen);
	free(ec->etbl);
	free(ec->sub);
	free(ec->inv);
	free(ec->dmat);
	free(ec->dtbl);
	free(ec);
}

unsigned
ec_k(const struct ec *ec)
{
	return (ec->k);
}

unsigned
ec_m(const struct ec *ec)
{
	return (ec->m);
}

/* ec->sp[0..k-1] -> ec->dp[0..rows-1] through tbl, in int-sized slices */
static void
code(struct ec *ec, size_t len, unsigned rows, unsigned char *tbl)
{
	size_t		 off, n;
	unsigned	 i;

	for (off = 0; off < len; off += n) {
		n = len - off < EC_SLICE ? len - off : EC_SLICE;
		ec_encode_data((int)n, (int)ec->k, (int)rows, tbl, ec->sp,
		    ec->dp);
		for (i = 0; i < ec->k; i++)
			ec->sp[i] += n;
		for (i = 0; i < rows; i++)
			ec->dp[i] += n;
	}
}

void
ec_encode(struct ec *ec, size_t len, const uint8_t *const data[],
    uint8_t *const parity[])
{
	unsigned	 i;

	if (ec->m == 0 || len == 0)
		return;
	for (i = 0; i < ec->k; i++)
		ec->sp[i] = unconst(data[i]);
	for (i = 0; i < ec->m; i++)
		ec->dp[i] = parity[i];
	code(ec, len, ec->m, ec->etbl);
}

/*
 * Mark idx[] in have[] and pos[], want[]'s lost blocks in lost[] and
 * every wanted block in wpos[]; -1 on a block out of range or repeated.
 */
static int
mark(struct ec *ec, const unsigned idx[], unsigned nwant,
    const unsigned want[])
{
	unsigned	 i, n = ec->k + ec->m;
	uint8_t		 seen[EC_MAX_N];

	memset(ec->have, 0, sizeof(ec->have));
	memset(ec->lost, 0, sizeof(ec->lost));
	memset(seen, 0, sizeof(seen));
	for (i = 0; i < ec->k; i++) {
		if (idx[i] >= n || ec->have[idx[i]])
			return (-1);
		ec->have[idx[i]] = 1;
		ec->pos[idx[i]] = i;
	}
	for (i = 0; i < nwant; i++) {
		if (want[i] >= n || seen[want[i]])
			return (-1);
		seen[want[i]] = 1;
		ec->wpos[want[i]] = i;
		if (!ec->have[want[i]])
			ec->lost[want[i]] = 1;
	}
	return (0);
}

/*
 * The rows for the lost blocks wanted, in increasing block order, and
 * their tables: S from the present rows, S^-1, then a row of S^-1 for
 * lost data and C's row times S^-1 for lost parity.
 */
static int
prepare(struct ec *ec)
{
	unsigned	 b, r, c, t, k = ec->k, n = ec->k + ec->m;
	unsigned char	*row, acc;

	for (b = 0, r = 0; b < n; b++)
		if (ec->have[b])
			memcpy(ec->sub + (size_t)r++ * k,
			    ec->gen + (size_t)b * k, k);
	/* S is invertible for any k distinct rows of [I; C] */
	if (gf_invert_matrix(ec->sub, ec->inv, (int)k) != 0)
		return (-1);
	for (b = 0, r = 0; b < n; b++) {
		if (!ec->lost[b])
			continue;
		row = ec->dmat + (size_t)r++ * k;
		if (b < k) {
			memcpy(row, ec->inv + (size_t)b * k, k);
			continue;
		}
		for (c = 0; c < k; c++) {
			acc = 0;
			for (t = 0; t < k; t++)
				acc ^= gf_mul(ec->gen[(size_t)b * k + t],
				    ec->inv[(size_t)t * k + c]);
			row[c] = acc;
		}
	}
	ec->nlost = r;
	if (r > 0)
		ec_init_tables((int)k, (int)r, ec->dmat, ec->dtbl);
	memcpy(ec->c_have, ec->have, sizeof(ec->c_have));
	memcpy(ec->c_lost, ec->lost, sizeof(ec->c_lost));
	ec->cached = 1;
	return (0);
}

int
ec_decode(struct ec *ec, size_t len, const unsigned idx[],
    const uint8_t *const src[], unsigned nwant, const unsigned want[],
    uint8_t *const out[])
{
	unsigned	 b, r, n = ec->k + ec->m;

	if (mark(ec, idx, nwant, want) == -1) {
		errno = EINVAL;
		return (-1);
	}
	if (!ec->cached ||
	    memcmp(ec->have, ec->c_have, sizeof(ec->have)) != 0 ||
	    memcmp(ec->lost, ec->c_lost, sizeof(ec->lost)) != 0) {
		ec->cached = 0;
		if (prepare(ec) == -1) {
			errno = EINVAL;
			return (-1);
		}
	}
	if (len == 0)
		return (0);
	for (b = 0, r = 0; b < n; b++) {
		if (ec->have[b])
			ec->sp[r++] = unconst(src[ec->pos[b]]);
	}
	for (b = 0, r = 0; b < n; b++) {
		if (ec->lost[b])
			ec->dp[r++] = out[ec->wpos[b]];
	}
	for (r = 0; r < nwant; r++) {
		if (ec->have[want[r]])
			memcpy(out[r], src[ec->pos[want[r]]], len);
	}
	if (ec->nlost > 0)
		code(ec, len, ec->nlost, ec->dtbl);
	return (0);
}
