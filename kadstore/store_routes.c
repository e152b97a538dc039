/* SPDX-License-Identifier: ISC */
/*
 * kadnet's routing table, kept for it in db/routes: kadnet has no disk,
 * so it hands its table over (NET_ROUTES) every 30 seconds and as it
 * stops, and gets the saved one back once at start.  The file is opened
 * before the sandbox; after that only pread, pwrite, ftruncate and
 * fdatasync touch it.  The blob is kadnet's: kadstore neither parses nor
 * checks it.
 */
#include <sys/types.h>

#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <unistd.h>

#include "kadipc.h"
#include "kadipc_msg.h"
#include "log.h"
#include "kadstore.h"

static int	 routes_fd = -1;

/* Before the sandbox: db/routes, created empty the first time. */
void
store_routes_open(const char *dbdir)
{
	char	 path[PATH_MAX];

	if ((size_t)snprintf(path, sizeof(path), "%s/routes", dbdir) >=
	    sizeof(path))
		fatalx("%s: path too long", __func__);
	if ((routes_fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW,
	    0600)) == -1)
		fatal("%s", path);
}

/* kadnet's table, every 30 s and as it stops: replace the saved one. */
void
store_routes_save(const void *data, size_t len)
{
	if (pwrite(routes_fd, data, len, 0) != (ssize_t)len ||
	    ftruncate(routes_fd, len) == -1 || fdatasync(routes_fd) == -1)
		log_warn("saving the routing table");
}

/* At start: hand kadnet its saved routing table, if any. */
void
store_routes_load(void)
{
	uint8_t	 buf[KADIPC_MAX_PAYLOAD];
	ssize_t	 n;

	if ((n = pread(routes_fd, buf, sizeof(buf), 0)) <= 0)
		return;
	if (kadipc_compose(store_net, KADIPC_NET_ROUTES, 0, -1, buf, n) == -1)
		fatal("%s", __func__);
}
