/* SPDX-License-Identifier: ISC */
/*
 * upload: kad.conf's upload-limit, a shaper on the bytes kadnet puts on
 * the wire.  A token bucket holding a tenth of a second of the rate
 * lets datagrams through; those over it wait in a queue of at most one
 * second of the rate (at least UPLOAD_MIN_QUEUE bytes) and go as the
 * bucket refills, in order; a datagram that finds the queue full is
 * dropped and counted.  The protocol above resends what matters; the
 * queue spares it most of the losses a bucket alone would cause.  Pure:
 * the caller gives the time, the sending function and its argument.
 */
#ifndef KAD_UPLOAD_H
#define KAD_UPLOAD_H

#include <sys/types.h>
#include <sys/queue.h>
#include <sys/socket.h>

#include <stddef.h>
#include <stdint.h>

#define UPLOAD_MIN_BURST	(16 * 1232)
#define UPLOAD_MIN_QUEUE	(64 * 1024)
#define UPLOAD_MAX_QUEUE	(16 * 1024 * 1024)
#define UPLOAD_MIN_RATE		8192		/* bytes/s kad.conf allows */
#define UPLOAD_MAX_RATE		(1ULL << 40)

struct upload_dgram;

typedef void	upload_send_fn(void *arg, int sock, const void *buf,
		    size_t len, const struct sockaddr *to, socklen_t tolen);

struct upload {
	uint64_t	 rate;		/* bytes/s; 0: no limit */
	uint64_t	 burst;		/* bytes */
	uint64_t	 tokens;	/* thousandths of a byte */
	uint64_t	 at;		/* ms of the last refill */
	size_t		 qmax, qbytes, qlen;
	TAILQ_HEAD(, upload_dgram) q;
	upload_send_fn	*send;
	void		*arg;
	uint64_t	 sent, sent_bytes;
	uint64_t	 queued;	/* waited for the bucket */
	uint64_t	 dropped, dropped_bytes;	/* the queue was full */
};

void	 upload_init(struct upload *, uint64_t rate, upload_send_fn *,
	    void *arg, uint64_t now);
void	 upload_free(struct upload *);
/* Send now, queue, or drop (counted) one datagram on socket sock. */
void	 upload_send(struct upload *, int sock, const void *buf, size_t len,
	    const struct sockaddr *to, socklen_t tolen, uint64_t now);
/* Send what the bucket allows from the queue. */
void	 upload_flush(struct upload *, uint64_t now);
/* When the queue's head may go (ms); UINT64_MAX: the queue is empty. */
uint64_t upload_next(const struct upload *, uint64_t now);

#endif /* KAD_UPLOAD_H */
