/* SPDX-License-Identifier: ISC */
/*
 * kad.conf(5): "key value" lines, '#' comments.  The same keys can be
 * given on the command line with -o key=value; those win over the file,
 * and for repeatable keys (listen, bootstrap) they replace the file's
 * list rather than add to it, as ssh does.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <bsd/stdlib.h>
#include <bsd/string.h>
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <netdb.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "log.h"

/* sizeof(sun_path) */
#define CONTROL_PATH_MAX	108

enum key_id {
	K_DATADIR, K_CONTROL, K_LIBEXEC, K_LISTEN, K_BOOTSTRAP,
	K_STORAGE_LIMIT, K_REPLICAS, K_SYNC, K_USER, K_GROUP,
	K_NET_USER, K_STORE_USER, K_CRYPT_USER, K_WINDOW, K_UPLOAD, K_KEEP,
	K_SOURCE_SHARE, K_MAX
};

static const char *const keynames[K_MAX] = {
	"datadir", "control", "libexec", "listen", "bootstrap",
	"storage-limit", "replicas", "sync-interval", "user", "group",
	"net-user", "store-user", "crypt-user", "transfer-window",
	"upload-limit", "keep-published", "source-share"
};

/* keys set on the command line: the file does not touch them */
static int	 cmdline[K_MAX];
static int	 loading_file;

static int
parse_yesno(const char *value, int *out, const char *key, const char *where)
{
	if (strcmp(value, "yes") == 0 || strcmp(value, "no") == 0) {
		*out = value[0] == 'y';
		return (0);
	}
	log_warnx("%s: %s: \"%s\" is neither yes nor no", where, key, value);
	return (-1);
}

static int
setstr(char *dst, size_t dstsz, const char *value, const char *key,
    const char *where)
{
	if (*value == '\0') {
		log_warnx("%s: %s: empty value", where, key);
		return (-1);
	}
	if (strlcpy(dst, value, dstsz) >= dstsz) {
		log_warnx("%s: %s: value too long", where, key);
		return (-1);
	}
	return (0);
}

int
parse_size(const char *s, uint64_t *out)
{
	char		*end;
	unsigned long long v;
	uint64_t	 mult = 1;

	if (!isdigit((unsigned char)*s))
		return (-1);
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno != 0)
		return (-1);
	switch (toupper((unsigned char)*end)) {
	case '\0':
		break;
	case 'K':
		mult = 1ULL << 10;
		break;
	case 'M':
		mult = 1ULL << 20;
		break;
	case 'G':
		mult = 1ULL << 30;
		break;
	case 'T':
		mult = 1ULL << 40;
		break;
	default:
		return (-1);
	}
	if (*end != '\0' && end[1] != '\0' &&
	    !(toupper((unsigned char)end[1]) == 'B' && end[2] == '\0'))
		return (-1);
	if (v > UINT64_MAX / mult)
		return (-1);
	*out = v * mult;
	return (0);
}

/*
 * "1.2.3.4:5", "[::1]:5", "host:5", "1.2.3.4", "*" and "*:5".  A missing
 * port becomes defport.  Names are resolved numerically only: the daemon
 * must not depend on DNS at start.
 */
int
parse_hostport(const char *s, uint16_t defport, struct kad_addr *a)
{
	char		 host[128];
	const char	*port = NULL, *errstr;
	const char	*p;
	struct sockaddr_in *sin;
	struct sockaddr_in6 *sin6;
	long long	 pn = defport;
	size_t		 hl;

	memset(a, 0, sizeof(*a));
	if (*s == '[') {
		if ((p = strchr(s, ']')) == NULL)
			return (-1);
		hl = p - (s + 1);
		if (hl >= sizeof(host))
			return (-1);
		memcpy(host, s + 1, hl);
		host[hl] = '\0';
		if (p[1] == ':')
			port = p + 2;
		else if (p[1] != '\0')
			return (-1);
	} else {
		if (strlcpy(host, s, sizeof(host)) >= sizeof(host))
			return (-1);
		if ((p = strchr(host, ':')) != NULL) {
			if (strchr(p + 1, ':') != NULL) {
				/* a bare IPv6 address without a port */
				p = NULL;
			} else {
				host[p - host] = '\0';
				port = s + (p - host) + 1;
			}
		}
	}
	if (port != NULL) {
		pn = strtonum(port, 1, 65535, &errstr);
		if (errstr != NULL)
			return (-1);
	}
	sin = (struct sockaddr_in *)&a->ss;
	sin6 = (struct sockaddr_in6 *)&a->ss;
	if (strcmp(host, "*") == 0 || strcmp(host, "0.0.0.0") == 0) {
		sin->sin_family = AF_INET;
		sin->sin_addr.s_addr = htonl(INADDR_ANY);
		sin->sin_port = htons(pn);
		a->len = sizeof(*sin);
	} else if (inet_pton(AF_INET, host, &sin->sin_addr) == 1) {
		sin->sin_family = AF_INET;
		sin->sin_port = htons(pn);
		a->len = sizeof(*sin);
	} else if (inet_pton(AF_INET6, host, &sin6->sin6_addr) == 1) {
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(pn);
		a->len = sizeof(*sin6);
	} else
		return (-1);
	return (0);
}

