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
		{ 1, 1024, 0, 1, 1, 1, 1 },
		{ 1023, 1024, 0, 1, 1023, 1, 1 },
		{ 1024, 1024, 0, 1, 1024, 1, 1 },
		{ 1025, 1024, 0, 2, 1, 1, 2 },
		{ 28 * 1024, 1024, 0, 28, 1024, 1, 28 },
		{ 28 * 1024 + 1, 1024, 0, 29, 1, 2, 1 },
		{ 21 * 1024, 1024, 255, 21, 1024, 2, 1 },
		{ 20 * 1024, 1024, 255, 20, 1024, 1, 20 },
		{ 868 * 1024, 1024, 0, 868, 1024, 2, 28 },
		{ 868 * 1024 + 1, 1024, 0, 869, 1, 3, 1 },
		{ 1048576 + 7, 1024, 8, 1025, 7, 3, 2 },
		{ 26908ULL * 1024, 1024, 0, 26908, 1024, 3, 28 },
		{ 26909ULL * 1024, 1024, 0, 26909, 1024, 4, 1 },
		{ 1600, 16, 0, 100, 16, 2, 4 },
		{ 5000, 17, 0, 295, 2, 2, 10 },
		{ 16 * 26909ULL, 16, 0, 26909, 16, 4, 1 },
	};
	struct kad_shape	 s;
	const char		*why;
	size_t			 i;
	int			 ok;

	CHECK(manifest_root_capacity(0) == 28, "root holds 28 keys, no name");
	CHECK(manifest_root_capacity(255) == 20, "20 keys with a 255-byte "
	    "name");
	CHECK(manifest_root_capacity(256) == 0, "no room past the name limit");

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		ok = manifest_shape(t[i].size, t[i].cs, t[i].namelen, &s,
		    &why) == 0 && s.nchunks == t[i].n &&
		    s.last_len == t[i].last && s.height == t[i].height &&
		    s.items[s.height - 1] == t[i].top;
		CHECK(ok, "shape of %llu bytes, chunk %u, name %zu: %llu "
		    "chunks, height %d", (unsigned long long)t[i].size,
		    t[i].cs, t[i].namelen, (unsigned long long)s.nchunks,
		    s.height);
	}

	CHECK(manifest_shape(UINT64_MAX, 16, 255, &s, &why) == 0 &&
	    s.nchunks == 1ULL << 60 && s.height == 13 &&
	    s.items[12] == 2 && s.last_len == 15,
	    "2^64-1 bytes in 16-byte chunks: height %d, no overflow",
	    s.height);
	CHECK(manifest_shape(UINT64_MAX, 1024, 0, &s, &why) == 0 &&
	    s.last_len == 1023, "2^64-1 bytes in 1 KiB chunks");
	CHECK(manifest_shape(10, 0, 0, &s, &why) == -1, "chunk size 0");
	CHECK(manifest_shape(10, 15, 0, &s, &why) == -1, "chunk size 15");
	CHECK(manifest_shape(10, 1025, 0, &s, &why) == -1, "chunk size 1025");
	CHECK(manifest_shape(10, 1024, 256, &s, &why) == -1, "name 256");

	manifest_shape(869 * 1024, 1024, 0, &s, &why);
	CHECK(manifest_node_count(&s, 1, 0) == 31 &&
	    manifest_node_count(&s, 1, 27) == 31 &&
	    manifest_node_count(&s, 1, 28) == 1 &&
	    manifest_node_count(&s, 2, 0) == 29 &&
	    manifest_node_count(&s, 1, 29) == 0 &&
	    manifest_node_count(&s, 3, 0) == 0 &&
	    manifest_node_count(&s, 0, 0) == 0,
	    "node key counts, and 0 outside the tree");
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
make_root(struct manifest *m, uint8_t *keys, const char *name, uint64_t size)
{
	struct kad_shape	 s;
	const char		*why;

	memset(m, 0, sizeof(*m));
	m->version = KAD_FORMAT_VERSION;
	m->cipher = KAD_CIPHER_AES256CTR;
	m->chunk_size = 1024;
	m->size = size;
	m->namelen = strlen(name);
	memcpy(m->name, name, m->namelen);
	manifest_shape(size, 1024, m->namelen, &s, &why);
	m->height = (uint8_t)s.height;
	m->count = (uint16_t)s.items[s.height - 1];
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
	make_root(&m, keys, name, 5 * 1024 + 3);
	memset(keys, 0x5a, sizeof(keys));	/* printable, never zero */
	manifest_root_encode(&m, keys, m.count, pt);
	CHECK(manifest_root_parse(pt, &m2, &kp, err, sizeof(err)) == 0,
	    "root parses: %s", err);
	CHECK(m2.size == m.size && m2.chunk_size == 1024 && m2.height == 1 &&
	    m2.count == 6 && m2.namelen == nl && strcmp(m2.name, name) == 0 &&
	    memcmp(m2.content_key, m.content_key, 32) == 0 &&
	    memcmp(m2.data_key, m.data_key, 32) == 0 &&
	    memcmp(m2.iv, m.iv, 16) == 0 && kp == pt + 97 + nl &&
	    memcmp(kp, keys, 6 * 32) == 0, "root fields round-trip");
	CHECK(pt[0] == 1 && pt[1] == 1 && pt[2] == 1 && pt[3] == 1 &&
	    pt[4] == 4 && pt[5] == 0 && pt[6] == 0 && pt[7] == 6 &&
	    pt[14] == 0x14 && pt[15] == 0x03 && pt[96] == nl,
	    "root header bytes as in docs/FORMAT.md");

#define MUT(off, val, want, what) do {					\
	memcpy(bad, pt, sizeof(bad));					\
	bad[off] = (val);						\
	CHECK(root_rejects(bad, want), "root: %s", what);		\
} while (0)
	MUT(0, 2, "not a root node", "index type");
	MUT(1, 2, "unsupported format version 2", "version 2");
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
	MUT(6, 1, "root claims 262 keys", "count over capacity");
	MUT(7, 7, "root has 7 keys, expected 6", "one key too many");
	MUT(7, 5, "trailing garbage", "one key too few leaves one over");
	MUT(15, 0x00, "root has 6 keys, expected 5", "size shrunk a chunk");
	MUT(9, 1, "root height 1, expected 8", "size grown by 2^48");
	MUT(97 + 3, '/', "'/' in file name", "slash in the name");
	MUT(97 + 3, 0, "control character", "NUL in the name");
	MUT(97 + 1, 0xff, "not valid UTF-8", "bad UTF-8 in the name");
	MUT(96, 0, "trailing garbage", "name length 0 leaves garbage");
	MUT(96, 255, "control character", "name length runs into the keys");
	MUT(KAD_NODE_PTLEN - 1, 1, "trailing garbage", "last padding byte");
	MUT(97 + nl + 6 * 32, 1, "trailing garbage", "byte after the keys");
