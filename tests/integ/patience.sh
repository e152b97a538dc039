# SPDX-License-Identifier: ISC
# A get that does not give up because a chunk is not there yet: a link
# whose chunks are nowhere fails after --timeout, saying what it waited
# for and how many chunks it could not find; with the only holder
# started 5 s after the get began, the get succeeds.
. "$(dirname "$0")/lib.sh"

start_node pub || { notok "pub starts"; exit 1; }
P_pub=$NODE_PID
head -c 300000 /dev/urandom >"$T/file"
link=$(ctl pub put -q "$T/file") || { notok "put on pub"; exit 1; }
kill "$P_pub"
wait_exit "$P_pub" 10

start_node get || { notok "get starts"; exit 1; }
gport=$(sf get port)
gaddr=$(node_addr get)
mkdir -p "$T/out"
t0=$(now)
if ctl get get --timeout 3 -o "$T/out" "$link" >/dev/null 2>"$T/err"; then
	notok "a get of chunks that are nowhere fails"
else
	ok "a get of chunks that are nowhere fails: $(tail -1 "$T/err")"
fi
secs=$(since "$t0")
check "after its timeout, not before (${secs} s)" \
    awk -v s="$secs" 'BEGIN { exit !(s >= 3 && s < 15) }'
check "naming how many chunks it could not find" \
    grep -q "kadctl: 1 chunks not found on the network in 3 s; root chunk [0-9a-f]* not found" "$T/err"
check "saying meanwhile what it waits for: $(head -1 "$T/err")" \
    grep -q "waiting for 1 chunks the network has not given yet" "$T/err"
check "with -q, one line only" sh -c "! '$KAD_BIN/kadctl' -s '$T/get/kad.sock' \
    get -q --timeout 1 -o '$T/out' '$link' 2>'$T/q.err' && [ \$(wc -l <'$T/q.err') -eq 1 ]"
check "and nothing written" [ -z "$(ls -A "$T/out")" ]
check "--timeout 0: no patience" sh -c "
    t=\$(date +%s); ! '$KAD_BIN/kadctl' -s '$T/get/kad.sock' get -q --timeout 0 \
    -o '$T/out' '$link' 2>/dev/null && [ \$((\$(date +%s) - t)) -le 2 ]"
check "a --timeout over a day is refused" sh -c "! '$KAD_BIN/kadctl' -s \
    '$T/get/kad.sock' get --timeout 86401 '$link' 2>/dev/null"

# the holder comes back 5 s after the get began, and joins through it
r0=$(sf get chunk-retries)
t0=$(now)
ctl get get -q --timeout 60 -o "$T/out" "$link" >"$T/saved" 2>"$T/err2" &
G=$!
sleep 5
start_node pub -o bootstrap="$gaddr:$gport" || notok "pub starts again"
if wait $G; then
	ok "with the holder started 5 s later, the get succeeds"
else
	notok "with the holder started 5 s later: $(tail -1 "$T/err2")"
fi
secs=$(since "$t0")
check "the file is whole" cmp -s "$T/file" "$(cat "$T/saved")"
check "it took the wait (${secs} s)" awk -v s="$secs" 'BEGIN { exit !(s >= 5) }'
check "asking again for what was missing ($(($(sf get chunk-retries) - r0)) retries)" \
    [ "$(sf get chunk-retries)" -gt "$r0" ]
summary
