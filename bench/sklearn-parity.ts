/**
 * Parity of the L-BFGS probe with scikit-learn (dev-only; needs /usr/bin/python3 with sklearn).
 * Writes synthetic CLIP-like k-shot cases as .npy, runs bench/dev/sklearn-parity.py on them, runs our
 * probe on the same files and prints both test accuracies: at fixed C, and after the CoOp C sweep
 * with the train+val refit. Targets: |Δ| ≤ 0.3 points at the same C, ≤ 0.5 after the sweep.
 *
 *   npx tsx bench/sklearn-parity.ts [--dir /tmp/probe-parity] [--python /usr/bin/python3]
 *   npx tsx bench/sklearn-parity.ts --features <dir written by bench --export-features>/cifar10
 *
 * With --features, the cases are drawn from a real run's exported features (train pool and test),
 * L2-normalised as the harness does, instead of synthetic ones.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { LogisticRegressionProbe } from '../src/evaluation/probe/logistic-regression.ts';
import { concatProbeData, selectRows, sweepC, type ProbeData } from '../src/evaluation/probe/sweep.ts';
import type { ProbeFactory } from '../src/evaluation/probe/types.ts';
import { sampleKShot } from '../src/evaluation/sampling.ts';
import { decodeNpy, encodeNpy } from '../src/util/npy.ts';
import { l2NormalizeRows } from '../src/evaluation/normalize.ts';
import { syntheticClipFeatures } from './probe-grid.ts';

const FIXED_C = [1e-2, 1, 1e2, 1e4];
let D = 512;
const K = 10;

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : fallback;
}

function save(file: string, data: Float32Array | Int32Array, shape: number[]): void {
  writeFileSync(file, encodeNpy(data, shape));
}

function load(dir: string, split: string): ProbeData {
  const X = decodeNpy(readFileSync(join(dir, `${split}_X.npy`)), `${split}_X.npy`);
  const y = decodeNpy(readFileSync(join(dir, `${split}_y.npy`)), `${split}_y.npy`);
  return { X: X.data as Float32Array, y: y.data as Int32Array, n: X.shape[0] };
}

function accuracy(pred: Int32Array, y: Int32Array): number {
  let ok = 0;
  for (let i = 0; i < y.length; i++) if (pred[i] === y[i]) ok++;
  return ok / y.length;
}

function exported(dir: string, split: 'train' | 'test'): ProbeData {
  const X = decodeNpy(readFileSync(join(dir, `${split}_features.npy`)), `${split}_features.npy`);
  const y = decodeNpy(readFileSync(join(dir, `${split}_labels.npy`)), `${split}_labels.npy`);
  D = X.shape[1];
  return { X: l2NormalizeRows(X.data as Float32Array, X.shape[0], D), y: y.data as Int32Array, n: X.shape[0] };
}

function writeCases(dir: string, features: string | null): void {
  const gen = syntheticClipFeatures(7);
  const pool = features ? exported(features, 'train') : gen.make('train', 300);
  const test = features ? exported(features, 'test') : gen.make('test', 500);
  mkdirSync(dir, { recursive: true });
  save(join(dir, 'test_X.npy'), test.X, [test.n, D]);
  save(join(dir, 'test_y.npy'), test.y, [test.n]);
  const cases: [string, number | 'all', number][] = [
    ['k01-s1', 1, 1],
    ['k01-s2', 1, 2],
    ['k04-s1', 4, 1],
    ['k04-s2', 4, 2],
    ['k16-s1', 16, 1],
    ['k16-s2', 16, 2],
    ['kall-s1', 'all', 1],
  ];
  for (const [name, k, seed] of cases) {
    const draw = sampleKShot(pool.y, K, k, seed);
    const cdir = join(dir, name);
    mkdirSync(cdir, { recursive: true });
    for (const [split, idx] of [['train', draw.train], ['val', draw.val]] as const) {
      const part = selectRows(pool.X, pool.y, D, idx);
      save(join(cdir, `${split}_X.npy`), part.X, [part.n, D]);
      save(join(cdir, `${split}_y.npy`), part.y, [part.n]);
    }
  }
}

function main(): void {
  const dir = arg('--dir', '/tmp/probe-parity');
  const python = arg('--python', '/usr/bin/python3');
  const features = process.argv.includes('--features') ? arg('--features', '') : null;
  writeCases(dir, features);
  const py = spawnSync(python, ['bench/dev/sklearn-parity.py', dir], { stdio: ['ignore', 'ignore', 'inherit'] });
  if (py.status !== 0) throw new Error(`${python} bench/dev/sklearn-parity.py failed (status ${py.status}); is scikit-learn installed?`);
  const sk = JSON.parse(readFileSync(join(dir, 'sklearn.json'), 'utf8'));

  const test = load(dir, 'test');
  D = test.X.length / test.n;
  const makeProbe: ProbeFactory = (C, init) => new LogisticRegressionProbe({ C, init });
  let worstFixed = 0;
  let worstSweep = 0;
  console.log('case      C        sklearn   ours     Δ(points)  iters sk/ours   seconds sk/ours');
  for (const name of readdirSync(dir).sort()) {
    const cdir = join(dir, name);
    if (!statSync(cdir).isDirectory()) continue;
    const train = load(cdir, 'train');
    const val = load(cdir, 'val');
    FIXED_C.forEach((C, ci) => {
      const t = performance.now();
      const probe = new LogisticRegressionProbe({ C }).fit(train.X, train.y, train.n, D, K);
      const ours = accuracy(probe.predict(test.X, test.n), test.y);
      const secs = (performance.now() - t) / 1000;
      const skRef: { C: number; top1: number; iterations: number; seconds: number } = sk[name].fixed[ci];
      if (skRef.C !== C) throw new Error(`sklearn.json lists C=${skRef.C} where ${C} was expected`);
      const skAcc = skRef.top1;
      const delta = 100 * (ours - skAcc);
      worstFixed = Math.max(worstFixed, Math.abs(delta));
      console.log(
        `${name.padEnd(9)} ${C.toExponential(0).padEnd(8)} ${(100 * skAcc).toFixed(2).padStart(7)}  ${(100 * ours).toFixed(2).padStart(7)}  ${delta.toFixed(2).padStart(7)}` +
          `    ${String(skRef.iterations).padStart(5)}/${String(probe.fitInfo().iterations).padEnd(5)}   ${skRef.seconds.toFixed(3)}/${secs.toFixed(3)}`,
      );
    });
    const t = performance.now();
    const sweep = sweepC(train, val, { d: D, numClasses: K, makeProbe });
    const all = concatProbeData(train, val, D);
    const final = new LogisticRegressionProbe({ C: sweep.C }).fit(all.X, all.y, all.n, D, K);
    const ours = accuracy(final.predict(test.X, test.n), test.y);
    const secs = (performance.now() - t) / 1000;
    const ref = sk[name].sweep;
    const delta = 100 * (ours - ref.top1);
    worstSweep = Math.max(worstSweep, Math.abs(delta));
    console.log(
      `${name.padEnd(9)} sweep    ${(100 * ref.top1).toFixed(2).padStart(7)}  ${(100 * ours).toFixed(2).padStart(7)}  ${delta.toFixed(2).padStart(7)}` +
        `    C sk ${ref.C.toExponential(2)} ours ${sweep.C.toExponential(2)}   ${ref.seconds.toFixed(2)}/${secs.toFixed(2)}`,
    );
  }
  console.log(`worst |Δ| at fixed C: ${worstFixed.toFixed(2)} points (target 0.3); after sweep: ${worstSweep.toFixed(2)} (target 0.5)`);
}

main();
