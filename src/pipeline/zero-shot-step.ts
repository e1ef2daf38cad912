import type { Dataset } from '../datasets/types.ts';
import type { ClipModel } from '../model/clip-model.ts';
import { embedTexts } from '../features/text.ts';
import { classPrompts, evaluateZeroShot } from '../evaluation/zeroshot.ts';
import { zeroShotEstimates } from '../evaluation/estimates.ts';
import type { ZeroShotResult } from '../results/schema.ts';
import { deriveSeed } from '../util/rng.ts';
import { UserError } from '../util/errors.ts';
import { BOOTSTRAP_SEED, toRecord } from './record.ts';

/** Zero-shot over extracted test features: prompts → class embeddings → logits → metrics with CIs. */
export async function zeroShotStep(args: {
  model: ClipModel;
  ds: Dataset;
  testFeats: Float32Array;
  testLabels: Int32Array;
  dim: number;
  enabled: boolean;
  cacheRoot: string | null;
  bootstrapResamples: number;
  warnings: string[];
}): Promise<{ result: ZeroShotResult; correct: Uint8Array | null }> {
  const { model, ds, dim: d, warnings } = args;
  if (!args.enabled) return { result: { available: false, reason: 'disabled with --no-zero-shot' }, correct: null };
  if (!model.hasText) return { result: { available: false, reason: `${model.name} has no text tower (image-only backbone): probes only` }, correct: null };
  const t0 = performance.now();
  const K = ds.classes.length;
  const text = await embedTexts(model, classPrompts(ds.classes, ds.templates), args.cacheRoot);
  if (text.dim !== d) throw new UserError(`${model.name}: text embeddings are ${text.dim}-d but image embeddings ${d}-d`);
  const ev = evaluateZeroShot({ imageFeats: args.testFeats, labels: args.testLabels, textEmb: text.data, numClasses: K, numTemplates: ds.templates.length, dim: d, scale: model.logitScale });
  const est = zeroShotEstimates(ev.correct, args.testLabels, K, deriveSeed(BOOTSTRAP_SEED, `${ds.name}/zero-shot`), args.bootstrapResamples);
  for (const g of ev.indistinguishable)
    warnings.push(`${ds.name}: ${model.name} gives identical text embeddings for classes ${g.map((c) => `"${ds.classes[c]}"`).join(', ')}; zero-shot cannot tell them apart (ties go to the first)`);
  const inDomain = model.manifest.trainedOn.includes(ds.name);
  if (inDomain) warnings.push(`${ds.name}: ${model.name} declares it was trained on this dataset's labels; its zero-shot result is in-domain, not transfer`);
  const seconds = (performance.now() - t0) / 1000;
  return { result: { available: true, templates: [...ds.templates], metrics: toRecord(ev.metrics), ...est, inDomain, seconds }, correct: ev.correct };
}
