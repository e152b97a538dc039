#!/bin/sh
# SPDX-License-Identifier: ISC
# tests/wan/wannet.sh: an emulated WAN to try things on by hand (root).
#
#   tests/wan/wannet.sh [-H hosts] [-n nodes] [-d rtt_ms] [-l loss%]
#       [-j jitter_ms] BUILD_DIR [kadwan options...]
#
# Creates HOSTS (default: NODES) network namespaces behind kadwan (see
# docs/WAN.md), starts kadmaster in the first NODES (default 5; 0 for
# none, e.g. to run other programs), nodes 2..NODES bootstrapping from
# node 1, prints how to reach each host and node, and waits for Enter
# (or ^C, or SIGTERM); then stops everything it started, by PID, and
# deletes the namespaces.  Another shell can meanwhile run, say,
#   ip netns exec NAMESPACE program ...
#   BUILD_DIR/kadctl -s SOCKET put FILE
#   kill -USR1 KADWAN_PID; cat WAN_DIR/stats
usage() {
	echo "usage: tests/wan/wannet.sh [-H hosts] [-n nodes] [-d rtt_ms]" \
	    "[-l loss%] [-j jitter_ms] BUILD_DIR [kadwan options...]" >&2
	exit 2
}
NODES=5
HOSTS=""
RTT=50
LOSS=0
JITTER=0
while getopts H:n:d:l:j: o; do
	case $o in
	H) HOSTS=$OPTARG ;;
	n) NODES=$OPTARG ;;
	d) RTT=$OPTARG ;;
	l) LOSS=$OPTARG ;;
	j) JITTER=$OPTARG ;;
	*) usage ;;
	esac
done
shift $((OPTIND - 1))
[ $# -ge 1 ] && [ -d "$1" ] || usage
KAD_BIN=$(cd "$1" && pwd)
shift
HOSTS=${HOSTS:-$NODES}
[ "$HOSTS" -ge 2 ] 2>/dev/null && [ "$NODES" -ge 0 ] 2>/dev/null &&
    [ "$NODES" -le "$HOSTS" ] || usage
KAD_TOP=$(cd "$(dirname "$0")/../.." && pwd)
. "$KAD_TOP/tests/wan/wan.sh"
if ! wan_check; then
	echo "wannet: cannot run: $WAN_SKIP" >&2
	exit 1
fi
trap wan_down EXIT
trap 'exit 129' HUP
trap 'exit 130' INT
trap 'exit 143' TERM

wan_up "$HOSTS" -d "$RTT" -l "$LOSS" -j "$JITTER" "$@" || exit 1
if [ "$NODES" -gt 0 ]; then
	wan_net "$NODES" || exit 1
fi
echo "wannet: $HOSTS hosts, $RTT ms RTT, $LOSS % loss, jitter $JITTER ms;" \
    "kadwan pid $WAN_PID (kill -USR1 it, then read $WAN_DIR/stats)"
i=1
while [ $i -le "$HOSTS" ]; do
	line="  host $i: namespace $(wan_ns $i), $(wan_addr $i), fd77::$(printf %x $i)"
	[ $i -le "$NODES" ] && line="$line, node port $(wan_sf $i port)," \
	    && line="$line kadctl -s $WAN_DIR/n$i/kad.sock"
	echo "$line"
	i=$((i + 1))
done
printf 'wannet: press Enter to stop everything '
read -r _ || true
