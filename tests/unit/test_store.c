/* SPDX-License-Identifier: ISC */
/*
 * Unit tests for kadstore/store_tc.c, the Tokyo Cabinet chunk store:
 * round trips, input checks, pin accounting, LRU eviction order, the
 * counters across reopen, iteration, each chunk's copies across a
 * restart, the on-disk options, the index rebuild, and a speed
 * measurement printed as a "# " line.
 * Crash and full-disk behaviour: test_store_crash.c.
 */
#include <sys/types.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <sys/wait.h>
#include <linux/magic.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <tcutil.h>
#include <tchdb.h>

#include "log.h"
#include "kadstore/store_tc.h"
#include "tests/test.h"

#define NPERF		100000
#define PERF_BATCH	1000

static char	 tdir[] = "/tmp/kad-test-store.XXXXXX";
static EVP_MD	*sha256;

/* Deterministic contents of chunk number n. */
static void
mkdata(uint32_t n, size_t len, uint8_t *buf)
{
	uint32_t	 x = n * 2654435761u + 1;
	size_t		 i;

	for (i = 0; i < len; i++) {
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		buf[i] = x & 0xff;
	}
}

/* Chunk number n of len bytes, and its key. */
static void
mkchunk(uint32_t n, size_t len, uint8_t *buf, uint8_t key[STORE_KEY_LEN])
{
	unsigned int	 mdlen;

	mkdata(n, len, buf);
	if (EVP_Digest(len ? (void *)buf : (void *)"", len, key, &mdlen,
	    sha256, NULL) != 1 || mdlen != STORE_KEY_LEN)
		abort();
}

static int
put_n(struct store *s, uint32_t n, size_t len, int pin, uint8_t key[32])
{
	uint8_t	 buf[STORE_CHUNK_MAX];

	mkchunk(n, len, buf, key);
	return (store_put(s, key, buf, len, pin));
}

static int
has_n(struct store *s, uint32_t n, size_t len)
{
	uint8_t	 buf[STORE_CHUNK_MAX], key[STORE_KEY_LEN];

	mkchunk(n, len, buf, key);
	return (store_has(s, key));
}

static int
get_n(struct store *s, uint32_t n, size_t len)
{
	uint8_t	 buf[STORE_CHUNK_MAX], out[STORE_CHUNK_MAX];
	uint8_t	 key[STORE_KEY_LEN];
	size_t	 olen;

	mkchunk(n, len, buf, key);
	if (store_get(s, key, out, sizeof(out), &olen) == -1)
		return (-1);
	return (olen == len && memcmp(buf, out, len) == 0 ? 0 : -2);
}

static void
rmstore(void)
{
	const char	*names[] = { STORE_CHUNK_DB, STORE_LRU_DB,
	    STORE_CHUNK_DB ".wal", STORE_LRU_DB ".wal" };
	char		 p[PATH_MAX];
	size_t		 i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		(void)snprintf(p, sizeof(p), "%s/%s", tdir, names[i]);
		(void)unlink(p);
	}
}

static struct store *
reopen_share(struct store *s, uint64_t limit, unsigned share)
{
	struct store_conf	 conf;

	if (s != NULL)
		store_close(s);
	memset(&conf, 0, sizeof(conf));
	conf.limit = limit;
	conf.share = share;
	conf.bnum = 4093;	/* small files for the unit tests */
	conf.xmsiz = 8 << 20;
	return (store_open(tdir, &conf));
}

static struct store *
reopen(struct store *s, uint64_t limit)
{
	return (reopen_share(s, limit, 0));
}

static int
verify_ok(struct store *s, const char *what)
{
	struct store_stats	 scan;
	int			 r;

	r = store_verify(s, &scan);
	CHECK(r == 0, "%s: verify (%s)", what, r == 0 ? "ok" :
	    store_errstr(s));
	return (r);
}

static void
test_roundtrip(void)
{
	static const struct {
		size_t	len;
		int	pin;
	} t[] = {
		{ 0, 0 }, { 1, 0 }, { 100, 1 }, { 1023, 0 },
		{ STORE_CHUNK_MAX, 0 }, { STORE_CHUNK_MAX, 1 },
	};
	struct store		*s;
	struct store_stats	 st;
	uint8_t			 key[STORE_KEY_LEN];
	uint64_t		 bytes = 0, pinned = 0;
	size_t			 i, len;
	uint32_t		 pins;

	rmstore();
	s = reopen(NULL, 0);
	CHECK(s != NULL, "open an empty store");
	if (s == NULL)
		return;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		CHECK(has_n(s, 100 + i, t[i].len) == 0,
		    "len %zu: absent first", t[i].len);
		CHECK(put_n(s, 100 + i, t[i].len, t[i].pin, key) == 0,
		    "len %zu pin %d: put", t[i].len, t[i].pin);
		CHECK(has_n(s, 100 + i, t[i].len) == 1,
		    "len %zu: has", t[i].len);
		CHECK(get_n(s, 100 + i, t[i].len) == 0,
		    "len %zu: get returns the same bytes", t[i].len);
		CHECK(store_info(s, key, &len, &pins) == 0 &&
		    len == t[i].len && pins == (uint32_t)t[i].pin,
		    "len %zu: info says len %zu, %u pins", t[i].len,
		    t[i].len, t[i].pin);
		bytes += t[i].len;
		pinned += t[i].pin;
	}
	store_stats(s, &st);
	CHECK(st.chunks == i && st.bytes == bytes && st.pinned == pinned,
	    "counters: %llu chunks, %llu bytes, %llu pinned",
	    (unsigned long long)st.chunks, (unsigned long long)st.bytes,
	    (unsigned long long)st.pinned);
	/* every empty chunk is the same chunk: this pins the first one */
	CHECK(put_n(s, 999, 0, 1, key) == 0 && store_info(s, key, &len,
	    &pins) == 0 && len == 0 && pins == 1, "the empty chunk, pinned");
	store_stats(s, &st);
	pinned++;
	CHECK(st.chunks == i && st.pinned == pinned,
	    "one empty chunk, now pinned");
	/* uncommitted, and visible; close commits */
	s = reopen(s, 0);
	CHECK(s != NULL && get_n(s, 105, STORE_CHUNK_MAX) == 0,
	    "close commits the open batch");
	if (s != NULL) {
		store_stats(s, &st);
		CHECK(st.chunks == i && st.bytes == bytes &&
		    st.pinned == pinned, "counters survive close/reopen");
		(void)verify_ok(s, "roundtrip");
		store_close(s);
	}
}

