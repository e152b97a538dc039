# SPDX-License-Identifier: ISC
# Real daemons on an emulated WAN (tests/wan, docs/WAN.md): six hosts,
# each a network namespace of its own, every packet between them through
# kadwan at 100 ms round trip and 2 % loss.
#   1. the guard: a shell killed with -9 after wan_up leaves nothing
#      behind (its kadwan stopped, its namespaces and directory gone);
#   2. the emulator itself: UDP round trips over IPv4 and IPv6 take
#      100 ms (never less), TCP carries 2 MiB intact;
#   3. kad: five nodes, a 3 MiB random file put on host 1 and fetched
#      whole on host 6, a node that joined after the publish;
#   4. kadwan's counters: the packets were delayed by 50 ms one way and
#      about 2 % of them were dropped;
#   5. teardown: no namespace, process or directory of this run is left.
# Root only (namespaces, tun devices): skipped otherwise, with the reason.
# KAD_WAN_SLOW (3 under ASan, else 1) multiplies the waits.
. "$(dirname "$0")/lib.sh"
. "$KAD_TOP/tests/wan/wan.sh"

trap 'wan_down; cleanup' EXIT
trap 'exit 129' HUP
trap 'exit 130' INT
trap 'exit 143' TERM

if ! wan_check; then
	echo "# skip: $WAN_SKIP"
	exit 0
fi
case $KAD_BIN in
*asan*)	SLOW=${KAD_WAN_SLOW:-3} ;;
*)	SLOW=${KAD_WAN_SLOW:-1} ;;
esac
RTT=100
LOSS=2
MIB=3
NODES=5
FETCH=6
# lib.sh's now, since and waitfor (scaled by SLOW, set above)
field_ge() { [ "$(wan_sf "$1" "$2")" -ge "$3" ] 2>/dev/null; }
field_eq() { [ "$(wan_sf "$1" "$2")" = "$3" ]; }
# kv FILE KEY: a value from "key: value" lines
kv() { sed -n "s/^$2: //p" "$1"; }
# between VALUE LOW HIGH (decimals)
between() { awk -v v="$1" -v l="$2" -v h="$3" 'BEGIN { exit !(v != "" && v + 0 >= l && v + 0 <= h) }'; }
ns_left() { ip netns list | grep -c "^$1" ; }
logtail() {
	echo "# --- tail of n$1.log"
	tail -n 15 "$WAN_DIR/n$1.log" 2>/dev/null | sed 's/^/#   /'
}
t_start=$(now)

# 1. a shell that dies by kill -9 after wan_up: the guard cleans up
cat >"$T/victim.sh" <<EOF
KAD_BIN=$KAD_BIN
KAD_TOP=$KAD_TOP
. "$KAD_TOP/tests/wan/wan.sh"
wan_up 2 -d 10 || exit 1
echo "\$WAN_DIR \$WAN_PID \$WAN_NSPFX" >"$T/victim.info"
while :; do sleep 0.2; done
EOF
sh "$T/victim.sh" >"$T/victim.out" 2>&1 &
victim=$!
waitfor 10 test -s "$T/victim.info"
read -r vdir vpid vpfx <"$T/victim.info" 2>/dev/null
victim_up() { [ -n "$vpfx" ] && [ "$(ns_left "$vpfx")" = 2 ]; }
check "a second run's namespaces exist (${vpfx:-none}*)" victim_up
kill -9 "$victim" 2>/dev/null
wait "$victim" 2>/dev/null
victim_gone() {
	[ "$(ns_left "$vpfx")" = 0 ] && [ ! -d "$vdir" ] &&
	    ! kill -0 "$vpid" 2>/dev/null
}
if [ -n "$vpfx" ] && waitfor 10 victim_gone; then
	ok "killed with -9, that run leaves no namespace, no kadwan, no directory"
else
	notok "killed with -9, that run leaves no namespace, no kadwan," \
	    "no directory (namespaces $(ns_left "${vpfx:-x}"), dir" \
	    "$(test -d "$vdir" && echo kept || echo gone))"
	sed 's/^/#   /' "$T/victim.out"
fi

# 2. the emulated network itself
t0=$(now)
if ! wan_up $FETCH -d $RTT -l $LOSS; then
	notok "kadwan starts with $FETCH hosts"
	exit 1
