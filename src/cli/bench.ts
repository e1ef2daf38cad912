/** `npm run bench`: parse, validate, open the model, run the pipeline, write and print the results. */
import { join, resolve } from 'node:path';
import { mkdir } from 'node:fs/promises';
import { BENCH_EXAMPLES, BENCH_FLAGS, BENCH_PROG, benchArgsFrom, type BenchArgs } from './bench-args.ts';
import { DEFAULT_MODEL } from '../model/registry.ts';
import { openModel } from '../model/resolve.ts';
import { DEFAULT_PROBE_SETTINGS, defaultThreads, newRunId, prepareDatasets, runBench } from '../pipeline/bench.ts';
import { PROJECT_ROOT } from '../util/paths.ts';
import { writeFileAtomic } from '../util/atomic.ts';
import { breakEvenLine, renderMarkdown, SUMMARY_HEADER, summaryRows } from '../results/markdown.ts';
import { assertValidResults } from '../results/validate.ts';
import { defineCommand, formatTable, singleCommandMain, startCli, type Io } from './toolkit.ts';

async function bench(args: BenchArgs, argv: string[], io: Io): Promise<number> {
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
    settings: { ...DEFAULT_PROBE_SETTINGS, solver: args.solver },
    threads,
    workers: args.workers ?? 1,
    batchSize: args.batchSize,
    cacheRoot: args.cache ? resolve(args.cacheDir ?? join(PROJECT_ROOT, '.cache', 'features')) : null,
    exportFeaturesDir: args.exportFeatures ? resolve(args.exportFeatures) : null,
    dataDir: args.dataDir,
    source: args.source,
    skipBad: args.skipBad,
    bootstrapResamples: args.bootstrap,
    zeroShot: !args.noZeroShot,
    argv: ['npm', 'run', 'bench', '--', ...argv],
    log,
  };
  // Cheap checks first: datasets open and labels validate before the model loads or any image is encoded.
  const prepared = await prepareDatasets(opts);
  const model = await openModel(modelRef, {
    threads,
    variant: args.variant,
    modelsDir: args.modelsDir,
    allowUnverified: args.allowUnverified,
    progress: { stream: io.stderr },
    log,
  });
  try {
    if (model.manifest.demo) log(`note: ${model.name} is the demo model trained in this repository, not CLIP (see models/demo-clip/README.md)`);
    const results = await runBench(opts, model, prepared);
    results.runId = newRunId();
    assertValidResults(results, 'results.json');
    const outDir = resolve(args.out ?? join(PROJECT_ROOT, 'reports', results.runId));
    await mkdir(outDir, { recursive: true });
    await writeFileAtomic(join(outDir, 'results.json'), JSON.stringify(results, null, 2));
    await writeFileAtomic(join(outDir, 'results.md'), renderMarkdown(results));
    for (const ds of results.datasets) {
      io.stdout.write(`\n${ds.name} — ${results.model.name}${results.model.demo ? ' (demo model, not CLIP)' : ''}, test n=${ds.splits.test!.used}\n`);
      io.stdout.write(formatTable(SUMMARY_HEADER, summaryRows(ds)));
      const be = breakEvenLine(ds);
      if (be) io.stdout.write(`${be}\n`);
    }
    for (const w of results.warnings) io.stdout.write(`warning: ${w}\n`);
    io.stdout.write(`\nwrote ${join(outDir, 'results.json')} and results.md (${results.timings.totalSeconds.toFixed(1)} s)\n`);
    return 0;
  } finally {
    await model.release();
  }
}

export const benchCommand = defineCommand({
  name: 'bench',
  summary: 'zero-shot vs k-shot linear probes on frozen image features',
  usage: '--dataset <name|path> [options]',
  description: 'Zero-shot classification vs k-shot linear probes on frozen image features.',
  flags: BENCH_FLAGS,
  examples: BENCH_EXAMPLES,
  run: ({ values, positionals, argv, io }) => bench(benchArgsFrom(values, positionals), argv, io),
});

/** `main(argv, io)`: the exit code (see src/cli/toolkit.ts); output goes to `io` (default the process's streams). */
export const main = singleCommandMain(BENCH_PROG, benchCommand);

startCli(import.meta.url, main);
