/* SPDX-License-Identifier: ISC */
/*
 * kad: link encoding and parsing.  Pure: no I/O, no logging.
 *
 * Base32 (RFC 4648 alphabet, lower case, no padding) because it is one
 * token everywhere (shell, URL, chat), has no look-alike 0/O 1/l pairs,
 * and survives case changes.  The raw link is 70 bytes, a multiple of
 * 5, so the text has no spare bits and exactly one spelling.
 */
#include <string.h>
#include <strings.h>

#include "aead.h"
#include "link.h"

#define BODY_MAX	256	/* characters; anything longer is garbage */
#define RAW_MAX		(BODY_MAX * 5 / 8)

static const char b32alpha[] = "abcdefghijklmnopqrstuvwxyz234567";

static int
b32val(unsigned char c)
{
	if (c >= 'a' && c <= 'z')
		return (c - 'a');
	if (c >= 'A' && c <= 'Z')
		return (c - 'A');
	if (c >= '2' && c <= '7')
		return (c - '2' + 26);
	return (-1);
}

static int
checksum(const uint8_t *raw, size_t len, uint8_t out[KAD_LINK_CKLEN])
{
	struct crypt_sha256	*h;
	uint8_t			 md[CRYPT_HASH_LEN];
	int			 rv;

	if ((h = crypt_sha256_new()) == NULL)
		return (-1);
	rv = crypt_sha256(h, raw, len, md);
	crypt_sha256_free(h);
	memcpy(out, md, KAD_LINK_CKLEN);
	explicit_bzero(md, sizeof(md));
	return (rv);
}

int
crypt_link_encode(const struct kad_link *l, char *buf, size_t bufsz)
{
	uint8_t		 raw[KAD_LINK_RAWLEN];
	uint32_t	 acc = 0;
	size_t		 i, o;
	int		 bits = 0;

	if (bufsz < KAD_LINK_SIZE)
		return (-1);
	raw[0] = l->version;
	memcpy(raw + 1, l->root, sizeof(l->root));
	memcpy(raw + 33, l->key, sizeof(l->key));
	if (checksum(raw, KAD_LINK_RAWLEN - KAD_LINK_CKLEN,
	    raw + KAD_LINK_RAWLEN - KAD_LINK_CKLEN) == -1) {
		explicit_bzero(raw, sizeof(raw));
		return (-1);
	}

	memcpy(buf, KAD_LINK_PREFIX, 4);
	o = 4;
	for (i = 0; i < sizeof(raw); i++) {
		acc = (acc << 8) | raw[i];
		bits += 8;
		while (bits >= 5) {
			bits -= 5;
			buf[o++] = b32alpha[(acc >> bits) & 0x1f];
		}
	}
	/* 70 bytes = 112 characters exactly: nothing left over */
	buf[o] = '\0';
	explicit_bzero(raw, sizeof(raw));
	explicit_bzero(&acc, sizeof(acc));
	return (0);
}

int
crypt_link_parse(const char *s, struct kad_link *l, const char **errstr)
{
	uint8_t		 raw[RAW_MAX], ck[KAD_LINK_CKLEN];
	const char	*body;
	uint32_t	 acc = 0;
	size_t		 blen, i, rlen = 0;
	int		 bits = 0, v, rv = -1;

	memset(l, 0, sizeof(*l));
	if (s == NULL || strncasecmp(s, KAD_LINK_PREFIX, 4) != 0) {
		*errstr = "malformed link: does not start with kad:";
		return (-1);
	}
	body = s + 4;
	if ((blen = strnlen(body, BODY_MAX + 1)) > BODY_MAX) {
		*errstr = "malformed link: too long";
		return (-1);
	}
	/* 1, 3 or 6 trailing characters cannot end a byte string */
	switch (blen % 8) {
	case 1:
	case 3:
	case 6:
		*errstr = "malformed link: truncated";
		return (-1);
	}
	for (i = 0; i < blen; i++) {
		if ((v = b32val((unsigned char)body[i])) == -1) {
			*errstr = "malformed link: bad character";
			goto done;
		}
		acc = (acc << 5) | (uint32_t)v;
		bits += 5;
		if (bits >= 8) {
			bits -= 8;
			raw[rlen++] = (acc >> bits) & 0xff;
		}
	}
	/* spare bits must be zero, so every link has one spelling */
	if ((acc & ((1U << bits) - 1)) != 0) {
		*errstr = "malformed link: truncated";
		goto done;
	}
	if (rlen <= KAD_LINK_CKLEN + 1) {
		*errstr = "malformed link: too short";
		goto done;
	}
	/* The checksum comes first: a typo must read as a typo. */
	if (checksum(raw, rlen - KAD_LINK_CKLEN, ck) == -1) {
		*errstr = "cannot check link: out of memory";
		goto done;
	}
	if (!crypt_memeq(ck, raw + rlen - KAD_LINK_CKLEN, KAD_LINK_CKLEN)) {
		*errstr = "malformed link: checksum mismatch";
		goto done;
	}
	if (raw[0] != KAD_LINK_VERSION) {
		*errstr = "unsupported link version";
		goto done;
	}
	if (rlen != KAD_LINK_RAWLEN) {
		*errstr = "malformed link: bad length";
		goto done;
	}
	l->version = raw[0];
	memcpy(l->root, raw + 1, sizeof(l->root));
	memcpy(l->key, raw + 33, sizeof(l->key));
	rv = 0;
 done:
	explicit_bzero(raw, sizeof(raw));
	explicit_bzero(&acc, sizeof(acc));
	return (rv);
}
