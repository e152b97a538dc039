/* SPDX-License-Identifier: ISC */
/*
 * The node ID of a public key (node_id.h): SHA-256 of its 32 raw bytes,
 * through OpenSSL's EVP interface.  Shared by kadnet and kadcrypt; keep
 * it free of anything but the hash, so both can link it.
 */
#include <string.h>

#include <openssl/evp.h>

#include "node_id.h"

static EVP_MD	*node_md;	/* kad_node_id_init's; NULL: implicit fetch */

int
kad_node_id_init(void)
{
	if (node_md == NULL)
		node_md = EVP_MD_fetch(NULL, "SHA2-256", NULL);
	return (node_md != NULL ? 0 : -1);
}

int
kad_node_id(const uint8_t pub[KAD_NODE_PUB_LEN], uint8_t id[KAD_NODE_ID_LEN])
{
	unsigned int	 len = 0;

	if (EVP_Digest(pub, KAD_NODE_PUB_LEN, id, &len, node_md != NULL ?
	    node_md : EVP_sha256(), NULL) != 1 || len != KAD_NODE_ID_LEN) {
		memset(id, 0, KAD_NODE_ID_LEN);
		return (-1);
	}
	return (0);
}
