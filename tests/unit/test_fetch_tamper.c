/* SPDX-License-Identifier: ISC */
/*
 * Unit tests of the fetch engine (kadcrypt/fetch.c) against what it must
 * refuse, each with its one-line error: chunks tampered with, truncated
 * or missing in storage, links with another key, mangled or truncated
 * links, chunks nobody asked for; and hostile manifests, made the way a
 * hostile publisher would: the test opens the tree with the link's key,
 * changes one node and seals everything above it again (rewrite()).
 * rewrite() walks item indices, so the hostile trees are published
 * without parity (M = E = 0, in format versions 2 and 1); what parity
 * changes, and a publisher lying with parity, are test_fetch_stripe's.
 * The chunk store and the fetch driver are pf_store.c's.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <bsd/string.h>
#include <bsd/sys/endian.h>

#include "kadcrypt/aead.h"
#include "kadcrypt/fetch.h"
#include "kadcrypt/link.h"
#include "kadcrypt/manifest.h"
#include "kadcrypt/publish.h"
#include "tests/unit/pf_store.h"
#include "tests/test.h"

/* ---- tampering by storage, bad links ---- */

static struct kad_code	 noparity, oldv1;
static size_t		 hdrlen = KAD_ROOT_HDRLEN;	/* of the trees */
static int		 version = KAD_FORMAT_VERSION;

/* The nth chunk of a kind (CHUNK_DATA, _PARITY, _INDEX), in order. */
static struct entry *
pick(struct store *st, int kind, size_t nth)
{
	struct entry	*e;
	size_t		 i;

	for (i = 0; i < st->norder; i++) {
		e = store_find(st, st->order[i]);
		if (e->kind == kind && nth-- == 0)
			return (e);
	}
	return (NULL);
}

static int
fails_order(struct store *st, const char *link, const char *want, int shuffle)
{
	struct drive	 d;
	int		 rv;

	memset(&d, 0, sizeof(d));
	d.shuffle = shuffle;
	rv = drive_fetch(st, link, &d);
	drive_free(&d);
	if (rv == 0)
		return (0);
	if (strcmp(d.err, want) != 0) {
		printf("# got \"%s\"\n#  want \"%s\"\n", d.err, want);
		return (0);
	}
	return (1);
}

static int
fails_with(struct store *st, const char *link, const char *want)
{
	return (fails_order(st, link, want, 1));
}

/* What storage may do to the chunks of a published tree. */
static void
tamper_storage(struct store *st, const char *link)
{
	struct entry	*e;
	uint8_t		 save;
	char		 want[FETCH_ERRLEN], hx[65];

	e = pick(st, CHUNK_DATA, 50);
	e->data[100] ^= 1;
	snprintf(want, sizeof(want), "chunk %s does not match its key",
	    hexkey(e->key, hx));
	CHECK(fails_with(st, link, want), "tampered data chunk");
	e->data[100] ^= 1;

	e = pick(st, CHUNK_INDEX, 1);
	e->data[1023] ^= 0x80;
	snprintf(want, sizeof(want), "chunk %s does not match its key",
	    hexkey(e->key, hx));
	CHECK(fails_with(st, link, want), "tampered index chunk");
	e->data[1023] ^= 0x80;

	e = store_find(st, st->last);
	e->data[0] ^= 4;
	snprintf(want, sizeof(want), "chunk %s does not match its key",
	    hexkey(e->key, hx));
	CHECK(fails_with(st, link, want), "tampered root chunk");
	e->data[0] ^= 4;

	/* parity is checked when it is asked for: a data chunk is lost */
	e = pick(st, CHUNK_PARITY, 0);
	e->data[7] ^= 0x10;
	pick(st, CHUNK_DATA, 5)->deleted = 1;
	snprintf(want, sizeof(want), "chunk %s does not match its key",
	    hexkey(e->key, hx));
	CHECK(fails_order(st, link, want, 0), "tampered parity chunk");
	e->data[7] ^= 0x10;
	pick(st, CHUNK_DATA, 5)->deleted = 0;

	e = pick(st, CHUNK_DATA, 99);
	save = e->data[0];
	e->len--;
	snprintf(want, sizeof(want), "chunk %s does not match its key",
	    hexkey(e->key, hx));
	CHECK(fails_with(st, link, want), "truncated data chunk");
	e->len++;
	e->data[0] = save;

	/* a lost data or index chunk costs a parity request */
	e = pick(st, CHUNK_DATA, 7);
	e->deleted = 1;
	CHECK(fails_with(st, link, "") == 0, "missing data chunk: rebuilt");
	e->deleted = 0;
	e = pick(st, CHUNK_INDEX, 0);
	e->deleted = 1;
	CHECK(fails_with(st, link, "") == 0, "missing index chunk: rebuilt");
	e->deleted = 0;
	e = store_find(st, st->last);
	e->deleted = 1;
	snprintf(want, sizeof(want), "root chunk %s not found",
	    hexkey(e->key, hx));
	CHECK(fails_with(st, link, want), "missing root chunk");
	e->deleted = 0;
}

