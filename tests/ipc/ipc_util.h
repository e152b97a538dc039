/* SPDX-License-Identifier: ISC */
/*
 * Helpers shared by the libkadipc tests (ipc_util.c).
 */
#ifndef KAD_TESTS_IPC_UTIL_H
#define KAD_TESTS_IPC_UTIL_H

#include <stddef.h>
#include <stdint.h>

#include "kadipc.h"

#define nitems(a)	(sizeof(a) / sizeof((a)[0]))

extern uint8_t		 pbuf[KADIPC_MAX_MSG + 16];	/* payloads */
extern uint8_t		 sbuf[256 * 1024];		/* raw streams */
extern uint32_t		 alltypes[KADIPC_TYPE_MAX];	/* all but HELLO */
extern size_t		 nalltypes;

/* Messages collected by pump() and drain_chan(). */
struct got {
	struct kadipc_hdr	 hdr;
	uint8_t			*data;
	size_t			 len;
	int			 fd;
};
#define MAXGOT	4096
extern struct got	 got[MAXGOT];
extern size_t		 ngot;

void	 ipc_util_init(void);
void	 ipc_util_done(void);
void	 fill(uint8_t *, size_t, uint32_t);
int	 filled(const uint8_t *, size_t, uint32_t);
int	 sp(int [2]);
int	 nfds_open(void);
int	 fd_is_open(int);
void	 cap_begin(void);
const char *cap_end(void);
void	 collect(const struct kadipc_msg *);
void	 got_reset(void);
int	 pump(struct kadipc_chan *, struct kadipc_chan *);
int	 drain_chan(struct kadipc_chan *, int *);
void	 drain_fd(int);
int	 chanpair(struct kadipc_chan **, struct kadipc_chan **);
struct kadipc_chan *rawchan(int *, const uint32_t *, size_t);
size_t	 mkmsg(uint8_t *, uint32_t, uint32_t, uint16_t, uint32_t,
	    const void *, size_t);
int	 sendraw_fds(int, const void *, size_t, const int *, int);
int	 sendraw(int, const void *, size_t, int);
int	 rawmsg(int, uint32_t, uint32_t, uint16_t, const void *, size_t, int);
int	 rawhello(int, uint32_t, uint32_t);
int	 rawu32(int, uint32_t, uint32_t, int);

#endif /* KAD_TESTS_IPC_UTIL_H */
