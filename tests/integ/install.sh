# SPDX-License-Identifier: ISC
# `make install DESTDIR=... PREFIX=/usr/local` from the build under test:
# kadctl in bin and kadmaster in sbin, the workers under libexec/kad,
# the unit under PREFIX/lib/systemd/system (Type=notify, ExecStart the
# installed kadmaster, nothing left to substitute) or in UNITDIR when
# given, sysusers.d and tmpfiles.d files that systemd's own tools accept,
# and kad.conf.sample: every key config.c knows, and its defaults, once
# uncommented, are the defaults kadmaster prints.  As root it also lets
# systemd-sysusers and systemd-tmpfiles build the users and directories
# inside DESTDIR.
. "$(dirname "$0")/lib.sh"

v=$(basename "$KAD_BIN")
case $KAD_BIN in
"$KAD_TOP"/*)	b=${KAD_BIN#"$KAD_TOP"/} ;;
*)		b=$KAD_BIN ;;
esac
# the outer make's jobserver and flags are not ours
unset MAKEFLAGS MFLAGS MAKELEVEL

# inst DIR [make variables...]: install the build under test into DIR
inst() {
	_d=$1; shift
	make -s -C "$KAD_TOP" install VARIANT="$v" B="$b" DESTDIR="$_d" \
	    PREFIX=/usr/local "$@" >"$_d.log" 2>&1
}

D=$T/root
if inst "$D"; then
	ok "make install DESTDIR=... PREFIX=/usr/local"
else
	notok "make install DESTDIR=... PREFIX=/usr/local"
	sed 's/^/#   /' "$D.log" | tail -n 20
	summary
	exit
fi
U=$D/usr/local/lib/systemd/system/kad.service
check "kadctl in bin" [ -x "$D/usr/local/bin/kadctl" ]
check "and not in sbin" [ ! -e "$D/usr/local/sbin/kadctl" ]
check "kadmaster in sbin" [ -x "$D/usr/local/sbin/kadmaster" ]
for w in kadnet kadstore kadcrypt; do
	check "$w in libexec/kad" [ -x "$D/usr/local/libexec/kad/$w" ]
done
check "the man pages" [ -f "$D/usr/local/share/man/man8/kadmaster.8" -a \
    -f "$D/usr/local/share/man/man8/kadctl.8" -a \
    -f "$D/usr/local/share/man/man5/kad.conf.5" ]
check "the unit under PREFIX/lib/systemd/system" [ -f "$U" ]
check "nothing under /lib/systemd" [ ! -e "$D/lib/systemd" ]
check "ExecStart is the installed kadmaster, in the foreground" \
    grep -qx 'ExecStart=/usr/local/sbin/kadmaster -d' "$U"
check "Type=notify" grep -qx 'Type=notify' "$U"
check "a SystemCallFilter= deny-list" grep -q '^SystemCallFilter=~@' "$U"
check "PrivateMounts=yes and ProcSubset=pid" \
    sh -c "grep -qx PrivateMounts=yes '$U' && grep -qx ProcSubset=pid '$U'"
S=$D/etc/kad/kad.conf.sample
SU=$D/usr/local/lib/sysusers.d/kad.conf
TF=$D/usr/local/lib/tmpfiles.d/kad.conf
check "kad.conf.sample in SYSCONFDIR/kad" [ -f "$S" ]
check "no kad.conf itself" [ ! -e "$D/etc/kad.conf" ]
check "sysusers.d/kad.conf" [ -f "$SU" ]
check "tmpfiles.d/kad.conf" [ -f "$TF" ]
check "no @VARIABLE@ left in the installed text files" \
    sh -c "! grep -l '@[A-Z]*@' '$U' '$S' '$SU' '$TF'"
for u in _kadnet _kadstore _kadcrypt; do
	check "sysusers.d creates $u, a system user without login" \
	    grep -Eq "^u $u +- .* /usr/sbin/nologin\$" "$SU"
done
for l in "/var/lib/kad 0700 root root" "/var/lib/kad/empty 0755 root root" \
    "/var/lib/kad/store 0755 root root" \
    "/var/lib/kad/store/db 0700 _kadstore _kadstore"; do
	check "tmpfiles.d: $l" sh -c "awk '\$1 == \"d\" { print \$2, \$3, \$4, \$5 }' \
	    '$TF' | grep -qx '$l'"
done

# every key config.c parses is in the sample, as a "#key value" line
keys=$(sed -n '/keynames\[K_MAX\] = {/,/};/p' "$KAD_TOP/kadmaster/config.c" |
    grep -o '"[a-z-]*"' | tr -d '"')
check "config.c's key table read ($(echo $keys | wc -w) keys)" \
    [ "$(echo $keys | wc -w)" -ge 15 ]
for k in $keys; do
	check "kad.conf.sample sets $k" grep -q "^#$k " "$S"
done
# uncommented, it loads; its defaults are kadmaster's own (bootstrap,
# user and group have none, storage-limit's depends on the disk: the
# sample shows examples for them)
sed 's/^#\([a-z][a-z-]*\) /\1 /' "$S" >"$T/sample.conf"
"$KAD_BIN/kadmaster" -nv -f "$T/sample.conf" >"$T/sample.out" 2>"$T/sample.err"
check "the uncommented sample loads with kadmaster -n -f" \
    grep -qx 'configuration OK' "$T/sample.err"
"$KAD_BIN/kadmaster" -nv -f /dev/null -o datadir=/var/lib/kad \
    2>/dev/null | grep -v '^# storage-limit ' >"$T/defaults.out"
grep -Ev '^(bootstrap|user|group|storage-limit) ' "$T/sample.out" \
    >"$T/sample.cmp"
if diff -u "$T/defaults.out" "$T/sample.cmp" >"$T/sample.diff"; then
	ok "the sample's values are kadmaster's defaults (as root)"
else
	notok "the sample's values are kadmaster's defaults (as root)"
	sed 's/^/#   /' "$T/sample.diff" | head -n 20
fi

# systemd's tools read the files; as root, they build the users and the
# directories inside DESTDIR
if command -v systemd-sysusers >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
	check "systemd-sysusers --root creates the three users" \
	    sh -c "systemd-sysusers --root='$D' '$SU' >/dev/null 2>&1 &&
	    [ \$(grep -c '^_kad.*:/nonexistent:/usr/sbin/nologin\$' \
	    '$D/etc/passwd') -eq 3 ]"
	# uids, not names: DESTDIR's users are not the host's
	su=$(awk -F: '$1 == "_kadstore" { print $3 }' "$D/etc/passwd")
	check "systemd-tmpfiles --root makes the directories" \
	    sh -c "systemd-tmpfiles --root='$D' --create '$TF' 2>/dev/null &&
	    [ \"\$(stat -c '%a %u' '$D/var/lib/kad' '$D/var/lib/kad/empty' \
	    '$D/var/lib/kad/store' '$D/var/lib/kad/store/db' | tr '\n' ' ')\" \
	    = '700 0 755 0 755 0 700 $su ' ]"
else
	echo "# not root or no systemd-sysusers: the users and directories" \
	    "are not built"
fi
if command -v systemd-analyze >/dev/null 2>&1 &&
    systemd-analyze security --offline=yes "$U" >"$T/sec.out" 2>&1; then
	# docs/INSTALL.md records 2.6 and why the rest stays: no higher
	e=$(sed -n 's/.*exposure level for kad.service: \([0-9.]*\).*/\1/p' \
	    "$T/sec.out")
	check "systemd-analyze security: exposure ${e:-unknown}, at most 2.6" \
	    awk -v e="$e" 'BEGIN { exit !(e != "" && e + 0 <= 2.6) }'
else
	echo "# no systemd-analyze security --offline: exposure not measured"
fi

# UNITDIR= puts the unit elsewhere, and only there
D2=$T/root2
inst "$D2" UNITDIR=/etc/systemd/system ||
    notok "make install UNITDIR=/etc/systemd/system"
check "UNITDIR=/etc/systemd/system: the unit is there" \
    grep -qx 'ExecStart=/usr/local/sbin/kadmaster -d' \
    "$D2/etc/systemd/system/kad.service"
check "and not under PREFIX/lib/systemd" \
    [ ! -e "$D2/usr/local/lib/systemd/system/kad.service" ]
summary
