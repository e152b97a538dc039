# SPDX-License-Identifier: ISC
# Golden configuration tests: kadmaster -nv -f X.in against X.ok.
#
# For every tests/golden/X.in: `kadmaster -nv -f X.in` must exit 0 and
# print exactly X.ok, and that output, read back, must print itself
# again (the round trip).  Every tests/golden/bad/Y.conf must make
# kadmaster exit non-zero, print no configuration, and name Y.conf:N for
# each line N marked "# BAD", and for no other line.  A few checks of
# the -n and -o options follow.
#
#   KAD_BIN=build/test sh tests/integ/golden.sh            run (TAP lines)
#   KAD_BIN=build/release sh tests/integ/golden.sh --update  rewrite X.ok
#
# The libexec default is a build setting: it is written "@LIBEXECDIR@"
# in the .ok files.  Every .in file sets datadir, whose default depends
# on the user.  Standalone: does not need lib.sh.

: "${KAD_BIN:?KAD_BIN must name a build directory}"
KAD_TOP=${KAD_TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=0:abort_on_error=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1}

KADMASTER=$KAD_BIN/kadmaster
G=$KAD_TOP/tests/golden
update=0
[ "$1" = "--update" ] && update=1
failed=0

ok() { echo "ok - $*"; }
notok() { echo "not ok - $*"; failed=1; }

if [ ! -x "$KADMASTER" ]; then
	notok "golden: $KADMASTER is not built"
	exit 1
fi

T=$(mktemp -d /tmp/kad-golden.XXXXXX) || exit 1
trap 'rm -rf "$T"' EXIT INT TERM

# The built-in libexec directory, from an empty configuration.
deflib=$("$KADMASTER" -nv -f /dev/null -o datadir=/golden 2>/dev/null |
    sed -n 's/^libexec //p')
if [ -z "$deflib" ]; then
	notok "golden: kadmaster -nv prints no libexec line"
	exit 1
fi

# normalize FILE: the build's libexec default becomes @LIBEXECDIR@, and
# a default storage-limit computed from the free space (which other
# tests change as this runs) @COMPUTED@ of @FREE@
normalize() {
	awk -v d="$deflib" '$0 == "libexec " d { $0 = "libexec @LIBEXECDIR@" }
	    { print }' "$1" | sed 's/^# storage-limit [0-9]* (default: computed now, \([0-9]*%\) of [0-9.]*[KMGT]* free/# storage-limit @COMPUTED@ (default: computed now, \1 of @FREE@ free/'
}

# show FILE...: a diff or file in the TAP output, as comments
show() { sed 's/^/#   /' "$@" | head -n 40; }

