# SPDX-License-Identifier: ISC
# One kadmaster per datadir (kadmaster/lock.c): a second start on a
# datadir in use exits 1 naming the pid that has it, and leaves the
# running node alone (its control socket, its store); a node killed with
# SIGKILL leaves no lock behind; a daemonized kadmaster's lock names the
# daemon, not the parent that forked it.
. "$(dirname "$0")/lib.sh"

start_node n1 || { notok "n1 starts"; exit 1; }
P1=$NODE_PID
check "DATADIR/lock holds the running kadmaster's pid" \
    [ "$(cat "$T/n1/lock" 2>/dev/null)" = "$P1" ]
id1=$(status_field node-id)
ino1=$(stat -c %i "$T/n1/kad.sock")
echo hello >"$T/f"
link=$(kadctl put -q "$T/f") || notok "a put on n1"

# a second kadmaster on the same datadir
timeout 10 "$KAD_BIN/kadmaster" -d -o datadir="$T/n1" -o libexec="$KAD_BIN" \
    -o listen=127.0.0.1 >"$T/second.out" 2>&1
rc=$?
check "a second kadmaster on the datadir exits 1 (status $rc)" [ $rc -eq 1 ]
check "and says who has it: $(head -1 "$T/second.out")" \
    grep -qx "kadmaster: $T/n1 is in use by pid $P1" "$T/second.out"
check "the running node is untouched: still answering, same id" \
    [ "$(status_field node-id)" = "$id1" ]
check "its control socket is the same file" \
    [ "$(stat -c %i "$T/n1/kad.sock")" = "$ino1" ]
check "its pid is still the lock's" [ "$(cat "$T/n1/lock")" = "$P1" ]
mkdir -p "$T/out"
check "and its store still serves the put" \
    sh -c "'$KAD_BIN/kadctl' -s '$T/n1/kad.sock' get -q -o '$T/out' '$link' \
    >/dev/null && cmp -s '$T/f' '$T/out/f'"

# SIGKILL leaves the file but no lock
kill -9 "$P1"
wait_exit "$P1" 10
sleep 0.5	# its workers leave once it is gone
start_node n1 || notok "n1 starts again after kill -9"
check "after kill -9 the datadir is free again (new pid in lock)" \
    [ "$(cat "$T/n1/lock")" = "$NODE_PID" -a "$NODE_PID" != "$P1" ]
kill "$NODE_PID"
wait_exit "$NODE_PID" 10

# a daemon: the lock names the process that stays, not its parent
"$KAD_BIN/kadmaster" -o datadir="$T/n1" -o libexec="$KAD_BIN" \
    -o listen=127.0.0.1 >"$T/daemon.out" 2>&1
NODE_SOCK="$T/n1/kad.sock"
n=0
while ! kadctl status >/dev/null 2>&1 && [ $n -lt 600 ]; do
	n=$((n + 1))
	sleep 0.1
done
dpid=$(status_field pid-kadmaster)
[ -n "$dpid" ] && KAD_PIDS="$KAD_PIDS $dpid"
check "a daemonized kadmaster's lock holds the daemon's pid (${dpid:-none})" \
    [ -n "$dpid" -a "$(cat "$T/n1/lock")" = "$dpid" ]
if [ -n "$dpid" ]; then
	kill "$dpid"
	wait_exit "$dpid" 10
fi
check "no node logged a sanitizer report" \
    sh -c "! grep -l 'Sanitizer\|runtime error:' $T/*.log $T/*.out"
summary
