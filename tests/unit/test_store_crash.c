/* SPDX-License-Identifier: ISC */
/*
 * Crash tests for kadstore/store_tc.c.
 *
 * kill -9: a child puts, pins, unpins and gets chunks in batches.  It
 * sends each batch through a pipe before store_commit() and a commit
 * mark after it, so the parent knows which batches were acknowledged and
 * which one may be in flight.  The parent kills the child at a random
 * moment, reopens the store and checks: every acknowledged put and pin is
 * there (the batch in flight entirely or not at all), every chunk reads
 * back with the right hash, the counters match a scan and the LRU index
 * is consistent.  Every other round runs with a storage limit, so
 * eviction is part of the batches being killed.
 *
 * Full disk, mapped mode: RLIMIT_FSIZE makes a write fail in the middle
 * of a batch.  The store must refuse further writes and commits (EIO)
 * while reads still work, and after a reopen every committed chunk must
 * be there.  Reserved mode (the default): the same limit, and a real full
 * filesystem (a small tmpfs in a mount namespace of the test's own, as
 * root), must end in ENOSPC for new chunks, with the store still
 * committing and reading, and every committed chunk there after a reopen.
 */
#include <sys/types.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <bsd/sys/endian.h>
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "log.h"
#include "kadstore/store_tc.h"
#include "tests/test.h"

#define ROUNDS		12
#define ROUND_LIMIT	(512 * 1024)	/* odd rounds */
#define MAX_NEW		4000		/* new chunks per child life */
#define TABSZ		(1 << 17)	/* > ROUNDS * MAX_NEW */
#define REC_LEN		(1 + 2 + STORE_KEY_LEN)
#define KILL_XMSIZ	(32 << 20)	/* > the files of all rounds */

/* rounds 0, 1, 4, 5, ...: reserved mode (xmsiz 0); the others mapped */
static int64_t	kill_xmsiz;

/* Child to parent records: op, length (BE), key. */
#define OP_READY	'R'
#define OP_PUT		'P'	/* unpinned put (new or existing) */
#define OP_PIN		'Q'	/* pinned put */
#define OP_UNPIN	'U'
#define OP_COMMIT	'C'	/* everything before is committed */

struct ent {
	uint8_t		key[STORE_KEY_LEN];
	int		used;
	int		present;	/* an acknowledged put, not evicted */
	uint32_t	pins;		/* acknowledged */
	uint16_t	len;
	/* the batch in flight */
	int		pput;
	int32_t		ppins;
};

static char		 tdir[] = "/tmp/kad-test-crash.XXXXXX";
static EVP_MD		*sha256;
static struct ent	*tab;
static uint64_t		 rng;

