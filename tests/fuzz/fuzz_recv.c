/* SPDX-License-Identifier: ISC */
/*
 * libFuzzer harness for the typed recv helpers: the first byte picks a
 * message type, the rest is the payload.  Every helper is called on it;
 * whatever a helper accepts must lie inside the payload it was given.
 */
#include <sys/types.h>
#include <sys/socket.h>

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "kadipc.h"
#include "kadipc_msg.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static const uint8_t	*lo, *hi;

static void
inside(const uint8_t *p, size_t len)
{
	if (len > 0 && (p < lo || p + len > hi))
		abort();
}

static void
all_helpers(const struct kadipc_msg *m)
{
	static struct kadipc_stat	 stats[KADIPC_MAX_STATS];
	static uint8_t			 keys[KADIPC_MAX_SCAN][KADIPC_KEY_LEN];
	static uint8_t			 copies[KADIPC_MAX_SCAN];
	struct kadipc_chunk_msg		 c;
	struct kadipc_net_config	 nc;
	struct kadipc_net_bootstrap	 nb;
	struct kadipc_net_bootstrap_res	 nbr;
	struct kadipc_store_config	 sc;
	struct kadipc_crypt_config	 cc;
	struct kadipc_xfer_begin	 xb;
	struct kadipc_xfer_meta		 xm;
	struct kadipc_link		 l;
	struct kadipc_text		 t;
	struct kadipc_net_scan		 ns;
	struct kadipc_crypt_identity_res ir;
	struct kadipc_crypt_identity	 ci;
	struct kadipc_crypt_dh		 dh;
	struct kadipc_crypt_dh_res	 dr;
	struct kadipc_test_dh		 td;
	const uint8_t			*data;
	uint64_t			 u64;
	uint32_t			 u32;
	size_t				 n;
	int				 i;

	if (kadipc_recv_chunk(m, &c) == 0) {
		inside(c.data, c.len);
		if (c.copies > KADIPC_COPIES_MAX ||
		    (c.copies != 0 && m->hdr.type != KADIPC_CHUNK_PUT))
			abort();
	}
	if (kadipc_recv_chunk_res(m, &c) == 0)
		inside(c.data, c.len);
	if (kadipc_recv_net_req(m, &c) == 0)
		inside(c.data, c.len);
	if (kadipc_recv_net_res(m, &c) == 0)
		inside(c.data, c.len);
	if (kadipc_recv_net_publish(m, &c) == 0) {
		inside(c.data, c.len);
		if (c.copies > KADIPC_COPIES_MAX)
			abort();
	}
	if (kadipc_recv_bytes(m, &data, &n) == 0)
		inside(data, n);
	if (kadipc_recv_stats(m, stats, &n) == 0 && n > KADIPC_MAX_STATS)
		abort();
	if (kadipc_recv_net_keys(m, &u64, keys, copies, &u32) == 0) {
		if (u32 > KADIPC_MAX_SCAN)
			abort();
		for (i = 0; i < (int)u32; i++)
			if (copies[i] > KADIPC_COPIES_MAX)
				abort();
	}
	if (kadipc_recv_xfer_begin(m, &xb) == 0 &&
	    memchr(xb.name, '\0', sizeof(xb.name)) == NULL)
		abort();
	if (kadipc_recv_xfer_meta(m, &xm) == 0 &&
	    memchr(xm.name, '\0', sizeof(xm.name)) == NULL)
		abort();
	if (kadipc_recv_link(m, &l) == 0 &&
	    memchr(l.link, '\0', sizeof(l.link)) == NULL)
		abort();
	if (kadipc_recv_text(m, &t) == 0 &&
	    memchr(t.text, '\0', sizeof(t.text)) == NULL)
		abort();
	(void)kadipc_recv_empty(m);
	(void)kadipc_recv_verbose(m, &u32);
	if (kadipc_recv_net_config(m, &nc) == 0 &&
	    (!kadipc_sockaddr_ok(&nc.bind) || !kadipc_sockaddr_ok(&nc.idaddr)))
		abort();
	(void)kadipc_recv_net_udp(m, &u32);
	if (kadipc_recv_net_bootstrap(m, &nb) == 0 &&
	    ((nb.addr.family != AF_INET && nb.addr.family != AF_INET6) ||
	    nb.pad0 != 0 || nb.addr.pad0 != 0))
		abort();
	if (kadipc_recv_net_bootstrap_res(m, &nbr) == 0 &&
	    (nbr.req == 0 || nbr.status > KADIPC_BOOT_STATUS_MAX))
		abort();
	(void)kadipc_recv_store_config(m, &sc);
	(void)kadipc_recv_crypt_config(m, &cc);
	(void)kadipc_recv_xfer_ack(m, &u64);
	(void)kadipc_recv_ctl_test_sandbox(m, &u32);
	(void)kadipc_recv_net_scan(m, &ns);
	(void)kadipc_recv_net_alone(m, &i);
	if (kadipc_recv_crypt_identity(m, &ci) == 0 &&
	    (m->fd == -1 || (ci.flags & ~KADIPC_IDENT_F_MASK) != 0 ||
	    !kadipc_sockaddr_ok(&ci.idaddr)))
		abort();
	if (kadipc_recv_crypt_identity_res(m, &ir) == 0 &&
	    ir.status > KADIPC_IDENT_MAX)
		abort();
	(void)kadipc_recv_crypt_dh(m, &dh);
	if (kadipc_recv_test_dh(m, &td) == 0 &&
	    (td.count < 1 || td.count > KADIPC_TEST_DH_MAX))
		abort();
	if (kadipc_recv_crypt_dh_res(m, &dr) == 0 &&
	    (dr.status > KADIPC_DH_MAX || dr.pad0 != 0))
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint32_t		 types[KADIPC_TYPE_MAX];
	static size_t		 ntypes;
	struct kadipc_msg	 m;
	uint8_t			*copy;
	uint32_t		 t;

	if (ntypes == 0)
		for (t = 1; t < KADIPC_TYPE_MAX; t++)
			if (kadipc_type_lookup(t) != NULL)
				types[ntypes++] = t;
	if (size < 1 || size - 1 > KADIPC_MAX_PAYLOAD)
		return (0);
	/* an exact-size copy so ASan sees any over-read */
	if ((copy = malloc(size - 1 ? size - 1 : 1)) == NULL)
		return (0);
	memcpy(copy, data + 1, size - 1);
	memset(&m, 0, sizeof(m));
	m.hdr.type = types[data[0] % ntypes];
	m.hdr.len = KADIPC_HDR_SIZE + (size - 1);
	m.data = copy;
	m.len = size - 1;
	m.fd = data[0] & 0x80 ? 1000 : -1;	/* never touched */
	lo = copy;
	hi = copy + m.len;
	all_helpers(&m);
	free(copy);
	return (0);
}
