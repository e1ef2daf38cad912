/**
 * `npm run rank`: CLIP as a judge. Rank images for one text (the best 32 of 512 generated images), texts for
 * one image, or score (image, prompt[, references]) pairs with CLIPScore / RefCLIPScore.
 */
import type { ClipModel } from '../model/clip-model.ts';
import type { ImageList } from '../datasets/image-list.ts';
import { decodeImageFile } from '../datasets/decode.ts';
import { extractImageFeatures } from '../features/extract.ts';
import { embedTexts } from '../features/text.ts';
import { PreprocessPool } from '../features/worker-pool.ts';
import { clipScores, meanScore, pairCosines, promptFor, refClipScores, topByScore, type ClipScoreConvention } from '../evaluation/clip-score.ts';
import { renderContactSheet } from '../reports/contact-sheet.ts';
import { UserError } from '../util/errors.ts';
import type { TextSink } from './options.ts';

export interface RankRun {
  cacheRoot: string | null;
  batchSize: number;
  workers: number;
  quiet?: boolean;
  stderr?: TextSink;
  log: (m: string) => void;
}

async function encodeImages(model: ClipModel, list: ImageList, run: RankRun): Promise<{ features: Float32Array; dim: number }> {
  const pool = new PreprocessPool(run.workers);
  try {
    const r = await extractImageFeatures({ pool, encoder: model, dataset: list.images, split: 'test', cacheRoot: run.cacheRoot, batchSize: run.batchSize, workers: run.workers, label: 'images', quiet: run.quiet, progressStream: run.stderr, log: run.log });
    return { features: r.features, dim: r.dim };
  } finally {
    await pool.close();
  }
}

async function encodeTexts(model: ClipModel, texts: string[], run: RankRun, dim: number): Promise<Float32Array> {
  if (!model.hasText) throw new UserError(`${model.name} has no text tower (image-only backbone): ranking needs text embeddings`);
  const t = await embedTexts(model, texts, run.cacheRoot, { label: 'texts', quiet: run.quiet, progressStream: run.stderr });
  if (t.dim !== dim) throw new UserError(`${model.name}: text embeddings are ${t.dim}-d but image embeddings ${dim}-d`);
  return t.data;
}

const repeatRow = (row: Float32Array, n: number) => {
  const out = new Float32Array(n * row.length);
  for (let i = 0; i < n; i++) out.set(row, i * row.length);
  return out;
};

export interface Ranked {
  rank: number;
  item: string;
  cosine: number;
}

/** Images ranked for one text by cosine, best first (all of them; `top` picks the sheet), and the contact sheet of the top. */
export async function rankImagesForText(model: ClipModel, text: string, list: ImageList, top: number, run: RankRun): Promise<{ ranked: Ranked[]; sheet: Buffer }> {
  if (top > list.paths.length) throw new UserError(`--top ${top} is more than the ${list.paths.length} images to rank; use at most ${list.paths.length}`);
  const img = await encodeImages(model, list, run);
  const t = await encodeTexts(model, [text], run, img.dim);
  const n = list.paths.length;
  const cos = pairCosines(img.features, repeatRow(t, n), n, img.dim);
  const order = topByScore(cos, n);
  const ranked = Array.from(order, (i, r) => ({ rank: r + 1, item: list.paths[i], cosine: cos[i] }));
  const items = [];
  for (const r of ranked.slice(0, top)) items.push({ image: await decodeImageFile(r.item), lines: [`#${r.rank}  cos ${r.cosine.toFixed(4)}`, r.item.split('/').pop()!] });
  const sheet = renderContactSheet(`"${text}": the top ${top} of ${n} images`, `${model.name}${model.manifest.demo ? ' (demo model, not CLIP)' : ''}; cosine similarity of image and text embeddings`, items);
  return { ranked, sheet };
}

/** Texts ranked for one image by cosine, best first. */
export async function rankTextsForImage(model: ClipModel, texts: string[], list: ImageList, run: RankRun): Promise<Ranked[]> {
  const img = await encodeImages(model, list, run);
  const t = await encodeTexts(model, texts, run, img.dim);
  const cos = pairCosines(repeatRow(img.features.subarray(0, img.dim), texts.length), t, texts.length, img.dim);
  return Array.from(topByScore(cos, texts.length), (i, r) => ({ rank: r + 1, item: texts[i], cosine: cos[i] }));
}

export interface ScoredPair {
  image: string;
  prompt: string;
  cosine: number;
  score: number;
  refScore: number | null;
}

/** CLIPScore of every (image, prompt) row, RefCLIPScore where references are given, and the means with CIs. */
export async function scorePairs(
  model: ClipModel,
  rows: { image: number; prompt: string; references: string[] }[],
  list: ImageList,
  convention: ClipScoreConvention,
  run: RankRun & { seed: number; resamples: number },
): Promise<{ rows: ScoredPair[]; mean: { mean: number; ci: [number, number] }; refMean: { mean: number; ci: [number, number] } | null }> {
  const img = await encodeImages(model, list, run);
  const d = img.dim;
  const prompts = await encodeTexts(model, rows.map((r) => promptFor(r.prompt, convention)), run, d);
  const pairImages = new Float32Array(rows.length * d);
  rows.forEach((r, i) => pairImages.set(img.features.subarray(r.image * d, r.image * d + d), i * d));
  const cos = pairCosines(pairImages, prompts, rows.length, d);
  const scores = clipScores(cos, convention);
  const refTexts = rows.flatMap((r) => r.references.map((x) => promptFor(x, convention)));
  const refOwner = Int32Array.from(rows.flatMap((r, i) => r.references.map(() => i)));
  const refs = refTexts.length ? refClipScores(scores, prompts, await encodeTexts(model, refTexts, run, d), refOwner, d) : null;
  return {
    rows: rows.map((r, i) => ({ image: list.paths[r.image], prompt: r.prompt, cosine: cos[i], score: scores[i], refScore: refs && Number.isFinite(refs[i]) ? refs[i] : null })),
    mean: meanScore(scores, convention, run.seed, run.resamples),
    refMean: refs ? meanScore(refs, convention, run.seed + 1, run.resamples) : null,
  };
}
