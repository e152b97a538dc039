# SPDX-License-Identifier: ISC
# The files a node publishes (kadcrypt's sealed list): kadctl ls, a put of
# a file already published, unpin twice, rm, the list across a restart
# and sealed in the store; pipes (put -, get -o -); and a get that is
# interrupted at about half and resumed.
. "$(dirname "$0")/lib.sh"

start_node n1 || { notok "n1 starts"; exit 1; }
P1=$NODE_PID
check "a new node lists no files" [ -z "$(kadctl ls)" ]

head -c 300000 /dev/urandom >"$T/secret-name-a"
link=$(kadctl put -q "$T/secret-name-a") || notok "put a"
line=$(kadctl -p ls)
echo "# ls: $line"
check "ls lists it: name, size, pinned, link" sh -c "printf '%s\n' '$line' |
    awk -F '\t' '\$1 == \"secret-name-a\" && \$2 == 300000 &&
    \$4 == \"pinned\" && \$6 == \"$link\" { f = 1 } END { exit !f }'"
pinned=$(status_field pinned-chunks)
again=$(kadctl put "$T/secret-name-a" 2>"$T/again.err")
check "the same file again gives the same link" [ "$again" = "$link" ]
check "and says so: $(cat "$T/again.err")" grep -q "already published" "$T/again.err"
check "and stores nothing again ($(status_field pinned-chunks) pinned)" \
    [ "$(status_field pinned-chunks)" = "$pinned" ]
check "the list still has one file" [ "$(kadctl ls | wc -l)" -eq 1 ]
check "the dedup is counted" [ "$(status_field puts-deduplicated)" -eq 1 ]
renamed=$(kadctl put -q -n renamed-copy "$T/secret-name-a")
check "the same bytes under another name are a new file (its link names it)" \
    [ -n "$renamed" ] && [ "$renamed" != "$link" ]
kadctl rm "$renamed" >/dev/null
cp "$T/secret-name-a" "$T/other-name"
printf x >>"$T/other-name"
link2=$(kadctl put -q "$T/other-name")
check "a file one byte longer is a new file" [ -n "$link2" ] && [ "$link2" != "$link" ]

# human units by default, and JSON
check "ls shows the size in human units: $(kadctl ls | head -n 1 | cut -f 2)" \
    [ "$(kadctl ls | head -n 1 | cut -f 2)" = "293.0 KiB" ]
kadctl -j ls >"$T/ls.json"
check "-j ls is one JSON object listing the file" python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
f = d["files"]
assert len(f) == 2 and f[0]["name"] == "secret-name-a" and f[0]["size"] == 300000
assert f[0]["pinned"] is True and f[0]["holders"] is None
assert f[0]["link"] == sys.argv[2] and type(f[0]["time"]) is int' "$T/ls.json" "$link"
kadctl -j put -q "$T/secret-name-a" >"$T/put.json" 2>/dev/null
check "-j put of a published file: its link, deduplicated" python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
assert d == {"link": sys.argv[2], "name": "secret-name-a", "size": 300000,
    "deduplicated": True}, d' "$T/put.json" "$link"
mkdir -p "$T/jget"
kadctl -j get -q -o "$T/jget" "$link" >"$T/get.json"
check "-j get: the saved path and size" python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
assert d == {"path": sys.argv[2] + "/secret-name-a", "size": 300000,
    "resumed-from": 0}, d' "$T/get.json" "$T/jget"

# pipes
head -c 5000 /dev/urandom >"$T/piped"
link3=$(kadctl put -q -n from-a-pipe - <"$T/piped") || notok "put -"
check "put - lists the name given with -n" sh -c "'$KAD_BIN/kadctl' -s '$NODE_SOCK' -p ls |
    grep -q '^from-a-pipe	5000	'"
kadctl get -q -o - "$link3" >"$T/piped.out"
check "get -o - writes the file to standard output (status $?)" \
    cmp -s "$T/piped" "$T/piped.out"
check "and leaves no file named -" [ ! -e ./- ] && [ ! -e "$T/-" ]

