#!/bin/sh
# SPDX-License-Identifier: ISC
# tests/mkusers.sh: create the workers' users (_kadnet, _kadstore,
# _kadcrypt, docs/sysusers.conf) where they are missing, as `make
# install` does: kadmaster started as root refuses to run without them
# rather than share a user such as nobody.  The one place the tests,
# `make run`, `make demo` and the benchmarks get them from.  Not root:
# nothing to do, no worker changes uid then.  Serialised with flock, as
# the integration scripts may call it at the same time.
[ "$(id -u)" = 0 ] || exit 0
top=$(cd "$(dirname "$0")/.." && pwd)
users="_kadnet _kadstore _kadcrypt"

missing() {
	for _u in $users; do
		id "$_u" >/dev/null 2>&1 || return 0
	done
	return 1
}

missing || exit 0
if [ -z "$KAD_MKUSERS_LOCKED" ] && command -v flock >/dev/null 2>&1; then
	lock=/run/lock
	[ -d "$lock" ] || lock=/tmp
	KAD_MKUSERS_LOCKED=1 exec flock -w 60 "$lock/kad-mkusers.lock" \
	    sh "$0" "$@"
fi
missing || exit 0
if command -v systemd-sysusers >/dev/null 2>&1; then
	systemd-sysusers "$top/docs/sysusers.conf" || exit 1
else
	for u in $users; do
		id "$u" >/dev/null 2>&1 || useradd --system --no-create-home \
		    --home-dir /nonexistent --shell /usr/sbin/nologin "$u" ||
		    exit 1
	done
fi
if missing; then
	echo "kad: could not create the users $users" >&2
	exit 1
fi
echo "kad: created the worker users $users (docs/sysusers.conf)" >&2