fi
ok "kadwan starts: $FETCH namespaces, $RTT ms round trip, $LOSS % loss ($(since "$t0") s)"
check "host 1 has 10.64.1.1 on wan0" \
    sh -c "ip netns exec $(wan_ns 1) ip -4 addr show dev wan0 | grep -q 'inet 10.64.1.1/10'"
check "wan0 has MTU 1500" \
    sh -c "ip netns exec $(wan_ns 1) ip link show dev wan0 | grep -q 'mtu 1500'"
wan_bg wanperf 2 "$KAD_BIN/wanperf" echo 7 >/dev/null 2>&1
sleep 0.3
for a in 10.64.2.1 fd77::2; do
	wan_exec 1 "$KAD_BIN/wanperf" ping -c 20 -i 50 -w $((1000 * SLOW)) \
	    $a 7 >"$T/ping" 2>&1
	echo "# ping $a: $(tr '\n' ' ' <"$T/ping")"
	check "UDP to $a: at least 15 of 20 round trips ($(kv "$T/ping" received))" \
	    [ "$(kv "$T/ping" received)" -ge 15 ] 2>/dev/null
	check "UDP to $a: never under $RTT ms (min $(kv "$T/ping" rtt-ms-min) ms)" \
	    between "$(kv "$T/ping" rtt-ms-min)" $RTT $((RTT + 20 * SLOW))
	check "UDP to $a: median about $RTT ms ($(kv "$T/ping" rtt-ms-median) ms)" \
	    between "$(kv "$T/ping" rtt-ms-median)" $RTT $((RTT + 15 * SLOW))
done
wan_bg wanperf 3 "$KAD_BIN/wanperf" tcp-sink -s 42 7000 >"$T/tcp-sink" 2>&1
sink=$WAN_BG_PID
sleep 0.3
timeout -k 5 $((60 * SLOW)) ip netns exec "$(wan_ns 4)" \
    "$KAD_BIN/wanperf" tcp-send -s 42 10.64.3.1 7000 2097152 >"$T/tcp-send" 2>&1
sink_done() { ! kill -0 "$sink" 2>/dev/null; }
waitfor 10 sink_done
echo "# tcp: sender $(tr '\n' ' ' <"$T/tcp-send"); receiver $(tr '\n' ' ' <"$T/tcp-sink")"
check "TCP from host 4 to host 3: 2 MiB arrive, every byte checked" \
    grep -q '^verified: yes' "$T/tcp-sink"
check "...all of it ($(kv "$T/tcp-sink" bytes) bytes)" \
    [ "$(kv "$T/tcp-sink" bytes)" = 2097152 ]

# 3. kad on it
t0=$(now)
if wan_net $NODES; then
	ok "$NODES nodes in $NODES namespaces, each with peers ($(since "$t0") s)"
else
	notok "$NODES nodes in $NODES namespaces, each with peers"
	for i in $(seq $NODES); do logtail $i; done
	exit 1
fi
port1=$(wan_sf 1 port)
check "node 1 listens on 10.64.1.1:$port1, in its namespace" \
    sh -c "ip netns exec $(wan_ns 1) ss -Hlun | grep -q '10.64.1.1:$port1 '"
head -c $((MIB * 1048576)) /dev/urandom >"$T/file"
t0=$(now)
link=$(timeout -k 5 $((90 * SLOW)) "$KAD_BIN/kadctl" \
    -s "$WAN_DIR/n1/kad.sock" put -q "$T/file" 2>"$T/err")
if [ -n "$link" ]; then
	ok "put $MIB MiB on host 1 ($(since "$t0") s)"
else
	notok "put $MIB MiB on host 1: $(head -1 "$T/err")"
	logtail 1
	exit 1
fi
if waitfor 60 field_eq 1 publish-pending 0; then
	ok "host 1 pushes every chunk into the network ($(since "$t0") s)"
else
	notok "host 1 pushes every chunk within $((60 * SLOW)) s (publish-pending $(wan_sf 1 publish-pending))"
fi
nch=$(wan_sf 1 stored-chunks)
held=0
for i in $(seq 2 $NODES); do held=$((held + $(wan_sf $i stored-chunks))); done
echo "# chunks on hosts 2..$NODES: $held for $nch chunks"
if ! wan_node $FETCH -o bootstrap="$(wan_addr 1):$(wan_sf 1 port)"; then
	notok "host $FETCH starts a node"
	exit 1
