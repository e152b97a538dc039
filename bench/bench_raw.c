/* SPDX-License-Identifier: ISC */
/*
 * bench_raw: the raw limits of this machine for the stages a kad put and
 * get go through, measured the way kad uses them, so that `make bench`
 * can print kad's throughput as a ratio to the slowest one.
 *
 *   raw aes-256-ctr   1 KiB EVP_EncryptUpdate on one continuing CTR
 *                     stream (kadcrypt's data path)
 *   raw aes-256-gcm   1 KiB seal: new nonce (Init_ex2), Update, Final,
 *                     GET_TAG on a reused context
 *   raw sha-256       1 KiB Init_ex2/Update/Final on a reused context
 *                     with a pre-fetched EVP_MD (the chunk address)
 *   raw tc-put        Tokyo Cabinet TCHDB put of a 1 KiB value under a
 *                     random 32-byte key, HDBTLARGE and the tuning
 *                     kadstore uses with no storage-limit, in
 *                     transactions of -b puts (default 1000, no
 *                     HDBOTSYNC); -m sets xmsiz (default: the header
 *                     and bucket array, as kadstore's reserved mode)
 *   info tc-get       tchdbget3 of random existing keys of that file
 *   raw rs-encode     Reed-Solomon (kadcrypt/erasure.c) of a stripe of
 *                     k = 64 data and m = 24 parity blocks of 1 KiB:
 *                     ec_encode, MB/s of data (64 KiB a stripe)
 *   raw rs-decode     the worst loss: 24 data blocks rebuilt from 40
 *                     data and the 24 parity blocks, the lost set
 *                     alternating between two stripes so that every
 *                     decode inverts its matrix anew; MB/s of the
 *                     stripe's data
 *   info rs-decode-kept  the same with one lost set throughout, so the
 *                     codec's kept tables serve every decode
 *
 * Each stage runs about -t seconds (default 1) after a short warm-up, -n
 * times (default 3); the line gives the median, in MB/s of 10^6 bytes of
 * 1 KiB blocks.  Single-threaded, not pinned.
 *
 * bench_raw -x FILE cmd [arg ...] runs cmd and writes one line to FILE:
 *   wall SECONDS user SECONDS sys SECONDS maxrss KB status N
 * (wait4's rusage: the peak resident set of cmd).  bench/run.sh uses it
 * to time and measure kadctl.
 */
#include <sys/types.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <err.h>
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <bsd/stdlib.h>
#include <bsd/string.h>
#include <openssl/evp.h>
#include <tcutil.h>
#include <tchdb.h>

#include "kadcrypt/erasure.h"

#define BLK		1024
#define MAXRUNS		15
#define CHECK_EVERY	256		/* crypto ops between clock reads */
#define EC_K		64		/* the stripe of rs-encode, rs-decode */
#define EC_M		24
#define EC_EVERY	16		/* stripes between clock reads */

/*
 * kadstore/store_tc.c's tuning with storage-limit 0 (the default) in its
 * reserved mode; keep in step with BNUM_NOLIMIT, HDB_HEADSIZ and
 * HDB_FPOW there.
 */
#define TC_BNUM		1048573		/* BNUM_NOLIMIT */
#define TC_XMSIZ	(256 + 8LL * TC_BNUM)	/* header and buckets */
#define TC_FPOW		12		/* HDB_FPOW */

static double		 secs = 1.0;
static int		 runs = 3;
static int		 batch = 1000;	/* TC puts per transaction */
static int64_t		 xmsiz = TC_XMSIZ;
static char		 dbdir[PATH_MAX];
static char		 dbpath[PATH_MAX + 16];
static uint8_t		 in[BLK], out[BLK + 16];

static __attribute__((__noreturn__)) void usage(void);

static double
now(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (ts.tv_sec + ts.tv_nsec / 1e9);
}

static int
dcmp(const void *a, const void *b)
{
	double	 x = *(const double *)a, y = *(const double *)b;

	return ((x > y) - (x < y));
}

static double
median(double *v, int n)
{
	qsort(v, n, sizeof(*v), dcmp);
	return ((n & 1) ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2);
}

static uint64_t
splitmix64(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ULL;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
	return (x ^ (x >> 31));
}

