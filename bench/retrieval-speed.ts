/**
 * Caption retrieval at COCO 5k-test size: 25,000 captions × 5,000 images, 512-d, top-10 both ways, ranks,
 * recall@1/5/10 and median ranks with 1000-resample bootstrap CIs (issue 21: < 10 s on 2 cores), and side by
 * side the time to encode those 5,000 images with the ViT-B/32-shaped export of bench/vit-graph.ts
 * (throughput over --encode-seconds, extrapolated to 5,000 images; target: retrieval ≤ 5% of it).
 *
 *   npx tsx bench/retrieval-speed.ts [--quick] [--threads 2] [--block 256] [--encode-seconds 20] [--no-encode]
 *     --quick: 2,500 captions × 500 images and a 5 s encode sample (smoke run).
 *     writes bench/results/retrieval-speed[-quick].json
 */
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { availableParallelism, loadavg } from 'node:os';
import * as ort from 'onnxruntime-node';
import { retrieveCaptions } from '../src/evaluation/retrieval.ts';
import { captionRetrievalMetrics, DEFAULT_RECALL_KS } from '../src/evaluation/retrieval-metrics.ts';
import { Rng } from '../src/util/rng.ts';
import { writeFileAtomic } from '../src/util/atomic.ts';
import { PROJECT_ROOT } from '../src/util/paths.ts';
import { machineInfo, VIT_B32_DIR, writeVitExport } from './vit-graph.ts';

const { values } = parseArgs({
  options: {
    quick: { type: 'boolean' },
    threads: { type: 'string', default: String(Math.min(2, availableParallelism())) },
    block: { type: 'string', default: '256' },
    'encode-seconds': { type: 'string' },
    'no-encode': { type: 'boolean' },
  },
});
const quick = values.quick === true;
const nI = quick ? 500 : 5000;
const nT = nI * 5;
const d = 512;
const threads = Number(values.threads);

// Captions near their image (as a trained model's would be), so ranks are spread and realistic.
const rng = new Rng(21);
const images = Float32Array.from({ length: nI * d }, () => rng.normal());
const captionImage = Int32Array.from({ length: nT }, (_, t) => Math.floor(t / 5));
const texts = new Float32Array(nT * d);
for (let t = 0; t < nT; t++) for (let j = 0; j < d; j++) texts[t * d + j] = images[captionImage[t] * d + j] + 6 * rng.normal();

const load0 = loadavg()[0];
const t0 = performance.now();
const r = retrieveCaptions({ texts, images, captionImage, numImages: nI, dim: d, k: 10, similarity: { threads, blockRows: Number(values.block) } });
const tRetrieve = (performance.now() - t0) / 1000;
const t1 = performance.now();
const metrics = captionRetrievalMetrics(r, DEFAULT_RECALL_KS, 1, 'bench', 1000);
const tMetrics = (performance.now() - t1) / 1000;
const total = tRetrieve + tMetrics;
console.log(`${nT} captions × ${nI} images, ${d}-d, top-10 both ways + ranks: ${tRetrieve.toFixed(2)} s; recall@1/5/10 + median ranks with 1000-resample CIs: ${tMetrics.toFixed(2)} s; total ${total.toFixed(2)} s (target < 10 s at full size)`);
console.log(`image_retrieval_recall@5 ${metrics['image_retrieval_recall@5'].mean.toFixed(3)}, text_retrieval_recall@5 ${metrics['text_retrieval_recall@5'].mean.toFixed(3)} (synthetic embeddings)`);

let encode: { imagesPerSecond: number; secondsFor: number; share: number } | null = null;
if (!values['no-encode']) {
  const w = await writeVitExport(VIT_B32_DIR);
  const session = await ort.InferenceSession.create(join(w.dir, 'onnx', 'vision_model.onnx'), { intraOpNumThreads: threads, graphOptimizationLevel: 'all' });
  const batch = 16;
  const pixels = Float32Array.from({ length: batch * 3 * 224 * 224 }, () => rng.normal());
  const feeds = { pixel_values: new ort.Tensor('float32', pixels, [batch, 3, 224, 224]) };
  await session.run(feeds);
  const budget = Number(values['encode-seconds'] ?? (quick ? 5 : 20)) * 1000;
  let n = 0;
  const s0 = performance.now();
  while (performance.now() - s0 < budget) {
    await session.run(feeds);
    n += batch;
  }
  const ips = n / ((performance.now() - s0) / 1000);
  await session.release();
  const secondsFor = nI / ips;
  encode = { imagesPerSecond: ips, secondsFor, share: total / secondsFor };
  console.log(`encoding ${nI} images with the ViT-B/32-shaped export: ${ips.toFixed(1)} img/s → ${secondsFor.toFixed(1)} s; retrieval is ${(100 * encode.share).toFixed(2)}% of it (target ≤ 5%)`);
}
const load1 = loadavg()[0];
console.log(`load average ${load0.toFixed(1)} → ${load1.toFixed(1)} (draft figure on a shared machine)`);
const out = join(PROJECT_ROOT, 'bench', 'results', `retrieval-speed${quick ? '-quick' : ''}.json`);
await writeFileAtomic(
  out,
  JSON.stringify({ date: new Date().toISOString(), machine: machineInfo(), load: [load0, load1], captions: nT, images: nI, dim: d, threads, blockRows: Number(values.block), retrieveSeconds: tRetrieve, metricsSeconds: tMetrics, totalSeconds: total, encode }, null, 2),
);
console.log(`wrote ${out}`);
