/* SPDX-License-Identifier: ISC */
/*
 * kadcrypt: the only process that holds keys and turns plaintext into
 * ciphertext and back.  No network, no disk.
 */
#ifndef KADCRYPT_H
#define KADCRYPT_H

#include <sys/types.h>

#include <stddef.h>
#include <stdint.h>

#include "kadipc.h"

extern struct kadipc_chan	*crypt_master, *crypt_store, *crypt_net;

/* crypt_dispatch.c */
void	crypt_dispatch_master(struct kadipc_chan *, struct kadipc_msg *,
	    void *);
void	crypt_dispatch_store(struct kadipc_chan *, struct kadipc_msg *,
	    void *);
void	crypt_store_batch(struct kadipc_chan *, void *);
void	crypt_list_loaded(void);
struct event_base;
void	crypt_dispatch_init(struct event_base *);
void	crypt_retry_tick(int, short, void *);
/* crypt_fd.c: the client's fds */
void	crypt_fd_init(struct event_base *);

/* crypt_list.c: the sealed file list (filelist.h's entries) */
struct fl_entry;
struct kadipc_chunk_msg;
int	crypt_list_ready(void);		/* 0: loading, wait for loaded */
void	crypt_list_reply(uint32_t, const struct kadipc_chunk_msg *);
size_t	crypt_list_count(void);
const struct fl_entry *crypt_list_entry(size_t);
ssize_t	crypt_list_find_mac(const uint8_t [32], const char *);
ssize_t	crypt_list_find_link(const char *);
int	crypt_list_mac(const uint8_t [32], uint8_t [32]);
int64_t	crypt_list_add(const struct fl_entry *);	/* slot, -1: full */
void	crypt_list_written(uint32_t, int);	/* crypt_dispatch.c */
void	crypt_list_update(size_t, const struct fl_entry *);
void	crypt_list_remove(size_t);

/* crypt_oracle.c: the node key, and the oracle kadnet asks */
struct kad_stats;
int	crypt_oracle_init(void);
int	crypt_identity(struct kadipc_msg *);
const uint8_t *crypt_local_secret(void);
void	crypt_oracle_stats(struct kad_stats *);
void	crypt_list_stats(struct kad_stats *);
void	crypt_dispatch_net(struct kadipc_chan *, struct kadipc_msg *, void *);

#endif /* KADCRYPT_H */