#undef MUT

	make_root(&m, keys, "..", 0);
	manifest_root_encode(&m, keys, 0, pt);
	CHECK(root_rejects(pt, "file name is . or .."), "root: name ..");

	make_root(&m, keys, "", 0);
	manifest_root_encode(&m, keys, 0, pt);
	CHECK(manifest_root_parse(pt, &m2, &kp, err, sizeof(err)) == 0 &&
	    m2.size == 0 && m2.count == 0 && m2.name[0] == '\0',
	    "empty file, empty name");

	/* encoder clamps: a hostile count cannot write past the node */
	make_root(&m, keys, "x", 40 * 1024);
	manifest_root_encode(&m, keys, 1000, pt);
	CHECK(root_rejects(pt, "root claims 1000 keys, has room for 28"),
	    "encoder writes a count it does not copy");
}

static int
index_rejects(const uint8_t *pt, const char *want)
{
	const uint8_t	*keys;
	size_t		 count;
	char		 err[256];
	int		 h;

	err[0] = '\0';
	if (manifest_index_parse(pt, &h, &count, &keys, err,
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
	manifest_index_encode(3, keys, 31, pt);
	CHECK(manifest_index_parse(pt, &h, &count, &kp, err,
	    sizeof(err)) == 0 && h == 3 && count == 31 && kp == pt + 8 &&
	    memcmp(kp, keys, sizeof(keys)) == 0, "full index node");
	CHECK(pt[0] == 2 && pt[1] == 1 && pt[2] == 3 && pt[3] == 0 &&
	    pt[4] == 0 && pt[5] == 31 && pt[6] == 0 && pt[7] == 0,
	    "index header bytes as in docs/FORMAT.md");
	manifest_index_encode(1, keys, 1, pt);
	CHECK(manifest_index_parse(pt, &h, &count, &kp, err,
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
	make_root(&m, keys, name, 3000);
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

	manifest_index_encode(1, keys, 5, pt);
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
	test_shape();
	test_names();
	test_root();
	test_index();
	test_seal();
	crypt_aead_cleanup();
	return (test_done());
}
