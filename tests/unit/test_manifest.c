/* SPDX-License-Identifier: ISC */
/*
 * Unit tests for kadcrypt/manifest.c: the canonical tree shape at
 * every boundary, file name rules, root and index node round trips,
 * rejection of each malformed field, and node sealing bound to the
 * node's position and key.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "kadcrypt/aead.h"
#include "kadcrypt/manifest.h"
#include "tests/test.h"

#define MIB	(1024 * 1024)

static struct kad_code	 dflt, v1;

/* p(k'), coded(n) and the stripes of one level, default code */
static void
test_stripes(void)
{
	static const struct {
		uint64_t	 n, coded;
	} t[] = {
		{ 0, 0 }, { 1, 6 }, { 2, 7 }, { 3, 8 }, { 4, 10 },
		{ 63, 87 }, { 64, 88 }, { 65, 94 }, { 127, 175 },
		{ 128, 176 }, { 129, 182 }, { 1000, 1377 },
	};
	struct kad_code		 c;
	struct kad_shape	 s;
	struct kad_stripe	 g;
	const char		*why;
	uint64_t		 v;
	size_t			 i;

	CHECK(manifest_parity(&dflt, 1) == 5 && manifest_parity(&dflt, 3) == 5 &&
	    manifest_parity(&dflt, 4) == 6 && manifest_parity(&dflt, 63) == 24 &&
	    manifest_parity(&dflt, 64) == 24 && manifest_parity(&dflt, 0) == 0,
	    "p(k') = ceil(20 k' / 64) + 4");
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		CHECK(manifest_coded(&dflt, t[i].n, &v) == 0 && v == t[i].coded,
		    "coded(%llu) = %llu", (unsigned long long)t[i].n,
		    (unsigned long long)v);
	CHECK(manifest_coded(&v1, 1000, &v) == 0 && v == 1000,
	    "no parity: coded(n) = n");
	c = dflt;
	c.k = 1;
	c.m = 128;
	c.e = 32;
	CHECK(manifest_code_valid(&c, &why) &&
	    manifest_coded(&c, UINT64_MAX / 100, &v) == -1,
	    "161 items per chunk overflows, and says so");

	/* 1 MiB + 7: 1025 chunks, 16 full stripes and one of 1 */
	manifest_shape(MIB + 7, 1024, 0, &dflt, &s, &why);
	CHECK(manifest_stripe(&s, 0, 15, &g) == 0 && g.item0 == 960 &&
	    g.k == 64 && g.n == 88 && g.pos0 == 15 * 88 &&
	    g.blocklen == 1024, "full data stripe");
	CHECK(manifest_stripe(&s, 0, 16, &g) == 0 && g.item0 == 1024 &&
	    g.k == 1 && g.n == 6 && g.pos0 == 16 * 88 && g.blocklen == 7 &&
	    manifest_stripe(&s, 0, 17, &g) == -1,
	    "the last chunk alone: its length is the block length");
	CHECK(manifest_stripe(&s, 1, 0, &g) == 0 && g.k == 46 &&
	    g.n == 46 + 15 + 4 && g.blocklen == 1024 &&
	    manifest_stripe(&s, 2, 0, &g) == 0 && g.k == 3 && g.n == 8,
	    "index stripes");
	manifest_shape(64 * 1024 + 1000, 1024, 0, &dflt, &s, &why);
	CHECK(manifest_stripe(&s, 0, 1, &g) == 0 && g.k == 1 &&
	    g.blocklen == 1000, "65 chunks: the second stripe is the short "
	    "last chunk");
	manifest_shape(65 * 1024 + 1000, 1024, 0, &dflt, &s, &why);
	CHECK(manifest_stripe(&s, 0, 1, &g) == 0 && g.k == 2 &&
	    g.blocklen == 1024, "two chunks: the short one is padded");
}

