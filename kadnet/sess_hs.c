/* SPDX-License-Identifier: ISC */
/*
 * sess_hs: the handshake messages (sess_local.h, docs/PROTOCOL.md
 * section 2).  Integers are little-endian indexes and big-endian
 * everything else; the three bytes after the type are zero.
 *
 *	INIT	type 1, sender index, e (32), s sealed (48), payload
 *		sealed (timestamp 12, inner length 2, inner, zero
 *		padding; and the tag), mac1 (16), mac2 (16)
 *	RESP	type 2, sender index, receiver index, e (32), an empty
 *		payload's tag (16), mac1, mac2: 92 bytes
 *	COOKIE	type 2's answer under load: receiver index, nonce (8),
 *		the cookie sealed (48): 64 bytes
 *	KEYREQ	type 5, nonce (8), zeros to 64 bytes
 *	KEYRES	type 6, nonce (8), the static key (32): 44 bytes
 *
 * mac1 = HMAC(SHA-256("mac1" || receiver's key), everything before it)
 * lets a node throw away, for the price of a hash, an INIT or RESP not
 * made for its key.  mac2 = HMAC(cookie, everything before it), where a
 * cookie is HMAC(secret, source address) and the secret changes every
 * cookie_ms: only demanded under load, it proves that the sender
 * receives datagrams at its address before we spend anything on it.
 */
#include <sys/types.h>

#include <bsd/sys/endian.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "node_id.h"
#include "session.h"
#include "sess_local.h"

static int
mac(const uint8_t key[32], const uint8_t *p, size_t len,
    uint8_t out[SESS_MAC_LEN])
{
	uint8_t	h[SC_HASH_LEN];

	if (sc_hmac(key, p, len, NULL, 0, h) == -1)
		return (-1);
	memcpy(out, h, SESS_MAC_LEN);
	return (0);
}

static int
mac_ok(const uint8_t key[32], const uint8_t *p, size_t len,
    const uint8_t want[SESS_MAC_LEN])
{
	uint8_t	m[SESS_MAC_LEN];

	return (mac(key, p, len, m) == 0 && sc_memeq(m, want, SESS_MAC_LEN));
}

static int
cookie_of(const uint8_t secret[32], const struct krpc_addr *a,
    uint8_t out[32])
{
	uint8_t	ab[20];

	sess_addr_bytes(a, ab);
	return (sc_hmac(secret, ab, sizeof(ab), NULL, 0, out));
}

/* Ours, strictly increasing: s then ns since 1970, big-endian. */
static void
timestamp(struct sess *s, uint8_t ts[SESS_TS_LEN])
{
	uint64_t	ns = s->io.wallclock_ns(s->io.arg), last;

	last = be64dec(s->last_ts) * 1000000000ULL + be32dec(s->last_ts + 8);
	if (ns <= last)
		ns = last + 1;
	be64enc(ts, ns / 1000000000ULL);
	be32enc(ts + 8, (uint32_t)(ns % 1000000000ULL));
	memcpy(s->last_ts, ts, SESS_TS_LEN);
}

/* Milli-tokens in the load and KEYREQ buckets, refilled. */
static void
refill(struct sess *s, uint64_t now)
{
	uint64_t	dt = now - s->tokens_at, max;

	if (now <= s->tokens_at)
		return;
	s->tokens_at = now;
	max = (uint64_t)s->cf.hs_burst * 1000;
	s->hs_tokens += dt * s->cf.hs_rate;
	if (s->hs_tokens > max)
		s->hs_tokens = max;
	max = (uint64_t)s->cf.keyreq_rate * 1000;
	s->kr_tokens += dt * s->cf.keyreq_rate;
	if (s->kr_tokens > max)
		s->kr_tokens = max;
}

/* ---- initiator ---- */

