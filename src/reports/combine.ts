/**
 * Combine runs without recomputing: check that their protocols agree, group them by model and dataset,
 * and build the model × dataset tables (mean accuracy and mean rank, as LAION CLIP_benchmark's
 * `clip_benchmark build` plus its results notebook do) and model-vs-baseline differences.
 */
import type { BenchResults, DatasetResult, Estimate } from '../results/schema.ts';
import { UserError } from '../util/errors.ts';
import { deltaOf, type Delta } from './delta.ts';
import type { LoadedRun } from './load.ts';
import { datasetLabel, modelKey, probeKind, shotOrder } from './select.ts';

/** Protocol fields that cannot change a number (scheduling) or that runs may legitimately differ in (which k). */
const NOT_PROTOCOL = new Set(['shots', 'threads', 'batchSize']);

export interface Cell {
  run: LoadedRun;
  model: string;
  ds: DatasetResult;
  /** Protocol fields in which this cell's run differs from the reference; empty when consistent. */
  mixed: string[];
}

export interface Combined {
  runs: LoadedRun[];
  /** Model labels, in first-seen order; the first is the comparison baseline. */
  models: string[];
  /** Clean dataset labels, in first-seen order (shifted test sets are in the CSV, not the tables). */
  datasets: string[];
  cells: Cell[];
  /** Every differing field with its values per file (empty when the protocols agree). */
  differences: { field: string; values: { file: string; value: string }[] }[];
}

export const show = (v: unknown) => JSON.stringify(v) ?? 'absent';

/** Per run, the comparable fields: protocol fields, then per dataset its identity and templates. */
function protocolFields(r: BenchResults): Map<string, string> {
  const out = runProtocolFields(r);
  for (const ds of r.datasets) {
    const d = datasetLabel(ds);
    out.set(`${d}: dataset checksum`, show(ds.provenance.checksum));
    for (const [split, rec] of Object.entries(ds.splits)) out.set(`${d}: ${split} split identity`, show(rec?.identity));
    out.set(`${d}: templates`, show(ds.zeroShot.templates ?? null));
  }
  return out;
}

/** Model labels: the name, with file hashes appended only where two different models share a name. */
function modelLabels(runs: LoadedRun[]): Map<LoadedRun, string> {
  const keysByName = new Map<string, Set<string>>();
  for (const { results } of runs) keysByName.set(results.model.name, (keysByName.get(results.model.name) ?? new Set()).add(modelKey(results)));
  return new Map(runs.map((run) => [run, keysByName.get(run.results.model.name)!.size > 1 ? modelKey(run.results) : run.results.model.name]));
}

/**
 * The fields (`fields[i]` holds run i's) whose values differ between runs, each with its value per file; a
 * UserError naming the first unless `allowMixed`. The reference value of a field is the first run's that has it.
 */
function protocolDifferences(runs: LoadedRun[], fields: Map<string, string>[], allowMixed: boolean): { reference: Map<string, string>; differences: Combined['differences'] } {
  const reference = new Map<string, string>();
  fields.forEach((f) => f.forEach((v, k) => reference.has(k) || reference.set(k, v)));
  const differences: Combined['differences'] = [];
  for (const key of reference.keys()) {
    const values = runs.flatMap((r, i) => (fields[i].has(key) ? [{ file: r.file, value: fields[i].get(key)! }] : []));
    if (new Set(values.map((v) => v.value)).size > 1) differences.push({ field: key, values });
  }
  if (differences.length && !allowMixed) {
    const first = differences[0];
    throw new UserError(
      `runs differ in protocol: ${differences.map((d) => d.field).join(', ')} (e.g. ${first.field}: ${first.values.map((v) => `${v.file} ${v.value}`).join(' vs ')}); compare runs made with the same settings, or pass --allow-mixed to combine them with the mixed cells marked`,
    );
  }
  return { reference, differences };
}

/** The run-wide protocol fields (not per dataset), as compared between runs. */
export function runProtocolFields(r: BenchResults): Map<string, string> {
  const out = new Map<string, string>();
  // Records from before --device ran on the CPU.
  for (const [k, v] of Object.entries({ device: 'cpu', ...r.protocol })) if (!NOT_PROTOCOL.has(k)) out.set(k, show(v));
  return out;
}

/**
 * Runs' records grouped by model label and record label (a dataset, with its shift), each with the protocol
 * fields in which its run differs from the reference; the same model on the same record twice is an error.
 */
export function groupCells<R>(runs: LoadedRun[], fields: Map<string, string>[], allowMixed: boolean, recordsOf: (r: BenchResults) => R[], labelOf: (rec: R) => string) {
  const { reference, differences } = protocolDifferences(runs, fields, allowMixed);
  const labels = modelLabels(runs);
  const cells: { run: LoadedRun; model: string; rec: R; mixed: string[] }[] = [];
  const seen = new Map<string, string>();
  for (const [i, run] of runs.entries()) {
    const model = labels.get(run)!;
    for (const rec of recordsOf(run.results)) {
      const d = labelOf(rec);
      const key = `${model}\u0000${d}`;
      if (seen.has(key)) throw new UserError(`${run.file} and ${seen.get(key)} both hold ${model} on ${d}; pass only one of them`);
      seen.set(key, run.file);
      const mixed = differences.map((x) => x.field).filter((f) => (!f.includes(': ') || f.startsWith(`${d}: `)) && fields[i].get(f) !== reference.get(f));
      cells.push({ run, model, rec, mixed });
    }
  }
  return { cells, differences };
}

