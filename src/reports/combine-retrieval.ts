/**
 * Combine --task retrieval runs without recomputing: the same protocol checks as classification runs
 * (combine.ts), per test set its identity, sizes and templates, and the records grouped by model and test set.
 */
import type { BenchResults, RetrievalRecord } from '../results/schema.ts';
import { retrievalLabel } from '../results/retrieval-table.ts';
import { UserError } from '../util/errors.ts';
import { groupCells, runProtocolFields, show, type Combined } from './combine.ts';
import type { LoadedRun } from './load.ts';

export interface RetrievalCell {
  run: LoadedRun;
  model: string;
  rec: RetrievalRecord;
  /** Protocol fields in which this cell's run differs from the reference; empty when consistent. */
  mixed: string[];
}

export interface CombinedRetrieval {
  runs: LoadedRun[];
  /** Model labels in first-seen order. */
  models: string[];
  /** Test-set labels (dataset, with [shift: …] for corrupted images) in first-seen order. */
  sets: string[];
  cells: RetrievalCell[];
  differences: Combined['differences'];
}

export const isRetrievalRun = (r: BenchResults) => r.task === 'retrieval' || (r.retrieval?.length ?? 0) > 0;

/** Run-wide protocol, then per test set what its numbers depend on: the images' identity, the query count and the templates. */
function retrievalFields(r: BenchResults): Map<string, string> {
  const out = runProtocolFields(r);
  for (const rec of r.retrieval ?? []) {
    const d = retrievalLabel(rec);
    out.set(`${d}: dataset checksum`, show(rec.provenance.checksum));
    out.set(`${d}: images`, show(rec.images));
    out.set(`${d}: ${rec.kind === 'caption' ? 'captions' : 'class queries'}`, show(rec.kind === 'caption' ? rec.captions : rec.queries));
    if (rec.kind === 'class') out.set(`${d}: templates`, show(rec.templates ?? null));
  }
  return out;
}

export function combineRetrievalRuns(runs: LoadedRun[], allowMixed: boolean): CombinedRetrieval {
  const other = runs.find((r) => !isRetrievalRun(r.results));
  if (other) throw new UserError(`${other.file} is a classification run and ${runs.find((r) => isRetrievalRun(r.results))!.file} a --task retrieval run: report combines runs of one task; make one report for each`);
  const { cells, differences } = groupCells(runs, runs.map((r) => retrievalFields(r.results)), allowMixed, (r) => r.retrieval ?? [], retrievalLabel);
  const uniq = (xs: string[]) => [...new Set(xs)];
  return { runs, models: uniq(cells.map((c) => c.model)), sets: uniq(cells.map((c) => retrievalLabel(c.rec))), cells, differences };
}

export const retrievalCellAt = (c: CombinedRetrieval, model: string, set: string) => c.cells.find((x) => x.model === model && retrievalLabel(x.rec) === set);
