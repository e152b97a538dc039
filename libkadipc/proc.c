/* SPDX-License-Identifier: ISC */
/*
 * Process identities shared by every kad program: names for logs,
 * setproctitle and error messages, and the process title itself.
 */
#include <bsd/unistd.h>
#include <string.h>
#include <unistd.h>

#include "kadipc.h"

const char *const kad_procnames[KAD_PROC_MAX] = {
	[KAD_PROC_MASTER] = "kadmaster",
	[KAD_PROC_NET] = "kadnet",
	[KAD_PROC_STORE] = "kadstore",
	[KAD_PROC_CRYPT] = "kadcrypt",
	[KAD_PROC_CTL] = "kadctl",
};

static char	*title_first;	/* argv[0]: where the title goes */
static char	*title_last;	/* the NUL that ends the last argument */

/* Before anything reads environ or argv: libbsd moves the environment. */
void
kad_setproctitle_init(int argc, char *argv[])
{
	extern char	**environ;

	if (argc > 0) {
		title_first = argv[0];
		title_last = argv[argc - 1] + strlen(argv[argc - 1]);
	}
	setproctitle_init(argc, argv, environ);
}

/*
 * "<progname>: title", and nothing after it.  Linux shows the whole
 * argument area, NULs as spaces, as long as its last byte is a NUL; when
 * that byte is not, it shows the area up to the first NUL.  libbsd marks
 * another byte, so ps showed the title, spaces and a '.'.
 */
void
kad_setproctitle(const char *title)
{
	size_t	 len, tlen = strlen(title);

	setproctitle("%s", title);
	if (title_first == NULL || *title_last != '\0')
		return;		/* the title covers the last byte already */
	len = strlen(title_first);
	/* only over our own title, in case libbsd could not set it */
	if (len < tlen || strcmp(title_first + len - tlen, title) != 0)
		return;
	if (len < (size_t)(title_last - title_first))
		*title_last = '.';
}
