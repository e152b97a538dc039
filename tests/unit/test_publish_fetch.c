/* SPDX-License-Identifier: ISC */
/*
 * Unit tests for the publish and fetch engines (kadcrypt/publish.c,
 * fetch.c) over an in-memory chunk store (pf_store.c): round trips of
 * many sizes, names and chunk sizes, out-of-order delivery, fresh keys
 * per publish, back-pressure, the keys_only walk, and a throughput
 * measurement (printed, not asserted).  Tampering and hostile manifests
 * are in test_fetch_tamper.c.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <bsd/string.h>
#include <bsd/sys/endian.h>

#include "kadcrypt/aead.h"
#include "kadcrypt/fetch.h"
#include "kadcrypt/link.h"
#include "kadcrypt/manifest.h"
#include "kadcrypt/publish.h"
#include "tests/unit/pf_store.h"
#include "tests/test.h"

static int
emit_null(const uint8_t key[32], const uint8_t *data, size_t len,
    const struct chunk_info *ci, void *arg)
{
	uint64_t	*n = arg;

	(void)key;
	(void)data;
	(void)ci;
	*n += len;
	return (0);
}

/* Chunks of each kind the shape says a file has. */
static void
expect_chunks(uint64_t size, size_t cs, const char *name, uint64_t *ndata,
    uint64_t *nparity, uint64_t *nindex)
{
	struct kad_shape	 s;
	struct kad_code		 c;
	const char		*why;
	int			 h;

	manifest_code_default(&c);
	manifest_shape(size, cs, name ? strlen(name) : 0, &c, &s, &why);
	*ndata = s.nchunks;
	*nparity = 0;
	*nindex = 1;
	for (h = 0; h < s.height; h++) {
		*nparity += s.coded[h] - s.items[h];
		if (h > 0)
			*nindex += s.items[h];
	}
}

/* ---- round trips ---- */

static void
roundtrip(const char *what, const char *name, size_t cs, size_t size,
    int text, size_t piece, int shuffle, int want_height)
{
	struct store	 st;
	struct drive	 d;
	struct kad_link	 l;
	const char	*why;
	uint8_t		*data;
	char		 link[KAD_LINK_SIZE];
	size_t		 ecs = cs ? cs : 1024;
	uint64_t	 nchunks, nparity, nindex;
	int		 height = 0, ok;

	memset(&st, 0, sizeof(st));
	memset(&d, 0, sizeof(d));
	if ((data = malloc(size ? size : 1)) == NULL)
		abort();
	if (text)
		fill_text(data, size);
	else
		fill_binary(data, size);
	expect_chunks(size, ecs, name, &nchunks, &nparity, &nindex);

	ok = do_publish(&st, name, cs, data, size, piece, link,
	    &height) == 0;
	CHECK(ok, "%s: published", what);
	if (!ok)
		goto done;
	CHECK(strlen(link) == KAD_LINK_LEN &&
	    crypt_link_parse(link, &l, &why) == 0 &&
	    memcmp(l.root, st.last, 32) == 0 && st.last_kind == CHUNK_ROOT,
	    "%s: link names the root, emitted last", what);
	/* tiny parity blocks of a zero byte may repeat: only those */
	CHECK(st.ndata == nchunks && st.nindex == nindex &&
	    st.nparity + st.dups == nparity && st.badlen == 0 &&
	    st.dups_long == 0 && st.badinfo == 0,
	    "%s: %llu data, %zu parity, %zu index chunks, sizes and "
	    "stripes right", what, (unsigned long long)nchunks, st.nparity,
	    st.nindex);
	if (want_height > 0)
		CHECK(height == want_height, "%s: tree height %d", what,
		    height);

	d.shuffle = shuffle;
	d.expect = data;
	d.readsz = 1 + rnd() % 70000;
	ok = drive_fetch(&st, link, &d) == 0;
	CHECK(ok && d.got == size && !d.mismatch,
	    "%s: fetched %llu bytes %s%s", what, (unsigned long long)d.got,
	    shuffle ? "out of order" : "in order", d.err[0] ? d.err : "");
	CHECK(d.meta_early == 0 && d.msize == size &&
	    strcmp(d.name, name ? name : "") == 0 && d.height == height,
	    "%s: meta: size, name and height", what);
	/* out of order, parity may come first and stand in for data */
	CHECK(d.nrepairs == d.fs.rebuilt && d.fs.not_found == 0 &&
	    !d.badrepair && (shuffle || d.fs.rebuilt == 0),
	    "%s: %llu rebuilt, each queued to publish again", what,
	    (unsigned long long)d.fs.rebuilt);
	CHECK(!d.overflow && d.max_out <= FETCH_MAX_OUT &&
	    d.max_buffered <= FETCH_WINDOW * ecs,
	    "%s: at most %zu outstanding, %zu bytes buffered", what,
	    d.max_out, d.max_buffered);
 done:
	explicit_bzero(link, sizeof(link));
	drive_free(&d);
	store_free(&st);
	free(data);
}

