/*
 * The catalogue table behind kadipc_msg.h: payload bounds and fd rule of
 * every message type.  The channel code refuses anything outside it, in
 * both directions.
 */
#include <stddef.h>
#include <stdint.h>

#include "kadipc.h"
#include "kadipc_msg.h"

#define FIXED(t, s)	{ KADIPC_##t, #t, sizeof(s), sizeof(s), 0 }
#define EMPTY(t)	{ KADIPC_##t, #t, 0, 0, 0 }
#define VAR(t, lo, hi)	{ KADIPC_##t, #t, (lo), (hi), 0 }

static const struct kadipc_type_info catalogue[] = {
	FIXED(HELLO, struct kadipc_hello),
	EMPTY(SHUTDOWN),
	FIXED(VERBOSE, struct kadipc_u32),
	EMPTY(READY),
	EMPTY(STATS_REQ),
	VAR(STATS, 0, KADIPC_MAX_STATS * sizeof(struct kadipc_stat)),
	EMPTY(TEST_SANDBOX),

	FIXED(NET_CONFIG, struct kadipc_net_config),
	{ KADIPC_NET_UDP, "NET_UDP", sizeof(struct kadipc_u32),
	    sizeof(struct kadipc_u32), 1 },
	EMPTY(NET_CONFIG_DONE),
	FIXED(NET_BOOTSTRAP, struct kadipc_sockaddr),
	EMPTY(NET_PEERS_REQ),
	VAR(NET_PEERS, 1, KADIPC_MAX_PAYLOAD),
	EMPTY(NET_PEERS_END),

	FIXED(STORE_CONFIG, struct kadipc_store_config),

	FIXED(CRYPT_CONFIG, struct kadipc_crypt_config),
	FIXED(XFER_PUT_BEGIN, struct kadipc_xfer_begin),
	VAR(XFER_DATA, 1, KADIPC_MAX_PAYLOAD),
	EMPTY(XFER_PUT_END),
	FIXED(XFER_ACK, struct kadipc_u64),
	FIXED(XFER_LINK, struct kadipc_link),
	FIXED(XFER_GET_BEGIN, struct kadipc_link),
	FIXED(XFER_META, struct kadipc_xfer_meta),
	EMPTY(XFER_DONE),
	FIXED(XFER_UNPIN, struct kadipc_link),
	EMPTY(XFER_ABORT),
	FIXED(XFER_ERROR, struct kadipc_text),

	EMPTY(CTL_STATUS),
	VAR(CTL_TEXT, 1, KADIPC_MAX_PAYLOAD),
	EMPTY(CTL_END),
	FIXED(CTL_ERROR, struct kadipc_text),
	FIXED(CTL_TEST_SANDBOX, struct kadipc_u32),
	FIXED(CTL_BOOTSTRAP, struct kadipc_text),
	EMPTY(CTL_PEERS),

	VAR(CHUNK_PUT, sizeof(struct kadipc_chunk),
	    sizeof(struct kadipc_chunk) + KADIPC_CHUNK_MAX),
	FIXED(CHUNK_PUT_RES, struct kadipc_chunk_res),
	FIXED(CHUNK_GET, struct kadipc_key),
	VAR(CHUNK_GET_RES, sizeof(struct kadipc_chunk_res),
	    sizeof(struct kadipc_chunk_res) + KADIPC_CHUNK_MAX),
	FIXED(CHUNK_UNPIN, struct kadipc_key),
	FIXED(CHUNK_UNPIN_RES, struct kadipc_chunk_res),

	FIXED(NET_STORE_GET, struct kadipc_net_req),
	FIXED(NET_STORE_HAVE, struct kadipc_net_req),
	VAR(NET_STORE_RES, sizeof(struct kadipc_net_res),
	    sizeof(struct kadipc_net_res) + KADIPC_CHUNK_MAX),
	VAR(NET_STORE_PUT, sizeof(struct kadipc_chunk),
	    sizeof(struct kadipc_chunk) + KADIPC_CHUNK_MAX),
	FIXED(NET_STORE_SCAN, struct kadipc_net_scan),
	VAR(NET_STORE_KEYS, sizeof(struct kadipc_net_keys),
	    sizeof(struct kadipc_net_keys) + KADIPC_MAX_SCAN * KADIPC_KEY_LEN),
	FIXED(NET_FETCH, struct kadipc_net_req),
	VAR(NET_FETCH_RES, sizeof(struct kadipc_net_res),
	    sizeof(struct kadipc_net_res) + KADIPC_CHUNK_MAX),
	VAR(NET_PUBLISH, sizeof(struct kadipc_chunk),
	    sizeof(struct kadipc_chunk) + KADIPC_CHUNK_MAX),
	FIXED(NET_PUBLISHED, struct kadipc_u32),
	VAR(NET_ROUTES, 0, KADIPC_MAX_PAYLOAD),
	FIXED(NET_ALONE, struct kadipc_u32),
};

const struct kadipc_type_info *
kadipc_type_lookup(uint32_t type)
{
	static const struct kadipc_type_info *index[KADIPC_TYPE_MAX];
	static int	 built;
	size_t		 i;

	/* built on first use, before any sandbox or thread matters */
	if (!built) {
		for (i = 0; i < sizeof(catalogue) / sizeof(catalogue[0]); i++)
			index[catalogue[i].type] = &catalogue[i];
		built = 1;
	}
	if (type >= KADIPC_TYPE_MAX)
		return (NULL);
	return (index[type]);
}

const char *
kadipc_type_name(uint32_t type)
{
	const struct kadipc_type_info	*ti;

	if ((ti = kadipc_type_lookup(type)) == NULL)
		return ("unknown");
	return (ti->name);
}
