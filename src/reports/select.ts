/**
 * Read-only views of a results record that several outputs share: which probe is "the largest k",
 * names for files and labels, per-class accuracy and confusion counts of a probe over its seeds.
 * Nothing here re-evaluates a classifier; it only picks, pools or averages what the record holds.
 */
import { plural } from '../util/plural.ts';
import type { BenchResults, ClassifierMetrics, DatasetResult, ProbeResult, RobustnessMethod, RobustnessRecord } from '../results/schema.ts';

/** Shot counts in plotting order: numbers ascending, then `all`. */
export function shotOrder(a: number | 'all', b: number | 'all'): number {
  if (a === 'all') return b === 'all' ? 0 : 1;
  if (b === 'all') return -1;
  return a - b;
}

export const shotsLabel = (s: number | 'all') => (s === 'all' ? 'all' : `${s}`);

/** "4-shot", or "full-data" for a probe trained on the whole training split. */
export const probeKind = (s: number | 'all') => (s === 'all' ? 'full-data' : `${s}-shot`);

/** The probe with the most training data: `all` if run, else the largest k. */
export function largestProbe(ds: DatasetResult): ProbeResult | null {
  if (!ds.probes.length) return null;
  return [...ds.probes].sort((a, b) => shotOrder(a.shots, b.shots)).at(-1)!;
}

export function sortedProbes(ds: DatasetResult): ProbeResult[] {
  return [...ds.probes].sort((a, b) => shotOrder(a.shots, b.shots));
}

/** Clean test sets (the run's datasets); shifted copies of a test set follow their clean entry in the record. */
export const cleanDatasets = (r: BenchResults) => r.datasets.filter((ds) => ds.shift === 'none');
export const shiftedOf = (r: BenchResults, clean: DatasetResult) => r.datasets.filter((ds) => ds.name === clean.name && ds.shift !== 'none');

export const datasetLabel = (ds: DatasetResult) => (ds.shift === 'none' ? ds.name : `${ds.name} (${ds.shift})`);

/** A file-name-safe slug. */
export const slug = (s: string) => s.toLowerCase().replace(/[^a-z0-9._-]+/g, '-').replace(/^-+|-+$/g, '') || 'x';

export const datasetSlug = (ds: DatasetResult) => slug(ds.shift === 'none' ? ds.name : `${ds.name}-${ds.shift}`);

/** One model across runs: the same name with the same file hashes. */
export function modelKey(r: BenchResults): string {
  return `${r.model.name}@${r.model.files.map((f) => f.sha256.slice(0, 12)).join('+')}`;
}

export const zeroShotMetrics = (ds: DatasetResult): ClassifierMetrics | null =>
  ds.zeroShot.available && ds.zeroShot.metrics ? ds.zeroShot.metrics : null;

/** Per-class accuracy of a probe averaged over its seeds (null where a class had no test example). */
export function probePerClass(p: ProbeResult): (number | null)[] {
  const K = p.perSeed[0].metrics.perClassAccuracy.length;
  return Array.from({ length: K }, (_, c) => {
    const vals = p.perSeed.map((s) => s.metrics.perClassAccuracy[c]).filter((v): v is number => v !== null);
    return vals.length ? vals.reduce((a, b) => a + b, 0) / vals.length : null;
  });
}

/** Confusion counts of a probe summed over its seeds (each seed scores the same test set). */
export function probeConfusion(p: ProbeResult): number[] {
  const out = new Array<number>(p.perSeed[0].metrics.confusion.length).fill(0);
  for (const s of p.perSeed) s.metrics.confusion.forEach((v, i) => (out[i] += v));
  return out;
}

/** Break-even as the record states it: a value, an upper bound (probe already above at the smallest k), or never. */
export function breakEvenOf(ds: DatasetResult): { kind: 'at' | 'at-most' | 'never' | 'none'; shots: number | null } {
  if (!ds.zeroShot.available || !ds.probes.length) return { kind: 'none', shots: null };
  if (ds.breakEvenShots === null) return { kind: ds.breakEvenNote ? 'never' : 'none', shots: null };
  // At the curve's first point the probe was already above zero-shot: the record gives an upper bound.
  const first = Math.min(...ds.probes.map((p) => (p.shots === 'all' ? (p.effectiveShots ?? Infinity) : p.shots)));
  return { kind: ds.breakEvenShots <= first ? 'at-most' : 'at', shots: ds.breakEvenShots };
}

/** The record's own warnings plus those implied by its fields (demo model, in-domain, short classes, --limit). */
export function runWarnings(r: BenchResults): string[] {
  const out: string[] = [];
  if (r.model.demo) out.push(`${r.model.name} is the demo model trained in this repository, not CLIP: its numbers say nothing about CLIP itself.`);
  if (r.protocol.limit !== null) out.push(`--limit ${r.protocol.limit}: test sets were subsampled; numbers are not comparable with full-test-set figures.`);
  // Shifted test sets share the clean set's fitted probes and its flags: report those once.
  for (const ds of cleanDatasets(r)) {
    if (ds.zeroShot.inDomain) out.push(`${datasetLabel(ds)}: the model declares it was trained on this dataset's labels, so zero-shot here is not transfer.`);
    for (const p of ds.probes) {
      if (p.protocol?.note) out.push(`${datasetLabel(ds)}, ${probeKind(p.shots)} probe: ${p.protocol.note}`);
      if (p.shortClasses.length)
        out.push(`${datasetLabel(ds)}, ${probeKind(p.shots)} probe: ${plural(p.shortClasses.length, 'class', 'classes')} had fewer training examples than requested: ${p.shortClasses.map((c) => `${c.class} (${c.available}/${c.requested})`).join(', ')}.`);
    }
  }
  return [...out, ...r.warnings];
}

/** How a shifted test set was made, in a word: the corruption's fidelity, or "natural" for another dataset's images. */
export const shiftFidelity = (ds: DatasetResult) => (ds.shiftInfo?.kind === 'corruption' ? ds.shiftInfo.fidelity : ds.shiftInfo?.kind === 'natural' ? `natural (${ds.shiftInfo.target})` : '');

/** The suite a shifted test set belongs to ("CIFAR-10-C (re-implementation, seed 0)", "cifar10→quickdraw"). */
export const shiftSuite = (ds: DatasetResult) => (ds.shiftInfo?.kind === 'corruption' ? ds.shiftInfo.suite : ds.shiftInfo?.kind === 'natural' ? `${ds.name}→${ds.shiftInfo.target}` : '');

/** The robustness records of one clean test set (the corruption suite first, then each natural shift). */
export const robustnessOf = (r: BenchResults, clean: DatasetResult): RobustnessRecord[] => r.robustness?.filter((x) => x.dataset === clean.name) ?? [];

/** A robustness record over corruptions (it has per-corruption summaries) rather than a natural shift. */
export const isCorruptionRecord = (rob: RobustnessRecord) => rob.methods.some((m) => m.corruptions !== null);

/** "zero-shot", "4-shot probe", "full-data probe", "tip-adapter 4-shot". */
export const methodLabel = (m: RobustnessMethod) =>
  m.method === 'zero-shot' ? 'zero-shot' : m.method === 'linear probe' ? `${probeKind(m.shots ?? 'all')} probe` : `${m.method} ${probeKind(m.shots ?? 'all')}`;