static void
test_errors(void)
{
	struct store		*s;
	struct store_stats	 st0, st;
	uint8_t			 buf[STORE_CHUNK_MAX + 1], key[STORE_KEY_LEN];
	uint8_t			 bad[STORE_KEY_LEN], small[10];
	size_t			 len;
	int			 r;

	rmstore();
	if ((s = reopen(NULL, 0)) == NULL) {
		CHECK(0, "open");
		return;
	}
	mkchunk(1, 500, buf, key);
	store_stats(s, &st0);

	memcpy(bad, key, sizeof(bad));
	bad[31] ^= 1;
	errno = 0;
	r = store_put(s, bad, buf, 500, 0);
	CHECK(r == -1 && errno == EINVAL, "hash mismatch rejected: EINVAL");
	CHECK(strstr(store_errstr(s), "SHA-256") != NULL,
	    "error text: %s", store_errstr(s));
	CHECK(store_has(s, bad) == 0 && store_has(s, key) == 0,
	    "nothing stored after a mismatch");
	errno = 0;
	r = store_put(s, key, buf, 499, 0);
	CHECK(r == -1 && errno == EINVAL, "wrong length: EINVAL");
	mkchunk(2, STORE_CHUNK_MAX + 1, buf, bad);
	errno = 0;
	r = store_put(s, bad, buf, STORE_CHUNK_MAX + 1, 0);
	CHECK(r == -1 && errno == EINVAL, "%d bytes: EINVAL",
	    STORE_CHUNK_MAX + 1);
	errno = 0;
	r = store_put(s, key, NULL, 10, 0);
	CHECK(r == -1 && errno == EINVAL, "NULL data: EINVAL");
	store_stats(s, &st);
	CHECK(st.chunks == st0.chunks && st.bytes == st0.bytes,
	    "rejected puts leave the counters alone");

	errno = 0;
	r = store_get(s, key, buf, sizeof(buf), &len);
	CHECK(r == -1 && errno == ENOENT, "get of a missing chunk: ENOENT");
	errno = 0;
	r = store_unpin(s, key);
	CHECK(r == -1 && errno == ENOENT, "unpin of a missing chunk: ENOENT");
	errno = 0;
	r = store_info(s, key, &len, NULL);
	CHECK(r == -1 && errno == ENOENT, "info of a missing chunk: ENOENT");

	CHECK(put_n(s, 1, 500, 0, key) == 0, "put 500 bytes");
	errno = 0;
	r = store_get(s, key, small, sizeof(small), &len);
	CHECK(r == -1 && errno == ERANGE, "get into 10 bytes: ERANGE");
	errno = 0;
	r = store_unpin(s, key);
	CHECK(r == -1 && errno == EINVAL, "unpin of an unpinned chunk: "
	    "EINVAL");
	(void)verify_ok(s, "errors");
	store_close(s);
}

static void
test_pins(void)
{
	struct store		*s;
	struct store_stats	 st;
	uint8_t			 key[STORE_KEY_LEN];
	uint32_t		 pins;
	size_t			 len;
	int			 i;

	rmstore();
	if ((s = reopen(NULL, 0)) == NULL) {
		CHECK(0, "open");
		return;
	}
	CHECK(put_n(s, 7, 300, 0, key) == 0, "put unpinned");
	CHECK(put_n(s, 7, 300, 0, key) == 0, "put it again");
	store_stats(s, &st);
	CHECK(st.chunks == 1 && st.bytes == 300 && st.pinned == 0,
	    "a second put is not counted twice");
	CHECK(put_n(s, 7, 300, 1, key) == 0, "pinned put of it");
	store_stats(s, &st);
	CHECK(store_info(s, key, &len, &pins) == 0 && pins == 1,
	    "now 1 pin");
	CHECK(st.chunks == 1 && st.bytes == 300 && st.pinned == 1 &&
	    st.pinned_bytes == 300, "pinned 1 chunk, 300 bytes");
	for (i = 0; i < 2; i++)
		(void)put_n(s, 7, 300, 1, key);
	store_stats(s, &st);
	CHECK(store_info(s, key, &len, &pins) == 0 && pins == 3 &&
	    st.pinned == 1, "3 pins, still 1 pinned chunk");
	s = reopen(s, 0);
	if (s == NULL) {
		CHECK(0, "reopen");
		return;
	}
	CHECK(store_info(s, key, &len, &pins) == 0 && pins == 3,
	    "the pin count persists");
	for (i = 0; i < 3; i++)
		CHECK(store_unpin(s, key) == 0, "unpin %d", i + 1);
	store_stats(s, &st);
	CHECK(store_info(s, key, &len, &pins) == 0 && pins == 0 &&
	    st.pinned == 0 && st.pinned_bytes == 0 && st.chunks == 1,
	    "unpinned, still stored");
	errno = 0;
	CHECK(store_unpin(s, key) == -1 && errno == EINVAL,
	    "a fourth unpin: EINVAL");
	(void)verify_ok(s, "pins");
	store_close(s);
}

/*
 * LRU order.  10 chunks of 100 bytes fill a 1000-byte limit; each
 * script step is a get (refresh) or a put of a new chunk, and the
 * table says which chunks must be left afterwards.
 */
static void
test_lru(void)
{
	static const struct {
		char		op;	/* 'g'et, 'p'ut */
		uint32_t	n;
		const char	*left;	/* chunk numbers present, in order */
	} t[] = {
		{ 'p', 10, "1 2 3 4 5 6 7 8 9 10" },	/* 0 was oldest */
		{ 'g', 1, "1 2 3 4 5 6 7 8 9 10" },
		{ 'p', 11, "1 3 4 5 6 7 8 9 10 11" },	/* 2, not 1 */
		{ 'g', 3, "1 3 4 5 6 7 8 9 10 11" },
		{ 'g', 4, "1 3 4 5 6 7 8 9 10 11" },
		{ 'p', 12, "1 3 4 6 7 8 9 10 11 12" },	/* 5 */
		{ 'p', 13, "1 3 4 7 8 9 10 11 12 13" },	/* 6 */
		{ 'p', 14, "1 3 4 8 9 10 11 12 13 14" },/* 7 */
		{ 'p', 15, "1 3 4 9 10 11 12 13 14 15" },/* 8 */
		{ 'p', 16, "1 3 4 10 11 12 13 14 15 16" },/* 9 */
		{ 'p', 17, "1 3 4 11 12 13 14 15 16 17" },/* 10 */
	};
	struct store		*s;
	struct store_stats	 st;
	uint8_t			 key[STORE_KEY_LEN];
	char			 want[64], got[64];
	uint32_t		 n;
	size_t			 i;
	int			 o;

	rmstore();
	if ((s = reopen(NULL, 1000)) == NULL) {
		CHECK(0, "open");
		return;
	}
	for (n = 0; n < 10; n++)
		(void)put_n(s, n, 100, 0, key);
	store_stats(s, &st);
	CHECK(st.chunks == 10 && st.bytes == 1000 && st.evicted == 0,
	    "10 x 100 bytes fit a 1000-byte limit");
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		if (t[i].op == 'g')
			(void)get_n(s, t[i].n, 100);
		else
			(void)put_n(s, t[i].n, 100, 0, key);
		/* commit now and then: order must not depend on batches */
		if (i % 3 == 2)
			(void)store_commit(s);
		got[0] = '\0';
		o = 0;
		for (n = 0; n < 20; n++)
			if (has_n(s, n, 100) == 1)
				o += snprintf(got + o, sizeof(got) - o, "%s%u",
				    o ? " " : "", n);
		(void)snprintf(want, sizeof(want), "%s", t[i].left);
		CHECK(strcmp(got, want) == 0, "step %zu (%c %u): left %s",
		    i, t[i].op, t[i].n, got);
	}
	store_stats(s, &st);
	CHECK(st.chunks == 10 && st.bytes == 1000 && st.evicted == 8,
	    "8 evicted, 10 left");
	(void)verify_ok(s, "lru");
	/* the order survives a reopen (ticks live in the records) */
	s = reopen(s, 1000);
	if (s == NULL) {
		CHECK(0, "reopen");
		return;
	}
	(void)put_n(s, 18, 100, 0, key);
	CHECK(has_n(s, 1, 100) == 0 && has_n(s, 11, 100) == 1,
	    "after reopen the oldest (1) goes first");
	/* a smaller limit evicts at open, oldest first */
	s = reopen(s, 500);
	if (s == NULL) {
		CHECK(0, "reopen");
		return;
	}
	store_stats(s, &st);
	CHECK(st.bytes == 500 && has_n(s, 14, 100) == 1 &&
	    has_n(s, 13, 100) == 0, "limit 500 at open keeps the 5 youngest");
	(void)verify_ok(s, "lru reopen");
	store_close(s);
}

