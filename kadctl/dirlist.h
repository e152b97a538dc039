/* SPDX-License-Identifier: ISC */
/*
 * Directory listings (kadctl put DIR, get of a directory link): the
 * plaintext of a file whose root says "directory" (KAD_NODE_DIRROOT),
 * one entry per file or subdirectory with its name, mode, size and link.
 * Pure, so that the unit test and the fuzzer hold the parser to its
 * rules; the format is docs/FORMAT.md section 10.
 */
#ifndef KADCTL_DIRLIST_H
#define KADCTL_DIRLIST_H

#include <stddef.h>
#include <stdint.h>

#include "kadipc_msg.h"

#define DL_FILE		1
#define DL_DIR		2
#define DL_MAX_ENTRIES	65536		/* in one listing */
#define DL_MAX_BYTES	(16 * 1024 * 1024)	/* one listing's size */
#define DL_MAX_DEPTH	32		/* directories inside directories */
#define DL_MAX_TOTAL	1000000		/* entries in one get */
#define DL_RESERVED	".kad-get-"	/* kadctl's partial files */

struct dl_entry {
	uint8_t		 type;		/* DL_FILE, DL_DIR */
	uint16_t	 mode;		/* permission bits, <= 0777 */
	uint64_t	 size;		/* a file's bytes; a directory's total */
	char		 name[KADIPC_NAME_MAX];
	char		 link[KADIPC_LINK_MAX];
};

/* 1 if name may be an entry's: a manifest's name, not kadctl's own. */
int	dl_name_ok(const char *, const char **errstr);
/*
 * Sorts the entries by name and encodes them; -1 with *errstr if one is
 * not valid or two share a name.  *out is malloc'd.
 */
int	dl_encode(struct dl_entry *, size_t, uint8_t **out, size_t *len,
	    const char **errstr);
/* The entries in *out (malloc'd, in name order), or -1 and *errstr. */
int	dl_parse(const uint8_t *, size_t, struct dl_entry **out, size_t *n,
	    const char **errstr);

#endif /* KADCTL_DIRLIST_H */
