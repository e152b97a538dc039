# SPDX-License-Identifier: ISC
# The node identity: the node key in DATADIR/node-key (KDK1, private,
# public: 68 bytes, mode 0600), made by kadcrypt on the first start (its
# public key ground until it passes the key puzzle, with a log line of
# the cost) and kept; the node ID is SHA-256("kad2 id" || the public key
# || the network word of the address it is bound to); version 1's random
# node-id file is replaced; a damaged key file, one others can read, or
# one made before the puzzle stops the start with one clear line and is
# left as it was.  kadnet's
# requests to kadcrypt's static-key oracle are answered within its
# checks and budget.  As root: the private key is in kadcrypt's memory,
# once, and in no other process's.
. "$(dirname "$0")/lib.sh"

# hex of LEN bytes of FILE from OFFSET
bytes() { od -An -v -tx1 -j "$2" -N "$3" "$1" | tr -d ' \n'; }
# flip FILE OFFSET: add 1 to the byte at OFFSET, in place
flip() {
	_b=$(bytes "$1" "$2" 1)
	printf "\\$(printf '%03o' $(( (0x$_b + 1) % 256 )))" |
	    dd of="$1" bs=1 seek="$2" conv=notrunc 2>/dev/null
}
# SHA-256 of those bytes, in hex
bytes_sha256() {
	dd if="$1" bs=1 skip="$2" count="$3" 2>/dev/null | sha256sum |
	    cut -d' ' -f1
}
# node_id PUBHEX NETHEX: SHA-256("kad2 id" || key || network word)
node_id() {
	{ printf 'kad2 id'; echo "$1$2" | xxd -r -p; } | sha256sum |
	    cut -d' ' -f1
}
# puzzle_zeros PUBHEX: leading zero bits of SHA-256("kad2 puzzle" || key)
puzzle_zeros() {
	{ printf 'kad2 puzzle'; echo "$1" | xxd -r -p; } | sha256sum |
	    cut -d' ' -f1 | awk '{
		n = 0
		for (i = 1; i <= 64; i++) {
			c = index("0123456789abcdef", substr($1, i, 1)) - 1
			if (c == 0) { n += 4; continue }
			n += c >= 8 ? 0 : c >= 4 ? 1 : c >= 2 ? 2 : 3
			break
		}
		print n
	}'
}
BITS=$(sed -n 's/^#define KAD_PUZZLE_BITS[	 ]*\([0-9]*\).*/\1/p' \
    "$KAD_TOP/kadnet/node_id.h")
# loop_word 127.A.B.C: its network word ('l' and the four bytes: a
# loopback address is a network of its own)
loop_word() {
	echo "$1" |
	    awk -F. '{ printf "6c%02x%02x%02x%02x000000\n", $1, $2, $3, $4 }'
}
LOOP1=$(loop_word 127.0.0.1)

start_node n1 || { notok "node starts"; exit 1; }
ok "node starts"
key=$T/n1/node-key
check "node-key created" [ -f "$key" ]
check "node-key is mode 0600" [ "$(stat -c %a "$key")" = 600 ]
check "node-key is 68 bytes" [ "$(stat -c %s "$key")" = 68 ]
check "node-key starts with KDK1" [ "$(head -c 4 "$key")" = KDK1 ]
check "no node-key.tmp left" [ ! -e "$T/n1/node-key.tmp" ]
check "no version 1 node-id file made" [ ! -e "$T/n1/node-id" ]
check "the start says a new key was saved" \
    grep -q "new node key saved in $key" "$T/n1.log"
id1=$(status_field node-id)
pub1=$(status_field node-key)
check "status node-id is the key's at 127.0.0.1's network" \
    [ "$id1" = "$(node_id "$(bytes "$key" 36 32)" $LOOP1)" ]
check "...not the bare hash of the key (version 2 before the binding)" \
    [ "$id1" != "$(bytes_sha256 "$key" 36 32)" ]
