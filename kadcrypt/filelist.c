/* SPDX-License-Identifier: ISC */
/*
 * The file list's records.  A record is one file:
 *
 *   magic "KFL1" | slot u32 | size u64 | time i64 | flags u32 |
 *   holders u32 | mac[32] | namelen u16 | name | linklen u16 | link
 *
 * big-endian, sealed with AES-256-GCM under a key derived from the
 * node's local secret and a fresh random nonce per write.  The slot is
 * inside the seal, so the store cannot move records between slots, and
 * everything is checked on the way back in as if from an attacker: the
 * name as a manifest's name, the link by the link parser.
 */
#include <bsd/stdlib.h>
#include <bsd/string.h>
#include <bsd/sys/endian.h>
#include <string.h>

#include "filelist.h"
#include "link.h"
#include "manifest.h"

#define FL_MAGIC	"KFL1"
#define FL_HEAD		(4 + 4 + 8 + 8 + 4 + 4 + CRYPT_HASH_LEN)

#define LABEL_SEAL	"kad2 list seal"
#define LABEL_MAC	"kad2 list mac"

int
fl_keys_init(struct fl_keys *k, const uint8_t local[CRYPT_KEY_LEN])
{
	uint8_t	 seal[CRYPT_KEY_LEN];

	memset(k, 0, sizeof(*k));
	if (crypt_hmac(local, LABEL_SEAL, sizeof(LABEL_SEAL) - 1, NULL, 0,
	    seal) == -1 ||
	    crypt_hmac(local, LABEL_MAC, sizeof(LABEL_MAC) - 1, NULL, 0,
	    k->mac) == -1 ||
	    (k->seal = crypt_gcm_new(seal)) == NULL) {
		explicit_bzero(seal, sizeof(seal));
		fl_keys_clear(k);
		return (-1);
	}
	explicit_bzero(seal, sizeof(seal));
	return (0);
}

void
fl_keys_clear(struct fl_keys *k)
{
	crypt_gcm_free(k->seal);
	explicit_bzero(k, sizeof(*k));
}

int
fl_mac(const struct fl_keys *k, const uint8_t sha[CRYPT_HASH_LEN],
    uint8_t out[CRYPT_HASH_LEN])
{
	return (crypt_hmac(k->mac, sha, CRYPT_HASH_LEN, NULL, 0, out));
}

void
fl_slot_id(uint32_t slot, uint8_t id[KADIPC_KEY_LEN])
{
	memset(id, 0, KADIPC_KEY_LEN);
	be32enc(id, slot);
}

/* The strings an entry may carry, whichever side it comes from. */
static int
entry_valid(const struct fl_entry *e, size_t namelen, size_t linklen,
    const char **errstr)
{
	struct kad_link	 l;
	int		 ok;

	if ((e->flags & ~KADIPC_LIST_F_MASK) != 0) {
		*errstr = "unknown flags";
		return (0);
	}
	if (namelen == 0) {
		*errstr = "empty name";
		return (0);
	}
	if (!manifest_name_valid(e->name, namelen, errstr))
		return (0);
	ok = crypt_link_parse(e->link, &l, errstr) == 0 &&
	    linklen == strlen(e->link);
	explicit_bzero(&l, sizeof(l));
	return (ok);
}

int
fl_encode(const struct fl_entry *e, uint32_t slot, uint8_t *p, size_t len)
{
	const char	*why;
	size_t		 nl, ll, off;

	nl = strnlen(e->name, sizeof(e->name));
	ll = strnlen(e->link, sizeof(e->link));
	if (nl == sizeof(e->name) || ll == sizeof(e->link) ||
	    !entry_valid(e, nl, ll, &why) || len < FL_HEAD + 4 + nl + ll)
		return (-1);
	memcpy(p, FL_MAGIC, 4);
	be32enc(p + 4, slot);
	be64enc(p + 8, e->size);
	be64enc(p + 16, (uint64_t)e->time);
	be32enc(p + 24, e->flags);
	be32enc(p + 28, e->holders);
	memcpy(p + 32, e->mac, CRYPT_HASH_LEN);
	off = FL_HEAD;
	be16enc(p + off, (uint16_t)nl);
	memcpy(p + off + 2, e->name, nl);
	off += 2 + nl;
	be16enc(p + off, (uint16_t)ll);
	memcpy(p + off + 2, e->link, ll);
	return ((int)(off + 2 + ll));
}

