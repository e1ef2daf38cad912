/**
 * The record `npm run perf` writes (perf.json) and the markdown table made from it (perf.md, included
 * in the README). Pure: the figures are measured by the bench scripts; this file only shapes them.
 */
import { mdTable } from '../src/results/markdown.ts';
import { plural } from '../src/util/plural.ts';
import type { measureExtractMemory } from './extract-memory.ts';
import type { measureFeatureCacheSpeed } from './feature-cache-speed.ts';
import type { Int8BatchingResult } from './int8-batching.ts';
import type { measurePipelineThroughput } from './pipeline-throughput.ts';
import type { PreprocessSpeedRow } from './preprocess-speed.ts';
import type { ProbeFitRow, ProbeSweepRow, ProbeVsSklearn } from './probe-vs-sklearn.ts';
import type { measureTextThroughput } from './text-throughput.ts';
import type { TransformersJsResult } from './transformers-js.ts';
import { median } from './vit-graph.ts';

export const SECTION_IDS = ['pipeline', 'text', 'preprocess', 'cache', 'probe', 'memory', 'transformers-js', 'int8'] as const;
export type SectionId = (typeof SECTION_IDS)[number];

/** How time (or memory) grows with n. */
export interface Slopes {
  /** d log(fit seconds) / d log(n), 10-class single fits, ours and scikit-learn's. */
  probeFitOurs?: number;
  probeFitSklearn?: number;
  /** d log(extraction seconds) / d log(n). */
  extractSeconds?: number;
  /** Growth of the peak RSS above the loaded model's, MB per 1,000 images (least squares). */
  peakRssMbPer1000?: number;
}

export interface PerfRun {
  benchmark: 'perf';
  date: string;
  quick: boolean;
  /** Execution provider of our encoder (pipeline, cache, memory); absent in runs before --device: cpu. */
  device?: string;
  /** The flags it ran with. */
  argv: string[];
  wallSeconds: number;
  machine: { cpu: string; cores: number; node: string; onnxruntime: string; [k: string]: unknown };
  loadavgBefore: number[];
  loadavgAfter: number[];
  /** Wall seconds per section. */
  sectionSeconds: Partial<Record<SectionId, number>>;
  pipeline?: Awaited<ReturnType<typeof measurePipelineThroughput>>;
  text?: Awaited<ReturnType<typeof measureTextThroughput>>;
  preprocess?: PreprocessSpeedRow[];
  cache?: Awaited<ReturnType<typeof measureFeatureCacheSpeed>>;
  probe?: ProbeVsSklearn;
  memory?: Awaited<ReturnType<typeof measureExtractMemory>>;
  transformersJs?: TransformersJsResult;
  int8?: Int8BatchingResult;
  slopes: Slopes;
}

/** Least-squares slope of y on x. */
export function linearSlope(xs: number[], ys: number[]): number {
  const n = xs.length;
  if (n < 2 || ys.length !== n) throw new Error(`slope needs ≥ 2 paired points, got ${n} and ${ys.length}`);
  const mx = xs.reduce((a, b) => a + b, 0) / n;
  const my = ys.reduce((a, b) => a + b, 0) / n;
  let sxy = 0;
  let sxx = 0;
  for (let i = 0; i < n; i++) {
    sxy += (xs[i] - mx) * (ys[i] - my);
    sxx += (xs[i] - mx) ** 2;
  }
  if (sxx === 0) throw new Error('slope needs at least two distinct x values');
  return sxy / sxx;
}

/** The exponent b in time ≈ a·nᵇ: 1 is linear, 2 quadratic. */
export const logLogSlope = (ns: number[], ts: number[]): number => linearSlope(ns.map(Math.log), ts.map(Math.log));

const fitRows = (p: ProbeVsSklearn | undefined): ProbeFitRow[] => (p && 'rows' in p ? p.rows.filter((r): r is ProbeFitRow => !('sweep' in r)) : []);

