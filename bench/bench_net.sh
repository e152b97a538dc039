#!/bin/sh
# bench/bench_net.sh BUILD_DIR: kad's network throughput on loopback.
#
#   1. NODES (10) nodes on 127.0.0.1 in a temporary directory, nodes 2..10
#      bootstrapping from node 1; waits until every node has peers.
#   2. For each size in BENCH_NET_MIB ("10 100") and BENCH_NET_RUNS (3)
#      times: a fresh random file is published on node 1 (timed twice:
#      until `kadctl put -q` returns, and until node 1's publish-pending
#      is 0, i.e. every chunk has been pushed to its replicas); then a
#      fresh node joins through node 1 (so it holds no copy: it was not
#      there when the chunks were placed), waits to have peers, and
#      fetches the link with `kadctl get -q`; the file is checked with
#      cmp, the fetching node stopped and its directory removed.
#   3. Medians over the runs: seconds and MB/s (10^6 bytes of file per
#      second) of put, publish and fetch, and the per-chunk lookup time:
#      from the fetching node's status when it reports one (a key with
#      "lookup" and "ms"/"us" in its name), else the fetch time divided
#      by the number of 1 KiB chunks, which is said in the output.
#   4. "target: 100 MiB fetch >= 25 MB/s" and the measured ratio.
#
# BENCH_NET_TIMEOUT (900) bounds each put, publish wait and fetch, in
# seconds; BENCH_NET_OPTS adds kadmaster options to every node;
# BENCH_KEEP=1 keeps the temporary directory.  Every process started
# here is stopped on exit (also on ^C).  The exit status is non-zero
# only if something failed, never because of the target.

set -u

