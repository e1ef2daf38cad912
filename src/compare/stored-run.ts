/**
 * A bench run as one side of a comparison: its stored per-example outcomes (results schema v2) stand in
 * for running the model. Embedding statistics need embeddings, which results do not hold: they come from
 * the feature cache when the run's model files, preprocessing and test rows are cached there, and are
 * reported unavailable otherwise.
 */
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { recordedEncodeMode, type BenchResults, type DatasetResult } from '../results/schema.ts';
import { readResults } from '../results/read.ts';
import { unpackArray } from '../results/packed.ts';
import { FeatureStore, gatherRows, type FeatureKey } from '../features/store.ts';
import { corruptionShift, NO_SHIFT } from '../features/shift.ts';
import { imageFeatureKeyOf, type ImageEncoder } from '../features/extract.ts';
import { readCachedTexts } from '../features/text.ts';
import { classPrompts, evaluateZeroShot, zeroShotClassifier } from '../evaluation/zeroshot.ts';
import { UserError } from '../util/errors.ts';
import type { Shots } from '../evaluation/linear-probe.ts';
import { zeroShotOutcomes, type ExportOutcomes, type TestSetOutcomes } from './outcomes.ts';

export interface StoredRun {
  /** The flag it was given with (--reference or --candidate), for messages. */
  flag: string;
  file: string;
  results: BenchResults;
}

/** A results.json, or a run directory holding one (a model export directory holds none). */
export async function storedRunFile(ref: string): Promise<string | null> {
  const s = await stat(ref).catch(() => null);
  if (s?.isFile() && ref.endsWith('.json')) return ref;
  if (s?.isDirectory() && (await stat(join(ref, 'results.json')).then((x) => x.isFile(), () => false))) return join(ref, 'results.json');
  return null;
}

export async function readStoredRun(flag: string, file: string): Promise<StoredRun> {
  return { flag, file, results: await readResults(file) };
}

/** The clean record of `dataset` in a run, or a UserError naming what the run has. */
export function cleanRecord(run: StoredRun, dataset: string): DatasetResult {
  const d = run.results.datasets.find((x) => x.name === dataset && x.shift === 'none');
  // schema v3: a --task retrieval run holds retrieval records only; compare reads classification outcomes.
  if (!d) throw new UserError(`${run.flag} ${run.file} has no results for dataset ${dataset} (it has ${[...new Set(run.results.datasets.map((x) => x.name))].join(', ')})`);
  return d;
}

/** The image shift a record's rows went through: what the feature cache is keyed by. */
function shiftIdOf(d: DatasetResult): string {
  const info = d.shiftInfo;
  if (!info || info.kind === 'natural') return NO_SHIFT.id;
  if (info.fidelity === 'released') return `released/${info.corruption}:${info.severity}`;
  return corruptionShift({ corruption: info.corruption, severity: info.severity }, info.seed ?? 0).id;
}

/** Rows of the feature-cache entry the run wrote for this record, when every one is there. */
async function cachedRows(cacheRoot: string, key: FeatureKey, idx: Int32Array): Promise<{ feats: Float32Array; dim: number } | { missing: number }> {
  const loaded = await new FeatureStore(cacheRoot, key).load();
  const missing = idx.filter((i) => !loaded.rows.has(i)).length;
  return missing ? { missing } : { feats: gatherRows(loaded, idx), dim: loaded.dim! };
}

/**
 * One test set of a stored run as comparison outcomes. Predictions and top-5 come from the record;
 * image embeddings, class embeddings and logits from the feature cache when it holds them (and they
 * reproduce the stored predictions), else they are marked unavailable with the reason.
 */
