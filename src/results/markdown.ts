import { RETRIEVAL_HEADER, retrievalRows, retrievalTitle } from './retrieval-table.ts';
import { plural } from '../util/plural.ts';
import { probeMethodLabel } from './probe-fit.ts';
import type { RobustnessRecord } from './schema.ts';
import type { BenchResults, DatasetResult, Estimate } from './schema.ts';

const pct = (x: number) => (100 * x).toFixed(1);

/** "mean ± std [lo, hi]"; a single deterministic classifier (zero-shot) has no seed spread, so no ± part. */
export const formatEstimate = (e: Estimate, seeds = true) =>
  `${pct(e.mean)}${seeds ? ` ± ${pct(e.std)}` : ''} [${pct(e.ci[0])}, ${pct(e.ci[1])}]`;

/** Rows of the compact summary table (shared by the terminal table and results.md). */
export function summaryRows(ds: DatasetResult): string[][] {
  const rows: string[][] = [];
  const zs = ds.zeroShot;
  if (zs.available && zs.top1 && zs.balancedAccuracy) {
    rows.push([
      zs.inDomain ? 'zero-shot (in-domain!)' : 'zero-shot',
      plural(zs.templates?.length ?? 0, 'template'),
      formatEstimate(zs.top1, false),
      zs.metrics?.top5 == null ? '–' : pct(zs.metrics.top5),
      formatEstimate(zs.balancedAccuracy, false),
    ]);
  } else {
    rows.push(['zero-shot', 'unavailable', zs.reason ?? '', '', '']);
  }
  for (const p of ds.probes) {
    // A seed spread exists only with two or more distinct draws: one seed, or seeds that drew the same rows, print no "± 0.0".
    const distinct = p.protocol?.distinctDraws ?? p.perSeed.length;
    const setting = [`${p.shots}-shot × ${plural(p.perSeed.length, 'seed')}`];
    if (distinct < p.perSeed.length) setting.push(distinct === 1 ? 'same draw' : `${plural(distinct, 'distinct draw')}`);
    if (p.protocol?.cSelection === 'fixed') setting.push(`fixed C=${p.protocol.fixedC}`);
    if (p.protocol?.cSelection === 'mixed') setting.push('C fixed for some seeds');
    rows.push([
      probeMethodLabel(p),
      setting.length > 1 ? `${setting[0]} (${setting.slice(1).join(', ')})` : setting[0],
      formatEstimate(p.top1, distinct > 1),
      p.top5 ? pct(p.top5.mean) : '–',
      formatEstimate(p.balancedAccuracy, distinct > 1),
    ]);
  }
  for (const m of ds.methods ?? [])
    for (const r of m.shots) {
      const many = r.perSeed.length > 1;
      rows.push([
        m.method,
        [`${r.shots}-shot × ${plural(r.perSeed.length, 'seed')}`, hyperparameterSummary(r.perSeed.map((s) => s.hyperparameters))].filter(Boolean).join('; '),
        formatEstimate(r.top1, many),
        r.top5 ? pct(r.top5.mean) : '–',
        formatEstimate(r.balancedAccuracy, many),
      ]);
    }
  return rows;
}

const GREEK: Record<string, string> = { alpha: 'α', beta: 'β', lambda: 'λ' };
const num = (v: number) => (Number.isInteger(v) ? String(v) : Math.abs(v) >= 1e-2 && Math.abs(v) < 1e4 ? String(Number(v.toPrecision(3))) : v.toExponential(1));

/** "α 0.39–1.7, β 5.1" over seeds: the range each chosen hyperparameter spans. */
export function hyperparameterSummary(perSeed: Record<string, number>[]): string {
  // The first two are what each method chooses (the rest, e.g. LP++'s derived step sizes, stay in results.json and the CSV).
  const names = [...new Set(perSeed.flatMap((h) => Object.keys(h)))].slice(0, 2);
  return names
    .map((n) => {
      const v = perSeed.map((h) => h[n]).filter((x) => x !== undefined);
      const lo = Math.min(...v);
      const hi = Math.max(...v);
      return `${GREEK[n] ?? n} ${lo === hi ? num(lo) : `${num(lo)}–${num(hi)}`}`;
    })
    .join(', ');
}