/** Slopes over whatever sections were measured (a slope needs two distinct sizes). */
export function slopesOf(run: Pick<PerfRun, 'probe' | 'memory'>): Slopes {
  const out: Slopes = {};
  const fits = fitRows(run.probe).filter((r) => r.classes === 10);
  if (new Set(fits.map((r) => r.n)).size >= 2) {
    out.probeFitOurs = logLogSlope(fits.map((r) => r.n), fits.map((r) => median(r.oursSeconds)));
    out.probeFitSklearn = logLogSlope(fits.map((r) => r.n), fits.map((r) => median(r.sklearnSeconds)));
  }
  const runs = run.memory?.runs ?? [];
  if (new Set(runs.map((r) => r.n)).size >= 2) {
    out.extractSeconds = logLogSlope(runs.map((r) => r.n), runs.map((r) => r.seconds));
    out.peakRssMbPer1000 = linearSlope(runs.map((r) => r.n / 1000), runs.map((r) => (Math.max(r.maxRss, r.peakRssSampled) - r.rssAfterLoad) / MB));
  }
  return out;
}

const MB = 1024 * 1024;
const n0 = (x: number) => Math.round(x).toLocaleString('en-US');
const f = (x: number, d = 1) => x.toFixed(d);
const sec = (s: number) => (s < 1 ? `${f(s * 1000, s < 0.01 ? 1 : 0)} ms` : s < 120 ? `${f(s, s < 10 ? 2 : 1)} s` : `${f(s / 60)} min`);
const load = (l: number[]) => l.map((x) => x.toFixed(1)).join(' / ');

type Row = [figure: string, value: string, baseline: string, ratio: string, setting: string];

function pipelineRows(p: NonNullable<PerfRun['pipeline']>): Row[] {
  return p.settings.map((s) => [
    `pipeline vs encode-only${s.isDefault ? ' (bench defaults)' : ` (${s.id})`}`,
    `${f(s.pipelineImgPerSec)} img/s`,
    `encode-only ${f(s.encodeImgPerSec)} img/s`,
    `${f(s.ratio, 3)}${'steadyRatio' in s ? ` (steady ${f(s.steadyRatio, 3)})` : ''}`,
    `ViT-B/32 shape, ${plural(s.threads, 'thread')}, ${plural(s.workers, 'worker')}${'schedule' in s ? ` (nice +${s.nice}, ${s.schedule})` : ''}, batch ${s.batchSize}${'spinning' in s ? `, spinning ${s.spinning ? 'on' : 'off'}, ${s.warmStart ? 'warm' : 'cold'} start` : ''}; ${n0(p.dataset.images)} CIFAR-10 images × ${plural(p.rounds, 'round')}`,
  ]);
}

function textRows(t: NonNullable<PerfRun['text']>): Row[] {
  const p = t.prompts;
  const a = t.agreement;
  return [
    [
      `prompt encoding, length-bucketed vs 77-token padding`,
      `${f(t.bucketed.promptsPerSec)} prompts/s (${n0(p.total)} in ${sec(t.bucketed.seconds)})`,
      `77-padded ${f(t.sample.paddedPromptsPerSec)} prompts/s`,
      `${f(t.speedup, 2)}× faster`,
      `ViT-B/32 text shape, ${plural(t.model.threads, 'thread')}; ${p.templates} templates × ${n0(p.classes)} classes; mean ${f(t.bucketed.meanTokens)} tokens; 77-padded on ${n0(p.sample)} prompts (${p.sampleClasses} classes), interleaved class by class with bucketed: ${f(t.sample.speedup, 2)}×`,
    ],
    ['…embeddings, bucketed vs 77-padded', `min cosine ${a.minCosine.toFixed(6)}`, '', '', `zero-shot argmax agrees on ${f(100 * a.zeroShotArgmaxAgree)}% of 1,000 random images`],
    ['…first progress line', sec(t.bucketed.firstProgressLineSeconds), '', '', `first line with a count after ${sec(t.bucketed.firstProgressCountSeconds)} (piped: every 10%)`],
  ];
}

function preprocessRows(rows: PreprocessSpeedRow[]): Row[] {
  return rows.map((r) => [`preprocessing ${r.case}`, `${n0(r.imgPerSec)} img/s (${f(r.msPerImage, 2)} ms)`, '', '', 'one core']);
}

