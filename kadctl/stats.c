/* SPDX-License-Identifier: ISC */
/*
 * The table of the names `kadctl status` reports (stats.h): kadmaster's
 * own lines first, then each worker's kad_stats_add() names in the
 * order it sends them.  A worker that adds a stat adds its row here;
 * tests/integ/output.sh fails until it does, and until docs/METRICS.md
 * lists it.  Pure: no system call.
 */
#include <bsd/string.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "stats.h"

#define C	STAT_COUNTER
#define G	STAT_GAUGE
#define I	STAT_INFO
#define N	STAT_COUNT
#define BY	STAT_BYTES
#define BR	STAT_BYTES_RATE
#define S	STAT_SECONDS
#define MS	STAT_MILLIS
#define HX	STAT_HEX

const struct stat_def stat_defs[] = {
	{ "node-id", I, HX, "kadmaster",
	    "The node ID: SHA-256 of the node key." },
	{ "node-key", I, HX, "kadmaster",
	    "The node's X25519 public key." },
	{ "port", I, N, "kadmaster",
	    "The UDP port other nodes learn: the first socket's, as bound." },
	{ "listen", I, STAT_ADDR, "kadmaster",
	    "An address and port a UDP socket is bound to, one per socket." },
	{ "uptime", G, S, "kadmaster",
	    "Time since kadmaster started." },
	{ "pid-kadmaster", I, N, "kadmaster", "Process ID of kadmaster." },
	{ "pid-kadnet", I, N, "kadmaster", "Process ID of kadnet." },
	{ "pid-kadstore", I, N, "kadmaster", "Process ID of kadstore." },
	{ "pid-kadcrypt", I, N, "kadmaster", "Process ID of kadcrypt." },
	{ "master-bytes-read", C, BY, "kadmaster",
	    "Bytes kadmaster read from its channels, the control clients' and "
	    "the workers': messages, never a file's contents (those go as "
	    "file descriptors)." },
	{ "master-bytes-written", C, BY, "kadmaster",
	    "Bytes kadmaster wrote to its channels." },

	{ "peers", G, N, "kadnet",
	    "Contacts in the routing table not marked bad (kadctl peers)." },
	{ "lookups", C, N, "kadnet", "Lookups started." },
	{ "lookup-median-ms", G, MS, "kadnet",
	    "Median time of the chunk lookups that found their value." },
	{ "lookup-p90-ms", G, MS, "kadnet",
	    "90th percentile time of the chunk lookups that found their "
	    "value." },
	{ "datagrams-in", C, N, "kadnet", "Datagrams received." },
	{ "datagrams-out", C, N, "kadnet", "Datagrams sent." },
	{ "datagrams-dropped", C, N, "kadnet",
	    "Datagrams received and dropped, for any reason." },
	{ "messages-in", C, N, "kadnet", "Protocol messages received." },
	{ "messages-out", C, N, "kadnet", "Protocol messages sent." },
	{ "sessions", G, N, "kadnet", "Peers with a session." },
	{ "handshakes", C, N, "kadnet", "Session handshakes completed." },
	{ "handshakes-started", C, N, "kadnet",
	    "Session handshakes this node started." },
	{ "handshakes-answered", C, N, "kadnet",
	    "Session handshakes this node answered." },
	{ "handshakes-gave-up", C, N, "kadnet",
	    "Session handshakes given up without an answer." },
	{ "rekeys", C, N, "kadnet", "Sessions given new keys." },
	{ "cookies-sent", C, N, "kadnet",
	    "Cookies sent instead of a handshake answer, under load." },
	{ "drop-session-auth", C, N, "kadnet",
	    "Datagrams dropped: failed authentication." },
	{ "drop-session-replay", C, N, "kadnet",
	    "Datagrams dropped: replayed." },
	{ "drop-session-address", C, N, "kadnet",
	    "Datagrams dropped: from the wrong address for the session." },
	{ "drop-session-index", C, N, "kadnet",
	    "Datagrams dropped: no session with that index." },
	{ "drop-session-other", C, N, "kadnet",
	    "Datagrams dropped: short, bad type, expired or otherwise "
	    "malformed." },
	{ "drop-session-load", C, N, "kadnet",
	    "Handshakes dropped: over the handshake rate or budget." },
	{ "datagrams-unsent", C, N, "kadnet",
	    "Datagrams the socket refused to send." },
	{ "bytes-out", C, BY, "kadnet", "Bytes put on the wire." },
	{ "upload-limit", G, BR, "kadnet",
	    "The configured upload limit (0: none)." },
	{ "upload-queued", C, N, "kadnet",
	    "Datagrams that waited for the upload limit." },
	{ "upload-queue-bytes", G, BY, "kadnet",
	    "Bytes waiting for the upload limit now." },
	{ "upload-dropped", C, N, "kadnet",
	    "Datagrams dropped by the upload limit." },
	{ "upload-dropped-bytes", C, BY, "kadnet",
	    "Bytes dropped by the upload limit." },
	{ "rpc-timeouts", C, N, "kadnet", "Requests that timed out." },
	{ "lookup-dead-skipped", C, N, "kadnet",
	    "Contacts a lookup was given that we know dead, not asked." },
	{ "put-confirms", C, N, "kadnet",
	    "Forwarded PUTs whose holders were asked to prove them." },
	{ "put-confirm-failed", C, N, "kadnet",
	    "Forwarded PUTs that too few networks proved." },
	{ "put-confirm-rounds", C, N, "kadnet",
	    "Rounds of HAVEs those confirmations took." },
	{ "have-lies", C, N, "kadnet",
	    "HAVE answers whose proof was wrong (struck)." },
	{ "stores-accepted", C, N, "kadnet",
	    "Store requests from peers committed here and answered OK." },
	{ "stores-failed", C, N, "kadnet",
	    "Store requests from peers the store did not commit (answered "
	    "BUSY)." },
	{ "busy-sent", C, N, "kadnet",
	    "BUSY answers sent: a proved peer over its rate, or tables full "
	    "(at most one a second a source)." },
	{ "busy-received", C, N, "kadnet",
	    "BUSY answers received: requests to ask again later or elsewhere."
	    },
	{ "net-queue", G, N, "kadnet",
	    "Store and fetch requests from kadstore waiting now." },
	{ "net-queue-full", C, N, "kadnet",
	    "Requests from kadstore refused: queue full." },
	{ "drop-malformed", C, N, "kadnet",
	    "Messages dropped: malformed." },
	{ "drop-martian", C, N, "kadnet",
	    "Messages dropped: from an address that cannot be a peer." },
	{ "drop-ratelimit", C, N, "kadnet",
	    "Messages dropped: over a rate limit." },
	{ "drop-banned", C, N, "kadnet",
	    "Messages dropped: from a banned address." },
	{ "drop-unsolicited", C, N, "kadnet",
	    "Replies dropped: to no request of ours." },
	{ "drop-unproved", C, N, "kadnet",
	    "Messages dropped: the sender did not prove its address." },
	{ "drop-bad-value", C, N, "kadnet",
	    "Values dropped: they do not match their key." },
	{ "drop-busy", C, N, "kadnet",
	    "Requests put off: busy, tried again later." },
	{ "drop-scope", C, N, "kadnet",
	    "Datagrams dropped: from a private, link-local, CGNAT or ULA "
	    "address while bound to a global or wildcard one." },
	{ "drop-puzzle", C, N, "kadnet",
	    "Keys refused: they fail the key puzzle (a handshake, a bootstrap "
	    "answer, a contact in a lookup answer, a saved contact)." },
	{ "dh-sent", C, N, "kadnet",
	    "Node-key Diffie-Hellman requests sent to kadcrypt." },
	{ "dh-answered", C, N, "kadnet",
	    "Node-key Diffie-Hellman requests kadcrypt answered." },
	{ "dh-unclaimed", C, N, "kadnet",
	    "Diffie-Hellman answers that matched no request." },

	{ "stored-chunks", G, N, "kadstore", "Chunks in the store." },
	{ "stored-bytes", G, BY, "kadstore", "Payload bytes in the store." },
	{ "pinned-chunks", G, N, "kadstore", "Chunks pinned in the store." },
	{ "pinned-bytes", G, BY, "kadstore",
	    "Payload bytes of the pinned chunks: this node's own files, "
	    "never evicted and accounted to no source (a warning is logged "
	    "once when they alone exceed storage-limit)." },
	{ "storage-limit", G, BY, "kadstore",
	    "The store's byte limit in force (0: none)." },
	{ "evicted-chunks", C, N, "kadstore",
	    "Chunks evicted for space." },
	{ "evicted-over-share", C, N, "kadstore",
	    "Chunks evicted since start from a source (a peer's /24, /48 or "
	    "loopback address) holding more than source-share of "
	    "storage-limit: the storing source's own first, then the "
	    "largest source's." },
	{ "store-sources", G, N, "kadstore",
	    "Sources (peer networks) holding unpinned chunks in the store." },
	{ "source-bytes", G, BY, "kadstore",
	    "Payload bytes of the unpinned chunks that peers stored here, "
	    "all sources together." },
	{ "source-max-bytes", G, BY, "kadstore",
	    "Payload bytes the largest source holds." },
	{ "source-share-bytes", G, BY, "kadstore",
	    "source-share of storage-limit: what one source may hold before "
	    "eviction takes from it first (0: no storage-limit)." },
	{ "chunk-puts", C, N, "kadstore", "Chunks written." },
	{ "chunk-gets", C, N, "kadstore", "Chunks read." },
	{ "chunk-misses", C, N, "kadstore",
	    "Chunks asked for and not in the store." },
	{ "chunks-refused", C, N, "kadstore",
	    "Chunks refused: store full of pinned chunks, or bad." },
	{ "chunks-dropped", C, N, "kadstore",
	    "Chunks dropped by kadctl rm." },
	{ "publish-pending", G, N, "kadstore",
	    "Chunks waiting to be published to the network." },
	{ "publish-failures", C, N, "kadstore",
	    "Chunks the network did not take." },
	{ "published-let-go", C, N, "kadstore",
	    "Published chunks dropped here once placed on other nodes "
	    "(keep-published no)." },
	{ "fetch-pending", G, N, "kadstore",
	    "Chunks being fetched from the network now." },
	{ "chunks-fetched", C, N, "kadstore",
	    "Chunks fetched from the network." },
	{ "fetch-failures", C, N, "kadstore",
	    "Chunks the network could not supply." },
	{ "fetch-retries", C, N, "kadstore",
	    "Chunk fetches tried again." },
	{ "chunks-from-peers", C, N, "kadstore",
	    "Chunks peers stored here." },
	{ "chunks-from-peers-bad", C, N, "kadstore",
	    "Chunks from peers refused: they do not match their key." },

	{ "crypt-dh", C, N, "kadcrypt",
	    "Node-key Diffie-Hellman requests from kadnet." },
	{ "crypt-dh-refused", C, N, "kadcrypt",
	    "Node-key Diffie-Hellman requests refused." },
	{ "crypt-dh-badpoint", C, N, "kadcrypt",
	    "Diffie-Hellman requests refused: a point of small order." },
	{ "crypt-dh-busy", C, N, "kadcrypt",
	    "Diffie-Hellman requests refused: over the budget." },
	{ "crypt-dh-self", C, N, "kadcrypt",
	    "Diffie-Hellman requests refused: the node's own key." },
	{ "transfers", G, N, "kadcrypt", "Puts and gets in progress." },
	{ "bytes-published", C, BY, "kadcrypt",
	    "Plaintext bytes published." },
	{ "publish-background", G, N, "kadcrypt",
	    "Chunks of answered puts still being placed: every stripe of "
	    "those files decodes already." },
	{ "publish-bg-permille", G, N, "kadcrypt",
	    "The same as a share of those files' chunks, in thousandths." },
	{ "chunks-published", C, N, "kadcrypt",
	    "Chunks puts made: data, parity, index and roots." },
	{ "put-chunks-unplaced", C, N, "kadcrypt",
	    "Chunks of finished puts kadnet could not push, kept here for "
	    "migration; their stripes still decode." },
	{ "bytes-fetched", C, BY, "kadcrypt",
	    "Plaintext bytes fetched and verified." },
	{ "puts-deduplicated", C, N, "kadcrypt",
	    "Puts answered with the link of a file already published." },
	{ "chunk-retries", C, N, "kadcrypt",
	    "Chunks a get asked for again after the network did not have "
	    "them." },
	{ "chunks-rebuilt", C, N, "kadcrypt",
	    "Chunks gets rebuilt from their stripe's parity." },
	{ "stripes-with-parity", C, N, "kadcrypt",
	    "Stripes a get could decode only with parity." },
	{ "repairs-queued", C, N, "kadcrypt",
	    "Chunks gets rebuilt or found missing, to publish again." },
	{ "repairs-published", C, N, "kadcrypt",
	    "Repairs kadnet pushed to the key's closest nodes." },
	{ "repairs-failed", C, N, "kadcrypt",
	    "Repairs the store or the network refused." },
	{ "repairs-skipped", C, N, "kadcrypt",
	    "Repairs let go: too many were already on their way." },
	{ "files-listed", G, N, "kadcrypt",
	    "Files in the node's sealed file list (kadctl ls)." },
	{ "list-records-bad", C, N, "kadcrypt",
	    "File list records dropped: unreadable, not opening, or repeated." },
	{ "list-write-errors", C, N, "kadcrypt",
	    "File list records the store did not write." },
};
const size_t	 stat_ndefs = sizeof(stat_defs) / sizeof(stat_defs[0]);

