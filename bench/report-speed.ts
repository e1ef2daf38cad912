/**
 * Report speed (issue #9 targets): all plots of a 5-dataset × 6-shot × 5-seed run in < 3 s, and a
 * combined report over 50 runs in < 10 s. Records are synthetic (bench/report-synthetic.ts) with real
 * shapes: CIFAR-10-, MNIST- and digits-like 10-class sets, a 100-class set and a QuickDraw-like
 * 345-class set, each with full confusion matrices. Writes bench/results/report-speed.json.
 *
 *   npx tsx bench/report-speed.ts [out.json]
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { combineRuns, combinedReportFiles, loadRuns, writeRunReport } from '../src/reports/index.ts';
import { runPlots } from '../src/reports/plots.ts';
import { writeOutputs } from '../src/reports/write.ts';
import { validateResults } from '../src/results/validate.ts';
import { syntheticRun } from './report-synthetic.ts';

const DATASETS: [string, number, number][] = [
  ['cifar10-like', 10, 1000],
  ['mnist-like', 10, 1000],
  ['digits-like', 10, 36],
  ['hundred', 100, 100],
  ['quickdraw-like', 345, 20],
];
const seconds = (t0: number) => (performance.now() - t0) / 1000;
/** Process CPU seconds (user + system) since `c0`: on a shared machine, closer to what an idle one takes. */
const cpuSeconds = (c0: NodeJS.CpuUsage) => {
  const c = process.cpuUsage(c0);
  return (c.user + c.system) / 1e6;
};
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const dir = await mkdtemp(join(tmpdir(), 'report-speed-'));
try {
  const run = syntheticRun('model-a', DATASETS, 5, 1);
  const problems = validateResults(run);
  if (problems.length) throw new Error(`synthetic record is invalid: ${problems.join('; ')}`);

  runPlots(run); // warm-up: font registration, chart.js set-up, JIT
  const plotTimes: number[] = [];
  const plotCpu: number[] = [];
  let plotCount = 0;
  for (let i = 0; i < 3; i++) {
    const t0 = performance.now();
    const c0 = process.cpuUsage();
    plotCount = runPlots(run).length;
    plotTimes.push(seconds(t0));
    plotCpu.push(cpuSeconds(c0));
  }
  const t1 = performance.now();
  await writeRunReport(run, join(dir, 'one'));
  const runReport = seconds(t1);
  console.log(`one run (5 datasets × 6 shots × 5 seeds): ${plotCount} plots in ${median(plotTimes).toFixed(2)} s wall, ${median(plotCpu).toFixed(2)} s CPU (median of 3; target < 3 s); all files incl. CSV and HTML ${runReport.toFixed(2)} s`);

  // 50 runs: 10 models × the 5 datasets, one dataset per run (as separate bench invocations leave them).
  const files: string[] = [];
  for (let m = 0; m < 10; m++) {
    for (const [d, ds] of DATASETS.entries()) {
      const f = join(dir, 'runs', `m${m}-${ds[0]}`, 'results.json');
      const r = syntheticRun(`model-${m}`, [ds], 5, 100 + m * 10 + d);
      await writeOutputs(join(dir, 'runs', `m${m}-${ds[0]}`), [['results.json', JSON.stringify(r)]]);
      files.push(f);
    }
  }
  const t2 = performance.now();
  const c2 = process.cpuUsage();
  const runs = await loadRuns([join(dir, 'runs')]);
  const loaded = seconds(t2);
  const combined = combineRuns(runs, false);
  const out = combinedReportFiles(combined, ['html', 'csv', 'md', 'png']);
  await writeOutputs(join(dir, 'combined'), out);
  const total = seconds(t2);
  const totalCpu = cpuSeconds(c2);
  console.log(`report over ${runs.length} runs (${combined.models.length} models × ${combined.datasets.length} datasets): ${total.toFixed(2)} s wall, ${totalCpu.toFixed(2)} s CPU (target < 10 s), of which loading and validating ${loaded.toFixed(2)} s; ${out.length} files`);

  const record = {
    benchmark: 'report-speed',
    date: new Date().toISOString(),
    machine: { cpu: cpus()[0]?.model.trim(), cores: cpus().length, node: process.version, platform: `${process.platform}-${process.arch}`, loadAverage1m: loadavg()[0] },
    oneRun: { datasets: DATASETS.map(([n, K, per]) => ({ name: n, classes: K, testPerClass: per })), shots: 6, seeds: 5, plots: plotCount, plotSecondsMedian: median(plotTimes), plotCpuSecondsMedian: median(plotCpu), allFilesSeconds: runReport, targetSeconds: 3 },
    combined: { runs: runs.length, models: combined.models.length, datasets: combined.datasets.length, files: out.length, seconds: total, cpuSeconds: totalCpu, loadSeconds: loaded, targetSeconds: 10 },
  };
  const outFile = process.argv[2] ?? join(import.meta.dirname, 'results', 'report-speed.json');
  await writeFile(outFile, JSON.stringify(record, null, 2) + '\n');
  console.log(`wrote ${outFile}`);
} finally {
  await rm(dir, { recursive: true, force: true });
}