static void
test_shape(void)
{
	static const struct {
		uint64_t	 size;
		uint32_t	 cs;
		size_t		 namelen;
		uint64_t	 n, last;
		int		 height;
		uint64_t	 top;	/* keys in the root */
	} t[] = {
		{ 0, 1024, 0, 0, 0, 1, 0 },
		{ 1, 1024, 0, 1, 1, 1, 6 },
		{ 1023, 1024, 0, 1, 1023, 1, 6 },
		{ 1024, 1024, 0, 1, 1024, 1, 6 },
		{ 1025, 1024, 0, 2, 1, 1, 7 },
		{ 18 * 1024, 1024, 0, 18, 1024, 1, 28 },
		{ 18 * 1024 + 1, 1024, 0, 19, 1, 2, 6 },
		{ 12 * 1024, 1024, 255, 12, 1024, 1, 20 },
		{ 12 * 1024 + 1, 1024, 255, 13, 1, 2, 6 },
		{ 18 * 1024, 1024, 15, 18, 1024, 2, 6 },	/* R = 27 */
		{ 403 * 1024, 1024, 0, 403, 1024, 2, 28 },
		{ 403 * 1024 + 1, 1024, 0, 404, 1, 3, 6 },
		{ 64 * 1024, 1024, 0, 64, 1024, 2, 3 + 1 + 4 },
		{ 64 * 1024 + 1, 1024, 0, 65, 1, 2, 4 + 2 + 4 },
		{ 9085ULL * 1024, 1024, 0, 9085, 1024, 3, 28 },
		{ 9086ULL * 1024, 1024, 0, 9086, 1024, 4, 6 },
		{ 204823ULL * 1024, 1024, 0, 204823, 1024, 4, 28 },
		{ 204824ULL * 1024, 1024, 0, 204824, 1024, 5, 6 },
		{ 1600, 16, 0, 100, 16, 2, 11 },
		{ 5000, 17, 0, 295, 2, 2, 23 },
		{ 16 * 9086ULL, 16, 0, 9086, 16, 4, 6 },
	};
	struct kad_shape	 s, s1, s2;
	struct kad_code		 c;
	const char		*why;
	size_t			 i;
	int			 ok, h;

	CHECK(manifest_root_capacity(KAD_FORMAT_VERSION, 0) == 28 &&
	    manifest_root_capacity(KAD_FORMAT_VERSION, 255) == 20 &&
	    manifest_root_capacity(KAD_FORMAT_VERSION, 15) == 27 &&
	    manifest_root_capacity(KAD_FORMAT_V1, 15) == 28 &&
	    manifest_root_capacity(KAD_FORMAT_V1, 0) == 28,
	    "root capacity: (907 - L) / 32, and (911 - L) / 32 in version 1");
	CHECK(manifest_root_capacity(KAD_FORMAT_VERSION, 256) == 0,
	    "no room past the name limit");

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		ok = manifest_shape(t[i].size, t[i].cs, t[i].namelen, &dflt,
		    &s, &why) == 0 && s.nchunks == t[i].n &&
		    s.last_len == t[i].last && s.height == t[i].height &&
		    s.coded[s.height - 1] == t[i].top;
		CHECK(ok, "shape of %llu bytes, chunk %u, name %zu: %llu "
		    "chunks, height %d, %llu keys in the root",
		    (unsigned long long)t[i].size, t[i].cs, t[i].namelen,
		    (unsigned long long)s.nchunks, s.height,
		    (unsigned long long)s.coded[s.height - 1]);
	}
	/* every level's count follows from the one below */
	manifest_shape(204824ULL * 1024, 1024, 0, &dflt, &s, &why);
	for (ok = 1, h = 1; h < s.height; h++)
		ok &= s.items[h] == (s.coded[h - 1] + 30) / 31;
	CHECK(ok && s.items[1] == 9086 && s.coded[0] == 281636,
	    "n_h = ceil(coded(n_{h-1}) / 31)");

	CHECK(manifest_shape(UINT64_MAX, 16, 255, &dflt, &s, &why) == 0 &&
	    s.nchunks == 1ULL << 60 && s.height == 14 && s.last_len == 15,
	    "2^64-1 bytes in 16-byte chunks: height %d, no overflow",
	    s.height);
	CHECK(manifest_shape(UINT64_MAX, 1024, 0, &dflt, &s, &why) == 0 &&
	    s.last_len == 1023 && s.height == 13,
	    "2^64-1 bytes in 1 KiB chunks: height %d", s.height);
	CHECK(manifest_shape(10, 0, 0, &dflt, &s, &why) == -1, "chunk size 0");
	CHECK(manifest_shape(10, 15, 0, &dflt, &s, &why) == -1,
	    "chunk size 15");
	CHECK(manifest_shape(10, 1025, 0, &dflt, &s, &why) == -1,
	    "chunk size 1025");
	CHECK(manifest_shape(10, 1024, 256, &dflt, &s, &why) == -1,
	    "name 256");

	/* version 1 is version 2 without parity, root capacity aside */
	c = dflt;
	c.m = c.e = 0;
	for (ok = 1, i = 0; i < 40; i++) {
		uint64_t sz = i < 20 ? i * 1000 : (i * i) << 22;

		ok &= manifest_shape(sz, 1024, 0, &v1, &s1, &why) == 0 &&
		    manifest_shape(sz, 1024, 0, &c, &s2, &why) == 0 &&
		    s1.height == s2.height &&
		    memcmp(s1.items, s2.items, sizeof(s1.items)) == 0 &&
		    memcmp(s1.items, s1.coded, sizeof(s1.items)) == 0;
	}
	manifest_shape(869 * 1024, 1024, 0, &v1, &s, &why);
	CHECK(ok && s.height == 3 && s.items[1] == 29,
	    "version 1 = version 2 with M = E = 0: the version 1 tree");

	manifest_shape(869 * 1024, 1024, 0, &v1, &s, &why);
	CHECK(manifest_node_count(&s, 1, 0) == 31 &&
	    manifest_node_count(&s, 1, 27) == 31 &&
	    manifest_node_count(&s, 1, 28) == 1 &&
	    manifest_node_count(&s, 2, 0) == 29 &&
	    manifest_node_count(&s, 1, 29) == 0 &&
	    manifest_node_count(&s, 3, 0) == 0 &&
	    manifest_node_count(&s, 0, 0) == 0,
	    "node key counts, and 0 outside the tree");
	manifest_shape(MIB + 7, 1024, 0, &dflt, &s, &why);
	CHECK(manifest_node_count(&s, 1, 45) == 1414 - 45 * 31 &&
	    manifest_node_count(&s, 2, 2) == 65 - 62,
	    "node counts cover the parity positions too");
}

