#!/bin/sh
# SPDX-License-Identifier: ISC
# bench/bench_net.sh BUILD_DIR: kad's network throughput on loopback.
#
# For each size in BENCH_NET_MIB ("10 100") and BENCH_NET_RUNS (3) times,
# a run on a network of its own (runs share nothing, so that no run pays
# for the contacts a previous one left behind):
#   1. NODES (10) fresh nodes, nN on 127.0.0.N (a routing table takes at
#      most 2 contacts of one loopback address a bucket, docs/PROTOCOL.md
#      section 7, so nodes sharing one address would hardly meet), nodes
#      2..10 bootstrapping from
#      node 1; every node must have peers.
#   2. A random file is published on node 1, timed twice: until
#      `kadctl put -q` returns, and until node 1's publish-pending is 0
#      (every chunk pushed to its replicas).  The copies per chunk found on
#      nodes 2..10 then, and BENCH_NET_SETTLE (5) seconds later, are
#      reported (2 copies a chunk, the root 8: just under 2).
#   3. A fresh node joins through node 1 (it holds no copy: it was not
#      there when the chunks were placed), waits up to 3 s to know the
#      others (not longer: the network copies chunks to a new node after
#      a while, which would make the fetch local; a warning says so if it
#      holds chunks before its get), and fetches the link with
#      `kadctl get -q`; the file is checked with cmp.
#   4. Every node is stopped and the run's directory removed.
#   5. libtorrent fetches the same file (bench/libtorrent_ref.py: two
#      sessions in one process over TCP on 127.0.0.1, DHT, LSD, UPnP,
#      NAT-PMP and uTP off), timed from adding the torrent to its last
#      piece, and checked.
# Then medians over the runs: seconds and MB/s (10^6 bytes of file per
# second) of put, publish and fetch, and the per-chunk lookup time: from
# the fetching node's status when it reports one (a key with "lookup" and
# "-ms"/"-us" in its name), else the fetch time divided by the chunks it
# fetched, which the output says.  Last, "target: 100 MiB fetch >= 25
# MB/s" and the measured ratio, and for each size kad's and libtorrent's
# fetch MB/s (median, each run and its distance from the median, max/min)
# with kad's median as a ratio to libtorrent's against the goal (0.9),
# and whether every kad run is within 25 % of its median.
#
# BENCH_NET_TIMEOUT (900) bounds each put, publish wait and fetch, in
# seconds; BENCH_NET_OPTS adds kadmaster options to every node;
# BENCH_NET_VERBOSE=1 prints every node's non-zero drop counters after
# each run (they are always printed when something fails); BENCH_KEEP=1
# keeps the temporary directory; BENCH_LT=0 skips libtorrent,
# BENCH_PYTHON (/usr/bin/python3) runs it (bench/libtorrent.sh).  Every process started here is stopped
# on exit (also on ^C).  The exit status is non-zero only if something
# failed, never because of the target.

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
# as root, kadmaster needs the workers' users (what make install makes)
sh "$(dirname "$0")/../tests/mkusers.sh" || exit 1
NODES=${BENCH_NET_NODES:-10}
RUNS=${BENCH_NET_RUNS:-3}
SIZES=${BENCH_NET_MIB:-10 100}
TMO=${BENCH_NET_TIMEOUT:-900}
SETTLE=${BENCH_NET_SETTLE:-5}
TARGET_MIB=100
TARGET_MBS=25
LT_GOAL=0.9	# kad's fetch as a ratio to libtorrent's, at least
LT_SPREAD=25	# every kad fetch within this % of the median
. "$(dirname "$0")/libtorrent.sh"
lt_check || echo "bench-net: libtorrent not measured: $LT_SKIP"

T=$(mktemp -d /tmp/kad-benchnet.XXXXXX) || exit 1
chmod 755 "$T"
PIDS=""		# the kadmasters of the current run
R=""		# the current run's directory under $T (nodes R/n1.., R/f)

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

