/**
 * Throughput of preprocessImage (CLIP 224) on one core.
 *   npx tsx bench/preprocess-speed.ts [seconds-per-case]
 * Target: well above 200 img/s for 32×32 → 224 so preprocessing never limits a ViT-B/32 pipeline.
 */
import { isEntryPoint } from '../src/cli/toolkit.ts';
import type { RawImage } from '../src/datasets/types.ts';
import { CLIP_224, preprocessImage } from '../src/model/preprocess/index.ts';

function noiseImage(width: number, height: number, channels: 1 | 3, seed: number): RawImage {
  const data = new Uint8Array(width * height * channels);
  let s = seed >>> 0;
  for (let i = 0; i < data.length; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    data[i] = s >>> 24;
  }
  return { data, width, height, channels };
}

export interface PreprocessSpeedRow {
  case: string;
  imgPerSec: number;
  msPerImage: number;
}

/** Images per second through preprocessImage on the calling thread (one core), per source size. */
export function measurePreprocessSpeed(opts: { seconds?: number } = {}): PreprocessSpeedRow[] {
  const seconds = opts.seconds ?? 2;
  const cases: [string, RawImage[]][] = [
    ['32x32 RGB → 224 (CIFAR)', Array.from({ length: 16 }, (_, i) => noiseImage(32, 32, 3, i + 1))],
    ['28x28 L → 224 (MNIST)', Array.from({ length: 16 }, (_, i) => noiseImage(28, 28, 1, i + 1))],
    ['500x375 RGB → 224 (ImageNet-like)', Array.from({ length: 4 }, (_, i) => noiseImage(500, 375, 3, i + 1))],
    ['96x96 RGB → 224 (STL-10)', Array.from({ length: 8 }, (_, i) => noiseImage(96, 96, 3, i + 1))],
  ];
  const out = new Float32Array(3 * CLIP_224.crop.height * CLIP_224.crop.width);
  return cases.map(([name, images]) => {
    for (let i = 0; i < 50; i++) preprocessImage(images[i % images.length], CLIP_224, out); // warm-up / JIT
    let n = 0;
    const t0 = performance.now();
    let t = t0;
    while (t - t0 < seconds * 1000) {
      for (let i = 0; i < 20; i++) preprocessImage(images[n++ % images.length], CLIP_224, out);
      t = performance.now();
    }
    return { case: name, imgPerSec: (n * 1000) / (t - t0), msPerImage: (t - t0) / n };
  });
}

if (isEntryPoint(import.meta.url)) {
  for (const r of measurePreprocessSpeed({ seconds: Number(process.argv[2] ?? 2) })) {
    console.log(`${r.case.padEnd(36)} ${r.imgPerSec.toFixed(0).padStart(6)} img/s  (${r.msPerImage.toFixed(2)} ms/img)`);
  }
}
