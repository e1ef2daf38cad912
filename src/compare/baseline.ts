import { readFile } from 'node:fs/promises';
import type { Shots } from '../evaluation/linear-probe.ts';
import { UserError } from '../util/errors.ts';
import { Rng, deriveSeed } from '../util/rng.ts';
import type { ExportOutcomes } from './run-export.ts';

/**
 * A stored baseline: what a later comparison needs from the reference export, so a candidate can be
 * gated in CI without the reference model present. Per dataset: the row identity, the reference's
 * per-example predictions (zero-shot with its logits, every probe seed with its C), its class text
 * embeddings, and its image embeddings of a fixed seeded subset of rows. Typed arrays are base64.
 */
export const BASELINE_SCHEMA = 'clip-bench/baseline';
export const BASELINE_VERSION = 1;
/** Rows whose image embeddings are compared (the same seeded subset live and from a baseline). */
export const EMBEDDING_ROWS = 1000;

export interface BaselineDataset {
  dataset: string;
  testIdentity: string;
  testRows: number;
  /** Sorted test-split indices (the --limit subset, or all). */
  testIdx: string;
  labels: string;
  dim: number;
  classes: string[];
  /** Positions (into testIdx) of the rows whose embeddings are stored. */
  embeddingRows: string;
  embeddings: string;
  classifier: string | null;
  zeroShot: { predictions: string; scores: string } | null;
  probes: { shots: Shots; seeds: { seed: number; C: number; predictions: string }[] }[];
}

export interface Baseline {
  schema: typeof BASELINE_SCHEMA;
  schemaVersion: typeof BASELINE_VERSION;
  createdAt: string;
  reference: { ref: string; variant: string | null; name: string; files: { role: string; sha256: string; bytes: number }[] };
  protocol: { limit: number | null; shots: Shots[]; seeds: number[] };
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

/** The seeded subset of positions whose image embeddings are compared (sorted). */
export function embeddingRows(dataset: string, n: number): Int32Array {
  if (n <= EMBEDDING_ROWS) return Int32Array.from({ length: n }, (_, i) => i);
  return new Rng(deriveSeed(0, `compare/embedding-rows/${dataset}`)).permutation(n).slice(0, EMBEDDING_ROWS).sort();
}

/** Rows `rows` of an [n, d] matrix. */
export function takeRows(m: Float32Array, d: number, rows: Int32Array): Float32Array {
  const out = new Float32Array(rows.length * d);
  rows.forEach((r, i) => out.set(m.subarray(r * d, (r + 1) * d), i * d));
  return out;
}

export function baselineDataset(args: { dataset: string; testIdentity: string; testIdx: Int32Array; labels: Int32Array; classes: readonly string[]; outcomes: ExportOutcomes }): BaselineDataset {
  const o = args.outcomes;
  const rows = embeddingRows(args.dataset, args.testIdx.length);
  return {
    dataset: args.dataset,
    testIdentity: args.testIdentity,
    testRows: args.testIdx.length,
    testIdx: b64(args.testIdx),
    labels: b64(args.labels),
    dim: o.dim,
    classes: [...args.classes],
    embeddingRows: b64(rows),
    embeddings: b64(takeRows(o.testFeats, o.dim, rows)),
    classifier: o.classifier ? b64(o.classifier) : null,
    zeroShot: o.zeroShot ? { predictions: b64(o.zeroShot.predictions), scores: b64(o.zeroShot.scores) } : null,
    probes: [...o.probes].map(([shots, seeds]) => ({ shots, seeds: seeds.map((s) => ({ seed: s.seed, C: s.C, predictions: b64(s.predictions) })) })),
  };
}

/** The reference's outcomes as stored; `testFeats` holds only the embedding rows. */
export function outcomesFromBaseline(b: Baseline, d: BaselineDataset): ExportOutcomes {
  return {
    name: b.reference.name,
    files: b.reference.files,
    dim: d.dim,
    testFeats: f32(d.embeddings),
    classifier: d.classifier ? f32(d.classifier) : null,
    zeroShot: d.zeroShot ? { predictions: i32(d.zeroShot.predictions), scores: f32(d.zeroShot.scores) } : null,
    probes: new Map(d.probes.map((p) => [p.shots, p.seeds.map((s) => ({ seed: s.seed, C: s.C, predictions: i32(s.predictions) }))])),
    imagesPerSecond: null,
    shifted: [],
  };
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
  if (b.schemaVersion !== BASELINE_VERSION) throw new UserError(`--baseline ${path}: baseline version ${b.schemaVersion} is not supported (this clip-bench reads version ${BASELINE_VERSION})`);
  return b as Baseline;
}

/** What differs between a baseline and the comparison asked for now (empty when they match). */
export function baselineMismatches(b: Baseline, now: { limit: number | null; shots: Shots[]; seeds: number[] }, ds: { dataset: string; testIdentity: string; testIdx: Int32Array; classes: readonly string[] }): string[] {
  const out: string[] = [];
  const d = b.datasets.find((x) => x.dataset === ds.dataset);
  if (!d) return [`the baseline has no dataset ${ds.dataset} (it has ${b.datasets.map((x) => x.dataset).join(', ')})`];
  if (d.testIdentity !== ds.testIdentity) out.push(`${ds.dataset}'s test split is not the one the baseline was made on (identity ${d.testIdentity.slice(0, 12)} vs ${ds.testIdentity.slice(0, 12)})`);
  if (JSON.stringify(d.classes) !== JSON.stringify(ds.classes)) out.push(`${ds.dataset}'s classes differ from the baseline's`);
  if (b.protocol.limit !== now.limit) out.push(`--limit ${now.limit ?? 'none'} vs the baseline's ${b.protocol.limit ?? 'none'}`);
  if (JSON.stringify(b.protocol.shots) !== JSON.stringify(now.shots)) out.push(`--shots ${now.shots.join(',') || 'none'} vs the baseline's ${b.protocol.shots.join(',') || 'none'}`);
  if (JSON.stringify(b.protocol.seeds) !== JSON.stringify(now.seeds)) out.push(`seeds ${now.seeds.join(',')} vs the baseline's ${b.protocol.seeds.join(',')}`);
  if (out.length === 0 && d.testIdx !== b64(ds.testIdx)) out.push(`${ds.dataset}: the test rows differ from the baseline's`);
  return out;
}
