/**
 * Shifted vs clean pipeline throughput: how much a corruption costs the feature pipeline. For each
 * corruption (severity 3), extractImageFeatures (no cache) over the same N CIFAR-10 test images, clean and
 * shifted back to back in each round (order alternating), with the demo model (or --model), one shared
 * preprocessing pool as bench uses. Reports images/s and the ratio shifted ÷ clean (median over rounds),
 * and projects the wall time of the full 19 × 5 suite over the 10,000 test images from the measured rates.
 *
 * Target (issue 10): cheap corruptions keep ≥ 85% of the clean pipeline's throughput; the full suite
 * over CIFAR-10 test with the demo model in < 30 min on 2 cores.
 *
 *   npx tsx bench/shift-throughput.ts [--n 1000] [--rounds 2] [--model models/demo-clip] [--workers 1] [--out file]
 *   → bench/results/shift-throughput.json (or --out) and a table on stdout
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { openDataset } from '../src/datasets/resolve.ts';
import { extractImageFeatures } from '../src/features/extract.ts';
import { corruptionShift, NO_SHIFT, type ImageShift } from '../src/features/shift.ts';
import { PreprocessPool } from '../src/features/worker-pool.ts';
import { openModel } from '../src/model/resolve.ts';
import { CORRUPTIONS } from '../src/shifts/index.ts';
import { PROJECT_ROOT } from '../src/util/paths.ts';
import { machineInfo, median } from './vit-graph.ts';

const { values } = parseArgs({
  options: {
    n: { type: 'string', default: '1000' },
    rounds: { type: 'string', default: '2' },
    model: { type: 'string', default: join(PROJECT_ROOT, 'models', 'demo-clip') },
    workers: { type: 'string', default: '1' },
    out: { type: 'string', default: join('bench', 'results', 'shift-throughput.json') },
  },
});
const N = Number(values.n);
const ROUNDS = Number(values.rounds);

async function main(): Promise<void> {
  const ds = await openDataset('cifar10');
  const model = await openModel(values.model!);
  const pool = new PreprocessPool(Number(values.workers));
  const indices = Int32Array.from({ length: N }, (_, i) => i);
  const rate = async (shift: ImageShift) => {
    const r = await extractImageFeatures({ encoder: model, dataset: ds, split: 'test', indices, shift, cacheRoot: null, pool, quiet: true });
    return N / r.seconds;
  };
  await rate(NO_SHIFT); // warm-up: workers, sessions, page cache
  const rows = [];
  try {
    for (const c of CORRUPTIONS) {
      const shift = corruptionShift({ corruption: c.name, severity: 3 }, 0);
      const clean: number[] = [];
      const shifted: number[] = [];
      const ratios: number[] = [];
      for (let round = 0; round < ROUNDS; round++) {
        let a: number;
        let b: number;
        if (round % 2 === 0) {
          a = await rate(NO_SHIFT);
          b = await rate(shift);
        } else {
          b = await rate(shift);
          a = await rate(NO_SHIFT);
        }
        clean.push(a);
        shifted.push(b);
        ratios.push(b / a);
      }
      const row = { corruption: c.name, group: c.group, cleanImgPerSec: median(clean), shiftedImgPerSec: median(shifted), ratio: median(ratios) };
      rows.push(row);
      process.stdout.write(`${c.name.padEnd(18)} clean ${row.cleanImgPerSec.toFixed(0).padStart(5)} img/s  shifted ${row.shiftedImgPerSec.toFixed(0).padStart(5)} img/s  ratio ${row.ratio.toFixed(2)}\n`);
    }
  } finally {
    await pool.close();
    await model.release();
  }
  // 5 severities of every corruption over the 10,000 test images, at each corruption's measured rate.
  const suiteSeconds = rows.reduce((a, r) => a + (5 * 10_000) / r.shiftedImgPerSec, 0);
  const out = { machine: machineInfo(), loadavg: loadavg(), n: N, rounds: ROUNDS, model: values.model, severity: 3, rows, projectedFullSuiteMinutes: suiteSeconds / 60 };
  const file = join(PROJECT_ROOT, values.out!);
  await mkdir(dirname(file), { recursive: true });
  await writeFile(file, `${JSON.stringify(out, null, 2)}\n`);
  process.stdout.write(`projected full suite (19 × 5 × 10,000 images): ${(suiteSeconds / 60).toFixed(1)} min at these rates (load average ${loadavg()[0].toFixed(1)})\n`);
}

await main();