/* A pseudo-random 32-byte key for record i of run r. */
static void
mkkey(uint8_t k[32], uint64_t r, uint64_t i)
{
	uint64_t	 v;
	int		 j;

	for (j = 0; j < 4; j++) {
		v = splitmix64((r << 40) ^ (i << 2) ^ (uint64_t)j);
		memcpy(k + 8 * j, &v, 8);
	}
}

static void
ossl_fail(const char *what)
{
	errx(1, "%s failed", what);
}

/* Every stage: ops done in the given time; returns MB/s. */
typedef double (*stage_fn)(double, uint64_t);

static double
st_ctr(double t, uint64_t r)
{
	EVP_CIPHER	*c;
	EVP_CIPHER_CTX	*ctx;
	uint8_t		 key[32], iv[16];
	double		 t0, t1;
	uint64_t	 n = 0;
	int		 i, outl;

	memset(key, (int)r, sizeof(key));
	memset(iv, 0, sizeof(iv));
	if ((c = EVP_CIPHER_fetch(NULL, "AES-256-CTR", NULL)) == NULL ||
	    (ctx = EVP_CIPHER_CTX_new()) == NULL ||
	    EVP_EncryptInit_ex2(ctx, c, key, iv, NULL) != 1)
		ossl_fail("AES-256-CTR setup");
	t0 = now();
	do {
		for (i = 0; i < CHECK_EVERY; i++)
			if (EVP_EncryptUpdate(ctx, out, &outl, in, BLK) != 1 ||
			    outl != BLK)
				ossl_fail("AES-256-CTR");
		n += CHECK_EVERY;
	} while ((t1 = now()) - t0 < t);
	EVP_CIPHER_CTX_free(ctx);
	EVP_CIPHER_free(c);
	return (n * BLK / (t1 - t0) / 1e6);
}

static double
st_gcm(double t, uint64_t r)
{
	EVP_CIPHER	*c;
	EVP_CIPHER_CTX	*ctx;
	uint8_t		 key[32], nonce[12], tag[16];
	double		 t0, t1;
	uint64_t	 n = 0;
	int		 i, outl, finl;

	memset(key, (int)r, sizeof(key));
	memset(nonce, 0, sizeof(nonce));
	if ((c = EVP_CIPHER_fetch(NULL, "AES-256-GCM", NULL)) == NULL ||
	    (ctx = EVP_CIPHER_CTX_new()) == NULL ||
	    EVP_EncryptInit_ex2(ctx, c, key, NULL, NULL) != 1)
		ossl_fail("AES-256-GCM setup");
	t0 = now();
	do {
		for (i = 0; i < CHECK_EVERY; i++) {
			memcpy(nonce, &n, sizeof(n));
			n++;
			if (EVP_EncryptInit_ex2(ctx, NULL, NULL, nonce,
			    NULL) != 1 ||
			    EVP_EncryptUpdate(ctx, out, &outl, in, BLK) != 1 ||
			    EVP_EncryptFinal_ex(ctx, out + outl, &finl) != 1 ||
			    EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_GET_TAG,
			    sizeof(tag), tag) != 1)
				ossl_fail("AES-256-GCM");
		}
	} while ((t1 = now()) - t0 < t);
	EVP_CIPHER_CTX_free(ctx);
	EVP_CIPHER_free(c);
	return (n * BLK / (t1 - t0) / 1e6);
}

static double
st_sha(double t, uint64_t r)
{
	EVP_MD		*md;
	EVP_MD_CTX	*ctx;
	uint8_t		 h[EVP_MAX_MD_SIZE];
	unsigned int	 hl;
	double		 t0, t1;
	uint64_t	 n = 0;
	int		 i;

	(void)r;
	if ((md = EVP_MD_fetch(NULL, "SHA256", NULL)) == NULL ||
	    (ctx = EVP_MD_CTX_new()) == NULL)
		ossl_fail("SHA-256 setup");
	t0 = now();
	do {
		for (i = 0; i < CHECK_EVERY; i++) {
			if (EVP_DigestInit_ex2(ctx, md, NULL) != 1 ||
			    EVP_DigestUpdate(ctx, in, BLK) != 1 ||
			    EVP_DigestFinal_ex(ctx, h, &hl) != 1)
				ossl_fail("SHA-256");
			in[0] ^= h[0];	/* keep the result live */
		}
		n += CHECK_EVERY;
	} while ((t1 = now()) - t0 < t);
	EVP_MD_CTX_free(ctx);
	EVP_MD_free(md);
	return (n * BLK / (t1 - t0) / 1e6);
}

