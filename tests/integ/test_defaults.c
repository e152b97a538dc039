/* SPDX-License-Identifier: ISC */
/*
 * The protocol's limits as the code has them, written the way
 * docs/PROTOCOL.md writes them, for tests/integ/defaults.sh: the
 * defaults come from the code's own functions (dht_config_defaults,
 * sess_config_defaults, ratelimit_defaults) and #defines, never from
 * numbers copied here.
 *
 *   test_defaults doc	one line per statement of the document:
 *			"where<TAB>text", the text as the document
 *			must say it (a row of section 10's table, or a
 *			phrase of the prose, its whitespace squeezed);
 *			@NAME@ stands for a #define that is private to
 *			its .c file, which the script reads there
 *   test_defaults	the limits' own arithmetic: what must fit in
 *			what, whatever the numbers
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <bsd/sys/tree.h>

#include <netinet/in.h>

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "kadnet/krpc.h"
#include "kadnet/netdiv.h"
#include "kadnet/node_id.h"
#include "kadnet/ratelimit.h"
#include "kadnet/routing.h"
#include "kadnet/search.h"
#include "kadnet/dht.h"
#include "kadnet/dht_local.h"
#include "kadnet/session.h"
#include "kadnet/sess_local.h"
#include "kadnet/upload.h"
#include "kadstore/store_tc.h"
#include "tests/test.h"

#define MIN_MS	(60 * 1000)

static struct dht_config	dc;
static struct sess_config	sc;
static struct ratelimit_config	rc;

static void
say(const char *where, const char *fmt, ...)
{
	va_list	ap;

	printf("%s\t", where);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
}

/* 20000 -> "20,000" (the document's thousands) */
static const char *
th(uint64_t v)
{
	static char	buf[8][32];
	static int	n;
	char		tmp[32], *o = buf[n++ % 8];
	size_t		len, i, j = 0;

	len = snprintf(tmp, sizeof(tmp), "%llu", (unsigned long long)v);
	for (i = 0; i < len; i++) {
		if (i > 0 && (len - i) % 3 == 0 && len > 4)
			o[j++] = ',';
		o[j++] = tmp[i];
	}
	o[j] = '\0';
	return (o);
}

/* n if v == 2^n, else -1 */
static int
log2of(uint64_t v)
{
	int	n = 0;

	if (v == 0 || (v & (v - 1)) != 0)
		return (-1);
	while (v > 1) {
		v >>= 1;
		n++;
	}
	return (n);
}

/* 2^24 + 2^20 -> its high and low powers */
static void
twopow(uint64_t v, int *hi, int *lo)
{
	uint64_t	top = v;

	while ((top & (top - 1)) != 0)
		top &= top - 1;
	*hi = log2of(top);
	*lo = v == top ? -1 : log2of(v - top);
}

static const char *
nth(unsigned n)
{
	static const char *const w[] = { "zeroth", "first", "second",
	    "third", "fourth", "fifth" };

	return (n < sizeof(w) / sizeof(w[0]) ? w[n] : "nth");
}