static uint32_t
rnd(void)
{
	/* splitmix64 */
	uint64_t	 z = (rng += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return ((uint32_t)((z ^ (z >> 31)) >> 32));
}

static void
hash(const void *data, size_t len, uint8_t key[STORE_KEY_LEN])
{
	unsigned int	 mdlen;

	if (EVP_Digest(len ? data : "", len, key, &mdlen, sha256, NULL) != 1)
		abort();
}

static struct ent *
lookup(const uint8_t *key, int create)
{
	uint32_t	 h;

	memcpy(&h, key, sizeof(h));
	for (h &= TABSZ - 1;; h = (h + 1) & (TABSZ - 1)) {
		if (!tab[h].used) {
			if (!create)
				return (NULL);
			memset(&tab[h], 0, sizeof(tab[h]));
			memcpy(tab[h].key, key, STORE_KEY_LEN);
			tab[h].used = 1;
			return (&tab[h]);
		}
		if (memcmp(tab[h].key, key, STORE_KEY_LEN) == 0)
			return (&tab[h]);
	}
}

static struct store *
open_store(uint64_t limit, int64_t xmsiz)
{
	struct store_conf	 conf;

	memset(&conf, 0, sizeof(conf));
	conf.limit = limit;
	conf.bnum = 16381;
	conf.xmsiz = xmsiz;
	return (store_open(tdir, &conf));
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

static void
rec(uint8_t *buf, size_t *off, int op, size_t len, const uint8_t *key)
{
	buf[*off] = op;
	be16enc(buf + *off + 1, (uint16_t)len);
	if (key != NULL)
		memcpy(buf + *off + 3, key, STORE_KEY_LEN);
	else
		memset(buf + *off + 3, 0, STORE_KEY_LEN);
	*off += REC_LEN;
}

/* The worker that gets killed.  Exits 0 never; >= 10 on a store error. */
static void
child(int wfd, uint64_t limit, uint64_t seed)
{
	struct store	*s;
	uint8_t		 out[64 * REC_LEN + REC_LEN];
	uint8_t		 data[STORE_CHUNK_MAX], key[STORE_KEY_LEN];
	uint8_t		(*keys)[STORE_KEY_LEN];
	uint32_t	*pins;
	size_t		 off, len, nkeys = 0, nnew = 0, i;
	uint32_t	 n, r, k, npin;
	int		 rv;

	rng = seed;
	keys = calloc(TABSZ, sizeof(*keys));
	pins = calloc(TABSZ, sizeof(*pins));
	if (keys == NULL || pins == NULL)
		_exit(10);
	/* what the parent knows is there (a copy of its table) */
	for (i = 0; i < TABSZ; i++)
		if (tab[i].used && (tab[i].present || tab[i].pins > 0)) {
			memcpy(keys[nkeys], tab[i].key, STORE_KEY_LEN);
			pins[nkeys++] = tab[i].pins;
		}
	if ((s = open_store(limit, kill_xmsiz)) == NULL)
		_exit(11);
	off = 0;
	rec(out, &off, OP_READY, 0, NULL);
	if (write(wfd, out, off) != (ssize_t)off)
		_exit(12);
	for (;;) {
		off = 0;
		n = 1 + rnd() % 64;
		while (n-- > 0) {
			r = rnd() % 100;
			k = nkeys ? rnd() % nkeys : 0;
			if (nkeys == 0 || (r < 70 && nnew < MAX_NEW &&
			    nkeys < TABSZ)) {
				len = rnd() % (STORE_CHUNK_MAX + 1);
				for (i = 0; i < len; i++)
					data[i] = rnd();
				hash(data, len, key);
				npin = rnd() % 100 < 4;
				rv = store_put(s, key, data, len, npin);
				if (rv == -1 && errno == ENOSPC && !npin)
					continue;
				if (rv == -1)
					_exit(13);
				memcpy(keys[nkeys], key, STORE_KEY_LEN);
				pins[nkeys++] = npin;
				nnew++;
				rec(out, &off, npin ? OP_PIN : OP_PUT, len,
				    key);
			} else if (r < 73) {
				/* pin a chunk we have (if not evicted) */
				if (store_get(s, keys[k], data, sizeof(data),
				    &len) == -1) {
					if (errno == ENOENT)
						continue;
					_exit(14);
				}
				if (store_put(s, keys[k], data, len, 1) == -1)
					_exit(15);
				pins[k]++;
				rec(out, &off, OP_PIN, len, keys[k]);
			} else if (r < 93) {
				/* look a little for a pinned one */
				for (i = 0; i < 8 && pins[k] == 0; i++)
					k = rnd() % nkeys;
				if (pins[k] == 0)
					continue;
				if (store_unpin(s, keys[k]) == -1)
					_exit(16);
				pins[k]--;
				rec(out, &off, OP_UNPIN, 0, keys[k]);
			} else if (store_get(s, keys[k], data, sizeof(data),
			    &len) == -1 && errno != ENOENT)
				_exit(17);
		}
		/* the batch first (atomic: < PIPE_BUF), then the ack */
		if (off > 0 && write(wfd, out, off) != (ssize_t)off)
			_exit(18);
		if (store_commit(s) == -1)
			_exit(19);
		off = 0;
		rec(out, &off, OP_COMMIT, 0, NULL);
		if (write(wfd, out, off) != (ssize_t)off)
			_exit(20);
		if (rnd() % 50 == 0 && store_sync(s) == -1)
			_exit(21);
	}
}

static double
now(void)
{
	struct timespec	 ts;

	(void)clock_gettime(CLOCK_MONOTONIC, &ts);
	return (ts.tv_sec + ts.tv_nsec / 1e9);
}

/* Apply one record of the pending batch to the model. */
static void
pending(const uint8_t *r)
{
	struct ent	*e;

	e = lookup(r + 3, 1);
	switch (r[0]) {
	case OP_PIN:
		e->ppins++;
		/* FALLTHROUGH */
	case OP_PUT:
		e->pput = 1;
		e->len = be16dec(r + 1);
		break;
	case OP_UNPIN:
		e->ppins--;
		break;
	}
}

/* Fold (or drop) the batch in flight into the acknowledged state. */
static void
settle(int fold)
{
	size_t	 i;

	for (i = 0; i < TABSZ; i++) {
		if (!tab[i].used)
			continue;
		if (fold) {
			if (tab[i].pput)
				tab[i].present = 1;
			tab[i].pins += tab[i].ppins;
		}
		tab[i].pput = 0;
		tab[i].ppins = 0;
	}
}

/*
 * Does the store match the model, with (fold) or without the batch in
 * flight?  Unpinned chunks may have been evicted in limit rounds.
 */
static int
matches(struct store *s, int fold, uint64_t limit, char *why, size_t wsz)
{
	size_t		 i, len;
	uint32_t	 pins, want;
	int		 present, expect;

	for (i = 0; i < TABSZ; i++) {
		if (!tab[i].used)
			continue;
		want = tab[i].pins + (fold ? tab[i].ppins : 0);
		expect = tab[i].present || (fold && tab[i].pput);
		present = store_info(s, tab[i].key, &len, &pins) == 0;
		if (!present && errno != ENOENT) {
			(void)snprintf(why, wsz, "info: %s",
			    strerror(errno));
			return (0);
		}
		if (present && !expect) {
			(void)snprintf(why, wsz, "unexpected chunk");
			return (0);
		}
		if (!present && expect && (limit == 0 || want > 0)) {
			(void)snprintf(why, wsz, "lost chunk (%u pins)",
			    want);
			return (0);
		}
		if (present && (pins != want || len != tab[i].len)) {
			(void)snprintf(why, wsz, "%u pins, expected %u", pins,
			    want);
			return (0);
		}
	}
	return (1);
}

/* Every chunk reads back, hashes to its key; the totals add up. */
static void
check_contents(struct store *s, uint64_t limit, int round)
{
	struct store_stats	 st;
	uint8_t			 data[STORE_CHUNK_MAX], key[STORE_KEY_LEN];
	uint64_t		 n = 0, bytes = 0, pinned = 0;
	size_t			 i, len;
	int			 bad = 0;

	for (i = 0; i < TABSZ; i++) {
		if (!tab[i].used || !tab[i].present)
			continue;
		if (store_get(s, tab[i].key, data, sizeof(data), &len) == -1) {
			if (errno == ENOENT && limit > 0 &&
			    tab[i].pins == 0) {
				tab[i].present = 0;	/* evicted */
				continue;
			}
			bad++;
			continue;
		}
		hash(data, len, key);
		if (memcmp(key, tab[i].key, STORE_KEY_LEN) != 0)
			bad++;
		n++;
		bytes += len;
		pinned += tab[i].pins > 0;
	}
	(void)store_commit(s);	/* the gets may have refreshed chunks */
	store_stats(s, &st);
	CHECK(bad == 0, "round %d: every chunk reads back with its hash "
	    "(%d bad)", round, bad);
	CHECK(st.chunks == n && st.bytes == bytes && st.pinned == pinned,
	    "round %d: counters %llu/%llu/%llu, model %llu/%llu/%llu", round,
	    (unsigned long long)st.chunks, (unsigned long long)st.bytes,
	    (unsigned long long)st.pinned, (unsigned long long)n,
	    (unsigned long long)bytes, (unsigned long long)pinned);
	CHECK(limit == 0 || st.bytes <= limit || st.bytes == st.pinned_bytes,
	    "round %d: %llu bytes within the limit %llu", round,
	    (unsigned long long)st.bytes, (unsigned long long)limit);
	CHECK(store_verify(s, NULL) == 0, "round %d: counters match a scan, "
	    "LRU index consistent %s", round, store_errstr(s));
}

static void
test_kill(void)
{
	struct store	*s;
	struct pollfd	 pfd;
	uint8_t		 buf[8192];
	size_t		 have = 0, i, nops, npend;
	uint64_t	 limit;
	double		 deadline, slow;
	pid_t		 pid;
	int		 p[2], round, rounds, status, ready, m0, m1, nacked;
	ssize_t		 n;
	char		 why0[128], why1[128];

	/* tests/run.sh sets KAD_VALGRIND: everything is ~20x slower */
	slow = getenv("KAD_VALGRIND") != NULL ? 20 : 1;
	rounds = slow > 1 ? ROUNDS / 2 : ROUNDS;
	rmstore();
	for (round = 0; round < rounds; round++) {
		limit = round % 2 ? ROUND_LIMIT : 0;
		/* the files pass from one mode to the other, as they would
		 * moving to another filesystem */
		kill_xmsiz = round / 2 % 2 ? KILL_XMSIZ : 0;
		if (pipe(p) == -1) {
			CHECK(0, "pipe");
			return;
		}
		if ((pid = fork()) == -1) {
			CHECK(0, "fork");
			return;
		}
		if (pid == 0) {
			(void)close(p[0]);
			child(p[1], limit, 1000 + round);
			_exit(1);
		}
		(void)close(p[1]);
		/* read until a random moment after the child is ready */
		pfd.fd = p[0];
		pfd.events = POLLIN;
		have = 0;
		ready = nacked = 0;
		nops = npend = 0;
		deadline = now() + 10 * slow;	/* the open, a first batch */
		for (;;) {
			if (now() >= deadline)
				break;
			if (poll(&pfd, 1, 5) <= 0)
				continue;
			if ((n = read(p[0], buf + have, sizeof(buf) - have))
			    <= 0)
				break;
			have += (size_t)n;
			for (i = 0; i + REC_LEN <= have; i += REC_LEN) {
				if (buf[i] == OP_READY)
					ready = 1;
				else if (buf[i] == OP_COMMIT) {
					/* kill at a random moment after */
					if (nacked++ == 0)
						deadline = now() + slow *
						    (rnd() % 100) / 1000.0;
					settle(1);
					npend = 0;
				} else {
					pending(buf + i);
					nops++;
					npend++;
				}
			}
			memmove(buf, buf + i, have - i);
			have -= i;
		}
		(void)kill(pid, SIGKILL);
		/* whole records written before the kill are still here */
		while ((n = read(p[0], buf + have, sizeof(buf) - have)) > 0) {
			have += (size_t)n;
			for (i = 0; i + REC_LEN <= have; i += REC_LEN) {
				if (buf[i] == OP_COMMIT) {
					settle(1);
					npend = 0;
				} else if (buf[i] != OP_READY) {
					pending(buf + i);
					nops++;
					npend++;
				}
			}
			memmove(buf, buf + i, have - i);
			have -= i;
		}
		(void)close(p[0]);
		(void)waitpid(pid, &status, 0);
		CHECK(ready && nacked > 0 && WIFSIGNALED(status) &&
		    WTERMSIG(status) == SIGKILL, "round %d: child committed %d "
		    "batches and was killed (%zu ops, %zu in flight; status %d)",
		    round, nacked, nops, npend, status);

		if ((s = open_store(limit, kill_xmsiz)) == NULL) {
			CHECK(0, "round %d: reopen after kill -9", round);
			return;
		}
		m0 = matches(s, 0, limit, why0, sizeof(why0));
		m1 = matches(s, 1, limit, why1, sizeof(why1));
		CHECK(m0 || m1, "round %d: acknowledged batches all there, the "
		    "one in flight all or nothing (%s / %s)", round,
		    m0 ? "ok" : why0, m1 ? "ok" : why1);
		settle(!m0 && m1);
		check_contents(s, limit, round);
		store_close(s);
	}
}

/*
 * A full disk: the child fills the store under RLIMIT_FSIZE until a write
 * fails, then checks the store refuses writes but still reads.  (TC's
 * other write path, pwrite past the mapping, loses errors; store_tc.c
 * never lets a file grow there, see test_mapfull in test_store.c.)
 */
static void
test_full(int64_t xmsiz)
{
	struct store		*s;
	struct store_stats	 st;
	struct stat		 sb;
	struct rlimit		 rl;
	uint8_t			 data[STORE_CHUNK_MAX], key[STORE_KEY_LEN];
	uint8_t			 keys[200][STORE_KEY_LEN];
	uint8_t			 ack[STORE_KEY_LEN * 20];
	uint8_t			 acked[STORE_KEY_LEN * 20 * 64];
	char			 path[PATH_MAX];
	size_t			 len, i, have, nack = 0, missing = 0;
	pid_t			 pid;
	int			 p[2], status = 0, j, r, batches = 0;
	ssize_t			 n;

	rmstore();
	rng = 42;
	if ((s = open_store(0, xmsiz)) == NULL) {
		CHECK(0, "full: open");
		return;
	}
	for (i = 0; i < 200; i++) {
		for (len = 0; len < sizeof(data); len++)
			data[len] = rnd();
		hash(data, sizeof(data), keys[i]);
		(void)store_put(s, keys[i], data, sizeof(data), i % 10 == 0);
	}
	store_close(s);
	if (pipe(p) == -1) {
		CHECK(0, "pipe");
		return;
	}
	if ((pid = fork()) == 0) {
		(void)close(p[0]);
		if ((s = open_store(0, xmsiz)) == NULL)
			_exit(10);
		(void)snprintf(path, sizeof(path), "%s/%s", tdir,
		    STORE_CHUNK_DB);
		if (stat(path, &sb) == -1)
			_exit(11);
		/* room for a few batches, then EFBIG */
		rl.rlim_cur = rl.rlim_max = (rlim_t)sb.st_size + 150 * 1024;
		(void)signal(SIGXFSZ, SIG_IGN);
		if (setrlimit(RLIMIT_FSIZE, &rl) == -1)
			_exit(12);
		for (;;) {
			r = 0;
			for (j = 0; j < 20 && r == 0; j++) {
				for (len = 0; len < sizeof(data); len++)
					data[len] = rnd();
				hash(data, sizeof(data), ack + j * STORE_KEY_LEN);
				r = store_put(s, ack + j * STORE_KEY_LEN, data,
				    sizeof(data), 0);
			}
			if (r == 0)
				r = store_commit(s);
			if (r == -1)
				break;
			if (write(p[1], ack, sizeof(ack)) != sizeof(ack))
				_exit(13);
			if (++batches == 64)
				_exit(18);	/* the limit never hit */
		}
		if (errno != EIO)
			_exit(14);
		/* broken: no writes, no commits, reads still work */
		hash(data, 10, key);
		if (store_put(s, key, data, 10, 0) != -1 || errno != EIO ||
		    store_commit(s) != -1 || errno != EIO)
			_exit(15);
		if (store_get(s, keys[1], data, sizeof(data), &len) == -1 ||
		    len != sizeof(data))
			_exit(16);
		if (strstr(store_errstr(s), "large") == NULL)
			_exit(17);	/* "File too large" from EFBIG */
		store_close(s);		/* leaves the files as a crash */
		_exit(0);
	}
	(void)close(p[1]);
	/* the acknowledged keys, whole keys only */
	have = 0;
	while ((n = read(p[0], acked + have, sizeof(acked) - have)) > 0) {
		have += (size_t)n;
		if (have == sizeof(acked))
			break;
	}
	nack = have / STORE_KEY_LEN;
	(void)close(p[0]);
	CHECK(pid != -1 && waitpid(pid, &status, 0) == pid &&
	    WIFEXITED(status) && WEXITSTATUS(status) == 0,
	    "full (xmsiz %lld): a write fails with EIO, then writes and "
	    "commits are refused and reads work (status %d)",
	    (long long)xmsiz, status);
	CHECK(nack > 0, "full: %zu chunks committed before the disk was full",
	    nack);
	if ((s = open_store(0, xmsiz)) == NULL) {
		CHECK(0, "full: reopen");
		return;
	}
	for (i = 0; i < 200; i++)
		if (store_has(s, keys[i]) != 1)
			missing++;
	for (i = 0; i < nack; i++)
		if (store_has(s, acked + i * STORE_KEY_LEN) != 1)
			missing++;
	store_stats(s, &st);
	CHECK(missing == 0 && st.chunks == 200 + nack,
	    "full: after reopen %llu chunks = 200 + %zu committed, %zu "
	    "missing", (unsigned long long)st.chunks, nack, missing);
	CHECK(store_verify(s, NULL) == 0, "full: counters match a scan %s",
	    store_errstr(s));
	for (len = 0; len < 100; len++)
		data[len] = rnd();
	hash(data, 100, key);
	CHECK(store_put(s, key, data, 100, 0) == 0 && store_commit(s) == 0,
	    "full: writable again after the reopen");
	store_close(s);
}

/*
 * Reserved mode at a full disk, in a child: fill the store in dir with
 * unpinned chunks, 20 per committed batch, until a put fails.  It must
 * fail with ENOSPC and leave the store working: the batch so far still
 * commits, reads work, and a reopen has every committed chunk.  Returns
 * the child's exit status: 0, 77 (cannot set the limit up here) or the
 * step that failed.
 */
static int
fill_reserved(const char *dir, int tmpfs)
{
	struct store		*s;
	struct store_conf	 conf;
	struct store_stats	 st;
	struct stat		 sb;
	struct rlimit		 rl;
	uint8_t			 data[STORE_CHUNK_MAX];
	uint8_t			(*keys)[STORE_KEY_LEN];
	char			 path[PATH_MAX + 16];
	size_t			 nk = 0, cap = 1 << 16, i, len;
	int			 r = 0;

	if (tmpfs) {
		/* an 8 MiB filesystem of our own: the host's stays untouched */
		if (unshare(CLONE_NEWNS) == -1)
			return (77);
		if (mount("none", "/", "none", MS_REC | MS_PRIVATE, NULL) == -1 ||
		    mount("kadtest", dir, "tmpfs", 0, "size=8m,mode=0700") ==
		    -1)
			return (77);
	}
	memset(&conf, 0, sizeof(conf));
	conf.bnum = 16381;
	if (!tmpfs) {
		/* the limit is in place when the store opens, as in kadstore */
		if ((s = store_open(dir, &conf)) == NULL)
			return (20);
		store_close(s);
		(void)snprintf(path, sizeof(path), "%s/%s", dir,
		    STORE_CHUNK_DB);
		if (stat(path, &sb) == -1)
			return (21);
		rl.rlim_cur = rl.rlim_max = (rlim_t)sb.st_size + 4 * 1048576;
		(void)signal(SIGXFSZ, SIG_IGN);
		if (setrlimit(RLIMIT_FSIZE, &rl) == -1)
			return (22);
	}
	if ((s = store_open(dir, &conf)) == NULL)
		return (20);
	if ((keys = calloc(cap, STORE_KEY_LEN)) == NULL)
		return (23);
	while (r == 0 && nk < cap) {
		for (i = 0; i < 20 && r == 0 && nk < cap; i++) {
			for (len = 0; len < sizeof(data); len++)
				data[len] = rnd();
			hash(data, sizeof(data), keys[nk]);
			if ((r = store_put(s, keys[nk], data, sizeof(data),
			    0)) == 0)
				nk++;
		}
		if (r == -1 && errno != ENOSPC) {
			printf("# put %zu: %s\n", nk, store_errstr(s));
			return (24);	/* EIO: TC failed, or a silent loss */
		}
		if (store_commit(s) == -1)
			return (25);
	}
	if (r == 0 || nk < 100) {
		printf("# %zu chunks: %s\n", nk, store_errstr(s));
		return (26);		/* never full, or full too early */
	}
	if (store_get(s, keys[0], data, sizeof(data), &len) == -1 ||
	    len != sizeof(data))
		return (27);
	store_close(s);
	if ((s = store_open(dir, &conf)) == NULL)
		return (28);
	for (i = 0; i < nk; i++)
		if (store_has(s, keys[i]) != 1)
			return (29);
	store_stats(s, &st);
	if (st.chunks != nk || store_verify(s, NULL) != 0)
		return (30);
	if (!store_reserved(s))
		return (31);
	store_close(s);
	if (!tmpfs) {
		/* no room at all when it opens: whole, and refusing */
		(void)snprintf(path, sizeof(path), "%s/%s", dir,
		    STORE_CHUNK_DB);
		if (stat(path, &sb) == -1)
			return (32);
		rl.rlim_cur = rl.rlim_max = (rlim_t)sb.st_size;
		if (setrlimit(RLIMIT_FSIZE, &rl) == -1 ||
		    (s = store_open(dir, &conf)) == NULL)
			return (33);
		if (!store_reserved(s) || store_has(s, keys[nk - 1]) != 1 ||
		    store_verify(s, NULL) != 0)
			return (34);
		hash(data, 100, keys[0]);
		if (store_put(s, keys[0], data, 100, 0) != -1 ||
		    errno != ENOSPC || store_commit(s) != 0)
			return (35);
		store_close(s);
	}
	free(keys);
	printf("# %s: %zu chunks stored before ENOSPC, all there after a "
	    "reopen\n", tmpfs ? "tmpfs" : "RLIMIT_FSIZE", nk);
	return (0);
}

static void
test_full_reserved(int tmpfs)
{
	char	 dir[PATH_MAX];
	pid_t	 pid;
	int	 status = -1;

	rmstore();
	(void)snprintf(dir, sizeof(dir), "%s/full", tdir);
	if (mkdir(dir, 0700) == -1) {
		CHECK(0, "mkdir %s", dir);
		return;
	}
	(void)fflush(stdout);
	if ((pid = fork()) == 0) {
		status = fill_reserved(tmpfs ? dir : tdir, tmpfs);
		(void)fflush(stdout);
		_exit(status);
	}
	if (pid == -1 || waitpid(pid, &status, 0) != pid)
		status = -1;
	(void)rmdir(dir);
	if (tmpfs && WIFEXITED(status) && WEXITSTATUS(status) == 77) {
		printf("ok - # skip reserved mode, a full tmpfs: no mount "
		    "namespace here (not root)\n");
		return;
	}
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	    "reserved mode, %s: new chunks get ENOSPC, the store still "
	    "commits and reads, every committed chunk is there after a "
	    "reopen (status %d)", tmpfs ? "a full tmpfs" : "RLIMIT_FSIZE",
	    status);
}

#ifdef KAD_TEST_HOOKS
/*
 * The one window random kills rarely hit: the chunk file committed, the
 * LRU index not.  The next open must rebuild the index from the chunks.
 */
static void
test_window(void)
{
	struct store		*s;
	struct store_stats	 st;
	uint8_t			 data[STORE_CHUNK_MAX];
	uint8_t			 keys[80][STORE_KEY_LEN];
	size_t			 i, len, missing = 0;
	pid_t			 pid;
	int			 status;

	rmstore();
	rng = 7;
	if ((s = open_store(0, 4 << 20)) == NULL) {
		CHECK(0, "window: open");
		return;
	}
	for (i = 0; i < 80; i++) {
		len = 1 + rnd() % STORE_CHUNK_MAX;
		memset(data, (int)i, len);
		hash(data, len, keys[i]);
		if (i < 50)
			(void)store_put(s, keys[i], data, len, i % 5 == 0);
	}
	store_close(s);
	rng = 7;
	if ((pid = fork()) == 0) {
		if ((s = open_store(0, 4 << 20)) == NULL)
			_exit(10);
		for (i = 0; i < 80; i++) {
			len = 1 + rnd() % STORE_CHUNK_MAX;
			memset(data, (int)i, len);
			if (i >= 50 && store_put(s, keys[i], data, len,
			    i % 7 == 0) == -1)
				_exit(11);
		}
		(void)store_unpin(s, keys[0]);
		(void)store_get(s, keys[1], data, sizeof(data), &len);
		store_test_exit_between_commits = 1;
		(void)store_commit(s);
		_exit(12);
	}
	CHECK(pid != -1 && waitpid(pid, &status, 0) == pid &&
	    WIFEXITED(status) && WEXITSTATUS(status) == 99,
	    "window: the child stopped between the two commits");
	if ((s = open_store(0, 4 << 20)) == NULL) {
		CHECK(0, "window: reopen");
		return;
	}
	for (i = 0; i < 80; i++)
		if (store_has(s, keys[i]) != 1)
			missing++;
	store_stats(s, &st);
	CHECK(missing == 0 && st.chunks == 80,
	    "window: the committed batch is there (%zu missing)", missing);
	CHECK(store_verify(s, NULL) == 0, "window: index rebuilt, "
	    "consistent %s", store_errstr(s));
	CHECK(store_info(s, keys[0], &len, NULL) == 0, "window: info");
	store_close(s);
}
#endif

int
main(void)
{
	log_init(1, 0);
	log_procinit("test_store_crash");
	rng = (uint64_t)time(NULL) ^ (uint64_t)getpid() << 32;
	printf("# seed %llu\n", (unsigned long long)rng);
	if ((sha256 = EVP_MD_fetch(NULL, "SHA256", NULL)) == NULL ||
	    (tab = calloc(TABSZ, sizeof(*tab))) == NULL ||
	    mkdtemp(tdir) == NULL) {
		printf("not ok - setup\n");
		return (1);
	}
	test_kill();
#ifdef KAD_TEST_HOOKS
	test_window();
#endif
	test_full(2 << 20);
	test_full_reserved(0);
	test_full_reserved(1);
	rmstore();
	(void)rmdir(tdir);
	free(tab);
	EVP_MD_free(sha256);
	return (test_done());
}
