import { readFile } from 'node:fs/promises';
import type { Shots } from '../evaluation/linear-probe.ts';
import { UserError } from '../util/errors.ts';
import { Rng, deriveSeed } from '../util/rng.ts';
import { zeroShotOutcomes, type ExportOutcomes, type TestSetOutcomes } from './outcomes.ts';

/**
 * A stored baseline: what a later comparison needs from the reference export, so a candidate can be
 * gated in CI without the reference model present. Per dataset and per test set (clean, and each
 * --shift set): the row identity, the reference's per-example predictions (zero-shot with its logits,
 * every probe seed with its C), its class text embeddings, and its image embeddings of a fixed seeded
 * subset of rows. Typed arrays are base64.
 * Version history: 1, clean rows only; 2, adds `shifted` test sets and `protocol.shifts`.
 */
export const BASELINE_SCHEMA = 'clip-bench/baseline';
export const BASELINE_VERSION = 2;
const READABLE_VERSIONS = [1, 2];
/** Rows whose image embeddings are compared (the same seeded subset live and from a baseline). */
export const EMBEDDING_ROWS = 1000;

/** One test set as stored. */
export interface BaselineTestSet {
  testIdentity: string;
  testRows: number;
  /** Sorted test-split indices (the --limit subset, or all). */
  testIdx: string;
  labels: string;
  dim: number;
  /** Positions (into testIdx) of the rows whose embeddings are stored. */
  embeddingRows: string;
  embeddings: string;
  classifier: string | null;
  zeroShot: { predictions: string; scores: string } | null;
  probes: { shots: Shots; seeds: { seed: number; C: number; predictions: string }[] }[];
}

export interface BaselineDataset extends BaselineTestSet {
  dataset: string;
  classes: string[];
  /** The --shift test sets (version 2; absent in version 1 files). */
  shifted?: (BaselineTestSet & { label: string; shiftId: string })[];
}

export interface Baseline {
  schema: typeof BASELINE_SCHEMA;
  schemaVersion: number;
  createdAt: string;
  reference: { ref: string; variant: string | null; name: string; files: { role: string; sha256: string; bytes: number }[] };
  /** `shifts`: the --shift items (version 2); the seed of seeded corruptions is part of each shifted set's shiftId. */
  protocol: { limit: number | null; shots: Shots[]; seeds: number[]; shifts?: string[] };
  datasets: BaselineDataset[];
}

