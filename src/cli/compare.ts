/** `npm run compare`: one export against another on identical rows, paired statistics and CI gates. */
import { extractionDefaults } from '../features/extraction-defaults.ts';
import { dirname, join, resolve } from 'node:path';
import { mkdir } from 'node:fs/promises';
import { openModel, resolveModelRef } from '../model/resolve.ts';
import type { ClipModel } from '../model/clip-model.ts';
import { DEFAULT_PROBE_SETTINGS, defaultThreads, newRunId, prepareDatasets, testIndices, type BenchOptions } from '../pipeline/bench.ts';
import { planPoolDraws } from '../pipeline/probe-rows.ts';
import { PreprocessPool } from '../features/worker-pool.ts';
import { compareOutcomes, type CompareDataset } from '../compare/compare.ts';
import type { ExportOutcomes, TestSetOutcomes } from '../compare/outcomes.ts';
import { runExport } from '../pipeline/run-export.ts';
import { cleanRecord, readStoredRun, storedRunFile, storedTestSet, type StoredRun } from '../compare/stored-run.ts';
import { pairTestSets, probeProtocolMismatches, runProbeSettings, runTrainIdentity } from '../compare/pairing.ts';
import { parseShiftSpec } from '../shifts/index.ts';
import { isNaturalShiftItem, naturalShiftName } from '../datasets/natural-shifts.ts';
import { BASELINE_SCHEMA, BASELINE_VERSION, baselineDataset, baselineMismatches, embeddingRows, readBaseline, takeRows, testSetName, testSetsFromBaseline, type Baseline, type BaselineDataset } from '../compare/baseline.ts';
import { checkGateRanges, evaluateGates, GATE_PRESETS, verdictLine, type Gates } from '../compare/gates.ts';
import { renderCompareMarkdown } from '../compare/markdown.ts';
import { compareRetrievalLive, compareRetrievalRuns } from './compare-retrieval.ts';
import { writeCompareReport } from '../reports/compare-report.ts';
import { recordEnvironment } from '../results/environment.ts';
import { writeFileAtomic } from '../util/atomic.ts';
import { UserError } from '../util/errors.ts';
import { PROJECT_ROOT, resolveFeatureCacheDir } from '../util/paths.ts';
import { parseShots, STORAGE_FLAGS } from './bench-args.ts';
import { checkOutputDir } from './output-paths.ts';
import { DEVICE_FLAG, deviceFlag, variantFlag } from './model-flags.ts';
import { choiceFlag, defineCommand, plural, formatTable, intFlag, singleCommandMain, startCli, type Flags, type Io } from './toolkit.ts';

const PROG = 'npm run compare --';

const FLAGS = {
  reference: { type: 'string', value: '<model|run>', help: 'the export to compare against (registry name or directory) or a bench run' },
  candidate: { type: 'string', value: '<model|run>', help: 'the new export, or a bench run of it (its stored outcomes are used, no model runs)' },
  'reference-variant': { type: 'string', value: '<v>', help: 'variant of the reference: fp32, quantized or fp16' },
  'candidate-variant': { type: 'string', value: '<v>', help: 'variant of the candidate: fp32, quantized or fp16' },
  dataset: { type: 'string', multiple: true, value: '<name|path>', help: 'dataset(s) to compare on; repeat or comma-separate' },
  task: { type: 'string', value: '<t>', help: 'classification (default) or retrieval: recall@k (captions) or mAP and P@k (labelled sets) drop gates' },
  limit: { type: 'string', value: '<n>', help: 'a seeded subset of n test images (the same rows for both)' },
  shots: { type: 'string', value: '<list>', help: 'also compare k-shot probes (same draws, same C grid), e.g. 4,16' },
  seeds: { type: 'string', value: '<n>', help: 'probe seeds (default 1)' },
  preset: { type: 'string', value: '<p>', help: 'gate preset: fp16 (default) or int8' },
  'max-drop': { type: 'string', value: '<points>', help: 'largest allowed top-1 drop in points (fp16: 0.2, int8: 1)' },
  'min-agreement': { type: 'string', value: '<f>', help: 'smallest allowed top-1 agreement (fp16: 0.995, int8: 0.97)' },
  'max-negative-flips': { type: 'string', value: '<f>', help: 'largest allowed negative-flip rate (fp16: 0.005, int8: 0.02)' },
  'min-cosine': { type: 'string', value: '<c>', help: "smallest allowed mean image-embedding cosine (fp16: 0.999, int8: 0.98); 'none' waives it" },
  bootstrap: { type: 'string', value: '<n>', help: 'bootstrap resamples (default 1000)' },
  shift: { type: 'string', value: '<spec>', help: 'also compare on shifted test sets, as bench --shift (corruptions, quickdraw, …)' },
  'shift-seed': { type: 'string', value: '<n>', help: 'seed of the seeded corruptions (default 0)' },
  'save-baseline': { type: 'string', value: '<file>', help: "store the reference's outcomes for later comparisons without it" },
  baseline: { type: 'string', value: '<file>', help: 'compare the candidate against a stored baseline instead of --reference' },
  out: { type: 'string', value: '<dir>', help: 'where compare.json, compare.md, compare.html and plots/ go (default reports/compare-<id>)' },
  ...STORAGE_FLAGS,
  threads: { type: 'string', value: '<n>', help: 'ONNX intra-op threads, the same for both (default: all cores)' },
  ...DEVICE_FLAG,
} satisfies Flags;

