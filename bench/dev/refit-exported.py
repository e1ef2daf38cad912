#!/usr/bin/env python3
"""Dev-only: refit every probe of a run with scikit-learn from its `--export-features` directory.

Reads DIR/{train,test}_{features,indices,labels}.npy and DIR/draws.json (the rows each seed drew and
the C the harness chose), L2-normalises rows as the harness does, fits
LogisticRegression(C, solver="lbfgs", max_iter=1000) on train + val at that C, and prints sklearn's test
top-1 beside the harness's (from RESULTS, the run's results.json).

    /usr/bin/python3 bench/dev/refit-exported.py DIR RESULTS [DATASET]
"""
import json
import os
import sys
import warnings

import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression

warnings.simplefilter("ignore", category=ConvergenceWarning)


def l2(x):
    x = x.astype(np.float64)
    return x / np.maximum(np.linalg.norm(x, axis=1, keepdims=True), 1e-12)


def main(d, results_path, name=None):
    name = name or os.path.basename(os.path.normpath(d))
    Xp, ip, yp = (np.load(os.path.join(d, f"train_{k}.npy")) for k in ("features", "indices", "labels"))
    Xt, yt = np.load(os.path.join(d, "test_features.npy")), np.load(os.path.join(d, "test_labels.npy"))
    row = {int(v): r for r, v in enumerate(ip)}
    results = json.load(open(results_path))
    ds = next(x for x in results["datasets"] if x["name"] == name)
    ours = {(str(p["shots"]), s["seed"]): s["metrics"]["top1"] for p in ds["probes"] for s in p["perSeed"]}
    worst = 0.0
    for dr in json.load(open(os.path.join(d, "draws.json")))["draws"]:
        rows = [row[i] for i in dr["train"] + dr["val"]]
        clf = LogisticRegression(C=dr["C"], solver="lbfgs", max_iter=1000).fit(l2(Xp[rows]), yp[rows])
        acc = float((clf.predict(l2(Xt)) == yt).mean())
        mine = ours[(str(dr["shots"]), dr["seed"])]
        worst = max(worst, abs(acc - mine))
        print(f"{dr['shots']}-shot seed {dr['seed']}: C={dr['C']:.4g} sklearn {100*acc:.2f}%  clip-bench {100*mine:.2f}%  Δ {100*(mine-acc):+.2f} points")
    print(f"worst |Δ| {100*worst:.2f} points")


if __name__ == "__main__":
    main(*sys.argv[1:])