/* Links with another key, mangled links, chunks nobody asked for. */
static void
tamper_links(struct store *st, const char *link)
{
	struct entry	*e;
	struct kad_link	 l;
	struct fetch	*f;
	const char	*why;
	char		 other[KAD_LINK_SIZE], err[FETCH_ERRLEN];
	size_t		 i;

	/* a well-formed link with another key */
	crypt_link_parse(link, &l, &why);
	l.key[17] ^= 0x20;
	crypt_link_encode(&l, other, sizeof(other));
	CHECK(fails_with(st, other, "wrong key"), "wrong manifest key");
	crypt_random(l.key, sizeof(l.key));
	crypt_link_encode(&l, other, sizeof(other));
	CHECK(fails_with(st, other, "wrong key"), "random manifest key");
	/* a link to a data chunk is not a root */
	memcpy(l.root, pick(st, CHUNK_DATA, 3)->key, 32);
	crypt_link_encode(&l, other, sizeof(other));
	CHECK(fails_with(st, other, "wrong key"),
	    "a link naming a data chunk: wrong key");
	explicit_bzero(&l, sizeof(l));

	/* mangled and truncated links never reach the network */
	memcpy(other, link, sizeof(other));
	other[40] = other[40] == 'q' ? 'r' : 'q';
	err[0] = '\0';
	f = fetch_new(other, 0, err, sizeof(err));
	CHECK(f == NULL && strcmp(err, "malformed link: checksum mismatch") ==
	    0, "mangled link: %s", err);
	for (i = 0; i < KAD_LINK_LEN; i += 9) {
		memcpy(other, link, i);
		other[i] = '\0';
		err[0] = '\0';
		if ((f = fetch_new(other, 0, err, sizeof(err))) != NULL ||
		    strncmp(err, "malformed link", 14) != 0)
			break;
	}
	CHECK(i >= KAD_LINK_LEN, "truncated links are malformed");
	fetch_free(f);

	/* chunks nobody asked for are ignored */
	f = fetch_new(link, 0, err, sizeof(err));
	e = pick(st, CHUNK_DATA, 0);
	CHECK(f != NULL && fetch_chunk(f, e->key, e->data, e->len) == 1 &&
	    fetch_missing(f, e->key) == 1 && fetch_abandon(f, e->key) == 1 &&
	    fetch_error(f) == NULL,
	    "unrequested chunks, misses and abandons are ignored");
	fetch_free(f);
}

static void
test_tamper(void)
{
	struct store	 st;
	uint8_t		*data;
	char		 link[KAD_LINK_SIZE];
	size_t		 size = 100 * 1024 + 17;
	int		 h;

	memset(&st, 0, sizeof(st));
	if ((data = malloc(size)) == NULL)
		abort();
	fill_binary(data, size);
	do_publish(&st, "t.bin", 0, data, size, 0, link, &h);
	CHECK(fails_with(&st, link, "") == 0, "the untouched tree fetches");

	tamper_storage(&st, link);
	tamper_links(&st, link);

	store_free(&st);
	free(data);
}

/* ---- hostile manifests: the publisher lies ---- */

typedef void	(*mut_fn)(uint8_t *, void *);

struct rw {
	struct store		*st;
	struct crypt_gcm	*gcm;
	struct crypt_sha256	*sha;
	int			 th;	/* target height (H = root) */
	uint64_t		 ti;
	mut_fn			 mut;
	void			*arg;
};