const numberFlag = (v: string | undefined, flag: string): number | undefined => {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (v.trim() === '' || !Number.isFinite(n)) throw new UserError(`${flag} must be a number, got "${v}"`);
  return n;
};

/**
 * --shift items → which recorded test sets (by label) belong to the comparison, and which asked-for
 * sets a list of labels lacks. Natural shifts also match their restricted variant ("quickdraw (9 classes)").
 */
function shiftSelector(items: string[]) {
  const natural = items.filter(isNaturalShiftItem).map(naturalShiftName);
  const corruptions = items.some((i) => !isNaturalShiftItem(i)) ? parseShiftSpec(items.filter((i) => !isNaturalShiftItem(i)).join(',')).map((s) => `${s.corruption}:${s.severity}`) : [];
  const ofNatural = (n: string, label: string) => label === n || label.startsWith(`${n} (`);
  return {
    includes: (label: string) => label === 'none' || corruptions.includes(label) || natural.some((n) => ofNatural(n, label)),
    missing: (labels: string[]) => [...corruptions.filter((c) => !labels.includes(c)), ...natural.filter((n) => !labels.some((l) => ofNatural(n, l)))],
  };
}

type Side = { kind: 'model'; spec: string; model?: ClipModel } | { kind: 'run'; spec: string; run: StoredRun } | { kind: 'baseline'; spec: string; baseline: Baseline };

const exportRecord = (side: Side, variant: string | undefined) => {
  if (side.kind === 'model') return { ref: side.spec, variant: variant ?? null, name: side.model!.name, files: side.model!.files.map((f) => ({ role: f.role, sha256: f.sha256, bytes: f.bytes })) };
  if (side.kind === 'run') {
    const m = side.run.results.model;
    return { ref: m.ref, variant: null, name: m.name, files: m.files.map((f) => ({ role: f.role, sha256: f.sha256, bytes: f.bytes })), run: side.run.file };
  }
  return { ...side.baseline.reference, baseline: side.spec };
};