# ---- good configurations: golden output and round trip ----
for in in "$G"/*.in; do
	[ -f "$in" ] || continue
	name=$(basename "$in" .in)
	want=$G/$name.ok
	( cd "$G" && "$KADMASTER" -nv -f "$name.in" ) >"$T/$name.out" \
	    2>"$T/$name.err"
	rc=$?
	if [ $rc -ne 0 ]; then
		notok "$name.in: kadmaster -nv exits $rc"
		show "$T/$name.err"
		continue
	fi
	normalize "$T/$name.out" >"$T/$name.norm"
	if [ $update -eq 1 ]; then
		cp "$T/$name.norm" "$want" && echo "# wrote $want"
		continue
	fi
	if ! grep -qx 'configuration OK' "$T/$name.err"; then
		notok "$name.in: \"configuration OK\" on stderr"
		show "$T/$name.err"
	else
		ok "$name.in: \"configuration OK\" on stderr"
	fi
	if [ ! -f "$want" ]; then
		notok "$name.in: no $name.ok (make golden-update)"
	elif diff -u "$want" "$T/$name.norm" >"$T/$name.diff"; then
		ok "$name.in: output matches $name.ok"
	else
		notok "$name.in: output matches $name.ok"
		show "$T/$name.diff"
	fi
	# the printed configuration, read back, prints itself
	"$KADMASTER" -nv -f "$T/$name.out" >"$T/$name.out2" 2>"$T/$name.err2"
	rc=$?
	if [ $rc -ne 0 ]; then
		notok "$name.in: round trip (exit $rc)"
		show "$T/$name.err2"
	elif normalize "$T/$name.out2" >"$T/$name.norm2" &&
	    diff -u "$T/$name.norm" "$T/$name.norm2" >"$T/$name.diff2"; then
		ok "$name.in: round trip"
	else
		notok "$name.in: round trip"
		show "$T/$name.diff2"
	fi
done
if [ $update -eq 1 ]; then
	exit $failed
fi

# ---- bad configurations: every marked line named, nothing else ----
for conf in "$G"/bad/*.conf; do
	[ -f "$conf" ] || continue
	name=$(basename "$conf")
	( cd "$G/bad" && "$KADMASTER" -nv -f "$name" ) >"$T/bad.out" \
	    2>"$T/bad.err"
	rc=$?
	if [ $rc -ne 0 ]; then
		ok "bad/$name: exits non-zero"
	else
		notok "bad/$name: exits non-zero"
	fi
	if [ -s "$T/bad.out" ]; then
		notok "bad/$name: prints no configuration"
		show "$T/bad.out"
	else
		ok "bad/$name: prints no configuration"
	fi
	want=$(grep -n '#[[:space:]]*BAD' "$conf" | cut -d: -f1 | sort -n |
	    tr '\n' ' ')
	want=${want% }
	got=$(grep -o "^kadmaster: $name:[0-9]*:" "$T/bad.err" |
	    cut -d: -f3 | sort -nu | tr '\n' ' ')
	got=${got% }
	if [ -z "$want" ]; then
		notok "bad/$name: has no line marked # BAD"
	elif [ "$want" = "$got" ]; then
		ok "bad/$name: errors name $name:LINE for lines $want"
	else
		notok "bad/$name: errors name $name:LINE for lines $want"
		echo "#   got errors for lines: ${got:-none}"
		show "$T/bad.err"
	fi
done

# ---- the options ----
# -n alone: nothing on stdout
"$KADMASTER" -n -f "$G/full.in" >"$T/n.out" 2>"$T/n.err"
rc=$?
if [ $rc -eq 0 ] && [ ! -s "$T/n.out" ] &&
    grep -qx 'configuration OK' "$T/n.err"; then
	ok "-n without -v: exit 0, nothing on stdout"
else
	notok "-n without -v: exit 0, nothing on stdout (exit $rc)"
	show "$T/n.out" "$T/n.err"
fi

# -f of a missing file is an error (the default file may be missing)
if "$KADMASTER" -n -f "$T/no-such.conf" >/dev/null 2>"$T/f.err"; then
	notok "-f of a missing file fails"
else
	ok "-f of a missing file fails"
fi

# -o wins over the file; for listen it replaces the whole list
"$KADMASTER" -nv -o listen=127.0.0.1:4000 -o replicas=2 \
    -f "$G/full.in" >"$T/o.out" 2>"$T/o.err"
rc=$?
if [ $rc -eq 0 ] && [ "$(grep '^listen ' "$T/o.out")" = \
    "listen 127.0.0.1:4000" ]; then
	ok "-o listen replaces the file's listen lines"
else
	notok "-o listen replaces the file's listen lines (exit $rc)"
	show "$T/o.out" "$T/o.err"
fi
if [ $rc -eq 0 ] && grep -qx 'replicas 2' "$T/o.out"; then
	ok "-o replicas wins over the file"
else
	notok "-o replicas wins over the file"
fi
if [ $rc -eq 0 ] && grep -qx 'bootstrap 198.51.100.7:4242' "$T/o.out"; then
	ok "-o listen leaves the file's bootstrap lines alone"
else
	notok "-o listen leaves the file's bootstrap lines alone"
fi

# repeated -o builds a list
"$KADMASTER" -nv -o listen=127.0.0.1:4000 -o 'listen=[::1]:4000' \
    -f "$G/minimal.in" >"$T/o2.out" 2>/dev/null
if [ "$(grep -c '^listen ' "$T/o2.out")" -eq 2 ]; then
	ok "-o listen twice gives two listen lines"
else
	notok "-o listen twice gives two listen lines"
	show "$T/o2.out"
fi

# bad -o options
for o in bogus=1 replicas replicas=0 datadir=relative listen=nowhere:1; do
	if "$KADMASTER" -n -o "$o" -f "$G/minimal.in" >/dev/null \
	    2>"$T/o.err"; then
		notok "-o $o fails"
	elif grep -q '^kadmaster: -o' "$T/o.err"; then
		ok "-o $o fails, naming -o"
	else
		notok "-o $o fails, naming -o"
		show "$T/o.err"
	fi
done

exit $failed
