/**
 * Throughput of preprocessImage (CLIP 224) on one core.
 *   npx tsx bench/preprocess-speed.ts [seconds-per-case]
 * Target: well above 200 img/s for 32×32 → 224 so preprocessing never limits a ViT-B/32 pipeline.
 */
import type { RawImage } from '../src/datasets/types.ts';
import { CLIP_224, preprocessImage } from '../src/model/preprocess/index.ts';

const seconds = Number(process.argv[2] ?? 2);

function noiseImage(width: number, height: number, channels: 1 | 3, seed: number): RawImage {
  const data = new Uint8Array(width * height * channels);
  let s = seed >>> 0;
  for (let i = 0; i < data.length; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    data[i] = s >>> 24;
  }
  return { data, width, height, channels };
}

const cases: [string, RawImage[]][] = [
  ['32x32 RGB → 224 (CIFAR)', Array.from({ length: 16 }, (_, i) => noiseImage(32, 32, 3, i + 1))],
  ['28x28 L → 224 (MNIST)', Array.from({ length: 16 }, (_, i) => noiseImage(28, 28, 1, i + 1))],
  ['500x375 RGB → 224 (ImageNet-like)', Array.from({ length: 4 }, (_, i) => noiseImage(500, 375, 3, i + 1))],
  ['96x96 RGB → 224 (STL-10)', Array.from({ length: 8 }, (_, i) => noiseImage(96, 96, 3, i + 1))],
];

const out = new Float32Array(3 * CLIP_224.crop.height * CLIP_224.crop.width);
for (const [name, images] of cases) {
  for (let i = 0; i < 50; i++) preprocessImage(images[i % images.length], CLIP_224, out); // warm-up / JIT
  let n = 0;
  const t0 = performance.now();
  let t = t0;
  while (t - t0 < seconds * 1000) {
    for (let i = 0; i < 20; i++) preprocessImage(images[n++ % images.length], CLIP_224, out);
    t = performance.now();
  }
  const perSec = (n * 1000) / (t - t0);
  console.log(`${name.padEnd(36)} ${perSec.toFixed(0).padStart(6)} img/s  (${((t - t0) / n).toFixed(2)} ms/img)`);
}
