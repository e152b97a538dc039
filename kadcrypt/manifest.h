/* SPDX-License-Identifier: ISC */
/*
 * kad index chunks: the root (manifest) node and the interior nodes of
 * the index tree, their byte layout, their encryption, and the one
 * canonical tree shape for a given file size, chunk size, name length
 * and stripe parameters (every level of the tree is cut into
 * Reed-Solomon stripes).  Pure code; docs/FORMAT.md is the normative
 * description.
 *
 * Encoders write whatever they are given (the tests build hostile
 * nodes with them); parsers check everything and explain failures in
 * one line.
 */
#ifndef KAD_MANIFEST_H
#define KAD_MANIFEST_H

#include <stddef.h>
#include <stdint.h>

struct crypt_gcm;

#define KAD_FORMAT_VERSION	2	/* what publish writes */
#define KAD_FORMAT_V1		1	/* no parity: read, and written by tests */
#define KAD_CIPHER_AES256CTR	1	/* the only data cipher so far */
#define KAD_KEY_LEN		32	/* chunk keys and symmetric keys */
#define KAD_CHUNK_MAX		1024	/* largest chunk of any kind */
/* one AES block: smaller chunks of one file could repeat, and share a key */
#define KAD_CHUNK_MIN		16
#define KAD_CHUNK_DEFAULT	1024
#define KAD_NODE_SIZE		1024	/* every index chunk, tag included */
#define KAD_NODE_PTLEN		1008	/* KAD_NODE_SIZE - GCM tag */
#define KAD_NAME_MAX		255
#define KAD_MAX_HEIGHT		16	/* any 64-bit size needs at most 14 */

/*
 * Stripes (docs/FORMAT.md, section 3): a stripe of k' data items,
 * 1 <= k' <= K, has p(k') = ceil(k' * M / K) + E parity items.
 */
#define KAD_STRIPE_K_MAX	128
#define KAD_STRIPE_M_MAX	128
#define KAD_STRIPE_E_MAX	32
#define KAD_STRIPE_N_MAX	255	/* K + p(K): the codec's limit */
#define KAD_COPIES_MAX		20
/* the defaults, chosen with kadsim's durability scenario (FORMAT.md) */
#define KAD_STRIPE_K		64
#define KAD_STRIPE_M		20
#define KAD_STRIPE_E		4
#define KAD_COPIES		2	/* of every chunk but the root */
#define KAD_ROOT_COPIES		8	/* of the root, which has no parity */

#define KAD_NODE_ROOT		1	/* node type byte, also in the nonce */
#define KAD_NODE_INDEX		2
#define KAD_NODE_DIRROOT	3	/* the root of a directory listing;
					   its nonce is a root's */

/* interior node: 8-byte head, then up to 31 keys */
#define KAD_INDEX_HDRLEN	8
#define KAD_FANOUT		((KAD_NODE_PTLEN - KAD_INDEX_HDRLEN) / KAD_KEY_LEN)
/* root: 101-byte head (97 in version 1), the name, then the keys */
#define KAD_ROOT_HDRLEN		101
#define KAD_ROOT_HDRLEN_V1	97

/* A tree's format version and stripe parameters, as its root says. */
struct kad_code {
	uint8_t		 version;	/* KAD_FORMAT_V1 or KAD_FORMAT_VERSION */
	uint8_t		 k;		/* data items in a full stripe, K */
	uint8_t		 m;		/* p(k') = ceil(k' * m / k) + e */
	uint8_t		 e;
	uint8_t		 copies;	/* r: informative, for holders */
};

struct manifest {
	struct kad_code	 code;
	uint8_t		 height;	/* root height H, >= 1 */
	uint8_t		 cipher;
	uint16_t	 chunk_size;
	uint16_t	 count;		/* child keys in the root */
	uint64_t	 size;		/* plaintext bytes */
	uint8_t		 content_key[KAD_KEY_LEN]; /* SHA-256(ciphertext) */
	uint8_t		 data_key[KAD_KEY_LEN];
	uint8_t		 iv[16];
	size_t		 namelen;
	char		 name[KAD_NAME_MAX + 1];	/* NUL-terminated */
	int		 dir;		/* a directory listing (kadctl) */
};

/*
 * The canonical tree.  items[h] is the number of height-h items:
 * items[0] data chunks, items[h] = ceil(coded[h-1] / KAD_FANOUT) index
 * nodes of height h, where coded[h] counts the items of height h and
 * the parity of their stripes (the coded sequence C_h).  The root has
 * height H, the least H >= 1 with coded[H-1] <= root capacity, and
 * holds the coded[H-1] keys of C_{H-1}.
 */
struct kad_shape {
	uint64_t	 nchunks;
	uint64_t	 last_len;	/* length of the last data chunk */
	uint32_t	 chunk_size;
	int		 height;
	struct kad_code	 code;
	unsigned	 stride;	/* K + p(K): positions of a full stripe */
	uint64_t	 items[KAD_MAX_HEIGHT];
	uint64_t	 coded[KAD_MAX_HEIGHT];
	uint64_t	 stripes[KAD_MAX_HEIGHT];	/* ceil(items / K) */
};

/* Stripe j of a level: items [item0, item0 + k), C_h positions
 * [pos0, pos0 + n), every block blocklen bytes. */
struct kad_stripe {
	uint64_t	 item0;
	uint64_t	 pos0;
	unsigned	 k;		/* data items, k' */
	unsigned	 n;		/* k' + p(k') */
	size_t		 blocklen;
};

void	manifest_code_default(struct kad_code *);
int	manifest_code_valid(const struct kad_code *, const char **);
/* p(k') of a valid code, 0 for k' = 0 */
unsigned manifest_parity(const struct kad_code *, unsigned);
/* |C_h| for n items of height h; -1 if it does not fit in 64 bits */
int	manifest_coded(const struct kad_code *, uint64_t, uint64_t *);
/* keys the root holds, by format version and name length */
size_t	manifest_root_capacity(int, size_t);
int	manifest_shape(uint64_t, uint32_t, size_t, const struct kad_code *,
	    struct kad_shape *, const char **);
/* keys in node (height, index), 1 <= height < H; 0 outside the tree */
uint64_t manifest_node_count(const struct kad_shape *, int, uint64_t);
/* stripe j of height h: 0, or -1 if there is none */
int	manifest_stripe(const struct kad_shape *, int, uint64_t,
	    struct kad_stripe *);
int	manifest_name_valid(const char *, size_t, const char **);

/* plaintext, KAD_NODE_PTLEN bytes; keys are count * 32 contiguous bytes */
void	manifest_root_encode(const struct manifest *, const uint8_t *,
	    size_t, uint8_t *);
int	manifest_root_parse(const uint8_t *, struct manifest *,
	    const uint8_t **, char *, size_t);
/* the version is the tree's (its root's) */
void	manifest_index_encode(int, int, const uint8_t *, size_t, uint8_t *);
int	manifest_index_parse(const uint8_t *, int, int *, size_t *,
	    const uint8_t **, char *, size_t);

/* node position -> GCM nonce; the root is (KAD_NODE_ROOT, 0, 0) */
void	manifest_nonce(int, int, uint64_t, uint8_t [12]);
/* plaintext (KAD_NODE_PTLEN) <-> stored chunk (KAD_NODE_SIZE) */
int	manifest_seal(struct crypt_gcm *, const uint8_t [12], const uint8_t *,
	    uint8_t *);
int	manifest_open(struct crypt_gcm *, const uint8_t [12], const uint8_t *,
	    size_t, uint8_t *);

#endif /* KAD_MANIFEST_H */
