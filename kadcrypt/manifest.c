/* SPDX-License-Identifier: ISC */
/*
 * kad index chunks: layout, encryption and the canonical tree shape.
 * Pure: no I/O, no logging, no allocation.  docs/FORMAT.md describes
 * every byte; keep the two in step.
 *
 * Every index chunk is exactly KAD_NODE_SIZE bytes: 1008 bytes of
 * AES-256-GCM ciphertext, then the 16-byte tag.  Nothing is in clear,
 * so storage cannot tell an index chunk from a full data chunk, and the
 * tag of the root is what tells a wrong manifest key apart (2^-128).
 * The nonce is the node's position in the tree; each tree has its own
 * fresh key, so positions never repeat under one key.
 */
#include <bsd/sys/endian.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "aead.h"
#include "manifest.h"

_Static_assert(KAD_NODE_PTLEN + CRYPT_GCM_TAG_LEN == KAD_NODE_SIZE,
    "node size");
_Static_assert(KAD_FANOUT == 31, "fanout");
/* The streaming publisher relies on the root holding fewer keys than a
 * full interior node: then no interior node is ever built at height H. */
_Static_assert((KAD_NODE_PTLEN - KAD_ROOT_HDRLEN) / KAD_KEY_LEN < KAD_FANOUT,
    "root capacity");

/* root plaintext offsets */
#define R_TYPE		0
#define R_VERSION	1
#define R_HEIGHT	2
#define R_CIPHER	3
#define R_CHUNKSZ	4
#define R_COUNT		6
#define R_SIZE		8
#define R_CONTENT	16
#define R_DATAKEY	48
#define R_IV		80
#define R_NAMELEN	96
#define R_NAME		97

/* interior plaintext offsets */
#define I_TYPE		0
#define I_VERSION	1
#define I_HEIGHT	2
#define I_RSVD1		3
#define I_COUNT		4
#define I_RSVD2		6
#define I_KEYS		8

static void	seterr(char *, size_t, const char *, ...)
		    __attribute__((__format__(printf, 3, 4)));

