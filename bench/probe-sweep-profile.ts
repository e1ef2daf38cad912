/**
 * Where the time of one seed's probe goes: the CoOp C sweep and the train+val refit on a real run's
 * exported features, fit by fit (C, rows, rank optimised, L-BFGS iterations and evaluations, how the
 * fit stopped, seconds, milliseconds per evaluation). Rows and draws are exactly the run's (draws.json),
 * L2-normalised as the harness does.
 *
 *   npm run bench -- --dataset quickdraw --shots 4 --export-features /tmp/feats   (any run that drew them)
 *   npx tsx bench/probe-sweep-profile.ts --features /tmp/feats/quickdraw [--shots 4] [--seed 0]
 *        [--kernel auto|onnxruntime|js] [--threads 1] [--out bench/results/probe-sweep-profile.json]
 *        [--kernel-rounds N [--no-sweep]]
 *
 * --kernel-rounds N first times one loss-and-gradient evaluation on the seed's row-space training matrix,
 * the dense onnxruntime graph against the staircase one, interleaved for N rounds (medians and minima).
 */
import { readFileSync } from 'node:fs';
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
import { decodeNpy } from '../src/util/npy.ts';

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
}

async function main(): Promise<void> {
  const dir = arg('--features', '');
  if (!dir) throw new Error('--features <dir> is required: a dataset folder written by bench --export-features');
  const shots = arg('--shots', '4');
  const seed = Number(arg('--seed', '0'));
  const kernel = arg('--kernel', 'auto') as ProbeKernel | 'auto';
  const threads = Number(arg('--threads', '1'));
  const out = arg('--out', '');

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
  if (process.argv.includes('--no-sweep')) return;

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
      super({ C, kernel, threads });
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
  const maxIter = rows.filter((r) => r.stop === 'maxIter').length;
  console.log(`seed total ${total.toFixed(1)} s: ${rows.length} fits (${maxIter} at max_iter), ${rows.reduce((a, r) => a + r.iterations, 0)} iterations; C chosen ${s.C.toExponential(3)}, val ${(100 * s.valAccuracy).toFixed(2)}%`);
  if (out) {
    await writeFileAtomic(out, JSON.stringify({ measured: new Date().toISOString(), features: dir, shots, seed, classes: K, d, threads, cores: availableParallelism(), loadavg: loadavg(), kernels, chosenC: s.C, valAccuracy: s.valAccuracy, totalSeconds: total, fits: rows }, null, 1) + '\n');
    console.log(`wrote ${out}`);
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
