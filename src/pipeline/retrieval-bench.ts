/**
 * `bench --task retrieval`: per test set, encode the images and the text queries, rank, score, and shape a
 * RetrievalRecord. A labelled set gives class retrieval (each class's prompt ensemble queries the test
 * images); a caption file gives caption retrieval both ways (CLIP_benchmark's zeroshot_retrieval).
 */
import { join } from 'node:path';
import type { ClipModel } from '../model/clip-model.ts';
import { openDataset } from '../datasets/resolve.ts';
import type { CaptionedSet, CaptionOptions } from '../datasets/captions.ts';
import { openCaptionSource } from '../datasets/caption-sources.ts';
import type { Dataset } from '../datasets/types.ts';
import { extractImageFeatures } from '../features/extract.ts';
import { corruptionShift, NO_SHIFT } from '../features/shift.ts';
import { checkCorruptible, parseShiftSpec } from '../shifts/index.ts';
import { embedTexts } from '../features/text.ts';
import { PreprocessPool } from '../features/worker-pool.ts';
import { classPrompts, zeroShotClassifier, zeroShotLogits } from '../evaluation/zeroshot.ts';
import { classRetrieval, DEFAULT_CLASS_KS } from '../evaluation/class-retrieval.ts';
import { retrieveCaptions } from '../evaluation/retrieval.ts';
import { captionRetrievalMetrics, DEFAULT_RECALL_KS } from '../evaluation/retrieval-metrics.ts';
import { packArray } from '../results/packed.ts';
import { retrievalLabel } from '../results/retrieval-table.ts';
import type { BenchResults, RetrievalRecord } from '../results/schema.ts';
import { encodeNpy } from '../util/npy.ts';
import { writeFileAtomic } from '../util/atomic.ts';
import { deriveSeed } from '../util/rng.ts';
import { UserError } from '../util/errors.ts';
import { BOOTSTRAP_SEED, runRecordHeader } from './record.ts';
import { newRunId, testIndices } from './bench.ts';
import { exportFeatures } from './export-features.ts';
import type { BenchOptions } from './options.ts';

export type RetrievalSet = { kind: 'class'; ds: Dataset; labels: Int32Array; skipped: string[] } | { kind: 'caption'; set: CaptionedSet; skipped: string[] };

/** Opens every --dataset for retrieval before the model loads: caption files and retrieval webdatasets (local or hf:) as captioned sets, the rest as labelled sets. */
export async function prepareRetrievalSets(opts: BenchOptions, captions: CaptionOptions): Promise<RetrievalSet[]> {
  const out: RetrievalSet[] = [];
  for (const ref of opts.datasets) {
    const set = typeof ref === 'string' ? await openCaptionSource(ref, { ...captions, skipBad: opts.skipBad, dataDir: opts.dataDir ?? undefined }) : null;
    if (set) {
      out.push({ kind: 'caption', set, skipped: set.skipped.map((s) => `${set.name}: skipped unreadable image ${s.path} (${s.reason}) and its captions`) });
      continue;
    }
    const ds = typeof ref === 'string' ? await openDataset(ref, { dataDir: opts.dataDir ?? undefined, source: opts.source ?? undefined, skipBad: opts.skipBad, templatesFile: opts.templatesFile ?? undefined }) : ref;
    if (!ds.splits.includes('test')) throw new UserError(`dataset ${ds.name} has no test split (splits: ${ds.splits.join(', ')})`);
    const skipped = ((ds as { skipped?: { path: string; reason: string }[] }).skipped ?? []).map((s) => `${ds.name}: skipped unreadable image ${s.path} (${s.reason})`);
    out.push({ kind: 'class', ds, labels: await ds.labels('test'), skipped });
  }
  return out;
}

/** The captions of the images at `idx` (sorted rows of the full set), their images renumbered 0..idx.length − 1. */
function captionSubset(set: CaptionedSet, idx: Int32Array): CaptionedSet {
  const row = new Map(Array.from(idx, (i, r) => [i, r]));
  const keep = Array.from(set.captionImage.keys()).filter((t) => row.has(set.captionImage[t]));
  return { ...set, captions: keep.map((t) => set.captions[t]), captionImage: Int32Array.from(keep, (t) => row.get(set.captionImage[t])!) };
}

const seconds = (t0: number) => (performance.now() - t0) / 1000;