static void
test_roundtrips(void)
{
	const char	*utf8 = "h\xc3\xa9llo w\xc3\xb6rld \xe2\x98\x83 "
	    "\xe6\x97\xa5\xe6\x9c\xac.bin";

	roundtrip("empty", "empty.txt", 0, 0, 1, 0, 0, 1);
	roundtrip("empty, no name", "", 0, 0, 0, 0, 1, 1);
	roundtrip("1 byte", "one", 0, 1, 1, 0, 0, 1);
	roundtrip("1023 bytes", "a b c.txt", 0, 1023, 1, 1, 1, 1);
	roundtrip("1024 bytes", utf8, 0, 1024, 0, 7, 1, 1);
	roundtrip("1025 bytes", utf8, 0, 1025, 0, 1024, 0, 1);
	/* 18 chunks and their 6 + 4 parity fill the root's 28 keys */
	roundtrip("18 KiB", "", 0, 18 * 1024, 0, 0, 1, 1);
	roundtrip("18 KiB + 1", "", 0, 18 * 1024 + 1, 0, 0, 1, 2);
	roundtrip("28 KiB", "x", 0, 28 * 1024, 0, 0, 1, 2);
	roundtrip("1 MiB + 7 text", "my notes.txt", 0, MiB + 7, 1, 5000, 1,
	    3);
	roundtrip("1 MiB + 7 binary", utf8, 0, MiB + 7, 0, 0, 0, 3);
	/* valgrind runs crypto ~100x slower: height 4 comes from 16-byte
	 * chunks below, so leave the big one out there */
	if (getenv("KAD_VALGRIND") == NULL)
		roundtrip("40 MiB", "big file.iso", 0, 40 * MiB, 0, 300000, 1,
		    4);
	else
		printf("# 40 MiB round trip skipped under valgrind\n");
	roundtrip("chunk size 16", "tiny chunks", 16, 500000, 0, 333, 1, 4);
	roundtrip("chunk size 17", "c17", 17, 300000, 1, 0, 1, 4);
	roundtrip("chunk size 1000", "c1000", 1000, MiB, 0, 4099, 1, 3);
}

/* Same file twice: fresh keys, so nothing in common. */
static void
test_fresh_keys(void)
{
	struct store	 a, b;
	uint8_t		 data[5000];
	char		 la[KAD_LINK_SIZE], lb[KAD_LINK_SIZE];
	size_t		 i, common = 0;
	int		 h, found = 0;

	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));
	fill_text(data, sizeof(data));
	do_publish(&a, "same.txt", 0, data, sizeof(data), 0, la, &h);
	do_publish(&b, "same.txt", 0, data, sizeof(data), 0, lb, &h);
	for (i = 0; i < b.norder; i++)
		common += store_get(&a, b.order[i]) != NULL;
	CHECK(strcmp(la, lb) != 0 && common == 0,
	    "two publishes of one file share no chunk and no link");
	for (i = 0; i < a.cap; i++) {
		if (!a.tab[i].used || a.tab[i].len < 16)
			continue;
		found |= memmem(a.tab[i].data, a.tab[i].len, lorem, 16) !=
		    NULL;
		found |= memmem(a.tab[i].data, a.tab[i].len, "same.txt",
		    8) != NULL;
	}
	CHECK(!found, "no chunk shows plaintext or the file name");
	store_free(&a);
	store_free(&b);
}

