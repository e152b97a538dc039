#!/bin/sh
# SPDX-License-Identifier: ISC
# tests/demo/demo.sh BUILD_DIR: kad in one minute, on loopback only.
# Starts DEMO_NODES (8) nodes in a fresh temporary directory, the others
# joining through the first; publishes a DEMO_MIB (2) MiB sample file on
# the first node, fetches it on the last, checks that the bytes are
# identical, shows how to use kadctl against the nodes, and stops them
# all.  `make demo` builds BUILD_DIR (build/release) first.
#
# The nodes run with replicas=DEMO_REPLICAS (3), not the default 8: with
# only 8 nodes, 8 replicas would put every chunk on every node and the
# last node would already hold the file; with 3, it has to fetch most of
# the chunks from the others (the output says how many).
#
# Node N listens on 127.0.0.N: a routing table takes at most 2 contacts
# of one loopback address a bucket (docs/PROTOCOL.md section 7), so
# nodes sharing 127.0.0.1 would look like one host and barely meet.
#
# DEMO_PAUSE=1 keeps the nodes running until Enter is pressed.  On
# success the temporary directory is removed; on failure it is kept and
# the nodes' log files are named.  The exit status is 0 only if the
# fetched file is identical to the published one.

set -u

if [ $# -ne 1 ] || [ ! -d "$1" ]; then
	echo "usage: tests/demo/demo.sh BUILD_DIR" >&2
	exit 2
fi
B=$(cd "$1" && pwd)
N=${DEMO_NODES:-8}
MIB=${DEMO_MIB:-2}
REPL=${DEMO_REPLICAS:-3}
STEPS=6
for f in kadmaster kadctl kadnet kadstore kadcrypt; do
	if [ ! -x "$B/$f" ]; then
		echo "demo: $B/$f is missing (run make demo)" >&2
		exit 2
	fi
done
# as root, kadmaster needs the workers' users (what make install makes)
sh "$(dirname "$0")/../mkusers.sh" || exit 1
# Show the build directory as the user would type it when it is inside
# the current directory.
case $B in
"$(pwd)"/*)	BR=${B#"$(pwd)"/} ;;
*)		BR=$B ;;
esac

D=$(mktemp -d /tmp/kad-demo.XXXXXX) || exit 1
chmod 755 "$D"
PIDS=""		# every kadmaster started here, in order
FAILED=0

step() { echo "[$1/$STEPS] $2"; }
say() { echo "      $*"; }
ctl() { _c=$1; shift; "$B/kadctl" -s "$D/n$_c/kad.sock" "$@"; }
sf() { ctl "$1" -p status 2>/dev/null | sed -n "s/^$2: //p"; }
now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.2f", b - a }'; }

stop_all() {
	[ -n "$PIDS" ] || return 0
	for p in $PIDS; do kill -TERM "$p" 2>/dev/null; done
	# a master stops its workers on SIGTERM; give them 10 s
	_n=0
	while [ $_n -lt 100 ]; do
		_left=""
		for p in $PIDS; do kill -0 "$p" 2>/dev/null && _left=1; done
		[ -z "$_left" ] && break
		_n=$((_n + 1))
		sleep 0.1
	done
	for p in $PIDS; do
		kill -0 "$p" 2>/dev/null && kill -9 "$p" 2>/dev/null
		wait "$p" 2>/dev/null
	done
	PIDS=""
}

cleanup() {
	stop_all
	if [ $FAILED = 1 ]; then
		echo "demo: FAILED; the nodes' logs are kept:"
		for l in "$D"/n*.log; do
			[ -f "$l" ] && echo "demo:   $l"
		done
	else
		rm -rf "$D"
	fi
}
trap cleanup EXIT
trap 'FAILED=1; exit 130' INT
trap 'FAILED=1; exit 143' TERM HUP
trap 'FAILED=1; exit 141' PIPE

fail() {	# message [node]: say what went wrong, show a log tail, exit 1
	FAILED=1
	echo "demo: FAILED: $1" >&2
	if [ $# -gt 1 ] && [ -f "$D/n$2.log" ]; then
		echo "demo: last lines of $D/n$2.log:" >&2
		tail -n 15 "$D/n$2.log" | sed 's/^/demo:   /' >&2
	fi
	exit 1
}

# start N [options]: node N in $D/nN, log $D/nN.log; waits for status.
# Every start here is a first one, with a random port: if that port is
# taken on this machine, the node is started again with a new identity.
start() {
	_s=$1; shift
	_try=1
	while :; do
		mkdir -p "$D/n$_s"
		chmod 700 "$D/n$_s"
		"$B/kadmaster" -d -o datadir="$D/n$_s" -o libexec="$B" \
		    -o listen=127.0.0."$_s" -o replicas="$REPL" "$@" \
		    >"$D/n$_s.log" 2>&1 &
		_p=$!
		PIDS="$PIDS $_p"
		_n=0
		while ! ctl "$_s" status >/dev/null 2>&1; do
			_n=$((_n + 1))
			# (60 s: a first start grinds the key puzzle)
			if [ $_n -gt 600 ] || ! kill -0 "$_p" 2>/dev/null; then
				break
			fi
			sleep 0.1
		done
		ctl "$_s" status >/dev/null 2>&1 && return 0
		if [ $_try -lt 3 ] &&
		    grep -q 'bind: Address already in use' "$D/n$_s.log"; then
			say "node $_s: its random port is taken; trying another"
			rm -rf "${D:?}/n$_s"
			_try=$((_try + 1))
			continue
		fi
		fail "node $_s did not start" "$_s"
	done
}

# waitfor SECONDS command...: poll every 0.2 s
waitfor() {
	_t=$(($1 * 5)); shift
	while ! "$@"; do
		_t=$((_t - 1))
		[ $_t -le 0 ] && return 1
		sleep 0.2
	done
}
has_peers() { [ "$(sf "$1" peers)" -gt 0 ] 2>/dev/null; }
all_have_peers() {
	for _i in $(seq "$N"); do has_peers "$_i" || return 1; done
}
published() { [ "$(sf "$1" publish-pending)" = 0 ]; }

echo "kad demo: $N nodes on 127.0.0.1..$N, binaries from $BR, data in $D"
echo "          (each chunk is stored on the $REPL nodes closest to its key:" \
    "-o replicas=$REPL)"

# 1. the nodes
t0=$(now)
step 1 "starting $N nodes on 127.0.0.1..$N ..."
start 1
PORT1=$(sf 1 port)
[ -n "$PORT1" ] || fail "node 1 reports no port" 1
say "node 1: port $PORT1 (everyone else bootstraps from it)"
i=2
while [ "$i" -le "$N" ]; do
	start "$i" -o bootstrap=127.0.0.1:"$PORT1"
	say "node $i: port $(sf $i port)"
	i=$((i + 1))
done
say "done in $(since "$t0") s; each node is a kadmaster with its three" \
    "workers (kadnet, kadstore, kadcrypt)"

# 2. the network forms
t0=$(now)
step 2 "waiting for the nodes to find each other ..."
if ! waitfor 30 all_have_peers; then
	for i in $(seq "$N"); do
		has_peers "$i" || fail "node $i has no peers after 30 s" "$i"
	done
fi
line=""
for i in $(seq "$N"); do line="$line $(sf $i peers)"; done
say "peers known by node 1..$N:$line ($(since "$t0") s)"

# 3. publish on the first node
SAMPLE=$D/kad-sample.bin
head -c $((MIB * 1048576)) /dev/urandom >"$SAMPLE"
step 3 "publishing a $MIB MiB sample file on node 1 ..."
say "\$ $BR/kadctl -s $D/n1/kad.sock put $SAMPLE"
t0=$(now)
LINK=$(ctl 1 put -q "$SAMPLE") || fail "kadctl put failed" 1
say "link: $LINK"
say "stored on node 1 in $(since "$t0") s; pushing its chunks to the" \
    "nodes closest to them ..."
waitfor 120 published 1 ||
    fail "node 1 still has $(sf 1 publish-pending) chunks to push after 120 s" 1
say "every chunk is in the network ($(since "$t0") s)"
line=""
for i in $(seq "$N"); do line="$line $(sf $i stored-chunks)"; done
say "chunks stored by node 1..$N:$line"
HELD=$(sf "$N" stored-chunks)

# 4. fetch on the last node
OUT=$D/fetched
mkdir -p "$OUT"
step 4 "fetching it on node $N ..."
say "\$ $BR/kadctl -s $D/n$N/kad.sock get -o $OUT $LINK"
t0=$(now)
SAVED=$(timeout -k 5 300 "$B/kadctl" -s "$D/n$N/kad.sock" get -q -o "$OUT" \
    "$LINK" 2>"$D/get.err") ||
    fail "kadctl get on node $N failed: $(head -1 "$D/get.err")" "$N"
secs=$(since "$t0")
say "saved as $SAVED in $secs s" \
    "($(awk -v s="$secs" -v b=$((MIB * 1048576)) \
    'BEGIN { if (s > 0) printf "%.1f MB/s", b / s / 1e6; else print "-" }'))"
say "node $N already held $HELD chunks (as one of the $REPL closest);" \
    "it fetched $(sf "$N" chunks-fetched) from the other nodes"

# 5. same bytes?
step 5 "comparing the fetched file with the original ..."
cmp "$SAMPLE" "$SAVED" || fail "the fetched file differs from the original" "$N"
say "identical: SHA-256 $(sha256sum <"$SAMPLE" | cut -c1-16)... (published)," \
    "$(sha256sum <"$SAVED" | cut -c1-16)... (fetched)"

# how to look around
echo
if [ "${DEMO_PAUSE:-0}" = 1 ] && [ -t 0 ]; then
	echo "      The nodes keep running; try kadctl against any of them:"
else
	echo "      The nodes stop now.  To try kadctl against them, run"
	echo "      DEMO_PAUSE=1 make demo, which keeps them up until Enter; then:"
fi
echo "        $BR/kadctl -s $D/n1/kad.sock status"
echo "        $BR/kadctl -s $D/n1/kad.sock peers"
echo "        $BR/kadctl -s $D/n1/kad.sock ls"
echo "        $BR/kadctl -s $D/n3/kad.sock get -o /tmp $LINK"
echo "        $BR/kadctl -s $D/n2/kad.sock put FILE"
echo "      Node N's socket is $D/nN/kad.sock, its log $D/nN.log."
if [ "${DEMO_PAUSE:-0}" = 1 ] && [ -t 0 ]; then
	printf "      Press Enter to stop them. "
	read -r _
fi
echo

# 6. stop
step 6 "stopping the $N nodes ..."
stop_all
left=$(pgrep -f "kad(net|store|crypt).*$D/" 2>/dev/null | wc -l)
[ "$left" -eq 0 ] || fail "$left worker processes are still running"
say "all stopped"
echo "kad demo: OK (published on node 1, fetched on node $N, identical)"
exit 0