/* dir + "/" + name, or fatal: every path kad builds must fit */
void
path_join(char *buf, size_t sz, const char *dir, const char *name)
{
	if ((size_t)snprintf(buf, sz, "%s/%s", dir, name) >= sz)
		fatalx("path too long: %s/%s", dir, name);
}

/* A bootstrap peer needs a port and a real address. */
static int
addr_is_peer(const struct kad_addr *a)
{
	const struct sockaddr_in	*sin = (const void *)&a->ss;
	const struct sockaddr_in6	*sin6 = (const void *)&a->ss;

	if (a->ss.ss_family == AF_INET)
		return (sin->sin_port != 0 &&
		    sin->sin_addr.s_addr != htonl(INADDR_ANY));
	return (sin6->sin6_port != 0 &&
	    !IN6_IS_ADDR_UNSPECIFIED(&sin6->sin6_addr));
}

void
conf_defaults(struct master_conf *c)
{
	const char	*xdg, *home;
	struct passwd	*pw;

	memset(c, 0, sizeof(*c));
	memset(cmdline, 0, sizeof(cmdline));
	if (geteuid() == 0)
		strlcpy(c->datadir, KAD_ROOT_DATADIR, sizeof(c->datadir));
	else if ((xdg = getenv("XDG_DATA_HOME")) != NULL && *xdg == '/') {
		if ((size_t)snprintf(c->datadir, sizeof(c->datadir), "%s/kad",
		    xdg) >= sizeof(c->datadir))
			fatalx("XDG_DATA_HOME too long");
	} else {
		if ((home = getenv("HOME")) == NULL || *home != '/') {
			pw = getpwuid(getuid());
			home = pw != NULL ? pw->pw_dir : "/";
		}
		if ((size_t)snprintf(c->datadir, sizeof(c->datadir),
		    "%s/.local/share/kad", home) >= sizeof(c->datadir))
			fatalx("home directory path too long");
	}
	strlcpy(c->libexecdir, LIBEXECDIR, sizeof(c->libexecdir));
	strlcpy(c->workeruser[KAD_PROC_NET], KAD_USER_NET,
	    sizeof(c->workeruser[0]));
	strlcpy(c->workeruser[KAD_PROC_STORE], KAD_USER_STORE,
	    sizeof(c->workeruser[0]));
	strlcpy(c->workeruser[KAD_PROC_CRYPT], KAD_USER_CRYPT,
	    sizeof(c->workeruser[0]));
	c->replicas = KAD_DEFAULT_REPLICAS;
	c->sync_ms = KAD_DEFAULT_SYNC_MS;
	c->window = KAD_DEFAULT_WINDOW;
	/* no can leave a chunk one copy short (kad.conf(5)) */
	c->keep_published = 1;
	c->source_share = KAD_DEFAULT_SOURCE_SHARE;
}

static int	 conf_apply(struct master_conf *, int, const char *,
		    const char *);

int
conf_set(struct master_conf *c, const char *key, const char *value,
    const char *where)
{
	struct master_conf	*scratch;
	int			 k, rv;

	for (k = 0; k < K_MAX; k++)
		if (strcmp(key, keynames[k]) == 0)
			break;
	if (k == K_MAX) {
		log_warnx("%s: unknown key \"%s\"", where, key);
		return (-1);
	}
	if (loading_file && cmdline[k]) {
		/* -o wins, but a bad line in the file is still an error */
		if ((scratch = calloc(1, sizeof(*scratch))) == NULL)
			fatal("%s", __func__);
		rv = conf_apply(scratch, k, value, where);
		free(scratch);
		return (rv);
	}
	if (!loading_file && !cmdline[k]) {
		cmdline[k] = 1;
		if (k == K_LISTEN)
			c->nlisten = 0;
		if (k == K_BOOTSTRAP)
			c->nbootstrap = 0;
	}
	return (conf_apply(c, k, value, where));
}

