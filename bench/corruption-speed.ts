/**
 * Cost of each CIFAR-10-C corruption on 32×32 images, one core, averaged over severities 1–5.
 * Reports process CPU time per image (user + system, all threads: sharp's JPEG runs on libvips
 * threads), which a busy shared machine distorts far less than wall time; wall time is printed too.
 *   npx tsx bench/corruption-speed.ts [--seconds 1] [--out bench/results/corruption-speed.json]
 * Uses the first 64 CIFAR-10 test images when the store exists (npm run datasets -- fetch cifar10),
 * else seeded noise images. Prints ms/image per corruption and the single-core time of the whole
 * 19 × 5 suite over 10 000 images (corruption only, no model).
 */
import { existsSync, readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import type { RawImage } from '../src/datasets/types.ts';
import { applyCorruption, CORRUPTIONS } from '../src/shifts/index.ts';
import { writeFileAtomic } from '../src/util/atomic.ts';
import { Rng } from '../src/util/rng.ts';

const { values } = parseArgs({ options: { seconds: { type: 'string', default: '1' }, out: { type: 'string' } } });
const seconds = Number(values.seconds);
const STORE = 'datasets/cifar10/npm-v1/test.images.u8';
const COUNT = 64;

function images(): { source: string; list: RawImage[] } {
  if (existsSync(STORE)) {
    const buf = readFileSync(STORE).subarray(0, COUNT * 3072);
    return { source: `CIFAR-10 test images 0..${COUNT - 1}`, list: Array.from({ length: COUNT }, (_, i) => ({ data: new Uint8Array(buf.subarray(i * 3072, (i + 1) * 3072)), width: 32, height: 32, channels: 3 as const })) };
  }
  const rng = new Rng(1);
  return { source: 'seeded noise images', list: Array.from({ length: COUNT }, () => ({ data: Uint8Array.from({ length: 3072 }, () => rng.int(256)), width: 32, height: 32, channels: 3 as const })) };
}

const { source, list } = images();
const rows: { corruption: string; cpuMsPerImage: number; wallMsPerImage: number }[] = [];
const cpuMs = (): number => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};
for (const c of CORRUPTIONS) {
  let cpu = 0;
  let wall = 0;
  for (let s = 1; s <= 5; s++) {
    for (let i = 0; i < 20; i++) await applyCorruption(list[i % COUNT], c.name, s, i); // warm-up / JIT
    let n = 0;
    const t0 = performance.now();
    const c0 = cpuMs();
    let t = t0;
    while (t - t0 < (seconds * 1000) / 5) {
      for (let i = 0; i < 8; i++, n++) await applyCorruption(list[n % COUNT], c.name, s, n);
      t = performance.now();
    }
    cpu += (cpuMs() - c0) / n;
    wall += (t - t0) / n;
  }
  rows.push({ corruption: c.name, cpuMsPerImage: Number((cpu / 5).toFixed(4)), wallMsPerImage: Number((wall / 5).toFixed(4)) });
  console.log(`${c.name.padEnd(18)} ${(cpu / 5).toFixed(3).padStart(8)} ms/img CPU  ${(wall / 5).toFixed(3).padStart(8)} ms/img wall`);
}
const suiteMinutes = (rows.reduce((a, r) => a + r.cpuMsPerImage, 0) * 5 * 10_000) / 60_000;
console.log(`19 corruptions × 5 severities × 10 000 images: ${suiteMinutes.toFixed(1)} CPU-minutes (corruption only)`);
if (values.out) {
  const result = { measuredAt: new Date().toISOString(), node: process.version, images: source, secondsPerCase: seconds, rows, suiteCpuMinutes: Number(suiteMinutes.toFixed(2)) };
  await writeFileAtomic(values.out, JSON.stringify(result, null, 1) + '\n');
}
