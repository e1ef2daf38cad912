/**
 * `models convert` on real-size graphs: the ViT-B/32-shaped random export (bench/vit-graph.ts) and the
 * demo model, each converted to fp16 and int8-dynamic (per tensor, per channel, and with Conv too). Per variant:
 * conversion time, file size, image-encode speed against fp32 on the same threads, and image-embedding
 * cosine against fp32 over CIFAR-10 test images (preprocessed by the model's own pipeline).
 *
 * The cores are shared with other jobs, so speed is measured side by side: each round times fp32 and
 * the variant back to back on the same ready-made batch (order alternating between rounds), and the
 * median of the per-round ratios is reported (as bench/pipeline-throughput.ts does).
 *
 *   npx tsx bench/convert-speed.ts [--n 64] [--rounds 5] [--batch 16] [--threads 2] [--only vit|demo]
 *   → bench/results/convert-speed.json and a table on stdout
 */
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { openDataset } from '../src/datasets/resolve.ts';
import { rowCosines } from '../src/evaluation/paired.ts';
import { extractImageFeatures, type ImageEncoder } from '../src/features/extract.ts';
import type { ClipModel } from '../src/model/clip-model.ts';
import { convertExport } from '../src/model/convert.ts';
import { loadModel } from '../src/model/load.ts';
import type { ConversionMethod } from '../src/model/manifest.ts';
import { listVariants } from '../src/model/variants.ts';
import { PROJECT_ROOT } from '../src/util/paths.ts';
import { VIT_B32_DIR, machineInfo, median, writeVitExport } from './vit-graph.ts';

const { values } = parseArgs({
  options: {
    n: { type: 'string', default: '64' },
    rounds: { type: 'string', default: '5' },
    batch: { type: 'string', default: '16' },
    threads: { type: 'string', default: '2' },
    only: { type: 'string' },
  },
});
const N = Number(values.n);
const ROUNDS = Number(values.rounds);
const BATCH = Number(values.batch);
const THREADS = Number(values.threads);
const MIN_SECONDS = 1;
const OUT_ROOT = join(PROJECT_ROOT, '.cache', 'bench', 'convert');

interface Variant {
  id: string;
  to: ConversionMethod;
  perChannel: boolean;
  conv?: boolean;
}
const VARIANTS: Variant[] = [
  { id: 'fp16', to: 'fp16', perChannel: false },
  { id: 'int8', to: 'int8-dynamic', perChannel: false },
  { id: 'int8-per-channel', to: 'int8-dynamic', perChannel: true },
  { id: 'int8-with-conv', to: 'int8-dynamic', perChannel: false, conv: true },
];

/** An encoder that keeps the preprocessed pixels it is given, so every variant sees the very same input. */
function capturing(model: ClipModel): { encoder: ImageEncoder; pixels: Float32Array[] } {
  const pixels: Float32Array[] = [];
  return {
    pixels,
    encoder: {
      files: model.files,
      preprocess: model.preprocess,
      async encodeImages(px, n) {
        pixels.push(px.slice());
        return model.encodeImages(px, n);
      },
    },
  };
}

/** Images per second over at least `MIN_SECONDS` of whole batches (tiny models need many). */
async function imagesPerSecond(model: ClipModel, batch: Float32Array, n: number): Promise<number> {
  const t0 = performance.now();
  let done = 0;
  while (done === 0 || performance.now() - t0 < MIN_SECONDS * 1000) {
    await model.encodeImages(batch, n);
    done += n;
  }
  return done / ((performance.now() - t0) / 1000);
}

