# SPDX-License-Identifier: ISC
# Shared helpers for the integration scripts: TAP-style output, temporary
# node directories on loopback, and cleanup that leaves no process behind.
# Sourced by tests/integ/*.sh; KAD_BIN is the build directory to test.

: "${KAD_BIN:?KAD_BIN must name a build directory}"
KAD_TOP=${KAD_TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=0:abort_on_error=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1}

# as root, kadmaster refuses to start without the workers' users (a
# script run alone, not from tests/run.sh, creates them here)
if [ "$(id -u)" = 0 ]; then
	sh "$KAD_TOP/tests/mkusers.sh" || echo "# could not create the worker users"
fi

T=$(mktemp -d /tmp/kad-test.XXXXXX)
chmod 755 "$T"
KAD_PIDS=""

KAD_NPASS=0
KAD_NFAIL=0
ok() { KAD_NPASS=$((KAD_NPASS + 1)); echo "ok - $*"; }
notok() { KAD_NFAIL=$((KAD_NFAIL + 1)); echo "not ok - $*"; }
# summary: the closing "# N passed, N failed" line of tests/test.h's
# test_done (checks made in a subshell are not counted here); status 1
# if any failed
summary() {
	echo "# $KAD_NPASS passed, $KAD_NFAIL failed"
	[ "$KAD_NFAIL" -eq 0 ]
}
check() {	# description, command...
	d=$1; shift
	if "$@"; then ok "$d"; else notok "$d"; fi
}

cleanup() {
	for p in $KAD_PIDS; do kill -9 "$p" 2>/dev/null; done
	# workers of a killed master exit on their own once it is gone
	sleep 0.2
	pkill -9 -f "kadstore.*-r $T/" 2>/dev/null
	pkill -9 -f "kadnet.*-r $T/" 2>/dev/null
	pkill -9 -f "kadcrypt.*-r $T/" 2>/dev/null
	# KAD_KEEP=1 keeps the node directories and logs to look at
	if [ -n "$KAD_KEEP" ]; then echo "# kept $T"; else rm -rf "$T"; fi
}
trap cleanup EXIT INT TERM

# node_addr NAME: the loopback address node NAME listens on, one of its
# own, so that nodes count as distinct hosts (a table takes at most 2
# contacts of one address a bucket, docs/PROTOCOL.md section 7): nN
# (1..99) has 127.0.0.N, so n1, the usual bootstrap, is 127.0.0.1; any
# other name the next free one from 127.0.0.101, kept in $T/NAME.addr
# for its restarts.
node_addr() {
	case $1 in
	n[1-9]|n[1-9][0-9])
		echo "127.0.0.${1#n}" ;;
	*)
		if [ ! -s "$T/$1.addr" ]; then
			_k=$(find "$T" -maxdepth 1 -name '*.addr' | wc -l)
			echo "127.0.0.$((101 + _k))" >"$T/$1.addr"
		fi
		cat "$T/$1.addr" ;;
	esac
}

# start_node NAME [kadmaster -o options...]: a node on its node_addr with
# its own datadir; sets NODE_PID and NODE_SOCK.  Waits for `kadctl status`,
# up to 60 s: a first start grinds the key puzzle (about 2^14 key pairs,
# under a second here, two under ASan, and one start in a hundred takes
# five times the mean; docs/SECURITY.md).
start_node() {
	name=$1; shift
	mkdir -p "$T/$name"
	chmod 700 "$T/$name"
	"$KAD_BIN/kadmaster" -d -o datadir="$T/$name" -o libexec="$KAD_BIN" \
	    -o listen="$(node_addr "$name")" "$@" >>"$T/$name.log" 2>&1 &
	NODE_PID=$!
	KAD_PIDS="$KAD_PIDS $NODE_PID"
	NODE_SOCK="$T/$name/kad.sock"
	_n=0
	while ! "$KAD_BIN/kadctl" -s "$NODE_SOCK" status >/dev/null 2>&1; do
		_n=$((_n + 1))
		if [ $_n -gt 600 ] || ! kill -0 "$NODE_PID" 2>/dev/null; then
			echo "# node $name did not start:"
			sed 's/^/#   /' "$T/$name.log" | tail -20
			return 1
		fi
		sleep 0.1
	done
	return 0
}

kadctl() { "$KAD_BIN/kadctl" -s "$NODE_SOCK" "$@"; }

# ---- for scripts with many nodes: node N (or NAME) lives in $T/nN ----
# KAD_NET_SLOW (3 under ASan, else 1) multiplies every wait of waitfor
case $KAD_BIN in
*asan*)	SLOW=${KAD_NET_SLOW:-3} ;;
*)	SLOW=${KAD_NET_SLOW:-1} ;;
esac
node_dir() { case $1 in [0-9]*) echo "$T/n$1" ;; *) echo "$T/$1" ;; esac; }
ctl() { _c=$1; shift; "$KAD_BIN/kadctl" -s "$(node_dir "$_c")/kad.sock" "$@"; }
# sf N KEY: one value of node N's `kadctl status`
sf() { ctl "$1" -p status 2>/dev/null | sed -n "s/^$2: //p" | head -n 1; }
field_ge() { [ "$(sf "$1" "$2")" -ge "$3" ] 2>/dev/null; }
field_eq() { [ "$(sf "$1" "$2")" = "$3" ]; }
# Numbered nodes (network.sh, ec30.sh): node N is nN, its master's PID
# in P_nN.
pid_of() { eval echo "\$P_n$1"; }
start() {	# N [kadmaster options]
	_s=$1; shift
	start_node "n$_s" "$@" || return 1
	eval "P_n$_s=$NODE_PID"
}
# start_fresh N [options]: a first start; a random port that turns out
# to be taken on this machine is not what a test is about, so a node
# whose first bind fails is started again with a new identity (3 tries)
start_fresh() {
	_f=$1
	for _try in 1 2 3; do
		start "$@" && return 0
		grep -q 'bind: Address already in use' "$T/n$_f.log" || return 1
		echo "# n$_f: its random port was taken; trying another"
		rm -rf "${T:?}/n$_f" "$T/n$_f.log"
	done
	return 1
}
logtail() {	# N [lines]: the end of node N's log, as TAP comments
	echo "# --- tail of $T/n$1.log"
	tail -n "${2:-15}" "$T/n$1.log" 2>/dev/null | sed 's/^/#   /'
}
# waitfor SECONDS command...: poll every 0.2 s, SECONDS scaled by SLOW
waitfor() {
	_t=$(($1 * SLOW * 5)); shift
	while ! "$@"; do
		_t=$((_t - 1))
		[ $_t -le 0 ] && return 1
		sleep 0.2
	done
	return 0
}
now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.2f", b - a }'; }

# status_field KEY: one value from `kadctl status`
status_field() { kadctl -p status | sed -n "s/^$1: //p"; }

# wait_exit PID SECONDS: wait for a process to end; sets EXIT_STATUS
wait_exit() {
	_w=0
	while kill -0 "$1" 2>/dev/null; do
		_w=$((_w + 1))
		[ $_w -gt $(($2 * 10)) ] && return 1
		sleep 0.1
	done
	wait "$1" 2>/dev/null
	EXIT_STATUS=$?
	return 0
}

# worker_pids: the pids of the current node's workers, from kadctl status
worker_pids() {
	kadctl -p status | sed -n 's/^pid-kad\(net\|store\|crypt\): //p'
}