async function compare(v: Record<string, string | string[] | boolean | undefined>, argv: string[], io: Io): Promise<number> {
  const str = (k: string) => v[k] as string | undefined;
  if (str('reference') && str('baseline')) throw new UserError(`give --reference or --baseline, not both (see: ${PROG} --help)`);
  if (!str('reference') && !str('baseline')) throw new UserError(`--reference <model|results.json> or --baseline <file> is required (see: ${PROG} --help)`);
  if (!str('candidate') && !str('save-baseline')) throw new UserError(`--candidate is required, unless you only --save-baseline (see: ${PROG} --help)`);
  if (str('save-baseline') && !str('reference')) throw new UserError(`--save-baseline needs --reference: the baseline stores the reference's outcomes`);
  const refFile = str('reference') ? await storedRunFile(str('reference')!) : null;
  const candFile = str('candidate') ? await storedRunFile(str('candidate')!) : null;
  if (refFile && str('save-baseline')) throw new UserError(`--save-baseline stores a reference model's outcomes and image embeddings: give --reference a model (registry name or export directory), not the results file ${str('reference')}`);
  for (const [file, flag] of [[refFile, 'reference'], [candFile, 'candidate']] as const)
    if (file && str(`${flag}-variant`)) throw new UserError(`--${flag}-variant applies to a model; --${flag} ${str(flag)} is a stored run (its variant is recorded in it)`);
  const preset = choiceFlag(str('preset'), '--preset', ['fp16', 'int8'] as const) ?? 'fp16';
  // `--min-cosine none` waives the embedding gate (e.g. stored runs without cached embeddings); a gate left on that cannot be measured fails.
  const cosineOff = str('min-cosine') === 'none';
  const gates: Gates = {
    ...GATE_PRESETS[preset],
    ...Object.fromEntries(
      Object.entries({ maxDrop: numberFlag(str('max-drop'), '--max-drop'), minAgreement: numberFlag(str('min-agreement'), '--min-agreement'), maxNegativeFlips: numberFlag(str('max-negative-flips'), '--max-negative-flips'), minCosine: cosineOff ? undefined : numberFlag(str('min-cosine'), '--min-cosine') }).filter(([, x]) => x !== undefined),
    ),
  };
  if (cosineOff) delete gates.minCosine;
  checkGateRanges(gates);
  const threads = str('threads') !== undefined ? intFlag(str('threads'), '--threads', 1, 1, 256) : defaultThreads();
  const device = deviceFlag(str('device'));
  const out = resolve(str('out') ?? join(PROJECT_ROOT, 'reports', `compare-${newRunId()}`));
  checkOutputDir({ flag: '--out', path: out, mustBeEmpty: true, force: v.force === true });
  const cacheRoot = v['no-cache'] ? null : resolveFeatureCacheDir(str('cache-dir'));
  if (str('save-baseline')) checkOutputDir({ flag: '--save-baseline', path: dirname(resolve(str('save-baseline')!)) });
  const baseline = str('baseline') ? await readBaseline(str('baseline')!) : null;
  const shiftItems = (str('shift') ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  const released = shiftItems.filter((s) => s.startsWith('released:'));
  if (released.length) throw new UserError(`compare --shift takes corruptions (e.g. gaussian_noise:3, corruptions) and natural shifts (e.g. quickdraw); ${released.join(', ')} is not supported in compare yet`);
  const selection = shiftSelector(shiftItems);
  const shiftSeed = intFlag(str('shift-seed'), '--shift-seed', 0, 0);

  const refRun = refFile ? await readStoredRun('--reference', refFile) : null;
  const candRun = candFile ? await readStoredRun('--candidate', candFile) : null;
  const stored = [refRun, candRun].filter((r): r is StoredRun => r !== null);
  const task = choiceFlag(str('task'), '--task', ['classification', 'retrieval'] as const) ?? (stored.some((r) => r.results.task === 'retrieval') ? 'retrieval' : 'classification');
  if (task === 'retrieval') {
    const unsupported = (['baseline', 'save-baseline', 'shots', 'seeds'] as const).find((f) => str(f) !== undefined);
    if (unsupported) throw new UserError(`--${unsupported} goes with classification; compare --task retrieval takes two models (run live) or two stored --task retrieval runs`);
    const natural = shiftItems.find(isNaturalShiftItem);
    if (natural) throw new UserError(`--shift ${natural}: --task retrieval scores corruptions of its own test images only (e.g. --shift gaussian_noise:3), not other datasets`);
    if (stored.length) return compareRetrievalRuns(refRun, candRun, gates.maxDrop ?? 0, intFlag(str('bootstrap'), '--bootstrap', 1000, 1, 100_000), out, io);
  }
  // A stored run fixes the protocol: flags left out are taken from it, flags given must agree with it.
  const first = stored[0]?.results;
  const limit = str('limit') ? intFlag(str('limit'), '--limit', 0) : first ? first.protocol.limit : null;
  const shots = str('shots') ? parseShots(str('shots')!) : first ? first.protocol.shots : [];
  const seeds = str('seeds') ? Array.from({ length: intFlag(str('seeds'), '--seeds', 1, 1, 100) }, (_, i) => i) : first ? first.protocol.seeds : [0];
  const settings = first ? runProbeSettings(first) : DEFAULT_PROBE_SETTINGS;
  let datasets = ((v.dataset as string[] | undefined) ?? []).flatMap((d) => d.split(',')).map((d) => d.trim()).filter(Boolean);
  if (!datasets.length && first) datasets = [...new Set(first.datasets.filter((d) => d.shift === 'none').map((d) => d.name))];
  if (!datasets.length) throw new UserError(`--dataset is required, e.g. --dataset cifar10 (see: ${PROG} --help)`);
  const protocolProblems: string[] = [];
  for (const run of stored) if (run.results.protocol.limit !== limit) protocolProblems.push(`--limit ${limit ?? 'none'} vs ${run.flag} ${run.file}'s ${run.results.protocol.limit ?? 'none'}`);
  // A missing model is an error now, before any dataset is read.
  if (str('reference') && !refFile) resolveModelRef(str('reference')!);
  if (str('candidate') && !candFile) resolveModelRef(str('candidate')!);

  const opts: BenchOptions = {
    modelRef: str('reference') ?? '', datasets, shots, seeds, limit,
    templatesFile: null, settings, threads, device, workers: extractionDefaults().workers, batchSize: 32, cacheRoot, exportFeaturesDir: null, dataDir: str('data-dir') ?? null,
    source: null, skipBad: false, bootstrapResamples: intFlag(str('bootstrap'), '--bootstrap', 1000, 1, 100_000), zeroShot: true, argv: ['npm', 'run', 'compare', '--', ...argv],
    stderr: io.stderr, signal: io.signal, shift: shiftItems.length ? shiftItems.join(',') : null, shiftSeed,
  };
  if (task === 'retrieval') {
    const sides = { reference: str('reference')!, candidate: str('candidate')! };
    const openSide = (side: 'reference' | 'candidate') => openModel(sides[side], { threads, device, variant: variantFlag(str(`${side}-variant`)), progress: { stream: io.stderr } });
    return compareRetrievalLive(opts, sides, openSide, gates.maxDrop ?? 0, out, io);
  }
  const reference: Side = refRun ? { kind: 'run', spec: str('reference')!, run: refRun } : baseline ? { kind: 'baseline', spec: str('baseline')!, baseline } : { kind: 'model', spec: str('reference')! };
  const candidate: Side | null = candRun ? { kind: 'run', spec: str('candidate')!, run: candRun } : str('candidate') ? { kind: 'model', spec: str('candidate')! } : null;
  const live = [reference, candidate].some((s) => s?.kind === 'model');
  // Images are read only when a model runs; two stored runs need nothing but their records.
  const prepared = live || baseline ? await prepareDatasets(opts) : null;
  const names = prepared ? prepared.map((p) => p.ds.name) : datasets;
  const trainIdentity = (n: string) => {
    const ds = prepared?.find((p) => p.ds.name === n)?.ds;
    return ds?.splits.includes('train') ? ds.identity('train') : null;
  };
  const liveProtocol = { what: 'this comparison', settings, shots, seeds, trainIdentity };
  const runProtocol = (r: StoredRun) => ({ what: `${r.flag} ${r.file}`, settings: runProbeSettings(r.results), shots: r.results.protocol.shots, seeds: r.results.protocol.seeds, trainIdentity: runTrainIdentity(r.results) });
  if (refRun && candRun) protocolProblems.push(...probeProtocolMismatches(runProtocol(refRun), runProtocol(candRun), names));
  else for (const r of stored) protocolProblems.push(...probeProtocolMismatches(liveProtocol, runProtocol(r), names));
  if (protocolProblems.length) throw new UserError(`the two sides were not run the same way: ${protocolProblems.join('; ')}`);
  const classesOf = (name: string) => prepared?.find((p) => p.ds.name === name)?.ds.classes ?? cleanRecord(stored[0], name).classes;
  for (const name of names)
    for (const r of stored) if (JSON.stringify(cleanRecord(r, name).classes) !== JSON.stringify(classesOf(name))) throw new UserError(`${name}: the classes of ${r.flag} ${r.file} differ from the other side's; the exports cannot be compared on them`);
  if (baseline && prepared) {
    const problems = prepared.flatMap((p) => baselineMismatches(baseline, { ...opts, shifts: shiftItems }, { dataset: p.ds.name, testIdentity: p.ds.identity('test'), classes: p.ds.classes }));
    if (problems.length) throw new UserError(`--baseline ${str('baseline')} does not match this comparison: ${problems.join('; ')}`);
  }
  const open = (ref: string, variant: string | undefined) => openModel(ref, { threads, device, variant: variantFlag(variant), progress: { stream: io.stderr } });
  const saved: BaselineDataset[] = [];
  const results: CompareDataset[] = [];
  const speed: Record<string, number | null> = {};
  /** The paired statistics alone (features cached, models run): the issue's "< 5 s over 10,000 images". */
  const statsSeconds: Record<string, number> = {};
  const pool = live ? new PreprocessPool(extractionDefaults().workers, { inlineUntilReady: true }) : null;
  try {
    if (reference.kind === 'model') reference.model = await open(reference.spec, str('reference-variant'));
    if (candidate?.kind === 'model') candidate.model = await open(candidate.spec, str('candidate-variant'));
    for (const name of names) {
      const p = prepared?.find((x) => x.ds.name === name);
      const classes = classesOf(name);
      const testSets = async (side: Side): Promise<TestSetOutcomes[]> => {
        if (side.kind === 'baseline') return testSetsFromBaseline(side.baseline, side.baseline.datasets.find((d) => d.dataset === name)!);
        if (side.kind === 'run') {
          const recs = side.run.results.datasets.filter((d) => d.name === name && selection.includes(d.shift));
          const sets: TestSetOutcomes[] = [];
          for (const d of recs) sets.push(await storedTestSet(side.run, d, cacheRoot));
          return sets;
        }
        const testIdx = testIndices(p!.ds, p!.testLabels.length, limit);
        const labels = Int32Array.from(testIdx, (i) => p!.testLabels[i]);
        const draws = shots.length && p!.trainLabels ? planPoolDraws(p!, classes.length, shots, seeds) : null;
        return runExport({ model: side.model!, prepared: p!, testIdx, testLabels: labels, draws, opts, pool: pool! });
      };
      const refSets = await testSets(reference);
      if (str('save-baseline')) saved.push(baselineDataset({ dataset: name, classes, sets: refSets }));
      if (!candidate) continue;
      const candSets = await testSets(candidate);
      const { pairs, problems } = pairTestSets(name, refSets, candSets);
      if (problems.length) throw new UserError(`the two sides did not score the same rows: ${problems.join('; ')}`);
      // Two stored runs benched without an asked-for shift would otherwise compare the clean rows alone, silently.
      const absent = selection.missing(pairs.map(([r]) => r.label));
      if (absent.length) throw new UserError(`--shift ${absent.join(',')}: not scored by either side on ${name}; rerun bench with --shift ${absent.join(',')} for both runs, or leave it out`);
      speed[`${name} reference`] = refSets[0]?.outcomes.imagesPerSecond ?? null;
      speed[`${name} candidate`] = candSets[0]?.outcomes.imagesPerSecond ?? null;
      for (const [r, c] of pairs) {
        // Embeddings are compared on a fixed seeded subset of rows, the one a stored baseline keeps.
        const setName = testSetName(name, r.label);
        const rows = embeddingRows(setName, r.testIdx.length);
        const sub = (o: ExportOutcomes): ExportOutcomes => (o.embeddingRowsOnly || !o.testFeats ? o : { ...o, testFeats: takeRows(o.testFeats, o.dim, rows) });
        const ts = performance.now();
        results.push(compareOutcomes(setName, classes, r.labels, sub(r.outcomes), sub(c.outcomes), opts.bootstrapResamples));
        statsSeconds[setName] = (performance.now() - ts) / 1000;
      }
    }
  } finally {
    await pool?.close();
    if (reference.kind === 'model') await reference.model?.release();
    if (candidate?.kind === 'model') await candidate.model?.release();
  }
  const referenceRecord = exportRecord(reference, str('reference-variant'));
  if (str('save-baseline')) {
    const b: Baseline = { schema: BASELINE_SCHEMA, schemaVersion: BASELINE_VERSION, createdAt: new Date().toISOString(), reference: referenceRecord as Baseline['reference'], protocol: { limit, shots, seeds, shifts: shiftItems }, datasets: saved };
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
    reference: referenceRecord,
    candidate: exportRecord(candidate, str('candidate-variant')),
    protocol: { limit, shots, seeds, bootstrap: opts.bootstrapResamples, threads, device, preset, gates, shifts: results.filter((r) => r.dataset.includes(' [')).map((r) => r.dataset.slice(r.dataset.indexOf(' [') + 2, -1)), shiftSeed: shiftItems.length ? shiftSeed : null },
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
      ...(r.zeroShot ? [['zero-shot', pct(r.zeroShot.referenceTop1), pct(r.zeroShot.candidateTop1), `${pct(r.zeroShot.delta)} [${pct(r.zeroShot.deltaCi[0])}, ${pct(r.zeroShot.deltaCi[1])}]`, r.zeroShot.agreement.toFixed(4), r.zeroShot.top5Overlap?.toFixed(4) ?? '—', r.zeroShot.negativeFlipRate.toFixed(4), r.zeroShot.mcnemar.pValue.toPrecision(3)]] : []),
      ...r.probes.flatMap((p) => p.perSeed.map((s) => [`${p.shots}-shot seed ${s.seed}`, pct(s.referenceTop1), pct(s.candidateTop1), `${pct(s.delta)} [${pct(s.deltaCi[0])}, ${pct(s.deltaCi[1])}]`, s.agreement.toFixed(4), '—', s.negativeFlipRate.toFixed(4), s.mcnemar.pValue.toPrecision(3)])),
    ];
    io.stdout.write(formatTable(['classifier', 'reference %', 'candidate %', 'Δ points [95% CI]', 'agreement', 'top-5 overlap', 'neg. flips', 'McNemar p'], rows));
    if (r.embeddings)
      io.stdout.write(`image-embedding cosine: min ${r.embeddings.imageCosine.min.toFixed(5)}, 1st pct ${r.embeddings.imageCosine.p01.toFixed(5)}, mean ${r.embeddings.imageCosine.mean.toFixed(5)}; SQNR ${r.embeddings.imageSqnrDb.toFixed(1)} dB${r.embeddings.textCosine ? `; class text-embedding cosine min ${r.embeddings.textCosine.min.toFixed(5)}` : ''}\n`);
    else io.stdout.write(`embedding statistics: not measured (${r.embeddingsUnavailable})\n`);
  }
  io.stdout.write(`\npaired statistics: ${Object.entries(statsSeconds).map(([k, s]) => `${k} ${s.toFixed(2)} s`).join(', ')}; wrote ${join(out, 'compare.json')}, compare.md, compare.html and plots/\n`);
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
      'Runs both exports on the same test rows (and the same k-shot draws with --shots) and reports Δ top-1 with a paired\nbootstrap CI, McNemar\'s test, agreement, negative and positive flips, per-class Δ, top-5 overlap, embedding cosine\nand SQNR. A side given as a bench run (results.json or its directory) uses the outcomes stored in it instead.\n--task retrieval runs both exports\' retrieval (bench --task retrieval) and gates on the recall@k (captions) or mAP and\nprecision@k (labelled sets) drop with a paired CI, listing how many queries\' top-1 changed.\nExit 0: every gate passed; 1: a gate failed; 2: could not run. The last line printed is the verdict.',
    flags: FLAGS,
    examples: [
      `${PROG} --reference models/demo-clip --candidate models/demo-clip --candidate-variant fp16 --dataset cifar10 --limit 2000`,
      `${PROG} --reference clip-vit-b32 --candidate clip-vit-b32-int8 --dataset cifar10 --preset int8 --shots 4`,
      `${PROG} --reference models/demo-clip --dataset cifar10 --limit 2000 --save-baseline baseline.json`,
      `${PROG} --baseline baseline.json --candidate ./new-export --dataset cifar10 --limit 2000`,
      `${PROG} --reference reports/<fp32-run> --candidate reports/<fp16-run>   # two bench runs: no model runs`,
      `${PROG} --reference models/demo-clip --candidate ./new-export --dataset cifar10 --shift quickdraw`,
      `${PROG} --reference clip-vit-b32 --candidate clip-vit-b32-int8 --dataset captions.tsv --task retrieval --preset int8`,
      `${PROG} --reference models/demo-clip --candidate ./new-export --dataset cifar10 --task retrieval --limit 2000`,
    ],
    run: ({ values, argv, io }) => compare(values as Record<string, string | string[] | boolean | undefined>, argv, io),
  }),
);

startCli(import.meta.url, main);
