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
 * Decoding: the k present blocks are taken in increasing block order;
 * their k rows of [I; C] form S, and the data is S^-1 times them.
 * prepare() gets the rows of S^-1 it needs from the e x e part of C
 * that mixes the e lost data blocks into the e present parity blocks
 * (e <= m), not from a k x k inversion.  Only absent blocks go through
 * the tables (at most m of them: k of the k + m are present); a wanted
 * block that is present is copied.  The tables of the last decode are
 * kept, keyed by the present set and the absent blocks wanted: the
 * order of idx[] and want[] does not change them.
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
	unsigned char	*lgc;		/* m x k: logs of C's entries (none 0) */
	unsigned char	 lg[256];	/* log of x to the base 2, x != 0 */
	unsigned char	 ex[2 * 255];	/* 2^i, twice over: no modulo */
	unsigned char	*etbl;		/* encode tables of C, 32 x k x m */
	unsigned char	*sub;		/* e x e, e <= m: A, below */
	unsigned char	*inv;		/* e x e: A^-1 */
	unsigned char	*rmat;		/* e x k: the lost data rows, R */
	unsigned char	*dmat;		/* up to m x k: rows rebuilt */
	unsigned char	*dtbl;		/* their tables, 32 x k x m */
	/* the key of dtbl: present blocks, absent blocks wanted (0/1) */
	int		 cached;
	unsigned	 nrebuild;	/* rows in dmat and dtbl */
	uint8_t		 c_have[EC_MAX_N];
	uint8_t		 c_rebuild[EC_MAX_N];
	/* per call */
	uint8_t		 have[EC_MAX_N];
	uint8_t		 rebuild[EC_MAX_N];
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

/*
 * Log and antilog tables of the field (2 generates it under 0x11d), and
 * the logs of C: prepare() multiplies tens of thousands of coefficients
 * for a new loss pattern, and a call to gf_mul for each was most of a
 * decode's time.
 */
static void
logs(struct ec *ec)
{
	unsigned	 i, x = 1;
	size_t		 j, nc = (size_t)ec->m * ec->k;

	for (i = 0; i < 255; i++) {
		ec->ex[i] = ec->ex[i + 255] = (unsigned char)x;
		ec->lg[x] = (unsigned char)i;
		x = gf_mul((unsigned char)x, 2);
	}
	for (j = 0; j < nc; j++)
		ec->lgc[j] = ec->lg[ec->gen[(size_t)ec->k * ec->k + j]];
}

struct ec *
ec_new(unsigned k, unsigned m)
{
	struct ec	*ec;
	size_t		 km;
	unsigned	 mm;

	if (k < 1 || k > EC_MAX_N || m > EC_MAX_N - k) {
		errno = EINVAL;
		return (NULL);
	}
	if ((ec = calloc(1, sizeof(*ec))) == NULL)
		return (NULL);
	ec->k = k;
	ec->m = m;
	mm = m > 0 ? m : 1;
	km = (size_t)k * mm;
	if ((ec->gen = calloc(k + m, k)) == NULL ||
	    (ec->lgc = calloc(km, 1)) == NULL ||
	    (ec->etbl = calloc(km, EC_TBL)) == NULL ||
	    (ec->sub = calloc(mm, mm)) == NULL ||
	    (ec->inv = calloc(mm, mm)) == NULL ||
	    (ec->rmat = calloc(km, 1)) == NULL ||
	    (ec->dmat = calloc(km, 1)) == NULL ||
	    (ec->dtbl = calloc(km, EC_TBL)) == NULL) {
		ec_free(ec);
		errno = ENOMEM;
		return (NULL);
	}
	gf_gen_cauchy1_matrix(ec->gen, k + m, k);
	logs(ec);
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
	free(ec->lgc);
	free(ec->etbl);
	free(ec->sub);
	free(ec->inv);
	free(ec->rmat);
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
 * Mark idx[] in have[] and pos[], the absent blocks of want[] in
 * rebuild[], every wanted block in wpos[]; -1 on a block out of range
 * or repeated.
 */
static int
mark(struct ec *ec, const unsigned idx[], unsigned nwant,
    const unsigned want[])
{
	unsigned	 i, n = ec->k + ec->m;
	uint8_t		 seen[EC_MAX_N];

	memset(ec->have, 0, sizeof(ec->have));
	memset(ec->rebuild, 0, sizeof(ec->rebuild));
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
			ec->rebuild[want[i]] = 1;
	}
	return (0);
}

/* row y ^= f * row x, over n entries */
static void
axpy(const struct ec *ec, unsigned char *y, unsigned char f,
    const unsigned char *x, unsigned n)
{
	unsigned	 c, lf;

	if (f == 0)
		return;
	lf = ec->lg[f];
	for (c = 0; c < n; c++)
		if (x[c] != 0)
			y[c] ^= ec->ex[lf + ec->lg[x[c]]];
}

/* row x *= f, f != 0 */
static void
scale(const struct ec *ec, unsigned char *x, unsigned char f, unsigned n)
{
	unsigned	 c, lf = ec->lg[f];

	for (c = 0; c < n; c++)
		if (x[c] != 0)
			x[c] = ec->ex[lf + ec->lg[x[c]]];
}

