/* SPDX-License-Identifier: ISC */
/*
 * kadmaster: the parent process.  Reads the configuration, creates the
 * node identity, spawns and supervises the workers, and serves the
 * control socket for kadctl.
 */
#ifndef KADMASTER_H
#define KADMASTER_H

#include <sys/types.h>
#include <sys/socket.h>

#include <bsd/sys/queue.h>
#include <limits.h>
#include <stdint.h>

#include "kadipc.h"
#include "kadipc_msg.h"
#include "config.h"

/* identity.c */
struct identity {
	uint8_t		 id[KADIPC_KEY_LEN];	/* from kadcrypt, once ready */
	uint8_t		 pub[KADIPC_KEY_LEN];	/* the node's public key */
	int		 ready;		/* kadcrypt has answered with the key */
	int		 key_fd;	/* for CRYPT_IDENTITY; -1 once passed */
	int		 key_new;	/* key_fd is node-key.tmp, still empty */
	int		 v1_id;		/* version 1's node-id file is there */
	uint16_t	 port;
	int		 fresh_port;	/* drawn this start, not yet used */
};
int	 identity_load(const char *datadir, struct identity *);
int	 identity_new_port(const char *datadir, struct identity *);
int	 identity_key_saved(const char *datadir, struct identity *,
	    const struct kadipc_crypt_identity_res *);
int	 master_read_small(const char *path, char *, size_t);
int	 master_write_small(const char *path, const char *);

/* idaddr.c: the address the node ID is bound to, for bound socket b */
void	 master_id_addr(const struct master_conf *,
	    const struct kadipc_sockaddr *b, struct kadipc_sockaddr *out);

/* limit.c */
int	 limit_default(struct master_conf *, int save);

/* lock.c */
void	 datadir_lock(const char *datadir);
void	 datadir_lock_pid(void);

/* notify.c */
void	 notify_init(void);
void	 notify_send(const char *);

/* spawn.c */
struct worker {
	enum kad_proc		 proc;
	pid_t			 pid;
	struct kadipc_chan	*ch;
	int			 ready;
	int			 stats_replies;
	struct kadipc_stat	 stats[KADIPC_MAX_STATS];
	int			 nstats;
};
extern struct worker	 workers[KAD_PROC_MAX];
void	 spawn_check(const struct master_conf *);
void	 spawn_workers(const struct master_conf *);

/* control.c */
void	 control_init(const struct master_conf *);
void	 control_listen(struct event_base *);
void	 control_cleanup(void);
void	 control_dispatch_crypt(struct kadipc_msg *);
void	 control_worker_stats(enum kad_proc);
void	 control_peers(struct kadipc_msg *);
void	 control_bootstrap_res(struct kadipc_msg *);

/* kadmaster.c */
extern struct master_conf	 conf;
extern struct identity		 ident;
extern time_t			 started;
void	 master_shutdown(int status);
void	 master_sockaddr(const struct kad_addr *, struct kadipc_sockaddr *);
int	 master_bound(const struct kadipc_sockaddr **);
void	 master_addr_str(const struct kadipc_sockaddr *, char *, size_t);
int	 master_bootstrap(uint32_t req, const struct kadipc_sockaddr *);
int	 master_send(enum kad_proc, uint32_t type, uint32_t peerid, int fd,
	    const void *, size_t);

#endif /* KADMASTER_H */
