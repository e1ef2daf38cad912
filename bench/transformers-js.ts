/**
 * Side by side with transformers.js (@huggingface/transformers, dev dependency only) on the same
 * transformers.js-layout export (bench/vit-graph.ts's ViT-B/32 shape, random weights) and the same
 * CIFAR-10 test images, at matched threads:
 *
 *   ours:            preprocessImage (PIL-style bicubic, CLIP 224) → ClipModel.encodeImages
 *   transformers.js: AutoProcessor (CLIPImageProcessor: RawImage.resize via sharp) →
 *                    CLIPVisionModelWithProjection, loaded offline (env.allowRemoteModels = false)
 *
 * Both get the decoded images in memory, the same batch size, onnxruntime-node's intra-op threads = T
 * (transformers.js resolves the same onnxruntime-node package; one copy is installed) and, for its
 * sharp-based resize, sharp.concurrency(T). Rounds alternate the order; medians are reported.
 *
 * Agreement: per-image cosine between the two embeddings. Cause: the pixel tensors differ.
 * transformers.js 4.x resizes with sharp's `affine([w/W, 0, 0, h/H], { interpolator })`
 * (src/utils/image.js, RawImage.resize), which maps output pixel x to source x·W/w, where PIL maps
 * pixel centres, (x + 0.5)·W/w − 0.5: a shift of about half a source pixel. The script measures the
 * mean difference in 8-bit levels, the integer shift (in output pixels) that best aligns the two
 * tensors, PIL's own bicubic as the reference when /usr/bin/python3 has PIL, and encodes
 * transformers.js's pixels with our session (cosine ≈ 1 there puts the whole gap on preprocessing).
 *
 *   npx tsx bench/transformers-js.ts [--n 256] [--threads 1,2] [--rounds 3] [--batch 32]
 *   → bench/results/transformers-js.json and a summary on stdout
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { basename, dirname, join, relative } from 'node:path';
import { parseArgs } from 'node:util';
import sharp from 'sharp';
import { isEntryPoint } from '../src/cli/toolkit.ts';
import { openDataset } from '../src/datasets/resolve.ts';
import type { RawImage } from '../src/datasets/types.ts';
import { rowCosines } from '../src/evaluation/paired.ts';
import type { ClipModel } from '../src/model/clip-model.ts';
import { loadModel } from '../src/model/load.ts';
import type { PreprocessConfig } from '../src/model/preprocess/config.ts';
import { preprocessImage } from '../src/model/preprocess/index.ts';
import { writeFileAtomic } from '../src/util/atomic.ts';
import { decodeNpy, encodeNpy } from '../src/util/npy.ts';
import { PROJECT_ROOT } from '../src/util/paths.ts';
import { VIT_B32_DIR, machineInfo, median, writeVitExport } from './vit-graph.ts';

export interface TransformersJsOptions {
  /** CIFAR-10 test images (the first n). */
  n?: number;
  /** Thread counts to compare at (each: ORT intra-op threads for both, sharp concurrency for transformers.js). */
  threads?: number[];
  rounds?: number;
  batchSize?: number;
  /** A transformers.js-layout export; default: the ViT-B/32-shaped one (written if missing). */
  exportDir?: string;
  /** Images whose pixel tensors are compared (and sent through PIL). */
  pixelImages?: number;
  python?: string;
  log?: (line: string) => void;
}

interface Run {
  seconds: number;
  preprocessSeconds: number;
  embeds: Float32Array;
}

const SHIFT_RANGE = 4;

/** Pixel tensor [3, h, w] (CLIP-normalised) → 8-bit levels, channel-major. */
function toLevels(pixels: Float32Array, cfg: PreprocessConfig): Float64Array {
  const plane = cfg.crop.height * cfg.crop.width;
  const out = new Float64Array(pixels.length);
  for (let i = 0; i < pixels.length; i++) {
    const c = Math.floor(i / plane) % 3;
    out[i] = (pixels[i] * cfg.std[c] + cfg.mean[c]) * 255;
  }
  return out;
}

/** Mean |a(y, x) − b(y + dy, x + dx)| over the overlap of [k, 3, h, w] level tensors. */
function shiftedMeanAbs(a: Float64Array, b: Float64Array, h: number, w: number, dx: number, dy: number): number {
  let sum = 0;
  let count = 0;
  for (let p = 0; p < a.length; p += h * w) {
    for (let y = Math.max(0, -dy); y < Math.min(h, h - dy); y++) {
      for (let x = Math.max(0, -dx); x < Math.min(w, w - dx); x++) {
        sum += Math.abs(a[p + y * w + x] - b[p + (y + dy) * w + x + dx]);
        count++;
      }
    }
  }
  return sum / count;
}

