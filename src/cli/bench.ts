/** `npm run bench`: parse, check inputs and outputs, open the model, run the pipeline, write and print the results. */
import { resultsJson } from '../results/to-json.ts';
import { join, resolve } from 'node:path';
import { BENCH_EXAMPLES, BENCH_FLAGS, BENCH_PROG, benchArgsFrom, type BenchArgs } from './bench-args.ts';
import { DEFAULT_MODEL } from '../model/registry.ts';
import { openModel, resolveModelRef } from '../model/resolve.ts';
import { extractionDefaults } from '../features/extraction-defaults.ts';
import { DEFAULT_PROBE_SETTINGS, defaultThreads, newRunId, prepareDatasets, runBench, testIndices, type BenchOptions } from '../pipeline/bench.ts';
import { checkHeadClasses, checkHeadModel, readHeadsManifest, scoreSavedHeads, type HeadScore } from '../pipeline/load-heads.ts';
import { toCsv } from '../reports/csv.ts';
import { PROJECT_ROOT, resolveDataDir } from '../util/paths.ts';
import { writeFileAtomic } from '../util/atomic.ts';
import { breakEvenLine, effectiveRobustnessLine, renderMarkdown, ROBUSTNESS_HEADER, robustnessRows, SUMMARY_HEADER, summaryRows } from '../results/markdown.ts';
import { validateResults } from '../results/validate.ts';
import type { BenchResults } from '../results/schema.ts';
import { checkOutputDir } from './output-paths.ts';
import { writeRunReport } from '../reports/write.ts';
import { prepareRetrievalSets, runRetrievalBench, type RetrievalSet } from '../pipeline/retrieval-bench.ts';
import { RETRIEVAL_HEADER, retrievalRows, retrievalTitle } from '../results/retrieval-table.ts';
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
    imageColumn: args.imageColumn,
    labelColumn: args.labelColumn,
    splitFile: args.splitFile,
    classesFile: args.classesFile,
    settings: { ...DEFAULT_PROBE_SETTINGS, solver: args.solver, precision: args.probePrecision, search: args.search },
    threads,
    device: args.device,
    workers: args.workers ?? extractionDefaults().workers,
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
    methods: args.methods,
    saveHeadsDir: args.saveHeads ? resolve(args.saveHeads) : null,
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
  if (args.loadHeads) return loadHeads(args, opts, modelRef, io, log);
  const retrieval = args.task === 'retrieval';
  const prepared = retrieval ? [] : await prepareDatasets(opts);
  const retrievalSets: RetrievalSet[] = retrieval ? await prepareRetrievalSets(opts, args.captions) : [];
  const model = await openModel(modelRef, {
    threads,
    device: args.device,
    int8Encode: args.int8Encode,
    variant: args.variant,
    modelsDir: args.modelsDir,
    allowUnverified: args.allowUnverified,
    progress: { stream: io.stderr },
    log,
  });
  let results: BenchResults;
  try {
    if (model.manifest.demo) log(`note: ${model.name} is the demo model trained in this repository, not CLIP (see models/demo-clip/README.md)`);
    results = retrieval ? await runRetrievalBench(opts, model, retrievalSets) : await runBench(opts, model, prepared);
  } finally {
    await model.release();
  }
  const outDir = resolve(args.out ?? join(PROJECT_ROOT, 'reports', results.runId));
  const problems = deps.validateResults(results);
  if (problems.length) {
    // The compute is done: keep the record for inspection rather than lose the run.
    const kept = join(outDir, 'results.invalid.json');
    await writeFileAtomic(kept, resultsJson(results));
    throw checkFailed(`the results do not match the results schema (${problems.slice(0, 3).join('; ')}); the run is kept in ${kept}`);
  }
  await writeFileAtomic(join(outDir, 'results.json'), resultsJson(results));
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
  for (const rec of results.retrieval ?? []) {
    io.stdout.write(`\n${retrievalTitle(rec, `${results.model.name}${results.model.demo ? ' (demo model, not CLIP)' : ''}`)}\n`);
    io.stdout.write(formatTable(RETRIEVAL_HEADER, retrievalRows(rec)));
  }
  for (const w of results.warnings) io.stdout.write(`warning: ${w}\n`);
  if (reportError) throw checkFailed(reportError);
  io.stdout.write(`\nwrote ${join(outDir, 'results.json')}, results.md, ${results.retrieval?.length ? 'retrieval.csv' : 'results.csv'}, report.html and plots/ (${results.timings.totalSeconds.toFixed(1)} s)\n`);
  return 0;
}

/** --load-heads: check the manifest against the datasets and the model, then score every head; nothing is written before the checks pass. */
async function loadHeads(args: BenchArgs, opts: BenchOptions, modelRef: string, io: Io, log: (m: string) => void): Promise<number> {
  const dir = resolve(args.loadHeads!);
  const manifest = await readHeadsManifest(dir);
  if (args.shots.length && args.methods.some((m) => m !== 'zero-shot' && m !== 'linear-probe')) log('note: --load-heads fits nothing; --methods is ignored');
  const prepared = await prepareDatasets({ ...opts, shots: [] });
  for (const p of prepared) checkHeadClasses(manifest, p.ds, dir);
  const model = await openModel(modelRef, { threads: opts.threads, device: args.device, int8Encode: args.int8Encode, variant: args.variant, modelsDir: args.modelsDir, allowUnverified: args.allowUnverified, progress: { stream: io.stderr }, log });
  let rows: HeadScore[];
  try {
    checkHeadModel(manifest, model, dir);
    rows = await scoreSavedHeads(opts, model, prepared, manifest, dir, testIndices);
  } finally {
    await model.release();
  }
  const outDir = resolve(args.out ?? join(PROJECT_ROOT, 'reports', opts.runId ?? newRunId()));
  const record = { schema: 'clip-bench/head-scores', heads: dir, fittedOn: manifest.dataset, model: manifest.model, command: opts.argv, createdAt: new Date().toISOString(), scores: rows };
  await writeFileAtomic(join(outDir, 'head-scores.json'), JSON.stringify(record, null, 1));
  const csvRows = rows.map((r) => ({ dataset: r.dataset, shift: r.shift, method: r.method, shots: r.shots ?? '', seed: r.seed ?? '', n_test: r.n, top1_mean: r.top1.mean, top1_ci_low: r.top1.ci[0], top1_ci_high: r.top1.ci[1], top5_mean: r.top5, balanced_accuracy_mean: r.balancedAccuracy.mean, hyperparameters: Object.entries(r.hyperparameters).map(([k, v]) => `${k}=${v}`).join(';') }));
  await writeFileAtomic(join(outDir, 'head-scores.csv'), toCsv(Object.keys(csvRows[0] ?? { dataset: '' }), csvRows));
  const pct = (x: number) => (100 * x).toFixed(1);
  io.stdout.write(formatTable(['dataset', 'shift', 'head', 'shots', 'seed', 'top-1 % [95% CI]', 'top-5 %', 'balanced acc. %'], rows.map((r) => [r.dataset, r.shift, r.method, String(r.shots ?? '–'), String(r.seed ?? '–'), `${pct(r.top1.mean)} [${pct(r.top1.ci[0])}, ${pct(r.top1.ci[1])}]`, r.top5 === null ? '–' : pct(r.top5), pct(r.balancedAccuracy.mean)])));
  io.stdout.write(`\nwrote ${join(outDir, 'head-scores.json')} and head-scores.csv (${rows.length} head × test-set scores, heads fitted on ${manifest.dataset})\n`);
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
