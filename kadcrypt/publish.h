/* SPDX-License-Identifier: ISC */
/*
 * kad publish engine: plaintext in, encrypted chunks and a kad: link
 * out.  The caller owns all I/O: every finished chunk is handed to an
 * emit callback (the bytes are only valid during the call).  Memory is
 * constant whatever the file size: one partial chunk and one partial
 * index node per tree level.
 */
#ifndef KAD_PUBLISH_H
#define KAD_PUBLISH_H

#include <stddef.h>
#include <stdint.h>

/* Return 0 to go on, -1 to abort the publish. */
typedef int	(*chunk_emit_cb)(const uint8_t [32], const uint8_t *, size_t,
		    int, void *);

struct publish;

/*
 * name: the base name recorded in the manifest (UTF-8, no '/', at most
 * 255 bytes, may be empty).  chunk_size: 0 for the default (1024), else
 * 16..1024.  dir: the root says the file is a directory listing
 * (KAD_NODE_DIRROOT).  Draws the data key, IV and manifest key.  NULL with
 * *errstr set on error.
 */
struct publish	*publish_new(const char *, size_t, int, const char **);
/* Emits every chunk completed by these bytes.  0 or -1. */
int		 publish_update(struct publish *, const void *, size_t,
		    chunk_emit_cb, void *);
/*
 * Emits the last data chunk, the rest of the index tree and the root
 * (always last), then writes the link (bufsz >= KAD_LINK_SIZE).  The
 * link holds the manifest key: wipe it when done.  0 or -1.
 */
int		 publish_final(struct publish *, chunk_emit_cb, void *, char *,
		    size_t);
/* 0 once published: the file's size and number of data chunks. */
int		 publish_info(struct publish *, uint64_t *, uint64_t *, int *);
void		 publish_free(struct publish *);	/* wipes the keys */

#endif /* KAD_PUBLISH_H */
