/* SPDX-License-Identifier: ISC */
/*
 * noise: the handshake of protocol version 2, Noise's IK pattern
 * (docs/PROTOCOL.md, section 2) over sess_crypto:
 *
 *	<- s
 *	...
 *	-> e, es, s, ss		INIT
 *	<- e, ee, se		RESP
 *
 * Each DH is hashed (sess_crypto.h).  The three that need the node's
 * own static key (ss and se for the initiator, es and ss for the
 * responder) come from kadcrypt and may take a while, so the messages
 * are built and read in steps, each taking what the one before it left
 * in struct noise_hs; the caller asks kadcrypt between them.  Pure: no
 * I/O, no clock, no state outside the struct.  Steps return 0 or -1; a
 * failed step leaves the handshake unusable.
 */
#ifndef KAD_NOISE_H
#define KAD_NOISE_H

#include <stddef.h>
#include <stdint.h>

#define NOISE_KEY_LEN	32
#define NOISE_TAG_LEN	16
#define NOISE_ENC_S_LEN	(NOISE_KEY_LEN + NOISE_TAG_LEN)

struct noise_hs {
	uint8_t		ck[32];		/* chaining key */
	uint8_t		h[32];		/* handshake hash */
	uint8_t		k[32];		/* cipher key, once there is one */
	uint64_t	n;
	int		has_k;
	uint8_t		s[32];		/* our static public key */
	uint8_t		rs[32];		/* theirs (the responder's: known) */
	uint8_t		e_priv[32];	/* our ephemeral */
	uint8_t		e[32];
	uint8_t		re[32];		/* theirs */
};

/* Start either side; rs is the responder's static key (ours for it). */
int	noise_init(struct noise_hs *, const uint8_t s[32],
	    const uint8_t responder[32]);

/* INIT, initiator: e, es, s (encrypted into enc_s) ... */
int	noise_i_start(struct noise_hs *, const uint8_t e_priv[32],
	    uint8_t e_out[32], uint8_t enc_s[NOISE_ENC_S_LEN]);
/* ... ss (from kadcrypt), then the payload into out (len + 16 bytes). */
int	noise_i_finish(struct noise_hs *, const uint8_t ss[32],
	    const uint8_t *payload, size_t len, uint8_t *out);

/* INIT, responder: e (before asking kadcrypt for es) ... */
int	noise_r_start(struct noise_hs *, const uint8_t re[32]);
/* ... es: the initiator's static key out of enc_s into rs ... */
int	noise_r_static(struct noise_hs *, const uint8_t es[32],
	    const uint8_t enc_s[NOISE_ENC_S_LEN]);
/* ... ss: the payload (len includes the tag) into out. */
int	noise_r_payload(struct noise_hs *, const uint8_t ss[32],
	    const uint8_t *in, size_t len, uint8_t *out);

/* RESP, responder: e, ee, se, the payload into out (len + 16). */
int	noise_r_reply(struct noise_hs *, const uint8_t e_priv[32],
	    uint8_t e_out[32], const uint8_t *payload, size_t len,
	    uint8_t *out);

/* RESP, initiator: e, ee (before asking kadcrypt for se) ... */
int	noise_i_reply(struct noise_hs *, const uint8_t re[32]);
/* ... se: the payload (len includes the tag) into out. */
int	noise_i_payload(struct noise_hs *, const uint8_t se[32],
	    const uint8_t *in, size_t len, uint8_t *out);

/* The transport keys: initiator to responder, and back. */
int	noise_split(struct noise_hs *, uint8_t i2r[32], uint8_t r2i[32]);

/* Wipe the handshake's secrets. */
void	noise_clear(struct noise_hs *);

#endif /* KAD_NOISE_H */