static void
table(void)
{
	int	rh, rl, jh, jl;

	say("10", "| k, alpha, replicas, lookup hop limit | %u, %u, %u, %u |",
	    dc.k, dc.alpha, dc.replicas, dc.hoplimit);
	say("10", "| copies a STORE may name; copies acted on | 1..%d; at most "
	    "replicas |", KRPC_MAX_COPIES);
	say("10", "| buckets, replacement cache per bucket | %u, %u |",
	    dc.maxbuckets, dc.nrepl);
	say("10", "| contacts of one network (IPv4 /24, IPv6 /48, a loopback "
	    "address) per bucket / per table; candidates of one lookup; "
	    "replica targets of one chunk | %d / %d; %d; %d |",
	    KAD_DIV_BUCKET, KAD_DIV_TABLE, KAD_DIV_LOOKUP, KAD_DIV_HOLDERS);
	say("10", "| the key puzzle: zero bits a key's puzzle hash starts with "
	    "(section 1.1) | %u |", dc.puzzle_bits);
	say("1.1", "starts with **KAD_PUZZLE_BITS = %u** zero bits",
	    KAD_PUZZLE_BITS);
	say("10", "| lookups, outstanding requests, pushes, store requests | "
	    "%u, %u, %u, %u |", dc.maxsearches, dc.maxpending, dc.maxpushes,
	    dc.maxstoreops);
	say("10", "| RTO default / min / max; sends per request | "
	    "%u / %u / %u ms; %u |", dc.rto_default, dc.rto_min, dc.rto_max,
	    dc.rpc_tries);
	say("10", "| bucket refresh, migration, store timeout | %u min, "
	    "%u min, %u s |", dc.refresh_ms / MIN_MS, dc.migrate_ms / MIN_MS,
	    dc.storeop_ms / 1000);
	say("10", "| bootstrap rounds until answered, or after %d min "
	    "unanswered | %u RTOs, then %d s doubling to %d s, between "
	    "rounds |", DHT_BOOT_QUIET / MIN_MS, dc.rpc_tries + 1,
	    DHT_BOOT_WAIT_MIN / 1000, DHT_BOOT_WAIT_MAX / 1000);
	say("10", "| rate limit per source / global | %s/s burst %s / "
	    "%s/s burst %s |", th(rc.rate), th(rc.burst), th(rc.grate),
	    th(rc.gburst));
	say("10", "| BUSY answers to one source; retry-after least, tables "
	    "full | one per %d ms; %d ms, %d ms |", RL_BUSY_MS,
	    RL_BUSY_MIN_MS, DHT_BUSY_MS);
	say("10", "| rate-limit table | @RL_ENTRIES0@ entries, growing to "
	    "%u |", rc.slots);
	say("10", "| ban | %u strikes (1 forgiven per %s): %u minutes |",
	    rc.ban_strikes, rc.strike_decay_ms == 1000 ? "second" : "?",
	    rc.ban_ms / MIN_MS);
	say("10", "| session peers, INITs waiting for kadcrypt, messages "
	    "waiting per peer | %u, %u, %u |", sc.maxpeers, sc.maxpending,
	    sc.queue);
	say("10", "| INITs answered / from one address / KEYREQs answered | "
	    "%u/s burst %u / %u/s burst %u / %u/s |", sc.hs_rate,
	    sc.hs_burst, sc.src_rate, sc.src_burst, sc.keyreq_rate);
	say("10", "| INIT sent again; tries | %u s, %u s; %u |",
	    sc.hs_retry_ms / 1000, 2 * sc.hs_retry_ms / 1000, sc.hs_tries);
	twopow(sc.rekey_msgs, &rh, &rl);
	twopow(sc.reject_msgs, &jh, &jl);
	say("10", "| new keys after; refused after | %u min or 2^%d "
	    "messages; %u min or 2^%d + 2^%d |", sc.rekey_ms / MIN_MS, rh,
	    sc.reject_ms / MIN_MS, jh, jl);
	say("10", "| unanswered for, before a new handshake | %u s |",
	    sc.stale_ms / 1000);
	say("10", "| cookie secret | %u min |", sc.cookie_ms / MIN_MS);
	say("10", "| bytes on the wire per second (kad.conf `upload-limit`, "
	    "kadnet's `upload.c`) | no limit; when set, a bucket of 100 ms "
	    "of the rate (at least %s bytes) and a queue of 1 s of it (%d "
	    "KiB to %d MiB), then drops |", th(UPLOAD_MIN_BURST),
	    UPLOAD_MIN_QUEUE / 1024, UPLOAD_MAX_QUEUE / (1024 * 1024));
	say("10", "| what one source (a peer's network) may hold before "
	    "eviction takes from it first (kad.conf `source-share`, "
	    "kadstore's `store_src.c`) | %u%% of storage-limit |",
	    STORE_SHARE_DEFAULT);
}

