/* SPDX-License-Identifier: ISC */
/*
 * Logging shared by every kad process: stderr in the foreground,
 * syslog otherwise, each line prefixed with the process name.
 */
#ifndef KAD_LOG_H
#define KAD_LOG_H

#include <stdarg.h>

void	log_init(int debug, int facility);
void	log_procinit(const char *name);
void	log_setverbose(int verbose);
int	log_getverbose(void);
void	log_warn(const char *, ...)
	    __attribute__((__format__(printf, 1, 2)));
void	log_warnx(const char *, ...)
	    __attribute__((__format__(printf, 1, 2)));
void	log_info(const char *, ...)
	    __attribute__((__format__(printf, 1, 2)));
void	log_debug(const char *, ...)
	    __attribute__((__format__(printf, 1, 2)));
void	vlog(int, const char *, va_list)
	    __attribute__((__format__(printf, 2, 0)));
__attribute__((__noreturn__)) void fatal(const char *, ...)
	    __attribute__((__format__(printf, 1, 2)));
__attribute__((__noreturn__)) void fatalx(const char *, ...)
	    __attribute__((__format__(printf, 1, 2)));

#endif /* KAD_LOG_H */