/** The integer shift (output pixels) of `b` that best matches `a`, and the mean level difference there. */
function bestShift(a: Float64Array, b: Float64Array, h: number, w: number) {
  let best = { dx: 0, dy: 0, meanAbsLevels: Infinity };
  for (let dy = -SHIFT_RANGE; dy <= SHIFT_RANGE; dy++) {
    for (let dx = -SHIFT_RANGE; dx <= SHIFT_RANGE; dx++) {
      const m = shiftedMeanAbs(a, b, h, w, dx, dy);
      if (m < best.meanAbsLevels) best = { dx, dy, meanAbsLevels: m };
    }
  }
  return best;
}

// PIL's bicubic resize of the shortest edge, then the centre crop (HF CLIPImageProcessor, as CLIP's torchvision transform).
const PIL_PY = String.raw`
import sys
import numpy as np
from PIL import Image
X, size = np.load(sys.argv[1]), int(sys.argv[3])
out = []
for a in X:
    im = Image.fromarray(a)
    w, h = im.size
    s = size / min(w, h)
    nw, nh = max(size, round(w * s)), max(size, round(h * s))
    im = im.resize((nw, nh), Image.BICUBIC)
    l, t = round((nw - size) / 2), round((nh - size) / 2)
    out.append(np.asarray(im.crop((l, t, l + size, t + size))))
np.save(sys.argv[2], np.stack(out).transpose(0, 3, 1, 2).copy())
`;

