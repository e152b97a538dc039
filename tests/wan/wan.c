/* SPDX-License-Identifier: ISC */
/*
 * wan: kadwan's path model (see wan.h).  A binary heap of packets keyed
 * by their next event time; buffers come from a pool grown in slabs up
 * to maxpkts and are never freed before wan_free.
 */
#include <sys/types.h>

#include <ctype.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wan.h"

#define STAGE_PATH	1	/* on the path: next, the downlink */
#define STAGE_OUT	2	/* due for writing */
#define SLAB		256	/* buffers allocated at a time */
#define MS		1000000ULL
#define MAX_MS		1e7	/* about 2.8 hours: a delay or queue bound */

struct path {
	uint64_t	 delay;
	uint64_t	 jitter;
	uint64_t	 last;		/* latest time given on this path */
	uint32_t	 loss;		/* ppm */
};

struct host {
	uint64_t	 up_free;	/* the uplink is busy until then */
	uint64_t	 down_free;
};

struct wan {
	struct wan_cfg	 cf;
	uint64_t	 upq_ns, downq_ns;	/* queue bounds as times */
	size_t		 pktsize;
	struct path	*paths;		/* nhosts * nhosts, [src][dst] */
	struct host	*hosts;
	struct wan_pkt	**heap;		/* maxpkts slots */
	size_t		 nheap;
	struct wan_pkt	*free;
	void		**slabs;
	size_t		 nslabs;
	uint64_t	 seq;
	uint64_t	 rs[4];		/* xoshiro256** */
	struct wan_stats st;
};

const char *const wan_verdict_names[WAN_NVERDICT] = {
	[WAN_QUEUED] = "queued",
	[WAN_DROP_MALFORMED] = "malformed",
	[WAN_DROP_NOROUTE] = "noroute",
	[WAN_DROP_UPQUEUE] = "queue-up",
	[WAN_DROP_LOSS] = "loss",
	[WAN_DROP_DOWNQUEUE] = "queue-down",
	[WAN_DROP_NOBUF] = "nobuf",
	[WAN_DROP_WRITE] = "write",
};