static void
prose(void)
{
	int	rh, rl, jh, jl;

	twopow(sc.rekey_msgs, &rh, &rl);
	twopow(sc.reject_msgs, &jh, &jl);
	say("1", "A datagram is at most **%d bytes**", SESS_MAX_DGRAM);
	say("2.1", "| 1 | INIT | %d + message + padding (at most %d) |",
	    SESS_INIT_MIN, SESS_MAX_DGRAM);
	say("2.1", "| 2 | RESP | %d |", SESS_RESP_LEN);
	say("2.1", "| 3 | COOKIE | %d |", SESS_COOKIE_LEN);
	say("2.1", "| 4 | DATA | %d + message |", SESS_DATA_OVERHEAD);
	say("2.1", "| 5 | KEYREQ | %d |", SESS_KEYREQ_LEN);
	say("2.1", "| 6 | KEYRES | %d |", SESS_KEYRES_LEN);
	say("2.3", "padded to %d + %d + the longest answer the request can "
	    "draw (`krpc_reply_max`): %zu bytes for FIND_NODE and "
	    "FIND_VALUE", SESS_RESP_LEN, SESS_DATA_OVERHEAD, SESS_RESP_LEN +
	    SESS_DATA_OVERHEAD + krpc_reply_max(KRPC_FIND_NODE));
	say("2.4", "in the peer's queue of %u messages", sc.queue);
	say("2.4", "INITs are answered from a bucket of %u per second (burst "
	    "%u), at most %u per second (burst %u) from one address, and at "
	    "most %u wait for kadcrypt at once", sc.hs_rate, sc.hs_burst,
	    sc.src_rate, sc.src_burst, sc.maxpending);
	say("2.4", "half of those %u are taken", sc.maxpending);
	say("2.4", "the secret changes every %u minutes",
	    sc.cookie_ms / MIN_MS);
	say("2.4", "KEYREQs are answered from a bucket of %u per second, and "
	    "count against the source's %u per second", sc.keyreq_rate,
	    sc.src_rate);
	say("2.5", "among the %d below it that have not been seen (a %d-bit "
	    "bitmap", SESS_WIN_BITS - 64, SESS_WIN_BITS);
	say("2.5", "New keys are made after %u minutes or 2^%d messages",
	    sc.rekey_ms / MIN_MS, rh);
	say("2.5", "keys older than %u minutes or used for 2^%d + 2^%d "
	    "messages are refused", sc.reject_ms / MIN_MS, jh, jl);
	say("2.5", "When a request has gone unanswered for %u seconds",
	    sc.stale_ms / 1000);
	say("2.5", "An INIT unanswered is sent again after %u s and %u s",
	    sc.hs_retry_ms / 1000, 2 * sc.hs_retry_ms / 1000);
	say("2.5", "given up after the %s", nth(sc.hs_tries));
	say("2.5", "**Peers** are kept in a table of at most %u", sc.maxpeers);
	say("2.5", "a peer without confirmed keys among the @EVICT_LOOK@ used "
	    "longest ago");
	say("2.5", "A peer costs %zu bytes, and each key set %zu bytes",
	    sizeof(struct sess_peer), sizeof(struct sess_keys));
	say("2.6", "KEYREQs are sent again after %u s and %u s",
	    sc.hs_retry_ms / 1000, 2 * sc.hs_retry_ms / 1000);
	say("4.1", "An inner message is at most **%d bytes**", SESS_MAX_INNER);
	say("4.2", "at most %zu records", (size_t)KRPC_MAX_CONTACTS);
	say("4.2", "A node returns up to k + k/4 (%u)", dc.k + dc.k / 4);
	say("5", "bounded to [%u ms, %u s]", dc.rto_min, dc.rto_max / 1000);
	say("5", "which starts at %u s", dc.rto_default / 1000);
	say("5", "(`rpc_tries` = %u sends: %u RTOs in all, %.1f s for a "
	    "measured contact)", dc.rpc_tries, dc.rpc_tries + 1,
	    (dc.rpc_tries + 1) * dc.rto_min / 1000.0);
	say("6", "Each source has a token bucket of %s requests per second "
	    "with a burst of %s", th(rc.rate), th(rc.burst));
	say("6", "share a bucket of %s per second with a burst of %s",
	    th(rc.grate), th(rc.gburst));
	say("6", "It starts at @RL_ENTRIES0@ entries and doubles, up to %u",
	    rc.slots);
	say("6", "%u strikes, with one forgiven each second, ban the source "
	    "for %u minutes", rc.ban_strikes, rc.ban_ms / MIN_MS);
	say("7", "k-buckets (k = %u)", dc.k);
	say("7", "the table has at most %u buckets", dc.maxbuckets);
	say("7", "heard from in the last %d minutes", RT_GOOD_AGE_MS / MIN_MS);
	say("7", "A contact with %d unanswered requests in a row",
	    RT_MAX_FAILS);
	say("7", "replacement cache (%u entries", dc.nrepl);
	say("7", "(up to %d are remembered)", DHT_MAX_BOOT);
	say("7", "then %d s, %d, %d, ... up to %d s more", DHT_BOOT_WAIT_MIN /
	    1000, 2 * DHT_BOOT_WAIT_MIN / 1000, 4 * DHT_BOOT_WAIT_MIN / 1000,
	    DHT_BOOT_WAIT_MAX / 1000);
	say("7", "again whenever none has been for %d minutes",
	    DHT_BOOT_QUIET / MIN_MS);
	say("7", "no lookup into its range for %u minutes",
	    dc.refresh_ms / MIN_MS);
	say("7", "at most %d lookups at a time", DHT_MAX_REFRESH);
	say("7", "at most %d contacts of one network in a bucket and %d in "
	    "the whole table", KAD_DIV_BUCKET, KAD_DIV_TABLE);
	say("8", "at most %d candidates of one network", KAD_DIV_LOOKUP);
	say("9", "at most %d of them in one network", KAD_DIV_HOLDERS);
	say("8", "At most alpha = %u requests are in flight", dc.alpha);
	say("8", "beyond the hop limit (%u) is never asked", dc.hoplimit);
	say("8", "At most %u lookups and %u outstanding requests at once",
	    dc.maxsearches, dc.maxpending);
	say("9", "try the next hop (at most %d)", PUSH_MAXTRY);
	say("9", "(up to %d spares)", PUSH_SPARES);
	say("9", "Every `migrate_ms` (%u hour by default), and %d s after a "
	    "new contact joins our last bucket", dc.migrate_ms / (60 * MIN_MS),
	    DHT_MIGRATE_SOON / 1000);
	say("9", "`DHT_STORE_SCAN`, %d keys after a cursor", DHT_SCAN_BATCH);
	say("9", "A request left without an answer for %u s is dropped",
	    dc.storeop_ms / 1000);
}

