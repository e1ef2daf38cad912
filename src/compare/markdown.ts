import type { CompareDataset } from './compare.ts';
import type { FlipTable } from './flips.ts';
import type { GateResult, Gates } from './gates.ts';
import { plural } from '../util/plural.ts';

export interface CompareExport {
  ref?: string;
  variant: string | null;
  name: string;
  files: { role: string; sha256: string; bytes: number }[];
  baseline?: string;
}

/** compare.json as src/cli/compare.ts writes it: the contract between the comparison and its reports. */
export interface CompareRecord {
  schema?: string;
  createdAt?: string;
  reference: CompareExport;
  candidate: CompareExport;
  command: { argv: string[] };
  protocol?: { limit: number | null; preset?: string; gates?: Gates; threads?: number };
  /** Images/s per "<dataset> reference" and "<dataset> candidate" (null: every row came from the cache). */
  speed?: Record<string, number | null>;
  datasets: CompareDataset[];
  gates: GateResult[];
  verdict: string;
}

const pct = (x: number) => (100 * x).toFixed(2);
const table = (header: string[], rows: string[][]) => [`| ${header.join(' | ')} |`, `| ${header.map(() => '---').join(' | ')} |`, ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n');

export const CLASSIFIER_HEADER = ['classifier', 'reference top-1 %', 'candidate top-1 %', 'Δ points [95% CI]', 'agreement', 'negative flips', 'positive flips', 'McNemar p'];

/** One row per classifier: zero-shot, then every probe seed. */
export function classifierRows(d: CompareDataset): string[][] {
  const row = (name: string, c: NonNullable<CompareDataset['zeroShot']> | CompareDataset['probes'][number]['perSeed'][number]) =>
    [name, pct(c.referenceTop1), pct(c.candidateTop1), `${pct(c.delta)} [${pct(c.deltaCi[0])}, ${pct(c.deltaCi[1])}]`, c.agreement.toFixed(4), c.negativeFlipRate.toFixed(4), c.positiveFlipRate.toFixed(4), `${c.mcnemar.pValue.toPrecision(3)} (${c.mcnemar.method})`];
  return [...(d.zeroShot ? [row('zero-shot', d.zeroShot)] : []), ...d.probes.flatMap((p) => p.perSeed.map((s) => row(`${p.shots}-shot seed ${s.seed}`, s)))];
}

/** SQNR in dB; identical embeddings give +∞, which compare.json stores as null (JSON has no Infinity). */
export const sqnrText = (db: number | null) => (db === null || db === Infinity ? '∞ dB (identical)' : `${db.toFixed(1)} dB`);

export function embeddingsLine(d: CompareDataset): string {
  const e = d.embeddings;
  if (!e) return `Embedding statistics not measured: ${d.embeddingsUnavailable ?? 'no image embeddings'}.`;
  return `Image-embedding cosine: min ${e.imageCosine.min.toFixed(5)}, 1st percentile ${e.imageCosine.p01.toFixed(5)}, mean ${e.imageCosine.mean.toFixed(5)}; SQNR ${sqnrText(e.imageSqnrDb)}.${e.textCosine ? ` Class text-embedding cosine: min ${e.textCosine.min.toFixed(5)}, mean ${e.textCosine.mean.toFixed(5)}; max |Δ logit| ${e.maxAbsLogitDelta?.toFixed(4) ?? 'not measured'}.` : ''}`;
}

/** The classifiers whose flips are tabulated: zero-shot, and each probe k with its seeds summed. */
export const flipTables = (d: CompareDataset): { name: string; flips: FlipTable }[] => [
  ...(d.zeroShot ? [{ name: 'zero-shot', flips: d.zeroShot.flips }] : []),
  ...d.probes.map((p) => ({ name: `${p.shots}-shot probe${p.perSeed.length > 1 ? ` (${p.perSeed.length} seeds summed)` : ''}`, flips: p.flips })),
];

export const FLIP_CLASS_HEADER = ['class', 'rows', 'negative flips', 'positive flips', 'net Δ (points)'];

/** Classes with at least one flip, most negative flips first (then most positive, then class order). */
export function flipClassRows(f: FlipTable): string[][] {
  return f.perClass
    .map((c, i) => ({ c, i }))
    .filter(({ c }) => c.negative + c.positive > 0)
    .sort((a, b) => b.c.negative - a.c.negative || b.c.positive - a.c.positive || a.i - b.i)
    .map(({ c }) => [c.class, String(c.n), String(c.negative), String(c.positive), `${c.positive >= c.negative ? '+' : ''}${pct((c.positive - c.negative) / c.n)}`]);
}

export const FLIP_PAIR_HEADER = ['true class', 'reference → candidate', 'kind', 'rows'];
export const flipPairRows = (f: FlipTable): string[][] => f.pairs.map((p) => [p.trueClass, `${p.reference} → ${p.candidate}`, p.kind, String(p.count)]);

export const flipSummary = (f: FlipTable) =>
  `${f.changed} of ${f.n} predictions changed: ${plural(f.perClass.reduce((a, c) => a + c.negative, 0), 'negative flip')}, ${plural(f.perClass.reduce((a, c) => a + c.positive, 0), 'positive flip')}.`;

export const flipPairsCaption = (f: FlipTable) => `Most frequent changes${f.pairs.length < f.changed ? ` (the ${f.pairs.length} largest groups)` : ''}:`;

/** Markdown keeps the flip tables short; compare.html and compare.json hold every class. */
const MD_FLIP_CLASSES = 15;

function flipMarkdown(name: string, f: FlipTable): string[] {
  const rows = flipClassRows(f);
  const summary = `**${name}**: ${flipSummary(f)}`;
  if (!f.changed) return [summary, ''];
  const more = rows.length > MD_FLIP_CLASSES ? `\n\n${rows.length - MD_FLIP_CLASSES} more classes with flips in compare.html and compare.json.` : '';
  return [summary, '', table(FLIP_CLASS_HEADER, rows.slice(0, MD_FLIP_CLASSES)) + more, '', flipPairsCaption(f), '', table(FLIP_PAIR_HEADER, flipPairRows(f)), ''];
}

/** compare.md: what was compared, the paired statistics per dataset, flips, every gate and the verdict. */
export function renderCompareMarkdown(r: CompareRecord): string {
  const exp = (e: CompareRecord['reference']) => `\`${e.ref}\`${e.variant ? ` (${e.variant})` : ''}: ${e.files.map((f) => `${f.role} \`${f.sha256.slice(0, 12)}\` ${(f.bytes / 1e6).toFixed(1)} MB`).join(', ')}`;
  const out = [`# clip-bench export comparison`, '', `- reference: ${exp(r.reference)}`, `- candidate: ${exp(r.candidate)}`, `- command: \`${r.command.argv.join(' ')}\``, ''];
  for (const d of r.datasets) {
    out.push(`## ${d.dataset} (n = ${d.n})`, '');
    out.push(table(CLASSIFIER_HEADER, classifierRows(d)), '');
    if (d.zeroShot?.top5Overlap != null) out.push(`Zero-shot top-5 overlap (mean shared fraction of the two top-5 lists): ${d.zeroShot.top5Overlap.toFixed(4)}.`, '');
    out.push(embeddingsLine(d), '');
    const flips = flipTables(d);
    if (flips.length) out.push(`### Flips`, '', ...flips.flatMap((x) => flipMarkdown(x.name, x.flips)));
  }
  out.push('## Gates', '', table(['gate', 'where', 'measured', 'limit', 'result'], r.gates.map((g) => [g.gate, g.where, g.measured === null ? `not measured (${g.note})` : g.measured.toFixed(4), String(g.limit), g.passed ? 'pass' : '**FAIL**'])), '', r.verdict, '');
  return out.join('\n');
}