static __attribute__((__noreturn__)) void
tc_die(TCHDB *h, const char *what)
{
	errx(1, "%s: %s: %s", dbpath, what, tcerrmsg(tchdbecode(h)));
}

/* A fresh TCHDB tuned like kadstore's chunk file. */
static TCHDB *
tc_open(void)
{
	TCHDB	*h;

	(void)unlink(dbpath);
	if ((h = tchdbnew()) == NULL)
		errx(1, "tchdbnew");
	if (!tchdbtune(h, TC_BNUM, -1, TC_FPOW, HDBTLARGE) ||
	    !tchdbsetxmsiz(h, xmsiz))
		tc_die(h, "tune");
	if (!tchdbopen(h, dbpath, HDBOWRITER | HDBOCREAT | HDBOTRUNC))
		tc_die(h, "open");
	return (h);
}

static void
tc_close(TCHDB *h)
{
	char	 wal[sizeof(dbpath) + 8];

	if (!tchdbclose(h))
		tc_die(h, "close");
	tchdbdel(h);
	(void)unlink(dbpath);
	(void)snprintf(wal, sizeof(wal), "%s.wal", dbpath);
	(void)unlink(wal);
}

/* Puts for t seconds; *np receives the number of records. */
static double
tc_fill(TCHDB *h, double t, uint64_t r, uint64_t *np)
{
	uint8_t		 k[32];
	double		 t0, t1;
	uint64_t	 n = 0;
	int		 i;

	t0 = now();
	do {
		if (!tchdbtranbegin(h))
			tc_die(h, "tranbegin");
		for (i = 0; i < batch; i++) {
			mkkey(k, r, n);
			memcpy(in, &n, sizeof(n));	/* distinct values */
			n++;
			if (!tchdbput(h, k, sizeof(k), in, BLK))
				tc_die(h, "put");
		}
		if (!tchdbtrancommit(h))
			tc_die(h, "trancommit");
	} while ((t1 = now()) - t0 < t);
	*np = n;
	return (n * BLK / (t1 - t0) / 1e6);
}

static double
st_tcput(double t, uint64_t r)
{
	TCHDB		*h;
	uint64_t	 n;
	double		 v;

	h = tc_open();
	v = tc_fill(h, t, r, &n);
	tc_close(h);
	return (v);
}

static double
st_tcget(double t, uint64_t r)
{
	TCHDB		*h;
	uint8_t		 k[32];
	uint64_t	 n, i = 0, rnd = r;
	double		 t0, t1;
	int		 j, sz;

	h = tc_open();
	(void)tc_fill(h, t, r, &n);
	t0 = now();
	do {
		for (j = 0; j < CHECK_EVERY; j++, i++) {
			rnd = splitmix64(rnd);
			mkkey(k, r, rnd % n);
			if ((sz = tchdbget3(h, k, sizeof(k), out,
			    sizeof(out))) != BLK)
				tc_die(h, "get");
		}
	} while ((t1 = now()) - t0 < t);
	tc_close(h);
	return (i * BLK / (t1 - t0) / 1e6);
}

/* a coded stripe, its erasures and what they gave back */
static uint8_t		 ec_blk[EC_K + EC_M][BLK], ec_out[EC_M][BLK];

/* lost set s (0, 1): data blocks 24s.. are lost; the others are read */
static void
ec_pattern(unsigned s, unsigned idx[EC_K], const uint8_t *src[EC_K],
    unsigned want[EC_M], uint8_t *dst[EC_M])
{
	unsigned	 b, n = 0, w = 0, lo = s * (EC_K - EC_M);

	for (b = 0; b < EC_K + EC_M; b++) {
		if (b >= lo && b < lo + EC_M) {
			dst[w] = ec_out[w];
			want[w++] = b;
		} else {
			idx[n] = b;
			src[n++] = ec_blk[b];
		}
	}
}