int
sess_hs_start(struct sess *s, struct sess_peer *pr, const struct krpc_addr *to,
    uint64_t now)
{
	struct sess_ihs	*h;

	if (pr->hs != NULL)
		return (0);
	if ((h = calloc(1, sizeof(*h))) == NULL)
		return (-1);
	if ((h->local = sess_idx_new(s, IDX_IHS, h)) == 0 ||
	    sc_sha256("mac1", 4, pr->pub, SESS_KEY_LEN, h->mac1key) == -1) {
		sess_idx_del(s, h->local);
		free(h);
		return (-1);
	}
	h->peer = pr;
	h->to = *to;
	h->stage = IHS_SS;
	h->next = now + SESS_RHS_MS;	/* if kadcrypt never answers */
	h->cookie_dh = sess_dh_cookie(s);
	pr->hs = h;
	TAILQ_INSERT_TAIL(&s->ihs, h, entry);
	s->nihs++;
	s->st.hs_started++;
	s->io.static_dh(s->io.arg, h->cookie_dh, pr->pub);	/* ss */
	return (0);
}

void
sess_hs_free(struct sess *s, struct sess_ihs *h)
{
	TAILQ_REMOVE(&s->ihs, h, entry);
	s->nihs--;
	sess_idx_del(s, h->local);
	if (h->peer != NULL && h->peer->hs == h)
		h->peer->hs = NULL;
	if (h->early != NULL) {
		s->qbytes -= h->early->len;
		free(h->early);
	}
	explicit_bzero(h, sizeof(*h));
	free(h);
}

/* The handshake is over without keys: what waited for it is lost. */
static void
give_up(struct sess *s, struct sess_ihs *h, uint64_t now)
{
	struct sess_peer	*pr = h->peer;

	if (h->early != NULL)
		s->st.drop[SESS_DROP_GAVEUP]++;
	sess_hs_free(s, h);
	if (pr->cur == NULL || !sess_keys_usable(s, pr->cur, now) ||
	    !pr->cur->confirmed)
		sess_msgq_free(s, &pr->q, &pr->nq, 1);
}

/* mac2 over the INIT in h->pkt, with the cookie if we hold a fresh one. */
static void
init_mac2(struct sess_ihs *h, uint64_t now)
{
	uint8_t	*m2 = h->pkt + h->pktlen - SESS_MAC_LEN;

	if (h->has_cookie && now < h->cookie_until)
		(void)mac(h->cookie, h->pkt, h->pktlen - SESS_MAC_LEN, m2);
	else
		memset(m2, 0, SESS_MAC_LEN);
}

/*
 * A new INIT into h->pkt (a fresh ephemeral and timestamp each time; ss
 * is kept for the handshake's life, so that sending again asks kadcrypt
 * nothing).  The first waiting message goes inside it if it may; the
 * INIT is then padded so that the answer fits what the peer may send
 * before our address has proved itself.
 */
