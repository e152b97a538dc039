/* SPDX-License-Identifier: ISC */
/*
 * kad publish engine.
 *
 * The file is encrypted with AES-256-CTR under a fresh data key and IV
 * and cut into chunks; each chunk's key is SHA-256 of its bytes, and
 * the content key is SHA-256 of the whole ciphertext.  Every level of
 * the tree is built as its items arrive: level h keeps the current
 * stripe of height-h items (data chunks, or sealed index nodes), and
 * when it holds K of them, their parity is computed and emitted right
 * after them; every emitted key, item or parity, goes into the partial
 * node of height h + 1, which is sealed when it holds 31 keys and
 * becomes a height h + 1 item in turn.  So a 1 GiB file needs no more
 * memory than a 1 KiB one: per level, one stripe's blocks, its parity
 * and one partial node.  publish_final() closes the last, short stripe
 * of every level below the root height H (fixed by the file size, see
 * manifest_shape) and seals the root with the keys of level H - 1.
 *
 * The latest item of a stripe is held back until the next one arrives
 * (or the stripe fills, or the file ends), so that the chunk closing a
 * stripe can always say how many items it has (struct chunk_info).
 * Nothing in the hot path allocates.
 */
#include <string.h>

#include <bsd/stdlib.h>

#include "aead.h"
#include "erasure.h"
#include "link.h"
#include "manifest.h"
#include "publish.h"

struct level {
	/* the stripe being built: k slots, then parity slots */
	uint8_t		*blocks;	/* allocated on the level's first item */
	size_t		 bsize;		/* a slot: cs for data, else 1024 */
	uint16_t	 lens[KAD_STRIPE_K_MAX];
	unsigned	 fill;		/* items in the stripe */
	unsigned	 emitted;	/* of them emitted: fill - 1 or fill */
	size_t		 blocklen;	/* the stripe's first item's length */
	uint8_t		 held[KAD_KEY_LEN];	/* key of item fill - 1 */
	uint64_t	 stripe;	/* its file-wide number */
	uint64_t	 items;		/* height-h items so far */
	/* the partial node of height h + 1: keys of C_h */
	uint8_t		 keys[KAD_FANOUT][KAD_KEY_LEN];
	size_t		 count;
};

struct publish {
	struct crypt_ctr	*ctr;
	struct crypt_sha256	*sha;		/* chunk keys */
	struct crypt_sha256	*content;	/* whole ciphertext */
	struct crypt_gcm	*gcm;		/* manifest key */
	struct ec		*full;		/* the code of a full stripe */
	struct manifest		 m;
	unsigned		 pk;		/* p(K) */
	uint8_t			 mkey[KAD_KEY_LEN];
	uint64_t		 size;
	uint64_t		 nchunks;
	uint64_t		 nstripes;	/* numbered so far */
	size_t			 fill;		/* plaintext bytes in buf */
	int			 state;
	int			 height;
	uint8_t			 buf[KAD_CHUNK_MAX];
	uint8_t			 ct[KAD_CHUNK_MAX];
	uint8_t			 pt[KAD_NODE_PTLEN];
	uint8_t			 node[KAD_NODE_SIZE];
	struct level		 lv[KAD_MAX_HEIGHT];
};

#define ST_OPEN		0
#define ST_DONE		1
#define ST_FAILED	2

/*
 * The code of a stripe of k items.  In a one-item stripe the codec's
 * first parity block is the item itself (its Cauchy row is 1), which
 * would be stored again under the same key: such a stripe takes the
 * (1, p + 1) code and leaves that block out (docs/FORMAT.md, 3).
 */
static struct ec *
code_new(const struct kad_code *c, unsigned k)
{
	unsigned	 p = manifest_parity(c, k);

	return (ec_new(k, k == 1 ? p + 1 : p));
}

struct publish *
publish_new(const char *name, size_t chunk_size, int dir,
    const char **errstr)
{
	struct kad_code	 c;

	manifest_code_default(&c);
	return (publish_new_code(name, chunk_size, dir, &c, errstr));
}

