# SPDX-License-Identifier: ISC
# The network on loopback with real daemons: 20 nodes joined through the
# first; files published on one node and fetched from another; six nodes
# killed at once (the publisher and the five holding the most chunks) and
# the files fetched again from a third; a node restarted without any
# bootstrap option rejoins with its saved ID, port and routing table (also
# one stopped seconds after joining, before any periodic save); a node
# with a tiny storage-limit evicts and every file is still whole.
#
# KAD_NET_SLOW (3 under ASan, else 1) multiplies every wait; sizes do not
# change.  Node N lives in $T/nN (log $T/nN.log) and listens on 127.0.0.N
# (lib.sh's node_addr: a host each); nothing leaves loopback.
. "$(dirname "$0")/lib.sh"

NODES=20
PUB=2			# the publisher (killed later)
FETCH1=19		# first fetcher (never killed)
TINY=20			# the node with a tiny storage-limit (never killed)
TINY_LIMIT=262144	# 256K

alive() { kill -0 "$(pid_of "$1")" 2>/dev/null; }
# fetch N LINK FILE WHAT: get LINK on node N into a fresh directory,
# compare with FILE; bounded by 90 s (scaled)
fetch() {
	_d=$T/out/n$1.$$.$(date +%s%N)
	mkdir -p "$_d"
	_t0=$(now)
	_saved=$(timeout -k 5 $((90 * SLOW)) "$KAD_BIN/kadctl" \
	    -s "$T/n$1/kad.sock" get -q -o "$_d" "$2" 2>"$T/err")
	_rc=$?
	if [ $_rc -ne 0 ] || [ -z "$_saved" ]; then
		notok "$4 (get on n$1 failed, status $_rc: $(head -1 "$T/err"))"
		logtail "$1"
		return 1
	fi
	if cmp -s "$3" "$_saved"; then
		ok "$4 ($(stat -c %s "$3") bytes, $(since "$_t0") s)"
	else
		notok "$4 (n$1 saved different bytes)"
		return 1
	fi
}

mkdir -p "$T/in" "$T/out"

# 1. twenty nodes: node 1 alone, the others bootstrap from it
t0=$(now)
start_fresh 1 || { notok "node 1 starts"; exit 1; }
port1=$(sf 1 port)
check "node 1 has a port" [ "${port1:-0}" -gt 1024 ]
i=2
while [ $i -le $NODES ]; do
	extra=""
	[ $i = $TINY ] && extra="-o storage-limit=$TINY_LIMIT"
	[ $i = $PUB ] && extra="-o keep-published=no"
	start_fresh $i -o bootstrap=127.0.0.1:$port1 $extra || {
		notok "node $i starts"; exit 1; }
	i=$((i + 1))
