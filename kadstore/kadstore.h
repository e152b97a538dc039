/* SPDX-License-Identifier: ISC */
/*
 * kadstore: the only process that writes to disk.  It owns the Tokyo
 * Cabinet chunk store; no network, no keys.
 */
#ifndef KADSTORE_H
#define KADSTORE_H

#include "kadipc.h"

struct store;
struct event_base;

extern struct kadipc_chan	*store_master, *store_crypt, *store_net;

/* store_dispatch.c */
void	store_dispatch_init(struct store *, struct event_base *, uint64_t);
void	store_dispatch_master(struct kadipc_chan *, struct kadipc_msg *,
	    void *);
void	store_dispatch_crypt(struct kadipc_chan *, struct kadipc_msg *,
	    void *);
void	store_dispatch_net(struct kadipc_chan *, struct kadipc_msg *,
	    void *);
void	store_batch_end(struct kadipc_chan *, void *);
__attribute__((__noreturn__)) void store_exit(int);

/* store_routes.c */
void	store_routes_open(const char *);
void	store_routes_load(void);
void	store_routes_save(const void *, size_t);

#endif /* KADSTORE_H */