# unpin twice, then rm
u1=$(kadctl unpin "$link2"); r1=$?
echo "# unpin: $u1"
check "unpin succeeds and says what it did" [ $r1 -eq 0 ] && \
    printf '%s' "$u1" | grep -q "^unpinned other-name ("
u2=$(kadctl unpin "$link2"); r2=$?
check "a second unpin succeeds: $u2" [ $r2 -eq 0 ] && \
    [ "$u2" = "other-name was not pinned here; nothing changed" ]
check "ls shows it unpinned" sh -c "'$KAD_BIN/kadctl' -s '$NODE_SOCK' -p ls |
    grep -q '^other-name	300001	.*	unpinned	'"
before=$(status_field stored-chunks)
rm1=$(kadctl rm "$link3"); r3=$?
echo "# rm: $rm1"
check "rm succeeds and drops the chunks" [ $r3 -eq 0 ] && \
    printf '%s' "$rm1" | grep -q "^removed from-a-pipe: [1-9][0-9]* chunks dropped, 0 not"
check "the store holds fewer chunks ($before -> $(status_field stored-chunks))" \
    [ "$(status_field stored-chunks)" -lt "$before" ]
check "ls no longer lists it" sh -c "! '$KAD_BIN/kadctl' -s '$NODE_SOCK' ls | grep -q from-a-pipe"
if kadctl get -q --timeout 2 -o - "$link3" >"$T/gone.out" 2>"$T/gone.err"; then
	notok "get -o - of a removed file exits 0"
else
	ok "get -o - of a removed file exits non-zero: $(cat "$T/gone.err")"
fi

# across a restart, and sealed in the store
kadctl ls >"$T/ls.before"
kill "$P1"
wait_exit "$P1" 10
check "the store holds neither the names nor the links in clear" sh -c "
    ! grep -rqaF -e secret-name-a -e other-name -e '$link' '$T/n1/store'"
start_node n1 || { notok "n1 starts again"; exit 1; }
check "the list is the same after a restart" sh -c "'$KAD_BIN/kadctl' -s '$NODE_SOCK' ls |
    cmp -s - '$T/ls.before'"
again=$(kadctl put -q "$T/secret-name-a")
check "and still finds a published file again" [ "$again" = "$link" ]
# a hole in the list's slots: the first file removed, the others stay
kadctl rm "$link" >/dev/null
kadctl -p ls >"$T/ls.hole"
P1=$(status_field pid-kadmaster)
kill "$P1"
wait_exit "$P1" 10
start_node n1 || { notok "n1 starts a third time"; exit 1; }
check "after a restart the list past a hole is whole ($(wc -l <"$T/ls.hole") files)" \
    sh -c "'$KAD_BIN/kadctl' -s '$NODE_SOCK' -p ls | cmp -s - '$T/ls.hole'"
check "and list-records-bad is 0" [ "$(status_field list-records-bad)" = 0 ]
# rm of a file whose chunks are gone from here (and the network): it
# still leaves the list
P1=$(status_field pid-kadmaster)
kill "$P1"
wait_exit "$P1" 10
db=$T/n1/store/db/chunks.tch
tchmgr list -px "$db" | tr -d ' ' | awk 'length($0) == 64' |
    while read -r k; do tchmgr out -sx "$db" "$k"; done
start_node n1 || { notok "n1 starts a fourth time"; exit 1; }
out=$(kadctl rm "$link2" 2>&1); rc=$?
echo "# rm: $out"
check "rm of a file whose chunks are gone succeeds" [ $rc -eq 0 ] && \
    printf '%s' "$out" | grep -q "^removed other-name from the list; 0 chunks dropped"
check "and it leaves the list" sh -c "! '$KAD_BIN/kadctl' -s '$NODE_SOCK' -p ls |
    grep -q '^other-name'"

