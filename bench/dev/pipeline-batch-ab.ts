/**
 * Dev-only: where the image pipeline loses time against encode-only, measured per batch so that the
 * variants alternate every few seconds (the cores are shared: a round-level A/B drifts with the load).
 * Each trial encodes one ready-made batch of 32 CIFAR-10 test images (CLIP 224) with the ViT-B/32-shaped
 * export, 2 intra-op threads, spinning off, under one preprocessing scheme for the *next* batch:
 *   E    encode only (nothing else runs);
 *   I    inline: the next batch preprocessed on the main thread, then the encoder;
 *   P    phased: the next batch split between the worker and the main thread, then the encoder;
 *   O0   overlap: the next batch handed to a nice-0 worker before the encoder runs, taken after it;
 *   O19  the same with the worker at nice +19.
 * Reports, per scheme, the median over trials of t(E) / t(scheme) from adjacent trials (order rotating).
 *   npx tsx bench/dev/pipeline-batch-ab.ts [--trials 30]
 */
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { openDataset } from '../../src/datasets/resolve.ts';
import type { RawImage } from '../../src/datasets/types.ts';
import { preprocessBatch, type PreprocessJob } from '../../src/features/preprocess-batch.ts';
import { PreprocessPool } from '../../src/features/worker-pool.ts';
import { loadModel } from '../../src/model/load.ts';
import { VIT_B32_DIR, median, writeVitExport } from '../vit-graph.ts';

const { values } = parseArgs({ options: { trials: { type: 'string', default: '30' } } });
const BS = 32;
const vit = await writeVitExport(VIT_B32_DIR);
const model = await loadModel(vit.dir, { threads: 2, spinning: false });
const ds = await openDataset('cifar10', { fetch: false });
const images: RawImage[] = [];
for await (const ex of ds.read('test', Int32Array.from({ length: BS * 4 }, (_, i) => i))) images.push(ex.image);
const job = (k: number): PreprocessJob => ({ cfg: model.preprocess, shift: 'none', datasetIdentity: ds.identity('test'), split: 'test', images: images.slice((k % 4) * BS, (k % 4 + 1) * BS), indices: Array.from({ length: BS }, (_, i) => (k % 4) * BS + i) });
const pool0 = new PreprocessPool(1, { nice: 0 });
const pool19 = new PreprocessPool(1, { nice: 19 });
await Promise.all([pool0.ready(), pool19.ready()]);
let ready = await preprocessBatch(job(0));
await model.encodeImages(ready, BS); // warm-up

type Scheme = 'E' | 'I' | 'P' | 'O0' | 'O19';
const schemes: Scheme[] = ['E', 'I', 'P', 'O0', 'O19'];
let k = 1;
async function trial(s: Scheme): Promise<number> {
  const t0 = performance.now();
  if (s === 'E') await model.encodeImages(ready, BS);
  else if (s === 'I' || s === 'P') {
    const next = s === 'I' ? await preprocessBatch(job(k)) : await pool0.run(job(k));
    await model.encodeImages(next, BS);
  } else {
    const pending = (s === 'O0' ? pool0 : pool19).submit(job(k));
    await model.encodeImages(ready, BS);
    ready = await pending.take();
  }
  k++;
  return performance.now() - t0;
}

const ratios = new Map<Scheme, number[]>(schemes.map((s) => [s, []]));
const load0 = loadavg()[0];
for (let t = 0; t < Number(values.trials); t++) {
  const order = schemes.map((_, i) => schemes[(i + t) % schemes.length]);
  const ms = new Map<Scheme, number>();
  for (const s of order) ms.set(s, await trial(s));
  for (const s of schemes) ratios.get(s)!.push(ms.get('E')! / ms.get(s)!);
  console.error(`trial ${t + 1}: ${schemes.map((s) => `${s} ${ms.get(s)!.toFixed(0)} ms`).join(', ')}, load ${loadavg()[0].toFixed(1)}`);
}
console.log(`median t(E)/t(scheme) over ${values.trials} trials, load ${load0.toFixed(1)} → ${loadavg()[0].toFixed(1)}:`);
for (const s of schemes) console.log(`  ${s.padEnd(4)} ${median(ratios.get(s)!).toFixed(3)}  (main took ${s === 'O0' || s === 'P' ? pool0.imagesTakenByMain : s === 'O19' ? pool19.imagesTakenByMain : '-'} images in all)`);
await pool0.close();
await pool19.close();
await model.release();