z=$(puzzle_zeros "$(bytes "$key" 36 32)")
check "the key passes the $BITS-bit puzzle ($z zero bits)" \
    [ -n "$BITS" ] && [ "$z" -ge "$BITS" ]
check "the start logs what the puzzle took" grep -q \
    "new node key: the key puzzle ($BITS bits) took [0-9]* key pairs, [0-9]* ms" \
    "$T/n1.log"
echo "# $(sed -n 's/.*\(the key puzzle.*\)/\1/p' "$T/n1.log")"
check "status node-key is the public key in the file" \
    [ "$pub1" = "$(bytes "$key" 36 32)" ]
check "the private and public halves differ" \
    [ "$(bytes "$key" 4 32)" != "$pub1" ]
check "status shows the oracle's counters" \
    sh -c "'$KAD_BIN/kadctl' -s '$NODE_SOCK' -p status | grep -q '^crypt-dh: 0$'"
sum1=$(sha256sum "$key" | cut -d' ' -f1)

# memcheck WHEN: the memory of each process searched for the private
# key (root only: the workers are not dumpable).  kadcrypt holds one
# copy, its EVP_PKEY's; no other process holds any.
memcheck() {
	if [ "$(id -u)" != 0 ]; then
		echo "# skip: the memory search needs root (the workers are" \
		    "not dumpable)"
		return
	fi
	_priv=$(bytes "$key" 4 32)
	for _w in kadmaster kadnet kadstore kadcrypt; do
		_pid=$(status_field "pid-$_w")
		_out=$("$KAD_BIN/tests/test_memscan" "$_pid" "$_priv")
		_rc=$?
		echo "# $1: $_w ($_pid): $_out"
		if [ $_w = kadcrypt ]; then
			check "$1: the private key is in kadcrypt's memory, once" \
			    [ "$_rc/${_out%% copies*}" = 0/1 ]
		else
			check "$1: the private key is not in $_w's memory" \
			    [ $_rc = 1 ]
		fi
	done
	# the public key, which kadnet has: the search can find it there
	_pid=$(status_field pid-kadnet)
	_out=$("$KAD_BIN/tests/test_memscan" "$_pid" "$pub1")
	check "$1: the public key is in kadnet's memory (the search works)" \
	    [ $? = 0 ]
}
# The static-key oracle, through the real channel and sandboxes: kadnet
# asks kadcrypt (test builds: kadctl test-dh COUNT POINT), and every
# request is answered; the protocol core has no handshakes yet, so every
# answer goes unclaimed.
# wait_field KEY VALUE: until kadctl status shows it (10 s at most)
wait_field() {
	_n=0
	while [ "$(status_field "$1")" != "$2" ]; do
		_n=$((_n + 1))
		[ $_n -gt 100 ] && return 1
		sleep 0.1
	done
	return 0
}
bob=de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f
zero=0000000000000000000000000000000000000000000000000000000000000000
one=0100000000000000000000000000000000000000000000000000000000000000
kadctl test-dh 1 $bob
check "oracle: a DH with a peer's point is answered" wait_field dh-answered 1
check "oracle: ...and not refused" \
    [ "$(status_field crypt-dh)/$(status_field crypt-dh-refused)" = 1/0 ]
check "oracle: ...and goes to the protocol core (unclaimed for now)" \
    [ "$(status_field dh-unclaimed)" = 1 ]
kadctl test-dh 1 $zero
kadctl test-dh 1 $one
check "oracle: the all-zero point and the point 1 are refused" \
    wait_field crypt-dh-badpoint 2
kadctl test-dh 1 "$pub1"
check "oracle: our own public key is refused" wait_field crypt-dh-self 1
t0=$(date +%s%N)
kadctl test-dh 20000 $bob
wait_field dh-answered 20004
t1=$(date +%s%N)
check "oracle: a burst of 20000: every request answered" \
    [ "$(status_field dh-sent)/$(status_field dh-answered)" = 20004/20004 ]
