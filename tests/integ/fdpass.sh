# SPDX-License-Identifier: ISC
# No file bytes through the root process: kadctl passes the file's fd
# (a put's file, a get's partial file or standard output) and kadcrypt
# reads or writes it.  kadmaster's byte counts stay small over a 20 MiB
# put and get; pipes in and out work both ways and are not held up by a
# slow end; what kadctl never sends (a socket, a directory, a device, a
# file open the wrong way) kadcrypt refuses with one line.
. "$(dirname "$0")/lib.sh"

start_node n1 || { notok "n1 starts"; exit 1; }
MP=$NODE_PID

# what kadmaster read and wrote: /proc's counts (read(2) and write(2)
# only: they do not see sendmsg and recvmsg, through which its channels
# go) and its own count of every byte its channels carried
io() { awk '/^rchar:|^wchar:/ { s += $2 } END { print s + 0 }' /proc/$MP/io; }
chan() { echo $(( $(status_field master-bytes-read) +
    $(status_field master-bytes-written) )); }

head -c $((20 * 1048576)) /dev/urandom >"$T/twenty"
io0=$(io); ch0=$(chan)
link=$(kadctl put -q "$T/twenty") || notok "put of 20 MiB"
mkdir "$T/out"
kadctl get -q -o "$T/out/twenty" "$link" >/dev/null || notok "get of 20 MiB"
io1=$(io); ch1=$(chan)
check "a 20 MiB put and get round trip" cmp -s "$T/twenty" "$T/out/twenty"
echo "# kadmaster over them: rchar+wchar +$((io1 - io0)), its channels" \
    "+$((ch1 - ch0)) bytes"
check "kadmaster's rchar+wchar grew by less than 1 MiB ($((io1 - io0)))" \
    [ $((io1 - io0)) -lt 1048576 ]
check "kadmaster's channels carried less than 1 MiB ($((ch1 - ch0)))" \
    [ $((ch1 - ch0)) -lt 1048576 ]
check "...and something (the counter counts: $((ch1 - ch0)))" \
    [ $((ch1 - ch0)) -gt 1000 ]

# pipes: a put from one, a get into one, and the pipe's flags kept
cat "$T/twenty" | kadctl put -q -n from-a-pipe - >"$T/plink" ||
    notok "put from a pipe"
plink=$(cat "$T/plink")
check "cat f | kadctl put -n f -: the name given" sh -c \
    "'$KAD_BIN/kadctl' -s '$NODE_SOCK' -p ls | grep -q '^from-a-pipe	20971520	'"
kadctl get -q -o - "$plink" | cat >"$T/out/piped"
check "get -o - into a pipe: the same bytes" cmp -s "$T/twenty" "$T/out/piped"
kadctl get -q -o - "$plink" >"$T/out/stdout-file"
check "get -o - into a file: the same bytes" cmp -s "$T/twenty" \
    "$T/out/stdout-file"
{ echo head; kadctl get -q -o - "$plink"; } >"$T/out/after-head"
check "get -o - writes where standard output stands" sh -c \
    "{ echo head; cat '$T/twenty'; } | cmp -s - '$T/out/after-head'"
fl=$(head -c 3000 "$T/twenty" | { kadctl put -q -n flags - >/dev/null;
    python3 -c 'import fcntl, os; print(fcntl.fcntl(0, fcntl.F_GETFL) & os.O_NONBLOCK)'; })
check "the pipe's flags come back as they were (O_NONBLOCK: $fl)" [ "$fl" = 0 ]
# what kadcrypt does not take kadctl copies through a pipe of its own
kadctl get -q -o - "$plink" >/dev/null
check "get -o - to /dev/null still works (status $?)" [ $? -eq 0 ]
elink=$(kadctl put -q -n nothing - </dev/null)
check "put - from /dev/null still works: an empty file" sh -c \
    "'$KAD_BIN/kadctl' -s '$NODE_SOCK' -p ls | grep -q '^nothing	0	'"

# a slow pipe holds nothing up: a get goes through meanwhile
( head -c 100000 "$T/twenty"; sleep 4; tail -c +100001 "$T/twenty" ) |
    kadctl put -q -n slow - >"$T/slow.link" &
spid=$!
sleep 1
t0=$(now)
kadctl get -q -f -o "$T/out/twenty" "$link" >/dev/null
dt=$(since "$t0")
check "a get while a put's pipe stalls takes ${dt} s (< 3)" \
    awk -v t="$dt" 'BEGIN { exit !(t < 3) }'
check "the stalled put then ends" wait_exit $spid 30
kadctl get -q -o "$T/out/slow" "$(cat "$T/slow.link")" >/dev/null
check "and its file is whole" cmp -s "$T/twenty" "$T/out/slow"
# a reader that stalls: kadcrypt waits for its pipe, others go on
kadctl get -q -o - "$link" | { sleep 4; cat >"$T/out/slowread"; } &
rpid=$!
sleep 1
t0=$(now)
kadctl status >/dev/null && kadctl get -q -f -o "$T/out/twenty" "$link" >/dev/null
dt=$(since "$t0")
check "a get while another's reader stalls takes ${dt} s (< 3)" \
    awk -v t="$dt" 'BEGIN { exit !(t < 3) }'
wait $rpid
check "and the stalled reader gets the whole file" cmp -s "$T/twenty" \
    "$T/out/slowread"

# what kadctl never sends: kadcrypt refuses it, in one line
refused() {	# description, expected text, kadctl test-fd arguments...
	d=$1; want=$2; shift 2
	if kadctl test-fd "$@" >"$T/fd.out" 2>"$T/fd.err"; then
		notok "$d is refused (it was: $(cat "$T/fd.out"))"
		return
	fi
	check "$d is refused: $(cat "$T/fd.err")" grep -q "$want" "$T/fd.err"
	check "$d: one line" [ "$(wc -l <"$T/fd.err")" -eq 1 ]
}
refused "a put of a socket" "not a socket" put socket
refused "a put of a directory" "not a directory" put dir
refused "a put of a device" "not a device" put dev
refused "a put of a file open for writing" "read-only" put rdwr
head -c 5000 /dev/urandom >"$T/small"
small=$(kadctl put -q "$T/small")
refused "a get into a socket" "not a socket" get socket "$small"
refused "a get into a directory" "not a directory" get dir "$small"
refused "a get into a device" "not a device" get dev "$small"
refused "a get into a file open read-only" "not open for writing" \
    get rdonly "$small"
check "a get into a file open for writing is taken" sh -c \
    "'$KAD_BIN/kadctl' -s '$NODE_SOCK' test-fd get file '$small' | grep -q accepted"
# kadmaster drops the client (its last word may not reach it)
refused "a second sink for one get" "not allowed\\|closed the connection" \
    get twice "$small"
check "the node is still up" sh -c \
    "'$KAD_BIN/kadctl' -s '$NODE_SOCK' status >/dev/null"
check "no protocol error in the node's log" sh -c \
    "! grep -q 'protocol error' '$T/n1.log'"
summary
