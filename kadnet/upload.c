/* SPDX-License-Identifier: ISC */
/*
 * The upload limit's shaper (upload.h).  Tokens are kept in thousandths
 * of a byte so that a refill after one millisecond at any rate from
 * UPLOAD_MIN_RATE on adds a whole number of them.
 */
#include <sys/types.h>
#include <sys/queue.h>
#include <sys/socket.h>

#include <stdlib.h>
#include <string.h>

#include "upload.h"

struct upload_dgram {
	TAILQ_ENTRY(upload_dgram) entry;
	int			 sock;
	socklen_t		 tolen;
	struct sockaddr_storage	 to;
	size_t			 len;
	uint8_t			 buf[];
};

void
upload_init(struct upload *u, uint64_t rate, upload_send_fn *send,
    void *arg, uint64_t now)
{
	memset(u, 0, sizeof(*u));
	u->rate = rate;
	u->burst = rate / 10 > UPLOAD_MIN_BURST ? rate / 10 :
	    UPLOAD_MIN_BURST;
	u->tokens = u->burst * 1000;
	u->qmax = rate < UPLOAD_MIN_QUEUE ? UPLOAD_MIN_QUEUE :
	    rate > UPLOAD_MAX_QUEUE ? UPLOAD_MAX_QUEUE : rate;
	u->at = now;
	u->send = send;
	u->arg = arg;
	TAILQ_INIT(&u->q);
}

void
upload_free(struct upload *u)
{
	struct upload_dgram	*d;

	while ((d = TAILQ_FIRST(&u->q)) != NULL) {
		TAILQ_REMOVE(&u->q, d, entry);
		free(d);
	}
	u->qbytes = u->qlen = 0;
}

static void
refill(struct upload *u, uint64_t now)
{
	uint64_t	dt, cap = u->burst * 1000;

	if (now <= u->at)
		return;
	dt = now - u->at;
	u->at = now;
	/* a full bucket's worth of time is as good as any longer */
	if (dt >= cap / u->rate + 1) {
		u->tokens = cap;
		return;
	}
	u->tokens += u->rate * dt;
	if (u->tokens > cap)
		u->tokens = cap;
}

static int
take(struct upload *u, size_t len)
{
	if (u->rate != 0) {
		if (u->tokens < (uint64_t)len * 1000)
			return (0);
		u->tokens -= (uint64_t)len * 1000;
	}
	u->sent++;
	u->sent_bytes += len;
	return (1);
}

void
upload_flush(struct upload *u, uint64_t now)
{
	struct upload_dgram	*d;

	if (u->rate == 0)
		return;
	refill(u, now);
	while ((d = TAILQ_FIRST(&u->q)) != NULL && take(u, d->len)) {
		TAILQ_REMOVE(&u->q, d, entry);
		u->qbytes -= d->len;
		u->qlen--;
		u->send(u->arg, d->sock, d->buf, d->len,
		    (struct sockaddr *)&d->to, d->tolen);
		free(d);
	}
}

void
upload_send(struct upload *u, int sock, const void *buf, size_t len,
    const struct sockaddr *to, socklen_t tolen, uint64_t now)
{
	struct upload_dgram	*d;

	upload_flush(u, now);
	if (TAILQ_EMPTY(&u->q) && take(u, len)) {
		u->send(u->arg, sock, buf, len, to, tolen);
		return;
	}
	if (u->qbytes + len > u->qmax || tolen > sizeof(d->to) ||
	    (d = malloc(sizeof(*d) + len)) == NULL) {
		u->dropped++;
		u->dropped_bytes += len;
		return;
	}
	d->sock = sock;
	d->tolen = tolen;
	memcpy(&d->to, to, tolen);
	d->len = len;
	memcpy(d->buf, buf, len);
	TAILQ_INSERT_TAIL(&u->q, d, entry);
	u->qbytes += len;
	u->qlen++;
	u->queued++;
}

uint64_t
upload_next(const struct upload *u, uint64_t now)
{
	const struct upload_dgram *d;
	uint64_t		 need;

	if ((d = TAILQ_FIRST(&u->q)) == NULL)
		return (UINT64_MAX);
	need = (uint64_t)d->len * 1000;
	if (u->tokens >= need)
		return (now);
	/* whole milliseconds, rounded up */
	return (u->at + (need - u->tokens + u->rate - 1) / u->rate);
}
