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
_Static_assert((KAD_NODE_PTLEN - KAD_ROOT_HDRLEN_V1) / KAD_KEY_LEN <
    KAD_FANOUT && KAD_ROOT_HDRLEN > KAD_ROOT_HDRLEN_V1, "root capacity");
_Static_assert(KAD_STRIPE_K + KAD_STRIPE_M + KAD_STRIPE_E <=
    KAD_STRIPE_N_MAX, "default stripe");

/* root plaintext offsets; version 1 has no stripe bytes, and its name
 * length is at R_STRIPE_K */
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
#define R_STRIPE_K	96
#define R_STRIPE_M	97
#define R_STRIPE_E	98
#define R_COPIES	99

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

void
manifest_code_default(struct kad_code *c)
{
	c->version = KAD_FORMAT_VERSION;
	c->k = KAD_STRIPE_K;
	c->m = KAD_STRIPE_M;
	c->e = KAD_STRIPE_E;
	c->copies = KAD_COPIES;
}

int
manifest_code_valid(const struct kad_code *c, const char **errstr)
{
	if (c->version != KAD_FORMAT_V1 && c->version != KAD_FORMAT_VERSION) {
		*errstr = "unsupported format version";
		return (0);
	}
	if (c->k < 1 || c->k > KAD_STRIPE_K_MAX) {
		*errstr = "stripe size K out of range (1..128)";
		return (0);
	}
	if (c->m > KAD_STRIPE_M_MAX) {
		*errstr = "parity M out of range (0..128)";
		return (0);
	}
	if (c->e > KAD_STRIPE_E_MAX) {
		*errstr = "parity E out of range (0..32)";
		return (0);
	}
	if (c->version == KAD_FORMAT_V1 && (c->m != 0 || c->e != 0)) {
		*errstr = "version 1 has no parity";
		return (0);
	}
	/* p(K) = M + E */
	if ((unsigned)c->k + c->m + c->e > KAD_STRIPE_N_MAX) {
		*errstr = "stripe of K + p(K) over 255 items";
		return (0);
	}
	if (c->copies < 1 || c->copies > KAD_COPIES_MAX) {
		*errstr = "copies r out of range (1..20)";
		return (0);
	}
	return (1);
}

unsigned
manifest_parity(const struct kad_code *c, unsigned k)
{
	if (k == 0 || c->k == 0)
		return (0);
	/* k <= 128 and m <= 128: no overflow */
	return ((k * c->m + c->k - 1) / c->k + c->e);
}

int
manifest_coded(const struct kad_code *c, uint64_t n, uint64_t *out)
{
	uint64_t	 q, s, full;

	q = n / c->k;
	s = n % c->k;
	full = c->k + manifest_parity(c, c->k);
	if (q > (UINT64_MAX - KAD_STRIPE_N_MAX) / full)
		return (-1);
	*out = q * full + (s == 0 ? 0 : s + manifest_parity(c, (unsigned)s));
	return (0);
}

size_t
manifest_root_capacity(int version, size_t namelen)
{
	size_t	 hdr;

	if (namelen > KAD_NAME_MAX)
		return (0);
	hdr = version == KAD_FORMAT_V1 ? KAD_ROOT_HDRLEN_V1 : KAD_ROOT_HDRLEN;
	return ((KAD_NODE_PTLEN - hdr - namelen) / KAD_KEY_LEN);
}

int
manifest_shape(uint64_t size, uint32_t chunk_size, size_t namelen,
    const struct kad_code *c, struct kad_shape *s, const char **errstr)
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
	if (!manifest_code_valid(c, errstr))
		return (-1);
	s->code = *c;
	s->chunk_size = chunk_size;
	s->stride = c->k + manifest_parity(c, c->k);
	/* no overflow: computed by division, not by rounding size up */
	n = size / chunk_size + (size % chunk_size != 0);
	s->nchunks = n;
	s->last_len = n == 0 ? 0 : size - (n - 1) * chunk_size;
	cap = manifest_root_capacity(c->version, namelen);
	for (h = 0; ; h++) {
		if (h == KAD_MAX_HEIGHT) {
			/* parity that grows a level faster than the fanout
			 * shrinks it never converges */
			*errstr = "stripe parameters give a tree over 16 levels";
			return (-1);
		}
		s->items[h] = n;
		s->stripes[h] = n / c->k + (n % c->k != 0);
		if (manifest_coded(c, n, &s->coded[h]) == -1) {
			*errstr = "stripe parameters overflow the tree";
			return (-1);
		}
		if (s->coded[h] <= cap)
			break;
		n = s->coded[h] / KAD_FANOUT + (s->coded[h] % KAD_FANOUT != 0);
	}
	s->height = h + 1;
	return (0);
}

