# SPDX-License-Identifier: ISC
# tests/wan/wan.sh: emulated hosts for real daemons (docs/WAN.md).
# Sourced by tests/integ/wan.sh and bench/bench_wan.sh (POSIX sh).
#
#   wan_check             0 if this machine can run it; else WAN_SKIP
#                         says why (not root, no tun, no netns, ...)
#   wan_up N [kadwan options...]
#                         N namespaces kadwan-PID-RUN-1..N with hosts at
#                         10.64.1.1, 10.64.2.1, ... (a /24 each;
#                         fd77::1..N), kadwan between them
#                         (at real-time priority, -f, unless WAN_RT=0),
#                         a directory WAN_DIR for everything of this run
#                         and a guard that cleans up if this shell is
#                         killed (tests/wan/guard.sh)
#   wan_ns I, wan_addr I  host I's namespace name and IPv4 address
#   wan_exec I cmd...     cmd in host I's namespace
#   wan_bg NAME I cmd...  same in the background, stopped by wan_down
#                         (its PID is recorded); sets WAN_BG_PID
#   wan_stats [KEY]       a fresh report from kadwan (SIGUSR1): every
#                         "key: value" line, or KEY's value
#   wan_node I [kadmaster -o options...]
#                         kadmaster in host I (datadir WAN_DIR/nI) bound
#                         to host I's address; waits for kadctl status;
#                         its workers' PIDs are recorded too
#   wan_ctl I args...     kadctl for node I; wan_sf I KEY: one status value
#   wan_net N [options]   nodes 1..N, 2..N bootstrapping from node 1, and
#                         waits until each has a peer (WAN_PEER_WAIT s)
#   wan_node_stop I       stops node I (SIGTERM, then SIGKILL) by PID
#   wan_down              every process this file started, by PID, then
#                         the namespaces it created, then WAN_DIR
#
# KAD_BIN is the build directory (kadwan, wanperf, kadmaster, kadctl
# and the workers); WAN_TOP the source tree.  Nothing here touches a
# process or namespace it did not create: PIDs are recorded in
# WAN_DIR/pids with their command name, checked before any signal.

WAN_TOP=${WAN_TOP:-${KAD_TOP:-$(cd "$(dirname "$0")/../.." && pwd)}}
WAN_DIR=""
WAN_PID=""
WAN_GUARD=""
WAN_N=0
WAN_RUN=0
WAN_REPORT=0
WAN_NSPFX=""
WAN_PEER_WAIT=${WAN_PEER_WAIT:-30}
WAN_SKIP=""

wan_check() {
	if [ "$(id -u)" != 0 ]; then
		WAN_SKIP="not root (network namespaces and tun devices need root)"
		return 1
	fi
	for _c in ip setsid; do
		if ! command -v $_c >/dev/null 2>&1; then
			WAN_SKIP="no $_c command"
			return 1
		fi
	done
	if [ ! -c /dev/net/tun ]; then
		WAN_SKIP="no /dev/net/tun (tun driver missing)"
		return 1
	fi
	for _b in kadwan wanperf; do
		if [ ! -x "$KAD_BIN/$_b" ]; then
			WAN_SKIP="$KAD_BIN/$_b not built"
			return 1
		fi
	done
	_p=kadwan-$$-probe
	if ! ip netns add "$_p" 2>/dev/null; then
		WAN_SKIP="cannot create a network namespace (ip netns add)"
		return 1
	fi
	ip netns del "$_p"
	return 0
}

# _wan_rec NAME PID: remember a process to stop
_wan_rec() { echo "$2 $1" >>"$WAN_DIR/pids"; }

# _wan_start PID: its start time, to tell it from a later process with
# the same PID
_wan_start() { sed 's/^.*) //' "/proc/$1/stat" 2>/dev/null | cut -d' ' -f20; }

wan_ns() { echo "$WAN_NSPFX$1"; }
wan_addr() { echo "10.$((64 + ($1 >> 8))).$(($1 & 255)).1"; }
wan_exec() { _i=$1; shift; ip netns exec "$WAN_NSPFX$_i" "$@"; }
wan_bg() {
	_n=$1 _i=$2
	shift 2
	ip netns exec "$WAN_NSPFX$_i" "$@" &
	WAN_BG_PID=$!
	_wan_rec "$_n" "$WAN_BG_PID"
}

