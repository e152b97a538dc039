/* SPDX-License-Identifier: ISC */
/*
 * The catalogue table behind kadipc_msg.h: for every message type its
 * payload bounds, its fd rule, and who may send it to whom.  The channel
 * code refuses anything outside it: a type, length or fd outside a row
 * in both directions, and on receipt a type whose row does not name the
 * channel's peer as its sender and us as its receiver.  The allowed-type
 * list of every channel is derived from these rows (kadipc_allowed), so
 * a process's main never writes one again.
 */
#include <stddef.h>
#include <stdint.h>

#include "kadipc.h"
#include "kadipc_msg.h"

_Static_assert(KAD_PROC_MAX * KAD_PROC_MAX <= 32, "directions fit in 32 bits");

/* the channels, sender to receiver */
#define M	KAD_PROC_MASTER
#define N	KAD_PROC_NET
#define S	KAD_PROC_STORE
#define C	KAD_PROC_CRYPT
#define T	KAD_PROC_CTL
#define D(f, t)	KADIPC_DIR(f, t)
#define TO_WORKERS	(D(M, N) | D(M, S) | D(M, C))
#define FROM_WORKERS	(D(N, M) | D(S, M) | D(C, M))
#define ANY		0xffffffffU

/* row makers: fixed payload, empty, variable length */
#define FIXED(t, s, dirs) \
	{ KADIPC_##t, #t, sizeof(s), sizeof(s), 0, 0, (dirs) }
#define EMPTY(t, dirs) \
	{ KADIPC_##t, #t, 0, 0, 0, 0, (dirs) }
#define VAR(t, lo, hi, dirs) \
	{ KADIPC_##t, #t, (lo), (hi), 0, 0, (dirs) }

static const struct kadipc_type_info catalogue[] = {
	/* any <-> master */
	FIXED(HELLO, struct kadipc_hello, ANY),
	EMPTY(SHUTDOWN, TO_WORKERS),
	FIXED(VERBOSE, struct kadipc_u32, TO_WORKERS),
	EMPTY(READY, FROM_WORKERS),
	EMPTY(STATS_REQ, TO_WORKERS),
	VAR(STATS, 0, KADIPC_MAX_STATS * sizeof(struct kadipc_stat),
	    FROM_WORKERS),
	{ KADIPC_TEST_SANDBOX, "TEST_SANDBOX", 0, 0, 0, 1, TO_WORKERS },

	/* master <-> net */
	FIXED(NET_CONFIG, struct kadipc_net_config, D(M, N)),
	{ KADIPC_NET_UDP, "NET_UDP", sizeof(struct kadipc_u32),
	    sizeof(struct kadipc_u32), 1, 0, D(M, N) },
	EMPTY(NET_CONFIG_DONE, D(M, N)),
	FIXED(NET_BOOTSTRAP, struct kadipc_net_bootstrap, D(M, N)),
	EMPTY(NET_PEERS_REQ, D(M, N)),
	VAR(NET_PEERS, 1, KADIPC_MAX_PAYLOAD, D(N, M)),
	EMPTY(NET_PEERS_END, D(N, M)),
	{ KADIPC_NET_TEST_DH, "NET_TEST_DH", sizeof(struct kadipc_test_dh),
	    sizeof(struct kadipc_test_dh), 0, 1, D(M, N) },
	FIXED(NET_BOOTSTRAP_RES, struct kadipc_net_bootstrap_res, D(N, M)),

	/* master <-> store */
	FIXED(STORE_CONFIG, struct kadipc_store_config, D(M, S)),

	/* file transfers: ctl <-> master <-> crypt */
	FIXED(CRYPT_CONFIG, struct kadipc_crypt_config, D(M, C)),
	/* the plaintext travels as the fd, never through kadmaster */
	{ KADIPC_XFER_PUT_BEGIN, "XFER_PUT_BEGIN",
	    sizeof(struct kadipc_xfer_begin),
	    sizeof(struct kadipc_xfer_begin), 1, 0, D(T, M) | D(M, C) },
	/* unused since version 7: on no channel (the framing tests use it) */
	VAR(XFER_DATA, 1, KADIPC_MAX_PAYLOAD, 0),
	FIXED(XFER_ACK, struct kadipc_u64, D(C, M) | D(M, T)),
	FIXED(XFER_LINK, struct kadipc_link, D(C, M) | D(M, T)),
	FIXED(XFER_GET_BEGIN, struct kadipc_xfer_get, D(T, M) | D(M, C)),
	FIXED(XFER_META, struct kadipc_xfer_meta, D(C, M) | D(M, T)),
	EMPTY(XFER_DONE, D(C, M) | D(M, T)),
	FIXED(XFER_UNPIN, struct kadipc_link, D(T, M) | D(M, C)),
	EMPTY(XFER_ABORT, D(M, C)),
	FIXED(XFER_ERROR, struct kadipc_text, D(C, M) | D(M, T)),
	{ KADIPC_CRYPT_IDENTITY, "CRYPT_IDENTITY",
	    sizeof(struct kadipc_crypt_identity),
	    sizeof(struct kadipc_crypt_identity), 1, 0, D(M, C) },
	FIXED(CRYPT_IDENTITY_RES, struct kadipc_crypt_identity_res, D(C, M)),
	EMPTY(XFER_LS, D(T, M) | D(M, C)),
	FIXED(XFER_ENTRY, struct kadipc_list_entry, D(C, M) | D(M, T)),
	FIXED(XFER_FIND, struct kadipc_xfer_find, D(T, M) | D(M, C)),
	FIXED(XFER_RM, struct kadipc_link, D(T, M) | D(M, C)),
	FIXED(XFER_INFO, struct kadipc_text, D(C, M) | D(M, T)),
	FIXED(XFER_PREFIX, struct kadipc_key, D(C, M) | D(M, T)),
	{ KADIPC_XFER_SINK, "XFER_SINK", 0, 0, 1, 0, D(T, M) | D(M, C) },

	/* ctl <-> master */
	EMPTY(CTL_STATUS, D(T, M)),
	VAR(CTL_TEXT, 1, KADIPC_MAX_PAYLOAD, D(M, T)),
	EMPTY(CTL_END, D(M, T)),
	FIXED(CTL_ERROR, struct kadipc_text, D(M, T)),
	/* a release kadmaster answers it with CTL_ERROR */
	FIXED(CTL_TEST_SANDBOX, struct kadipc_u32, D(T, M)),
	FIXED(CTL_BOOTSTRAP, struct kadipc_text, D(T, M)),
	EMPTY(CTL_PEERS, D(T, M)),
	{ KADIPC_CTL_TEST_DH, "CTL_TEST_DH", sizeof(struct kadipc_test_dh),
	    sizeof(struct kadipc_test_dh), 0, 1, D(T, M) },

	/* crypt <-> store */
	VAR(CHUNK_PUT, sizeof(struct kadipc_chunk),
	    sizeof(struct kadipc_chunk) + KADIPC_CHUNK_MAX, D(C, S)),
	FIXED(CHUNK_PUT_RES, struct kadipc_chunk_res, D(S, C)),
	FIXED(CHUNK_GET, struct kadipc_key, D(C, S)),
	VAR(CHUNK_GET_RES, sizeof(struct kadipc_chunk_res),
	    sizeof(struct kadipc_chunk_res) + KADIPC_CHUNK_MAX, D(S, C)),
	FIXED(CHUNK_UNPIN, struct kadipc_key, D(C, S)),
	FIXED(CHUNK_UNPIN_RES, struct kadipc_chunk_res, D(S, C)),
	FIXED(CHUNK_DROP, struct kadipc_chunk, D(C, S)),
	FIXED(CHUNK_DROP_RES, struct kadipc_chunk_res, D(S, C)),
	VAR(REC_PUT, sizeof(struct kadipc_chunk) + 1,
	    sizeof(struct kadipc_chunk) + KADIPC_CHUNK_MAX, D(C, S)),
	FIXED(REC_PUT_RES, struct kadipc_chunk_res, D(S, C)),
	FIXED(REC_GET, struct kadipc_key, D(C, S)),
	VAR(REC_GET_RES, sizeof(struct kadipc_chunk_res),
	    sizeof(struct kadipc_chunk_res) + KADIPC_CHUNK_MAX, D(S, C)),
	FIXED(REC_DEL, struct kadipc_key, D(C, S)),
	FIXED(REC_DEL_RES, struct kadipc_chunk_res, D(S, C)),

	/* net <-> store */
	FIXED(NET_STORE_GET, struct kadipc_net_req, D(N, S)),
	FIXED(NET_STORE_HAVE, struct kadipc_net_req, D(N, S)),
	VAR(NET_STORE_RES, sizeof(struct kadipc_net_res),
	    sizeof(struct kadipc_net_res) + KADIPC_CHUNK_MAX, D(S, N)),
	VAR(NET_STORE_PUT, sizeof(struct kadipc_net_chunk),
	    sizeof(struct kadipc_net_chunk) + KADIPC_CHUNK_MAX, D(N, S)),
	FIXED(NET_STORE_PUT_RES, struct kadipc_net_res, D(S, N)),
	FIXED(NET_STORE_SCAN, struct kadipc_net_scan, D(N, S)),
	VAR(NET_STORE_KEYS, sizeof(struct kadipc_net_keys),
	    sizeof(struct kadipc_net_keys) +
	    KADIPC_MAX_SCAN * (KADIPC_KEY_LEN + 1), D(S, N)),
	FIXED(NET_FETCH, struct kadipc_net_req, D(S, N)),
	VAR(NET_FETCH_RES, sizeof(struct kadipc_net_res),
	    sizeof(struct kadipc_net_res) + KADIPC_CHUNK_MAX, D(N, S)),
	VAR(NET_PUBLISH, sizeof(struct kadipc_net_chunk),
	    sizeof(struct kadipc_net_chunk) + KADIPC_CHUNK_MAX, D(S, N)),
	FIXED(NET_PUBLISHED, struct kadipc_net_res, D(N, S)),
	VAR(NET_ROUTES, 0, KADIPC_MAX_PAYLOAD, D(N, S) | D(S, N)),
	FIXED(NET_ALONE, struct kadipc_u32, D(N, S)),

	/* net <-> crypt: the static-key oracle, nothing else */
	FIXED(CRYPT_DH, struct kadipc_crypt_dh, D(N, C)),
	FIXED(CRYPT_DH_RES, struct kadipc_crypt_dh_res, D(C, N)),
};

const struct kadipc_type_info *
kadipc_type_lookup(uint32_t type)
{
	static const struct kadipc_type_info *index[KADIPC_TYPE_MAX];
	static int	 built;
	size_t		 i;

	/* built on first use, before any sandbox or thread matters */
	if (!built) {
		for (i = 0; i < nitems(catalogue); i++)
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

size_t
kadipc_allowed(enum kad_proc from, enum kad_proc to, uint32_t *out,
    size_t max)
{
	size_t	 i, n = 0;

	if (from >= KAD_PROC_MAX || to >= KAD_PROC_MAX)
		return (0);
	for (i = 0; i < nitems(catalogue); i++) {
		if (catalogue[i].type == KADIPC_HELLO ||
		    (catalogue[i].dirs & KADIPC_DIR(from, to)) == 0)
			continue;
#ifndef KAD_TEST_HOOKS
		if (catalogue[i].testonly)
			continue;
#endif
		if (n < max)
			out[n] = catalogue[i].type;
		n++;
	}
	return (n);
}
