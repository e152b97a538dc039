/* SPDX-License-Identifier: ISC */
/*
 * Readiness for a service manager, without its library: when
 * $NOTIFY_SOCKET names an AF_UNIX datagram socket (a path, or an
 * abstract name written with a leading '@'), kadmaster sends it
 * "READY=1" once every worker is ready and the control socket is served,
 * and "STOPPING=1" when it begins to stop.  The socket is opened and
 * connected at start, before the sandbox refuses socket(2) and
 * connect(2); what follows is send(2) on that fd, which the sandbox
 * allows.  The variable is removed so that no worker inherits it.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kadmaster.h"
#include "log.h"

#define NOTIFY_ENV	"NOTIFY_SOCKET"

static int	notify_fd = -1;

void
notify_init(void)
{
	struct sockaddr_un	 sun;
	const char		*path;
	socklen_t		 len;
	size_t			 n;
	int			 fd;

	/* called once by kadmaster; again only by its test */
	if (notify_fd != -1) {
		close(notify_fd);
		notify_fd = -1;
	}
	if ((path = getenv(NOTIFY_ENV)) == NULL)
		return;
	n = strlen(path);
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if ((path[0] != '/' && path[0] != '@') || n < 2 ||
	    n >= sizeof(sun.sun_path)) {
		log_warnx("%s is not a socket path or @name: not notifying",
		    NOTIFY_ENV);
		goto done;
	}
	memcpy(sun.sun_path, path, n);
	/* an abstract name: a NUL, then the name, with no NUL after it */
	if (path[0] == '@')
		sun.sun_path[0] = '\0';
	len = offsetof(struct sockaddr_un, sun_path) + n;
	if ((fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK,
	    0)) == -1)
		fatal("%s: socket", __func__);
	if (connect(fd, (struct sockaddr *)&sun, len) == -1) {
		log_warn("%s %s: not notifying", NOTIFY_ENV, path);
		close(fd);
		goto done;
	}
	notify_fd = fd;
 done:
	if (unsetenv(NOTIFY_ENV) == -1)
		fatal("%s: unsetenv", __func__);
}

/* One state line, "READY=1" or "STOPPING=1"; a failure is only logged. */
void
notify_send(const char *state)
{
	if (notify_fd == -1)
		return;
	if (send(notify_fd, state, strlen(state), MSG_NOSIGNAL) == -1)
		log_warn("%s: %s", NOTIFY_ENV, state);
}
