/* SPDX-License-Identifier: ISC */
/*
 * Tests for kadnet/upload.c, kad.conf's upload-limit: the bucket starts
 * full, holds a tenth of a second of the rate (at least
 * UPLOAD_MIN_BURST), refills at the rate and never past its depth, and
 * counts what it held; over a long run the bytes let through follow the
 * rate, whatever the datagrams' sizes.
 */
#include <stdint.h>
#include <stdio.h>

#include "kadnet/upload.h"
#include "tests/test.h"

/* Offer len-byte datagrams as fast as allowed for ms milliseconds. */
static uint64_t
drain(struct upload *u, size_t len, uint64_t from, uint64_t ms)
{
	uint64_t	t, bytes = 0;

	for (t = from; t < from + ms; t++)
		while (upload_take(u, len, t))
			bytes += len;
	return (bytes);
}

int
main(void)
{
	struct upload	u;
	uint64_t	got, want, i;
	int		ok;

	upload_init(&u, 0, 1000);
	for (i = 0, ok = 1; i < 100000; i++)
		ok &= upload_take(&u, 1232, 1000);
	CHECK(ok && u.held == 0 && u.sent == 100000,
	    "no limit: everything goes, counted");

	upload_init(&u, 1000000, 1000);
	CHECK(u.burst == 100000, "1 MB/s: a bucket of 100 ms (%llu bytes)",
	    (unsigned long long)u.burst);
	got = drain(&u, 1000, 1000, 1);
	CHECK(got == 100000, "a full bucket at once (%llu bytes)",
	    (unsigned long long)got);
	CHECK(!upload_take(&u, 1000, 1000) && u.held >= 1 &&
	    u.held_bytes >= 1000, "over the limit: held and counted");
	CHECK(upload_take(&u, 1000, 1001), "1 ms later: 1,000 bytes more");
	CHECK(!upload_take(&u, 1, 1001), "and not a byte beyond");

	/* a long run follows the rate, with datagrams of any size */
	upload_init(&u, 1000000, 0);
	got = drain(&u, 1232, 0, 10000);
	want = 1000000ULL * 10 + u.burst;
	CHECK(got <= want && got + 1232 * 10000 / 1000 >= want - 1232,
	    "10 s at 1 MB/s: %llu bytes for %llu allowed",
	    (unsigned long long)got, (unsigned long long)want);

	/* idle time fills the bucket, never past its depth */
	upload_init(&u, UPLOAD_MIN_RATE, 0);
	CHECK(u.burst == UPLOAD_MIN_BURST, "the smallest rate: the smallest "
	    "bucket (%llu bytes)", (unsigned long long)u.burst);
	(void)drain(&u, 100, 0, 1);
	got = drain(&u, 100, 3600000, 1);
	CHECK(got >= u.burst - 100 && got <= u.burst + 100,
	    "an hour idle: one bucket, not an hour's worth (%llu)",
	    (unsigned long long)got);

	/* time that goes backwards adds nothing */
	upload_init(&u, 1000000, 5000);
	(void)drain(&u, 1000, 5000, 1);
	CHECK(!upload_take(&u, 1000, 4000), "a clock step back: no tokens");

	/* the largest rate kad.conf allows does not overflow */
	upload_init(&u, 1ULL << 40, 0);
	CHECK(upload_take(&u, 1232, 1ULL << 40) && upload_take(&u,
	    1232, (1ULL << 40) + 1), "1 TB/s after a long idle: sends");
	return (test_done());
}