static int
init_build(struct sess *s, struct sess_ihs *h, uint64_t now)
{
	struct sess_peer	*pr = h->peer;
	struct sess_msg		*m;
	uint8_t			 pt[SESS_MAX_DGRAM], e_priv[32];
	size_t			 ilen = 0, total, want, plen;
	int			 r = -1;

	if (h->early == NULL && (m = TAILQ_FIRST(&pr->q)) != NULL &&
	    m->room > 0 && SESS_INIT_MIN + m->len <= SESS_MAX_DGRAM) {
		TAILQ_REMOVE(&pr->q, m, entry);
		pr->nq--;
		h->early = m;
	}
	if (h->early != NULL)
		ilen = h->early->len;
	total = SESS_INIT_MIN + ilen;
	if (h->early != NULL) {
		want = SESS_RESP_LEN + SESS_DATA_OVERHEAD + h->early->room;
		if (want > SESS_MAX_DGRAM)
			want = SESS_MAX_DGRAM;
		if (total < want)
			total = want;
	}
	plen = total - SESS_INIT_MIN + INIT_PAYLOAD_MIN;
	memset(pt, 0, plen);
	timestamp(s, pt);
	be16enc(pt + SESS_TS_LEN, (uint16_t)ilen);
	if (ilen > 0)
		memcpy(pt + INIT_PAYLOAD_MIN, h->early->buf, ilen);

	memset(h->pkt, 0, total);
	h->pkt[0] = SESS_INIT;
	le32enc(h->pkt + INIT_SENDER, h->local);
	s->io.random(s->io.arg, e_priv, sizeof(e_priv));
	if (noise_init(&h->ns, s->cf.pub, pr->pub) == -1 ||
	    noise_i_start(&h->ns, e_priv, h->pkt + INIT_E,
	    h->pkt + INIT_S) == -1 ||
	    noise_i_finish(&h->ns, h->ss, pt, plen,
	    h->pkt + INIT_PAYLOAD) == -1)
		goto out;
	h->pktlen = total;
	if (mac(h->mac1key, h->pkt, total - 2 * SESS_MAC_LEN,
	    h->pkt + total - 2 * SESS_MAC_LEN) == -1)
		goto out;
	init_mac2(h, now);
	r = 0;
 out:
	explicit_bzero(e_priv, sizeof(e_priv));
	explicit_bzero(pt, plen);
	return (r);
}

static void
init_send(struct sess *s, struct sess_ihs *h, uint64_t now)
{
	if (init_build(s, h, now) == -1) {
		give_up(s, h, now);
		return;
	}
	h->stage = IHS_SENT;
	h->tries++;
	h->next = now + ((uint64_t)s->cf.hs_retry_ms << (h->tries - 1));
	sess_tx(s, h->pkt, h->pktlen, SESS_INIT, &h->to);
}

void
sess_hs_timer(struct sess *s, struct sess_ihs *h, uint64_t now)
{
	if (h->stage == IHS_SENT && h->tries < s->cf.hs_tries) {
		init_send(s, h, now);
		return;
	}
	if (h->stage != IHS_SENT)
		s->st.drop[SESS_DROP_DH]++;
	give_up(s, h, now);
}

/* The keys of a finished handshake of ours: in place, then used. */
static void
ihs_done(struct sess *s, struct sess_ihs *h, uint64_t now)
{
	struct sess_peer	*pr = h->peer;
	struct sess_keys	*k;
	struct krpc_addr	 to = h->to;
	uint8_t			 i2r[32], r2i[32], pub[SESS_KEY_LEN];

	/* the keys take over the index the responder already sends to */
	if (noise_split(&h->rns, i2r, r2i) == -1 ||
	    (k = sess_keys_new(s, pr, i2r, r2i, h->local, h->remote, &h->to,
	    1, now)) == NULL) {
		explicit_bzero(i2r, sizeof(i2r));
		explicit_bzero(r2i, sizeof(r2i));
		give_up(s, h, now);
		return;
	}
	explicit_bzero(i2r, sizeof(i2r));
	explicit_bzero(r2i, sizeof(r2i));
	sess_keys_free(s, pr->prev);
	pr->prev = pr->cur;
	pr->cur = k;
	pr->last_rx = now;
	pr->tx_since = 0;
	s->st.hs_done++;
	h->local = 0;			/* now the keys' */
	sess_hs_free(s, h);
	sess_peer_touch(s, pr, now);
	sess_flush(s, pr, now);
	/* the peer needs a DATA on these keys to know we have them */
	if (k->txn == 0)
		(void)sess_data_send(s, k, NULL, 0, 0, now);
	memcpy(pub, pr->pub, sizeof(pub));
	if (s->io.peer_up != NULL)
		s->io.peer_up(s->io.arg, pub, &to);
}

