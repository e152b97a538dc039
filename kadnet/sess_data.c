/* SPDX-License-Identifier: ISC */
/*
 * sess_data: transport keys and DATA messages (sess_local.h).
 *
 *	DATA	type 4, 3 zero bytes, receiver index (4), counter (8),
 *		then the inner message sealed under the sender's key with
 *		nonce 0^32 || counter and the first 16 bytes as associated
 *		data, and its tag.  An empty inner message is a keepalive.
 *
 * A counter is accepted once: above the highest seen, or within the
 * 960 below it and not seen yet (RFC 6479's bitmap of 1024 bits, one
 * word of which is the one being filled).
 * Keys are used for rekey_ms or rekey_msgs, then a new handshake is
 * started, and refused after reject_ms or reject_msgs, well before a
 * counter or GCM's limit per key could be reached.
 */
#include <sys/types.h>

#include <bsd/sys/endian.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "session.h"
#include "sess_local.h"

/*
 * local: the index the peer already uses for us (the initiator's, from
 * its INIT), or 0 for a new one.
 */
struct sess_keys *
sess_keys_new(struct sess *s, struct sess_peer *pr, const uint8_t tx[32],
    const uint8_t rx[32], uint32_t local, uint32_t remote,
    const struct krpc_addr *addr, int initiator, uint64_t now)
{
	struct sess_keys	*k;

	if ((k = calloc(1, sizeof(*k))) == NULL)
		return (NULL);
	if (local != 0)
		k->local = sess_idx_set(s, local, IDX_KEYS, k) == 0 ? local : 0;
	else
		k->local = sess_idx_new(s, IDX_KEYS, k);
	if ((k->tx = sc_gcm_new(tx, 1)) == NULL ||
	    (k->rx = sc_gcm_new(rx, 0)) == NULL || k->local == 0) {
		if (local == 0)
			sess_idx_del(s, k->local);
		sc_gcm_free(k->tx);
		sc_gcm_free(k->rx);
		free(k);
		return (NULL);
	}
	k->remote = remote;
	k->addr = *addr;
	k->born = now;
	k->initiator = initiator != 0;
	k->confirmed = k->initiator;	/* its RESP proved the address */
	k->peer = pr;
	return (k);
}

void
sess_keys_free(struct sess *s, struct sess_keys *k)
{
	if (k == NULL)
		return;
	sess_idx_del(s, k->local);
	sc_gcm_free(k->tx);
	sc_gcm_free(k->rx);
	explicit_bzero(k, sizeof(*k));
	free(k);
}

/* May these keys still seal and open? */
int
sess_keys_usable(const struct sess *s, const struct sess_keys *k,
    uint64_t now)
{
	return (k != NULL && now - k->born < s->cf.reject_ms &&
	    k->txn < s->cf.reject_msgs && k->rxn < s->cf.reject_msgs);
}

/* Is it time for new ones? */
int
sess_keys_due(const struct sess *s, const struct sess_keys *k, uint64_t now)
{
	return (now - k->born >= s->cf.rekey_ms ||
	    k->txn >= s->cf.rekey_msgs || k->rxn >= s->cf.rekey_msgs);
}

/*
 * Seal and send.  Keys whose address has not proved itself send only
 * what it has given credit for: 0, or -1 (ENOBUFS: no credit; EIO).
 */
int
sess_data_send(struct sess *s, struct sess_keys *k, const void *in,
    size_t len, int request, uint64_t now)
{
	uint8_t		pkt[SESS_MAX_DGRAM], nonce[SC_NONCE_LEN];
	size_t		plen = SESS_DATA_OVERHEAD + len;

	if (len > SESS_MAX_INNER)
		return (-1);
	if (!k->confirmed && k->credit < plen) {
		errno = ENOBUFS;
		return (-1);
	}
	memset(pkt, 0, SESS_DATA_HDR);
	pkt[0] = SESS_DATA;
	le32enc(pkt + DATA_RECEIVER, k->remote);
	be64enc(pkt + DATA_COUNTER, k->txn);
	sc_nonce(k->txn, nonce);
	if (sc_gcm_seal(k->tx, nonce, pkt, SESS_DATA_HDR, in, len,
	    pkt + SESS_DATA_HDR) == -1) {
		errno = EIO;
		return (-1);
	}
	k->txn++;
	if (!k->confirmed)
		k->credit -= plen;
	/* a request unanswered for long makes the keys suspect */
	if (request && k->peer->tx_since == 0)
		k->peer->tx_since = now;
	sess_tx(s, pkt, plen, SESS_DATA, &k->addr);
	return (0);
}