int
fl_decode(const uint8_t *p, size_t len, uint32_t slot, struct fl_entry *e,
    const char **errstr)
{
	size_t	 nl, ll, off;

	memset(e, 0, sizeof(*e));
	*errstr = "truncated record";
	if (len < FL_HEAD + 2)
		return (-1);
	if (memcmp(p, FL_MAGIC, 4) != 0) {
		*errstr = "not a file list record";
		return (-1);
	}
	if (be32dec(p + 4) != slot) {
		*errstr = "record of another slot";
		return (-1);
	}
	e->size = be64dec(p + 8);
	e->time = (int64_t)be64dec(p + 16);
	e->flags = be32dec(p + 24);
	e->holders = be32dec(p + 28);
	memcpy(e->mac, p + 32, CRYPT_HASH_LEN);
	off = FL_HEAD;
	nl = be16dec(p + off);
	off += 2;
	if (nl >= sizeof(e->name) || len - off < nl + 2) {
		*errstr = nl >= sizeof(e->name) ? "name too long" :
		    "truncated record";
		return (-1);
	}
	memcpy(e->name, p + off, nl);
	off += nl;
	ll = be16dec(p + off);
	off += 2;
	if (ll >= sizeof(e->link) || len - off != ll) {
		*errstr = ll >= sizeof(e->link) ? "link too long" :
		    "record length does not add up";
		return (-1);
	}
	memcpy(e->link, p + off, ll);
	/* an embedded NUL makes the lengths disagree with strlen */
	if (strlen(e->name) != nl || !entry_valid(e, nl, ll, errstr)) {
		if (strlen(e->name) != nl)
			*errstr = "NUL in name";
		explicit_bzero(e, sizeof(*e));
		return (-1);
	}
	return (0);
}

int
fl_seal(const struct fl_keys *k, uint32_t slot, const struct fl_entry *e,
    uint8_t out[FL_REC_MAX], size_t *outlen)
{
	uint8_t	 pt[FL_PT_MAX];
	int	 n, rv = -1;

	if ((n = fl_encode(e, slot, pt, sizeof(pt))) == -1)
		return (-1);
	if (crypt_random(out, CRYPT_GCM_NONCE_LEN) == 0 &&
	    crypt_gcm_seal(k->seal, out, pt, (size_t)n,
	    out + CRYPT_GCM_NONCE_LEN,
	    out + CRYPT_GCM_NONCE_LEN + n) == 0) {
		*outlen = CRYPT_GCM_NONCE_LEN + (size_t)n + CRYPT_GCM_TAG_LEN;
		rv = 0;
	}
	explicit_bzero(pt, sizeof(pt));
	return (rv);
}

int
fl_open(const struct fl_keys *k, uint32_t slot, const uint8_t *in,
    size_t len, struct fl_entry *e, const char **errstr)
{
	uint8_t	 pt[FL_PT_MAX];
	size_t	 n;
	int	 rv;

	memset(e, 0, sizeof(*e));
	if (len < CRYPT_GCM_NONCE_LEN + CRYPT_GCM_TAG_LEN ||
	    len > FL_REC_MAX) {
		*errstr = "bad record length";
		return (-1);
	}
	n = len - CRYPT_GCM_NONCE_LEN - CRYPT_GCM_TAG_LEN;
	if (crypt_gcm_open(k->seal, in, in + CRYPT_GCM_NONCE_LEN, n,
	    in + len - CRYPT_GCM_TAG_LEN, pt) == -1) {
		*errstr = "record does not authenticate";
		return (-1);
	}
	rv = fl_decode(pt, n, slot, e, errstr);
	explicit_bzero(pt, sizeof(pt));
	return (rv);
}
