/**
 * CLIP_benchmark webdataset layout (LAION-AI/CLIP_benchmark `clip_benchmark/webdataset_builder.py`
 * writes it, `datasets/builder.py` `build_wds_dataset` reads it):
 *   root/classnames.txt                          one class name per line, line i = label i
 *   root/zeroshot_classification_templates.txt   one template per line, `{c}` where the name goes
 *   root/dataset_type.txt                        optional; absent = classification
 *   root/<split>/nshards.txt                     N, the number of shards (required, as upstream)
 *   root/<split>/0.tar … <N-1>.tar               samples: members sharing a key (`s0000000`), the
 *                                                image as .webp (the exporter's lossless default),
 *                                                .png, .jpg or .jpeg, the label as .cls (an integer)
 * Splits are the folders named train, val or test. Shards are read in place: one sequential read
 * walks their headers, keeps the labels and hashes the shard (tar-members.ts); each image is read by its
 * offset, never unpacked to disk. Samples keep
 * shard order, then archive order, which is the index order of each split.
 */
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { UserError } from '../../util/errors.ts';
import { readOptionalTextFile } from '../../util/text-file.ts';
import { readTarMember, scanTar, type TarMember, type TarScan } from '../tar-members.ts';
import { SPLITS, type Split } from '../types.ts';
import type { ClassSpec } from '../user/classes.ts';
import type { ListedFile } from '../user/listing.ts';
import type { ContainerFile, DatasetFormat, FormatOptions, ListedDataset } from './format.ts';

/** Image extensions in CLIP_benchmark's order of preference (`to_tuple(["webp", "png", "jpg", "jpeg"], …)`). */
export const IMAGE_EXTS = ['webp', 'png', 'jpg', 'jpeg'];

export async function listWebdataset(root: string, specs: ClassSpec[] | undefined, specsFile: string | undefined, opts: FormatOptions = {}): Promise<ListedDataset> {
  const type = await webdatasetType(root);
  if (type !== 'classification') {
    const hint = type === 'retrieval' ? '; benchmark its captions with --task retrieval' : '';
    throw new UserError(`${join(root, 'dataset_type.txt')} says "${type}"; only classification webdatasets (a .cls label per sample) can be classified${hint}`);
  }
  const classesPath = join(root, 'classnames.txt');
  const classText = await readOptionalTextFile(classesPath, 'webdataset file');
  if (classText === undefined) throw new UserError(`${classesPath} is missing; a CLIP_benchmark webdataset has one class name per line there`);
  let classes = lines(classText);
  if (classes.length < 2) throw new UserError(`${classesPath}: ${classes.length} class name(s); zero-shot classification needs at least 2`);
  if (specs) {
    if (specs.length !== classes.length) throw new UserError(`${specsFile}: ${specs.length} classes, but ${classesPath} has ${classes.length}; give one name per label, in label order`);
    classes = specs.map((s) => s.name);
  }
  const templatesPath = join(root, 'zeroshot_classification_templates.txt');
  const templateText = await readOptionalTextFile(templatesPath, 'webdataset file');
  const templates = templateText === undefined ? undefined : lines(templateText).map((t) => t.replaceAll('{c}', '{}'));
  const badTemplate = templates?.find((t) => !t.includes('{}'));
  if (badTemplate !== undefined) throw new UserError(`${templatesPath}: template "${badTemplate}" has no {c} placeholder for the class name`);

  const files: ListedFile[] = [];
  const containers: ContainerFile[] = [];
  for (const split of await splitsOf(root)) {
    const n = await shardCount(root, split);
    for (let i = 0; i < n; i++) {
      const rel = `${split}/${i}.tar`;
      const path = join(root, rel);
      const s = await stat(path).catch(() => undefined);
      if (!s?.isFile()) throw new UserError(`shard ${path} is missing (${join(root, split, 'nshards.txt')} says ${n}); download the missing shard or fix nshards.txt`);
      // One read of the shard walks its headers, keeps its .cls labels and hashes it (unless its hash is known).
      const known = opts.knownSha256?.get(rel);
      const scan = await scanTar(path, { hash: !(known && known.size === s.size), keep: (name) => name.toLowerCase().endsWith('.cls') });
      const shard: ContainerFile = { split, rel, size: s.size, sha256: scan.sha256 ?? known!.sha256 };
      containers.push(shard);
      files.push(...samplesOf(path, shard, scan, classes.length, classesPath));
    }
  }
  if (files.length === 0) throw new UserError(`${root}: no samples in any shard`);
  return { classes, files, templates: templates && templates.length > 0 ? templates : undefined, containers };
}

