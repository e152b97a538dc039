/* SPDX-License-Identifier: ISC */
/*
 * Tests for kadnet/upload.c, kad.conf's upload-limit: with no limit
 * everything goes at once; the bucket starts full and holds a tenth of
 * a second of the rate (at least UPLOAD_MIN_BURST); what is over it
 * waits in order and goes as the bucket refills, when upload_next says;
 * a full queue drops and counts; over a long run the bytes sent follow
 * the rate whatever the datagrams' sizes; idle time fills the bucket no
 * further than its depth; a clock that steps back adds nothing.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "kadnet/upload.h"
#include "tests/test.h"

static uint64_t	 out_n, out_bytes;
static uint32_t	 out_last;	/* the first 4 bytes of the last datagram */
static int	 out_order_ok = 1;

static void
out(void *arg, int sock, const void *buf, size_t len,
    const struct sockaddr *to, socklen_t tolen)
{
	uint32_t	seq;

	(void)arg;
	(void)to;
	if (sock != 7 || tolen != sizeof(struct sockaddr_in))
		out_order_ok = 0;
	memcpy(&seq, buf, sizeof(seq));
	if (out_n > 0 && seq != out_last + 1)
		out_order_ok = 0;
	out_last = seq;
	out_n++;
	out_bytes += len;
}

static void
reset(void)
{
	out_n = out_bytes = 0;
	out_order_ok = 1;
}

/* Offer a datagram of len bytes, numbered. */
static void
offer(struct upload *u, uint32_t seq, size_t len, uint64_t now)
{
	struct sockaddr_in	sin;
	uint8_t			buf[1232];

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	memset(buf, 0, sizeof(buf));
	memcpy(buf, &seq, sizeof(seq));
	upload_send(u, 7, buf, len, (struct sockaddr *)&sin, sizeof(sin), now);
}

int
main(void)
{
	struct upload	u;
	uint64_t	t, want, next;
	uint32_t	i, seq;

	reset();
	upload_init(&u, 0, out, NULL, 1000);
	for (i = 0; i < 100000; i++)
		offer(&u, i, 1232, 1000);
	CHECK(out_n == 100000 && u.queued == 0 && u.dropped == 0 &&
	    upload_next(&u, 1000) == UINT64_MAX,
	    "no limit: everything goes at once");
	upload_free(&u);

	reset();
	upload_init(&u, 1000000, out, NULL, 1000);
	CHECK(u.burst == 100000 && u.qmax == 1000000,
	    "1 MB/s: a bucket of 100 ms, a queue of 1 s");
	for (i = 0; i < 150; i++)
		offer(&u, i, 1000, 1000);
	CHECK(out_n == 100 && u.qlen == 50 && u.queued == 50,
	    "a full bucket goes at once (%llu), the rest waits (%zu)",
	    (unsigned long long)out_n, u.qlen);
	next = upload_next(&u, 1000);
	CHECK(next == 1001, "the head may go in 1 ms (at %llu)",
	    (unsigned long long)next);
	upload_flush(&u, 1001);
	CHECK(out_n == 101 && u.qlen == 49, "1 ms later: one more");
	upload_flush(&u, 1050);
	CHECK(out_n == 150 && u.qlen == 0 && out_order_ok &&
	    upload_next(&u, 1050) == UINT64_MAX,
	    "50 ms later: all of it, in order");
	upload_free(&u);

	/* a full queue drops, and counts */
	reset();
	upload_init(&u, 8192, out, NULL, 0);
	CHECK(u.qmax == UPLOAD_MIN_QUEUE, "a slow rate: the smallest queue");
	for (i = 0; i < 200; i++)
		offer(&u, i, 1000, 0);
	CHECK(u.dropped > 0 && u.dropped_bytes == u.dropped * 1000 &&
	    u.qbytes <= UPLOAD_MIN_QUEUE && out_n + u.qlen + u.dropped ==
	    200, "over the queue: %llu dropped, %zu waiting, %llu sent",
	    (unsigned long long)u.dropped, u.qlen,
	    (unsigned long long)out_n);
	upload_free(&u);

	/* a long run follows the rate, with datagrams of any size */
	reset();
	upload_init(&u, 1000000, out, NULL, 0);
	for (t = 0, seq = 0; t < 10000; t++) {
		upload_flush(&u, t);
		while (u.qlen < 10) {
			offer(&u, seq, 200 + (seq * 37) % 1032, t);
			seq++;
		}
	}
	want = 1000000ULL * 10 + u.burst;
	CHECK(out_bytes <= want && out_bytes + 2 * 1232 >= want &&
	    out_order_ok, "10 s at 1 MB/s: %llu bytes for %llu allowed",
	    (unsigned long long)out_bytes, (unsigned long long)want);
	upload_free(&u);

	/* idle time fills the bucket, never past its depth */
	reset();
	upload_init(&u, UPLOAD_MIN_RATE, out, NULL, 0);
	CHECK(u.burst == UPLOAD_MIN_BURST, "the smallest rate: the smallest "
	    "bucket (%llu bytes)", (unsigned long long)u.burst);
	for (i = 0; i < 40; i++)
		offer(&u, i, 1000, 0);
	upload_flush(&u, 3600000);
	/* 19 go at once, 19 more after the hour: 19,712 bytes a bucket */
	CHECK(out_n == 38 && u.qlen == 2, "an hour idle: one bucket more, "
	    "not an hour's worth (%llu sent)", (unsigned long long)out_n);
	upload_free(&u);

	/* time that goes backwards adds nothing */
	reset();
	upload_init(&u, 1000000, out, NULL, 5000);
	for (i = 0; i < 101; i++)
		offer(&u, i, 1000, 5000);
	upload_flush(&u, 4000);
	CHECK(out_n == 100 && u.qlen == 1, "a clock step back: no tokens");
	upload_free(&u);

	/* the largest rate kad.conf allows does not overflow */
	reset();
	upload_init(&u, 1ULL << 40, out, NULL, 0);
	offer(&u, 0, 1232, 1ULL << 40);
	offer(&u, 1, 1232, (1ULL << 40) + 1);
	CHECK(out_n == 2 && u.qmax == UPLOAD_MAX_QUEUE,
	    "1 TB/s after a long idle: sends, the queue capped");
	upload_free(&u);
	return (test_done());
}