busy=$(status_field crypt-dh-busy)
okn=$((20000 - busy))
ms=$(( (t1 - t0) / 1000000 ))
echo "# oracle: 20000 requests in $ms ms: $okn answered, $busy over the budget"
check "oracle: the budget refuses some ($busy)" [ "$busy" -gt 0 ]
check "oracle: the burst is answered in full ($okn >= 7997)" [ $okn -ge 7997 ]
check "oracle: no more than the burst and the rate allow" \
    [ $okn -le $((8000 + 4 * ms + 4000)) ]
check "oracle: refusals counted by reason" \
    [ "$(status_field crypt-dh-refused)" = $((busy + 3)) ]
check "oracle: the node still runs" kill -0 "$NODE_PID"

memcheck "key made, after 20004 DH"

# a restart keeps the key and the ID
kill -TERM "$NODE_PID"
wait_exit "$NODE_PID" 15
start_node n1 || notok "node restarts"
check "node-id survives a restart" [ "$(status_field node-id)" = "$id1" ]
check "node-key survives a restart" [ "$(status_field node-key)" = "$pub1" ]
check "the key file is unchanged" \
    [ "$(sha256sum "$key" | cut -d' ' -f1)" = "$sum1" ]
check "the restart made no new key" \
    [ "$(grep -c 'new node key saved' "$T/n1.log")" = 1 ]
memcheck "key loaded"
kill -TERM "$NODE_PID"
wait_exit "$NODE_PID" 15

# start_at NAME LISTEN [options]: like start_node, on another address
start_at() {
	_sn=$1 _sl=$2
	shift 2
	"$KAD_BIN/kadmaster" -d -o datadir="$T/$_sn" -o libexec="$KAD_BIN" \
	    -o listen="$_sl" "$@" >>"$T/$_sn.log" 2>&1 &
	NODE_PID=$!
	KAD_PIDS="$KAD_PIDS $NODE_PID"
	NODE_SOCK="$T/$_sn/kad.sock"
	_w=0
	while ! kadctl status >/dev/null 2>&1; do
		_w=$((_w + 1))
		[ $_w -gt 600 ] || ! kill -0 "$NODE_PID" 2>/dev/null && return 1
		sleep 0.1
	done
	return 0
}
# the same key at another address, a network of its own: another ID
start_at n1 127.0.0.2 || notok "node restarts at 127.0.0.2"
check "moved to 127.0.0.2: the same key" [ "$(status_field node-key)" = "$pub1" ]
check "...and the ID of its network" [ "$(status_field node-id)" = \
    "$(node_id "$pub1" "$(loop_word 127.0.0.2)")" ]
kill -TERM "$NODE_PID"
wait_exit "$NODE_PID" 15
# a wildcard: the source address toward the first bootstrap address (a
# loopback one: bound to the wildcard, kadnet sends it nothing)
start_at n1 '*' -o bootstrap=127.0.0.1:9 || notok "node restarts on *"
check "on the wildcard: the log names the address the ID is bound to" \
    grep -q "listen on a wildcard: the node ID is bound to 127.0.0.1:" \
    "$T/n1.log"
check "...and the ID is the key's at 127.0.0.1" \
    [ "$(status_field node-id)" = "$id1" ]
kill -TERM "$NODE_PID"
wait_exit "$NODE_PID" 15

# version 1's random node ID is replaced, with a log line
mkdir -p "$T/v1"
chmod 700 "$T/v1"
v1id=0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef
echo "$v1id" >"$T/v1/node-id"
chmod 600 "$T/v1/node-id"
start_node v1 || notok "a version 1 node starts"
check "version 1's node-id file is removed" [ ! -e "$T/v1/node-id" ]
check "a log line says it was replaced" \
    grep -q "node-id: version 1's random node ID is replaced" "$T/v1.log"
check "the new node ID is the key's, not version 1's" \
    [ "$(status_field node-id)" = \
    "$(node_id "$(bytes "$T/v1/node-key" 36 32)" \
    "$(loop_word "$(node_addr v1)")")" ]
kill -TERM "$NODE_PID"
wait_exit "$NODE_PID" 15

