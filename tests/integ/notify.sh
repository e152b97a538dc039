# SPDX-License-Identifier: ISC
# kadmaster's readiness notification, seen from a service manager's
# socket (build/*/tests/test_notify -l): "READY=1" once the node is up
# (kadctl answers at once when it arrives), "STOPPING=1" when it is told
# to stop, nothing else, from kadmaster's own pid; for a socket path and
# an abstract @name.  A NOTIFY_SOCKET nobody listens on only costs a
# warning.
. "$(dirname "$0")/lib.sh"

TN=$KAD_BIN/tests/test_notify

# has LINE FILE: the receiver printed LINE (with its pid) in FILE
has() { grep -q "^$1 pid " "$2"; }
answers() { kadctl status >/dev/null 2>&1; }

# one_run NAME SOCKET: a node notifying SOCKET, started and stopped
one_run() {
	name=$1 sock=$2 out=$T/$1.notify
	"$TN" -l "$sock" $((30 * SLOW)) >"$out" 2>&1 &
	rpid=$!
	waitfor 5 grep -q '^listening' "$out" ||
	    { notok "$name: receiver listens on $sock"; return; }
	mkdir -p "$T/$name" && chmod 700 "$T/$name"
	NODE_SOCK="$T/$name/kad.sock"
	NOTIFY_SOCKET=$sock "$KAD_BIN/kadmaster" -d -o datadir="$T/$name" \
	    -o libexec="$KAD_BIN" -o listen=127.0.0.1 >>"$T/$name.log" 2>&1 &
	NODE_PID=$!
	KAD_PIDS="$KAD_PIDS $NODE_PID $rpid"
	if waitfor 20 has READY=1 "$out"; then
		ok "$name: READY=1 arrives"
		check "$name: the node answers as soon as READY=1 is there" \
		    answers
	else
		notok "$name: READY=1 arrives"
		sed 's/^/#   /' "$T/$name.log" | tail -n 10
	fi
	check "$name: sent by kadmaster itself (pid $NODE_PID)" \
	    grep -qx "READY=1 pid $NODE_PID" "$out"
	check "$name: nothing before READY=1 or between it and the stop" \
	    [ "$(grep -c ' pid ' "$out")" -eq 1 ]
	kill "$NODE_PID"
	check "$name: STOPPING=1 when told to stop" \
	    waitfor 10 has STOPPING=1 "$out"
	wait_exit "$NODE_PID" 15
	check "$name: and the node exits 0 (status $EXIT_STATUS)" \
	    [ "$EXIT_STATUS" -eq 0 ]
	check "$name: READY=1, then STOPPING=1, nothing else" \
	    [ "$(sed -n 's/ pid .*//p' "$out" | tr '\n' ' ')" = \
	    "READY=1 STOPPING=1 " ]
	wait "$rpid" 2>/dev/null
}

one_run path "$T/notify.sock"
one_run abstract "@kad-test-notify-$$"

# a socket nobody listens on: a warning, and the node runs
NOTIFY_SOCKET=$T/nobody.sock
export NOTIFY_SOCKET
start_node lonely
rc=$?
unset NOTIFY_SOCKET
check "NOTIFY_SOCKET nobody listens on: the node still starts" [ $rc -eq 0 ]
check "and says it will not notify" \
    grep -q "NOTIFY_SOCKET $T/nobody.sock: not notifying" "$T/lonely.log"
kill "$NODE_PID" 2>/dev/null
wait_exit "$NODE_PID" 15
summary
