/* SPDX-License-Identifier: ISC */
/*
 * Unit tests for tests/wan/wan.c, kadwan's path model, on a clock of
 * their own: packet parsing (every malformed shape dropped), one-way
 * delay, jitter with and without FIFO order, loss rates and their
 * repeatability, uplink and downlink rates with their queues, the
 * buffer pool, the path file, the option parsers, the histogram.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/test.h"
#include "tests/wan/wan.h"

#define MSEC	1000000ULL

static void
defcfg(struct wan_cfg *cf, unsigned n)
{
	memset(cf, 0, sizeof(*cf));
	cf->nhosts = n;
	cf->mtu = 1500;
	cf->maxpkts = 100000;
	cf->seed = 7;
}

/* an IPv4 packet of len bytes from host src to host dst (from 0) */
static size_t
mk4(uint8_t *p, size_t len, unsigned src, unsigned dst)
{
	uint32_t	 s = wan_host_addr4(src), d = wan_host_addr4(dst);

	memset(p, 0, len);
	p[0] = 0x45;
	p[2] = (uint8_t)(len >> 8);
	p[3] = (uint8_t)len;
	p[8] = 64;
	p[9] = 17;
	p[12] = (uint8_t)(s >> 24); p[13] = (uint8_t)(s >> 16);
	p[14] = (uint8_t)(s >> 8); p[15] = (uint8_t)s;
	p[16] = (uint8_t)(d >> 24); p[17] = (uint8_t)(d >> 16);
	p[18] = (uint8_t)(d >> 8); p[19] = (uint8_t)d;
	return (len);
}

static size_t
mk6(uint8_t *p, size_t len, unsigned src, unsigned dst)
{
	memset(p, 0, len);
	p[0] = 0x60;
	p[4] = (uint8_t)((len - 40) >> 8);
	p[5] = (uint8_t)(len - 40);
	p[6] = 17;
	p[7] = 64;
	wan_host_addr6(src, p + 8);
	wan_host_addr6(dst, p + 24);
	return (len);
}

/* a packet from src to dst at now, with a sequence number in it */
static enum wan_verdict
send4(struct wan *w, unsigned src, unsigned dst, size_t len, uint64_t now,
    uint32_t seq)
{
	struct wan_pkt	*p;

	if ((p = wan_pkt_get(w)) == NULL)
		return (WAN_DROP_NOBUF);
	p->len = (uint16_t)mk4(p->data, len, src, dst);
	memcpy(p->data + 28, &seq, sizeof(seq));
	return (wan_input(w, p, src, now));
}

static uint32_t
seq_of(const struct wan_pkt *p)
{
	uint32_t	 s;

	memcpy(&s, p->data + 28, sizeof(s));
	return (s);
}