void
sess_ihs_dh(struct sess *s, struct sess_ihs *h, int status,
    const uint8_t shared[32], uint64_t now)
{
	uint8_t	empty[1];

	if (status != SESS_DH_OK) {
		s->st.drop[SESS_DROP_DH]++;
		if (h->stage == IHS_SS)
			give_up(s, h, now);
		else
			h->stage = IHS_SENT;	/* wait for another RESP */
		return;
	}
	if (h->stage == IHS_SS) {
		memcpy(h->ss, shared, sizeof(h->ss));
		h->has_ss = 1;
		init_send(s, h, now);
		return;
	}
	/* IHS_SE: se, and the RESP's empty payload must authenticate */
	if (noise_i_payload(&h->rns, shared, h->resp_tag, SESS_TAG_LEN,
	    empty) == -1) {
		s->st.drop[SESS_DROP_DECRYPT]++;
		h->stage = IHS_SENT;
		return;
	}
	ihs_done(s, h, now);
}

void
sess_in_resp(struct sess *s, const uint8_t *p, size_t len,
    const struct krpc_addr *from, uint64_t now)
{
	struct sess_ihs	*h;

	(void)now;
	if (len != SESS_RESP_LEN) {
		s->st.drop[SESS_DROP_SHORT]++;
		return;
	}
	if (!mac_ok(s->mac1key, p, RESP_MAC1, p + RESP_MAC1)) {
		s->st.drop[SESS_DROP_MAC1]++;
		return;
	}
	if ((h = sess_idx_find(s, le32dec(p + RESP_RECEIVER),
	    IDX_IHS)) == NULL || h->stage != IHS_SENT) {
		s->st.drop[SESS_DROP_INDEX]++;
		return;
	}
	if (!krpc_addr_eq(&h->to, from)) {
		s->st.drop[SESS_DROP_ADDRESS]++;
		return;
	}
	/* read on a copy: a forged RESP must not spoil the real one */
	h->rns = h->ns;
	if (noise_i_reply(&h->rns, p + RESP_E) == -1) {
		s->st.drop[SESS_DROP_DECRYPT]++;
		return;
	}
	h->remote = le32dec(p + RESP_SENDER);
	memcpy(h->resp_tag, p + RESP_EMPTY, SESS_TAG_LEN);
	h->stage = IHS_SE;
	h->cookie_dh = sess_dh_cookie(s);
	s->io.static_dh(s->io.arg, h->cookie_dh, p + RESP_E);	/* se */
}

void
sess_in_cookie(struct sess *s, const uint8_t *p, size_t len,
    const struct krpc_addr *from, uint64_t now)
{
	struct sess_ihs	*h;
	uint8_t		 key[32], cookie[32];

	if (len != SESS_COOKIE_LEN) {
		s->st.drop[SESS_DROP_SHORT]++;
		return;
	}
	if ((h = sess_idx_find(s, le32dec(p + COOKIE_RECEIVER),
	    IDX_IHS)) == NULL || h->stage != IHS_SENT ||
	    !krpc_addr_eq(&h->to, from)) {
		s->st.drop[SESS_DROP_INDEX]++;
		return;
	}
	/* sealed for the INIT it answers: its mac1 is the data */
	if (sc_sha256("cookie", 6, h->peer->pub, SESS_KEY_LEN, key) == -1 ||
	    sc_aead_open(key, be64dec(p + COOKIE_NONCE),
	    h->pkt + h->pktlen - 2 * SESS_MAC_LEN, SESS_MAC_LEN,
	    p + COOKIE_ENC, 32 + SESS_TAG_LEN, cookie) == -1) {
		s->st.drop[SESS_DROP_DECRYPT]++;
		return;
	}
	memcpy(h->cookie, cookie, sizeof(h->cookie));
	h->has_cookie = 1;
	h->cookie_until = now + s->cf.cookie_ms;
	explicit_bzero(cookie, sizeof(cookie));
	/* the same INIT, with its mac2 */
	init_mac2(h, now);
	sess_tx(s, h->pkt, h->pktlen, SESS_INIT, &h->to);
}

/* ---- responder ---- */

