/**
 * ImageNet-1k (ILSVRC2012) as torchvision's ImageFolder sees it:
 *   root/val/<wnid>/*.JPEG     the 50,000 validation images in 1,000 synset folders: the test split
 *   root/train/<wnid>/*.JPEG   optional: the probes' k-shot draws
 * (or root/<wnid>/… alone, the validation set). Class i is the i-th synset id in sorted order, named
 * with OpenAI's curated class names and scored with OpenAI's 80 templates (imagenet-metadata.ts).
 * Not read (yet): the flat ILSVRC2012_val_*.JPEG layout with the devkit's ground truth; sort it into
 * synset folders first (e.g. with the widely used valprep.sh).
 */
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { UserError } from '../../util/errors.ts';
import { IMAGENET_CLASSNAMES, IMAGENET_TEMPLATES } from '../imagenet-metadata.ts';
import type { ClassSpec } from '../user/classes.ts';
import type { ListedFile } from '../user/listing.ts';
import type { DatasetFormat, ListedDataset } from './format.ts';
import { listImageFolder } from './image-folder.ts';

const WNID = /^n\d{8}$/;

export async function listImagenet(root: string, specs: ClassSpec[] | undefined, specsFile: string | undefined): Promise<ListedDataset> {
  const isDir = async (p: string) => (await stat(p).catch(() => undefined))?.isDirectory() ?? false;
  const valDir = (await isDir(join(root, 'val'))) ? join(root, 'val') : root;
  const wnids = (await readdir(valDir, { withFileTypes: true })).filter((e) => e.isDirectory() && WNID.test(e.name)).map((e) => e.name).sort();
  if (wnids.length !== IMAGENET_CLASSNAMES.length) {
    throw new UserError(`${valDir} has ${wnids.length} synset folders (n01440764 …), ImageNet-1k has ${IMAGENET_CLASSNAMES.length}; give the folder of the 1,000 validation synset folders (or its parent, holding val/ and train/)`);
  }
  if (specs && specs.length !== wnids.length) throw new UserError(`${specsFile}: ${specs.length} classes, ImageNet-1k has ${wnids.length}; give one name per synset, in sorted synset order`);
  const names = specs ? specs.map((s) => s.name) : IMAGENET_CLASSNAMES;
  // Keyed by synset id, so a missing or extra folder is named; the curated names are attached after.
  const keyed: ClassSpec[] = wnids.map((w, i) => ({ key: w, name: `${i}`, line: i + 1 }));
  const files: ListedFile[] = [];
  const parts: { dir: string; split: 'train' | 'test'; prefix: string }[] = [{ dir: valDir, split: 'test', prefix: valDir === root ? '' : 'val/' }];
  if (valDir !== root && (await isDir(join(root, 'train')))) parts.push({ dir: join(root, 'train'), split: 'train', prefix: 'train/' });
  for (const part of parts) {
    const listed = await listImageFolder(part.dir, keyed, `the synset folders of ${valDir}`);
    for (const f of listed.files) files.push({ ...f, split: part.split, rel: part.prefix + f.rel });
  }
  return { classes: [...names], files, templates: specs ? undefined : [...IMAGENET_TEMPLATES] };
}

/** `imagenet:<dir>`: never probed (an ImageNet folder is also a plain image folder; the prefix asks for OpenAI's names and templates). */
export const IMAGENET: DatasetFormat = {
  name: 'imagenet',
  describe: 'ImageNet-1k synset folders (val/<wnid>/, optionally train/<wnid>/)',
  noun: 'a folder',
  probe: () => false,
  prefixOnly: true,
  accepts: (stats) => stats.isDirectory() || 'not a folder',
  sidecars: false,
  list: listImagenet,
};