wan_up() {
	_n=$1
	shift
	WAN_RUN=$((WAN_RUN + 1))
	WAN_DIR=$(mktemp -d /tmp/kadwan.XXXXXX) || return 1
	chmod 755 "$WAN_DIR"
	: >"$WAN_DIR/pids"
	: >"$WAN_DIR/netns"
	WAN_NSPFX=kadwan-$$-$WAN_RUN-
	WAN_N=$_n
	WAN_REPORT=0
	# the guard first: from here on, a kill -9 of this shell leaves
	# nothing behind for more than a second or two
	setsid sh "$WAN_TOP/tests/wan/guard.sh" $$ "$(_wan_start $$)" \
	    "$WAN_DIR" </dev/null >/dev/null 2>&1 &
	_k=0
	while [ ! -s "$WAN_DIR/guard.pid" ] && [ $_k -lt 50 ]; do
		sleep 0.1
		_k=$((_k + 1))
	done
	WAN_GUARD=$(cat "$WAN_DIR/guard.pid" 2>/dev/null)
	_k=1
	_args=""
	while [ $_k -le "$_n" ]; do
		ip netns add "$WAN_NSPFX$_k" || return 1
		echo "$WAN_NSPFX$_k" >>"$WAN_DIR/netns"
		_args="$_args $WAN_NSPFX$_k"
		_k=$((_k + 1))
	done
	# at real-time priority unless WAN_RT=0: with the hosts keeping both
	# CPUs busy, kadwan at normal priority wrote packets 15-80 ms late
	_rt=-f
	[ "${WAN_RT:-1}" = 0 ] && _rt=""
	# shellcheck disable=SC2086
	"$KAD_BIN/kadwan" $_rt -p "$WAN_DIR/kadwan.pid" -S "$WAN_DIR/stats" \
	    "$@" $_args >"$WAN_DIR/kadwan.log" 2>&1 &
	WAN_PID=$!
	_wan_rec kadwan "$WAN_PID"
	_k=0
	while [ ! -s "$WAN_DIR/kadwan.pid" ]; do
		_k=$((_k + 1))
		if [ $_k -gt 100 ] || ! kill -0 "$WAN_PID" 2>/dev/null; then
			echo "# kadwan did not start:"
			sed 's/^/#   /' "$WAN_DIR/kadwan.log"
			return 1
		fi
		sleep 0.1
	done
	return 0
}

wan_stats() {
	[ -n "$WAN_PID" ] || return 1
	WAN_REPORT=$((WAN_REPORT + 1))
	kill -USR1 "$WAN_PID" 2>/dev/null || return 1
	_k=0
	while [ "$(sed -n 's/^kadwan-report: //p' "$WAN_DIR/stats" 2>/dev/null)" \
	    != "$WAN_REPORT" ]; do
		_k=$((_k + 1))
		[ $_k -gt 100 ] && return 1
		sleep 0.05
	done
	if [ $# -eq 0 ]; then
		cat "$WAN_DIR/stats"
	else
		sed -n "s/^$1: //p" "$WAN_DIR/stats"
	fi
}

wan_ctl() { _c=$1; shift; "$KAD_BIN/kadctl" -s "$WAN_DIR/n$_c/kad.sock" "$@"; }
wan_sf() { wan_ctl "$1" -p status 2>/dev/null | sed -n "s/^$2: //p"; }

wan_node() {
	_i=$1
	shift
	# as root, kadmaster needs the workers' users
	sh "$WAN_TOP/tests/mkusers.sh" || return 1
	mkdir -p "$WAN_DIR/n$_i"
	chmod 700 "$WAN_DIR/n$_i"
	ip netns exec "$WAN_NSPFX$_i" "$KAD_BIN/kadmaster" -d \
	    -o datadir="$WAN_DIR/n$_i" -o libexec="$KAD_BIN" \
	    -o listen="$(wan_addr "$_i")" "$@" >>"$WAN_DIR/n$_i.log" 2>&1 &
	_p=$!
	_wan_rec kadmaster "$_p"
	eval "WAN_P_$_i=$_p"
	_k=0
	while ! wan_ctl "$_i" -p status >"$WAN_DIR/n$_i.status" 2>/dev/null; do
		_k=$((_k + 1))
		# (60 s: a first start grinds the key puzzle)
		if [ $_k -gt 600 ] || ! kill -0 "$_p" 2>/dev/null; then
			echo "# node $_i did not start:"
			tail -n 20 "$WAN_DIR/n$_i.log" | sed 's/^/#   /'
			return 1
		fi
		sleep 0.1
	done
	for _w in kadnet kadstore kadcrypt; do
		_wp=$(sed -n "s/^pid-$_w: //p" "$WAN_DIR/n$_i.status")
		[ -n "$_wp" ] && _wan_rec "$_w" "$_wp"
	done
	return 0
}

wan_net() {
	_nn=$1
	shift
	wan_node 1 "$@" || return 1
	_port1=$(wan_sf 1 port)
	[ -n "$_port1" ] || return 1
	_j=2
	while [ $_j -le "$_nn" ]; do
		wan_node $_j -o bootstrap="$(wan_addr 1):$_port1" "$@" ||
		    return 1
		_j=$((_j + 1))
	done
	_j=1
	while [ $_j -le "$_nn" ]; do
		_k=0
		while ! [ "$(wan_sf $_j peers)" -ge 1 ] 2>/dev/null; do
			_k=$((_k + 1))
			if [ $_k -gt $((WAN_PEER_WAIT * 10)) ]; then
				echo "# node $_j has no peers after" \
				    "$WAN_PEER_WAIT s"
				return 1
			fi
			sleep 0.1
		done
		_j=$((_j + 1))
	done
	return 0
}

# _wan_alive PID NAME: PID is still the process NAME we started
# (ip netns exec becomes the command it runs)
_wan_alive() {
	_comm=$(cat "/proc/$1/comm" 2>/dev/null) || return 1
	case $_comm in "$2"|ip) return 0 ;; esac
	return 1
}

