/* SPDX-License-Identifier: ISC */
/*
 * Unit tests for kadcrypt/erasure.c.  The code is checked against a slow
 * reference written here from docs/FORMAT.md ("Erasure coding"), not
 * from ISA-L: GF(2^8) by shift and reduce with 0x11d, inverses by
 * search, parity as the sum of C[i][j] * D_j with C[i][j] = 1 / ((k + i)
 * ^ j).  Then round trips through every kind of loss, every k-subset of
 * a small code, refused arguments, and the block lengths a stripe uses.
 */
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kadcrypt/erasure.h"
#include "tests/test.h"

static uint8_t	 mul_tab[256][256];	/* from ref_mul, for speed */
static uint8_t	 inv_tab[256];
static uint64_t	 rng = 0x9e3779b97f4a7c15ULL;

static const size_t lens[] = { 1, 16, 1000, 1024 };
#define NLENS	(sizeof(lens) / sizeof(lens[0]))

static uint32_t
rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return ((uint32_t)(rng >> 16));
}

static void
fill(uint8_t *p, size_t len)
{
	size_t	 i;

	for (i = 0; i < len; i++)
		p[i] = (uint8_t)rnd();
}

/* the product in GF(2^8) modulo x^8+x^4+x^3+x^2+1, bit by bit */
static uint8_t
ref_mul(uint8_t a, uint8_t b)
{
	unsigned	 x = a, r = 0;

	while (b != 0) {
		if (b & 1)
			r ^= x;
		b >>= 1;
		x <<= 1;
		if (x & 0x100)
			x ^= 0x11d;
	}
	return ((uint8_t)r);
}

/* the tables, and the field laws they must obey */
static void
test_field(void)
{
	unsigned	 a, b, x, order, bad = 0;

	for (a = 0; a < 256; a++)
		for (b = 0; b < 256; b++)
			mul_tab[a][b] = ref_mul((uint8_t)a, (uint8_t)b);
	for (a = 1; a < 256; a++) {
		for (b = 1; b < 256; b++)
			if (mul_tab[a][b] == 1)
				break;
		inv_tab[a] = (uint8_t)b;
		if (b == 256)
			bad++;
	}
	CHECK(bad == 0, "every non-zero element has an inverse");
	/* commutative, and no zero divisors */
	for (a = 0; a < 256; a++)
		for (b = 0; b < 256; b++)
			if (mul_tab[a][b] != mul_tab[b][a] ||
			    ((a != 0 && b != 0) && mul_tab[a][b] == 0))
				bad++;
	CHECK(bad == 0, "multiplication commutes, no zero divisors");
	CHECK(ref_mul(0x80, 2) == 0x1d && ref_mul(2, 0x8e) == 1 &&
	    inv_tab[3] == 0xf4, "x * x^7 = 0x1d, 1/2 = 0x8e, 1/3 = 0xf4");
	/* 0x11d is primitive: 2 generates all 255 non-zero elements */
	for (x = 2, order = 1; x != 1; order++)
		x = mul_tab[x][2];
	CHECK(order == 255, "2 has order %u (255)", order);
}

/* parity by the formula of docs/FORMAT.md */
static void
ref_encode(unsigned k, unsigned m, size_t len, uint8_t *const d[],
    uint8_t *const p[])
{
	unsigned	 i, j;
	size_t		 b;
	uint8_t		 c;

	for (i = 0; i < m; i++) {
		memset(p[i], 0, len);
		for (j = 0; j < k; j++) {
			c = inv_tab[(k + i) ^ j];
			for (b = 0; b < len; b++)
				p[i][b] ^= mul_tab[c][d[j][b]];
		}
	}
}

/* k + m blocks of len bytes: blk[0..k-1] data, blk[k..] parity */
static uint8_t **
blocks(unsigned n, size_t len)
{
	uint8_t		**blk;
	unsigned	  i;

	if ((blk = calloc(n, sizeof(*blk))) == NULL)
		abort();
	for (i = 0; i < n; i++)
		if ((blk[i] = malloc(len)) == NULL)
			abort();
	return (blk);
}

static void
blocks_free(uint8_t **blk, unsigned n)
{
	unsigned	 i;

	for (i = 0; i < n; i++)
		free(blk[i]);
	free(blk);
}

static int
same(uint8_t *const a[], uint8_t *const b[], unsigned n, size_t len)
{
	unsigned	 i;

	for (i = 0; i < n; i++)
		if (memcmp(a[i], b[i], len) != 0)
			return (0);
	return (1);
}

