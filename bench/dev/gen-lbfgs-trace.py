#!/usr/bin/env python3
"""Dev-only: scipy L-BFGS-B's iterates on small multinomial logistic-regression problems, as scikit-learn 1.2's
`LogisticRegression(solver="lbfgs")` runs them (objective Σ CE + ‖W‖²/(2C), intercept unpenalised,
gtol = tol = 1e-4, scipy's default ftol, maxiter 1000), written as the fixture that
test/evaluation/lbfgs-scipy.test.ts checks our L-BFGS against (issue 18: the same line search and step rules
make the same iterates, up to rounding).

    /usr/bin/python3 bench/dev/gen-lbfgs-trace.py > test/fixtures/probe/lbfgs-scipy-trace.json
"""
import json

import numpy as np
import scipy
from scipy.optimize import minimize
from scipy.special import logsumexp


def problem(seed, n, d, m, spread):
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(m, d))
    y = np.arange(n) % m
    X = centres[y] * spread + rng.normal(size=(n, d))
    X /= np.linalg.norm(X, axis=1, keepdims=True)
    return np.round(X, 6), y


def objective(X, y, m, C):
    n, d = X.shape
    Y = np.eye(m)[y]

    def fg(w):
        W, b = w[: m * d].reshape(m, d), w[m * d :]
        z = X @ W.T + b
        lse = logsumexp(z, axis=1)
        f = float(np.sum(lse - z[np.arange(n), y]) + 0.5 / C * np.sum(W * W))
        R = np.exp(z - lse[:, None]) - Y
        g = np.concatenate([(R.T @ X + W / C).ravel(), R.sum(axis=0)])
        return f, g

    return fg


cases = []
for seed, n, d, m, spread, C in [(0, 60, 8, 4, 0.8, 1.0), (1, 60, 8, 4, 1.5, 1e4), (2, 40, 20, 5, 0.5, 1e6), (3, 90, 6, 3, 0.3, 0.01)]:
    X, y = problem(seed, n, d, m, spread)
    fg = objective(X, y, m, C)
    trace = []
    res = minimize(fg, np.zeros(m * d + m), method="L-BFGS-B", jac=True, callback=lambda xk: trace.append(fg(xk)[0]), options={"gtol": 1e-4, "maxiter": 1000})
    cases.append({"n": n, "d": d, "m": m, "C": C, "X": X.ravel().tolist(), "y": y.tolist(), "f": trace, "nit": int(res.nit), "nfev": int(res.nfev), "message": str(res.message)})
print(json.dumps({"scipy": scipy.__version__, "cases": cases}))
