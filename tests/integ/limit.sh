# SPDX-License-Identifier: ISC
# The default storage-limit (kadmaster/limit.c): with none in kad.conf,
# the first start takes 10% of the datadir's free space (whole MiB,
# 64M..64G), saves it in DATADIR/storage-limit and reports it; later
# starts use the saved figure, whatever the disk has free then;
# `kadmaster -n -v` shows it as a comment with its source; a
# storage-limit in the configuration (0 included) wins and is not saved.
. "$(dirname "$0")/lib.sh"

MIB=1048576
# the figure for a datadir on this filesystem now, as limit.c computes it
expect() {
	df -P -B1 "$T" | awk -v m=$MIB 'NR == 2 {
	    v = int(int($4 / 100) * 10 / m) * m
	    if (v > 64 * 1024 * m) v = 64 * 1024 * m
	    if (v < 64 * m) v = 64 * m
	    printf "%.0f\n", v }'
}
nv() { "$KAD_BIN/kadmaster" -nv -f /dev/null -o datadir="$T/n1" "$@"; }

# -n -v before the first start: computed now, nothing written
nv >"$T/nv1" 2>"$T/nv1.err"
check "-n -v shows a computed default" \
    grep -q '^# storage-limit [0-9]* (default: computed now, 10% of ' "$T/nv1"
check "-n writes no storage-limit file" [ ! -e "$T/n1/storage-limit" ]

start_node n1 || { notok "n1 starts"; exit 1; }
ok "n1 starts"
f=$T/n1/storage-limit
check "the default is saved in DATADIR/storage-limit" [ -s "$f" ]
saved=$(cat "$f")
want=$(expect)
# other tests write to the same disk meanwhile: within 16 MiB
check "saved $saved is 10% of the free space ($want), whole MiB" \
    awk -v a="$saved" -v b="$want" -v m=$MIB 'BEGIN {
	d = a - b; if (d < 0) d = -d
	exit !(d <= 16 * m && a % m == 0 && a >= 64 * m &&
	    a <= 64 * 1024 * m) }'
check "kadstore runs with it (status storage-limit $saved)" \
    field_eq 1 storage-limit "$saved"
# tuned as without a limit: the bucket array of the old default
check "kadstore is told the limit is the default (-t)" \
    sh -c "tr '\\0' ' ' </proc/$(sf 1 pid-kadstore)/cmdline | grep -q ' -t '"
check "the log says where it comes from" \
    grep -q "storage-limit $saved (default: computed now, .*saved in $f)" \
    "$T/n1.log"
check "mode 0600, no .tmp left" \
    sh -c "[ \"\$(stat -c %a '$f')\" = 600 ] && [ ! -e '$f.tmp' ]"
nv >"$T/nv2" 2>/dev/null
check "-n -v shows the saved figure and its file" \
    grep -qx "# storage-limit $saved (default: saved in $f)" "$T/nv2"

# a restart takes the saved figure, not the free space of the day
kill "$NODE_PID"; wait_exit "$NODE_PID" 10
echo 100M >"$f"
start_node n1 || { notok "n1 restarts"; exit 1; }
check "after a restart the saved (edited) 100M is in force" \
    field_eq 1 storage-limit $((100 * MIB))
check "and the file is left as it was" [ "$(cat "$f")" = 100M ]

# the configuration wins, and leaves the saved file alone
kill "$NODE_PID"; wait_exit "$NODE_PID" 10
start_node n1 -o storage-limit=3M || { notok "n1 with 3M starts"; exit 1; }
check "-o storage-limit=3M wins over the saved figure" \
    field_eq 1 storage-limit $((3 * MIB))
check "the saved file is untouched" [ "$(cat "$f")" = 100M ]
check "an explicit limit is tuned for (no -t)" \
    sh -c "! tr '\\0' ' ' </proc/$(sf 1 pid-kadstore)/cmdline | grep -q ' -t '"
kill "$NODE_PID"; wait_exit "$NODE_PID" 10
printf 'storage-limit 0\n' >"$T/zero.conf"
"$KAD_BIN/kadmaster" -nv -f "$T/zero.conf" -o datadir="$T/n1" \
    >"$T/nv3" 2>/dev/null
check "storage-limit 0 in kad.conf: unlimited, printed as set" \
    grep -qx 'storage-limit 0' "$T/nv3"
check "and no default comment" sh -c "! grep -q '^# storage-limit' '$T/nv3'"

# a fresh node with a kad.conf limit saves nothing
start_node n2 -o storage-limit=5M || { notok "n2 starts"; exit 1; }
check "n2's explicit 5M is in force" field_eq 2 storage-limit $((5 * MIB))
check "n2 saved no default" [ ! -e "$T/n2/storage-limit" ]

# a damaged file stops the start, naming it
echo banana >"$f"
if nv >/dev/null 2>"$T/bad.err"; then
	notok "a damaged storage-limit file fails -n"
else
	check "a damaged storage-limit file fails -n, naming it" \
	    grep -q "$f: \"banana\" is not a size" "$T/bad.err"
fi
summary
