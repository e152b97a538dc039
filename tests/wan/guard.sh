#!/bin/sh
# SPDX-License-Identifier: ISC
# tests/wan/guard.sh OWNER_PID OWNER_START DIR: started by wan_up
# (tests/wan/wan.sh) in a session of its own, so that neither a signal
# to the test's process group nor the test's own death stops it.  Once a
# second it checks that the shell that ran wan_up is still there (same
# PID, same start time).  When that shell is gone and has left DIR
# behind (it was killed before wan_down ran), the guard stops every
# process listed in DIR/pids (if its PID still names the same command),
# deletes the namespaces listed in DIR/netns, and removes DIR.  When DIR
# is gone, wan_down did the work, and the guard just exits.
owner=$1
start=$2
dir=$3
trap '' HUP INT TERM
echo $$ >"$dir/guard.pid"

alive() {
	[ "$(sed 's/^.*) //' "/proc/$owner/stat" 2>/dev/null |
	    cut -d' ' -f20)" = "$start" ]
}
same() {	# pid name: still the process that was recorded
	_c=$(cat "/proc/$1/comm" 2>/dev/null) || return 1
	case $_c in "$2"|ip) return 0 ;; esac
	return 1
}

while [ -d "$dir" ] && alive; do
	sleep 1
done
[ -f "$dir/pids" ] || exit 0
while read -r p name; do
	same "$p" "$name" && kill -TERM "$p" 2>/dev/null
done <"$dir/pids"
n=0
while [ $n -lt 50 ]; do
	left=0
	while read -r p name; do
		same "$p" "$name" && left=1
	done <"$dir/pids"
	[ $left = 0 ] && break
	sleep 0.1
	n=$((n + 1))
done
while read -r p name; do
	same "$p" "$name" && kill -KILL "$p" 2>/dev/null
done <"$dir/pids"
while read -r ns; do
	[ -n "$ns" ] && ip netns del "$ns" 2>/dev/null
done <"$dir/netns"
rm -rf "$dir"