/*
 * Only a chunk near the eviction end is refreshed by a read: a read of a
 * young one writes nothing (no batch opens) and leaves it to go in
 * insertion order; a read of one of the oldest n/8 moves it.
 */
static void
test_lru_tail(void)
{
	struct store		*s;
	uint8_t			 key[STORE_KEY_LEN];
	uint32_t		 n;
	int			 gone;

	rmstore();
	if ((s = reopen(NULL, 1600)) == NULL) {
		CHECK(0, "open");
		return;
	}
	for (n = 0; n < 16; n++)	/* 16 x 100 bytes, tail: 16/8 + 1 */
		(void)put_n(s, n, 100, 0, key);
	CHECK(store_commit(s) == 0 && !store_dirty(s), "16 chunks committed");
	CHECK(get_n(s, 8, 100) == 0 && get_n(s, 3, 100) == 0 &&
	    !store_dirty(s), "a read of younger chunks (8, 3) writes nothing");
	CHECK(get_n(s, 1, 100) == 0 && store_dirty(s),
	    "a read of one of the oldest three (1) is a refresh");
	CHECK(store_commit(s) == 0, "commit");
	for (n = 16; n < 26; n++)
		(void)put_n(s, n, 100, 0, key);
	/* 10 new: the oldest 10 of 0, 2..15 go, in insertion order */
	gone = 0;
	for (n = 0; n < 16; n++)
		gone += has_n(s, n, 100) == 0;
	CHECK(gone == 10 && has_n(s, 1, 100) == 1 && has_n(s, 2, 100) == 0 &&
	    has_n(s, 8, 100) == 0 && has_n(s, 10, 100) == 0 &&
	    has_n(s, 11, 100) == 1, "10 evicted: 0, 2..10 (read while young "
	    "or not), 1 (refreshed) stays");
	(void)verify_ok(s, "lru tail");
	store_close(s);
}

static void
test_pinned_eviction(void)
{
	struct store		*s;
	struct store_stats	 st;
	uint8_t			 key[STORE_KEY_LEN], pkey[STORE_KEY_LEN];
	uint32_t		 n;
	int			 ok;

	rmstore();
	if ((s = reopen(NULL, 1000)) == NULL) {
		CHECK(0, "open");
		return;
	}
	for (n = 0; n < 5; n++)
		(void)put_n(s, 1000 + n, 100, 1, key);
	for (n = 0; n < 20; n++)
		(void)put_n(s, n, 100, 0, key);
	ok = 1;
	for (n = 0; n < 5; n++)
		ok &= has_n(s, 1000 + n, 100) == 1;
	store_stats(s, &st);
	CHECK(ok, "pinned chunks are never evicted");
	CHECK(st.bytes == 1000 && st.pinned_bytes == 500 && st.chunks == 10,
	    "5 pinned + the 5 youngest unpinned");
	CHECK(has_n(s, 14, 100) == 0 && has_n(s, 15, 100) == 1,
	    "the unpinned survivors are the youngest");

	/* pinned data over the limit: unpinned puts cannot fit */
	for (n = 5; n < 11; n++)
		(void)put_n(s, 1000 + n, 100, 1, pkey);
	store_stats(s, &st);
	CHECK(st.pinned_bytes == 1100 && st.bytes == 1100,
	    "pinned puts are accepted over the limit, unpinned evicted");
	errno = 0;
	CHECK(put_n(s, 50, 100, 0, key) == -1 && errno == ENOSPC,
	    "an unpinned put that cannot fit: ENOSPC");
	CHECK(has_n(s, 50, 100) == 0, "and it is not stored");
	/* unpin the last pinned chunk: over the limit, so it goes */
	CHECK(store_unpin(s, pkey) == 0, "unpin one");
	store_stats(s, &st);
	CHECK(has_n(s, 1010, 100) == 0 && st.bytes == 1000 &&
	    st.pinned_bytes == 1000, "the unpinned chunk is evicted at once");
	/* unpin then evictable, after the older ones */
	(void)put_n(s, 1000, 100, 0, key);	/* an access, pins stay */
	for (n = 0; n < 3; n++)
		CHECK(put_n(s, 1000 + n, 100, 0, key) == 0 &&
		    store_unpin(s, key) == 0, "unpin %u", 1000 + n);
	CHECK(has_n(s, 1000, 100) == 1 && has_n(s, 1002, 100) == 1,
	    "unpinned chunks stay while under the limit");
	(void)put_n(s, 60, 100, 0, key);
	CHECK(has_n(s, 1000, 100) == 0 && has_n(s, 1001, 100) == 1,
	    "then the first unpinned goes first");
	(void)put_n(s, 61, 100, 0, key);
	(void)put_n(s, 62, 100, 0, key);
	CHECK(has_n(s, 1002, 100) == 0 && has_n(s, 60, 100) == 1 &&
	    has_n(s, 1003, 100) == 1, "then the others, oldest first");
	(void)verify_ok(s, "pinned eviction");
	store_close(s);
}

/* Chunk n of len bytes, put for a source (a peer's network). */
static int
put_src(struct store *s, uint32_t n, size_t len, uint64_t source)
{
	uint8_t	 buf[STORE_CHUNK_MAX], key[STORE_KEY_LEN];

	mkchunk(n, len, buf, key);
	return (store_put_src(s, key, buf, len, 0, 0, source));
}

/* How many of chunks first..first+n-1 are stored. */
static uint32_t
count_n(struct store *s, uint32_t first, uint32_t n, size_t len)
{
	uint32_t	 i, c = 0;

	for (i = 0; i < n; i++)
		c += has_n(s, first + i, len) == 1;
	return (c);
}

