/* SPDX-License-Identifier: ISC */
/*
 * The one-node harness of the kadnet/dht.c tests (test_dht_input,
 * test_dht_keys, test_dht_retry): a node whose sends, store requests and
 * events are captured in a struct cap, hand-made messages fed to it as
 * its session layer would hand them over (with the sender's key and
 * whether its address has proved itself), a deterministic RNG and clock.
 * Only those tests include it; dht_cap.c holds the code.
 */
#ifndef KAD_TESTS_DHT_CAP_H
#define KAD_TESTS_DHT_CAP_H

#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>

#include <stdint.h>

#include "kadnet/dht.h"
#include "kadnet/krpc.h"
#include "tests/test.h"

#define NCAP	64

struct cap {
	uint8_t		 buf[NCAP][KRPC_MAX_MSG];
	size_t		 len[NCAP];
	struct sockaddr_in to[NCAP];
	uint8_t		 pub[NCAP][KRPC_KEY_LEN];
	int		 haspub[NCAP];	/* 0: sent to an address, no key */
	size_t		 room[NCAP];
	size_t		 n;
	size_t		 badroom;	/* reply_room not the request's */
	size_t		 badpub;	/* no key but not a PING, or ours */
	size_t		 puts, gets, haves;
	unsigned	 put_copies;	/* the last PUT's */
	uint64_t	 cookie;	/* last store request */
	uint8_t		 self[KRPC_KEY_LEN];	/* the node's key */
	struct dht	*dht;
	struct dht	*reenter_dht;
	int		 reenter;	/* errno seen by a re-entrant call */
	size_t		 pings;		/* DHT_EV_PING events */
	struct dht_event ping;		/* the last one (addr, key) */
	size_t		 putev;		/* DHT_EV_PUT events */
	int		 put_status;	/* the last one's */
	size_t		 put_nodes;
};

extern uint64_t	now;		/* the clock every call is given */
extern unsigned	cap_puzzle_bits; /* mknode's puzzle_bits: 0 */

void	 rnd_bytes(void *, void *, size_t);
void	 sha256(const void *, size_t, uint8_t[32]);
void	 mksin(struct sockaddr_in *, uint32_t, uint16_t);
int	 cap_last(struct cap *, struct krpc_msg *);
int	 cap_last_to(const struct cap *, const uint8_t *, uint32_t, uint16_t);
void	 ip_id(const uint8_t[KRPC_KEY_LEN], uint32_t, uint8_t[KAD_ID_LEN]);
void	 mkkey(uint8_t[KRPC_KEY_LEN], uint8_t[KAD_ID_LEN], uint32_t);
void	 mkkey_dist(uint8_t[KRPC_KEY_LEN], uint8_t[KAD_ID_LEN], uint32_t,
	    const uint8_t[KAD_ID_LEN], const uint8_t[KAD_ID_LEN], int);
size_t	 mkmsg(uint8_t *, uint8_t, const uint8_t[8], const uint8_t *);
size_t	 mkstore(uint8_t *, const uint8_t[8], const uint8_t[32],
	    const uint8_t *, size_t, uint8_t);
size_t	 mkstore_copies(uint8_t *, const uint8_t[8], const uint8_t[32],
	    const uint8_t *, size_t, uint8_t, uint8_t);
struct dht *mknode(struct cap *, uint32_t, int);
struct dht *mknode_k(struct cap *, uint32_t, int, unsigned, unsigned);
int	 input(struct dht *, const uint8_t *, int, const uint8_t *, size_t,
	    uint32_t, uint16_t);
int	 peer_up(struct dht *, const uint8_t *, uint32_t, uint16_t);
int	 contact_at(struct dht *, const uint8_t[KAD_ID_LEN], const uint8_t *,
	    uint32_t, uint16_t);
ssize_t	 find_sent(const struct cap *, size_t, uint8_t, struct krpc_msg *);
void	 run_timers(struct dht *, unsigned, uint64_t);
size_t	 sent_to(const struct cap *, size_t, uint32_t, uint8_t);
size_t	 sent_to_other(const struct cap *, size_t, uint32_t, const uint8_t *);
int	 join_contact(struct dht *, struct cap *, const uint8_t[32], uint32_t,
	    uint16_t);

/*
 * The sends so far all had the right key and reply room.  Inline here:
 * CHECK counts in the program that calls it.
 */
static inline void
check_sends(const struct cap *c, const char *what)
{
	CHECK(c->badroom == 0 && c->badpub == 0, "%s: every send had the "
	    "request's reply_room (0 for answers and STORE) and a key unless "
	    "a PING to an address (%zu, %zu wrong)", what, c->badroom,
	    c->badpub);
}

#endif /* KAD_TESTS_DHT_CAP_H */
