/* SPDX-License-Identifier: ISC */
/*
 * bench_session: what the session layer of protocol version 2 costs on
 * one core, beside the raw primitives measured in the same run:
 *
 *   raw x25519        one X25519 (sc_x25519_dh), the handshake's unit
 *   raw gcm 1k        seal and open of 1 KiB (sc_gcm_seal, sc_gcm_open)
 *   handshakes        complete IK handshakes between two sess instances
 *                     in this process, kadcrypt's static DH answered at
 *                     once; both ends' work, so one is about half
 *   data 1k           a 1 KiB message sealed by one end and opened and
 *                     delivered by the other, through sess_send and
 *                     sess_input
 *
 * Each is the median of -n runs (5) of -t seconds (0.5).  The ratios say
 * how many raw X25519 a handshake costs and how close DATA comes to raw
 * AES-256-GCM.  Nothing leaves the process.
 */
#include <sys/types.h>

#include <err.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/rand.h>

#include "kadnet/krpc.h"
#include "kadnet/sess_crypto.h"
#include "kadnet/session.h"

#define MAXQ	64
#define MAXRUNS	32

struct end {
	struct sess	*s;
	uint8_t		 priv[32], pub[32];
	struct krpc_addr addr;
	uint64_t	 dh_cookie[8];
	uint8_t		 dh_peer[8][32];
	int		 ndh;
	uint64_t	 delivered;
};

struct dgram {
	struct end	*to;
	struct krpc_addr from;
	size_t		 len;
	uint8_t		 buf[SESS_MAX_DGRAM];
};

static struct end	 A, B;
static struct dgram	 Q[MAXQ];
static int		 qhead, qlen;
static uint64_t		 wall_ns;

static double
now_s(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((double)ts.tv_sec + ts.tv_nsec / 1e9);
}

static uint64_t
now_ms(void)
{
	return ((uint64_t)(now_s() * 1000));
}

static void
io_send(void *arg, const void *buf, size_t len, const struct krpc_addr *to)
{
	struct end	*e = arg;
	struct dgram	*d;

	if (qlen == MAXQ || len > SESS_MAX_DGRAM)
		errx(1, "datagram queue overflow");
	d = &Q[(qhead + qlen++) % MAXQ];
	d->to = memcmp(to, &A.addr, sizeof(*to)) == 0 ? &A : &B;
	d->from = e->addr;
	d->len = len;
	memcpy(d->buf, buf, len);
}

static void
io_deliver(void *arg, const uint8_t pub[32], const struct krpc_addr *from,
    int validated, const void *buf, size_t len)
{
	(void)pub;
	(void)from;
	(void)validated;
	(void)buf;
	(void)len;
	((struct end *)arg)->delivered++;
}

static void
io_static_dh(void *arg, uint64_t cookie, const uint8_t peer[32])
{
	struct end	*e = arg;

	if (e->ndh == 8)
		errx(1, "oracle queue overflow");
	e->dh_cookie[e->ndh] = cookie;
	memcpy(e->dh_peer[e->ndh], peer, 32);
	e->ndh++;
}

static void
io_random(void *arg, void *buf, size_t len)
{
	(void)arg;
	if (RAND_bytes(buf, (int)len) != 1)
		errx(1, "RAND_bytes");
}

/* strictly increasing, as the INIT timestamps must be per initiator */
static uint64_t
io_wall(void *arg)
{
	(void)arg;
	return (wall_ns += 1000);
}

static void
end_start(struct end *e)
{
	struct sess_config	cf;
	struct sess_io		io;

	sess_config_defaults(&cf);
	memcpy(cf.pub, e->pub, 32);
	/* one peer hammering us is the point here: no load defences */
	cf.hs_rate = cf.hs_burst = 1000000;
	cf.src_rate = cf.src_burst = 1000000;
	memset(&io, 0, sizeof(io));
	io.arg = e;
	io.send = io_send;
	io.deliver = io_deliver;
	io.static_dh = io_static_dh;
	io.random = io_random;
	io.wallclock_ns = io_wall;
	if ((e->s = sess_new(&cf, &io, now_ms())) == NULL)
		err(1, "sess_new");
}

static void
end_make(struct end *e, uint32_t ip)
{
	memset(e, 0, sizeof(*e));
	io_random(NULL, e->priv, 32);
	if (sc_x25519_pub(e->priv, e->pub) == -1)
		errx(1, "x25519");
	e->addr.family = KRPC_AF_INET;
	e->addr.ip[0] = 10;
	e->addr.ip[3] = (uint8_t)ip;
	e->addr.port = 4000;
	end_start(e);
}

/* kadcrypt's part, done here: the hashed static DH */
static int
oracle(struct end *e)
{
	uint8_t	out[32];
	int	i, n = e->ndh;

	e->ndh = 0;
	for (i = 0; i < n; i++) {
		if (sc_x25519_dh(e->priv, e->dh_peer[i], out) == -1)
			errx(1, "static DH");
		(void)sess_static_dh_reply(e->s, e->dh_cookie[i], SESS_DH_OK,
		    out, now_ms());
	}
	return (n);
}

