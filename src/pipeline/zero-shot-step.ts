import type { Dataset } from '../datasets/types.ts';
import type { ClassRestriction } from '../datasets/natural-shifts.ts';
import type { ClipModel } from '../model/clip-model.ts';
import { embedTexts, type EmbedTextsOptions } from '../features/text.ts';
import { classPrompts, evaluateZeroShot, zeroShotClassifier } from '../evaluation/zeroshot.ts';
import { zeroShotEstimates } from '../evaluation/estimates.ts';
import { classificationMetrics, correctness, restrictToClasses } from '../evaluation/metrics.ts';
import type { ZeroShotResult } from '../results/schema.ts';
import { deriveSeed } from '../util/rng.ts';
import { UserError } from '../util/errors.ts';
import { BOOTSTRAP_SEED, toRecord } from './record.ts';

/**
 * The zero-shot head of one dataset: its class prompts embedded once, reused for every test set, and the
 * prompt-ensembled unit class embeddings (zeroShotClassifier, [K, d]) that the methods, the exported
 * features and the saved heads use.
 */
export type ZeroShotHead = { available: true; textEmb: Float32Array; classifier: Float32Array; seconds: number } | { available: false; reason: string };

export async function zeroShotHead(args: {
  model: ClipModel;
  ds: Dataset;
  dim: number;
  enabled: boolean;
  cacheRoot: string | null;
  /** Progress of the prompt encoding (ImageNet's 80 templates × 1,000 classes take minutes). */
  quiet?: boolean;
  progressStream?: EmbedTextsOptions['progressStream'];
  log?: (msg: string) => void;
}): Promise<ZeroShotHead> {
  const { model, ds } = args;
  if (!args.enabled) return { available: false, reason: 'disabled with --no-zero-shot' };
  if (!model.hasText) return { available: false, reason: `${model.name} has no text tower (image-only backbone): probes only` };
  const t0 = performance.now();
  const prompts = classPrompts(ds.classes, ds.templates);
  const text = await embedTexts(model, prompts, args.cacheRoot, { label: `${ds.name} prompts`, quiet: args.quiet, progressStream: args.progressStream, log: args.log });
  if (text.dim !== args.dim) throw new UserError(`${model.name}: text embeddings are ${text.dim}-d but image embeddings ${args.dim}-d`);
  const classifier = zeroShotClassifier(text.data, ds.classes.length, ds.templates.length, args.dim);
  return { available: true, textEmb: text.data, classifier, seconds: (performance.now() - t0) / 1000 };
}

/**
 * Zero-shot on one test set's features: logits → metrics with CIs. On the clean set (no `cell`) it
 * also warns about classes the text tower cannot tell apart and about in-domain models.
 */
export function zeroShotOn(args: {
  model: ClipModel;
  ds: Dataset;
  head: ZeroShotHead;
  testFeats: Float32Array;
  testLabels: Int32Array;
  dim: number;
  bootstrapResamples: number;
  /** The shift, for shifted test sets: keys the bootstrap seed and silences the clean-set warnings. */
  cell?: string;
  /** Restrict the classifier to these classes (a shifted set that lacks some, or a shift's published class set). */
  restriction?: ClassRestriction;
  warnings: string[];
}): { result: ZeroShotResult; correct: Uint8Array | null; scores: Float32Array | null } {
  const { model, ds, head, warnings } = args;
  if (!head.available) return { result: { available: false, reason: head.reason }, correct: null, scores: null };
  const t0 = performance.now();
  const K = ds.classes.length;
  const ev = evaluateZeroShot({ imageFeats: args.testFeats, labels: args.testLabels, textEmb: head.textEmb, numClasses: K, numTemplates: ds.templates.length, dim: args.dim, scale: model.logitScale });
  if (args.restriction) {
    const scores = restrictToClasses(ev.scores, K, args.restriction);
    Object.assign(ev, { scores, metrics: classificationMetrics(scores, args.testLabels, K), correct: correctness(scores, args.testLabels, K) });
  }
  const est = zeroShotEstimates(ev.correct, args.testLabels, K, deriveSeed(BOOTSTRAP_SEED, `${ds.name}${args.cell ? `/${args.cell}` : ''}/zero-shot`), args.bootstrapResamples);
  const inDomain = model.manifest.trainedOn.includes(ds.name);
  if (!args.cell) {
    for (const g of ev.indistinguishable)
      warnings.push(`${ds.name}: ${model.name} gives identical text embeddings for classes ${g.map((c) => `"${ds.classes[c]}"`).join(', ')}; zero-shot cannot tell them apart (ties go to the first)`);
    if (inDomain) warnings.push(`${ds.name}: ${model.name} declares it was trained on this dataset's labels; its zero-shot result is in-domain, not transfer`);
  }
  const seconds = (performance.now() - t0) / 1000 + (args.cell ? 0 : head.seconds);
  return { result: { available: true, templates: [...ds.templates], metrics: toRecord(ev.metrics), ...est, inDomain, seconds }, correct: ev.correct, scores: ev.scores };
}