void
sess_rhs_free(struct sess *s, struct sess_rhs *r)
{
	RB_REMOVE(rhstree, &s->rhs, r);
	TAILQ_REMOVE(&s->rhsage, r, age);
	s->nrhs--;
	explicit_bzero(r, sizeof(*r));
	free(r);
}

/* Under load: no state, a cookie for the source address instead. */
static void
send_cookie(struct sess *s, const uint8_t *init, size_t len,
    const struct krpc_addr *from)
{
	uint8_t		pkt[SESS_COOKIE_LEN], cookie[32];
	uint64_t	n;

	if (cookie_of(s->secret, from, cookie) == -1)
		return;
	memset(pkt, 0, sizeof(pkt));
	pkt[0] = SESS_COOKIE;
	memcpy(pkt + COOKIE_RECEIVER, init + INIT_SENDER, 4);
	s->io.random(s->io.arg, &n, sizeof(n));
	be64enc(pkt + COOKIE_NONCE, n);
	if (sc_aead_seal(s->cookiekey, n, init + len - 2 * SESS_MAC_LEN,
	    SESS_MAC_LEN, cookie, sizeof(cookie), pkt + COOKIE_ENC) == 0)
		sess_tx(s, pkt, sizeof(pkt), SESS_COOKIE, from);
	explicit_bzero(cookie, sizeof(cookie));
}

static int
mac2_ok(struct sess *s, const uint8_t *p, size_t len,
    const struct krpc_addr *from)
{
	uint8_t	cookie[32];
	int	ok;

	ok = (cookie_of(s->secret, from, cookie) == 0 &&
	    mac_ok(cookie, p, len - SESS_MAC_LEN, p + len - SESS_MAC_LEN)) ||
	    (cookie_of(s->oldsecret, from, cookie) == 0 &&
	    mac_ok(cookie, p, len - SESS_MAC_LEN, p + len - SESS_MAC_LEN));
	explicit_bzero(cookie, sizeof(cookie));
	return (ok);
}

void
sess_in_init(struct sess *s, const uint8_t *p, size_t len,
    const struct krpc_addr *from, uint64_t now)
{
	struct sess_rhs	*r;
	int		 load, proved;

	if (len < SESS_INIT_MIN) {
		s->st.drop[SESS_DROP_SHORT]++;
		return;
	}
	if (!mac_ok(s->mac1key, p, len - 2 * SESS_MAC_LEN,
	    p + len - 2 * SESS_MAC_LEN)) {
		s->st.drop[SESS_DROP_MAC1]++;
		return;
	}
	if (ratelimit_check(s->src, from, now) != RL_OK) {
		s->st.drop[SESS_DROP_RATE]++;
		return;
	}
	refill(s, now);
	load = s->hs_tokens < 1000 || s->nrhs >= s->cf.maxpending / 2;
	proved = load && mac2_ok(s, p, len, from);
	if (load && !proved) {
		send_cookie(s, p, len, from);	/* 64 bytes for >= 150 */
		s->st.drop[SESS_DROP_COOKIE]++;
		return;
	}
	if (s->nrhs >= s->cf.maxpending ||
	    (r = calloc(1, sizeof(*r))) == NULL) {
		s->st.drop[SESS_DROP_BUSY]++;
		return;
	}
	if (s->hs_tokens >= 1000)
		s->hs_tokens -= 1000;
	if (noise_init(&r->ns, s->cf.pub, s->cf.pub) == -1 ||
	    noise_r_start(&r->ns, p + INIT_E) == -1) {
		free(r);
		return;
	}
	r->created = now;
	r->from = *from;
	r->remote = le32dec(p + INIT_SENDER);
	r->stage = RHS_ES;
	memcpy(r->enc_s, p + INIT_S, sizeof(r->enc_s));
	r->plen = len - INIT_PAYLOAD - 2 * SESS_MAC_LEN;
	memcpy(r->payload, p + INIT_PAYLOAD, r->plen);
	r->rxlen = len;
	r->cookie = sess_dh_cookie(s);
	RB_INSERT(rhstree, &s->rhs, r);
	TAILQ_INSERT_TAIL(&s->rhsage, r, age);
	s->nrhs++;
	s->io.static_dh(s->io.arg, r->cookie, p + INIT_E);	/* es */
}