/* Stripe parameters a root may not have. */
static void
test_codes(void)
{
	static const struct {
		uint8_t		 version, k, m, e, r;
		int		 ok;
		const char	*what;
	} t[] = {
		{ 2, 64, 20, 4, 2, 1, "the defaults" },
		{ 2, 1, 0, 0, 1, 1, "K 1, no parity" },
		{ 2, 128, 127, 0, 20, 1, "K + p(K) = 255" },
		{ 2, 128, 128, 0, 2, 0, "K + p(K) = 256" },
		{ 2, 100, 100, 32, 2, 1, "K + p(K) = 232" },
		{ 2, 100, 124, 32, 2, 0, "K + p(K) = 256, E included" },
		{ 2, 0, 20, 4, 2, 0, "K 0" },
		{ 2, 129, 0, 0, 2, 0, "K 129" },
		{ 2, 64, 129, 0, 2, 0, "M 129" },
		{ 2, 64, 20, 33, 2, 0, "E 33" },
		{ 2, 64, 20, 4, 0, 0, "r 0" },
		{ 2, 64, 20, 4, 21, 0, "r 21" },
		{ 1, 64, 20, 4, 2, 0, "version 1 with parity" },
		{ 3, 64, 20, 4, 2, 0, "version 3" },
	};
	struct kad_code		 c;
	struct kad_shape	 s;
	const char		*why;
	size_t			 i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		c.version = t[i].version;
		c.k = t[i].k;
		c.m = t[i].m;
		c.e = t[i].e;
		c.copies = t[i].r;
		why = NULL;
		CHECK(manifest_code_valid(&c, &why) == t[i].ok &&
		    (t[i].ok || why != NULL), "code: %s %s", t[i].what,
		    t[i].ok ? "accepted" : why);
	}
	/* valid, but parity grows a level faster than the fanout cuts it */
	c = dflt;
	c.k = 1;
	c.m = 30;
	c.e = 0;
	CHECK(manifest_shape(1 << 20, 1024, 0, &c, &s, &why) == -1 &&
	    strcmp(why, "stripe parameters give a tree over 16 levels") == 0,
	    "a shape that never converges is refused");
	c.m = 128;
	c.e = 32;
	CHECK(manifest_shape(1, 1024, 0, &c, &s, &why) == -1,
	    "161 keys for one chunk never fit a root");
	c.m = 5;
	c.e = 0;
	CHECK(manifest_shape(1 << 20, 1024, 0, &c, &s, &why) == 0 &&
	    s.height == 5 && s.coded[4] == 12,
	    "K 1, 5 parity each: a high tree, height %d", s.height);
}

