/**
 * `--shift imagenetv2:<dir>, imagenet-sketch:<dir>, imagenet-r:<dir>, imagenet-a:<dir>, objectnet:<dir>`:
 * ImageNet's five natural distribution shifts of CLIP §3.3 / Fig. 13, each read in its published layout
 * (formats/imagenet-shifts.ts, formats/objectnet.ts) and scored by ImageNet's own classifiers (zero-shot,
 * every probe and method) the way mlfoundations/wise-ft scores them:
 *   ImageNetV2, ImageNet-Sketch  all 1,000 logits
 *   ImageNet-R, ImageNet-A       the 1,000 logits restricted to their 200 classes (wise-ft `project_logits`;
 *                                CLIP_benchmark's 200-class zero-shot head gives the same argmax)
 *   ObjectNet                    each of its 113 classes scored by the max over its mapped ImageNet logits
 *                                (wise-ft `ObjectNetBase.project_logits`), images of other classes left out
 */
import type { Dataset } from './types.ts';
import { UserError } from '../util/errors.ts';
import { IMAGENET_SHIFT_LAYOUTS } from './formats/imagenet-shifts.ts';
import { objectnetRoot, readObjectnetClasses } from './formats/objectnet.ts';
import { relabeledTestSet, type ClassRestriction, type MappedTestSet, type NaturalShift } from './natural-shifts.ts';
import { openDataset } from './resolve.ts';

const ITEM = /^([a-z0-9-]+):(.+)$/;

/** What each shift is and how it is scored, for `shifts list` and the results' shiftInfo.note. */
export const IMAGENET_SHIFT_NOTES: Record<string, string> = {
  imagenetv2: 'ImageNetV2 (Recht et al. 2019), all 1,000 classes',
  'imagenet-sketch': 'ImageNet-Sketch (Wang et al. 2019), all 1,000 classes',
  'imagenet-r': 'ImageNet-R (Hendrycks et al. 2021), logits restricted to its 200 classes (wise-ft project_logits)',
  'imagenet-a': 'ImageNet-A (Hendrycks et al. 2021), logits restricted to its 200 classes (wise-ft project_logits)',
  objectnet: 'ObjectNet (Barbu et al. 2019), its 113 ImageNet-overlapping classes, each the max over its mapped ImageNet logits',
};

/** The scoring and relabelling of one of the five shifts: target class → ImageNet class, and the restriction. */
export async function imagenetShiftPlan(name: string, dir: string): Promise<{ toImagenet: number[]; restriction?: ClassRestriction }> {
  if (name === 'objectnet') {
    const classes = await readObjectnetClasses(await objectnetRoot(dir));
    const groups = classes.map((c) => c.imagenet);
    const keep = Array.from({ length: 1000 }, () => false);
    for (const g of groups) keep[g[0]] = true;
    return { toImagenet: groups.map((g) => g[0]), restriction: { keep, groups } };
  }
  const layout = IMAGENET_SHIFT_LAYOUTS.find((l) => l.name === name)!;
  // ImageNetV2 and Sketch keep all 1,000, so a partial copy is still scored 1,000-way, as published.
  const keep = Array.from({ length: 1000 }, () => false);
  for (const c of layout.classes) keep[c] = true;
  return { toImagenet: [...layout.classes], restriction: { keep } };
}

/** `--shift <name>:<dir>` on ImageNet-1k: the shifted test set, labelled with ImageNet indices. */
export async function prepareImagenetShift(item: string, source: Dataset, opts: { skipBad?: boolean }): Promise<{ shift: NaturalShift; set: MappedTestSet }> {
  const [, name, dir] = ITEM.exec(item)!;
  if (source.classes.length !== 1000 || !source.provenance.source.startsWith('imagenet:')) {
    throw new UserError(`--shift ${item}: ${name} is a shift of ImageNet-1k; give --dataset imagenet:<dir> (${source.name} is not one)`);
  }
  const plan = await imagenetShiftPlan(name, dir);
  const target = await openDataset(`${name}:${dir}`, { skipBad: opts.skipBad });
  const shift: NaturalShift = { name, source: source.name, target: target.name, mapping: {}, note: IMAGENET_SHIFT_NOTES[name], ...(plan.restriction ? { restriction: plan.restriction } : {}) };
  return { shift, set: await relabeledTestSet(shift, source.classes, target, Int32Array.from(plan.toImagenet)) };
}
