/**
 * ObjectNet (Barbu et al. 2019) as released, `objectnet:<dir>` with <dir> objectnet-1.0/ or its parent:
 *   objectnet-1.0/images/<folder>/*.png                       313 object classes, one folder each
 *   objectnet-1.0/mappings/folder_to_objectnet_label.json     folder → ObjectNet label
 *   objectnet-1.0/mappings/objectnet_to_imagenet_1k.json      label → "ImageNet name; ImageNet name" (113 labels)
 *   objectnet-1.0/mappings/imagenet_to_label_2012_v2          line i: the ImageNet name of 2012 id i
 *   objectnet-1.0/mappings/pytorch_to_imagenet_2012_id.json   sorted-synset index → 2012 id
 * Read as mlfoundations/wise-ft `src/datasets/objectnet.py` does: only the 113 folders whose label maps to
 * ImageNet are kept, classes in sorted folder order named by their lower-cased label, and each image's
 * border cropped by 2 pixels (wise-ft's `crop`; the ObjectNet README asks for the 1-pixel red border to go).
 */
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { UserError } from '../../util/errors.ts';
import { IMAGENET_TEMPLATES } from '../imagenet-metadata.ts';
import type { DatasetFormat, ListedDataset } from './format.ts';
import { subfolders, keyedBy, listImageFolder } from './image-folder.ts';

/** Pixels cropped from each edge of an ObjectNet image (wise-ft `crop`: box (2, 2, w − 2, h − 2)). */
export const OBJECTNET_BORDER = 2;

export interface ObjectnetClass {
  folder: string;
  /** The ObjectNet label, lower-cased (wise-ft's class names). */
  name: string;
  /** Its ImageNet-1k classes, as sorted-synset indices, in the mapping file's order. */
  imagenet: number[];
}

/** objectnet-1.0/ itself or the folder holding it. */
export async function objectnetRoot(dir: string): Promise<string> {
  const inner = join(dir, 'objectnet-1.0');
  return (await stat(inner).catch(() => undefined))?.isDirectory() ? inner : dir;
}

async function readJson(path: string): Promise<Record<string, unknown>> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    throw new UserError(`${path}: no such file; ObjectNet's mappings/ folder (objectnet-1.0/mappings) holds it`);
  }
  try {
    const v = JSON.parse(text);
    if (typeof v === 'object' && v !== null && !Array.isArray(v)) return v as Record<string, unknown>;
  } catch {
    // reported below
  }
  throw new UserError(`${path}: not a JSON object; give ObjectNet's own mappings file`);
}

/** The 113 ObjectNet classes that overlap ImageNet-1k, in sorted folder order, from the mapping files. */
export async function readObjectnetClasses(root: string): Promise<ObjectnetClass[]> {
  const m = join(root, 'mappings');
  const folderToLabel = await readJson(join(m, 'folder_to_objectnet_label.json'));
  const labelToImagenet = await readJson(join(m, 'objectnet_to_imagenet_1k.json'));
  const pytorchTo2012 = await readJson(join(m, 'pytorch_to_imagenet_2012_id.json'));
  const namesPath = join(m, 'imagenet_to_label_2012_v2');
  const names = await readFile(namesPath, 'utf8').catch(() => {
    throw new UserError(`${namesPath}: no such file; ObjectNet's mappings/ folder (objectnet-1.0/mappings) holds it`);
  });
  const idToPytorch = new Map(Object.entries(pytorchTo2012).map(([p, id]) => [Number(id), Number(p)]));
  // As wise-ft's dict: a name listed twice ("crane") keeps its last 2012 id.
  const nameToIndex = new Map<string, number>();
  names.split(/\r?\n/).forEach((line, id) => {
    const p = idToPytorch.get(id);
    if (line.trim() && p !== undefined) nameToIndex.set(line.trim(), p);
  });
  const labelToFolder = new Map(Object.entries(folderToLabel).map(([f, l]) => [String(l), f]));
  const out: ObjectnetClass[] = [];
  for (const [label, value] of Object.entries(labelToImagenet)) {
    const folder = labelToFolder.get(label);
    if (folder === undefined) throw new UserError(`${join(m, 'objectnet_to_imagenet_1k.json')}: label "${label}" has no folder in folder_to_objectnet_label.json`);
    const imagenet = String(value)
      .split('; ')
      .map((n) => {
        const i = nameToIndex.get(n);
        if (i === undefined) throw new UserError(`${join(m, 'objectnet_to_imagenet_1k.json')}: "${label}" maps to "${n}", which ${namesPath} and pytorch_to_imagenet_2012_id.json do not name`);
        return i;
      });
    out.push({ folder, name: label.toLowerCase(), imagenet });
  }
  return out.sort((a, b) => (a.folder < b.folder ? -1 : a.folder > b.folder ? 1 : 0));
}

export async function listObjectnet(dir: string): Promise<ListedDataset> {
  const root = await objectnetRoot(dir);
  const classes = await readObjectnetClasses(root);
  const folderToLabel = await readJson(join(root, 'mappings', 'folder_to_objectnet_label.json'));
  const images = join(root, 'images');
  if (!(await stat(images).catch(() => undefined))?.isDirectory()) throw new UserError(`${images}: no such folder; ObjectNet holds its images in objectnet-1.0/images/<folder>/`);
  const folders = await subfolders(images);
  const unknown = folders.find((f) => !(f in folderToLabel));
  if (unknown !== undefined) throw new UserError(`${join(images, unknown)}: not a folder of ${join(root, 'mappings', 'folder_to_objectnet_label.json')}; is this ObjectNet's images/ folder?`);
  const listed = await listImageFolder(images, keyedBy(folders), `the folders of ${images}`);
  const index = new Map(classes.map((c, j) => [c.folder, j]));
  const files = listed.files
    .filter((f) => index.has(folders[f.label]))
    .map((f) => ({ ...f, split: 'test' as const, label: index.get(folders[f.label])!, rel: `images/${f.rel}` }));
  if (files.length === 0) throw new UserError(`${images}: no images in the 113 folders whose classes map to ImageNet`);
  return { classes: classes.map((c) => c.name), files, templates: [...IMAGENET_TEMPLATES], cropBorder: OBJECTNET_BORDER };
}

export const OBJECTNET: DatasetFormat = {
  name: 'objectnet',
  describe: 'ObjectNet (objectnet-1.0/ with images/ and mappings/)',
  noun: 'a folder',
  probe: () => false,
  prefixOnly: true,
  accepts: (stats) => stats.isDirectory() || 'not a folder',
  sidecars: false,
  list: (path, specs) => {
    if (specs) throw new UserError('objectnet: its class names come from its mapping files; --classes does not apply');
    return listObjectnet(path);
  },
};
