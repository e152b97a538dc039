/* SPDX-License-Identifier: ISC */
/*
 * The children of the sandbox tests (test_sandbox, test_sandbox_modes,
 * test_privdrop): every case runs in a forked child that reports what it
 * saw through a pipe as struct rec records; the parent reaps it and
 * checks each record with CHECK (kid_wait, inline here so that CHECK
 * counts in the program that calls it).  sandbox_kid.c holds the rest:
 * the child's side (rec, the /proc files opened before the sandbox,
 * check_sandboxed) and the parent's (kid_start, kid_reap, the temporary
 * directory).  Only those tests include it.
 */
#ifndef KAD_TESTS_SANDBOX_KID_H
#define KAD_TESTS_SANDBOX_KID_H

#include <sys/types.h>

#include <stdio.h>
#include <string.h>

#include "kadipc.h"
#include "sandbox.h"
#include "../test.h"

#define CHILD_ALARM	30	/* seconds: no child may hang the suite */
#define PARENT_WAIT	10000	/* ms to wait for a child's answer */
#define MAXRECS		64

/* One observation of a child, sent whole through a pipe. */
struct rec {
	char	name[40];
	int	ok;
	char	info[116];
};

struct kid {
	pid_t	pid;
	int	sock;		/* parent's end of the child's socketpair */
	int	res;		/* records, read end */
	int	err;		/* the child's stderr, read end */
};

extern char		 tmpdir[64];	/* the test's own, under /tmp */
extern enum kad_proc	 cur_proc;	/* child: which process it plays */
extern uid_t		 nobody_uid;
extern gid_t		 nobody_gid;
extern int		 status_fd, limits_fd;	/* child: /proc/self/... */
extern char		 fsize_before[32];
extern char		 kid_errbuf[16384];	/* the last child's stderr */

/* the child's side */
void	 rec(const char *, int, const char *, ...);
void	 pread_all(int, char *, size_t);
void	 limit_row(const char *, const char *, char *, char *);
void	 open_proc_files(void);
void	 check_sandboxed(enum kad_proc);

/* the parent's side */
int	 kid_init(const char *);
void	 kid_done(void);
int	 wait_readable(int);
void	 kid_start(struct kid *, void (*)(int), const char *);
int	 kid_reap(struct kid *, struct rec *, size_t *);
void	 kid_stderr(struct kid *, const char *);
int	 killed_by_sandbox(int);
int	 exited(int, int);

/*
 * Reap the child, CHECK every record it sent and that each name in
 * `want` (NULL-terminated) was among them; its stderr becomes TAP
 * comments.  Returns the wait status.
 */
static inline int
kid_wait(struct kid *k, const char *label, const char *const *want)
{
	struct rec	 recs[MAXRECS];
	size_t		 nrec, i;
	int		 status, found;

	status = kid_reap(k, recs, &nrec);
	for (i = 0; i < nrec; i++)
		CHECK(recs[i].ok, "%s: %s: %s", label, recs[i].name,
		    recs[i].info);
	for (; want != NULL && *want != NULL; want++) {
		for (i = 0, found = 0; i < nrec && !found; i++)
			found = strcmp(recs[i].name, *want) == 0;
		CHECK(found, "%s: reported %s", label, *want);
	}
	kid_stderr(k, label);
	return (status);
}

#endif /* KAD_TESTS_SANDBOX_KID_H */