static void
test_classify(void)
{
	uint8_t		 p[1600];
	unsigned	 dst = 99;
	uint8_t		 fam = 0;
	size_t		 n;

	n = mk4(p, 100, 0, 2);
	CHECK(wan_classify(p, n, 5, &dst, &fam) == WAN_QUEUED && dst == 2 &&
	    fam == 4, "IPv4 to 10.64.3.1: host 3");
	CHECK(wan_classify(p, 19, 5, &dst, &fam) == WAN_DROP_MALFORMED,
	    "19 bytes: malformed");
	CHECK(wan_classify(p, 99, 5, &dst, &fam) == WAN_DROP_MALFORMED,
	    "total length 100 in 99 bytes: malformed");
	CHECK(wan_classify(p, 101, 5, &dst, &fam) == WAN_DROP_MALFORMED,
	    "total length 100 in 101 bytes: malformed");
	p[0] = 0x44;
	CHECK(wan_classify(p, n, 5, &dst, &fam) == WAN_DROP_MALFORMED,
	    "IPv4 header length 16: malformed");
	p[0] = 0x4f;
	n = mk4(p, 40, 0, 2);
	p[0] = 0x4f;
	CHECK(wan_classify(p, n, 5, &dst, &fam) == WAN_DROP_MALFORMED,
	    "IPv4 header length 60 in 40 bytes: malformed");
	n = mk4(p, 100, 0, 2);
	p[0] = 0x55;
	CHECK(wan_classify(p, n, 5, &dst, &fam) == WAN_DROP_MALFORMED,
	    "IP version 5: malformed");
	n = mk4(p, 100, 0, 5);
	CHECK(wan_classify(p, n, 5, &dst, &fam) == WAN_DROP_NOROUTE,
	    "to host 6 of 5: noroute");
	n = mk4(p, 100, 0, 2);
	p[19] = 2;
	CHECK(wan_classify(p, n, 5, &dst, &fam) == WAN_DROP_NOROUTE,
	    "to 10.64.3.2 (a host is .1 of its /24): noroute");
	p[18] = 0;
	p[19] = 1;
	CHECK(wan_classify(p, n, 5, &dst, &fam) == WAN_DROP_NOROUTE,
	    "to 10.64.0.1: noroute");
	p[17] = 128;
	p[18] = 3;
	CHECK(wan_classify(p, n, 5, &dst, &fam) == WAN_DROP_NOROUTE,
	    "to 10.128.3.1 (not in 10.64.0.0/10): noroute");
	n = mk4(p, 100, 0, 299);
	CHECK(wan_classify(p, n, 300, &dst, &fam) == WAN_QUEUED &&
	    dst == 299 && p[17] == 65 && p[18] == 44 && p[19] == 1,
	    "host 300 is 10.65.44.1");

	n = mk6(p, 1280, 1, 3);
	dst = 99;
	CHECK(wan_classify(p, n, 5, &dst, &fam) == WAN_QUEUED && dst == 3 &&
	    fam == 6, "IPv6 to fd77::4: host 4");
	CHECK(wan_classify(p, 39, 5, &dst, &fam) == WAN_DROP_MALFORMED,
	    "IPv6 in 39 bytes: malformed");
	CHECK(wan_classify(p, 1279, 5, &dst, &fam) == WAN_DROP_MALFORMED,
	    "IPv6 payload length too long for the packet: malformed");
	p[24] = 0xfe;
	p[25] = 0x80;
	CHECK(wan_classify(p, n, 5, &dst, &fam) == WAN_DROP_NOROUTE,
	    "IPv6 to fe80::4: noroute");
	n = mk6(p, 100, 1, 3);
	p[30] = 1;
	CHECK(wan_classify(p, n, 5, &dst, &fam) == WAN_DROP_NOROUTE,
	    "IPv6 to fd77::100:0:0:4 (not in fd77::/64's host range): "
	    "noroute");
}

static void
test_delay(void)
{
	struct wan_cfg		 cf;
	struct wan		*w;
	const struct wan_stats	*st;
	struct wan_pkt		*p;
	unsigned		 i, order = 1, got = 0;

	defcfg(&cf, 3);
	cf.delay_ns = 25 * MSEC;
	w = wan_new(&cf);
	CHECK(w != NULL, "wan_new: 3 hosts, 25 ms one way");
	if (w == NULL)
		return;
	for (i = 0; i < 10; i++)
		send4(w, 0, 1, 200, i * MSEC, i);
	CHECK(wan_next(w) == 25 * MSEC, "the first packet is due at 25 ms "
	    "(%llu)", (unsigned long long)wan_next(w));
	CHECK(wan_due(w, 25 * MSEC - 1) == NULL, "nothing due before 25 ms");
	for (i = 0; i < 10; i++) {
		p = wan_due(w, 25 * MSEC + i * MSEC);
		if (p == NULL || p->dst != 1 || seq_of(p) != i ||
		    p->when != 25 * MSEC + i * MSEC)
			order = 0;
		if (p != NULL) {
			got++;
			wan_done(w, p, 25 * MSEC + i * MSEC, 1);
		}
		if (wan_due(w, 25 * MSEC + i * MSEC) != NULL)
			order = 0;
	}
	CHECK(got == 10 && order, "each packet due exactly 25 ms after it "
	    "was sent, in order, not earlier");
	CHECK(wan_next(w) == UINT64_MAX, "nothing left");
	st = wan_stats(w);
	CHECK(st->in == 10 && st->delivered == 10 && st->in4 == 10 &&
	    st->delivered_bytes == 2000 && st->queued == 0,
	    "counters: 10 in, 10 delivered, 2000 bytes, none in flight");
	CHECK(wan_hist_quantile(&st->delay, 0.5) >= 24800 &&
	    wan_hist_quantile(&st->delay, 0.5) <= 25200 &&
	    st->delay.max == 25000,
	    "delay histogram: median %.0f us, max %llu us",
	    wan_hist_quantile(&st->delay, 0.5),
	    (unsigned long long)st->delay.max);
	wan_free(w);
}

