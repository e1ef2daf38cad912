/** `npm run compare`: one export against another on identical rows, paired statistics and CI gates. */
import { dirname, join, resolve } from 'node:path';
import { mkdir } from 'node:fs/promises';
import { openModel, resolveModelRef } from '../model/resolve.ts';
import type { ClipModel } from '../model/clip-model.ts';
import { DEFAULT_PROBE_SETTINGS, defaultThreads, newRunId, prepareDatasets, testIndices, type BenchOptions } from '../pipeline/bench.ts';
import { planProbeDraws } from '../evaluation/linear-probe.ts';
import { PreprocessPool } from '../features/worker-pool.ts';
import { compareOutcomes, type CompareDataset } from '../compare/compare.ts';
import { runExport } from '../compare/run-export.ts';
import { corruptionShift } from '../features/shift.ts';
import { parseShiftSpec } from '../shifts/index.ts';
import { isNaturalShiftItem } from '../datasets/natural-shifts.ts';
import { BASELINE_SCHEMA, BASELINE_VERSION, baselineDataset, baselineMismatches, embeddingRows, outcomesFromBaseline, readBaseline, takeRows, type Baseline, type BaselineDataset } from '../compare/baseline.ts';
import { checkGateRanges, evaluateGates, GATE_PRESETS, verdictLine, type Gates } from '../compare/gates.ts';
import { renderCompareMarkdown } from '../compare/markdown.ts';
import { writeCompareReport } from '../reports/compare-report.ts';
import { recordEnvironment } from '../results/environment.ts';
import { writeFileAtomic } from '../util/atomic.ts';
import { UserError } from '../util/errors.ts';
import { PROJECT_ROOT, resolveFeatureCacheDir } from '../util/paths.ts';
import { parseShots, STORAGE_FLAGS } from './bench-args.ts';
import { checkOutputDir } from './output-paths.ts';
import { variantFlag } from './model-flags.ts';
import { choiceFlag, defineCommand, plural, formatTable, intFlag, singleCommandMain, startCli, type Flags, type Io } from './toolkit.ts';

const PROG = 'npm run compare --';

const FLAGS = {
  reference: { type: 'string', value: '<model>', help: 'the export to compare against (registry name or directory)' },
  candidate: { type: 'string', value: '<model>', help: 'the new export (registry name or directory)' },
  'reference-variant': { type: 'string', value: '<v>', help: 'variant of the reference: fp32, quantized or fp16' },
  'candidate-variant': { type: 'string', value: '<v>', help: 'variant of the candidate: fp32, quantized or fp16' },
  dataset: { type: 'string', multiple: true, value: '<name|path>', help: 'dataset(s) to compare on; repeat or comma-separate' },
  limit: { type: 'string', value: '<n>', help: 'a seeded subset of n test images (the same rows for both)' },
  shots: { type: 'string', value: '<list>', help: 'also compare k-shot probes (same draws, same C grid), e.g. 4,16' },
  seeds: { type: 'string', value: '<n>', help: 'probe seeds (default 1)' },
  preset: { type: 'string', value: '<p>', help: 'gate preset: fp16 (default) or int8' },
  'max-drop': { type: 'string', value: '<points>', help: 'largest allowed top-1 drop in points (fp16: 0.2, int8: 1)' },
  'min-agreement': { type: 'string', value: '<f>', help: 'smallest allowed top-1 agreement (fp16: 0.995, int8: 0.97)' },
  'max-negative-flips': { type: 'string', value: '<f>', help: 'largest allowed negative-flip rate (fp16: 0.005, int8: 0.02)' },
  'min-cosine': { type: 'string', value: '<c>', help: 'smallest allowed mean image-embedding cosine (fp16: 0.999, int8: 0.98)' },
  bootstrap: { type: 'string', value: '<n>', help: 'bootstrap resamples (default 1000)' },
  shift: { type: 'string', value: '<spec>', help: 'also compare on corrupted copies of the same rows (as bench --shift; corruptions only)' },
  'shift-seed': { type: 'string', value: '<n>', help: 'seed of the seeded corruptions (default 0)' },
  'save-baseline': { type: 'string', value: '<file>', help: "store the reference's outcomes for later comparisons without it" },
  baseline: { type: 'string', value: '<file>', help: 'compare the candidate against a stored baseline instead of --reference' },
  out: { type: 'string', value: '<dir>', help: 'where compare.json and compare.md go (default reports/compare-<id>)' },
  ...STORAGE_FLAGS,
  threads: { type: 'string', value: '<n>', help: 'ONNX intra-op threads, the same for both (default: all cores)' },
} satisfies Flags;

