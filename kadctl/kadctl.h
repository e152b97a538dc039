/* SPDX-License-Identifier: ISC */
/*
 * kadctl's pieces: kadctl.c (the connection, the progress bar, status
 * and the small commands), put.c, get.c, files.c (ls, unpin, rm) and
 * relay.c (the fd a transfer passes to kadcrypt).
 */
#ifndef KADCTL_H
#define KADCTL_H

#include <sys/types.h>

#include <limits.h>
#include <poll.h>
#include <stdint.h>

#include "kadipc.h"

#define READ_BLOCK	(60 * 1024)
#define WRITE_BUF	(256 * 1024)	/* sha256_fd reads in large blocks */

extern struct kadipc_chan *ch;
extern int	 quiet;

void	progress_start(uint64_t, uint64_t);
void	progress(uint64_t, int);
int	next_msg(struct kadipc_msg *, int);
__attribute__((__noreturn__)) void fail_text(struct kadipc_msg *);

/* relay.c */
int	xfer_fd(int, int);
void	relay_pollfd(struct pollfd *, nfds_t *);
void	relay_io(const struct pollfd *);
void	relay_finish(void);
/* put.c */
int	sha256_fd(int, off_t, uint8_t [32]);
int	cmd_put(const char *, const char *);
#ifdef KAD_TEST_HOOKS
int	cmd_test_putdir(const char *, const char *);
int	cmd_test_fd(const char *, const char *, const char *);
#endif
/* get.c */
void	sanitize_name(const char *, char *, size_t);
int	cmd_get(const char *, const char *, int, int);
extern uint32_t	 get_timeout;	/* seconds a get looks for missing chunks */
/* files.c */
int	cmd_unpin(uint32_t, const char *);
int	cmd_ls(void);

#endif /* KADCTL_H */
