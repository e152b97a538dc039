# SPDX-License-Identifier: ISC
# Each worker runs as a user of its own (kadmaster/spawn.c check_users):
# started as root with a worker user that does not exist, kadmaster
# exits 1 with one line naming make install and the sysusers.d file,
# before any worker runs or the datadir is made; two workers given the
# same user are refused too.  With the real users, each worker runs as
# its own.  Not root, nothing changes uid: the check does not apply.
. "$(dirname "$0")/lib.sh"

if [ "$(id -u)" != 0 ]; then
	echo "# skip: not root (no worker changes uid)"
	exit 0
fi
missing=_kadtest_nouser$$
if id "$missing" >/dev/null 2>&1; then
	echo "# skip: user $missing exists"
	exit 0
fi
want="kadmaster: user $missing does not exist: create the worker users"
want="$want with make install or systemd-sysusers"
for w in net store crypt; do
	timeout 10 "$KAD_BIN/kadmaster" -d -o datadir="$T/$w" \
	    -o libexec="$KAD_BIN" -o listen=127.0.0.1 \
	    -o $w-user=$missing >"$T/$w.out" 2>&1
	rc=$?
	check "$w-user=$missing: kadmaster exits 1 (status $rc)" [ $rc -eq 1 ]
	check "...with one line: $(head -n 1 "$T/$w.out")" sh -c \
	    "[ \$(wc -l <'$T/$w.out') -eq 1 ] && grep -qx \
	    '$want /[^ ]*/sysusers\.d/kad\.conf' '$T/$w.out'"
	check "...before any worker ran or the datadir was made" \
	    sh -c "[ ! -e '$T/$w' ] && ! pgrep -f 'kad(net|store|crypt).*-r $T/' \
	    >/dev/null"
done

timeout 10 "$KAD_BIN/kadmaster" -d -o datadir="$T/shared" \
    -o libexec="$KAD_BIN" -o listen=127.0.0.1 -o net-user=_kadstore \
    >"$T/shared.out" 2>&1
rc=$?
check "net-user=_kadstore: a user shared by two workers exits 1 ($rc)" \
    [ $rc -eq 1 ]
own="each worker needs a user of its own"
check "...saying so: $(head -n 1 "$T/shared.out")" grep -q \
    "kadnet and kadstore both run as uid [0-9]*: $own" "$T/shared.out"

start_node n1 || { notok "n1 starts with the real users"; exit 1; }
for w in net store crypt; do
	p=$(pgrep -f "kad$w.*-r $T/n1" | head -n 1)
	u=$(ps -o user= -p "$p" 2>/dev/null)
	check "kad$w runs as _kad$w (pid $p: $u)" [ "$u" = "_kad$w" ]
done
summary
