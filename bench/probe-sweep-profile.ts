/**
 * Where the time of one seed's probe goes: the CoOp C sweep and the train+val refit on a real run's
 * exported features, fit by fit (C, rows, rank optimised, L-BFGS iterations and evaluations, how the
 * fit stopped, seconds, milliseconds per evaluation). Rows and draws are exactly the run's (draws.json),
 * L2-normalised as the harness does.
 *
 *   npm run bench -- --dataset quickdraw --shots 4 --export-features /tmp/feats   (any run that drew them)
 *   npx tsx bench/probe-sweep-profile.ts --features /tmp/feats/quickdraw [--shots 4] [--seed 0]
 *        [--kernel auto|onnxruntime|js] [--threads 1] [--out bench/results/probe-sweep-profile.json]
 *        [--staircase] [--kernel-rounds N] [--parity C] [--test-at C1,C2,…] [--no-sweep]
 *
 * --staircase fits with the staircase graph (LogisticRegressionProbe's `staircase` option).
 * --kernel-rounds N first times one loss-and-gradient evaluation on the seed's row-space training matrix,
 * the dense onnxruntime graph against the staircase one, interleaved for N rounds (medians and minima).
 * --parity C fits this seed's train rows at C with our probe and with scikit-learn's lbfgs (needs
 * /usr/bin/python3 with scikit-learn) and compares validation accuracy, iterations and objective.
 * --test-at C1,C2 refits train+val at each C (as the harness does after the sweep) and prints test top-1.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { availableParallelism, loadavg } from 'node:os';
import { join } from 'node:path';
import { gatherPoolRows } from '../src/evaluation/linear-probe.ts';
import { l2NormalizeRows } from '../src/evaluation/normalize.ts';
import { LogisticRegressionProbe, type FitInfo, type ProbeKernel } from '../src/evaluation/probe/logistic-regression.ts';
import { concatProbeData, sweepC, type ProbeData } from '../src/evaluation/probe/sweep.ts';
import { rowSpaceBasis } from '../src/evaluation/probe/logistic-regression.ts';
import { ortGemm } from '../src/evaluation/probe/ort-native.ts';
import { ortObjective, ortStaircaseObjective } from '../src/evaluation/probe/ort-objective.ts';
import { writeFileAtomic } from '../src/util/atomic.ts';
import { decodeNpy, encodeNpy } from '../src/util/npy.ts';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : fallback;
}

interface FitRow extends FitInfo {
  phase: 'sweep' | 'refit';
  C: number;
  n: number;
  seconds: number;
  msPerEvaluation: number;
  valAccuracy?: number;
}

async function main(): Promise<void> {
  const dir = arg('--features', '');
  if (!dir) throw new Error('--features <dir> is required: a dataset folder written by bench --export-features');
  const shots = arg('--shots', '4');
  const seed = Number(arg('--seed', '0'));
  const kernel = arg('--kernel', 'auto') as ProbeKernel | 'auto';
  const threads = Number(arg('--threads', '1'));
  const out = arg('--out', '');
  const staircase = process.argv.includes('--staircase');

  const feats = decodeNpy(readFileSync(join(dir, 'train_features.npy')), 'train_features.npy');
  const indices = decodeNpy(readFileSync(join(dir, 'train_indices.npy')), 'train_indices.npy').data as Int32Array;
  const labels = decodeNpy(readFileSync(join(dir, 'train_labels.npy')), 'train_labels.npy').data as Int32Array;
  const classes = JSON.parse(readFileSync(join(dir, 'classes.json'), 'utf8')) as string[];
  const draws = JSON.parse(readFileSync(join(dir, 'draws.json'), 'utf8')).draws as { shots: number | 'all'; seed: number; train: number[]; val: number[] }[];
  const draw = draws.find((x) => String(x.shots) === shots && x.seed === seed);
  if (!draw) throw new Error(`${dir}/draws.json has no ${shots}-shot draw for seed ${seed}`);
  const d = feats.shape[1];
  const K = classes.length;
  const labelOf = new Map<number, number>();
  indices.forEach((r, i) => labelOf.set(r, labels[i]));
  const take = (rows: number[]): ProbeData => {
    const idx = Int32Array.from(rows);
    return { X: l2NormalizeRows(gatherPoolRows(feats.data as Float32Array, indices, idx, d), idx.length, d), y: Int32Array.from(rows, (r) => labelOf.get(r)!), n: idx.length };
  };
  const train = take(draw.train);
  const val = take(draw.val);

  const kernelRounds = Number(arg('--kernel-rounds', '0'));
  let kernels: Record<string, number> | undefined;
  if (kernelRounds > 0) kernels = compareKernels(train, d, K, threads, kernelRounds);
  const parityC = arg('--parity', '');
  let parity: Record<string, number> | undefined;
  if (parityC) parity = sklearnParity(train, val, d, K, Number(parityC), threads);
  const testAt = arg('--test-at', '').split(',').filter(Boolean).map(Number);
  let testTop1: Record<string, number> | undefined;
  if (testAt.length) {
    const testX = decodeNpy(readFileSync(join(dir, 'test_features.npy')), 'test_features.npy');
    const testY = decodeNpy(readFileSync(join(dir, 'test_labels.npy')), 'test_labels.npy').data as Int32Array;
    const nTest = testY.length;
    const Xt = l2NormalizeRows(testX.data as Float32Array, nTest, d);
    const all = concatProbeData(train, val, d);
    testTop1 = {};
    for (const C of testAt) {
      const pred = new LogisticRegressionProbe({ C, threads }).fit(all.X, all.y, all.n, d, K).predict(Xt, nTest);
      testTop1[String(C)] = pred.reduce((a, c, i) => a + (c === testY[i] ? 1 : 0), 0) / nTest;
      console.log(`refit on train+val at C=${C}: test top-1 ${(100 * testTop1[String(C)]).toFixed(2)}% (${nTest} rows)`);
    }
  }
  if (process.argv.includes('--no-sweep')) {
    if (out) await writeFileAtomic(out, JSON.stringify({ measured: new Date().toISOString(), features: dir, shots, seed, classes: K, d, threads, cores: availableParallelism(), loadavg: loadavg(), kernels, parity, testTop1 }, null, 1) + '\n');
    return;
  }

  const rows: FitRow[] = [];
  const record = (phase: FitRow['phase'], probe: LogisticRegressionProbe, n: number, seconds: number) => {
    const { C } = probe;
    const info = probe.fitInfo();
    const row = { phase, C, n, seconds, msPerEvaluation: (1000 * seconds) / Math.max(1, info.evaluations), ...info };
    rows.push(row);
    console.log(
      `${phase.padEnd(5)} C=${C.toExponential(2).padEnd(9)} n=${n} rank ${info.rank}: ${String(info.iterations).padStart(4)} iter, ${String(info.evaluations).padStart(4)} evals, stop ${info.stop.padEnd(7)} ` +
        `${seconds.toFixed(1).padStart(7)} s (${row.msPerEvaluation.toFixed(1)} ms/eval, ${info.kernel})`,
    );
  };
  class TimedProbe extends LogisticRegressionProbe {
    constructor(
      C: number,
      private readonly phase: FitRow['phase'],
    ) {
      super({ C, kernel, threads, staircase });
    }
    override fit(X: Float32Array, y: Int32Array, n: number, dim: number, numClasses: number): this {
      const t = performance.now();
      super.fit(X, y, n, dim, numClasses);
      record(this.phase, this, n, (performance.now() - t) / 1000);
      return this;
    }
  }

  console.log(`${dir}: ${shots}-shot seed ${seed}, ${K} classes, ${d}-d, train ${train.n}, val ${val.n}; ${threads} thread(s), ${availableParallelism()} cores, load ${loadavg()[0].toFixed(1)}`);
  const t0 = performance.now();
  const s = sweepC(train, val, { d, numClasses: K, makeProbe: (C) => new TimedProbe(C, 'sweep') });
  const all = concatProbeData(train, val, d);
  new TimedProbe(s.C, 'refit').fit(all.X, all.y, all.n, d, K);
  const total = (performance.now() - t0) / 1000;
  const valOf = new Map(s.trace.map((p) => [p.C.toPrecision(12), p.valAccuracy]));
  for (const r of rows) if (r.phase === 'sweep') r.valAccuracy = valOf.get(r.C.toPrecision(12));
  const maxIter = rows.filter((r) => r.stop === 'maxIter').length;
  console.log(`seed total ${total.toFixed(1)} s: ${rows.length} fits (${maxIter} at max_iter), ${rows.reduce((a, r) => a + r.iterations, 0)} iterations; C chosen ${s.C.toExponential(3)}, val ${(100 * s.valAccuracy).toFixed(2)}%`);
  if (out) {
    await writeFileAtomic(out, JSON.stringify({ measured: new Date().toISOString(), features: dir, shots, seed, classes: K, d, threads, cores: availableParallelism(), loadavg: loadavg(), kernels, parity, chosenC: s.C, valAccuracy: s.valAccuracy, totalSeconds: total, fits: rows }, null, 1) + '\n');
    console.log(`wrote ${out}`);
  }
}

// scikit-learn at one C on .npy files; objective in our scaling, Σ CE + ‖W‖²/(2C).
const PY = String.raw`
import json, sys, time, warnings
import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
warnings.simplefilter("ignore", category=ConvergenceWarning)
d, C = sys.argv[1], float(sys.argv[2])
X, y, Xv, yv = (np.load(d + f) for f in ("/X.npy", "/y.npy", "/Xv.npy", "/yv.npy"))
t = time.perf_counter()
clf = LogisticRegression(C=C, solver="lbfgs", max_iter=1000).fit(X, y)
s = time.perf_counter() - t
P = clf.predict_proba(X.astype(np.float64))
obj = float(-np.log(P[np.arange(len(y)), np.searchsorted(clf.classes_, y)]).sum() + 0.5 / C * (clf.coef_ ** 2).sum())
print(json.dumps({"seconds": s, "iterations": int(clf.n_iter_[0]), "objective": obj, "valAccuracy": float((clf.predict(Xv) == yv).mean())}))
`;

function sklearnParity(train: ProbeData, val: ProbeData, d: number, K: number, C: number, threads: number): Record<string, number> {
  const dir = mkdtempSync(join(tmpdir(), 'probe-parity-'));
  try {
    writeFileSync(join(dir, 'X.npy'), encodeNpy(train.X, [train.n, d]));
    writeFileSync(join(dir, 'y.npy'), encodeNpy(train.y, [train.n]));
    writeFileSync(join(dir, 'Xv.npy'), encodeNpy(val.X, [val.n, d]));
    writeFileSync(join(dir, 'yv.npy'), encodeNpy(val.y, [val.n]));
    const valAccuracy = (p: LogisticRegressionProbe) => p.predict(val.X, val.n).reduce((a, c, i) => a + (c === val.y[i] ? 1 : 0), 0) / val.n;
    // Both graphs: the staircase computes the same function, but at large C L-BFGS follows rounding.
    const dense = new LogisticRegressionProbe({ C, threads, staircase: false }).fit(train.X, train.y, train.n, d, K);
    const denseVal = valAccuracy(dense);
    console.log(`dense graph at C=${C}: val top-1 ${(100 * denseVal).toFixed(2)}%, ${dense.fitInfo().iterations} iterations, objective ${dense.fitInfo().objective.toPrecision(6)}`);
    const t = performance.now();
    const ours = new LogisticRegressionProbe({ C, threads, staircase: true }).fit(train.X, train.y, train.n, d, K);
    const oursSeconds = (performance.now() - t) / 1000;
    const oursVal = valAccuracy(ours);
    const r = spawnSync('/usr/bin/python3', ['-c', PY, dir, String(C)], { encoding: 'utf8', maxBuffer: 1 << 26 });
    if (r.status !== 0) throw new Error(`scikit-learn failed: ${r.stderr.trim().split('\n').pop()}`);
    const sk = JSON.parse(r.stdout) as { seconds: number; iterations: number; objective: number; valAccuracy: number };
    const info = ours.fitInfo();
    const out = { C, denseValAccuracy: denseVal, denseIterations: dense.fitInfo().iterations, denseObjective: dense.fitInfo().objective, oursValAccuracy: oursVal, sklearnValAccuracy: sk.valAccuracy, oursIterations: info.iterations, sklearnIterations: sk.iterations, oursObjective: info.objective, sklearnObjective: sk.objective, oursSeconds, sklearnSeconds: sk.seconds };
    console.log(
      `parity at C=${C}: val top-1 staircase ${(100 * oursVal).toFixed(2)}% vs sklearn ${(100 * sk.valAccuracy).toFixed(2)}% (Δ ${(100 * (oursVal - sk.valAccuracy)).toFixed(2)} points); ` +
        `iterations ${info.iterations}/${sk.iterations}; objective ${info.objective.toPrecision(6)}/${sk.objective.toPrecision(6)}; ${oursSeconds.toFixed(0)} s / ${sk.seconds.toFixed(0)} s`,
    );
    return out;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** ms per evaluation of the dense and the staircase graph on the same row-space matrix, interleaved. */