/** PIL's preprocessed levels [k, 3, size, size] for same-sized RGB images, or why there are none. */
function pilLevels(python: string, images: RawImage[], size: number): Float64Array | string {
  const probe = spawnSync(python, ['-c', 'import PIL, numpy'], { encoding: 'utf8' });
  if (probe.status !== 0) return `${python} has no PIL/numpy (apt-get install python3-pil python3-numpy)`;
  const dir = mkdtempSync(join(tmpdir(), 'tjs-pil-'));
  try {
    const { width, height } = images[0];
    const hwc = new Uint8Array(images.length * height * width * 3);
    images.forEach((im, i) => hwc.set(im.data, i * im.data.length));
    writeFileSync(join(dir, 'in.npy'), encodeNpy(hwc, [images.length, height, width, 3]));
    const r = spawnSync(python, ['-c', PIL_PY, join(dir, 'in.npy'), join(dir, 'out.npy'), String(size)], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`${python} (PIL resize) failed: ${r.stderr.trim().split('\n').pop()}`);
    return Float64Array.from(decodeNpy(readFileSync(join(dir, 'out.npy')), 'out.npy').data as Uint8Array);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const meanAbs = (a: Float64Array, b: Float64Array) => shiftedMeanAbs(a, b, a.length, 1, 0, 0);

export async function measureTransformersJs(opts: TransformersJsOptions = {}) {
  const n = opts.n ?? 256;
  const threadCounts = opts.threads ?? [...new Set([1, availableParallelism()])];
  const rounds = opts.rounds ?? 3;
  const batch = opts.batchSize ?? 32;
  const python = opts.python ?? '/usr/bin/python3';
  const log = opts.log ?? ((line: string) => console.error(line));
  const dir = opts.exportDir ?? (await writeVitExport(VIT_B32_DIR)).dir;
  const tjs = await import('@huggingface/transformers');
  // Offline: the export is a local folder named like a hub id under localModelPath.
  tjs.env.allowRemoteModels = false;
  tjs.env.allowLocalModels = true;
  tjs.env.localModelPath = `${dirname(dir)}/`;
  const id = basename(dir);

  const dataset = await openDataset('cifar10', { fetch: false });
  const images: RawImage[] = [];
  for await (const ex of dataset.read('test', Int32Array.from({ length: n }, (_, i) => i))) images.push(ex.image);
  const theirImages = images.map((im) => new tjs.RawImage(new Uint8ClampedArray(im.data.buffer, im.data.byteOffset, im.data.length), im.width, im.height, im.channels));
  const processor = await tjs.AutoProcessor.from_pretrained(id);

  const load0 = loadavg();
  const settings = [];
  let agreement: { ours: Float32Array; theirs: Float32Array; model: ClipModel } | undefined;
  let keep: ClipModel | undefined;
  for (const threads of threadCounts) {
    sharp.concurrency(threads);
    const ours = await loadModel(dir, { threads });
    const theirs = await tjs.CLIPVisionModelWithProjection.from_pretrained(id, {
      dtype: 'fp32',
      device: 'cpu',
      session_options: { intraOpNumThreads: threads, graphOptimizationLevel: 'all' },
    });
    const cfg = ours.preprocess;
    const per = 3 * cfg.crop.height * cfg.crop.width;
    const dim = ours.embeddingDim;
    const runOurs = async (count: number): Promise<Run> => {
      const embeds = new Float32Array(count * dim);
      const pixels = new Float32Array(batch * per);
      let pre = 0;
      const t0 = performance.now();
      for (let s = 0; s < count; s += batch) {
        const c = Math.min(batch, count - s);
        const p0 = performance.now();
        for (let i = 0; i < c; i++) preprocessImage(images[s + i], cfg, pixels, i * per);
        pre += performance.now() - p0;
        embeds.set(await ours.encodeImages(pixels.subarray(0, c * per), c), s * dim);
      }
      return { seconds: (performance.now() - t0) / 1000, preprocessSeconds: pre / 1000, embeds };
    };
    const runTheirs = async (count: number): Promise<Run> => {
      const embeds = new Float32Array(count * dim);
      let pre = 0;
      const t0 = performance.now();
      for (let s = 0; s < count; s += batch) {
        const p0 = performance.now();
        const inputs = await processor(theirImages.slice(s, Math.min(count, s + batch)));
        pre += performance.now() - p0;
        const { image_embeds } = await theirs(inputs);
        embeds.set(image_embeds.data as Float32Array, s * dim);
      }
      return { seconds: (performance.now() - t0) / 1000, preprocessSeconds: pre / 1000, embeds };
    };
    await runOurs(Math.min(batch, n)); // warm-up: first-run costs out of the rounds
    await runTheirs(Math.min(batch, n));
    const rs: { oursImgPerSec: number; theirsImgPerSec: number; oursPreprocessMsPerImage: number; theirsPreprocessMsPerImage: number }[] = [];
    let last: { ours: Run; theirs: Run } | undefined;
    for (let r = 0; r < rounds; r++) {
      let o: Run;
      let t: Run;
      if (r % 2 === 0) (o = await runOurs(n), (t = await runTheirs(n)));
      else (t = await runTheirs(n), (o = await runOurs(n)));
      last = { ours: o, theirs: t };
      rs.push({
        oursImgPerSec: n / o.seconds,
        theirsImgPerSec: n / t.seconds,
        oursPreprocessMsPerImage: (1000 * o.preprocessSeconds) / n,
        theirsPreprocessMsPerImage: (1000 * t.preprocessSeconds) / n,
      });
      log(`transformers.js threads ${threads} round ${r + 1}/${rounds}: ours ${(n / o.seconds).toFixed(1)} img/s, transformers.js ${(n / t.seconds).toFixed(1)} img/s`);
    }
    settings.push({
      threads,
      oursImgPerSec: median(rs.map((x) => x.oursImgPerSec)),
      theirsImgPerSec: median(rs.map((x) => x.theirsImgPerSec)),
      ratioTheirsOverOurs: median(rs.map((x) => x.theirsImgPerSec / x.oursImgPerSec)),
      oursPreprocessMsPerImage: median(rs.map((x) => x.oursPreprocessMsPerImage)),
      theirsPreprocessMsPerImage: median(rs.map((x) => x.theirsPreprocessMsPerImage)),
      rounds: rs,
    });
    await theirs.dispose();
    if (!agreement) {
      agreement = { ours: last!.ours.embeds, theirs: last!.theirs.embeds, model: ours };
      keep = ours;
    } else await ours.release();
  }
  const load1 = loadavg();

  // Agreement and its cause, on the embeddings of the first thread setting (threads do not change them beyond rounding).
  const { model } = agreement!;
  const cfg = model.preprocess;
  const dim = model.embeddingDim;
  const cos = rowCosines(agreement!.ours, agreement!.theirs, dim);
  const sorted = Float64Array.from(cos.cosines).sort();
  const k = Math.min(opts.pixelImages ?? 16, n);
  const per = 3 * cfg.crop.height * cfg.crop.width;
  const ourPixels = new Float32Array(k * per);
  for (let i = 0; i < k; i++) preprocessImage(images[i], cfg, ourPixels, i * per);
  const theirPixels = (await processor(theirImages.slice(0, k))).pixel_values.data as Float32Array;
  const ourLevels = toLevels(ourPixels, cfg);
  const theirLevels = toLevels(theirPixels, cfg);
  const { height: h, width: w } = cfg.crop;
  const shift = bestShift(ourLevels, theirLevels, h, w);
  const swapped = rowCosines(await model.encodeImages(theirPixels, k), agreement!.theirs.subarray(0, k * dim), dim);
  const pil = pilLevels(python, images.slice(0, k), cfg.crop.height);
  await keep!.release();

  return {
    benchmark: 'transformers-js',
    date: new Date().toISOString(),
    machine: { ...machineInfo(), loadavgBefore: load0, loadavgAfter: load1 },
    transformersJs: (tjs.env as { version?: string }).version ?? 'unknown',
    sharp: { sharp: sharp.versions.sharp, vips: sharp.versions.vips },
    model: { export: opts.exportDir ?? 'bench/vit-graph.ts writeVitExport (ViT-B/32 shape, random weights)', dir: relative(PROJECT_ROOT, dir), dim },
    dataset: { name: 'cifar10', split: 'test', images: n, size: `${images[0].width}x${images[0].height}` },
    batchSize: batch,
    rounds,
    throughput: settings,
    agreement: {
      images: n,
      median: sorted[Math.floor((sorted.length - 1) / 2)],
      mean: cos.mean,
      min: cos.min,
      p01: cos.p01,
    },
    cause: {
      images: k,
      meanAbsLevelsOursVsTheirs: meanAbs(ourLevels, theirLevels),
      bestShiftOutputPixels: { dx: shift.dx, dy: shift.dy },
      bestShiftSourcePixels: { dx: (shift.dx * images[0].width) / w, dy: (shift.dy * images[0].height) / h },
      meanAbsLevelsAtBestShift: shift.meanAbsLevels,
      pil:
        typeof pil === 'string'
          ? { skipped: pil }
          : { meanAbsLevelsOurs: meanAbs(ourLevels, pil), meanAbsLevelsTheirs: meanAbs(theirLevels, pil) },
      theirPixelsThroughOurSession: { medianCosine: median(Array.from(swapped.cosines)), minCosine: swapped.min },
    },
  };
}

export type TransformersJsResult = Awaited<ReturnType<typeof measureTransformersJs>>;

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      n: { type: 'string', default: '256' },
      threads: { type: 'string', default: [...new Set([1, availableParallelism()])].join(',') },
      rounds: { type: 'string', default: '3' },
      batch: { type: 'string', default: '32' },
    },
  });
  const out = await measureTransformersJs({
    n: Number(values.n),
    threads: values.threads!.split(',').map(Number),
    rounds: Number(values.rounds),
    batchSize: Number(values.batch),
  });
  for (const s of out.throughput) {
    console.log(
      `threads ${s.threads}: ours ${s.oursImgPerSec.toFixed(1)} img/s, transformers.js ${s.theirsImgPerSec.toFixed(1)} img/s ` +
        `(ratio ${s.ratioTheirsOverOurs.toFixed(2)}); preprocessing ${s.oursPreprocessMsPerImage.toFixed(2)} vs ${s.theirsPreprocessMsPerImage.toFixed(2)} ms/img`,
    );
  }
  const a = out.agreement;
  const c = out.cause;
  console.log(`cosine ours vs transformers.js over ${a.images} images: median ${a.median.toFixed(4)}, min ${a.min.toFixed(4)}`);
  console.log(
    `pixels: mean ${c.meanAbsLevelsOursVsTheirs.toFixed(2)} levels apart; best alignment at shift (${c.bestShiftOutputPixels.dx}, ${c.bestShiftOutputPixels.dy}) output px ` +
      `(${c.meanAbsLevelsAtBestShift.toFixed(2)} levels); their pixels through our session: median cosine ${c.theirPixelsThroughOurSession.medianCosine.toFixed(6)}`,
  );
  if ('skipped' in c.pil) console.log(`PIL reference skipped: ${c.pil.skipped}`);
  else console.log(`vs PIL bicubic: ours ${c.pil.meanAbsLevelsOurs.toFixed(2)} levels, transformers.js ${c.pil.meanAbsLevelsTheirs.toFixed(2)} levels`);
  const file = join(PROJECT_ROOT, 'bench', 'results', 'transformers-js.json');
  await writeFileAtomic(file, `${JSON.stringify(out, null, 2)}\n`);
  console.log(`wrote ${file}`);
}

if (isEntryPoint(import.meta.url)) {
  main().catch((e) => {
    console.error(e);
    process.exit(1);
  });
}