static void
seterr(char *err, size_t errlen, const char *fmt, ...)
{
	va_list	 ap;

	if (err == NULL || errlen == 0)
		return;
	va_start(ap, fmt);
	(void)vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

static int
allzero(const uint8_t *p, size_t len)
{
	uint8_t	 acc = 0;

	while (len-- > 0)
		acc |= *p++;
	return (acc == 0);
}

size_t
manifest_root_capacity(size_t namelen)
{
	if (namelen > KAD_NAME_MAX)
		return (0);
	return ((KAD_NODE_PTLEN - KAD_ROOT_HDRLEN - namelen) / KAD_KEY_LEN);
}

int
manifest_shape(uint64_t size, uint32_t chunk_size, size_t namelen,
    struct kad_shape *s, const char **errstr)
{
	uint64_t	 n, cap;
	int		 h;

	memset(s, 0, sizeof(*s));
	if (chunk_size < KAD_CHUNK_MIN || chunk_size > KAD_CHUNK_MAX) {
		*errstr = "bad chunk size";
		return (-1);
	}
	if (namelen > KAD_NAME_MAX) {
		*errstr = "file name too long";
		return (-1);
	}
	/* no overflow: computed by division, not by rounding size up */
	n = size / chunk_size + (size % chunk_size != 0);
	s->nchunks = n;
	s->last_len = n == 0 ? 0 : size - (n - 1) * chunk_size;
	cap = manifest_root_capacity(namelen);
	s->items[0] = n;
	for (h = 1; s->items[h - 1] > cap; h++) {
		if (h == KAD_MAX_HEIGHT) {
			*errstr = "tree too high";	/* NOTREACHED */
			return (-1);
		}
		s->items[h] = s->items[h - 1] / KAD_FANOUT +
		    (s->items[h - 1] % KAD_FANOUT != 0);
	}
	s->height = h;
	return (0);
}

uint64_t
manifest_node_count(const struct kad_shape *s, int height, uint64_t index)
{
	uint64_t	 below, first;

	if (height < 1 || height >= s->height || index >= s->items[height])
		return (0);
	below = s->items[height - 1];
	first = index * KAD_FANOUT;	/* < below, so no overflow */
	if (first >= below)
		return (0);
	return (below - first < KAD_FANOUT ? below - first : KAD_FANOUT);
}

/*
 * A file name that is safe to create in the current directory and to
 * print: valid UTF-8 (no overlong forms, no surrogates), no '/', no NUL,
 * no control characters, not "." or "..".  Empty is allowed (stdin).
 */
int
manifest_name_valid(const char *name, size_t len, const char **errstr)
{
	const unsigned char	*p = (const unsigned char *)name;
	size_t			 i, n, k;
	uint32_t		 cp, min;

	if (len > KAD_NAME_MAX) {
		*errstr = "file name too long";
		return (0);
	}
	if ((len == 1 && p[0] == '.') ||
	    (len == 2 && p[0] == '.' && p[1] == '.')) {
		*errstr = "file name is . or ..";
		return (0);
	}
	for (i = 0; i < len; i += n) {
		if (p[i] < 0x80) {
			if (p[i] < 0x20 || p[i] == 0x7f) {
				*errstr = "control character in file name";
				return (0);
			}
			if (p[i] == '/') {
				*errstr = "'/' in file name";
				return (0);
			}
			n = 1;
			continue;
		}
		if ((p[i] & 0xe0) == 0xc0) {
			n = 2;
			cp = p[i] & 0x1f;
			min = 0x80;
		} else if ((p[i] & 0xf0) == 0xe0) {
			n = 3;
			cp = p[i] & 0x0f;
			min = 0x800;
		} else if ((p[i] & 0xf8) == 0xf0) {
			n = 4;
			cp = p[i] & 0x07;
			min = 0x10000;
		} else
			goto bad;
		if (n > len - i)
			goto bad;
		for (k = 1; k < n; k++) {
			if ((p[i + k] & 0xc0) != 0x80)
				goto bad;
			cp = cp << 6 | (p[i + k] & 0x3f);
		}
		if (cp < min || cp > 0x10ffff ||
		    (cp >= 0xd800 && cp <= 0xdfff) ||
		    (cp >= 0x80 && cp < 0xa0))	/* C1 controls */
			goto bad;
	}
	return (1);
 bad:
	*errstr = "file name is not valid UTF-8";
	return (0);
}

/*
 * The header count field gets `count' as given, but at most the root's
 * capacity in keys is copied, so a hostile test node cannot overflow.
 */
void
manifest_root_encode(const struct manifest *m, const uint8_t *keys,
    size_t count, uint8_t *pt)
{
	size_t	 namelen, cap;

	namelen = m->namelen > KAD_NAME_MAX ? KAD_NAME_MAX : m->namelen;
	cap = manifest_root_capacity(namelen);
	memset(pt, 0, KAD_NODE_PTLEN);
	pt[R_TYPE] = m->dir ? KAD_NODE_DIRROOT : KAD_NODE_ROOT;
	pt[R_VERSION] = m->version;
	pt[R_HEIGHT] = m->height;
	pt[R_CIPHER] = m->cipher;
	be16enc(pt + R_CHUNKSZ, m->chunk_size);
	be16enc(pt + R_COUNT, (uint16_t)count);
	be64enc(pt + R_SIZE, m->size);
	memcpy(pt + R_CONTENT, m->content_key, KAD_KEY_LEN);
	memcpy(pt + R_DATAKEY, m->data_key, KAD_KEY_LEN);
	memcpy(pt + R_IV, m->iv, sizeof(m->iv));
	pt[R_NAMELEN] = (uint8_t)namelen;
	memcpy(pt + R_NAME, m->name, namelen);
	if (count > cap)
		count = cap;
	if (count > 0)
		memcpy(pt + R_NAME + namelen, keys, count * KAD_KEY_LEN);
}

int
manifest_root_parse(const uint8_t *pt, struct manifest *m,
    const uint8_t **keys, char *err, size_t errlen)
{
	struct kad_shape	 s;
	const char		*why;
	size_t			 namelen, cap, end;

	memset(m, 0, sizeof(*m));
	*keys = NULL;
	if (pt[R_TYPE] != KAD_NODE_ROOT && pt[R_TYPE] != KAD_NODE_DIRROOT) {
		seterr(err, errlen, "not a root node (type %u)", pt[R_TYPE]);
		return (-1);
	}
	m->dir = pt[R_TYPE] == KAD_NODE_DIRROOT;
	if (pt[R_VERSION] != KAD_FORMAT_VERSION) {
		seterr(err, errlen, "unsupported format version %u",
		    pt[R_VERSION]);
		return (-1);
	}
	m->version = pt[R_VERSION];
	m->height = pt[R_HEIGHT];
	m->cipher = pt[R_CIPHER];
	m->chunk_size = be16dec(pt + R_CHUNKSZ);
	m->count = be16dec(pt + R_COUNT);
	m->size = be64dec(pt + R_SIZE);
	if (m->cipher != KAD_CIPHER_AES256CTR) {
		seterr(err, errlen, "unknown cipher %u", m->cipher);
		return (-1);
	}
	if (m->chunk_size < KAD_CHUNK_MIN || m->chunk_size > KAD_CHUNK_MAX) {
		seterr(err, errlen, "bad chunk size %u", m->chunk_size);
		return (-1);
	}
	if (m->height < 1 || m->height > KAD_MAX_HEIGHT) {
		seterr(err, errlen, "bad tree height %u", m->height);
		return (-1);
	}
	namelen = pt[R_NAMELEN];
	if (!manifest_name_valid((const char *)pt + R_NAME, namelen, &why)) {
		seterr(err, errlen, "bad file name: %s", why);
		return (-1);
	}
	cap = manifest_root_capacity(namelen);
	if (m->count > cap) {
		seterr(err, errlen, "root claims %u keys, has room for %zu",
		    m->count, cap);
		return (-1);
	}
	end = R_NAME + namelen + (size_t)m->count * KAD_KEY_LEN;
	if (!allzero(pt + end, KAD_NODE_PTLEN - end)) {
		seterr(err, errlen, "trailing garbage in root node");
		return (-1);
	}
	/* size, chunk size and name length fix the whole tree */
	if (manifest_shape(m->size, m->chunk_size, namelen, &s, &why) == -1) {
		seterr(err, errlen, "%s", why);
		return (-1);
	}
	if (m->height != s.height) {
		seterr(err, errlen, "root height %u, expected %d for %llu "
		    "bytes", m->height, s.height,
		    (unsigned long long)m->size);
		return (-1);
	}
	if (m->count != s.items[s.height - 1]) {
		seterr(err, errlen, "root has %u keys, expected %llu for %llu "
		    "bytes", m->count,
		    (unsigned long long)s.items[s.height - 1],
		    (unsigned long long)m->size);
		return (-1);
	}
	memcpy(m->content_key, pt + R_CONTENT, KAD_KEY_LEN);
	memcpy(m->data_key, pt + R_DATAKEY, KAD_KEY_LEN);
	memcpy(m->iv, pt + R_IV, sizeof(m->iv));
	m->namelen = namelen;
	memcpy(m->name, pt + R_NAME, namelen);
	m->name[namelen] = '\0';
	*keys = pt + R_NAME + namelen;
	return (0);
}

void
manifest_index_encode(int height, const uint8_t *keys, size_t count,
    uint8_t *pt)
{
	memset(pt, 0, KAD_NODE_PTLEN);
	pt[I_TYPE] = KAD_NODE_INDEX;
	pt[I_VERSION] = KAD_FORMAT_VERSION;
	pt[I_HEIGHT] = (uint8_t)height;
	be16enc(pt + I_COUNT, (uint16_t)count);
	if (count > KAD_FANOUT)
		count = KAD_FANOUT;
	if (count > 0)
		memcpy(pt + I_KEYS, keys, count * KAD_KEY_LEN);
}

int
manifest_index_parse(const uint8_t *pt, int *height, size_t *count,
    const uint8_t **keys, char *err, size_t errlen)
{
	size_t	 n, end;

	*height = 0;
	*count = 0;
	*keys = NULL;
	if (pt[I_TYPE] != KAD_NODE_INDEX) {
		seterr(err, errlen, "not an index node (type %u)", pt[I_TYPE]);
		return (-1);
	}
	if (pt[I_VERSION] != KAD_FORMAT_VERSION) {
		seterr(err, errlen, "unsupported format version %u",
		    pt[I_VERSION]);
		return (-1);
	}
	if (pt[I_HEIGHT] < 1 || pt[I_HEIGHT] >= KAD_MAX_HEIGHT) {
		seterr(err, errlen, "bad index node height %u", pt[I_HEIGHT]);
		return (-1);
	}
	if (pt[I_RSVD1] != 0 || be16dec(pt + I_RSVD2) != 0) {
		seterr(err, errlen, "reserved bytes set in index node");
		return (-1);
	}
	n = be16dec(pt + I_COUNT);
	if (n == 0 || n > KAD_FANOUT) {
		seterr(err, errlen, "index node claims %zu keys (1..%d)", n,
		    KAD_FANOUT);
		return (-1);
	}
	end = I_KEYS + n * KAD_KEY_LEN;
	if (!allzero(pt + end, KAD_NODE_PTLEN - end)) {
		seterr(err, errlen, "trailing garbage in index node");
		return (-1);
	}
	*height = pt[I_HEIGHT];
	*count = n;
	*keys = pt + I_KEYS;
	return (0);
}

void
manifest_nonce(int type, int height, uint64_t index, uint8_t nonce[12])
{
	memset(nonce, 0, 12);
	nonce[0] = (uint8_t)type;
	nonce[1] = (uint8_t)height;
	be64enc(nonce + 4, index);
}

int
manifest_seal(struct crypt_gcm *g, const uint8_t nonce[12], const uint8_t *pt,
    uint8_t *out)
{
	return (crypt_gcm_seal(g, nonce, pt, KAD_NODE_PTLEN, out,
	    out + KAD_NODE_PTLEN));
}

int
manifest_open(struct crypt_gcm *g, const uint8_t nonce[12], const uint8_t *in,
    size_t len, uint8_t *pt)
{
	if (len != KAD_NODE_SIZE)
		return (-1);
	return (crypt_gcm_open(g, nonce, in, KAD_NODE_PTLEN,
	    in + KAD_NODE_PTLEN, pt));
}
