/* SPDX-License-Identifier: ISC */
/*
 * The default storage-limit.  With none in kad.conf, the first start
 * takes KAD_LIMIT_PERCENT of the free space of the filesystem holding
 * the datadir, within KAD_LIMIT_MIN..KAD_LIMIT_MAX, and saves it in
 * DATADIR/storage-limit; later starts use the saved value, so the
 * limit does not move with the disk's other users.  An unlimited store
 * takes `storage-limit 0` in kad.conf; so does a saved 0.  A disk with
 * less free space than the floor still gets the floor, with a warning:
 * kadstore refuses chunks with ENOSPC when the disk is full, so a start
 * that would fail on a nearly full disk buys nothing.
 */
#include <sys/types.h>
#include <sys/statvfs.h>

#include <bsd/string.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "kadmaster.h"
#include "log.h"

/* "7.8G": the size in the largest unit that keeps it >= 1 */
static void
human(uint64_t v, char *buf, size_t bufsz)
{
	const char	*u = "KMGT";
	double		 d = v;
	int		 i = -1;

	while (d >= 1024 && i < 3) {
		d /= 1024;
		i++;
	}
	if (i < 0)
		snprintf(buf, bufsz, "%" PRIu64, v);
	else
		snprintf(buf, bufsz, "%.1f%c", d, u[i]);
}

/*
 * The free space under dir, or under its nearest existing parent (kadmaster
 * -n does not create the datadir).  The space an unprivileged user may
 * take (f_bavail): the workers never run as root.
 */
static int
free_space(const char *dir, uint64_t *avail, char *where, size_t wheresz)
{
	struct statvfs	 sv;
	char		*p;

	if (strlcpy(where, dir, wheresz) >= wheresz) {
		errno = ENAMETOOLONG;
		return (-1);
	}
	while (statvfs(where, &sv) == -1) {
		if (errno != ENOENT || (p = strrchr(where, '/')) == NULL)
			return (-1);
		if (p == where)
			p[1] = '\0';
		else
			*p = '\0';
	}
	*avail = (uint64_t)sv.f_bavail * sv.f_frsize;
	return (0);
}

/* The saved limit: 1 read, 0 no file, -1 damaged (logged). */
static int
limit_saved(const char *path, uint64_t *limit)
{
	char	 buf[64];

	if (master_read_small(path, buf, sizeof(buf)) == -1) {
		if (errno == ENOENT)
			return (0);
		log_warn("%s", path);
		return (-1);
	}
	if (parse_size(buf, limit) == -1) {
		log_warnx("%s: \"%s\" is not a size; fix it, or remove it to "
		    "compute the default again", path, buf);
		return (-1);
	}
	return (1);
}

/*
 * Without a storage-limit in the configuration: the saved one, or a new
 * one, saved when save is set (not for -n).  c->storage_limit_how says
 * which, for -n -v and the log.  0, or -1 after a log line.
 */
int
limit_default(struct master_conf *c, int save)
{
	char		 path[PATH_MAX], where[PATH_MAX], buf[32], fr[16];
	uint64_t	 avail, v;
	int		 r;

	if (c->storage_limit_set)
		return (0);
	path_join(path, sizeof(path), c->datadir, KAD_LIMIT_FILE);
	if ((r = limit_saved(path, &c->storage_limit)) == -1)
		return (-1);
	if (r == 1) {
		snprintf(c->storage_limit_how, sizeof(c->storage_limit_how),
		    "saved in %s", path);
		return (0);
	}
	if (free_space(c->datadir, &avail, where, sizeof(where)) == -1) {
		log_warn("statvfs %s", c->datadir);
		return (-1);
	}
	/* whole MiB: the figure does not move with every byte written */
	v = avail / 100 * KAD_LIMIT_PERCENT & ~((1ULL << 20) - 1);
	if (v > KAD_LIMIT_MAX)
		v = KAD_LIMIT_MAX;
	human(avail, fr, sizeof(fr));
	if (v < KAD_LIMIT_MIN) {
		log_warnx("%s: only %s free; storage-limit %llu, the least "
		    "default (set storage-limit in kad.conf)", where, fr,
		    (unsigned long long)KAD_LIMIT_MIN);
		v = KAD_LIMIT_MIN;
	}
	c->storage_limit = v;
	snprintf(c->storage_limit_how, sizeof(c->storage_limit_how),
	    "computed now, %d%% of %s free under %s, at most %lluG; %s %s",
	    KAD_LIMIT_PERCENT, fr, where,
	    (unsigned long long)(KAD_LIMIT_MAX >> 30),
	    save ? "saved in" : "to be saved at first start in", path);
	if (!save)
		return (0);
	snprintf(buf, sizeof(buf), "%" PRIu64 "\n", v);
	if (master_write_small(path, buf) == -1) {
		log_warn("%s", path);
		return (-1);
	}
	return (0);
}
