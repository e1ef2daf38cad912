/**
 * The file list of a user dataset, fingerprinted once at open: every file is read whole, hashed
 * (SHA-256; a container's member is covered by its container's hash instead) and its header checked with sharp. Content hashing makes the identity exact (a
 * re-saved or replaced image changes it, a `touch` does not); it costs one read of the data,
 * a few seconds for 10k typical images, paid once per open, nothing cached between runs.
 * With `skipBad` every image is also decoded in full, because a header check cannot see damaged
 * pixel data (a truncated PNG) and skipping must be decided before indices are assigned; without
 * it a damaged image fails when read, with an error naming it and suggesting --skip-bad.
 */
import { readFile } from 'node:fs/promises';
import { UserError } from '../../util/errors.ts';
import { sha256 } from '../../util/hash.ts';
import { createProgress, type ProgressOptions } from '../../util/progress.ts';
import { checkImageBuffer } from '../decode.ts';
import type { Split } from '../types.ts';

export interface ListedFile {
  split: Split;
  /** Path relative to the dataset root (folder) or the CSV's folder, `/`-separated. */
  rel: string;
  /** Path to open (the root joined with rel). */
  path: string;
  label: number;
  /** Where the file was named, for errors: e.g. "data.csv line 7". */
  origin?: string;
  /** The image's bytes when they are not the whole of `path` (a member of a tar shard); default: read `path`. */
  load?: () => Promise<Buffer>;
  /**
   * For a member of a container (a tar shard, a parquet file): the container's SHA-256, which already
   * covers the member's bytes. The member is then not hashed again; this stands as its content hash.
   */
  containerSha256?: string;
}

/** The encoded bytes of a listed image: its own file, or what its container's reader returns. */
export function readListedBytes(file: ListedFile): Promise<Buffer> {
  return file.load ? file.load() : readFile(file.path);
}

export interface FingerprintedFile extends ListedFile {
  size: number;
  sha256: string;
}

export interface SkippedFile {
  path: string;
  reason: string;
}

const PARALLEL_READS = 8;
/** Folders smaller than this open too fast to need a progress line. */
const PROGRESS_MIN_FILES = 2000;

/**
 * Hash and check every file, in list order (header only, or every pixel when `skipBad`). An
 * unreadable file is dropped and reported in `skipped` when `skipBad`, else it stops the open
 * with an error naming it.
 */
export async function fingerprintFiles(
  files: readonly ListedFile[],
  opts: { skipBad: boolean; label: string; progress?: ProgressOptions },
): Promise<{ files: FingerprintedFile[]; skipped: SkippedFile[] }> {
  const silent = opts.progress === undefined && files.length < PROGRESS_MIN_FILES;
  const progress = createProgress(`hash ${opts.label}`, files.length, { unit: 'files', silent, ...opts.progress });
  const results: (FingerprintedFile | SkippedFile)[] = new Array(files.length);
  let next = 0;
  const worker = async () => {
    while (next < files.length) {
      const i = next++;
      results[i] = await fingerprint(files[i], opts.skipBad);
      progress.tick();
    }
  };
  await Promise.all(Array.from({ length: Math.min(PARALLEL_READS, files.length) }, worker));
  progress.done();

  const out: FingerprintedFile[] = [];
  const skipped: SkippedFile[] = [];
  for (let i = 0; i < files.length; i++) {
    const r = results[i];
    if ('sha256' in r) {
      out.push(r);
      continue;
    }
    if (!opts.skipBad) {
      const where = files[i].origin ? ` (${files[i].origin})` : '';
      throw new UserError(`cannot read image ${r.path}${where}: ${r.reason}; fix or remove it, or pass --skip-bad to skip unreadable images`);
    }
    skipped.push(r);
  }
  return { files: out, skipped };
}

async function fingerprint(file: ListedFile, decodePixels: boolean): Promise<FingerprintedFile | SkippedFile> {
  let buf: Buffer;
  try {
    buf = await readListedBytes(file);
  } catch (e) {
    if (e instanceof UserError) return { path: file.path, reason: e.message };
    const code = (e as NodeJS.ErrnoException).code;
    return { path: file.path, reason: code === 'EISDIR' ? 'a folder, not an image file' : (code ?? (e as Error).message) };
  }
  const bad = await checkImageBuffer(buf, { pixels: decodePixels });
  if (bad) return { path: file.path, reason: bad };
  return { ...file, size: buf.length, sha256: file.containerSha256 ?? sha256(buf) };
}