static void
kat(unsigned k, unsigned m)
{
	struct ec	 *ec;
	uint8_t		**blk, **ref;
	unsigned	  l, j;

	if ((ec = ec_new(k, m)) == NULL) {
		CHECK(0, "ec_new(%u, %u)", k, m);
		return;
	}
	CHECK(ec_k(ec) == k && ec_m(ec) == m, "ec_k, ec_m of (%u, %u)", k, m);
	for (l = 0; l < NLENS; l++) {
		blk = blocks(k + m, lens[l]);
		ref = blocks(m > 0 ? m : 1, lens[l]);
		for (j = 0; j < k; j++)
			fill(blk[j], lens[l]);
		ec_encode(ec, lens[l], (const uint8_t *const *)blk, blk + k);
		ref_encode(k, m, lens[l], blk, ref);
		CHECK(same(blk + k, ref, m, lens[l]),
		    "(%u, %u) len %zu: parity is the reference's", k, m,
		    lens[l]);
		blocks_free(ref, m > 0 ? m : 1);
		blocks_free(blk, k + m);
	}
	ec_free(ec);
}

/* a vector worked by hand: P_0 = 1/2 * D_0 + 1/3 * D_1 for (2, 1) */
static void
test_vector(void)
{
	struct ec	*ec;
	uint8_t		 d0[2] = { 1, 0 }, d1[2] = { 0, 1 }, p0[2];
	const uint8_t	*d[2] = { d0, d1 };
	uint8_t		*p[1] = { p0 };

	if ((ec = ec_new(2, 1)) == NULL) {
		CHECK(0, "ec_new(2, 1)");
		return;
	}
	ec_encode(ec, 2, d, p);
	CHECK(p0[0] == 0x8e && p0[1] == 0xf4,
	    "(2, 1): parity of (1, 0), (0, 1) is 0x8e, 0xf4 (got %02x %02x)",
	    p0[0], p0[1]);
	ec_free(ec);
}

static void
shuffle(unsigned *a, unsigned n)
{
	unsigned	 i, j, t;

	for (i = n; i > 1; i--) {
		j = rnd() % i;
		t = a[i - 1];
		a[i - 1] = a[j];
		a[j] = t;
	}
}

/*
 * Erase nlost random blocks of a coded stripe, decode from k of the
 * others taken in random order, rebuilding the erased ones (in random
 * order) and, with extra, one present block too; 1 if all came back.
 */
static int
round_trip(struct ec *ec, uint8_t **blk, size_t len, unsigned nlost,
    int extra)
{
	unsigned	  k = ec_k(ec), n = k + ec_m(ec), i, nwant;
	unsigned	  perm[EC_MAX_N], idx[EC_MAX_N], want[EC_MAX_N];
	const uint8_t	 *src[EC_MAX_N];
	uint8_t		**out;
	int		  ok;

	for (i = 0; i < n; i++)
		perm[i] = i;
	shuffle(perm, n);
	/* perm[0..nlost-1] are erased; k of the rest are read */
	for (i = 0; i < nlost; i++)
		want[i] = perm[i];
	nwant = nlost;
	for (i = 0; i < k; i++) {
		idx[i] = perm[nlost + i];
		src[i] = blk[idx[i]];
	}
	if (extra)
		want[nwant++] = idx[rnd() % k];
	out = blocks(nwant > 0 ? nwant : 1, len);
	for (i = 0; i < nwant; i++)
		memset(out[i], 0xa5, len);
	ok = ec_decode(ec, len, idx, src, nwant, want, out) == 0;
	for (i = 0; ok && i < nwant; i++)
		ok = memcmp(out[i], blk[want[i]], len) == 0;
	blocks_free(out, nwant > 0 ? nwant : 1);
	return (ok);
}

/* random codes, random losses of up to m blocks, data and parity */
static void
test_random(unsigned ncodes, unsigned kmax, unsigned mmax, unsigned trials)
{
	struct ec	 *ec;
	uint8_t		**blk;
	unsigned	  c, t, k, m, l, bad = 0, runs = 0;

	for (c = 0; c < ncodes; c++) {
		k = 1 + rnd() % kmax;
		m = rnd() % (mmax + 1);
		if (k + m > EC_MAX_N)
			m = EC_MAX_N - k;
		if ((ec = ec_new(k, m)) == NULL) {
			bad++;
			continue;
		}
		l = rnd() % NLENS;
		blk = blocks(k + m, lens[l]);
		for (t = 0; t < k; t++)
			fill(blk[t], lens[l]);
		ec_encode(ec, lens[l], (const uint8_t *const *)blk, blk + k);
		for (t = 0; t < trials; t++, runs++)
			if (!round_trip(ec, blk, lens[l],
			    m > 0 ? rnd() % (m + 1) : 0, t & 1))
				bad++;
		blocks_free(blk, k + m);
		ec_free(ec);
	}
	CHECK(bad == 0, "%u random codes (k <= %u, m <= %u): %u decodes, "
	    "%u wrong", ncodes, kmax, mmax, runs, bad);
}

