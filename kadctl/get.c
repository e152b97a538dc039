/* SPDX-License-Identifier: ISC */
/*
 * kadctl get: the file through a partial file that a later get
 * resumes (see kadctl.c's head), or to standard output.
 *
 * Everything is done relative to directory file descriptors, never by
 * path: the destination directory is opened once (the user named it,
 * so a link to it is followed), and a directory of a listing is made
 * with mkdirat, opened with openat (O_NOFOLLOW) and checked with fstat
 * before anything goes into it; the
 * partial file, its state record, the rename and the modes go through
 * those fds.  So one who may write a parent directory cannot redirect a
 * write by swapping a directory for a link.  Names below the top are a
 * listing's checked components (dl_name_ok); paths are kept only for
 * messages and the printed result.
 */
#include <sys/types.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/statvfs.h>

#include <bsd/stdlib.h>
#include <bsd/string.h>
#include <dirent.h>
#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "kadipc.h"
#include "kadipc_msg.h"
#include "output.h"
#include "dirlist.h"
#include "kadctl.h"

#define PARTIAL_PREFIX	".kad-get-"
#define PARTIAL_STALE	(24 * 60 * 60)	/* older partial files go */

/*
 * Where a get goes: a name in a directory held open, and the paths of
 * both for messages.  With name NULL the name is the root's, and path
 * is the directory -o named (NULL: none, the current one).
 */
struct get_dest {
	int		 dfd;		/* the directory, opened once */
	const char	*dpath;		/* its path, for messages */
	const char	*name;		/* a name in it, or NULL */
	const char	*path;		/* dpath/name, for messages */
};

/* A partial file and its state record, in the directory dfd. */
struct partial {
	int	 dfd;
	char	 name[48], sname[64];	/* .kad-get-H, .kad-get-H.state */
	char	 path[PATH_MAX], spath[PATH_MAX];	/* for messages */
};

static char	 empty_part[48], empty_state[64];
static int	 empty_dfd = -1;	/* a dup of the partial file's dir */
uint32_t	 get_timeout = 60;	/* --timeout */

/* A partial file that holds nothing is no use to a later get: it goes. */
static void
remove_empty(void)
{
	struct stat	 st;

	if (empty_dfd == -1 || fstatat(empty_dfd, empty_part, &st,
	    AT_SYMLINK_NOFOLLOW) == -1 || !S_ISREG(st.st_mode) ||
	    st.st_size != 0)
		return;
	unlinkat(empty_dfd, empty_part, 0);
	unlinkat(empty_dfd, empty_state, 0);
}

/*
 * A file name from a manifest is hostile: keep the last path component,
 * replace control characters and a leading '.' or '-', bound the length
 * on a UTF-8 boundary.
 */
void
sanitize_name(const char *in, char *out, size_t outsz)
{
	const char	*p;
	size_t		 i, n = 0, max = outsz - 1;

	if ((p = strrchr(in, '/')) != NULL)
		in = p + 1;
	if (max > 200)
		max = 200;
	for (i = 0; in[i] != '\0' && n < max; i++) {
		unsigned char c = in[i];

		if (c < 0x20 || c == 0x7f || c == '\\')
			c = '_';
		if (n == 0 && (c == '.' || c == '-'))
			c = '_';
		out[n++] = c;
	}
	/* do not cut a UTF-8 sequence in half */
	if (in[i] != '\0')
		while (n > 0 && ((unsigned char)out[n - 1] & 0xc0) == 0x80)
			n--;
	if (n > 0 && ((unsigned char)out[n - 1] & 0xc0) == 0xc0 &&
	    in[i] != '\0')
		n--;
	out[n] = '\0';
	if (n == 0)
		strlcpy(out, "kad-download", outsz);
}

/* Partial files of gets older than a day, in dfd (dir), go. */
static void
remove_stale(int dfd, const char *dir)
{
	struct dirent	*d;
	struct stat	 st;
	DIR		*dp;
	int		 fd;

	if ((fd = fcntl(dfd, F_DUPFD_CLOEXEC, 0)) == -1)
		return;
	if ((dp = fdopendir(fd)) == NULL) {
		close(fd);
		return;
	}
	rewinddir(dp);
	while ((d = readdir(dp)) != NULL) {
		if (strncmp(d->d_name, PARTIAL_PREFIX,
		    sizeof(PARTIAL_PREFIX) - 1) != 0 ||
		    fstatat(dfd, d->d_name, &st, AT_SYMLINK_NOFOLLOW) == -1 ||
		    !S_ISREG(st.st_mode) || st.st_uid != geteuid() ||
		    st.st_mtime > time(NULL) - PARTIAL_STALE)
			continue;
		if (unlinkat(dfd, d->d_name, 0) == 0 && !quiet)
			fprintf(stderr, "kadctl: removed %s/%s, a partial "
			    "file older than a day\n", dir, d->d_name);
	}
	closedir(dp);
}