# net_down: stop the current run's nodes (workers leave with their master)
net_down() {
	# shellcheck disable=SC2086
	stop_pids $PIDS
	PIDS=""
	sleep 0.2
	for p in $(pgrep -f "kad(net|store|crypt) .*$T/" 2>/dev/null); do
		kill -9 "$p" 2>/dev/null
	done
}

cleanup() {
	net_down
	if [ "${BENCH_KEEP:-0}" = 1 ]; then
		echo "bench-net: kept $T"
	else
		rm -rf "$T"
	fi
}
trap cleanup EXIT
trap 'exit 129' HUP
trap 'exit 130' INT
trap 'exit 141' PIPE
trap 'exit 143' TERM

ctl() { _c=$1; shift; "$B/kadctl" -s "$T/$R/$_c/kad.sock" "$@"; }
sf() { ctl "$1" -p status 2>/dev/null | sed -n "s/^$2: //p"; }
now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.3f", b - a }'; }

# counters: every running node's non-zero drop and timeout counters
counters() {
	for _d in "$T/$R"/n* "$T/$R"/f; do
		[ -S "$_d/kad.sock" ] || continue
		_n=${_d##*/}
		echo "bench-net:   $_n: $(ctl "$_n" -p status 2>/dev/null | grep -E \
		    '^(peers|stored-chunks|publish-pending|rpc-timeouts|drop-[a-z-]*|datagrams-[a-z]*|chunks-refused|fetch-failures): ' |
		    grep -v ': 0$' | tr '\n' ' ')"
	done
}