/* one big code, every length, the most losses it takes */
static void
test_big(unsigned k, unsigned m)
{
	struct ec	 *ec;
	uint8_t		**blk;
	unsigned	  l, j, bad = 0;

	if ((ec = ec_new(k, m)) == NULL) {
		CHECK(0, "ec_new(%u, %u)", k, m);
		return;
	}
	for (l = 0; l < NLENS; l++) {
		blk = blocks(k + m, lens[l]);
		for (j = 0; j < k; j++)
			fill(blk[j], lens[l]);
		ec_encode(ec, lens[l], (const uint8_t *const *)blk, blk + k);
		for (j = 0; j < 4; j++)
			if (!round_trip(ec, blk, lens[l], m, j & 1))
				bad++;
		blocks_free(blk, k + m);
	}
	CHECK(bad == 0, "(%u, %u): %u losses rebuilt, every length", k, m,
	    m);
	ec_free(ec);
}

/* decode from idx[0..k-1] of blk, wanting want[0..nwant-1]; 1 if right */
static int
decode_ok(struct ec *ec, uint8_t **blk, size_t len, const unsigned *idx,
    unsigned nwant, const unsigned *want)
{
	const uint8_t	 *src[EC_MAX_N];
	uint8_t		**out;
	unsigned	  i;
	int		  ok;

	for (i = 0; i < ec_k(ec); i++)
		src[i] = blk[idx[i]];
	out = blocks(nwant, len);
	for (i = 0; i < nwant; i++)
		memset(out[i], 0x5a, len);
	ok = ec_decode(ec, len, idx, src, nwant, want, out) == 0;
	for (i = 0; ok && i < nwant; i++)
		ok = memcmp(out[i], blk[want[i]], len) == 0;
	blocks_free(out, nwant);
	return (ok);
}

/* (4, 3): each of the 35 sets of 4 blocks gives back all 7 */
static void
test_subsets(void)
{
	struct ec	 *ec;
	uint8_t		**blk;
	unsigned	  set, b, n, nlost, idx[4], lost[3];
	unsigned	  all[7] = { 6, 0, 5, 1, 4, 2, 3 };
	unsigned	  data[4] = { 0, 1, 2, 3 };
	unsigned	  nset = 0, bad = 0;

	if ((ec = ec_new(4, 3)) == NULL) {
		CHECK(0, "ec_new(4, 3)");
		return;
	}
	blk = blocks(7, 1000);
	for (b = 0; b < 4; b++)
		fill(blk[b], 1000);
	ec_encode(ec, 1000, (const uint8_t *const *)blk, blk + 4);
	for (set = 0; set < 128; set++) {
		if (__builtin_popcount(set) != 4)
			continue;
		nset++;
		for (b = 0, n = 0, nlost = 0; b < 7; b++) {
			if (set & (1U << b))
				idx[n++] = b;
			else
				lost[nlost++] = b;
		}
		shuffle(idx, 4);
		if (!decode_ok(ec, blk, 1000, idx, 3, lost) ||
		    !decode_ok(ec, blk, 1000, idx, 4, data) ||
		    !decode_ok(ec, blk, 1000, idx, 7, all))
			bad++;
	}
	CHECK(nset == 35 && bad == 0,
	    "(4, 3): %u sets of 4 blocks, %u failed to give back all 7",
	    nset, bad);
	blocks_free(blk, 7);
	ec_free(ec);
}

/*
 * The kept tables must follow the set, not the order: the same blocks in
 * another order, another want on the same set, and back.
 */
