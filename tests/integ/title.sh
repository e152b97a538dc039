# SPDX-License-Identifier: ISC
# The process titles ps shows: the master's is exactly "kadmaster:
# master", with no padding or marker after it; each worker shows its
# own name first and the arguments kadmaster gave it, nothing more.
. "$(dirname "$0")/lib.sh"

start_node n1 || { notok "n1 starts"; exit 1; }
t=$(ps -o args= -p "$NODE_PID")
check "ps shows the master as \"kadmaster: master\" (\"$t\")" \
    [ "$t" = "kadmaster: master" ]
check "/proc/PID/cmdline is the title and its NUL" \
    [ "$(tr '\0' '|' <"/proc/$NODE_PID/cmdline")" = "kadmaster: master|" ]
for w in kadnet kadstore kadcrypt; do
	p=$(kadctl status | sed -n "s/^pid-$w: //p")
	t=$(ps -o args= -p "$p")
	check "ps shows $w as \"$w -d ... -u _$w\" (\"$t\")" \
	    sh -c "printf '%s\n' '$t' | grep -Eqx '$w -d( -l [0-9]+)?( -t)?( -s [0-9]+)? -r [^ ]+ -u _$w'"
done
kill "$NODE_PID"
wait_exit "$NODE_PID" 10
summary
