/* SPDX-License-Identifier: ISC */
/*
 * The key puzzle and the node ID of a key in a network (node_id.h):
 * SHA-256 through OpenSSL's EVP interface.  Shared by kadnet and
 * kadcrypt; keep it free of anything but the hash and netdiv's word,
 * so both can link it.
 */
#include <string.h>

#include <openssl/evp.h>

#include "krpc.h"
#include "netdiv.h"
#include "node_id.h"

#define PUZZLE_LABELLEN	(sizeof(KAD_PUZZLE_LABEL) - 1)
#define ID_LABELLEN	(sizeof(KAD_ID_LABEL) - 1)

static EVP_MD	*node_md;	/* kad_node_id_init's; NULL: implicit fetch */

int
kad_node_id_init(void)
{
	if (node_md == NULL)
		node_md = EVP_MD_fetch(NULL, "SHA2-256", NULL);
	return (node_md != NULL ? 0 : -1);
}

/* SHA-256 of label || pub || tail (tlen bytes): 0 or -1 */
static int
hash3(const char *label, size_t llen, const uint8_t *pub, const uint8_t *tail,
    size_t tlen, uint8_t out[KAD_NODE_ID_LEN])
{
	uint8_t		 buf[16 + KAD_NODE_PUB_LEN + 8];
	unsigned int	 len = 0;

	/* one call: a single EVP_Digest is cheaper than an update chain */
	if (llen > 16 || tlen > 8)
		return (-1);
	memcpy(buf, label, llen);
	memcpy(buf + llen, pub, KAD_NODE_PUB_LEN);
	if (tlen > 0)
		memcpy(buf + llen + KAD_NODE_PUB_LEN, tail, tlen);
	if (EVP_Digest(buf, llen + KAD_NODE_PUB_LEN + tlen, out, &len,
	    node_md != NULL ? node_md : EVP_sha256(), NULL) != 1 ||
	    len != KAD_NODE_ID_LEN) {
		memset(out, 0, KAD_NODE_ID_LEN);
		return (-1);
	}
	return (0);
}

int
kad_puzzle_zeros(const uint8_t pub[KAD_NODE_PUB_LEN])
{
	uint8_t	 md[KAD_NODE_ID_LEN];
	int	 n = 0, i;
	uint8_t	 b;

	if (hash3(KAD_PUZZLE_LABEL, PUZZLE_LABELLEN, pub, NULL, 0, md) == -1)
		return (-1);
	for (i = 0; i < KAD_NODE_ID_LEN && md[i] == 0; i++)
		n += 8;
	if (i < KAD_NODE_ID_LEN)
		for (b = md[i]; (b & 0x80) == 0; b <<= 1)
			n++;
	return (n);
}

int
kad_puzzle_ok(const uint8_t pub[KAD_NODE_PUB_LEN], unsigned bits)
{
	int	 n;

	if (bits == 0)
		return (1);	/* no puzzle: not even a hash */
	n = kad_puzzle_zeros(pub);
	return (n >= 0 && (unsigned)n >= bits);
}

int
kad_node_id_net(const uint8_t pub[KAD_NODE_PUB_LEN], uint64_t net,
    uint8_t id[KAD_NODE_ID_LEN])
{
	uint8_t	 w[8];
	int	 i;

	for (i = 0; i < 8; i++)
		w[i] = (uint8_t)(net >> (56 - 8 * i));
	return (hash3(KAD_ID_LABEL, ID_LABELLEN, pub, w, sizeof(w), id));
}

int
kad_node_id(const uint8_t pub[KAD_NODE_PUB_LEN], const struct krpc_addr *addr,
    uint8_t id[KAD_NODE_ID_LEN])
{
	return (kad_node_id_net(pub, kad_netkey(addr), id));
}
