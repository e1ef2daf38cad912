/**
 * Probe fit time against scikit-learn on the same features, side by side in one run (dev-only; needs
 * /usr/bin/python3 with scikit-learn, else it says so and exits). Synthetic CLIP-like features
 * (`syntheticClipFeatures`, 512-d, L2-normalised) at several n, 10 and 345 classes; each case is fitted
 * at C = 1 by our L-BFGS probe and by `LogisticRegression(C=1, solver="lbfgs", max_iter=1000)`,
 * interleaved (ours, sklearn, then sklearn, ours, …) so both see the same machine load. With
 * `--sweep N`, also the whole CoOp C sweep + train+val refit on an N-row train draw (the `--shots all`
 * protocol), ours against the sweep in bench/dev/sklearn-parity.py.
 *
 *   npx tsx bench/probe-vs-sklearn.ts [--cases 10:1000,10:10000,10:45000,345:3450] [--rounds 2]
 *        [--sweep 0] [--kernel auto|onnxruntime|js] [--python /usr/bin/python3] [--out bench/results/probe-vs-sklearn.json]
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { isEntryPoint } from '../src/cli/toolkit.ts';
import { LogisticRegressionProbe, type FitInfo, type ProbeKernel } from '../src/evaluation/probe/logistic-regression.ts';
import { concatProbeData, sweepC } from '../src/evaluation/probe/sweep.ts';
import { writeFileAtomic } from '../src/util/atomic.ts';
import { encodeNpy } from '../src/util/npy.ts';
import { syntheticClipFeatures, type SyntheticFeatures } from './probe-grid.ts';

const D = 512;

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : fallback;
}

// One sklearn fit (or sweep) on .npy files; timed inside Python so interpreter start-up is not counted.
// The objective is reported in our scaling, Σ CE + ‖W‖²/(2C), to compare with FitInfo.objective.
const PY = String.raw`
import importlib.util, json, sys, time, warnings
import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
warnings.simplefilter("ignore", category=ConvergenceWarning)
mode, d, C = sys.argv[1], sys.argv[2], float(sys.argv[3])
X, y = np.load(d + "/train_X.npy"), np.load(d + "/train_y.npy")
if mode == "fit":
    t = time.perf_counter()
    clf = LogisticRegression(C=C, solver="lbfgs", max_iter=1000).fit(X, y)
    s = time.perf_counter() - t
    P = clf.predict_proba(X.astype(np.float64))
    obj = float(-np.log(P[np.arange(len(y)), y]).sum() + 0.5 / C * (clf.coef_ ** 2).sum())
    print(json.dumps({"seconds": s, "iterations": int(clf.n_iter_[0]), "objective": obj, "pred": clf.predict(X).tolist()}))
else:
    spec = importlib.util.spec_from_file_location("parity", "bench/dev/sklearn-parity.py")
    parity = importlib.util.module_from_spec(spec); spec.loader.exec_module(parity)
    Xv, yv = np.load(d + "/val_X.npy"), np.load(d + "/val_y.npy")
    t = time.perf_counter()
    C, val = parity.sweep(X, y, Xv, yv)
    parity.fit(C, np.concatenate([X, Xv]), np.concatenate([y, yv]))
    print(json.dumps({"seconds": time.perf_counter() - t, "C": C, "valAccuracy": val}))
`;

interface SkFit {
  seconds: number;
  iterations: number;
  objective: number;
  pred: number[];
}

function sklearn(python: string, mode: 'fit' | 'sweep', dir: string, C: number): Record<string, unknown> {
  const r = spawnSync(python, ['-c', PY, mode, dir, String(C)], { encoding: 'utf8', maxBuffer: 1 << 28 });
  if (r.status !== 0) throw new Error(`${python} (scikit-learn ${mode}) failed: ${r.stderr.trim().split('\n').pop()}`);
  return JSON.parse(r.stdout);
}

function save(dir: string, split: string, f: { X: Float32Array; y: Int32Array; n: number }): void {
  writeFileSync(join(dir, `${split}_X.npy`), encodeNpy(f.X, [f.n, D]));
  writeFileSync(join(dir, `${split}_y.npy`), encodeNpy(f.y, [f.n]));
}

function median(v: number[]): number {
  const s = [...v].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : 0.5 * (s[s.length / 2 - 1] + s[s.length / 2]);
}

const DEFAULT_CASES: [number, number][] = [[10, 1000], [10, 10000], [10, 45000], [345, 3450]];

export interface ProbeVsSklearnOptions {
  python?: string;
  rounds?: number;
  /** [classes, rows] per case. */
  cases?: [number, number][];
  /** Rows of the whole `--shots all` sweep (0: none). */
  sweepN?: number;
  kernel?: ProbeKernel | 'auto';
  log?: (line: string) => void;
}