/* A reader that stops reading must stop the requests. */
static void
test_backpressure(void)
{
	static uint8_t		 buf[100000];
	struct store		 st;
	struct fetch		*f;
	struct fetch_stats	 fs;
	struct entry		*e;
	uint8_t			*data, key[32];
	char			 link[KAD_LINK_SIZE], err[FETCH_ERRLEN];
	size_t			 size = 4 * MiB, n, requested = 0, k;
	uint64_t		 got = 0;
	int			 h, ok = 1, round;

	memset(&st, 0, sizeof(st));
	if ((data = malloc(size)) == NULL)
		abort();
	fill_binary(data, size);
	do_publish(&st, "bp", 0, data, size, 0, link, &h);
	f = fetch_new(link, 0, err, sizeof(err));
	CHECK(f != NULL, "fetch_new");
	if (f == NULL)
		goto done;
	/* answer everything, read nothing */
	for (round = 0; round < 10000; round++) {
		if (fetch_want(f, key) != 1)
			break;
		requested++;
		e = store_get(&st, key);
		if (e == NULL || fetch_chunk(f, key, e->data, e->len) != 0)
			ok = 0;
	}
	fetch_stats(f, &fs);
	CHECK(ok && fs.outstanding == 0 && fetch_done(f) == 0 &&
	    fs.buffered == FETCH_WINDOW * 1024 && fs.buffered <= 2 * MiB,
	    "unread: requests stop with %zu bytes buffered after %zu "
	    "requests", fs.buffered, requested);
	n = fetch_read(f, buf, 1000);
	CHECK(n == 1000 && memcmp(buf, data, n) == 0 &&
	    fetch_want(f, key) == 0, "a partial chunk read frees nothing");
	got = n;
	n = fetch_read(f, buf, 63 * 1024 + 23);
	got += n;
	CHECK(n == 63 * 1024 + 23 && fetch_want(f, key) == 0,
	    "63 chunks and a byte read: the next stripe does not fit yet");
	n = fetch_read(f, buf, 1);
	got += n;
	for (k = 0; fetch_want(f, key) == 1; k++) {
		e = store_get(&st, key);
		fetch_chunk(f, key, e->data, e->len);
	}
	CHECK(k == 64, "reading a whole stripe lets the next one in (%zu "
	    "requests)", k);
	/* now run it to the end */
	while (!fetch_done(f) && fetch_error(f) == NULL) {
		while (fetch_want(f, key) == 1) {
			e = store_get(&st, key);
			fetch_chunk(f, key, e->data, e->len);
		}
		while ((n = fetch_read(f, buf, sizeof(buf))) > 0) {
			if (memcmp(buf, data + got, n) != 0)
				ok = 0;
			got += n;
		}
	}
	CHECK(ok && got == size && fetch_done(f), "then it completes");
	fetch_free(f);
 done:
	store_free(&st);
	free(data);
}

/* ---- keys_only: the unpin walk ---- */

static void
test_keys_only(const char *what, size_t cs, size_t size)
{
	static uint8_t	 pend[PEND_MAX][32];
	struct store	 st;
	struct fetch	*f;
	struct entry	*e;
	uint8_t		*data, key[32];
	char		 link[KAD_LINK_SIZE], err[FETCH_ERRLEN];
	size_t		 np, k, idx, reported = 0, dupes = 0, unknown = 0;
	size_t		 wrongkind = 0, datareq = 0, i, unseen = 0;
	int		 h, is_index, iter;

	memset(&st, 0, sizeof(st));
	if ((data = malloc(size ? size : 1)) == NULL)
		abort();
	fill_binary(data, size);
	do_publish(&st, "k", cs, data, size, 0, link, &h);
	f = fetch_new(link, 1, err, sizeof(err));
	if (f == NULL) {
		CHECK(0, "%s: fetch_new: %s", what, err);
		goto done;
	}
	for (iter = 0; iter < 1000000 && !fetch_done(f) &&
	    fetch_error(f) == NULL; iter++) {
		for (np = 0; np < PEND_MAX && fetch_want(f, key) == 1; np++)
			memcpy(pend[np], key, 32);
		while (np > 0) {
			idx = rnd() % np;
			if ((e = store_get(&st, pend[idx])) == NULL)
				break;
			datareq += e->height == 0 && e->kind != CHUNK_ROOT;
			fetch_chunk(f, pend[idx], e->data, e->len);
			memcpy(pend[idx], pend[--np], 32);
		}
		/* drain only some reports, to exercise the bound */
		for (k = 0; k < 100 && fetch_next_key(f, key, &is_index); k++) {
			reported++;
			if ((e = store_find(&st, key)) == NULL) {
				unknown++;
				continue;
			}
			/* a key repeats once per repeated emission only */
			dupes += e->seen && e->len >= KAD_CHUNK_MIN;
			e->seen = 1;
			wrongkind += (e->height > 0 || e->kind == CHUNK_ROOT) !=
			    is_index;
		}
	}
	for (i = 0; i < st.cap; i++)
		unseen += st.tab[i].used && !st.tab[i].seen;
	CHECK(fetch_done(f) && fetch_error(f) == NULL && datareq == 0,
	    "%s: keys_only walk completes, fetching no data chunk", what);
	CHECK(reported == st.nemit && dupes == 0 && unknown == 0 &&
	    unseen == 0 && wrongkind == 0 && (size == 0 || st.nparity > 0),
	    "%s: reported all %zu keys (%zu parity) once each, kinds right",
	    what, reported, st.nparity);
	CHECK(fetch_read(f, data, size) == 0, "%s: no plaintext in keys_only",
	    what);
	fetch_free(f);
 done:
	store_free(&st);
	free(data);
}

