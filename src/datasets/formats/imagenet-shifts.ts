/**
 * ImageNet's natural distribution shifts in their published layouts (each also readable as a dataset on
 * its own, `--dataset imagenet-r:<dir>`; `--shift imagenet-r:<dir>` scores ImageNet's classifiers on it):
 *   imagenetv2:<dir>       ImageNetV2 (Recht et al. 2019), e.g. imagenetv2-matched-frequency-format-val/:
 *                          folders 0 … 999 named by class index (sorted-synset order), 1,000 classes
 *   imagenet-sketch:<dir>  ImageNet-Sketch (Wang et al. 2019): <wnid>/ folders (or sketch/<wnid>/), 1,000 classes
 *   imagenet-r:<dir>       ImageNet-R (Hendrycks et al. 2021): <wnid>/ folders of its 200 classes
 *   imagenet-a:<dir>       ImageNet-A (Hendrycks et al. 2021): <wnid>/ folders of its 200 classes
 * Classes carry OpenAI's curated ImageNet names and its 80 templates; a copy may lack classes (the
 * shift still scores over the published class set), but a folder outside that set is an error naming it.
 * ObjectNet is objectnet.ts.
 */
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { UserError } from '../../util/errors.ts';
import { IMAGENET_CLASSNAMES, IMAGENET_TEMPLATES } from '../imagenet-metadata.ts';
import { IMAGENET_A_INDICES, IMAGENET_R_INDICES } from '../imagenet-subsets.ts';
import { IMAGENET_WNIDS } from '../imagenet-wnids.ts';
import type { DatasetFormat, ListedDataset } from './format.ts';
import { subfolders, keyedBy, listImageFolder } from './image-folder.ts';

/** One shift's layout: its classes as ImageNet indices, and how a folder name becomes one of them. */
interface ShiftLayout {
  name: string;
  title: string;
  describe: string;
  /** Its classes as indices into ImageNet-1k's 1,000, in its class order. */
  classes: readonly number[];
  /** The ImageNet index a folder name stands for, or undefined when it is not a folder of this layout. */
  folderClass(folder: string): number | undefined;
  /** What its folders are called, for the error. */
  expected: string;
  /** A folder inside the given one that holds the class folders in the published archive (sketch/). */
  inner?: string;
}

const ALL = IMAGENET_WNIDS.map((_, i) => i);
const wnidIndex = new Map(IMAGENET_WNIDS.map((w, i) => [w, i]));
const synsetIn = (subset: readonly number[]) => {
  const allowed = new Set(subset);
  return (folder: string) => {
    const i = wnidIndex.get(folder);
    return i !== undefined && allowed.has(i) ? i : undefined;
  };
};

export const IMAGENET_SHIFT_LAYOUTS: readonly ShiftLayout[] = [
  {
    name: 'imagenetv2',
    title: 'ImageNetV2',
    describe: 'ImageNetV2 class-index folders (0/ … 999/)',
    classes: ALL,
    folderClass: (f) => (/^(0|[1-9]\d{0,2})$/.test(f) ? Number(f) : undefined),
    expected: 'class-index folders 0 … 999 (ImageNetV2\'s imagenetv2-*-format-val/)',
  },
  { name: 'imagenet-sketch', title: 'ImageNet-Sketch', describe: 'ImageNet-Sketch synset folders (sketch/<wnid>/)', classes: ALL, folderClass: synsetIn(ALL), expected: 'the synset folders of ImageNet-1k (n01440764 …)', inner: 'sketch' },
  { name: 'imagenet-r', title: 'ImageNet-R', describe: 'ImageNet-R synset folders (its 200 classes)', classes: IMAGENET_R_INDICES, folderClass: synsetIn(IMAGENET_R_INDICES), expected: 'the synset folders of ImageNet-R\'s 200 classes' },
  { name: 'imagenet-a', title: 'ImageNet-A', describe: 'ImageNet-A synset folders (its 200 classes)', classes: IMAGENET_A_INDICES, folderClass: synsetIn(IMAGENET_A_INDICES), expected: 'the synset folders of ImageNet-A\'s 200 classes' },
];

async function listShift(layout: ShiftLayout, root: string): Promise<ListedDataset> {
  const inner = layout.inner ? join(root, layout.inner) : undefined;
  const dir = inner && (await stat(inner).catch(() => undefined))?.isDirectory() ? inner : root;
  const folders = await subfolders(dir);
  const bad = folders.find((f) => layout.folderClass(f) === undefined);
  if (bad !== undefined) throw new UserError(`${join(dir, bad)}: not one of ${layout.title}'s class folders; ${dir} should hold ${layout.expected}`);
  if (folders.length === 0) throw new UserError(`${dir} has no class folders; ${layout.title} holds ${layout.expected}`);
  const listed = await listImageFolder(dir, keyedBy(folders), `the class folders of ${dir}`);
  const position = new Map(layout.classes.map((c, j) => [c, j]));
  const label = folders.map((f) => position.get(layout.folderClass(f)!)!);
  const prefix = dir === root ? '' : `${layout.inner}/`;
  return {
    classes: layout.classes.map((c) => IMAGENET_CLASSNAMES[c]),
    files: listed.files.map((f) => ({ ...f, split: 'test' as const, label: label[f.label], rel: prefix + f.rel })),
    templates: [...IMAGENET_TEMPLATES],
  };
}

export const IMAGENET_SHIFT_FORMATS: readonly DatasetFormat[] = IMAGENET_SHIFT_LAYOUTS.map((layout) => ({
  name: layout.name,
  describe: layout.describe,
  noun: 'a folder',
  probe: () => false,
  prefixOnly: true,
  accepts: (stats) => stats.isDirectory() || 'not a folder',
  sidecars: false,
  list: (path: string, specs) => {
    if (specs) throw new UserError(`${layout.name}: its class names are ImageNet's curated ones; --classes does not apply`);
    return listShift(layout, path);
  },
}));
