# SPDX-License-Identifier: ISC
# kadctl bootstrap waits for the node it names: exit 0 with the node's
# ID once it has answered over a session, exit 1 after 5 s without an
# answer; concurrent requests each get their own answer, a client that
# leaves breaks nothing, and no more than 16 wait at once.  kadctl status
# shows every address the UDP sockets are bound to (listen=ADDR:PORT,
# IPv4 and IPv6), and kadctl peers lists as many contacts as status's
# peers counts.
. "$(dirname "$0")/lib.sh"

# a node with listen lines of our own (start_node's listen=127.0.0.1
# would come first); sets NODE_PID and NODE_SOCK
start_listen() {	# NAME PORT [options]
	_n=$1 _p=$2; shift 2
	mkdir -p "$T/$_n"
	chmod 700 "$T/$_n"
	"$KAD_BIN/kadmaster" -d -o datadir="$T/$_n" -o libexec="$KAD_BIN" \
	    -o listen=127.0.0.1:$_p "$@" >>"$T/$_n.log" 2>&1 &
	NODE_PID=$!
	KAD_PIDS="$KAD_PIDS $NODE_PID"
	NODE_SOCK="$T/$_n/kad.sock"
	_w=0
	while ! kadctl status >/dev/null 2>&1; do
		_w=$((_w + 1))
		# (60 s: a first start grinds the key puzzle)
		if [ $_w -gt 600 ] || ! kill -0 "$NODE_PID" 2>/dev/null; then
			return 1
		fi
		sleep 0.1
	done
}
# elapsed time of the last timed command, in tenths of a second
timed() {	# OUT ERR command...
	_o=$1 _e=$2; shift 2
	_t0=$(date +%s%N)
	"$@" >"$_o" 2>"$_e"
	RC=$?
	TENTHS=$((($(date +%s%N) - _t0) / 100000000))
}

v6=0
ip -6 addr show dev lo 2>/dev/null | grep -q 'inet6 ::1/' && v6=1

# 1. n1 bound to 127.0.0.1:P (and [::1]:P): status shows what is bound
started=0
for _try in 1 2 3 4 5; do
	P=$((20000 + $(od -An -N2 -tu2 /dev/urandom) % 40000))
	extra=""
	[ $v6 = 1 ] && extra="-o listen=[::1]:$P"
	# shellcheck disable=SC2086
	if start_listen n1 $P $extra; then started=1; break; fi
	grep -q 'Address already in use' "$T/n1.log" || break
	kill -9 "$NODE_PID" 2>/dev/null
	rm -rf "${T:?}/n1" "$T/n1.log"
done
[ $started = 1 ] || { notok "n1 starts on 127.0.0.1:$P"; \
    sed 's/^/#   /' "$T/n1.log" | tail -10; summary; exit 1; }
ok "n1 starts with listen=127.0.0.1:$P"
N1SOCK=$NODE_SOCK
id1=$(status_field node-id)
kadctl status >"$T/status1"
check "status: listen: 127.0.0.1:$P" grep -qx "listen: 127.0.0.1:$P" \
    "$T/status1"
if [ $v6 = 1 ]; then
	check "status: listen: [::1]:$P" grep -qx "listen: \[::1\]:$P" \
	    "$T/status1"
	check "status: two listen lines, one per socket" \
	    [ "$(grep -c '^listen: ' "$T/status1")" -eq 2 ]
else
	echo "# skip: no ::1 on lo, the IPv6 listen line is not checked"
fi
check "status: port: $P, the port bound (not the saved one)" \
    grep -qx "port: $P" "$T/status1"

# 2. n2, an ordinary node: bootstrap to nothing, then to n1
start_node n2 || { notok "n2 starts"; summary; exit 1; }
N2SOCK=$NODE_SOCK
check "n2's status lists its one socket" \
    [ "$(kadctl status | grep -c '^listen: 127\.0\.0\.2:[0-9]*$')" -eq 1 ]

timed "$T/out" "$T/err" kadctl bootstrap 127.0.0.1:1
check "bootstrap to a port where nothing listens exits 1 ($RC)" [ $RC -eq 1 ]
check "and says so: $(cat "$T/err")" grep -qx \
    'kadctl: bootstrap: no answer from 127.0.0.1:1 within 5 s' "$T/err"
check "after about 5 s ($TENTHS tenths)" \
    sh -c "[ $TENTHS -ge 45 ] && [ $TENTHS -le $((60 + 10 * (SLOW - 1))) ]"
check "with nothing on standard output" [ ! -s "$T/out" ]

timed "$T/out" "$T/err" kadctl bootstrap 127.0.0.1:$P
check "bootstrap to a live node exits 0 ($RC: $(cat "$T/err"))" [ $RC -eq 0 ]
check "and names it: $(cat "$T/out")" grep -qx \
    "bootstrap: 127.0.0.1:$P answered (node $id1)" "$T/out"