static void
test_loss(void)
{
	struct wan_cfg		 cf;
	struct wan		*w, *w2;
	const struct wan_stats	*st;
	struct wan_pkt		*p;
	unsigned		 i, same = 1, lost;
	enum wan_verdict	 v1, v2;

	defcfg(&cf, 2);
	cf.loss_ppm = 20000;
	cf.maxpkts = 16;
	w = wan_new(&cf);
	w2 = wan_new(&cf);
	if (w == NULL || w2 == NULL) {
		CHECK(0, "wan_new");
		return;
	}
	for (i = 0; i < 200000; i++) {
		v1 = send4(w, 0, 1, 100, i, i);
		v2 = send4(w2, 0, 1, 100, i, i);
		if (v1 != v2)
			same = 0;
		while ((p = wan_due(w, i)) != NULL)
			wan_done(w, p, i, 1);
		while ((p = wan_due(w2, i)) != NULL)
			wan_done(w2, p, i, 1);
	}
	st = wan_stats(w);
	lost = (unsigned)st->drop[WAN_DROP_LOSS];
	/* binomial(200000, 0.02): sd 63; +- 6 sd */
	CHECK(lost > 4000 - 380 && lost < 4000 + 380,
	    "2 %% loss: %u of 200000 lost", lost);
	CHECK(st->delivered + lost == 200000, "every other packet delivered");
	CHECK(same, "the same seed loses the same packets");
	CHECK(st->buffers <= 16, "16 buffers were enough (%llu)",
	    (unsigned long long)st->buffers);
	wan_free(w2);
	wan_free(w);

	cf.loss_ppm = 1000000;
	w = wan_new(&cf);
	for (i = 0; i < 1000; i++)
		send4(w, 0, 1, 100, i, i);
	CHECK(wan_stats(w)->drop[WAN_DROP_LOSS] == 1000 &&
	    wan_next(w) == UINT64_MAX, "100 %% loss: everything lost");
	wan_free(w);
	cf.loss_ppm = 0;
	w = wan_new(&cf);
	for (i = 0; i < 1000; i++) {
		send4(w, 0, 1, 100, i, i);
		while ((p = wan_due(w, i)) != NULL)
			wan_done(w, p, i, 1);
	}
	CHECK(wan_stats(w)->drop[WAN_DROP_LOSS] == 0 &&
	    wan_stats(w)->delivered == 1000, "0 %% loss: nothing lost");
	wan_free(w);
}

static void
test_jitter(int reorder)
{
	struct wan_cfg	 cf;
	struct wan	*w;
	struct wan_pkt	*p;
	uint64_t	 t, d, dmin = UINT64_MAX, dmax = 0;
	uint32_t	 last = 0;
	unsigned	 i, got = 0, inorder = 1, inrange = 1;

	defcfg(&cf, 2);
	cf.delay_ns = 50 * MSEC;
	cf.jitter_ns = 10 * MSEC;
	cf.reorder = reorder;
	w = wan_new(&cf);
	/* a packet every 0.5 ms for 5 s, time steps of 0.1 ms */
	for (t = 0, i = 0; t < 6000 * MSEC; t += MSEC / 10) {
		if (t % (MSEC / 2) == 0 && t < 5000 * MSEC)
			send4(w, 0, 1, 100, t, i++);
		while ((p = wan_due(w, t)) != NULL) {
			d = p->when - p->born;
			if (d < dmin)
				dmin = d;
			if (d > dmax)
				dmax = d;
			if (d < 40 * MSEC || d > 60 * MSEC)
				inrange = 0;
			if (got > 0 && seq_of(p) < last)
				inorder = 0;
			last = seq_of(p);
			got++;
			wan_done(w, p, t, 1);
		}
	}
	CHECK(got == i, "%s: all %u packets delivered", reorder ? "reorder" :
	    "fifo", got);
	CHECK(inrange, "%s: every delay within 50 +- 10 ms (%.2f..%.2f)",
	    reorder ? "reorder" : "fifo", dmin / 1e6, dmax / 1e6);
	if (reorder)
		CHECK(!inorder && dmin < 41 * MSEC && dmax > 59 * MSEC,
		    "reorder: packets overtake each other, delays spread "
		    "over the range");
	else
		CHECK(inorder && wan_stats(w)->fifo_held > 0,
		    "fifo: never reordered (%llu packets held back)",
		    (unsigned long long)wan_stats(w)->fifo_held);
	wan_free(w);
}

