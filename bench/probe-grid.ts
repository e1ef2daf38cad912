/**
 * The full k-shot probe grid on a CIFAR-10-sized synthetic problem: 10 classes, 512-d L2-normalised
 * features, shots 1, 2, 4, 8, 16 × 5 seeds, each with the CoOp C sweep (7 grid + 8 binary steps) and a
 * train+val refit scored on a 10 000-example test set. Budget: < 10 s on 2 cores.
 *
 *   npx tsx bench/probe-grid.ts [--seeds 5] [--warm-start] [--no-row-space]
 */
import { pathToFileURL } from 'node:url';
import { classificationMetrics } from '../src/evaluation/metrics.ts';
import { LogisticRegressionProbe } from '../src/evaluation/probe/logistic-regression.ts';
import { concatProbeData, selectRows, sweepC, type ProbeData } from '../src/evaluation/probe/sweep.ts';
import type { ProbeFactory } from '../src/evaluation/probe/types.ts';
import { sampleKShot } from '../src/evaluation/sampling.ts';
import { mean, sampleStd } from '../src/evaluation/statistics.ts';
import { Rng, deriveSeed } from '../src/util/rng.ts';

export interface SyntheticFeatures {
  X: Float32Array;
  y: Int32Array;
  n: number;
  d: number;
  numClasses: number;
}

/**
 * CLIP-like features: a large shared component (CLIP image embeddings have pairwise cosine ≈ 0.5), a
 * class direction, spread along the other class directions (irreducible confusion), correlated "nuisance" variation (32 random factors) and isotropic noise, then
 * L2-normalised. `separation` scales the class directions (≈ difficulty).
 */
export function syntheticClipFeatures(seed: number, numClasses = 10, d = 512, separation = 1.5, noise = 5, nuisance = 0.3, overlap = 0.22): {
  make: (split: string, perClassN: number) => SyntheticFeatures;
} {
  const rng = new Rng(deriveSeed(seed, 'synthetic/structure'));
  const shared = Float64Array.from({ length: d }, () => rng.normal() / Math.sqrt(d));
  const classDir = Array.from({ length: numClasses }, () => Float64Array.from({ length: d }, () => (separation * rng.normal()) / Math.sqrt(d)));
  const F = 32;
  const factors = Array.from({ length: F }, () => Float64Array.from({ length: d }, () => (nuisance * rng.normal()) / Math.sqrt(d)));
  const make = (split: string, perClassN: number): SyntheticFeatures => {
    const r = new Rng(deriveSeed(seed, `synthetic/${split}`));
    const n = perClassN * numClasses;
    const X = new Float32Array(n * d);
    const y = new Int32Array(n);
    const v = new Float64Array(d);
    for (let i = 0; i < n; i++) {
      const c = i % numClasses;
      y[i] = c;
      for (let j = 0; j < d; j++) v[j] = shared[j] + classDir[c][j] + (noise * r.normal()) / Math.sqrt(d);
      // Within-class spread along the other classes' directions: irreducible confusion.
      for (let c2 = 0; c2 < numClasses; c2++) {
        const z = overlap * r.normal();
        const cd = classDir[c2];
        for (let j = 0; j < d; j++) v[j] += z * cd[j];
      }
      for (let f = 0; f < F; f++) {
        const z = r.normal();
        const fv = factors[f];
        for (let j = 0; j < d; j++) v[j] += z * fv[j];
      }
      let ss = 0;
      for (let j = 0; j < d; j++) ss += v[j] * v[j];
      const inv = 1 / Math.sqrt(ss);
      for (let j = 0; j < d; j++) X[i * d + j] = v[j] * inv;
    }
    return { X, y, n, d, numClasses };
  };
  return { make };
}

export interface GridRow {
  shots: number;
  seed: number;
  C: number;
  fits: number;
  top1: number;
  seconds: number;
}

export function runProbeGrid(
  pool: SyntheticFeatures,
  test: SyntheticFeatures,
  shots: number[],
  seeds: number[],
  makeProbe: ProbeFactory,
  warmStart = false,
): GridRow[] {
  const { d, numClasses } = pool;
  const rows: GridRow[] = [];
  for (const k of shots) {
    for (const seed of seeds) {
      const t0 = performance.now();
      const draw = sampleKShot(pool.y, numClasses, k, seed);
      const train = selectRows(pool.X, pool.y, d, draw.train);
      const val = selectRows(pool.X, pool.y, d, draw.val);
      const sweep = sweepC(train, val, { d, numClasses, makeProbe, warmStart });
      const all: ProbeData = concatProbeData(train, val, d);
      const final = makeProbe(sweep.C, warmStart ? sweep.probe.weights?.() : undefined).fit(all.X, all.y, all.n, d, numClasses);
      const m = classificationMetrics(final.decisionFunction(test.X, test.n), test.y, numClasses);
      rows.push({ shots: k, seed, C: sweep.C, fits: sweep.fits + 1, top1: m.top1, seconds: (performance.now() - t0) / 1000 });
    }
  }
  return rows;
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const nSeeds = args.includes('--seeds') ? Number(args[args.indexOf('--seeds') + 1]) : 5;
  const warmStart = args.includes('--warm-start');
  const reduceToRowSpace = !args.includes('--no-row-space');
  const shots = [1, 2, 4, 8, 16];
  const seeds = Array.from({ length: nSeeds }, (_, i) => i + 1);

  const tg = performance.now();
  const gen = syntheticClipFeatures(2024);
  const pool = gen.make('train', 100); // 1000-example pool: ≥ 20 per class covers 16 shots + 4 val
  const test = gen.make('test', 1000); // 10 000 test examples
  console.log(`synthetic features: ${((performance.now() - tg) / 1000).toFixed(2)} s (not counted)`);

  const makeProbe: ProbeFactory = (C, init) => new LogisticRegressionProbe({ C, init, reduceToRowSpace });
  const t0 = performance.now();
  const rows = runProbeGrid(pool, test, shots, seeds, makeProbe, warmStart);
  const total = (performance.now() - t0) / 1000;

  console.log(`warm start: ${warmStart}, row space: ${reduceToRowSpace}`);
  console.log('shots  top1 mean (std)    C chosen (per seed)                      fits  seconds');
  for (const k of shots) {
    const r = rows.filter((x) => x.shots === k);
    const accs = r.map((x) => 100 * x.top1);
    console.log(
      `${String(k).padStart(5)}  ${mean(accs).toFixed(2).padStart(6)} (${sampleStd(accs).toFixed(2)})  ` +
        `${r.map((x) => x.C.toExponential(1)).join(' ').padEnd(40)} ${String(r.reduce((a, x) => a + x.fits, 0)).padStart(5)}  ${r.reduce((a, x) => a + x.seconds, 0).toFixed(2)}`,
    );
  }
  console.log(`total grid time: ${total.toFixed(2)} s for ${rows.length} (shots, seed) runs`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) main().catch((e) => {
  console.error(e);
  process.exit(1);
});
