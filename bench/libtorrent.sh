# SPDX-License-Identifier: ISC
# bench/libtorrent.sh: the libtorrent reference of bench_net.sh and
# bench_wan.sh (POSIX sh, sourced; docs/PERFORMANCE.md).
#
#   lt_check           0 if libtorrent can be run (LT_PY imports it and
#                      BENCH_LT is not 0); else LT_SKIP says why.  Sets
#                      LT_VERSION, LT_REF (bench/libtorrent_ref.py)
#   lt_secs FILE       the seconds of the "libtorrent-fetch" line in FILE
#   lt_compare MIB GOAL PCT "KAD SECS..." "LIBTORRENT SECS..."
#                      prints kad's and libtorrent's fetch MB/s (median,
#                      each run, each run against the median, max/min),
#                      kad's median as a ratio to libtorrent's against
#                      GOAL, and, when PCT is not empty, whether every kad
#                      run is within PCT % of kad's median
#
# BENCH_PYTHON (/usr/bin/python3: Debian's python3-libtorrent is built
# for Debian's python) runs bench/libtorrent_ref.py; BENCH_LT=0 skips the
# reference.

# (the LT_ variables are read by the scripts that source this file)
# shellcheck disable=SC2034
LT_PY=${BENCH_PYTHON:-/usr/bin/python3}
LT_REF=$(cd "$(dirname "$0")" && pwd)/libtorrent_ref.py
LT_SKIP=""
LT_VERSION=""

lt_check() {
	if [ "${BENCH_LT:-1}" = 0 ]; then
		LT_SKIP="BENCH_LT=0"
		return 1
	fi
	if ! LT_VERSION=$("$LT_PY" -c \
	    'import libtorrent; print(libtorrent.__version__)' 2>/dev/null); then
		LT_SKIP="$LT_PY cannot import libtorrent (make bench-deps installs python3-libtorrent)"
		return 1
	fi
	return 0
}

lt_secs() { sed -n 's/^libtorrent-fetch \([0-9.]*\) s .*/\1/p' "$1"; }

lt_compare() {
	awk -v mib="$1" -v goal="$2" -v pct="$3" -v k="$4" -v l="$5" '
	function med(a, n,   s, i, j, t) {
		for (i = 1; i <= n; i++) s[i] = a[i]
		for (i = 2; i <= n; i++)
			for (j = i; j > 1 && s[j - 1] > s[j]; j--) {
				t = s[j]; s[j] = s[j - 1]; s[j - 1] = t
			}
		return n % 2 ? s[(n + 1) / 2] : (s[n / 2] + s[n / 2 + 1]) / 2
	}
	# one side: MB/s of each run, against the median, max/min
	function side(name, str,   a, n, i, m, lo, hi, out, w) {
		n = split(str, a, " ")
		if (n == 0) { printf "  %s: no run\n", name; return 0 }
		for (i = 1; i <= n; i++) a[i] = bytes / a[i] / 1e6
		m = med(a, n)
		lo = hi = a[1]
		out = ""
		worst = 0
		for (i = 1; i <= n; i++) {
			if (a[i] < lo) lo = a[i]
			if (a[i] > hi) hi = a[i]
			d = (a[i] / m - 1) * 100
			ad = d < 0 ? -d : d
			if (ad > worst) worst = ad
			out = out sprintf("%s%.2f (%+.0f%%)", i > 1 ? ", " : "", a[i], d)
		}
		printf "  %s fetch: median %.2f MB/s; runs %s; max/min %.2f\n",
		    name, m, out, hi / lo
		return m
	}
	BEGIN {
		bytes = mib * 1048576
		km = side("kad", k)
		kworst = worst
		lm = side("libtorrent", l)
		if (km == 0 || lm == 0) {
			printf "goal: %s MiB fetch >= %sx libtorrent: not measured\n",
			    mib, goal
			exit
		}
		r = km / lm
		printf "goal: %s MiB fetch >= %sx libtorrent: ratio %.2f (%s)\n",
		    mib, goal, r, (r >= goal ? "met" : "missed")
		if (pct != "")
			printf "goal: each kad run within %s%% of the median:" \
			    " worst %.0f%% (%s)\n", pct, kworst,
			    (kworst <= pct + 0 ? "met" : "missed")
	}'
}
