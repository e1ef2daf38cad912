#!/usr/bin/env python3
"""Dev-only: scikit-learn running the complete CoOp lpclip / CLIP A.3 C search on exported draws.

Reads an `--export-features` directory (DIR/{train,test}_{features,indices,labels}.npy, DIR/draws.json),
L2-normalises rows as the harness does and, per drawn (shots, seed):
  1. fits LogisticRegression(C, solver="lbfgs", max_iter=1000) (cold start, as CoOp) on the train rows for
     each C of CoOp's grid [1e6, 1e4, 1e2, 1, 1e-2, 1e-4, 1e-6] and takes the best validation accuracy
     (np.argmax: ties go to the first in that list, i.e. the larger C);
  2. bisects 8 times in log10 C on [peak/10, peak*10]: the right end is chosen only when strictly better
     (CoOp `lpclip/linear_probe.py`), else the left end; the C of the last step is the answer;
  3. refits on train + val at that C (CLIP A.3) and scores the test set.
Fits are memoised by C (a deterministic solver gives the same model again). Prints per seed the chosen C,
its validation accuracy, test top-1 and wall time; with --json FILE also writes them. --at C1,C2,.. refits
on train + val at the given C per seed instead (check (b) of issue 18), no search.

    /usr/bin/python3 bench/dev/coop-search-exported.py DIR [--shots 4] [--seeds 0,1,2] [--classes N] [--json out.json] [--at C0,C1,C2]
"""
import argparse
import json
import os
import time
import warnings

import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression

warnings.simplefilter("ignore", category=ConvergenceWarning)

GRID = [1e6, 1e4, 1e2, 1, 1e-2, 1e-4, 1e-6]


def l2(x):
    x = x.astype(np.float64)
    return x / np.maximum(np.linalg.norm(x, axis=1, keepdims=True), 1e-12)


def fit(X, y, C):
    return LogisticRegression(C=C, solver="lbfgs", max_iter=1000).fit(X, y)


def coop_search(Xtr, ytr, Xva, yva, steps=8, log=print):
    memo = {}

    def score(logc):
        key = f"{logc:.9f}"
        if key not in memo:
            t = time.time()
            clf = fit(Xtr, ytr, 10.0 ** logc)
            memo[key] = float((clf.predict(Xva) == yva).mean())
            log(f"  C={10.0 ** logc:.6g} val {100 * memo[key]:.2f}% ({time.time() - t:.1f} s, {int(np.max(clf.n_iter_))} it)")
        return memo[key]

    accs = [score(np.log10(c)) for c in GRID]
    peak = int(np.argmax(accs))  # ties: the first in GRID order
    chosen = np.log10(GRID[peak])
    lo, hi = chosen - 1, chosen + 1
    for _ in range(steps):
        left, right = score(lo), score(hi)
        mid = 0.5 * (lo + hi)
        if left < right:
            chosen, lo = hi, mid
        else:
            chosen, hi = lo, mid
    return 10.0 ** chosen, score(chosen), len(memo)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("dir")
    ap.add_argument("--shots", default="4")
    ap.add_argument("--seeds", default=None)
    ap.add_argument("--json", default=None)
    ap.add_argument("--at", default=None, help="comma-separated C per seed: refit only")
    ap.add_argument("--classes", type=int, default=None, help="only the first N classes (train, val and test rows)")
    a = ap.parse_args()
    d = a.dir
    Xp, ip, yp = (np.load(os.path.join(d, f"train_{k}.npy")) for k in ("features", "indices", "labels"))
    Xt, yt = l2(np.load(os.path.join(d, "test_features.npy"))), np.load(os.path.join(d, "test_labels.npy"))
    if a.classes is not None:
        Xt, yt = Xt[yt < a.classes], yt[yt < a.classes]
    row = {int(v): r for r, v in enumerate(ip)}
    draws = [dr for dr in json.load(open(os.path.join(d, "draws.json")))["draws"] if str(dr["shots"]) == a.shots]
    if a.seeds is not None:
        want = [int(s) for s in a.seeds.split(",")]
        draws = [dr for dr in draws if dr["seed"] in want]
    at = [float(c) for c in a.at.split(",")] if a.at else None
    out = []
    for i, dr in enumerate(draws):
        tr, va = [row[j] for j in dr["train"]], [row[j] for j in dr["val"]]
        if a.classes is not None:
            tr, va = [r for r in tr if yp[r] < a.classes], [r for r in va if yp[r] < a.classes]
        t0 = time.time()
        print(f"{dr['shots']}-shot seed {dr['seed']}: {len(tr)} train, {len(va)} val rows", flush=True)
        if at is None:
            C, val_acc, fits = coop_search(l2(Xp[tr]), yp[tr], l2(Xp[va]), yp[va], log=lambda s: print(s, flush=True))
        else:
            C, val_acc, fits = at[i], None, 0
        clf = fit(l2(Xp[tr + va]), yp[tr + va], C)
        top1 = float((clf.predict(Xt) == yt).mean())
        secs = time.time() - t0
        rec = {"shots": dr["shots"], "seed": dr["seed"], "C": C, "valAccuracy": val_acc, "top1": top1, "fits": fits, "seconds": secs}
        out.append(rec)
        va_s = "-" if val_acc is None else f"{100 * val_acc:.2f}%"
        print(f"{dr['shots']}-shot seed {dr['seed']}: C={C:.6g} val {va_s} test top-1 {100 * top1:.2f}% ({fits} fits, {secs:.1f} s)", flush=True)
    if out:
        print(f"mean test top-1 {100 * np.mean([r['top1'] for r in out]):.2f}%")
    if a.json:
        tmp = a.json + ".tmp"
        json.dump({"sklearn": __import__("sklearn").__version__, "seeds": out}, open(tmp, "w"), indent=1)
        os.replace(tmp, a.json)


if __name__ == "__main__":
    main()