/*
 * out = a^-1 for an n x n Cauchy matrix a, destroying a: Gauss-Jordan,
 * as ISA-L's gf_invert_matrix does, but on the tables above rather than
 * a call to gf_mul per product (that call was half of a new pattern's
 * decode), and without row swaps: every leading square of a Cauchy
 * matrix is a Cauchy matrix, never singular, so no pivot is ever 0.
 */
static int
invert(const struct ec *ec, unsigned char *a, unsigned char *out,
    unsigned n)
{
	unsigned	 i, j;
	unsigned char	 f, *ri, *oi;

	memset(out, 0, (size_t)n * n);
	for (i = 0; i < n; i++)
		out[i * n + i] = 1;
	for (i = 0; i < n; i++) {
		if (a[i * n + i] == 0)
			return (-1);
		ri = a + i * n;
		oi = out + i * n;
		f = ec->ex[255 - ec->lg[ri[i]]];	/* 1 / pivot */
		scale(ec, ri, f, n);
		scale(ec, oi, f, n);
		for (j = 0; j < n; j++) {
			if (j == i || (f = a[j * n + i]) == 0)
				continue;
			axpy(ec, a + j * n, f, ri, n);
			axpy(ec, out + j * n, f, oi, n);
		}
	}
	return (0);
}

/*
 * The rows of the absent blocks wanted, in increasing block order, and
 * their tables.  With e data blocks lost (L), k - e present (the
 * sources first, in block order) and e parity blocks present (pp, the
 * sources last): each present P_t minus its known data terms is
 * A * D_L, A = C[pp][L] (e x e, a Cauchy matrix itself, so invertible),
 * hence D_L = A^-1 * (P_pp + B * D_known) with B = C[pp][known].  R
 * holds these e rows over the k sources; a lost parity block wanted is
 * its row of C with D_L replaced by R.  Inverting e x e rather than all
 * k x k rows is what keeps a decode with a new loss pattern near the
 * speed of one with kept tables (e^3 steps, not k^3).
 */
static int
prepare(struct ec *ec)
{
	unsigned	 known[EC_MAX_N], pp[EC_MAX_N], lost[EC_MAX_N];
	unsigned	 b, r, c, t, e, nk, la, k = ec->k, n = ec->k + ec->m;
	unsigned char	*row, a;
	const unsigned char *lc;

	for (b = 0, nk = 0, e = 0; b < k; b++) {
		if (ec->have[b])
			known[nk++] = b;
		else
			lost[e++] = b;
	}
	for (b = k, t = 0; b < n; b++)
		if (ec->have[b])
			pp[t++] = b;
	if (t != e)
		return (-1);
	for (t = 0; t < e; t++)
		for (r = 0; r < e; r++)
			ec->sub[t * e + r] =
			    ec->gen[(size_t)pp[t] * k + lost[r]];
	if (invert(ec, ec->sub, ec->inv, e) == -1)
		return (-1);
	for (r = 0; r < e; r++) {
		row = ec->rmat + (size_t)r * k;
		memset(row, 0, nk);
		for (t = 0; t < e; t++) {
			if ((a = ec->inv[r * e + t]) == 0)
				continue;
			la = ec->lg[a];
			lc = ec->lgc + (size_t)(pp[t] - k) * k;
			for (c = 0; c < nk; c++)
				row[c] ^= ec->ex[la + lc[known[c]]];
		}
		memcpy(row + nk, ec->inv + (size_t)r * e, e);
	}
	for (b = 0, r = 0; b < n; b++) {
		if (!ec->rebuild[b])
			continue;
		row = ec->dmat + (size_t)r++ * k;
		if (b < k) {
			for (t = 0; lost[t] != b; t++)
				;
			memcpy(row, ec->rmat + (size_t)t * k, k);
			continue;
		}
		for (c = 0; c < k; c++)
			row[c] = c < nk ? ec->gen[(size_t)b * k + known[c]] : 0;
		for (t = 0; t < e; t++)
			axpy(ec, row, ec->gen[(size_t)b * k + lost[t]],
			    ec->rmat + (size_t)t * k, k);
	}
	ec->nrebuild = r;
	if (r > 0)
		ec_init_tables((int)k, (int)r, ec->dmat, ec->dtbl);
	memcpy(ec->c_have, ec->have, sizeof(ec->c_have));
	memcpy(ec->c_rebuild, ec->rebuild, sizeof(ec->c_rebuild));
	ec->cached = 1;
	return (0);
}

/* out[] must not overlap src[]: present blocks wanted are memcpy'd */
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
	    memcmp(ec->rebuild, ec->c_rebuild, sizeof(ec->rebuild)) != 0) {
		ec->cached = 0;
		if (prepare(ec) == -1) {
			errno = EINVAL;
			return (-1);
		}
	}
	if (len == 0)
		return (0);
	for (b = 0, r = 0; b < n; b++)
		if (ec->have[b])
			ec->sp[r++] = unconst(src[ec->pos[b]]);
	for (b = 0, r = 0; b < n; b++)
		if (ec->rebuild[b])
			ec->dp[r++] = out[ec->wpos[b]];
	for (r = 0; r < nwant; r++)
		if (ec->have[want[r]])
			memcpy(out[r], src[ec->pos[want[r]]], len);
	if (ec->nrebuild > 0)
		code(ec, len, ec->nrebuild, ec->dtbl);
	return (0);
}
