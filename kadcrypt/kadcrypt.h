/* SPDX-License-Identifier: ISC */
/*
 * kadcrypt: the only process that holds keys and turns plaintext into
 * ciphertext and back.  No network, no disk.
 */
#ifndef KADCRYPT_H
#define KADCRYPT_H

#include "kadipc.h"

extern struct kadipc_chan	*crypt_master, *crypt_store, *crypt_net;

/* crypt_dispatch.c */
void	crypt_dispatch_master(struct kadipc_chan *, struct kadipc_msg *,
	    void *);
void	crypt_dispatch_store(struct kadipc_chan *, struct kadipc_msg *,
	    void *);
void	crypt_store_batch(struct kadipc_chan *, void *);

/* crypt_oracle.c: the node key, and the oracle kadnet asks */
struct kad_stats;
int	crypt_oracle_init(void);
int	crypt_identity(struct kadipc_msg *);
void	crypt_oracle_stats(struct kad_stats *);
void	crypt_dispatch_net(struct kadipc_chan *, struct kadipc_msg *, void *);

#endif /* KADCRYPT_H */