/* Keys for the peer that shook hands: in place, unconfirmed. */
static struct sess_keys *
rhs_keys(struct sess *s, struct sess_rhs *r, struct sess_peer *pr,
    uint8_t resp[SESS_RESP_LEN], uint64_t now)
{
	struct sess_keys	*k;
	uint8_t			 e_priv[32], i2r[32], r2i[32], m1[32];
	int			 ok;

	memset(resp, 0, SESS_RESP_LEN);
	resp[0] = SESS_RESP;
	s->io.random(s->io.arg, e_priv, sizeof(e_priv));
	ok = noise_r_reply(&r->ns, e_priv, resp + RESP_E, NULL, 0,
	    resp + RESP_EMPTY) == 0 && noise_split(&r->ns, i2r, r2i) == 0;
	explicit_bzero(e_priv, sizeof(e_priv));
	k = ok ? sess_keys_new(s, pr, r2i, i2r, 0, r->remote, &r->from, 0,
	    now) : NULL;
	explicit_bzero(i2r, sizeof(i2r));
	explicit_bzero(r2i, sizeof(r2i));
	if (k == NULL)
		return (NULL);
	le32enc(resp + RESP_SENDER, k->local);
	le32enc(resp + RESP_RECEIVER, r->remote);
	if (sc_sha256("mac1", 4, pr->pub, SESS_KEY_LEN, m1) == -1 ||
	    mac(m1, resp, RESP_MAC1, resp + RESP_MAC1) == -1) {
		sess_keys_free(s, k);
		return (NULL);
	}
	k->credit = r->rxlen;
	/* a peer we talk to keeps its keys until the new ones prove out */
	if (pr->cur != NULL && pr->cur->confirmed &&
	    sess_keys_usable(s, pr->cur, now)) {
		sess_keys_free(s, pr->next);
		pr->next = k;
	} else {
		sess_keys_free(s, pr->cur);
		pr->cur = k;
	}
	return (k);
}

static void
rhs_finish(struct sess *s, struct sess_rhs *r, const uint8_t ss[32],
    uint64_t now)
{
	struct sess_peer	*pr;
	struct sess_keys	*k;
	struct krpc_addr	 from = r->from;
	uint8_t			 pt[SESS_MAX_DGRAM], resp[SESS_RESP_LEN];
	uint8_t			 pub[SESS_KEY_LEN];
	size_t			 plen, ilen;

	if (r->plen < INIT_PAYLOAD_MIN + SESS_TAG_LEN ||
	    noise_r_payload(&r->ns, ss, r->payload, r->plen, pt) == -1) {
		s->st.drop[SESS_DROP_DECRYPT]++;
		sess_rhs_free(s, r);
		return;
	}
	plen = r->plen - SESS_TAG_LEN;
	ilen = be16dec(pt + SESS_TS_LEN);
	if (ilen > plen - INIT_PAYLOAD_MIN || ilen > SESS_MAX_INNER) {
		s->st.drop[SESS_DROP_INNER]++;
		goto out;
	}
	memcpy(pub, r->ns.rs, sizeof(pub));
	if ((pr = sess_peer_get(s, pub, now)) == NULL) {
		s->st.drop[SESS_DROP_BUSY]++;
		goto out;
	}
	/* an INIT counts once: older or equal timestamps are replays */
	if (pr->has_ts && memcmp(pt, pr->ts, SESS_TS_LEN) <= 0) {
		s->st.drop[SESS_DROP_REPLAY]++;
		goto out;
	}
	if ((k = rhs_keys(s, r, pr, resp, now)) == NULL) {
		s->st.drop[SESS_DROP_BUSY]++;
		goto out;
	}
	memcpy(pr->ts, pt, SESS_TS_LEN);
	pr->has_ts = 1;
	pr->last_rx = now;
	k->credit -= SESS_RESP_LEN;	/* credit was the INIT's size */
	s->st.hs_answered++;
	sess_rhs_free(s, r);
	sess_tx(s, resp, sizeof(resp), SESS_RESP, &from);
	if (ilen > 0)
		s->io.deliver(s->io.arg, pub, &from, 0, pt + INIT_PAYLOAD_MIN,
		    ilen);
	explicit_bzero(pt, plen);
	return;
 out:
	explicit_bzero(pt, plen);
	sess_rhs_free(s, r);
}

