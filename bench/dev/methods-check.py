#!/usr/bin/env python3
"""Dev-only: recompute each few-shot method's test top-1 outside the harness from `--export-features`.

Reads DIR/{train,test}_{features,indices,labels}.npy, DIR/zeroshot_head.npy, DIR/zeroshot.json and
DIR/draws.json (rows per (shots, seed) and each method's recorded hyperparameters), and prints, per
method, shots and seed, the top-1 recomputed here beside the harness's (RESULTS = the run's results.json):
- tip-adapter: the formula s·f·W_zsᵀ + α·exp(−β(1 − f·Kᵀ))·L at the recorded α, β (exact up to float
  rounding and arg-max ties);
- zs-anchored-probe: min Σ CE(y, (V + s·W_zs)·f + b) + ‖V‖²/(2C) by scipy L-BFGS at the recorded C, on
  train + val (an independent solver: agreement to a few test rows is expected, not bit-identity);
- wise: the L2 probe refit the same way at the probe's C, then W(α) = (1−α)·s·W_zs + α·W_p, b(α) = α·b_p at
  the recorded α.
Needs numpy and scipy only.

    /usr/bin/python3 bench/dev/methods-check.py DIR RESULTS [DATASET]
"""
import json
import os
import sys

import numpy as np
from scipy.optimize import minimize


def l2(x):
    x = x.astype(np.float64)
    return x / np.maximum(np.linalg.norm(x, axis=1, keepdims=True), 1e-30)


def fit_l2(X, y, K, C, offsets):
    """sklearn-scaled multinomial L2 logistic regression with fixed per-row logit offsets; returns (V, b)."""
    n, d = X.shape
    Y = np.eye(K)[y]

    def fg(theta):
        V = theta[: K * d].reshape(K, d)
        b = theta[K * d:]
        Z = X @ V.T + b + offsets
        m = Z.max(axis=1, keepdims=True)
        lse = m[:, 0] + np.log(np.exp(Z - m).sum(axis=1))
        f = (lse - Z[np.arange(n), y]).sum() + (V * V).sum() / (2 * C)
        P = np.exp(Z - lse[:, None]) - Y
        return f, np.concatenate([(P.T @ X + V / C).ravel(), P.sum(axis=0)])

    r = minimize(fg, np.zeros(K * d + K), jac=True, method="L-BFGS-B", options={"maxiter": 1000, "gtol": 1e-4})
    return r.x[: K * d].reshape(K, d), r.x[K * d:]


def top1(Z, y):
    return float((Z.argmax(axis=1) == y).mean())


def main(d, results_path, name=None):
    name = name or os.path.basename(os.path.normpath(d))
    Xp, ip, yp = (np.load(os.path.join(d, f"train_{k}.npy")) for k in ("features", "indices", "labels"))
    Xt, yt = l2(np.load(os.path.join(d, "test_features.npy"))), np.load(os.path.join(d, "test_labels.npy"))
    W = np.load(os.path.join(d, "zeroshot_head.npy")).astype(np.float64)
    s = json.load(open(os.path.join(d, "zeroshot.json")))["logitScale"]
    K = W.shape[0]
    pos = {int(v): i for i, v in enumerate(ip)}
    rows = lambda idx: (l2(Xp[[pos[i] for i in idx]]), yp[[pos[i] for i in idx]].astype(int))
    results = json.load(open(results_path))
    rec = next(r for r in results["datasets"] if r["name"] == name and r["shift"] == "none")
    recorded = {(m["method"], str(sh["shots"]), p["seed"]): p["metrics"]["top1"] for m in rec["methods"] for sh in m["shots"] for p in sh["perSeed"]}
    worst = 0.0
    print(f"{'method':<18} {'shots':>5} {'seed':>4} {'here':>8} {'harness':>8}")
    for dr in json.load(open(os.path.join(d, "draws.json")))["draws"]:
        (Xtr, ytr), (Xv, yv) = rows(dr["train"]), rows(dr["val"])
        Xa, ya = np.vstack([Xtr, Xv]), np.concatenate([ytr, yv])
        hp = dr.get("methods", {})
        got = {}
        if "tip-adapter" in hp:
            a, b = hp["tip-adapter"]["alpha"], hp["tip-adapter"]["beta"]
            got["tip-adapter"] = top1(s * Xt @ W.T + a * np.exp(-b * (1 - Xt @ Xtr.T)) @ np.eye(K)[ytr], yt)
        if "zs-anchored-probe" in hp:
            V, b = fit_l2(Xa, ya, K, hp["zs-anchored-probe"]["C"], s * Xa @ W.T)
            got["zs-anchored-probe"] = top1(Xt @ (V + s * W).T + b, yt)
        if "wise" in hp and dr["C"] is not None:
            a = hp["wise"]["alpha"]
            Vp, bp = fit_l2(Xa, ya, K, dr["C"], 0.0)
            got["wise"] = top1(Xt @ ((1 - a) * s * W + a * Vp).T + a * bp, yt)
        for m, v in got.items():
            h = recorded.get((m, str(dr["shots"]), dr["seed"]))
            worst = max(worst, abs(v - h)) if h is not None else worst
            print(f"{m:<18} {dr['shots']:>5} {dr['seed']:>4} {100 * v:8.2f} {100 * h if h is not None else float('nan'):8.2f}")
    print(f"largest |difference|: {100 * worst:.2f} points")


if __name__ == "__main__":
    main(*sys.argv[1:])
