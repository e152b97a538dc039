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

#define KAD_CONF_FILE		SYSCONFDIR "/kad.conf"
#define KAD_ROOT_DATADIR	LOCALSTATEDIR "/kad"
#define KAD_USER_NET		"_kadnet"
#define KAD_USER_STORE		"_kadstore"
#define KAD_USER_CRYPT		"_kadcrypt"
#define KAD_DEFAULT_REPLICAS	8
#define KAD_DEFAULT_SYNC_MS	5000
#define KAD_DEFAULT_WINDOW	(8 * 1024 * 1024)
#define KAD_MAX_BOOTSTRAP	64
#define KAD_MAX_LISTEN		4

struct kad_addr {
	struct sockaddr_storage	 ss;
	socklen_t		 len;
};

struct master_conf {
	char		 datadir[PATH_MAX];
	char		 control[PATH_MAX];
	char		 libexecdir[PATH_MAX];
	char		 user[64];		/* owner of the control socket */
	char		 group[64];		/* 0660 for this group */
	char		 workeruser[KAD_PROC_MAX][64];
	char		 listen[KAD_MAX_LISTEN][128];	/* as written */
	int		 nlisten;
	char		 bootstrap[KAD_MAX_BOOTSTRAP][128];
	int		 nbootstrap;
	uint64_t	 storage_limit;		/* 0: unlimited */
	unsigned int	 replicas;
	unsigned int	 sync_ms;
	uint32_t	 window;
	int		 debug;
	int		 verbose;
};

/* config.c */
void	 conf_defaults(struct master_conf *);
int	 conf_load(struct master_conf *, const char *path, int must_exist);
int	 conf_set(struct master_conf *, const char *key, const char *value,
	    const char *where);
void	 conf_finish(struct master_conf *);
void	 path_join(char *, size_t, const char *, const char *);
void	 conf_print(const struct master_conf *, int fd);
int	 parse_size(const char *, uint64_t *);
int	 parse_hostport(const char *, uint16_t defport, struct kad_addr *);

/* identity.c */
struct identity {
	uint8_t		 id[KADIPC_KEY_LEN];
	uint16_t	 port;
	int		 fresh_port;	/* drawn this start, not yet used */
};
int	 identity_load(const char *datadir, struct identity *);
int	 identity_new_port(const char *datadir, struct identity *);

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

/* kadmaster.c */
extern struct master_conf	 conf;
extern struct identity		 ident;
extern time_t			 started;
void	 master_shutdown(int status);
void	 master_sockaddr(const struct kad_addr *, struct kadipc_sockaddr *);
int	 master_send(enum kad_proc, uint32_t type, uint32_t peerid, int fd,
	    const void *, size_t);

#endif /* KADMASTER_H */