static struct ec *
ec_setup(uint64_t r)
{
	struct ec	*ec;
	const uint8_t	*data[EC_K];
	uint8_t		*parity[EC_M];
	unsigned	 b;
	size_t		 i;

	if ((ec = ec_new(EC_K, EC_M)) == NULL)
		err(1, "ec_new");
	for (b = 0; b < EC_K; b++) {
		for (i = 0; i < BLK; i++)
			ec_blk[b][i] = (uint8_t)splitmix64(r * BLK * EC_K +
			    b * BLK + i);
		data[b] = ec_blk[b];
	}
	for (b = 0; b < EC_M; b++)
		parity[b] = ec_blk[EC_K + b];
	ec_encode(ec, BLK, data, parity);
	return (ec);
}

static double
st_rsenc(double t, uint64_t r)
{
	struct ec	*ec;
	const uint8_t	*data[EC_K];
	uint8_t		*parity[EC_M];
	double		 t0, t1;
	uint64_t	 n = 0;
	unsigned	 b, i;

	ec = ec_setup(r);
	for (b = 0; b < EC_K; b++)
		data[b] = ec_blk[b];
	for (b = 0; b < EC_M; b++)
		parity[b] = ec_blk[EC_K + b];
	t0 = now();
	do {
		for (i = 0; i < EC_EVERY; i++)
			ec_encode(ec, BLK, data, parity);
		n += EC_EVERY;
	} while ((t1 = now()) - t0 < t);
	ec_free(ec);
	return (n * EC_K * BLK / (t1 - t0) / 1e6);
}

/* rs-decode (nsets 2: a new lost set every stripe) and rs-decode-kept */
static double
rsdec(double t, uint64_t r, unsigned nsets)
{
	struct ec	*ec;
	unsigned	 idx[2][EC_K], want[2][EC_M], i, s;
	const uint8_t	*src[2][EC_K];
	uint8_t		*dst[2][EC_M];
	double		 t0, t1;
	uint64_t	 n = 0;

	ec = ec_setup(r);
	for (s = 0; s < 2; s++) {
		ec_pattern(s, idx[s], src[s], want[s], dst[s]);
		if (ec_decode(ec, BLK, idx[s], src[s], EC_M, want[s],
		    dst[s]) == -1)
			err(1, "ec_decode");
		for (i = 0; i < EC_M; i++)
			if (memcmp(dst[s][i], ec_blk[want[s][i]], BLK) != 0)
				errx(1, "ec_decode: block %u differs",
				    want[s][i]);
	}
	t0 = now();
	do {
		for (i = 0; i < EC_EVERY; i++) {
			s = (unsigned)(n + i) % nsets;
			if (ec_decode(ec, BLK, idx[s], src[s], EC_M, want[s],
			    dst[s]) == -1)
				err(1, "ec_decode");
		}
		n += EC_EVERY;
	} while ((t1 = now()) - t0 < t);
	ec_free(ec);
	return (n * EC_K * BLK / (t1 - t0) / 1e6);
}

static double
st_rsdec(double t, uint64_t r)
{
	return (rsdec(t, r, 2));
}

static double
st_rsdeck(double t, uint64_t r)
{
	return (rsdec(t, r, 1));
}

static void
stage(const char *prefix, const char *name, stage_fn fn)
{
	double	 v[MAXRUNS];
	int	 i;

	(void)fn(secs / 5, 100);	/* warm-up */
	for (i = 0; i < runs; i++)
		v[i] = fn(secs, (uint64_t)i + 1);
	printf("%s %s: %.0f MB/s\n", prefix, name, median(v, runs));
	fflush(stdout);
}

static double
tv(const struct timeval *t)
{
	return (t->tv_sec + t->tv_usec / 1e6);
}

static volatile sig_atomic_t	 xchild;

/* -x: pass a stop signal on to the command, so that it never outlives us */
static void
xforward(int sig)
{
	if (xchild > 0)
		(void)kill(xchild, sig);
}

