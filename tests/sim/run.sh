#!/bin/sh
# SPDX-License-Identifier: ISC
# tests/sim/run.sh BUILD_DIR: `make sim`, the standard set of kadsim
# scenarios (docs/SCALE.md), one after the other on two threads each
# (this machine has two cores), then a table of the figures that matter
# and the anchors beside them.
#
#   SIM_SEED (1)	another repeatable run
#   SIM_OUT		keep each scenario's output in this directory
#   SIM_ONLY		a space-separated list of runs to do (names below)
#
# Each kadsim runs in the foreground, so ^C stops it; nothing is left.
set -u

if [ $# -ne 1 ] || [ ! -x "$1/kadsim" ]; then
	echo "usage: tests/sim/run.sh BUILD_DIR (with BUILD_DIR/kadsim)" >&2
	exit 2
fi
SIM="$1/kadsim"
SEED=${SIM_SEED:-1}
OUT=${SIM_OUT:-$(mktemp -d /tmp/kad-sim.XXXXXX)}
mkdir -p "$OUT" || exit 1

# name | arguments
RUNS="lookup-1k|--scenario lookup --nodes 1000 --lookups 1000 --gets 1000
lookup-10k|--scenario lookup --nodes 10000 --lookups 1000 --gets 1000
lookup-100k|--scenario lookup --nodes 100000 --lookups 1000 --gets 1000 --join-ms 2 --settle 30
churn-10k|--scenario churn --nodes 10000 --gets 1000 --hours 3 --join-ms 5
durability-10k|--scenario durability --nodes 10000 --files 100 --file-chunks 256 --large-files 2 --kill 30 --join-ms 5
durability-10k-copies8|--scenario durability --nodes 10000 --files 100 --file-chunks 256 --large-files 2 --ec none --copies 8 --kill 30 --join-ms 5
eclipse-10k|--scenario eclipse --nodes 10000 --gets 200 --sybils 128 --join-ms 5
fetch-1k|--scenario fetch --nodes 1000 --chunks 10240"

run_one() {	# name args...: kadsim to $OUT/name.out (stdout), .err
	_n=$1
	shift
	echo "sim: $_n: kadsim $* --seed $SEED --threads 2"
	"$SIM" "$@" --seed "$SEED" --threads 2 --csv "$OUT/$_n.csv" \
	    >"$OUT/$_n.out" 2>"$OUT/$_n.err" || {
		echo "sim: $_n FAILED (see $OUT/$_n.err)"
		: >"$OUT/$_n.failed"
	}
}

lane() {	# names...
	for _name in "$@"; do
		_args=$(echo "$RUNS" | sed -n "s/^$_name|//p")
		[ -n "$_args" ] || continue
		if [ -n "${SIM_ONLY:-}" ]; then
			case " $SIM_ONLY " in *" $_name "*) ;; *) continue ;; esac
		fi
		# shellcheck disable=SC2086
		run_one "$_name" $_args
	done
}

t0=$(date +%s)
lane lookup-1k lookup-10k lookup-100k churn-10k durability-10k \
    durability-10k-copies8 eclipse-10k fetch-1k
t1=$(date +%s)

get() {		# name key: the value after "key: "
	[ -f "$OUT/$1.out" ] || { echo "-"; return; }
	_v=$(sed -n "s/^$2: //p" "$OUT/$1.out" | head -n 1)
	echo "${_v:--}"
}
host() {	# name: wall seconds and peak MiB of the run (its stderr)
	[ -f "$OUT/$1.err" ] || { echo "-"; return; }
	awk -F': ' '$1 == "wall-seconds" { w = $2 }
	    $1 == "peak-rss-mib" { m = $2 }
	    END { printf "%.0f s, %s MiB", w, m }' "$OUT/$1.err"
}

echo
echo "kadsim standard set, seed $SEED ($((t1 - t0)) s in all; outputs in $OUT)"
printf '%-15s %-9s %-11s %-9s %-7s %-9s %-10s %s\n' run rounds \
    rounds-p99 exact msgs lat-ms get-ok host
