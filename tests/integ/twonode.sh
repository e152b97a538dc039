# SPDX-License-Identifier: ISC
# Two nodes, one copy of each chunk (replicas=1), so about half the
# chunks of a 100 MiB file (20 MiB under ASan) live only on the other
# node: the get succeeds whole, and says what it cost.
. "$(dirname "$0")/lib.sh"

case $KAD_BIN in
*asan*)	SIZE=$((20 * 1048576)) ;;
*)	SIZE=$((100 * 1048576)) ;;
esac
start_node n1 -o replicas=1 || { notok "n1 starts"; exit 1; }
port1=$(sf 1 port)
start_node n2 -o replicas=1 -o bootstrap=127.0.0.1:$port1 ||
    { notok "n2 starts"; exit 1; }
check "the two nodes know each other" waitfor 10 field_ge 2 peers 1
head -c $SIZE /dev/urandom >"$T/f"
t0=$(now)
link=$(ctl 1 put -q "$T/f") || { notok "put on n1"; exit 1; }
echo "# put of $SIZE bytes on n1: $(since "$t0") s"
mkdir -p "$T/out"
t0=$(now)
if ctl 2 get -q -o "$T/out" "$link" >/dev/null 2>"$T/err"; then
	ok "the get on n2 succeeds ($(since "$t0") s)"
else
	notok "the get on n2: $(tail -1 "$T/err")"
fi
check "and is the same file" cmp -s "$T/f" "$T/out/f"
fetched=$(sf 2 chunks-fetched)
echo "# n2 fetched $fetched chunks from n1; fetch-failures $(sf 2 fetch-failures)," \
    "chunk-retries $(sf 2 chunk-retries), drop-ratelimit on n1 $(sf 1 drop-ratelimit)"
check "from the other node ($fetched chunks)" [ "$fetched" -gt $((SIZE / 1024 / 4)) ]
summary