function cacheRows(c: NonNullable<PerfRun['cache']>): Row[] {
  const m = c.medians;
  const rows: Row[] = [
    ['cached vs uncached extraction', sec(m.secondSeconds), `uncached ${sec(m.firstSeconds)}`, `${n0(m.speedup)}× faster`, `${n0(c.dataset.images)} CIFAR-10 images, ViT-B/32 shape, ${plural(c.rounds.length, 'round')}`],
    ['…with loadModel in both', sec(m.loadSeconds + m.secondSeconds), `${sec(m.loadSeconds + m.firstSeconds)}`, `${f(m.endToEndSpeedup)}× faster`, `loadModel ${sec(m.loadSeconds)}`],
  ];
  if (c.largeHit) rows.push([`cache hit, ${n0(c.largeHit.rows)} rows`, sec(median(c.largeHit.hitSeconds)), '', '', '']);
  return rows;
}

function probeRows(p: ProbeVsSklearn): Row[] {
  if ('skipped' in p) return [['probe fit vs scikit-learn', 'skipped', '', '', p.skipped]];
  return p.rows.map((r: ProbeFitRow | ProbeSweepRow) =>
    'sweep' in r
      ? [`probe --shots all sweep + refit, ${r.classes} classes, n = ${n0(r.n)}`, sec(r.oursSeconds), `scikit-learn ${sec(r.sklearnSeconds)}`, f(r.ratio, 2), `${r.fits} fits, C ${r.oursC.toExponential(0)} / ${r.sklearnC.toExponential(0)}`]
      : [
          `probe fit, ${r.classes} classes, n = ${n0(r.n)}`,
          sec(median(r.oursSeconds)),
          `scikit-learn ${sec(median(r.sklearnSeconds))}`,
          f(r.ratio, 2),
          `${r.d}-d, C = ${r.C}, iterations ${r.oursIterations}/${r.sklearnIterations}, train predictions agree ${f(100 * r.trainPredictionAgreement)}%; scikit-learn ${p.sklearn}`,
        ],
  );
}

function memoryRows(m: NonNullable<PerfRun['memory']>): Row[] {
  return m.runs.map((r) => [
    `peak RSS, extraction of ${n0(r.n)} images`,
    `${n0(Math.max(r.maxRss, r.peakRssSampled) / MB)} MB`,
    `after model load ${n0(r.rssAfterLoad / MB)} MB`,
    '',
    `${f(r.seconds)} s; ${m.model.export}, features ${f(r.featureBytes / MB)} MB`,
  ]);
}

function slopeRows(s: Slopes, run: PerfRun): Row[] {
  const rows: Row[] = [];
  const fits = fitRows(run.probe).filter((r) => r.classes === 10);
  if (s.probeFitOurs !== undefined && s.probeFitSklearn !== undefined) {
    const ns = fits.map((r) => r.n);
    rows.push(['probe fit time growth, exponent b in t ∝ nᵇ', f(s.probeFitOurs, 2), `scikit-learn ${f(s.probeFitSklearn, 2)}`, '', `10 classes, n = ${n0(Math.min(...ns))}…${n0(Math.max(...ns))}`]);
  }
  if (s.extractSeconds !== undefined) rows.push(['extraction time growth, exponent b in t ∝ nᵇ', f(s.extractSeconds, 2), '', '', 'memory runs']);
  if (s.peakRssMbPer1000 !== undefined) rows.push(['peak RSS above the loaded model, growth', `${f(s.peakRssMbPer1000, 1)} MB per 1,000 images`, '', '', 'the features alone: 4.1 MB per 1,000 (512-d float32, held twice)']);
  return rows;
}

