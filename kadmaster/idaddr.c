/* SPDX-License-Identifier: ISC */
/*
 * The address the node ID is bound to (docs/PROTOCOL.md, section 1).
 * Peers work out our ID from our key and the network they see us at;
 * we must work out the same one.  Bound to an address (kad.conf
 * `listen`), that address is the one.  Bound to the wildcard (0.0.0.0
 * or ::, the default), it is the source address the kernel picks
 * toward the first bootstrap address of that family, or, without one,
 * toward a documentation address that stands for the default route:
 * connecting a UDP socket sends nothing, it only chooses a route.  No
 * route: the wildcard itself, with a warning (the node works, but
 * others see it at another ID, so its placement is wrong until it is
 * given a `listen` address).  Behind a NAT the same holds: peers see
 * the public address, which this cannot know.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>

#include <string.h>
#include <unistd.h>

#include "kadmaster.h"
#include "log.h"

static int
is_wildcard(const struct kadipc_sockaddr *a)
{
	static const uint8_t	zero[16];

	return (memcmp(a->addr, zero, a->family == AF_INET ? 4 : 16) == 0);
}

/* A route probe's destination for family fam: a bootstrap address, else
 * TEST-NET-2 (198.51.100.1) or 2001:db8::1. */
static void
probe_dest(const struct master_conf *c, int fam, struct kad_addr *dst)
{
	struct sockaddr_in	*sin = (struct sockaddr_in *)&dst->ss;
	struct sockaddr_in6	*sin6 = (struct sockaddr_in6 *)&dst->ss;
	int			 i;

	for (i = 0; i < c->nbootstrap; i++)
		if (parse_hostport(c->bootstrap[i], 0, dst) == 0 &&
		    dst->ss.ss_family == fam)
			return;
	memset(dst, 0, sizeof(*dst));
	if (fam == AF_INET) {
		sin->sin_family = AF_INET;
		sin->sin_addr.s_addr = htonl(0xc6336401);
		dst->len = sizeof(*sin);
	} else {
		sin6->sin6_family = AF_INET6;
		sin6->sin6_addr.s6_addr[0] = 0x20;
		sin6->sin6_addr.s6_addr[1] = 0x01;
		sin6->sin6_addr.s6_addr[2] = 0x0d;
		sin6->sin6_addr.s6_addr[3] = 0xb8;
		sin6->sin6_addr.s6_addr[15] = 1;
		dst->len = sizeof(*sin6);
	}
	/* any port will do: nothing is sent */
	sin->sin_port = htons(9);
}

void
master_id_addr(const struct master_conf *c, const struct kadipc_sockaddr *b,
    struct kadipc_sockaddr *out)
{
	struct kad_addr	 dst, src;
	char		 s[64];
	int		 fd;

	*out = *b;
	if (!is_wildcard(b))
		return;
	probe_dest(c, (int)b->family, &dst);
	src.len = sizeof(src.ss);
	if ((fd = socket(dst.ss.ss_family, SOCK_DGRAM | SOCK_CLOEXEC,
	    0)) == -1 || connect(fd, (struct sockaddr *)&dst.ss,
	    dst.len) == -1 || getsockname(fd, (struct sockaddr *)&src.ss,
	    &src.len) == -1) {
		log_warn("listen on a wildcard: no route to find our own "
		    "address; the node ID is bound to the wildcard, which "
		    "peers do not see: set listen");
		if (fd != -1)
			close(fd);
		return;
	}
	close(fd);
	master_sockaddr(&src, out);
	out->port = b->port;
	master_addr_str(out, s, sizeof(s));
	log_info("listen on a wildcard: the node ID is bound to %s, our "
	    "source address toward the network", s);
}
