/**
 * A second extraction over cached features against the first, on the ViT-B/32-shaped random export
 * (bench/vit-graph.ts) and the first N CIFAR-10 test images.
 *
 * Each round: a fresh cache directory, extraction 1 (computes and writes every row), extraction 2 (the
 * same rows, all served from the cache). Reported: the extraction-only speedup (same loaded model), and
 * an end-to-end one that adds loadModel (file hashing + session creation) to both runs, as two separate
 * `npm run bench` invocations would pay it. Target (issue): second run ≥ 20× faster.
 *
 *   npx tsx bench/feature-cache-speed.ts [--n 300] [--rounds 3] [--hit-rows 10000]
 *
 * --hit-rows also times a cache hit on that many rows (filled once with a 1-layer tower: the hit cost
 * depends on the row count and width, not on the model).
 *   → bench/results/feature-cache-speed.json and a summary on stdout
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { openDataset } from '../src/datasets/resolve.ts';
import { extractImageFeatures } from '../src/features/extract.ts';
import { loadModel } from '../src/model/load.ts';
import type { Device } from '../src/model/device.ts';
import { isEntryPoint } from '../src/cli/toolkit.ts';
import { PROJECT_ROOT } from '../src/util/paths.ts';
import { VIT_B32_DIR, machineInfo, median, writeVitExport } from './vit-graph.ts';

export interface FeatureCacheSpeedOptions {
  /** CIFAR-10 test images extracted through the full ViT-B/32 export. */
  n?: number;
  rounds?: number;
  /** Rows of the large cache hit (0: skip it). */
  hitRows?: number;
  /** onnxruntime execution provider for the encoders (default cpu). */
  device?: Device;
  log?: (line: string) => void;
}