static uint64_t
splitmix(uint64_t *x)
{
	uint64_t	 z;

	z = (*x += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return (z ^ (z >> 31));
}

static uint64_t
rotl(uint64_t x, int k)
{
	return ((x << k) | (x >> (64 - k)));
}

static uint64_t
rnd(struct wan *w)
{
	uint64_t	*s = w->rs;
	uint64_t	 r, t;

	r = rotl(s[1] * 5, 7) * 9;
	t = s[1] << 17;
	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rotl(s[3], 45);
	return (r);
}

static struct path *
path_of(const struct wan *w, unsigned src, unsigned dst)
{
	return (&w->paths[(size_t)src * w->cf.nhosts + dst]);
}

/* Time to send len bytes at rate bytes/s, at least 1 ns. */
static uint64_t
sertime(size_t len, uint64_t rate)
{
	uint64_t	 t;

	t = ((uint64_t)len * WAN_NS + rate - 1) / rate;
	return (t == 0 ? 1 : t);
}

/* A queue of qbytes at rate, as the longest wait it allows. */
static uint64_t
queue_ns(uint64_t qbytes, uint64_t rate)
{
	long double	 t;

	t = (long double)qbytes * WAN_NS / rate;
	return (t > (long double)UINT64_MAX / 2 ? UINT64_MAX / 2 :
	    (uint64_t)t);
}

/* Default queue: 100 ms at the rate, at least 16 packets of mtu. */
static uint64_t
default_queue(uint64_t rate, size_t mtu)
{
	uint64_t	 q;

	q = rate / 10;
	return (q < 16 * mtu ? 16 * mtu : q);
}

struct wan *
wan_new(const struct wan_cfg *cf)
{
	struct wan	*w;
	size_t		 i, n;
	uint64_t	 x;

	if (cf->nhosts < 2 || cf->nhosts > WAN_MAXHOSTS ||
	    cf->mtu < WAN_MTU_MIN || cf->mtu > WAN_MTU_MAX ||
	    cf->maxpkts < 2 || cf->loss_ppm > 1000000 ||
	    cf->delay_ns > (uint64_t)(MAX_MS * MS) ||
	    cf->jitter_ns > (uint64_t)(MAX_MS * MS)) {
		errno = EINVAL;
		return (NULL);
	}
	if ((w = calloc(1, sizeof(*w))) == NULL)
		return (NULL);
	w->cf = *cf;
	if (w->cf.up_rate != 0) {
		if (w->cf.up_queue == 0)
			w->cf.up_queue = default_queue(w->cf.up_rate, cf->mtu);
		w->upq_ns = queue_ns(w->cf.up_queue, w->cf.up_rate);
	}
	if (w->cf.down_rate != 0) {
		if (w->cf.down_queue == 0)
			w->cf.down_queue = default_queue(w->cf.down_rate,
			    cf->mtu);
		w->downq_ns = queue_ns(w->cf.down_queue, w->cf.down_rate);
	}
	w->pktsize = (sizeof(struct wan_pkt) + cf->mtu + 15) & ~(size_t)15;
	n = (size_t)cf->nhosts * cf->nhosts;
	w->paths = calloc(n, sizeof(*w->paths));
	w->hosts = calloc(cf->nhosts, sizeof(*w->hosts));
	w->heap = calloc(cf->maxpkts, sizeof(*w->heap));
	w->slabs = calloc(cf->maxpkts / SLAB + 1, sizeof(*w->slabs));
	if (w->paths == NULL || w->hosts == NULL || w->heap == NULL ||
	    w->slabs == NULL) {
		wan_free(w);
		errno = ENOMEM;
		return (NULL);
	}
	for (i = 0; i < n; i++) {
		w->paths[i].delay = cf->delay_ns;
		w->paths[i].jitter = cf->jitter_ns;
		w->paths[i].loss = cf->loss_ppm;
	}
	x = cf->seed;
	for (i = 0; i < 4; i++)
		w->rs[i] = splitmix(&x);
	return (w);
}

void
wan_free(struct wan *w)
{
	size_t	 i;

	if (w == NULL)
		return;
	for (i = 0; i < w->nslabs; i++)
		free(w->slabs[i]);
	free(w->slabs);
	free(w->heap);
	free(w->hosts);
	free(w->paths);
	free(w);
}

const struct wan_cfg *
wan_config(const struct wan *w)
{
	return (&w->cf);
}

int
wan_set_path(struct wan *w, unsigned src, unsigned dst, uint64_t delay_ns,
    uint64_t jitter_ns, uint32_t loss_ppm)
{
	struct path	*p;

	if (src >= w->cf.nhosts || dst >= w->cf.nhosts ||
	    loss_ppm > 1000000 || delay_ns > (uint64_t)(MAX_MS * MS) ||
	    jitter_ns > (uint64_t)(MAX_MS * MS)) {
		errno = EINVAL;
		return (-1);
	}
	p = path_of(w, src, dst);
	p->delay = delay_ns;
	p->jitter = jitter_ns;
	p->loss = loss_ppm;
	return (0);
}

void
wan_get_path(const struct wan *w, unsigned src, unsigned dst,
    uint64_t *delay_ns, uint64_t *jitter_ns, uint32_t *loss_ppm)
{
	const struct path *p;

	p = path_of(w, src, dst);
	*delay_ns = p->delay;
	*jitter_ns = p->jitter;
	*loss_ppm = p->loss;
}

/* "*" (every host: -1) or a host number 1..n (returned from 0). */
static int
parse_host(const char *s, unsigned n, long *out)
{
	char	*end;
	long	 v;

	if (strcmp(s, "*") == 0) {
		*out = -1;
		return (0);
	}
	if (!isdigit((unsigned char)*s))
		return (-1);
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || *end != '\0' || v < 1 || v > (long)n)
		return (-1);
	*out = v - 1;
	return (0);
}

struct pathset {
	int		 has_delay, has_jitter, has_loss;
	uint64_t	 delay, jitter;
	uint32_t	 loss;
};

static void
apply(struct wan *w, long src, long dst, const struct pathset *ps)
{
	unsigned	 i, j;
	struct path	*p;

	for (i = 0; i < w->cf.nhosts; i++) {
		if (src != -1 && (long)i != src)
			continue;
		for (j = 0; j < w->cf.nhosts; j++) {
			if (dst != -1 && (long)j != dst)
				continue;
			p = path_of(w, i, j);
			if (ps->has_delay)
				p->delay = ps->delay;
			if (ps->has_jitter)
				p->jitter = ps->jitter;
			if (ps->has_loss)
				p->loss = ps->loss;
		}
	}
}

