# SPDX-License-Identifier: ISC
# kadctl put DIR and the get of a directory link: a tree with hidden
# files, an empty directory, modes and nesting comes back the same;
# symbolic links and fifos are left out with a warning; a second put
# stores only the listings again; and hostile listings (made with the
# test hook test-putdir, as a hostile publisher could) are refused with
# one line, with nothing written outside the target; a link planted
# where a get goes, or swapped for the directory a get made while it
# goes on, is never written through.
. "$(dirname "$0")/lib.sh"

start_node n1 || { notok "n1 starts"; exit 1; }
umask 022
mkdir -p "$T/top/sub/deep" "$T/top/sub/empty" "$T/out"
head -c 50000 /dev/urandom >"$T/top/sub/b.bin"
echo "a text" >"$T/top/a.txt"
echo "hidden" >"$T/top/.hidden"
printf '#!/bin/sh\necho hi\n' >"$T/top/run.sh"
chmod 755 "$T/top/run.sh"
chmod 600 "$T/top/sub/b.bin"
echo deep >"$T/top/sub/deep/x"
: >"$T/top/sub/zero-bytes"
ln -s /etc/passwd "$T/top/link-to-passwd"
mkfifo "$T/top/a-fifo"

link=$(kadctl put -q "$T/top" 2>"$T/put.err"); rc=$?
check "put DIR succeeds (status $rc)" [ $rc -eq 0 ] && [ -n "$link" ]
sed 's/^/# /' "$T/put.err"
check "it leaves the symbolic link out, with a warning" \
    grep -q "link-to-passwd: left out: not a regular file or directory" "$T/put.err"
check "and the fifo" grep -q "a-fifo: left out" "$T/put.err"
check "ls shows the directory with a /" sh -c "'$KAD_BIN/kadctl' -s '$NODE_SOCK' -p ls |
    grep -q '^top/	'"
saved=$(kadctl get -q -o "$T/out" "$link"); rc=$?
check "get of a directory link succeeds: $saved" [ $rc -eq 0 ] && [ "$saved" = "$T/out/top" ]
rm -f "$T/top/link-to-passwd" "$T/top/a-fifo"
check "the tree comes back the same (diff -r)" diff -r "$T/top" "$T/out/top"
check "with its empty directory" [ -d "$T/out/top/sub/empty" ]
check "and its modes" [ "$(stat -c %a "$T/out/top/run.sh")" = 755 ] && \
    [ "$(stat -c %a "$T/out/top/sub/b.bin")" = 600 ] && \
    [ "$(stat -c %a "$T/out/top/a.txt")" = 644 ]
check "and no partial file is left" [ -z "$(find "$T/out" -name '.kad-get-*')" ]
if kadctl get -q -o "$T/out" "$link" 2>"$T/again.err"; then
	notok "a second get into an existing directory without -f"
else
	ok "a second get without -f is refused: $(cat "$T/again.err")"
fi
check "with -f it goes into the directory that is there" sh -c \
    "'$KAD_BIN/kadctl' -s '$NODE_SOCK' get -q -f -o '$T/out' '$link' >/dev/null &&
    diff -r '$T/top' '$T/out/top'"
kadctl -j get -q -f -o "$T/out" "$link" >"$T/get.json"
check "-j get of a directory: path, size and files" python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
assert d["path"] == sys.argv[2] and d["files"] == 6 and d["size"] == 50000 + 7 + 7 + 18 + 5 + 0, d' \
    "$T/get.json" "$T/out/top"
if kadctl get -q -o - "$link" >/dev/null 2>"$T/stdout.err"; then
	notok "a directory to standard output"
else
	ok "a directory is not written to standard output: $(cat "$T/stdout.err")"
fi
p0=$(status_field pinned-chunks)
link2=$(kadctl put -q "$T/top" 2>/dev/null)
p1=$(status_field pinned-chunks)
echo "# a second put of the tree pinned $((p1 - p0)) more chunks"
# four listings under 1 KiB: a data chunk, its 5 parity and a root each
check "a second put stores only the listings again ($((p1 - p0)) chunks)" \
    [ $((p1 - p0)) -le 28 ]
mkdir -p "$T/out/2"
kadctl get -q -o "$T/out/2" "$link2" >/dev/null
check "and gives a link to the same tree" diff -r "$T/top" "$T/out/2/top"