/* Keys whose values are sizes (K, M, G or T suffixes), with their ranges. */
static int
conf_apply_size(struct master_conf *c, int k, const char *value,
    const char *where)
{
	const char	*key = keynames[k];
	uint64_t	 v;

	switch (k) {
	case K_STORAGE_LIMIT:
		if (parse_size(value, &v) == -1) {
			log_warnx("%s: %s: bad size \"%s\" (bytes, or with "
			    "K, M, G or T)", where, key, value);
			return (-1);
		}
		c->storage_limit = v;
		c->storage_limit_set = 1;
		return (0);
	case K_UPLOAD:
		/* kadnet's UPLOAD_MIN_RATE and UPLOAD_MAX_RATE */
		if (parse_size(value, &v) == -1 || (v != 0 &&
		    (v < 8192 || v > (1ULL << 40)))) {
			log_warnx("%s: %s: bad rate \"%s\" (bytes per "
			    "second, 0 or 8K..1T)", where, key, value);
			return (-1);
		}
		c->upload_limit = v;
		return (0);
	case K_WINDOW:
		if (parse_size(value, &v) == -1 || v < 65536 ||
		    v > 256 * 1024 * 1024) {
			log_warnx("%s: %s: bad size \"%s\" (64K..256M)",
			    where, key, value);
			return (-1);
		}
		c->window = v;
		return (0);
	}
	return (-1);
}

static int
conf_apply(struct master_conf *c, int k, const char *value, const char *where)
{
	struct kad_addr	 a;
	const char	*errstr, *key = keynames[k];
	char		 pct[8];
	size_t		 n;

	switch (k) {
	case K_DATADIR:
	case K_CONTROL:
	case K_LIBEXEC:
		if (k == K_CONTROL && strlen(value) >= CONTROL_PATH_MAX) {
			log_warnx("%s: %s: longer than %d bytes", where, key,
			    CONTROL_PATH_MAX - 1);
			return (-1);
		}
		if (*value != '/') {
			log_warnx("%s: %s: \"%s\" is not an absolute path",
			    where, key, value);
			return (-1);
		}
		return (setstr(k == K_DATADIR ? c->datadir :
		    k == K_CONTROL ? c->control : c->libexecdir,
		    sizeof(c->datadir), value, key, where));
	case K_LISTEN:
	case K_BOOTSTRAP:
		if (parse_hostport(value, k == K_LISTEN ? 1 : 0, &a) == -1 ||
		    (k == K_BOOTSTRAP && !addr_is_peer(&a))) {
			log_warnx("%s: %s: bad address \"%s\" (want "
			    "ADDR:PORT or [ADDR6]:PORT)", where, key, value);
			return (-1);
		}
		if (k == K_LISTEN) {
			if (c->nlisten == KAD_MAX_LISTEN) {
				log_warnx("%s: too many listen lines", where);
				return (-1);
			}
			return (setstr(c->listen[c->nlisten++],
			    sizeof(c->listen[0]), value, key, where));
		}
		if (c->nbootstrap == KAD_MAX_BOOTSTRAP) {
			log_warnx("%s: too many bootstrap lines", where);
			return (-1);
		}
		return (setstr(c->bootstrap[c->nbootstrap++],
		    sizeof(c->bootstrap[0]), value, key, where));
	case K_STORAGE_LIMIT:
	case K_UPLOAD:
		return (conf_apply_size(c, k, value, where));
	case K_REPLICAS:
		c->replicas = strtonum(value, 1, 20, &errstr);
		if (errstr != NULL) {
			log_warnx("%s: %s: \"%s\" is %s (1..20)", where, key,
			    value, errstr);
			return (-1);
		}
		return (0);
	case K_SOURCE_SHARE:
		/* "5%" or "5" */
		if ((n = strlen(value)) > 0 && n < sizeof(pct) &&
		    value[n - 1] == '%') {
			memcpy(pct, value, n - 1);
			pct[n - 1] = '\0';
			value = pct;
		}
		c->source_share = strtonum(value, 1, 100, &errstr);
		if (errstr != NULL) {
			log_warnx("%s: %s: \"%s\" is %s (1%%..100%%)", where,
			    key, value, errstr);
			return (-1);
		}
		return (0);
	case K_SYNC:
		c->sync_ms = strtonum(value, 10, 3600000, &errstr);
		if (errstr != NULL) {
			log_warnx("%s: %s: \"%s\" is %s (10..3600000 ms)",
			    where, key, value, errstr);
			return (-1);
		}
		return (0);
	case K_WINDOW:
		return (conf_apply_size(c, k, value, where));
	case K_KEEP:
		return (parse_yesno(value, &c->keep_published, key, where));
	case K_USER:
		return (setstr(c->user, sizeof(c->user), value, key, where));
	case K_GROUP:
		return (setstr(c->group, sizeof(c->group), value, key,
		    where));
	case K_NET_USER:
		return (setstr(c->workeruser[KAD_PROC_NET],
		    sizeof(c->workeruser[0]), value, key, where));
	case K_STORE_USER:
		return (setstr(c->workeruser[KAD_PROC_STORE],
		    sizeof(c->workeruser[0]), value, key, where));
	case K_CRYPT_USER:
		return (setstr(c->workeruser[KAD_PROC_CRYPT],
		    sizeof(c->workeruser[0]), value, key, where));
	}
	return (-1);
}

