/**
 * Synthetic results records with the shape of real runs (for timing reports only; the numbers mean
 * nothing): per dataset a zero-shot classifier and probes at every shot count × seed, each with per-class
 * accuracy and a full confusion matrix, valid against the results schema.
 */
import type { BenchResults, ClassifierMetrics, DatasetResult, Estimate, ProbeResult } from '../src/results/schema.ts';
import { Rng } from '../src/util/rng.ts';
import { probeFitRecord } from '../src/results/probe-fit.ts';

const clip01 = (x: number) => Math.min(1, Math.max(0, x));
const hex = (rng: Rng) => Array.from({ length: 64 }, () => '0123456789abcdef'[rng.int(16)]).join('');

function metrics(rng: Rng, K: number, perClass: number, accuracy: number): ClassifierMetrics {
  const confusion = new Array<number>(K * K).fill(0);
  const recall: number[] = [];
  let correct = 0;
  for (let i = 0; i < K; i++) {
    const right = Math.round(perClass * clip01(accuracy + 0.15 * rng.normal()));
    confusion[i * K + i] = right;
    for (let w = right; w < perClass; w++) confusion[i * K + ((i + 1 + rng.int(Math.min(K - 1, 5))) % K)]++;
    recall.push(right / perClass);
    correct += right;
  }
  const n = K * perClass;
  return { n, top1: correct / n, top5: K >= 5 ? clip01(correct / n + 0.2) : null, balancedAccuracy: correct / n, perClassAccuracy: recall, confusion };
}

function estimate(values: number[]): Estimate {
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  const std = values.length > 1 ? Math.sqrt(values.reduce((a, v) => a + (v - mean) ** 2, 0) / (values.length - 1)) : 0;
  return { mean, std, ci: [clip01(mean - 0.03 - std), clip01(mean + 0.03 + std)] };
}

function dataset(rng: Rng, name: string, K: number, perClass: number, shots: (number | 'all')[], seeds: number[]): DatasetResult {
  const zsAcc = 0.3 + 0.4 * rng.next();
  const zm = metrics(rng, K, perClass, zsAcc);
  const probes: ProbeResult[] = shots.map((s) => {
    const k = s === 'all' ? 100 : s;
    const perSeed = seeds.map((seed) => {
      const m = metrics(rng, K, perClass, 0.2 + 0.12 * Math.log2(k + 1));
      return { seed, trainCount: K * k, valCount: K * Math.min(k, 4), C: 10 ** (rng.int(9) - 4), sweep: [{ C: 1, valAccuracy: 0.5 }], metrics: m, seconds: 0.5 };
    });
    const t1 = perSeed.map((p) => p.metrics.top1);
    return { shots: s, solver: 'lbfgs', perSeed, top1: estimate(t1), top5: K >= 5 ? estimate(perSeed.map((p) => p.metrics.top5!)) : null, balancedAccuracy: estimate(t1), shortClasses: [] };
  });
  // The dataset's identity depends on the dataset only, so runs of different models combine.
  const id = new Rng([...name].reduce((a, c) => a * 31 + c.charCodeAt(0), K) >>> 0);
  return {
    name,
    provenance: { source: `synthetic:${name}`, checksum: hex(id) },
    classes: Array.from({ length: K }, (_, i) => `${name} class ${i}`),
    shift: 'none',
    splits: { train: { identity: hex(id), size: K * 500, used: K * 100 }, test: { identity: hex(id), size: K * perClass, used: K * perClass } },
    probePool: 'train',
    zeroShot: { available: true, templates: ['a photo of a {}.'], metrics: zm, top1: estimate([zm.top1]), balancedAccuracy: estimate([zm.balancedAccuracy]), inDomain: false, seconds: 1 },
    probes,
    breakEvenShots: 1 + 15 * rng.next(),
    timings: {},
    featureCache: {},
    // Synthetic summaries have no per-example rows behind them.
    outcomes: null,
    methods: [],
  };
}

/** One run of `model` over the given datasets ([name, classes, test images per class]). */
export function syntheticRun(model: string, datasets: [string, number, number][], seedCount: number, rngSeed: number): BenchResults {
  const rng = new Rng(rngSeed);
  const shots: (number | 'all')[] = [1, 2, 4, 8, 16, 'all'];
  const seeds = Array.from({ length: seedCount }, (_, i) => i);
  return {
    schema: 'clip-bench/results',
    schemaVersion: 5,
    runId: `synthetic-${model}-${rngSeed}`,
    createdAt: '2026-01-01T00:00:00.000Z',
    command: { argv: ['npm', 'run', 'bench'], cwd: '/synthetic' },
    environment: { node: process.versions.node, platform: process.platform, arch: process.arch, cpus: 1, cpuModel: 'synthetic', packages: {}, gitCommit: null },
    model: { ref: model, name: model, layout: 'two-file', files: [{ role: 'vision', path: `${model}/visual.onnx`, sha256: hex(new Rng(model.length * 7919 + model.charCodeAt(model.length - 1))), bytes: 1 }], embeddingDim: 512, hasText: true, logitScale: 100, preprocess: {}, tokenizer: null, demo: false, trainedOn: [] },
    protocol: { seeds, shots, valPerClass: 'min(k, 4)', solver: 'lbfgs', cGrid: [1e6, 1, 1e-6], refineSteps: 8, maxIter: 1000, featureNormalization: 'l2', zeroShotScale: 100, bootstrap: { resamples: 1000, seed: 1, level: 0.95 }, limit: null, threads: 2, batchSize: 32, probeFit: probeFitRecord('coop', 'mixed') },
    datasets: datasets.map(([name, K, perClass]) => dataset(new Rng(rngSeed * 31 + K), name, K, perClass, shots, seeds)),
    timings: { totalSeconds: 1 },
    warnings: [],
  };
}