const b64 = (a: Int32Array | Float32Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString('base64');
const i32 = (s: string) => {
  const b = Buffer.from(s, 'base64');
  return new Int32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
};
const f32 = (s: string) => {
  const b = Buffer.from(s, 'base64');
  return new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
};

/** The seeded subset of positions whose image embeddings are compared (sorted); `set` names the test set ("cifar10", "cifar10 [quickdraw]"). */
export function embeddingRows(set: string, n: number): Int32Array {
  if (n <= EMBEDDING_ROWS) return Int32Array.from({ length: n }, (_, i) => i);
  return new Rng(deriveSeed(0, `compare/embedding-rows/${set}`)).permutation(n).slice(0, EMBEDDING_ROWS).sort();
}

/** The name a test set goes by in comparisons: the dataset, with the shift in brackets. */
export const testSetName = (dataset: string, label: string) => (label === 'none' ? dataset : `${dataset} [${label}]`);

/** Rows `rows` of an [n, d] matrix. */
export function takeRows(m: Float32Array, d: number, rows: Int32Array): Float32Array {
  const out = new Float32Array(rows.length * d);
  rows.forEach((r, i) => out.set(m.subarray(r * d, (r + 1) * d), i * d));
  return out;
}

function baselineTestSet(name: string, t: TestSetOutcomes): BaselineTestSet {
  const o = t.outcomes;
  if (!o.testFeats || (o.zeroShot && !o.zeroShot.scores)) throw new Error('baseline: a live reference always has embeddings and logits');
  const rows = embeddingRows(name, t.testIdx.length);
  return {
    testIdentity: t.testIdentity,
    testRows: t.testIdx.length,
    testIdx: b64(t.testIdx),
    labels: b64(t.labels),
    dim: o.dim,
    embeddingRows: b64(rows),
    embeddings: b64(takeRows(o.testFeats, o.dim, rows)),
    classifier: o.classifier ? b64(o.classifier) : null,
    zeroShot: o.zeroShot ? { predictions: b64(o.zeroShot.predictions), scores: b64(o.zeroShot.scores!) } : null,
    probes: [...o.probes].map(([shots, seeds]) => ({ shots, seeds: seeds.map((s) => ({ seed: s.seed, C: s.C, predictions: b64(s.predictions) })) })),
  };
}

/** A dataset's clean and shifted test sets (live reference outcomes) as stored. */
export function baselineDataset(args: { dataset: string; classes: readonly string[]; sets: TestSetOutcomes[] }): BaselineDataset {
  const [clean, ...shifted] = args.sets;
  return {
    dataset: args.dataset,
    classes: [...args.classes],
    ...baselineTestSet(args.dataset, clean),
    shifted: shifted.map((t) => ({ label: t.label, shiftId: t.shiftId, ...baselineTestSet(testSetName(args.dataset, t.label), t) })),
  };
}

function outcomesFromTestSet(b: Baseline, d: BaselineTestSet, numClasses: number): ExportOutcomes {
  return {
    name: b.reference.name,
    files: b.reference.files,
    dim: d.dim,
    testFeats: f32(d.embeddings),
    embeddingRowsOnly: true,
    classifier: d.classifier ? f32(d.classifier) : null,
    // Stored logits are already restricted where the set was; top-5 follows from them.
    zeroShot: d.zeroShot ? zeroShotOutcomes(f32(d.zeroShot.scores), numClasses) : null,
    probes: new Map(d.probes.map((p) => [p.shots, p.seeds.map((s) => ({ seed: s.seed, C: s.C, predictions: i32(s.predictions) }))])),
    imagesPerSecond: null,
  };
}

/** The reference's test sets of one dataset as stored (clean first); `testFeats` holds only the embedding rows. */
export function testSetsFromBaseline(b: Baseline, d: BaselineDataset): TestSetOutcomes[] {
  const K = d.classes.length;
  const one = (label: string, shiftId: string, t: BaselineTestSet): TestSetOutcomes => ({ label, shiftId, testIdentity: t.testIdentity, testIdx: i32(t.testIdx), labels: i32(t.labels), outcomes: outcomesFromTestSet(b, t, K) });
  return [one('none', 'none', d), ...(d.shifted ?? []).map((s) => one(s.label, s.shiftId, s))];
}

export async function readBaseline(path: string): Promise<Baseline> {
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(path, 'utf8'));
  } catch (e) {
    throw new UserError(`--baseline ${path}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : `not valid JSON (${(e as Error).message}); write it again with --save-baseline`}`);
  }
  const b = raw as Partial<Baseline>;
  if (b.schema !== BASELINE_SCHEMA) throw new UserError(`--baseline ${path}: not a clip-bench baseline (schema ${JSON.stringify(b.schema)}); write one with npm run compare -- … --save-baseline <file>`);
  if (!READABLE_VERSIONS.includes(b.schemaVersion as number)) throw new UserError(`--baseline ${path}: baseline version ${b.schemaVersion} is not supported (this clip-bench reads versions ${READABLE_VERSIONS.join(' and ')})`);
  return b as Baseline;
}

/** What differs between a baseline and the comparison asked for now (empty when they match); the test rows are checked when pairing. */
export function baselineMismatches(b: Baseline, now: { limit: number | null; shots: Shots[]; seeds: number[]; shifts: string[] }, ds: { dataset: string; testIdentity: string; classes: readonly string[] }): string[] {
  const out: string[] = [];
  const d = b.datasets.find((x) => x.dataset === ds.dataset);
  if (!d) return [`the baseline has no dataset ${ds.dataset} (it has ${b.datasets.map((x) => x.dataset).join(', ')})`];
  if (d.testIdentity !== ds.testIdentity) out.push(`${ds.dataset}'s test split is not the one the baseline was made on (identity ${d.testIdentity.slice(0, 12)} vs ${ds.testIdentity.slice(0, 12)})`);
  if (JSON.stringify(d.classes) !== JSON.stringify(ds.classes)) out.push(`${ds.dataset}'s classes differ from the baseline's`);
  if (b.protocol.limit !== now.limit) out.push(`--limit ${now.limit ?? 'none'} vs the baseline's ${b.protocol.limit ?? 'none'}`);
  if (JSON.stringify(b.protocol.shots) !== JSON.stringify(now.shots)) out.push(`--shots ${now.shots.join(',') || 'none'} vs the baseline's ${b.protocol.shots.join(',') || 'none'}`);
  if (JSON.stringify(b.protocol.seeds) !== JSON.stringify(now.seeds)) out.push(`seeds ${now.seeds.join(',')} vs the baseline's ${b.protocol.seeds.join(',')}`);
  const shifts = b.protocol.shifts ?? [];
  if (shifts.join(',') !== now.shifts.join(',')) out.push(`--shift ${now.shifts.join(',') || 'none'} vs the baseline's ${shifts.join(',') || 'none'}`);
  return out;
}
