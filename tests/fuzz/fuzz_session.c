/* SPDX-License-Identifier: ISC */
/*
 * libFuzzer harness for the session layer (kadnet/session.c, sess_hs.c,
 * sess_data.c, noise.c).  Two nodes, A and B, share a completed
 * handshake; the input is a series of records, each a datagram for B
 * (or for A), from A's address or from another.  A record may ask for
 * its mac1 to be made right (so that INITs and RESPs get past the cheap
 * check to the DHs and the sealed fields), or be sent by A through its
 * real keys (so that B's DATA path sees arbitrary inner messages).
 * kadcrypt's oracle answers at once, or refuses.  Whatever the bytes,
 * nothing may read out of bounds, leak, or send an unproved address
 * more than it sent.
 */
#include <sys/types.h>

#include <bsd/sys/endian.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "kadnet/krpc.h"
#include "kadnet/session.h"
#include "kadnet/sess_crypto.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

struct fnode {
	struct sess	*s;
	uint8_t		 priv[32], pub[32];
	struct krpc_addr addr;
	uint64_t	 cookie[16];
	uint8_t		 peer[16][32];
	size_t		 ndh;
	int		 refuse;
};

static struct fnode	A, B;
static uint64_t		now;
static uint64_t		rstate;
/* bytes B sent to, and got from, the stranger's address */
static size_t		to_stranger, from_stranger;
static struct krpc_addr	stranger;
static uint8_t		qbuf[8][SESS_MAX_DGRAM];
static size_t		qlen[8], qn;
static struct fnode	*qto[8];

static void
frnd(void *arg, void *buf, size_t len)
{
	uint8_t	*p = buf;
	size_t	 i;

	(void)arg;
	for (i = 0; i < len; i++) {
		rstate = rstate * 6364136223846793005ULL + 1442695040888963407ULL;
		p[i] = (uint8_t)(rstate >> 56);
	}
}

static int
addr_eq(const struct krpc_addr *a, const struct krpc_addr *b)
{
	return (a->family == b->family && a->port == b->port &&
	    memcmp(a->ip, b->ip, 4) == 0);
}

static void
fsend(void *arg, const void *buf, size_t len, const struct krpc_addr *to)
{
	(void)arg;
	if (addr_eq(to, &stranger))
		to_stranger += len;
	if (qn < 8 && len <= SESS_MAX_DGRAM) {
		memcpy(qbuf[qn], buf, len);
		qlen[qn] = len;
		qto[qn] = addr_eq(to, &A.addr) ? &A : addr_eq(to, &B.addr) ?
		    &B : NULL;
		qn++;
	}
}

static void
fdeliver(void *arg, const uint8_t pub[32], const struct krpc_addr *from,
    int validated, const void *buf, size_t len)
{
	(void)arg;
	(void)pub;
	(void)from;
	(void)validated;
	if (len > SESS_MAX_INNER)
		abort();
	(void)buf;
}

static void
fdh(void *arg, uint64_t cookie, const uint8_t peer[32])
{
	struct fnode	*n = arg;

	if (n->ndh < 16) {
		n->cookie[n->ndh] = cookie;
		memcpy(n->peer[n->ndh], peer, 32);
		n->ndh++;
	}
}

static uint64_t
fwall(void *arg)
{
	(void)arg;
	return (1700000000ULL * 1000000000ULL + now * 1000000ULL);
}

static void
answer(struct fnode *n)
{
	uint8_t		out[32];
	size_t		i, k;
	uint64_t	c[16];
	uint8_t		p[16][32];
	int		st;

	k = n->ndh;
	memcpy(c, n->cookie, sizeof(c));
	memcpy(p, n->peer, sizeof(p));
	n->ndh = 0;
	for (i = 0; i < k; i++) {
		st = !n->refuse && sc_x25519_dh(n->priv, p[i], out) == 0 ?
		    SESS_DH_OK : SESS_DH_FAILED;
		if (st != SESS_DH_OK)
			memset(out, 0, sizeof(out));
		(void)sess_static_dh_reply(n->s, c[i], st, out, now);
	}
}