static void
test_rate(void)
{
	struct wan_cfg		 cf;
	struct wan		*w;
	struct wan_pkt		*p;
	const struct wan_stats	*st;
	unsigned		 i, ok = 1, got = 0, n;

	/* 1 MB/s: 1000 bytes take 1 ms; 10 ms one way; a 5000-byte queue */
	defcfg(&cf, 3);
	cf.delay_ns = 10 * MSEC;
	cf.up_rate = 1000000;
	cf.up_queue = 5000;
	w = wan_new(&cf);
	n = 0;
	for (i = 0; i < 10; i++)
		if (send4(w, 0, 1, 1000, 0, i) == WAN_QUEUED)
			n++;
	st = wan_stats(w);
	CHECK(n == 5 && st->drop[WAN_DROP_UPQUEUE] == 5,
	    "a burst of 10 kB into a 5 kB uplink queue: 5 queued, %llu "
	    "dropped", (unsigned long long)st->drop[WAN_DROP_UPQUEUE]);
	for (i = 1; i <= 5; i++) {
		p = wan_due(w, 10 * MSEC + i * MSEC);
		if (p == NULL || p->when != 10 * MSEC + i * MSEC)
			ok = 0;
		if (p != NULL) {
			got++;
			wan_done(w, p, p->when, 1);
		}
	}
	CHECK(ok && got == 5, "uplink at 1 MB/s: one 1000-byte packet "
	    "per ms, plus the path's 10 ms");
	CHECK(st->upq_max_ns == 5 * MSEC, "longest uplink wait 5 ms");
	wan_free(w);

	/* two senders into one 1 MB/s downlink */
	defcfg(&cf, 3);
	cf.delay_ns = 10 * MSEC;
	cf.down_rate = 1000000;
	w = wan_new(&cf);
	for (i = 0; i < 4; i++) {
		send4(w, 0, 2, 1000, 0, i);
		send4(w, 1, 2, 1000, 0, 10 + i);
	}
	ok = 1;
	got = 0;
	for (i = 1; i <= 8; i++) {
		p = wan_due(w, 10 * MSEC + i * MSEC);
		if (p == NULL || p->when != 10 * MSEC + i * MSEC ||
		    wan_due(w, 10 * MSEC + i * MSEC) != NULL)
			ok = 0;
		if (p != NULL) {
			got++;
			wan_done(w, p, p->when, 1);
		}
	}
	CHECK(ok && got == 8, "downlink at 1 MB/s: 8 packets from two "
	    "senders leave it 1 ms apart");
	wan_free(w);

	defcfg(&cf, 3);
	cf.down_rate = 1000000;
	cf.down_queue = 3000;
	w = wan_new(&cf);
	for (i = 0; i < 10; i++)
		send4(w, i % 2, 2, 1000, 0, i);
	got = 0;
	while ((p = wan_due(w, 1000 * MSEC)) != NULL) {
		got++;
		wan_done(w, p, 1000 * MSEC, 1);
	}
	CHECK(got == 3 && wan_stats(w)->drop[WAN_DROP_DOWNQUEUE] == 7,
	    "a 3000-byte downlink queue passes 3 of a 10-packet burst");
	wan_free(w);
}