/* -x: run a command, report its time and peak RSS. */
static int
xrun(const char *file, char **argv)
{
	struct sigaction sa;
	struct rusage	 ru;
	FILE		*f;
	double		 t0, t1;
	pid_t		 pid;
	int		 status, rv;

	t0 = now();
	if ((pid = fork()) == -1)
		err(1, "fork");
	if (pid == 0) {
		execvp(argv[0], argv);
		err(127, "%s", argv[0]);
	}
	xchild = pid;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = xforward;
	sigemptyset(&sa.sa_mask);
	(void)sigaction(SIGHUP, &sa, NULL);
	(void)sigaction(SIGINT, &sa, NULL);
	(void)sigaction(SIGTERM, &sa, NULL);
	while (wait4(pid, &status, 0, &ru) == -1)
		if (errno != EINTR)
			err(1, "wait4");
	t1 = now();
	rv = WIFEXITED(status) ? WEXITSTATUS(status) :
	    128 + WTERMSIG(status);
	if ((f = fopen(file, "w")) == NULL)
		err(1, "%s", file);
	fprintf(f, "wall %.4f user %.3f sys %.3f maxrss %ld status %d\n",
	    t1 - t0, tv(&ru.ru_utime), tv(&ru.ru_stime), ru.ru_maxrss, rv);
	if (fclose(f) == EOF)
		err(1, "%s", file);
	return (rv);
}

static __attribute__((__noreturn__)) void
usage(void)
{
	fprintf(stderr, "usage: bench_raw [-b batch] [-d dir] [-m xmsiz] "
	    "[-n runs] [-t seconds]\n"
	    "       bench_raw -x file command [arg ...]\n");
	exit(2);
}

int
main(int argc, char *argv[])
{
	const char	*errstr, *tmp;
	char		*end;
	int		 ch, mine = 0;
	size_t		 i;

	if (argc >= 4 && strcmp(argv[1], "-x") == 0)
		return (xrun(argv[2], argv + 3));

	while ((ch = getopt(argc, argv, "b:d:m:n:t:")) != -1) {
		switch (ch) {
		case 'b':
			batch = (int)strtonum(optarg, 1, 1000000, &errstr);
			if (errstr != NULL)
				errx(1, "-b %s: %s", optarg, errstr);
			break;
		case 'd':
			if (strlcpy(dbdir, optarg, sizeof(dbdir)) >=
			    sizeof(dbdir))
				errx(1, "-d: path too long");
			break;
		case 'm':
			xmsiz = strtonum(optarg, 0, 1LL << 40, &errstr);
			if (errstr != NULL)
				errx(1, "-m %s: %s", optarg, errstr);
			break;
		case 'n':
			runs = (int)strtonum(optarg, 1, MAXRUNS, &errstr);
			if (errstr != NULL)
				errx(1, "-n %s: %s", optarg, errstr);
			break;
		case 't':
			errno = 0;
			secs = strtod(optarg, &end);
			if (errno || *end != '\0' || secs <= 0 || secs > 60)
				errx(1, "-t %s: invalid", optarg);
			break;
		default:
			usage();
		}
	}
	if (optind != argc)
		usage();
	if (dbdir[0] == '\0') {
		if ((tmp = getenv("TMPDIR")) == NULL || *tmp == '\0')
			tmp = "/tmp";
		(void)snprintf(dbdir, sizeof(dbdir), "%s/bench_raw.XXXXXX",
		    tmp);
		if (mkdtemp(dbdir) == NULL)
			err(1, "mkdtemp %s", dbdir);
		mine = 1;
	}
	(void)snprintf(dbpath, sizeof(dbpath), "%s/raw.tch", dbdir);
	for (i = 0; i < sizeof(in); i++)
		in[i] = (uint8_t)splitmix64(i);

	printf("bench_raw: 1 KiB blocks, median of %d runs of %.1f s, "
	    "MB = 10^6 bytes, TC: %d puts per transaction, xmsiz %lld\n",
	    runs, secs, batch, (long long)xmsiz);
	stage("raw", "aes-256-ctr", st_ctr);
	stage("raw", "aes-256-gcm", st_gcm);
	stage("raw", "sha-256", st_sha);
	stage("raw", "tc-put", st_tcput);
	stage("info", "tc-get", st_tcget);
	stage("raw", "rs-encode", st_rsenc);
	stage("raw", "rs-decode", st_rsdec);
	stage("info", "rs-decode-kept", st_rsdeck);
	if (mine && rmdir(dbdir) == -1)
		warn("rmdir %s", dbdir);
	return (0);
}