function compareKernels(train: ProbeData, d: number, K: number, threads: number, rounds: number): Record<string, number> {
  const { X, y, n } = train;
  const gemm = (A: Float64Array, B: Float64Array, p: number, q: number, k: number, t: boolean, acc?: { C: Float64Array; alpha: number }) => ortGemm(A, B, p, q, k, t, threads, acc);
  const { Q, rank, rankAfter } = rowSpaceBasis(X, n, d, gemm);
  const Xr = ortGemm(Float64Array.from(X), Q, n, rank, d, true, threads);
  const dense = ortObjective(Xr, y, n, rank, K, threads);
  const stair = ortStaircaseObjective(Xr, rankAfter, y, n, rank, K, threads);
  const params = Float64Array.from({ length: K * rank + K }, (_, i) => 0.1 * Math.sin(i));
  const grad = new Float64Array(params.length);
  const D: number[] = [];
  const S: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const order = r % 2 === 0 ? [dense, stair] : [stair, dense];
    for (const f of order) {
      const t = performance.now();
      f(params, 1, grad);
      (f === dense ? D : S).push(performance.now() - t);
    }
  }
  const med = (v: number[]) => [...v].sort((a, b) => a - b)[v.length >> 1];
  const out = { rows: n, rank, denseMedianMs: med(D), staircaseMedianMs: med(S), denseMinMs: Math.min(...D), staircaseMinMs: Math.min(...S), rounds };
  console.log(
    `loss+gradient at ${n} × ${rank}, ${K} classes, ${rounds} interleaved rounds: dense ${out.denseMedianMs.toFixed(0)} ms median (min ${out.denseMinMs.toFixed(0)}), ` +
      `staircase ${out.staircaseMedianMs.toFixed(0)} ms (min ${out.staircaseMinMs.toFixed(0)}): ${(out.denseMedianMs / out.staircaseMedianMs).toFixed(2)}× by medians, load ${loadavg()[0].toFixed(1)}`,
  );
  return out;
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