static void
test_names(void)
{
	static const struct {
		const char	*name;
		int		 ok;
	} t[] = {
		{ "", 1 },
		{ "a b c.txt", 1 },
		{ "h\xc3\xa9llo w\xc3\xb6rld \xe2\x98\x83.bin", 1 },
		{ "\xf0\x9f\x98\x80", 1 },
		{ ".hidden", 1 },
		{ "...", 1 },
		{ ".", 0 },
		{ "..", 0 },
		{ "a/b", 0 },
		{ "/", 0 },
		{ "tab\there", 0 },
		{ "nl\n", 0 },
		{ "del\x7f", 0 },
		{ "c1 \xc2\x85", 0 },
		{ "\xc0\xaf", 0 },		/* overlong '/' */
		{ "\xe0\x80\xaf", 0 },		/* overlong '/' */
		{ "\xed\xa0\x80", 0 },		/* surrogate */
		{ "\xf4\x90\x80\x80", 0 },	/* > U+10FFFF */
		{ "\xff", 0 },
		{ "cut \xe2\x98", 0 },
		{ "\x80", 0 },
	};
	const char	*why;
	char		 big[300];
	size_t		 i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		CHECK(manifest_name_valid(t[i].name, strlen(t[i].name), &why) ==
		    t[i].ok, "name #%zu %s", i, t[i].ok ? "accepted" :
		    "rejected");
	CHECK(manifest_name_valid("a\0b", 3, &why) == 0, "NUL inside a name");
	memset(big, 'x', sizeof(big));
	CHECK(manifest_name_valid(big, 255, &why) == 1, "255 bytes");
	CHECK(manifest_name_valid(big, 256, &why) == 0, "256 bytes");
}

static void
make_root(struct manifest *m, uint8_t *keys, const char *name, uint64_t size,
    const struct kad_code *c)
{
	struct kad_shape	 s;
	const char		*why;

	memset(m, 0, sizeof(*m));
	m->code = *c;
	m->cipher = KAD_CIPHER_AES256CTR;
	m->chunk_size = 1024;
	m->size = size;
	m->namelen = strlen(name);
	memcpy(m->name, name, m->namelen);
	manifest_shape(size, 1024, m->namelen, c, &s, &why);
	m->height = (uint8_t)s.height;
	m->count = (uint16_t)s.coded[s.height - 1];
	crypt_random(m->content_key, 32);
	crypt_random(m->data_key, 32);
	crypt_random(m->iv, 16);
	crypt_random(keys, 28 * 32);
}

/* Parse pt; 1 if it fails with a message containing `want'. */
static int
root_rejects(const uint8_t *pt, const char *want)
{
	struct manifest	 m;
	const uint8_t	*keys;
	char		 err[256];

	err[0] = '\0';
	if (manifest_root_parse(pt, &m, &keys, err, sizeof(err)) == 0)
		return (0);
	if (strstr(err, want) == NULL) {
		printf("# got \"%s\", wanted \"%s\"\n", err, want);
		return (0);
	}
	return (1);
}

