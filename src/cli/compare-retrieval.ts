/**
 * `npm run compare` for --task retrieval: two stored runs (caption retrieval, from their per-query outcomes) or
 * two exports run live on the same test sets (caption and class retrieval); paired deltas, top-1 changes, the
 * drop gate.
 */
import { join } from 'node:path';
import { compareClassRetrieval, compareRetrieval, type RetrievalComparison } from '../compare/retrieval-compare.ts';
import type { StoredRun } from '../compare/stored-run.ts';
import type { ClipModel } from '../model/clip-model.ts';
import type { BenchOptions } from '../pipeline/options.ts';
import { prepareRetrievalSets, runRetrievalBench, type ClassScores } from '../pipeline/retrieval-bench.ts';
import { retrievalLabel } from '../results/retrieval-table.ts';
import type { BenchResults } from '../results/schema.ts';
import { writeOutputs } from '../reports/write.ts';
import { UserError } from '../util/errors.ts';
import { formatTable, type Io } from './toolkit.ts';

const pts = (x: number) => `${x >= 0 ? '+' : ''}${(100 * x).toFixed(2)}`;

/** Print each comparison, write compare-retrieval.json, and return the exit code (1 when a gate failed). */
async function reportComparisons(comparisons: RetrievalComparison[], names: { reference: string; candidate: string; refModel: string; candModel: string }, maxDrop: number, out: string, io: Io): Promise<number> {
  for (const c of comparisons) {
    io.stdout.write(`\n${retrievalLabel(c)}: ${names.refModel} → ${names.candModel}\n`);
    io.stdout.write(formatTable(['metric', 'reference %', 'candidate %', 'Δ points', '95% CI'], c.deltas.map((d) => [d.metric, (100 * d.reference).toFixed(2), (100 * d.candidate).toFixed(2), pts(d.delta), `[${pts(d.ci[0])}, ${pts(d.ci[1])}]`])));
    for (const t of c.top1Changed) io.stdout.write(`${t.direction}: top-1 changed for ${t.changed} of ${t.queries} queries (${((100 * t.changed) / t.queries).toFixed(2)}%)\n`);
  }
  const failed = comparisons.filter((c) => !c.gate.passed);
  const kinds = [...new Set(comparisons.map((c) => (c.top1Changed[0].direction === 'class_retrieval' ? 'mAP or precision@k' : 'recall@k')))].join(', ');
  const verdict = failed.length
    ? `FAIL: ${failed.map((c) => `${retrievalLabel(c)} ${c.gate.worst.metric} ${pts(c.gate.worst.delta)} points < −${maxDrop}`).join('; ')}`
    : `PASS: no ${kinds} dropped more than ${maxDrop} points`;
  await writeOutputs(out, [['compare-retrieval.json', JSON.stringify({ reference: names.reference, candidate: names.candidate, maxDrop, comparisons, verdict }, null, 2)]]);
  io.stdout.write(`wrote ${join(out, 'compare-retrieval.json')}\n${verdict}\n`);
  return failed.length ? 1 : 0;
}

export async function compareRetrievalRuns(ref: StoredRun | null, cand: StoredRun | null, maxDrop: number, resamples: number, out: string, io: Io): Promise<number> {
  if (!ref || !cand || ref.results.task !== 'retrieval' || cand.results.task !== 'retrieval')
    throw new UserError(`compare reads retrieval from two stored --task retrieval runs, or runs two exports live with --task retrieval: give both --reference and --candidate as results.json of npm run bench -- --task retrieval, or both as models`);
  const comparisons: RetrievalComparison[] = [];
  for (const r of ref.results.retrieval ?? []) {
    const c = cand.results.retrieval?.find((x) => x.dataset === r.dataset && x.shift === r.shift);
    if (!c) throw new UserError(`${cand.flag} ${cand.file} has no retrieval record of ${retrievalLabel(r)}; rerun it with the same --dataset and --shift`);
    comparisons.push(compareRetrieval(r, c, { refWhere: `${ref.flag} ${ref.file}`, candWhere: `${cand.flag} ${cand.file}`, maxDrop, seed: ref.results.protocol.bootstrap.seed, resamples }));
  }
  return reportComparisons(comparisons, { reference: ref.file, candidate: cand.file, refModel: ref.results.model.name, candModel: cand.results.model.name }, maxDrop, out, io);
}

/**
 * Both exports run live on the same --dataset test sets (the same --limit rows and --shift corruptions), one
 * after the other: caption sets compared from their per-query outcomes, labelled sets (class retrieval) from
 * both exports' scores. `open` loads a side's model.
 */
export async function compareRetrievalLive(opts: BenchOptions, sides: { reference: string; candidate: string }, open: (side: 'reference' | 'candidate') => Promise<ClipModel>, maxDrop: number, out: string, io: Io): Promise<number> {
  const sets = await prepareRetrievalSets(opts, {});
  const runs: { results: BenchResults; scores: Map<string, ClassScores> }[] = [];
  for (const side of ['reference', 'candidate'] as const) {
    const model = await open(side);
    try {
      const scores = new Map<string, ClassScores>();
      runs.push({ results: await runRetrievalBench({ ...opts, modelRef: sides[side] }, model, sets, scores), scores });
    } finally {
      await model.release();
    }
  }
  const [a, b] = runs;
  const seed = a.results.protocol.bootstrap.seed;
  const comparisons = a.results.retrieval!.map((r, i) => {
    const c = b.results.retrieval![i];
    if (r.kind === 'caption') return compareRetrieval(r, c, { refWhere: `--reference ${sides.reference}`, candWhere: `--candidate ${sides.candidate}`, maxDrop, seed, resamples: opts.bootstrapResamples });
    const sa = a.scores.get(retrievalLabel(r))!;
    const sb = b.scores.get(retrievalLabel(c))!;
    return compareClassRetrieval(r, c, { ref: sa.scores, cand: sb.scores, labels: sa.labels, numClasses: sa.numClasses }, { maxDrop, seed, resamples: opts.bootstrapResamples });
  });
  return reportComparisons(comparisons, { reference: sides.reference, candidate: sides.candidate, refModel: a.results.model.name, candModel: b.results.model.name }, maxDrop, out, io);
}
