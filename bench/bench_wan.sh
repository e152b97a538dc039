#!/bin/sh
# SPDX-License-Identifier: ISC
# bench/bench_wan.sh BUILD_DIR: kad on an emulated WAN (docs/WAN.md,
# docs/PERFORMANCE.md "WAN emulator").  Root only: every node is in a
# network namespace of its own and every packet between them goes
# through kadwan (tests/wan).
#
#   1. The emulator's own ceiling (BENCH_WAN_PPS=1, the default): wanperf
#      blasts 1100-byte UDP datagrams through kadwan at 50 ms RTT, no
#      loss, for BENCH_WAN_PPS_SECS (3) s, 3 times each: one sender, and
#      four senders to four receivers, as fast as they can; one sender
#      paced at 50 000, 100 000 and 150 000 datagrams/s; four senders at
#      25 000/s each.  Printed:
#      what kadwan delivered per second, what the kernel dropped before
#      kadwan read it (tun-tx-dropped), and how late kadwan wrote (p99).
#   2. For each size in BENCH_WAN_MIB ("10 100"; "" for stage 1 only),
#      BENCH_WAN_RUNS (3) runs,
#      each on a network of its own: BENCH_WAN_NODES (20) nodes at
#      BENCH_WAN_RTT (50) ms round trip and BENCH_WAN_LOSS (1) % loss,
#      2..N bootstrapping from node 1; a random file put on node 1 (timed
#      until kadctl put returns, and until publish-pending is 0); the
#      copies on nodes 2..N then and BENCH_WAN_SETTLE (5) s later; a fresh
#      node joins through node 1 and fetches the link; cmp.
#      Datagrams per chunk: the sum of every node's datagrams-out, and
#      kadwan's packets-in, over the publish (put to settled) and over
#      the fetch, divided by the file's chunks.
#      Then libtorrent on the same file through the same emulator, in
#      the same run (bench/libtorrent_ref.py, bench/libtorrent.sh):
#      kadwan with the same options between BENCH_WAN_LT_SEEDS (1)
#      seeding hosts and one downloading host, each a libtorrent session
#      in a namespace of its own, TCP only (DHT, LSD, UPnP, NAT-PMP and
#      uTP off); the download timed from adding the torrent to its last
#      piece, checked.
#   3. Medians with min..max of the runs: MB/s (10^6 bytes of file per
#      second) of put, publish and fetch, datagrams per chunk, and
#      kadwan's loss, delay and lateness; kad's and libtorrent's fetch
#      (each run and its distance from the median, max/min) and kad's
#      median as a ratio to libtorrent's, against the goal (0.5).
#
# BENCH_WAN_JITTER (0 ms), BENCH_WAN_KADWAN (more kadwan options, e.g.
# "-r 10M" or "-f"), BENCH_WAN_OPTS (kadmaster options for every node),
# BENCH_WAN_TIMEOUT (900 s for each put, publish and fetch),
# BENCH_WAN_VERBOSE=1 (every node's non-zero counters after each run),
# WAN_KEEP=1 (keep each run's directory), BENCH_LT=0 (no libtorrent),
# BENCH_PYTHON (/usr/bin/python3, which runs libtorrent_ref.py).  Every
# process started here is stopped by its PID on any exit, also on ^C;
# the namespaces are deleted.
# The exit status is non-zero only if something failed.

set -u