done
ok "$NODES nodes start ($(since "$t0") s)"
# what the key puzzle cost them (kadcrypt logs each first start's)
grind=$(sed -n 's/.*the key puzzle ([0-9]* bits) took [0-9]* key pairs, \([0-9]*\) ms.*/\1/p' \
    "$T"/n*.log | awk '{ s += $1; n++; if ($1 > m) m = $1 }
    END { printf "%d first starts, %.1f s in all, %.2f s mean, %.2f s the longest",
    n, s / 1000, s / (n ? n : 1) / 1000, m / 1000 }')
echo "# key puzzle: $grind"

all_have_peers() {
	for _i in $(seq $NODES); do
		[ "$(sf $_i peers)" -gt 0 ] 2>/dev/null || return 1
	done
	return 0
}
t0=$(now)
if waitfor 20 all_have_peers; then
	ok "every node has peers within $((20 * SLOW)) s ($(since "$t0") s)"
else
	notok "every node has peers within $((20 * SLOW)) s"
	for i in $(seq $NODES); do
		[ "$(sf $i peers)" -gt 0 ] 2>/dev/null && continue
		echo "# n$i: peers '$(sf $i peers)'"
		logtail $i 5
	done
fi
check "the bootstrap node knows the $((NODES - 1)) others" \
    waitfor 20 field_ge 1 peers $((NODES - 1))
line="# peers per node:"
for i in $(seq $NODES); do line="$line $(sf $i peers)"; done
echo "$line"

# the two are read one after the other while contacts still join (a
# handshake's initiator joins once its keys are confirmed): until they
# agree
peers_match() {
	ctl 3 peers >"$T/peers3"
	[ "$(wc -l <"$T/peers3")" -eq "$(sf 3 peers)" ]
}
waitfor 10 peers_match
m=$?
check "kadctl peers: one line per contact (n3: $(wc -l <"$T/peers3"))" \
    [ $m = 0 ]
check "kadctl peers: <id> <addr:port> seen <N>s rtt [~]<N>ms" sh -c "[ -s '$T/peers3' ] &&
    ! grep -Evq '^[0-9a-f]{64} 127\.0\.0\.[0-9]+:[0-9]+ seen [0-9]+s rtt ~?[0-9]+ms$' '$T/peers3'"
check "kadctl peers: a node does not list itself" \
    sh -c "! grep -q '^$(sf 3 node-id) ' '$T/peers3'"
check "kadctl peers: n3 lists n1 with its port" \
    grep -q "^$(sf 1 node-id) 127.0.0.1:$port1 " "$T/peers3"
ids=$(for i in $(seq $NODES); do sf $i node-id; done | sort -u | wc -l)
check "$NODES distinct node IDs" [ "$ids" -eq $NODES ]
ctl 4 bootstrap 127.0.0.1:$port1 >"$T/boot4"
check "kadctl bootstrap ADDR:PORT: n1 answers ($(cat "$T/boot4"))" grep -qx \
    "bootstrap: 127.0.0.1:$port1 answered (node $(sf 1 node-id))" "$T/boot4"
ctl 4 bootstrap 127.0.0.1:1 >/dev/null 2>&1
rc=$?
check "kadctl bootstrap of a closed port exits 1 ($rc)" [ $rc -eq 1 ]

# 2. publish on one node, fetch from another
head -c $((3 * 1048576)) /dev/urandom >"$T/in/big"
head -c 1 /dev/urandom >"$T/in/one"
head -c 5000 /dev/urandom >"$T/in/five"
yes 'kademlia on loopback' | head -c 300000 >"$T/in/text"
FILES="big one five text"
t0=$(now)
for f in $FILES; do
	l=$(ctl $PUB put -q "$T/in/$f") || { notok "put $f on n$PUB"; continue; }
	eval "L_$f=$l"
done
ok "put $FILES on n$PUB ($(since "$t0") s)"
t0=$(now)
if waitfor 60 field_eq $PUB publish-pending 0; then
	ok "n$PUB pushes every chunk into the network ($(since "$t0") s)"
else
	notok "n$PUB pushes every chunk into the network within $((60 * SLOW)) s (publish-pending: '$(sf $PUB publish-pending)')"
	logtail $PUB
fi
# every chunk is on the 2 nodes closest to its key (its stripe's parity
# stands in for a lost copy; the root is on 8): the publisher or the
# tiny node is one of the 2 for about a tenth of them, so the 18 others
# hold at least 1.5 copies a chunk on average (given 10 s more, in case
# some stores are still on their way).  The publisher lets go of what
# it placed on others (keep-published no, not the default): it keeps
# its share only.
nch=$(sf $PUB chunks-published)
check "n$PUB keeps only its share of the $nch chunks it made ($(sf $PUB stored-chunks); let go: $(sf $PUB published-let-go))" \
    sh -c "[ $(sf $PUB stored-chunks) -lt $((nch / 2)) ] && [ $(sf $PUB published-let-go) -gt $((nch / 2)) ]"
others_hold() {
	_o=0
	for _i in $(seq $NODES); do
		case $_i in $PUB|$TINY) ;; *) _o=$((_o + $(sf $_i stored-chunks))) ;; esac
	done
	[ $((2 * _o)) -ge $((3 * ${nch:-1})) ]
}
waitfor 10 others_hold
line="# stored-chunks per node:"
others=0
for i in $(seq $NODES); do
	c=$(sf $i stored-chunks)
	line="$line $c"
	case $i in $PUB|$TINY) ;; *) others=$((others + ${c:-0})) ;; esac