/* Re-seal node (h, i) after rewriting its subtree; 1 if it changed. */
static int
rw_node(struct rw *w, int h, uint64_t i, uint8_t key[32])
{
	struct entry	*e;
	uint8_t		 pt[KAD_NODE_PTLEN], node[KAD_NODE_SIZE], nonce[12];
	const uint8_t	*keys;
	size_t		 count, k;
	char		 err[256];
	int		 ph, changed = 0;

	if ((e = store_get(w->st, key)) == NULL)
		return (0);
	manifest_nonce(KAD_NODE_INDEX, h, i, nonce);
	if (manifest_open(w->gcm, nonce, e->data, e->len, pt) == -1 ||
	    manifest_index_parse(pt, version, &ph, &count, &keys, err,
	    sizeof(err)) == -1)
		return (0);
	for (k = 0; h > 1 && k < count; k++)
		changed |= rw_node(w, h - 1, i * KAD_FANOUT + k,
		    pt + 8 + k * 32);
	if (h == w->th && i == w->ti) {
		w->mut(pt, w->arg);
		changed = 1;
	}
	if (!changed)
		return (0);
	manifest_seal(w->gcm, nonce, pt, node);
	crypt_sha256(w->sha, node, sizeof(node), key);
	store_put(w->st, key, node, sizeof(node), CHUNK_INDEX);
	return (1);
}

/* The link of the tree with node (th, ti) changed by mut; 0 or -1. */
static int
rewrite(struct store *st, const char *link, int th, uint64_t ti, mut_fn mut,
    void *arg, char *out)
{
	struct rw	 w;
	struct kad_link	 l;
	struct manifest	 m;
	struct entry	*e;
	const uint8_t	*keys;
	const char	*why;
	uint8_t		 pt[KAD_NODE_PTLEN], node[KAD_NODE_SIZE], nonce[12];
	char		 err[256];
	size_t		 k, off;
	int		 rv = -1;

	memset(&w, 0, sizeof(w));
	if (crypt_link_parse(link, &l, &why) == -1 ||
	    (e = store_get(st, l.root)) == NULL)
		return (-1);
	w.st = st;
	w.gcm = crypt_gcm_new(l.key);
	w.sha = crypt_sha256_new();
	w.th = th;
	w.ti = ti;
	w.mut = mut;
	w.arg = arg;
	manifest_nonce(KAD_NODE_ROOT, 0, 0, nonce);
	if (manifest_open(w.gcm, nonce, e->data, e->len, pt) == -1 ||
	    manifest_root_parse(pt, &m, &keys, err, sizeof(err)) == -1)
		goto done;
	off = (size_t)(keys - pt);
	for (k = 0; m.height > 1 && k < m.count; k++)
		rw_node(&w, m.height - 1, k, pt + off + k * 32);
	if (th == m.height)
		mut(pt, arg);
	manifest_seal(w.gcm, nonce, pt, node);
	crypt_sha256(w.sha, node, sizeof(node), l.root);
	store_put(st, l.root, node, sizeof(node), CHUNK_ROOT);
	rv = crypt_link_encode(&l, out, KAD_LINK_SIZE);
 done:
	crypt_gcm_free(w.gcm);
	crypt_sha256_free(w.sha);
	explicit_bzero(&l, sizeof(l));
	return (rv);
}

struct setbyte {
	size_t		 off;
	uint8_t		 val;
	int		 xor;
};

static void
mut_byte(uint8_t *pt, void *arg)
{
	struct setbyte	*sb = arg;

	if (sb->xor)
		pt[sb->off] ^= sb->val;
	else
		pt[sb->off] = sb->val;
}

static void
mut_name(uint8_t *pt, void *arg)
{
	const char	*name = arg;
	size_t		 old = pt[hdrlen - 1], n = strlen(name);
	uint8_t		 keys[28 * 32];
	size_t		 klen = 28 * 32;

	memcpy(keys, pt + hdrlen + old, klen);
	memset(pt + hdrlen, 0, KAD_NODE_PTLEN - hdrlen);
	pt[hdrlen - 1] = (uint8_t)n;
	memcpy(pt + hdrlen, name, n);
	memcpy(pt + hdrlen + n, keys, KAD_NODE_PTLEN - hdrlen - n < klen ?
	    KAD_NODE_PTLEN - hdrlen - n : klen);
}

