# SPDX-License-Identifier: ISC
# What kadctl and kadmaster say about themselves and about mistakes:
# -V prints the release, an unknown command is named as such, a known
# command with wrong arguments prints the usage; each exits as kadctl.8
# and kadmaster.8 say.
. "$(dirname "$0")/lib.sh"

VERSION=$(sed -n 's/^#define KAD_VERSION[[:space:]]*"\(.*\)"/\1/p' \
    "$KAD_TOP/libkadipc/version.h")
check "libkadipc/version.h names a release ($VERSION)" [ -n "$VERSION" ]
check "kadctl -V prints it and exits 0" \
    sh -c "[ \"\$('$KAD_BIN/kadctl' -V)\" = 'kadctl $VERSION' ]"
check "kadmaster -V prints it and exits 0" \
    sh -c "[ \"\$('$KAD_BIN/kadmaster' -V)\" = 'kadmaster $VERSION' ]"

"$KAD_BIN/kadctl" -s "$T/none.sock" frobnicate >"$T/out" 2>"$T/err"
rc=$?
check "an unknown command exits 1 (status $rc)" [ $rc -eq 1 ]
check "and is named: $(head -1 "$T/err")" \
    grep -qx 'kadctl: unknown command "frobnicate"' "$T/err"
check "then the usage, on standard error only" \
    sh -c "grep -q '^usage: kadctl' '$T/err' && [ ! -s '$T/out' ]"

"$KAD_BIN/kadctl" -s "$T/none.sock" status extra >"$T/out" 2>"$T/err"
rc=$?
check "a known command with wrong arguments: the usage, exit 1 ($rc)" \
    sh -c "[ $rc -eq 1 ] && head -1 '$T/err' | grep -q '^usage: kadctl'"
check "and no unknown-command line for it" \
    sh -c "! grep -q 'unknown command' '$T/err'"

"$KAD_BIN/kadmaster" -x >"$T/out" 2>"$T/err"
rc=$?
check "kadmaster with an unknown option: usage, exit 1 ($rc)" \
    sh -c "[ $rc -eq 1 ] && grep -q '^usage: kadmaster' '$T/err'"
summary
