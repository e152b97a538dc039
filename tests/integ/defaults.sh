# SPDX-License-Identifier: ISC
# The limits docs/PROTOCOL.md states are the code's: test_defaults
# writes each statement (section 10's table, the numbers of the prose)
# from the code's defaults and #defines, and each must be in the
# document as written there (whitespace squeezed).  A mismatch names
# the section and the text the code implies; the document is what
# gets fixed, unless the code is wrong.
. "$(dirname "$0")/lib.sh"

DOC=$KAD_TOP/docs/PROTOCOL.md
DEF=$KAD_BIN/tests/test_defaults
# define FILE NAME: the value of a #define private to a .c file
define() {
	sed -n "s/^#define[ 	]*$2[ 	][ 	]*\([0-9][0-9]*\).*/\1/p" \
	    "$KAD_TOP/$1"
}

check "docs/PROTOCOL.md is there" [ -s "$DOC" ]
"$DEF" doc >"$T/said" 2>"$T/err" || { notok "test_defaults doc runs:" \
    "$(cat "$T/err")"; exit 1; }
sets0=$(define kadnet/ratelimit.c RL_SETS0)
ways=$(define kadnet/ratelimit.c RL_WAYS)
evict=$(define kadnet/session.c EVICT_LOOK)
d="RL_SETS0 $sets0, RL_WAYS $ways, EVICT_LOOK $evict"
check "the #defines read from the .c files ($d)" \
    test -n "$sets0" -a -n "$ways" -a -n "$evict"
sed -e "s/@RL_ENTRIES0@/$((sets0 * ways))/g" -e "s/@EVICT_LOOK@/$evict/g" \
    "$T/said" >"$T/expect"
# the document on one line, whitespace squeezed
tr '\n\t' '  ' <"$DOC" | tr -s ' ' >"$T/doc"

n=0
bad=0
while IFS='	' read -r where text; do
	n=$((n + 1))
	if grep -qF -- "$text" "$T/doc"; then
		ok "section $where says: $text"
	else
		bad=$((bad + 1))
		notok "section $where does not say what the code has: $text"
	fi
done <"$T/expect"
check "$n statements compared" [ "$n" -ge 50 ]
# kadnet takes replicas from kadmaster's configuration
rep=$(define kadmaster/config.h KAD_DEFAULT_REPLICAS)
drep=$(sed -n 's/.*lookup hop limit | [0-9]*, [0-9]*, \([0-9]*\), .*/\1/p' \
    "$T/expect")
check "kadmaster's default replicas ($rep) is the dht's ($drep)" \
    test -n "$rep" -a "$rep" = "$drep"
echo "# $bad of $n statements differ from the code"
summary