done
echo "$line"
copies=$(awk -v o=$others -v c="$nch" 'BEGIN { printf "%.2f", c ? o / c : 0 }')
check "the replicas are placed: $copies copies per chunk on the 18 other nodes (>= 1.5 of 2)" \
    [ $((2 * others)) -ge $((3 * ${nch:-1})) ]
for f in $FILES; do
	eval "l=\$L_$f"
	fetch $FETCH1 "$l" "$T/in/$f" "published on n$PUB, fetched on n$FETCH1: $f"
done
echo "# n$PUB: $(ctl $PUB -p status | grep -E '^(lookups|datagrams-[a-z]*|rpc-timeouts|drop-[a-z-]*|net-queue): ' |
    grep -v ': 0$' | tr '\n' ' ')"
echo "# n$FETCH1: lookups $(sf $FETCH1 lookups), datagrams in/out/dropped" \
    "$(sf $FETCH1 datagrams-in)/$(sf $FETCH1 datagrams-out)/$(sf $FETCH1 datagrams-dropped)"

# 3. the tiny node: its share of the replicas and the chunks of what it
# fetches go through a 256K store, so it must evict; every file is still
# whole when fetched there, also the second time (the chunks it evicted
# come from the network again)
fetch $TINY "$L_big" "$T/in/big" "the tiny node fetches the big file whole"
fetch $TINY "$L_text" "$T/in/text" "the tiny node fetches the text file whole"
check "n$TINY (storage-limit $TINY_LIMIT) evicted chunks (evicted-chunks: $(sf $TINY evicted-chunks))" \
    field_ge $TINY evicted-chunks 1
check "n$TINY stays within its limit (stored-bytes: $(sf $TINY stored-bytes))" \
    [ "$(sf $TINY stored-bytes)" -le $TINY_LIMIT ]
fetch $TINY "$L_big" "$T/in/big" "the tiny node fetches the big file whole again"

# 4. kill -9 six masters at once: the publisher and the five others
# holding the most chunks (not the fetchers, not the tiny node)
cands=""
for i in $(seq $NODES); do
	case $i in $PUB|$FETCH1|$TINY) continue ;; esac
	cands="$cands $(sf $i stored-chunks) $i
"
done
KILL="$PUB $(printf '%s' "$cands" | sort -k1,1nr | head -5 | awk '{print $2}' | tr '\n' ' ')"
# the third fetcher: the survivor holding the fewest chunks
THIRD=$(printf '%s' "$cands" | sort -k1,1n | awk '{print $2}' | while read n; do
	case " $KILL " in *" $n "*) ;; *) echo $n; break ;; esac; done)
# the node restarted later: another survivor
RESTART=$(printf '%s' "$cands" | sort -k1,1n | awk '{print $2}' | while read n; do
	case " $KILL $THIRD " in *" $n "*) ;; *) echo $n; break ;; esac; done)
echo "# killing n$(echo $KILL | sed 's/ / n/g'); third fetcher n$THIRD; restart n$RESTART"
masters=""
workers=""
for i in $KILL; do
	masters="$masters $(pid_of $i)"
	workers="$workers $(ctl $i -p status | sed -n 's/^pid-kad\(net\|store\|crypt\): //p' | tr '\n' ' ')"
done
kill -9 $masters
for p in $masters; do wait_exit $p 10; done
gone() { for _p in $workers; do kill -0 $_p 2>/dev/null && return 1; done; return 0; }
check "the killed masters' workers exit by themselves" waitfor 10 gone
t0=$(now)
for f in $FILES; do
	fetch $THIRD "$(eval echo \$L_$f)" "$T/in/$f" \
	    "after 6 nodes died (publisher among them), fetched on n$THIRD: $f"
done
echo "# n$THIRD: peers $(sf $THIRD peers), lookups $(sf $THIRD lookups)," \
    "datagrams in/out/dropped $(sf $THIRD datagrams-in)/$(sf $THIRD datagrams-out)/$(sf $THIRD datagrams-dropped)"

