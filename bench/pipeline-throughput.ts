/**
 * Whole-pipeline throughput against encode-only throughput, on the ViT-B/32-shaped random export
 * (bench/vit-graph.ts) and CIFAR-10 test images.
 *
 *   encode-only: encodeImages on ready-made random [batch, 3, 224, 224] tensors (the same session).
 *   pipeline:    extractImageFeatures (no cache) over the first N test images: store read → preprocessing
 *                (32 → 224 bicubic, CLIP normalisation) in the worker pool → the encoder.
 *
 * Target (issue): pipeline ≥ 0.90 × encode-only with `npm run bench`'s defaults (threads = all cores,
 * 1 preprocessing worker, batch 32), on 2 cores. The cores are shared, so every ratio pairs the two
 * variants back to back within one round (order alternating between rounds) and the median over rounds
 * is reported.
 *
 *   npx tsx bench/pipeline-throughput.ts [--n 512] [--rounds 3] [--quick]
 *   → bench/results/pipeline-throughput.json (--quick: the defaults only, → pipeline-throughput-quick.json)
 *     and a table on stdout
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { availableParallelism, loadavg } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import * as ort from 'onnxruntime-node';
import { openDataset } from '../src/datasets/resolve.ts';
import { extractImageFeatures, type ImageEncoder } from '../src/features/extract.ts';
import { loadModel } from '../src/model/load.ts';
import { executionProviders, type Device } from '../src/model/device.ts';
import type { ClipModel } from '../src/model/clip-model.ts';
import { isEntryPoint } from '../src/cli/toolkit.ts';
import { PROJECT_ROOT } from '../src/util/paths.ts';
import { Rng } from '../src/util/rng.ts';
import { VIT_B32_DIR, machineInfo, median, writeVitExport } from './vit-graph.ts';

interface Setting {
  id: string;
  threads: number;
  workers: number;
  batchSize: number;
  /** onnxruntime's intra-op threads busy-wait between work items (its default). */
  spinning: boolean;
  isDefault?: boolean;
}

interface Round {
  encodeImgPerSec: number;
  pipelineImgPerSec: number;
  /** Pipeline throughput from the first encoder call to the last: without worker start-up and the first batch's preprocessing. */
  pipelineSteadyImgPerSec: number;
  ratio: number;
  steadyRatio: number;
}

export interface PipelineThroughputOptions {
  /** CIFAR-10 test images per measurement. */
  n?: number;
  rounds?: number;
  /** Only `npm run bench`'s defaults (no other settings). */
  quick?: boolean;
  /** onnxruntime execution provider for the encoder (default cpu). */
  device?: Device;
  log?: (line: string) => void;
}

const SETTINGS = (cores: number): Setting[] => [
  { id: 'default', threads: cores, workers: 1, batchSize: 32, spinning: true, isDefault: true },
  { id: 'workers-2', threads: cores, workers: 2, batchSize: 32, spinning: true },
  { id: 'batch-16', threads: cores, workers: 1, batchSize: 16, spinning: true },
  { id: 'threads-1', threads: 1, workers: 1, batchSize: 32, spinning: true },
  { id: 'inline', threads: cores, workers: 0, batchSize: 32, spinning: true },
  { id: 'no-spin', threads: cores, workers: 1, batchSize: 32, spinning: false },
];

/** An encoder over a raw session with session options loadModel does not expose (spinning off). */
async function rawEncoder(model: ClipModel, threads: number, spinning: boolean, device: Device): Promise<ImageEncoder & { release(): Promise<void> }> {
  const session = await ort.InferenceSession.create(model.signature.vision.file, {
    intraOpNumThreads: threads,
    executionProviders: executionProviders(device),
    graphOptimizationLevel: 'all',
    extra: { 'session.intra_op.allow_spinning': spinning ? '1' : '0' },
  });
  const { height, width } = model.preprocess.crop;
  const per = 3 * height * width;
  const dim = model.embeddingDim;
  const sig = model.signature.vision;
  return {
    files: model.files,
    preprocess: model.preprocess,
    async encodeImages(pixels: Float32Array, n: number): Promise<Float32Array> {
      const out = new Float32Array(n * dim);
      for (let s = 0; s < n; s += 32) {
        const c = Math.min(32, n - s);
        const input = new ort.Tensor('float32', pixels.subarray(s * per, (s + c) * per), [c, 3, height, width]);
        const res = await session.run({ [sig.input.name]: input }, [sig.output.name]);
        out.set(res[sig.output.name].data as Float32Array, s * dim);
      }
      return out;
    },
    release: () => session.release(),
  };
}