/* copy key slot a over key slot b of an index node */
struct keycopy {
	int		 a, b;
	const uint8_t	*key;	/* or this key into slot b */
};

static void
mut_key(uint8_t *pt, void *arg)
{
	struct keycopy	*kc = arg;
	uint8_t		 tmp[32];

	if (kc->key != NULL) {
		memcpy(pt + 8 + kc->b * 32, kc->key, 32);
		return;
	}
	if (kc->a < 0) {	/* swap -a-1 and b */
		memcpy(tmp, pt + 8 + (-kc->a - 1) * 32, 32);
		memcpy(pt + 8 + (-kc->a - 1) * 32, pt + 8 + kc->b * 32, 32);
		memcpy(pt + 8 + kc->b * 32, tmp, 32);
		return;
	}
	memcpy(pt + 8 + kc->b * 32, pt + 8 + kc->a * 32, 32);
}

static void
mut_count(uint8_t *pt, void *arg)
{
	int	 delta = *(int *)arg;
	int	 count = be16dec(pt + 4);

	count += delta;
	if (delta < 0)	/* drop the last key cleanly */
		memset(pt + 8 + count * 32, 0, 32);
	be16enc(pt + 4, (uint16_t)count);
}

static void
mut_root_size(uint64_t *size, uint8_t *pt)
{
	int	 i;

	for (i = 0; i < 8; i++)
		pt[8 + i] = (uint8_t)(*size >> (56 - 8 * i));
}

static void
mut_size(uint8_t *pt, void *arg)
{
	mut_root_size(arg, pt);
}

/* Key of the (nth) index chunk at height h, reading the tree. */
static int
node_key(struct store *st, const char *link, int h, uint64_t i,
    uint8_t out[32])
{
	struct kad_link		 l;
	struct manifest		 m;
	struct crypt_gcm	*g;
	struct entry		*e;
	const uint8_t		*keys;
	const char		*why;
	uint8_t			 pt[KAD_NODE_PTLEN], nonce[12];
	uint64_t		 path[KAD_MAX_HEIGHT], j;
	size_t			 count;
	char			 err[256];
	int			 lvl, ph, rv = -1;

	if (crypt_link_parse(link, &l, &why) == -1)
		return (-1);
	g = crypt_gcm_new(l.key);
	e = store_get(st, l.root);
	manifest_nonce(KAD_NODE_ROOT, 0, 0, nonce);
	if (manifest_open(g, nonce, e->data, e->len, pt) == -1 ||
	    manifest_root_parse(pt, &m, &keys, err, sizeof(err)) == -1 ||
	    h >= m.height)
		goto done;
	/* index of the ancestor at each level */
	for (lvl = h, j = i; lvl < m.height; lvl++, j /= KAD_FANOUT)
		path[lvl] = j;
	memcpy(out, keys + path[m.height - 1] * 32, 32);
	for (lvl = m.height - 1; lvl > h; lvl--) {
		e = store_get(st, out);
		manifest_nonce(KAD_NODE_INDEX, lvl, path[lvl], nonce);
		if (manifest_open(g, nonce, e->data, e->len, pt) == -1 ||
		    manifest_index_parse(pt, version, &ph, &count, &keys, err,
		    sizeof(err)) == -1)
			goto done;
		memcpy(out, keys + (path[lvl - 1] % KAD_FANOUT) * 32, 32);
	}
	rv = 0;
 done:
	crypt_gcm_free(g);
	explicit_bzero(&l, sizeof(l));
	return (rv);
}

/* A chunk from elsewhere: in the store, but not part of this tree. */
static void
foreign_chunk(struct store *st, size_t len, uint8_t key[32])
{
	struct crypt_sha256	*h;
	uint8_t			 buf[KAD_CHUNK_MAX];

	fill_binary(buf, len);
	h = crypt_sha256_new();
	crypt_sha256(h, buf, len, key);
	crypt_sha256_free(h);
	store_put(st, key, buf, len, CHUNK_DATA);
}