/** One fit per side at C = 1, seconds per round. */
export interface ProbeFitRow {
  classes: number;
  n: number;
  d: number;
  C: number;
  oursSeconds: number[];
  sklearnSeconds: number[];
  /** median(ours) / median(sklearn). */
  ratio: number;
  oursIterations: number;
  sklearnIterations: number;
  oursObjective: number;
  sklearnObjective: number;
  trainPredictionAgreement: number;
  kernel: string;
}

/** The whole `--shots all` sweep + refit, one run per side. */
export interface ProbeSweepRow {
  sweep: true;
  classes: number;
  n: number;
  d: number;
  oursSeconds: number;
  sklearnSeconds: number;
  ratio: number;
  oursC: number;
  sklearnC: number;
  fits: number;
}

export type ProbeVsSklearn =
  | { skipped: string }
  | { measured: string; sklearn: string; cores: number; loadavg: number[]; rows: (ProbeFitRow | ProbeSweepRow)[] };

/** One fit (and optionally one sweep) per case, ours and scikit-learn's interleaved; skipped with a note when python has no sklearn. */
export async function measureProbeVsSklearn(opts: ProbeVsSklearnOptions = {}): Promise<ProbeVsSklearn> {
  const python = opts.python ?? '/usr/bin/python3';
  const rounds = opts.rounds ?? 2;
  const sweepN = opts.sweepN ?? 0;
  const kernel = opts.kernel ?? 'auto';
  const cases = opts.cases ?? DEFAULT_CASES;
  const log = opts.log ?? ((line: string) => console.log(line));
  const probe = spawnSync(python, ['-c', 'import sklearn; print(sklearn.__version__)'], { encoding: 'utf8' });
  if (probe.status !== 0) return { skipped: `${python} has no scikit-learn (pip install scikit-learn), so there is nothing to compare against` };
  const sklearnVersion = probe.stdout.trim();
  const dir = mkdtempSync(join(tmpdir(), 'probe-vs-sklearn-'));
  const record: (ProbeFitRow | ProbeSweepRow)[] = [];
  try {
    log(`scikit-learn ${sklearnVersion}, ${availableParallelism()} cores, load ${loadavg()[0].toFixed(1)}; C = 1, ${D}-d, ${rounds} interleaved rounds`);
    log('classes      n   ours s (median)  sklearn s (median)  ratio ours/sk  iters ours/sk   objective rel. gap  train pred. agree  kernel');
    for (const [K, n] of cases) {
      const train: SyntheticFeatures = syntheticClipFeatures(2024, K, D).make('train', Math.ceil(n / K));
      save(dir, 'train', train);
      const ours: number[] = [];
      const sk: number[] = [];
      let fi: FitInfo | undefined;
      let ourPred: Int32Array = new Int32Array(0);
      let skFit: SkFit | undefined;
      for (let r = 0; r < rounds; r++) {
        const runOurs = () => {
          const t = performance.now();
          const p = new LogisticRegressionProbe({ C: 1, kernel }).fit(train.X, train.y, train.n, D, K);
          ours.push((performance.now() - t) / 1000);
          fi = p.fitInfo();
          ourPred = p.predict(train.X, train.n);
        };
        const runSk = () => {
          skFit = sklearn(python, 'fit', dir, 1) as unknown as SkFit;
          sk.push(skFit.seconds);
        };
        if (r % 2 === 0) (runOurs(), runSk());
        else (runSk(), runOurs());
      }
      const agree = ourPred.reduce((a, p, i) => a + (p === skFit!.pred[i] ? 1 : 0), 0) / train.n;
      const row: ProbeFitRow = {
        classes: K,
        n: train.n,
        d: D,
        C: 1,
        oursSeconds: ours,
        sklearnSeconds: sk,
        ratio: median(ours) / median(sk),
        oursIterations: fi!.iterations,
        sklearnIterations: skFit!.iterations,
        oursObjective: fi!.objective,
        sklearnObjective: skFit!.objective,
        trainPredictionAgreement: agree,
        kernel: fi!.kernel,
      };
      record.push(row);
      log(
        `${String(K).padStart(7)} ${String(train.n).padStart(6)}   ${median(ours).toFixed(2).padStart(8)}         ${median(sk).toFixed(2).padStart(8)}          ${row.ratio.toFixed(2).padStart(6)}` +
          `        ${String(fi!.iterations).padStart(4)}/${String(skFit!.iterations).padEnd(4)}      ${((fi!.objective - skFit!.objective) / skFit!.objective).toExponential(1).padStart(9)}          ${(100 * agree).toFixed(2).padStart(6)}%        ${fi!.kernel}`,
      );
    }
    if (sweepN > 0) {
      // The --shots all protocol on 10 classes: 80/20 train/val split of an N-row pool, CoOp sweep, refit.
      const gen = syntheticClipFeatures(2025, 10, D);
      const train = gen.make('train', Math.ceil((0.8 * sweepN) / 10));
      const val = gen.make('val', Math.ceil((0.2 * sweepN) / 10));
      save(dir, 'train', train);
      save(dir, 'val', val);
      const t = performance.now();
      let fits = 0;
      const s = sweepC(train, val, { d: D, numClasses: 10, makeProbe: (C) => new LogisticRegressionProbe({ C, kernel }), onFit: () => fits++ });
      const all = concatProbeData(train, val, D);
      new LogisticRegressionProbe({ C: s.C, kernel }).fit(all.X, all.y, all.n, D, 10);
      const oursSec = (performance.now() - t) / 1000;
      const skRes = sklearn(python, 'sweep', dir, 0) as { seconds: number; C: number };
      const row: ProbeSweepRow = { sweep: true, classes: 10, n: train.n + val.n, d: D, oursSeconds: oursSec, sklearnSeconds: skRes.seconds, ratio: oursSec / skRes.seconds, oursC: s.C, sklearnC: skRes.C, fits: fits + 1 };
      record.push(row);
      log(`sweep + refit, ${row.n} rows: ours ${oursSec.toFixed(1)} s (${fits + 1} fits, C ${s.C.toExponential(2)}), sklearn ${skRes.seconds.toFixed(1)} s (C ${skRes.C.toExponential(2)}): ratio ${row.ratio.toFixed(2)}`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return { measured: new Date().toISOString(), sklearn: sklearnVersion, cores: availableParallelism(), loadavg: loadavg(), rows: record };
}

async function main(): Promise<void> {
  const out = arg('--out', 'bench/results/probe-vs-sklearn.json');
  const res = await measureProbeVsSklearn({
    python: arg('--python', '/usr/bin/python3'),
    rounds: Number(arg('--rounds', '2')),
    sweepN: Number(arg('--sweep', '0')),
    kernel: arg('--kernel', 'auto') as ProbeKernel | 'auto',
    cases: arg('--cases', DEFAULT_CASES.map((c) => c.join(':')).join(',')).split(',').filter(Boolean).map((c) => c.split(':').map(Number) as [number, number]),
  });
  if ('skipped' in res) return console.log(`skipped: ${res.skipped}`);
  await writeFileAtomic(out, JSON.stringify(res, null, 1) + '\n');
  console.log(`wrote ${out}`);
}

if (isEntryPoint(import.meta.url)) {
  main().catch((e) => {
    console.error(e);
    process.exit(1);
  });
}