# refuse_start NAME WHAT PATTERN: a node on DATADIR $T/NAME must not
# start; its log must say PATTERN, on one line that names the key file
refuse_start() {
	"$KAD_BIN/kadmaster" -d -o datadir="$T/$1" -o libexec="$KAD_BIN" \
	    -o listen=127.0.0.1 >"$T/$1.log" 2>&1 &
	_p=$!
	KAD_PIDS="$KAD_PIDS $_p"
	if ! wait_exit $_p 20; then
		notok "$2: kadmaster still running after 20 s"
		return
	fi
	check "$2: kadmaster refuses to start (status $EXIT_STATUS)" \
	    [ "$EXIT_STATUS" -ne 0 ]
	check "$2: one line says why" \
	    [ "$(grep -c "kadmaster: $T/$1/node-key.*$3" "$T/$1.log")" = 1 ]
	check "$2: the node never became ready" \
	    sh -c "! grep -q 'node ready' '$T/$1.log'"
}

# damaged(NAME): a datadir with a copy of n1's key, returned in $dk
damaged() {
	rm -rf "$T/$1"
	mkdir -p "$T/$1"
	chmod 700 "$T/$1"
	dk=$T/$1/node-key
	cp "$key" "$dk"
	chmod 600 "$dk"
}

damaged magic
printf 'KDK2' | dd of="$dk" bs=1 seek=0 conv=notrunc 2>/dev/null
s0=$(sha256sum "$dk")
refuse_start magic "wrong magic" "does not start with KDK1"
check "wrong magic: the file is left as it was" [ "$(sha256sum "$dk")" = "$s0" ]

damaged short
truncate -s 67 "$dk"
refuse_start short "67 bytes" "67 bytes, not a node key (68 bytes)"
check "67 bytes: the file is left as it was" [ "$(stat -c %s "$dk")" = 67 ]

damaged long
printf 'x' >>"$dk"
refuse_start long "69 bytes" "69 bytes, not a node key"

damaged empty
: >"$dk"
refuse_start empty "an empty file" "0 bytes, not a node key"
check "an empty file is not filled with a new key" [ ! -s "$dk" ]

damaged mismatch
flip "$dk" 67
s0=$(sha256sum "$dk")
refuse_start mismatch "public half not matching" \
    "public half is not its private half"
check "public half not matching: the file is left as it was" \
    [ "$(sha256sum "$dk")" = "$s0" ]

damaged private
flip "$dk" 9
refuse_start private "private half changed" \
    "public half is not its private half"

damaged readable
chmod 644 "$dk"
refuse_start readable "readable by others" "mode 0644 lets others read"
check "readable by others: the mode is left as it was" \
    [ "$(stat -c %a "$dk")" = 644 ]

damaged group
chmod 620 "$dk"
refuse_start group "writable by the group" "mode 0620 lets others"

damaged link
mv "$dk" "$T/link/real-key"
ln -s real-key "$dk"
refuse_start link "a symbolic link" "a symbolic link"

damaged dir
rm -f "$dk"
mkdir "$dk"
refuse_start dir "a directory" "not a regular file"

damaged fifo
rm -f "$dk"
mkfifo -m 600 "$dk"
refuse_start fifo "a FIFO" "not a regular file"

# a key made before the puzzle: a good X25519 pair that fails it (RFC
# 7748's Alice, whose puzzle hash starts with a one bit)
damaged old
apriv=77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a
apub=8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a
{ printf KDK1; echo "$apriv$apub" | xxd -r -p; } >"$dk"
s0=$(sha256sum "$dk")
check "RFC 7748's Alice fails the puzzle ($(puzzle_zeros $apub) zero bits)" \
    [ "$(stat -c %s "$dk")" = 68 ] && [ "$(puzzle_zeros $apub)" -lt "$BITS" ]
refuse_start old "a key made before the puzzle" \
    "made before the key puzzle, which every peer refuses.*move it away"
check "a key made before the puzzle: the file is left as it was" \
    [ "$(sha256sum "$dk")" = "$s0" ]