uint64_t
manifest_node_count(const struct kad_shape *s, int height, uint64_t index)
{
	uint64_t	 below, first;

	if (height < 1 || height >= s->height || index >= s->items[height])
		return (0);
	below = s->coded[height - 1];
	first = index * KAD_FANOUT;	/* < below, so no overflow */
	if (first >= below)
		return (0);
	return (below - first < KAD_FANOUT ? below - first : KAD_FANOUT);
}

int
manifest_stripe(const struct kad_shape *s, int h, uint64_t j,
    struct kad_stripe *st)
{
	uint64_t	 left;

	if (h < 0 || h >= s->height || j >= s->stripes[h])
		return (-1);
	st->item0 = j * s->code.k;
	left = s->items[h] - st->item0;
	st->k = left < s->code.k ? (unsigned)left : s->code.k;
	st->n = st->k + manifest_parity(&s->code, st->k);
	st->pos0 = j * s->stride;	/* <= coded[h]: no overflow */
	/* the length of the stripe's first item */
	if (h > 0)
		st->blocklen = KAD_NODE_SIZE;
	else
		st->blocklen = st->item0 + 1 == s->nchunks ? s->last_len :
		    s->chunk_size;
	return (0);
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

/* where the name length byte is, and the name after it */
static size_t
root_hdrlen(int version)
{
	return (version == KAD_FORMAT_V1 ? KAD_ROOT_HDRLEN_V1 :
	    KAD_ROOT_HDRLEN);
}

/*
 * The header count field gets `count' as given, but at most the root's
 * capacity in keys is copied, so a hostile test node cannot overflow.
 * Version 1 (m->code.version) has no stripe bytes; any other version
 * is written with them.
 */
void
manifest_root_encode(const struct manifest *m, const uint8_t *keys,
    size_t count, uint8_t *pt)
{
	size_t	 namelen, cap, hdr;

	namelen = m->namelen > KAD_NAME_MAX ? KAD_NAME_MAX : m->namelen;
	hdr = root_hdrlen(m->code.version);
	cap = (KAD_NODE_PTLEN - hdr - namelen) / KAD_KEY_LEN;
	memset(pt, 0, KAD_NODE_PTLEN);
	pt[R_TYPE] = m->dir ? KAD_NODE_DIRROOT : KAD_NODE_ROOT;
	pt[R_VERSION] = m->code.version;
	pt[R_HEIGHT] = m->height;
	pt[R_CIPHER] = m->cipher;
	be16enc(pt + R_CHUNKSZ, m->chunk_size);
	be16enc(pt + R_COUNT, (uint16_t)count);
	be64enc(pt + R_SIZE, m->size);
	memcpy(pt + R_CONTENT, m->content_key, KAD_KEY_LEN);
	memcpy(pt + R_DATAKEY, m->data_key, KAD_KEY_LEN);
	memcpy(pt + R_IV, m->iv, sizeof(m->iv));
	if (m->code.version != KAD_FORMAT_V1) {
		pt[R_STRIPE_K] = m->code.k;
		pt[R_STRIPE_M] = m->code.m;
		pt[R_STRIPE_E] = m->code.e;
		pt[R_COPIES] = m->code.copies;
	}
	pt[hdr - 1] = (uint8_t)namelen;
	memcpy(pt + hdr, m->name, namelen);
	if (count > cap)
		count = cap;
	if (count > 0)
		memcpy(pt + hdr + namelen, keys, count * KAD_KEY_LEN);
}

/* Version and stripe parameters; a version 1 root is version 2 with
 * no parity, so everything after this reads one kind of root. */
static int
root_code(const uint8_t *pt, struct kad_code *c, char *err, size_t errlen)
{
	const char	*why;

	c->version = pt[R_VERSION];
	if (c->version == KAD_FORMAT_V1) {
		c->k = KAD_STRIPE_K;
		c->m = c->e = 0;
		c->copies = KAD_ROOT_COPIES;	/* what version 1 kept */
		return (0);
	}
	if (c->version != KAD_FORMAT_VERSION) {
		seterr(err, errlen, "unsupported format version %u",
		    c->version);
		return (-1);
	}
	c->k = pt[R_STRIPE_K];
	c->m = pt[R_STRIPE_M];
	c->e = pt[R_STRIPE_E];
	c->copies = pt[R_COPIES];
	if (!manifest_code_valid(c, &why)) {
		seterr(err, errlen, "%s (K %u, M %u, E %u, r %u)", why, c->k,
		    c->m, c->e, c->copies);
		return (-1);
	}
	return (0);
}

int
manifest_root_parse(const uint8_t *pt, struct manifest *m,
    const uint8_t **keys, char *err, size_t errlen)
{
	struct kad_shape	 s;
	const char		*why;
	size_t			 namelen, cap, end, hdr;

	memset(m, 0, sizeof(*m));
	*keys = NULL;
	if (pt[R_TYPE] != KAD_NODE_ROOT && pt[R_TYPE] != KAD_NODE_DIRROOT) {
		seterr(err, errlen, "not a root node (type %u)", pt[R_TYPE]);
		return (-1);
	}
	m->dir = pt[R_TYPE] == KAD_NODE_DIRROOT;
	if (root_code(pt, &m->code, err, errlen) == -1)
		return (-1);
	hdr = root_hdrlen(m->code.version);
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
	namelen = pt[hdr - 1];
	if (!manifest_name_valid((const char *)pt + hdr, namelen, &why)) {
		seterr(err, errlen, "bad file name: %s", why);
		return (-1);
	}
	cap = manifest_root_capacity(m->code.version, namelen);
	if (m->count > cap) {
		seterr(err, errlen, "root claims %u keys, has room for %zu",
		    m->count, cap);
		return (-1);
	}
	end = hdr + namelen + (size_t)m->count * KAD_KEY_LEN;
	if (!allzero(pt + end, KAD_NODE_PTLEN - end)) {
		seterr(err, errlen, "trailing garbage in root node");
		return (-1);
	}
	/* size, chunk size, name length and stripes fix the whole tree */
	if (manifest_shape(m->size, m->chunk_size, namelen, &m->code, &s,
	    &why) == -1) {
		seterr(err, errlen, "%s", why);
		return (-1);
	}
	if (m->height != s.height) {
		seterr(err, errlen, "root height %u, expected %d for %llu "
		    "bytes", m->height, s.height,
		    (unsigned long long)m->size);
		return (-1);
	}
	if (m->count != s.coded[s.height - 1]) {
		seterr(err, errlen, "root has %u keys, expected %llu for %llu "
		    "bytes", m->count,
		    (unsigned long long)s.coded[s.height - 1],
		    (unsigned long long)m->size);
		return (-1);
	}
	memcpy(m->content_key, pt + R_CONTENT, KAD_KEY_LEN);
	memcpy(m->data_key, pt + R_DATAKEY, KAD_KEY_LEN);
	memcpy(m->iv, pt + R_IV, sizeof(m->iv));
	m->namelen = namelen;
	memcpy(m->name, pt + hdr, namelen);
	m->name[namelen] = '\0';
	*keys = pt + hdr + namelen;
	return (0);
}

void
manifest_index_encode(int version, int height, const uint8_t *keys,
    size_t count, uint8_t *pt)
{
	memset(pt, 0, KAD_NODE_PTLEN);
	pt[I_TYPE] = KAD_NODE_INDEX;
	pt[I_VERSION] = (uint8_t)version;
	pt[I_HEIGHT] = (uint8_t)height;
	be16enc(pt + I_COUNT, (uint16_t)count);
	if (count > KAD_FANOUT)
		count = KAD_FANOUT;
	if (count > 0)
		memcpy(pt + I_KEYS, keys, count * KAD_KEY_LEN);
}

int
manifest_index_parse(const uint8_t *pt, int version, int *height,
    size_t *count, const uint8_t **keys, char *err, size_t errlen)
{
	size_t	 n, end;

	*height = 0;
	*count = 0;
	*keys = NULL;
	if (pt[I_TYPE] != KAD_NODE_INDEX) {
		seterr(err, errlen, "not an index node (type %u)", pt[I_TYPE]);
		return (-1);
	}
	if (pt[I_VERSION] != version) {
		if (pt[I_VERSION] == KAD_FORMAT_V1 ||
		    pt[I_VERSION] == KAD_FORMAT_VERSION)
			seterr(err, errlen, "format version %u in a version "
			    "%d tree", pt[I_VERSION], version);
		else
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