void
sess_rhs_dh(struct sess *s, struct sess_rhs *r, int status,
    const uint8_t shared[32], uint64_t now)
{
	if (status != SESS_DH_OK) {
		s->st.drop[SESS_DROP_DH]++;
		sess_rhs_free(s, r);
		return;
	}
	if (r->stage == RHS_SS) {
		rhs_finish(s, r, shared, now);
		return;
	}
	/* RHS_ES: the initiator's static key, then ss with it */
	if (noise_r_static(&r->ns, shared, r->enc_s) == -1) {
		s->st.drop[SESS_DROP_DECRYPT]++;
		sess_rhs_free(s, r);
		return;
	}
	if (memcmp(r->ns.rs, s->cf.pub, SESS_KEY_LEN) == 0) {
		s->st.drop[SESS_DROP_SELF]++;
		sess_rhs_free(s, r);
		return;
	}
	/* a key that fails the puzzle costs one hash, not the ss DH */
	if (!kad_puzzle_ok(r->ns.rs, s->cf.puzzle_bits)) {
		s->st.drop[SESS_DROP_PUZZLE]++;
		sess_rhs_free(s, r);
		return;
	}
	RB_REMOVE(rhstree, &s->rhs, r);
	r->cookie = sess_dh_cookie(s);
	r->stage = RHS_SS;
	RB_INSERT(rhstree, &s->rhs, r);
	s->io.static_dh(s->io.arg, r->cookie, r->ns.rs);	/* ss */
}

/* ---- bootstrap: an address's key ---- */

static struct sess_kreq *
kreq_find(struct sess *s, const struct krpc_addr *to)
{
	struct sess_kreq	*kr;

	TAILQ_FOREACH(kr, &s->kreq, entry)
		if (krpc_addr_eq(&kr->to, to))
			return (kr);
	return (NULL);
}

void
sess_kreq_free(struct sess *s, struct sess_kreq *kr)
{
	TAILQ_REMOVE(&s->kreq, kr, entry);
	s->nkreq--;
	sess_msgq_free(s, &kr->q, &kr->nq, 0);
	free(kr);
}

static void
kreq_tx(struct sess *s, struct sess_kreq *kr, uint64_t now)
{
	uint8_t	pkt[SESS_KEYREQ_LEN];

	memset(pkt, 0, sizeof(pkt));
	pkt[0] = SESS_KEYREQ;
	memcpy(pkt + KEY_NONCE, kr->nonce, sizeof(kr->nonce));
	kr->tries++;
	kr->next = now + ((uint64_t)s->cf.hs_retry_ms << (kr->tries - 1));
	sess_tx(s, pkt, sizeof(pkt), SESS_KEYREQ, &kr->to);
}

#define KREQ_MAX	64	/* bootstrap addresses asked at once */

