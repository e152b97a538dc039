# SPDX-License-Identifier: ISC
# The privilege-separated daemon: four processes, each worker sandboxed,
# identity kept across restarts (tests/integ/identity.sh: the node key),
# supervision on worker and master death.
# Run as root it checks the chroot and uid drop too, then runs itself
# again as an unprivileged user.
. "$(dirname "$0")/lib.sh"

as=$(id -un)

start_node n1 || { notok "[$as] node starts"; exit 1; }
ok "[$as] node starts"
master=$NODE_PID
pids=$(worker_pids)
check "[$as] three workers besides the master" [ "$(echo $pids | wc -w)" -eq 3 ]
for p in $pids; do
	name=$(cat /proc/$p/comm 2>/dev/null)
	st=/proc/$p/status
	check "[$as] $name: Seccomp 2" grep -q '^Seccomp:[[:space:]]*2$' $st
	check "[$as] $name: NoNewPrivs 1" grep -q '^NoNewPrivs:[[:space:]]*1$' $st
	check "[$as] $name: child of the master" \
	    [ "$(awk '/^PPid:/ {print $2}' $st)" = "$master" ]
	if [ "$(id -u)" = 0 ]; then
		uid=$(awk '/^Uid:/ {print $2}' $st)
		check "[$as] $name: runs as uid $uid, not root" [ "$uid" != 0 ]
		root=$(readlink /proc/$p/root)
		case $name in
		kadstore) want="$T/n1/store" ;;
		*) want="$T/n1/empty" ;;
		esac
		check "[$as] $name: chrooted to $want" [ "$root" = "$want" ]
	fi
done

id1=$(status_field node-id)
port1=$(status_field port)
check "[$as] status has a 64-digit node-id" \
    sh -c "echo '$id1' | grep -Eq '^[0-9a-f]{64}$'"
check "[$as] status has a port above 1024" [ "${port1:-0}" -gt 1024 ]
check "[$as] status has uptime" [ -n "$(status_field uptime)" ]
check "[$as] node key saved 0600, 68 bytes (identity.sh checks the rest)" \
    [ "$(stat -c %a:%s $T/n1/node-key)" = 600:68 ]
check "[$as] status has a 64-digit node-key" \
    sh -c "echo '$(status_field node-key)' | grep -Eq '^[0-9a-f]{64}$'"
check "[$as] datadir is 0700" [ "$(stat -c %a $T/n1)" = 700 ]
check "[$as] control socket is 0600" [ "$(stat -c %a $T/n1/kad.sock)" = 600 ]
check "[$as] UDP port bound on 127.0.0.1" \
    sh -c "ss -uln | grep -q '127.0.0.1:$port1 '"

# a malformed control request drops only that client
check "[$as] the master drops a client that sends garbage" \
    kadctl test-garbage
check "[$as] daemon survives a malformed control request" \
    sh -c "'$KAD_BIN/kadctl' -s '$NODE_SOCK' status >/dev/null"

# clean stop and restart keep the identity
kill -TERM $master
wait_exit $master 15
check "[$as] SIGTERM stops the node with status 0" [ "${EXIT_STATUS:-1}" = 0 ]
left=0
for p in $pids; do kill -0 $p 2>/dev/null && left=1; done
check "[$as] no worker left after SIGTERM" [ $left = 0 ]
start_node n1 || notok "[$as] node restarts"
check "[$as] node-id survives a restart" [ "$(status_field node-id)" = "$id1" ]
check "[$as] port survives a restart" [ "$(status_field port)" = "$port1" ]

# a forbidden system call in a worker: SIGSYS, reported, master exits
master=$NODE_PID
kadctl test-sandbox kadnet >/dev/null 2>&1
wait_exit $master 15
check "[$as] master exits non-zero after a sandbox violation" \
    [ "${EXIT_STATUS:-0}" -ne 0 ]
check "[$as] master names the worker and SIGSYS" \
    grep -q 'kadnet terminated; signal 31 (SIGSYS)' $T/n1.log

# kill -9 of each worker: the master cleans up and exits non-zero
for w in kadnet kadstore kadcrypt; do
	start_node n1 || notok "[$as] node restarts"
	master=$NODE_PID
	pids=$(worker_pids)
	wp=$(kadctl -p status | sed -n "s/^pid-$w: //p")
	kill -9 "$wp"
	wait_exit $master 15
	check "[$as] kill -9 $w: master exits non-zero" [ "${EXIT_STATUS:-0}" -ne 0 ]
	check "[$as] kill -9 $w: logged" \
	    grep -q "$w terminated; signal 9 (SIGKILL)" $T/n1.log
	sleep 0.5
	left=0
	for p in $pids; do kill -0 $p 2>/dev/null && left=1; done
	check "[$as] kill -9 $w: no worker left" [ $left = 0 ]
done

# kill -9 of the master: every worker sees its channel close and exits
start_node n1 || notok "[$as] node restarts"
pids=$(worker_pids)
kill -9 $NODE_PID
left=1
for i in $(seq 50); do
	left=0
	for p in $pids; do kill -0 $p 2>/dev/null && left=1; done
	[ $left = 0 ] && break
	sleep 0.1
done
check "[$as] kill -9 of the master leaves no worker" [ $left = 0 ]

# configuration check mode
printf 'datadir /tmp/x\nreplicas 3\n# comment\nstorage-limit 10M\n' >$T/good.conf
check "[$as] -n accepts a good config" \
    "$KAD_BIN/kadmaster" -n -f $T/good.conf
printf 'replicas many\n' >$T/bad.conf
check "[$as] -n rejects a bad config" sh -c \
    "! '$KAD_BIN/kadmaster' -n -f $T/bad.conf 2>$T/bad.out"
check "[$as] the error names the line" grep -q "bad.conf:1: replicas" $T/bad.out

# a control socket where others could swap it for a link: refused
mkdir -p $T/open $T/wd
chmod 777 $T/open
chmod 700 $T/wd
check "[$as] a control socket in a directory others can write is refused" \
    sh -c "! '$KAD_BIN/kadmaster' -d -o datadir=$T/wd -o libexec=$KAD_BIN \
    -o listen=127.0.0.1 -o control=$T/open/kad.sock >$T/open.out 2>&1"
check "[$as] ...with a clear message" grep -q "writable by others" $T/open.out

# as root, everything again as an unprivileged user; binaries and
# scripts are copied where that user can read them (the checkout may be
# under a private home directory)
if [ "$(id -u)" = 0 ] && [ -z "$KAD_AS_USER" ]; then
	u=$(mktemp -d /tmp/kad-user.XXXXXX)
	ub="$u/bin/$(basename "$KAD_BIN")"	# keeps "asan" in the path
	mkdir -p "$ub" "$u/tests/integ"
	for b in kadmaster kadctl kadnet kadstore kadcrypt; do
		cp "$KAD_BIN/$b" "$ub/"
	done
	cp "$KAD_TOP/tests/integ/lib.sh" "$KAD_TOP/tests/integ/daemon.sh" \
	    "$u/tests/integ/"
	chown -R nobody "$u"
	chmod -R a+rX "$u"
	setpriv --reuid=65534 --regid=65534 --clear-groups \
	    env KAD_AS_USER=1 HOME="$u" TMPDIR="$u" \
	    KAD_BIN="$ub" KAD_TOP="$u" \
	    sh "$u/tests/integ/daemon.sh"
	rm -rf "$u"
fi
