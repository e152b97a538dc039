#!/bin/sh
# SPDX-License-Identifier: ISC
# bench/run.sh BUILD_DIR: kad's put and get throughput against this
# machine's raw limits (docs/PERFORMANCE.md).  Builds nothing: BUILD_DIR
# must hold kadmaster, kadctl, kadnet, kadstore, kadcrypt and
# bench/bench_raw (`make bench` builds them in build/release).
#
#   1. bench_raw: raw AES-256-CTR/GCM, SHA-256, Tokyo Cabinet puts and
#      Reed-Solomon encode and decode of 1 KiB blocks; the slowest `raw`
#      line is the reference.
#   1b. bench_session: handshakes per second and 1 KiB DATA messages
#      of the session layer, on one core, beside raw X25519 and GCM.
#   2. BENCH_RUNS (3) times: a fresh node on 127.0.0.1 in a temporary
#      directory, `kadctl put -q` of a BENCH_MIB (256) MiB random file, then
#      `kadctl get -q` of its link, verified with cmp; the node is stopped
#      and its directory removed.  Medians of the wall times (kadctl start
#      to exit) give the MB/s (10^6 bytes/s of file).
#   3. For each operation: every process's CPU seconds (utime+stime from
#      /proc/PID/stat) and peak RSS (VmHWM, reset through clear_refs before
#      the operation; RssAnon/RssFile at its end); kadctl's from wait4.
#   4. BENCH_BIG=1: one more run with a 1 GiB file (BENCH_BIG_MIB).
#
# Other knobs: BENCH_OPTS="-o key=value ..." adds kadmaster options,
# BENCH_RAW_ARGS="-t 0.3 -n 1" shortens the raw stages, BENCH_TARGET
# (0.40) is the ratio the put and get lines are checked against.  The
# exit status does not depend on the target: this is a benchmark.
#
# Every process started here is stopped on exit (also on ^C); the
# temporary directory is removed (BENCH_KEEP=1 keeps it).

set -u