static void
test_root(void)
{
	struct manifest	 m, m2;
	const uint8_t	*kp;
	uint8_t		 keys[28 * 32], pt[KAD_NODE_PTLEN], bad[KAD_NODE_PTLEN];
	char		 err[256];
	const char	*name = "r\xc3\xa9sum\xc3\xa9 2024.pdf";
	size_t		 nl = strlen(name);

	err[0] = '\0';
	make_root(&m, keys, name, 5 * 1024 + 3, &dflt);
	memset(keys, 0x5a, sizeof(keys));	/* printable, never zero */
	manifest_root_encode(&m, keys, m.count, pt);
	CHECK(manifest_root_parse(pt, &m2, &kp, err, sizeof(err)) == 0,
	    "root parses: %s", err);
	CHECK(m2.size == m.size && m2.chunk_size == 1024 && m2.height == 1 &&
	    m2.count == 12 && m2.namelen == nl && strcmp(m2.name, name) == 0 &&
	    memcmp(&m2.code, &dflt, sizeof(dflt)) == 0 &&
	    memcmp(m2.content_key, m.content_key, 32) == 0 &&
	    memcmp(m2.data_key, m.data_key, 32) == 0 &&
	    memcmp(m2.iv, m.iv, 16) == 0 && kp == pt + 101 + nl &&
	    memcmp(kp, keys, 12 * 32) == 0, "root fields round-trip");
	CHECK(pt[0] == 1 && pt[1] == 2 && pt[2] == 1 && pt[3] == 1 &&
	    pt[4] == 4 && pt[5] == 0 && pt[6] == 0 && pt[7] == 12 &&
	    pt[14] == 0x14 && pt[15] == 0x03 && pt[96] == 64 &&
	    pt[97] == 20 && pt[98] == 4 && pt[99] == 2 && pt[100] == nl,
	    "root header bytes as in docs/FORMAT.md");

#define MUT(off, val, want, what) do {					\
	memcpy(bad, pt, sizeof(bad));					\
	bad[off] = (val);						\
	CHECK(root_rejects(bad, want), "root: %s", what);		\
} while (0)
	MUT(0, 2, "not a root node", "index type");
	MUT(1, 3, "unsupported format version 3", "version 3");
	MUT(1, 0, "unsupported format version 0", "version 0");
	MUT(1, 1, "control character", "version 1: K taken for a name");
	MUT(2, 0, "bad tree height 0", "height 0");
	MUT(2, 2, "root height 2, expected 1", "height 2 for a small file");
	MUT(2, 17, "bad tree height 17", "height over the cap");
	MUT(3, 2, "unknown cipher 2", "cipher 2");
	MUT(4, 0, "bad chunk size 0", "chunk size 0");
	memcpy(bad, pt, sizeof(bad));
	bad[4] = 0;
	bad[5] = 15;
	CHECK(root_rejects(bad, "bad chunk size 15"), "root: chunk size 15");
	MUT(5, 1, "bad chunk size 1025", "chunk size 1025");
	MUT(6, 1, "root claims 268 keys", "count over capacity");
	MUT(7, 13, "root has 13 keys, expected 12", "one key too many");
	MUT(7, 11, "trailing garbage", "one key too few leaves one over");
	MUT(15, 0x00, "root has 12 keys, expected 11", "size shrunk a chunk");
	MUT(9, 1, "root height 1, expected 9", "size grown by 2^48");
	/* stripe parameters out of range, or a shape they change */
	MUT(96, 0, "stripe size K out of range", "K 0");
	MUT(96, 129, "stripe size K out of range", "K 129");
	MUT(97, 129, "parity M out of range", "M 129");
	MUT(98, 33, "parity E out of range", "E 33");
	MUT(99, 0, "copies r out of range", "r 0");
	MUT(99, 21, "copies r out of range (1..20) (K 64, M 20, E 4, r 21)",
	    "r 21, named");
	MUT(96, 128, "root has 12 keys, expected 11", "K 128: fewer parity");
	MUT(96, 32, "root has 12 keys, expected 14", "K 32: more parity");
	MUT(98, 0, "root has 12 keys, expected 8", "E 0");
	memcpy(bad, pt, sizeof(bad));
	bad[96] = 128;
	bad[97] = 128;
	CHECK(root_rejects(bad, "stripe of K + p(K) over 255 items"),
	    "root: K 128, M 128");
	memcpy(bad, pt, sizeof(bad));
	bad[96] = 1;
	bad[97] = 30;
	bad[98] = 0;
	CHECK(root_rejects(bad, "stripe parameters give a tree over 16 "
	    "levels"), "root: K 1, M 30: no tree");
	MUT(101 + 3, '/', "'/' in file name", "slash in the name");
	MUT(101 + 3, 0, "control character", "NUL in the name");
	MUT(101 + 1, 0xff, "not valid UTF-8", "bad UTF-8 in the name");
	MUT(100, 0, "trailing garbage", "name length 0 leaves garbage");
	MUT(KAD_NODE_PTLEN - 1, 1, "trailing garbage", "last padding byte");
	MUT(101 + nl + 12 * 32, 1, "trailing garbage", "byte after the keys");
