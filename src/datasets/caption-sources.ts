/**
 * The dispatch point for caption retrieval's test sets: a caption file (captions.ts), a CLIP_benchmark
 * retrieval webdataset on disk (`wds:<dir>`, or a folder whose dataset_type.txt says retrieval), or one on
 * the hub (`hf:clip-benchmark/wds_flickr30k`, downloaded like any hub dataset, only the split it reads).
 * Anything else is not captioned (null): the caller opens it as a labelled set for class retrieval.
 */
import { basename, resolve } from 'node:path';
import { resolveDataDir } from '../util/paths.ts';
import type { ProgressOptions } from '../util/progress.ts';
import { assembleCaptionedSet, isCaptionFile, openCaptionedSet, type CaptionedSet, type CaptionOptions } from './captions.ts';
import type { KnownHashes } from './formats/format.ts';
import { isRetrievalWebdataset, listWebdatasetCaptions } from './formats/webdataset-captions.ts';

export interface CaptionSourceOptions extends CaptionOptions {
  /** Hub downloads: the data directory (`--data-dir`), environment (HF_ENDPOINT, HF_TOKEN), fetch. */
  dataDir?: string;
  env?: NodeJS.ProcessEnv;
  fetchImpl?: typeof fetch;
  progress?: ProgressOptions;
}

/** A retrieval webdataset folder as a captioned set: images of `--split` (default test) with the captions of their .txt members. */
export async function openCaptionedWebdataset(root: string, opts: CaptionOptions = {}, knownSha256?: KnownHashes): Promise<CaptionedSet> {
  const path = resolve(root);
  const listed = await listWebdatasetCaptions(path, opts.split ?? 'test', knownSha256);
  return assembleCaptionedSet({ name: basename(path), kind: 'wds', path, ...listed, skipBad: opts.skipBad ?? false });
}

/** The captioned set `ref` names, or null when it names a labelled set. */
export async function openCaptionSource(ref: string, opts: CaptionSourceOptions = {}): Promise<CaptionedSet | null> {
  if (isCaptionFile(ref)) return openCaptionedSet(ref, opts);
  if (ref.startsWith('hf:')) {
    const { fetchHubDataset, hubProvenance } = await import('./hub.ts');
    const snap = await fetchHubDataset(ref.slice(3), { dataDir: resolveDataDir(opts.dataDir), env: opts.env, fetchImpl: opts.fetchImpl, progress: opts.progress, splits: [opts.split ?? 'test'] });
    if (snap.layout !== 'wds' || !(await isRetrievalWebdataset(snap.dir))) return null;
    // The download checked each shard against the hub's SHA-256: the reader need not hash it again.
    const set = await openCaptionedWebdataset(snap.dir, opts, new Map(snap.files.map((f) => [f.path, f])));
    const name = `hf:${snap.repo}`;
    const images = Object.create(set.images, { provenance: { value: hubProvenance(set.images.provenance, snap) }, name: { value: name } }) as CaptionedSet['images'];
    return { ...set, name, images };
  }
  const dir = ref.startsWith('wds:') ? ref.slice(4) : ref;
  return (await isRetrievalWebdataset(dir)) ? openCaptionedWebdataset(dir, opts) : null;
}