/** First (uncached) against second (cached) extraction, medians over rounds; the figures bench/results holds. */
export async function measureFeatureCacheSpeed(opts: FeatureCacheSpeedOptions = {}) {
  const N = opts.n ?? 300;
  const ROUNDS = opts.rounds ?? 3;
  const HIT_ROWS = opts.hitRows ?? 10000;
  const log = opts.log ?? ((line: string) => console.error(line));
  const threads = availableParallelism();
  const vit = await writeVitExport(VIT_B32_DIR);
  const dataset = await openDataset('cifar10', { fetch: false });
  const indices = Int32Array.from({ length: N }, (_, i) => i);

  const rounds: { loadSeconds: number; firstSeconds: number; secondSeconds: number }[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    const cacheRoot = await mkdtemp(join(tmpdir(), 'clip-bench-cache-'));
    try {
      const t0 = performance.now();
      const model = await loadModel(vit.dir, { threads, device: opts.device });
      const loadSeconds = (performance.now() - t0) / 1000;
      const extract = { encoder: model, dataset, split: 'test' as const, indices, cacheRoot, batchSize: 32, workers: 1, quiet: true };
      const first = await extractImageFeatures(extract);
      const second = await extractImageFeatures(extract);
      await model.release();
      if (first.computedRows !== N || second.cachedRows !== N || second.computedRows !== 0) {
        throw new Error(`cache did not serve the second run: first computed ${first.computedRows}, second cached ${second.cachedRows}`);
      }
      for (let i = 0; i < first.features.length; i++) {
        if (first.features[i] !== second.features[i]) throw new Error(`cached feature ${i} differs from the computed one`);
      }
      rounds.push({ loadSeconds, firstSeconds: first.seconds, secondSeconds: second.seconds });
      log(
        `round ${r + 1}/${ROUNDS}: load ${loadSeconds.toFixed(2)} s, first ${first.seconds.toFixed(2)} s, ` +
          `second ${(second.seconds * 1000).toFixed(1)} ms (${(first.seconds / second.seconds).toFixed(0)}×)`,
      );
    } finally {
      await rm(cacheRoot, { recursive: true, force: true });
    }
  }
  const load = median(rounds.map((r) => r.loadSeconds));
  const first = median(rounds.map((r) => r.firstSeconds));
  const second = median(rounds.map((r) => r.secondSeconds));
  const speedup = median(rounds.map((r) => r.firstSeconds / r.secondSeconds));
  const endToEnd = median(rounds.map((r) => (r.loadSeconds + r.firstSeconds) / (r.loadSeconds + r.secondSeconds)));

  // A cache hit over many rows: how the hit cost scales (1-layer tower to fill it quickly).
  let hit: { rows: number; fillSeconds: number; hitSeconds: number[]; projectedFirstSeconds: number; projectedSpeedup: number; projectedEndToEnd: number } | null = null;
  if (HIT_ROWS > 0) {
    const small = await writeVitExport(`${VIT_B32_DIR}-1l`, { layers: 1 });
    const model = await loadModel(small.dir, { threads, device: opts.device });
    const cacheRoot = await mkdtemp(join(tmpdir(), 'clip-bench-cache-'));
    try {
      const extract = {
        encoder: model,
        dataset,
        split: 'test' as const,
        indices: Int32Array.from({ length: HIT_ROWS }, (_, i) => i),
        cacheRoot,
        batchSize: 32,
        workers: 1,
        quiet: true,
      };
      const fill = await extractImageFeatures(extract);
      const hits: number[] = [];
      for (let r = 0; r < ROUNDS; r++) hits.push((await extractImageFeatures(extract)).seconds);
      // The first run at this size through the full ViT-B/32, at the throughput measured above.
      const projectedFirst = (first / N) * HIT_ROWS;
      hit = {
        rows: HIT_ROWS,
        fillSeconds: fill.seconds,
        hitSeconds: hits,
        projectedFirstSeconds: projectedFirst,
        projectedSpeedup: projectedFirst / median(hits),
        projectedEndToEnd: (load + projectedFirst) / (load + median(hits)),
      };
    } finally {
      await rm(cacheRoot, { recursive: true, force: true });
      await model.release();
    }
  }

  const out = {
    benchmark: 'feature-cache-speed',
    date: new Date().toISOString(),
    machine: machineInfo(),
    model: { export: 'bench/vit-graph.ts writeVitExport (ViT-B/32 shape, random weights)', params: vit.params },
    settings: { threads, workers: 1, batchSize: 32 },
    dataset: { name: 'cifar10', split: 'test', images: N },
    rounds,
    medians: { loadSeconds: load, firstSeconds: first, secondSeconds: second, speedup, endToEndSpeedup: endToEnd },
    target: { speedupAtLeast: 20, met: speedup >= 20 },
    largeHit: hit,
  };
  return out;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      n: { type: 'string', default: '300' },
      rounds: { type: 'string', default: '3' },
      'hit-rows': { type: 'string', default: '10000' },
    },
  });
  const out = await measureFeatureCacheSpeed({ n: Number(values.n), rounds: Number(values.rounds), hitRows: Number(values['hit-rows']) });
  const N = out.dataset.images;
  const { loadSeconds: load, firstSeconds: first, secondSeconds: second, speedup, endToEndSpeedup: endToEnd } = out.medians;
  const hit = out.largeHit;
  console.log(`ViT-B/32 (random, ${(out.model.params / 1e6).toFixed(2)}M params), ${N} CIFAR-10 test images, ${out.rounds.length} rounds (medians):`);
  console.log(`  first extraction   ${first.toFixed(2)} s (${(N / first).toFixed(1)} img/s)`);
  console.log(`  second (cached)    ${(second * 1000).toFixed(1)} ms`);
  console.log(`  speedup            ${speedup.toFixed(0)}× extraction only; ${endToEnd.toFixed(1)}× with loadModel (${load.toFixed(2)} s) in both`);
  if (hit) {
    console.log(`  cache hit on ${hit.rows} rows: ${hit.hitSeconds.map((s) => `${(s * 1000).toFixed(0)} ms`).join(', ')}`);
    console.log(
      `  projected full split: first ≈ ${hit.projectedFirstSeconds.toFixed(0)} s → ${hit.projectedSpeedup.toFixed(0)}× extraction only, ` +
        `${hit.projectedEndToEnd.toFixed(0)}× with loadModel`,
    );
  }
  console.log(`target ≥ 20×: ${speedup >= 20 ? 'met' : 'NOT met'} (extraction only)`);

  const dir = join(PROJECT_ROOT, 'bench', 'results');
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'feature-cache-speed.json'), `${JSON.stringify(out, null, 2)}\n`);
}

if (isEntryPoint(import.meta.url)) {
  main().catch((e) => {
    console.error(e);
    process.exit(1);
  });
}