/*
 * The partial file of this link in dir: its name and path, its state
 * record's, and the record's text (so a partial file of another link,
 * or with no record, is never resumed).
 */
static void
partial_paths(struct partial *p, const char *dir, const char *link,
    char *rec, size_t recsz)
{
	uint8_t		 md[32];
	char		 h[33];
	unsigned int	 mdlen;
	int		 i;

	if (EVP_Digest(link, strlen(link), md, &mdlen, EVP_sha256(), NULL) !=
	    1)
		errx(1, "SHA-256 failed");
	for (i = 0; i < 16; i++)
		snprintf(h + 2 * i, 3, "%02x", md[i]);
	snprintf(p->name, sizeof(p->name), "%s%s", PARTIAL_PREFIX, h);
	snprintf(p->sname, sizeof(p->sname), "%s.state", p->name);
	if ((size_t)snprintf(p->path, sizeof(p->path), "%s/%s", dir,
	    p->name) >= sizeof(p->path) ||
	    (size_t)snprintf(p->spath, sizeof(p->spath), "%s/%s", dir,
	    p->sname) >= sizeof(p->spath))
		errx(1, "%s: path too long", dir);
	for (i = 16; i < 32; i++)
		snprintf(h + 2 * (i - 16), 3, "%02x", md[i]);
	snprintf(rec, recsz, "kadctl partial get 1\nlink-hash %s\n", h);
	explicit_bzero(md, sizeof(md));
}

/*
 * A file of ours alone: our uid, one link, nobody else may read or
 * write it.  Anything else in a partial file's place (a file another
 * user made, a hard link) is never written to, resumed or removed.
 */
static int
private_file(const struct stat *st)
{
	return (S_ISREG(st->st_mode) && st->st_uid == geteuid() &&
	    st->st_nlink == 1 && (st->st_mode & 077) == 0);
}

