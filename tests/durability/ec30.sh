# SPDX-License-Identifier: ISC
# Erasure-coded stripes with real daemons (issue 13): 30 nodes on
# loopback, a 25 MiB file published on one of them; the sum of
# stored-bytes over all nodes stays under 3.2x the file (the root's
# extra copies included; the publisher, with keep-published no, lets
# go of what it placed on others); then 9 nodes are killed at once, the
# publisher and 8 others, and the file is fetched whole on a survivor,
# which rebuilds what it could not find from parity and publishes it
# again.
#
# Not in `make check`: the fetch after the kill is not reliable yet.
# Before lookups left out contacts known dead and stripes asked parity
# for the losses seen, it was whole in 1 of 4 runs (100 s); with them,
# in 8 of 10 runs (9-31 s); the 2 others found a stripe short, with far
# more chunks not found than 30% of the nodes can lose (issue 13's
# note).  Run it with `make check-durability`.
#
# Why (EC_SNAP=1 KAD_KEEP=1, 8 runs and a chosen kill set): every chunk
# is on exactly its 2 XOR-closest nodes, and every chunk the survivor
# did not find had no live copy.  The loss is the keyspace share of the
# pairs of closest nodes that both died: 9% on average over kill sets
# (C(9,2)/C(30,2)), but with 30 IDs one pair of neighbours can own an
# eighth of the keyspace, so a run loses 0-37% of every stripe alike
# (p90 16%, p95 19%: ec30_model.py), and from about 15% some stripe
# of 88 loses more than its 24 parity.  The model predicts 1 run in 10
# short; EC_KILL_CMD=ec30_killset.py (a kill set losing 19%) fails
# every time, as the 2 runs did.
#
# KAD_NET_SLOW (3 under ASan, else 1) multiplies every wait.  Node N
# lives in $T/nN and listens on 127.0.0.N; nothing leaves loopback.
. "$(dirname "$0")/../integ/lib.sh"

# 120 processes under ASan take minutes on two cores: the test build
# (and valgrind-free release runs) cover it
case $KAD_BIN in
*asan*)	echo "# skip: 30 nodes under ASan are too slow for the suite; the test build runs this"
	exit 0 ;;
esac

NODES=${EC_NODES:-30}
SIZE=${EC_SIZE:-26214400}	# 25 MiB
PUB=2
NKILL=9
BOUND=3.2

# EC_SNAP=1 (with KAD_KEEP=1): the chunk keys each node holds, after
# the put ($T/snap0) and before the kill ($T/snap1), and every
# survivor's status at the end ($T/status), to look at afterwards
snap() {	# DIR
	[ -n "$EC_SNAP" ] || return 0
	mkdir -p "$T/$1"
	for _i in $(seq $NODES); do
		tchmgr list -nl -px "$T/n$_i/store/db/chunks.tch" \
		    >"$T/$1/n$_i" 2>/dev/null
		ctl $_i -p status >"$T/$1/n$_i.status" 2>/dev/null
	done
}

sum_field() {	# KEY [nodes...]: the sum of a status field
	_k=$1; shift
	_s=0
	for _i in "$@"; do _s=$((_s + $(sf $_i "$_k" | grep -x "[0-9]*" || echo 0))); done
	echo $_s
}

mkdir -p "$T/in" "$T/out"
t0=$(now)
start_fresh 1 || { notok "node 1 starts"; summary; exit 1; }
port1=$(sf 1 port)
i=2
while [ $i -le $NODES ]; do
	extra=""
	[ $i = $PUB ] && extra="-o keep-published=no"
	start_fresh $i -o bootstrap=127.0.0.1:$port1 $extra ||
	    { notok "node $i starts"; summary; exit 1; }
	i=$((i + 1))
done
ok "$NODES nodes start ($(since "$t0") s)"
all_peers() {
	for _i in $(seq $NODES); do
		[ "$(sf $_i peers)" -ge 8 ] 2>/dev/null || return 1
	done
}
check "every node knows at least 8 others" waitfor 30 all_peers

head -c "$SIZE" /dev/urandom >"$T/in/f"
t0=$(now)
link=$(ctl $PUB put -q "$T/in/f" 2>"$T/err")
rc=$?
check "a $SIZE-byte put on n$PUB succeeds ($(since "$t0") s: $(head -1 "$T/err"))" \
    [ $rc -eq 0 ] && [ -n "$link" ]
check "n$PUB places every chunk (publish-pending 0)" \
    waitfor 120 field_eq $PUB publish-pending 0