/** Wraps an encoder to time its calls (the pipeline's steady state lies between the first and the last). */
function timed(enc: ImageEncoder): { encoder: ImageEncoder; calls: { start: number; end: number; n: number }[] } {
  const calls: { start: number; end: number; n: number }[] = [];
  return {
    calls,
    encoder: {
      files: enc.files,
      preprocess: enc.preprocess,
      async encodeImages(pixels, n) {
        const start = performance.now();
        const out = await enc.encodeImages(pixels, n);
        calls.push({ start, end: performance.now(), n });
        return out;
      },
    },
  };
}

/** Pipeline vs encode-only throughput per setting (medians over interleaved rounds); the figures bench/results holds. */
export async function measurePipelineThroughput(opts: PipelineThroughputOptions = {}) {
  const N = opts.n ?? 512;
  const ROUNDS = opts.rounds ?? 3;
  const log = opts.log ?? ((line: string) => console.error(line));
  const settings = SETTINGS(availableParallelism()).filter((s) => !opts.quick || s.isDefault);
  const vit = await writeVitExport(VIT_B32_DIR);
  const dataset = await openDataset('cifar10', { fetch: false });
  const indices = Int32Array.from({ length: N }, (_, i) => i);
  const per = 3 * 224 * 224;

  // Ready-made input: two distinct random batches, cycled (values in the normalised pixel range).
  const rng = new Rng(1);
  const readyBatches = (bs: number) =>
    [0, 1].map(() => Float32Array.from({ length: bs * per }, () => rng.next() * 4 - 2));
  const ready = new Map<number, Float32Array[]>();
  for (const bs of new Set(settings.map((s) => s.batchSize))) ready.set(bs, readyBatches(bs));

  const models = new Map<number, ClipModel>();
  for (const t of new Set(settings.map((s) => s.threads))) models.set(t, await loadModel(vit.dir, { threads: t, device: opts.device }));
  const encoders = new Map<string, ImageEncoder>();
  const toRelease: { release(): Promise<void> }[] = [];
  for (const s of settings) {
    const model = models.get(s.threads)!;
    if (s.spinning) encoders.set(s.id, model);
    else {
      const raw = await rawEncoder(model, s.threads, false, opts.device ?? 'cpu');
      toRelease.push(raw);
      encoders.set(s.id, raw);
    }
  }

  const encodeOnly = async (enc: ImageEncoder, bs: number): Promise<number> => {
    const batches = ready.get(bs)!;
    const t0 = performance.now();
    for (let done = 0, b = 0; done < N; done += bs, b++) {
      const n = Math.min(bs, N - done);
      await enc.encodeImages(batches[b % 2].subarray(0, n * per), n);
    }
    return N / ((performance.now() - t0) / 1000);
  };
  const pipeline = async (enc: ImageEncoder, s: Setting): Promise<{ wall: number; steady: number }> => {
    const t = timed(enc);
    const t0 = performance.now();
    await extractImageFeatures({
      encoder: t.encoder,
      dataset,
      split: 'test',
      indices,
      cacheRoot: null,
      batchSize: s.batchSize,
      workers: s.workers,
      quiet: true,
    });
    const wall = N / ((performance.now() - t0) / 1000);
    const first = t.calls[0];
    const last = t.calls[t.calls.length - 1];
    const steady = (N - first.n) / ((last.end - first.end) / 1000);
    return { wall, steady };
  };

  // Warm-up: one batch through every session, so the first measured round pays no first-run cost.
  for (const s of settings) await encoders.get(s.id)!.encodeImages(ready.get(s.batchSize)![0], s.batchSize);

  const load0 = loadavg();
  const rounds = new Map<string, Round[]>(settings.map((s) => [s.id, []]));
  for (let r = 0; r < ROUNDS; r++) {
    for (const s of settings) {
      const enc = encoders.get(s.id)!;
      let e: number;
      let p: { wall: number; steady: number };
      if (r % 2 === 0) {
        e = await encodeOnly(enc, s.batchSize);
        p = await pipeline(enc, s);
      } else {
        p = await pipeline(enc, s);
        e = await encodeOnly(enc, s.batchSize);
      }
      const round: Round = {
        encodeImgPerSec: e,
        pipelineImgPerSec: p.wall,
        pipelineSteadyImgPerSec: p.steady,
        ratio: p.wall / e,
        steadyRatio: p.steady / e,
      };
      rounds.get(s.id)!.push(round);
      log(
        `round ${r + 1}/${ROUNDS} ${s.id.padEnd(10)} encode ${e.toFixed(1)} img/s, pipeline ${p.wall.toFixed(1)} img/s ` +
          `(steady ${p.steady.toFixed(1)}), ratio ${round.ratio.toFixed(3)}`,
      );
    }
  }
  const load1 = loadavg();

  const rows = settings.map((s) => {
    const rs = rounds.get(s.id)!;
    return {
      ...s,
      encodeImgPerSec: median(rs.map((x) => x.encodeImgPerSec)),
      pipelineImgPerSec: median(rs.map((x) => x.pipelineImgPerSec)),
      ratio: median(rs.map((x) => x.ratio)),
      steadyRatio: median(rs.map((x) => x.steadyRatio)),
      rounds: rs,
    };
  });
  for (const r of toRelease) await r.release();
  for (const m of models.values()) await m.release();
  const def = rows.find((r) => r.isDefault)!;
  const out = {
    benchmark: 'pipeline-throughput',
    date: new Date().toISOString(),
    machine: { ...machineInfo(), loadavgBefore: load0, loadavgAfter: load1 },
    model: { export: 'bench/vit-graph.ts writeVitExport (ViT-B/32 shape, random weights)', params: vit.params, dtype: 'float32' },
    dataset: { name: 'cifar10', split: 'test', images: N },
    rounds: ROUNDS,
    ratio: 'pipeline img/s ÷ encode-only img/s, each round measured back to back; medians over rounds',
    target: { defaultRatioAtLeast: 0.9, met: def.ratio >= 0.9 },
    settings: rows,
  };
  return out;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      n: { type: 'string', default: '512' },
      rounds: { type: 'string', default: '3' },
      quick: { type: 'boolean', default: false },
    },
  });
  const out = await measurePipelineThroughput({ n: Number(values.n), rounds: Number(values.rounds), quick: values.quick });
  const rows = out.settings;
  const header = ['setting', 'threads', 'workers', 'batch', 'spin', 'encode img/s', 'pipeline img/s', 'ratio', 'steady ratio'];
  const table = [header, ...rows.map((r) => [
    r.id + (r.isDefault ? ' *' : ''),
    String(r.threads),
    String(r.workers),
    String(r.batchSize),
    r.spinning ? 'yes' : 'no',
    r.encodeImgPerSec.toFixed(1),
    r.pipelineImgPerSec.toFixed(1),
    r.ratio.toFixed(3),
    r.steadyRatio.toFixed(3),
  ])];
  const widths = header.map((_, c) => Math.max(...table.map((row) => row[c].length)));
  for (const row of table) console.log(row.map((v, c) => v.padEnd(widths[c])).join('  '));
  const def = rows.find((r) => r.isDefault)!;
  console.log(`\n* npm run bench defaults. Target ratio ≥ 0.90: ${def.ratio >= 0.9 ? 'met' : 'NOT met'} (median ${def.ratio.toFixed(3)} over ${out.rounds} rounds, N = ${out.dataset.images})`);

  const dir = join(PROJECT_ROOT, 'bench', 'results');
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, values.quick ? 'pipeline-throughput-quick.json' : 'pipeline-throughput.json'), `${JSON.stringify(out, null, 2)}\n`);
}

if (isEntryPoint(import.meta.url)) {
  main().catch((e) => {
    console.error(e);
    process.exit(1);
  });
}
