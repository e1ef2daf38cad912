#!/usr/bin/env python3
"""Dev-only parity reference for the TypeScript linear probe (never needed by tests or the product).

Reads the cases written by `npx tsx bench/sklearn-parity.ts` (DIR/test_X.npy, DIR/test_y.npy and
DIR/<case>/{train,val}_{X,y}.npy), fits sklearn's LogisticRegression(C, solver="lbfgs",
max_iter=1000) at fixed C values and with the CoOp lpclip C sweep (7-point grid, 8 binary-search
steps, refit on train+val), and writes DIR/sklearn.json with test accuracies.

    /usr/bin/python3 bench/dev/sklearn-parity.py DIR
"""
import json
import math
import os
import sys
import time
import warnings

import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression

warnings.simplefilter("ignore", category=ConvergenceWarning)

GRID = [1e6, 1e4, 1e2, 1, 1e-2, 1e-4, 1e-6]
FIXED_C = [1e-2, 1, 1e2, 1e4]


def fit(C, X, y):
    return LogisticRegression(C=C, solver="lbfgs", max_iter=1000).fit(X, y)


def accuracy(clf, X, y):
    return float(np.mean(clf.predict(X) == y))


def sweep(Xtr, ytr, Xva, yva, steps=8):
    cache = {}

    def score(log_c):
        key = round(log_c, 9)
        if key not in cache:
            cache[key] = accuracy(fit(10.0 ** log_c, Xtr, ytr), Xva, yva)
        return cache[key]

    log_grid = [math.log10(c) for c in GRID]
    accs = [score(lc) for lc in log_grid]
    chosen = log_grid[int(np.argmax(accs))]  # first maximum, in grid order
    lo, hi = chosen - 1, chosen + 1
    for _ in range(steps):
        left, right = score(lo), score(hi)
        mid = 0.5 * (lo + hi)
        if left < right:
            chosen, lo = hi, mid
        else:
            chosen, hi = lo, mid
    return 10.0 ** chosen, score(chosen)


def main():
    root = sys.argv[1]
    Xte = np.load(os.path.join(root, "test_X.npy"))
    yte = np.load(os.path.join(root, "test_y.npy"))
    out = {}
    for case in sorted(os.listdir(root)):
        d = os.path.join(root, case)
        if not os.path.isdir(d):
            continue
        Xtr, ytr = np.load(os.path.join(d, "train_X.npy")), np.load(os.path.join(d, "train_y.npy"))
        Xva, yva = np.load(os.path.join(d, "val_X.npy")), np.load(os.path.join(d, "val_y.npy"))
        res = {"fixed": []}  # in FIXED_C order
        for C in FIXED_C:
            t = time.perf_counter()
            clf = fit(C, Xtr, ytr)
            res["fixed"].append({"C": C, "top1": accuracy(clf, Xte, yte), "iterations": int(clf.n_iter_[0]), "seconds": time.perf_counter() - t})
        t = time.perf_counter()
        C, val_acc = sweep(Xtr, ytr, Xva, yva)
        final = fit(C, np.concatenate([Xtr, Xva]), np.concatenate([ytr, yva]))
        res["sweep"] = {"C": C, "valAccuracy": val_acc, "top1": accuracy(final, Xte, yte), "seconds": time.perf_counter() - t}
        out[case] = res
        print(case, json.dumps(res["sweep"]), flush=True)
    with open(os.path.join(root, "sklearn.json"), "w") as f:
        json.dump(out, f, indent=1)


if __name__ == "__main__":
    main()