/* A source's bytes and chunks are what was expected of it. */
static int
src_is(struct store *s, uint64_t source, uint64_t bytes, uint64_t chunks)
{
	uint64_t	 b, c;

	store_source(s, source, &b, &c);
	return (b == bytes && c == chunks);
}

#define SRC_A	0x6c7f000001000000ULL	/* 127.0.0.1, as kadnet's netkey */
#define SRC_B	0x6c7f000002000000ULL
#define SRC_F	0x04c0a80100000000ULL	/* 192.168.1/24: the flooder */
#define SRC_G	0x040a000000000000ULL

/*
 * Per-source quotas: a flood from one source evicts its own chunks and
 * never the others'; the accounting survives a reopen and a rebuild of
 * the index; our own puts and small sources take from the largest
 * source over its share first.
 */
static void
test_sources(void)
{
	struct store		*s;
	struct store_stats	 st;
	uint8_t			 key[STORE_KEY_LEN], buf[STORE_CHUNK_MAX];
	char			 p[PATH_MAX];
	uint32_t		 n;
	int			 ok, i;

	rmstore();
	/* 100 chunks of 1000 bytes; 5%: 5000 bytes a source */
	if ((s = reopen_share(NULL, 100000, 5)) == NULL) {
		CHECK(0, "open");
		return;
	}
	ok = 1;
	for (n = 0; n < 30; n++)
		ok &= put_src(s, n, 1000, SRC_A) == 0;
	for (n = 0; n < 20; n++)
		ok &= put_src(s, 100 + n, 1000, SRC_B) == 0;
	CHECK(ok && src_is(s, SRC_A, 30000, 30) && src_is(s, SRC_B, 20000, 20),
	    "two sources: 30 and 20 chunks accounted");
	store_stats(s, &st);
	CHECK(st.sources == 2 && st.source_bytes == 50000 &&
	    st.source_max == 30000 && st.share == 5000,
	    "stats: 2 sources, 50000 bytes, largest 30000, share 5000");

	/* the case: 400 junk chunks from one address */
	ok = 1;
	for (n = 0; n < 400; n++)
		ok &= put_src(s, 1000 + n, 1000, SRC_F) == 0;
	store_stats(s, &st);
	CHECK(ok && count_n(s, 0, 30, 1000) == 30 &&
	    count_n(s, 100, 20, 1000) == 20,
	    "a flood of 400 from one source evicts none of the others'");
	CHECK(src_is(s, SRC_F, 50000, 50) && st.bytes == 100000 &&
	    st.evicted == 350 && st.evicted_share == 350,
	    "the flooder filled the free room, then evicted its own 350 "
	    "(%llu evicted)", (unsigned long long)st.evicted);
	CHECK(count_n(s, 1350, 50, 1000) == 50 && has_n(s, 1349, 1000) == 0,
	    "its youngest 50 are what stays");
	(void)verify_ok(s, "after the flood");

	/* restart, then an index rebuild: the accounting comes back */
	if ((s = reopen_share(s, 100000, 5)) == NULL) {
		CHECK(0, "reopen");
		return;
	}
	CHECK(src_is(s, SRC_A, 30000, 30) && src_is(s, SRC_B, 20000, 20) &&
	    src_is(s, SRC_F, 50000, 50), "reopened: sources counted again");
	(void)verify_ok(s, "reopened");
	store_close(s);
	(void)snprintf(p, sizeof(p), "%s/%s", tdir, STORE_LRU_DB);
	(void)unlink(p);
	if ((s = reopen_share(NULL, 100000, 5)) == NULL) {
		CHECK(0, "reopen without an index");
		return;
	}
	CHECK(src_is(s, SRC_A, 30000, 30) && src_is(s, SRC_B, 20000, 20) &&
	    src_is(s, SRC_F, 50000, 50), "index rebuilt: sources kept");
	(void)verify_ok(s, "rebuilt");
	for (n = 0; n < 100; n++)
		(void)put_src(s, 2000 + n, 1000, SRC_F);
	CHECK(count_n(s, 0, 30, 1000) == 30 &&
	    count_n(s, 100, 20, 1000) == 20 && src_is(s, SRC_F, 50000, 50) &&
	    count_n(s, 2050, 50, 1000) == 50, "after the rebuild the flood "
	    "still only evicts its own, oldest first");

	/* our own chunks take from the largest source over its share */
	for (n = 0; n < 10; n++)
		(void)put_src(s, 3000 + n, 1000, 0);
	CHECK(count_n(s, 3000, 10, 1000) == 10 &&
	    src_is(s, SRC_F, 40000, 40) && count_n(s, 0, 30, 1000) == 30,
	    "10 own chunks evicted 10 of the flooder's, the largest");
	/* as does a source under its share */
	CHECK(put_src(s, 4000, 1000, SRC_G) == 0 &&
	    src_is(s, SRC_G, 1000, 1) && src_is(s, SRC_F, 39000, 39),
	    "a new small source's chunk evicts one of the largest's");
	/* a chunk put again by another source stays the first one's */
	CHECK(put_src(s, 0, 1000, SRC_G) == 0 &&
	    src_is(s, SRC_A, 30000, 30) && src_is(s, SRC_G, 1000, 1),
	    "a chunk stored again keeps its first source");

	/* pinned chunks count for nobody; unpinned, for their source */
	mkchunk(0, 1000, buf, key);
	CHECK(store_put(s, key, buf, 1000, 1) == 0 &&
	    src_is(s, SRC_A, 29000, 29), "pinned: no longer A's");
	CHECK(store_unpin(s, key) == 0 && src_is(s, SRC_A, 30000, 30),
	    "unpinned: A's again");
	CHECK(store_drop(s, key, 0) == 0 && src_is(s, SRC_A, 29000, 29),
	    "dropped: gone from A's count");
	(void)verify_ok(s, "pins and drops");

	/* the global LRU once no source is over its share */
	if ((s = reopen_share(s, 100000, 100)) == NULL) {
		CHECK(0, "reopen with source-share 100%%");
		return;
	}
	store_stats(s, &st);
	CHECK(st.share == 100000, "share 100%%: the whole limit");
	for (i = 0; i < 5; i++)
		(void)put_src(s, 5000 + i, 1000, SRC_F);
	/* 99 chunks stored: the first fills the room, 4 evict */
	CHECK(count_n(s, 1, 4, 1000) == 0 && count_n(s, 5, 25, 1000) == 25 &&
	    count_n(s, 5000, 5, 1000) == 5,
	    "with no source over its share, the oldest go, whoever's");
	(void)verify_ok(s, "global LRU");
	store_close(s);
}

