/**
 * Peak memory of feature extraction over CIFAR-10's test split, for growing image counts. Each count
 * runs in a fresh child process so peaks never mix.
 *
 * The encoder is a 1-layer version of bench/vit-graph.ts's ViT-B/32 tower (same input, patch embedding,
 * width 768 and 512-d output; ≈ 10M parameters), so the run is quick and the memory measured is the
 * pipeline's rather than the weights'. Extraction writes into a fresh feature cache (as `npm run bench`
 * does by default) with the bench defaults: 1 preprocessing worker, batch 32, threads = all cores.
 *
 * Expected growth: the features themselves, n · 512 · 4 bytes (≈ 20 MB at 10 000), held once by the
 * extraction and once more in the returned matrix. Anything beyond that would be a leak.
 *
 *   npx tsx bench/extract-memory.ts [--counts 2500,5000,10000] [--layers 1]
 *   → bench/results/extract-memory.json and a table on stdout
 */
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { openDataset } from '../src/datasets/resolve.ts';
import { extractImageFeatures } from '../src/features/extract.ts';
import { loadModel } from '../src/model/load.ts';
import type { Device } from '../src/model/device.ts';
import { isEntryPoint } from '../src/cli/toolkit.ts';
import { PROJECT_ROOT } from '../src/util/paths.ts';
import { VIT_B32_DIR, machineInfo, writeVitExport } from './vit-graph.ts';

const MB = 1024 * 1024;
const LIMIT_BYTES = 1.5 * 1024 ** 3;

interface ChildReport {
  n: number;
  dim: number;
  seconds: number;
  rssAfterLoad: number;
  peakRssSampled: number;
  maxRss: number;
  rssAfter: number;
  heapUsedAtPeak: number;
  arrayBuffersAtPeak: number;
  featureBytes: number;
}

const exportDirOf = (layers: number) => `${VIT_B32_DIR}-${layers}l`;

async function child(n: number, layers: number, device: Device): Promise<void> {
  const model = await loadModel(exportDirOf(layers), { threads: availableParallelism(), device });
  const dataset = await openDataset('cifar10', { fetch: false });
  const cacheRoot = await mkdtemp(join(tmpdir(), 'clip-bench-mem-'));
  const rssAfterLoad = process.memoryUsage().rss;
  let peak = { rss: rssAfterLoad, heapUsed: 0, arrayBuffers: 0 };
  const sample = () => {
    const m = process.memoryUsage();
    if (m.rss > peak.rss) peak = { rss: m.rss, heapUsed: m.heapUsed, arrayBuffers: m.arrayBuffers };
  };
  const timer = setInterval(sample, 50);
  try {
    const res = await extractImageFeatures({
      encoder: model,
      dataset,
      split: 'test',
      indices: Int32Array.from({ length: n }, (_, i) => i),
      cacheRoot,
      batchSize: 32,
      workers: 1,
      quiet: true,
    });
    sample();
    clearInterval(timer);
    const report: ChildReport = {
      n,
      dim: res.dim,
      seconds: res.seconds,
      rssAfterLoad,
      peakRssSampled: peak.rss,
      maxRss: process.resourceUsage().maxRSS * 1024,
      rssAfter: process.memoryUsage().rss,
      heapUsedAtPeak: peak.heapUsed,
      arrayBuffersAtPeak: peak.arrayBuffers,
      featureBytes: res.features.byteLength,
    };
    process.stdout.write(`${JSON.stringify(report)}\n`);
  } finally {
    clearInterval(timer);
    await rm(cacheRoot, { recursive: true, force: true });
    await model.release();
  }
}

