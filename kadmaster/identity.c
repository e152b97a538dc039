/* SPDX-License-Identifier: ISC */
/*
 * The node identity: the node key in DATADIR/node-key, and a random UDP
 * port in 1025..65535, saved in DATADIR/port.  Both are created on first
 * start and reused after; a damaged file is an error, never silently
 * replaced.
 *
 * kadmaster never reads the key.  It opens DATADIR/node-key (or, on the
 * first start, creates DATADIR/node-key.tmp) and passes the fd to
 * kadcrypt (CRYPT_IDENTITY), which reads it, or makes the key (ground
 * against the key puzzle, a few seconds) and writes it, and answers
 * with the public key and the node ID (of the key and the network of
 * the address idaddr.c names, kadnet/node_id.c).  A new file is renamed
 * into place only once kadcrypt has written and synced it, so a crash
 * leaves no half key.  What kadmaster checks itself is the file's
 * metadata: a regular file, ours, no access for group or others, and
 * the right size.
 *
 * Version 1 kept a random node ID in DATADIR/node-id.  It is replaced by
 * the key's ID: the file is removed, with a log line, once the key is
 * saved.
 */
#include <sys/types.h>
#include <sys/stat.h>

#include <bsd/stdlib.h>
#include <bsd/string.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kadmaster.h"
#include "log.h"

#define NODE_KEY	"node-key"
#define NODE_KEY_TMP	"node-key.tmp"
#define NODE_ID_V1	"node-id"

int
master_read_small(const char *path, char *buf, size_t bufsz)
{
	ssize_t	 n;
	int	 fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)) == -1)
		return (-1);
	n = read(fd, buf, bufsz - 1);
	close(fd);
	if (n < 0)
		return (-1);
	buf[n] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	return (0);
}

/* Write via a temporary file and rename, so a crash leaves old or new. */
int
master_write_small(const char *path, const char *text)
{
	char	 tmp[PATH_MAX];
	size_t	 len = strlen(text);
	int	 fd;

	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= sizeof(tmp))
		return (-1);
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC |
	    O_NOFOLLOW, 0600)) == -1)
		return (-1);
	if (write(fd, text, len) != (ssize_t)len || fsync(fd) == -1) {
		close(fd);
		unlink(tmp);
		return (-1);
	}
	close(fd);
	if (rename(tmp, path) == -1) {
		unlink(tmp);
		return (-1);
	}
	return (0);
}

/* A new random port, saved: first start, or the drawn one was taken. */
int
identity_new_port(const char *datadir, struct identity *id)
{
	char	 path[PATH_MAX], buf[16];

	path_join(path, sizeof(path), datadir, "port");
	id->port = 1025 + arc4random_uniform(65535 - 1025 + 1);
	snprintf(buf, sizeof(buf), "%u\n", id->port);
	if (master_write_small(path, buf) == -1) {
		log_warn("%s", path);
		return (-1);
	}
	return (0);
}

/*
 * The metadata rules of a key file, on the fd we will pass (no race
 * between a check by name and the open).  want < 0: any size.
 */
static int
key_fd_ok(int fd, const char *path, off_t want)
{
	struct stat	 st;

	if (fstat(fd, &st) == -1) {
		log_warn("%s", path);
		return (-1);
	}
	if (!S_ISREG(st.st_mode)) {
		log_warnx("%s: not a regular file; the node key must be one",
		    path);
		return (-1);
	}
	if (st.st_uid != geteuid()) {
		log_warnx("%s: owned by uid %u, not by uid %u that runs kad",
		    path, (unsigned)st.st_uid, (unsigned)geteuid());
		return (-1);
	}
	if ((st.st_mode & 077) != 0) {
		log_warnx("%s: mode %04o lets others read or write the node "
		    "key; it must be 0600 (chmod 600 it, and consider the key "
		    "known to them)", path, (unsigned)(st.st_mode & 07777));
		return (-1);
	}
	if (want >= 0 && st.st_size != want) {
		log_warnx("%s: %lld bytes, not a node key (%d bytes); restore "
		    "it from a backup, or remove it to make a new identity",
		    path, (long long)st.st_size, KADIPC_NODE_KEY_LEN);
		return (-1);
	}
	return (0);
}

/*
 * The fd kadcrypt gets: DATADIR/node-key read-only, or a new, empty
 * DATADIR/node-key.tmp for it to fill (id->key_new).  O_NONBLOCK: a
 * FIFO in its place must not hang the start.
 */