/*
 * Lines "SRC DST [delay=MS|rtt=MS] [jitter=MS] [loss=PCT] [oneway]",
 * '#' to the end of a line is a comment; hosts from 1, '*' for all.
 * A line sets SRC->DST and, without "oneway", DST->SRC.
 */
int
wan_load_paths(struct wan *w, FILE *fp, const char *name, char *err,
    size_t errlen)
{
	char		*line = NULL, *s, *tok, *save, *v;
	size_t		 cap = 0;
	ssize_t		 len;
	unsigned	 lineno = 0, ntok;
	long		 src = 0, dst = 0;
	int		 oneway, rv = -1;
	struct pathset	 ps;
	uint64_t	 ns;

	while ((len = getline(&line, &cap, fp)) != -1) {
		lineno++;
		if ((s = strchr(line, '#')) != NULL)
			*s = '\0';
		memset(&ps, 0, sizeof(ps));
		oneway = 0;
		ntok = 0;
		for (tok = strtok_r(line, " \t\r\n", &save); tok != NULL;
		    tok = strtok_r(NULL, " \t\r\n", &save)) {
			ntok++;
			if (ntok == 1 || ntok == 2) {
				if (parse_host(tok, w->cf.nhosts,
				    ntok == 1 ? &src : &dst) == -1) {
					snprintf(err, errlen, "%s:%u: %s: not "
					    "a host (1..%u or *)", name, lineno,
					    tok, w->cf.nhosts);
					goto done;
				}
				continue;
			}
			if (strcmp(tok, "oneway") == 0) {
				oneway = 1;
				continue;
			}
			if ((v = strchr(tok, '=')) == NULL)
				goto badkey;
			*v++ = '\0';
			if (strcmp(tok, "delay") == 0 ||
			    strcmp(tok, "rtt") == 0) {
				if (ps.has_delay || wan_parse_ms(v, &ns) == -1)
					goto badval;
				ps.delay = tok[0] == 'r' ? ns / 2 : ns;
				ps.has_delay = 1;
			} else if (strcmp(tok, "jitter") == 0) {
				if (ps.has_jitter ||
				    wan_parse_ms(v, &ps.jitter) == -1)
					goto badval;
				ps.has_jitter = 1;
			} else if (strcmp(tok, "loss") == 0) {
				if (ps.has_loss ||
				    wan_parse_pct(v, &ps.loss) == -1)
					goto badval;
				ps.has_loss = 1;
			} else
				goto badkey;
		}
		if (ntok == 0)
			continue;
		if (ntok < 3) {
			snprintf(err, errlen, "%s:%u: a host pair and at least "
			    "one setting expected", name, lineno);
			goto done;
		}
		apply(w, src, dst, &ps);
		if (!oneway)
			apply(w, dst, src, &ps);
	}
	if (ferror(fp)) {
		snprintf(err, errlen, "%s: read error", name);
		goto done;
	}
	rv = 0;
	goto done;
 badkey:
	snprintf(err, errlen, "%s:%u: %s: unknown setting (delay=, rtt=, "
	    "jitter=, loss=, oneway)", name, lineno, tok);
	goto done;
 badval:
	snprintf(err, errlen, "%s:%u: %s: bad or repeated value '%s'", name,
	    lineno, tok, v);
 done:
	free(line);
	return (rv);
}

uint32_t
wan_host_addr4(unsigned host)
{
	return (WAN_V4_NET + ((uint32_t)(host + 1) << 8) + 1);
}

void
wan_host_addr6(unsigned host, uint8_t a[16])
{
	memset(a, 0, 16);
	a[0] = 0xfd;
	a[1] = 0x77;
	a[14] = (uint8_t)((host + 1) >> 8);
	a[15] = (uint8_t)(host + 1);
}

