/* SPDX-License-Identifier: ISC */
/*
 * noise: Noise's SymmetricState (MixHash, MixKey, EncryptAndHash,
 * DecryptAndHash, Split) and the IK steps of noise.h on top of it.
 */
#include <sys/types.h>

#include <stdint.h>
#include <string.h>

#include "noise.h"
#include "sess_crypto.h"

/* exactly 32 bytes: used as the first h as it is (Noise, section 5.2) */
static const char	protocol_name[] = "kad2_IK_X25519hash_AESGCM_SHA256";
static const char	prologue[] = "kad v2";

static int
mix_hash(struct noise_hs *hs, const void *data, size_t len)
{
	return (sc_sha256(hs->h, sizeof(hs->h), data, len, hs->h));
}

static int
mix_key(struct noise_hs *hs, const uint8_t ikm[32])
{
	if (sc_hkdf2(hs->ck, ikm, 32, hs->ck, hs->k) == -1)
		return (-1);
	hs->has_k = 1;
	hs->n = 0;
	return (0);
}

/* out: len + 16 bytes; a handshake never has a message without a key */
static int
encrypt_and_hash(struct noise_hs *hs, const uint8_t *in, size_t len,
    uint8_t *out)
{
	if (!hs->has_k || sc_aead_seal(hs->k, hs->n, hs->h, sizeof(hs->h),
	    in, len, out) == -1)
		return (-1);
	hs->n++;
	return (mix_hash(hs, out, len + NOISE_TAG_LEN));
}

/* in: len bytes including the tag; out: len - 16 bytes */
static int
decrypt_and_hash(struct noise_hs *hs, const uint8_t *in, size_t len,
    uint8_t *out)
{
	if (!hs->has_k || len < NOISE_TAG_LEN ||
	    sc_aead_open(hs->k, hs->n, hs->h, sizeof(hs->h), in, len,
	    out) == -1)
		return (-1);
	hs->n++;
	return (mix_hash(hs, in, len));
}

int
noise_init(struct noise_hs *hs, const uint8_t s[32],
    const uint8_t responder[32])
{
	memset(hs, 0, sizeof(*hs));
	memcpy(hs->h, protocol_name, sizeof(hs->h));
	memcpy(hs->ck, hs->h, sizeof(hs->ck));
	memcpy(hs->s, s, sizeof(hs->s));
	memcpy(hs->rs, responder, sizeof(hs->rs));
	if (mix_hash(hs, prologue, sizeof(prologue) - 1) == -1)
		return (-1);
	/* the pre-message: the responder's static key, known to both */
	return (mix_hash(hs, responder, 32));
}

int
noise_i_start(struct noise_hs *hs, const uint8_t e_priv[32],
    uint8_t e_out[32], uint8_t enc_s[NOISE_ENC_S_LEN])
{
	uint8_t	dh[32];
	int	r = -1;

	memcpy(hs->e_priv, e_priv, 32);
	if (sc_x25519_pub(e_priv, hs->e) == -1 ||
	    mix_hash(hs, hs->e, 32) == -1 ||
	    sc_x25519_dh(hs->e_priv, hs->rs, dh) == -1 ||	/* es */
	    mix_key(hs, dh) == -1 ||
	    encrypt_and_hash(hs, hs->s, 32, enc_s) == -1)
		goto out;
	memcpy(e_out, hs->e, 32);
	r = 0;
 out:
	explicit_bzero(dh, sizeof(dh));
	return (r);
}

int
noise_i_finish(struct noise_hs *hs, const uint8_t ss[32],
    const uint8_t *payload, size_t len, uint8_t *out)
{
	if (mix_key(hs, ss) == -1)
		return (-1);
	return (encrypt_and_hash(hs, payload, len, out));
}

int
noise_r_start(struct noise_hs *hs, const uint8_t re[32])
{
	memcpy(hs->re, re, 32);
	return (mix_hash(hs, re, 32));
}

int
noise_r_static(struct noise_hs *hs, const uint8_t es[32],
    const uint8_t enc_s[NOISE_ENC_S_LEN])
{
	uint8_t	rs[32];

	/* hs->rs held our own key for the pre-message: now theirs */
	if (mix_key(hs, es) == -1 ||
	    decrypt_and_hash(hs, enc_s, NOISE_ENC_S_LEN, rs) == -1)
		return (-1);
	memcpy(hs->rs, rs, 32);
	return (0);
}

int
noise_r_payload(struct noise_hs *hs, const uint8_t ss[32],
    const uint8_t *in, size_t len, uint8_t *out)
{
	if (mix_key(hs, ss) == -1)
		return (-1);
	return (decrypt_and_hash(hs, in, len, out));
}

int
noise_r_reply(struct noise_hs *hs, const uint8_t e_priv[32],
    uint8_t e_out[32], const uint8_t *payload, size_t len, uint8_t *out)
{
	uint8_t	dh[32];
	int	r = -1;

	memcpy(hs->e_priv, e_priv, 32);
	if (sc_x25519_pub(e_priv, hs->e) == -1 ||
	    mix_hash(hs, hs->e, 32) == -1 ||
	    sc_x25519_dh(hs->e_priv, hs->re, dh) == -1 ||	/* ee */
	    mix_key(hs, dh) == -1 ||
	    sc_x25519_dh(hs->e_priv, hs->rs, dh) == -1 ||	/* se */
	    mix_key(hs, dh) == -1 ||
	    encrypt_and_hash(hs, payload, len, out) == -1)
		goto out;
	memcpy(e_out, hs->e, 32);
	r = 0;
 out:
	explicit_bzero(dh, sizeof(dh));
	return (r);
}

int
noise_i_reply(struct noise_hs *hs, const uint8_t re[32])
{
	uint8_t	dh[32];
	int	r = -1;

	memcpy(hs->re, re, 32);
	if (mix_hash(hs, re, 32) == 0 &&
	    sc_x25519_dh(hs->e_priv, hs->re, dh) == 0 &&	/* ee */
	    mix_key(hs, dh) == 0)
		r = 0;
	explicit_bzero(dh, sizeof(dh));
	return (r);
}

int
noise_i_payload(struct noise_hs *hs, const uint8_t se[32],
    const uint8_t *in, size_t len, uint8_t *out)
{
	if (mix_key(hs, se) == -1)
		return (-1);
	return (decrypt_and_hash(hs, in, len, out));
}

int
noise_split(struct noise_hs *hs, uint8_t i2r[32], uint8_t r2i[32])
{
	return (sc_hkdf2(hs->ck, NULL, 0, i2r, r2i));
}

void
noise_clear(struct noise_hs *hs)
{
	explicit_bzero(hs, sizeof(*hs));
}