const numberFlag = (v: string | undefined, flag: string): number | undefined => {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (v.trim() === '' || !Number.isFinite(n)) throw new UserError(`${flag} must be a number, got "${v}"`);
  return n;
};

async function compare(v: Record<string, string | string[] | boolean | undefined>, argv: string[], io: Io): Promise<number> {
  const str = (k: string) => v[k] as string | undefined;
  if (str('reference') && str('baseline')) throw new UserError(`give --reference or --baseline, not both (see: ${PROG} --help)`);
  if (!str('reference') && !str('baseline')) throw new UserError(`--reference <model> or --baseline <file> is required (see: ${PROG} --help)`);
  if (!str('candidate') && !str('save-baseline')) throw new UserError(`--candidate is required, unless you only --save-baseline (see: ${PROG} --help)`);
  if (str('save-baseline') && !str('reference')) throw new UserError(`--save-baseline needs --reference: the baseline stores the reference's outcomes`);
  const datasets = ((v.dataset as string[] | undefined) ?? []).flatMap((d) => d.split(',')).map((d) => d.trim()).filter(Boolean);
  if (!datasets.length) throw new UserError(`--dataset is required, e.g. --dataset cifar10 (see: ${PROG} --help)`);
  const preset = choiceFlag(str('preset'), '--preset', ['fp16', 'int8'] as const) ?? 'fp16';
  const gates: Gates = {
    ...GATE_PRESETS[preset],
    ...Object.fromEntries(
      Object.entries({ maxDrop: numberFlag(str('max-drop'), '--max-drop'), minAgreement: numberFlag(str('min-agreement'), '--min-agreement'), maxNegativeFlips: numberFlag(str('max-negative-flips'), '--max-negative-flips'), minCosine: numberFlag(str('min-cosine'), '--min-cosine') }).filter(([, x]) => x !== undefined),
    ),
  };
  checkGateRanges(gates);
  const threads = str('threads') !== undefined ? intFlag(str('threads'), '--threads', 1, 1, 256) : defaultThreads();
  const shots = str('shots') ? parseShots(str('shots')!) : [];
  const nSeeds = intFlag(str('seeds'), '--seeds', 1, 1, 100);
  const out = resolve(str('out') ?? join(PROJECT_ROOT, 'reports', `compare-${newRunId()}`));
  checkOutputDir({ flag: '--out', path: out, mustBeEmpty: true, force: v.force === true });
  const cacheRoot = v['no-cache'] ? null : resolveFeatureCacheDir(str('cache-dir'));
  if (str('save-baseline')) checkOutputDir({ flag: '--save-baseline', path: dirname(resolve(str('save-baseline')!)) });
  const baseline = str('baseline') ? await readBaseline(str('baseline')!) : null;
  const shiftItems = (str('shift') ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  const natural = shiftItems.filter((s) => isNaturalShiftItem(s) || s.startsWith('released:'));
  if (natural.length) throw new UserError(`compare --shift takes corruptions (e.g. gaussian_noise:3, corruptions); ${natural.join(', ')} is not supported in compare yet`);
  if (shiftItems.length && (baseline || str('save-baseline'))) throw new UserError('--shift cannot be combined with --baseline or --save-baseline yet: baselines store clean outcomes only');
  const shiftSeed = intFlag(str('shift-seed'), '--shift-seed', 0, 0);
  const shifts = shiftItems.length ? parseShiftSpec(shiftItems.join(',')).map((spec) => corruptionShift(spec, shiftSeed)) : [];
  if (str('reference')) resolveModelRef(str('reference')!);
  if (str('candidate')) resolveModelRef(str('candidate')!);

  const opts: BenchOptions = {
    modelRef: str('reference')!, datasets, shots, seeds: Array.from({ length: nSeeds }, (_, i) => i), limit: str('limit') ? intFlag(str('limit'), '--limit', 0) : null,
    templatesFile: null, settings: DEFAULT_PROBE_SETTINGS, threads, workers: 1, batchSize: 32, cacheRoot, exportFeaturesDir: null, dataDir: str('data-dir') ?? null,
    source: null, skipBad: false, bootstrapResamples: intFlag(str('bootstrap'), '--bootstrap', 1000, 1, 100_000), zeroShot: true, argv: ['npm', 'run', 'compare', '--', ...argv],
    stderr: io.stderr, signal: io.signal,
  };
  const prepared = await prepareDatasets(opts);
  if (baseline) {
    const problems = prepared.flatMap((p) => baselineMismatches(baseline, opts, { dataset: p.ds.name, testIdentity: p.ds.identity('test'), testIdx: testIndices(p.ds, p.testLabels.length, opts.limit), classes: p.ds.classes }));
    if (problems.length) throw new UserError(`--baseline ${str('baseline')} does not match this comparison: ${problems.join('; ')}`);
  }
  const open = (ref: string, variant: string | undefined) => openModel(ref, { threads, variant: variantFlag(variant), progress: { stream: io.stderr } });
  let reference: ClipModel | null = null;
  let candidate: ClipModel | null = null;
  const saved: BaselineDataset[] = [];
  const results: CompareDataset[] = [];
  const speed: Record<string, number | null> = {};
  /** The paired statistics alone (features cached, models run): the issue's "< 5 s over 10,000 images". */
  const statsSeconds: Record<string, number> = {};
  try {
    if (str('reference')) reference = await open(str('reference')!, str('reference-variant'));
    if (str('candidate')) candidate = await open(str('candidate')!, str('candidate-variant'));
    const pool = new PreprocessPool(1);
    try {
      for (const p of prepared) {
        const testIdx = testIndices(p.ds, p.testLabels.length, opts.limit);
        const labels = Int32Array.from(testIdx, (i) => p.testLabels[i]);
        const draws = shots.length && p.trainLabels ? planProbeDraws(p.trainLabels, p.ds.classes.length, shots, opts.seeds) : null;
        const live = reference ? await runExport({ model: reference, prepared: p, testIdx, testLabels: labels, draws, opts, pool, shifts }) : null;
        if (live && str('save-baseline')) saved.push(baselineDataset({ dataset: p.ds.name, testIdentity: p.ds.identity('test'), testIdx, labels, classes: p.ds.classes, outcomes: live }));
        if (!candidate) continue;
        const cand = await runExport({ model: candidate, prepared: p, testIdx, testLabels: labels, draws, opts, pool, shifts });
        speed[`${p.ds.name} reference`] = live?.imagesPerSecond ?? null;
        speed[`${p.ds.name} candidate`] = cand.imagesPerSecond;
        // Embeddings are compared on a fixed seeded subset of rows, the one a stored baseline keeps.
        const rows = embeddingRows(p.ds.name, testIdx.length);
        const ref = live ? { ...live, testFeats: takeRows(live.testFeats, live.dim, rows) } : outcomesFromBaseline(baseline!, baseline!.datasets.find((d) => d.dataset === p.ds.name)!);
        const ts = performance.now();
        results.push(compareOutcomes(p.ds.name, p.ds.classes, labels, ref, { ...cand, testFeats: takeRows(cand.testFeats, cand.dim, rows) }, opts.bootstrapResamples));
        statsSeconds[p.ds.name] = (performance.now() - ts) / 1000;
        // Each corrupted copy of the rows: the same paired statistics, named "dataset [shift]".
        live?.shifted.forEach((s, i) => {
          const c = cand.shifted[i].outcomes;
          results.push(compareOutcomes(`${p.ds.name} [${s.label}]`, p.ds.classes, labels, { ...s.outcomes, testFeats: takeRows(s.outcomes.testFeats, s.outcomes.dim, rows) }, { ...c, testFeats: takeRows(c.testFeats, c.dim, rows) }, opts.bootstrapResamples));
        });
      }
    } finally {
      await pool.close();
    }
  } finally {
    await reference?.release();
    await candidate?.release();
  }
  const referenceRecord = reference
    ? { ref: str('reference')!, variant: str('reference-variant') ?? null, name: reference.name, files: reference.files.map((f) => ({ role: f.role, sha256: f.sha256, bytes: f.bytes })) }
    : baseline!.reference;
  if (str('save-baseline')) {
    const b: Baseline = { schema: BASELINE_SCHEMA, schemaVersion: BASELINE_VERSION, createdAt: new Date().toISOString(), reference: referenceRecord, protocol: { limit: opts.limit, shots, seeds: opts.seeds }, datasets: saved };
    await writeFileAtomic(resolve(str('save-baseline')!), JSON.stringify(b));
    io.stderr.write(`wrote baseline ${str('save-baseline')} (${referenceRecord.name}, ${plural(saved.length, 'dataset')})\n`);
  }
  if (!candidate) return 0;

  const gateResults = evaluateGates(results, gates);
  const verdict = verdictLine(gateResults);
  const record = {
    schema: 'clip-bench/compare',
    schemaVersion: 1,
    createdAt: new Date().toISOString(),
    command: { argv: opts.argv, cwd: process.cwd() },
    environment: recordEnvironment(),
    reference: { ...referenceRecord, ...(baseline ? { baseline: str('baseline') } : {}) },
    candidate: { ref: str('candidate')!, variant: str('candidate-variant') ?? null, name: candidate.name, files: candidate.files.map((f) => ({ role: f.role, sha256: f.sha256, bytes: f.bytes })) },
    protocol: { limit: opts.limit, shots, seeds: opts.seeds, bootstrap: opts.bootstrapResamples, threads, preset, gates, shifts: shifts.map((s) => s.label), shiftSeed: shifts.length ? shiftSeed : null },
    speed,
    statsSeconds,
    datasets: results,
    gates: gateResults,
    verdict,
  };
  await mkdir(out, { recursive: true });
  await writeFileAtomic(join(out, 'compare.json'), JSON.stringify(record, null, 2));
  await writeFileAtomic(join(out, 'compare.md'), renderCompareMarkdown(record));
  await writeCompareReport(record, out);
  const pct = (x: number) => (100 * x).toFixed(2);
  for (const r of results) {
    io.stdout.write(`\n${r.dataset}, n=${r.n}\n`);
    const rows = [
      ...(r.zeroShot ? [['zero-shot', pct(r.zeroShot.referenceTop1), pct(r.zeroShot.candidateTop1), `${pct(r.zeroShot.delta)} [${pct(r.zeroShot.deltaCi[0])}, ${pct(r.zeroShot.deltaCi[1])}]`, r.zeroShot.agreement.toFixed(4), r.zeroShot.negativeFlipRate.toFixed(4), r.zeroShot.mcnemar.pValue.toPrecision(3)]] : []),
      ...r.probes.flatMap((p) => p.perSeed.map((s) => [`${p.shots}-shot seed ${s.seed}`, pct(s.referenceTop1), pct(s.candidateTop1), `${pct(s.delta)} [${pct(s.deltaCi[0])}, ${pct(s.deltaCi[1])}]`, s.agreement.toFixed(4), s.negativeFlipRate.toFixed(4), s.mcnemar.pValue.toPrecision(3)])),
    ];
    io.stdout.write(formatTable(['classifier', 'reference %', 'candidate %', 'Δ points [95% CI]', 'agreement', 'neg. flips', 'McNemar p'], rows));
    if (r.embeddings)
      io.stdout.write(`image-embedding cosine: min ${r.embeddings.imageCosine.min.toFixed(5)}, 1st pct ${r.embeddings.imageCosine.p01.toFixed(5)}, mean ${r.embeddings.imageCosine.mean.toFixed(5)}; SQNR ${r.embeddings.imageSqnrDb.toFixed(1)} dB${r.embeddings.textCosine ? `; class text-embedding cosine min ${r.embeddings.textCosine.min.toFixed(5)}` : ''}\n`);
  }
  io.stdout.write(`\npaired statistics: ${Object.entries(statsSeconds).map(([k, s]) => `${k} ${s.toFixed(2)} s`).join(', ')}; wrote ${join(out, 'compare.json')} and compare.md\n`);
  io.stdout.write(`${verdict}\n`);
  return gateResults.every((g) => g.passed) ? 0 : 1;
}

export const main = singleCommandMain(
  PROG,
  defineCommand({
    name: 'compare',
    summary: 'compare two exports on identical rows; exit 1 when a gate fails',
    usage: '--reference <model> --candidate <model> --dataset <name|path> [options]',
    description:
      'Runs both exports on the same test rows (and the same k-shot draws with --shots) and reports Δ top-1 with a paired\nbootstrap CI, McNemar\'s test, agreement, negative and positive flips, per-class Δ, embedding cosine and SQNR.\nExit 0: every gate passed; 1: a gate failed; 2: could not run. The last line printed is the verdict.',
    flags: FLAGS,
    examples: [
      `${PROG} --reference models/demo-clip --candidate models/demo-clip --candidate-variant fp16 --dataset cifar10 --limit 2000`,
      `${PROG} --reference clip-vit-b32 --candidate clip-vit-b32-int8 --dataset cifar10 --preset int8 --shots 4`,
      `${PROG} --reference models/demo-clip --dataset cifar10 --limit 2000 --save-baseline baseline.json`,
      `${PROG} --baseline baseline.json --candidate ./new-export --dataset cifar10 --limit 2000`,
    ],
    run: ({ values, argv, io }) => compare(values as Record<string, string | string[] | boolean | undefined>, argv, io),
  }),
);

startCli(import.meta.url, main);
