/** `npm run bench`: parse, check inputs and outputs, open the model, run the pipeline, write and print the results. */
import { join, resolve } from 'node:path';
import { BENCH_EXAMPLES, BENCH_FLAGS, BENCH_PROG, benchArgsFrom, type BenchArgs } from './bench-args.ts';
import { DEFAULT_MODEL } from '../model/registry.ts';
import { openModel, resolveModelRef } from '../model/resolve.ts';
import { DEFAULT_PROBE_SETTINGS, defaultThreads, newRunId, prepareDatasets, runBench } from '../pipeline/bench.ts';
import { PROJECT_ROOT, resolveDataDir } from '../util/paths.ts';
import { writeFileAtomic } from '../util/atomic.ts';
import { breakEvenLine, effectiveRobustnessLine, renderMarkdown, ROBUSTNESS_HEADER, robustnessRows, SUMMARY_HEADER, summaryRows } from '../results/markdown.ts';
import { validateResults } from '../results/validate.ts';
import type { BenchResults } from '../results/schema.ts';
import { checkOutputDir } from './output-paths.ts';
import { writeRunReport } from '../reports/write.ts';
import { checkFailed, defineCommand, formatTable, singleCommandMain, startCli, type Io } from './toolkit.ts';

export interface BenchDeps {
  /** Problems with a results record (empty when valid); injectable so tests can make the last step fail. */
  validateResults: (results: BenchResults) => string[];
}

const DEFAULT_CACHE = join(PROJECT_ROOT, '.cache', 'features');

/** Every path the run will write to, checked before the model loads or any dataset is fetched. */
function checkOutputs(args: BenchArgs): void {
  if (args.out !== null) checkOutputDir({ flag: '--out', path: args.out, mustBeEmpty: true, force: args.force });
  else checkOutputDir({ flag: '--out (default)', path: join(PROJECT_ROOT, 'reports') });
  if (args.exportFeatures !== null) checkOutputDir({ flag: '--export-features', path: args.exportFeatures });
  if (args.cache) checkOutputDir({ flag: args.cacheDir ? '--cache-dir' : 'feature cache', path: args.cacheDir ?? DEFAULT_CACHE });
  // Read-only data dirs are fine when the datasets are already converted there; a file is not.
  checkOutputDir({ flag: args.dataDir ? '--data-dir' : 'data dir', path: resolveDataDir(args.dataDir ?? undefined), writable: false });
}

async function bench(args: BenchArgs, argv: string[], io: Io, deps: BenchDeps): Promise<number> {
  const log = (m: string) => io.stderr.write(`${m}\n`);
  const modelRef = args.model ?? DEFAULT_MODEL;
  const threads = args.threads ?? defaultThreads();
  const opts = {
    modelRef,
    datasets: args.datasets,
    shots: args.shots,
    seeds: args.seeds,
    limit: args.limit,
    templatesFile: args.templatesFile,
    settings: { ...DEFAULT_PROBE_SETTINGS, solver: args.solver, precision: args.probePrecision, search: args.search },
    threads,
    device: args.device,
    workers: args.workers ?? 1,
    batchSize: args.batchSize,
    cacheRoot: args.cache ? resolve(args.cacheDir ?? DEFAULT_CACHE) : null,
    requireCached: args.requireCached,
    exportFeaturesDir: args.exportFeatures ? resolve(args.exportFeatures) : null,
    dataDir: args.dataDir,
    source: args.source,
    skipBad: args.skipBad,
    bootstrapResamples: args.bootstrap,
    zeroShot: !args.noZeroShot,
    shift: args.shift,
    shiftSeed: args.shiftSeed,
    argv: ['npm', 'run', 'bench', '--', ...argv],
    runId: newRunId(),
    log,
    stderr: io.stderr,
    signal: io.signal,
  };
  // Cheap checks first, in order of cost: output paths, the model reference (a registry name or an
  // existing directory; no weights), then datasets and labels; only then the model loads.
  checkOutputs(args);
  resolveModelRef(modelRef);
  const prepared = await prepareDatasets(opts);
  const model = await openModel(modelRef, {
    threads,
    device: args.device,
    variant: args.variant,
    modelsDir: args.modelsDir,
    allowUnverified: args.allowUnverified,
    progress: { stream: io.stderr },
    log,
  });
  let results: BenchResults;
  try {
    if (model.manifest.demo) log(`note: ${model.name} is the demo model trained in this repository, not CLIP (see models/demo-clip/README.md)`);
    results = await runBench(opts, model, prepared);
  } finally {
    await model.release();
  }
  const outDir = resolve(args.out ?? join(PROJECT_ROOT, 'reports', results.runId));
  const problems = deps.validateResults(results);
  if (problems.length) {
    // The compute is done: keep the record for inspection rather than lose the run.
    const kept = join(outDir, 'results.invalid.json');
    await writeFileAtomic(kept, JSON.stringify(results, null, 2));
    throw checkFailed(`the results do not match the results schema (${problems.slice(0, 3).join('; ')}); the run is kept in ${kept}`);
  }
  await writeFileAtomic(join(outDir, 'results.json'), JSON.stringify(results, null, 2));
  await writeFileAtomic(join(outDir, 'results.md'), renderMarkdown(results));
  // results.json is on disk already: a rendering failure costs the plots, never the run.
  let reportError: string | null = null;
  try {
    await writeRunReport(results, outDir);
  } catch (e) {
    reportError = `the run is saved in ${join(outDir, 'results.json')}, but its report could not be rendered: ${(e as Error).message}; retry with: npm run report -- ${outDir} --out <dir>`;
  }
  for (const ds of results.datasets) {
    io.stdout.write(`\n${ds.name}${ds.shift !== 'none' ? ` [shift: ${ds.shift}]` : ''} — ${results.model.name}${results.model.demo ? ' (demo model, not CLIP)' : ''}, test n=${ds.splits.test!.used}\n`);
    io.stdout.write(formatTable(SUMMARY_HEADER, summaryRows(ds)));
    const be = breakEvenLine(ds);
    if (be) io.stdout.write(`${be}\n`);
  }
  for (const r of results.robustness ?? []) {
    io.stdout.write(`\nrobustness — ${r.dataset}, ${r.suite}, ${r.shifts.length} shifted test set${r.shifts.length === 1 ? '' : 's'}\n`);
    io.stdout.write(formatTable(ROBUSTNESS_HEADER, robustnessRows(r)));
    const er = effectiveRobustnessLine(r);
    if (er) io.stdout.write(`${er}\n`);
  }
  for (const w of results.warnings) io.stdout.write(`warning: ${w}\n`);
  if (reportError) throw checkFailed(reportError);
  io.stdout.write(`\nwrote ${join(outDir, 'results.json')}, results.md, results.csv, report.html and plots/ (${results.timings.totalSeconds.toFixed(1)} s)\n`);
  return 0;
}

/** The bench command; `deps` replaces steps for tests. */
export function benchCommand(deps: BenchDeps = { validateResults }) {
  return defineCommand({
    name: 'bench',
    summary: 'zero-shot vs k-shot linear probes on frozen image features',
    usage: '--dataset <name|path> [options]',
    description: 'Zero-shot classification vs k-shot linear probes on frozen image features.',
    flags: BENCH_FLAGS,
    examples: BENCH_EXAMPLES,
    run: ({ values, positionals, argv, io }) => bench(benchArgsFrom(values, positionals), argv, io, deps),
  });
}

/** `main(argv, io)`: the exit code (see src/cli/toolkit.ts); output goes to `io` (default the process's streams). */
export const main = singleCommandMain(BENCH_PROG, benchCommand());

startCli(import.meta.url, main);