die() {	# message [node]
	echo "bench-net: $1" >&2
	if [ $# -gt 1 ] && [ -f "$T/$R/$2.log" ]; then
		tail -n 15 "$T/$R/$2.log" | sed "s|^|bench-net:   $2.log: |" >&2
	fi
	echo "bench-net: counters of the run's nodes:" >&2
	counters >&2
	exit 1
}

# start NAME [options]: a node in $T/$R/NAME; sets NODE_PID.  Every start
# is a first one, with a random port: if that port is taken on this
# machine, the node is started again with a new identity.
start() {
	_s=$1; shift
	_try=1
	case $_s in
	n[0-9]*)	_a=127.0.0.${_s#n} ;;
	*)		_a=127.0.0.200 ;;	# the fetching node
	esac
	while :; do
		mkdir -p "$T/$R/$_s"
		chmod 700 "$T/$R/$_s"
		# shellcheck disable=SC2086
		"$B/kadmaster" -d -o datadir="$T/$R/$_s" -o libexec="$B" \
		    -o listen="$_a" ${BENCH_NET_OPTS:-} "$@" \
		    >"$T/$R/$_s.log" 2>&1 &
		NODE_PID=$!
		PIDS="$PIDS $NODE_PID"
		_n=0
		while ! ctl "$_s" status >/dev/null 2>&1; do
			_n=$((_n + 1))
			# (60 s: a first start grinds the key puzzle)
			if [ $_n -gt 600 ] || ! kill -0 "$NODE_PID" 2>/dev/null
			then
				break
			fi
			sleep 0.1
		done
		ctl "$_s" status >/dev/null 2>&1 && return 0
		if [ $_try -lt 3 ] &&
		    grep -q 'bind: Address already in use' "$T/$R/$_s.log"; then
			echo "bench-net: $_s: its random port is taken; trying another"
			rm -rf "${T:?}/$R/$_s"
			_try=$((_try + 1))
			continue
		fi
		die "node $_s did not start" "$_s"
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

# cpu_net: CPU seconds of nodes 1..NODES (the serving nodes), all processes
cpu_net() {
	_s=0
	for _i in $(seq "$NODES"); do
		_s=$(awk -v a="$_s" -v b="$(cpu_of "n$_i")" 'BEGIN { print a + b }')
	done
	echo "$_s"
}

# held_others: chunks stored on nodes 2..NODES (copies placed by node 1)
held_others() {
	_h=0
	for _i in $(seq 2 "$NODES"); do
		_h=$((_h + $(sf "n$_i" stored-chunks)))
	done
	echo $_h
}

# cpu_of NODE: user + system CPU seconds of the node's four processes
cpu_of() {
	_c=0
	for _p in $(ctl "$1" -p status 2>/dev/null |
	    sed -n 's/^pid-kad[a-z]*: //p'); do
		# fields 14, 15 after the command's parenthesis: utime, stime
		_t=$(sed 's/.*) //' "/proc/$_p/stat" 2>/dev/null |
		    awk '{ print $12 + $13 }')
		_c=$((_c + ${_t:-0}))
	done
	awk -v c="$_c" -v hz="$(getconf CLK_TCK)" 'BEGIN { printf "%.3f", c / hz }'
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

# net_up: NODES fresh nodes in $T/$R, 2..NODES bootstrapping from n1
net_up() {
	start n1
	PORT1=$(sf n1 port)
	[ -n "$PORT1" ] || die "node n1 reports no port" n1
	_i=2
	while [ "$_i" -le "$NODES" ]; do
		start "n$_i" -o bootstrap=127.0.0.1:"$PORT1"
		_i=$((_i + 1))
	done
	for _i in $(seq "$NODES"); do
		waitfor 30 field_ge "n$_i" peers 1 ||
		    die "node n$_i has no peers after 30 s" "n$_i"
	done
}

echo "bench-net: $NODES nodes on 127.0.0.1..$NODES (a fresh network per run)," \
    "binaries from $B, $RUNS runs per size, data in $T"

: >"$T/results"		# "MIB WHAT RUN VALUE" lines
LOOKUP_SRC=""
for mib in $SIZES; do
	bytes=$((mib * 1048576))
	r=1
	while [ "$r" -le "$RUNS" ]; do
		R=$mib-$r
		t0=$(now)
		net_up
		tnet=$(since "$t0")
		head -c "$bytes" /dev/urandom >"$T/file" ||
		    die "cannot write a $mib MiB file in $T"

		# publish on node 1
		held0=$(held_others)
		own0=$(sf n1 stored-chunks)
		t0=$(now)
		link=$(timeout -k 5 "$TMO" "$B/kadctl" -s "$T/$R/n1/kad.sock" \
		    put -q "$T/file" 2>"$T/err") ||
		    die "put of $mib MiB failed: $(head -1 "$T/err")" n1
		tput=$(since "$t0")
		waitfor "$TMO" field_eq n1 publish-pending 0 ||
		    die "n1 still has $(sf n1 publish-pending) chunks to push" \
		    "after $TMO s" n1
		tpub=$(since "$t0")
		# the file's chunks (data and manifest) = node 1's new ones
		nch=$(($(sf n1 stored-chunks) - own0))
		copies=$(awk -v a="$held0" -v b="$(held_others)" -v c="$nch" \
		    'BEGIN { if (c > 0) printf "%.2f", (b - a) / c; else print "-" }')
		# and a few seconds later: stores still on their way, or lost?
		sleep "$SETTLE"
		copies2=$(awk -v a="$held0" -v b="$(held_others)" -v c="$nch" \
		    'BEGIN { if (c > 0) printf "%.2f", (b - a) / c; else print "-" }')

		# fetch on a fresh node
		start f -o bootstrap=127.0.0.1:"$PORT1"
		waitfor 30 field_ge f peers 1 ||
		    die "the fetching node has no peers after 30 s" f
		# let it finish joining (it should know the others), but not
		# for long: the network starts copying chunks to a new node
		waitfor 3 field_ge f peers "$NODES" || true
		fpeers=$(sf f peers)
		fheld=$(sf f stored-chunks)
		[ "${fheld:-0}" = 0 ] || echo "bench-net: warning: the fetching" \
		    "node received $fheld chunks before its get"
		mkdir -p "$T/out"
		hs0=$(sf f handshakes)
		cpu0=$(cpu_of f)
		scpu0=$(cpu_net)
		t0=$(now)
		saved=$(timeout -k 5 "$TMO" "$B/kadctl" -s "$T/$R/f/kad.sock" \
		    get -q -o "$T/out" "$link" 2>"$T/err") ||
		    die "get of $mib MiB failed: $(head -1 "$T/err")" f
		tget=$(since "$t0")
		cpu1=$(cpu_of f)
		scpu1=$(cpu_net)
		hs1=$(sf f handshakes)
		cmp -s "$T/file" "$saved" ||
		    die "the $mib MiB file fetched on the fresh node differs" f
		ctl f -p status >"$T/status.f" 2>/dev/null
		sfv() { sed -n "s/^$1: //p" "$T/status.f"; }

		# a per-chunk lookup time reported by the node itself?
		lk=$(sed -n 's/^\([a-z-]*lookup[a-z-]*-\(ms\|us\)\): \([0-9.]*\).*/\1 \3/p' \
		    "$T/status.f" | head -1)
		if [ -n "$lk" ]; then
			LOOKUP_SRC="${lk%% *} in kadctl status of the fetching node"
			case ${lk%% *} in
			*-us)	lms=$(echo "${lk#* }" | awk '{ print $1 / 1000 }') ;;
			*)	lms=${lk#* } ;;
			esac
		else
			fc=$(sfv chunks-fetched)
			[ "${fc:-0}" -gt 0 ] 2>/dev/null || fc=$(((bytes + 1023) / 1024))
			LOOKUP_SRC="fetch time / chunks fetched ($fc for $mib MiB; kadctl status has no lookup-time field, and chunks are fetched in parallel, so this is not one lookup's latency)"
			lms=$(awk -v s="$tget" -v c="$fc" \
			    'BEGIN { printf "%.4f", s * 1000 / c }')
		fi
		fc=$(sfv chunks-fetched)
		hsn=$((${hs1:-0} - ${hs0:-0}))
		hps=$(awk -v h="$hsn" -v s="$tget" 'BEGIN { printf "%.1f", h / s }')
		cpc=$(awk -v a="$cpu0" -v b="$cpu1" -v c="${fc:-0}" 'BEGIN {
		    if (c > 0) printf "%.1f", (b - a) * 1e6 / c; else print "-" }')
		scpc=$(awk -v a="$scpu0" -v b="$scpu1" -v c="${fc:-0}" 'BEGIN {
		    if (c > 0) printf "%.1f", (b - a) * 1e6 / c; else print "-" }')
		{
			echo "$mib handshakes $r $hsn"
			echo "$mib hs-per-s $r $hps"
			echo "$mib cpu-us-per-chunk $r $cpc"
			echo "$mib srv-cpu-us-per-chunk $r $scpc"
			echo "$mib put $r $tput"
			echo "$mib publish $r $tpub"
			echo "$mib fetch $r $tget"
			echo "$mib lookup-ms $r $lms"
			echo "$mib copies $r $copies"
			echo "$mib copies2 $r $copies2"
		} >>"$T/results"
		echo "bench-net: $mib MiB run $r: network up ${tnet} s;" \
		    "put ${tput} s ($(mbs $bytes "$tput") MB/s), publish" \
		    "${tpub} s ($(mbs $bytes "$tpub") MB/s, $copies copies per" \
		    "chunk on n2..n$NODES, $copies2 ${SETTLE} s later);" \
		    "fetch ${tget} s" \
		    "($(mbs $bytes "$tget") MB/s, fetching node: peers $fpeers," \
		    "held $fheld chunks before, fetched $(sfv chunks-fetched)," \
		    "lookups $(sfv lookups), datagrams in/out/dropped" \
		    "$(sfv datagrams-in)/$(sfv datagrams-out)/$(sfv datagrams-dropped)," \
		    "rpc-timeouts $(sfv rpc-timeouts); handshakes $hsn during" \
		    "the get ($hps/s), ${hs1:-?} since it started;" \
		    "CPU $cpc us per chunk, n1..n$NODES $scpc us per chunk)"
		if [ "${BENCH_NET_VERBOSE:-0}" = 1 ]; then
			counters
		fi
		net_down
		if [ -z "$LT_SKIP" ]; then
			"$LT_PY" "$LT_REF" -t "$TMO" local "$T/file" \
			    >"$T/lt.out" 2>&1 ||
			    die "libtorrent's fetch of $mib MiB failed: $(tail -1 "$T/lt.out")"
			tlt=$(lt_secs "$T/lt.out")
			echo "$mib lt-fetch $r $tlt" >>"$T/results"
			echo "bench-net: $mib MiB run $r: libtorrent fetch $tlt s" \
			    "($(mbs $bytes "$tlt") MB/s)"
		fi
		rm -rf "${T:?}/$R" "$T/out" "$T/file"
		r=$((r + 1))
	done
done

echo
echo "bench-net: medians of $RUNS runs, $NODES nodes on 127.0.0.1..$NODES" \
    "(MB/s = 10^6 bytes of file per second)"
printf '%-8s %-8s %10s %9s   %s\n' size op "median s" "MB/s" "runs (s)"
for mib in $SIZES; do
	bytes=$((mib * 1048576))
	for op in put publish fetch; do
		runs=$(awk -v m="$mib" -v o="$op" '$1 == m && $2 == o { print $4 }' \
		    "$T/results")
		med=$(echo "$runs" | median)
		# shellcheck disable=SC2086
		printf '%-8s %-8s %10s %9s   %s\n' "$mib MiB" "$op" "$med" \
		    "$(mbs $bytes "$med")" "$(echo $runs)"
		[ "$op" = fetch ] && eval "FETCH_MED_$mib=$med"
	done
	lmed=$(awk -v m="$mib" '$1 == m && $2 == "lookup-ms" { print $4 }' \
	    "$T/results" | median)
	printf '%-8s %-8s %10s ms per chunk\n' "$mib MiB" lookup "$lmed"
	for k in handshakes hs-per-s cpu-us-per-chunk srv-cpu-us-per-chunk; do
		v=$(awk -v m="$mib" -v k=$k '$1 == m && $2 == k { print $4 }' \
		    "$T/results" | median)
		printf '%-8s %-8s %10s\n' "$mib MiB" "$k" "$v"
	done
	cmed=$(awk -v m="$mib" '$1 == m && $2 == "copies" { print $4 }' \
	    "$T/results" | median)
	cmed2=$(awk -v m="$mib" '$1 == m && $2 == "copies2" { print $4 }' \
	    "$T/results" | median)
	printf '%-8s %-8s %10s copies per chunk on n2..n%s (%s, %s s later)\n' \
	    "$mib MiB" replicas "$cmed" "$NODES" "$cmed2" "$SETTLE"
done
echo "  put: until kadctl put returns (the file is stored on the publisher)"
echo "  publish: until the publisher's publish-pending is 0 (chunks pushed to their replicas)"
echo "  fetch: kadctl get on a node that joined after the publish (no copy)"
echo "  lookup: $LOOKUP_SRC"
echo "  handshakes: completed by the fetching node during its get (hs-per-s:" \
    "per second of the get; the run's line also says how many since it" \
    "started: about one per peer); cpu-us-per-chunk: user + system CPU of" \
    "the fetching node's four processes during the get, per chunk fetched;" \
    "srv-cpu-us-per-chunk: the same for nodes 1..$NODES together (serving" \
    "the chunks, and copying some to the new node);" \
    "make bench's bench_session gives the handshakes one core can do"
echo "  replicas: chunks newly stored on nodes 2..$NODES per chunk of the file" \
    "once publish-pending is 0; with 2 copies a chunk (docs/FORMAT.md, the" \
    "root 8) this should be just under 2 (node 1 is itself one of the 2" \
    "closest to about 2/$NODES of the keys, and keeps only those)"
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
echo
if [ -n "$LT_SKIP" ]; then
	echo "bench-net: libtorrent not measured: $LT_SKIP"
	exit 0
fi
echo "bench-net: kad ($NODES nodes) against libtorrent $LT_VERSION (two" \
    "sessions, TCP on 127.0.0.1), the same file in each run; MB/s of file"
for mib in $SIZES; do
	echo "$mib MiB:"
	lt_compare "$mib" "$LT_GOAL" "$LT_SPREAD" \
	    "$(awk -v m="$mib" '$1 == m && $2 == "fetch" { print $4 }' "$T/results")" \
	    "$(awk -v m="$mib" '$1 == m && $2 == "lt-fetch" { print $4 }' "$T/results")"
done
exit 0
