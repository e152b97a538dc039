# SPDX-License-Identifier: ISC
# kadctl's output on real nodes: `-j status` is one JSON object whose
# values are `-p status`'s, every name the node reports is in kadctl's
# table (kadctl/stats.c) and so is every kad_stats_add() of the workers'
# sources, docs/METRICS.md lists what the table says, `metrics` is
# valid Prometheus text (promtool when installed, else the checks
# below), the default output has human units, and `-j peers` is the
# routing table of `peers`.
. "$(dirname "$0")/lib.sh"

TO=$KAD_BIN/tests/test_output
DOC=$KAD_TOP/docs/METRICS.md

start_node n1 || { notok "n1 starts"; exit 1; }
port1=$(status_field port)
n1=$NODE_SOCK
start_node n2 -o bootstrap=127.0.0.1:$port1 || { notok "n2 starts"; exit 1; }
NODE_SOCK=$n1

"$TO" names >"$T/table" || { notok "test_output names runs"; exit 1; }
cut -f1 "$T/table" >"$T/names"
awk -F '\t' '$2 == "info" { print $1 }' "$T/table" >"$T/info"

# 1. -j status: one object, the values of -p status
kadctl -j status >"$T/j" 2>"$T/err"
check "-j status exits 0" [ $? -eq 0 ]
check "-j status is one line" [ "$(wc -l <"$T/j")" -eq 1 ]
check "-j status parses as one JSON object" python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
assert isinstance(d, dict) and len(d) > 50' "$T/j"
kadctl -p status >"$T/p"
check "-p status and -j status have the same keys and values" python3 -c '
import json, re, sys
j = json.load(open(sys.argv[1]))
p = {}
listen = []
for line in open(sys.argv[2]):
    k, v = line.rstrip("\n").split(": ", 1)
    if k == "listen":
        listen.append(v)
    else:
        p[k] = v
# uptime may tick between the two calls (slowly, under ASan), and the
# byte counts of the master grow with the second call
bad = [k for k in p if k not in j or (str(j[k]) != p[k] and
    not (k == "uptime" and abs(int(j[k]) - int(p[k])) <= 2) and
    not (k.startswith("master-bytes-") and int(p[k]) > int(j[k])))]
bad += [k for k in j if k not in p and k != "listen"]
# the bound addresses: always an array, one string a socket
if j.get("listen") != listen or not listen:
    bad.append("listen")
for k in ("node-id", "node-key"):
    if not re.fullmatch("[0-9a-f]{64}", j.get(k, "")):
        bad.append(k)
for k, v in j.items():
    if k not in ("node-id", "node-key", "listen") and type(v) is not int:
        bad.append(k)
if bad:
    print("# differ:", bad)
    sys.exit(1)' "$T/j" "$T/p"

# 2. every name known: the node's and the sources'
sed 's/: .*//' "$T/p" | sort -u >"$T/reported"
unknown=$(sort -u "$T/names" | comm -23 "$T/reported" -)
check "every name -p status reports is in kadctl's table${unknown:+ (not: $unknown)}" \
    [ -z "$unknown" ]
grep -ho 'kad_stats_add([^,]*, *"[^"]*"' "$KAD_TOP"/kadnet/*.c \
    "$KAD_TOP"/kadstore/*.c "$KAD_TOP"/kadcrypt/*.c |
    sed 's/.*"\([^"]*\)"$/\1/' | sort -u >"$T/src"
check "the workers' sources have kad_stats_add() names ($(wc -l <"$T/src"))" \
    [ "$(wc -l <"$T/src")" -ge 60 ]
unknown=$(sort -u "$T/names" | comm -23 "$T/src" -)
check "every kad_stats_add() name in kadnet/, kadstore/, kadcrypt/ is in kadctl's table${unknown:+ (not: $unknown)}" \
    [ -z "$unknown" ]

# 3. docs/METRICS.md says what the table says
sed -n '/^<!-- metrics: begin -->$/,/^<!-- metrics: end -->$/p' "$DOC" |
    grep '^| `' >"$T/docrows"
"$TO" doc >"$T/rows"
check "docs/METRICS.md lists every metric as the table has it" \
    cmp -s "$T/rows" "$T/docrows"
cmp -s "$T/rows" "$T/docrows" || diff "$T/rows" "$T/docrows" | head -10 |
    sed 's/^/# /'

# 4. metrics: the exposition format
kadctl metrics >"$T/m" 2>"$T/err"
check "metrics exits 0" [ $? -eq 0 ]
if command -v promtool >/dev/null 2>&1; then
	check "promtool check metrics accepts it" sh -c \
	    "promtool check metrics <'$T/m' >'$T/pt' 2>&1"
fi
check "metrics: HELP and TYPE before every sample, names and values well formed, counters *_total, no family twice, none untyped" python3 -c '
import re, sys
name = re.compile(r"[a-zA-Z_:][a-zA-Z0-9_:]*$")
sample = re.compile(r"([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[a-z_]+=\"([^\"\\\\\n]|\\\\.)*\"\})? (\S+)$")
help, types, seen, bad = {}, {}, set(), []
text = open(sys.argv[1]).read()
if not text.endswith("\n"):
    bad.append("no final newline")
for line in text.splitlines():
    if line.startswith("# HELP "):
        n = line.split(" ", 3)[2]
        if not name.match(n) or n in help:
            bad.append(line)
        help[n] = 1
    elif line.startswith("# TYPE "):
        f = line.split(" ")
        if len(f) != 4 or f[3] not in ("counter", "gauge") or f[2] in types:
            bad.append(line)
        types[f[2]] = f[3]
    else:
        m = sample.match(line)
        if not m:
            bad.append(line)
            continue
        n = m.group(1)
        try:
            float(m.group(4))
        except ValueError:
            bad.append(line)
        if n not in help or n not in types or n in seen:
            bad.append(line)
        if types.get(n) == "counter" and not n.endswith("_total"):
            bad.append(line)
        if not n.startswith("kad_"):
            bad.append(line)
        seen.add(n)
for need in ("kad_info", "kad_uptime_seconds", "kad_stored_bytes",
             "kad_published_bytes_total", "kad_datagrams_in_total"):
    if need not in seen:
        bad.append("missing " + need)
if bad:
    print("# bad:", bad[:5])
    sys.exit(1)' "$T/m"
# the numeric values of -p status that are no info lines, and kad_info
nstat=$(grep -E '^[a-z0-9-]+: [0-9]+$' "$T/p" | sed 's/: .*//' |
    grep -cvxF -f "$T/info")