export async function storedTestSet(run: StoredRun, d: DatasetResult, cacheRoot: string | null): Promise<TestSetOutcomes> {
  const where = `${run.file}: ${d.name}${d.shift === 'none' ? '' : ` [${d.shift}]`}`;
  const o = d.outcomes;
  if (!o)
    throw new UserError(`${run.flag} ${where} has no per-example outcomes (results schemaVersion 1, before they were stored); rerun it with this clip-bench: ${run.results.command.argv.join(' ')}`);
  const model = run.results.model;
  const K = d.classes.length;
  const i32 = (p: Parameters<typeof unpackArray>[0], field: string) => Int32Array.from(unpackArray(p, `${where} outcomes.${field}`));
  const testIdx = i32(o.testIndices, 'testIndices');
  const labels = i32(o.labels, 'labels');
  const top5 = o.zeroShotTop5 ? i32(o.zeroShotTop5, 'zeroShotTop5') : null;
  const width = o.zeroShotTop5?.shape[1] ?? 0;
  const n = testIdx.length;
  if (labels.length !== n || (top5 && top5.length !== n * width)) throw new UserError(`${where} outcomes hold ${labels.length} labels for ${n} test rows; rerun the bench that wrote it`);
  const probes = new Map<Shots, { seed: number; C: number; predictions: Int32Array }[]>();
  o.probes.forEach((p, i) => {
    const predictions = i32(p.predictions, `probes[${i}].predictions`);
    if (predictions.length !== n) throw new UserError(`${where} outcomes.probes[${i}] holds ${predictions.length} predictions for ${n} test rows; rerun the bench that wrote it`);
    probes.set(p.shots, [...(probes.get(p.shots) ?? []), { seed: p.seed, C: p.C, predictions }]);
  });
  const outcomes: ExportOutcomes = {
    name: model.name,
    files: model.files.map((f) => ({ role: f.role, sha256: f.sha256, bytes: f.bytes })),
    dim: model.embeddingDim,
    testFeats: null,
    classifier: null,
    zeroShot: top5 ? { predictions: Int32Array.from({ length: n }, (_, i) => top5[i * width]), top5, top5Width: width, scores: null } : null,
    probes,
    imagesPerSecond: null,
  };
  const shiftId = shiftIdOf(d);
  const testIdentity = d.splits.test!.identity;
  if (!cacheRoot) outcomes.featsUnavailable = `${run.flag} is a stored run and the feature cache is off (--no-cache), so its image embeddings are unknown`;
  else {
    const key = imageFeatureKeyOf({ files: model.files, preprocess: model.preprocess as ImageEncoder['preprocess'], device: run.results.protocol.device, imageEncodeMode: recordedEncodeMode(model) }, testIdentity, 'test', shiftId);
    const hit = await cachedRows(cacheRoot, key, testIdx);
    if ('missing' in hit) outcomes.featsUnavailable = `${run.flag} is a stored run whose image embeddings of ${d.name}${d.shift === 'none' ? '' : ` [${d.shift}]`} are not in the feature cache ${cacheRoot} (${hit.missing} of ${n} rows missing)`;
    else {
      outcomes.testFeats = hit.feats;
      outcomes.dim = hit.dim;
      if (outcomes.zeroShot) await addCachedLogits(run, d, cacheRoot, outcomes, labels);
    }
  }
  return { label: d.shift, shiftId, testIdentity, testIdx, labels, outcomes };
}

/**
 * Class embeddings and logits from the run's cached prompt embeddings, kept only when they reproduce
 * the stored zero-shot predictions row for row (so a stale or foreign cache entry is never used).
 */
async function addCachedLogits(run: StoredRun, d: DatasetResult, cacheRoot: string, outcomes: ExportOutcomes, labels: Int32Array): Promise<void> {
  const model = run.results.model;
  const templates = d.zeroShot.templates;
  const zs = outcomes.zeroShot!;
  if (!templates || !outcomes.testFeats) return;
  const K = d.classes.length;
  const T = templates.length;
  // The key embedTexts writes: text-tower hashes, tokenizer settings, the exact prompt list.
  const text = await readCachedTexts(cacheRoot, { files: model.files, tokenizer: model.tokenizer ?? undefined, device: run.results.protocol.device }, classPrompts(d.classes, templates));
  if (!text || text.dim !== outcomes.dim) return;
  const ev = evaluateZeroShot({ imageFeats: outcomes.testFeats, labels, textEmb: text.data, numClasses: K, numTemplates: T, dim: outcomes.dim, scale: run.results.protocol.zeroShotScale });
  const info = d.shiftInfo;
  const present = info?.kind === 'natural' && info.restricted ? d.classes.map((c) => info.classesPresent.includes(c)) : undefined;
  const again = zeroShotOutcomes(ev.scores, K, present ? { keep: present } : undefined);
  if (again.top5.some((c, i) => c !== zs.top5[i])) return;
  zs.scores = again.scores;
  outcomes.classifier = zeroShotClassifier(text.data, K, T, outcomes.dim);
}