static int
arithmetic(void)
{
	size_t	fn = krpc_reply_max(KRPC_FIND_NODE);
	size_t	fv = krpc_reply_max(KRPC_FIND_VALUE);

	CHECK(KRPC_MAX_MSG == SESS_MAX_INNER, "the session's inner limit is "
	    "the codec's (%d)", SESS_MAX_INNER);
	CHECK(SESS_DATA_OVERHEAD + SESS_MAX_INNER <= SESS_MAX_DGRAM,
	    "the longest inner message fits a DATA (%d <= %d)",
	    SESS_DATA_OVERHEAD + SESS_MAX_INNER, SESS_MAX_DGRAM);
	CHECK(SESS_RESP_LEN + SESS_DATA_OVERHEAD + fn <= SESS_MAX_DGRAM &&
	    SESS_RESP_LEN + SESS_DATA_OVERHEAD + fv <= SESS_MAX_DGRAM,
	    "an INIT padded for a FIND_NODE or FIND_VALUE's answer fits a "
	    "datagram (%zu, %zu)", SESS_RESP_LEN + SESS_DATA_OVERHEAD + fn,
	    SESS_RESP_LEN + SESS_DATA_OVERHEAD + fv);
	CHECK(SESS_COOKIE_LEN < SESS_INIT_MIN, "a COOKIE (%d) is smaller "
	    "than the smallest INIT (%d)", SESS_COOKIE_LEN, SESS_INIT_MIN);
	CHECK(SESS_KEYRES_LEN <= SESS_KEYREQ_LEN, "a KEYRES (%d) is no "
	    "larger than a KEYREQ (%d)", SESS_KEYRES_LEN, SESS_KEYREQ_LEN);
	CHECK(SESS_RESP_LEN < SESS_INIT_MIN, "a RESP (%d) is smaller than "
	    "the smallest INIT", SESS_RESP_LEN);
	CHECK(sc.rekey_ms < sc.reject_ms && sc.rekey_msgs < sc.reject_msgs,
	    "keys are renewed before they are refused");
	CHECK(sc.src_burst <= sc.hs_burst && sc.keyreq_rate <= sc.hs_rate,
	    "one address cannot take the whole handshake budget");
	CHECK(dc.replicas <= dc.k && dc.alpha <= dc.k, "replicas and alpha "
	    "are at most k");
	CHECK(dc.k + dc.k / 4 <= KRPC_MAX_CONTACTS, "a NODES answer of k + "
	    "k/4 fits a message (%u <= %zu)", dc.k + dc.k / 4,
	    (size_t)KRPC_MAX_CONTACTS);
	return (test_done());
}

int
main(int argc, char *argv[])
{
	dht_config_defaults(&dc);
	sess_config_defaults(&sc);
	ratelimit_defaults(&rc);
	if (argc == 2 && strcmp(argv[1], "doc") == 0) {
		table();
		prose();
		return (0);
	}
	if (argc != 1) {
		fprintf(stderr, "usage: test_defaults [doc]\n");
		return (2);
	}
	return (arithmetic());
}
