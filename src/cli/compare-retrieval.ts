/** `npm run compare` on two stored `--task retrieval` runs: paired recall@k deltas, top-1 changes, the drop gate. */
import { join } from 'node:path';
import { compareRetrieval, type RetrievalComparison } from '../compare/retrieval-compare.ts';
import type { StoredRun } from '../compare/stored-run.ts';
import { writeOutputs } from '../reports/write.ts';
import { UserError } from '../util/errors.ts';
import { retrievalLabel } from '../results/retrieval-table.ts';
import { formatTable, type Io } from './toolkit.ts';

const pts = (x: number) => `${x >= 0 ? '+' : ''}${(100 * x).toFixed(2)}`;

export async function compareRetrievalRuns(ref: StoredRun | null, cand: StoredRun | null, maxDrop: number, resamples: number, out: string, io: Io): Promise<number> {
  if (!ref || !cand || ref.results.task !== 'retrieval' || cand.results.task !== 'retrieval')
    throw new UserError(`compare reads retrieval from two stored --task retrieval runs: give both --reference and --candidate as results.json of npm run bench -- --task retrieval`);
  const comparisons: RetrievalComparison[] = [];
  for (const r of ref.results.retrieval ?? []) {
    const c = cand.results.retrieval?.find((x) => x.dataset === r.dataset && x.shift === r.shift);
    if (!c) throw new UserError(`${cand.flag} ${cand.file} has no retrieval record of ${retrievalLabel(r)}; rerun it with the same --dataset and --shift`);
    comparisons.push(compareRetrieval(r, c, { refWhere: `${ref.flag} ${ref.file}`, candWhere: `${cand.flag} ${cand.file}`, maxDrop, seed: ref.results.protocol.bootstrap.seed, resamples }));
  }
  for (const c of comparisons) {
    io.stdout.write(`\n${retrievalLabel(c)}: ${ref.results.model.name} → ${cand.results.model.name}\n`);
    io.stdout.write(formatTable(['metric', 'reference %', 'candidate %', 'Δ points', '95% CI'], c.deltas.map((d) => [d.metric, (100 * d.reference).toFixed(2), (100 * d.candidate).toFixed(2), pts(d.delta), `[${pts(d.ci[0])}, ${pts(d.ci[1])}]`])));
    for (const t of c.top1Changed) io.stdout.write(`${t.direction}: top-1 changed for ${t.changed} of ${t.queries} queries (${((100 * t.changed) / t.queries).toFixed(2)}%)\n`);
  }
  const failed = comparisons.filter((c) => !c.gate.passed);
  const verdict = failed.length
    ? `FAIL: ${failed.map((c) => `${c.dataset} ${c.gate.worst.metric} ${pts(c.gate.worst.delta)} points < −${maxDrop}`).join('; ')}`
    : `PASS: no recall@k dropped more than ${maxDrop} points`;
  await writeOutputs(out, [['compare-retrieval.json', JSON.stringify({ reference: ref.file, candidate: cand.file, maxDrop, comparisons, verdict }, null, 2)]]);
  io.stdout.write(`wrote ${join(out, 'compare-retrieval.json')}\n${verdict}\n`);
  return failed.length ? 1 : 0;
}