check "metrics: a sample for each of -p status's $nstat numeric stats, and kad_info" \
    [ "$(grep -vc '^#' "$T/m")" -eq $((nstat + 1)) ]
check "metrics: kad_info carries the version" \
    grep -Eq '^kad_info\{version="[^"]+"\} 1$' "$T/m"

# 5. human units by default, exact with -p
head -c $((3 * 1048576 / 2)) /dev/urandom >"$T/f"
kadctl put -q "$T/f" >/dev/null || notok "put 1.5 MiB"
kadctl status >"$T/h"
check "status: bytes-published in MiB ($(sed -n 's/^bytes-published: //p' "$T/h"))" \
    grep -q '^bytes-published: 1\.5 MiB$' "$T/h"
check "status: stored-bytes in a binary unit" \
    grep -Eq '^stored-bytes: [0-9]+\.[0-9] (KiB|MiB)$' "$T/h"
check "status: uptime as a duration ($(sed -n 's/^uptime: //p' "$T/h"))" \
    grep -Eq '^uptime: ([0-9]+s|[0-9]+m [0-9]+s)$' "$T/h"
check "status: lookup-median-ms in ms" \
    grep -Eq '^lookup-median-ms: [0-9]+ ms$' "$T/h"
check "status: counts as they are" grep -Eq '^chunk-puts: [0-9]+$' "$T/h"
check "-p status: bytes-published exact" \
    [ "$(status_field bytes-published)" = $((3 * 1048576 / 2)) ]
check "-p status: the node-id is the same in every form" \
    [ "$(sed -n 's/^node-id: //p' "$T/h")" = "$(status_field node-id)" ]

# 6. -j peers: the contacts of peers
has_peer() { [ "$(status_field peers)" -ge 1 ] 2>/dev/null; }
check "n1 has n2 among its peers" waitfor 10 has_peer
kadctl peers >"$T/peers"
kadctl -j peers >"$T/jpeers"
check "-j peers exits 0" [ $? -eq 0 ]
check "-j peers is {\"peers\": [...]} with the ids, ports and times of peers ($(wc -l <"$T/peers") contacts)" python3 -c '
import json, re, sys
d = json.load(open(sys.argv[1]))
assert list(d) == ["peers"] and isinstance(d["peers"], list)
lines = open(sys.argv[2]).read().splitlines()
assert len(lines) == len(d["peers"]) >= 1
for line, p in zip(lines, d["peers"]):
    assert sorted(p) == ["address", "id", "port", "rtt-ms", "seen"], p
    w = line.split()
    assert w[0] == p["id"] and re.fullmatch("[0-9a-f]{64}", p["id"])
    assert w[1] == "%s:%d" % (p["address"], p["port"])
    assert w[3] == "%ds" % p["seen"]
    assert (p["rtt-ms"] is None) == w[5].startswith("~")
' "$T/jpeers" "$T/peers"

# 7. the options
check "-j -p status: -j wins, JSON" sh -c \
    "'$KAD_BIN/kadctl' -s '$NODE_SOCK' -jp status | python3 -c 'import json,sys; json.load(sys.stdin)'"
"$KAD_BIN/kadctl" -s "$NODE_SOCK" status -j >/dev/null 2>"$T/err"
check "an option after the command is a usage error" [ $? -eq 1 ]
check "usage names -j and -p" grep -q '\[-jpV\]' "$T/err"
"$KAD_BIN/kadctl" -s "$NODE_SOCK" metrics extra >/dev/null 2>&1
check "metrics takes no argument" [ $? -eq 1 ]
summary