struct publish *
publish_new_code(const char *name, size_t chunk_size, int dir,
    const struct kad_code *code, const char **errstr)
{
	struct kad_shape s;
	struct publish	*p;
	size_t		 namelen;

	if (chunk_size == 0)
		chunk_size = KAD_CHUNK_DEFAULT;
	if (chunk_size < KAD_CHUNK_MIN || chunk_size > KAD_CHUNK_MAX) {
		*errstr = "bad chunk size";
		return (NULL);
	}
	if (name == NULL)
		name = "";
	namelen = strnlen(name, KAD_NAME_MAX + 1);
	if (!manifest_name_valid(name, namelen, errstr))
		return (NULL);
	/* the largest file has the highest tree (manifest_shape) */
	if (manifest_shape(UINT64_MAX, (uint32_t)chunk_size, namelen, code,
	    &s, errstr) == -1)
		return (NULL);
	if ((p = calloc(1, sizeof(*p))) == NULL) {
		*errstr = "out of memory";
		return (NULL);
	}
	p->m.code = *code;
	p->m.cipher = KAD_CIPHER_AES256CTR;
	p->m.chunk_size = (uint16_t)chunk_size;
	p->m.namelen = namelen;
	memcpy(p->m.name, name, namelen);
	p->m.dir = dir != 0;
	p->pk = manifest_parity(code, code->k);
	if (crypt_random(p->m.data_key, sizeof(p->m.data_key)) == -1 ||
	    crypt_random(p->m.iv, sizeof(p->m.iv)) == -1 ||
	    crypt_random(p->mkey, sizeof(p->mkey)) == -1) {
		*errstr = "no random bytes";
		goto fail;
	}
	if ((p->ctr = crypt_ctr_new(p->m.data_key, p->m.iv)) == NULL ||
	    (p->sha = crypt_sha256_new()) == NULL ||
	    (p->content = crypt_sha256_new()) == NULL ||
	    (p->gcm = crypt_gcm_new(p->mkey)) == NULL ||
	    (p->pk > 0 && (p->full = code_new(code, code->k)) == NULL)) {
		*errstr = "cannot set up ciphers";
		goto fail;
	}
	return (p);
 fail:
	publish_free(p);
	return (NULL);
}

static uint8_t *
slot(struct level *l, unsigned i)
{
	return (l->blocks + (size_t)i * l->bsize);
}

static int	item(struct publish *, int, const uint8_t *, size_t,
		    const uint8_t *, chunk_emit_cb, void *);

/* Seal the partial node collecting keys of C_{h-1}: a height-h item. */
static int
seal_node(struct publish *p, int h, chunk_emit_cb cb, void *arg)
{
	struct level	*l = &p->lv[h - 1];
	uint8_t		 nonce[CRYPT_GCM_NONCE_LEN], key[KAD_KEY_LEN];

	/* KAD_FANOUT^KAD_MAX_HEIGHT > 2^64 chunks: cannot happen */
	if (h >= KAD_MAX_HEIGHT)
		return (-1);
	manifest_index_encode(p->m.code.version, h, &l->keys[0][0], l->count,
	    p->pt);
	manifest_nonce(KAD_NODE_INDEX, h, p->lv[h].items, nonce);
	if (manifest_seal(p->gcm, nonce, p->pt, p->node) == -1 ||
	    crypt_sha256(p->sha, p->node, KAD_NODE_SIZE, key) == -1)
		return (-1);
	l->count = 0;
	return (item(p, h, p->node, KAD_NODE_SIZE, key, cb, arg));
}

/* An emitted chunk's key joins C_h, in the partial node above. */
static int
parent_add(struct publish *p, int h, const uint8_t *key, chunk_emit_cb cb,
    void *arg)
{
	struct level	*l = &p->lv[h];

	memcpy(l->keys[l->count++], key, KAD_KEY_LEN);
	if (l->count == KAD_FANOUT)
		return (seal_node(p, h + 1, cb, arg));
	return (0);
}

static int
emit(struct publish *p, int h, int kind, const uint8_t *key,
    const uint8_t *data, size_t len, unsigned k, int last, chunk_emit_cb cb,
    void *arg)
{
	struct level		*l = &p->lv[h];
	struct chunk_info	 ci;

	if (kind != CHUNK_PARITY && l->emitted++ == 0)
		l->stripe = p->nstripes++;
	memset(&ci, 0, sizeof(ci));
	ci.kind = kind;
	ci.height = h;
	ci.stripe = l->stripe;
	ci.k = k;
	ci.n = k == 0 ? 0 : k + manifest_parity(&p->m.code, k);
	ci.last = last;
	ci.copies = p->m.code.copies;
	if (cb(key, data, len, &ci, arg) == -1)
		return (-1);
	return (parent_add(p, h, key, cb, arg));
}