export function combineRuns(runs: LoadedRun[], allowMixed: boolean): Combined {
  const g = groupCells(runs, runs.map((r) => protocolFields(r.results)), allowMixed, (r) => r.datasets, datasetLabel);
  const cells: Cell[] = g.cells.map(({ run, model, rec, mixed }) => ({ run, model, ds: rec, mixed }));
  const uniq = (xs: string[]) => [...new Set(xs)];
  return { runs, models: uniq(cells.map((c) => c.model)), datasets: uniq(cells.filter((c) => c.ds.shift === 'none').map((c) => datasetLabel(c.ds))), cells, differences: g.differences };
}

/** A method column: zero-shot, or a probe at k shots. */
export type Method = 'zero-shot' | number | 'all';
export const methodLabel = (m: Method) => (m === 'zero-shot' ? 'zero-shot' : `${probeKind(m)} probe`);

export function methods(c: Combined): Method[] {
  const shots = [...new Set(c.cells.flatMap((x) => x.ds.probes.map((p) => p.shots)))].sort(shotOrder);
  const zs = c.cells.some((x) => x.ds.zeroShot.available && x.ds.zeroShot.top1);
  return [...(zs ? (['zero-shot'] as Method[]) : []), ...shots];
}

export function estimateOf(ds: DatasetResult, m: Method): Estimate | null {
  if (m === 'zero-shot') return ds.zeroShot.available ? (ds.zeroShot.top1 ?? null) : null;
  return ds.probes.find((p) => p.shots === m)?.top1 ?? null;
}

export const cellAt = (c: Combined, model: string, dataset: string) => c.cells.find((x) => x.model === model && datasetLabel(x.ds) === dataset);

/** Ranks 1 = best, ties share the mean of their ranks (as pandas' rank(method="average")). */
export function averageRanks(values: number[]): number[] {
  const order = values.map((v, i) => ({ v, i })).sort((a, b) => b.v - a.v);
  const ranks = new Array<number>(values.length);
  for (let s = 0; s < order.length; ) {
    let e = s;
    while (e + 1 < order.length && order[e + 1].v === order[s].v) e++;
    for (let j = s; j <= e; j++) ranks[order[j].i] = (s + e) / 2 + 1;
    s = e + 1;
  }
  return ranks;
}

export interface LeaderRow {
  model: string;
  perDataset: (Estimate | null)[];
  meanTop1: number | null;
  meanRank: number | null;
  datasetsCovered: number;
}

/** The model × dataset table for one method, with each model's mean top-1 and mean rank over the datasets it has. */
export function leaderboard(c: Combined, m: Method): LeaderRow[] {
  const grid = c.models.map((model) => c.datasets.map((d) => {
    const cell = cellAt(c, model, d);
    return cell ? estimateOf(cell.ds, m) : null;
  }));
  const rankGrid = grid.map(() => new Array<number | null>(c.datasets.length).fill(null));
  c.datasets.forEach((_, j) => {
    const present = grid.map((row, i) => ({ i, e: row[j] })).filter((x) => x.e !== null);
    const ranks = averageRanks(present.map((x) => x.e!.mean));
    present.forEach((x, k) => (rankGrid[x.i][j] = ranks[k]));
  });
  const mean = (xs: number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : null);
  return c.models.map((model, i) => {
    const have = grid[i].filter((e): e is Estimate => e !== null);
    return {
      model,
      perDataset: grid[i],
      meanTop1: mean(have.map((e) => e.mean)),
      meanRank: mean(rankGrid[i].filter((r): r is number => r !== null)),
      datasetsCovered: have.length,
    };
  });
}

export interface ComparisonRow {
  model: string;
  dataset: string;
  method: Method;
  delta: Delta;
  mixed: boolean;
}

/** Each model minus the baseline (the first model), per dataset and method, with a MOVER interval. */
export function compareToBaseline(c: Combined): ComparisonRow[] {
  const [baseline, ...others] = c.models;
  const rows: ComparisonRow[] = [];
  for (const model of others) {
    for (const d of c.datasets) {
      const a = cellAt(c, model, d);
      const b = cellAt(c, baseline, d);
      if (!a || !b) continue;
      for (const m of methods(c)) {
        const ea = estimateOf(a.ds, m);
        const eb = estimateOf(b.ds, m);
        if (ea && eb) rows.push({ model, dataset: d, method: m, delta: deltaOf(ea, eb), mixed: a.mixed.length + b.mixed.length > 0 });
      }
    }
  }
  return rows;
}