/** One sentence on where the probe curve meets zero-shot (CLIP Fig. 6), or null when not measured. */
export function breakEvenLine(ds: DatasetResult): string | null {
  // Methods with the same verdict are named together ("tip-adapter, wise: already matches …"); a note that
  // names its method ("tip-adapter already matches …") has the name taken off first.
  const groups = new Map<string, string[]>();
  for (const m of ds.methods ?? []) {
    const verdict = m.breakEvenNote?.startsWith(`${m.method} `)
      ? m.breakEvenNote.slice(m.method.length + 1)
      : m.breakEvenShots !== null && !m.breakEvenNote ? `≈ ${m.breakEvenShots.toFixed(1)}` : m.breakEvenNote ?? 'never';
    groups.set(verdict, [...(groups.get(verdict) ?? []), m.method]);
  }
  const methods = [...groups].map(([verdict, names]) => (names.length === 1 ? `${names[0]} ${verdict}` : `${names.join(', ')}: ${verdict}`));
  const tail = methods.length ? `; other methods: ${methods.join('; ')}` : '';
  if (ds.breakEvenShots !== null && !ds.breakEvenNote) return `break-even: the probe matches zero-shot top-1 at ≈ ${ds.breakEvenShots.toFixed(1)} shots per class${tail}`;
  if (ds.breakEvenNote) return `break-even: ${ds.breakEvenNote}${tail}`;
  return methods.length ? `break-even (shots per class to match zero-shot top-1): ${methods.join('; ')}` : null;
}

export const ROBUSTNESS_HEADER = ['method', 'clean %', 'shifted % (mean)', 'drop (points)', 'retained %', 'mCA %', 'mCE % (unnorm.)'];

/** Rows of the robustness table of one dataset's shifts (shared by the terminal and results.md). */
export function robustnessRows(r: RobustnessRecord): string[][] {
  const opt = (x: number | null | undefined) => (x === null || x === undefined ? '–' : pct(x));
  return r.methods.map((m) => [
    m.method === 'zero-shot' ? 'zero-shot' : `${m.method} ${m.shots}-shot`,
    pct(m.clean),
    pct(m.meanShifted),
    (100 * m.meanDrop).toFixed(1),
    opt(m.meanRetained),
    opt(m.corruptions?.mCA),
    opt(m.corruptions?.mCE),
  ]);
}

/** One sentence on zero-shot's effective robustness (Taori et al. 2020) against the probes' trend. */
export function effectiveRobustnessLine(r: RobustnessRecord): string | null {
  const er = r.effectiveRobustness;
  if (!er) return null;
  if (er.value === null) return `effective robustness of zero-shot: not estimated (${er.flag})`;
  const v = 100 * er.value;
  return `effective robustness of zero-shot: ${v >= 0 ? '+' : ''}${v.toFixed(1)} points (shifted top-1 ${v >= 0 ? 'above' : 'below'} the ${pct(er.predicted!)}% that the adapted probes' logit-linear trend predicts)${er.flag ? ` — ${er.flag}` : ''}`;
}

export const SUMMARY_HEADER = ['method', 'setting', 'top-1 % (mean ± std [95% CI])', 'top-5 %', 'balanced acc. %'];