static void
test_pool(void)
{
	struct wan_cfg	 cf;
	struct wan	*w;
	struct wan_pkt	*p[5];
	unsigned	 i;

	defcfg(&cf, 2);
	cf.maxpkts = 4;
	w = wan_new(&cf);
	for (i = 0; i < 5; i++)
		p[i] = wan_pkt_get(w);
	CHECK(p[3] != NULL && p[4] == NULL, "a pool of 4: the 5th buffer "
	    "is refused");
	wan_pkt_put(w, p[0]);
	CHECK(wan_pkt_get(w) == p[0], "a returned buffer is used again");
	wan_nobuf(w, 100);
	CHECK(wan_stats(w)->drop[WAN_DROP_NOBUF] == 1, "nobuf counted");
	for (i = 0; i < 4; i++)
		wan_pkt_put(w, p[i]);
	p[0] = wan_pkt_get(w);
	p[0]->len = 1501;
	CHECK(wan_input(w, p[0], 0, 0) == WAN_DROP_MALFORMED,
	    "a packet longer than the mtu: malformed");
	p[0] = wan_pkt_get(w);
	p[0]->len = (uint16_t)mk4(p[0]->data, 100, 0, 1);
	CHECK(wan_input(w, p[0], 2, 0) == WAN_DROP_MALFORMED,
	    "from a host that does not exist: malformed");
	wan_free(w);

	defcfg(&cf, 1);
	CHECK(wan_new(&cf) == NULL && errno == EINVAL, "1 host: EINVAL");
	defcfg(&cf, WAN_MAXHOSTS + 1);
	CHECK(wan_new(&cf) == NULL && errno == EINVAL,
	    "%d hosts: EINVAL", WAN_MAXHOSTS + 1);
	defcfg(&cf, 2);
	cf.mtu = 100;
	CHECK(wan_new(&cf) == NULL && errno == EINVAL, "mtu 100: EINVAL");
	defcfg(&cf, 2);
	cf.loss_ppm = 1000001;
	CHECK(wan_new(&cf) == NULL && errno == EINVAL, "loss > 100 %%: "
	    "EINVAL");
}

static int
load(struct wan *w, const char *text, char *err, size_t errlen)
{
	FILE	*fp;
	int	 rv;

	if ((fp = fmemopen((void *)(uintptr_t)text, strlen(text), "r")) ==
	    NULL)
		return (-2);
	rv = wan_load_paths(w, fp, "paths", err, errlen);
	fclose(fp);
	return (rv);
}

static void
test_paths(void)
{
	struct wan_cfg	 cf;
	struct wan	*w;
	char		 err[256];
	uint64_t	 d, j;
	uint32_t	 l;
	int		 ok = 1;
	unsigned	 i;

	defcfg(&cf, 4);
	cf.delay_ns = 5 * MSEC;
	w = wan_new(&cf);
	CHECK(load(w, "# a comment\n\n1 * rtt=200 loss=0.5 # far away\n"
	    "3 4 delay=10 jitter=1.5 oneway\n", err, sizeof(err)) == 0,
	    "a path file loads");
	for (i = 1; i < 4; i++) {
		wan_get_path(w, 0, i, &d, &j, &l);
		if (d != 100 * MSEC || l != 5000 || j != 0)
			ok = 0;
		wan_get_path(w, i, 0, &d, &j, &l);
		if (d != 100 * MSEC || l != 5000)
			ok = 0;
	}
	CHECK(ok, "1 *: both ways between host 1 and every host, rtt 200: "
	    "100 ms each way, loss 0.5 %%");
	wan_get_path(w, 2, 3, &d, &j, &l);
	CHECK(d == 10 * MSEC && j == 1500000 && l == 0,
	    "3 4 oneway: 3->4 delay 10 ms, jitter 1.5 ms");
	wan_get_path(w, 3, 2, &d, &j, &l);
	CHECK(d == 5 * MSEC && j == 0, "3 4 oneway: 4->3 keeps the default");
	wan_get_path(w, 1, 2, &d, &j, &l);
	CHECK(d == 5 * MSEC, "2->3 keeps the default");

	CHECK(load(w, "1 5 rtt=1\n", err, sizeof(err)) == -1 &&
	    strstr(err, "paths:1:") != NULL, "host 5 of 4: refused (%s)",
	    err);
	CHECK(load(w, "\n1 2 speed=1\n", err, sizeof(err)) == -1 &&
	    strstr(err, "paths:2:") != NULL, "unknown key: refused (%s)",
	    err);
	CHECK(load(w, "1 2 loss=101\n", err, sizeof(err)) == -1,
	    "loss=101: refused (%s)", err);
	CHECK(load(w, "1 2 rtt=1 delay=2\n", err, sizeof(err)) == -1,
	    "rtt and delay on one line: refused (%s)", err);
	CHECK(load(w, "1 2\n", err, sizeof(err)) == -1,
	    "a pair without settings: refused (%s)", err);
	CHECK(load(w, "0 2 rtt=1\n", err, sizeof(err)) == -1,
	    "host 0: refused (%s)", err);
	CHECK(load(w, "1 2 rtt=-1\n", err, sizeof(err)) == -1,
	    "a negative rtt: refused (%s)", err);
	wan_free(w);
}