/* The length of a partial file we may resume, or 0 (then it is new). */
static off_t
partial_open(const struct partial *p, const char *rec, int resume, int *fdp)
{
	struct stat	 st, sst;
	char		 buf[128];
	ssize_t		 n;
	int		 fd, sfd, old = 0;

	if ((fd = openat(p->dfd, p->name, O_RDWR | O_CREAT | O_EXCL |
	    O_NOFOLLOW | O_CLOEXEC, 0600)) == -1) {
		if (errno != EEXIST || (fd = openat(p->dfd, p->name, O_RDWR |
		    O_NOFOLLOW | O_CLOEXEC)) == -1)
			err(1, "%s", p->path);
		old = 1;
	}
	if (fstat(fd, &st) == -1)
		err(1, "%s", p->path);
	if (!private_file(&st))
		errx(1, "%s: not a file of this user's alone (owner, links or "
		    "mode); not touched, get elsewhere", p->path);
	if (flock(fd, LOCK_EX | LOCK_NB) == -1)
		errx(1, "%s: another kadctl get of this link writes it",
		    p->path);
	*fdp = fd;
	if (old && resume && st.st_size > 0 && (sfd = openat(p->dfd,
	    p->sname, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) != -1) {
		n = fstat(sfd, &sst) == 0 && private_file(&sst) ?
		    read(sfd, buf, sizeof(buf) - 1) : -1;
		close(sfd);
		if (n > 0 && (buf[n] = '\0', strcmp(buf, rec) == 0))
			return (st.st_size);
	}
	/* new, or not ours to trust: start over */
	if (ftruncate(fd, 0) == -1)
		err(1, "%s", p->path);
	if (fstatat(p->dfd, p->sname, &sst, AT_SYMLINK_NOFOLLOW) == 0 &&
	    !private_file(&sst))
		errx(1, "%s: not a file of this user's alone; not touched",
		    p->spath);
	(void)unlinkat(p->dfd, p->sname, 0);
	if ((sfd = openat(p->dfd, p->sname, O_WRONLY | O_CREAT | O_EXCL |
	    O_NOFOLLOW | O_CLOEXEC, 0600)) == -1 ||
	    write(sfd, rec, strlen(rec)) != (ssize_t)strlen(rec) ||
	    close(sfd) == -1)
		err(1, "%s", p->spath);
	return (0);
}

/*
 * The partial file of a get into d, opened at its end: its length, and
 * in prefix the SHA-256 of what it holds.
 */
static off_t
get_partial(const char *link, const struct get_dest *d, int resume,
    struct partial *p, uint8_t prefix[32], int *fdp)
{
	static int	 registered;
	char		 rec[128];
	off_t		 have;

	p->dfd = d->dfd;
	partial_paths(p, d->dpath, link, rec, sizeof(rec));
	have = partial_open(p, rec, resume, fdp);
	if (empty_dfd != -1)
		close(empty_dfd);
	if ((empty_dfd = fcntl(d->dfd, F_DUPFD_CLOEXEC, 0)) == -1)
		err(1, "%s", d->dpath);
	strlcpy(empty_part, p->name, sizeof(empty_part));
	strlcpy(empty_state, p->sname, sizeof(empty_state));
	if (!registered++)
		atexit(remove_empty);
	if (have > 0 && sha256_fd(*fdp, have, prefix) == -1)
		err(1, "%s", p->path);
	if (lseek(*fdp, have, SEEK_SET) == -1)
		err(1, "%s", p->path);
	return (have);
}

/*
 * Where the file goes, checked: its name in d's directory, and its path
 * in final.  As the entry of a listing, or -o FILE, d's name; else its
 * sanitised recorded name in the current directory or in -o DIR.  With
 * -f a directory may go into one that exists (a real one, not a link to
 * one).
 */
static void
get_final(const struct kadipc_xfer_meta *meta, const struct get_dest *d,
    int force, off_t have, char final[PATH_MAX], char name[NAME_MAX + 1])
{
	struct stat	 st;
	int		 dir = meta->flags & KADIPC_XFER_F_DIR;

	if (d->name != NULL) {
		if (strlcpy(name, d->name, NAME_MAX + 1) >= NAME_MAX + 1 ||
		    strlcpy(final, d->path, PATH_MAX) >= PATH_MAX)
			errx(1, "%s: name too long", d->path);
	} else {
		sanitize_name(meta->name, name, NAME_MAX + 1);
		if (d->path == NULL)
			strlcpy(final, name, PATH_MAX);
		else if ((size_t)snprintf(final, PATH_MAX, "%s/%s", d->path,
		    name) >= PATH_MAX)
			errx(1, "%s: path too long", d->path);
	}
	if (fstatat(d->dfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 && (!force ||
	    (dir ? !S_ISDIR(st.st_mode) : S_ISDIR(st.st_mode))))
		errx(1, "%s exists (use -f to %s)", final, !force ? (dir ?
		    "get into it" : "overwrite") : "replace it by hand");
	if (have > 0 && !quiet)
		fprintf(stderr, "kadctl: resuming %s at %lld of %llu bytes\n",
		    final, (long long)have, (unsigned long long)meta->size);
}

/* Not this file's bytes: the partial file goes, never to be resumed. */
__attribute__((__noreturn__)) static void
prefix_differs(const struct partial *p)
{
	(void)unlinkat(p->dfd, p->name, 0);
	(void)unlinkat(p->dfd, p->sname, 0);
	errx(1, "%s does not hold the start of this file; removed, get it "
	    "again", p->path);
}

/*
 * What the root says against what the get may take: a directory is
 * never written to standard output nor resumed, a listing is bounded,
 * and an entry of a listing is what its listing says.
 */
static void
get_check(const struct kadipc_xfer_meta *meta, const struct dl_entry *want,
    const struct get_dest *d, off_t have)
{
	int	 dir = meta->flags & KADIPC_XFER_F_DIR;

	if (dir && d == NULL)
		errx(1, "a directory cannot be written to standard output");
	if (dir && meta->size > DL_MAX_BYTES)
		errx(1, "a hostile directory listing: %llu bytes",
		    (unsigned long long)meta->size);
	if (dir && have > 0)
		errx(1, "a partial file for a directory; removed");
	if (want == NULL)
		return;
	if (dir != (want->type == DL_DIR))
		errx(1, "%s: the listing says %s, the link is %s", d->path,
		    want->type == DL_DIR ? "a directory" : "a file",
		    dir ? "a directory" : "a file");
	if (!dir && meta->size != want->size)
		errx(1, "%s: the listing says %llu bytes, the file has %llu",
		    d->path, (unsigned long long)want->size,
		    (unsigned long long)meta->size);
}

/* A get's result: the saved path, or one JSON object with -j. */
static void
get_result(const char *path, uint64_t size, uint64_t resumed, uint64_t files)
{
	struct json	 j;

	if (!json_out) {
		printf("%s\n", path);
		return;
	}
	json_start(&j, stdout);
	json_str(&j, "path", path);
	json_u64(&j, "size", size);
	json_u64(&j, "resumed-from", resumed);
	if (files > 0)
		json_u64(&j, "files", files);
	if (json_end(&j) == -1)
		err(1, "stdout");
}

/* the links of the directories a get is inside, to refuse a loop */
static const char	*ancestors[DL_MAX_DEPTH + 1];
static uint64_t		 entries_seen, files_got;

/* The verified file into place as name: its mode, then the rename. */
static void
get_save(int fd, const struct partial *p, const char *name, const char *final,
    const struct dl_entry *want, int force)
{
	mode_t	 mask;

	if (fsync(fd) == -1)
		err(1, "%s", p->path);
	/* a saved file gets its mode less the umask, not 0600 */
	mask = umask(022);
	umask(mask);
	if (fchmod(fd, (want != NULL ? want->mode : 0666) & ~mask) == -1)
		warn("chmod %s", p->path);
	if (renameat2(p->dfd, p->name, p->dfd, name,
	    force ? 0 : RENAME_NOREPLACE) == -1)
		err(1, "%s", final);
	close(fd);
	(void)unlinkat(p->dfd, p->sname, 0);
	files_got++;
}

/* What a get waits for, on stderr (over the progress bar's line). */
static void
get_info(struct kadipc_msg *m)
{
	struct kadipc_text	 t;

	if (kadipc_recv_text(m, &t) == -1)
		errx(1, "malformed text from kadmaster");
	if (!quiet)
		fprintf(stderr, "%skadctl: %s\n", isatty(STDERR_FILENO) ?
		    "\r" : "", t.text);
}

/* Ask for the file from offset on; 1 if there is nothing to prove. */
static int
get_begin(const char *link, uint64_t offset)
{
	struct kadipc_xfer_get	 g;

	memset(&g, 0, sizeof(g));
	if (strlcpy(g.link, link, sizeof(g.link)) >= sizeof(g.link))
		errx(1, "malformed link: too long");
	g.offset = offset;
	g.timeout = get_timeout;
	kadipc_compose(ch, KADIPC_XFER_GET_BEGIN, 0, -1, &g, sizeof(g));
	explicit_bzero(&g, sizeof(g));
	return (offset == 0);
}

static int	get_link(const char *, const struct get_dest *, int, int,
		    const struct dl_entry *, int);


/*
 * The directory name in dfd (path), opened: a directory of this user's
 * alone, never a link planted in its place nor one others may write.
 * Everything that goes into it goes through this fd.
 */
static int
subdir_open(int dfd, const char *name, const char *path)
{
	struct stat	 st;
	int		 fd;

	if ((fd = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
	    O_CLOEXEC)) == -1 && errno != ELOOP && errno != ENOTDIR)
		err(1, "%s", path);
	if (fd == -1 || fstat(fd, &st) == -1 || !S_ISDIR(st.st_mode) ||
	    st.st_uid != geteuid() || (st.st_mode & 022) != 0)
		errx(1, "%s: not a directory of this user's alone; "
		    "nothing written into it", path);
	return (fd);
}

/*
 * A directory listing, fetched whole into memory (buf, freed here) and
 * checked: the directory name made in dfd (or, with -f, one that is
 * there used), opened, then each of its entries got into it through its
 * fd, then its mode set.
 */
/*
 * What a listing says its entries hold must fit the free space where
 * they go (a file's size is checked again against its root): a small
 * listing that names one big file many times is refused before it
 * writes anything, not when the disk is full.
 */
static void
room_check(int dfd, const struct dl_entry *e, size_t n, const char *final)
{
	struct statvfs	 sv;
	uint64_t	 need = 0, room;
	size_t		 i;

	for (i = 0; i < n; i++)
		need = e[i].size > UINT64_MAX - need ? UINT64_MAX :
		    need + e[i].size;
	if (fstatvfs(dfd, &sv) == -1)
		return;		/* not known: the writes will tell */
	room = (uint64_t)sv.f_bavail * sv.f_frsize;
	if (need > room)
		errx(1, "%s: the listing says %llu bytes, and %llu are free "
		    "there", final, (unsigned long long)need,
		    (unsigned long long)room);
}

static void
get_tree(const char *link, uint8_t *buf, size_t len, int dfd,
    const char *name, const char *final, int force, int resume,
    const struct dl_entry *want, int depth)
{
	struct dl_entry	*e;
	struct get_dest	 sub;
	const char	*why;
	char		 path[PATH_MAX];
	uint64_t	 total = 0;
	size_t		 n, i;
	mode_t		 mask;
	int		 k, made;

	if (dl_parse(buf, len, &e, &n, &why) == -1)
		errx(1, "%s: a hostile directory listing: %s", final, why);
	free(buf);
	for (k = 0; k < depth; k++)
		if (strcmp(ancestors[k], link) == 0)
			errx(1, "%s: a hostile directory listing: it contains "
			    "itself", final);
	if (depth >= DL_MAX_DEPTH)
		errx(1, "%s: a hostile directory listing: directories nested "
		    "more than %d deep", final, DL_MAX_DEPTH);
	if ((entries_seen += n) > DL_MAX_TOTAL)
		errx(1, "%s: a hostile directory listing: more than %d "
		    "entries in all", final, DL_MAX_TOTAL);
	room_check(dfd, e, n, final);
	ancestors[depth] = link;
	mask = umask(022);
	umask(mask);
	if (!(made = mkdirat(dfd, name, 0700) == 0) &&
	    (errno != EEXIST || !force))
		err(1, "%s", final);
	sub.dfd = subdir_open(dfd, name, final);
	sub.dpath = final;
	for (i = 0; i < n; i++) {
		if ((size_t)snprintf(path, sizeof(path), "%s/%s", final,
		    e[i].name) >= sizeof(path))
			errx(1, "%s: path too long", final);
		sub.name = e[i].name;
		sub.path = path;
		(void)get_link(e[i].link, &sub, force, resume, &e[i],
		    depth + 1);
		total += e[i].size;
	}
	/* the listing's mode, on what we made: not on what was there */
	if (made && fchmod(sub.dfd, ((want != NULL ? want->mode : 0777) |
	    0700) & ~mask) == -1)
		warn("chmod %s", final);
	close(sub.dfd);
	freezero(e, n * sizeof(*e));
	if (depth == 0)
		get_result(final, total, 0, files_got);
}

/*
 * The directory a get goes into, opened once.  The user named it: a
 * link to a directory (a download folder elsewhere) is followed, once;
 * what kadctl makes below it never is.
 */
static int
top_open(const char *path)
{
	int	 fd;

	if ((fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1)
		err(1, "%s", path);
	return (fd);
}

/*
 * get LINK: into the sanitised name (in -o DIR, or as -o FILE), through
 * a partial file that a later get resumes; or -o -: to standard output
 * as it is verified chunk by chunk, the exit status telling whether the
 * whole file was (its content key checked last).  A directory listing
 * comes into memory instead and is recreated (get_tree).  The directory
 * it goes into is opened here, once.
 */
int
cmd_get(const char *link, const char *outpath, int force, int resume)
{
	struct get_dest	 d;
	struct stat	 st;
	char		 dir[PATH_MAX], base[PATH_MAX];

	if (outpath != NULL && strcmp(outpath, "-") == 0)
		return (get_link(link, NULL, force, resume, NULL, 0));
	d.dpath = outpath != NULL ? outpath : ".";
	d.name = NULL;
	d.path = outpath;
	if (outpath != NULL && (stat(outpath, &st) == -1 ||
	    !S_ISDIR(st.st_mode))) {
		/* -o FILE: a name in its directory */
		if (strlcpy(dir, outpath, sizeof(dir)) >= sizeof(dir) ||
		    strlcpy(base, outpath, sizeof(base)) >= sizeof(base))
			errx(1, "%s: path too long", outpath);
		d.dpath = dirname(dir);
		d.name = basename(base);
	}
	d.dfd = top_open(d.dpath);
	remove_stale(d.dfd, d.dpath);
	return (get_link(link, &d, force, resume, NULL, 0));
}

/*
 * A listing's bytes, which kadcrypt wrote into a file in memory (lfd):
 * exactly the size its root says, into a buffer of that size (+1).
 */
static uint8_t *
get_listing(int lfd, uint64_t size)
{
	struct stat	 st;
	uint8_t		*buf;
	uint64_t	 got = 0;
	ssize_t		 n;

	if (fstat(lfd, &st) == -1 || (uint64_t)st.st_size != size)
		errx(1, "the listing is not the size its root says");
	if ((buf = malloc(size + 1)) == NULL)
		err(1, NULL);
	while (got < size) {
		if ((n = pread(lfd, buf + got, size - got, got)) == -1 &&
		    errno == EINTR)
			continue;
		if (n <= 0)
			err(1, "the listing");
		got += n;
	}
	close(lfd);
	return (buf);
}

/*
 * Where kadcrypt is to write, once the root (and the partial file's
 * start) is accepted: the partial file, standard output, or a listing's
 * file in memory.
 */
static void
get_sink(int fd)
{
	if (kadipc_compose(ch, KADIPC_XFER_SINK, 0, xfer_fd(fd, 1), NULL,
	    0) == -1)
		err(1, "XFER_SINK");
}

/*
 * One file or directory into d (NULL: standard output); want: what its
 * parent's listing says it is.  kadcrypt writes the plaintext into the
 * fd kadctl passes (XFER_SINK) only once the root is checked here and a
 * partial file's start matches (XFER_META, XFER_PREFIX); kadctl hears
 * how much it wrote (XFER_ACK).
 */
static int
get_link(const char *link, const struct get_dest *d, int force, int resume,
    const struct dl_entry *want, int depth)
{
	struct kadipc_xfer_meta	 meta;
	struct kadipc_msg	 m;
	struct partial		 p;
	char			 final[PATH_MAX], name[NAME_MAX + 1];
	uint8_t			 prefix[32], theirs[32];
	uint64_t		 got = 0, n;
	off_t			 have = 0;
	int			 fd = -1, tostdout, meta_seen = 0, dir = 0;
	int			 proved;	/* the partial file's start */
	int			 sunk = 0;	/* the sink went */

	fd = (tostdout = d == NULL) ? STDOUT_FILENO : -1;
	if (!tostdout)
		have = get_partial(link, d, resume, &p, prefix, &fd);
	proved = get_begin(link, (uint64_t)have);
	for (;;) {
		next_msg(&m, 0);
		switch (m.hdr.type) {
		case KADIPC_XFER_META:
			if (meta_seen++ ||
			    kadipc_recv_xfer_meta(&m, &meta) == -1)
				errx(1, "malformed metadata from kadmaster");
			if ((dir = meta.flags & KADIPC_XFER_F_DIR) &&
			    !tostdout) {
				/* a listing is read whole; no partial file */
				close(fd);
				(void)unlinkat(p.dfd, p.name, 0);
				(void)unlinkat(p.dfd, p.sname, 0);
				if ((fd = memfd_create("kad-listing",
				    MFD_CLOEXEC)) == -1)
					err(1, "memfd_create");
			}
			get_check(&meta, want, d, have);
			progress_start(meta.size, (uint64_t)have);
			got = (uint64_t)have;
			if (!tostdout)
				get_final(&meta, d, force, have, final, name);
			if (proved && !sunk++)
				get_sink(fd);
			break;
		case KADIPC_XFER_PREFIX:
			if (tostdout || !meta_seen || have == 0 || proved ||
			    kadipc_recv_hash(&m, theirs) == -1)
				errx(1, "unexpected prefix from kadmaster");
			if (memcmp(prefix, theirs, sizeof(prefix)) != 0)
				prefix_differs(&p);
			proved = 1;
			sunk = 1;
			get_sink(fd);
			break;
		case KADIPC_XFER_ACK:
			if (!sunk || kadipc_recv_xfer_ack(&m, &n) == -1)
				errx(1, "progress before the file was given");
			if (n > meta.size - got)
				errx(1, "more data than the file has");
			got += n;
			progress(got, 0);
			break;
		case KADIPC_XFER_DONE:
			if (!sunk || got != meta.size)
				errx(1, "kadmaster ended the get early");
			relay_finish();
			if (dir) {
				get_tree(link, get_listing(fd, got), got,
				    d->dfd, name, final, force, resume, want,
				    depth);
				return (0);
			}
			progress(got, 1);
			if (tostdout)
				return (0);
			get_save(fd, &p, name, final, want, force);
			if (depth == 0)
				get_result(final, got, (uint64_t)have, 0);
			return (0);
		case KADIPC_XFER_INFO:
			get_info(&m);
			break;
		case KADIPC_XFER_ERROR:
		case KADIPC_CTL_ERROR:
			/* what is written stays for the next get to resume */
			if (!quiet && isatty(STDERR_FILENO))
				fputc('\n', stderr);
			fail_text(&m);
		default:
			errx(1, "unexpected %s", kadipc_type_name(m.hdr.type));
		}
	}
}