#undef MUT

	make_root(&m, keys, "..", 0, &dflt);
	manifest_root_encode(&m, keys, 0, pt);
	CHECK(root_rejects(pt, "file name is . or .."), "root: name ..");

	make_root(&m, keys, "", 0, &dflt);
	manifest_root_encode(&m, keys, 0, pt);
	CHECK(manifest_root_parse(pt, &m2, &kp, err, sizeof(err)) == 0 &&
	    m2.size == 0 && m2.count == 0 && m2.name[0] == '\0',
	    "empty file, empty name");

	/* encoder clamps: a hostile count cannot write past the node */
	make_root(&m, keys, "x", 40 * 1024, &dflt);
	manifest_root_encode(&m, keys, 1000, pt);
	CHECK(root_rejects(pt, "root claims 1000 keys, has room for 28"),
	    "encoder writes a count it does not copy");
}

/* Version 1 roots: no stripe bytes, the name at 97, no parity. */
static void
test_root_v1(void)
{
	struct manifest	 m, m2;
	const uint8_t	*kp;
	uint8_t		 keys[28 * 32], pt[KAD_NODE_PTLEN], again[KAD_NODE_PTLEN];
	char		 err[256];
	const char	*name = "old.txt";

	err[0] = '\0';
	make_root(&m, keys, name, 5 * 1024 + 3, &v1);
	manifest_root_encode(&m, keys, m.count, pt);
	CHECK(pt[1] == 1 && pt[7] == 6 && pt[96] == 7 &&
	    memcmp(pt + 97, name, 7) == 0 &&
	    memcmp(pt + 104, keys, 6 * 32) == 0,
	    "version 1 root bytes: the name at 97, six keys, no parity");
	CHECK(manifest_root_parse(pt, &m2, &kp, err, sizeof(err)) == 0 &&
	    m2.code.version == 1 && m2.code.k == KAD_STRIPE_K &&
	    m2.code.m == 0 && m2.code.e == 0 &&
	    m2.code.copies == KAD_ROOT_COPIES && m2.count == 6 &&
	    kp == pt + 97 + 7, "version 1 root parses as a code without "
	    "parity: %s", err);
	manifest_root_encode(&m2, kp, m2.count, again);
	CHECK(memcmp(pt, again, sizeof(pt)) == 0, "and encodes back the same");
	pt[7] = 12;
	CHECK(root_rejects(pt, "trailing garbage") ||
	    root_rejects(pt, "root has 12 keys, expected 6"),
	    "a version 1 root with parity keys is refused");
}

static int
index_rejects(const uint8_t *pt, const char *want)
{
	const uint8_t	*keys;
	size_t		 count;
	char		 err[256];
	int		 h;

	err[0] = '\0';
	if (manifest_index_parse(pt, 2, &h, &count, &keys, err,
	    sizeof(err)) == 0)
		return (0);
	if (strstr(err, want) == NULL) {
		printf("# got \"%s\", wanted \"%s\"\n", err, want);
		return (0);
	}
	return (1);
}

static void
test_index(void)
{
	uint8_t		 keys[31 * 32], pt[KAD_NODE_PTLEN], bad[KAD_NODE_PTLEN];
	const uint8_t	*kp;
	size_t		 count;
	char		 err[256];
	int		 h;

	crypt_random(keys, sizeof(keys));
	manifest_index_encode(2, 3, keys, 31, pt);
	CHECK(manifest_index_parse(pt, 2, &h, &count, &kp, err,
	    sizeof(err)) == 0 && h == 3 && count == 31 && kp == pt + 8 &&
	    memcmp(kp, keys, sizeof(keys)) == 0, "full index node");
	CHECK(manifest_index_parse(pt, 1, &h, &count, &kp, err,
	    sizeof(err)) == -1 && strcmp(err, "format version 2 in a "
	    "version 1 tree") == 0, "a version 2 node in a version 1 tree");
	CHECK(pt[0] == 2 && pt[1] == 2 && pt[2] == 3 && pt[3] == 0 &&
	    pt[4] == 0 && pt[5] == 31 && pt[6] == 0 && pt[7] == 0,
	    "index header bytes as in docs/FORMAT.md");
	manifest_index_encode(2, 1, keys, 1, pt);
	CHECK(manifest_index_parse(pt, 2, &h, &count, &kp, err,
	    sizeof(err)) == 0 && h == 1 && count == 1, "one-key index node");

#define MUT(off, val, want, what) do {					\
	memcpy(bad, pt, sizeof(bad));					\
	bad[off] = (val);						\
	CHECK(index_rejects(bad, want), "index: %s", what);		\
} while (0)
	MUT(0, 1, "not an index node", "root type");
	MUT(1, 0, "unsupported format version 0", "version 0");
	MUT(2, 0, "bad index node height 0", "height 0");
	MUT(2, 16, "bad index node height 16", "height at the cap");
	MUT(3, 1, "reserved", "reserved byte 3");
	MUT(7, 1, "reserved", "reserved byte 7");
	MUT(5, 0, "claims 0 keys", "count 0");
	MUT(5, 32, "claims 32 keys", "count 32");
	MUT(4, 1, "claims 257 keys", "count 257");
	MUT(8 + 32, 1, "trailing garbage", "byte after the last key");
	MUT(KAD_NODE_PTLEN - 1, 1, "trailing garbage", "last byte");
