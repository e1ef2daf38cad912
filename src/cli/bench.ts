import { join, resolve } from 'node:path';
import { mkdir } from 'node:fs/promises';
import { BENCH_HELP, parseBenchArgs } from './bench-args.ts';
import { runCli } from './args.ts';
import { DEFAULT_MODEL } from '../model/registry.ts';
import { openModel } from '../model/resolve.ts';
import { DEFAULT_PROBE_SETTINGS, defaultThreads, newRunId, prepareDatasets, runBench } from '../pipeline/bench.ts';
import { PROJECT_ROOT } from '../util/paths.ts';
import { writeFileAtomic } from '../util/atomic.ts';
import { breakEvenLine, renderMarkdown, SUMMARY_HEADER, summaryRows } from '../results/markdown.ts';
import { assertValidResults } from '../results/validate.ts';
import { formatTable } from '../results/table.ts';

export async function main(argv: string[]): Promise<number> {
  const args = parseBenchArgs(argv);
  if (args.help) {
    process.stdout.write(BENCH_HELP);
    return 0;
  }
  const log = (m: string) => process.stderr.write(`${m}\n`);
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
  const model = await openModel(modelRef, { threads, variant: args.variant });
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
      process.stdout.write(`\n${ds.name} — ${results.model.name}${results.model.demo ? ' (demo model, not CLIP)' : ''}, test n=${ds.splits.test!.used}\n`);
      process.stdout.write(formatTable(SUMMARY_HEADER, summaryRows(ds)));
      const be = breakEvenLine(ds);
      if (be) process.stdout.write(`${be}\n`);
    }
    for (const w of results.warnings) process.stdout.write(`warning: ${w}\n`);
    process.stdout.write(`\nwrote ${join(outDir, 'results.json')} and results.md (${results.timings.totalSeconds.toFixed(1)} s)\n`);
    return 0;
  } finally {
    await model.release();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) runCli(() => main(process.argv.slice(2)));