static void
test_iter(void)
{
	struct store	*s;
	uint8_t		 keys[300][STORE_KEY_LEN], k[STORE_KEY_LEN];
	char		 seen[300];
	int		 i, n, r, dup = 0, unknown = 0;

	rmstore();
	if ((s = reopen(NULL, 0)) == NULL) {
		CHECK(0, "open");
		return;
	}
	for (i = 0; i < 300; i++)
		(void)put_n(s, i, (size_t)i * 3, i % 7 == 0, keys[i]);
	(void)store_commit(s);
	memset(seen, 0, sizeof(seen));
	CHECK(store_iter_begin(s) == 0, "iter begin");
	n = 0;
	while ((r = store_iter_next(s, k)) == 1) {
		n++;
		for (i = 0; i < 300; i++)
			if (memcmp(keys[i], k, STORE_KEY_LEN) == 0)
				break;
		if (i == 300)
			unknown++;
		else if (seen[i]++)
			dup++;
	}
	CHECK(r == 0 && n == 300 && dup == 0 && unknown == 0,
	    "iteration returns each of the 300 keys once (%d, %d dup, "
	    "%d unknown)", n, dup, unknown);
	store_close(s);
}

/* A scan's copies: each key of the iteration with its count (-1: none). */
static int
scan_copies(struct store *s, uint8_t keys[][STORE_KEY_LEN], int nkeys,
    unsigned *copies)
{
	uint8_t		 k[STORE_KEY_LEN];
	unsigned	 c;
	int		 i, r, n = 0;

	for (i = 0; i < nkeys; i++)
		copies[i] = 0;
	if (store_iter_begin(s) == -1)
		return (-1);
	while ((r = store_iter_next(s, k)) == 1) {
		for (i = 0; i < nkeys; i++)
			if (memcmp(keys[i], k, STORE_KEY_LEN) == 0)
				break;
		if (i == nkeys || store_copies(s, k, &c) == -1)
			return (-1);
		copies[i] = c;
		n++;
	}
	return (r == 0 ? n : -1);
}

/* Zero chunk n's copies field in the file, as a store before them had. */
static int
old_record(uint8_t key[STORE_KEY_LEN])
{
	char	 p[PATH_MAX];
	TCHDB	*h;
	char	 v[16 + STORE_CHUNK_MAX];
	int	 n, rv = -1;

	(void)snprintf(p, sizeof(p), "%s/%s", tdir, STORE_CHUNK_DB);
	if ((h = tchdbnew()) == NULL)
		return (-1);
	if (tchdbopen(h, p, HDBOWRITER) &&
	    (n = tchdbget3(h, key, STORE_KEY_LEN, v, sizeof(v))) >= 16) {
		memset(v + 12, 0, 4);
		if (tchdbput(h, key, STORE_KEY_LEN, v, n))
			rv = 0;
	}
	if (!tchdbclose(h))
		rv = -1;
	tchdbdel(h);
	return (rv);
}

/*
 * Each chunk keeps the copies its puts named, the largest of them,
 * across a restart and an index rebuild; a record written before they
 * were kept reads as 8.
 */
static void
test_copies(void)
{
	struct store	*s;
	uint8_t		 keys[7][STORE_KEY_LEN], buf[STORE_CHUNK_MAX];
	unsigned	 c[7], one;
	char		 p[PATH_MAX];
	int		 n;

	rmstore();
	if ((s = reopen(NULL, 0)) == NULL) {
		CHECK(0, "open");
		return;
	}
	mkchunk(0, 100, buf, keys[0]);
	CHECK(store_put_copies(s, keys[0], buf, 100, 0, 2) == 0, "a chunk "
	    "of 2 copies");
	mkchunk(1, 100, buf, keys[1]);
	CHECK(store_put_copies(s, keys[1], buf, 100, 1, 2) == 0, "a pinned "
	    "chunk of 2 copies (the publisher's fast path)");
	(void)put_n(s, 2, 100, 0, keys[2]);
	mkchunk(3, 100, buf, keys[3]);
	CHECK(store_put_copies(s, keys[3], buf, 100, 0, 8) == 0 &&
	    store_put_copies(s, keys[3], buf, 100, 0, 2) == 0, "8 copies, "
	    "then 2");
	mkchunk(4, 100, buf, keys[4]);
	CHECK(store_put_copies(s, keys[4], buf, 100, 0, 2) == 0 &&
	    store_put_copies(s, keys[4], buf, 100, 0, 8) == 0, "2 copies, "
	    "then 8");
	mkchunk(5, 100, buf, keys[5]);
	CHECK(store_put_copies(s, keys[5], buf, 100, 1, 2) == 0 &&
	    store_put_copies(s, keys[5], buf, 100, 1, 5) == 0, "pinned with "
	    "2 copies, then pinned again with 5");
	mkchunk(6, 100, buf, keys[6]);
	CHECK(store_put_copies(s, keys[6], buf, 100, 0,
	    STORE_COPIES_MAX + 1) == -1 && errno == EINVAL &&
	    store_has(s, keys[6]) == 0, "%d copies refused, nothing stored",
	    STORE_COPIES_MAX + 1);
	CHECK(store_commit(s) == 0, "commit");
	store_close(s);

	if ((s = reopen(NULL, 0)) == NULL) {
		CHECK(0, "reopen");
		return;
	}
	n = scan_copies(s, keys, 7, c);
	CHECK(n == 6 && c[0] == 2 && c[1] == 2, "after a restart the scan "
	    "returns 2 for the chunks put with 2 (%d keys: %u, %u)", n, c[0],
	    c[1]);
	CHECK(c[2] == STORE_COPIES_DEFAULT && c[3] == 8 && c[4] == 8 &&
	    c[5] == 5, "the default is 8, and a chunk keeps the larger count "
	    "(%u, %u, %u, %u)", c[2], c[3], c[4], c[5]);
	CHECK(store_unpin(s, keys[1]) == 0 && store_copies(s, keys[1], &one) ==
	    0 && one == 2, "an unpin (a rewrite) keeps the count");
	CHECK(store_copies(s, keys[6], &one) == -1 && errno == ENOENT,
	    "no count for a chunk not here: ENOENT");
	(void)verify_ok(s, "copies");
	store_close(s);

	/* the index is derived: its rebuild must not lose a count */
	(void)snprintf(p, sizeof(p), "%s/%s", tdir, STORE_LRU_DB);
	(void)unlink(p);
	if ((s = reopen(NULL, 0)) == NULL) {
		CHECK(0, "reopen without an index");
		return;
	}
	n = scan_copies(s, keys, 7, c);
	CHECK(n == 6 && c[0] == 2 && c[1] == 2 && c[5] == 5, "after an index "
	    "rebuild: still 2, 2 and 5");
	store_close(s);

	CHECK(old_record(keys[0]) == 0, "write chunk 0 as an old record");
	if ((s = reopen(NULL, 0)) == NULL) {
		CHECK(0, "reopen with an old record");
		return;
	}
	CHECK(store_copies(s, keys[0], &one) == 0 && one == 8 &&
	    get_n(s, 0, 100) == 0, "a record from before the counts reads "
	    "as 8 copies, its chunk intact");
	(void)verify_ok(s, "an old record");
	store_close(s);
}

/*
 * Records (kadcrypt's sealed list) and drops (kadctl rm): records are
 * kept across a reopen and never seen as chunks, by the iterator, the
 * counters or the verifier; a drop takes a chunk out with its LRU entry
 * and its counts, and leaves one that another file still pins.
 */