/** The text queries: each class's prompt ensemble (the zero-shot classifier rows), or the captions. */
async function textQueries(model: ClipModel, ds: Dataset | null, set: CaptionedSet | null, cacheRoot: string | null): Promise<{ data: Float32Array; dim: number }> {
  if (ds) {
    const text = await embedTexts(model, classPrompts(ds.classes, ds.templates), cacheRoot, { label: `${ds.name} class prompts` });
    return { data: zeroShotClassifier(text.data, ds.classes.length, ds.templates.length, text.dim), dim: text.dim };
  }
  const text = await embedTexts(model, set!.captions, cacheRoot, { label: 'captions' });
  return { data: text.data, dim: text.dim };
}

type Scored = Pick<RetrievalRecord, 'kind' | 'queries' | 'captions' | 'templates' | 'ks' | 'metrics' | 'perClass' | 'outcomes'>;

async function classRecord(ds: Dataset, labels: Int32Array, images: Float32Array, classifier: Float32Array, key: string, resamples: number, warnings: string[], exportDir: string | null, idx: Int32Array, keep?: (s: ClassScores) => void): Promise<Scored> {
  const K = ds.classes.length;
  const d = classifier.length / K;
  const scores = zeroShotLogits(images, labels.length, classifier, K, d, 1);
  keep?.({ scores, labels, numClasses: K });
  const r = classRetrieval(scores, labels, K, { ks: DEFAULT_CLASS_KS, seed: deriveSeed(BOOTSTRAP_SEED, `${key}/class-retrieval`), resamples });
  const metrics: RetrievalRecord['metrics'] = { mAP: r.overall.map };
  r.ks.forEach((k, x) => (metrics[`precision@${k}`] = r.overall.precisionAt[x]));
  r.ks.forEach((k, x) => (metrics[`recall@${k}`] = r.overall.recallAt[x]));
  const empty = ds.classes.filter((_, c) => r.relevant[c] === 0);
  if (empty.length && !key.includes('/')) warnings.push(`${ds.name}: no test image of ${empty.join(', ')}: their AP is undefined and left out of mAP`);
  if (exportDir) {
    await exportFeatures(exportDir, { pool: null, test: { features: images, dim: d, indices: idx, labels }, classes: ds.classes });
    await writeFileAtomic(join(exportDir, 'text_features.npy'), encodeNpy(classifier, [K, d]));
  }
  return { kind: 'class', queries: K, templates: [...ds.templates], ks: r.ks, metrics, perClass: ds.classes.map((c, i) => ({ class: c, relevant: r.relevant[i], ...r.perClass[i] })) };
}

async function captionRecord(set: CaptionedSet, images: Float32Array, texts: Float32Array, numImages: number, d: number, key: string, opts: BenchOptions, exportDir: string | null): Promise<Scored> {
  const ks = [...DEFAULT_RECALL_KS];
  const r = retrieveCaptions({ texts, images, captionImage: set.captionImage, numImages, dim: d, k: Math.max(...ks), similarity: { threads: opts.threads } });
  const metrics = captionRetrievalMetrics(r, ks, BOOTSTRAP_SEED, `${key}/caption-retrieval`, opts.bootstrapResamples);
  const top1 = (t: { k: number; indices: Int32Array }) => Int32Array.from({ length: t.indices.length / t.k }, (_, q) => t.indices[q * t.k]);
  if (exportDir) {
    await writeFileAtomic(join(exportDir, 'test_features.npy'), encodeNpy(images, [numImages, d]));
    await writeFileAtomic(join(exportDir, 'text_features.npy'), encodeNpy(texts, [set.captions.length, d]));
    await writeFileAtomic(join(exportDir, 'caption_image.npy'), encodeNpy(set.captionImage, [set.captions.length]));
    await writeFileAtomic(join(exportDir, 'captions.json'), JSON.stringify(set.captions, null, 1));
  }
  return {
    kind: 'caption',
    queries: set.captions.length,
    captions: set.captions.length,
    ks,
    metrics,
    outcomes: {
      captionImage: packArray(set.captionImage, 'int32'),
      imageRetrievalRanks: packArray(r.imageRetrievalRanks, 'int32'),
      textRetrievalRanks: packArray(r.textRetrievalRanks, 'int32'),
      imageRetrievalTop1: packArray(top1(r.imageRetrievalTop), 'int32'),
      textRetrievalTop1: packArray(top1(r.textRetrievalTop), 'int32'),
    },
  };
}