/** A GitHub-flavoured markdown table. */
export function mdTable(header: string[], rows: string[][]): string {
  return [`| ${header.join(' | ')} |`, `| ${header.map(() => '---').join(' | ')} |`, ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n');
}

export function renderMarkdown(r: BenchResults): string {
  const out: string[] = [];
  out.push(`# clip-bench results — ${r.model.name}`);
  out.push('');
  if (r.model.demo) {
    out.push(`> **Demo model, not CLIP.** \`${r.model.name}\` is the small model trained inside this repository; its numbers say nothing about CLIP itself. Run with \`--model clip-vit-b32\` (or a local export) for real CLIP numbers.`);
    out.push('');
  }
  out.push(`- run: \`${r.runId}\` at ${r.createdAt}`);
  out.push(`- command: \`${r.command.argv.join(' ')}\``);
  out.push(`- model: \`${r.model.ref}\` (${r.model.layout}, ${r.model.embeddingDim}-d); files: ${r.model.files.map((f) => `${f.path} \`${f.sha256.slice(0, 12)}\``).join(', ')}`);
  out.push(`- protocol: seeds ${r.protocol.seeds.join(', ')}; shots ${r.protocol.shots.join(', ')}; val per class ${r.protocol.valPerClass}; solver ${r.protocol.solver}; ${r.protocol.cGrid.length ? `C grid ${r.protocol.cGrid.join(', ')} + ${plural(r.protocol.refineSteps, 'refinement step')}${r.protocol.probeFit ? ` (${r.protocol.probeFit.search === 'grid' ? '**grid-only C search, opt-in: not comparable to CoOp / CLIP A.3 tables**' : 'CoOp lpclip search'}; ties: CoOp's rule; ${r.protocol.probeFit.precision === 'auto' ? 'auto precision: mixed fits warm-started along C for draws on onnxruntime, float64 cold starts for smaller ones' : `${r.protocol.probeFit.precision} fits${r.protocol.probeFit.warmStart ? ', warm-started along C' : ', cold starts'}`})` : ''}` : 'no C sweep (the solver has no C)'}; ${r.protocol.bootstrap.resamples} bootstrap resamples (seed ${r.protocol.bootstrap.seed})${r.protocol.limit ? `; **--limit ${r.protocol.limit}**` : ''}`);
  out.push(`- environment: Node ${r.environment.node}, ${r.environment.cpus}× ${r.environment.cpuModel}; ${Object.entries(r.environment.packages).map(([k, v]) => `${k} ${v}`).join(', ')}`);
  for (const ds of r.datasets) {
    out.push('');
    out.push(`## ${ds.name}${ds.shift !== 'none' ? ` (shift: ${ds.shift})` : ''}`);
    out.push('');
    const splits = Object.entries(ds.splits).map(([s, rec]) => `${s} ${rec!.used}/${rec!.size}`).join(', ');
    out.push(`${ds.classes.length} classes; ${splits}; source ${ds.provenance.source} (\`${ds.provenance.checksum.slice(0, 12)}\`)`);
    out.push('');
    out.push(mdTable(SUMMARY_HEADER, summaryRows(ds)));
    out.push('');
    if (ds.zeroShot.inDomain) out.push(`**In-domain:** the model declares it was trained on ${ds.name}'s labels, so this zero-shot figure is not transfer.\n`);
    const be = breakEvenLine(ds);
    if (be) out.push(be);
    for (const p of ds.probes) {
      if (p.protocol?.note) out.push(`\n**Protocol:** ${p.protocol.note}`);
      if (p.shortClasses.length) out.push(`\n${p.shots}-shot: classes with too few training examples: ${p.shortClasses.map((c) => `${c.class} (${c.available}/${c.requested})`).join(', ')}`);
    }
  }
  // schema v3: --task retrieval records.
  for (const rec of r.retrieval ?? []) out.push('', `## ${retrievalTitle(rec, r.model.name)}`, '', mdTable(RETRIEVAL_HEADER, retrievalRows(rec)));
  for (const rob of r.robustness ?? []) {
    out.push('');
    out.push(`## Robustness: ${rob.dataset}, ${rob.suite}`);
    out.push('');
    out.push(`${plural(rob.shifts.length, 'shifted test set')}: ${rob.shifts.length > 12 ? `${rob.shifts.slice(0, 12).join(', ')}, …` : rob.shifts.join(', ')}`);
    out.push('');
    out.push(mdTable(ROBUSTNESS_HEADER, robustnessRows(rob)));
    const er = effectiveRobustnessLine(rob);
    if (er) out.push(`\n${er}`);
  }
  if (r.warnings.length) {
    out.push('');
    out.push('## Warnings');
    for (const w of r.warnings) out.push(`- ${w}`);
  }
  out.push('');
  return out.join('\n');
}
