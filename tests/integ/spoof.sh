# SPDX-License-Identifier: ISC
# Spoofing and reflection (docs/PROTOCOL.md 2.3, 2.4): datagrams forged
# from 127.0.0.77 through a raw socket (tests/integ/test_spoof.c) to a
# node of three: garbage, INIT-shaped datagrams with mac1 wrong and
# right, KEYREQs, the datagrams of a real exchange replayed (also to the
# node restarted, which no longer knows the INITs' timestamps), and
# floods of 4000.  The node must never send the forged address more
# bytes than it sent (test_spoof listens there and counts), a flood must
# meet cookies and rate limits, and no contact may move to 127.0.0.77.
# Needs root (raw sockets); skips otherwise.
. "$(dirname "$0")/lib.sh"

SPOOF=$KAD_BIN/tests/test_spoof
FORGED=127.0.0.77
if [ "$(id -u)" != 0 ]; then
	echo "# skip: forging source addresses needs root (raw sockets)"
	exit 0
fi
if ! "$SPOOF" >"$T/self" 2>&1 || grep -q '^# skip' "$T/self"; then
	echo "# skip: no raw sockets here: $(grep -v '^ok' "$T/self" |
	    head -1)"
	exit 0
fi

# contacts N: node N's table as "id address", sorted
contacts() { ctl "$1" peers | awk '{ print $1, $2 }' | sort; }
# forge WHAT SPORT NPORTS KIND COUNT [ARG]: test_spoof send to n1, then
# a check that the forged address got back no more than it sent
forge() {
	_what=$1; shift
	_out=$("$SPOOF" send "$port1" $FORGED "$@" 2>&1)
	_rc=$?
	echo "$_out" | sed "s/^/# $_what: /"
	# "sent N datagrams B bytes, back M datagrams R bytes"
	set -- $(echo "$_out" | sed -n '/^sent /{s/[^0-9]/ /g;p;}')
	if [ $# -ne 4 ]; then
		notok "$_what: test_spoof ran (status $_rc)"
		return 1
	fi
	SENT=$1 SENTB=$2 BACK=$3 BACKB=$4
	_resp=$(echo "$_out" | sed -n 's/^back by type:.* 2:\([0-9]*\) .*/\1/p')
	TOT_RESP=$((TOT_RESP + ${_resp:-0}))
	TOT_SENTB=$((TOT_SENTB + SENTB))
	TOT_BACKB=$((TOT_BACKB + BACKB))
	_d="$_what: $FORGED got back $BACKB bytes in $BACK datagrams"
	check "$_d for the $SENTB bytes in $SENT it sent" \
	    test "$_rc" = 0 -a "$BACKB" -le "$SENTB"
}
TOT_SENTB=0
TOT_BACKB=0
TOT_RESP=0
stat_delta() { echo $(($(sf 1 "$1") - $2)); }

start_node n1 || { notok "n1 starts"; exit 1; }
P1=$NODE_PID
port1=$(sf 1 port)
key1=$(sf 1 node-key)

# a real exchange, captured for the replays: n2 and n3 join through n1,
# n2 publishes, n3 fetches
"$SPOOF" capture "$T/real.cap" 30 "$port1" >"$T/cap.out" 2>&1 &
CAP=$!
KAD_PIDS="$KAD_PIDS $CAP"
waitfor 5 grep -qs capturing "$T/cap.out" || notok "the capture starts"
start_node n2 -o bootstrap=127.0.0.1:$port1 || { notok "n2 starts"; exit 1; }
start_node n3 -o bootstrap=127.0.0.1:$port1 || { notok "n3 starts"; exit 1; }
check "n1 knows n2 and n3" waitfor 15 field_ge 1 peers 2
head -c 20000 /dev/urandom >"$T/file"
link=$(ctl 2 put -q "$T/file")
waitfor 20 field_eq 2 publish-pending 0 || notok "n2 publishes"
mkdir "$T/out"
ctl 3 get -q -o "$T/out/a" "$link" >/dev/null 2>&1
check "n3 fetches what n2 published" cmp -s "$T/file" "$T/out/a"
sleep 1
kill -TERM $CAP
wait_exit $CAP 5
echo "# real exchange: $(tail -1 "$T/cap.out")"

contacts 1 >"$T/before"
echo "# n1's contacts before: $(wc -l <"$T/before")"
c0=$(sf 1 cookies-sent)
l0=$(sf 1 drop-session-load)
a0=$(sf 1 drop-session-auth)

forge "garbage" 40000 1 garbage 600
forge "INITs, mac1 wrong" 40001 1 init 300
check "...dropped for mac1 ($(stat_delta drop-session-auth $a0) more)" \
    [ "$(stat_delta drop-session-auth $a0)" -ge 270 ]
forge "INITs, mac1 right for n1" 40002 1 init-mac1 300 "$key1"
forge "KEYREQs" 40003 1 keyreq 300
check "...some answered (a KEYRES is 44 bytes)" [ "$BACK" -gt 0 ]
forge "the real exchange replayed" 40004 1 replay 600 "$T/real.cap"

# floods of 4000 from 100 ports (a loopback source is an address and a
# port, so the per-source limit lets 40 of each through)
forge "flood: INITs with mac1 right" 41000 100 init-mac1 4000 "$key1"
cs=$(stat_delta cookies-sent $c0)
ld=$(stat_delta drop-session-load $l0)
check "...bounded: $BACK replies to 4000 INITs" [ "$BACK" -le 4000 ]
check "...n1 sent cookies under load ($cs)" [ "$cs" -gt 0 ]
check "...every one of them reached the forged address (the count is whole)" \
    [ "$cs" = "$BACK" ]
check "...and dropped INITs for load and rates ($ld)" [ "$ld" -gt 0 ]
forge "flood: KEYREQs" 41000 100 keyreq 4000
check "...bounded by the KEYREQ rate ($BACK answered)" [ "$BACK" -le 1000 ]
check "no INIT from the forged address was answered with a RESP" \
    [ "$TOT_RESP" = 0 ]

check "n1 still runs" kill -0 $P1
contacts 1 >"$T/after"
check "n1 lists no contact at $FORGED" sh -c "! grep -q ' $FORGED:' '$T/after'"
check "n1's contacts did not move (each id at its address as before)" \
    sh -c "[ -s '$T/before' ] && [ -z \"\$(comm -23 '$T/before' '$T/after')\" ]"
ctl 3 get -q -o "$T/out/b" "$link" >/dev/null 2>&1
check "n3 still fetches the file" cmp -s "$T/file" "$T/out/b"

# n1 restarted: its session layer no longer knows the timestamps of the
# INITs n2 and n3 sent it, so their replayed INITs are opened again,
# with the requests inside, from the forged address
kill -TERM $P1
wait_exit $P1 15
start_node n1 || { notok "n1 restarts"; exit 1; }
P1=$NODE_PID
forge "real INITs replayed to the restarted n1" 40005 1 replay 200 \
    "$T/real.cap"
sleep 1
contacts 1 >"$T/after2"
check "the restarted n1 lists no contact at $FORGED" \
    sh -c "! grep -q ' $FORGED:' '$T/after2'"
check "the restarted n1's contacts did not move" \
    sh -c "[ -z \"\$(comm -23 '$T/before' '$T/after2')\" ]"
ctl 3 get -q -o "$T/out/c" "$link" >/dev/null 2>&1
check "n3 fetches the file after the replays" cmp -s "$T/file" "$T/out/c"
check "no node logged a sanitizer report" \
    sh -c "! grep -l 'Sanitizer\|runtime error:' $T/n*.log"
echo "# in all: $FORGED sent $TOT_SENTB bytes and got back $TOT_BACKB"
summary
