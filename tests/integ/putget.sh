# SPDX-License-Identifier: ISC
# Publish and fetch on one node: round trips of many sizes and names,
# bad links, tampered and missing chunks (one rebuilt from parity, the
# root not), eviction and pinning, memory,
# and kill -9 of the store in the middle of a put.
. "$(dirname "$0")/lib.sh"

start_node n1 || { notok "node starts"; exit 1; }
mkdir -p $T/in $T/out

# roundtrip FILE: put, get into $T/out, compare; prints the link
roundtrip() {
	f=$1
	link=$(kadctl put -q "$f") || { notok "put $(basename "$f")"; return 1; }
	rm -rf $T/out/*
	saved=$(kadctl get -q -o $T/out "$link") || {
		notok "get $(basename "$f")"; return 1; }
	check "round trip of $(basename "$f") ($(stat -c %s "$f") bytes)" \
	    cmp -s "$f" "$saved"
	check "saved under the original name: $(basename "$f")" \
	    [ "$saved" = "$T/out/$(basename "$f")" ]
	LINK=$link
}

for n in 0 1 1023 1024 1025 $((1048576 + 7)); do
	head -c $n /dev/urandom >$T/in/bin$n
	roundtrip $T/in/bin$n
done
yes 'the quick brown fox jumps over the lazy dog' | head -c 300000 \
    >"$T/in/my notes ü.txt"
roundtrip "$T/in/my notes ü.txt"
check "every link is one kad: token" sh -c "echo '$LINK' | grep -Eq '^kad:[a-z2-7]+$'"

# 100 MiB, and the workers stay small while streaming it
head -c $((100 * 1048576)) /dev/urandom >$T/in/big
roundtrip $T/in/big
big=$LINK
# every process's peak resident memory, kadstore's mapped database pages
# included (store_tc.c drops its mappings of them as it goes)
for p in $NODE_PID $(worker_pids); do
	name=$(cat /proc/$p/comm)
	hwm=$(awk '/^VmHWM:/ {print $2}' /proc/$p/status)
	case $KAD_BIN in
	*asan*)	# ASan's shadow memory and quarantine inflate every process
		echo "# $name peak RSS ${hwm} kB (not checked under ASan)" ;;
	*)	check "$name peak RSS ${hwm} kB < 64 MiB" [ "$hwm" -lt 65536 ] ;;
	esac
done

# get details: -o FILE, no overwrite without -f, -f overwrites
kadctl get -q -o $T/out/named "$big" >/dev/null
check "get -o PATH saves there" cmp -s $T/in/big $T/out/named
check "get refuses to overwrite without -f" sh -c \
    "! '$KAD_BIN/kadctl' -s $NODE_SOCK get -q -o $T/out/named '$big' 2>$T/err"
check "...with a clear message" grep -q 'exists (use -f' $T/err
check "get -f overwrites" sh -c \
    "'$KAD_BIN/kadctl' -s $NODE_SOCK get -q -f -o $T/out/named '$big' >/dev/null"

# bad links: one line on stderr, non-zero, nothing written
badlink() {	# description, link
	rm -rf $T/out/*
	if kadctl get -q -o $T/out "$2" >/dev/null 2>$T/err; then
		notok "$1 is rejected"
	else
		ok "$1 is rejected: $(head -1 $T/err)"
	fi
	check "$1: one line on stderr" [ "$(wc -l <$T/err)" -eq 1 ]
	check "$1: nothing written" [ -z "$(ls -A $T/out)" ]
}
badlink "a truncated link" "$(echo "$big" | cut -c1-60)"
c9=$(echo "$big" | cut -c9)
if [ "$c9" = a ]; then c9=b; else c9=a; fi
badlink "a link with a changed character" \
    "$(echo "$big" | cut -c1-8)$c9$(echo "$big" | cut -c10-)"
badlink "not a link" "http://example.org/"
badlink "an empty link" "kad:"

# the store survives a kill -9 in the middle of a put
small=$(kadctl put -q $T/in/bin1025)
head -c $((64 * 1048576)) /dev/urandom >$T/in/big2
for i in 1 2 3; do
	kadctl put -q $T/in/big2 >/dev/null 2>&1 &
	cpid=$!
	sleep 0.$((3 + i * 2))
	sp=$(status_field pid-kadstore)
	kill -9 "$sp"
	wait $cpid
	wait_exit $NODE_PID 15
	start_node n1 || { notok "node restarts after kill -9 of kadstore"; break; }
	rm -rf $T/out/*
	saved=$(kadctl get -q -o $T/out "$small")
	check "kill -9 #$i during a put: an acknowledged file is intact" \
	    cmp -s $T/in/bin1025 "$saved"
	saved=$(kadctl get -q -o $T/out "$big")
	check "kill -9 #$i: the 100 MiB file is intact" cmp -s $T/in/big "$saved"
done

# tampered and missing chunks: a node holding one file, its store files
# edited while it is stopped (every record but the store's meta record
# is a chunk of that file)
start_node n2 || notok "second node starts"
head -c 5000 /dev/urandom >$T/in/five
five=$(kadctl put -q $T/in/five)
kill -TERM $NODE_PID; wait_exit $NODE_PID 15
db=$T/n2/store/db/chunks.tch
meta=$(printf kadstore | od -An -tx1 | tr -d ' \n')
# a chunk's key is 32 bytes (64 hex digits); the meta and the file list's
# records have other lengths
key=$(tchmgr list -px $db | tr -d ' ' | grep -iv "^$meta" |
    awk 'length($0) == 64' | head -1)
val=$(tchmgr get -sx -px $db "$key" | tr -d ' \n')
last=$(echo "$val" | tail -c 3)
flip=$(printf '%02x' $(( 0x$last ^ 0xff )))
tchmgr put -sx $db "$key" "$(echo "$val" | sed "s/..\$/$flip/")"
start_node n2
rm -rf $T/out/*
check "a tampered chunk fails the get" sh -c \
    "! '$KAD_BIN/kadctl' -s $NODE_SOCK get -q -o $T/out '$five' 2>$T/err"
check "...with one line on stderr: $(head -1 $T/err)" [ "$(wc -l <$T/err)" -eq 1 ]
check "...and writes nothing" [ -z "$(ls -A $T/out)" ]
kill -TERM $NODE_PID; wait_exit $NODE_PID 15
tchmgr out -sx $db "$key"
# the root's key, from the link (docs/FORMAT.md, section 6): a chunk
# other than the root is rebuilt from its stripe's parity, the root
# (which has none) cannot be
root=$(printf '%s' "${five#kad:}" | tr a-z A-Z | base32 -d 2>/dev/null |
    od -An -tx1 -j1 -N32 | tr -d ' \n')
if [ "$key" = "$root" ]; then
	tchmgr put -sx $db "$key" "$val"
	key=$(tchmgr list -px $db | tr -d ' ' | grep -iv "^$meta" |
	    awk 'length($0) == 64' | grep -v "^$root" | head -1)
	tchmgr out -sx $db "$key"
fi
start_node n2
check "a missing chunk is rebuilt from its stripe" sh -c \
    "'$KAD_BIN/kadctl' -s $NODE_SOCK get -q -o $T/out '$five' >/dev/null &&
    cmp -s $T/in/five $T/out/five"
rm -rf $T/out/*
# 5 data chunks and 6 parity in one stripe: 7 lost leave 4 of the 5
kill -TERM $NODE_PID; wait_exit $NODE_PID 15
tchmgr list -px $db | tr -d ' ' | grep -iv "^$meta" | awk 'length($0) == 64' |
    grep -v "^$root" | head -6 | while read k; do tchmgr out -sx $db "$k"; done
start_node n2
check "a stripe short of chunks fails the get (after --timeout 2)" sh -c \
    "! '$KAD_BIN/kadctl' -s $NODE_SOCK get -q --timeout 2 -o $T/out '$five' 2>$T/err"
check "...naming it: $(head -1 $T/err)" \
    grep -q "in 2 s: a stripe at height 0 has 4 of the 5 chunks it needs" $T/err
kill -TERM $NODE_PID; wait_exit $NODE_PID 15
tchmgr out -sx $db "$root"
start_node n2
check "a missing root fails the get (after --timeout 2)" sh -c \
    "! '$KAD_BIN/kadctl' -s $NODE_SOCK get -q --timeout 2 -o $T/out '$five' 2>$T/err"
check "...with one line on stderr: $(head -1 $T/err)" [ "$(wc -l <$T/err)" -eq 1 ]
check "...and writes nothing" [ -z "$(ls -A $T/out)" ]

# pinning and eviction: a node with a 1 MiB storage-limit
start_node n3 -o storage-limit=1M || notok "node with a small limit starts"
head -c $((3 * 1048576)) /dev/urandom >$T/in/three
three=$(kadctl put -q $T/in/three)
check "published chunks are kept past the limit (pinned)" \
    [ "$(status_field stored-bytes)" -gt 1048576 ]
check "pinned-chunks counts them" [ "$(status_field pinned-chunks)" -gt 3000 ]
check "unpin succeeds" kadctl unpin "$three"
check "after unpin nothing is pinned" [ "$(status_field pinned-chunks)" = 0 ]
head -c 20000 /dev/urandom >$T/in/twenty
twenty=$(kadctl put -q $T/in/twenty)
check "the next put evicts down to the limit" \
    [ "$(status_field stored-bytes)" -le 1048576 ]
check "evicted-chunks counts them" [ "$(status_field evicted-chunks)" -gt 0 ]
rm -rf $T/out/*
check "the new file is whole" sh -c \
    "'$KAD_BIN/kadctl' -s $NODE_SOCK get -q -o $T/out '$twenty' >/dev/null"
check "the evicted file is gone, with a clear error" sh -c \
    "! '$KAD_BIN/kadctl' -s $NODE_SOCK get -q --timeout 2 -o $T/out -f '$three' 2>$T/err"
check "unpin of a link that is not pinned here fails" sh -c \
    "! '$KAD_BIN/kadctl' -s $NODE_SOCK unpin '$five' 2>/dev/null"
