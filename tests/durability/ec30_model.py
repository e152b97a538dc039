# SPDX-License-Identifier: ISC
# ec30_model.py SEED RUNS: what ec30.sh can expect from the topology
# alone (issue 13).
# Predicted ec30 outcome from the topology alone (exact keyspace
# shares): 30 random node IDs, every chunk on its 2 XOR-closest nodes,
# 9 random nodes killed; a run's chunks are lost with probability p_run
# (the share of keyspace whose 2 closest nodes both died), and its
# stripes (400 + 17 of 64+24, 48+19, 51+20, 3+5) fail past their parity.
import random, sys
from math import comb
from functools import lru_cache
B = 64
def split(S, d):
    a = tuple(s for s in S if not (s >> (B - 1 - d)) & 1)
    b = tuple(s for s in S if (s >> (B - 1 - d)) & 1)
    return a, b
def top1(S, d):
    if len(S) == 1: return {S[0]: 1.0}
    out = {}
    a, b = split(S, d)
    for c, o in ((a, b), (b, a)):
        for k, v in top1(c if c else o, d + 1).items():
            out[k] = out.get(k, 0) + v / 2
    return out
def top2(S, d):
    out = {}
    a, b = split(S, d)
    for c, o in ((a, b), (b, a)):
        if len(c) >= 2: part = top2(c, d + 1)
        elif len(c) == 1: part = {(c[0], t): v for t, v in top1(o, d + 1).items()}
        else: part = top2(o, d + 1)
        for k, v in part.items():
            k = tuple(sorted(k)); out[k] = out.get(k, 0) + v / 2
    return out
stripes = [(64, 24)] * 417 + [(48, 19), (51, 20), (3, 5)]
def tail(n, p, t):
    return sum(comb(n, x) * p**x * (1-p)**(n-x) for x in range(t+1, n+1))
def pfail(p):
    ok = 1.0
    for k, m in stripes: ok *= 1 - tail(k + m, p, m)
    return 1 - ok
if __name__ == "__main__":
    rnd = random.Random(int(sys.argv[1])); R = int(sys.argv[2])
    ps = []; pf = 0
    for r in range(R):
        ids = [rnd.getrandbits(B) for _ in range(30)]
        dead = set(rnd.sample(ids, 9))
        sh = top2(tuple(ids), 0)
        p = sum(v for (x, y), v in sh.items() if x in dead and y in dead)
        ps.append(p); pf += pfail(p)
    ps.sort()
    q = lambda f: ps[int(f * (R - 1))]
    print("runs %d: p mean %.4f median %.4f p90 %.4f p95 %.4f max %.4f" % (R, sum(ps)/R, q(.5), q(.9), q(.95), ps[-1]))
    print("P(a run fails) = %.3f; P(p >= 0.15) = %.3f" % (pf / R, sum(p >= .15 for p in ps) / R))