enum wan_verdict
wan_classify(const uint8_t *p, size_t len, unsigned nhosts, unsigned *dst,
    uint8_t *family)
{
	static const uint8_t pfx6[14] = { 0xfd, 0x77 };
	size_t		 ihl, tot;
	uint32_t	 a;
	unsigned	 h;

	if (len < 20)
		return (WAN_DROP_MALFORMED);
	switch (p[0] >> 4) {
	case 4:
		*family = 4;
		ihl = (size_t)(p[0] & 0x0f) * 4;
		tot = (size_t)p[2] << 8 | p[3];
		if (ihl < 20 || ihl > len || tot != len)
			return (WAN_DROP_MALFORMED);
		a = (uint32_t)p[16] << 24 | (uint32_t)p[17] << 16 |
		    (uint32_t)p[18] << 8 | p[19];
		if ((a >> (32 - WAN_V4_PLEN)) != (WAN_V4_NET >> (32 - WAN_V4_PLEN)))
			return (WAN_DROP_NOROUTE);
		if ((a & 0xff) != 1)
			return (WAN_DROP_NOROUTE);
		h = (a - WAN_V4_NET) >> 8;
		break;
	case 6:
		*family = 6;
		if (len < 40)
			return (WAN_DROP_MALFORMED);
		tot = ((size_t)p[4] << 8 | p[5]) + 40;
		if (tot != len)
			return (WAN_DROP_MALFORMED);
		if (memcmp(p + 24, pfx6, sizeof(pfx6)) != 0)
			return (WAN_DROP_NOROUTE);
		h = (unsigned)p[38] << 8 | p[39];
		break;
	default:
		return (WAN_DROP_MALFORMED);
	}
	if (h == 0 || h > nhosts)
		return (WAN_DROP_NOROUTE);
	*dst = h - 1;
	return (WAN_QUEUED);
}

struct wan_pkt *
wan_pkt_get(struct wan *w)
{
	struct wan_pkt	*p;
	uint8_t		*slab;
	size_t		 i, n;

	if (w->free == NULL) {
		if (w->st.buffers >= w->cf.maxpkts)
			return (NULL);
		n = w->cf.maxpkts - w->st.buffers;
		if (n > SLAB)
			n = SLAB;
		if ((slab = calloc(n, w->pktsize)) == NULL)
			return (NULL);
		w->slabs[w->nslabs++] = slab;
		for (i = 0; i < n; i++) {
			p = (struct wan_pkt *)(void *)(slab + i * w->pktsize);
			p->next = w->free;
			w->free = p;
		}
		w->st.buffers += n;
	}
	p = w->free;
	w->free = p->next;
	p->next = NULL;
	return (p);
}

void
wan_pkt_put(struct wan *w, struct wan_pkt *p)
{
	p->next = w->free;
	w->free = p;
}

static int
before(const struct wan_pkt *a, const struct wan_pkt *b)
{
	if (a->when != b->when)
		return (a->when < b->when);
	return (a->seq < b->seq);
}

static void
heap_push(struct wan *w, struct wan_pkt *p)
{
	size_t	 i, up;

	p->seq = w->seq++;
	i = w->nheap++;
	while (i > 0) {
		up = (i - 1) / 2;
		if (!before(p, w->heap[up]))
			break;
		w->heap[i] = w->heap[up];
		i = up;
	}
	w->heap[i] = p;
}

static struct wan_pkt *
heap_pop(struct wan *w)
{
	struct wan_pkt	*top, *last;
	size_t		 i, c;

	top = w->heap[0];
	last = w->heap[--w->nheap];
	i = 0;
	while ((c = 2 * i + 1) < w->nheap) {
		if (c + 1 < w->nheap && before(w->heap[c + 1], w->heap[c]))
			c++;
		if (!before(w->heap[c], last))
			break;
		w->heap[i] = w->heap[c];
		i = c;
	}
	if (w->nheap > 0)
		w->heap[i] = last;
	return (top);
}

static void
drop(struct wan *w, struct wan_pkt *p, enum wan_verdict why)
{
	w->st.drop[why]++;
	wan_pkt_put(w, p);
}