static int
identity_open_key(const char *datadir, struct identity *id)
{
	char	 path[PATH_MAX], tmp[PATH_MAX];
	int	 fd;

	path_join(path, sizeof(path), datadir, NODE_KEY);
	path_join(tmp, sizeof(tmp), datadir, NODE_KEY_TMP);
	fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (fd == -1 && errno == ENOENT) {
		/* a file left by a start that died before the rename */
		if (unlink(tmp) == -1 && errno != ENOENT) {
			log_warn("%s", tmp);
			return (-1);
		}
		if ((fd = open(tmp, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW |
		    O_CLOEXEC, 0600)) == -1) {
			log_warn("%s", tmp);
			return (-1);
		}
		if (key_fd_ok(fd, tmp, 0) == -1) {
			close(fd);
			return (-1);
		}
		id->key_fd = fd;
		id->key_new = 1;
		return (0);
	}
	if (fd == -1) {
		if (errno == ELOOP)
			log_warnx("%s: a symbolic link; the node key must be "
			    "a regular file", path);
		else
			log_warn("%s", path);
		return (-1);
	}
	if (key_fd_ok(fd, path, KADIPC_NODE_KEY_LEN) == -1) {
		close(fd);
		return (-1);
	}
	id->key_fd = fd;
	id->key_new = 0;
	return (0);
}

int
identity_load(const char *datadir, struct identity *id)
{
	char		 path[PATH_MAX], buf[128];
	const char	*errstr;
	struct stat	 st;

	id->key_fd = -1;
	if (identity_open_key(datadir, id) == -1)
		return (-1);
	path_join(path, sizeof(path), datadir, NODE_ID_V1);
	id->v1_id = lstat(path, &st) == 0;

	/* UDP port */
	path_join(path, sizeof(path), datadir, "port");
	if (master_read_small(path, buf, sizeof(buf)) == 0) {
		id->port = strtonum(buf, 1025, 65535, &errstr);
		if (errstr != NULL) {
			log_warnx("%s: port \"%s\" is %s (1025..65535)", path,
			    buf, errstr);
			return (-1);
		}
	} else if (errno == ENOENT) {
		id->fresh_port = 1;
		return (identity_new_port(datadir, id));
	} else {
		log_warn("%s", path);
		return (-1);
	}
	return (0);
}

/* Why kadcrypt refused the key file, in words for the log. */
static const char *
refusal(uint32_t status)
{
	switch (status) {
	case KADIPC_IDENT_BADSIZE:
		return ("not a node key (wrong length, or not a file)");
	case KADIPC_IDENT_BADMAGIC:
		return ("not a node key (it does not start with "
		    KADIPC_NODE_KEY_MAGIC ")");
	case KADIPC_IDENT_MISMATCH:
		return ("a damaged node key (its public half is not its "
		    "private half's)");
	case KADIPC_IDENT_IOERROR:
		return ("kadcrypt could not read or write it");
	case KADIPC_IDENT_PUZZLE:
		return ("a node key made before the key puzzle, which every "
		    "peer refuses (a new key starts an empty kadctl ls list)");
	}
	return ("refused");
}

static void
sync_dir(const char *datadir)
{
	int	 fd;

	if ((fd = open(datadir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1 ||
	    fsync(fd) == -1)
		log_warn("%s: fsync", datadir);
	if (fd != -1)
		close(fd);
}

/*
 * kadcrypt's answer to CRYPT_IDENTITY (checked by its recv helper): the
 * key it read or made, or why the file is refused.  A new key's file is
 * renamed into place, and version 1's node-id file removed.  0, or -1
 * after a log line saying why the node cannot start.
 */
int
identity_key_saved(const char *datadir, struct identity *id,
    const struct kadipc_crypt_identity_res *r)
{
	char	 path[PATH_MAX], tmp[PATH_MAX];

	path_join(path, sizeof(path), datadir, NODE_KEY);
	path_join(tmp, sizeof(tmp), datadir, NODE_KEY_TMP);
	if (r->status != KADIPC_IDENT_LOADED &&
	    r->status != KADIPC_IDENT_CREATED) {
		log_warnx("%s: %s; %s", id->key_new ? tmp : path,
		    refusal(r->status), r->status == KADIPC_IDENT_PUZZLE ?
		    "move it away to make a new identity" : "restore it from "
		    "a backup, or remove it to make a new identity");
		return (-1);
	}
	if ((r->status == KADIPC_IDENT_CREATED) != id->key_new) {
		log_warnx("kadcrypt: %s a key it was to %s", r->status ==
		    KADIPC_IDENT_CREATED ? "created" : "loaded",
		    id->key_new ? "create" : "load");
		return (-1);
	}
	if (id->key_new) {
		if (rename(tmp, path) == -1) {
			log_warn("rename %s", tmp);
			return (-1);
		}
		sync_dir(datadir);
		log_info("new node key saved in %s", path);
	}
	memcpy(id->pub, r->pub, sizeof(id->pub));
	memcpy(id->id, r->id, sizeof(id->id));
	id->ready = 1;
	if (id->v1_id) {
		path_join(tmp, sizeof(tmp), datadir, NODE_ID_V1);
		if (unlink(tmp) == -1 && errno != ENOENT)
			log_warn("%s", tmp);
		else
			log_info("%s: version 1's random node ID is replaced "
			    "by the node key's; file removed", tmp);
		id->v1_id = 0;
	}
	return (0);
}