/* The root lies: format, height, cipher, chunk size, count, size, name. */
static void
hostile_root(struct store *st, const char *link, const uint8_t *data,
    size_t size)
{
	struct setbyte	 sb;
	uint8_t		 k1[32], k2[32];
	char		 bad[KAD_LINK_SIZE], want[FETCH_ERRLEN], hx[65];
	uint64_t	 sz;

	memset(&sb, 0, sizeof(sb));
#define ROOTBYTE(o, v, x, w, what) do {					\
	sb.off = (o);							\
	sb.val = (v);							\
	sb.xor = (x);							\
	if (rewrite(st, link, 2, 0, mut_byte, &sb, bad) == 0)		\
		CHECK(fails_with(st, bad, "hostile manifest: " w),	\
		    "root: %s", what);					\
	else								\
		CHECK(0, "rewrite for %s", what);			\
} while (0)
	ROOTBYTE(1, 3, 0, "unsupported format version 3", "version 3");
	ROOTBYTE(2, 3, 0, "root height 3, expected 2 for 41060 bytes",
	    "height too high (not canonical)");
	ROOTBYTE(2, 1, 0, "root height 1, expected 2 for 41060 bytes",
	    "height too low");
	ROOTBYTE(2, 200, 0, "bad tree height 200", "height far over the cap");
	ROOTBYTE(3, 9, 0, "unknown cipher 9", "cipher");
	ROOTBYTE(4, 0, 0, "bad chunk size 0", "chunk size 0");
	ROOTBYTE(5, 1, 0, "bad chunk size 1025", "chunk size 1025");
	ROOTBYTE(7, 3, 0, "root has 3 keys, expected 2 for 41060 bytes",
	    "count + 1");
	ROOTBYTE(6, 2, 0, "root claims 514 keys, has room for 28",
	    "count over capacity");
	ROOTBYTE(1007, 1, 0, "trailing garbage in root node", "garbage");
	if (version == KAD_FORMAT_VERSION) {
		ROOTBYTE(96, 0, 0, "stripe size K out of range (1..128) (K 0, "
		    "M 0, E 0, r 2)", "K 0");
		ROOTBYTE(97, 1, 0, "root has 2 keys, expected 3 for 41060 "
		    "bytes", "parity claimed, keys not there");
		ROOTBYTE(99, 50, 0, "copies r out of range (1..20) (K 64, M 0, "
		    "E 0, r 50)", "r 50");
	}
	ROOTBYTE(16, 1, 1, "content key does not match the data",
	    "content key changed");
#undef ROOTBYTE
	{
		struct drive	 d;

		/* the publisher decides the plaintext: only ciphertext is
		 * authenticated, so another data key just reads otherwise */
		sb.off = 48;
		sb.val = 1;
		sb.xor = 1;
		rewrite(st, link, 2, 0, mut_byte, &sb, bad);
		memset(&d, 0, sizeof(d));
		d.expect = data;
		CHECK(drive_fetch(st, bad, &d) == 0 && d.mismatch &&
		    d.got == size, "root: another data key reads other "
		    "plaintext");
		drive_free(&d);
	}

	sz = size + 1;	/* same chunk count, last chunk one byte longer */
	rewrite(st, link, 2, 0, mut_size, &sz, bad);
	node_key(st, link, 0, 40, k1);
	snprintf(want, sizeof(want), "hostile manifest: data chunk %s is 100 "
	    "bytes, expected 101", hexkey(k1, hx));
	CHECK(fails_with(st, bad, want), "size one byte longer");
	sz = 35 * 1024;	/* fewer chunks, same height */
	rewrite(st, link, 2, 0, mut_size, &sz, bad);
	node_key(st, link, 1, 1, k2);
	snprintf(want, sizeof(want), "hostile manifest: index chunk %s has 10 "
	    "keys, expected 4", hexkey(k2, hx));
	CHECK(fails_with(st, bad, want), "size shrunk by 6 chunks");
	sz = 20 * 1024;	/* fits in the root */
	rewrite(st, link, 2, 0, mut_size, &sz, bad);
	CHECK(fails_with(st, bad, "hostile manifest: root height 2, expected "
	    "1 for 20480 bytes"), "size shrunk below one level");
	sz = UINT64_MAX;
	rewrite(st, link, 2, 0, mut_size, &sz, bad);
	CHECK(fails_with(st, bad, "hostile manifest: root height 2, expected "
	    "11 for 18446744073709551615 bytes"), "size 2^64-1");

	rewrite(st, link, 2, 0, mut_name, "../etc/passwd", bad);
	CHECK(fails_with(st, bad, "hostile manifest: bad file name: '/' in "
	    "file name"), "name with a slash");
	rewrite(st, link, 2, 0, mut_name, "..", bad);
	CHECK(fails_with(st, bad, "hostile manifest: bad file name: file "
	    "name is . or .."), "name ..");
	rewrite(st, link, 2, 0, mut_name, "esc\x1b[2J", bad);
	CHECK(fails_with(st, bad, "hostile manifest: bad file name: control "
	    "character in file name"), "terminal escape in the name");
}