/* The held item, in slot i; the stripe's last if k > 0 (its size). */
static int
emit_held(struct publish *p, int h, unsigned i, unsigned k, chunk_emit_cb cb,
    void *arg)
{
	struct level	*l = &p->lv[h];

	return (emit(p, h, h == 0 ? CHUNK_DATA : CHUNK_INDEX, l->held,
	    slot(l, i), l->lens[i], k, k > 0 &&
	    manifest_parity(&p->m.code, k) == 0, cb, arg));
}

/* The stripe is complete (full, or the file ended): its parity. */
static int
close_stripe(struct publish *p, int h, chunk_emit_cb cb, void *arg)
{
	struct level	*l = &p->lv[h];
	struct ec	*ec;
	const uint8_t	*data[KAD_STRIPE_K_MAX];
	uint8_t		*par[KAD_STRIPE_N_MAX], key[KAD_KEY_LEN];
	unsigned	 k = l->fill, pk, i, skip;
	int		 rv = -1;

	pk = manifest_parity(&p->m.code, k);
	if (l->emitted < k && emit_held(p, h, k - 1, k, cb, arg) == -1)
		return (-1);
	l->fill = l->emitted = 0;
	if (pk == 0)
		return (0);
	/* a short last chunk is padded with zeros to the block length */
	for (i = 0; i < k; i++) {
		memset(slot(l, i) + l->lens[i], 0, l->blocklen - l->lens[i]);
		data[i] = slot(l, i);
	}
	skip = k == 1;
	for (i = 0; i < pk + skip; i++)
		par[i] = slot(l, p->m.code.k + i);
	if (k == p->m.code.k)
		ec = p->full;
	else if ((ec = code_new(&p->m.code, k)) == NULL)
		return (-1);
	ec_encode(ec, l->blocklen, data, par);
	for (i = skip; i < pk + skip; i++)
		if (crypt_sha256(p->sha, par[i], l->blocklen, key) == -1 ||
		    emit(p, h, CHUNK_PARITY, key, par[i], l->blocklen, k,
		    i + 1 == pk + skip, cb, arg) == -1)
			goto done;
	rv = 0;
 done:
	if (ec != p->full)
		ec_free(ec);
	return (rv);
}

/* A height-h item is complete: into the stripe, emitted in turn. */
static int
item(struct publish *p, int h, const uint8_t *bytes, size_t len,
    const uint8_t *key, chunk_emit_cb cb, void *arg)
{
	struct level	*l = &p->lv[h];
	unsigned	 i;

	if (l->blocks == NULL) {
		l->bsize = h == 0 ? p->m.chunk_size : KAD_NODE_SIZE;
		/* k slots, and p(k) + 1 for a one-item stripe */
		if ((l->blocks = calloc(p->m.code.k + p->pk + 1,
		    l->bsize)) == NULL)
			return (-1);
	}
	/* bytes may be p->node, which emitting the held item reuses */
	i = l->fill;
	memcpy(slot(l, i), bytes, len);
	l->lens[i] = (uint16_t)len;
	if (i == 0)
		l->blocklen = len;
	if (i > 0 && emit_held(p, h, i - 1, 0, cb, arg) == -1)
		return (-1);
	l->fill = i + 1;
	l->items++;
	memcpy(l->held, key, KAD_KEY_LEN);
	if (l->fill == p->m.code.k)
		return (close_stripe(p, h, cb, arg));
	return (0);
}

static int
data_chunk(struct publish *p, const uint8_t *in, size_t len,
    chunk_emit_cb cb, void *arg)
{
	uint8_t	 key[KAD_KEY_LEN];

	if (crypt_ctr_xor(p->ctr, in, p->ct, len) == -1 ||
	    crypt_sha256_update(p->content, p->ct, len) == -1 ||
	    crypt_sha256(p->sha, p->ct, len, key) == -1)
		return (-1);
	p->nchunks++;
	return (item(p, 0, p->ct, len, key, cb, arg));
}

int
publish_update(struct publish *p, const void *data, size_t len,
    chunk_emit_cb cb, void *arg)
{
	const uint8_t	*in = data;
	size_t		 cs, n;

	if (p->state != ST_OPEN)
		return (-1);
	if (len > UINT64_MAX - p->size)
		goto fail;
	p->size += len;
	cs = p->m.chunk_size;
	while (len > 0) {
		/* whole chunks straight from the caller's buffer */
		if (p->fill == 0 && len >= cs) {
			if (data_chunk(p, in, cs, cb, arg) == -1)
				goto fail;
			in += cs;
			len -= cs;
			continue;
		}
		n = cs - p->fill < len ? cs - p->fill : len;
		memcpy(p->buf + p->fill, in, n);
		p->fill += n;
		in += n;
		len -= n;
		if (p->fill == cs) {
			p->fill = 0;
			if (data_chunk(p, p->buf, cs, cb, arg) == -1)
				goto fail;
		}
	}
	return (0);
 fail:
	p->state = ST_FAILED;
	return (-1);
}