/* Datagrams and DHs between A and B until nothing moves. */
static void
pump(void)
{
	uint8_t		 buf[SESS_MAX_DGRAM];
	struct fnode	*to;
	size_t		 len, i, rounds;

	for (rounds = 0; rounds < 64; rounds++) {
		answer(&A);
		answer(&B);
		if (qn == 0 && A.ndh == 0 && B.ndh == 0)
			return;
		if (qn == 0)
			continue;
		memcpy(buf, qbuf[0], qlen[0]);
		len = qlen[0];
		to = qto[0];
		for (i = 1; i < qn; i++) {
			memcpy(qbuf[i - 1], qbuf[i], qlen[i]);
			qlen[i - 1] = qlen[i];
			qto[i - 1] = qto[i];
		}
		qn--;
		if (to != NULL)
			sess_input(to->s, buf, len, to == &A ? &B.addr :
			    &A.addr, now);
	}
}

static void
mk(struct fnode *n, uint8_t seed, uint32_t ip)
{
	struct sess_config	cf;
	struct sess_io		io;

	memset(n, 0, sizeof(*n));
	memset(n->priv, seed, 32);
	n->priv[0] &= 248;
	n->priv[31] = (n->priv[31] & 127) | 64;
	(void)sc_x25519_pub(n->priv, n->pub);
	n->addr.family = KRPC_AF_INET;
	be32enc(n->addr.ip, ip);
	n->addr.port = 4000;
	sess_config_defaults(&cf);
	cf.puzzle_bits = 0;	/* made-up keys: reach past the puzzle */
	memcpy(cf.pub, n->pub, 32);
	cf.hs_rate = 4;		/* so that the cookie path is reached */
	cf.hs_burst = 4;
	memset(&io, 0, sizeof(io));
	io.arg = n;
	io.send = fsend;
	io.deliver = fdeliver;
	io.static_dh = fdh;
	io.random = frnd;
	io.wallclock_ns = fwall;
	if ((n->s = sess_new(&cf, &io, now)) == NULL)
		abort();
}

/* mac1 over p[0..len-32) for the receiver's key, in place. */
static void
fix_mac1(const uint8_t rpub[32], uint8_t *p, size_t len, size_t off)
{
	uint8_t	key[32], m[32];

	if (len < off + 16)
		return;
	(void)sc_sha256("mac1", 4, rpub, 32, key);
	(void)sc_hmac(key, p, off, NULL, 0, m);
	memcpy(p + off, m, 16);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t		 pkt[SESS_MAX_DGRAM], req[45];
	struct fnode	*to;
	size_t		 len;
	uint8_t		 ctl;

	rstate = 1;
	now = 1000000;
	qn = 0;
	to_stranger = from_stranger = 0;
	memset(&stranger, 0, sizeof(stranger));
	stranger.family = KRPC_AF_INET;
	be32enc(stranger.ip, 0x0a0000fe);
	stranger.port = 5000;
	mk(&A, 0x21, 0x0a000001);
	mk(&B, 0x42, 0x0a000002);
	memset(req, 0x33, sizeof(req));
	(void)sess_send(A.s, B.pub, &B.addr, req, sizeof(req), 1100, now);
	pump();

	/* records: control byte, 2-byte length, bytes */
	while (size >= 3) {
		ctl = data[0];
		len = be16dec(data + 1);
		data += 3;
		size -= 3;
		if (len > size)
			len = size;
		if (len > SESS_MAX_DGRAM)
			len = SESS_MAX_DGRAM;
		memcpy(pkt, data, len);
		data += len;
		size -= len;
		to = (ctl & 1) ? &A : &B;
		to->refuse = (ctl & 2) != 0;
		now += (ctl >> 5) * 700;
		if (ctl & 8) {
			/* through A's real keys: any inner message */
			(void)sess_send(A.s, B.pub, &B.addr, pkt,
			    len > SESS_MAX_INNER ? SESS_MAX_INNER : len,
			    (ctl & 16) ? 1100 : 0, now);
			pump();
			continue;
		}
		if ((ctl & 4) && len >= 4) {
			if (pkt[0] == SESS_INIT && len >= 150)
				fix_mac1(to->pub, pkt, len, len - 32);
			else if (pkt[0] == SESS_RESP && len == 92)
				fix_mac1(to->pub, pkt, len, 60);
		}
		if (ctl & 16) {
			from_stranger += len;
			sess_input(to->s, pkt, len, &stranger, now);
		} else
			sess_input(to->s, pkt, len, to == &A ? &B.addr :
			    &A.addr, now);
		pump();
		sess_timer(A.s, now);
		sess_timer(B.s, now);
		pump();
	}
	/*
	 * The stranger never answered anything: whatever it sent, it may
	 * not have drawn more bytes than that.
	 */
	if (to_stranger > from_stranger)
		abort();
	sess_free(A.s);
	sess_free(B.s);
	return (0);
}
