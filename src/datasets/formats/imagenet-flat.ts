/**
 * The flat ILSVRC2012 validation layout, as the challenge released it:
 *   <val>/ILSVRC2012_val_00000001.JPEG … ILSVRC2012_val_00050000.JPEG
 *   ILSVRC2012_devkit_t12/data/ILSVRC2012_validation_ground_truth.txt   line n: the ILSVRC2012_ID of image n
 *   ILSVRC2012_devkit_t12/data/meta.mat                                  `synsets`: ILSVRC2012_ID → WNID
 * The devkit folder sits in <val> or beside it. ILSVRC2012_IDs 1..1000 are the leaf synsets in the devkit's
 * own order (1 is kit fox), not sorted-wnid order, so labels go through meta.mat to the synset id and then
 * to its sorted index, as torchvision's `parse_devkit_archive` does.
 */
import { readdir, readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { UserError } from '../../util/errors.ts';
import { IMAGENET_WNIDS } from '../imagenet-wnids.ts';
import { MatFileError, matScalar, matText, readMatFile } from '../mat-file.ts';
import type { ListedFile } from '../user/listing.ts';

export const FLAT_VAL_NAME = /^ILSVRC2012_val_(\d{8})\.jpe?g$/i;
export const DEVKIT = 'ILSVRC2012_devkit_t12';

/** Whether `dir` holds ILSVRC2012_val_*.JPEG files itself (the flat layout) rather than synset folders. */
export async function isFlatVal(dir: string): Promise<boolean> {
  return (await readdir(dir)).some((n) => FLAT_VAL_NAME.test(n));
}

/** The devkit's leaf synsets: ILSVRC2012_ID (1..1000) → index in sorted synset order. */
export async function readDevkitMeta(path: string): Promise<Map<number, number>> {
  let buf: Buffer;
  try {
    buf = await readFile(path);
  } catch {
    throw new UserError(`${path}: no such file; the flat ILSVRC2012 layout needs the devkit (${DEVKIT}/data/meta.mat) in the validation folder or beside it`);
  }
  let synsets;
  try {
    synsets = readMatFile(buf).get('synsets');
  } catch (e) {
    if (e instanceof MatFileError) throw new UserError(`${path}: not a readable MAT-file (${e.message}); give the devkit's data/meta.mat`);
    throw e;
  }
  if (synsets?.kind !== 'struct') throw new UserError(`${path}: no struct array "synsets" (the ILSVRC2012 devkit's meta.mat has one)`);
  const sortedIndex = new Map(IMAGENET_WNIDS.map((w, i) => [w, i]));
  const out = new Map<number, number>();
  for (const r of synsets.records) {
    const id = matScalar(r.ILSVRC2012_ID);
    const wnid = matText(r.WNID);
    if (id === undefined || wnid === undefined) throw new UserError(`${path}: a synset without a numeric ILSVRC2012_ID and a WNID string`);
    if (id < 1 || id > 1000) continue; // inner synsets of the hierarchy
    const index = sortedIndex.get(wnid);
    if (index === undefined) throw new UserError(`${path}: ILSVRC2012_ID ${id} is ${wnid}, not one of ImageNet-1k's synsets; is this the ILSVRC2012 devkit?`);
    if (out.has(id)) throw new UserError(`${path}: ILSVRC2012_ID ${id} appears twice`);
    out.set(id, index);
  }
  if (out.size !== 1000 || new Set(out.values()).size !== 1000) throw new UserError(`${path}: ${out.size} leaf synsets with distinct ids 1..1000, ImageNet-1k has 1000; give the ILSVRC2012 devkit's data/meta.mat`);
  return out;
}

/** The flat validation images of `valDir`, labelled through the devkit's ground truth and meta.mat. */
export async function listFlatVal(valDir: string): Promise<ListedFile[]> {
  const candidates = [join(valDir, DEVKIT), join(dirname(valDir), DEVKIT)];
  const found = [];
  for (const c of candidates) if (await readdir(c).catch(() => null)) found.push(c);
  if (found.length === 0) throw new UserError(`${valDir} holds the flat ILSVRC2012_val_*.JPEG layout but no ${DEVKIT}/ folder is in it or beside it; unpack ILSVRC2012_devkit_t12.tar.gz there (its data/meta.mat and data/ILSVRC2012_validation_ground_truth.txt label the images)`);
  const data = join(found[0], 'data');
  const idToIndex = await readDevkitMeta(join(data, 'meta.mat'));
  const gtPath = join(data, 'ILSVRC2012_validation_ground_truth.txt');
  const gtText = await readFile(gtPath, 'utf8').catch(() => {
    throw new UserError(`${gtPath}: no such file; the flat ILSVRC2012 layout needs the devkit's validation ground truth`);
  });
  const gt = gtText.split(/\r?\n/).filter((l) => l.trim() !== '');
  const files: ListedFile[] = [];
  for (const name of (await readdir(valDir)).filter((n) => FLAT_VAL_NAME.test(n)).sort()) {
    const n = Number(FLAT_VAL_NAME.exec(name)![1]);
    if (n < 1 || n > gt.length) throw new UserError(`${join(valDir, name)}: image ${n}, but ${gtPath} has ${gt.length} lines; give the ground truth of the images present`);
    const id = Number(gt[n - 1].trim());
    const label = idToIndex.get(id);
    if (label === undefined) throw new UserError(`${gtPath}: line ${n} is "${gt[n - 1].trim()}", not an ILSVRC2012_ID from 1 to 1000`);
    files.push({ split: 'test', rel: name, path: join(valDir, name), label });
  }
  return files;
}
