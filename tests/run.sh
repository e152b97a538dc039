#!/bin/sh
# SPDX-License-Identifier: ISC
# Run the kad test suite for one or more build directories and print the
# closing line "N passed, N failed" (the skipped programs, if any, are
# counted on the line before it).  Every test program and
# script prints "ok - ..." / "not ok - ..." lines; a program that fails
# without saying so (crash, timeout, non-zero exit) counts as one more
# failure.  One that checks nothing must say why with a "# skip: reason"
# line: it is then counted as skipped; checking nothing without a reason
# is a failure.  Each program's line gives its time in seconds (what
# CI's budget goes on).  The layout check (tests/layout/layout.sh) and
# the man pages' (tests/layout/man.sh) run once, before the build
# directories.
#
#   tests/run.sh [--unit-only] BUILDDIR...
#   KAD_VALGRIND=1  run unit tests under valgrind memcheck
#   KAD_TESTS=pat   only run tests whose name matches the shell pattern
unit_only=0
if [ "$1" = "--unit-only" ]; then unit_only=1; shift; fi
top=$(cd "$(dirname "$0")/.." && pwd)
pass=0
fail=0
skipped=0
log=$(mktemp -d /tmp/kad-run.XXXXXX)

run_one() {	# name, command...
	name=$1; shift
	case "$name" in ${KAD_TESTS:-*}) ;; *) return ;; esac
	out="$log/$(echo "$name" | tr '/' '_').out"
	t0=$(date +%s)
	timeout -k 10 ${KAD_TEST_TIMEOUT:-600} "$@" >"$out" 2>&1
	rc=$?
	secs=$(($(date +%s) - t0))
	p=$(grep -c '^ok ' "$out")
	f=$(grep -c '^not ok ' "$out")
	if [ $rc -ne 0 ] && [ "$f" -eq 0 ]; then
		f=1
		echo "not ok - $name exited with status $rc" >>"$out"
	fi
	if [ $rc -eq 0 ] && [ "$p" -eq 0 ] && [ "$f" -eq 0 ]; then
		why=$(grep -m 1 '^# skip' "$out" | sed 's/^# skip:* *//')
		if [ -n "$why" ]; then
			skipped=$((skipped + 1))
			echo "skip $name ($why)"
			return
		fi
		f=1
		echo "not ok - $name checked nothing, and said no reason" \
		    >>"$out"
	fi
	pass=$((pass + p))
	fail=$((fail + f))
	if [ "$f" -ne 0 ]; then
		echo "FAIL $name ($p passed, $f failed, $secs s)"
		grep -v '^ok ' "$out" | tail -n 40 | sed 's/^/    /'
	else
		echo "pass $name ($p checks, $secs s)"
	fi
}

# as root, kadmaster refuses to start without the workers' users
sh "$top/tests/mkusers.sh" || echo "# could not create the worker users"
[ $unit_only -eq 0 ] && run_one layout sh "$top/tests/layout/layout.sh"
[ $unit_only -eq 0 ] && run_one man sh "$top/tests/layout/man.sh"

for b in "$@"; do
	b=$(cd "$b" && pwd) || exit 1
	v=$(basename "$b")
	for t in "$b"/tests/*; do
		[ -x "$t" ] || continue
		if [ -n "$KAD_VALGRIND" ]; then
			run_one "$v/unit/$(basename "$t")" valgrind -q \
			    --error-exitcode=99 --leak-check=full \
			    --errors-for-leak-kinds=definite "$t"
		else
			run_one "$v/unit/$(basename "$t")" "$t"
		fi
	done
	[ $unit_only -eq 1 ] && continue
	for s in "$top"/tests/sandbox/*.sh "$top"/tests/integ/*.sh; do
		[ -f "$s" ] || continue
		[ "$(basename "$s")" = lib.sh ] && continue	# sourced helpers
		KAD_BIN="$b" KAD_TOP="$top" run_one \
		    "$v/$(basename "$(dirname "$s")")/$(basename "$s" .sh)" \
		    sh "$s"
	done
done
rm -rf "$log"
[ $skipped -eq 0 ] || echo "$skipped skipped (see the skip lines above)"
echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