int
sess_kreq_send(struct sess *s, const struct krpc_addr *to, const void *buf,
    size_t len, size_t room, uint64_t now)
{
	struct sess_kreq	*kr;
	struct sess_msg		*m;

	if ((kr = kreq_find(s, to)) == NULL) {
		if (s->nkreq >= KREQ_MAX ||
		    (kr = calloc(1, sizeof(*kr))) == NULL) {
			s->st.drop[SESS_DROP_QUEUE]++;
			errno = ENOBUFS;
			return (-1);
		}
		kr->to = *to;
		TAILQ_INIT(&kr->q);
		s->io.random(s->io.arg, kr->nonce, sizeof(kr->nonce));
		TAILQ_INSERT_TAIL(&s->kreq, kr, entry);
		s->nkreq++;
		kreq_tx(s, kr, now);
	}
	if (kr->nq >= s->cf.queue ||
	    (m = malloc(sizeof(*m) + len)) == NULL) {
		s->st.drop[SESS_DROP_QUEUE]++;
		errno = ENOBUFS;
		return (-1);
	}
	m->len = len;
	m->room = room;
	memcpy(m->buf, buf, len);
	TAILQ_INSERT_TAIL(&kr->q, m, entry);
	kr->nq++;
	s->qbytes += len;
	return (0);
}

void
sess_kreq_timer(struct sess *s, struct sess_kreq *kr, uint64_t now)
{
	if (kr->tries < s->cf.hs_tries) {
		kreq_tx(s, kr, now);
		return;
	}
	s->st.drop[SESS_DROP_GAVEUP] += kr->nq;
	sess_kreq_free(s, kr);
}

/* Stateless, and shorter than what asked: 44 bytes for 64. */
void
sess_in_keyreq(struct sess *s, const uint8_t *p, size_t len,
    const struct krpc_addr *from, uint64_t now)
{
	uint8_t	pkt[SESS_KEYRES_LEN];

	if (len != SESS_KEYREQ_LEN) {
		s->st.drop[SESS_DROP_SHORT]++;
		return;
	}
	refill(s, now);
	if (ratelimit_check(s->src, from, now) != RL_OK ||
	    s->kr_tokens < 1000) {
		s->st.drop[SESS_DROP_RATE]++;
		return;
	}
	s->kr_tokens -= 1000;
	memset(pkt, 0, sizeof(pkt));
	pkt[0] = SESS_KEYRES;
	memcpy(pkt + KEY_NONCE, p + KEY_NONCE, 8);
	memcpy(pkt + KEYRES_PUB, s->cf.pub, SESS_KEY_LEN);
	sess_tx(s, pkt, sizeof(pkt), SESS_KEYRES, from);
}

/*
 * The key an address says it has.  Nothing proves it yet: the INIT
 * that follows only completes if the address holds its private half.
 */
void
sess_in_keyres(struct sess *s, const uint8_t *p, size_t len,
    const struct krpc_addr *from, uint64_t now)
{
	struct sess_kreq	*kr;
	struct sess_msg		*m;
	struct krpc_addr	 to;
	uint8_t			 pub[SESS_KEY_LEN];

	if (len != SESS_KEYRES_LEN) {
		s->st.drop[SESS_DROP_SHORT]++;
		return;
	}
	if ((kr = kreq_find(s, from)) == NULL ||
	    !sc_memeq(kr->nonce, p + KEY_NONCE, sizeof(kr->nonce))) {
		s->st.drop[SESS_DROP_INDEX]++;
		return;
	}
	memcpy(pub, p + KEYRES_PUB, sizeof(pub));
	if (memcmp(pub, s->cf.pub, SESS_KEY_LEN) == 0) {
		s->st.drop[SESS_DROP_SELF]++;
		sess_kreq_free(s, kr);
		return;
	}
	/* no handshake with a key every node refuses */
	if (!kad_puzzle_ok(pub, s->cf.puzzle_bits)) {
		s->st.drop[SESS_DROP_PUZZLE]++;
		sess_kreq_free(s, kr);
		return;
	}
	to = kr->to;
	TAILQ_REMOVE(&s->kreq, kr, entry);
	s->nkreq--;
	while ((m = TAILQ_FIRST(&kr->q)) != NULL) {
		TAILQ_REMOVE(&kr->q, m, entry);
		s->qbytes -= m->len;
		(void)sess_send(s, pub, &to, m->buf, m->len, m->room, now);
		free(m);
	}
	free(kr);
}
