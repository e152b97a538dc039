/* SPDX-License-Identifier: ISC */
/*
 * Minimal test harness shared by every unit test program.  Each check
 * prints "ok - ..." or "not ok - ..." (TAP style); tests/run.sh counts
 * them and prints the closing "N passed, N failed" line.  A program must
 * end with `return (test_done());`.
 */
#ifndef KAD_TEST_H
#define KAD_TEST_H

#include <stdio.h>

static int test_npass, test_nfail;

#define CHECK(cond, ...) do {						\
	if (cond) {							\
		test_npass++;						\
		printf("ok - ");					\
	} else {							\
		test_nfail++;						\
		printf("not ok - %s:%d: (%s) ", __FILE__, __LINE__,	\
		    #cond);						\
	}								\
	printf(__VA_ARGS__);						\
	printf("\n");							\
	fflush(stdout);							\
} while (0)

static inline int
test_done(void)
{
	printf("# %d passed, %d failed\n", test_npass, test_nfail);
	return (test_nfail == 0 ? 0 : 1);
}

#endif /* KAD_TEST_H */