/** `dataset_type.txt`, lower-cased: `classification` when absent or empty (CLIP_benchmark's default), `retrieval`, `multilabel`. */
export async function webdatasetType(root: string): Promise<string> {
  return (await readOptionalTextFile(join(root, 'dataset_type.txt'), 'webdataset file'))?.trim().toLowerCase() || 'classification';
}

/** A shard's members grouped by sample key (the name up to the first dot of its last path part, as webdataset does), each by extension. */
export function sampleMembers(members: TarMember[]): Map<string, Map<string, TarMember>> {
  const samples = new Map<string, Map<string, TarMember>>();
  for (const m of members) {
    const slash = m.name.lastIndexOf('/');
    const dot = m.name.indexOf('.', slash + 1);
    if (dot < 0) continue;
    const key = m.name.slice(0, dot);
    const sample = samples.get(key) ?? new Map<string, TarMember>();
    sample.set(m.name.slice(dot + 1).toLowerCase(), m);
    samples.set(key, sample);
  }
  return samples;
}

/** A shard's samples as labelled images. */
function samplesOf(shard: string, { rel, split, sha256 }: ContainerFile, { members, kept }: TarScan, numClasses: number, classesPath: string): ListedFile[] {
  const samples = sampleMembers(members);
  const found: { image: TarMember; cls: TarMember }[] = [];
  for (const [key, sample] of samples) {
    const ext = IMAGE_EXTS.find((e) => sample.has(e));
    if (ext === undefined) continue; // a sample without an image: CLIP_benchmark's to_tuple skips it too
    const image = sample.get(ext)!;
    const cls = sample.get('cls');
    if (!cls) throw new UserError(`shard ${shard}: sample "${key}" has an image (${image.name}) but no .cls label; re-export the shard with a label per sample`);
    found.push({ image, cls });
  }
  return found.map(({ image, cls }) => {
    const text = kept.get(cls.name)!.toString('utf8').trim();
    const label = /^\d+$/.test(text) ? Number(text) : NaN;
    if (!Number.isSafeInteger(label)) throw new UserError(`shard ${shard}: ${cls.name} holds "${text.slice(0, 40)}", not a class index (an integer from 0)`);
    if (label >= numClasses) throw new UserError(`shard ${shard}: ${cls.name} says label ${label}, but ${classesPath} names only ${numClasses} classes (0–${numClasses - 1}); fix the label or classnames.txt`);
    return { split, rel: `${rel}/${image.name}`, path: shard, label, origin: `member ${image.name}`, load: () => readTarMember(shard, image), containerSha256: sha256 };
  });
}

/** The split folders present (train, val, test), each with its nshards.txt. */
export async function splitsOf(root: string): Promise<Split[]> {
  const out: Split[] = [];
  for (const s of SPLITS) if ((await stat(join(root, s)).catch(() => undefined))?.isDirectory()) out.push(s);
  if (out.length === 0) throw new UserError(`${root} has no split folder (train/, val/ or test/ holding nshards.txt and 0.tar, 1.tar, …)`);
  return out;
}

export async function shardCount(root: string, split: Split): Promise<number> {
  const path = join(root, split, 'nshards.txt');
  const text = await readOptionalTextFile(path, 'webdataset file');
  if (text === undefined) throw new UserError(`${path} is missing; it holds the number of shards in ${join(root, split)} (as CLIP_benchmark's exporter writes it)`);
  const n = Number(text.trim());
  if (!/^\d+$/.test(text.trim()) || n < 1) throw new UserError(`${path}: "${text.trim().slice(0, 40)}" is not a shard count (a whole number from 1)`);
  return n;
}

/** Lines stripped, blank ones dropped (CLIP_benchmark: `[line.strip() for line in text.splitlines()]`). */
const lines = (text: string) => text.split(/\r?\n/).map((l) => l.trim()).filter((l) => l !== '');

/** A folder with a split folder holding nshards.txt: CLIP_benchmark's marker for its layout. */
async function looksLikeWebdataset(path: string): Promise<boolean> {
  for (const s of SPLITS) if ((await stat(join(path, s, 'nshards.txt')).catch(() => undefined))?.isFile()) return true;
  return false;
}

/** `wds:<dir>`, and any folder with a <split>/nshards.txt given with no prefix. */
export const WEBDATASET: DatasetFormat = {
  name: 'wds',
  describe: 'a CLIP_benchmark webdataset (<split>/nshards.txt and .tar shards)',
  noun: 'a folder',
  probe: (path, stats) => stats.isDirectory() && looksLikeWebdataset(path),
  accepts: (stats) => stats.isDirectory() || 'not a folder',
  sidecars: false,
  list: listWebdataset,
};