/*
 * Bottom-up: each level's last stripe, then its partial node, which
 * may complete the level above.  Level H - 1 is never sealed: its
 * coded sequence fits in the root, below KAD_FANOUT.  0, or -1 if the
 * tree built is not the canonical one (a bug).
 */
static int
flush_levels(struct publish *p, const struct kad_shape *s, chunk_emit_cb cb,
    void *arg)
{
	struct level	*l;
	int		 h;

	for (h = 0; h < s->height; h++) {
		l = &p->lv[h];
		if (l->fill > 0 && close_stripe(p, h, cb, arg) == -1)
			return (-1);
		if (l->items != s->items[h])
			return (-1);
		if (h + 1 < s->height && l->count > 0 &&
		    seal_node(p, h + 1, cb, arg) == -1)
			return (-1);
	}
	return (p->lv[s->height - 1].count == s->coded[s->height - 1] ? 0 :
	    -1);
}

int
publish_final(struct publish *p, chunk_emit_cb cb, void *arg, char *link,
    size_t linksz)
{
	struct kad_shape	 s;
	struct kad_link		 l;
	struct chunk_info	 ci;
	struct level		*top;
	const char		*why;
	uint8_t			 nonce[CRYPT_GCM_NONCE_LEN];
	int			 rv = -1;

	if (p->state != ST_OPEN || linksz < KAD_LINK_SIZE)
		return (-1);
	memset(&l, 0, sizeof(l));
	if (p->fill > 0 && data_chunk(p, p->buf, p->fill, cb, arg) == -1)
		goto done;
	p->fill = 0;
	if (manifest_shape(p->size, p->m.chunk_size, p->m.namelen,
	    &p->m.code, &s, &why) == -1 || s.nchunks != p->nchunks ||
	    flush_levels(p, &s, cb, arg) == -1)
		goto done;

	if (crypt_sha256_final(p->content, p->m.content_key) == -1)
		goto done;
	top = &p->lv[s.height - 1];
	p->m.height = (uint8_t)s.height;
	p->m.count = (uint16_t)top->count;
	p->m.size = p->size;
	manifest_root_encode(&p->m, &top->keys[0][0], p->m.count, p->pt);
	manifest_nonce(KAD_NODE_ROOT, 0, 0, nonce);
	l.version = KAD_LINK_VERSION;
	memcpy(l.key, p->mkey, sizeof(l.key));
	memset(&ci, 0, sizeof(ci));
	ci.kind = CHUNK_ROOT;
	ci.height = s.height;
	ci.stripe = p->nstripes;
	ci.k = ci.n = 1;
	ci.last = 1;
	ci.copies = KAD_ROOT_COPIES;
	if (manifest_seal(p->gcm, nonce, p->pt, p->node) == -1 ||
	    crypt_sha256(p->sha, p->node, KAD_NODE_SIZE, l.root) == -1 ||
	    cb(l.root, p->node, KAD_NODE_SIZE, &ci, arg) == -1 ||
	    crypt_link_encode(&l, link, linksz) == -1)
		goto done;
	p->height = s.height;
	rv = 0;
 done:
	explicit_bzero(&l, sizeof(l));
	explicit_bzero(p->pt, sizeof(p->pt));
	p->state = rv == 0 ? ST_DONE : ST_FAILED;
	return (rv);
}

int
publish_info(struct publish *p, uint64_t *size, uint64_t *nchunks,
    int *height)
{
	if (p->state != ST_DONE)
		return (-1);
	*size = p->size;
	*nchunks = p->nchunks;
	*height = p->height;
	return (0);
}

void
publish_free(struct publish *p)
{
	int	 h;

	if (p == NULL)
		return;
	crypt_ctr_free(p->ctr);
	crypt_sha256_free(p->sha);
	crypt_sha256_free(p->content);
	crypt_gcm_free(p->gcm);
	ec_free(p->full);
	/* ciphertext and sealed nodes: nothing secret */
	for (h = 0; h < KAD_MAX_HEIGHT; h++)
		free(p->lv[h].blocks);
	/* keys, plaintext buffers and the manifest */
	freezero(p, sizeof(*p));
}