static void
test_records_drop(void)
{
	struct store		*s;
	struct store_stats	 st;
	uint8_t			 id[STORE_KEY_LEN], k[STORE_KEY_LEN];
	uint8_t			 rec[STORE_REC_MAX], buf[STORE_REC_MAX];
	uint8_t			 k1[32], k2[32], k3[32];
	uint32_t		 pins = 0;
	size_t			 len;
	int			 i, n, r;

	rmstore();
	if ((s = reopen(NULL, 0)) == NULL) {
		CHECK(0, "open");
		return;
	}
	memset(id, 0, sizeof(id));
	memset(rec, 0xab, sizeof(rec));
	for (i = 0; i < 3; i++) {
		id[0] = (uint8_t)i;
		CHECK(store_rec_put(s, id, rec, 100 + i) == 0, "record %d", i);
	}
	CHECK(store_rec_put(s, id, rec, 0) == -1 && errno == EINVAL,
	    "an empty record is refused");
	CHECK(store_rec_put(s, id, rec, STORE_REC_MAX + 1) == -1 &&
	    errno == EINVAL, "a record over the most is refused");
	(void)put_n(s, 1, 500, 1, k1);
	(void)put_n(s, 2, 500, 0, k2);
	(void)put_n(s, 3, 500, 1, k3);
	(void)put_n(s, 3, 500, 1, k3);	/* two files pin it */
	CHECK(store_commit(s) == 0, "commit");
	s = reopen(s, 0);
	store_stats(s, &st);
	CHECK(st.chunks == 3, "records are not counted as chunks (%llu)",
	    (unsigned long long)st.chunks);
	n = 0;
	(void)store_iter_begin(s);
	while ((r = store_iter_next(s, k)) == 1)
		n++;
	CHECK(r == 0 && n == 3, "nor iterated as chunks (%d)", n);
	id[0] = 1;
	CHECK(store_rec_get(s, id, buf, sizeof(buf), &len) == 0 &&
	    len == 101 && memcmp(buf, rec, len) == 0,
	    "a record survives a reopen");
	CHECK(store_rec_get(s, id, buf, 50, &len) == -1 && errno == ERANGE,
	    "a buffer too small for it: ERANGE");
	CHECK(store_rec_del(s, id) == 0, "delete a record");
	CHECK(store_rec_get(s, id, buf, sizeof(buf), &len) == -1 &&
	    errno == ENOENT, "a deleted record is gone");
	CHECK(store_rec_del(s, id) == -1 && errno == ENOENT,
	    "deleting it again: ENOENT");

	CHECK(store_drop(s, k1, 0) == -1 && errno == EBUSY,
	    "a pinned chunk is not dropped without its pin");
	CHECK(store_drop(s, k1, 1) == 0 && store_has(s, k1) == 0,
	    "dropped with its pin");
	CHECK(store_drop(s, k2, 0) == 0 && store_has(s, k2) == 0,
	    "an unpinned chunk is dropped");
	CHECK(store_drop(s, k2, 0) == -1 && errno == ENOENT,
	    "dropping it again: ENOENT");
	CHECK(store_drop(s, k3, 1) == -1 && errno == EBUSY &&
	    store_has(s, k3) == 1, "a chunk another file pins stays");
	CHECK(store_info(s, k3, &len, &pins) == 0 && pins == 1,
	    "but our pin is gone (%u left)", pins);
	CHECK(store_drop(s, k3, 1) == 0 && store_has(s, k3) == 0,
	    "and the second file's rm drops it");
	(void)put_n(s, 3, 500, 1, k3);
	CHECK(store_commit(s) == 0, "commit the drops");
	store_stats(s, &st);
	CHECK(st.chunks == 1 && st.pinned == 1 && st.bytes == 500,
	    "the counters follow (%llu chunks, %llu pinned, %llu bytes)",
	    (unsigned long long)st.chunks, (unsigned long long)st.pinned,
	    (unsigned long long)st.bytes);
	(void)verify_ok(s, "records and drops");
	s = reopen(s, 0);
	(void)verify_ok(s, "records and drops after a reopen");
	id[0] = 2;
	CHECK(store_rec_get(s, id, buf, sizeof(buf), &len) == 0 && len == 102,
	    "the other records are still there");
	store_close(s);
}

/* The options byte of a TC file header (tchdb.c HDBOPTSOFF = 36). */
static int
file_opts(const char *name)
{
	char		 p[PATH_MAX];
	unsigned char	 hdr[64];
	int		 fd;
	ssize_t		 n;

	(void)snprintf(p, sizeof(p), "%s/%s", tdir, name);
	if ((fd = open(p, O_RDONLY)) == -1)
		return (-1);
	n = read(fd, hdr, sizeof(hdr));
	(void)close(fd);
	if (n != (ssize_t)sizeof(hdr) || memcmp(hdr, "ToKyO CaBiNeT", 13))
		return (-1);
	return (hdr[36]);
}

static void
test_large(void)
{
	struct store	*s;
	int		 o;

	rmstore();
	if ((s = reopen(NULL, 0)) == NULL) {
		CHECK(0, "open");
		return;
	}
	store_close(s);
	o = file_opts(STORE_CHUNK_DB);
	CHECK(o >= 0 && (o & 1), "%s has HDBTLARGE (opts 0x%x)",
	    STORE_CHUNK_DB, o);
	o = file_opts(STORE_LRU_DB);
	CHECK(o >= 0 && (o & 1), "%s has BDBTLARGE (opts 0x%x)",
	    STORE_LRU_DB, o);
}

static int
copyfile(const char *from, const char *to)
{
	char	 pf[PATH_MAX], pt[PATH_MAX], buf[65536];
	int	 in, out, rv = 0;
	ssize_t	 n;

	(void)snprintf(pf, sizeof(pf), "%s/%s", tdir, from);
	(void)snprintf(pt, sizeof(pt), "%s/%s", tdir, to);
	if ((in = open(pf, O_RDONLY)) == -1)
		return (-1);
	if ((out = open(pt, O_WRONLY | O_CREAT | O_TRUNC, 0600)) == -1) {
		(void)close(in);
		return (-1);
	}
	while ((n = read(in, buf, sizeof(buf))) > 0)
		if (write(out, buf, (size_t)n) != n)
			rv = -1;
	if (n == -1)
		rv = -1;
	(void)close(in);
	(void)close(out);
	return (rv);
}

/*
 * The index is rebuilt when it is older than the chunk file (a kill -9
 * between the two commits), missing, or garbage.
 */