# resume: a holder at 256 KiB/s, a getter killed at about half
SIZE=1048576
start_node lim -o upload-limit=256K || { notok "a limited node starts"; exit 1; }
port=$(sf lim port)
start_node pub -o bootstrap=$(node_addr lim):$port || { notok "publisher starts"; exit 1; }
P_pub=$NODE_PID
head -c $SIZE /dev/urandom >"$T/big"
big=$(ctl pub put -q "$T/big") || { notok "put big"; exit 1; }
waitfor 30 field_ge lim stored-chunks $((SIZE / 1024))
kill "$P_pub"
wait_exit "$P_pub" 10
start_node get -o bootstrap=$(node_addr lim):$port || { notok "getter starts"; exit 1; }
mkdir -p "$T/out"
"$KAD_BIN/kadctl" -s "$T/get/kad.sock" get -q -o "$T/out" "$big" >/dev/null 2>&1 &
G=$!
n=0
while :; do
	sz=$(stat -c %s "$T"/out/.kad-get-* 2>/dev/null | head -n 1)
	[ "${sz:-0}" -ge $((SIZE / 2)) ] && break
	n=$((n + 1))
	[ $n -gt 300 ] && break
	sleep 0.05
done
# TERM: a background job of sh ignores INT
kill -TERM $G 2>/dev/null
wait $G 2>/dev/null
part=$(ls "$T"/out/.kad-get-* 2>/dev/null | grep -v '\.state$' | head -n 1)
psize=$(stat -c %s "$part" 2>/dev/null || echo 0)
echo "# interrupted at $psize of $SIZE bytes"
check "an interrupted get leaves its partial file" [ "$psize" -gt 0 ]
check "and its state record" [ -f "$part.state" ]
m0=$(sf get chunk-misses)
saved=$(ctl get get -o "$T/out" "$big" 2>"$T/resume.err")
cat "$T/resume.err" | tr '\r' '\n' | grep resuming | sed 's/^/# /'
check "the same get resumes it" grep -q "resuming .* at $psize of $SIZE" "$T/resume.err"
check "and ends with the same file" cmp -s "$T/big" "$saved"
misses=$(($(sf get chunk-misses) - m0))
echo "# the resumed get fetched $misses of $((SIZE / 1024)) data chunks from the network"
check "fetching at most 60% of the chunks ($misses)" \
    [ "$misses" -le $((SIZE / 1024 * 6 / 10)) ]
check "the partial file and its record are gone" \
    [ ! -e "$part" ] && [ ! -e "$part.state" ]
# a partial file that is not the file's start is refused, and removed:
# made by hand, as kadctl names it (SHA-256 of the link: the first half
# names the file, the second is in its record)
rm -f "$saved"
h=$(printf '%s' "$big" | sha256sum | cut -c 1-64)
part="$T/out/.kad-get-$(echo "$h" | cut -c 1-32)"
printf 'kadctl partial get 1\nlink-hash %s\n' "$(echo "$h" | cut -c 33-64)" \
    >"$part.state"
head -c 4096 /dev/urandom >"$part"
chmod 600 "$part" "$part.state"
if ctl get get -q -o "$T/out" "$big" >/dev/null 2>"$T/bad.err"; then
	notok "a partial file with other bytes is resumed"
else
	ok "a partial file with other bytes is refused: $(cat "$T/bad.err")"
fi
check "and removed" [ ! -e "$part" ] && [ ! -e "$part.state" ]
check "and nothing was saved under the file's name" [ ! -e "$saved" ]
# a partial file others may write is not ours to resume, nor to touch
head -c 4096 /dev/urandom >"$part"
chmod 644 "$part"
if ctl get get -q -o "$T/out" "$big" >/dev/null 2>"$T/shared.err"; then
	notok "a partial file others may read is resumed or overwritten"
else
	ok "a partial file others may read is left alone: $(cat "$T/shared.err")"
fi
check "and is still there, untouched" [ "$(stat -c %s "$part")" = 4096 ]
rm -f "$part" "$part.state"
saved=$(ctl get get -q --no-resume -o "$T/out" "$big")
check "--no-resume starts over and gets the file" cmp -s "$T/big" "$saved"
# stale partial files go
touch -d '2 days ago' "$T/out/.kad-get-0123456789abcdef0123456789abcdef"
ctl get get -q -f -o "$T/out" "$big" >/dev/null 2>&1
check "a partial file older than a day is removed at the next get" \
    [ ! -e "$T/out/.kad-get-0123456789abcdef0123456789abcdef" ]
summary
