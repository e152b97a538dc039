/* SPDX-License-Identifier: ISC */
/*
 * kad fetch engine: a kad: link in, verified plaintext out.  The engine
 * owns no I/O: the caller asks it which chunk keys to request
 * (fetch_want), hands it whatever arrives, in any order (fetch_chunk,
 * fetch_missing), and pulls plaintext in file order (fetch_read).
 *
 * Every level of the tree is fetched stripe by stripe: a stripe's data
 * items and two of its parity items are asked for at once, and the
 * first k' that arrive give back the others (Reed-Solomon), so a chunk
 * the network lost costs nothing but a replacement request.  Every
 * chunk is checked against its key, every rebuilt one too, every index
 * node against the canonical tree shape, and the content key over the
 * whole ciphertext at the end.  Plaintext handed out by fetch_read is
 * only final once fetch_done() returns 1; on any error the caller
 * discards it.  Chunks it had to rebuild, and parity it found missing
 * in a stripe it decoded, are queued for the caller to publish again
 * (fetch_next_repair): a read heals the file.
 *
 * Memory is bounded whatever the file size: at most FETCH_WINDOW data
 * chunks are outstanding or buffered ahead of the reader, so a reader
 * that stops reading stops the requests too.
 */
#ifndef KAD_FETCH_H
#define KAD_FETCH_H

#include <stddef.h>
#include <stdint.h>

#define FETCH_WINDOW	512	/* data chunks ahead of the reader */
#define FETCH_MAX_OUT	1024	/* outstanding requests, index included */
#define FETCH_ERRLEN	256
#define FETCH_REPAIR_MAX 256	/* chunks to publish again, not yet taken */

struct fetch;

struct fetch_stats {
	size_t		 outstanding;	/* requests handed out, not answered */
	size_t		 buffered;	/* ciphertext bytes waiting for reader */
	uint64_t	 delivered;	/* plaintext bytes read so far */
	uint64_t	 nchunks;	/* data chunks (once the root is in) */
	int		 height;	/* root height (once the root is in) */
	uint64_t	 rebuilt;	/* chunks rebuilt from their stripe */
	uint64_t	 stripes_parity; /* stripes that needed parity */
	uint64_t	 repairs;	/* chunks queued to publish again */
	uint64_t	 repairs_dropped; /* not queued: the queue was full */
	uint64_t	 not_found;	/* chunks reported missing, not found */
};

/*
 * keys_only: walk the index chunks only and report every chunk key of
 * the file, index, data and parity, through fetch_next_key (for
 * unpinning).  NULL with a one-line reason in err on a bad link.
 */
struct fetch	*fetch_new(const char *, int, char *, size_t);
/* 1: request this key now, 0: nothing now, -1: the fetch has failed */
int		 fetch_want(struct fetch *, uint8_t [32]);
/*
 * 0: taken; 1: not a requested key, or no longer needed (a late answer
 * for a stripe already complete): ignored, not an error; -1: the fetch
 * has failed.
 */
int		 fetch_chunk(struct fetch *, const uint8_t [32], const uint8_t *,
		    size_t);
/*
 * The source has no such chunk.  0: the engine asks for a replacement
 * (fetch_want) and no longer needs this one; 2: still needed, nothing
 * can replace it: ask again later, and call this again if it is still
 * missing; 1: not a requested key; -1: the fetch has failed.
 */
int		 fetch_missing(struct fetch *, const uint8_t [32]);
/*
 * The caller gives up on a key fetch_missing said was still needed
 * (its deadline): the fetch fails, naming the stripe's height and how
 * many of the chunks it needs were found.  -1, or 1 if not requested.
 */
int		 fetch_abandon(struct fetch *, const uint8_t [32]);
/*
 * 1 and a chunk to publish again (key, bytes in buf, at least
 * KAD_CHUNK_MAX bytes, and *len), 0: none now.  While FETCH_REPAIR_MAX
 * are waiting, no new request is made.
 */
int		 fetch_next_repair(struct fetch *, uint8_t [32], uint8_t *,
		    size_t *);
/* In-order plaintext available now, up to max bytes. */
size_t		 fetch_read(struct fetch *, uint8_t *, size_t);
/* 1 once the root is decoded, 0 before, -1 if namesz is too small. */
int		 fetch_meta(struct fetch *, uint64_t *, char *, size_t);
/* 1 if key is one of the engine's requests still unanswered */
int		 fetch_asked(struct fetch *, const uint8_t [32]);
/* 1 once the root is decoded and says the file is a directory listing */
int		 fetch_is_dir(struct fetch *);
/* keys_only mode: 1 and the next key, 0: none now.  Each key is
 * reported once for every position of the tree that names it. */
int		 fetch_next_key(struct fetch *, uint8_t [32], int *);
/* 1: everything delivered (or, keys_only, reported) and verified. */
int		 fetch_done(struct fetch *);
/* NULL, or one line: "wrong key", "chunk <hex> not found", ... */
const char	*fetch_error(struct fetch *);
void		 fetch_stats(struct fetch *, struct fetch_stats *);
void		 fetch_free(struct fetch *);	/* wipes the keys */

#endif /* KAD_FETCH_H */