int
conf_load(struct master_conf *c, const char *path, int must_exist)
{
	FILE	*f;
	char	*line = NULL, *p, *key, *value, where[PATH_MAX + 32];
	size_t	 linesz = 0;
	ssize_t	 n;
	int	 lineno = 0, errors = 0;

	if ((f = fopen(path, "re")) == NULL) {
		if (!must_exist && errno == ENOENT)
			return (0);
		log_warn("%s", path);
		return (-1);
	}
	loading_file = 1;
	while ((n = getline(&line, &linesz, f)) != -1) {
		lineno++;
		snprintf(where, sizeof(where), "%s:%d", path, lineno);
		if ((p = strchr(line, '#')) != NULL)
			*p = '\0';
		p = line;
		while (isspace((unsigned char)*p))
			p++;
		if (*p == '\0')
			continue;
		key = p;
		while (*p != '\0' && !isspace((unsigned char)*p))
			p++;
		if (*p != '\0')
			*p++ = '\0';
		while (isspace((unsigned char)*p))
			p++;
		value = p;
		p += strlen(p);
		while (p > value && isspace((unsigned char)p[-1]))
			*--p = '\0';
		if (*value == '\0') {
			log_warnx("%s: %s: missing value", where, key);
			errors++;
			continue;
		}
		if (conf_set(c, key, value, where) == -1)
			errors++;
	}
	loading_file = 0;
	free(line);
	fclose(f);
	return (errors ? -1 : 0);
}

void
conf_finish(struct master_conf *c)
{
	if (c->control[0] == '\0' && (size_t)snprintf(c->control,
	    sizeof(c->control), "%s/kad.sock", c->datadir) >=
	    sizeof(c->control))
		fatalx("datadir path too long: %s", c->datadir);
	if (strlen(c->control) >= CONTROL_PATH_MAX)
		fatalx("control socket path longer than %d bytes: %s",
		    CONTROL_PATH_MAX - 1, c->control);
	if (c->nlisten == 0) {
		strlcpy(c->listen[0], "*", sizeof(c->listen[0]));
		strlcpy(c->listen[1], "[::]", sizeof(c->listen[1]));
		c->nlisten = 2;
	}
}

/* The effective configuration, in a form conf_load() reads back. */
void
conf_print(const struct master_conf *c, int fd)
{
	int	 i;

	dprintf(fd, "datadir %s\n", c->datadir);
	dprintf(fd, "control %s\n", c->control);
	dprintf(fd, "libexec %s\n", c->libexecdir);
	for (i = 0; i < c->nlisten; i++)
		dprintf(fd, "listen %s\n", c->listen[i]);
	for (i = 0; i < c->nbootstrap; i++)
		dprintf(fd, "bootstrap %s\n", c->bootstrap[i]);
	/* a default is a comment: read back, it must stay a default */
	if (c->storage_limit_set)
		dprintf(fd, "storage-limit %" PRIu64 "\n", c->storage_limit);
	else if (c->storage_limit_how[0] != '\0')
		dprintf(fd, "# storage-limit %" PRIu64 " (default: %s)\n",
		    c->storage_limit, c->storage_limit_how);
	else
		dprintf(fd, "# storage-limit (default: a share of the free "
		    "space, fixed at first start)\n");
	dprintf(fd, "upload-limit %" PRIu64 "\n", c->upload_limit);
	dprintf(fd, "source-share %u%%\n", c->source_share);
	dprintf(fd, "replicas %u\n", c->replicas);
	dprintf(fd, "sync-interval %u\n", c->sync_ms);
	dprintf(fd, "transfer-window %u\n", c->window);
	dprintf(fd, "keep-published %s\n", c->keep_published ? "yes" : "no");
	if (c->user[0] != '\0')
		dprintf(fd, "user %s\n", c->user);
	if (c->group[0] != '\0')
		dprintf(fd, "group %s\n", c->group);
	dprintf(fd, "net-user %s\n", c->workeruser[KAD_PROC_NET]);
	dprintf(fd, "store-user %s\n", c->workeruser[KAD_PROC_STORE]);
	dprintf(fd, "crypt-user %s\n", c->workeruser[KAD_PROC_CRYPT]);
}