# _wan_stop SIGNAL-WAIT-SECONDS NAME...: stop the recorded processes
# with these names ("!NAME": every name but NAME): SIGTERM, up to that
# many seconds, then SIGKILL
_wan_stop() {
	_secs=$1
	shift
	[ -f "$WAN_DIR/pids" ] || return 0
	_list=""
	while read -r _p _nm; do
		for _want in "$@"; do
			case $_want in
			!*)	[ "$_nm" != "${_want#!}" ] || continue ;;
			*)	[ "$_nm" = "$_want" ] || continue ;;
			esac
			_wan_alive "$_p" "$_nm" || continue
			_list="$_list $_p:$_nm"
			kill -TERM "$_p" 2>/dev/null
		done
	done <"$WAN_DIR/pids"
	_k=0
	while [ -n "$_list" ] && [ $_k -lt $((_secs * 10)) ]; do
		_left=""
		for _e in $_list; do
			_wan_alive "${_e%%:*}" "${_e#*:}" && _left="$_left $_e"
		done
		_list=$_left
		[ -z "$_list" ] && break
		sleep 0.1
		_k=$((_k + 1))
	done
	for _e in $_list; do
		_wan_alive "${_e%%:*}" "${_e#*:}" &&
		    kill -KILL "${_e%%:*}" 2>/dev/null
	done
	for _e in $_list; do wait "${_e%%:*}" 2>/dev/null; done
	return 0
}

wan_node_stop() {
	eval "_p=\${WAN_P_$1:-}"
	[ -n "$_p" ] || return 0
	kill -TERM "$_p" 2>/dev/null
	_k=0
	while _wan_alive "$_p" kadmaster && [ $_k -lt 200 ]; do
		sleep 0.1
		_k=$((_k + 1))
	done
	_wan_alive "$_p" kadmaster && kill -KILL "$_p" 2>/dev/null
	wait "$_p" 2>/dev/null
	for _w in kadnet kadstore kadcrypt; do
		_wp=$(sed -n "s/^pid-$_w: //p" "$WAN_DIR/n$1.status" 2>/dev/null)
		[ -n "$_wp" ] && _wan_alive "$_wp" "$_w" &&
		    kill -KILL "$_wp" 2>/dev/null
	done
	eval "WAN_P_$1="
}

wan_down() {
	[ -n "$WAN_DIR" ] && [ -d "$WAN_DIR" ] || return 0
	# nodes first (a master stops its workers), then whatever is left,
	# then kadwan: its final report goes to WAN_DIR/kadwan.log
	_wan_stop 20 kadmaster
	# (the rest: workers, wanperf, whatever else wan_bg started)
	_wan_stop 5 '!kadwan'
	_wan_stop 5 kadwan
	while read -r _ns; do
		[ -n "$_ns" ] && ip netns del "$_ns" 2>/dev/null
	done <"$WAN_DIR/netns"
	if [ -n "$WAN_GUARD" ] && _wan_alive "$WAN_GUARD" sh; then
		kill -KILL "$WAN_GUARD" 2>/dev/null
	fi
	if [ "${WAN_KEEP:-0}" = 1 ]; then
		echo "# kept $WAN_DIR"
	else
		rm -rf "$WAN_DIR"
	fi
	WAN_DIR=""
	WAN_PID=""
	WAN_GUARD=""
}
