/** A Dataset over the user's own files: a fingerprinted file list, decoded lazily on read. */
import { UserError } from '../../util/errors.ts';
import { stableHash } from '../../util/hash.ts';
import { decodeImageBuffer } from '../decode.ts';
import type { Dataset, DatasetProvenance, LabeledImage, RawImage, Split } from '../types.ts';
import { SPLITS } from '../types.ts';
import type { ContainerFile } from '../formats/format.ts';
import { readListedBytes, type FingerprintedFile, type SkippedFile } from './listing.ts';

/** Bump when the listing or decoding rules change what a split's indices hold. */
export const USER_FORMAT_VERSION = 1;
/** Images decoded ahead of the consumer: overlaps file reads and sharp's worker threads. */
const READ_AHEAD = 4;

export interface UserDataset extends Dataset {
  /** Files dropped by `skipBad` (unreadable or not an image), for the CLI to list. */
  readonly skipped: readonly SkippedFile[];
}

export class UserFilesDataset implements UserDataset {
  readonly splits: readonly Split[];
  readonly validationSplit?: 'val';
  readonly provenance: DatasetProvenance;
  private readonly bySplit = new Map<Split, FingerprintedFile[]>();
  private readonly identities = new Map<Split, string>();

  constructor(
    readonly name: string,
    /** The format's name (DatasetFormat.name): part of the identity and the provenance's `<kind>:<path>`. */
    readonly kind: string,
    absPath: string,
    readonly classes: readonly string[],
    readonly templates: readonly string[],
    files: readonly FingerprintedFile[],
    readonly skipped: readonly SkippedFile[],
    private readonly skipBad: boolean,
    /** Tar shards or parquet files the images were read from: their hashes join every split's identity. */
    readonly containers: readonly ContainerFile[] = [],
    /** The split the layout names as the probes' validation rows (CoOp's `val` list), when it has rows. */
    validationSplit?: 'val',
  ) {
    for (const f of files) {
      const list = this.bySplit.get(f.split) ?? [];
      list.push(f);
      this.bySplit.set(f.split, list);
    }
    this.splits = SPLITS.filter((s) => this.bySplit.has(s));
    if (validationSplit && this.splits.includes(validationSplit)) this.validationSplit = validationSplit;
    // Identity covers what features and labels depend on: file bytes, their order and label
    // indices. Class *names* are left out (as for built-ins): renaming a class changes prompts only.
    for (const s of this.splits) {
      this.identities.set(
        s,
        stableHash({
          format: USER_FORMAT_VERSION,
          kind,
          split: s,
          numClasses: classes.length,
          files: this.bySplit.get(s)!.map((f) => [f.rel, f.size, f.sha256, f.label]),
          containers: containers.some((c) => c.split === s) ? containers.filter((c) => c.split === s).map((c) => [c.rel, c.size, c.sha256]) : undefined,
        }),
      );
    }
    const checksum = stableHash({ format: USER_FORMAT_VERSION, kind, splits: this.splits.map((s) => [s, this.identities.get(s)]) });
    this.provenance = {
      source: `${kind}:${absPath}`,
      checksum,
      notes: skipped.length > 0 ? `${skipped.length} unreadable file(s) skipped (--skip-bad)` : undefined,
      ...(containers.length > 0 ? { files: containers.map((c) => ({ path: c.rel, size: c.size, sha256: c.sha256 })) } : {}),
    };
  }

  identity(split: Split): string {
    this.files(split);
    return this.identities.get(split)!;
  }

  async size(split: Split): Promise<number> {
    return this.files(split).length;
  }

  async labels(split: Split): Promise<Int32Array> {
    return Int32Array.from(this.files(split), (f) => f.label);
  }

  async *read(split: Split, indices?: ArrayLike<number>): AsyncIterable<LabeledImage> {
    const files = this.files(split);
    const wanted = indices ? checkIndices(indices, files.length) : files.map((_, i) => i);
    const pending: Promise<RawImage>[] = [];
    const start = (k: number) => {
      const p = this.decode(files[wanted[k]]);
      p.catch(() => undefined); // awaited in order below; keeps an early failure from being "unhandled"
      pending.push(p);
    };
    for (let k = 0; k < Math.min(READ_AHEAD, wanted.length); k++) start(k);
    for (let k = 0; k < wanted.length; k++) {
      const image = await pending.shift()!;
      if (k + READ_AHEAD < wanted.length) start(k + READ_AHEAD);
      const f = files[wanted[k]];
      yield { index: wanted[k], label: f.label, image, source: describe(f) };
    }
  }

  private files(split: Split): FingerprintedFile[] {
    const f = this.bySplit.get(split);
    if (!f) throw new UserError(`${this.name} has no ${split} split (it has: ${this.splits.join(', ')})`);
    return f;
  }

  private async decode(file: FingerprintedFile): Promise<RawImage> {
    let buf: Buffer;
    try {
      buf = await readListedBytes(file);
    } catch (e) {
      if (e instanceof UserError) throw e;
      throw new UserError(`cannot read image ${describe(file)}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message} (was it moved or deleted since the dataset was opened?)`);
    }
    try {
      return await decodeImageBuffer(buf, describe(file));
    } catch (e) {
      // The header passed at open but the pixel data is damaged. With --skip-bad every pixel was
      // decoded at open, so the file changed since.
      const hint = this.skipBad
        ? 'it decoded when the dataset was opened, so it changed since; re-encode or remove it and run again'
        : 'fix or remove it, or pass --skip-bad to skip unreadable images';
      throw new UserError(`${(e as Error).message}; ${hint}`);
    }
  }
}

/** A file by its path, or a container member as "<container> (member <name>)". */
function describe(f: FingerprintedFile): string {
  return f.load && f.origin ? `${f.path} (${f.origin})` : f.path;
}

function checkIndices(indices: ArrayLike<number>, n: number): number[] {
  const out = Array.from(indices);
  for (let k = 0; k < out.length; k++) {
    const i = out[k];
    if (!Number.isInteger(i) || i < 0 || i >= n) throw new RangeError(`index ${i} out of range for a split of ${n}`);
    if (k > 0 && i <= out[k - 1]) throw new RangeError('indices must be sorted ascending and unique');
  }
  return out;
}