enum wan_verdict
wan_input(struct wan *w, struct wan_pkt *p, unsigned src, uint64_t now)
{
	enum wan_verdict v;
	struct host	*h;
	struct path	*pa;
	uint64_t	 t, start, ser, d, j;
	unsigned	 dst;
	uint8_t		 family = 0;

	w->st.in++;
	w->st.in_bytes += p->len;
	if (src >= w->cf.nhosts || p->len > w->cf.mtu) {
		drop(w, p, WAN_DROP_MALFORMED);
		return (WAN_DROP_MALFORMED);
	}
	v = wan_classify(p->data, p->len, w->cf.nhosts, &dst, &family);
	if (family == 4)
		w->st.in4++;
	else if (family == 6)
		w->st.in6++;
	if (v != WAN_QUEUED) {
		drop(w, p, v);
		return (v);
	}
	p->src = (uint16_t)src;
	p->dst = (uint16_t)dst;
	p->family = family;
	p->born = now;

	/* the sender's uplink */
	t = now;
	h = &w->hosts[src];
	if (w->cf.up_rate != 0) {
		ser = sertime(p->len, w->cf.up_rate);
		start = h->up_free > now ? h->up_free : now;
		if (start - now + ser > w->upq_ns) {
			drop(w, p, WAN_DROP_UPQUEUE);
			return (WAN_DROP_UPQUEUE);
		}
		h->up_free = t = start + ser;
		if (t - now > w->st.upq_max_ns)
			w->st.upq_max_ns = t - now;
	}

	/* the path: sent, then lost or delayed */
	pa = path_of(w, src, dst);
	if (pa->loss != 0 && rnd(w) % 1000000 < pa->loss) {
		drop(w, p, WAN_DROP_LOSS);
		return (WAN_DROP_LOSS);
	}
	d = pa->delay;
	if (pa->jitter != 0) {
		j = rnd(w) % (2 * pa->jitter + 1);
		d = d + j < pa->jitter ? 0 : d + j - pa->jitter;
	}
	t += d;
	if (!w->cf.reorder) {
		if (t < pa->last) {
			t = pa->last;
			w->st.fifo_held++;
		}
		pa->last = t;
	}
	p->when = t;
	p->stage = w->cf.down_rate != 0 ? STAGE_PATH : STAGE_OUT;
	heap_push(w, p);
	if (++w->st.queued > w->st.queued_max)
		w->st.queued_max = w->st.queued;
	return (WAN_QUEUED);
}

void
wan_nobuf(struct wan *w, size_t len)
{
	w->st.in++;
	w->st.in_bytes += len;
	w->st.drop[WAN_DROP_NOBUF]++;
}

uint64_t
wan_next(const struct wan *w)
{
	return (w->nheap == 0 ? UINT64_MAX : w->heap[0]->when);
}

struct wan_pkt *
wan_due(struct wan *w, uint64_t now)
{
	struct wan_pkt	*p;
	struct host	*h;
	uint64_t	 start, ser;

	while (w->nheap > 0 && w->heap[0]->when <= now) {
		p = heap_pop(w);
		if (p->stage == STAGE_OUT)
			return (p);
		/* arrived at the receiver's downlink at p->when */
		h = &w->hosts[p->dst];
		ser = sertime(p->len, w->cf.down_rate);
		start = h->down_free > p->when ? h->down_free : p->when;
		if (start - p->when + ser > w->downq_ns) {
			w->st.queued--;
			drop(w, p, WAN_DROP_DOWNQUEUE);
			continue;
		}
		h->down_free = start + ser;
		if (h->down_free - p->when > w->st.downq_max_ns)
			w->st.downq_max_ns = h->down_free - p->when;
		p->when = h->down_free;
		p->stage = STAGE_OUT;
		heap_push(w, p);
	}
	return (NULL);
}

/* log-linear bucket of v (us): exact below WAN_HIST_SUB */
static size_t
hist_index(uint64_t v)
{
	int	 e;

	if (v < WAN_HIST_SUB)
		return ((size_t)v);
	e = 63 - __builtin_clzll(v);		/* >= 7 */
	return ((size_t)(e - 6) * WAN_HIST_SUB +
	    ((v >> (e - 7)) & (WAN_HIST_SUB - 1)));
}

/* the lowest value of bucket i, and the next bucket's */
static void
hist_bounds(size_t i, double *lo, double *hi)
{
	unsigned	 e, m;

	if (i < WAN_HIST_SUB) {
		*lo = (double)i;
		*hi = (double)i + 1;
		return;
	}
	e = (unsigned)(i / WAN_HIST_SUB) + 6;
	m = (unsigned)(i % WAN_HIST_SUB);
	*lo = (double)(WAN_HIST_SUB + m) * (double)(1ULL << (e - 7));
	*hi = (double)(WAN_HIST_SUB + m + 1) * (double)(1ULL << (e - 7));
}