/* Interior nodes lie, and keys point at the wrong thing. */
static void
hostile_index(struct store *st, const char *link)
{
	struct setbyte	 sb;
	struct keycopy	 kc;
	uint8_t		 k2[32];
	char		 bad[KAD_LINK_SIZE], want[FETCH_ERRLEN], hx[65];
	int		 delta;

	/* interior nodes: node (1, 0) holds data keys 0..30 */
	sb.off = 2;
	sb.val = 2;
	sb.xor = 0;
	rewrite(st, link, 1, 0, mut_byte, &sb, bad);
	node_key(st, bad, 1, 0, k2);
	snprintf(want, sizeof(want), "hostile manifest: index chunk %s claims "
	    "height 2, expected 1", hexkey(k2, hx));
	CHECK(fails_with(st, bad, want), "index node claims another height");
	delta = -1;
	rewrite(st, link, 1, 0, mut_count, &delta, bad);
	node_key(st, bad, 1, 0, k2);
	snprintf(want, sizeof(want), "hostile manifest: index chunk %s has 30 "
	    "keys, expected 31", hexkey(k2, hx));
	CHECK(fails_with(st, bad, want), "index node one key short");
	sb.off = 5;
	sb.val = 40;
	rewrite(st, link, 1, 0, mut_byte, &sb, bad);
	node_key(st, bad, 1, 0, k2);
	snprintf(want, sizeof(want), "hostile manifest: index chunk %s: index "
	    "node claims 40 keys (1..31)", hexkey(k2, hx));
	CHECK(fails_with(st, bad, want), "index node count over 31");
	sb.off = 1000;
	sb.val = 0xff;
	rewrite(st, link, 1, 0, mut_byte, &sb, bad);
	node_key(st, bad, 1, 0, k2);
	snprintf(want, sizeof(want), "hostile manifest: index chunk %s: "
	    "trailing garbage in index node", hexkey(k2, hx));
	CHECK(fails_with(st, bad, want), "index node garbage");

	/* keys that point at the wrong thing */
	memset(&kc, 0, sizeof(kc));
	kc.a = 0;
	kc.b = 1;
	rewrite(st, link, 1, 0, mut_key, &kc, bad);
	node_key(st, link, 0, 0, k2);
	snprintf(want, sizeof(want), "hostile manifest: duplicate chunk key "
	    "%s", hexkey(k2, hx));
	CHECK(fails_with(st, bad, want), "one data key twice");
	kc.a = -1;	/* swap data keys 0 and 5 */
	kc.b = 5;
	rewrite(st, link, 1, 0, mut_key, &kc, bad);
	CHECK(fails_with(st, bad, "hostile manifest: content key does not "
	    "match the data"), "two data chunks swapped");
	foreign_chunk(st, 1024, k2);
	kc.key = k2;
	kc.b = 3;
	rewrite(st, link, 1, 0, mut_key, &kc, bad);
	CHECK(fails_with(st, bad, "hostile manifest: content key does not "
	    "match the data"), "a foreign 1 KiB chunk in place of data");
	node_key(st, link, 1, 1, k2);
	kc.key = k2;	/* an index chunk where data should be */
	rewrite(st, link, 1, 0, mut_key, &kc, bad);
	CHECK(fails_order(st, bad, "hostile manifest: content key does not "
	    "match the data", 0), "an index chunk in place of data");
	foreign_chunk(st, 100, k2);
	kc.key = k2;
	rewrite(st, link, 1, 0, mut_key, &kc, bad);
	snprintf(want, sizeof(want), "hostile manifest: data chunk %s is 100 "
	    "bytes, expected 1024", hexkey(k2, hx));
	CHECK(fails_with(st, bad, want), "short chunk in the middle");
}