static void
test_rebuild(void)
{
	struct store		*s;
	struct store_stats	 st, st2;
	uint8_t			 key[STORE_KEY_LEN];
	char			 p[PATH_MAX];
	uint32_t		 n;
	int			 fd, i;

	rmstore();
	if ((s = reopen(NULL, 2000)) == NULL) {
		CHECK(0, "open");
		return;
	}
	for (n = 0; n < 10; n++)
		(void)put_n(s, n, 100, n == 3, key);
	store_close(s);
	CHECK(copyfile(STORE_LRU_DB, "old.tcb") == 0, "save the index");
	if ((s = reopen(NULL, 2000)) == NULL) {
		CHECK(0, "reopen");
		return;
	}
	for (n = 10; n < 20; n++)
		(void)put_n(s, n, 100, 0, key);
	(void)get_n(s, 0, 100);		/* 0 becomes the youngest */
	store_stats(s, &st);
	store_close(s);

	for (i = 0; i < 3; i++) {
		(void)snprintf(p, sizeof(p), "%s/%s", tdir, STORE_LRU_DB);
		if (i == 0)
			(void)copyfile("old.tcb", STORE_LRU_DB);
		else if (i == 1)
			(void)unlink(p);
		else if ((fd = open(p, O_WRONLY | O_TRUNC)) != -1) {
			CHECK(write(fd, "garbage, not a TC file, garbage",
			    31) == 31, "write a garbage index");
			(void)close(fd);
		}
		if ((s = reopen(NULL, 2000)) == NULL) {
			CHECK(0, "open with %s index", i == 0 ? "an old" :
			    i == 1 ? "no" : "a garbage");
			continue;
		}
		store_stats(s, &st2);
		CHECK(st2.chunks == st.chunks && st2.bytes == st.bytes &&
		    st2.pinned == st.pinned && st2.evicted == st.evicted,
		    "%s index: counters kept", i == 0 ? "old" : i == 1 ?
		    "missing" : "garbage");
		(void)verify_ok(s, "rebuilt index");
		/* the LRU order comes back from the records */
		for (n = 20; n < 28; n++)
			(void)put_n(s, n, 100, 0, key);
		CHECK(has_n(s, 1, 100) == 0 && has_n(s, 9, 100) == 0 &&
		    has_n(s, 0, 100) == 1 && has_n(s, 3, 100) == 1 &&
		    has_n(s, 10, 100) == 1, "rebuilt LRU order: 1..9 went, "
		    "0 (refreshed) and 3 (pinned) stayed");
		store_close(s);
		/* back to the state before the 9 puts for the next case */
		if (i < 2) {
			rmstore();
			if ((s = reopen(NULL, 2000)) == NULL)
				break;
			for (n = 0; n < 10; n++)
				(void)put_n(s, n, 100, n == 3, key);
			store_close(s);
			(void)copyfile(STORE_LRU_DB, "old.tcb");
			if ((s = reopen(NULL, 2000)) == NULL)
				break;
			for (n = 10; n < 20; n++)
				(void)put_n(s, n, 100, 0, key);
			(void)get_n(s, 0, 100);
			store_close(s);
		}
	}
	(void)snprintf(p, sizeof(p), "%s/old.tcb", tdir);
	(void)unlink(p);
}

/* A second process cannot open a store in use (TC's fcntl lock). */
static void
test_lock(void)
{
	struct store	*s;
	pid_t		 pid;
	int		 p1[2], p2[2], status;
	char		 c = 0;

	rmstore();
	if (pipe(p1) == -1 || pipe(p2) == -1) {
		CHECK(0, "pipe");
		return;
	}
	/* the holder is a child: TC also locks paths within a process */
	if ((pid = fork()) == 0) {
		s = reopen(NULL, 0);
		c = s != NULL;
		if (write(p1[1], &c, 1) != 1 || read(p2[0], &c, 1) != 1)
			_exit(1);
		store_close(s);
		_exit(0);
	}
	CHECK(pid != -1 && read(p1[0], &c, 1) == 1 && c == 1,
	    "a child holds the store open");
	errno = 0;
	s = reopen(NULL, 0);
	CHECK(s == NULL && errno == EWOULDBLOCK,
	    "a second process gets EWOULDBLOCK");
	if (s != NULL)
		store_close(s);
	CHECK(write(p2[1], &c, 1) == 1, "release the holder");
	CHECK(pid != -1 && waitpid(pid, &status, 0) == pid &&
	    WIFEXITED(status) && WEXITSTATUS(status) == 0, "holder exits");
	(void)close(p1[0]);
	(void)close(p1[1]);
	(void)close(p2[0]);
	(void)close(p2[1]);
}

/*
 * A file must never outgrow its mapping (TC loses failed writes past it):
 * new chunks are refused with ENOSPC before, the store stays usable, and
 * a reopen maps more.
 */
static void
test_mapfull(void)
{
	struct store		*s;
	struct store_conf	 conf;
	struct store_stats	 st;
	uint8_t			 key[STORE_KEY_LEN], first[STORE_KEY_LEN];
	uint32_t		 n;
	int			 r = 0;

	rmstore();
	memset(&conf, 0, sizeof(conf));
	conf.bnum = 4093;
	conf.xmsiz = 1 << 20;
	if ((s = store_open(tdir, &conf)) == NULL) {
		CHECK(0, "open");
		return;
	}
	for (n = 0; n < 2000 && r == 0; n++) {
		r = put_n(s, n, STORE_CHUNK_MAX, 0, n == 0 ? first : key);
		if (n % 100 == 99)
			(void)store_commit(s);
	}
	CHECK(r == -1 && errno == ENOSPC && n > 500 && n < 1000,
	    "1 MiB mapped: ENOSPC after %u chunks (%s)", n - 1,
	    store_errstr(s));
	CHECK(store_commit(s) == 0 && get_n(s, 0, STORE_CHUNK_MAX) == 0,
	    "the store still commits and reads");
	CHECK(put_n(s, 0, STORE_CHUNK_MAX, 1, key) == 0,
	    "pinning a stored chunk still works");
	store_stats(s, &st);
	CHECK(st.chunks == n - 1, "%llu chunks stored",
	    (unsigned long long)st.chunks);
	(void)verify_ok(s, "mapfull");
	store_close(s);
	/* the same small xmsiz again: the open maps what the file needs */
	if ((s = store_open(tdir, &conf)) == NULL) {
		CHECK(0, "reopen");
		return;
	}
	CHECK(put_n(s, 5000, STORE_CHUNK_MAX, 0, key) == 0 &&
	    store_commit(s) == 0, "after a reopen new chunks fit again");
	(void)verify_ok(s, "mapfull reopen");
	store_close(s);
}

/* The defaults (64 GiB mapped when unlimited: not under valgrind). */
static void
test_defaults(void)
{
	struct store	*s;
	uint8_t		 key[STORE_KEY_LEN];

	if (getenv("KAD_VALGRIND") != NULL)
		return;
	rmstore();
	s = store_open(tdir, NULL);
	CHECK(s != NULL && put_n(s, 1, 10, 0, key) == 0 &&
	    store_sync(s) == 0 && get_n(s, 1, 10) == 0,
	    "defaults: open, put, sync, get");
	store_close(s);
}

