#!/bin/sh
# SPDX-License-Identifier: ISC
# docs/seccomp/*.pfc are the reviewed seccomp filters: compare each with
# what libkadipc/sandbox_linux.c builds now, so that no change to an
# allowlist lands without its reviewed file.
#
#   KAD_BIN=build/test sh tests/sandbox/pfc.sh                   check
#   KAD_PFC_UPDATE=1 KAD_BIN=build/test sh tests/sandbox/pfc.sh  rewrite
#
# Only release filters are compared: a sanitizer or KAD_SANDBOX_DEBUG
# build (test_sandbox -x exits 77), another architecture or another
# libseccomp version is skipped.
top=${KAD_TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
bin=${KAD_BIN:-$top/build/test}/tests/test_sandbox
if [ "$(uname -m)" != x86_64 ]; then
	echo "# skip: the reviewed filters are for x86_64"
	exit 0
fi
if [ ! -x "$bin" ]; then
	echo "not ok - pfc: $bin not built"
	exit 1
fi
tmp=$(mktemp /tmp/kad-pfc.XXXXXX) || exit 1
trap 'rm -f "$tmp" "$tmp.diff"' EXIT
fail=0
for p in kadmaster kadnet kadstore kadcrypt; do
	ref=$top/docs/seccomp/$p.pfc
	"$bin" -x $p >"$tmp" 2>&1
	rc=$?
	if [ $rc -eq 77 ]; then
		echo "# skip: $p: not a release build, no release filter"
		continue
	fi
	if [ $rc -ne 0 ]; then
		echo "not ok - pfc $p: test_sandbox -x failed (status $rc)"
		fail=1
		continue
	fi
	if [ -n "$KAD_PFC_UPDATE" ]; then
		cp "$tmp" "$ref" && echo "ok - pfc $p: wrote $ref"
		continue
	fi
	have=$(grep '^# built with:' "$tmp")
	want=$(grep '^# built with:' "$ref" 2>/dev/null)
	if [ -f "$ref" ] && [ "$have" != "$want" ]; then
		echo "# skip: $p: reviewed ${want#\# built with: }," \
		    "this is ${have#\# built with: }"
		continue
	fi
	if diff -u "$ref" "$tmp" >"$tmp.diff" 2>&1; then
		echo "ok - pfc $p matches docs/seccomp/$p.pfc"
	else
		echo "not ok - pfc $p differs from docs/seccomp/$p.pfc" \
		    "(review, then KAD_PFC_UPDATE=1)"
		sed 's/^/# /' "$tmp.diff" | head -60
		fail=1
	fi
done
exit $fail