check "without waiting out the 5 s ($TENTHS tenths)" [ "$TENTHS" -lt 40 ]
timed "$T/out" "$T/err" kadctl bootstrap 127.0.0.1:$P
check "again, over the session it has now ($RC, $TENTHS tenths)" \
    sh -c "[ $RC -eq 0 ] && [ $TENTHS -lt 40 ] && grep -q 'answered' '$T/out'"
if [ $v6 = 1 ]; then
	timed "$T/out" "$T/err" kadctl bootstrap "[::1]:$P"
	check "bootstrap to IPv6 from a node without an IPv6 socket: exit 1 at once ($RC, $TENTHS tenths: $(cat "$T/err"))" \
	    sh -c "[ $RC -eq 1 ] && [ $TENTHS -lt 20 ] &&
	    grep -q 'not an address this node talks to' '$T/err'"
fi
timed "$T/out" "$T/err" kadctl bootstrap 127.0.0.1
check "an address without a port: exit 1 ($RC: $(cat "$T/err"))" \
    [ $RC -eq 1 ]

# 3. concurrent requests, each its own answer; a client that leaves
kadctl bootstrap 127.0.0.1:2 >"$T/c1.out" 2>"$T/c1.err" & c1=$!
kadctl bootstrap 127.0.0.1:$P >"$T/c2.out" 2>"$T/c2.err" & c2=$!
kadctl bootstrap 127.0.0.1:3 >"$T/c3.out" 2>"$T/c3.err" & c3=$!
timeout 1 "$KAD_BIN/kadctl" -s "$N2SOCK" bootstrap 127.0.0.1:4 \
    >/dev/null 2>&1 & c4=$!
wait $c2; r2=$?
wait $c1; r1=$?
wait $c3; r3=$?
wait $c4
check "three at once: the live one answered ($r2: $(cat "$T/c2.out"))" \
    sh -c "[ $r2 -eq 0 ] && grep -q '^bootstrap: 127.0.0.1:$P answered' \
    '$T/c2.out'"
check "and the others each got their own no ($r1, $r3)" \
    sh -c "[ $r1 -eq 1 ] && [ $r3 -eq 1 ] &&
    grep -q 'no answer from 127.0.0.1:2 within' '$T/c1.err' &&
    grep -q 'no answer from 127.0.0.1:3 within' '$T/c3.err'"
check "n2 lives on after a client left while it waited" \
    sh -c "kill -0 $NODE_PID && '$KAD_BIN/kadctl' -s '$N2SOCK' status \
    >/dev/null"

# at most 16 wait at once: the others are told at once
pids=""
for i in $(seq 20); do
	kadctl bootstrap 127.0.0.1:$((100 + i)) >"$T/b$i.out" \
	    2>"$T/b$i.err" &
	pids="$pids $!"
done
# shellcheck disable=SC2086
wait $pids
full=$(cat "$T"/b*.err | grep -c 'requests are waiting already')
none=$(cat "$T"/b*.err | grep -c 'no answer from')
check "20 at once: 16 wait, the rest are refused ($none waited, $full refused)" \
    sh -c "[ $none -eq 16 ] && [ $full -eq 4 ]"
check "and n2 still answers a bootstrap" \
    sh -c "'$KAD_BIN/kadctl' -s '$N2SOCK' bootstrap 127.0.0.1:$P | \
    grep -q answered"

# 4. kadctl peers and status's peers count the same contacts
for i in 3 4 5; do
	start_node n$i -o bootstrap=127.0.0.1:$P || notok "n$i starts"
done
sock() { case $1 in 1) echo "$N1SOCK" ;; 2) echo "$N2SOCK" ;;
	*) echo "$T/n$1/kad.sock" ;; esac; }
npeers() { "$KAD_BIN/kadctl" -s "$(sock $1)" status | sed -n 's/^peers: //p'; }
nlines() { "$KAD_BIN/kadctl" -s "$(sock $1)" peers | wc -l; }
agree() {	# N: one status and one listing say the same
	[ "$(npeers $1)" -eq "$(nlines $1)" ] 2>/dev/null
}
all_know() {
	for _i in 1 2 3 4 5; do
		[ "$(npeers $_i)" -ge 4 ] 2>/dev/null || return 1
	done
}
check "five nodes know each other" waitfor 20 all_know
for i in 1 2 3 4 5; do
	check "n$i: kadctl peers lists $(nlines $i) lines, status says peers: $(npeers $i)" \
	    waitfor 3 agree $i
done
# a contact that stopped answering: no longer counted by either
m5=$("$KAD_BIN/kadctl" -s "$(sock 5)" status | sed -n 's/^pid-kadmaster: //p')
kill -9 "$m5"
sleep 0.5
pkill -9 -f "kadnet.*-r $T/n5/" 2>/dev/null
head -c 200000 /dev/urandom >"$T/file"
"$KAD_BIN/kadctl" -s "$N1SOCK" put -q "$T/file" >/dev/null 2>&1
for i in 1 2 3 4; do
	check "with n5 gone, n$i: $(nlines $i) lines, peers: $(npeers $i)" \
	    waitfor 3 agree $i
done
summary
