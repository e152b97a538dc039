# SPDX-License-Identifier: ISC
# kad.conf's upload-limit against real nodes: a holder limited to 64K a
# second serves a 256 KiB file to a node that has no other source, no
# faster than its limit allows (plus one bucket), and still whole; the
# datagrams it queued and dropped are counted.
. "$(dirname "$0")/lib.sh"

LIMIT=65536
SIZE=262144

start_node lim -o upload-limit=64K || { notok "a limited node starts"; exit 1; }
P_lim=$NODE_PID
check "kadmaster -nv prints the limit" sh -c "'$KAD_BIN/kadmaster' -nv \
    -o datadir=$T/lim -o upload-limit=64K 2>/dev/null | grep -qx 'upload-limit $LIMIT'"
check "kadnet has the limit" [ "$(sf lim upload-limit)" = "$LIMIT" ]
port=$(sf lim port)
start_node pub -o bootstrap=$(node_addr lim):$port || { notok "publisher starts"; exit 1; }
P_pub=$NODE_PID

head -c $SIZE /dev/urandom >$T/file
link=$(ctl pub put -q $T/file) || { notok "put"; exit 1; }
# the publisher pushes every chunk to the limited node (it is unlimited)
n=0
while [ "$(sf lim stored-chunks)" -lt $((SIZE / 1024)) ] 2>/dev/null; do
	n=$((n + 1))
	[ $n -gt 150 ] && break
	sleep 0.2
done
check "the limited node holds the file ($(sf lim stored-chunks) chunks)" \
    [ "$(sf lim stored-chunks)" -ge $((SIZE / 1024)) ]
kill "$P_pub"
wait_exit "$P_pub" 10

start_node get -o bootstrap=$(node_addr lim):$port || { notok "fetcher starts"; exit 1; }
held0=$(sf lim upload-queued)
out0=$(sf lim bytes-out)
t0=$(now)
mkdir -p $T/out
if saved=$(ctl get get -q -o $T/out "$link"); then
	ok "the file comes whole from a node at its limit"
	check "and is the same file" cmp -s $T/file "$saved"
else
	notok "get from the limited node"
fi
secs=$(since "$t0")
out=$(($(sf lim bytes-out) - out0))
held=$(($(sf lim upload-queued) - held0))
rate=$(awk -v o="$out" -v s="$secs" 'BEGIN { printf "%.0f", o / s }')
echo "# $SIZE bytes fetched in $secs s; the holder sent $out bytes" \
    "($rate B/s, limit $LIMIT), queued $held datagrams, dropped $(sf lim upload-dropped)"
# one bucket (a tenth of the rate, at least 19,712 bytes) may go at once
max=$(awk -v s="$secs" -v l=$LIMIT 'BEGIN { printf "%.0f", l * s + 19712 + 1232 }')
check "the holder sent no more than its limit allows ($out <= $max)" \
    [ "$out" -le "$max" ]
check "the limit queued datagrams ($held)" [ "$held" -gt 0 ]
check "the file took at least its size over the limit (${secs} s)" \
    awk -v s="$secs" -v n=$SIZE -v l=$LIMIT 'BEGIN { exit !(s >= n / l * 0.8) }'
