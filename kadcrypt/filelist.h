/* SPDX-License-Identifier: ISC */
/*
 * The file list's records (kadctl ls): what this node published, sealed
 * under a key only kadcrypt derives, so kadstore keeps ciphertext alone.
 * Pure: no IPC, linked into the tests and the fuzzer.  The format is in
 * docs/FORMAT.md, "The file list".
 */
#ifndef KAD_FILELIST_H
#define KAD_FILELIST_H

#include <stddef.h>
#include <stdint.h>

#include "kadipc_msg.h"
#include "aead.h"

#define FL_MAX		16384	/* files in one node's list */
#define FL_VERSION	1
#define FL_PT_MAX	(4 + 4 + 8 + 8 + 4 + 4 + CRYPT_HASH_LEN + \
			 2 + KADIPC_NAME_MAX - 1 + 2 + KADIPC_LINK_MAX - 1)
#define FL_REC_MAX	(CRYPT_GCM_NONCE_LEN + FL_PT_MAX + CRYPT_GCM_TAG_LEN)

_Static_assert(FL_REC_MAX <= KADIPC_CHUNK_MAX, "a record fits a REC_PUT");

struct fl_entry {
	uint8_t		mac[CRYPT_HASH_LEN];	/* fl_mac of the plaintext */
	uint64_t	size;
	int64_t		time;
	uint32_t	flags;		/* KADIPC_LIST_F_* */
	uint32_t	holders;	/* KADIPC_HOLDERS_UNKNOWN if not known */
	char		name[KADIPC_NAME_MAX];
	char		link[KADIPC_LINK_MAX];
};

struct fl_keys {
	struct crypt_gcm *seal;
	uint8_t		 mac[CRYPT_KEY_LEN];
};

/* Both keys from the node's local secret; fl_keys_clear wipes them. */
int	fl_keys_init(struct fl_keys *, const uint8_t local[CRYPT_KEY_LEN]);
void	fl_keys_clear(struct fl_keys *);
/* The keyed hash that finds a file again: HMAC(mac key, SHA-256(pt)). */
int	fl_mac(const struct fl_keys *, const uint8_t sha[CRYPT_HASH_LEN],
	    uint8_t out[CRYPT_HASH_LEN]);
/* The store's record id of a slot. */
void	fl_slot_id(uint32_t slot, uint8_t id[KADIPC_KEY_LEN]);

/* Plaintext: -1 if the entry does not validate (a bug); else length. */
int	fl_encode(const struct fl_entry *, uint32_t slot, uint8_t *, size_t);
/* 0, or -1 with *errstr: the record is hostile or not of this slot. */
int	fl_decode(const uint8_t *, size_t, uint32_t slot, struct fl_entry *,
	    const char **errstr);

/* Sealed: nonce || GCM(plaintext) || tag.  0 and *outlen, or -1. */
int	fl_seal(const struct fl_keys *, uint32_t slot, const struct fl_entry *,
	    uint8_t out[FL_REC_MAX], size_t *outlen);
int	fl_open(const struct fl_keys *, uint32_t slot, const uint8_t *, size_t,
	    struct fl_entry *, const char **errstr);

#endif /* KAD_FILELIST_H */
