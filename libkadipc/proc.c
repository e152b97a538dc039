/* SPDX-License-Identifier: ISC */
/*
 * Process identities shared by every kad program: names for logs,
 * setproctitle and error messages.
 */
#include "kadipc.h"

const char *const kad_procnames[KAD_PROC_MAX] = {
	[KAD_PROC_MASTER] = "kadmaster",
	[KAD_PROC_NET] = "kadnet",
	[KAD_PROC_STORE] = "kadstore",
	[KAD_PROC_CRYPT] = "kadcrypt",
	[KAD_PROC_CTL] = "kadctl",
};
