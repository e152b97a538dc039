# SPDX-License-Identifier: ISC
# ec30_killset.py T [TARGET]: for EC_KILL_CMD, a kill set of n2, n3 (which
# holds the fetched file) and 7 others whose dead top-2 pairs own about
# TARGET (0.19) of the keyspace; reads $T/snap0/nN.status (EC_SNAP=1)
import os, sys, random
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from ec30_model import top2
T = sys.argv[1]; target = float(sys.argv[2]) if len(sys.argv) > 2 else 0.19
ids = {}
for i in range(1, 31):
    for l in open(f"{T}/snap0/n{i}.status"):
        if l.startswith("node-id: "): ids[i] = int(l.split()[1], 16) >> 192
inv = {v: k for k, v in ids.items()}
sh = {(inv[a], inv[b]): v for (a, b), v in top2(tuple(ids.values()), 0).items()}
rnd = random.Random(1)
best = None
others = [i for i in range(4, 31)]
for _ in range(20000):
    ks = set(rnd.sample(others, 7)) | {2, 3}
    p = sum(v for (a, b), v in sh.items() if a in ks and b in ks)
    if best is None or abs(p - target) < abs(best[0] - target):
        best = (p, ks)
print("# kill set p=%.4f" % best[0], file=sys.stderr)
print(" ".join(map(str, sorted(best[1]))))
