/* SPDX-License-Identifier: ISC */
/*
 * kad publish engine.
 *
 * The file is encrypted with AES-256-CTR under a fresh data key and IV
 * and cut into chunks; each chunk's key is SHA-256 of its bytes, and
 * the content key is SHA-256 of the whole ciphertext.  The index tree
 * is built bottom-up as chunk keys arrive: level h keeps one partial
 * node of up to 31 keys of height h-1 items and seals it when full, so
 * a 1 GiB file needs no more memory than a 1 KiB one.  publish_final()
 * flushes the partial nodes below the root height H (fixed by the file
 * size, see manifest_shape) and seals the root with the remaining keys.
 * Nothing in the hot path allocates.
 */
#include <string.h>

#include <bsd/stdlib.h>

#include "aead.h"
#include "link.h"
#include "manifest.h"
#include "publish.h"

struct level {
	uint8_t		 keys[KAD_FANOUT][KAD_KEY_LEN];
	size_t		 count;
	uint64_t	 emitted;	/* sealed nodes: the next one's index */
};

struct publish {
	struct crypt_ctr	*ctr;
	struct crypt_sha256	*sha;		/* chunk keys */
	struct crypt_sha256	*content;	/* whole ciphertext */
	struct crypt_gcm	*gcm;		/* manifest key */
	struct manifest		 m;
	uint8_t			 mkey[KAD_KEY_LEN];
	uint64_t		 size;
	uint64_t		 nchunks;
	size_t			 fill;		/* plaintext bytes in buf */
	int			 state;
	int			 height;
	uint8_t			 buf[KAD_CHUNK_MAX];
	uint8_t			 ct[KAD_CHUNK_MAX];
	uint8_t			 pt[KAD_NODE_PTLEN];
	uint8_t			 node[KAD_NODE_SIZE];
	/* lv[h] collects keys of height h-1 items; lv[0] is unused */
	struct level		 lv[KAD_MAX_HEIGHT + 1];
};

#define ST_OPEN		0
#define ST_DONE		1
#define ST_FAILED	2

struct publish *
publish_new(const char *name, size_t chunk_size, int dir,
    const char **errstr)
{
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
	if ((p = calloc(1, sizeof(*p))) == NULL) {
		*errstr = "out of memory";
		return (NULL);
	}
	p->m.version = KAD_FORMAT_VERSION;
	p->m.cipher = KAD_CIPHER_AES256CTR;
	p->m.chunk_size = (uint16_t)chunk_size;
	p->m.namelen = namelen;
	memcpy(p->m.name, name, namelen);
	p->m.dir = dir != 0;
	if (crypt_random(p->m.data_key, sizeof(p->m.data_key)) == -1 ||
	    crypt_random(p->m.iv, sizeof(p->m.iv)) == -1 ||
	    crypt_random(p->mkey, sizeof(p->mkey)) == -1) {
		*errstr = "no random bytes";
		goto fail;
	}
	if ((p->ctr = crypt_ctr_new(p->m.data_key, p->m.iv)) == NULL ||
	    (p->sha = crypt_sha256_new()) == NULL ||
	    (p->content = crypt_sha256_new()) == NULL ||
	    (p->gcm = crypt_gcm_new(p->mkey)) == NULL) {
		*errstr = "cannot set up ciphers";
		goto fail;
	}
	return (p);
 fail:
	publish_free(p);
	return (NULL);
}

/* Seal a height-h node from lv[h] and pass its key up to lv[h+1]. */
static int	add_key(struct publish *, int, const uint8_t *, chunk_emit_cb,
		    void *);

static int
seal_node(struct publish *p, int h, chunk_emit_cb cb, void *arg)
{
	struct level	*l = &p->lv[h];
	uint8_t		 nonce[CRYPT_GCM_NONCE_LEN], key[KAD_KEY_LEN];

	manifest_index_encode(h, &l->keys[0][0], l->count, p->pt);
	manifest_nonce(KAD_NODE_INDEX, h, l->emitted, nonce);
	if (manifest_seal(p->gcm, nonce, p->pt, p->node) == -1 ||
	    crypt_sha256(p->sha, p->node, KAD_NODE_SIZE, key) == -1)
		return (-1);
	l->emitted++;
	l->count = 0;
	if (cb(key, p->node, KAD_NODE_SIZE, 1, arg) == -1)
		return (-1);
	return (add_key(p, h + 1, key, cb, arg));
}

static int
add_key(struct publish *p, int h, const uint8_t *key, chunk_emit_cb cb,
    void *arg)
{
	struct level	*l;

	/* KAD_FANOUT^KAD_MAX_HEIGHT > 2^64 chunks: cannot happen */
	if (h > KAD_MAX_HEIGHT)
		return (-1);
	l = &p->lv[h];
	memcpy(l->keys[l->count++], key, KAD_KEY_LEN);
	if (l->count == KAD_FANOUT)
		return (seal_node(p, h, cb, arg));
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
	if (cb(key, p->ct, len, 0, arg) == -1)
		return (-1);
	return (add_key(p, 1, key, cb, arg));
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

int
publish_final(struct publish *p, chunk_emit_cb cb, void *arg, char *link,
    size_t linksz)
{
	struct kad_shape	 s;
	struct kad_link		 l;
	const char		*why;
	uint8_t			 nonce[CRYPT_GCM_NONCE_LEN];
	int			 h, rv = -1;

	if (p->state != ST_OPEN || linksz < KAD_LINK_SIZE)
		return (-1);
	memset(&l, 0, sizeof(l));
	if (p->fill > 0 && data_chunk(p, p->buf, p->fill, cb, arg) == -1)
		goto done;
	p->fill = 0;
	if (manifest_shape(p->size, p->m.chunk_size, p->m.namelen, &s,
	    &why) == -1 || s.nchunks != p->nchunks)
		goto done;
	/* Partial nodes below the root; a flush may complete the next. */
	for (h = 1; h < s.height; h++) {
		if (p->lv[h].count > 0 && seal_node(p, h, cb, arg) == -1)
			goto done;
		if (p->lv[h].emitted != s.items[h])
			goto done;	/* the tree is not canonical: a bug */
	}
	if (p->lv[s.height].count != s.items[s.height - 1])
		goto done;

	if (crypt_sha256_final(p->content, p->m.content_key) == -1)
		goto done;
	p->m.height = (uint8_t)s.height;
	p->m.count = (uint16_t)p->lv[s.height].count;
	p->m.size = p->size;
	manifest_root_encode(&p->m, &p->lv[s.height].keys[0][0], p->m.count,
	    p->pt);
	manifest_nonce(KAD_NODE_ROOT, 0, 0, nonce);
	l.version = KAD_LINK_VERSION;
	memcpy(l.key, p->mkey, sizeof(l.key));
	if (manifest_seal(p->gcm, nonce, p->pt, p->node) == -1 ||
	    crypt_sha256(p->sha, p->node, KAD_NODE_SIZE, l.root) == -1 ||
	    cb(l.root, p->node, KAD_NODE_SIZE, 1, arg) == -1 ||
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
	if (p == NULL)
		return;
	crypt_ctr_free(p->ctr);
	crypt_sha256_free(p->sha);
	crypt_sha256_free(p->content);
	crypt_gcm_free(p->gcm);
	/* keys, plaintext buffers and the manifest */
	freezero(p, sizeof(*p));
}