static void
test_parse(void)
{
	uint64_t	 v;
	uint32_t	 p;

	CHECK(wan_parse_ms("12.5", &v) == 0 && v == 12500000, "12.5 ms");
	CHECK(wan_parse_ms("0", &v) == 0 && v == 0, "0 ms");
	CHECK(wan_parse_ms("-1", &v) == -1 && wan_parse_ms("1x", &v) == -1 &&
	    wan_parse_ms("", &v) == -1 && wan_parse_ms("inf", &v) == -1 &&
	    wan_parse_ms("0x10", &v) == -1 && wan_parse_ms("nan", &v) == -1,
	    "bad delays refused");
	CHECK(wan_parse_pct("2", &p) == 0 && p == 20000, "2 %%");
	CHECK(wan_parse_pct("0.01", &p) == 0 && p == 100, "0.01 %%");
	CHECK(wan_parse_pct("100", &p) == 0 && p == 1000000 &&
	    wan_parse_pct("100.1", &p) == -1, "100 %% ok, 100.1 refused");
	CHECK(wan_parse_rate("10M", &v) == 0 && v == 10000000, "10M: 10^7 B/s");
	CHECK(wan_parse_rate("80Mbit", &v) == 0 && v == 10000000,
	    "80Mbit: 10^7 B/s");
	CHECK(wan_parse_rate("1.5kB", &v) == 0 && v == 1500, "1.5kB");
	CHECK(wan_parse_rate("0", &v) == -1 && wan_parse_rate("5X", &v) == -1,
	    "rate 0 and 5X refused");
	CHECK(wan_parse_size("64K", &v) == 0 && v == 65536, "64K: 65536");
	CHECK(wan_parse_size("1MB", &v) == 0 && v == 1048576, "1MB");
	CHECK(wan_parse_size("1.5K", &v) == -1 &&
	    wan_parse_size("99999999999999999999", &v) == -1,
	    "sizes: no fractions, no overflow");
}

static void
test_hist(void)
{
	struct wan_cfg	 cf;
	struct wan	*w;
	struct wan_pkt	*p;
	uint64_t	 i, t;
	double		 q;

	defcfg(&cf, 2);
	cf.maxpkts = 16;
	w = wan_new(&cf);
	/* delays of 1..20000 us: read at t, written at t + i us */
	for (i = 1; i <= 20000; i++) {
		t = i * 100 * MSEC;
		send4(w, 0, 1, 100, t, (uint32_t)i);
		p = wan_due(w, t);
		if (p != NULL)
			wan_done(w, p, t + i * 1000, 1);
	}
	q = wan_hist_quantile(&wan_stats(w)->delay, 0.5);
	CHECK(q > 9900 && q < 10100, "delay median of 1..20000 us: %.0f", q);
	q = wan_hist_quantile(&wan_stats(w)->delay, 0.99);
	CHECK(q > 19600 && q < 20000, "p99: %.0f", q);
	CHECK(wan_hist_quantile(&wan_stats(w)->delay, 0) >= 1 &&
	    wan_hist_quantile(&wan_stats(w)->delay, 1) == 20000,
	    "quantiles 0 and 1: the smallest bucket, the max");
	q = wan_hist_quantile(&wan_stats(w)->late, 0.99);
	CHECK(q > 19600 && q < 20000 && wan_stats(w)->late.max == 20000,
	    "lateness (written after due) counted too: p99 %.0f", q);
	wan_free(w);
}

int
main(void)
{
	test_classify();
	test_delay();
	test_loss();
	test_jitter(0);
	test_jitter(1);
	test_rate();
	test_pool();
	test_paths();
	test_parse();
	test_hist();
	return (test_done());
}