if [ $# -ne 1 ] || [ ! -d "$1" ]; then
	echo "usage: bench/bench_wan.sh BUILD_DIR" >&2
	exit 2
fi
KAD_BIN=$(cd "$1" && pwd)
KAD_TOP=$(cd "$(dirname "$0")/.." && pwd)
for f in kadmaster kadctl kadnet kadstore kadcrypt kadwan wanperf; do
	if [ ! -x "$KAD_BIN/$f" ]; then
		echo "bench-wan: $KAD_BIN/$f is missing (run make bench-wan)" >&2
		exit 2
	fi
done
. "$KAD_TOP/tests/wan/wan.sh"
if ! wan_check; then
	echo "bench-wan: cannot run: $WAN_SKIP" >&2
	exit 2
fi
NODES=${BENCH_WAN_NODES:-20}
RUNS=${BENCH_WAN_RUNS:-3}
SIZES=${BENCH_WAN_MIB-10 100}	# empty: the packet rate only
RTT=${BENCH_WAN_RTT:-50}
LOSS=${BENCH_WAN_LOSS:-1}
JITTER=${BENCH_WAN_JITTER:-0}
TMO=${BENCH_WAN_TIMEOUT:-900}
SETTLE=${BENCH_WAN_SETTLE:-5}
PPS=${BENCH_WAN_PPS:-1}
PPS_SECS=${BENCH_WAN_PPS_SECS:-3}
FETCH=$((NODES + 1))
LT_SEEDS=${BENCH_WAN_LT_SEEDS:-1}
LT_GOAL=0.5	# kad's fetch as a ratio to libtorrent's, at least
LT_PORT=6881	# every host has its own ports: one for all
. "$KAD_TOP/bench/libtorrent.sh"
lt_check || echo "bench-wan: libtorrent not measured: $LT_SKIP"

T=$(mktemp -d /tmp/kad-benchwan.XXXXXX) || exit 1
cleanup() {
	wan_down
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 129' HUP
trap 'exit 130' INT
trap 'exit 141' PIPE
trap 'exit 143' TERM

now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.3f", b - a }'; }
kv() { sed -n "s/^$2: //p" "$1"; }
field_ge() { [ "$(wan_sf "$1" "$2")" -ge "$3" ] 2>/dev/null; }
field_eq() { [ "$(wan_sf "$1" "$2")" = "$3" ]; }
waitfor() {	# SECONDS command...: poll every 0.1 s
	_t=$(($1 * 10)); shift
	while ! "$@"; do
		_t=$((_t - 1))
		[ $_t -le 0 ] && return 1
		sleep 0.1
	done
}
mbs() {	# bytes seconds
	awk -v b="$1" -v s="$2" 'BEGIN {
		if (s == "-" || s <= 0) print "-"; else printf "%.2f", b / s / 1e6 }'
}
# spread LIST: "median (min..max)" of the numbers on the command line
spread() {
	echo "$@" | tr ' ' '\n' | grep -v '^$' | sort -g | awk '
		{ v[NR] = $1 }
		END {
			if (NR == 0) { print "-"; exit }
			m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
			printf "%g (%g..%g)", m, v[1], v[NR] }'
}
median() {
	echo "$@" | tr ' ' '\n' | grep -v '^$' | sort -g | awk '
		{ v[NR] = $1 }
		END {
			if (NR == 0) { print "-"; exit }
			print NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

counters() {	# every node's non-zero counters
	for _i in $(seq $FETCH); do
		[ -S "$WAN_DIR/n$_i/kad.sock" ] || continue
		echo "bench-wan:   n$_i: $(wan_ctl $_i status 2>/dev/null | grep -E \
		    '^(peers|stored-chunks|publish-pending|publish-failures|rpc-timeouts|drop-[a-z-]*|datagrams-[a-z]*|chunks-refused|fetch-[a-z]*): ' |
		    grep -v ': 0$' | tr '\n' ' ')"
	done
}
die() {	# message [node]
	echo "bench-wan: $1" >&2
	if [ $# -gt 1 ] && [ -f "$WAN_DIR/n$2.log" ]; then
		tail -n 15 "$WAN_DIR/n$2.log" | sed "s|^|bench-wan:   n$2.log: |" >&2
	fi
	if [ -n "$WAN_DIR" ]; then
		echo "bench-wan: counters of the run's nodes:" >&2
		counters >&2
		wan_stats 2>/dev/null | sed 's/^/bench-wan:   kadwan: /' >&2
	fi
	exit 1
}
# dgrams_out: the sum of datagrams-out over the running nodes
dgrams_out() {
	_s=0
	for _i in $(seq $FETCH); do
		[ -S "$WAN_DIR/n$_i/kad.sock" ] || continue
		_s=$((_s + $(wan_sf $_i datagrams-out)))
	done
	echo $_s
}
held_others() {
	_h=0
	for _i in $(seq 2 $NODES); do
		_h=$((_h + $(wan_sf $_i stored-chunks)))
	done
	echo $_h
}

# lt_wan MIB RUN: libtorrent fetches $T/file through kadwan (the kad
# run's settings) from LT_SEEDS seeding hosts; appends to $T/results
lt_wan() {
	# shellcheck disable=SC2086
	wan_up $((LT_SEEDS + 1)) -d "$RTT" -l "$LOSS" -j "$JITTER" \
	    ${BENCH_WAN_KADWAN:-} || die "kadwan did not start"
	"$LT_PY" "$LT_REF" mktorrent "$T/file" "$T/file.torrent" ||
	    die "libtorrent: cannot make the torrent"
	_peers=""
	for _k in $(seq "$LT_SEEDS"); do
		wan_bg "${LT_PY##*/}" "$_k" "$LT_PY" "$LT_REF" -t $((TMO + 120)) \
		    seed "$T/file.torrent" "$T/file" "$(wan_addr "$_k"):$LT_PORT" \
		    >"$T/lt-seed.$_k" 2>&1
		_peers="$_peers $(wan_addr "$_k"):$LT_PORT"
		waitfor 120 grep -q '^libtorrent-seeding' "$T/lt-seed.$_k" ||
		    die "libtorrent's seed $_k did not start: $(tail -1 "$T/lt-seed.$_k")"
	done
	_f=$((LT_SEEDS + 1))
	wan_stats >"$T/lw0" || die "no report from kadwan"
	# shellcheck disable=SC2086
	wan_exec $_f "$LT_PY" "$LT_REF" -t "$TMO" fetch "$T/file.torrent" \
	    "$T/file" "$(wan_addr $_f):$LT_PORT" $_peers >"$T/lt.out" 2>&1 ||
	    die "libtorrent's fetch of $1 MiB failed: $(tail -1 "$T/lt.out")"
	wan_stats >"$T/lw1" || die "no report from kadwan"
	_s=$(lt_secs "$T/lt.out")
	_pk=$(($(kv "$T/lw1" packets-in) - $(kv "$T/lw0" packets-in)))
	echo "$1 lt-fetch $2 $_s" >>"$T/results"
	echo "$1 lt-fetch-mbs $2 $(mbs $(($1 * 1048576)) "$_s")" >>"$T/results"
	echo "bench-wan: $1 MiB run $2: libtorrent fetch $_s s" \
	    "($(mbs $(($1 * 1048576)) "$_s") MB/s) from $LT_SEEDS seed(s);" \
	    "kadwan: $_pk packets, loss $(kv "$T/lw1" loss-percent) %," \
	    "delay p50/p99 $(kv "$T/lw1" delay-ms-p50)/$(kv "$T/lw1" delay-ms-p99)" \
	    "ms, late p99 $(kv "$T/lw1" late-us-p99) us"
	wan_down
	rm -f "$T/file" "$T/file.torrent"
}

echo "bench-wan: $(nproc) CPUs, load average $(cut -d' ' -f1-3 /proc/loadavg)," \
    "binaries from $KAD_BIN"

# 1. the emulator's ceiling
# blast SENDERS RATE: SENDERS wanperf blasts (host i to host SENDERS+i),
# rate 0 = as fast as they go; appends "delivered-pps tun-dropped late-p99
# received-pps cpu-us-per-packet" to $T/pps.$SENDERS.$RATE: received-pps
# is the sum of the sinks' rates (first to last datagram), delivered-pps
# kadwan's deliveries over the senders' seconds (higher when kadwan falls
# behind and is still writing after the senders stopped)
blast() {
	_ns=$1 _rate=$2
	wan_up $((2 * _ns)) -d 50 ${BENCH_WAN_KADWAN:-} ||
	    die "kadwan did not start"
	_k=1
	while [ $_k -le "$_ns" ]; do
		wan_bg wanperf $((_ns + _k)) "$KAD_BIN/wanperf" sink -t 2 5000 \
		    >"$T/sink.$_k" 2>&1
		eval "_sink_$_k=\$WAN_BG_PID"
		_k=$((_k + 1))
	done
	sleep 0.3
	wan_stats >"$T/w0"
	_k=1
	while [ $_k -le "$_ns" ]; do
		wan_bg wanperf $_k "$KAD_BIN/wanperf" blast -r "$_rate" \
		    -t "$PPS_SECS" -s 1100 "$(wan_addr $((_ns + _k)))" 5000 \
		    >"$T/blast.$_k" 2>&1
		_k=$((_k + 1))
	done
	_k=1
	while [ $_k -le "$_ns" ]; do
		eval "wait \$_sink_$_k" 2>/dev/null
		_k=$((_k + 1))
	done
	wan_stats >"$T/w1"
	_sp=0
	for _k in $(seq "$_ns"); do
		_sp=$((_sp + $(kv "$T/sink.$_k" pps)))
	done
	# delivered per second, from the emulator's counters and clock
	awk -v d0="$(kv "$T/w0" delivered)" -v d1="$(kv "$T/w1" delivered)" \
	    -v s="$PPS_SECS" -v t="$(kv "$T/w1" tun-tx-dropped)" \
	    -v l="$(kv "$T/w1" late-us-p99)" -v sp="$_sp" \
	    -v c="$(kv "$T/w1" cpu-us-per-packet)" \
	    'BEGIN { printf "%.0f %d %d %d %.2f\n", (d1 - d0) / s, t, l, sp, c }' \
	    >>"$T/pps.$_ns.$_rate"
	wan_down
}
if [ "$PPS" = 1 ]; then
	echo "bench-wan: kadwan's packet rate (1100-byte UDP, 50 ms RTT," \
	    "no loss, $PPS_SECS s per run, 3 runs)"
	for cfg in "1 0" "4 0" "1 50000" "1 100000" "1 150000" "4 25000"; do
		set -- $cfg
		for r in 1 2 3; do blast "$1" "$2"; done
		f=$T/pps.$1.$2
		if [ "$2" = 0 ]; then
			what="$1 sender(s) flat out"
		else
			what="$1 sender(s) at $2/s each"
		fi
		echo "bench-wan:   $what: received/s $(spread $(awk '{print $4}' "$f"))," \
		    "kadwan delivered/s $(spread $(awk '{print $1}' "$f"))," \
		    "tun-tx-dropped $(spread $(awk '{print $2}' "$f"))," \
		    "late p99 us $(spread $(awk '{print $3}' "$f"))," \
		    "CPU us/packet $(spread $(awk '{print $5}' "$f"))"
	done
fi

# 2. kad
[ -n "$SIZES" ] || exit 0
echo "bench-wan: $NODES nodes (and a fresh one that fetches), $RTT ms RTT," \
    "$LOSS % loss, jitter $JITTER ms${BENCH_WAN_KADWAN:+, kadwan $BENCH_WAN_KADWAN}," \
    "a fresh network per run, $RUNS runs per size"
: >"$T/results"		# "MIB WHAT RUN VALUE" lines
for mib in $SIZES; do
	bytes=$((mib * 1048576))
	r=1
	while [ "$r" -le "$RUNS" ]; do
		t0=$(now)
		# shellcheck disable=SC2086
		wan_up $FETCH -d "$RTT" -l "$LOSS" -j "$JITTER" \
		    ${BENCH_WAN_KADWAN:-} || die "kadwan did not start"
		# shellcheck disable=SC2086
		wan_net $NODES ${BENCH_WAN_OPTS:-} || die "the network did not come up"
		tnet=$(since "$t0")
		head -c "$bytes" /dev/urandom >"$WAN_DIR/file" ||
		    die "cannot write a $mib MiB file"

		# publish on node 1
		held0=$(held_others)
		own0=$(wan_sf 1 stored-chunks)
		d0=$(dgrams_out)
		wan_stats >"$T/w0" || die "no report from kadwan"
		t0=$(now)
		link=$(timeout -k 5 "$TMO" "$KAD_BIN/kadctl" \
		    -s "$WAN_DIR/n1/kad.sock" put -q "$WAN_DIR/file" 2>"$T/err") ||
		    die "put of $mib MiB failed: $(head -1 "$T/err")" 1
		tput=$(since "$t0")
		waitfor "$TMO" field_eq 1 publish-pending 0 ||
		    die "n1 still has $(wan_sf 1 publish-pending) chunks to push after $TMO s" 1
		tpub=$(since "$t0")
		nch=$(($(wan_sf 1 stored-chunks) - own0))
		copies=$(awk -v a="$held0" -v b="$(held_others)" -v c="$nch" \
		    'BEGIN { if (c > 0) printf "%.2f", (b - a) / c; else print "-" }')
		sleep "$SETTLE"
		copies2=$(awk -v a="$held0" -v b="$(held_others)" -v c="$nch" \
		    'BEGIN { if (c > 0) printf "%.2f", (b - a) / c; else print "-" }')
		d1=$(dgrams_out)
		wan_stats >"$T/w1" || die "no report from kadwan"

		# fetch on a fresh node
		wan_node $FETCH -o bootstrap="$(wan_addr 1):$(wan_sf 1 port)" \
		    ${BENCH_WAN_OPTS:-} || die "the fetching node did not start"
		waitfor 40 field_ge $FETCH peers 1 ||
		    die "the fetching node has no peers after 40 s" $FETCH
		waitfor 3 field_ge $FETCH peers "$NODES" || true
		fpeers=$(wan_sf $FETCH peers)
		fheld=$(wan_sf $FETCH stored-chunks)
		[ "${fheld:-0}" = 0 ] || echo "bench-wan: warning: the fetching" \
		    "node received $fheld chunks before its get"
		mkdir -p "$WAN_DIR/out"
		d2=$(dgrams_out)
		wan_stats >"$T/w2" || die "no report from kadwan"
		t0=$(now)
		saved=$(timeout -k 5 "$TMO" "$KAD_BIN/kadctl" \
		    -s "$WAN_DIR/n$FETCH/kad.sock" get -q -o "$WAN_DIR/out" \
		    "$link" 2>"$T/err") ||
		    die "get of $mib MiB failed: $(head -1 "$T/err")" $FETCH
		tget=$(since "$t0")
		cmp -s "$WAN_DIR/file" "$saved" ||
		    die "the $mib MiB file fetched on the fresh node differs" $FETCH
		d3=$(dgrams_out)
		wan_stats >"$T/w3" || die "no report from kadwan"
		wan_ctl $FETCH status >"$T/fstatus" 2>/dev/null

		pd=$(awk -v a="$d0" -v b="$d1" -v c="$nch" 'BEGIN { printf "%.2f", (b - a) / c }')
		fd=$(awk -v a="$d2" -v b="$d3" -v c="$nch" 'BEGIN { printf "%.2f", (b - a) / c }')
		pk=$(awk -v a="$(kv "$T/w0" packets-in)" -v b="$(kv "$T/w1" packets-in)" \
		    -v c="$nch" 'BEGIN { printf "%.2f", (b - a) / c }')
		fk=$(awk -v a="$(kv "$T/w2" packets-in)" -v b="$(kv "$T/w3" packets-in)" \
		    -v c="$nch" 'BEGIN { printf "%.2f", (b - a) / c }')
		# the fetching node's own, in and out (the rest of fd is the
		# network copying chunks to it meanwhile, and its maintenance)
		ff=$(awk -v i="$(kv "$T/fstatus" datagrams-in)" \
		    -v o="$(kv "$T/fstatus" datagrams-out)" -v c="$nch" \
		    'BEGIN { printf "%.2f", (i + o) / c }')
		{
			echo "$mib put $r $tput"
			echo "$mib publish $r $tpub"
			echo "$mib fetch $r $tget"
			echo "$mib put-mbs $r $(mbs $bytes "$tput")"
			echo "$mib publish-mbs $r $(mbs $bytes "$tpub")"
			echo "$mib fetch-mbs $r $(mbs $bytes "$tget")"
			echo "$mib copies $r $copies"
			echo "$mib copies2 $r $copies2"
			echo "$mib pub-dgrams $r $pd"
			echo "$mib fetch-dgrams $r $fd"
			echo "$mib pub-pkts $r $pk"
			echo "$mib fetch-pkts $r $fk"
			echo "$mib fetcher-dgrams $r $ff"
			echo "$mib loss $r $(kv "$T/w3" loss-percent)"
			echo "$mib delay-p50 $r $(kv "$T/w3" delay-ms-p50)"
			echo "$mib delay-p99 $r $(kv "$T/w3" delay-ms-p99)"
			echo "$mib late-p99 $r $(kv "$T/w3" late-us-p99)"
			echo "$mib tun-dropped $r $(kv "$T/w3" tun-tx-dropped)"
			echo "$mib lookup-ms $r $(kv "$T/fstatus" lookup-median-ms)"
		} >>"$T/results"
		echo "bench-wan: $mib MiB run $r: network up ${tnet} s;" \
		    "put ${tput} s ($(mbs $bytes "$tput") MB/s), publish ${tpub} s" \
		    "($(mbs $bytes "$tpub") MB/s, $copies copies per chunk on" \
		    "n2..n$NODES, $copies2 ${SETTLE} s later, $pd datagrams per" \
		    "chunk); fetch ${tget} s ($(mbs $bytes "$tget") MB/s, $fd" \
		    "datagrams per chunk, $ff in+out of the fetching node;" \
		    "fetching node: peers $fpeers, lookups" \
		    "$(kv "$T/fstatus" lookups), median lookup" \
		    "$(kv "$T/fstatus" lookup-median-ms), rpc-timeouts" \
		    "$(kv "$T/fstatus" rpc-timeouts)); kadwan: $(kv "$T/w3" packets-in)" \
		    "packets, $(kv "$T/w3" dropped-loss) lost ($(kv "$T/w3" loss-percent) %)," \
		    "$(kv "$T/w3" dropped-queue-up)+$(kv "$T/w3" dropped-queue-down) queue drops," \
		    "$(kv "$T/w3" tun-tx-dropped) tun drops, delay p50/p99" \
		    "$(kv "$T/w3" delay-ms-p50)/$(kv "$T/w3" delay-ms-p99) ms," \
		    "late p99 $(kv "$T/w3" late-us-p99) us"
		[ "${BENCH_WAN_VERBOSE:-0}" = 1 ] && counters
		mv "$WAN_DIR/file" "$T/file"
		wan_down
		if [ -z "$LT_SKIP" ]; then
			lt_wan "$mib" "$r"
		else
			rm -f "$T/file"
		fi
		r=$((r + 1))
	done
done

# 3. medians
col() { awk -v m="$1" -v o="$2" '$1 == m && $2 == o { print $4 }' "$T/results" | tr '\n' ' '; }
echo
echo "bench-wan: $NODES nodes at $RTT ms RTT and $LOSS % loss: median" \
    "(min..max) of $RUNS runs; MB/s = 10^6 bytes of file per second"
for mib in $SIZES; do
	echo "  $mib MiB:"
	echo "    put      $(spread $(col "$mib" put-mbs)) MB/s   ($(col "$mib" put)s)"
	echo "    publish  $(spread $(col "$mib" publish-mbs)) MB/s   ($(col "$mib" publish)s)"
	echo "    fetch    $(spread $(col "$mib" fetch-mbs)) MB/s   ($(col "$mib" fetch)s)"
	echo "    datagrams per chunk: publish $(spread $(col "$mib" pub-dgrams))" \
	    "(kadwan packets $(spread $(col "$mib" pub-pkts))), fetch" \
	    "$(spread $(col "$mib" fetch-dgrams)) (kadwan packets" \
	    "$(spread $(col "$mib" fetch-pkts)); the fetching node's in+out" \
	    "$(spread $(col "$mib" fetcher-dgrams)))"
	echo "    copies per chunk on n2..n$NODES: $(spread $(col "$mib" copies))," \
	    "$SETTLE s later $(spread $(col "$mib" copies2))"
	echo "    fetching node's median lookup: $(spread $(col "$mib" lookup-ms)) ms"
	echo "    kadwan: loss $(spread $(col "$mib" loss)) %, delay p50" \
	    "$(spread $(col "$mib" delay-p50)) ms, p99 $(spread $(col "$mib" delay-p99))" \
	    "ms, late p99 $(spread $(col "$mib" late-p99)) us, tun drops" \
	    "$(spread $(col "$mib" tun-dropped))"
done
if [ -n "$LT_SKIP" ]; then
	echo "  libtorrent not measured: $LT_SKIP"
else
	echo "  kad against libtorrent $LT_VERSION ($LT_SEEDS seed(s) and one" \
	    "downloader, TCP, through kadwan with the same settings):"
	for mib in $SIZES; do
		echo "  $mib MiB:"
		lt_compare "$mib" "$LT_GOAL" "" "$(col "$mib" fetch)" \
		    "$(col "$mib" lt-fetch)" | sed 's/^/  /'
	done
fi
echo "  put: until kadctl put returns; publish: until node 1's publish-pending is 0"
echo "  fetch: kadctl get on a node that joined after the publish"
echo "  datagrams per chunk: every node's datagrams-out (kadwan: packets in)"
echo "  over the publish and its ${SETTLE} s settle, or over the fetch, / chunks;"
echo "  the fetching node's in+out: its own datagrams-in + datagrams-out / chunks"
exit 0
