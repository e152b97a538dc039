/* SPDX-License-Identifier: ISC */
/*
 * kad publish engine: plaintext in, encrypted chunks and a kad: link
 * out.  The caller owns all I/O: every finished chunk is handed to an
 * emit callback (the bytes are only valid during the call) with a
 * description of what it is.  Memory is constant whatever the file
 * size: per tree level, the current stripe's blocks and one partial
 * index node.
 */
#ifndef KAD_PUBLISH_H
#define KAD_PUBLISH_H

#include <stddef.h>
#include <stdint.h>

struct kad_code;

#define CHUNK_DATA	0	/* ciphertext of the file */
#define CHUNK_PARITY	1	/* a stripe's parity, data or index */
#define CHUNK_INDEX	2	/* an interior node */
#define CHUNK_ROOT	3	/* emitted last, once */

/*
 * What an emitted chunk is.  Stripes are numbered file-wide in the
 * order their first chunk is emitted; the root is a stripe of its own,
 * numbered after all the others, with k = n = 1.  A stripe is
 * decodable once any k of its n chunks are stored.  k and n are 0 on
 * the chunks of a stripe emitted before the publisher knows how many
 * items it will hold (it may be the last, short one); the chunk with
 * `last' set is the stripe's last one, carries k and n, and so does
 * every parity chunk.
 */
struct chunk_info {
	int		 kind;
	int		 height;	/* data and its parity 0; the root H */
	uint64_t	 stripe;
	unsigned	 k;		/* data items of the stripe, k' */
	unsigned	 n;		/* its chunks, k' + p(k') */
	int		 last;
	unsigned	 copies;	/* wanted on the network */
};

/* Return 0 to go on, -1 to abort the publish. */
typedef int	(*chunk_emit_cb)(const uint8_t [32], const uint8_t *, size_t,
		    const struct chunk_info *, void *);

struct publish;

/*
 * name: the base name recorded in the manifest (UTF-8, no '/', at most
 * 255 bytes, may be empty).  chunk_size: 0 for the default (1024), else
 * 16..1024.  dir: the root says the file is a directory listing
 * (KAD_NODE_DIRROOT).  Draws the data key, IV and manifest key.  NULL with
 * *errstr set on error.  publish_new_code takes the format version and
 * stripe parameters (the tests write version 1 trees with it);
 * publish_new uses the defaults.
 */
struct publish	*publish_new(const char *, size_t, int, const char **);
struct publish	*publish_new_code(const char *, size_t, int,
		    const struct kad_code *, const char **);
/* Emits every chunk completed by these bytes.  0 or -1. */
int		 publish_update(struct publish *, const void *, size_t,
		    chunk_emit_cb, void *);
/*
 * Emits the last data chunk, the last stripes' parity, the rest of the
 * index tree and the root (always last), then writes the link (bufsz
 * >= KAD_LINK_SIZE).  The link holds the manifest key: wipe it when
 * done.  0 or -1.
 */
int		 publish_final(struct publish *, chunk_emit_cb, void *, char *,
		    size_t);
/* 0 once published: the file's size and number of data chunks. */
int		 publish_info(struct publish *, uint64_t *, uint64_t *, int *);
void		 publish_free(struct publish *);	/* wipes the keys */

#endif /* KAD_PUBLISH_H */
