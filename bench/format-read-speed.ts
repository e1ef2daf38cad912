/**
 * Reading cost of the dataset formats (issue 20): the same images as an image folder, as a
 * CLIP_benchmark webdataset (lossless WebP and PNG members in several shards) and as Hugging Face
 * parquet, each opened (listed, hashed, header-checked) and every image of the test split decoded.
 *
 * Target: webdataset and parquet ≤ 1.1× the folder's time. The cores are shared with other jobs, so
 * each round times the three layouts back to back (order rotating between rounds), the load average
 * is recorded, and the median ratio over rounds is reported. CPU time (user + system of this
 * process) is reported too: unlike wall time it does not depend on what other jobs take.
 *
 *   npx tsx bench/format-read-speed.ts [--n 1200] [--size 96] [--rounds 3] [--quick]
 *   → bench/results/format-read-speed.json (--quick: → format-read-speed-quick.json) and a table on stdout
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { openDataset } from '../src/datasets/resolve.ts';
import { PROJECT_ROOT } from '../src/util/paths.ts';
import { tempDir } from '../test/datasets/fixtures.ts';
import { makeSamples, writeAsFolder, writeAsParquet, writeAsWebdataset } from '../test/datasets/format-fixtures.ts';

const { values } = parseArgs({
  options: {
    n: { type: 'string', default: '1200' },
    size: { type: 'string', default: '96' },
    rounds: { type: 'string', default: '3' },
    quick: { type: 'boolean', default: false },
  },
});
const N = Number(values.quick ? 300 : values.n);
const SIZE = Number(values.quick ? 64 : values.size);
const ROUNDS = Number(values.quick ? 1 : values.rounds);
const CLASSES = Array.from({ length: 10 }, (_, i) => `class${i}`);

interface Timing {
  wall: number;
  cpu: number;
}

async function readAll(arg: string): Promise<Timing> {
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const ds = await openDataset(arg);
  let n = 0;
  for await (const x of ds.read('test')) n += x.image.data.length > 0 ? 1 : 0;
  if (n !== N) throw new Error(`${arg}: read ${n} images, expected ${N}`);
  const cpu = process.cpuUsage(cpu0);
  return { wall: (performance.now() - t0) / 1000, cpu: (cpu.user + cpu.system) / 1e6 };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function main(): Promise<void> {
  const dir = await tempDir('cb-format-read-');
  try {
    const samples = await makeSamples({ classes: CLASSES.length, perClass: { test: Math.ceil(N / CLASSES.length) }, size: SIZE });
    samples.length = N;
    const layouts = {
      folder: join(dir.path, 'folder'),
      wds: `wds:${join(dir.path, 'wds')}`,
      parquet: `parquet:${join(dir.path, 'parquet')}`,
    };
    await writeAsFolder(join(dir.path, 'folder'), samples, CLASSES);
    await writeAsWebdataset(join(dir.path, 'wds'), samples, CLASSES, { shards: 4 });
    await writeAsParquet(join(dir.path, 'parquet'), samples, CLASSES, { rowGroupSize: 100 });
    // One untimed pass each: the page cache holds every layout alike.
    for (const arg of Object.values(layouts)) await readAll(arg);

    const names = Object.keys(layouts) as (keyof typeof layouts)[];
    const rounds: { load: number; times: Record<string, Timing> }[] = [];
    for (let r = 0; r < ROUNDS; r++) {
      const times: Record<string, Timing> = {};
      const load = loadavg()[0];
      for (let k = 0; k < names.length; k++) {
        const name = names[(k + r) % names.length];
        times[name] = await readAll(layouts[name]);
      }
      rounds.push({ load, times });
    }
    const ratio = (name: string, key: keyof Timing) => median(rounds.map((r) => r.times[name][key] / r.times.folder[key]));
    const summary = Object.fromEntries(
      names.map((n) => [n, { wallSeconds: median(rounds.map((r) => r.times[n].wall)), cpuSeconds: median(rounds.map((r) => r.times[n].cpu)), wallRatio: ratio(n, 'wall'), cpuRatio: ratio(n, 'cpu') }]),
    );
    const record = { n: N, size: SIZE, rounds: ROUNDS, loadAverages: rounds.map((r) => r.load), node: process.version, measuredAt: new Date().toISOString(), summary, raw: rounds };
    console.log(`${N} images of ${SIZE}×${SIZE}, ${ROUNDS} round(s), load ${rounds.map((r) => r.load.toFixed(1)).join(', ')}`);
    console.log('layout    wall s   cpu s   wall ×folder   cpu ×folder');
    for (const n of names) {
      const s = summary[n];
      console.log(`${n.padEnd(9)} ${s.wallSeconds.toFixed(2).padStart(6)}  ${s.cpuSeconds.toFixed(2).padStart(6)}   ${s.wallRatio.toFixed(3).padStart(12)}   ${s.cpuRatio.toFixed(3).padStart(11)}`);
    }
    const out = join(PROJECT_ROOT, 'bench', 'results', values.quick ? 'format-read-speed-quick.json' : 'format-read-speed.json');
    await mkdir(join(PROJECT_ROOT, 'bench', 'results'), { recursive: true });
    await writeFile(out, JSON.stringify(record, null, 2) + '\n');
    console.log(`wrote ${out}`);
  } finally {
    await dir.cleanup();
  }
}

await main();