static void
test_cache(void)
{
	struct ec	 *ec;
	uint8_t		**blk;
	unsigned	  b, ok;
	unsigned	  i1[6] = { 1, 3, 6, 7, 8, 9 };
	unsigned	  i2[6] = { 9, 7, 1, 8, 3, 6 };
	unsigned	  w1[4] = { 0, 2, 4, 5 }, w2[4] = { 5, 4, 2, 0 };
	unsigned	  w3[2] = { 4, 2 }, w4[3] = { 10, 11, 0 };
	unsigned	  i3[6] = { 0, 2, 4, 5, 10, 11 };
	unsigned	  i4[6] = { 0, 1, 3, 5, 10, 11 };

	if ((ec = ec_new(6, 6)) == NULL) {
		CHECK(0, "ec_new(6, 6)");
		return;
	}
	blk = blocks(12, 1024);
	for (b = 0; b < 6; b++)
		fill(blk[b], 1024);
	ec_encode(ec, 1024, (const uint8_t *const *)blk, blk + 6);
	ok = decode_ok(ec, blk, 1024, i1, 4, w1);
	ok += decode_ok(ec, blk, 1024, i2, 4, w1);
	ok += decode_ok(ec, blk, 1024, i2, 4, w2);
	ok += decode_ok(ec, blk, 1024, i1, 2, w3);
	ok += decode_ok(ec, blk, 1024, i4, 2, w3);
	ok += decode_ok(ec, blk, 1024, i3, 3, w4);
	ok += decode_ok(ec, blk, 1024, i1, 4, w1);
	CHECK(ok == 7, "decodes in a row that change only the order, only "
	    "the want, only the set, both: %u of 7 right", ok);
	blocks_free(blk, 12);
	ec_free(ec);
}

static void
test_refused(void)
{
	struct ec	 *ec;
	uint8_t		**blk;
	unsigned	  b, idx[4], want[2];
	const uint8_t	 *src[4];
	uint8_t		 *out[2];

	errno = 0;
	CHECK(ec_new(0, 3) == NULL && errno == EINVAL, "k = 0 refused");
	errno = 0;
	CHECK(ec_new(1, 255) == NULL && errno == EINVAL,
	    "k + m = 256 refused");
	errno = 0;
	CHECK(ec_new(256, 0) == NULL && errno == EINVAL, "k = 256 refused");
	errno = 0;
	CHECK(ec_new(2, UINT_MAX) == NULL && errno == EINVAL,
	    "m that wraps k + m refused");
	CHECK((ec = ec_new(255, 0)) != NULL, "(255, 0) accepted");
	ec_free(ec);
	CHECK((ec = ec_new(1, 254)) != NULL, "(1, 254) accepted");
	ec_free(ec);

	if ((ec = ec_new(4, 2)) == NULL) {
		CHECK(0, "ec_new(4, 2)");
		return;
	}
	blk = blocks(6, 16);
	for (b = 0; b < 4; b++)
		fill(blk[b], 16);
	ec_encode(ec, 16, (const uint8_t *const *)blk, blk + 4);
	for (b = 0; b < 4; b++)
		src[b] = blk[b];
	out[0] = blk[4];
	out[1] = blk[5];
	want[0] = 4;
	want[1] = 5;
#define REFUSE(i0, i1, i2, i3, w0, w1, what) do {			\
	idx[0] = i0; idx[1] = i1; idx[2] = i2; idx[3] = i3;		\
	want[0] = w0; want[1] = w1;					\
	errno = 0;							\
	CHECK(ec_decode(ec, 16, idx, src, 2, want, out) == -1 &&	\
	    errno == EINVAL, "%s refused", what);			\
} while (0)
	REFUSE(0, 1, 1, 3, 4, 5, "a repeated idx");
	REFUSE(0, 1, 2, 6, 4, 5, "idx = k + m");
	REFUSE(0, 1, 2, UINT_MAX, 4, 5, "idx = UINT_MAX");
	REFUSE(0, 1, 2, 3, 4, 6, "want = k + m");
	REFUSE(0, 1, 2, 3, 5, 5, "a repeated want");
#undef REFUSE
	/* nothing written by the refusals, and the codec still works */
	idx[0] = 0; idx[1] = 1; idx[2] = 4; idx[3] = 5;
	want[0] = 2; want[1] = 3;
	CHECK(decode_ok(ec, blk, 16, idx, 2, want),
	    "a good decode after the refused ones");
	blocks_free(blk, 6);
	ec_free(ec);
}

int
main(void)
{
	static const unsigned	 codes[][2] = { { 64, 24 }, { 1, 8 }, { 3, 5 },
	    { 128, 127 }, { 1, 0 }, { 2, 1 }, { 10, 4 }, { 29, 51 },
	    { 255, 0 }, { 1, 254 }, { 200, 55 } };
	size_t			 i;

	test_field();
	test_vector();
	for (i = 0; i < sizeof(codes) / sizeof(codes[0]); i++)
		kat(codes[i][0], codes[i][1]);
	test_subsets();
	test_cache();
	test_refused();
	test_random(60, 64, 32, 6);
	test_random(10, 200, 55, 2);
	test_big(64, 24);
	test_big(1, 8);
	test_big(128, 127);
	test_big(1, 254);
	return (test_done());
}
