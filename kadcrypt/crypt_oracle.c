/* SPDX-License-Identifier: ISC */
/*
 * kadcrypt's side of the node identity: CRYPT_IDENTITY, the fd of the
 * key file that kadmaster opened (kadcrypt opens nothing), read and
 * checked or, when new and empty, filled with a new key (ground against
 * the key puzzle: a few seconds, once, logged) and synced, and the node
 * ID of that key at the address kadmaster names; and
 * the static-key oracle that kadnet asks over their channel (CRYPT_DH),
 * answered by nodekey.c within its checks and budget.  The key bytes
 * pass through a stack buffer here on their way to or from OpenSSL and
 * are wiped at once.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <bsd/string.h>
#include <errno.h>
#include <time.h>
#include <unistd.h>

#include "kadipc.h"
#include "kadipc_msg.h"
#include "log.h"
#include "worker.h"
#include "kadnet/krpc.h"
#include "kadnet/node_id.h"
#include "kadcrypt.h"
#include "nodekey.h"
#include "x25519.h"

static struct nodekey	*nodekey;

struct kadipc_chan	*crypt_net;

static uint64_t
now_ms(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((uint64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000);
}

/* Before the sandbox: X25519 loaded and tried once, the budget full. */
int
crypt_oracle_init(void)
{
	if (crypt_x25519_init() == -1 ||
	    (nodekey = nodekey_new(now_ms())) == NULL)
		return (-1);
	return (0);
}

/* The node's local secret (nodekey_local), NULL before the key. */
const uint8_t *
crypt_local_secret(void)
{
	return (nodekey != NULL ? nodekey_local(nodekey) : NULL);
}

/* A new key into the new, empty file: KADIPC_IDENT_CREATED or why not. */
static int
key_create(int fd)
{
	uint8_t		 file[KADIPC_NODE_KEY_LEN];
	uint64_t	 t0, tries;
	ssize_t		 n;

	t0 = now_ms();
	if (nodekey_create(nodekey, KAD_PUZZLE_BITS, file, &tries) == -1) {
		log_warnx("%s: no key pair could be made", __func__);
		return (KADIPC_IDENT_IOERROR);
	}
	log_info("new node key: the key puzzle (%u bits) took %llu key "
	    "pairs, %llu ms", KAD_PUZZLE_BITS, (unsigned long long)tries,
	    (unsigned long long)(now_ms() - t0));
	n = write(fd, file, sizeof(file));
	explicit_bzero(file, sizeof(file));
	if (n != (ssize_t)sizeof(file) || fsync(fd) == -1) {
		if (n == -1 || n == (ssize_t)sizeof(file))
			log_warn("%s: node key", __func__);
		else
			log_warnx("%s: node key: short write", __func__);
		/* a key that is not saved is not the node's */
		nodekey_free(nodekey);
		nodekey = nodekey_new(now_ms());
		return (KADIPC_IDENT_IOERROR);
	}
	return (KADIPC_IDENT_CREATED);
}

/* The saved key: KADIPC_IDENT_LOADED or why not. */
static int
key_load(int fd)
{
	uint8_t	 file[KADIPC_NODE_KEY_LEN + 1];	/* a longer file shows */
	ssize_t	 n;
	int	 status;

	if ((n = pread(fd, file, sizeof(file), 0)) == -1) {
		log_warn("%s: node key", __func__);
		return (KADIPC_IDENT_IOERROR);
	}
	status = nodekey_load(nodekey, file, (size_t)n, KAD_PUZZLE_BITS);
	explicit_bzero(file, sizeof(file));
	return (status);
}

/* The node ID of our key at the address kadmaster named: 0 or -1. */
static int
bound_id(const struct kadipc_sockaddr *a, uint8_t id[KAD_NODE_ID_LEN])
{
	struct krpc_addr	 ka;

	memset(&ka, 0, sizeof(ka));
	ka.family = a->family == AF_INET ? KRPC_AF_INET : KRPC_AF_INET6;
	ka.port = a->port;
	memcpy(ka.ip, a->addr, sizeof(ka.ip));
	return (kad_node_id(nodekey_public(nodekey), &ka, id));
}

