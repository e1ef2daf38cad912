/**
 * `--methods all` against the linear probe alone, side by side (issue 19's target: ≤ 2× the probe alone on
 * `--dataset quickdraw --shots 4`, 3 seeds, features cached). Runs the same bench command twice, once with
 * the default methods (zero-shot and the probe) and once with `--methods all`, each into a fresh folder,
 * and prints both wall times, their ratio, and the --methods run's breakdown: its probe step, its methods
 * step, and each method's fit seconds summed over the seeds (results.json `perSeed[].seconds`), with the
 * 1-minute load before and after. Run the bench command once beforehand so every feature is cached.
 *
 *   npx tsx bench/methods-vs-probe.ts [-- extra bench flags]      (default: --dataset quickdraw --shots 4)
 *   npx tsx bench/methods-vs-probe.ts -- --dataset cifar10 --shots 1 --limit 200
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BenchResults } from '../src/results/schema.ts';

const sep = process.argv.indexOf('--');
const extra = sep >= 0 ? process.argv.slice(sep + 1) : ['--dataset', 'quickdraw', '--shots', '4'];
const base = ['--seeds', '3', '--bootstrap', '200', ...extra];
const tmp = mkdtempSync(join(tmpdir(), 'cb-methods-vs-probe-'));

function run(name: string, flags: string[]): { seconds: number; results: BenchResults } {
  const out = join(tmp, name);
  const t0 = performance.now();
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/bench.ts', ...base, ...flags, '--out', out], { stdio: ['ignore', 'ignore', 'inherit'] });
  const seconds = (performance.now() - t0) / 1000;
  if (r.status !== 0) throw new Error(`bench ${[...base, ...flags].join(' ')} exited ${r.status}`);
  return { seconds, results: JSON.parse(readFileSync(join(out, 'results.json'), 'utf8')) };
}

const load0 = loadavg()[0];
try {
  const probe = run('probe', []);
  const all = run('all', ['--methods', 'all']);
  const ds = all.results.datasets[0];
  const t = ds.timings as Record<string, number>;
  const rows: [string, number][] = [
    ['probe-only run (wall)', probe.seconds],
    ['--methods all run (wall)', all.seconds],
    ['  its probe step', t.probes ?? NaN],
    ['  its methods step', t.methods ?? NaN],
    ...ds.methods.map((m): [string, number] => [`    ${m.method} (fits, all seeds)`, m.shots.flatMap((s) => s.perSeed.map((p) => p.seconds ?? 0)).reduce((a, b) => a + b, 0)]),
  ];
  for (const [k, v] of rows) console.log(`${k.padEnd(40)} ${v.toFixed(1).padStart(8)} s`);
  console.log(`ratio (--methods all ÷ probe only, wall): ${(all.seconds / probe.seconds).toFixed(2)} (target ≤ 2); bench ${base.join(' ')}; 1-min load ${load0.toFixed(2)} → ${loadavg()[0].toFixed(2)}`);
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
