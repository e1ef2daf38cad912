/**
 * A built-in dataset backed by its converted store: fetched, verified and converted on first use,
 * then read by index through file handles.
 */
import { readFile, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { UserError } from '../util/errors.ts';
import { stableHash } from '../util/hash.ts';
import type { ProgressOptions } from '../util/progress.ts';
import type { BuiltinEntry } from './registry.ts';
import { dirChecksum, materializeSource, sourceAvailable, sourceChecksum, type DatasetSource } from './sources.ts';
import {
  STORE_FORMAT_VERSION,
  StoreInvalid,
  StoreWriter,
  openStore,
  readStoreImages,
  readStoreLabels,
  type SplitMeta,
  type StoreMeta,
} from './store.ts';
import type { Dataset, DatasetProvenance, LabeledImage, Split } from './types.ts';

export interface BuiltinOptions {
  dataDir: string;
  /** A source id of the entry, or `dir:<folder>` holding the files of the entry's dirLayout source. */
  source?: string;
  /** false: never download or convert; a missing store is an error. Default true. */
  fetch?: boolean;
  fetchImpl?: typeof fetch;
  progress?: ProgressOptions;
}

export class BuiltinDataset implements Dataset {
  readonly name: string;
  readonly classes: readonly string[];
  readonly templates: readonly string[];
  readonly splits: readonly Split[];
  readonly provenance: DatasetProvenance;
  private labelCache = new Map<Split, Promise<Int32Array>>();

  constructor(
    readonly entry: BuiltinEntry,
    readonly storeDir: string,
    readonly meta: StoreMeta,
  ) {
    this.name = entry.name;
    this.classes = entry.classes;
    this.templates = entry.templates;
    this.splits = entry.splits.filter((s) => meta.splits[s]);
    this.provenance = {
      source: meta.provenance,
      checksum: meta.sourceChecksum,
      license: entry.license,
      notes: entry.description,
    };
  }

  identity(split: Split): string {
    return stableHash({
      format: STORE_FORMAT_VERSION,
      sourceChecksum: this.meta.sourceChecksum,
      split,
      conversion: this.meta.conversion,
    });
  }

  private splitMeta(split: Split): SplitMeta {
    const s = this.meta.splits[split];
    if (!s) throw new UserError(`${this.name} has no ${split} split (it has: ${this.splits.join(', ')})`);
    return s;
  }

  async size(split: Split): Promise<number> {
    return this.splitMeta(split).count;
  }

  labels(split: Split): Promise<Int32Array> {
    const s = this.splitMeta(split);
    let p = this.labelCache.get(split);
    if (!p) {
      p = readStoreLabels(this.storeDir, s);
      this.labelCache.set(split, p);
    }
    return p.then((l) => l.slice());
  }

  async *read(split: Split, indices?: ArrayLike<number>): AsyncIterable<LabeledImage> {
    const s = this.splitMeta(split);
    const labels = await this.labels(split);
    for await (const [index, data] of readStoreImages(this.storeDir, s, indices)) {
      yield {
        index,
        label: labels[index],
        image: { data, width: s.width, height: s.height, channels: s.channels },
        source: `${this.name}:${split}[${index}]`,
      };
    }
  }
}

interface ResolvedSource {
  id: string;
  src: DatasetSource;
  fromDir?: string;
}

export function resolveSource(entry: BuiltinEntry, source?: string): ResolvedSource {
  const id = source ?? entry.defaultSource;
  if (id.startsWith('dir:')) {
    if (!entry.dirLayout) throw new UserError(`--source dir: is not supported for ${entry.name}; use one of: ${Object.keys(entry.sources).join(', ')}`);
    return { id: 'dir', src: entry.sources[entry.dirLayout], fromDir: resolve(id.slice(4)) };
  }
  if (!Object.hasOwn(entry.sources, id)) {
    const alts = [...Object.keys(entry.sources), ...(entry.dirLayout ? ['dir:<folder>'] : [])];
    throw new UserError(`--source ${id} is not a source of ${entry.name}; use one of: ${alts.join(', ')}`);
  }
  return { id, src: entry.sources[id] };
}

/** Where a source's converted store lives. `dir:` sources are keyed by their content checksum. */
export function storeDirFor(dataDir: string, entry: BuiltinEntry, sourceId: string, checksum?: string): string {
  const leaf = sourceId === 'dir' ? `dir-${checksum!.slice(0, 16)}` : sourceId;
  return join(dataDir, entry.name, `${leaf}-v${STORE_FORMAT_VERSION}`);
}

/** Open a built-in, fetching and converting it first when its store is missing or invalid. */
export async function openBuiltin(entry: BuiltinEntry, opts: BuiltinOptions): Promise<BuiltinDataset> {
  const { id, src, fromDir } = resolveSource(entry, opts.source);
  let files: Record<string, string> | undefined;
  let checksum: string;
  if (fromDir) {
    files = await materializeSource(src, { dataDir: opts.dataDir, fromDir });
    checksum = await dirChecksum(files);
  } else {
    checksum = sourceChecksum(src);
  }
  const dir = storeDirFor(opts.dataDir, entry, id, checksum);
  try {
    const meta = await openStore(dir, { sourceChecksum: checksum });
    if (meta) return new BuiltinDataset(entry, dir, meta);
  } catch (e) {
    if (!(e instanceof StoreInvalid)) throw e;
    if (opts.fetch === false) throw new UserError(`${e.message}; rebuild it with: npm run datasets -- fetch ${entry.name}`);
    process.stderr.write(`${e.message}; rebuilding it\n`);
  }
  if (opts.fetch === false) {
    throw new UserError(`${entry.name} is not fetched yet (no store in ${dir}); run: npm run datasets -- fetch ${entry.name}`);
  }
  files ??= await materializeSource(src, { dataDir: opts.dataDir, fetchImpl: opts.fetchImpl, progress: opts.progress });
  const writer = await StoreWriter.create(dir);
  let meta: StoreMeta;
  try {
    await src.convert(files, writer, {
      dataset: entry.name,
      scratchDir: writer.scratchDir,
      progress: opts.progress ?? {},
      classes: entry.classes,
    });
    meta = await writer.commit({
      dataset: entry.name,
      source: id,
      provenance: fromDir ? `dir:${fromDir} (${src.provenance} layout)` : src.provenance,
      sourceChecksum: checksum,
      conversion: src.conversion ?? {},
    });
  } catch (e) {
    await writer.abort();
    throw e;
  }
  // The checksums in meta were computed from the bytes as they were written: no need to re-hash now.
  return new BuiltinDataset(entry, dir, meta);
}

export type BuiltinStatus = 'cached' | 'not fetched' | 'source missing' | 'invalid store';

/** Cheap status for `datasets list`: sizes only, no hashing, no network. */
export async function builtinStatus(entry: BuiltinEntry, dataDir: string, source?: string): Promise<BuiltinStatus> {
  const { id, src, fromDir } = resolveSource(entry, source);
  if (!fromDir) {
    const dir = storeDirFor(dataDir, entry, id);
    const meta = await stat(join(dir, 'meta.json')).catch(() => undefined);
    if (meta) {
      try {
        const m = JSON.parse(await readFile(join(dir, 'meta.json'), 'utf8')) as StoreMeta;
        for (const s of Object.values(m.splits)) {
          for (const f of [s!.images, s!.labels]) {
            const st = await stat(join(dir, f.file)).catch(() => undefined);
            if (!st || st.size !== f.size) return 'invalid store';
          }
        }
        if (m.format === STORE_FORMAT_VERSION && m.sourceChecksum === sourceChecksum(src)) return 'cached';
      } catch {
        return 'invalid store';
      }
    }
  }
  return (await sourceAvailable(src)) === 'missing' ? 'source missing' : 'not fetched';
}
