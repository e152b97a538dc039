# SPDX-License-Identifier: ISC
# What an observer sees (docs/PROTOCOL.md 2.7): every UDP datagram on lo
# is captured (test_spoof capture, an AF_PACKET socket) while two nodes
# join a third, one publishes a file and a node that joins later fetches
# it over the network.  No captured payload may hold, in clear, a node
# ID, a node's public key, a chunk key of the file, the first 32 bytes
# of a stored chunk, the link's manifest key or 32 bytes of the file.
# The one exception is the bootstrap node's key in the KEYRES that
# answers a KEYREQ (bootstrap by address, PROTOCOL.md 2.6).  Needs root
# (AF_PACKET); skips otherwise.
. "$(dirname "$0")/lib.sh"

SPOOF=$KAD_BIN/tests/test_spoof
if [ "$(id -u)" != 0 ]; then
	echo "# skip: capturing on lo needs root (AF_PACKET)"
	exit 0
fi

# hex of a tchmgr -px field: "6B 61 ..." -> "6b61..."
unspace() { tr -d ' ' | tr A-F a-f; }

"$SPOOF" capture "$T/cap" 50 >"$T/cap.out" 2>&1 &
CAP=$!
KAD_PIDS="$KAD_PIDS $CAP"
waitfor 5 grep -qs capturing "$T/cap.out" ||
    { notok "the capture starts: $(cat "$T/cap.out")"; exit 1; }

start_node n1 || { notok "n1 starts"; exit 1; }
P1=$NODE_PID
port1=$(sf 1 port)
start_node n2 -o bootstrap=127.0.0.1:$port1 || { notok "n2 starts"; exit 1; }
P2=$NODE_PID
check "n2 joins n1" waitfor 15 field_ge 2 peers 1
head -c 60000 /dev/urandom >"$T/file"
link=$(ctl 2 put -q "$T/file")
check "n2 publishes" waitfor 20 field_eq 2 publish-pending 0
start_node n3 -o bootstrap=127.0.0.1:$port1 || { notok "n3 starts"; exit 1; }
P3=$NODE_PID
waitfor 15 field_ge 3 peers 2
mkdir "$T/out"
ctl 3 get -q -o "$T/out/f" "$link" >/dev/null 2>&1
check "n3 fetches the file" cmp -s "$T/file" "$T/out/f"
check "...over the network ($(sf 3 chunks-fetched) chunks fetched)" \
    field_ge 3 chunks-fetched 1
sleep 1
sent=$(($(sf 1 datagrams-out) + $(sf 2 datagrams-out) + $(sf 3 datagrams-out)))
kill -TERM $CAP
wait_exit $CAP 5
echo "# $(tail -1 "$T/cap.out")"
ncap=$(sed -n 's/^captured \([0-9]*\) datagrams.*/\1/p' "$T/cap.out")
check "the capture holds every datagram the nodes sent ($ncap >= $sent)" \
    [ "${ncap:-0}" -ge "$sent" ]

# what must not be seen
ports=""
for i in 1 2 3; do
	ports="$ports $(sf $i port)"
	sf $i node-id >>"$T/ids"
	sf $i node-key >>"$T/keys"
done
key1=$(sf 1 node-key)
nch=$(sf 2 stored-chunks)
raw=$(echo "${link#kad:}" | tr a-z A-Z | base32 -d | od -An -v -tx1 |
    tr -d ' \n')
root=$(echo "$raw" | cut -c3-66)
mkey=$(echo "$raw" | cut -c67-130)
kill -TERM $P1 $P2 $P3
for p in $P1 $P2 $P3; do wait_exit $p 15; done
# n2's chunks (the publisher pins every chunk of the file): key, bytes
tchmgr list -pv -px "$T/n2/store/db/chunks.tch" | awk -F'\t' '{
	k = $1
	gsub(/ /, "", k)
	if (length(k) == 64)
		print tolower(k) "\t" $2
}' >"$T/chunks"
cut -f1 "$T/chunks" >"$T/ckeys"
bad=0
while IFS='	' read -r k v; do
	# a stored value: 16 bytes of header, then the chunk
	c=$(echo "$v" | unspace | cut -c33-)
	[ "$(echo "$c" | xxd -r -p | sha256sum | cut -c1-64)" = "$k" ] ||
	    bad=$((bad + 1))
	echo "$c" | cut -c1-64 >>"$T/cheads"
done <"$T/chunks"
check "n2 holds the file's $nch chunks: $(wc -l <"$T/ckeys") keys read" \
    test "$(wc -l <"$T/ckeys")" = "$nch" -a "$nch" -gt 1
check "each key is SHA-256 of its chunk ($bad not)" [ $bad = 0 ]
check "the link's root key is among them" grep -qx "$root" "$T/ckeys"
# 32 bytes of the file every 1000 (a chunk holds 1 KiB)
off=0
while [ $off -lt 60000 ]; do
	od -An -v -tx1 -j $off -N 32 "$T/file" | tr -d ' \n' >>"$T/plain"
	echo >>"$T/plain"
	off=$((off + 1000))
done
grep -vx "$key1" "$T/keys" >"$T/needles"
cat "$T/ids" "$T/ckeys" "$T/cheads" "$T/plain" >>"$T/needles"
echo "$mkey" >>"$T/needles"
echo "# needles: 3 node IDs, 2 node keys, $nch chunk keys, $nch chunk" \
    "heads, $(wc -l <"$T/plain") pieces of the file, the manifest key"

out=$("$SPOOF" scan "$T/cap" "$T/needles" $ports)
rc=$?
echo "$out" | sed 's/^/# /'
set -- $(echo "$out" | sed -n \
    's/^inspected \([0-9]*\) datagrams \([0-9]*\) bytes.*/\1 \2/p')
check "datagrams were captured and inspected (${1:-0}, ${2:-0} bytes)" \
    [ "${1:-0}" -gt 0 ]
check "none holds a node ID, key, chunk key, chunk or the file in clear" \
    [ $rc = 0 ]
echo "$key1" >"$T/needle1"
out=$("$SPOOF" scan "$T/cap" "$T/needle1" $ports)
echo "$out" | sed 's/^/# /'
hits=$(echo "$out" | grep -c '^hit:')
check "n1's key, the bootstrap node's, is seen in $hits datagrams" \
    [ "$hits" -gt 0 ]
check "...only in a KEYRES (44 bytes, the key at 12)" \
    sh -c "! echo '$out' | grep '^hit:' | grep -v '44 bytes, type 6, at 12)'"
check "no node logged a sanitizer report" \
    sh -c "! grep -l 'Sanitizer\|runtime error:' $T/n*.log"
summary