/* a deeper tree: index chunks moved to other positions */
static void
hostile_deep(void)
{
	struct store	 st;
	struct keycopy	 kc;
	struct kad_link	 l;
	const char	*why;
	uint8_t		*data, k1[32], k2[32];
	char		 link[KAD_LINK_SIZE], bad[KAD_LINK_SIZE];
	char		 want[FETCH_ERRLEN], hx[65];
	size_t		 size;
	int		 h;

	memset(&st, 0, sizeof(st));
	memset(&kc, 0, sizeof(kc));
	size = 30000;	/* chunk size 16: 1875 chunks, H = 3 */
	if ((data = malloc(size)) == NULL)
		abort();
	fill_binary(data, size);
	do_publish_code(&st, "deep", 16, version == 1 ? &oldv1 : &noparity,
	    data, size, 0, link, &h);
	CHECK(h == 3, "deep tree has height 3");
	node_key(&st, link, 1, 0, k2);
	kc.a = 0;
	kc.key = k2;	/* (1, 0) also as child 1 of (2, 0) */
	kc.b = 1;
	rewrite(&st, link, 2, 0, mut_key, &kc, bad);
	snprintf(want, sizeof(want), "hostile manifest: duplicate chunk key "
	    "%s", hexkey(k2, hx));
	CHECK(fails_with(&st, bad, want), "index chunk named twice");
	node_key(&st, link, 2, 1, k1);
	kc.key = k1;	/* a height-2 node where a height-1 node should be */
	rewrite(&st, link, 2, 0, mut_key, &kc, bad);
	snprintf(want, sizeof(want), "hostile manifest: index chunk %s does "
	    "not decrypt at height 1", hexkey(k1, hx));
	CHECK(fails_order(&st, bad, want, 0), "height-2 node placed at "
	    "height 1");
	crypt_link_parse(link, &l, &why);
	kc.key = l.root;	/* the root inside its own tree */
	kc.b = 2;
	rewrite(&st, link, 2, 0, mut_key, &kc, bad);
	snprintf(want, sizeof(want), "hostile manifest: index chunk %s does "
	    "not decrypt at height 1", hexkey(l.root, hx));
	CHECK(fails_with(&st, bad, want), "root named by an index node: no "
	    "loop");
	foreign_chunk(&st, 1000, k2);
	kc.key = k2;	/* not even the size of an index chunk */
	kc.b = 2;
	rewrite(&st, link, 2, 0, mut_key, &kc, bad);
	snprintf(want, sizeof(want), "hostile manifest: index chunk %s is "
	    "1000 bytes", hexkey(k2, hx));
	CHECK(fails_with(&st, bad, want), "a 1000-byte chunk as index node");
	explicit_bzero(&l, sizeof(l));
	store_free(&st);
	free(data);
}

static void
test_hostile(void)
{
	struct store	 st;
	uint8_t		*data;
	char		 link[KAD_LINK_SIZE];
	size_t		 size = 40 * 1024 + 100;	/* 41 chunks, H=2 */
	int		 h;

	memset(&st, 0, sizeof(st));
	if ((data = malloc(size)) == NULL)
		abort();
	fill_binary(data, size);
	do_publish_code(&st, "hostile.bin", 0, version == 1 ? &oldv1 :
	    &noparity, data, size, 0, link, &h);
	CHECK(h == 2, "hostile base tree has height 2");
	hostile_root(&st, link, data, size);
	hostile_index(&st, link);
	free(data);
	store_free(&st);
	hostile_deep();
}

int
main(void)
{
	test_tamper();
	manifest_code_default(&noparity);
	noparity.m = noparity.e = 0;
	oldv1 = noparity;
	oldv1.version = KAD_FORMAT_V1;
	test_hostile();
	/* version 1 trees are still read, and held to the same rules */
	version = KAD_FORMAT_V1;
	hdrlen = KAD_ROOT_HDRLEN_V1;
	test_hostile();
	crypt_aead_cleanup();
	return (test_done());
}