if [ $# -ne 1 ] || [ ! -d "$1" ]; then
	echo "usage: bench/run.sh BUILD_DIR" >&2
	exit 2
fi
B=$(cd "$1" && pwd)
for f in kadmaster kadctl kadnet kadstore kadcrypt bench/bench_raw; do
	if [ ! -x "$B/$f" ]; then
		echo "bench: $B/$f is missing (run make bench)" >&2
		exit 2
	fi
done
# as root, kadmaster needs the workers' users (what make install makes)
sh "$(dirname "$0")/../tests/mkusers.sh" || exit 1
RUNS=${BENCH_RUNS:-3}
MIB=${BENCH_MIB:-256}
BIG=${BENCH_BIG:-0}
BIG_MIB=${BENCH_BIG_MIB:-1024}
PROCS="kadmaster kadnet kadstore kadcrypt"

T=$(mktemp -d /tmp/kad-bench.XXXXXX) || exit 1
MASTER=""		# kadmaster of the running node
WORKERS=""		# its workers
XPID=""			# a running kadctl (through bench_raw -x)

cleanup() {
	for p in $XPID $MASTER; do
		kill -TERM "$p" 2>/dev/null
	done
	# a master that got SIGTERM stops its workers; give it a moment
	_n=0
	while [ $_n -lt 50 ]; do
		_alive=""
		for p in $XPID $MASTER $WORKERS; do
			kill -0 "$p" 2>/dev/null && _alive="$_alive $p"
		done
		[ -z "$_alive" ] && break
		_n=$((_n + 1))
		sleep 0.1
	done
	for p in $XPID $MASTER $WORKERS; do
		kill -9 "$p" 2>/dev/null
	done
	MASTER=""
	WORKERS=""
	XPID=""
	if [ "${BENCH_KEEP:-0}" = 1 ]; then
		echo "bench: kept $T"
	else
		rm -rf "$T"
	fi
}
trap cleanup EXIT
trap 'exit 129' HUP
trap 'exit 130' INT
trap 'exit 141' PIPE
trap 'exit 143' TERM

die() {
	echo "bench: $*" >&2
	for l in "$T"/*.log; do
		[ -f "$l" ] && sed "s|^|bench:   $(basename "$l"): |" "$l" |
		    tail -15 >&2
	done
	exit 1
}

# start_node DIR: a fresh node; sets MASTER, WORKERS, SOCK and PID_<proc>
start_node() {
	mkdir -p "$1"
	chmod 700 "$1"
	"$B/kadmaster" -d -o datadir="$1" -o libexec="$B" \
	    -o listen=127.0.0.1 ${BENCH_OPTS:-} >"$1.log" 2>&1 &
	MASTER=$!
	SOCK=$1/kad.sock
	_n=0
	while ! "$B/kadctl" -s "$SOCK" -p status >"$T/status" 2>/dev/null; do
		_n=$((_n + 1))
		# (60 s: a first start grinds the key puzzle)
		if [ $_n -gt 600 ] || ! kill -0 "$MASTER" 2>/dev/null; then
			die "the node in $1 did not start"
		fi
		sleep 0.1
	done
	WORKERS=""
	for p in $PROCS; do
		_pid=$(sed -n "s/^pid-$p: //p" "$T/status")
		[ -n "$_pid" ] || die "no pid-$p in kadctl status"
		eval "PID_$p=$_pid"
		[ "$p" = kadmaster ] || WORKERS="$WORKERS $_pid"
	done
}

# stop_node: SIGTERM, wait (20 s), then SIGKILL whatever is left
stop_node() {
	kill -TERM "$MASTER" 2>/dev/null
	_n=0
	while kill -0 "$MASTER" 2>/dev/null && [ $_n -lt 200 ]; do
		_n=$((_n + 1))
		sleep 0.1
	done
	wait "$MASTER" 2>/dev/null
	for p in $MASTER $WORKERS; do
		if kill -0 "$p" 2>/dev/null; then
			echo "bench: pid $p still running, killing it" >&2
			kill -9 "$p" 2>/dev/null
		fi
	done
	MASTER=""
	WORKERS=""
}

pid_of() { eval "echo \$PID_$1"; }

# cpu_ticks PID: utime+stime in clock ticks (fields 14, 15 of stat)
cpu_ticks() {
	sed 's/^.*) //' "/proc/$1/stat" 2>/dev/null |
	    awk '{ print $12 + $13 }'
}

# busy_ticks: CPU ticks spent by anything on the machine (all CPUs)
busy_ticks() {
	awk '/^cpu / { print $2 + $3 + $4 + $7 + $8 + $9; exit }' /proc/stat
}

# before_op: reset every process's VmHWM, remember its CPU time
before_op() {
	BUSY0=$(busy_ticks)
	for p in $PROCS; do
		_pid=$(pid_of $p)
		echo 5 >"/proc/$_pid/clear_refs" 2>/dev/null
		eval "CPU0_$p=$(cpu_ticks "$_pid")"
	done
}

# after_op OP RUN: per process "OP RUN PROC cpu-seconds hwm anon file" in
# $T/procs, and "OP RUN all cpu-seconds" for the whole machine
after_op() {
	echo "$1 $2 all $(( $(busy_ticks) - BUSY0 )) $HZ" |
	    awk '{ printf "%s %s %s %.2f 0 0 0\n", $1, $2, $3, $4 / $5 }' \
	    >>"$T/procs"
	for p in $PROCS; do
		_pid=$(pid_of $p)
		_c1=$(cpu_ticks "$_pid")
		eval "_c0=\$CPU0_$p"
		awk -v op="$1" -v run="$2" -v p=$p -v c0="$_c0" -v c1="$_c1" \
		    -v hz="$HZ" '
			/^VmHWM:/ { hwm = $2 }
			/^RssAnon:/ { anon = $2 }
			/^RssFile:/ { file = $2 }
			END { printf "%s %s %s %.2f %d %d %d\n", op, run, p,
			    (c1 - c0) / hz, hwm, anon, file }' \
		    "/proc/$_pid/status" >>"$T/procs"
	done
}

# timed OP RUN OUTFILE kadctl-args...: runs kadctl, appends
# "OP RUN wall user sys maxrss" to $T/times
timed() {
	_op=$1 _run=$2 _out=$3
	shift 3
	"$B/bench/bench_raw" -x "$T/x" "$B/kadctl" -s "$SOCK" "$@" \
	    >"$_out" 2>"$T/kadctl.log" &
	XPID=$!
	wait "$XPID"
	_rv=$?
	XPID=""
	[ $_rv -eq 0 ] || die "kadctl $1 failed (status $_rv)"
	awk -v op="$_op" -v run="$_run" '{ print op, run, $2, $4, $6, $8 }' \
	    "$T/x" >>"$T/times"
}

# one_run RUN FILE MIB: fresh node, put, get, cmp, stop
one_run() {
	_dir=$T/node$1
	start_node "$_dir"
	before_op
	timed put "$1" "$T/link" put -q "$2"
	after_op put "$1"
	before_op
	timed get "$1" "$T/saved" get -q -o "$T/out" "$(cat "$T/link")"
	after_op get "$1"
	cmp -s "$2" "$T/out" || die "run $1: the fetched file differs"
	stop_node
	rm -rf "$_dir" "$_dir.log" "$T/out"
	# "  run 1: put 256 MiB in 2.50 s: 107.4 MB/s; CPU s: kadctl ...";
	# "other jobs": CPUs the rest of the machine used meanwhile
	awk -v run="$1" -v mb="$3" '
		FILENAME ~ /procs$/ && $2 == run && $3 == "all" {
			all[$1] = $4; next }
		FILENAME ~ /procs$/ && $2 == run { c[$1] = c[$1] " " $3 " " $4
			kad[$1] += $4 }
		FILENAME ~ /times$/ && $2 == run {
			w[$1] = $3; c[$1] = sprintf(" kadctl %.2f", $4 + $5) c[$1]
			kad[$1] += $4 + $5
		}
		END { split("put get", ops, " ")
			for (i = 1; i <= 2; i++) { op = ops[i]
				o = (all[op] - kad[op]) / w[op]
				printf "  run %s: %s %d MiB in %.2f s: %.1f " \
				    "MB/s; CPU s:%s; other jobs %.2f CPUs\n",
				    run, op, mb, w[op],
				    mb * 1048576 / w[op] / 1e6, c[op],
				    o < 0 ? 0 : o } }' \
	    "$T/times" "$T/procs"
	sync
}

# peaks TITLE BIG: the peak RSS table of the normal runs (BIG 0) or of
# the big run (BIG 1)
peaks() {
	echo "peak RSS ($1), kB: VmHWM (RssAnon + RssFile at the end)"
	awk -v procs="$PROCS kadctl" -v big="$2" '
		(($2 == "big") != big) || $3 == "all" { next }
		FILENAME ~ /procs$/ { k = $1 " " $3
			if ($5 > h[k]) { h[k] = $5; a[k] = $6; f[k] = $7 } }
		FILENAME ~ /times$/ { k = $1 " kadctl"
			if ($6 > h[k]) { h[k] = $6; a[k] = -1 } }
		END {
			printf "  %-10s %-27s %s\n", "process", "put", "get"
			n = split(procs, p, " ")
			for (i = 1; i <= n; i++) {
				printf "  %-10s", p[i]
				for (j = 1; j <= 2; j++) {
					k = (j == 1 ? "put " : "get ") p[i]
					if (a[k] < 0)
						s = sprintf("%d", h[k])
					else
						s = sprintf("%d (%d + %d)", h[k],
						    a[k], f[k])
					printf (j == 1 ? " %-27s" : " %s"), s
				}
				printf "\n"
			}
		}' "$T/procs" "$T/times"
}

HZ=$(getconf CLK_TCK)
echo "bench: $(nproc) CPUs, load average $(cut -d' ' -f1-3 /proc/loadavg)," \
    "build $B"

# 1. raw limits
BUSY0=$(busy_ticks)
"$B/bench/bench_raw" -x "$T/x" "$B/bench/bench_raw" -d "$T" \
    ${BENCH_RAW_ARGS:-} | tee "$T/raw"
awk -v b="$(( $(busy_ticks) - BUSY0 ))" -v hz="$HZ" '
	$10 != 0 { print "bench: bench_raw failed"; exit 1 }
	{ o = (b / hz - $4 - $6) / $2
	printf "(meanwhile other jobs used %.2f of %d CPUs)\n",
	    o < 0 ? 0 : o, '"$(nproc)"' }' "$T/x" || die "bench_raw failed"
set -- $(awk '/^raw / { sub(":", "", $2);
	if (min == "" || $3 < min) { min = $3; name = $2 } }
	END { print name, min }' "$T/raw")
[ $# -eq 2 ] || die "no raw stage measured"
SLOW_NAME=$1
SLOW=$2
echo "slowest raw stage: $SLOW_NAME $SLOW MB/s"

# 1b. the session layer of protocol version 2, beside raw X25519 and GCM
if [ -x "$B/bench/bench_session" ]; then
	"$B/bench/bench_session" ${BENCH_SESSION_ARGS:-} ||
	    die "bench_session failed"
fi

# 2. put and get
head -c $((MIB * 1048576)) /dev/urandom >"$T/in" || die "no input file"
sync
echo "put/get of a $MIB MiB file, $RUNS runs (fresh node each):"
r=1
while [ $r -le "$RUNS" ]; do
	one_run $r "$T/in" "$MIB"
	r=$((r + 1))
done

# 3. medians, ratios, peaks
for op in put get; do
	awk -v op=$op -v mb="$MIB" -v slow="$SLOW" -v sn="$SLOW_NAME" \
	    -v target="${BENCH_TARGET:-0.40}" '
		$1 == op && $2 != "big" { w[n++] = $3 }
		END {
			for (i = 0; i < n; i++)
				for (j = i + 1; j < n; j++)
					if (w[j] < w[i]) {
						t = w[i]; w[i] = w[j]; w[j] = t
					}
			if (n % 2)
				m = w[int(n / 2)]
			else
				m = (w[n / 2 - 1] + w[n / 2]) / 2
			v = mb * 1048576 / m / 1e6
			printf "%s: %.1f MB/s (ratio %.2f of slowest raw " \
			    "stage %s; target %.2f: %s)\n", op, v, v / slow, sn,
			    target, (v / slow >= target) ? "met" : "NOT met"
		}' "$T/times"
done
peaks "$MIB MiB, max over the runs" 0

# 4. optional 1 GiB run
if [ "$BIG" = 1 ]; then
	rm -f "$T/in"
	head -c $((BIG_MIB * 1048576)) /dev/urandom >"$T/in" ||
	    die "no input file"
	sync
	echo "put/get of a $BIG_MIB MiB file (BENCH_BIG=1), 1 run:"
	one_run big "$T/in" "$BIG_MIB"
	peaks "$BIG_MIB MiB" 1
fi
exit 0