# hostile listings: published as directories by the test hook
filelink=$(kadctl put -q "$T/top/a.txt" 2>/dev/null)
listing() {	# FILE, then TYPE MODE SIZE NAME LINK ... (python writes it)
	python3 - "$@" <<'PY'
import struct, sys
out, rest = sys.argv[1], sys.argv[2:]
ents = []
while rest:
	t, mode, size, name, link = rest[:5]
	rest = rest[5:]
	name = name.encode("utf-8", "surrogateescape").replace(b"\\0", b"\0")
	ents.append(struct.pack(">BBHQB", int(t), 0, int(mode, 8), int(size),
	    len(name)) + name + struct.pack(">B", len(link)) + link.encode())
open(out, "wb").write(b"KDL1" + struct.pack(">I", len(ents)) + b"".join(ents))
PY
}
hostile() {	# DESCRIPTION, then listing's arguments after the file
	_d=$1; shift
	listing "$T/l" "$@"
	_hl=$(kadctl test-putdir "$T/l" evil) || { notok "$_d: test-putdir"; return; }
	rm -rf "$T/h"; mkdir -p "$T/h/in"
	if kadctl get -q -o "$T/h/in" "$_hl" >/dev/null 2>"$T/h.err"; then
		notok "$_d is refused"
	else
		ok "$_d is refused: $(cat "$T/h.err")"
	fi
	check "$_d: one line on stderr" [ "$(wc -l <"$T/h.err")" -eq 1 ]
	check "$_d: nothing outside the target" \
	    [ "$(ls -A "$T/h")" = in ] && [ -z "$(find "$T/h/in" -mindepth 2)" ]
}
hostile "a listing with .." 1 644 7 .. "$filelink"
hostile "a name with a /" 1 644 7 "x/../../../escaped" "$filelink"
hostile "a name that is a NUL" 1 644 7 '\0' "$filelink"
hostile "a symbolic link entry" 3 777 7 evil "$filelink"
hostile "two entries with one name" 1 644 7 a "$filelink" 1 644 7 a "$filelink"
hostile "a set-uid mode" 1 4755 7 a "$filelink"
hostile "a kadctl partial-file name" 1 644 7 .kad-get-0123456789abcdef "$filelink"
hostile "a file called a directory" 2 755 7 a "$filelink"
hostile "a size that is not the file's" 1 644 999 a "$filelink"
hostile "a listing larger than the free space" 2 755 1152921504606846976 big "$filelink"
# a depth bomb: 40 directories, each the only entry of the next
listing "$T/l" ; d=$(kadctl test-putdir "$T/l" leaf)
i=0
while [ $i -lt 40 ]; do
	listing "$T/l" 2 755 0 d "$d"
	d=$(kadctl test-putdir "$T/l" d$i)
	i=$((i + 1))
done
rm -rf "$T/h"; mkdir -p "$T/h/in"
if kadctl get -q -o "$T/h/in" "$d" >/dev/null 2>"$T/h.err"; then
	notok "a listing 40 deep is refused"
else
	ok "a listing 40 deep is refused: $(cat "$T/h.err")"
fi
check "the directory nested more than 32 deep is named" \
    grep -q "nested more than 32 deep" "$T/h.err"
check "the node is still up" sh -c "'$KAD_BIN/kadctl' -s '$NODE_SOCK' status >/dev/null"

# links planted where a get goes are never written through
rm -rf "$T/s"; mkdir -p "$T/s/in" "$T/s/else"
ln -s "$T/s/else" "$T/s/in/top"
for f in "" -f; do
	if kadctl get -q $f -o "$T/s/in" "$link" >/dev/null 2>"$T/s.err"; then
		notok "a get ${f:+with -f }into a link where the directory goes"
	else
		ok "a get ${f:+with -f }into a link where the directory goes is refused: $(cat "$T/s.err")"
	fi
	check "and nothing is written through it" [ -z "$(ls -A "$T/s/else")" ]
done
ln -s "$T/s/else" "$T/s/to-else"
check "-o naming a link to a directory (the user's choice) is followed" \
    sh -c "'$KAD_BIN/kadctl' -s '$NODE_SOCK' get -q -o '$T/s/to-else' '$link' >/dev/null"
check "and the tree is in the directory it points to" \
    diff -r "$T/top" "$T/s/else/top"
rm -rf "$T/s/else/top"
mkdir "$T/s/else2"
mv "$T/out/top/sub" "$T/s/sub.real"
ln -s "$T/s/else2" "$T/out/top/sub"
if kadctl get -q -f -o "$T/out" "$link" >/dev/null 2>"$T/s.err"; then
	notok "-f into a tree whose subdirectory is now a link"
else
	ok "-f into a tree whose subdirectory is now a link is refused: $(cat "$T/s.err")"
fi
check "and nothing is written through it" [ -z "$(ls -A "$T/s/else2")" ]
rm "$T/out/top/sub"
mv "$T/s/sub.real" "$T/out/top/sub"

# the directory a get made, swapped for a link while the get goes on:
# its subdirectory z is a listing only node pub holds, and pub is down
# until the swap, so the get waits inside the directory it made
N1_SOCK=$NODE_SOCK
start_node pub || { notok "pub starts"; exit 1; }
P_pub=$NODE_PID
listing "$T/l"
zlink=$(ctl pub test-putdir "$T/l" z) || notok "test-putdir on pub"
kill "$P_pub"
wait_exit "$P_pub" 10
NODE_SOCK=$N1_SOCK
listing "$T/l" 2 755 0 z "$zlink"
rlink=$(kadctl test-putdir "$T/l" race) || notok "test-putdir race"
rm -rf "$T/r"; mkdir -p "$T/r/in" "$T/r/else"
chmod 700 "$T/r/else"
kadctl get -q --timeout 60 -o "$T/r/in" "$rlink" >"$T/r.out" 2>"$T/r.err" &
G=$!
waitfor 20 sh -c "ls -A '$T/r/in/race' 2>/dev/null | grep -q '^\.kad-get-'" ||
    notok "the get waits inside the directory it made"
mv "$T/r/in/race" "$T/r/race.real"
ln -s "$T/r/else" "$T/r/in/race"
start_node pub -o bootstrap="$(node_addr n1):$(sf n1 port)" ||
    notok "pub starts again"
NODE_SOCK=$N1_SOCK
if wait $G; then
	ok "a get whose directory is swapped for a link goes on in its own"
else
	notok "a get whose directory is swapped for a link: $(cat "$T/r.err")"
fi
check "nothing is written through the link" [ -z "$(ls -A "$T/r/else")" ]
check "nor its mode changed" [ "$(stat -c %a "$T/r/else")" = 700 ]
check "the subdirectory is in the directory the get made" \
    [ -d "$T/r/race.real/z" ] && [ ! -L "$T/r/race.real/z" ]
check "and no partial file is left" \
    [ -z "$(find "$T/r" -name '.kad-get-*')" ]
summary