/*
 * CRYPT_IDENTITY: answer CRYPT_IDENTITY_RES, and return 1 when the node
 * has its key (READY may follow), 0 when the file is refused.  Once only.
 */
int
crypt_identity(struct kadipc_msg *m)
{
	static int			 seen;
	struct kadipc_crypt_identity	 ci;
	struct stat			 st;
	uint8_t				 id[KAD_NODE_ID_LEN];
	uint32_t			 flags;
	int				 fd, status;

	if (seen++ || nodekey == NULL ||
	    kadipc_recv_crypt_identity(m, &ci) == -1)
		fatalx("%s: bad or second CRYPT_IDENTITY", __func__);
	flags = ci.flags;
	fd = m->fd;
	m->fd = -1;
	if (fstat(fd, &st) == -1) {
		log_warn("%s: node key", __func__);
		status = KADIPC_IDENT_IOERROR;
	} else if (!S_ISREG(st.st_mode))
		status = KADIPC_IDENT_BADSIZE;
	else if (flags & KADIPC_IDENT_F_NEW)
		status = st.st_size == 0 ? key_create(fd) :
		    KADIPC_IDENT_BADSIZE;
	else
		status = key_load(fd);
	close(fd);
	if ((status == KADIPC_IDENT_LOADED || status == KADIPC_IDENT_CREATED) &&
	    bound_id(&ci.idaddr, id) == -1)
		fatalx("%s: no node ID", __func__);
	if (status == KADIPC_IDENT_LOADED || status == KADIPC_IDENT_CREATED) {
		if (kadipc_send_crypt_identity_res(crypt_master, status,
		    nodekey_public(nodekey), id) == -1)
			fatal("%s: CRYPT_IDENTITY_RES", __func__);
		return (1);
	}
	if (kadipc_send_crypt_identity_res(crypt_master, status, NULL,
	    NULL) == -1)
		fatal("%s: CRYPT_IDENTITY_RES", __func__);
	return (0);
}

void
crypt_oracle_stats(struct kad_stats *s)
{
	const struct nodekey_stats	*st;

	if (nodekey == NULL)
		return;
	st = nodekey_stats(nodekey);
	kad_stats_add(s, "crypt-dh", st->requests);
	kad_stats_add(s, "crypt-dh-refused", st->refused[KADIPC_DH_BADPOINT] +
	    st->refused[KADIPC_DH_BUSY] + st->refused[KADIPC_DH_SELF]);
	kad_stats_add(s, "crypt-dh-badpoint", st->refused[KADIPC_DH_BADPOINT]);
	kad_stats_add(s, "crypt-dh-busy", st->refused[KADIPC_DH_BUSY]);
	kad_stats_add(s, "crypt-dh-self", st->refused[KADIPC_DH_SELF]);
}

/*
 * kadnet's channel carries CRYPT_DH alone: checked by its recv helper
 * (exact length, no fd), refused before the node key exists, answered
 * by nodekey_dh, whose refusals (a point of small order, our own key,
 * over the budget) go back as a status with nothing but zeros.
 */
void
crypt_dispatch_net(struct kadipc_chan *ch, struct kadipc_msg *m, void *arg)
{
	struct kadipc_crypt_dh	 r;
	uint8_t			 shared[KADIPC_KEY_LEN];
	int			 status;

	(void)ch;
	(void)arg;
	if (m->hdr.type != KADIPC_CRYPT_DH || kadipc_recv_crypt_dh(m, &r) == -1)
		fatalx("%s: bad %s", __func__, kadipc_type_name(m->hdr.type));
	if (nodekey == NULL || !nodekey_ready(nodekey))
		fatalx("%s: CRYPT_DH before the node key", __func__);
	if ((status = nodekey_dh(nodekey, r.peer, now_ms(), shared)) == -1)
		fatalx("%s: the DH failed", __func__);
	if (kadipc_send_crypt_dh_res(crypt_net, r.cookie, status,
	    status == KADIPC_DH_OK ? shared : NULL) == -1)
		fatal("%s: CRYPT_DH_RES", __func__);
	explicit_bzero(shared, sizeof(shared));
}
