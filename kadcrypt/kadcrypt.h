/* SPDX-License-Identifier: ISC */
/*
 * kadcrypt: the only process that holds keys and turns plaintext into
 * ciphertext and back.  No network, no disk.
 */
#ifndef KADCRYPT_H
#define KADCRYPT_H

#include "kadipc.h"

extern struct kadipc_chan	*crypt_master, *crypt_store;

/* crypt_dispatch.c */
void	crypt_dispatch_master(struct kadipc_chan *, struct kadipc_msg *,
	    void *);
void	crypt_dispatch_store(struct kadipc_chan *, struct kadipc_msg *,
	    void *);
void	crypt_store_batch(struct kadipc_chan *, void *);

#endif /* KADCRYPT_H */
