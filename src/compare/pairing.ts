/**
 * Which outcomes pair with which: both sides of a comparison must have scored the same test rows of
 * the same test split with the same labels (and the same image shift) for paired statistics to mean
 * anything. Everything that differs is named, so the CLI can refuse with one line (exit 2).
 */
import type { BenchResults, DatasetResult } from '../results/schema.ts';
import { probeFitMode, type ProbeSettings, type Shots } from '../evaluation/linear-probe.ts';
import type { TestSetOutcomes } from './outcomes.ts';

const sameArray = (a: ArrayLike<number>, b: ArrayLike<number>) => a.length === b.length && Array.prototype.every.call(a, (x: number, i: number) => x === b[i]);

/** Pairs of the reference's and candidate's test sets by label (the reference's order), and what does not pair. */
export function pairTestSets(dataset: string, ref: TestSetOutcomes[], cand: TestSetOutcomes[]): { pairs: [TestSetOutcomes, TestSetOutcomes][]; problems: string[] } {
  const pairs: [TestSetOutcomes, TestSetOutcomes][] = [];
  const problems: string[] = [];
  const name = (label: string) => (label === 'none' ? dataset : `${dataset} [${label}]`);
  for (const label of new Set([...ref, ...cand].map((t) => t.label))) {
    const r = ref.find((t) => t.label === label);
    const c = cand.find((t) => t.label === label);
    if (!r || !c) {
      problems.push(`${name(label)} is scored by the ${r ? 'reference' : 'candidate'} only`);
      continue;
    }
    const before = problems.length;
    if (r.testIdentity !== c.testIdentity) problems.push(`${name(label)}: the test splits differ (identity ${r.testIdentity.slice(0, 12)} vs ${c.testIdentity.slice(0, 12)})`);
    else if (!sameArray(r.testIdx, c.testIdx)) problems.push(`${name(label)}: the test rows differ (${r.testIdx.length} vs ${c.testIdx.length} rows${r.testIdx.length === c.testIdx.length ? ', another subset' : ''}; was --limit the same?)`);
    else if (!sameArray(r.labels, c.labels)) problems.push(`${name(label)}: the labels of the same rows differ`);
    if (r.shiftId !== c.shiftId) problems.push(`${name(label)}: the image shifts differ (${r.shiftId} vs ${c.shiftId}; was --shift-seed the same?)`);
    const shots = (t: TestSetOutcomes) => [...t.outcomes.probes].map(([k, s]) => `${k}-shot seeds ${s.map((x) => x.seed).join(',')}`).join('; ') || 'no probes';
    if (shots(r) !== shots(c)) problems.push(`${name(label)}: probes differ (${shots(r)} vs ${shots(c)})`);
    if (!!r.outcomes.zeroShot !== !!c.outcomes.zeroShot) problems.push(`${name(label)}: zero-shot was scored by the ${r.outcomes.zeroShot ? 'reference' : 'candidate'} only`);
    if (problems.length === before) pairs.push([r, c]);
  }
  return { pairs, problems };
}

/** The probe protocol a run used, as settings (so a live side fits exactly the same way). */
export function runProbeSettings(r: BenchResults): ProbeSettings {
  const fit = r.protocol.probeFit;
  return { solver: r.protocol.solver as ProbeSettings['solver'], grid: r.protocol.cGrid, refineSteps: r.protocol.refineSteps, maxIter: r.protocol.maxIter, precision: fit?.precision ?? 'float64', search: fit?.search ?? 'coop' };
}

/** What makes probe draws and fits comparable: the solver, its C grid and refinement, the seeds, the shots, the train split they were drawn from. */
export function probeProtocolMismatches(a: { what: string; settings: ProbeSettings; shots: Shots[]; seeds: number[]; trainIdentity: (dataset: string) => string | null }, b: typeof a, datasets: string[]): string[] {
  const out: string[] = [];
  const diff = (field: string, x: unknown, y: unknown) => {
    if (JSON.stringify(x) !== JSON.stringify(y)) out.push(`${field} ${JSON.stringify(x)} (${a.what}) vs ${JSON.stringify(y)} (${b.what})`);
  };
  diff('shots', a.shots, b.shots);
  diff('seeds', a.seeds, b.seeds);
  if (a.shots.length && b.shots.length) {
    diff('probe solver', a.settings.solver, b.settings.solver);
    diff('C grid', [...a.settings.grid], [...b.settings.grid]);
    diff('C refinement steps', a.settings.refineSteps, b.settings.refineSteps);
    diff('max iterations', a.settings.maxIter, b.settings.maxIter);
    diff('C search', probeFitMode(a.settings).search, probeFitMode(b.settings).search);
    diff('probe precision', probeFitMode(a.settings).precision, probeFitMode(b.settings).precision);
    for (const ds of datasets) if (a.trainIdentity(ds) !== b.trainIdentity(ds)) out.push(`${ds}: the train splits the k-shot draws come from differ`);
  }
  return out;
}

/** The run's train split identity of a dataset (null when it had none). */
export const runTrainIdentity = (r: BenchResults) => (dataset: string): string | null =>
  r.datasets.find((d: DatasetResult) => d.name === dataset && d.shift === 'none')?.splits.train?.identity ?? null;