/* ---- throughput ---- */

static double
now(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (ts.tv_sec + ts.tv_nsec / 1e9);
}

/*
 * Fetch timing without the test store: a first run records which chunk
 * each request names; the timed run hands the engine those chunks from
 * an array (the engine is deterministic, so it asks in the same order,
 * and each key is still checked against the record).
 */
static int
timed_fetch(struct store *st, const char *link, const uint8_t *expect,
    uint64_t size, double *secs)
{
	static uint8_t	 buf[256 * 1024];
	struct entry	**seq = NULL;
	struct fetch	*f;
	uint8_t		 key[32];
	size_t		 nseq = 0, cap = 0, k, from, n;
	uint64_t	 got;
	double		 t0;
	int		 pass, ok = 1;

	for (pass = 0; pass < 2 && ok; pass++) {
		if ((f = fetch_new(link, 0, NULL, 0)) == NULL)
			return (-1);
		got = 0;
		k = 0;
		t0 = now();
		while (!fetch_done(f) && fetch_error(f) == NULL && ok) {
			for (from = k; fetch_want(f, key) == 1; k++) {
				if (pass == 0) {
					if (k == cap) {
						cap = cap ? cap * 2 : 65536;
						seq = reallocarray(seq, cap,
						    sizeof(*seq));
						if (seq == NULL)
							abort();
					}
					seq[k] = store_get(st, key);
					nseq = k + 1;
				} else if (k >= nseq ||
				    memcmp(seq[k]->key, key, 32) != 0)
					ok = 0;
			}
			/* 1: a parity chunk its complete stripe no longer
			 * needs */
			for (; from < k && ok; from++)
				if (fetch_chunk(f, seq[from]->key,
				    seq[from]->data, seq[from]->len) == -1)
					ok = 0;
			while ((n = fetch_read(f, buf, sizeof(buf))) > 0) {
				if (pass == 0 && memcmp(buf, expect + got,
				    n) != 0)
					ok = 0;
				got += n;
			}
		}
		*secs = now() - t0;
		ok &= fetch_done(f) && got == size;
		fetch_free(f);
	}
	free(seq);
	return (ok ? 0 : -1);
}

static void
test_speed(void)
{
	struct store	 st;
	struct publish	*p;
	const char	*why;
	uint8_t		*data;
	char		 link[KAD_LINK_SIZE];
	size_t		 size = 64 * MiB, off;
	uint64_t	 emitted = 0;
	double		 tp, tf = 0, t0;
	int		 h, ok;

	memset(&st, 0, sizeof(st));
	if ((data = malloc(size)) == NULL)
		abort();
	fill_binary(data, size);

	t0 = now();
	p = publish_new("speed", 0, 0, &why);
	for (off = 0; off < size; off += MiB)
		publish_update(p, data + off, MiB, emit_null, &emitted);
	ok = publish_final(p, emit_null, &emitted, link, sizeof(link)) == 0;
	publish_free(p);
	tp = now() - t0;
	CHECK(ok && emitted > size, "publish of 64 MiB emitted %llu bytes",
	    (unsigned long long)emitted);

	do_publish(&st, "speed", 0, data, size, 0, link, &h);
	CHECK(timed_fetch(&st, link, data, size, &tf) == 0,
	    "fetch of 64 MiB, twice, same request order");
	printf("# publish engine: %.0f MB/s (%.2f us/KiB chunk); fetch "
	    "engine: %.0f MB/s (%.2f us/KiB chunk); 64 MiB\n",
	    size / tp / 1e6, tp * 1e6 / (size / 1024), size / tf / 1e6,
	    tf * 1e6 / (size / 1024));
	store_free(&st);
	free(data);
}

int
main(void)
{
	test_roundtrips();
	test_fresh_keys();
	test_backpressure();
	test_keys_only("empty", 0, 0);
	test_keys_only("small", 0, 5000);
	test_keys_only("1 MiB + 7", 0, MiB + 7);
	test_keys_only("chunk size 16, height 4", 16, 500000);
	if (getenv("KAD_VALGRIND") == NULL)
		test_speed();
	else
		printf("# speed test skipped under valgrind\n");
	crypt_aead_cleanup();
	return (test_done());
}
