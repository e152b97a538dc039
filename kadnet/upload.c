/* SPDX-License-Identifier: ISC */
/*
 * The upload limit's token bucket (upload.h).  Tokens are kept in
 * thousandths of a byte so that a refill after one millisecond at any
 * rate from UPLOAD_MIN_RATE on adds a whole number of them.
 */
#include <string.h>

#include "upload.h"

void
upload_init(struct upload *u, uint64_t rate, uint64_t now)
{
	memset(u, 0, sizeof(*u));
	u->rate = rate;
	u->burst = rate / 10 > UPLOAD_MIN_BURST ? rate / 10 :
	    UPLOAD_MIN_BURST;
	u->tokens = u->burst * 1000;
	u->at = now;
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

int
upload_take(struct upload *u, size_t len, uint64_t now)
{
	if (u->rate != 0) {
		refill(u, now);
		if (u->tokens < (uint64_t)len * 1000) {
			u->held++;
			u->held_bytes += len;
			return (0);
		}
		u->tokens -= (uint64_t)len * 1000;
	}
	u->sent++;
	u->sent_bytes += len;
	return (1);
}
