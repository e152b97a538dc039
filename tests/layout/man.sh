#!/bin/sh
# SPDX-License-Identifier: ISC
# The man pages under groff's every warning: `groff -ww -mandoc` must
# print nothing on stderr for any of docs/man/*.?, run by `make check`
# (tests/run.sh) once, as the layout check is.  Also the one rendering
# bug groff does not warn about that kadctl.8 had: a quote macro that
# swallowed the rest of its line.
#
#   sh tests/layout/man.sh          from anywhere in the tree
top=${KAD_TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
cd "$top" || exit 1

if ! command -v groff >/dev/null 2>&1; then
	echo "# skip: no groff (Debian: groff-base)"
	exit 0
fi
fail=0
for f in docs/man/*.[1-9]; do
	[ -f "$f" ] || continue
	w=$(groff -ww -mandoc -Tutf8 -z "$f" 2>&1)
	if [ -z "$w" ]; then
		echo "ok - man: $f renders without a groff -ww warning"
	else
		echo "not ok - man: $f: groff -ww warns:"
		printf '%s\n' "$w" | head -n 20 | sed 's/^/#   /'
		fail=1
	fi
done
if groff -mandoc -Tutf8 docs/man/kadctl.8 2>/dev/null |
    grep -q "prefixed with ‘~’ while not yet measured"; then
	echo "ok - man: kadctl.8's peers quotes only the ~"
else
	echo "not ok - man: kadctl.8's peers quotes only the ~"
	fail=1
fi
exit $fail