function transformersJsRows(t: TransformersJsResult): Row[] {
  const rows: Row[] = t.throughput.map((s) => [
    `image embeddings, ours vs transformers.js ${t.transformersJs}`,
    `${f(s.oursImgPerSec)} img/s`,
    `transformers.js ${f(s.theirsImgPerSec)} img/s`,
    `${f(s.ratioTheirsOverOurs, 2)} (theirs/ours)`,
    `${plural(s.threads, 'thread')} each, batch ${t.batchSize}, ${n0(t.dataset.images)} CIFAR-10 images × ${plural(t.rounds, 'round')}; preprocessing ${f(s.oursPreprocessMsPerImage, 2)} vs ${f(s.theirsPreprocessMsPerImage, 2)} ms/img`,
  ]);
  const a = t.agreement;
  const c = t.cause;
  rows.push(['embedding cosine, ours vs transformers.js', `median ${f(a.median, 4)}, min ${f(a.min, 4)}`, '', '', `${n0(a.images)} images, same export and session options`]);
  const pil = 'skipped' in c.pil ? `PIL reference skipped: ${c.pil.skipped}` : `vs PIL bicubic: ours ${f(c.pil.meanAbsLevelsOurs, 2)}, transformers.js ${f(c.pil.meanAbsLevelsTheirs, 2)} levels`;
  rows.push([
    'cause: preprocessed pixels differ',
    `${f(c.meanAbsLevelsOursVsTheirs, 2)} levels mean`,
    '',
    '',
    `${pil}; best aligned at a shift of (${c.bestShiftSourcePixels.dx.toFixed(2)}, ${c.bestShiftSourcePixels.dy.toFixed(2)}) source px (${f(c.meanAbsLevelsAtBestShift, 2)} levels); ${c.images} images`,
  ]);
  rows.push(['transformers.js pixels through our session', `median cosine ${c.theirPixelsThroughOurSession.medianCosine.toFixed(6)}`, '', '', 'the graph and runtime agree; the gap is preprocessing']);
  return rows;
}

function int8Rows(r: Int8BatchingResult): Row[] {
  const ips = r.imgPerSec;
  const setting = `ViT-B/32 shape, int8-dynamic; batch ${r.batchSize}, ${plural(r.threads, 'thread')}; ${n0(r.images)} images × ${plural(r.rounds, 'round')}`;
  const identical = r.bitIdentical ? 'embeddings bit-identical to one-per-run' : 'embeddings DIFFER from one-per-run';
  return [
    ['int8 encode, per-row-dq (batched) vs fp32', `${f(ips['per-row-dq'])} img/s`, `fp32 ${f(ips.fp32)} img/s`, `${f(r.ratios.perRowVsFp32, 2)}× (target ≥ ${r.target.perRowVsFp32AtLeast})`, `${setting}; ${identical}`],
    ['int8 encode, one-per-run vs fp32', `${f(ips['one-per-run'])} img/s`, `fp32 ${f(ips.fp32)} img/s`, `${f(r.ratios.onePerRunVsFp32, 2)}×`, 'the mode before the per-row rewrite (--int8-encode one-per-run)'],
    ['int8 encode, per-row-dq vs one-per-run', `${f(ips['per-row-dq'])} img/s`, `one-per-run ${f(ips['one-per-run'])} img/s`, `${f(r.ratios.perRowVsOnePerRun, 2)}×`, ''],
    ['int8 loadModel, per-row-dq vs one-per-run', sec(r.loadSeconds['per-row-dq']), `one-per-run ${sec(r.loadSeconds['one-per-run'])}`, '', 'the rewrite and its bit-for-bit probe check run at load'],
  ];
}

/** perf.md: one table of every figure of the run, with when, where and under what load it was measured. */
export function renderPerfMarkdown(run: PerfRun): string {
  const rows: Row[] = [
    ...(run.pipeline ? pipelineRows(run.pipeline) : []),
    ...(run.text ? textRows(run.text) : []),
    ...(run.preprocess ? preprocessRows(run.preprocess) : []),
    ...(run.cache ? cacheRows(run.cache) : []),
    ...(run.probe ? probeRows(run.probe) : []),
    ...(run.memory ? memoryRows(run.memory) : []),
    ...slopeRows(run.slopes, run),
    ...(run.transformersJs ? transformersJsRows(run.transformersJs) : []),
    ...(run.int8 ? int8Rows(run.int8) : []),
  ];
  const m = run.machine;
  return [
    `Measured ${run.date.slice(0, 16).replace('T', ' ')} UTC by \`npm run perf${run.argv.length ? ` -- ${run.argv.join(' ')}` : ''}\` in ${sec(run.wallSeconds)}: ` +
      `${m.cores} cores (${m.cpu}), Node ${m.node}, onnxruntime ${m.onnxruntime}, device ${run.device ?? 'cpu'}; load average (1/5/15 min) ${load(run.loadavgBefore)} before, ${load(run.loadavgAfter)} after. ` +
      'Each ratio compares two variants measured back to back in the same run.',
    '',
    mdTable(['figure', 'measured', 'baseline (same run)', 'ratio', 'setting'], rows),
    '',
  ].join('\n');
}