/** Class retrieval's scores [images, classes] and labels of one test set, for a paired comparison of two exports. */
export interface ClassScores {
  scores: Float32Array;
  labels: Int32Array;
  numClasses: number;
}

/**
 * The retrieval benchmark over prepared sets with one loaded model; returns the results record (no files but
 * --export-features). `classScores`, when given, receives each class-retrieval test set's scores by its label.
 */
export async function runRetrievalBench(opts: BenchOptions, model: ClipModel, sets: RetrievalSet[], classScores?: Map<string, ClassScores>): Promise<BenchResults> {
  const t0 = performance.now();
  if (!model.hasText) throw new UserError(`${model.name} has no text tower (image-only backbone): retrieval needs text embeddings`);
  const log = opts.log ?? ((m: string) => void (opts.stderr ?? process.stderr).write(`${m}\n`));
  const warnings: string[] = [];
  const records: RetrievalRecord[] = [];
  const pool = new PreprocessPool(opts.workers);
  const shifts = opts.shift ? parseShiftSpec(opts.shift) : [];
  try {
    for (const s of sets) {
      warnings.push(...s.skipped);
      const ds = s.kind === 'class' ? s.ds : s.set.images;
      const size = await ds.size('test');
      // --limit: a seeded subset of the test images (for caption sets, with their captions).
      const idx = testIndices(ds, size, opts.limit);
      if (shifts.length) for await (const first of ds.read('test', [0])) checkCorruptible(first.image.width, first.image.height, `--shift on ${ds.name}`);
      const set = s.kind === 'caption' && idx.length < size ? captionSubset(s.set, idx) : s.kind === 'caption' ? s.set : null;
      const tt = performance.now();
      const queries = await textQueries(model, s.kind === 'class' ? s.ds : null, set, opts.cacheRoot);
      const textSeconds = seconds(tt);
      // The clean test images, then each --shift corruption of them; the text queries are the same for all.
      for (const shift of [NO_SHIFT, ...shifts.map((spec) => corruptionShift(spec, opts.shiftSeed ?? 0))]) {
        const feats = await extractImageFeatures({ pool, encoder: model, dataset: ds, split: 'test', indices: idx, shift, cacheRoot: opts.cacheRoot, requireCached: opts.requireCached, batchSize: opts.batchSize, workers: opts.workers, label: `${ds.name} test${shift === NO_SHIFT ? '' : ` ${shift.label}`} features`, quiet: opts.quiet, progressStream: opts.stderr, log });
        log(`${ds.name}/test${shift === NO_SHIFT ? '' : ` (${shift.label})`}: ${idx.length} images (${feats.cachedRows} cached, ${feats.computedRows} encoded) in ${feats.seconds.toFixed(1)} s`);
        if (queries.dim !== feats.dim) throw new UserError(`${model.name}: text embeddings are ${queries.dim}-d but image embeddings ${feats.dim}-d`);
        const base = { dataset: ds.name, shift: shift === NO_SHIFT ? 'none' : shift.label, provenance: { ...ds.provenance }, images: idx.length, featureCache: { test: { dir: feats.cacheDir, cachedRows: feats.cachedRows, computedRows: feats.computedRows } } };
        const tr = performance.now();
        const key = `${ds.name}${shift === NO_SHIFT ? '' : `/${shift.label}`}`;
        const exportDir = opts.exportFeaturesDir && shift === NO_SHIFT ? join(opts.exportFeaturesDir, ds.name) : null;
        const rec =
          s.kind === 'class'
            ? await classRecord(s.ds, Int32Array.from(idx, (i) => s.labels[i]), feats.features, queries.data, key, opts.bootstrapResamples, warnings, exportDir, idx, (x) => classScores?.set(retrievalLabel(base), x))
            : await captionRecord(set!, feats.features, queries.data, idx.length, feats.dim, key, opts, exportDir);
        records.push({ ...base, ...rec, timings: { testFeatures: feats.seconds, textFeatures: textSeconds, retrieval: seconds(tr) } });
      }
    }
  } finally {
    await pool.close();
  }
  return {
    ...runRecordHeader(opts, model, opts.runId ?? newRunId()),
    task: 'retrieval',
    datasets: [],
    retrieval: records,
    timings: { totalSeconds: seconds(t0) },
    warnings,
  };
}