for n in lookup-1k lookup-10k lookup-100k; do
	printf '%-15s %-9s %-11s %-9s %-7s %-9s %-10s %s\n' "$n" \
	    "$(get "$n" lookup-rounds-median)" "$(get "$n" lookup-rounds-p99)" \
	    "$(get "$n" lookup-exact-pct)%" "$(get "$n" lookup-messages-median)" \
	    "$(get "$n" lookup-latency-ms-median)" "$(get "$n" get-success-pct)%" \
	    "$(host "$n")"
done
for n in lookup-1k lookup-10k lookup-100k; do
	printf '%-15s state %s B/node (max %s), routing %s B/node\n' "$n" \
	    "$(get "$n" state-bytes-per-node)" \
	    "$(get "$n" state-bytes-per-node-max)" \
	    "$(get "$n" routing-bytes-per-node)"
done
printf '%-15s GET success %s%% over %s GETs, %s transitions (%s)\n' \
    churn-10k "$(get churn-10k churn-get-success-pct)" \
    "$(get churn-10k churn-get-count)" \
    "$(get churn-10k churn-transitions)" "$(host churn-10k)"
for n in durability-10k durability-10k-copies8; do
	printf '%-15s %s, copies %s; stored %sx the data\n' "$n" \
	    "$(get "$n" ec)" "$(get "$n" copies)" \
	    "$(get "$n" network-storage-x)"
	for k in 10 30 50; do
		printf '%-15s kill %s%%: one kill %s%% of files whole (%s); chunks lost %s\n' \
		    "" "$k" "$(get "$n" "kill-$k%-sim-files-whole-pct")" \
		    "$(get "$n" "kill-$k%-sim-files-whole")" \
		    "$(get "$n" "kill-$k%-chunks-lost" | cut -d, -f1)"
		printf '%-15s   25 MiB whole: drawn %s%%, extrapolated %s%%; 1 GiB: drawn %s%%, extrapolated %s%%\n' \
		    "" "$(get "$n" "kill-$k%-mc-whole-25MiB-file-pct")" \
		    "$(get "$n" "kill-$k%-ext-whole-25MiB-file-pct")" \
		    "$(get "$n" "kill-$k%-mc-whole-1GiB-file-pct" | cut -d' ' -f1)" \
		    "$(get "$n" "kill-$k%-ext-whole-1GiB-file-pct")"
	done
	printf '%-15s after the 30%% kill: surviving chunks on their closest %s%% at 45 min, %s%% after a period; after repair on read %s%% whole, %s%% on closest (%s)\n' \
	    "" "$(get "$n" period-0.75-surviving-on-all-closest-pct | cut -d' ' -f1)" \
	    "$(get "$n" period-1.00-surviving-on-all-closest-pct | cut -d' ' -f1)" \
	    "$(get "$n" after-read-repair-sim-files-whole-pct)" \
	    "$(get "$n" after-read-repair-chunks-on-all-closest-pct | cut -d' ' -f1)" \
	    "$(host "$n")"
done
printf '%-15s chunk published before the Sybils: 50%% failure at %s, 99%% at %s (%s)\n' \
    eclipse-10k "$(get eclipse-10k published-before-sybils-for-50pct-failure)" \
    "$(get eclipse-10k published-before-sybils-for-99pct-failure)" \
    "$(host eclipse-10k)"
printf '%-15s published after: 50%% at %s, 99%% at %s\n' "" \
    "$(get eclipse-10k published-after-sybils-for-50pct-failure)" \
    "$(get eclipse-10k published-after-sybils-for-99pct-failure)"
printf '%-15s %s MB/s, %s requests per chunk (%s)\n' fetch-1k \
    "$(get fetch-1k fetch-mb-per-s)" "$(get fetch-1k fetch-requests-per-chunk)" \
    "$(host fetch-1k)"
echo "anchors: Kademlia bound log2(N/k): 5.6 (1k), 9.0 (10k), 12.3 (100k);" \
    "IPFS median 3 rounds, p90 <= 6 at 15-45k peers; mainline DHT median" \
    "lookup 100-200 ms"
ls "$OUT"/*.failed >/dev/null 2>&1 && exit 1
exit 0
