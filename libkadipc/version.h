/* SPDX-License-Identifier: ISC */
/*
 * The release, printed by kadmaster -V and kadctl -V.  Its minor number
 * follows the node-to-node protocol's version (docs/PROTOCOL.md).
 */
#ifndef KAD_VERSION_H
#define KAD_VERSION_H

#define KAD_VERSION	"0.2"

#endif /* KAD_VERSION_H */
