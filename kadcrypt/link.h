/* SPDX-License-Identifier: ISC */
/*
 * kad: links.  One shell- and URL-safe token that names a published
 * file and carries the key to read it:
 *
 *	kad:<112 base32 characters>
 *
 * which decode to version(1) root-chunk hash(32) manifest key(32)
 * checksum(5).  See docs/FORMAT.md.  A mistyped, truncated or extended
 * link fails the checksum and is reported as malformed.
 */
#ifndef KAD_LINK_H
#define KAD_LINK_H

#include <stddef.h>
#include <stdint.h>

#define KAD_LINK_VERSION	1
#define KAD_LINK_PREFIX		"kad:"
#define KAD_LINK_RAWLEN		70	/* 1 + 32 + 32 + 5, a multiple of 5 */
#define KAD_LINK_CKLEN		5
#define KAD_LINK_LEN		(4 + KAD_LINK_RAWLEN / 5 * 8)	/* 116 */
#define KAD_LINK_SIZE		(KAD_LINK_LEN + 1)

struct kad_link {
	uint8_t		version;
	uint8_t		root[32];	/* SHA-256 of the stored root chunk */
	uint8_t		key[32];	/* manifest key, a secret */
};

/* Writes a NUL-terminated link; -1 if bufsz < KAD_LINK_SIZE. */
int	crypt_link_encode(const struct kad_link *, char *, size_t);
/*
 * 0, or -1 with *errstr set to a static one-line reason
 * ("malformed link: ..." or "unsupported link version").  Upper-case
 * input is accepted.  The caller wipes the struct after use.
 */
int	crypt_link_parse(const char *, struct kad_link *, const char **);

#endif /* KAD_LINK_H */