const struct stat_def *
stat_find(const char *name)
{
	size_t	 i;

	for (i = 0; i < stat_ndefs; i++)
		if (strcmp(stat_defs[i].name, name) == 0)
			return (&stat_defs[i]);
	return (NULL);
}

/*
 * "kad_", the name's words joined by '_' without the one naming the
 * unit, the unit's suffix, and "_total" for a counter:
 * bytes-published -> kad_published_bytes_total, lookup-median-ms ->
 * kad_lookup_median_seconds.  Characters other than [a-z0-9] become '_'.
 */
static int
metric_name(const char *name, enum stat_kind kind, enum stat_unit unit,
    char *buf, size_t len)
{
	const char	*word = NULL, *suffix = "", *p, *e;
	size_t		 n, wl;
	int		 r;

	switch (unit) {
	case STAT_BYTES:
		word = "bytes";
		suffix = "_bytes";
		break;
	case STAT_BYTES_RATE:
		word = "bytes";
		suffix = "_bytes_per_second";
		break;
	case STAT_SECONDS:
		word = "seconds";
		suffix = "_seconds";
		break;
	case STAT_MILLIS:
		word = "ms";
		suffix = "_seconds";
		break;
	default:
		break;
	}
	if (strlcpy(buf, "kad", len) >= len)
		goto full;
	for (p = name; *p != '\0'; p = *e == '\0' ? e : e + 1) {
		if ((e = strchr(p, '-')) == NULL)
			e = p + strlen(p);
		wl = e - p;
		if (word != NULL && wl == strlen(word) &&
		    strncmp(p, word, wl) == 0)
			continue;
		n = strlen(buf);
		if (n + 1 + wl >= len)
			goto full;
		buf[n++] = '_';
		for (; p < e; p++)
			buf[n++] = ((*p >= 'a' && *p <= 'z') ||
			    (*p >= '0' && *p <= '9')) ? *p : '_';
		buf[n] = '\0';
	}
	n = strlen(buf);
	r = snprintf(buf + n, len - n, "%s%s", suffix,
	    kind == STAT_COUNTER ? "_total" : "");
	if (r < 0 || (size_t)r >= len - n)
		goto full;
	return (0);
full:
	errno = ENOSPC;
	return (-1);
}

int
stat_metric_name(const struct stat_def *d, char *buf, size_t len)
{
	return (metric_name(d->name, d->kind, d->unit, buf, len));
}

int
stat_metric_name_raw(const char *name, char *buf, size_t len)
{
	return (metric_name(name, STAT_GAUGE, STAT_COUNT, buf, len));
}
