/* SPDX-License-Identifier: ISC */
/*
 * Logging in the style of the OpenBSD daemons.  openlog() is called with
 * LOG_NDELAY from log_init() so the syslog socket exists before chroot
 * and seccomp; after that a reconnect attempt just fails.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "log.h"

static int	 debug;
static int	 verbose;
static const char *procname = "kad";

void
log_init(int n_debug, int facility)
{
	debug = n_debug;
	if (!debug)
		openlog("kad", LOG_PID | LOG_NDELAY, facility);
	tzset();
}

void
log_procinit(const char *name)
{
	if (name != NULL)
		procname = name;
}

void
log_setverbose(int v)
{
	verbose = v;
}

int
log_getverbose(void)
{
	return (verbose);
}

void
vlog(int pri, const char *fmt, va_list ap)
{
	char	 buf[1024], line[1100];
	int	 saved_errno = errno;

	vsnprintf(buf, sizeof(buf), fmt, ap);
	if (debug) {
		/* not dprintf: glibc's lseeks the fd, which seccomp forbids */
		snprintf(line, sizeof(line), "%s: %s\n", procname, buf);
		if (write(STDERR_FILENO, line, strlen(line)) == -1) {
			/* nowhere left to report it */
		}
	} else
		syslog(pri, "%s: %s", procname, buf);
	errno = saved_errno;
}

static void
logit(int pri, const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	vlog(pri, fmt, ap);
	va_end(ap);
}

static void
vwarn_errno(int pri, const char *fmt, va_list ap)
{
	char	 buf[1024];
	int	 saved_errno = errno;

	if (fmt == NULL) {
		logit(pri, "%s", strerror(saved_errno));
	} else {
		vsnprintf(buf, sizeof(buf), fmt, ap);
		logit(pri, "%s: %s", buf, strerror(saved_errno));
	}
	errno = saved_errno;
}

void
log_warn(const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	vwarn_errno(LOG_ERR, fmt, ap);
	va_end(ap);
}

void
log_warnx(const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	vlog(LOG_ERR, fmt, ap);
	va_end(ap);
}

void
log_info(const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	vlog(LOG_INFO, fmt, ap);
	va_end(ap);
}

void
log_debug(const char *fmt, ...)
{
	va_list	 ap;

	if (verbose) {
		va_start(ap, fmt);
		vlog(LOG_DEBUG, fmt, ap);
		va_end(ap);
	}
}

void
fatal(const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	vwarn_errno(LOG_CRIT, fmt, ap);
	va_end(ap);
	exit(1);
}

void
fatalx(const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	vlog(LOG_CRIT, fmt, ap);
	va_end(ap);
	exit(1);
}