/* Resident pages of this process, in KiB (0 if unknown). */
static long
rss_kib(void)
{
	FILE	*f;
	long	 size, res = 0;

	if ((f = fopen("/proc/self/statm", "r")) == NULL)
		return (0);
	if (fscanf(f, "%ld %ld", &size, &res) != 2)
		res = 0;
	(void)fclose(f);
	return (res * (sysconf(_SC_PAGESIZE) / 1024));
}

/*
 * The two ways of keeping Tokyo Cabinet's writes safe (store_tc.c, "Full
 * disks"): reserved mode allocates blocks ahead of the chunk file, mapped
 * mode does not; in both, storing 32 MiB leaves the process's resident
 * memory about where it was.
 */
static void
test_modes(void)
{
	struct store		*s;
	struct store_conf	 conf;
	struct stat		 sb;
	struct statfs		 sf;
	char			 path[PATH_MAX];
	uint8_t			 key[STORE_KEY_LEN];
	long			 rss0, rss1;
	uint32_t		 n;
	int			 mapped, r, resv_fs;

	resv_fs = statfs(tdir, &sf) == 0 && (sf.f_type == EXT4_SUPER_MAGIC ||
	    sf.f_type == XFS_SUPER_MAGIC || sf.f_type == TMPFS_MAGIC);
	(void)snprintf(path, sizeof(path), "%s/%s", tdir, STORE_CHUNK_DB);
	for (mapped = 0; mapped < 2; mapped++) {
		rmstore();
		memset(&conf, 0, sizeof(conf));
		conf.bnum = 65521;
		conf.xmsiz = mapped ? 1LL << 30 : 0;
		if ((s = store_open(tdir, &conf)) == NULL) {
			CHECK(0, "modes: open");
			return;
		}
		rss0 = rss_kib();
		for (r = 0, n = 0; n < 32768 && r == 0; n++) {
			r = put_n(s, 100000 + n, STORE_CHUNK_MAX, n % 2, key);
			if (n % 1000 == 999 && r == 0)
				r = store_commit(s);
		}
		rss1 = rss_kib();
		CHECK(r == 0 && store_commit(s) == 0, "%s mode: 32 MiB stored",
		    mapped ? "mapped" : "reserved");
		if (stat(path, &sb) == -1)
			memset(&sb, 0, sizeof(sb));
		if (mapped)
			CHECK((uint64_t)sb.st_blocks * 512 < (uint64_t)sb.st_size +
			    (1 << 20), "mapped mode: nothing allocated past the "
			    "file (%lld blocks, %lld bytes)",
			    (long long)sb.st_blocks, (long long)sb.st_size);
		else if (resv_fs)
			CHECK((uint64_t)sb.st_blocks * 512 >= (uint64_t)sb.st_size +
			    (1 << 20), "reserved mode: blocks allocated ahead of "
			    "the file (%lld blocks, %lld bytes)",
			    (long long)sb.st_blocks, (long long)sb.st_size);
#if defined(__SANITIZE_ADDRESS__)
		rss0 = 0;	/* ASan's shadow and quarantine: not ours */
#endif
		if (getenv("KAD_VALGRIND") == NULL && rss0 > 0)
			CHECK(rss1 - rss0 < 20 * 1024, "%s mode: resident memory "
			    "grew %ld KiB for 32 MiB of chunks",
			    mapped ? "mapped" : "reserved", rss1 - rss0);
		(void)verify_ok(s, mapped ? "mapped mode" : "reserved mode");
		store_close(s);
	}
}

static double
now(void)
{
	struct timespec	 ts;

	(void)clock_gettime(CLOCK_MONOTONIC, &ts);
	return (ts.tv_sec + ts.tv_nsec / 1e9);
}

/* Not asserted: puts/s and gets/s, to compare with bench_raw's tc-put. */
static void
test_speed(void)
{
	struct store		*s;
	struct store_conf	 conf;
	struct store_stats	 st;
	uint8_t			(*keys)[STORE_KEY_LEN];
	uint8_t			 buf[STORE_CHUNK_MAX], out[STORE_CHUNK_MAX];
	double			 t0, tput, tget1, tget2;
	size_t			 len;
	uint32_t		 i, j, errs = 0, nperf = NPERF;
	int			 pass;

	/* tests/run.sh sets KAD_VALGRIND: 10x slower there, do less */
	if (getenv("KAD_VALGRIND") != NULL)
		nperf = NPERF / 20;
	if ((keys = calloc(nperf, sizeof(*keys))) == NULL)
		return;
	for (i = 0; i < nperf; i++)
		mkchunk(i, sizeof(buf), buf, keys[i]);
	rmstore();
	memset(&conf, 0, sizeof(conf));	/* default bnum */
	conf.xmsiz = 256 << 20;		/* the whole file, < valgrind's max */
	if ((s = store_open(tdir, &conf)) == NULL) {
		CHECK(0, "open for speed");
		free(keys);
		return;
	}
	t0 = now();
	for (i = 0; i < nperf; i++) {
		mkdata(i, sizeof(buf), buf);
		if (store_put(s, keys[i], buf, sizeof(buf), 0) == -1)
			errs++;
		if (i % PERF_BATCH == PERF_BATCH - 1 && store_commit(s) == -1)
			errs++;
	}
	if (store_commit(s) == -1)
		errs++;
	tput = now() - t0;
	tget1 = tget2 = 0;
	for (pass = 0; pass < 2; pass++) {
		t0 = now();
		for (i = 0; i < nperf; i++) {
			/* a stride prime to nperf visits every chunk once */
			j = (uint32_t)(((uint64_t)i * 7919 + 13) % nperf);
			if (store_get(s, keys[j], out, sizeof(out), &len) == -1)
				errs++;
			if (i % PERF_BATCH == PERF_BATCH - 1 &&
			    store_commit(s) == -1)
				errs++;
		}
		if (store_commit(s) == -1)
			errs++;
		if (pass == 0)
			tget1 = now() - t0;
		else
			tget2 = now() - t0;
	}
	store_stats(s, &st);
	CHECK(errs == 0 && st.chunks == nperf, "speed run: %u chunks, "
	    "%u errors", nperf, errs);
	printf("# store speed, %u x 1 KiB, batches of %u: put %.0f/s, "
	    "get %.0f/s (first pass, refreshing), %.0f/s (second)\n",
	    nperf, PERF_BATCH, nperf / tput, nperf / tget1, nperf / tget2);
	store_close(s);
	free(keys);
}

int
main(void)
{
	log_init(1, 0);
	log_procinit("test_store");
	if ((sha256 = EVP_MD_fetch(NULL, "SHA256", NULL)) == NULL ||
	    mkdtemp(tdir) == NULL) {
		printf("not ok - setup\n");
		return (1);
	}
	test_roundtrip();
	test_errors();
	test_pins();
	test_lru();
	test_lru_tail();
	test_pinned_eviction();
	test_sources();
	test_iter();
	test_copies();
	test_records_drop();
	test_large();
	test_rebuild();
	test_lock();
	test_mapfull();
	test_defaults();
	test_modes();
	test_speed();
	rmstore();
	(void)rmdir(tdir);
	EVP_MD_free(sha256);
	return (test_done());
}