static void
pump(void)
{
	struct dgram	*d;

	for (;;) {
		if (oracle(&A) + oracle(&B) > 0)
			continue;
		if (qlen == 0)
			return;
		d = &Q[qhead];
		qhead = (qhead + 1) % MAXQ;
		qlen--;
		sess_input(d->to->s, d->buf, d->len, &d->from, now_ms());
	}
}

static double
median(double *v, int n)
{
	int	i, j;
	double	t;

	for (i = 1; i < n; i++)
		for (j = i; j > 0 && v[j - 1] > v[j]; j--) {
			t = v[j];
			v[j] = v[j - 1];
			v[j - 1] = t;
		}
	return (n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2);
}

enum what { RAW_DH, RAW_GCM, HANDSHAKE, DATA };

/* One run of `secs`: operations per second. */
static double
run(enum what w, double secs)
{
	uint8_t		 k[32], nonce[12], pt[1024], ct[1024 + 16], o[32];
	struct sc_gcm	*g = NULL, *gd = NULL;
	double		 t0 = now_s(), t;
	uint64_t	 n = 0, before;

	memset(pt, 0x5a, sizeof(pt));
	io_random(NULL, k, sizeof(k));
	memset(nonce, 0, sizeof(nonce));
	if (w == RAW_GCM && ((g = sc_gcm_new(k, 1)) == NULL ||
	    (gd = sc_gcm_new(k, 0)) == NULL))
		errx(1, "sc_gcm_new");
	do {
		switch (w) {
		case RAW_DH:
			if (sc_x25519_dh(A.priv, B.pub, o) == -1)
				errx(1, "x25519");
			break;
		case RAW_GCM:
			sc_nonce(n, nonce);
			if (sc_gcm_seal(g, nonce, NULL, 0, pt, sizeof(pt),
			    ct) == -1 || sc_gcm_open(gd, nonce, NULL, 0, ct,
			    sizeof(ct), pt) == -1)
				errx(1, "gcm");
			break;
		case HANDSHAKE:
			/* a fresh initiator: it has no keys for B */
			sess_free(A.s);
			end_start(&A);
			before = B.delivered;
			if (sess_send(A.s, B.pub, &B.addr, "x", 1, 0,
			    now_ms()) == -1)
				err(1, "sess_send");
			pump();
			if (B.delivered != before + 1 ||
			    !sess_established(A.s, B.pub))
				errx(1, "handshake %llu did not complete",
				    (unsigned long long)n);
			break;
		case DATA:
			if (sess_send(A.s, B.pub, &B.addr, pt, sizeof(pt),
			    0, now_ms()) == -1)
				err(1, "sess_send");
			pump();
			break;
		}
		n++;
	} while ((n & 15) != 0 || (t = now_s() - t0) < secs);
	sc_gcm_free(g);
	sc_gcm_free(gd);
	return ((double)n / t);
}

static double
measure(enum what w, int runs, double secs)
{
	double	v[MAXRUNS];
	int	i;

	for (i = 0; i < runs; i++)
		v[i] = run(w, secs);
	return (median(v, runs));
}

int
main(int argc, char *argv[])
{
	double	 secs = 0.5, dh, gcm, hs, data;
	int	 runs = 5, c;
	uint64_t b0;

	while ((c = getopt(argc, argv, "n:t:")) != -1) {
		switch (c) {
		case 'n':
			runs = atoi(optarg);
			break;
		case 't':
			secs = atof(optarg);
			break;
		default:
			fprintf(stderr, "usage: bench_session [-n runs] "
			    "[-t seconds]\n");
			return (2);
		}
	}
	if (runs < 1 || runs > MAXRUNS || secs <= 0)
		errx(2, "-n 1..%d, -t > 0", MAXRUNS);
	if (sc_init() == -1)
		errx(1, "sc_init");
	end_make(&A, 1);
	end_make(&B, 2);
	printf("bench_session: one core, median of %d runs of %.1f s\n",
	    runs, secs);
	dh = measure(RAW_DH, runs, secs);
	printf("raw x25519: %.0f/s\n", dh);
	gcm = measure(RAW_GCM, runs, secs);
	printf("raw gcm 1k seal+open: %.0f/s (%.0f MB/s)\n", gcm,
	    gcm * 1024 / 1e6);
	hs = measure(HANDSHAKE, runs, secs);
	printf("handshakes: %.0f/s, both ends (%.1f X25519s of time each)\n",
	    hs, dh / hs);
	b0 = B.delivered;
	data = measure(DATA, runs, secs);
	if (B.delivered - b0 == 0)
		errx(1, "no DATA delivered");
	printf("data 1k seal+open+deliver: %.0f/s (%.0f MB/s), ratio %.2f "
	    "to raw gcm\n", data, data * 1024 / 1e6,
	    data / gcm);
	sess_free(A.s);
	sess_free(B.s);
	sc_cleanup();
	return (0);
}