# replicas still on their way to their second holder: a few seconds
sleep 3
all=$(seq $NODES | tr '\n' ' ')
others=$(seq $NODES | grep -vx $PUB | tr '\n' ' ')
total=$(sum_field stored-bytes $all)
rest=$(sum_field stored-bytes $others)
ratio=$(awk -v t="$total" -v s="$SIZE" 'BEGIN { printf "%.2f", t / s }')
rratio=$(awk -v t="$rest" -v s="$SIZE" 'BEGIN { printf "%.2f", t / s }')
line="# stored-bytes per node:"
for i in $all; do line="$line $(sf $i stored-bytes)"; done
echo "$line"
echo "# the publisher n$PUB: $(sf $PUB stored-bytes) bytes, $(sf $PUB published-let-go) chunks let go; the $((NODES - 1)) others: ${rratio}x the file"
check "stored-bytes over all $NODES nodes: ${ratio}x the file (<= ${BOUND}x)" \
    awk -v r="$ratio" -v b="$BOUND" 'BEGIN { exit !(r <= b) }'
check "n$PUB let go of the chunks it placed on others (keep-published no)" \
    field_ge $PUB published-let-go $(($(sf $PUB chunks-published) / 2))
snap snap0

# with every node up, another node fetches it whole: n3, which is
# killed below, so that its cached copy does not help the later fetch
t0=$(now)
saved=$(timeout -k 5 $((300 * SLOW)) "$KAD_BIN/kadctl" -s "$T/n3/kad.sock" \
    get -q --timeout $((60 * SLOW)) -o "$T/out" "$link" 2>"$T/err")
rc=$?
check "with every node up, n3 fetches the file whole ($(since "$t0") s; status $rc: $(head -1 "$T/err"))" \
    sh -c "[ $rc -eq 0 ] && cmp -s '$T/in/f' '$saved'"
rm -f "$saved"
echo "# n3: $(ctl 3 -p status | grep -E '^(chunks-rebuilt|stripes-with-parity|repairs-published|fetch-failures|lookups): ' |
    tr '\n' ' ')"

# kill -9 the publisher and 8 others at once: every third node, which
# says nothing of where their IDs are (they are random), so the loss is
# the 30% at random that the parameters are chosen for (docs/FORMAT.md);
# the fetcher is the survivor holding the fewest bytes
KILL="$PUB $(seq 3 3 $((3 * (NKILL - 1))) | tr '\n' ' ')"
# EC_KILL_CMD: a command given $T that prints the nodes to kill instead
# (ec30_killset.py, with EC_SNAP=1: a kill set of a chosen loss)
[ -n "$EC_KILL_CMD" ] && KILL=$($EC_KILL_CMD "$T")
cands=""
for i in $others; do
	cands="$cands$(sf $i stored-bytes) $i
"
done
SURV=$(printf '%s' "$cands" | sort -k1,1n | awk '{print $2}' | while read n; do
	case " $KILL " in *" $n "*) ;; *) echo $n; break ;; esac; done)
killed=$(for i in $KILL; do sf $i stored-bytes; done | awk '{ s += $1 } END { print s + 0 }')
echo "# killing n$(echo $KILL | sed 's/ / n/g') ($killed stored bytes); fetching on n$SURV"
snap snap1
masters=""
for i in $KILL; do masters="$masters $(pid_of $i)"; done
kill -9 $masters
for p in $masters; do wait_exit $p 10; done

t0=$(now)
saved=$(timeout -k 5 $((300 * SLOW)) "$KAD_BIN/kadctl" -s "$T/n$SURV/kad.sock" \
    get -q --timeout $((120 * SLOW)) -o "$T/out" "$link" 2>"$T/err")
rc=$?
if [ $rc -eq 0 ] && cmp -s "$T/in/f" "$saved"; then
	ok "after $NKILL of $NODES nodes died (the publisher among them), n$SURV fetches the file whole ($(since "$t0") s)"
else
	notok "after $NKILL of $NODES nodes died, n$SURV fetches the file whole (status $rc: $(head -1 "$T/err"))"
	logtail $SURV
fi
echo "# n$SURV: $(ctl $SURV -p status | grep -E '^(chunks-rebuilt|stripes-with-parity|repairs-published|fetch-failures|lookups|rpc-timeouts|lookup-dead-skipped): ' |
    tr '\n' ' ')"
if [ -n "$EC_SNAP" ]; then
	mkdir -p "$T/status"
	for i in $(seq $NODES); do
		ctl $i -p status >"$T/status/n$i" 2>/dev/null
	done
	echo "$KILL" >"$T/status/killed"
	echo "$SURV" >"$T/status/surv"
fi
check "n$SURV rebuilt lost chunks from parity and published them again" \
    field_ge $SURV repairs-published 1
summary