fi
waitfor 10 field_ge $FETCH peers 1
waitfor 3 field_ge $FETCH peers $NODES
fheld=$(wan_sf $FETCH stored-chunks)
echo "# host $FETCH: peers $(wan_sf $FETCH peers), held $fheld chunks before its get"
mkdir -p "$T/out"
t0=$(now)
saved=$(timeout -k 5 $((120 * SLOW)) "$KAD_BIN/kadctl" \
    -s "$WAN_DIR/n$FETCH/kad.sock" get -q -o "$T/out" "$link" 2>"$T/err")
rc=$?
if [ $rc -eq 0 ] && [ -n "$saved" ] && cmp -s "$T/file" "$saved"; then
	ok "put on host 1, fetched whole on host $FETCH ($(since "$t0") s)"
else
	notok "put on host 1, fetched whole on host $FETCH (status $rc: $(head -1 "$T/err"))"
	logtail $FETCH
fi
wan_ctl $FETCH -p status >"$T/fstatus" 2>/dev/null
echo "# host $FETCH: $(grep -E '^(lookups|lookup-[a-z0-9-]*|datagrams-[a-z]*|rpc-timeouts|chunks-fetched|fetch-[a-z]*): ' "$T/fstatus" | tr '\n' ' ')"
fetched=$(kv "$T/fstatus" chunks-fetched)
# a get needs k of each stripe's chunks, not all: at least the file's
# data chunks, less those it held
check "host $FETCH got its chunks over the emulated network ($fetched fetched of $nch stored, $(kv "$T/fstatus" datagrams-in) datagrams in)" \
    [ "${fetched:-0}" -ge $((MIB * 1024 - ${fheld:-0})) ] 2>/dev/null

# 4. what kadwan did
if wan_stats >"$T/wstats"; then
	ok "kadwan reports on SIGUSR1"
else
	notok "kadwan reports on SIGUSR1"
fi
echo "# kadwan: $(grep -E '^(packets-in|delivered|dropped-[a-z-]*|loss-percent|tun-tx-dropped|in-flight-max|delay-ms-[a-z0-9]*|late-us-[a-z0-9]*|cpu-us-per-packet): ' "$T/wstats" | tr '\n' ' ')"
pin=$(kv "$T/wstats" packets-in)
check "kadwan carried the traffic ($pin packets, $(kv "$T/wstats" delivered) delivered)" \
    [ "${pin:-0}" -ge 10000 ] 2>/dev/null
check "packets were dropped as loss ($(kv "$T/wstats" dropped-loss))" \
    [ "$(kv "$T/wstats" dropped-loss)" -gt 0 ] 2>/dev/null
check "the loss rate is about $LOSS % ($(kv "$T/wstats" loss-percent) %)" \
    between "$(kv "$T/wstats" loss-percent)" 1.5 2.5
check "packets were delayed $((RTT / 2)) ms one way (median $(kv "$T/wstats" delay-ms-p50) ms)" \
    between "$(kv "$T/wstats" delay-ms-p50)" $((RTT / 2)) $((RTT / 2 + 5 * SLOW))
check "no packet malformed, unroutable or without a buffer" \
    [ "$(kv "$T/wstats" dropped-malformed)$(kv "$T/wstats" dropped-nobuf)" = 00 ]
died=""
for i in $(seq $FETCH); do
	eval "p=\${WAN_P_$i:-}"
	[ -n "$p" ] && ! kill -0 "$p" 2>/dev/null && died="$died n$i"
done
check "no node died${died:+ (died:$died)}" [ -z "$died" ]
check "no node logged a sanitizer report" \
    sh -c "! grep -l 'Sanitizer\|runtime error:' $WAN_DIR/n*.log"

# 5. teardown
dir=$WAN_DIR
pfx=$WAN_NSPFX
pids=$(awk '{ print $1 }' "$dir/pids")
wan_down
left=""
for p in $pids; do kill -0 "$p" 2>/dev/null && left="$left $p"; done
check "teardown stops every process it started${left:+ (left:$left)}" [ -z "$left" ]
check "teardown deletes its namespaces" [ "$(ns_left "$pfx")" = 0 ]
check "teardown removes its directory" [ ! -d "$dir" ]
echo "# wan.sh took $(since "$t_start") s"
