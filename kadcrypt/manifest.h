/* SPDX-License-Identifier: ISC */
/*
 * kad index chunks: the root (manifest) node and the interior nodes of
 * the index tree, their byte layout, their encryption, and the one
 * canonical tree shape for a given file size, chunk size and name
 * length.  Pure code; docs/FORMAT.md is the normative description.
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

#define KAD_FORMAT_VERSION	1
#define KAD_CIPHER_AES256CTR	1	/* the only data cipher so far */
#define KAD_KEY_LEN		32	/* chunk keys and symmetric keys */
#define KAD_CHUNK_MAX		1024	/* largest chunk of any kind */
/* one AES block: smaller chunks of one file could repeat, and share a key */
#define KAD_CHUNK_MIN		16
#define KAD_CHUNK_DEFAULT	1024
#define KAD_NODE_SIZE		1024	/* every index chunk, tag included */
#define KAD_NODE_PTLEN		1008	/* KAD_NODE_SIZE - GCM tag */
#define KAD_NAME_MAX		255
#define KAD_MAX_HEIGHT		16	/* any 64-bit size needs at most 13 */

#define KAD_NODE_ROOT		1	/* node type byte, also in the nonce */
#define KAD_NODE_INDEX		2
#define KAD_NODE_DIRROOT	3	/* the root of a directory listing;
					   its nonce is a root's */

/* interior node: 8-byte head, then up to 31 keys */
#define KAD_INDEX_HDRLEN	8
#define KAD_FANOUT		((KAD_NODE_PTLEN - KAD_INDEX_HDRLEN) / KAD_KEY_LEN)
/* root: 97-byte head, the name, then the keys */
#define KAD_ROOT_HDRLEN		97

struct manifest {
	uint8_t		 version;
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
 * items[0] data chunks, items[h] = ceil(items[h-1] / KAD_FANOUT) index
 * nodes of height h.  The root has height H, the least H >= 1 with
 * items[H-1] <= root capacity, and holds the items[H-1] keys.
 */
struct kad_shape {
	uint64_t	 nchunks;
	uint64_t	 last_len;	/* length of the last data chunk */
	int		 height;
	uint64_t	 items[KAD_MAX_HEIGHT];
};

size_t	manifest_root_capacity(size_t);
int	manifest_shape(uint64_t, uint32_t, size_t, struct kad_shape *,
	    const char **);
/* children of node (height, index), 1 <= height < H */
uint64_t manifest_node_count(const struct kad_shape *, int, uint64_t);
int	manifest_name_valid(const char *, size_t, const char **);

/* plaintext, KAD_NODE_PTLEN bytes; keys are count * 32 contiguous bytes */
void	manifest_root_encode(const struct manifest *, const uint8_t *,
	    size_t, uint8_t *);
int	manifest_root_parse(const uint8_t *, struct manifest *,
	    const uint8_t **, char *, size_t);
void	manifest_index_encode(int, const uint8_t *, size_t, uint8_t *);
int	manifest_index_parse(const uint8_t *, int *, size_t *,
	    const uint8_t **, char *, size_t);

/* node position -> GCM nonce; the root is (KAD_NODE_ROOT, 0, 0) */
void	manifest_nonce(int, int, uint64_t, uint8_t [12]);
/* plaintext (KAD_NODE_PTLEN) <-> stored chunk (KAD_NODE_SIZE) */
int	manifest_seal(struct crypt_gcm *, const uint8_t [12], const uint8_t *,
	    uint8_t *);
int	manifest_open(struct crypt_gcm *, const uint8_t [12], const uint8_t *,
	    size_t, uint8_t *);

#endif /* KAD_MANIFEST_H */