async function benchSource(name: string, dir: string) {
  const dataset = await openDataset('cifar10', { fetch: false });
  const fp32 = await loadModel(dir, { threads: THREADS });
  const cap = capturing(fp32);
  const indices = Int32Array.from({ length: N }, (_, i) => i);
  await extractImageFeatures({ encoder: cap.encoder, dataset, split: 'test', indices, cacheRoot: null, batchSize: BATCH, workers: 0, quiet: true });
  const pixels = new Float32Array(cap.pixels.reduce((a, p) => a + p.length, 0));
  let off = 0;
  for (const p of cap.pixels) (pixels.set(p, off), (off += p.length));
  const ref = await fp32.encodeImages(pixels, N);
  const per = pixels.length / N;
  const batch = pixels.subarray(0, BATCH * per);
  await fp32.encodeImages(batch, BATCH); // warm-up
  const fp32Bytes = (await listVariants(dir)).find((v) => v.variant === 'fp32')!.files.filter((f) => f.role === 'vision').reduce((a, f) => a + f.bytes, 0);

  const rows = [];
  for (const v of VARIANTS) {
    const out = join(OUT_ROOT, `${name}-${v.id}`);
    await mkdir(OUT_ROOT, { recursive: true });
    const t0 = performance.now();
    const conv = await convertExport(dir, out, { to: v.to, perChannel: v.perChannel, conv: v.conv });
    const convertSeconds = (performance.now() - t0) / 1000;
    const model = await loadModel(out, { threads: THREADS, variant: conv.variant });
    const emb = await model.encodeImages(pixels, N);
    const cos = rowCosines(emb, ref, fp32.embeddingDim);
    await model.encodeImages(batch, BATCH); // warm-up
    const ratios: number[] = [];
    const speeds: { fp32: number; variant: number }[] = [];
    for (let r = 0; r < ROUNDS; r++) {
      let a: number;
      let b: number;
      if (r % 2 === 0) {
        a = await imagesPerSecond(fp32, batch, BATCH);
        b = await imagesPerSecond(model, batch, BATCH);
      } else {
        b = await imagesPerSecond(model, batch, BATCH);
        a = await imagesPerSecond(fp32, batch, BATCH);
      }
      speeds.push({ fp32: a, variant: b });
      ratios.push(b / a);
    }
    await model.release();
    const visionBytes = conv.files.filter((f) => f.role === 'vision').reduce((s, f) => s + f.bytes, 0);
    const row = {
      source: name,
      variant: v.id,
      convertSeconds: +convertSeconds.toFixed(2),
      visionBytes,
      visionBytesRatio: +(visionBytes / fp32Bytes).toFixed(3),
      towers: conv.conversion.towers,
      speedRatioMedian: +median(ratios).toFixed(3),
      speedRatios: ratios.map((x) => +x.toFixed(3)),
      imgPerSec: speeds.map((s) => ({ fp32: +s.fp32.toFixed(2), variant: +s.variant.toFixed(2) })),
      cosineMean: +cos.mean.toFixed(6),
      cosineMin: +cos.min.toFixed(6),
    };
    rows.push(row);
    console.log(`${name} ${v.id.padEnd(17)} speed ×${row.speedRatioMedian.toFixed(2)} vs fp32 (rounds ${row.speedRatios.join(', ')})  cosine mean ${row.cosineMean} min ${row.cosineMin}  vision ${(visionBytes / 1e6).toFixed(1)} MB (×${row.visionBytesRatio})  converted in ${row.convertSeconds} s`);
    await rm(out, { recursive: true, force: true });
  }
  await fp32.release();
  return { source: name, dir, fp32VisionBytes: fp32Bytes, rows };
}

async function main(): Promise<void> {
  const sources: [string, string][] = [];
  if (values.only !== 'demo') sources.push(['vit-b32-random', (await writeVitExport(VIT_B32_DIR)).dir]);
  if (values.only !== 'vit') sources.push(['demo-clip', join(PROJECT_ROOT, 'models', 'demo-clip')]);
  const started = new Date().toISOString();
  const load = loadavg();
  const results = [];
  for (const [name, dir] of sources) results.push(await benchSource(name, dir));
  const record = {
    bench: 'convert-speed',
    started,
    settings: { n: N, rounds: ROUNDS, batch: BATCH, threads: THREADS, images: 'cifar10 test rows 0..n-1, the model\'s own preprocessing' },
    machine: { ...machineInfo(), loadavgAtStart: load.map((x) => +x.toFixed(2)) },
    results,
  };
  const file = join(PROJECT_ROOT, 'bench', 'results', values.only ? `convert-speed-${values.only}.json` : 'convert-speed.json');
  await writeFile(file, `${JSON.stringify(record, null, 2)}\n`);
  console.log(`wrote ${file}`);
}

await main();