static void
hist_add(struct wan_hist *hs, uint64_t us)
{
	hs->n++;
	hs->sum += us;
	if (us > hs->max)
		hs->max = us;
	hs->b[hist_index(us)]++;
}

double
wan_hist_quantile(const struct wan_hist *hs, double q)
{
	uint64_t	 want, seen = 0;
	size_t		 i;
	double		 lo, hi, v;

	if (hs->n == 0)
		return (0);
	want = (uint64_t)(q * (double)hs->n);
	if ((double)want < q * (double)hs->n)
		want++;
	if (want == 0)
		want = 1;
	for (i = 0; i < WAN_HIST_LEN; i++) {
		seen += hs->b[i];
		if (seen >= want) {
			hist_bounds(i, &lo, &hi);
			v = (lo + hi - 1) / 2;
			return (v > (double)hs->max ? (double)hs->max : v);
		}
	}
	return ((double)hs->max);
}

void
wan_done(struct wan *w, struct wan_pkt *p, uint64_t now, int written)
{
	w->st.queued--;
	if (written) {
		w->st.delivered++;
		w->st.delivered_bytes += p->len;
		hist_add(&w->st.delay, now > p->born ? (now - p->born) / 1000 :
		    0);
		hist_add(&w->st.late, now > p->when ? (now - p->when) / 1000 :
		    0);
		wan_pkt_put(w, p);
	} else
		drop(w, p, WAN_DROP_WRITE);
}

const struct wan_stats *
wan_stats(const struct wan *w)
{
	return (&w->st);
}

/* a decimal number: digits, an optional fraction; the rest in *end */
static int
parse_num(const char *s, double *out, const char **end)
{
	char	*e;
	double	 v;

	if ((!isdigit((unsigned char)*s) && *s != '.') ||
	    strpbrk(s, "xXpP") != NULL)	/* no hex floats */
		return (-1);
	errno = 0;
	v = strtod(s, &e);
	if (errno != 0 || e == s || !(v >= 0 && v <= 1e300))
		return (-1);
	*out = v;
	*end = e;
	return (0);
}

int
wan_parse_ms(const char *s, uint64_t *ns)
{
	const char	*end;
	double		 v;

	if (parse_num(s, &v, &end) == -1 || *end != '\0' || v > MAX_MS)
		return (-1);
	*ns = (uint64_t)(v * MS + 0.5);
	return (0);
}

int
wan_parse_pct(const char *s, uint32_t *ppm)
{
	const char	*end;
	double		 v;

	if (parse_num(s, &v, &end) == -1 || *end != '\0' || v > 100)
		return (-1);
	*ppm = (uint32_t)(v * 10000 + 0.5);
	return (0);
}

int
wan_parse_rate(const char *s, uint64_t *bps)
{
	const char	*end;
	double		 v, mult = 1;

	if (parse_num(s, &v, &end) == -1)
		return (-1);
	switch (*end) {
	case 'k': case 'K':
		mult = 1e3;
		end++;
		break;
	case 'm': case 'M':
		mult = 1e6;
		end++;
		break;
	case 'g': case 'G':
		mult = 1e9;
		end++;
		break;
	}
	if (strcmp(end, "bit") == 0)
		mult /= 8;
	else if (strcmp(end, "B") != 0 && *end != '\0')
		return (-1);
	v *= mult;
	if (v < 1 || v > 1e12)
		return (-1);
	*bps = (uint64_t)(v + 0.5);
	return (0);
}

int
wan_parse_size(const char *s, uint64_t *bytes)
{
	char		*end;
	unsigned long long v;
	uint64_t	 mult = 1;

	if (!isdigit((unsigned char)*s))
		return (-1);
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno != 0)
		return (-1);
	switch (toupper((unsigned char)*end)) {
	case 'K':
		mult = 1ULL << 10;
		end++;
		break;
	case 'M':
		mult = 1ULL << 20;
		end++;
		break;
	case 'G':
		mult = 1ULL << 30;
		end++;
		break;
	}
	if (toupper((unsigned char)*end) == 'B')
		end++;
	if (*end != '\0' || v > (1ULL << 40) / mult)
		return (-1);
	*bytes = v * mult;
	return (0);
}
