/* SPDX-License-Identifier: ISC */
/*
 * upload: kad.conf's upload-limit, a token bucket on the bytes kadnet
 * puts on the wire.  A datagram over the limit is not sent (and is
 * counted): the protocol above retransmits what matters, and a queue
 * would only add delay to a link that is already full.  Pure: the
 * caller gives the time.
 */
#ifndef KAD_UPLOAD_H
#define KAD_UPLOAD_H

#include <stddef.h>
#include <stdint.h>

/* the bucket holds 100 ms of the rate, and never less than this */
#define UPLOAD_MIN_BURST	(16 * 1232)
#define UPLOAD_MIN_RATE		8192		/* bytes/s kad.conf allows */

struct upload {
	uint64_t	 rate;		/* bytes/s; 0: no limit */
	uint64_t	 burst;		/* bytes */
	uint64_t	 tokens;	/* thousandths of a byte */
	uint64_t	 at;		/* ms of the last refill */
	uint64_t	 sent, sent_bytes;
	uint64_t	 held, held_bytes;	/* over the limit, not sent */
};

void	upload_init(struct upload *, uint64_t rate, uint64_t now);
/* 1: len bytes may go now (and are taken); 0: over the limit */
int	upload_take(struct upload *, size_t len, uint64_t now);

#endif /* KAD_UPLOAD_H */
