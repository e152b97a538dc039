/* SPDX-License-Identifier: ISC */
/*
 * kad.conf(5) and the -o options: the configuration kadmaster runs with.
 * config.c is compiled into kadctl as well, which reads the same file to
 * find the control socket.
 */
#ifndef KAD_CONFIG_H
#define KAD_CONFIG_H

#include <sys/types.h>
#include <sys/socket.h>

#include <limits.h>
#include <stdint.h>

#include "kadipc.h"

#define KAD_CONF_FILE		SYSCONFDIR "/kad.conf"
#define KAD_ROOT_DATADIR	LOCALSTATEDIR "/kad"
#define KAD_USER_NET		"_kadnet"
#define KAD_USER_STORE		"_kadstore"
#define KAD_USER_CRYPT		"_kadcrypt"
#define KAD_DEFAULT_REPLICAS	8
#define KAD_DEFAULT_SYNC_MS	5000
#define KAD_DEFAULT_WINDOW	(8 * 1024 * 1024)
/* one network's share of storage-limit (kadstore's STORE_SHARE_DEFAULT) */
#define KAD_DEFAULT_SOURCE_SHARE 5
#define KAD_MAX_BOOTSTRAP	64
#define KAD_MAX_LISTEN		4
/* the default storage-limit: a share of the free space, within bounds */
#define KAD_LIMIT_PERCENT	10
#define KAD_LIMIT_MIN		(64ULL << 20)
#define KAD_LIMIT_MAX		(64ULL << 30)
#define KAD_LIMIT_FILE		"storage-limit"

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
	int		 storage_limit_set;	/* by kad.conf or -o */
	char		 storage_limit_how[2 * PATH_MAX + 128]; /* or how found */
	uint64_t	 upload_limit;		/* bytes/s, 0: unlimited */
	unsigned int	 source_share;		/* % of storage-limit */
	unsigned int	 replicas;
	unsigned int	 sync_ms;
	uint32_t	 window;
	int		 keep_published;	/* keep what we published */
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

#endif /* KAD_CONFIG_H */
