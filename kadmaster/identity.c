/* SPDX-License-Identifier: ISC */
/*
 * The node identity: a random 256-bit node ID, saved
 * as hex in DATADIR/node-id, and a random UDP port in 1025..65535, saved
 * in DATADIR/port.  Both are created on first start and reused after;
 * a damaged file is an error, never silently replaced.
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

static int
read_small(const char *path, char *buf, size_t bufsz)
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
static int
write_small(const char *path, const char *text)
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

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return (c - '0');
	if (c >= 'a' && c <= 'f')
		return (c - 'a' + 10);
	if (c >= 'A' && c <= 'F')
		return (c - 'A' + 10);
	return (-1);
}

/* A new random port, saved: first start, or the drawn one was taken. */
int
identity_new_port(const char *datadir, struct identity *id)
{
	char	 path[PATH_MAX], buf[16];

	path_join(path, sizeof(path), datadir, "port");
	id->port = 1025 + arc4random_uniform(65535 - 1025 + 1);
	snprintf(buf, sizeof(buf), "%u\n", id->port);
	if (write_small(path, buf) == -1) {
		log_warn("%s", path);
		return (-1);
	}
	return (0);
}

int
identity_load(const char *datadir, struct identity *id)
{
	char		 path[PATH_MAX], buf[128];
	const char	*errstr;
	size_t		 i;
	int		 hi, lo;

	/* node ID */
	path_join(path, sizeof(path), datadir, "node-id");
	if (read_small(path, buf, sizeof(buf)) == 0) {
		if (strlen(buf) != 2 * sizeof(id->id)) {
			log_warnx("%s: not a 64-digit hex node ID", path);
			return (-1);
		}
		for (i = 0; i < sizeof(id->id); i++) {
			hi = hexval(buf[2 * i]);
			lo = hexval(buf[2 * i + 1]);
			if (hi < 0 || lo < 0) {
				log_warnx("%s: not a 64-digit hex node ID",
				    path);
				return (-1);
			}
			id->id[i] = hi << 4 | lo;
		}
	} else if (errno == ENOENT) {
		arc4random_buf(id->id, sizeof(id->id));
		for (i = 0; i < sizeof(id->id); i++)
			snprintf(buf + 2 * i, 3, "%02x", id->id[i]);
		strlcat(buf, "\n", sizeof(buf));
		if (write_small(path, buf) == -1) {
			log_warn("%s", path);
			return (-1);
		}
		log_info("new node ID saved in %s", path);
	} else {
		log_warn("%s", path);
		return (-1);
	}

	/* UDP port */
	path_join(path, sizeof(path), datadir, "port");
	if (read_small(path, buf, sizeof(buf)) == 0) {
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
