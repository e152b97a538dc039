/* SPDX-License-Identifier: ISC */
/*
 * How kadctl shows the text kadmaster answers `status` and `peers` with
 * (show.c): as it came (-p), in human units (the default), as one JSON
 * object (-j), or, for `metrics`, in the Prometheus text format.  Pure:
 * the text comes in, the output goes to the caller's FILE.
 */
#ifndef KADCTL_SHOW_H
#define KADCTL_SHOW_H

#include <stddef.h>
#include <stdio.h>

enum show_mode {
	SHOW_HUMAN,
	SHOW_EXACT,
	SHOW_JSON,
};

/*
 * Each returns 0, or -1 with errno: EBADMSG if the text is not in the
 * form kadmaster sends, ENOMEM, or EIO if fp could not be written.
 */
int	 show_status(FILE *, const char *, size_t, enum show_mode);
int	 show_peers(FILE *, const char *, size_t, enum show_mode);
/* status text in; version for kad_info */
int	 show_metrics(FILE *, const char *, size_t, const char *);

#endif /* KADCTL_SHOW_H */