/* 0: n may be new; -1: too old or already seen. */
int
sess_win_check(const struct sess_keys *k, uint64_t n)
{
	uint64_t	back;

	if (n >= k->rxtop)
		return (0);
	back = k->rxtop - 1 - n;
	/* a word short of the bitmap: the top word is cleared on entry */
	if (back >= SESS_WIN_BITS - 64)
		return (-1);
	return ((k->win[(n / 64) % SESS_WIN_WORDS] >> (n % 64)) & 1 ? -1 : 0);
}

void
sess_win_mark(struct sess_keys *k, uint64_t n)
{
	uint64_t	w, top, last;

	if (n >= k->rxtop) {
		/* clear the words the window slides over */
		top = k->rxtop == 0 ? 0 : (k->rxtop - 1) / 64 + 1;
		last = n / 64;
		if (k->rxtop == 0 || (last >= top &&
		    last - top >= SESS_WIN_WORDS))
			memset(k->win, 0, sizeof(k->win));
		else
			for (w = top; w <= last; w++)
				k->win[w % SESS_WIN_WORDS] = 0;
		k->rxtop = n + 1;
	}
	k->win[(n / 64) % SESS_WIN_WORDS] |= 1ULL << (n % 64);
}

/* The keys an index names, now confirmed: rotate, and send. */
static void
confirm(struct sess *s, struct sess_keys *k, uint64_t now)
{
	struct sess_peer	*pr = k->peer;

	k->confirmed = 1;
	if (pr->next == k) {
		sess_keys_free(s, pr->prev);
		pr->prev = pr->cur;
		pr->cur = k;
		pr->next = NULL;
	}
	s->st.hs_done++;
	sess_flush(s, pr, now);
}

void
sess_in_data(struct sess *s, const uint8_t *pkt, size_t len,
    const struct krpc_addr *from, uint64_t now)
{
	struct sess_keys	*k;
	struct sess_peer	*pr;
	uint8_t			 out[SESS_MAX_DGRAM], nonce[SC_NONCE_LEN];
	uint8_t			 pub[SESS_KEY_LEN];
	struct krpc_addr	 addr;
	uint64_t		 n;
	size_t			 ilen;
	int			 up = 0;

	if (len < SESS_DATA_OVERHEAD) {
		s->st.drop[SESS_DROP_SHORT]++;
		return;
	}
	if ((k = sess_idx_find(s, le32dec(pkt + DATA_RECEIVER),
	    IDX_KEYS)) == NULL) {
		s->st.drop[SESS_DROP_INDEX]++;
		return;
	}
	/*
	 * Only the address the handshake came from: a copy sent from
	 * elsewhere moves nothing (a peer that moved shakes hands again).
	 */
	if (!krpc_addr_eq(&k->addr, from)) {
		s->st.drop[SESS_DROP_ADDRESS]++;
		return;
	}
	if (!sess_keys_usable(s, k, now)) {
		s->st.drop[SESS_DROP_EXPIRED]++;
		return;
	}
	n = be64dec(pkt + DATA_COUNTER);
	if (sess_win_check(k, n) == -1) {
		s->st.drop[SESS_DROP_REPLAY]++;
		return;
	}
	ilen = len - SESS_DATA_OVERHEAD;
	sc_nonce(n, nonce);
	if (sc_gcm_open(k->rx, nonce, pkt, SESS_DATA_HDR, pkt +
	    SESS_DATA_HDR, len - SESS_DATA_HDR, out) == -1) {
		s->st.drop[SESS_DROP_DECRYPT]++;
		return;
	}
	sess_win_mark(k, n);
	k->rxn++;
	pr = k->peer;
	pr->last_rx = now;
	pr->tx_since = 0;
	sess_peer_touch(s, pr, now);
	/* the callbacks may change the tables: copies of what they need */
	memcpy(pub, pr->pub, sizeof(pub));
	addr = k->addr;
	if (!k->confirmed) {
		confirm(s, k, now);	/* its first DATA: the address is good */
		up = 1;
	}
	if (up && s->io.peer_up != NULL)
		s->io.peer_up(s->io.arg, pub, &addr);
	if (ilen == 0 || ilen > SESS_MAX_INNER)
		return;		/* a keepalive, or more than we take */
	s->io.deliver(s->io.arg, pub, &addr, 1, out, ilen);
	explicit_bzero(out, ilen);
}