# 5. a node stopped and restarted with no bootstrap option rejoins from
# its saved routing table, with its saved ID and port
R=$RESTART
rid=$(sf $R node-id)
rport=$(sf $R port)
rup=$(sf $R uptime)
kill -TERM "$(pid_of $R)"
wait_exit "$(pid_of $R)" $((15 * SLOW))
check "n$R stops on SIGTERM" [ "${EXIT_STATUS:-1}" = 0 ]
rsize=$(stat -c %s "$T/n$R/store/db/routes" 2>/dev/null || echo 0)
check "n$R's routing table is saved (up ${rup}s; store/db/routes: $rsize bytes)" \
    [ "$rsize" -gt 0 ]
start $R || notok "n$R restarts without a bootstrap option"
check "n$R keeps its node ID" [ "$(sf $R node-id)" = "$rid" ]
check "n$R keeps its UDP port ($rport)" [ "$(sf $R port)" = "$rport" ]
check "n$R was started without a bootstrap option" \
    sh -c "! grep -q bootstrap /proc/$(pid_of $R)/cmdline"
if waitfor 20 field_ge $R peers 1; then
	ok "n$R has peers again without bootstrapping ($(sf $R peers))"
else
	notok "n$R has peers again without bootstrapping within $((20 * SLOW)) s"
	logtail $R
fi
check "n$R hears from the network again" waitfor 20 field_ge $R datagrams-in 1
fetch $R "$L_five" "$T/in/five" "the restarted n$R fetches a file"
head -c 200000 /dev/urandom >"$T/in/after"
l=$(ctl $R put -q "$T/in/after") || notok "put on the restarted n$R"
waitfor 30 field_eq $R publish-pending 0 ||
    notok "n$R pushes its chunks (publish-pending: $(sf $R publish-pending))"
fetch $FETCH1 "$l" "$T/in/after" "a file published on the restarted n$R is fetched on n$FETCH1"
# the others learn the restarted node again (those it contacts)
listed_again() {
	for _i in $(seq $NODES); do
		case " $KILL $R " in *" $_i "*) continue ;; esac
		ctl $_i peers 2>/dev/null |
		    grep -q "^$rid $(node_addr n$R):$rport " &&
		    return 0
	done
	return 1
}
check "other nodes list the restarted n$R at its port" waitfor 20 listed_again

# a node stopped right after joining, before any periodic save: the
# table is saved at shutdown
Y=$((NODES + 1))
start_fresh $Y -o bootstrap=$(node_addr n$FETCH1):$(sf $FETCH1 port) ||
    notok "n$Y starts"
waitfor 10 field_ge $Y peers 1
ypeers=$(sf $Y peers)
yup=$(sf $Y uptime)
kill -TERM "$(pid_of $Y)"
wait_exit "$(pid_of $Y)" $((15 * SLOW))
ysize=$(stat -c %s "$T/n$Y/store/db/routes" 2>/dev/null || echo 0)
check "n$Y, stopped with $ypeers peers after ${yup}s, saved its table at shutdown (store/db/routes: $ysize bytes)" \
    [ "$ysize" -gt 0 ]
start $Y || notok "n$Y restarts without a bootstrap option"
if waitfor 20 field_ge $Y peers 1; then
	ok "n$Y, stopped $ypeers peers in, has peers again without bootstrapping"
else
	notok "n$Y, stopped $ypeers peers in, has peers again without bootstrapping within $((20 * SLOW)) s"
fi

# the publisher, killed with -9, restarts without bootstrap too: report
# only (its table may not have been saved before the kill)
start $PUB && waitfor 10 field_ge $PUB peers 1
echo "# n$PUB restarted after kill -9 without bootstrap: peers '$(sf $PUB peers)'"

# every node still running answers and no master died on its own
died=""
for i in $(seq $NODES); do
	case " $KILL " in *" $i "*) [ $i != $PUB ] && continue ;; esac
	alive $i || died="$died n$i"
done
check "no surviving node died${died:+ (died:$died)}" [ -z "$died" ]
for i in $died; do logtail ${i#n}; done
check "no node logged a sanitizer report" \
    sh -c "! grep -l 'Sanitizer\|runtime error:' $T/n*.log"
