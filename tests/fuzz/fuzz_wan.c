/* SPDX-License-Identifier: ISC */
/*
 * libFuzzer harness for kadwan's path model (tests/wan/wan.c).
 *
 * The input is a sequence of packets, each [host][ms][len hi][len lo]
 * and len bytes, read from that host at a time that grows by ms.
 * Properties: parsing never over-reads; a packet it routes is a whole
 * IPv4 or IPv6 packet to another host; every packet is either dropped
 * with a reason or delivered byte for byte, to the host its header
 * names, never before its time, in FIFO order per path; the counters
 * add up.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tests/wan/wan.h"

#define HOSTS	4

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static uint64_t	 last[HOSTS][HOSTS];

static void
check_out(struct wan *w, uint64_t now)
{
	struct wan_pkt	*p;
	unsigned	 dst;
	uint8_t		 fam;

	while ((p = wan_due(w, now)) != NULL) {
		if (p->when > now || p->dst >= HOSTS || p->src >= HOSTS ||
		    wan_classify(p->data, p->len, HOSTS, &dst, &fam) !=
		    WAN_QUEUED || dst != p->dst || fam != p->family ||
		    p->when < last[p->src][p->dst])
			abort();
		last[p->src][p->dst] = p->when;
		wan_done(w, p, now, 1);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct wan_cfg		 cf;
	struct wan		*w;
	struct wan_pkt		*p;
	const struct wan_stats	*st;
	enum wan_verdict	 v;
	uint64_t		 now = 1000000000ULL, sum;
	size_t			 off = 0, len;
	unsigned		 src, dst, i;
	uint8_t			 fam;

	memset(&cf, 0, sizeof(cf));
	memset(last, 0, sizeof(last));
	cf.nhosts = HOSTS;
	cf.mtu = 1500;
	cf.maxpkts = 64;
	cf.delay_ns = 20000000;
	cf.jitter_ns = size > 0 && (data[0] & 1) ? 5000000 : 0;
	cf.loss_ppm = 100000;
	cf.up_rate = size > 0 && (data[0] & 2) ? 1000000 : 0;
	cf.down_rate = size > 0 && (data[0] & 4) ? 500000 : 0;
	cf.seed = 3;
	if ((w = wan_new(&cf)) == NULL)
		abort();
	while (off + 4 <= size) {
		src = data[off] % HOSTS;
		now += (uint64_t)data[off + 1] * 1000000;
		len = (size_t)data[off + 2] << 8 | data[off + 3];
		off += 4;
		if (len > size - off)
			len = size - off;
		check_out(w, now);
		/* the parser alone, on exactly len bytes (ASan sees over-reads) */
		{
			uint8_t	*copy = malloc(len ? len : 1);

			if (copy == NULL)
				abort();
			memcpy(copy, data + off, len);
			v = wan_classify(copy, len, HOSTS, &dst, &fam);
			if (v != WAN_QUEUED && v != WAN_DROP_MALFORMED &&
			    v != WAN_DROP_NOROUTE)
				abort();
			if (v == WAN_QUEUED && (dst >= HOSTS || (fam != 4 &&
			    fam != 6) || len < 20))
				abort();
			free(copy);
		}
		if ((p = wan_pkt_get(w)) == NULL)
			wan_nobuf(w, len);
		else {
			p->len = (uint16_t)(len > cf.mtu ? cf.mtu + 1 : len);
			memcpy(p->data, data + off, len > cf.mtu ? cf.mtu : len);
			(void)wan_input(w, p, src, now);
		}
		off += len;
	}
	check_out(w, now + 100000000000ULL);
	st = wan_stats(w);
	for (sum = st->delivered, i = 1; i < WAN_NVERDICT; i++)
		sum += st->drop[i];
	if (sum != st->in || st->queued != 0 || wan_next(w) != UINT64_MAX)
		abort();
	wan_free(w);
	return (0);
}