function runChild(n: number, layers: number, device: Device): Promise<ChildReport> {
  return new Promise((resolve, reject) => {
    const script = fileURLToPath(import.meta.url);
    // execArgv carries tsx's loader flags, so the child runs this TypeScript file the same way.
    const p = spawn(process.execPath, [...process.execArgv, script, '--child', '--n', String(n), '--layers', String(layers), '--device', device], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    p.stdout.on('data', (d) => (out += d));
    p.on('error', reject);
    p.on('close', (code) => {
      if (code !== 0) return reject(new Error(`child for n=${n} exited with ${code}`));
      resolve(JSON.parse(out.trim().split('\n').pop()!) as ChildReport);
    });
  });
}

export interface ExtractMemoryOptions {
  /** Image counts, each extracted in a fresh child process. */
  counts?: number[];
  /** Layers of the ViT-B/32-shaped tower (1: the pipeline's memory rather than the weights'). */
  layers?: number;
  /** onnxruntime execution provider for the encoder (default cpu). */
  device?: Device;
  log?: (line: string) => void;
}

/** Peak RSS of extraction per image count; the figures bench/results holds. */
export async function measureExtractMemory(opts: ExtractMemoryOptions = {}) {
  const layers = opts.layers ?? 1;
  const counts = opts.counts ?? [2500, 5000, 10000];
  const log = opts.log ?? ((line: string) => console.error(line));
  const w = await writeVitExport(exportDirOf(layers), { layers });
  const reports: ChildReport[] = [];
  for (const n of counts) {
    const r = await runChild(n, layers, opts.device ?? 'cpu');
    reports.push(r);
    log(`n=${n}: peak RSS ${(r.peakRssSampled / MB).toFixed(0)} MB (maxRSS ${(r.maxRss / MB).toFixed(0)} MB) in ${r.seconds.toFixed(1)} s`);
  }
  const worst = Math.max(...reports.map((r) => Math.max(r.maxRss, r.peakRssSampled)));
  return {
    benchmark: 'extract-memory',
    date: new Date().toISOString(),
    machine: machineInfo(),
    model: { export: `bench/vit-graph.ts writeVitExport({ layers: ${layers} })`, params: w.params },
    settings: { threads: availableParallelism(), workers: 1, batchSize: 32, cache: 'fresh temporary directory' },
    dataset: { name: 'cifar10', split: 'test' },
    limitBytes: LIMIT_BYTES,
    met: worst < LIMIT_BYTES,
    note: 'maxRSS covers the whole child process (model load included); the features (n·dim·4 bytes) are held twice at the end: in the extraction rows and in the returned matrix',
    runs: reports,
  };
}

async function main(counts: number[], layers: number): Promise<void> {
  const out = await measureExtractMemory({ counts, layers });
  const reports = out.runs;
  const base = reports[0];
  const header = ['images', 'RSS after load MB', 'peak RSS MB (50 ms)', 'maxRSS MB', 'features MB', 'growth vs first MB', 'growth − 2×features MB'];
  const rows = reports.map((r) => {
    const growth = r.maxRss - base.maxRss;
    const featGrowth = r.featureBytes - base.featureBytes;
    return [
      String(r.n),
      (r.rssAfterLoad / MB).toFixed(0),
      (r.peakRssSampled / MB).toFixed(0),
      (r.maxRss / MB).toFixed(0),
      (r.featureBytes / MB).toFixed(1),
      (growth / MB).toFixed(0),
      ((growth - 2 * featGrowth) / MB).toFixed(0),
    ];
  });
  const table = [header, ...rows];
  const widths = header.map((_, c) => Math.max(...table.map((row) => row[c].length)));
  for (const row of table) console.log(row.map((v, c) => v.padEnd(widths[c])).join('  '));
  const worst = Math.max(...reports.map((r) => Math.max(r.maxRss, r.peakRssSampled)));
  console.log(`\nhighest peak ${(worst / MB).toFixed(0)} MB; limit 1536 MB: ${worst < LIMIT_BYTES ? 'met' : 'NOT met'}`);

  const dir = join(PROJECT_ROOT, 'bench', 'results');
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'extract-memory.json'), `${JSON.stringify(out, null, 2)}\n`);
}

if (isEntryPoint(import.meta.url)) {
  const { values } = parseArgs({
    options: {
      child: { type: 'boolean', default: false },
      n: { type: 'string' },
      counts: { type: 'string', default: '2500,5000,10000' },
      layers: { type: 'string', default: '1' },
      device: { type: 'string', default: 'cpu' },
    },
  });
  const layers = Number(values.layers);
  const run = values.child ? child(Number(values.n), layers, values.device as Device) : main(values.counts!.split(',').map(Number), layers);
  run.catch((e) => {
    console.error(e);
    process.exit(1);
  });
}