if [ $# -ne 1 ] || [ ! -d "$1" ]; then
	echo "usage: bench/bench_net.sh BUILD_DIR" >&2
	exit 2
fi
B=$(cd "$1" && pwd)
for f in kadmaster kadctl kadnet kadstore kadcrypt; do
	if [ ! -x "$B/$f" ]; then
		echo "bench-net: $B/$f is missing (run make bench-net)" >&2
		exit 2
	fi
done
NODES=${BENCH_NET_NODES:-10}
RUNS=${BENCH_NET_RUNS:-3}
SIZES=${BENCH_NET_MIB:-10 100}
TMO=${BENCH_NET_TIMEOUT:-900}
TARGET_MIB=100
TARGET_MBS=25

T=$(mktemp -d /tmp/kad-benchnet.XXXXXX) || exit 1
chmod 755 "$T"
PIDS=""		# every kadmaster started here

stop_pids() {	# pids...: SIGTERM, wait up to 20 s, SIGKILL what is left
	for p in "$@"; do kill -TERM "$p" 2>/dev/null; done
	_n=0
	while [ $_n -lt 200 ]; do
		_left=""
		for p in "$@"; do kill -0 "$p" 2>/dev/null && _left=1; done
		[ -z "$_left" ] && break
		_n=$((_n + 1))
		sleep 0.1
	done
	for p in "$@"; do
		kill -0 "$p" 2>/dev/null && kill -9 "$p" 2>/dev/null
		wait "$p" 2>/dev/null
	done
}

cleanup() {
	# shellcheck disable=SC2086
	stop_pids $PIDS
	PIDS=""
	# workers leave once their master is gone; make sure of it
	sleep 0.2
	for p in $(pgrep -f "kad(net|store|crypt) .*$T/" 2>/dev/null); do
		kill -9 "$p" 2>/dev/null
	done
	if [ "${BENCH_KEEP:-0}" = 1 ]; then
		echo "bench-net: kept $T"
	else
		rm -rf "$T"
	fi
}
trap cleanup EXIT
trap 'exit 129' HUP
trap 'exit 130' INT
trap 'exit 143' TERM

die() {	# message [node]
	echo "bench-net: $1" >&2
	if [ $# -gt 1 ] && [ -f "$T/$2.log" ]; then
		tail -n 15 "$T/$2.log" | sed "s|^|bench-net:   $2.log: |" >&2
	fi
	exit 1
}

ctl() { _c=$1; shift; "$B/kadctl" -s "$T/$_c/kad.sock" "$@"; }
sf() { ctl "$1" status 2>/dev/null | sed -n "s/^$2: //p"; }
now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.3f", b - a }'; }

# start NAME [options]: a node in $T/NAME; sets NODE_PID
start() {
	_s=$1; shift
	mkdir -p "$T/$_s"
	chmod 700 "$T/$_s"
	# shellcheck disable=SC2086
	"$B/kadmaster" -d -o datadir="$T/$_s" -o libexec="$B" \
	    -o listen=127.0.0.1 ${BENCH_NET_OPTS:-} "$@" >"$T/$_s.log" 2>&1 &
	NODE_PID=$!
	PIDS="$PIDS $NODE_PID"
	_n=0
	while ! ctl "$_s" status >/dev/null 2>&1; do
		_n=$((_n + 1))
		if [ $_n -gt 150 ] || ! kill -0 "$NODE_PID" 2>/dev/null; then
			die "node $_s did not start" "$_s"
		fi
		sleep 0.1
	done
}

# waitfor SECONDS command...: poll every 0.1 s
waitfor() {
	_t=$(($1 * 10)); shift
	while ! "$@"; do
		_t=$((_t - 1))
		[ $_t -le 0 ] && return 1
		sleep 0.1
	done
}
field_ge() { [ "$(sf "$1" "$2")" -ge "$3" ] 2>/dev/null; }
field_eq() { [ "$(sf "$1" "$2")" = "$3" ]; }

# held_others: chunks stored on nodes 2..NODES (copies placed by node 1)
held_others() {
	_h=0
	for _i in $(seq 2 "$NODES"); do
		_h=$((_h + $(sf "n$_i" stored-chunks)))
	done
	echo $_h
}

# median of the numbers on standard input
median() {
	sort -g | awk '{ v[NR] = $1 } END {
		if (NR == 0) { print "-"; exit }
		if (NR % 2) print v[(NR + 1) / 2];
		else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
mbs() {	# bytes seconds
	awk -v b="$1" -v s="$2" 'BEGIN {
		if (s == "-" || s <= 0) print "-"; else printf "%.1f", b / s / 1e6 }'
}

echo "bench-net: $NODES nodes on 127.0.0.1, binaries from $B, $RUNS runs" \
    "per size, data in $T"

# 1. the network
t0=$(now)
start n1
PORT1=$(sf n1 port)
[ -n "$PORT1" ] || die "node n1 reports no port" n1
i=2
while [ "$i" -le "$NODES" ]; do
	start "n$i" -o bootstrap=127.0.0.1:"$PORT1"
	i=$((i + 1))
done
for i in $(seq "$NODES"); do
	waitfor 30 field_ge "n$i" peers 1 ||
	    die "node n$i has no peers after 30 s" "n$i"
done
line=""
for i in $(seq "$NODES"); do line="$line $(sf n$i peers)"; done
echo "bench-net: network up in $(since "$t0") s; peers per node:$line"

# 2. the runs; $T/results gets "MIB OP RUN SECONDS" lines
: >"$T/results"
LOOKUP_SRC=""
fetchers=0
for mib in $SIZES; do
	bytes=$((mib * 1048576))
	chunks=$(((bytes + 1023) / 1024))
	r=1
	while [ "$r" -le "$RUNS" ]; do
		head -c "$bytes" /dev/urandom >"$T/file" ||
		    die "cannot write a $mib MiB file in $T"

		# publish on node 1
		held0=$(held_others)
		own0=$(sf n1 stored-chunks)
		t0=$(now)
		link=$(timeout -k 5 "$TMO" "$B/kadctl" -s "$T/n1/kad.sock" \
		    put -q "$T/file" 2>"$T/err") ||
		    die "put of $mib MiB failed: $(head -1 "$T/err")" n1
		tput=$(since "$t0")
		waitfor "$TMO" field_eq n1 publish-pending 0 ||
		    die "n1 still has $(sf n1 publish-pending) chunks to push" \
		    "after $TMO s" n1
		tpub=$(since "$t0")
		# chunks of this file (data and manifest) = node 1's new ones
		nch=$(($(sf n1 stored-chunks) - own0))
		copies=$(awk -v a="$held0" -v b="$(held_others)" -v c="$nch" \
		    'BEGIN { if (c > 0) printf "%.2f", (b - a) / c; else print "-" }')

		# fetch on a fresh node
		fetchers=$((fetchers + 1))
		f=f$fetchers
		start "$f" -o bootstrap=127.0.0.1:"$PORT1"
		fpid=$NODE_PID
		waitfor 30 field_ge "$f" peers 1 ||
		    die "fetching node $f has no peers after 30 s" "$f"
		# let it finish joining: it should know the others
		waitfor 30 field_ge "$f" peers $((NODES - 1)) ||
		    echo "bench-net: warning: $f knows only" \
		    "$(sf "$f" peers) peers after 30 s"
		fpeers=$(sf "$f" peers)
		mkdir -p "$T/out"
		t0=$(now)
		saved=$(timeout -k 5 "$TMO" "$B/kadctl" -s "$T/$f/kad.sock" \
		    get -q -o "$T/out" "$link" 2>"$T/err") ||
		    die "get of $mib MiB on $f failed: $(head -1 "$T/err")" "$f"
		tget=$(since "$t0")
		cmp -s "$T/file" "$saved" ||
		    die "the $mib MiB file fetched on $f differs" "$f"
		ctl "$f" status >"$T/status.$f" 2>/dev/null

		# a per-chunk lookup time reported by the node itself?
		lk=$(sed -n 's/^\([a-z-]*lookup[a-z-]*-\(ms\|us\)\): \([0-9.]*\).*/\1 \3/p' \
		    "$T/status.$f" | head -1)
		if [ -n "$lk" ]; then
			LOOKUP_SRC="${lk%% *} in kadctl status of the fetching node"
			case ${lk%% *} in
			*-us)	lms=$(echo "${lk#* }" | awk '{ print $1 / 1000 }') ;;
			*)	lms=${lk#* } ;;
			esac
		else
			fc=$(sed -n 's/^chunks-fetched: //p' "$T/status.$f")
			[ "${fc:-0}" -gt 0 ] 2>/dev/null || fc=$chunks
			LOOKUP_SRC="fetch time / chunks fetched ($fc for $mib MiB: kadctl status has no lookup-time field; chunks are fetched in parallel, so this is not one lookup's latency)"
			lms=$(awk -v s="$tget" -v c="$fc" \
			    'BEGIN { printf "%.4f", s * 1000 / c }')
		fi
		{
			echo "$mib put $r $tput"
			echo "$mib publish $r $tpub"
			echo "$mib fetch $r $tget"
			echo "$mib lookup-ms $r $lms"
		} >>"$T/results"
		echo "bench-net: $mib MiB run $r: put ${tput} s" \
		    "($(mbs $bytes $tput) MB/s), publish ${tpub} s" \
		    "($(mbs $bytes $tpub) MB/s, $copies copies per chunk on" \
		    "n2..n$NODES), fetch on $f ${tget} s" \
		    "($(mbs $bytes $tget) MB/s); $f: peers $fpeers, lookups" \
		    "$(sed -n 's/^lookups: //p' "$T/status.$f")," \
		    "datagrams in/out/dropped" \
		    "$(sed -n 's/^datagrams-in: //p' "$T/status.$f")/$(sed -n 's/^datagrams-out: //p' "$T/status.$f")/$(sed -n 's/^datagrams-dropped: //p' "$T/status.$f")," \
		    "rpc-timeouts $(sed -n 's/^rpc-timeouts: //p' "$T/status.$f")"
		echo "$mib copies $r $copies" >>"$T/results"

		stop_pids "$fpid"
		PIDS=$(echo "$PIDS" | tr ' ' '\n' | grep -vx "$fpid" | tr '\n' ' ')
		rm -rf "${T:?}/$f" "$T/out" "$T/file"
		r=$((r + 1))
	done
done

# 3. medians
echo
echo "bench-net: medians of $RUNS runs, $NODES nodes on 127.0.0.1" \
    "(MB/s = 10^6 bytes of file per second)"
printf '%-8s %-8s %10s %9s   %s\n' size op "median s" "MB/s" "runs (s)"
for mib in $SIZES; do
	bytes=$((mib * 1048576))
	for op in put publish fetch; do
		runs=$(awk -v m="$mib" -v o="$op" '$1 == m && $2 == o { print $4 }' \
		    "$T/results")
		med=$(echo "$runs" | median)
		printf '%-8s %-8s %10s %9s   %s\n' "$mib MiB" "$op" "$med" \
		    "$(mbs $bytes "$med")" "$(echo $runs)"
		[ "$op" = fetch ] && eval "FETCH_MED_$mib=$med"
	done
	lmed=$(awk -v m="$mib" '$1 == m && $2 == "lookup-ms" { print $4 }' \
	    "$T/results" | median)
	printf '%-8s %-8s %10s ms per chunk\n' "$mib MiB" lookup "$lmed"
	cmed=$(awk -v m="$mib" '$1 == m && $2 == "copies" { print $4 }' \
	    "$T/results" | median)
	printf '%-8s %-8s %10s copies per chunk on n2..n%s\n' "$mib MiB" \
	    replicas "$cmed" "$NODES"
done
echo "  put: until kadctl put returns (the file is stored on the publisher)"
echo "  publish: until the publisher's publish-pending is 0 (chunks on their replicas)"
echo "  fetch: kadctl get on a node that joined after the publish (no copy)"
echo "  lookup: $LOOKUP_SRC"
echo "  replicas: new chunks stored on nodes 2..$NODES per published chunk once" \
    "publish-pending is 0 (expected" \
    "between 7 and 8 with replicas=8: node 1 is one of the 8 closest to" \
    "a key for about 8/$NODES of the keys)"
echo
echo "bench-net: per-node counters at the end (non-zero drops and timeouts):"
for i in $(seq "$NODES"); do
	echo "  n$i: $(ctl "n$i" status 2>/dev/null | grep -E \
	    '^(stored-chunks|rpc-timeouts|drop-[a-z-]*|datagrams-dropped|chunks-refused): ' |
	    grep -v ': 0$' | tr '\n' ' ')"
done
eval "tm=\${FETCH_MED_$TARGET_MIB:-}"
if [ -n "$tm" ]; then
	m=$(mbs $((TARGET_MIB * 1048576)) "$tm")
	echo "target: $TARGET_MIB MiB fetch >= $TARGET_MBS MB/s: measured $m MB/s," \
	    "ratio $(awk -v m="$m" -v t=$TARGET_MBS 'BEGIN {
	    if (m == "-") print "-"; else printf "%.2f", m / t }')"
else
	echo "target: $TARGET_MIB MiB fetch >= $TARGET_MBS MB/s: not measured" \
	    "(no $TARGET_MIB MiB run)"
fi
exit 0
