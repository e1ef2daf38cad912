/**
 * ImageNet-1k (ILSVRC2012) as torchvision's ImageFolder sees it:
 *   root/val/<wnid>/*.JPEG     the 50,000 validation images in 1,000 synset folders: the test split
 *   root/train/<wnid>/*.JPEG   optional: the probes' k-shot draws
 * (or root/<wnid>/… alone, the validation set). Class i is the i-th synset id in sorted order, named
 * with OpenAI's curated class names and scored with OpenAI's 80 templates (imagenet-metadata.ts).
 * The validation folder may instead hold the flat ILSVRC2012_val_*.JPEG files with the devkit beside
 * them (imagenet-flat.ts); which one is detected from the files.
 */
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { UserError } from '../../util/errors.ts';
import { IMAGENET_CLASSNAMES, IMAGENET_TEMPLATES } from '../imagenet-metadata.ts';
import type { ClassSpec } from '../user/classes.ts';
import type { ListedFile } from '../user/listing.ts';
import type { DatasetFormat, ListedDataset } from './format.ts';
import { listImageFolder } from './image-folder.ts';
import { isFlatVal, listFlatVal } from './imagenet-flat.ts';

const WNID = /^n\d{8}$/;

export async function listImagenet(root: string, specs: ClassSpec[] | undefined, specsFile: string | undefined): Promise<ListedDataset> {
  const isDir = async (p: string) => (await stat(p).catch(() => undefined))?.isDirectory() ?? false;
  const valDir = (await isDir(join(root, 'val'))) ? join(root, 'val') : root;
  const flat = await isFlatVal(valDir);
  if (specs && specs.length !== IMAGENET_CLASSNAMES.length) throw new UserError(`${specsFile}: ${specs.length} classes, ImageNet-1k has ${IMAGENET_CLASSNAMES.length}; give one name per synset, in sorted synset order`);
  const names = specs ? specs.map((s) => s.name) : IMAGENET_CLASSNAMES;
  const prefix = valDir === root ? '' : 'val/';
  const files: ListedFile[] = flat ? (await listFlatVal(valDir)).map((f) => ({ ...f, rel: prefix + f.rel })) : [];
  const parts: { dir: string; split: 'train' | 'test'; prefix: string }[] = flat ? [] : [{ dir: valDir, split: 'test', prefix }];
  if (valDir !== root && (await isDir(join(root, 'train')))) parts.push({ dir: join(root, 'train'), split: 'train', prefix: 'train/' });
  for (const part of parts) {
    // Keyed by synset id, so a missing or extra folder is named; the curated names are attached after.
    const listed = await listImageFolder(part.dir, await synsetKeys(part.dir), `the synset folders of ${part.dir}`);
    for (const f of listed.files) files.push({ ...f, split: part.split, rel: part.prefix + f.rel });
  }
  return { classes: [...names], files, templates: specs ? undefined : [...IMAGENET_TEMPLATES] };
}

/** The 1,000 synset folders of `dir` as class keys in sorted order; another count is an error naming it. */
async function synsetKeys(dir: string): Promise<ClassSpec[]> {
  const wnids = (await readdir(dir, { withFileTypes: true })).filter((e) => e.isDirectory() && WNID.test(e.name)).map((e) => e.name).sort();
  if (wnids.length !== IMAGENET_CLASSNAMES.length) {
    throw new UserError(`${dir} has ${wnids.length} synset folders (n01440764 …), ImageNet-1k has ${IMAGENET_CLASSNAMES.length}; give the folder of the 1,000 validation synset folders (or its parent, holding val/ and train/), or the flat ILSVRC2012_val_*.JPEG files with the devkit`);
  }
  return wnids.map((w, i) => ({ key: w, name: `${i}`, line: i + 1 }));
}

/** `imagenet:<dir>`: never probed (an ImageNet folder is also a plain image folder; the prefix asks for OpenAI's names and templates). */
export const IMAGENET: DatasetFormat = {
  name: 'imagenet',
  describe: 'ImageNet-1k synset folders (val/<wnid>/, optionally train/<wnid>/) or the flat ILSVRC2012 validation files with the devkit',
  noun: 'a folder',
  probe: () => false,
  prefixOnly: true,
  accepts: (stats) => stats.isDirectory() || 'not a folder',
  sidecars: false,
  list: listImagenet,
};
