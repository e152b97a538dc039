#!/bin/sh
# SPDX-License-Identifier: ISC
# The layout check, run by `make check` (tests/run.sh): prints one
# "ok - ..." or "not ok - ..." line per rule and per violation.
#
#   1. No production source file (kad*/, libkadipc/: *.c, *.h) over
#      1,000 lines.
#   2. No function in those files over 100 lines.  A function is KNF's
#      shape: its name starts a line at column 0 followed by "(", and its
#      body runs from the "{" alone at column 0 that follows to the next
#      "}" at column 0; its length counts both braces and the lines
#      between them.
#   3. Nothing at the top level that the layout does not name (tracked
#      or untracked-but-not-ignored entries; build/ is ignored output).
#   4. No document (*.md, the man pages) and no comment in a source
#      (C comments; "#" comments of shell scripts and makefiles) that
#      points outside the repository: a path into a parent directory or
#      the workplace's own directories, documents that are not here (a
#      shared style guide, a measurements file, numbered steps of an
#      outside plan), or numbered rules of a style guide (docs/STYLE.md
#      has none).  PAT below spells these out.
#
# The test programs under tests/ and bench/ are not held to rules 1 and
# 2: they are long tables of cases, not production code.
#
#   sh tests/layout/layout.sh          from anywhere in the tree
top=${KAD_TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
cd "$top" || exit 1

MAX_LINES=1000
MAX_FUNC=100
TOPLEVEL="kadmaster kadstore kadnet kadcrypt kadctl libkadipc tests bench
docs .ci Makefile README.md LICENSE .gitignore .git"

if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
	files=$(git ls-files --cached --others --exclude-standard | sort -u)
	top_entries=$(printf '%s\n' "$files" | cut -d/ -f1 | sort -u)
	top_entries="$top_entries
.git"
else
	# an exported tree (git archive): everything but the build output
	files=$(find . -path ./build -prune -o -type f -print | sed 's|^\./||' |
	    sort)
	top_entries=$(ls -A | grep -v '^build$')
fi
fail=0

# 1 and 2: production sources
prod=$(printf '%s\n' "$files" | grep -E '^(kad[a-z]*|libkadipc)/[^/]+\.[ch]$')
n=0
for f in $prod; do
	[ -f "$f" ] || continue
	n=$((n + 1))
	lines=$(wc -l <"$f")
	if [ "$lines" -gt $MAX_LINES ]; then
		echo "not ok - layout: $f has $lines lines (at most $MAX_LINES)"
		fail=1
	fi
done
[ $fail -eq 0 ] && echo "ok - layout: $n production sources of at most" \
    "$MAX_LINES lines"

long=$(for f in $prod; do [ -f "$f" ] && printf '%s\n' "$f"; done |
    xargs awk -v max=$MAX_FUNC '
	FNR == 1 { cand = ""; fn = "" }
	/^[A-Za-z_][A-Za-z0-9_]*\(/ {
		cand = $0; sub(/\(.*/, "", cand); next
	}
	/^\{/ { if (cand != "" && fn == "") { fn = cand; start = FNR }; next }
	/^\}/ {
		if (fn != "" && FNR - start + 1 > max)
			printf "%s:%d: %s() has %d lines\n", FILENAME, start, \
			    fn, FNR - start + 1
		fn = ""; cand = ""; next
	}')
if [ -n "$long" ]; then
	printf '%s\n' "$long" | sed "s/^/not ok - layout: /; s/\$/ (at most $MAX_FUNC)/"
	fail=1
else
	echo "ok - layout: no function over $MAX_FUNC lines"
fi

# 3: the top level
stray=""
for e in $top_entries; do
	case " $(echo $TOPLEVEL) " in
	*" $e "*)	;;
	*)		stray="$stray $e" ;;
	esac
done
if [ -n "$stray" ]; then
	for e in $stray; do
		echo "not ok - layout: $e at the top level is not part of" \
		    "the layout"
	done
	fail=1
else
	echo "ok - layout: nothing at the top level but the layout"
fi

# 4: references outside the repository
PAT='\.\./|/work/|shared/|LIMITS\.md|seed steps? [0-9]|(STYLE\.md,? (rules? )?|\((rules? )?|rules?,? )[LNMVEPCT][0-9]+\b'
docs=$(printf '%s\n' "$files" | grep -E '(\.md|^docs/man/.*\.[0-9])$')
csrc=$(printf '%s\n' "$files" | grep -E '\.[ch]$')
shsrc=$(printf '%s\n' "$files" | grep -E '(\.sh|\.mk|^Makefile|^\.ci/run|^tests/sandbox/discover)$')
refs=$(
	for f in $docs; do
		[ -f "$f" ] && grep -nHE "$PAT" "$f"
	done
	for f in $csrc; do
		[ -f "$f" ] || continue
		# C comments only, with their line numbers
		awk '
		{
			line = $0; out = ""; i = 1; n = length(line)
			while (i <= n) {
				c = substr(line, i, 1); d = substr(line, i, 2)
				if (incom) {
					if (d == "*/") { incom = 0; i += 2; continue }
					out = out c
				} else if (instr) {
					if (c == "\\") { i += 2; continue }
					if (c == q) instr = 0
				} else if (d == "/*") { incom = 1; i += 2; continue
				} else if (d == "//") { out = out substr(line, i); break
				} else if (c == "\"" || c == "'\''") { instr = 1; q = c }
				i++
			}
			instr = 0
			if (out != "") printf "%s:%d:%s\n", FILENAME, FNR, out
		}' "$f" | grep -E "$PAT"
	done
	for f in $shsrc; do
		[ -f "$f" ] || continue
		# "#" comments: from a "#" at the start of a line or after a
		# blank, shell and make alike
		grep -nH '' "$f" | sed -n 's/^\([^:]*:[0-9]*:\)\(.*[[:space:]]\)\{0,1\}#\(.*\)$/\1#\3/p' |
		    grep -E "$PAT"
	done
)
if [ -n "$refs" ]; then
	printf '%s\n' "$refs" | sed 's/^/not ok - layout: refers outside the repository: /'
	fail=1
else
	echo "ok - layout: no document or comment refers outside the repository"
fi
exit $fail
