/**
 * CLIP_benchmark's retrieval webdatasets (wds_flickr30k, wds_mscoco_captions, …): the layout of
 * webdataset.ts with `dataset_type.txt` saying `retrieval` and, per sample, an image member and a `.txt`
 * member holding every caption of the image, one per line. CLIP_benchmark's exporter
 * (`clip_benchmark/webdataset_builder.py`) writes `"\n".join(captions)` (a newline inside a caption
 * escaped as a literal `\n`), and its reader (`datasets/builder.py` `build_wds_dataset`) splits the member
 * with `str.splitlines`; so do we, and a line that is empty after trimming is an error (an empty prompt).
 * One split is read (test by default); there are no class names or templates.
 */
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { UserError } from '../../util/errors.ts';
import { readTarMember, scanTar } from '../tar-members.ts';
import { SPLITS, type Split } from '../types.ts';
import type { ListedFile } from '../user/listing.ts';
import type { ContainerFile, KnownHashes, ListedCaption } from './format.ts';
import { IMAGE_EXTS, sampleMembers, shardCount, splitsOf, webdatasetType } from './webdataset.ts';

export interface WebdatasetCaptions {
  files: ListedFile[];
  captions: ListedCaption[];
  containers: ContainerFile[];
}

/** Whether `root` is a CLIP_benchmark webdataset whose dataset_type.txt says retrieval. */
export async function isRetrievalWebdataset(root: string): Promise<boolean> {
  for (const s of SPLITS) if ((await stat(join(root, s, 'nshards.txt')).catch(() => undefined))?.isFile()) return (await webdatasetType(root)) === 'retrieval';
  return false;
}

/** `str.splitlines` (without its rarer separators), each line trimmed. */
const splitLines = (text: string) => text.replace(/(\r\n|\r|\n)$/, '').split(/\r\n|\r|\n/).map((l) => l.trim());

/** The images of one split with their captions, in shard order then archive order (the split's index order); `knownSha256`: shard hashes a hub download already checked. */
export async function listWebdatasetCaptions(root: string, split: string, knownSha256?: KnownHashes): Promise<WebdatasetCaptions> {
  const splits = await splitsOf(root);
  if (!(splits as string[]).includes(split)) throw new UserError(`${root} has no split "${split}" (it has ${splits.join(', ')}); --split chooses one`);
  const n = await shardCount(root, split as Split);
  const out: WebdatasetCaptions = { files: [], captions: [], containers: [] };
  for (let i = 0; i < n; i++) {
    const rel = `${split}/${i}.tar`;
    const shard = join(root, rel);
    const s = await stat(shard).catch(() => undefined);
    if (!s?.isFile()) throw new UserError(`shard ${shard} is missing (${join(root, split, 'nshards.txt')} says ${n}); download the missing shard or fix nshards.txt`);
    // One read of the shard walks its headers, keeps its .txt captions and hashes it (unless its hash is known).
    const known = knownSha256?.get(rel);
    const scan = await scanTar(shard, { hash: !(known && known.size === s.size), keep: (name) => name.toLowerCase().endsWith('.txt') });
    const sha256 = scan.sha256 ?? known!.sha256;
    // The images form the test split of the captioned set, whichever split they came from.
    out.containers.push({ split: 'test', rel, size: s.size, sha256 });
    for (const [key, sample] of sampleMembers(scan.members)) {
      const ext = IMAGE_EXTS.find((e) => sample.has(e));
      if (ext === undefined) continue; // no image: skipped, as CLIP_benchmark's to_tuple does
      const image = sample.get(ext)!;
      const txt = sample.get('txt');
      if (!txt) throw new UserError(`shard ${shard}: sample "${key}" has an image (${image.name}) but no .txt captions; text retrieval for it is undefined: re-export the shard with its captions`);
      const lines = splitLines(scan.kept.get(txt.name)!.toString('utf8'));
      if (lines.length === 0 || (lines.length === 1 && lines[0] === '')) throw new UserError(`shard ${shard}: ${txt.name} holds no caption for ${image.name}; text retrieval for it is undefined: remove the sample or give it captions`);
      const blank = lines.indexOf('');
      if (blank >= 0) throw new UserError(`shard ${shard}: ${txt.name} line ${blank + 1} is an empty caption for ${image.name}; every caption needs text`);
      const file = out.files.length;
      out.files.push({ split: 'test', rel: `${rel}/${image.name}`, path: shard, label: 0, origin: `member ${image.name}`, load: () => readTarMember(shard, image), containerSha256: sha256 });
      for (const caption of lines) out.captions.push({ file, caption });
    }
  }
  if (out.files.length === 0) throw new UserError(`${join(root, split)}: no samples in any shard`);
  return out;
}