#undef MUT
}

static void
test_seal(void)
{
	struct crypt_gcm	*g, *g2;
	struct manifest		 m;
	uint8_t			 key[32], keys[28 * 32], pt[KAD_NODE_PTLEN];
	uint8_t			 node[KAD_NODE_SIZE], out[KAD_NODE_PTLEN];
	uint8_t			 nonce[12], other[12];
	const char		*name = "secret-plan.txt";
	size_t			 i;
	int			 found = 0;

	manifest_nonce(KAD_NODE_INDEX, 3, 0x0102030405060708ULL, nonce);
	CHECK(nonce[0] == 2 && nonce[1] == 3 && nonce[2] == 0 &&
	    nonce[3] == 0 && nonce[4] == 1 && nonce[11] == 8,
	    "nonce = type, height, 0, 0, index (big endian)");

	crypt_random(key, sizeof(key));
	g = crypt_gcm_new(key);
	key[0] ^= 1;
	g2 = crypt_gcm_new(key);
	make_root(&m, keys, name, 3000, &dflt);
	manifest_root_encode(&m, keys, m.count, pt);
	manifest_nonce(KAD_NODE_ROOT, 0, 0, nonce);
	CHECK(manifest_seal(g, nonce, pt, node) == 0, "seal root");
	for (i = 0; i + strlen(name) <= sizeof(node); i++)
		found |= memcmp(node + i, name, strlen(name)) == 0;
	CHECK(!found, "the sealed root does not show the name");
	CHECK(manifest_open(g, nonce, node, sizeof(node), out) == 0 &&
	    memcmp(out, pt, sizeof(pt)) == 0, "open root");
	CHECK(manifest_open(g2, nonce, node, sizeof(node), out) == -1,
	    "another key fails");
	manifest_nonce(KAD_NODE_INDEX, 0, 0, other);
	CHECK(manifest_open(g, other, node, sizeof(node), out) == -1,
	    "the root cannot be opened as an index node");
	CHECK(manifest_open(g, nonce, node, sizeof(node) - 1, out) == -1,
	    "short chunk fails");
	node[500] ^= 0x10;
	CHECK(manifest_open(g, nonce, node, sizeof(node), out) == -1,
	    "flipped bit fails");

	manifest_index_encode(2, 1, keys, 5, pt);
	manifest_nonce(KAD_NODE_INDEX, 1, 7, nonce);
	manifest_seal(g, nonce, pt, node);
	manifest_nonce(KAD_NODE_INDEX, 1, 8, other);
	CHECK(manifest_open(g, other, node, sizeof(node), out) == -1,
	    "an index node moved to another index fails");
	manifest_nonce(KAD_NODE_INDEX, 2, 7, other);
	CHECK(manifest_open(g, other, node, sizeof(node), out) == -1,
	    "an index node moved to another height fails");
	CHECK(manifest_open(g, nonce, node, sizeof(node), out) == 0,
	    "in place it opens");
	crypt_gcm_free(g);
	crypt_gcm_free(g2);
}

int
main(void)
{
	manifest_code_default(&dflt);
	v1 = dflt;
	v1.version = KAD_FORMAT_V1;
	v1.m = v1.e = 0;
	v1.copies = KAD_ROOT_COPIES;
	test_stripes();
	test_shape();
	test_codes();
	test_names();
	test_root();
	test_root_v1();
	test_index();
	test_seal();
	crypt_aead_cleanup();
	return (test_done());
}
